/* Adjudication on a small synthetic population with planted duplicates (`ktpel synth
 * --residents 40 --templates-only --duplicates 0.2`), deduplicated with a duplicate threshold
 * no score reaches, so that every flagged resident waits for an officer: `ktpel adjudicate
 * list`, `ktpel report dedup` (pages, escaping, scores that agree with dedup's), refused
 * decisions that change nothing, decisions both ways (status, stored result, audit log). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ktpel/adjudicate.h"
#include "ktpel/audit.h"
#include "ktpel/dedup.h"
#include "ktpel/store.h"

#include "testutil.h"

#define MAX_ROWS  100
#define MAX_CASES 64
#define ODD_NAME  "D'ARCY O'NEIL"

static char out[1 << 16];
static char *tmp;
static char pop[4200], store[4200], report[4200];

typedef ktpel_test_truth_row row;
static row rows[MAX_ROWS];
static size_t row_count;
static char odd_nik[17]; /* the planted duplicate renamed ODD_NAME */

static ktpel_dedup_decision cases[MAX_CASES];
static size_t case_count;

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

static const row *row_of_nik(const char *nik)
{
    for (size_t i = 0; i < row_count; i++)
        if (strcmp(rows[i].nik, nik) == 0)
            return &rows[i];
    return NULL;
}

/* Gives the first planted duplicate a name with characters that HTML must escape. */
static int rename_one(void)
{
    for (size_t i = 0; i < row_count; i++) {
        if (!rows[i].duplicate_of[0])
            continue;
        char path[4300];
        snprintf(path, sizeof path, "%s/%s/record.txt", pop, rows[i].enrolment);
        size_t len;
        char *text = (char *)ktpel_test_read_file(path, &len);
        char *copy = text ? strndup(text, len) : NULL; /* the file's bytes, NUL-terminated */
        char *nama = copy ? strstr(copy, "\nnama: ") : NULL;
        char *end = nama ? strchr(nama + 1, '\n') : NULL;
        FILE *f = end ? fopen(path, "w") : NULL;
        if (!f)
            return -1;
        fprintf(f, "%.*s\nnama: %s%s", (int)(nama - copy), copy, ODD_NAME, end);
        fclose(f);
        free(copy);
        free(text);
        strcpy(odd_nik, rows[i].nik);
        return 0;
    }
    return -1;
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
    read_truth();
    if (rename_one())
        return fprintf(stderr, "no planted duplicate to rename\n"), -1;
    if (run("ingest --quiet --store '%s' '%s'", store, pop))
        return fprintf(stderr, "ingest: %s\n", out), -1;
    /* A duplicate threshold that no score reaches: every flagged resident is ADJUDICATE. */
    if (run("dedup --quiet --store '%s' --fpir-duplicate 1e-300", store))
        return fprintf(stderr, "dedup: %s\n", out), -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    ktpel_test_rmtree(tmp);
    free(tmp);
    return 0;
}

static ktpel_store *open_store(void)
{
    ktpel_store *s = NULL;
    ktpel_errbuf eb;
    if (ktpel_store_open(store, NULL, &s, &eb))
        fail_msg("%s", eb.message);
    return s;
}

static void add_case(void *ctx, const ktpel_dedup_decision *d)
{
    (void)ctx;
    if (case_count < MAX_CASES)
        cases[case_count++] = *d;
}

typedef struct counts {
    size_t adjudicate, duplicate;
} counts;

static void count_decision(void *ctx, const ktpel_dedup_decision *d)
{
    counts *c = ctx;
    c->adjudicate += d->decision == KTPEL_STATUS_ADJUDICATE;
    c->duplicate += d->decision == KTPEL_STATUS_DUPLICATE;
}

/* The case whose candidates hold the true original of a planted duplicate (or not). */
static const ktpel_dedup_decision *find_case(bool true_duplicate, const char *not_nik)
{
    for (size_t i = 0; i < case_count; i++) {
        const row *r = row_of_nik(cases[i].nik);
        const char *orig = r && r->duplicate_of[0] ? nik_of(r->duplicate_of) : NULL;
        bool has = false;
        for (int k = 0; orig && k < cases[i].candidate_count; k++)
            has |= strcmp(cases[i].candidates[k].nik, orig) == 0;
        if (has == true_duplicate && (!not_nik || strcmp(cases[i].nik, not_nik) != 0))
            return &cases[i];
    }
    return NULL;
}

static void test_list(void **state)
{
    (void)state;
    ktpel_store *s = open_store();
    ktpel_errbuf eb;
    assert_int_equal(ktpel_adjudicate_cases(s, add_case, NULL, &eb), KTPEL_OK);
    counts c = {0};
    assert_int_equal(ktpel_dedup_decisions(s, count_decision, &c, &eb), KTPEL_OK);
    ktpel_store_close(s);
    assert_int_equal(c.duplicate, 0);
    assert_int_equal(case_count, c.adjudicate);
    assert_true(case_count >= 2);
    assert_non_null(find_case(true, NULL));
    for (size_t i = 0; i < case_count; i++) {
        assert_int_equal(cases[i].decision, KTPEL_STATUS_ADJUDICATE);
        assert_true(cases[i].candidate_count >= 1);
    }
    assert_int_equal(run("adjudicate list --store '%s' --json", store), 0);
    assert_non_null(strstr(out, "{\"cases\":["));
    for (size_t i = 0; i < case_count; i++) {
        char want[128];
        snprintf(want, sizeof want,
                 "{\"nik\":\"%.16s\",\"decision\":\"adjudicate\",\"candidates\":"
                 "[{\"nik\":\"%.16s\"",
                 cases[i].nik, cases[i].candidates[0].nik);
        assert_non_null(strstr(out, want));
    }
    assert_int_equal(run("adjudicate list --store '%s'", store), 0);
    size_t lines = 0;
    for (const char *p = out; (p = strchr(p, '\n')); p++)
        lines++;
    assert_int_equal(lines, case_count);
}

static char *read_page(const char *name)
{
    char path[4400];
    snprintf(path, sizeof path, "%s/%s", report, name);
    size_t len;
    char *text = (char *)ktpel_test_read_file(path, &len);
    if (!text)
        fail_msg("report page %s missing", path);
    return text;
}

/* Every "Skor gabungan" row: the score recomputed from the drawn pairs' fingers equals the one
 * dedup stored (both printed with two decimals). */
static void check_fused(const char *page)
{
    int rows_seen = 0;
    static const char head[] = "Skor gabungan</th><td colspan=\"3\">";
    for (const char *p = page; (p = strstr(p, head)); p++) {
        double recomputed, stored;
        int fingers;
        assert_int_equal(sscanf(p + strlen(head),
                                "%lf (dihitung ulang dari %d jari); %lf tersimpan", &recomputed,
                                &fingers, &stored),
                         3);
        assert_true(fingers >= 8);
        assert_true(recomputed > 0 && recomputed == stored);
        rows_seen++;
    }
    assert_true(rows_seen >= 1);
}

static void test_report(void **state)
{
    (void)state;
    assert_int_equal(run("report dedup -o '%s' --store '%s'", report, store), 0);
    char *index = read_page("index.html");
    bool odd_shown = false, odd_involved = false;
    for (size_t i = 0; i < case_count; i++) {
        char name[64];
        snprintf(name, sizeof name, "kasus-%.16s.html", cases[i].nik);
        assert_non_null(strstr(index, name));
        char *page = read_page(name);
        assert_non_null(strstr(page, "<html lang=\"id\">"));
        assert_non_null(strstr(page, cases[i].candidates[0].nik));
        assert_non_null(strstr(page, "foto tidak tersimpan"));
        assert_non_null(strstr(page, "Skor per jari"));
        assert_non_null(strstr(page, "src=\"data:image/png;base64,iVBORw0KGgo"));
        assert_null(strstr(page, "<script"));
        assert_null(strstr(page, "http://"));
        assert_null(strstr(page, "https://"));
        assert_null(strstr(page, ODD_NAME));
        check_fused(page);
        if (strstr(page, odd_nik)) {
            odd_involved = true;
            assert_non_null(strstr(page, "D&#39;ARCY O&#39;NEIL"));
            odd_shown = true;
        }
        free(page);
    }
    /* The renamed planted duplicate is flagged (a case, or a candidate of one). */
    assert_true(odd_involved && odd_shown);
    assert_null(strstr(index, ODD_NAME));
    free(index);
    /* One page per case, plus the index, and nothing else. */
    char cmd[4400];
    snprintf(cmd, sizeof cmd, "ls '%s' | wc -l", report);
    assert_int_equal(ktpel_test_run(cmd, out, sizeof out), 0);
    assert_int_equal(atoi(out), (int)case_count + 1);
}

static void test_refused(void **state)
{
    (void)state;
    ktpel_store *s = open_store();
    uint8_t before[32], after[32];
    ktpel_errbuf eb;
    assert_int_equal(ktpel_store_digest(s, before, &eb), KTPEL_OK);
    ktpel_store_close(s);
    const ktpel_dedup_decision *c = &cases[0];
    const char *unique = NULL;
    for (size_t i = 0; i < row_count && !unique; i++) {
        bool is_case = false;
        for (size_t k = 0; k < case_count; k++)
            is_case |= strcmp(cases[k].nik, rows[i].nik) == 0;
        bool is_candidate = false;
        for (int k = 0; k < c->candidate_count; k++)
            is_candidate |= strcmp(c->candidates[k].nik, rows[i].nik) == 0;
        if (!is_case && !is_candidate)
            unique = rows[i].nik;
    }
    assert_non_null(unique);
    assert_int_equal(run("adjudicate decide %s --different --store '%s'", unique, store), 1);
    assert_non_null(strstr(out, "is not awaiting adjudication (its status is unique)"));
    assert_int_equal(run("adjudicate decide %s --same-as %s --store '%s'", c->nik, unique, store),
                     1);
    assert_non_null(strstr(out, "is not among the candidates"));
    assert_non_null(strstr(out, c->candidates[0].nik));
    assert_int_equal(run("adjudicate decide 9999999999999999 --different --store '%s'", store), 1);
    assert_non_null(strstr(out, "no such resident"));
    assert_int_equal(run("adjudicate decide %s --same-as %s --store '%s'", c->nik, c->nik, store),
                     1);
    assert_int_equal(
        run("adjudicate decide %s --different --actor ' bad' --store '%s'", c->nik, store), 1);
    assert_int_equal(run("adjudicate decide %s --different --same-as %s --store '%s'", c->nik,
                         c->candidates[0].nik, store),
                     2);
    assert_int_equal(run("adjudicate decide %s --store '%s'", c->nik, store), 2);
    assert_int_equal(run("adjudicate decide --different --store '%s'", store), 2);
    s = open_store();
    assert_int_equal(ktpel_store_digest(s, after, &eb), KTPEL_OK);
    ktpel_store_close(s);
    assert_memory_equal(before, after, 32);
}

typedef struct audit_find {
    const char *nik, *actor;
    int decisions, statuses;
} audit_find;

static int find_audit(void *ctx, const ktpel_audit_entry *e)
{
    audit_find *f = ctx;
    if (strcmp(e->nik, f->nik) != 0 || strcmp(e->actor, f->actor) != 0)
        return 0;
    f->decisions += e->kind == KTPEL_AUDIT_DECISION;
    f->statuses += e->kind == KTPEL_AUDIT_STATUS && strstr(e->text, "adjudicate -> ") != NULL;
    return 0;
}

static void check_decided(const char *nik, ktpel_status want, const char *actor,
                          const char *reason_part, int candidates)
{
    ktpel_store *s = open_store();
    ktpel_errbuf eb;
    ktpel_status_history h;
    ktpel_status_history_init(&h);
    assert_int_equal(ktpel_store_status_get(s, nik, &h, &eb), KTPEL_OK);
    ktpel_status now;
    assert_true(ktpel_status_history_current(&h, &now));
    assert_int_equal(now, want);
    assert_int_equal(h.entries[h.count - 2].status, KTPEL_STATUS_ADJUDICATE);
    assert_string_equal(h.entries[h.count - 1].actor, actor);
    assert_non_null(strstr(h.entries[h.count - 1].reason, reason_part));
    ktpel_status_history_free(&h);
    ktpel_dedup_decision d;
    assert_int_equal(ktpel_dedup_result_get(s, nik, &d, &eb), KTPEL_OK);
    assert_int_equal(d.decision, want);
    assert_int_equal(d.candidate_count, candidates);
    audit_find f = {nik, actor, 0, 0};
    assert_int_equal(ktpel_audit_list(s, find_audit, &f, &eb), KTPEL_OK);
    assert_int_equal(f.decisions, 1);
    assert_int_equal(f.statuses, 1);
    ktpel_store_close(s);
}

static void test_decide(void **state)
{
    (void)state;
    const ktpel_dedup_decision *same = find_case(true, NULL);
    assert_non_null(same);
    const char *orig = nik_of(row_of_nik(same->nik)->duplicate_of);
    const ktpel_dedup_decision *other = find_case(false, NULL);
    if (!other) /* every case is a true duplicate: the officer may still say otherwise */
        other = same == &cases[0] ? &cases[1] : &cases[0];
    assert_int_equal(run("adjudicate decide %s --same-as %s --actor petugas-01 --reason "
                         "'sidik jari sama' --store '%s'",
                         same->nik, orig, store),
                     0);
    assert_non_null(strstr(out, "duplicate"));
    check_decided(same->nik, KTPEL_STATUS_DUPLICATE, "petugas-01", orig, same->candidate_count);
    check_decided(same->nik, KTPEL_STATUS_DUPLICATE, "petugas-01", "sidik jari sama",
                  same->candidate_count);
    assert_int_equal(run("adjudicate decide %s --different --store '%s'", other->nik, store), 0);
    assert_non_null(strstr(out, "unique"));
    check_decided(other->nik, KTPEL_STATUS_UNIQUE, KTPEL_ADJUDICATE_DEFAULT_ACTOR,
                  "different from all", other->candidate_count);
    /* Decided cases leave the list; deciding again is refused. */
    assert_int_equal(run("adjudicate list --store '%s'", store), 0);
    assert_null(strstr(out, same->nik));
    assert_null(strstr(out, other->nik));
    assert_int_equal(run("adjudicate decide %s --different --store '%s'", same->nik, store), 1);
    assert_non_null(strstr(out, "its status is duplicate"));
    assert_int_equal(run("audit verify --store '%s'", store), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_list),
        cmocka_unit_test(test_report),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_decide),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
