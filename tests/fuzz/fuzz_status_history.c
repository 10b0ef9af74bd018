/* Fuzz target: the status history decoder. Whatever it accepts must re-encode to exactly
 * the same bytes (the encoding is canonical and the decoder strict).
 *
 * Random changes almost always break the CRC, which would keep the fuzzer out of the entry
 * checks behind it; so each input is decoded twice: as given, and with its last four bytes
 * replaced by the correct CRC-32 of the rest. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ktpel/checksum.h"
#include "ktpel/status.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_one(const uint8_t *data, size_t size)
{
    ktpel_status_history h;
    ktpel_status_history_init(&h);
    ktpel_errbuf eb;
    ktpel_errbuf_clear(&eb);
    if (ktpel_status_history_decode(data, size, &h, &eb) != KTPEL_OK) {
        if (h.count != 0 || h.entries != NULL || eb.message[0] == '\0')
            abort(); /* a failure leaves the history untouched and says why */
        return;
    }
    size_t need = ktpel_status_history_encoded_size(&h);
    uint8_t *again = malloc(need);
    size_t written = 0;
    if (!again || ktpel_status_history_encode(&h, again, need, &written, &eb) != KTPEL_OK ||
        written != size || memcmp(again, data, size) != 0) {
        fprintf(stderr, "fuzz_status_history: accepted input does not re-encode identically\n");
        abort();
    }
    free(again);
    ktpel_status_history_free(&h);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_one(data, size);
    if (size < 4)
        return 0;
    uint8_t *fixed = malloc(size);
    if (!fixed)
        return 0;
    memcpy(fixed, data, size);
    uint32_t crc = ktpel_crc32(0, fixed, size - 4);
    for (int i = 0; i < 4; i++)
        fixed[size - 4 + i] = (uint8_t)(crc >> (8 * i));
    check_one(fixed, size);
    free(fixed);
    return 0;
}
