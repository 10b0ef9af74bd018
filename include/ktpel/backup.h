/* Backup of the data center's store: a consistent hot copy, its manifest, verification and
 * restore. Procedure for staff: docs/backup.md.
 *
 * A backup is a folder holding
 *   data.mdb        a compacted copy of the store's LMDB data file, taken from one read
 *                   transaction (LMDB's mdb_env_copyfd2 with MDB_CP_COMPACT) while ingest
 *                   and dedup go on writing: the copy is the store as of one commit.
 *   MANIFEST.ktpel  a text file describing the copy (format below and in docs/backup.md).
 * The manifest's figures are computed from the copy itself after it was written, so they
 * describe exactly that snapshot, however many commits the live store made meanwhile.
 *
 * Manifest: ASCII lines "KEY VALUE\n", every key exactly once and in this order:
 *   ktpel-backup 2                  manifest format version (2: 15 named databases)
 *   ktpel_version 0.1.0             the ktpel that made it (1..31 printable, no space)
 *   time 1718000000                 unix seconds when it was made
 *   schema 1                        the store's schema version
 *   data_size 1048576               bytes of data.mdb
 *   data_sha256 HEX64               SHA-256 of data.mdb (lowercase hex)
 *   count.meta N  ... count.audit N entries of each named database, in docs/store.md order
 *   audit_length N                  audit log entries (the chain verified when copied)
 *   audit_head HEX64                hash of the last audit entry (zeros for an empty log)
 *   store_digest HEX64              ktpel_store_digest of the copy
 * Numbers are decimal without sign or leading zeros. Nothing else is accepted, so that a
 * parsed manifest formats back to the same bytes.
 */
#ifndef KTPEL_BACKUP_H
#define KTPEL_BACKUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ktpel/error.h"
#include "ktpel/store.h"

#ifdef __cplusplus
extern "C" {
#endif

#define KTPEL_BACKUP_FORMAT   2
#define KTPEL_BACKUP_MANIFEST "MANIFEST.ktpel"
#define KTPEL_BACKUP_DATA     "data.mdb"
/* Named databases of the store (docs/store.md), counted in the manifest. */
#define KTPEL_BACKUP_DBS 15
/* A manifest larger than this is refused unread. */
#define KTPEL_BACKUP_MANIFEST_MAX 4096

/* "meta", "residents", ..., "audit" for i in 0..KTPEL_BACKUP_DBS-1; NULL otherwise. */
const char *ktpel_backup_db_name(int i);

typedef struct ktpel_backup_manifest {
    int format; /* KTPEL_BACKUP_FORMAT */
    char ktpel_version[32];
    int64_t time;
    uint64_t schema;
    uint64_t data_size;
    uint8_t data_sha256[32];
    uint64_t counts[KTPEL_BACKUP_DBS]; /* in ktpel_backup_db_name order */
    uint64_t audit_length;
    uint8_t audit_head[32];
    uint8_t store_digest[32];
} ktpel_backup_manifest;

/* Parses manifest text (len bytes; need not be NUL-terminated). KTPEL_EFORMAT (or
 * KTPEL_EUNSUPPORTED for another format version, KTPEL_ETOOBIG beyond
 * KTPEL_BACKUP_MANIFEST_MAX) naming the line and what is wrong. */
ktpel_err ktpel_backup_manifest_parse(const char *text, size_t len, ktpel_backup_manifest *out,
                                      ktpel_errbuf *eb);

/* Formats m as manifest text into a malloc'd NUL-terminated string (*len without the NUL;
 * free() it). */
ktpel_err ktpel_backup_manifest_format(const ktpel_backup_manifest *m, char **text, size_t *len,
                                       ktpel_errbuf *eb);

typedef struct ktpel_backup_options {
    int64_t time;        /* unix seconds recorded in the manifest */
    const char *version; /* ktpel version recorded in the manifest; NULL = "unknown" */
} ktpel_backup_options;

/* Copies the open store s (read-only is enough; writers may keep working) into dir, which
 * must not exist or be empty (it is created), and writes the manifest (*out, may be NULL).
 * The manifest is written last: a folder without one is not a backup. */
ktpel_err ktpel_backup_create(ktpel_store *s, const char *dir, const ktpel_backup_options *opt,
                              ktpel_backup_manifest *out, ktpel_errbuf *eb);

/* Called by ktpel_backup_verify for each difference found, e.g.
 * "count.residents: manifest 33, copy 30". */
typedef void (*ktpel_backup_diff_fn)(void *ctx, const char *what);

/* Checks the backup in dir against its manifest: size and SHA-256 of data.mdb; then (only if
 * they match, a damaged file is not opened) opens the copy read-only and recounts every
 * database, walks the audit chain and compares its length and head, recomputes the store
 * digest. KTPEL_OK when all agree; KTPEL_EFORMAT when something differs (fn is called for
 * each, the message names the first and the number); other codes when the backup cannot be
 * read at all (no manifest, malformed manifest). fn and m (the parsed manifest) may be NULL.
 * Opening the copy may create lock.mdb beside it; data.mdb is not written. */
ktpel_err ktpel_backup_verify(const char *dir, ktpel_backup_diff_fn fn, void *ctx,
                              ktpel_backup_manifest *m, ktpel_errbuf *eb);

/* Verifies the backup in dir, then restores it as the store folder store_dir. store_dir must
 * not exist or be an empty folder; with force, a non-empty store_dir is replaced (refused
 * while a dedup holds its lock). The copy is made in a new sibling folder
 * (STORE_DIR.restore-XXXXXX), flushed and checked against the manifest's SHA-256, and only
 * then renamed into place (swapped atomically with an existing folder, whose old content is
 * then removed): readers never see a half-restored store. */
ktpel_err ktpel_backup_restore(const char *dir, const char *store_dir, bool force,
                               ktpel_errbuf *eb);

#ifdef __cplusplus
}
#endif

#endif
