/* Fuzz target: a signature pad's pen points (ktpel_pen_trace_parse), then the normalised
 * signature drawn from whatever was accepted. */
#include <stddef.h>
#include <stdint.h>

#include "ktpel/signature.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ktpel_pen_trace t = {0};
    if (ktpel_pen_trace_parse((const char *)data, size, &t, NULL) == KTPEL_OK) {
        ktpel_image sig = {0};
        /* Small traces only: rendering is the slow part and not what is fuzzed. */
        if (t.count <= 2000)
            (void)ktpel_signature_from_pen(&t, &sig, NULL);
        ktpel_image_free(&sig);
    }
    ktpel_pen_trace_free(&t);
    return 0;
}
