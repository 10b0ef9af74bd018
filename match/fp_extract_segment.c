/* Segmentation: which cells hold the print (foreground) and which the empty sensor.
 *
 * A cell is foreground when the grey-level standard deviation over a 2x2-cell window
 * around it (16 px, about two ridge periods) is high: ridges alternate dark and light, the empty
 * sensor is flat or shows low-contrast sensor noise. The threshold is relative to the
 * contrast of the image's best-contrast cells (so faint and dark prints are treated alike)
 * with an absolute floor (so a blank image has no foreground). The raw map is then cleaned
 * by morphology on the cell grid: closing, hole filling, opening, small-island removal.
 * The mask is refined later by fpx_frequency (cells without any ridge structure). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fp_extract_internal.h"

/* Absolute floor of the window standard deviation, grey levels. */
#define SEG_MIN_STD 8.0f
/* Fraction of the high-contrast reference (80th percentile of cell std). */
/* Cells peeled off the raw mask: a cell whose window only grazes the print passes the
 * contrast test, so the raw mask reaches about half a window beyond the print. */
#define SEG_SHRINK  0
#define SEG_REL_STD 0.35f

/* Integral images of grey and grey^2, (w+1) x (h+1). */
static void integrals(const fpx_ctx *c, double *s1, double *s2)
{
    int w = c->w, W = w + 1;
    for (int x = 0; x <= w; x++)
        s1[x] = s2[x] = 0;
    for (int y = 0; y < c->h; y++) {
        double r1 = 0, r2 = 0;
        const float *row = c->img + (size_t)y * (size_t)w;
        s1[(size_t)(y + 1) * W] = s2[(size_t)(y + 1) * W] = 0;
        for (int x = 0; x < w; x++) {
            r1 += row[x];
            r2 += (double)row[x] * row[x];
            s1[(size_t)(y + 1) * W + x + 1] = s1[(size_t)y * W + x + 1] + r1;
            s2[(size_t)(y + 1) * W + x + 1] = s2[(size_t)y * W + x + 1] + r2;
        }
    }
}

/* Mean and standard deviation of the window of half-size r around cell (i, j)'s centre. */
static void window_stats(const fpx_ctx *c, const double *s1, const double *s2, int i, int j, int r,
                         float *mean, float *sd)
{
    int W = c->w + 1, cx = i * FPX_CELL + FPX_CELL / 2, cy = j * FPX_CELL + FPX_CELL / 2;
    int x0 = cx - r < 0 ? 0 : cx - r, x1 = cx + r > c->w ? c->w : cx + r;
    int y0 = cy - r < 0 ? 0 : cy - r, y1 = cy + r > c->h ? c->h : cy + r;
    double n = (double)(x1 - x0) * (y1 - y0);
    double a = s1[(size_t)y1 * W + x1] - s1[(size_t)y0 * W + x1] - s1[(size_t)y1 * W + x0] +
               s1[(size_t)y0 * W + x0];
    double b = s2[(size_t)y1 * W + x1] - s2[(size_t)y0 * W + x1] - s2[(size_t)y1 * W + x0] +
               s2[(size_t)y0 * W + x0];
    double m = a / n, var = b / n - m * m;
    *mean = (float)m;
    *sd = var > 0 ? (float)sqrt(var) : 0.0f;
}

/* Normalisation statistics (3x3-cell window) into cell_mean/cell_std, and the segmentation
 * contrast (2x2-cell window, sharper at the print's edge) into seg_std. */
static int cell_statistics(fpx_ctx *c, float *seg_std)
{
    size_t n1 = (size_t)(c->w + 1) * (size_t)(c->h + 1);
    double *s1 = malloc(n1 * sizeof(double)), *s2 = malloc(n1 * sizeof(double));
    if (!s1 || !s2) {
        free(s1);
        free(s2);
        return 0;
    }
    integrals(c, s1, s2);
    for (int j = 0; j < c->bh; j++)
        for (int i = 0; i < c->bw; i++) {
            int k = j * c->bw + i;
            float m;
            window_stats(c, s1, s2, i, j, 3 * FPX_CELL / 2, &c->cell_mean[k], &c->cell_std[k]);
            window_stats(c, s1, s2, i, j, FPX_CELL, &m, &seg_std[k]);
        }
    free(s1);
    free(s2);
    return 1;
}

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

static float percentile(const float *v, size_t n, float *scratch, double q)
{
    memcpy(scratch, v, n * sizeof(float));
    qsort(scratch, n, sizeof(float), cmp_float);
    size_t k = (size_t)(q * (double)(n - 1));
    return scratch[k];
}

/* One step of binary morphology with a 3x3 square: dilate or erode. Cells outside the grid
 * are ignored, so a print that touches the image edge is not eaten from there. */
static void morph(const uint8_t *in, uint8_t *out, int bw, int bh, int dilate)
{
    for (int j = 0; j < bh; j++)
        for (int i = 0; i < bw; i++) {
            int any = 0, all = 1;
            for (int jj = j - 1; jj <= j + 1; jj++)
                for (int ii = i - 1; ii <= i + 1; ii++) {
                    if (ii < 0 || jj < 0 || ii >= bw || jj >= bh)
                        continue;
                    int v = in[jj * bw + ii];
                    any |= v;
                    all &= v;
                }
            out[j * bw + i] = (uint8_t)(dilate ? any : all);
        }
}

/* Labels 4-connected components of cells equal to value; returns the count and fills
 * label (0 = other value) and sizes (indexed by label, size up to nb + 1). */
static int components(const uint8_t *m, int bw, int bh, uint8_t value, int *label, int *sizes,
                      int *stack)
{
    int n = 0;
    size_t nb = (size_t)bw * (size_t)bh;
    for (size_t k = 0; k < nb; k++)
        label[k] = 0;
    for (size_t k = 0; k < nb; k++) {
        if (m[k] != value || label[k])
            continue;
        n++;
        sizes[n] = 0;
        int top = 0;
        stack[top++] = (int)k;
        label[k] = n;
        while (top) {
            int p = stack[--top], i = p % bw, j = p / bw;
            sizes[n]++;
            const int di[4] = {1, -1, 0, 0}, dj[4] = {0, 0, 1, -1};
            for (int d = 0; d < 4; d++) {
                int ii = i + di[d], jj = j + dj[d];
                if (ii < 0 || jj < 0 || ii >= bw || jj >= bh)
                    continue;
                int q = jj * bw + ii;
                if (m[q] == value && !label[q]) {
                    label[q] = n;
                    stack[top++] = q;
                }
            }
        }
    }
    return n;
}

/* Background components that do not touch the grid edge are holes: fill them. Foreground
 * components much smaller than the largest are noise: drop them. */
static void fill_and_prune(uint8_t *m, int bw, int bh, int *label, int *sizes, int *stack)
{
    int n = components(m, bw, bh, 0, label, sizes, stack);
    uint8_t *edge = calloc((size_t)n + 1, 1);
    if (!edge)
        return;
    for (int j = 0; j < bh; j++)
        for (int i = 0; i < bw; i++)
            if (i == 0 || j == 0 || i == bw - 1 || j == bh - 1)
                edge[label[j * bw + i]] = 1;
    for (int k = 0; k < bw * bh; k++)
        if (!m[k] && !edge[label[k]])
            m[k] = 1;
    free(edge);

    n = components(m, bw, bh, 1, label, sizes, stack);
    int largest = 0;
    for (int l = 1; l <= n; l++)
        if (sizes[l] > largest)
            largest = sizes[l];
    int keep_min = largest / 8 > 6 ? largest / 8 : 6;
    for (int k = 0; k < bw * bh; k++)
        if (m[k] && sizes[label[k]] < keep_min)
            m[k] = 0;
}

ktpel_err fpx_segment(fpx_ctx *c, ktpel_errbuf *eb)
{
    int bw = c->bw, bh = c->bh;
    size_t nb = (size_t)bw * (size_t)bh;
    float *scratch = malloc(nb * sizeof(float)), *seg_std = malloc(nb * sizeof(float));
    uint8_t *tmp = malloc(nb);
    int *label = malloc(nb * sizeof(int)), *sizes = malloc((nb + 2) * sizeof(int));
    int *stack = malloc(nb * sizeof(int));
    ktpel_err e = KTPEL_OK;
    if (!scratch || !seg_std || !tmp || !label || !sizes || !stack) {
        e = ktpel_fail(eb, KTPEL_ENOMEM, "fingerprint segmentation: no memory");
        goto done;
    }
    if (!cell_statistics(c, seg_std)) {
        e = ktpel_fail(eb, KTPEL_ENOMEM, "fingerprint segmentation: no memory");
        goto done;
    }
    float ref = percentile(seg_std, nb, scratch, 0.8);
    float thr = SEG_REL_STD * ref;
    if (thr < SEG_MIN_STD)
        thr = SEG_MIN_STD;
    for (size_t k = 0; k < nb; k++)
        c->cell_mask[k] = seg_std[k] >= thr;

    morph(c->cell_mask, tmp, bw, bh, 1); /* closing */
    morph(tmp, c->cell_mask, bw, bh, 0);
    fill_and_prune(c->cell_mask, bw, bh, label, sizes, stack);
    for (int k = 0; k < SEG_SHRINK; k++) {
        morph(c->cell_mask, tmp, bw, bh, 0);
        memcpy(c->cell_mask, tmp, nb);
    }
    morph(c->cell_mask, tmp, bw, bh, 0); /* opening */
    morph(tmp, c->cell_mask, bw, bh, 1);
    fill_and_prune(c->cell_mask, bw, bh, label, sizes, stack);
done:
    free(scratch);
    free(seg_std);
    free(tmp);
    free(label);
    free(sizes);
    free(stack);
    return e;
}
