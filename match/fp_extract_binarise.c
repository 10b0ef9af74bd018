/* Binarisation: ridge or valley for every pixel.
 *
 * The enhanced image is a band-passed signal centred on zero, so its sign is the decision
 * (ridges positive). Outside the mask everything is valley. Then two clean-ups, scaled by
 * the print's mean ridge period P: ridge fragments smaller than BIN_SPECK * P^2 pixels are
 * removed (dust, noise between ridges), and valley islands smaller than that inside a
 * ridge are filled (pores, which would otherwise thin into small loops). */
#include <stdlib.h>
#include <string.h>

#include "fp_extract_internal.h"

#define BIN_SPECK 0.6f

/* Flips the connected components of pixels equal to value that are smaller than min_size.
 * Ridges use 8-connectivity, valleys 4-connectivity (the complementary pair). A valley
 * region that touches the image edge or the background (pixels preset to SEEN_OUTSIDE in
 * seen, which are not searched) is open, never a hole, and is kept. */
#define SEEN_OUTSIDE 2
static void flip_small(uint8_t *img, int w, int h, uint8_t value, int min_size, int *queue,
                       uint8_t *seen)
{
    static const int dx8[8] = {1, -1, 0, 0, 1, 1, -1, -1}, dy8[8] = {0, 0, 1, -1, 1, -1, 1, -1};
    int nbrs = value == 1 ? 8 : 4;
    for (int start = 0; start < w * h; start++) {
        if (img[start] != value || seen[start])
            continue;
        int head = 0, tail = 0, touches_edge = 0;
        queue[tail++] = start;
        seen[start] = 1;
        while (head < tail) {
            int p = queue[head++], x = p % w, y = p / w;
            int inner = x > 0 && y > 0 && x < w - 1 && y < h - 1;
            touches_edge |= !inner;
            for (int k = 0; k < nbrs; k++) {
                if (!inner) {
                    int xx = x + dx8[k], yy = y + dy8[k];
                    if (xx < 0 || yy < 0 || xx >= w || yy >= h)
                        continue;
                }
                int q = p + dy8[k] * w + dx8[k];
                touches_edge |= seen[q] == SEEN_OUTSIDE;
                if (img[q] == value && !seen[q]) {
                    seen[q] = 1;
                    queue[tail++] = q;
                }
            }
        }
        if (tail < min_size && !(value == 0 && touches_edge))
            for (int i = 0; i < tail; i++)
                img[queue[i]] = (uint8_t)!value;
    }
}

ktpel_err fpx_binarise(fpx_ctx *c, ktpel_errbuf *eb)
{
    size_t n = (size_t)c->w * (size_t)c->h;
    /* the enhanced image is already 0 outside the mask */
    for (size_t i = 0; i < n; i++)
        c->bin[i] = c->enh[i] > 0;
    int *queue = malloc(n * sizeof(int));
    uint8_t *seen = malloc(n);
    if (!queue || !seen) {
        free(queue);
        free(seen);
        return ktpel_fail(eb, KTPEL_ENOMEM, "fingerprint binarisation: no memory");
    }
    int speck = (int)(BIN_SPECK * c->mean_period * c->mean_period);
    for (int y = 0; y < c->h; y++) /* the background is one open valley: skip it */
        for (int x = 0; x < c->w; x++)
            seen[(size_t)y * (size_t)c->w + (size_t)x] =
                c->cell_mask[(y / FPX_CELL) * c->bw + x / FPX_CELL] ? 0 : SEEN_OUTSIDE;
    flip_small(c->bin, c->w, c->h, 0, speck, queue, seen);
    memset(seen, 0, n);
    flip_small(c->bin, c->w, c->h, 1, speck, queue, seen);
    free(queue);
    free(seen);
    return KTPEL_OK;
}
