/* The iris engine: segmentation, normalisation, iris codes and their comparison.
 *
 * The method is Daugman's ("How iris recognition works", IEEE TCSVT 14(1), 2004) with a
 * 1-D log-Gabor encoder in the manner of Masek (2003); docs/iris.md describes every step,
 * the code format, the score and the measured figures.
 *
 *   image --segment--> pupil and limbus circles (not concentric), eyelids
 *         --normalise--> rubber sheet of KTPEL_IRIS_POLAR_ROWS x KTPEL_IRIS_POLAR_COLS
 *                        with a noise mask (eyelids, eyelashes, reflections)
 *         --encode-->    2,048-bit code + 2,048-bit mask (phase of log-Gabor responses)
 *
 * Comparison is the fractional Hamming distance over the bits valid in both masks, the
 * smallest over circular shifts of the code (head tilt), after Daugman's normalisation for
 * the number of bits compared:
 *
 *     HDnorm = 0.5 - (0.5 - HDraw) * sqrt(n / 911)
 *
 * so that a comparison over few bits is pulled towards 0.5 (chance) and cannot look like a
 * strong match. Lower is more similar; two codes of the same eye are a match when
 * hd_norm <= ktpel_iris_threshold_for_fmr(fmr).
 *
 * Code layout: the code is KTPEL_IRIS_COLUMNS angular columns of KTPEL_IRIS_RINGS rings x 2
 * phase bits (16 bits per column); bit 16 * column + 2 * ring + {0: real, 1: imaginary} is
 * bit (i % 64) of word i / 64. Column c looks at angle 360 * c / 128 degrees,
 * counter-clockwise as seen from the camera, measured from the pupil centre, 0 = towards the
 * right of the image. A shift of s columns (s * 2.8125 degrees) is a rotation of the whole
 * bit string by 16 * s bits.
 *
 * Nothing here keeps global state; every function is safe to call from many threads.
 * Comparison uses the CPU's best instruction set, chosen at run time: AVX-512 VPOPCNTDQ,
 * else POPCNT, else portable C (the same results on every path).
 */
#ifndef KTPEL_IRIS_H
#define KTPEL_IRIS_H

#include <stddef.h>
#include <stdint.h>

#include "ktpel/error.h"
#include "ktpel/image.h"

#ifdef __cplusplus
extern "C" {
#endif

#define KTPEL_IRIS_RINGS           8
#define KTPEL_IRIS_COLUMNS         128
#define KTPEL_IRIS_CODE_BITS       2048 /* KTPEL_IRIS_RINGS * KTPEL_IRIS_COLUMNS * 2 */
#define KTPEL_IRIS_CODE_WORDS      32   /* 64-bit words */
#define KTPEL_IRIS_BITS_PER_COLUMN 16
/* Size of the normalised (rubber-sheet) image: rows from pupil (0) to limbus, columns are
 * angles as in the code (2 per code column). */
#define KTPEL_IRIS_POLAR_ROWS 64
#define KTPEL_IRIS_POLAR_COLS 256
/* Shifts of the comparison: the default covers +-22.5 degrees of head tilt. */
#define KTPEL_IRIS_DEFAULT_SHIFT 8
#define KTPEL_IRIS_MAX_SHIFT     32
/* n in HDnorm = 0.5 - (0.5 - HDraw) * sqrt(n / KTPEL_IRIS_NORM_BITS): Daugman's typical
 * number of bits compared. */
#define KTPEL_IRIS_NORM_BITS 911
/* Bytes of a serialised code (ktpel_iris_code_serialise). */
#define KTPEL_IRIS_CODE_SERIAL_BYTES 532

/* An iris code and its mask (1 = bit valid). Code bits whose mask bit is 0 are 0. */
typedef struct ktpel_iris_code {
    _Alignas(64) uint64_t bits[KTPEL_IRIS_CODE_WORDS];
    _Alignas(64) uint64_t mask[KTPEL_IRIS_CODE_WORDS];
    uint8_t quality; /* 0..100 from ktpel_iris_quality.score; 255 = not known */
} ktpel_iris_code;

typedef struct ktpel_iris_circle {
    double x, y, r; /* image pixels, x right, y down, pixel centres at integers */
} ktpel_iris_circle;

/* An eyelid edge: y = apex_y + curvature * (x - apex_x)^2. The upper lid (curvature >= 0)
 * covers the pixels above the curve, the lower lid (curvature <= 0) those below. `found` is
 * 0 when the lid does not reach into the iris (the curve then lies at the limbus). */
typedef struct ktpel_iris_eyelid {
    double apex_x, apex_y, curvature;
    int found;
} ktpel_iris_eyelid;

typedef struct ktpel_iris_segmentation {
    ktpel_iris_circle pupil, iris;
    ktpel_iris_eyelid upper, lower;
    double pupil_contrast; /* mean grey-level step across the pupil boundary */
    double iris_contrast;  /* same across the limbus (lateral arcs) */
} ktpel_iris_segmentation;

/* Quality of one image for iris recognition. */
typedef struct ktpel_iris_quality {
    int score;             /* 0..100, combines the figures below (docs/iris.md) */
    double usable;         /* share of the 2,048 code bits that are valid, 0..1 */
    double occlusion;      /* share of the iris annulus under eyelids, lashes, reflections */
    double focus;          /* band-pass energy of the iris texture (larger is sharper) */
    double dilation;       /* pupil radius / iris radius */
    double iris_radius_px; /* limbus radius in pixels */
} ktpel_iris_quality;

/* Everything the extractor finds in one image. */
typedef struct ktpel_iris_features {
    ktpel_iris_segmentation seg;
    ktpel_iris_quality quality;
    ktpel_iris_code code;
    /* The rubber sheet and its noise mask (1 = noise), row-major ROWS x COLS. */
    uint8_t polar[KTPEL_IRIS_POLAR_ROWS * KTPEL_IRIS_POLAR_COLS];
    uint8_t polar_noise[KTPEL_IRIS_POLAR_ROWS * KTPEL_IRIS_POLAR_COLS];
} ktpel_iris_features;

/* Extracts the iris code of a near-infrared eye image (grey or RGB, at least 64 x 64, one
 * eye roughly centred, iris diameter at least about 80 pixels). Always fills a code when it
 * returns KTPEL_OK; a poor image shows in out->quality (and in few valid bits). */
ktpel_err ktpel_iris_extract(const ktpel_image *img, ktpel_iris_features *out, ktpel_errbuf *eb);

/* Writes DIR/PREFIX_segmentation.png (the image with pupil, limbus, eyelids and the masked
 * pixels drawn in colour) and DIR/PREFIX_normalised.png (the rubber sheet above its noise
 * mask) for features found in img. */
ktpel_err ktpel_iris_dump(const ktpel_image *img, const ktpel_iris_features *f, const char *dir,
                          const char *prefix, ktpel_errbuf *eb);

/* ---- codes: serialisation ---------------------------------------------------------------- */

/* Serialised form (KTPEL_IRIS_CODE_SERIAL_BYTES, all integers big-endian):
 *   0  "KIRC"          magic
 *   4  u8  version     1
 *   5  u8  rings       8
 *   6  u16 columns     128
 *   8  u8  quality     0..100 or 255
 *   9  u8  flags       0
 *   10 u16 reserved    0
 *   12 256 bytes code  words 0..31, each big-endian
 *   268 256 bytes mask
 *   524 u32 valid bits (popcount of the mask)
 *   528 u32 CRC-32 (ISO 3309) of bytes 0..527 */
void ktpel_iris_code_serialise(const ktpel_iris_code *code,
                               uint8_t out[KTPEL_IRIS_CODE_SERIAL_BYTES]);
/* Parses a serialised code from outside; rejects (naming the field) a wrong length, magic,
 * version, geometry, reserved or flag value, CRC, bit count, or code bits set where the mask
 * is 0. */
ktpel_err ktpel_iris_code_parse(const uint8_t *buf, size_t len, ktpel_iris_code *out,
                                ktpel_errbuf *eb);
ktpel_err ktpel_iris_code_write_file(const char *path, const ktpel_iris_code *code,
                                     ktpel_errbuf *eb);
ktpel_err ktpel_iris_code_read_file(const char *path, ktpel_iris_code *out, ktpel_errbuf *eb);
/* 1 if buf starts with the code magic. */
int ktpel_iris_code_sniff(const uint8_t *buf, size_t len);

/* Number of valid (mask) bits. */
int ktpel_iris_code_valid_bits(const ktpel_iris_code *code);

/* out = code turned by `shift` columns (positive: counter-clockwise as seen), bits and mask.
 * out may not be code. */
void ktpel_iris_code_rotate(const ktpel_iris_code *code, int shift, ktpel_iris_code *out);

/* ---- comparison ------------------------------------------------------------------------- */

typedef struct ktpel_iris_score {
    double hd_raw;     /* fractional Hamming distance at best_shift (0.5 when n == 0) */
    double hd_norm;    /* Daugman-normalised distance; the smallest over the shifts */
    int bits_compared; /* n: bits valid in both masks at best_shift */
    int best_shift;    /* columns a was turned by (ktpel_iris_code_rotate) to match b */
} ktpel_iris_score;

/* Compares a and b over shifts -max_shift..max_shift (clamped to 0..KTPEL_IRIS_MAX_SHIFT).
 * Symmetric up to the sign of best_shift. For one code against many, prepare a probe. */
ktpel_iris_score ktpel_iris_compare(const ktpel_iris_code *a, const ktpel_iris_code *b,
                                    int max_shift);

/* A code prepared for many comparisons: its rotated copies, and the comparison routine for
 * this CPU. Plain memory (about 34 KB at most); owned by the caller, read-only once
 * prepared, so one probe may be compared from many threads at once. */
typedef struct ktpel_iris_probe ktpel_iris_probe;
ktpel_err ktpel_iris_probe_new(const ktpel_iris_code *code, int max_shift, ktpel_iris_probe **out,
                               ktpel_errbuf *eb);
void ktpel_iris_probe_free(ktpel_iris_probe *probe); /* NULL is allowed */
ktpel_iris_score ktpel_iris_probe_compare(const ktpel_iris_probe *probe,
                                          const ktpel_iris_code *gallery);

/* Daugman's normalisation of a raw distance over n bits (0.5 when n == 0). */
double ktpel_iris_hd_normalise(double hd_raw, int n);

/* The hd_norm threshold whose false match rate for one comparison with the default shifts
 * is about fmr (1e-12 <= fmr <= 0.5), from the binomial model of impostor scores described
 * in docs/iris.md (measured degrees of freedom, minimum over the shifts). */
double ktpel_iris_threshold_for_fmr(double fmr);
/* The inverse: the model's false match rate of one comparison (default shifts) scoring
 * hd_norm or less, clamped to 1e-12..1 (the deduplication turns it into evidence). */
double ktpel_iris_fmr_for_threshold(double hd_norm);

/* Name of the comparison routine the CPU gets: "avx512-vpopcntdq", "popcnt" or "generic". */
const char *ktpel_iris_compare_isa(void);

/* ---- ISO/IEC 19794-6 style image records ------------------------------------------------ */

/* Eye labels and image formats of the record. */
#define KTPEL_IRIS_EYE_UNDEF         0
#define KTPEL_IRIS_EYE_RIGHT         1
#define KTPEL_IRIS_EYE_LEFT          2
#define KTPEL_IRIS_IMAGE_RAW         2  /* 8-bit grey, rows packed */
#define KTPEL_IRIS_IMAGE_PNG         14 /* lossless PNG */
#define KTPEL_IRIS_RECORD_MAX_IMAGES 16

/* One iris image of a record. */
typedef struct ktpel_iris_record_image {
    int eye;           /* KTPEL_IRIS_EYE_* */
    int format;        /* KTPEL_IRIS_IMAGE_RAW or _PNG (storage inside the record) */
    int quality;       /* 0..100, or 255 when not assessed */
    ktpel_image image; /* grey */
    /* Iris centre and diameter in pixels, 0 when unknown. */
    int centre_x, centre_y, diameter;
} ktpel_iris_record_image;

/* Encodes `count` (1..KTPEL_IRIS_RECORD_MAX_IMAGES) images into a new buffer (free()). The
 * layout is in docs/iris.md. */
ktpel_err ktpel_iris_record_write(const ktpel_iris_record_image *images, int count, uint8_t **out,
                                  size_t *out_len, ktpel_errbuf *eb);
/* Parses a record from outside into a new array of *count images (free with
 * ktpel_iris_record_free). Every length, label and size is checked. */
ktpel_err ktpel_iris_record_read(const uint8_t *buf, size_t len, ktpel_iris_record_image **out,
                                 int *count, ktpel_errbuf *eb);
void ktpel_iris_record_free(ktpel_iris_record_image *images, int count);

#ifdef __cplusplus
}
#endif

#endif
