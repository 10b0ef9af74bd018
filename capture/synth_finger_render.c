/* Impressions of a master fingerprint as a sensor sees them (SFinGe's second stage): the
 * finger lands with some displacement and rotation, touches the glass over a contact area
 * that depends on the pressure, is dragged a little (non-linear skin distortion), and its
 * skin is dry or wet (thin and broken or thick and merged ridges); the sensor adds its
 * background, noise and blur.
 *
 * Every pixel of the output is computed backwards: sensor position -> finger position (inverse
 * rigid motion, then inverse distortion) -> master ridge value, so each impression costs one
 * pass over the sensor's pixels.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "synth_finger_internal.h"

#define POOR_SHARE 0.08f /* captures that go wrong (see draw_impression) */

/* A smooth random field: normal values on a coarse grid, interpolated bilinearly. */
typedef struct noise_grid {
    int gw, gh;
    float inv_step;
    float *v;
} noise_grid;

static void noise_fill(noise_grid *g, float *store, int width, int height, float step,
                       ktpel_rng *rng)
{
    g->gw = (int)(width / step) + 2;
    g->gh = (int)(height / step) + 2;
    g->inv_step = 1.0f / step;
    g->v = store;
    for (int i = 0; i < g->gw * g->gh; i++)
        g->v[i] = sf_fast_normal(rng);
}

static size_t noise_cells(int width, int height, float step)
{
    return (size_t)((int)(width / step) + 2) * (size_t)((int)(height / step) + 2);
}

static inline float noise_at(const noise_grid *g, float x, float y)
{
    float gx = x * g->inv_step, gy = y * g->inv_step;
    int i = (int)gx, j = (int)gy;
    i = i < 0 ? 0 : i > g->gw - 2 ? g->gw - 2 : i;
    j = j < 0 ? 0 : j > g->gh - 2 ? g->gh - 2 : j;
    float fx = gx - (float)i, fy = gy - (float)j;
    const float *p = g->v + j * g->gw + i;
    float top = p[0] + fx * (p[1] - p[0]);
    float bottom = p[g->gw] + fx * (p[g->gw + 1] - p[g->gw]);
    return top + fy * (bottom - top);
}

/* How the sensor renders skin: grey levels and noise. */
typedef struct sensor_look {
    float background;    /* grey of the empty platen */
    float background_sd; /* slow variation of the background */
    float ridge;         /* grey of a ridge in full contact */
    float noise_sd;      /* per-pixel noise */
    float specks;        /* density of dark specks outside the finger (dirt, latent residue) */
    float column_sd;     /* fixed-pattern noise per column (capacitive electrode lines) */
} sensor_look;

/* The parameters of one impression. */
typedef struct impression {
    float angle, cos_a, sin_a; /* rotation of the finger on the sensor */
    float cx, cy;              /* sensor position of the master's area centre */
    sf_area contact;           /* contact area around (contact_x, contact_y) in the master */
    float contact_x, contact_y;
    float edge; /* width of the low-pressure rim of the contact area */
    sf_distortion distortion;
    float dryness; /* ridge threshold: > 0 dry (thin ridges), < 0 wet (thick ridges) */
    float dryness_sd;
    float breaks;                    /* share of ridge pixels lost to dry patches */
    float smudge;                    /* share of valley pixels filled by wet smudges */
    float break_level, smudge_level; /* thresholds on the patch noise for those shares */
    float contrast;                  /* 0..1, pressure and skin condition */
    sensor_look look;
} impression;

static float clampf(float v, float lo, float hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* Normal quantile of a share p (0 < p < 1), rational approximation good to ~1e-3: enough to
 * turn "lose this share of ridge pixels" into a threshold on a normal noise field. */
static float normal_quantile(float p)
{
    p = clampf(p, 1e-4f, 1 - 1e-4f);
    float q = p < 0.5f ? p : 1 - p;
    float t = sqrtf(-2.0f * logf(q));
    float z = t - (2.515517f + 0.802853f * t + 0.010328f * t * t) /
                      (1 + 1.432788f * t + 0.189269f * t * t + 0.001308f * t * t * t);
    return p < 0.5f ? -z : z;
}

static void draw_look(sensor_look *s, ktpel_synth_profile profile, ktpel_rng *rng)
{
    if (profile == KTPEL_SYNTH_PROFILE_CAPACITIVE) {
        s->background = sf_uniform(rng, 130, 175);
        s->background_sd = sf_uniform(rng, 3, 8);
        s->ridge = sf_uniform(rng, 25, 60);
        s->noise_sd = sf_uniform(rng, 6, 13);
        s->specks = sf_uniform(rng, 0.0f, 0.004f);
        s->column_sd = sf_uniform(rng, 1, 4);
    } else {
        s->background = sf_uniform(rng, 228, 252);
        s->background_sd = sf_uniform(rng, 1, 4);
        s->ridge = sf_uniform(rng, 10, 60);
        s->noise_sd = sf_uniform(rng, 3, 9);
        s->specks = sf_uniform(rng, 0.0f, 0.001f);
        s->column_sd = 0;
    }
}

static void draw_impression(impression *im, const sf_model *model, ktpel_synth_profile profile,
                            int width, int height, ktpel_rng *rng)
{
    const sf_area *a = &model->area;
    /* A share of captures goes wrong: finger barely touching, off centre, dry. Such captures
     * carry most of the false non-matches of real data sets. */
    int poor = ktpel_rng_uniform(rng) < POOR_SHARE;
    float off = poor ? 1.6f : 1.0f;
    im->angle = clampf(sf_normal(rng, 0.18f), -0.6f, 0.6f); /* about 10 degrees sd */
    im->cos_a = cosf(im->angle);
    im->sin_a = sinf(im->angle);
    /* Users centre their finger roughly; the sensor's window crops the rest. */
    im->cx = 0.5f * (float)width + off * sf_normal(rng, 35);
    im->cy = 0.5f * (float)height + off * sf_normal(rng, 40) + 0.1f * (a->bottom - a->top);
    /* Contact area: the pressure decides how much of the finger touches. */
    float press = sf_uniform(rng, 0.0f, 1.0f);
    float scale = poor ? 0.62f + 0.18f * press : 0.75f + 0.35f * press;
    im->contact_x = sf_normal(rng, 12);
    im->contact_y = sf_normal(rng, 20);
    im->contact.left = a->left * scale * sf_uniform(rng, 0.92f, 1.05f);
    im->contact.right = a->right * scale * sf_uniform(rng, 0.92f, 1.05f);
    im->contact.top = a->top * scale * sf_uniform(rng, 0.85f, 1.05f);
    im->contact.bottom = a->bottom * scale * sf_uniform(rng, 0.8f, 1.05f);
    im->edge = sf_uniform(rng, 8, 30);
    sf_distortion_draw(&im->distortion, rng, im->contact_x, im->contact_y,
                       0.5f * (im->contact.left + im->contact.right),
                       0.5f * (im->contact.top + im->contact.bottom), sf_uniform(rng, 0.3f, 1));
    im->dryness =
        clampf(sf_normal(rng, 0.22f) - 0.15f * (press - 0.5f) + (poor ? 0.2f : 0.0f), -0.55f, 0.6f);
    im->dryness_sd = sf_uniform(rng, 0.1f, 0.35f);
    im->breaks = im->dryness > -0.1f
                     ? clampf((im->dryness + 0.1f) * sf_uniform(rng, 0.4f, 1.2f), 0, 0.5f)
                     : 0.0f;
    im->smudge =
        im->dryness < 0 ? clampf(-im->dryness * sf_uniform(rng, 0.1f, 0.5f), 0, 0.25f) : 0.0f;
    im->break_level = im->breaks > 0 ? normal_quantile(im->breaks) : -1e9f;
    im->smudge_level = im->smudge > 0 ? normal_quantile(1 - im->smudge) : 1e9f;
    im->contrast = sf_uniform(rng, 0.65f, 1.0f);
    draw_look(&im->look, profile, rng);
    /* Some captures are simply worse: more sensor noise. */
    im->look.noise_sd *= 1.0f + 1.2f * sf_uniform(rng, 0, 1) * sf_uniform(rng, 0, 1);
}

typedef struct render_fields {
    noise_grid dryness, contrast, patches, background;
    float *columns;
} render_fields;

/* Ridge value of the master at a master canvas position, bilinear; -1 (valley) outside. */
static inline float sample_ridge(const float *ridge, int mw, int mh, float x, float y)
{
    if (!(x >= 0 && y >= 0 && x < (float)(mw - 1) && y < (float)(mh - 1)))
        return -1.0f;
    int i = (int)x, j = (int)y;
    float fx = x - (float)i, fy = y - (float)j;
    const float *p = ridge + (size_t)j * mw + i;
    float top = p[0] + fx * (p[1] - p[0]);
    float bottom = p[mw] + fx * (p[mw + 1] - p[mw]);
    return top + fy * (bottom - top);
}

/* Ink (0 = valley .. 1 = ridge in full contact) at one sensor pixel. */
static float ink_at(const ktpel_synth_finger *m, const impression *im, const render_fields *f,
                    float sx, float sy)
{
    int mw, mh;
    float ox, oy;
    const float *ridge = sf_master_ridge(m, &mw, &mh, &ox, &oy);
    const sf_model *model = sf_master_model(m);
    /* sensor -> distorted finger frame (inverse rigid motion) */
    float dx = sx - im->cx, dy = sy - im->cy;
    float px = im->cos_a * dx + im->sin_a * dy;
    float py = -im->sin_a * dx + im->cos_a * dy;
    /* -> undistorted finger frame (first-order inverse of the distortion) */
    float qx, qy;
    sf_distortion_apply(&im->distortion, px, py, &qx, &qy);
    float fx = 2 * px - qx, fy = 2 * py - qy;
    float depth = sf_area_depth(&model->area, fx, fy);
    float cdepth = sf_area_depth(&im->contact, fx - im->contact_x, fy - im->contact_y);
    if (cdepth < depth)
        depth = cdepth;
    if (depth <= 0)
        return 0;
    float v = sample_ridge(ridge, mw, mh, fx + ox, fy + oy);
    /* Lower pressure at the rim of the contact area: thinner, broken ridges. */
    float rim = depth < im->edge ? 1.0f - depth / im->edge : 0.0f;
    float tau = im->dryness + im->dryness_sd * noise_at(&f->dryness, sx, sy) + 0.9f * rim * rim;
    float ink = clampf(0.5f + 2.2f * (v - tau), 0, 1);
    float patch = noise_at(&f->patches, sx, sy);
    if (patch < im->break_level)
        ink *= 0.25f;
    else if (patch > im->smudge_level)
        ink = ink + (1 - ink) * 0.8f;
    float c = im->contrast * (1.0f + 0.15f * noise_at(&f->contrast, sx, sy));
    return clampf(ink * c, 0, 1);
}

/* 3x3 binomial blur of a float image into 8-bit pixels: the sensor's optics / cell size. */
static void blur_to_bytes(const float *src, int w, int h, uint8_t *dst)
{
    for (int y = 0; y < h; y++) {
        int y0 = y > 0 ? y - 1 : y, y2 = y < h - 1 ? y + 1 : y;
        for (int x = 0; x < w; x++) {
            int x0 = x > 0 ? x - 1 : x, x2 = x < w - 1 ? x + 1 : x;
            const float *r0 = src + (size_t)y0 * w, *r1 = src + (size_t)y * w,
                        *r2 = src + (size_t)y2 * w;
            float s = r0[x0] + 2 * r0[x] + r0[x2] + 2 * (r1[x0] + 2 * r1[x] + r1[x2]) + r2[x0] +
                      2 * r2[x] + r2[x2];
            dst[(size_t)y * w + x] = (uint8_t)lroundf(clampf(s * (1.0f / 16), 0, 255));
        }
    }
}

ktpel_err ktpel_synth_finger_render(const ktpel_synth_finger *m, ktpel_synth_profile profile,
                                    uint64_t impression_index, ktpel_image *out, ktpel_errbuf *eb)
{
    if (!m || !out)
        return ktpel_fail(eb, KTPEL_EINVAL, "fingerprint impression: NULL argument");
    int width, height, dpi;
    ktpel_err err = ktpel_synth_profile_geometry(profile, &width, &height, &dpi, eb);
    if (err)
        return err;
    uint64_t seed, finger;
    sf_master_identity(m, &seed, &finger);
    ktpel_rng rng;
    uint64_t path[4] = {SF_STREAM_IMAGE_IMPRESSION, finger, (uint64_t)profile, impression_index};
    ktpel_rng_seed_path(&rng, seed, path, 4);
    impression im;
    draw_impression(&im, sf_master_model(m), profile, width, height, &rng);

    size_t n_dry = noise_cells(width, height, 24), n_con = noise_cells(width, height, 40),
           n_pat = noise_cells(width, height, 3.5f), n_bg = noise_cells(width, height, 64);
    size_t total = n_dry + n_con + n_pat + n_bg + (size_t)width + (size_t)width * height;
    float *store = malloc(total * sizeof *store);
    if (!store)
        return ktpel_fail(eb, KTPEL_ENOMEM, "fingerprint impression: out of memory");
    render_fields f;
    noise_fill(&f.dryness, store, width, height, 24, &rng);
    noise_fill(&f.contrast, store + n_dry, width, height, 40, &rng);
    noise_fill(&f.patches, store + n_dry + n_con, width, height, 3.5f, &rng);
    noise_fill(&f.background, store + n_dry + n_con + n_pat, width, height, 64, &rng);
    f.columns = store + n_dry + n_con + n_pat + n_bg;
    for (int x = 0; x < width; x++)
        f.columns[x] = im.look.column_sd * sf_fast_normal(&rng);
    float *grey = f.columns + width;

    const sensor_look *s = &im.look;
    for (int y = 0; y < height; y++)
        for (int x = 0; x < width; x++) {
            float sx = (float)x, sy = (float)y;
            float bg =
                s->background + s->background_sd * noise_at(&f.background, sx, sy) + f.columns[x];
            float ink = ink_at(m, &im, &f, sx, sy);
            float g = bg - (bg - s->ridge) * ink + s->noise_sd * sf_fast_normal(&rng);
            if (s->specks > 0 && ktpel_rng_uniform(&rng) < s->specks)
                g -= sf_uniform(&rng, 30, 90);
            grey[(size_t)y * width + x] = g;
        }
    err = ktpel_image_alloc(out, width, height, 1, dpi, eb);
    if (!err)
        blur_to_bytes(grey, width, height, out->data);
    free(store);
    return err;
}
