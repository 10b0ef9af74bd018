/* `ktpel dedup bench`: deduplication speed and accuracy on a synthetic gallery with planted
 * duplicates (protocol in include/ktpel/dedup.h). */
#include <errno.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "ktpel/dedup.h"
#include "ktpel/fp_match.h"
#include "ktpel/rng.h"
#include "ktpel/synth_finger.h"

#include "gallery.h"
#include "store_internal.h"

#define BUILD_BLOCK 512 /* gallery residents made and stored per transaction */

/* Bench residents get NIK-shaped numbers outside every real region (province 90). */
static void bench_nik(char out[KTPEL_NIK_LEN + 1], uint64_t k)
{
    char digits[24];
    snprintf(digits, sizeof digits, "%014llu", (unsigned long long)(k % 100000000000000ull));
    out[0] = '9';
    out[1] = '0';
    memcpy(out + 2, digits, 15);
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* The ten serialised compact templates of one impression of a person's fingers. */
typedef struct person_templates {
    uint8_t *block[DC_FINGERS + 1];
    size_t size[DC_FINGERS + 1];
} person_templates;

static void templates_free(person_templates *t)
{
    for (int p = 0; p <= DC_FINGERS; p++)
        free(t->block[p]);
    memset(t, 0, sizeof *t);
}

static ktpel_err make_templates(uint64_t seed, uint64_t person, uint64_t impression,
                                person_templates *out, ktpel_errbuf *eb)
{
    ktpel_synth_minutiae_master *m = malloc(sizeof *m);
    ktpel_minutia *minutiae = malloc(KTPEL_MAX_MINUTIAE * sizeof *minutiae);
    ktpel_err err = m && minutiae ? KTPEL_OK : ktpel_fail(eb, KTPEL_ENOMEM, "bench: out of memory");
    for (int p = 1; !err && p <= DC_FINGERS; p++) {
        int count, width, height, dpi;
        ktpel_fp_compact *c = NULL;
        err = ktpel_synth_minutiae_master_make(seed, person * DC_FINGERS + (uint64_t)p - 1, m, eb);
        if (!err)
            err = ktpel_synth_minutiae_impression(m, KTPEL_SYNTH_PROFILE_OPTICAL, impression,
                                                  minutiae, &count, &width, &height, &dpi, eb);
        if (!err)
            err = ktpel_fp_compact_build(minutiae, count, width, height, dpi, dpi, &c, eb);
        if (!err) {
            out->size[p] = ktpel_fp_compact_serialised_size(c);
            out->block[p] = malloc(out->size[p]);
            err = out->block[p] ? ktpel_fp_compact_serialise(c, out->block[p], out->size[p], eb)
                                : ktpel_fail(eb, KTPEL_ENOMEM, "bench: out of memory");
        }
        ktpel_fp_compact_free(c);
    }
    free(m);
    free(minutiae);
    return err;
}

static ktpel_err put_templates(ktpel_store *s, MDB_txn *txn, const char *nik,
                               const person_templates *t, ktpel_errbuf *eb)
{
    for (int p = 1; p <= DC_FINGERS; p++) {
        uint8_t key[KTPEL_NIK_LEN + 1];
        memcpy(key, nik, KTPEL_NIK_LEN);
        key[KTPEL_NIK_LEN] = (uint8_t)p;
        MDB_val k = {sizeof key, key}, v = {t->size[p], t->block[p]};
        int rc = mdb_put(txn, s->fp_compact, &k, &v, 0);
        if (rc)
            return dc_mdb_fail(eb, rc, "bench: write template");
    }
    return KTPEL_OK;
}

/* Makes templates for persons first..first+n-1 (impression given per person) in parallel. */
static ktpel_err make_block(uint64_t seed, const uint64_t *person, const uint64_t *impression,
                            size_t n, int threads, person_templates *t, ktpel_errbuf *eb)
{
    int failed = 0;
    ktpel_errbuf first = {0};
#pragma omp parallel for num_threads(threads) schedule(dynamic, 4) reduction(| : failed)
    for (size_t i = 0; i < n; i++) {
        ktpel_errbuf mine;
        if (make_templates(seed, person[i], impression[i], &t[i], &mine)) {
            failed = 1;
#pragma omp critical(bench_error)
            first = mine;
        }
    }
    if (failed)
        return ktpel_fail(eb, first.code, "%s", first.message);
    return KTPEL_OK;
}

static ktpel_err build_gallery(ktpel_store *s, const ktpel_dedup_bench_options *o, ktpel_errbuf *eb)
{
    person_templates *t = calloc(BUILD_BLOCK, sizeof *t);
    uint64_t *person = calloc(BUILD_BLOCK, sizeof *person);
    uint64_t *impression = calloc(BUILD_BLOCK, sizeof *impression);
    char(*niks)[KTPEL_NIK_LEN + 1] = calloc(BUILD_BLOCK, sizeof *niks);
    ktpel_err err = t && person && impression && niks
                        ? KTPEL_OK
                        : ktpel_fail(eb, KTPEL_ENOMEM, "bench: out of memory");
    for (size_t first = 0; !err && first < o->gallery; first += BUILD_BLOCK) {
        size_t n = o->gallery - first < BUILD_BLOCK ? o->gallery - first : BUILD_BLOCK;
        for (size_t i = 0; i < n; i++) {
            person[i] = first + i;
            impression[i] = 0;
            bench_nik(niks[i], first + i);
        }
        err = make_block(o->seed, person, impression, n, o->threads, t, eb);
        MDB_txn *txn = NULL;
        if (!err)
            err = dc_txn_begin(s, true, &txn, eb);
        for (size_t i = 0; !err && i < n; i++)
            err = put_templates(s, txn, niks[i], &t[i], eb);
        if (!err)
            err = dc_gallery_append(s, txn, niks, n, eb);
        if (txn)
            err = err ? (mdb_txn_abort(txn), err) : dc_txn_commit(txn, eb);
        for (size_t i = 0; i < n; i++)
            templates_free(&t[i]);
    }
    free(t);
    free(person);
    free(impression);
    free(niks);
    return err;
}

/* Probe k is person gallery + k, or, when planted[k] is a gallery id + 1, a fresh impression
 * of that gallery resident. */
static ktpel_err queue_probes(ktpel_store *s, const ktpel_dedup_bench_options *o,
                              const uint64_t *planted, ktpel_errbuf *eb)
{
    size_t m = o->probes;
    person_templates *t = calloc(m, sizeof *t);
    uint64_t *person = calloc(m, sizeof *person), *impression = calloc(m, sizeof *impression);
    ktpel_err err =
        t && person && impression ? KTPEL_OK : ktpel_fail(eb, KTPEL_ENOMEM, "bench: out of memory");
    for (size_t k = 0; !err && k < m; k++) {
        person[k] = planted[k] ? planted[k] - 1 : o->gallery + k;
        impression[k] = planted[k] ? 1 : 0;
    }
    if (!err)
        err = make_block(o->seed, person, impression, m, o->threads, t, eb);
    MDB_txn *txn = NULL;
    if (!err)
        err = dc_txn_begin(s, true, &txn, eb);
    for (size_t k = 0; !err && k < m; k++) {
        char nik[KTPEL_NIK_LEN + 1];
        bench_nik(nik, o->gallery + k);
        uint8_t qkey[8];
        dc_put_be64(qkey, k);
        MDB_val qk = {8, qkey}, qv = {KTPEL_NIK_LEN, nik};
        err = put_templates(s, txn, nik, &t[k], eb);
        if (!err)
            err = dc_status_change(s, txn, nik, KTPEL_STATUS_ENROLLED, 0, "bench", NULL, eb);
        if (!err)
            err = dc_status_change(s, txn, nik, KTPEL_STATUS_QUEUED, 0, "bench", NULL, eb);
        int rc = err ? 0 : mdb_put(txn, s->queue, &qk, &qv, 0);
        if (rc)
            err = dc_mdb_fail(eb, rc, "bench: queue");
    }
    if (!err)
        err = dc_meta_put_u64(s, txn, "queue_next", m, eb);
    if (txn)
        err = err ? (mdb_txn_abort(txn), err) : dc_txn_commit(txn, eb);
    for (size_t k = 0; t && k < m; k++)
        templates_free(&t[k]);
    free(t);
    free(person);
    free(impression);
    return err;
}

/* Distinct gallery residents for the planted duplicates, at random probe places. */
static ktpel_err plant(const ktpel_dedup_bench_options *o, uint64_t **out, size_t *count,
                       ktpel_errbuf *eb)
{
    size_t want = (size_t)llround(o->duplicates * (double)o->probes);
    if (want > o->gallery)
        want = o->gallery;
    uint64_t *planted = calloc(o->probes ? o->probes : 1, sizeof *planted);
    if (!planted)
        return ktpel_fail(eb, KTPEL_ENOMEM, "bench: out of memory");
    ktpel_rng rng;
    ktpel_rng_seed(&rng, o->seed ^ 0x504c414e54ull); /* "PLANT" */
    for (size_t d = 0; d < want;) {
        size_t place = (size_t)ktpel_rng_below(&rng, o->probes);
        uint64_t who = ktpel_rng_below(&rng, o->gallery) + 1;
        bool used = planted[place] != 0;
        for (size_t k = 0; k < o->probes && !used; k++)
            used = planted[k] == who;
        if (!used) {
            planted[place] = who;
            d++;
        }
    }
    *out = planted;
    *count = want;
    return KTPEL_OK;
}

typedef struct outcome {
    const ktpel_dedup_bench_options *o;
    const uint64_t *planted;
    ktpel_dedup_bench_result *r;
} outcome;

static void score_decision(void *ctx, const ktpel_dedup_decision *d)
{
    outcome *c = ctx;
    uint64_t k = strtoull(d->nik + 2, NULL, 10) - c->o->gallery;
    if (k >= c->o->probes)
        return;
    if (!c->planted[k]) {
        c->r->flagged += d->decision != KTPEL_STATUS_UNIQUE;
        return;
    }
    char want[KTPEL_NIK_LEN + 1];
    bench_nik(want, c->planted[k] - 1);
    bool hit = false;
    for (int i = 0; i < d->candidate_count; i++)
        hit |= strcmp(d->candidates[i].nik, want) == 0;
    c->r->found += hit && d->decision != KTPEL_STATUS_UNIQUE;
}

static ktpel_err open_in(const char *dir, const char *name, ktpel_store **s, ktpel_errbuf *eb)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return ktpel_store_open(path, NULL, s, eb);
}

/* The same queue decided with one thread, from a copy of the store made before the run. */
static ktpel_err one_thread_run(const ktpel_dedup_bench_options *o, ktpel_dedup_bench_result *r,
                                ktpel_errbuf *eb)
{
    ktpel_store *s;
    ktpel_err err = open_in(o->dir, "copy", &s, eb);
    if (err)
        return err;
    ktpel_dedup_options d = {.threads = 1, .batch = o->batch, .actor = "bench"};
    ktpel_dedup_stats st;
    double t0 = now_seconds();
    err = ktpel_dedup_run(s, &d, NULL, NULL, &st, eb);
    r->seconds_one_thread = now_seconds() - t0;
    r->speedup = r->seconds > 0 ? r->seconds_one_thread / r->seconds : 0;
    ktpel_store_close(s);
    return err;
}

static ktpel_err copy_store(ktpel_store *s, const char *dir, ktpel_errbuf *eb)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/copy", dir);
    if (mkdir(path, 0770) != 0)
        return ktpel_fail(eb, KTPEL_EIO, "bench: cannot create %s (the folder must be new)", path);
    int rc = mdb_env_copy(s->env, path);
    return rc ? dc_mdb_fail(eb, rc, "bench: copy store") : KTPEL_OK;
}

static ktpel_err measure(ktpel_store *s, const ktpel_dedup_bench_options *o,
                         const uint64_t *planted, ktpel_dedup_bench_result *r, ktpel_errbuf *eb)
{
    outcome c = {o, planted, r};
    ktpel_dedup_options d = {.threads = o->threads, .batch = o->batch, .actor = "bench"};
    ktpel_dedup_stats st;
    double t0 = now_seconds();
    ktpel_err err = ktpel_dedup_run(s, &d, score_decision, &c, &st, eb);
    r->seconds = now_seconds() - t0;
    r->search_seconds = st.seconds;
    r->comparisons = st.comparisons;
    r->pairs = st.pairs;
    r->full_pairs = st.full_pairs;
    r->comparisons_per_second = st.seconds > 0 ? (double)st.comparisons / st.seconds : 0;
    r->full_share = st.pairs ? (double)st.full_pairs / (double)st.pairs : 0;
    r->others = o->probes - r->planted;
    r->fnir = r->planted ? 1.0 - (double)r->found / (double)r->planted : 0;
    r->fpir = r->others ? (double)r->flagged / (double)r->others : 0;
    ktpel_store_counts counts;
    if (!err)
        err = ktpel_store_counts_get(s, &counts, eb);
    if (!err && counts.gallery)
        r->bytes_per_finger = (double)counts.gallery_size / ((double)counts.gallery * DC_FINGERS);
    return err;
}

ktpel_err ktpel_dedup_bench(const ktpel_dedup_bench_options *opt, ktpel_dedup_bench_result *out,
                            ktpel_errbuf *eb)
{
    if (!opt || !out || !opt->dir)
        return ktpel_fail(eb, KTPEL_EINVAL, "ktpel_dedup_bench: NULL argument");
    if (opt->gallery < 1 || opt->gallery > 10000000 || opt->probes < 1 || opt->probes > 1000000)
        return ktpel_fail(eb, KTPEL_EINVAL, "bench: gallery 1..10^7 and probes 1..10^6");
    ktpel_dedup_bench_options o = *opt;
    o.duplicates = o.duplicates > 0 ? o.duplicates : 0.01;
    memset(out, 0, sizeof *out);
    out->gallery = o.gallery;
    out->probes = o.probes;
    o.threads = o.threads > 0 ? o.threads : omp_get_max_threads();
    out->threads = o.threads;
    if (mkdir(o.dir, 0770) != 0 && errno != EEXIST)
        return ktpel_fail(eb, KTPEL_EIO, "bench: cannot create %s", o.dir);
    ktpel_store *s = NULL;
    uint64_t *planted = NULL;
    ktpel_err err = open_in(o.dir, "store", &s, eb);
    double t0 = now_seconds();
    if (!err)
        err = build_gallery(s, &o, eb);
    out->build_seconds = now_seconds() - t0;
    if (!err)
        err = plant(&o, &planted, &out->planted, eb);
    if (!err)
        err = queue_probes(s, &o, planted, eb);
    if (!err && o.compare_threads)
        err = copy_store(s, o.dir, eb);
    if (!err)
        err = measure(s, &o, planted, out, eb);
    ktpel_store_close(s);
    if (!err && o.compare_threads)
        err = one_thread_run(&o, out, eb);
    free(planted);
    return err;
}
