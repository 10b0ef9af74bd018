/* Ingest into the data-center store: good enrolments (templates from `ktpel synth
 * --templates-only`, and images from fixtures/population), idempotence, rejection of bad
 * enrolments whole (the store's data is byte-for-byte unchanged, an audit entry names the
 * reason), and the `ktpel ingest` command. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ktpel/audit.h"
#include "ktpel/ingest.h"
#include "ktpel/region.h"
#include "ktpel/status.h"
#include "ktpel/store.h"
#include "testutil.h"

static char out[65536];
static char *tmp;      /* one folder for the whole test program */
static char pop[4200]; /* a templates-only population of 6 residents */
static ktpel_regions *regions;

/* Runs ktpel ARGS, output in out. */
#define run(...) ktpel_test_ktpel(out, sizeof out, __VA_ARGS__)

static int setup(void **state)
{
    (void)state;
    tmp = ktpel_test_tmpdir();
    snprintf(pop, sizeof pop, "%s/pop", tmp);
    if (run("synth --residents 6 --captures 2 --templates-only --quiet --seed 5 -o '%s'", pop)) {
        fprintf(stderr, "synth failed: %s\n", out);
        return -1;
    }
    return ktpel_regions_create(&regions, NULL) == KTPEL_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    ktpel_regions_free(regions);
    ktpel_test_rmtree(tmp);
    free(tmp);
    return 0;
}

static ktpel_store *new_store(const char *name)
{
    char dir[4300];
    snprintf(dir, sizeof dir, "%s/%s", tmp, name);
    ktpel_store *s = NULL;
    ktpel_errbuf eb;
    if (ktpel_store_open(dir, NULL, &s, &eb))
        fail_msg("%s", eb.message);
    return s;
}

static ktpel_ingest_result ingest(ktpel_store *s, const char *dir)
{
    ktpel_ingest_options opt = {.regions = regions, .time = 1750000000, .actor = "test"};
    ktpel_ingest_result r;
    ktpel_errbuf eb;
    if (ktpel_ingest_enrolment(s, dir, &opt, &r, &eb))
        fail_msg("ingest %s: %s", dir, eb.message);
    return r;
}

static void enrolment_path(char *buf, size_t size, const char *base, int n)
{
    snprintf(buf, size, "%s/E%06d", base, n);
}

static void test_good_enrolments_stored_and_queued(void **state)
{
    (void)state;
    ktpel_store *s = new_store("good");
    for (int i = 1; i <= 6; i++) {
        char dir[4300];
        enrolment_path(dir, sizeof dir, pop, i);
        ktpel_ingest_result r = ingest(s, dir);
        if (r.outcome != KTPEL_INGEST_STORED)
            fail_msg("%s: %s %s", dir, ktpel_ingest_outcome_id(r.outcome), r.reason);
        assert_int_equal(r.fingers, 10);
        assert_int_equal(r.captures, 2);
        assert_int_equal(strlen(r.nik), 16);
        ktpel_status_history h = {0};
        assert_int_equal(ktpel_store_status_get(s, r.nik, &h, NULL), KTPEL_OK);
        ktpel_status now;
        assert_true(ktpel_status_history_current(&h, &now));
        assert_int_equal(now, KTPEL_STATUS_QUEUED);
        assert_int_equal(h.count, 2);
        assert_string_equal(h.entries[0].actor, "test");
        ktpel_status_history_free(&h);
        char *text;
        size_t len;
        assert_int_equal(ktpel_store_resident_record(s, r.nik, &text, &len, NULL), KTPEL_OK);
        assert_non_null(strstr(text, r.nik));
        free(text);
    }
    ktpel_store_counts c;
    assert_int_equal(ktpel_store_counts_get(s, &c, NULL), KTPEL_OK);
    assert_int_equal(c.residents, 6);
    assert_int_equal(c.queued, 6);
    assert_int_equal(c.audit, 6 * 3); /* ingest, enrolled, queued */
    uint64_t n;
    assert_int_equal(ktpel_audit_verify(s, &n, NULL, NULL), KTPEL_OK);
    ktpel_store_close(s);
}

static void test_reingest_is_idempotent(void **state)
{
    (void)state;
    ktpel_store *s = new_store("idem");
    char dir[4300];
    enrolment_path(dir, sizeof dir, pop, 1);
    assert_int_equal(ingest(s, dir).outcome, KTPEL_INGEST_STORED);
    uint8_t before[32], after[32];
    assert_int_equal(ktpel_store_digest(s, before, NULL), KTPEL_OK);
    ktpel_store_counts c0, c1;
    ktpel_store_counts_get(s, &c0, NULL);
    assert_int_equal(ingest(s, dir).outcome, KTPEL_INGEST_UNCHANGED);
    assert_int_equal(ktpel_store_digest(s, after, NULL), KTPEL_OK);
    ktpel_store_counts_get(s, &c1, NULL);
    assert_memory_equal(before, after, 32);
    assert_int_equal(c0.audit, c1.audit); /* nothing happened, nothing to audit */
    ktpel_store_close(s);
}

/* ---- bad enrolments ---------------------------------------------------------------------- */

/* Copies enrolment n of the population to tmp/NAME and returns its path. */
static void copy_enrolment(int n, const char *name, char *dst, size_t size)
{
    char src[4300], cmd[16384];
    enrolment_path(src, sizeof src, pop, n);
    snprintf(dst, size, "%s/%s", tmp, name);
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && cp -r '%s' '%s'", dst, src, dst);
    assert_int_equal(system(cmd), 0);
}

static void write_file(const char *dir, const char *name, const void *data, size_t len)
{
    char path[4400];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    fclose(f);
}

static void truncate_file(const char *dir, const char *name, size_t keep)
{
    char path[4400];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    size_t len;
    uint8_t *data = ktpel_test_read_file(path, &len);
    assert_non_null(data);
    assert_true(keep < len);
    write_file(dir, name, data, keep);
    free(data);
}

/* Replaces the value of `key:` in record.txt. */
static void set_record_field(const char *dir, const char *key, const char *value)
{
    char path[4400];
    snprintf(path, sizeof path, "%s/record.txt", dir);
    size_t len;
    char *text = (char *)ktpel_test_read_file(path, &len);
    assert_non_null(text);
    char *out_text = malloc(len + 256), *o = out_text;
    for (char *line = text; line < text + len;) {
        char *end = memchr(line, '\n', (size_t)(text + len - line));
        size_t n = end ? (size_t)(end - line + 1) : (size_t)(text + len - line);
        if (strncmp(line, key, strlen(key)) == 0 && line[strlen(key)] == ':')
            o += sprintf(o, "%s: %s\n", key, value);
        else
            memcpy(o, line, n), o += n;
        line += n;
    }
    write_file(dir, "record.txt", out_text, (size_t)(o - out_text));
    free(text);
    free(out_text);
}

/* Ingests a bad enrolment into a store that already holds enrolment 1 and checks: rejected
 * with a reason that contains `needle`, the store's data unchanged, one audit entry more
 * (a rejection naming the reason), and the chain intact. */
static void expect_rejected(ktpel_store *s, const char *dir, const char *needle)
{
    uint8_t before[32], after[32];
    ktpel_store_counts c0, c1;
    assert_int_equal(ktpel_store_digest(s, before, NULL), KTPEL_OK);
    assert_int_equal(ktpel_store_counts_get(s, &c0, NULL), KTPEL_OK);
    ktpel_ingest_result r = ingest(s, dir);
    assert_int_equal(r.outcome, KTPEL_INGEST_REJECTED);
    if (!strstr(r.reason, needle))
        fail_msg("%s: reason \"%s\" lacks \"%s\"", dir, r.reason, needle);
    assert_int_equal(ktpel_store_digest(s, after, NULL), KTPEL_OK);
    assert_memory_equal(before, after, 32);
    assert_int_equal(ktpel_store_counts_get(s, &c1, NULL), KTPEL_OK);
    assert_int_equal(c1.residents, c0.residents);
    assert_int_equal(c1.queued, c0.queued);
    assert_int_equal(c1.audit, c0.audit + 1);
    uint64_t n;
    assert_int_equal(ktpel_audit_verify(s, &n, NULL, NULL), KTPEL_OK);
}

static void test_bad_enrolments_rejected_whole(void **state)
{
    (void)state;
    ktpel_store *s = new_store("bad");
    char dir[4300];
    enrolment_path(dir, sizeof dir, pop, 1);
    assert_int_equal(ingest(s, dir).outcome, KTPEL_INGEST_STORED);

    copy_enrolment(2, "trunc_iso", dir, sizeof dir);
    truncate_file(dir, "fingers_2.iso", 100); /* capture 1 fine, capture 2 cut */
    expect_rejected(s, dir, "fingers_2.iso");

    copy_enrolment(2, "garbage_iso", dir, sizeof dir);
    write_file(dir, "fingers_1.iso", "FMR\0 20\0garbage", 15);
    expect_rejected(s, dir, "fingers_1.iso");

    copy_enrolment(2, "bad_nik", dir, sizeof dir);
    set_record_field(dir, "nik", "3520074713791935"); /* month 13 */
    expect_rejected(s, dir, "nik");

    copy_enrolment(2, "trunc_record", dir, sizeof dir);
    truncate_file(dir, "record.txt", 200);
    expect_rejected(s, dir, "record.txt");

    copy_enrolment(2, "no_fingers", dir, sizeof dir);
    char path[4400];
    snprintf(path, sizeof path, "%s/fingers_1.iso", dir);
    remove(path);
    snprintf(path, sizeof path, "%s/fingers_2.iso", dir);
    remove(path);
    expect_rejected(s, dir, "no finger templates");

    copy_enrolment(2, "bad_image", dir, sizeof dir);
    write_file(dir, "face_1.jpg", "\xff\xd8\xff\xe0 not a jpeg", 16);
    expect_rejected(s, dir, "face_1.jpg");

    /* Enrolment 1's NIK with other content. */
    copy_enrolment(1, "same_nik", dir, sizeof dir);
    set_record_field(dir, "alamat", "JL. LAIN NO. 5");
    expect_rejected(s, dir, "already stored with different content");

    /* The good one still goes in afterwards. */
    copy_enrolment(2, "good_after", dir, sizeof dir);
    assert_int_equal(ingest(s, dir).outcome, KTPEL_INGEST_STORED);
    ktpel_store_close(s);
}

static void test_fixture_images_extracted(void **state)
{
    (void)state;
    const char *fixtures = getenv("KTPEL_FIXTURES");
    assert_non_null(fixtures);
    ktpel_store *s = new_store("images");
    char dir[4300];
    snprintf(dir, sizeof dir, "%s/population/E000001", fixtures);
    ktpel_ingest_result r = ingest(s, dir);
    if (r.outcome != KTPEL_INGEST_STORED)
        fail_msg("%s: %s", dir, r.reason);
    assert_int_equal(r.fingers, 10);
    assert_string_equal(r.nik, "1310044104083704");
    ktpel_store_close(s);
}

static void test_cli_ingest_and_audit(void **state)
{
    (void)state;
    char store[4300];
    snprintf(store, sizeof store, "%s/cli", tmp);
    assert_int_equal(run("ingest --store '%s' '%s'", store, pop), 0);
    if (!strstr(out, "ingest: 6 stored, 0 unchanged, 0 rejected"))
        fail_msg("%s", out);
    assert_int_equal(run("ingest --store '%s' --json '%s'", store, pop), 0);
    assert_non_null(strstr(out, "\"unchanged\":6"));
    assert_int_equal(run("audit verify --store '%s'", store), 0);
    assert_non_null(strstr(out, "intact: 18 entries"));
    char bad[4300];
    copy_enrolment(3, "cli_bad", bad, sizeof bad);
    set_record_field(bad, "nik", "35200747107919XX");
    assert_int_equal(run("ingest --store '%s' '%s'", store, bad), 1);
    assert_non_null(strstr(out, "rejected"));
    assert_int_equal(run("audit list --store '%s'", store), 0);
    assert_non_null(strstr(out, "cli_bad rejected"));
    assert_int_equal(run("ingest --store '%s' --bogus", store), 2);
    assert_int_equal(run("ingest --store"), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_enrolments_stored_and_queued),
        cmocka_unit_test(test_reingest_is_idempotent),
        cmocka_unit_test(test_bad_enrolments_rejected_whole),
        cmocka_unit_test(test_fixture_images_extracted),
        cmocka_unit_test(test_cli_ingest_and_audit),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
