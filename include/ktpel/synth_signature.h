/* Synthetic handwritten signatures: the pen points a signature pad records, and the image
 * drawn from them.
 *
 * The model is Plamondon's sigma-lognormal model of handwriting (R. Plamondon, M. Djioua,
 * "A multi-level representation paradigm for handwriting stroke generation", Human Movement
 * Science 25, 2006): the pen's velocity is a sum of overlapping strokes, each with a lognormal
 * speed profile
 *     |v_i(t)| = D_i / (sigma_i sqrt(2 pi) (t - t0_i)) exp(-(ln(t - t0_i) - mu_i)^2 / (2
 * sigma_i^2)) and a direction turning evenly with the distance covered, from theta_s_i to theta_e_i
 * (so each stroke alone draws a circular arc of length D_i). A writer (seed, writer) has a plan: a
 * sequence of virtual target points that make a cursive, slanted scrawl of a few letters, often
 * with an initial loop and an underline flourish, each segment one lognormal stroke. A capture
 * (seed, writer, capture) draws the plan again with the variation of a real hand: every stroke's D,
 * t0, mu, sigma and angles are perturbed a little, and the whole signature is scaled, turned, moved
 * and written a little faster or slower (as in the sigma-lognormal duplicate generation of
 * Galbally, Plamondon, Fierrez, Ortega-Garcia, Pattern Recognition 45, 2012).
 *
 * The trajectory is exact (the displacement of a lognormal stroke has a closed form), sampled
 * at KTPEL_SIGNATURE_RATE_HZ like a pad, with a pressure that falls with speed and tapers at
 * the start and end of each pen-down stroke. Coordinates are millimetres on the pad's
 * writing area, x to the right and y down, origin top left.
 *
 * Deterministic from (seed, writer, capture); no global state.
 */
#ifndef KTPEL_SYNTH_SIGNATURE_H
#define KTPEL_SYNTH_SIGNATURE_H

#include <stddef.h>
#include <stdint.h>

#include "ktpel/error.h"
#include "ktpel/image.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The pad: writing area in millimetres, sampling rate, pressure levels. */
#define KTPEL_SIGNATURE_PAD_WIDTH_MM  80.0
#define KTPEL_SIGNATURE_PAD_HEIGHT_MM 40.0
#define KTPEL_SIGNATURE_RATE_HZ       200
#define KTPEL_SIGNATURE_PRESSURE_MAX  1023

/* Resolution of rendered signature images. */
#define KTPEL_SIGNATURE_DPI 200

/* First element of the ktpel_rng_seed_path of every signature sub-stream ("SIGN"). */
#define KTPEL_SYNTH_SIGNATURE_STREAM 0x5349474Eu

/* One sample of the pad, pen down. */
typedef struct ktpel_pen_point {
    int t_ms;     /* time since the first sample, milliseconds */
    double x_mm;  /* 0..KTPEL_SIGNATURE_PAD_WIDTH_MM */
    double y_mm;  /* 0..KTPEL_SIGNATURE_PAD_HEIGHT_MM */
    int pressure; /* 1..KTPEL_SIGNATURE_PRESSURE_MAX */
    int stroke;   /* pen-down stroke number from 0; it changes where the pen was lifted */
} ktpel_pen_point;

/* A recorded signature. */
typedef struct ktpel_pen_trace {
    ktpel_pen_point *points; /* malloc'd; free with ktpel_pen_trace_free */
    size_t count;
    int strokes; /* number of pen-down strokes */
} ktpel_pen_trace;

void ktpel_pen_trace_free(ktpel_pen_trace *trace);

/* Capture `capture` of writer `writer` of the population `seed` (out is overwritten). */
ktpel_err ktpel_synth_signature_capture(uint64_t seed, uint64_t writer, uint64_t capture,
                                        ktpel_pen_trace *out, ktpel_errbuf *eb);

/* Draws a trace as it looks on paper: dark ink on white, the line width following the
 * pressure, the whole pad area at dpi (grey image; free it with ktpel_image_free). */
ktpel_err ktpel_pen_trace_render(const ktpel_pen_trace *trace, int dpi, ktpel_image *out,
                                 ktpel_errbuf *eb);

/* Writes a trace as CSV text (format in docs/synth-format.md): the header line
 * "t_ms,x_mm,y_mm,pressure,stroke", then one line per sample, millimetres with two
 * decimals. Into a malloc'd buffer (*out, *len; free() it). */
ktpel_err ktpel_pen_trace_csv(const ktpel_pen_trace *trace, char **out, size_t *len,
                              ktpel_errbuf *eb);

#ifdef __cplusplus
}
#endif

#endif
