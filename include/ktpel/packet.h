/* The sealed enrolment packet: one file per enrolment (docs/packet-format.md).
 *
 * Inside: a container ("KPKT", versioned, CRC-32) of named entries: the record (record.txt),
 * the images and templates under the names the enrolment folder uses (face_1.jpg,
 * finger_01_1.png, fingers_1.iso, ...), and two entries the library writes itself:
 * packet.txt (packet id, creation time, station, operator, resident's confirmation) and
 * capture.txt (one line per capture: device, time, quality, attempts, status).
 *
 * Sealed: the container is signed by the station (CMS SignedData, ECDSA P-256 / SHA-256,
 * the station certificate included, signingTime = the packet's creation time), and the
 * SignedData is encrypted to the data center's certificate (CMS AuthEnvelopedData,
 * AES-256-GCM). The file is that DER structure followed by the station's seal: "KSIG", a
 * 2-byte big-endian length and an ECDSA-SHA256 signature (DER) over every byte of the DER
 * envelope, because CMS leaves a few envelope fields unauthenticated (docs/packet-format.md).
 * `openssl cms` reads the envelope part.
 *
 * Opening names every failure by its error code (include/ktpel/error.h):
 *   KTPEL_ETRUNCATED   the file ends before its DER structure does
 *   KTPEL_ETAMPERED    decryption (GCM tag), the station's signature or its seal fails, or
 *                      the envelope does not parse: the file was altered
 *   KTPEL_ENOTFOUND    not encrypted to this data center's certificate
 *   KTPEL_EUNTRUSTED   the station's certificate does not chain to the trusted CA, is not a
 *                      station certificate, or is not the station the packet names
 *   KTPEL_EEXPIRED     the station's certificate was not valid at the signing time, or the
 *                      packet is older than the allowed age, or dated in the future
 *   KTPEL_EFORMAT, KTPEL_ETOOBIG, KTPEL_EUNSUPPORTED
 *                      the (signed) container is malformed: the message names the entry
 *   KTPEL_EREPLAY      the replay hook says this packet id was already received
 */
#ifndef KTPEL_PACKET_H
#define KTPEL_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ktpel/error.h"
#include "ktpel/pki.h"

#ifdef __cplusplus
extern "C" {
#endif

#define KTPEL_PACKET_VERSION       1
#define KTPEL_PACKET_ENTRY_MAX     (16u << 20) /* bytes of one entry */
#define KTPEL_PACKET_CONTAINER_MAX (64u << 20) /* bytes of the whole container */
#define KTPEL_PACKET_FILE_MAX      (72u << 20) /* bytes of a sealed packet file */
#define KTPEL_PACKET_ENTRIES_MAX   512
#define KTPEL_PACKET_NAME_MAX      64
/* Packets dated this far after the opener's clock are refused (clocks differ a little). */
#define KTPEL_PACKET_CLOCK_SKEW 600

typedef struct ktpel_packet_meta {
    char packet_id[33];      /* 32 lower-case hex digits; "" = a fresh random one (packet_new) */
    int64_t created;         /* unix seconds: when sealed; the CMS signing time */
    char station_id[33];     /* the station certificate's CN; "" = filled in by seal */
    char operator_id[33];    /* 1..32 of [A-Za-z0-9_-] */
    char nik[17];            /* the record's NIK, "" if none */
    bool resident_confirmed; /* the resident confirmed the recorded data */
    int64_t confirmed_at;    /* unix seconds of that confirmation, 0 if none */
    char source[65];         /* where the data came from ("synthetic E000001"), may be "" */
} ktpel_packet_meta;

/* One capture (a line of capture.txt). Text fields hold printable ASCII without tabs. */
typedef struct ktpel_packet_capture {
    char item[33];   /* face, signature, finger_01..finger_10, iris_right, iris_left,
                      * verify_finger_02, ...: [a-z0-9_] */
    char entry[65];  /* the entry holding the data; "" when nothing was stored */
    char device[65]; /* "libfprint:virtual_image", "v4l2:/dev/video0", "file", "synthetic" */
    int64_t time;    /* unix seconds */
    int quality;     /* 0..100, -1 = not measured */
    int attempts;    /* 0..99 */
    char status[17]; /* captured, amputated, bandaged, unable, match, mismatch: [a-z_] */
    char note[129];  /* free text, "" if none */
} ktpel_packet_capture;

typedef struct ktpel_packet ktpel_packet;

/* A new, empty packet with meta (copied; a fresh packet id if meta->packet_id is ""). */
ktpel_err ktpel_packet_new(const ktpel_packet_meta *meta, ktpel_packet **out, ktpel_errbuf *eb);
void ktpel_packet_free(ktpel_packet *p);
const ktpel_packet_meta *ktpel_packet_get_meta(const ktpel_packet *p);
/* A fresh random packet id (32 lower-case hex digits and a NUL). */
ktpel_err ktpel_packet_new_id(char id[33], ktpel_errbuf *eb);

/* Adds an entry (data copied). Names: 1..64 characters of [a-z0-9_.-], starting with a letter
 * or digit, unique; packet.txt and capture.txt are written by the library and refused. */
ktpel_err ktpel_packet_add(ktpel_packet *p, const char *name, const void *data, size_t len,
                           ktpel_errbuf *eb);
ktpel_err ktpel_packet_add_file(ktpel_packet *p, const char *name, const char *path,
                                ktpel_errbuf *eb);
/* Adds a capture line; its entry (if not "") must be added before encoding. */
ktpel_err ktpel_packet_add_capture(ktpel_packet *p, const ktpel_packet_capture *c,
                                   ktpel_errbuf *eb);

/* Entries in name order (as encoded), without packet.txt and capture.txt. */
size_t ktpel_packet_entry_count(const ktpel_packet *p);
const char *ktpel_packet_entry_name(const ktpel_packet *p, size_t i);
const uint8_t *ktpel_packet_entry_data(const ktpel_packet *p, size_t i, size_t *len);
/* The entry called name, or NULL. */
const uint8_t *ktpel_packet_find(const ktpel_packet *p, const char *name, size_t *len);
size_t ktpel_packet_capture_count(const ktpel_packet *p);
const ktpel_packet_capture *ktpel_packet_capture_at(const ktpel_packet *p, size_t i);

/* The inner container (unsealed). record.txt must be present. Entries are written in name
 * order, so the same packet always gives the same bytes. */
ktpel_err ktpel_packet_encode(const ktpel_packet *p, uint8_t **out, size_t *len, ktpel_errbuf *eb);
/* Parses an inner container; every error names the entry or offset. */
ktpel_err ktpel_packet_decode(const uint8_t *data, size_t len, ktpel_packet **out,
                              ktpel_errbuf *eb);

/* Seals p: station signs (station_cert's CN must be meta.station_id, or fills it if ""),
 * encrypted to dc_cert. meta.created is the signing time (0: the current time is used and
 * stored). The DER file bytes go to *der (free() it). */
ktpel_err ktpel_packet_seal(ktpel_packet *p, const ktpel_pki_cert *station_cert,
                            const ktpel_pki_key *station_key, const ktpel_pki_cert *dc_cert,
                            uint8_t **der, size_t *der_len, ktpel_errbuf *eb);

/* Replay hook: set *seen if packet_id was received before. Called last, after every other
 * check passed. The data center should record the id in the same transaction that stores the
 * enrolment (the check here is a early, friendly rejection; the store is the authority). */
typedef ktpel_err (*ktpel_packet_seen_fn)(void *ctx, const char *packet_id,
                                          const uint8_t content_sha256[32], bool *seen,
                                          ktpel_errbuf *eb);

typedef struct ktpel_packet_open_options {
    const ktpel_pki_trust *trust;  /* roots for station certificates (the enrolment CA) */
    const ktpel_pki_cert *dc_cert; /* the data center's certificate and key */
    const ktpel_pki_key *dc_key;
    int64_t now;               /* unix seconds for the age checks; 0 = no age or future check */
    int64_t max_age;           /* seconds a packet may wait (offline stations); 0 = no limit */
    ktpel_packet_seen_fn seen; /* may be NULL */
    void *seen_ctx;
} ktpel_packet_open_options;

typedef struct ktpel_packet_info {
    char packet_id[33];
    uint8_t content_sha256[32]; /* SHA-256 of the signed inner container */
    char content_sha256_hex[65];
    int64_t signing_time;
    char station_id[65];          /* the signer's CN */
    char station_cert_sha256[65]; /* fingerprint of the signer's certificate */
    size_t container_len;
} ktpel_packet_info;

/* Opens a sealed packet: decrypt, verify the station (chain valid at the signing time), check
 * the age, decode the container, check that it names its signer and time, ask the replay
 * hook. On success *out (may be NULL if only checking) and *info (may be NULL) are filled;
 * on failure nothing is returned and eb names the reason. */
ktpel_err ktpel_packet_open(const uint8_t *der, size_t der_len,
                            const ktpel_packet_open_options *opt, ktpel_packet **out,
                            ktpel_packet_info *info, ktpel_errbuf *eb);
/* The same for a file (at most KTPEL_PACKET_FILE_MAX bytes); messages start with the path. */
ktpel_err ktpel_packet_open_file(const char *path, const ktpel_packet_open_options *opt,
                                 ktpel_packet **out, ktpel_packet_info *info, ktpel_errbuf *eb);

/* A packet from a synthetic population's enrolment folder (docs/synth-format.md): every
 * regular file of dir becomes an entry (record.txt required), with one capture line per
 * image or template (device "synthetic", quality -1, time = meta->created). meta->nik is
 * taken from record.txt when "", meta->source defaults to "synthetic NAME". */
ktpel_err ktpel_packet_from_resident_dir(const char *dir, const ktpel_packet_meta *meta,
                                         ktpel_packet **out, ktpel_errbuf *eb);

/* Writes every entry, plus packet.txt and capture.txt, as files into dir (created if needed):
 * the enrolment folder that ingest (include/ktpel/ingest.h) reads. */
ktpel_err ktpel_packet_write_dir(const ktpel_packet *p, const char *dir, ktpel_errbuf *eb);

/* The reason a packet was rejected, as a short id for logs and JSON, from ktpel_packet_open's
 * error code: "tampered", "untrusted", "expired", "truncated", "malformed" (EFORMAT, ETOOBIG,
 * EUNSUPPORTED, EFIELD), "replayed", "wrong-recipient" (ENOTFOUND), "io", "error" (others);
 * "ok" for KTPEL_OK. */
const char *ktpel_packet_reason_id(ktpel_err code);

/* Unix seconds as "2025-11-21T10:00:00Z" (buf of at least 21 bytes), and back. */
char *ktpel_packet_format_time(int64_t t, char *buf, size_t size);
bool ktpel_packet_parse_time(const char *text, int64_t *out);

#ifdef __cplusplus
}
#endif

#endif
