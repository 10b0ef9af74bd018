/* Internals of ingest shared by ingest.c (enrolment folders), ingest_packet.c (sealed
 * packets) and store_images.c (datacenter/ only). Key layouts: docs/store.md. */
#ifndef KTPEL_DC_INGEST_INTERNAL_H
#define KTPEL_DC_INGEST_INTERNAL_H

#include <lmdb.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ktpel/error.h"
#include "ktpel/ingest.h"
#include "ktpel/store.h"

/* One image of an enrolment, as read from its file (JPEG or PNG bytes). */
typedef struct dc_image {
    uint8_t key[3]; /* kind, position, capture: the images key after the NIK */
    uint8_t *data;
    size_t len;
} dc_image;

/* The images key (kind, position, capture) of an enrolment file name: face_K.jpg,
 * signature_K.png, finger_NN_K.png, iris_right_K.png, iris_left_K.png. False for others. */
bool dc_image_key_of(const char *name, uint8_t key[3]);

/* Writes the images of nik inside txn (a write transaction). */
ktpel_err dc_images_put(ktpel_store *s, MDB_txn *txn, const char *nik, const dc_image *images,
                        int count, ktpel_errbuf *eb);

/* The packets database: the record of one accepted packet (replay check), read inside txn
 * (KTPEL_ENOTFOUND when absent) and written. */
ktpel_err dc_packet_find(ktpel_store *s, MDB_txn *txn, const char *packet_id,
                         ktpel_store_packet *out, ktpel_errbuf *eb);
ktpel_err dc_packet_put(ktpel_store *s, MDB_txn *txn, const ktpel_store_packet *p,
                        ktpel_errbuf *eb);
/* The captures database: packet.txt and capture.txt of the packet that stored nik. */
ktpel_err dc_capture_put(ktpel_store *s, MDB_txn *txn, const char *nik, const char *packet_id,
                         const uint8_t *packet_txt, size_t packet_len, const uint8_t *capture_txt,
                         size_t capture_len, ktpel_errbuf *eb);

/* Called inside ingest's write transaction once the outcome is known (STORED or UNCHANGED),
 * before the enrolment is written. It may write its own entries, or turn the outcome into
 * KTPEL_INGEST_REJECTED (with out->reason): then nothing is written. With a hook an
 * UNCHANGED outcome commits what the hook wrote. */
typedef ktpel_err (*dc_ingest_hook_fn)(void *ctx, ktpel_store *s, MDB_txn *txn, const char *nik,
                                       ktpel_ingest_result *out, ktpel_errbuf *eb);
typedef struct dc_ingest_hook {
    dc_ingest_hook_fn fn;
    void *ctx;
} dc_ingest_hook;

/* ktpel_ingest_enrolment with a hook (NULL: none). */
ktpel_err dc_ingest_enrolment(ktpel_store *s, const char *dir, const ktpel_ingest_options *opt,
                              const dc_ingest_hook *hook, ktpel_ingest_result *out,
                              ktpel_errbuf *eb);

#endif
