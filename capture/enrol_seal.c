/* The resident's confirmation of the recorded data, and the sealed packet in the spool
 * (include/ktpel/enrol.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enrol_internal.h"
#include "ktpel/iris.h"
#include "ktpel/spool.h"

#define SUMMARY_MAX      4096
#define CONFIRMATION_MAX 16384

typedef struct text {
    char *s;
    size_t len, cap;
} text;

static void add(text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(text *t, const char *fmt, ...)
{
    if (t->len >= t->cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(t->s + t->len, t->cap - t->len, fmt, ap);
    va_end(ap);
    t->len = n < 0 ? t->len : t->len + (size_t)n >= t->cap ? t->cap - 1 : t->len + (size_t)n;
}

static void hex(const uint8_t *d, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/* What the resident is shown, in Bahasa Indonesia. */
static void summary_fingers(const enrol_run *r, text *t)
{
    add(t, "Sidik jari   : %d dari 10 direkam\n", r->res->fingers_captured);
    for (int pos = 1; pos <= KTPEL_ENROL_FINGERS; pos++)
        if (r->outcome[pos] != KTPEL_FINGER_CAPTURED)
            add(t, "               tidak direkam: %s (%s)\n", ktpel_enrol_finger_name(pos),
                ktpel_finger_absence_name(r->outcome[pos]));
}

static void make_summary(const enrol_run *r, text *t)
{
    add(t, "RINGKASAN PEREKAMAN KTP-el\n");
    add(t, "NIK          : %s\n", r->opt->nik);
    add(t, "Nama         : %s\n", r->nama);
    add(t, "Foto         : direkam\n");
    add(t, "Tanda tangan : direkam (%s)\n",
        r->signature_from_pad ? "bantalan tanda tangan" : "gambar pindaian");
    summary_fingers(r, t);
    add(t, "Iris         : kanan %s, kiri %s\n", r->iris_ok[0] ? "direkam" : "tidak direkam",
        r->iris_ok[1] ? "direkam" : "tidak direkam");
    for (int hand = 0; hand < 2; hand++) {
        int pos = r->res->verify_position[hand];
        if (pos)
            add(t, "Verifikasi   : %s cocok (skor %.3f)\n", ktpel_enrol_finger_name(pos),
                r->res->verify_score[hand]);
        else
            add(t, "Verifikasi   : tangan %s tidak dapat diverifikasi\n",
                hand == 0 ? "kanan" : "kiri");
    }
    add(t, "Apakah data di atas benar dan milik Anda?\n");
}

/* confirmation.txt: how and when the resident confirmed, the summary shown, and the SHA-256
 * of every entry recorded, so that the confirmation names exactly the data it covers (the
 * station's signature over the packet then covers the confirmation). */
static void make_confirmation(const enrol_run *r, const ktpel_packet *draft, const char *summary,
                              int64_t at, text *t)
{
    char when[32], digest[65];
    uint8_t d[32];
    add(t, "# The resident's confirmation of the recorded data (ktpel station enrol).\n");
    add(t, "# The resident was shown the summary below on the station's screen and confirmed\n");
    add(t, "# it; the operator recorded the answer. The station's signature over the packet\n");
    add(t, "# covers this file and, through the SHA-256 values, every entry it lists.\n");
    add(t, "confirmed: yes\n");
    add(t, "confirmed_at: %s\n", ktpel_packet_format_time(at, when, sizeof when));
    add(t, "method: shown on the station screen, answer recorded by the operator\n");
    add(t, "operator_id: %s\n", r->opt->operator_id);
    ktpel_pki_sha256(summary, strlen(summary), d);
    hex(d, 32, digest);
    add(t, "summary_sha256: %s\n", digest);
    for (size_t i = 0; i < ktpel_packet_entry_count(draft); i++) {
        size_t len = 0;
        const uint8_t *data = ktpel_packet_entry_data(draft, i, &len);
        ktpel_pki_sha256(data, len, d);
        hex(d, 32, digest);
        add(t, "entry: %s %s\n", ktpel_packet_entry_name(draft, i), digest);
    }
    add(t, "summary:\n");
    for (const char *line = summary; *line;) {
        const char *end = strchr(line, '\n');
        size_t n = end ? (size_t)(end - line) : strlen(line);
        add(t, "  %.*s\n", (int)n, line);
        line += n + (end ? 1 : 0);
    }
}

/* The final packet: the draft's entries and capture lines under metadata that holds the
 * confirmation. */
static ktpel_err final_packet(enrol_run *r, int64_t at, const text *conf, ktpel_errbuf *eb)
{
    ktpel_packet_meta meta;
    memset(&meta, 0, sizeof meta);
    snprintf(meta.operator_id, sizeof meta.operator_id, "%s", r->opt->operator_id);
    snprintf(meta.nik, sizeof meta.nik, "%s", r->opt->nik);
    snprintf(meta.source, sizeof meta.source, "%s", r->opt->source ? r->opt->source : "");
    meta.resident_confirmed = true;
    meta.confirmed_at = at;
    ktpel_packet *p = NULL;
    ktpel_err rc = ktpel_packet_new(&meta, &p, eb);
    for (size_t i = 0; !rc && i < ktpel_packet_entry_count(r->p); i++) {
        size_t len = 0;
        const uint8_t *data = ktpel_packet_entry_data(r->p, i, &len);
        rc = ktpel_packet_add(p, ktpel_packet_entry_name(r->p, i), data, len, eb);
    }
    for (size_t i = 0; !rc && i < ktpel_packet_capture_count(r->p); i++)
        rc = ktpel_packet_add_capture(p, ktpel_packet_capture_at(r->p, i), eb);
    if (!rc)
        rc = ktpel_packet_add(p, "confirmation.txt", conf->s, conf->len, eb);
    if (rc) {
        ktpel_packet_free(p);
        return rc;
    }
    ktpel_packet_free(r->p);
    r->p = p;
    char note[129];
    snprintf(note, sizeof note, "resident confirmed the summary on screen; recorded by operator %s",
             r->opt->operator_id);
    return enrol_capture_line(r, "confirmation", "confirmation.txt", KTPEL_ENROL_CONFIRM, at, -1, 1,
                              "confirmed", note, eb);
}

ktpel_err enrol_confirm(enrol_run *r, ktpel_errbuf *eb)
{
    text sum = {malloc(SUMMARY_MAX), 0, SUMMARY_MAX};
    text conf = {malloc(CONFIRMATION_MAX), 0, CONFIRMATION_MAX};
    ktpel_err rc = KTPEL_OK;
    if (!sum.s || !conf.s) {
        rc = ktpel_fail(eb, KTPEL_ENOMEM, "confirmation: out of memory");
    } else {
        sum.s[0] = conf.s[0] = 0;
        make_summary(r, &sum);
        enrol_say(r, KTPEL_ENROL_CONFIRM, "confirm", 0, 0, 0,
                  "Tunjukkan ringkasan kepada penduduk dan minta konfirmasi.");
        if (!r->opt->confirm(r->opt->user, sum.s)) {
            rc = ktpel_fail(eb, KTPEL_ECANCELLED,
                            "the resident did not confirm the recorded data: nothing is sealed; "
                            "correct what the resident disputes and enrol again");
        } else {
            int64_t at = enrol_now();
            make_confirmation(r, r->p, sum.s, at, &conf);
            rc = final_packet(r, at, &conf, eb);
            if (!rc)
                enrol_say(r, KTPEL_ENROL_CONFIRM, "confirmed", 0, 0, 0,
                          "Penduduk mengonfirmasi data.");
        }
    }
    free(sum.s);
    free(conf.s);
    return rc;
}

ktpel_err ktpel_enrol_seal(ktpel_packet *p, const ktpel_pki_cert *station_cert,
                           const ktpel_pki_key *station_key, const ktpel_pki_cert *dc_cert,
                           const char *spool_dir, ktpel_enrol_result *res, ktpel_errbuf *eb)
{
    if (!p || !station_cert || !station_key || !dc_cert || !spool_dir)
        return ktpel_fail(eb, KTPEL_EINVAL, "ktpel_enrol_seal: NULL argument");
    if (!ktpel_packet_get_meta(p)->resident_confirmed)
        return ktpel_fail(eb, KTPEL_EINVAL,
                          "enrolment packet: the resident's confirmation is missing");
    uint8_t *der = NULL;
    size_t len = 0;
    char path[4096] = "";
    ktpel_err rc = ktpel_packet_seal(p, station_cert, station_key, dc_cert, &der, &len, eb);
    if (!rc)
        rc = ktpel_spool_put(spool_dir, ktpel_packet_get_meta(p)->packet_id, der, len, path, eb);
    free(der);
    if (!rc && res) {
        snprintf(res->packet_id, sizeof res->packet_id, "%s", ktpel_packet_get_meta(p)->packet_id);
        snprintf(res->path, sizeof res->path, "%s", path);
    }
    return rc;
}
