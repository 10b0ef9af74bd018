/* The station's cameras (include/ktpel/camera.h) on image sequences: frames come back in
 * order and pixel-exact, RGB for the face camera and grey for the iris camera; the end of a
 * sequence and bad sources give clear errors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ktpel/camera.h"
#include "ktpel/synth_face.h"
#include "testutil.h"

#define FRAMES 4

static void write_frames(const char *dir, ktpel_image *frames, int grey)
{
    for (unsigned i = 0; i < FRAMES; i++) {
        ktpel_synth_face_look look = {i % 2 ? KTPEL_SEX_MALE : KTPEL_SEX_FEMALE, 20 + (int)i,
                                      KTPEL_SYNTH_FACE_RED, 0};
        ktpel_image rgb = {0};
        assert_int_equal(ktpel_synth_face_render(99, i, &look, i, &rgb, NULL), KTPEL_OK);
        if (grey) {
            assert_int_equal(ktpel_image_convert(&rgb, KTPEL_IMAGE_GREY, &frames[i], NULL),
                             KTPEL_OK);
            ktpel_image_free(&rgb);
        } else
            frames[i] = rgb;
        char path[512];
        assert_int_equal(ktpel_camera_frame_path(dir, i, path, sizeof path, NULL), KTPEL_OK);
        assert_int_equal(ktpel_image_write(path, &frames[i], 0, NULL), KTPEL_OK);
    }
}

static void grab_all(const char *source, ktpel_camera_role role, ktpel_image *frames)
{
    ktpel_camera *cam = NULL;
    ktpel_errbuf eb;
    if (ktpel_camera_open(source, role, NULL, &cam, &eb) != KTPEL_OK)
        fail_msg("%s", eb.message);
    for (int i = 0; i < FRAMES; i++) {
        ktpel_image got = {0};
        assert_int_equal(ktpel_camera_grab(cam, &got, &eb), KTPEL_OK);
        assert_int_equal(got.width, frames[i].width);
        assert_int_equal(got.height, frames[i].height);
        assert_int_equal(got.channels, frames[i].channels);
        assert_memory_equal(got.data, frames[i].data,
                            (size_t)got.width * got.height * got.channels);
        ktpel_image_free(&got);
    }
    assert_int_equal(ktpel_camera_frames(cam), FRAMES);
    ktpel_image none = {0};
    assert_int_equal(ktpel_camera_grab(cam, &none, &eb), KTPEL_EEMPTY);
    assert_null(none.data);
    ktpel_camera_close(cam);
}

static void test_face_sequence(void **state)
{
    (void)state;
    char *dir = ktpel_test_tmpdir();
    ktpel_image frames[FRAMES];
    write_frames(dir, frames, 0);
    /* A folder and the equivalent printf pattern read the same frames. */
    grab_all(dir, KTPEL_CAMERA_FACE, frames);
    char pattern[512];
    snprintf(pattern, sizeof pattern, "%s/frame_%%04d.png", dir);
    grab_all(pattern, KTPEL_CAMERA_FACE, frames);
    for (int i = 0; i < FRAMES; i++)
        ktpel_image_free(&frames[i]);
    ktpel_test_rmtree(dir);
    free(dir);
}

static void test_iris_sequence_grey(void **state)
{
    (void)state;
    char *dir = ktpel_test_tmpdir();
    ktpel_image frames[FRAMES];
    write_frames(dir, frames, 1);
    grab_all(dir, KTPEL_CAMERA_IRIS, frames);
    /* Resolution given to the frames by the options. */
    ktpel_camera *cam = NULL;
    ktpel_camera_options opts = {0, 0, 600};
    assert_int_equal(ktpel_camera_open(dir, KTPEL_CAMERA_IRIS, &opts, &cam, NULL), KTPEL_OK);
    ktpel_image got = {0};
    assert_int_equal(ktpel_camera_grab(cam, &got, NULL), KTPEL_OK);
    assert_int_equal(got.dpi, 600);
    assert_int_equal(got.channels, 1);
    ktpel_image_free(&got);
    ktpel_camera_close(cam);
    for (int i = 0; i < FRAMES; i++)
        ktpel_image_free(&frames[i]);
    ktpel_test_rmtree(dir);
    free(dir);
}

static void test_bad_sources(void **state)
{
    (void)state;
    ktpel_camera *cam = NULL;
    ktpel_errbuf eb;
    assert_int_equal(ktpel_camera_open("/nonexistent/folder", KTPEL_CAMERA_FACE, NULL, &cam, &eb),
                     KTPEL_ENOTFOUND);
    assert_non_null(strstr(eb.message, "/nonexistent/folder"));
    assert_null(cam);
    /* An empty folder: no frame 0. */
    char *dir = ktpel_test_tmpdir();
    assert_int_equal(ktpel_camera_open(dir, KTPEL_CAMERA_FACE, NULL, &cam, &eb), KTPEL_EIO);
    assert_non_null(strstr(eb.message, dir));
    /* A device that is not there. */
    assert_int_equal(ktpel_camera_open("/dev/video977", KTPEL_CAMERA_FACE, NULL, &cam, &eb),
                     KTPEL_EIO);
    assert_int_equal(ktpel_camera_open("", KTPEL_CAMERA_FACE, NULL, &cam, &eb), KTPEL_EINVAL);
    assert_int_equal(ktpel_camera_open(dir, (ktpel_camera_role)7, NULL, &cam, &eb), KTPEL_EINVAL);
    char buf[8];
    assert_int_equal(ktpel_camera_frame_path(dir, 0, buf, sizeof buf, &eb), KTPEL_ETOOBIG);
    assert_int_equal(ktpel_camera_frames(NULL), 0);
    ktpel_camera_close(NULL);
    ktpel_test_rmtree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_face_sequence),
        cmocka_unit_test(test_iris_sequence_grey),
        cmocka_unit_test(test_bad_sources),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
