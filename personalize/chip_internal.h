/* Internal interface of the chip code: BER-TLV writing and strict reading, the data groups'
 * encoders and decoders, the security object. Not part of the public API. */
#ifndef KTPEL_PERSONALIZE_CHIP_INTERNAL_H
#define KTPEL_PERSONALIZE_CHIP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ktpel/chip.h"

/* Elementary file tags (Doc 9303 part 10). */
enum {
    TAG_EF_COM = 0x60,
    TAG_DG1 = 0x61,
    TAG_DG2 = 0x75,
    TAG_DG3 = 0x63,
    TAG_DG7 = 0x67,
    TAG_EF_SOD = 0x77,
};

/* A growing output buffer; after an allocation failure every put is a no-op and
 * failed is set, so that encoders check once at the end. */
typedef struct tlv_buf {
    uint8_t *data;
    size_t len, cap;
    bool failed;
} tlv_buf;

void tlv_buf_free(tlv_buf *b);
void tlv_put_raw(tlv_buf *b, const void *data, size_t len);
/* Tag (1 to 3 bytes as written: 0x61, 0x5F2E, 0x7F61), minimal DER length, value. */
void tlv_put(tlv_buf *b, unsigned tag, const void *value, size_t len);
/* Appends a constructed element whose value is the whole of `inner`. */
void tlv_put_buf(tlv_buf *b, unsigned tag, const tlv_buf *inner);

/* One element read from a buffer. */
typedef struct tlv {
    unsigned tag;
    const uint8_t *value;
    size_t len;   /* of the value */
    size_t total; /* tag + length + value */
} tlv;

/* Reads the element at *pos of buf[0..len) and moves *pos past it. Lengths must be in
 * minimal DER form (no indefinite length, at most 3 length bytes) and the value must fit.
 * `where` names the element in messages. */
ktpel_err tlv_next(const uint8_t *buf, size_t len, size_t *pos, tlv *out, const char *where,
                   ktpel_errbuf *eb);
/* tlv_next, then requires the tag. */
ktpel_err tlv_expect(const uint8_t *buf, size_t len, size_t *pos, unsigned tag, tlv *out,
                     const char *where, ktpel_errbuf *eb);
/* Requires that the element's value equals (data, n) byte for byte. */
ktpel_err tlv_expect_bytes(const uint8_t *buf, size_t len, size_t *pos, unsigned tag,
                           const void *data, size_t n, const char *where, ktpel_errbuf *eb);

/* Data groups. Encoders append the whole elementary file to b. */
ktpel_err chip_encode_com(tlv_buf *b, ktpel_errbuf *eb);
ktpel_err chip_decode_com(const uint8_t *ef, size_t len, ktpel_errbuf *eb);
ktpel_err chip_encode_dg1(tlv_buf *b, const ktpel_chip_input *in, ktpel_errbuf *eb);
ktpel_err chip_decode_dg1(const uint8_t *ef, size_t len, ktpel_chip_contents *out,
                          ktpel_errbuf *eb);
ktpel_err chip_encode_dg2(tlv_buf *b, const uint8_t *jpeg, size_t len, ktpel_errbuf *eb);
ktpel_err chip_decode_dg2(const uint8_t *ef, size_t len, ktpel_chip_contents *out,
                          ktpel_errbuf *eb);
ktpel_err chip_encode_dg3(tlv_buf *b, const ktpel_fp_template *right, const ktpel_fp_template *left,
                          ktpel_errbuf *eb);
ktpel_err chip_decode_dg3(const uint8_t *ef, size_t len, ktpel_chip_contents *out,
                          ktpel_errbuf *eb);
ktpel_err chip_encode_dg7(tlv_buf *b, const uint8_t *jpeg, size_t len, ktpel_errbuf *eb);
ktpel_err chip_decode_dg7(const uint8_t *ef, size_t len, ktpel_chip_contents *out,
                          ktpel_errbuf *eb);

/* The security object. */
typedef struct chip_dg_hash {
    int number;
    uint8_t sha256[32];
} chip_dg_hash;

#define CHIP_DG_COUNT 4

/* Builds the EF.SOD (tag 77 and the CMS ContentInfo) over the given hashes and appends it. */
ktpel_err chip_sod_sign(tlv_buf *b, const chip_dg_hash *hashes, int count,
                        const ktpel_pki_cert *ds_cert, const ktpel_pki_key *ds_key,
                        int64_t signing_time, ktpel_errbuf *eb);
/* Verifies an EF.SOD's value (the CMS ContentInfo) and returns the hashes it signs
 * (*count of them, at most CHIP_DG_COUNT). On failure sets the report's verdict (the caller
 * sets the part); on success fills the report's signer fields. */
ktpel_err chip_sod_verify(const uint8_t *cms, size_t len, const ktpel_pki_trust *trust, int64_t at,
                          chip_dg_hash *hashes, int *count, ktpel_chip_report *report,
                          ktpel_errbuf *eb);

#endif
