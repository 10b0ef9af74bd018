#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ktpel/application.h"

static ktpel_regions *regions;

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

/* A valid application for a new card, on time; tests edit it line by line. */
static const char base[] = "# new KTP-el\n"
                           "layanan: baru\n"                  /* 2 */
                           "tanggal_permohonan: 2024-02-14\n" /* 3 */
                           "nik: 3520011501070002\n"          /* 4 */
                           "no_kk: 3520011203100004\n"        /* 5 */
                           "provinsi: JAWA TIMUR\n"           /* 6 */
                           "kabupaten: KABUPATEN MAGETAN\n"   /* 7 */
                           "nama: BAYU ADI NUGROHO\n"         /* 8 */
                           "tempat_lahir: MAGETAN\n"          /* 9 */
                           "tanggal_lahir: 15-01-2007\n"      /* 10 */
                           "jenis_kelamin: LAKI-LAKI\n"       /* 11 */
                           "golongan_darah: O\n"              /* 12 */
                           "alamat: JL. PAHLAWAN NO. 12\n"    /* 13 */
                           "rt_rw: 002/005\n"                 /* 14 */
                           "kel_desa: SELOSARI\n"             /* 15 */
                           "kecamatan: MAGETAN\n"             /* 16 */
                           "agama: ISLAM\n"                   /* 17 */
                           "status_perkawinan: BELUM KAWIN\n" /* 18 */
                           "pekerjaan: PELAJAR/MAHASISWA\n"   /* 19 */
                           "kewarganegaraan: WNI\n"           /* 20 */
                           "dokumen: kk\n";                   /* 21 */

/* base with the line starting with `key:` replaced by `line` (or removed when line is ""),
 * or `line` appended when no such key exists. */
static char *edit(const char *key, const char *line)
{
    char *out = malloc(sizeof base + 2048);
    out[0] = '\0';
    size_t klen = strlen(key);
    bool done = false;
    for (const char *p = base; *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = (size_t)(nl - p) + 1;
        if (!done && strncmp(p, key, klen) == 0 && p[klen] == ':') {
            strcat(out, line);
            if (*line)
                strcat(out, "\n");
            done = true;
        } else {
            strncat(out, p, n);
        }
        p += n;
    }
    if (!done) {
        strcat(out, line);
        strcat(out, "\n");
    }
    return out;
}

static ktpel_err parse(const char *text, ktpel_application *app, ktpel_errbuf *eb)
{
    return ktpel_application_parse(text, strlen(text), "app.txt", app, eb);
}

static void expect_parse_error(const char *text, const char *needle)
{
    ktpel_application app;
    ktpel_errbuf eb;
    ktpel_errbuf_clear(&eb);
    assert_int_not_equal(parse(text, &app, &eb), KTPEL_OK);
    if (!strstr(eb.message, needle))
        fail_msg("message \"%s\" lacks \"%s\"", eb.message, needle);
}

static void expect_edit_error(const char *key, const char *line, const char *needle)
{
    char *text = edit(key, line);
    expect_parse_error(text, needle);
    free(text);
}

static ktpel_application_result check_text(const char *text)
{
    ktpel_application app;
    ktpel_errbuf eb;
    ktpel_errbuf_clear(&eb);
    if (parse(text, &app, &eb) != KTPEL_OK)
        fail_msg("parse: %s", eb.message);
    ktpel_application_result r;
    assert_int_equal(ktpel_application_check(&app, regions, &r, &eb), KTPEL_OK);
    return r;
}

static void test_valid_base(void **state)
{
    (void)state;
    ktpel_application app;
    ktpel_errbuf eb;
    ktpel_errbuf_clear(&eb);
    if (parse(base, &app, &eb) != KTPEL_OK)
        fail_msg("%s", eb.message);
    assert_int_equal(app.service, KTPEL_SERVICE_NEW);
    assert_string_equal(app.resident.nama, "BAYU ADI NUGROHO");
    assert_string_equal(app.no_kk, "3520011203100004");
    assert_true(app.resident.seumur_hidup);
    assert_int_equal(app.documents, KTPEL_REQ_BIT(KTPEL_REQ_KK));
    assert_int_equal(app.lines[6], 8); /* nama is key 6, on line 8 */
    assert_string_equal(ktpel_application_key(6), "nama");
    ktpel_application_result r = check_text(base);
    assert_true(r.record_valid);
    assert_true(r.requirements_met);
    assert_true(r.eligible);
    assert_int_equal(r.fine.amount_rp, 0); /* day 30 after the 17th birthday */
    assert_int_equal(r.fine.rule, KTPEL_FINE_AGE17);
    assert_int_equal(r.queue, KTPEL_QUEUE_REGULAR);
    assert_true(r.can_proceed);
}

static void test_fine_day31(void **state)
{
    (void)state;
    char *text = edit("tanggal_permohonan", "tanggal_permohonan: 2024-02-15");
    ktpel_application_result r = check_text(text);
    assert_int_equal(r.fine.amount_rp, 25000);
    assert_int_equal(r.fine.days_late, 1);
    assert_true(r.can_proceed); /* a fine is paid, it does not stop the application */
    free(text);
}

static void test_format_variants(void **state)
{
    (void)state;
    /* BOM, CRLF, blank lines, comments, spaces around key and value */
    char text[4096] = "\xEF\xBB\xBF";
    size_t n = strlen(text);
    for (const char *p = base; *p; p++) {
        const char *piece = *p == '\n'                   ? "\r\n\r\n  # comment\r\n"
                            : (*p == ':' && p[1] == ' ') ? "  :"
                                                         : NULL;
        size_t len = piece ? strlen(piece) : 1;
        assert_true(n + len < sizeof text);
        memcpy(text + n, piece ? piece : p, len);
        n += len;
    }
    text[n] = '\0';
    ktpel_application_result r = check_text(text);
    assert_true(r.can_proceed);
}

static void test_malformed_lines(void **state)
{
    (void)state;
    expect_edit_error("nama", "nama BAYU", "app.txt:8: expected \"key: value\": \"nama BAYU\"");
    expect_edit_error("nama", "hobi: catur", "app.txt:8: unknown key: \"hobi\"");
    expect_edit_error("nama", "Nama: BAYU", "app.txt:8: unknown key: \"Nama\"");
    expect_edit_error("nama", "nama:", "app.txt:8: nama: empty value");
    expect_edit_error("layanan", "layanan: baru\nlayanan: baru",
                      "app.txt:3: layanan: repeated (first on line 2)");
    expect_edit_error("nama", "", "app.txt:20: end of file without the required key nama");
    expect_edit_error("dokumen", "", "required key dokumen");
    expect_edit_error("nama", "nama: BAYU\xC3\x28", "app.txt:8: nama: malformed UTF-8");
    expect_edit_error("nama", "nama: BAYU 2", "app.txt:8: nama: \"BAYU 2\": character 6 '2'");
    expect_edit_error("layanan", "layanan: BARU", "app.txt:2: layanan: \"BARU\" is not a service");
    expect_edit_error("tanggal_lahir", "tanggal_lahir: 31-02-2007",
                      "app.txt:10: tanggal_lahir: \"31-02-2007\": February 2007 has only 28 days");
    expect_edit_error("nik", "nik: 35200115O1070002",
                      "app.txt:4: nik: NIK \"35200115O1070002\": "
                      "character 9 is 'O'");
    expect_edit_error("no_kk", "no_kk: 352001120310000", "app.txt:5: no_kk: KK number");
    expect_edit_error("dokumen", "dokumen: kk, ktp", "app.txt:21: dokumen: \"ktp\"");
    expect_edit_error("dokumen", "dokumen: kk,,paspor", "dokumen: empty item");
    expect_edit_error("dokumen", "dokumen: kk, kk", "dokumen: \"kk\" listed twice");
    expect_edit_error("prioritas", "prioritas: hamil", "prioritas: \"hamil\"");
    expect_edit_error("rt_rw", "rt_rw: 2/5", "app.txt:14: rt_rw: \"2/5\"");
    expect_edit_error("perubahan", "perubahan: lainnya", "perubahan: only for layanan perubahan");
    expect_edit_error("itap_lama_berlaku_hingga", "itap_lama_berlaku_hingga: 2025-01-01",
                      "only for layanan wna_itap");
    char *text = edit("layanan", "layanan: perubahan");
    expect_parse_error(text, "app.txt:2: layanan perubahan needs the key perubahan");
    free(text);
    text = edit("layanan", "layanan: perubahan\nperubahan: perkawinan");
    expect_parse_error(text, "perubahan: perkawinan needs the key tanggal_kawin");
    free(text);
    ktpel_application app;
    ktpel_errbuf eb;
    assert_int_equal(ktpel_application_parse("nama: A\0B\n", 10, "nul.txt", &app, &eb),
                     KTPEL_EFORMAT);
    assert_non_null(strstr(eb.message, "nul.txt:1: NUL byte in line"));
}

static void test_limits(void **state)
{
    (void)state;
    ktpel_application app;
    ktpel_errbuf eb;
    char *big = malloc(KTPEL_APPLICATION_FILE_MAX + 2);
    memset(big, '#', KTPEL_APPLICATION_FILE_MAX + 1);
    assert_int_equal(
        ktpel_application_parse(big, KTPEL_APPLICATION_FILE_MAX + 1, "big.txt", &app, &eb),
        KTPEL_ETOOBIG);
    assert_non_null(strstr(eb.message, "big.txt"));
    memset(big, 'a', 1100);
    memcpy(big, "nama: ", 6);
    assert_int_equal(ktpel_application_parse(big, 1100, "long.txt", &app, &eb), KTPEL_ETOOBIG);
    assert_non_null(strstr(eb.message, "long.txt:1: line of 1100 bytes"));
    free(big);
    assert_int_equal(ktpel_application_parse("", 0, "empty.txt", &app, &eb), KTPEL_EFORMAT);
    assert_non_null(strstr(eb.message, "required key layanan"));
}

static void test_record_errors_have_lines(void **state)
{
    (void)state;
    char *text = edit("jenis_kelamin", "jenis_kelamin: PEREMPUAN");
    ktpel_application_result r = check_text(text);
    assert_false(r.record_valid);
    assert_string_equal(r.record_field, "jenis_kelamin");
    assert_non_null(strstr(r.record_error, "app.txt:11: jenis_kelamin: NIK 3520011501070002: sex"));
    assert_false(r.can_proceed);
    free(text);

    text = edit("no_kk", "no_kk: 3520011203100000");
    r = check_text(text);
    assert_string_equal(r.record_field, "no_kk");
    assert_non_null(strstr(r.record_error, "app.txt:5: no_kk: KK number 3520011203100000: "
                                           "serial 0000"));
    free(text);

    text = edit("kewarganegaraan", "kewarganegaraan: WNA");
    r = check_text(text);
    assert_string_equal(r.record_field, "berlaku_hingga");
    assert_non_null(strstr(r.record_error, "app.txt:20: berlaku_hingga: a WNA's KTP-el"));
    assert_false(r.eligible); /* and layanan baru is for a WNI */
    assert_non_null(strstr(r.eligibility_error, "wna_itap"));
    free(text);

    /* the card's address must be the family card's region (Magetan, 35.20) ... */
    text = edit("kabupaten", "kabupaten: KABUPATEN DHARMASRAYA");
    r = check_text(text);
    assert_string_equal(r.record_field, "kabupaten");
    assert_non_null(strstr(r.record_error, "app.txt:7: kabupaten: \"KABUPATEN DHARMASRAYA\" is "
                                           "not the regency 35.20 (Kab. Magetan) of no_kk"));
    free(text);
    text = edit("provinsi", "provinsi: SUMATERA BARAT");
    r = check_text(text);
    assert_string_equal(r.record_field, "provinsi");
    assert_non_null(strstr(r.record_error, "app.txt:6: provinsi:"));
    free(text);

    /* ... while the NIK may come from where the resident lived before (Dharmasraya) */
    text = edit("nik", "nik: 1310011501070002");
    r = check_text(text);
    assert_true(r.record_valid);
    free(text);

    text = edit("nik", "nik: 1311011501070002");
    r = check_text(text);
    assert_string_equal(r.record_field, "nik");
    assert_non_null(strstr(r.record_error, "app.txt:4: nik: NIK 1311011501070002: regency 13.11"));
    free(text);
}

static void test_requirements_and_eligibility(void **state)
{
    (void)state;
    char *text = edit("layanan", "layanan: ganti_hilang");
    ktpel_application_result r = check_text(text);
    assert_true(r.record_valid);
    assert_false(r.requirements_met);
    assert_int_equal(r.missing_count, 1);
    assert_int_equal(r.missing[0], KTPEL_REQ_POLICE_LETTER);
    assert_false(r.can_proceed);
    free(text);

    text = edit("tanggal_permohonan", "tanggal_permohonan: 2024-01-14");
    r = check_text(text);
    assert_false(r.eligible);
    assert_non_null(strstr(r.eligibility_error, "app.txt:2: not eligible: aged 16"));
    assert_false(r.can_proceed);
    free(text);

    text = edit("prioritas", "prioritas: lansia");
    r = check_text(text);
    assert_false(r.priority_valid);
    assert_non_null(strstr(r.priority_error, "lansia declared"));
    assert_false(r.can_proceed);
    free(text);

    text = edit("prioritas", "prioritas: disabilitas");
    r = check_text(text);
    assert_int_equal(r.queue, KTPEL_QUEUE_PRIORITY);
    assert_int_equal(r.priority_reasons, KTPEL_PRIORITY_DISABILITY);
    assert_true(r.can_proceed);
    free(text);
}

static void load_fixture(const char *name, ktpel_application *app)
{
    const char *dir = getenv("KTPEL_FIXTURES");
    if (!dir)
        skip();
    char path[4096];
    snprintf(path, sizeof path, "%s/applications/%s", dir, name);
    ktpel_errbuf eb;
    ktpel_errbuf_clear(&eb);
    if (ktpel_application_load(path, app, &eb) != KTPEL_OK)
        fail_msg("%s", eb.message);
}

static void test_fixtures(void **state)
{
    (void)state;
    ktpel_application app;
    ktpel_application_result r;
    load_fixture("baru-terlambat.txt", &app);
    assert_int_equal(ktpel_application_check(&app, regions, &r, NULL), KTPEL_OK);
    assert_true(r.can_proceed);
    assert_int_equal(r.fine.amount_rp, 25000);
    assert_int_equal(r.fine.rule, KTPEL_FINE_AGE17);
    assert_int_equal(ktpel_date_cmp(r.fine.deadline, (ktpel_date){2024, 2, 14}), 0);

    load_fixture("ganti-hilang-tanpa-surat.txt", &app);
    assert_int_equal(ktpel_application_check(&app, regions, &r, NULL), KTPEL_OK);
    assert_false(r.can_proceed);
    assert_int_equal(r.missing_count, 1);
    assert_int_equal(r.missing[0], KTPEL_REQ_POLICE_LETTER);

    load_fixture("wna-itap.txt", &app);
    assert_int_equal(ktpel_application_check(&app, regions, &r, NULL), KTPEL_OK);
    assert_true(r.can_proceed);
    assert_int_equal(r.fine.rule, KTPEL_FINE_ITAP_RENEWAL);
    assert_int_equal(r.fine.amount_rp, 0);

    load_fixture("baru-29-februari.txt", &app);
    assert_int_equal(ktpel_application_check(&app, regions, &r, NULL), KTPEL_OK);
    assert_true(r.can_proceed);
    assert_int_equal(ktpel_date_cmp(r.fine.event, (ktpel_date){2025, 3, 1}), 0);
    assert_int_equal(r.fine.amount_rp, 0);

    load_fixture("perubahan-kawin-lansia.txt", &app);
    assert_int_equal(ktpel_application_check(&app, regions, &r, NULL), KTPEL_OK);
    assert_true(r.can_proceed);
    assert_int_equal(r.fine.rule, KTPEL_FINE_MARRIAGE);
    assert_int_equal(r.fine.amount_rp, 25000);
    assert_int_equal(r.queue, KTPEL_QUEUE_PRIORITY);
    assert_int_equal(r.priority_reasons, KTPEL_PRIORITY_ELDERLY | KTPEL_PRIORITY_DISABILITY);

    ktpel_errbuf eb;
    assert_int_equal(ktpel_application_load("/nonexistent/app.txt", &app, &eb), KTPEL_EIO);
    assert_non_null(strstr(eb.message, "/nonexistent/app.txt"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_base),
        cmocka_unit_test(test_fine_day31),
        cmocka_unit_test(test_format_variants),
        cmocka_unit_test(test_malformed_lines),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_record_errors_have_lines),
        cmocka_unit_test(test_requirements_and_eligibility),
        cmocka_unit_test(test_fixtures),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
