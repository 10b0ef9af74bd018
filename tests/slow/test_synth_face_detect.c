/* The face rule of issue 4, measured: OpenCV's frontal face Haar cascade
 * (haarcascade_frontalface_default.xml, scaleFactor 1.1, minNeighbors 3, minSize 30, on the
 * histogram-equalised grey image) must find exactly one face in at least 95 % of 500
 * synthetic portraits. The portraits are those `ktpel synth` writes: persons 0..499 of a
 * population, with the sex, age and background of their own records, capture 0, JPEG quality
 * 90 read back. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "ktpel/imgproc.h"
#include "ktpel/synth_face.h"
#include "ktpel/synth_resident.h"
#include "testutil.h"

#define FACES 500

static void portrait(const ktpel_synth_population *p, uint64_t person, ktpel_application *app,
                     ktpel_image *img)
{
    ktpel_synth_person who;
    assert_int_equal(ktpel_synth_person_make(p, person, &who, NULL), KTPEL_OK);
    assert_int_equal(ktpel_synth_resident_make(p, person, &who, app, NULL, NULL), KTPEL_OK);
    const ktpel_resident *r = &app->resident;
    ktpel_synth_face_look look = {
        r->jenis_kelamin, ktpel_age_on(r->tanggal_lahir, app->application_date),
        ktpel_synth_face_background_for(r->tanggal_lahir.year,
                                        r->kewarganegaraan == KTPEL_CITIZEN_WNA),
        r->agama == KTPEL_RELIGION_ISLAM};
    ktpel_image raw;
    assert_int_equal(ktpel_synth_face_render(p->seed, person, &look, 0, &raw, NULL), KTPEL_OK);
    uint8_t *buf = NULL;
    size_t len = 0;
    assert_int_equal(ktpel_image_encode(&raw, KTPEL_IMAGE_FORMAT_JPEG, 90, &buf, &len, NULL),
                     KTPEL_OK);
    assert_int_equal(ktpel_image_decode(buf, len, KTPEL_IMAGE_RGB, 0, img, NULL), KTPEL_OK);
    free(buf);
    ktpel_image_free(&raw);
}

static void test_500_faces(void **state)
{
    (void)state;
    if (access(KTPEL_FACE_CASCADE_DEFAULT, R_OK) != 0) {
        print_message("skipped: %s is absent (Debian package opencv-data)\n",
                      KTPEL_FACE_CASCADE_DEFAULT);
        exit(KTPEL_TEST_SKIP);
    }
    ktpel_face_detector *det = NULL;
    assert_int_equal(ktpel_face_detector_create(KTPEL_FACE_CASCADE_DEFAULT, &det, NULL), KTPEL_OK);
    ktpel_synth_population p;
    ktpel_synth_population_init(&p, 1, FACES);
    ktpel_application *app = malloc(sizeof *app);
    assert_non_null(app);
    int histogram[4] = {0};
    for (uint64_t i = 0; i < FACES; i++) {
        ktpel_image img;
        portrait(&p, i, app, &img);
        size_t count = 0;
        assert_int_equal(ktpel_face_detector_run(det, &img, NULL, NULL, 0, &count, NULL), KTPEL_OK);
        histogram[count > 3 ? 3 : count]++;
        ktpel_image_free(&img);
    }
    print_message("faces found in %d portraits (seed 1): none %d, one %d, two %d, more %d; "
                  "exactly one: %.1f %%\n",
                  FACES, histogram[0], histogram[1], histogram[2], histogram[3],
                  100.0 * histogram[1] / FACES);
    assert_true(histogram[1] * 100 >= 95 * FACES);
    free(app);
    ktpel_face_detector_free(det);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_500_faces),
    };
    return cmocka_run_group_tests_name("synth_face_detect", tests, NULL, NULL);
}
