/* The kecamatan desk: the handover of a KTP-el to the person collecting it
 * (`ktpel verify`, personalize/desk.c; docs/personalize.md).
 *
 * In order: the chip file is read and checked (chip.h: structure, signature, certificate
 * chain, every hash); the NIK printed on the card, when the officer gives it, must be the
 * chip's; then the collector's index fingers are captured one attempt after another (the
 * caller's capture function: a scanner or image files) and each is compared 1:1 with the
 * chip's template of the same finger at the false match rate asked (fp_verify.h), until one
 * matches or the attempts are used up. The result is BERHASIL (handed over) or GAGAL with a
 * stable code (receipt.h's ktpel_desk_code) and a message in Bahasa Indonesia for the
 * officer, and makes one receipt entry.
 */
#ifndef KTPEL_DESK_H
#define KTPEL_DESK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ktpel/chip.h"
#include "ktpel/error.h"
#include "ktpel/image.h"
#include "ktpel/pki.h"
#include "ktpel/receipt.h"

#ifdef __cplusplus
extern "C" {
#endif

#define KTPEL_DESK_DEFAULT_ATTEMPTS 4
#define KTPEL_DESK_MAX_ATTEMPTS     10

/* Captures attempt `attempt` (1-based) into *out (grey) and says which finger it is in
 * *position (2 right index, 7 left index; the callee chooses, e.g. alternating). Returns
 * KTPEL_OK, KTPEL_EEMPTY when there is nothing more to capture (no more image files),
 * KTPEL_EAGAIN for an unusable scan (counted as a failed attempt), or another error, which
 * stops the verification. */
typedef ktpel_err (*ktpel_desk_capture_fn)(void *ctx, int attempt, ktpel_image *out, int *position,
                                           ktpel_errbuf *eb);

/* One compared attempt, for the officer's screen (may be NULL). */
typedef struct ktpel_desk_attempt {
    int attempt, position;
    float score, threshold;
    bool match;
    const char *problem; /* an unusable capture: why; else NULL */
} ktpel_desk_attempt;

typedef struct ktpel_desk_options {
    const ktpel_pki_trust *csca; /* trusted CSCA certificates */
    int64_t at;                  /* check time for the certificates; 0 = now */
    double fmr;                  /* 0 = KTPEL_FP_VERIFY_DEFAULT_FMR */
    int attempts;                /* 1..KTPEL_DESK_MAX_ATTEMPTS; 0 = the default */
    const char *printed_nik;     /* the NIK printed on the card, or NULL */
    bool keep_on_failure;        /* failed verification: refused (the card stays at the
                                    desk) instead of returned for destruction */
    ktpel_desk_capture_fn capture;
    void *capture_ctx;
    void (*on_attempt)(void *ctx, const ktpel_desk_attempt *a);
    void *attempt_ctx;
} ktpel_desk_options;

typedef struct ktpel_desk_result {
    bool berhasil;
    ktpel_desk_code code;
    ktpel_receipt_outcome outcome;
    char message[512]; /* Bahasa Indonesia, for the officer: "BERHASIL: ..." / "GAGAL: ..." */
    char detail[512];  /* technical detail (the chip report's message), may be "" */
    char nik[KTPEL_NIK_LEN + 1];
    uint8_t chip_sha256[32];
    int attempts;     /* captures compared (or unusable) */
    float best_score; /* highest score seen, 0 when none */
    float threshold;
    int matched_position; /* 2 or 7 when berhasil */
    ktpel_chip_report chip;
} ktpel_desk_result;

/* Verifies the card whose chip file is chip[0..len) (len 0: the file could not be read:
 * damaged chip). Returns KTPEL_OK when a decision was made (res->berhasil or not), or an
 * error when none could be: KTPEL_EINVAL (options; no NIK known for a card whose chip is
 * unreadable and no printed NIK given), or the capture function's error (scanner failure,
 * nothing captured at all). */
ktpel_err ktpel_desk_verify(const uint8_t *chip, size_t len, const ktpel_desk_options *opt,
                            ktpel_desk_result *res, ktpel_errbuf *eb);

/* The receipt entry of a result (desk id, time in unix seconds). */
ktpel_err ktpel_desk_receipt_entry(const ktpel_desk_result *res, const char *desk, int64_t time,
                                   ktpel_receipt_entry *e, ktpel_errbuf *eb);

#ifdef __cplusplus
}
#endif

#endif
