/* Reading and rewriting stored deduplication results inside a transaction (datacenter/
 * only; value layout in docs/store.md, "Deduplication result"). */
#ifndef KTPEL_DC_DEDUP_RESULTS_H
#define KTPEL_DC_DEDUP_RESULTS_H

#include "ktpel/dedup.h"

#include "store_internal.h"

/* Decodes a results entry (key NIK, value layout version 2, docs/store.md). */
ktpel_err dc_result_decode(const MDB_val *k, const MDB_val *v, ktpel_dedup_decision *d,
                           ktpel_errbuf *eb);
/* Reads the result of nik inside txn; KTPEL_ENOTFOUND when it has none. */
ktpel_err dc_result_read(ktpel_store *s, MDB_txn *txn, const char *nik, ktpel_dedup_decision *d,
                         ktpel_errbuf *eb);
/* Writes d as the result of d->nik inside txn (a write transaction). */
ktpel_err dc_result_write(ktpel_store *s, MDB_txn *txn, const ktpel_dedup_decision *d,
                          ktpel_errbuf *eb);

#endif
