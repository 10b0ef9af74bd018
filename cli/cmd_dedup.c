/* ktpel dedup [--store DIR] [--threads N] [--batch N] [--max-batches N] [--json] [--quiet]
 *             [--mpi]
 * ktpel dedup decisions [--store DIR] [--json] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "dc_common.h"
#include "ktpel/dedup.h"
#include "ktpel/dedup_mpi.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: ktpel dedup [--store DIR] [--threads N] [--batch N] [--max-batches N]\n"
            "                   [--fpir-adjudicate F] [--fpir-duplicate F] [--json] [--quiet]\n"
            "       mpirun -np R ktpel dedup --mpi --store DIR [options as above]\n"
            "       ktpel dedup decisions [--store DIR] [--json]\n"
            "       ktpel dedup bench --work DIR [--gallery N] [--probes M] [--duplicates F]\n"
            "                         [--threads T] [--batch N] [--seed S] [--no-speedup]\n\n"
            "Searches every queued resident against the gallery and the rest of its batch and\n"
            "decides UNIQUE, DUPLICATE (candidates with scores) or ADJUDICATE. Each batch is\n"
            "committed at once: killed at any moment, the next run continues and ends with the\n"
            "same decisions. Scores and thresholds: include/ktpel/dedup.h.\n\n"
            "  --store DIR          the store (default $KTPEL_STORE, else ./ktpel-store)\n"
            "  --threads N          OpenMP threads (default: the processors)\n"
            "  --batch N            residents per batch (default %d)\n"
            "  --max-batches N      stop after N batches\n"
            "  --fpir-adjudicate F  target share of new residents sent to adjudication (%g)\n"
            "  --fpir-duplicate F   target share decided DUPLICATE without a person (%g)\n"
            "  --json               at the end one object: counts and this run's decisions\n"
            "  --quiet              no progress on stderr\n"
            "  --mpi                under mpirun: DIR is a store of R shards (`ktpel ingest\n"
            "                       --shards R`), rank K searches shard K; rank 0 prints\n"
            "                       (include/ktpel/dedup_mpi.h)\n",
            KTPEL_DEDUP_DEFAULT_BATCH, KTPEL_DEDUP_FPIR_ADJUDICATE, KTPEL_DEDUP_FPIR_DUPLICATE);
}

typedef struct out_ctx {
    bool json;
    cli_json j;
    double start;
} out_ctx;

static void print_decision(void *ctx, const ktpel_dedup_decision *d)
{
    out_ctx *o = ctx;
    if (o->json)
        dc_decision_json(&o->j, d);
    else
        dc_decision_text(d, true);
}

static void progress(void *ctx, size_t done, size_t total)
{
    out_ctx *o = ctx;
    double t = cli_now_seconds() - o->start, rate = t > 0 ? (double)done / t : 0;
    fprintf(stderr, "\rdedup: %zu/%zu residents, %.1f/s, ETA %.0f s   ", done, total, rate,
            rate > 0 ? (double)(total - done) / rate : 0.0);
    if (done >= total)
        fputc('\n', stderr);
}

static int list_decisions(const char *store_dir, bool json)
{
    return dc_list_decisions(store_dir, ktpel_dedup_decisions, json, "decisions", true);
}

static int parse_count(const char *opt, const char *v, size_t *out)
{
    char *end;
    long long n = v ? strtoll(v, &end, 10) : -1;
    if (!v || *end || n < 1 || n > 100000000)
        return cli_usage_error("%s needs a positive whole number, got '%s'", opt, v ? v : "");
    *out = (size_t)n;
    return CLI_OK;
}

static int parse_rate(const char *opt, const char *v, double *out)
{
    char *end;
    double f = v ? strtod(v, &end) : -1;
    if (!v || *end || !(f > 0 && f < 1))
        return cli_usage_error("%s needs a rate between 0 and 1, got '%s'", opt, v ? v : "");
    *out = f;
    return CLI_OK;
}

static void bench_usage(void)
{
    printf("usage: ktpel dedup bench --work DIR [--gallery N] [--probes M] [--duplicates F]\n"
           "                         [--threads T] [--batch N] [--seed S] [--no-speedup]\n\n"
           "A gallery of N synthetic residents (ten fingers, template-level synthesis, default\n"
           "2000) and M new enrolments (default 100) of which a share F (default 0.01) are\n"
           "planted duplicates of gallery residents; dedup with T threads, then again with one\n"
           "thread from a copy of the store for the speed-up. DIR must be new: it gets the\n"
           "stores. Protocol in include/ktpel/dedup.h.\n");
}

static int run_bench(int argc, char **argv)
{
    ktpel_dedup_bench_options o = {
        .gallery = 2000, .probes = 100, .seed = 1, .compare_threads = true};
    size_t threads = 0, seed = 1;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int rc = CLI_OK;
        if (cli_is_help(a)) {
            bench_usage();
            return CLI_OK;
        } else if (strcmp(a, "--work") == 0 && v) {
            o.dir = v, i++;
        } else if (strcmp(a, "--gallery") == 0) {
            rc = parse_count(a, v, &o.gallery), i++;
        } else if (strcmp(a, "--probes") == 0) {
            rc = parse_count(a, v, &o.probes), i++;
        } else if (strcmp(a, "--duplicates") == 0) {
            rc = parse_rate(a, v, &o.duplicates), i++;
        } else if (strcmp(a, "--threads") == 0) {
            rc = parse_count(a, v, &threads), i++;
        } else if (strcmp(a, "--batch") == 0) {
            rc = parse_count(a, v, &o.batch), i++;
        } else if (strcmp(a, "--seed") == 0) {
            rc = parse_count(a, v, &seed), i++;
        } else if (strcmp(a, "--no-speedup") == 0) {
            o.compare_threads = false;
        } else {
            return cli_usage_error("dedup bench: unknown option '%s' (see --help)", a);
        }
        if (rc)
            return rc;
    }
    if (!o.dir)
        return cli_usage_error("dedup bench: --work DIR is required (a new folder)");
    o.threads = threads > 1024 ? 1024 : (int)threads;
    o.seed = seed;
    ktpel_dedup_bench_result r;
    ktpel_errbuf eb;
    ktpel_errbuf_clear(&eb);
    if (ktpel_dedup_bench(&o, &r, &eb))
        return cli_fail_err(&eb);
    printf("protocol: gallery %zu synthetic residents x 10 fingers (template-level synthesis,\n"
           "  optical profile, seed %zu); %zu probes, %zu of them planted duplicates (fresh\n"
           "  impressions of distinct gallery residents); batch %zu; thresholds: FPIR %g\n"
           "  (adjudicate), %g (duplicate), see include/ktpel/dedup.h\n",
           r.gallery, seed, r.probes, r.planted, o.batch ? o.batch : KTPEL_DEDUP_DEFAULT_BATCH,
           KTPEL_DEDUP_FPIR_ADJUDICATE, KTPEL_DEDUP_FPIR_DUPLICATE);
    printf("gallery built and stored in %.1f s\n", r.build_seconds);
    printf("dedup, %d threads: %.2f s (search %.2f s)\n", r.threads, r.seconds, r.search_seconds);
    printf("finger comparisons: %llu, %.0f per second\n", (unsigned long long)r.comparisons,
           r.comparisons_per_second);
    printf("resident pairs: %llu; past the first stage (full comparison): %llu = %.3f %%\n",
           (unsigned long long)r.pairs, (unsigned long long)r.full_pairs, 100 * r.full_share);
    printf("FNIR: %zu of %zu planted duplicates missed = %.2f %%\n", r.planted - r.found, r.planted,
           100 * r.fnir);
    printf("FPIR: %zu of %zu other probes flagged = %.3f %%\n", r.flagged, r.others, 100 * r.fpir);
    printf("gallery memory per finger: %.0f bytes\n", r.bytes_per_finger);
    if (o.compare_threads)
        printf("1 thread: %.2f s; speed-up of %d threads: %.2fx\n", r.seconds_one_thread, r.threads,
               r.speedup);
    return CLI_OK;
}

/* The end of a run: the JSON object's counts, or the summary on stderr. */
static void report(out_ctx *o, const ktpel_dedup_stats *s, ktpel_err err, bool quiet)
{
    const ktpel_dedup_stats st = *s;
    if (o->json) {
        cli_json_end_array(&o->j);
        cli_json_int(&o->j, "decided", (long long)st.decided);
        cli_json_int(&o->j, "unique", (long long)st.unique);
        cli_json_int(&o->j, "duplicate", (long long)st.duplicate);
        cli_json_int(&o->j, "adjudicate", (long long)st.adjudicate);
        cli_json_int(&o->j, "batches", (long long)st.batches);
        cli_json_int(&o->j, "comparisons", (long long)st.comparisons);
        cli_json_int(&o->j, "pairs", (long long)st.pairs);
        cli_json_int(&o->j, "full_pairs", (long long)st.full_pairs);
        cli_json_double(&o->j, "search_seconds", st.seconds);
        cli_json_bool(&o->j, "complete", err == KTPEL_OK);
        cli_json_end_object(&o->j);
        cli_json_finish(&o->j);
    } else if (!quiet) {
        fprintf(stderr,
                "dedup: %zu decided (%zu unique, %zu duplicate, %zu adjudicate) in %zu batches; "
                "%llu finger comparisons in %.2f s; %llu of %llu resident pairs past the first "
                "stage\n",
                st.decided, st.unique, st.duplicate, st.adjudicate, st.batches,
                (unsigned long long)st.comparisons, st.seconds, (unsigned long long)st.full_pairs,
                (unsigned long long)st.pairs);
    }
}

static void json_begin(out_ctx *o)
{
    cli_json_init(&o->j, stdout);
    cli_json_begin_object(&o->j, NULL);
    cli_json_begin_array(&o->j, "decisions");
}

/* --mpi: every rank runs this; only rank 0 prints decisions and the summary. */
static int run_mpi(const char *store_dir, ktpel_dedup_options *opt, bool json, bool quiet)
{
    ktpel_errbuf eb;
    ktpel_errbuf_clear(&eb);
    int rank = 0, size = 1;
    if (ktpel_mpi_init(NULL, NULL, &rank, &size, &eb))
        return cli_fail_err(&eb);
    out_ctx o = {.json = json && rank == 0, .start = cli_now_seconds()};
    if (rank == 0 && !quiet && isatty(STDERR_FILENO)) {
        opt->progress = progress;
        opt->progress_ctx = &o;
    }
    if (o.json)
        json_begin(&o);
    ktpel_dedup_stats st = {0};
    ktpel_err err =
        ktpel_dedup_mpi_run(store_dir, opt, rank == 0 ? print_decision : NULL, &o, &st, &eb);
    if (rank == 0)
        report(&o, &st, err, quiet);
    fflush(stdout);
    ktpel_mpi_finalize();
    if (err)
        cli_fail("rank %d of %d: %s", rank, size, ktpel_errbuf_message(&eb));
    return err ? CLI_FAIL : CLI_OK;
}

int cmd_dedup(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "bench") == 0)
        return run_bench(argc, argv);
    const char *store_dir = dc_default_store();
    bool json = false, quiet = false, decisions = false, mpi = false;
    ktpel_dedup_options opt = {0};
    size_t threads = 0;
    for (int i = 1; i < argc; i++) {
        int o = dc_store_option(argc, argv, &i, &store_dir);
        if (o < 0)
            return CLI_USAGE;
        if (o)
            continue;
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int rc = CLI_OK;
        if (cli_is_help(a)) {
            usage(stdout);
            return CLI_OK;
        } else if (strcmp(a, "decisions") == 0 && i == 1) {
            decisions = true;
        } else if (strcmp(a, "--json") == 0) {
            json = true;
        } else if (strcmp(a, "--quiet") == 0) {
            quiet = true;
        } else if (strcmp(a, "--mpi") == 0) {
            mpi = true;
        } else if (strcmp(a, "--threads") == 0) {
            rc = parse_count(a, v, &threads), i++;
        } else if (strcmp(a, "--batch") == 0) {
            rc = parse_count(a, v, &opt.batch), i++;
        } else if (strcmp(a, "--max-batches") == 0) {
            rc = parse_count(a, v, &opt.max_batches), i++;
        } else if (strcmp(a, "--fpir-adjudicate") == 0) {
            rc = parse_rate(a, v, &opt.fpir_adjudicate), i++;
        } else if (strcmp(a, "--fpir-duplicate") == 0) {
            rc = parse_rate(a, v, &opt.fpir_duplicate), i++;
        } else {
            return cli_usage_error("dedup: unknown option '%s' (see --help)", a);
        }
        if (rc)
            return rc;
    }
    if (decisions)
        return list_decisions(store_dir, json);
    if (threads > 1024)
        return cli_usage_error("--threads: at most 1024");
    opt.threads = (int)threads;
    opt.time = (int64_t)time(NULL);
    if (mpi)
        return run_mpi(store_dir, &opt, json, quiet);
    ktpel_store *s = dc_open_store(store_dir, false, false);
    if (!s)
        return CLI_FAIL;
    out_ctx o = {.json = json, .start = cli_now_seconds()};
    if (!quiet && isatty(STDERR_FILENO)) {
        opt.progress = progress;
        opt.progress_ctx = &o;
    }
    if (json)
        json_begin(&o);
    ktpel_errbuf eb;
    ktpel_errbuf_clear(&eb);
    ktpel_dedup_stats st;
    ktpel_err err = ktpel_dedup_run(s, &opt, print_decision, &o, &st, &eb);
    report(&o, &st, err, quiet);
    ktpel_store_close(s);
    return err ? cli_fail_err(&eb) : CLI_OK;
}
