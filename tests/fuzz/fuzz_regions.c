/* Fuzz target: the region list's CSV loader, from a memory buffer, then lookups. */
#include <stddef.h>
#include <stdint.h>

#include "ktpel/region.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ktpel_regions *r = NULL;
    if (ktpel_regions_create(&r, NULL) != KTPEL_OK)
        return 0;
    ktpel_errbuf eb;
    if (ktpel_regions_load_csv_buffer(r, (const char *)data, size, "fuzz.csv", &eb) == KTPEL_OK) {
        for (int p = 11; p < 100; p += 11) {
            (void)ktpel_regions_province(r, p);
            (void)ktpel_regions_regency(r, p, 10);
            (void)ktpel_regions_district(r, p, 10, 1);
            (void)ktpel_regions_has_districts(r, p, 10);
        }
    }
    ktpel_regions_free(r);
    return 0;
}
