/* Iris codes at ingest (datacenter/ only): an enrolment's iris images (iris_right_1.png,
 * iris_left_1.png) become iris codes (ktpel_iris_extract), stored in the `iris` database
 * under NIK + eye (docs/store.md) for the deduplication (docs/dedup.md). */
#ifndef KTPEL_DC_INGEST_IRIS_H
#define KTPEL_DC_INGEST_IRIS_H

#include <lmdb.h>
#include <stdbool.h>
#include <stdint.h>

#include "ktpel/error.h"
#include "ktpel/image.h"
#include "ktpel/iris.h"
#include "ktpel/store.h"

/* Eyes as the `iris` key's last byte: the ISO/IEC 19794-6 labels. Index 0 = right. */
#define DC_EYES         2
#define DC_EYE_LABEL(i) ((i) == 0 ? KTPEL_IRIS_EYE_RIGHT : KTPEL_IRIS_EYE_LEFT)

/* An enrolment's iris codes, serialised (plain bytes: the enrolment is not 64-byte
 * aligned). */
typedef struct dc_iris_codes {
    bool have[DC_EYES];
    uint8_t code[DC_EYES][KTPEL_IRIS_CODE_SERIAL_BYTES];
} dc_iris_codes;

/* If `name` is capture 1 of an eye (iris_right_1.png, iris_left_1.png), extracts the code of
 * the decoded image into codes. An image the extractor refuses is an error naming the file
 * (the enrolment is rejected, as for a finger template that does not parse). Other names: no
 * effect. */
ktpel_err dc_iris_take(dc_iris_codes *codes, const char *name, const ktpel_image *img,
                       ktpel_errbuf *eb);

/* Number of eyes with a code. */
int dc_iris_count(const dc_iris_codes *codes);

/* Writes the codes of nik inside txn (a write transaction). */
ktpel_err dc_iris_put(ktpel_store *s, MDB_txn *txn, const dc_iris_codes *codes, const char *nik,
                      ktpel_errbuf *eb);

#endif
