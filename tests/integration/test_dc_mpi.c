/* Deduplication across MPI ranks gives the single-machine decisions: a small synthetic
 * population with planted duplicates (`ktpel synth --residents 60 --templates-only
 * --duplicates 0.15`) is ingested into one store and deduplicated, and ingested into a store
 * of 2 shards and deduplicated by `mpirun -np 2 ktpel dedup --mpi`; the decisions (NIK,
 * decision, candidates with scores, batch) must be identical, every resident must sit in the
 * shard of its NIK's hash, and each shard's audit log must verify.
 *
 * Skipped (exit 77) when mpirun is absent or ktpel was built without MPI. The mpirun
 * commands run with ASAN_OPTIONS=detect_leaks=0: under AddressSanitizer, OpenMPI's own
 * allocations that live until exit are reported as leaks (not ktpel's); everything else in
 * this test, and every other test, runs with leak detection on. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ktpel/audit.h"
#include "ktpel/dedup.h"
#include "ktpel/dedup_mpi.h"
#include "ktpel/shard.h"
#include "ktpel/store.h"

#include "testutil.h"

#define RESIDENTS 60
#define MAX_ROWS  100
#define BATCH     16 /* several batches: the gallery grows between them */

static char out[1 << 20];
static char *tmp;

/* Root may run mpirun only when told so; oversubscribe: 2 ranks on a machine of any size. */
#define MPIRUN                                                                                     \
    "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 ASAN_OPTIONS=detect_leaks=0 "       \
    "mpirun --oversubscribe"

static int run(const char *prefix, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int run(const char *prefix, const char *fmt, ...)
{
    char cmd[16384], args[8800];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    snprintf(cmd, sizeof cmd, "%s '%s' %s", prefix, ktpel_test_bin(), args);
    return ktpel_test_run(cmd, out, sizeof out);
}

static char *path(const char *name)
{
    static char p[2][4300];
    static int next;
    char *r = p[next++ % 2];
    snprintf(r, sizeof p[0], "%s/%s", tmp, name);
    return r;
}

/* The "decisions" array of a `ktpel dedup --json` output (malloc'd). */
static char *decisions_array(const char *json)
{
    const char *start = strstr(json, "{\"decisions\":[");
    const char *end = start ? strstr(start, "],\"decided\"") : NULL;
    if (!start || !end)
        fail_msg("no decisions array in: %.500s", json);
    size_t n = (size_t)(end - start) + 1;
    char *r = malloc(n + 1);
    assert_non_null(r);
    memcpy(r, start, n);
    r[n] = '\0';
    return r;
}

typedef struct decisions {
    ktpel_dedup_decision d[MAX_ROWS];
    size_t n;
} decisions;

static void collect(void *ctx, const ktpel_dedup_decision *d)
{
    decisions *all = ctx;
    assert_true(all->n < MAX_ROWS);
    all->d[all->n++] = *d;
}

static int cmp_decision(const void *a, const void *b)
{
    return strcmp(((const ktpel_dedup_decision *)a)->nik, ((const ktpel_dedup_decision *)b)->nik);
}

/* Appends the stored decisions of one store; checks its audit log. */
static void stored_decisions(const char *dir, decisions *all)
{
    ktpel_store *s = NULL;
    ktpel_errbuf eb;
    ktpel_store_options so = {.read_only = true};
    if (ktpel_store_open(dir, &so, &s, &eb))
        fail_msg("%s", eb.message);
    assert_int_equal(ktpel_dedup_decisions(s, collect, all, &eb), KTPEL_OK);
    assert_int_equal(ktpel_audit_verify(s, NULL, NULL, NULL), KTPEL_OK);
    ktpel_store_close(s);
}

static int setup(void **state)
{
    (void)state;
    if (!ktpel_dedup_mpi_available()) {
        printf("skipped: ktpel built without MPI (KTPEL_MPI=OFF or no libopenmpi-dev)\n");
        exit(KTPEL_TEST_SKIP);
    }
    if (ktpel_test_run("command -v mpirun", out, sizeof out) != 0) {
        printf("skipped: no mpirun on PATH (scripts/install-deps installs openmpi-bin)\n");
        exit(KTPEL_TEST_SKIP);
    }
    tmp = ktpel_test_tmpdir();
    if (run("",
            "synth --residents %d --duplicates 0.15 --captures 1 --templates-only --quiet "
            "--seed 23 -o '%s' 2>&1",
            RESIDENTS, path("pop"))) {
        fprintf(stderr, "synth: %s\n", out);
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

static void test_two_ranks_decide_as_one_process(void **state)
{
    (void)state;
    /* one machine */
    if (run("", "ingest --quiet --store '%s' '%s' 2>&1", path("single"), path("pop")))
        fail_msg("ingest: %s", out);
    if (run("", "dedup --quiet --json --batch %d --store '%s'", BATCH, path("single")))
        fail_msg("dedup: %s", out);
    char *one = decisions_array(out);

    /* two shards, two ranks */
    if (run("", "ingest --quiet --shards 2 --store '%s' '%s' 2>&1", path("sharded"), path("pop")))
        fail_msg("ingest --shards 2: %s", out);
    if (run(MPIRUN " -np 2", "dedup --mpi --quiet --json --batch %d --store '%s'", BATCH,
            path("sharded")))
        fail_msg("mpirun dedup --mpi: %s", out);
    char *two = decisions_array(out);

    /* The population has planted duplicates, and they were found: the comparison is not
     * between two lists of UNIQUE. */
    assert_non_null(strstr(one, "\"decision\":\"duplicate\""));
    assert_string_equal(one, two);
    free(one);
    free(two);

    /* What the shards stored equals what the single store stored (NIK order, with the batch
     * numbers and scores), and every resident sits in the shard of its NIK. */
    decisions *a = calloc(1, sizeof *a), *b = calloc(1, sizeof *b);
    stored_decisions(path("single"), a);
    size_t first_shard = 0;
    for (int k = 0; k < 2; k++) {
        char dir[4400];
        assert_int_equal(ktpel_shard_path(path("sharded"), k, 2, dir, sizeof dir, NULL), KTPEL_OK);
        size_t before = b->n;
        stored_decisions(dir, b);
        for (size_t i = before; i < b->n; i++)
            assert_int_equal(ktpel_shard_of(b->d[i].nik, 2), k);
        if (k == 0)
            first_shard = b->n;
    }
    assert_true(first_shard > 0 && first_shard < b->n); /* both shards hold residents */
    assert_true(a->n > RESIDENTS);                      /* residents plus planted duplicates */
    assert_int_equal(a->n, b->n);
    qsort(b->d, b->n, sizeof b->d[0], cmp_decision);
    for (size_t i = 0; i < a->n; i++) {
        assert_string_equal(a->d[i].nik, b->d[i].nik);
        assert_int_equal(a->d[i].decision, b->d[i].decision);
        assert_int_equal(a->d[i].batch, b->d[i].batch);
        assert_int_equal(a->d[i].candidate_count, b->d[i].candidate_count);
        for (int c = 0; c < a->d[i].candidate_count; c++) {
            assert_string_equal(a->d[i].candidates[c].nik, b->d[i].candidates[c].nik);
            assert_true(a->d[i].candidates[c].score == b->d[i].candidates[c].score);
        }
    }
    free(a);
    free(b);

    /* A second MPI run has nothing left to decide. */
    if (run(MPIRUN " -np 2", "dedup --mpi --quiet --json --store '%s'", path("sharded")))
        fail_msg("second run: %s", out);
    assert_non_null(strstr(out, "{\"decisions\":[],\"decided\":0"));
}

static void test_shard_count_mismatch_refused(void **state)
{
    (void)state;
    if (run("", "ingest --quiet --shards 2 --store '%s' '%s' 2>&1", path("mismatch"), path("pop")))
        fail_msg("ingest --shards 2: %s", out);
    /* another shard count for the same folder */
    assert_int_not_equal(
        run("", "ingest --quiet --shards 3 --store '%s' '%s' 2>&1", path("mismatch"), path("pop")),
        0);
    assert_non_null(strstr(out, "has 2 shards, not 3"));
    /* one rank for two shards */
    assert_int_not_equal(
        run(MPIRUN " -np 1", "dedup --mpi --quiet --store '%s' 2>&1", path("mismatch")), 0);
    assert_non_null(strstr(out, "2 shards but 1 ranks"));
}

static void test_routing_is_stable(void **state)
{
    (void)state;
    /* The documented formula (include/ktpel/shard.h: FNV-1a 64 of the 16 digits, mod R),
     * recomputed here: a change of the hash would strand stored residents in the wrong
     * shard, so it must fail a test. */
    const char *nik = "3171011501900001";
    uint64_t h = 14695981039346656037u;
    for (int i = 0; i < 16; i++)
        h = (h ^ (uint8_t)nik[i]) * 1099511628211u;
    for (int r = 2; r <= 7; r++)
        assert_int_equal(ktpel_shard_of(nik, r), (int)(h % (uint64_t)r));
    assert_int_equal(ktpel_shard_of(nik, 1), 0);
    assert_int_equal(ktpel_shard_of("12345", 4), 0);
    assert_int_equal(ktpel_shard_of("31710115019000x1", 4), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_routing_is_stable),
        cmocka_unit_test(test_two_ranks_decide_as_one_process),
        cmocka_unit_test(test_shard_count_mismatch_refused),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
