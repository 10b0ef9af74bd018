/* Reading the coarse cell fields (orientation, period, mask) at a pixel position. */
#include <math.h>

#include "fp_extract_internal.h"

/* Bilinear interpolation position on the cell grid: the four cells around (x, y) and the
 * weights of the right and lower ones. */
typedef struct cell_pos {
    int i0, j0, i1, j1;
    float fx, fy;
} cell_pos;

static cell_pos locate(const fpx_ctx *c, float x, float y)
{
    cell_pos p;
    float gx = x / FPX_CELL - 0.5f, gy = y / FPX_CELL - 0.5f;
    if (gx < 0)
        gx = 0;
    if (gy < 0)
        gy = 0;
    if (gx > c->bw - 1)
        gx = (float)(c->bw - 1);
    if (gy > c->bh - 1)
        gy = (float)(c->bh - 1);
    p.i0 = (int)gx;
    p.j0 = (int)gy;
    p.i1 = p.i0 + 1 < c->bw ? p.i0 + 1 : p.i0;
    p.j1 = p.j0 + 1 < c->bh ? p.j0 + 1 : p.j0;
    p.fx = gx - p.i0;
    p.fy = gy - p.j0;
    return p;
}

static float bilinear(const fpx_ctx *c, const float *f, cell_pos p)
{
    float a = f[p.j0 * c->bw + p.i0], b = f[p.j0 * c->bw + p.i1];
    float d = f[p.j1 * c->bw + p.i0], e = f[p.j1 * c->bw + p.i1];
    return (a * (1 - p.fx) + b * p.fx) * (1 - p.fy) + (d * (1 - p.fx) + e * p.fx) * p.fy;
}

void fpx_orientation_vec_at(const fpx_ctx *c, float x, float y, float *c2, float *s2)
{
    cell_pos p = locate(c, x, y);
    *c2 = bilinear(c, c->cell_cos2, p);
    *s2 = bilinear(c, c->cell_sin2, p);
}

float fpx_orientation_at(const fpx_ctx *c, float x, float y)
{
    float c2, s2;
    fpx_orientation_vec_at(c, x, y, &c2, &s2);
    return 0.5f * atan2f(s2, c2);
}

float fpx_period_at(const fpx_ctx *c, float x, float y)
{
    return bilinear(c, c->cell_period, locate(c, x, y));
}

int fpx_mask_at(const fpx_ctx *c, int x, int y)
{
    if (x < 0 || y < 0 || x >= c->w || y >= c->h)
        return 0;
    return c->cell_mask[(y / FPX_CELL) * c->bw + x / FPX_CELL];
}

float fpx_border_distance(const fpx_ctx *c, float x, float y, float limit)
{
    float best = limit;
    float edge = fminf(fminf(x, y), fminf(c->w - 1 - x, c->h - 1 - y));
    if (edge < best)
        best = edge;
    int r = (int)(limit / FPX_CELL) + 1;
    int ci = (int)(x / FPX_CELL), cj = (int)(y / FPX_CELL);
    for (int j = cj - r; j <= cj + r; j++)
        for (int i = ci - r; i <= ci + r; i++) {
            if (i >= 0 && j >= 0 && i < c->bw && j < c->bh && c->cell_mask[j * c->bw + i])
                continue;
            /* distance from the point to the nearest point of the background cell */
            float x0 = (float)(i * FPX_CELL), y0 = (float)(j * FPX_CELL);
            float dx = x < x0 ? x0 - x : x > x0 + FPX_CELL ? x - x0 - FPX_CELL : 0;
            float dy = y < y0 ? y0 - y : y > y0 + FPX_CELL ? y - y0 - FPX_CELL : 0;
            float d = sqrtf(dx * dx + dy * dy);
            if (d < best)
                best = d;
        }
    return best;
}
