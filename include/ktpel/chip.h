/* The KTP-el chip data: a file that stands in for the card's chip, modelled on the logical
 * data structure (LDS) of ICAO Doc 9303 (parts 10 and 11). Format: docs/chip-format.md.
 *
 * The file is a sequence of elementary files, each one BER-TLV element, in this order:
 *   EF.COM  tag 60  LDS version, Unicode version, list of the data groups present
 *   DG1     tag 61  demographics as printed on the card, one UTF-8 element per field
 *   DG2     tag 75  face image (JPEG) in an ICAO biometric information template
 *   DG3     tag 63  the two index-finger templates (ISO/IEC 19794-2, one view each)
 *   DG7     tag 67  signature image (JPEG), "displayed signature" of Doc 9303
 *   EF.SOD  tag 77  CMS SignedData over an LDSSecurityObject: the SHA-256 of every DG,
 *                   signed by a document-signer (DS) certificate issued by a country
 *                   signing CA (CSCA)
 *
 * Reading checks, in this order, and names the first failure: the file's structure and size
 * limits, the EF.SOD's CMS structure, the DS certificate's chain up to a trusted CSCA and the
 * validity periods at the check time, the CMS signature, the LDSSecurityObject, then every
 * data group's hash, and last the data groups' contents. Nothing is returned unless all of it
 * holds.
 *
 * Certificates, keys and trust stores are pki.h's. No global state: chips may be written
 * and read from many threads at once.
 */
#ifndef KTPEL_CHIP_H
#define KTPEL_CHIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ktpel/date.h"
#include "ktpel/error.h"
#include "ktpel/fp_template.h"
#include "ktpel/image.h"
#include "ktpel/pki.h"
#include "ktpel/resident.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Size limits in bytes (whole elementary files, tag and length included). A chip file or
 * data group above its limit is refused with KTPEL_ETOOBIG, on writing and on reading. */
#define KTPEL_CHIP_FILE_MAX (48u * 1024u)
#define KTPEL_CHIP_DG1_MAX  2048u
#define KTPEL_CHIP_DG2_MAX  (24u * 1024u) /* the face JPEG fits in about 24 KiB */
#define KTPEL_CHIP_DG3_MAX  2048u
#define KTPEL_CHIP_DG7_MAX  (8u * 1024u)
#define KTPEL_CHIP_SOD_MAX  (8u * 1024u)
/* Most minutiae per finger on the chip; ktpel_chip_write keeps the best ones (see
 * ktpel_chip_reduce_minutiae). 48 minutiae make a 318-byte ISO 19794-2 record. */
#define KTPEL_CHIP_MINUTIAE_MAX 48
/* The place of issue as printed ("KAB. DHARMASRAYA"): 1..40 characters. */
#define KTPEL_CHIP_ISSUE_PLACE_MAX 40

/* The data groups, by their Doc 9303 numbers. */
typedef enum ktpel_chip_dg {
    KTPEL_CHIP_DG1 = 1,
    KTPEL_CHIP_DG2 = 2,
    KTPEL_CHIP_DG3 = 3,
    KTPEL_CHIP_DG7 = 7,
} ktpel_chip_dg;

/* What goes on a chip. Every pointer is the caller's; templates are reduced on a copy. */
typedef struct ktpel_chip_input {
    const ktpel_resident *resident; /* DG1; must pass its fields' own checks */
    const char *issue_place;        /* DG1: place of issue, as printed */
    ktpel_date issue_date;          /* DG1: date of issue */
    const uint8_t *face_jpeg;       /* DG2 */
    size_t face_len;
    const ktpel_fp_template *right_index; /* DG3: the first view is used */
    const ktpel_fp_template *left_index;  /* DG3 */
    const uint8_t *signature_jpeg;        /* DG7 */
    size_t signature_len;
} ktpel_chip_input;

/* What reading a verified chip gives; owned, free with ktpel_chip_contents_free. */
typedef struct ktpel_chip_contents {
    ktpel_resident resident;
    char issue_place[KTPEL_TEXT_BYTES(KTPEL_CHIP_ISSUE_PLACE_MAX)];
    ktpel_date issue_date;
    uint8_t *face_jpeg;
    size_t face_len;
    ktpel_fp_template *right_index; /* one view, position 2 */
    ktpel_fp_template *left_index;  /* one view, position 7 */
    uint8_t *signature_jpeg;
    size_t signature_len;
} ktpel_chip_contents;

void ktpel_chip_contents_free(ktpel_chip_contents *c);

/* Encodes and signs a chip file into a malloc'd buffer (*out, *out_len; free() it). The
 * resident's fields are checked alone (as ktpel_resident_set_field does; cross-field checks
 * against the NIK are the caller's), the JPEGs by their header and size, the templates as
 * ISO 19794-2 writing does; each finger keeps at most KTPEL_CHIP_MINUTIAE_MAX minutiae.
 * The EF.SOD is signed with the document signer's certificate and key (pki.h) and carries
 * signing_time (unix seconds; 0 = now) as its signingTime attribute. */
ktpel_err ktpel_chip_write(const ktpel_chip_input *in, const ktpel_pki_cert *ds_cert,
                           const ktpel_pki_key *ds_key, int64_t signing_time, uint8_t **out,
                           size_t *out_len, ktpel_errbuf *eb);
/* The same into a file, atomically. */
ktpel_err ktpel_chip_write_file(const char *path, const ktpel_chip_input *in,
                                const ktpel_pki_cert *ds_cert, const ktpel_pki_key *ds_key,
                                int64_t signing_time, ktpel_errbuf *eb);

/* What reading found. */
typedef enum ktpel_chip_verdict {
    KTPEL_CHIP_VALID = 0,
    KTPEL_CHIP_MALFORMED,      /* structure, encoding or a field is wrong (part says where) */
    KTPEL_CHIP_TOO_BIG,        /* the file or an elementary file exceeds its limit */
    KTPEL_CHIP_UNKNOWN_SIGNER, /* the DS certificate does not chain to a trusted CSCA, or
                                * is not a document signer's */
    KTPEL_CHIP_EXPIRED,        /* the DS or CSCA certificate is not valid at the check time */
    KTPEL_CHIP_BAD_SIGNATURE,  /* the EF.SOD's signature does not verify */
    KTPEL_CHIP_HASH_MISMATCH,  /* a data group's SHA-256 differs from the EF.SOD's */
} ktpel_chip_verdict;

/* Short name of a verdict: "valid", "malformed", "too big", "unknown signer", "expired",
 * "bad signature", "hash mismatch". */
const char *ktpel_chip_verdict_name(ktpel_chip_verdict verdict);

typedef struct ktpel_chip_report {
    ktpel_chip_verdict verdict;
    char part[16];     /* where: "file", "EF.COM", "DG1".."DG7", "EF.SOD", "DS certificate" */
    char message[512]; /* the whole story, naming the part and value */
    /* Filled as far as reading got: */
    size_t file_size;
    size_t dg_size[8]; /* by DG number (1, 2, 3, 7); 0 when absent */
    size_t com_size, sod_size;
    bool dg_hash_ok[8];       /* by DG number: hash compared and equal */
    char signer_subject[128]; /* DS certificate subject, one line */
    char signer_issuer[128];
    char signer_not_after[32]; /* "YYYY-MM-DD HH:MM:SS UTC" */
} ktpel_chip_report;

/* Reads and verifies a chip file held in memory against the trusted CSCAs (a pki.h trust
 * store holding CSCA certificates) at the instant `at` (unix seconds; 0 = now). On success
 * returns KTPEL_OK and fills *out (if not NULL). Otherwise *out is left empty, the report
 * (if not NULL) names the verdict and the failing part, and the error, with the report's
 * message, is KTPEL_ETOOBIG (size limits), KTPEL_EFORMAT or KTPEL_ETRUNCATED (malformed),
 * KTPEL_EFIELD (a DG1 field fails its check), KTPEL_EUNTRUSTED (unknown signer, bad
 * certificate), KTPEL_EEXPIRED or KTPEL_ETAMPERED (bad signature, hash mismatch). */
ktpel_err ktpel_chip_read(const uint8_t *buf, size_t len, const ktpel_pki_trust *trust, int64_t at,
                          ktpel_chip_contents *out, ktpel_chip_report *report, ktpel_errbuf *eb);
/* Reads a file (at most KTPEL_CHIP_FILE_MAX bytes) and verifies it as above. */
ktpel_err ktpel_chip_read_file(const char *path, const ktpel_pki_trust *trust, int64_t at,
                               ktpel_chip_contents *out, ktpel_chip_report *report,
                               ktpel_errbuf *eb);

/* Decodes the data groups WITHOUT checking the EF.SOD, the certificates or the hashes: for
 * showing what a card that failed ktpel_chip_read claims to hold (the desk's record of a
 * card returned for destruction), and for fuzzing the decoders. Never base a decision on
 * it. The structure, the size limits and EF.COM are checked as ktpel_chip_read does; the
 * report names the failing part the same way. */
ktpel_err ktpel_chip_decode_unverified(const uint8_t *buf, size_t len, ktpel_chip_contents *out,
                                       ktpel_chip_report *report, ktpel_errbuf *eb);

/* Keeps the `max` best minutiae of every view of t, in place: highest quality first, and
 * among equals those nearest the minutiae's centroid (border minutiae are the least
 * reliable); the kept ones stay in their original order. */
void ktpel_chip_reduce_minutiae(ktpel_fp_template *t, int max);

/* Encodes an image as a JPEG for the chip: scaled down (never up) to fit within max_width x
 * max_height, keeping its aspect, then the highest JPEG quality from 90 down to 30 (steps
 * of 10) whose file fits max_bytes. KTPEL_ETOOBIG when even quality 30 does not fit. */
ktpel_err ktpel_chip_jpeg(const ktpel_image *img, int max_width, int max_height, size_t max_bytes,
                          uint8_t **out, size_t *out_len, ktpel_errbuf *eb);

#ifdef __cplusplus
}
#endif

#endif
