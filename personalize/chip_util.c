/* Making biometric data small enough for the chip: the best minutiae of a finger, a face or
 * signature JPEG within a byte budget. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ktpel/chip.h"
#include "ktpel/imgproc.h"

typedef struct ranked {
    int index;
    int quality;
    double distance; /* squared, from the centroid */
} ranked;

static int by_rank(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->quality != y->quality)
        return y->quality - x->quality;
    if (x->distance != y->distance)
        return x->distance < y->distance ? -1 : 1;
    return x->index - y->index;
}

static int by_index(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    return x->index - y->index;
}

static void reduce_view(ktpel_fp_view *v, int max)
{
    if (v->count <= max)
        return;
    double cx = 0, cy = 0;
    for (int i = 0; i < v->count; i++) {
        cx += v->minutiae[i].x;
        cy += v->minutiae[i].y;
    }
    cx /= v->count;
    cy /= v->count;
    ranked r[KTPEL_MAX_MINUTIAE];
    for (int i = 0; i < v->count; i++) {
        double dx = v->minutiae[i].x - cx, dy = v->minutiae[i].y - cy;
        r[i] = (ranked){i, v->minutiae[i].quality, dx * dx + dy * dy};
    }
    qsort(r, (size_t)v->count, sizeof r[0], by_rank);
    qsort(r, (size_t)max, sizeof r[0], by_index); /* keep the original order */
    ktpel_minutia kept[KTPEL_MAX_MINUTIAE];
    for (int i = 0; i < max; i++)
        kept[i] = v->minutiae[r[i].index];
    memcpy(v->minutiae, kept, (size_t)max * sizeof kept[0]);
    v->count = max;
}

void ktpel_chip_reduce_minutiae(ktpel_fp_template *t, int max)
{
    if (!t || max < 0)
        return;
    for (int i = 0; i < t->view_count && i < KTPEL_FP_MAX_VIEWS; i++)
        if (t->views[i].count > 0 && t->views[i].count <= KTPEL_MAX_MINUTIAE)
            reduce_view(&t->views[i], max);
}

ktpel_err ktpel_chip_jpeg(const ktpel_image *img, int max_width, int max_height, size_t max_bytes,
                          uint8_t **out, size_t *out_len, ktpel_errbuf *eb)
{
    if (!img || !img->data || !out || !out_len || max_width < 1 || max_height < 1)
        return ktpel_fail(eb, KTPEL_EINVAL, "ktpel_chip_jpeg: NULL or empty argument");
    double scale =
        fmin(1.0, fmin((double)max_width / img->width, (double)max_height / img->height));
    int w = (int)lround(img->width * scale), h = (int)lround(img->height * scale);
    if (w < 1)
        w = 1;
    if (h < 1)
        h = 1;
    ktpel_image small = {0};
    const ktpel_image *src = img;
    if (w != img->width || h != img->height) {
        ktpel_err err = ktpel_image_resize(img, w, h, &small, eb);
        if (err)
            return err;
        src = &small;
    }
    ktpel_err err = KTPEL_OK;
    size_t smallest = 0;
    for (int quality = 90; quality >= 30; quality -= 10) {
        uint8_t *data = NULL;
        size_t len = 0;
        if ((err = ktpel_image_encode(src, KTPEL_IMAGE_FORMAT_JPEG, quality, &data, &len, eb)))
            break;
        if (len <= max_bytes) {
            *out = data;
            *out_len = len;
            ktpel_image_free(&small);
            return KTPEL_OK;
        }
        smallest = len;
        free(data);
    }
    ktpel_image_free(&small);
    if (err)
        return err;
    return ktpel_fail(eb, KTPEL_ETOOBIG,
                      "a %dx%d JPEG needs %zu bytes even at quality 30, more than %zu", w, h,
                      smallest, max_bytes);
}
