/* Fuzz target: the backup manifest parser. Whatever it accepts must format back to exactly
 * the same bytes (the format is canonical: fixed order, no optional spacing, no leading
 * zeros); whatever it refuses must say why. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ktpel/backup.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ktpel_backup_manifest m;
    ktpel_errbuf eb;
    ktpel_errbuf_clear(&eb);
    if (ktpel_backup_manifest_parse((const char *)data, size, &m, &eb) != KTPEL_OK) {
        if (eb.message[0] == '\0')
            abort();
        return 0;
    }
    char *text = NULL;
    size_t len = 0;
    if (ktpel_backup_manifest_format(&m, &text, &len, &eb) != KTPEL_OK || len != size ||
        memcmp(text, data, size) != 0) {
        fprintf(stderr, "fuzz_backup_manifest: accepted input does not format identically\n");
        abort();
    }
    free(text);
    return 0;
}
