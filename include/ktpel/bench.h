/* Verification benchmark figures, shared by the biometric engines (fingerprint, iris):
 * error rates from genuine and impostor score lists, and the DET curve as an image.
 *
 * Convention: a higher score means more similar; a comparison is accepted when its score is
 * at or above the threshold. FMR(t) = share of impostor scores >= t, FNMR(t) = share of
 * genuine scores < t.
 */
#ifndef KTPEL_BENCH_H
#define KTPEL_BENCH_H

#include <stddef.h>

#include "ktpel/error.h"
#include "ktpel/image.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ktpel_bench_metrics {
    size_t genuine, impostor; /* numbers of scores */
    /* Equal error rate as defined by the FVC competitions (Maio et al., "FVC2000:
     * fingerprint verification competition", IEEE TPAMI 24(3), 2002): with t1 the highest
     * threshold where FNMR <= FMR and t2 the lowest where FNMR >= FMR, the EER is the mean of
     * FMR and FNMR at t1 or at t2, whichever pair has the smaller sum. */
    double eer;
    double eer_threshold; /* t1 or t2 above */
    double fmr100;        /* lowest FNMR with FMR <= 1 % */
    double fmr1000;       /* lowest FNMR with FMR <= 0.1 % */
    double zero_fmr;      /* lowest FNMR with FMR = 0 */
    double fmr100_threshold, fmr1000_threshold, zero_fmr_threshold;
} ktpel_bench_metrics;

/* Computes the figures (all rates as fractions 0..1). Needs at least one score of each
 * kind (KTPEL_EINVAL otherwise); NaN scores are KTPEL_EINVAL. */
ktpel_err ktpel_bench_metrics_compute(const double *genuine, size_t genuine_count,
                                      const double *impostor, size_t impostor_count,
                                      ktpel_bench_metrics *out, ktpel_errbuf *eb);

/* FMR and FNMR at one threshold. */
void ktpel_bench_rates_at(const double *genuine, size_t genuine_count, const double *impostor,
                          size_t impostor_count, double threshold, double *fmr, double *fnmr);

/* Draws the DET curve (FNMR against FMR on normal-deviate axes from 0.01 % to 50 %, with
 * grid lines and labels at 0.01, 0.1, 1, 10 and 50 %, and the EER diagonal) into a new RGB
 * image of width x height pixels (at least 200 x 200). */
ktpel_err ktpel_bench_det_draw(const double *genuine, size_t genuine_count, const double *impostor,
                               size_t impostor_count, int width, int height, ktpel_image *out,
                               ktpel_errbuf *eb);

/* Draws the DET curve at 640 x 640 and writes it (format from the file name, e.g. PNG). */
ktpel_err ktpel_bench_det_write(const char *path, const double *genuine, size_t genuine_count,
                                const double *impostor, size_t impostor_count, ktpel_errbuf *eb);

#ifdef __cplusplus
}
#endif

#endif
