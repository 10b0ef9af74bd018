/* Compact fingerprint templates (Minutia Cylinder-Code, bit form) and their comparison.
 *
 * Reference: R. Cappelli, M. Ferrara, D. Maltoni, "Minutia Cylinder-Code: a new
 * representation and matching technique for fingerprint recognition", IEEE TPAMI 32(12),
 * 2010. Parameters are the paper's unless noted; none depends on a data set.
 *
 * Build (once per template):
 *   1. minutiae -> 500 dpi coordinates, y axis up, angle in radians (counter-clockwise);
 *   2. per minutia a cylinder of radius R: NS x NS cells times ND direction planes; a cell
 *      bit is set when the nearby minutiae (spatial Gaussian) with the right relative
 *      direction (angular Gaussian) contribute more than MU_PSI; a cell is valid inside the
 *      circle and inside the convex hull of the minutiae grown by OMEGA;
 *   3. pairwise geometry between minutiae with valid cylinders (distance, relative
 *      direction, radial angle), quantised, for the consolidation step.
 * Compare: local similarity of every compatible cylinder pair (popcount over the common
 * valid cells), greedy one-to-one selection of the best pairs, relaxation of their
 * similarities by geometric compatibility with the other pairs (LSS-R), score = mean of
 * the relaxed similarities of the most efficient pairs.
 */
#include "ktpel/fp_match.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fp_mcc_internal.h"

#define PI_F 3.14159265358979f

/* Cylinder geometry and contribution (paper, section 5: MCC16b). */
#define MCC_R       70.0f
#define MCC_SIGMA_S (28.0f / 3.0f)
#define MCC_SIGMA_D (2.0f * PI_F / 9.0f)
#define MCC_MU_PSI  0.01f
#define MCC_OMEGA   50.0f
#define MCC_MIN_VC  0.75f /* share of the circle's cells that must be valid */
#define MCC_MIN_M   2     /* minutiae near the centre needed for a valid cylinder */
#define MCC_MIN_ME  0.60f /* share of the circle's cells valid in both cylinders to compare */
#ifndef MCC_DELTA_THETA
#define MCC_DELTA_THETA 64 /* largest direction difference of a compared pair: pi/2 */
#endif

/* LSS-R consolidation. */
#define LSS_MIN_NP 4
#define LSS_MAX_NP 12

#define LSS_MU_P       20.0f
#define LSS_TAU_P      0.4f
#define REL_ITERATIONS 5
#define REL_WEIGHT     0.5f
#define REL_MU1        5.0f
#define REL_TAU1       (-8.0f / 5.0f)
#define REL_MU2        (PI_F / 12.0f)
#define REL_TAU2       (-30.0f)
#define REL_MU3        (PI_F / 12.0f)
#define REL_TAU3       (-30.0f)

#ifdef MCC_TUNE /* development only: parameters from the environment */
static float tune(const char *name, float def)
{
    const char *v = getenv(name);
    return v ? strtof(v, NULL) : def;
}
#define TUNE(name, def) tune(name, def)
#else
#define TUNE(name, def) (def)
#endif

static float sigmoid(float v, float mu, float tau)
{
    return 1.0f / (1.0f + expf(-tau * (v - mu)));
}

/* Angle difference a - b brought into [-pi, pi). */
static float angle_diff(float a, float b)
{
    float d = a - b;
    while (d < -PI_F)
        d += 2.0f * PI_F;
    while (d >= PI_F)
        d -= 2.0f * PI_F;
    return d;
}

/* ---- convex hull of the minutiae, for cell validity ------------------------------------ */

typedef struct point {
    float x, y;
} point;

static int cmp_point(const void *pa, const void *pb)
{
    const point *a = pa, *b = pb;
    if (a->x != b->x)
        return a->x < b->x ? -1 : 1;
    if (a->y != b->y)
        return a->y < b->y ? -1 : 1;
    return 0;
}

static float cross(point o, point a, point b)
{
    return (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x);
}

/* Andrew's monotone chain; hull gets up to n + 1 points, counter-clockwise. Returns the
 * number of hull vertices (n < 3 gives the points themselves). */
static int convex_hull(point *pts, int n, point *hull)
{
    qsort(pts, (size_t)n, sizeof *pts, cmp_point);
    if (n < 3) {
        memcpy(hull, pts, (size_t)n * sizeof *pts);
        return n;
    }
    int k = 0;
    for (int i = 0; i < n; i++) {
        while (k >= 2 && cross(hull[k - 2], hull[k - 1], pts[i]) <= 0)
            k--;
        hull[k++] = pts[i];
    }
    for (int i = n - 2, lower = k + 1; i >= 0; i--) {
        while (k >= lower && cross(hull[k - 2], hull[k - 1], pts[i]) <= 0)
            k--;
        hull[k++] = pts[i];
    }
    return k - 1;
}

static float segment_distance2(point p, point a, point b)
{
    float dx = b.x - a.x, dy = b.y - a.y;
    float len2 = dx * dx + dy * dy;
    float t = len2 > 0 ? ((p.x - a.x) * dx + (p.y - a.y) * dy) / len2 : 0;
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    float ex = a.x + t * dx - p.x, ey = a.y + t * dy - p.y;
    return ex * ex + ey * ey;
}

/* True if p lies inside the hull or within `grow` of it. */
static int near_hull(const point *hull, int n, point p, float grow)
{
    if (n == 0)
        return 0;
    if (n >= 3) {
        int inside = 1;
        for (int i = 0; i < n && inside; i++)
            inside = cross(hull[i], hull[(i + 1) % n], p) >= 0;
        if (inside)
            return 1;
    }
    float best = INFINITY;
    for (int i = 0; i < n; i++) {
        float d = segment_distance2(p, hull[i], hull[(i + 1) % n]);
        if (d < best)
            best = d;
    }
    return best <= grow * grow;
}

/* ---- cylinders ---------------------------------------------------------------------------- */

typedef struct norm_minutia {
    float x, y, theta; /* 500 dpi pixels, y up; radians */
    uint8_t angle;     /* ISO units */
} norm_minutia;

/* Integral of the normalised angular Gaussian over a direction cell centred alpha away. */
static float angular_contribution(float alpha)
{
    const float half = PI_F / MCC_ND;
    const float k = 1.0f / (MCC_SIGMA_D * 1.41421356f);
    return 0.5f * (erff((alpha + half) * k) - erff((alpha - half) * k));
}

/* Fills one cylinder. Returns 1 if it is valid (enough valid cells and neighbours). */
static int build_cylinder(const norm_minutia *all, int n, int centre, const point *hull, int hull_n,
                          mcc_cylinder *cyl, int circle_cells)
{
    const norm_minutia *m = &all[centre];
    const float delta_s = 2.0f * MCC_R / MCC_NS;
    const float gs_norm = 1.0f / (MCC_SIGMA_S * 2.50662827f);
    const float reach2 = (3.0f * MCC_SIGMA_S) * (3.0f * MCC_SIGMA_S);
    const float c = cosf(m->theta), s = sinf(m->theta);
    memset(cyl, 0, sizeof *cyl);

    int neighbours = 0;
    const float near2 = (MCC_R + 3.0f * MCC_SIGMA_S) * (MCC_R + 3.0f * MCC_SIGMA_S);
    for (int t = 0; t < n; t++) {
        float dx = all[t].x - m->x, dy = all[t].y - m->y;
        if (t != centre && dx * dx + dy * dy <= near2)
            neighbours++;
    }

    int valid_cells = 0;
    for (int i = 0; i < MCC_NS; i++) {
        for (int j = 0; j < MCC_NS; j++) {
            float u = ((float)i + 0.5f - MCC_NS / 2.0f) * delta_s;
            float v = ((float)j + 0.5f - MCC_NS / 2.0f) * delta_s;
            if (u * u + v * v > MCC_R * MCC_R)
                continue;
            point p = {m->x + c * u - s * v, m->y + s * u + c * v};
            if (!near_hull(hull, hull_n, p, MCC_OMEGA))
                continue;
            int cell = i * MCC_NS + j;
            cyl->mask[cell >> 6] |= 1ull << (cell & 63);
            valid_cells++;
            float sum[MCC_ND] = {0};
            for (int t = 0; t < n; t++) {
                if (t == centre)
                    continue;
                float dx = all[t].x - p.x, dy = all[t].y - p.y;
                float d2 = dx * dx + dy * dy;
                if (d2 > reach2)
                    continue;
                float gs = gs_norm * expf(-d2 / (2.0f * MCC_SIGMA_S * MCC_SIGMA_S));
                float rel = angle_diff(m->theta, all[t].theta);
                for (int k = 0; k < MCC_ND; k++) {
                    float phi = -PI_F + ((float)k + 0.5f) * (2.0f * PI_F / MCC_ND);
                    sum[k] += gs * angular_contribution(angle_diff(phi, rel));
                }
            }
            for (int k = 0; k < MCC_ND; k++)
                if (sum[k] >= MCC_MU_PSI)
                    cyl->bits[k * MCC_PLANE_WORDS + (cell >> 6)] |= 1ull << (cell & 63);
        }
    }
    return valid_cells >= MCC_MIN_VC * (float)circle_cells && neighbours >= MCC_MIN_M;
}

static int count_circle_cells(void)
{
    const float delta_s = 2.0f * MCC_R / MCC_NS;
    int cells = 0;
    for (int i = 0; i < MCC_NS; i++)
        for (int j = 0; j < MCC_NS; j++) {
            float u = ((float)i + 0.5f - MCC_NS / 2.0f) * delta_s;
            float v = ((float)j + 0.5f - MCC_NS / 2.0f) * delta_s;
            cells += u * u + v * v <= MCC_R * MCC_R;
        }
    return cells;
}

/* ---- building the compact template ---------------------------------------------------- */

static size_t align64(size_t n)
{
    return (n + 63) & ~(size_t)63;
}

/* Lays out the arrays of a template of n descriptors after its header. */
static size_t layout(ktpel_fp_compact *c, int n)
{
    size_t off = align64(sizeof *c);
    size_t cyl = off;
    off = align64(off + (size_t)n * sizeof(mcc_cylinder));
    size_t mx = off;
    off = align64(off + (size_t)n * sizeof(float));
    size_t my = off;
    off = align64(off + (size_t)n * sizeof(float));
    size_t ang = off;
    off = align64(off + (size_t)n);
    if (c) {
        char *base = (char *)c;
        c->cyl = (mcc_cylinder *)(base + cyl);
        c->x = (float *)(base + mx);
        c->y = (float *)(base + my);
        c->angle = (uint8_t *)(base + ang);
    }
    return off;
}

/* Orders the kept minutiae by direction, so that the minutiae within a direction window
 * are one or two contiguous runs (no unpredictable branch in the comparison loop). */
static int cmp_by_angle(const void *pa, const void *pb, const norm_minutia *norm)
{
    int a = *(const int *)pa, b = *(const int *)pb;
    if (norm[a].angle != norm[b].angle)
        return norm[a].angle < norm[b].angle ? -1 : 1;
    return a < b ? -1 : a > b;
}

static void sort_by_angle(int *idx, int n, const norm_minutia *norm)
{
    for (int i = 1; i < n; i++) { /* insertion sort: n is small and this runs once */
        int v = idx[i], k = i;
        while (k > 0 && cmp_by_angle(&idx[k - 1], &v, norm) > 0) {
            idx[k] = idx[k - 1];
            k--;
        }
        idx[k] = v;
    }
}

static void fill_angle_index(ktpel_fp_compact *c)
{
    int k = 0;
    for (int a = 0; a <= 256; a++) {
        while (k < c->n && c->angle[k] < a)
            k++;
        c->angle_start[a] = (uint8_t)k;
    }
}

ktpel_err ktpel_fp_compact_build(const ktpel_minutia *minutiae, int count, int width, int height,
                                 double x_dpi, double y_dpi, ktpel_fp_compact **out,
                                 ktpel_errbuf *eb)
{
    if (!out || (count > 0 && !minutiae))
        return ktpel_fail(eb, KTPEL_EINVAL, "ktpel_fp_compact_build: NULL argument");
    *out = NULL;
    if (count < 0 || count > KTPEL_MAX_MINUTIAE)
        return ktpel_fail(eb, KTPEL_EINVAL, "compact template: %d minutiae, not 0..%d", count,
                          KTPEL_MAX_MINUTIAE);
    if (!(x_dpi > 0 && y_dpi > 0 && x_dpi < 1e5 && y_dpi < 1e5))
        return ktpel_fail(eb, KTPEL_EINVAL, "compact template: resolution %gx%g dpi", x_dpi, y_dpi);
    norm_minutia norm[KTPEL_MAX_MINUTIAE];
    point pts[KTPEL_MAX_MINUTIAE], hull[KTPEL_MAX_MINUTIAE + 1];
    const float sx = (float)(MCC_DPI / x_dpi), sy = (float)(MCC_DPI / y_dpi);
    for (int i = 0; i < count; i++) {
        const ktpel_minutia *m = &minutiae[i];
        if (m->x >= width || m->y >= height)
            return ktpel_fail(eb, KTPEL_EINVAL,
                              "compact template: minutia %d at (%u,%u) outside the %dx%d image", i,
                              m->x, m->y, width, height);
        norm[i].x = m->x * sx;
        norm[i].y = -(float)m->y * sy;
        norm[i].angle = m->angle;
        norm[i].theta = m->angle * (PI_F / 128.0f);
        pts[i] = (point){norm[i].x, norm[i].y};
    }
    int hull_n = convex_hull(pts, count, hull);

    /* Cylinders first into a scratch array; only the valid ones are kept. */
    mcc_cylinder *scratch = aligned_alloc(64, sizeof(mcc_cylinder) * (size_t)(count ? count : 1));
    if (!scratch)
        return ktpel_fail(eb, KTPEL_ENOMEM, "compact template: out of memory");
    int keep[KTPEL_MAX_MINUTIAE], slot[KTPEL_MAX_MINUTIAE];
    int n = 0;
    const int circle = count_circle_cells();
    for (int i = 0; i < count; i++)
        if (build_cylinder(norm, count, i, hull, hull_n, &scratch[n], circle)) {
            slot[i] = n;
            keep[n++] = i;
        }
    sort_by_angle(keep, n, norm);

    size_t bytes = layout(NULL, n);
    ktpel_fp_compact *c = aligned_alloc(64, bytes);
    if (!c) {
        free(scratch);
        return ktpel_fail(eb, KTPEL_ENOMEM, "compact template: out of memory (%zu bytes)", bytes);
    }
    memset(c, 0, bytes);
    layout(c, n);
    c->bytes = bytes;
    c->count = count;
    c->n = n;
    c->min_common_cells = (int)ceilf(MCC_MIN_ME * (float)circle);
    for (int k = 0; k < n; k++) {
        const norm_minutia *m = &norm[keep[k]];
        c->cyl[k] = scratch[slot[keep[k]]];
        c->x[k] = m->x;
        c->y[k] = m->y;
        c->angle[k] = m->angle;
    }
    free(scratch);
    fill_angle_index(c);
    *out = c;
    return KTPEL_OK;
}

ktpel_err ktpel_fp_compact_from_template(const ktpel_fp_template *t, int view,
                                         ktpel_fp_compact **out, ktpel_errbuf *eb)
{
    if (!t || !out)
        return ktpel_fail(eb, KTPEL_EINVAL, "ktpel_fp_compact_from_template: NULL argument");
    if (view < 0 || view >= t->view_count)
        return ktpel_fail(eb, KTPEL_EINVAL, "template has %d finger views, no view %d",
                          t->view_count, view);
    if (t->x_res <= 0 || t->y_res <= 0)
        return ktpel_fail(eb, KTPEL_EINVAL, "template resolution %dx%d pixels/cm", t->x_res,
                          t->y_res);
    const ktpel_fp_view *v = &t->views[view];
    return ktpel_fp_compact_build(v->minutiae, v->count, t->width, t->height, t->x_res * 2.54,
                                  t->y_res * 2.54, out, eb);
}

void ktpel_fp_compact_free(ktpel_fp_compact *c)
{
    free(c);
}

size_t ktpel_fp_compact_size(const ktpel_fp_compact *c)
{
    return c ? c->bytes : 0;
}

int ktpel_fp_compact_count(const ktpel_fp_compact *c)
{
    return c ? c->count : 0;
}

int ktpel_fp_compact_descriptors(const ktpel_fp_compact *c)
{
    return c ? c->n : 0;
}

/* ---- comparison ------------------------------------------------------------------------ */

/* Candidate pairs are packed into one word so that sorting is an integer sort:
 * similarity quantised to 16 bits, then the two minutia indices. 0 = no candidate. */
static uint32_t pack_candidate(float sim, int i, int j)
{
    if (!(sim > 0))
        return 0;
    uint32_t q = (uint32_t)(sim * 65535.0f + 0.5f);
    return q << 16 | (uint32_t)i << 8 | (uint32_t)j;
}

static int angle_distance(int a, int b)
{
    int d = (a - b) & 255;
    return d > 128 ? 256 - d : d;
}

/* Similarity from the bit counts: 1 - |a xor b| / (|a| + |b|) in the Euclidean sense of the
 * paper, with square roots from a table. */
static float bit_similarity(const float *sqrt_tab, int na, int nb, int nd)
{
    float den = sqrt_tab[na] + sqrt_tab[nb];
    return den > 0 ? 1.0f - sqrt_tab[nd] / den : 0.0f;
}

/* The minutiae of b whose direction is within MCC_DELTA_THETA of `angle`: at most two
 * runs [from, to) of b's direction-sorted order. Returns the number of runs. */
static int direction_runs(const ktpel_fp_compact *b, int angle, int runs[2][2])
{
    int lo = angle - MCC_DELTA_THETA, hi = angle + MCC_DELTA_THETA + 1; /* [lo, hi) */
    if (lo >= 0 && hi <= 256) {
        runs[0][0] = b->angle_start[lo];
        runs[0][1] = b->angle_start[hi];
        return 1;
    }
    if (lo < 0) {
        runs[0][0] = b->angle_start[lo + 256];
        runs[0][1] = b->n;
        runs[1][0] = 0;
        runs[1][1] = b->angle_start[hi];
    } else {
        runs[0][0] = b->angle_start[lo];
        runs[0][1] = b->n;
        runs[1][0] = 0;
        runs[1][1] = b->angle_start[hi - 256];
    }
    return 2;
}

/* The local similarity loop, compiled for several instruction sets (chosen at workspace
 * creation). It appends the packed candidates with positive similarity to keys and returns
 * their number. Branch-free inside a run: the direction window is the run itself, and
 * pairs without enough common cells get similarity 0, which is not appended. */
#define LOCAL_SIMILARITIES_BODY(PAIR_COUNTS)                                                       \
    int count = 0;                                                                                 \
    for (int i = 0; i < a->n; i++) {                                                               \
        const mcc_cylinder *ca = &a->cyl[i];                                                       \
        int runs[2][2];                                                                            \
        int nruns = direction_runs(b, a->angle[i], runs);                                          \
        for (int r = 0; r < nruns; r++)                                                            \
            for (int j = runs[r][0]; j < runs[r][1]; j++) {                                        \
                const mcc_cylinder *cb = &b->cyl[j];                                               \
                int na, nb, nd, common;                                                            \
                PAIR_COUNTS                                                                        \
                float sim = bit_similarity(sqrt_tab, na, nb, nd);                                  \
                uint32_t key = pack_candidate(common >= a->min_common_cells ? sim : 0, i, j);      \
                keys[count] = key;                                                                 \
                count += key != 0;                                                                 \
            }                                                                                      \
    }                                                                                              \
    return count;

#define SCALAR_PAIR_COUNTS                                                                         \
    uint64_t mask[MCC_PLANE_WORDS];                                                                \
    common = na = nb = nd = 0;                                                                     \
    for (int w = 0; w < MCC_PLANE_WORDS; w++) {                                                    \
        mask[w] = ca->mask[w] & cb->mask[w];                                                       \
        common += __builtin_popcountll(mask[w]);                                                   \
    }                                                                                              \
    for (int k = 0; k < MCC_ND; k++)                                                               \
        for (int w = 0; w < MCC_PLANE_WORDS; w++) {                                                \
            uint64_t x = ca->bits[k * MCC_PLANE_WORDS + w] & mask[w];                              \
            uint64_t y = cb->bits[k * MCC_PLANE_WORDS + w] & mask[w];                              \
            na += __builtin_popcountll(x);                                                         \
            nb += __builtin_popcountll(y);                                                         \
            nd += __builtin_popcountll(x ^ y);                                                     \
        }

static int local_generic(const ktpel_fp_compact *a, const ktpel_fp_compact *b,
                         const float *sqrt_tab, uint32_t *keys)
{
    LOCAL_SIMILARITIES_BODY(SCALAR_PAIR_COUNTS)
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

__attribute__((target("popcnt"))) static int local_popcnt(const ktpel_fp_compact *a,
                                                          const ktpel_fp_compact *b,
                                                          const float *sqrt_tab, uint32_t *keys)
{
    LOCAL_SIMILARITIES_BODY(SCALAR_PAIR_COUNTS)
}

/* AVX-512 with VPOPCNTQ: a cylinder is three 512-bit registers (two planes each). The
 * three counts share one horizontal sum: each is at most 1536, so they fit side by side in
 * 16-bit fields of a 64-bit lane. */
#define AVX512_PAIR_COUNTS                                                                         \
    const __m512i mb = _mm512_broadcast_i64x4(_mm256_load_si256((const __m256i *)cb->mask));       \
    const __m512i mm = _mm512_and_si512(ma, mb);                                                   \
    __m512i x0 = _mm512_and_si512(a0, mm), x1 = _mm512_and_si512(a1, mm),                          \
            x2 = _mm512_and_si512(a2, mm);                                                         \
    __m512i y0 = _mm512_and_si512(_mm512_load_si512(cb->bits), mm);                                \
    __m512i y1 = _mm512_and_si512(_mm512_load_si512(cb->bits + 8), mm);                            \
    __m512i y2 = _mm512_and_si512(_mm512_load_si512(cb->bits + 16), mm);                           \
    __m512i pa =                                                                                   \
        _mm512_add_epi64(_mm512_add_epi64(_mm512_popcnt_epi64(x0), _mm512_popcnt_epi64(x1)),       \
                         _mm512_popcnt_epi64(x2));                                                 \
    __m512i pb =                                                                                   \
        _mm512_add_epi64(_mm512_add_epi64(_mm512_popcnt_epi64(y0), _mm512_popcnt_epi64(y1)),       \
                         _mm512_popcnt_epi64(y2));                                                 \
    __m512i pd = _mm512_add_epi64(_mm512_add_epi64(_mm512_popcnt_epi64(_mm512_xor_si512(x0, y0)),  \
                                                   _mm512_popcnt_epi64(_mm512_xor_si512(x1, y1))), \
                                  _mm512_popcnt_epi64(_mm512_xor_si512(x2, y2)));                  \
    __m512i pm = _mm512_popcnt_epi64(mm); /* the common mask, counted twice */                     \
    __m512i packed =                                                                               \
        _mm512_add_epi64(_mm512_add_epi64(pa, _mm512_slli_epi64(pb, 16)),                          \
                         _mm512_add_epi64(_mm512_slli_epi64(pd, 32), _mm512_slli_epi64(pm, 48)));  \
    uint64_t sums = (uint64_t)_mm512_reduce_add_epi64(packed);                                     \
    na = (int)(sums & 0xffff);                                                                     \
    nb = (int)((sums >> 16) & 0xffff);                                                             \
    nd = (int)((sums >> 32) & 0xffff);                                                             \
    common = (int)(sums >> 49);

__attribute__((target("avx512f,avx512vpopcntdq,popcnt"))) static int
local_avx512(const ktpel_fp_compact *a, const ktpel_fp_compact *b, const float *sqrt_tab,
             uint32_t *keys)
{
    int count = 0;
    for (int i = 0; i < a->n; i++) {
        const mcc_cylinder *ca = &a->cyl[i];
        const __m512i a0 = _mm512_load_si512(ca->bits);
        const __m512i a1 = _mm512_load_si512(ca->bits + 8);
        const __m512i a2 = _mm512_load_si512(ca->bits + 16);
        const __m512i ma = _mm512_broadcast_i64x4(_mm256_load_si256((const __m256i *)ca->mask));
        int runs[2][2];
        int nruns = direction_runs(b, a->angle[i], runs);
        for (int r = 0; r < nruns; r++)
            for (int j = runs[r][0]; j < runs[r][1]; j++) {
                const mcc_cylinder *cb = &b->cyl[j];
                int na, nb, nd, common;
                AVX512_PAIR_COUNTS
                float sim = bit_similarity(sqrt_tab, na, nb, nd);
                uint32_t key = pack_candidate(common >= a->min_common_cells ? sim : 0, i, j);
                keys[count] = key;
                count += key != 0;
            }
    }
    return count;
}
#endif

static mcc_local_fn choose_local(void)
{
#if defined(__x86_64__) && defined(__GNUC__)
    __builtin_cpu_init();
    if (MCC_WORDS == 24 && __builtin_cpu_supports("avx512f") &&
        __builtin_cpu_supports("avx512vpopcntdq"))
        return local_avx512;
    if (__builtin_cpu_supports("popcnt"))
        return local_popcnt;
#endif
    return local_generic;
}

/* Sorts keys[from, to) in decreasing order (insertion sort: buckets are small). */
static void sort_bucket(uint32_t *keys, int from, int to)
{
    for (int x = from + 1; x < to; x++) {
        uint32_t key = keys[x];
        int y = x;
        for (; y > from && keys[y - 1] < key; y--)
            keys[y] = keys[y - 1];
        keys[y] = key;
    }
}

/* Greedy one-to-one choice of the best n pairs in decreasing order of similarity (ties:
 * higher indices first, from the packed key). The candidates are distributed into 256
 * buckets by their top similarity bits, and a bucket is sorted only when the greedy choice
 * reaches it: usually a few of the highest. Returns how many pairs were chosen. */
static int select_pairs(ktpel_fp_workspace *ws, int candidates, int n)
{
    int hist[256] = {0}, start[257];
    for (int t = 0; t < candidates; t++)
        hist[ws->keys[t] >> 24]++;
    int pos = 0;
    for (int v = 255; v >= 0; v--) {
        start[v] = pos;
        pos += hist[v];
    }
    int fill[256];
    memcpy(fill, start, sizeof fill);
    uint32_t *sorted = ws->keys_tmp;
    for (int t = 0; t < candidates; t++)
        sorted[fill[ws->keys[t] >> 24]++] = ws->keys[t];

    memset(ws->used_a, 0, sizeof ws->used_a);
    memset(ws->used_b, 0, sizeof ws->used_b);
    int chosen = 0;
    for (int v = 255; v >= 0 && chosen < n; v--) {
        int from = start[v], to = start[v] + hist[v];
        sort_bucket(sorted, from, to);
        for (int t = from; t < to && chosen < n; t++) {
            uint32_t key = sorted[t];
            int i = (key >> 8) & 255, j = key & 255;
            if (ws->used_a[i] || ws->used_b[j])
                continue;
            ws->used_a[i] = ws->used_b[j] = 1;
            ws->sel[chosen++] =
                (mcc_candidate){(float)(key >> 16) * (1.0f / 65535.0f), (uint8_t)i, (uint8_t)j};
        }
    }
    return chosen;
}

/* atan2 in ISO units (256 per turn), from an odd polynomial on [0, 1] (error below
 * 0.01 degree, far below the 1.4 degree unit). Written without branches: the octant
 * choices are data-dependent and would be mispredicted half of the time. */
#define ATAN_C3 (-0.327622764f)
#define ATAN_C5 0.15931422f
#define ATAN_C7 (-0.0464964749f)

/* Row stride of the relaxation matrices: LSS_MAX_NR rounded up to a multiple of 4. */
#define REL_STRIDE ((LSS_MAX_NR + 3) / 4 * 4)

#if defined(__SSE2__)
#include <emmintrin.h>

/* Distances and directions from every chosen minutia to every other, 4 at a time. */
static void chosen_geometry(const float *xs, const float *ys, float *dist, int32_t *dir)
{
    const __m128 sign = _mm_set1_ps(-0.0f), tiny = _mm_set1_ps(1e-30f);
    const __m128 half_pi = _mm_set1_ps(0.5f * PI_F), pi = _mm_set1_ps(PI_F);
    const __m128 two = _mm_set1_ps(2.0f), to_units = _mm_set1_ps(128.0f / PI_F);
    const __m128 offset = _mm_set1_ps(256.5f), scale = _mm_set1_ps(MCC_DIST_SCALE);
    const __m128i low8 = _mm_set1_epi32(255);
    for (int t = 0; t < REL_STRIDE; t++) {
        const __m128 xt = _mm_set1_ps(xs[t]), yt = _mm_set1_ps(ys[t]);
        for (int k = 0; k < REL_STRIDE; k += 4) {
            __m128 dx = _mm_sub_ps(_mm_loadu_ps(xs + k), xt);
            __m128 dy = _mm_sub_ps(_mm_loadu_ps(ys + k), yt);
            __m128 d2 = _mm_add_ps(_mm_mul_ps(dx, dx), _mm_mul_ps(dy, dy));
            _mm_storeu_ps(dist + t * REL_STRIDE + k, _mm_mul_ps(_mm_sqrt_ps(d2), scale));
            __m128 ax = _mm_andnot_ps(sign, dx), ay = _mm_andnot_ps(sign, dy);
            __m128 mx = _mm_max_ps(ax, ay), mn = _mm_min_ps(ax, ay);
            __m128 q = _mm_div_ps(mn, _mm_add_ps(mx, tiny)), q2 = _mm_mul_ps(q, q);
            __m128 poly = _mm_add_ps(_mm_mul_ps(_mm_set1_ps(ATAN_C7), q2), _mm_set1_ps(ATAN_C5));
            poly = _mm_add_ps(_mm_mul_ps(poly, q2), _mm_set1_ps(ATAN_C3));
            __m128 r = _mm_add_ps(_mm_mul_ps(_mm_mul_ps(poly, q2), q), q);
            __m128 steep = _mm_cmpgt_ps(ay, ax);
            r = _mm_add_ps(r, _mm_and_ps(steep, _mm_sub_ps(half_pi, _mm_mul_ps(two, r))));
            __m128 left = _mm_cmplt_ps(dx, _mm_setzero_ps());
            r = _mm_add_ps(r, _mm_and_ps(left, _mm_sub_ps(pi, _mm_mul_ps(two, r))));
            r = _mm_or_ps(r, _mm_and_ps(sign, dy));
            __m128i u = _mm_cvttps_epi32(_mm_add_ps(_mm_mul_ps(r, to_units), offset));
            _mm_storeu_si128((__m128i *)(dir + t * REL_STRIDE + k), _mm_and_si128(u, low8));
        }
    }
}
#else
static int direction_units(float dy, float dx)
{
    float ax = fabsf(dx), ay = fabsf(dy);
    float mx = ax > ay ? ax : ay, mn = ax > ay ? ay : ax;
    float q = mn / (mx + 1e-30f), q2 = q * q;
    float r = ((ATAN_C7 * q2 + ATAN_C5) * q2 + ATAN_C3) * q2 * q + q;
    if (ay > ax)
        r = 0.5f * PI_F - r;
    if (dx < 0)
        r = PI_F - r;
    r = copysignf(r, dy);
    return (int)(r * (128.0f / PI_F) + 256.5f) & 255;
}

static void chosen_geometry(const float *xs, const float *ys, float *dist, int32_t *dir)
{
    for (int t = 0; t < REL_STRIDE; t++)
        for (int k = 0; k < REL_STRIDE; k++) {
            float dx = xs[k] - xs[t], dy = ys[k] - ys[t];
            dist[t * REL_STRIDE + k] = sqrtf(dx * dx + dy * dy) * MCC_DIST_SCALE;
            dir[t * REL_STRIDE + k] = direction_units(dy, dx);
        }
}
#endif

/* Compatibility of every two chosen pairs: same distance, same relative direction and same
 * radial angle in both templates (paper, equation 21). */
static void compatibility(const ktpel_fp_compact *a, const ktpel_fp_compact *b,
                          ktpel_fp_workspace *ws, int nr)
{
    float xa[REL_STRIDE] = {0}, ya[REL_STRIDE] = {0}, xb[REL_STRIDE] = {0}, yb[REL_STRIDE] = {0};
    int angle_a[REL_STRIDE], angle_b[REL_STRIDE];
    for (int t = 0; t < nr; t++) {
        int i = ws->sel[t].i, j = ws->sel[t].j;
        xa[t] = a->x[i];
        ya[t] = a->y[i];
        angle_a[t] = a->angle[i];
        xb[t] = b->x[j];
        yb[t] = b->y[j];
        angle_b[t] = b->angle[j];
    }
    chosen_geometry(xa, ya, ws->dist_a, ws->dir_a);
    chosen_geometry(xb, yb, ws->dist_b, ws->dir_b);
    float *rho = ws->rho;
    memset(rho, 0, sizeof ws->rho);
    for (int t = 0; t < nr; t++) {
        for (int k = 0; k < nr; k++) {
            if (k == t)
                continue;
            int e = t * REL_STRIDE + k;
            int dd = (int)(fabsf(ws->dist_a[e] - ws->dist_b[e]) + 0.5f);
            dd = dd < MCC_REL_DIST_STEPS ? dd : MCC_REL_DIST_STEPS - 1;
            int dtheta = angle_distance(angle_a[k] - angle_a[t], angle_b[k] - angle_b[t]);
            int radial = angle_distance(ws->dir_a[e] - angle_a[t], ws->dir_b[e] - angle_b[t]);
            rho[e] = ws->rho_dist[dd] * ws->rho_dir[dtheta] * ws->rho_rad[radial];
        }
    }
}

/* Relaxation (LSS-R): each pair's similarity is reinforced by the pairs whose geometry
 * agrees with it. Four partial sums per row keep the adds independent. */
static void relax(const ktpel_fp_compact *a, const ktpel_fp_compact *b, ktpel_fp_workspace *ws,
                  int nr)
{
    compatibility(a, b, ws, nr);
    const float *rho = ws->rho;
    float lambda[REL_STRIDE] = {0}, next[REL_STRIDE] = {0};
    for (int t = 0; t < nr; t++)
        lambda[t] = ws->sel[t].sim;
    const float w = REL_WEIGHT, norm = (1.0f - REL_WEIGHT) / (float)(nr > 1 ? nr - 1 : 1);
    for (int it = 0; it < REL_ITERATIONS; it++) {
        for (int t = 0; t < nr; t++) {
            const float *row = rho + t * REL_STRIDE;
            float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            for (int k = 0; k < REL_STRIDE; k += 4) {
                s0 += row[k] * lambda[k];
                s1 += row[k + 1] * lambda[k + 1];
                s2 += row[k + 2] * lambda[k + 2];
                s3 += row[k + 3] * lambda[k + 3];
            }
            next[t] = w * lambda[t] + norm * ((s0 + s1) + (s2 + s3));
        }
        memcpy(lambda, next, sizeof lambda);
    }
    memcpy(ws->lambda, lambda, (size_t)nr * sizeof *lambda);
}

/* ---- workspace -------------------------------------------------------------------------- */

ktpel_err ktpel_fp_workspace_new(ktpel_fp_workspace **out, ktpel_errbuf *eb)
{
    if (!out)
        return ktpel_fail(eb, KTPEL_EINVAL, "ktpel_fp_workspace_new: NULL argument");
    ktpel_fp_workspace *ws = calloc(1, sizeof *ws);
    if (!ws)
        return ktpel_fail(eb, KTPEL_ENOMEM, "fingerprint workspace: out of memory");
    /* Compatibility of pair geometry (relaxation), tabulated once per workspace. */
    for (int d = 0; d < MCC_REL_DIST_STEPS; d++)
        ws->rho_dist[d] = sigmoid((float)d / MCC_DIST_SCALE, REL_MU1, REL_TAU1);
    for (int a = 0; a <= 128; a++) {
        float rad = (float)a * (PI_F / 128.0f);
        ws->rho_dir[a] = sigmoid(rad, REL_MU2, REL_TAU2);
        ws->rho_rad[a] = sigmoid(rad, REL_MU3, REL_TAU3);
    }
    for (int v = 0; v <= MCC_WORDS * 64; v++)
        ws->sqrt_tab[v] = sqrtf((float)v);
    ws->local = choose_local();
    for (int n = 0; n <= KTPEL_MAX_MINUTIAE; n++)
        ws->np_for_n[n] = (uint8_t)(LSS_MIN_NP + lroundf(sigmoid((float)n, LSS_MU_P, LSS_TAU_P) *
                                                         (LSS_MAX_NP - LSS_MIN_NP)));
    *out = ws;
    return KTPEL_OK;
}

void ktpel_fp_workspace_free(ktpel_fp_workspace *ws)
{
    free(ws);
}

float ktpel_fp_compare(const ktpel_fp_compact *a, const ktpel_fp_compact *b, ktpel_fp_workspace *ws)
{
    if (!a || !b || !ws || a->n == 0 || b->n == 0)
        return 0.0f;
    int candidates = ws->local(a, b, ws->sqrt_tab, ws->keys);
    int nmin = a->n < b->n ? a->n : b->n;
    int nr = select_pairs(ws, candidates, nmin < LSS_MAX_NR ? nmin : LSS_MAX_NR);
    if (nr == 0)
        return 0.0f;
    relax(a, b, ws, nr);
    /* Efficiency: how much a pair kept of its similarity through relaxation. */
    int np = ws->np_for_n[nmin];
    if (np > nr)
        np = nr;
    float eff[KTPEL_MAX_MINUTIAE];
    for (int t = 0; t < nr; t++)
        eff[t] = ws->lambda[t] / ws->sel[t].sim;
    float sum = 0;
    for (int p = 0; p < np; p++) {
        int best = -1;
        for (int t = 0; t < nr; t++)
            if (eff[t] >= 0 && (best < 0 || eff[t] > eff[best]))
                best = t;
        sum += ws->lambda[best];
        eff[best] = -1;
    }
    return sum / (float)np;
}
