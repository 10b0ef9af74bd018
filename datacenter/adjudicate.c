/* Adjudication of residents that deduplication left to a person (include/ktpel/adjudicate.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ktpel/adjudicate.h"
#include "ktpel/audit.h"

#include "dedup_results.h"
#include "store_internal.h"

typedef struct case_list {
    ktpel_dedup_decision *d;
    size_t n, cap;
} case_list;

static int case_push(case_list *l, const ktpel_dedup_decision *d)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        ktpel_dedup_decision *p = realloc(l->d, cap * sizeof *p);
        if (!p)
            return -1;
        l->d = p;
        l->cap = cap;
    }
    l->d[l->n++] = *d;
    return 0;
}

static ktpel_err collect_cases(ktpel_store *s, MDB_txn *txn, case_list *l, ktpel_errbuf *eb)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, s->results, &cur);
    if (rc)
        return dc_mdb_fail(eb, rc, "results cursor");
    ktpel_err err = KTPEL_OK;
    MDB_val k, v;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); !err && rc == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        ktpel_dedup_decision d;
        err = dc_result_decode(&k, &v, &d, eb);
        if (!err && d.decision == KTPEL_STATUS_ADJUDICATE && case_push(l, &d))
            err = ktpel_fail(eb, KTPEL_ENOMEM, "adjudicate: out of memory");
    }
    mdb_cursor_close(cur);
    if (!err && rc != MDB_NOTFOUND && rc != 0)
        err = dc_mdb_fail(eb, rc, "read results");
    return err;
}

ktpel_err ktpel_adjudicate_cases(ktpel_store *s, ktpel_dedup_decision_fn fn, void *ctx,
                                 ktpel_errbuf *eb)
{
    if (!s || !fn)
        return ktpel_fail(eb, KTPEL_EINVAL, "ktpel_adjudicate_cases: NULL argument");
    MDB_txn *txn;
    ktpel_err err = dc_txn_begin(s, false, &txn, eb);
    if (err)
        return err;
    case_list l = {0};
    err = collect_cases(s, txn, &l, eb);
    mdb_txn_abort(txn);
    for (size_t i = 0; !err && i < l.n; i++)
        fn(ctx, &l.d[i]);
    free(l.d);
    return err;
}

/* ---- deciding ------------------------------------------------------------------------------ */

static int find_candidate(const ktpel_dedup_decision *d, const char *nik)
{
    for (int i = 0; i < d->candidate_count; i++)
        if (strcmp(d->candidates[i].nik, nik) == 0)
            return i;
    return -1;
}

static ktpel_err not_a_candidate(const ktpel_dedup_decision *d, const char *same_as,
                                 ktpel_errbuf *eb)
{
    char list[KTPEL_DEDUP_MAX_CANDIDATES * (KTPEL_NIK_LEN + 2) + 1] = "";
    for (int i = 0; i < d->candidate_count; i++) {
        if (i)
            strcat(list, ", ");
        strcat(list, d->candidates[i].nik);
    }
    return ktpel_fail(eb, KTPEL_EINVAL, "NIK %s is not among the candidates of NIK %s (%s)",
                      same_as, d->nik, d->candidate_count ? list : "none");
}

/* The status reason: what was decided, then the officer's words. */
static ktpel_err status_reason(const ktpel_dedup_decision *d, int cand, const char *words,
                               char *out, size_t size, ktpel_errbuf *eb)
{
    int n = cand >= 0 ? snprintf(out, size, "adjudicated: same person as %s (score %.2f)",
                                 d->candidates[cand].nik, d->candidates[cand].score)
                      : snprintf(out, size, "adjudicated: different from all %d candidate%s",
                                 d->candidate_count, d->candidate_count == 1 ? "" : "s");
    if (words && *words) {
        size_t room = KTPEL_STATUS_REASON_MAX - (size_t)n - 2;
        if (strlen(words) > room)
            return ktpel_fail(eb, KTPEL_EFIELD, "reason: %zu bytes, at most %zu", strlen(words),
                              room);
        snprintf(out + n, size - (size_t)n, ": %s", words);
    }
    return KTPEL_OK;
}

/* Checks that nik awaits adjudication and that same_as (if any) is a candidate; *d gets the
 * result and *cand the candidate's index (-1 for "different"). */
static ktpel_err check_case(ktpel_store *s, MDB_txn *txn, const char *nik, const char *same_as,
                            ktpel_dedup_decision *d, int *cand, ktpel_errbuf *eb)
{
    ktpel_status_history h;
    ktpel_status_history_init(&h);
    ktpel_err err = dc_status_read(s, txn, nik, &h, eb);
    if (err == KTPEL_ENOTFOUND)
        err = ktpel_fail(eb, KTPEL_ENOTFOUND, "NIK %s: no such resident in store %s", nik, s->dir);
    ktpel_status now = KTPEL_STATUS_COUNT;
    if (!err && (!ktpel_status_history_current(&h, &now) || now != KTPEL_STATUS_ADJUDICATE))
        err = ktpel_fail(eb, KTPEL_ETRANSITION,
                         "NIK %s is not awaiting adjudication (its status is %s)", nik,
                         ktpel_status_id(now));
    ktpel_status_history_free(&h);
    if (!err)
        err = dc_result_read(s, txn, nik, d, eb);
    if (!err && d->decision != KTPEL_STATUS_ADJUDICATE)
        err = ktpel_fail(eb, KTPEL_ETRANSITION,
                         "NIK %s is not awaiting adjudication (its dedup decision is %s)", nik,
                         ktpel_status_id(d->decision));
    *cand = -1;
    if (!err && same_as && (*cand = find_candidate(d, same_as)) < 0)
        err = not_a_candidate(d, same_as, eb);
    return err;
}

static ktpel_err decide_in(ktpel_store *s, MDB_txn *txn, const char *nik,
                           const ktpel_adjudication *a, const char *actor, ktpel_status *to,
                           ktpel_errbuf *eb)
{
    ktpel_dedup_decision d;
    int cand;
    ktpel_err err = check_case(s, txn, nik, a->same_as, &d, &cand, eb);
    char reason[KTPEL_STATUS_REASON_MAX + 64];
    if (!err)
        err = status_reason(&d, cand, a->reason, reason, sizeof reason, eb);
    *to = cand >= 0 ? KTPEL_STATUS_DUPLICATE : KTPEL_STATUS_UNIQUE;
    if (!err)
        err = dc_status_change(s, txn, nik, *to, a->time, actor, reason, eb);
    if (!err) {
        char text[KTPEL_AUDIT_TEXT_MAX + 1];
        snprintf(text, sizeof text, "%s (adjudication) %s", ktpel_status_id(*to), reason);
        err = dc_audit_append(s, txn, KTPEL_AUDIT_DECISION, a->time, actor, nik, text, eb);
    }
    d.decision = *to;
    if (!err)
        err = dc_result_write(s, txn, &d, eb);
    return err;
}

ktpel_err ktpel_adjudicate_decide(ktpel_store *s, const char *nik, const ktpel_adjudication *a,
                                  ktpel_status *decided, ktpel_errbuf *eb)
{
    if (!s || !nik || !a)
        return ktpel_fail(eb, KTPEL_EINVAL, "ktpel_adjudicate_decide: NULL argument");
    ktpel_err err = ktpel_nik_check_digits(nik, "NIK", eb);
    if (!err && a->same_as)
        err = ktpel_nik_check_digits(a->same_as, "--same-as NIK", eb);
    if (!err && a->same_as && strcmp(a->same_as, nik) == 0)
        err = ktpel_fail(eb, KTPEL_EINVAL, "NIK %s cannot be the same person as itself", nik);
    const char *actor = a->actor ? a->actor : KTPEL_ADJUDICATE_DEFAULT_ACTOR;
    if (!err)
        err = ktpel_status_actor_validate(actor, eb);
    if (err)
        return err;
    MDB_txn *txn;
    if ((err = dc_txn_begin(s, true, &txn, eb)))
        return err;
    ktpel_status to;
    err = decide_in(s, txn, nik, a, actor, &to, eb);
    if (err) {
        mdb_txn_abort(txn);
        return err;
    }
    err = dc_txn_commit(txn, eb);
    if (!err && decided)
        *decided = to;
    return err;
}
