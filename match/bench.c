/* Verification benchmark figures (EER, FMR100, FMR1000, ZeroFMR) and the DET curve. */
#include "ktpel/bench.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return a < b ? -1 : a > b;
}

static ktpel_err sorted_copy(const double *src, size_t n, double **out, ktpel_errbuf *eb)
{
    double *copy = malloc(n * sizeof *copy);
    if (!copy)
        return ktpel_fail(eb, KTPEL_ENOMEM, "benchmark: out of memory for %zu scores", n);
    for (size_t i = 0; i < n; i++) {
        if (isnan(src[i])) {
            free(copy);
            return ktpel_fail(eb, KTPEL_EINVAL, "benchmark: score %zu is NaN", i);
        }
        copy[i] = src[i];
    }
    qsort(copy, n, sizeof *copy, cmp_double);
    *out = copy;
    return KTPEL_OK;
}

/* Walks the thresholds in increasing order: every distinct score, then +infinity. At each
 * threshold, gi and ii count the genuine and impostor scores below it. */
typedef struct sweep {
    const double *gen, *imp;
    size_t ng, ni;
    size_t gi, ii;
    double threshold;
    int done;
} sweep;

static int sweep_next(sweep *s)
{
    if (s->done)
        return 0;
    double g = s->gi < s->ng ? s->gen[s->gi] : INFINITY;
    double i = s->ii < s->ni ? s->imp[s->ii] : INFINITY;
    s->threshold = g < i ? g : i;
    s->done = isinf(s->threshold);
    return 1;
}

static double sweep_fmr(const sweep *s)
{
    return (double)(s->ni - s->ii) / (double)s->ni;
}

static double sweep_fnmr(const sweep *s)
{
    return (double)s->gi / (double)s->ng;
}

/* After a threshold is evaluated, the scores equal to it fall below the next one. */
static void sweep_pass_equal(sweep *s)
{
    while (s->gi < s->ng && s->gen[s->gi] <= s->threshold)
        s->gi++;
    while (s->ii < s->ni && s->imp[s->ii] <= s->threshold)
        s->ii++;
}

static void compute_sorted(const double *gen, size_t ng, const double *imp, size_t ni,
                           ktpel_bench_metrics *m)
{
    memset(m, 0, sizeof *m);
    m->genuine = ng;
    m->impostor = ni;
    m->fmr100 = m->fmr1000 = m->zero_fmr = 1.0;
    int have100 = 0, have1000 = 0, havezero = 0;
    double t1 = -INFINITY, t1_fmr = 1, t1_fnmr = 0;
    double t2 = INFINITY, t2_fmr = 0, t2_fnmr = 1;
    int have_t2 = 0;
    sweep s = {gen, imp, ng, ni, 0, 0, -INFINITY, 0};
    while (sweep_next(&s)) {
        double fmr = sweep_fmr(&s), fnmr = sweep_fnmr(&s);
        if (fnmr <= fmr) { /* FNMR rises and FMR falls: the last such is t1 */
            t1 = s.threshold;
            t1_fmr = fmr;
            t1_fnmr = fnmr;
        }
        if (fnmr >= fmr && !have_t2) {
            have_t2 = 1;
            t2 = s.threshold;
            t2_fmr = fmr;
            t2_fnmr = fnmr;
        }
        if (fmr <= 0.01 && !have100) {
            have100 = 1;
            m->fmr100 = fnmr;
            m->fmr100_threshold = s.threshold;
        }
        if (fmr <= 0.001 && !have1000) {
            have1000 = 1;
            m->fmr1000 = fnmr;
            m->fmr1000_threshold = s.threshold;
        }
        if (fmr <= 0 && !havezero) {
            havezero = 1;
            m->zero_fmr = fnmr;
            m->zero_fmr_threshold = s.threshold;
        }
        sweep_pass_equal(&s);
    }
    if (t1_fmr + t1_fnmr <= t2_fmr + t2_fnmr) {
        m->eer = (t1_fmr + t1_fnmr) / 2;
        m->eer_threshold = t1;
    } else {
        m->eer = (t2_fmr + t2_fnmr) / 2;
        m->eer_threshold = t2;
    }
}

ktpel_err ktpel_bench_metrics_compute(const double *genuine, size_t genuine_count,
                                      const double *impostor, size_t impostor_count,
                                      ktpel_bench_metrics *out, ktpel_errbuf *eb)
{
    if (!genuine || !impostor || !out)
        return ktpel_fail(eb, KTPEL_EINVAL, "ktpel_bench_metrics_compute: NULL argument");
    if (genuine_count == 0 || impostor_count == 0)
        return ktpel_fail(eb, KTPEL_EINVAL,
                          "benchmark needs genuine and impostor scores (have %zu and %zu)",
                          genuine_count, impostor_count);
    double *gen = NULL, *imp = NULL;
    ktpel_err err = sorted_copy(genuine, genuine_count, &gen, eb);
    if (!err)
        err = sorted_copy(impostor, impostor_count, &imp, eb);
    if (!err)
        compute_sorted(gen, genuine_count, imp, impostor_count, out);
    free(gen);
    free(imp);
    return err;
}

void ktpel_bench_rates_at(const double *genuine, size_t genuine_count, const double *impostor,
                          size_t impostor_count, double threshold, double *fmr, double *fnmr)
{
    size_t accepted = 0, rejected = 0;
    for (size_t i = 0; i < impostor_count; i++)
        accepted += impostor[i] >= threshold;
    for (size_t i = 0; i < genuine_count; i++)
        rejected += genuine[i] < threshold;
    if (fmr)
        *fmr = impostor_count ? (double)accepted / (double)impostor_count : 0;
    if (fnmr)
        *fnmr = genuine_count ? (double)rejected / (double)genuine_count : 0;
}

/* ---- DET curve ------------------------------------------------------------------------ */

/* Inverse of the standard normal distribution function (P. J. Acklam's rational
 * approximation, relative error below 1.2e-9). */
static double probit(double p)
{
    static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,
                               -2.759285104469687e+02, 1.383577518672690e+02,
                               -3.066479806614716e+01, 2.506628277459239e+00};
    static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02,
                               -1.556989798598866e+02, 6.680131188771972e+01,
                               -1.328068155288572e+01};
    static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01,
                               -2.400758277161838e+00, -2.549732539343734e+00,
                               4.374664141464968e+00,  2.938163982698783e+00};
    static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                               3.754408661907416e+00};
    const double low = 0.02425;
    if (p <= 0)
        return -10;
    if (p >= 1)
        return 10;
    if (p < low) {
        double q = sqrt(-2 * log(p));
        return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
               ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    }
    if (p > 1 - low) {
        double q = sqrt(-2 * log(1 - p));
        return -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
               ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    }
    double q = p - 0.5, r = q * q;
    return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
           (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

/* 3x5 glyphs for the axis labels: each row is 3 bits, most significant on the left. */
typedef struct glyph {
    char ch;
    uint8_t rows[5];
} glyph;

static const glyph font[] = {
    {'0', {7, 5, 5, 5, 7}}, {'1', {2, 6, 2, 2, 7}}, {'2', {7, 1, 7, 4, 7}}, {'3', {7, 1, 7, 1, 7}},
    {'4', {5, 5, 7, 1, 1}}, {'5', {7, 4, 7, 1, 7}}, {'6', {7, 4, 7, 5, 7}}, {'7', {7, 1, 1, 1, 1}},
    {'8', {7, 5, 7, 5, 7}}, {'9', {7, 5, 7, 1, 7}}, {'.', {0, 0, 0, 0, 2}}, {'%', {5, 1, 2, 4, 5}},
    {'F', {7, 4, 6, 4, 4}}, {'M', {5, 7, 7, 5, 5}}, {'N', {6, 5, 5, 5, 5}}, {'R', {6, 5, 6, 5, 5}},
    {'E', {7, 4, 6, 4, 7}}, {' ', {0, 0, 0, 0, 0}}, {'=', {0, 7, 0, 7, 0}}, {'D', {6, 5, 5, 5, 6}},
    {'T', {7, 2, 2, 2, 2}},
};

typedef struct canvas {
    ktpel_image *img;
} canvas;

static void plot(canvas *cv, int x, int y, const uint8_t rgb[3])
{
    ktpel_image *img = cv->img;
    if (x < 0 || y < 0 || x >= img->width || y >= img->height)
        return;
    memcpy(img->data + ((size_t)y * (size_t)img->width + (size_t)x) * 3, rgb, 3);
}

static void line(canvas *cv, int x0, int y0, int x1, int y1, int thick, const uint8_t rgb[3],
                 int dash)
{
    int dx = abs(x1 - x0), dy = -abs(y1 - y0);
    int sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1;
    int err = dx + dy, step = 0;
    for (;;) {
        if (!dash || (step / dash) % 2 == 0)
            for (int ox = 0; ox < thick; ox++)
                for (int oy = 0; oy < thick; oy++)
                    plot(cv, x0 + ox - thick / 2, y0 + oy - thick / 2, rgb);
        step++;
        if (x0 == x1 && y0 == y1)
            break;
        int e2 = 2 * err;
        if (e2 >= dy) {
            err += dy;
            x0 += sx;
        }
        if (e2 <= dx) {
            err += dx;
            y0 += sy;
        }
    }
}

static void text(canvas *cv, int x, int y, const char *s, int scale, const uint8_t rgb[3])
{
    for (; *s; s++, x += 4 * scale) {
        const glyph *g = NULL;
        for (size_t i = 0; i < sizeof font / sizeof font[0]; i++)
            if (font[i].ch == *s)
                g = &font[i];
        if (!g)
            continue;
        for (int r = 0; r < 5; r++)
            for (int c = 0; c < 3; c++)
                if (g->rows[r] & (4 >> c))
                    for (int a = 0; a < scale; a++)
                        for (int b = 0; b < scale; b++)
                            plot(cv, x + c * scale + a, y + r * scale + b, rgb);
    }
}

/* Plot area geometry: probit(rate) mapped linearly between the axis limits. */
typedef struct det_axes {
    int left, top, size_x, size_y;
    double lo, hi; /* probit of 0.01 % and 50 % */
} det_axes;

static int axis_x(const det_axes *ax, double rate)
{
    double v = (probit(rate) - ax->lo) / (ax->hi - ax->lo);
    v = v < 0 ? 0 : v > 1 ? 1 : v;
    return ax->left + (int)lround(v * ax->size_x);
}

static int axis_y(const det_axes *ax, double rate)
{
    double v = (probit(rate) - ax->lo) / (ax->hi - ax->lo);
    v = v < 0 ? 0 : v > 1 ? 1 : v;
    return ax->top + ax->size_y - (int)lround(v * ax->size_y);
}

static void draw_frame(canvas *cv, const det_axes *ax)
{
    static const uint8_t grey[3] = {200, 200, 200}, black[3] = {0, 0, 0};
    static const double ticks[] = {0.0001, 0.001, 0.01, 0.1, 0.5};
    static const char *labels[] = {"0.01%", "0.1%", "1%", "10%", "50%"};
    for (size_t i = 0; i < sizeof ticks / sizeof ticks[0]; i++) {
        int x = axis_x(ax, ticks[i]), y = axis_y(ax, ticks[i]);
        line(cv, x, ax->top, x, ax->top + ax->size_y, 1, grey, 0);
        line(cv, ax->left, y, ax->left + ax->size_x, y, 1, grey, 0);
        text(cv, x - 8, ax->top + ax->size_y + 8, labels[i], 2, black);
        text(cv, 4, y - 5, labels[i], 2, black);
    }
    int r = ax->left + ax->size_x, b = ax->top + ax->size_y;
    line(cv, ax->left, ax->top, r, ax->top, 1, black, 0);
    line(cv, ax->left, b, r, b, 1, black, 0);
    line(cv, ax->left, ax->top, ax->left, b, 1, black, 0);
    line(cv, r, ax->top, r, b, 1, black, 0);
    text(cv, ax->left + ax->size_x / 2 - 12, b + 28, "FMR", 3, black);
    text(cv, 4, ax->top - 24, "FNMR", 3, black);
}

static void draw_curve(canvas *cv, const det_axes *ax, const double *gen, size_t ng,
                       const double *imp, size_t ni)
{
    static const uint8_t red[3] = {220, 40, 40}, blue[3] = {20, 60, 200};
    line(cv, axis_x(ax, 0.0001), axis_y(ax, 0.0001), axis_x(ax, 0.5), axis_y(ax, 0.5), 1, red, 4);
    sweep s = {gen, imp, ng, ni, 0, 0, -INFINITY, 0};
    int px = -1, py = -1;
    while (sweep_next(&s)) {
        double fmr = sweep_fmr(&s), fnmr = sweep_fnmr(&s);
        /* A zero rate has no place on normal-deviate axes: such points are left out rather
         * than drawn on the border. */
        int inside = fmr >= 0.0001 && fmr <= 0.5 && fnmr >= 0.0001 && fnmr <= 0.5;
        int x = axis_x(ax, fmr), y = axis_y(ax, fnmr);
        if (inside && px >= 0)
            line(cv, px, py, x, y, 2, blue, 0);
        px = inside ? x : -1;
        py = y;
        sweep_pass_equal(&s);
    }
}

ktpel_err ktpel_bench_det_draw(const double *genuine, size_t genuine_count, const double *impostor,
                               size_t impostor_count, int width, int height, ktpel_image *out,
                               ktpel_errbuf *eb)
{
    if (!genuine || !impostor || !out)
        return ktpel_fail(eb, KTPEL_EINVAL, "ktpel_bench_det_draw: NULL argument");
    if (genuine_count == 0 || impostor_count == 0)
        return ktpel_fail(eb, KTPEL_EINVAL, "DET curve needs genuine and impostor scores");
    if (width < 200 || height < 200 || width > 8192 || height > 8192)
        return ktpel_fail(eb, KTPEL_EINVAL, "DET curve size %dx%d is not 200..8192", width, height);
    double *gen = NULL, *imp = NULL;
    ktpel_err err = sorted_copy(genuine, genuine_count, &gen, eb);
    if (!err)
        err = sorted_copy(impostor, impostor_count, &imp, eb);
    if (!err)
        err = ktpel_image_alloc(out, width, height, 3, 0, eb);
    if (!err) {
        memset(out->data, 255, (size_t)width * (size_t)height * 3);
        canvas cv = {out};
        det_axes ax = {70, 40, width - 100, height - 110, probit(0.0001), probit(0.5)};
        draw_frame(&cv, &ax);
        draw_curve(&cv, &ax, gen, genuine_count, imp, impostor_count);
    }
    free(gen);
    free(imp);
    return err;
}

ktpel_err ktpel_bench_det_write(const char *path, const double *genuine, size_t genuine_count,
                                const double *impostor, size_t impostor_count, ktpel_errbuf *eb)
{
    if (!path)
        return ktpel_fail(eb, KTPEL_EINVAL, "ktpel_bench_det_write: NULL path");
    ktpel_image img = {0};
    ktpel_err err =
        ktpel_bench_det_draw(genuine, genuine_count, impostor, impostor_count, 640, 640, &img, eb);
    if (!err)
        err = ktpel_image_write(path, &img, 0, eb);
    ktpel_image_free(&img);
    return err;
}
