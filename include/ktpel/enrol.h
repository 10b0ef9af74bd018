/* The operator's workflow at the enrolment station (issue 6): photo, signature, ten fingers,
 * both irises, re-verification of the index fingers, the resident's confirmation, and the
 * sealed packet in the station's spool. docs/station.md ("The operator's workflow") describes
 * the steps, the prompts and what goes into the packet.
 *
 * Three parts:
 *   - the devices, behind a table of functions (ktpel_enrol_device_ops) so that the workflow
 *     runs the same on USB devices, on files and on a test's fakes;
 *     ktpel_enrol_devices_open builds it from cameras, a libfprint scanner (real or the
 *     virtual_image device fed from files), signature files and a synthetic resident's folder;
 *   - ktpel_enrol_capture walks the steps and returns the (unsealed) packet;
 *   - ktpel_enrol_seal signs it with the station's key, encrypts it to the data center and
 *     puts it in the spool.
 *
 * Operator prompts (Bahasa Indonesia) and decisions go through callbacks, so tests run
 * silently. No global state; one workflow per thread (the photo checker and the devices are
 * owned by the call).
 */
#ifndef KTPEL_ENROL_H
#define KTPEL_ENROL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ktpel/error.h"
#include "ktpel/image.h"
#include "ktpel/packet.h"
#include "ktpel/pki.h"
#include "ktpel/scanner.h"

#ifdef __cplusplus
extern "C" {
#endif

#define KTPEL_ENROL_FINGERS 10

/* The steps, in the order the workflow takes them. */
typedef enum ktpel_enrol_step {
    KTPEL_ENROL_PHOTO = 0,
    KTPEL_ENROL_SIGNATURE,
    KTPEL_ENROL_FINGERS_STEP, /* ten fingers, right thumb (1) .. left little (10) */
    KTPEL_ENROL_IRIS,         /* right eye, then left */
    KTPEL_ENROL_VERIFY,       /* index fingers again, compared 1:1 with the stored ones */
    KTPEL_ENROL_CONFIRM,      /* the resident confirms the recorded data */
    KTPEL_ENROL_STEP_COUNT
} ktpel_enrol_step;

/* "photo", "signature", "fingers", "iris", "verify", "confirm". */
const char *ktpel_enrol_step_name(ktpel_enrol_step step);

/* The finger at ISO/IEC 19794-2 position 1..10 in Bahasa Indonesia ("ibu jari kanan",
 * "telunjuk kanan", ... "kelingking kiri"); "jari tidak dikenal" otherwise. */
const char *ktpel_enrol_finger_name(int position);

/* ---- devices ------------------------------------------------------------------------------ */

/* What the workflow asks of the station's devices. dev is the implementation's own state.
 * Every function fills a new image (or buffer) owned by the caller. */
typedef struct ktpel_enrol_device_ops {
    /* The next frame of the face camera (RGB). KTPEL_EEMPTY: no more frames (a sequence). */
    ktpel_err (*face_frame)(void *dev, ktpel_image *out, ktpel_errbuf *eb);
    /* The signature: either a scanned or photographed image (*scan filled) or a signature
     * pad's pen points as text (*pen malloc'd, docs/synth-format.md's CSV); exactly one. */
    ktpel_err (*signature)(void *dev, ktpel_image *scan, uint8_t **pen, size_t *pen_len,
                           ktpel_errbuf *eb);
    /* One image of finger `position` (1..10) from the scanner, as delivered; verify is true
     * for the re-capture of the verification step. Errors: KTPEL_EAGAIN and KTPEL_ETIMEOUT
     * (this attempt failed, may be retried), KTPEL_EEMPTY (no further image: a file source
     * ran out), anything else (KTPEL_EIO: unplugged) stops the enrolment. */
    ktpel_err (*finger)(void *dev, int position, bool verify, ktpel_image *out, ktpel_errbuf *eb);
    /* The next frame of the iris camera for eye KTPEL_IRIS_EYE_RIGHT or _LEFT (grey).
     * KTPEL_EEMPTY: no more frames. */
    ktpel_err (*iris_frame)(void *dev, int eye, ktpel_image *out, ktpel_errbuf *eb);
    /* The id recorded in the packet for the device of a step ("libfprint:virtual_image",
     * "camera:/dev/video0", "file"); never NULL. */
    const char *(*device_id)(void *dev, ktpel_enrol_step step);
} ktpel_enrol_device_ops;

/* Where each step's data comes from, for ktpel_enrol_devices_open. */
typedef struct ktpel_enrol_device_config {
    /* A synthetic resident's folder (docs/synth-format.md): every step not given below is
     * taken from its files, each as a sequence in capture order: face_1.jpg, face_2.jpg, ...
     * (the next one after a rejected photo); signature_1.csv (pen points) or else
     * signature_1.png; finger_NN_1.png, finger_NN_2.png, ... per finger (enrolment attempts
     * first, then the re-captures of the verification); iris_right_K.png / iris_left_K.png. */
    const char *from_dir;
    const char *camera;      /* face camera (include/ktpel/camera.h source), NULL = from_dir */
    const char *iris_camera; /* iris camera, one for both eyes (right first), NULL = from_dir */
    /* A libfprint scanner id (include/ktpel/scanner.h; "" = the first image-capable one).
     * NULL: from_dir's finger images as files, or through virtual_image (below). */
    const char *finger_device;
    /* Put from_dir's finger images on libfprint's virtual_image device, one per capture,
     * so that they go through libfprint's real capture path (demo, tests). Sets
     * FP_VIRTUAL_IMAGE in the process environment (call before starting threads). */
    bool virtual_scanner;
    const char *signature_image; /* a signature scan or photo; NULL = from_dir */
    const char *pen_points;      /* a pad's pen points (CSV); NULL = from_dir */
    int finger_timeout_ms;       /* per capture on a scanner; 0 = 60 s */
} ktpel_enrol_device_config;

typedef struct ktpel_enrol_devices ktpel_enrol_devices;

/* Opens the devices of cfg (the scanner, cameras; files are checked when used). Errors name
 * the device or file. */
ktpel_err ktpel_enrol_devices_open(const ktpel_enrol_device_config *cfg, ktpel_enrol_devices **out,
                                   ktpel_errbuf *eb);
/* Closes everything; NULL is allowed. */
void ktpel_enrol_devices_close(ktpel_enrol_devices *d);
/* The ops for ktpel_enrol_devices (dev = the ktpel_enrol_devices). */
const ktpel_enrol_device_ops *ktpel_enrol_devices_ops(void);

/* ---- the workflow ------------------------------------------------------------------------- */

/* A message for the operator. */
typedef struct ktpel_enrol_prompt {
    ktpel_enrol_step step;
    /* Stable code: photo_take, photo_rejected, photo_accepted, signature, signature_done,
     * finger_place, finger_rejected, finger_captured, finger_skipped, iris_look,
     * iris_rejected, iris_captured, verify_place, verify_match, verify_mismatch,
     * verify_skipped, confirm, confirmed, sealed. */
    const char *code;
    int position;        /* finger 1..10, else 0 */
    int eye;             /* KTPEL_IRIS_EYE_RIGHT / _LEFT, else 0 */
    int attempt;         /* 1-based within the item, 0 when not an attempt */
    const char *message; /* one line in Bahasa Indonesia */
} ktpel_enrol_prompt;

typedef struct ktpel_enrol_options {
    const char *nik;       /* must be the record's NIK */
    const uint8_t *record; /* the application record (application-format.md): record.txt */
    size_t record_len;
    const char *operator_id; /* 1..32 of [A-Za-z0-9_-] */
    const char *source;      /* the packet's `source` (may be NULL) */
    const char *cascade_dir; /* Haar cascades for the photo check (NULL = the default) */
    /* Limits (0 = the default in brackets). */
    int photo_attempts;     /* frames checked before the photo step fails [5] */
    int finger_attempts;    /* captures per finger through the quality gate [3] */
    int finger_min_quality; /* ktpel_fp_extract quality to accept a finger [40] */
    int iris_attempts;      /* frames per eye [3] */
    int iris_min_quality;   /* ktpel_iris_quality.score to accept an eye [50] */
    int verify_attempts;    /* re-captures per index finger before the step fails [3] */
    double verify_fmr;      /* false match rate of the 1:1 decision [1e-4] */
    /* Fingers the operator declares before capture (index = position 1..10): AMPUTATED,
     * BANDAGED or UNUSABLE are recorded with that reason and not captured. */
    ktpel_finger_absence missing[KTPEL_ENROL_FINGERS + 1];
    /* Operator callbacks (user is passed back); prompt and finger_rejected may be NULL. */
    void (*prompt)(void *user, const ktpel_enrol_prompt *p);
    /* After a rejected finger attempt: retry, or record the finger as not capturable, or
     * abort. NULL: retry up to finger_attempts, then UNUSABLE. */
    ktpel_gate_decision (*finger_rejected)(void *user, int position, const ktpel_gate_event *ev);
    /* The resident reads the summary (Bahasa Indonesia, what was recorded) and confirms:
     * return true. Required. */
    bool (*confirm)(void *user, const char *summary);
    void *user;
} ktpel_enrol_options;

/* What happened, for the caller's report (the packet holds the full record). */
typedef struct ktpel_enrol_result {
    ktpel_enrol_step step;  /* the step that failed (on error; a bad record counts as the
                             * first, the photo), else KTPEL_ENROL_STEP_COUNT */
    int fingers_captured;   /* 0..10 */
    int irises_captured;    /* 0..2 */
    int verify_position[2]; /* right, left hand: finger verified (0 = none could be) */
    int verify_attempts[2]; /* re-captures used */
    float verify_score[2];  /* the accepted score */
    float verify_threshold; /* ktpel_fp_threshold_for_fmr(verify_fmr) */
    char packet_id[33];     /* after ktpel_enrol_seal */
    char path[4096];        /* the spool file, after ktpel_enrol_seal */
} ktpel_enrol_result;

/* Runs the workflow with the devices (ops, dev) and returns the enrolment as an unsealed
 * packet in *out (free with ktpel_packet_free): record.txt, face_1.jpg (the KTP-el portrait),
 * signature_1.png (+ signature_1.csv from a pad), finger_NN_1.png, fingers_1.iso (ISO/IEC
 * 19794-2:2005, one view per captured finger), iris_right_1.png, iris_left_1.png,
 * verify_finger_NN_K.png, confirmation.txt, and a capture line for every step (device,
 * time, quality, attempts, status). res may be NULL. Errors, naming the step:
 *   KTPEL_EREQUIREMENT  no acceptable photo within photo_attempts; an index finger did not
 *                       match its stored image within verify_attempts
 *   KTPEL_ECANCELLED    the operator aborted, or the resident did not confirm
 *   KTPEL_EFIELD        the record does not parse or its NIK is not opt->nik
 *   the device's error  scanner unplugged (KTPEL_EIO), sequence ended (KTPEL_EEMPTY), ... */
ktpel_err ktpel_enrol_capture(const ktpel_enrol_options *opt, const ktpel_enrol_device_ops *ops,
                              void *dev, ktpel_packet **out, ktpel_enrol_result *res,
                              ktpel_errbuf *eb);

/* Seals the packet (ktpel_packet_seal: signed with the station's certificate and key,
 * encrypted to the data center's certificate; created = now) and writes it into spool_dir
 * (ktpel_spool_put). res (may be NULL) gets the packet id and path. */
ktpel_err ktpel_enrol_seal(ktpel_packet *p, const ktpel_pki_cert *station_cert,
                           const ktpel_pki_key *station_key, const ktpel_pki_cert *dc_cert,
                           const char *spool_dir, ktpel_enrol_result *res, ktpel_errbuf *eb);

#ifdef __cplusplus
}
#endif

#endif
