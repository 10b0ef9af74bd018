/* `ktpel pki`, `ktpel packet` and `ktpel station send` end to end: a test PKI, a synthetic
 * resident sealed into the station's spool, sent to the inbox, opened at the data center; and
 * the named rejections: tampered, truncated, untrusted, expired (station certificate and
 * packet age), wrong recipient. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "testutil.h"

static char out[1 << 16];

typedef struct env {
    char *tmp;
    char pki[600], other[600], spool[600], inbox[600], resident[4200];
} env;

static int setup(void **state)
{
    env *e = calloc(1, sizeof *e);
    e->tmp = ktpel_test_tmpdir();
    snprintf(e->pki, sizeof e->pki, "%s/pki", e->tmp);
    snprintf(e->other, sizeof e->other, "%s/other-pki", e->tmp);
    snprintf(e->spool, sizeof e->spool, "%s/spool", e->tmp);
    snprintf(e->inbox, sizeof e->inbox, "%s/inbox", e->tmp);
    const char *src = getenv("KTPEL_SOURCE_DIR");
    snprintf(e->resident, sizeof e->resident, "%s/fixtures/population/E000002", src ? src : ".");
    mkdir(e->inbox, 0755);
    assert_int_equal(ktpel_test_ktpel(out, sizeof out, "pki init %s", e->pki), 0);
    assert_non_null(strstr(out, "document-signer.crt"));
    assert_int_equal(
        ktpel_test_ktpel(out, sizeof out, "pki issue-station %s --station ST-01", e->pki), 0);
    assert_int_equal(ktpel_test_ktpel(out, sizeof out, "pki init %s", e->other), 0);
    assert_int_equal(
        ktpel_test_ktpel(out, sizeof out, "pki issue-station %s --station ST-01", e->other), 0);
    *state = e;
    return 0;
}

static int teardown(void **state)
{
    env *e = *state;
    ktpel_test_rmtree(e->tmp);
    free(e->tmp);
    free(e);
    return 0;
}

/* Seals the resident with station ST-01 of pki into file; extra options appended. */
static int seal(const env *e, const char *pki, const char *file, const char *extra)
{
    return ktpel_test_ktpel(out, sizeof out,
                            "packet seal --resident %s --station-cert %s/station-ST-01.crt "
                            "--station-key %s/station-ST-01.key --dc-cert %s/datacenter.crt "
                            "-o %s %s",
                            e->resident, pki, pki, e->pki, file, extra);
}

/* Opens file at the data center of e->pki; returns the exit status, output in out. */
static int open_packet(const env *e, const char *file, const char *extra)
{
    return ktpel_test_ktpel(out, sizeof out,
                            "packet open %s --dc-key %s/datacenter.key --ca %s/ca.crt --json %s",
                            file, e->pki, e->pki, extra);
}

static void test_pki_files(void **state)
{
    env *e = *state;
    const char *keys[] = {"ca.key", "datacenter.key", "csca.key", "document-signer.key",
                          "station-ST-01.key"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        char path[800];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", e->pki, keys[i]);
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0600);
    }
    assert_int_equal(
        ktpel_test_ktpel(out, sizeof out, "pki show %s/station-ST-01.crt --json", e->pki), 0);
    assert_non_null(strstr(out, "\"role\":\"station\""));
    assert_non_null(strstr(out, "\"key\":\"EC P-256\""));
    assert_int_equal(ktpel_test_ktpel(out, sizeof out,
                                      "pki verify %s/document-signer.crt --ca %s/csca.crt "
                                      "--role document-signer",
                                      e->pki, e->pki),
                     0);
    assert_int_equal(ktpel_test_ktpel(out, sizeof out,
                                      "pki verify %s/station-ST-01.crt --ca %s/ca.crt "
                                      "--at 2099-01-01T00:00:00Z",
                                      e->pki, e->pki),
                     1);
    assert_non_null(strstr(out, "expired"));
    /* a second init into the same folder is refused; a bad station id too */
    assert_int_equal(ktpel_test_ktpel(out, sizeof out, "pki init %s", e->pki), 1);
    assert_int_equal(
        ktpel_test_ktpel(out, sizeof out, "pki issue-station %s --station 'a b'", e->pki), 1);
}

static void test_spool_send_open(void **state)
{
    env *e = *state;
    assert_int_equal(ktpel_test_ktpel(out, sizeof out,
                                      "packet seal --resident %s --station-cert "
                                      "%s/station-ST-01.crt --station-key %s/station-ST-01.key "
                                      "--dc-cert %s/datacenter.crt --spool %s --json",
                                      e->resident, e->pki, e->pki, e->pki, e->spool),
                     0);
    char *id = strstr(out, "\"packet_id\":\"");
    assert_non_null(id);
    char packet_id[33];
    memcpy(packet_id, id + 13, 32);
    packet_id[32] = '\0';
    assert_int_equal(
        ktpel_test_ktpel(out, sizeof out, "station send --spool %s --inbox %s", e->spool, e->inbox),
        0);
    assert_non_null(strstr(out, "1 sent"));
    char file[800];
    snprintf(file, sizeof file, "%s/%s.ktp", e->inbox, packet_id);
    assert_int_equal(open_packet(e, file, ""), 0);
    assert_non_null(strstr(out, "\"ok\":true"));
    assert_non_null(strstr(out, packet_id));
    assert_non_null(strstr(out, "\"station_id\":\"ST-01\""));
    assert_non_null(strstr(out, "record.txt"));
    assert_non_null(strstr(out, "finger_10_1.png"));
    /* the spool is empty now, a second send sends nothing */
    assert_int_equal(
        ktpel_test_ktpel(out, sizeof out, "station send --spool %s --inbox %s", e->spool, e->inbox),
        0);
    assert_non_null(strstr(out, "0 sent"));
    /* --extract gives the enrolment folder back, byte for byte */
    char dir[800];
    snprintf(dir, sizeof dir, "%s/extracted", e->tmp);
    assert_int_equal(ktpel_test_ktpel(out, sizeof out,
                                      "packet open %s --dc-key %s/datacenter.key --ca %s/ca.crt "
                                      "--extract %s && cmp %s/record.txt %s/record.txt && "
                                      "cmp %s/finger_03_1.png %s/finger_03_1.png",
                                      file, e->pki, e->pki, dir, dir, e->resident, dir,
                                      e->resident),
                     0);
}

static void test_rejections(void **state)
{
    env *e = *state;
    char good[800], bad[800];
    snprintf(good, sizeof good, "%s/good.ktp", e->tmp);
    snprintf(bad, sizeof bad, "%s/bad.ktp", e->tmp);
    assert_int_equal(seal(e, e->pki, good, ""), 0);
    size_t len = 0;
    uint8_t *data = ktpel_test_read_file(good, &len);
    assert_non_null(data);
    /* a flipped byte at several places */
    /* (every position is covered in tests/unit/test_packet.c; here the command's answer) */
    size_t places[] = {30, len / 2};
    for (size_t i = 0; i < sizeof places / sizeof places[0]; i++) {
        data[places[i]] ^= 0x10;
        FILE *f = fopen(bad, "wb");
        fwrite(data, 1, len, f);
        fclose(f);
        data[places[i]] ^= 0x10;
        assert_int_equal(open_packet(e, bad, ""), 1);
        if (!strstr(out, "\"reason\":\"tampered\"") && !strstr(out, "\"reason\":\"truncated\"") &&
            !strstr(out, "\"reason\":\"wrong-recipient\""))
            fail_msg("flip at %zu: %s", places[i], out);
    }
    /* truncated */
    size_t cuts[] = {1, len / 2};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        FILE *f = fopen(bad, "wb");
        fwrite(data, 1, cuts[i], f);
        fclose(f);
        assert_int_equal(open_packet(e, bad, ""), 1);
        assert_non_null(strstr(out, "\"reason\":\"truncated\""));
    }
    free(data);
    /* a station of another CA */
    assert_int_equal(seal(e, e->other, bad, ""), 0);
    assert_int_equal(open_packet(e, bad, ""), 1);
    assert_non_null(strstr(out, "\"reason\":\"untrusted\""));
    /* signed before the station certificate was valid */
    assert_int_equal(seal(e, e->pki, bad, "--time 2020-01-01T00:00:00Z"), 0);
    assert_int_equal(open_packet(e, bad, ""), 1);
    assert_non_null(strstr(out, "\"reason\":\"expired\""));
    /* a packet that waited too long */
    assert_int_equal(open_packet(e, good, "--at 2099-01-01T00:00:00Z"), 1);
    assert_non_null(strstr(out, "\"reason\":\"expired\""));
    assert_non_null(strstr(out, "days old"));
    /* the other data center cannot open ours */
    assert_int_equal(ktpel_test_ktpel(out, sizeof out,
                                      "packet open %s --dc-key %s/datacenter.key --ca %s/ca.crt "
                                      "--json",
                                      good, e->other, e->other),
                     1);
    assert_non_null(strstr(out, "\"reason\":\"wrong-recipient\""));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pki_files),
        cmocka_unit_test(test_spool_send_open),
        cmocka_unit_test(test_rejections),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
