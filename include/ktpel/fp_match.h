/* Fingerprint comparison: compact ready-to-compare templates and a similarity score.
 *
 * A compact template is built once from minutiae (an ISO 19794-2 view or the extractor's
 * output) and never parsed again: comparing two of them only reads precomputed tables.
 * Coordinates are normalised to 500 dpi, so templates of different resolutions compare.
 *
 * Method (match/fp_mcc.c): Minutia Cylinder-Code local descriptors (Cappelli, Maio, Maltoni,
 * "Minutia Cylinder-Code: a new representation and matching technique for fingerprint
 * recognition", IEEE TPAMI 32(12), 2010), bit-vector form compared with popcount, local
 * similarity sort with relaxation (LSS-R) against the geometry of the best pairs, then a
 * global consolidation: the best pairs vote for an alignment and the score counts the
 * minutiae pairs that agree with it. Invariant to rotation and translation by
 * construction; tolerant of partial overlap and skin distortion through local descriptors
 * and distance tolerances.
 *
 * Thread-safe: templates are read-only once built; each thread passes its own workspace.
 */
#ifndef KTPEL_FP_MATCH_H
#define KTPEL_FP_MATCH_H

#include <stddef.h>

#include "ktpel/error.h"
#include "ktpel/fp_template.h"
#include "ktpel/minutiae.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Opaque, one contiguous allocation. */
typedef struct ktpel_fp_compact ktpel_fp_compact;
/* Opaque per-thread scratch memory for comparisons. */
typedef struct ktpel_fp_workspace ktpel_fp_workspace;

/* Builds a compact template from count minutiae (0..KTPEL_MAX_MINUTIAE) of an image of
 * width x height pixels at x_dpi x y_dpi (dots per inch, > 0). Minutiae outside the image
 * are an error (KTPEL_EINVAL). Few minutiae are no error: such a template matches nothing
 * well. */
ktpel_err ktpel_fp_compact_build(const ktpel_minutia *minutiae, int count, int width, int height,
                                 double x_dpi, double y_dpi, ktpel_fp_compact **out,
                                 ktpel_errbuf *eb);

/* Builds a compact template from finger view `view` (0-based) of an ISO record. */
ktpel_err ktpel_fp_compact_from_template(const ktpel_fp_template *t, int view,
                                         ktpel_fp_compact **out, ktpel_errbuf *eb);

void ktpel_fp_compact_free(ktpel_fp_compact *c);

/* Memory held by the compact template, in bytes (the whole allocation). */
size_t ktpel_fp_compact_size(const ktpel_fp_compact *c);

/* Minutiae in the template, and how many of them got a valid local descriptor. */
int ktpel_fp_compact_count(const ktpel_fp_compact *c);
int ktpel_fp_compact_descriptors(const ktpel_fp_compact *c);

ktpel_err ktpel_fp_workspace_new(ktpel_fp_workspace **out, ktpel_errbuf *eb);
void ktpel_fp_workspace_free(ktpel_fp_workspace *ws);

/* Similarity of two templates, 0 (nothing in common) .. 1. compare(a, b) and compare(b, a)
 * agree within 1e-4 except for ties in the ranking of pairs. Returns 0 if an argument is
 * NULL. */
float ktpel_fp_compare(const ktpel_fp_compact *a, const ktpel_fp_compact *b,
                       ktpel_fp_workspace *ws);

/* Decision threshold (match when score >= threshold) for a target false match rate, from
 * the calibration table in match/fp_calibration.c (impostor scores measured on the ISO
 * templates of FVC2002 DB1-DB4; see there). fmr is clamped to the table's range
 * (1e-5 .. 1e-1). */
float ktpel_fp_threshold_for_fmr(double fmr);

/* The false match rate the calibration table predicts at a score threshold. */
double ktpel_fp_fmr_for_threshold(float threshold);

#ifdef __cplusplus
}
#endif

#endif
