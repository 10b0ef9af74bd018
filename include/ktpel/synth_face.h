/* Synthetic KTP-el portraits: a procedural frontal colour photo per person, varied a little
 * per capture.
 *
 * A person's face is drawn from (seed, person): head and jaw shape, skin tone in the range of
 * Indonesian complexions, eyes, brows, nose, mouth, ears, hair (short or long; a jilbab for
 * most Muslim women), shirt; the face stays, the jilbab follows the record's religion. A capture
 * adds what changes between two photos of the same person: position and size in the frame, a slight
 * head roll, expression (smile, eye openness, brow raise), lighting direction and brightness,
 * sensor noise.
 *
 * The photo follows the KTP-el: 3 x 4 cm at 300 dpi (354 x 472 pixels), head and shoulders,
 * plain background coloured as Dukcapil prints it: blue for residents born in an even year,
 * red for an odd year, orange for foreign residents (WNA).
 *
 * Deterministic: the same (seed, person, look, capture) gives the same bytes on every
 * machine; persons and captures draw from their own ktpel_rng sub-streams, so any photo can be
 * made alone, in any order or thread. No global state.
 *
 * The faces are made to be found by OpenCV's frontal face Haar cascade: see
 * docs/synth-format.md for the measured detection rate.
 */
#ifndef KTPEL_SYNTH_FACE_H
#define KTPEL_SYNTH_FACE_H

#include <stdint.h>

#include "ktpel/error.h"
#include "ktpel/image.h"
#include "ktpel/nik.h"

#ifdef __cplusplus
extern "C" {
#endif

#define KTPEL_SYNTH_FACE_WIDTH  354
#define KTPEL_SYNTH_FACE_HEIGHT 472
#define KTPEL_SYNTH_FACE_DPI    300

/* First element of the ktpel_rng_seed_path of every face sub-stream ("FACE"). */
#define KTPEL_SYNTH_FACE_STREAM 0x46414345u

typedef enum ktpel_synth_face_background {
    KTPEL_SYNTH_FACE_BLUE = 0, /* WNI born in an even year */
    KTPEL_SYNTH_FACE_RED,      /* WNI born in an odd year */
    KTPEL_SYNTH_FACE_ORANGE,   /* WNA */
} ktpel_synth_face_background;

/* The background Dukcapil uses for a birth year and citizenship. */
ktpel_synth_face_background ktpel_synth_face_background_for(int birth_year, int foreign);

/* What the record says about the person that shows in the photo. */
typedef struct ktpel_synth_face_look {
    ktpel_sex sex;                          /* male or female */
    int age;                                /* years, on the day of the photo */
    ktpel_synth_face_background background; /* from the record's birth year */
    int muslim;                             /* the record's religion is ISLAM: a woman may
                                               wear a jilbab */
} ktpel_synth_face_look;

/* Renders capture `capture` of person `person` of population `seed` into a new RGB image of
 * KTPEL_SYNTH_FACE_WIDTH x KTPEL_SYNTH_FACE_HEIGHT at KTPEL_SYNTH_FACE_DPI (out is
 * overwritten; free it with ktpel_image_free). */
ktpel_err ktpel_synth_face_render(uint64_t seed, uint64_t person, const ktpel_synth_face_look *look,
                                  uint64_t capture, ktpel_image *out, ktpel_errbuf *eb);

#ifdef __cplusplus
}
#endif

#endif
