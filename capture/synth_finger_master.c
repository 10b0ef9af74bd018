/* Master fingerprint: the ridge pattern of one finger, grown by iterative oriented Gabor
 * filtering from random seeds (SFinGe: R. Cappelli, D. Maio, D. Maltoni, "Synthetic
 * fingerprint-image generation", ICPR 2000).
 *
 * The pattern starts as a few small ridge patches (seeds) on an empty canvas. Each iteration
 * filters it with the Gabor filter tuned to the local ridge orientation and period, then
 * saturates it to [-1, 1]: the seeds grow into ridges that follow the orientation field;
 * where growing fronts meet out of phase, or where the flow diverges or the period changes
 * so that a ridge must be added, a ridge ends or forks. These minutiae come from the growth;
 * none are placed by hand. Afterwards, skin defects (breaks, bridges) are applied to the
 * grown pattern (add_skin_defects: the growth would heal them).
 *
 * Speed: the Gabor filter (isotropic Gaussian envelope) is applied as two 1-D passes in the
 * local frame, across the ridges (Gaussian times cosine) then along them (Gaussian), with
 * tap offsets and weights precomputed per orientation and period bin: 30 taps per pixel per
 * iteration instead of a 2-D kernel's 200+. Orientation and period are evaluated on a
 * coarse grid and interpolated. Iterations stop a few rounds after the area is covered
 * (about 50 iterations, 100 ms for a finger at 500 dpi). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "synth_finger_internal.h"

#define PAD                12  /* canvas margin around the fingerprint area */
#define ACROSS_R           8   /* taps -R..R across the ridges */
#define ALONG_R            6   /* taps -R..R along the ridges */
#define ALONG_SIGMA        2.0 /* Gaussian along the ridges: shorter = less healing, more minutiae */
#define BORDER             10  /* zero border of the work buffers, > both radii * sqrt(2) / ... */
#define ORIENT_BINS        48
#define PERIOD_MIN         5.0f
#define PERIOD_STEP        0.25f
#define PERIOD_BINS        41 /* 5.0 .. 15.0 pixels */
#define GRID               4  /* spacing of the coarse orientation / period grid */
#define MAX_ITER           120
#define GAIN               3.0f
#define SEED_R             4        /* radius of a seed patch */
#define SEED_SPACING_MIN   20000.0f /* area per seed in pixels^2: fewer seeds, fewer minutiae */
#define SEED_SPACING_MAX   40000.0f
#define BLOCK              8 /* coverage is measured on blocks a little smaller than a period */
#define COVERED            0.995f  /* growth is complete when this share of the area's blocks is */
#define DEFECT_AREA_MIN    1500.0f /* area per skin defect (pixels^2) */
#define DEFECT_AREA_MAX    3000.0f
#define DEFECT_BREAK_SHARE 0.85f /* breaks; the others are bridges */
#define SETTLE_ITER        4

struct ktpel_synth_finger {
    uint64_t seed, finger;
    sf_model model;
    int width, height;        /* canvas */
    float origin_x, origin_y; /* canvas position of the area centre */
    int growth_iterations;
    float *ridge; /* width * height, about -1 (valley) .. 1 (ridge); 0 outside the growth */
};

typedef struct kernel_bank {
    int across_off[ORIENT_BINS * PERIOD_BINS][2 * ACROSS_R + 1];
    float across_w[ORIENT_BINS * PERIOD_BINS][2 * ACROSS_R + 1];
    int along_off[ORIENT_BINS][2 * ALONG_R + 1];
    float along_w[ORIENT_BINS][2 * ALONG_R + 1];
} kernel_bank;

/* Builds the 1-D kernels for a buffer row stride. Tap positions are rounded to pixels; the
 * weights use the true distance of the rounded position along the filter's axis, so that
 * the rounding does not detune the filter. */
static void bank_build(kernel_bank *k, int stride)
{
    for (int o = 0; o < ORIENT_BINS; o++) {
        double a = SF_PI * o / ORIENT_BINS;
        double dx = cos(a), dy = sin(a); /* along the ridge */
        double nx = -dy, ny = dx;        /* across */
        double sum = 0;
        for (int t = -ALONG_R; t <= ALONG_R; t++) {
            int ox = (int)lround(t * dx), oy = (int)lround(t * dy);
            double d = ox * dx + oy * dy;
            double w = exp(-d * d / (2 * ALONG_SIGMA * ALONG_SIGMA));
            k->along_off[o][t + ALONG_R] = oy * stride + ox;
            k->along_w[o][t + ALONG_R] = (float)w;
            sum += w;
        }
        for (int t = 0; t < 2 * ALONG_R + 1; t++)
            k->along_w[o][t] = (float)(k->along_w[o][t] / sum);
        for (int p = 0; p < PERIOD_BINS; p++) {
            double period = PERIOD_MIN + PERIOD_STEP * p;
            double sigma = 0.42 * period;
            int idx = o * PERIOD_BINS + p;
            double w[2 * ACROSS_R + 1], d[2 * ACROSS_R + 1], mean = 0, wsum = 0;
            for (int t = -ACROSS_R; t <= ACROSS_R; t++) {
                int ox = (int)lround(t * nx), oy = (int)lround(t * ny);
                d[t + ACROSS_R] = ox * nx + oy * ny;
                double g = exp(-d[t + ACROSS_R] * d[t + ACROSS_R] / (2 * sigma * sigma));
                w[t + ACROSS_R] = g * cos(2 * SF_PI * d[t + ACROSS_R] / period);
                k->across_off[idx][t + ACROSS_R] = oy * stride + ox;
                mean += w[t + ACROSS_R];
                wsum += g;
            }
            /* No response to a flat area: remove the DC part in proportion to the envelope. */
            double gain = 0;
            for (int t = 0; t < 2 * ACROSS_R + 1; t++) {
                double g = exp(-d[t] * d[t] / (2 * sigma * sigma));
                w[t] -= mean * g / wsum;
                gain += w[t] * cos(2 * SF_PI * d[t] / period);
            }
            for (int t = 0; t < 2 * ACROSS_R + 1; t++)
                k->across_w[idx][t] = (float)(w[t] / gain);
        }
    }
}

/* Orientation and period on a coarse grid, interpolated into a kernel index per pixel. */
static int fill_kernel_index(const struct ktpel_synth_finger *m, uint16_t *kidx)
{
    int gw = m->width / GRID + 2, gh = m->height / GRID + 2;
    float *gc = malloc(sizeof(float) * 3 * (size_t)gw * (size_t)gh);
    if (!gc)
        return -1;
    float *gs = gc + gw * gh, *gp = gs + gw * gh;
    for (int j = 0; j < gh; j++)
        for (int i = 0; i < gw; i++) {
            float x = (float)(i * GRID) - m->origin_x, y = (float)(j * GRID) - m->origin_y;
            float a = sf_orientation(&m->model, x, y);
            gc[j * gw + i] = cosf(2 * a);
            gs[j * gw + i] = sinf(2 * a);
            gp[j * gw + i] = sf_period(&m->model, x, y);
        }
    for (int y = 0; y < m->height; y++) {
        int j = y / GRID;
        float fy = (float)(y - j * GRID) / GRID;
        for (int x = 0; x < m->width; x++) {
            int i = x / GRID, g = j * gw + i;
            float fx = (float)(x - i * GRID) / GRID;
            float w00 = (1 - fx) * (1 - fy), w10 = fx * (1 - fy), w01 = (1 - fx) * fy,
                  w11 = fx * fy;
            float c = w00 * gc[g] + w10 * gc[g + 1] + w01 * gc[g + gw] + w11 * gc[g + gw + 1];
            float s = w00 * gs[g] + w10 * gs[g + 1] + w01 * gs[g + gw] + w11 * gs[g + gw + 1];
            float p = w00 * gp[g] + w10 * gp[g + 1] + w01 * gp[g + gw] + w11 * gp[g + gw + 1];
            float a = 0.5f * atan2f(s, c);
            if (a < 0)
                a += (float)SF_PI;
            int o = (int)lroundf(a / (float)SF_PI * ORIENT_BINS) % ORIENT_BINS;
            int pb = (int)lroundf((p - PERIOD_MIN) / PERIOD_STEP);
            pb = pb < 0 ? 0 : pb >= PERIOD_BINS ? PERIOD_BINS - 1 : pb;
            kidx[y * m->width + x] = (uint16_t)(o * PERIOD_BINS + pb);
        }
    }
    free(gc);
    return 0;
}

typedef struct grow_work {
    int pw, ph;            /* padded buffer size */
    float *a, *b;          /* padded buffers, zero border */
    int *row_lo, *row_hi;  /* per canvas row: x range to compute (the area plus a margin) */
    int bw, bh;            /* BLOCK x BLOCK blocks of the canvas */
    float *block_max;      /* largest magnitude per block in the last iteration */
    uint8_t *block_inside; /* block centre inside the fingerprint area */
} grow_work;

static inline float saturate(float v)
{
    return v > 1.0f ? 1.0f : v < -1.0f ? -1.0f : v;
}

/* One Gabor iteration: a -> (across) b -> (along, saturated) a. Returns the share of the
 * area's blocks that hold ridges (some pixel over one half): how far the growth has got. */
static float grow_step(const struct ktpel_synth_finger *m, const kernel_bank *k,
                       const uint16_t *kidx, grow_work *w, int saturated)
{
    int pw = w->pw;
    for (int y = 0; y < m->height; y++) {
        const float *src = w->a + (size_t)(y + BORDER) * pw + BORDER;
        float *dst = w->b + (size_t)(y + BORDER) * pw + BORDER;
        for (int x = w->row_lo[y]; x < w->row_hi[y]; x++) {
            int ki = kidx[y * m->width + x];
            const int *off = k->across_off[ki];
            const float *wt = k->across_w[ki];
            float s = 0;
            for (int t = 0; t < 2 * ACROSS_R + 1; t++)
                s += wt[t] * src[x + off[t]];
            dst[x] = s;
        }
    }
    memset(w->block_max, 0, sizeof *w->block_max * (size_t)w->bw * (size_t)w->bh);
    for (int y = 0; y < m->height; y++) {
        float *bmax = w->block_max + (size_t)(y / BLOCK) * w->bw;
        const float *src = w->b + (size_t)(y + BORDER) * pw + BORDER;
        float *dst = w->a + (size_t)(y + BORDER) * pw + BORDER;
        for (int x = w->row_lo[y]; x < w->row_hi[y]; x++) {
            int o = kidx[y * m->width + x] / PERIOD_BINS;
            const int *off = k->along_off[o];
            const float *wt = k->along_w[o];
            float s = 0;
            for (int t = 0; t < 2 * ALONG_R + 1; t++)
                s += wt[t] * src[x + off[t]];
            dst[x] = saturated ? saturate(GAIN * s) : s;
            float mag = fabsf(dst[x]);
            if (mag > bmax[x / BLOCK])
                bmax[x / BLOCK] = mag;
        }
    }
    long covered = 0, total = 0;
    for (int i = 0; i < w->bw * w->bh; i++)
        if (w->block_inside[i]) {
            total++;
            covered += w->block_max[i] > 0.5f;
        }
    return total ? (float)covered / (float)total : 1.0f;
}

/* Seeds are small patches of ridge (a few pixels of the local sinusoid, random phase), so
 * that the growth starts at full amplitude instead of spending iterations amplifying
 * impulses. */
static void plant_seeds(const struct ktpel_synth_finger *m, grow_work *w, ktpel_rng *rng)
{
    const sf_area *ar = &m->model.area;
    double area = SF_PI / 4 * (ar->left + ar->right) * (ar->top + ar->bottom);
    int n = (int)(area / sf_uniform(rng, SEED_SPACING_MIN, SEED_SPACING_MAX));
    for (int i = 0; i < n; i++) {
        int x, y, tries = 0;
        do {
            x = ktpel_rng_range(rng, SEED_R, m->width - 1 - SEED_R);
            y = ktpel_rng_range(rng, SEED_R, m->height - 1 - SEED_R);
        } while (sf_area_depth(ar, (float)x - m->origin_x, (float)y - m->origin_y) < 0 &&
                 ++tries < 100);
        float a = sf_orientation(&m->model, (float)x - m->origin_x, (float)y - m->origin_y);
        float p = sf_period(&m->model, (float)x - m->origin_x, (float)y - m->origin_y);
        float nx = -sinf(a), ny = cosf(a), phase = sf_uniform(rng, 0, (float)(2 * SF_PI));
        for (int dy = -SEED_R; dy <= SEED_R; dy++)
            for (int dx = -SEED_R; dx <= SEED_R; dx++) {
                if (dx * dx + dy * dy > SEED_R * SEED_R)
                    continue;
                float d = (float)dx * nx + (float)dy * ny;
                w->a[(size_t)(y + dy + BORDER) * w->pw + x + dx + BORDER] =
                    cosf(2 * (float)SF_PI * d / p + phase);
            }
    }
}

static ktpel_err grow(struct ktpel_synth_finger *m, ktpel_rng *rng, ktpel_errbuf *eb)
{
    grow_work w = {0};
    w.pw = m->width + 2 * BORDER;
    w.ph = m->height + 2 * BORDER;
    size_t n = (size_t)w.pw * (size_t)w.ph;
    kernel_bank *k = malloc(sizeof *k);
    uint16_t *kidx = malloc(sizeof *kidx * (size_t)m->width * (size_t)m->height);
    w.a = calloc(n, sizeof *w.a);
    w.b = calloc(n, sizeof *w.b);
    w.row_lo = malloc(sizeof(int) * 2 * (size_t)m->height);
    w.bw = (m->width + BLOCK - 1) / BLOCK;
    w.bh = (m->height + BLOCK - 1) / BLOCK;
    w.block_max = malloc(sizeof *w.block_max * (size_t)w.bw * (size_t)w.bh);
    w.block_inside = malloc((size_t)w.bw * (size_t)w.bh);
    ktpel_err err = KTPEL_OK;
    if (!k || !kidx || !w.a || !w.b || !w.row_lo || !w.block_max || !w.block_inside ||
        fill_kernel_index(m, kidx)) {
        err = ktpel_fail(eb, KTPEL_ENOMEM, "fingerprint synthesis: out of memory for finger %llu",
                         (unsigned long long)m->finger);
        goto out;
    }
    w.row_hi = w.row_lo + m->height;
    for (int y = 0; y < m->height; y++) {
        int lo = m->width, hi = 0;
        for (int x = 0; x < m->width; x++)
            if (sf_area_depth(&m->model.area, (float)x - m->origin_x, (float)y - m->origin_y) >
                -PAD) {
                lo = x < lo ? x : lo;
                hi = x + 1;
            }
        w.row_lo[y] = lo < hi ? lo : 0;
        w.row_hi[y] = lo < hi ? hi : 0;
    }
    for (int j = 0; j < w.bh; j++)
        for (int i = 0; i < w.bw; i++)
            w.block_inside[j * w.bw + i] =
                sf_area_depth(&m->model.area, (float)(i * BLOCK + BLOCK / 2) - m->origin_x,
                              (float)(j * BLOCK + BLOCK / 2) - m->origin_y) > 0;
    bank_build(k, w.pw);
    plant_seeds(m, &w, rng);
    /* Grow until the area is filled, then let the fronts settle a few more rounds. */
    int settle = -1, it;
    for (it = 0; it < MAX_ITER; it++) {
        float filled = grow_step(m, k, kidx, &w, 1);
        if (settle < 0 && filled >= COVERED)
            settle = SETTLE_ITER;
        if (settle >= 0 && settle-- == 0)
            break;
    }
    m->growth_iterations = it + 1;
    /* A last linear pass gives a smooth, near-sinusoidal profile: thresholds on it make
     * ridges thinner or thicker (dry or wet skin) in the impressions. */
    grow_step(m, k, kidx, &w, 0);
    for (int y = 0; y < m->height; y++)
        for (int x = 0; x < m->width; x++)
            m->ridge[(size_t)y * m->width + x] =
                saturate(w.a[(size_t)(y + BORDER) * w.pw + x + BORDER] * 0.9f);
out:
    free(k);
    free(kidx);
    free(w.a);
    free(w.b);
    free(w.row_lo);
    free(w.block_max);
    free(w.block_inside);
    return err;
}

/* Moves from (x, y) across the ridges (direction (nx, ny)) to the nearest crest of a ridge
 * (want > 0) or of a valley (want < 0), within half a period; returns its magnitude. */
static float nearest_crest(const struct ktpel_synth_finger *m, float *x, float *y, float nx,
                           float ny, float period, float want)
{
    float best = -2, bx = *x, by = *y;
    for (float t = -0.5f * period; t <= 0.5f * period; t += 0.5f) {
        int px = (int)lroundf(*x + t * nx), py = (int)lroundf(*y + t * ny);
        if (px < 0 || py < 0 || px >= m->width || py >= m->height)
            continue;
        float v = want * m->ridge[(size_t)py * m->width + px];
        if (v > best) {
            best = v;
            bx = (float)px;
            by = (float)py;
        }
    }
    *x = bx;
    *y = by;
    return best;
}

/* Skin defects: real ridges break (scars, creases, incipient ridges) and neighbouring ridges
 * join (bridges). The Gabor growth heals such small flaws, so they are applied to the grown
 * pattern: a break turns a stretch of ridge into valley, a bridge a stretch of valley
 * across into ridge, both with soft edges. They give the close pairs of minutiae facing
 * each other (short ridges, islands, breaks) that real prints have and that the growth
 * alone, whose minutiae the geometry forces, lacks: in real prints a third of the
 * neighbouring minutiae point in opposite directions, even within 10 pixels. */
static void add_skin_defects(struct ktpel_synth_finger *m, ktpel_rng *rng)
{
    const sf_area *ar = &m->model.area;
    double area = SF_PI / 4 * (ar->left + ar->right) * (ar->top + ar->bottom);
    int n = (int)(area / sf_uniform(rng, DEFECT_AREA_MIN, DEFECT_AREA_MAX));
    for (int i = 0; i < n; i++) {
        float fx = sf_uniform(rng, -ar->left, ar->right);
        float fy = sf_uniform(rng, -ar->top, ar->bottom);
        int is_break = ktpel_rng_uniform(rng) < DEFECT_BREAK_SHARE;
        float len = sf_uniform(rng, 1.2f, 2.5f);
        if (sf_area_depth(ar, fx, fy) <= 0)
            continue;
        float a = sf_orientation(&m->model, fx, fy), period = sf_period(&m->model, fx, fy);
        float dx = cosf(a), dy = sinf(a), nx = -dy, ny = dx;
        float x = fx + m->origin_x, y = fy + m->origin_y;
        float crest = nearest_crest(m, &x, &y, nx, ny, period, is_break ? 1.0f : -1.0f);
        if (crest < 0.2f)
            continue; /* no clear ridge or valley here */
        /* semi-axes along and across the ridges */
        float ra = is_break ? len * period : 0.3f * period;
        float rc = is_break ? 0.45f * period : 0.6f * period;
        float target = is_break ? -crest : crest; /* as deep as the pattern around */
        int r = (int)ceilf(ra > rc ? ra : rc);
        for (int oy = -r; oy <= r; oy++)
            for (int ox = -r; ox <= r; ox++) {
                int px = (int)x + ox, py = (int)y + oy;
                if (px < 0 || py < 0 || px >= m->width || py >= m->height)
                    continue;
                float u = ((float)ox * dx + (float)oy * dy) / ra;
                float v = ((float)ox * nx + (float)oy * ny) / rc;
                float e = u * u + v * v;
                if (e >= 1)
                    continue;
                float wgt = 1 - e * e * e * e; /* soft edge */
                float *p = &m->ridge[(size_t)py * m->width + px];
                *p += wgt * (target - *p);
            }
    }
}

ktpel_err ktpel_synth_finger_create(uint64_t seed, uint64_t finger, ktpel_synth_finger **out,
                                    ktpel_errbuf *eb)
{
    if (!out)
        return ktpel_fail(eb, KTPEL_EINVAL, "fingerprint synthesis: NULL output");
    *out = NULL;
    ktpel_synth_finger *m = calloc(1, sizeof *m);
    if (!m)
        return ktpel_fail(eb, KTPEL_ENOMEM, "fingerprint synthesis: out of memory");
    m->seed = seed;
    m->finger = finger;
    ktpel_rng rng;
    uint64_t path[2] = {SF_STREAM_IMAGE_MASTER, finger};
    ktpel_rng_seed_path(&rng, seed, path, 2);
    sf_model_draw(&m->model, &rng);
    const sf_area *a = &m->model.area;
    m->width = (int)ceilf(a->left + a->right) + 2 * PAD;
    m->height = (int)ceilf(a->top + a->bottom) + 2 * PAD;
    m->origin_x = PAD + a->left;
    m->origin_y = PAD + a->top;
    m->ridge = calloc((size_t)m->width * (size_t)m->height, sizeof *m->ridge);
    if (!m->ridge) {
        free(m);
        return ktpel_fail(eb, KTPEL_ENOMEM, "fingerprint synthesis: out of memory");
    }
    ktpel_err err = grow(m, &rng, eb);
    if (!err)
        add_skin_defects(m, &rng);
    if (err) {
        ktpel_synth_finger_free(m);
        return err;
    }
    *out = m;
    return KTPEL_OK;
}

void ktpel_synth_finger_free(ktpel_synth_finger *m)
{
    if (!m)
        return;
    free(m->ridge);
    free(m);
}

ktpel_synth_finger_class ktpel_synth_finger_get_class(const ktpel_synth_finger *m)
{
    return m ? m->model.cls : KTPEL_SYNTH_FINGER_CLASS_COUNT;
}

ktpel_err ktpel_synth_finger_master_image(const ktpel_synth_finger *m, ktpel_image *out,
                                          ktpel_errbuf *eb)
{
    if (!m || !out)
        return ktpel_fail(eb, KTPEL_EINVAL, "fingerprint master image: NULL argument");
    ktpel_err err = ktpel_image_alloc(out, m->width, m->height, 1, SF_DPI, eb);
    if (err)
        return err;
    for (int y = 0; y < m->height; y++)
        for (int x = 0; x < m->width; x++) {
            size_t i = (size_t)y * m->width + x;
            float d = sf_area_depth(&m->model.area, (float)x - m->origin_x, (float)y - m->origin_y);
            float v = d > 0 ? m->ridge[i] : -1.0f;
            out->data[i] = (uint8_t)lroundf(127.5f - 127.5f * v);
        }
    return KTPEL_OK;
}

/* ---- access for the impression renderer (synth_finger_render.c) ---------------------------- */

const sf_model *sf_master_model(const ktpel_synth_finger *m)
{
    return &m->model;
}

const float *sf_master_ridge(const ktpel_synth_finger *m, int *width, int *height, float *ox,
                             float *oy)
{
    *width = m->width;
    *height = m->height;
    *ox = m->origin_x;
    *oy = m->origin_y;
    return m->ridge;
}

void sf_master_identity(const ktpel_synth_finger *m, uint64_t *seed, uint64_t *finger)
{
    *seed = m->seed;
    *finger = m->finger;
}

int sf_master_iterations(const ktpel_synth_finger *m)
{
    return m->growth_iterations;
}
