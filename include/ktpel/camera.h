/* The enrolment station's cameras: the face camera (colour) and the iris camera (grey).
 *
 * In the field a camera is a V4L2 device, named by its path (/dev/video0) or its number
 * ("0"). In tests and in the demo it is an image sequence: files numbered from 0 in one
 * folder, read in order as if a camera delivered them. Frames come back exactly as stored
 * (the sequence is read with OpenCV's CAP_IMAGES backend, never through FFmpeg, which would
 * rescale them).
 *
 * A source string is read as:
 *   /dev/...            a V4L2 device path
 *   all digits          a V4L2 device number
 *   contains '%'        a printf pattern of numbered files, e.g. /tmp/cam/frame_%04d.png
 *   a directory         the sequence DIR/frame_%04d.png (see ktpel_camera_frame_path)
 *
 * A ktpel_camera is owned by its caller and must not be used by two threads at once; there
 * is no global state.
 */
#ifndef KTPEL_CAMERA_H
#define KTPEL_CAMERA_H

#include <stddef.h>

#include "ktpel/error.h"
#include "ktpel/image.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What the camera is for; it decides the colour layout of the frames. */
typedef enum ktpel_camera_role {
    KTPEL_CAMERA_FACE = 0, /* RGB frames, for the portrait */
    KTPEL_CAMERA_IRIS = 1, /* grey frames (near-infrared iris cameras are monochrome) */
} ktpel_camera_role;

typedef struct ktpel_camera_options {
    int width, height; /* frame size to ask a device for; 0 = the device's default */
    int dpi;           /* resolution to give the frames; 0 = unknown (the usual case) */
} ktpel_camera_options;

typedef struct ktpel_camera ktpel_camera;

/* Opens the camera named by source (see above). opts NULL means all zero. Errors name the
 * source. Close it with ktpel_camera_close. */
ktpel_err ktpel_camera_open(const char *source, ktpel_camera_role role,
                            const ktpel_camera_options *opts, ktpel_camera **out, ktpel_errbuf *eb);
/* NULL is allowed. */
void ktpel_camera_close(ktpel_camera *cam);

/* Grabs the next frame into a new image (RGB for a face camera, grey for an iris camera).
 * KTPEL_EEMPTY when an image sequence has no more frames; KTPEL_EIO when a device fails. */
ktpel_err ktpel_camera_grab(ktpel_camera *cam, ktpel_image *out, ktpel_errbuf *eb);

/* Frames grabbed so far. */
size_t ktpel_camera_frames(const ktpel_camera *cam);

/* The file name of frame `index` of the sequence in folder dir, DIR/frame_NNNN.png (what a
 * directory source reads): lets tests and the demo write a camera's frames. */
ktpel_err ktpel_camera_frame_path(const char *dir, unsigned index, char *buf, size_t size,
                                  ktpel_errbuf *eb);

#ifdef __cplusplus
}
#endif

#endif
