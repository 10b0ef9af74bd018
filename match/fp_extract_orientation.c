/* Orientation field: the local ridge direction, from image gradients.
 *
 * The gradient is perpendicular to the ridges. Its direction is only defined modulo pi, so
 * gradients are summed as doubled-angle vectors (the structure tensor: Gxx - Gyy, 2 Gxy),
 * first over a 3x3-cell window (24 px, about two ridge periods) per cell. The length of the
 * summed vector over the summed energy is the coherence (1 = perfectly parallel ridges,
 * 0 = no dominant direction). The coherence-weighted unit vectors are then smoothed with a
 * Gaussian over foreground cells, which bridges scars, creases and noisy patches while
 * keeping the field's turns near cores and deltas. */
#include <math.h>
#include <stdlib.h>

#include "fp_extract_internal.h"

#define ORI_SMOOTH_RADIUS 2
#define ORI_SMOOTH_SIGMA  1.25f

/* Per-cell sums of the gradient structure tensor (Sobel gradients). */
static void cell_tensors(const fpx_ctx *c, const float *src, float *txx, float *tyy, float *txy)
{
    int w = c->w, h = c->h, bw = c->bw;
    for (int y = 1; y < h - 1; y++) {
        const float *r0 = src + (size_t)(y - 1) * (size_t)w;
        const float *r1 = r0 + w, *r2 = r1 + w;
        int rowcell = (y / FPX_CELL) * bw;
        for (int x = 1; x < w - 1; x++) {
            float gx =
                (r0[x + 1] + 2 * r1[x + 1] + r2[x + 1]) - (r0[x - 1] + 2 * r1[x - 1] + r2[x - 1]);
            float gy = (r2[x - 1] + 2 * r2[x] + r2[x + 1]) - (r0[x - 1] + 2 * r0[x] + r0[x + 1]);
            int k = rowcell + x / FPX_CELL;
            txx[k] += gx * gx;
            tyy[k] += gy * gy;
            txy[k] += gx * gy;
        }
    }
}

/* Raw (unsmoothed) doubled ridge angle per cell, with length = coherence. */
static void raw_field(fpx_ctx *c, const float *txx, const float *tyy, const float *txy, float *rc,
                      float *rs)
{
    int bw = c->bw, bh = c->bh;
    for (int j = 0; j < bh; j++)
        for (int i = 0; i < bw; i++) {
            double xx = 0, yy = 0, xy = 0;
            for (int jj = j - 1; jj <= j + 1; jj++)
                for (int ii = i - 1; ii <= i + 1; ii++) {
                    if (ii < 0 || jj < 0 || ii >= bw || jj >= bh)
                        continue;
                    xx += txx[jj * bw + ii];
                    yy += tyy[jj * bw + ii];
                    xy += txy[jj * bw + ii];
                }
            int k = j * bw + i;
            double energy = xx + yy;
            if (energy <= 1e-6) {
                rc[k] = rs[k] = 0;
                c->cell_coh[k] = 0;
                continue;
            }
            /* ridge direction = gradient direction + pi/2: doubled angle flips sign */
            rc[k] = (float)((yy - xx) / energy);
            rs[k] = (float)(-2 * xy / energy);
            c->cell_coh[k] = sqrtf(rc[k] * rc[k] + rs[k] * rs[k]);
        }
}

/* Gaussian smoothing of the raw vectors over foreground cells, then unit length. */
static void smooth_field(fpx_ctx *c, const float *rc, const float *rs)
{
    int bw = c->bw, bh = c->bh, r = ORI_SMOOTH_RADIUS;
    float g[2 * ORI_SMOOTH_RADIUS + 1];
    for (int d = -r; d <= r; d++)
        g[d + r] = expf(-(float)(d * d) / (2 * ORI_SMOOTH_SIGMA * ORI_SMOOTH_SIGMA));
    for (int j = 0; j < bh; j++)
        for (int i = 0; i < bw; i++) {
            float sc = 0, ss = 0;
            for (int jj = j - r; jj <= j + r; jj++)
                for (int ii = i - r; ii <= i + r; ii++) {
                    if (ii < 0 || jj < 0 || ii >= bw || jj >= bh)
                        continue;
                    int q = jj * bw + ii;
                    if (!c->cell_mask[q])
                        continue;
                    float wgt = g[jj - j + r] * g[ii - i + r];
                    sc += wgt * rc[q];
                    ss += wgt * rs[q];
                }
            int k = j * bw + i;
            if (sc * sc + ss * ss < 1e-12f) { /* no foreground nearby: keep the raw value */
                sc = rc[k];
                ss = rs[k];
            }
            float len = sqrtf(sc * sc + ss * ss);
            c->cell_cos2[k] = len > 1e-9f ? sc / len : 1.0f;
            c->cell_sin2[k] = len > 1e-9f ? ss / len : 0.0f;
        }
}

ktpel_err fpx_orientation(fpx_ctx *c, const float *src, ktpel_errbuf *eb)
{
    size_t nb = (size_t)c->bw * (size_t)c->bh;
    float *buf = calloc(nb * 5, sizeof(float));
    if (!buf)
        return ktpel_fail(eb, KTPEL_ENOMEM, "fingerprint orientation: no memory");
    float *txx = buf, *tyy = buf + nb, *txy = buf + 2 * nb, *rc = buf + 3 * nb, *rs = buf + 4 * nb;
    cell_tensors(c, src, txx, tyy, txy);
    raw_field(c, txx, tyy, txy, rc, rs);
    smooth_field(c, rc, rs);
    free(buf);
    return KTPEL_OK;
}
