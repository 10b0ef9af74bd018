/* Backup of the store: hot copy with LMDB's compacting copy, a text manifest computed from
 * the copy, verification of a backup against its manifest, and restore into a new folder. */
#define _GNU_SOURCE /* renameat2 (RENAME_EXCHANGE), nftw */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ktpel/audit.h"
#include "ktpel/backup.h"
#include "ktpel/file.h"

#include "store_internal.h"

#define PATH_BYTES 4200

static const char *const db_names[KTPEL_BACKUP_DBS] = {
    "meta",   "residents", "fp_iso",          "fp_compact",     "status",
    "queue",  "results",   "gallery_members", "gallery_chunks", "audit",
    "images", "captures",  "packets",         "iris",           "cards",
};

const char *ktpel_backup_db_name(int i)
{
    return i >= 0 && i < KTPEL_BACKUP_DBS ? db_names[i] : NULL;
}

static MDB_dbi db_handle(const ktpel_store *s, int i)
{
    const MDB_dbi handles[KTPEL_BACKUP_DBS] = {
        s->meta,   s->residents, s->fp_iso,          s->fp_compact,     s->status,
        s->queue,  s->results,   s->gallery_members, s->gallery_chunks, s->audit,
        s->images, s->captures,  s->packets,         s->iris,           s->cards,
    };
    return handles[i];
}

/* ---- manifest text ------------------------------------------------------------------------ */

static void hex_encode(const uint8_t in[32], char out[65])
{
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[64] = '\0';
}

ktpel_err ktpel_backup_manifest_format(const ktpel_backup_manifest *m, char **text, size_t *len,
                                       ktpel_errbuf *eb)
{
    if (!m || !text)
        return ktpel_fail(eb, KTPEL_EINVAL, "ktpel_backup_manifest_format: NULL argument");
    *text = NULL;
    char *buf = malloc(KTPEL_BACKUP_MANIFEST_MAX);
    if (!buf)
        return ktpel_fail(eb, KTPEL_ENOMEM, "backup manifest: out of memory");
    char sha[65], head[65], digest[65];
    hex_encode(m->data_sha256, sha);
    hex_encode(m->audit_head, head);
    hex_encode(m->store_digest, digest);
    size_t cap = KTPEL_BACKUP_MANIFEST_MAX;
    int n = snprintf(buf, cap,
                     "ktpel-backup %d\nktpel_version %s\ntime %" PRId64 "\nschema %" PRIu64
                     "\ndata_size %" PRIu64 "\ndata_sha256 %s\n",
                     m->format, m->ktpel_version, m->time, m->schema, m->data_size, sha);
    for (int i = 0; i < KTPEL_BACKUP_DBS && n > 0 && (size_t)n < cap; i++)
        n +=
            snprintf(buf + n, cap - (size_t)n, "count.%s %" PRIu64 "\n", db_names[i], m->counts[i]);
    if (n > 0 && (size_t)n < cap)
        n += snprintf(buf + n, cap - (size_t)n,
                      "audit_length %" PRIu64 "\naudit_head %s\nstore_digest %s\n", m->audit_length,
                      head, digest);
    if (n <= 0 || (size_t)n >= cap) {
        free(buf);
        return ktpel_fail(eb, KTPEL_EINTERNAL, "backup manifest: does not fit %d bytes",
                          KTPEL_BACKUP_MANIFEST_MAX);
    }
    *text = buf;
    if (len)
        *len = (size_t)n;
    return KTPEL_OK;
}

typedef enum value_kind { V_U64, V_I64, V_HEX, V_VERSION } value_kind;

static ktpel_err parse_u64(const char *v, size_t n, uint64_t *out)
{
    if (n == 0 || n > 20 || (n > 1 && v[0] == '0'))
        return KTPEL_EFORMAT;
    uint64_t x = 0;
    for (size_t i = 0; i < n; i++) {
        if (v[i] < '0' || v[i] > '9')
            return KTPEL_EFORMAT;
        unsigned d = (unsigned)(v[i] - '0');
        if (x > (UINT64_MAX - d) / 10)
            return KTPEL_EFORMAT;
        x = x * 10 + d;
    }
    *out = x;
    return KTPEL_OK;
}

static ktpel_err parse_hex(const char *v, size_t n, uint8_t out[32])
{
    if (n != 64)
        return KTPEL_EFORMAT;
    for (size_t i = 0; i < 64; i++) {
        char c = v[i];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (d < 0)
            return KTPEL_EFORMAT;
        if (i % 2 == 0)
            out[i / 2] = (uint8_t)(d << 4);
        else
            out[i / 2] |= (uint8_t)d;
    }
    return KTPEL_OK;
}

/* Stores the value v (n bytes) of a line of the given kind into dst. */
static ktpel_err parse_value(value_kind kind, const char *v, size_t n, void *dst)
{
    uint64_t x = 0;
    switch (kind) {
    case V_U64:
        return parse_u64(v, n, dst);
    case V_I64:
        if (parse_u64(v, n, &x) || x > INT64_MAX)
            return KTPEL_EFORMAT;
        *(int64_t *)dst = (int64_t)x;
        return KTPEL_OK;
    case V_HEX:
        return parse_hex(v, n, dst);
    case V_VERSION:
        if (n < 1 || n > 31)
            return KTPEL_EFORMAT;
        for (size_t i = 0; i < n; i++)
            if (v[i] < 0x21 || v[i] > 0x7e)
                return KTPEL_EFORMAT;
        memcpy(dst, v, n);
        ((char *)dst)[n] = '\0';
        return KTPEL_OK;
    }
    return KTPEL_EFORMAT;
}

typedef struct line_spec {
    char key[32];
    value_kind kind;
    void *dst;
} line_spec;

/* The manifest's lines, in order, each with where its value goes. Returns their number. */
static int manifest_lines(ktpel_backup_manifest *m, uint64_t *format, line_spec *spec)
{
    int n = 0;
    spec[n++] = (line_spec){"ktpel-backup", V_U64, format};
    spec[n++] = (line_spec){"ktpel_version", V_VERSION, m->ktpel_version};
    spec[n++] = (line_spec){"time", V_I64, &m->time};
    spec[n++] = (line_spec){"schema", V_U64, &m->schema};
    spec[n++] = (line_spec){"data_size", V_U64, &m->data_size};
    spec[n++] = (line_spec){"data_sha256", V_HEX, m->data_sha256};
    for (int i = 0; i < KTPEL_BACKUP_DBS; i++) {
        spec[n] = (line_spec){"", V_U64, &m->counts[i]};
        snprintf(spec[n].key, sizeof spec[n].key, "count.%s", db_names[i]);
        n++;
    }
    spec[n++] = (line_spec){"audit_length", V_U64, &m->audit_length};
    spec[n++] = (line_spec){"audit_head", V_HEX, m->audit_head};
    spec[n++] = (line_spec){"store_digest", V_HEX, m->store_digest};
    return n;
}

ktpel_err ktpel_backup_manifest_parse(const char *text, size_t len, ktpel_backup_manifest *out,
                                      ktpel_errbuf *eb)
{
    if (!text || !out)
        return ktpel_fail(eb, KTPEL_EINVAL, "ktpel_backup_manifest_parse: NULL argument");
    if (len > KTPEL_BACKUP_MANIFEST_MAX)
        return ktpel_fail(eb, KTPEL_ETOOBIG, "manifest: %zu bytes, at most %d", len,
                          KTPEL_BACKUP_MANIFEST_MAX);
    ktpel_backup_manifest m;
    memset(&m, 0, sizeof m);
    uint64_t format = 0;
    line_spec spec[6 + KTPEL_BACKUP_DBS + 3];
    int lines = manifest_lines(&m, &format, spec);
    size_t pos = 0;
    for (int i = 0; i < lines; i++) {
        const char *line = text + pos;
        const char *nl = memchr(line, '\n', len - pos);
        if (!nl)
            return ktpel_fail(eb, pos == len ? KTPEL_ETRUNCATED : KTPEL_EFORMAT,
                              "manifest line %d: %s, expected '%s'", i + 1,
                              pos == len ? "missing" : "does not end with a newline", spec[i].key);
        size_t n = (size_t)(nl - line), klen = strlen(spec[i].key);
        if (n <= klen || memcmp(line, spec[i].key, klen) != 0 || line[klen] != ' ')
            return ktpel_fail(eb, KTPEL_EFORMAT, "manifest line %d: expected '%s VALUE'", i + 1,
                              spec[i].key);
        if (parse_value(spec[i].kind, line + klen + 1, n - klen - 1, spec[i].dst))
            return ktpel_fail(eb, KTPEL_EFORMAT, "manifest line %d: bad value for %s", i + 1,
                              spec[i].key);
        if (i == 0 && format != KTPEL_BACKUP_FORMAT)
            return ktpel_fail(eb, KTPEL_EUNSUPPORTED,
                              "manifest: format version %" PRIu64 ", this ktpel reads %d", format,
                              KTPEL_BACKUP_FORMAT);
        pos += n + 1;
    }
    if (pos != len)
        return ktpel_fail(eb, KTPEL_EFORMAT, "manifest line %d: unexpected text after the end",
                          lines + 1);
    m.format = (int)format;
    *out = m;
    return KTPEL_OK;
}

/* ---- files ---------------------------------------------------------------------------- */

/* SHA-256 and size of the file at path. */
static ktpel_err file_sha256(const char *path, uint8_t hash[32], uint64_t *size, ktpel_errbuf *eb)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return ktpel_fail(eb, errno == ENOENT ? KTPEL_ENOTFOUND : KTPEL_EIO, "%s: %s", path,
                          strerror(errno));
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    uint8_t *buf = malloc(1 << 20);
    ktpel_err err = KTPEL_OK;
    if (!md || !buf || !EVP_DigestInit_ex(md, EVP_sha256(), NULL))
        err = ktpel_fail(eb, KTPEL_ENOMEM, "%s: cannot start SHA-256", path);
    *size = 0;
    size_t got;
    while (!err && (got = fread(buf, 1, 1 << 20, f)) > 0) {
        EVP_DigestUpdate(md, buf, got);
        *size += got;
    }
    if (!err && ferror(f))
        err = ktpel_fail(eb, KTPEL_EIO, "%s: read error", path);
    unsigned int n = 0;
    if (!err && !EVP_DigestFinal_ex(md, hash, &n))
        err = ktpel_fail(eb, KTPEL_EINTERNAL, "%s: SHA-256 failed", path);
    EVP_MD_CTX_free(md);
    free(buf);
    fclose(f);
    return err;
}

static void fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

/* 0: dir does not exist; 1: an empty folder; 2: a non-empty folder; -1: something else or
 * unreadable (errno set). */
static int folder_state(const char *dir)
{
    struct stat st;
    if (lstat(dir, &st) != 0)
        return errno == ENOENT ? 0 : -1;
    if (!S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        return -1;
    }
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int state = 1;
    struct dirent *e;
    while (state == 1 && (e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            state = 2;
    closedir(d);
    return state;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void remove_tree(const char *dir)
{
    nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- describing a copy ---------------------------------------------------------------------- */

static ktpel_err read_audit_head(ktpel_store *s, MDB_txn *txn, uint8_t hash[32], ktpel_errbuf *eb)
{
    static const char key[] = "audit_head";
    MDB_val k = {sizeof key - 1, (void *)key}, v;
    int rc = mdb_get(txn, s->meta, &k, &v);
    memset(hash, 0, 32);
    if (rc == MDB_NOTFOUND)
        return KTPEL_OK;
    if (rc)
        return dc_mdb_fail(eb, rc, "read audit head");
    if (v.mv_size != 40)
        return ktpel_fail(eb, KTPEL_EFORMAT, "audit head has %zu bytes, not 40", v.mv_size);
    memcpy(hash, (const uint8_t *)v.mv_data + 8, 32);
    return KTPEL_OK;
}

/* Schema, counts and audit head of s, from one read transaction. */
static ktpel_err read_counts(ktpel_store *s, ktpel_backup_manifest *m, ktpel_errbuf *eb)
{
    MDB_txn *txn;
    ktpel_err err = dc_txn_begin(s, false, &txn, eb);
    if (err)
        return err;
    for (int i = 0; !err && i < KTPEL_BACKUP_DBS; i++) {
        MDB_stat st;
        int rc = mdb_stat(txn, db_handle(s, i), &st);
        if (rc)
            err = dc_mdb_fail(eb, rc, db_names[i]);
        else
            m->counts[i] = st.ms_entries;
    }
    if (!err)
        err = dc_meta_get_u64(s, txn, "schema", &m->schema, eb);
    if (!err)
        err = read_audit_head(s, txn, m->audit_head, eb);
    mdb_txn_abort(txn);
    return err;
}

/* Fills the store-derived fields of m (schema, counts, audit, digest) from the copy in dir,
 * opened read-only. audit_err (may be NULL) receives a broken chain instead of failing. */
static ktpel_err describe_copy(const char *dir, ktpel_backup_manifest *m, ktpel_errbuf *audit_eb,
                               ktpel_errbuf *eb)
{
    ktpel_store *s;
    ktpel_store_options ro = {.read_only = true};
    ktpel_err err = ktpel_store_open(dir, &ro, &s, eb);
    if (err)
        return err;
    err = read_counts(s, m, eb);
    if (!err) {
        ktpel_err aerr = ktpel_audit_verify(s, &m->audit_length, NULL, audit_eb ? audit_eb : eb);
        if (aerr && (!audit_eb || aerr != KTPEL_EFORMAT))
            err = audit_eb ? ktpel_fail(eb, aerr, "%s", ktpel_errbuf_message(audit_eb)) : aerr;
    }
    if (!err)
        err = ktpel_store_digest(s, m->store_digest, eb);
    ktpel_store_close(s);
    return err;
}

/* ---- create ---------------------------------------------------------------------------------- */

/* Writes the compacted copy of s to path (a new file), flushed to disk. */
static ktpel_err copy_store(ktpel_store *s, const char *path, ktpel_errbuf *eb)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0660);
    if (fd < 0)
        return ktpel_fail(eb, KTPEL_EIO, "backup: cannot create %s: %s", path, strerror(errno));
    /* One read transaction inside LMDB: the copy is the store as of one commit. */
    int rc = mdb_env_copyfd2(s->env, fd, MDB_CP_COMPACT);
    ktpel_err err = KTPEL_OK;
    if (rc)
        err = ktpel_fail(eb, KTPEL_EIO, "backup: copying the store %s to %s: %s", s->dir, path,
                         mdb_strerror(rc));
    else if (fsync(fd) != 0)
        err = ktpel_fail(eb, KTPEL_EIO, "backup: flushing %s: %s", path, strerror(errno));
    if (close(fd) != 0 && !err)
        err = ktpel_fail(eb, KTPEL_EIO, "backup: closing %s: %s", path, strerror(errno));
    if (err)
        unlink(path);
    return err;
}

static ktpel_err write_manifest(const char *dir, const ktpel_backup_manifest *m, ktpel_errbuf *eb)
{
    char path[PATH_BYTES], *text;
    size_t len;
    snprintf(path, sizeof path, "%s/%s", dir, KTPEL_BACKUP_MANIFEST);
    ktpel_err err = ktpel_backup_manifest_format(m, &text, &len, eb);
    if (err)
        return err;
    err = ktpel_file_write_atomic(path, text, len, eb);
    free(text);
    return err;
}

ktpel_err ktpel_backup_create(ktpel_store *s, const char *dir, const ktpel_backup_options *opt,
                              ktpel_backup_manifest *out, ktpel_errbuf *eb)
{
    if (!s || !dir)
        return ktpel_fail(eb, KTPEL_EINVAL, "ktpel_backup_create: NULL argument");
    if (strlen(dir) > 4000)
        return ktpel_fail(eb, KTPEL_EINVAL, "backup: folder name too long");
    int state = folder_state(dir);
    if (state < 0)
        return ktpel_fail(eb, KTPEL_EIO, "backup %s: %s", dir, strerror(errno));
    if (state == 2)
        return ktpel_fail(eb, KTPEL_EINVAL, "backup %s: the folder is not empty", dir);
    if (state == 0 && mkdir(dir, 0770) != 0)
        return ktpel_fail(eb, KTPEL_EIO, "backup %s: cannot create the folder: %s", dir,
                          strerror(errno));
    char part[PATH_BYTES], data[PATH_BYTES], lock[PATH_BYTES];
    snprintf(part, sizeof part, "%s/%s.part", dir, KTPEL_BACKUP_DATA);
    snprintf(data, sizeof data, "%s/%s", dir, KTPEL_BACKUP_DATA);
    snprintf(lock, sizeof lock, "%s/lock.mdb", dir);
    ktpel_err err = copy_store(s, part, eb);
    if (!err && rename(part, data) != 0) {
        err = ktpel_fail(eb, KTPEL_EIO, "backup: renaming %s: %s", part, strerror(errno));
        unlink(part);
    }
    if (err)
        return err;
    fsync_dir(dir);
    ktpel_backup_manifest m;
    memset(&m, 0, sizeof m);
    m.format = KTPEL_BACKUP_FORMAT;
    m.time = opt ? opt->time : 0;
    snprintf(m.ktpel_version, sizeof m.ktpel_version, "%s",
             opt && opt->version && *opt->version ? opt->version : "unknown");
    for (char *c = m.ktpel_version; *c; c++)
        if (*c < 0x21 || *c > 0x7e)
            *c = '_';
    err = file_sha256(data, m.data_sha256, &m.data_size, eb);
    if (!err)
        err = describe_copy(dir, &m, NULL, eb);
    unlink(lock); /* made by opening the copy; a backup is data.mdb and its manifest */
    if (!err)
        err = write_manifest(dir, &m, eb);
    if (err)
        return ktpel_fail_context(eb, "backup %s: ", dir);
    if (out)
        *out = m;
    return KTPEL_OK;
}

/* ---- verify ---------------------------------------------------------------------------------- */

typedef struct diff_ctx {
    ktpel_backup_diff_fn fn;
    void *ctx;
    int count;
    char first[400];
} diff_ctx;

static void differs(diff_ctx *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void differs(diff_ctx *d, const char *fmt, ...)
{
    char what[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (d->count++ == 0)
        memcpy(d->first, what, sizeof what);
    if (d->fn)
        d->fn(d->ctx, what);
}

static void compare_hash(diff_ctx *d, const char *name, const uint8_t want[32],
                         const uint8_t got[32])
{
    if (memcmp(want, got, 32) == 0)
        return;
    char a[65], b[65];
    hex_encode(want, a);
    hex_encode(got, b);
    differs(d, "%s: manifest %.16s..., copy %.16s...", name, a, b);
}

static ktpel_err read_manifest(const char *dir, ktpel_backup_manifest *m, ktpel_errbuf *eb)
{
    char path[PATH_BYTES];
    snprintf(path, sizeof path, "%s/%s", dir, KTPEL_BACKUP_MANIFEST);
    uint8_t *text;
    size_t len;
    ktpel_err err = ktpel_file_read(path, KTPEL_BACKUP_MANIFEST_MAX, &text, &len, eb);
    if (err)
        return err;
    err = ktpel_backup_manifest_parse((const char *)text, len, m, eb);
    free(text);
    return err ? ktpel_fail_context(eb, "%s: ", path) : KTPEL_OK;
}

/* Compares the store-derived fields of the copy with the manifest. */
static ktpel_err verify_content(const char *dir, const ktpel_backup_manifest *m, diff_ctx *d,
                                ktpel_errbuf *eb)
{
    char lock[PATH_BYTES];
    snprintf(lock, sizeof lock, "%s/lock.mdb", dir);
    bool had_lock = access(lock, F_OK) == 0;
    ktpel_backup_manifest got;
    memset(&got, 0, sizeof got);
    ktpel_errbuf audit_eb;
    ktpel_errbuf_clear(&audit_eb);
    ktpel_err err = describe_copy(dir, &got, &audit_eb, eb);
    if (!had_lock)
        unlink(lock);
    if (err) {
        differs(d, "the copy cannot be read as a store: %s", ktpel_errbuf_message(eb));
        return KTPEL_OK;
    }
    if (got.schema != m->schema)
        differs(d, "schema: manifest %" PRIu64 ", copy %" PRIu64, m->schema, got.schema);
    for (int i = 0; i < KTPEL_BACKUP_DBS; i++)
        if (got.counts[i] != m->counts[i])
            differs(d, "count.%s: manifest %" PRIu64 ", copy %" PRIu64, db_names[i], m->counts[i],
                    got.counts[i]);
    if (audit_eb.code != KTPEL_OK)
        differs(d, "audit chain of the copy is broken: %s", ktpel_errbuf_message(&audit_eb));
    else if (got.audit_length != m->audit_length)
        differs(d, "audit_length: manifest %" PRIu64 ", copy %" PRIu64, m->audit_length,
                got.audit_length);
    compare_hash(d, "audit_head", m->audit_head, got.audit_head);
    compare_hash(d, "store_digest", m->store_digest, got.store_digest);
    return KTPEL_OK;
}

ktpel_err ktpel_backup_verify(const char *dir, ktpel_backup_diff_fn fn, void *ctx,
                              ktpel_backup_manifest *out, ktpel_errbuf *eb)
{
    if (!dir)
        return ktpel_fail(eb, KTPEL_EINVAL, "ktpel_backup_verify: NULL argument");
    if (strlen(dir) > 4000)
        return ktpel_fail(eb, KTPEL_EINVAL, "backup: folder name too long");
    ktpel_backup_manifest m;
    ktpel_err err = read_manifest(dir, &m, eb);
    if (err)
        return err;
    if (out)
        *out = m;
    diff_ctx d = {.fn = fn, .ctx = ctx};
    char data[PATH_BYTES];
    snprintf(data, sizeof data, "%s/%s", dir, KTPEL_BACKUP_DATA);
    uint8_t sha[32];
    uint64_t size = 0;
    ktpel_errbuf feb;
    ktpel_errbuf_clear(&feb);
    if (file_sha256(data, sha, &size, &feb) != KTPEL_OK) {
        differs(&d, "%s", ktpel_errbuf_message(&feb));
    } else {
        if (size != m.data_size)
            differs(&d, "data_size: manifest %" PRIu64 ", %s has %" PRIu64 " bytes", m.data_size,
                    KTPEL_BACKUP_DATA, size);
        compare_hash(&d, "data_sha256", m.data_sha256, sha);
    }
    /* A damaged data file is not handed to LMDB: it trusts its pages. */
    if (d.count == 0)
        err = verify_content(dir, &m, &d, eb);
    else
        differs(&d, "%s not opened: it is not the file the manifest describes", KTPEL_BACKUP_DATA);
    if (err)
        return err;
    if (d.count)
        return ktpel_fail(eb, KTPEL_EFORMAT, "backup %s: %d difference%s from the manifest: %s",
                          dir, d.count, d.count == 1 ? "" : "s", d.first);
    return KTPEL_OK;
}

/* ---- restore --------------------------------------------------------------------------------- */

/* Copies src to the new file dst, flushed, checking that it has the manifest's size and
 * SHA-256 (what was read is what was written: the hash is taken over the bytes copied). */
static ktpel_err copy_checked(const char *src, const char *dst, const ktpel_backup_manifest *m,
                              ktpel_errbuf *eb)
{
    FILE *in = fopen(src, "rb");
    if (!in)
        return ktpel_fail(eb, KTPEL_EIO, "restore: %s: %s", src, strerror(errno));
    int fd = open(dst, O_WRONLY | O_CREAT | O_EXCL, 0660);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    uint8_t *buf = malloc(1 << 20);
    ktpel_err err = KTPEL_OK;
    if (fd < 0)
        err = ktpel_fail(eb, KTPEL_EIO, "restore: cannot create %s: %s", dst, strerror(errno));
    else if (!md || !buf || !EVP_DigestInit_ex(md, EVP_sha256(), NULL))
        err = ktpel_fail(eb, KTPEL_ENOMEM, "restore: out of memory");
    uint64_t size = 0;
    size_t got;
    while (!err && (got = fread(buf, 1, 1 << 20, in)) > 0) {
        EVP_DigestUpdate(md, buf, got);
        size += got;
        for (size_t off = 0; !err && off < got;) {
            ssize_t w = write(fd, buf + off, got - off);
            if (w < 0 && errno != EINTR)
                err = ktpel_fail(eb, KTPEL_EIO, "restore: writing %s: %s", dst, strerror(errno));
            off += w > 0 ? (size_t)w : 0;
        }
    }
    if (!err && ferror(in))
        err = ktpel_fail(eb, KTPEL_EIO, "restore: reading %s", src);
    uint8_t sha[32];
    unsigned int n = 0;
    if (!err && !EVP_DigestFinal_ex(md, sha, &n))
        err = ktpel_fail(eb, KTPEL_EINTERNAL, "restore: SHA-256 failed");
    if (!err && (size != m->data_size || memcmp(sha, m->data_sha256, 32) != 0))
        err = ktpel_fail(eb, KTPEL_EFORMAT,
                         "restore: %s changed while it was copied (size or SHA-256 differs "
                         "from the manifest)",
                         src);
    if (!err && fsync(fd) != 0)
        err = ktpel_fail(eb, KTPEL_EIO, "restore: flushing %s: %s", dst, strerror(errno));
    if (fd >= 0 && close(fd) != 0 && !err)
        err = ktpel_fail(eb, KTPEL_EIO, "restore: closing %s: %s", dst, strerror(errno));
    EVP_MD_CTX_free(md);
    free(buf);
    fclose(in);
    return err;
}

/* KTPEL_EINVAL when a dedup holds the lock of the store in dir. */
static ktpel_err check_not_in_use(const char *dir, ktpel_errbuf *eb)
{
    char path[PATH_BYTES];
    snprintf(path, sizeof path, "%s/dedup.lock", dir);
    int fd = open(path, O_RDWR);
    if (fd < 0)
        return KTPEL_OK;
    bool busy = flock(fd, LOCK_EX | LOCK_NB) != 0;
    close(fd);
    return busy ? ktpel_fail(eb, KTPEL_EINVAL, "restore: a dedup is running on %s; stop it first",
                             dir)
                : KTPEL_OK;
}

/* The parent folder of path (for flushing the rename). */
static void parent_of(const char *path, char *out, size_t size)
{
    snprintf(out, size, "%s", path);
    char *slash = strrchr(out, '/');
    if (!slash)
        snprintf(out, size, ".");
    else if (slash == out)
        out[1] = '\0';
    else
        *slash = '\0';
}

/* Moves the restored folder tmp to store_dir (state: folder_state of store_dir). */
static ktpel_err put_in_place(const char *tmp, const char *store_dir, int state, ktpel_errbuf *eb)
{
    if (state < 2) {
        /* rename() replaces an empty folder and fails on a non-empty one: if someone wrote
         * into store_dir meanwhile, nothing of theirs is lost. */
        if (rename(tmp, store_dir) != 0)
            return ktpel_fail(eb, KTPEL_EIO, "restore: renaming %s to %s: %s", tmp, store_dir,
                              strerror(errno));
        return KTPEL_OK;
    }
    if (renameat2(AT_FDCWD, tmp, AT_FDCWD, store_dir, RENAME_EXCHANGE) != 0)
        return ktpel_fail(eb, KTPEL_EIO, "restore: swapping %s with %s: %s", tmp, store_dir,
                          strerror(errno));
    remove_tree(tmp); /* now the old store */
    return KTPEL_OK;
}

ktpel_err ktpel_backup_restore(const char *dir, const char *store_dir, bool force, ktpel_errbuf *eb)
{
    if (!dir || !store_dir || !*store_dir)
        return ktpel_fail(eb, KTPEL_EINVAL, "ktpel_backup_restore: NULL argument");
    char target[4008];
    if (strlen(store_dir) > 4000)
        return ktpel_fail(eb, KTPEL_EINVAL, "restore: folder name too long");
    snprintf(target, sizeof target, "%s", store_dir);
    for (size_t n = strlen(target); n > 1 && target[n - 1] == '/'; n--)
        target[n - 1] = '\0';
    int state = folder_state(target);
    if (state < 0)
        return ktpel_fail(eb, KTPEL_EINVAL, "restore: %s: %s", target, strerror(errno));
    if (state == 2 && !force)
        return ktpel_fail(eb, KTPEL_EINVAL,
                          "restore: the store folder %s is not empty (--force replaces it)",
                          target);
    ktpel_err err = state == 2 ? check_not_in_use(target, eb) : KTPEL_OK;
    ktpel_backup_manifest m;
    if (!err)
        err = ktpel_backup_verify(dir, NULL, NULL, &m, eb);
    if (err)
        return err;
    char tmp[4100], src[PATH_BYTES], dst[PATH_BYTES], parent[4008];
    snprintf(tmp, sizeof tmp, "%s.restore-XXXXXX", target);
    if (!mkdtemp(tmp))
        return ktpel_fail(eb, KTPEL_EIO, "restore: cannot create a folder beside %s: %s", target,
                          strerror(errno));
    chmod(tmp, 0770);
    snprintf(src, sizeof src, "%s/%s", dir, KTPEL_BACKUP_DATA);
    snprintf(dst, sizeof dst, "%s/%s", tmp, KTPEL_BACKUP_DATA);
    err = copy_checked(src, dst, &m, eb);
    if (!err) {
        fsync_dir(tmp);
        err = put_in_place(tmp, target, state, eb);
    }
    if (err) {
        remove_tree(tmp);
        return err;
    }
    parent_of(target, parent, sizeof parent);
    fsync_dir(parent);
    return KTPEL_OK;
}
