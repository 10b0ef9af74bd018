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

#ifdef __cplusplus
}
#endif

#endif
