/* Adjudication: an officer decides the residents that deduplication could not decide alone
 * (status adjudicate: a candidate scored between the two thresholds of include/ktpel/dedup.h).
 *
 * The officer looks at the resident and its candidates (`ktpel report dedup`) and decides:
 * the same person as one of the candidates (status adjudicate -> duplicate), or a person
 * different from all of them (adjudicate -> unique, ready for personalisation). One write
 * transaction holds the status change (with its audit entry), a decision audit entry naming
 * the officer, the candidate and the reason, and the stored dedup result, whose decision
 * becomes the officer's (its candidates stay as the search found them).
 */
#ifndef KTPEL_ADJUDICATE_H
#define KTPEL_ADJUDICATE_H

#include <stdint.h>

#include "ktpel/dedup.h"
#include "ktpel/error.h"
#include "ktpel/status.h"
#include "ktpel/store.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The actor recorded when the caller names none. */
#define KTPEL_ADJUDICATE_DEFAULT_ACTOR "adjudicator"

/* Calls fn, in NIK order, for every resident awaiting adjudication (its stored decision is
 * adjudicate), with its candidates and scores. fn is called after the read transaction has
 * ended, so it may use the store. */
ktpel_err ktpel_adjudicate_cases(ktpel_store *s, ktpel_dedup_decision_fn fn, void *ctx,
                                 ktpel_errbuf *eb);

typedef struct ktpel_adjudication {
    const char *same_as; /* the candidate's NIK that is the same person; NULL: different from
                            every candidate */
    const char *actor;   /* the officer (status.h rules); NULL = KTPEL_ADJUDICATE_DEFAULT_ACTOR */
    const char *reason;  /* the officer's words (UTF-8, no control characters); may be NULL */
    int64_t time;        /* unix seconds of the entries */
} ktpel_adjudication;

/* Records the officer's decision on resident nik; *decided (may be NULL) gets the new status
 * (duplicate or unique). Refused, with nothing written: KTPEL_ENOTFOUND for an unknown NIK;
 * KTPEL_ETRANSITION when nik is not awaiting adjudication (the message names its status);
 * KTPEL_EINVAL when same_as is not among its candidates (the message lists them);
 * KTPEL_EFIELD for a bad actor or reason (too long with the recorded prefix, control
 * characters). */
ktpel_err ktpel_adjudicate_decide(ktpel_store *s, const char *nik, const ktpel_adjudication *a,
                                  ktpel_status *decided, ktpel_errbuf *eb);

#ifdef __cplusplus
}
#endif

#endif
