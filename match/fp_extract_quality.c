/* Quality: of the whole image (0..100) and of each minutia (1..100).
 *
 * Image quality = 100 * sqrt(area) * clarity, where
 *   area    = foreground area / QUAL_FULL_AREA_MM2, capped at 1 (a print smaller than
 *             that holds fewer minutiae and overlaps less with a second impression);
 *   clarity = mean over foreground cells of the ridge clarity of fpx_frequency (how
 *             sinusoidal the ridges are after averaging along the orientation field, 0..1;
 *             it drops with smudges, dry breaks, scars and wrong orientations), divided by
 *             QUAL_GOOD_CLARITY and capped at 1.
 * Minutia quality = the clarity of the 3x3 cells around it, scaled the same way, halved
 * near the edge of the print (within 2 ridge periods) where ridges are least reliable. */
#include <math.h>

#include "fp_extract_internal.h"

#define QUAL_FULL_AREA_MM2 150.0f
#define QUAL_GOOD_CLARITY  0.7f

static float local_clarity(const fpx_ctx *c, float x, float y)
{
    int ci = (int)(x / FPX_CELL), cj = (int)(y / FPX_CELL), n = 0;
    float s = 0;
    for (int j = cj - 1; j <= cj + 1; j++)
        for (int i = ci - 1; i <= ci + 1; i++)
            if (i >= 0 && j >= 0 && i < c->bw && j < c->bh && c->cell_mask[j * c->bw + i]) {
                s += c->cell_clarity[j * c->bw + i];
                n++;
            }
    return n ? s / n : 0;
}

void fpx_quality(fpx_ctx *c)
{
    int fg = 0;
    double clar = 0;
    for (int k = 0; k < c->bw * c->bh; k++)
        if (c->cell_mask[k]) {
            fg++;
            clar += c->cell_clarity[k];
        }
    float mm_per_cell = FPX_CELL * 25.4f / FPX_DPI;
    float area = fg * mm_per_cell * mm_per_cell / QUAL_FULL_AREA_MM2;
    float clarity = fg ? (float)(clar / fg) / QUAL_GOOD_CLARITY : 0;
    area = area > 1 ? 1 : area;
    clarity = clarity > 1 ? 1 : clarity;
    c->quality = (int)lrintf(100.0f * sqrtf(area) * clarity);

    for (int i = 0; i < c->nmin; i++) {
        fpx_minutia *m = &c->min[i];
        float q = local_clarity(c, m->x, m->y) / QUAL_GOOD_CLARITY;
        float p = fpx_period_at(c, m->x, m->y);
        if (fpx_border_distance(c, m->x, m->y, 2 * p) < 2 * p)
            q *= 0.5f;
        q = q > 1 ? 1 : q;
        int qi = (int)lrintf(100 * q);
        m->quality = qi < 1 ? 1 : qi;
    }
}
