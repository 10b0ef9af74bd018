/* Which minutiae a fingerprint comparison paired: for showing a comparison to a person
 * (the adjudication report), not for deciding. The score is exactly ktpel_fp_compare's.
 */
#ifndef KTPEL_FP_PAIRS_H
#define KTPEL_FP_PAIRS_H

#include "ktpel/fp_match.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Most pairs a comparison keeps (the relaxation step's limit). */
#define KTPEL_FP_MAX_PAIRS 20

/* One pair of minutiae that the comparison chose. Positions are in the compact template's
 * normalised space: pixels at 500 dpi from the image's top-left corner, y down (multiply by
 * dpi / 500 for the image's own pixels). */
typedef struct ktpel_fp_pair {
    float ax, ay, bx, by; /* the minutia in a and the one in b */
    float similarity;     /* local similarity after relaxation, 0..1 */
    int scored;           /* 1 if the pair is one of those whose mean is the score */
} ktpel_fp_pair;

/* ktpel_fp_compare(a, b, ws), and the pairs it chose (best local similarity first), up to
 * max of them into pairs (may be NULL when max is 0); *count (may be NULL) gets how many
 * were written. Returns 0 (and *count 0) if an argument is NULL. */
float ktpel_fp_compare_pairs(const ktpel_fp_compact *a, const ktpel_fp_compact *b,
                             ktpel_fp_workspace *ws, ktpel_fp_pair *pairs, int max, int *count);

#ifdef __cplusplus
}
#endif

#endif
