/* The LMDB environment of the data center: opening, schema version, shared helpers, status
 * histories, counts and the content digest. */
#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ktpel/store.h"

#include "store_internal.h"

#define DEFAULT_MAP_SIZE ((size_t)64 << 30)
#define DB_COUNT         15

ktpel_err dc_mdb_fail(ktpel_errbuf *eb, int rc, const char *what)
{
    ktpel_err code = rc == ENOMEM          ? KTPEL_ENOMEM
                     : rc == MDB_MAP_FULL  ? KTPEL_ETOOBIG
                     : rc == MDB_NOTFOUND  ? KTPEL_ENOTFOUND
                     : rc == MDB_CORRUPTED ? KTPEL_EFORMAT
                                           : KTPEL_EIO;
    return ktpel_fail(eb, code, "store: %s: %s", what, mdb_strerror(rc));
}

ktpel_err dc_txn_begin(ktpel_store *s, bool write, MDB_txn **txn, ktpel_errbuf *eb)
{
    if (write && s->read_only)
        return ktpel_fail(eb, KTPEL_EINVAL, "store %s: opened read-only", s->dir);
    int rc = mdb_txn_begin(s->env, NULL, write ? 0 : MDB_RDONLY, txn);
    return rc ? dc_mdb_fail(eb, rc, write ? "begin write transaction" : "begin read transaction")
              : KTPEL_OK;
}

ktpel_err dc_txn_commit(MDB_txn *txn, ktpel_errbuf *eb)
{
    int rc = mdb_txn_commit(txn);
    return rc ? dc_mdb_fail(eb, rc, "commit") : KTPEL_OK;
}

void dc_put_be32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (24 - 8 * i));
}

void dc_put_be64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (56 - 8 * i));
}

uint32_t dc_get_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

uint64_t dc_get_be64(const uint8_t *p)
{
    return (uint64_t)dc_get_be32(p) << 32 | dc_get_be32(p + 4);
}

void dc_put_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

uint32_t dc_get_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static MDB_val text_key(const char *key)
{
    return (MDB_val){strlen(key), (void *)key};
}

ktpel_err dc_meta_get_u64(ktpel_store *s, MDB_txn *txn, const char *key, uint64_t *out,
                          ktpel_errbuf *eb)
{
    MDB_val k = text_key(key), v;
    int rc = mdb_get(txn, s->meta, &k, &v);
    if (rc == MDB_NOTFOUND) {
        *out = 0;
        return KTPEL_OK;
    }
    if (rc)
        return dc_mdb_fail(eb, rc, key);
    if (v.mv_size != 8)
        return ktpel_fail(eb, KTPEL_EFORMAT, "store %s: meta %s has %zu bytes, not 8", s->dir, key,
                          v.mv_size);
    *out = dc_get_be64(v.mv_data);
    return KTPEL_OK;
}

ktpel_err dc_meta_put_u64(ktpel_store *s, MDB_txn *txn, const char *key, uint64_t value,
                          ktpel_errbuf *eb)
{
    uint8_t buf[8];
    dc_put_be64(buf, value);
    MDB_val k = text_key(key), v = {8, buf};
    int rc = mdb_put(txn, s->meta, &k, &v, 0);
    return rc ? dc_mdb_fail(eb, rc, key) : KTPEL_OK;
}

/* ---- opening ----------------------------------------------------------------------------- */

static const char *const db_names[DB_COUNT] = {
    "meta",   "residents", "fp_iso",          "fp_compact",     "status",
    "queue",  "results",   "gallery_members", "gallery_chunks", "audit",
    "images", "captures",  "packets",         "iris",           "cards",
};

static MDB_dbi *db_slot(ktpel_store *s, int i)
{
    MDB_dbi *slots[DB_COUNT] = {&s->meta,           &s->residents, &s->fp_iso,  &s->fp_compact,
                                &s->status,         &s->queue,     &s->results, &s->gallery_members,
                                &s->gallery_chunks, &s->audit,     &s->images,  &s->captures,
                                &s->packets,        &s->iris,      &s->cards};
    return slots[i];
}

/* Opens every named database and checks (or, in a new store, writes) the schema version. */
static ktpel_err open_databases(ktpel_store *s, ktpel_errbuf *eb)
{
    MDB_txn *txn;
    ktpel_err err = dc_txn_begin(s, !s->read_only, &txn, eb);
    if (err)
        return err;
    for (int i = 0; i < DB_COUNT; i++) {
        int rc = mdb_dbi_open(txn, db_names[i], s->read_only ? 0 : MDB_CREATE, db_slot(s, i));
        if (rc) {
            uint64_t old = 0; /* a store of an older schema lacks the newer databases */
            if (rc == MDB_NOTFOUND && i > 0 && !dc_meta_get_u64(s, txn, "schema", &old, NULL) &&
                old != KTPEL_STORE_SCHEMA && old != 0)
                rc = MDB_VERSION_MISMATCH;
            mdb_txn_abort(txn);
            if (rc == MDB_VERSION_MISMATCH)
                return ktpel_fail(eb, KTPEL_EUNSUPPORTED,
                                  "store %s: schema version %llu, this ktpel reads version %d",
                                  s->dir, (unsigned long long)old, KTPEL_STORE_SCHEMA);
            if (rc == MDB_NOTFOUND)
                return ktpel_fail(eb, KTPEL_EFORMAT,
                                  "store %s: no database '%s' (not a ktpel store)", s->dir,
                                  db_names[i]);
            return dc_mdb_fail(eb, rc, db_names[i]);
        }
    }
    uint64_t schema;
    err = dc_meta_get_u64(s, txn, "schema", &schema, eb);
    if (!err && schema == 0 && !s->read_only) {
        schema = KTPEL_STORE_SCHEMA;
        err = dc_meta_put_u64(s, txn, "schema", schema, eb);
    }
    if (!err && schema != KTPEL_STORE_SCHEMA)
        err = ktpel_fail(eb, KTPEL_EUNSUPPORTED,
                         "store %s: schema version %llu, this ktpel reads version %d", s->dir,
                         (unsigned long long)schema, KTPEL_STORE_SCHEMA);
    if (err) {
        mdb_txn_abort(txn);
        return err;
    }
    /* Committed even when read-only: handles opened in an aborted transaction are closed. */
    return dc_txn_commit(txn, eb);
}

ktpel_err ktpel_store_open(const char *dir, const ktpel_store_options *opt, ktpel_store **out,
                           ktpel_errbuf *eb)
{
    if (!dir || !out)
        return ktpel_fail(eb, KTPEL_EINVAL, "ktpel_store_open: NULL argument");
    *out = NULL;
    ktpel_store_options o = opt ? *opt : (ktpel_store_options){0};
    if (strlen(dir) >= sizeof((ktpel_store *)0)->dir)
        return ktpel_fail(eb, KTPEL_EINVAL, "store: folder name too long");
    if (o.read_only || o.no_create) {
        char data[4200];
        struct stat st;
        snprintf(data, sizeof data, "%s/data.mdb", dir);
        if (stat(data, &st) != 0)
            return ktpel_fail(eb, KTPEL_ENOTFOUND, "store %s: no store there", dir);
    }
    if (!o.read_only && mkdir(dir, 0770) != 0 && errno != EEXIST)
        return ktpel_fail(eb, KTPEL_EIO, "store %s: cannot create the folder: %s", dir,
                          strerror(errno));
    ktpel_store *s = calloc(1, sizeof *s);
    if (!s)
        return ktpel_fail(eb, KTPEL_ENOMEM, "store: out of memory");
    strcpy(s->dir, dir);
    s->read_only = o.read_only;
    int rc = mdb_env_create(&s->env);
    if (!rc)
        rc = mdb_env_set_maxdbs(s->env, DB_COUNT);
    if (!rc)
        rc = mdb_env_set_mapsize(s->env, o.map_size ? o.map_size : DEFAULT_MAP_SIZE);
    if (!rc)
        rc = mdb_env_set_maxreaders(s->env, 254);
    /* MDB_NOTLS: read transactions are not tied to a thread's slot, so many threads of one
     * process can each hold one. */
    if (!rc)
        rc = mdb_env_open(s->env, dir, MDB_NOTLS | (o.read_only ? MDB_RDONLY : 0), 0660);
    ktpel_err err = KTPEL_OK;
    if (rc) {
        err = rc == ENOENT
                  ? ktpel_fail(eb, KTPEL_ENOTFOUND, "store %s: no store there", dir)
                  : ktpel_fail(eb, KTPEL_EIO, "store %s: cannot open: %s", dir, mdb_strerror(rc));
    } else {
        err = open_databases(s, eb);
    }
    if (err) {
        ktpel_store_close(s);
        return err;
    }
    *out = s;
    return KTPEL_OK;
}

void ktpel_store_close(ktpel_store *s)
{
    if (!s)
        return;
    if (s->env)
        mdb_env_close(s->env);
    free(s);
}

const char *ktpel_store_dir(const ktpel_store *s)
{
    return s ? s->dir : "";
}

/* ---- status histories ------------------------------------------------------------------- */

ktpel_err dc_status_read(ktpel_store *s, MDB_txn *txn, const char *nik, ktpel_status_history *h,
                         ktpel_errbuf *eb)
{
    MDB_val k = DC_NIK_KEY(nik), v;
    int rc = mdb_get(txn, s->status, &k, &v);
    if (rc == MDB_NOTFOUND)
        return ktpel_fail(eb, KTPEL_ENOTFOUND, "store: no status for NIK %.16s", nik);
    if (rc)
        return dc_mdb_fail(eb, rc, "read status");
    ktpel_err err = ktpel_status_history_decode(v.mv_data, v.mv_size, h, eb);
    if (err)
        ktpel_fail_context(eb, "status of NIK %.16s: ", nik);
    return err;
}

ktpel_err dc_status_change(ktpel_store *s, MDB_txn *txn, const char *nik, ktpel_status to,
                           int64_t time, const char *actor, const char *reason, ktpel_errbuf *eb)
{
    ktpel_status_history h;
    ktpel_status_history_init(&h);
    ktpel_err err = dc_status_read(s, txn, nik, &h, eb);
    if (err == KTPEL_ENOTFOUND)
        err = KTPEL_OK; /* the first change creates the history */
    ktpel_status from = KTPEL_STATUS_COUNT;
    bool had = ktpel_status_history_current(&h, &from);
    /* A clock stepped back (NTP) must not stop the data center: an entry is never dated
     * before the one it follows. */
    if (had && time < h.entries[h.count - 1].time)
        time = h.entries[h.count - 1].time;
    if (!err)
        err = ktpel_status_history_apply(&h, to, time, actor, reason, eb);
    uint8_t *buf = NULL;
    size_t size = ktpel_status_history_encoded_size(&h);
    if (!err && !(buf = malloc(size)))
        err = ktpel_fail(eb, KTPEL_ENOMEM, "store: out of memory");
    if (!err)
        err = ktpel_status_history_encode(&h, buf, size, NULL, eb);
    if (!err) {
        MDB_val k = DC_NIK_KEY(nik), v = {size, buf};
        int rc = mdb_put(txn, s->status, &k, &v, 0);
        if (rc)
            err = dc_mdb_fail(eb, rc, "write status");
    }
    if (!err) {
        char text[KTPEL_STATUS_REASON_MAX + 64];
        snprintf(text, sizeof text, "%s -> %s%s%s", had ? ktpel_status_id(from) : "(new)",
                 ktpel_status_id(to), reason && *reason ? ": " : "", reason ? reason : "");
        err = dc_audit_append(s, txn, KTPEL_AUDIT_STATUS, time, actor, nik, text, eb);
    }
    free(buf);
    ktpel_status_history_free(&h);
    return err;
}

ktpel_err ktpel_store_status_get(ktpel_store *s, const char *nik, ktpel_status_history *h,
                                 ktpel_errbuf *eb)
{
    if (!s || !nik || !h || strlen(nik) != KTPEL_NIK_LEN)
        return ktpel_fail(eb, KTPEL_EINVAL, "ktpel_store_status_get: bad argument");
    MDB_txn *txn;
    ktpel_err err = dc_txn_begin(s, false, &txn, eb);
    if (err)
        return err;
    err = dc_status_read(s, txn, nik, h, eb);
    mdb_txn_abort(txn);
    return err;
}

/* ---- records, counts, digest --------------------------------------------------------------- */

ktpel_err ktpel_store_resident_record(ktpel_store *s, const char *nik, char **text, size_t *len,
                                      ktpel_errbuf *eb)
{
    if (!s || !nik || !text || strlen(nik) != KTPEL_NIK_LEN)
        return ktpel_fail(eb, KTPEL_EINVAL, "ktpel_store_resident_record: bad argument");
    *text = NULL;
    MDB_txn *txn;
    ktpel_err err = dc_txn_begin(s, false, &txn, eb);
    if (err)
        return err;
    MDB_val k = DC_NIK_KEY(nik), v;
    int rc = mdb_get(txn, s->residents, &k, &v);
    if (rc) {
        mdb_txn_abort(txn);
        return rc == MDB_NOTFOUND ? ktpel_fail(eb, KTPEL_ENOTFOUND, "store: no resident %s", nik)
                                  : dc_mdb_fail(eb, rc, "read resident");
    }
    /* Resident value: version, digest[32], name length, name, record length, record. */
    const uint8_t *p = v.mv_data;
    size_t off = 1 + 32;
    size_t name_len = v.mv_size > off ? p[off] : 0;
    off += 1 + name_len;
    if (v.mv_size < off + 4 || p[0] != 1 || v.mv_size - off - 4 < dc_get_le32(p + off)) {
        mdb_txn_abort(txn);
        return ktpel_fail(eb, KTPEL_EFORMAT, "store: resident %s: malformed value", nik);
    }
    size_t n = dc_get_le32(p + off);
    char *out = malloc(n + 1);
    if (out) {
        memcpy(out, p + off + 4, n);
        out[n] = '\0';
    }
    mdb_txn_abort(txn);
    if (!out)
        return ktpel_fail(eb, KTPEL_ENOMEM, "store: out of memory");
    *text = out;
    if (len)
        *len = n;
    return KTPEL_OK;
}

static ktpel_err db_entries(MDB_txn *txn, MDB_dbi dbi, size_t *out, ktpel_errbuf *eb)
{
    MDB_stat st;
    int rc = mdb_stat(txn, dbi, &st);
    if (rc)
        return dc_mdb_fail(eb, rc, "stat");
    *out = st.ms_entries;
    return KTPEL_OK;
}

ktpel_err ktpel_store_counts_get(ktpel_store *s, ktpel_store_counts *out, ktpel_errbuf *eb)
{
    if (!s || !out)
        return ktpel_fail(eb, KTPEL_EINVAL, "ktpel_store_counts_get: NULL argument");
    memset(out, 0, sizeof *out);
    MDB_txn *txn;
    ktpel_err err = dc_txn_begin(s, false, &txn, eb);
    if (err)
        return err;
    err = db_entries(txn, s->residents, &out->residents, eb);
    if (!err)
        err = db_entries(txn, s->queue, &out->queued, eb);
    if (!err)
        err = db_entries(txn, s->results, &out->decided, eb);
    if (!err)
        err = db_entries(txn, s->gallery_members, &out->gallery, eb);
    if (!err)
        err = db_entries(txn, s->audit, &out->audit, eb);
    if (!err)
        err = dc_meta_get_u64(s, txn, "batches", &out->batches, eb);
    MDB_cursor *cur = NULL;
    if (!err && mdb_cursor_open(txn, s->gallery_chunks, &cur) == 0) {
        MDB_val k, v;
        for (int rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
             rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
            out->gallery_size += v.mv_size;
        mdb_cursor_close(cur);
    }
    mdb_txn_abort(txn);
    return err;
}

/* Feeds one database's name, then every key and value (each preceded by its length). */
static ktpel_err digest_db(EVP_MD_CTX *md, MDB_txn *txn, MDB_dbi dbi, const char *name,
                           ktpel_errbuf *eb)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, dbi, &cur);
    if (rc)
        return dc_mdb_fail(eb, rc, name);
    EVP_DigestUpdate(md, name, strlen(name) + 1);
    MDB_val k, v;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        uint8_t len[16];
        dc_put_be64(len, k.mv_size);
        dc_put_be64(len + 8, v.mv_size);
        EVP_DigestUpdate(md, len, sizeof len);
        EVP_DigestUpdate(md, k.mv_data, k.mv_size);
        EVP_DigestUpdate(md, v.mv_data, v.mv_size);
    }
    mdb_cursor_close(cur);
    return rc == MDB_NOTFOUND ? KTPEL_OK : dc_mdb_fail(eb, rc, name);
}

ktpel_err ktpel_store_digest(ktpel_store *s, uint8_t digest[32], ktpel_errbuf *eb)
{
    if (!s || !digest)
        return ktpel_fail(eb, KTPEL_EINVAL, "ktpel_store_digest: NULL argument");
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    if (!md || !EVP_DigestInit_ex(md, EVP_sha256(), NULL)) {
        EVP_MD_CTX_free(md);
        return ktpel_fail(eb, KTPEL_EINTERNAL, "store: SHA-256 unavailable");
    }
    MDB_txn *txn;
    ktpel_err err = dc_txn_begin(s, false, &txn, eb);
    bool began = !err;
    /* meta is left out: it holds the audit head, which a rejection moves. */
    for (int i = 1; !err && i < DB_COUNT; i++)
        if (db_slot(s, i) != &s->audit)
            err = digest_db(md, txn, *db_slot(s, i), db_names[i], eb);
    if (!err) {
        uint64_t counters[3];
        const char *keys[3] = {"queue_next", "batches", "gallery_count"};
        for (int i = 0; !err && i < 3; i++)
            err = dc_meta_get_u64(s, txn, keys[i], &counters[i], eb);
        EVP_DigestUpdate(md, counters, sizeof counters);
    }
    if (began)
        mdb_txn_abort(txn);
    unsigned int n = 0;
    if (!err && !EVP_DigestFinal_ex(md, digest, &n))
        err = ktpel_fail(eb, KTPEL_EINTERNAL, "store: SHA-256 failed");
    EVP_MD_CTX_free(md);
    return err;
}
