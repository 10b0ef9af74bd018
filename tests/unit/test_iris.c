/* The iris engine: segmentation against known circles (drawn eyes and synthetic captures with
 * ground truth), the rubber sheet's geometry, code rotation and the shift search, Hamming
 * distance and its normalisation, the serialised code and the image record with malformed
 * inputs, and bad arguments. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ktpel/checksum.h"
#include "ktpel/imgproc.h"
#include "ktpel/iris.h"
#include "ktpel/synth_iris.h"
#include "testutil.h"

#include "../../match/iris_internal.h"

#define PI 3.14159265358979323846

static ktpel_iris_features *new_features(void)
{
    ktpel_iris_features *f = malloc(sizeof *f);
    assert_non_null(f);
    return f;
}

/* ---- segmentation -------------------------------------------------------------------- */

/* A drawn eye: bright skin and sclera, a textured mid-grey iris disc, a dark pupil disc
 * whose centre is off the iris's. */
static void draw_eye(ktpel_image *img, double px, double py, double pr, double ix, double iy,
                     double ir, uint64_t seed)
{
    ktpel_errbuf eb;
    assert_int_equal(ktpel_image_alloc(img, 320, 280, 1, 0, &eb), KTPEL_OK);
    const uint8_t skin[3] = {175, 0, 0}, iris[3] = {105, 0, 0}, pupil[3] = {25, 0, 0};
    assert_int_equal(ktpel_image_fill(img, skin, &eb), KTPEL_OK);
    assert_int_equal(ktpel_draw_ellipse(img, ix, iy, ir, ir, 0, iris, -1, &eb), KTPEL_OK);
    uint64_t s = seed * 0x9e3779b97f4a7c15ull + 1;
    for (int k = 0; k < 1500; k++) { /* texture: small dark and light spots in the iris */
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        double a = (double)(s % 6283) / 1000,
               rr = pr + 4 + (double)(s >> 20) / 4294967296.0 * (ir - pr - 10) / 4096.0;
        uint8_t g[3] = {(uint8_t)(70 + (s >> 40) % 70), 0, 0};
        double x = ix + rr * cos(a), y = iy - rr * sin(a);
        if (hypot(x - px, y - py) > pr + 3 && hypot(x - ix, y - iy) < ir - 3)
            assert_int_equal(ktpel_draw_ellipse(img, x, y, 2.5, 1.5, a * 57.3, g, -1, &eb),
                             KTPEL_OK);
    }
    assert_int_equal(ktpel_draw_ellipse(img, px, py, pr, pr, 0, pupil, -1, &eb), KTPEL_OK);
    assert_int_equal(ktpel_image_gaussian_blur(img, 1.0, &eb), KTPEL_OK);
}

static void test_segment_drawn_eyes(void **state)
{
    (void)state;
    static const double cases[][6] = {
        {160, 140, 35, 157, 143, 95},
        {150, 130, 50, 154, 133, 105},
        {170, 145, 25, 166, 140, 90},
    };
    ktpel_iris_features *f = new_features();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const double *c = cases[i];
        ktpel_image img = {0};
        draw_eye(&img, c[0], c[1], c[2], c[3], c[4], c[5], i);
        ktpel_errbuf eb;
        assert_int_equal(ktpel_iris_extract(&img, f, &eb), KTPEL_OK);
        const ktpel_iris_segmentation *s = &f->seg;
        printf("drawn eye %zu: pupil (%.1f %.1f %.1f) want (%.0f %.0f %.0f), iris (%.1f %.1f %.1f) "
               "want (%.0f %.0f %.0f)\n",
               i, s->pupil.x, s->pupil.y, s->pupil.r, c[0], c[1], c[2], s->iris.x, s->iris.y,
               s->iris.r, c[3], c[4], c[5]);
        printf("  lids %d %d, usable %.2f, quality %d\n", s->upper.found, s->lower.found,
               f->quality.usable, f->quality.score);
        assert_true(hypot(s->pupil.x - c[0], s->pupil.y - c[1]) < 2.0);
        assert_true(fabs(s->pupil.r - c[2]) < 2.0);
        assert_true(hypot(s->iris.x - c[3], s->iris.y - c[4]) < 3.0);
        assert_true(fabs(s->iris.r - c[5]) < 3.0);
        assert_false(s->upper.found && s->upper.apex_y > c[4] - c[5] + 5);
        assert_true(f->quality.usable > 0.5);
        ktpel_image_free(&img);
    }
    free(f);
}

/* Synthetic captures: circles within a few pixels of the truth, and the code's best shift
 * between two captures follows the true difference of their rotations. */
static void test_segment_synthetic(void **state)
{
    (void)state;
    ktpel_iris_features *f = new_features();
    double worst_pupil = 0, worst_iris = 0;
    for (int eye_i = 0; eye_i < 3; eye_i++) {
        ktpel_synth_iris_eye *eye = NULL;
        ktpel_errbuf eb;
        assert_int_equal(ktpel_synth_iris_eye_create(11, (uint64_t)eye_i, eye_i & 1, &eye, &eb),
                         KTPEL_OK);
        ktpel_iris_code first = {0};
        double first_rotation = 0;
        for (int cap = 0; cap < 3; cap++) {
            ktpel_image img = {0};
            ktpel_synth_iris_truth t;
            assert_int_equal(ktpel_synth_iris_capture(eye, cap, &img, &t, &eb), KTPEL_OK);
            assert_int_equal(ktpel_iris_extract(&img, f, &eb), KTPEL_OK);
            const ktpel_iris_segmentation *s = &f->seg;
            double ep = fmax(hypot(s->pupil.x - t.pupil_x, s->pupil.y - t.pupil_y),
                             fabs(s->pupil.r - t.pupil_r));
            double ei =
                fmax(hypot(s->iris.x - t.iris_x, s->iris.y - t.iris_y), fabs(s->iris.r - t.iris_r));
            worst_pupil = fmax(worst_pupil, ep);
            worst_iris = fmax(worst_iris, ei);
            if (cap == 0) {
                first = f->code;
                first_rotation = t.rotation;
            } else {
                ktpel_iris_score sc = ktpel_iris_compare(&first, &f->code, 16);
                double want = (t.rotation - first_rotation) / (2 * PI / KTPEL_IRIS_COLUMNS);
                printf("eye %d capture %d: hd_norm %.3f, best shift %d, true %.1f\n", eye_i, cap,
                       sc.hd_norm, sc.best_shift, want);
                assert_true(fabs(sc.best_shift - want) <= 1.5);
                assert_true(sc.hd_norm < 0.3);
            }
            ktpel_image_free(&img);
        }
        ktpel_synth_iris_eye_free(eye);
    }
    printf("synthetic: worst pupil error %.2f px, worst limbus error %.2f px\n", worst_pupil,
           worst_iris);
    assert_true(worst_pupil < 3.0);
    assert_true(worst_iris < 5.0);
    free(f);
}

/* ---- rubber sheet geometry ------------------------------------------------------------ */

static void test_normalisation_geometry(void **state)
{
    (void)state;
    ktpel_iris_segmentation s = {0};
    s.pupil = (ktpel_iris_circle){100, 100, 20};
    s.iris = (ktpel_iris_circle){104, 97, 70};
    for (int j = 0; j < KTPEL_IRIS_POLAR_COLS; j += 16) {
        double theta = 2 * PI * j / KTPEL_IRIS_POLAR_COLS, px, py, lx, ly;
        iris_boundary_points(&s, theta, &px, &py, &lx, &ly);
        /* On their circles, on one ray from the pupil centre, counter-clockwise as seen. */
        assert_true(fabs(hypot(px - 100, py - 100) - 20) < 1e-9);
        assert_true(fabs(hypot(lx - 104, ly - 97) - 70) < 1e-9);
        assert_true(fabs(atan2(-(ly - 100), lx - 100) - atan2(-(py - 100), px - 100)) < 1e-9 ||
                    fabs(fabs(atan2(-(ly - 100), lx - 100) - atan2(-(py - 100), px - 100)) -
                         2 * PI) < 1e-9);
        /* Rows go linearly from the pupil (r = IRIS_R0) to r = IRIS_R1 of the way out. */
        double x0, y0, x1, y1;
        iris_polar_point(&s, 0, j, &x0, &y0);
        iris_polar_point(&s, KTPEL_IRIS_POLAR_ROWS - 1, j, &x1, &y1);
        double r0 = IRIS_R0 + (IRIS_R1 - IRIS_R0) * 0.5 / KTPEL_IRIS_POLAR_ROWS;
        double r1 =
            IRIS_R0 + (IRIS_R1 - IRIS_R0) * (KTPEL_IRIS_POLAR_ROWS - 0.5) / KTPEL_IRIS_POLAR_ROWS;
        assert_true(fabs(x0 - ((1 - r0) * px + r0 * lx)) < 1e-9);
        assert_true(fabs(y1 - ((1 - r1) * py + r1 * ly)) < 1e-9);
    }
    /* Column 0 looks right, column COLS / 4 up (y smaller). */
    double x, y;
    iris_polar_point(&s, 10, 0, &x, &y);
    assert_true(x > 100 && fabs(y - 100) < 1e-9);
    iris_polar_point(&s, 10, KTPEL_IRIS_POLAR_COLS / 4, &x, &y);
    assert_true(y < 100 && fabs(x - 100) < 1e-9);
    /* Eyelids: above the upper curve, below the lower one. */
    s.upper = (ktpel_iris_eyelid){100, 60, 0.01, 1};
    s.lower = (ktpel_iris_eyelid){100, 150, -0.01, 1};
    assert_true(iris_under_eyelid(&s, 100, 59));
    assert_false(iris_under_eyelid(&s, 100, 61));
    assert_true(iris_under_eyelid(&s, 130, 65)); /* the curve is at 69 there */
    assert_false(iris_under_eyelid(&s, 130, 72));
    assert_true(iris_under_eyelid(&s, 100, 151));
    s.upper.found = 0;
    assert_false(iris_under_eyelid(&s, 100, 59));
}

/* ---- codes: rotation, distance -------------------------------------------------------- */

static void random_code(uint64_t *s, ktpel_iris_code *c, int mask_density)
{
    memset(c, 0, sizeof *c);
    for (int w = 0; w < KTPEL_IRIS_CODE_WORDS; w++) {
        uint64_t m = ~0ull;
        for (int k = 0; k < mask_density; k++) {
            *s ^= *s << 13;
            *s ^= *s >> 7;
            *s ^= *s << 17;
            m &= *s | (*s >> 1);
        }
        *s ^= *s << 13;
        *s ^= *s >> 7;
        *s ^= *s << 17;
        c->mask[w] = m;
        c->bits[w] = *s & m;
    }
    c->quality = 77;
}

static int get_bit(const uint64_t *w, int bit)
{
    return (int)(w[bit / 64] >> (bit % 64) & 1);
}

static void test_rotation(void **state)
{
    (void)state;
    ktpel_iris_code a = {0}, b, c;
    /* One bit: column 3, ring 2, imaginary; turned by +5 it is in column 8, by -4 in 127. */
    int bit = 3 * KTPEL_IRIS_BITS_PER_COLUMN + 2 * 2 + 1;
    a.bits[bit / 64] |= 1ull << (bit % 64);
    a.mask[bit / 64] |= 1ull << (bit % 64);
    ktpel_iris_code_rotate(&a, 5, &b);
    assert_true(get_bit(b.bits, 8 * 16 + 5));
    assert_int_equal(ktpel_iris_code_valid_bits(&b), 1);
    ktpel_iris_code_rotate(&a, -4, &b);
    assert_true(get_bit(b.mask, 127 * 16 + 5));
    /* Full turns and inverses. */
    uint64_t s = 42;
    random_code(&s, &a, 1);
    ktpel_iris_code_rotate(&a, KTPEL_IRIS_COLUMNS, &b);
    assert_memory_equal(a.bits, b.bits, sizeof a.bits);
    for (int k = -20; k <= 20; k += 3) {
        ktpel_iris_code_rotate(&a, k, &b);
        ktpel_iris_code_rotate(&b, -k, &c);
        assert_memory_equal(a.bits, c.bits, sizeof a.bits);
        assert_memory_equal(a.mask, c.mask, sizeof a.mask);
        /* compare(a, b) finds the turn that took a to b. */
        ktpel_iris_score sc = ktpel_iris_compare(&a, &b, 24);
        assert_int_equal(sc.best_shift, k);
        assert_true(sc.hd_raw == 0);
        assert_int_equal(sc.bits_compared, ktpel_iris_code_valid_bits(&a));
        /* Beyond the shift range, the turn is not found. */
        if (abs(k) > 8)
            assert_true(ktpel_iris_compare(&a, &b, 8).hd_raw > 0.3);
    }
}

/* Reference distance by single bits. */
static void reference_counts(const ktpel_iris_code *a, const ktpel_iris_code *b, int *n, int *d)
{
    *n = *d = 0;
    for (int i = 0; i < KTPEL_IRIS_CODE_BITS; i++)
        if (get_bit(a->mask, i) && get_bit(b->mask, i)) {
            (*n)++;
            *d += get_bit(a->bits, i) != get_bit(b->bits, i);
        }
}

static void test_distance(void **state)
{
    (void)state;
    /* Exactly 100 differing bits of 1000 valid in both. */
    ktpel_iris_code a = {0}, b = {0};
    for (int i = 0; i < 1000; i++) {
        int bit = 2 * i;
        a.mask[bit / 64] |= 1ull << (bit % 64);
        b.mask[bit / 64] |= 1ull << (bit % 64);
        if (i < 100)
            a.bits[bit / 64] |= 1ull << (bit % 64);
    }
    b.mask[1] |= 2; /* valid in b only: not compared */
    ktpel_iris_score sc = ktpel_iris_compare(&a, &b, 0);
    assert_int_equal(sc.bits_compared, 1000);
    assert_true(fabs(sc.hd_raw - 0.1) < 1e-12);
    assert_true(fabs(sc.hd_norm - (0.5 - 0.4 * sqrt(1000.0 / 911))) < 1e-12);
    /* Normalisation: n == 911 leaves HD as it is, few bits pull it to 0.5, none is 0.5. */
    assert_true(fabs(ktpel_iris_hd_normalise(0.2, 911) - 0.2) < 1e-12);
    assert_true(ktpel_iris_hd_normalise(0.0, 20) > 0.42);
    assert_true(ktpel_iris_hd_normalise(0.0, 0) == 0.5);
    /* The probe routine (AVX-512, POPCNT or portable) equals the bit-by-bit reference. */
    uint64_t s = 7;
    for (int t = 0; t < 20; t++) {
        ktpel_iris_code x, y;
        random_code(&s, &x, t % 3);
        random_code(&s, &y, (t + 1) % 3);
        ktpel_iris_probe *p = NULL;
        ktpel_errbuf eb;
        assert_int_equal(ktpel_iris_probe_new(&x, 8, &p, &eb), KTPEL_OK);
        ktpel_iris_score ps = ktpel_iris_probe_compare(p, &y), cs = ktpel_iris_compare(&x, &y, 8);
        ktpel_iris_probe_free(p);
        assert_int_equal(ps.best_shift, cs.best_shift);
        assert_true(ps.hd_norm == cs.hd_norm);
        ktpel_iris_code turned;
        ktpel_iris_code_rotate(&x, ps.best_shift, &turned);
        int n, d;
        reference_counts(&turned, &y, &n, &d);
        assert_int_equal(ps.bits_compared, n);
        assert_true(fabs(ps.hd_raw - (double)d / n) < 1e-12);
        /* Symmetric up to the shift's sign. */
        ktpel_iris_score rs = ktpel_iris_compare(&y, &x, 8);
        assert_true(rs.hd_norm == cs.hd_norm);
    }
    printf("comparison routine: %s\n", ktpel_iris_compare_isa());
    /* No bits in common. */
    ktpel_iris_code empty = {0};
    sc = ktpel_iris_compare(&a, &empty, 8);
    assert_int_equal(sc.bits_compared, 0);
    assert_true(sc.hd_norm == 0.5);
}

static void test_threshold(void **state)
{
    (void)state;
    double t4 = ktpel_iris_threshold_for_fmr(1e-4), t6 = ktpel_iris_threshold_for_fmr(1e-6);
    double t2 = ktpel_iris_threshold_for_fmr(1e-2);
    printf("thresholds: FMR 1e-2 %.4f, 1e-4 %.4f, 1e-6 %.4f\n", t2, t4, t6);
    assert_true(t6 < t4 && t4 < t2 && t2 < 0.5 && t6 > 0.1);
}

/* ---- serialised codes ----------------------------------------------------------------- */

static void refresh_crc(uint8_t *buf)
{
    uint32_t crc = ktpel_crc32(0, buf, KTPEL_IRIS_CODE_SERIAL_BYTES - 4);
    for (int i = 0; i < 4; i++)
        buf[KTPEL_IRIS_CODE_SERIAL_BYTES - 4 + i] = (uint8_t)(crc >> (24 - 8 * i));
}

static void expect_parse_error(const uint8_t *buf, size_t len, ktpel_err want, const char *text)
{
    ktpel_iris_code c;
    ktpel_errbuf eb;
    ktpel_errbuf_clear(&eb);
    assert_int_equal(ktpel_iris_code_parse(buf, len, &c, &eb), want);
    if (!strstr(eb.message, text)) {
        printf("message '%s' lacks '%s'\n", eb.message, text);
        fail();
    }
}

static void test_code_serialisation(void **state)
{
    (void)state;
    uint64_t s = 99;
    ktpel_iris_code a, b;
    random_code(&s, &a, 1);
    uint8_t buf[KTPEL_IRIS_CODE_SERIAL_BYTES], tmp[KTPEL_IRIS_CODE_SERIAL_BYTES + 1];
    ktpel_iris_code_serialise(&a, buf);
    ktpel_errbuf eb;
    assert_int_equal(ktpel_iris_code_parse(buf, sizeof buf, &b, &eb), KTPEL_OK);
    assert_memory_equal(a.bits, b.bits, sizeof a.bits);
    assert_memory_equal(a.mask, b.mask, sizeof a.mask);
    assert_int_equal(b.quality, 77);
    assert_true(ktpel_iris_code_sniff(buf, sizeof buf));

    expect_parse_error(buf, sizeof buf - 1, KTPEL_ETRUNCATED, "bytes");
    memcpy(tmp, buf, sizeof buf);
    tmp[sizeof buf] = 0;
    expect_parse_error(tmp, sizeof tmp, KTPEL_EFORMAT, "bytes");
    struct {
        int offset;
        uint8_t value;
        ktpel_err err;
        const char *text;
    } cases[] = {
        {0, 'X', KTPEL_EFORMAT, "magic"},       {4, 2, KTPEL_EUNSUPPORTED, "version"},
        {5, 9, KTPEL_EUNSUPPORTED, "geometry"}, {7, 64, KTPEL_EUNSUPPORTED, "geometry"},
        {8, 101, KTPEL_EFORMAT, "quality"},     {9, 1, KTPEL_EFORMAT, "flags"},
        {11, 1, KTPEL_EFORMAT, "reserved"},     {527, 0x55, KTPEL_EFORMAT, "count"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        memcpy(tmp, buf, sizeof buf);
        tmp[cases[i].offset] = cases[i].value;
        refresh_crc(tmp);
        expect_parse_error(tmp, sizeof buf, cases[i].err, cases[i].text);
    }
    /* A code bit set where the mask is 0. */
    memcpy(tmp, buf, sizeof buf);
    int w = 0;
    while (a.mask[w] == ~0ull)
        w++;
    uint64_t outside = ~a.mask[w] & -~a.mask[w];
    for (int k = 0; k < 8; k++)
        tmp[12 + 8 * w + k] |= (uint8_t)(outside >> (56 - 8 * k));
    refresh_crc(tmp);
    expect_parse_error(tmp, sizeof buf, KTPEL_EFORMAT, "outside its mask");
    /* Any changed byte without a new CRC. */
    memcpy(tmp, buf, sizeof buf);
    tmp[200] ^= 0x10;
    expect_parse_error(tmp, sizeof buf, KTPEL_EFORMAT, "CRC");
    assert_int_equal(ktpel_iris_code_parse(NULL, 0, &b, &eb), KTPEL_EINVAL);
    /* Files. */
    char *dir = ktpel_test_tmpdir(), path[512];
    snprintf(path, sizeof path, "%s/a.irc", dir);
    assert_int_equal(ktpel_iris_code_write_file(path, &a, &eb), KTPEL_OK);
    assert_int_equal(ktpel_iris_code_read_file(path, &b, &eb), KTPEL_OK);
    assert_memory_equal(a.bits, b.bits, sizeof a.bits);
    snprintf(path, sizeof path, "%s/missing.irc", dir);
    assert_int_not_equal(ktpel_iris_code_read_file(path, &b, &eb), KTPEL_OK);
    ktpel_test_rmtree(dir);
    free(dir);
}

/* ---- image records ------------------------------------------------------------------ */

static void test_record(void **state)
{
    (void)state;
    ktpel_iris_record_image in[2] = {0};
    ktpel_errbuf eb;
    for (int i = 0; i < 2; i++) {
        assert_int_equal(ktpel_image_alloc(&in[i].image, 40 + i, 30, 1, 0, &eb), KTPEL_OK);
        for (int k = 0; k < (40 + i) * 30; k++)
            in[i].image.data[k] = (uint8_t)(k * 7 + i);
        in[i].eye = i ? KTPEL_IRIS_EYE_LEFT : KTPEL_IRIS_EYE_RIGHT;
        in[i].format = i ? KTPEL_IRIS_IMAGE_PNG : KTPEL_IRIS_IMAGE_RAW;
        in[i].quality = i ? 255 : 64;
        in[i].centre_x = 20;
        in[i].centre_y = 15;
        in[i].diameter = 24;
    }
    uint8_t *buf = NULL;
    size_t len = 0;
    assert_int_equal(ktpel_iris_record_write(in, 2, &buf, &len, &eb), KTPEL_OK);
    ktpel_iris_record_image *out = NULL;
    int n = 0;
    assert_int_equal(ktpel_iris_record_read(buf, len, &out, &n, &eb), KTPEL_OK);
    assert_int_equal(n, 2);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(out[i].eye, in[i].eye);
        assert_int_equal(out[i].format, in[i].format);
        assert_int_equal(out[i].quality, in[i].quality);
        assert_int_equal(out[i].diameter, 24);
        assert_int_equal(out[i].image.width, in[i].image.width);
        assert_memory_equal(out[i].image.data, in[i].image.data, (size_t)(40 + i) * 30);
    }
    ktpel_iris_record_free(out, n);
    /* Malformed: every truncation, a bad magic, a bad eye label, a wrong eye count. */
    for (size_t cut = 0; cut < len; cut += 1 + cut / 8) {
        ktpel_errbuf_clear(&eb);
        assert_int_not_equal(ktpel_iris_record_read(buf, cut, &out, &n, &eb), KTPEL_OK);
        assert_true(eb.message[0] != '\0');
        assert_null(out);
    }
    uint8_t *bad = malloc(len);
    assert_non_null(bad);
    memcpy(bad, buf, len);
    bad[0] = 'X';
    assert_int_equal(ktpel_iris_record_read(bad, len, &out, &n, &eb), KTPEL_EFORMAT);
    memcpy(bad, buf, len);
    bad[16 + 19 + 5 + 1] = 7; /* first representation's eye label (after its quality block) */
    assert_int_equal(ktpel_iris_record_read(bad, len, &out, &n, &eb), KTPEL_EFORMAT);
    assert_non_null(strstr(eb.message, "eye label"));
    memcpy(bad, buf, len);
    bad[15] = 1;
    assert_int_equal(ktpel_iris_record_read(bad, len, &out, &n, &eb), KTPEL_EFORMAT);
    memcpy(bad, buf, len);
    bad[16 + 19 + 5 + 9] = 16; /* bit depth */
    assert_int_equal(ktpel_iris_record_read(bad, len, &out, &n, &eb), KTPEL_EUNSUPPORTED);
    free(bad);
    free(buf);
    /* Bad arguments to the writer. */
    in[0].eye = 5;
    assert_int_equal(ktpel_iris_record_write(in, 2, &buf, &len, &eb), KTPEL_EINVAL);
    in[0].eye = KTPEL_IRIS_EYE_RIGHT;
    assert_int_equal(ktpel_iris_record_write(in, 0, &buf, &len, &eb), KTPEL_EINVAL);
    for (int i = 0; i < 2; i++)
        ktpel_image_free(&in[i].image);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    ktpel_iris_features *f = new_features();
    ktpel_errbuf eb;
    assert_int_equal(ktpel_iris_extract(NULL, f, &eb), KTPEL_EINVAL);
    ktpel_image img = {0};
    assert_int_equal(ktpel_image_alloc(&img, 40, 300, 1, 0, &eb), KTPEL_OK);
    assert_int_equal(ktpel_iris_extract(&img, f, &eb), KTPEL_EFORMAT);
    assert_non_null(strstr(eb.message, "40x300"));
    ktpel_image_free(&img);
    /* A flat image has no iris: a code with few or no valid bits, quality near 0. */
    assert_int_equal(ktpel_image_alloc(&img, 200, 200, 1, 0, &eb), KTPEL_OK);
    memset(img.data, 128, 200 * 200);
    assert_int_equal(ktpel_iris_extract(&img, f, &eb), KTPEL_OK);
    assert_true(f->quality.score < 20);
    ktpel_image_free(&img);
    ktpel_iris_probe *p = NULL;
    assert_int_equal(ktpel_iris_probe_new(NULL, 8, &p, &eb), KTPEL_EINVAL);
    free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_segment_drawn_eyes),
        cmocka_unit_test(test_segment_synthetic),
        cmocka_unit_test(test_normalisation_geometry),
        cmocka_unit_test(test_rotation),
        cmocka_unit_test(test_distance),
        cmocka_unit_test(test_threshold),
        cmocka_unit_test(test_code_serialisation),
        cmocka_unit_test(test_record),
        cmocka_unit_test(test_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
