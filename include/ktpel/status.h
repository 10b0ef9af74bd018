/* The resident status lifecycle.
 *
 * A resident's status only changes through a transition that the lifecycle allows, and every
 * change is recorded as an entry of a status history (who, when, why). The history is the
 * status: the current status is its last entry.
 *
 * Allowed transitions (everything else is refused, including a status to itself):
 *
 *   enrolled                 -> queued
 *   queued                   -> unique | duplicate | adjudicate
 *   adjudicate               -> unique | duplicate            (a person decided)
 *   unique                   -> personalised
 *   personalised             -> shipped
 *   shipped                  -> handed_over | returned_for_destruction
 *   returned_for_destruction -> personalised                  (a new card, see below)
 *   duplicate, handed_over:     final
 *
 * - queued: waiting for the 1:N deduplication ("pemadanan ketunggalan").
 * - adjudicate: the deduplication found candidates that a person must look at; that person
 *   decides unique or duplicate.
 * - returned_for_destruction -> personalised: a card that could not be handed over (the
 *   1:1 check at the kecamatan desk failed, or the card is damaged) is destroyed, but the
 *   resident behind it was already found unique. A new blank card is personalised for the
 *   same resident; enrolment and deduplication are not repeated.
 *
 * Timestamps are unix seconds given by the caller (the library never reads the clock); the
 * calendar date of an entry is its date in Asia/Jakarta. Not thread-safe per history: one
 * owner at a time; different histories are independent.
 */
#ifndef KTPEL_STATUS_H
#define KTPEL_STATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ktpel/date.h"
#include "ktpel/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The numeric values are stored (see the binary encoding below): never renumber. */
typedef enum ktpel_status {
    KTPEL_STATUS_ENROLLED = 0,
    KTPEL_STATUS_QUEUED = 1,
    KTPEL_STATUS_UNIQUE = 2,
    KTPEL_STATUS_DUPLICATE = 3,
    KTPEL_STATUS_ADJUDICATE = 4,
    KTPEL_STATUS_PERSONALISED = 5,
    KTPEL_STATUS_SHIPPED = 6,
    KTPEL_STATUS_HANDED_OVER = 7,
    KTPEL_STATUS_RETURNED_FOR_DESTRUCTION = 8,
    KTPEL_STATUS_COUNT
} ktpel_status;

/* Limits of an entry. The actor is an operator or station id: 1..32 printable ASCII
 * characters (0x20..0x7e), not starting or ending with a space. The reason is UTF-8 text
 * without control characters, at most 255 bytes. */
#define KTPEL_STATUS_ACTOR_MAX  32
#define KTPEL_STATUS_REASON_MAX 255
/* A history holds at most this many entries (a resident needs about a dozen; the bound
 * keeps a corrupted or hostile encoding from asking for unbounded memory). */
#define KTPEL_STATUS_HISTORY_MAX 1024
/* Timestamps are accepted from 0 (1970-01-01) to the last second of 9999-12-31 in Jakarta,
 * so that every entry has a valid calendar date. */
#define KTPEL_STATUS_TIME_MAX INT64_C(253402275599)

/* True for KTPEL_STATUS_ENROLLED..KTPEL_STATUS_RETURNED_FOR_DESTRUCTION. */
bool ktpel_status_valid(ktpel_status s);
/* Stable lowercase id for storage and JSON, e.g. "handed_over"; "?" for an invalid value. */
const char *ktpel_status_id(ktpel_status s);
/* Indonesian label for operators, e.g. "diserahkan"; "?" for an invalid value. */
const char *ktpel_status_label_id(ktpel_status s);
/* Parses an id as returned by ktpel_status_id (exact, lowercase). */
ktpel_err ktpel_status_parse(const char *id, ktpel_status *out, ktpel_errbuf *eb);

/* True if the lifecycle allows from -> to. False for invalid values and for from == to. */
bool ktpel_status_can_transition(ktpel_status from, ktpel_status to);
/* As ktpel_status_can_transition, but fails with KTPEL_ETRANSITION and a message naming
 * both states and what is allowed from `from`. */
ktpel_err ktpel_status_check_transition(ktpel_status from, ktpel_status to, ktpel_errbuf *eb);
/* True if entering `to` needs a reason (duplicate, adjudicate, returned_for_destruction). */
bool ktpel_status_needs_reason(ktpel_status to);
/* Validates an actor id (see KTPEL_STATUS_ACTOR_MAX); KTPEL_EFIELD naming the problem. */
ktpel_err ktpel_status_actor_validate(const char *actor, ktpel_errbuf *eb);

/* One recorded change: the status entered, when, by whom, and why. */
typedef struct ktpel_status_entry {
    ktpel_status status;
    int64_t time; /* unix seconds */
    char actor[KTPEL_STATUS_ACTOR_MAX + 1];
    char reason[KTPEL_STATUS_REASON_MAX + 1]; /* "" when none was given */
} ktpel_status_entry;

/* The calendar date of an entry in Asia/Jakarta (ktpel_date_jakarta of its time). */
ktpel_date ktpel_status_entry_date(const ktpel_status_entry *e);

/* A resident's status history, owned by the caller: initialise with
 * ktpel_status_history_init (or `= {0}`), release with ktpel_status_history_free. The
 * fields are for reading; change the history only through ktpel_status_history_apply. */
typedef struct ktpel_status_history {
    ktpel_status_entry *entries; /* oldest first */
    size_t count;
    size_t capacity; /* internal */
} ktpel_status_history;

void ktpel_status_history_init(ktpel_status_history *h);
/* Frees the entries and leaves h empty (initialised). NULL is allowed. */
void ktpel_status_history_free(ktpel_status_history *h);
/* The current status (the last entry's). False if the history is empty. */
bool ktpel_status_history_current(const ktpel_status_history *h, ktpel_status *out);

/* Appends the change to `to`. The first entry of a history must be enrolled; later ones
 * must be transitions the lifecycle allows from the current status (else
 * KTPEL_ETRANSITION). time must be in 0..KTPEL_STATUS_TIME_MAX and not before the previous
 * entry's time (equal is allowed: two steps can happen within a second), else
 * KTPEL_EFIELD. actor must be valid (KTPEL_EFIELD). reason may be NULL or "" unless
 * ktpel_status_needs_reason(to) (KTPEL_EFIELD). KTPEL_ETOOBIG past
 * KTPEL_STATUS_HISTORY_MAX entries. On failure h is unchanged. */
ktpel_err ktpel_status_history_apply(ktpel_status_history *h, ktpel_status to, int64_t time,
                                     const char *actor, const char *reason, ktpel_errbuf *eb);

/* Binary encoding of a history, version 1, for storage (LMDB values). All integers are
 * little-endian.
 *
 *   offset  size  field
 *   0       4     magic "KSTH" (4b 53 54 48)
 *   4       2     version, 1
 *   6       2     entry count N, 0..KTPEL_STATUS_HISTORY_MAX
 *   8       ...   N entries, each:
 *                   1   status (enum value above)
 *                   8   time, signed (two's complement)
 *                   1   actor length A, 1..32
 *                   A   actor bytes (no terminator)
 *                   1   reason length R, 0..255
 *                   R   reason bytes (no terminator)
 *   end-4   4     CRC-32 (IEEE 802.3, as in zlib and PNG) of every byte before it
 *
 * The decoder is strict: the size must match the content exactly, and the entries must
 * replay through ktpel_status_history_apply. */
#define KTPEL_STATUS_HISTORY_VERSION 1

/* The exact number of bytes ktpel_status_history_encode writes for h. */
size_t ktpel_status_history_encoded_size(const ktpel_status_history *h);
/* Writes the encoding of h into buf; KTPEL_ETOOBIG if size is too small. *written (may be
 * NULL) receives the number of bytes written. */
ktpel_err ktpel_status_history_encode(const ktpel_status_history *h, uint8_t *buf, size_t size,
                                      size_t *written, ktpel_errbuf *eb);
/* Decodes an encoding into *out, which must be initialised; its previous entries are freed
 * on success. On failure *out is unchanged. Checked in this order: header (KTPEL_EFORMAT
 * bad magic, KTPEL_EUNSUPPORTED another version, KTPEL_ETOOBIG too many entries); lengths
 * (KTPEL_ETRUNCATED when they run past the end, KTPEL_EFORMAT for extra bytes); CRC
 * (KTPEL_EFORMAT); then each entry, by replay: KTPEL_EFORMAT for an unknown status value,
 * else the error of ktpel_status_history_apply (KTPEL_ETRANSITION, KTPEL_EFIELD), with the
 * entry's index in the message. */
ktpel_err ktpel_status_history_decode(const uint8_t *data, size_t size, ktpel_status_history *out,
                                      ktpel_errbuf *eb);

#ifdef __cplusplus
}
#endif

#endif
