/* The photo check on ../shared/datasets/face (issue 6): every noncompliant/ photo rejected
 * for the reason in its name, every compliant/ photo accepted or rejected only for reasons a
 * person looking at it agrees with (listed below from looking at the photos: none of them is
 * a real passport photo, see the datasets README). Also runs `ktpel photo check` on one of
 * them and writes the accepted portrait. Prints the verdict table of docs/photo.md. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ktpel/photo.h"
#include "testutil.h"

#define BIT(r) (1u << (r))

typedef struct expectation {
    const char *file;
    unsigned must;    /* rules that must fail (noncompliant photos) */
    unsigned allowed; /* rules that may fail: what is visibly wrong with the photo */
} expectation;

/* What a person sees (compliant/ are ordinary portraits, not ICAO photos). */
static const expectation EXPECT[] = {
    {"compliant/alex_lacamoire_1.jpg", 0, 0}, /* plain light backdrop, frontal: nothing wrong */
    {"compliant/biden_1.jpg", 0,              /* squinting smile; a painting behind him */
     BIT(KTPEL_PHOTO_EYES_NOT_FOUND) | BIT(KTPEL_PHOTO_BACKGROUND)},
    {"compliant/kit_harington_1.jpeg", 0, /* small figure in a wide outdoor shot */
     BIT(KTPEL_PHOTO_LOW_RESOLUTION) | BIT(KTPEL_PHOTO_BACKGROUND) | BIT(KTPEL_PHOTO_OFF_CENTRE)},
    {"compliant/kit_harington_2.jpeg", 0, /* film still: snow and fog, low key light */
     BIT(KTPEL_PHOTO_BACKGROUND) | BIT(KTPEL_PHOTO_UNDEREXPOSED)},
    {"compliant/obama_1.jpg", 0, BIT(KTPEL_PHOTO_BACKGROUND)}, /* flags and curtains */
    {"compliant/obama_2.jpg", 0, /* flag and people behind, speaking */
     BIT(KTPEL_PHOTO_BACKGROUND) | BIT(KTPEL_PHOTO_MULTIPLE_FACES)},
    {"compliant/rose_leslie_1.jpg", 0, /* off to the right, a defocused room behind */
     BIT(KTPEL_PHOTO_BACKGROUND) | BIT(KTPEL_PHOTO_OFF_CENTRE)},
    {"compliant/rose_leslie_2.jpg", 0, BIT(KTPEL_PHOTO_BACKGROUND)}, /* logo backdrop */
    {"noncompliant/two_faces.jpg", BIT(KTPEL_PHOTO_MULTIPLE_FACES), ~0u},
    {"noncompliant/low_resolution.jpg", BIT(KTPEL_PHOTO_LOW_RESOLUTION), ~0u},
    {"noncompliant/no_face.jpg", BIT(KTPEL_PHOTO_NO_FACE), ~0u},
};

static void test_dataset(void **state)
{
    (void)state;
    const char *root = ktpel_test_dataset("face");
    ktpel_photo_checker *pc = NULL;
    ktpel_errbuf eb;
    if (ktpel_photo_checker_create(NULL, &pc, &eb) != KTPEL_OK)
        fail_msg("%s", eb.message);
    int wrong = 0;
    printf("| photo | verdict | failed rules |\n|---|---|---|\n");
    for (size_t i = 0; i < sizeof EXPECT / sizeof EXPECT[0]; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", root, EXPECT[i].file);
        ktpel_image img = {0};
        ktpel_photo_report rep;
        if (ktpel_image_read(path, KTPEL_IMAGE_RGB, 0, &img, &eb) != KTPEL_OK ||
            ktpel_photo_check(pc, &img, &rep, &eb) != KTPEL_OK)
            fail_msg("%s: %s", path, eb.message);
        printf("| %s | %s |", EXPECT[i].file, rep.accepted ? "accepted" : "rejected");
        for (int r = 0; r < KTPEL_PHOTO_RULE_COUNT; r++)
            if (rep.failed & BIT(r))
                printf(" %s (%s);", ktpel_photo_rule_code((ktpel_photo_rule)r), rep.detail[r]);
        printf("\n");
        unsigned unexpected = rep.failed & ~(EXPECT[i].allowed | EXPECT[i].must);
        unsigned missing = EXPECT[i].must & ~rep.failed;
        if (unexpected || missing) {
            printf("  ^ WRONG: unexpected rules 0x%x, missing rules 0x%x\n", unexpected, missing);
            wrong++;
        }
        ktpel_image_free(&img);
    }
    ktpel_photo_checker_free(pc);
    assert_int_equal(wrong, 0);
}

static void test_cli(void **state)
{
    (void)state;
    const char *root = ktpel_test_dataset("face");
    char *dir = ktpel_test_tmpdir();
    char out[8192];
    int rc = ktpel_test_ktpel(
        out, sizeof out, "photo check %s/compliant/alex_lacamoire_1.jpg -o %s/p.jpg", root, dir);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(out, "ACCEPTED"));
    char path[512];
    snprintf(path, sizeof path, "%s/p.jpg", dir);
    ktpel_image p = {0};
    assert_int_equal(ktpel_image_read(path, KTPEL_IMAGE_RGB, 0, &p, NULL), KTPEL_OK);
    assert_true(abs(p.width * 4 - p.height * 3) <= 4);
    assert_true(p.dpi > 0);
    ktpel_image_free(&p);
    rc = ktpel_test_ktpel(out, sizeof out, "photo check --json %s/noncompliant/no_face.jpg", root);
    assert_int_equal(rc, 1);
    assert_non_null(strstr(out, "\"code\":\"no_face\""));
    assert_non_null(strstr(out, "Wajah tidak ditemukan"));
    ktpel_test_rmtree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dataset),
        cmocka_unit_test(test_cli),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
