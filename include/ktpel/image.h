/* Images in memory, with their resolution, and their codecs.
 *
 * An image is 8-bit grey (1 channel) or colour (3 channels, RGB order), rows packed
 * (stride == width * channels). The resolution travels with the image: dpi is taken from the
 * file where the format carries one (JPEG JFIF density, PNG pHYs, TIFF XResolution, BMP
 * pixels per metre), else from the caller; 0 means unknown.
 *
 * JPEG goes through libjpeg-turbo (TurboJPEG); PNG, TIFF, BMP and PGM through OpenCV.
 */
#ifndef KTPEL_IMAGE_H
#define KTPEL_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "ktpel/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Largest accepted width or height, and pixel count, for images from outside. */
#define KTPEL_IMAGE_MAX_SIDE   16384
#define KTPEL_IMAGE_MAX_PIXELS (64u * 1024u * 1024u)

typedef struct ktpel_image {
    int width;
    int height;
    int channels; /* 1 = grey, 3 = RGB */
    int dpi;      /* dots per inch; 0 = unknown */
    uint8_t *data;
} ktpel_image;

typedef enum ktpel_image_format {
    KTPEL_IMAGE_FORMAT_UNKNOWN = 0,
    KTPEL_IMAGE_FORMAT_JPEG,
    KTPEL_IMAGE_FORMAT_PNG,
    KTPEL_IMAGE_FORMAT_TIFF,
    KTPEL_IMAGE_FORMAT_BMP,
    KTPEL_IMAGE_FORMAT_PGM,
} ktpel_image_format;

/* Which colour layout to decode into. */
typedef enum ktpel_image_mode {
    KTPEL_IMAGE_GREY = 1,
    KTPEL_IMAGE_RGB = 3,
} ktpel_image_mode;

/* Allocates a zeroed image. */
ktpel_err ktpel_image_alloc(ktpel_image *img, int width, int height, int channels, int dpi,
                            ktpel_errbuf *eb);
/* Frees the pixels and zeroes the struct. NULL or an already freed image is allowed. */
void ktpel_image_free(ktpel_image *img);
/* Deep copy. */
ktpel_err ktpel_image_copy(const ktpel_image *src, ktpel_image *dst, ktpel_errbuf *eb);
/* Converts between grey and RGB (ITU-R BT.601 luma for RGB to grey) into a new image. */
ktpel_err ktpel_image_convert(const ktpel_image *src, ktpel_image_mode mode, ktpel_image *dst,
                              ktpel_errbuf *eb);

/* Format from the first bytes of a file; UNKNOWN if not recognised. */
ktpel_image_format ktpel_image_sniff(const uint8_t *buf, size_t len);
/* Format from a file name's extension; UNKNOWN if not recognised. */
ktpel_image_format ktpel_image_format_from_name(const char *path);
const char *ktpel_image_format_name(ktpel_image_format fmt);

/* Resolution stored in an encoded image, in dpi; 0 if the file carries none. Malformed
 * headers give an error. */
ktpel_err ktpel_image_probe_dpi(const uint8_t *buf, size_t len, int *dpi, ktpel_errbuf *eb);

/* Decodes an encoded image held in memory. default_dpi is used when the data carries no
 * resolution. */
ktpel_err ktpel_image_decode(const uint8_t *buf, size_t len, ktpel_image_mode mode, int default_dpi,
                             ktpel_image *out, ktpel_errbuf *eb);
/* Reads and decodes a file. Errors name the file. */
ktpel_err ktpel_image_read(const char *path, ktpel_image_mode mode, int default_dpi,
                           ktpel_image *out, ktpel_errbuf *eb);

/* Encodes into a malloc'd buffer (*out, *out_len; free() it). The resolution is written
 * where the format can hold it. quality is for JPEG only (1..100; 0 means 90). */
ktpel_err ktpel_image_encode(const ktpel_image *img, ktpel_image_format fmt, int quality,
                             uint8_t **out, size_t *out_len, ktpel_errbuf *eb);
/* Encodes in the format named by the file's extension and writes the file atomically
 * (temporary file, then rename): a failed write leaves no half-written file. */
ktpel_err ktpel_image_write(const char *path, const ktpel_image *img, int quality,
                            ktpel_errbuf *eb);

#ifdef __cplusplus
}
#endif

#endif
