/* Serialised compact templates: the in-memory image of a compact template with its header
 * replaced by a position-independent one (format in include/ktpel/fp_match.h). The arrays
 * keep the offsets that mcc_compact_layout gives them, so a stored block is compared where
 * it lies once a header with pointers into it is filled in: no parsing, no allocation. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ktpel/fp_match.h"

#include "fp_mcc_internal.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "serialised compact templates are written in the host's (little-endian) order"
#endif

#define HEADER_SIZE 64
/* Coordinates are 500 dpi pixels of an image at most 65535 pixels wide at >= 1 dpi. */
#define COORD_LIMIT 4.0e7f

_Static_assert(sizeof(struct ktpel_fp_compact) <= HEADER_SIZE,
               "the serialised header takes the place of the in-memory one");

static const char magic[4] = {'K', 'F', 'P', 'C'};

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_u32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* Offsets of the arrays from the start of the block, and the whole size, for n. */
typedef struct block_layout {
    size_t cyl, x, y, angle, ones, bytes;
} block_layout;

static block_layout layout_for(int n)
{
    /* The in-memory layout starts its arrays at align64(sizeof header) == HEADER_SIZE. */
    _Alignas(64) struct ktpel_fp_compact probe;
    size_t bytes = mcc_compact_layout(&probe, n);
    const char *base = (const char *)&probe;
    return (block_layout){
        .cyl = (size_t)((const char *)probe.cyl - base),
        .x = (size_t)((const char *)probe.x - base),
        .y = (size_t)((const char *)probe.y - base),
        .angle = (size_t)((const char *)probe.angle - base),
        .ones = (size_t)((const char *)probe.ones - base),
        .bytes = bytes,
    };
}

size_t ktpel_fp_compact_serialised_size(const ktpel_fp_compact *c)
{
    return c ? layout_for(c->n).bytes : 0;
}

ktpel_err ktpel_fp_compact_serialise(const ktpel_fp_compact *c, void *buf, size_t size,
                                     ktpel_errbuf *eb)
{
    if (!c || !buf)
        return ktpel_fail(eb, KTPEL_EINVAL, "ktpel_fp_compact_serialise: NULL argument");
    block_layout l = layout_for(c->n);
    if (size < l.bytes)
        return ktpel_fail(eb, KTPEL_ETOOBIG, "compact template needs %zu bytes, buffer has %zu",
                          l.bytes, size);
    uint8_t *out = buf;
    memset(out, 0, l.bytes);
    memcpy(out, magic, 4);
    out[4] = KTPEL_FP_COMPACT_VERSION;
    out[6] = MCC_WORDS;
    put_u32(out + 8, (uint32_t)l.bytes);
    put_u32(out + 12, (uint32_t)c->count);
    put_u32(out + 16, (uint32_t)c->n);
    put_u32(out + 20, (uint32_t)c->min_common_cells);
    size_t n = (size_t)c->n;
    memcpy(out + l.cyl, c->cyl, n * sizeof *c->cyl);
    memcpy(out + l.x, c->x, n * sizeof *c->x);
    memcpy(out + l.y, c->y, n * sizeof *c->y);
    memcpy(out + l.angle, c->angle, n);
    memcpy(out + l.ones, c->ones, n * sizeof *c->ones);
    return KTPEL_OK;
}

static int all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return 0;
    return 1;
}

/* Header fields after the cheap checks; n < 0 when the header is not usable. */
static int header_n(const uint8_t *p)
{
    if (memcmp(p, magic, 4) != 0 || p[4] != KTPEL_FP_COMPACT_VERSION || p[5] != 0 ||
        p[6] != MCC_WORDS || p[7] != 0)
        return -1;
    uint32_t n = get_u32(p + 16);
    return n <= KTPEL_MAX_MINUTIAE ? (int)n : -1;
}

ktpel_err ktpel_fp_compact_check_serialised(const void *buf, size_t size, size_t *used,
                                            ktpel_errbuf *eb)
{
    if (!buf)
        return ktpel_fail(eb, KTPEL_EINVAL, "ktpel_fp_compact_check_serialised: NULL argument");
    const uint8_t *p = buf;
    if (size < HEADER_SIZE)
        return ktpel_fail(eb, KTPEL_ETRUNCATED, "compact template: %zu bytes, header needs %d",
                          size, HEADER_SIZE);
    if (memcmp(p, magic, 4) != 0)
        return ktpel_fail(eb, KTPEL_EFORMAT, "compact template: bad magic (not \"KFPC\")");
    if (p[4] != KTPEL_FP_COMPACT_VERSION || p[5] != 0)
        return ktpel_fail(eb, KTPEL_EUNSUPPORTED, "compact template: version %u, expected %d",
                          (unsigned)(p[4] | p[5] << 8), KTPEL_FP_COMPACT_VERSION);
    if (p[6] != MCC_WORDS || p[7] != 0)
        return ktpel_fail(eb, KTPEL_EUNSUPPORTED,
                          "compact template: %u words per cylinder, this build uses %d",
                          (unsigned)(p[6] | p[7] << 8), MCC_WORDS);
    uint32_t count = get_u32(p + 12), n = get_u32(p + 16), common = get_u32(p + 20);
    if (count > KTPEL_MAX_MINUTIAE || n > count)
        return ktpel_fail(eb, KTPEL_EFORMAT, "compact template: %u of %u minutiae kept", n, count);
    if (common > MCC_NS * MCC_NS)
        return ktpel_fail(eb, KTPEL_EFORMAT, "compact template: %u common cells needed", common);
    for (int i = 24; i < HEADER_SIZE; i++)
        if (p[i])
            return ktpel_fail(eb, KTPEL_EFORMAT, "compact template: header byte %d not zero", i);
    block_layout l = layout_for((int)n);
    if (get_u32(p + 8) != l.bytes)
        return ktpel_fail(eb, KTPEL_EFORMAT,
                          "compact template: size field %u, %u minutiae need %zu", get_u32(p + 8),
                          n, l.bytes);
    if (size < l.bytes)
        return ktpel_fail(eb, KTPEL_ETRUNCATED, "compact template: %zu bytes, needs %zu", size,
                          l.bytes);
    for (uint32_t k = 0; k < n; k++) {
        mcc_cylinder cyl;
        memcpy(&cyl, p + l.cyl + k * sizeof cyl, sizeof cyl);
        int ones = 0;
        for (int w = 0; w < MCC_WORDS; w++)
            ones += __builtin_popcountll(cyl.bits[w]);
        uint16_t stored;
        memcpy(&stored, p + l.ones + k * sizeof stored, sizeof stored);
        if (stored != ones)
            return ktpel_fail(eb, KTPEL_EFORMAT,
                              "compact template: cylinder %u has %d bits set, header says %u", k,
                              ones, stored);
        float x, y;
        memcpy(&x, p + l.x + k * sizeof x, sizeof x);
        memcpy(&y, p + l.y + k * sizeof y, sizeof y);
        if (!(fabsf(x) < COORD_LIMIT && fabsf(y) < COORD_LIMIT))
            return ktpel_fail(eb, KTPEL_EFORMAT, "compact template: minutia %u at (%g,%g)", k,
                              (double)x, (double)y);
    }
    /* Canonical form: padding is zero, so that a block has one byte image. */
    size_t ends[5][2] = {{l.cyl + n * sizeof(mcc_cylinder), l.x},
                         {l.x + n * sizeof(float), l.y},
                         {l.y + n * sizeof(float), l.angle},
                         {l.angle + n, l.ones},
                         {l.ones + n * sizeof(uint16_t), l.bytes}};
    for (int r = 0; r < 5; r++)
        if (!all_zero(p + ends[r][0], ends[r][1] - ends[r][0]))
            return ktpel_fail(eb, KTPEL_EFORMAT,
                              "compact template: padding after array %d not zero", r);
    for (uint32_t k = 0; k < n; k++)
        if (!all_zero(p + l.cyl + k * sizeof(mcc_cylinder) + offsetof(mcc_cylinder, pad),
                      sizeof(((mcc_cylinder *)0)->pad)))
            return ktpel_fail(eb, KTPEL_EFORMAT, "compact template: cylinder %u padding not zero",
                              k);
    if (used)
        *used = l.bytes;
    return KTPEL_OK;
}

ktpel_err ktpel_fp_compact_deserialise(const void *buf, size_t size, ktpel_fp_compact **out,
                                       ktpel_errbuf *eb)
{
    if (!out)
        return ktpel_fail(eb, KTPEL_EINVAL, "ktpel_fp_compact_deserialise: NULL argument");
    *out = NULL;
    size_t bytes;
    ktpel_err err = ktpel_fp_compact_check_serialised(buf, size, &bytes, eb);
    if (err)
        return err;
    ktpel_fp_compact *c = aligned_alloc(64, bytes);
    if (!c)
        return ktpel_fail(eb, KTPEL_ENOMEM, "compact template: out of memory (%zu bytes)", bytes);
    memcpy(c, buf, bytes);
    const uint8_t *p = buf;
    int n = (int)get_u32(p + 16);
    mcc_compact_layout(c, n);
    c->bytes = bytes;
    c->count = (int)get_u32(p + 12);
    c->n = n;
    c->min_common_cells = (int)get_u32(p + 20);
    *out = c;
    return KTPEL_OK;
}

float ktpel_fp_compare_serialised(const ktpel_fp_compact *a, const void *b, ktpel_fp_workspace *ws)
{
    return ktpel_fp_compare_serialised_gated(a, b, 0.0f, ws);
}

float ktpel_fp_compare_serialised_gated(const ktpel_fp_compact *a, const void *b, float min_lss,
                                        ktpel_fp_workspace *ws)
{
    if (!a || !b || !ws || ((uintptr_t)b & (KTPEL_FP_COMPACT_ALIGN - 1)))
        return 0.0f;
    const uint8_t *p = b;
    int n = header_n(p);
    if (n < 0)
        return 0.0f;
    /* A header on the stack whose arrays are the block's own. */
    struct ktpel_fp_compact view;
    block_layout l = layout_for(n);
    view.bytes = l.bytes;
    view.count = (int)get_u32(p + 12);
    view.n = n;
    view.min_common_cells = (int)get_u32(p + 20);
    view.cyl = (mcc_cylinder *)(uintptr_t)(p + l.cyl);
    view.x = (float *)(uintptr_t)(p + l.x);
    view.y = (float *)(uintptr_t)(p + l.y);
    view.angle = (uint8_t *)(uintptr_t)(p + l.angle);
    view.ones = (uint16_t *)(uintptr_t)(p + l.ones);
    return ktpel_fp_compare_gated(a, &view, min_lss, ws);
}
