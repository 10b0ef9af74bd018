/* 1:N deduplication ("pemadanan ketunggalan"): every queued resident is searched against the
 * gallery (every resident decided before) and against the residents before it in its batch.
 *
 * Score of two residents: per finger position present in both, ktpel_fp_compare of their
 * capture-1 templates; each finger score s becomes evidence x = max(0, -log10 FMR(s) - 1)
 * with FMR from the engine's calibration (ktpel_fp_fmr_for_threshold): 0 for the 90 % of
 * impostor scores below the FMR 10 % point, and for a calibrated impostor score
 * P(x > t) = 0.1 * 10^-t above it. The resident score is -log10 of the probability that m
 * independent impostor fingers give evidence X = sum x_i or more (a binomial mixture of
 * Gamma(k, ln 10) tails, ktpel_dedup_fuse): the chance that an unrelated person matches
 * this well, in decades. It grows with the number of fingers that agree and with how well
 * each agrees.
 *
 * Thresholds from target rates: a search against a gallery of N residents makes N
 * comparisons, so a resident-level threshold t keeps the false positive identification rate
 * at about N * 10^-t; t(FPIR, N) = -log10(FPIR / N) (ktpel_dedup_threshold). ADJUDICATE
 * at or above t(fpir_adjudicate, N), DUPLICATE at or above t(fpir_duplicate, N) (a 100x
 * smaller FPIR by default: no person looks at it), UNIQUE below. The false negative rate is
 * not a parameter: it is what the genuine score distribution gives at these thresholds and
 * is measured on populations with planted duplicates (tests, bench).
 *
 * Irises (docs/dedup.md): where both residents have a code of an eye, the eye's hd_norm
 * becomes evidence on the same scale (ktpel_dedup_iris_evidence, from the iris engine's
 * impostor model) and is fused as one more finger. Where the irises were compared, a
 * candidate none of whose eyes confirms the match (KTPEL_DEDUP_IRIS_*) is marked
 * iris_unconfirmed and cannot make a DUPLICATE: an automatic decision that takes an identity
 * away needs both modalities when both exist; a person adjudicates. A resident without
 * fingers is deduplicated by its irises alone.
 *
 * Cost: a first stage compares only the two index fingers (positions 2 and 7: the best
 * captured, and the ones on the chip); a gallery resident whose evidence there stays below
 * 1 (about 2 % of impostors) cannot reach any threshold and gets no further comparison; the
 * others get all ten.
 *
 * Resumable: a batch is decided from a read snapshot and committed in one write transaction
 * (results, statuses, audit entries, gallery, queue); killed at any moment, a new run
 * redoes at most the batch in progress and ends with the same decisions.
 */
#ifndef KTPEL_DEDUP_H
#define KTPEL_DEDUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ktpel/error.h"
#include "ktpel/nik.h"
#include "ktpel/status.h"
#include "ktpel/store.h"

#ifdef __cplusplus
extern "C" {
#endif

#define KTPEL_DEDUP_MAX_CANDIDATES 10
/* Finger scores (and iris evidence) that ktpel_dedup_fuse takes into account at most. */
#define KTPEL_MAX_FINGERS_FUSED 16
/* Iris confirmation: an eye counts when its comparison covers at least this many bits; it
 * confirms a candidate when its hd_norm is within the iris engine's threshold for this false
 * match rate (ktpel_iris_threshold_for_fmr: 0.3248; genuine CASIA-IrisV1 eyes miss it 1.4 %
 * of the time, docs/iris.md). Where at least one eye counts and none confirms, the candidate
 * is not a DUPLICATE. */
#define KTPEL_DEDUP_IRIS_MIN_BITS    400
#define KTPEL_DEDUP_IRIS_CONFIRM_FMR 1e-4
#define KTPEL_DEDUP_DEFAULT_BATCH    64
/* Default target rates (fractions of searches of residents not enrolled before). */
#define KTPEL_DEDUP_FPIR_ADJUDICATE 1e-3
#define KTPEL_DEDUP_FPIR_DUPLICATE  1e-5

typedef struct ktpel_dedup_candidate {
    char nik[KTPEL_NIK_LEN + 1];
    double score;
    /* The irises were compared and no eye confirms the match (docs/dedup.md): this candidate
     * alone cannot make a DUPLICATE. */
    bool iris_unconfirmed;
} ktpel_dedup_candidate;

typedef struct ktpel_dedup_decision {
    char nik[KTPEL_NIK_LEN + 1];
    ktpel_status decision; /* UNIQUE, DUPLICATE or ADJUDICATE */
    uint64_t batch;        /* the batch (from 1) that decided it */
    int candidate_count;   /* those at or above the adjudication threshold, best first */
    ktpel_dedup_candidate candidates[KTPEL_DEDUP_MAX_CANDIDATES];
} ktpel_dedup_decision;

typedef void (*ktpel_dedup_decision_fn)(void *ctx, const ktpel_dedup_decision *d);
typedef void (*ktpel_dedup_progress_fn)(void *ctx, size_t done, size_t total);

typedef struct ktpel_dedup_options {
    int threads;        /* OpenMP threads; 0 = OpenMP's default */
    size_t batch;       /* residents per batch; 0 = KTPEL_DEDUP_DEFAULT_BATCH */
    size_t max_batches; /* stop after this many batches; 0 = until the queue is empty */
    double fpir_adjudicate, fpir_duplicate; /* 0 = the defaults above */
    int64_t time;                           /* unix seconds of the status and audit entries */
    const char *actor;                      /* NULL = "dedup" */
    ktpel_dedup_progress_fn progress;       /* after each batch; may be NULL */
    void *progress_ctx;
} ktpel_dedup_options;

typedef struct ktpel_dedup_stats {
    size_t decided, unique, duplicate, adjudicate, batches;
    uint64_t comparisons;      /* finger comparisons made */
    uint64_t pairs;            /* resident pairs searched (gallery and batch) */
    uint64_t full_pairs;       /* of them, pairs that passed the first stage */
    uint64_t iris_comparisons; /* eye comparisons made (each over the shifts) */
    double seconds;            /* searching time (not committing) */
    uint64_t chunk_copies;     /* gallery chunks that had to be copied to be aligned (0 when the
                                  memory map is read in place, as expected on LMDB 0.9) */
} ktpel_dedup_stats;

/* Decides queued residents batch by batch; fn (may be NULL) is called for each decision
 * once its batch is committed. Only one run at a time per store (a lock file in the store
 * folder; KTPEL_EINVAL "already running" otherwise). stats may be NULL. */
ktpel_err ktpel_dedup_run(ktpel_store *s, const ktpel_dedup_options *opt,
                          ktpel_dedup_decision_fn fn, void *ctx, ktpel_dedup_stats *stats,
                          ktpel_errbuf *eb);

/* Every decision stored so far, in NIK order. */
ktpel_err ktpel_dedup_decisions(ktpel_store *s, ktpel_dedup_decision_fn fn, void *ctx,
                                ktpel_errbuf *eb);

/* The stored decision of one resident, with its candidates (datacenter/dedup_results.c);
 * KTPEL_ENOTFOUND if it has none yet. After adjudication the decision is the officer's
 * (unique or duplicate), the candidates those the search found. */
ktpel_err ktpel_dedup_result_get(ktpel_store *s, const char *nik, ktpel_dedup_decision *out,
                                 ktpel_errbuf *eb);

/* The resident score of count finger scores (see above); 0 for count 0. */
double ktpel_dedup_fuse(const float *finger_scores, int count);
/* Evidence of one finger score, max(0, -log10 FMR - 1) with the fingerprint engine's FMR. */
double ktpel_dedup_finger_evidence(float score);
/* Evidence of one eye's comparison, max(0, -log10 FMR - 1) with the iris engine's impostor
 * model (ktpel_iris_fmr_for_threshold): the same scale as a finger's. */
double ktpel_dedup_iris_evidence(double hd_norm);
/* The resident score of count evidence values (fingers and eyes alike; ktpel_dedup_fuse is
 * this over the fingers' evidence). */
double ktpel_dedup_fuse_evidence(const double *evidence, int count);
/* The resident score threshold for a target FPIR against a gallery of n residents. */
double ktpel_dedup_threshold(double fpir, size_t n);

/* ---- benchmark (`ktpel dedup bench`) -------------------------------------------------------
 *
 * Protocol: a new store in `dir` gets a gallery of `gallery` synthetic residents (ten
 * fingers each, template-level synthesis of include/ktpel/synth_finger.h: master minutiae
 * sets of (seed, resident * 10 + position - 1), impression 0, optical profile), appended
 * as dedup would. Then `probes` new enrolments are queued: round(duplicates x probes) of them
 * are planted duplicates, fresh impressions (impression 1) of the ten fingers of distinct
 * gallery residents drawn at random; the others are new persons. ktpel_dedup_run decides
 * them with `threads` threads; with `compare_threads`, the same queue is decided again from a
 * copy of the store with one thread, for the speed-up. FNIR = planted duplicates not flagged
 * (UNIQUE, or without the right gallery resident among the candidates) / planted; FPIR =
 * other probes flagged (DUPLICATE or ADJUDICATE) / others. */
typedef struct ktpel_dedup_bench_options {
    size_t gallery, probes;
    double duplicates; /* share of probes that are planted duplicates; 0 = 0.01 */
    uint64_t seed;
    int threads;  /* 0 = OpenMP's default */
    size_t batch; /* 0 = KTPEL_DEDUP_DEFAULT_BATCH */
    bool compare_threads;
    const char *dir; /* a new or empty folder for the stores */
} ktpel_dedup_bench_options;

typedef struct ktpel_dedup_bench_result {
    size_t gallery, probes, planted, found, others, flagged;
    double fnir, fpir;
    double build_seconds;      /* making and storing the gallery */
    double seconds;            /* the dedup run (search and commits) */
    double search_seconds;     /* of which searching */
    double seconds_one_thread; /* the same with one thread (0 if not measured) */
    double speedup;            /* seconds_one_thread / seconds */
    uint64_t comparisons, pairs, full_pairs;
    double comparisons_per_second; /* finger comparisons / search seconds */
    double full_share;             /* full_pairs / pairs */
    double bytes_per_finger;       /* gallery chunk bytes / gallery fingers */
    int threads;
} ktpel_dedup_bench_result;

ktpel_err ktpel_dedup_bench(const ktpel_dedup_bench_options *opt, ktpel_dedup_bench_result *out,
                            ktpel_errbuf *eb);

#ifdef __cplusplus
}
#endif

#endif
