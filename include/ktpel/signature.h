/* Signature capture at the enrolment station: the signature image that goes into the
 * enrolment, from a scanned or photographed signature, or from a signature pad's pen points.
 *
 * Both paths end in the same normalised image: ink cropped (with a small margin), binarised
 * (black ink on white), scaled to fit KTPEL_SIGNATURE_OUT_WIDTH x KTPEL_SIGNATURE_OUT_HEIGHT
 * keeping its proportions, centred, at KTPEL_SIGNATURE_DPI (include/ktpel/synth_signature.h).
 *
 * Pen points are text (what `ktpel synth` writes as signature_N.csv, docs/synth-format.md):
 *
 *     t_ms,x_mm,y_mm,pressure,stroke
 *     0,12.50,20.10,310,0
 *     5,12.61,20.02,402,0
 *     ...
 *
 * one sample per line: time in milliseconds since the first sample (not decreasing), the pen
 * position in millimetres on the pad (0..KTPEL_SIGNATURE_PAD_WIDTH_MM across,
 * 0..KTPEL_SIGNATURE_PAD_HEIGHT_MM down), the pressure 1..KTPEL_SIGNATURE_PRESSURE_MAX, and
 * the pen-down stroke number (from 0, going up by one where the pen was lifted). Lines may
 * end in CRLF; empty lines and lines starting with '#' are skipped. At most
 * KTPEL_SIGNATURE_MAX_POINTS samples.
 *
 * No global state.
 */
#ifndef KTPEL_SIGNATURE_H
#define KTPEL_SIGNATURE_H

#include <stddef.h>

#include "ktpel/error.h"
#include "ktpel/image.h"
#include "ktpel/synth_signature.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The normalised signature image: 3 x 1.2 inches at KTPEL_SIGNATURE_DPI (200). */
#define KTPEL_SIGNATURE_OUT_WIDTH  600
#define KTPEL_SIGNATURE_OUT_HEIGHT 240
/* Most samples accepted from a pad (over 8 minutes at 200 Hz). */
#define KTPEL_SIGNATURE_MAX_POINTS 100000

/* Parses pen points (format above) into out (free with ktpel_pen_trace_free). Errors give
 * the line number and the offending field. */
ktpel_err ktpel_pen_trace_parse(const char *text, size_t len, ktpel_pen_trace *out,
                                ktpel_errbuf *eb);

/* Reads and parses a pen point file; errors name the file. */
ktpel_err ktpel_pen_trace_read(const char *path, ktpel_pen_trace *out, ktpel_errbuf *eb);

/* The normalised signature from a scan or photo (grey or RGB, dark ink on light paper):
 * Otsu threshold, crop to the ink, scale into the output size. KTPEL_EFORMAT if no ink is
 * found or "ink" covers most of the image (not a signature on paper). */
ktpel_err ktpel_signature_from_image(const ktpel_image *scan, ktpel_image *out, ktpel_errbuf *eb);

/* The normalised signature from pen points: drawn as on paper (ktpel_pen_trace_render), then
 * normalised as a scan is. */
ktpel_err ktpel_signature_from_pen(const ktpel_pen_trace *trace, ktpel_image *out,
                                   ktpel_errbuf *eb);

/* Otsu's threshold of a grey image (the level that best separates two classes); exposed for
 * tests. Pixels <= *level are ink. KTPEL_EFORMAT if the image has a single grey level. */
ktpel_err ktpel_signature_otsu(const ktpel_image *grey, int *level, ktpel_errbuf *eb);

#ifdef __cplusplus
}
#endif

#endif
