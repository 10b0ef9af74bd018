/* Checksums used in ktpel's file formats. */
#ifndef KTPEL_CHECKSUM_H
#define KTPEL_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* CRC-32 as in ISO 3309 / ITU-T V.42 / PNG / zlib (reflected polynomial 0xEDB88320).
 * Pass crc = 0 to start; feed the previous result to continue over several pieces. */
uint32_t ktpel_crc32(uint32_t crc, const void *data, size_t len);

#ifdef __cplusplus
}
#endif

#endif
