/* Dump of every intermediate result of the extractor as PNG, so that a person can see
 * where extraction goes wrong. Everything is drawn at the internal 500 dpi scale. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "fp_extract_internal.h"
#include "ktpel/image.h"

static uint8_t clamp_byte(float v)
{
    return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : lrintf(v));
}

static void put(ktpel_image *im, int x, int y, uint8_t r, uint8_t g, uint8_t b)
{
    if (x < 0 || y < 0 || x >= im->width || y >= im->height)
        return;
    uint8_t *p = im->data + ((size_t)y * (size_t)im->width + (size_t)x) * (size_t)im->channels;
    p[0] = r;
    if (im->channels == 3) {
        p[1] = g;
        p[2] = b;
    }
}

static void line(ktpel_image *im, float x0, float y0, float x1, float y1, uint8_t r, uint8_t g,
                 uint8_t b)
{
    int steps = (int)ceilf(fmaxf(fabsf(x1 - x0), fabsf(y1 - y0)));
    for (int i = 0; i <= steps; i++) {
        float t = steps ? (float)i / steps : 0;
        put(im, (int)lrintf(x0 + (x1 - x0) * t), (int)lrintf(y0 + (y1 - y0) * t), r, g, b);
    }
}

static ktpel_err save(const ktpel_image *im, const char *dir, const char *name, ktpel_errbuf *eb)
{
    char path[4096];
    int n = snprintf(path, sizeof path, "%s/%s.png", dir, name);
    if (n < 0 || (size_t)n >= sizeof path)
        return ktpel_fail(eb, KTPEL_EINVAL, "fingerprint dump: directory name too long: %s", dir);
    return ktpel_image_write(path, im, 0, eb);
}

/* Grey image from a float buffer: v -> offset + gain * v. */
static ktpel_err save_float(const fpx_ctx *c, ktpel_image *im, const float *v, float offset,
                            float gain, const char *dir, const char *name, ktpel_errbuf *eb)
{
    for (size_t i = 0; i < (size_t)c->w * (size_t)c->h; i++)
        im->data[i] = clamp_byte(offset + gain * v[i]);
    return save(im, dir, name, eb);
}

static ktpel_err save_grey_images(const fpx_ctx *c, ktpel_image *g, const char *dir,
                                  ktpel_errbuf *eb)
{
    ktpel_err e;
    size_t n = (size_t)c->w * (size_t)c->h;
    if ((e = save_float(c, g, c->img, 0, 1, dir, "1_input", eb)))
        return e;
    for (int y = 0; y < c->h; y++)
        for (int x = 0; x < c->w; x++) {
            float v = c->img[(size_t)y * (size_t)c->w + (size_t)x];
            g->data[(size_t)y * (size_t)c->w + (size_t)x] =
                fpx_mask_at(c, x, y) ? clamp_byte(v) : clamp_byte(200 + v * 0.2f);
        }
    if ((e = save(g, dir, "2_mask", eb)))
        return e;
    if ((e = save_float(c, g, c->norm, 128, -50, dir, "3_normalised", eb)))
        return e;
    for (int y = 0; y < c->h; y++)
        for (int x = 0; x < c->w; x++)
            g->data[(size_t)y * (size_t)c->w + (size_t)x] =
                clamp_byte((fpx_period_at(c, (float)x, (float)y) - FPX_PERIOD_MIN) /
                           (FPX_PERIOD_MAX - FPX_PERIOD_MIN) * 255);
    if ((e = save(g, dir, "5_period", eb)))
        return e;
    for (int y = 0; y < c->h; y++)
        for (int x = 0; x < c->w; x++)
            g->data[(size_t)y * (size_t)c->w + (size_t)x] =
                clamp_byte(255 * c->cell_clarity[(y / FPX_CELL) * c->bw + x / FPX_CELL]);
    if ((e = save(g, dir, "5_clarity", eb)))
        return e;
    if ((e = save_float(c, g, c->enh, 128, -60, dir, "6_enhanced", eb)))
        return e;
    for (size_t i = 0; i < n; i++)
        g->data[i] = c->bin[i] ? 0 : 255;
    if ((e = save(g, dir, "7_binary", eb)))
        return e;
    for (size_t i = 0; i < n; i++)
        g->data[i] = c->skel[i] ? 0 : c->bin[i] ? 200 : 255;
    return save(g, dir, "8_skeleton", eb);
}

static void draw_orientation(const fpx_ctx *c, ktpel_image *im)
{
    for (size_t i = 0; i < (size_t)c->w * (size_t)c->h; i++)
        im->data[i * 3] = im->data[i * 3 + 1] = im->data[i * 3 + 2] =
            clamp_byte(160 + c->img[i] * 0.37f);
    for (int j = 0; j < c->bh; j += 2)
        for (int i = 0; i < c->bw; i += 2) {
            if (!c->cell_mask[j * c->bw + i])
                continue;
            float x = (i + 0.5f) * FPX_CELL, y = (j + 0.5f) * FPX_CELL;
            float t = fpx_orientation_at(c, x, y), dx = 6 * cosf(t), dy = 6 * sinf(t);
            uint8_t red = clamp_byte(255 * (1 - c->cell_coh[j * c->bw + i]));
            line(im, x - dx, y - dy, x + dx, y + dy, red, 0, 160);
        }
}

static void draw_minutiae(const fpx_ctx *c, ktpel_image *im)
{
    for (size_t i = 0; i < (size_t)c->w * (size_t)c->h; i++) {
        uint8_t v = c->skel[i] ? 90 : clamp_byte(150 + c->img[i] * 0.4f);
        im->data[i * 3] = im->data[i * 3 + 1] = im->data[i * 3 + 2] = v;
    }
    for (int k = 0; k < c->nmin; k++) {
        const fpx_minutia *m = &c->min[k];
        int ending = m->type == KTPEL_MINUTIA_ENDING;
        uint8_t r = ending ? 230 : 0, g = ending ? 0 : 140, b = ending ? 0 : 255;
        for (int d = -3; d <= 3; d++) { /* a small square */
            put(im, (int)m->x + d, (int)m->y - 3, r, g, b);
            put(im, (int)m->x + d, (int)m->y + 3, r, g, b);
            put(im, (int)m->x - 3, (int)m->y + d, r, g, b);
            put(im, (int)m->x + 3, (int)m->y + d, r, g, b);
        }
        /* internal angle is counter-clockwise on screen: y component flips */
        line(im, m->x, m->y, m->x + 12 * cosf(m->angle), m->y - 12 * sinf(m->angle), r, g, b);
    }
}

ktpel_err fpx_dump(const fpx_ctx *c, const char *dir, ktpel_errbuf *eb)
{
    ktpel_image grey, rgb;
    ktpel_err e = ktpel_image_alloc(&grey, c->w, c->h, 1, FPX_DPI, eb);
    if (e)
        return e;
    e = ktpel_image_alloc(&rgb, c->w, c->h, 3, FPX_DPI, eb);
    if (e) {
        ktpel_image_free(&grey);
        return e;
    }
    e = save_grey_images(c, &grey, dir, eb);
    if (!e) {
        draw_orientation(c, &rgb);
        e = save(&rgb, dir, "4_orientation", eb);
    }
    if (!e) {
        draw_minutiae(c, &rgb);
        e = save(&rgb, dir, "9_minutiae", eb);
    }
    ktpel_image_free(&grey);
    ktpel_image_free(&rgb);
    return e;
}
