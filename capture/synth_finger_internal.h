/* Internals of the fingerprint synthesis (capture/synth_finger*.c): the finger model shared by
 * the image level and the template level.
 *
 * Coordinates: pixels at 500 dpi in the finger's own frame, origin at the centre of the
 * fingerprint area, x to the right, y down (image convention). Angles of ridge orientation are
 * measured in this frame too (direction (cos a, sin a)), i.e. clockwise as seen on screen;
 * ISO angles (counter-clockwise) are -a.
 */
#ifndef KTPEL_SYNTH_FINGER_INTERNAL_H
#define KTPEL_SYNTH_FINGER_INTERNAL_H

#include <stdint.h>

#include "ktpel/rng.h"
#include "ktpel/synth_finger.h"

#define SF_DPI       500
#define SF_PX_PER_MM (500.0 / 25.4)
#define SF_PI        3.14159265358979323846

/* Sub-stream tags of ktpel_rng_seed_path, so that the levels never share randomness. */
enum {
    SF_STREAM_IMAGE_MASTER = 0x5346494d, /* "SFIM" */
    SF_STREAM_IMAGE_IMPRESSION,
    SF_STREAM_TEMPLATE_MASTER,
    SF_STREAM_TEMPLATE_IMPRESSION,
};

#define SF_MAX_SINGULAR 2
/* Smooth random perturbation of the orientation and of the ridge period: a few cosines. */
#define SF_WAVES 4

#define SF_NOISE_STEP 20.0f
#define SF_NOISE_W    20
#define SF_NOISE_H    28

typedef struct sf_wave {
    float amp, kx, ky, phase;
} sf_wave;

/* The fingerprint area: a silhouette made of four quarter-ellipses (SFinGe's area model):
 * half widths left/right, heights of the top (fingertip) and bottom caps. */
typedef struct sf_area {
    float left, right, top, bottom;
} sf_area;

typedef struct sf_model {
    ktpel_synth_finger_class cls;
    sf_area area;
    int cores, deltas;
    float core_x[SF_MAX_SINGULAR], core_y[SF_MAX_SINGULAR];
    float delta_x[SF_MAX_SINGULAR], delta_y[SF_MAX_SINGULAR];
    /* Arch: ridge lines y = y0 - height(y0) * exp(-x^2 / (2 width^2)), a bump over the
     * centre whose height fades away from arch_y. */
    float arch_y, arch_height, arch_width, arch_fade;
    float base_angle; /* orientation far from the singular points */
    sf_wave angle_waves[SF_WAVES];
    float period; /* mean ridge period in pixels */
    sf_wave period_waves[SF_WAVES];
    /* Short-range random variation of the period and orientation (normal values on a coarse
     * grid centred on the area, interpolated smoothly): ridges then have to be added and
     * dropped here and there in both directions, as on real skin. */
    float period_noise_amp, angle_noise_amp;
    float period_noise[SF_NOISE_H][SF_NOISE_W];
    float angle_noise[SF_NOISE_H][SF_NOISE_W];
} sf_model;

/* Draws a class with the natural frequencies (see synth_finger.h). */
ktpel_synth_finger_class sf_draw_class(ktpel_rng *rng);
/* Draws a whole finger model: class, area, singular points, perturbations, period. */
void sf_model_draw(sf_model *m, ktpel_rng *rng);
/* Ridge orientation at (x, y), radians in (-pi/2, pi/2]. */
float sf_orientation(const sf_model *m, float x, float y);
/* Ridge period (pixels) at (x, y). */
float sf_period(const sf_model *m, float x, float y);
/* Inside-ness of the fingerprint area: > 0 inside, < 0 outside, roughly the distance to the
 * border in pixels near it. */
float sf_area_depth(const sf_area *a, float x, float y);

/* Normal-ish deviate from one 64-bit draw: sum of four 16-bit uniforms, scaled to unit
 * variance (Irwin-Hall); cheap enough for per-pixel noise. */
static inline float sf_fast_normal(ktpel_rng *rng)
{
    uint64_t r = ktpel_rng_next(rng);
    uint32_t s = (uint32_t)(r & 0xffff) + (uint32_t)((r >> 16) & 0xffff) +
                 (uint32_t)((r >> 32) & 0xffff) + (uint32_t)(r >> 48);
    /* mean 4 * 32767.5, variance 4 * (65536^2 - 1) / 12 */
    return ((float)s - 131070.0f) * (1.0f / 37837.2f);
}

static inline float sf_uniform(ktpel_rng *rng, float lo, float hi)
{
    return lo + (hi - lo) * (float)ktpel_rng_uniform(rng);
}

static inline float sf_normal(ktpel_rng *rng, float sd)
{
    return sd * (float)ktpel_rng_normal(rng);
}

/* Skin distortion of one impression (Cappelli, Maio, Maltoni, "Modelling plastic distortion
 * in fingerprint images", ICAPR 2001): no distortion inside the close-contact ellipse, a
 * rigid displacement (rotation about the contact centre plus translation) outside it, and a
 * transition of width `brake` where the displacement grows smoothly ((1 - cos) / 2). */
typedef struct sf_distortion {
    float cx, cy;               /* centre of the close-contact region */
    float rx, ry;               /* its semi-axes */
    float brake;                /* width of the transition */
    float cos_a, sin_a, tx, ty; /* the external rigid displacement */
} sf_distortion;

/* Draws a distortion around (cx, cy) for a contact region of semi-axes (rx, ry); strength
 * 0..1 scales the displacement. */
void sf_distortion_draw(sf_distortion *d, ktpel_rng *rng, float cx, float cy, float rx, float ry,
                        float strength);
/* Moves a point by the distortion. */
void sf_distortion_apply(const sf_distortion *d, float x, float y, float *ox, float *oy);

/* Access to a master for the impression renderer (the struct stays in the master's file). */
const sf_model *sf_master_model(const ktpel_synth_finger *m);
/* The ridge map (width x height floats) and the canvas position of the area centre. */
const float *sf_master_ridge(const ktpel_synth_finger *m, int *width, int *height, float *ox,
                             float *oy);
void sf_master_identity(const ktpel_synth_finger *m, uint64_t *seed, uint64_t *finger);
int sf_master_iterations(const ktpel_synth_finger *m);

#endif
