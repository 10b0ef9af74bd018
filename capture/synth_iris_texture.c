/* The iris texture of one eye, made in the polar domain: smooth shading, radial fibres
 * (trabeculae), the collarette with its pupillary zone, crypts, contraction furrows and the
 * pupillary ruff. What makes an eye unique is the random placement of all of these. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "synth_iris_internal.h"

typedef float si_tex[SI_NR][SI_NT];

#define SI_LATTICE_MAX 2048

static int wrap_t(int t)
{
    t %= SI_NT;
    return t < 0 ? t + SI_NT : t;
}

static double uniform(ktpel_rng *rng, double lo, double hi)
{
    return lo + (hi - lo) * ktpel_rng_uniform(rng);
}

static double smoothstep01(double t)
{
    return t * t * (3.0 - 2.0 * t);
}

/* Value noise periodic in angle: random values on a cells_t x (cells_r + 1) lattice,
 * interpolated smoothly, added with amplitude amp. */
static void add_smooth_noise(si_tex tex, ktpel_rng *rng, int cells_t, int cells_r, double amp)
{
    float lattice[SI_LATTICE_MAX];
    if (cells_t * (cells_r + 1) > SI_LATTICE_MAX)
        return; /* not reached: the callers' sizes are constants that fit */
    for (int i = 0; i < cells_t * (cells_r + 1); i++)
        lattice[i] = (float)ktpel_rng_normal(rng);
    for (int r = 0; r < SI_NR; r++) {
        double fr = (double)r / (SI_NR - 1) * cells_r;
        int r0 = (int)fr < cells_r ? (int)fr : cells_r - 1;
        double wr = smoothstep01(fr - r0);
        for (int t = 0; t < SI_NT; t++) {
            double ft = (double)t / SI_NT * cells_t;
            int t0 = (int)ft;
            int t1 = (t0 + 1) % cells_t;
            double wt = smoothstep01(ft - t0);
            const float *a = lattice + (size_t)r0 * cells_t;
            const float *b = a + cells_t;
            double top = a[t0] + wt * (a[t1] - a[t0]);
            double bot = b[t0] + wt * (b[t1] - b[t0]);
            tex[r][t] += (float)(amp * (top + wr * (bot - top)));
        }
    }
}

/* One radial fibre: a thin bright or dark line from rho_a to rho_b along a wavy, slightly
 * spiralling angle, splatted with a Gaussian profile across. */
static void add_fibre(si_tex tex, ktpel_rng *rng, double rho_a, double rho_b, double amp)
{
    double theta0 = uniform(rng, 0, SI_TAU);
    double wiggle = uniform(rng, 0.0, 0.045);
    double freq = uniform(rng, 1.0, 4.0);
    double phase = uniform(rng, 0, SI_TAU);
    double curl = 0.04 * ktpel_rng_normal(rng);
    double sigma = uniform(rng, 0.6, 1.7); /* texels across */
    int ra = (int)(rho_a * (SI_NR - 1));
    int rb = (int)(rho_b * (SI_NR - 1));
    if (rb <= ra)
        return;
    int half = (int)ceil(2.5 * sigma);
    for (int r = ra; r <= rb; r++) {
        double rho = (double)r / (SI_NR - 1);
        double s = (double)(r - ra) / (rb - ra);
        double taper = sqrt(sin(SI_PI * s)) * amp;
        double theta = theta0 + wiggle * sin(SI_TAU * freq * rho + phase) + curl * rho;
        double c = theta / SI_TAU * SI_NT;
        int ci = (int)floor(c);
        for (int k = ci - half; k <= ci + half + 1; k++) {
            double d = (k - c) / sigma;
            tex[r][wrap_t(k)] += (float)(taper * exp(-0.5 * d * d));
        }
    }
}

/* Collarette radius per angle: a zigzag ring between the pupillary and the ciliary zone. */
static void make_collarette(ktpel_rng *rng, double *rho_c)
{
    double base = uniform(rng, 0.22, 0.40);
    double amp[4], ph[4];
    int k[4];
    for (int i = 0; i < 4; i++) {
        k[i] = ktpel_rng_range(rng, 3 + 6 * i, 8 + 8 * i);
        amp[i] = uniform(rng, 0.004, 0.02) / (1 + i * 0.5);
        ph[i] = uniform(rng, 0, SI_TAU);
    }
    for (int t = 0; t < SI_NT; t++) {
        double th = SI_TAU * t / SI_NT;
        double v = base;
        for (int i = 0; i < 4; i++)
            v += amp[i] * sin(k[i] * th + ph[i]);
        rho_c[t] = v;
    }
}

/* The collarette ridge (brighter, raised) and the pupillary zone inside it, which has its
 * own brightness. */
static void add_collarette(si_tex tex, ktpel_rng *rng, const double *rho_c)
{
    double ridge = uniform(rng, 0.6, 1.4);
    double width = uniform(rng, 0.015, 0.035);
    double zone = uniform(rng, -0.8, 0.8);
    double mod_ph = uniform(rng, 0, SI_TAU);
    int mod_k = ktpel_rng_range(rng, 7, 19);
    for (int t = 0; t < SI_NT; t++) {
        double th = SI_TAU * t / SI_NT;
        double m = 1.0 + 0.4 * sin(mod_k * th + mod_ph);
        for (int r = 0; r < SI_NR; r++) {
            double rho = (double)r / (SI_NR - 1);
            double d = (rho - rho_c[t]) / width;
            double inside = 1.0 / (1.0 + exp((rho - rho_c[t]) / 0.012));
            tex[r][t] += (float)(ridge * m * exp(-0.5 * d * d) + zone * inside);
        }
    }
}

/* Size and strength ranges of a family of pits. */
typedef struct pit_kind {
    double half_t[2]; /* angular half-size, radians */
    double half_r[2]; /* radial half-size, fraction of the iris width */
    double depth[2];
    double rim[2];
} pit_kind;

/* Crypts (lacunae): large dark pits near the collarette. */
static const pit_kind crypt_kind = {{0.02, 0.07}, {0.04, 0.13}, {0.9, 2.2}, {0.4, 1.1}};
/* The small shallow cells between the trabeculae that give the iris its mesh-like look. */
static const pit_kind cell_kind = {{0.008, 0.025}, {0.02, 0.05}, {0.3, 0.9}, {0.2, 0.6}};

/* A pit: dark inside, with an irregular outline and a bright rim, elongated along the
 * radius. */
static void add_pit(si_tex tex, ktpel_rng *rng, const pit_kind *kind, double rho0)
{
    double theta0 = uniform(rng, 0, SI_TAU);
    double half_t = uniform(rng, kind->half_t[0], kind->half_t[1]) * SI_NT / SI_TAU; /* texels */
    double half_r = uniform(rng, kind->half_r[0], kind->half_r[1]) * (SI_NR - 1);
    double depth = uniform(rng, kind->depth[0], kind->depth[1]);
    double rim = uniform(rng, kind->rim[0], kind->rim[1]);
    double p1 = uniform(rng, 0, SI_TAU), p2 = uniform(rng, 0, SI_TAU);
    double c_t = theta0 / SI_TAU * SI_NT, c_r = rho0 * (SI_NR - 1);
    int t_lo = (int)floor(c_t - 1.5 * half_t), t_hi = (int)ceil(c_t + 1.5 * half_t);
    int r_lo = (int)floor(c_r - 1.5 * half_r), r_hi = (int)ceil(c_r + 1.5 * half_r);
    for (int r = r_lo < 0 ? 0 : r_lo; r <= r_hi && r < SI_NR; r++) {
        for (int t = t_lo; t <= t_hi; t++) {
            double dt = (t - c_t) / half_t, dr = (r - c_r) / half_r;
            double psi = atan2(dr, dt);
            double outline = 1.0 + 0.22 * sin(3 * psi + p1) + 0.12 * sin(5 * psi + p2);
            double q = sqrt(dt * dt + dr * dr) / outline;
            double v = 0;
            if (q < 1.0)
                v -= depth * (1.0 - q * q * q * q);
            v += rim * exp(-((q - 1.05) * (q - 1.05)) / 0.02);
            tex[r][wrap_t(t)] += (float)v;
        }
    }
}

/* A contraction furrow: a dark arc running around the ciliary zone. */
static void add_furrow(si_tex tex, ktpel_rng *rng)
{
    double rho0 = uniform(rng, 0.55, 0.92);
    double theta0 = uniform(rng, 0, SI_TAU);
    double extent = uniform(rng, 0.3, 1.8);
    double depth = uniform(rng, 0.6, 1.5);
    double width = uniform(rng, 0.008, 0.02) * (SI_NR - 1);
    double wave = uniform(rng, 0.0, 0.015), wave_k = uniform(rng, 4, 12);
    int n = (int)(extent / SI_TAU * SI_NT);
    for (int i = 0; i <= n; i++) {
        double s = (double)i / n;
        double th = theta0 + extent * s;
        double c_r = (rho0 + wave * sin(wave_k * th)) * (SI_NR - 1);
        double amp = depth * sin(SI_PI * s);
        int t = wrap_t((int)lround(th / SI_TAU * SI_NT));
        for (int r = (int)(c_r - 3 * width); r <= (int)(c_r + 3 * width) + 1; r++) {
            if (r < 0 || r >= SI_NR)
                continue;
            double d = (r - c_r) / width;
            tex[r][t] -= (float)(amp * exp(-0.5 * d * d));
        }
    }
}

/* The pupillary ruff: a crinkled dark fringe right at the pupil boundary. */
static void add_ruff(si_tex tex, ktpel_rng *rng)
{
    double depth = uniform(rng, 0.5, 1.5);
    double width = uniform(rng, 0.02, 0.05);
    int k = ktpel_rng_range(rng, 40, 90);
    double ph = uniform(rng, 0, SI_TAU);
    for (int t = 0; t < SI_NT; t++) {
        double th = SI_TAU * t / SI_NT;
        double crinkle = 0.6 + 0.4 * sin(k * th + ph) + 0.2 * ktpel_rng_normal(rng);
        for (int r = 0; r < SI_NR; r++) {
            double rho = (double)r / (SI_NR - 1);
            tex[r][t] -= (float)(depth * crinkle * exp(-rho / width));
        }
    }
}

/* Fine grain, slightly smoothed along the angle so that it is not pure pixel noise. */
static void add_grain(si_tex tex, ktpel_rng *rng, double amp)
{
    float row[SI_NT];
    for (int r = 0; r < SI_NR; r++) {
        for (int t = 0; t < SI_NT; t++)
            row[t] = (float)ktpel_rng_normal(rng);
        for (int t = 0; t < SI_NT; t++) {
            double v = 0.25 * row[wrap_t(t - 1)] + 0.5 * row[t] + 0.25 * row[wrap_t(t + 1)];
            tex[r][t] += (float)(amp * v);
        }
    }
}

static void normalise(si_tex tex)
{
    double sum = 0, sum2 = 0;
    for (int r = 0; r < SI_NR; r++)
        for (int t = 0; t < SI_NT; t++) {
            sum += tex[r][t];
            sum2 += (double)tex[r][t] * tex[r][t];
        }
    double n = (double)SI_NR * SI_NT;
    double mean = sum / n;
    double var = sum2 / n - mean * mean;
    double inv = var > 1e-12 ? 1.0 / sqrt(var) : 1.0;
    for (int r = 0; r < SI_NR; r++)
        for (int t = 0; t < SI_NT; t++)
            tex[r][t] = (float)((tex[r][t] - mean) * inv);
}

void si_texture_generate(ktpel_synth_iris_eye *eye, ktpel_rng *rng)
{
    float(*tex)[SI_NT] = eye->tex;
    memset(eye->tex, 0, sizeof(eye->tex));
    double rho_c[SI_NT];
    make_collarette(rng, rho_c);

    add_smooth_noise(tex, rng, 16, 4, 0.3);
    add_smooth_noise(tex, rng, 90, 12, 0.25);
    add_collarette(tex, rng, rho_c);

    /* Fibres: dense and fine in the pupillary zone, longer and sparser outside. */
    int inner = ktpel_rng_range(rng, 300, 500);
    for (int i = 0; i < inner; i++) {
        double a = uniform(rng, 0.0, 0.1), b = uniform(rng, 0.2, 0.45);
        add_fibre(tex, rng, a, b, (ktpel_rng_normal(rng) + 0.6) * 0.7);
    }
    int outer = ktpel_rng_range(rng, 600, 1000);
    for (int i = 0; i < outer; i++) {
        double a = uniform(rng, 0.2, 0.7);
        add_fibre(tex, rng, a, fmin(1.0, a + uniform(rng, 0.15, 0.6)),
                  (ktpel_rng_normal(rng) + 0.5) * 0.35);
    }

    /* Crypts cluster along the collarette; an iris has from a few to many. */
    int crypts = ktpel_rng_range(rng, 8, 45);
    for (int i = 0; i < crypts; i++) {
        double rho = ktpel_rng_uniform(rng) < 0.6 ? 0.34 + 0.1 * ktpel_rng_normal(rng)
                                                  : uniform(rng, 0.1, 0.85);
        add_pit(tex, rng, &crypt_kind, fmin(0.92, fmax(0.12, rho)));
    }
    int cells = ktpel_rng_range(rng, 100, 300);
    for (int i = 0; i < cells; i++)
        add_pit(tex, rng, &cell_kind, uniform(rng, 0.05, 0.6));
    int furrows = ktpel_rng_range(rng, 1, 8);
    for (int i = 0; i < furrows; i++)
        add_furrow(tex, rng);
    add_ruff(tex, rng);
    add_grain(tex, rng, 0.2);
    normalise(tex);
}

float si_texture_sample(const ktpel_synth_iris_eye *eye, double theta, double rho)
{
    double ft = theta * (SI_NT / SI_TAU);
    ft -= floor(ft / SI_NT) * SI_NT;
    int t0 = (int)ft;
    if (t0 >= SI_NT)
        t0 = 0;
    int t1 = t0 + 1 == SI_NT ? 0 : t0 + 1;
    double wt = ft - t0;
    double fr = rho * (SI_NR - 1);
    if (fr < 0)
        fr = 0;
    if (fr > SI_NR - 1)
        fr = SI_NR - 1;
    int r0 = (int)fr < SI_NR - 1 ? (int)fr : SI_NR - 2;
    double wr = fr - r0;
    const float *a = eye->tex[r0], *b = eye->tex[r0 + 1];
    double top = a[t0] + wt * (a[t1] - a[t0]);
    double bot = b[t0] + wt * (b[t1] - b[t0]);
    return (float)(top + wr * (bot - top));
}
