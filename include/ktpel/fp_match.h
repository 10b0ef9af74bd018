/* Fingerprint comparison: compact ready-to-compare templates and a similarity score.
 *
 * A compact template is built once from minutiae (an ISO 19794-2 view or the extractor's
 * output) and never parsed again: comparing two of them only reads precomputed tables.
 * Coordinates are normalised to 500 dpi, so templates of different resolutions compare.
 *
 * Method (match/fp_mcc.c): Minutia Cylinder-Code local descriptors (Cappelli, Ferrara,
 * Maltoni, "Minutia Cylinder-Code: a new representation and matching technique for
 * fingerprint recognition", IEEE TPAMI 32(12), 2010) in bit-vector form, compared with
 * popcount; a greedy one-to-one choice of the most similar cylinder pairs; relaxation of
 * their similarities by the geometric agreement (distances, relative directions, radial
 * angles) of every two chosen pairs (LSS-R); the score is the mean relaxed similarity of
 * the pairs that kept most of theirs. Cylinders are rotation and translation invariant and
 * every pair of minutiae is compared, so impressions compare at any rotation; tolerances in
 * the descriptors and in the relaxation absorb skin distortion, and local descriptors need
 * only the overlapping part of two impressions.
 *
 * Template size: a header, 256 bytes per minutia (cylinder) and 12 bytes per minutia
 * (position, direction, bit count): about 8.7 KB for 32 minutiae.
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

/* ktpel_fp_compare with a cheap early exit for a first stage: when the mean of the best
 * local similarities before relaxation (the MCC paper's LSS score) is below min_lss, returns
 * 0 without the relaxation (about 40 % of the cost). Otherwise exactly ktpel_fp_compare's
 * score. min_lss <= 0: never exits early. KTPEL_FP_LSS_GATE is the median LSS of impostor
 * pairs of the FVC2002 DB1-DB4 ISO templates (0.413; synthetic fingers: 0.416): half of
 * unrelated fingers exit early; about 1 % of the pairs that score above the FMR 1 % threshold
 * exit too (measured on the same templates), so callers must not treat 0 as evidence against
 * a pair on its own (docs/dedup.md). */
#define KTPEL_FP_LSS_GATE 0.41f
float ktpel_fp_compare_gated(const ktpel_fp_compact *a, const ktpel_fp_compact *b, float min_lss,
                             ktpel_fp_workspace *ws);

/* Decision threshold (match when score >= threshold) for a target false match rate, from
 * the calibration table in match/fp_calibration.c (impostor scores measured on the ISO
 * templates of FVC2002 DB1-DB4; see there). fmr is clamped to the table's range
 * (1e-6 .. 1e-1; below 5e-5 the table is extrapolated). */
float ktpel_fp_threshold_for_fmr(double fmr);

/* The false match rate the calibration table predicts at a score threshold. */
double ktpel_fp_fmr_for_threshold(float threshold);

/* ---- serialised compact templates (match/fp_compact_io.c) -------------------------------
 *
 * For storage and for 1:N search straight from a memory map: a compact template written as
 * one position-independent block that can be compared where it lies, with no parsing and no
 * allocation. Layout (integers little-endian; floats IEEE 754 binary32 little-endian):
 *
 *   offset  size  field
 *   0       4     magic "KFPC"
 *   4       2     version, 1
 *   6       2     64-bit words per cylinder bit vector (24; guards against another build)
 *   8       4     total size in bytes, a multiple of 64
 *   12      4     minutiae given (count), 0..255
 *   16      4     minutiae kept with a valid cylinder (n), 0..count
 *   20      4     common valid cells needed to compare two cylinders
 *   24      40    zero
 *   64      ...   the arrays, each starting at a multiple of 64: n cylinders of 256 bytes
 *                 (bits, validity mask, padding), then x[n] and y[n] (float, 500 dpi, y
 *                 up), angle[n] (ISO units), ones[n] (uint16, bits set per cylinder).
 *
 * The block must lie at an address that is a multiple of KTPEL_FP_COMPACT_ALIGN to be
 * compared in place. */
#define KTPEL_FP_COMPACT_ALIGN   64
#define KTPEL_FP_COMPACT_VERSION 1

/* Size of the serialised block of c (0 if c is NULL). */
size_t ktpel_fp_compact_serialised_size(const ktpel_fp_compact *c);

/* Writes c into buf (size bytes, at least ktpel_fp_compact_serialised_size(c); any
 * alignment). KTPEL_ETOOBIG if size is too small. */
ktpel_err ktpel_fp_compact_serialise(const ktpel_fp_compact *c, void *buf, size_t size,
                                     ktpel_errbuf *eb);

/* Checks a serialised block fully (header, sizes, bit counts, finite coordinates), so that
 * it is safe to compare; *used (may be NULL) receives its total size, which may be less
 * than size. buf may have any alignment. KTPEL_EFORMAT, KTPEL_ETRUNCATED or
 * KTPEL_EUNSUPPORTED name the problem. */
ktpel_err ktpel_fp_compact_check_serialised(const void *buf, size_t size, size_t *used,
                                            ktpel_errbuf *eb);

/* Checks a serialised block and copies it into a new compact template (free it with
 * ktpel_fp_compact_free). */
ktpel_err ktpel_fp_compact_deserialise(const void *buf, size_t size, ktpel_fp_compact **out,
                                       ktpel_errbuf *eb);

/* ktpel_fp_compare(a, b) where b is a serialised block compared in place: O(1) set-up, no
 * allocation. b must have passed ktpel_fp_compact_check_serialised (when it was stored) and
 * lie at a multiple of KTPEL_FP_COMPACT_ALIGN; a misaligned block or a wrong magic gives 0.
 * Gives exactly the score of ktpel_fp_compare on the deserialised template. */
float ktpel_fp_compare_serialised(const ktpel_fp_compact *a, const void *b, ktpel_fp_workspace *ws);
/* ktpel_fp_compare_gated with b serialised, compared in place. */
float ktpel_fp_compare_serialised_gated(const ktpel_fp_compact *a, const void *b, float min_lss,
                                        ktpel_fp_workspace *ws);

#ifdef __cplusplus
}
#endif

#endif
