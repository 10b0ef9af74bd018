/* Synthetic irises: determinism, uniqueness, ground-truth geometry, the near-infrared look,
 * bad arguments, and an engine-free identity check (polar strips of the same eye correlate
 * better than those of different eyes). */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ktpel/synth_iris.h"
#include "testutil.h"

#define W KTPEL_SYNTH_IRIS_WIDTH
#define H KTPEL_SYNTH_IRIS_HEIGHT

static ktpel_synth_iris_eye *make_eye(uint64_t seed, uint64_t resident, int which)
{
    ktpel_synth_iris_eye *eye = NULL;
    ktpel_errbuf eb;
    assert_int_equal(ktpel_synth_iris_eye_create(seed, resident, which, &eye, &eb), KTPEL_OK);
    assert_non_null(eye);
    return eye;
}

static void capture(const ktpel_synth_iris_eye *eye, int index, ktpel_image *img,
                    ktpel_synth_iris_truth *truth)
{
    ktpel_errbuf eb;
    assert_int_equal(ktpel_synth_iris_capture(eye, index, img, truth, &eb), KTPEL_OK);
    assert_int_equal(img->width, W);
    assert_int_equal(img->height, H);
    assert_int_equal(img->channels, 1);
}

static int count_different(const ktpel_image *a, const ktpel_image *b)
{
    int n = 0;
    for (int i = 0; i < W * H; i++)
        n += abs(a->data[i] - b->data[i]) > 8;
    return n;
}

static void test_deterministic(void **state)
{
    (void)state;
    ktpel_synth_iris_eye *a = make_eye(99, 12, KTPEL_SYNTH_IRIS_LEFT);
    ktpel_synth_iris_eye *b = make_eye(99, 12, KTPEL_SYNTH_IRIS_LEFT);
    ktpel_image ia, ib;
    ktpel_synth_iris_truth ta, tb;
    capture(a, 3, &ia, &ta);
    capture(b, 3, &ib, &tb);
    assert_memory_equal(ia.data, ib.data, W * H);
    assert_memory_equal(&ta, &tb, sizeof(ta));
    assert_int_equal(ia.dpi, ib.dpi);
    /* Captures do not depend on the order they are made in. */
    ktpel_image other;
    capture(b, 0, &other, NULL);
    ktpel_image_free(&ib);
    capture(b, 3, &ib, NULL);
    assert_memory_equal(ia.data, ib.data, W * H);
    /* Another capture of the same eye is a different image. */
    assert_true(count_different(&ia, &other) > W * H / 10);
    ktpel_image_free(&ia);
    ktpel_image_free(&ib);
    ktpel_image_free(&other);
    ktpel_synth_iris_eye_free(a);
    ktpel_synth_iris_eye_free(b);
}

typedef struct thread_job {
    const ktpel_synth_iris_eye *eye;
    int first;
    uint8_t sums[4];
} thread_job;

static void *capture_in_thread(void *arg)
{
    thread_job *job = arg;
    for (int k = 0; k < 4; k++) {
        ktpel_image img;
        if (ktpel_synth_iris_capture(job->eye, job->first + k, &img, NULL, NULL) != KTPEL_OK)
            return NULL;
        uint8_t s = 0;
        for (int i = 0; i < W * H; i++)
            s = (uint8_t)(s * 31 + img.data[i]);
        job->sums[k] = s;
        ktpel_image_free(&img);
    }
    return arg;
}

/* Two threads capturing the same eye at once get what one thread gets. */
static void test_threads(void **state)
{
    (void)state;
    ktpel_synth_iris_eye *eye = make_eye(5, 1, KTPEL_SYNTH_IRIS_RIGHT);
    thread_job jobs[2] = {{eye, 0, {0}}, {eye, 0, {0}}};
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&t[i], NULL, capture_in_thread, &jobs[i]), 0);
    for (int i = 0; i < 2; i++) {
        void *ret;
        assert_int_equal(pthread_join(t[i], &ret), 0);
        assert_non_null(ret);
    }
    thread_job alone = {eye, 0, {0}};
    assert_non_null(capture_in_thread(&alone));
    assert_memory_equal(jobs[0].sums, alone.sums, 4);
    assert_memory_equal(jobs[1].sums, alone.sums, 4);
    ktpel_synth_iris_eye_free(eye);
}

static void test_eyes_differ(void **state)
{
    (void)state;
    ktpel_synth_iris_eye *eyes[4] = {make_eye(7, 3, 0), make_eye(7, 3, 1), make_eye(7, 4, 0),
                                     make_eye(8, 3, 0)};
    ktpel_image img[4];
    for (int i = 0; i < 4; i++)
        capture(eyes[i], 0, &img[i], NULL);
    for (int i = 0; i < 4; i++)
        for (int j = i + 1; j < 4; j++)
            assert_true(count_different(&img[i], &img[j]) > W * H / 10);
    for (int i = 0; i < 4; i++) {
        ktpel_image_free(&img[i]);
        ktpel_synth_iris_eye_free(eyes[i]);
    }
}

/* The ground truth is consistent for many eyes and captures. */
static void test_geometry(void **state)
{
    (void)state;
    for (int e = 0; e < 12; e++) {
        ktpel_synth_iris_eye *eye = make_eye(2024, (uint64_t)e / 2, e % 2);
        for (int c = 0; c < 4; c++) {
            ktpel_image img;
            ktpel_synth_iris_truth t;
            capture(eye, c, &img, &t);
            double off = hypot(t.pupil_x - t.iris_x, t.pupil_y - t.iris_y);
            assert_true(off > 0.5);                       /* not concentric */
            assert_true(off + t.pupil_r < t.iris_r - 10); /* pupil well inside the iris */
            assert_true(t.pupil_r > 0.15 * t.iris_r && t.pupil_r < 0.7 * t.iris_r);
            assert_true(t.iris_r > 80 && t.iris_r < 135);
            assert_true(t.iris_x - t.iris_r >= 0 && t.iris_x + t.iris_r <= W - 1);
            assert_true(t.iris_y - t.iris_r >= 0 && t.iris_y + t.iris_r <= H - 1);
            assert_true(fabs(t.rotation) < 0.2);
            assert_true(img.dpi > 350 && img.dpi < 550);
            /* Lids: the upper covers above the pupil's top, never the pupil centre. */
            assert_true(t.upper.curvature > 0 && t.lower.curvature < 0);
            assert_false(ktpel_synth_iris_eyelid_covers(&t.upper, t.pupil_x, t.pupil_y));
            assert_false(ktpel_synth_iris_eyelid_covers(&t.lower, t.pupil_x, t.pupil_y));
            /* Each lid covers just beyond its apex, not just before it. */
            assert_true(
                ktpel_synth_iris_eyelid_covers(&t.upper, t.upper.apex_x, t.upper.apex_y - 1));
            assert_false(
                ktpel_synth_iris_eyelid_covers(&t.upper, t.upper.apex_x, t.upper.apex_y + 1));
            assert_true(
                ktpel_synth_iris_eyelid_covers(&t.lower, t.lower.apex_x, t.lower.apex_y + 1));
            assert_false(
                ktpel_synth_iris_eyelid_covers(&t.lower, t.lower.apex_x, t.lower.apex_y - 1));
            assert_true(t.upper.apex_y < t.pupil_y && t.lower.apex_y > t.pupil_y);
            assert_true(t.spot_count >= 1 && t.spot_count <= KTPEL_SYNTH_IRIS_MAX_SPOTS);
            for (int s = 0; s < t.spot_count; s++)
                assert_true(t.spots[s].x >= 0 && t.spots[s].x < W && t.spots[s].y >= 0 &&
                            t.spots[s].y < H && t.spots[s].r > 1);
            /* Enough iris is visible to be recognised. */
            int visible = 0, annulus = 0;
            for (int y = 0; y < H; y++)
                for (int x = 0; x < W; x++) {
                    double d = hypot(x - t.pupil_x, y - t.pupil_y);
                    double di = hypot(x - t.iris_x, y - t.iris_y);
                    annulus += d > t.pupil_r && di < t.iris_r;
                    visible += ktpel_synth_iris_truth_is_iris(&t, x, y);
                }
            assert_true(visible > annulus / 2);
            ktpel_image_free(&img);
        }
        ktpel_synth_iris_eye_free(eye);
    }
}

static int near_spot(const ktpel_synth_iris_truth *t, double x, double y)
{
    for (int s = 0; s < t->spot_count; s++)
        if (hypot(x - t->spots[s].x, y - t->spots[s].y) < 2.5 * t->spots[s].r + 3)
            return 1;
    return 0;
}

static int cmp_u8(const void *a, const void *b)
{
    return *(const uint8_t *)a - *(const uint8_t *)b;
}

static uint8_t median(uint8_t *v, int n)
{
    qsort(v, (size_t)n, 1, cmp_u8);
    return v[n / 2];
}

/* Near-infrared look: a dark pupil, a mid-grey iris, a brighter sclera. */
static void test_grey_levels(void **state)
{
    (void)state;
    uint8_t *buf = malloc(W * H);
    assert_non_null(buf);
    for (int e = 0; e < 8; e++) {
        ktpel_synth_iris_eye *eye = make_eye(31, (uint64_t)e, e % 2);
        ktpel_image img;
        ktpel_synth_iris_truth t;
        capture(eye, e, &img, &t);
        int np = 0, ni = 0, ns = 0;
        uint8_t *pupil = buf, *iris = buf + W * H / 4, *sclera = buf + W * H / 2;
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++) {
                double d = hypot(x - t.pupil_x, y - t.pupil_y);
                double di = hypot(x - t.iris_x, y - t.iris_y);
                uint8_t v = img.data[y * W + x];
                if (near_spot(&t, x, y))
                    continue;
                if (d < 0.8 * t.pupil_r)
                    pupil[np++] = v;
                else if (d > t.pupil_r + 4 && di < t.iris_r - 4 &&
                         ktpel_synth_iris_truth_is_iris(&t, x, y) && ni < W * H / 4)
                    iris[ni++] = v;
                else if (di > t.iris_r + 5 && di < t.iris_r + 20 && fabs(y - t.iris_y) < 20)
                    sclera[ns++] = v;
            }
        assert_true(np > 500 && ni > 2000 && ns > 100);
        print_message("grey: eye %d pupil %d iris %d sclera %d\n", e, median(pupil, np),
                      median(iris, ni), median(sclera, ns));
        int mp = median(pupil, np), mi = median(iris, ni), ms = median(sclera, ns);
        assert_true(mp < 60);
        assert_true(mi > 80 && mi < 180);
        assert_true(ms > mi + 10);
        assert_true(mi > mp + 50);
        ktpel_image_free(&img);
        ktpel_synth_iris_eye_free(eye);
    }
    free(buf);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    ktpel_errbuf eb;
    ktpel_synth_iris_eye *eye = (ktpel_synth_iris_eye *)&eb; /* must be reset to NULL */
    assert_int_equal(ktpel_synth_iris_eye_create(1, 1, 2, &eye, &eb), KTPEL_EINVAL);
    assert_null(eye);
    assert_non_null(strstr(eb.message, "eye 2"));
    assert_int_equal(ktpel_synth_iris_eye_create(1, 1, -1, &eye, NULL), KTPEL_EINVAL);
    assert_int_equal(ktpel_synth_iris_eye_create(1, 1, 0, NULL, &eb), KTPEL_EINVAL);
    eye = make_eye(1, 1, 0);
    ktpel_image img;
    assert_int_equal(ktpel_synth_iris_capture(eye, -1, &img, NULL, &eb), KTPEL_EINVAL);
    assert_non_null(strstr(eb.message, "-1"));
    assert_null(img.data);
    assert_int_equal(ktpel_synth_iris_capture(NULL, 0, &img, NULL, &eb), KTPEL_EINVAL);
    assert_int_equal(ktpel_synth_iris_capture(eye, 0, NULL, NULL, &eb), KTPEL_EINVAL);
    ktpel_synth_iris_eye_free(eye);
    ktpel_synth_iris_eye_free(NULL);
}

/* Identity without an iris engine: unwrap the iris with the true circles into a polar strip
 * (Daugman's rubber sheet between the two boundary points at each angle), remove the slow
 * shading, and correlate strips over a range of angular shifts. */
#define NT 256
#define NR 24

typedef struct strip {
    float v[NR][NT];
    uint8_t ok[NR][NT];
} strip;

static void unwrap(const ktpel_image *img, const ktpel_synth_iris_truth *t, strip *s)
{
    for (int r = 0; r < NR; r++) {
        double rho = 0.08 + 0.84 * r / (NR - 1);
        for (int a = 0; a < NT; a++) {
            double th = 6.283185307179586 * a / NT;
            double x = (1 - rho) * (t->pupil_x + t->pupil_r * cos(th)) +
                       rho * (t->iris_x + t->iris_r * cos(th));
            double y = (1 - rho) * (t->pupil_y - t->pupil_r * sin(th)) +
                       rho * (t->iris_y - t->iris_r * sin(th));
            int xi = (int)lround(x), yi = (int)lround(y);
            s->ok[r][a] = xi >= 0 && xi < W && yi >= 0 && yi < H &&
                          ktpel_synth_iris_truth_is_iris(t, x, y) && !near_spot(t, x, y);
            s->v[r][a] = s->ok[r][a] ? img->data[yi * W + xi] : 0;
        }
    }
    /* Band-pass along the angle: subtract a moving mean of the valid samples. */
    for (int r = 0; r < NR; r++) {
        float row[NT];
        for (int a = 0; a < NT; a++) {
            double sum = 0;
            int n = 0;
            for (int k = -8; k <= 8; k++) {
                int b = (a + k + NT) % NT;
                sum += s->ok[r][b] ? s->v[r][b] : 0;
                n += s->ok[r][b];
            }
            row[a] = n ? (float)(s->v[r][a] - sum / n) : 0;
        }
        memcpy(s->v[r], row, sizeof(row));
    }
}

/* Best normalised correlation over shifts of +-16 samples (+-22 degrees), and its shift. */
static double best_correlation(const strip *a, const strip *b, int *best_shift)
{
    double best = -1;
    *best_shift = 0;
    for (int shift = -16; shift <= 16; shift++) {
        double sab = 0, saa = 0, sbb = 0;
        int n = 0;
        for (int r = 0; r < NR; r++)
            for (int k = 0; k < NT; k++) {
                int kb = (k + shift + NT) % NT;
                if (!a->ok[r][k] || !b->ok[r][kb])
                    continue;
                sab += a->v[r][k] * b->v[r][kb];
                saa += a->v[r][k] * a->v[r][k];
                sbb += b->v[r][kb] * b->v[r][kb];
                n++;
            }
        if (n > NR * NT / 4 && saa > 0 && sbb > 0) {
            double c = sab / sqrt(saa * sbb);
            if (c > best) {
                best = c;
                *best_shift = shift;
            }
        }
    }
    return best;
}

static void test_identity(void **state)
{
    (void)state;
    enum { EYES = 6, CAPS = 3 };
    strip *s = malloc(sizeof(strip) * EYES * CAPS);
    double rotation[EYES * CAPS];
    assert_non_null(s);
    for (int e = 0; e < EYES; e++) {
        ktpel_synth_iris_eye *eye = make_eye(77, (uint64_t)e / 2, e % 2);
        for (int c = 0; c < CAPS; c++) {
            ktpel_image img;
            ktpel_synth_iris_truth t;
            capture(eye, c, &img, &t);
            unwrap(&img, &t, &s[e * CAPS + c]);
            rotation[e * CAPS + c] = t.rotation;
            ktpel_image_free(&img);
        }
        ktpel_synth_iris_eye_free(eye);
    }
    double gmin = 1, gsum = 0, imax = -1, isum = 0;
    int gn = 0, in = 0;
    for (int i = 0; i < EYES * CAPS; i++)
        for (int j = i + 1; j < EYES * CAPS; j++) {
            int shift;
            double c = best_correlation(&s[i], &s[j], &shift);
            if (i / CAPS == j / CAPS) {
                /* The truth's rotation says where the same tissue went. */
                double expect = (rotation[j] - rotation[i]) * NT / 6.283185307179586;
                assert_true(fabs(shift - expect) <= 1.5);
                gmin = fmin(gmin, c);
                gsum += c;
                gn++;
            } else if (i % CAPS == 0 && j % CAPS == 0) {
                imax = fmax(imax, c);
                isum += c;
                in++;
            }
        }
    printf("identity: genuine min %.3f mean %.3f (%d pairs), impostor max %.3f mean %.3f (%d "
           "pairs)\n",
           gmin, gsum / gn, gn, imax, isum / in, in);
    assert_true(gmin > imax);
    assert_true(gsum / gn > isum / in + 0.3);
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_deterministic), cmocka_unit_test(test_threads),
        cmocka_unit_test(test_eyes_differ),   cmocka_unit_test(test_geometry),
        cmocka_unit_test(test_grey_levels),   cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_identity),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
