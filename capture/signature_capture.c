/* Signature capture (include/ktpel/signature.h): pen point parsing, and the normalised
 * signature image from a scan or from pen points. */
#include "ktpel/signature.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ktpel/file.h"
#include "ktpel/imgproc.h"

#define HEADER       "t_ms,x_mm,y_mm,pressure,stroke"
#define MAX_LINE     128
#define MAX_FILE     (64u * 1024u * 1024u)
#define MAX_T_MS     (24 * 3600 * 1000) /* a day: anything longer is not a signature */
#define MARGIN       0.05 /* white margin around the ink, fraction of the output size */
#define MAX_INK_PART 0.5  /* more "ink" than paper: not dark ink on light paper */

/* ---- pen points ---- */

static int parse_int(const char *s, long lo, long hi, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s || *end || errno || v < lo || v > hi)
        return -1;
    *out = (int)v;
    return 0;
}

static int parse_mm(const char *s, double hi, double *out)
{
    char *end;
    errno = 0;
    /* digits, sign and a decimal point only: no "inf", "nan" or hex floats */
    if (s[strspn(s, "+-.0123456789")] != '\0')
        return -1;
    double v = strtod(s, &end);
    if (end == s || *end || errno || !isfinite(v) || v < 0 || v > hi)
        return -1;
    *out = v;
    return 0;
}

/* Splits a line into exactly five comma-separated fields (in place). */
static int split5(char *line, char *field[5])
{
    int n = 0;
    field[n++] = line;
    for (char *p = line; *p; p++)
        if (*p == ',') {
            if (n == 5)
                return -1;
            *p = '\0';
            field[n++] = p + 1;
        }
    return n == 5 ? 0 : -1;
}

static ktpel_err parse_sample(char *line, size_t lineno, const ktpel_pen_point *prev,
                              ktpel_pen_point *p, ktpel_errbuf *eb)
{
    char *f[5];
    if (split5(line, f) != 0)
        return ktpel_fail(eb, KTPEL_EFORMAT,
                          "pen points line %zu: 5 comma-separated fields expected", lineno);
    if (parse_int(f[0], 0, MAX_T_MS, &p->t_ms) != 0)
        return ktpel_fail(eb, KTPEL_EFORMAT, "pen points line %zu: t_ms '%s' not 0..%d", lineno,
                          f[0], MAX_T_MS);
    if (parse_mm(f[1], KTPEL_SIGNATURE_PAD_WIDTH_MM, &p->x_mm) != 0)
        return ktpel_fail(eb, KTPEL_EFORMAT, "pen points line %zu: x_mm '%s' not 0..%g", lineno,
                          f[1], KTPEL_SIGNATURE_PAD_WIDTH_MM);
    if (parse_mm(f[2], KTPEL_SIGNATURE_PAD_HEIGHT_MM, &p->y_mm) != 0)
        return ktpel_fail(eb, KTPEL_EFORMAT, "pen points line %zu: y_mm '%s' not 0..%g", lineno,
                          f[2], KTPEL_SIGNATURE_PAD_HEIGHT_MM);
    if (parse_int(f[3], 1, KTPEL_SIGNATURE_PRESSURE_MAX, &p->pressure) != 0)
        return ktpel_fail(eb, KTPEL_EFORMAT, "pen points line %zu: pressure '%s' not 1..%d", lineno,
                          f[3], KTPEL_SIGNATURE_PRESSURE_MAX);
    if (parse_int(f[4], 0, KTPEL_SIGNATURE_MAX_POINTS, &p->stroke) != 0)
        return ktpel_fail(eb, KTPEL_EFORMAT, "pen points line %zu: stroke '%s' not a stroke number",
                          lineno, f[4]);
    int want_stroke = prev ? prev->stroke : 0;
    if (p->stroke != want_stroke && p->stroke != want_stroke + 1)
        return ktpel_fail(eb, KTPEL_EFORMAT,
                          "pen points line %zu: stroke %d after stroke %d (must go up by one)",
                          lineno, p->stroke, want_stroke);
    if (!prev && p->stroke != 0)
        return ktpel_fail(eb, KTPEL_EFORMAT, "pen points line %zu: the first stroke must be 0",
                          lineno);
    if (prev && p->t_ms < prev->t_ms)
        return ktpel_fail(eb, KTPEL_EFORMAT, "pen points line %zu: time %d ms before %d ms", lineno,
                          p->t_ms, prev->t_ms);
    return KTPEL_OK;
}

/* Copies the next line (without its CR/LF) into buf; returns its length or -1 if too long. */
static long next_line(const char *text, size_t len, size_t *pos, char *buf)
{
    size_t start = *pos, end = start;
    while (end < len && text[end] != '\n')
        end++;
    *pos = end < len ? end + 1 : end;
    size_t n = end - start;
    if (n && text[start + n - 1] == '\r')
        n--;
    if (n >= MAX_LINE)
        return -1;
    memcpy(buf, text + start, n);
    buf[n] = '\0';
    return (long)n;
}

ktpel_err ktpel_pen_trace_parse(const char *text, size_t len, ktpel_pen_trace *out,
                                ktpel_errbuf *eb)
{
    if (!out || (!text && len))
        return ktpel_fail(eb, KTPEL_EINVAL, "pen points: NULL argument");
    memset(out, 0, sizeof *out);
    size_t pos = 0, lineno = 0, cap = 0;
    int header_seen = 0;
    char line[MAX_LINE];
    ktpel_err rc = KTPEL_OK;
    while (pos < len && rc == KTPEL_OK) {
        lineno++;
        long n = next_line(text, len, &pos, line);
        if (n < 0) {
            rc = ktpel_fail(eb, KTPEL_EFORMAT, "pen points line %zu: longer than %d characters",
                            lineno, MAX_LINE - 1);
            break;
        }
        if (memchr(line, '\0', (size_t)n)) {
            rc = ktpel_fail(eb, KTPEL_EFORMAT, "pen points line %zu: NUL byte", lineno);
            break;
        }
        if (n == 0 || line[0] == '#')
            continue;
        if (!header_seen) {
            if (strcmp(line, HEADER) != 0)
                rc = ktpel_fail(eb, KTPEL_EFORMAT, "pen points line %zu: header '%s' expected",
                                lineno, HEADER);
            header_seen = 1;
            continue;
        }
        if (out->count == KTPEL_SIGNATURE_MAX_POINTS) {
            rc = ktpel_fail(eb, KTPEL_ETOOBIG, "pen points: more than %d samples",
                            KTPEL_SIGNATURE_MAX_POINTS);
            break;
        }
        if (out->count == cap) {
            size_t ncap = cap ? 2 * cap : 256;
            ktpel_pen_point *np = realloc(out->points, ncap * sizeof *np);
            if (!np) {
                rc = ktpel_fail(eb, KTPEL_ENOMEM, "pen points: out of memory");
                break;
            }
            out->points = np;
            cap = ncap;
        }
        const ktpel_pen_point *prev = out->count ? &out->points[out->count - 1] : NULL;
        rc = parse_sample(line, lineno, prev, &out->points[out->count], eb);
        if (rc == KTPEL_OK)
            out->count++;
    }
    if (rc == KTPEL_OK && !header_seen)
        rc = ktpel_fail(eb, KTPEL_ETRUNCATED, "pen points: empty (no header '%s')", HEADER);
    else if (rc == KTPEL_OK && out->count == 0)
        rc = ktpel_fail(eb, KTPEL_ETRUNCATED, "pen points: no samples after the header");
    if (rc != KTPEL_OK) {
        ktpel_pen_trace_free(out);
        return rc;
    }
    out->strokes = out->points[out->count - 1].stroke + 1;
    return KTPEL_OK;
}

ktpel_err ktpel_pen_trace_read(const char *path, ktpel_pen_trace *out, ktpel_errbuf *eb)
{
    uint8_t *data = NULL;
    size_t len = 0;
    ktpel_err rc = ktpel_file_read(path, MAX_FILE, &data, &len, eb);
    if (rc == KTPEL_OK) {
        rc = ktpel_pen_trace_parse((const char *)data, len, out, eb);
        if (rc != KTPEL_OK)
            ktpel_fail_context(eb, "%s", path);
    }
    free(data);
    return rc;
}

/* ---- images ---- */

ktpel_err ktpel_signature_otsu(const ktpel_image *grey, int *level, ktpel_errbuf *eb)
{
    if (!grey || !grey->data || grey->channels != 1 || !level)
        return ktpel_fail(eb, KTPEL_EINVAL, "Otsu: a grey image is needed");
    size_t hist[256] = {0}, n = (size_t)grey->width * (size_t)grey->height;
    for (size_t i = 0; i < n; i++)
        hist[grey->data[i]]++;
    double total = 0;
    for (int v = 0; v < 256; v++)
        total += (double)v * (double)hist[v];
    double w0 = 0, sum0 = 0, best = -1;
    int best_level = -1;
    for (int t = 0; t < 255; t++) {
        w0 += (double)hist[t];
        sum0 += (double)t * (double)hist[t];
        double w1 = (double)n - w0;
        if (w0 == 0 || w1 == 0)
            continue;
        double m0 = sum0 / w0, m1 = (total - sum0) / w1;
        double between = w0 * w1 * (m0 - m1) * (m0 - m1);
        if (between > best) {
            best = between;
            best_level = t;
        }
    }
    if (best_level < 0)
        return ktpel_fail(eb, KTPEL_EFORMAT, "Otsu: the image has a single grey level");
    *level = best_level;
    return KTPEL_OK;
}

/* Bounding box of the ink (pixels <= level). Returns the number of ink pixels. */
static size_t ink_box(const ktpel_image *g, int level, ktpel_rect *box)
{
    int x0 = g->width, y0 = g->height, x1 = -1, y1 = -1;
    size_t ink = 0;
    for (int y = 0; y < g->height; y++)
        for (int x = 0; x < g->width; x++)
            if (g->data[(size_t)y * g->width + x] <= level) {
                ink++;
                x0 = x < x0 ? x : x0;
                x1 = x > x1 ? x : x1;
                y0 = y < y0 ? y : y0;
                y1 = y > y1 ? y : y1;
            }
    *box = (ktpel_rect){x0, y0, x1 - x0 + 1, y1 - y0 + 1};
    return ink;
}

/* Binarised ink inside box, scaled to fit the output with a margin, centred on white. */
static ktpel_err place(const ktpel_image *g, int level, ktpel_rect box, ktpel_image *out,
                       ktpel_errbuf *eb)
{
    ktpel_image bin = {0}, scaled = {0};
    ktpel_err rc = ktpel_image_crop(g, box, &bin, eb);
    if (rc != KTPEL_OK)
        return rc;
    size_t n = (size_t)bin.width * (size_t)bin.height;
    for (size_t i = 0; i < n; i++)
        bin.data[i] = bin.data[i] <= level ? 0 : 255;
    double room_w = KTPEL_SIGNATURE_OUT_WIDTH * (1 - 2 * MARGIN);
    double room_h = KTPEL_SIGNATURE_OUT_HEIGHT * (1 - 2 * MARGIN);
    double s = fmin(room_w / bin.width, room_h / bin.height);
    int w = (int)lround(bin.width * s), h = (int)lround(bin.height * s);
    w = w < 1 ? 1 : w;
    h = h < 1 ? 1 : h;
    rc = ktpel_image_resize(&bin, w, h, &scaled, eb);
    ktpel_image_free(&bin);
    if (rc == KTPEL_OK)
        rc = ktpel_image_alloc(out, KTPEL_SIGNATURE_OUT_WIDTH, KTPEL_SIGNATURE_OUT_HEIGHT, 1,
                               KTPEL_SIGNATURE_DPI, eb);
    if (rc != KTPEL_OK) {
        ktpel_image_free(&scaled);
        return rc;
    }
    memset(out->data, 255, (size_t)out->width * (size_t)out->height);
    int ox = (out->width - w) / 2, oy = (out->height - h) / 2;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            out->data[(size_t)(oy + y) * out->width + ox + x] =
                scaled.data[(size_t)y * w + x] < 128 ? 0 : 255;
    ktpel_image_free(&scaled);
    return KTPEL_OK;
}

ktpel_err ktpel_signature_from_image(const ktpel_image *scan, ktpel_image *out, ktpel_errbuf *eb)
{
    if (!scan || !scan->data || !out)
        return ktpel_fail(eb, KTPEL_EINVAL, "signature: NULL argument");
    memset(out, 0, sizeof *out);
    ktpel_image g = {0};
    ktpel_err rc = ktpel_image_convert(scan, KTPEL_IMAGE_GREY, &g, eb);
    int level = 0;
    if (rc == KTPEL_OK)
        rc = ktpel_signature_otsu(&g, &level, eb);
    if (rc == KTPEL_EFORMAT)
        rc = ktpel_fail(eb, KTPEL_EFORMAT, "signature: no ink found (the image is uniform)");
    ktpel_rect box;
    if (rc == KTPEL_OK) {
        size_t ink = ink_box(&g, level, &box);
        double part = (double)ink / ((double)g.width * g.height);
        if (ink == 0 || part > MAX_INK_PART)
            rc = ktpel_fail(eb, KTPEL_EFORMAT,
                            "signature: %.0f%% of the image is darker than the ink threshold %d: "
                            "not dark ink on light paper",
                            100 * part, level);
    }
    if (rc == KTPEL_OK)
        rc = place(&g, level, box, out, eb);
    ktpel_image_free(&g);
    return rc;
}

ktpel_err ktpel_signature_from_pen(const ktpel_pen_trace *trace, ktpel_image *out, ktpel_errbuf *eb)
{
    if (!trace || !out)
        return ktpel_fail(eb, KTPEL_EINVAL, "signature: NULL argument");
    if (trace->count == 0 || !trace->points)
        return ktpel_fail(eb, KTPEL_EINVAL, "signature: no pen points");
    ktpel_image drawn = {0};
    ktpel_err rc = ktpel_pen_trace_render(trace, KTPEL_SIGNATURE_DPI, &drawn, eb);
    if (rc == KTPEL_OK)
        rc = ktpel_signature_from_image(&drawn, out, eb);
    ktpel_image_free(&drawn);
    return rc;
}
