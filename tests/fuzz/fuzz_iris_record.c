/* Fuzz target: ISO/IEC 19794-6 style iris image records (match/iris_record.c). Whatever the
 * reader accepts must write back into a record that reads as the same images. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ktpel/iris.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ktpel_iris_record_image *r = NULL;
    int n = 0;
    ktpel_errbuf eb;
    ktpel_errbuf_clear(&eb);
    if (ktpel_iris_record_read(data, size, &r, &n, &eb) != KTPEL_OK) {
        if (eb.message[0] == '\0' || r != NULL || n != 0)
            abort();
        return 0;
    }
    uint8_t *buf = NULL;
    size_t len = 0;
    if (ktpel_iris_record_write(r, n, &buf, &len, NULL) != KTPEL_OK)
        abort();
    ktpel_iris_record_image *back = NULL;
    int m = 0;
    if (ktpel_iris_record_read(buf, len, &back, &m, NULL) != KTPEL_OK || m != n)
        abort();
    for (int i = 0; i < n; i++) {
        const ktpel_image *a = &r[i].image, *b = &back[i].image;
        if (a->width != b->width || a->height != b->height || r[i].eye != back[i].eye ||
            r[i].quality != back[i].quality ||
            memcmp(a->data, b->data, (size_t)a->width * (size_t)a->height) != 0)
            abort();
    }
    free(buf);
    ktpel_iris_record_free(r, n);
    ktpel_iris_record_free(back, m);
    return 0;
}
