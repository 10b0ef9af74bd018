/* Image processing on ktpel_image: drawing, blur, resizing, and face detection.
 *
 * Drawing works in place on grey (1 channel) or RGB (3 channels) images. Coordinates are
 * pixels, x to the right and y down, pixel centres at integers, with sub-pixel precision
 * (1/16 pixel); edges are antialiased. A colour is given as three bytes in the image's
 * channel order (R, G, B); a grey image uses only the first.
 *
 * Face detection uses an OpenCV cascade classifier file, for instance Debian's opencv-data
 * /usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml (the Viola-Jones
 * frontal face detector). A ktpel_face_detector is owned by its caller and must not be used
 * by two threads at once (OpenCV's classifier keeps per-call state); give each thread its
 * own. Nothing here keeps global state.
 */
#ifndef KTPEL_IMGPROC_H
#define KTPEL_IMGPROC_H

#include <stddef.h>
#include <stdint.h>

#include "ktpel/error.h"
#include "ktpel/image.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ktpel_point {
    double x, y;
} ktpel_point;

typedef struct ktpel_rect {
    int x, y, width, height;
} ktpel_rect;

/* Sets every pixel to color. */
ktpel_err ktpel_image_fill(ktpel_image *img, const uint8_t color[3], ktpel_errbuf *eb);

/* Ellipse centred at (cx, cy) with semi-axes rx, ry (>= 0), turned clockwise on screen by
 * angle_deg. thickness < 0 fills it; otherwise the outline is thickness pixels wide. */
ktpel_err ktpel_draw_ellipse(ktpel_image *img, double cx, double cy, double rx, double ry,
                             double angle_deg, const uint8_t color[3], int thickness,
                             ktpel_errbuf *eb);

/* Filled polygon of n >= 3 points (any simple or self-intersecting outline). */
ktpel_err ktpel_draw_polygon(ktpel_image *img, const ktpel_point *points, size_t n,
                             const uint8_t color[3], ktpel_errbuf *eb);

/* Polyline through n >= 2 points, closed back to the first if `closed`, thickness >= 1
 * pixels with round joints and ends. */
ktpel_err ktpel_draw_polyline(ktpel_image *img, const ktpel_point *points, size_t n, int closed,
                              const uint8_t color[3], int thickness, ktpel_errbuf *eb);

/* A straight line, thickness >= 1 pixels, round ends. */
ktpel_err ktpel_draw_line(ktpel_image *img, ktpel_point a, ktpel_point b, const uint8_t color[3],
                          int thickness, ktpel_errbuf *eb);

/* Gaussian blur in place with standard deviation sigma > 0 pixels (borders reflected). */
ktpel_err ktpel_image_gaussian_blur(ktpel_image *img, double sigma, ktpel_errbuf *eb);

/* A resized copy of src (width x height > 0) in a new image: area averaging when shrinking,
 * bilinear when enlarging. dpi is scaled with the width. */
ktpel_err ktpel_image_resize(const ktpel_image *src, int width, int height, ktpel_image *dst,
                             ktpel_errbuf *eb);

/* A copy of the part of src inside rect (which must lie wholly inside src) in a new image,
 * same channels and dpi. */
ktpel_err ktpel_image_crop(const ktpel_image *src, ktpel_rect rect, ktpel_image *dst,
                           ktpel_errbuf *eb);

/* A copy of src turned by angle_deg about (cx, cy), counter-clockwise on screen for positive
 * angles, same size (bilinear; what comes in from outside repeats the border pixels). */
ktpel_err ktpel_image_rotate(const ktpel_image *src, double cx, double cy, double angle_deg,
                             ktpel_image *dst, ktpel_errbuf *eb);

/* ---- face detection ------------------------------------------------------------------- */

/* The frontal face cascade shipped by Debian's opencv-data package. */
#define KTPEL_FACE_CASCADE_DEFAULT                                                                 \
    "/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml"

/* The eye cascade of the same package (open or lightly closed eyes, no glasses model); run it
 * on the upper half of a detected face. */
#define KTPEL_EYE_CASCADE_DEFAULT "/usr/share/opencv4/haarcascades/haarcascade_eye.xml"

/* Parameters of cv::CascadeClassifier::detectMultiScale. */
typedef struct ktpel_face_detect_params {
    double scale_factor; /* > 1: step between scanned scales */
    int min_neighbors;   /* >= 0: overlapping hits needed to keep a detection */
    int min_size;        /* smallest face side scanned, pixels */
} ktpel_face_detect_params;

/* OpenCV's usual values: scale_factor 1.1, min_neighbors 3, min_size 30. */
ktpel_face_detect_params ktpel_face_detect_params_default(void);

typedef struct ktpel_face_detector ktpel_face_detector;

/* Loads a cascade classifier file (errors name the file). Free with
 * ktpel_face_detector_free. */
ktpel_err ktpel_face_detector_create(const char *cascade_path, ktpel_face_detector **out,
                                     ktpel_errbuf *eb);
/* NULL is allowed. */
void ktpel_face_detector_free(ktpel_face_detector *det);

/* Detects faces (on the grey, histogram-equalised image). Writes up to max rectangles (at
 * most 1024) to faces (may be NULL when max is 0) and the number found, which may exceed max,
 * to *count.
 * params NULL means ktpel_face_detect_params_default(). */
ktpel_err ktpel_face_detector_run(ktpel_face_detector *det, const ktpel_image *img,
                                  const ktpel_face_detect_params *params, ktpel_rect *faces,
                                  size_t max, size_t *count, ktpel_errbuf *eb);

/* One-shot form: loads the cascade at cascade_path, detects with the default parameters,
 * and frees it. For many images, create one detector instead. */
ktpel_err ktpel_face_detect(const ktpel_image *img, const char *cascade_path, ktpel_rect *faces,
                            size_t max, size_t *count, ktpel_errbuf *eb);

/* ---- video frames ------------------------------------------------------------------------ */

/* A video source read through OpenCV's VideoCapture. Not for two threads at once. The
 * station's cameras (include/ktpel/camera.h) are built on it. */
typedef struct ktpel_video ktpel_video;

typedef enum ktpel_video_kind {
    KTPEL_VIDEO_DEVICE = 0,   /* a V4L2 device path, /dev/videoN */
    KTPEL_VIDEO_INDEX = 1,    /* a V4L2 device number, "0", "1", ... */
    KTPEL_VIDEO_SEQUENCE = 2, /* numbered image files, printf pattern (frame_%04d.png), from 0;
                                 read with cv::CAP_IMAGES so that no frame is rescaled */
} ktpel_video_kind;

/* Opens source. width, height > 0 ask a device for that frame size (the driver may choose
 * another); 0 leaves its default. Errors name the source. */
ktpel_err ktpel_video_open(const char *source, ktpel_video_kind kind, int width, int height,
                           ktpel_video **out, ktpel_errbuf *eb);
/* NULL is allowed. */
void ktpel_video_close(ktpel_video *video);
/* Reads the next frame into a new image (grey or RGB, dpi 0: a camera does not know it).
 * KTPEL_EEMPTY when the source has no more frames (end of a sequence). */
ktpel_err ktpel_video_read(ktpel_video *video, ktpel_image_mode mode, ktpel_image *out,
                           ktpel_errbuf *eb);

#ifdef __cplusplus
}
#endif

#endif
