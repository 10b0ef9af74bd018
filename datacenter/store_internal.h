/* Internals of the data-center store shared by store.c, audit.c, ingest.c, dedup*.c and
 * gallery.c (datacenter/ only). Key layouts: docs/store.md. */
#ifndef KTPEL_DC_STORE_INTERNAL_H
#define KTPEL_DC_STORE_INTERNAL_H

#include <lmdb.h>
#include <stdbool.h>
#include <stdint.h>

#include "ktpel/audit.h"
#include "ktpel/error.h"
#include "ktpel/nik.h"
#include "ktpel/status.h"
#include "ktpel/store.h"

/* Gallery residents per chunk (the same numbering for every finger position). */
#define DC_CHUNK_RESIDENTS 128
/* Finger positions 1..10 (ISO/IEC 19794-2). */
#define DC_FINGERS 10

struct ktpel_store {
    MDB_env *env;
    MDB_dbi meta;            /* text key -> value */
    MDB_dbi residents;       /* NIK -> resident value */
    MDB_dbi fp_iso;          /* NIK + capture -> ISO/IEC 19794-2 record */
    MDB_dbi fp_compact;      /* NIK + position -> serialised compact template */
    MDB_dbi status;          /* NIK -> status history (status.h encoding) */
    MDB_dbi queue;           /* sequence (u64 BE) -> NIK */
    MDB_dbi results;         /* NIK -> dedup result with candidates */
    MDB_dbi gallery_members; /* gallery id (u32 BE) -> NIK */
    MDB_dbi gallery_chunks;  /* position + chunk number (u32 BE) -> chunk */
    MDB_dbi audit;           /* sequence (u64 BE) -> chained entry */
    MDB_dbi images;          /* NIK + kind + position + capture -> JPEG/PNG bytes */
    MDB_dbi captures;        /* NIK -> capture metadata of a sealed packet */
    MDB_dbi packets;         /* packet id (32 hex) -> packet received (replay check) */
    MDB_dbi iris;            /* NIK + eye (1 right, 2 left) -> serialised iris code */
    MDB_dbi cards;           /* personalised cards, register counters, imported receipts */
    bool read_only;
    char dir[4096];
};

/* Fails with KTPEL_EIO (or KTPEL_ENOMEM/ETOOBIG where LMDB says so) naming what was done. */
ktpel_err dc_mdb_fail(ktpel_errbuf *eb, int rc, const char *what);
ktpel_err dc_txn_begin(ktpel_store *s, bool write, MDB_txn **txn, ktpel_errbuf *eb);
ktpel_err dc_txn_commit(MDB_txn *txn, ktpel_errbuf *eb);

void dc_put_be32(uint8_t *p, uint32_t v);
void dc_put_be64(uint8_t *p, uint64_t v);
uint32_t dc_get_be32(const uint8_t *p);
uint64_t dc_get_be64(const uint8_t *p);
void dc_put_le32(uint8_t *p, uint32_t v);
uint32_t dc_get_le32(const uint8_t *p);

/* meta: unsigned counters stored as u64 BE; a missing key reads as 0. */
ktpel_err dc_meta_get_u64(ktpel_store *s, MDB_txn *txn, const char *key, uint64_t *out,
                          ktpel_errbuf *eb);
ktpel_err dc_meta_put_u64(ktpel_store *s, MDB_txn *txn, const char *key, uint64_t v,
                          ktpel_errbuf *eb);

/* Appends an audit entry inside txn (a write transaction); text may be NULL. */
ktpel_err dc_audit_append(ktpel_store *s, MDB_txn *txn, ktpel_audit_kind kind, int64_t time,
                          const char *actor, const char *nik, const char *text, ktpel_errbuf *eb);

/* Reads a resident's history inside txn (KTPEL_ENOTFOUND when absent). */
ktpel_err dc_status_read(ktpel_store *s, MDB_txn *txn, const char *nik, ktpel_status_history *h,
                         ktpel_errbuf *eb);
/* Applies a status change inside txn (the history is created by the first change, which must
 * be enrolled) and writes the audit entry of the change. */
ktpel_err dc_status_change(ktpel_store *s, MDB_txn *txn, const char *nik, ktpel_status to,
                           int64_t time, const char *actor, const char *reason, ktpel_errbuf *eb);

/* Keys. */
#define DC_NIK_KEY(nik) ((MDB_val){KTPEL_NIK_LEN, (void *)(nik)})

#endif
