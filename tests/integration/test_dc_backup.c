/* Backup and restore through the ktpel command: a backup taken while `ktpel dedup` runs
 * verifies, restores into a new store, and that store ends its dedup with exactly the
 * decisions of the original; damaged backups (a flipped byte, edited counts, a truncated data
 * file, a broken manifest) fail `backup verify` naming the problem and are not restored;
 * restore refuses a non-empty store folder unless --force. */
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ktpel/store.h"
#include "testutil.h"

static char out[1 << 20];
static char *tmp;
static char pop[4200], store[4200];

/* Runs ktpel ARGS, output in out. */
#define run(...) ktpel_test_ktpel(out, sizeof out, __VA_ARGS__)

static void path(char *buf, size_t size, const char *name)
{
    snprintf(buf, size, "%s/%s", tmp, name);
}

/* Starts `ktpel dedup` on store in the background; returns its pid. */
static pid_t start_dedup(const char *dir)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        freopen("/dev/null", "w", stdout);
        freopen("/dev/null", "w", stderr);
        execl(ktpel_test_bin(), "ktpel", "dedup", "--quiet", "--threads", "1", "--batch", "1",
              "--store", dir, (char *)NULL);
        _exit(127);
    }
    return pid;
}

static size_t decided_now(const char *dir)
{
    ktpel_store *s;
    ktpel_store_options ro = {.read_only = true};
    if (ktpel_store_open(dir, &ro, &s, NULL) != KTPEL_OK)
        return 0;
    ktpel_store_counts c = {0};
    ktpel_store_counts_get(s, &c, NULL);
    ktpel_store_close(s);
    return c.decided;
}

static int group_setup(void **state)
{
    (void)state;
    tmp = ktpel_test_tmpdir();
    snprintf(pop, sizeof pop, "%s/pop", tmp);
    snprintf(store, sizeof store, "%s/store", tmp);
    if (run("synth --residents 30 --templates-only --duplicates 0.1 --captures 1 --quiet "
            "--seed 11 -o '%s'",
            pop) != 0 ||
        run("ingest --quiet --store '%s' '%s'", store, pop) != 0) {
        fprintf(stderr, "setup failed: %s\n", out);
        return -1;
    }
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    ktpel_test_rmtree(tmp);
    free(tmp);
    return 0;
}

static long manifest_count(const char *dir, const char *key)
{
    char p[4300];
    snprintf(p, sizeof p, "%s/MANIFEST.ktpel", dir);
    size_t len;
    char *text = (char *)ktpel_test_read_file(p, &len);
    assert_non_null(text);
    char needle[64];
    snprintf(needle, sizeof needle, "\n%s ", key);
    char *at = strstr(text, needle);
    assert_non_null(at);
    long v = strtol(at + strlen(needle), NULL, 10);
    free(text);
    return v;
}

static void test_backup_during_dedup_restores_to_same_decisions(void **state)
{
    (void)state;
    char backup[4200], restored[4200];
    path(backup, sizeof backup, "b-during");
    path(restored, sizeof restored, "restored");
    size_t total = 33;

    /* The backup starts once the dedup has committed its first batch (of one resident), so
     * that the copy usually catches it half-way. */
    pid_t pid = start_dedup(store);
    int status = 0;
    bool running = true;
    while ((running = waitpid(pid, &status, WNOHANG) == 0) && decided_now(store) == 0)
        nanosleep(&(struct timespec){0, 1000000}, NULL);
    int rc = run("backup '%s' --store '%s'", backup, store);
    printf("dedup %s when the backup started\n", running ? "running" : "already finished");
    if (running) /* otherwise reaped by the loop, status set */
        assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_int_equal(rc, 0);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    long decided = manifest_count(backup, "count.results");
    long queued = manifest_count(backup, "count.queue");
    printf("backup during dedup: %ld decided, %ld queued in the copy\n", decided, queued);
    assert_int_equal((size_t)(decided + queued), total);
    assert_int_equal(manifest_count(backup, "count.residents"), (long)total);

    assert_int_equal(run("backup verify '%s'", backup), 0);
    assert_non_null(strstr(out, "intact"));
    assert_int_equal(run("restore '%s' --store '%s'", backup, restored), 0);
    assert_int_equal(run("audit verify --store '%s'", restored), 0);

    /* Both to completion: the same decisions. */
    assert_int_equal(run("dedup --quiet --threads 1 --store '%s'", store), 0);
    assert_int_equal(run("dedup --quiet --threads 2 --batch 4 --store '%s'", restored), 0);
    assert_int_equal(run("dedup decisions --json --store '%s'", store), 0);
    char *reference = strdup(out);
    assert_int_equal(run("dedup decisions --json --store '%s'", restored), 0);
    assert_string_equal(out, reference);
    assert_non_null(strstr(reference, "\"nik\""));
    free(reference);
    assert_int_equal(run("audit verify --store '%s'", restored), 0);
}

static void test_restore_refuses_non_empty_target(void **state)
{
    (void)state;
    char backup[4200], target[4200], empty[4200], file[4300];
    path(backup, sizeof backup, "b-refuse");
    path(target, sizeof target, "target");
    path(empty, sizeof empty, "empty");
    assert_int_equal(run("backup '%s' --store '%s'", backup, store), 0);
    /* A backup does not go into a non-empty folder either. */
    assert_int_equal(run("backup '%s' --store '%s'", backup, store), 1);
    assert_non_null(strstr(out, "not empty"));

    assert_int_equal(mkdir(target, 0700), 0);
    snprintf(file, sizeof file, "%s/keep.txt", target);
    FILE *f = fopen(file, "w");
    assert_non_null(f);
    fputs("not a store\n", f);
    fclose(f);
    assert_int_equal(run("restore '%s' --store '%s'", backup, target), 1);
    assert_non_null(strstr(out, "not empty"));
    struct stat st;
    assert_int_equal(stat(file, &st), 0);             /* untouched */
    assert_int_equal(run("restore '%s'", backup), 2); /* --store is required */

    /* An existing empty folder is fine. */
    assert_int_equal(mkdir(empty, 0700), 0);
    assert_int_equal(run("restore '%s' --store '%s'", backup, empty), 0);

    /* --force swaps the whole folder: the old content is gone, the backup is there. */
    assert_int_equal(run("restore '%s' --store '%s' --force", backup, target), 0);
    assert_int_not_equal(stat(file, &st), 0);
    assert_int_equal(run("audit verify --store '%s'", target), 0);
    char again[4300];
    snprintf(again, sizeof again, "%s/b-again", tmp);
    assert_int_equal(run("backup '%s' --store '%s'", again, target), 0);
    assert_int_equal(manifest_count(again, "count.residents"),
                     manifest_count(backup, "count.residents"));
    assert_int_equal(manifest_count(again, "count.audit"), manifest_count(backup, "count.audit"));
}

/* Copies backup src to tmp/name and returns the copy's path in buf. */
static void copy_backup(const char *src, const char *name, char *buf, size_t size)
{
    path(buf, size, name);
    char cmd[9000];
    snprintf(cmd, sizeof cmd, "cp -r '%s' '%s'", src, buf);
    assert_int_equal(ktpel_test_run(cmd, NULL, 0), 0);
}

static void expect_verify_fails(const char *dir, const char *what)
{
    assert_int_equal(run("backup verify '%s'", dir), 1);
    if (!strstr(out, what)) {
        fprintf(stderr, "expected '%s' in:\n%s\n", what, out);
        fail();
    }
    char target[4300];
    snprintf(target, sizeof target, "%s.restored", dir);
    assert_int_equal(run("restore '%s' --store '%s'", dir, target), 1);
    struct stat st;
    assert_int_not_equal(stat(target, &st), 0); /* nothing restored */
}

static void test_tampered_backups_fail_verify(void **state)
{
    (void)state;
    char backup[4200], t[4200], data[4300], cmd[9000];
    path(backup, sizeof backup, "b-tamper");
    assert_int_equal(run("backup '%s' --store '%s'", backup, store), 0);
    assert_int_equal(run("backup verify --json '%s'", backup), 0);
    assert_non_null(strstr(out, "\"intact\":true"));

    /* A flipped byte in the middle of the data file. */
    copy_backup(backup, "t-flip", t, sizeof t);
    snprintf(data, sizeof data, "%s/data.mdb", t);
    size_t len;
    uint8_t *bytes = ktpel_test_read_file(data, &len);
    assert_non_null(bytes);
    assert_true(len > 8192);
    bytes[len / 2] ^= 0x01;
    FILE *f = fopen(data, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(bytes, 1, len, f), len);
    fclose(f);
    free(bytes);
    expect_verify_fails(t, "data_sha256");

    /* Counts edited in the manifest: the file checks out, the recount does not. */
    copy_backup(backup, "t-count", t, sizeof t);
    long residents = manifest_count(t, "count.residents");
    snprintf(cmd, sizeof cmd, "sed -i 's/^count.residents .*/count.residents %ld/' '%s'/%s",
             residents + 1, t, "MANIFEST.ktpel");
    assert_int_equal(ktpel_test_run(cmd, NULL, 0), 0);
    expect_verify_fails(t, "count.residents: manifest");

    /* Truncated data file. */
    copy_backup(backup, "t-trunc", t, sizeof t);
    snprintf(data, sizeof data, "%s/data.mdb", t);
    assert_int_equal(truncate(data, 4096), 0);
    expect_verify_fails(t, "data_size");

    /* Audit head edited in the manifest. */
    copy_backup(backup, "t-head", t, sizeof t);
    snprintf(cmd, sizeof cmd, "sed -i 's/^audit_head .*/audit_head %064d/' '%s'/MANIFEST.ktpel", 0,
             t);
    assert_int_equal(ktpel_test_run(cmd, NULL, 0), 0);
    expect_verify_fails(t, "audit_head");

    /* A manifest that does not parse, and none at all. */
    copy_backup(backup, "t-garbled", t, sizeof t);
    snprintf(cmd, sizeof cmd, "sed -i 's/^data_size /data size /' '%s'/MANIFEST.ktpel", t);
    assert_int_equal(ktpel_test_run(cmd, NULL, 0), 0);
    expect_verify_fails(t, "expected 'data_size VALUE'");
    copy_backup(backup, "t-nomanifest", t, sizeof t);
    snprintf(cmd, sizeof cmd, "rm '%s'/MANIFEST.ktpel", t);
    assert_int_equal(ktpel_test_run(cmd, NULL, 0), 0);
    expect_verify_fails(t, "MANIFEST.ktpel");

    /* The untouched backup still verifies (verify wrote nothing into it). */
    assert_int_equal(run("backup verify '%s'", backup), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_backup_during_dedup_restores_to_same_decisions),
        cmocka_unit_test(test_restore_refuses_non_empty_target),
        cmocka_unit_test(test_tampered_backups_fail_verify),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
