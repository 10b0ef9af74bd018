/* Irises in the data center (issue 7, "Dedup"): iris codes stored at ingest, and the dedup
 * fusion where the fingerprints alone are ambiguous or wrong and the irises decide.
 *
 * A templates-only population with planted duplicates (`ktpel synth --templates-only
 * --duplicates`), and eye images from the synthetic iris generator written into the
 * enrolment folders: every person's own eyes (capture 0 for the first enrolment, capture 1
 * for the planted duplicate). The four planted duplicates are then changed:
 *   agree     fingers and eyes of the same person           -> DUPLICATE
 *   refute    the same person's fingers, another person's eyes -> ADJUDICATE (the finger
 *             score alone is above the duplicate threshold)
 *   no_finger no finger templates at all, the person's eyes  -> DUPLICATE by the irises
 *   ambiguous two of the person's fingers, scoring between the two thresholds (set from
 *             that pair's own finger score), with or without the eyes -> DUPLICATE with,
 *             ADJUDICATE without
 * Decisions do not depend on threads or batch size with irises either. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ktpel/dedup.h"
#include "ktpel/dedup_mpi.h"
#include "ktpel/shard.h"
#include "ktpel/fp_template.h"
#include "ktpel/image.h"
#include "ktpel/iris.h"
#include "ktpel/store.h"
#include "ktpel/synth_iris.h"

#include "testutil.h"

#define RESIDENTS 6
#define MAX_ROWS  32
#define EYE_SEED  4242

static char out[1 << 16];
static char *tmp;
static char pop[4200];
static ktpel_test_truth_row rows[MAX_ROWS];
static size_t row_count;
/* Indices (into rows) of the four planted duplicates and of the enrolments they copy. */
static size_t dup[4], orig[4];

#define run(...) ktpel_test_ktpel(out, sizeof out, __VA_ARGS__)

/* POPULATION/ENROLMENT/NAME (name may be ""); the result lives until the next call. */
static char *file_in(const char *enrolment, const char *name)
{
    static char path[8192];
    snprintf(path, sizeof path, "%s/%s%s%s", pop, enrolment, *name ? "/" : "", name);
    return path;
}

/* Writes eye images (capture `capture` of resident `resident`'s two synthetic eyes) into an
 * enrolment folder as iris_right_1.png and iris_left_1.png. */
static void write_eyes(const char *enrolment, uint64_t resident, int capture)
{
    static const char *const names[2] = {"iris_right_1.png", "iris_left_1.png"};
    for (int e = 0; e < 2; e++) {
        ktpel_synth_iris_eye *eye = NULL;
        ktpel_image img = {0};
        ktpel_errbuf eb;
        if (ktpel_synth_iris_eye_create(EYE_SEED, resident,
                                        e ? KTPEL_SYNTH_IRIS_LEFT : KTPEL_SYNTH_IRIS_RIGHT, &eye,
                                        &eb) ||
            ktpel_synth_iris_capture(eye, capture, &img, NULL, &eb) ||
            ktpel_image_write(file_in(enrolment, names[e]), &img, 0, &eb))
            fail_msg("eye %s: %s", enrolment, eb.message);
        ktpel_image_free(&img);
        ktpel_synth_iris_eye_free(eye);
    }
}

/* Keeps only the views of capture 1's ISO record at `keep` positions, removes the others. */
static void keep_fingers(const char *enrolment, const int *keep, int count)
{
    const char *iso = file_in(enrolment, "fingers_1.iso");
    ktpel_fp_template *t = malloc(sizeof *t);
    ktpel_errbuf eb;
    assert_non_null(t);
    if (ktpel_iso19794_2_read_file(iso, t, &eb))
        fail_msg("%s: %s", iso, eb.message);
    int n = 0;
    for (int v = 0; v < t->view_count; v++)
        for (int k = 0; k < count; k++)
            if (t->views[v].position == keep[k])
                t->views[n++] = t->views[v];
    assert_int_equal(n, count);
    t->view_count = n;
    if (ktpel_iso19794_2_write_file(iso, t, &eb))
        fail_msg("%s: %s", iso, eb.message);
    free(t);
}

static size_t row_of(const char *enrolment)
{
    for (size_t i = 0; i < row_count; i++)
        if (strcmp(rows[i].enrolment, enrolment) == 0)
            return i;
    fail_msg("no enrolment %s", enrolment);
    return 0;
}

static int setup(void **state)
{
    (void)state;
    tmp = ktpel_test_tmpdir();
    snprintf(pop, sizeof pop, "%s/pop", tmp);
    if (run("synth --residents %d --duplicates 0.67 --captures 1 --templates-only --quiet "
            "--seed 5 -o '%s'",
            RESIDENTS, pop)) {
        fprintf(stderr, "synth: %s\n", out);
        return -1;
    }
    row_count = ktpel_test_read_truth(pop, rows, MAX_ROWS);
    size_t planted = 0;
    for (size_t i = 0; i < row_count; i++)
        if (rows[i].duplicate_of[0] && planted < 4) {
            dup[planted] = i;
            orig[planted++] = row_of(rows[i].duplicate_of);
        }
    if (planted != 4) {
        fprintf(stderr, "expected 4 planted duplicates, got %zu\n", planted);
        return -1;
    }
    /* Everyone's own eyes: resident = the row of the person's first enrolment. */
    for (size_t i = 0; i < row_count; i++)
        if (!rows[i].duplicate_of[0])
            write_eyes(rows[i].enrolment, i, 0);
    write_eyes(rows[dup[0]].enrolment, orig[0], 1);  /* agree */
    write_eyes(rows[dup[1]].enrolment, 1000 + 1, 0); /* refute: somebody else's eyes */
    write_eyes(rows[dup[2]].enrolment, orig[2], 1);  /* no_finger */
    remove(file_in(rows[dup[2]].enrolment, "fingers_1.iso"));
    static const int two[2] = {3, 8};             /* middle fingers: not the first stage's */
    keep_fingers(rows[dup[3]].enrolment, two, 2); /* ambiguous (eyes added per store) */
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
    fail_msg("no decision for %s", nik);
    return NULL;
}

static const ktpel_dedup_candidate *candidate(const ktpel_dedup_decision *d, const char *nik)
{
    for (int i = 0; i < d->candidate_count; i++)
        if (strcmp(d->candidates[i].nik, nik) == 0)
            return &d->candidates[i];
    return NULL;
}

static ktpel_store *open_store(const char *dir)
{
    ktpel_store *s = NULL;
    ktpel_errbuf eb;
    if (ktpel_store_open(dir, NULL, &s, &eb))
        fail_msg("%s", eb.message);
    return s;
}

static void dedup(const char *dir, int threads, size_t batch, double fpir_adj, double fpir_dup,
                  decisions *all, ktpel_dedup_stats *st)
{
    ktpel_store *s = open_store(dir);
    ktpel_dedup_options opt = {.threads = threads,
                               .batch = batch,
                               .fpir_adjudicate = fpir_adj,
                               .fpir_duplicate = fpir_dup,
                               .time = (int64_t)time(NULL)};
    ktpel_errbuf eb;
    if (ktpel_dedup_run(s, &opt, collect, all, st, &eb))
        fail_msg("dedup: %s", eb.message);
    ktpel_store_close(s);
}

/* Ingests the listed enrolments (rows) in order into a new store. */
static const char *ingest_rows(const char *name, const size_t *which, size_t count)
{
    static char dir[4400];
    snprintf(dir, sizeof dir, "%s/%s", tmp, name);
    char args[8192] = "";
    size_t n = 0;
    for (size_t i = 0; i < count; i++)
        n += (size_t)snprintf(args + n, sizeof args - n, " '%s'",
                              file_in(rows[which[i]].enrolment, ""));
    if (run("ingest --quiet --store '%s'%s", dir, args) != 0)
        fail_msg("ingest: %s", out);
    return dir;
}

/* The whole population: the three scenarios, the others unique; the same decisions with 1
 * thread and batch 1 as with 2 threads and batch 5. */
static void test_irises_decide(void **state)
{
    (void)state;
    size_t all_rows[MAX_ROWS], n = 0;
    for (size_t i = 0; i < row_count; i++)
        if (i != dup[3])
            all_rows[n++] = i;
    const char *dir = ingest_rows("main", all_rows, n);
    char copy[4400];
    snprintf(copy, sizeof copy, "%s/main-copy", tmp);
    char cmd[9000];
    snprintf(cmd, sizeof cmd, "cp -r '%s' '%s'", dir, copy);
    assert_int_equal(ktpel_test_run(cmd, out, sizeof out), 0);

    decisions *a = calloc(1, sizeof *a), *b = calloc(1, sizeof *b);
    ktpel_dedup_stats st;
    dedup(dir, 2, 5, 0, 0, a, &st);
    assert_int_equal(a->n, n);
    assert_true(st.iris_comparisons > 0);

    /* agree */
    const ktpel_dedup_decision *d = find(a, rows[dup[0]].nik);
    assert_int_equal(d->decision, KTPEL_STATUS_DUPLICATE);
    const ktpel_dedup_candidate *c = candidate(d, rows[orig[0]].nik);
    assert_non_null(c);
    assert_false(c->iris_unconfirmed);

    /* refute: the fingers alone make a duplicate, the eyes differ */
    d = find(a, rows[dup[1]].nik);
    assert_int_equal(d->decision, KTPEL_STATUS_ADJUDICATE);
    c = candidate(d, rows[orig[1]].nik);
    assert_non_null(c);
    assert_true(c->iris_unconfirmed);
    size_t before = 0; /* residents queued before it: the gallery of its search */
    while (all_rows[before] != dup[1])
        before++;
    assert_true(c->score >= ktpel_dedup_threshold(KTPEL_DEDUP_FPIR_DUPLICATE, before));

    /* no usable fingers: found by the irises alone */
    d = find(a, rows[dup[2]].nik);
    assert_int_equal(d->decision, KTPEL_STATUS_DUPLICATE);
    assert_non_null(candidate(d, rows[orig[2]].nik));

    /* everybody else: unique */
    for (size_t i = 0; i < n; i++) {
        size_t r = all_rows[i];
        if (r != dup[0] && r != dup[1] && r != dup[2])
            assert_int_equal(find(a, rows[r].nik)->decision, KTPEL_STATUS_UNIQUE);
    }

    /* stored: the refutation is kept with the result */
    ktpel_store *s = open_store(dir);
    ktpel_dedup_decision stored;
    ktpel_errbuf eb;
    assert_int_equal(ktpel_dedup_result_get(s, rows[dup[1]].nik, &stored, &eb), KTPEL_OK);
    assert_true(candidate(&stored, rows[orig[1]].nik)->iris_unconfirmed);
    ktpel_store_close(s);

    /* independent of threads and batch size */
    dedup(copy, 1, 1, 0, 0, b, &st);
    assert_int_equal(b->n, a->n);
    for (size_t i = 0; i < a->n; i++) {
        const ktpel_dedup_decision *x = &a->d[i], *y = find(b, x->nik);
        assert_int_equal(x->decision, y->decision);
        assert_int_equal(x->candidate_count, y->candidate_count);
        for (int k = 0; k < x->candidate_count; k++) {
            assert_string_equal(x->candidates[k].nik, y->candidates[k].nik);
            assert_true(x->candidates[k].score == y->candidates[k].score);
            assert_int_equal(x->candidates[k].iris_unconfirmed, y->candidates[k].iris_unconfirmed);
        }
    }
    free(a);
    free(b);
}

static void stored(const char *dir, decisions *all)
{
    ktpel_store *s = open_store(dir);
    ktpel_errbuf eb;
    if (ktpel_dedup_decisions(s, collect, all, &eb))
        fail_msg("%s", eb.message);
    ktpel_store_close(s);
}

/* `mpirun -np 2 ktpel dedup --mpi` on two shards: the same decisions, candidates, scores and
 * iris marks as the single store of test_irises_decide (the codes travel with the probes). */
static void test_mpi_same_as_one_machine(void **state)
{
    (void)state;
    if (!ktpel_dedup_mpi_available() || ktpel_test_run("command -v mpirun", out, sizeof out) != 0)
        skip();
    char args[8192] = "";
    size_t n = 0;
    for (size_t i = 0; i < row_count; i++)
        if (i != dup[3])
            n += (size_t)snprintf(args + n, sizeof args - n, " '%s'",
                                  file_in(rows[i].enrolment, ""));
    char sharded[4400], cmd[16384];
    snprintf(sharded, sizeof sharded, "%s/sharded", tmp);
    if (run("ingest --quiet --shards 2 --store '%s'%s", sharded, args) != 0)
        fail_msg("ingest --shards 2: %s", out);
    snprintf(
        cmd, sizeof cmd,
        "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 ASAN_OPTIONS=detect_leaks=0 "
        "mpirun --oversubscribe -np 2 '%s' dedup --mpi --quiet --batch 3 --store '%s' 2>&1",
        ktpel_test_bin(), sharded);
    if (ktpel_test_run(cmd, out, sizeof out) != 0)
        fail_msg("mpirun: %s", out);
    decisions *one = calloc(1, sizeof *one), *two = calloc(1, sizeof *two);
    char main_dir[4400];
    snprintf(main_dir, sizeof main_dir, "%s/main", tmp);
    stored(main_dir, one);
    for (int k = 0; k < 2; k++) {
        char dir[4400];
        assert_int_equal(ktpel_shard_path(sharded, k, 2, dir, sizeof dir, NULL), KTPEL_OK);
        stored(dir, two);
    }
    assert_int_equal(one->n, two->n);
    size_t differs = 0;
    for (size_t i = 0; i < one->n; i++) {
        const ktpel_dedup_decision *x = &one->d[i], *y = find(two, x->nik);
        assert_int_equal(x->decision, y->decision);
        assert_int_equal(x->candidate_count, y->candidate_count);
        for (int c = 0; c < x->candidate_count; c++) {
            assert_string_equal(x->candidates[c].nik, y->candidates[c].nik);
            assert_true(x->candidates[c].score == y->candidates[c].score);
            assert_int_equal(x->candidates[c].iris_unconfirmed, y->candidates[c].iris_unconfirmed);
            differs += y->candidates[c].iris_unconfirmed;
        }
    }
    assert_true(differs > 0); /* the refuted candidate came through the ranks */
    free(one);
    free(two);
}

/* Two fingers whose score falls between the thresholds: the same eyes make it a duplicate. */
static void test_ambiguous_fingers_iris_decides(void **state)
{
    (void)state;
    const char *enrolment = rows[dup[3]].enrolment;
    size_t pair[2] = {orig[3], dup[3]};
    /* 1. its finger score against the person's first enrolment, no eyes on either side */
    remove(file_in(enrolment, "iris_right_1.png"));
    remove(file_in(enrolment, "iris_left_1.png"));
    decisions *a = calloc(1, sizeof *a);
    ktpel_dedup_stats st;
    dedup(ingest_rows("amb-fingers", pair, 2), 1, 64, 0.5, 0.5, a, &st);
    const ktpel_dedup_candidate *c = candidate(find(a, rows[dup[3]].nik), rows[orig[3]].nik);
    if (!c)
        fail_msg("two genuine fingers scored nothing: pick other positions");
    double score = c->score;
    assert_true(score > 1.0);
    /* thresholds one decade either side of it (a gallery of 1 before the probe) */
    double fpir_adj = pow(10, -(score - 1)), fpir_dup = pow(10, -(score + 1));

    /* 2. fingers alone: between the thresholds */
    memset(a, 0, sizeof *a);
    dedup(ingest_rows("amb-no-eyes", pair, 2), 1, 64, fpir_adj, fpir_dup, a, &st);
    const ktpel_dedup_decision *d = find(a, rows[dup[3]].nik);
    assert_int_equal(d->decision, KTPEL_STATUS_ADJUDICATE);
    assert_true(d->candidates[0].score == score);

    /* 3. with the person's eyes: a duplicate */
    write_eyes(enrolment, orig[3], 1);
    memset(a, 0, sizeof *a);
    dedup(ingest_rows("amb-eyes", pair, 2), 1, 64, fpir_adj, fpir_dup, a, &st);
    d = find(a, rows[dup[3]].nik);
    assert_int_equal(d->decision, KTPEL_STATUS_DUPLICATE);
    assert_true(d->candidates[0].score > score + 1);
    assert_false(d->candidates[0].iris_unconfirmed);
    free(a);
}

/* An iris-only enrolment of a new person is unique, not rejected. */
static void test_iris_only_new_person_unique(void **state)
{
    (void)state;
    size_t which[3] = {orig[0], orig[1], dup[2]};
    /* dup[2] carries orig[2]'s eyes, and orig[2] is not in this store */
    decisions *a = calloc(1, sizeof *a);
    ktpel_dedup_stats st;
    dedup(ingest_rows("iris-only", which, 3), 1, 64, 0, 0, a, &st);
    assert_int_equal(a->n, 3);
    assert_int_equal(find(a, rows[dup[2]].nik)->decision, KTPEL_STATUS_UNIQUE);
    free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_irises_decide),
        cmocka_unit_test(test_mpi_same_as_one_machine),
        cmocka_unit_test(test_ambiguous_fingers_iris_decides),
        cmocka_unit_test(test_iris_only_new_person_unique),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
