/* The data center's store: one LMDB environment (a folder) with named databases for the
 * residents, their finger templates, status histories, the deduplication queue, results
 * and gallery, and the audit log. Key layouts: docs/store.md.
 *
 * LMDB's model holds: many readers and one writer at a time, across threads and processes;
 * readers never block the writer; every change is one transaction, so a crash (kill -9,
 * power loss) leaves the store as of the last committed transaction. ingest and dedup can
 * run at the same time on one store.
 *
 * A ktpel_store handle is thread-safe; a transaction belongs to the thread that began it.
 */
#ifndef KTPEL_STORE_H
#define KTPEL_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ktpel/error.h"
#include "ktpel/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Version of the layout of docs/store.md. A store of another version is refused
 * (KTPEL_EUNSUPPORTED) rather than misread. */
#define KTPEL_STORE_SCHEMA 2
/* The folder used when neither --store nor KTPEL_STORE names one. */
#define KTPEL_STORE_DEFAULT_DIR "ktpel-store"

typedef struct ktpel_store ktpel_store;

typedef struct ktpel_store_options {
    bool read_only;  /* open without writing (the folder must hold a store) */
    bool no_create;  /* the folder must already hold a store (KTPEL_ENOTFOUND otherwise) */
    size_t map_size; /* largest size the store may grow to, bytes; 0 = 64 GiB (sparse) */
} ktpel_store_options;

/* Opens the store in folder dir, creating the folder and an empty store of schema
 * KTPEL_STORE_SCHEMA if needed (unless read_only). opt may be NULL. */
ktpel_err ktpel_store_open(const char *dir, const ktpel_store_options *opt, ktpel_store **out,
                           ktpel_errbuf *eb);
/* Closes the store; every transaction must have ended. NULL is allowed. */
void ktpel_store_close(ktpel_store *s);
/* The folder the store was opened from. */
const char *ktpel_store_dir(const ktpel_store *s);

/* Counts of what the store holds. */
typedef struct ktpel_store_counts {
    size_t residents;
    size_t queued;       /* waiting in the deduplication queue */
    size_t decided;      /* with a deduplication result */
    size_t gallery;      /* residents in the 1:N gallery */
    size_t audit;        /* audit log entries */
    uint64_t batches;    /* deduplication batches committed */
    size_t gallery_size; /* bytes of gallery chunks (all finger positions) */
} ktpel_store_counts;

ktpel_err ktpel_store_counts_get(ktpel_store *s, ktpel_store_counts *out, ktpel_errbuf *eb);

/* The stored record text (the application file as ingested) of a resident, malloc'd and
 * NUL-terminated (*len without the NUL; free() it). KTPEL_ENOTFOUND if the NIK is unknown. */
ktpel_err ktpel_store_resident_record(ktpel_store *s, const char *nik, char **text, size_t *len,
                                      ktpel_errbuf *eb);

/* A resident's status history (h must be initialised; see status.h). */
ktpel_err ktpel_store_status_get(ktpel_store *s, const char *nik, ktpel_status_history *h,
                                 ktpel_errbuf *eb);

/* SHA-256 over every key and value of the store's databases except the audit log and its
 * head (in a fixed order): equal digests mean equal stored data. For tests and for checking
 * that a rejected enrolment changed nothing. */
ktpel_err ktpel_store_digest(ktpel_store *s, uint8_t digest[32], ktpel_errbuf *eb);

/* ---- images, capture metadata, received packets (datacenter/store_images.c) ---- */

/* What an image is; stored values, never renumber. */
typedef enum ktpel_store_image_kind {
    KTPEL_STORE_IMAGE_FACE = 1,      /* face_K.jpg (position 0) */
    KTPEL_STORE_IMAGE_SIGNATURE = 2, /* signature_K.png (position 0) */
    KTPEL_STORE_IMAGE_FINGER = 3,    /* finger_NN_K.png (position NN, 1..10) */
    KTPEL_STORE_IMAGE_IRIS = 4,      /* iris_right_K.png (position 1), iris_left_K.png (2) */
} ktpel_store_image_kind;

/* The stored image of nik (the file's bytes as ingested: JPEG or PNG), malloc'd (free() it).
 * capture: 1..16. KTPEL_ENOTFOUND when there is none. */
ktpel_err ktpel_store_image_get(ktpel_store *s, const char *nik, ktpel_store_image_kind kind,
                                int position, int capture, uint8_t **data, size_t *len,
                                ktpel_errbuf *eb);
/* How many images of nik are stored. */
ktpel_err ktpel_store_image_count(ktpel_store *s, const char *nik, size_t *count, ktpel_errbuf *eb);

/* How an enrolment that came in a sealed packet was captured: the packet's packet.txt and
 * capture.txt as received (docs/packet-format.md: station, operator, devices, times,
 * quality). Release with ktpel_store_capture_clear. */
typedef struct ktpel_store_capture {
    char packet_id[33];
    char *packet_txt;  /* NUL-terminated */
    char *capture_txt; /* NUL-terminated */
} ktpel_store_capture;

/* KTPEL_ENOTFOUND when nik has none (not stored, or ingested from a folder). */
ktpel_err ktpel_store_capture_get(ktpel_store *s, const char *nik, ktpel_store_capture *out,
                                  ktpel_errbuf *eb);
void ktpel_store_capture_clear(ktpel_store_capture *c);

/* A sealed packet the store accepted (the replay record). */
typedef struct ktpel_store_packet {
    char packet_id[33];
    uint8_t content_sha256[32]; /* of the signed container */
    int64_t ingested;           /* unix seconds */
    bool stored;                /* true: it stored the enrolment; false: already stored */
    char nik[17];
    char station_id[33];
} ktpel_store_packet;

/* KTPEL_ENOTFOUND when the packet id was never accepted. */
ktpel_err ktpel_store_packet_get(ktpel_store *s, const char *packet_id, ktpel_store_packet *out,
                                 ktpel_errbuf *eb);

#ifdef __cplusplus
}
#endif

#endif
