/* Internals of the operator's workflow (include/ktpel/enrol.h), shared by capture/enrol*.c. */
#ifndef KTPEL_ENROL_INTERNAL_H
#define KTPEL_ENROL_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "ktpel/enrol.h"
#include "ktpel/fp_extract.h"

/* The state of one run of ktpel_enrol_capture. */
typedef struct enrol_run {
    const ktpel_enrol_options *opt;
    const ktpel_enrol_device_ops *ops;
    void *dev;
    ktpel_packet *p;
    ktpel_enrol_result *res;
    char nama[256]; /* the resident's name from the record, for the summary */
    /* Limits with their defaults applied. */
    int photo_attempts, finger_attempts, finger_min_quality;
    int iris_attempts, iris_min_quality, verify_attempts;
    double verify_fmr;
    /* Fingers: features of each stored image (NULL when not captured), the outcome. */
    ktpel_fp_features *features[KTPEL_ENROL_FINGERS + 1];
    ktpel_finger_absence outcome[KTPEL_ENROL_FINGERS + 1];
    char reason[KTPEL_ENROL_FINGERS + 1][160];
    int finger_width, finger_height, finger_dpi;
    /* Irises: captured (index 0 right, 1 left) and why not. */
    bool iris_ok[2];
    char iris_reason[2][160];
    bool signature_from_pad;
} enrol_run;

/* Tells the operator (printf-style message in Bahasa Indonesia). */
void enrol_say(enrol_run *r, ktpel_enrol_step step, const char *code, int position, int eye,
               int attempt, const char *fmt, ...) __attribute__((format(printf, 7, 8)));

/* Adds a capture line; note may be NULL. Text is cut to the field sizes. */
ktpel_err enrol_capture_line(enrol_run *r, const char *item, const char *entry,
                             ktpel_enrol_step step, int64_t when, int quality, int attempts,
                             const char *status, const char *note, ktpel_errbuf *eb);

/* Encodes img in the format of name's extension (PNG, JPEG quality 90) and adds the entry. */
ktpel_err enrol_add_image(enrol_run *r, const char *name, const ktpel_image *img, ktpel_errbuf *eb);

/* Current time in unix seconds. */
int64_t enrol_now(void);

/* The steps (enrol_fingers.c, enrol_seal.c). */
ktpel_err enrol_fingers(enrol_run *r, ktpel_errbuf *eb);
ktpel_err enrol_verify(enrol_run *r, ktpel_errbuf *eb);
ktpel_err enrol_confirm(enrol_run *r, ktpel_errbuf *eb);

#endif
