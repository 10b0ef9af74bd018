#include "ktpel/application.h"

#include "ktpel/file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ktpel/utf8.h"

typedef enum app_key {
    K_LAYANAN,
    K_TANGGAL_PERMOHONAN,
    K_NIK,
    K_NO_KK,
    K_PROVINSI,
    K_KABUPATEN,
    K_NAMA,
    K_TEMPAT_LAHIR,
    K_TANGGAL_LAHIR,
    K_JENIS_KELAMIN,
    K_GOLONGAN_DARAH,
    K_ALAMAT,
    K_RT_RW,
    K_KEL_DESA,
    K_KECAMATAN,
    K_AGAMA,
    K_STATUS_PERKAWINAN,
    K_TANGGAL_KAWIN,
    K_PEKERJAAN,
    K_KEWARGANEGARAAN,
    K_ITAP_BERLAKU_HINGGA,
    K_ITAP_LAMA_BERLAKU_HINGGA,
    K_PERUBAHAN,
    K_DOKUMEN,
    K_PRIORITAS,
    K_COUNT
} app_key;

_Static_assert(K_COUNT == KTPEL_APPLICATION_KEY_COUNT, "key table and header disagree");

typedef struct key_spec {
    const char *name;
    bool required;
    bool may_be_empty;
    bool resident_field; /* set through ktpel_resident_set_field under the same name */
} key_spec;

static const key_spec keys[K_COUNT] = {
    [K_LAYANAN] = {"layanan", true, false, false},
    [K_TANGGAL_PERMOHONAN] = {"tanggal_permohonan", true, false, false},
    [K_NIK] = {"nik", true, false, true},
    [K_NO_KK] = {"no_kk", true, false, false},
    [K_PROVINSI] = {"provinsi", true, false, true},
    [K_KABUPATEN] = {"kabupaten", true, false, true},
    [K_NAMA] = {"nama", true, false, true},
    [K_TEMPAT_LAHIR] = {"tempat_lahir", true, false, true},
    [K_TANGGAL_LAHIR] = {"tanggal_lahir", true, false, true},
    [K_JENIS_KELAMIN] = {"jenis_kelamin", true, false, true},
    [K_GOLONGAN_DARAH] = {"golongan_darah", true, false, true},
    [K_ALAMAT] = {"alamat", true, false, true},
    [K_RT_RW] = {"rt_rw", true, false, true},
    [K_KEL_DESA] = {"kel_desa", true, false, true},
    [K_KECAMATAN] = {"kecamatan", true, false, true},
    [K_AGAMA] = {"agama", true, false, true},
    [K_STATUS_PERKAWINAN] = {"status_perkawinan", true, false, true},
    [K_TANGGAL_KAWIN] = {"tanggal_kawin", false, false, false},
    [K_PEKERJAAN] = {"pekerjaan", true, false, true},
    [K_KEWARGANEGARAAN] = {"kewarganegaraan", true, false, true},
    [K_ITAP_BERLAKU_HINGGA] = {"itap_berlaku_hingga", false, false, false},
    [K_ITAP_LAMA_BERLAKU_HINGGA] = {"itap_lama_berlaku_hingga", false, false, false},
    [K_PERUBAHAN] = {"perubahan", false, false, false},
    [K_DOKUMEN] = {"dokumen", true, true, false},
    [K_PRIORITAS] = {"prioritas", false, true, false},
};

const char *ktpel_application_key(size_t i)
{
    return i < K_COUNT ? keys[i].name : NULL;
}

static int find_key(const char *name)
{
    for (int k = 0; k < K_COUNT; k++)
        if (strcmp(keys[k].name, name) == 0)
            return k;
    return -1;
}

/* ---- values ---- */

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* Calls fn for each comma-separated item of value, trimmed; empty items are errors. */
static ktpel_err parse_list(const char *key, char *value,
                            ktpel_err (*fn)(const char *item, unsigned *bits, ktpel_errbuf *eb),
                            unsigned *bits, ktpel_errbuf *eb)
{
    *bits = 0;
    if (!*value)
        return KTPEL_OK;
    char *item = value;
    for (;;) {
        char *comma = strchr(item, ',');
        if (comma)
            *comma = '\0';
        while (is_blank(*item))
            item++;
        size_t n = strlen(item);
        while (n > 0 && is_blank(item[n - 1]))
            item[--n] = '\0';
        if (n == 0)
            return ktpel_fail(eb, KTPEL_EFIELD, "%s: empty item in the list", key);
        unsigned bit;
        ktpel_err err = fn(item, &bit, eb);
        if (err)
            return err;
        if (*bits & bit) {
            char shown[64];
            return ktpel_fail(eb, KTPEL_EFIELD, "%s: \"%s\" listed twice", key,
                              ktpel_text_quote(item, n, shown, sizeof shown));
        }
        *bits |= bit;
        if (!comma)
            return KTPEL_OK;
        item = comma + 1;
    }
}

static ktpel_err document_item(const char *item, unsigned *bit, ktpel_errbuf *eb)
{
    ktpel_requirement req;
    ktpel_err err = ktpel_requirement_parse(item, &req, eb);
    if (!err)
        *bit = KTPEL_REQ_BIT(req);
    return err;
}

static ktpel_err priority_item(const char *item, unsigned *bit, ktpel_errbuf *eb)
{
    return ktpel_priority_parse(item, bit, eb);
}

static ktpel_err set_value(ktpel_application *app, app_key k, char *value, ktpel_errbuf *eb)
{
    if (keys[k].resident_field)
        return ktpel_resident_set_field(&app->resident, keys[k].name, value, eb);
    ktpel_err err;
    switch (k) {
    case K_LAYANAN:
        return ktpel_service_parse(value, &app->service, eb);
    case K_TANGGAL_PERMOHONAN:
        return ktpel_date_parse(value, keys[k].name, &app->application_date, eb);
    case K_NO_KK:
        err = ktpel_nik_check_digits(value, "KK number", eb);
        if (err) {
            ktpel_fail_context(eb, "no_kk: ");
            return err;
        }
        memcpy(app->no_kk, value, KTPEL_NIK_LEN + 1);
        return KTPEL_OK;
    case K_TANGGAL_KAWIN:
        app->has_marriage_date = true;
        return ktpel_date_parse(value, keys[k].name, &app->marriage_date, eb);
    case K_ITAP_BERLAKU_HINGGA:
        err = ktpel_date_parse(value, keys[k].name, &app->resident.berlaku_hingga, eb);
        if (!err)
            app->resident.seumur_hidup = false;
        return err;
    case K_ITAP_LAMA_BERLAKU_HINGGA:
        app->has_previous_itap_end = true;
        return ktpel_date_parse(value, keys[k].name, &app->previous_itap_end, eb);
    case K_PERUBAHAN:
        return ktpel_change_parse(value, &app->change, eb);
    case K_DOKUMEN:
        return parse_list(keys[k].name, value, document_item, &app->documents, eb);
    case K_PRIORITAS:
        return parse_list(keys[k].name, value, priority_item, &app->priority_declared, eb);
    default:
        return ktpel_fail(eb, KTPEL_EINTERNAL, "application: key %s has no parser", keys[k].name);
    }
}

/* ---- lines ---- */

typedef struct parse_ctx {
    const char *source;
    int line;
    ktpel_errbuf *eb;
} parse_ctx;

static ktpel_err line_error(const parse_ctx *c, ktpel_err code, const char *what, const char *text,
                            size_t len)
{
    char shown[96];
    ktpel_text_quote(text, len, shown, sizeof shown);
    return ktpel_fail(c->eb, code, "%s:%d: %s: \"%s\"", c->source, c->line, what, shown);
}

static ktpel_err parse_line(ktpel_application *app, parse_ctx *c, const char *s, size_t len)
{
    char buf[KTPEL_APPLICATION_LINE_MAX + 1];
    while (len > 0 && is_blank(*s))
        s++, len--;
    while (len > 0 && is_blank(s[len - 1]))
        len--;
    if (len == 0 || s[0] == '#')
        return KTPEL_OK;
    if (memchr(s, '\0', len))
        return line_error(c, KTPEL_EFORMAT, "NUL byte in line", s, len);
    const char *colon = memchr(s, ':', len);
    if (!colon)
        return line_error(c, KTPEL_EFORMAT, "expected \"key: value\"", s, len);
    size_t klen = (size_t)(colon - s);
    while (klen > 0 && is_blank(s[klen - 1]))
        klen--;
    memcpy(buf, s, klen);
    buf[klen] = '\0';
    int k = find_key(buf);
    if (k < 0)
        return line_error(c, KTPEL_EFORMAT, "unknown key", s, klen);
    const char *v = colon + 1;
    size_t vlen = len - (size_t)(v - s);
    while (vlen > 0 && is_blank(*v))
        v++, vlen--;
    if (app->lines[k])
        return ktpel_fail(c->eb, KTPEL_EFORMAT, "%s:%d: %s: repeated (first on line %d)", c->source,
                          c->line, keys[k].name, app->lines[k]);
    app->lines[k] = c->line;
    if (vlen == 0 && !keys[k].may_be_empty)
        return ktpel_fail(c->eb, KTPEL_EFIELD, "%s:%d: %s: empty value", c->source, c->line,
                          keys[k].name);
    size_t bad;
    if (!ktpel_utf8_valid(v, vlen, &bad))
        return ktpel_fail(c->eb, KTPEL_EFIELD,
                          "%s:%d: %s: malformed UTF-8 at byte %zu of the "
                          "value",
                          c->source, c->line, keys[k].name, bad + 1);
    memcpy(buf, v, vlen);
    buf[vlen] = '\0';
    ktpel_err err = set_value(app, (app_key)k, buf, c->eb);
    if (err)
        ktpel_fail_context(c->eb, "%s:%d: ", c->source, c->line);
    return err;
}

/* Keys whose presence depends on other values. */
static ktpel_err check_keys(const ktpel_application *app, const parse_ctx *c)
{
    for (int k = 0; k < K_COUNT; k++)
        if (keys[k].required && !app->lines[k])
            return ktpel_fail(c->eb, KTPEL_EFORMAT,
                              "%s:%d: end of file without the required key %s", c->source, c->line,
                              keys[k].name);
    bool change = app->service == KTPEL_SERVICE_CHANGE;
    if (change && !app->lines[K_PERUBAHAN])
        return ktpel_fail(c->eb, KTPEL_EFORMAT,
                          "%s:%d: layanan perubahan needs the key perubahan (perkawinan or "
                          "lainnya)",
                          c->source, app->lines[K_LAYANAN]);
    if (!change && app->lines[K_PERUBAHAN])
        return ktpel_fail(c->eb, KTPEL_EFORMAT, "%s:%d: perubahan: only for layanan perubahan",
                          c->source, app->lines[K_PERUBAHAN]);
    if (change && app->change == KTPEL_CHANGE_MARRIAGE && !app->has_marriage_date)
        return ktpel_fail(c->eb, KTPEL_EFORMAT,
                          "%s:%d: perubahan: perkawinan needs the key tanggal_kawin", c->source,
                          app->lines[K_PERUBAHAN]);
    if (app->lines[K_ITAP_LAMA_BERLAKU_HINGGA] && app->service != KTPEL_SERVICE_WNA_ITAP)
        return ktpel_fail(c->eb, KTPEL_EFORMAT,
                          "%s:%d: itap_lama_berlaku_hingga: only for layanan wna_itap", c->source,
                          app->lines[K_ITAP_LAMA_BERLAKU_HINGGA]);
    return KTPEL_OK;
}

ktpel_err ktpel_application_parse(const char *data, size_t len, const char *source,
                                  ktpel_application *out, ktpel_errbuf *eb)
{
    if ((!data && len) || !out)
        return ktpel_fail(eb, KTPEL_EINVAL, "application: NULL argument");
    if (!source)
        source = "application";
    if (len > KTPEL_APPLICATION_FILE_MAX)
        return ktpel_fail(eb, KTPEL_ETOOBIG, "%s: %zu bytes, more than the %d allowed", source, len,
                          KTPEL_APPLICATION_FILE_MAX);
    ktpel_application *app = calloc(1, sizeof *app);
    if (!app)
        return ktpel_fail(eb, KTPEL_ENOMEM, "%s: out of memory", source);
    app->resident.seumur_hidup = true; /* unless itap_berlaku_hingga says otherwise */
    snprintf(app->source, sizeof app->source, "%s", source);
    parse_ctx c = {app->source, 0, eb};
    size_t pos = 0;
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
        pos = 3;
    ktpel_err err = KTPEL_OK;
    while (pos < len && !err) {
        const char *nl = memchr(data + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - data) : len;
        size_t line_len = end - pos;
        c.line++;
        if (line_len > 0 && data[pos + line_len - 1] == '\r')
            line_len--;
        if (line_len > KTPEL_APPLICATION_LINE_MAX)
            err = ktpel_fail(eb, KTPEL_ETOOBIG, "%s:%d: line of %zu bytes, more than %d",
                             app->source, c.line, line_len, KTPEL_APPLICATION_LINE_MAX);
        else
            err = parse_line(app, &c, data + pos, line_len);
        pos = end + 1;
    }
    if (!err)
        err = check_keys(app, &c);
    if (!err)
        *out = *app;
    free(app);
    return err;
}

ktpel_err ktpel_application_load(const char *path, ktpel_application *out, ktpel_errbuf *eb)
{
    if (!path || !out)
        return ktpel_fail(eb, KTPEL_EINVAL, "application: NULL argument");
    uint8_t *buf = NULL;
    size_t len = 0;
    ktpel_err err = ktpel_file_read(path, KTPEL_APPLICATION_FILE_MAX, &buf, &len, eb);
    if (!err)
        err = ktpel_application_parse((const char *)buf, len, path, out, eb);
    free(buf);
    return err;
}

/* ---- check ---- */

ktpel_service_request ktpel_application_request(const ktpel_application *app)
{
    ktpel_service_request req;
    memset(&req, 0, sizeof req);
    req.service = app->service;
    req.application_date = app->application_date;
    req.birth = app->resident.tanggal_lahir;
    req.sex = app->resident.jenis_kelamin;
    req.marital = app->resident.status_perkawinan;
    req.has_marriage_date = app->has_marriage_date;
    req.marriage_date = app->marriage_date;
    req.change = app->change;
    req.has_previous_itap_end = app->has_previous_itap_end;
    req.previous_itap_end = app->previous_itap_end;
    req.documents = app->documents;
    req.priority_declared = app->priority_declared;
    return req;
}

/* The line to blame for a record field. */
static int field_line(const ktpel_application *app, const char *field)
{
    if (strcmp(field, "berlaku_hingga") == 0)
        return app->lines[K_ITAP_BERLAKU_HINGGA] ? app->lines[K_ITAP_BERLAKU_HINGGA]
                                                 : app->lines[K_KEWARGANEGARAAN];
    int k = find_key(field);
    return k >= 0 ? app->lines[k] : 0;
}

static void set_message(char *dst, size_t size, const ktpel_application *app, int line,
                        const ktpel_errbuf *eb)
{
    if (line > 0)
        snprintf(dst, size, "%s:%d: %s", app->source, line, ktpel_errbuf_message(eb));
    else
        snprintf(dst, size, "%s: %s", app->source, ktpel_errbuf_message(eb));
}

/* The card shows the current address, and the family card (KK) is issued where the family
 * lives: provinsi and kabupaten must name the KK's region when the region table knows it.
 * (The NIK's region is where the NIK was first issued and may differ after a move.) */
static bool check_address_region(const ktpel_application *app, const ktpel_regions *regions,
                                 const ktpel_kk *kk, ktpel_application_result *r)
{
    ktpel_errbuf eb;
    ktpel_errbuf_clear(&eb);
    const char *province = ktpel_regions_province(regions, kk->province);
    const char *regency = ktpel_regions_regency(regions, kk->province, kk->regency);
    const char *field = NULL;
    int key = 0;
    if (province && !ktpel_region_name_matches(app->resident.provinsi, province, false)) {
        ktpel_fail(&eb, KTPEL_EFIELD, "provinsi: \"%s\" is not the province %02d (%s) of no_kk",
                   app->resident.provinsi, kk->province, province);
        field = "provinsi";
        key = K_PROVINSI;
    } else if (regency && !ktpel_region_name_matches(app->resident.kabupaten, regency, true)) {
        ktpel_fail(&eb, KTPEL_EFIELD,
                   "kabupaten: \"%s\" is not the regency %02d.%02d (%s) of no_kk",
                   app->resident.kabupaten, kk->province, kk->regency, regency);
        field = "kabupaten";
        key = K_KABUPATEN;
    }
    if (!field)
        return false;
    r->record_field = field;
    set_message(r->record_error, sizeof r->record_error, app, app->lines[key], &eb);
    return true;
}

static void check_record(const ktpel_application *app, const ktpel_regions *regions,
                         ktpel_application_result *r)
{
    ktpel_errbuf eb;
    ktpel_errbuf_clear(&eb);
    const char *field = NULL;
    if (ktpel_resident_validate(&app->resident, regions, app->application_date, &field, &eb)) {
        r->record_field = field;
        set_message(r->record_error, sizeof r->record_error, app,
                    field ? field_line(app, field) : 0, &eb);
        return;
    }
    ktpel_kk kk;
    if (ktpel_kk_parse(app->no_kk, regions, app->application_date, &kk, &eb)) {
        ktpel_fail_context(&eb, "no_kk: ");
        r->record_field = "no_kk";
        set_message(r->record_error, sizeof r->record_error, app, app->lines[K_NO_KK], &eb);
        return;
    }
    if (check_address_region(app, regions, &kk, r))
        return;
    r->record_valid = true;
}

/* Eligibility, including that the service fits the resident's citizenship. */
static void check_eligible(const ktpel_application *app, const ktpel_service_request *req,
                           ktpel_application_result *r)
{
    ktpel_errbuf eb;
    ktpel_errbuf_clear(&eb);
    bool wna = app->resident.kewarganegaraan == KTPEL_CITIZEN_WNA;
    ktpel_err err = KTPEL_OK;
    if (app->service == KTPEL_SERVICE_WNA_ITAP && !wna)
        err = ktpel_fail(&eb, KTPEL_EREQUIREMENT,
                         "layanan wna_itap is for a WNA; kewarganegaraan is %s",
                         ktpel_citizenship_name(app->resident.kewarganegaraan));
    else if (app->service == KTPEL_SERVICE_NEW && wna)
        err = ktpel_fail(&eb, KTPEL_EREQUIREMENT,
                         "layanan baru is for a WNI; a WNA with ITAP applies with wna_itap");
    if (!err)
        err = ktpel_service_check_eligibility(req, &eb);
    if (!err) {
        ktpel_fine fine;
        err = ktpel_service_fine(req, &fine, &eb);
        if (!err)
            r->fine = fine;
    }
    if (err)
        set_message(r->eligibility_error, sizeof r->eligibility_error, app, app->lines[K_LAYANAN],
                    &eb);
    r->eligible = err == KTPEL_OK;
}

ktpel_err ktpel_application_check(const ktpel_application *app, const ktpel_regions *regions,
                                  ktpel_application_result *out, ktpel_errbuf *eb)
{
    if (!app || !regions || !out)
        return ktpel_fail(eb, KTPEL_EINVAL, "application check: NULL argument");
    ktpel_application_result r;
    memset(&r, 0, sizeof r);
    check_record(app, regions, &r);

    r.missing_count = ktpel_service_missing(app->service, app->documents, r.missing);
    r.requirements_met = r.missing_count == 0;

    ktpel_service_request req = ktpel_application_request(app);
    check_eligible(app, &req, &r);

    r.queue = ktpel_service_queue_class(&req, &r.priority_reasons);
    ktpel_errbuf peb;
    ktpel_errbuf_clear(&peb);
    r.priority_valid = ktpel_service_check_priority(&req, &peb) == KTPEL_OK;
    if (!r.priority_valid)
        set_message(r.priority_error, sizeof r.priority_error, app, app->lines[K_PRIORITAS], &peb);

    r.can_proceed = r.record_valid && r.requirements_met && r.eligible && r.priority_valid;
    *out = r;
    return KTPEL_OK;
}
