/* The photo check (include/ktpel/photo.h): a synthetic KTP-el portrait is accepted and cut to
 * 3:4; variants of it made wrong in one way (turned, blurred, dark, off-centre, two people)
 * are rejected for that reason. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ktpel/imgproc.h"
#include "ktpel/photo.h"
#include "ktpel/synth_face.h"
#include "testutil.h"

typedef struct fixture {
    ktpel_photo_checker *pc;
    ktpel_image face; /* a synthetic portrait the check accepts */
} fixture;

static void render(uint64_t person, ktpel_image *img)
{
    ktpel_synth_face_look look = {person % 2 ? KTPEL_SEX_MALE : KTPEL_SEX_FEMALE, 35,
                                  KTPEL_SYNTH_FACE_BLUE, 0};
    ktpel_errbuf eb;
    if (ktpel_synth_face_render(2026, person, &look, 0, img, &eb) != KTPEL_OK)
        fail_msg("%s", eb.message);
}

static void check(fixture *f, const ktpel_image *img, ktpel_photo_report *rep)
{
    ktpel_errbuf eb;
    if (ktpel_photo_check(f->pc, img, rep, &eb) != KTPEL_OK)
        fail_msg("%s", eb.message);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    ktpel_errbuf eb;
    if (!f || ktpel_photo_checker_create(NULL, &f->pc, &eb) != KTPEL_OK) {
        print_error("%s\n", f ? eb.message : "out of memory");
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    ktpel_image_free(&f->face);
    ktpel_photo_checker_free(f->pc);
    free(f);
    return 0;
}

static void print_failures(const char *what, const ktpel_photo_report *rep)
{
    for (int r = 0; r < KTPEL_PHOTO_RULE_COUNT; r++)
        if (rep->failed & (1u << r))
            print_message("%s: %s (%s)\n", what, ktpel_photo_rule_code((ktpel_photo_rule)r),
                          rep->detail[r]);
}

static void expect_rule(fixture *f, const char *what, const ktpel_image *img, ktpel_photo_rule rule)
{
    ktpel_photo_report rep;
    check(f, img, &rep);
    print_failures(what, &rep);
    assert_false(rep.accepted);
    assert_true(rep.failed & (1u << rule));
}

static void test_synthetic_accepted(void **state)
{
    fixture *f = *state;
    ktpel_photo_report rep;
    /* Most synthetic portraits pass (the demo enrols them); take the first of a few. */
    int accepted = 0;
    for (uint64_t person = 0; person < 4 && !accepted; person++) {
        ktpel_image_free(&f->face);
        render(person, &f->face);
        check(f, &f->face, &rep);
        print_failures("synthetic", &rep);
        accepted = rep.accepted;
    }
    assert_true(accepted);
    assert_int_equal(rep.faces, 1);
    assert_true(rep.eyes_found);
    assert_true(rep.eye_distance >= 60);
    assert_true(fabs(rep.roll_deg) < 8);
    assert_true(rep.crop_found);
    /* The portrait: 3:4, inside the frame, printing 3 cm wide. */
    ktpel_image portrait = {0};
    assert_int_equal(ktpel_photo_portrait(&f->face, &rep, &portrait, NULL), KTPEL_OK);
    assert_true(abs(portrait.width * 4 - portrait.height * 3) <= 4);
    assert_true(portrait.width <= f->face.width && portrait.height <= f->face.height);
    assert_int_equal(portrait.dpi, (int)lround(portrait.width * 25.4 / 30));
    /* Stored as JPEG with its resolution. */
    char *dir = ktpel_test_tmpdir();
    char path[512];
    snprintf(path, sizeof path, "%s/portrait.jpg", dir);
    assert_int_equal(ktpel_photo_write_jpeg(path, &portrait, NULL), KTPEL_OK);
    ktpel_image back = {0};
    assert_int_equal(ktpel_image_read(path, KTPEL_IMAGE_RGB, 0, &back, NULL), KTPEL_OK);
    assert_int_equal(back.width, portrait.width);
    assert_int_equal(back.dpi, portrait.dpi);
    ktpel_errbuf eb;
    snprintf(path, sizeof path, "%s/portrait.png", dir);
    assert_int_equal(ktpel_photo_write_jpeg(path, &portrait, &eb), KTPEL_EINVAL);
    ktpel_image_free(&back);
    ktpel_image_free(&portrait);
    ktpel_test_rmtree(dir);
    free(dir);
}

static void test_tilted(void **state)
{
    fixture *f = *state;
    ktpel_image turned = {0};
    /* 14 degrees: well past the 8 allowed, still a face for the detectors. */
    assert_int_equal(
        ktpel_image_rotate(&f->face, f->face.width / 2.0, f->face.height / 2.0, 14, &turned, NULL),
        KTPEL_OK);
    expect_rule(f, "tilted", &turned, KTPEL_PHOTO_HEAD_TILTED);
    ktpel_image_free(&turned);
}

static void test_blurred(void **state)
{
    fixture *f = *state;
    ktpel_image soft = {0};
    assert_int_equal(ktpel_image_copy(&f->face, &soft, NULL), KTPEL_OK);
    assert_int_equal(ktpel_image_gaussian_blur(&soft, 6.0, NULL), KTPEL_OK);
    expect_rule(f, "blurred", &soft, KTPEL_PHOTO_BLURRED);
    ktpel_image_free(&soft);
}

static void test_dark(void **state)
{
    fixture *f = *state;
    ktpel_image dark = {0};
    assert_int_equal(ktpel_image_copy(&f->face, &dark, NULL), KTPEL_OK);
    size_t n = (size_t)dark.width * dark.height * 3;
    for (size_t i = 0; i < n; i++)
        dark.data[i] = (uint8_t)(dark.data[i] / 6);
    expect_rule(f, "dark", &dark, KTPEL_PHOTO_UNDEREXPOSED);
    ktpel_image_free(&dark);
}

static void test_off_centre(void **state)
{
    fixture *f = *state;
    /* The same photo moved 85 px to the left, the gap filled with the backdrop's colour:
     * the head is too near the edge for a 3:4 portrait around it. */
    ktpel_image moved = {0};
    assert_int_equal(ktpel_image_copy(&f->face, &moved, NULL), KTPEL_OK);
    int w = moved.width, shift = 85;
    for (int y = 0; y < moved.height; y++) {
        uint8_t *row = moved.data + (size_t)y * w * 3;
        const uint8_t *src = f->face.data + (size_t)y * w * 3;
        memcpy(row, src + shift * 3, (size_t)(w - shift) * 3);
        for (int x = w - shift; x < w; x++)
            memcpy(row + x * 3, src + (w - 1) * 3, 3);
    }
    expect_rule(f, "off-centre", &moved, KTPEL_PHOTO_OFF_CENTRE);
    ktpel_image_free(&moved);
}

static void test_two_faces(void **state)
{
    fixture *f = *state;
    ktpel_image other = {0}, both = {0};
    render(7, &other);
    assert_int_equal(ktpel_image_alloc(&both, 2 * f->face.width, f->face.height, 3, 300, NULL),
                     KTPEL_OK);
    size_t row = (size_t)f->face.width * 3;
    for (int y = 0; y < f->face.height; y++) {
        memcpy(both.data + (size_t)y * row * 2, f->face.data + (size_t)y * row, row);
        memcpy(both.data + (size_t)y * row * 2 + row, other.data + (size_t)y * row, row);
    }
    expect_rule(f, "two faces", &both, KTPEL_PHOTO_MULTIPLE_FACES);
    ktpel_image_free(&other);
    ktpel_image_free(&both);
}

static void test_no_face_and_errors(void **state)
{
    fixture *f = *state;
    ktpel_image plain = {0};
    static const uint8_t blue[3] = {20, 90, 200};
    assert_int_equal(ktpel_image_alloc(&plain, 354, 472, 3, 300, NULL), KTPEL_OK);
    assert_int_equal(ktpel_image_fill(&plain, blue, NULL), KTPEL_OK);
    ktpel_photo_report rep;
    check(f, &plain, &rep);
    assert_false(rep.accepted);
    assert_int_equal(rep.failed, 1u << KTPEL_PHOTO_NO_FACE);
    ktpel_errbuf eb;
    assert_int_equal(ktpel_photo_portrait(&plain, &rep, &plain, &eb), KTPEL_EINVAL);
    ktpel_image_free(&plain);
    ktpel_image tiny = {0};
    assert_int_equal(ktpel_image_alloc(&tiny, 8, 8, 3, 0, NULL), KTPEL_OK);
    assert_int_equal(ktpel_photo_check(f->pc, &tiny, &rep, &eb), KTPEL_EINVAL);
    ktpel_image_free(&tiny);
    ktpel_photo_checker *pc = NULL;
    assert_int_equal(ktpel_photo_checker_create("/nonexistent", &pc, &eb), KTPEL_EIO);
    assert_non_null(strstr(eb.message, "/nonexistent"));
    assert_null(pc);
}

static void test_rule_texts(void **state)
{
    (void)state;
    for (int r = 0; r < KTPEL_PHOTO_RULE_COUNT; r++) {
        const char *code = ktpel_photo_rule_code((ktpel_photo_rule)r);
        assert_true(strlen(code) > 3 && strcmp(code, "unknown") != 0);
        assert_true(strlen(ktpel_photo_rule_message_id((ktpel_photo_rule)r)) > 10);
        assert_true(strlen(ktpel_photo_rule_message_en((ktpel_photo_rule)r)) > 10);
        for (int q = 0; q < r; q++)
            assert_string_not_equal(code, ktpel_photo_rule_code((ktpel_photo_rule)q));
    }
    assert_string_equal(ktpel_photo_rule_code(KTPEL_PHOTO_RULE_COUNT), "unknown");
}

int main(void)
{
    if (access(KTPEL_FACE_CASCADE_DEFAULT, R_OK) != 0) {
        printf("SKIP: %s absent (Debian package opencv-data)\n", KTPEL_FACE_CASCADE_DEFAULT);
        return KTPEL_TEST_SKIP;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_synthetic_accepted),
        cmocka_unit_test(test_tilted),
        cmocka_unit_test(test_blurred),
        cmocka_unit_test(test_dark),
        cmocka_unit_test(test_off_centre),
        cmocka_unit_test(test_two_faces),
        cmocka_unit_test(test_no_face_and_errors),
        cmocka_unit_test(test_rule_texts),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
