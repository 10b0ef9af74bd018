/* Fuzz target: serialised iris codes (match/iris_code.c), as read from files and the store.
 * Whatever the parser accepts must serialise back to the same bytes and compare with itself
 * at distance 0 over all its valid bits.
 *
 * Random changes almost always break the CRC, which would keep the fuzzer out of everything
 * behind it; so each input is tried twice: as given, and with its CRC recomputed. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ktpel/checksum.h"
#include "ktpel/iris.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_one(const uint8_t *data, size_t size)
{
    ktpel_iris_code c;
    ktpel_errbuf eb;
    ktpel_errbuf_clear(&eb);
    if (ktpel_iris_code_parse(data, size, &c, &eb) != KTPEL_OK) {
        if (eb.message[0] == '\0')
            abort();
        return;
    }
    uint8_t again[KTPEL_IRIS_CODE_SERIAL_BYTES];
    ktpel_iris_code_serialise(&c, again);
    if (size != sizeof again || memcmp(again, data, size) != 0)
        abort();
    ktpel_iris_score s = ktpel_iris_compare(&c, &c, KTPEL_IRIS_DEFAULT_SHIFT);
    int valid = ktpel_iris_code_valid_bits(&c);
    if (valid > 0 && (s.hd_raw != 0 || s.bits_compared < valid))
        abort();
    if (!(s.hd_norm <= 0.5))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_one(data, size);
    if (size == KTPEL_IRIS_CODE_SERIAL_BYTES) {
        uint8_t fixed[KTPEL_IRIS_CODE_SERIAL_BYTES];
        memcpy(fixed, data, size);
        uint32_t crc = ktpel_crc32(0, fixed, size - 4);
        for (int i = 0; i < 4; i++)
            fixed[size - 4 + i] = (uint8_t)(crc >> (24 - 8 * i));
        check_one(fixed, size);
    }
    return 0;
}
