/* Fingerprint minutiae extraction on synthetic images: a ridge pattern with one minutia
 * at a known place and direction (at several rotations and at 569 dpi), a blank and a
 * noise image, the dump, and bad arguments. Real images: test_fp_extract_fvc.c. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ktpel/fp_extract.h"
#include "ktpel/image.h"
#include "testutil.h"

#define PI 3.14159265358979

/* Ridges of period `period` pixels with one minutia at (x0, y0): the phase of the ridge
 * pattern winds once around that point (a "spiral phase" minutia), so that one more ridge
 * runs on the side that `alpha` points to (image coordinates, radians, y down) than on the
 * other. There the ridge ends (or the valley does, and the ridges fork): either way the ISO
 * direction points along the extra ridge, towards alpha. Ridges are dark, as in prints. A
 * circular print of radius `radius` on a light background. */
static void make_minutia_image(ktpel_image *img, int size, int dpi, double period, double x0,
                               double y0, double alpha, double radius)
{
    assert_int_equal(ktpel_image_alloc(img, size, size, 1, dpi, NULL), KTPEL_OK);
    double ca = cos(alpha), sa = sin(alpha), cx = size / 2.0, cy = size / 2.0;
    for (int y = 0; y < size; y++)
        for (int x = 0; x < size; x++) {
            double dx = x - x0, dy = y - y0;
            double u = dx * ca + dy * sa, v = -dx * sa + dy * ca;
            double phase = 2 * PI * v / period + atan2(v, u);
            double r = hypot(x - cx, y - cy);
            double fade = r < radius ? 1 : r < radius + 6 ? 1 - (r - radius) / 6 : 0;
            img->data[(size_t)y * (size_t)size + (size_t)x] =
                (uint8_t)lround(200 + fade * (-70 + 70 * cos(phase)));
        }
}

/* Angle difference in degrees between an ISO angle and radians (counter-clockwise). */
static double angle_error_deg(uint8_t iso, double radians)
{
    double a = iso * 360.0 / 256.0 - radians * 180.0 / PI;
    a = fmod(a, 360.0);
    if (a < 0)
        a += 360;
    return a > 180 ? 360 - a : a;
}

/* Extracts, and checks that exactly one minutia lies near (x0, y0) with the direction
 * alpha (image coordinates, so the ISO angle is -alpha), and few others. */
static void check_single_minutia(const ktpel_image *img, double x0, double y0, double alpha,
                                 double tolerance_px)
{
    ktpel_fp_features *f = malloc(sizeof *f);
    assert_non_null(f);
    ktpel_errbuf eb;
    assert_int_equal(ktpel_fp_extract(img, NULL, f, &eb), KTPEL_OK);
    int near = 0, found = -1;
    for (int i = 0; i < f->count; i++) {
        double d = hypot(f->minutiae[i].x - x0, f->minutiae[i].y - y0);
        if (d <= tolerance_px) {
            near++;
            found = i;
        }
    }
    if (near != 1 || f->count > 3) {
        for (int i = 0; i < f->count; i++)
            printf("  minutia %d: (%d, %d) angle %d type %d\n", i, f->minutiae[i].x,
                   f->minutiae[i].y, f->minutiae[i].angle, f->minutiae[i].type);
    }
    assert_int_equal(near, 1);
    assert_true(f->count <= 3); /* the pattern has one minutia; allow little else */
    assert_true(angle_error_deg(f->minutiae[found].angle, -alpha) < 25);
    assert_true(f->minutiae[found].type == KTPEL_MINUTIA_ENDING ||
                f->minutiae[found].type == KTPEL_MINUTIA_BIFURCATION);
    assert_true(f->minutiae[found].quality >= 1 && f->minutiae[found].quality <= 100);
    assert_int_equal(f->width, img->width);
    assert_int_equal(f->height, img->height);
    assert_int_equal(f->dpi, img->dpi);
    assert_true(f->quality > 20);
    free(f);
}

static void test_minutia_found_at_each_rotation(void **state)
{
    (void)state;
    const double alphas[] = {0, PI / 3, PI / 2, 1.25 * PI, 1.8 * PI};
    for (size_t k = 0; k < sizeof alphas / sizeof alphas[0]; k++) {
        ktpel_image img;
        make_minutia_image(&img, 240, 500, 9.5, 118, 122, alphas[k], 105);
        check_single_minutia(&img, 118, 122, alphas[k], 7);
        ktpel_image_free(&img);
    }
}

/* The same print scanned at 569 dpi: bigger in pixels, same minutia, coordinates in the
 * pixels of the 569 dpi image. */
static void test_minutia_found_at_569_dpi(void **state)
{
    (void)state;
    double s = 569.0 / 500.0;
    ktpel_image img;
    make_minutia_image(&img, (int)(240 * s), 569, 9.5 * s, 118 * s, 122 * s, PI / 4, 105 * s);
    check_single_minutia(&img, 118 * s, 122 * s, PI / 4, 7 * s);
    ktpel_image_free(&img);
}

/* A plain ridge pattern without any minutia gives (almost) none. */
static void test_parallel_ridges_give_no_minutiae(void **state)
{
    (void)state;
    ktpel_image img;
    assert_int_equal(ktpel_image_alloc(&img, 200, 200, 1, 500, NULL), KTPEL_OK);
    for (int y = 0; y < 200; y++)
        for (int x = 0; x < 200; x++) {
            double r = hypot(x - 100, y - 100);
            double fade = r < 85 ? 1 : r < 91 ? 1 - (r - 85) / 6 : 0;
            img.data[y * 200 + x] =
                (uint8_t)lround(200 + fade * (-70 + 70 * cos(2 * PI * (0.8 * x + 0.6 * y) / 10.0)));
        }
    ktpel_fp_features *f = malloc(sizeof *f);
    assert_non_null(f);
    assert_int_equal(ktpel_fp_extract(&img, NULL, f, NULL), KTPEL_OK);
    assert_true(f->count <= 1);
    assert_true(f->quality > 20);
    free(f);
    ktpel_image_free(&img);
}

static void test_blank_image_gives_nothing(void **state)
{
    (void)state;
    const uint8_t levels[] = {0, 128, 255};
    for (size_t k = 0; k < sizeof levels; k++) {
        ktpel_image img;
        assert_int_equal(ktpel_image_alloc(&img, 300, 300, 1, 0, NULL), KTPEL_OK);
        memset(img.data, levels[k], 300 * 300);
        ktpel_fp_features *f = malloc(sizeof *f);
        assert_non_null(f);
        assert_int_equal(ktpel_fp_extract(&img, NULL, f, NULL), KTPEL_OK);
        assert_int_equal(f->count, 0);
        assert_true(f->quality < 10);
        assert_int_equal(f->dpi, KTPEL_FP_DEFAULT_DPI); /* image had none */
        free(f);
        ktpel_image_free(&img);
    }
}

/* White noise is no fingerprint: it must not crash, and it must score low. */
static void test_noise_image_scores_low(void **state)
{
    (void)state;
    ktpel_image img;
    assert_int_equal(ktpel_image_alloc(&img, 256, 256, 1, 500, NULL), KTPEL_OK);
    uint32_t s = 12345;
    for (int i = 0; i < 256 * 256; i++) {
        s = s * 1664525u + 1013904223u;
        img.data[i] = (uint8_t)(s >> 24);
    }
    ktpel_fp_features *f = malloc(sizeof *f);
    assert_non_null(f);
    assert_int_equal(ktpel_fp_extract(&img, NULL, f, NULL), KTPEL_OK);
    assert_true(f->quality < 30);
    assert_true(f->count >= 0 && f->count <= KTPEL_MAX_MINUTIAE);
    free(f);
    ktpel_image_free(&img);
}

static void test_default_dpi_option(void **state)
{
    (void)state;
    ktpel_image img;
    make_minutia_image(&img, 200, 0, 9.5, 100, 100, 0, 85);
    ktpel_fp_extract_options opt = {.dump_dir = NULL, .default_dpi = 600};
    ktpel_fp_features *f = malloc(sizeof *f);
    assert_non_null(f);
    assert_int_equal(ktpel_fp_extract(&img, &opt, f, NULL), KTPEL_OK);
    assert_int_equal(f->dpi, 600);
    free(f);
    ktpel_image_free(&img);
}

static void test_dump_writes_every_step(void **state)
{
    (void)state;
    char *dir = ktpel_test_tmpdir();
    assert_non_null(dir);
    ktpel_image img;
    make_minutia_image(&img, 200, 500, 9.5, 100, 100, 0, 85);
    ktpel_fp_extract_options opt = {.dump_dir = dir};
    ktpel_fp_features *f = malloc(sizeof *f);
    assert_non_null(f);
    ktpel_errbuf eb;
    assert_int_equal(ktpel_fp_extract(&img, &opt, f, &eb), KTPEL_OK);
    const char *names[] = {"1_input",    "2_mask",    "3_normalised", "4_orientation",
                           "5_period",   "5_clarity", "6_enhanced",   "7_binary",
                           "8_skeleton", "9_minutiae"};
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        char path[4200];
        snprintf(path, sizeof path, "%s/%s.png", dir, names[k]);
        ktpel_image back;
        assert_int_equal(ktpel_image_read(path, KTPEL_IMAGE_GREY, 0, &back, &eb), KTPEL_OK);
        assert_int_equal(back.width, 200);
        ktpel_image_free(&back);
    }
    /* a dump folder that does not exist is an error, not a crash */
    char missing[4200];
    snprintf(missing, sizeof missing, "%s/no/such/dir", dir);
    opt.dump_dir = missing;
    assert_int_not_equal(ktpel_fp_extract(&img, &opt, f, &eb), KTPEL_OK);
    free(f);
    ktpel_image_free(&img);
    ktpel_test_rmtree(dir);
    free(dir);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    ktpel_fp_features *f = malloc(sizeof *f);
    assert_non_null(f);
    ktpel_errbuf eb;
    ktpel_image img;
    assert_int_equal(ktpel_image_alloc(&img, 100, 100, 1, 500, NULL), KTPEL_OK);

    assert_int_equal(ktpel_fp_extract(NULL, NULL, f, &eb), KTPEL_EINVAL);
    assert_non_null(strstr(eb.message, "image"));
    assert_int_equal(ktpel_fp_extract(&img, NULL, NULL, &eb), KTPEL_EINVAL);
    assert_int_equal(ktpel_fp_extract(&img, NULL, NULL, NULL), KTPEL_EINVAL);

    ktpel_image zero = {0};
    assert_int_equal(ktpel_fp_extract(&zero, NULL, f, &eb), KTPEL_EINVAL);
    assert_non_null(strstr(eb.message, "0x0"));

    ktpel_image tiny = img;
    tiny.width = 10;
    assert_int_equal(ktpel_fp_extract(&tiny, NULL, f, &eb), KTPEL_EINVAL);

    ktpel_image huge = img;
    huge.width = KTPEL_IMAGE_MAX_SIDE + 1;
    assert_int_equal(ktpel_fp_extract(&huge, NULL, f, &eb), KTPEL_EINVAL);

    ktpel_image colour;
    assert_int_equal(ktpel_image_alloc(&colour, 100, 100, 3, 500, NULL), KTPEL_OK);
    assert_int_equal(ktpel_fp_extract(&colour, NULL, f, &eb), KTPEL_EINVAL);
    assert_non_null(strstr(eb.message, "3 channels"));
    ktpel_image_free(&colour);

    ktpel_image odd_dpi = img;
    odd_dpi.dpi = 50;
    assert_int_equal(ktpel_fp_extract(&odd_dpi, NULL, f, &eb), KTPEL_EINVAL);
    assert_non_null(strstr(eb.message, "50 dpi"));

    ktpel_image no_data = img;
    no_data.data = NULL;
    assert_int_equal(ktpel_fp_extract(&no_data, NULL, f, &eb), KTPEL_EINVAL);

    ktpel_image_free(&img);
    free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_minutia_found_at_each_rotation),
        cmocka_unit_test(test_minutia_found_at_569_dpi),
        cmocka_unit_test(test_parallel_ridges_give_no_minutiae),
        cmocka_unit_test(test_blank_image_gives_nothing),
        cmocka_unit_test(test_noise_image_scores_low),
        cmocka_unit_test(test_default_dpi_option),
        cmocka_unit_test(test_dump_writes_every_step),
        cmocka_unit_test(test_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
