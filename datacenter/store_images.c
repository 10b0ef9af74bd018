/* The store's images, capture metadata and received packets (docs/store.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ktpel/nik.h"
#include "ktpel/store.h"

#include "ingest_internal.h"
#include "store_internal.h"

#define CAPTURES_MAX 16
#define IMAGE_KEY    (KTPEL_NIK_LEN + 3)
#define PACKET_VALUE 59 /* bytes before the station id */

/* "PREFIX" K "SUFFIX" with K in 1..CAPTURES_MAX (no leading zero); 0 otherwise. */
static int capture_of(const char *name, const char *prefix, const char *suffix)
{
    size_t pl = strlen(prefix), sl = strlen(suffix), nl = strlen(name);
    if (nl <= pl + sl || nl - pl - sl > 2 || strncmp(name, prefix, pl) != 0 ||
        strcmp(name + nl - sl, suffix) != 0 || name[pl] == '0')
        return 0;
    int k = 0;
    for (size_t i = pl; i < nl - sl; i++) {
        if (name[i] < '0' || name[i] > '9')
            return 0;
        k = k * 10 + (name[i] - '0');
    }
    return k <= CAPTURES_MAX ? k : 0;
}

bool dc_image_key_of(const char *name, uint8_t key[3])
{
    static const struct {
        const char *prefix, *suffix;
        uint8_t kind, position;
    } fixed[] = {
        {"face_", ".jpg", KTPEL_STORE_IMAGE_FACE, 0},
        {"signature_", ".png", KTPEL_STORE_IMAGE_SIGNATURE, 0},
        {"iris_right_", ".png", KTPEL_STORE_IMAGE_IRIS, 1},
        {"iris_left_", ".png", KTPEL_STORE_IMAGE_IRIS, 2},
    };
    for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++) {
        int k = capture_of(name, fixed[i].prefix, fixed[i].suffix);
        if (k) {
            key[0] = fixed[i].kind;
            key[1] = fixed[i].position;
            key[2] = (uint8_t)k;
            return true;
        }
    }
    /* finger_NN_K.png */
    if (strncmp(name, "finger_", 7) != 0 || strlen(name) < 12 || name[9] != '_')
        return false;
    int pos = (name[7] - '0') * 10 + (name[8] - '0');
    char prefix[11];
    memcpy(prefix, name, 10);
    prefix[10] = '\0';
    int k = capture_of(name, prefix, ".png");
    if (name[7] < '0' || name[7] > '9' || name[8] < '0' || name[8] > '9' || pos < 1 ||
        pos > DC_FINGERS || !k)
        return false;
    key[0] = KTPEL_STORE_IMAGE_FINGER;
    key[1] = (uint8_t)pos;
    key[2] = (uint8_t)k;
    return true;
}

ktpel_err dc_images_put(ktpel_store *s, MDB_txn *txn, const char *nik, const dc_image *images,
                        int count, ktpel_errbuf *eb)
{
    uint8_t key[IMAGE_KEY];
    memcpy(key, nik, KTPEL_NIK_LEN);
    for (int i = 0; i < count; i++) {
        memcpy(key + KTPEL_NIK_LEN, images[i].key, 3);
        MDB_val k = {sizeof key, key}, v = {images[i].len, images[i].data};
        int rc = mdb_put(txn, s->images, &k, &v, 0);
        if (rc)
            return dc_mdb_fail(eb, rc, "write image");
    }
    return KTPEL_OK;
}

static bool nik_ok(const char *nik)
{
    return nik && strlen(nik) == KTPEL_NIK_LEN;
}

ktpel_err ktpel_store_image_get(ktpel_store *s, const char *nik, ktpel_store_image_kind kind,
                                int position, int capture, uint8_t **data, size_t *len,
                                ktpel_errbuf *eb)
{
    if (!s || !nik_ok(nik) || !data || !len || position < 0 || position > 255 || capture < 1 ||
        capture > CAPTURES_MAX)
        return ktpel_fail(eb, KTPEL_EINVAL, "ktpel_store_image_get: bad argument");
    *data = NULL;
    *len = 0;
    uint8_t key[IMAGE_KEY];
    memcpy(key, nik, KTPEL_NIK_LEN);
    key[KTPEL_NIK_LEN] = (uint8_t)kind;
    key[KTPEL_NIK_LEN + 1] = (uint8_t)position;
    key[KTPEL_NIK_LEN + 2] = (uint8_t)capture;
    MDB_txn *txn;
    ktpel_err err = dc_txn_begin(s, false, &txn, eb);
    if (err)
        return err;
    MDB_val k = {sizeof key, key}, v;
    int rc = mdb_get(txn, s->images, &k, &v);
    if (rc == MDB_NOTFOUND)
        err = ktpel_fail(eb, KTPEL_ENOTFOUND, "store: NIK %s: no image %d/%d/%d", nik, (int)kind,
                         position, capture);
    else if (rc)
        err = dc_mdb_fail(eb, rc, "read image");
    else if (!(*data = malloc(v.mv_size ? v.mv_size : 1)))
        err = ktpel_fail(eb, KTPEL_ENOMEM, "store: out of memory");
    if (!err) {
        memcpy(*data, v.mv_data, v.mv_size);
        *len = v.mv_size;
    }
    mdb_txn_abort(txn);
    return err;
}

ktpel_err ktpel_store_image_count(ktpel_store *s, const char *nik, size_t *count, ktpel_errbuf *eb)
{
    if (!s || !nik_ok(nik) || !count)
        return ktpel_fail(eb, KTPEL_EINVAL, "ktpel_store_image_count: bad argument");
    *count = 0;
    MDB_txn *txn;
    MDB_cursor *cur = NULL;
    ktpel_err err = dc_txn_begin(s, false, &txn, eb);
    if (err)
        return err;
    int rc = mdb_cursor_open(txn, s->images, &cur);
    MDB_val k = {KTPEL_NIK_LEN, (void *)nik}, v;
    for (rc = rc ? rc : mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
         rc == 0 && k.mv_size == IMAGE_KEY && memcmp(k.mv_data, nik, KTPEL_NIK_LEN) == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
        ++*count;
    if (rc && rc != MDB_NOTFOUND)
        err = dc_mdb_fail(eb, rc, "read images");
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    return err;
}

/* ---- capture metadata ---- */

ktpel_err dc_capture_put(ktpel_store *s, MDB_txn *txn, const char *nik, const char *packet_id,
                         const uint8_t *packet_txt, size_t packet_len, const uint8_t *capture_txt,
                         size_t capture_len, ktpel_errbuf *eb)
{
    size_t size = 1 + 32 + 4 + packet_len + 4 + capture_len;
    uint8_t *v = malloc(size);
    if (!v)
        return ktpel_fail(eb, KTPEL_ENOMEM, "store: out of memory");
    v[0] = 1;
    memcpy(v + 1, packet_id, 32);
    dc_put_le32(v + 33, (uint32_t)packet_len);
    memcpy(v + 37, packet_txt, packet_len);
    dc_put_le32(v + 37 + packet_len, (uint32_t)capture_len);
    memcpy(v + 41 + packet_len, capture_txt, capture_len);
    MDB_val k = DC_NIK_KEY(nik), val = {size, v};
    int rc = mdb_put(txn, s->captures, &k, &val, 0);
    free(v);
    return rc ? dc_mdb_fail(eb, rc, "write capture metadata") : KTPEL_OK;
}

static char *text_copy(const uint8_t *p, size_t n)
{
    char *t = malloc(n + 1);
    if (t) {
        memcpy(t, p, n);
        t[n] = '\0';
    }
    return t;
}

/* Splits a captures value (checking every length against the value's size). */
static ktpel_err capture_decode(const uint8_t *p, size_t n, ktpel_store_capture *out,
                                ktpel_errbuf *eb)
{
    size_t a = n >= 37 ? dc_get_le32(p + 33) : 0;
    if (n < 41 || p[0] != 1 || a > n - 41 || dc_get_le32(p + 37 + a) != n - 41 - a)
        return ktpel_fail(eb, KTPEL_EFORMAT, "store: malformed capture metadata");
    memcpy(out->packet_id, p + 1, 32);
    out->packet_id[32] = '\0';
    out->packet_txt = text_copy(p + 37, a);
    out->capture_txt = text_copy(p + 41 + a, n - 41 - a);
    if (!out->packet_txt || !out->capture_txt) {
        ktpel_store_capture_clear(out);
        return ktpel_fail(eb, KTPEL_ENOMEM, "store: out of memory");
    }
    return KTPEL_OK;
}

ktpel_err ktpel_store_capture_get(ktpel_store *s, const char *nik, ktpel_store_capture *out,
                                  ktpel_errbuf *eb)
{
    if (!s || !nik_ok(nik) || !out)
        return ktpel_fail(eb, KTPEL_EINVAL, "ktpel_store_capture_get: bad argument");
    memset(out, 0, sizeof *out);
    MDB_txn *txn;
    ktpel_err err = dc_txn_begin(s, false, &txn, eb);
    if (err)
        return err;
    MDB_val k = DC_NIK_KEY(nik), v;
    int rc = mdb_get(txn, s->captures, &k, &v);
    if (rc == MDB_NOTFOUND)
        err = ktpel_fail(eb, KTPEL_ENOTFOUND, "store: NIK %s: no capture metadata", nik);
    else if (rc)
        err = dc_mdb_fail(eb, rc, "read capture metadata");
    else
        err = capture_decode(v.mv_data, v.mv_size, out, eb);
    mdb_txn_abort(txn);
    return err;
}

void ktpel_store_capture_clear(ktpel_store_capture *c)
{
    if (!c)
        return;
    free(c->packet_txt);
    free(c->capture_txt);
    memset(c, 0, sizeof *c);
}

/* ---- received packets ---- */

static bool packet_id_ok(const char *id)
{
    if (!id || strlen(id) != 32)
        return false;
    for (int i = 0; i < 32; i++)
        if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f')))
            return false;
    return true;
}

ktpel_err dc_packet_put(ktpel_store *s, MDB_txn *txn, const ktpel_store_packet *p, ktpel_errbuf *eb)
{
    size_t sl = strlen(p->station_id);
    uint8_t v[PACKET_VALUE + 32];
    if (!packet_id_ok(p->packet_id) || strlen(p->nik) != KTPEL_NIK_LEN || sl > 32)
        return ktpel_fail(eb, KTPEL_EINVAL, "store: bad packet record %.40s", p->packet_id);
    v[0] = 1;
    memcpy(v + 1, p->content_sha256, 32);
    dc_put_be64(v + 33, (uint64_t)p->ingested);
    v[41] = p->stored ? 0 : 1;
    memcpy(v + 42, p->nik, KTPEL_NIK_LEN);
    v[58] = (uint8_t)sl;
    memcpy(v + PACKET_VALUE, p->station_id, sl);
    MDB_val k = {32, (void *)p->packet_id}, val = {PACKET_VALUE + sl, v};
    int rc = mdb_put(txn, s->packets, &k, &val, 0);
    return rc ? dc_mdb_fail(eb, rc, "write packet record") : KTPEL_OK;
}

ktpel_err dc_packet_find(ktpel_store *s, MDB_txn *txn, const char *packet_id,
                         ktpel_store_packet *out, ktpel_errbuf *eb)
{
    memset(out, 0, sizeof *out);
    if (!packet_id_ok(packet_id))
        return ktpel_fail(eb, KTPEL_EINVAL, "store: bad packet id '%.40s'", packet_id);
    MDB_val k = {32, (void *)packet_id}, v;
    int rc = mdb_get(txn, s->packets, &k, &v);
    if (rc == MDB_NOTFOUND)
        return ktpel_fail(eb, KTPEL_ENOTFOUND, "store: packet %s not received", packet_id);
    if (rc)
        return dc_mdb_fail(eb, rc, "read packet record");
    const uint8_t *p = v.mv_data;
    if (v.mv_size < PACKET_VALUE || p[0] != 1 || p[58] > 32 ||
        v.mv_size != (size_t)PACKET_VALUE + p[58])
        return ktpel_fail(eb, KTPEL_EFORMAT, "store: packet %s: malformed record", packet_id);
    memcpy(out->packet_id, packet_id, 32);
    memcpy(out->content_sha256, p + 1, 32);
    out->ingested = (int64_t)dc_get_be64(p + 33);
    out->stored = p[41] == 0;
    memcpy(out->nik, p + 42, KTPEL_NIK_LEN);
    memcpy(out->station_id, p + PACKET_VALUE, p[58]);
    return KTPEL_OK;
}

ktpel_err ktpel_store_packet_get(ktpel_store *s, const char *packet_id, ktpel_store_packet *out,
                                 ktpel_errbuf *eb)
{
    if (!s || !out)
        return ktpel_fail(eb, KTPEL_EINVAL, "ktpel_store_packet_get: NULL argument");
    MDB_txn *txn;
    ktpel_err err = dc_txn_begin(s, false, &txn, eb);
    if (err)
        return err;
    err = dc_packet_find(s, txn, packet_id, out, eb);
    mdb_txn_abort(txn);
    return err;
}
