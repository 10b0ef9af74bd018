/* Fuzz target: libfprint's device list (udev hwdb text) parser, then lookups. */
#include <stddef.h>
#include <stdint.h>

#include "ktpel/station_devices.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ktpel_fprint_hwdb *db = NULL;
    ktpel_errbuf eb;
    if (ktpel_fprint_hwdb_parse((const char *)data, size, "fuzz.hwdb", &db, &eb) != KTPEL_OK)
        return 0;
    const char *driver;
    (void)ktpel_fprint_hwdb_lookup(db, 0x08ff, 0x5731, &driver);
    (void)ktpel_fprint_hwdb_lookup(db, 0, 0, &driver);
    (void)ktpel_fprint_hwdb_count(db);
    ktpel_fprint_hwdb_free(db);
    return 0;
}
