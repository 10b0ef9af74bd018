/* Synthetic fingerprints: images and minutiae templates of fingers that do not exist, for the
 * demo, the tests and measurements at scale.
 *
 * Two levels, both deterministic from (seed, finger, impression): the same arguments give the
 * same bytes on every machine and in any order or thread. No global state; every object is
 * read-only once created, so one master may serve several threads.
 *
 * Images (capture/synth_finger*.c) follow SFinGe (R. Cappelli, D. Maio, D. Maltoni,
 * "Synthetic fingerprint-image generation", ICPR 2000; and chapter 6 of Maltoni et al.,
 * "Handbook of Fingerprint Recognition", 2nd ed., Springer 2009):
 *   master (one per finger): fingerprint area shape, orientation field from singular points
 *   of a class drawn with natural frequencies, ridge-frequency map, ridge pattern grown by
 *   iterative oriented Gabor filtering from random seeds, so that minutiae arise from the
 *   growth and are not pasted on; then skin defects (ridge breaks and bridges, as scars and
 *   incipient ridges make them) on the grown pattern;
 *   impression (one per capture): contact area, ridge thickness (dry/wet), non-linear skin
 *   distortion, rotation and displacement, noise and background, for a sensor profile.
 *
 * Templates (capture/synth_finger_minutiae.c) are for scale, where images would be too slow:
 * a master minutiae set with the statistics of real ones (count, spatial density, types,
 * directions along an orientation field of the same class model) and impressions of it
 * (rigid motion, distortion, missing and spurious minutiae, position and angle noise).
 *
 * Finger identity: `finger` is any number the caller chooses (e.g. resident * 10 + finger
 * position - 1); masters of different (seed, finger) are unrelated. Image and template
 * masters of the same (seed, finger) are different fingers: the levels do not mix.
 */
#ifndef KTPEL_SYNTH_FINGER_H
#define KTPEL_SYNTH_FINGER_H

#include <stdint.h>

#include "ktpel/error.h"
#include "ktpel/fp_template.h"
#include "ktpel/image.h"
#include "ktpel/minutiae.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Henry classes used by the generator. Natural frequencies used when drawing a class
 * (Wilson, Candela, Watson, "Neural network fingerprint classification", J. Artificial
 * Neural Networks 1(2), 1994, as quoted in the Handbook of Fingerprint Recognition, 5.1):
 * arch 3.7 %, tented arch 2.9 %, left loop 33.8 %, right loop 31.7 %, whorl 27.9 %. */
typedef enum ktpel_synth_finger_class {
    KTPEL_SYNTH_FINGER_ARCH = 0,
    KTPEL_SYNTH_FINGER_TENTED_ARCH,
    KTPEL_SYNTH_FINGER_LEFT_LOOP,
    KTPEL_SYNTH_FINGER_RIGHT_LOOP,
    KTPEL_SYNTH_FINGER_WHORL,
    KTPEL_SYNTH_FINGER_CLASS_COUNT
} ktpel_synth_finger_class;

/* Short lower-case name ("arch", "tented_arch", "left_loop", "right_loop", "whorl"); never
 * NULL ("unknown" for a bad value). */
const char *ktpel_synth_finger_class_name(ktpel_synth_finger_class c);

/* Sensor profiles: size of the delivered image and its look. Both at 500 dpi. */
typedef enum ktpel_synth_profile {
    KTPEL_SYNTH_PROFILE_OPTICAL = 0, /* 388 x 374, like FVC2002 DB1 (Identix TouchView II) */
    KTPEL_SYNTH_PROFILE_CAPACITIVE,  /* 300 x 300, like FVC2002 DB3 (Precise 100SC) */
    KTPEL_SYNTH_PROFILE_COUNT
} ktpel_synth_profile;

/* "optical" or "capacitive"; "unknown" for a bad value. */
const char *ktpel_synth_profile_name(ktpel_synth_profile p);
/* Profile from its name; KTPEL_EINVAL naming the value when unknown. */
ktpel_err ktpel_synth_profile_parse(const char *name, ktpel_synth_profile *out, ktpel_errbuf *eb);
/* Image size in pixels and resolution in dpi of a profile; KTPEL_EINVAL for a bad profile.
 * Any output pointer may be NULL. */
ktpel_err ktpel_synth_profile_geometry(ktpel_synth_profile p, int *width, int *height, int *dpi,
                                       ktpel_errbuf *eb);

/* ---- images ---------------------------------------------------------------------------- */

/* A master fingerprint (opaque; about 0.5 MB). Creating one takes the ridge growth (about
 * 0.1 s of one core); create it once per finger and render all its impressions from it
 * (about 5 ms each). */
typedef struct ktpel_synth_finger ktpel_synth_finger;

ktpel_err ktpel_synth_finger_create(uint64_t seed, uint64_t finger, ktpel_synth_finger **out,
                                    ktpel_errbuf *eb);
/* NULL is allowed. */
void ktpel_synth_finger_free(ktpel_synth_finger *m);

ktpel_synth_finger_class ktpel_synth_finger_get_class(const ktpel_synth_finger *m);

/* The master's ridge pattern as a grey image at 500 dpi (dark ridges on white), before any
 * impression effect: for looking at, not for matching. */
ktpel_err ktpel_synth_finger_master_image(const ktpel_synth_finger *m, ktpel_image *out,
                                          ktpel_errbuf *eb);

/* Renders impression number `impression` of a master for a sensor profile into a new grey
 * image (out is overwritten; free it with ktpel_image_free), with the profile's size and dpi.
 * The same (master, profile, impression) gives the same bytes. */
ktpel_err ktpel_synth_finger_render(const ktpel_synth_finger *m, ktpel_synth_profile profile,
                                    uint64_t impression, ktpel_image *out, ktpel_errbuf *eb);

/* ---- templates --------------------------------------------------------------------------- */

/* Most minutiae a master minutiae set holds (a full finger, larger than any sensor). */
#define KTPEL_SYNTH_MASTER_MAX_MINUTIAE 192

/* A master minutiae set: a plain value (no allocation, about 2 KB), coordinates in
 * millimetres in the finger's own frame (origin at the centre of the fingerprint area,
 * y down), directions in radians counter-clockwise as seen on screen (ISO convention). */
typedef struct ktpel_synth_minutiae_master {
    uint64_t seed, finger; /* what it was made from (impressions derive their randomness) */
    ktpel_synth_finger_class finger_class;
    int count;
    float half_width_mm, half_height_mm; /* the fingerprint area: an ellipse-like shape */
    float core_x_mm, core_y_mm;          /* main singular point (or pattern centre for arches) */
    struct {
        float x_mm, y_mm, direction;
        uint8_t type; /* ktpel_minutia_type */
    } minutiae[KTPEL_SYNTH_MASTER_MAX_MINUTIAE];
} ktpel_synth_minutiae_master;

/* Fills *out with the master minutiae set of (seed, finger). */
ktpel_err ktpel_synth_minutiae_master_make(uint64_t seed, uint64_t finger,
                                           ktpel_synth_minutiae_master *out, ktpel_errbuf *eb);

/* One impression of a master minutiae set as seen by a sensor profile: writes up to
 * KTPEL_MAX_MINUTIAE minutiae into `minutiae` (room for KTPEL_MAX_MINUTIAE), their number
 * into *count, and the image geometry the template claims (any of width, height, dpi may be
 * NULL). Minutiae are sorted by y then x, with pixel coordinates inside the image. */
ktpel_err ktpel_synth_minutiae_impression(const ktpel_synth_minutiae_master *m,
                                          ktpel_synth_profile profile, uint64_t impression,
                                          ktpel_minutia *minutiae, int *count, int *width,
                                          int *height, int *dpi, ktpel_errbuf *eb);

/* Same, as a one-view ISO/IEC 19794-2 record in memory (write it with
 * ktpel_iso19794_2_write_file). position is the ISO finger position 0..10 (0 = unknown);
 * the view's quality is set from the impression's simulated quality (1..100). */
ktpel_err ktpel_synth_minutiae_template(const ktpel_synth_minutiae_master *m,
                                        ktpel_synth_profile profile, uint64_t impression,
                                        int position, ktpel_fp_template *out, ktpel_errbuf *eb);

#ifdef __cplusplus
}
#endif

#endif
