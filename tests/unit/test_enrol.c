/* The operator's workflow (include/ktpel/enrol.h) on a fake device layer that serves a
 * synthetic resident's images from fixtures/population (E000003, with E000004's fresh
 * captures of the same person's fingers as the re-captures): the order of the steps and of
 * the fingers, the quality gate (retry, limit, the operator's decision, declared missing
 * fingers), the verification (mismatch then match, fallback finger, failure at the limit),
 * the photo retry and limit, the confirmation, the record check and a scanner failure. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ktpel/enrol.h"
#include "ktpel/fp_template.h"
#include "ktpel/iris.h"
#include "testutil.h"

#define MAX_CALLS 64

typedef struct fake {
    /* Images, decoded once. */
    ktpel_image face, blank_rgb, sig, finger[11], recapture[11], blank_grey, iris[2];
    /* Behaviour. */
    int bad_faces;                /* blank frames before the face */
    int blank_finger;             /* this finger always gives a blank image */
    int again_first;              /* this finger's first capture is a bad scan (EAGAIN) */
    int unplug_finger;            /* this finger's capture fails with EIO */
    int wrong_verify;             /* re-captures of the verified fingers that are another finger */
    bool decline;                 /* the resident does not confirm */
    ktpel_gate_decision on_blank; /* the operator's answer for the blank finger (RETRY = none) */
    /* What happened. */
    int faces, enrol_calls[11], verify_calls[11], irises;
    int order[MAX_CALLS], n_order; /* positions asked for, enrolment then verification (+100) */
    char codes[4096];              /* prompt codes, space separated */
    char summary[4096];
} fake;

static fake F;
static const char *E3, *E4;

static void load(const char *dir, const char *name, ktpel_image_mode mode, ktpel_image *img)
{
    char path[8500];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    ktpel_errbuf eb;
    ktpel_err rc = ktpel_image_read(path, mode, 500, img, &eb);
    if (rc)
        fail_msg("%s", ktpel_errbuf_message(&eb));
}

static int setup_group(void **state)
{
    (void)state;
    static char e3[4200], e4[4200];
    const char *fx = getenv("KTPEL_FIXTURES");
    snprintf(e3, sizeof e3, "%s/population/E000003", fx ? fx : "fixtures");
    snprintf(e4, sizeof e4, "%s/population/E000004", fx ? fx : "fixtures");
    E3 = e3;
    E4 = e4;
    memset(&F, 0, sizeof F);
    load(E3, "face_1.jpg", KTPEL_IMAGE_RGB, &F.face);
    load(E3, "signature_1.png", KTPEL_IMAGE_GREY, &F.sig);
    load(E3, "iris_right_1.png", KTPEL_IMAGE_GREY, &F.iris[0]);
    load(E3, "iris_left_1.png", KTPEL_IMAGE_GREY, &F.iris[1]);
    for (int p = 1; p <= 10; p++) {
        char name[32];
        snprintf(name, sizeof name, "finger_%02d_1.png", p);
        load(E3, name, KTPEL_IMAGE_GREY, &F.finger[p]);
        load(E4, name, KTPEL_IMAGE_GREY, &F.recapture[p]);
    }
    ktpel_errbuf eb;
    assert_int_equal(ktpel_image_alloc(&F.blank_grey, 300, 300, 1, 500, &eb), KTPEL_OK);
    memset(F.blank_grey.data, 200, 300 * 300);
    assert_int_equal(ktpel_image_alloc(&F.blank_rgb, 354, 472, 3, 300, &eb), KTPEL_OK);
    memset(F.blank_rgb.data, 90, 354 * 472 * 3);
    return 0;
}

static int teardown_group(void **state)
{
    (void)state;
    ktpel_image *all[] = {&F.face, &F.blank_rgb, &F.sig, &F.blank_grey, &F.iris[0], &F.iris[1]};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        ktpel_image_free(all[i]);
    for (int p = 1; p <= 10; p++) {
        ktpel_image_free(&F.finger[p]);
        ktpel_image_free(&F.recapture[p]);
    }
    return 0;
}

/* Resets the behaviour and the log, keeping the images. */
static void reset(void)
{
    fake keep = F;
    memset(&F, 0, sizeof F);
    F.face = keep.face;
    F.blank_rgb = keep.blank_rgb;
    F.sig = keep.sig;
    F.blank_grey = keep.blank_grey;
    F.iris[0] = keep.iris[0];
    F.iris[1] = keep.iris[1];
    memcpy(F.finger, keep.finger, sizeof F.finger);
    memcpy(F.recapture, keep.recapture, sizeof F.recapture);
}

/* ---- the fake devices ---------------------------------------------------------------------- */

static ktpel_err fk_face(void *dev, ktpel_image *out, ktpel_errbuf *eb)
{
    fake *f = dev;
    f->faces++;
    return ktpel_image_copy(f->faces <= f->bad_faces ? &f->blank_rgb : &f->face, out, eb);
}

static ktpel_err fk_signature(void *dev, ktpel_image *scan, uint8_t **pen, size_t *pen_len,
                              ktpel_errbuf *eb)
{
    fake *f = dev;
    *pen = NULL;
    *pen_len = 0;
    return ktpel_image_copy(&f->sig, scan, eb);
}

static ktpel_err fk_finger(void *dev, int pos, bool verify, ktpel_image *out, ktpel_errbuf *eb)
{
    fake *f = dev;
    if (f->n_order < MAX_CALLS)
        f->order[f->n_order++] = pos + (verify ? 100 : 0);
    if (pos == f->unplug_finger)
        return ktpel_fail(eb, KTPEL_EIO, "scanner fake was unplugged during the capture");
    if (verify) {
        int n = ++f->verify_calls[pos];
        /* A wrong finger (the thumb of the same hand) for the first wrong_verify re-captures. */
        int other = pos <= 5 ? 1 : 6;
        return ktpel_image_copy(n <= f->wrong_verify ? &f->finger[other] : &f->recapture[pos], out,
                                eb);
    }
    int n = ++f->enrol_calls[pos];
    if (pos == f->again_first && n == 1)
        return ktpel_fail(eb, KTPEL_EAGAIN, "scan too short, swipe again");
    return ktpel_image_copy(pos == f->blank_finger ? &f->blank_grey : &f->finger[pos], out, eb);
}

static ktpel_err fk_iris(void *dev, int eye, ktpel_image *out, ktpel_errbuf *eb)
{
    fake *f = dev;
    f->irises++;
    return ktpel_image_copy(&f->iris[eye == KTPEL_IRIS_EYE_RIGHT ? 0 : 1], out, eb);
}

static const char *fk_id(void *dev, ktpel_enrol_step step)
{
    (void)dev;
    return step == KTPEL_ENROL_FINGERS_STEP || step == KTPEL_ENROL_VERIFY ? "fake:scanner" : "fake";
}

static const ktpel_enrol_device_ops fake_ops = {fk_face, fk_signature, fk_finger, fk_iris, fk_id};

/* ---- the operator --------------------------------------------------------------------------- */

static void on_prompt(void *user, const ktpel_enrol_prompt *p)
{
    fake *f = user;
    size_t n = strlen(f->codes);
    snprintf(f->codes + n, sizeof f->codes - n, "%s%s", n ? " " : "", p->code);
    assert_non_null(p->message);
    assert_true(strlen(p->message) > 0);
}

static ktpel_gate_decision on_rejected(void *user, int position, const ktpel_gate_event *ev)
{
    fake *f = user;
    assert_true(ev->attempt >= 1 && ev->attempt <= ev->max_attempts);
    if (position == f->blank_finger)
        return f->on_blank;
    return KTPEL_GATE_RETRY;
}

static bool on_confirm(void *user, const char *summary)
{
    fake *f = user;
    snprintf(f->summary, sizeof f->summary, "%s", summary);
    return !f->decline;
}

static uint8_t *record_bytes(size_t *len)
{
    char path[4300];
    snprintf(path, sizeof path, "%s/record.txt", E3);
    uint8_t *rec = ktpel_test_read_file(path, len);
    assert_non_null(rec);
    return rec;
}

static void nik_of(const uint8_t *rec, size_t len, char nik[17])
{
    const char *p = strstr((const char *)rec, "\nnik: ");
    assert_non_null(p);
    assert_true((size_t)(p - (const char *)rec) + 22 <= len);
    memcpy(nik, p + 6, 16);
    nik[16] = 0;
}

static ktpel_err run(ktpel_enrol_options *o, ktpel_packet **p, ktpel_enrol_result *res,
                     ktpel_errbuf *eb)
{
    size_t len = 0;
    uint8_t *rec = record_bytes(&len);
    char nik[17];
    nik_of(rec, len, nik);
    if (!o->nik)
        o->nik = nik;
    o->record = rec;
    o->record_len = len;
    o->operator_id = "OP-TEST";
    o->prompt = on_prompt;
    o->confirm = on_confirm;
    o->user = &F;
    if (!o->finger_rejected)
        o->finger_rejected = on_rejected;
    ktpel_err rc = ktpel_enrol_capture(o, &fake_ops, &F, p, res, eb);
    o->nik = NULL;
    free(rec);
    return rc;
}

static const ktpel_packet_capture *line_of(const ktpel_packet *p, const char *item, int attempts)
{
    for (size_t i = 0; i < ktpel_packet_capture_count(p); i++) {
        const ktpel_packet_capture *c = ktpel_packet_capture_at(p, i);
        if (strcmp(c->item, item) == 0 && (attempts < 0 || c->attempts == attempts))
            return c;
    }
    return NULL;
}

static void iso_positions(const ktpel_packet *p, int *positions, int *count)
{
    size_t len = 0;
    const uint8_t *iso = ktpel_packet_find(p, "fingers_1.iso", &len);
    *count = 0;
    if (!iso)
        return;
    ktpel_fp_template *t = malloc(sizeof *t);
    ktpel_errbuf eb;
    assert_int_equal(ktpel_iso19794_2_read(iso, len, t, &eb), KTPEL_OK);
    for (int v = 0; v < t->view_count; v++)
        positions[(*count)++] = t->views[v].position;
    free(t);
}

/* Seals p with a throw-away PKI into a temporary spool (ktpel_enrol_seal) and opens it. */
static void seal_and_open(ktpel_packet *p, ktpel_enrol_result *res)
{
    ktpel_errbuf eb;
    int64_t now = (int64_t)time(NULL);
    ktpel_pki_cert *ca = NULL, *st = NULL, *dc = NULL;
    ktpel_pki_key *ca_key = NULL, *st_key = NULL, *dc_key = NULL;
    ktpel_pki_issue_request req = {
        KTPEL_PKI_ROLE_CA, "test CA", now - 3600, now + 86400, NULL, NULL, NULL};
    assert_int_equal(ktpel_pki_issue(&req, &ca, &ca_key, &eb), KTPEL_OK);
    req = (ktpel_pki_issue_request){
        KTPEL_PKI_ROLE_STATION, "ST-TEST", now - 3600, now + 86400, ca, ca_key, NULL};
    assert_int_equal(ktpel_pki_issue(&req, &st, &st_key, &eb), KTPEL_OK);
    req.role = KTPEL_PKI_ROLE_DATACENTER;
    req.common_name = "DC";
    assert_int_equal(ktpel_pki_issue(&req, &dc, &dc_key, &eb), KTPEL_OK);
    char *spool = ktpel_test_tmpdir();
    ktpel_err rc = ktpel_enrol_seal(p, st, st_key, dc, spool, res, &eb);
    if (rc)
        fail_msg("seal: %s", ktpel_errbuf_message(&eb));
    assert_int_equal(strlen(res->packet_id), 32);
    assert_non_null(strstr(res->path, res->packet_id));
    ktpel_pki_trust *trust = NULL;
    assert_int_equal(ktpel_pki_trust_new(&trust, &eb), KTPEL_OK);
    assert_int_equal(ktpel_pki_trust_add(trust, ca, &eb), KTPEL_OK);
    ktpel_packet_open_options opt = {trust, dc, dc_key, now, 3600, NULL, NULL};
    ktpel_packet *back = NULL;
    rc = ktpel_packet_open_file(res->path, &opt, &back, NULL, &eb);
    if (rc)
        fail_msg("open: %s", ktpel_errbuf_message(&eb));
    assert_int_equal(ktpel_packet_entry_count(back), ktpel_packet_entry_count(p));
    assert_int_equal(ktpel_packet_capture_count(back), ktpel_packet_capture_count(p));
    assert_string_equal(ktpel_packet_get_meta(back)->station_id, "ST-TEST");
    ktpel_packet_free(back);
    ktpel_pki_trust_free(trust);
    ktpel_test_rmtree(spool);
    free(spool);
    ktpel_pki_cert_free(ca);
    ktpel_pki_cert_free(st);
    ktpel_pki_cert_free(dc);
    ktpel_pki_key_free(ca_key);
    ktpel_pki_key_free(st_key);
    ktpel_pki_key_free(dc_key);
}

/* ---- tests ---------------------------------------------------------------------------------- */

/* Every step in order; ten fingers right thumb .. left little; the index fingers verified;
 * a first photo frame rejected; the packet holds every entry and line. */
static void test_full_workflow(void **state)
{
    (void)state;
    reset();
    F.bad_faces = 1;
    ktpel_enrol_options o;
    memset(&o, 0, sizeof o);
    ktpel_packet *p = NULL;
    ktpel_enrol_result res;
    ktpel_errbuf eb;
    ktpel_err rc = run(&o, &p, &res, &eb);
    if (rc)
        fail_msg("%s", ktpel_errbuf_message(&eb));
    /* Finger order: 1..10, then the re-captures of 2 and 7. */
    int want[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 102, 107};
    assert_int_equal(F.n_order, 12);
    assert_memory_equal(F.order, want, sizeof want);
    assert_int_equal(F.faces, 2);
    assert_int_equal(F.irises, 2);
    assert_int_equal(res.fingers_captured, 10);
    assert_int_equal(res.irises_captured, 2);
    assert_int_equal(res.verify_position[0], 2);
    assert_int_equal(res.verify_position[1], 7);
    assert_int_equal(res.verify_attempts[0], 1);
    assert_true(res.verify_score[0] >= res.verify_threshold);
    /* The steps' order, seen in the prompts. */
    const char *seq[] = {"photo_take",   "photo_rejected", "photo_take", "photo_accepted",
                         "signature",    "finger_place",   "iris_look",  "verify_place",
                         "verify_match", "confirm",        "confirmed"};
    const char *at = F.codes;
    for (size_t i = 0; i < sizeof seq / sizeof seq[0]; i++) {
        const char *hit = strstr(at, seq[i]);
        if (!hit)
            fail_msg("prompt %s missing after ...%s", seq[i], at);
        at = hit;
    }
    /* Packet: entries, capture lines, the confirmation. */
    const char *entries[] = {"record.txt",
                             "face_1.jpg",
                             "signature_1.png",
                             "finger_01_1.png",
                             "finger_10_1.png",
                             "fingers_1.iso",
                             "iris_right_1.png",
                             "iris_left_1.png",
                             "verify_finger_02_1.png",
                             "verify_finger_07_1.png",
                             "confirmation.txt"};
    for (size_t i = 0; i < sizeof entries / sizeof entries[0]; i++)
        if (!ktpel_packet_find(p, entries[i], NULL))
            fail_msg("entry %s missing", entries[i]);
    assert_null(ktpel_packet_find(p, "signature_1.csv", NULL)); /* a scan, not a pad */
    int pos[16], n = 0;
    iso_positions(p, pos, &n);
    assert_int_equal(n, 10);
    for (int i = 0; i < 10; i++)
        assert_int_equal(pos[i], i + 1);
    const ktpel_packet_capture *face = line_of(p, "face", -1);
    assert_non_null(face);
    assert_int_equal(face->attempts, 2);
    assert_non_null(strstr(face->note, "no_face"));
    const ktpel_packet_capture *f2 = line_of(p, "finger_02", -1);
    assert_non_null(f2);
    assert_string_equal(f2->status, "captured");
    assert_string_equal(f2->device, "fake:scanner");
    assert_true(f2->quality >= 40);
    assert_string_equal(line_of(p, "verify_finger_07", 1)->status, "match");
    assert_string_equal(line_of(p, "confirmation", -1)->status, "confirmed");
    const ktpel_packet_meta *m = ktpel_packet_get_meta(p);
    assert_true(m->resident_confirmed);
    assert_true(m->confirmed_at > 0);
    assert_string_equal(m->operator_id, "OP-TEST");
    assert_non_null(strstr(F.summary, "10 dari 10 direkam"));
    size_t clen = 0;
    const uint8_t *conf = ktpel_packet_find(p, "confirmation.txt", &clen);
    char *ctext = strndup((const char *)conf, clen);
    assert_non_null(strstr(ctext, "confirmed: yes\n"));
    assert_non_null(strstr(ctext, "entry: finger_02_1.png "));
    free(ctext);
    seal_and_open(p, &res);
    ktpel_packet_free(p);
}

/* The quality gate: a bad scan retried, a finger without ridges retried to the limit and
 * recorded unusable, a finger the operator records as bandaged, a finger declared amputated
 * before capture (never asked for); with the right index finger missing the middle finger
 * is verified, after one wrong re-capture. */
static void test_gate_missing_and_fallback(void **state)
{
    (void)state;
    reset();
    F.again_first = 4;
    F.blank_finger = 9;
    F.on_blank = KTPEL_GATE_BANDAGED;
    F.wrong_verify = 1;
    ktpel_enrol_options o;
    memset(&o, 0, sizeof o);
    o.missing[2] = KTPEL_FINGER_AMPUTATED;
    o.finger_attempts = 3;
    ktpel_packet *p = NULL;
    ktpel_enrol_result res;
    ktpel_errbuf eb;
    ktpel_err rc = run(&o, &p, &res, &eb);
    if (rc)
        fail_msg("%s", ktpel_errbuf_message(&eb));
    assert_int_equal(F.enrol_calls[2], 0);
    assert_int_equal(F.enrol_calls[4], 2);
    assert_int_equal(F.enrol_calls[9], 1);         /* the operator decided at once */
    assert_int_equal(res.fingers_captured, 7 + 1); /* 10 - amputated - bandaged */
    const ktpel_packet_capture *c = line_of(p, "finger_02", -1);
    assert_string_equal(c->status, "amputated");
    assert_string_equal(c->entry, "");
    assert_non_null(strstr(c->note, "declared by the operator"));
    c = line_of(p, "finger_04", -1);
    assert_string_equal(c->status, "captured");
    assert_int_equal(c->attempts, 2);
    c = line_of(p, "finger_09", -1);
    assert_string_equal(c->status, "bandaged");
    assert_null(ktpel_packet_find(p, "finger_09_1.png", NULL));
    assert_non_null(strstr(F.summary, "telunjuk kanan (amputated)"));
    /* Right hand: the middle finger (3) instead of the index, matched at the 2nd re-capture. */
    assert_int_equal(res.verify_position[0], 3);
    assert_int_equal(res.verify_attempts[0], 2);
    assert_int_equal(F.verify_calls[2], 0);
    assert_string_equal(line_of(p, "verify_finger_03", 1)->status, "mismatch");
    assert_string_equal(line_of(p, "verify_finger_03", 2)->status, "match");
    assert_int_equal(res.verify_position[1], 7);
    int pos[16], n = 0;
    iso_positions(p, pos, &n);
    assert_int_equal(n, 8);
    for (int i = 0; i < n; i++)
        assert_true(pos[i] != 2 && pos[i] != 9);
    ktpel_packet_free(p);

    /* Without an operator decision: retries to the limit, then "unusable". */
    reset();
    F.blank_finger = 10;
    F.on_blank = KTPEL_GATE_RETRY;
    memset(&o, 0, sizeof o);
    o.finger_attempts = 2;
    for (int k = 1; k <= 9; k++)
        if (k != 2 && k != 7)
            o.missing[k] = KTPEL_FINGER_BANDAGED; /* keep the run short */
    rc = run(&o, &p, &res, &eb);
    if (rc)
        fail_msg("%s", ktpel_errbuf_message(&eb));
    assert_int_equal(F.enrol_calls[10], 2);
    c = line_of(p, "finger_10", -1);
    assert_string_equal(c->status, "unusable");
    assert_int_equal(c->attempts, 2);
    assert_non_null(strstr(c->note, "no usable image in 2 attempts"));
    assert_int_equal(res.fingers_captured, 2);
    ktpel_packet_free(p);
}

/* An index finger that never matches: the step fails after verify_attempts with a clear
 * message, and there is no packet. */
static void test_verify_fails(void **state)
{
    (void)state;
    reset();
    F.wrong_verify = 99;
    ktpel_enrol_options o;
    memset(&o, 0, sizeof o);
    o.verify_attempts = 2;
    for (int k = 1; k <= 10; k++)
        if (k != 2 && k != 7)
            o.missing[k] = KTPEL_FINGER_UNUSABLE;
    ktpel_packet *p = (ktpel_packet *)&o; /* must be reset to NULL */
    ktpel_enrol_result res;
    ktpel_errbuf eb;
    assert_int_equal(run(&o, &p, &res, &eb), KTPEL_EREQUIREMENT);
    assert_null(p);
    assert_int_equal(res.step, KTPEL_ENROL_VERIFY);
    assert_int_equal(F.verify_calls[2], 2);
    assert_int_equal(F.verify_calls[7], 0);
    printf("failure: %s\n", ktpel_errbuf_message(&eb));
    assert_non_null(strstr(ktpel_errbuf_message(&eb), "verify: telunjuk kanan"));
    assert_non_null(strstr(ktpel_errbuf_message(&eb), "did not match"));
    assert_non_null(strstr(F.codes, "verify_mismatch"));
    assert_null(strstr(F.codes, "confirm"));
}

/* The photo limit; the resident declining; a record of another NIK; a scanner unplugged;
 * every finger missing (no template, both hands skipped in the verification). */
static void test_failures_and_refusals(void **state)
{
    (void)state;
    ktpel_enrol_options o;
    ktpel_packet *p = NULL;
    ktpel_enrol_result res;
    ktpel_errbuf eb;

    reset();
    F.bad_faces = 99;
    memset(&o, 0, sizeof o);
    o.photo_attempts = 2;
    assert_int_equal(run(&o, &p, &res, &eb), KTPEL_EREQUIREMENT);
    assert_int_equal(F.faces, 2);
    assert_int_equal(res.step, KTPEL_ENROL_PHOTO);
    assert_non_null(strstr(ktpel_errbuf_message(&eb), "no_face"));
    assert_int_equal(F.n_order, 0);

    reset();
    memset(&o, 0, sizeof o);
    o.nik = "3520010101010001";
    assert_int_equal(run(&o, &p, &res, &eb), KTPEL_EFIELD);
    assert_non_null(strstr(ktpel_errbuf_message(&eb), "3520010101010001"));
    assert_int_equal(F.faces, 0);

    reset();
    F.unplug_finger = 3;
    memset(&o, 0, sizeof o);
    assert_int_equal(run(&o, &p, &res, &eb), KTPEL_EIO);
    assert_int_equal(res.step, KTPEL_ENROL_FINGERS_STEP);
    assert_non_null(strstr(ktpel_errbuf_message(&eb), "unplugged"));
    assert_int_equal(F.irises, 0);

    reset();
    F.decline = true;
    memset(&o, 0, sizeof o);
    for (int k = 1; k <= 10; k++)
        o.missing[k] = KTPEL_FINGER_AMPUTATED;
    assert_int_equal(run(&o, &p, &res, &eb), KTPEL_ECANCELLED);
    assert_null(p);
    assert_int_equal(res.step, KTPEL_ENROL_CONFIRM);
    assert_int_equal(F.n_order, 0);
    assert_non_null(strstr(F.summary, "0 dari 10 direkam"));
    assert_non_null(strstr(F.summary, "tangan kanan tidak dapat diverifikasi"));

    /* The same, confirmed: a packet without fingers, both hands "skipped". */
    reset();
    assert_int_equal(run(&o, &p, &res, &eb), KTPEL_OK);
    assert_null(ktpel_packet_find(p, "fingers_1.iso", NULL));
    assert_string_equal(line_of(p, "verify_right_hand", -1)->status, "skipped");
    assert_string_equal(line_of(p, "verify_left_hand", -1)->status, "skipped");
    ktpel_packet_free(p);
}

static void test_names_and_arguments(void **state)
{
    (void)state;
    assert_string_equal(ktpel_enrol_finger_name(1), "ibu jari kanan");
    assert_string_equal(ktpel_enrol_finger_name(7), "telunjuk kiri");
    assert_string_equal(ktpel_enrol_finger_name(10), "kelingking kiri");
    assert_string_equal(ktpel_enrol_finger_name(0), "jari tidak dikenal");
    assert_string_equal(ktpel_enrol_step_name(KTPEL_ENROL_VERIFY), "verify");
    ktpel_enrol_options o;
    memset(&o, 0, sizeof o);
    ktpel_packet *p = NULL;
    ktpel_errbuf eb;
    assert_int_equal(ktpel_enrol_capture(&o, &fake_ops, &F, &p, NULL, &eb), KTPEL_EINVAL);
    o.nik = "x";
    o.operator_id = "OP";
    o.confirm = on_confirm;
    o.missing[3] = KTPEL_FINGER_DEVICE_FAIL;
    assert_int_equal(ktpel_enrol_capture(&o, &fake_ops, &F, &p, NULL, &eb), KTPEL_EINVAL);
    ktpel_enrol_device_config cfg;
    memset(&cfg, 0, sizeof cfg);
    ktpel_enrol_devices *d = NULL;
    cfg.virtual_scanner = true; /* needs a folder */
    assert_int_equal(ktpel_enrol_devices_open(&cfg, &d, &eb), KTPEL_EINVAL);
    cfg.virtual_scanner = false; /* no scanner and no folder */
    assert_int_equal(ktpel_enrol_devices_open(&cfg, &d, &eb), KTPEL_EINVAL);
    assert_null(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_and_arguments),       cmocka_unit_test(test_full_workflow),
        cmocka_unit_test(test_gate_missing_and_fallback), cmocka_unit_test(test_verify_fails),
        cmocka_unit_test(test_failures_and_refusals),
    };
    return cmocka_run_group_tests(tests, setup_group, teardown_group);
}
