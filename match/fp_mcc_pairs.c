/* The minutia pairs behind a comparison (include/ktpel/fp_pairs.h). The score comes from
 * ktpel_fp_compare itself, so it cannot differ; the pairs are read from the workspace,
 * where the comparison leaves the chosen pairs (sel) and their relaxed similarities
 * (lambda). The ranking that picks the scored pairs repeats the one in fp_mcc.c. */
#include <string.h>

#include "ktpel/fp_pairs.h"

#include "fp_mcc_internal.h"

/* An index no template has (minutiae are 0..KTPEL_MAX_MINUTIAE - 1): marks unused slots, so
 * that the number of pairs chosen can be read back. */
#define UNUSED_INDEX 255

static int chosen_count(const ktpel_fp_workspace *ws)
{
    int nr = 0;
    while (nr < LSS_MAX_NR && ws->sel[nr].i != UNUSED_INDEX)
        nr++;
    return nr;
}

float ktpel_fp_compare_pairs(const ktpel_fp_compact *a, const ktpel_fp_compact *b,
                             ktpel_fp_workspace *ws, ktpel_fp_pair *pairs, int max, int *count)
{
    if (count)
        *count = 0;
    if (!a || !b || !ws)
        return 0.0f;
    for (int t = 0; t < LSS_MAX_NR; t++)
        ws->sel[t] = (mcc_candidate){0.0f, UNUSED_INDEX, UNUSED_INDEX};
    float score = ktpel_fp_compare(a, b, ws);
    if (a->n == 0 || b->n == 0)
        return score;
    int nr = chosen_count(ws);
    int nmin = a->n < b->n ? a->n : b->n;
    int np = ws->np_for_n[nmin] < nr ? ws->np_for_n[nmin] : nr;
    float eff[LSS_MAX_NR];
    for (int t = 0; t < nr; t++)
        eff[t] = ws->lambda[t] / ws->sel[t].sim;
    int written = 0;
    for (int t = 0; t < nr && written < max && pairs; t++) {
        int rank = 0;
        for (int k = 0; k < nr; k++)
            rank += eff[k] > eff[t] || (eff[k] == eff[t] && k < t);
        const mcc_candidate *c = &ws->sel[t];
        /* Templates store y up (negated); the pair is given y down, like the image. */
        pairs[written++] = (ktpel_fp_pair){a->x[c->i],  -a->y[c->i],   b->x[c->j],
                                           -b->y[c->j], ws->lambda[t], rank < np};
    }
    if (count)
        *count = written;
    return score;
}
