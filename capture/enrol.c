/* The operator's workflow (include/ktpel/enrol.h): the order of the steps, the record, the
 * photo, the signature and the irises. Fingers and their verification are in enrol_fingers.c,
 * the confirmation and the seal in enrol_seal.c. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "enrol_internal.h"
#include "ktpel/application.h"
#include "ktpel/iris.h"
#include "ktpel/photo.h"
#include "ktpel/signature.h"

#define DEFAULT_PHOTO_ATTEMPTS     5
#define DEFAULT_FINGER_ATTEMPTS    3
#define DEFAULT_FINGER_MIN_QUALITY 40 /* the scanner gate's default (include/ktpel/scanner.h) */
#define DEFAULT_IRIS_ATTEMPTS      3
/* The iris score is 100 x min(1, usable/0.6) x min(1, focus/3) x min(1, radius/60) x
 * (0.5 if the pupil is out of range): 50 accepts an image that falls short on one of them by
 * half, and refuses one short on two (docs/iris.md). A first figure, not calibrated. */
#define DEFAULT_IRIS_MIN_QUALITY 50
#define DEFAULT_VERIFY_ATTEMPTS  3
#define DEFAULT_VERIFY_FMR       1e-4
#define MAX_ATTEMPTS             99 /* capture.txt's attempts column */

const char *ktpel_enrol_step_name(ktpel_enrol_step step)
{
    static const char *const names[KTPEL_ENROL_STEP_COUNT] = {"photo", "signature", "fingers",
                                                              "iris",  "verify",    "confirm"};
    return (unsigned)step < KTPEL_ENROL_STEP_COUNT ? names[step] : "unknown";
}

const char *ktpel_enrol_finger_name(int position)
{
    static const char *const names[KTPEL_ENROL_FINGERS + 1] = {
        "jari tidak dikenal", "ibu jari kanan",   "telunjuk kanan", "jari tengah kanan",
        "jari manis kanan",   "kelingking kanan", "ibu jari kiri",  "telunjuk kiri",
        "jari tengah kiri",   "jari manis kiri",  "kelingking kiri"};
    return position >= 1 && position <= KTPEL_ENROL_FINGERS ? names[position] : names[0];
}

int64_t enrol_now(void)
{
    return (int64_t)time(NULL);
}

void enrol_say(enrol_run *r, ktpel_enrol_step step, const char *code, int position, int eye,
               int attempt, const char *fmt, ...)
{
    if (!r->opt->prompt)
        return;
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    ktpel_enrol_prompt pr = {step, code, position, eye, attempt, msg};
    r->opt->prompt(r->opt->user, &pr);
}

/* Copies text into a capture field: printable ASCII only (tabs and other bytes become '?'),
 * cut to the field. */
static void put_field(char *dst, size_t size, const char *src)
{
    size_t n = 0;
    for (; src && src[n] && n + 1 < size; n++)
        dst[n] = (src[n] >= 0x20 && src[n] < 0x7f) ? src[n] : '?';
    dst[n] = 0;
}

ktpel_err enrol_capture_line(enrol_run *r, const char *item, const char *entry,
                             ktpel_enrol_step step, int64_t when, int quality, int attempts,
                             const char *status, const char *note, ktpel_errbuf *eb)
{
    ktpel_packet_capture c;
    memset(&c, 0, sizeof c);
    put_field(c.item, sizeof c.item, item);
    put_field(c.entry, sizeof c.entry, entry);
    put_field(c.device, sizeof c.device, r->ops->device_id(r->dev, step));
    c.time = when;
    c.quality = quality < -1 ? -1 : quality > 100 ? 100 : quality;
    c.attempts = attempts < 0 ? 0 : attempts > MAX_ATTEMPTS ? MAX_ATTEMPTS : attempts;
    put_field(c.status, sizeof c.status, status);
    put_field(c.note, sizeof c.note, note);
    return ktpel_packet_add_capture(r->p, &c, eb);
}

ktpel_err enrol_add_image(enrol_run *r, const char *name, const ktpel_image *img, ktpel_errbuf *eb)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    ktpel_err rc = ktpel_image_encode(img, ktpel_image_format_from_name(name), 90, &buf, &len, eb);
    if (!rc)
        rc = ktpel_packet_add(r->p, name, buf, len, eb);
    free(buf);
    return rc;
}

/* ---- the record ---------------------------------------------------------------------------- */

static ktpel_err check_record(enrol_run *r, ktpel_errbuf *eb)
{
    const ktpel_enrol_options *o = r->opt;
    if (!o->record || o->record_len == 0)
        return ktpel_fail(eb, KTPEL_EINVAL, "enrolment: no record given");
    ktpel_application *app = calloc(1, sizeof *app);
    if (!app)
        return ktpel_fail(eb, KTPEL_ENOMEM, "enrolment: out of memory");
    ktpel_err rc =
        ktpel_application_parse((const char *)o->record, o->record_len, "record", app, eb);
    if (rc) {
        free(app);
        return ktpel_fail(eb, KTPEL_EFIELD, "%s", ktpel_errbuf_message(eb));
    }
    if (strcmp(app->resident.nik, o->nik) != 0)
        rc = ktpel_fail(eb, KTPEL_EFIELD, "record: NIK %s, but the enrolment is for NIK %s",
                        app->resident.nik, o->nik);
    snprintf(r->nama, sizeof r->nama, "%s", app->resident.nama);
    free(app);
    if (!rc)
        rc = ktpel_packet_add(r->p, "record.txt", o->record, o->record_len, eb);
    return rc;
}

/* ---- photo --------------------------------------------------------------------------------- */

/* The operator's message for a rejected frame: every failed rule, in Bahasa Indonesia. */
static void rejected_rules(const ktpel_photo_report *rep, char *msg, size_t msize, char *codes,
                           size_t csize)
{
    msg[0] = codes[0] = 0;
    for (int k = 0; k < KTPEL_PHOTO_RULE_COUNT; k++) {
        if (!(rep->failed & (1u << k)))
            continue;
        size_t m = strlen(msg), c = strlen(codes);
        snprintf(msg + m, msize - m, "%s%s", m ? "; " : "",
                 ktpel_photo_rule_message_id((ktpel_photo_rule)k));
        snprintf(codes + c, csize - c, "%s%s", c ? "," : "",
                 ktpel_photo_rule_code((ktpel_photo_rule)k));
    }
}

/* Checks one frame; on acceptance adds face_1.jpg and returns true in *done. */
static ktpel_err photo_frame(enrol_run *r, ktpel_photo_checker *pc, const ktpel_image *frame,
                             int attempt, char *history, size_t hsize, bool *done, ktpel_errbuf *eb)
{
    ktpel_photo_report *rep = malloc(sizeof *rep);
    if (!rep)
        return ktpel_fail(eb, KTPEL_ENOMEM, "photo: out of memory");
    ktpel_err rc = ktpel_photo_check(pc, frame, rep, eb);
    if (!rc && rep->accepted) {
        ktpel_image portrait = {0};
        rc = ktpel_photo_portrait(frame, rep, &portrait, eb);
        if (!rc)
            rc = enrol_add_image(r, "face_1.jpg", &portrait, eb);
        char note[160];
        snprintf(note, sizeof note, "eyes %.0f px apart%s%s", rep->eye_distance,
                 history[0] ? "; rejected before: " : "", history);
        if (!rc)
            rc = enrol_capture_line(r, "face", "face_1.jpg", KTPEL_ENROL_PHOTO, enrol_now(), -1,
                                    attempt, "captured", note, eb);
        if (!rc)
            enrol_say(r, KTPEL_ENROL_PHOTO, "photo_accepted", 0, 0, attempt,
                      "Foto diterima (%dx%d).", portrait.width, portrait.height);
        ktpel_image_free(&portrait);
        *done = !rc;
    } else if (!rc) {
        char msg[400], codes[200];
        rejected_rules(rep, msg, sizeof msg, codes, sizeof codes);
        size_t h = strlen(history);
        snprintf(history + h, hsize - h, "%s%s", h ? " " : "", codes);
        enrol_say(r, KTPEL_ENROL_PHOTO, "photo_rejected", 0, 0, attempt,
                  "Foto ditolak: %s. Perbaiki lalu foto ulang.", msg);
    }
    free(rep);
    return rc;
}

static ktpel_err enrol_photo(enrol_run *r, ktpel_errbuf *eb)
{
    ktpel_photo_checker *pc = NULL;
    ktpel_err rc = ktpel_photo_checker_create(r->opt->cascade_dir, &pc, eb);
    char history[256] = "";
    bool done = false;
    for (int attempt = 1; !rc && !done && attempt <= r->photo_attempts; attempt++) {
        enrol_say(r, KTPEL_ENROL_PHOTO, "photo_take", 0, 0, attempt,
                  "Foto wajah: penduduk menghadap kamera, tegak, tanpa kacamata (percobaan "
                  "%d/%d).",
                  attempt, r->photo_attempts);
        ktpel_image frame = {0};
        rc = r->ops->face_frame(r->dev, &frame, eb);
        if (!rc)
            rc = photo_frame(r, pc, &frame, attempt, history, sizeof history, &done, eb);
        ktpel_image_free(&frame);
    }
    ktpel_photo_checker_free(pc);
    if (!rc && !done)
        rc = ktpel_fail(eb, KTPEL_EREQUIREMENT,
                        "photo: no frame passed the photo check in %d attempts (%s)",
                        r->photo_attempts, history);
    return rc;
}

/* ---- signature ----------------------------------------------------------------------------- */

static ktpel_err signature_normalise(const ktpel_image *scan, const uint8_t *pen, size_t pen_len,
                                     ktpel_image *out, char *note, size_t nsize, ktpel_errbuf *eb)
{
    if (!pen) {
        snprintf(note, nsize, "from an image of %dx%d px", scan->width, scan->height);
        return ktpel_signature_from_image(scan, out, eb);
    }
    ktpel_pen_trace trace;
    memset(&trace, 0, sizeof trace);
    ktpel_err rc = ktpel_pen_trace_parse((const char *)pen, pen_len, &trace, eb);
    if (!rc) {
        snprintf(note, nsize, "from pen points (signature_1.csv, %zu samples)", trace.count);
        rc = ktpel_signature_from_pen(&trace, out, eb);
    }
    ktpel_pen_trace_free(&trace);
    return rc;
}

static ktpel_err enrol_signature(enrol_run *r, ktpel_errbuf *eb)
{
    enrol_say(r, KTPEL_ENROL_SIGNATURE, "signature", 0, 0, 1,
              "Tanda tangan: penduduk menandatangani pada bantalan tanda tangan.");
    ktpel_image scan = {0}, norm = {0};
    uint8_t *pen = NULL;
    size_t pen_len = 0;
    char note[128] = "";
    ktpel_err rc = r->ops->signature(r->dev, &scan, &pen, &pen_len, eb);
    if (!rc && !pen && !scan.data)
        rc = ktpel_fail(eb, KTPEL_EINVAL, "signature: the device gave neither image nor points");
    if (!rc)
        rc = signature_normalise(&scan, pen, pen_len, &norm, note, sizeof note, eb);
    if (!rc)
        rc = enrol_add_image(r, "signature_1.png", &norm, eb);
    if (!rc && pen)
        rc = ktpel_packet_add(r->p, "signature_1.csv", pen, pen_len, eb);
    if (!rc)
        rc = enrol_capture_line(r, pen ? "signature_pad" : "signature", "signature_1.png",
                                KTPEL_ENROL_SIGNATURE, enrol_now(), -1, 1, "captured", note, eb);
    if (!rc)
        enrol_say(r, KTPEL_ENROL_SIGNATURE, "signature_done", 0, 0, 1, "Tanda tangan direkam.");
    r->signature_from_pad = pen != NULL;
    free(pen);
    ktpel_image_free(&scan);
    ktpel_image_free(&norm);
    return rc;
}

/* ---- irises -------------------------------------------------------------------------------- */

static ktpel_err iris_eye(enrol_run *r, int eye, ktpel_iris_features *f, ktpel_errbuf *eb)
{
    const int k = eye == KTPEL_IRIS_EYE_RIGHT ? 0 : 1;
    const char *side = k == 0 ? "kanan" : "kiri";
    char name[32], item[16];
    snprintf(item, sizeof item, "iris_%s", k == 0 ? "right" : "left");
    snprintf(name, sizeof name, "%s_1.png", item);
    int best = -1, attempt = 1;
    ktpel_err rc = KTPEL_OK;
    for (; !rc && attempt <= r->iris_attempts; attempt++) {
        enrol_say(r, KTPEL_ENROL_IRIS, "iris_look", 0, eye, attempt,
                  "Iris mata %s: penduduk menatap kamera iris, mata terbuka lebar (percobaan "
                  "%d/%d).",
                  side, attempt, r->iris_attempts);
        ktpel_image frame = {0};
        rc = r->ops->iris_frame(r->dev, eye, &frame, eb);
        if (!rc)
            rc = ktpel_iris_extract(&frame, f, eb);
        if (!rc && f->quality.score >= r->iris_min_quality) {
            char note[128];
            snprintf(note, sizeof note, "usable bits %.2f, iris radius %.0f px", f->quality.usable,
                     f->quality.iris_radius_px);
            rc = enrol_add_image(r, name, &frame, eb);
            if (!rc)
                rc = enrol_capture_line(r, item, name, KTPEL_ENROL_IRIS, enrol_now(),
                                        f->quality.score, attempt, "captured", note, eb);
            enrol_say(r, KTPEL_ENROL_IRIS, "iris_captured", 0, eye, attempt,
                      "Iris mata %s direkam (kualitas %d).", side, f->quality.score);
            ktpel_image_free(&frame);
            r->iris_ok[k] = true;
            r->res->irises_captured++;
            return rc;
        }
        if (!rc) {
            best = f->quality.score > best ? f->quality.score : best;
            enrol_say(r, KTPEL_ENROL_IRIS, "iris_rejected", 0, eye, attempt,
                      "Iris mata %s kurang jelas (kualitas %d, perlu %d): buka mata lebih lebar, "
                      "jangan bergerak.",
                      side, f->quality.score, r->iris_min_quality);
        }
        ktpel_image_free(&frame);
    }
    if (rc)
        return rc;
    /* An eye that gives no usable image is recorded, not a reason to stop the enrolment. */
    snprintf(r->iris_reason[k], sizeof r->iris_reason[k],
             "no image reached quality %d in %d attempts (best %d)", r->iris_min_quality,
             r->iris_attempts, best);
    return enrol_capture_line(r, item, "", KTPEL_ENROL_IRIS, enrol_now(), best, r->iris_attempts,
                              "unusable", r->iris_reason[k], eb);
}

static ktpel_err enrol_irises(enrol_run *r, ktpel_errbuf *eb)
{
    ktpel_iris_features *f = malloc(sizeof *f);
    if (!f)
        return ktpel_fail(eb, KTPEL_ENOMEM, "iris: out of memory");
    ktpel_err rc = iris_eye(r, KTPEL_IRIS_EYE_RIGHT, f, eb);
    if (!rc)
        rc = iris_eye(r, KTPEL_IRIS_EYE_LEFT, f, eb);
    free(f);
    return rc;
}

/* ---- the whole workflow --------------------------------------------------------------------- */

static int pick(int value, int fallback)
{
    return value > 0 ? value : fallback;
}

static ktpel_err check_options(const ktpel_enrol_options *o, const ktpel_enrol_device_ops *ops,
                               ktpel_errbuf *eb)
{
    if (!o || !ops || !o->nik || !o->operator_id || !o->confirm)
        return ktpel_fail(eb, KTPEL_EINVAL,
                          "enrolment: needs options with nik, operator_id and a confirm callback, "
                          "and device ops");
    if (!ops->face_frame || !ops->signature || !ops->finger || !ops->iris_frame || !ops->device_id)
        return ktpel_fail(eb, KTPEL_EINVAL, "enrolment: a device function is missing");
    for (int f = 1; f <= KTPEL_ENROL_FINGERS; f++)
        if (o->missing[f] == KTPEL_FINGER_DEVICE_FAIL)
            return ktpel_fail(eb, KTPEL_EINVAL,
                              "enrolment: finger %d declared missing for a device failure: use "
                              "amputated, bandaged or unusable",
                              f);
    if (o->photo_attempts > MAX_ATTEMPTS || o->finger_attempts > MAX_ATTEMPTS ||
        o->iris_attempts > MAX_ATTEMPTS || o->verify_attempts > MAX_ATTEMPTS)
        return ktpel_fail(eb, KTPEL_EINVAL, "enrolment: at most %d attempts per item",
                          MAX_ATTEMPTS);
    if (o->verify_fmr < 0 || o->verify_fmr > 0.1)
        return ktpel_fail(eb, KTPEL_EINVAL, "enrolment: verify_fmr %g outside 0..0.1",
                          o->verify_fmr);
    return KTPEL_OK;
}

static void init_run(enrol_run *r, const ktpel_enrol_options *o, const ktpel_enrol_device_ops *ops,
                     void *dev, ktpel_enrol_result *res)
{
    memset(r, 0, sizeof *r);
    r->opt = o;
    r->ops = ops;
    r->dev = dev;
    r->res = res;
    r->photo_attempts = pick(o->photo_attempts, DEFAULT_PHOTO_ATTEMPTS);
    r->finger_attempts = pick(o->finger_attempts, DEFAULT_FINGER_ATTEMPTS);
    r->finger_min_quality = pick(o->finger_min_quality, DEFAULT_FINGER_MIN_QUALITY);
    r->iris_attempts = pick(o->iris_attempts, DEFAULT_IRIS_ATTEMPTS);
    r->iris_min_quality = pick(o->iris_min_quality, DEFAULT_IRIS_MIN_QUALITY);
    r->verify_attempts = pick(o->verify_attempts, DEFAULT_VERIFY_ATTEMPTS);
    r->verify_fmr = o->verify_fmr > 0 ? o->verify_fmr : DEFAULT_VERIFY_FMR;
    memset(res, 0, sizeof *res);
    res->step = KTPEL_ENROL_STEP_COUNT;
}

static ktpel_err run_steps(enrol_run *r, ktpel_errbuf *eb)
{
    typedef ktpel_err (*step_fn)(enrol_run *, ktpel_errbuf *);
    static const step_fn steps[KTPEL_ENROL_STEP_COUNT] = {
        enrol_photo, enrol_signature, enrol_fingers, enrol_irises, enrol_verify, enrol_confirm};
    for (int s = 0; s < KTPEL_ENROL_STEP_COUNT; s++) {
        ktpel_err rc = steps[s](r, eb);
        if (rc) {
            r->res->step = (ktpel_enrol_step)s;
            return ktpel_fail_context(eb, "%s: ", ktpel_enrol_step_name((ktpel_enrol_step)s));
        }
    }
    return KTPEL_OK;
}

ktpel_err ktpel_enrol_capture(const ktpel_enrol_options *opt, const ktpel_enrol_device_ops *ops,
                              void *dev, ktpel_packet **out, ktpel_enrol_result *res,
                              ktpel_errbuf *eb)
{
    if (!out)
        return ktpel_fail(eb, KTPEL_EINVAL, "ktpel_enrol_capture: NULL output");
    *out = NULL;
    ktpel_err rc = check_options(opt, ops, eb);
    if (rc)
        return rc;
    ktpel_enrol_result local;
    enrol_run *r = calloc(1, sizeof *r);
    if (!r)
        return ktpel_fail(eb, KTPEL_ENOMEM, "enrolment: out of memory");
    init_run(r, opt, ops, dev, res ? res : &local);
    /* The workflow collects into a draft packet; enrol_confirm makes the final one, whose
     * metadata holds the confirmation. */
    ktpel_packet_meta meta;
    memset(&meta, 0, sizeof meta);
    snprintf(meta.operator_id, sizeof meta.operator_id, "%s", opt->operator_id);
    rc = ktpel_packet_new(&meta, &r->p, eb);
    if (!rc && (rc = check_record(r, eb)))
        r->res->step = KTPEL_ENROL_PHOTO;
    if (!rc)
        rc = run_steps(r, eb);
    if (!rc) {
        *out = r->p;
        r->p = NULL;
    }
    ktpel_packet_free(r->p);
    for (int f = 0; f <= KTPEL_ENROL_FINGERS; f++)
        free(r->features[f]);
    free(r);
    return rc;
}
