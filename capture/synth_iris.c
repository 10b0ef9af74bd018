/* Synthetic irises: the eye object (what stays the same for a person's eye) and the drawing
 * of a capture's parameters (what changes from one capture to the next). Rendering is in
 * synth_iris_render.c, the texture in synth_iris_texture.c. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "synth_iris_internal.h"

#define W KTPEL_SYNTH_IRIS_WIDTH
#define H KTPEL_SYNTH_IRIS_HEIGHT

/* Sub-streams under (KTPEL_SYNTH_IRIS_STREAM, resident, eye, PART[, capture]). */
enum { PART_EYE = 0, PART_TEXTURE = 1, PART_CAPTURE = 2 };

static double uniform(ktpel_rng *rng, double lo, double hi)
{
    return lo + (hi - lo) * ktpel_rng_uniform(rng);
}

static double clampd(double v, double lo, double hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* Normal with mean m and deviation s, clamped to [lo, hi]. */
static double normal_in(ktpel_rng *rng, double m, double s, double lo, double hi)
{
    return clampd(m + s * ktpel_rng_normal(rng), lo, hi);
}

static void seed_part(ktpel_rng *rng, const ktpel_synth_iris_eye *eye, uint64_t part,
                      uint64_t capture)
{
    uint64_t path[5] = {KTPEL_SYNTH_IRIS_STREAM, eye->resident, (uint64_t)eye->which, part,
                        capture};
    ktpel_rng_seed_path(rng, eye->seed, path, part == PART_CAPTURE ? 5 : 4);
}

/* What stays the same for an eye: anatomy, habitual pose, and its look in near infrared. */
static void draw_eye(ktpel_synth_iris_eye *e, ktpel_rng *rng)
{
    e->diameter_mm = normal_in(rng, 11.8, 0.45, 10.8, 12.9);
    e->scale_px_mm = uniform(rng, 16.0, 18.6);
    e->pupil_ratio = uniform(rng, 0.32, 0.50);
    /* The pupil sits a little nasal (towards image right for a right eye seen from the
     * camera) and often a little up, by a few percent of the iris radius. */
    double nasal = e->which == KTPEL_SYNTH_IRIS_RIGHT ? 0.0 : SI_PI;
    double dir = nasal + 0.35 + 0.6 * ktpel_rng_normal(rng) * (e->which ? -1 : 1);
    double off = uniform(rng, 0.025, 0.08);
    e->pupil_dx = off * cos(dir);
    e->pupil_dy = -off * fabs(sin(dir)) * (ktpel_rng_uniform(rng) < 0.75 ? 1 : -1);
    e->lid_upper = uniform(rng, 0.55, 1.0);
    e->lid_lower = uniform(rng, 0.75, 1.1);
    e->lash_density = uniform(rng, 110, 240);
    e->lash_down = uniform(rng, 0.08, 0.35);
    /* Lashes lean towards the temple: image left for a right eye. */
    e->lash_slant = uniform(rng, 0.25, 0.85) * (e->which == KTPEL_SYNTH_IRIS_RIGHT ? -1 : 1);

    e->pupil_level = uniform(rng, 22, 45);
    e->iris_level = uniform(rng, 115, 160);
    e->iris_contrast = uniform(rng, 12, 20);
    /* In near infrared the sclera is always well brighter than the iris. */
    e->sclera_level = fmin(215.0, e->iris_level + uniform(rng, 35, 70));
    e->skin_level = uniform(rng, 195, 230);
}

ktpel_err ktpel_synth_iris_eye_create(uint64_t seed, uint64_t resident, int eye,
                                      ktpel_synth_iris_eye **out, ktpel_errbuf *eb)
{
    if (!out)
        return ktpel_fail(eb, KTPEL_EINVAL, "synth iris: out is NULL");
    *out = NULL;
    if (eye != KTPEL_SYNTH_IRIS_RIGHT && eye != KTPEL_SYNTH_IRIS_LEFT)
        return ktpel_fail(eb, KTPEL_EINVAL, "synth iris: eye %d is neither 0 (right) nor 1 (left)",
                          eye);
    ktpel_synth_iris_eye *e = calloc(1, sizeof(*e));
    if (!e)
        return ktpel_fail(eb, KTPEL_ENOMEM, "synth iris: no memory for eye %d of resident %llu",
                          eye, (unsigned long long)resident);
    e->seed = seed;
    e->resident = resident;
    e->which = eye;
    ktpel_rng rng;
    seed_part(&rng, e, PART_EYE, 0);
    draw_eye(e, &rng);
    seed_part(&rng, e, PART_TEXTURE, 0);
    si_texture_generate(e, &rng);
    *out = e;
    return KTPEL_OK;
}

void ktpel_synth_iris_eye_free(ktpel_synth_iris_eye *eye)
{
    free(eye);
}

/* Turns (dx, dy), given in the eye's frame, by the head tilt (counter-clockwise as seen, in
 * image coordinates where y points down). */
static void turn(double tilt, double dx, double dy, double *ox, double *oy)
{
    *ox = dx * cos(tilt) + dy * sin(tilt);
    *oy = -dx * sin(tilt) + dy * cos(tilt);
}

/* Pupil, limbus and where the eye sits in the image. */
static void draw_circles(const ktpel_synth_iris_eye *e, ktpel_rng *rng, si_capture *c)
{
    ktpel_synth_iris_truth *t = &c->truth;
    double scale = e->scale_px_mm * normal_in(rng, 1.0, 0.025, 0.93, 1.07);
    double r = 0.5 * e->diameter_mm * scale;
    double ratio = normal_in(rng, e->pupil_ratio, 0.05, 0.2, 0.62);
    /* Real tissue does not stretch linearly: the further the pupil is from its usual size,
     * the more the texture moves against the rubber-sheet coordinates. */
    c->warp = 1.2 * (ratio - e->pupil_ratio);
    c->tilt = normal_in(rng, 0.0, 0.045, -0.12, 0.12);
    c->socket_x = normal_in(rng, W / 2.0, 9.0, W / 2.0 - 25, W / 2.0 + 25);
    c->socket_y = normal_in(rng, H / 2.0, 6.0, H / 2.0 - 18, H / 2.0 + 18);
    /* Gaze moves the iris against the lids. */
    t->iris_r = r;
    t->iris_x = clampd(c->socket_x + 0.07 * r * ktpel_rng_normal(rng), r + 3, W - 4 - r);
    t->iris_y = clampd(c->socket_y + 0.05 * r * ktpel_rng_normal(rng), r + 3, H - 4 - r);
    double dx, dy;
    turn(c->tilt, e->pupil_dx + 0.008 * ktpel_rng_normal(rng),
         e->pupil_dy + 0.008 * ktpel_rng_normal(rng), &dx, &dy);
    t->pupil_r = ratio * r;
    t->pupil_x = t->iris_x + dx * r;
    t->pupil_y = t->iris_y + dy * r;
    /* A little ocular torsion on top of the head tilt. */
    t->rotation = c->tilt + 0.01 * ktpel_rng_normal(rng);
}

/* Eyelid parabolas through the eye corners (half_width from the socket centre, a little
 * below it). */
static void draw_lids(const ktpel_synth_iris_eye *e, ktpel_rng *rng, si_capture *c)
{
    ktpel_synth_iris_truth *t = &c->truth;
    double r = t->iris_r;
    double up = normal_in(rng, e->lid_upper, 0.08, 0.3, 1.15);
    double lo = normal_in(rng, e->lid_lower, 0.06, 0.55, 1.2);
    c->half_width = r * uniform(rng, 1.9, 2.5);
    double hw2 = c->half_width * c->half_width;
    double corner = 0.3 * r;
    /* Apexes relative to the iris (the lids follow the gaze vertically, roughly). */
    double iy = t->iris_y - c->socket_y;
    double ux, uy, lx, ly;
    turn(c->tilt, 0.08 * r * ktpel_rng_normal(rng), iy - up * r, &ux, &uy);
    turn(c->tilt, 0.08 * r * ktpel_rng_normal(rng), iy + lo * r, &lx, &ly);
    t->upper = (ktpel_synth_iris_eyelid){c->socket_x + ux, c->socket_y + uy,
                                         (corner - (iy - up * r)) / hw2, -c->tilt};
    t->lower = (ktpel_synth_iris_eyelid){c->socket_x + lx, c->socket_y + ly,
                                         (corner - (iy + lo * r)) / hw2, -c->tilt};
}

/* The reflections of the camera's illuminators: one or two small bright discs, usually in
 * the pupil. */
static void draw_spots(ktpel_rng *rng, si_capture *c)
{
    ktpel_synth_iris_truth *t = &c->truth;
    t->spot_count = ktpel_rng_uniform(rng) < 0.5 ? 1 : 2;
    double x = t->pupil_x + 0.35 * t->pupil_r * ktpel_rng_normal(rng);
    double y = t->pupil_y + 0.35 * t->pupil_r * ktpel_rng_normal(rng);
    double gap = uniform(rng, 10, 24);
    for (int i = 0; i < t->spot_count; i++) {
        ktpel_synth_iris_spot *s = &t->spots[i];
        s->r = uniform(rng, 2.5, 5.5);
        s->x = clampd(x + (i ? gap : 0), s->r, W - 1 - s->r);
        s->y = clampd(y + (i ? 2.0 * ktpel_rng_normal(rng) : 0), s->r, H - 1 - s->r);
    }
}

static void draw_capture(const ktpel_synth_iris_eye *e, ktpel_rng *rng, si_capture *c)
{
    memset(c, 0, sizeof(*c));
    draw_circles(e, rng, c);
    draw_lids(e, rng, c);
    draw_spots(rng, c);
    c->truth.blur_sigma = uniform(rng, 0.5, 1.5);
    c->truth.noise_sigma = uniform(rng, 1.5, 3.5);
    double exposure = normal_in(rng, 1.0, 0.05, 0.85, 1.15);
    c->pupil_level = e->pupil_level * exposure;
    c->iris_level = e->iris_level * exposure;
    c->iris_contrast = e->iris_contrast * exposure;
    c->sclera_level = e->sclera_level * exposure;
    c->skin_level = e->skin_level * exposure;
    c->gain_x = 0.06 * ktpel_rng_normal(rng);
    c->gain_y = 0.06 * ktpel_rng_normal(rng);
}

/* Approximately normal sensor noise, cheap enough for every pixel: the sum of four 16-bit
 * uniforms from one draw (Irwin-Hall), scaled to unit variance. */
static double noise_sample(ktpel_rng *rng)
{
    uint64_t r = ktpel_rng_next(rng);
    double sum = (double)(r & 0xFFFF) + (double)((r >> 16) & 0xFFFF) +
                 (double)((r >> 32) & 0xFFFF) + (double)(r >> 48);
    /* Each uniform on [0, 65535] has variance 65536^2 / 12; four have 65536^2 / 3. */
    return (sum - 2.0 * 65535.0) * (1.7320508075688772 / 65536.0);
}

/* Blur, noise and 8-bit quantisation. */
static void finish(const si_capture *c, ktpel_rng *rng, float *img, float *work, uint8_t *out)
{
    si_blur(img, work, c->truth.blur_sigma);
    for (int i = 0; i < W * H; i++) {
        double v = img[i] + c->truth.noise_sigma * noise_sample(rng);
        out[i] = (uint8_t)lround(clampd(v, 0.0, 255.0));
    }
}

ktpel_err ktpel_synth_iris_capture(const ktpel_synth_iris_eye *eye, int capture, ktpel_image *out,
                                   ktpel_synth_iris_truth *truth, ktpel_errbuf *eb)
{
    if (!eye || !out)
        return ktpel_fail(eb, KTPEL_EINVAL, "synth iris capture: %s is NULL", !eye ? "eye" : "out");
    memset(out, 0, sizeof(*out));
    if (capture < 0)
        return ktpel_fail(eb, KTPEL_EINVAL, "synth iris capture: capture index %d is negative",
                          capture);
    si_capture c;
    ktpel_rng rng;
    seed_part(&rng, eye, PART_CAPTURE, (uint64_t)capture);
    draw_capture(eye, &rng, &c);

    float *img = malloc(sizeof(float) * W * H * 2);
    if (!img)
        return ktpel_fail(eb, KTPEL_ENOMEM, "synth iris capture: no memory for capture %d",
                          capture);
    float *work = img + W * H;
    int dpi = (int)lround(25.4 * 2.0 * c.truth.iris_r / eye->diameter_mm);
    ktpel_err err = ktpel_image_alloc(out, W, H, 1, dpi, eb);
    if (err != KTPEL_OK) {
        free(img);
        return err;
    }
    si_render_scene(eye, &c, &rng, img);
    si_render_lashes(eye, &c, &rng, img, work);
    si_render_spots(&c, img);
    finish(&c, &rng, img, work, out->data);
    free(img);
    if (truth)
        *truth = c.truth;
    return KTPEL_OK;
}

int ktpel_synth_iris_eyelid_covers(const ktpel_synth_iris_eyelid *lid, double x, double y)
{
    double dx = x - lid->apex_x, dy = y - lid->apex_y;
    double u = dx * cos(lid->angle) + dy * sin(lid->angle);
    double v = -dx * sin(lid->angle) + dy * cos(lid->angle);
    double edge = lid->curvature * u * u;
    return lid->curvature > 0 ? v < edge : v > edge;
}

int ktpel_synth_iris_truth_is_iris(const ktpel_synth_iris_truth *t, double x, double y)
{
    double pd = hypot(x - t->pupil_x, y - t->pupil_y);
    double id = hypot(x - t->iris_x, y - t->iris_y);
    if (pd <= t->pupil_r || id >= t->iris_r)
        return 0;
    return !ktpel_synth_iris_eyelid_covers(&t->upper, x, y) &&
           !ktpel_synth_iris_eyelid_covers(&t->lower, x, y);
}
