/* Fuzz target: image header parsers and decoders (JPEG, PNG, TIFF, BMP, PGM). */
#include <stdint.h>
#include <stdlib.h>

#include "ktpel/image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int dpi;
    ktpel_image_probe_dpi(data, size, &dpi, NULL);
    ktpel_image img;
    if (ktpel_image_decode(data, size, KTPEL_IMAGE_GREY, 500, &img, NULL) == KTPEL_OK)
        ktpel_image_free(&img);
    return 0;
}
