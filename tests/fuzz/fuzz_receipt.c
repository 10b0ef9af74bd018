/* Fuzz target: the kecamatan desk's receipt parser (core/receipt.c), the data center's input
 * from outside. Every accepted receipt must format back to the same bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ktpel/receipt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ktpel_receipt r = {0};
    ktpel_errbuf eb;
    if (ktpel_receipt_parse(data, size, "fuzz", &r, &eb) == KTPEL_OK) {
        /* Canonical: header, then every entry's formatted line. */
        size_t pos = strlen(KTPEL_RECEIPT_HEADER) + 1;
        for (size_t i = 0; i < r.count; i++) {
            char line[KTPEL_RECEIPT_LINE_MAX + 1];
            size_t len = 0;
            if (ktpel_receipt_format_entry(&r.entries[i], line, sizeof line, &len, NULL) !=
                    KTPEL_OK ||
                pos + len + 1 > size || memcmp(data + pos, line, len) != 0)
                abort();
            pos += len + 1;
        }
        if (pos != size)
            abort();
    }
    ktpel_receipt_free(&r);
    return 0;
}
