/* Synthetic signatures with the sigma-lognormal model (see include/ktpel/synth_signature.h).
 *
 * Internally y points up (the model's angles are the usual mathematical ones); samples are
 * flipped to the pad's y-down frame when they are stored. */
#include "ktpel/synth_signature.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ktpel/imgproc.h"
#include "ktpel/rng.h"

#define PI          3.14159265358979323846
#define MAX_STROKES 48 /* lognormal strokes in a plan */
#define MAX_PARTS   3  /* pen-down parts: body, flourish, dot */
#define MAX_SAMPLES 8192
#define SUPERSAMPLE 3

enum { STREAM_PLAN = 1, STREAM_CAPTURE = 2 };

/* One lognormal stroke. */
typedef struct lognormal {
    double d;             /* arc length, mm */
    double t0, mu, sigma; /* onset (s), log-time delay and response time */
    double theta_s, theta_e;
} lognormal;

/* A pen-down part: a start point and the strokes that move the pen from it. */
typedef struct part {
    double x0, y0;
    int count;
    lognormal s[MAX_STROKES];
} part;

typedef struct plan {
    int parts;
    part p[MAX_PARTS];
    double pressure; /* the writer's usual pressure, 0..1 */
    double size;     /* the writer's scale */
} plan;

static double uniform(ktpel_rng *rng, double lo, double hi)
{
    return lo + (hi - lo) * ktpel_rng_uniform(rng);
}

void ktpel_pen_trace_free(ktpel_pen_trace *trace)
{
    if (!trace)
        return;
    free(trace->points);
    memset(trace, 0, sizeof *trace);
}

/* ---- the model --------------------------------------------------------------------------- */

/* Fraction of a stroke's length covered at time t: the lognormal's distribution function. */
static double covered(const lognormal *s, double t)
{
    if (t <= s->t0)
        return 0;
    return 0.5 * (1 + erf((log(t - s->t0) - s->mu) / (s->sigma * sqrt(2.0))));
}

/* Displacement of one stroke from its onset to time t: an arc, in closed form. */
static void displacement(const lognormal *s, double t, double *dx, double *dy)
{
    double f = covered(s, t), turn = s->theta_e - s->theta_s;
    if (fabs(turn) < 1e-6) {
        *dx = s->d * f * cos(s->theta_s);
        *dy = s->d * f * sin(s->theta_s);
        return;
    }
    double r = s->d / turn, phi = s->theta_s + turn * f;
    *dx = r * (sin(phi) - sin(s->theta_s));
    *dy = -r * (cos(phi) - cos(s->theta_s));
}

/* Speed of one stroke at time t (mm/s). */
static double speed(const lognormal *s, double t)
{
    if (t <= s->t0)
        return 0;
    double z = (log(t - s->t0) - s->mu) / s->sigma;
    return s->d / (s->sigma * sqrt(2 * PI) * (t - s->t0)) * exp(-0.5 * z * z);
}

/* A stroke that moves the pen by (cx, cy) along an arc turning by `turn` radians. */
static lognormal stroke_to(double cx, double cy, double turn, double t0, double mu, double sigma)
{
    double chord = hypot(cx, cy), mid = atan2(cy, cx);
    double stretch = fabs(turn) < 1e-6 ? 1 : (turn / 2) / sin(turn / 2);
    lognormal s = {chord * stretch, t0, mu, sigma, mid - turn / 2, mid + turn / 2};
    return s;
}

/* ---- the writer's plan --------------------------------------------------------------------- */

/* Appends strokes through the targets (x, y) from the part's start, with alternating
 * curvature as in cursive writing; `pace` is the time between stroke onsets (s). */
static void add_strokes(ktpel_rng *rng, part *p, const double (*xy)[2], int n, double pace,
                        double curl)
{
    double x = p->x0, y = p->y0, t0 = 0;
    for (int i = 0; i < p->count; i++)
        t0 = p->s[i].t0 + pace;
    for (int i = 0; i < n && p->count < MAX_STROKES; i++) {
        double turn = (i % 2 ? -1 : 1) * curl * uniform(rng, 0.5, 1.3);
        double mu = uniform(rng, -1.9, -1.55), sigma = uniform(rng, 0.2, 0.32);
        p->s[p->count++] = stroke_to(xy[i][0] - x, xy[i][1] - y, turn, t0, mu, sigma);
        x = xy[i][0];
        y = xy[i][1];
        t0 += pace * uniform(rng, 0.8, 1.25);
    }
}

/* The body: an initial (often a tall loop), then letters as up-down zigzags that advance to
 * the right, slanted. */
static void plan_body(ktpel_rng *rng, part *p, int letters)
{
    double slant = uniform(rng, 0.1, 0.55), x = 0, base = 0;
    double height = uniform(rng, 4, 7), cap = height * uniform(rng, 1.5, 2.2);
    double step = uniform(rng, 2.2, 4.0);
    double xy[MAX_STROKES][2];
    int n = 0;
    p->x0 = 0;
    p->y0 = 0;
    /* The initial: up high, back down and round. */
    xy[n][0] = x + cap * slant + step * 0.5, xy[n++][1] = cap;
    xy[n][0] = x - step * 0.3, xy[n++][1] = base + cap * 0.3;
    xy[n][0] = x + step, xy[n++][1] = base;
    x += step;
    for (int l = 0; l < letters && n + 2 < MAX_STROKES; l++) {
        double h = height * uniform(rng, 0.6, 1.5) * (ktpel_rng_uniform(rng) < 0.2 ? 1.6 : 1);
        x += step * uniform(rng, 0.6, 1.1);
        xy[n][0] = x + h * slant, xy[n++][1] = base + h;
        x += step * uniform(rng, 0.5, 1.0);
        xy[n][0] = x, xy[n++][1] = base + uniform(rng, -0.8, 0.8);
    }
    add_strokes(rng, p, (const double(*)[2])xy, n, uniform(rng, 0.07, 0.11),
                uniform(rng, 0.6, 1.6));
}

/* A flourish under the body: back to the left in one or two long curved strokes. */
static void plan_flourish(ktpel_rng *rng, part *p, double right, double left)
{
    p->x0 = right + uniform(rng, -2, 3);
    p->y0 = uniform(rng, -3, 1);
    double xy[2][2] = {{(left + right) / 2, -uniform(rng, 4, 8)},
                       {left + uniform(rng, -3, 5), -uniform(rng, 2, 6)}};
    add_strokes(rng, p, (const double(*)[2])xy, 2, uniform(rng, 0.12, 0.18),
                uniform(rng, 0.3, 0.8));
}

/* Width of the unperturbed part: for placing the flourish. */
static void part_extent(const part *p, double *min_x, double *max_x)
{
    double x = p->x0;
    *min_x = *max_x = x;
    for (int i = 0; i < p->count; i++) {
        double dx, dy;
        displacement(&p->s[i], 1e3, &dx, &dy);
        x += dx;
        *min_x = fmin(*min_x, x);
        *max_x = fmax(*max_x, x);
    }
}

static void make_plan(uint64_t seed, uint64_t writer, plan *pl)
{
    uint64_t path[3] = {KTPEL_SYNTH_SIGNATURE_STREAM, STREAM_PLAN, writer};
    ktpel_rng rng;
    ktpel_rng_seed_path(&rng, seed, path, 3);
    memset(pl, 0, sizeof *pl);
    pl->pressure = uniform(&rng, 0.45, 0.8);
    pl->size = uniform(&rng, 1.6, 2.2);
    plan_body(&rng, &pl->p[0], ktpel_rng_range(&rng, 3, 8));
    pl->parts = 1;
    double left, right;
    part_extent(&pl->p[0], &left, &right);
    if (ktpel_rng_uniform(&rng) < 0.6)
        plan_flourish(&rng, &pl->p[pl->parts++], right, left);
    if (ktpel_rng_uniform(&rng) < 0.3) {
        /* A dot or short tick after the name. */
        part *dot = &pl->p[pl->parts++];
        dot->x0 = right + uniform(&rng, 2, 5);
        dot->y0 = uniform(&rng, 1, 5);
        double xy[1][2] = {{dot->x0 + uniform(&rng, 0.5, 1.5), dot->y0 - uniform(&rng, 0.3, 1)}};
        add_strokes(&rng, dot, (const double(*)[2])xy, 1, 0.1, 0.2);
    }
}

/* ---- a capture ----------------------------------------------------------------------------- */

/* A real hand never writes the same stroke twice: every parameter moves a little, and the
 * whole signature is scaled, turned and written at another pace. */
static void vary(uint64_t seed, uint64_t writer, uint64_t capture, plan *pl, double *scale,
                 double *angle, double *dx, double *dy)
{
    uint64_t path[4] = {KTPEL_SYNTH_SIGNATURE_STREAM, STREAM_CAPTURE, writer, capture};
    ktpel_rng rng;
    ktpel_rng_seed_path(&rng, seed, path, 4);
    double pace = exp(0.06 * ktpel_rng_normal(&rng));
    for (int k = 0; k < pl->parts; k++) {
        for (int i = 0; i < pl->p[k].count; i++) {
            lognormal *s = &pl->p[k].s[i];
            s->d *= 1 + 0.05 * ktpel_rng_normal(&rng);
            s->t0 = s->t0 * pace + 0.006 * ktpel_rng_normal(&rng);
            s->mu += log(pace) + 0.04 * ktpel_rng_normal(&rng);
            s->sigma *= 1 + 0.05 * ktpel_rng_normal(&rng);
            s->theta_s += 0.05 * ktpel_rng_normal(&rng);
            s->theta_e += 0.05 * ktpel_rng_normal(&rng);
            if (s->t0 < 0)
                s->t0 = 0;
            if (s->sigma < 0.08)
                s->sigma = 0.08;
        }
    }
    *scale = 1 + 0.04 * ktpel_rng_normal(&rng);
    *angle = 1.5 * PI / 180 * ktpel_rng_normal(&rng);
    *dx = 1.5 * ktpel_rng_normal(&rng);
    *dy = 1.0 * ktpel_rng_normal(&rng);
}

static double part_end(const part *p)
{
    double end = 0;
    for (int i = 0; i < p->count; i++)
        end = fmax(end, p->s[i].t0 + exp(p->s[i].mu + 3 * p->s[i].sigma));
    return end;
}

typedef struct placement {
    double scale, cos_a, sin_a, x, y; /* model mm (y up) to pad mm (y down) */
} placement;

static ktpel_err sample_part(const part *p, const placement *pl, double pressure, int stroke,
                             double t_offset, ktpel_pen_trace *tr, ktpel_errbuf *eb)
{
    double end = part_end(p), dt = 1.0 / KTPEL_SIGNATURE_RATE_HZ, top = 0;
    for (double t = dt; t <= end; t += dt) {
        double v = 0;
        for (int i = 0; i < p->count; i++)
            v += speed(&p->s[i], t);
        top = fmax(top, v);
    }
    for (double t = 0; t <= end + 1e-9; t += dt) {
        if (tr->count >= MAX_SAMPLES)
            return ktpel_fail(eb, KTPEL_EINTERNAL, "signature: more than %d samples", MAX_SAMPLES);
        double x = p->x0, y = p->y0, v = 0;
        for (int i = 0; i < p->count; i++) {
            double ddx, ddy;
            displacement(&p->s[i], t, &ddx, &ddy);
            x += ddx;
            y += ddy;
            v += speed(&p->s[i], t);
        }
        double px = pl->x + pl->scale * (x * pl->cos_a - y * pl->sin_a);
        double py = pl->y - pl->scale * (x * pl->sin_a + y * pl->cos_a);
        /* Pressure: the writer's own, less when fast, rising and falling at the ends. */
        double taper = fmin(1.0, fmin(t, end - t) / 0.04 + 0.25);
        double pr = pressure * (1 - 0.35 * (top > 0 ? v / top : 0)) * taper;
        ktpel_pen_point *q = &tr->points[tr->count++];
        q->t_ms = (int)lround((t + t_offset) * 1000);
        q->x_mm = fmin(fmax(px, 0), KTPEL_SIGNATURE_PAD_WIDTH_MM);
        q->y_mm = fmin(fmax(py, 0), KTPEL_SIGNATURE_PAD_HEIGHT_MM);
        q->pressure = (int)fmax(
            1, fmin(KTPEL_SIGNATURE_PRESSURE_MAX, lround(pr * KTPEL_SIGNATURE_PRESSURE_MAX)));
        q->stroke = stroke;
    }
    return KTPEL_OK;
}

/* The unperturbed signature's extent (through the stroke end points, model mm). */
static void plan_extent(const plan *pl, double *min_x, double *max_x, double *min_y, double *max_y)
{
    *min_x = *min_y = 1e9;
    *max_x = *max_y = -1e9;
    for (int k = 0; k < pl->parts; k++) {
        double x = pl->p[k].x0, y = pl->p[k].y0;
        for (int i = -1; i < pl->p[k].count; i++) {
            if (i >= 0) {
                double dx, dy;
                displacement(&pl->p[k].s[i], 1e3, &dx, &dy);
                x += dx;
                y += dy;
            }
            *min_x = fmin(*min_x, x), *max_x = fmax(*max_x, x);
            *min_y = fmin(*min_y, y), *max_y = fmax(*max_y, y);
        }
    }
}

/* Where the signature goes: its centre at the pad's centre, and small enough to stay on the
 * pad with room for the captures' variation. */
static void fit_plan(const plan *pl, double *cx, double *cy, double *size)
{
    double min_x, max_x, min_y, max_y;
    plan_extent(pl, &min_x, &max_x, &min_y, &max_y);
    *cx = (min_x + max_x) / 2;
    *cy = (min_y + max_y) / 2;
    double w = fmax(max_x - min_x, 1), h = fmax(max_y - min_y, 1);
    *size = fmin(pl->size, fmin(0.75 * KTPEL_SIGNATURE_PAD_WIDTH_MM / w,
                                0.6 * KTPEL_SIGNATURE_PAD_HEIGHT_MM / h));
}

ktpel_err ktpel_synth_signature_capture(uint64_t seed, uint64_t writer, uint64_t capture,
                                        ktpel_pen_trace *out, ktpel_errbuf *eb)
{
    if (!out)
        return ktpel_fail(eb, KTPEL_EINVAL, "signature: NULL output");
    memset(out, 0, sizeof *out);
    plan *pl = malloc(sizeof *pl);
    out->points = malloc(MAX_SAMPLES * sizeof *out->points);
    if (!pl || !out->points) {
        free(pl);
        ktpel_pen_trace_free(out);
        return ktpel_fail(eb, KTPEL_ENOMEM, "signature: out of memory");
    }
    make_plan(seed, writer, pl);
    double cx, cy, size, scale, angle, dx, dy;
    fit_plan(pl, &cx, &cy, &size);
    vary(seed, writer, capture, pl, &scale, &angle, &dx, &dy);
    scale *= size;
    placement at = {scale, cos(angle), sin(angle), 0, 0};
    /* The plan's centre at the pad's centre, plus the capture's shift. */
    at.x = KTPEL_SIGNATURE_PAD_WIDTH_MM / 2 + dx - scale * (cx * at.cos_a - cy * at.sin_a);
    at.y = KTPEL_SIGNATURE_PAD_HEIGHT_MM / 2 + dy + scale * (cx * at.sin_a + cy * at.cos_a);
    ktpel_err rc = KTPEL_OK;
    double t = 0;
    for (int k = 0; k < pl->parts && rc == KTPEL_OK; k++) {
        rc = sample_part(&pl->p[k], &at, pl->pressure, k, t, out, eb);
        t += part_end(&pl->p[k]) + 0.2; /* the pen in the air */
    }
    out->strokes = pl->parts;
    free(pl);
    if (rc != KTPEL_OK)
        ktpel_pen_trace_free(out);
    return rc;
}

/* ---- output -------------------------------------------------------------------------------- */

ktpel_err ktpel_pen_trace_render(const ktpel_pen_trace *trace, int dpi, ktpel_image *out,
                                 ktpel_errbuf *eb)
{
    if (!trace || !out || (trace->count && !trace->points))
        return ktpel_fail(eb, KTPEL_EINVAL, "signature render: NULL argument");
    if (dpi < 50 || dpi > 1200)
        return ktpel_fail(eb, KTPEL_EINVAL, "signature render: %d dpi (50..1200)", dpi);
    int w = (int)lround(KTPEL_SIGNATURE_PAD_WIDTH_MM / 25.4 * dpi);
    int h = (int)lround(KTPEL_SIGNATURE_PAD_HEIGHT_MM / 25.4 * dpi);
    ktpel_image big;
    static const uint8_t paper[3] = {255, 255, 255}, ink[3] = {25, 25, 30};
    ktpel_err rc =
        ktpel_image_alloc(&big, w * SUPERSAMPLE, h * SUPERSAMPLE, 1, dpi * SUPERSAMPLE, eb);
    if (rc == KTPEL_OK)
        rc = ktpel_image_fill(&big, paper, eb);
    double px_per_mm = dpi * SUPERSAMPLE / 25.4;
    for (size_t i = 1; i < trace->count && rc == KTPEL_OK; i++) {
        const ktpel_pen_point *a = &trace->points[i - 1], *b = &trace->points[i];
        if (a->stroke != b->stroke)
            continue;
        /* A ballpoint line 0.25..0.6 mm wide, wider when pressed. */
        double width_mm =
            0.25 + 0.35 * (a->pressure + b->pressure) / 2.0 / KTPEL_SIGNATURE_PRESSURE_MAX;
        int thick = (int)lround(width_mm * px_per_mm);
        ktpel_point pa = {a->x_mm * px_per_mm, a->y_mm * px_per_mm};
        ktpel_point pb = {b->x_mm * px_per_mm, b->y_mm * px_per_mm};
        rc = ktpel_draw_line(&big, pa, pb, ink, thick < 1 ? 1 : thick, eb);
    }
    if (rc == KTPEL_OK)
        rc = ktpel_image_resize(&big, w, h, out, eb);
    if (rc == KTPEL_OK)
        out->dpi = dpi;
    ktpel_image_free(&big);
    return rc;
}

ktpel_err ktpel_pen_trace_csv(const ktpel_pen_trace *trace, char **out, size_t *len,
                              ktpel_errbuf *eb)
{
    if (!trace || !out || !len || (trace->count && !trace->points))
        return ktpel_fail(eb, KTPEL_EINVAL, "signature CSV: NULL argument");
    static const char header[] = "t_ms,x_mm,y_mm,pressure,stroke\n";
    size_t cap = sizeof header + trace->count * 48;
    char *buf = malloc(cap);
    if (!buf)
        return ktpel_fail(eb, KTPEL_ENOMEM, "signature CSV: out of memory");
    size_t n = (size_t)snprintf(buf, cap, "%s", header);
    for (size_t i = 0; i < trace->count; i++) {
        const ktpel_pen_point *p = &trace->points[i];
        int k = snprintf(buf + n, cap - n, "%d,%.2f,%.2f,%d,%d\n", p->t_ms, p->x_mm, p->y_mm,
                         p->pressure, p->stroke);
        if (k < 0 || (size_t)k >= cap - n) {
            free(buf);
            return ktpel_fail(eb, KTPEL_EINTERNAL, "signature CSV: sample %zu does not fit", i);
        }
        n += (size_t)k;
    }
    *out = buf;
    *len = n;
    return KTPEL_OK;
}
