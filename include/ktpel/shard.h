/* A sharded store: the data center's store split across R LMDB environments so that R
 * machines (MPI ranks, `ktpel dedup --mpi`) each search a part of the gallery.
 *
 * Layout of a sharded store folder DIR:
 *   DIR/shards            the shard count R, as decimal text and a newline ("2\n"); written
 *                         by the first `ktpel ingest --shards R`, checked by every later use
 *   DIR/shard-K-of-R/     shard K (0..R-1): an ordinary store (docs/store.md)
 *   DIR/ingest.lock       flock held while one enrolment is routed and stored
 *
 * Routing: a resident lives in shard ktpel_shard_of(NIK, R) = FNV-1a 64-bit (offset basis
 * 14695981039346656037, prime 1099511628211) over the NIK's 16 ASCII digits, modulo R. The
 * hash depends only on the NIK, so routing is stable across runs, machines and versions.
 * An enrolment whose NIK cannot be read goes to shard 0, where it is rejected and audited.
 *
 * Global queue order: each queue entry's sequence is the maximum of every shard's
 * meta queue_next, taken under DIR/ingest.lock; so the sequences across all shards follow
 * ingest order exactly as one store's would, and merging the shards' queues by sequence
 * gives the single-store queue.
 */
#ifndef KTPEL_SHARD_H
#define KTPEL_SHARD_H

#include <stddef.h>
#include <stdint.h>

#include "ktpel/error.h"
#include "ktpel/ingest.h"
#include "ktpel/store.h"

#ifdef __cplusplus
extern "C" {
#endif

#define KTPEL_SHARDS_MAX 256

/* The shard (0..count-1) of a 16-digit NIK; 0 when nik is not 16 digits or count < 2. */
int ktpel_shard_of(const char *nik, int count);

/* Writes "DIR/shard-K-of-R" into out; KTPEL_EINVAL if it does not fit. */
ktpel_err ktpel_shard_path(const char *dir, int k, int count, char *out, size_t size,
                           ktpel_errbuf *eb);

/* The shard count recorded in DIR/shards (KTPEL_ENOTFOUND when DIR is not sharded). */
ktpel_err ktpel_shards_read(const char *dir, int *count, ktpel_errbuf *eb);

typedef struct ktpel_shard_set ktpel_shard_set;

/* Opens the count shards of DIR for ingest, creating DIR and its layout file if needed;
 * KTPEL_EINVAL when DIR already holds another shard count. */
ktpel_err ktpel_shard_set_open(const char *dir, int count, ktpel_shard_set **out, ktpel_errbuf *eb);
void ktpel_shard_set_close(ktpel_shard_set *set);
ktpel_store *ktpel_shard_set_store(ktpel_shard_set *set, int k);

/* Ingests one enrolment folder into the shard of its NIK with the next global queue
 * sequence (as ktpel_ingest_enrolment; *shard, may be NULL, gets the shard used). */
ktpel_err ktpel_shard_ingest(ktpel_shard_set *set, const char *enrolment_dir,
                             const ktpel_ingest_options *opt, ktpel_ingest_result *out, int *shard,
                             ktpel_errbuf *eb);

#ifdef __cplusplus
}
#endif

#endif
