/* 1:1 fingerprint verification: does a live capture come from the finger of a reference
 * template (the card's chip), at a chosen false match rate? (match/verify_1to1.c)
 *
 * The score is ktpel_fp_compare's; the decision threshold comes from the calibration table
 * (ktpel_fp_threshold_for_fmr): at fmr = 1e-4, one impostor comparison in 10,000 is expected
 * to pass. Thread-safe; no global state.
 */
#ifndef KTPEL_FP_VERIFY_H
#define KTPEL_FP_VERIFY_H

#include <stdbool.h>

#include "ktpel/error.h"
#include "ktpel/fp_extract.h"
#include "ktpel/fp_template.h"
#include "ktpel/image.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The desk's default false match rate: 1 in 10,000. */
#define KTPEL_FP_VERIFY_DEFAULT_FMR 1e-4

typedef struct ktpel_fp_verify_result {
    float score;     /* 0..1 */
    float threshold; /* for the fmr asked */
    bool match;      /* score >= threshold */
    int probe_minutiae;
    int probe_quality; /* ktpel_fp_extract's, 0..100; -1 when the probe came as minutiae */
} ktpel_fp_verify_result;

/* Compares probe features (ktpel_fp_extract's output) with view `view` of reference at the
 * threshold for fmr (1e-6..1e-1). KTPEL_EINVAL for bad arguments. */
ktpel_err ktpel_fp_verify_features(const ktpel_fp_template *reference, int view,
                                   const ktpel_fp_features *probe, double fmr,
                                   ktpel_fp_verify_result *out, ktpel_errbuf *eb);

/* Extracts a grey finger image and compares it as above. */
ktpel_err ktpel_fp_verify_image(const ktpel_fp_template *reference, int view,
                                const ktpel_image *grey, double fmr, ktpel_fp_verify_result *out,
                                ktpel_errbuf *eb);

#ifdef __cplusplus
}
#endif

#endif
