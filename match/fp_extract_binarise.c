/* Binarisation: ridge or valley for every pixel.
 *
 * The enhanced image is a band-passed signal centred on zero, so its sign is the decision
 * (ridges positive). Outside the mask everything is valley. Then two clean-ups, scaled by
 * the print's mean ridge period P: ridge fragments smaller than BIN_SPECK * P^2 pixels are
 * removed (dust, noise between ridges), and valley islands smaller than that inside a
 * ridge are filled (pores, which would otherwise thin into small loops). */
#include <stdlib.h>

#include "fp_extract_internal.h"

#define BIN_SPECK 0.6f

/* Flips the connected components of pixels equal to value that are smaller than min_size.
 * Ridges use 8-connectivity, valleys 4-connectivity (the complementary pair). */
static void flip_small(uint8_t *img, int w, int h, uint8_t value, int min_size, int *queue,
                       uint8_t *seen)
{
    size_t n = (size_t)w * (size_t)h;
    for (size_t i = 0; i < n; i++)
        seen[i] = 0;
    int eight = value == 1;
    for (size_t start = 0; start < n; start++) {
        if (img[start] != value || seen[start])
            continue;
        int head = 0, tail = 0;
        queue[tail++] = (int)start;
        seen[start] = 1;
        int touches_edge = 0;
        while (head < tail) {
            int p = queue[head++], x = p % w, y = p / w;
            for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++) {
                    if ((!dx && !dy) || (!eight && dx && dy))
                        continue;
                    int xx = x + dx, yy = y + dy;
                    if (xx < 0 || yy < 0 || xx >= w || yy >= h) {
                        touches_edge = 1;
                        continue;
                    }
                    int q = yy * w + xx;
                    if (img[q] == value && !seen[q]) {
                        seen[q] = 1;
                        queue[tail++] = q;
                    }
                }
        }
        /* a valley region open to the image edge is background, never a hole */
        if (tail < min_size && !(value == 0 && touches_edge))
            for (int i = 0; i < tail; i++)
                img[queue[i]] = (uint8_t)!value;
    }
}

ktpel_err fpx_binarise(fpx_ctx *c, ktpel_errbuf *eb)
{
    size_t n = (size_t)c->w * (size_t)c->h;
    for (int y = 0; y < c->h; y++)
        for (int x = 0; x < c->w; x++) {
            size_t i = (size_t)y * (size_t)c->w + (size_t)x;
            c->bin[i] = c->enh[i] > 0 && fpx_mask_at(c, x, y);
        }
    int *queue = malloc(n * sizeof(int));
    uint8_t *seen = malloc(n);
    if (!queue || !seen) {
        free(queue);
        free(seen);
        return ktpel_fail(eb, KTPEL_ENOMEM, "fingerprint binarisation: no memory");
    }
    int speck = (int)(BIN_SPECK * c->mean_period * c->mean_period);
    flip_small(c->bin, c->w, c->h, 1, speck, queue, seen);
    flip_small(c->bin, c->w, c->h, 0, speck, queue, seen);
    free(queue);
    free(seen);
    return KTPEL_OK;
}
