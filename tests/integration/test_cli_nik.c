/* Runs the built ktpel command: `nik check` and `application check`. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char out[16384];

/* Runs `ktpel ARGS 2>&1` and returns the exit status; output in `out`. */
static int ktpel(const char *args)
{
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "'%s' %s 2>&1", ktpel_test_bin(), args);
    return ktpel_test_run(cmd, out, sizeof out);
}

static void expect_out(const char *needle)
{
    if (!strstr(out, needle))
        fail_msg("output lacks \"%s\":\n%s", needle, out);
}

static const char *fixtures(void)
{
    const char *dir = getenv("KTPEL_FIXTURES");
    if (!dir || !*dir) {
        printf("SKIP: KTPEL_FIXTURES is not set\n");
        exit(KTPEL_TEST_SKIP);
    }
    return dir;
}

static void test_nik_valid_woman(void **state)
{
    (void)state;
    assert_int_equal(ktpel("nik check 1310014107950001"), 0);
    expect_out("NIK 1310014107950001 is valid");
    expect_out("province  13        Sumatera Barat");
    expect_out("regency   13.10     Kab. Dharmasraya");
    expect_out("district  13.10.01");
    expect_out("sex       female (PEREMPUAN; day 41 = 1 + 40)");
    expect_out("born      1 July 1995");
    expect_out("serial    0001");
}

static void test_nik_day32(void **state)
{
    (void)state;
    assert_int_equal(ktpel("nik check 1310013207950001"), 1);
    expect_out("NIK 1310013207950001: birth day 32 is neither a man's (01-31) nor a woman's "
               "(41-71) valid day");
    assert_null(strstr(out, "is valid"));
}

static void test_nik_json_and_date(void **state)
{
    (void)state;
    assert_int_equal(ktpel("nik check 1310014107950001 --json"), 0);
    expect_out("\"valid\":true");
    expect_out("\"regency\":{\"code\":\"13.10\",\"name\":\"Kab. Dharmasraya\"}");
    expect_out("\"sex\":\"female\"");
    expect_out("\"birth_date\":\"1995-07-01\"");
    expect_out("\"serial\":\"0001\"");
    assert_int_equal(ktpel("nik check 1310013207950001 --json"), 1);
    expect_out("\"valid\":false");
    expect_out("birth day 32");
    /* the reference date picks the century */
    assert_int_equal(ktpel("nik check 3520011506250001 --date 2025-06-15"), 0);
    expect_out("born      15 June 2025");
    assert_int_equal(ktpel("nik check 3520011606250001 --date 2025-06-15"), 0);
    expect_out("born      16 June 1925");
}

static void test_nik_kk_and_parts(void **state)
{
    (void)state;
    assert_int_equal(ktpel("nik check 3520011203100004 --kk"), 0);
    expect_out("KK number 3520011203100004 is valid");
    expect_out("Kab. Magetan");
    expect_out("issued    12 March 2010");
    assert_int_equal(ktpel("nik check 3520015203100004 --kk"), 1);
    expect_out("issue day 52");
    assert_int_equal(ktpel("nik check 13100141O7950001"), 1);
    expect_out("character 9 is 'O', not a digit");
    assert_int_equal(ktpel("nik check 1311014107950001"), 1);
    expect_out("regency 13.11 is not in the region list");
    expect_out("--regions");
}

static void test_nik_regions_file(void **state)
{
    (void)state;
    char *dir = ktpel_test_tmpdir();
    assert_non_null(dir);
    char path[4200], args[4400];
    snprintf(path, sizeof path, "%s/wilayah.csv", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("kode,nama\n13.11,KAB. SOLOK SELATAN\n13.11.01,Sangir\n", f);
    fclose(f);
    snprintf(args, sizeof args, "nik check 1311014107950001 --regions '%s'", path);
    assert_int_equal(ktpel(args), 0);
    expect_out("KAB. SOLOK SELATAN");
    expect_out("13.11.01  Sangir");
    snprintf(args, sizeof args, "nik check 1311024107950001 --regions '%s'", path);
    assert_int_equal(ktpel(args), 1);
    expect_out("district 13.11.02 is not a district of KAB. SOLOK SELATAN");
    f = fopen(path, "w");
    fputs("13.11,KAB. SOLOK SELATAN\n13.1x,Bad\n", f);
    fclose(f);
    snprintf(args, sizeof args, "nik check 1311014107950001 --regions '%s'", path);
    assert_int_equal(ktpel(args), 1);
    expect_out("wilayah.csv:2:");
    expect_out("\"13.1x\"");
    ktpel_test_rmtree(dir);
    free(dir);
}

static void test_nik_usage(void **state)
{
    (void)state;
    assert_int_equal(ktpel("nik --help"), 0);
    expect_out("usage: ktpel nik check");
    assert_int_equal(ktpel("nik check --help"), 0);
    assert_int_equal(ktpel("nik check"), 2);
    assert_int_equal(ktpel("nik check 1 2"), 2);
    assert_int_equal(ktpel("nik check 1310014107950001 --bogus"), 2);
    assert_int_equal(ktpel("nik check 1310014107950001 --date 2025-13-01"), 2);
    assert_int_equal(ktpel("nik check 1310014107950001 --regions"), 2);
    assert_int_equal(ktpel("nik verify 1310014107950001"), 2);
}

static void test_application_fixtures(void **state)
{
    (void)state;
    const char *dir = fixtures();
    char args[4400];

    snprintf(args, sizeof args, "application check '%s/applications/baru-terlambat.txt'", dir);
    assert_int_equal(ktpel(args), 0);
    expect_out("record:        valid (BAYU ADI NUGROHO, NIK 3520011501070002)");
    expect_out("requirements:  met");
    expect_out("fine:          Rp 25.000: first KTP-el reported more than 30 days after the 17th "
               "birthday");
    expect_out("17th birthday 2024-01-15, deadline 2024-02-14, 390 days late");
    expect_out("queue:         regular");
    expect_out("result:        can proceed");

    snprintf(args, sizeof args, "application check '%s/applications/ganti-hilang-tanpa-surat.txt'",
             dir);
    assert_int_equal(ktpel(args), 1);
    expect_out("requirements:  MISSING");
    expect_out("- surat_kehilangan: surat keterangan kehilangan dari kepolisian (police letter "
               "of loss)");
    expect_out("result:        cannot proceed");

    snprintf(args, sizeof args, "application check '%s/applications/wna-itap.txt'", dir);
    assert_int_equal(ktpel(args), 0);
    expect_out("fine:          none (ITAP ends 2025-05-01, deadline 2025-04-01 met)");

    snprintf(args, sizeof args, "application check '%s/applications/baru-29-februari.txt'", dir);
    assert_int_equal(ktpel(args), 0);
    expect_out("fine:          none (17th birthday 2025-03-01, deadline 2025-03-31 met)");

    snprintf(args, sizeof args,
             "application check '%s/applications/perubahan-kawin-lansia.txt' --json", dir);
    assert_int_equal(ktpel(args), 0);
    expect_out("\"amount_rp\":25000");
    expect_out("\"rule\":\"marriage\"");
    expect_out("\"deadline\":\"2025-02-19\"");
    expect_out("\"class\":\"priority\",\"reasons\":[\"lansia\",\"disabilitas\"]");
    expect_out("\"can_proceed\":true");
}

static void test_application_errors(void **state)
{
    (void)state;
    char *dir = ktpel_test_tmpdir();
    assert_non_null(dir);
    char path[4200], args[4400];
    snprintf(path, sizeof path, "%s/app.txt", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("layanan: baru\ntanggal_permohonan: 2025-01-01\nhobi: catur\n", f);
    fclose(f);
    snprintf(args, sizeof args, "application check '%s'", path);
    assert_int_equal(ktpel(args), 1);
    expect_out("app.txt:3: unknown key: \"hobi\"");
    assert_int_equal(ktpel("application check"), 2);
    assert_int_equal(ktpel("application --help"), 0);
    expect_out("usage: ktpel application check FILE");
    assert_int_equal(ktpel("application check a.txt b.txt"), 2);
    assert_int_equal(ktpel("application check /nonexistent/app.txt"), 1);
    expect_out("/nonexistent/app.txt: cannot open");
    ktpel_test_rmtree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nik_valid_woman),      cmocka_unit_test(test_nik_day32),
        cmocka_unit_test(test_nik_json_and_date),    cmocka_unit_test(test_nik_kk_and_parts),
        cmocka_unit_test(test_nik_regions_file),     cmocka_unit_test(test_nik_usage),
        cmocka_unit_test(test_application_fixtures), cmocka_unit_test(test_application_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
