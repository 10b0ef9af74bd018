/* The fingerprint quality gate of the enrolment station (include/ktpel/scanner.h): capture,
 * score with the engine's quality, retry, or record why the finger has no image. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ktpel/fp_extract.h"
#include "ktpel/scanner.h"

#define DEFAULT_MIN_QUALITY  40
#define DEFAULT_MAX_ATTEMPTS 3

const char *ktpel_finger_absence_name(ktpel_finger_absence a)
{
    switch (a) {
    case KTPEL_FINGER_CAPTURED:
        return "captured";
    case KTPEL_FINGER_AMPUTATED:
        return "amputated";
    case KTPEL_FINGER_BANDAGED:
        return "bandaged";
    case KTPEL_FINGER_UNUSABLE:
        return "unusable";
    case KTPEL_FINGER_DEVICE_FAIL:
        return "device_failure";
    }
    return "unknown";
}

/* Quality of an image by the engine's measure; -1 with eb filled on failure. */
static int image_quality(const ktpel_image *img, ktpel_errbuf *eb)
{
    ktpel_fp_features *f = malloc(sizeof *f);
    if (!f) {
        ktpel_fail(eb, KTPEL_ENOMEM, "quality gate: out of memory");
        return -1;
    }
    ktpel_fp_extract_options xo = {.default_dpi = img->dpi};
    int q = ktpel_fp_extract(img, &xo, f, eb) == KTPEL_OK ? f->quality : -1;
    free(f);
    return q;
}

static ktpel_finger_absence absence_of(ktpel_gate_decision d)
{
    switch (d) {
    case KTPEL_GATE_AMPUTATED:
        return KTPEL_FINGER_AMPUTATED;
    case KTPEL_GATE_BANDAGED:
        return KTPEL_FINGER_BANDAGED;
    default:
        return KTPEL_FINGER_UNUSABLE;
    }
}

static void set_reason(ktpel_gate_result *res, ktpel_finger_absence a, const char *detail)
{
    res->outcome = a;
    snprintf(res->reason, sizeof res->reason, "%s: %.200s", ktpel_finger_absence_name(a), detail);
}

/* One attempt: capture and score. Returns the capture's error (KTPEL_OK with *quality set). */
static ktpel_err attempt(ktpel_scanner *s, int timeout_ms, ktpel_image *img, bool *from_device,
                         int *quality, ktpel_errbuf *eb)
{
    ktpel_scanner_image_info info = {0};
    *quality = -1;
    ktpel_err err = ktpel_scanner_capture(s, timeout_ms, img, &info, eb);
    if (err != KTPEL_OK)
        return err;
    *from_device = info.dpi_from_device;
    *quality = image_quality(img, eb);
    if (*quality < 0) {
        ktpel_image_free(img);
        return eb ? eb->code : KTPEL_EINTERNAL;
    }
    return KTPEL_OK;
}

ktpel_err ktpel_scanner_capture_gated(ktpel_scanner *s, const ktpel_gate_options *opt,
                                      ktpel_gate_result *res, ktpel_errbuf *eb)
{
    if (!s || !res)
        return ktpel_fail(eb, KTPEL_EINVAL, "ktpel_scanner_capture_gated: NULL argument");
    memset(res, 0, sizeof *res);
    res->quality = -1;
    ktpel_gate_options o = opt ? *opt : (ktpel_gate_options){0};
    if (o.min_quality <= 0)
        o.min_quality = DEFAULT_MIN_QUALITY;
    if (o.max_attempts <= 0)
        o.max_attempts = DEFAULT_MAX_ATTEMPTS;

    ktpel_errbuf local;
    for (int n = 1; n <= o.max_attempts; n++) {
        res->attempts = n;
        ktpel_image img = {0};
        bool from_device = false;
        int q = -1;
        ktpel_errbuf_clear(&local);
        ktpel_err err = attempt(s, o.timeout_ms, &img, &from_device, &q, &local);
        if (err == KTPEL_ECANCELLED || err == KTPEL_EIO || err == KTPEL_ENOMEM ||
            err == KTPEL_EINVAL) {
            if (err == KTPEL_EIO)
                set_reason(res, KTPEL_FINGER_DEVICE_FAIL, ktpel_errbuf_message(&local));
            if (eb)
                *eb = local;
            return err;
        }
        if (q > res->quality)
            res->quality = q;
        if (err == KTPEL_OK && q >= o.min_quality) {
            res->outcome = KTPEL_FINGER_CAPTURED;
            res->quality = q;
            res->image = img;
            res->dpi_from_device = from_device;
            return KTPEL_OK;
        }
        ktpel_image_free(&img);

        char why[300];
        if (err == KTPEL_OK)
            snprintf(why, sizeof why, "quality %d below the required %d", q, o.min_quality);
        else
            snprintf(why, sizeof why, "%s", ktpel_errbuf_message(&local));
        ktpel_gate_event ev = {.attempt = n,
                               .max_attempts = o.max_attempts,
                               .quality = q,
                               .min_quality = o.min_quality,
                               .capture_error = err,
                               .message = why};
        ktpel_gate_decision d = o.on_reject ? o.on_reject(o.user, &ev) : KTPEL_GATE_RETRY;
        if (d == KTPEL_GATE_ABORT)
            return ktpel_fail(eb, KTPEL_ECANCELLED, "finger capture stopped by the operator");
        if (d != KTPEL_GATE_RETRY) {
            char detail[360];
            snprintf(detail, sizeof detail, "recorded by the operator after %d attempt%s", n,
                     n == 1 ? "" : "s");
            set_reason(res, absence_of(d), detail);
            return KTPEL_OK;
        }
        if (n == o.max_attempts) {
            char detail[360];
            snprintf(detail, sizeof detail, "no usable image in %d attempts (last: %.200s)", n,
                     why);
            set_reason(res, KTPEL_FINGER_UNUSABLE, detail);
        }
    }
    return KTPEL_OK;
}
