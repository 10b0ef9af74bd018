/* Synthetic residents (see include/ktpel/synth_resident.h). */
#include "ktpel/synth_resident.h"

#include <math.h>
#include <stdlib.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "ktpel/rng.h"
#include "synth_resident_tables.h"

#define SERIALS 9999u

/* Sub-streams under KTPEL_SYNTH_RESIDENT_STREAM. */
enum { STREAM_PERMUTATION = 1, STREAM_PERSON = 2, STREAM_RECORD = 3, STREAM_DUPLICATES = 4 };

/* Chinese names written surname first, as many older Chinese-Indonesians of West Kalimantan
 * keep them ("LIM SIAU MEI"). */
static const char *const cn_surnames[] = {"LIM",   "TAN", "LIE", "BONG",  "TJHIN", "WONG",
                                          "CHONG", "KHO", "NG",  "THJAI", "LAU",   "SU"};
static const char *const cn_male_syllables[] = {"KET", "FUI",   "HAN", "KIM",   "CHUN",  "FONG",
                                                "JUN", "SIONG", "MIN", "KIONG", "LIONG", "TET"};
static const char *const cn_female_syllables[] = {"SIAU", "MEI", "MOI",  "LIN", "LAN", "FUNG",
                                                  "HUA",  "YIN", "NYUK", "LI",  "SIN", "FA"};

const char *ktpel_synth_ethnicity_name(ktpel_synth_ethnicity e)
{
    static const char *const names[KTPEL_SYNTH_ETHNICITY_COUNT] = {
        "javanese", "sundanese", "minang",  "batak",  "dayak",
        "malay",    "chinese",   "eastern", "foreign"};
    return (int)e >= 0 && e < KTPEL_SYNTH_ETHNICITY_COUNT ? names[e] : "unknown";
}

void ktpel_synth_population_init(ktpel_synth_population *p, uint64_t seed, uint64_t persons)
{
    memset(p, 0, sizeof *p);
    p->seed = seed;
    p->persons = persons;
    p->identities = persons;
    p->date =
        (ktpel_date){KTPEL_SYNTH_DEFAULT_YEAR, KTPEL_SYNTH_DEFAULT_MONTH, KTPEL_SYNTH_DEFAULT_DAY};
    p->wna_share = 0.02;
}

ktpel_err ktpel_synth_population_check(const ktpel_synth_population *p, ktpel_errbuf *eb)
{
    if (!p)
        return ktpel_fail(eb, KTPEL_EINVAL, "population: NULL");
    if (p->persons < 1)
        return ktpel_fail(eb, KTPEL_EINVAL, "population: no persons");
    if (p->identities < p->persons || p->identities > KTPEL_SYNTH_MAX_IDENTITIES)
        return ktpel_fail(eb, KTPEL_EINVAL,
                          "population: %llu identities for %llu persons (between the persons "
                          "and %llu, the NIK serials of the 43 districts)",
                          (unsigned long long)p->identities, (unsigned long long)p->persons,
                          (unsigned long long)KTPEL_SYNTH_MAX_IDENTITIES);
    if (!ktpel_date_valid(p->date) || p->date.year < 2000 || p->date.year > 2090)
        return ktpel_fail(eb, KTPEL_EINVAL, "population: date %04d-%02d-%02d (2000..2090)",
                          p->date.year, p->date.month, p->date.day);
    if (!(p->wna_share >= 0 && p->wna_share <= 1))
        return ktpel_fail(eb, KTPEL_EINVAL, "population: wna_share %g is not in 0..1",
                          p->wna_share);
    return KTPEL_OK;
}

static void stream(ktpel_rng *rng, uint64_t seed, uint64_t kind, uint64_t index)
{
    uint64_t path[3] = {KTPEL_SYNTH_RESIDENT_STREAM, kind, index};
    ktpel_rng_seed_path(rng, seed, path, 3);
}

static const char *pick(ktpel_rng *rng, word_list list)
{
    return list.count ? list.words[ktpel_rng_below(rng, list.count)] : "";
}

/* Index drawn with the given integer weights (at least one positive). */
static int pick_weighted(ktpel_rng *rng, const int *weights, int n)
{
    long total = 0;
    for (int i = 0; i < n; i++)
        total += weights[i];
    long r = (long)ktpel_rng_below(rng, (uint64_t)total);
    for (int i = 0; i < n; i++) {
        if (r < weights[i])
            return i;
        r -= weights[i];
    }
    return n - 1;
}

static bool chance(ktpel_rng *rng, double p)
{
    return ktpel_rng_uniform(rng) < p;
}

static uint64_t gcd(uint64_t a, uint64_t b)
{
    while (b) {
        uint64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* The population's bijection of identities onto (district, serial) pairs: v = a k + b
 * modulo M, with a coprime to M. KK serials are a second bijection within the district. */
typedef struct numbering {
    uint64_t a, b;   /* NIK */
    uint64_t ka, kb; /* KK serial, modulo SERIALS */
} numbering;

static numbering make_numbering(uint64_t seed)
{
    const uint64_t m = KTPEL_SYNTH_MAX_IDENTITIES;
    ktpel_rng rng;
    stream(&rng, seed, STREAM_PERMUTATION, 0);
    numbering n;
    do
        n.a = 1 + ktpel_rng_below(&rng, m - 1);
    while (gcd(n.a, m) != 1);
    n.b = ktpel_rng_below(&rng, m);
    do
        n.ka = 1 + ktpel_rng_below(&rng, SERIALS - 1);
    while (gcd(n.ka, SERIALS) != 1);
    n.kb = ktpel_rng_below(&rng, SERIALS);
    return n;
}

/* ---- persons ----------------------------------------------------------------------------- */

ktpel_err ktpel_synth_person_make(const ktpel_synth_population *p, uint64_t person,
                                  ktpel_synth_person *out, ktpel_errbuf *eb)
{
    ktpel_err rc = ktpel_synth_population_check(p, eb);
    if (rc != KTPEL_OK)
        return rc;
    if (!out)
        return ktpel_fail(eb, KTPEL_EINVAL, "person: NULL output");
    if (person >= p->persons)
        return ktpel_fail(eb, KTPEL_EINVAL, "person %llu: the population has %llu",
                          (unsigned long long)person, (unsigned long long)p->persons);
    ktpel_rng rng;
    stream(&rng, p->seed, STREAM_PERSON, person);
    memset(out, 0, sizeof *out);
    out->person = person;
    out->sex = chance(&rng, 0.5) ? KTPEL_SEX_MALE : KTPEL_SEX_FEMALE;
    ktpel_date turned17 = ktpel_date_anniversary(p->date, -17);
    if (chance(&rng, 0.35)) {
        /* The usual first applicant: turned 17 in the last months. */
        out->birth = ktpel_date_add_days(turned17, -(int64_t)ktpel_rng_below(&rng, 150));
    } else {
        /* An adult, 18..85, fewer at higher ages. */
        int age = 18 + (int)(67.0 * pow(ktpel_rng_uniform(&rng), 1.6));
        ktpel_date base = ktpel_date_anniversary(p->date, -age);
        out->birth = ktpel_date_add_days(base, -(int64_t)ktpel_rng_below(&rng, 365));
    }
    out->appearance = ktpel_rng_uniform(&rng);
    return KTPEL_OK;
}

/* ---- records ----------------------------------------------------------------------------- */

/* A growing text with a fixed capacity; writes past it are dropped and flagged. */
typedef struct text {
    char buf[256];
    size_t len;
    bool overflow;
} text;

static void text_add(text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void text_add(text *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(t->buf + t->len, sizeof t->buf - t->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof t->buf - t->len) {
        t->overflow = true;
        t->len = strlen(t->buf);
        return;
    }
    t->len += (size_t)n;
}

/* Sets a resident field through the record's own parser, so that every value the generator
 * makes is checked by the same rules as a typed one. */
static ktpel_err set(ktpel_resident *r, const char *field, const char *value, ktpel_errbuf *eb)
{
    ktpel_err rc = ktpel_resident_set_field(r, field, value, eb);
    if (rc != KTPEL_OK)
        ktpel_fail_context(eb, "synthetic %s \"%s\": ", field, value);
    return rc;
}

static ktpel_religion pick_religion(ktpel_rng *rng, const synth_ethnic *eth)
{
    return (ktpel_religion)(KTPEL_RELIGION_ISLAM +
                            pick_weighted(rng, eth->religion_weight, KTPEL_RELIGION_COUNT - 1));
}

static word_list given_names(const synth_ethnic *eth, ktpel_religion religion, bool male)
{
    if (religion == KTPEL_RELIGION_ISLAM)
        return male ? eth->male_muslim : eth->female_muslim;
    if (religion == KTPEL_RELIGION_KRISTEN || religion == KTPEL_RELIGION_KATHOLIK)
        return male ? eth->male_christian : eth->female_christian;
    return male ? eth->male_other : eth->female_other;
}

static void chinese_name(ktpel_rng *rng, bool male, text *t)
{
    const char *const *syl = male ? cn_male_syllables : cn_female_syllables;
    size_t n = male ? sizeof cn_male_syllables / sizeof *cn_male_syllables
                    : sizeof cn_female_syllables / sizeof *cn_female_syllables;
    text_add(t, "%s %s %s",
             cn_surnames[ktpel_rng_below(rng, sizeof cn_surnames / sizeof *cn_surnames)],
             syl[ktpel_rng_below(rng, n)], syl[ktpel_rng_below(rng, n)]);
}

/* 1..3 given names without repeats, then a family name where the background has one
 * (Batak women: "BR." before the marga). */
static void foreign_name(ktpel_rng *rng, const synth_nationality *n, bool male, text *t)
{
    const char *given = pick(rng, male ? n->male : n->female), *family = pick(rng, n->family);
    if (n->order == FAMILY_GIVEN)
        text_add(t, "%s %s", family, given);
    else if (n->order == GIVEN_PATRONYM)
        text_add(t, "%s %s %s", given, male ? "BIN" : "BINTI", family);
    else
        text_add(t, "%s %s", given, family);
}

static void make_name(ktpel_rng *rng, ktpel_synth_ethnicity e, ktpel_religion religion, bool male,
                      text *t)
{
    const synth_ethnic *eth = &synth_ethnics[e];
    bool traditional = religion == KTPEL_RELIGION_BUDHA || religion == KTPEL_RELIGION_KHONGHUCU;
    if (e == KTPEL_SYNTH_CHINESE && traditional && chance(rng, 0.5)) {
        chinese_name(rng, male, t);
        return;
    }
    word_list given = given_names(eth, religion, male);
    bool family = eth->family.count && (int)ktpel_rng_below(rng, 1000) < eth->family_share;
    int words = family ? 1 + (int)ktpel_rng_below(rng, 2) : 1 + (int)ktpel_rng_below(rng, 3);
    const char *used[3] = {NULL, NULL, NULL};
    for (int i = 0; i < words; i++) {
        const char *w = pick(rng, given);
        for (int tries = 0; tries < 8 && i > 0 && (w == used[0] || w == used[1]); tries++)
            w = pick(rng, given);
        if (i > 0 && (w == used[0] || w == used[1]))
            break;
        used[i] = w;
        text_add(t, "%s%s", i ? " " : "", w);
    }
    if (family)
        text_add(t, " %s%s", e == KTPEL_SYNTH_BATAK && !male ? "BR. " : "", pick(rng, eth->family));
}

static const char *pick_birthplace(ktpel_rng *rng, ktpel_synth_ethnicity e,
                                   const synth_regency *reg)
{
    /* Local families are mostly born at home; migrants' families often elsewhere. */
    static const int home_share[KTPEL_SYNTH_ETHNICITY_COUNT] = {600, 400, 850, 400, 900,
                                                                850, 700, 400, 0};
    if ((int)ktpel_rng_below(rng, 1000) < home_share[e])
        return pick(rng, reg->towns);
    return pick(rng, synth_ethnics[e].birthplaces);
}

static void make_address(ktpel_rng *rng, const synth_regency *reg, text *t)
{
    switch (ktpel_rng_below(rng, 4)) {
    case 0:
        text_add(t, "%s %s", reg->hamlet, pick(rng, reg->hamlets));
        break;
    case 1:
        text_add(t, "JL. %s NO. %d", pick(rng, reg->streets), 1 + (int)ktpel_rng_below(rng, 150));
        break;
    case 2:
        text_add(t, "JL. %s KM. %d", pick(rng, reg->streets), 1 + (int)ktpel_rng_below(rng, 25));
        break;
    default:
        text_add(t, "GG. %s NO. %d%s", pick(rng, reg->hamlets), 1 + (int)ktpel_rng_below(rng, 60),
                 chance(rng, 0.2) ? "A" : "");
        break;
    }
}

static const char *pick_blood(ktpel_rng *rng)
{
    static const int weights[] = {370, 290, 260, 80};
    static const char *const plain[] = {"O", "B", "A", "AB"};
    static const char *const pos[] = {"O+", "B+", "A+", "AB+"};
    static const char *const neg[] = {"O-", "B-", "A-", "AB-"};
    if (chance(rng, 0.35))
        return "-"; /* many residents do not know theirs */
    int g = pick_weighted(rng, weights, 4);
    double u = ktpel_rng_uniform(rng);
    return u < 0.005 ? neg[g] : u < 0.15 ? pos[g] : plain[g];
}

static ktpel_marital pick_marital(ktpel_rng *rng, int age)
{
    /* Per mille: belum kawin, kawin, cerai hidup, cerai mati. */
    static const struct {
        int max_age;
        int w[4];
    } bands[] = {{19, {970, 30, 0, 0}},   {24, {600, 390, 10, 0}},  {29, {300, 670, 25, 5}},
                 {49, {70, 860, 45, 25}}, {64, {30, 800, 60, 110}}, {200, {20, 600, 50, 330}}};
    size_t b = 0;
    while (age > bands[b].max_age)
        b++;
    return (ktpel_marital)(KTPEL_MARITAL_BELUM_KAWIN + pick_weighted(rng, bands[b].w, 4));
}

static const char *pick_job(ktpel_rng *rng, int age, bool male, ktpel_synth_ethnicity e)
{
    if (e == KTPEL_SYNTH_FOREIGN)
        return pick(rng, synth_jobs_foreign);
    if (age < 20)
        return pick(rng, synth_jobs_young);
    if (age >= 60)
        return pick(rng, synth_jobs_old);
    if (!male && chance(rng, 0.4))
        return pick(rng, synth_jobs_home);
    if (age < 24 && chance(rng, 0.4))
        return pick(rng, synth_jobs_young);
    return pick(rng, synth_jobs_adult);
}

/* The marriage date of a married (or once married) resident: at 19..34, not after the day
 * before the application (and not before the birth). */
static ktpel_date pick_marriage(ktpel_rng *rng, ktpel_date birth, ktpel_date applied)
{
    int age = ktpel_age_on(birth, applied);
    int lo = age < 19 ? 17 : 19;
    int hi = age < 34 ? age : 34;
    int at = lo >= hi ? lo : ktpel_rng_range(rng, lo, hi);
    ktpel_date d =
        ktpel_date_add_days(ktpel_date_anniversary(birth, at), (int64_t)ktpel_rng_below(rng, 365));
    ktpel_date latest = ktpel_date_add_days(applied, -1);
    if (ktpel_date_cmp(d, latest) > 0)
        d = latest;
    if (ktpel_date_cmp(d, birth) < 0)
        d = birth;
    return d;
}

/* The claimed birth date: a person's own for their first record; a duplicate claims a date
 * one month to two years away, and is still 17 by the population's date. */
static ktpel_date claimed_birth(ktpel_rng *rng, const ktpel_synth_population *p, bool duplicate,
                                ktpel_date real)
{
    if (!duplicate)
        return real;
    int shift = ktpel_rng_range(rng, 30, 730) * (ktpel_rng_uniform(rng) < 0.5 ? -1 : 1);
    ktpel_date d = ktpel_date_add_days(real, shift);
    ktpel_date latest = ktpel_date_anniversary(p->date, -17);
    /* Too young to apply: claim to be older instead. */
    return ktpel_date_cmp(d, latest) > 0 ? ktpel_date_add_days(real, -abs(shift)) : d;
}

/* Application date: soon after the 17th birthday for a new 17-year-old, else (and always for a
 * duplicate, who comes back later) within the 180 days before the population's date; never
 * before the 17th birthday. */
static ktpel_date pick_application_date(ktpel_rng *rng, const ktpel_synth_population *p,
                                        ktpel_date birth, bool duplicate)
{
    ktpel_date turned17 = ktpel_date_anniversary(birth, 17);
    ktpel_date d;
    if (!duplicate && ktpel_age_on(birth, p->date) == 17)
        d = ktpel_date_add_days(turned17, (int64_t)ktpel_rng_below(rng, 45));
    else
        d = ktpel_date_add_days(p->date, -(int64_t)ktpel_rng_below(rng, 180));
    if (ktpel_date_cmp(d, p->date) > 0)
        d = p->date;
    if (ktpel_date_cmp(d, turned17) < 0)
        d = turned17;
    return d;
}

static const synth_regency *regency_of(const synth_district *d)
{
    for (size_t i = 0; i < synth_regency_count; i++)
        if (synth_regencies[i].province == d->province && synth_regencies[i].regency == d->regency)
            return &synth_regencies[i];
    return &synth_regencies[0];
}

/* Everything the record needs before its text fields. */
typedef struct draft {
    const synth_district *district;
    const synth_regency *regency;
    int nik_serial, kk_serial;
    ktpel_synth_ethnicity ethnicity;
    const synth_nationality *nation; /* foreign residents only */
    ktpel_religion religion;
    ktpel_date birth, applied;
    bool male;
    int age;
} draft;

static void number_identity(const ktpel_synth_population *p, uint64_t k, draft *d)
{
    numbering n = make_numbering(p->seed);
    uint64_t v = (n.a * k + n.b) % KTPEL_SYNTH_MAX_IDENTITIES;
    d->district = &synth_districts[v / SERIALS];
    d->regency = regency_of(d->district);
    uint64_t s = v % SERIALS;
    d->nik_serial = (int)s + 1;
    d->kk_serial = (int)((n.ka * s + n.kb) % SERIALS) + 1;
}

static ktpel_err write_numbers(const draft *d, ktpel_rng *rng, ktpel_application *app,
                               ktpel_errbuf *eb)
{
    const synth_district *di = d->district;
    char nik[40];
    int day = d->birth.day + (d->male ? 0 : 40);
    snprintf(nik, sizeof nik, "%02d%02d%02d%02d%02d%02d%04d", di->province, di->regency,
             di->district, day, d->birth.month, d->birth.year % 100, d->nik_serial);
    ktpel_err rc = set(&app->resident, "nik", nik, eb);
    if (rc != KTPEL_OK)
        return rc;
    /* The family card was issued (or last reissued) between 2005, or the birth, and the
     * application. */
    ktpel_date from = {2005, 1, 1};
    if (ktpel_date_cmp(d->birth, from) > 0)
        from = d->birth;
    int64_t span = ktpel_date_diff(from, d->applied);
    ktpel_date issued =
        span > 0 ? ktpel_date_add_days(from, (int64_t)ktpel_rng_below(rng, (uint64_t)span)) : from;
    char kk[40];
    snprintf(kk, sizeof kk, "%02d%02d%02d%02d%02d%02d%04d", di->province, di->regency, di->district,
             issued.day, issued.month, issued.year % 100, d->kk_serial);
    if (strlen(kk) != KTPEL_NIK_LEN)
        return ktpel_fail(eb, KTPEL_EINTERNAL, "synthetic KK number %s is not 16 digits", kk);
    memcpy(app->no_kk, kk, KTPEL_NIK_LEN + 1);
    return KTPEL_OK;
}

static ktpel_err write_person_fields(const draft *d, ktpel_rng *rng, ktpel_application *app,
                                     ktpel_errbuf *eb)
{
    ktpel_resident *r = &app->resident;
    text name = {0}, address = {0};
    if (d->nation)
        foreign_name(rng, d->nation, d->male, &name);
    else
        make_name(rng, d->ethnicity, d->religion, d->male, &name);
    make_address(rng, d->regency, &address);
    char date[16], rt_rw[32];
    ktpel_date_format_iso(d->birth, date, sizeof date);
    snprintf(rt_rw, sizeof rt_rw, "%03d/%03d", 1 + (int)ktpel_rng_below(rng, 15),
             1 + (int)ktpel_rng_below(rng, 8));
    ktpel_err rc = KTPEL_OK;
    if (name.overflow || address.overflow)
        return ktpel_fail(eb, KTPEL_EINTERNAL, "synthetic name or address too long");
    if (!rc)
        rc = set(r, "provinsi", d->regency->provinsi, eb);
    if (!rc)
        rc = set(r, "kabupaten", d->regency->kabupaten, eb);
    if (!rc)
        rc = set(r, "nama", name.buf, eb);
    if (!rc)
        rc = set(r, "tempat_lahir",
                 d->nation ? pick(rng, d->nation->birthplaces)
                           : pick_birthplace(rng, d->ethnicity, d->regency),
                 eb);
    if (!rc)
        rc = set(r, "tanggal_lahir", date, eb);
    if (!rc)
        rc = set(r, "jenis_kelamin", d->male ? "LAKI-LAKI" : "PEREMPUAN", eb);
    if (!rc)
        rc = set(r, "golongan_darah", pick_blood(rng), eb);
    if (!rc)
        rc = set(r, "alamat", address.buf, eb);
    if (!rc)
        rc = set(r, "rt_rw", rt_rw, eb);
    if (!rc)
        rc = set(r, "kel_desa", pick(rng, d->district->villages), eb);
    if (!rc)
        rc = set(r, "kecamatan", d->district->name, eb);
    if (!rc)
        rc = set(r, "agama", ktpel_religion_name(d->religion), eb);
    if (!rc)
        rc = set(r, "pekerjaan", pick_job(rng, d->age, d->male, d->ethnicity), eb);
    return rc;
}

static ktpel_err write_status(const draft *d, ktpel_rng *rng, ktpel_application *app,
                              ktpel_errbuf *eb)
{
    ktpel_resident *r = &app->resident;
    ktpel_marital marital = pick_marital(rng, d->age);
    ktpel_err rc = set(r, "status_perkawinan", ktpel_marital_name(marital), eb);
    if (rc == KTPEL_OK && marital != KTPEL_MARITAL_BELUM_KAWIN) {
        app->has_marriage_date = true;
        app->marriage_date = pick_marriage(rng, d->birth, d->applied);
    }
    bool foreign = d->ethnicity == KTPEL_SYNTH_FOREIGN;
    if (rc == KTPEL_OK)
        rc = set(r, "kewarganegaraan", foreign ? "WNA" : "WNI", eb);
    if (rc != KTPEL_OK)
        return rc;
    if (!foreign) {
        app->service = KTPEL_SERVICE_NEW;
        app->documents = KTPEL_REQ_BIT(KTPEL_REQ_KK);
        return set(r, "berlaku_hingga", "SEUMUR HIDUP", eb);
    }
    /* An ITAP runs five years; half the foreign residents renew one that ends soon. */
    app->service = KTPEL_SERVICE_WNA_ITAP;
    app->documents = KTPEL_REQ_BIT(KTPEL_REQ_KK) | KTPEL_REQ_BIT(KTPEL_REQ_PASSPORT) |
                     KTPEL_REQ_BIT(KTPEL_REQ_ITAP);
    char until[16];
    ktpel_date_format_iso(ktpel_date_anniversary(d->applied, 5), until, sizeof until);
    if (chance(rng, 0.5)) {
        app->has_previous_itap_end = true;
        app->previous_itap_end = ktpel_date_add_days(d->applied, ktpel_rng_range(rng, 31, 200));
    }
    return set(r, "berlaku_hingga", until, eb);
}

static void declare_priority(const draft *d, ktpel_rng *rng, ktpel_application *app)
{
    if (d->age >= 60 && chance(rng, 0.7))
        app->priority_declared |= KTPEL_PRIORITY_ELDERLY;
    if (!d->male && d->age >= 20 && d->age <= 40 && app->has_marriage_date && chance(rng, 0.05))
        app->priority_declared |= KTPEL_PRIORITY_NURSING;
    if (chance(rng, 0.01))
        app->priority_declared |= KTPEL_PRIORITY_DISABILITY;
}

/* A duplicate poses as another citizen: never as a foreign resident. */
static ktpel_synth_ethnicity pick_ethnicity(ktpel_rng *rng, const ktpel_synth_population *p,
                                            const synth_regency *reg, bool duplicate)
{
    if (chance(rng, duplicate ? 0 : p->wna_share))
        return KTPEL_SYNTH_FOREIGN;
    return (ktpel_synth_ethnicity)pick_weighted(rng, reg->ethnic_weight,
                                                KTPEL_SYNTH_ETHNICITY_COUNT);
}

ktpel_err ktpel_synth_resident_make(const ktpel_synth_population *p, uint64_t k,
                                    const ktpel_synth_person *who, ktpel_application *out,
                                    ktpel_synth_ethnicity *ethnicity, ktpel_errbuf *eb)
{
    ktpel_err rc = ktpel_synth_population_check(p, eb);
    if (rc != KTPEL_OK)
        return rc;
    if (!who || !out)
        return ktpel_fail(eb, KTPEL_EINVAL, "synthetic resident: NULL argument");
    if (k >= p->identities || (k < p->persons && who->person != k))
        return ktpel_fail(eb, KTPEL_EINVAL,
                          "synthetic resident %llu: not an identity of person %llu (%llu persons, "
                          "%llu identities)",
                          (unsigned long long)k, (unsigned long long)who->person,
                          (unsigned long long)p->persons, (unsigned long long)p->identities);
    memset(out, 0, sizeof *out);
    snprintf(out->source, sizeof out->source, "synth:%llu", (unsigned long long)k);
    ktpel_rng rng;
    stream(&rng, p->seed, STREAM_RECORD, k);

    draft d;
    number_identity(p, k, &d);
    d.male = who->sex == KTPEL_SEX_MALE;
    d.birth = claimed_birth(&rng, p, k >= p->persons, who->birth);
    d.applied = pick_application_date(&rng, p, d.birth, k >= p->persons);
    d.age = ktpel_age_on(d.birth, d.applied);
    d.ethnicity = pick_ethnicity(&rng, p, d.regency, k >= p->persons);
    d.nation = NULL;
    if (d.ethnicity == KTPEL_SYNTH_FOREIGN) {
        d.nation = &synth_nationalities[ktpel_rng_below(&rng, synth_nationality_count)];
        d.religion =
            (ktpel_religion)(KTPEL_RELIGION_ISLAM + pick_weighted(&rng, d.nation->religion_weight,
                                                                  KTPEL_RELIGION_COUNT - 1));
    } else {
        d.religion = pick_religion(&rng, &synth_ethnics[d.ethnicity]);
    }
    out->application_date = d.applied;

    rc = write_numbers(&d, &rng, out, eb);
    if (rc == KTPEL_OK)
        rc = write_person_fields(&d, &rng, out, eb);
    if (rc == KTPEL_OK)
        rc = write_status(&d, &rng, out, eb);
    if (rc != KTPEL_OK)
        return rc;
    declare_priority(&d, &rng, out);
    if (ethnicity)
        *ethnicity = d.ethnicity;
    return KTPEL_OK;
}

/* ---- the enrolment order ---------------------------------------------------------------- */

typedef struct ordered {
    ktpel_synth_enrolment e;
    uint64_t key; /* original of person p: 2p; a duplicate placed after person q: 2q + 1 */
} ordered;

static int cmp_ordered(const void *a, const void *b)
{
    const ordered *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return x->e.identity < y->e.identity ? -1 : x->e.identity > y->e.identity;
}

/* Draws the duplicates (distinct persons, partial Fisher-Yates) and their places. */
static ktpel_err draw_duplicates(const ktpel_synth_population *p, ordered *all, ktpel_errbuf *eb)
{
    uint64_t n = p->persons, dups = p->identities - p->persons;
    uint32_t *pool = malloc(n * sizeof *pool);
    if (!pool)
        return ktpel_fail(eb, KTPEL_ENOMEM, "enrolments: out of memory for %llu persons",
                          (unsigned long long)n);
    for (uint64_t i = 0; i < n; i++)
        pool[i] = (uint32_t)i;
    ktpel_rng rng;
    stream(&rng, p->seed, STREAM_DUPLICATES, 0);
    for (uint64_t j = 0; j < dups; j++) {
        uint64_t pick = j + ktpel_rng_below(&rng, n - j);
        uint32_t t = pool[j];
        pool[j] = pool[pick];
        pool[pick] = t;
        uint64_t who = pool[j], after = who + ktpel_rng_below(&rng, n - who);
        all[n + j] = (ordered){{n + j, who, -1}, 2 * after + 1};
    }
    free(pool);
    return KTPEL_OK;
}

ktpel_err ktpel_synth_enrolments(const ktpel_synth_population *p, ktpel_synth_enrolment **out,
                                 ktpel_errbuf *eb)
{
    ktpel_err rc = ktpel_synth_population_check(p, eb);
    if (rc != KTPEL_OK)
        return rc;
    if (!out)
        return ktpel_fail(eb, KTPEL_EINVAL, "enrolments: NULL output");
    *out = NULL;
    uint64_t n = p->persons, total = p->identities;
    ordered *all = malloc(total * sizeof *all);
    int64_t *first = malloc(n * sizeof *first);
    ktpel_synth_enrolment *e = malloc(total * sizeof *e);
    rc = all && first && e ? KTPEL_OK
                           : ktpel_fail(eb, KTPEL_ENOMEM, "enrolments: out of memory for %llu",
                                        (unsigned long long)total);
    if (rc == KTPEL_OK) {
        for (uint64_t i = 0; i < n; i++)
            all[i] = (ordered){{i, i, -1}, 2 * i};
        rc = draw_duplicates(p, all, eb);
    }
    if (rc == KTPEL_OK) {
        qsort(all, total, sizeof *all, cmp_ordered);
        for (uint64_t i = 0; i < total; i++) {
            e[i] = all[i].e;
            if (e[i].identity < n)
                first[e[i].person] = (int64_t)i;
        }
        for (uint64_t i = 0; i < total; i++)
            if (e[i].identity >= n)
                e[i].original = first[e[i].person];
        *out = e;
        e = NULL;
    }
    free(all);
    free(first);
    free(e);
    return rc;
}

/* ---- the application file --------------------------------------------------------------- */

static void format_list(text *t, unsigned bits, int count, const char *(*name)(unsigned))
{
    bool first = true;
    for (int i = 0; i < count; i++) {
        if (!(bits & (1u << i)))
            continue;
        text_add(t, "%s%s", first ? "" : ", ", name(1u << i));
        first = false;
    }
}

static const char *requirement_key(unsigned bit)
{
    for (int r = 0; r < KTPEL_REQ_COUNT; r++)
        if (bit == KTPEL_REQ_BIT(r))
            return ktpel_requirement_get((ktpel_requirement)r)->key;
    return "?";
}

static const char *date_value(text *t, ktpel_date date)
{
    char d[16];
    text_add(t, "%s", ktpel_date_format_iso(date, d, sizeof d));
    return t->buf;
}

static const char *list_value(text *t, unsigned bits, int count, const char *(*name)(unsigned))
{
    format_list(t, bits, count, name);
    return t->buf;
}

/* Value of an application key, or NULL when the key is absent. */
static const char *key_value(const ktpel_application *app, const char *key, text *t)
{
    const ktpel_resident *r = &app->resident;
    if (strcmp(key, "layanan") == 0)
        return ktpel_service_id(app->service);
    if (strcmp(key, "tanggal_permohonan") == 0)
        return date_value(t, app->application_date);
    if (strcmp(key, "no_kk") == 0)
        return app->no_kk;
    if (strcmp(key, "tanggal_kawin") == 0) {
        if (!app->has_marriage_date)
            return NULL;
        return date_value(t, app->marriage_date);
    }
    if (strcmp(key, "itap_berlaku_hingga") == 0) {
        if (r->seumur_hidup)
            return NULL;
        return date_value(t, r->berlaku_hingga);
    }
    if (strcmp(key, "itap_lama_berlaku_hingga") == 0) {
        if (!app->has_previous_itap_end)
            return NULL;
        return date_value(t, app->previous_itap_end);
    }
    if (strcmp(key, "perubahan") == 0)
        return app->change == KTPEL_CHANGE_NONE ? NULL : ktpel_change_id(app->change);
    if (strcmp(key, "dokumen") == 0)
        return list_value(t, app->documents, KTPEL_REQ_COUNT, requirement_key);
    if (strcmp(key, "prioritas") == 0) {
        if (!app->priority_declared)
            return NULL;
        return list_value(t, app->priority_declared, 3, ktpel_priority_id);
    }
    if (strcmp(key, "nik") == 0)
        return r->nik;
    if (strcmp(key, "provinsi") == 0)
        return r->provinsi;
    if (strcmp(key, "kabupaten") == 0)
        return r->kabupaten;
    if (strcmp(key, "nama") == 0)
        return r->nama;
    if (strcmp(key, "tempat_lahir") == 0)
        return r->tempat_lahir;
    if (strcmp(key, "tanggal_lahir") == 0)
        return date_value(t, r->tanggal_lahir);
    if (strcmp(key, "jenis_kelamin") == 0)
        return ktpel_sex_name(r->jenis_kelamin);
    if (strcmp(key, "golongan_darah") == 0)
        return r->golongan_darah;
    if (strcmp(key, "alamat") == 0)
        return r->alamat;
    if (strcmp(key, "rt_rw") == 0) {
        text_add(t, "%s/%s", r->rt, r->rw);
        return t->buf;
    }
    if (strcmp(key, "kel_desa") == 0)
        return r->kel_desa;
    if (strcmp(key, "kecamatan") == 0)
        return r->kecamatan;
    if (strcmp(key, "agama") == 0)
        return ktpel_religion_name(r->agama);
    if (strcmp(key, "status_perkawinan") == 0)
        return ktpel_marital_name(r->status_perkawinan);
    if (strcmp(key, "pekerjaan") == 0)
        return r->pekerjaan;
    if (strcmp(key, "kewarganegaraan") == 0)
        return ktpel_citizenship_name(r->kewarganegaraan);
    return NULL;
}

typedef struct sink {
    char *buf;
    size_t size, len;
    bool overflow;
} sink;

static void sink_add(sink *s, const char *a, const char *b, const char *c)
{
    int n = snprintf(s->buf + s->len, s->size - s->len, "%s%s%s\n", a, b, c);
    if (n < 0 || (size_t)n >= s->size - s->len) {
        s->overflow = true;
        return;
    }
    s->len += (size_t)n;
}

ktpel_err ktpel_synth_application_format(const ktpel_application *app, const char *comment,
                                         char *buf, size_t size, size_t *len, ktpel_errbuf *eb)
{
    if (!app || !buf || size == 0)
        return ktpel_fail(eb, KTPEL_EINVAL, "application format: NULL argument");
    sink s = {buf, size, 0, false};
    buf[0] = '\0';
    for (const char *line = comment; line && *line && !s.overflow;) {
        const char *end = strchr(line, '\n');
        size_t n = end ? (size_t)(end - line) : strlen(line);
        char one[KTPEL_APPLICATION_LINE_MAX];
        snprintf(one, sizeof one, "%.*s", (int)(n < sizeof one ? n : sizeof one - 1), line);
        sink_add(&s, "# ", one, "");
        line = end ? end + 1 : line + n;
    }
    for (size_t i = 0; i < KTPEL_APPLICATION_KEY_COUNT && !s.overflow; i++) {
        const char *key = ktpel_application_key(i);
        text t = {0};
        const char *value = key_value(app, key, &t);
        if (t.overflow)
            return ktpel_fail(eb, KTPEL_EINTERNAL, "application format: %s too long", key);
        if (!value)
            continue;
        sink_add(&s, key, *value ? ": " : ":", value);
    }
    if (s.overflow) {
        buf[0] = '\0';
        return ktpel_fail(eb, KTPEL_ETOOBIG, "application format: more than %zu bytes", size);
    }
    if (len)
        *len = s.len;
    return KTPEL_OK;
}
