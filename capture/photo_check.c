/* The photo check (include/ktpel/photo.h; rules and figures in docs/photo.md).
 *
 * One pass: find the faces with two cascades, take the largest, find its eyes, then measure
 * everything on that face and on the frame around it, so that the report names every rule
 * that fails, not only the first. Sharpness and background are measured on a copy scaled
 * so that the face is at most CANON_FACE pixels wide: their figures are then relative to the
 * face, whatever the camera's resolution.
 */
#include "ktpel/photo.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ktpel/imgproc.h"

#define DEFAULT_CASCADE_DIR "/usr/share/opencv4/haarcascades"
#define MAX_FACES           32
#define MAX_EYES            32
#define KTPEL_PI            3.14159265358979323846

/* ---- the figures (docs/photo.md says where each comes from) ---- */
#define MAX_ROLL_DEG          8.0  /* ICAO / ISO 19794-5 best practice: roll within +-8 degrees */
#define MIN_EYE_DISTANCE      60.0 /* ISO 19794-5 token frontal: 60 px between the eye centres */
#define HEAD_RATIO_MIN        0.50 /* head width / portrait width, ICAO: 50..75 % */
#define HEAD_RATIO_MAX        0.75
#define HEAD_RATIO_WISH       0.60
#define EYE_LINE_MIN          0.30 /* eye line from the top: 50..70 % up from the bottom */
#define EYE_LINE_MAX          0.50
#define EYE_LINE_WISH         0.45  /* 55 % up from the bottom (ANSI/NIST-ITL "approximately") */
#define HEAD_PER_EYE_DISTANCE 2.5   /* head width / eye distance, adult anthropometry */
#define CANON_FACE            200.0 /* face width of the measuring copy, pixels */
#define REBLUR_SIGMA          2.0   /* second blur of the sharpness estimate, canonical pixels */
#define MAX_BLUR_PERCENT      2.0   /* estimated blur sigma, % of the face width */
#define DARK_LEVEL            25    /* OFIQ / ISO 29794-5 under-exposure range [0, 25] */
#define BRIGHT_LEVEL          247   /* OFIQ / ISO 29794-5 over-exposure range [247, 255] */
#define MIN_FACE_MEDIAN       47.0  /* darkest skin (8 % reflectance) 1.5 stops under, sRGB */
#define MAX_FACE_MEDIAN       243.0 /* lightest skin (45 % reflectance) 1 stop over, sRGB */
#define MAX_CLIPPED           0.10  /* at most a tenth of the face crushed to black or white */
#define MIN_FACE_RANGE        128.0 /* ISO 19794-5: 7 bits of intensity variation on the face */
#define EDGE_GRADIENT         4.0   /* grey levels per canonical pixel that make an edge */
#define MAX_BG_EDGES          0.02  /* at most 2 % of the background on an edge */
#define MAX_BG_SPREAD         64.0  /* p95 - p5 luma of the background: a quarter of the range */

struct ktpel_photo_checker {
    ktpel_face_detector *face;  /* haarcascade_frontalface_default */
    ktpel_face_detector *face2; /* haarcascade_frontalface_alt2: must agree */
    ktpel_face_detector *eye;   /* haarcascade_eye */
    ktpel_face_detector *eye2;  /* haarcascade_eye_tree_eyeglasses */
};

typedef struct rule_text {
    const char *code, *id, *en;
} rule_text;

static const rule_text RULES[KTPEL_PHOTO_RULE_COUNT] = {
    {"no_face", "Wajah tidak ditemukan: pastikan pemohon menghadap kamera.",
     "No face found: have the applicant face the camera."},
    {"multiple_faces", "Lebih dari satu wajah: hanya pemohon yang boleh ada di foto.",
     "More than one face: only the applicant may be in the photo."},
    {"eyes_not_found",
     "Mata tidak terlihat jelas: mata terbuka, tanpa kacamata gelap, rambut tidak menutupi mata.",
     "Eyes not clearly visible: eyes open, no dark glasses, hair away from the eyes."},
    {"head_tilted", "Kepala miring: luruskan kepala, kedua mata sejajar.",
     "Head tilted: hold the head straight with both eyes level."},
    {"low_resolution", "Resolusi wajah terlalu kecil: dekatkan pemohon ke kamera.",
     "Too few pixels on the face: bring the applicant closer to the camera."},
    {"too_close", "Terlalu dekat: kepala tidak muat dalam bingkai pas foto, mundurkan pemohon.",
     "Too close: the head does not fit the portrait frame, move the applicant back."},
    {"off_centre", "Wajah tidak di tengah: posisikan kepala di tengah bingkai.",
     "Face not centred: place the head in the middle of the frame."},
    {"blurred", "Foto kabur: fokuskan kamera dan minta pemohon tidak bergerak.",
     "Photo blurred: focus the camera and ask the applicant to keep still."},
    {"underexposed", "Foto terlalu gelap: tambah pencahayaan pada wajah.",
     "Photo too dark: add light on the face."},
    {"overexposed", "Foto terlalu terang: kurangi pencahayaan atau lampu kilat.",
     "Photo too bright: reduce the light or the flash."},
    {"low_contrast", "Kontras wajah terlalu rendah: periksa pencahayaan dan pengaturan kamera.",
     "Face contrast too low: check the lighting and the camera settings."},
    {"background_not_plain",
     "Latar belakang tidak polos: gunakan latar polos tanpa benda atau orang lain.",
     "Background not plain: use a plain backdrop with no objects or other people."},
};

const char *ktpel_photo_rule_code(ktpel_photo_rule rule)
{
    return (unsigned)rule < KTPEL_PHOTO_RULE_COUNT ? RULES[rule].code : "unknown";
}

const char *ktpel_photo_rule_message_id(ktpel_photo_rule rule)
{
    return (unsigned)rule < KTPEL_PHOTO_RULE_COUNT ? RULES[rule].id : "unknown";
}

const char *ktpel_photo_rule_message_en(ktpel_photo_rule rule)
{
    return (unsigned)rule < KTPEL_PHOTO_RULE_COUNT ? RULES[rule].en : "unknown";
}

static void fail_rule(ktpel_photo_report *rep, ktpel_photo_rule rule, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void fail_rule(ktpel_photo_report *rep, ktpel_photo_rule rule, const char *fmt, ...)
{
    rep->failed |= 1u << rule;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rep->detail[rule], sizeof rep->detail[rule], fmt, ap);
    va_end(ap);
}

/* ---- checker ---- */

static ktpel_err load(const char *dir, const char *file, ktpel_face_detector **out,
                      ktpel_errbuf *eb)
{
    char path[1024];
    int n = snprintf(path, sizeof path, "%s/%s", dir, file);
    if (n < 0 || (size_t)n >= sizeof path)
        return ktpel_fail(eb, KTPEL_ETOOBIG, "photo check: cascade folder name too long: %s", dir);
    return ktpel_face_detector_create(path, out, eb);
}

ktpel_err ktpel_photo_checker_create(const char *cascade_dir, ktpel_photo_checker **out,
                                     ktpel_errbuf *eb)
{
    if (!out)
        return ktpel_fail(eb, KTPEL_EINVAL, "photo check: NULL output");
    *out = NULL;
    const char *dir = cascade_dir ? cascade_dir : DEFAULT_CASCADE_DIR;
    ktpel_photo_checker *pc = calloc(1, sizeof *pc);
    if (!pc)
        return ktpel_fail(eb, KTPEL_ENOMEM, "photo check: out of memory");
    ktpel_err rc = load(dir, "haarcascade_frontalface_default.xml", &pc->face, eb);
    if (rc == KTPEL_OK)
        rc = load(dir, "haarcascade_frontalface_alt2.xml", &pc->face2, eb);
    if (rc == KTPEL_OK)
        rc = load(dir, "haarcascade_eye.xml", &pc->eye, eb);
    if (rc == KTPEL_OK)
        rc = load(dir, "haarcascade_eye_tree_eyeglasses.xml", &pc->eye2, eb);
    if (rc != KTPEL_OK) {
        ktpel_photo_checker_free(pc);
        return rc;
    }
    *out = pc;
    return KTPEL_OK;
}

void ktpel_photo_checker_free(ktpel_photo_checker *pc)
{
    if (!pc)
        return;
    ktpel_face_detector_free(pc->face);
    ktpel_face_detector_free(pc->face2);
    ktpel_face_detector_free(pc->eye);
    ktpel_face_detector_free(pc->eye2);
    free(pc);
}

/* ---- faces ---- */

static double overlap(ktpel_rect a, ktpel_rect b)
{
    int x0 = a.x > b.x ? a.x : b.x, y0 = a.y > b.y ? a.y : b.y;
    int x1 = a.x + a.width < b.x + b.width ? a.x + a.width : b.x + b.width;
    int y1 = a.y + a.height < b.y + b.height ? a.y + a.height : b.y + b.height;
    if (x1 <= x0 || y1 <= y0)
        return 0;
    double inter = (double)(x1 - x0) * (y1 - y0);
    double uni = (double)a.width * a.height + (double)b.width * b.height - inter;
    return inter / uni;
}

/* Faces that both cascades find (intersection over union >= 0.3), each counted once: a
 * single cascade's stray hits on curtains, flags or shirts rarely coincide with the other's. */
static ktpel_err find_faces(ktpel_photo_checker *pc, const ktpel_image *img, ktpel_rect *faces,
                            size_t *count, ktpel_errbuf *eb)
{
    ktpel_rect a[MAX_FACES], b[MAX_FACES];
    size_t na = 0, nb = 0;
    ktpel_face_detect_params p = ktpel_face_detect_params_default();
    int side = img->width < img->height ? img->width : img->height;
    p.min_size = side / 10 > 30 ? side / 10 : 30;
    ktpel_err rc = ktpel_face_detector_run(pc->face, img, &p, a, MAX_FACES, &na, eb);
    if (rc == KTPEL_OK)
        rc = ktpel_face_detector_run(pc->face2, img, &p, b, MAX_FACES, &nb, eb);
    if (rc != KTPEL_OK)
        return rc;
    na = na > MAX_FACES ? MAX_FACES : na;
    nb = nb > MAX_FACES ? MAX_FACES : nb;
    *count = 0;
    for (size_t i = 0; i < na; i++) {
        int agreed = 0, seen = 0;
        for (size_t j = 0; j < nb; j++)
            agreed |= overlap(a[i], b[j]) >= 0.3;
        for (size_t k = 0; k < *count; k++)
            seen |= overlap(a[i], faces[k]) >= 0.3;
        if (agreed && !seen)
            faces[(*count)++] = a[i];
    }
    return KTPEL_OK;
}

/* ---- eyes ---- */

typedef struct eye {
    double x, y, size;
} eye;

/* Eye candidates in the eye band of the face (15..60 % of its height), searched on a copy
 * scaled to 240 pixels across the face so that small faces still have eyes larger than the
 * cascade's 20-pixel window. Coordinates are of the frame. */
static ktpel_err eye_candidates(ktpel_face_detector *det, const ktpel_image *img, ktpel_rect face,
                                eye *eyes, size_t *n, ktpel_errbuf *eb)
{
    ktpel_rect band = {face.x, face.y + face.height * 15 / 100, face.width, face.height * 45 / 100};
    if (band.x < 0)
        band.x = 0;
    if (band.x + band.width > img->width)
        band.width = img->width - band.x;
    if (band.y + band.height > img->height)
        band.height = img->height - band.y;
    *n = 0;
    if (band.width < 8 || band.height < 8)
        return KTPEL_OK;
    ktpel_image sub = {0}, scaled = {0};
    double s = 240.0 / band.width;
    ktpel_err rc = ktpel_image_crop(img, band, &sub, eb);
    if (rc == KTPEL_OK)
        rc = ktpel_image_resize(&sub, 240,
                                (int)lround(band.height * s) > 0 ? (int)lround(band.height * s) : 1,
                                &scaled, eb);
    ktpel_rect found[MAX_EYES];
    size_t nf = 0;
    if (rc == KTPEL_OK) {
        ktpel_face_detect_params p = {1.05, 3, 20};
        rc = ktpel_face_detector_run(det, &scaled, &p, found, MAX_EYES, &nf, eb);
    }
    for (size_t i = 0; rc == KTPEL_OK && i < nf && i < MAX_EYES; i++) {
        eyes[*n].x = band.x + (found[i].x + found[i].width / 2.0) / s;
        eyes[*n].y = band.y + (found[i].y + found[i].height / 2.0) / s;
        eyes[*n].size = found[i].width / s;
        (*n)++;
    }
    ktpel_image_free(&sub);
    ktpel_image_free(&scaled);
    return rc;
}

/* The most plausible pair: one eye on each half of the face, 25..65 % of the face width
 * apart, similar in size; the pair with the most level line and closest sizes wins. */
static int pick_pair(const eye *eyes, size_t n, ktpel_rect face, eye *left, eye *right)
{
    double mid = face.x + face.width / 2.0, best = INFINITY;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            if (eyes[i].x >= mid || eyes[j].x <= mid)
                continue;
            double dx = eyes[j].x - eyes[i].x, dy = eyes[j].y - eyes[i].y;
            double d = hypot(dx, dy);
            if (d < 0.25 * face.width || d > 0.65 * face.width)
                continue;
            double ratio = eyes[i].size / eyes[j].size;
            if (ratio < 0.5 || ratio > 2.0)
                continue;
            double cost = fabs(dy) / d + fabs(log(ratio));
            if (cost < best) {
                best = cost;
                *left = eyes[i];
                *right = eyes[j];
            }
        }
    return isfinite(best);
}

static ktpel_err find_eyes(ktpel_photo_checker *pc, const ktpel_image *img, ktpel_rect face,
                           ktpel_photo_report *rep, ktpel_errbuf *eb)
{
    eye eyes[2 * MAX_EYES], l, r;
    size_t n = 0, m = 0;
    ktpel_err rc = eye_candidates(pc->eye, img, face, eyes, &n, eb);
    if (rc == KTPEL_OK && !pick_pair(eyes, n, face, &l, &r)) {
        /* The eyeglasses cascade also finds eyes behind clear lenses. */
        rc = eye_candidates(pc->eye2, img, face, eyes + n, &m, eb);
        n += m;
    }
    if (rc != KTPEL_OK)
        return rc;
    if (pick_pair(eyes, n, face, &l, &r)) {
        rep->eyes_found = 1;
        rep->eye_left = (ktpel_point){l.x, l.y};
        rep->eye_right = (ktpel_point){r.x, r.y};
        rep->eye_distance = hypot(r.x - l.x, r.y - l.y);
        rep->roll_deg = atan2(r.y - l.y, r.x - l.x) * 180.0 / KTPEL_PI;
    }
    return KTPEL_OK;
}

/* ---- geometry: where the 3:4 portrait goes ---- */

/* The portrait is centred on the eyes, head = the head's width (ear to ear). The
 * preferred framing (head 60 % of the width, eye line 45 % from the top) is tried first;
 * where the frame is too small for it, the head may fill up to 75 % and the eye line move
 * within 30..50 % from the top. Returns 1 and the rectangle if some framing fits. */
static int fit_portrait(const ktpel_image *img, double cx, double eye_y, double head,
                        ktpel_rect *crop)
{
    for (double ratio = HEAD_RATIO_WISH; ratio <= HEAD_RATIO_MAX + 1e-9; ratio += 0.01) {
        double w = head / ratio, h = w * KTPEL_PHOTO_HEIGHT_MM / KTPEL_PHOTO_WIDTH_MM;
        double x0 = cx - w / 2;
        if (x0 < 0 || x0 + w > img->width || h > img->height)
            continue;
        double lo = fmax(EYE_LINE_MIN, 1.0 - (img->height - eye_y) / h);
        double hi = fmin(EYE_LINE_MAX, eye_y / h);
        if (lo > hi)
            continue;
        double f = fmin(fmax(EYE_LINE_WISH, lo), hi);
        crop->x = (int)ceil(x0);
        crop->y = (int)ceil(eye_y - f * h);
        crop->width = (int)floor(w);
        crop->height = (int)floor(w * KTPEL_PHOTO_HEIGHT_MM / KTPEL_PHOTO_WIDTH_MM);
        if (crop->x + crop->width > img->width)
            crop->width = img->width - crop->x;
        if (crop->y + crop->height > img->height)
            crop->y = img->height - crop->height;
        if (crop->y < 0)
            return 0;
        return 1;
    }
    return 0;
}

/* Says why no framing fits, using the tightest one (head 75 % of the width). */
static void explain_no_fit(const ktpel_image *img, double cx, double eye_y, double head,
                           ktpel_photo_report *rep)
{
    double w = head / HEAD_RATIO_MAX, h = w * KTPEL_PHOTO_HEIGHT_MM / KTPEL_PHOTO_WIDTH_MM;
    if (w > img->width || h > img->height) {
        fail_rule(rep, KTPEL_PHOTO_TOO_CLOSE,
                  "the tightest portrait (head 75%% of its width) needs %.0fx%.0f pixels, the "
                  "frame is %dx%d",
                  w, h, img->width, img->height);
        return;
    }
    if (cx - w / 2 < 0 || cx + w / 2 > img->width)
        fail_rule(rep, KTPEL_PHOTO_OFF_CENTRE,
                  "the head centre is %.0f px from the %s edge, %.0f px needed",
                  cx < img->width / 2.0 ? cx : img->width - cx,
                  cx < img->width / 2.0 ? "left" : "right", w / 2);
    else if (eye_y < EYE_LINE_MIN * h)
        fail_rule(rep, KTPEL_PHOTO_OFF_CENTRE,
                  "the eye line is %.0f px below the top edge, %.0f px needed (head too high)",
                  eye_y, EYE_LINE_MIN * h);
    else
        fail_rule(rep, KTPEL_PHOTO_OFF_CENTRE,
                  "the eye line is %.0f px above the bottom edge, %.0f px needed (head too low)",
                  img->height - eye_y, (1 - EYE_LINE_MAX) * h);
}

/* ---- measures on grey pixels ---- */

/* Mean squared 4-neighbour Laplacian over the inside of a grey image. */
static double laplacian_energy(const ktpel_image *g)
{
    double sum = 0;
    size_t n = 0;
    for (int y = 1; y < g->height - 1; y++)
        for (int x = 1; x < g->width - 1; x++) {
            const uint8_t *p = g->data + (size_t)y * g->width + x;
            double l = 4.0 * p[0] - p[-1] - p[1] - p[-g->width] - p[g->width];
            sum += l * l;
            n++;
        }
    return n ? sum / (double)n : 0;
}

/* Blur as a Gaussian sigma, from how much a second known blur still removes (the "re-blur"
 * principle of Crete-Roffet et al., 2007). For an image whose power falls as 1/f^2, the
 * Laplacian energy after a total blur s is proportional to 1/s^4, so with E0 before and E1
 * after a second blur r: sqrt(E1/E0) = b^2 / (b^2 + r^2), whence b. */
static double blur_sigma(const ktpel_image *g, ktpel_errbuf *eb, ktpel_err *rc)
{
    ktpel_image again = {0};
    *rc = ktpel_image_copy(g, &again, eb);
    if (*rc == KTPEL_OK)
        *rc = ktpel_image_gaussian_blur(&again, REBLUR_SIGMA, eb);
    double e0 = laplacian_energy(g), e1 = *rc == KTPEL_OK ? laplacian_energy(&again) : 0;
    ktpel_image_free(&again);
    if (e0 <= 0)
        return INFINITY;
    double q = sqrt(e1 / e0);
    if (q >= 1)
        return INFINITY;
    return REBLUR_SIGMA * sqrt(q / (1 - q));
}

/* Value below which a fraction q of a 256-bin histogram lies. */
static double percentile(const size_t *hist, size_t total, double q)
{
    size_t want = (size_t)(q * (double)total), acc = 0;
    for (int v = 0; v < 256; v++) {
        acc += hist[v];
        if (acc > want)
            return v;
    }
    return 255;
}

static ktpel_rect clamp_rect(ktpel_rect r, int width, int height)
{
    int x1 = r.x + r.width, y1 = r.y + r.height;
    r.x = r.x < 0 ? 0 : r.x;
    r.y = r.y < 0 ? 0 : r.y;
    x1 = x1 > width ? width : x1;
    y1 = y1 > height ? height : y1;
    r.width = x1 - r.x > 0 ? x1 - r.x : 0;
    r.height = y1 - r.y > 0 ? y1 - r.y : 0;
    return r;
}

/* The inner face (eyes, nose, mouth, cheeks): 15..85 % across, 15..90 % down the box. */
static ktpel_rect inner_face(ktpel_rect f, int width, int height)
{
    ktpel_rect r = {f.x + f.width * 15 / 100, f.y + f.height * 15 / 100, f.width * 70 / 100,
                    f.height * 75 / 100};
    return clamp_rect(r, width, height);
}

/* The skin the exposure is judged on: 20..80 % across, 20..70 % down the box (eyes, nose,
 * cheeks; mostly clear of hair and beard, which may rightly be dark). */
static ktpel_rect skin_area(ktpel_rect f, int width, int height)
{
    ktpel_rect r = {f.x + f.width * 20 / 100, f.y + f.height * 20 / 100, f.width * 60 / 100,
                    f.height * 50 / 100};
    return clamp_rect(r, width, height);
}

static void measure_exposure(const ktpel_image *grey, ktpel_rect face, ktpel_photo_report *rep)
{
    ktpel_rect r = skin_area(face, grey->width, grey->height);
    size_t hist[256] = {0}, n = 0;
    for (int y = r.y; y < r.y + r.height; y++)
        for (int x = r.x; x < r.x + r.width; x++, n++)
            hist[grey->data[(size_t)y * grey->width + x]]++;
    if (n == 0)
        return;
    size_t dark = 0, bright = 0;
    for (int v = 0; v <= DARK_LEVEL; v++)
        dark += hist[v];
    for (int v = BRIGHT_LEVEL; v < 256; v++)
        bright += hist[v];
    rep->face_median = percentile(hist, n, 0.5);
    rep->face_dark = (double)dark / (double)n;
    rep->face_bright = (double)bright / (double)n;
    rep->face_range = percentile(hist, n, 0.995) - percentile(hist, n, 0.005);
    if (rep->face_median < MIN_FACE_MEDIAN || rep->face_dark > MAX_CLIPPED)
        fail_rule(rep, KTPEL_PHOTO_UNDEREXPOSED,
                  "face median %.0f (at least %.0f), %.0f%% of the face at %d or darker (at most "
                  "%.0f%%)",
                  rep->face_median, MIN_FACE_MEDIAN, 100 * rep->face_dark, DARK_LEVEL,
                  100 * MAX_CLIPPED);
    if (rep->face_median > MAX_FACE_MEDIAN || rep->face_bright > MAX_CLIPPED)
        fail_rule(rep, KTPEL_PHOTO_OVEREXPOSED,
                  "face median %.0f (at most %.0f), %.0f%% of the face at %d or brighter (at "
                  "most %.0f%%)",
                  rep->face_median, MAX_FACE_MEDIAN, 100 * rep->face_bright, BRIGHT_LEVEL,
                  100 * MAX_CLIPPED);
    if (rep->face_range < MIN_FACE_RANGE)
        fail_rule(rep, KTPEL_PHOTO_LOW_CONTRAST,
                  "the face spans %.0f grey levels (at least %.0f: 7 bits)", rep->face_range,
                  MIN_FACE_RANGE);
}

/* Background: the part of the frame around the portrait that is backdrop in any proper
 * head-and-shoulders photo whatever the hair or head covering (a jilbab stands out well
 * beyond the face): the band above the head (higher than 2.3 eye distances above the eye
 * line) and, down to the brows (1 eye distance above the eye line), the sides further than
 * 2.2 eye distances from the head's axis. Lower down, long hair, a jilbab or the shoulders
 * may rightly fill the sides. Edges are counted on the measuring copy smoothed by one pixel,
 * so that sensor noise and JPEG blocks are not edges. */
static ktpel_err measure_background(const ktpel_image *canon, double s, double cx, double eye_y,
                                    double d, ktpel_rect area, const ktpel_rect *portrait,
                                    ktpel_photo_report *rep, ktpel_errbuf *eb)
{
    ktpel_image sm = {0};
    ktpel_err rc = ktpel_image_copy(canon, &sm, eb);
    if (rc == KTPEL_OK)
        rc = ktpel_image_gaussian_blur(&sm, 1.0, eb);
    if (rc != KTPEL_OK) {
        ktpel_image_free(&sm);
        return rc;
    }
    int ax0 = (int)(area.x * s), ay0 = (int)(area.y * s);
    int ax1 = (int)((area.x + area.width) * s), ay1 = (int)((area.y + area.height) * s);
    ax0 = ax0 < 1 ? 1 : ax0;
    ay0 = ay0 < 1 ? 1 : ay0;
    ax1 = ax1 > sm.width - 1 ? sm.width - 1 : ax1;
    ay1 = ay1 > sm.height - 1 ? sm.height - 1 : ay1;
    double head_top = (eye_y - 2.3 * d) * s, brows = (eye_y - 1.0 * d) * s;
    double head_l = (cx - 2.2 * d) * s, head_r = (cx + 2.2 * d) * s;
    if (portrait) {
        /* The outer eighth of the portrait on each side is backdrop however wide the head. */
        head_l = fmin(head_l, (portrait->x + portrait->width / 8.0) * s);
        head_r = fmax(fmin(head_r, (portrait->x + portrait->width * 7 / 8.0) * s), head_l);
    }
    size_t hist[256] = {0}, n = 0, edges = 0;
    for (int y = ay0; y < ay1 && y < brows; y++)
        for (int x = ax0; x < ax1; x++) {
            if (y >= head_top && x >= head_l && x <= head_r)
                continue;
            const uint8_t *p = sm.data + (size_t)y * sm.width + x;
            double gx = (p[1] - p[-1]) / 2.0, gy = (p[sm.width] - p[-sm.width]) / 2.0;
            edges += hypot(gx, gy) > EDGE_GRADIENT;
            hist[canon->data[(size_t)y * canon->width + x]]++;
            n++;
        }
    ktpel_image_free(&sm);
    /* Too little background to judge (a tightly framed head): nothing to object to. */
    if (n < 400)
        return KTPEL_OK;
    rep->background_edges = (double)edges / (double)n;
    rep->background_spread = percentile(hist, n, 0.95) - percentile(hist, n, 0.05);
    if (rep->background_edges > MAX_BG_EDGES || rep->background_spread > MAX_BG_SPREAD)
        fail_rule(rep, KTPEL_PHOTO_BACKGROUND,
                  "%.1f%% of the background on an edge (at most %.0f%%), brightness spread %.0f "
                  "grey levels (at most %.0f)",
                  100 * rep->background_edges, 100 * MAX_BG_EDGES, rep->background_spread,
                  MAX_BG_SPREAD);
    return KTPEL_OK;
}

/* ---- the check ---- */

static ktpel_err measure_sharpness(const ktpel_image *canon, double s, ktpel_rect face,
                                   ktpel_photo_report *rep, ktpel_errbuf *eb)
{
    ktpel_rect f = {(int)(face.x * s), (int)(face.y * s), (int)(face.width * s),
                    (int)(face.height * s)};
    ktpel_rect r = inner_face(f, canon->width, canon->height);
    if (r.width < 16 || r.height < 16)
        return KTPEL_OK;
    ktpel_image sub = {0};
    ktpel_err rc = ktpel_image_crop(canon, r, &sub, eb);
    if (rc != KTPEL_OK)
        return rc;
    double sigma = blur_sigma(&sub, eb, &rc);
    ktpel_image_free(&sub);
    if (rc != KTPEL_OK)
        return rc;
    rep->blur_sigma = 100.0 * sigma / (face.width * s);
    if (rep->blur_sigma > MAX_BLUR_PERCENT)
        fail_rule(rep, KTPEL_PHOTO_BLURRED, "blur about %.1f%% of the face width (at most %.1f%%)",
                  rep->blur_sigma, MAX_BLUR_PERCENT);
    return KTPEL_OK;
}

static void check_eyes(ktpel_photo_report *rep)
{
    if (!rep->eyes_found) {
        fail_rule(rep, KTPEL_PHOTO_EYES_NOT_FOUND, "no pair of eyes found in the face at %d,%d",
                  rep->face.x, rep->face.y);
        /* About a third of the cascade's face box, as on the dataset's photos. */
        rep->eye_distance = 0.3 * rep->face.width;
    } else if (fabs(rep->roll_deg) > MAX_ROLL_DEG)
        fail_rule(rep, KTPEL_PHOTO_HEAD_TILTED, "eye line at %.1f degrees (at most %.0f)",
                  rep->roll_deg, MAX_ROLL_DEG);
    if (rep->eye_distance < MIN_EYE_DISTANCE)
        fail_rule(rep, KTPEL_PHOTO_LOW_RESOLUTION, "%.0f pixels between the eyes%s (at least %.0f)",
                  rep->eye_distance, rep->eyes_found ? "" : " (estimated from the face size)",
                  MIN_EYE_DISTANCE);
}

static ktpel_err check_face(ktpel_photo_checker *pc, const ktpel_image *img,
                            const ktpel_image *grey, ktpel_photo_report *rep, ktpel_errbuf *eb)
{
    ktpel_rect face = rep->face;
    ktpel_err rc = find_eyes(pc, img, face, rep, eb);
    if (rc != KTPEL_OK)
        return rc;
    check_eyes(rep);
    double cx =
        rep->eyes_found ? (rep->eye_left.x + rep->eye_right.x) / 2 : face.x + face.width / 2.0;
    /* Without eyes, the eye line of a cascade face box is about 39 % down it. */
    double eye_y =
        rep->eyes_found ? (rep->eye_left.y + rep->eye_right.y) / 2 : face.y + 0.39 * face.height;
    /* Head width (ear to ear) from the eye distance: about 150 mm against 60..65 mm. */
    double head = HEAD_PER_EYE_DISTANCE * rep->eye_distance;
    rep->crop_found = fit_portrait(img, cx, eye_y, head, &rep->crop);
    if (!rep->crop_found)
        explain_no_fit(img, cx, eye_y, head, rep);
    measure_exposure(grey, face, rep);
    double s = CANON_FACE / face.width < 1 ? CANON_FACE / face.width : 1;
    ktpel_image canon = {0};
    int cw = (int)lround(grey->width * s), ch = (int)lround(grey->height * s);
    rc = ktpel_image_resize(grey, cw > 0 ? cw : 1, ch > 0 ? ch : 1, &canon, eb);
    if (rc == KTPEL_OK)
        rc = measure_sharpness(&canon, s, face, rep, eb);
    /* The backdrop is judged around the portrait (its rectangle widened by half), not only
     * inside it: a tight portrait shows little of it, and it is the backdrop behind the
     * applicant that the operator can change. */
    ktpel_rect area = {0, 0, img->width, img->height};
    if (rep->crop_found)
        area = clamp_rect((ktpel_rect){rep->crop.x - rep->crop.width / 4,
                                       rep->crop.y - rep->crop.height / 4, rep->crop.width * 3 / 2,
                                       rep->crop.height * 3 / 2},
                          img->width, img->height);
    if (rc == KTPEL_OK)
        rc = measure_background(&canon, s, cx, eye_y, rep->eye_distance, area,
                                rep->crop_found ? &rep->crop : NULL, rep, eb);
    ktpel_image_free(&canon);
    return rc;
}

ktpel_err ktpel_photo_check(ktpel_photo_checker *pc, const ktpel_image *img,
                            ktpel_photo_report *rep, ktpel_errbuf *eb)
{
    if (!pc || !img || !rep)
        return ktpel_fail(eb, KTPEL_EINVAL, "photo check: NULL argument");
    memset(rep, 0, sizeof *rep);
    if (!img->data || img->width < 16 || img->height < 16 ||
        (img->channels != 1 && img->channels != 3))
        return ktpel_fail(eb, KTPEL_EINVAL,
                          "photo check: empty or invalid image (%dx%d, %d channels)", img->width,
                          img->height, img->channels);
    ktpel_rect faces[MAX_FACES];
    ktpel_err rc = find_faces(pc, img, faces, &rep->faces, eb);
    if (rc != KTPEL_OK)
        return rc;
    if (rep->faces == 0) {
        fail_rule(rep, KTPEL_PHOTO_NO_FACE, "no face found by both face detectors");
        return KTPEL_OK;
    }
    size_t main = 0;
    for (size_t i = 1; i < rep->faces; i++)
        if (faces[i].width > faces[main].width)
            main = i;
    rep->face = faces[main];
    if (rep->faces > 1)
        fail_rule(rep, KTPEL_PHOTO_MULTIPLE_FACES, "%zu faces found", rep->faces);
    ktpel_image grey = {0};
    rc = ktpel_image_convert(img, KTPEL_IMAGE_GREY, &grey, eb);
    if (rc == KTPEL_OK)
        rc = check_face(pc, img, &grey, rep, eb);
    ktpel_image_free(&grey);
    if (rc != KTPEL_OK)
        return rc;
    rep->accepted = rep->failed == 0;
    return KTPEL_OK;
}

ktpel_err ktpel_photo_portrait(const ktpel_image *img, const ktpel_photo_report *rep,
                               ktpel_image *out, ktpel_errbuf *eb)
{
    if (!img || !rep || !out)
        return ktpel_fail(eb, KTPEL_EINVAL, "portrait: NULL argument");
    if (!rep->crop_found)
        return ktpel_fail(eb, KTPEL_EINVAL, "portrait: the photo check found no place for it");
    ktpel_image cut = {0};
    ktpel_err rc = ktpel_image_crop(img, rep->crop, &cut, eb);
    if (rc != KTPEL_OK)
        return rc;
    if (cut.width > KTPEL_PHOTO_MAX_WIDTH) {
        int h = (int)lround((double)KTPEL_PHOTO_MAX_WIDTH * cut.height / cut.width);
        rc = ktpel_image_resize(&cut, KTPEL_PHOTO_MAX_WIDTH, h, out, eb);
        ktpel_image_free(&cut);
        if (rc != KTPEL_OK)
            return rc;
    } else
        *out = cut;
    /* dots per inch that print the width as 3 cm */
    out->dpi = (int)lround(out->width * 25.4 / KTPEL_PHOTO_WIDTH_MM);
    return KTPEL_OK;
}

ktpel_err ktpel_photo_write_jpeg(const char *path, const ktpel_image *portrait, ktpel_errbuf *eb)
{
    if (!path || !portrait)
        return ktpel_fail(eb, KTPEL_EINVAL, "portrait: NULL argument");
    if (ktpel_image_format_from_name(path) != KTPEL_IMAGE_FORMAT_JPEG)
        return ktpel_fail(eb, KTPEL_EINVAL, "%s: a portrait is stored as JPEG (.jpg)", path);
    return ktpel_image_write(path, portrait, 90, eb);
}
