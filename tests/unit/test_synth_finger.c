/* Synthetic fingerprints (include/ktpel/synth_finger.h): determinism, sizes and resolution,
 * bad arguments, class frequencies, and that impressions of one finger resemble each other
 * more than impressions of two fingers do, as the engine (extractor + comparator) sees it. */
#include <stdlib.h>
#include <string.h>

#include "ktpel/fp_extract.h"
#include "ktpel/fp_match.h"
#include "ktpel/fp_template.h"
#include "ktpel/synth_finger.h"
#include "testutil.h"

static ktpel_synth_finger *make_master(uint64_t seed, uint64_t finger)
{
    ktpel_synth_finger *m = NULL;
    ktpel_errbuf eb;
    if (ktpel_synth_finger_create(seed, finger, &m, &eb) != KTPEL_OK)
        fail_msg("%s", eb.message);
    assert_non_null(m);
    return m;
}

static ktpel_image render(const ktpel_synth_finger *m, ktpel_synth_profile p, uint64_t imp)
{
    ktpel_image img = {0};
    ktpel_errbuf eb;
    if (ktpel_synth_finger_render(m, p, imp, &img, &eb) != KTPEL_OK)
        fail_msg("%s", eb.message);
    return img;
}

static int same_image(const ktpel_image *a, const ktpel_image *b)
{
    return a->width == b->width && a->height == b->height && a->channels == b->channels &&
           memcmp(a->data, b->data, (size_t)a->width * a->height * a->channels) == 0;
}

static void test_profiles(void **state)
{
    (void)state;
    int w = 0, h = 0, dpi = 0;
    assert_int_equal(ktpel_synth_profile_geometry(KTPEL_SYNTH_PROFILE_OPTICAL, &w, &h, &dpi, NULL),
                     KTPEL_OK);
    assert_int_equal(w, 388);
    assert_int_equal(h, 374);
    assert_int_equal(dpi, 500);
    assert_int_equal(
        ktpel_synth_profile_geometry(KTPEL_SYNTH_PROFILE_CAPACITIVE, &w, &h, &dpi, NULL), KTPEL_OK);
    assert_int_equal(w, 300);
    assert_int_equal(h, 300);
    ktpel_synth_profile p;
    ktpel_errbuf eb;
    assert_int_equal(ktpel_synth_profile_parse("capacitive", &p, &eb), KTPEL_OK);
    assert_int_equal(p, KTPEL_SYNTH_PROFILE_CAPACITIVE);
    assert_string_equal(ktpel_synth_profile_name(p), "capacitive");
    assert_int_equal(ktpel_synth_profile_parse("thermal", &p, &eb), KTPEL_EINVAL);
    assert_non_null(strstr(eb.message, "thermal"));
    assert_int_equal(ktpel_synth_profile_parse(NULL, &p, &eb), KTPEL_EINVAL);
    assert_int_equal(ktpel_synth_profile_geometry(KTPEL_SYNTH_PROFILE_COUNT, &w, NULL, NULL, &eb),
                     KTPEL_EINVAL);
    assert_string_equal(ktpel_synth_profile_name(KTPEL_SYNTH_PROFILE_COUNT), "unknown");
    assert_string_equal(ktpel_synth_finger_class_name(KTPEL_SYNTH_FINGER_WHORL), "whorl");
    assert_string_equal(ktpel_synth_finger_class_name(KTPEL_SYNTH_FINGER_CLASS_COUNT), "unknown");
}

static void test_bad_arguments(void **state)
{
    (void)state;
    ktpel_errbuf eb;
    assert_int_equal(ktpel_synth_finger_create(1, 1, NULL, &eb), KTPEL_EINVAL);
    ktpel_image img = {0};
    assert_int_equal(ktpel_synth_finger_render(NULL, KTPEL_SYNTH_PROFILE_OPTICAL, 0, &img, &eb),
                     KTPEL_EINVAL);
    assert_int_equal(ktpel_synth_finger_master_image(NULL, &img, &eb), KTPEL_EINVAL);
    ktpel_synth_finger_free(NULL);
    ktpel_synth_finger *m = make_master(1, 2);
    assert_int_equal(ktpel_synth_finger_render(m, KTPEL_SYNTH_PROFILE_COUNT, 0, &img, &eb),
                     KTPEL_EINVAL);
    assert_int_equal(ktpel_synth_finger_render(m, (ktpel_synth_profile)-1, 0, &img, &eb),
                     KTPEL_EINVAL);
    assert_int_equal(ktpel_synth_finger_render(m, KTPEL_SYNTH_PROFILE_OPTICAL, 0, NULL, &eb),
                     KTPEL_EINVAL);
    ktpel_synth_finger_free(m);

    assert_int_equal(ktpel_synth_minutiae_master_make(1, 1, NULL, &eb), KTPEL_EINVAL);
    ktpel_synth_minutiae_master mm;
    assert_int_equal(ktpel_synth_minutiae_master_make(1, 1, &mm, &eb), KTPEL_OK);
    ktpel_minutia min[KTPEL_MAX_MINUTIAE];
    int count;
    assert_int_equal(ktpel_synth_minutiae_impression(NULL, KTPEL_SYNTH_PROFILE_OPTICAL, 0, min,
                                                     &count, NULL, NULL, NULL, &eb),
                     KTPEL_EINVAL);
    assert_int_equal(ktpel_synth_minutiae_impression(&mm, KTPEL_SYNTH_PROFILE_COUNT, 0, min, &count,
                                                     NULL, NULL, NULL, &eb),
                     KTPEL_EINVAL);
    assert_int_equal(ktpel_synth_minutiae_impression(&mm, KTPEL_SYNTH_PROFILE_OPTICAL, 0, NULL,
                                                     &count, NULL, NULL, NULL, &eb),
                     KTPEL_EINVAL);
    mm.count = KTPEL_SYNTH_MASTER_MAX_MINUTIAE + 1; /* a corrupted master is refused */
    assert_int_equal(ktpel_synth_minutiae_impression(&mm, KTPEL_SYNTH_PROFILE_OPTICAL, 0, min,
                                                     &count, NULL, NULL, NULL, &eb),
                     KTPEL_EINVAL);
    assert_int_equal(ktpel_synth_minutiae_master_make(1, 1, &mm, &eb), KTPEL_OK);
    ktpel_fp_template *t = malloc(sizeof *t);
    assert_non_null(t);
    assert_int_equal(ktpel_synth_minutiae_template(&mm, KTPEL_SYNTH_PROFILE_OPTICAL, 0, 11, t, &eb),
                     KTPEL_EINVAL);
    assert_non_null(strstr(eb.message, "11"));
    assert_int_equal(
        ktpel_synth_minutiae_template(&mm, KTPEL_SYNTH_PROFILE_OPTICAL, 0, 1, NULL, &eb),
        KTPEL_EINVAL);
    free(t);
}

static void test_image_determinism_and_size(void **state)
{
    (void)state;
    ktpel_synth_finger *a = make_master(5, 1), *b = make_master(5, 1), *c = make_master(6, 1);
    assert_int_equal(ktpel_synth_finger_get_class(a), ktpel_synth_finger_get_class(b));
    ktpel_image ma = {0}, mb = {0};
    assert_int_equal(ktpel_synth_finger_master_image(a, &ma, NULL), KTPEL_OK);
    assert_int_equal(ktpel_synth_finger_master_image(b, &mb, NULL), KTPEL_OK);
    assert_true(same_image(&ma, &mb));
    assert_int_equal(ma.dpi, 500);

    ktpel_image a0 = render(a, KTPEL_SYNTH_PROFILE_OPTICAL, 0);
    ktpel_image b0 = render(b, KTPEL_SYNTH_PROFILE_OPTICAL, 0);
    ktpel_image a1 = render(a, KTPEL_SYNTH_PROFILE_OPTICAL, 1);
    ktpel_image c0 = render(c, KTPEL_SYNTH_PROFILE_OPTICAL, 0);
    ktpel_image cap = render(a, KTPEL_SYNTH_PROFILE_CAPACITIVE, 0);
    assert_true(same_image(&a0, &b0));  /* same seed, finger, impression: same bytes */
    assert_false(same_image(&a0, &a1)); /* another impression */
    assert_false(same_image(&a0, &c0)); /* another seed */
    assert_int_equal(a0.width, 388);
    assert_int_equal(a0.height, 374);
    assert_int_equal(a0.channels, 1);
    assert_int_equal(a0.dpi, 500);
    assert_int_equal(cap.width, 300);
    assert_int_equal(cap.height, 300);
    assert_int_equal(cap.dpi, 500);
    /* Not blank: a fingerprint has dark ridges on a light background. */
    long dark = 0, light = 0;
    for (int i = 0; i < a0.width * a0.height; i++) {
        dark += a0.data[i] < 100;
        light += a0.data[i] > 180;
    }
    assert_true(dark > a0.width * a0.height / 20);
    assert_true(light > a0.width * a0.height / 5);
    ktpel_image *all[] = {&ma, &mb, &a0, &b0, &a1, &c0, &cap};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        ktpel_image_free(all[i]);
    ktpel_synth_finger_free(a);
    ktpel_synth_finger_free(b);
    ktpel_synth_finger_free(c);
}

static ktpel_fp_compact *extract_compact(const ktpel_image *img)
{
    ktpel_fp_features *f = malloc(sizeof *f);
    assert_non_null(f);
    ktpel_errbuf eb;
    if (ktpel_fp_extract(img, NULL, f, &eb) != KTPEL_OK)
        fail_msg("%s", eb.message);
    /* A plain impression of this size has tens of minutiae (FVC2002 DB1: 13..76). */
    assert_in_range(f->count, 10, 100);
    ktpel_fp_compact *c = NULL;
    assert_int_equal(
        ktpel_fp_compact_build(f->minutiae, f->count, f->width, f->height, f->dpi, f->dpi, &c, &eb),
        KTPEL_OK);
    free(f);
    return c;
}

/* Three impressions of each of two masters: every genuine pair must score above every
 * impostor pair (measured when written: lowest genuine 0.102, highest impostor 0.030). */
static void test_images_match_their_finger(void **state)
{
    (void)state;
    ktpel_fp_compact *c[2][3];
    for (int f = 0; f < 2; f++) {
        ktpel_synth_finger *m = make_master(11, (uint64_t)f);
        for (int i = 0; i < 3; i++) {
            ktpel_image img = render(m, KTPEL_SYNTH_PROFILE_OPTICAL, (uint64_t)i);
            c[f][i] = extract_compact(&img);
            ktpel_image_free(&img);
        }
        ktpel_synth_finger_free(m);
    }
    ktpel_fp_workspace *ws = NULL;
    assert_int_equal(ktpel_fp_workspace_new(&ws, NULL), KTPEL_OK);
    float min_genuine = 1, max_impostor = 0;
    for (int f = 0; f < 2; f++)
        for (int i = 0; i < 3; i++)
            for (int j = i + 1; j < 3; j++) {
                float s = ktpel_fp_compare(c[f][i], c[f][j], ws);
                min_genuine = s < min_genuine ? s : min_genuine;
            }
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            float s = ktpel_fp_compare(c[0][i], c[1][j], ws);
            max_impostor = s > max_impostor ? s : max_impostor;
        }
    print_message("genuine min %.4f, impostor max %.4f\n", min_genuine, max_impostor);
    assert_true(min_genuine > max_impostor);
    ktpel_fp_workspace_free(ws);
    for (int f = 0; f < 2; f++)
        for (int i = 0; i < 3; i++)
            ktpel_fp_compact_free(c[f][i]);
}

static void test_template_determinism(void **state)
{
    (void)state;
    ktpel_synth_minutiae_master a, b, c;
    assert_int_equal(ktpel_synth_minutiae_master_make(9, 4, &a, NULL), KTPEL_OK);
    assert_int_equal(ktpel_synth_minutiae_master_make(9, 4, &b, NULL), KTPEL_OK);
    assert_int_equal(ktpel_synth_minutiae_master_make(10, 4, &c, NULL), KTPEL_OK);
    assert_memory_equal(&a, &b, sizeof a);
    assert_true(memcmp(&a, &c, sizeof a) != 0);
    assert_in_range(a.count, 20, KTPEL_SYNTH_MASTER_MAX_MINUTIAE);

    ktpel_fp_template *t1 = malloc(sizeof *t1), *t2 = malloc(sizeof *t2);
    assert_non_null(t1);
    assert_non_null(t2);
    uint8_t *buf1, *buf2;
    size_t len1, len2;
    assert_int_equal(ktpel_synth_minutiae_template(&a, KTPEL_SYNTH_PROFILE_OPTICAL, 3, 2, t1, NULL),
                     KTPEL_OK);
    assert_int_equal(ktpel_synth_minutiae_template(&b, KTPEL_SYNTH_PROFILE_OPTICAL, 3, 2, t2, NULL),
                     KTPEL_OK);
    assert_int_equal(ktpel_iso19794_2_write(t1, &buf1, &len1, NULL), KTPEL_OK);
    assert_int_equal(ktpel_iso19794_2_write(t2, &buf2, &len2, NULL), KTPEL_OK);
    assert_int_equal(len1, len2);
    assert_memory_equal(buf1, buf2, len1);
    free(buf2);
    assert_int_equal(ktpel_synth_minutiae_template(&a, KTPEL_SYNTH_PROFILE_OPTICAL, 4, 2, t2, NULL),
                     KTPEL_OK);
    assert_int_equal(ktpel_iso19794_2_write(t2, &buf2, &len2, NULL), KTPEL_OK);
    assert_false(len1 == len2 && memcmp(buf1, buf2, len1) == 0);
    /* what is written reads back, with the profile's geometry and the position asked for */
    assert_int_equal(ktpel_iso19794_2_read(buf1, len1, t2, NULL), KTPEL_OK);
    assert_int_equal(t2->width, 388);
    assert_int_equal(t2->height, 374);
    assert_int_equal(ktpel_fp_template_dpi(t2), 500);
    assert_int_equal(t2->views[0].position, 2);
    assert_in_range(t2->views[0].count, 5, KTPEL_MAX_MINUTIAE);
    for (int i = 0; i < t2->views[0].count; i++) {
        assert_true(t2->views[0].minutiae[i].x < 388);
        assert_true(t2->views[0].minutiae[i].y < 374);
    }
    free(buf1);
    free(buf2);
    free(t1);
    free(t2);

    ktpel_minutia m[KTPEL_MAX_MINUTIAE];
    int count, w, h, dpi;
    assert_int_equal(ktpel_synth_minutiae_impression(&a, KTPEL_SYNTH_PROFILE_CAPACITIVE, 0, m,
                                                     &count, &w, &h, &dpi, NULL),
                     KTPEL_OK);
    assert_int_equal(w, 300);
    assert_int_equal(h, 300);
    assert_int_equal(dpi, 500);
    for (int i = 1; i < count; i++) /* sorted by y, then x */
        assert_true(m[i - 1].y < m[i].y || (m[i - 1].y == m[i].y && m[i - 1].x <= m[i].x));
}

/* Templates: per finger the mean genuine score is far above the largest impostor score
 * (measured when written: lowest mean genuine 0.078, highest impostor 0.022). */
static void test_templates_match_their_finger(void **state)
{
    (void)state;
    enum { FINGERS = 6, IMPS = 4 };
    ktpel_fp_compact *c[FINGERS][IMPS];
    for (int f = 0; f < FINGERS; f++) {
        ktpel_synth_minutiae_master mm;
        assert_int_equal(ktpel_synth_minutiae_master_make(3, (uint64_t)f, &mm, NULL), KTPEL_OK);
        for (int i = 0; i < IMPS; i++) {
            ktpel_minutia m[KTPEL_MAX_MINUTIAE];
            int n, w, h, dpi;
            assert_int_equal(ktpel_synth_minutiae_impression(&mm, KTPEL_SYNTH_PROFILE_OPTICAL,
                                                             (uint64_t)i, m, &n, &w, &h, &dpi,
                                                             NULL),
                             KTPEL_OK);
            assert_int_equal(ktpel_fp_compact_build(m, n, w, h, dpi, dpi, &c[f][i], NULL),
                             KTPEL_OK);
        }
    }
    ktpel_fp_workspace *ws = NULL;
    assert_int_equal(ktpel_fp_workspace_new(&ws, NULL), KTPEL_OK);
    float max_impostor = 0, min_mean_genuine = 1;
    for (int f = 0; f < FINGERS; f++) {
        float sum = 0;
        for (int i = 0; i < IMPS; i++)
            for (int j = i + 1; j < IMPS; j++)
                sum += ktpel_fp_compare(c[f][i], c[f][j], ws);
        float mean = sum / (IMPS * (IMPS - 1) / 2);
        min_mean_genuine = mean < min_mean_genuine ? mean : min_mean_genuine;
        for (int g = f + 1; g < FINGERS; g++)
            for (int i = 0; i < IMPS; i++)
                for (int j = 0; j < IMPS; j++) {
                    float s = ktpel_fp_compare(c[f][i], c[g][j], ws);
                    max_impostor = s > max_impostor ? s : max_impostor;
                }
    }
    print_message("min mean genuine %.4f, max impostor %.4f\n", min_mean_genuine, max_impostor);
    assert_true(min_mean_genuine > max_impostor);
    ktpel_fp_workspace_free(ws);
    for (int f = 0; f < FINGERS; f++)
        for (int i = 0; i < IMPS; i++)
            ktpel_fp_compact_free(c[f][i]);
}

/* Classes are drawn with the natural frequencies (3.7 / 2.9 / 33.8 / 31.7 / 27.9 %): 4000
 * masters, each share within 2.5 points (about 3.4 standard errors for a loop share). */
static void test_class_frequencies(void **state)
{
    (void)state;
    static const double expected[KTPEL_SYNTH_FINGER_CLASS_COUNT] = {0.037, 0.029, 0.338, 0.317,
                                                                    0.279};
    int counts[KTPEL_SYNTH_FINGER_CLASS_COUNT] = {0};
    enum { N = 4000 };
    for (int f = 0; f < N; f++) {
        ktpel_synth_minutiae_master mm;
        assert_int_equal(ktpel_synth_minutiae_master_make(21, (uint64_t)f, &mm, NULL), KTPEL_OK);
        assert_in_range(mm.finger_class, 0, KTPEL_SYNTH_FINGER_CLASS_COUNT - 1);
        counts[mm.finger_class]++;
    }
    for (int c = 0; c < KTPEL_SYNTH_FINGER_CLASS_COUNT; c++) {
        double share = (double)counts[c] / N;
        print_message("%s %.3f (expected %.3f)\n",
                      ktpel_synth_finger_class_name((ktpel_synth_finger_class)c), share,
                      expected[c]);
        assert_true(share > expected[c] - 0.025 && share < expected[c] + 0.025);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_profiles),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_image_determinism_and_size),
        cmocka_unit_test(test_images_match_their_finger),
        cmocka_unit_test(test_template_determinism),
        cmocka_unit_test(test_templates_match_their_finger),
        cmocka_unit_test(test_class_frequencies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
