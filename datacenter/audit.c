/* The audit log: append-only entries chained by SHA-256 (OpenSSL EVP). Layout of an entry
 * (value of key n, u64 big-endian) in docs/store.md:
 *
 *   0   32  hash_n
 *   32  32  hash_{n-1} (zeros for n = 1)
 *   64  8   time, unix seconds, signed little-endian
 *   72  1   kind (ktpel_audit_kind)
 *   73  1   actor length A, 1..32
 *   74  A   actor
 *   ..  16  NIK, or 16 zero bytes
 *   ..  2   text length T, little-endian, 0..1023
 *   ..  T   text
 *
 * hash_n = SHA-256("KTPA" || n (8 bytes BE) || bytes 32..end). meta "audit_head" holds n
 * and hash_n of the last entry.
 */
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "ktpel/audit.h"

#include "store_internal.h"

#define ENTRY_MAX (74 + 32 + 16 + 2 + KTPEL_AUDIT_TEXT_MAX)

const char *ktpel_audit_kind_id(ktpel_audit_kind kind)
{
    switch (kind) {
    case KTPEL_AUDIT_INGEST:
        return "ingest";
    case KTPEL_AUDIT_REJECT:
        return "reject";
    case KTPEL_AUDIT_STATUS:
        return "status";
    case KTPEL_AUDIT_DECISION:
        return "decision";
    }
    return "?";
}

static ktpel_err entry_hash(uint64_t seq, const uint8_t *body, size_t len, uint8_t out[32],
                            ktpel_errbuf *eb)
{
    uint8_t head[12] = {'K', 'T', 'P', 'A'};
    dc_put_be64(head + 4, seq);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned int n = 0;
    int ok = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) &&
             EVP_DigestUpdate(md, head, sizeof head) && EVP_DigestUpdate(md, body, len) &&
             EVP_DigestFinal_ex(md, out, &n);
    EVP_MD_CTX_free(md);
    return ok ? KTPEL_OK : ktpel_fail(eb, KTPEL_EINTERNAL, "audit: SHA-256 failed");
}

static const char head_key[] = "audit_head";

/* The last entry's number and hash (0 and zeros for an empty log). */
static ktpel_err read_head(ktpel_store *s, MDB_txn *txn, uint64_t *seq, uint8_t hash[32],
                           ktpel_errbuf *eb)
{
    MDB_val k = {sizeof head_key - 1, (void *)head_key}, v;
    int rc = mdb_get(txn, s->meta, &k, &v);
    if (rc == MDB_NOTFOUND) {
        *seq = 0;
        memset(hash, 0, 32);
        return KTPEL_OK;
    }
    if (rc)
        return dc_mdb_fail(eb, rc, "read audit head");
    if (v.mv_size != 40)
        return ktpel_fail(eb, KTPEL_EFORMAT, "audit: head has %zu bytes, not 40", v.mv_size);
    *seq = dc_get_be64(v.mv_data);
    memcpy(hash, (const uint8_t *)v.mv_data + 8, 32);
    return KTPEL_OK;
}

ktpel_err dc_audit_append(ktpel_store *s, MDB_txn *txn, ktpel_audit_kind kind, int64_t time,
                          const char *actor, const char *nik, const char *text, ktpel_errbuf *eb)
{
    size_t alen = actor ? strlen(actor) : 0;
    if (alen < 1 || alen > 32)
        return ktpel_fail(eb, KTPEL_EINVAL, "audit: actor must have 1..32 characters");
    if (nik && strlen(nik) != KTPEL_NIK_LEN)
        return ktpel_fail(eb, KTPEL_EINVAL, "audit: NIK '%s' is not 16 characters", nik);
    size_t tlen = text ? strlen(text) : 0;
    if (tlen > KTPEL_AUDIT_TEXT_MAX)
        tlen = KTPEL_AUDIT_TEXT_MAX;
    uint8_t e[ENTRY_MAX];
    uint64_t seq;
    ktpel_err err = read_head(s, txn, &seq, e + 32, eb);
    if (err)
        return err;
    seq++;
    size_t off = 64;
    uint64_t t = (uint64_t)time;
    for (int i = 0; i < 8; i++)
        e[off++] = (uint8_t)(t >> (8 * i));
    e[off++] = (uint8_t)kind;
    e[off++] = (uint8_t)alen;
    memcpy(e + off, actor, alen);
    off += alen;
    if (nik)
        memcpy(e + off, nik, KTPEL_NIK_LEN);
    else
        memset(e + off, 0, KTPEL_NIK_LEN);
    off += KTPEL_NIK_LEN;
    e[off++] = (uint8_t)(tlen & 255);
    e[off++] = (uint8_t)(tlen >> 8);
    if (tlen)
        memcpy(e + off, text, tlen);
    off += tlen;
    err = entry_hash(seq, e + 32, off - 32, e, eb);
    if (err)
        return err;
    uint8_t key[8], head[40];
    dc_put_be64(key, seq);
    MDB_val k = {8, key}, v = {off, e};
    int rc = mdb_put(txn, s->audit, &k, &v, MDB_APPEND);
    if (rc)
        return dc_mdb_fail(eb, rc, "append audit entry");
    dc_put_be64(head, seq);
    memcpy(head + 8, e, 32);
    MDB_val hk = {sizeof head_key - 1, (void *)head_key}, hv = {40, head};
    rc = mdb_put(txn, s->meta, &hk, &hv, 0);
    return rc ? dc_mdb_fail(eb, rc, "write audit head") : KTPEL_OK;
}

ktpel_err ktpel_audit_append(ktpel_store *s, ktpel_audit_kind kind, int64_t time, const char *actor,
                             const char *nik, const char *text, ktpel_errbuf *eb)
{
    if (!s)
        return ktpel_fail(eb, KTPEL_EINVAL, "ktpel_audit_append: NULL store");
    MDB_txn *txn;
    ktpel_err err = dc_txn_begin(s, true, &txn, eb);
    if (err)
        return err;
    err = dc_audit_append(s, txn, kind, time, actor, nik, text, eb);
    if (err) {
        mdb_txn_abort(txn);
        return err;
    }
    return dc_txn_commit(txn, eb);
}

/* Decodes a stored entry; KTPEL_EFORMAT when its fields do not add up. */
static ktpel_err decode_entry(uint64_t seq, const uint8_t *p, size_t n, ktpel_audit_entry *e,
                              ktpel_errbuf *eb)
{
    memset(e, 0, sizeof *e);
    e->seq = seq;
    if (n < 74 + 1 + 16 + 2)
        return ktpel_fail(eb, KTPEL_EFORMAT, "audit entry %llu: %zu bytes, too short",
                          (unsigned long long)seq, n);
    memcpy(e->hash, p, 32);
    memcpy(e->prev, p + 32, 32);
    uint64_t t = 0;
    for (int i = 0; i < 8; i++)
        t |= (uint64_t)p[64 + i] << (8 * i);
    e->time = (int64_t)t;
    e->kind = (ktpel_audit_kind)p[72];
    size_t alen = p[73];
    if (alen < 1 || alen > 32 || 74 + alen + 16 + 2 > n)
        return ktpel_fail(eb, KTPEL_EFORMAT, "audit entry %llu: actor length %zu",
                          (unsigned long long)seq, alen);
    memcpy(e->actor, p + 74, alen);
    size_t off = 74 + alen;
    if (p[off])
        memcpy(e->nik, p + off, KTPEL_NIK_LEN);
    off += KTPEL_NIK_LEN;
    size_t tlen = (size_t)p[off] | (size_t)p[off + 1] << 8;
    off += 2;
    if (tlen > KTPEL_AUDIT_TEXT_MAX || off + tlen != n)
        return ktpel_fail(eb, KTPEL_EFORMAT, "audit entry %llu: text length %zu in %zu bytes",
                          (unsigned long long)seq, tlen, n);
    memcpy(e->text, p + off, tlen);
    return KTPEL_OK;
}

ktpel_err ktpel_audit_list(ktpel_store *s, ktpel_audit_fn fn, void *ctx, ktpel_errbuf *eb)
{
    if (!s || !fn)
        return ktpel_fail(eb, KTPEL_EINVAL, "ktpel_audit_list: NULL argument");
    MDB_txn *txn;
    ktpel_err err = dc_txn_begin(s, false, &txn, eb);
    if (err)
        return err;
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, s->audit, &cur);
    if (rc) {
        mdb_txn_abort(txn);
        return dc_mdb_fail(eb, rc, "audit cursor");
    }
    ktpel_audit_entry *e = malloc(sizeof *e);
    if (!e)
        err = ktpel_fail(eb, KTPEL_ENOMEM, "audit: out of memory");
    MDB_val k, v;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); !err && rc == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        uint64_t seq = k.mv_size == 8 ? dc_get_be64(k.mv_data) : 0;
        err = decode_entry(seq, v.mv_data, v.mv_size, e, eb);
        if (!err && fn(ctx, e))
            break;
    }
    free(e);
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    return err;
}

static ktpel_err broken(uint64_t seq, uint64_t *first_bad, ktpel_errbuf *eb, const char *what)
{
    if (first_bad)
        *first_bad = seq;
    return ktpel_fail(eb, KTPEL_EFORMAT, "audit entry %llu: %s", (unsigned long long)seq, what);
}

static ktpel_err walk_chain(ktpel_store *s, MDB_txn *txn, MDB_cursor *cur, uint64_t *count,
                            uint64_t *first_bad, ktpel_errbuf *eb)
{
    uint8_t prev[32] = {0}, hash[32];
    uint64_t expected = 1;
    MDB_val k, v;
    int rc;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT), expected++) {
        uint64_t seq = k.mv_size == 8 ? dc_get_be64(k.mv_data) : 0;
        if (seq != expected)
            return broken(expected, first_bad, eb, seq > expected ? "missing" : "bad key");
        const uint8_t *p = v.mv_data;
        if (v.mv_size < 64)
            return broken(seq, first_bad, eb, "too short");
        if (memcmp(p + 32, prev, 32) != 0)
            return broken(seq, first_bad, eb, "does not chain to the entry before it");
        ktpel_err err = entry_hash(seq, p + 32, v.mv_size - 32, hash, eb);
        if (err)
            return err;
        if (memcmp(hash, p, 32) != 0)
            return broken(seq, first_bad, eb, "hash does not match its content");
        memcpy(prev, hash, 32);
    }
    if (rc != MDB_NOTFOUND)
        return dc_mdb_fail(eb, rc, "read audit log");
    uint64_t head_seq;
    uint8_t head_hash[32];
    ktpel_err err = read_head(s, txn, &head_seq, head_hash, eb);
    if (err)
        return err;
    if (head_seq != expected - 1 || memcmp(head_hash, prev, 32) != 0)
        return broken(expected - 1 < head_seq ? expected : head_seq, first_bad, eb,
                      expected - 1 < head_seq
                          ? "missing (the log was cut: the head names a later entry)"
                          : "is not the recorded head of the log");
    if (count)
        *count = expected - 1;
    return KTPEL_OK;
}

ktpel_err ktpel_audit_verify(ktpel_store *s, uint64_t *count, uint64_t *first_bad, ktpel_errbuf *eb)
{
    if (!s)
        return ktpel_fail(eb, KTPEL_EINVAL, "ktpel_audit_verify: NULL store");
    if (first_bad)
        *first_bad = 0;
    MDB_txn *txn;
    ktpel_err err = dc_txn_begin(s, false, &txn, eb);
    if (err)
        return err;
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, s->audit, &cur);
    if (rc) {
        mdb_txn_abort(txn);
        return dc_mdb_fail(eb, rc, "audit cursor");
    }
    err = walk_chain(s, txn, cur, count, first_bad, eb);
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    return err;
}
