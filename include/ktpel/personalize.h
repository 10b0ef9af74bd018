/* The personalisation run (`ktpel personalize`, docs/personalize.md): every resident that
 * waits for a card (status unique, or returned_for_destruction for a replacement) gets its
 * chip file, its card print (PNG and PDF) and a register number, and moves to personalised;
 * then the new cards are grouped by destination kecamatan into a shipment (one list per
 * kecamatan, CSV and JSON) and move to shipped.
 *
 * Output folder:
 *   OUT/cards/REGISTER.chip   chip data (chip.h), exactly as stored at the data center
 *   OUT/cards/REGISTER.png    card print, 300 dpi (card_print.h)
 *   OUT/cards/REGISTER.pdf    card print for the card printer
 *   OUT/shipments/NNNNNN/PPRR-KECAMATAN.csv, .json   shipment NNNNNN, one list per kecamatan
 *
 * Resumable and idempotent like dedup: progress is committed in the store (cards.h) batch by
 * batch; every file is written atomically; a run stopped anywhere (kill -9) and run again
 * finishes the rest, and the folder then holds the same bytes as after one uninterrupted run
 * (the chips come from the store; the print and the lists depend only on stored data). A
 * run with nothing to do changes nothing. One run per store at a time
 * (STORE/personalize.lock).
 */
#ifndef KTPEL_PERSONALIZE_H
#define KTPEL_PERSONALIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ktpel/cards.h"
#include "ktpel/error.h"
#include "ktpel/pki.h"
#include "ktpel/resident.h"
#include "ktpel/store.h"

#ifdef __cplusplus
extern "C" {
#endif

#define KTPEL_PERSONALIZE_DEFAULT_ACTOR "personalize"
#define KTPEL_PERSONALIZE_DEFAULT_BATCH 16

/* What the run reports as it goes. */
typedef enum ktpel_personalize_event_kind {
    KTPEL_PERSO_PERSONALISED, /* a card was committed (card set) */
    KTPEL_PERSO_SKIPPED,      /* a resident could not be personalised (message says why);
                                 its status stays, a later run tries again */
    KTPEL_PERSO_FILES,        /* a card's files were written (card set) */
    KTPEL_PERSO_LIST,         /* a shipment list was written (path, count) */
    KTPEL_PERSO_SHIPPED,      /* a batch of cards moved to shipped (count) */
} ktpel_personalize_event_kind;

typedef struct ktpel_personalize_event {
    ktpel_personalize_event_kind kind;
    const char *nik;
    const ktpel_card_record *card;
    const char *path;
    size_t count;
    const char *message;
} ktpel_personalize_event;

typedef struct ktpel_personalize_options {
    const char *out_dir;
    const ktpel_pki_cert *ds_cert; /* document signer (pki.h) */
    const ktpel_pki_key *ds_key;
    size_t batch;      /* cards per transaction (0 = KTPEL_PERSONALIZE_DEFAULT_BATCH) */
    int64_t time;      /* unix seconds of this run: status entries, signingTime, issue date
                          (its date in Jakarta); 0 = now */
    const char *actor; /* NULL = KTPEL_PERSONALIZE_DEFAULT_ACTOR */
    bool no_ship;      /* personalise and write files only */
    void (*on_event)(void *ctx, const ktpel_personalize_event *ev); /* may be NULL */
    void *ctx;
} ktpel_personalize_options;

typedef struct ktpel_personalize_stats {
    size_t pending;      /* residents that waited for a card */
    size_t personalised; /* cards committed by this run */
    size_t skipped;      /* residents that could not be personalised */
    size_t files;        /* cards whose files this run wrote */
    uint64_t shipment;   /* the last shipment this run handled (0: none) */
    size_t shipped;      /* cards moved to shipped */
    size_t lists;        /* shipment lists written */
} ktpel_personalize_stats;

/* Runs the whole personalisation on store s. A resident that cannot be personalised (no
 * face image, no index finger, a record that fails its checks) is skipped and reported;
 * the run goes on. Errors stop the run (what was committed stays): KTPEL_EINVAL (options),
 * KTPEL_EIO (files, lock held by another run), store errors. */
ktpel_err ktpel_personalize_run(ktpel_store *s, const ktpel_personalize_options *opt,
                                ktpel_personalize_stats *stats, ktpel_errbuf *eb);

/* The place of issue printed on a card and stored in the chip: the kabupaten/kota without
 * "KABUPATEN ", "KAB. " or "KOTA " ("DHARMASRAYA"). */
void ktpel_personalize_issue_place(const ktpel_resident *r, char *buf, size_t size);

#ifdef __cplusplus
}
#endif

#endif
