/* The ten fingers through the quality gate, their ISO/IEC 19794-2 record, and the
 * re-verification of the index fingers (include/ktpel/enrol.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enrol_internal.h"
#include "ktpel/fp_match.h"
#include "ktpel/fp_template.h"

/* One rejected attempt: asks the operator (or retries up to the limit). */
static ktpel_gate_decision finger_decision(enrol_run *r, int pos, int attempt, int quality,
                                           ktpel_err capture_error, const char *why,
                                           bool *automatic)
{
    ktpel_gate_event ev = {
        attempt, r->finger_attempts, quality, r->finger_min_quality, capture_error, why};
    enrol_say(r, KTPEL_ENROL_FINGERS_STEP, "finger_rejected", pos, 0, attempt,
              "%s ditolak: %s. Bersihkan jari dan pemindai, ulangi.", ktpel_enrol_finger_name(pos),
              why);
    ktpel_gate_decision d = r->opt->finger_rejected
                                ? r->opt->finger_rejected(r->opt->user, pos, &ev)
                                : KTPEL_GATE_RETRY;
    /* The limit: the finger is recorded as unusable, whoever asked for another try. */
    if (d == KTPEL_GATE_RETRY && attempt >= r->finger_attempts) {
        d = KTPEL_GATE_UNUSABLE;
        *automatic = true;
    }
    return d;
}

/* Keeps an accepted finger: its image as finger_NN_1.png, its features for the template and
 * the verification. */
static ktpel_err keep_finger(enrol_run *r, int pos, const ktpel_image *img, ktpel_fp_features *f,
                             int attempt, ktpel_errbuf *eb)
{
    if (r->finger_width == 0) {
        r->finger_width = f->width;
        r->finger_height = f->height;
        r->finger_dpi = f->dpi;
    } else if (f->width != r->finger_width || f->height != r->finger_height ||
               f->dpi != r->finger_dpi) {
        return ktpel_fail(eb, KTPEL_EFORMAT,
                          "finger %d: image of %dx%d px at %d dpi, the fingers before were %dx%d "
                          "at %d dpi (all ten must come from one scanner)",
                          pos, f->width, f->height, f->dpi, r->finger_width, r->finger_height,
                          r->finger_dpi);
    }
    char name[32], item[16];
    snprintf(name, sizeof name, "finger_%02d_1.png", pos);
    snprintf(item, sizeof item, "finger_%02d", pos);
    ktpel_err rc = enrol_add_image(r, name, img, eb);
    char note[64];
    snprintf(note, sizeof note, "%d minutiae", f->count);
    if (!rc)
        rc = enrol_capture_line(r, item, name, KTPEL_ENROL_FINGERS_STEP, enrol_now(), f->quality,
                                attempt, "captured", note, eb);
    if (rc)
        return rc;
    r->features[pos] = malloc(sizeof *f);
    if (!r->features[pos])
        return ktpel_fail(eb, KTPEL_ENOMEM, "finger %d: out of memory", pos);
    memcpy(r->features[pos], f, sizeof *f);
    r->outcome[pos] = KTPEL_FINGER_CAPTURED;
    r->res->fingers_captured++;
    enrol_say(r, KTPEL_ENROL_FINGERS_STEP, "finger_captured", pos, 0, attempt,
              "%s direkam (kualitas %d).", ktpel_enrol_finger_name(pos), f->quality);
    return KTPEL_OK;
}

/* Records a finger without image, with its reason. */
static ktpel_err finger_absent(enrol_run *r, int pos, ktpel_finger_absence why, int attempts,
                               int best, const char *reason, ktpel_errbuf *eb)
{
    char item[16];
    snprintf(item, sizeof item, "finger_%02d", pos);
    r->outcome[pos] = why;
    snprintf(r->reason[pos], sizeof r->reason[pos], "%s", reason);
    enrol_say(r, KTPEL_ENROL_FINGERS_STEP, "finger_skipped", pos, 0, attempts,
              "%s tidak direkam (%s).", ktpel_enrol_finger_name(pos),
              ktpel_finger_absence_name(why));
    return enrol_capture_line(r, item, "", KTPEL_ENROL_FINGERS_STEP, enrol_now(), best, attempts,
                              ktpel_finger_absence_name(why), reason, eb);
}

/* One finger: capture, measure, accept or ask; at most finger_attempts times. */
static ktpel_err capture_finger(enrol_run *r, int pos, ktpel_fp_features *f, ktpel_errbuf *eb)
{
    int best = -1;
    for (int attempt = 1;; attempt++) {
        enrol_say(r, KTPEL_ENROL_FINGERS_STEP, "finger_place", pos, 0, attempt,
                  "Letakkan %s pada pemindai (percobaan %d/%d).", ktpel_enrol_finger_name(pos),
                  attempt, r->finger_attempts);
        ktpel_image img = {0};
        ktpel_err rc = r->ops->finger(r->dev, pos, false, &img, eb);
        char why[300];
        int quality = -1;
        if (rc == KTPEL_EAGAIN || rc == KTPEL_ETIMEOUT) {
            snprintf(why, sizeof why, "%s", ktpel_errbuf_message(eb));
        } else if (rc) {
            return ktpel_fail_context(eb, "finger %d: ", pos);
        } else if ((rc = ktpel_fp_extract(&img, NULL, f, eb)) != KTPEL_OK) {
            ktpel_image_free(&img);
            return ktpel_fail_context(eb, "finger %d: ", pos);
        } else if (f->quality >= r->finger_min_quality) {
            rc = keep_finger(r, pos, &img, f, attempt, eb);
            ktpel_image_free(&img);
            return rc;
        } else {
            quality = f->quality;
            best = quality > best ? quality : best;
            snprintf(why, sizeof why, "kualitas %d di bawah %d", quality, r->finger_min_quality);
        }
        ktpel_image_free(&img);
        bool automatic = false;
        ktpel_gate_decision d = finger_decision(r, pos, attempt, quality, rc, why, &automatic);
        if (d == KTPEL_GATE_RETRY)
            continue;
        if (d == KTPEL_GATE_ABORT)
            return ktpel_fail(eb, KTPEL_ECANCELLED, "finger %d: the operator aborted the enrolment",
                              pos);
        ktpel_finger_absence a = d == KTPEL_GATE_AMPUTATED  ? KTPEL_FINGER_AMPUTATED
                                 : d == KTPEL_GATE_BANDAGED ? KTPEL_FINGER_BANDAGED
                                                            : KTPEL_FINGER_UNUSABLE;
        char reason[160];
        if (automatic)
            snprintf(reason, sizeof reason, "no usable image in %d attempts (best quality %d)",
                     attempt, best);
        else
            snprintf(reason, sizeof reason, "%s: recorded by the operator after %d attempt%s",
                     ktpel_finger_absence_name(a), attempt, attempt == 1 ? "" : "s");
        return finger_absent(r, pos, a, attempt, best, reason, eb);
    }
}

/* fingers_1.iso: one view per captured finger, in position order. */
static ktpel_err add_template(enrol_run *r, ktpel_errbuf *eb)
{
    if (r->res->fingers_captured == 0)
        return KTPEL_OK; /* nothing to extract: every finger is recorded with its reason */
    ktpel_fp_template *t = malloc(sizeof *t);
    if (!t)
        return ktpel_fail(eb, KTPEL_ENOMEM, "finger template: out of memory");
    ktpel_err rc =
        ktpel_fp_template_init(t, r->finger_width, r->finger_height, r->finger_dpi, NULL, 0, eb);
    t->view_count = 0;
    for (int pos = 1; !rc && pos <= KTPEL_ENROL_FINGERS; pos++) {
        const ktpel_fp_features *f = r->features[pos];
        if (!f)
            continue;
        ktpel_fp_view *v = &t->views[t->view_count++];
        memset(v, 0, sizeof *v);
        v->position = (uint8_t)pos;
        v->impression = KTPEL_FP_IMPRESSION_LIVE_PLAIN;
        v->quality = (uint8_t)f->quality;
        v->count = f->count;
        memcpy(v->minutiae, f->minutiae, (size_t)f->count * sizeof *f->minutiae);
    }
    uint8_t *iso = NULL;
    size_t len = 0;
    if (!rc)
        rc = ktpel_iso19794_2_write(t, &iso, &len, eb);
    if (!rc)
        rc = ktpel_packet_add(r->p, "fingers_1.iso", iso, len, eb);
    free(iso);
    free(t);
    return rc;
}

ktpel_err enrol_fingers(enrol_run *r, ktpel_errbuf *eb)
{
    ktpel_fp_features *f = malloc(sizeof *f);
    if (!f)
        return ktpel_fail(eb, KTPEL_ENOMEM, "fingers: out of memory");
    ktpel_err rc = KTPEL_OK;
    for (int pos = 1; !rc && pos <= KTPEL_ENROL_FINGERS; pos++) {
        ktpel_finger_absence declared = r->opt->missing[pos];
        if (declared != KTPEL_FINGER_CAPTURED) {
            char reason[160];
            snprintf(reason, sizeof reason, "%s: declared by the operator before capture",
                     ktpel_finger_absence_name(declared));
            rc = finger_absent(r, pos, declared, 0, -1, reason, eb);
        } else {
            rc = capture_finger(r, pos, f, eb);
        }
    }
    free(f);
    if (!rc)
        rc = add_template(r, eb);
    return rc;
}

/* ---- verification --------------------------------------------------------------------------- */

/* The finger of each hand that is verified: the index finger, or when it was not captured the
 * next one that was (middle, thumb, ring, little). */
static int verify_finger_of(const enrol_run *r, int hand)
{
    static const int order[2][5] = {{2, 3, 1, 4, 5}, {7, 8, 6, 9, 10}};
    for (int i = 0; i < 5; i++)
        if (r->features[order[hand][i]])
            return order[hand][i];
    return 0;
}

static ktpel_err compact_of(const ktpel_fp_features *f, ktpel_fp_compact **out, ktpel_errbuf *eb)
{
    return ktpel_fp_compact_build(f->minutiae, f->count, f->width, f->height, f->dpi, f->dpi, out,
                                  eb);
}

/* One re-capture compared with the stored finger; *matched, *score set. */
static ktpel_err verify_attempt(enrol_run *r, int pos, int attempt, const ktpel_fp_compact *stored,
                                ktpel_fp_workspace *ws, ktpel_fp_features *f, float threshold,
                                bool *matched, float *score, ktpel_errbuf *eb)
{
    *matched = false;
    *score = 0;
    const char *name_id = ktpel_enrol_finger_name(pos);
    enrol_say(r, KTPEL_ENROL_VERIFY, "verify_place", pos, 0, attempt,
              "Verifikasi: letakkan lagi %s pada pemindai (percobaan %d/%d).", name_id, attempt,
              r->verify_attempts);
    ktpel_image img = {0};
    ktpel_err rc = r->ops->finger(r->dev, pos, true, &img, eb);
    if (rc == KTPEL_EAGAIN || rc == KTPEL_ETIMEOUT) {
        enrol_say(r, KTPEL_ENROL_VERIFY, "verify_mismatch", pos, 0, attempt,
                  "%s tidak terbaca: %s. Ulangi.", name_id, ktpel_errbuf_message(eb));
        ktpel_errbuf_clear(eb);
        return KTPEL_OK;
    }
    if (rc)
        return ktpel_fail_context(eb, "finger %d: ", pos);
    ktpel_fp_compact *probe = NULL;
    rc = ktpel_fp_extract(&img, NULL, f, eb);
    if (!rc)
        rc = compact_of(f, &probe, eb);
    if (!rc) {
        *score = ktpel_fp_compare(stored, probe, ws);
        *matched = *score >= threshold;
    }
    char name[40], item[24], note[128];
    snprintf(name, sizeof name, "verify_finger_%02d_%d.png", pos, attempt);
    snprintf(item, sizeof item, "verify_finger_%02d", pos);
    snprintf(note, sizeof note, "score %.4f %s threshold %.4f (FMR %g) against finger_%02d_1.png",
             *score, *matched ? ">=" : "<", threshold, r->verify_fmr, pos);
    if (!rc)
        rc = enrol_add_image(r, name, &img, eb);
    if (!rc)
        rc = enrol_capture_line(r, item, name, KTPEL_ENROL_VERIFY, enrol_now(), f->quality, attempt,
                                *matched ? "match" : "mismatch", note, eb);
    if (!rc && *matched)
        enrol_say(r, KTPEL_ENROL_VERIFY, "verify_match", pos, 0, attempt,
                  "%s cocok dengan rekaman (skor %.3f).", name_id, *score);
    else if (!rc)
        enrol_say(r, KTPEL_ENROL_VERIFY, "verify_mismatch", pos, 0, attempt,
                  "%s TIDAK cocok dengan rekaman (skor %.3f, perlu %.3f). Pastikan jari yang "
                  "benar, ulangi.",
                  name_id, *score, threshold);
    ktpel_fp_compact_free(probe);
    ktpel_image_free(&img);
    return rc;
}

static ktpel_err verify_hand(enrol_run *r, int hand, ktpel_fp_workspace *ws, ktpel_fp_features *f,
                             float threshold, ktpel_errbuf *eb)
{
    int pos = verify_finger_of(r, hand);
    if (pos == 0) {
        const char *item = hand == 0 ? "verify_right_hand" : "verify_left_hand";
        enrol_say(r, KTPEL_ENROL_VERIFY, "verify_skipped", 0, 0, 0,
                  "Verifikasi tangan %s dilewati: tidak ada jari yang direkam.",
                  hand == 0 ? "kanan" : "kiri");
        return enrol_capture_line(r, item, "", KTPEL_ENROL_VERIFY, enrol_now(), -1, 0, "skipped",
                                  "no finger of this hand was captured", eb);
    }
    ktpel_fp_compact *stored = NULL;
    ktpel_err rc = compact_of(r->features[pos], &stored, eb);
    bool matched = false;
    float score = 0;
    int attempt = 1;
    for (; !rc && !matched && attempt <= r->verify_attempts; attempt++)
        rc = verify_attempt(r, pos, attempt, stored, ws, f, threshold, &matched, &score, eb);
    ktpel_fp_compact_free(stored);
    if (rc)
        return rc;
    if (!matched)
        return ktpel_fail(eb, KTPEL_EREQUIREMENT,
                          "%s (finger %d) did not match its stored image in %d re-captures: "
                          "check that the right fingers were recorded, and record the fingers "
                          "again",
                          ktpel_enrol_finger_name(pos), pos, r->verify_attempts);
    r->res->verify_position[hand] = pos;
    r->res->verify_attempts[hand] = attempt - 1;
    r->res->verify_score[hand] = score;
    return KTPEL_OK;
}

ktpel_err enrol_verify(enrol_run *r, ktpel_errbuf *eb)
{
    float threshold = ktpel_fp_threshold_for_fmr(r->verify_fmr);
    r->res->verify_threshold = threshold;
    ktpel_fp_workspace *ws = NULL;
    ktpel_fp_features *f = malloc(sizeof *f);
    ktpel_err rc =
        f ? ktpel_fp_workspace_new(&ws, eb) : ktpel_fail(eb, KTPEL_ENOMEM, "verify: out of memory");
    for (int hand = 0; !rc && hand < 2; hand++)
        rc = verify_hand(r, hand, ws, f, threshold, eb);
    ktpel_fp_workspace_free(ws);
    free(f);
    return rc;
}
