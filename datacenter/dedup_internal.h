/* The deduplication batch steps shared by the single-machine run (dedup.c) and the MPI run
 * (dedup_mpi.c), so that both decide with exactly the same code (datacenter/ only).
 *
 * A batch: probes (queued residents, in global queue order) are searched against a gallery
 * (dc_dedup_search: one store's gallery, OpenMP over its chunks), the candidate lists of every
 * source are merged (dc_candidates_add: a total order, so the merge order does not matter),
 * then dc_dedup_decide compares each probe with the probes before it in the batch and
 * decides with the thresholds of a gallery of (gallery + i) residents. dc_dedup_commit
 * writes the decisions of the probes a store owns. */
#ifndef KTPEL_DC_DEDUP_INTERNAL_H
#define KTPEL_DC_DEDUP_INTERNAL_H

#include <stdint.h>

#include "ktpel/dedup.h"
#include "ktpel/fp_match.h"
#include "ktpel/iris.h"

#include "ingest_iris.h"
#include "store_internal.h"

typedef struct dc_probe {
    char nik[KTPEL_NIK_LEN + 1];
    uint8_t queue_key[8];
    ktpel_fp_compact *finger[DC_FINGERS + 1];
    ktpel_iris_code *iris[DC_EYES];        /* right, left (64-byte aligned); NULL: none */
    ktpel_iris_probe *iris_probe[DC_EYES]; /* the same, prepared for many comparisons */
    ktpel_dedup_decision decision;
} dc_probe;

/* Iris evidence (ktpel_dedup_iris_evidence) tabulated over hd_norm in steps of
 * 1/DC_IRIS_STEPS, so that the search does not evaluate the binomial model per pair. */
#define DC_IRIS_STEPS 2000

typedef struct dc_candidate_list {
    ktpel_dedup_candidate c[KTPEL_DEDUP_MAX_CANDIDATES];
    int n;
} dc_candidate_list;

typedef struct dc_search_counts {
    uint64_t comparisons, pairs, full_pairs, iris;
} dc_search_counts;

typedef struct dc_dedup_batch {
    ktpel_store *s;
    const ktpel_dedup_options *opt; /* resolved (dc_dedup_options_resolve) */
    dc_probe *probes;
    size_t count;
    ktpel_fp_workspace **ws; /* one per thread */
    int threads;
    dc_search_counts counts;
    double iris_evidence[DC_IRIS_STEPS / 2 + 1]; /* at hd_norm = k / DC_IRIS_STEPS, 0..0.5 */
    double iris_confirm_hd; /* an eye confirms at hd_norm <= this (KTPEL_DEDUP_IRIS_CONFIRM_FMR) */
} dc_dedup_batch;

/* Copies opt with the defaults filled in; checks the batch size. */
ktpel_err dc_dedup_options_resolve(const ktpel_dedup_options *opt, ktpel_dedup_options *out,
                                   ktpel_errbuf *eb);
/* Allocates b->threads workspaces (b->threads from opt->threads or OpenMP's default) and
 * fills b->iris_evidence. */
ktpel_err dc_dedup_workspaces_new(dc_dedup_batch *b, ktpel_errbuf *eb);
void dc_dedup_workspaces_free(dc_dedup_batch *b);

/* The exclusive dedup lock of a store (DIR/dedup.lock): a descriptor, or -1 (eb filled). */
int dc_dedup_lock(ktpel_store *s, ktpel_errbuf *eb);

/* Keeps the KTPEL_DEDUP_MAX_CANDIDATES best (higher score, then lower NIK). */
void dc_candidates_add(dc_candidate_list *l, const char *nik, double score, bool iris_unconfirmed);

/* Gives probe p the iris code of eye e (0 right, 1 left) from its serialised form. */
ktpel_err dc_probe_set_iris(dc_probe *p, int e, const void *serial, size_t len, ktpel_errbuf *eb);

/* Searches every probe of b against the gallery of b->s as seen by txn: lists[i] gets the
 * gallery residents scoring at or above t_adj[i]. *copies (may be NULL) counts chunks that
 * had to be copied to be aligned. */
ktpel_err dc_dedup_search(dc_dedup_batch *b, MDB_txn *txn, const double *t_adj,
                          dc_candidate_list *lists, uint64_t *copies, ktpel_errbuf *eb);

/* Adds to lists[i] the probes j < i of the batch scoring at or above t_adj[i], then decides
 * every probe with the duplicate threshold of a gallery of (gallery + i) residents. */
void dc_dedup_decide(dc_dedup_batch *b, size_t gallery, const double *t_adj,
                     dc_candidate_list *lists);

/* t_adj[i] = the adjudication threshold of a gallery of (gallery + i) residents. */
void dc_dedup_thresholds(const ktpel_dedup_options *opt, size_t gallery, size_t count,
                         double *t_adj);

/* Reads the first `want` queue entries and their compact templates. */
ktpel_err dc_dedup_load_probes(ktpel_store *s, MDB_txn *txn, size_t want, dc_probe **out,
                               size_t *count, ktpel_errbuf *eb);
void dc_dedup_probes_free(dc_probe *probes, size_t count);

/* Commits the decided probes of b (results, statuses, audit, queue, gallery) and sets the
 * store's batch counter to batch_no, in one write transaction. */
ktpel_err dc_dedup_commit(dc_dedup_batch *b, uint64_t batch_no, ktpel_errbuf *eb);

#endif
