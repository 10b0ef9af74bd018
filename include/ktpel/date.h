/* Calendar dates (proleptic Gregorian), as used in the service rules.
 *
 * Dates in ktpel are calendar dates in Asia/Jakarta (WIB, UTC+7, no daylight saving), so
 * "today" is derived from the clock with a fixed +7 hour offset and no global time zone
 * state is touched.
 */
#ifndef KTPEL_DATE_H
#define KTPEL_DATE_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "ktpel/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ktpel_date {
    int year;  /* e.g. 1995 */
    int month; /* 1..12 */
    int day;   /* 1..31 */
} ktpel_date;

bool ktpel_is_leap_year(int year);
/* Days in the month (28..31), or 0 if month is out of 1..12. */
int ktpel_days_in_month(int year, int month);
/* True if d names a real calendar day with year in 1..9999. */
bool ktpel_date_valid(ktpel_date d);

/* Days since 1970-01-01 (negative before) and back. */
int64_t ktpel_date_to_days(ktpel_date d);
ktpel_date ktpel_date_from_days(int64_t days);

ktpel_date ktpel_date_add_days(ktpel_date d, int64_t days);
/* Number of days from a to b (b - a). */
int64_t ktpel_date_diff(ktpel_date a, ktpel_date b);
/* <0, 0, >0 as a is before, equal to, after b. */
int ktpel_date_cmp(ktpel_date a, ktpel_date b);

/* The anniversary of d in year d.year + years. A 29 February falls on 1 March in a
 * common year: the anniversary is the first day on which the full years have passed. */
ktpel_date ktpel_date_anniversary(ktpel_date d, int years);
/* Age in completed years on the date `on`. */
int ktpel_age_on(ktpel_date birth, ktpel_date on);

/* Parses "YYYY-MM-DD" (ISO 8601) or "DD-MM-YYYY" (as printed on the KTP-el). The field
 * name is used in the error message. */
ktpel_err ktpel_date_parse(const char *text, const char *field, ktpel_date *out, ktpel_errbuf *eb);
/* "YYYY-MM-DD" into buf (at least 11 bytes). Returns buf. */
char *ktpel_date_format_iso(ktpel_date d, char *buf, size_t size);
/* "DD-MM-YYYY" (as printed on the card) into buf (at least 11 bytes). Returns buf. */
char *ktpel_date_format_card(ktpel_date d, char *buf, size_t size);
/* English month name, "January".."December" ("?" when out of range). */
const char *ktpel_month_name(int month);
/* Indonesian month name, "Januari".."Desember". */
const char *ktpel_month_name_id(int month);

/* The calendar date in Asia/Jakarta at the instant t. */
ktpel_date ktpel_date_jakarta(time_t t);

#ifdef __cplusplus
}
#endif

#endif
