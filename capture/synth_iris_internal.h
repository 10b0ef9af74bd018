/* Internals of the iris synthesiser (capture/synth_iris*.c): the eye object, the parameters
 * of one capture, and the steps that build them. Not a public interface. */
#ifndef KTPEL_SYNTH_IRIS_INTERNAL_H
#define KTPEL_SYNTH_IRIS_INTERNAL_H

#include "ktpel/rng.h"
#include "ktpel/synth_iris.h"

/* The iris texture is a polar grid: SI_NT angles (counter-clockwise as seen, from the eye's
 * own horizontal) by SI_NR radii, row 0 on the pupil boundary and row SI_NR - 1 on the limbus
 * (Daugman's rubber sheet: the same texel stays on the same tissue when the pupil dilates). */
#define SI_NT 720
#define SI_NR 96

#define SI_PI  3.14159265358979323846
#define SI_TAU 6.28318530717958647692

struct ktpel_synth_iris_eye {
    uint64_t seed;
    uint64_t resident;
    int which; /* KTPEL_SYNTH_IRIS_RIGHT or _LEFT */

    double diameter_mm;  /* physical limbus diameter */
    double scale_px_mm;  /* habitual camera scale for this person (pixels per mm) */
    double pupil_ratio;  /* typical pupil radius / limbus radius */
    double pupil_dx;     /* pupil centre minus limbus centre, in limbus radii, as seen */
    double pupil_dy;     /* (x right, y down), before head tilt */
    double lid_upper;    /* typical upper lid apex above the limbus centre, in limbus radii */
    double lid_lower;    /* typical lower lid apex below the limbus centre, in limbus radii */
    double lash_density; /* upper lashes per capture */
    double lash_down;    /* fraction of upper lashes that hang over the iris */
    double lash_slant;   /* lean of the upper lashes, radians towards image right */

    double pupil_level; /* grey levels of the near-infrared look */
    double iris_level;
    double iris_contrast; /* grey levels per unit of texture */
    double sclera_level;
    double skin_level;

    float tex[SI_NR][SI_NT]; /* texture, zero mean, unit standard deviation */
};

/* Everything drawn for one capture, then rendered. */
typedef struct si_capture {
    ktpel_synth_iris_truth truth;
    double socket_x, socket_y; /* centre of the eye opening (lid corners follow it) */
    double half_width;         /* distance from the socket centre to the lid corners */
    double tilt;               /* head tilt, radians, counter-clockwise as seen */
    double warp;               /* non-linear radial deformation of the texture (dilation) */
    double gain_x, gain_y;     /* illumination gradient, fraction per half image */
    double pupil_level, iris_level, iris_contrast, sclera_level, skin_level;
} si_capture;

/* Fills eye->tex with a new texture drawn from rng. */
void si_texture_generate(ktpel_synth_iris_eye *eye, ktpel_rng *rng);

/* Texture value at angle theta (radians, as seen, in the eye's frame) and normalised radius
 * rho (0 pupil boundary .. 1 limbus), bilinear, wrapping in angle, clamped in radius. */
float si_texture_sample(const ktpel_synth_iris_eye *eye, double theta, double rho);

/* Renders a capture into a float image (W*H grey levels, not yet clamped), without lashes,
 * blur or noise. */
void si_render_scene(const ktpel_synth_iris_eye *eye, const si_capture *cap, ktpel_rng *rng,
                     float *img);
/* Darkens img along eyelashes drawn from rng. */
void si_render_lashes(const ktpel_synth_iris_eye *eye, const si_capture *cap, ktpel_rng *rng,
                      float *img, float *work);
/* Brightens the specular reflections of cap. */
void si_render_spots(const si_capture *cap, float *img);
/* Gaussian blur of img in place (work: W*H floats). */
void si_blur(float *img, float *work, double sigma);

#endif
