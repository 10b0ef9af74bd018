/* The data center's append-only audit log: every ingest, rejection, status change and
 * deduplication decision, in order, each entry chained to the one before by SHA-256 so that
 * any change, removal or reordering of entries is detected (`ktpel audit verify`).
 *
 * Entry n (from 1) stores hash_n = SHA-256("KTPA" || n as 8 bytes big-endian || prev ||
 * the entry's body), where prev = hash_{n-1} (32 zero bytes for n = 1); the store also keeps
 * the number and hash of the last entry, so that cutting entries off the end is detected
 * too. Layout in docs/store.md.
 */
#ifndef KTPEL_AUDIT_H
#define KTPEL_AUDIT_H

#include <stdint.h>

#include "ktpel/error.h"
#include "ktpel/store.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Stored values: never renumber. */
typedef enum ktpel_audit_kind {
    KTPEL_AUDIT_INGEST = 1,   /* an enrolment was stored */
    KTPEL_AUDIT_REJECT = 2,   /* an enrolment was rejected (text: the reason) */
    KTPEL_AUDIT_STATUS = 3,   /* a resident's status changed (text: "from -> to: reason") */
    KTPEL_AUDIT_DECISION = 4, /* a deduplication decision with its candidates */
} ktpel_audit_kind;

#define KTPEL_AUDIT_TEXT_MAX 1023

/* "ingest", "reject", "status", "decision"; "?" otherwise. */
const char *ktpel_audit_kind_id(ktpel_audit_kind kind);

typedef struct ktpel_audit_entry {
    uint64_t seq; /* 1, 2, ... */
    int64_t time; /* unix seconds, given by the writer */
    ktpel_audit_kind kind;
    char actor[33];
    char nik[17]; /* "" when the entry concerns no resident */
    char text[KTPEL_AUDIT_TEXT_MAX + 1];
    uint8_t hash[32], prev[32];
} ktpel_audit_entry;

/* Appends one entry in its own transaction (actor: 1..32 printable ASCII; nik NULL or 16
 * digits; text NULL or at most KTPEL_AUDIT_TEXT_MAX bytes, longer text is cut). */
ktpel_err ktpel_audit_append(ktpel_store *s, ktpel_audit_kind kind, int64_t time, const char *actor,
                             const char *nik, const char *text, ktpel_errbuf *eb);

/* Calls fn for every entry, oldest first (as stored; not verified); fn returns non-zero to
 * stop. */
typedef int (*ktpel_audit_fn)(void *ctx, const ktpel_audit_entry *e);
ktpel_err ktpel_audit_list(ktpel_store *s, ktpel_audit_fn fn, void *ctx, ktpel_errbuf *eb);

/* Walks the chain. KTPEL_OK when every entry is intact (*count gets their number);
 * otherwise KTPEL_EFORMAT with the first broken entry in *first_bad (may be NULL) and a
 * message that names it and what is wrong ("audit entry 17: hash does not match its
 * content"). Either pointer may be NULL. */
ktpel_err ktpel_audit_verify(ktpel_store *s, uint64_t *count, uint64_t *first_bad,
                             ktpel_errbuf *eb);

#ifdef __cplusplus
}
#endif

#endif
