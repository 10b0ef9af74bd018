/* Synthetic portraits: determinism, size and resolution, background by birth year, variation
 * between captures, and the Haar face detector finding exactly one face on a small sample
 * (the 500-face measurement is tests/slow/test_synth_face_detect.c). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ktpel/imgproc.h"
#include "ktpel/synth_face.h"
#include "testutil.h"

#define SAMPLE 40

static void render(uint64_t person, ktpel_sex sex, int age, ktpel_synth_face_background bg,
                   uint64_t capture, ktpel_image *img)
{
    ktpel_synth_face_look look = {sex, age, bg, sex == KTPEL_SEX_FEMALE && person % 3 == 0};
    ktpel_errbuf eb;
    if (ktpel_synth_face_render(2026, person, &look, capture, img, &eb) != KTPEL_OK)
        fail_msg("%s", eb.message);
}

static double mean_abs_diff(const ktpel_image *a, const ktpel_image *b)
{
    size_t n = (size_t)a->width * a->height * 3;
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += abs((int)a->data[i] - (int)b->data[i]);
    return sum / (double)n;
}

static void test_deterministic_and_varied(void **state)
{
    (void)state;
    ktpel_image a, b, c, d;
    render(5, KTPEL_SEX_FEMALE, 30, KTPEL_SYNTH_FACE_BLUE, 0, &a);
    render(5, KTPEL_SEX_FEMALE, 30, KTPEL_SYNTH_FACE_BLUE, 0, &b);
    assert_int_equal(a.width, KTPEL_SYNTH_FACE_WIDTH);
    assert_int_equal(a.height, KTPEL_SYNTH_FACE_HEIGHT);
    assert_int_equal(a.channels, 3);
    assert_int_equal(a.dpi, KTPEL_SYNTH_FACE_DPI);
    assert_memory_equal(a.data, b.data, (size_t)a.width * a.height * 3);
    ktpel_image_free(&b);
    /* Another capture of the same person differs a little; another person differs more. */
    render(5, KTPEL_SEX_FEMALE, 30, KTPEL_SYNTH_FACE_BLUE, 1, &c);
    render(6, KTPEL_SEX_FEMALE, 30, KTPEL_SYNTH_FACE_BLUE, 0, &d);
    double same = mean_abs_diff(&a, &c), other = mean_abs_diff(&a, &d);
    assert_true(same > 0.5);
    assert_true(other > same);
    ktpel_image_free(&a);
    ktpel_image_free(&c);
    ktpel_image_free(&d);
}

/* Mean difference over the eyes, nose and mouth (away from hair and background). */
static double centre_diff(const ktpel_image *a, const ktpel_image *b)
{
    double sum = 0;
    int n = 0;
    for (int y = 190; y < 330; y++)
        for (int x = 120; x < 234; x++)
            for (int k = 0; k < 3; k++, n++) {
                size_t i = ((size_t)y * a->width + x) * 3 + k;
                sum += abs((int)a->data[i] - (int)b->data[i]);
            }
    return sum / n;
}

/* Another record of the same person (a duplicate claiming another age) keeps the face: the
 * middle of the photo is the same; only hair may change with age. */
static void test_face_kept_across_records(void **state)
{
    (void)state;
    for (uint64_t person = 0; person < 10; person++) {
        ktpel_image young, older;
        render(person, KTPEL_SEX_MALE, 39, KTPEL_SYNTH_FACE_RED, 0, &young);
        render(person, KTPEL_SEX_MALE, 42, KTPEL_SYNTH_FACE_RED, 0, &older);
        assert_true(centre_diff(&young, &older) < 0.5);
        ktpel_image_free(&young);
        ktpel_image_free(&older);
    }
}

static void test_background(void **state)
{
    (void)state;
    assert_int_equal(ktpel_synth_face_background_for(1990, 0), KTPEL_SYNTH_FACE_BLUE);
    assert_int_equal(ktpel_synth_face_background_for(1991, 0), KTPEL_SYNTH_FACE_RED);
    assert_int_equal(ktpel_synth_face_background_for(1991, 1), KTPEL_SYNTH_FACE_ORANGE);
    ktpel_image red, blue;
    render(1, KTPEL_SEX_MALE, 40, KTPEL_SYNTH_FACE_RED, 0, &red);
    render(1, KTPEL_SEX_MALE, 40, KTPEL_SYNTH_FACE_BLUE, 0, &blue);
    /* The top left corner is background. */
    assert_true(red.data[0] > 120 && red.data[2] < 80);
    assert_true(blue.data[2] > 150 && blue.data[0] < 60);
    ktpel_image_free(&red);
    ktpel_image_free(&blue);
    ktpel_synth_face_look bad = {KTPEL_SEX_MALE, 40, (ktpel_synth_face_background)7, 0};
    ktpel_errbuf eb;
    assert_int_equal(ktpel_synth_face_render(1, 1, &bad, 0, &red, &eb), KTPEL_EINVAL);
}

/* As the population writes them (JPEG quality 90), read back. */
static void jpeg_round_trip(ktpel_image *img)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    assert_int_equal(ktpel_image_encode(img, KTPEL_IMAGE_FORMAT_JPEG, 90, &buf, &len, NULL),
                     KTPEL_OK);
    ktpel_image_free(img);
    assert_int_equal(ktpel_image_decode(buf, len, KTPEL_IMAGE_RGB, 0, img, NULL), KTPEL_OK);
    free(buf);
}

static void test_detected(void **state)
{
    (void)state;
    if (access(KTPEL_FACE_CASCADE_DEFAULT, R_OK) != 0)
        skip();
    ktpel_face_detector *det = NULL;
    assert_int_equal(ktpel_face_detector_create(KTPEL_FACE_CASCADE_DEFAULT, &det, NULL), KTPEL_OK);
    int one = 0;
    for (int i = 0; i < SAMPLE; i++) {
        ktpel_image img;
        render((uint64_t)i, i % 2 ? KTPEL_SEX_MALE : KTPEL_SEX_FEMALE, 17 + (i * 7) % 60,
               (ktpel_synth_face_background)(i % 2), (uint64_t)(i % 3), &img);
        jpeg_round_trip(&img);
        ktpel_rect faces[4];
        size_t count = 0;
        assert_int_equal(ktpel_face_detector_run(det, &img, NULL, faces, 4, &count, NULL),
                         KTPEL_OK);
        one += count == 1;
        /* The face found is in the upper middle of the photo. */
        if (count == 1)
            assert_true(faces[0].x > 40 && faces[0].x + faces[0].width < img.width - 40 &&
                        faces[0].y < img.height / 2);
        ktpel_image_free(&img);
    }
    print_message("exactly one face in %d of %d synthetic portraits\n", one, SAMPLE);
    assert_true(one * 100 >= 95 * SAMPLE);
    ktpel_face_detector_free(det);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_deterministic_and_varied),
        cmocka_unit_test(test_face_kept_across_records),
        cmocka_unit_test(test_background),
        cmocka_unit_test(test_detected),
    };
    return cmocka_run_group_tests_name("synth_face", tests, NULL, NULL);
}
