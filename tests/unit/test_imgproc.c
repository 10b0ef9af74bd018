/* Drawing, blur, resize and face detection on ktpel_image (include/ktpel/imgproc.h). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ktpel/imgproc.h"
#include "testutil.h"

static const uint8_t WHITE[3] = {255, 255, 255};
static const uint8_t RED[3] = {200, 10, 20};

static uint8_t px(const ktpel_image *img, int x, int y, int c)
{
    return img->data[((size_t)y * img->width + x) * img->channels + c];
}

static void test_fill_and_ellipse(void **state)
{
    (void)state;
    ktpel_image img;
    assert_int_equal(ktpel_image_alloc(&img, 100, 80, 3, 300, NULL), KTPEL_OK);
    assert_int_equal(ktpel_image_fill(&img, WHITE, NULL), KTPEL_OK);
    assert_int_equal(ktpel_draw_ellipse(&img, 50, 40, 20, 10, 0, RED, -1, NULL), KTPEL_OK);
    /* Inside: the colour, in channel order; outside: untouched; the rim: antialiased. */
    assert_int_equal(px(&img, 50, 40, 0), 200);
    assert_int_equal(px(&img, 50, 40, 2), 20);
    assert_int_equal(px(&img, 5, 5, 1), 255);
    assert_int_equal(px(&img, 50, 60, 0), 255);
    int blended = 0;
    for (int x = 25; x < 35; x++) {
        uint8_t g = px(&img, x, 40, 1);
        blended += g > 10 && g < 255;
    }
    assert_true(blended >= 1);
    /* Sub-pixel centres move the shape. */
    ktpel_image other;
    assert_int_equal(ktpel_image_alloc(&other, 100, 80, 3, 300, NULL), KTPEL_OK);
    assert_int_equal(ktpel_image_fill(&other, WHITE, NULL), KTPEL_OK);
    assert_int_equal(ktpel_draw_ellipse(&other, 50.5, 40, 20, 10, 0, RED, -1, NULL), KTPEL_OK);
    assert_memory_not_equal(img.data, other.data, 100 * 80 * 3);
    ktpel_image_free(&img);
    ktpel_image_free(&other);
}

static void test_polygon_polyline_grey(void **state)
{
    (void)state;
    ktpel_image img;
    assert_int_equal(ktpel_image_alloc(&img, 64, 64, 1, 0, NULL), KTPEL_OK);
    ktpel_point square[4] = {{10, 10}, {50, 10}, {50, 50}, {10, 50}};
    assert_int_equal(ktpel_draw_polygon(&img, square, 4, WHITE, NULL), KTPEL_OK);
    assert_int_equal(px(&img, 30, 30, 0), 255);
    assert_int_equal(px(&img, 5, 30, 0), 0);
    ktpel_point line[2] = {{0, 60}, {63, 60}};
    assert_int_equal(ktpel_draw_polyline(&img, line, 2, 0, WHITE, 3, NULL), KTPEL_OK);
    assert_int_equal(px(&img, 32, 60, 0), 255);
    assert_int_equal(
        ktpel_draw_line(&img, (ktpel_point){60, 0}, (ktpel_point){60, 5}, WHITE, 1, NULL),
        KTPEL_OK);
    assert_true(px(&img, 60, 3, 0) > 100);
    /* Refusals name the problem. */
    ktpel_errbuf eb;
    assert_int_equal(ktpel_draw_polygon(&img, square, 2, WHITE, &eb), KTPEL_EINVAL);
    assert_non_null(strstr(eb.message, "points"));
    assert_int_equal(ktpel_draw_polyline(&img, line, 2, 0, WHITE, 0, &eb), KTPEL_EINVAL);
    assert_non_null(strstr(eb.message, "thickness"));
    assert_int_equal(ktpel_draw_ellipse(&img, 1, 1, -1, 2, 0, WHITE, -1, &eb), KTPEL_EINVAL);
    assert_int_equal(ktpel_draw_ellipse(NULL, 1, 1, 1, 2, 0, WHITE, -1, &eb), KTPEL_EINVAL);
    assert_int_equal(ktpel_draw_ellipse(&img, 1, 1, 1, 2, 0, NULL, -1, &eb), KTPEL_EINVAL);
    /* Far outside the image: clipped, not an error. */
    assert_int_equal(ktpel_draw_ellipse(&img, -500, 9000, 3, 3, 0, WHITE, -1, NULL), KTPEL_OK);
    ktpel_image_free(&img);
}

static void test_blur_and_resize(void **state)
{
    (void)state;
    ktpel_image img, small;
    assert_int_equal(ktpel_image_alloc(&img, 40, 40, 1, 500, NULL), KTPEL_OK);
    img.data[20 * 40 + 20] = 255;
    assert_int_equal(ktpel_image_gaussian_blur(&img, 2.0, NULL), KTPEL_OK);
    assert_true(img.data[20 * 40 + 20] < 255 && img.data[20 * 40 + 20] > 0);
    assert_true(img.data[20 * 40 + 22] > 0);
    assert_int_equal(img.data[0], 0);
    ktpel_errbuf eb;
    assert_int_equal(ktpel_image_gaussian_blur(&img, 0, &eb), KTPEL_EINVAL);
    assert_int_equal(ktpel_image_resize(&img, 20, 10, &small, NULL), KTPEL_OK);
    assert_int_equal(small.width, 20);
    assert_int_equal(small.height, 10);
    assert_int_equal(small.channels, 1);
    assert_int_equal(small.dpi, 250); /* the resolution follows the width */
    ktpel_image_free(&small);
    assert_int_equal(ktpel_image_resize(&img, 0, 10, &small, &eb), KTPEL_ETOOBIG);
    ktpel_image_free(&img);
}

static void test_face_detector_errors(void **state)
{
    (void)state;
    ktpel_face_detector *det = (ktpel_face_detector *)1;
    ktpel_errbuf eb;
    assert_int_equal(ktpel_face_detector_create("/nonexistent/cascade.xml", &det, &eb), KTPEL_EIO);
    assert_null(det);
    assert_non_null(strstr(eb.message, "/nonexistent/cascade.xml"));
    assert_int_equal(ktpel_face_detector_create(NULL, &det, &eb), KTPEL_EINVAL);
    ktpel_face_detector_free(NULL);
    ktpel_face_detect_params p = ktpel_face_detect_params_default();
    assert_true(p.scale_factor > 1 && p.min_neighbors == 3 && p.min_size == 30);
}

/* A blank image has no face; a bad parameter is refused. Needs opencv-data's cascade. */
static void test_face_detector_blank(void **state)
{
    (void)state;
    if (access(KTPEL_FACE_CASCADE_DEFAULT, R_OK) != 0)
        skip();
    ktpel_face_detector *det = NULL;
    assert_int_equal(ktpel_face_detector_create(KTPEL_FACE_CASCADE_DEFAULT, &det, NULL), KTPEL_OK);
    ktpel_image img;
    assert_int_equal(ktpel_image_alloc(&img, 120, 160, 3, 0, NULL), KTPEL_OK);
    assert_int_equal(ktpel_image_fill(&img, WHITE, NULL), KTPEL_OK);
    ktpel_rect faces[4];
    size_t count = 99;
    assert_int_equal(ktpel_face_detector_run(det, &img, NULL, faces, 4, &count, NULL), KTPEL_OK);
    assert_int_equal(count, 0);
    ktpel_face_detect_params bad = {1.0, 3, 30};
    ktpel_errbuf eb;
    assert_int_equal(ktpel_face_detector_run(det, &img, &bad, faces, 4, &count, &eb), KTPEL_EINVAL);
    assert_int_equal(ktpel_face_detect(&img, KTPEL_FACE_CASCADE_DEFAULT, NULL, 0, &count, NULL),
                     KTPEL_OK);
    assert_int_equal(count, 0);
    ktpel_image_free(&img);
    ktpel_face_detector_free(det);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fill_and_ellipse),    cmocka_unit_test(test_polygon_polyline_grey),
        cmocka_unit_test(test_blur_and_resize),     cmocka_unit_test(test_face_detector_errors),
        cmocka_unit_test(test_face_detector_blank),
    };
    return cmocka_run_group_tests_name("imgproc", tests, NULL, NULL);
}
