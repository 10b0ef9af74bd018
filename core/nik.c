#include "ktpel/nik.h"

#include <stdio.h>
#include <string.h>

#include "ktpel/utf8.h"

static int digits_at(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

ktpel_err ktpel_nik_check_digits(const char *text, const char *what, ktpel_errbuf *eb)
{
    if (!what)
        what = "NIK";
    if (!text)
        return ktpel_fail(eb, KTPEL_EINVAL, "%s: NULL", what);
    size_t len = strlen(text);
    char shown[64];
    ktpel_text_quote(text, len, shown, sizeof shown);
    for (size_t i = 0; i < len && i < KTPEL_NIK_LEN; i++) {
        if (text[i] >= '0' && text[i] <= '9')
            continue;
        uint32_t cp;
        size_t k = ktpel_utf8_decode(text + i, len - i, &cp);
        char ch[8];
        ktpel_text_quote(text + i, k ? k : 1, ch, sizeof ch);
        return ktpel_fail(eb, KTPEL_EFIELD, "%s \"%s\": character %zu is '%s', not a digit", what,
                          shown, i + 1, ch);
    }
    if (len != KTPEL_NIK_LEN)
        return ktpel_fail(eb, KTPEL_EFIELD, "%s \"%s\": has %zu characters, a %s has 16 digits",
                          what, shown, len, what);
    return KTPEL_OK;
}

/* The region part, shared by NIK and KK. */
static ktpel_err check_region(const char *what, const char *s, const ktpel_regions *regions,
                              int *province, int *regency, int *district, ktpel_errbuf *eb)
{
    *province = digits_at(s, 2);
    *regency = digits_at(s + 2, 2);
    *district = digits_at(s + 4, 2);
    if (!ktpel_regions_province(regions, *province))
        return ktpel_fail(eb, KTPEL_EFIELD, "%s %s: province %02d is not an Indonesian province",
                          what, s, *province);
    if (*regency == 0)
        return ktpel_fail(eb, KTPEL_EFIELD, "%s %s: regency %02d.00 does not exist", what, s,
                          *province);
    if (!ktpel_regions_regency(regions, *province, *regency))
        return ktpel_fail(eb, KTPEL_EFIELD,
                          "%s %s: regency %02d.%02d is not in the region list (the built-in "
                          "list is a selection; load the official list with --regions CSV)",
                          what, s, *province, *regency);
    if (*district == 0)
        return ktpel_fail(eb, KTPEL_EFIELD, "%s %s: district %02d.%02d.00 does not exist", what, s,
                          *province, *regency);
    if (ktpel_regions_has_districts(regions, *province, *regency) &&
        !ktpel_regions_district(regions, *province, *regency, *district))
        return ktpel_fail(
            eb, KTPEL_EFIELD, "%s %s: district %02d.%02d.%02d is not a district of %s", what, s,
            *province, *regency, *district, ktpel_regions_regency(regions, *province, *regency));
    return KTPEL_OK;
}

/* Chooses the century (20YY unless after the reference date) and checks the date exists. */
static ktpel_err resolve_date(const char *what, const char *s, const char *part, int day, int month,
                              int yy, ktpel_date reference, ktpel_date *out, ktpel_errbuf *eb)
{
    if (month < 1 || month > 12)
        return ktpel_fail(eb, KTPEL_EFIELD, "%s %s: %s month %02d is not a month (01-12)", what, s,
                          part, month);
    ktpel_date d = {2000 + yy, month, day};
    if (ktpel_date_cmp(d, reference) > 0)
        d.year -= 100;
    if (!ktpel_date_valid(d))
        return ktpel_fail(eb, KTPEL_EFIELD,
                          "%s %s: %s date %d %s %d does not exist (%s %d has %d days)", what, s,
                          part, day, ktpel_month_name(month), d.year, ktpel_month_name(month),
                          d.year, ktpel_days_in_month(d.year, month));
    *out = d;
    return KTPEL_OK;
}

ktpel_err ktpel_nik_parse(const char *text, const ktpel_regions *regions, ktpel_date reference,
                          ktpel_nik *out, ktpel_errbuf *eb)
{
    if (!text || !regions || !out)
        return ktpel_fail(eb, KTPEL_EINVAL, "NIK parse: NULL argument");
    ktpel_err err = ktpel_nik_check_digits(text, "NIK", eb);
    if (err)
        return err;
    ktpel_nik n;
    memset(&n, 0, sizeof n);
    memcpy(n.digits, text, KTPEL_NIK_LEN);
    const char *s = n.digits;
    err = check_region("NIK", s, regions, &n.province, &n.regency, &n.district, eb);
    if (err)
        return err;
    n.day_field = digits_at(s + 6, 2);
    int day;
    if (n.day_field >= 1 && n.day_field <= 31) {
        n.sex = KTPEL_SEX_MALE;
        day = n.day_field;
    } else if (n.day_field >= 41 && n.day_field <= 71) {
        n.sex = KTPEL_SEX_FEMALE;
        day = n.day_field - 40;
    } else {
        return ktpel_fail(eb, KTPEL_EFIELD,
                          "NIK %s: birth day %02d is neither a man's (01-31) nor a woman's "
                          "(41-71) valid day",
                          s, n.day_field);
    }
    n.year_2digit = digits_at(s + 10, 2);
    err = resolve_date("NIK", s, "birth", day, digits_at(s + 8, 2), n.year_2digit, reference,
                       &n.birth, eb);
    if (err)
        return err;
    n.serial = digits_at(s + 12, 4);
    if (n.serial == 0)
        return ktpel_fail(eb, KTPEL_EFIELD,
                          "NIK %s: serial 0000 is not used (serials start at 0001)", s);
    *out = n;
    return KTPEL_OK;
}

ktpel_err ktpel_kk_parse(const char *text, const ktpel_regions *regions, ktpel_date reference,
                         ktpel_kk *out, ktpel_errbuf *eb)
{
    if (!text || !regions || !out)
        return ktpel_fail(eb, KTPEL_EINVAL, "KK parse: NULL argument");
    ktpel_err err = ktpel_nik_check_digits(text, "KK number", eb);
    if (err)
        return err;
    ktpel_kk k;
    memset(&k, 0, sizeof k);
    memcpy(k.digits, text, KTPEL_NIK_LEN);
    const char *s = k.digits;
    err = check_region("KK number", s, regions, &k.province, &k.regency, &k.district, eb);
    if (err)
        return err;
    int day = digits_at(s + 6, 2);
    if (day < 1 || day > 31)
        return ktpel_fail(eb, KTPEL_EFIELD,
                          "KK number %s: issue day %02d is not a day (01-31; a KK date has no "
                          "+40)",
                          s, day);
    err = resolve_date("KK number", s, "issue", day, digits_at(s + 8, 2), digits_at(s + 10, 2),
                       reference, &k.issued, eb);
    if (err)
        return err;
    k.serial = digits_at(s + 12, 4);
    if (k.serial == 0)
        return ktpel_fail(eb, KTPEL_EFIELD,
                          "KK number %s: serial 0000 is not used (serials start at 0001)", s);
    *out = k;
    return KTPEL_OK;
}

const char *ktpel_sex_name(ktpel_sex sex)
{
    switch (sex) {
    case KTPEL_SEX_MALE:
        return "LAKI-LAKI";
    case KTPEL_SEX_FEMALE:
        return "PEREMPUAN";
    default:
        return "?";
    }
}

ktpel_err ktpel_nik_check_person(const ktpel_nik *nik, ktpel_sex sex, ktpel_date birth,
                                 ktpel_errbuf *eb)
{
    if (!nik)
        return ktpel_fail(eb, KTPEL_EINVAL, "NIK check: NULL argument");
    const char *s = nik->digits;
    if (sex != nik->sex)
        return ktpel_fail(eb, KTPEL_EFIELD,
                          "NIK %s: sex: the NIK's day %02d says %s, the record says %s", s,
                          nik->day_field, ktpel_sex_name(nik->sex), ktpel_sex_name(sex));
    if (birth.day != nik->birth.day || birth.month != nik->birth.month)
        return ktpel_fail(eb, KTPEL_EFIELD,
                          "NIK %s: birth date: the NIK says %d %s, the record says %d %s", s,
                          nik->birth.day, ktpel_month_name(nik->birth.month), birth.day,
                          ktpel_month_name(birth.month));
    if (birth.year != 0 && ((birth.year % 100 + 100) % 100) != nik->year_2digit)
        return ktpel_fail(eb, KTPEL_EFIELD,
                          "NIK %s: birth year: the NIK's year %02d does not match the record's "
                          "%d",
                          s, nik->year_2digit, birth.year);
    return KTPEL_OK;
}
