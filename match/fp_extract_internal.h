/* Internal interface of the fingerprint extractor: the per-call context that carries every
 * intermediate result from one pipeline step to the next, and the steps themselves (one
 * file each, match/fp_extract_STEP.c). Nothing here is public API.
 *
 * All steps work at 500 dpi ("internal space"). Images are float, row-major, w*h. Coarse
 * fields (mask, orientation, frequency, clarity) live on a grid of FPX_CELL x FPX_CELL pixel
 * cells; cell (i, j) has its centre at pixel ((i + 0.5) * FPX_CELL, (j + 0.5) * FPX_CELL).
 *
 * Orientation convention: theta is the ridge direction in image coordinates (x right,
 * y down), modulo pi. Fields store the doubled angle as a unit vector (cos 2theta,
 * sin 2theta), the form in which orientations can be averaged.
 */
#ifndef KTPEL_FP_EXTRACT_INTERNAL_H
#define KTPEL_FP_EXTRACT_INTERNAL_H

#include <stdint.h>

#include "ktpel/error.h"
#include "ktpel/fp_extract.h"

#define FPX_DPI  500
#define FPX_PI   3.14159265358979323846
#define FPX_CELL 8
/* Ridge period (pixels at 500 dpi) assumed where none can be measured, and the range
 * accepted as plausible for human fingers (about 0.25 to 0.8 mm). */
#define FPX_PERIOD_DEFAULT 9.0f
#define FPX_PERIOD_MIN     4.5f
#define FPX_PERIOD_MAX     16.0f

/* A minutia in internal space, before mapping back to the input image. */
typedef struct fpx_minutia {
    float x, y;
    float angle; /* radians, ISO sense: counter-clockwise on screen, along the "Y" gap */
    int type;    /* ktpel_minutia_type */
    int quality; /* 0..100 */
} fpx_minutia;

typedef struct fpx_ctx {
    int w, h;   /* internal image size */
    int bw, bh; /* cell grid size */

    float *img;  /* input resampled to 500 dpi, grey 0..255 */
    float *norm; /* locally normalised: ridges positive, about unit variance */

    /* cell fields */
    float *cell_mean, *cell_std;  /* grey statistics over a 3x3-cell window */
    uint8_t *cell_mask;           /* 1 = foreground */
    float *cell_cos2, *cell_sin2; /* smoothed orientation (doubled angle, unit vector) */
    float *cell_coh;              /* orientation coherence 0..1 (before smoothing) */
    float *cell_period;           /* ridge period in pixels */
    float *cell_clarity;          /* 0..1: how sinusoidal the ridges are (frequency step) */

    /* pixel results */
    float *enh;    /* contextually filtered: > 0 on ridges, 0 outside the mask */
    uint8_t *bin;  /* 1 = ridge */
    uint8_t *skel; /* 1 = skeleton pixel */

    float mean_period; /* over foreground cells */
    int quality;       /* 0..100 */

    fpx_minutia *min;
    int nmin, min_cap;
} fpx_ctx;

/* Allocation of the context's buffers for an internal image of w x h (img is allocated,
 * the caller fills it). */
ktpel_err fpx_ctx_init(fpx_ctx *c, int w, int h, ktpel_errbuf *eb);
void fpx_ctx_free(fpx_ctx *c);

/* The pipeline, in order (see run_pipeline in fp_extract.c). Each step reads what the
 * earlier ones left in the context. fpx_orientation reads the gradients of src: the image
 * on the first pass, the enhanced image on the second. */
ktpel_err fpx_segment(fpx_ctx *c, ktpel_errbuf *eb);   /* cell_mean/std, cell_mask */
ktpel_err fpx_normalise(fpx_ctx *c, ktpel_errbuf *eb); /* norm */
ktpel_err fpx_orientation(fpx_ctx *c, const float *src,
                          ktpel_errbuf *eb);           /* cell_cos2/sin2, cell_coh */
ktpel_err fpx_frequency(fpx_ctx *c, ktpel_errbuf *eb); /* cell_period, cell_clarity */
ktpel_err fpx_enhance(fpx_ctx *c, ktpel_errbuf *eb);   /* enh */
ktpel_err fpx_binarise(fpx_ctx *c, ktpel_errbuf *eb);  /* bin */
ktpel_err fpx_thin(fpx_ctx *c, ktpel_errbuf *eb);      /* skel */
ktpel_err fpx_minutiae(fpx_ctx *c, ktpel_errbuf *eb);  /* min: detection + filtering */
void fpx_quality(fpx_ctx *c);                          /* quality, minutia qualities */

/* Helpers shared by the steps. */
/* Ridge direction (radians, modulo pi) at pixel (x, y), interpolated from the cell field. */
float fpx_orientation_at(const fpx_ctx *c, float x, float y);
/* Doubled-angle vector at pixel (x, y), bilinear from the cell field (not normalised). */
void fpx_orientation_vec_at(const fpx_ctx *c, float x, float y, float *c2, float *s2);
/* Ridge period at pixel (x, y), bilinear from the cell field. */
float fpx_period_at(const fpx_ctx *c, float x, float y);
/* 1 if the cell containing pixel (x, y) is foreground. */
int fpx_mask_at(const fpx_ctx *c, int x, int y);
/* Distance in pixels from (x, y) to the nearest background cell or the image edge,
 * measured on the cell grid (capped at limit). */
float fpx_border_distance(const fpx_ctx *c, float x, float y, float limit);

/* Writes the dump PNGs into dir (see ktpel_fp_extract_options.dump_dir). */
ktpel_err fpx_dump(const fpx_ctx *c, const char *dir, ktpel_errbuf *eb);

#endif
