/* libfprint's device list (udev hwdb text): parsing, lookups, and malformed input. */
#include <stdio.h>
#include <string.h>

#include "ktpel/station_devices.h"
#include "testutil.h"

static const char sample[] = "# SPDX-License-Identifier: LGPL-2.1-or-later\n"
                             "# This file has been generated using fprint-list-udev-hwdb\n"
                             "\n"
                             "# Supported by libfprint driver aes3500\n"
                             "usb:v08FFp5731*\n"
                             " ID_AUTOSUSPEND=1\n"
                             " ID_PERSIST=0\n"
                             "\n"
                             "# Supported by libfprint driver upektc_img\n"
                             "usb:v147Ep2016*\n"
                             "usb:v147Ep2020*\r\n"
                             " ID_AUTOSUSPEND=1\n"
                             "\n"
                             "# Known unsupported devices\n"
                             "usb:v04F3p036B*\n"
                             " ID_AUTOSUSPEND=1";

static void test_parse_and_lookup(void **state)
{
    (void)state;
    ktpel_fprint_hwdb *db = NULL;
    ktpel_errbuf eb;
    assert_int_equal(ktpel_fprint_hwdb_parse(sample, strlen(sample), "t.hwdb", &db, &eb), KTPEL_OK);
    assert_int_equal(ktpel_fprint_hwdb_count(db), 4);
    const char *driver = "x";
    assert_true(ktpel_fprint_hwdb_lookup(db, 0x08ff, 0x5731, &driver));
    assert_string_equal(driver, "aes3500");
    assert_true(ktpel_fprint_hwdb_lookup(db, 0x147e, 0x2020, &driver));
    assert_string_equal(driver, "upektc_img");
    assert_true(ktpel_fprint_hwdb_lookup(db, 0x04f3, 0x036b, &driver));
    assert_null(driver); /* known, unsupported */
    assert_false(ktpel_fprint_hwdb_lookup(db, 0x1234, 0x5678, &driver));
    ktpel_fprint_hwdb_free(db);
    /* Empty text is an empty list. */
    assert_int_equal(ktpel_fprint_hwdb_parse("", 0, "empty", &db, &eb), KTPEL_OK);
    assert_int_equal(ktpel_fprint_hwdb_count(db), 0);
    ktpel_fprint_hwdb_free(db);
}

static void expect_error(const char *text, size_t len, ktpel_err code, const char *needle)
{
    ktpel_fprint_hwdb *db = (ktpel_fprint_hwdb *)1;
    ktpel_errbuf eb;
    assert_int_equal(ktpel_fprint_hwdb_parse(text, len, "bad.hwdb", &db, &eb), code);
    assert_null(db);
    if (!strstr(ktpel_errbuf_message(&eb), needle))
        fail_msg("message '%s' lacks '%s'", ktpel_errbuf_message(&eb), needle);
}

static void test_malformed(void **state)
{
    (void)state;
    const char *s;
    s = "usb:v08FFp5731*\n";
    expect_error(s, strlen(s), KTPEL_EFORMAT, "line 1: device entry before any");
    s = "# Supported by libfprint driver a\nusb:v08FFp573*\n";
    expect_error(s, strlen(s), KTPEL_EFORMAT, "line 2: expected usb:vXXXXpYYYY*");
    s = "# Supported by libfprint driver a\nusb:v08FGp5731*\n";
    expect_error(s, strlen(s), KTPEL_EFORMAT, "line 2");
    s = "# Supported by libfprint driver a\nusb:v08FFp5731\n";
    expect_error(s, strlen(s), KTPEL_EFORMAT, "line 2");
    s = "# Supported by libfprint driver a\nusb:v08FFp5731**\n";
    expect_error(s, strlen(s), KTPEL_EFORMAT, "line 2");
    s = "# Supported by libfprint driver \n";
    expect_error(s, strlen(s), KTPEL_EFORMAT, "line 1: driver name empty");
    s = "# Supported by libfprint driver a b\n";
    expect_error(s, strlen(s), KTPEL_EFORMAT, "bad character 0x20");
    s = "# Supported by libfprint driver abcdefghijklmnopqrstuvwxyz0123456789\n";
    expect_error(s, strlen(s), KTPEL_EFORMAT, "longer than 31");
    static const char nul[] = "# Known unsupported devices\nusb:v0\0000p0000*\n";
    expect_error(nul, sizeof nul - 1, KTPEL_EFORMAT, "NUL byte at offset 34");
    char longline[1100];
    memset(longline, 'x', sizeof longline);
    expect_error(longline, sizeof longline, KTPEL_EFORMAT, "line 1: longer than 1024");
    /* Every truncation of a valid file either parses or fails cleanly. */
    for (size_t n = 0; n < strlen(sample); n++) {
        ktpel_fprint_hwdb *db = NULL;
        ktpel_err err = ktpel_fprint_hwdb_parse(sample, n, "cut", &db, NULL);
        assert_true(err == KTPEL_OK || err == KTPEL_EFORMAT);
        assert_true((err == KTPEL_OK) == (db != NULL));
        ktpel_fprint_hwdb_free(db);
    }
}

static void test_installed_file(void **state)
{
    (void)state;
    ktpel_fprint_hwdb *db = NULL;
    ktpel_errbuf eb;
    ktpel_err err = ktpel_fprint_hwdb_load(NULL, &db, &eb);
    if (err == KTPEL_ENOTFOUND) {
        printf("libfprint's hwdb is not installed here: %s\n", ktpel_errbuf_message(&eb));
        skip();
    }
    assert_int_equal(err, KTPEL_OK);
    printf("installed hwdb: %zu devices\n", ktpel_fprint_hwdb_count(db));
    const char *driver = NULL;
    /* The three scanners of the USB replays are in libfprint's list. */
    assert_true(ktpel_fprint_hwdb_lookup(db, 0x08ff, 0x5731, &driver));
    assert_string_equal(driver, "aes3500");
    ktpel_fprint_hwdb_free(db);
    assert_int_equal(ktpel_fprint_hwdb_load("/nonexistent/x.hwdb", &db, &eb), KTPEL_ENOTFOUND);
    assert_non_null(strstr(ktpel_errbuf_message(&eb), "/nonexistent/x.hwdb"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_and_lookup),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_installed_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
