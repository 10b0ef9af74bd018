/* Iris codes: rotation by whole columns, and the serialised form (include/ktpel/iris.h). */
#include <stdlib.h>
#include <string.h>

#include "ktpel/checksum.h"
#include "ktpel/file.h"
#include "ktpel/iris.h"

_Static_assert(KTPEL_IRIS_CODE_BITS == KTPEL_IRIS_RINGS * KTPEL_IRIS_COLUMNS * 2, "geometry");
_Static_assert(KTPEL_IRIS_CODE_WORDS * 64 == KTPEL_IRIS_CODE_BITS, "words");
_Static_assert(KTPEL_IRIS_BITS_PER_COLUMN == 2 * KTPEL_IRIS_RINGS, "column bits");

#define HEADER_BYTES   12
#define CODE_OFFSET    HEADER_BYTES
#define MASK_OFFSET    (CODE_OFFSET + 8 * KTPEL_IRIS_CODE_WORDS)
#define COUNT_OFFSET   (MASK_OFFSET + 8 * KTPEL_IRIS_CODE_WORDS)
#define CRC_OFFSET     (COUNT_OFFSET + 4)
#define FORMAT_VERSION 1

_Static_assert(CRC_OFFSET + 4 == KTPEL_IRIS_CODE_SERIAL_BYTES, "serial size");

static const uint8_t magic[4] = {'K', 'I', 'R', 'C'};

static void put_be(uint8_t *p, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        p[i] = (uint8_t)(v >> (8 * (bytes - 1 - i)));
}

static uint64_t get_be(const uint8_t *p, int bytes)
{
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++)
        v = v << 8 | p[i];
    return v;
}

static int popcount_words(const uint64_t *w, int n)
{
    int c = 0;
    for (int i = 0; i < n; i++)
        c += __builtin_popcountll(w[i]);
    return c;
}

int ktpel_iris_code_valid_bits(const ktpel_iris_code *code)
{
    return popcount_words(code->mask, KTPEL_IRIS_CODE_WORDS);
}

/* out bit j = in bit (j - k) mod 2048: the string turned towards higher bit numbers. */
static void rotate_words(const uint64_t *in, int k, uint64_t *out)
{
    for (int w = 0; w < KTPEL_IRIS_CODE_WORDS; w++) {
        int src =
            ((64 * w - k) % KTPEL_IRIS_CODE_BITS + KTPEL_IRIS_CODE_BITS) % KTPEL_IRIS_CODE_BITS;
        int sw = src / 64, sb = src % 64;
        uint64_t lo = in[sw] >> sb;
        uint64_t hi = sb ? in[(sw + 1) % KTPEL_IRIS_CODE_WORDS] << (64 - sb) : 0;
        out[w] = lo | hi;
    }
}

void ktpel_iris_code_rotate(const ktpel_iris_code *code, int shift, ktpel_iris_code *out)
{
    int k = (shift % KTPEL_IRIS_COLUMNS) * KTPEL_IRIS_BITS_PER_COLUMN;
    rotate_words(code->bits, k, out->bits);
    rotate_words(code->mask, k, out->mask);
    out->quality = code->quality;
}

void ktpel_iris_code_serialise(const ktpel_iris_code *code,
                               uint8_t out[KTPEL_IRIS_CODE_SERIAL_BYTES])
{
    memset(out, 0, KTPEL_IRIS_CODE_SERIAL_BYTES);
    memcpy(out, magic, 4);
    out[4] = FORMAT_VERSION;
    out[5] = KTPEL_IRIS_RINGS;
    put_be(out + 6, KTPEL_IRIS_COLUMNS, 2);
    out[8] = code->quality;
    for (int w = 0; w < KTPEL_IRIS_CODE_WORDS; w++) {
        put_be(out + CODE_OFFSET + 8 * w, code->bits[w] & code->mask[w], 8);
        put_be(out + MASK_OFFSET + 8 * w, code->mask[w], 8);
    }
    put_be(out + COUNT_OFFSET, (uint64_t)ktpel_iris_code_valid_bits(code), 4);
    put_be(out + CRC_OFFSET, ktpel_crc32(0, out, CRC_OFFSET), 4);
}

int ktpel_iris_code_sniff(const uint8_t *buf, size_t len)
{
    return buf && len >= 4 && memcmp(buf, magic, 4) == 0;
}

/* The header fields, each checked against the one value this version knows. */
static ktpel_err check_header(const uint8_t *buf, ktpel_errbuf *eb)
{
    if (memcmp(buf, magic, 4) != 0)
        return ktpel_fail(eb, KTPEL_EFORMAT, "iris code: magic %02x%02x%02x%02x is not \"KIRC\"",
                          buf[0], buf[1], buf[2], buf[3]);
    if (buf[4] != FORMAT_VERSION)
        return ktpel_fail(eb, KTPEL_EUNSUPPORTED, "iris code: version %u (this reader knows %d)",
                          buf[4], FORMAT_VERSION);
    unsigned columns = (unsigned)get_be(buf + 6, 2);
    if (buf[5] != KTPEL_IRIS_RINGS || columns != KTPEL_IRIS_COLUMNS)
        return ktpel_fail(eb, KTPEL_EUNSUPPORTED,
                          "iris code: geometry %u rings x %u columns (expected %d x %d)", buf[5],
                          columns, KTPEL_IRIS_RINGS, KTPEL_IRIS_COLUMNS);
    if (buf[8] > 100 && buf[8] != 255)
        return ktpel_fail(eb, KTPEL_EFORMAT, "iris code: quality %u (0..100 or 255)", buf[8]);
    if (buf[9] != 0)
        return ktpel_fail(eb, KTPEL_EFORMAT, "iris code: flags 0x%02x (must be 0)", buf[9]);
    if (buf[10] || buf[11])
        return ktpel_fail(eb, KTPEL_EFORMAT, "iris code: reserved bytes 0x%02x%02x (must be 0)",
                          buf[10], buf[11]);
    return KTPEL_OK;
}

ktpel_err ktpel_iris_code_parse(const uint8_t *buf, size_t len, ktpel_iris_code *out,
                                ktpel_errbuf *eb)
{
    if (!buf || !out)
        return ktpel_fail(eb, KTPEL_EINVAL, "iris code: NULL argument");
    if (len < KTPEL_IRIS_CODE_SERIAL_BYTES)
        return ktpel_fail(eb, KTPEL_ETRUNCATED, "iris code: %zu bytes, expected %d", len,
                          KTPEL_IRIS_CODE_SERIAL_BYTES);
    if (len > KTPEL_IRIS_CODE_SERIAL_BYTES)
        return ktpel_fail(eb, KTPEL_EFORMAT, "iris code: %zu bytes, expected %d", len,
                          KTPEL_IRIS_CODE_SERIAL_BYTES);
    ktpel_err err = check_header(buf, eb);
    if (err)
        return err;
    uint32_t crc = (uint32_t)get_be(buf + CRC_OFFSET, 4);
    uint32_t want = ktpel_crc32(0, buf, CRC_OFFSET);
    if (crc != want)
        return ktpel_fail(eb, KTPEL_EFORMAT, "iris code: CRC %08x does not match the data (%08x)",
                          crc, want);
    ktpel_iris_code c;
    memset(&c, 0, sizeof c);
    for (int w = 0; w < KTPEL_IRIS_CODE_WORDS; w++) {
        c.bits[w] = get_be(buf + CODE_OFFSET + 8 * w, 8);
        c.mask[w] = get_be(buf + MASK_OFFSET + 8 * w, 8);
        if (c.bits[w] & ~c.mask[w])
            return ktpel_fail(eb, KTPEL_EFORMAT,
                              "iris code: word %d has code bits set outside its mask", w);
    }
    uint32_t count = (uint32_t)get_be(buf + COUNT_OFFSET, 4);
    int valid = ktpel_iris_code_valid_bits(&c);
    if (count != (uint32_t)valid)
        return ktpel_fail(eb, KTPEL_EFORMAT,
                          "iris code: valid-bit count %u differs from the mask's %d", count, valid);
    c.quality = buf[8];
    *out = c;
    return KTPEL_OK;
}

ktpel_err ktpel_iris_code_write_file(const char *path, const ktpel_iris_code *code,
                                     ktpel_errbuf *eb)
{
    uint8_t buf[KTPEL_IRIS_CODE_SERIAL_BYTES];
    ktpel_iris_code_serialise(code, buf);
    return ktpel_file_write_atomic(path, buf, sizeof buf, eb);
}

ktpel_err ktpel_iris_code_read_file(const char *path, ktpel_iris_code *out, ktpel_errbuf *eb)
{
    uint8_t *data = NULL;
    size_t len = 0;
    ktpel_err err = ktpel_file_read(path, 4096, &data, &len, eb);
    if (err)
        return err;
    err = ktpel_iris_code_parse(data, len, out, eb);
    free(data);
    if (err)
        ktpel_fail_context(eb, "%s: ", path);
    return err;
}
