/* Fingerprint minutiae extraction on real FVC2002 images (skipped when ../shared/datasets
 * is absent): plausible counts and quality, the same result from two threads at once, and
 * agreement with the minutiae that a commercial extractor found on the same images (the
 * ISO templates in fingerprint-iso/, made from the images resized to 300x400). */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ktpel/fp_extract.h"
#include "ktpel/fp_template.h"
#include "ktpel/image.h"
#include "testutil.h"

static ktpel_fp_features *extract_file(const char *dir, const char *name)
{
    char path[4300];
    snprintf(path, sizeof path, "%s/%s.png", dir, name);
    ktpel_image img;
    ktpel_errbuf eb;
    if (ktpel_image_read(path, KTPEL_IMAGE_GREY, 500, &img, &eb) != KTPEL_OK)
        fail_msg("%s", eb.message);
    ktpel_fp_features *f = malloc(sizeof *f);
    assert_non_null(f);
    if (ktpel_fp_extract(&img, NULL, f, &eb) != KTPEL_OK)
        fail_msg("%s: %s", path, eb.message);
    ktpel_image_free(&img);
    return f;
}

static void test_counts_and_quality(void **state)
{
    (void)state;
    const char *sets[] = {"fingerprint/fvc2002_db1_b", "fingerprint/fvc2002_db3_b"};
    for (int s = 0; s < 2; s++) {
        const char *dir = ktpel_test_dataset(sets[s]);
        for (int finger = 101; finger <= 110; finger += 3) {
            char name[32];
            snprintf(name, sizeof name, "%d_1", finger);
            ktpel_fp_features *f = extract_file(dir, name);
            int endings = 0;
            for (int i = 0; i < f->count; i++) {
                const ktpel_minutia *m = &f->minutiae[i];
                assert_true(m->x < f->width && m->y < f->height);
                assert_true(m->quality >= 1 && m->quality <= 100);
                endings += m->type == KTPEL_MINUTIA_ENDING;
            }
            printf("%s/%s: %d minutiae (%d endings), quality %d\n", sets[s], name, f->count,
                   endings, f->quality);
            assert_in_range(f->count, 10, 120);
            assert_in_range(f->quality, 20, 100);
            assert_true(endings > 0 && endings < f->count);
            free(f);
        }
    }
}

typedef struct job {
    const ktpel_image *img;
    ktpel_fp_features *out;
    ktpel_err err;
} job;

static void *run_job(void *arg)
{
    job *j = arg;
    j->err = ktpel_fp_extract(j->img, NULL, j->out, NULL);
    return NULL;
}

/* Two threads extracting at once get exactly what one thread gets alone. */
static void test_threads_agree(void **state)
{
    (void)state;
    const char *dir = ktpel_test_dataset("fingerprint/fvc2002_db1_b");
    char path[4300];
    snprintf(path, sizeof path, "%s/102_3.png", dir);
    ktpel_image a, b;
    assert_int_equal(ktpel_image_read(path, KTPEL_IMAGE_GREY, 500, &a, NULL), KTPEL_OK);
    snprintf(path, sizeof path, "%s/107_5.png", dir);
    assert_int_equal(ktpel_image_read(path, KTPEL_IMAGE_GREY, 500, &b, NULL), KTPEL_OK);
    ktpel_fp_features *solo_a = malloc(sizeof *solo_a), *solo_b = malloc(sizeof *solo_b);
    ktpel_fp_features *par_a = malloc(sizeof *par_a), *par_b = malloc(sizeof *par_b);
    assert_true(solo_a && solo_b && par_a && par_b);
    assert_int_equal(ktpel_fp_extract(&a, NULL, solo_a, NULL), KTPEL_OK);
    assert_int_equal(ktpel_fp_extract(&b, NULL, solo_b, NULL), KTPEL_OK);
    job ja = {&a, par_a, KTPEL_EINTERNAL}, jb = {&b, par_b, KTPEL_EINTERNAL};
    pthread_t ta, tb;
    assert_int_equal(pthread_create(&ta, NULL, run_job, &ja), 0);
    assert_int_equal(pthread_create(&tb, NULL, run_job, &jb), 0);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    assert_int_equal(ja.err, KTPEL_OK);
    assert_int_equal(jb.err, KTPEL_OK);
    assert_memory_equal(solo_a, par_a, sizeof *solo_a);
    assert_memory_equal(solo_b, par_b, sizeof *solo_b);
    free(solo_a);
    free(solo_b);
    free(par_a);
    free(par_b);
    ktpel_image_free(&a);
    ktpel_image_free(&b);
}

/* Share of the reference minutiae that have one of ours within 10 pixels and 30 degrees,
 * with the reference coordinates scaled back from the template's image size. */
static void count_agreement(const ktpel_fp_features *f, const ktpel_fp_template *t, int *found,
                            int *total)
{
    const ktpel_fp_view *v = &t->views[0];
    double sx = (double)f->width / t->width, sy = (double)f->height / t->height;
    for (int i = 0; i < v->count; i++) {
        (*total)++;
        for (int j = 0; j < f->count; j++) {
            double dx = f->minutiae[j].x - v->minutiae[i].x * sx;
            double dy = f->minutiae[j].y - v->minutiae[i].y * sy;
            int da = abs((int)f->minutiae[j].angle - (int)v->minutiae[i].angle);
            da = da > 128 ? 256 - da : da;
            if (dx * dx + dy * dy <= 100 && da <= 22) { /* 22 units = 31 degrees */
                (*found)++;
                break;
            }
        }
    }
}

static void test_agrees_with_commercial_extractor(void **state)
{
    (void)state;
    char dir[4200], iso_dir[4200];
    snprintf(dir, sizeof dir, "%s", ktpel_test_dataset("fingerprint/fvc2002_db1_b"));
    snprintf(iso_dir, sizeof iso_dir, "%s", ktpel_test_dataset("fingerprint-iso/fvc2002_db1_b"));
    ktpel_fp_template *t = malloc(sizeof *t);
    assert_non_null(t);
    int found = 0, total = 0;
    for (int finger = 101; finger <= 110; finger++) {
        char name[32], path[4300];
        snprintf(name, sizeof name, "%d_%d", finger, 1 + finger % 8);
        snprintf(path, sizeof path, "%s/%s.iso", iso_dir, name);
        ktpel_errbuf eb;
        if (ktpel_iso19794_2_read_file(path, t, &eb) != KTPEL_OK)
            fail_msg("%s", eb.message);
        ktpel_fp_features *f = extract_file(dir, name);
        count_agreement(f, t, &found, &total);
        free(f);
    }
    double share = (double)found / total;
    printf("reference minutiae found (10 px, 31 degrees): %d of %d (%.0f %%)\n", found, total,
           100 * share);
    assert_true(share >= 0.75);
    free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counts_and_quality),
        cmocka_unit_test(test_threads_agree),
        cmocka_unit_test(test_agrees_with_commercial_extractor),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
