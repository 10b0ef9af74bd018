/* The iris extractor: segmentation on an image of a working size, rubber sheet and code at
 * full resolution, and the quality score. */
#include <math.h>
#include <string.h>

#include "ktpel/imgproc.h"

#include "iris_internal.h"

/* Segmentation works on images whose larger side is at most this (the search costs grow with
 * the square of the size and gain nothing above it); the circles are scaled back. */
#define WORK_SIDE 400
#define MIN_SIDE  64
/* Quality references (docs/iris.md): a code with 60 % of its bits valid is fully usable; an
 * iris radius of 60 pixels (ISO/IEC 29794-6 asks for a diameter of at least 120 pixels); a
 * mean log-Gabor response magnitude of FOCUS_REF grey levels is sharp texture. */
#define USABLE_REF 0.6
#define RADIUS_REF 60.0
#define FOCUS_REF  3.0

static double clamp01(double v)
{
    return v < 0 ? 0 : v > 1 ? 1 : v;
}

static void scale_segmentation(ktpel_iris_segmentation *s, double k)
{
    ktpel_iris_circle *c[2] = {&s->pupil, &s->iris};
    for (int i = 0; i < 2; i++) {
        c[i]->x = (c[i]->x + 0.5) * k - 0.5;
        c[i]->y = (c[i]->y + 0.5) * k - 0.5;
        c[i]->r *= k;
    }
    ktpel_iris_eyelid *l[2] = {&s->upper, &s->lower};
    for (int i = 0; i < 2; i++) {
        l[i]->apex_x = (l[i]->apex_x + 0.5) * k - 0.5;
        l[i]->apex_y = (l[i]->apex_y + 0.5) * k - 0.5;
        l[i]->curvature /= k;
    }
}

static ktpel_err segment_at_working_size(const ktpel_image *img, ktpel_iris_segmentation *seg,
                                         ktpel_errbuf *eb)
{
    int side = img->width > img->height ? img->width : img->height;
    ktpel_image small = {0};
    const ktpel_image *work = img;
    double k = 1;
    if (side > WORK_SIDE) {
        k = (double)side / WORK_SIDE;
        int w = (int)lround(img->width / k), h = (int)lround(img->height / k);
        ktpel_err err = ktpel_image_resize(img, w, h, &small, eb);
        if (err)
            return err;
        k = (double)img->width / w;
        work = &small;
    }
    iris_fimage f = {0};
    ktpel_err err = iris_fimage_from_image(work, &f, eb);
    if (!err)
        err = iris_segment(&f, seg, eb);
    iris_fimage_free(&f);
    ktpel_image_free(&small);
    if (!err && k != 1)
        scale_segmentation(seg, k);
    return err;
}

static void assess_quality(ktpel_iris_features *f)
{
    ktpel_iris_quality *q = &f->quality;
    int noise = 0;
    for (int k = 0; k < KTPEL_IRIS_POLAR_ROWS * KTPEL_IRIS_POLAR_COLS; k++)
        noise += f->polar_noise[k];
    q->occlusion = (double)noise / (KTPEL_IRIS_POLAR_ROWS * KTPEL_IRIS_POLAR_COLS);
    q->usable = (double)ktpel_iris_code_valid_bits(&f->code) / KTPEL_IRIS_CODE_BITS;
    q->iris_radius_px = f->seg.iris.r;
    q->dilation = f->seg.iris.r > 0 ? f->seg.pupil.r / f->seg.iris.r : 1;
    /* Outside the physiological range of 0.2..0.7 the segmentation is suspect. */
    double dilation_ok = q->dilation >= 0.2 && q->dilation <= 0.7 ? 1.0 : 0.5;
    double s = clamp01(q->usable / USABLE_REF) * clamp01(q->focus / FOCUS_REF) *
               clamp01(q->iris_radius_px / RADIUS_REF) * dilation_ok;
    q->score = (int)lround(100 * s);
    f->code.quality = (uint8_t)q->score;
}

ktpel_err ktpel_iris_extract(const ktpel_image *img, ktpel_iris_features *out, ktpel_errbuf *eb)
{
    if (!img || !out || !img->data)
        return ktpel_fail(eb, KTPEL_EINVAL, "iris extract: NULL argument");
    if (img->channels != 1 && img->channels != 3)
        return ktpel_fail(eb, KTPEL_EINVAL, "iris extract: %d channels (1 or 3)", img->channels);
    if (img->width < MIN_SIDE || img->height < MIN_SIDE || img->width > KTPEL_IMAGE_MAX_SIDE ||
        img->height > KTPEL_IMAGE_MAX_SIDE)
        return ktpel_fail(eb, KTPEL_EFORMAT, "iris extract: image %dx%d (each side %d..%d)",
                          img->width, img->height, MIN_SIDE, KTPEL_IMAGE_MAX_SIDE);
    memset(out, 0, sizeof *out);
    ktpel_err err = segment_at_working_size(img, &out->seg, eb);
    if (err)
        return err;
    /* Sample the sheet from an image smoothed to about the sheet's spacing on the limbus, so
     * that the outer rings do not alias. */
    double spacing = 2 * IRIS_PI * out->seg.iris.r / KTPEL_IRIS_POLAR_COLS;
    iris_fimage full = {0}, smooth = {0};
    err = iris_fimage_from_image(img, &full, eb);
    if (!err)
        err = iris_fimage_blur(&full, fmax(0.5, 0.4 * spacing), &smooth, eb);
    if (!err) {
        iris_normalise(&smooth, out);
        iris_encode(out);
        assess_quality(out);
    }
    iris_fimage_free(&full);
    iris_fimage_free(&smooth);
    return err;
}
