#include "testutil.h"

#include <stdio.h>
#include <string.h>

#include "ktpel/resident.h"
#include "ktpel/utf8.h"

static ktpel_regions *regions;
static const ktpel_date ref = {2025, 3, 10};

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

static void set(ktpel_resident *r, const char *field, const char *value)
{
    ktpel_errbuf eb;
    ktpel_errbuf_clear(&eb);
    if (ktpel_resident_set_field(r, field, value, &eb) != KTPEL_OK)
        fail_msg("set %s = %s: %s", field, value, eb.message);
}

/* The woman of NIK 1310014107950001, as her card prints her. */
static ktpel_resident valid_record(void)
{
    ktpel_resident r;
    memset(&r, 0, sizeof r);
    set(&r, "provinsi", "SUMATERA BARAT");
    set(&r, "kabupaten", "KABUPATEN DHARMASRAYA");
    set(&r, "nik", "1310014107950001");
    set(&r, "nama", "SITI RAHMAWATI");
    set(&r, "tempat_lahir", "DHARMASRAYA");
    set(&r, "tanggal_lahir", "01-07-1995");
    set(&r, "jenis_kelamin", "PEREMPUAN");
    set(&r, "golongan_darah", "O");
    set(&r, "alamat", "JL. LINTAS SUMATERA KM. 4");
    set(&r, "rt_rw", "001/002");
    set(&r, "kel_desa", "SUNGAI DAREH");
    set(&r, "kecamatan", "PULAU PUNJUNG");
    set(&r, "agama", "ISLAM");
    set(&r, "status_perkawinan", "BELUM KAWIN");
    set(&r, "pekerjaan", "PELAJAR/MAHASISWA");
    set(&r, "kewarganegaraan", "WNI");
    set(&r, "berlaku_hingga", "SEUMUR HIDUP");
    return r;
}

static void expect_set_error(const char *field, const char *value, const char *needle)
{
    ktpel_resident r = valid_record();
    ktpel_resident before = r;
    ktpel_errbuf eb;
    ktpel_errbuf_clear(&eb);
    assert_int_not_equal(ktpel_resident_set_field(&r, field, value, &eb), KTPEL_OK);
    char prefix[64];
    snprintf(prefix, sizeof prefix, "%s: ", field);
    if (strncmp(eb.message, prefix, strlen(prefix)) != 0 || !strstr(eb.message, needle))
        fail_msg("%s = \"%s\": message \"%s\" lacks \"%s\"", field, value, eb.message, needle);
    assert_memory_equal(&r, &before, sizeof r); /* a rejected value changes nothing */
}

static void expect_invalid(const ktpel_resident *r, const char *field, const char *needle)
{
    ktpel_errbuf eb;
    ktpel_errbuf_clear(&eb);
    const char *failed = NULL;
    assert_int_equal(ktpel_resident_validate(r, regions, ref, &failed, &eb), KTPEL_EFIELD);
    assert_non_null(failed);
    if (strcmp(failed, field) != 0 || !strstr(eb.message, needle))
        fail_msg("failed field %s (want %s), message \"%s\" lacks \"%s\"", failed, field,
                 eb.message, needle);
}

static void test_valid_record(void **state)
{
    (void)state;
    ktpel_resident r = valid_record();
    ktpel_errbuf eb;
    const char *failed = "x";
    ktpel_errbuf_clear(&eb);
    if (ktpel_resident_validate(&r, regions, ref, &failed, &eb) != KTPEL_OK)
        fail_msg("%s", eb.message);
    assert_null(failed);
    assert_int_equal(ktpel_resident_validate_all(&r, regions, ref, NULL, NULL), 0);
    assert_string_equal(r.rt, "001");
    assert_string_equal(r.rw, "002");
}

static void test_text_limits(void **state)
{
    (void)state;
    expect_set_error("nama", "", "empty");
    char name[80];
    memset(name, 'A', 61);
    name[61] = '\0';
    expect_set_error("nama", name, "61 characters, at most 60");
    name[60] = '\0';
    ktpel_resident r = valid_record();
    set(&r, "nama", name); /* exactly 60 */
    /* 60 two-byte letters are 60 characters */
    char wide[200] = "";
    for (int i = 0; i < 60; i++)
        strcat(wide, "\xC3\x89");
    set(&r, "nama", wide);
    strcat(wide, "\xC3\x89");
    expect_set_error("nama", wide, "61 characters");
    char addr[120];
    memset(addr, '1', 101);
    addr[101] = '\0';
    expect_set_error("alamat", addr, "at most 100");
    expect_set_error("kecamatan", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "at most 40");
}

static void test_text_characters(void **state)
{
    (void)state;
    ktpel_resident r = valid_record();
    set(&r, "nama", "NUR'AINI SITI-AISYAH, S.PD.");
    set(&r, "nama", "José Müller");
    expect_set_error("nama", "AHMAD 7", "character 7 '7' is not allowed (letters, space ' - . ,)");
    expect_set_error("nama", "AHMAD/BUDI", "character 6 '/' is not allowed");
    expect_set_error("nama",
                     "A\xC3\x97"
                     "B",
                     "character 2 '\xC3\x97' is not allowed");
    expect_set_error("nama", " AHMAD", "starts or ends with a space");
    expect_set_error("nama", "AHMAD ", "starts or ends with a space");
    expect_set_error("nama", "AHMAD  BUDI", "two spaces in a row");
    expect_set_error("nama", "AHMAD\tBUDI", "character 6 '\\x09'");
    expect_set_error("nama", "SITI\xC3\x28", "malformed UTF-8 at byte 5");
    expect_set_error("tempat_lahir", "\xED\xA0\x80", "malformed UTF-8 at byte 1");
    expect_set_error("provinsi", "JAWA 1", "character 6 '1'");
    set(&r, "alamat", "JL. MERDEKA NO. 5/7 (BELAKANG PASAR) #2: BLOK C");
    expect_set_error("alamat", "JL. MERDEKA; NO 5", "character 12 ';'");
    set(&r, "kel_desa", "KOTO BARU II (2)");
    set(&r, "pekerjaan", "BELUM/TIDAK BEKERJA");
    expect_set_error("pekerjaan", "PNS 2", "character 5 '2'");
}

static void test_closed_lists(void **state)
{
    (void)state;
    ktpel_resident r = valid_record();
    const char *groups[] = {"A",  "B",   "AB",  "O",  "A+", "A-", "B+",
                            "B-", "AB+", "AB-", "O+", "O-", "-"};
    for (size_t i = 0; i < sizeof groups / sizeof groups[0]; i++)
        set(&r, "golongan_darah", groups[i]);
    expect_set_error("golongan_darah", "C", "\"C\" is not a blood group");
    expect_set_error("golongan_darah", "AB++", "is not a blood group");
    expect_set_error("golongan_darah", "o", "is not a blood group");
    expect_set_error("golongan_darah", "+", "is not a blood group");
    const char *religions[] = {"ISLAM",
                               "KRISTEN",
                               "KATHOLIK",
                               "HINDU",
                               "BUDHA",
                               "KHONGHUCU",
                               "KEPERCAYAAN TERHADAP TUHAN YME"};
    for (size_t i = 0; i < 7; i++) {
        set(&r, "agama", religions[i]);
        assert_string_equal(ktpel_religion_name(r.agama), religions[i]);
    }
    expect_set_error("agama", "islam", "\"islam\" is not one of ISLAM");
    expect_set_error("agama", "KATOLIK", "is not one of");
    const char *statuses[] = {"BELUM KAWIN", "KAWIN", "CERAI HIDUP", "CERAI MATI"};
    for (size_t i = 0; i < 4; i++) {
        set(&r, "status_perkawinan", statuses[i]);
        assert_string_equal(ktpel_marital_name(r.status_perkawinan), statuses[i]);
    }
    expect_set_error("status_perkawinan", "JANDA", "is not one of BELUM KAWIN");
    expect_set_error("jenis_kelamin", "L", "is not one of LAKI-LAKI, PEREMPUAN");
    expect_set_error("kewarganegaraan", "WNI ", "is not one of WNI, WNA");
    expect_set_error("rt_rw", "1/2", "is not RT/RW as 001/002");
    expect_set_error("rt_rw", "001-002", "is not RT/RW");
    expect_set_error("rt_rw", "000/002", "RT 000 does not exist");
    expect_set_error("rt_rw", "001/0a2", "RW \"0a2\" is not 3 digits");
    expect_set_error("tanggal_lahir", "1995-02-30", "February 1995 has only 28 days");
    expect_set_error("tanggal_lahir", "1-7-1995", "is not a date");
    expect_set_error("nik", "13100141O7950001", "character 9 is 'O'");
    expect_set_error("berlaku_hingga", "SELAMANYA", "is not a date");
    ktpel_errbuf eb;
    assert_int_equal(ktpel_resident_set_field(&r, "hobi", "x", &eb), KTPEL_EINVAL);
}

static void test_cross_nik(void **state)
{
    (void)state;
    ktpel_resident r = valid_record();
    set(&r, "jenis_kelamin", "LAKI-LAKI");
    expect_invalid(&r, "jenis_kelamin", "the NIK's day 41 says PEREMPUAN");

    r = valid_record();
    set(&r, "tanggal_lahir", "1995-07-02");
    expect_invalid(&r, "tanggal_lahir", "the NIK says 1 July, the record says 2 July");

    r = valid_record();
    set(&r, "tanggal_lahir", "1996-07-01");
    expect_invalid(&r, "tanggal_lahir", "year 95 does not match the record's 1996");

    r = valid_record();
    set(&r, "nik", "1310013207950001");
    expect_invalid(&r, "nik", "nik: NIK 1310013207950001: birth day 32");

    /* A resident who moved keeps the NIK of Dharmasraya while the card shows the new
     * address: the record alone does not tie provinsi/kabupaten to the NIK's region (the
     * application check ties them to the family card instead). */
    r = valid_record();
    set(&r, "provinsi", "JAWA TIMUR");
    set(&r, "kabupaten", "KABUPATEN MAGETAN");
    assert_int_equal(ktpel_resident_validate(&r, regions, ref, NULL, NULL), KTPEL_OK);

    r = valid_record();
    set(&r, "tanggal_lahir", "2095-07-01");
    expect_invalid(&r, "tanggal_lahir", "2095-07-01 is after 2025-03-10");
}

static void test_first_failing_field_and_all(void **state)
{
    (void)state;
    ktpel_resident r = valid_record();
    set(&r, "jenis_kelamin", "LAKI-LAKI");
    set(&r, "tanggal_lahir", "1995-07-02");
    r.agama = KTPEL_RELIGION_UNSET;
    expect_invalid(&r, "tanggal_lahir", "tanggal_lahir:"); /* card order: it comes first */
    assert_int_equal(ktpel_resident_validate_all(&r, regions, ref, NULL, NULL), 3);
    /* with a NULL error buffer the code still comes back */
    assert_int_equal(ktpel_resident_validate(&r, regions, ref, NULL, NULL), KTPEL_EFIELD);
    set(&r, "nik", "1310013207950001");
    assert_int_equal(ktpel_resident_validate(&r, regions, ref, NULL, NULL), KTPEL_EFIELD);
}

/* A callback that records the failing fields in order. */
typedef struct collected {
    char fields[8][32];
    char first_message[512];
    int n;
} collected;

static void collect_field(void *ctx, const char *field, const ktpel_errbuf *error)
{
    collected *c = ctx;
    if (c->n == 0)
        snprintf(c->first_message, sizeof c->first_message, "%s", error->message);
    if (c->n < 8)
        snprintf(c->fields[c->n], sizeof c->fields[0], "%s", field);
    c->n++;
}

static void test_validate_all_callback(void **state)
{
    (void)state;
    ktpel_resident r = valid_record();
    set(&r, "jenis_kelamin", "LAKI-LAKI");
    set(&r, "tanggal_lahir", "1995-07-02");
    r.agama = KTPEL_RELIGION_UNSET;
    collected c;
    memset(&c, 0, sizeof c);
    assert_int_equal(ktpel_resident_validate_all(&r, regions, ref, collect_field, &c), 3);
    assert_int_equal(c.n, 3);
    assert_string_equal(c.fields[0], "tanggal_lahir");
    assert_string_equal(c.fields[1], "jenis_kelamin");
    assert_string_equal(c.fields[2], "agama");
    assert_non_null(strstr(c.first_message, "tanggal_lahir:"));
}

static void test_berlaku_hingga(void **state)
{
    (void)state;
    ktpel_resident r = valid_record();
    set(&r, "berlaku_hingga", "2030-01-01");
    expect_invalid(&r, "berlaku_hingga", "a WNI's KTP-el is valid for life (SEUMUR HIDUP)");

    r = valid_record();
    set(&r, "kewarganegaraan", "WNA");
    expect_invalid(&r, "berlaku_hingga", "the ITAP end date is missing");
    set(&r, "berlaku_hingga", "2030-01-01");
    assert_int_equal(ktpel_resident_validate(&r, regions, ref, NULL, NULL), KTPEL_OK);
    set(&r, "berlaku_hingga", "2025-03-09");
    expect_invalid(&r, "berlaku_hingga", "the ITAP ended on 2025-03-09, before 2025-03-10");
    set(&r, "berlaku_hingga", "2025-03-10");
    assert_int_equal(ktpel_resident_validate(&r, regions, ref, NULL, NULL), KTPEL_OK);
}

static void test_unset_and_unterminated(void **state)
{
    (void)state;
    ktpel_resident r;
    memset(&r, 0, sizeof r);
    expect_invalid(&r, "provinsi", "provinsi: empty");
    /* every field but berlaku_hingga, which is judged by the (unset) kewarganegaraan */
    assert_int_equal(ktpel_resident_validate_all(&r, regions, ref, NULL, NULL), 16);
    /* a record from outside whose arrays are full, with no terminator anywhere */
    memset(&r, 'A', sizeof r);
    r.seumur_hidup = true; /* a bool holds 0 or 1 only */
    expect_invalid(&r, "provinsi", "at most 40");
    assert_true(ktpel_resident_validate_all(&r, regions, ref, NULL, NULL) > 10);
}

static void test_region_names(void **state)
{
    (void)state;
    assert_true(ktpel_region_name_matches("SUMATERA BARAT", "Sumatera Barat", false));
    assert_true(ktpel_region_name_matches("PROVINSI SUMATERA BARAT", "Sumatera Barat", false));
    assert_true(ktpel_region_name_matches("sumatera  barat", "SUMATERA BARAT", false));
    assert_false(ktpel_region_name_matches("SUMATERA UTARA", "Sumatera Barat", false));
    assert_true(ktpel_region_name_matches("KABUPATEN DHARMASRAYA", "Kab. Dharmasraya", true));
    assert_true(ktpel_region_name_matches("KAB. DHARMASRAYA", "Kab. Dharmasraya", true));
    assert_true(ktpel_region_name_matches("DHARMASRAYA", "Kab. Dharmasraya", true));
    assert_false(ktpel_region_name_matches("KOTA DHARMASRAYA", "Kab. Dharmasraya", true));
    assert_true(ktpel_region_name_matches("KOTA PADANG", "Kota Padang", true));
    assert_false(ktpel_region_name_matches("KABUPATEN PADANG", "Kota Padang", true));
    assert_true(ktpel_region_name_matches("JAKARTA SELATAN", "Kota Adm. Jakarta Selatan", true));
    assert_true(
        ktpel_region_name_matches("KOTA JAKARTA SELATAN", "Kota Adm. Jakarta Selatan", true));
    assert_true(ktpel_region_name_matches("KOTA ADMINISTRASI JAKARTA SELATAN",
                                          "Kota Adm. Jakarta Selatan", true));
    assert_false(ktpel_region_name_matches("JAKARTA UTARA", "Kota Adm. Jakarta Selatan", true));
    assert_false(ktpel_region_name_matches(NULL, "x", true));
}

static void test_utf8(void **state)
{
    (void)state;
    size_t n;
    assert_true(ktpel_utf8_valid("abc", 3, &n));
    assert_int_equal(n, 3);
    assert_true(ktpel_utf8_valid("\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80", 9, &n));
    assert_int_equal(n, 3);
    assert_false(ktpel_utf8_valid("\xC0\x80", 2, &n)); /* overlong NUL */
    assert_int_equal(n, 0);
    assert_false(ktpel_utf8_valid("a\xE0\x80\x80", 4, &n)); /* overlong */
    assert_int_equal(n, 1);
    assert_false(ktpel_utf8_valid("\xED\xA0\x80", 3, NULL));     /* surrogate */
    assert_false(ktpel_utf8_valid("\xF4\x90\x80\x80", 4, NULL)); /* above U+10FFFF */
    assert_false(ktpel_utf8_valid("\xE2\x82", 2, NULL));         /* truncated */
    assert_false(ktpel_utf8_valid("\x80", 1, NULL));
    char buf[16];
    assert_string_equal(ktpel_text_quote("a\x01\xC3\xA9", 4, buf, sizeof buf), "a\\x01\xC3\xA9");
    assert_string_equal(ktpel_text_quote("abcdefghijklmnopqrstuvwxyz", 26, buf, sizeof buf),
                        "abcdefghijkl...");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_record),
        cmocka_unit_test(test_text_limits),
        cmocka_unit_test(test_text_characters),
        cmocka_unit_test(test_closed_lists),
        cmocka_unit_test(test_cross_nik),
        cmocka_unit_test(test_first_failing_field_and_all),
        cmocka_unit_test(test_validate_all_callback),
        cmocka_unit_test(test_berlaku_hingga),
        cmocka_unit_test(test_unset_and_unterminated),
        cmocka_unit_test(test_region_names),
        cmocka_unit_test(test_utf8),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
