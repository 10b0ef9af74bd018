/* Rendering of a capture: skin and lids, sclera, iris through the rubber sheet, pupil, then
 * eyelashes, specular reflections and focus blur. Works in float grey levels. */
#include <math.h>
#include <string.h>

#include "synth_iris_internal.h"

#define W KTPEL_SYNTH_IRIS_WIDTH
#define H KTPEL_SYNTH_IRIS_HEIGHT

/* Coarse lattice of the skin's shading. */
#define SKIN_CELL 32
#define SKIN_LW   (W / SKIN_CELL + 2)
#define SKIN_LH   (H / SKIN_CELL + 2)

static double clampd(double v, double lo, double hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

static double uniform(ktpel_rng *rng, double lo, double hi)
{
    return lo + (hi - lo) * ktpel_rng_uniform(rng);
}

/* A lid edge with its rotation worked out once. */
typedef struct lid_frame {
    const ktpel_synth_iris_eyelid *lid;
    double ca, sa;
} lid_frame;

static lid_frame make_lid_frame(const ktpel_synth_iris_eyelid *lid)
{
    return (lid_frame){lid, cos(lid->angle), sin(lid->angle)};
}

/* Signed distance (first order) from (x, y) to a lid edge, positive on the open side. */
static double lid_open_distance(const lid_frame *f, double x, double y)
{
    const ktpel_synth_iris_eyelid *lid = f->lid;
    double dx = x - lid->apex_x, dy = y - lid->apex_y;
    double u = dx * f->ca + dy * f->sa;
    double v = -dx * f->sa + dy * f->ca;
    double k = lid->curvature;
    double d = (v - k * u * u) / sqrt(1.0 + 4.0 * k * k * u * u);
    return k > 0 ? d : -d;
}

/* Per-capture fields that every pixel needs. */
typedef struct scene {
    const ktpel_synth_iris_eye *eye;
    const si_capture *cap;
    float skin[SKIN_LH][SKIN_LW];
    double crease_up, crease_lo; /* distance of the skin folds from the lid edges */
    double fold_depth;
} scene;

static double skin_shading(const scene *s, int x, int y)
{
    double fx = (double)x / SKIN_CELL, fy = (double)y / SKIN_CELL;
    int x0 = (int)fx, y0 = (int)fy;
    double wx = fx - x0, wy = fy - y0;
    wx = wx * wx * (3 - 2 * wx);
    wy = wy * wy * (3 - 2 * wy);
    double top = s->skin[y0][x0] + wx * (s->skin[y0][x0 + 1] - s->skin[y0][x0]);
    double bot = s->skin[y0 + 1][x0] + wx * (s->skin[y0 + 1][x0 + 1] - s->skin[y0 + 1][x0]);
    return top + wy * (bot - top);
}

/* Skin at a pixel outside the opening: shading, the dark lash line along the lid margins
 * and the folds above and below. out_up/out_lo: distances beyond each lid (>= 0 on skin). */
static double skin_value(const scene *s, int x, int y, double out_up, double out_lo, double grain)
{
    double v = s->cap->skin_level + 5.0 * skin_shading(s, x, y) + grain;
    if (out_up > -2) {
        double d = out_up < 0 ? 0 : out_up;
        v -= 70.0 * exp(-d * d / 10.0);
        double f = (out_up - s->crease_up) / 4.0;
        v -= s->fold_depth * exp(-f * f);
    }
    if (out_lo > -2) {
        double d = out_lo < 0 ? 0 : out_lo;
        v -= 35.0 * exp(-(d - 2.0) * (d - 2.0) / 4.0);
        double f = (out_lo - s->crease_lo) / 5.0;
        v -= 0.6 * s->fold_depth * exp(-f * f);
    }
    return v;
}

/* Iris texture at a pixel, through the rubber sheet between the (non-concentric) circles.
 * (dx, dy) is the pixel minus the pupil centre, dist its length. */
static double iris_value(const scene *s, double dist, double dx, double dy)
{
    const ktpel_synth_iris_truth *t = &s->cap->truth;
    double ux = dx / dist, uy = dy / dist;
    /* Where the ray from the pupil centre meets the limbus. */
    double px = t->pupil_x - t->iris_x, py = t->pupil_y - t->iris_y;
    double b = ux * px + uy * py;
    double c = px * px + py * py - t->iris_r * t->iris_r;
    double reach = -b + sqrt(b * b - c);
    double rho = clampd((dist - t->pupil_r) / (reach - t->pupil_r), 0.0, 1.0);
    double rho_tex = clampd(rho + s->cap->warp * rho * (1.0 - rho), 0.0, 1.0);
    double theta = atan2(-dy, dx) - t->rotation;
    double v =
        s->cap->iris_level + s->cap->iris_contrast * si_texture_sample(s->eye, theta, rho_tex);
    /* The limbal ring is darker. */
    double limbal = clampd((rho - 0.82) / 0.18, 0.0, 1.0);
    return v * (1.0 - 0.18 * limbal * limbal);
}

/* The eyeball at a pixel inside the opening: pupil, iris, sclera with soft boundaries. */
static double eyeball_value(const scene *s, int x, int y, double open_up, double open_lo)
{
    const si_capture *c = s->cap;
    const ktpel_synth_iris_truth *t = &c->truth;
    double ix = x - t->iris_x, iy = y - t->iris_y;
    double to_limbus = t->iris_r - sqrt(ix * ix + iy * iy);
    double sx = (x - c->socket_x) / c->half_width, sy = (y - c->socket_y) / c->half_width;
    double sclera = c->sclera_level * (1.0 - 0.2 * (sx * sx + 2.0 * sy * sy));
    double v = sclera;
    if (to_limbus > -2.0) {
        double dx = x - t->pupil_x, dy = y - t->pupil_y;
        double dist = sqrt(dx * dx + dy * dy);
        double iris = dist > 1e-6 ? iris_value(s, dist, dx, dy) : c->pupil_level;
        double ap = clampd(0.5 + (t->pupil_r - dist) / 1.2, 0.0, 1.0);
        iris = ap * c->pupil_level + (1.0 - ap) * iris;
        double al = clampd(0.5 + to_limbus / 2.5, 0.0, 1.0);
        v = al * iris + (1.0 - al) * sclera;
    }
    /* Shadow of the upper lid and the wet margin of the lower one. */
    v *= 1.0 - 0.3 * exp(-(open_up > 0 ? open_up : 0) / 6.0);
    v += 30.0 * exp(-(open_lo - 1.2) * (open_lo - 1.2) / 1.5);
    return v;
}

static void init_scene(scene *s, const ktpel_synth_iris_eye *eye, const si_capture *cap,
                       ktpel_rng *rng)
{
    s->eye = eye;
    s->cap = cap;
    for (int j = 0; j < SKIN_LH; j++)
        for (int i = 0; i < SKIN_LW; i++)
            s->skin[j][i] = (float)ktpel_rng_normal(rng);
    s->crease_up = cap->truth.iris_r * uniform(rng, 0.25, 0.55);
    s->crease_lo = cap->truth.iris_r * uniform(rng, 0.2, 0.4);
    s->fold_depth = uniform(rng, 4, 14);
}

void si_render_scene(const ktpel_synth_iris_eye *eye, const si_capture *cap, ktpel_rng *rng,
                     float *img)
{
    scene s;
    init_scene(&s, eye, cap, rng);
    lid_frame upper = make_lid_frame(&cap->truth.upper);
    lid_frame lower = make_lid_frame(&cap->truth.lower);
    for (int y = 0; y < H; y++) {
        double gy = 1.0 + cap->gain_y * (y - H / 2.0) / (H / 2.0);
        for (int x = 0; x < W; x++) {
            double open_up = lid_open_distance(&upper, x, y);
            double open_lo = lid_open_distance(&lower, x, y);
            double open = fmin(open_up, open_lo);
            double grain = 5.0 * (ktpel_rng_uniform(rng) - 0.5);
            double a = clampd(0.5 + open / 1.5, 0.0, 1.0);
            double v = 0;
            if (a > 0)
                v += a * eyeball_value(&s, x, y, open_up, open_lo);
            if (a < 1)
                v += (1 - a) * skin_value(&s, x, y, -open_up, -open_lo, grain);
            double gx = 1.0 + cap->gain_x * (x - W / 2.0) / (W / 2.0);
            img[y * W + x] = (float)(v * gx * gy);
        }
    }
}

/* Marks a disc of radius rad at (x, y) in the coverage map (anti-aliased, max-combined). */
static void splat(float *cov, double x, double y, double rad, double strength)
{
    int x0 = (int)floor(x - rad - 1), x1 = (int)ceil(x + rad + 1);
    int y0 = (int)floor(y - rad - 1), y1 = (int)ceil(y + rad + 1);
    for (int j = y0 < 0 ? 0 : y0; j <= y1 && j < H; j++)
        for (int i = x0 < 0 ? 0 : x0; i <= x1 && i < W; i++) {
            double d = sqrt((i - x) * (i - x) + (j - y) * (j - y));
            double a = clampd(rad + 0.5 - d, 0.0, 1.0) * strength;
            if (a > cov[j * W + i])
                cov[j * W + i] = (float)a;
        }
}

/* One lash: a quadratic curve from a root on a lid edge, drawn in the lid's frame (u along
 * the lid, v across, pointing down in the eye's frame) then turned into the image. */
typedef struct lash {
    double u0, v0; /* root */
    double du, dv; /* direction at the root (unit) */
    double len, bend, width, dark;
} lash;

static void draw_lash(float *cov, const ktpel_synth_iris_eyelid *lid, const lash *l)
{
    double ca = cos(lid->angle), sa = sin(lid->angle);
    int steps = (int)(l->len * 1.5) + 1;
    for (int i = 0; i <= steps; i++) {
        double s = (double)i / steps;
        double u = l->u0 + l->len * s * l->du - l->bend * s * s * l->dv;
        double v = l->v0 + l->len * s * l->dv + l->bend * s * s * l->du;
        double x = lid->apex_x + u * ca - v * sa;
        double y = lid->apex_y + u * sa + v * ca;
        splat(cov, x, y, 0.5 * l->width * (1.0 - 0.6 * s), l->dark);
    }
}

/* Lashes along one lid. up: upper lid (lashes point up and out; some hang over the eye). */
static void draw_lid_lashes(float *cov, const ktpel_synth_iris_eyelid *lid, double half_width,
                            int count, double down_fraction, double slant, int up, ktpel_rng *rng)
{
    double s = 0, fan0 = 0;
    int hang = 0;
    for (int i = 0; i < count; i++) {
        lash l;
        /* Lashes grow in clumps: most start next to the previous one, pointing alike. */
        if (i == 0 || ktpel_rng_uniform(rng) < 0.4) {
            s = uniform(rng, -0.9, 0.9);
            hang = up && ktpel_rng_uniform(rng) < down_fraction;
            fan0 = slant + 0.6 * s + 0.25 * ktpel_rng_normal(rng);
        } else {
            s += 0.02 * ktpel_rng_normal(rng);
        }
        l.u0 = s * half_width;
        l.v0 = lid->curvature * l.u0 * l.u0;
        /* Angle from "away from the eye", fanning out towards the corners. */
        double fan = fan0 + 0.12 * ktpel_rng_normal(rng);
        double away = up && !hang ? -1.0 : 1.0;
        l.du = sin(fan);
        l.dv = away * cos(fan);
        if (hang)
            l.dv *= uniform(rng, 0.3, 0.9);
        l.len = up ? (hang ? uniform(rng, 10, 35) : uniform(rng, 20, 60)) : uniform(rng, 5, 18);
        l.bend = (up ? 0.3 : 0.2) * l.len * (ktpel_rng_normal(rng) + (up ? 0.8 * s : 0.0));
        l.width = uniform(rng, 1.0, up ? 2.2 : 1.3);
        l.dark = uniform(rng, up ? 0.65 : 0.35, up ? 0.95 : 0.6);
        draw_lash(cov, lid, &l);
    }
}

void si_render_lashes(const ktpel_synth_iris_eye *eye, const si_capture *cap, ktpel_rng *rng,
                      float *img, float *work)
{
    memset(work, 0, sizeof(float) * W * H);
    int upper = (int)(eye->lash_density * uniform(rng, 0.85, 1.15));
    int lower = (int)(upper * uniform(rng, 0.2, 0.45));
    draw_lid_lashes(work, &cap->truth.upper, cap->half_width, upper, eye->lash_down,
                    eye->lash_slant, 1, rng);
    draw_lid_lashes(work, &cap->truth.lower, cap->half_width, lower, 0.0, -0.5 * eye->lash_slant, 0,
                    rng);
    const double lash_grey = 30.0;
    for (int i = 0; i < W * H; i++)
        img[i] = (float)(img[i] * (1.0 - work[i]) + lash_grey * work[i]);
}

void si_render_spots(const si_capture *cap, float *img)
{
    const ktpel_synth_iris_truth *t = &cap->truth;
    for (int k = 0; k < t->spot_count; k++) {
        const ktpel_synth_iris_spot *sp = &t->spots[k];
        int reach = (int)ceil(sp->r * 2.5);
        for (int j = (int)sp->y - reach; j <= (int)sp->y + reach; j++) {
            if (j < 0 || j >= H)
                continue;
            for (int i = (int)sp->x - reach; i <= (int)sp->x + reach; i++) {
                if (i < 0 || i >= W)
                    continue;
                double d = sqrt((i - sp->x) * (i - sp->x) + (j - sp->y) * (j - sp->y));
                double a = clampd(sp->r + 0.5 - d, 0.0, 1.0);
                double halo = 0.25 * exp(-(d / sp->r) * (d / sp->r));
                double v = img[j * W + i];
                v += halo * (250.0 - v);
                img[j * W + i] = (float)(a * 250.0 + (1.0 - a) * v);
            }
        }
    }
}

/* Separable Gaussian, edges clamped. */
void si_blur(float *img, float *work, double sigma)
{
    if (sigma <= 0.05)
        return;
    enum { MAXR = 8 };
    int rad = (int)ceil(3.0 * sigma);
    if (rad > MAXR)
        rad = MAXR;
    double k[MAXR + 1], sum = 0;
    for (int i = 0; i <= rad; i++) {
        k[i] = exp(-0.5 * i * i / (sigma * sigma));
        sum += i ? 2 * k[i] : k[i];
    }
    for (int i = 0; i <= rad; i++)
        k[i] /= sum;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            const float *row = img + y * W;
            double v = k[0] * row[x];
            for (int i = 1; i <= rad; i++)
                v += k[i] * (row[x - i < 0 ? 0 : x - i] + row[x + i >= W ? W - 1 : x + i]);
            work[y * W + x] = (float)v;
        }
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            double v = k[0] * work[y * W + x];
            for (int i = 1; i <= rad; i++) {
                int a = y - i < 0 ? 0 : y - i, b = y + i >= H ? H - 1 : y + i;
                v += k[i] * (work[a * W + x] + work[b * W + x]);
            }
            img[y * W + x] = (float)v;
        }
}
