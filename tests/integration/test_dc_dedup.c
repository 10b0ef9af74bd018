/* 1:N deduplication on a small synthetic population with planted duplicates (`ktpel synth
 * --templates-only --duplicates 0.2`): every planted duplicate found with the right
 * candidate, few false flags, the same decisions whatever the threads and batch size,
 * statuses and audit log updated, and `ktpel dedup decisions --json`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ktpel/audit.h"
#include "ktpel/dedup.h"
#include "ktpel/ingest.h"
#include "ktpel/region.h"
#include "ktpel/store.h"
#include <time.h>

#include "testutil.h"

#define RESIDENTS 120
#define MAX_ROWS  200

static char out[1 << 20];
static char *tmp;
static char pop[4200];

typedef ktpel_test_truth_row row;
static row rows[MAX_ROWS];
static size_t row_count;

/* Runs ktpel ARGS, output in out. */
#define run(...) ktpel_test_ktpel(out, sizeof out, __VA_ARGS__)

static void read_truth(void)
{
    row_count = ktpel_test_read_truth(pop, rows, MAX_ROWS);
}

static const char *nik_of(const char *enrolment)
{
    for (size_t i = 0; i < row_count; i++)
        if (strcmp(rows[i].enrolment, enrolment) == 0)
            return rows[i].nik;
    return NULL;
}

static char *store_path(const char *name)
{
    static char path[4300];
    snprintf(path, sizeof path, "%s/%s", tmp, name);
    return path;
}

/* A store with the whole population ingested and queued. */
static ktpel_store *ingested_store(const char *name)
{
    if (run("ingest --quiet --store '%s' '%s'", store_path(name), pop) != 0)
        fail_msg("ingest: %s", out);
    ktpel_store *s = NULL;
    ktpel_errbuf eb;
    if (ktpel_store_open(store_path(name), NULL, &s, &eb))
        fail_msg("%s", eb.message);
    return s;
}

static int setup(void **state)
{
    (void)state;
    tmp = ktpel_test_tmpdir();
    snprintf(pop, sizeof pop, "%s/pop", tmp);
    if (run("synth --residents %d --duplicates 0.2 --captures 1 --templates-only --quiet "
            "--seed 11 -o '%s'",
            RESIDENTS, pop)) {
        fprintf(stderr, "synth: %s\n", out);
        return -1;
    }
    read_truth();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    ktpel_test_rmtree(tmp);
    free(tmp);
    return 0;
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

static const ktpel_dedup_decision *find(const decisions *all, const char *nik)
{
    for (size_t i = 0; i < all->n; i++)
        if (strcmp(all->d[i].nik, nik) == 0)
            return &all->d[i];
    return NULL;
}

static void dedup(ktpel_store *s, int threads, size_t batch, decisions *all, ktpel_dedup_stats *st)
{
    ktpel_dedup_options opt = {.threads = threads, .batch = batch, .time = (int64_t)time(NULL)};
    ktpel_errbuf eb;
    if (ktpel_dedup_run(s, &opt, collect, all, st, &eb))
        fail_msg("dedup: %s", eb.message);
}

static void test_planted_duplicates_found(void **state)
{
    (void)state;
    ktpel_store *s = ingested_store("a");
    decisions *all = calloc(1, sizeof *all);
    ktpel_dedup_stats st;
    dedup(s, 2, 16, all, &st);
    assert_int_equal(all->n, row_count);
    assert_int_equal(st.decided, row_count);
    size_t planted = 0, found = 0, others = 0, flagged = 0;
    for (size_t i = 0; i < row_count; i++) {
        const ktpel_dedup_decision *d = find(all, rows[i].nik);
        assert_non_null(d);
        if (!rows[i].duplicate_of[0]) {
            others++;
            flagged += d->decision != KTPEL_STATUS_UNIQUE;
            continue;
        }
        planted++;
        const char *first = nik_of(rows[i].duplicate_of);
        bool hit = false;
        for (int c = 0; c < d->candidate_count; c++)
            hit |= strcmp(d->candidates[c].nik, first) == 0;
        found += hit && d->decision != KTPEL_STATUS_UNIQUE;
    }
    printf("planted %zu found %zu; others %zu flagged %zu; %llu comparisons, %llu of %llu "
           "pairs past the first stage\n",
           planted, found, others, flagged, (unsigned long long)st.comparisons,
           (unsigned long long)st.full_pairs, (unsigned long long)st.pairs);
    assert_int_equal(planted, 24);
    assert_int_equal(found, planted);
    assert_true(flagged <= 1);
    /* The gallery was compared in place in the memory map, never copied. */
    assert_int_equal(st.chunk_copies, 0);
    /* The first stage stops most pairs. */
    assert_true(st.full_pairs * 10 < st.pairs);

    /* Statuses follow the decisions; the log is intact; nothing is left in the queue. */
    ktpel_status_history h = {0};
    ktpel_status now;
    assert_int_equal(ktpel_store_status_get(s, all->d[0].nik, &h, NULL), KTPEL_OK);
    assert_true(ktpel_status_history_current(&h, &now));
    assert_int_equal(now, all->d[0].decision);
    ktpel_status_history_free(&h);
    ktpel_store_counts c;
    assert_int_equal(ktpel_store_counts_get(s, &c, NULL), KTPEL_OK);
    assert_int_equal(c.queued, 0);
    assert_int_equal(c.decided, row_count);
    assert_int_equal(c.gallery, row_count);
    assert_int_equal(ktpel_audit_verify(s, NULL, NULL, NULL), KTPEL_OK);

    /* A second run has nothing to do. */
    decisions *again = calloc(1, sizeof *again);
    dedup(s, 2, 16, again, &st);
    assert_int_equal(again->n, 0);
    free(again);
    ktpel_store_close(s);
    free(all);
}

static int cmp_decision(const void *a, const void *b)
{
    return strcmp(((const ktpel_dedup_decision *)a)->nik, ((const ktpel_dedup_decision *)b)->nik);
}

static void test_same_decisions_any_threads_and_batch(void **state)
{
    (void)state;
    decisions *one = calloc(1, sizeof *one), *two = calloc(1, sizeof *two);
    ktpel_dedup_stats st;
    ktpel_store *s = ingested_store("b");
    dedup(s, 1, 7, one, &st);
    ktpel_store_close(s);
    s = ingested_store("c");
    dedup(s, 2, 50, two, &st);
    ktpel_store_close(s);
    assert_int_equal(one->n, two->n);
    qsort(one->d, one->n, sizeof *one->d, cmp_decision);
    qsort(two->d, two->n, sizeof *two->d, cmp_decision);
    for (size_t i = 0; i < one->n; i++) { /* batch numbers differ, nothing else */
        const ktpel_dedup_decision *a = &one->d[i], *b = &two->d[i];
        assert_string_equal(a->nik, b->nik);
        assert_int_equal(a->decision, b->decision);
        assert_int_equal(a->candidate_count, b->candidate_count);
        for (int c = 0; c < a->candidate_count; c++) {
            assert_string_equal(a->candidates[c].nik, b->candidates[c].nik);
            assert_true(a->candidates[c].score == b->candidates[c].score);
        }
    }
    free(one);
    free(two);
}

static void test_cli_decisions_json(void **state)
{
    (void)state;
    assert_int_equal(run("dedup decisions --json --store '%s'", store_path("a")), 0);
    assert_non_null(strstr(out, "{\"decisions\":["));
    assert_non_null(strstr(out, "\"decision\":\"duplicate\""));
    assert_non_null(strstr(out, "\"candidates\":[{\"nik\":"));
    size_t n = 0;
    for (const char *p = out; (p = strstr(p, "\"decision\":")); p++)
        n++;
    assert_int_equal(n, row_count);
    assert_int_equal(run("dedup --json --store '%s'", store_path("a")), 0);
    assert_non_null(strstr(out, "\"decided\":0"));
    assert_int_equal(run("dedup --batch 0 --store '%s'", store_path("a")), 2);
    assert_int_equal(run("dedup --fpir-duplicate 2 --store '%s'", store_path("a")), 2);
}

static void test_cli_bench(void **state)
{
    (void)state;
    char work[4300];
    snprintf(work, sizeof work, "%s/bench", tmp);
    assert_int_equal(run("dedup bench --work '%s' --gallery 150 --probes 20 --duplicates 0.25 "
                         "--no-speedup --threads 2",
                         work),
                     0);
    assert_non_null(strstr(out, "protocol: gallery 150 synthetic residents"));
    assert_non_null(strstr(out, "5 of them planted duplicates"));
    assert_non_null(strstr(out, "FNIR: 0 of 5 planted duplicates missed"));
    assert_non_null(strstr(out, "finger comparisons: "));
    assert_non_null(strstr(out, "gallery memory per finger: "));
    assert_int_equal(run("dedup bench --gallery 10"), 2); /* no --work */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_planted_duplicates_found),
        cmocka_unit_test(test_same_decisions_any_threads_and_batch),
        cmocka_unit_test(test_cli_decisions_json),
        cmocka_unit_test(test_cli_bench),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
