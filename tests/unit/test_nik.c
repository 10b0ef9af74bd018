#include "testutil.h"

#include <string.h>

#include "ktpel/nik.h"

static ktpel_regions *regions;
static const ktpel_date ref2025 = {2025, 6, 15};

static int setup(void **state)
{
    (void)state;
    return ktpel_regions_create(&regions, NULL) == KTPEL_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    ktpel_regions_free(regions);
    return 0;
}

/* Parses a NIK expected to fail and checks that the message names the part. */
static void expect_nik_error(const char *nik, const char *needle)
{
    ktpel_nik n;
    ktpel_errbuf eb;
    ktpel_errbuf_clear(&eb);
    assert_int_equal(ktpel_nik_parse(nik, regions, ref2025, &n, &eb), KTPEL_EFIELD);
    if (!strstr(eb.message, needle))
        fail_msg("NIK %s: message \"%s\" lacks \"%s\"", nik, eb.message, needle);
}

static void test_required_female(void **state)
{
    (void)state;
    ktpel_nik n;
    ktpel_errbuf eb;
    assert_int_equal(ktpel_nik_parse("1310014107950001", regions, ref2025, &n, &eb), KTPEL_OK);
    assert_string_equal(n.digits, "1310014107950001");
    assert_int_equal(n.province, 13);
    assert_string_equal(ktpel_regions_province(regions, n.province), "Sumatera Barat");
    assert_int_equal(n.regency, 10);
    assert_string_equal(ktpel_regions_regency(regions, n.province, n.regency), "Kab. Dharmasraya");
    assert_int_equal(n.district, 1);
    assert_int_equal(n.sex, KTPEL_SEX_FEMALE);
    assert_int_equal(n.day_field, 41);
    assert_int_equal(n.birth.year, 1995);
    assert_int_equal(n.birth.month, 7);
    assert_int_equal(n.birth.day, 1);
    assert_int_equal(n.serial, 1);
}

static void test_required_day32(void **state)
{
    (void)state;
    expect_nik_error("1310013207950001",
                     "NIK 1310013207950001: birth day 32 is neither a man's (01-31) nor a "
                     "woman's (41-71) valid day");
}

static void test_male_and_day_edges(void **state)
{
    (void)state;
    ktpel_nik n;
    assert_int_equal(ktpel_nik_parse("3520013112800123", regions, ref2025, &n, NULL), KTPEL_OK);
    assert_int_equal(n.sex, KTPEL_SEX_MALE);
    assert_int_equal(n.birth.day, 31);
    assert_int_equal(n.serial, 123);
    assert_int_equal(ktpel_nik_parse("3520010101800001", regions, ref2025, &n, NULL), KTPEL_OK);
    assert_int_equal(n.sex, KTPEL_SEX_MALE);
    assert_int_equal(ktpel_nik_parse("3520017112800001", regions, ref2025, &n, NULL), KTPEL_OK);
    assert_int_equal(n.sex, KTPEL_SEX_FEMALE);
    assert_int_equal(n.birth.day, 31);
    assert_int_equal(ktpel_nik_parse("6105059999999999", regions, ref2025, &n, NULL), KTPEL_EFIELD);
    expect_nik_error("3520010001800001", "birth day 00 is neither");
    expect_nik_error("3520014001800001", "birth day 40 is neither");
    expect_nik_error("3520017201800001", "birth day 72 is neither");
}

static void test_month_and_date(void **state)
{
    (void)state;
    expect_nik_error("3520011513800001", "birth month 13 is not a month");
    expect_nik_error("3520011500800001", "birth month 00 is not a month");
    expect_nik_error("3520013102800001", "birth date 31 February 1980 does not exist");
    expect_nik_error("3520017104800001", "birth date 31 April 1980 does not exist");
    ktpel_nik n;
    /* 29 February: 2000 is leap; 01 resolves to 2001 (not after 2025), which is not */
    assert_int_equal(ktpel_nik_parse("3520012902000001", regions, ref2025, &n, NULL), KTPEL_OK);
    assert_int_equal(n.birth.year, 2000);
    expect_nik_error("3520016902010001", "birth date 29 February 2001 does not exist");
    assert_int_equal(ktpel_nik_parse("3520016902080001", regions, ref2025, &n, NULL), KTPEL_OK);
    assert_int_equal(n.birth.year, 2008);
    assert_int_equal(n.birth.day, 29);
}

static void test_century(void **state)
{
    (void)state;
    ktpel_nik n;
    /* 15 June 2025 is the reference: 150625 is 2025 (not after), 160625 is 1925 */
    assert_int_equal(ktpel_nik_parse("3520011506250001", regions, ref2025, &n, NULL), KTPEL_OK);
    assert_int_equal(n.birth.year, 2025);
    assert_int_equal(ktpel_nik_parse("3520011606250001", regions, ref2025, &n, NULL), KTPEL_OK);
    assert_int_equal(n.birth.year, 1925);
    assert_int_equal(ktpel_nik_parse("3520010101990001", regions, ref2025, &n, NULL), KTPEL_OK);
    assert_int_equal(n.birth.year, 1999);
    assert_int_equal(ktpel_nik_parse("3520010101000001", regions, ref2025, &n, NULL), KTPEL_OK);
    assert_int_equal(n.birth.year, 2000);
    ktpel_date ref1999 = {1999, 12, 31};
    assert_int_equal(ktpel_nik_parse("3520010101000001", regions, ref1999, &n, NULL), KTPEL_OK);
    assert_int_equal(n.birth.year, 1900);
}

static void test_digits(void **state)
{
    (void)state;
    expect_nik_error("13100141O7950001", "character 9 is 'O', not a digit");
    expect_nik_error("A310014107950001", "character 1 is 'A', not a digit");
    expect_nik_error("131001410795000x", "character 16 is 'x', not a digit");
    expect_nik_error("1310 14107950001", "character 5 is ' ', not a digit");
    expect_nik_error("131001410795000", "has 15 characters, a NIK has 16 digits");
    expect_nik_error("13100141079500011", "has 17 characters");
    expect_nik_error("", "has 0 characters");
    expect_nik_error("13100141\xC3\xA9"
                     "07950001",
                     "character 9 is '\xC3\xA9'");
    expect_nik_error("13100141\xFF"
                     "07950001",
                     "character 9 is '\\xFF'");
}

static void test_regions(void **state)
{
    (void)state;
    expect_nik_error("9910014107950001", "province 99 is not an Indonesian province");
    expect_nik_error("2010014107950001", "province 20 is not");
    expect_nik_error("1300014107950001", "regency 13.00 does not exist");
    expect_nik_error("1311014107950001", "regency 13.11 is not in the region list");
    expect_nik_error("1311014107950001", "load the official list with --regions");
    expect_nik_error("1310004107950001", "district 13.10.00 does not exist");
    /* once districts of 13.10 are loaded, the list is complete for that regency */
    ktpel_regions *full = NULL;
    assert_int_equal(ktpel_regions_create(&full, NULL), KTPEL_OK);
    const char *csv = "13.10.01,Pulau Punjung\n13.10.02,Sitiung\n13.11,Kab. Solok Selatan\n";
    assert_int_equal(ktpel_regions_load_csv_buffer(full, csv, strlen(csv), "r.csv", NULL),
                     KTPEL_OK);
    ktpel_nik n;
    ktpel_errbuf eb;
    assert_int_equal(ktpel_nik_parse("1310024107950001", full, ref2025, &n, NULL), KTPEL_OK);
    assert_int_equal(ktpel_nik_parse("1310034107950001", full, ref2025, &n, &eb), KTPEL_EFIELD);
    assert_non_null(strstr(eb.message, "district 13.10.03 is not a district of Kab. Dharmasraya"));
    assert_int_equal(ktpel_nik_parse("1311034107950001", full, ref2025, &n, NULL), KTPEL_OK);
    ktpel_regions_free(full);
}

static void test_serial(void **state)
{
    (void)state;
    expect_nik_error("1310014107950000", "serial 0000");
    ktpel_nik n;
    assert_int_equal(ktpel_nik_parse("1310014107959999", regions, ref2025, &n, NULL), KTPEL_OK);
    assert_int_equal(n.serial, 9999);
}

static void test_kk(void **state)
{
    (void)state;
    ktpel_kk k;
    ktpel_errbuf eb;
    assert_int_equal(ktpel_kk_parse("3520011203100004", regions, ref2025, &k, &eb), KTPEL_OK);
    assert_int_equal(k.province, 35);
    assert_int_equal(k.regency, 20);
    assert_int_equal(k.district, 1);
    assert_int_equal(k.issued.year, 2010);
    assert_int_equal(k.issued.month, 3);
    assert_int_equal(k.issued.day, 12);
    assert_int_equal(k.serial, 4);
    /* a KK date has no +40 */
    assert_int_equal(ktpel_kk_parse("3520015203100004", regions, ref2025, &k, &eb), KTPEL_EFIELD);
    assert_non_null(strstr(eb.message, "KK number 3520015203100004: issue day 52"));
    assert_int_equal(ktpel_kk_parse("3520013102100004", regions, ref2025, &k, &eb), KTPEL_EFIELD);
    assert_non_null(strstr(eb.message, "issue date 31 February 2010 does not exist"));
    assert_int_equal(ktpel_kk_parse("3520011213100004", regions, ref2025, &k, &eb), KTPEL_EFIELD);
    assert_non_null(strstr(eb.message, "issue month 13"));
    assert_int_equal(ktpel_kk_parse("3520011203100000", regions, ref2025, &k, &eb), KTPEL_EFIELD);
    assert_non_null(strstr(eb.message, "KK number 3520011203100000: serial 0000"));
    assert_int_equal(ktpel_kk_parse("3599011203100004", regions, ref2025, &k, &eb), KTPEL_EFIELD);
    assert_non_null(strstr(eb.message, "regency 35.99"));
    assert_int_equal(ktpel_kk_parse("3520001203100004", regions, ref2025, &k, &eb), KTPEL_EFIELD);
    assert_non_null(strstr(eb.message, "district 35.20.00"));
    assert_int_equal(ktpel_kk_parse("35200112031O0004", regions, ref2025, &k, &eb), KTPEL_EFIELD);
    assert_non_null(strstr(eb.message, "KK number \"35200112031O0004\": character 12 is 'O'"));
}

static void test_check_person(void **state)
{
    (void)state;
    ktpel_nik n;
    ktpel_errbuf eb;
    assert_int_equal(ktpel_nik_parse("1310014107950001", regions, ref2025, &n, NULL), KTPEL_OK);
    ktpel_date born = {1995, 7, 1};
    assert_int_equal(ktpel_nik_check_person(&n, KTPEL_SEX_FEMALE, born, &eb), KTPEL_OK);
    assert_int_equal(ktpel_nik_check_person(&n, KTPEL_SEX_MALE, born, &eb), KTPEL_EFIELD);
    assert_non_null(strstr(eb.message, "sex: the NIK's day 41 says PEREMPUAN, the record says "
                                       "LAKI-LAKI"));
    ktpel_date wrong_day = {1995, 7, 2};
    assert_int_equal(ktpel_nik_check_person(&n, KTPEL_SEX_FEMALE, wrong_day, &eb), KTPEL_EFIELD);
    assert_non_null(strstr(eb.message, "birth date: the NIK says 1 July, the record says 2 July"));
    ktpel_date wrong_month = {1995, 8, 1};
    assert_int_equal(ktpel_nik_check_person(&n, KTPEL_SEX_FEMALE, wrong_month, &eb), KTPEL_EFIELD);
    ktpel_date wrong_year = {1996, 7, 1};
    assert_int_equal(ktpel_nik_check_person(&n, KTPEL_SEX_FEMALE, wrong_year, &eb), KTPEL_EFIELD);
    assert_non_null(strstr(eb.message, "birth year: the NIK's year 95 does not match the "
                                       "record's 1996"));
    /* the record knows the century: 1895 ends in 95 as well */
    ktpel_date other_century = {1895, 7, 1};
    assert_int_equal(ktpel_nik_check_person(&n, KTPEL_SEX_FEMALE, other_century, &eb), KTPEL_OK);
    ktpel_date no_year = {0, 7, 1};
    assert_int_equal(ktpel_nik_check_person(&n, KTPEL_SEX_FEMALE, no_year, &eb), KTPEL_OK);
}

static void test_null(void **state)
{
    (void)state;
    ktpel_nik n;
    assert_int_equal(ktpel_nik_parse(NULL, regions, ref2025, &n, NULL), KTPEL_EINVAL);
    assert_int_equal(ktpel_nik_parse("1310014107950001", NULL, ref2025, &n, NULL), KTPEL_EINVAL);
    assert_int_equal(ktpel_nik_check_person(NULL, KTPEL_SEX_MALE, ref2025, NULL), KTPEL_EINVAL);
    assert_string_equal(ktpel_sex_name(KTPEL_SEX_UNKNOWN), "?");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_required_female),
        cmocka_unit_test(test_required_day32),
        cmocka_unit_test(test_male_and_day_edges),
        cmocka_unit_test(test_month_and_date),
        cmocka_unit_test(test_century),
        cmocka_unit_test(test_digits),
        cmocka_unit_test(test_regions),
        cmocka_unit_test(test_serial),
        cmocka_unit_test(test_kk),
        cmocka_unit_test(test_check_person),
        cmocka_unit_test(test_null),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
