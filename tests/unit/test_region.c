#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ktpel/region.h"

static ktpel_regions *builtin(void)
{
    ktpel_regions *r = NULL;
    assert_int_equal(ktpel_regions_create(&r, NULL), KTPEL_OK);
    return r;
}

static ktpel_err load(ktpel_regions *r, const char *csv, ktpel_errbuf *eb)
{
    return ktpel_regions_load_csv_buffer(r, csv, strlen(csv), "regions.csv", eb);
}

static void test_builtin_provinces(void **state)
{
    (void)state;
    ktpel_regions *r = builtin();
    assert_string_equal(ktpel_regions_province(r, 11), "Aceh");
    assert_string_equal(ktpel_regions_province(r, 13), "Sumatera Barat");
    assert_string_equal(ktpel_regions_province(r, 31), "DKI Jakarta");
    assert_string_equal(ktpel_regions_province(r, 35), "Jawa Timur");
    assert_string_equal(ktpel_regions_province(r, 61), "Kalimantan Barat");
    assert_string_equal(ktpel_regions_province(r, 91), "Papua");
    assert_string_equal(ktpel_regions_province(r, 96), "Papua Barat Daya");
    /* codes that are not provinces */
    assert_null(ktpel_regions_province(r, 10));
    assert_null(ktpel_regions_province(r, 20));
    assert_null(ktpel_regions_province(r, 97));
    assert_null(ktpel_regions_province(r, 0));
    assert_null(ktpel_regions_province(r, 100));
    int provinces = 0;
    for (int p = 0; p < 100; p++)
        provinces += ktpel_regions_province(r, p) != NULL;
    assert_int_equal(provinces, 38);
    ktpel_regions_free(r);
}

static void test_builtin_regencies(void **state)
{
    (void)state;
    ktpel_regions *r = builtin();
    assert_string_equal(ktpel_regions_regency(r, 13, 10), "Kab. Dharmasraya");
    assert_string_equal(ktpel_regions_regency(r, 35, 20), "Kab. Magetan");
    assert_string_equal(ktpel_regions_regency(r, 61, 5), "Kab. Sintang");
    assert_string_equal(ktpel_regions_regency(r, 35, 78), "Kota Surabaya");
    assert_string_equal(ktpel_regions_regency(r, 31, 71), "Kota Adm. Jakarta Selatan");
    assert_string_equal(ktpel_regions_regency(r, 31, 75), "Kota Adm. Jakarta Utara");
    assert_null(ktpel_regions_regency(r, 13, 11)); /* a real regency, not in the selection */
    assert_null(ktpel_regions_regency(r, 13, 0));
    assert_null(ktpel_regions_district(r, 13, 10, 1)); /* no built-in districts */
    assert_false(ktpel_regions_has_districts(r, 13, 10));
    ktpel_regions_free(r);
}

static void test_load_merges_and_overrides(void **state)
{
    (void)state;
    ktpel_regions *r = builtin();
    ktpel_errbuf eb;
    const char *csv = "\xEF\xBB\xBF"
                      "kode,nama\r\n"
                      "13,SUMATERA BARAT\r\n"
                      "\r\n"
                      "13.11,KAB. SOLOK SELATAN\n"
                      "\"13.10.01\",\"Pulau Punjung\"\n"
                      "  13.10.02 ,  \"Sitiung, \"\"Timur\"\"\"  \n"
                      "13.10.01.2001,Sungai Dareh\n"
                      "35.20.05,Kécamatan Ü";
    assert_int_equal(load(r, csv, &eb), KTPEL_OK);
    assert_string_equal(ktpel_regions_province(r, 13), "SUMATERA BARAT");
    assert_string_equal(ktpel_regions_province(r, 35), "Jawa Timur");
    assert_string_equal(ktpel_regions_regency(r, 13, 11), "KAB. SOLOK SELATAN");
    assert_string_equal(ktpel_regions_district(r, 13, 10, 1), "Pulau Punjung");
    assert_string_equal(ktpel_regions_district(r, 13, 10, 2), "Sitiung, \"Timur\"");
    assert_string_equal(ktpel_regions_district(r, 35, 20, 5), "Kécamatan Ü");
    assert_null(ktpel_regions_district(r, 13, 10, 3));
    assert_true(ktpel_regions_has_districts(r, 13, 10));
    assert_true(ktpel_regions_has_districts(r, 35, 20));
    assert_false(ktpel_regions_has_districts(r, 13, 11));
    assert_false(ktpel_regions_has_districts(r, 61, 5));
    /* the village line was accepted and not kept as a district */
    assert_null(ktpel_regions_district(r, 13, 10, 20));
    ktpel_regions_free(r);
}

static void test_district_range_edges(void **state)
{
    (void)state;
    ktpel_regions *r = NULL;
    assert_int_equal(ktpel_regions_create_empty(&r, NULL), KTPEL_OK);
    assert_int_equal(load(r, "13.09.99,Last of 13.09\n13.11.01,First of 13.11\n", NULL), KTPEL_OK);
    assert_false(ktpel_regions_has_districts(r, 13, 10));
    assert_true(ktpel_regions_has_districts(r, 13, 9));
    assert_true(ktpel_regions_has_districts(r, 13, 11));
    assert_int_equal(ktpel_regions_count(r), 2);
    ktpel_regions_free(r);
}

static void expect_error(const char *csv, int line, const char *needle)
{
    ktpel_regions *r = builtin();
    size_t before = ktpel_regions_count(r);
    ktpel_errbuf eb;
    ktpel_errbuf_clear(&eb);
    assert_int_not_equal(load(r, csv, &eb), KTPEL_OK);
    char where[32];
    snprintf(where, sizeof where, "regions.csv:%d:", line);
    if (!strstr(eb.message, where) || !strstr(eb.message, needle))
        fail_msg("message \"%s\" lacks \"%s\" or \"%s\"", eb.message, where, needle);
    /* nothing merged */
    assert_int_equal(ktpel_regions_count(r), before);
    assert_null(ktpel_regions_regency(r, 13, 11));
    ktpel_regions_free(r);
}

static void test_malformed_lines(void **state)
{
    (void)state;
    expect_error("13.11,KAB. SOLOK SELATAN\n13.1,Bad\n", 2, "\"13.1\"");
    expect_error("13.11,A\n1310,Bad\n", 2, "\"1310\"");
    expect_error("13.11,A\n13.00,Bad\n", 2, "\"13.00\"");
    expect_error("13.11,A\n10,Bad\n", 2, "\"10\"");
    expect_error("13.11,A\n13.10.00,Bad\n", 2, "\"13.10.00\"");
    expect_error("13.11,A\n13.10.01.0000,Bad\n", 2, "\"13.10.01.0000\"");
    expect_error("13.11,A\n13.1a,Bad\n", 2, "\"13.1a\"");
    expect_error("13.11,A\n13.10\n", 2, "expected code,name");
    expect_error("13.11,A\n13.10,\n", 2, "empty region name");
    expect_error("13.11,A\n13.10,a,b\n", 2, "too many fields");
    expect_error("13.11,A\n13.10,\"open\n", 2, "unterminated");
    expect_error("13.11,A\n13.10,\"x\"y\n", 2, "after a closing quote");
    expect_error("13.11,A\n13.10,x\"y\n", 2, "quote inside");
    expect_error("13.11,A\n13.10,Bad\xC3\x28\n", 2, "not well-formed UTF-8");
    expect_error("13.11,A\n13.10,Bad\xC0\xAF\n", 2, "\\xC0");
    expect_error("13.11,A\n13.10,Tab\there\n", 2, "control character");
    expect_error("kode,nama\n13.11,A\nkode,nama\n", 3, "\"kode\"");
    char longname[200];
    memset(longname, 'x', sizeof longname);
    memcpy(longname, "13.11,A\n13.10,", 14);
    longname[120] = '\n';
    longname[121] = '\0';
    expect_error(longname, 2, "longer than 95");
}

static void test_long_line_and_size(void **state)
{
    (void)state;
    ktpel_regions *r = builtin();
    ktpel_errbuf eb;
    char *big = malloc(3000);
    memset(big, 'a', 3000);
    memcpy(big, "13.10,", 6);
    assert_int_equal(ktpel_regions_load_csv_buffer(r, big, 3000, "big.csv", &eb), KTPEL_ETOOBIG);
    assert_non_null(strstr(eb.message, "big.csv:1: line longer than 1024"));
    free(big);
    assert_int_equal(
        ktpel_regions_load_csv_buffer(r, "", (size_t)KTPEL_REGION_FILE_MAX + 1, "huge", &eb),
        KTPEL_ETOOBIG);
    assert_int_equal(ktpel_regions_load_csv_buffer(r, "", 0, "empty", &eb), KTPEL_OK);
    ktpel_regions_free(r);
}

static void test_load_file(void **state)
{
    (void)state;
    char *dir = ktpel_test_tmpdir();
    assert_non_null(dir);
    char path[4200];
    snprintf(path, sizeof path, "%s/regions.csv", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("code,name\n61.05.01,Sintang\n61.05.02,Kelam Permai\n61.05.03,Bad\"\n", f);
    fclose(f);
    ktpel_regions *r = builtin();
    ktpel_errbuf eb;
    assert_int_equal(ktpel_regions_load_csv(r, path, &eb), KTPEL_EFORMAT);
    char where[4300];
    snprintf(where, sizeof where, "%s:4:", path);
    assert_non_null(strstr(eb.message, where));
    assert_false(ktpel_regions_has_districts(r, 61, 5));
    f = fopen(path, "w");
    fputs("61.05.01,Sintang\n61.05.02,Kelam Permai\n", f);
    fclose(f);
    assert_int_equal(ktpel_regions_load_csv(r, path, &eb), KTPEL_OK);
    assert_string_equal(ktpel_regions_district(r, 61, 5, 2), "Kelam Permai");
    snprintf(path, sizeof path, "%s/absent.csv", dir);
    assert_int_equal(ktpel_regions_load_csv(r, path, &eb), KTPEL_EIO);
    assert_non_null(strstr(eb.message, "absent.csv"));
    ktpel_regions_free(r);
    ktpel_test_rmtree(dir);
    free(dir);
}

static void test_null_arguments(void **state)
{
    (void)state;
    assert_null(ktpel_regions_province(NULL, 13));
    assert_false(ktpel_regions_has_districts(NULL, 13, 10));
    assert_int_equal(ktpel_regions_create(NULL, NULL), KTPEL_EINVAL);
    assert_int_equal(ktpel_regions_load_csv_buffer(NULL, "", 0, NULL, NULL), KTPEL_EINVAL);
    ktpel_regions_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_builtin_provinces),
        cmocka_unit_test(test_builtin_regencies),
        cmocka_unit_test(test_load_merges_and_overrides),
        cmocka_unit_test(test_district_range_edges),
        cmocka_unit_test(test_malformed_lines),
        cmocka_unit_test(test_long_line_and_size),
        cmocka_unit_test(test_load_file),
        cmocka_unit_test(test_null_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
