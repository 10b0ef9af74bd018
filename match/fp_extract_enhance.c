/* Contextual enhancement: an oriented Gabor filter tuned, at every pixel, to the local
 * ridge orientation and period (Hong, Wan and Jain, 1998).
 *
 * The even Gabor filter is a Gaussian along the ridge times a cosine-modulated Gaussian
 * across it, so in the rotated frame it separates into two 1-D filters. They are applied
 * along digital lines: first across the ridges (band-pass: Gaussian times cosine of the
 * local period, zero mean), then along the ridges (Gaussian smoothing). Each tap's weight
 * is computed from its exact distance along the line, so the integer pixel positions carry
 * no phase error. Kernels are built once per call for each (orientation, period) bin
 * that the image uses; a tile map (ENH_TILE px) holds each pixel's bin pair. The image is
 * padded with zeros (the normalised image's mean) so the inner loops have no bounds
 * checks. The band-pass kernel is scaled to gain 1 on a sinusoid of the tuned period, so
 * the output is in units of the normalised image. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fp_extract_internal.h"

#define ENH_ORI_BINS     32
#define ENH_PERIOD_STEP  0.5f
#define ENH_PERIOD_BINS  24 /* (FPX_PERIOD_MAX - FPX_PERIOD_MIN) / ENH_PERIOD_STEP + 1 */
#define ENH_SIGMA_ACROSS 0.22f
#define ENH_SIGMA_ALONG  0.55f
#define ENH_EXTENT       2.5f /* kernels reach this many sigmas */
#define ENH_PAD          24   /* >= ENH_EXTENT * sigma * sqrt(2) for the longest period */
#define ENH_MAX_TAPS     72
#define ENH_TILE         4
#define ENH_ALONG_STEP   2 /* the along-ridge Gaussian is wide: every other pixel will do */

typedef struct line_kernel {
    int count; /* 0 = not built */
    int off[ENH_MAX_TAPS];
    float w[ENH_MAX_TAPS];
} line_kernel;

typedef struct enh_tables {
    line_kernel across[ENH_ORI_BINS][ENH_PERIOD_BINS];
    line_kernel along[ENH_ORI_BINS][ENH_PERIOD_BINS];
} enh_tables;

static float bin_period(int p)
{
    return FPX_PERIOD_MIN + p * ENH_PERIOD_STEP;
}

/* Taps of the digital line through the origin with direction (ux, uy), within distance
 * reach: offsets into a buffer of the given stride, and signed distances along the line. */
static int line_taps(float ux, float uy, float reach, int step, int stride, int *off, float *dist)
{
    int n = 0, steps = ((int)ceilf(reach) + 1) / step * step;
    int x_major = fabsf(ux) >= fabsf(uy);
    for (int m = -steps; m <= steps && n < ENH_MAX_TAPS; m += step) {
        int dx = x_major ? m : (int)lrintf(m * ux / uy);
        int dy = x_major ? (int)lrintf(m * uy / ux) : m;
        float d = dx * ux + dy * uy;
        if (fabsf(d) > reach)
            continue;
        off[n] = dy * stride + dx;
        dist[n] = d;
        n++;
    }
    return n;
}

static void build_across(line_kernel *k, int o, int p, int stride)
{
    float theta = (o + 0.5f) * (float)FPX_PI / ENH_ORI_BINS - (float)FPX_PI / 2;
    float period = bin_period(p), sigma = ENH_SIGMA_ACROSS * period;
    float nx = -sinf(theta), ny = cosf(theta), dist[ENH_MAX_TAPS], g[ENH_MAX_TAPS];
    k->count = line_taps(nx, ny, ENH_EXTENT * sigma, 1, stride, k->off, dist);
    float sw = 0, sg = 0;
    for (int t = 0; t < k->count; t++) {
        g[t] = expf(-dist[t] * dist[t] / (2 * sigma * sigma));
        k->w[t] = g[t] * cosf(2 * (float)FPX_PI * dist[t] / period);
        sw += k->w[t];
        sg += g[t];
    }
    float gain = 0; /* remove the DC with a Gaussian-shaped correction, then unit gain */
    for (int t = 0; t < k->count; t++) {
        k->w[t] -= g[t] * sw / sg;
        gain += k->w[t] * cosf(2 * (float)FPX_PI * dist[t] / period);
    }
    for (int t = 0; t < k->count; t++)
        k->w[t] /= gain;
}

static void build_along(line_kernel *k, int o, int p, int stride)
{
    float theta = (o + 0.5f) * (float)FPX_PI / ENH_ORI_BINS - (float)FPX_PI / 2;
    float sigma = ENH_SIGMA_ALONG * bin_period(p), dist[ENH_MAX_TAPS], sum = 0;
    k->count = line_taps(cosf(theta), sinf(theta), ENH_EXTENT * sigma, ENH_ALONG_STEP, stride,
                         k->off, dist);
    for (int t = 0; t < k->count; t++) {
        k->w[t] = expf(-dist[t] * dist[t] / (2 * sigma * sigma));
        sum += k->w[t];
    }
    for (int t = 0; t < k->count; t++)
        k->w[t] /= sum;
}

/* Orientation and period bin of each tile, from the cell fields. */
static void tile_bins(const fpx_ctx *c, int tw, int th, uint8_t *obin, uint8_t *pbin)
{
    for (int ty = 0; ty < th; ty++)
        for (int tx = 0; tx < tw; tx++) {
            float x = (tx + 0.5f) * ENH_TILE, y = (ty + 0.5f) * ENH_TILE;
            float theta = fpx_orientation_at(c, x, y); /* -pi/2 .. pi/2 */
            int o = (int)floorf((theta + (float)FPX_PI / 2) / (float)FPX_PI * ENH_ORI_BINS);
            o = (o % ENH_ORI_BINS + ENH_ORI_BINS) % ENH_ORI_BINS;
            int p = (int)lrintf((fpx_period_at(c, x, y) - FPX_PERIOD_MIN) / ENH_PERIOD_STEP);
            p = p < 0 ? 0 : p >= ENH_PERIOD_BINS ? ENH_PERIOD_BINS - 1 : p;
            obin[ty * tw + tx] = (uint8_t)o;
            pbin[ty * tw + tx] = (uint8_t)p;
        }
}

/* 1 for tiles that need the filter: near a foreground cell (the along-ridge pass of a
 * foreground pixel reads band-passed values up to ENH_PAD pixels away). */
static int tile_active(const fpx_ctx *c, int tx, int ty, int reach_cells)
{
    int ci = tx * ENH_TILE / FPX_CELL, cj = ty * ENH_TILE / FPX_CELL;
    for (int j = cj - reach_cells; j <= cj + reach_cells; j++)
        for (int i = ci - reach_cells; i <= ci + reach_cells; i++)
            if (i >= 0 && j >= 0 && i < c->bw && j < c->bh && c->cell_mask[j * c->bw + i])
                return 1;
    return 0;
}

/* Applies, per tile, kernels[tile's bins] to src (padded) into dst (padded). */
static void filter_pass(const fpx_ctx *c, line_kernel (*kernels)[ENH_PERIOD_BINS],
                        const uint8_t *obin, const uint8_t *pbin, const uint8_t *active, int tw,
                        const float *src, float *dst, int stride)
{
    for (int y = 0; y < c->h; y++) {
        int ty = y / ENH_TILE;
        for (int x0 = 0; x0 < c->w; x0 += ENH_TILE) {
            int t = ty * tw + x0 / ENH_TILE;
            if (!active[t])
                continue;
            const line_kernel *k = &kernels[obin[t]][pbin[t]];
            int x1 = x0 + ENH_TILE < c->w ? x0 + ENH_TILE : c->w;
            for (int x = x0; x < x1; x++) {
                size_t at = (size_t)(y + ENH_PAD) * (size_t)stride + (size_t)(x + ENH_PAD);
                const float *s = src + at;
                float acc = 0;
                for (int i = 0; i < k->count; i++)
                    acc += k->w[i] * s[k->off[i]];
                dst[at] = acc;
            }
        }
    }
}

ktpel_err fpx_enhance(fpx_ctx *c, ktpel_errbuf *eb)
{
    int stride = c->w + 2 * ENH_PAD, ph = c->h + 2 * ENH_PAD;
    int tw = (c->w + ENH_TILE - 1) / ENH_TILE, th = (c->h + ENH_TILE - 1) / ENH_TILE;
    size_t np = (size_t)stride * (size_t)ph, nt = (size_t)tw * (size_t)th;
    float *pad = calloc(np, sizeof(float)), *mid = calloc(np, sizeof(float));
    float *out = calloc(np, sizeof(float));
    uint8_t *tiles = malloc(nt * 4);
    enh_tables *tab = calloc(1, sizeof *tab);
    if (!pad || !mid || !out || !tiles || !tab) {
        free(pad);
        free(mid);
        free(out);
        free(tiles);
        free(tab);
        return ktpel_fail(eb, KTPEL_ENOMEM, "fingerprint enhancement: no memory");
    }
    uint8_t *obin = tiles, *pbin = tiles + nt, *act_mid = tiles + 2 * nt, *act_out = tiles + 3 * nt;
    for (int y = 0; y < c->h; y++)
        memcpy(pad + (size_t)(y + ENH_PAD) * (size_t)stride + ENH_PAD,
               c->norm + (size_t)y * (size_t)c->w, (size_t)c->w * sizeof(float));
    tile_bins(c, tw, th, obin, pbin);
    int reach = (ENH_PAD + FPX_CELL - 1) / FPX_CELL;
    for (int ty = 0; ty < th; ty++)
        for (int tx = 0; tx < tw; tx++) {
            size_t t = (size_t)ty * (size_t)tw + (size_t)tx;
            act_mid[t] = (uint8_t)tile_active(c, tx, ty, reach);
            act_out[t] = (uint8_t)tile_active(c, tx, ty, 0);
            line_kernel *ka = &tab->across[obin[t]][pbin[t]];
            line_kernel *kb = &tab->along[obin[t]][pbin[t]];
            if (act_mid[t] && !ka->count) {
                build_across(ka, obin[t], pbin[t], stride);
                build_along(kb, obin[t], pbin[t], stride);
            }
        }
    filter_pass(c, tab->across, obin, pbin, act_mid, tw, pad, mid, stride);
    filter_pass(c, tab->along, obin, pbin, act_out, tw, mid, out, stride);
    for (int y = 0; y < c->h; y++) {
        const float *row = out + (size_t)(y + ENH_PAD) * (size_t)stride + ENH_PAD;
        float *dst = c->enh + (size_t)y * (size_t)c->w;
        for (int x = 0; x < c->w; x++)
            dst[x] = fpx_mask_at(c, x, y) ? row[x] : 0.0f;
    }
    free(pad);
    free(mid);
    free(out);
    free(tiles);
    free(tab);
    return KTPEL_OK;
}
