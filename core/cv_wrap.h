/* The OpenCV wrapper: the only place in ktpel that sees OpenCV. A small extern "C" API of
 * exactly what ktpel uses; no OpenCV type appears here. Internal to core/. */
#ifndef KTPEL_CV_WRAP_H
#define KTPEL_CV_WRAP_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Decodes PNG, TIFF, BMP, PGM (anything OpenCV's imdecode reads) into 8-bit pixels, grey
 * (channels 1) or RGB (channels 3), rows packed. On success *pixels is malloc'd and 0 is
 * returned; on failure -1 and a message in err. */
int ktpel_cv_decode(const uint8_t *buf, size_t len, int channels, int *width, int *height,
                    uint8_t **pixels, char *err, size_t err_size);

/* Encodes packed 8-bit grey or RGB pixels in the format of ext (".png", ".tif", ".bmp",
 * ".pgm"). For TIFF, dpi (if > 0) is written as XResolution/YResolution in inches. On
 * success *out is malloc'd and 0 is returned; on failure -1 and a message in err. */
int ktpel_cv_encode(const uint8_t *pixels, int width, int height, int channels, const char *ext,
                    int dpi, uint8_t **out, size_t *out_len, char *err, size_t err_size);

#ifdef __cplusplus
}
#endif

#endif
