/* Drawing, blur, resizing and face detection on ktpel_image (see include/ktpel/imgproc.h),
 * through the OpenCV wrapper. */
#include "ktpel/imgproc.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cv_wrap.h"

/* Most points accepted by one drawing call (a guard against absurd sizes). */
#define MAX_POINTS (1u << 20)

struct ktpel_face_detector {
    ktpel_cv_cascade *cascade;
    char path[256];
};

static ktpel_err check_target(const ktpel_image *img, const uint8_t *color, ktpel_errbuf *eb)
{
    if (!img || !img->data || img->width <= 0 || img->height <= 0 ||
        (img->channels != 1 && img->channels != 3))
        return ktpel_fail(eb, KTPEL_EINVAL, "draw: empty or invalid image");
    if (!color)
        return ktpel_fail(eb, KTPEL_EINVAL, "draw: NULL colour");
    return KTPEL_OK;
}

/* Packs points as x0, y0, x1, y1, ... for the wrapper. */
static ktpel_err pack_points(const ktpel_point *points, size_t n, size_t min, double **xy,
                             ktpel_errbuf *eb)
{
    *xy = NULL;
    if (!points || n < min)
        return ktpel_fail(eb, KTPEL_EINVAL, "draw: %zu points (at least %zu needed)", n, min);
    if (n > MAX_POINTS)
        return ktpel_fail(eb, KTPEL_ETOOBIG, "draw: %zu points (at most %u)", n, MAX_POINTS);
    *xy = malloc(2 * n * sizeof **xy);
    if (!*xy)
        return ktpel_fail(eb, KTPEL_ENOMEM, "draw: out of memory for %zu points", n);
    for (size_t i = 0; i < n; i++) {
        (*xy)[2 * i] = points[i].x;
        (*xy)[2 * i + 1] = points[i].y;
    }
    return KTPEL_OK;
}

ktpel_err ktpel_image_fill(ktpel_image *img, const uint8_t color[3], ktpel_errbuf *eb)
{
    ktpel_err rc = check_target(img, color, eb);
    if (rc != KTPEL_OK)
        return rc;
    size_t n = (size_t)img->width * (size_t)img->height;
    if (img->channels == 1) {
        memset(img->data, color[0], n);
        return KTPEL_OK;
    }
    for (size_t i = 0; i < n; i++)
        memcpy(img->data + 3 * i, color, 3);
    return KTPEL_OK;
}

ktpel_err ktpel_draw_ellipse(ktpel_image *img, double cx, double cy, double rx, double ry,
                             double angle_deg, const uint8_t color[3], int thickness,
                             ktpel_errbuf *eb)
{
    ktpel_err rc = check_target(img, color, eb);
    if (rc != KTPEL_OK)
        return rc;
    char why[256];
    if (ktpel_cv_ellipse(img->data, img->width, img->height, img->channels, cx, cy, rx, ry,
                         angle_deg, color, thickness, why, sizeof why) != 0)
        return ktpel_fail(eb, KTPEL_EINVAL, "draw ellipse at (%.1f, %.1f) radii %.1f, %.1f: %s", cx,
                          cy, rx, ry, why);
    return KTPEL_OK;
}

ktpel_err ktpel_draw_polygon(ktpel_image *img, const ktpel_point *points, size_t n,
                             const uint8_t color[3], ktpel_errbuf *eb)
{
    ktpel_err rc = check_target(img, color, eb);
    double *xy = NULL;
    if (rc == KTPEL_OK)
        rc = pack_points(points, n, 3, &xy, eb);
    if (rc != KTPEL_OK)
        return rc;
    char why[256];
    if (ktpel_cv_fill_polygon(img->data, img->width, img->height, img->channels, xy, (int)n, color,
                              why, sizeof why) != 0)
        rc = ktpel_fail(eb, KTPEL_EINVAL, "draw polygon of %zu points: %s", n, why);
    free(xy);
    return rc;
}

ktpel_err ktpel_draw_polyline(ktpel_image *img, const ktpel_point *points, size_t n, int closed,
                              const uint8_t color[3], int thickness, ktpel_errbuf *eb)
{
    ktpel_err rc = check_target(img, color, eb);
    if (rc == KTPEL_OK && thickness < 1)
        rc = ktpel_fail(eb, KTPEL_EINVAL, "draw polyline: thickness %d (at least 1)", thickness);
    double *xy = NULL;
    if (rc == KTPEL_OK)
        rc = pack_points(points, n, 2, &xy, eb);
    if (rc != KTPEL_OK)
        return rc;
    char why[256];
    if (ktpel_cv_polyline(img->data, img->width, img->height, img->channels, xy, (int)n, closed,
                          color, thickness, why, sizeof why) != 0)
        rc = ktpel_fail(eb, KTPEL_EINVAL, "draw polyline of %zu points: %s", n, why);
    free(xy);
    return rc;
}

ktpel_err ktpel_draw_line(ktpel_image *img, ktpel_point a, ktpel_point b, const uint8_t color[3],
                          int thickness, ktpel_errbuf *eb)
{
    ktpel_point pts[2] = {a, b};
    return ktpel_draw_polyline(img, pts, 2, 0, color, thickness, eb);
}

ktpel_err ktpel_image_gaussian_blur(ktpel_image *img, double sigma, ktpel_errbuf *eb)
{
    static const uint8_t unused[3] = {0, 0, 0};
    ktpel_err rc = check_target(img, unused, eb);
    if (rc != KTPEL_OK)
        return rc;
    if (!(sigma > 0) || sigma > 1000)
        return ktpel_fail(eb, KTPEL_EINVAL, "blur: sigma %g out of (0, 1000]", sigma);
    char why[256];
    if (ktpel_cv_gaussian_blur(img->data, img->width, img->height, img->channels, sigma, why,
                               sizeof why) != 0)
        return ktpel_fail(eb, KTPEL_EINTERNAL, "blur: %s", why);
    return KTPEL_OK;
}

ktpel_err ktpel_image_resize(const ktpel_image *src, int width, int height, ktpel_image *dst,
                             ktpel_errbuf *eb)
{
    static const uint8_t unused[3] = {0, 0, 0};
    ktpel_err rc = check_target(src, unused, eb);
    if (rc != KTPEL_OK)
        return rc;
    if (!dst)
        return ktpel_fail(eb, KTPEL_EINVAL, "resize: NULL output");
    long long dpi = src->dpi > 0 ? ((long long)src->dpi * width + src->width / 2) / src->width : 0;
    if (dpi > INT_MAX)
        dpi = 0;
    rc = ktpel_image_alloc(dst, width, height, src->channels, (int)dpi, eb);
    if (rc != KTPEL_OK)
        return rc;
    char why[256];
    if (ktpel_cv_resize(src->data, src->width, src->height, src->channels, dst->data, width, height,
                        why, sizeof why) != 0) {
        ktpel_image_free(dst);
        return ktpel_fail(eb, KTPEL_EINTERNAL, "resize to %dx%d: %s", width, height, why);
    }
    return KTPEL_OK;
}

ktpel_err ktpel_image_crop(const ktpel_image *src, ktpel_rect rect, ktpel_image *dst,
                           ktpel_errbuf *eb)
{
    static const uint8_t unused[3] = {0, 0, 0};
    ktpel_err rc = check_target(src, unused, eb);
    if (rc != KTPEL_OK)
        return rc;
    if (!dst)
        return ktpel_fail(eb, KTPEL_EINVAL, "crop: NULL output");
    if (rect.width <= 0 || rect.height <= 0 || rect.x < 0 || rect.y < 0 ||
        rect.x > src->width - rect.width || rect.y > src->height - rect.height)
        return ktpel_fail(eb, KTPEL_EINVAL, "crop: rectangle %dx%d at (%d, %d) not inside %dx%d",
                          rect.width, rect.height, rect.x, rect.y, src->width, src->height);
    rc = ktpel_image_alloc(dst, rect.width, rect.height, src->channels, src->dpi, eb);
    if (rc != KTPEL_OK)
        return rc;
    size_t row = (size_t)rect.width * (size_t)src->channels;
    for (int y = 0; y < rect.height; y++) {
        const uint8_t *from =
            src->data +
            (((size_t)(rect.y + y) * (size_t)src->width + (size_t)rect.x) * (size_t)src->channels);
        memcpy(dst->data + (size_t)y * row, from, row);
    }
    return KTPEL_OK;
}

ktpel_err ktpel_image_rotate(const ktpel_image *src, double cx, double cy, double angle_deg,
                             ktpel_image *dst, ktpel_errbuf *eb)
{
    static const uint8_t unused[3] = {0, 0, 0};
    ktpel_err rc = check_target(src, unused, eb);
    if (rc != KTPEL_OK)
        return rc;
    if (!dst)
        return ktpel_fail(eb, KTPEL_EINVAL, "rotate: NULL output");
    if (!(angle_deg >= -360 && angle_deg <= 360))
        return ktpel_fail(eb, KTPEL_EINVAL, "rotate: angle %g out of [-360, 360]", angle_deg);
    rc = ktpel_image_alloc(dst, src->width, src->height, src->channels, src->dpi, eb);
    if (rc != KTPEL_OK)
        return rc;
    char why[256];
    if (ktpel_cv_rotate(src->data, src->width, src->height, src->channels, cx, cy, angle_deg,
                        dst->data, why, sizeof why) != 0) {
        ktpel_image_free(dst);
        return ktpel_fail(eb, KTPEL_EINTERNAL, "rotate by %g degrees: %s", angle_deg, why);
    }
    return KTPEL_OK;
}

ktpel_face_detect_params ktpel_face_detect_params_default(void)
{
    ktpel_face_detect_params p = {1.1, 3, 30};
    return p;
}

ktpel_err ktpel_face_detector_create(const char *cascade_path, ktpel_face_detector **out,
                                     ktpel_errbuf *eb)
{
    if (!out)
        return ktpel_fail(eb, KTPEL_EINVAL, "face detector: NULL output");
    *out = NULL;
    if (!cascade_path || !*cascade_path)
        return ktpel_fail(eb, KTPEL_EINVAL, "face detector: no cascade file given");
    ktpel_face_detector *det = calloc(1, sizeof *det);
    if (!det)
        return ktpel_fail(eb, KTPEL_ENOMEM, "face detector: out of memory");
    char why[256];
    if (ktpel_cv_cascade_load(cascade_path, &det->cascade, why, sizeof why) != 0) {
        free(det);
        return ktpel_fail(eb, KTPEL_EIO, "%s: cannot load the cascade classifier: %s", cascade_path,
                          why);
    }
    snprintf(det->path, sizeof det->path, "%s", cascade_path);
    *out = det;
    return KTPEL_OK;
}

void ktpel_face_detector_free(ktpel_face_detector *det)
{
    if (!det)
        return;
    ktpel_cv_cascade_free(det->cascade);
    free(det);
}

ktpel_err ktpel_face_detector_run(ktpel_face_detector *det, const ktpel_image *img,
                                  const ktpel_face_detect_params *params, ktpel_rect *faces,
                                  size_t max, size_t *count, ktpel_errbuf *eb)
{
    static const uint8_t unused[3] = {0, 0, 0};
    if (!det || !count || (max > 0 && !faces))
        return ktpel_fail(eb, KTPEL_EINVAL, "face detection: NULL argument");
    *count = 0;
    ktpel_err rc = check_target(img, unused, eb);
    if (rc != KTPEL_OK)
        return rc;
    ktpel_face_detect_params p = params ? *params : ktpel_face_detect_params_default();
    if (max > 1024)
        max = 1024;
    int *rects = max ? malloc(4 * max * sizeof *rects) : NULL;
    if (max && !rects)
        return ktpel_fail(eb, KTPEL_ENOMEM, "face detection: out of memory");
    int found = 0;
    char why[256];
    if (ktpel_cv_cascade_detect(det->cascade, img->data, img->width, img->height, img->channels,
                                p.scale_factor, p.min_neighbors, p.min_size, rects, (int)max,
                                &found, why, sizeof why) != 0) {
        free(rects);
        return ktpel_fail(eb, KTPEL_EINVAL, "face detection with %s: %s", det->path, why);
    }
    for (size_t i = 0; i < max && i < (size_t)found; i++)
        faces[i] = (ktpel_rect){rects[4 * i], rects[4 * i + 1], rects[4 * i + 2], rects[4 * i + 3]};
    *count = (size_t)found;
    free(rects);
    return KTPEL_OK;
}

ktpel_err ktpel_face_detect(const ktpel_image *img, const char *cascade_path, ktpel_rect *faces,
                            size_t max, size_t *count, ktpel_errbuf *eb)
{
    ktpel_face_detector *det = NULL;
    ktpel_err rc = ktpel_face_detector_create(cascade_path, &det, eb);
    if (rc == KTPEL_OK)
        rc = ktpel_face_detector_run(det, img, NULL, faces, max, count, eb);
    ktpel_face_detector_free(det);
    return rc;
}

struct ktpel_video {
    ktpel_cv_video *cv;
    char source[256];
};

ktpel_err ktpel_video_open(const char *source, ktpel_video_kind kind, int width, int height,
                           ktpel_video **out, ktpel_errbuf *eb)
{
    if (!out)
        return ktpel_fail(eb, KTPEL_EINVAL, "video: NULL output");
    *out = NULL;
    if (!source || !*source)
        return ktpel_fail(eb, KTPEL_EINVAL, "video: no source given");
    if (kind != KTPEL_VIDEO_DEVICE && kind != KTPEL_VIDEO_INDEX && kind != KTPEL_VIDEO_SEQUENCE)
        return ktpel_fail(eb, KTPEL_EINVAL, "video %s: unknown kind %d", source, (int)kind);
    if (width < 0 || height < 0 || width > KTPEL_IMAGE_MAX_SIDE || height > KTPEL_IMAGE_MAX_SIDE)
        return ktpel_fail(eb, KTPEL_EINVAL, "video %s: frame size %dx%d out of range", source,
                          width, height);
    ktpel_video *v = calloc(1, sizeof *v);
    if (!v)
        return ktpel_fail(eb, KTPEL_ENOMEM, "video %s: out of memory", source);
    int cv_kind = kind == KTPEL_VIDEO_SEQUENCE ? KTPEL_CV_VIDEO_SEQUENCE
                  : kind == KTPEL_VIDEO_INDEX  ? KTPEL_CV_VIDEO_INDEX
                                               : KTPEL_CV_VIDEO_DEVICE;
    char why[256];
    if (ktpel_cv_video_open(source, cv_kind, width, height, &v->cv, why, sizeof why) != 0) {
        free(v);
        return ktpel_fail(eb, KTPEL_EIO, "video %s: %s", source, why);
    }
    snprintf(v->source, sizeof v->source, "%s", source);
    *out = v;
    return KTPEL_OK;
}

void ktpel_video_close(ktpel_video *video)
{
    if (!video)
        return;
    ktpel_cv_video_close(video->cv);
    free(video);
}

ktpel_err ktpel_video_read(ktpel_video *video, ktpel_image_mode mode, ktpel_image *out,
                           ktpel_errbuf *eb)
{
    if (!video || !out)
        return ktpel_fail(eb, KTPEL_EINVAL, "video: NULL argument");
    if (mode != KTPEL_IMAGE_GREY && mode != KTPEL_IMAGE_RGB)
        return ktpel_fail(eb, KTPEL_EINVAL, "video %s: unknown image mode %d", video->source,
                          (int)mode);
    memset(out, 0, sizeof *out);
    int width = 0, height = 0;
    uint8_t *pixels = NULL;
    char why[256];
    int rc = ktpel_cv_video_read(video->cv, (int)mode, &width, &height, &pixels, why, sizeof why);
    if (rc == 1)
        return ktpel_fail(eb, KTPEL_EEMPTY, "video %s: no more frames", video->source);
    if (rc != 0)
        return ktpel_fail(eb, KTPEL_EIO, "video %s: cannot read a frame: %s", video->source, why);
    if (width > KTPEL_IMAGE_MAX_SIDE || height > KTPEL_IMAGE_MAX_SIDE ||
        (size_t)width * (size_t)height > KTPEL_IMAGE_MAX_PIXELS) {
        free(pixels);
        return ktpel_fail(eb, KTPEL_ETOOBIG, "video %s: frame %dx%d too large", video->source,
                          width, height);
    }
    out->width = width;
    out->height = height;
    out->channels = (int)mode;
    out->dpi = 0;
    out->data = pixels;
    return KTPEL_OK;
}
