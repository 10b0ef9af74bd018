/* Synthetic near-infrared eye images, for the demo, the tests and the iris benchmark.
 *
 * An eye is generated once from (seed, resident, left/right): an iris texture of radial
 * fibres, crypts, furrows and a collarette made in the polar domain, a pupil and a limbus
 * whose centres differ, sclera and skin. A capture of an eye renders it as a 320x280 8-bit
 * grey image in the style of CASIA-IrisV1 (dark pupil, mid-grey textured iris, brighter sclera
 * and skin) with what changes from one capture to the next: pupil dilation (the texture
 * follows Daugman's rubber-sheet model, so the eye stays recognisable), gaze and position
 * offset, head tilt, eyelids and eyelashes, one or two specular reflections, focus blur and
 * sensor noise.
 *
 * Everything is deterministic: the same (seed, resident, eye, capture) gives the same bytes.
 * Each eye and each capture draws from its own ktpel_rng sub-stream, so any part of a
 * population can be generated alone, in any order, in parallel. (The rendering uses the C
 * library's sin, exp, atan2...; a C library whose results differ in the last bit could move
 * a rare pixel by one grey level, never the random draws.) An eye is read-only once created:
 * several threads may capture the same eye at once.
 *
 * Speed: creating an eye takes about 9 ms and a capture about 6 ms of CPU time (Release build,
 * one core of this project's build machine).
 */
#ifndef KTPEL_SYNTH_IRIS_H
#define KTPEL_SYNTH_IRIS_H

#include <stdint.h>

#include "ktpel/error.h"
#include "ktpel/image.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Size of every capture, as CASIA-IrisV1. */
#define KTPEL_SYNTH_IRIS_WIDTH  320
#define KTPEL_SYNTH_IRIS_HEIGHT 280

/* Which eye of a resident. */
#define KTPEL_SYNTH_IRIS_RIGHT 0
#define KTPEL_SYNTH_IRIS_LEFT  1

/* First element of the ktpel_rng_seed_path of every iris sub-stream ("IRIS"), so that the
 * other modalities of the same resident draw from unrelated streams. */
#define KTPEL_SYNTH_IRIS_STREAM 0x49524953u

/* Most specular reflections in one capture. */
#define KTPEL_SYNTH_IRIS_MAX_SPOTS 2

/* An eyelid edge: a parabola in a frame turned by `angle` around its apex. For a point
 * (x, y) let u = (x - apex_x) cos(angle) + (y - apex_y) sin(angle) and
 * v = -(x - apex_x) sin(angle) + (y - apex_y) cos(angle); the edge is v = curvature * u^2.
 * The upper lid (curvature > 0) covers v < curvature * u^2; the lower lid (curvature < 0)
 * covers v > curvature * u^2. Image coordinates: x to the right, y down, pixel centres at
 * integers; angle is measured in them, so a positive angle turns the lid clockwise as seen
 * (a head tilt of `rotation` gives angle = -tilt). */
typedef struct ktpel_synth_iris_eyelid {
    double apex_x, apex_y;
    double curvature; /* 1/pixels */
    double angle;     /* radians */
} ktpel_synth_iris_eyelid;

/* A specular reflection: a bright disc. */
typedef struct ktpel_synth_iris_spot {
    double x, y, r;
} ktpel_synth_iris_spot;

/* Ground truth of one capture, in image pixels (x right, y down, pixel centres at integers),
 * for testing segmentation. */
typedef struct ktpel_synth_iris_truth {
    double pupil_x, pupil_y, pupil_r; /* pupil boundary circle */
    double iris_x, iris_y, iris_r;    /* limbus circle */
    ktpel_synth_iris_eyelid upper, lower;
    /* Rotation of the iris texture in the image, radians, counter-clockwise as seen in the
     * image (y down: a point at angle theta = atan2(-(y - cy), x - cx) in the eye appears at
     * theta + rotation). What a matcher's circular shift has to undo, relative to another
     * capture's rotation. */
    double rotation;
    int spot_count; /* 0..KTPEL_SYNTH_IRIS_MAX_SPOTS */
    ktpel_synth_iris_spot spots[KTPEL_SYNTH_IRIS_MAX_SPOTS];
    double blur_sigma;  /* focus blur applied, pixels (Gaussian sigma) */
    double noise_sigma; /* sensor noise, grey levels */
} ktpel_synth_iris_truth;

/* One eye of one resident; opaque, read-only once created. */
typedef struct ktpel_synth_iris_eye ktpel_synth_iris_eye;

/* Creates eye `eye` (KTPEL_SYNTH_IRIS_RIGHT or _LEFT) of resident `resident` of the
 * population `seed`. The two eyes of a resident are unrelated textures, as in life. */
ktpel_err ktpel_synth_iris_eye_create(uint64_t seed, uint64_t resident, int eye,
                                      ktpel_synth_iris_eye **out, ktpel_errbuf *eb);
/* NULL is allowed. */
void ktpel_synth_iris_eye_free(ktpel_synth_iris_eye *eye);

/* Renders capture number `capture` (>= 0) of an eye into a new 320x280 grey image (free it
 * with ktpel_image_free). The image's dpi is the capture's true scale: the eye's limbus has a
 * physical diameter (10.8-12.9 mm, mean 11.8) and the camera distance varies per person and
 * a little per capture, so dpi = 25.4 * 2 * iris_r / diameter_mm, between 378 and 506
 * (mean about 440). truth may be NULL. */
ktpel_err ktpel_synth_iris_capture(const ktpel_synth_iris_eye *eye, int capture, ktpel_image *out,
                                   ktpel_synth_iris_truth *truth, ktpel_errbuf *eb);

/* 1 if pixel (x, y) of the capture described by truth shows iris: between the pupil and the
 * limbus circles and not under an eyelid (eyelashes and reflections are not excluded). */
int ktpel_synth_iris_truth_is_iris(const ktpel_synth_iris_truth *truth, double x, double y);

/* 1 if (x, y) is covered by the eyelid. */
int ktpel_synth_iris_eyelid_covers(const ktpel_synth_iris_eyelid *lid, double x, double y);

#ifdef __cplusplus
}
#endif

#endif
