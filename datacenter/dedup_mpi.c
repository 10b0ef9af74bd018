/* Deduplication across MPI ranks, one shard each (model: include/ktpel/dedup_mpi.h). The
 * searching and deciding is dedup.c's (dedup_internal.h); this file moves probes, candidates
 * and decisions between the ranks. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ktpel/dedup_mpi.h"
#include "ktpel/shard.h"

#include "dedup_internal.h"

#ifndef KTPEL_HAVE_MPI

bool ktpel_dedup_mpi_available(void)
{
    return false;
}

ktpel_err ktpel_mpi_init(int *argc, char ***argv, int *rank, int *size, ktpel_errbuf *eb)
{
    (void)argc, (void)argv, (void)rank, (void)size;
    return ktpel_fail(eb, KTPEL_EUNSUPPORTED,
                      "dedup --mpi: this ktpel was built without MPI (CMake KTPEL_MPI=ON and "
                      "libopenmpi-dev are needed)");
}

void ktpel_mpi_finalize(void)
{
}

ktpel_err ktpel_dedup_mpi_run(const char *dir, const ktpel_dedup_options *opt,
                              ktpel_dedup_decision_fn fn, void *ctx, ktpel_dedup_stats *stats,
                              ktpel_errbuf *eb)
{
    (void)dir, (void)opt, (void)fn, (void)ctx, (void)stats;
    return ktpel_fail(eb, KTPEL_EUNSUPPORTED, "dedup --mpi: this ktpel was built without MPI");
}

#else

#include <mpi.h>

bool ktpel_dedup_mpi_available(void)
{
    return true;
}

ktpel_err ktpel_mpi_init(int *argc, char ***argv, int *rank, int *size, ktpel_errbuf *eb)
{
    int provided;
    if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
        return ktpel_fail(eb, KTPEL_EIO, "MPI_Init_thread failed");
    MPI_Comm_rank(MPI_COMM_WORLD, rank);
    MPI_Comm_size(MPI_COMM_WORLD, size);
    return KTPEL_OK;
}

void ktpel_mpi_finalize(void)
{
    int done = 0;
    MPI_Finalized(&done);
    if (!done)
        MPI_Finalize();
}

/* A candidate as sent to rank 0: fixed size, so that MPI_Gatherv moves plain bytes. */
typedef struct wire_candidate {
    uint32_t probe; /* index in the batch */
    uint32_t flags; /* bit 0: irises do not confirm */
    double score;
    char nik[KTPEL_NIK_LEN];
} wire_candidate;

/* A probe as exchanged: queue key (8), NIK (16), template size per position (10 x u32 LE),
 * iris code size per eye (right, left: 2 x u32 LE, 0 or 532), then the serialised compact
 * templates of positions 1..10 and the serialised iris codes. */
#define PROBE_SIZES (8 + KTPEL_NIK_LEN)
#define PROBE_HEAD  (8 + KTPEL_NIK_LEN + 4 * (DC_FINGERS + DC_EYES))

typedef struct byte_buf {
    uint8_t *p;
    size_t n, cap;
} byte_buf;

static ktpel_err buf_append(byte_buf *b, const void *data, size_t len, ktpel_errbuf *eb)
{
    if (b->n + len > b->cap) {
        size_t cap = b->cap ? b->cap : 64 * 1024;
        while (cap < b->n + len)
            cap *= 2;
        uint8_t *p = realloc(b->p, cap);
        if (!p)
            return ktpel_fail(eb, KTPEL_ENOMEM, "dedup --mpi: out of memory");
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, data, len);
    b->n += len;
    return KTPEL_OK;
}

/* The per-run state of one rank. */
typedef struct mpi_run {
    int rank, size;
    ktpel_store *s;
    dc_dedup_batch b;
    int *owner; /* rank owning each probe of the batch */
    ktpel_dedup_stats st;
} mpi_run;

/* True on every rank when no rank failed (a collective: every rank must call it). */
static bool all_ok(ktpel_err err, ktpel_errbuf *eb)
{
    int mine = err != KTPEL_OK, any = 0;
    MPI_Allreduce(&mine, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    if (any && !mine)
        ktpel_fail(eb, KTPEL_EIO, "dedup --mpi: another rank failed (see its message)");
    return !any;
}

static ktpel_err stop_code(ktpel_err err)
{
    return err ? err : KTPEL_EIO;
}

/* Packs the first `want` entries of this shard's queue with their serialised templates. */
static ktpel_err pack_queue_head(ktpel_store *s, MDB_txn *txn, size_t want, byte_buf *out,
                                 ktpel_errbuf *eb)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, s->queue, &cur);
    if (rc)
        return dc_mdb_fail(eb, rc, "queue cursor");
    ktpel_err err = KTPEL_OK;
    MDB_val k, v;
    size_t n = 0;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); !err && rc == 0 && n < want;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT), n++) {
        if (k.mv_size != 8 || v.mv_size != KTPEL_NIK_LEN) {
            err = ktpel_fail(eb, KTPEL_EFORMAT, "dedup: malformed queue entry in %s", s->dir);
            break;
        }
        uint8_t head[PROBE_HEAD];
        memcpy(head, k.mv_data, 8);
        memcpy(head + 8, v.mv_data, KTPEL_NIK_LEN);
        /* blob[1..10]: fingers; blob[11..12]: right and left iris */
        MDB_val blob[DC_FINGERS + DC_EYES + 1] = {{0, NULL}};
        for (int pos = 1; !err && pos <= DC_FINGERS + DC_EYES; pos++) {
            uint8_t key[KTPEL_NIK_LEN + 1];
            memcpy(key, v.mv_data, KTPEL_NIK_LEN);
            bool eye = pos > DC_FINGERS;
            key[KTPEL_NIK_LEN] = (uint8_t)(eye ? DC_EYE_LABEL(pos - DC_FINGERS - 1) : pos);
            MDB_val fk = {sizeof key, key};
            int frc = mdb_get(txn, eye ? s->iris : s->fp_compact, &fk, &blob[pos]);
            if (frc == MDB_NOTFOUND)
                blob[pos] = (MDB_val){0, NULL};
            else if (frc)
                err = dc_mdb_fail(eb, frc, eye ? "read iris code" : "read compact template");
            dc_put_le32(head + PROBE_SIZES + 4 * (pos - 1), (uint32_t)blob[pos].mv_size);
        }
        if (!err)
            err = buf_append(out, head, sizeof head, eb);
        for (int pos = 1; !err && pos <= DC_FINGERS + DC_EYES; pos++)
            if (blob[pos].mv_size)
                err = buf_append(out, blob[pos].mv_data, blob[pos].mv_size, eb);
    }
    mdb_cursor_close(cur);
    return err;
}

/* One received probe: where its record starts in the gathered bytes, and its owner. */
typedef struct probe_ref {
    const uint8_t *at;
    int owner;
} probe_ref;

static int cmp_ref(const void *a, const void *b)
{
    return memcmp(((const probe_ref *)a)->at, ((const probe_ref *)b)->at, 8);
}

/* Splits the gathered bytes into probe records (checking every size). */
static ktpel_err index_probes(const uint8_t *all, const int *counts, const int *displs, int size,
                              probe_ref **out, size_t *n_out, ktpel_errbuf *eb)
{
    size_t n = 0, cap = 0;
    probe_ref *refs = NULL;
    for (int r = 0; r < size; r++) {
        const uint8_t *p = all + displs[r], *end = p + counts[r];
        while (p < end) {
            if ((size_t)(end - p) < PROBE_HEAD) {
                free(refs);
                return ktpel_fail(eb, KTPEL_EFORMAT, "dedup --mpi: truncated probe from rank %d",
                                  r);
            }
            size_t len = PROBE_HEAD;
            for (int pos = 1; pos <= DC_FINGERS + DC_EYES; pos++)
                len += dc_get_le32(p + PROBE_SIZES + 4 * (pos - 1));
            if (len > (size_t)(end - p)) {
                free(refs);
                return ktpel_fail(eb, KTPEL_EFORMAT, "dedup --mpi: truncated probe from rank %d",
                                  r);
            }
            if (n == cap) {
                cap = cap ? cap * 2 : 64;
                probe_ref *q = realloc(refs, cap * sizeof *q);
                if (!q) {
                    free(refs);
                    return ktpel_fail(eb, KTPEL_ENOMEM, "dedup --mpi: out of memory");
                }
                refs = q;
            }
            refs[n++] = (probe_ref){p, r};
            p += len;
        }
    }
    *out = refs;
    *n_out = n;
    return KTPEL_OK;
}

/* Turns the first (by global queue sequence) records into the batch's probes. */
static ktpel_err unpack_probes(mpi_run *m, probe_ref *refs, size_t n, ktpel_errbuf *eb)
{
    if (n)
        qsort(refs, n, sizeof *refs, cmp_ref);
    size_t count = n < m->b.opt->batch ? n : m->b.opt->batch;
    m->b.probes = calloc(count ? count : 1, sizeof *m->b.probes);
    m->owner = calloc(count ? count : 1, sizeof *m->owner);
    if (!m->b.probes || !m->owner)
        return ktpel_fail(eb, KTPEL_ENOMEM, "dedup --mpi: out of memory");
    m->b.count = count;
    ktpel_err err = KTPEL_OK;
    for (size_t i = 0; !err && i < count; i++) {
        dc_probe *p = &m->b.probes[i];
        const uint8_t *at = refs[i].at;
        m->owner[i] = refs[i].owner;
        memcpy(p->queue_key, at, 8);
        memcpy(p->nik, at + 8, KTPEL_NIK_LEN);
        const uint8_t *blob = at + PROBE_HEAD;
        for (int pos = 1; !err && pos <= DC_FINGERS; pos++) {
            uint32_t len = dc_get_le32(at + PROBE_SIZES + 4 * (pos - 1));
            if (len && (err = ktpel_fp_compact_deserialise(blob, len, &p->finger[pos], eb)))
                ktpel_fail_context(eb, "NIK %s finger %d: ", p->nik, pos);
            blob += len;
        }
        for (int e = 0; !err && e < DC_EYES; e++) {
            uint32_t len = dc_get_le32(at + PROBE_SIZES + 4 * (DC_FINGERS + e));
            if (len)
                err = dc_probe_set_iris(p, e, blob, len, eb);
            blob += len;
        }
    }
    return err;
}

/* Every rank's queue head to every rank; the batch is the first B of them by sequence. */
static ktpel_err exchange_probes(mpi_run *m, MDB_txn *txn, ktpel_errbuf *eb)
{
    byte_buf mine = {0};
    ktpel_err err = pack_queue_head(m->s, txn, m->b.opt->batch, &mine, eb);
    if (!err && mine.n > (size_t)(1 << 30))
        err = ktpel_fail(eb, KTPEL_ETOOBIG, "dedup --mpi: batch too large to send; use --batch");
    if (!all_ok(err, eb)) {
        free(mine.p);
        return stop_code(err);
    }
    int n = (int)mine.n, *counts = calloc((size_t)m->size, sizeof *counts),
        *displs = calloc((size_t)m->size, sizeof *displs);
    if (!all_ok(counts && displs ? KTPEL_OK
                                 : ktpel_fail(eb, KTPEL_ENOMEM, "dedup --mpi: out of memory"),
                eb)) {
        free(mine.p);
        free(counts);
        free(displs);
        return KTPEL_ENOMEM;
    }
    MPI_Allgather(&n, 1, MPI_INT, counts, 1, MPI_INT, MPI_COMM_WORLD);
    size_t total = 0;
    for (int r = 0; r < m->size; r++) {
        displs[r] = (int)total;
        total += (size_t)counts[r];
    }
    uint8_t *all = malloc(total ? total : 1);
    MPI_Allgatherv(mine.p, n, MPI_BYTE, all, counts, displs, MPI_BYTE, MPI_COMM_WORLD);
    free(mine.p);
    probe_ref *refs = NULL;
    size_t count = 0;
    err = index_probes(all, counts, displs, m->size, &refs, &count, eb);
    if (!err)
        err = unpack_probes(m, refs, count, eb);
    free(refs);
    free(all);
    free(counts);
    free(displs);
    return all_ok(err, eb) ? KTPEL_OK : stop_code(err);
}

/* Each rank's candidates to rank 0, merged there into lists (a total order: any arrival
 * order gives the same lists). */
static ktpel_err gather_candidates(mpi_run *m, dc_candidate_list *lists, ktpel_errbuf *eb)
{
    size_t n = 0;
    for (size_t i = 0; i < m->b.count; i++)
        n += (size_t)lists[i].n;
    wire_candidate *mine = calloc(n ? n : 1, sizeof *mine);
    int *counts = calloc((size_t)m->size, sizeof *counts);
    int *displs = calloc((size_t)m->size, sizeof *displs);
    int bad = !mine || !counts || !displs;
    size_t k = 0;
    for (size_t i = 0; !bad && i < m->b.count; i++)
        for (int c = 0; c < lists[i].n; c++, k++) {
            mine[k].probe = (uint32_t)i;
            mine[k].score = lists[i].c[c].score;
            mine[k].flags = lists[i].c[c].iris_unconfirmed ? 1u : 0u;
            memcpy(mine[k].nik, lists[i].c[c].nik, KTPEL_NIK_LEN);
        }
    ktpel_err err = bad ? ktpel_fail(eb, KTPEL_ENOMEM, "dedup --mpi: out of memory") : KTPEL_OK;
    wire_candidate *all = NULL;
    if (all_ok(err, eb)) {
        int bytes = (int)(n * sizeof *mine);
        MPI_Gather(&bytes, 1, MPI_INT, counts, 1, MPI_INT, 0, MPI_COMM_WORLD);
        size_t total = 0;
        for (int r = 0; m->rank == 0 && r < m->size; r++) {
            displs[r] = (int)total;
            total += (size_t)counts[r];
        }
        if (m->rank == 0)
            all = malloc(total ? total : 1);
        /* every rank takes part even if rank 0's malloc failed: checked after */
        MPI_Gatherv(mine, bytes, MPI_BYTE, all, counts, displs, MPI_BYTE, 0, MPI_COMM_WORLD);
        if (m->rank == 0 && !all)
            err = ktpel_fail(eb, KTPEL_ENOMEM, "dedup --mpi: out of memory");
        if (m->rank == 0 && all) {
            memset(lists, 0, m->b.count * sizeof *lists);
            for (size_t i = 0; i < total / sizeof *all; i++) {
                char nik[KTPEL_NIK_LEN + 1];
                memcpy(nik, all[i].nik, KTPEL_NIK_LEN);
                nik[KTPEL_NIK_LEN] = '\0';
                if (all[i].probe < m->b.count)
                    dc_candidates_add(&lists[all[i].probe], nik, all[i].score, all[i].flags & 1u);
            }
        }
        err = all_ok(err, eb) ? KTPEL_OK : stop_code(err);
    } else {
        err = stop_code(err);
    }
    free(all);
    free(mine);
    free(counts);
    free(displs);
    return err;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Searches this shard, gathers, decides on rank 0 and broadcasts the decisions. */
static ktpel_err search_and_decide(mpi_run *m, MDB_txn *txn, size_t gallery, ktpel_errbuf *eb)
{
    double *t_adj = calloc(m->b.count, sizeof *t_adj);
    dc_candidate_list *lists = calloc(m->b.count, sizeof *lists);
    ktpel_err err =
        t_adj && lists ? KTPEL_OK : ktpel_fail(eb, KTPEL_ENOMEM, "dedup --mpi: out of memory");
    double t0 = now_seconds();
    if (!err) {
        dc_dedup_thresholds(m->b.opt, gallery, m->b.count, t_adj);
        err = dc_dedup_search(&m->b, txn, t_adj, lists, &m->st.chunk_copies, eb);
    }
    if (all_ok(err, eb))
        err = gather_candidates(m, lists, eb);
    else
        err = stop_code(err);
    if (!err && m->rank == 0)
        dc_dedup_decide(&m->b, gallery, t_adj, lists);
    m->st.seconds += now_seconds() - t0;
    if (!err) {
        ktpel_dedup_decision *d = malloc(m->b.count * sizeof *d);
        /* the decisions are plain bytes: every rank runs the same executable */
        for (size_t i = 0; d && m->rank == 0 && i < m->b.count; i++)
            d[i] = m->b.probes[i].decision;
        int have = d != NULL, all_have = 0;
        MPI_Allreduce(&have, &all_have, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
        if (all_have) {
            MPI_Bcast(d, (int)(m->b.count * sizeof *d), MPI_BYTE, 0, MPI_COMM_WORLD);
            for (size_t i = 0; i < m->b.count; i++)
                m->b.probes[i].decision = d[i];
        } else {
            err = have ? ktpel_fail(eb, KTPEL_EIO, "dedup --mpi: another rank failed")
                       : ktpel_fail(eb, KTPEL_ENOMEM, "dedup --mpi: out of memory");
        }
        free(d);
    }
    free(t_adj);
    free(lists);
    return err;
}

/* Commits the decisions of the residents this rank owns (and the global batch number). */
static ktpel_err commit_owned(mpi_run *m, uint64_t batch_no, ktpel_errbuf *eb)
{
    dc_probe *owned = calloc(m->b.count ? m->b.count : 1, sizeof *owned);
    if (!owned)
        return ktpel_fail(eb, KTPEL_ENOMEM, "dedup --mpi: out of memory");
    dc_dedup_batch mine = {.s = m->s, .opt = m->b.opt};
    for (size_t i = 0; i < m->b.count; i++)
        if (m->owner[i] == m->rank) {
            owned[mine.count] = m->b.probes[i];
            memset(owned[mine.count].finger, 0, sizeof owned[mine.count].finger);
            mine.count++;
        }
    mine.probes = owned;
    ktpel_err err = dc_dedup_commit(&mine, batch_no, eb);
    free(owned);
    return err;
}

static void batch_free(mpi_run *m)
{
    dc_dedup_probes_free(m->b.probes, m->b.count);
    m->b.probes = NULL;
    m->b.count = 0;
    free(m->owner);
    m->owner = NULL;
}

static void count_decision(ktpel_dedup_stats *st, const ktpel_dedup_decision *d)
{
    st->decided++;
    st->unique += d->decision == KTPEL_STATUS_UNIQUE;
    st->duplicate += d->decision == KTPEL_STATUS_DUPLICATE;
    st->adjudicate += d->decision == KTPEL_STATUS_ADJUDICATE;
}

/* One batch on every rank; *empty when the global queue is empty. */
static ktpel_err run_batch(mpi_run *m, bool *empty, ktpel_errbuf *eb)
{
    MDB_txn *txn = NULL;
    ktpel_err err = dc_txn_begin(m->s, false, &txn, eb);
    bool began = !err;
    uint64_t local[2] = {0, 0}, global[2] = {0, 0}; /* gallery size, batches committed */
    if (!err)
        err = dc_meta_get_u64(m->s, txn, "gallery_count", &local[0], eb);
    if (!err)
        err = dc_meta_get_u64(m->s, txn, "batches", &local[1], eb);
    if (!all_ok(err, eb)) {
        if (began)
            mdb_txn_abort(txn);
        return stop_code(err);
    }
    MPI_Allreduce(&local[0], &global[0], 1, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
    MPI_Allreduce(&local[1], &global[1], 1, MPI_UINT64_T, MPI_MAX, MPI_COMM_WORLD);
    err = exchange_probes(m, txn, eb);
    *empty = !err && m->b.count == 0;
    if (!err && !*empty)
        err = search_and_decide(m, txn, (size_t)global[0], eb);
    mdb_txn_abort(txn); /* the snapshot ends; probes hold their own copies */
    if (err || *empty)
        return err;
    err = commit_owned(m, global[1] + 1, eb);
    return all_ok(err, eb) ? KTPEL_OK : stop_code(err);
}

static ktpel_err run_batches(mpi_run *m, ktpel_dedup_decision_fn fn, void *ctx, ktpel_errbuf *eb)
{
    const ktpel_dedup_options *o = m->b.opt;
    ktpel_store_counts c;
    ktpel_err err = ktpel_store_counts_get(m->s, &c, eb);
    if (!all_ok(err, eb))
        return stop_code(err);
    unsigned long long queued = c.queued, total = 0;
    MPI_Allreduce(&queued, &total, 1, MPI_UNSIGNED_LONG_LONG, MPI_SUM, MPI_COMM_WORLD);
    size_t done = 0;
    while (!err && (!o->max_batches || m->st.batches < o->max_batches)) {
        bool empty = false;
        err = run_batch(m, &empty, eb);
        if (err || empty)
            break;
        for (size_t i = 0; m->rank == 0 && i < m->b.count; i++) {
            count_decision(&m->st, &m->b.probes[i].decision);
            if (fn)
                fn(ctx, &m->b.probes[i].decision);
        }
        m->st.batches++;
        done += m->b.count;
        batch_free(m);
        if (m->rank == 0 && o->progress)
            o->progress(o->progress_ctx, done, total > done ? (size_t)total : done);
    }
    batch_free(m);
    return err;
}

/* Opens this rank's shard after checking that the ranks match the store's shards. */
static ktpel_err open_shard(mpi_run *m, const char *dir, ktpel_errbuf *eb)
{
    int shards = 0;
    ktpel_err err = ktpel_shards_read(dir, &shards, eb);
    if (!err && shards != m->size)
        err = ktpel_fail(eb, KTPEL_EINVAL,
                         "dedup --mpi: store %s has %d shards but %d ranks run (mpirun -np %d)",
                         dir, shards, m->size, shards);
    char path[4200];
    if (!err)
        err = ktpel_shard_path(dir, m->rank, m->size, path, sizeof path, eb);
    ktpel_store_options so = {.no_create = true};
    if (!err)
        err = ktpel_store_open(path, &so, &m->s, eb);
    return err;
}

ktpel_err ktpel_dedup_mpi_run(const char *dir, const ktpel_dedup_options *opt,
                              ktpel_dedup_decision_fn fn, void *ctx, ktpel_dedup_stats *stats,
                              ktpel_errbuf *eb)
{
    if (!dir || !opt)
        return ktpel_fail(eb, KTPEL_EINVAL, "ktpel_dedup_mpi_run: NULL argument");
    mpi_run m = {0};
    MPI_Comm_rank(MPI_COMM_WORLD, &m.rank);
    MPI_Comm_size(MPI_COMM_WORLD, &m.size);
    ktpel_dedup_options o;
    ktpel_err err = dc_dedup_options_resolve(opt, &o, eb);
    m.b.opt = &o;
    if (!err)
        err = open_shard(&m, dir, eb);
    int lock = -1;
    if (!err && (lock = dc_dedup_lock(m.s, eb)) < 0)
        err = eb ? eb->code : KTPEL_EINVAL;
    m.b.s = m.s;
    if (!err)
        err = dc_dedup_workspaces_new(&m.b, eb);
    if (all_ok(err, eb))
        err = run_batches(&m, fn, ctx, eb);
    else
        err = stop_code(err);
    /* totals of every rank's searching */
    uint64_t local[5] = {m.b.counts.comparisons, m.b.counts.pairs, m.b.counts.full_pairs,
                         m.st.chunk_copies, m.b.counts.iris},
             sum[5] = {0};
    MPI_Reduce(local, sum, 5, MPI_UINT64_T, MPI_SUM, 0, MPI_COMM_WORLD);
    m.st.comparisons = sum[0];
    m.st.pairs = sum[1];
    m.st.full_pairs = sum[2];
    m.st.chunk_copies = sum[3];
    m.st.iris_comparisons = sum[4];
    dc_dedup_workspaces_free(&m.b);
    if (lock >= 0)
        close(lock);
    ktpel_store_close(m.s);
    if (stats)
        *stats = m.st;
    return err;
}

#endif
