#include "ktpel/service.h"

#include <stdio.h>
#include <string.h>

#include "ktpel/utf8.h"

#define ADULT_AGE   17
#define ELDERLY_AGE 60

static const char *const service_ids[KTPEL_SERVICE_COUNT] = {
    [KTPEL_SERVICE_NEW] = "baru",
    [KTPEL_SERVICE_CHANGE] = "perubahan",
    [KTPEL_SERVICE_REPLACE_DAMAGED] = "ganti_rusak",
    [KTPEL_SERVICE_REPLACE_LOST] = "ganti_hilang",
    [KTPEL_SERVICE_WNA_ITAP] = "wna_itap",
};

static const char *const service_labels[KTPEL_SERVICE_COUNT] = {
    [KTPEL_SERVICE_NEW] = "new KTP-el",
    [KTPEL_SERVICE_CHANGE] = "change of data",
    [KTPEL_SERVICE_REPLACE_DAMAGED] = "replacement of a damaged card",
    [KTPEL_SERVICE_REPLACE_LOST] = "replacement of a lost card",
    [KTPEL_SERVICE_WNA_ITAP] = "KTP-el for a foreign resident with ITAP",
};

static const ktpel_requirement_info requirements[KTPEL_REQ_COUNT] = {
    {KTPEL_REQ_KK, "kk", "Kartu Keluarga (KK)", "family card (Kartu Keluarga)"},
    {KTPEL_REQ_OLD_CARD, "ktp_el_lama", "KTP-el lama", "the old KTP-el"},
    {KTPEL_REQ_CHANGE_PROOF, "bukti_perubahan", "dokumen bukti perubahan data",
     "proof of the change of data"},
    {KTPEL_REQ_DAMAGED_CARD, "ktp_el_rusak", "KTP-el yang rusak", "the damaged KTP-el"},
    {KTPEL_REQ_POLICE_LETTER, "surat_kehilangan", "surat keterangan kehilangan dari kepolisian",
     "police letter of loss"},
    {KTPEL_REQ_PASSPORT, "paspor", "paspor", "passport"},
    {KTPEL_REQ_ITAP, "itap", "Izin Tinggal Tetap (ITAP)", "permanent stay permit (ITAP)"},
};

static const char *shown(const char *text, char *buf, size_t size)
{
    return ktpel_text_quote(text, strlen(text), buf, size);
}

const char *ktpel_service_id(ktpel_service service)
{
    return service > KTPEL_SERVICE_NONE && service < KTPEL_SERVICE_COUNT ? service_ids[service]
                                                                         : "?";
}

const char *ktpel_service_label(ktpel_service service)
{
    return service > KTPEL_SERVICE_NONE && service < KTPEL_SERVICE_COUNT ? service_labels[service]
                                                                         : "?";
}

ktpel_err ktpel_service_parse(const char *id, ktpel_service *out, ktpel_errbuf *eb)
{
    for (int s = 1; id && s < KTPEL_SERVICE_COUNT; s++) {
        if (strcmp(id, service_ids[s]) == 0) {
            *out = (ktpel_service)s;
            return KTPEL_OK;
        }
    }
    char buf[64];
    return ktpel_fail(eb, KTPEL_EFIELD,
                      "layanan: \"%s\" is not a service (baru, perubahan, ganti_rusak, "
                      "ganti_hilang, wna_itap)",
                      shown(id ? id : "", buf, sizeof buf));
}

const ktpel_requirement_info *ktpel_requirement_get(ktpel_requirement req)
{
    return (int)req >= 0 && req < KTPEL_REQ_COUNT ? &requirements[req] : NULL;
}

ktpel_err ktpel_requirement_parse(const char *key, ktpel_requirement *out, ktpel_errbuf *eb)
{
    for (int r = 0; key && r < KTPEL_REQ_COUNT; r++) {
        if (strcmp(key, requirements[r].key) == 0) {
            *out = (ktpel_requirement)r;
            return KTPEL_OK;
        }
    }
    char buf[64];
    return ktpel_fail(eb, KTPEL_EFIELD,
                      "dokumen: \"%s\" is not a document id (kk, ktp_el_lama, bukti_perubahan, "
                      "ktp_el_rusak, surat_kehilangan, paspor, itap)",
                      shown(key ? key : "", buf, sizeof buf));
}

const char *ktpel_change_id(ktpel_change change)
{
    switch (change) {
    case KTPEL_CHANGE_MARRIAGE:
        return "perkawinan";
    case KTPEL_CHANGE_OTHER:
        return "lainnya";
    default:
        return "?";
    }
}

ktpel_err ktpel_change_parse(const char *id, ktpel_change *out, ktpel_errbuf *eb)
{
    if (id && strcmp(id, "perkawinan") == 0)
        *out = KTPEL_CHANGE_MARRIAGE;
    else if (id && strcmp(id, "lainnya") == 0)
        *out = KTPEL_CHANGE_OTHER;
    else {
        char buf[64];
        return ktpel_fail(eb, KTPEL_EFIELD,
                          "perubahan: \"%s\" is not a kind of change (perkawinan, lainnya)",
                          shown(id ? id : "", buf, sizeof buf));
    }
    return KTPEL_OK;
}

const char *ktpel_priority_id(unsigned bit)
{
    switch (bit) {
    case KTPEL_PRIORITY_ELDERLY:
        return "lansia";
    case KTPEL_PRIORITY_NURSING:
        return "ibu_menyusui";
    case KTPEL_PRIORITY_DISABILITY:
        return "disabilitas";
    default:
        return "?";
    }
}

ktpel_err ktpel_priority_parse(const char *id, unsigned *bit, ktpel_errbuf *eb)
{
    for (unsigned b = 1; id && b <= KTPEL_PRIORITY_DISABILITY; b <<= 1) {
        if (strcmp(id, ktpel_priority_id(b)) == 0) {
            *bit = b;
            return KTPEL_OK;
        }
    }
    char buf[64];
    return ktpel_fail(eb, KTPEL_EFIELD,
                      "prioritas: \"%s\" is not a priority reason (lansia, ibu_menyusui, "
                      "disabilitas)",
                      shown(id ? id : "", buf, sizeof buf));
}

/* ---- requirements ---- */

ktpel_requirement_set ktpel_service_requirements(ktpel_service service)
{
    const ktpel_requirement_set kk = KTPEL_REQ_BIT(KTPEL_REQ_KK);
    switch (service) {
    case KTPEL_SERVICE_NEW:
        return kk;
    case KTPEL_SERVICE_CHANGE:
        return kk | KTPEL_REQ_BIT(KTPEL_REQ_OLD_CARD) | KTPEL_REQ_BIT(KTPEL_REQ_CHANGE_PROOF);
    case KTPEL_SERVICE_REPLACE_DAMAGED:
        return kk | KTPEL_REQ_BIT(KTPEL_REQ_DAMAGED_CARD);
    case KTPEL_SERVICE_REPLACE_LOST:
        return kk | KTPEL_REQ_BIT(KTPEL_REQ_POLICE_LETTER);
    case KTPEL_SERVICE_WNA_ITAP:
        return kk | KTPEL_REQ_BIT(KTPEL_REQ_PASSPORT) | KTPEL_REQ_BIT(KTPEL_REQ_ITAP);
    default:
        return 0;
    }
}

size_t ktpel_service_missing(ktpel_service service, ktpel_requirement_set provided,
                             ktpel_requirement *missing)
{
    ktpel_requirement_set need = ktpel_service_requirements(service) & ~provided;
    size_t n = 0;
    for (int r = 0; r < KTPEL_REQ_COUNT; r++)
        if (need & KTPEL_REQ_BIT(r)) {
            if (missing)
                missing[n] = (ktpel_requirement)r;
            n++;
        }
    return n;
}

ktpel_err ktpel_service_check_requirements(ktpel_service service, ktpel_requirement_set provided,
                                           ktpel_errbuf *eb)
{
    if (service <= KTPEL_SERVICE_NONE || service >= KTPEL_SERVICE_COUNT)
        return ktpel_fail(eb, KTPEL_EINVAL, "requirements: unknown service %d", (int)service);
    ktpel_requirement missing[KTPEL_REQ_COUNT];
    size_t n = ktpel_service_missing(service, provided, missing);
    if (n == 0)
        return KTPEL_OK;
    const ktpel_requirement_info *info = &requirements[missing[0]];
    return ktpel_fail(eb, KTPEL_EREQUIREMENT, "%s: missing %s: %s (%s)%s", service_ids[service],
                      info->key, info->label_id, info->label_en, n > 1 ? " and more" : "");
}

/* ---- eligibility ---- */

static bool is_married(const ktpel_service_request *req)
{
    return req->marital != KTPEL_MARITAL_UNSET && req->marital != KTPEL_MARITAL_BELUM_KAWIN;
}

static ktpel_err check_marriage_date(const ktpel_service_request *req, ktpel_errbuf *eb)
{
    char a[16], b[16];
    if (!req->has_marriage_date)
        return KTPEL_OK;
    if (!ktpel_date_valid(req->marriage_date))
        return ktpel_fail(eb, KTPEL_EFIELD, "tanggal_kawin: not a date");
    if (ktpel_date_cmp(req->marriage_date, req->birth) < 0)
        return ktpel_fail(eb, KTPEL_EFIELD, "tanggal_kawin: %s is before the birth date %s",
                          ktpel_date_format_iso(req->marriage_date, a, sizeof a),
                          ktpel_date_format_iso(req->birth, b, sizeof b));
    if (ktpel_date_cmp(req->marriage_date, req->application_date) > 0)
        return ktpel_fail(eb, KTPEL_EFIELD, "tanggal_kawin: %s is after the application date %s",
                          ktpel_date_format_iso(req->marriage_date, a, sizeof a),
                          ktpel_date_format_iso(req->application_date, b, sizeof b));
    if (!is_married(req))
        return ktpel_fail(eb, KTPEL_EFIELD,
                          "tanggal_kawin: given, but status_perkawinan is BELUM KAWIN");
    return KTPEL_OK;
}

ktpel_err ktpel_service_check_eligibility(const ktpel_service_request *req, ktpel_errbuf *eb)
{
    if (!req)
        return ktpel_fail(eb, KTPEL_EINVAL, "eligibility: NULL argument");
    ktpel_err err = check_marriage_date(req, eb);
    if (err)
        return err;
    if (req->service != KTPEL_SERVICE_NEW && req->service != KTPEL_SERVICE_WNA_ITAP)
        return KTPEL_OK;
    int age = ktpel_age_on(req->birth, req->application_date);
    if (age >= ADULT_AGE || (is_married(req) && req->has_marriage_date))
        return KTPEL_OK;
    char a[16], b[16];
    ktpel_date adult = ktpel_date_anniversary(req->birth, ADULT_AGE);
    if (is_married(req))
        return ktpel_fail(eb, KTPEL_EREQUIREMENT,
                          "not eligible: aged %d on %s (17 on %s); status %s counts only with "
                          "the marriage date (tanggal_kawin)",
                          age, ktpel_date_format_iso(req->application_date, a, sizeof a),
                          ktpel_date_format_iso(adult, b, sizeof b),
                          ktpel_marital_name(req->marital));
    return ktpel_fail(eb, KTPEL_EREQUIREMENT,
                      "not eligible: aged %d on %s, turns 17 on %s, and not married", age,
                      ktpel_date_format_iso(req->application_date, a, sizeof a),
                      ktpel_date_format_iso(adult, b, sizeof b));
}

/* ---- fines ---- */

static void late_fine(ktpel_fine *f, ktpel_fine_rule rule, ktpel_date event, ktpel_date deadline,
                      ktpel_date applied, long long amount)
{
    f->rule = rule;
    f->event = event;
    f->deadline = deadline;
    int64_t late = ktpel_date_diff(deadline, applied);
    f->days_late = late > 0 ? late : 0;
    f->amount_rp = late > 0 ? amount : 0;
}

/* First card: the event is the earlier of the 17th birthday and the marriage. */
static void fine_new(const ktpel_service_request *req, ktpel_fine *f)
{
    ktpel_date event = ktpel_date_anniversary(req->birth, ADULT_AGE);
    ktpel_fine_rule rule = KTPEL_FINE_AGE17;
    if (is_married(req) && req->has_marriage_date &&
        ktpel_date_cmp(req->marriage_date, event) < 0) {
        event = req->marriage_date;
        rule = KTPEL_FINE_MARRIAGE;
    }
    if (ktpel_date_cmp(event, req->application_date) > 0)
        return; /* not yet due: the eligibility check speaks */
    late_fine(f, rule, event, ktpel_date_add_days(event, KTPEL_FINE_DAYS), req->application_date,
              KTPEL_FINE_LATE_REPORT_RP);
}

ktpel_err ktpel_service_fine(const ktpel_service_request *req, ktpel_fine *out, ktpel_errbuf *eb)
{
    if (!req || !out)
        return ktpel_fail(eb, KTPEL_EINVAL, "fine: NULL argument");
    ktpel_fine f;
    memset(&f, 0, sizeof f);
    switch (req->service) {
    case KTPEL_SERVICE_NEW:
        fine_new(req, &f);
        break;
    case KTPEL_SERVICE_CHANGE:
        if (req->change != KTPEL_CHANGE_MARRIAGE)
            break;
        if (!req->has_marriage_date)
            return ktpel_fail(eb, KTPEL_EFIELD,
                              "tanggal_kawin: a change of marital status needs the marriage "
                              "date");
        late_fine(&f, KTPEL_FINE_MARRIAGE, req->marriage_date,
                  ktpel_date_add_days(req->marriage_date, KTPEL_FINE_DAYS), req->application_date,
                  KTPEL_FINE_LATE_REPORT_RP);
        break;
    case KTPEL_SERVICE_WNA_ITAP:
        if (!req->has_previous_itap_end)
            break; /* first card for this ITAP holder: no deadline in our rules */
        late_fine(&f, KTPEL_FINE_ITAP_RENEWAL, req->previous_itap_end,
                  ktpel_date_add_days(req->previous_itap_end, -KTPEL_FINE_DAYS),
                  req->application_date, KTPEL_FINE_ITAP_RENEWAL_RP);
        break;
    default:
        break;
    }
    *out = f;
    return KTPEL_OK;
}

const char *ktpel_fine_rule_text(ktpel_fine_rule rule)
{
    switch (rule) {
    case KTPEL_FINE_AGE17:
        return "first KTP-el reported more than 30 days after the 17th birthday";
    case KTPEL_FINE_MARRIAGE:
        return "marriage reported more than 30 days after the wedding";
    case KTPEL_FINE_ITAP_RENEWAL:
        return "WNA KTP-el renewed later than 30 days before the ITAP ends";
    default:
        return "no deadline applies";
    }
}

/* ---- queue ---- */

ktpel_queue_class ktpel_service_queue_class(const ktpel_service_request *req, unsigned *reasons)
{
    unsigned r = 0;
    if (req) {
        if (ktpel_date_valid(req->birth) &&
            ktpel_age_on(req->birth, req->application_date) >= ELDERLY_AGE)
            r |= KTPEL_PRIORITY_ELDERLY;
        r |= req->priority_declared & (KTPEL_PRIORITY_NURSING | KTPEL_PRIORITY_DISABILITY);
    }
    if (reasons)
        *reasons = r;
    return r ? KTPEL_QUEUE_PRIORITY : KTPEL_QUEUE_REGULAR;
}

ktpel_err ktpel_service_check_priority(const ktpel_service_request *req, ktpel_errbuf *eb)
{
    if (!req)
        return ktpel_fail(eb, KTPEL_EINVAL, "priority: NULL argument");
    int age = ktpel_age_on(req->birth, req->application_date);
    if ((req->priority_declared & KTPEL_PRIORITY_ELDERLY) && age < ELDERLY_AGE)
        return ktpel_fail(eb, KTPEL_EFIELD,
                          "prioritas: lansia declared, but the applicant is %d (60 or older "
                          "needed)",
                          age);
    if ((req->priority_declared & KTPEL_PRIORITY_NURSING) && req->sex != KTPEL_SEX_FEMALE)
        return ktpel_fail(eb, KTPEL_EFIELD,
                          "prioritas: ibu_menyusui declared for an applicant who is not "
                          "PEREMPUAN");
    return KTPEL_OK;
}
