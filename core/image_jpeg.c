/* JPEG through libjpeg-turbo's TurboJPEG API. A handle is created per call: TurboJPEG
 * handles are not shareable between threads and ktpel keeps no global state. */
#include <stdlib.h>
#include <string.h>

#include <turbojpeg.h>

#include "image_internal.h"

ktpel_err image_jpeg_decode(const uint8_t *buf, size_t len, ktpel_image_mode mode, ktpel_image *out,
                            ktpel_errbuf *eb)
{
    tjhandle tj = tjInitDecompress();
    if (!tj)
        return ktpel_fail(eb, KTPEL_EINTERNAL, "JPEG: cannot create a TurboJPEG decoder");
    int width, height, subsamp, colorspace;
    ktpel_err rc = KTPEL_OK;
    if (tjDecompressHeader3(tj, buf, (unsigned long)len, &width, &height, &subsamp, &colorspace) !=
        0) {
        rc = ktpel_fail(eb, KTPEL_EFORMAT, "JPEG: %s", tjGetErrorStr2(tj));
        goto done;
    }
    rc = ktpel_image_alloc(out, width, height, (int)mode, out->dpi, eb);
    if (rc != KTPEL_OK)
        goto done;
    int pf = mode == KTPEL_IMAGE_GREY ? TJPF_GRAY : TJPF_RGB;
    if (tjDecompress2(tj, buf, (unsigned long)len, out->data, width, 0, height, pf,
                      TJFLAG_ACCURATEDCT) != 0) {
        /* Warnings (e.g. premature end of data) still give an image; errors do not. */
        if (tjGetErrorCode(tj) == TJERR_FATAL) {
            rc = ktpel_fail(eb, KTPEL_EFORMAT, "JPEG: %s", tjGetErrorStr2(tj));
            ktpel_image_free(out);
        }
    }
done:
    tjDestroy(tj);
    return rc;
}

ktpel_err image_jpeg_encode(const ktpel_image *img, int quality, uint8_t **out, size_t *out_len,
                            ktpel_errbuf *eb)
{
    tjhandle tj = tjInitCompress();
    if (!tj)
        return ktpel_fail(eb, KTPEL_EINTERNAL, "JPEG: cannot create a TurboJPEG encoder");
    unsigned char *jpeg = NULL;
    unsigned long jpeg_len = 0;
    int grey = img->channels == 1;
    ktpel_err rc = KTPEL_OK;
    if (tjCompress2(tj, img->data, img->width, 0, img->height, grey ? TJPF_GRAY : TJPF_RGB, &jpeg,
                    &jpeg_len, grey ? TJSAMP_GRAY : TJSAMP_420, quality, TJFLAG_ACCURATEDCT) != 0) {
        rc = ktpel_fail(eb, KTPEL_EINTERNAL, "JPEG: %s", tjGetErrorStr2(tj));
    } else {
        /* Hand back a malloc'd copy so that callers free() every encoded buffer alike. */
        *out = malloc(jpeg_len);
        if (!*out)
            rc = ktpel_fail(eb, KTPEL_ENOMEM, "JPEG: out of memory");
        else {
            memcpy(*out, jpeg, jpeg_len);
            *out_len = jpeg_len;
        }
    }
    tjFree(jpeg);
    tjDestroy(tj);
    return rc;
}
