/* ktpel ingest [--store DIR] [--shards R] [--regions CSV] [--json] PATH...
 *
 * Each PATH is an enrolment folder (it holds record.txt) or a folder of them (a synthetic
 * population, a spool folder): its enrolment subfolders are ingested in name order. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "dc_common.h"
#include "ktpel/ingest.h"
#include "ktpel/shard.h"

static void usage(FILE *out)
{
    fprintf(
        out,
        "usage: ktpel ingest [--store DIR] [--shards R] [--regions CSV] [--json] [--quiet]\n"
        "                    PATH...\n\n"
        "Stores enrolments in the data center's store and queues them for deduplication.\n"
        "PATH is an enrolment folder (record.txt with fingers_K.iso or finger_NN_K.png\n"
        "images, as `ktpel synth` writes) or a folder of such folders.\n"
        "Each enrolment is checked whole and stored in one transaction, or rejected with a\n"
        "reason (also written to the audit log); the same enrolment again is 'unchanged'.\n\n"
        "  --store DIR     the store (default $KTPEL_STORE, else ./ktpel-store)\n"
        "  --shards R      DIR is a sharded store of R shards (for `ktpel dedup --mpi`):\n"
        "                  each enrolment goes to shard FNV-1a-64(NIK) mod R, DIR/shard-K-of-R\n"
        "                  (include/ktpel/shard.h); the queue order stays global\n"
        "  --regions CSV   load the official region list for the NIK checks\n"
        "  --json          one object per enrolment and the counts, at the end\n"
        "  --quiet         no line per enrolment\n\n"
        "Exit status: 0 every enrolment stored or unchanged, 1 some rejected or a failure.\n");
}

typedef struct ingest_run {
    ktpel_store *store;
    ktpel_shard_set *shards; /* instead of store with --shards */
    ktpel_ingest_options opt;
    bool json, quiet;
    cli_json j;
    size_t counts[3];
    bool failed;
} ingest_run;

static void ingest_one(ingest_run *r, const char *dir)
{
    ktpel_errbuf eb;
    ktpel_errbuf_clear(&eb);
    ktpel_ingest_result res;
    ktpel_err err = r->shards ? ktpel_shard_ingest(r->shards, dir, &r->opt, &res, NULL, &eb)
                              : ktpel_ingest_enrolment(r->store, dir, &r->opt, &res, &eb);
    if (err != KTPEL_OK) {
        cli_fail("%s: %s", dir, ktpel_errbuf_message(&eb));
        r->failed = true;
        return;
    }
    r->counts[res.outcome]++;
    if (r->json) {
        cli_json_begin_object(&r->j, NULL);
        cli_json_string(&r->j, "enrolment", dir);
        cli_json_string(&r->j, "nik", res.nik[0] ? res.nik : NULL);
        cli_json_string(&r->j, "outcome", ktpel_ingest_outcome_id(res.outcome));
        cli_json_string(&r->j, "reason", res.outcome == KTPEL_INGEST_REJECTED ? res.reason : NULL);
        cli_json_end_object(&r->j);
    } else if (!r->quiet || res.outcome == KTPEL_INGEST_REJECTED) {
        printf("%s: %s%s%s%s%s\n", dir, ktpel_ingest_outcome_id(res.outcome),
               res.nik[0] ? " NIK " : "", res.nik, res.outcome == KTPEL_INGEST_REJECTED ? ": " : "",
               res.outcome == KTPEL_INGEST_REJECTED ? res.reason : "");
    }
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A folder of enrolments: its subfolders holding record.txt, in name order. */
static void ingest_parent(ingest_run *r, const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        cli_fail("%s: neither an enrolment (no record.txt) nor a readable folder", dir);
        r->failed = true;
        return;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    for (struct dirent *de; (de = readdir(d));) {
        if (de->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 256;
            char **p = realloc(names, cap * sizeof *p);
            if (!p)
                break;
            names = p;
        }
        names[n] = malloc(strlen(dir) + strlen(de->d_name) + 2);
        if (!names[n])
            break;
        sprintf(names[n++], "%s/%s", dir, de->d_name);
    }
    closedir(d);
    if (names)
        qsort(names, n, sizeof *names, cmp_str);
    size_t found = 0;
    for (size_t i = 0; i < n; i++) {
        if (ktpel_ingest_is_enrolment(names[i])) {
            ingest_one(r, names[i]);
            found++;
        }
        free(names[i]);
    }
    free(names);
    if (!found) {
        cli_fail("%s: no enrolment folders in it", dir);
        r->failed = true;
    }
}

int cmd_ingest(int argc, char **argv)
{
    ingest_run r = {0};
    const char *store_dir = dc_default_store(), *regions_path = NULL;
    int first_path = 0;
    long shards = 0;
    for (int i = 1; i < argc; i++) {
        int o = dc_store_option(argc, argv, &i, &store_dir);
        if (o < 0)
            return CLI_USAGE;
        if (o)
            continue;
        if (cli_is_help(argv[i])) {
            usage(stdout);
            return CLI_OK;
        } else if (strcmp(argv[i], "--json") == 0) {
            r.json = true;
        } else if (strcmp(argv[i], "--quiet") == 0) {
            r.quiet = true;
        } else if (strcmp(argv[i], "--shards") == 0) {
            char *end = NULL;
            const char *v = i + 1 < argc ? argv[++i] : "";
            shards = strtol(v, &end, 10);
            if (!*v || *end || shards < 1 || shards > KTPEL_SHARDS_MAX)
                return cli_usage_error("--shards needs a number 1..%d, got '%s'", KTPEL_SHARDS_MAX,
                                       v);
        } else if (strcmp(argv[i], "--regions") == 0 && i + 1 < argc) {
            regions_path = argv[++i];
        } else if (argv[i][0] == '-') {
            return cli_usage_error("ingest: unknown option '%s' (see --help)", argv[i]);
        } else {
            argv[++first_path] = argv[i]; /* paths are compacted to the front */
        }
    }
    if (!first_path)
        return cli_usage_error("ingest: no enrolment folder given (see --help)");
    ktpel_errbuf eb;
    ktpel_errbuf_clear(&eb);
    ktpel_regions *regions = NULL;
    if (ktpel_regions_create(&regions, &eb) ||
        (regions_path && ktpel_regions_load_csv(regions, regions_path, &eb))) {
        ktpel_regions_free(regions);
        return cli_fail_err(&eb);
    }
    if (shards && ktpel_shard_set_open(store_dir, (int)shards, &r.shards, &eb)) {
        ktpel_regions_free(regions);
        return cli_fail_err(&eb);
    }
    if (!shards)
        r.store = dc_open_store(store_dir, false, true);
    if (!r.store && !r.shards) {
        ktpel_regions_free(regions);
        return CLI_FAIL;
    }
    r.opt = (ktpel_ingest_options){.regions = regions, .time = (int64_t)time(NULL)};
    if (r.json) {
        cli_json_init(&r.j, stdout);
        cli_json_begin_object(&r.j, NULL);
        cli_json_begin_array(&r.j, "enrolments");
    }
    for (int i = 1; i <= first_path; i++) {
        if (ktpel_ingest_is_enrolment(argv[i]))
            ingest_one(&r, argv[i]);
        else
            ingest_parent(&r, argv[i]);
    }
    if (r.json) {
        cli_json_end_array(&r.j);
        cli_json_int(&r.j, "stored", (long long)r.counts[KTPEL_INGEST_STORED]);
        cli_json_int(&r.j, "unchanged", (long long)r.counts[KTPEL_INGEST_UNCHANGED]);
        cli_json_int(&r.j, "rejected", (long long)r.counts[KTPEL_INGEST_REJECTED]);
        cli_json_end_object(&r.j);
        cli_json_finish(&r.j);
    } else {
        printf("ingest: %zu stored, %zu unchanged, %zu rejected\n", r.counts[KTPEL_INGEST_STORED],
               r.counts[KTPEL_INGEST_UNCHANGED], r.counts[KTPEL_INGEST_REJECTED]);
    }
    ktpel_store_close(r.store);
    ktpel_shard_set_close(r.shards);
    ktpel_regions_free(regions);
    return r.failed || r.counts[KTPEL_INGEST_REJECTED] ? CLI_FAIL : CLI_OK;
}
