#include "ktpel/checksum.h"

/* Bitwise form, eight steps per byte: ktpel checksums short headers and records, so the
 * table-free loop keeps the code small and needs no static state. */
uint32_t ktpel_crc32(uint32_t crc, const void *data, size_t len)
{
    const uint8_t *p = data;
    crc = ~crc;
    for (size_t i = 0; i < len; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}
