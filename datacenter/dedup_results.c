/* Stored deduplication results, one at a time: the accessor of include/ktpel/dedup.h and the
 * helpers adjudication uses to rewrite a result in its own transaction. */
#include <string.h>

#include "ktpel/dedup.h"

#include "dedup_results.h"

#define RESULT_HEADER 11
/* An entry: NIK, score, flags (bit 0: the irises do not confirm). */
#define RESULT_ENTRY   (KTPEL_NIK_LEN + 8 + 1)
#define RESULT_VERSION 2

ktpel_err dc_result_decode(const MDB_val *k, const MDB_val *v, ktpel_dedup_decision *d,
                           ktpel_errbuf *eb)
{
    const uint8_t *p = v->mv_data;
    memset(d, 0, sizeof *d);
    if (k->mv_size != KTPEL_NIK_LEN || v->mv_size < RESULT_HEADER || p[0] != RESULT_VERSION ||
        p[10] > KTPEL_DEDUP_MAX_CANDIDATES ||
        v->mv_size != RESULT_HEADER + (size_t)p[10] * RESULT_ENTRY)
        return ktpel_fail(eb, KTPEL_EFORMAT, "dedup result of NIK %.16s: malformed value",
                          k->mv_size == KTPEL_NIK_LEN ? (const char *)k->mv_data : "?");
    memcpy(d->nik, k->mv_data, KTPEL_NIK_LEN);
    d->decision = (ktpel_status)p[1];
    d->batch = dc_get_be64(p + 2);
    d->candidate_count = p[10];
    for (int i = 0; i < d->candidate_count; i++) {
        const uint8_t *c = p + RESULT_HEADER + (size_t)i * RESULT_ENTRY;
        memcpy(d->candidates[i].nik, c, KTPEL_NIK_LEN);
        uint64_t bits = dc_get_be64(c + KTPEL_NIK_LEN);
        memcpy(&d->candidates[i].score, &bits, 8);
        d->candidates[i].iris_unconfirmed = c[KTPEL_NIK_LEN + 8] & 1;
    }
    return KTPEL_OK;
}

ktpel_err dc_result_read(ktpel_store *s, MDB_txn *txn, const char *nik, ktpel_dedup_decision *d,
                         ktpel_errbuf *eb)
{
    MDB_val k = DC_NIK_KEY(nik), v;
    int rc = mdb_get(txn, s->results, &k, &v);
    if (rc == MDB_NOTFOUND)
        return ktpel_fail(eb, KTPEL_ENOTFOUND, "NIK %.16s has no deduplication result", nik);
    if (rc)
        return dc_mdb_fail(eb, rc, "read dedup result");
    return dc_result_decode(&k, &v, d, eb);
}

ktpel_err dc_result_write(ktpel_store *s, MDB_txn *txn, const ktpel_dedup_decision *d,
                          ktpel_errbuf *eb)
{
    if (d->candidate_count < 0 || d->candidate_count > KTPEL_DEDUP_MAX_CANDIDATES)
        return ktpel_fail(eb, KTPEL_EINVAL, "dedup result of NIK %s: %d candidates", d->nik,
                          d->candidate_count);
    uint8_t buf[RESULT_HEADER + KTPEL_DEDUP_MAX_CANDIDATES * RESULT_ENTRY];
    buf[0] = RESULT_VERSION;
    buf[1] = (uint8_t)d->decision;
    dc_put_be64(buf + 2, d->batch);
    buf[10] = (uint8_t)d->candidate_count;
    size_t off = RESULT_HEADER;
    for (int i = 0; i < d->candidate_count; i++, off += RESULT_ENTRY) {
        memcpy(buf + off, d->candidates[i].nik, KTPEL_NIK_LEN);
        uint64_t bits;
        memcpy(&bits, &d->candidates[i].score, 8);
        dc_put_be64(buf + off + KTPEL_NIK_LEN, bits);
        buf[off + KTPEL_NIK_LEN + 8] = d->candidates[i].iris_unconfirmed ? 1 : 0;
    }
    MDB_val k = DC_NIK_KEY(d->nik), v = {off, buf};
    int rc = mdb_put(txn, s->results, &k, &v, 0);
    return rc ? dc_mdb_fail(eb, rc, "write dedup result") : KTPEL_OK;
}

ktpel_err ktpel_dedup_result_get(ktpel_store *s, const char *nik, ktpel_dedup_decision *out,
                                 ktpel_errbuf *eb)
{
    if (!s || !nik || !out || strlen(nik) != KTPEL_NIK_LEN)
        return ktpel_fail(eb, KTPEL_EINVAL, "ktpel_dedup_result_get: bad argument");
    MDB_txn *txn;
    ktpel_err err = dc_txn_begin(s, false, &txn, eb);
    if (err)
        return err;
    err = dc_result_read(s, txn, nik, out, eb);
    mdb_txn_abort(txn);
    return err;
}
