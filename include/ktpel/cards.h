/* The data center's record of the cards it personalises, ships and learns the fate of
 * (datacenter/cards.c, datacenter/receipts_import.c; layouts in docs/store.md, the whole run
 * in docs/personalize.md).
 *
 * Every card is stored in the store's `cards` database in the transaction that moves its
 * resident to personalised: its register number, issue date, the chip file as written
 * (so that a resumed run writes the same bytes: the EF.SOD's ECDSA signature is randomised
 * and cannot be made again), and later its shipment and the desk's outcome. A resident's
 * cards are numbered by issue (1 = the first card, 2 = the card that replaces a returned
 * one, ...); the current card is the highest.
 *
 * Register number: "PPRR-YYYY-NNNNNN-CC": PPRR the issuing regency (the NIK's first four
 * digits, which the record's kabupaten must match), YYYY the year of issue, NNNNNN the
 * regency's sequence number in that year (from 1, given in the order cards are committed:
 * NIK order within a run), CC two check digits of ISO 7064 MOD 97-10 over the 14 digits
 * before them (as IBAN), so that a mistyped number is noticed. Deterministic: the same store
 * gives the same numbers, however often a run is interrupted.
 *
 * A ktpel_store handle is thread-safe; these calls each run their own transactions.
 */
#ifndef KTPEL_CARDS_H
#define KTPEL_CARDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ktpel/date.h"
#include "ktpel/error.h"
#include "ktpel/nik.h"
#include "ktpel/receipt.h"
#include "ktpel/status.h"
#include "ktpel/store.h"

#ifdef __cplusplus
extern "C" {
#endif

/* "1310-2026-000001-94": 19 characters. */
#define KTPEL_CARD_REGISTER_LEN 19
/* The largest chip file the store accepts (chip.h's limit). */
#define KTPEL_CARDS_CHIP_MAX (48u * 1024u)

/* Formats the register number of regency code pprr (4 digits), year and sequence number
 * (1..999999) with its check digits into buf (at least KTPEL_CARD_REGISTER_LEN + 1 bytes). */
ktpel_err ktpel_card_register_format(const char *pprr, int year, uint32_t seq, char *buf,
                                     size_t size, ktpel_errbuf *eb);
/* Checks the form and the check digits of a register number (KTPEL_EFIELD naming what). */
ktpel_err ktpel_card_register_check(const char *reg, ktpel_errbuf *eb);

/* A stored card. */
typedef struct ktpel_card_record {
    char nik[KTPEL_NIK_LEN + 1];
    int issue; /* 1, 2, ... */
    char register_no[KTPEL_CARD_REGISTER_LEN + 1];
    int64_t personalised; /* unix seconds of the commit */
    ktpel_date issue_date;
    uint64_t shipment;       /* 0 until the card is put into a shipment */
    ktpel_status outcome;    /* handed_over or returned_for_destruction once known, else
                                KTPEL_STATUS_PERSONALISED */
    int64_t outcome_time;    /* of the desk's receipt entry; 0 when none */
    uint8_t chip_sha256[32]; /* of the chip file */
    size_t chip_len;
} ktpel_card_record;

/* The residents waiting for a card: status unique (a first card) or
 * returned_for_destruction (a replacement), in NIK order. *niks is malloc'd (free() it),
 * *count may be 0. */
ktpel_err ktpel_cards_pending(ktpel_store *s, char (**niks)[KTPEL_NIK_LEN + 1], size_t *count,
                              ktpel_errbuf *eb);

/* The stored ISO/IEC 19794-2 record of nik's finger capture (1..16), malloc'd (free() it);
 * KTPEL_ENOTFOUND when there is none. */
ktpel_err ktpel_store_fp_iso_get(ktpel_store *s, const char *nik, int capture, uint8_t **data,
                                 size_t *len, ktpel_errbuf *eb);

/* One card to commit. */
typedef struct ktpel_card_new {
    const char *nik;
    ktpel_date issue_date;
    const uint8_t *chip; /* the chip file, 1..KTPEL_CARDS_CHIP_MAX bytes */
    size_t chip_len;
} ktpel_card_new;

/* Commits n cards in one transaction: for each, a register number, the card record and the
 * status change to personalised (with its audit entry, reason "card REGISTER, issue K").
 * Refused as a whole (nothing written) with KTPEL_ETRANSITION if a resident no longer waits
 * for a card (another run took it). out (n records, may be NULL) gets what was stored. */
ktpel_err ktpel_cards_personalise(ktpel_store *s, const ktpel_card_new *cards, size_t n,
                                  int64_t time, const char *actor, ktpel_card_record *out,
                                  ktpel_errbuf *eb);

/* Calls fn for the current card of every resident that has one, in NIK order, with the
 * resident's status. fn returns non-zero to stop. The read transaction has ended before the
 * first call, so fn may use the store. */
typedef int (*ktpel_card_fn)(void *ctx, const ktpel_card_record *card, ktpel_status status);
ktpel_err ktpel_cards_list(ktpel_store *s, ktpel_card_fn fn, void *ctx, ktpel_errbuf *eb);

/* The current card of nik (KTPEL_ENOTFOUND when none); chip (may be NULL) gets the chip file,
 * malloc'd (free() it). */
ktpel_err ktpel_cards_get(ktpel_store *s, const char *nik, ktpel_card_record *card, uint8_t **chip,
                          ktpel_errbuf *eb);

/* Puts every personalised card without a shipment into one new shipment (its number in
 * *shipment, *count the cards), in one transaction. If cards of an earlier shipment are
 * still personalised (a run stopped before shipping them all), nothing new is assigned and
 * *shipment is that shipment: the run resumes it. *shipment 0 and *count 0 when there is
 * nothing to ship. */
ktpel_err ktpel_cards_assign_shipment(ktpel_store *s, int64_t time, uint64_t *shipment,
                                      size_t *count, ktpel_errbuf *eb);

/* Moves the residents of n cards of shipment to shipped, in one transaction (those already
 * shipped are left alone). */
ktpel_err ktpel_cards_ship(ktpel_store *s, uint64_t shipment, const char (*niks)[KTPEL_NIK_LEN + 1],
                           size_t n, int64_t time, const char *actor, ktpel_errbuf *eb);

/* What importing a receipt did. */
typedef struct ktpel_receipt_import_stats {
    size_t entries;
    size_t handed_over, returned, refused; /* applied now */
    size_t already;                        /* imported before: nothing changed */
} ktpel_receipt_import_stats;

/* Imports the desk's receipt, all or nothing, in one transaction. Each entry not imported
 * before (idempotency key: SHA-256 of its canonical line, kept in the store) is applied to
 * the resident's current card, whose status must be shipped:
 *   handed_over    the chip's SHA-256 must be the card's: status handed_over;
 *   returned_for_destruction  status returned_for_destruction, reason naming the desk, the
 *                  code and its reason (the chip may be damaged: its hash need not match);
 *   refused        nothing changes but an audit entry (the card stays at the desk).
 * Refused as a whole, naming the entry (its line number = index + 2): KTPEL_ENOTFOUND (no
 * such resident or card), KTPEL_ETRANSITION (not shipped, or already handed over or
 * returned), KTPEL_ETAMPERED (a handover of a chip that is not the card issued). time: the
 * import's time, for the audit entries; actor: who imports (NULL = "receipts"). */
ktpel_err ktpel_receipts_import(ktpel_store *s, const ktpel_receipt *r, int64_t time,
                                const char *actor, ktpel_receipt_import_stats *st,
                                ktpel_errbuf *eb);

#ifdef __cplusplus
}
#endif

#endif
