/* NIK (Nomor Induk Kependudukan) and KK (Kartu Keluarga) numbers.
 *
 * A NIK is 16 ASCII digits: PP RR DD DDMMYY SSSS
 *   PP province, RR regency/city, DD district (Kemendagri region codes, see region.h);
 *   DDMMYY the birth date, with 40 added to the day for women (41..71);
 *   SSSS a serial, 0001..9999.
 * A KK number has the same region part, then the KK's issue date DDMMYY (no +40) and a
 * serial.
 *
 * The year has two digits; its century is taken as 20YY unless that date is after the
 * reference date (the application date, or today in Jakarta), else 19YY. A date that does
 * not exist in that year (29 February 2001) is an error.
 */
#ifndef KTPEL_NIK_H
#define KTPEL_NIK_H

#include <stdbool.h>

#include "ktpel/date.h"
#include "ktpel/error.h"
#include "ktpel/region.h"

#ifdef __cplusplus
extern "C" {
#endif

#define KTPEL_NIK_LEN 16

typedef enum ktpel_sex {
    KTPEL_SEX_UNKNOWN = 0,
    KTPEL_SEX_MALE,   /* LAKI-LAKI */
    KTPEL_SEX_FEMALE, /* PEREMPUAN */
} ktpel_sex;

typedef struct ktpel_nik {
    char digits[KTPEL_NIK_LEN + 1];
    int province;     /* 13 */
    int regency;      /* 10 (13.10) */
    int district;     /* 1 (13.10.01) */
    ktpel_sex sex;    /* from the day field */
    int day_field;    /* the DD as written, 41 for a woman born on the 1st */
    int year_2digit;  /* YY as written */
    ktpel_date birth; /* with the century chosen against the reference date */
    int serial;       /* 1..9999 */
} ktpel_nik;

typedef struct ktpel_kk {
    char digits[KTPEL_NIK_LEN + 1];
    int province;
    int regency;
    int district;
    ktpel_date issued;
    int serial;
} ktpel_kk;

/* Parses and checks a NIK: 16 digits, province and regency known to `regions`, district not
 * 00 (and known when `regions` has districts of that regency), a man's or woman's day,
 * month 01..12, a real date, serial not 0000. Fails with KTPEL_EFIELD and a message naming
 * the part: "NIK 1310013207950001: birth day 32 is neither a man's (01-31) nor a woman's
 * (41-71) valid day". `regions` must not be NULL. */
ktpel_err ktpel_nik_parse(const char *text, const ktpel_regions *regions, ktpel_date reference,
                          ktpel_nik *out, ktpel_errbuf *eb);

/* Checks only the form: exactly 16 ASCII digits ("character 9 is 'O', not a digit").
 * `what` names the number in the message ("NIK", "KK number"). */
ktpel_err ktpel_nik_check_digits(const char *text, const char *what, ktpel_errbuf *eb);

/* Parses and checks a KK number: region as for a NIK, issue date real (no +40), serial not
 * 0000. */
ktpel_err ktpel_kk_parse(const char *text, const ktpel_regions *regions, ktpel_date reference,
                         ktpel_kk *out, ktpel_errbuf *eb);

/* Checks that a record's sex and birth date agree with a parsed NIK. The NIK has only two
 * digits of year, so the record's full year must end in them; the century the parser
 * guessed is not held against the record (a resident born in 1920 has YY 20 too). Set
 * birth.year to 0 when the record knows only day and month. */
ktpel_err ktpel_nik_check_person(const ktpel_nik *nik, ktpel_sex sex, ktpel_date birth,
                                 ktpel_errbuf *eb);

/* "LAKI-LAKI" / "PEREMPUAN" (as printed on the card), "?" otherwise. */
const char *ktpel_sex_name(ktpel_sex sex);

#ifdef __cplusplus
}
#endif

#endif
