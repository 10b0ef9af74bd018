/* `ktpel report pipeline` on a small synthetic population with planted duplicates (templates
 * only, so that it is quick; lax dedup thresholds so that some cases wait for an officer,
 * who decides them all "different"): the page lists every duplicate the store holds and every
 * adjudication decided "different", links the `ktpel report dedup` pages, shows the caller's
 * tables and cards escaped and copied; malformed tables, non-PNG cards and unsafe names are
 * refused with the offending file named. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ktpel/dedup.h"
#include "ktpel/store.h"

#include "testutil.h"

#define MAX_ROWS 100
#define ODD_NAME "D'ARCY O'NEIL"

static char out[1 << 16];
static char *tmp;
static char pop[4200], store[4200], report[4200];
static ktpel_test_truth_row rows[MAX_ROWS];
static size_t row_count;

#define run(...) ktpel_test_ktpel(out, sizeof out, __VA_ARGS__)

static const char *fixture_png(void)
{
    static char path[4200];
    const char *fx = getenv("KTPEL_FIXTURES");
    snprintf(path, sizeof path, "%s/population/E000004/finger_04_1.png", fx ? fx : "fixtures");
    return path;
}

static int write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fputs(text, f);
    return fclose(f);
}

/* Renames every planted duplicate's record to a name HTML must escape. */
static int rename_duplicates(void)
{
    int n = 0;
    for (size_t i = 0; i < row_count; i++) {
        if (!rows[i].duplicate_of[0])
            continue;
        char path[4400];
        snprintf(path, sizeof path, "%s/%.15s/record.txt", pop, rows[i].enrolment);
        size_t len;
        char *text = (char *)ktpel_test_read_file(path, &len);
        char *copy = text ? strndup(text, len) : NULL;
        char *nama = copy ? strstr(copy, "\nnama: ") : NULL;
        char *end = nama ? strchr(nama + 1, '\n') : NULL;
        FILE *f = end ? fopen(path, "w") : NULL;
        if (!f)
            return -1;
        fprintf(f, "%.*s\nnama: %s%s", (int)(nama - copy), copy, ODD_NAME, end);
        fclose(f);
        free(copy);
        free(text);
        n++;
    }
    return n > 0 ? 0 : -1;
}

/* Decides every adjudication case "different" (whatever the truth: the page shows decisions,
 * it does not judge them). */
static int decide_all(void)
{
    if (run("adjudicate list --store '%s'", store))
        return -1;
    char list[sizeof out];
    memcpy(list, out, sizeof list);
    char *save = NULL;
    for (char *line = strtok_r(list, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char nik[17];
        if (sscanf(line, "%16s", nik) != 1)
            continue;
        if (run("adjudicate decide %s --different --actor tester --reason 'looked <closely>' "
                "--store '%s'",
                nik, store))
            return fprintf(stderr, "decide %s: %s\n", nik, out), -1;
    }
    return 0;
}

static int setup(void **state)
{
    (void)state;
    tmp = ktpel_test_tmpdir();
    snprintf(pop, sizeof pop, "%s/pop", tmp);
    snprintf(store, sizeof store, "%s/store", tmp);
    snprintf(report, sizeof report, "%s/report", tmp);
    if (run("synth --residents 40 --duplicates 0.2 --captures 1 --templates-only --quiet "
            "--seed 5 -o '%s'",
            pop))
        return fprintf(stderr, "synth: %s\n", out), -1;
    row_count = ktpel_test_read_truth(pop, rows, MAX_ROWS);
    if (rename_duplicates())
        return fprintf(stderr, "no planted duplicate to rename\n"), -1;
    if (run("ingest --quiet --store '%s' '%s'", store, pop))
        return fprintf(stderr, "ingest: %s\n", out), -1;
    /* lax thresholds, so that there are cases for an officer as well as duplicates */
    if (run("dedup --quiet --store '%s' --fpir-adjudicate 0.6 --fpir-duplicate 0.001", store))
        return fprintf(stderr, "dedup: %s\n", out), -1;
    char mk[4300];
    snprintf(mk, sizeof mk, "mkdir '%s'", report);
    if (ktpel_test_run(mk, out, sizeof out))
        return -1;
    if (run("report dedup -o '%s/dedup' --store '%s'", report, store))
        return fprintf(stderr, "report dedup: %s\n", out), -1;
    return decide_all();
}

static int teardown(void **state)
{
    (void)state;
    ktpel_test_rmtree(tmp);
    free(tmp);
    return 0;
}

typedef struct tally {
    size_t duplicate, unique;
} tally;

static void count(void *ctx, const ktpel_dedup_decision *d)
{
    tally *t = ctx;
    t->duplicate += d->decision == KTPEL_STATUS_DUPLICATE;
    t->unique += d->decision == KTPEL_STATUS_UNIQUE;
}

static char *read_page(const char *name)
{
    char path[4300];
    snprintf(path, sizeof path, "%s/%s", report, name);
    size_t len;
    char *text = (char *)ktpel_test_read_file(path, &len);
    if (!text)
        fail_msg("%s missing", path);
    char *page = strndup(text, len);
    free(text);
    return page;
}

static size_t occurrences(const char *text, const char *what)
{
    size_t n = 0;
    for (const char *p = strstr(text, what); p; p = strstr(p + 1, what))
        n++;
    return n;
}

static void test_page(void **state)
{
    (void)state;
    char table[4300], card[4300];
    snprintf(table, sizeof table, "%s/summary.tsv", tmp);
    snprintf(card, sizeof card, "%s/kartu-1.png", tmp);
    assert_int_equal(write_text(table, "Ringkasan <uji>\nwhat\tcount\nresidents & co\t40\n"
                                       "caught\t8 / 8\nnote\tsee <here>\r\n"),
                     0);
    char cmd[9000];
    snprintf(cmd, sizeof cmd, "cp '%s' '%s'", fixture_png(), card);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(run("report pipeline -o '%s' --store '%s' --table '%s' --card '%s' "
                         "--dedup-report dedup --title 'Uji <judul>'",
                         report, store, table, card),
                     0);
    char *page = read_page("index.html");

    /* the caller's table and title, escaped; figures right-aligned */
    assert_non_null(strstr(page, "<h1>Uji &lt;judul&gt;</h1>"));
    assert_non_null(strstr(page, "<h2>Ringkasan &lt;uji&gt;</h2>"));
    assert_non_null(strstr(page, "<td>residents &amp; co</td><td class=\"n\">40</td>"));
    assert_non_null(strstr(page, "<td class=\"n\">8 / 8</td>"));
    assert_non_null(strstr(page, "<td>see &lt;here&gt;</td></tr>"));
    /* no raw text from the records or the officers' reasons */
    assert_null(strstr(page, "D'ARCY"));
    assert_null(strstr(page, "<closely>"));
    assert_null(strstr(page, "<script"));

    /* the duplicates and the adjudications, as the store has them */
    ktpel_store *s = NULL;
    ktpel_errbuf eb;
    ktpel_store_options ro = {.read_only = true};
    assert_int_equal(ktpel_store_open(store, &ro, &s, &eb), KTPEL_OK);
    tally t = {0};
    assert_int_equal(ktpel_dedup_decisions(s, count, &t, &eb), KTPEL_OK);
    ktpel_store_close(s);
    char heading[64];
    snprintf(heading, sizeof heading, "<h2>Kasus ganda (%zu)</h2>", t.duplicate);
    assert_non_null(strstr(page, heading));
    assert_true(t.duplicate > 0);
    /* every adjudication was decided "different" by the tester: listed, linked, escaped */
    size_t decided = occurrences(page, "petugas <code>tester</code>");
    assert_true(decided > 0);
    assert_int_equal(occurrences(page, "looked &lt;closely&gt;"), decided);
    assert_int_equal(occurrences(page, "<a href=\"dedup/kasus-"), decided);
    if (t.duplicate)
        assert_non_null(strstr(page, "pemadanan otomatis"));
    assert_true(occurrences(page, "D&#39;ARCY O&#39;NEIL") > 0);
    /* the card, copied */
    assert_non_null(strstr(page, "src=\"kartu/kartu-1.png\""));
    char *copied = read_page("kartu/kartu-1.png");
    free(copied);
    free(page);
}

static void test_refused(void **state)
{
    (void)state;
    char bad[4300], notpng[4300], odd[4300];
    snprintf(bad, sizeof bad, "%s/bad.tsv", tmp);
    snprintf(notpng, sizeof notpng, "%s/card.png", tmp);
    snprintf(odd, sizeof odd, "%s/a b.png", tmp);
    assert_int_equal(write_text(bad, "only a caption\n"), 0);
    assert_int_equal(write_text(notpng, "not a png at all\n"), 0);
    assert_int_equal(write_text(odd, "\x89PNG\r\n\x1a\n"), 0);

    assert_int_equal(run("report pipeline -o '%s/r1' --store '%s' --table '%s'", tmp, store, bad),
                     1);
    assert_non_null(strstr(out, "bad.tsv"));
    assert_int_equal(
        run("report pipeline -o '%s/r2' --store '%s' --table '%s/none.tsv'", tmp, store, tmp), 1);
    assert_non_null(strstr(out, "none.tsv"));
    assert_int_equal(run("report pipeline -o '%s/r3' --store '%s' --card '%s'", tmp, store, notpng),
                     1);
    assert_non_null(strstr(out, "card.png"));
    assert_int_equal(run("report pipeline -o '%s/r4' --store '%s' --card '%s'", tmp, store, odd),
                     1);
    assert_non_null(strstr(out, "a b.png"));
    assert_int_equal(
        run("report pipeline -o '%s/r5' --store '%s' --dedup-report ../up", tmp, store), 1);
    assert_non_null(strstr(out, "../up"));
    assert_int_equal(run("report pipeline --store '%s'", store), 2);
    assert_int_equal(run("report pipeline -o '%s/r6' --store '%s/nostore'", tmp, tmp), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_page),
        cmocka_unit_test(test_refused),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
