/* Crash test: `ktpel ingest` and `ktpel dedup` killed with SIGKILL at several moments, then
 * resumed, end with exactly the decisions of an uninterrupted run, the same counts, and an
 * intact audit log. Then ingest and dedup at the same time: the same decisions again. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ktpel/store.h"
#include "testutil.h"

#define RESIDENTS 200

static char out[1 << 20];
static char *tmp;
static char pop[4200], store_a[4200], store_b[4200];

/* Runs ktpel ARGS, output in out. */
#define run(...) ktpel_test_ktpel(out, sizeof out, __VA_ARGS__)

/* Starts `ktpel ARGS...` and kills it with SIGKILL after `ms` milliseconds. Returns 1 if it
 * was still running (killed), 0 if it had already finished. */
static int run_and_kill(int ms, char *const args[])
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        freopen("/dev/null", "w", stdout);
        freopen("/dev/null", "w", stderr);
        execv(ktpel_test_bin(), args);
        _exit(127);
    }
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
    int status = 0;
    int killed = waitpid(pid, &status, WNOHANG) == 0;
    if (killed) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        killed = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
    }
    return killed;
}

static size_t decided(const char *store)
{
    ktpel_store *s;
    ktpel_store_options ro = {.read_only = true};
    assert_int_equal(ktpel_store_open(store, &ro, &s, NULL), KTPEL_OK);
    ktpel_store_counts c;
    assert_int_equal(ktpel_store_counts_get(s, &c, NULL), KTPEL_OK);
    ktpel_store_close(s);
    return c.decided;
}

static void test_killed_runs_resume_to_the_same_decisions(void **state)
{
    (void)state;
    tmp = ktpel_test_tmpdir();
    snprintf(pop, sizeof pop, "%s/pop", tmp);
    snprintf(store_a, sizeof store_a, "%s/a", tmp);
    snprintf(store_b, sizeof store_b, "%s/b", tmp);
    assert_int_equal(run("synth --residents %d --duplicates 0.1 --captures 1 --templates-only "
                         "--quiet --seed 3 -o '%s'",
                         RESIDENTS, pop),
                     0);
    size_t total = RESIDENTS + RESIDENTS / 10;

    /* Reference: uninterrupted. */
    assert_int_equal(run("ingest --quiet --store '%s' '%s'", store_a, pop), 0);
    assert_int_equal(run("dedup --quiet --threads 1 --batch 8 --store '%s'", store_a), 0);
    assert_int_equal(run("dedup decisions --json --store '%s'", store_a), 0);
    char *reference = strdup(out);

    /* Interrupted ingest, then ingest again (what was stored is 'unchanged'). */
    char *ingest_args[] = {"ktpel", "ingest", "--quiet", "--store", store_b, pop, NULL};
    run_and_kill(60, ingest_args);
    assert_int_equal(run("ingest --quiet --store '%s' '%s'", store_b, pop), 0);

    /* Interrupted dedup, several times, then to the end. */
    char *dedup_args[] = {"ktpel",   "dedup", "--quiet", "--threads", "1",
                          "--batch", "8",     "--store", store_b,     NULL};
    int kills = 0, partial = 0;
    /* Kill after 100, 200, ... 500 ms; on a loaded machine (start-up alone can take longer
     * under the sanitizers) go on with longer delays until a kill has left a partly decided
     * store, or the store is complete. */
    for (int ms = 100; ms <= 30000 && (ms <= 500 || partial == 0);
         ms = ms < 500 ? ms + 100 : ms * 3 / 2) {
        kills += run_and_kill(ms, dedup_args);
        size_t d = decided(store_b);
        partial += d > 0 && d < total;
        if (d == total)
            break;
    }
    printf("%d dedup runs killed, %d left a partly decided store\n", kills, partial);
    assert_true(kills >= 1);
    assert_true(partial >= 1);
    assert_int_equal(run("dedup --quiet --threads 2 --batch 8 --store '%s'", store_b), 0);
    assert_int_equal(run("dedup decisions --json --store '%s'", store_b), 0);
    assert_string_equal(out, reference);
    assert_int_equal(decided(store_b), total);
    assert_int_equal(run("audit verify --store '%s'", store_b), 0);
    assert_int_equal(run("audit verify --store '%s'", store_a), 0);

    /* Ingest while a dedup runs (LMDB: one writer at a time, readers never blocked): the
     * queue keeps ingest order, so the decisions are the reference's again. */
    char store_c[4300];
    static char cmd[65536];
    snprintf(store_c, sizeof store_c, "%s/c", tmp);
    const char *bin = ktpel_test_bin();
    snprintf(cmd, sizeof cmd,
             "'%s' ingest --quiet --store '%s' '%s'/E0000?? >/dev/null && "
             "{ '%s' dedup --quiet --threads 1 --batch 8 --store '%s' >/dev/null & "
             "'%s' ingest --quiet --store '%s' '%s'/E0001?? '%s'/E0002?? >/dev/null; wait; } && "
             "'%s' dedup --quiet --store '%s' >/dev/null && "
             "'%s' dedup decisions --json --store '%s'",
             bin, store_c, pop, bin, store_c, bin, store_c, pop, pop, bin, store_c, bin, store_c);
    assert_int_equal(ktpel_test_run(cmd, out, sizeof out), 0);
    assert_string_equal(out, reference);
    assert_int_equal(run("audit verify --store '%s'", store_c), 0);
    free(reference);
    ktpel_test_rmtree(tmp);
    free(tmp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_killed_runs_resume_to_the_same_decisions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
