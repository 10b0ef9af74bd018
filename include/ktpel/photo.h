/* The photo check of the enrolment station: is a camera frame fit to become the KTP-el
 * portrait? ICAO-style rules after ISO/IEC 19794-5 (full frontal image), each failed rule
 * named with a stable code and a message for the operator in Bahasa Indonesia and English;
 * and the portrait itself, cut from an accepted frame at the KTP-el pas foto ratio (3:4) and
 * stored as JPEG with its resolution.
 *
 * The rules and every figure they use are in docs/photo.md. In short: exactly one face
 * (two Haar cascades must agree), both eyes found, eye line level within 8 degrees, at least
 * 60 pixels between the eye centres, a 3:4 portrait with the head at 50..75% of its width
 * and the eye line 50..70% up from the bottom must fit in the frame, sharp, well exposed, and
 * a plain background around the head.
 *
 * A ktpel_photo_checker holds the cascades: one per thread (OpenCV's classifier is not
 * reentrant); there is no global state.
 */
#ifndef KTPEL_PHOTO_H
#define KTPEL_PHOTO_H

#include <stddef.h>

#include "ktpel/error.h"
#include "ktpel/image.h"
#include "ktpel/imgproc.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The rules. The order is the order of the report; codes never change. */
typedef enum ktpel_photo_rule {
    KTPEL_PHOTO_NO_FACE = 0,    /* "no_face" */
    KTPEL_PHOTO_MULTIPLE_FACES, /* "multiple_faces" */
    KTPEL_PHOTO_EYES_NOT_FOUND, /* "eyes_not_found" */
    KTPEL_PHOTO_HEAD_TILTED,    /* "head_tilted": eye line not level (roll) */
    KTPEL_PHOTO_LOW_RESOLUTION, /* "low_resolution": too few pixels between the eyes */
    KTPEL_PHOTO_TOO_CLOSE,      /* "too_close": the head is too large for the frame */
    KTPEL_PHOTO_OFF_CENTRE,     /* "off_centre": the portrait cannot be cut around the head */
    KTPEL_PHOTO_BLURRED,        /* "blurred" */
    KTPEL_PHOTO_UNDEREXPOSED,   /* "underexposed" */
    KTPEL_PHOTO_OVEREXPOSED,    /* "overexposed" */
    KTPEL_PHOTO_LOW_CONTRAST,   /* "low_contrast": the face spans too few grey levels */
    KTPEL_PHOTO_BACKGROUND,     /* "background_not_plain" */
    KTPEL_PHOTO_RULE_COUNT
} ktpel_photo_rule;

/* Stable code ("no_face", ...), and the operator's message in Bahasa Indonesia and in
 * English. Never NULL ("unknown" for an invalid rule). */
const char *ktpel_photo_rule_code(ktpel_photo_rule rule);
const char *ktpel_photo_rule_message_id(ktpel_photo_rule rule);
const char *ktpel_photo_rule_message_en(ktpel_photo_rule rule);

/* The KTP-el pas foto: 3 x 4 cm (width x height). */
#define KTPEL_PHOTO_WIDTH_MM  30
#define KTPEL_PHOTO_HEIGHT_MM 40
/* Widest stored portrait (600 dpi over 3 cm); wider crops are shrunk to it. */
#define KTPEL_PHOTO_MAX_WIDTH 708

/* Everything the check measured. Distances are pixels of the checked frame. */
typedef struct ktpel_photo_report {
    int accepted;                               /* 1 if no rule failed */
    unsigned failed;                            /* bit (1u << rule) per failed rule */
    char detail[KTPEL_PHOTO_RULE_COUNT][160];   /* what was measured, for each failed rule */
    size_t faces;                               /* faces both cascades agree on */
    ktpel_rect face;                            /* the largest face (valid if faces >= 1) */
    int eyes_found;                             /* 1 if an eye pair was found */
    ktpel_point eye_left, eye_right;            /* on the image's left and right */
    double eye_distance;                        /* measured, or estimated from the face box */
    double roll_deg;                            /* eye line angle, positive clockwise */
    int crop_found;                             /* 1 if the 3:4 portrait fits in the frame */
    ktpel_rect crop;                            /* the portrait's rectangle (if crop_found) */
    double blur_sigma;                          /* estimated blur, % of the face width */
    double face_median, face_dark, face_bright; /* luma median; fractions <= 25, >= 247 */
    double face_range;                          /* grey levels between 0.5 and 99.5 % */
    double background_edges;                    /* fraction of edge pixels around the head */
    double background_spread;                   /* luma spread (p95 - p5) around the head */
} ktpel_photo_report;

typedef struct ktpel_photo_checker ktpel_photo_checker;

/* Loads the cascades; NULL directory means /usr/share/opencv4/haarcascades (Debian's
 * opencv-data). Errors name the missing file. */
ktpel_err ktpel_photo_checker_create(const char *cascade_dir, ktpel_photo_checker **out,
                                     ktpel_errbuf *eb);
/* NULL is allowed. */
void ktpel_photo_checker_free(ktpel_photo_checker *pc);

/* Checks a frame (grey or RGB). Returns KTPEL_OK whether the photo is accepted or not (see
 * rep->accepted and rep->failed); an error only when the check itself could not run. */
ktpel_err ktpel_photo_check(ktpel_photo_checker *pc, const ktpel_image *img,
                            ktpel_photo_report *rep, ktpel_errbuf *eb);

/* The KTP-el portrait cut from img at rep->crop (which must have been found): the 3:4 crop
 * at the frame's own pixel size (shrunk to KTPEL_PHOTO_MAX_WIDTH if wider), with the dpi that
 * prints it 3 cm wide. */
ktpel_err ktpel_photo_portrait(const ktpel_image *img, const ktpel_photo_report *rep,
                               ktpel_image *out, ktpel_errbuf *eb);

/* Writes a portrait as JPEG (libjpeg-turbo, quality 90, JFIF density = its dpi) atomically. */
ktpel_err ktpel_photo_write_jpeg(const char *path, const ktpel_image *portrait, ktpel_errbuf *eb);

#ifdef __cplusplus
}
#endif

#endif
