/* Normalisation: removes the local brightness and contrast of the print so that faint,
 * dark and unevenly pressed areas look alike to the later steps.
 *
 * norm = (local mean - grey) / local standard deviation, with the mean and deviation of
 * the 3x3-cell window (fpx_segment) interpolated bilinearly between cell centres. Ridges
 * (dark) become positive, valleys negative, with about unit variance. */
#include "fp_extract_internal.h"

/* Smallest deviation divided by, so that flat areas are not blown up into noise. */
#define NORM_MIN_STD 4.0f
/* Values are clipped to this many deviations (specks, dust). */
#define NORM_CLIP 2.5f

ktpel_err fpx_normalise(fpx_ctx *c, ktpel_errbuf *eb)
{
    (void)eb;
    int bw = c->bw, bh = c->bh;
    for (int y = 0; y < c->h; y++) {
        float gy = (float)y / FPX_CELL - 0.5f;
        gy = gy < 0 ? 0 : gy > bh - 1 ? (float)(bh - 1) : gy;
        int j0 = (int)gy, j1 = j0 + 1 < bh ? j0 + 1 : j0;
        float fy = gy - j0;
        const float *in = c->img + (size_t)y * (size_t)c->w;
        float *out = c->norm + (size_t)y * (size_t)c->w;
        for (int x = 0; x < c->w; x++) {
            float gx = (float)x / FPX_CELL - 0.5f;
            gx = gx < 0 ? 0 : gx > bw - 1 ? (float)(bw - 1) : gx;
            int i0 = (int)gx, i1 = i0 + 1 < bw ? i0 + 1 : i0;
            float fx = gx - i0;
            int a = j0 * bw + i0, b = j0 * bw + i1, d = j1 * bw + i0, e = j1 * bw + i1;
            float mean = (c->cell_mean[a] * (1 - fx) + c->cell_mean[b] * fx) * (1 - fy) +
                         (c->cell_mean[d] * (1 - fx) + c->cell_mean[e] * fx) * fy;
            float sd = (c->cell_std[a] * (1 - fx) + c->cell_std[b] * fx) * (1 - fy) +
                       (c->cell_std[d] * (1 - fx) + c->cell_std[e] * fx) * fy;
            if (sd < NORM_MIN_STD)
                sd = NORM_MIN_STD;
            float v = (mean - in[x]) / sd;
            out[x] = v > NORM_CLIP ? NORM_CLIP : v < -NORM_CLIP ? -NORM_CLIP : v;
        }
    }
    return KTPEL_OK;
}
