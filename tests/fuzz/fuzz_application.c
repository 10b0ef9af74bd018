/* Fuzz target: the application file parser, then the whole check. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "ktpel/application.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ktpel_application *app = malloc(sizeof *app);
    ktpel_regions *r = NULL;
    if (app && ktpel_regions_create(&r, NULL) == KTPEL_OK) {
        ktpel_errbuf eb;
        if (ktpel_application_parse((const char *)data, size, "fuzz.txt", app, &eb) == KTPEL_OK) {
            ktpel_application_result res;
            (void)ktpel_application_check(app, r, &res, &eb);
        }
    }
    ktpel_regions_free(r);
    free(app);
    return 0;
}
