/* The OpenCV wrapper: the only place in ktpel that sees OpenCV. A small extern "C" API of
 * exactly what ktpel uses; no OpenCV type appears here. Internal to core/. */
#ifndef KTPEL_CV_WRAP_H
#define KTPEL_CV_WRAP_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Decodes PNG, TIFF, BMP, PGM (anything OpenCV's imdecode reads) into 8-bit pixels, grey
 * (channels 1) or RGB (channels 3), rows packed. On success *pixels is malloc'd and 0 is
 * returned; on failure -1 and a message in err. */
int ktpel_cv_decode(const uint8_t *buf, size_t len, int channels, int *width, int *height,
                    uint8_t **pixels, char *err, size_t err_size);

/* Encodes packed 8-bit grey or RGB pixels in the format of ext (".png", ".tif", ".bmp",
 * ".pgm"). For TIFF, dpi (if > 0) is written as XResolution/YResolution in inches. On
 * success *out is malloc'd and 0 is returned; on failure -1 and a message in err. */
int ktpel_cv_encode(const uint8_t *pixels, int width, int height, int channels, const char *ext,
                    int dpi, uint8_t **out, size_t *out_len, char *err, size_t err_size);

/* ---- drawing, filtering, resizing and face detection (used through ktpel/imgproc.h) ---- */

/* All calls below work in place on packed 8-bit pixels with 1 or 3 channels. Coordinates are
 * pixels (x right, y down, pixel centres at integers) with sub-pixel precision; `color` holds
 * one value per channel. Edges are antialiased. On failure they return -1 and a message in
 * err; 0 on success. */

/* Ellipse centred at (cx, cy) with semi-axes ax, ay, turned by angle_deg (clockwise on
 * screen); thickness < 0 fills it. */
int ktpel_cv_ellipse(uint8_t *pixels, int width, int height, int channels, double cx, double cy,
                     double ax, double ay, double angle_deg, const uint8_t *color, int thickness,
                     char *err, size_t err_size);

/* Filled polygon of n points (xy = x0, y0, x1, y1, ...). */
int ktpel_cv_fill_polygon(uint8_t *pixels, int width, int height, int channels, const double *xy,
                          int n, const uint8_t *color, char *err, size_t err_size);

/* Open (closed = 0) or closed polyline of n points, thickness >= 1 pixels, round joints. */
int ktpel_cv_polyline(uint8_t *pixels, int width, int height, int channels, const double *xy, int n,
                      int closed, const uint8_t *color, int thickness, char *err, size_t err_size);

/* Gaussian blur with standard deviation sigma (> 0) pixels, borders reflected. */
int ktpel_cv_gaussian_blur(uint8_t *pixels, int width, int height, int channels, double sigma,
                           char *err, size_t err_size);

/* Resizes src into dst (dst_width x dst_height, same channels, caller-allocated): area
 * averaging when shrinking, bilinear when enlarging. */
int ktpel_cv_resize(const uint8_t *src, int src_width, int src_height, int channels, uint8_t *dst,
                    int dst_width, int dst_height, char *err, size_t err_size);

/* A Haar or LBP cascade classifier (cv::CascadeClassifier); not to be used by two threads at
 * once. */
typedef struct ktpel_cv_cascade ktpel_cv_cascade;

int ktpel_cv_cascade_load(const char *path, ktpel_cv_cascade **out, char *err, size_t err_size);
void ktpel_cv_cascade_free(ktpel_cv_cascade *cascade);

/* Detects objects on the grey version of the pixels (histogram equalised first, as OpenCV's
 * face detection sample does). Writes up to max rectangles as x, y, width, height into rects
 * (room for 4 * max ints) and the number found (which may exceed max) into *count. */
int ktpel_cv_cascade_detect(ktpel_cv_cascade *cascade, const uint8_t *pixels, int width, int height,
                            int channels, double scale_factor, int min_neighbors, int min_size,
                            int *rects, int max, int *count, char *err, size_t err_size);

/* ---- video capture (used through ktpel/camera.h) ---- */

/* A cv::VideoCapture; not to be used by two threads at once. */
typedef struct ktpel_cv_video ktpel_cv_video;

/* How ktpel_cv_video_open reads its source. */
enum {
    KTPEL_CV_VIDEO_DEVICE = 0,   /* a V4L2 device path such as /dev/video0 */
    KTPEL_CV_VIDEO_INDEX = 1,    /* a V4L2 device number: source is "0", "1", ... */
    KTPEL_CV_VIDEO_SEQUENCE = 2, /* an image sequence pattern (frame_%04d.png), from 0 */
};

/* Opens a source; the sequence is read with cv::CAP_IMAGES only (never FFmpeg, which would
 * rescale the frames). width and height > 0 ask a device for that frame size (ignored for
 * sequences). On success *out is set and 0 returned; -1 and a message otherwise. */
int ktpel_cv_video_open(const char *source, int kind, int width, int height, ktpel_cv_video **out,
                        char *err, size_t err_size);
void ktpel_cv_video_close(ktpel_cv_video *video);

/* Reads the next frame as packed grey (channels 1) or RGB (channels 3) pixels into a
 * malloc'd *pixels. Returns 0 with a frame, 1 at the end of the stream (no frame), -1 on
 * failure with a message. */
int ktpel_cv_video_read(ktpel_cv_video *video, int channels, int *width, int *height,
                        uint8_t **pixels, char *err, size_t err_size);

/* ---- geometry ---- */

/* Turns src about (cx, cy) by angle_deg (counter-clockwise on screen, as cv::getRotationMatrix2D)
 * into dst (same size and channels, caller-allocated), bilinear, borders replicated. */
int ktpel_cv_rotate(const uint8_t *src, int width, int height, int channels, double cx, double cy,
                    double angle_deg, uint8_t *dst, char *err, size_t err_size);

#ifdef __cplusplus
}
#endif

#endif
