/* The 1:N gallery laid out for scanning (datacenter/ only): per finger position, chunks of
 * DC_CHUNK_RESIDENTS consecutive gallery residents whose serialised compact templates lie
 * one after the other, 64-byte aligned in the memory map, so that a search compares them in
 * place. Chunk value layout (integers little-endian; docs/store.md):
 *
 *   0    4     magic "KGCH"
 *   4    1     version 1
 *   5    1     finger position 1..10
 *   6    1     alignment phase P: templates start at offsets = P (mod 64)
 *   7    1     0
 *   8    4     first gallery id of the chunk
 *   12   4     residents in the chunk, 1..DC_CHUNK_RESIDENTS
 *   16   8*C   slot table, C = DC_CHUNK_RESIDENTS: offset and size of each resident's
 *              template (size 0: no template of that finger)
 *   ...        templates
 *
 * P is 48 because LMDB stores a value this large on overflow pages, whose data starts 16
 * bytes into a page of the (page-aligned) map: the templates then lie at multiples of 64.
 * A reader that finds another address copies the chunk once to an aligned buffer.
 */
#ifndef KTPEL_DC_GALLERY_H
#define KTPEL_DC_GALLERY_H

#include <stddef.h>
#include <stdint.h>

#include "store_internal.h"

#define DC_CHUNK_PHASE     48
#define DC_CHUNK_TABLE     16
#define DC_CHUNK_DATA_BASE 1072 /* first offset = 48 (mod 64) after the slot table */

/* A chunk as read: base points at the value (aligned as described above). */
typedef struct dc_chunk {
    const uint8_t *base;
    size_t size;
    uint32_t first, count;
    int position;
} dc_chunk;

/* Checks a chunk's header and slot table against its size. */
ktpel_err dc_chunk_parse(const void *data, size_t size, dc_chunk *out, ktpel_errbuf *eb);

/* The template of slot i (0..count-1), or NULL when the resident has no such finger. */
static inline const void *dc_chunk_template(const dc_chunk *c, uint32_t i)
{
    const uint8_t *slot = c->base + DC_CHUNK_TABLE + 8 * (size_t)i;
    uint32_t off = dc_get_le32(slot), size = dc_get_le32(slot + 4);
    return size ? c->base + off : NULL;
}

/* Appends residents (16-digit NIKs, in order) to the gallery inside a write transaction:
 * each gets the next gallery id and its compact templates move from fp_compact to the last
 * chunk of their finger position. */
ktpel_err dc_gallery_append(ktpel_store *s, MDB_txn *txn, const char (*niks)[KTPEL_NIK_LEN + 1],
                            size_t count, ktpel_errbuf *eb);

#endif
