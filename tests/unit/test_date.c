/* Calendar dates: validity, day arithmetic, anniversaries, Jakarta's calendar day. */
#include <string.h>

#include "ktpel/date.h"
#include "testutil.h"

static ktpel_date D(int y, int m, int d)
{
    return (ktpel_date){y, m, d};
}

static void test_validity(void **state)
{
    (void)state;
    assert_true(ktpel_date_valid(D(2024, 2, 29)));
    assert_false(ktpel_date_valid(D(2023, 2, 29)));
    assert_true(ktpel_date_valid(D(2000, 2, 29)));  /* divisible by 400 */
    assert_false(ktpel_date_valid(D(1900, 2, 29))); /* divisible by 100 */
    assert_true(ktpel_date_valid(D(2025, 4, 30)));
    assert_false(ktpel_date_valid(D(2025, 4, 31))); /* day 31 in a 30-day month */
    assert_true(ktpel_date_valid(D(2025, 5, 31)));
    assert_false(ktpel_date_valid(D(2025, 13, 1)));
    assert_false(ktpel_date_valid(D(2025, 0, 1)));
    assert_false(ktpel_date_valid(D(2025, 1, 0)));
}

static void test_day_counts(void **state)
{
    (void)state;
    assert_int_equal(ktpel_date_to_days(D(1970, 1, 1)), 0);
    assert_int_equal(ktpel_date_to_days(D(2000, 3, 1)), 11017);
    assert_int_equal(ktpel_date_to_days(D(1969, 12, 31)), -1);
    /* every day from 1899 to 2101 survives the round trip and advances by one */
    int64_t first = ktpel_date_to_days(D(1899, 1, 1));
    ktpel_date prev = ktpel_date_from_days(first);
    for (int64_t n = first + 1; n < ktpel_date_to_days(D(2101, 1, 1)); n++) {
        ktpel_date d = ktpel_date_from_days(n);
        assert_true(ktpel_date_valid(d));
        assert_int_equal(ktpel_date_to_days(d), n);
        assert_true(ktpel_date_cmp(prev, d) < 0);
        prev = d;
    }
    assert_int_equal(ktpel_date_diff(D(2024, 2, 28), D(2024, 3, 1)), 2);
    assert_int_equal(ktpel_date_diff(D(2023, 2, 28), D(2023, 3, 1)), 1);
    ktpel_date d = ktpel_date_add_days(D(2024, 12, 31), 1);
    assert_int_equal(d.year, 2025);
    assert_int_equal(d.month, 1);
    assert_int_equal(d.day, 1);
}

static void test_anniversary_and_age(void **state)
{
    (void)state;
    ktpel_date a = ktpel_date_anniversary(D(2008, 2, 29), 17); /* 2025 is common */
    assert_int_equal(a.month, 3);
    assert_int_equal(a.day, 1);
    a = ktpel_date_anniversary(D(2008, 2, 29), 16); /* 2024 is leap */
    assert_int_equal(a.month, 2);
    assert_int_equal(a.day, 29);
    assert_int_equal(ktpel_age_on(D(2008, 2, 29), D(2025, 2, 28)), 16);
    assert_int_equal(ktpel_age_on(D(2008, 2, 29), D(2025, 3, 1)), 17);
    assert_int_equal(ktpel_age_on(D(1995, 7, 1), D(2012, 6, 30)), 16);
    assert_int_equal(ktpel_age_on(D(1995, 7, 1), D(2012, 7, 1)), 17);
}

static void test_parse(void **state)
{
    (void)state;
    ktpel_date d;
    ktpel_errbuf eb;
    assert_int_equal(ktpel_date_parse("1995-07-01", "tanggal_lahir", &d, &eb), KTPEL_OK);
    assert_int_equal(d.year, 1995);
    assert_int_equal(ktpel_date_parse("01-07-1995", "tanggal_lahir", &d, &eb), KTPEL_OK);
    assert_int_equal(d.month, 7);
    assert_int_equal(ktpel_date_parse("2023-02-29", "tanggal_lahir", &d, &eb), KTPEL_EFIELD);
    assert_non_null(strstr(eb.message, "tanggal_lahir"));
    assert_non_null(strstr(eb.message, "28 days"));
    assert_int_equal(ktpel_date_parse("2025-04-31", "x", &d, &eb), KTPEL_EFIELD);
    assert_non_null(strstr(eb.message, "30 days"));
    assert_int_equal(ktpel_date_parse("2025-13-01", "x", &d, &eb), KTPEL_EFIELD);
    assert_non_null(strstr(eb.message, "month 13"));
    assert_int_equal(ktpel_date_parse("1995/07/01", "x", &d, &eb), KTPEL_EFIELD);
    assert_int_equal(ktpel_date_parse("1995-7-1", "x", &d, &eb), KTPEL_EFIELD);
    assert_int_equal(ktpel_date_parse("199a-07-01", "x", &d, &eb), KTPEL_EFIELD);
    assert_int_equal(ktpel_date_parse("", "x", &d, &eb), KTPEL_EFIELD);
    char buf[16];
    assert_string_equal(ktpel_date_format_card(D(1995, 7, 1), buf, sizeof buf), "01-07-1995");
    assert_string_equal(ktpel_date_format_iso(D(1995, 7, 1), buf, sizeof buf), "1995-07-01");
}

static void test_jakarta(void **state)
{
    (void)state;
    /* 2026-11-21 16:59:59 UTC is 23:59:59 in Jakarta; one second later it is the 22nd. */
    time_t t = (time_t)ktpel_date_to_days(D(2026, 11, 21)) * 86400 + 16 * 3600 + 59 * 60 + 59;
    ktpel_date d = ktpel_date_jakarta(t);
    assert_int_equal(d.day, 21);
    d = ktpel_date_jakarta(t + 1);
    assert_int_equal(d.day, 22);
    d = ktpel_date_jakarta((time_t)-8 * 3600); /* 1969-12-31 23:00 in Jakarta */
    assert_int_equal(d.year, 1969);
    assert_int_equal(d.day, 31);
}

static void test_errors(void **state)
{
    (void)state;
    for (int c = 0; c < KTPEL_ERR_COUNT; c++)
        assert_true(strlen(ktpel_strerror((ktpel_err)c)) > 0);
    assert_string_equal(ktpel_strerror((ktpel_err)999), "unknown error code");
    ktpel_errbuf eb;
    assert_int_equal(ktpel_fail(&eb, KTPEL_EFIELD, "field %s: bad", "nik"), KTPEL_EFIELD);
    assert_int_equal(ktpel_fail_context(&eb, "%s: ", "app.txt"), KTPEL_EFIELD);
    assert_string_equal(eb.message, "app.txt: field nik: bad");
    assert_int_equal(ktpel_fail(NULL, KTPEL_EIO, "ignored"), KTPEL_EIO);
    ktpel_errbuf_clear(&eb);
    assert_string_equal(ktpel_errbuf_message(&eb), "success");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_validity),
        cmocka_unit_test(test_day_counts),
        cmocka_unit_test(test_anniversary_and_age),
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_jakarta),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests_name("date", tests, NULL, NULL);
}
