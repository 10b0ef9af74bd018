/* Ingest: enrolments into the data center's store.
 *
 * An enrolment is a folder (until the sealed packet format arrives with the station: the
 * synthetic population's layout, docs/synth-format.md) holding record.txt (the application,
 * docs/application-format.md) and either fingers_K.iso (ISO/IEC 19794-2 records, one per
 * capture K, views for finger positions 1..10) or finger_NN_K.png images (position NN,
 * capture K; templates are then extracted from capture 1), and optionally face, signature
 * and iris images.
 *
 * Everything is checked before anything is written: the record (parse, the record rules of
 * ktpel_application_check: every field, the NIK against the regions, the KK number), every
 * template (parses, positions 1..10 each at most once per capture), every image (decodes).
 * A valid enrolment is stored in one transaction: record, ISO records, compact templates of
 * capture 1, status enrolled -> queued, a place in the deduplication queue, audit entries.
 * An invalid one is rejected whole with a reason, written to the audit log; nothing of it is
 * stored. Ingesting the same content again changes nothing (outcome UNCHANGED); different
 * content under a NIK already stored is rejected.
 */
#ifndef KTPEL_INGEST_H
#define KTPEL_INGEST_H

#include <stdbool.h>
#include <stdint.h>

#include "ktpel/error.h"
#include "ktpel/pki.h"
#include "ktpel/region.h"
#include "ktpel/store.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum ktpel_ingest_outcome {
    KTPEL_INGEST_STORED = 0,
    KTPEL_INGEST_UNCHANGED, /* the same enrolment is already stored */
    KTPEL_INGEST_REJECTED,  /* see reason; nothing stored, an audit entry written */
} ktpel_ingest_outcome;

/* "stored", "unchanged", "rejected". */
const char *ktpel_ingest_outcome_id(ktpel_ingest_outcome outcome);

typedef struct ktpel_ingest_options {
    const ktpel_regions *regions; /* for the NIK and KK checks; required */
    int64_t time;                 /* unix seconds of the audit and status entries */
    const char *actor;            /* operator or service id; NULL = "ingest" */
    /* Sharded stores (shard.h): queue the enrolment under this sequence instead of the
     * store's own counter (it must not be below the store's counter). */
    bool use_queue_seq;
    uint64_t queue_seq;
} ktpel_ingest_options;

typedef struct ktpel_ingest_result {
    ktpel_ingest_outcome outcome;
    char nik[17];     /* "" when the record gave none */
    char reason[600]; /* why it was rejected: "E000003/fingers_1.iso: ..." */
    int fingers;      /* finger positions stored (capture 1) */
    int captures;     /* finger captures stored */
} ktpel_ingest_result;

/* True if dir looks like an enrolment folder (it holds record.txt). */
bool ktpel_ingest_is_enrolment(const char *dir);

/* Ingests the enrolment folder dir. Returns KTPEL_OK when the enrolment was dealt with (its
 * outcome in *out, a rejection included); an error only when the store itself failed (then
 * nothing of the enrolment is stored either). */
ktpel_err ktpel_ingest_enrolment(ktpel_store *s, const char *dir, const ktpel_ingest_options *opt,
                                 ktpel_ingest_result *out, ktpel_errbuf *eb);

/* ---- sealed enrolment packets (datacenter/ingest_packet.c, docs/packet-format.md) ----
 *
 * A packet is opened (decrypted with the data center's key, the station's chain verified
 * against the enrolment CA at the signing time, its age checked), then its enrolment is
 * checked and stored exactly as an enrolment folder is, in ONE write transaction together
 * with the packet's record in the `packets` database (its id and content SHA-256: the replay
 * check is made inside that transaction), its capture metadata (packet.txt, capture.txt) and
 * its images. A packet whose enrolment is already stored unchanged (re-sealed) is accepted
 * and recorded, and stores nothing else. A rejected packet stores nothing but a `reject`
 * audit entry. */

typedef struct ktpel_ingest_packet_options {
    ktpel_ingest_options ingest;   /* regions, time (also the packet's ingest time), actor */
    const ktpel_pki_trust *trust;  /* the enrolment CA: roots for station certificates */
    const ktpel_pki_cert *dc_cert; /* the data center's certificate and key */
    const ktpel_pki_key *dc_key;
    int64_t now;          /* unix seconds for the age checks; 0 = ingest.time */
    int64_t max_age;      /* seconds a packet may wait at the station; 0 = no limit */
    const char *work_dir; /* where a packet is unpacked while checked; NULL = $TMPDIR or /tmp */
} ktpel_ingest_packet_options;

typedef struct ktpel_ingest_packet_result {
    ktpel_ingest_result ingest; /* outcome, NIK, reason */
    /* "ok"; the packet's: "tampered", "untrusted", "expired", "truncated", "malformed",
     * "wrong-recipient", "replayed"; its enrolment's: "invalid" (the record, a template or
     * an image is bad, or the NIK is stored with different content). */
    char reason_id[24];
    char packet_id[33];     /* "" when the packet could not be opened */
    char station_id[65];    /* the signer, "" when unknown */
    int64_t first_ingested; /* replayed: when the packet was first accepted */
    char moved_to[4300];    /* inbox: where the file went */
} ktpel_ingest_packet_result;

/* Ingests one sealed packet (the file's bytes; label names it in messages and the audit log,
 * NULL = its packet id). Returns KTPEL_OK when the packet was dealt with (its outcome in *out,
 * a rejection included); an error only when the store, or unpacking, failed. */
ktpel_err ktpel_ingest_packet(ktpel_store *s, const uint8_t *der, size_t len, const char *label,
                              const ktpel_ingest_packet_options *opt,
                              ktpel_ingest_packet_result *out, ktpel_errbuf *eb);
/* The same for a file (read whole, at most KTPEL_PACKET_FILE_MAX bytes); the file is not
 * moved. */
ktpel_err ktpel_ingest_packet_file(ktpel_store *s, const char *path,
                                   const ktpel_ingest_packet_options *opt,
                                   ktpel_ingest_packet_result *out, ktpel_errbuf *eb);

/* Told about each packet of an inbox once it has been dealt with and moved. */
typedef void (*ktpel_ingest_packet_fn)(void *ctx, const char *path,
                                       const ktpel_ingest_packet_result *r);

/* Ingests every regular file NAME.ktp of the folder inbox (other names, such as the
 * temporary ones `ktpel station send` writes, are left alone), in name order, then moves it:
 * accepted to inbox/done/NAME, rejected to inbox/rejected/NAME with inbox/rejected/NAME.reason
 * beside it (reason id, message, time), written first (if the name is taken, NAME.2, NAME.3,
 * ... are used). Moves are atomic (link + unlink, then both folders flushed). One ingest per
 * inbox at a time (an flock on the folder; a second one fails with KTPEL_EINVAL). Returns an
 * error only when the inbox or the store failed; fn (may be NULL) hears about every packet. */
ktpel_err ktpel_ingest_inbox(ktpel_store *s, const char *inbox,
                             const ktpel_ingest_packet_options *opt, ktpel_ingest_packet_fn fn,
                             void *ctx, ktpel_errbuf *eb);

#ifdef __cplusplus
}
#endif

#endif
