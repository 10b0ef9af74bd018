/* Iris codes at ingest: extraction from the enrolment's eye images and the `iris` database
 * (key NIK + eye label, value the 532-byte serialised code of include/ktpel/iris.h). */
#include <stdlib.h>
#include <string.h>

#include "ktpel/iris.h"

#include "ingest_iris.h"
#include "store_internal.h"

ktpel_err dc_iris_take(dc_iris_codes *codes, const char *name, const ktpel_image *img,
                       ktpel_errbuf *eb)
{
    int eye = strcmp(name, "iris_right_1.png") == 0  ? 0
              : strcmp(name, "iris_left_1.png") == 0 ? 1
                                                     : -1;
    if (eye < 0)
        return KTPEL_OK;
    /* The features hold the rubber sheet too (about 40 KB): on the heap, aligned. */
    ktpel_iris_features *f = aligned_alloc(64, (sizeof *f + 63) & ~(size_t)63);
    if (!f)
        return ktpel_fail(eb, KTPEL_ENOMEM, "out of memory");
    ktpel_err err = ktpel_iris_extract(img, f, eb);
    if (err)
        ktpel_fail_context(eb, "%s: no iris code: ", name);
    else {
        ktpel_iris_code_serialise(&f->code, codes->code[eye]);
        codes->have[eye] = true;
    }
    free(f);
    return err;
}

int dc_iris_count(const dc_iris_codes *codes)
{
    int n = 0;
    for (int i = 0; i < DC_EYES; i++)
        n += codes->have[i];
    return n;
}

ktpel_err dc_iris_put(ktpel_store *s, MDB_txn *txn, const dc_iris_codes *codes, const char *nik,
                      ktpel_errbuf *eb)
{
    for (int i = 0; i < DC_EYES; i++) {
        if (!codes->have[i])
            continue;
        uint8_t key[KTPEL_NIK_LEN + 1];
        memcpy(key, nik, KTPEL_NIK_LEN);
        key[KTPEL_NIK_LEN] = (uint8_t)DC_EYE_LABEL(i);
        MDB_val k = {sizeof key, key}, v = {KTPEL_IRIS_CODE_SERIAL_BYTES, (void *)codes->code[i]};
        int rc = mdb_put(txn, s->iris, &k, &v, 0);
        if (rc)
            return dc_mdb_fail(eb, rc, "write iris code");
    }
    return KTPEL_OK;
}
