/* Images in memory and the choice of codec (see include/ktpel/image.h). */
#include "ktpel/image.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cv_wrap.h"
#include "image_internal.h"
#include "ktpel/file.h"

/* Largest encoded image file accepted. */
#define MAX_FILE_BYTES (256u * 1024u * 1024u)

ktpel_err ktpel_image_alloc(ktpel_image *img, int width, int height, int channels, int dpi,
                            ktpel_errbuf *eb)
{
    if (!img)
        return ktpel_fail(eb, KTPEL_EINVAL, "image: NULL image");
    memset(img, 0, sizeof *img);
    if (channels != 1 && channels != 3)
        return ktpel_fail(eb, KTPEL_EINVAL, "image: %d channels (1 or 3 supported)", channels);
    if (width <= 0 || height <= 0 || width > KTPEL_IMAGE_MAX_SIDE ||
        height > KTPEL_IMAGE_MAX_SIDE || (size_t)width * (size_t)height > KTPEL_IMAGE_MAX_PIXELS)
        return ktpel_fail(eb, KTPEL_ETOOBIG, "image: size %dx%d out of range", width, height);
    if (dpi < 0)
        return ktpel_fail(eb, KTPEL_EINVAL, "image: negative resolution %d dpi", dpi);
    img->data = calloc((size_t)width * (size_t)height, (size_t)channels);
    if (!img->data)
        return ktpel_fail(eb, KTPEL_ENOMEM, "image: out of memory for %dx%d", width, height);
    img->width = width;
    img->height = height;
    img->channels = channels;
    img->dpi = dpi;
    return KTPEL_OK;
}

void ktpel_image_free(ktpel_image *img)
{
    if (!img)
        return;
    free(img->data);
    memset(img, 0, sizeof *img);
}

static ktpel_err check_image(const ktpel_image *img, ktpel_errbuf *eb)
{
    if (!img || !img->data || img->width <= 0 || img->height <= 0 ||
        (img->channels != 1 && img->channels != 3))
        return ktpel_fail(eb, KTPEL_EINVAL, "image: empty or invalid image");
    return KTPEL_OK;
}

ktpel_err ktpel_image_copy(const ktpel_image *src, ktpel_image *dst, ktpel_errbuf *eb)
{
    ktpel_err rc = check_image(src, eb);
    if (rc == KTPEL_OK)
        rc = ktpel_image_alloc(dst, src->width, src->height, src->channels, src->dpi, eb);
    if (rc == KTPEL_OK)
        memcpy(dst->data, src->data, (size_t)src->width * src->height * src->channels);
    return rc;
}

ktpel_err ktpel_image_convert(const ktpel_image *src, ktpel_image_mode mode, ktpel_image *dst,
                              ktpel_errbuf *eb)
{
    ktpel_err rc = check_image(src, eb);
    if (rc != KTPEL_OK)
        return rc;
    if ((int)mode == src->channels)
        return ktpel_image_copy(src, dst, eb);
    rc = ktpel_image_alloc(dst, src->width, src->height, (int)mode, src->dpi, eb);
    if (rc != KTPEL_OK)
        return rc;
    size_t n = (size_t)src->width * src->height;
    if (mode == KTPEL_IMAGE_GREY) {
        for (size_t i = 0; i < n; i++) {
            const uint8_t *p = src->data + 3 * i;
            /* BT.601 luma in 16-bit fixed point: 0.299 R + 0.587 G + 0.114 B */
            dst->data[i] = (uint8_t)((19595u * p[0] + 38470u * p[1] + 7471u * p[2] + 32768u) >> 16);
        }
    } else {
        for (size_t i = 0; i < n; i++)
            memset(dst->data + 3 * i, src->data[i], 3);
    }
    return KTPEL_OK;
}

ktpel_image_format ktpel_image_format_from_name(const char *path)
{
    const char *dot = path ? strrchr(path, '.') : NULL;
    if (!dot)
        return KTPEL_IMAGE_FORMAT_UNKNOWN;
    static const struct {
        const char *ext;
        ktpel_image_format fmt;
    } table[] = {
        {".jpg", KTPEL_IMAGE_FORMAT_JPEG},  {".jpeg", KTPEL_IMAGE_FORMAT_JPEG},
        {".png", KTPEL_IMAGE_FORMAT_PNG},   {".tif", KTPEL_IMAGE_FORMAT_TIFF},
        {".tiff", KTPEL_IMAGE_FORMAT_TIFF}, {".bmp", KTPEL_IMAGE_FORMAT_BMP},
        {".pgm", KTPEL_IMAGE_FORMAT_PGM},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (strcasecmp(dot, table[i].ext) == 0)
            return table[i].fmt;
    return KTPEL_IMAGE_FORMAT_UNKNOWN;
}

const char *ktpel_image_format_name(ktpel_image_format fmt)
{
    switch (fmt) {
    case KTPEL_IMAGE_FORMAT_JPEG:
        return "JPEG";
    case KTPEL_IMAGE_FORMAT_PNG:
        return "PNG";
    case KTPEL_IMAGE_FORMAT_TIFF:
        return "TIFF";
    case KTPEL_IMAGE_FORMAT_BMP:
        return "BMP";
    case KTPEL_IMAGE_FORMAT_PGM:
        return "PGM";
    default:
        return "unknown";
    }
}

ktpel_err ktpel_image_decode(const uint8_t *buf, size_t len, ktpel_image_mode mode, int default_dpi,
                             ktpel_image *out, ktpel_errbuf *eb)
{
    if (!out)
        return ktpel_fail(eb, KTPEL_EINVAL, "image decode: NULL output");
    memset(out, 0, sizeof *out);
    if (mode != KTPEL_IMAGE_GREY && mode != KTPEL_IMAGE_RGB)
        return ktpel_fail(eb, KTPEL_EINVAL, "image decode: mode %d (1 grey or 3 RGB)", mode);
    image_header hdr;
    ktpel_err rc = image_read_header(buf, len, &hdr, eb);
    if (rc != KTPEL_OK)
        return rc;
    int dpi = hdr.dpi > 0 ? hdr.dpi : (default_dpi > 0 ? default_dpi : 0);
    if (hdr.format == KTPEL_IMAGE_FORMAT_JPEG) {
        out->dpi = dpi;
        return image_jpeg_decode(buf, len, mode, out, eb);
    }
    int width = 0, height = 0;
    uint8_t *pixels = NULL;
    char why[256];
    if (ktpel_cv_decode(buf, len, (int)mode, &width, &height, &pixels, why, sizeof why) != 0)
        return ktpel_fail(eb, KTPEL_EFORMAT, "%s: cannot decode: %s",
                          ktpel_image_format_name(hdr.format), why);
    if ((hdr.width && width != hdr.width) || (hdr.height && height != hdr.height)) {
        free(pixels);
        return ktpel_fail(eb, KTPEL_EFORMAT, "%s: decoded %dx%d but the header says %dx%d",
                          ktpel_image_format_name(hdr.format), width, height, hdr.width,
                          hdr.height);
    }
    out->width = width;
    out->height = height;
    out->channels = (int)mode;
    out->dpi = dpi;
    out->data = pixels;
    return KTPEL_OK;
}

ktpel_err ktpel_image_read(const char *path, ktpel_image_mode mode, int default_dpi,
                           ktpel_image *out, ktpel_errbuf *eb)
{
    if (!path || !out)
        return ktpel_fail(eb, KTPEL_EINVAL, "image read: NULL argument");
    memset(out, 0, sizeof *out);
    uint8_t *buf = NULL;
    size_t len = 0;
    ktpel_err rc = ktpel_file_read(path, MAX_FILE_BYTES, &buf, &len, eb);
    if (rc != KTPEL_OK)
        return rc;
    rc = ktpel_image_decode(buf, len, mode, default_dpi, out, eb);
    free(buf);
    if (rc != KTPEL_OK)
        ktpel_fail_context(eb, "%s: ", path);
    return rc;
}

ktpel_err ktpel_image_encode(const ktpel_image *img, ktpel_image_format fmt, int quality,
                             uint8_t **out, size_t *out_len, ktpel_errbuf *eb)
{
    ktpel_err rc = check_image(img, eb);
    if (rc != KTPEL_OK)
        return rc;
    if (!out || !out_len)
        return ktpel_fail(eb, KTPEL_EINVAL, "image encode: NULL output");
    *out = NULL;
    *out_len = 0;
    if (quality == 0)
        quality = 90;
    if (quality < 1 || quality > 100)
        return ktpel_fail(eb, KTPEL_EINVAL, "image encode: JPEG quality %d (1..100)", quality);
    const char *ext;
    switch (fmt) {
    case KTPEL_IMAGE_FORMAT_JPEG:
        rc = image_jpeg_encode(img, quality, out, out_len, eb);
        goto resolution;
    case KTPEL_IMAGE_FORMAT_PNG:
        ext = ".png";
        break;
    case KTPEL_IMAGE_FORMAT_TIFF:
        ext = ".tif";
        break;
    case KTPEL_IMAGE_FORMAT_BMP:
        ext = ".bmp";
        break;
    case KTPEL_IMAGE_FORMAT_PGM:
        if (img->channels != 1)
            return ktpel_fail(eb, KTPEL_EINVAL, "PGM holds grey images only");
        ext = ".pgm";
        break;
    default:
        return ktpel_fail(eb, KTPEL_EUNSUPPORTED, "image encode: unknown format");
    }
    char why[256];
    if (ktpel_cv_encode(img->data, img->width, img->height, img->channels, ext, img->dpi, out,
                        out_len, why, sizeof why) != 0)
        return ktpel_fail(eb, KTPEL_EINTERNAL, "%s: cannot encode: %s",
                          ktpel_image_format_name(fmt), why);
resolution:
    if (rc == KTPEL_OK)
        rc = image_store_dpi(fmt, img->dpi, out, out_len, eb);
    if (rc != KTPEL_OK) {
        free(*out);
        *out = NULL;
        *out_len = 0;
    }
    return rc;
}

ktpel_err ktpel_image_write(const char *path, const ktpel_image *img, int quality, ktpel_errbuf *eb)
{
    if (!path)
        return ktpel_fail(eb, KTPEL_EINVAL, "image write: NULL path");
    ktpel_image_format fmt = ktpel_image_format_from_name(path);
    if (fmt == KTPEL_IMAGE_FORMAT_UNKNOWN)
        return ktpel_fail(eb, KTPEL_EUNSUPPORTED,
                          "%s: unknown image extension (use .jpg .png .tif .bmp .pgm)", path);
    uint8_t *buf = NULL;
    size_t len = 0;
    ktpel_err rc = ktpel_image_encode(img, fmt, quality, &buf, &len, eb);
    if (rc != KTPEL_OK)
        return ktpel_fail_context(eb, "%s: ", path);

    rc = ktpel_file_write_atomic(path, buf, len, eb);
    free(buf);
    return rc;
}
