/* The print on the front of the KTP-el: an ID-1 card, 85.60 x 53.98 mm (docs/card-print.md).
 *
 * Layout, in millimetres from the top left corner: the PROVINSI and KABUPATEN/KOTA header
 * centred on top; NIK; then the fields in card order, a label column, ":" and the value
 * (Jenis Kelamin and Gol. Darah share a row; RT/RW, Kel/Desa and Kecamatan are indented
 * under Alamat); on the right the photo (3:4), under it the place and date of issue and the
 * signature.
 *
 * Text is laid out with pango and drawn with cairo, in the same millimetre geometry for the
 * PNG (raster, resolution recorded in its pHYs chunk) and the PDF (vector, a page of the
 * card's real size for the card printer). Every text has a box; a text that does not fit
 * its box on one line at its nominal size is shrunk in steps of 0.25 pt down to its
 * minimum, then wrapped onto more lines where its box is tall enough, and as a last resort
 * cut with an ellipsis ("..."). What happened to every text is in the report, with the box
 * and the ink extents actually drawn, so that callers and tests can see that nothing
 * crossed its box or the card's edge.
 *
 * No global state; fonts come from fontconfig ("DejaVu Sans", fonts-dejavu-core).
 */
#ifndef KTPEL_CARD_PRINT_H
#define KTPEL_CARD_PRINT_H

#include <stdbool.h>
#include <stddef.h>

#include "ktpel/date.h"
#include "ktpel/error.h"
#include "ktpel/image.h"
#include "ktpel/resident.h"

#ifdef __cplusplus
extern "C" {
#endif

#define KTPEL_CARD_WIDTH_MM  85.60
#define KTPEL_CARD_HEIGHT_MM 53.98
/* The PNG's resolution: 1011 x 638 pixels. */
#define KTPEL_CARD_DPI             300
#define KTPEL_CARD_ISSUE_PLACE_MAX 40

typedef struct ktpel_card_input {
    const ktpel_resident *resident; /* must pass its fields' own checks */
    const char *issue_place;        /* as printed, "KAB. DHARMASRAYA"; 1..40 characters */
    ktpel_date issue_date;
    const ktpel_image *photo;     /* grey or RGB, any size: cropped to 3:4 and scaled */
    const ktpel_image *signature; /* dark ink on a light ground: scaled to fit its box */
} ktpel_card_input;

/* A rectangle in millimetres from the card's top left corner. */
typedef struct ktpel_card_rect {
    double x, y, w, h;
} ktpel_card_rect;

/* What happened to one text. */
typedef struct ktpel_card_text {
    char name[32];       /* "nama", "label nama", "header provinsi", "issue date", ... */
    ktpel_card_rect box; /* where it may be drawn */
    ktpel_card_rect ink; /* where it was drawn (pango's ink extents); w == 0 if blank */
    double nominal_pt, size_pt;
    int lines;
    bool shrunk, wrapped, ellipsized;
} ktpel_card_text;

#define KTPEL_CARD_MAX_TEXTS 64

typedef struct ktpel_card_report {
    size_t count;
    ktpel_card_text texts[KTPEL_CARD_MAX_TEXTS];
    int shrunk, wrapped, ellipsized;  /* how many texts */
    ktpel_card_rect photo, signature; /* boxes of the two images */
} ktpel_card_report;

/* The printed text of the resident record's field i (0..KTPEL_FIELD_COUNT-1, card order as
 * ktpel_resident_field_name) into buf, as on the card and in the chip's DG1: dates
 * DD-MM-YYYY, closed lists by their printed names, RT/RW as "001/002", Berlaku Hingga
 * "SEUMUR HIDUP" or a date. Empty for an out-of-range i. Returns buf. */
char *ktpel_card_field_text(const ktpel_resident *r, size_t i, char *buf, size_t size);
/* Largest printed field in bytes, NUL included (the address). */
#define KTPEL_CARD_FIELD_TEXT_MAX KTPEL_TEXT_BYTES(KTPEL_ALAMAT_MAX)

/* Renders the card into a new RGB image at `dpi` (72..1200), with the dpi recorded in it.
 * At KTPEL_CARD_DPI the image is 1011 x 638 pixels. report may be NULL. */
ktpel_err ktpel_card_render(const ktpel_card_input *in, int dpi, ktpel_image *out,
                            ktpel_card_report *report, ktpel_errbuf *eb);
/* Renders at KTPEL_CARD_DPI and writes a PNG (with its pHYs resolution), atomically. */
ktpel_err ktpel_card_write_png(const ktpel_card_input *in, const char *path,
                               ktpel_card_report *report, ktpel_errbuf *eb);
/* Writes a one-page PDF of the card's size (242.65 x 153.01 pt), atomically. */
ktpel_err ktpel_card_write_pdf(const ktpel_card_input *in, const char *path,
                               ktpel_card_report *report, ktpel_errbuf *eb);

/* Frees the font caches that pango, cairo and fontconfig keep for the whole process. Only
 * for the very end of a program that renders cards, when no thread renders any more and
 * nothing else in the process uses those libraries: it makes leak checkers (ASan's
 * LeakSanitizer) see a clean exit. Rendering again afterwards loads the caches again. */
void ktpel_card_print_release_caches(void);

#ifdef __cplusplus
}
#endif

#endif
