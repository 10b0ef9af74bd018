/* Building the gallery chunks (layout in gallery.h and docs/store.md). */
#include <stdlib.h>
#include <string.h>

#include "ktpel/fp_match.h"

#include "gallery.h"

static const char chunk_magic[4] = {'K', 'G', 'C', 'H'};

ktpel_err dc_chunk_parse(const void *data, size_t size, dc_chunk *out, ktpel_errbuf *eb)
{
    const uint8_t *p = data;
    if (size < DC_CHUNK_DATA_BASE || memcmp(p, chunk_magic, 4) != 0 || p[4] != 1 || p[5] < 1 ||
        p[5] > DC_FINGERS || p[6] != DC_CHUNK_PHASE)
        return ktpel_fail(eb, KTPEL_EFORMAT, "gallery chunk: bad header (%zu bytes)", size);
    out->base = p;
    out->size = size;
    out->position = p[5];
    out->first = dc_get_le32(p + 8);
    out->count = dc_get_le32(p + 12);
    if (out->count < 1 || out->count > DC_CHUNK_RESIDENTS)
        return ktpel_fail(eb, KTPEL_EFORMAT, "gallery chunk: %u residents", out->count);
    for (uint32_t i = 0; i < out->count; i++) {
        uint32_t off = dc_get_le32(p + DC_CHUNK_TABLE + 8 * i);
        uint32_t len = dc_get_le32(p + DC_CHUNK_TABLE + 8 * i + 4);
        if (len && (off < DC_CHUNK_DATA_BASE || off % 64 != DC_CHUNK_PHASE || off > size ||
                    len > size - off))
            return ktpel_fail(eb, KTPEL_EFORMAT, "gallery chunk: slot %u at %u+%u of %zu", i, off,
                              len, size);
    }
    return KTPEL_OK;
}

/* A chunk being extended: the whole value in a growing buffer. */
typedef struct chunk_builder {
    uint8_t *buf;
    size_t size, cap;
} chunk_builder;

static ktpel_err builder_reserve(chunk_builder *b, size_t need, ktpel_errbuf *eb)
{
    if (need <= b->cap)
        return KTPEL_OK;
    size_t cap = b->cap ? b->cap : 64 * 1024;
    while (cap < need)
        cap *= 2;
    uint8_t *p = realloc(b->buf, cap);
    if (!p)
        return ktpel_fail(eb, KTPEL_ENOMEM, "gallery: out of memory (%zu bytes)", cap);
    b->buf = p;
    b->cap = cap;
    return KTPEL_OK;
}

static void chunk_key(uint8_t key[5], int position, uint32_t chunk)
{
    key[0] = (uint8_t)position;
    dc_put_be32(key + 1, chunk);
}

/* Loads chunk `chunk` of a position into b, or starts an empty one. */
static ktpel_err builder_load(ktpel_store *s, MDB_txn *txn, int position, uint32_t chunk,
                              chunk_builder *b, ktpel_errbuf *eb)
{
    uint8_t key[5];
    chunk_key(key, position, chunk);
    MDB_val k = {5, key}, v;
    int rc = mdb_get(txn, s->gallery_chunks, &k, &v);
    if (rc && rc != MDB_NOTFOUND)
        return dc_mdb_fail(eb, rc, "read gallery chunk");
    size_t size = rc ? DC_CHUNK_DATA_BASE : v.mv_size;
    ktpel_err err = builder_reserve(b, size, eb);
    if (err)
        return err;
    if (rc == 0) {
        dc_chunk c;
        if ((err = dc_chunk_parse(v.mv_data, v.mv_size, &c, eb)))
            return err;
        memcpy(b->buf, v.mv_data, v.mv_size);
    } else {
        memset(b->buf, 0, size);
        memcpy(b->buf, chunk_magic, 4);
        b->buf[4] = 1;
        b->buf[5] = (uint8_t)position;
        b->buf[6] = DC_CHUNK_PHASE;
        dc_put_le32(b->buf + 8, chunk * DC_CHUNK_RESIDENTS);
    }
    b->size = size;
    return KTPEL_OK;
}

/* Adds gallery id gid's template of this position (block may be NULL: no such finger). */
static ktpel_err builder_add(chunk_builder *b, uint32_t gid, const MDB_val *block, ktpel_errbuf *eb)
{
    uint32_t slot = gid % DC_CHUNK_RESIDENTS;
    size_t off = b->size, len = block ? block->mv_size : 0;
    ktpel_err err = builder_reserve(b, off + len, eb);
    if (err)
        return err;
    if (len)
        memcpy(b->buf + off, block->mv_data, len);
    b->size = off + len;
    dc_put_le32(b->buf + DC_CHUNK_TABLE + 8 * slot, len ? (uint32_t)off : 0);
    dc_put_le32(b->buf + DC_CHUNK_TABLE + 8 * slot + 4, (uint32_t)len);
    dc_put_le32(b->buf + 12, slot + 1);
    return KTPEL_OK;
}

static ktpel_err builder_store(ktpel_store *s, MDB_txn *txn, int position, uint32_t chunk,
                               const chunk_builder *b, ktpel_errbuf *eb)
{
    uint8_t key[5];
    chunk_key(key, position, chunk);
    MDB_val k = {5, key}, v = {b->size, b->buf};
    int rc = mdb_put(txn, s->gallery_chunks, &k, &v, 0);
    return rc ? dc_mdb_fail(eb, rc, "write gallery chunk") : KTPEL_OK;
}

/* Appends the templates of one finger position of residents first..first+count-1. */
static ktpel_err append_position(ktpel_store *s, MDB_txn *txn, int position, uint32_t first,
                                 const char (*niks)[KTPEL_NIK_LEN + 1], size_t count,
                                 chunk_builder *b, ktpel_errbuf *eb)
{
    ktpel_err err = KTPEL_OK;
    uint32_t loaded = UINT32_MAX;
    for (size_t i = 0; !err && i < count; i++) {
        uint32_t gid = first + (uint32_t)i, chunk = gid / DC_CHUNK_RESIDENTS;
        if (chunk != loaded) {
            if (loaded != UINT32_MAX && (err = builder_store(s, txn, position, loaded, b, eb)))
                break;
            if ((err = builder_load(s, txn, position, chunk, b, eb)))
                break;
            loaded = chunk;
        }
        uint8_t key[KTPEL_NIK_LEN + 1];
        memcpy(key, niks[i], KTPEL_NIK_LEN);
        key[KTPEL_NIK_LEN] = (uint8_t)position;
        MDB_val k = {sizeof key, key}, v;
        int rc = mdb_get(txn, s->fp_compact, &k, &v);
        if (rc && rc != MDB_NOTFOUND)
            err = dc_mdb_fail(eb, rc, "read compact template");
        else
            err = builder_add(b, gid, rc ? NULL : &v, eb);
    }
    if (!err && loaded != UINT32_MAX)
        err = builder_store(s, txn, position, loaded, b, eb);
    return err;
}

/* Once in the chunks, a resident's compact templates are not kept twice (the ISO records
 * stay in fp_iso). */
static ktpel_err drop_compacts(ktpel_store *s, MDB_txn *txn, const char (*niks)[KTPEL_NIK_LEN + 1],
                               size_t count, ktpel_errbuf *eb)
{
    for (size_t i = 0; i < count; i++)
        for (int pos = 1; pos <= DC_FINGERS; pos++) {
            uint8_t key[KTPEL_NIK_LEN + 1];
            memcpy(key, niks[i], KTPEL_NIK_LEN);
            key[KTPEL_NIK_LEN] = (uint8_t)pos;
            MDB_val k = {sizeof key, key};
            int rc = mdb_del(txn, s->fp_compact, &k, NULL);
            if (rc && rc != MDB_NOTFOUND)
                return dc_mdb_fail(eb, rc, "drop compact template");
        }
    return KTPEL_OK;
}

ktpel_err dc_gallery_append(ktpel_store *s, MDB_txn *txn, const char (*niks)[KTPEL_NIK_LEN + 1],
                            size_t count, ktpel_errbuf *eb)
{
    uint64_t first;
    ktpel_err err = dc_meta_get_u64(s, txn, "gallery_count", &first, eb);
    if (err)
        return err;
    if (first + count > UINT32_MAX - DC_CHUNK_RESIDENTS)
        return ktpel_fail(eb, KTPEL_ETOOBIG, "gallery: more than 2^32 residents");
    for (size_t i = 0; i < count; i++) {
        uint8_t key[4];
        dc_put_be32(key, (uint32_t)(first + i));
        MDB_val k = {4, key}, v = {KTPEL_NIK_LEN, (void *)niks[i]};
        int rc = mdb_put(txn, s->gallery_members, &k, &v, MDB_APPEND);
        if (rc)
            return dc_mdb_fail(eb, rc, "write gallery member");
    }
    chunk_builder b = {0};
    for (int p = 1; !err && p <= DC_FINGERS; p++)
        err = append_position(s, txn, p, (uint32_t)first, niks, count, &b, eb);
    free(b.buf);
    if (!err)
        err = drop_compacts(s, txn, niks, count, eb);
    if (!err)
        err = dc_meta_put_u64(s, txn, "gallery_count", first + count, eb);
    return err;
}
