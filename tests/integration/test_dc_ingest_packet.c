/* Sealed packets into the data center (`ktpel ingest --inbox`, include/ktpel/ingest.h):
 * fixture residents sealed at a station, sent to the inbox and ingested: stored with their
 * images, capture metadata and packet record, queued, deduplicated; the same enrolment
 * re-sealed is "unchanged". Then packets that must be refused: flipped bytes, a truncated
 * file, an untrusted station, the wrong recipient, a replay, an invalid enrolment inside a
 * valid packet, an expired one: each rejected with its reason, moved to rejected/ with a
 * reason file, and the store's data unchanged (content digest and the entry count of every
 * LMDB database; the audit log grows by exactly one reject entry per packet). */
#include <dirent.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "ktpel/audit.h"
#include "ktpel/store.h"
#include "testutil.h"

static char out[1 << 17];
static char *tmp;
static char pki[600], other[600], pop[600], fixtures[4200];

#define run(...) ktpel_test_ktpel(out, sizeof out, __VA_ARGS__)

static int setup(void **state)
{
    (void)state;
    tmp = ktpel_test_tmpdir();
    const char *f = getenv("KTPEL_FIXTURES");
    snprintf(fixtures, sizeof fixtures, "%s/population", f ? f : "fixtures");
    snprintf(pki, sizeof pki, "%s/pki", tmp);
    snprintf(other, sizeof other, "%s/other", tmp);
    snprintf(pop, sizeof pop, "%s/pop", tmp);
    /* One shell line: every start-up of ktpel costs time under ASan. */
    if (run("pki init %s >/dev/null && %s pki issue-station %s --station ST-01 >/dev/null && "
            "%s pki init %s >/dev/null && %s pki issue-station %s --station ST-01 >/dev/null && "
            "%s synth --residents 2 --captures 1 --templates-only --quiet --seed 9 -o %s",
            pki, ktpel_test_bin(), pki, ktpel_test_bin(), other, ktpel_test_bin(), other,
            ktpel_test_bin(), pop)) {
        fprintf(stderr, "setup failed: %s\n", out);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    ktpel_test_rmtree(tmp);
    free(tmp);
    return 0;
}

/* "ktpel packet seal" arguments for RESIDENT by station ST-01 of station_pki, to the data
 * center of dc_pki. */
static void seal_args(char *buf, size_t size, const char *resident, const char *station_pki,
                      const char *dc_pki)
{
    snprintf(buf, size,
             "packet seal --resident %s --station-cert %s/station-ST-01.crt --station-key "
             "%s/station-ST-01.key --dc-cert %s/datacenter.crt",
             resident, station_pki, station_pki, dc_pki);
}

static void keys(char *buf, size_t size)
{
    snprintf(buf, size, "--dc-key %s/datacenter.key --ca %s/ca.crt", pki, pki);
}

/* Entries of every named database of the store, and the store's own digest. */
typedef struct snapshot {
    size_t entries[32];
    int dbs;
    uint8_t digest[32];
    size_t audit;
} snapshot;

static void take_snapshot(const char *store, snapshot *s)
{
    memset(s, 0, sizeof *s);
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi main_db;
    MDB_cursor *cur;
    assert_int_equal(mdb_env_create(&env), 0);
    assert_int_equal(mdb_env_set_maxdbs(env, 32), 0);
    assert_int_equal(mdb_env_open(env, store, MDB_RDONLY, 0), 0);
    assert_int_equal(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn), 0);
    assert_int_equal(mdb_dbi_open(txn, NULL, 0, &main_db), 0);
    assert_int_equal(mdb_cursor_open(txn, main_db, &cur), 0);
    MDB_val k, v;
    for (int rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && s->dbs < 32;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)k.mv_size, (const char *)k.mv_data);
        MDB_dbi dbi;
        MDB_stat st;
        assert_int_equal(mdb_dbi_open(txn, name, 0, &dbi), 0);
        assert_int_equal(mdb_stat(txn, dbi, &st), 0);
        if (strcmp(name, "audit") == 0)
            s->audit = st.ms_entries;
        else
            s->entries[s->dbs++] = st.ms_entries;
    }
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    mdb_env_close(env);
    ktpel_store *st;
    ktpel_store_options o = {.read_only = true};
    assert_int_equal(ktpel_store_open(store, &o, &st, NULL), KTPEL_OK);
    assert_int_equal(ktpel_store_digest(st, s->digest, NULL), KTPEL_OK);
    ktpel_store_close(st);
}

static size_t count_files(const char *dir)
{
    DIR *d = opendir(dir);
    size_t n = 0;
    for (struct dirent *de; d && (de = readdir(d));)
        n += de->d_name[0] != '.';
    if (d)
        closedir(d);
    return n;
}

static void test_inbox_stored_queued_deduplicated(void **state)
{
    (void)state;
    char spool[700], inbox[700], store[700], a[8192], b[8192], c[8192], k[1400];
    snprintf(spool, sizeof spool, "%s/spool", tmp);
    snprintf(inbox, sizeof inbox, "%s/inbox", tmp);
    snprintf(store, sizeof store, "%s/store", tmp);
    mkdir(inbox, 0755);
    char e3[4300], e4[4300];
    snprintf(e3, sizeof e3, "%s/E000003", fixtures);
    snprintf(e4, sizeof e4, "%s/E000004", fixtures); /* the same person as E000003 */
    seal_args(a, sizeof a, e3, pki, pki);
    seal_args(b, sizeof b, e4, pki, pki);
    keys(k, sizeof k);
    /* E000003 sealed twice: two packets, one enrolment. */
    assert_int_equal(run("%s --spool %s >/dev/null && %s %s --spool %s >/dev/null && "
                         "%s %s --spool %s >/dev/null && %s station send --spool %s --inbox %s",
                         a, spool, ktpel_test_bin(), b, spool, ktpel_test_bin(), a, spool,
                         ktpel_test_bin(), spool, inbox),
                     0);
    assert_int_equal(count_files(inbox), 3);
    int rc = run("ingest --store %s %s --inbox %s --json", store, k, inbox);
    if (rc != 0)
        fail_msg("ingest: %s", out);
    assert_non_null(strstr(out, "\"stored\":2"));
    assert_non_null(strstr(out, "\"unchanged\":1"));
    assert_non_null(strstr(out, "\"station_id\":\"ST-01\""));
    snprintf(c, sizeof c, "%s/done", inbox);
    assert_int_equal(count_files(c), 3);
    assert_int_equal(count_files(inbox), 1); /* done/ only */

    ktpel_store *s;
    assert_int_equal(ktpel_store_open(store, NULL, &s, NULL), KTPEL_OK);
    ktpel_store_counts n;
    assert_int_equal(ktpel_store_counts_get(s, &n, NULL), KTPEL_OK);
    assert_int_equal(n.residents, 2);
    assert_int_equal(n.queued, 2);
    const char *nik3 = "6105035803430166";
    size_t images = 0;
    assert_int_equal(ktpel_store_image_count(s, nik3, &images, NULL), KTPEL_OK);
    assert_int_equal(images, 14); /* face, signature, 10 fingers, 2 irises */
    uint8_t *face = NULL, *finger = NULL;
    size_t face_len = 0, finger_len = 0;
    assert_int_equal(
        ktpel_store_image_get(s, nik3, KTPEL_STORE_IMAGE_FACE, 0, 1, &face, &face_len, NULL),
        KTPEL_OK);
    char path[4400];
    snprintf(path, sizeof path, "%s/face_1.jpg", e3);
    size_t file_len = 0;
    uint8_t *file = ktpel_test_read_file(path, &file_len);
    assert_non_null(file);
    assert_int_equal(face_len, file_len);
    assert_memory_equal(face, file, file_len);
    assert_int_equal(
        ktpel_store_image_get(s, nik3, KTPEL_STORE_IMAGE_FINGER, 7, 1, &finger, &finger_len, NULL),
        KTPEL_OK);
    assert_memory_equal(finger, "\x89PNG", 4);
    free(face);
    free(finger);
    free(file);
    ktpel_store_capture cap;
    assert_int_equal(ktpel_store_capture_get(s, nik3, &cap, NULL), KTPEL_OK);
    assert_non_null(strstr(cap.packet_txt, "station_id: ST-01\n"));
    assert_non_null(strstr(cap.packet_txt, cap.packet_id));
    assert_non_null(strstr(cap.capture_txt, "finger_07\tfinger_07_1.png\tsynthetic\t"));
    ktpel_store_packet p;
    assert_int_equal(ktpel_store_packet_get(s, cap.packet_id, &p, NULL), KTPEL_OK);
    assert_true(p.stored);
    assert_string_equal(p.nik, nik3);
    assert_string_equal(p.station_id, "ST-01");
    ktpel_store_capture_clear(&cap);
    uint64_t entries = 0;
    assert_int_equal(ktpel_audit_verify(s, &entries, NULL, NULL), KTPEL_OK);
    ktpel_store_close(s);

    /* Deduplication finds the planted duplicate; with the duplicate threshold out of reach
     * it becomes an adjudication case, whose report page shows both stored photos. */
    char report[800];
    snprintf(report, sizeof report, "%s/report", tmp);
    rc = run("dedup --store %s --json --fpir-duplicate 1e-300 && %s report dedup --store %s -o %s",
             store, ktpel_test_bin(), store, report);
    if (rc != 0)
        fail_msg("dedup: %s", out);
    /* The queue follows the inbox's name order (random packet ids): either one may come
     * second and be the case. */
    const char *nik4 = "3520054807426627", *second = NULL;
    for (int i = 0; i < 2 && !second; i++) {
        char want[200];
        snprintf(want, sizeof want,
                 "\"nik\":\"%s\",\"decision\":\"adjudicate\",\"candidates\":[{\"nik\":\"%s\"",
                 i ? nik3 : nik4, i ? nik4 : nik3);
        if (strstr(out, want))
            second = i ? nik3 : nik4;
    }
    if (!second)
        fail_msg("E000003 and E000004 not found as one person: %s", out);
    assert_non_null(strstr(out, "\"unique\":1"));
    snprintf(path, sizeof path, "%s/kasus-%s.html", report, second);
    size_t page_len = 0;
    uint8_t *page = ktpel_test_read_file(path, &page_len);
    assert_non_null(page);
    char *html = calloc(1, page_len + 1);
    memcpy(html, page, page_len);
    free(page);
    const char *photo = strstr(html, "src=\"data:image/jpeg;base64,/9j/");
    assert_non_null(photo);
    assert_non_null(strstr(photo + 1, "src=\"data:image/jpeg;base64,/9j/"));
    assert_null(strstr(html, "foto tidak tersimpan"));
    free(html);
}

/* Writes data to dir/name. */
static void put_file(const char *dir, const char *name, const uint8_t *data, size_t len)
{
    char path[4400];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    fclose(f);
}

static void expect_reason(const char *inbox, const char *name, const char *reason)
{
    char path[4400], want[64];
    snprintf(path, sizeof path, "%s/rejected/%s.reason", inbox, name);
    size_t len = 0;
    uint8_t *data = ktpel_test_read_file(path, &len);
    if (!data)
        fail_msg("no %s", path);
    char *text = calloc(1, len + 1);
    memcpy(text, data, len);
    free(data);
    snprintf(want, sizeof want, "reason: %s\n", reason);
    if (strncmp(text, want, strlen(want)) != 0)
        fail_msg("%s: expected %s, got:\n%s", name, reason, text);
    free(text);
    snprintf(path, sizeof path, "%s/rejected/%s", inbox, name);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
}

static void test_rejections_leave_store_unchanged(void **state)
{
    (void)state;
    char inbox[700], store[700], work[700], a[8192], k[1400], r1[4300], r2[4300];
    snprintf(inbox, sizeof inbox, "%s/inbox2", tmp);
    snprintf(store, sizeof store, "%s/store2", tmp);
    snprintf(work, sizeof work, "%s/work", tmp);
    snprintf(r1, sizeof r1, "%s/E000001", pop);
    snprintf(r2, sizeof r2, "%s/bad", tmp);
    mkdir(inbox, 0755);
    mkdir(work, 0755);
    keys(k, sizeof k);
    /* r2: E000002 with a broken template: a valid packet around an invalid enrolment. */
    char cmd[16384];
    snprintf(cmd, sizeof cmd,
             "cp -r %s/E000002 %s && head -c 40 %s/E000002/fingers_1.iso > %s/fingers_1.iso", pop,
             r2, pop, r2);
    assert_int_equal(system(cmd), 0);
    /* good, untrusted station, wrong recipient, invalid enrolment; then the good one is
     * ingested (it stays where it was named). */
    char good[800], b[8192], c[8192], d[8192];
    snprintf(good, sizeof good, "%s/good.ktp", work);
    seal_args(a, sizeof a, r1, pki, pki);
    seal_args(b, sizeof b, r1, other, pki);
    seal_args(c, sizeof c, r1, pki, other);
    seal_args(d, sizeof d, r2, pki, pki);
    int rc = run("%s -o %s >/dev/null && %s %s -o %s/untrusted.ktp >/dev/null && "
                 "%s %s -o %s/wrong-recipient.ktp >/dev/null && %s %s -o %s/invalid.ktp "
                 ">/dev/null && %s ingest --store %s %s %s",
                 a, good, ktpel_test_bin(), b, inbox, ktpel_test_bin(), c, inbox, ktpel_test_bin(),
                 d, inbox, ktpel_test_bin(), store, k, good);
    if (rc != 0)
        fail_msg("seal/ingest: %s", out);
    assert_non_null(strstr(out, "stored NIK"));
    snapshot before, after;
    take_snapshot(store, &before);

    size_t len = 0;
    uint8_t *pkt = ktpel_test_read_file(good, &len);
    assert_non_null(pkt);
    assert_true(len > 1000);
    put_file(inbox, "replayed.ktp", pkt, len);
    put_file(inbox, "truncated.ktp", pkt, len / 2);
    const size_t flips[] = {100, len / 3, len / 2, len - 20};
    for (int i = 0; i < 4; i++) {
        char name[32];
        snprintf(name, sizeof name, "flipped-%d.ktp", i);
        pkt[flips[i]] ^= 0x10;
        put_file(inbox, name, pkt, len);
        pkt[flips[i]] ^= 0x10;
    }
    put_file(inbox, "good.ktp.tmpABCDEF", pkt, len); /* a send in progress: not touched */
    free(pkt);
    rc = run("ingest --store %s %s --inbox %s --json", store, k, inbox);
    assert_int_equal(rc, 1);
    assert_non_null(strstr(out, "\"stored\":0"));
    assert_non_null(strstr(out, "\"unchanged\":0"));
    assert_non_null(strstr(out, "\"rejected\":9"));
    assert_non_null(strstr(out, "\"first_ingested\":\"20"));
    expect_reason(inbox, "replayed.ktp", "replayed");
    expect_reason(inbox, "truncated.ktp", "truncated");
    expect_reason(inbox, "untrusted.ktp", "untrusted");
    expect_reason(inbox, "wrong-recipient.ktp", "wrong-recipient");
    expect_reason(inbox, "invalid.ktp", "invalid");
    for (int i = 0; i < 4; i++) {
        char name[32];
        snprintf(name, sizeof name, "flipped-%d.ktp", i);
        expect_reason(inbox, name, "tampered");
    }
    char left[800];
    snprintf(left, sizeof left, "%s/good.ktp.tmpABCDEF", inbox);
    struct stat st;
    assert_int_equal(stat(left, &st), 0);

    /* Expired: the same good packet 40 days later (the age is checked before the replay). */
    time_t later = time(NULL) + 40 * 86400;
    char at[32];
    strftime(at, sizeof at, "%Y-%m-%dT%H:%M:%SZ", gmtime(&later));
    char key[700], ca[700]; /* this time from the environment, as a service would */
    snprintf(key, sizeof key, "%s/datacenter.key", pki);
    snprintf(ca, sizeof ca, "%s/ca.crt", pki);
    setenv("KTPEL_DC_KEY", key, 1);
    setenv("KTPEL_CA", ca, 1);
    rc = run("ingest --store %s --at %s %s", store, at, good);
    unsetenv("KTPEL_DC_KEY");
    unsetenv("KTPEL_CA");
    assert_int_equal(rc, 1);
    assert_non_null(strstr(out, "rejected (expired)"));
    assert_int_equal(run("ingest --store %s %s", store, good), 2); /* no key: usage error */
    assert_non_null(strstr(out, "--dc-key"));

    take_snapshot(store, &after);
    assert_int_equal(before.dbs, after.dbs);
    assert_memory_equal(before.entries, after.entries, sizeof before.entries);
    assert_memory_equal(before.digest, after.digest, 32);
    assert_int_equal(after.audit, before.audit + 10); /* one reject entry per packet */
    ktpel_store *s;
    assert_int_equal(ktpel_store_open(store, NULL, &s, NULL), KTPEL_OK);
    uint64_t n = 0;
    assert_int_equal(ktpel_audit_verify(s, &n, NULL, NULL), KTPEL_OK);
    assert_int_equal(n, after.audit);
    ktpel_store_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_inbox_stored_queued_deduplicated),
        cmocka_unit_test(test_rejections_leave_store_unchanged),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
