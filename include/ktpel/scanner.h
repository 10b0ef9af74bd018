/* Fingerprint scanners at the enrolment station, through libfprint.
 *
 * A ktpel_scanner is one opened libfprint device. It owns everything it uses: its own
 * FpContext and its own GMainContext, which ktpel iterates only inside the calls below; no
 * state is shared between handles, so two handles may live in two threads.
 *
 * One constraint comes from libfprint and GLib, not from ktpel: libfprint's device
 * enumeration (fp_context_enumerate) and GUsb's hot-plug events run on GLib's process-wide
 * default main context. ktpel enumerates there (blocking, about 0.1 s) and, while a capture
 * waits, gives that context a non-blocking turn every 100 ms so that an unplugged scanner is
 * noticed; it never holds it between calls, and if another thread already runs it (an
 * application's main loop), those events are dispatched there instead.
 *
 * Images are returned exactly as libfprint delivers them: libfprint itself turns some
 * sensors' images the right way up and inverts the colours of others (so that ridges are
 * dark), and nothing else is done to them. The resolution is the device's (FpImage ppmm);
 * most libfprint drivers do not state one, and libfprint documents them as 500 dpi: that is
 * used then, and ktpel_scanner_image_info.dpi_from_device says which case it was.
 *
 * Only image-capable devices (libfprint feature CAPTURE) can enrol: a match-on-chip device
 * keeps its templates inside the sensor and gives no image, so it is listed with
 * can_capture == false and refused by ktpel_scanner_open with KTPEL_EUNSUPPORTED.
 */
#ifndef KTPEL_SCANNER_H
#define KTPEL_SCANNER_H

#include <stdbool.h>
#include <stddef.h>

#include "ktpel/error.h"
#include "ktpel/image.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One fingerprint device seen by libfprint. */
typedef struct ktpel_scanner_info {
    /* ktpel's id of the device: the libfprint driver name, followed by "#N" (N = 2, 3, ...)
     * for the second and later devices of the same driver: "aes3500", "virtual_image#2". */
    char id[48];
    char driver[32]; /* libfprint driver, e.g. "aes3500" */
    char name[96];   /* libfprint's human-readable name */
    int usb_vendor;  /* USB ids (0 for virtual and non-USB devices) */
    int usb_product;
    int usb_bus; /* USB location (0 when not USB) */
    int usb_address;
    bool can_capture;   /* gives images (FP_DEVICE_FEATURE_CAPTURE) */
    bool match_on_chip; /* verifies/identifies inside the sensor (no image) */
} ktpel_scanner_info;

/* Lists the fingerprint devices libfprint finds (*list malloc'd, free() it; *count may be
 * 0). Environment variables that libfprint reads apply (FP_VIRTUAL_IMAGE, FP_DRIVERS_WHITELIST,
 * FP_DEVICE_EMULATION). */
ktpel_err ktpel_scanner_list(ktpel_scanner_info **list, size_t *count, ktpel_errbuf *eb);

/* Finger status reported while a capture waits, as the operator should be told. */
typedef enum ktpel_finger_status {
    KTPEL_FINGER_NONE = 0, /* nothing asked for */
    KTPEL_FINGER_NEEDED,   /* the scanner waits for a finger: "place the finger" */
    KTPEL_FINGER_PRESENT,  /* a finger is on the sensor */
} ktpel_finger_status;

const char *ktpel_finger_status_name(ktpel_finger_status s);

typedef struct ktpel_scanner_options {
    /* Called in the capturing thread whenever the finger status changes (may be NULL). */
    void (*on_status)(void *user, ktpel_finger_status status);
    void *user;
} ktpel_scanner_options;

typedef struct ktpel_scanner ktpel_scanner;

/* Opens a scanner: id NULL or "" = the first image-capable device; otherwise a device's id
 * (ktpel_scanner_info.id), its driver name (first device of that driver) or "VVVV:PPPP"
 * (USB vendor:product in hex). Errors: KTPEL_ENOTFOUND (no such device, or no scanner at
 * all: the message lists what was found), KTPEL_EUNSUPPORTED (the device gives no image:
 * match-on-chip), KTPEL_EIO (libfprint could not open it; its message is included). opt
 * may be NULL. */
ktpel_err ktpel_scanner_open(const char *id, const ktpel_scanner_options *opt, ktpel_scanner **out,
                             ktpel_errbuf *eb);

/* Closes the device and frees the handle. NULL is allowed. */
void ktpel_scanner_close(ktpel_scanner *s);

/* Description of the opened device. */
const ktpel_scanner_info *ktpel_scanner_get_info(const ktpel_scanner *s);

typedef struct ktpel_scanner_image_info {
    bool dpi_from_device; /* false: the device stated none and 500 dpi was assumed */
    double capture_seconds;
} ktpel_scanner_image_info;

/* Waits for a finger and captures one image into *out (grey, overwritten; free with
 * ktpel_image_free). timeout_ms <= 0 waits without limit. info may be NULL.
 * Errors, each with a message for the operator:
 *   KTPEL_EIO        the scanner was unplugged or failed (libfprint's message included);
 *   KTPEL_EAGAIN     the scan was not usable and should be repeated (libfprint's "retry":
 *                    too short, finger not centred, remove and retry, no ridges found);
 *   KTPEL_ETIMEOUT   no finger within timeout_ms;
 *   KTPEL_ECANCELLED ktpel_scanner_cancel was called. */
ktpel_err ktpel_scanner_capture(ktpel_scanner *s, int timeout_ms, ktpel_image *out,
                                ktpel_scanner_image_info *info, ktpel_errbuf *eb);

/* Stops a capture in progress (or the next one) with KTPEL_ECANCELLED. Safe to call from any
 * thread, e.g. a signal-watching one or the operator's "cancel" button. */
void ktpel_scanner_cancel(ktpel_scanner *s);

/* ---- the quality gate: capture, judge, retry, or record the finger as not capturable ---- */

/* Why a finger has no image. */
typedef enum ktpel_finger_absence {
    KTPEL_FINGER_CAPTURED = 0,
    KTPEL_FINGER_AMPUTATED,   /* the finger is missing */
    KTPEL_FINGER_BANDAGED,    /* covered for now (bandage, cast, wound) */
    KTPEL_FINGER_UNUSABLE,    /* present but gives no usable print (scars, worn ridges) */
    KTPEL_FINGER_DEVICE_FAIL, /* the scanner failed; the enrolment should not go on */
} ktpel_finger_absence;

/* "captured", "amputated", "bandaged", "unusable", "device_failure". */
const char *ktpel_finger_absence_name(ktpel_finger_absence a);

/* What the operator decides after a rejected attempt. */
typedef enum ktpel_gate_decision {
    KTPEL_GATE_RETRY = 0, /* capture again (within max_attempts) */
    KTPEL_GATE_AMPUTATED, /* stop: record the finger as amputated */
    KTPEL_GATE_BANDAGED,  /* stop: record it as bandaged */
    KTPEL_GATE_UNUSABLE,  /* stop: record it as unusable */
    KTPEL_GATE_ABORT,     /* stop the whole capture (KTPEL_ECANCELLED) */
} ktpel_gate_decision;

/* One event of the gate, given to the operator callback. */
typedef struct ktpel_gate_event {
    int attempt; /* 1-based */
    int max_attempts;
    int quality; /* quality of this attempt's image, -1 when none */
    int min_quality;
    ktpel_err capture_error; /* KTPEL_OK when an image was taken */
    const char *message;     /* why the attempt was rejected, for the operator */
} ktpel_gate_event;

typedef struct ktpel_gate_options {
    int min_quality;  /* accept at or above this ktpel_fp_extract quality (0 = 40) */
    int max_attempts; /* 0 = 3 */
    int timeout_ms;   /* per attempt, as ktpel_scanner_capture (0 = no limit) */
    /* Asked after each rejected attempt; NULL = retry until max_attempts, then UNUSABLE. */
    ktpel_gate_decision (*on_reject)(void *user, const ktpel_gate_event *ev);
    void *user;
} ktpel_gate_options;

typedef struct ktpel_gate_result {
    ktpel_finger_absence outcome; /* CAPTURED, or why there is no image */
    int attempts;
    int quality;       /* of the returned image; best seen when not captured (-1 none) */
    char reason[256];  /* for the record when not captured */
    ktpel_image image; /* the accepted image (outcome CAPTURED), else empty */
    bool dpi_from_device;
} ktpel_gate_result;

/* Captures one finger through the quality gate: capture, measure the engine's quality
 * (ktpel_fp_extract), accept at min_quality, otherwise ask on_reject and retry up to
 * max_attempts; a finger that cannot be captured ends with its outcome and reason instead of
 * an error, so the enrolment can go on. Returns KTPEL_OK in both cases; errors are reserved
 * for KTPEL_ECANCELLED (abort or ktpel_scanner_cancel), a scanner failure (KTPEL_EIO, with
 * res->outcome DEVICE_FAIL) and bad arguments. Free res->image with ktpel_image_free. */
ktpel_err ktpel_scanner_capture_gated(ktpel_scanner *s, const ktpel_gate_options *opt,
                                      ktpel_gate_result *res, ktpel_errbuf *eb);

#ifdef __cplusplus
}
#endif

#endif
