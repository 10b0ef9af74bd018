/* 1:N deduplication across several machines (MPI): `mpirun -np R ktpel dedup --mpi --store
 * DIR` on a sharded store (include/ktpel/shard.h) of R shards.
 *
 * Rank K owns shard DIR/shard-K-of-R: its gallery, its queue entries, their results. Per
 * batch: every rank reads the head of its shard's queue; the heads are exchanged
 * (MPI_Allgatherv of the probes' serialised templates) and merged by their global queue
 * sequence, so every rank holds the same batch: the first B residents of the global queue,
 * exactly as one store's queue would give them. Each rank searches its shard's gallery with
 * every probe (OpenMP over its chunks) and keeps each probe's best candidates; the
 * candidates are gathered to rank 0 (MPI_Gatherv of fixed-size records), which compares the
 * batch's probes with each other and decides with the single-machine code
 * (datacenter/dedup_internal.h) and the thresholds of the global gallery size. The decisions
 * are broadcast and each rank commits those of the residents it owns (result, status, audit,
 * queue, gallery) and the global batch number. So the decisions equal those of one process on
 * one store holding the same enrolments (tests/integration/test_dc_mpi.c).
 *
 * Not (yet) resumable across ranks: the shards commit a batch each in its own transaction; a
 * run killed between two ranks' commits leaves the batch half committed, and the next run's
 * decisions may differ from an uninterrupted run's for the rest of that batch.
 */
#ifndef KTPEL_DEDUP_MPI_H
#define KTPEL_DEDUP_MPI_H

#include <stdbool.h>

#include "ktpel/dedup.h"
#include "ktpel/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* True when this ktpel was built with MPI (CMake option KTPEL_MPI and an MPI found). */
bool ktpel_dedup_mpi_available(void);

/* MPI_Init_thread (funneled: OpenMP threads make no MPI calls); *rank and *size of
 * MPI_COMM_WORLD. KTPEL_EUNSUPPORTED when built without MPI. */
ktpel_err ktpel_mpi_init(int *argc, char ***argv, int *rank, int *size, ktpel_errbuf *eb);
/* MPI_Finalize (nothing without MPI). */
void ktpel_mpi_finalize(void);

/* Collective over MPI_COMM_WORLD: every rank calls it with the same dir and options; the
 * number of ranks must equal the store's shard count. fn (may be NULL) and opt->progress
 * are called on rank 0 only, with every decision once its batch is committed everywhere;
 * stats (may be NULL) are filled on rank 0 with the totals of every rank. An error on any
 * rank stops every rank (the others report "another rank failed"). */
ktpel_err ktpel_dedup_mpi_run(const char *dir, const ktpel_dedup_options *opt,
                              ktpel_dedup_decision_fn fn, void *ctx, ktpel_dedup_stats *stats,
                              ktpel_errbuf *eb);

#ifdef __cplusplus
}
#endif

#endif
