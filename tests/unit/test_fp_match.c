/* Fingerprint comparison on synthetic prints: invariance to rotation and translation,
 * symmetry, partial overlap, resolution normalisation, thread safety, and the benchmark
 * figures (EER etc.) on hand-computed score lists. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ktpel/bench.h"
#include "ktpel/fp_match.h"
#include "testutil.h"

/* The workspace layout, to compare the CPU-specific paths with the portable ones. */
#include "../../match/fp_mcc_internal.h"

#define PI 3.14159265358979

/* A synthetic print: minutiae as real numbers (pixels at 500 dpi, y down, radians
 * counter-clockwise as seen on screen) before rounding to a record. */
typedef struct print {
    int count;
    double x[80], y[80], theta[80];
    int type[80];
} print;

static uint64_t next_random(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ull;
}

static double uniform(uint64_t *s)
{
    return (double)(next_random(s) >> 11) / 9007199254740992.0;
}

/* count minutiae at least 12 pixels apart inside a 260 x 340 ellipse, directions from a
 * smooth loop-like flow (as ridges do), half of them reversed. */
static void make_print(print *p, int count, uint64_t seed)
{
    uint64_t s = seed * 0x9e3779b97f4a7c15ull + 1;
    p->count = 0;
    while (p->count < count) {
        double x = uniform(&s) * 260 - 130, y = uniform(&s) * 340 - 170;
        if ((x / 130) * (x / 130) + (y / 170) * (y / 170) > 1)
            continue;
        int close = 0;
        for (int k = 0; k < p->count; k++)
            close |= (p->x[k] - x) * (p->x[k] - x) + (p->y[k] - y) * (p->y[k] - y) < 144;
        if (close)
            continue;
        double flow = atan2(y + 30, x) + PI / 2 + 0.4 * sin(x / 35.0);
        p->x[p->count] = x;
        p->y[p->count] = y;
        p->theta[p->count] = flow + ((next_random(&s) & 1) ? PI : 0);
        p->type[p->count] = 1 + (int)(next_random(&s) & 1);
        p->count++;
    }
}

/* Rotates by angle (counter-clockwise on screen), then moves by (dx, dy). */
static void transform(const print *in, print *out, double angle, double dx, double dy)
{
    *out = *in;
    double c = cos(angle), s = sin(angle);
    for (int k = 0; k < in->count; k++) {
        /* y points down, so a counter-clockwise turn on screen is clockwise in (x, y). */
        out->x[k] = c * in->x[k] + s * in->y[k] + dx;
        out->y[k] = -s * in->x[k] + c * in->y[k] + dy;
        out->theta[k] = in->theta[k] + angle;
    }
}

/* Builds a compact template: the print centred in a size x size image at dpi (coordinates
 * scaled from 500 dpi). Minutiae that fall outside the image are dropped. */
static ktpel_fp_compact *compact_of(const print *p, int size, int dpi)
{
    ktpel_minutia m[80];
    int n = 0;
    double scale = dpi / 500.0;
    for (int k = 0; k < p->count; k++) {
        double x = size / 2.0 + p->x[k] * scale, y = size / 2.0 + p->y[k] * scale;
        if (x < 0 || y < 0 || x > size - 1 || y > size - 1)
            continue;
        long a = lround(p->theta[k] * 128 / PI);
        m[n++] = (ktpel_minutia){(uint16_t)lround(x),
                                 (uint16_t)lround(y),
                                 (uint8_t)(a & 255),
                                 (uint8_t)p->type[k],
                                 0,
                                 0};
    }
    ktpel_fp_compact *c = NULL;
    ktpel_errbuf eb;
    if (ktpel_fp_compact_build(m, n, size, size, dpi, dpi, &c, &eb) != KTPEL_OK)
        fail_msg("compact build: %s", eb.message);
    return c;
}

static ktpel_fp_workspace *workspace(void)
{
    ktpel_fp_workspace *ws = NULL;
    assert_int_equal(ktpel_fp_workspace_new(&ws, NULL), KTPEL_OK);
    return ws;
}

/* The first stage's early exit: a gated score is 0 or exactly the full score; pairs of the
 * same print (moved and turned) never exit; a good share of unrelated prints do. */
static void test_gated_compare(void **state)
{
    (void)state;
    ktpel_fp_workspace *ws = workspace();
    int exits = 0, impostors = 0;
    for (uint64_t k = 0; k < 40; k++) {
        print p, q, moved;
        make_print(&p, 38, 100 + k);
        make_print(&q, 38, 200 + k);
        transform(&p, &moved, 0.2, 15, -10);
        ktpel_fp_compact *a = compact_of(&p, 600, 500), *b = compact_of(&q, 600, 500),
                         *c = compact_of(&moved, 600, 500);
        float full = ktpel_fp_compare(a, b, ws);
        float gated = ktpel_fp_compare_gated(a, b, KTPEL_FP_LSS_GATE, ws);
        assert_true(gated == 0.0f || gated == full);
        exits += gated == 0.0f && full > 0.0f;
        impostors++;
        assert_true(ktpel_fp_compare_gated(a, b, 0.0f, ws) == full);
        float genuine = ktpel_fp_compare(a, c, ws);
        assert_true(ktpel_fp_compare_gated(a, c, KTPEL_FP_LSS_GATE, ws) == genuine);
        ktpel_fp_compact_free(a);
        ktpel_fp_compact_free(b);
        ktpel_fp_compact_free(c);
    }
    printf("%d of %d unrelated pairs exit early\n", exits, impostors);
    assert_true(exits >= impostors / 5);
    ktpel_fp_workspace_free(ws);
}

/* The vector paths chosen for this CPU give exactly the portable paths' scores. */
static void test_vector_paths_exact(void **state)
{
    (void)state;
    ktpel_fp_workspace *fast = workspace(), *plain = workspace();
    plain->compat = NULL;
    plain->select = NULL;
    for (uint64_t k = 0; k < 30; k++) {
        print p, q, moved;
        make_print(&p, 20 + (int)k, 300 + k);
        make_print(&q, 45 - (int)k / 2, 400 + k);
        transform(&p, &moved, -0.3, -20, 5);
        ktpel_fp_compact *a = compact_of(&p, 600, 500), *b = compact_of(&q, 600, 500),
                         *c = compact_of(&moved, 600, 500);
        assert_true(ktpel_fp_compare(a, b, fast) == ktpel_fp_compare(a, b, plain));
        assert_true(ktpel_fp_compare(a, c, fast) == ktpel_fp_compare(a, c, plain));
        ktpel_fp_compact_free(a);
        ktpel_fp_compact_free(b);
        ktpel_fp_compact_free(c);
    }
    ktpel_fp_workspace_free(fast);
    ktpel_fp_workspace_free(plain);
}

static void test_self_and_impostor(void **state)
{
    (void)state;
    ktpel_fp_workspace *ws = workspace();
    print p, q;
    make_print(&p, 40, 1);
    make_print(&q, 40, 2);
    ktpel_fp_compact *a = compact_of(&p, 600, 500), *b = compact_of(&q, 600, 500);
    assert_int_equal(ktpel_fp_compact_count(a), 40);
    assert_true(ktpel_fp_compact_descriptors(a) > 30);
    assert_true(ktpel_fp_compact_size(a) > 40 * 200);
    float self = ktpel_fp_compare(a, a, ws);
    float other = ktpel_fp_compare(a, b, ws);
    float threshold = ktpel_fp_threshold_for_fmr(1e-4);
    printf("self %.4f, impostor %.4f, threshold %.4f\n", self, other, threshold);
    assert_true(self > 0.9f);
    assert_true(other < threshold);
    ktpel_fp_compact_free(a);
    ktpel_fp_compact_free(b);
    ktpel_fp_workspace_free(ws);
}

static void test_rotation_translation_invariance(void **state)
{
    (void)state;
    ktpel_fp_workspace *ws = workspace();
    const double angles[] = {PI / 2, PI, 1.5 * PI, PI / 6, 0.8, 2.5, 4.0, 5.9};
    const float threshold = ktpel_fp_threshold_for_fmr(1e-4);
    for (int seed = 10; seed < 14; seed++) {
        print p, r;
        make_print(&p, 35 + seed, (uint64_t)seed);
        ktpel_fp_compact *a = compact_of(&p, 800, 500);
        float self = ktpel_fp_compare(a, a, ws);
        for (size_t k = 0; k < sizeof angles / sizeof angles[0]; k++) {
            transform(&p, &r, angles[k], 37.0 * (double)k - 120, 90.0 - 25.0 * (double)k);
            ktpel_fp_compact *b = compact_of(&r, 800, 500);
            float s = ktpel_fp_compare(a, b, ws);
            /* Quarter turns are exact on the pixel grid; other angles move minutiae by up
             * to half a pixel and half an angle unit through rounding. */
            int exact = k < 3;
            if (exact ? fabsf(s - self) > 0.02f : s < 0.6f * self || s < threshold)
                fail_msg("seed %d angle %.2f: score %.4f, self %.4f", seed, angles[k], s, self);
            ktpel_fp_compact_free(b);
        }
        ktpel_fp_compact_free(a);
    }
    ktpel_fp_workspace_free(ws);
}

/* Moves every minutia a little (as skin does) and drops a few; the pair must still match. */
static void test_distortion_and_partial_overlap(void **state)
{
    (void)state;
    ktpel_fp_workspace *ws = workspace();
    const float threshold = ktpel_fp_threshold_for_fmr(1e-4);
    uint64_t s = 99;
    for (int seed = 20; seed < 24; seed++) {
        print p, d, half;
        make_print(&p, 45, (uint64_t)seed);
        transform(&p, &d, 0.3, 20, -10);
        for (int k = 0; k < d.count; k++) {
            d.x[k] += (uniform(&s) - 0.5) * 6 + d.y[k] * 0.02; /* jitter and a shear */
            d.y[k] += (uniform(&s) - 0.5) * 6;
            d.theta[k] += (uniform(&s) - 0.5) * 0.15;
        }
        /* The upper 60 % of the print only. */
        half = p;
        half.count = 0;
        for (int k = 0; k < p.count; k++)
            if (p.y[k] < 40) {
                half.x[half.count] = p.x[k];
                half.y[half.count] = p.y[k];
                half.theta[half.count] = p.theta[k];
                half.type[half.count] = p.type[k];
                half.count++;
            }
        ktpel_fp_compact *a = compact_of(&p, 700, 500), *b = compact_of(&d, 700, 500),
                         *c = compact_of(&half, 700, 500);
        float sd = ktpel_fp_compare(a, b, ws), sh = ktpel_fp_compare(c, b, ws);
        printf("seed %d: distorted %.4f, partial %.4f (threshold %.4f)\n", seed, sd, sh, threshold);
        assert_true(sd >= threshold);
        assert_true(sh >= threshold);
        ktpel_fp_compact_free(a);
        ktpel_fp_compact_free(b);
        ktpel_fp_compact_free(c);
    }
    ktpel_fp_workspace_free(ws);
}

static void test_symmetry(void **state)
{
    (void)state;
    ktpel_fp_workspace *ws = workspace();
    uint64_t s = 5;
    double worst = 0;
    for (int seed = 30; seed < 50; seed++) {
        print p, q;
        make_print(&p, 30 + seed % 25, (uint64_t)seed);
        transform(&p, &q, seed * 0.37, seed - 40.0, 40.0 - seed);
        for (int k = 0; k < q.count; k++)
            q.x[k] += (uniform(&s) - 0.5) * 8;
        if (seed % 2) /* every other pair is an impostor pair */
            make_print(&q, 35, (uint64_t)seed + 1000);
        ktpel_fp_compact *a = compact_of(&p, 800, 500), *b = compact_of(&q, 800, 500);
        double d = fabs(ktpel_fp_compare(a, b, ws) - ktpel_fp_compare(b, a, ws));
        worst = d > worst ? d : worst;
        ktpel_fp_compact_free(a);
        ktpel_fp_compact_free(b);
    }
    printf("largest asymmetry %.6f\n", worst);
    assert_true(worst <= 1e-3);
    ktpel_fp_workspace_free(ws);
}

/* The same finger recorded at 569 dpi compares like the 500 dpi record. */
static void test_resolution_normalised(void **state)
{
    (void)state;
    ktpel_fp_workspace *ws = workspace();
    print p;
    make_print(&p, 40, 7);
    ktpel_fp_compact *a = compact_of(&p, 600, 500), *b = compact_of(&p, 700, 569);
    ktpel_fp_compact *wrong = NULL;
    /* The 569 dpi minutiae declared as 500 dpi: a 14 % scale error. */
    {
        ktpel_minutia m[80];
        int n = 0;
        for (int k = 0; k < p.count; k++) {
            long a_units = lround(p.theta[k] * 128 / PI);
            m[n++] = (ktpel_minutia){(uint16_t)lround(350 + p.x[k] * 1.138),
                                     (uint16_t)lround(350 + p.y[k] * 1.138),
                                     (uint8_t)(a_units & 255),
                                     1,
                                     0,
                                     0};
        }
        assert_int_equal(ktpel_fp_compact_build(m, n, 700, 700, 500, 500, &wrong, NULL), KTPEL_OK);
    }
    float self = ktpel_fp_compare(a, a, ws), right = ktpel_fp_compare(a, b, ws),
          unscaled = ktpel_fp_compare(a, wrong, ws);
    printf("self %.4f, 569 dpi %.4f, 569 dpi read as 500 %.4f\n", self, right, unscaled);
    assert_true(right > 0.7f * self);
    assert_true(unscaled < 0.7f * right);
    ktpel_fp_compact_free(a);
    ktpel_fp_compact_free(b);
    ktpel_fp_compact_free(wrong);
    ktpel_fp_workspace_free(ws);
}

static void test_degenerate_inputs(void **state)
{
    (void)state;
    ktpel_fp_workspace *ws = workspace();
    ktpel_fp_compact *empty = NULL, *one = NULL, *a = NULL;
    ktpel_minutia m = {10, 10, 0, 1, 0, 0};
    ktpel_errbuf eb;
    assert_int_equal(ktpel_fp_compact_build(NULL, 0, 100, 100, 500, 500, &empty, &eb), KTPEL_OK);
    assert_int_equal(ktpel_fp_compact_build(&m, 1, 100, 100, 500, 500, &one, &eb), KTPEL_OK);
    print p;
    make_print(&p, 30, 3);
    a = compact_of(&p, 600, 500);
    assert_true(ktpel_fp_compare(empty, a, ws) == 0.0f);
    assert_true(ktpel_fp_compare(one, a, ws) == 0.0f);
    assert_true(ktpel_fp_compare(a, a, NULL) == 0.0f);
    assert_true(ktpel_fp_compare(NULL, a, ws) == 0.0f);
    /* Errors name the problem. */
    ktpel_fp_compact *bad = NULL;
    assert_int_equal(ktpel_fp_compact_build(&m, 1, 5, 5, 500, 500, &bad, &eb), KTPEL_EINVAL);
    assert_non_null(strstr(eb.message, "outside"));
    assert_int_equal(ktpel_fp_compact_build(&m, 1, 100, 100, 0, 500, &bad, &eb), KTPEL_EINVAL);
    assert_int_equal(ktpel_fp_compact_build(&m, -1, 100, 100, 500, 500, &bad, &eb), KTPEL_EINVAL);
    assert_null(bad);
    ktpel_fp_compact_free(empty);
    ktpel_fp_compact_free(one);
    ktpel_fp_compact_free(a);
    ktpel_fp_workspace_free(ws);
}

static void test_threshold_calibration(void **state)
{
    (void)state;
    float prev = -1;
    for (double fmr = 0.5; fmr > 1e-7; fmr /= 3) {
        float t = ktpel_fp_threshold_for_fmr(fmr);
        assert_true(t >= prev);
        prev = t;
    }
    for (double fmr = 1e-1; fmr >= 1e-6; fmr /= 10) {
        double back = ktpel_fp_fmr_for_threshold(ktpel_fp_threshold_for_fmr(fmr));
        assert_true(fabs(log10(back) - log10(fmr)) < 0.01);
    }
}

/* Two threads with their own workspaces give the scores one thread gives. */
typedef struct job {
    ktpel_fp_compact **t;
    int n;
    float *scores;
} job;

static void *score_all(void *arg)
{
    job *j = arg;
    ktpel_fp_workspace *ws = NULL;
    if (ktpel_fp_workspace_new(&ws, NULL) != KTPEL_OK)
        return NULL;
    for (int r = 0; r < 3; r++)
        for (int a = 0; a < j->n; a++)
            for (int b = 0; b < j->n; b++)
                j->scores[a * j->n + b] = ktpel_fp_compare(j->t[a], j->t[b], ws);
    ktpel_fp_workspace_free(ws);
    return NULL;
}

static void test_threads_agree(void **state)
{
    (void)state;
    enum { N = 12 };
    ktpel_fp_compact *t[N];
    for (int k = 0; k < N; k++) {
        print p, q;
        make_print(&p, 40, (uint64_t)(k / 2));
        transform(&p, &q, k * 0.5, k, -k);
        t[k] = compact_of(&q, 800, 500);
    }
    float serial[N * N], s1[N * N], s2[N * N];
    job js = {t, N, serial}, j1 = {t, N, s1}, j2 = {t, N, s2};
    score_all(&js);
    pthread_t a, b;
    assert_int_equal(pthread_create(&a, NULL, score_all, &j1), 0);
    assert_int_equal(pthread_create(&b, NULL, score_all, &j2), 0);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    assert_memory_equal(serial, s1, sizeof serial);
    assert_memory_equal(serial, s2, sizeof serial);
    for (int k = 0; k < N; k++)
        ktpel_fp_compact_free(t[k]);
}

static void test_bench_metrics(void **state)
{
    (void)state;
    ktpel_bench_metrics m;
    ktpel_errbuf eb;
    /* FMR/FNMR by threshold: 5: .2/0, 6: .2/.2, 7: 0/.4 -> EER 20 %, ZeroFMR 40 %. */
    const double gen[] = {5, 6, 7, 8, 9}, imp[] = {1, 2, 3, 4, 6};
    assert_int_equal(ktpel_bench_metrics_compute(gen, 5, imp, 5, &m, &eb), KTPEL_OK);
    assert_int_equal(m.genuine, 5);
    assert_int_equal(m.impostor, 5);
    assert_true(fabs(m.eer - 0.2) < 1e-12);
    assert_true(m.eer_threshold == 6);
    assert_true(fabs(m.fmr100 - 0.4) < 1e-12);
    assert_true(fabs(m.fmr1000 - 0.4) < 1e-12);
    assert_true(fabs(m.zero_fmr - 0.4) < 1e-12);
    assert_true(m.zero_fmr_threshold == 7);
    /* Perfect separation. */
    const double g2[] = {3, 4}, i2[] = {1, 2};
    assert_int_equal(ktpel_bench_metrics_compute(g2, 2, i2, 2, &m, &eb), KTPEL_OK);
    assert_true(m.eer == 0 && m.zero_fmr == 0);
    /* Complete overlap of identical scores: every threshold errs on one side. */
    const double g3[] = {1, 1}, i3[] = {1, 1, 1};
    assert_int_equal(ktpel_bench_metrics_compute(g3, 2, i3, 3, &m, &eb), KTPEL_OK);
    assert_true(fabs(m.eer - 0.5) < 1e-12);
    assert_true(m.zero_fmr == 1);
    /* 200 impostors: FMR100 allows 2 at or above the threshold. */
    double many[200], g4[4] = {0.5, 0.91, 0.95, 0.99};
    for (int k = 0; k < 200; k++)
        many[k] = k / 1000.0;
    many[199] = 0.92;
    many[198] = 0.93;
    many[197] = 0.94;
    assert_int_equal(ktpel_bench_metrics_compute(g4, 4, many, 200, &m, &eb), KTPEL_OK);
    assert_true(fabs(m.fmr100 - 0.5) < 1e-12); /* threshold 0.93: 0.5 and 0.91 rejected */
    assert_true(fabs(m.zero_fmr - 0.5) < 1e-12);
    double fmr, fnmr;
    ktpel_bench_rates_at(g4, 4, many, 200, 0.93, &fmr, &fnmr);
    assert_true(fabs(fmr - 0.01) < 1e-12 && fabs(fnmr - 0.5) < 1e-12);
    assert_int_equal(ktpel_bench_metrics_compute(g4, 0, many, 200, &m, &eb), KTPEL_EINVAL);
    const double nan_score[] = {NAN};
    assert_int_equal(ktpel_bench_metrics_compute(nan_score, 1, many, 200, &m, &eb), KTPEL_EINVAL);
}

static void test_det_curve(void **state)
{
    (void)state;
    double gen[300], imp[3000];
    uint64_t s = 11;
    for (int k = 0; k < 300; k++)
        gen[k] = 0.6 + 0.3 * uniform(&s);
    for (int k = 0; k < 3000; k++)
        imp[k] = 0.65 * uniform(&s);
    ktpel_image img;
    ktpel_errbuf eb;
    assert_int_equal(ktpel_bench_det_draw(gen, 300, imp, 3000, 640, 480, &img, &eb), KTPEL_OK);
    assert_int_equal(img.width, 640);
    assert_int_equal(img.height, 480);
    assert_int_equal(img.channels, 3);
    size_t blue = 0;
    for (size_t p = 0; p < (size_t)640 * 480; p++)
        blue += img.data[3 * p] == 20 && img.data[3 * p + 2] == 200;
    assert_true(blue > 200); /* the curve is drawn */
    ktpel_image_free(&img);
    assert_int_equal(ktpel_bench_det_draw(gen, 300, imp, 3000, 100, 480, &img, &eb), KTPEL_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_self_and_impostor),
        cmocka_unit_test(test_gated_compare),
        cmocka_unit_test(test_vector_paths_exact),
        cmocka_unit_test(test_rotation_translation_invariance),
        cmocka_unit_test(test_distortion_and_partial_overlap),
        cmocka_unit_test(test_symmetry),
        cmocka_unit_test(test_resolution_normalised),
        cmocka_unit_test(test_degenerate_inputs),
        cmocka_unit_test(test_threshold_calibration),
        cmocka_unit_test(test_threads_agree),
        cmocka_unit_test(test_bench_metrics),
        cmocka_unit_test(test_det_curve),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
