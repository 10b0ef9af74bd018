/* Iris segmentation: pupil and limbus circles by Daugman's integro-differential operator,
 * eyelids by the same idea applied to parabolas.
 *
 *   1. pupil seed: the darkest window of the image (the pupil is the largest dark, compact
 *      region; eyelashes are thin, so their window means stay brighter), grown into the
 *      connected dark region around it for a first centre and radius;
 *   2. pupil circle: the centre and radius that maximise the blurred radial derivative of the
 *      mean grey level along the circle (dark inside, brighter outside), all around but the
 *      top, where an eyelid may cover it;
 *   3. limbus circle: the same on a smoother image, over the lateral arcs only (eyelids cover
 *      the top and bottom of most irises), its centre near the pupil's (non-concentric);
 *   4. eyelids: parabolas y = a + c (x - x0)^2 across the iris; the one along which the
 *      vertical derivative is strongest and consistent, if it stands out from the iris
 *      texture, is an eyelid edge.
 *
 * All sizes are fractions of the image or of the circles found, so the method does not
 * depend on a sensor's resolution. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "iris_internal.h"

#define MAX_ARC_POINTS 128
/* See best_radius. */
#define LIMBUS_FIRST_PEAK 0.5
/* The lateral arcs that see the limbus fix its centre's x well and its y poorly (they are
 * nearly vertical): the vertical offset from the pupil centre is searched over half the
 * horizontal reach, so that a lid edge on one arc cannot drag the circle up or down. */
#define LIMBUS_Y_SHARE 0.5

/* Points of the unit circle over a set of angle ranges (degrees, counter-clockwise as seen,
 * 0 = right). */
typedef struct arc_set {
    int n;
    double dx[MAX_ARC_POINTS], dy[MAX_ARC_POINTS];
} arc_set;

static void arcs_make(arc_set *a, const double (*ranges)[2], int nranges, int points)
{
    double total = 0;
    for (int i = 0; i < nranges; i++)
        total += ranges[i][1] - ranges[i][0];
    a->n = 0;
    for (int i = 0; i < nranges; i++) {
        int k = (int)lround(points * (ranges[i][1] - ranges[i][0]) / total);
        for (int j = 0; j < k && a->n < MAX_ARC_POINTS; j++) {
            double deg = ranges[i][0] + (ranges[i][1] - ranges[i][0]) * (j + 0.5) / k;
            a->dx[a->n] = cos(deg * IRIS_PI / 180);
            a->dy[a->n] = -sin(deg * IRIS_PI / 180);
            a->n++;
        }
    }
}

/* Mean grey level on the circle over the arcs; NAN when part of it (over a tenth) lies
 * outside the image: a partial circle's mean jumps where it crosses the border. */
static double circle_mean(const iris_fimage *f, const arc_set *a, double cx, double cy, double r)
{
    double sum = 0;
    int used = 0;
    for (int i = 0; i < a->n; i++) {
        float v = iris_sample(f, cx + r * a->dx[i], cy + r * a->dy[i]);
        if (v >= 0) {
            sum += v;
            used++;
        }
    }
    return 10 * used >= 9 * a->n ? sum / used : NAN;
}

#define MAX_RADII 1024

/* The outward rise of the circular mean for one centre, r in [rmin, rmax] in steps of 1:
 * D(r) = M(r + delta) - M(r - delta) on M smoothed with (1 2 1) / 4. With first_peak = 0 the
 * largest D wins; otherwise the innermost local maximum of D that reaches first_peak times
 * the largest (the limbus is the first big rise outwards from the pupil: what lies beyond,
 * eyelid and skin edges, may be sharper). Returns D (or -INFINITY) and the radius, refined
 * to sub-pixel by a parabola through the peak. */
static double best_radius(const iris_fimage *f, const arc_set *a, double cx, double cy, double rmin,
                          double rmax, int delta, double first_peak, double *r_out)
{
    double m[MAX_RADII], ms[MAX_RADII], d[MAX_RADII];
    int n = (int)(rmax - rmin) + 2 * delta + 3;
    if (n > MAX_RADII)
        n = MAX_RADII;
    double r0 = rmin - delta - 1;
    for (int i = 0; i < n; i++)
        m[i] = r0 + i > 0.5 ? circle_mean(f, a, cx, cy, r0 + i) : NAN;
    for (int i = 1; i + 1 < n; i++)
        ms[i] = (m[i - 1] + 2 * m[i] + m[i + 1]) / 4;
    int lo = delta + 1, hi = n - delta - 2; /* D defined on lo..hi */
    double best = -INFINITY;
    int best_i = -1;
    for (int i = lo; i <= hi; i++) {
        d[i] = ms[i + delta] - ms[i - delta];
        if (isnan(d[i]))
            d[i] = -INFINITY;
        if (d[i] > best) {
            best = d[i];
            best_i = i;
        }
    }
    if (best_i < 0 || !isfinite(best))
        return -INFINITY;
    if (first_peak > 0 && best > 0)
        for (int i = lo + 1; i < hi; i++)
            if (d[i] >= first_peak * best && d[i] >= d[i - 1] && d[i] >= d[i + 1]) {
                best_i = i;
                best = d[i];
                break;
            }
    double frac = 0;
    if (best_i > lo && best_i < hi) {
        double den = d[best_i - 1] - 2 * best + d[best_i + 1];
        if (isfinite(den) && den < 0)
            frac = 0.5 * (d[best_i - 1] - d[best_i + 1]) / den;
    }
    *r_out = r0 + best_i + (frac > 0.5 ? 0.5 : frac < -0.5 ? -0.5 : frac);
    return best;
}

/* Integro-differential search: centres on a grid of `step` within an ellipse of half-axes
 * reach (x) and reach * y_share (y) around (x0, y0), then finer grids around the best. */
static double ido_search(const iris_fimage *f, const arc_set *a, double x0, double y0, double reach,
                         double y_share, double rmin, double rmax, int delta, double first_peak,
                         ktpel_iris_circle *out)
{
    double best = -INFINITY;
    ktpel_iris_circle c = {x0, y0, rmin};
    double step = reach >= 8 ? 2 : 1;
    for (int pass = 0; pass < 3; pass++) {
        double cx0 = c.x, cy0 = c.y;
        int k = (int)ceil(reach / step);
        for (int j = -k; j <= k; j++)
            for (int i = -k; i <= k; i++) {
                double x = cx0 + i * step, y = cy0 + j * step, r;
                if (pass == 0 && hypot(i * step, j * step / y_share) > reach + 1e-9)
                    continue;
                double d = best_radius(f, a, x, y, rmin, rmax, delta, first_peak, &r);
                if (d > best) {
                    best = d;
                    c = (ktpel_iris_circle){x, y, r};
                }
            }
        reach = step;
        step /= 2;
    }
    *out = c;
    return best;
}

/* Darkest window (side `win`) away from the borders: the pupil seed. */
static void darkest_window(const iris_fimage *f, int win, int margin, int *sx, int *sy)
{
    int w = f->w, h = f->h;
    double *integral = calloc((size_t)(w + 1) * (size_t)(h + 1), sizeof *integral);
    *sx = w / 2;
    *sy = h / 2;
    if (!integral)
        return;
    for (int y = 0; y < h; y++) {
        double row = 0;
        for (int x = 0; x < w; x++) {
            row += f->p[(size_t)y * w + x];
            integral[(size_t)(y + 1) * (w + 1) + x + 1] =
                integral[(size_t)y * (w + 1) + x + 1] + row;
        }
    }
    double best = INFINITY;
    int half = win / 2;
    for (int y = margin; y + win <= h - margin; y++)
        for (int x = margin; x + win <= w - margin; x++) {
            double s = integral[(size_t)(y + win) * (w + 1) + x + win] -
                       integral[(size_t)y * (w + 1) + x + win] -
                       integral[(size_t)(y + win) * (w + 1) + x] +
                       integral[(size_t)y * (w + 1) + x];
            if (s < best) {
                best = s;
                *sx = x + half;
                *sy = y + half;
            }
        }
    free(integral);
}

/* Grows the dark region around the seed (pixels darker than a level between the seed and
 * the image's median) and returns its centroid and equivalent radius. */
static void grow_dark_region(const iris_fimage *f, int sx, int sy, double rmax, double *cx,
                             double *cy, double *r)
{
    int w = f->w, h = f->h;
    size_t n = (size_t)w * h;
    *cx = sx;
    *cy = sy;
    *r = rmax / 2;
    uint8_t *seen = calloc(n, 1);
    int *stack = malloc(n * sizeof *stack);
    if (!seen || !stack)
        goto done;
    int hist[256] = {0};
    for (size_t i = 0; i < n; i++) {
        int v = (int)f->p[i];
        hist[v < 0 ? 0 : v > 255 ? 255 : v]++;
    }
    int median = 0;
    for (size_t acc = 0; median < 255 && (acc += (size_t)hist[median]) < n / 2;)
        median++;
    float seed = f->p[(size_t)sy * w + sx];
    float level = seed + 0.25f * ((float)median - seed);
    size_t top = 0, area = 0;
    double sumx = 0, sumy = 0;
    stack[top++] = sy * w + sx;
    seen[(size_t)sy * w + sx] = 1;
    size_t limit = (size_t)(4 * IRIS_PI * rmax * rmax);
    while (top > 0 && area < limit) {
        int p = stack[--top];
        int x = p % w, y = p / w;
        area++;
        sumx += x;
        sumy += y;
        const int nx[4] = {x - 1, x + 1, x, x}, ny[4] = {y, y, y - 1, y + 1};
        for (int k = 0; k < 4; k++) {
            if (nx[k] < 0 || ny[k] < 0 || nx[k] >= w || ny[k] >= h)
                continue;
            size_t q = (size_t)ny[k] * w + nx[k];
            if (!seen[q] && f->p[q] <= level) {
                seen[q] = 1;
                stack[top++] = (int)q;
            }
        }
    }
    if (area > 0) {
        *cx = sumx / area;
        *cy = sumy / area;
        *r = sqrt(area / IRIS_PI);
    }
done:
    free(seen);
    free(stack);
}

static double clampd(double v, double lo, double hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

static ktpel_err find_pupil(const iris_fimage *g, ktpel_iris_circle *pupil, double *contrast)
{
    int side = g->w < g->h ? g->w : g->h;
    double rmin = fmax(4, 0.035 * side), rmax = 0.25 * side;
    int sx, sy;
    darkest_window(g, (int)fmax(5, side / 16.0), side / 8, &sx, &sy);
    double cx, cy, r;
    grow_dark_region(g, sx, sy, rmax, &cx, &cy, &r);
    r = clampd(r, rmin, rmax);
    /* All around but the top 60 degrees, where the upper eyelid and lashes may be. */
    static const double ranges[2][2] = {{-240, 60}, {0, 0}};
    arc_set arcs;
    arcs_make(&arcs, ranges, 1, 96);
    double lo = fmax(rmin, 0.6 * r), hi = fmin(rmax, 1.5 * r + 2);
    *contrast = ido_search(g, &arcs, cx, cy, fmax(3, 0.5 * r), 1, lo, hi, 1, 0, pupil);
    return KTPEL_OK;
}

/* The limbus radius seen from (cx, cy), at a coarse scale: the rise of the circular mean
 * over +-10 % of the radius, which sees the sustained step from iris to sclera and not the
 * local bumps of the iris texture (collarette, crypts). The innermost local maximum that
 * reaches LIMBUS_FIRST_PEAK of the largest wins: beyond the limbus, eyelid and skin edges
 * may be as strong. Returns 0 when no radius could be measured. */
static int coarse_limbus_radius(const iris_fimage *g, const arc_set *a, double cx, double cy,
                                double lo, double hi, double *r_out)
{
    double m[MAX_RADII], d[MAX_RADII];
    int r_first = (int)floor(0.9 * lo) - 1, r_last = (int)ceil(1.1 * hi) + 1;
    if (r_first < 1)
        r_first = 1;
    if (r_last - r_first >= MAX_RADII)
        r_last = r_first + MAX_RADII - 1;
    for (int r = r_first; r <= r_last; r++)
        m[r - r_first] = circle_mean(g, a, cx, cy, r);
    double best = -INFINITY;
    int n = 0, first = (int)ceil(lo);
    for (int r = first; r <= (int)hi; r++, n++) {
        int w = (int)lround(fmax(2, 0.1 * r));
        int i0 = r - w - r_first, i1 = r + w - r_first;
        d[n] = i0 >= 0 && i1 <= r_last - r_first ? m[i1] - m[i0] : NAN;
        if (isnan(d[n]))
            d[n] = -INFINITY;
        if (d[n] > best)
            best = d[n];
    }
    if (!isfinite(best) || best <= 0)
        return 0;
    for (int i = 1; i + 1 < n; i++)
        if (d[i] >= LIMBUS_FIRST_PEAK * best && d[i] >= d[i - 1] && d[i] >= d[i + 1]) {
            *r_out = first + i;
            return 1;
        }
    for (int i = 0; i < n; i++)
        if (d[i] == best)
            *r_out = first + i;
    return 1;
}

static void find_limbus(const iris_fimage *g, const ktpel_iris_circle *pupil,
                        ktpel_iris_circle *iris, double *contrast)
{
    int side = g->w < g->h ? g->w : g->h;
    /* Lateral arcs, a little more below the horizontal than above it: the upper lid is the
     * lower one's usual intruder. */
    static const double ranges[2][2] = {{-50, 15}, {165, 230}};
    arc_set arcs;
    arcs_make(&arcs, ranges, 2, 64);
    double lo = fmax(1.4 * pupil->r, pupil->r + 6), hi = fmin(5.0 * pupil->r, 0.65 * side);
    int delta = (int)fmax(2, lround(side / 90.0)); /* the limbus is a soft edge */
    if (hi < lo + 4)
        hi = lo + 4;
    /* The radius seen from the pupil centre first, then the centre and radius near it. */
    double r1 = 0;
    if (coarse_limbus_radius(g, &arcs, pupil->x, pupil->y, lo, hi, &r1)) {
        lo = fmax(lo, 0.85 * r1);
        hi = fmin(hi, 1.15 * r1);
    }
    *contrast = ido_search(g, &arcs, pupil->x, pupil->y, fmax(4, 0.3 * pupil->r), LIMBUS_Y_SHARE,
                           lo, hi, delta, 0, iris);
    /* The pupil lies inside the iris: if not, keep the limbus concentric with the pupil. */
    if (hypot(iris->x - pupil->x, iris->y - pupil->y) + pupil->r > iris->r - 2) {
        double r;
        *contrast = best_radius(g, &arcs, pupil->x, pupil->y, lo, hi, delta, 0, &r);
        *iris = (ktpel_iris_circle){pupil->x, pupil->y, r};
    }
}

/* Mean vertical derivative along a parabola, over the points between the pupil and the
 * limbus; NAN when too few such points. `upper` flips the sign so that "brighter above" is
 * positive for both lids. */
static double lid_score(const iris_fimage *g, const ktpel_iris_segmentation *seg, int upper_side,
                        double ax, double ay, double c, int *used_out)
{
    const ktpel_iris_circle *p = &seg->pupil, *s = &seg->iris;
    double sum = 0;
    int used = 0, span = 0;
    for (double x = s->x - s->r; x <= s->x + s->r; x += 1) {
        span++;
        double y = ay + c * (x - ax) * (x - ax);
        /* Each lid stays on its side of the pupil centre. */
        if (upper_side ? y > p->y : y < p->y)
            continue;
        if (hypot(x - s->x, y - s->y) > s->r - 2 || hypot(x - p->x, y - p->y) < p->r + 5)
            continue;
        float above = iris_sample(g, x, y - 2), below = iris_sample(g, x, y + 2);
        if (above < 0 || below < 0)
            continue;
        sum += below - above;
        used++;
    }
    *used_out = used;
    return 4 * used >= span ? sum / used : NAN;
}

/* Typical size of the vertical derivative of the iris texture (mean absolute value). */
static double texture_derivative(const iris_fimage *g, const ktpel_iris_segmentation *seg)
{
    const ktpel_iris_circle *p = &seg->pupil, *s = &seg->iris;
    double sum = 0;
    int used = 0;
    for (double y = s->y - s->r; y <= s->y + s->r; y += 2)
        for (double x = s->x - s->r; x <= s->x + s->r; x += 2) {
            double ds = hypot(x - s->x, y - s->y), dp = hypot(x - p->x, y - p->y);
            if (ds > s->r - 2 || dp < p->r + 3 || fabs(y - p->y) > p->r)
                continue; /* the lateral band, where lids rarely reach */
            float a = iris_sample(g, x, y - 2), b = iris_sample(g, x, y + 2);
            if (a >= 0 && b >= 0) {
                sum += fabs(b - a);
                used++;
            }
        }
    return used ? sum / used : 1;
}

/* Searches one lid: apex rows from the limbus's top (bottom) to the pupil's centre, apex
 * columns near the iris centre, curvatures up to 0.4 / iris radius (the lid rises by at
 * most 0.4 radius at the iris's side). */
static void find_eyelid(const iris_fimage *g, ktpel_iris_segmentation *seg, int upper,
                        double texture, ktpel_iris_eyelid *lid)
{
    const ktpel_iris_circle *p = &seg->pupil, *s = &seg->iris;
    double sign = upper ? 1 : -1;
    double best = 0;
    ktpel_iris_eyelid found = {s->x, s->y - sign * s->r, 0, 0};
    for (int ci = 0; ci <= 4; ci++) {
        double c = sign * ci * 0.1 / s->r;
        for (int xi = -1; xi <= 1; xi++) {
            double ax = s->x + xi * 0.15 * s->r;
            for (double ay = s->y - sign * s->r; sign * (ay - p->y) <= 0; ay += sign) {
                int used;
                double v = lid_score(g, seg, upper, ax, ay, c, &used);
                if (isnan(v))
                    continue;
                v = fabs(v);
                if (v > best) {
                    best = v;
                    found = (ktpel_iris_eyelid){ax, ay, c, 1};
                }
            }
        }
    }
    /* An edge is a lid only if it clearly stands out from the texture's own derivatives. */
    if (best < 1.5 * texture)
        found.found = 0;
    *lid = found;
}

ktpel_err iris_segment(const iris_fimage *img, ktpel_iris_segmentation *seg, ktpel_errbuf *eb)
{
    memset(seg, 0, sizeof *seg);
    int side = img->w < img->h ? img->w : img->h;
    iris_fimage g1 = {0}, g2 = {0};
    ktpel_err err = iris_fimage_blur(img, fmax(1.0, side / 280.0), &g1, eb);
    if (!err)
        err = iris_fimage_blur(img, fmax(2.0, side / 140.0), &g2, eb);
    if (!err)
        err = find_pupil(g1.p ? &g1 : img, &seg->pupil, &seg->pupil_contrast);
    if (!err) {
        find_limbus(&g2, &seg->pupil, &seg->iris, &seg->iris_contrast);
        double texture = texture_derivative(&g1, seg);
        find_eyelid(&g1, seg, 1, texture, &seg->upper);
        find_eyelid(&g1, seg, 0, texture, &seg->lower);
    }
    iris_fimage_free(&g1);
    iris_fimage_free(&g2);
    return err;
}
