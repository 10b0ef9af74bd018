/* Fingerprint minutiae extraction: the public entry point. It checks the input, resamples
 * the image to the internal 500 dpi space, runs the pipeline steps (one file each, see
 * fp_extract_internal.h), and maps the minutiae back to the input image's pixels. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fp_extract_internal.h"

#define FPX_MIN_SIDE 32
#define FPX_MIN_DPI  200
#define FPX_MAX_DPI  2000

ktpel_err fpx_ctx_init(fpx_ctx *c, int w, int h, ktpel_errbuf *eb)
{
    memset(c, 0, sizeof *c);
    c->w = w;
    c->h = h;
    c->bw = (w + FPX_CELL - 1) / FPX_CELL;
    c->bh = (h + FPX_CELL - 1) / FPX_CELL;
    size_t n = (size_t)w * (size_t)h;
    size_t nb = (size_t)c->bw * (size_t)c->bh;
    c->img = malloc(n * sizeof(float));
    c->norm = calloc(n, sizeof(float));
    c->enh = calloc(n, sizeof(float));
    c->bin = calloc(n, 1);
    c->skel = calloc(n, 1);
    c->cell_mean = calloc(nb, sizeof(float));
    c->cell_std = calloc(nb, sizeof(float));
    c->cell_mask = calloc(nb, 1);
    c->cell_cos2 = calloc(nb, sizeof(float));
    c->cell_sin2 = calloc(nb, sizeof(float));
    c->cell_coh = calloc(nb, sizeof(float));
    c->cell_period = calloc(nb, sizeof(float));
    c->cell_clarity = calloc(nb, sizeof(float));
    if (!c->img || !c->norm || !c->enh || !c->bin || !c->skel || !c->cell_mean || !c->cell_std ||
        !c->cell_mask || !c->cell_cos2 || !c->cell_sin2 || !c->cell_coh || !c->cell_period ||
        !c->cell_clarity) {
        fpx_ctx_free(c);
        return ktpel_fail(eb, KTPEL_ENOMEM, "fingerprint extraction: no memory for %dx%d image", w,
                          h);
    }
    return KTPEL_OK;
}

void fpx_ctx_free(fpx_ctx *c)
{
    free(c->img);
    free(c->norm);
    free(c->enh);
    free(c->bin);
    free(c->skel);
    free(c->cell_mean);
    free(c->cell_std);
    free(c->cell_mask);
    free(c->cell_cos2);
    free(c->cell_sin2);
    free(c->cell_coh);
    free(c->cell_period);
    free(c->cell_clarity);
    free(c->min);
    memset(c, 0, sizeof *c);
}

/* Weights of a triangle (linear) resampling filter: for each output sample, the first
 * input index and up to FPX_TAPS weights. Support widens with the scale factor when
 * shrinking, so that downsampling averages instead of aliasing. */
#define FPX_TAPS 8
typedef struct resample_taps {
    int first;
    int count;
    float w[FPX_TAPS];
} resample_taps;

static void resample_plan(int out_len, double scale, resample_taps *t)
{
    double support = scale < 1.0 ? 1.0 / scale : 1.0;
    if (support > FPX_TAPS / 2 - 0.5)
        support = FPX_TAPS / 2 - 0.5;
    for (int o = 0; o < out_len; o++) {
        double centre = (o + 0.5) / scale - 0.5;
        int first = (int)ceil(centre - support);
        int last = (int)floor(centre + support);
        if (last - first + 1 > FPX_TAPS)
            last = first + FPX_TAPS - 1;
        double sum = 0;
        t[o].count = 0;
        t[o].first = first;
        for (int i = first; i <= last; i++) {
            double wgt = 1.0 - fabs(i - centre) / support;
            t[o].w[i - first] = (float)(wgt > 0 ? wgt : 0);
            sum += t[o].w[i - first];
            t[o].count++;
        }
        for (int k = 0; k < t[o].count; k++)
            t[o].w[k] = sum > 0 ? (float)(t[o].w[k] / sum) : 0;
    }
}

static int clampi(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* Separable resampling of the grey input into c->img (rows first, then columns). */
static ktpel_err resample_into(const ktpel_image *src, double scale, fpx_ctx *c, ktpel_errbuf *eb)
{
    int iw = src->width, ih = src->height;
    if (scale == 1.0) {
        for (size_t i = 0; i < (size_t)iw * (size_t)ih; i++)
            c->img[i] = src->data[i];
        return KTPEL_OK;
    }
    resample_taps *tx = malloc((size_t)c->w * sizeof *tx);
    resample_taps *ty = malloc((size_t)c->h * sizeof *ty);
    float *rows = malloc((size_t)c->w * (size_t)ih * sizeof(float));
    if (!tx || !ty || !rows) {
        free(tx);
        free(ty);
        free(rows);
        return ktpel_fail(eb, KTPEL_ENOMEM, "fingerprint extraction: no memory to resample");
    }
    resample_plan(c->w, scale, tx);
    resample_plan(c->h, scale, ty);
    for (int y = 0; y < ih; y++) {
        const uint8_t *in = src->data + (size_t)y * (size_t)iw;
        for (int x = 0; x < c->w; x++) {
            float s = 0;
            for (int k = 0; k < tx[x].count; k++)
                s += tx[x].w[k] * in[clampi(tx[x].first + k, 0, iw - 1)];
            rows[(size_t)y * (size_t)c->w + (size_t)x] = s;
        }
    }
    for (int y = 0; y < c->h; y++) {
        float *out = c->img + (size_t)y * (size_t)c->w;
        for (int x = 0; x < c->w; x++)
            out[x] = 0;
        for (int k = 0; k < ty[y].count; k++) {
            const float *in = rows + (size_t)clampi(ty[y].first + k, 0, ih - 1) * (size_t)c->w;
            float wgt = ty[y].w[k];
            for (int x = 0; x < c->w; x++)
                out[x] += wgt * in[x];
        }
    }
    free(tx);
    free(ty);
    free(rows);
    return KTPEL_OK;
}

static ktpel_err check_input(const ktpel_image *grey, ktpel_fp_features *out, int dpi,
                             ktpel_errbuf *eb)
{
    if (!grey || !out)
        return ktpel_fail(eb, KTPEL_EINVAL, "fingerprint extraction: NULL %s",
                          grey ? "output" : "image");
    if (!grey->data || grey->width < FPX_MIN_SIDE || grey->height < FPX_MIN_SIDE ||
        grey->width > KTPEL_IMAGE_MAX_SIDE || grey->height > KTPEL_IMAGE_MAX_SIDE)
        return ktpel_fail(eb, KTPEL_EINVAL,
                          "fingerprint extraction: image size %dx%d outside %d..%d pixels",
                          grey->width, grey->height, FPX_MIN_SIDE, KTPEL_IMAGE_MAX_SIDE);
    if (grey->channels != 1)
        return ktpel_fail(eb, KTPEL_EINVAL,
                          "fingerprint extraction: image has %d channels, need 1 (grey)",
                          grey->channels);
    if (dpi < FPX_MIN_DPI || dpi > FPX_MAX_DPI)
        return ktpel_fail(eb, KTPEL_EINVAL,
                          "fingerprint extraction: resolution %d dpi outside %d..%d", dpi,
                          FPX_MIN_DPI, FPX_MAX_DPI);
    return KTPEL_OK;
}

/* Maps internal minutiae to the input image: scales coordinates, sorts by quality and
 * keeps the best KTPEL_MAX_MINUTIAE. */
static int cmp_quality_desc(const void *a, const void *b)
{
    const fpx_minutia *ma = a, *mb = b;
    return (mb->quality > ma->quality) - (mb->quality < ma->quality);
}

static void export_minutiae(fpx_ctx *c, double scale, const ktpel_image *grey,
                            ktpel_fp_features *out)
{
    qsort(c->min, (size_t)c->nmin, sizeof *c->min, cmp_quality_desc);
    out->count = 0;
    for (int i = 0; i < c->nmin && out->count < KTPEL_MAX_MINUTIAE; i++) {
        const fpx_minutia *m = &c->min[i];
        ktpel_minutia *o = &out->minutiae[out->count++];
        o->x = (uint16_t)clampi((int)lround((m->x + 0.5) / scale - 0.5), 0, grey->width - 1);
        o->y = (uint16_t)clampi((int)lround((m->y + 0.5) / scale - 0.5), 0, grey->height - 1);
        double units = m->angle * (128.0 / FPX_PI);
        long a = lround(units) % 256;
        o->angle = (uint8_t)(a < 0 ? a + 256 : a);
        o->type = (uint8_t)m->type;
        o->quality = (uint8_t)clampi(m->quality, 1, 100);
        o->reserved = 0;
    }
}

/* The steps in order. Orientation and frequency are estimated twice: first from the
 * image, then again from the first enhancement, whose clean ridges give a steadier field in
 * smudged and dry areas; the second enhancement, tuned by that field, is the one used. */
static ktpel_err run_pipeline(fpx_ctx *c, const char *dump_dir, ktpel_errbuf *eb)
{
    ktpel_err e;
    if ((e = fpx_segment(c, eb)) || (e = fpx_normalise(c, eb)) ||
        (e = fpx_orientation(c, c->img, eb)) || (e = fpx_frequency(c, eb)) ||
        (e = fpx_enhance(c, eb)) || (e = fpx_orientation(c, c->enh, eb)) ||
        (e = fpx_frequency(c, eb)) || (e = fpx_enhance(c, eb)) || (e = fpx_binarise(c, eb)) ||
        (e = fpx_thin(c, eb)) || (e = fpx_minutiae(c, eb)))
        return e;
    fpx_quality(c);
    if (dump_dir)
        return fpx_dump(c, dump_dir, eb);
    return KTPEL_OK;
}

ktpel_err ktpel_fp_extract(const ktpel_image *grey, const ktpel_fp_extract_options *opt,
                           ktpel_fp_features *out, ktpel_errbuf *eb)
{
    int dpi = grey && grey->dpi > 0         ? grey->dpi
              : opt && opt->default_dpi > 0 ? opt->default_dpi
                                            : KTPEL_FP_DEFAULT_DPI;
    ktpel_err e = check_input(grey, out, dpi, eb);
    if (e)
        return e;
    memset(out, 0, sizeof *out);
    out->width = grey->width;
    out->height = grey->height;
    out->dpi = dpi;

    double scale = (double)FPX_DPI / dpi;
    int w = (int)lround(grey->width * scale), h = (int)lround(grey->height * scale);
    if (dpi == FPX_DPI) {
        scale = 1.0;
        w = grey->width;
        h = grey->height;
    }
    if (w < FPX_MIN_SIDE || h < FPX_MIN_SIDE)
        return ktpel_fail(eb, KTPEL_EINVAL,
                          "fingerprint extraction: image %dx%d at %d dpi is too small", grey->width,
                          grey->height, dpi);
    fpx_ctx c;
    if ((e = fpx_ctx_init(&c, w, h, eb)))
        return e;
    e = resample_into(grey, scale, &c, eb);
    if (!e)
        e = run_pipeline(&c, opt ? opt->dump_dir : NULL, eb);
    if (!e) {
        out->quality = c.quality;
        export_minutiae(&c, scale, grey, out);
    }
    fpx_ctx_free(&c);
    return e;
}
