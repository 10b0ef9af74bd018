/* Internal to core/: what the image header parsers read before any pixel is decoded. */
#ifndef KTPEL_IMAGE_INTERNAL_H
#define KTPEL_IMAGE_INTERNAL_H

#include "ktpel/image.h"

typedef struct image_header {
    ktpel_image_format format;
    int width;  /* 0 if the header does not say */
    int height; /* 0 if the header does not say */
    int dpi;    /* 0 if the file carries no resolution */
} image_header;

/* Reads format, size and resolution from the encoded bytes, checking the header's
 * structure (lengths, offsets) without decoding pixels. */
ktpel_err image_read_header(const uint8_t *buf, size_t len, image_header *hdr, ktpel_errbuf *eb);

/* Writes dpi into an encoded image in place or by inserting a chunk (PNG). *buf may be
 * reallocated. Formats without a resolution field are left unchanged. */
ktpel_err image_store_dpi(ktpel_image_format fmt, int dpi, uint8_t **buf, size_t *len,
                          ktpel_errbuf *eb);

/* TurboJPEG codec. */
ktpel_err image_jpeg_decode(const uint8_t *buf, size_t len, ktpel_image_mode mode, ktpel_image *out,
                            ktpel_errbuf *eb);
ktpel_err image_jpeg_encode(const ktpel_image *img, int quality, uint8_t **out, size_t *out_len,
                            ktpel_errbuf *eb);

#endif
