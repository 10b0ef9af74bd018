/* The finger model shared by image and template synthesis: class, fingerprint area, singular
 * points, orientation field, ridge period, skin distortion; and the sensor profiles. */
#include <math.h>
#include <string.h>

#include "synth_finger_internal.h"

/* ---- names and profiles ------------------------------------------------------------------ */

static const char *const class_names[KTPEL_SYNTH_FINGER_CLASS_COUNT] = {
    "arch", "tented_arch", "left_loop", "right_loop", "whorl",
};

const char *ktpel_synth_finger_class_name(ktpel_synth_finger_class c)
{
    if ((int)c < 0 || c >= KTPEL_SYNTH_FINGER_CLASS_COUNT)
        return "unknown";
    return class_names[c];
}

typedef struct profile_info {
    const char *name;
    int width, height;
} profile_info;

static const profile_info profiles[KTPEL_SYNTH_PROFILE_COUNT] = {
    {"optical", 388, 374},
    {"capacitive", 300, 300},
};

const char *ktpel_synth_profile_name(ktpel_synth_profile p)
{
    if ((int)p < 0 || p >= KTPEL_SYNTH_PROFILE_COUNT)
        return "unknown";
    return profiles[p].name;
}

ktpel_err ktpel_synth_profile_parse(const char *name, ktpel_synth_profile *out, ktpel_errbuf *eb)
{
    if (!name || !out)
        return ktpel_fail(eb, KTPEL_EINVAL, "sensor profile: NULL argument");
    for (int i = 0; i < KTPEL_SYNTH_PROFILE_COUNT; i++)
        if (strcmp(name, profiles[i].name) == 0) {
            *out = (ktpel_synth_profile)i;
            return KTPEL_OK;
        }
    return ktpel_fail(eb, KTPEL_EINVAL, "sensor profile '%s': unknown (optical, capacitive)", name);
}

ktpel_err ktpel_synth_profile_geometry(ktpel_synth_profile p, int *width, int *height, int *dpi,
                                       ktpel_errbuf *eb)
{
    if ((int)p < 0 || p >= KTPEL_SYNTH_PROFILE_COUNT)
        return ktpel_fail(eb, KTPEL_EINVAL, "sensor profile %d: unknown", (int)p);
    if (width)
        *width = profiles[p].width;
    if (height)
        *height = profiles[p].height;
    if (dpi)
        *dpi = SF_DPI;
    return KTPEL_OK;
}

/* ---- class and model --------------------------------------------------------------------- */

#define PERIOD_NOISE 0.13f /* relative sd of the short-range period variation */
#define ANGLE_NOISE  0.10f /* sd of the short-range orientation variation, radians */

/* Cumulative natural class frequencies in per mille (Wilson, Candela, Watson 1994): arch 37,
 * tented arch 29, left loop 338, right loop 317, whorl 279. */
static const int class_cumulative[KTPEL_SYNTH_FINGER_CLASS_COUNT] = {37, 66, 404, 721, 1000};

ktpel_synth_finger_class sf_draw_class(ktpel_rng *rng)
{
    int r = (int)ktpel_rng_below(rng, 1000);
    int c = 0;
    while (r >= class_cumulative[c])
        c++;
    return (ktpel_synth_finger_class)c;
}

static void draw_waves(sf_wave *w, ktpel_rng *rng, float amp, float min_wavelength,
                       float max_wavelength)
{
    for (int i = 0; i < SF_WAVES; i++) {
        float len = sf_uniform(rng, min_wavelength, max_wavelength);
        float dir = sf_uniform(rng, 0, (float)SF_PI);
        w[i].amp = amp * sf_uniform(rng, 0.3f, 1.0f);
        w[i].kx = (float)(2 * SF_PI) / len * cosf(dir);
        w[i].ky = (float)(2 * SF_PI) / len * sinf(dir);
        w[i].phase = sf_uniform(rng, 0, (float)(2 * SF_PI));
    }
}

static float waves_at(const sf_wave *w, float x, float y)
{
    float s = 0;
    for (int i = 0; i < SF_WAVES; i++)
        s += w[i].amp * cosf(w[i].kx * x + w[i].ky * y + w[i].phase);
    return s;
}

/* Singular points per class, in pixels from the area centre. Positions follow the usual
 * layout of plain impressions: the core a little above the centre, deltas below it and to
 * the side (for a left loop, whose ridges enter and leave on the left, the delta is on the
 * right). */
static void draw_singular(sf_model *m, ktpel_rng *rng)
{
    m->cores = m->deltas = 0;
    float cx = sf_normal(rng, 15), cy = sf_uniform(rng, -50, 20);
    switch (m->cls) {
    case KTPEL_SYNTH_FINGER_ARCH:
        m->arch_y = sf_uniform(rng, -20, 60);
        m->arch_height = sf_uniform(rng, 25, 60);
        m->arch_width = sf_uniform(rng, 45, 80);
        m->arch_fade = sf_uniform(rng, 90, 150);
        break;
    case KTPEL_SYNTH_FINGER_TENTED_ARCH:
        m->cores = m->deltas = 1;
        m->core_x[0] = cx;
        m->core_y[0] = cy;
        m->delta_x[0] = cx + sf_normal(rng, 8);
        m->delta_y[0] = cy + sf_uniform(rng, 50, 90);
        break;
    case KTPEL_SYNTH_FINGER_LEFT_LOOP:
    case KTPEL_SYNTH_FINGER_RIGHT_LOOP: {
        float side = m->cls == KTPEL_SYNTH_FINGER_LEFT_LOOP ? 1.0f : -1.0f;
        m->cores = m->deltas = 1;
        m->core_x[0] = cx - side * sf_uniform(rng, 0, 25);
        m->core_y[0] = cy;
        m->delta_x[0] = m->core_x[0] + side * sf_uniform(rng, 60, 120);
        m->delta_y[0] = cy + sf_uniform(rng, 80, 150);
        break;
    }
    case KTPEL_SYNTH_FINGER_WHORL:
    default: {
        m->cores = m->deltas = 2;
        float sep = sf_uniform(rng, 12, 45), dir = sf_uniform(rng, 0, (float)SF_PI);
        m->core_x[0] = cx + 0.5f * sep * cosf(dir);
        m->core_y[0] = cy + 0.5f * sep * sinf(dir);
        m->core_x[1] = cx - 0.5f * sep * cosf(dir);
        m->core_y[1] = cy - 0.5f * sep * sinf(dir);
        for (int i = 0; i < 2; i++) {
            float side = i ? 1.0f : -1.0f;
            m->delta_x[i] = cx + side * sf_uniform(rng, 80, 130);
            m->delta_y[i] = cy + sf_uniform(rng, 90, 150);
        }
        break;
    }
    }
}

void sf_model_draw(sf_model *m, ktpel_rng *rng)
{
    memset(m, 0, sizeof *m);
    m->cls = sf_draw_class(rng);
    m->area.left = sf_uniform(rng, 115, 150);
    m->area.right = m->area.left * sf_uniform(rng, 0.9f, 1.1f);
    m->area.top = sf_uniform(rng, 150, 200);
    m->area.bottom = sf_uniform(rng, 180, 250);
    draw_singular(m, rng);
    m->base_angle = sf_normal(rng, 0.06f);
    draw_waves(m->angle_waves, rng, 0.12f, 100, 300);
    m->period = sf_uniform(rng, 7.6f, 11.0f);
    m->period_noise_amp = PERIOD_NOISE;
    m->angle_noise_amp = ANGLE_NOISE;
    for (int j = 0; j < SF_NOISE_H; j++)
        for (int i = 0; i < SF_NOISE_W; i++) {
            m->period_noise[j][i] = sf_normal(rng, 1);
            m->angle_noise[j][i] = sf_normal(rng, 1);
        }
    draw_waves(m->period_waves, rng, 0.09f, 50, 200);
}

/* ---- fields ---------------------------------------------------------------------------- */

/* Smooth interpolation of a noise grid (smoothstep weights: no kinks at the cell borders). */
static float grid_at(const float g[SF_NOISE_H][SF_NOISE_W], float x, float y)
{
    float gx = x / SF_NOISE_STEP + 0.5f * (SF_NOISE_W - 1);
    float gy = y / SF_NOISE_STEP + 0.5f * (SF_NOISE_H - 1);
    gx = gx < 0 ? 0 : gx > SF_NOISE_W - 1.001f ? SF_NOISE_W - 1.001f : gx;
    gy = gy < 0 ? 0 : gy > SF_NOISE_H - 1.001f ? SF_NOISE_H - 1.001f : gy;
    int i = (int)gx, j = (int)gy;
    float fx = gx - (float)i, fy = gy - (float)j;
    fx = fx * fx * (3 - 2 * fx);
    fy = fy * fy * (3 - 2 * fy);
    float top = g[j][i] + fx * (g[j][i + 1] - g[j][i]);
    float bottom = g[j + 1][i] + fx * (g[j + 1][i + 1] - g[j + 1][i]);
    return top + fy * (bottom - top);
}

static float wrap_half_pi(float a)
{
    float pi = (float)SF_PI;
    a = fmodf(a, pi);
    if (a <= -pi / 2)
        a += pi;
    else if (a > pi / 2)
        a -= pi;
    return a;
}

static float arch_angle(const sf_model *m, float x, float y)
{
    float w2 = m->arch_width * m->arch_width;
    float g = expf(-x * x / (2 * w2));
    float dy = (y - m->arch_y) / m->arch_fade;
    float h = m->arch_height * expf(-dy * dy);
    /* ridge y = y0 - h g(x): slope dy/dx = h x g / w^2 */
    return atanf(h * x * g / w2);
}

float sf_orientation(const sf_model *m, float x, float y)
{
    float a = m->base_angle + waves_at(m->angle_waves, x, y) +
              m->angle_noise_amp * grid_at(m->angle_noise, x, y);
    if (m->cls == KTPEL_SYNTH_FINGER_ARCH)
        return wrap_half_pi(a + arch_angle(m, x, y));
    /* Zero-pole model (Sherlock and Monro 1993): index +1/2 around a core, -1/2 around a
     * delta. */
    for (int i = 0; i < m->cores; i++)
        a += 0.5f * atan2f(y - m->core_y[i], x - m->core_x[i]);
    for (int i = 0; i < m->deltas; i++)
        a -= 0.5f * atan2f(y - m->delta_y[i], x - m->delta_x[i]);
    return wrap_half_pi(a);
}

float sf_period(const sf_model *m, float x, float y)
{
    float p = m->period * (1.0f + waves_at(m->period_waves, x, y) +
                           m->period_noise_amp * grid_at(m->period_noise, x, y));
    /* Ridges are a little wider apart towards the fingertip and the crease. */
    float v = y < 0 ? y / m->area.top : y / m->area.bottom;
    return p * (1.0f + 0.06f * v * v);
}

float sf_area_depth(const sf_area *a, float x, float y)
{
    float rx = x < 0 ? a->left : a->right;
    float ry = y < 0 ? a->top : a->bottom;
    float e = sqrtf((x / rx) * (x / rx) + (y / ry) * (y / ry));
    float r = rx < ry ? rx : ry;
    return (1.0f - e) * r;
}

/* ---- distortion -------------------------------------------------------------------------- */

void sf_distortion_draw(sf_distortion *d, ktpel_rng *rng, float cx, float cy, float rx, float ry,
                        float strength)
{
    d->cx = cx;
    d->cy = cy;
    d->rx = rx * sf_uniform(rng, 0.3f, 0.55f);
    d->ry = ry * sf_uniform(rng, 0.3f, 0.55f);
    d->brake = sf_uniform(rng, 50, 110);
    float a = strength * sf_normal(rng, 0.1f);
    d->cos_a = cosf(a);
    d->sin_a = sinf(a);
    d->tx = strength * sf_normal(rng, 15);
    d->ty = strength * sf_normal(rng, 15);
}

void sf_distortion_apply(const sf_distortion *d, float x, float y, float *ox, float *oy)
{
    float u = (x - d->cx) / d->rx, v = (y - d->cy) / d->ry;
    float e = sqrtf(u * u + v * v);
    float b = 0;
    if (e > 1) {
        float dist = (e - 1) * sqrtf(d->rx * d->ry);
        b = dist >= d->brake ? 1.0f : 0.5f * (1.0f - cosf((float)SF_PI * dist / d->brake));
    }
    float px = x - d->cx, py = y - d->cy;
    float tx = d->cos_a * px - d->sin_a * py + d->cx + d->tx;
    float ty = d->sin_a * px + d->cos_a * py + d->cy + d->ty;
    *ox = x + b * (tx - x);
    *oy = y + b * (ty - y);
}
