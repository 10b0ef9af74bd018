#include "ktpel/date.h"

#include <stdio.h>
#include <string.h>

#define JAKARTA_UTC_OFFSET_S (7 * 3600)

bool ktpel_is_leap_year(int year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int ktpel_days_in_month(int year, int month)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month < 1 || month > 12)
        return 0;
    if (month == 2 && ktpel_is_leap_year(year))
        return 29;
    return days[month - 1];
}

bool ktpel_date_valid(ktpel_date d)
{
    return d.year >= 1 && d.year <= 9999 && d.month >= 1 && d.month <= 12 && d.day >= 1 &&
           d.day <= ktpel_days_in_month(d.year, d.month);
}

/* Civil-calendar day count: shift the year to start in March so that the leap day is the
 * last day of the shifted year, then count whole 400-year eras (146097 days each). */
int64_t ktpel_date_to_days(ktpel_date d)
{
    int64_t y = d.year - (d.month <= 2);
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t year_of_era = y - era * 400;
    int64_t shifted_month = d.month > 2 ? d.month - 3 : d.month + 9;
    int64_t day_of_year = (153 * shifted_month + 2) / 5 + d.day - 1;
    int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return era * 146097 + day_of_era - 719468;
}

ktpel_date ktpel_date_from_days(int64_t days)
{
    days += 719468;
    int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    int64_t day_of_era = days - era * 146097;
    int64_t year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
    int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    int64_t shifted_month = (5 * day_of_year + 2) / 153;
    ktpel_date d;
    d.day = (int)(day_of_year - (153 * shifted_month + 2) / 5 + 1);
    d.month = (int)(shifted_month < 10 ? shifted_month + 3 : shifted_month - 9);
    d.year = (int)(year_of_era + era * 400 + (d.month <= 2));
    return d;
}

ktpel_date ktpel_date_add_days(ktpel_date d, int64_t days)
{
    return ktpel_date_from_days(ktpel_date_to_days(d) + days);
}

int64_t ktpel_date_diff(ktpel_date a, ktpel_date b)
{
    return ktpel_date_to_days(b) - ktpel_date_to_days(a);
}

int ktpel_date_cmp(ktpel_date a, ktpel_date b)
{
    if (a.year != b.year)
        return a.year < b.year ? -1 : 1;
    if (a.month != b.month)
        return a.month < b.month ? -1 : 1;
    if (a.day != b.day)
        return a.day < b.day ? -1 : 1;
    return 0;
}

ktpel_date ktpel_date_anniversary(ktpel_date d, int years)
{
    ktpel_date a = {d.year + years, d.month, d.day};
    if (a.month == 2 && a.day == 29 && !ktpel_is_leap_year(a.year)) {
        a.month = 3;
        a.day = 1;
    }
    return a;
}

int ktpel_age_on(ktpel_date birth, ktpel_date on)
{
    int age = on.year - birth.year;
    if (age > 0 && ktpel_date_cmp(ktpel_date_anniversary(birth, age), on) > 0)
        age--;
    return age;
}

static bool parse_digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

ktpel_err ktpel_date_parse(const char *text, const char *field, ktpel_date *out, ktpel_errbuf *eb)
{
    if (!text || !out)
        return ktpel_fail(eb, KTPEL_EINVAL, "date parse: NULL argument");
    if (!field)
        field = "date";
    ktpel_date d = {0, 0, 0};
    size_t len = strlen(text);
    bool ok = false;
    if (len == 10 && text[4] == '-' && text[7] == '-')
        ok = parse_digits(text, 4, &d.year) && parse_digits(text + 5, 2, &d.month) &&
             parse_digits(text + 8, 2, &d.day);
    else if (len == 10 && text[2] == '-' && text[5] == '-')
        ok = parse_digits(text, 2, &d.day) && parse_digits(text + 3, 2, &d.month) &&
             parse_digits(text + 6, 4, &d.year);
    if (!ok)
        return ktpel_fail(eb, KTPEL_EFIELD,
                          "%s: \"%.40s\" is not a date (expected YYYY-MM-DD or DD-MM-YYYY)", field,
                          text);
    if (d.month < 1 || d.month > 12)
        return ktpel_fail(eb, KTPEL_EFIELD, "%s: \"%.40s\": month %d does not exist", field, text,
                          d.month);
    if (d.year < 1 || d.day < 1 || d.day > ktpel_days_in_month(d.year, d.month))
        return ktpel_fail(eb, KTPEL_EFIELD, "%s: \"%.40s\": %s %d has only %d days", field, text,
                          ktpel_month_name(d.month), d.year, ktpel_days_in_month(d.year, d.month));
    *out = d;
    return KTPEL_OK;
}

char *ktpel_date_format_iso(ktpel_date d, char *buf, size_t size)
{
    snprintf(buf, size, "%04d-%02d-%02d", d.year, d.month, d.day);
    return buf;
}

char *ktpel_date_format_card(ktpel_date d, char *buf, size_t size)
{
    snprintf(buf, size, "%02d-%02d-%04d", d.day, d.month, d.year);
    return buf;
}

const char *ktpel_month_name(int month)
{
    static const char *const names[12] = {"January",   "February", "March",    "April",
                                          "May",       "June",     "July",     "August",
                                          "September", "October",  "November", "December"};
    return month >= 1 && month <= 12 ? names[month - 1] : "?";
}

const char *ktpel_month_name_id(int month)
{
    static const char *const names[12] = {"Januari",   "Februari", "Maret",    "April",
                                          "Mei",       "Juni",     "Juli",     "Agustus",
                                          "September", "Oktober",  "November", "Desember"};
    return month >= 1 && month <= 12 ? names[month - 1] : "?";
}

ktpel_date ktpel_date_jakarta(time_t t)
{
    /* Floor division so that instants before 1970 map to the right day. */
    int64_t s = (int64_t)t + JAKARTA_UTC_OFFSET_S;
    int64_t days = s >= 0 ? s / 86400 : -((-s + 86399) / 86400);
    return ktpel_date_from_days(days);
}
