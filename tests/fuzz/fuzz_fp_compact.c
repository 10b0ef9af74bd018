/* Fuzz target: serialised compact fingerprint templates (match/fp_compact_io.c), as read
 * back from the data center's store. Whatever the checker accepts must deserialise, compare
 * with itself in place and as a copy with the same score, and serialise back to the same
 * bytes.
 *
 * Random changes almost always break a cylinder's bit count, which would keep the fuzzer
 * out of everything behind it; so each input is tried twice: as given, and with every
 * cylinder's count repaired. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ktpel/fp_match.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_one(const uint8_t *data, size_t size, ktpel_fp_workspace *ws)
{
    size_t used = 0;
    ktpel_errbuf eb;
    ktpel_errbuf_clear(&eb);
    if (ktpel_fp_compact_check_serialised(data, size, &used, &eb) != KTPEL_OK) {
        if (eb.message[0] == '\0')
            abort();
        return;
    }
    ktpel_fp_compact *c = NULL;
    if (ktpel_fp_compact_deserialise(data, size, &c, NULL) != KTPEL_OK || !c)
        abort();
    uint8_t *block = aligned_alloc(KTPEL_FP_COMPACT_ALIGN, (used + 63) & ~(size_t)63);
    if (!block)
        abort();
    memcpy(block, data, used);
    float a = ktpel_fp_compare(c, c, ws), b = ktpel_fp_compare_serialised(c, block, ws);
    if (!(a == b || (a != a && b != b)))
        abort();
    if (ktpel_fp_compact_serialised_size(c) != used ||
        ktpel_fp_compact_serialise(c, block, used, NULL) != KTPEL_OK ||
        memcmp(block, data, used) != 0)
        abort();
    free(block);
    ktpel_fp_compact_free(c);
}

/* Offsets as in fp_match.h: cylinders of 256 bytes from 64, bit counts after x, y, angle. */
static size_t align64(size_t n)
{
    return (n + 63) & ~(size_t)63;
}

static void repair_counts(uint8_t *d, size_t size)
{
    if (size < 64)
        return;
    uint32_t n = (uint32_t)d[16] | (uint32_t)d[17] << 8;
    if (n > 255)
        return;
    size_t cyl = 64, x = align64(cyl + 256 * (size_t)n), y = align64(x + 4 * (size_t)n);
    size_t ang = align64(y + 4 * (size_t)n), ones = align64(ang + n);
    if (align64(ones + 2 * (size_t)n) > size)
        return;
    for (uint32_t k = 0; k < n; k++) {
        unsigned count = 0;
        for (int w = 0; w < 24; w++) {
            uint64_t v;
            memcpy(&v, d + cyl + 256 * k + 8 * (size_t)w, 8);
            count += (unsigned)__builtin_popcountll(v);
        }
        d[ones + 2 * k] = (uint8_t)count;
        d[ones + 2 * k + 1] = (uint8_t)(count >> 8);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ktpel_fp_workspace *ws = NULL;
    if (ktpel_fp_workspace_new(&ws, NULL) != KTPEL_OK)
        return 0;
    check_one(data, size, ws);
    uint8_t *copy = malloc(size ? size : 1);
    if (copy) {
        memcpy(copy, data, size);
        repair_counts(copy, size);
        check_one(copy, size, ws);
        free(copy);
    }
    ktpel_fp_workspace_free(ws);
    return 0;
}
