/* Template-level synthesis: master minutiae sets and their impressions, for scale (a million
 * fingers in minutes), where rendering and extracting images would take hours.
 *
 * Master: the same finger model as the images (class with natural frequencies, fingerprint
 * area, singular points, orientation field). Minutiae are a hard-core Poisson process over
 * the area (no two closer than HARD_CORE), a little denser around the singular points;
 * a quarter of them come with a partner a few pixels along the ridge facing back (short
 * ridges, islands). Each points along the local ridge orientation, mostly away from the
 * pattern's centre (where ridges are inserted as the flow widens). Types: 70 % endings
 * before the impressions' type noise, which leaves about 62 %.
 *
 * The constants were set by comparing with the FVC2002 ISO templates of
 * ../shared/datasets/fingerprint-iso (SecuGen extractor): minutiae per template (DB1..DB4
 * means 34.0 / 40.7 / 26.4 / 26.6), share of endings (62..68 %), nearest-neighbour
 * distances (median about 20 pixels), how neighbours within 70 pixels point (real: half the
 * same way, a third opposite), and finally the comparator's impostor scores (99.9th
 * percentile; tests/slow/test_synth_finger_realism.c).
 *
 * Impression: a quality draw q in 0..1 (skin and placement), rigid motion, skin distortion
 * (the model of synth_finger_field.c), the contact area and the sensor window; minutiae
 * outside them are lost, others go missing (more at the rim of the contact area, at low
 * quality and on the capacitive profile), spurious ones appear, and positions, angles and
 * types get noise. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "synth_finger_internal.h"

#define DENSITY_MEAN    0.78e-3f /* minutiae per pixel^2 of the fingerprint area */
#define DENSITY_SD      0.10e-3f
#define HARD_CORE       8.0f /* no two master minutiae closer than this (pixels) */
#define SINGULAR_BOOST  0.5f /* extra relative density at a singular point */
#define SINGULAR_RADIUS 50.0f
#define MISS_OPTICAL    0.05f /* genuine minutiae lost by a good impression, per profile */
#define MISS_CAPACITIVE 0.14f
#define ENDING_SHARE    0.70f /* before type noise */
#define OUTWARD_SHARE   0.9f  /* minutiae pointing away from the pattern centre */
#define PAIR_SHARE      0.25f /* minutiae that come with a partner (short ridge, island) */
#define PAIR_MIN        8.0f
#define PAIR_MAX        28.0f
#define WINDOW_MARGIN   6.0f /* extractors drop minutiae this close to the image border */

/* ---- master ------------------------------------------------------------------------------ */

static float singular_weight(const sf_model *m, float x, float y)
{
    float w = 1.0f;
    for (int i = 0; i < m->cores; i++) {
        float dx = x - m->core_x[i], dy = y - m->core_y[i];
        w += SINGULAR_BOOST * expf(-(dx * dx + dy * dy) / (2 * SINGULAR_RADIUS * SINGULAR_RADIUS));
    }
    for (int i = 0; i < m->deltas; i++) {
        float dx = x - m->delta_x[i], dy = y - m->delta_y[i];
        w += SINGULAR_BOOST * expf(-(dx * dx + dy * dy) / (2 * SINGULAR_RADIUS * SINGULAR_RADIUS));
    }
    return w;
}

static int too_close(const float *xs, const float *ys, int n, float x, float y)
{
    for (int i = 0; i < n; i++) {
        float dx = xs[i] - x, dy = ys[i] - y;
        if (dx * dx + dy * dy < HARD_CORE * HARD_CORE)
            return 1;
    }
    return 0;
}

/* Direction of a minutia at (x, y): along the ridge orientation, one way or the other. Ridges
 * are inserted where they diverge, mostly away from the pattern's centre, and the minutiae
 * that insert them point that way: so a share of minutiae points outwards from the centre
 * (in the FVC2002 ISO templates half of the neighbour pairs within 70 pixels point the same
 * way and a third opposite; random ways would give equal shares). */
static float direction_along(const sf_model *m, ktpel_rng *rng, float x, float y, float sd)
{
    float a = sf_orientation(m, x, y) + sf_normal(rng, sd);
    float cx = m->cores ? m->core_x[0] : 0, cy = m->cores ? m->core_y[0] : m->arch_y;
    int flip;
    if (ktpel_rng_uniform(rng) < OUTWARD_SHARE)
        flip = cosf(a) * (x - cx) + sinf(a) * (y - cy) < 0;
    else
        flip = (int)ktpel_rng_below(rng, 2);
    return flip ? a + (float)SF_PI : a;
}

/* Ridge direction at (x, y) pointing against dir (back towards where dir came from). */
static float facing_back(const sf_model *m, float x, float y, float dir)
{
    float o = sf_orientation(m, x, y);
    return cosf(dir - o) > 0 ? o + (float)SF_PI : o;
}

/* Appends a minutia given in pixels and an image-frame direction (clockwise on screen). */
static void add_master_minutia(ktpel_synth_minutiae_master *out, float *xs, float *ys, int *n,
                               float x, float y, float dir, int type)
{
    float scale = 1.0f / (float)SF_PX_PER_MM;
    xs[*n] = x;
    ys[*n] = y;
    out->minutiae[*n].x_mm = x * scale;
    out->minutiae[*n].y_mm = y * scale;
    out->minutiae[*n].direction = -dir;
    out->minutiae[*n].type = (uint8_t)type;
    (*n)++;
}

ktpel_err ktpel_synth_minutiae_master_make(uint64_t seed, uint64_t finger,
                                           ktpel_synth_minutiae_master *out, ktpel_errbuf *eb)
{
    if (!out)
        return ktpel_fail(eb, KTPEL_EINVAL, "minutiae master: NULL output");
    memset(out, 0, sizeof *out);
    ktpel_rng rng;
    uint64_t path[2] = {SF_STREAM_TEMPLATE_MASTER, finger};
    ktpel_rng_seed_path(&rng, seed, path, 2);
    sf_model model;
    sf_model_draw(&model, &rng);
    const sf_area *a = &model.area;
    float area = (float)(SF_PI / 4) * (a->left + a->right) * (a->top + a->bottom);
    float density = DENSITY_MEAN + sf_normal(&rng, DENSITY_SD);
    density = density < 0.3e-3f ? 0.3e-3f : density;
    int target = (int)lroundf(area * density);
    if (target > KTPEL_SYNTH_MASTER_MAX_MINUTIAE)
        target = KTPEL_SYNTH_MASTER_MAX_MINUTIAE;
    float xs[KTPEL_SYNTH_MASTER_MAX_MINUTIAE], ys[KTPEL_SYNTH_MASTER_MAX_MINUTIAE];
    float max_w = 1.0f + SINGULAR_BOOST * (float)(model.cores + model.deltas);
    int n = 0;
    for (int tries = 0; n < target && tries < 50 * target; tries++) {
        float x = sf_uniform(&rng, -a->left, a->right);
        float y = sf_uniform(&rng, -a->top, a->bottom);
        if (sf_area_depth(a, x, y) <= 0)
            continue;
        if (sf_uniform(&rng, 0, max_w) > singular_weight(&model, x, y))
            continue;
        if (too_close(xs, ys, n, x, y))
            continue;
        float dir = direction_along(&model, &rng, x, y, 0.04f);
        int type = ktpel_rng_uniform(&rng) < ENDING_SHARE ? KTPEL_MINUTIA_ENDING
                                                          : KTPEL_MINUTIA_BIFURCATION;
        add_master_minutia(out, xs, ys, &n, x, y, dir, type);
        /* Short ridges and islands: a partner of the same type a little way along the ridge,
         * facing back. */
        if (n < target && ktpel_rng_uniform(&rng) < PAIR_SHARE) {
            float d = sf_uniform(&rng, PAIR_MIN, PAIR_MAX);
            float px = x + d * cosf(dir), py = y + d * sinf(dir);
            if (sf_area_depth(a, px, py) > 0 && !too_close(xs, ys, n, px, py)) {
                float back = facing_back(&model, px, py, dir) + sf_normal(&rng, 0.08f);
                add_master_minutia(out, xs, ys, &n, px, py, back, type);
            }
        }
    }
    out->seed = seed;
    out->finger = finger;
    out->finger_class = model.cls;
    out->count = n;
    out->half_width_mm = 0.5f * (a->left + a->right) / (float)SF_PX_PER_MM;
    out->half_height_mm = 0.5f * (a->top + a->bottom) / (float)SF_PX_PER_MM;
    int c = model.cores > 0 ? 0 : -1;
    out->core_x_mm = c >= 0 ? model.core_x[0] / (float)SF_PX_PER_MM : 0;
    out->core_y_mm =
        c >= 0 ? model.core_y[0] / (float)SF_PX_PER_MM : model.arch_y / (float)SF_PX_PER_MM;
    return KTPEL_OK;
}

/* ---- impression -------------------------------------------------------------------------- */

typedef struct tpl_impression {
    float quality; /* 0 (poor) .. 1 (good) */
    float cos_a, sin_a, cx, cy;
    sf_area contact;
    float contact_x, contact_y, rim;
    sf_distortion distortion;
    int width, height;
    float miss; /* share of genuine minutiae a sensor of this profile loses at best */
} tpl_impression;

static float clampf(float v, float lo, float hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

static void draw_tpl_impression(tpl_impression *im, const sf_area *a, int width, int height,
                                ktpel_rng *rng)
{
    im->width = width;
    im->height = height;
    im->quality = sf_uniform(rng, 0, 1);
    float angle = clampf(sf_normal(rng, 0.14f), -0.45f, 0.45f);
    im->cos_a = cosf(angle);
    im->sin_a = sinf(angle);
    im->cx = 0.5f * (float)width + sf_normal(rng, 20);
    im->cy = 0.5f * (float)height + sf_normal(rng, 22) + 0.1f * (a->bottom - a->top);
    float press = sf_uniform(rng, 0, 1);
    float scale = 0.72f + 0.3f * press;
    im->contact_x = sf_normal(rng, 12);
    im->contact_y = sf_normal(rng, 20);
    im->contact.left = a->left * scale * sf_uniform(rng, 0.92f, 1.05f);
    im->contact.right = a->right * scale * sf_uniform(rng, 0.92f, 1.05f);
    im->contact.top = a->top * scale * sf_uniform(rng, 0.85f, 1.05f);
    im->contact.bottom = a->bottom * scale * sf_uniform(rng, 0.8f, 1.05f);
    im->rim = sf_uniform(rng, 15, 35);
    sf_distortion_draw(&im->distortion, rng, im->contact_x, im->contact_y,
                       0.5f * (im->contact.left + im->contact.right),
                       0.5f * (im->contact.top + im->contact.bottom), sf_uniform(rng, 0.3f, 1));
}

/* Depth inside both the finger and the contact area (pixels; <= 0 outside). */
static float contact_depth(const tpl_impression *im, const sf_area *a, float x, float y)
{
    float d = sf_area_depth(a, x, y);
    float c = sf_area_depth(&im->contact, x - im->contact_x, y - im->contact_y);
    return c < d ? c : d;
}

/* Finger frame -> sensor pixels (distortion, then rigid motion). */
static void to_sensor(const tpl_impression *im, float x, float y, float *sx, float *sy)
{
    float dx, dy;
    sf_distortion_apply(&im->distortion, x, y, &dx, &dy);
    *sx = im->cos_a * dx - im->sin_a * dy + im->cx;
    *sy = im->sin_a * dx + im->cos_a * dy + im->cy;
}

static int in_window(const tpl_impression *im, float sx, float sy)
{
    return sx >= WINDOW_MARGIN && sy >= WINDOW_MARGIN && sx < (float)im->width - WINDOW_MARGIN &&
           sy < (float)im->height - WINDOW_MARGIN;
}

static uint8_t iso_angle(float radians_ccw)
{
    long a = lroundf(radians_ccw * (float)(256.0 / (2 * SF_PI)));
    return (uint8_t)(((a % 256) + 256) % 256);
}

static void put_minutia(ktpel_minutia *out, float sx, float sy, float dir_ccw, int type)
{
    out->x = (uint16_t)lroundf(sx);
    out->y = (uint16_t)lroundf(sy);
    out->angle = iso_angle(dir_ccw);
    out->type = (uint8_t)type;
    out->quality = 0;
    out->reserved = 0;
}

static int cmp_minutia(const void *pa, const void *pb)
{
    const ktpel_minutia *a = pa, *b = pb;
    if (a->y != b->y)
        return a->y < b->y ? -1 : 1;
    return (a->x > b->x) - (a->x < b->x);
}

/* Genuine minutiae of the master that this impression shows. */
static int keep_genuine(const ktpel_synth_minutiae_master *m, const tpl_impression *im,
                        const sf_area *area, ktpel_rng *rng, ktpel_minutia *out)
{
    float q = im->quality;
    float miss = im->miss + 0.15f * (1 - q);
    float pos_sd = 1.0f + 1.5f * (1 - q), ang_sd = 0.04f + 0.06f * (1 - q);
    float flip = 0.08f + 0.15f * (1 - q);
    int n = 0;
    for (int i = 0; i < m->count && n < KTPEL_MAX_MINUTIAE; i++) {
        float x = m->minutiae[i].x_mm * (float)SF_PX_PER_MM;
        float y = m->minutiae[i].y_mm * (float)SF_PX_PER_MM;
        float depth = contact_depth(im, area, x, y);
        if (depth <= 0)
            continue;
        float p = miss + (depth < im->rim ? 0.6f * (1 - depth / im->rim) : 0);
        if (ktpel_rng_uniform(rng) < p)
            continue;
        float sx, sy;
        to_sensor(im, x, y, &sx, &sy);
        sx += sf_normal(rng, pos_sd);
        sy += sf_normal(rng, pos_sd);
        if (!in_window(im, sx, sy))
            continue;
        /* rotation on the sensor is clockwise on screen for a positive angle: ISO angles
         * (counter-clockwise) decrease by it */
        float dir =
            m->minutiae[i].direction - atan2f(im->sin_a, im->cos_a) + sf_normal(rng, ang_sd);
        int type = m->minutiae[i].type;
        if (ktpel_rng_uniform(rng) < flip)
            type = type == KTPEL_MINUTIA_ENDING ? KTPEL_MINUTIA_BIFURCATION : KTPEL_MINUTIA_ENDING;
        put_minutia(&out[n++], sx, sy, dir, type);
    }
    return n;
}

/* Poisson-distributed count with mean lambda (Knuth's product method; lambda is small). */
static int poisson(ktpel_rng *rng, float lambda)
{
    double l = exp(-(double)lambda), p = 1.0;
    int k = 0;
    do {
        k++;
        p *= ktpel_rng_uniform(rng);
    } while (p > l && k < 1000);
    return k - 1;
}

/* Spurious minutiae: noise, scars, creases; inside the visible contact area, mostly along the
 * ridge flow (false endings and bridges look like real minutiae to an extractor). */
static int add_spurious(const sf_model *model, const tpl_impression *im, const sf_area *area,
                        ktpel_rng *rng, ktpel_minutia *out, int n)
{
    int want = poisson(rng, 1.5f + 6.0f * (1 - im->quality));
    for (int k = 0, tries = 0; k < want && n < KTPEL_MAX_MINUTIAE && tries < 40 * want + 40;
         tries++) {
        float x = sf_uniform(rng, -area->left, area->right);
        float y = sf_uniform(rng, -area->top, area->bottom);
        if (contact_depth(im, area, x, y) <= 0)
            continue;
        float sx, sy;
        to_sensor(im, x, y, &sx, &sy);
        if (!in_window(im, sx, sy))
            continue;
        float dir = ktpel_rng_uniform(rng) < 0.7f ? -direction_along(model, rng, x, y, 0.15f)
                                                  : sf_uniform(rng, 0, (float)(2 * SF_PI));
        dir -= atan2f(im->sin_a, im->cos_a);
        int type = ktpel_rng_below(rng, 2) ? KTPEL_MINUTIA_ENDING : KTPEL_MINUTIA_BIFURCATION;
        put_minutia(&out[n++], sx, sy, dir, type);
        k++;
    }
    return n;
}

static ktpel_err impression_make(const ktpel_synth_minutiae_master *m, ktpel_synth_profile profile,
                                 uint64_t impression, ktpel_minutia *minutiae, int *count,
                                 float *quality, int *width, int *height, int *dpi,
                                 ktpel_errbuf *eb)
{
    if (!m || !minutiae || !count)
        return ktpel_fail(eb, KTPEL_EINVAL, "minutiae impression: NULL argument");
    if (m->count < 0 || m->count > KTPEL_SYNTH_MASTER_MAX_MINUTIAE)
        return ktpel_fail(eb, KTPEL_EINVAL, "minutiae impression: master count %d out of 0..%d",
                          m->count, KTPEL_SYNTH_MASTER_MAX_MINUTIAE);
    int w, h, d;
    ktpel_err err = ktpel_synth_profile_geometry(profile, &w, &h, &d, eb);
    if (err)
        return err;
    /* The orientation field of the master's model is needed for spurious minutiae: redraw
     * the model from the master's own stream (cheap, and keeps the public struct small). */
    ktpel_rng mrng;
    uint64_t mpath[2] = {SF_STREAM_TEMPLATE_MASTER, m->finger};
    ktpel_rng_seed_path(&mrng, m->seed, mpath, 2);
    sf_model model;
    sf_model_draw(&model, &mrng);

    ktpel_rng rng;
    uint64_t path[4] = {SF_STREAM_TEMPLATE_IMPRESSION, m->finger, (uint64_t)profile, impression};
    ktpel_rng_seed_path(&rng, m->seed, path, 4);
    const sf_area area = model.area;
    tpl_impression im;
    draw_tpl_impression(&im, &area, w, h, &rng);
    /* The capacitive profile stands for a small, noisier sensor (FVC2002 DB3: 26 minutiae
     * per ISO template against 34 and 41 for the optical DB1 and DB2). */
    im.miss = profile == KTPEL_SYNTH_PROFILE_CAPACITIVE ? MISS_CAPACITIVE : MISS_OPTICAL;
    int n = keep_genuine(m, &im, &area, &rng, minutiae);
    n = add_spurious(&model, &im, &area, &rng, minutiae, n);
    qsort(minutiae, (size_t)n, sizeof *minutiae, cmp_minutia);
    *count = n;
    if (quality)
        *quality = im.quality;
    if (width)
        *width = w;
    if (height)
        *height = h;
    if (dpi)
        *dpi = d;
    return KTPEL_OK;
}

ktpel_err ktpel_synth_minutiae_impression(const ktpel_synth_minutiae_master *m,
                                          ktpel_synth_profile profile, uint64_t impression,
                                          ktpel_minutia *minutiae, int *count, int *width,
                                          int *height, int *dpi, ktpel_errbuf *eb)
{
    return impression_make(m, profile, impression, minutiae, count, NULL, width, height, dpi, eb);
}

ktpel_err ktpel_synth_minutiae_template(const ktpel_synth_minutiae_master *m,
                                        ktpel_synth_profile profile, uint64_t impression,
                                        int position, ktpel_fp_template *out, ktpel_errbuf *eb)
{
    if (!out)
        return ktpel_fail(eb, KTPEL_EINVAL, "minutiae template: NULL output");
    if (position < 0 || position > 10)
        return ktpel_fail(eb, KTPEL_EINVAL, "minutiae template: finger position %d out of 0..10",
                          position);
    ktpel_minutia minutiae[KTPEL_MAX_MINUTIAE];
    int count, w, h, dpi;
    float quality;
    ktpel_err err =
        impression_make(m, profile, impression, minutiae, &count, &quality, &w, &h, &dpi, eb);
    if (err)
        return err;
    err = ktpel_fp_template_init(out, w, h, dpi, minutiae, count, eb);
    if (err)
        return err;
    out->views[0].position = (uint8_t)position;
    out->views[0].quality = (uint8_t)lroundf(20 + 75 * quality);
    return KTPEL_OK;
}
