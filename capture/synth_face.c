/* Synthetic KTP-el portraits (see include/ktpel/synth_face.h).
 *
 * The face is laid out in its own frame: u to the person's left on the image (right), v down,
 * both in units of the face's half-width, origin at the centre of the skin oval. A capture
 * places that frame in the photo (centre, scale, roll). Features are painted as soft masks:
 * a shape drawn into a grey mask, blurred, and blended in with a colour, so that shadows and
 * edges are smooth like a photo rather than flat like a drawing. The shading that matters to
 * a face detector is kept: dark eye sockets and brows under a bright forehead, a bright nose
 * bridge between them, darker face sides, the mouth line.
 */
#include "ktpel/synth_face.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "ktpel/imgproc.h"
#include "ktpel/rng.h"

#define OUTLINE_POINTS 72
#define KTPEL_PI       3.14159265358979323846

enum { STREAM_PERSON = 1, STREAM_CAPTURE = 2 };

typedef enum hair_style { HAIR_SHORT, HAIR_LONG, HAIR_JILBAB } hair_style;

/* What a person's face is: fixed for every capture. */
typedef struct face_shape {
    double height;   /* half-height of the skin oval / half-width */
    double jaw;      /* narrowing of the lower face, 0.1..0.3 */
    double skin[3];  /* base skin colour */
    double hair[3];  /* hair colour */
    double brows[3]; /* brow colour */
    double cloth[3]; /* shirt */
    double scarf[3]; /* jilbab */
    double iris[3];  /* iris colour */
    double lips[3];  /* lip colour */
    hair_style hair_style;
    double hairline;       /* v of the hairline's lowest point */
    double volume;         /* how far the hair stands out of the skull */
    double eye_dx, eye_v;  /* eye centres at (+-eye_dx, eye_v) */
    double eye_w, eye_h;   /* eye half-width and half-height (open) */
    double brow_v, brow_w; /* brow height above the eye, and thickness */
    double nose_w, nose_v; /* nostril half-spread and height */
    double mouth_w, mouth_v;
    double lip_h; /* lip thickness */
    double ear_v;
} face_shape;

/* What changes from one capture to the next. */
typedef struct face_capture {
    double cx, cy, scale, roll; /* placement in the photo */
    double smile;               /* 0..1: corners of the mouth up */
    double open;                /* eye openness 0.6..1.1 */
    double brow_raise;
    double gaze;     /* iris offset, fraction of eye width */
    double light;    /* left-right lighting gradient, -1..1 */
    double exposure; /* overall brightness factor */
    double noise;    /* sensor noise amplitude (grey levels) */
    double falloff;  /* darkening towards the corners */
} face_capture;

typedef struct canvas {
    ktpel_image *img;
    ktpel_image mask;
    ktpel_image clip; /* when clipping: alpha is multiplied by it */
    bool clipping;
    double cx, cy, s, cs, sn;
} canvas;

static double uniform(ktpel_rng *rng, double lo, double hi)
{
    return lo + (hi - lo) * ktpel_rng_uniform(rng);
}

static void mix(const double *a, const double *b, double t, double *out)
{
    for (int i = 0; i < 3; i++)
        out[i] = a[i] + (b[i] - a[i]) * t;
}

static void scaled(const double *a, double f, double *out)
{
    for (int i = 0; i < 3; i++)
        out[i] = a[i] * f;
}

ktpel_synth_face_background ktpel_synth_face_background_for(int birth_year, int foreign)
{
    if (foreign)
        return KTPEL_SYNTH_FACE_ORANGE;
    return birth_year % 2 == 0 ? KTPEL_SYNTH_FACE_BLUE : KTPEL_SYNTH_FACE_RED;
}

/* ---- the person ------------------------------------------------------------------------ */

static void pick_colour(ktpel_rng *rng, const double palette[][3], int n, double *out)
{
    const double *c = palette[ktpel_rng_below(rng, (uint64_t)n)];
    memcpy(out, c, 3 * sizeof *out);
}

static void shape_colours(ktpel_rng *rng, const ktpel_synth_face_look *look, face_shape *f)
{
    /* Indonesian complexions, from light to deep brown. */
    static const double light[3] = {236, 196, 160}, deep[3] = {122, 80, 54};
    mix(light, deep, uniform(rng, 0.15, 0.85), f->skin);
    static const double hair_black[3] = {22, 18, 16}, hair_brown[3] = {55, 38, 28};
    static const double grey[3] = {165, 160, 155};
    mix(hair_black, hair_brown, uniform(rng, 0, 1), f->hair);
    /* Brows grey later and less than the hair. */
    double greying = look->age > 45 ? fmin(0.8, (look->age - 45) / 35.0) : 0;
    greying *= uniform(rng, 0.5, 1);
    mix(f->hair, grey, greying * 0.3, f->brows);
    mix(f->hair, grey, greying, f->hair);
    static const double cloths[][3] = {{240, 240, 236}, {30, 35, 50}, {120, 150, 190},
                                       {110, 70, 40},   {20, 20, 22}, {150, 30, 40},
                                       {60, 110, 70}};
    pick_colour(rng, cloths, 7, f->cloth);
    static const double scarves[][3] = {{245, 245, 242}, {20, 20, 24},    {40, 50, 90},
                                        {200, 180, 150}, {190, 120, 140}, {70, 110, 90}};
    pick_colour(rng, scarves, 6, f->scarf);
    static const double irises[][3] = {{48, 30, 20}, {62, 40, 26}, {35, 24, 18}};
    pick_colour(rng, irises, 3, f->iris);
    static const double lip_red[3] = {165, 80, 80};
    mix(f->skin, lip_red, uniform(rng, 0.35, 0.6), f->lips);
    scaled(f->lips, 0.85, f->lips);
}

static void make_shape(uint64_t seed, uint64_t person, const ktpel_synth_face_look *look,
                       face_shape *f)
{
    uint64_t path[3] = {KTPEL_SYNTH_FACE_STREAM, STREAM_PERSON, person};
    ktpel_rng rng;
    ktpel_rng_seed_path(&rng, seed, path, 3);
    bool male = look->sex != KTPEL_SEX_FEMALE;
    f->height = uniform(&rng, 1.22, 1.38);
    f->jaw = uniform(&rng, male ? 0.10 : 0.18, male ? 0.24 : 0.30);
    shape_colours(&rng, look, f);
    /* Every draw is made whatever the look, so that the face stays the same when another
     * record of the person (a planted duplicate) claims another age or religion. */
    double style = ktpel_rng_uniform(&rng), long_hair = ktpel_rng_uniform(&rng);
    double hairline = uniform(&rng, 0.66, 0.80), recede = uniform(&rng, 0, 0.25);
    double volume = ktpel_rng_uniform(&rng);
    /* Most Muslim women wear a jilbab in the photo; other women long or short hair. */
    if (male)
        f->hair_style = HAIR_SHORT;
    else if (look->muslim && style < 0.6)
        f->hair_style = HAIR_JILBAB;
    else
        f->hair_style = long_hair < 0.85 ? HAIR_LONG : HAIR_SHORT;
    f->hairline = -hairline * f->height / 1.3;
    if (male && look->age > 40)
        f->hairline -= recede * (look->age - 40) / 40.0;
    f->volume = 0.06 + volume * (f->hair_style == HAIR_SHORT ? 0.10 : 0.16);
    f->eye_dx = uniform(&rng, 0.36, 0.44);
    f->eye_v = uniform(&rng, -0.18, -0.08);
    f->eye_w = uniform(&rng, 0.17, 0.22);
    f->eye_h = uniform(&rng, 0.075, 0.10);
    f->brow_v = uniform(&rng, 0.20, 0.27);
    f->brow_w = uniform(&rng, male ? 0.065 : 0.045, male ? 0.095 : 0.07);
    f->nose_w = uniform(&rng, 0.13, 0.19);
    f->nose_v = uniform(&rng, 0.34, 0.44);
    f->mouth_w = uniform(&rng, 0.26, 0.34);
    f->mouth_v = f->nose_v + uniform(&rng, 0.26, 0.34);
    f->lip_h = uniform(&rng, 0.045, 0.075);
    f->ear_v = uniform(&rng, 0.0, 0.1);
}

static void make_capture(uint64_t seed, uint64_t person, uint64_t capture, face_capture *c)
{
    uint64_t path[4] = {KTPEL_SYNTH_FACE_STREAM, STREAM_CAPTURE, person, capture};
    ktpel_rng rng;
    ktpel_rng_seed_path(&rng, seed, path, 4);
    c->scale = 86.0 * uniform(&rng, 0.95, 1.05);
    c->cx = KTPEL_SYNTH_FACE_WIDTH / 2.0 + uniform(&rng, -8, 8);
    c->cy = 215.0 + uniform(&rng, -8, 8);
    c->roll = uniform(&rng, -3.0, 3.0) * KTPEL_PI / 180.0;
    c->smile = ktpel_rng_uniform(&rng) < 0.4 ? uniform(&rng, 0.3, 1.0) : uniform(&rng, 0, 0.2);
    c->open = uniform(&rng, 0.75, 1.1);
    c->brow_raise = uniform(&rng, -0.02, 0.04);
    c->gaze = uniform(&rng, -0.08, 0.08);
    c->light = uniform(&rng, -1, 1);
    c->exposure = uniform(&rng, 0.92, 1.06);
    c->noise = uniform(&rng, 1.0, 2.5);
    c->falloff = uniform(&rng, 0.12, 0.3);
}

/* ---- painting ---------------------------------------------------------------------------- */

static ktpel_point at(const canvas *cv, double u, double v)
{
    ktpel_point p = {cv->cx + cv->s * (u * cv->cs - v * cv->sn),
                     cv->cy + cv->s * (u * cv->sn + v * cv->cs)};
    return p;
}

static const uint8_t WHITE[3] = {255, 255, 255};
static const uint8_t BLACK[3] = {0, 0, 0};

static ktpel_err mask_ellipse(canvas *cv, double u, double v, double ru, double rv, double turn,
                              const uint8_t *value, ktpel_errbuf *eb)
{
    ktpel_point c = at(cv, u, v);
    double deg = (atan2(cv->sn, cv->cs) + turn) * 180.0 / KTPEL_PI;
    return ktpel_draw_ellipse(&cv->mask, c.x, c.y, ru * cv->s, rv * cv->s, deg, value, -1, eb);
}

static ktpel_err mask_polygon(canvas *cv, const double (*uv)[2], size_t n, ktpel_errbuf *eb)
{
    ktpel_point pts[OUTLINE_POINTS + 8];
    if (n > sizeof pts / sizeof pts[0])
        return ktpel_fail(eb, KTPEL_EINTERNAL, "face: polygon of %zu points", n);
    for (size_t i = 0; i < n; i++)
        pts[i] = at(cv, uv[i][0], uv[i][1]);
    return ktpel_draw_polygon(&cv->mask, pts, n, WHITE, eb);
}

static ktpel_err mask_line(canvas *cv, const double (*uv)[2], size_t n, double width,
                           ktpel_errbuf *eb)
{
    ktpel_point pts[16];
    if (n > sizeof pts / sizeof pts[0])
        return ktpel_fail(eb, KTPEL_EINTERNAL, "face: line of %zu points", n);
    for (size_t i = 0; i < n; i++)
        pts[i] = at(cv, uv[i][0], uv[i][1]);
    int t = (int)lround(width * cv->s);
    return ktpel_draw_polyline(&cv->mask, pts, n, 0, WHITE, t < 1 ? 1 : t, eb);
}

/* Blends colour into the image through the (blurred) mask, then clears the mask. */
static ktpel_err paint(canvas *cv, const double *colour, double opacity, double blur,
                       ktpel_errbuf *eb)
{
    if (blur > 0.3) {
        ktpel_err rc = ktpel_image_gaussian_blur(&cv->mask, blur, eb);
        if (rc != KTPEL_OK)
            return rc;
    }
    size_t n = (size_t)cv->mask.width * (size_t)cv->mask.height;
    uint8_t *px = cv->img->data;
    for (size_t i = 0; i < n; i++) {
        unsigned m = cv->mask.data[i];
        if (!m)
            continue;
        double a = opacity * m / 255.0;
        if (cv->clipping)
            a *= cv->clip.data[i] / 255.0;
        for (int k = 0; k < 3; k++) {
            double c = colour[k] < 0 ? 0 : colour[k] > 255 ? 255 : colour[k];
            px[3 * i + k] = (uint8_t)lround(px[3 * i + k] * (1 - a) + c * a);
        }
    }
    memset(cv->mask.data, 0, n);
    return KTPEL_OK;
}

/* The skin oval with a narrowing jaw, as a closed outline. */
static void face_outline(const face_shape *f, double grow, double (*uv)[2])
{
    for (int i = 0; i < OUTLINE_POINTS; i++) {
        double t = 2 * KTPEL_PI * i / OUTLINE_POINTS;
        double u = sin(t) * (1 + grow), v = -cos(t) * (f->height + grow);
        if (v > 0)
            u *= 1 - f->jaw * pow(v / f->height, 2);
        uv[i][0] = u;
        uv[i][1] = v;
    }
}

/* ---- the layers, back to front ------------------------------------------------------------ */

static ktpel_err paint_back(canvas *cv, const face_shape *f, ktpel_errbuf *eb)
{
    ktpel_err rc = KTPEL_OK;
    if (f->hair_style == HAIR_LONG) {
        rc = mask_ellipse(cv, 0, 0.35, 1.32, 1.95, 0, WHITE, eb);
        if (rc == KTPEL_OK)
            rc = paint(cv, f->hair, 1.0, 1.0, eb);
    } else if (f->hair_style == HAIR_JILBAB) {
        static const double drape[][2] = {{-1.25, 0.2}, {-2.6, 2.6}, {-2.6, 4},
                                          {2.6, 4},     {2.6, 2.6},  {1.25, 0.2}};
        rc = mask_ellipse(cv, 0, -0.1, 1.3, 1.62, 0, WHITE, eb);
        if (rc == KTPEL_OK)
            rc = mask_polygon(cv, drape, 6, eb);
        if (rc == KTPEL_OK)
            rc = paint(cv, f->scarf, 1.0, 0.8, eb);
    }
    return rc;
}

static ktpel_err paint_body(canvas *cv, const face_shape *f, ktpel_errbuf *eb)
{
    static const double shirt[][2] = {{-0.6, 1.45}, {-1.7, 1.9}, {-2.5, 2.5}, {-2.7, 4.2},
                                      {2.7, 4.2},   {2.5, 2.5},  {1.7, 1.9},  {0.6, 1.45}};
    static const double neck[][2] = {{-0.5, 0.6}, {-0.52, 1.5}, {0, 2.05}, {0.52, 1.5}, {0.5, 0.6}};
    double neck_colour[3], shade[3];
    scaled(f->skin, 0.86, neck_colour);
    scaled(f->skin, 0.55, shade);
    ktpel_err rc = KTPEL_OK;
    if (f->hair_style != HAIR_JILBAB) {
        rc = mask_polygon(cv, shirt, 8, eb);
        if (rc == KTPEL_OK)
            rc = paint(cv, f->cloth, 1.0, 0.8, eb);
        if (rc == KTPEL_OK)
            rc = mask_polygon(cv, neck, 5, eb);
        if (rc == KTPEL_OK)
            rc = paint(cv, neck_colour, 1.0, 0.8, eb);
    }
    /* The jaw's shadow on the neck. */
    if (rc == KTPEL_OK)
        rc = mask_ellipse(cv, 0, f->height - 0.05, 0.55, 0.3, 0, WHITE, eb);
    if (rc == KTPEL_OK)
        rc = paint(cv, shade, 0.5, 0.12 * cv->s, eb);
    return rc;
}

static ktpel_err paint_skin(canvas *cv, const face_shape *f, const face_capture *c,
                            ktpel_errbuf *eb)
{
    double uv[OUTLINE_POINTS][2], ear[3], dark[3], bright[3];
    scaled(f->skin, 0.82, ear);
    scaled(f->skin, 0.62, dark);
    scaled(f->skin, 1.12, bright);
    ktpel_err rc = KTPEL_OK;
    for (int side = -1; side <= 1 && rc == KTPEL_OK; side += 2) {
        rc = mask_ellipse(cv, side * 0.98, f->ear_v, 0.13, 0.26, 0, WHITE, eb);
        if (rc == KTPEL_OK)
            rc = paint(cv, ear, 1.0, 0.8, eb);
    }
    face_outline(f, 0, uv);
    if (rc == KTPEL_OK)
        rc = mask_polygon(cv, uv, OUTLINE_POINTS, eb);
    if (rc == KTPEL_OK)
        rc = paint(cv, f->skin, 1.0, 0.7, eb);
    /* Darker sides: the outline minus an inner oval, blurred wide; the light side less. */
    if (rc == KTPEL_OK)
        rc = mask_polygon(cv, uv, OUTLINE_POINTS, eb);
    if (rc == KTPEL_OK)
        rc = mask_ellipse(cv, 0.12 * c->light, -0.05, 0.72, f->height * 0.78, 0, BLACK, eb);
    if (rc == KTPEL_OK)
        rc = paint(cv, dark, 0.55, 0.16 * cv->s, eb);
    /* Forehead, nose bridge and cheek highlights. */
    if (rc == KTPEL_OK)
        rc = mask_ellipse(cv, 0, f->eye_v - 0.55, 0.5, 0.22, 0, WHITE, eb);
    if (rc == KTPEL_OK)
        rc = mask_ellipse(cv, 0, f->eye_v + 0.15, 0.07, 0.3, 0, WHITE, eb);
    if (rc == KTPEL_OK)
        rc = paint(cv, bright, 0.45, 0.08 * cv->s, eb);
    return rc;
}

/* The hair over the top of the head: from the right sideburn along the hairline (flat over
 * the forehead, rising a little at the temples) to the left sideburn, then over the top of
 * the head, outside the skin by the hair's volume. Returns the number of points. */
static size_t hair_cap(const face_shape *f, double (*uv)[2])
{
    size_t n = 0;
    double side_v = f->eye_v - 0.12;
    uv[n][0] = 1.0, uv[n++][1] = side_v;
    uv[n][0] = 0.88, uv[n++][1] = side_v - 0.1;
    for (int i = 0; i <= 8; i++) {
        double u = 0.8 - 1.6 * i / 8.0;
        uv[n][0] = u;
        uv[n++][1] = f->hairline - 0.1 * (u / 0.8) * (u / 0.8);
    }
    uv[n][0] = -0.88, uv[n++][1] = side_v - 0.1;
    uv[n][0] = -1.0, uv[n++][1] = side_v;
    /* Over the top: the outline from the left side at side_v to the right side. */
    double t_side = acos(-side_v / f->height);
    int steps = 40;
    for (int i = 0; i <= steps; i++) {
        double t = -t_side + 2 * t_side * i / steps;
        uv[n][0] = sin(t) * (1 + f->volume);
        uv[n++][1] = -cos(t) * (f->height + f->volume);
    }
    return n;
}

static ktpel_err paint_hair_front(canvas *cv, const face_shape *f, ktpel_errbuf *eb)
{
    ktpel_err rc = KTPEL_OK;
    if (f->hair_style == HAIR_JILBAB) {
        /* The scarf frames the face from just above the brows to under the chin. */
        double top = f->eye_v - f->brow_v - 0.45, bottom = f->height + 0.1;
        double rv = (bottom - top) / 2, ru = 0.98, band = 0.9;
        ktpel_point c = at(cv, 0, (top + bottom) / 2);
        double deg = atan2(cv->sn, cv->cs) * 180.0 / KTPEL_PI;
        rc = ktpel_draw_ellipse(&cv->mask, c.x, c.y, (ru + band / 2) * cv->s,
                                (rv + band / 2) * cv->s, deg, WHITE, (int)lround(band * cv->s), eb);
        if (rc == KTPEL_OK)
            rc = paint(cv, f->scarf, 1.0, 0.9, eb);
        return rc;
    }
    double cap[OUTLINE_POINTS + 8][2];
    size_t n = hair_cap(f, cap);
    rc = mask_polygon(cv, (const double(*)[2])cap, n, eb);
    if (rc == KTPEL_OK && f->hair_style == HAIR_LONG) {
        static const double left[][2] = {
            {-1.12, -0.9}, {-0.8, -0.75}, {-0.88, 0.2}, {-1.05, 0.9}, {-1.3, 0.6}};
        static const double right[][2] = {
            {1.12, -0.9}, {0.8, -0.75}, {0.88, 0.2}, {1.05, 0.9}, {1.3, 0.6}};
        rc = mask_polygon(cv, left, 5, eb);
        if (rc == KTPEL_OK)
            rc = mask_polygon(cv, right, 5, eb);
    }
    if (rc == KTPEL_OK)
        rc = paint(cv, f->hair, 1.0, 1.2, eb);
    return rc;
}

static ktpel_err paint_eye(canvas *cv, const face_shape *f, const face_capture *c, int side,
                           ktpel_errbuf *eb)
{
    double x = side * f->eye_dx, y = f->eye_v, w = f->eye_w, h = f->eye_h * c->open;
    double socket[3], sclera[3] = {228, 222, 215}, lid[3] = {28, 20, 16};
    scaled(f->skin, 0.6, socket);
    ktpel_err rc = mask_ellipse(cv, x, y - 0.03, w * 1.5, 0.17, 0, WHITE, eb);
    if (rc == KTPEL_OK)
        rc = paint(cv, socket, 0.55, 0.07 * cv->s, eb);
    if (rc == KTPEL_OK)
        rc = mask_ellipse(cv, x, y, w, h, 0, WHITE, eb);
    if (rc == KTPEL_OK) {
        memcpy(cv->clip.data, cv->mask.data, (size_t)cv->mask.width * cv->mask.height);
        rc = paint(cv, sclera, 1.0, 0, eb);
    }
    cv->clipping = true;
    double ix = x + c->gaze * w;
    double pupil[3] = {10, 8, 8};
    if (rc == KTPEL_OK)
        rc = mask_ellipse(cv, ix, y, w * 0.48, w * 0.48, 0, WHITE, eb);
    if (rc == KTPEL_OK)
        rc = paint(cv, f->iris, 1.0, 0, eb);
    if (rc == KTPEL_OK)
        rc = mask_ellipse(cv, ix, y, w * 0.2, w * 0.2, 0, WHITE, eb);
    if (rc == KTPEL_OK)
        rc = paint(cv, pupil, 1.0, 0, eb);
    if (rc == KTPEL_OK)
        rc = mask_ellipse(cv, ix + 0.3 * w * 0.48, y - 0.3 * w * 0.48, w * 0.1, w * 0.1, 0, WHITE,
                          eb);
    if (rc == KTPEL_OK)
        rc = paint(cv, sclera, 0.9, 0, eb);
    cv->clipping = false;
    /* Upper lid and lashes along the top of the eye; a faint lower lid. */
    double upper[7][2], lower[7][2];
    for (int i = 0; i < 7; i++) {
        double t = KTPEL_PI * i / 6;
        upper[i][0] = x - w * cos(t);
        upper[i][1] = y - h * sin(t) * 1.05;
        lower[i][0] = x - w * cos(t);
        lower[i][1] = y + h * sin(t);
    }
    if (rc == KTPEL_OK)
        rc = mask_line(cv, (const double(*)[2])upper, 7, 0.04, eb);
    if (rc == KTPEL_OK)
        rc = paint(cv, lid, 0.95, 0.6, eb);
    if (rc == KTPEL_OK)
        rc = mask_line(cv, (const double(*)[2])lower, 7, 0.02, eb);
    if (rc == KTPEL_OK)
        rc = paint(cv, lid, 0.35, 0.6, eb);
    return rc;
}

static ktpel_err paint_brows(canvas *cv, const face_shape *f, const face_capture *c,
                             ktpel_errbuf *eb)
{
    double colour[3];
    mix(f->brows, f->skin, 0.2, colour);
    ktpel_err rc = KTPEL_OK;
    for (int side = -1; side <= 1 && rc == KTPEL_OK; side += 2) {
        double y = f->eye_v - f->brow_v - c->brow_raise, x = side * f->eye_dx;
        double brow[5][2] = {{x - side * 0.24, y + 0.03},
                             {x - side * 0.1, y - 0.02},
                             {x + side * 0.04, y - 0.04},
                             {x + side * 0.16, y - 0.02},
                             {x + side * 0.26, y + 0.04}};
        rc = mask_line(cv, (const double(*)[2])brow, 5, f->brow_w, eb);
    }
    if (rc == KTPEL_OK)
        rc = paint(cv, colour, 0.9, 1.0, eb);
    return rc;
}

static ktpel_err paint_nose(canvas *cv, const face_shape *f, ktpel_errbuf *eb)
{
    double shadow[3], nostril[3];
    scaled(f->skin, 0.62, shadow);
    scaled(f->skin, 0.35, nostril);
    ktpel_err rc = KTPEL_OK;
    for (int side = -1; side <= 1 && rc == KTPEL_OK; side += 2) {
        double side_line[4][2] = {{side * 0.1, f->eye_v + 0.08},
                                  {side * 0.11, f->nose_v - 0.18},
                                  {side * (f->nose_w + 0.02), f->nose_v - 0.06},
                                  {side * (f->nose_w - 0.02), f->nose_v + 0.02}};
        rc = mask_line(cv, (const double(*)[2])side_line, 4, 0.05, eb);
    }
    if (rc == KTPEL_OK)
        rc = mask_ellipse(cv, 0, f->nose_v + 0.05, f->nose_w + 0.02, 0.045, 0, WHITE, eb);
    if (rc == KTPEL_OK)
        rc = paint(cv, shadow, 0.5, 0.035 * cv->s, eb);
    for (int side = -1; side <= 1 && rc == KTPEL_OK; side += 2)
        rc = mask_ellipse(cv, side * f->nose_w * 0.55, f->nose_v, 0.055, 0.03, side * 0.3, WHITE,
                          eb);
    if (rc == KTPEL_OK)
        rc = paint(cv, nostril, 0.85, 0.8, eb);
    return rc;
}

static ktpel_err paint_mouth(canvas *cv, const face_shape *f, const face_capture *c,
                             ktpel_errbuf *eb)
{
    double w = f->mouth_w * (1 + 0.12 * c->smile), y = f->mouth_v, lh = f->lip_h;
    double lift = 0.05 * c->smile;
    double line_colour[3], shadow[3];
    scaled(f->lips, 0.45, line_colour);
    scaled(f->skin, 0.65, shadow);
    double lips[10][2] = {
        {-w, y - lift},          {-w * 0.5, y - lh * 1.1},  {-w * 0.12, y - lh * 1.25},
        {0, y - lh * 1.0},       {w * 0.12, y - lh * 1.25}, {w * 0.5, y - lh * 1.1},
        {w, y - lift},           {w * 0.5, y + lh * 1.5},   {0, y + lh * 1.7},
        {-w * 0.5, y + lh * 1.5}};
    double line[5][2] = {{-w, y - lift},
                         {-w * 0.5, y + 0.01 - lift * 0.3},
                         {0, y + 0.015},
                         {w * 0.5, y + 0.01 - lift * 0.3},
                         {w, y - lift}};
    ktpel_err rc = mask_ellipse(cv, 0, y + lh * 2.6, w * 0.6, 0.05, 0, WHITE, eb);
    if (rc == KTPEL_OK)
        rc = paint(cv, shadow, 0.45, 0.04 * cv->s, eb);
    if (rc == KTPEL_OK)
        rc = mask_polygon(cv, (const double(*)[2])lips, 10, eb);
    if (rc == KTPEL_OK)
        rc = paint(cv, f->lips, 0.95, 1.0, eb);
    if (rc == KTPEL_OK)
        rc = mask_line(cv, (const double(*)[2])line, 5, 0.025, eb);
    if (rc == KTPEL_OK)
        rc = paint(cv, line_colour, 0.9, 0.7, eb);
    return rc;
}

/* Exposure, the flash's fall-off (brightest behind the head, as in a photo booth: a real
 * background is never flat), a left-right light gradient and sensor noise, from the capture's
 * own stream. */
static void finish(ktpel_image *img, const face_capture *c, ktpel_rng *rng)
{
    size_t i = 0;
    double w = img->width, h = img->height;
    for (int y = 0; y < img->height; y++) {
        for (int x = 0; x < img->width; x++, i++) {
            double dx = (x - w / 2) / w, dy = (y - 0.4 * h) / h;
            double g = c->exposure * (1 + 0.1 * c->light * dx) *
                       (1 - c->falloff * (dx * dx + dy * dy) * 2.5);
            for (int k = 0; k < 3; k++) {
                double noise = (ktpel_rng_uniform(rng) + ktpel_rng_uniform(rng) - 1) * c->noise;
                double v = img->data[3 * i + k] * g + noise;
                img->data[3 * i + k] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : lround(v));
            }
        }
    }
}

static ktpel_err paint_face(canvas *cv, const face_shape *f, const face_capture *c,
                            ktpel_errbuf *eb)
{
    ktpel_err rc = paint_back(cv, f, eb);
    if (rc == KTPEL_OK)
        rc = paint_body(cv, f, eb);
    if (rc == KTPEL_OK)
        rc = paint_skin(cv, f, c, eb);
    if (rc == KTPEL_OK)
        rc = paint_nose(cv, f, eb);
    if (rc == KTPEL_OK)
        rc = paint_mouth(cv, f, c, eb);
    for (int side = -1; side <= 1 && rc == KTPEL_OK; side += 2)
        rc = paint_eye(cv, f, c, side, eb);
    if (rc == KTPEL_OK)
        rc = paint_brows(cv, f, c, eb);
    if (rc == KTPEL_OK)
        rc = paint_hair_front(cv, f, eb);
    return rc;
}

ktpel_err ktpel_synth_face_render(uint64_t seed, uint64_t person, const ktpel_synth_face_look *look,
                                  uint64_t capture, ktpel_image *out, ktpel_errbuf *eb)
{
    if (!look || !out)
        return ktpel_fail(eb, KTPEL_EINVAL, "synthetic face: NULL argument");
    if ((int)look->background < 0 || look->background > KTPEL_SYNTH_FACE_ORANGE || look->age < 0 ||
        look->age > 150)
        return ktpel_fail(eb, KTPEL_EINVAL, "synthetic face: background %d or age %d invalid",
                          (int)look->background, look->age);
    static const uint8_t backgrounds[3][3] = {{0, 144, 255}, {219, 21, 20}, {245, 130, 30}};
    face_shape f;
    face_capture c;
    make_shape(seed, person, look, &f);
    make_capture(seed, person, capture, &c);

    canvas cv = {out, {0}, {0}, false, c.cx, c.cy, c.scale, cos(c.roll), sin(c.roll)};
    ktpel_err rc = ktpel_image_alloc(out, KTPEL_SYNTH_FACE_WIDTH, KTPEL_SYNTH_FACE_HEIGHT, 3,
                                     KTPEL_SYNTH_FACE_DPI, eb);
    if (rc == KTPEL_OK)
        rc = ktpel_image_alloc(&cv.mask, out->width, out->height, 1, 0, eb);
    if (rc == KTPEL_OK)
        rc = ktpel_image_alloc(&cv.clip, out->width, out->height, 1, 0, eb);
    if (rc == KTPEL_OK)
        rc = ktpel_image_fill(out, backgrounds[look->background], eb);
    if (rc == KTPEL_OK)
        rc = paint_face(&cv, &f, &c, eb);
    if (rc == KTPEL_OK)
        rc = ktpel_image_gaussian_blur(out, 0.7, eb);
    if (rc == KTPEL_OK) {
        uint64_t path[4] = {KTPEL_SYNTH_FACE_STREAM, STREAM_CAPTURE + 1, person, capture};
        ktpel_rng noise;
        ktpel_rng_seed_path(&noise, seed, path, 4);
        finish(out, &c, &noise);
    }
    ktpel_image_free(&cv.mask);
    ktpel_image_free(&cv.clip);
    if (rc != KTPEL_OK)
        ktpel_image_free(out);
    return rc;
}
