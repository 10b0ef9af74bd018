/* `--dump`: the segmentation drawn over the image, and the rubber sheet with its noise mask,
 * as PNG files to look at (how segmentation errors are found). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ktpel/imgproc.h"

#include "iris_internal.h"

#define LID_POINTS 64

static ktpel_err draw_lid(ktpel_image *img, const ktpel_iris_features *f,
                          const ktpel_iris_eyelid *lid, const uint8_t color[3], ktpel_errbuf *eb)
{
    if (!lid->found)
        return KTPEL_OK;
    ktpel_point pts[LID_POINTS];
    const ktpel_iris_circle *s = &f->seg.iris;
    for (int i = 0; i < LID_POINTS; i++) {
        double x = s->x - s->r + 2 * s->r * i / (LID_POINTS - 1);
        pts[i] =
            (ktpel_point){x, lid->apex_y + lid->curvature * (x - lid->apex_x) * (x - lid->apex_x)};
    }
    return ktpel_draw_polyline(img, pts, LID_POINTS, 0, color, 1, eb);
}

static ktpel_err overlay(const ktpel_image *img, const ktpel_iris_features *f, ktpel_image *out,
                         ktpel_errbuf *eb)
{
    ktpel_err err = ktpel_image_convert(img, KTPEL_IMAGE_RGB, out, eb);
    if (err)
        return err;
    /* Noise cells of the sheet, tinted magenta where they lie in the image. */
    for (int i = 0; i < KTPEL_IRIS_POLAR_ROWS; i++)
        for (int j = 0; j < KTPEL_IRIS_POLAR_COLS; j++) {
            if (!f->polar_noise[i * KTPEL_IRIS_POLAR_COLS + j])
                continue;
            double x, y;
            iris_polar_point(&f->seg, i, j, &x, &y);
            long xi = lround(x), yi = lround(y);
            if (xi < 0 || yi < 0 || xi >= out->width || yi >= out->height)
                continue;
            uint8_t *px = out->data + 3 * ((size_t)yi * out->width + (size_t)xi);
            px[0] = (uint8_t)((px[0] + 255) / 2);
            px[1] = (uint8_t)(px[1] / 2);
            px[2] = (uint8_t)((px[2] + 255) / 2);
        }
    static const uint8_t green[3] = {0, 255, 0}, red[3] = {255, 64, 0}, cyan[3] = {0, 200, 255},
                         yellow[3] = {255, 230, 0};
    const ktpel_iris_circle *p = &f->seg.pupil, *s = &f->seg.iris;
    err = ktpel_draw_ellipse(out, p->x, p->y, p->r, p->r, 0, green, 1, eb);
    if (!err)
        err = ktpel_draw_ellipse(out, s->x, s->y, s->r, s->r, 0, red, 1, eb);
    if (!err)
        err = draw_lid(out, f, &f->seg.upper, cyan, eb);
    if (!err)
        err = draw_lid(out, f, &f->seg.lower, yellow, eb);
    return err;
}

static ktpel_err sheet_image(const ktpel_iris_features *f, ktpel_image *out, ktpel_errbuf *eb)
{
    const int rows = KTPEL_IRIS_POLAR_ROWS, cols = KTPEL_IRIS_POLAR_COLS;
    ktpel_err err = ktpel_image_alloc(out, cols, 2 * rows, 1, 0, eb);
    if (err)
        return err;
    memcpy(out->data, f->polar, (size_t)rows * cols);
    for (int k = 0; k < rows * cols; k++)
        out->data[(size_t)rows * cols + k] = f->polar_noise[k] ? 255 : f->polar[k] / 3;
    return KTPEL_OK;
}

ktpel_err ktpel_iris_dump(const ktpel_image *img, const ktpel_iris_features *f, const char *dir,
                          const char *prefix, ktpel_errbuf *eb)
{
    if (!img || !f || !dir || !prefix)
        return ktpel_fail(eb, KTPEL_EINVAL, "iris dump: NULL argument");
    char path[4096];
    ktpel_image a = {0}, b = {0};
    ktpel_err err = overlay(img, f, &a, eb);
    if (!err) {
        snprintf(path, sizeof path, "%s/%s_segmentation.png", dir, prefix);
        err = ktpel_image_write(path, &a, 0, eb);
    }
    if (!err)
        err = sheet_image(f, &b, eb);
    if (!err) {
        snprintf(path, sizeof path, "%s/%s_normalised.png", dir, prefix);
        err = ktpel_image_write(path, &b, 0, eb);
    }
    ktpel_image_free(&a);
    ktpel_image_free(&b);
    return err;
}
