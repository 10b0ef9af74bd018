/* The kecamatan desk's receipt file: what happened to each card at the handover, written by
 * the desk (`ktpel verify`, offline) and imported by the data center (`ktpel receipts
 * import`), which updates the residents' statuses from it. Format: docs/personalize.md.
 *
 * A receipt is UTF-8 text, one line per outcome after a header line, fields separated by
 * one TAB, lines ended by LF:
 *
 *   KTPEL-RECEIPT<TAB>1
 *   time  desk  nik  chip_sha256  outcome  code  attempts  score  reason  crc32
 *
 *   time         unix seconds, decimal, 0..KTPEL_STATUS_TIME_MAX
 *   desk         the desk (operator) id: status.h actor rules, no TAB
 *   nik          16 digits: the NIK the card claims (its chip's DG1, else as printed)
 *   chip_sha256  64 lowercase hex digits: SHA-256 of the chip file as presented
 *   outcome      handed_over | returned_for_destruction | refused
 *   code         the desk's stable code (ktpel_desk_code_id below); OK exactly when the
 *                outcome is handed_over
 *   attempts     finger captures compared, 0..99
 *   score        best 1:1 score, "0.0000".."1.0000" (four decimals)
 *   reason       for the officer and the record, 1..255 bytes of UTF-8, no control
 *                characters
 *   crc32        8 lowercase hex digits: CRC-32 (checksum.h) of the line's bytes before the
 *                TAB that precedes it
 *
 * The parser is strict and all or nothing: one bad line rejects the file, with the line
 * number and the field. Formatting is canonical, so parsing and formatting an entry gives
 * the same bytes (the data center's idempotency key is the SHA-256 of the line).
 */
#ifndef KTPEL_RECEIPT_H
#define KTPEL_RECEIPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ktpel/error.h"
#include "ktpel/nik.h"
#include "ktpel/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define KTPEL_RECEIPT_HEADER     "KTPEL-RECEIPT\t1"
#define KTPEL_RECEIPT_FILE_MAX   (8u * 1024u * 1024u)
#define KTPEL_RECEIPT_LINE_MAX   1024
#define KTPEL_RECEIPT_ENTRY_MAX  20000
#define KTPEL_RECEIPT_REASON_MAX 255

/* Stored values (text ids in the file); never renumber. */
typedef enum ktpel_receipt_outcome {
    KTPEL_RECEIPT_HANDED_OVER = 1, /* BERHASIL: the card was handed over */
    KTPEL_RECEIPT_RETURNED = 2,    /* GAGAL: the card goes back to be destroyed */
    KTPEL_RECEIPT_REFUSED = 3,     /* GAGAL: not handed over, the card stays at the desk */
} ktpel_receipt_outcome;

/* "handed_over", "returned_for_destruction", "refused"; "?" otherwise. */
const char *ktpel_receipt_outcome_id(ktpel_receipt_outcome o);

/* Why the desk decided as it did: the stable codes of `ktpel verify` (stored as their ids;
 * never renumber). The first three make the card "damaged chip" / "data mismatch" cases of
 * the procedure, FINGER_MISMATCH the "failed verification" case. */
typedef enum ktpel_desk_code {
    KTPEL_DESK_OK = 0,          /* "OK": chip valid, finger matched: BERHASIL */
    KTPEL_DESK_CHIP_DAMAGED,    /* "CHIP_DAMAGED": unreadable, malformed or oversized chip */
    KTPEL_DESK_CHIP_TAMPERED,   /* "CHIP_TAMPERED": a hash or the signature does not verify */
    KTPEL_DESK_CHIP_UNTRUSTED,  /* "CHIP_UNTRUSTED": the signer is not a trusted DS */
    KTPEL_DESK_CHIP_EXPIRED,    /* "CHIP_EXPIRED": a certificate is outside its validity */
    KTPEL_DESK_DATA_MISMATCH,   /* "DATA_MISMATCH": the chip's data is not this card's */
    KTPEL_DESK_FINGER_MISMATCH, /* "FINGER_MISMATCH": no attempt matched */
    KTPEL_DESK_CODE_COUNT
} ktpel_desk_code;

/* "OK", "CHIP_DAMAGED", ...; "?" otherwise. */
const char *ktpel_desk_code_id(ktpel_desk_code c);
/* Parses an id (exact). KTPEL_EFIELD for an unknown one. */
ktpel_err ktpel_desk_code_parse(const char *id, ktpel_desk_code *out, ktpel_errbuf *eb);

typedef struct ktpel_receipt_entry {
    int64_t time;
    char desk[KTPEL_STATUS_ACTOR_MAX + 1];
    char nik[KTPEL_NIK_LEN + 1];
    uint8_t chip_sha256[32];
    ktpel_receipt_outcome outcome;
    ktpel_desk_code code;
    int attempts;
    double score; /* 0..1, kept to four decimals */
    char reason[KTPEL_RECEIPT_REASON_MAX + 1];
} ktpel_receipt_entry;

typedef struct ktpel_receipt {
    ktpel_receipt_entry *entries;
    size_t count;
    size_t capacity; /* internal */
} ktpel_receipt;

/* Frees the entries; r stays usable (empty). NULL is allowed. */
void ktpel_receipt_free(ktpel_receipt *r);

/* Checks one entry's fields as the parser does (KTPEL_EFIELD naming the field). */
ktpel_err ktpel_receipt_entry_check(const ktpel_receipt_entry *e, ktpel_errbuf *eb);

/* The entry's line, canonical, without the LF, into buf (NUL-terminated); *len (may be
 * NULL) its length. KTPEL_ETOOBIG if size is too small (KTPEL_RECEIPT_LINE_MAX + 1 always
 * suffices). The entry is checked first. */
ktpel_err ktpel_receipt_format_entry(const ktpel_receipt_entry *e, char *buf, size_t size,
                                     size_t *len, ktpel_errbuf *eb);

/* Parses a whole receipt (header and entries) into *out (initialised; replaced on success,
 * unchanged on failure); `source` names it in messages ("FILE:LINE: field: ..."). Errors:
 * KTPEL_ETOOBIG (file, line or entry count limits), KTPEL_EFORMAT (header, structure, CRC,
 * missing final LF, a NUL byte), KTPEL_EFIELD (a field's value). */
ktpel_err ktpel_receipt_parse(const uint8_t *data, size_t len, const char *source,
                              ktpel_receipt *out, ktpel_errbuf *eb);
ktpel_err ktpel_receipt_load(const char *path, ktpel_receipt *out, ktpel_errbuf *eb);

/* Appends one entry to the receipt file at path atomically: the file (created with its
 * header if absent) is read and checked, the line added, and the whole written to a
 * temporary file that replaces it (file.h), so a crash leaves the old receipt or the new
 * one. A receipt that does not parse is refused, never overwritten. */
ktpel_err ktpel_receipt_append(const char *path, const ktpel_receipt_entry *e, ktpel_errbuf *eb);

#ifdef __cplusplus
}
#endif

#endif
