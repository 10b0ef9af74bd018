/* Realism of the template-level finger synthesis (include/ktpel/synth_finger.h), judged by
 * the engine: the impostor score distribution of the comparator on synthetic ISO templates
 * must match the one on real templates (FVC2002 DB1_B..DB4_B ISO records in
 * ../shared/datasets/fingerprint-iso, all impostor pairs within each set, pooled).
 *
 * Checks (issue 4): the 99.9th impostor percentile within +-20 % of the real one; genuine
 * scores neither all perfect nor mostly failing; the mean minutiae count within the range
 * of the real sets' means (26.4 .. 40.7).
 *
 * Measured when this test was written (100 fingers x 8 impressions, optical, seed 2024):
 * synthetic p99.9 0.0253 against real 0.0269 (ratio 0.94); genuine median 0.138, none
 * perfect; EER 1.19 %, FNMR at FMR 1 % 1.21 %; mean 39.1 minutiae (real 31.9). The bounds
 * below are the issue's; the EER must also stay within 0.3 .. 8 %. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ktpel/bench.h"
#include "ktpel/fp_match.h"
#include "ktpel/fp_template.h"
#include "ktpel/synth_finger.h"
#include "testutil.h"

#define SYNTH_FINGERS     100
#define SYNTH_IMPRESSIONS 8
#define SYNTH_SEED        2024

typedef struct scores {
    double *genuine, *impostor;
    size_t ng, ni;
    double minutiae_sum;
    int templates;
} scores;

static void scores_init(scores *s, size_t max_genuine, size_t max_impostor)
{
    memset(s, 0, sizeof *s);
    s->genuine = malloc(sizeof(double) * max_genuine);
    s->impostor = malloc(sizeof(double) * max_impostor);
    assert_non_null(s->genuine);
    assert_non_null(s->impostor);
}

/* All pairs of n compact templates; finger[i] tells which are the same finger. */
static void score_all_pairs(ktpel_fp_compact **c, const int *finger, int n, scores *s)
{
    ktpel_fp_workspace *ws = NULL;
    assert_int_equal(ktpel_fp_workspace_new(&ws, NULL), KTPEL_OK);
    for (int a = 0; a < n; a++)
        for (int b = a + 1; b < n; b++) {
            double v = ktpel_fp_compare(c[a], c[b], ws);
            if (finger[a] == finger[b])
                s->genuine[s->ng++] = v;
            else
                s->impostor[s->ni++] = v;
        }
    ktpel_fp_workspace_free(ws);
}

static int cmp_double(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return (a > b) - (a < b);
}

/* Percentile p (0..1) with linear interpolation between order statistics. */
static double percentile(double *v, size_t n, double p)
{
    qsort(v, n, sizeof *v, cmp_double);
    double k = (double)(n - 1) * p;
    size_t lo = (size_t)k, hi = lo + 1 < n ? lo + 1 : lo;
    return v[lo] + (v[hi] - v[lo]) * (k - (double)lo);
}

static void real_scores(scores *s)
{
    const char *sets[] = {"fingerprint-iso/fvc2002_db1_b", "fingerprint-iso/fvc2002_db2_b",
                          "fingerprint-iso/fvc2002_db3_b", "fingerprint-iso/fvc2002_db4_b"};
    scores_init(s, 4 * 280, 4 * 2880);
    ktpel_fp_template *t = malloc(sizeof *t);
    assert_non_null(t);
    for (size_t k = 0; k < 4; k++) {
        char dir[4096];
        snprintf(dir, sizeof dir, "%s", ktpel_test_dataset(sets[k]));
        ktpel_fp_compact *c[80];
        int finger[80], n = 0;
        for (int f = 101; f <= 110; f++)
            for (int i = 1; i <= 8; i++) {
                char path[4200];
                ktpel_errbuf eb;
                snprintf(path, sizeof path, "%s/%d_%d.iso", dir, f, i);
                if (ktpel_iso19794_2_read_file(path, t, &eb) != KTPEL_OK ||
                    ktpel_fp_compact_from_template(t, 0, &c[n], &eb) != KTPEL_OK)
                    fail_msg("%s", eb.message);
                s->minutiae_sum += t->views[0].count;
                s->templates++;
                finger[n++] = f;
            }
        score_all_pairs(c, finger, n, s);
        for (int i = 0; i < n; i++)
            ktpel_fp_compact_free(c[i]);
    }
    free(t);
}

static void synthetic_scores(scores *s)
{
    enum { N = SYNTH_FINGERS * SYNTH_IMPRESSIONS };
    scores_init(s, (size_t)SYNTH_FINGERS * SYNTH_IMPRESSIONS * SYNTH_IMPRESSIONS / 2,
                (size_t)N * N / 2);
    ktpel_fp_compact **c = malloc(sizeof *c * N);
    int *finger = malloc(sizeof *finger * N);
    assert_non_null(c);
    assert_non_null(finger);
    int n = 0;
    for (int f = 0; f < SYNTH_FINGERS; f++) {
        ktpel_synth_minutiae_master m;
        assert_int_equal(ktpel_synth_minutiae_master_make(SYNTH_SEED, (uint64_t)f, &m, NULL),
                         KTPEL_OK);
        for (int i = 0; i < SYNTH_IMPRESSIONS; i++) {
            ktpel_minutia min[KTPEL_MAX_MINUTIAE];
            int count, w, h, dpi;
            assert_int_equal(ktpel_synth_minutiae_impression(&m, KTPEL_SYNTH_PROFILE_OPTICAL,
                                                             (uint64_t)i, min, &count, &w, &h, &dpi,
                                                             NULL),
                             KTPEL_OK);
            assert_int_equal(ktpel_fp_compact_build(min, count, w, h, dpi, dpi, &c[n], NULL),
                             KTPEL_OK);
            s->minutiae_sum += count;
            s->templates++;
            finger[n++] = f;
        }
    }
    score_all_pairs(c, finger, n, s);
    for (int i = 0; i < n; i++)
        ktpel_fp_compact_free(c[i]);
    free(c);
    free(finger);
}

static void test_impostor_distribution_matches_real(void **state)
{
    (void)state;
    scores real, syn;
    real_scores(&real);
    synthetic_scores(&syn);

    ktpel_bench_metrics m;
    assert_int_equal(
        ktpel_bench_metrics_compute(syn.genuine, syn.ng, syn.impostor, syn.ni, &m, NULL), KTPEL_OK);
    size_t perfect = 0;
    for (size_t i = 0; i < syn.ng; i++)
        perfect += syn.genuine[i] >= 0.99;
    double real_p999 = percentile(real.impostor, real.ni, 0.999);
    double syn_p999 = percentile(syn.impostor, syn.ni, 0.999);
    double real_mean = real.minutiae_sum / real.templates;
    double syn_mean = syn.minutiae_sum / syn.templates;
    double syn_gen_median = percentile(syn.genuine, syn.ng, 0.5);
    printf("real (FVC2002 DB1-4 ISO, %zu impostor pairs): p99.9 %.4f, mean %.1f minutiae\n",
           real.ni, real_p999, real_mean);
    printf("synthetic (%d x %d, optical): %zu impostor pairs p99.9 %.4f (ratio %.3f); %zu "
           "genuine pairs median %.4f, %zu perfect; EER %.2f %%, FMR100 %.2f %%; mean %.1f "
           "minutiae\n",
           SYNTH_FINGERS, SYNTH_IMPRESSIONS, syn.ni, syn_p999, syn_p999 / real_p999, syn.ng,
           syn_gen_median, perfect, 100 * m.eer, 100 * m.fmr100, syn_mean);

    assert_true(syn_p999 >= 0.8 * real_p999 && syn_p999 <= 1.2 * real_p999);
    assert_true(perfect < syn.ng / 2); /* not all perfect */
    assert_true(m.fmr100 < 0.5);       /* not mostly failing at FMR 1 % */
    assert_true(m.eer > 0.003 && m.eer < 0.08);
    assert_true(syn_mean >= 26.4 && syn_mean <= 40.7);
    free(real.genuine);
    free(real.impostor);
    free(syn.genuine);
    free(syn.impostor);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_impostor_distribution_matches_real),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
