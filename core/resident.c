#include "ktpel/resident.h"

#include <stdio.h>
#include <string.h>

#include "ktpel/utf8.h"

typedef enum field_id {
    F_PROVINSI,
    F_KABUPATEN,
    F_NIK,
    F_NAMA,
    F_TEMPAT_LAHIR,
    F_TANGGAL_LAHIR,
    F_JENIS_KELAMIN,
    F_GOLONGAN_DARAH,
    F_ALAMAT,
    F_RT_RW,
    F_KEL_DESA,
    F_KECAMATAN,
    F_AGAMA,
    F_STATUS_PERKAWINAN,
    F_PEKERJAAN,
    F_KEWARGANEGARAAN,
    F_BERLAKU_HINGGA,
    F_COUNT
} field_id;

_Static_assert(F_COUNT == KTPEL_FIELD_COUNT, "field table and header disagree");

static const char *const field_names[F_COUNT] = {
    "provinsi",
    "kabupaten",
    "nik",
    "nama",
    "tempat_lahir",
    "tanggal_lahir",
    "jenis_kelamin",
    "golongan_darah",
    "alamat",
    "rt_rw",
    "kel_desa",
    "kecamatan",
    "agama",
    "status_perkawinan",
    "pekerjaan",
    "kewarganegaraan",
    "berlaku_hingga",
};

/* A free-text field: where it lives, its limit, and which characters it allows. */
typedef struct text_spec {
    field_id id;
    size_t offset;
    size_t size;
    size_t max_chars;
    bool digits;
    const char *punct;   /* besides letters and space */
    const char *allowed; /* for messages */
} text_spec;

#define TEXT(f, id_, max, dig, punct_, allowed_)                                                   \
    {                                                                                              \
        id_, offsetof(ktpel_resident, f), sizeof(((ktpel_resident *)0)->f), max, dig, punct_,      \
            allowed_                                                                               \
    }

static const text_spec text_specs[] = {
    TEXT(provinsi, F_PROVINSI, KTPEL_PROVINSI_MAX, false, ".-'", "letters, space . - '"),
    TEXT(kabupaten, F_KABUPATEN, KTPEL_KABUPATEN_MAX, false, ".-'", "letters, space . - '"),
    TEXT(nama, F_NAMA, KTPEL_NAMA_MAX, false, "'-.,", "letters, space ' - . ,"),
    TEXT(tempat_lahir, F_TEMPAT_LAHIR, KTPEL_TEMPAT_LAHIR_MAX, false, ".-'",
         "letters, space . - '"),
    TEXT(alamat, F_ALAMAT, KTPEL_ALAMAT_MAX, true,
         ".,-/'()#:", "letters, digits, space . , - / ' ( ) # :"),
    TEXT(kel_desa, F_KEL_DESA, KTPEL_KEL_DESA_MAX, true, ".-'()/",
         "letters, digits, space . - ' ( ) /"),
    TEXT(kecamatan, F_KECAMATAN, KTPEL_KECAMATAN_MAX, true, ".-'()/",
         "letters, digits, space . - ' ( ) /"),
    TEXT(pekerjaan, F_PEKERJAAN, KTPEL_PEKERJAAN_MAX, false, ".,-/()",
         "letters, space . , - / ( )"),
};

static const text_spec *find_text_spec(field_id id)
{
    for (size_t i = 0; i < sizeof text_specs / sizeof text_specs[0]; i++)
        if (text_specs[i].id == id)
            return &text_specs[i];
    return NULL;
}

const char *ktpel_resident_field_name(size_t i)
{
    return i < F_COUNT ? field_names[i] : NULL;
}

static int find_field(const char *name)
{
    for (int i = 0; i < F_COUNT; i++)
        if (strcmp(field_names[i], name) == 0)
            return i;
    return -1;
}

/* ---- closed lists ---- */

static const char *const religion_names[KTPEL_RELIGION_COUNT] = {
    [KTPEL_RELIGION_ISLAM] = "ISLAM",
    [KTPEL_RELIGION_KRISTEN] = "KRISTEN",
    [KTPEL_RELIGION_KATHOLIK] = "KATHOLIK",
    [KTPEL_RELIGION_HINDU] = "HINDU",
    [KTPEL_RELIGION_BUDHA] = "BUDHA",
    [KTPEL_RELIGION_KHONGHUCU] = "KHONGHUCU",
    [KTPEL_RELIGION_KEPERCAYAAN] = "KEPERCAYAAN TERHADAP TUHAN YME",
};

static const char *const marital_names[KTPEL_MARITAL_COUNT] = {
    [KTPEL_MARITAL_BELUM_KAWIN] = "BELUM KAWIN",
    [KTPEL_MARITAL_KAWIN] = "KAWIN",
    [KTPEL_MARITAL_CERAI_HIDUP] = "CERAI HIDUP",
    [KTPEL_MARITAL_CERAI_MATI] = "CERAI MATI",
};

const char *ktpel_religion_name(ktpel_religion religion)
{
    return religion > KTPEL_RELIGION_UNSET && religion < KTPEL_RELIGION_COUNT
               ? religion_names[religion]
               : "?";
}

const char *ktpel_marital_name(ktpel_marital status)
{
    return status > KTPEL_MARITAL_UNSET && status < KTPEL_MARITAL_COUNT ? marital_names[status]
                                                                        : "?";
}

const char *ktpel_citizenship_name(ktpel_citizenship citizenship)
{
    switch (citizenship) {
    case KTPEL_CITIZEN_WNI:
        return "WNI";
    case KTPEL_CITIZEN_WNA:
        return "WNA";
    default:
        return "?";
    }
}

static int lookup(const char *text, const char *const *names, int count)
{
    for (int i = 1; i < count; i++)
        if (names[i] && strcmp(text, names[i]) == 0)
            return i;
    return -1;
}

static ktpel_err bad_choice(const char *field, const char *text, const char *choices,
                            ktpel_errbuf *eb)
{
    char shown[96];
    ktpel_text_quote(text, strlen(text), shown, sizeof shown);
    return ktpel_fail(eb, KTPEL_EFIELD, "%s: \"%s\" is not one of %s", field, shown, choices);
}

ktpel_err ktpel_religion_parse(const char *text, ktpel_religion *out, ktpel_errbuf *eb)
{
    int i = text ? lookup(text, religion_names, KTPEL_RELIGION_COUNT) : -1;
    if (i < 0)
        return bad_choice("agama", text ? text : "",
                          "ISLAM, KRISTEN, KATHOLIK, HINDU, BUDHA, KHONGHUCU, KEPERCAYAAN "
                          "TERHADAP TUHAN YME",
                          eb);
    *out = (ktpel_religion)i;
    return KTPEL_OK;
}

ktpel_err ktpel_marital_parse(const char *text, ktpel_marital *out, ktpel_errbuf *eb)
{
    int i = text ? lookup(text, marital_names, KTPEL_MARITAL_COUNT) : -1;
    if (i < 0)
        return bad_choice("status_perkawinan", text ? text : "",
                          "BELUM KAWIN, KAWIN, CERAI HIDUP, CERAI MATI", eb);
    *out = (ktpel_marital)i;
    return KTPEL_OK;
}

ktpel_err ktpel_citizenship_parse(const char *text, ktpel_citizenship *out, ktpel_errbuf *eb)
{
    if (text && strcmp(text, "WNI") == 0)
        *out = KTPEL_CITIZEN_WNI;
    else if (text && strcmp(text, "WNA") == 0)
        *out = KTPEL_CITIZEN_WNA;
    else
        return bad_choice("kewarganegaraan", text ? text : "", "WNI, WNA", eb);
    return KTPEL_OK;
}

ktpel_err ktpel_sex_parse(const char *text, ktpel_sex *out, ktpel_errbuf *eb)
{
    if (text && strcmp(text, "LAKI-LAKI") == 0)
        *out = KTPEL_SEX_MALE;
    else if (text && strcmp(text, "PEREMPUAN") == 0)
        *out = KTPEL_SEX_FEMALE;
    else
        return bad_choice("jenis_kelamin", text ? text : "", "LAKI-LAKI, PEREMPUAN", eb);
    return KTPEL_OK;
}

/* ---- single-field checks ---- */

/* Prefixes eb's message with the field name and keeps the code even when eb is NULL. */
static ktpel_err in_field(ktpel_err err, const char *field, ktpel_errbuf *eb)
{
    if (err)
        ktpel_fail_context(eb, "%s: ", field);
    return err;
}

static bool is_letter(uint32_t cp)
{
    if ((cp >= 'A' && cp <= 'Z') || (cp >= 'a' && cp <= 'z'))
        return true;
    return cp >= 0xC0 && cp <= 0x24F && cp != 0xD7 && cp != 0xF7;
}

static ktpel_err check_text(const text_spec *spec, const char *value, ktpel_errbuf *eb)
{
    const char *field = field_names[spec->id];
    size_t len = strnlen(value, spec->size);
    char shown[128];
    ktpel_text_quote(value, len, shown, sizeof shown);
    size_t chars;
    if (len == 0)
        return ktpel_fail(eb, KTPEL_EFIELD, "%s: empty (1 to %zu characters)", field,
                          spec->max_chars);
    if (!ktpel_utf8_valid(value, len, &chars))
        return ktpel_fail(eb, KTPEL_EFIELD, "%s: \"%s\": malformed UTF-8 at byte %zu", field, shown,
                          chars + 1);
    if (chars > spec->max_chars || len >= spec->size)
        return ktpel_fail(eb, KTPEL_EFIELD, "%s: \"%s\": %zu characters, at most %zu allowed",
                          field, shown, chars, spec->max_chars);
    if (value[0] == ' ' || value[len - 1] == ' ')
        return ktpel_fail(eb, KTPEL_EFIELD, "%s: \"%s\": starts or ends with a space", field,
                          shown);
    size_t i = 0, n = 0;
    while (i < len) {
        uint32_t cp;
        size_t k = ktpel_utf8_decode(value + i, len - i, &cp);
        n++;
        bool ok = is_letter(cp) || cp == ' ' || (spec->digits && cp >= '0' && cp <= '9') ||
                  (cp < 0x80 && cp != 0 && strchr(spec->punct, (int)cp));
        if (!ok) {
            char ch[16];
            ktpel_text_quote(value + i, k, ch, sizeof ch);
            return ktpel_fail(eb, KTPEL_EFIELD,
                              "%s: \"%s\": character %zu '%s' is not allowed (%s)", field, shown, n,
                              ch, spec->allowed);
        }
        if (cp == ' ' && i > 0 && value[i - 1] == ' ')
            return ktpel_fail(eb, KTPEL_EFIELD, "%s: \"%s\": two spaces in a row", field, shown);
        i += k;
    }
    return KTPEL_OK;
}

static bool blood_group_ok(const char *g)
{
    static const char *const groups[] = {"A",  "B",   "AB",  "O",  "A+", "A-", "B+",
                                         "B-", "AB+", "AB-", "O+", "O-", "-"};
    for (size_t i = 0; i < sizeof groups / sizeof groups[0]; i++)
        if (strcmp(g, groups[i]) == 0)
            return true;
    return false;
}

static ktpel_err check_rt_rw_part(const char *label, const char *v, ktpel_errbuf *eb)
{
    size_t len = strnlen(v, 4);
    bool digits = len == 3;
    for (size_t i = 0; digits && i < 3; i++)
        digits = v[i] >= '0' && v[i] <= '9';
    char shown[32];
    ktpel_text_quote(v, len, shown, sizeof shown);
    if (!digits)
        return ktpel_fail(eb, KTPEL_EFIELD, "rt_rw: %s \"%s\" is not 3 digits", label, shown);
    if (strcmp(v, "000") == 0)
        return ktpel_fail(eb, KTPEL_EFIELD, "rt_rw: %s 000 does not exist", label);
    return KTPEL_OK;
}

static ktpel_err check_date_field(field_id id, ktpel_date d, ktpel_errbuf *eb)
{
    if (!ktpel_date_valid(d))
        return ktpel_fail(eb, KTPEL_EFIELD, "%s: %04d-%02d-%02d is not a date", field_names[id],
                          d.year, d.month, d.day);
    return KTPEL_OK;
}

/* Checks one field on its own. */
static ktpel_err check_alone(const ktpel_resident *r, field_id id, ktpel_errbuf *eb)
{
    const text_spec *spec = find_text_spec(id);
    if (spec)
        return check_text(spec, (const char *)r + spec->offset, eb);
    switch (id) {
    case F_NIK: {
        char nik[KTPEL_NIK_LEN + 1];
        memcpy(nik, r->nik, sizeof nik);
        nik[KTPEL_NIK_LEN] = '\0'; /* a record from outside may lack the terminator */
        return in_field(ktpel_nik_check_digits(nik, "NIK", eb), "nik", eb);
    }
    case F_TANGGAL_LAHIR:
        return check_date_field(id, r->tanggal_lahir, eb);
    case F_JENIS_KELAMIN:
        if (r->jenis_kelamin != KTPEL_SEX_MALE && r->jenis_kelamin != KTPEL_SEX_FEMALE)
            return ktpel_fail(eb, KTPEL_EFIELD, "jenis_kelamin: not set");
        return KTPEL_OK;
    case F_GOLONGAN_DARAH:
        if (!blood_group_ok(r->golongan_darah)) {
            char shown[32];
            ktpel_text_quote(r->golongan_darah, strnlen(r->golongan_darah, 4), shown, sizeof shown);
            return ktpel_fail(eb, KTPEL_EFIELD,
                              "golongan_darah: \"%s\" is not a blood group (A, B, AB, O, "
                              "optionally + or -; or -)",
                              shown);
        }
        return KTPEL_OK;
    case F_RT_RW: {
        ktpel_err err = check_rt_rw_part("RT", r->rt, eb);
        return err ? err : check_rt_rw_part("RW", r->rw, eb);
    }
    case F_AGAMA:
        if (r->agama <= KTPEL_RELIGION_UNSET || r->agama >= KTPEL_RELIGION_COUNT)
            return ktpel_fail(eb, KTPEL_EFIELD, "agama: not set");
        return KTPEL_OK;
    case F_STATUS_PERKAWINAN:
        if (r->status_perkawinan <= KTPEL_MARITAL_UNSET ||
            r->status_perkawinan >= KTPEL_MARITAL_COUNT)
            return ktpel_fail(eb, KTPEL_EFIELD, "status_perkawinan: not set");
        return KTPEL_OK;
    case F_KEWARGANEGARAAN:
        if (r->kewarganegaraan != KTPEL_CITIZEN_WNI && r->kewarganegaraan != KTPEL_CITIZEN_WNA)
            return ktpel_fail(eb, KTPEL_EFIELD, "kewarganegaraan: not set");
        return KTPEL_OK;
    case F_BERLAKU_HINGGA:
        if (!r->seumur_hidup && r->berlaku_hingga.year != 0)
            return check_date_field(id, r->berlaku_hingga, eb);
        return KTPEL_OK;
    default:
        return ktpel_fail(eb, KTPEL_EINTERNAL, "resident: field %d has no check", (int)id);
    }
}

/* ---- setting fields from text ---- */

static ktpel_err copy_checked(const text_spec *spec, ktpel_resident *r, const char *value,
                              ktpel_errbuf *eb)
{
    char *dst = (char *)r + spec->offset;
    size_t len = strlen(value);
    if (len >= spec->size) {
        char shown[128];
        ktpel_text_quote(value, len, shown, sizeof shown);
        return ktpel_fail(eb, KTPEL_EFIELD, "%s: \"%s\": longer than %zu characters",
                          field_names[spec->id], shown, spec->max_chars);
    }
    ktpel_err err = check_text(spec, value, eb);
    if (err)
        return err;
    memcpy(dst, value, len + 1);
    return KTPEL_OK;
}

static ktpel_err set_rt_rw(ktpel_resident *r, const char *value, ktpel_errbuf *eb)
{
    const char *slash = strchr(value, '/');
    size_t len = strlen(value);
    if (!slash || slash - value != 3 || len != 7) {
        char shown[64];
        ktpel_text_quote(value, len, shown, sizeof shown);
        return ktpel_fail(eb, KTPEL_EFIELD, "rt_rw: \"%s\" is not RT/RW as 001/002", shown);
    }
    ktpel_resident tmp = *r;
    memcpy(tmp.rt, value, 3);
    tmp.rt[3] = '\0';
    memcpy(tmp.rw, value + 4, 3);
    tmp.rw[3] = '\0';
    ktpel_err err = check_alone(&tmp, F_RT_RW, eb);
    if (err)
        return err;
    memcpy(r->rt, tmp.rt, sizeof r->rt);
    memcpy(r->rw, tmp.rw, sizeof r->rw);
    return KTPEL_OK;
}

ktpel_err ktpel_resident_set_field(ktpel_resident *r, const char *field, const char *value,
                                   ktpel_errbuf *eb)
{
    if (!r || !field || !value)
        return ktpel_fail(eb, KTPEL_EINVAL, "resident: NULL argument");
    int id = find_field(field);
    if (id < 0)
        return ktpel_fail(eb, KTPEL_EINVAL, "resident: no field named \"%.40s\"", field);
    const text_spec *spec = find_text_spec((field_id)id);
    if (spec)
        return copy_checked(spec, r, value, eb);
    ktpel_err err;
    switch ((field_id)id) {
    case F_NIK:
        err = in_field(ktpel_nik_check_digits(value, "NIK", eb), "nik", eb);
        if (err)
            return err;
        memcpy(r->nik, value, KTPEL_NIK_LEN + 1);
        return KTPEL_OK;
    case F_TANGGAL_LAHIR:
        return ktpel_date_parse(value, "tanggal_lahir", &r->tanggal_lahir, eb);
    case F_JENIS_KELAMIN:
        return ktpel_sex_parse(value, &r->jenis_kelamin, eb);
    case F_GOLONGAN_DARAH:
        if (strlen(value) >= sizeof r->golongan_darah || !blood_group_ok(value)) {
            char shown[64];
            ktpel_text_quote(value, strlen(value), shown, sizeof shown);
            return ktpel_fail(eb, KTPEL_EFIELD,
                              "golongan_darah: \"%s\" is not a blood group (A, B, AB, O, "
                              "optionally + or -; or -)",
                              shown);
        }
        strcpy(r->golongan_darah, value);
        return KTPEL_OK;
    case F_RT_RW:
        return set_rt_rw(r, value, eb);
    case F_AGAMA:
        return ktpel_religion_parse(value, &r->agama, eb);
    case F_STATUS_PERKAWINAN:
        return ktpel_marital_parse(value, &r->status_perkawinan, eb);
    case F_KEWARGANEGARAAN:
        return ktpel_citizenship_parse(value, &r->kewarganegaraan, eb);
    case F_BERLAKU_HINGGA:
        if (strcmp(value, "SEUMUR HIDUP") == 0) {
            r->seumur_hidup = true;
            r->berlaku_hingga = (ktpel_date){0, 0, 0};
            return KTPEL_OK;
        }
        err = ktpel_date_parse(value, "berlaku_hingga", &r->berlaku_hingga, eb);
        if (!err)
            r->seumur_hidup = false;
        return err;
    default:
        return ktpel_fail(eb, KTPEL_EINTERNAL, "resident: field %s cannot be set", field);
    }
}

/* ---- region names ---- */

/* Upper-cases ASCII, collapses spaces, and spells out the usual abbreviations. */
static void normalize_name(const char *s, char *out, size_t size)
{
    size_t o = 0;
    out[0] = '\0';
    while (*s) {
        while (*s == ' ' || *s == '\t')
            s++;
        if (!*s)
            break;
        char word[128];
        size_t w = 0;
        while (*s && *s != ' ' && *s != '\t') {
            char ch = *s++;
            if (ch >= 'a' && ch <= 'z')
                ch = (char)(ch - 'a' + 'A');
            if (w + 1 < sizeof word)
                word[w++] = ch;
        }
        word[w] = '\0';
        const char *spelled = word;
        if (strcmp(word, "KAB.") == 0 || strcmp(word, "KAB") == 0)
            spelled = "KABUPATEN";
        else if (strcmp(word, "ADM.") == 0 || strcmp(word, "ADM") == 0)
            spelled = "ADMINISTRASI";
        size_t sl = strlen(spelled);
        if (o + sl + 2 >= size)
            break;
        if (o)
            out[o++] = ' ';
        memcpy(out + o, spelled, sl + 1);
        o += sl;
    }
}

static const char *skip_prefix(const char *s, const char *prefix)
{
    size_t n = strlen(prefix);
    return strncmp(s, prefix, n) == 0 ? s + n : NULL;
}

/* "KOTA ADMINISTRASI X" -> "X", "KABUPATEN X" -> "X", "KOTA X" -> "X"; NULL if no prefix. */
static const char *regency_base(const char *s)
{
    const char *p;
    if ((p = skip_prefix(s, "KOTA ADMINISTRASI ")) || (p = skip_prefix(s, "KABUPATEN ")) ||
        (p = skip_prefix(s, "KOTA ")))
        return p;
    return NULL;
}

bool ktpel_region_name_matches(const char *written, const char *listed, bool regency)
{
    if (!written || !listed)
        return false;
    char w[512], l[512];
    normalize_name(written, w, sizeof w);
    normalize_name(listed, l, sizeof l);
    const char *wp = w;
    if (!regency) {
        const char *p = skip_prefix(w, "PROVINSI ");
        wp = p ? p : w;
        const char *lp = skip_prefix(l, "PROVINSI ");
        return strcmp(wp, lp ? lp : l) == 0;
    }
    if (strcmp(w, l) == 0)
        return true;
    /* "KOTA JAKARTA SELATAN" for "KOTA ADMINISTRASI JAKARTA SELATAN" */
    const char *wk = skip_prefix(w, "KOTA "), *lk = skip_prefix(l, "KOTA ADMINISTRASI ");
    if (wk && lk && strcmp(wk, lk) == 0)
        return true;
    /* Written without any prefix: "JAKARTA SELATAN", "DHARMASRAYA". */
    const char *lb = regency_base(l);
    return !regency_base(w) && lb && strcmp(w, lb) == 0;
}

/* ---- whole-record validation ---- */

typedef struct cross_ctx {
    const ktpel_regions *regions;
    ktpel_date reference;
    bool nik_ok;
    ktpel_nik nik;
    ktpel_errbuf nik_error;
} cross_ctx;

static ktpel_err check_berlaku(const ktpel_resident *r, const cross_ctx *c, ktpel_errbuf *eb)
{
    char buf[16];
    if (r->kewarganegaraan == KTPEL_CITIZEN_WNI) {
        if (!r->seumur_hidup)
            return ktpel_fail(eb, KTPEL_EFIELD,
                              "berlaku_hingga: a WNI's KTP-el is valid for life (SEUMUR HIDUP), "
                              "not until a date");
        return KTPEL_OK;
    }
    if (r->kewarganegaraan != KTPEL_CITIZEN_WNA)
        return KTPEL_OK;
    if (r->seumur_hidup || r->berlaku_hingga.year == 0)
        return ktpel_fail(eb, KTPEL_EFIELD,
                          "berlaku_hingga: a WNA's KTP-el ends with the ITAP; the ITAP end date "
                          "is missing");
    if (ktpel_date_cmp(r->berlaku_hingga, c->reference) < 0)
        return ktpel_fail(eb, KTPEL_EFIELD, "berlaku_hingga: the ITAP ended on %s, before %s",
                          ktpel_date_format_iso(r->berlaku_hingga, buf, sizeof buf),
                          ktpel_date_format_iso(c->reference, (char[16]){0}, 16));
    return KTPEL_OK;
}

/* Checks one field alone and then against the others. */
static ktpel_err check_field(const ktpel_resident *r, field_id id, const cross_ctx *c,
                             ktpel_errbuf *eb)
{
    ktpel_err err = check_alone(r, id, eb);
    if (err)
        return err;
    char a[16], b[16];
    switch (id) {
    /* provinsi and kabupaten are where the resident lives now, which need not be where the
     * NIK was issued (a resident who moves keeps the NIK): they are checked against the
     * family card (KK) of the current address, by the application check. */
    case F_NIK:
        if (!c->nik_ok) {
            if (eb)
                *eb = c->nik_error;
            return in_field(c->nik_error.code, "nik", eb);
        }
        return KTPEL_OK;
    case F_TANGGAL_LAHIR:
        if (ktpel_date_cmp(r->tanggal_lahir, c->reference) > 0)
            return ktpel_fail(eb, KTPEL_EFIELD, "tanggal_lahir: %s is after %s",
                              ktpel_date_format_iso(r->tanggal_lahir, a, sizeof a),
                              ktpel_date_format_iso(c->reference, b, sizeof b));
        if (!c->nik_ok)
            return KTPEL_OK;
        return in_field(ktpel_nik_check_person(&c->nik, c->nik.sex, r->tanggal_lahir, eb),
                        "tanggal_lahir", eb);
    case F_JENIS_KELAMIN:
        if (!c->nik_ok)
            return KTPEL_OK;
        return in_field(ktpel_nik_check_person(&c->nik, r->jenis_kelamin, c->nik.birth, eb),
                        "jenis_kelamin", eb);
    case F_BERLAKU_HINGGA:
        return check_berlaku(r, c, eb);
    default:
        return KTPEL_OK;
    }
}

static void prepare(const ktpel_resident *r, const ktpel_regions *regions, ktpel_date reference,
                    cross_ctx *c)
{
    c->regions = regions;
    c->reference = reference;
    ktpel_errbuf_clear(&c->nik_error);
    char nik[KTPEL_NIK_LEN + 1];
    memcpy(nik, r->nik, sizeof nik);
    nik[KTPEL_NIK_LEN] = '\0'; /* a record from outside may lack the terminator */
    c->nik_ok = ktpel_nik_parse(nik, regions, reference, &c->nik, &c->nik_error) == KTPEL_OK;
}

ktpel_err ktpel_resident_validate(const ktpel_resident *r, const ktpel_regions *regions,
                                  ktpel_date reference, const char **failed_field, ktpel_errbuf *eb)
{
    if (failed_field)
        *failed_field = NULL;
    if (!r || !regions)
        return ktpel_fail(eb, KTPEL_EINVAL, "resident validate: NULL argument");
    cross_ctx c;
    prepare(r, regions, reference, &c);
    for (int id = 0; id < F_COUNT; id++) {
        ktpel_err err = check_field(r, (field_id)id, &c, eb);
        if (err) {
            if (failed_field)
                *failed_field = field_names[id];
            return err;
        }
    }
    return KTPEL_OK;
}

size_t ktpel_resident_validate_all(const ktpel_resident *r, const ktpel_regions *regions,
                                   ktpel_date reference, ktpel_field_error_fn fn, void *ctx)
{
    if (!r || !regions)
        return 0;
    cross_ctx c;
    prepare(r, regions, reference, &c);
    size_t failures = 0;
    for (int id = 0; id < F_COUNT; id++) {
        ktpel_errbuf eb;
        ktpel_errbuf_clear(&eb);
        if (check_field(r, (field_id)id, &c, &eb)) {
            failures++;
            if (fn)
                fn(ctx, field_names[id], &eb);
        }
    }
    return failures;
}
