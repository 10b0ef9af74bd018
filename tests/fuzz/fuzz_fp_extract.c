/* Fuzz target of the fingerprint extractor: arbitrary pixels at arbitrary small sizes and
 * resolutions must give a result or an error, never a crash, a hang or a leak.
 *
 * Input: byte 0 -> width 32..63, byte 1 -> height 32..63, byte 2 -> resolution (unknown,
 * 250, 500, 569 or 1000 dpi), then the pixels, repeated to fill the image. */
#include <stdint.h>
#include <stdlib.h>

#include "ktpel/fp_extract.h"
#include "ktpel/image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int dpis[] = {0, 250, 500, 569, 1000};
    if (size < 4)
        return 0;
    int w = 32 + data[0] % 32, h = 32 + data[1] % 32, dpi = dpis[data[2] % 5];
    ktpel_image img;
    if (ktpel_image_alloc(&img, w, h, 1, dpi, NULL) != KTPEL_OK)
        return 0;
    size_t npix = size - 3;
    for (size_t i = 0; i < (size_t)w * (size_t)h; i++)
        img.data[i] = data[3 + i % npix];
    ktpel_fp_features *f = malloc(sizeof *f);
    if (f) {
        ktpel_errbuf eb;
        if (ktpel_fp_extract(&img, NULL, f, &eb) == KTPEL_OK) {
            if (f->count < 0 || f->count > KTPEL_MAX_MINUTIAE || f->quality < 0 || f->quality > 100)
                abort();
            for (int i = 0; i < f->count; i++)
                if (f->minutiae[i].x >= w || f->minutiae[i].y >= h)
                    abort();
        }
        free(f);
    }
    ktpel_image_free(&img);
    return 0;
}
