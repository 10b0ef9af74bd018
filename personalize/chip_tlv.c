/* BER-TLV as the chip uses it: ISO 7816-4 tags of one to three bytes, lengths in minimal
 * DER form. The reader accepts exactly what the writer produces, so that a changed byte
 * never reads as the same data in another form. */
#include <stdlib.h>
#include <string.h>

#include "chip_internal.h"

void tlv_buf_free(tlv_buf *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

static bool tlv_reserve(tlv_buf *b, size_t more)
{
    if (b->failed)
        return false;
    if (more > SIZE_MAX / 2 - b->len) {
        b->failed = true;
        return false;
    }
    if (b->len + more <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + more)
        cap *= 2;
    uint8_t *bigger = realloc(b->data, cap);
    if (!bigger) {
        b->failed = true;
        return false;
    }
    b->data = bigger;
    b->cap = cap;
    return true;
}

void tlv_put_raw(tlv_buf *b, const void *data, size_t len)
{
    if (!tlv_reserve(b, len))
        return;
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
}

static void put_tag_length(tlv_buf *b, unsigned tag, size_t len)
{
    uint8_t head[8];
    size_t n = 0;
    if (tag > 0xffff)
        head[n++] = (uint8_t)(tag >> 16);
    if (tag > 0xff)
        head[n++] = (uint8_t)(tag >> 8);
    head[n++] = (uint8_t)tag;
    if (len < 0x80) {
        head[n++] = (uint8_t)len;
    } else if (len <= 0xff) {
        head[n++] = 0x81;
        head[n++] = (uint8_t)len;
    } else if (len <= 0xffff) {
        head[n++] = 0x82;
        head[n++] = (uint8_t)(len >> 8);
        head[n++] = (uint8_t)len;
    } else if (len <= 0xffffff) {
        head[n++] = 0x83;
        head[n++] = (uint8_t)(len >> 16);
        head[n++] = (uint8_t)(len >> 8);
        head[n++] = (uint8_t)len;
    } else {
        b->failed = true; /* never reached: every limit is far below 16 MB */
        return;
    }
    tlv_put_raw(b, head, n);
}

void tlv_put(tlv_buf *b, unsigned tag, const void *value, size_t len)
{
    put_tag_length(b, tag, len);
    tlv_put_raw(b, value, len);
}

void tlv_put_buf(tlv_buf *b, unsigned tag, const tlv_buf *inner)
{
    if (inner->failed) {
        b->failed = true;
        return;
    }
    tlv_put(b, tag, inner->data, inner->len);
}

static ktpel_err read_tag(const uint8_t *buf, size_t len, size_t *pos, unsigned *tag,
                          const char *where, ktpel_errbuf *eb)
{
    size_t start = *pos;
    if (*pos >= len)
        return ktpel_fail(eb, KTPEL_ETRUNCATED, "%s: data ends at offset %zu where a tag was due",
                          where, *pos);
    unsigned t = buf[(*pos)++];
    if ((t & 0x1f) == 0x1f) {
        /* Long form: further bytes while bit 8 is set; ktpel's tags have at most two. */
        for (int i = 0;; i++) {
            if (*pos >= len)
                return ktpel_fail(eb, KTPEL_ETRUNCATED,
                                  "%s: data ends inside the tag at offset %zu", where, start);
            uint8_t next = buf[(*pos)++];
            t = (t << 8) | next;
            if (!(next & 0x80))
                break;
            if (i == 1)
                return ktpel_fail(eb, KTPEL_EFORMAT, "%s: tag at offset %zu is longer than 3 bytes",
                                  where, start);
        }
    }
    *tag = t;
    return KTPEL_OK;
}

static ktpel_err read_length(const uint8_t *buf, size_t len, size_t *pos, size_t *out,
                             const char *where, ktpel_errbuf *eb)
{
    size_t start = *pos;
    if (*pos >= len)
        return ktpel_fail(eb, KTPEL_ETRUNCATED,
                          "%s: data ends at offset %zu where a length was due", where, *pos);
    uint8_t first = buf[(*pos)++];
    if (first < 0x80) {
        *out = first;
        return KTPEL_OK;
    }
    int n = first & 0x7f;
    if (n == 0 || n > 3)
        return ktpel_fail(eb, KTPEL_EFORMAT,
                          "%s: length byte 0x%02x at offset %zu (indefinite or above 16 MB)", where,
                          first, start);
    if (len - *pos < (size_t)n)
        return ktpel_fail(eb, KTPEL_ETRUNCATED, "%s: data ends inside the length at offset %zu",
                          where, start);
    size_t v = 0;
    for (int i = 0; i < n; i++)
        v = (v << 8) | buf[(*pos)++];
    /* Minimal form only: the short form below 128, no leading zero byte. */
    size_t min = n == 1 ? 0x80 : (size_t)1 << (8 * (n - 1));
    if (v < min)
        return ktpel_fail(eb, KTPEL_EFORMAT,
                          "%s: length %zu at offset %zu is not in its shortest form", where, v,
                          start);
    *out = v;
    return KTPEL_OK;
}

ktpel_err tlv_next(const uint8_t *buf, size_t len, size_t *pos, tlv *out, const char *where,
                   ktpel_errbuf *eb)
{
    size_t start = *pos;
    unsigned tag = 0;
    size_t vlen = 0;
    memset(out, 0, sizeof *out);
    ktpel_err err = read_tag(buf, len, pos, &tag, where, eb);
    if (!err)
        err = read_length(buf, len, pos, &vlen, where, eb);
    if (err)
        return err;
    if (vlen > len - *pos)
        return ktpel_fail(eb, KTPEL_ETRUNCATED,
                          "%s: element with tag %X at offset %zu declares %zu bytes, only %zu are "
                          "left",
                          where, tag, start, vlen, len - *pos);
    out->tag = tag;
    out->value = buf + *pos;
    out->len = vlen;
    *pos += vlen;
    out->total = *pos - start;
    return KTPEL_OK;
}

ktpel_err tlv_expect(const uint8_t *buf, size_t len, size_t *pos, unsigned tag, tlv *out,
                     const char *where, ktpel_errbuf *eb)
{
    /* The tag first: a wrong tag says more than the length that follows it. */
    size_t peek = *pos;
    unsigned found = 0;
    memset(out, 0, sizeof *out);
    ktpel_err err = read_tag(buf, len, &peek, &found, where, eb);
    if (err)
        return err;
    if (found != tag)
        return ktpel_fail(eb, KTPEL_EFORMAT, "%s: tag %X at offset %zu, expected %X", where, found,
                          *pos, tag);
    return tlv_next(buf, len, pos, out, where, eb);
}

ktpel_err tlv_expect_bytes(const uint8_t *buf, size_t len, size_t *pos, unsigned tag,
                           const void *data, size_t n, const char *where, ktpel_errbuf *eb)
{
    tlv e = {0};
    size_t start = *pos;
    ktpel_err err = tlv_expect(buf, len, pos, tag, &e, where, eb);
    if (err)
        return err;
    if (e.len != n || memcmp(e.value, data, n) != 0)
        return ktpel_fail(eb, KTPEL_EFORMAT,
                          "%s: element %X at offset %zu holds a value ktpel does not write", where,
                          tag, start);
    return KTPEL_OK;
}
