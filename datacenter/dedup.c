/* The deduplication batch job: search a batch of queued residents against the gallery
 * chunks (OpenMP over chunks, compared in place in the memory map) and against each other,
 * decide, and commit the batch in one write transaction. Model: include/ktpel/dedup.h. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "ktpel/audit.h"
#include "ktpel/dedup.h"
#include "ktpel/fp_match.h"

#include "dedup_internal.h"
#include "dedup_results.h"
#include "gallery.h"
#include "store_internal.h"

/* First-stage positions (right and left index) and the evidence needed to go on. */
static const int stage1_positions[2] = {2, 7};
#define STAGE1_MIN_EVIDENCE 1.0

/* The gallery as seen by one read transaction: chunk views per position. */
typedef struct gallery_view {
    uint32_t residents, chunks;
    dc_chunk *chunk[DC_FINGERS + 1]; /* [position][chunk]; count 0 = no chunk */
    void **copies;                   /* aligned copies of misaligned chunks */
    size_t copy_count;
    const ktpel_iris_code **iris[DC_EYES]; /* [eye][gallery id], NULL: no code */
    ktpel_iris_code *iris_codes;           /* the parsed codes (64-byte aligned) */
} gallery_view;

/* ---- candidates ---------------------------------------------------------------------------- */

/* Better first: higher score, then lower NIK (a total order, so merging is deterministic). */
static int better(const ktpel_dedup_candidate *a, const ktpel_dedup_candidate *b)
{
    if (a->score != b->score)
        return a->score > b->score;
    return strcmp(a->nik, b->nik) < 0;
}

void dc_candidates_add(dc_candidate_list *l, const char *nik, double score, bool iris_unconfirmed)
{
    ktpel_dedup_candidate c;
    memset(&c, 0, sizeof c);
    memcpy(c.nik, nik, KTPEL_NIK_LEN);
    c.nik[KTPEL_NIK_LEN] = '\0';
    c.score = score;
    c.iris_unconfirmed = iris_unconfirmed;
    if (l->n == KTPEL_DEDUP_MAX_CANDIDATES && !better(&c, &l->c[l->n - 1]))
        return;
    int i = l->n < KTPEL_DEDUP_MAX_CANDIDATES ? l->n++ : l->n - 1;
    while (i > 0 && better(&c, &l->c[i - 1])) {
        l->c[i] = l->c[i - 1];
        i--;
    }
    l->c[i] = c;
}

/* ---- scoring one pair ---------------------------------------------------------------------- */

/* min_lss > 0: the first stage's early exit (ktpel_fp_compare_gated). */
static float compare_one(const dc_probe *p, int position, const void *g, bool serialised,
                         float min_lss, ktpel_fp_workspace *ws)
{
    if (serialised)
        return ktpel_fp_compare_serialised_gated(p->finger[position], g, min_lss, ws);
    return ktpel_fp_compare_gated(p->finger[position], g, min_lss, ws);
}

/* Evidence of the eyes that both residents have (0..2 values into x; eye order right, left)
 * and whether the irises leave the pair unconfirmed: at least one eye compared over enough
 * bits, and no eye within the confirmation threshold (docs/dedup.md). */
static int iris_evidence(const dc_dedup_batch *b, const dc_probe *p,
                         const ktpel_iris_code *const *other, double *x, bool *unconfirmed,
                         dc_search_counts *n)
{
    int m = 0, compared = 0, confirmed = 0;
    for (int e = 0; e < DC_EYES; e++) {
        if (!p->iris_probe[e] || !other[e])
            continue;
        ktpel_iris_score sc = ktpel_iris_probe_compare(p->iris_probe[e], other[e]);
        double hd = sc.hd_norm < 0 ? 0 : sc.hd_norm;
        x[m++] = hd >= 0.5 ? 0 : b->iris_evidence[(int)(hd * DC_IRIS_STEPS)];
        compared += sc.bits_compared >= KTPEL_DEDUP_IRIS_MIN_BITS;
        confirmed +=
            sc.bits_compared >= KTPEL_DEDUP_IRIS_MIN_BITS && sc.hd_norm <= b->iris_confirm_hd;
    }
    n->iris += (uint64_t)m;
    *unconfirmed = compared > 0 && confirmed == 0;
    return m;
}

/* The resident score of the finger scores and the eyes' evidence. */
static double fuse(const float *scores, int m, const double *eyes, int k)
{
    double x[DC_FINGERS + DC_EYES];
    for (int i = 0; i < m; i++)
        x[i] = ktpel_dedup_finger_evidence(scores[i]);
    for (int i = 0; i < k; i++)
        x[m + i] = eyes[i];
    return ktpel_dedup_fuse_evidence(x, m + k);
}

/* Resident score of probe p against another resident whose templates of each position are
 * other[pos] (serialised blocks in the map, or compact templates of the batch) and whose iris
 * codes are other_iris[eye]. The first stage (index fingers, and the eyes: cheap) may end it
 * early: such a pair scores below every threshold. */
static double score_pair(const dc_dedup_batch *b, const dc_probe *p, const void *const *other,
                         const ktpel_iris_code *const *other_iris, bool serialised,
                         ktpel_fp_workspace *ws, dc_search_counts *n, bool *iris_unconfirmed)
{
    double eyes[DC_EYES], xe = 0;
    int ne = iris_evidence(b, p, other_iris, eyes, iris_unconfirmed, n);
    for (int i = 0; i < ne; i++)
        xe += eyes[i];
    float scores[DC_FINGERS];
    int m = 0;
    bool done[DC_FINGERS + 1] = {0};
    int stage1_pos[2];
    double x1 = 0;
    int stage1 = 0;
    for (int k = 0; k < 2; k++) {
        int pos = stage1_positions[k];
        done[pos] = true;
        if (!p->finger[pos] || !other[pos])
            continue;
        scores[m] = compare_one(p, pos, other[pos], serialised, KTPEL_FP_LSS_GATE, ws);
        x1 += fmax(0.0, -log10(ktpel_fp_fmr_for_threshold(scores[m])) - 1.0);
        stage1_pos[m] = pos;
        m++;
        stage1++;
    }
    n->comparisons += (uint64_t)stage1;
    n->pairs++;
    if (stage1 > 0 && x1 + xe < STAGE1_MIN_EVIDENCE)
        return fuse(scores, m, eyes, ne);
    n->full_pairs++;
    /* A first-stage finger that exited early scored 0; the fusion needs its real score. */
    for (int k = 0; k < stage1; k++)
        if (scores[k] == 0.0f) {
            scores[k] = compare_one(p, stage1_pos[k], other[stage1_pos[k]], serialised, 0, ws);
            n->comparisons++;
        }
    for (int pos = 1; pos <= DC_FINGERS; pos++) {
        if (done[pos] || !p->finger[pos] || !other[pos])
            continue;
        scores[m++] = compare_one(p, pos, other[pos], serialised, 0, ws);
        n->comparisons++;
    }
    return fuse(scores, m, eyes, ne);
}

/* ---- the gallery view ------------------------------------------------------------------------ */

static void view_free(gallery_view *v)
{
    for (int p = 0; p <= DC_FINGERS; p++)
        free(v->chunk[p]);
    for (size_t i = 0; i < v->copy_count; i++)
        free(v->copies[i]);
    free(v->copies);
    for (int e = 0; e < DC_EYES; e++)
        free(v->iris[e]);
    free(v->iris_codes);
    memset(v, 0, sizeof *v);
}

/* The iris code of one NIK and eye (0 right, 1 left) as stored; rc MDB_NOTFOUND if none. */
static int iris_get(ktpel_store *s, MDB_txn *txn, const void *nik, int e, MDB_val *v)
{
    uint8_t key[KTPEL_NIK_LEN + 1];
    memcpy(key, nik, KTPEL_NIK_LEN);
    key[KTPEL_NIK_LEN] = (uint8_t)DC_EYE_LABEL(e);
    MDB_val k = {sizeof key, key};
    return mdb_get(txn, s->iris, &k, v);
}

/* The gallery's iris codes by gallery id: parsed once per batch (a store without irises
 * costs one mdb_stat). */
static ktpel_err view_open_iris(ktpel_store *s, MDB_txn *txn, gallery_view *v, ktpel_errbuf *eb)
{
    MDB_stat st;
    int rc = mdb_stat(txn, s->iris, &st);
    if (rc)
        return dc_mdb_fail(eb, rc, "stat iris");
    if (st.ms_entries == 0 || v->residents == 0)
        return KTPEL_OK;
    for (int e = 0; e < DC_EYES; e++)
        if (!(v->iris[e] = calloc(v->residents, sizeof *v->iris[e])))
            return ktpel_fail(eb, KTPEL_ENOMEM, "dedup: out of memory");
    v->iris_codes = aligned_alloc(64, st.ms_entries * sizeof *v->iris_codes);
    if (!v->iris_codes)
        return ktpel_fail(eb, KTPEL_ENOMEM, "dedup: out of memory for iris codes");
    MDB_cursor *cur;
    if ((rc = mdb_cursor_open(txn, s->gallery_members, &cur)))
        return dc_mdb_fail(eb, rc, "gallery members cursor");
    size_t used = 0;
    ktpel_err err = KTPEL_OK;
    MDB_val k, m;
    for (rc = mdb_cursor_get(cur, &k, &m, MDB_FIRST); !err && rc == 0;
         rc = mdb_cursor_get(cur, &k, &m, MDB_NEXT)) {
        uint32_t gid = k.mv_size == 4 ? dc_get_be32(k.mv_data) : UINT32_MAX;
        if (gid >= v->residents || m.mv_size != KTPEL_NIK_LEN) {
            err = ktpel_fail(eb, KTPEL_EFORMAT, "gallery member malformed");
            break;
        }
        for (int e = 0; !err && e < DC_EYES && used < st.ms_entries; e++) {
            MDB_val code;
            int crc = iris_get(s, txn, m.mv_data, e, &code);
            if (crc == MDB_NOTFOUND)
                continue;
            err = crc ? dc_mdb_fail(eb, crc, "read iris code")
                      : ktpel_iris_code_parse(code.mv_data, code.mv_size, &v->iris_codes[used], eb);
            if (err)
                ktpel_fail_context(eb, "NIK %.16s eye %d: ", (const char *)m.mv_data, e + 1);
            else
                v->iris[e][gid] = &v->iris_codes[used++];
        }
    }
    mdb_cursor_close(cur);
    return err;
}

/* A chunk whose templates are not 64-byte aligned where LMDB put it is copied once. */
static ktpel_err align_chunk(gallery_view *v, MDB_val *val, ktpel_errbuf *eb)
{
    if (((uintptr_t)val->mv_data + DC_CHUNK_PHASE) % 64 == 0)
        return KTPEL_OK;
    const size_t shift = (64 - DC_CHUNK_PHASE) % 64;
    uint8_t *copy = aligned_alloc(64, (val->mv_size + shift + 63) & ~(size_t)63);
    void **list = realloc(v->copies, (v->copy_count + 1) * sizeof *list);
    if (!copy || !list) {
        free(copy);
        if (list)
            v->copies = list;
        return ktpel_fail(eb, KTPEL_ENOMEM, "dedup: out of memory for a chunk copy");
    }
    v->copies = list;
    v->copies[v->copy_count++] = copy;
    memcpy(copy + shift, val->mv_data, val->mv_size);
    val->mv_data = copy + shift;
    return KTPEL_OK;
}

static ktpel_err view_open(ktpel_store *s, MDB_txn *txn, gallery_view *v, ktpel_errbuf *eb)
{
    memset(v, 0, sizeof *v);
    uint64_t count;
    ktpel_err err = dc_meta_get_u64(s, txn, "gallery_count", &count, eb);
    if (err)
        return err;
    v->residents = (uint32_t)count;
    v->chunks = (uint32_t)((count + DC_CHUNK_RESIDENTS - 1) / DC_CHUNK_RESIDENTS);
    for (int p = 1; !err && p <= DC_FINGERS; p++) {
        v->chunk[p] = calloc(v->chunks ? v->chunks : 1, sizeof(dc_chunk));
        if (!v->chunk[p])
            err = ktpel_fail(eb, KTPEL_ENOMEM, "dedup: out of memory");
        for (uint32_t c = 0; !err && c < v->chunks; c++) {
            uint8_t key[5] = {(uint8_t)p};
            dc_put_be32(key + 1, c);
            MDB_val k = {5, key}, val;
            int rc = mdb_get(txn, s->gallery_chunks, &k, &val);
            if (rc == MDB_NOTFOUND)
                continue; /* nobody in this chunk has that finger */
            if (rc)
                err = dc_mdb_fail(eb, rc, "read gallery chunk");
            if (!err)
                err = align_chunk(v, &val, eb);
            if (!err)
                err = dc_chunk_parse(val.mv_data, val.mv_size, &v->chunk[p][c], eb);
        }
    }
    if (!err)
        err = view_open_iris(s, txn, v, eb);
    if (err)
        view_free(v);
    return err;
}

/* ---- searching --------------------------------------------------------------------------- */

/* NIK of gallery id gid (read after the search, only for candidates). */
static ktpel_err gallery_nik(ktpel_store *s, MDB_txn *txn, uint32_t gid, char *nik,
                             ktpel_errbuf *eb)
{
    uint8_t key[4];
    dc_put_be32(key, gid);
    MDB_val k = {4, key}, v;
    int rc = mdb_get(txn, s->gallery_members, &k, &v);
    if (rc || v.mv_size != KTPEL_NIK_LEN)
        return rc ? dc_mdb_fail(eb, rc, "read gallery member")
                  : ktpel_fail(eb, KTPEL_EFORMAT, "gallery member %u malformed", gid);
    memcpy(nik, v.mv_data, KTPEL_NIK_LEN);
    nik[KTPEL_NIK_LEN] = '\0';
    return KTPEL_OK;
}

/* Hits of a batch's gallery search: probe, gallery id, score (at or above the probe's
 * adjudication threshold). */
typedef struct hit {
    uint32_t probe, gid;
    double score;
    bool iris_unconfirmed;
} hit;

typedef struct hit_list {
    hit *h;
    size_t n, cap;
} hit_list;

static int hit_push(hit_list *l, hit h)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        hit *p = realloc(l->h, cap * sizeof *p);
        if (!p)
            return -1;
        l->h = p;
        l->cap = cap;
    }
    l->h[l->n++] = h;
    return 0;
}

/* Compares every probe of the batch with the residents of gallery chunk c. */
static void search_chunk(const dc_dedup_batch *b, const gallery_view *v, uint32_t c,
                         const double *t_adj, ktpel_fp_workspace *w, hit_list *mine,
                         dc_search_counts *n, int *failed)
{
    uint32_t count = 0, first = c * DC_CHUNK_RESIDENTS;
    for (int pos = 1; pos <= DC_FINGERS; pos++)
        if (v->chunk[pos][c].count > count)
            count = v->chunk[pos][c].count;
    for (uint32_t i = 0; i < count; i++) {
        const void *other[DC_FINGERS + 1] = {0};
        for (int pos = 1; pos <= DC_FINGERS; pos++)
            if (i < v->chunk[pos][c].count)
                other[pos] = dc_chunk_template(&v->chunk[pos][c], i);
        const ktpel_iris_code *eyes[DC_EYES] = {0};
        for (int e = 0; e < DC_EYES; e++)
            eyes[e] = v->iris[e] ? v->iris[e][first + i] : NULL;
        for (size_t j = 0; j < b->count; j++) {
            bool differs;
            double score = score_pair(b, &b->probes[j], other, eyes, true, w, n, &differs);
            if (score >= t_adj[j] && hit_push(mine, (hit){(uint32_t)j, first + i, score, differs}))
                *failed = 1;
        }
    }
}

/* The whole batch against every gallery chunk: one parallel loop over the chunks, each
 * thread with its own workspace and hit list (no locks in the loop); lists gathered at the
 * end. */
static ktpel_err search_gallery(dc_dedup_batch *b, const gallery_view *v, const double *t_adj,
                                hit_list *hits, ktpel_errbuf *eb)
{
    int failed = 0;
    uint64_t comparisons = 0, pairs = 0, full = 0, iris = 0;
#pragma omp parallel num_threads(b->threads) reduction(+ : comparisons, pairs, full, iris) reduction(| : failed)
    {
        hit_list mine = {0};
        dc_search_counts n = {0};
        ktpel_fp_workspace *w = b->ws[omp_get_thread_num()];
#pragma omp for schedule(dynamic, 1) nowait
        for (uint32_t c = 0; c < v->chunks; c++)
            search_chunk(b, v, c, t_adj, w, &mine, &n, &failed);
        comparisons += n.comparisons;
        pairs += n.pairs;
        full += n.full_pairs;
        iris += n.iris;
#pragma omp critical(dedup_hits)
        for (size_t i = 0; i < mine.n; i++)
            if (hit_push(hits, mine.h[i]))
                failed = 1;
        free(mine.h);
    }
    b->counts.comparisons += comparisons;
    b->counts.pairs += pairs;
    b->counts.full_pairs += full;
    b->counts.iris += iris;
    return failed ? ktpel_fail(eb, KTPEL_ENOMEM, "dedup: out of memory for hits") : KTPEL_OK;
}

static void decide(dc_probe *p, const dc_candidate_list *l, double t_dup)
{
    ktpel_dedup_decision *d = &p->decision;
    memcpy(d->nik, p->nik, sizeof d->nik);
    d->candidate_count = l->n;
    memcpy(d->candidates, l->c, (size_t)l->n * sizeof *l->c);
    /* A DUPLICATE needs a candidate above the threshold that the irises, where both residents
     * have them, confirm. */
    bool dup = false;
    for (int i = 0; i < l->n; i++)
        dup |= l->c[i].score >= t_dup && !l->c[i].iris_unconfirmed;
    d->decision = l->n == 0 ? KTPEL_STATUS_UNIQUE
                  : dup     ? KTPEL_STATUS_DUPLICATE
                            : KTPEL_STATUS_ADJUDICATE;
}

void dc_dedup_thresholds(const ktpel_dedup_options *opt, size_t gallery, size_t count,
                         double *t_adj)
{
    for (size_t i = 0; i < count; i++)
        t_adj[i] = ktpel_dedup_threshold(opt->fpir_adjudicate, gallery + i);
}

ktpel_err dc_dedup_search(dc_dedup_batch *b, MDB_txn *txn, const double *t_adj,
                          dc_candidate_list *lists, uint64_t *copies, ktpel_errbuf *eb)
{
    gallery_view v;
    ktpel_err err = view_open(b->s, txn, &v, eb);
    if (err)
        return err;
    hit_list hits = {0};
    err = search_gallery(b, &v, t_adj, &hits, eb);
    for (size_t h = 0; !err && h < hits.n; h++) {
        char nik[KTPEL_NIK_LEN + 1];
        err = gallery_nik(b->s, txn, hits.h[h].gid, nik, eb);
        if (!err)
            dc_candidates_add(&lists[hits.h[h].probe], nik, hits.h[h].score,
                              hits.h[h].iris_unconfirmed);
    }
    if (copies)
        *copies += v.copy_count;
    free(hits.h);
    view_free(&v);
    return err;
}

/* Probe i against probes 0..i-1 of its batch, then the decision with the thresholds of a
 * gallery of (gallery + i) residents. The candidate lists keep the best under a total order,
 * so the order in which candidates arrive (threads, shards) does not matter. */
void dc_dedup_decide(dc_dedup_batch *b, size_t gallery, const double *t_adj,
                     dc_candidate_list *lists)
{
    for (size_t i = 0; i < b->count; i++) {
        for (size_t j = 0; j < i; j++) {
            const void *other[DC_FINGERS + 1] = {0};
            for (int pos = 1; pos <= DC_FINGERS; pos++)
                other[pos] = b->probes[j].finger[pos];
            const ktpel_iris_code *eyes[DC_EYES] = {b->probes[j].iris[0], b->probes[j].iris[1]};
            bool differs;
            double score =
                score_pair(b, &b->probes[i], other, eyes, false, b->ws[0], &b->counts, &differs);
            if (score >= t_adj[i])
                dc_candidates_add(&lists[i], b->probes[j].nik, score, differs);
        }
        decide(&b->probes[i], &lists[i],
               ktpel_dedup_threshold(b->opt->fpir_duplicate, gallery + i));
    }
}

/* Decides every probe of the batch against the store's own gallery (one machine). */
static ktpel_err decide_batch(dc_dedup_batch *b, MDB_txn *txn, size_t gallery, uint64_t *copies,
                              ktpel_errbuf *eb)
{
    double *t_adj = calloc(b->count, sizeof *t_adj);
    dc_candidate_list *lists = calloc(b->count, sizeof *lists);
    ktpel_err err =
        t_adj && lists ? KTPEL_OK : ktpel_fail(eb, KTPEL_ENOMEM, "dedup: out of memory");
    if (!err)
        dc_dedup_thresholds(b->opt, gallery, b->count, t_adj);
    if (!err)
        err = dc_dedup_search(b, txn, t_adj, lists, copies, eb);
    if (!err)
        dc_dedup_decide(b, gallery, t_adj, lists);
    free(t_adj);
    free(lists);
    return err;
}

/* ---- reading and committing a batch ------------------------------------------------------- */

void dc_dedup_probes_free(dc_probe *probes, size_t count)
{
    for (size_t i = 0; probes && i < count; i++) {
        for (int pos = 0; pos <= DC_FINGERS; pos++)
            ktpel_fp_compact_free(probes[i].finger[pos]);
        for (int e = 0; e < DC_EYES; e++) {
            free(probes[i].iris[e]);
            ktpel_iris_probe_free(probes[i].iris_probe[e]);
        }
    }
    free(probes);
}

ktpel_err dc_probe_set_iris(dc_probe *p, int e, const void *serial, size_t len, ktpel_errbuf *eb)
{
    p->iris[e] = aligned_alloc(64, sizeof *p->iris[e]);
    if (!p->iris[e])
        return ktpel_fail(eb, KTPEL_ENOMEM, "dedup: out of memory");
    ktpel_err err = ktpel_iris_code_parse(serial, len, p->iris[e], eb);
    if (!err)
        err = ktpel_iris_probe_new(p->iris[e], KTPEL_IRIS_DEFAULT_SHIFT, &p->iris_probe[e], eb);
    if (err)
        ktpel_fail_context(eb, "NIK %s eye %d: ", p->nik, DC_EYE_LABEL(e));
    return err;
}

/* The first `want` queue entries and their compact templates (copied out of the map). */
ktpel_err dc_dedup_load_probes(ktpel_store *s, MDB_txn *txn, size_t want, dc_probe **out,
                               size_t *count, ktpel_errbuf *eb)
{
    dc_probe *probes = calloc(want, sizeof *probes);
    if (!probes)
        return ktpel_fail(eb, KTPEL_ENOMEM, "dedup: out of memory");
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, s->queue, &cur);
    if (rc) {
        free(probes);
        return dc_mdb_fail(eb, rc, "queue cursor");
    }
    size_t n = 0;
    ktpel_err err = KTPEL_OK;
    MDB_val k, v;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); !err && rc == 0 && n < want;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT), n++) {
        dc_probe *p = &probes[n];
        if (k.mv_size != 8 || v.mv_size != KTPEL_NIK_LEN) {
            err = ktpel_fail(eb, KTPEL_EFORMAT, "dedup: malformed queue entry");
            break;
        }
        memcpy(p->queue_key, k.mv_data, 8);
        memcpy(p->nik, v.mv_data, KTPEL_NIK_LEN);
        for (int pos = 1; !err && pos <= DC_FINGERS; pos++) {
            uint8_t key[KTPEL_NIK_LEN + 1];
            memcpy(key, p->nik, KTPEL_NIK_LEN);
            key[KTPEL_NIK_LEN] = (uint8_t)pos;
            MDB_val fk = {sizeof key, key}, fv;
            int frc = mdb_get(txn, s->fp_compact, &fk, &fv);
            if (frc == MDB_NOTFOUND)
                continue;
            err = frc ? dc_mdb_fail(eb, frc, "read compact template")
                      : ktpel_fp_compact_deserialise(fv.mv_data, fv.mv_size, &p->finger[pos], eb);
            if (err)
                ktpel_fail_context(eb, "NIK %s finger %d: ", p->nik, pos);
        }
        for (int e = 0; !err && e < DC_EYES; e++) {
            MDB_val code;
            int irc = iris_get(s, txn, p->nik, e, &code);
            if (irc && irc != MDB_NOTFOUND)
                err = dc_mdb_fail(eb, irc, "read iris code");
            else if (irc == 0)
                err = dc_probe_set_iris(p, e, code.mv_data, code.mv_size, eb);
        }
    }
    mdb_cursor_close(cur);
    if (err) {
        dc_dedup_probes_free(probes, want);
        return err;
    }
    *out = probes;
    *count = n;
    return KTPEL_OK;
}

static void describe(const ktpel_dedup_decision *d, char *text, size_t size)
{
    int n = snprintf(text, size, "%s", ktpel_status_id(d->decision));
    for (int i = 0; i < d->candidate_count && i < 3 && n > 0 && (size_t)n < size; i++)
        n += snprintf(text + n, size - (size_t)n, "%s%s %.2f%s", i ? ", " : ": candidates ",
                      d->candidates[i].nik, d->candidates[i].score,
                      d->candidates[i].iris_unconfirmed ? " (irises do not confirm)" : "");
}

/* Commits the decided batch: results, statuses, audit, queue, gallery, batch counter. */
ktpel_err dc_dedup_commit(dc_dedup_batch *b, uint64_t batch_no, ktpel_errbuf *eb)
{
    MDB_txn *txn;
    ktpel_err err = dc_txn_begin(b->s, true, &txn, eb);
    if (err)
        return err;
    const char *actor = b->opt->actor ? b->opt->actor : "dedup";
    char(*niks)[KTPEL_NIK_LEN + 1] = calloc(b->count ? b->count : 1, sizeof *niks);
    if (!niks)
        err = ktpel_fail(eb, KTPEL_ENOMEM, "dedup: out of memory");
    for (size_t i = 0; !err && i < b->count; i++) {
        dc_probe *p = &b->probes[i];
        MDB_val k = {8, p->queue_key}, v;
        int rc = mdb_get(txn, b->s->queue, &k, &v);
        if (rc || v.mv_size != KTPEL_NIK_LEN || memcmp(v.mv_data, p->nik, KTPEL_NIK_LEN) != 0) {
            err = ktpel_fail(eb, KTPEL_EINVAL, "dedup: queue changed under the batch (NIK %s)",
                             p->nik);
            break;
        }
        if ((rc = mdb_del(txn, b->s->queue, &k, NULL)))
            err = dc_mdb_fail(eb, rc, "remove from queue");
        p->decision.batch = batch_no;
        char text[KTPEL_STATUS_REASON_MAX + 1];
        describe(&p->decision, text, sizeof text);
        if (!err)
            err = dc_result_write(b->s, txn, &p->decision, eb);
        if (!err)
            err = dc_audit_append(b->s, txn, KTPEL_AUDIT_DECISION, b->opt->time, actor, p->nik,
                                  text, eb);
        if (!err)
            err = dc_status_change(b->s, txn, p->nik, p->decision.decision, b->opt->time, actor,
                                   text, eb);
        memcpy(niks[i], p->nik, sizeof niks[i]);
    }
    if (!err)
        err = dc_gallery_append(b->s, txn, niks, b->count, eb);
    if (!err)
        err = dc_meta_put_u64(b->s, txn, "batches", batch_no, eb);
    free(niks);
    if (err) {
        mdb_txn_abort(txn);
        return err;
    }
    return dc_txn_commit(txn, eb);
}

/* ---- the run ------------------------------------------------------------------------------ */

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Reads, searches and decides one batch; *count 0 when the queue is empty. */
static ktpel_err run_batch(dc_dedup_batch *b, uint64_t *batch_no, ktpel_dedup_stats *st,
                           ktpel_errbuf *eb)
{
    MDB_txn *txn;
    ktpel_err err = dc_txn_begin(b->s, false, &txn, eb);
    if (err)
        return err;
    err = dc_meta_get_u64(b->s, txn, "batches", batch_no, eb);
    if (!err)
        err = dc_dedup_load_probes(b->s, txn, b->opt->batch, &b->probes, &b->count, eb);
    uint64_t gallery = 0;
    if (!err && b->count)
        err = dc_meta_get_u64(b->s, txn, "gallery_count", &gallery, eb);
    double t0 = now_seconds();
    if (!err && b->count)
        err = decide_batch(b, txn, (size_t)gallery, &st->chunk_copies, eb);
    st->seconds += now_seconds() - t0;
    mdb_txn_abort(txn); /* the snapshot ends; probes hold their own copies */
    ++*batch_no;
    if (!err && b->count)
        err = dc_dedup_commit(b, *batch_no, eb);
    return err;
}

static void count_decision(ktpel_dedup_stats *st, const ktpel_dedup_decision *d)
{
    st->decided++;
    st->unique += d->decision == KTPEL_STATUS_UNIQUE;
    st->duplicate += d->decision == KTPEL_STATUS_DUPLICATE;
    st->adjudicate += d->decision == KTPEL_STATUS_ADJUDICATE;
}

static ktpel_err run_batches(dc_dedup_batch *b, ktpel_dedup_decision_fn fn, void *ctx,
                             ktpel_dedup_stats *st, ktpel_errbuf *eb)
{
    ktpel_err err = KTPEL_OK;
    ktpel_store_counts counts;
    err = ktpel_store_counts_get(b->s, &counts, eb);
    size_t total = counts.queued;
    for (size_t done = 0; !err && (!b->opt->max_batches || st->batches < b->opt->max_batches);) {
        uint64_t batch_no;
        err = run_batch(b, &batch_no, st, eb);
        if (!err && b->count == 0)
            break;
        for (size_t i = 0; !err && i < b->count; i++) {
            count_decision(st, &b->probes[i].decision);
            if (fn)
                fn(ctx, &b->probes[i].decision);
        }
        if (!err)
            st->batches++;
        done += b->count;
        dc_dedup_probes_free(b->probes, b->count);
        b->probes = NULL;
        if (!err && b->opt->progress)
            b->opt->progress(b->opt->progress_ctx, done, total > done ? total : done);
    }
    dc_dedup_probes_free(b->probes, b->count);
    b->probes = NULL;
    st->comparisons = b->counts.comparisons;
    st->pairs = b->counts.pairs;
    st->full_pairs = b->counts.full_pairs;
    st->iris_comparisons = b->counts.iris;
    return err;
}

/* One dedup per store at a time: an exclusive lock on DIR/dedup.lock (released by the kernel
 * when the process dies, so a killed run never blocks the next). */
int dc_dedup_lock(ktpel_store *s, ktpel_errbuf *eb)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/dedup.lock", s->dir);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0660);
    if (fd < 0) {
        ktpel_fail(eb, KTPEL_EIO, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        close(fd);
        ktpel_fail(eb, KTPEL_EINVAL, "store %s: another dedup is already running", s->dir);
        return -1;
    }
    return fd;
}

ktpel_err dc_dedup_options_resolve(const ktpel_dedup_options *opt, ktpel_dedup_options *out,
                                   ktpel_errbuf *eb)
{
    ktpel_dedup_options o = *opt;
    o.batch = o.batch ? o.batch : KTPEL_DEDUP_DEFAULT_BATCH;
    o.fpir_adjudicate = o.fpir_adjudicate > 0 ? o.fpir_adjudicate : KTPEL_DEDUP_FPIR_ADJUDICATE;
    o.fpir_duplicate = o.fpir_duplicate > 0 ? o.fpir_duplicate : KTPEL_DEDUP_FPIR_DUPLICATE;
    if (o.batch > 100000)
        return ktpel_fail(eb, KTPEL_EINVAL, "dedup: batch of %zu residents (at most 100000)",
                          o.batch);
    *out = o;
    return KTPEL_OK;
}

ktpel_err dc_dedup_workspaces_new(dc_dedup_batch *b, ktpel_errbuf *eb)
{
    /* A num_threads clause, not omp_set_num_threads: the caller's setting stays its own. */
    b->threads = b->opt->threads > 0 ? b->opt->threads : omp_get_max_threads();
    b->ws = calloc((size_t)b->threads, sizeof *b->ws);
    if (!b->ws)
        return ktpel_fail(eb, KTPEL_ENOMEM, "dedup: out of memory");
    ktpel_err err = KTPEL_OK;
    for (int t = 0; !err && t < b->threads; t++)
        err = ktpel_fp_workspace_new(&b->ws[t], eb);
    for (int k = 0; k <= DC_IRIS_STEPS / 2; k++)
        b->iris_evidence[k] = ktpel_dedup_iris_evidence((double)k / DC_IRIS_STEPS);
    b->iris_confirm_hd = ktpel_iris_threshold_for_fmr(KTPEL_DEDUP_IRIS_CONFIRM_FMR);
    return err;
}

void dc_dedup_workspaces_free(dc_dedup_batch *b)
{
    for (int t = 0; b->ws && t < b->threads; t++)
        ktpel_fp_workspace_free(b->ws[t]);
    free(b->ws);
    b->ws = NULL;
}

ktpel_err ktpel_dedup_run(ktpel_store *s, const ktpel_dedup_options *opt,
                          ktpel_dedup_decision_fn fn, void *ctx, ktpel_dedup_stats *stats,
                          ktpel_errbuf *eb)
{
    if (!s || !opt)
        return ktpel_fail(eb, KTPEL_EINVAL, "ktpel_dedup_run: NULL argument");
    ktpel_dedup_options o;
    ktpel_err err = dc_dedup_options_resolve(opt, &o, eb);
    if (err)
        return err;
    int lock = dc_dedup_lock(s, eb);
    if (lock < 0)
        return eb ? eb->code : KTPEL_EINVAL;
    dc_dedup_batch b = {.s = s, .opt = &o};
    ktpel_dedup_stats st = {0};
    err = dc_dedup_workspaces_new(&b, eb);
    if (!err)
        err = run_batches(&b, fn, ctx, &st, eb);
    dc_dedup_workspaces_free(&b);
    close(lock);
    if (stats)
        *stats = st;
    return err;
}

/* ---- reading decisions ------------------------------------------------------------------- */

ktpel_err ktpel_dedup_decisions(ktpel_store *s, ktpel_dedup_decision_fn fn, void *ctx,
                                ktpel_errbuf *eb)
{
    if (!s || !fn)
        return ktpel_fail(eb, KTPEL_EINVAL, "ktpel_dedup_decisions: NULL argument");
    MDB_txn *txn;
    ktpel_err err = dc_txn_begin(s, false, &txn, eb);
    if (err)
        return err;
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, s->results, &cur);
    if (rc) {
        mdb_txn_abort(txn);
        return dc_mdb_fail(eb, rc, "results cursor");
    }
    MDB_val k, v;
    ktpel_dedup_decision d;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); !err && rc == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        err = dc_result_decode(&k, &v, &d, eb);
        if (!err)
            fn(ctx, &d);
    }
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    return err;
}
