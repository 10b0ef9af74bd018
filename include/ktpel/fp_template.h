/* Finger minutiae records in the ISO/IEC 19794-2:2005 format (the record-format minutiae
 * template exchanged between the station, the data center and the chip).
 *
 * Layout (all integers big-endian):
 *   header, 24 bytes:
 *     "FMR\0"  format identifier
 *     " 20\0"  version
 *     4 bytes  length of the whole record in bytes
 *     2 bytes  capture equipment: 4 bits compliance, 12 bits equipment ID
 *     2+2      image width and height in pixels
 *     2+2      x and y resolution in pixels per centimetre
 *     1        number of finger views (at least 1)
 *     1        reserved (0)
 *   per finger view:
 *     1        finger position (0 unknown, 1..10 right thumb .. left little)
 *     1        view number (high 4 bits) and impression type (low 4 bits)
 *     1        finger quality 0..100
 *     1        number of minutiae
 *     6 each   minutia: type (2 bits: 01 ending, 10 bifurcation, 00 other) + x (14 bits);
 *              reserved (2 bits) + y (14 bits); angle (1 byte, 360/256 degrees,
 *              counter-clockwise); quality (1 byte, 0..100, 0 = not reported)
 *     2        extended data block length, then that many bytes of areas:
 *              type (2 bytes), length (2 bytes), data.
 *
 * The 2005 format has only the 4-byte record length. The 2-byte or 6-byte length (2 bytes
 * 0, then 4 bytes) belongs to ANSI/INCITS 378, a different format; such a record is
 * rejected with a message that says so.
 *
 * Reading is strict: a record is either read entirely and consistently or rejected with an
 * error naming the field and its value. Extended data is validated for bounds and skipped.
 */
#ifndef KTPEL_FP_TEMPLATE_H
#define KTPEL_FP_TEMPLATE_H

#include <stddef.h>
#include <stdint.h>

#include "ktpel/error.h"
#include "ktpel/minutiae.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Most finger views ktpel keeps in one record; records with more are rejected
 * (KTPEL_ETOOBIG). Ten fingers with a spare view for some of them fit. */
#define KTPEL_FP_MAX_VIEWS 16

/* Size of the record header and of a finger view without its minutiae and extended data. */
#define KTPEL_ISO19794_2_HEADER_SIZE      24
#define KTPEL_ISO19794_2_VIEW_HEADER_SIZE 4
#define KTPEL_ISO19794_2_MINUTIA_SIZE     6

/* Impression types of ISO/IEC 19794-2. */
enum {
    KTPEL_FP_IMPRESSION_LIVE_PLAIN = 0,
    KTPEL_FP_IMPRESSION_LIVE_ROLLED = 1,
    KTPEL_FP_IMPRESSION_NONLIVE_PLAIN = 2,
    KTPEL_FP_IMPRESSION_NONLIVE_ROLLED = 3,
    KTPEL_FP_IMPRESSION_SWIPE = 8,
};

typedef struct ktpel_fp_view {
    uint8_t position;    /* 0 unknown, 1..10 */
    uint8_t view_number; /* 0..15 */
    uint8_t impression;  /* KTPEL_FP_IMPRESSION_* */
    uint8_t quality;     /* 0..100 */
    int count;           /* minutiae, 0..KTPEL_MAX_MINUTIAE */
    ktpel_minutia minutiae[KTPEL_MAX_MINUTIAE];
} ktpel_fp_view;

/* A finger minutiae record in memory (about 33 KB: allocate it, do not put it on a small
 * stack). */
typedef struct ktpel_fp_template {
    uint8_t equipment_compliance; /* 0..15 */
    uint16_t equipment_id;        /* 0..4095 */
    int width, height;            /* image size in pixels, 1..65535 */
    int x_res, y_res;             /* pixels per centimetre, 1..65535 (500 dpi = 197) */
    int view_count;               /* 1..KTPEL_FP_MAX_VIEWS */
    ktpel_fp_view views[KTPEL_FP_MAX_VIEWS];
} ktpel_fp_template;

/* True if buf starts like an ISO/IEC 19794-2 record ("FMR\0"). */
int ktpel_iso19794_2_sniff(const uint8_t *buf, size_t len);

/* Parses a whole record. Errors: KTPEL_EINVAL (NULL arguments), KTPEL_EFORMAT (bad magic,
 * record length that disagrees with len, trailing bytes, zero views, zero image size or
 * resolution, minutia outside the image, bad extended data), KTPEL_EUNSUPPORTED (other
 * version, ANSI/INCITS 378 length form), KTPEL_ETRUNCATED (data ends inside a field),
 * KTPEL_ETOOBIG (more views than KTPEL_FP_MAX_VIEWS), KTPEL_EFIELD (a field out of its
 * range: finger position, quality, minutia type). */
ktpel_err ktpel_iso19794_2_read(const uint8_t *buf, size_t len, ktpel_fp_template *out,
                                ktpel_errbuf *eb);

/* Reads a record from a file; errors are prefixed with the file name. */
ktpel_err ktpel_iso19794_2_read_file(const char *path, ktpel_fp_template *out, ktpel_errbuf *eb);

/* Size in bytes of the record that ktpel_iso19794_2_write would produce (0 if t is NULL). */
size_t ktpel_iso19794_2_size(const ktpel_fp_template *t);

/* Encodes t into a malloc'd buffer (*out, *out_len; free() it). The template is validated
 * first with the same rules as reading, so what is written can be read back. No extended
 * data is written. */
ktpel_err ktpel_iso19794_2_write(const ktpel_fp_template *t, uint8_t **out, size_t *out_len,
                                 ktpel_errbuf *eb);

/* Encodes and writes a file atomically (temporary file, then rename). */
ktpel_err ktpel_iso19794_2_write_file(const char *path, const ktpel_fp_template *t,
                                      ktpel_errbuf *eb);

/* Fills t with one live-scan plain view of the given minutiae (copied, count <=
 * KTPEL_MAX_MINUTIAE), image size and resolution in dpi (converted to pixels per cm,
 * rounded). Position and quality are 0 (unknown) unless set afterwards. */
ktpel_err ktpel_fp_template_init(ktpel_fp_template *t, int width, int height, int dpi,
                                 const ktpel_minutia *minutiae, int count, ktpel_errbuf *eb);

/* Resolution of a template in dots per inch (x resolution; rounded). */
int ktpel_fp_template_dpi(const ktpel_fp_template *t);

#ifdef __cplusplus
}
#endif

#endif
