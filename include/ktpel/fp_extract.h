/* Fingerprint minutiae extraction: grey image of a plain impression -> minutiae.
 *
 * The image is resampled to 500 dpi internally, so images of other resolutions (e.g. 569
 * dpi) give comparable templates; minutiae coordinates are mapped back to pixels of the
 * input image. Pipeline (one step each, see match/fp_extract_*.c): segmentation (foreground
 * mask), normalisation, orientation field, ridge frequency, contextual (Gabor) enhancement,
 * binarisation, thinning, crossing-number detection, false-minutiae removal, direction and
 * quality.
 *
 * Minutia angle: ISO/IEC 19794-2 units (360/256 degrees, counter-clockwise from the x axis
 * as seen on screen, i.e. with the image's y axis pointing down). As ISO 19794-2 (and
 * INCITS 378, ANSI/NIST EFS) define it, the angle points along the gap between the two
 * branches of the "Y": for a bifurcation, from the fork into the valley between the two
 * ridge branches; for a ridge ending (a fork of the valley), from the tip back into the
 * ridge. An ending that turns into a bifurcation under other pressure keeps its angle.
 *
 * Quality (0..100, per image): documented at ktpel_fp_features.quality below.
 *
 * Thread-safe: no global mutable state; every call allocates its own buffers.
 */
#ifndef KTPEL_FP_EXTRACT_H
#define KTPEL_FP_EXTRACT_H

#include "ktpel/error.h"
#include "ktpel/image.h"
#include "ktpel/minutiae.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Resolution assumed when neither the image nor the caller gives one. */
#define KTPEL_FP_DEFAULT_DPI 500

typedef struct ktpel_fp_features {
    int width, height, dpi; /* of the input image (dpi: the one used, never 0) */
    /* Image quality, 0..100 = round(100 * sqrt(area) * clarity), where
     *   area    = the print's foreground area / 150 mm^2, capped at 1 (a smaller print
     *             holds fewer minutiae and overlaps less with another impression);
     *   clarity = the mean ridge clarity of the foreground / 0.7, capped at 1. The ridge
     *             clarity of an 8x8-pixel cell (at 500 dpi) is the height of the
     *             autocorrelation peak of the grey profile across the ridges (a window of
     *             32 x 16 pixels turned to the local orientation) times the share of the
     *             window's contrast that survives averaging along the ridges: near 1 for
     *             clean parallel ridges, low for smudges, dry breaks, scars and noise.
     * Measured on FVC2002 DB3_B with `ktpel fp bench`: the lowest-quality tenth of the
     * images takes part in 18 % of the genuine comparisons but in 42 % of the false
     * non-matches at FMR 0.1 % (DB1_B has too few false non-matches to tell). */
    int quality;
    int count; /* number of minutiae, 0..KTPEL_MAX_MINUTIAE */
    ktpel_minutia minutiae[KTPEL_MAX_MINUTIAE];
} ktpel_fp_features;

typedef struct ktpel_fp_extract_options {
    /* If not NULL, an existing directory where every intermediate result is written as PNG:
     * 1_input, 2_mask, 3_normalised, 4_orientation, 5_period, 5_clarity, 6_enhanced, 7_binary,
     * 8_skeleton, 9_minutiae (all at the internal 500 dpi scale). */
    const char *dump_dir;
    /* Resolution when the image has none (0 = KTPEL_FP_DEFAULT_DPI). */
    int default_dpi;
} ktpel_fp_extract_options;

/* Extracts minutiae from an 8-bit grey image (channels == 1). Errors: KTPEL_EINVAL for
 * NULL arguments, a colour image, or a size outside 32..KTPEL_IMAGE_MAX_SIDE pixels;
 * KTPEL_ENOMEM; KTPEL_EIO when a dump file cannot be written. A blank image is no error: it
 * gives zero minutiae and a low quality. */
ktpel_err ktpel_fp_extract(const ktpel_image *grey, const ktpel_fp_extract_options *opt,
                           ktpel_fp_features *out, ktpel_errbuf *eb);

#ifdef __cplusplus
}
#endif

#endif
