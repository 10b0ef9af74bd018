/* Thinning: the binary ridges are peeled down to one-pixel-wide, 8-connected lines.
 *
 * Zhang and Suen's two-subiteration parallel thinning (1984), with each subiteration's
 * deletion rule in a 256-entry table indexed by the 8-neighbourhood, run over a shrinking
 * list of ridge pixels. Zhang-Suen keeps 4-connectivity, so it leaves "staircase" corners
 * where a line steps diagonally; a final sequential pass removes those (a pixel whose
 * neighbours form one 8-connected group and that has two 4-neighbours at a right angle), so
 * that every line pixel has exactly two neighbours and line ends and junctions are
 * unambiguous for the minutiae step. */
#include <stdlib.h>
#include <string.h>

#include "fp_extract_internal.h"

/* Neighbour bits, clockwise from north: N NE E SE S SW W NW. */
enum { NB_N = 1, NB_NE = 2, NB_E = 4, NB_SE = 8, NB_S = 16, NB_SW = 32, NB_W = 64, NB_NW = 128 };

static int bit(int code, int k) /* k = 0..7 clockwise from N */
{
    return (code >> (k & 7)) & 1;
}

static int neighbour_count(int code)
{
    int n = 0;
    for (int k = 0; k < 8; k++)
        n += bit(code, k);
    return n;
}

/* Number of 0->1 transitions around the ring N, NE, ..., NW, N. */
static int transitions(int code)
{
    int n = 0;
    for (int k = 0; k < 8; k++)
        n += !bit(code, k) && bit(code, k + 1);
    return n;
}

/* Yokoi's 8-connectivity number: the number of 8-connected neighbour groups that the
 * pixel joins (1 = deleting it changes no connectivity). */
static int connectivity8(int code)
{
    int n = 0;
    for (int k = 0; k < 8; k += 2) { /* 4-neighbours N, E, S, W */
        int a = !bit(code, k), b = !bit(code, k + 1), d = !bit(code, k + 2);
        n += a - a * b * d;
    }
    return n;
}

static void build_tables(uint8_t zs[2][256], uint8_t stair[256])
{
    for (int code = 0; code < 256; code++) {
        int b = neighbour_count(code), a = transitions(code);
        int n = code & NB_N, e = code & NB_E, s = code & NB_S, w = code & NB_W;
        int base = b >= 2 && b <= 6 && a == 1;
        zs[0][code] = (uint8_t)(base && !(n && e && s) && !(e && s && w));
        zs[1][code] = (uint8_t)(base && !(n && e && w) && !(n && s && w));
        int corner = (n && e) || (e && s) || (s && w) || (w && n);
        stair[code] = (uint8_t)(b >= 2 && corner && connectivity8(code) == 1);
    }
}

static int code_at(const uint8_t *img, int w, int p)
{
    return (img[p - w] ? NB_N : 0) | (img[p - w + 1] ? NB_NE : 0) | (img[p + 1] ? NB_E : 0) |
           (img[p + w + 1] ? NB_SE : 0) | (img[p + w] ? NB_S : 0) | (img[p + w - 1] ? NB_SW : 0) |
           (img[p - 1] ? NB_W : 0) | (img[p - w - 1] ? NB_NW : 0);
}

ktpel_err fpx_thin(fpx_ctx *c, ktpel_errbuf *eb)
{
    int w = c->w, h = c->h;
    uint8_t *img = c->skel;
    memcpy(img, c->bin, (size_t)w * (size_t)h);
    for (int x = 0; x < w; x++) /* a clear frame: no bounds checks below */
        img[x] = img[(size_t)(h - 1) * (size_t)w + (size_t)x] = 0;
    for (int y = 0; y < h; y++)
        img[(size_t)y * (size_t)w] = img[(size_t)y * (size_t)w + (size_t)(w - 1)] = 0;

    size_t n = 0;
    for (size_t i = 0; i < (size_t)w * (size_t)h; i++)
        n += img[i];
    int *list = malloc((n + 1) * sizeof(int)), *del = malloc((n + 1) * sizeof(int));
    if (!list || !del) {
        free(list);
        free(del);
        return ktpel_fail(eb, KTPEL_ENOMEM, "fingerprint thinning: no memory");
    }
    uint8_t zs[2][256], stair[256];
    build_tables(zs, stair);
    int count = 0;
    for (int i = 0; i < w * h; i++)
        if (img[i])
            list[count++] = i;
    for (int changed = 1; changed;) {
        changed = 0;
        for (int sub = 0; sub < 2; sub++) {
            int nd = 0, keep = 0;
            for (int i = 0; i < count; i++) {
                int p = list[i];
                if (zs[sub][code_at(img, w, p)])
                    del[nd++] = p;
                else
                    list[keep++] = p;
            }
            for (int i = 0; i < nd; i++)
                img[del[i]] = 0;
            count = keep;
            changed |= nd > 0;
        }
    }
    for (int i = 0; i < count; i++) /* list is in raster order */
        if (stair[code_at(img, w, list[i])])
            img[list[i]] = 0;
    free(list);
    free(del);
    return KTPEL_OK;
}
