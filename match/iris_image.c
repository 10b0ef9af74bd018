/* Float images for the iris engine, and the geometry of the rubber sheet. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "iris_internal.h"

ktpel_err iris_fimage_alloc(iris_fimage *f, int w, int h, ktpel_errbuf *eb)
{
    f->w = w;
    f->h = h;
    f->p = calloc((size_t)w * (size_t)h, sizeof *f->p);
    if (!f->p)
        return ktpel_fail(eb, KTPEL_ENOMEM, "iris: out of memory for a %dx%d image", w, h);
    return KTPEL_OK;
}

void iris_fimage_free(iris_fimage *f)
{
    free(f->p);
    f->p = NULL;
}

ktpel_err iris_fimage_from_image(const ktpel_image *img, iris_fimage *out, ktpel_errbuf *eb)
{
    ktpel_err err = iris_fimage_alloc(out, img->width, img->height, eb);
    if (err)
        return err;
    size_t n = (size_t)img->width * (size_t)img->height;
    for (size_t i = 0; i < n; i++) {
        const uint8_t *px = img->data + i * (size_t)img->channels;
        out->p[i] =
            img->channels == 1 ? px[0] : (float)(0.299 * px[0] + 0.587 * px[1] + 0.114 * px[2]);
    }
    return KTPEL_OK;
}

ktpel_err iris_fimage_blur(const iris_fimage *src, double sigma, iris_fimage *dst, ktpel_errbuf *eb)
{
    int radius = (int)ceil(3 * sigma);
    if (radius < 1)
        radius = 1;
    float *kernel = malloc((size_t)(2 * radius + 1) * sizeof *kernel);
    iris_fimage tmp = {0};
    ktpel_err err = kernel ? iris_fimage_alloc(&tmp, src->w, src->h, eb)
                           : ktpel_fail(eb, KTPEL_ENOMEM, "iris: out of memory for a blur");
    if (!err)
        err = iris_fimage_alloc(dst, src->w, src->h, eb);
    if (err) {
        free(kernel);
        iris_fimage_free(&tmp);
        return err;
    }
    double sum = 0;
    for (int k = -radius; k <= radius; k++)
        sum += kernel[k + radius] = (float)exp(-0.5 * k * k / (sigma * sigma));
    for (int k = 0; k <= 2 * radius; k++)
        kernel[k] = (float)(kernel[k] / sum);
    int w = src->w, h = src->h;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            float acc = 0;
            for (int k = -radius; k <= radius; k++) {
                int xx = x + k < 0 ? 0 : x + k >= w ? w - 1 : x + k;
                acc += kernel[k + radius] * src->p[(size_t)y * w + xx];
            }
            tmp.p[(size_t)y * w + x] = acc;
        }
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            float acc = 0;
            for (int k = -radius; k <= radius; k++) {
                int yy = y + k < 0 ? 0 : y + k >= h ? h - 1 : y + k;
                acc += kernel[k + radius] * tmp.p[(size_t)yy * w + x];
            }
            dst->p[(size_t)y * w + x] = acc;
        }
    free(kernel);
    iris_fimage_free(&tmp);
    return KTPEL_OK;
}

float iris_sample(const iris_fimage *f, double x, double y)
{
    if (!(x >= 0 && y >= 0 && x <= f->w - 1 && y <= f->h - 1))
        return -1.0f;
    int x0 = (int)x, y0 = (int)y;
    int x1 = x0 + 1 < f->w ? x0 + 1 : x0, y1 = y0 + 1 < f->h ? y0 + 1 : y0;
    float fx = (float)(x - x0), fy = (float)(y - y0);
    const float *r0 = f->p + (size_t)y0 * f->w, *r1 = f->p + (size_t)y1 * f->w;
    float top = r0[x0] + fx * (r0[x1] - r0[x0]);
    float bottom = r1[x0] + fx * (r1[x1] - r1[x0]);
    return top + fy * (bottom - top);
}

void iris_boundary_points(const ktpel_iris_segmentation *seg, double theta, double *px, double *py,
                          double *lx, double *ly)
{
    /* Image y points down, so counter-clockwise as seen is -sin. */
    double dx = cos(theta), dy = -sin(theta);
    const ktpel_iris_circle *p = &seg->pupil, *s = &seg->iris;
    *px = p->x + p->r * dx;
    *py = p->y + p->r * dy;
    /* Ray from the pupil centre: |c + t d - s| = r_s, the positive root. */
    double ox = p->x - s->x, oy = p->y - s->y;
    double b = ox * dx + oy * dy, c = ox * ox + oy * oy - s->r * s->r;
    double disc = b * b - c;
    double t = disc > 0 ? -b + sqrt(disc) : s->r;
    if (t < p->r)
        t = p->r; /* degenerate circles: the limbus cannot lie inside the pupil */
    *lx = p->x + t * dx;
    *ly = p->y + t * dy;
}

void iris_polar_point(const ktpel_iris_segmentation *seg, int i, int j, double *x, double *y)
{
    double theta = 2 * IRIS_PI * j / KTPEL_IRIS_POLAR_COLS;
    double r = IRIS_R0 + (IRIS_R1 - IRIS_R0) * (i + 0.5) / KTPEL_IRIS_POLAR_ROWS;
    double px, py, lx, ly;
    iris_boundary_points(seg, theta, &px, &py, &lx, &ly);
    *x = (1 - r) * px + r * lx;
    *y = (1 - r) * py + r * ly;
}

int iris_under_eyelid(const ktpel_iris_segmentation *seg, double x, double y)
{
    const ktpel_iris_eyelid *u = &seg->upper, *l = &seg->lower;
    if (u->found && y < u->apex_y + u->curvature * (x - u->apex_x) * (x - u->apex_x))
        return 1;
    if (l->found && y > l->apex_y + l->curvature * (x - l->apex_x) * (x - l->apex_x))
        return 1;
    return 0;
}
