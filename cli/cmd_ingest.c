/* ktpel ingest [--store DIR] [--shards R] [--regions CSV] [--json] PATH...
 * ktpel ingest [--store DIR] --dc-key KEY --ca CA [--max-age-days N] PACKET.ktp...|--inbox DIR
 *
 * Each PATH is an enrolment folder (it holds record.txt) or a folder of them (a synthetic
 * population, a spool folder): its enrolment subfolders are ingested in name order. A PATH
 * that is a file is a sealed packet; --inbox DIR takes every DIR/ *.ktp and moves it to
 * DIR/done/ or DIR/rejected/. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"
#include "dc_common.h"
#include "ktpel/ingest.h"
#include "ktpel/packet.h"
#include "ktpel/shard.h"

static void usage(FILE *out)
{
    fprintf(
        out,
        "usage: ktpel ingest [--store DIR] [--shards R] [--regions CSV] [--json] [--quiet]\n"
        "                    PATH...\n"
        "       ktpel ingest [--store DIR] [--regions CSV] [--json] [--quiet] --dc-key KEY\n"
        "                    [--dc-cert CERT] --ca CA [--max-age-days N] [--at T]\n"
        "                    (PACKET.ktp... | --inbox DIR)\n\n"
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
        "Sealed packets (docs/packet-format.md): a PATH that is a file, or every *.ktp of\n"
        "--inbox DIR (other names are ignored: `ktpel station send` writes temporary ones).\n"
        "Each is decrypted, its station verified against the CA at the signing time, its\n"
        "age checked, and its enrolment stored as above, together with the packet's id (a\n"
        "second copy is rejected as 'replayed'), capture metadata and images. Rejected:\n"
        "tampered, untrusted, expired, truncated, malformed, wrong-recipient, replayed,\n"
        "invalid (the enrolment). Inbox packets are moved to DIR/done/ when accepted, to\n"
        "DIR/rejected/ with NAME.reason beside them when not; packets named on the command\n"
        "line stay where they are.\n"
        "  --dc-key KEY    the data center's private key (default $KTPEL_DC_KEY)\n"
        "  --dc-cert CERT  its certificate (default: KEY with .crt for .key)\n"
        "  --ca CA         the enrolment CA that issues station certificates ($KTPEL_CA)\n"
        "  --max-age-days N  oldest packet accepted, days (default 30, 0 = no limit)\n"
        "  --at T          the time for the age check (YYYY-MM-DDTHH:MM:SSZ; default now)\n"
        "  --inbox DIR     ingest the packets waiting in DIR\n\n"
        "Exit status: 0 every enrolment stored or unchanged, 1 some rejected or a failure.\n");
}

typedef struct ingest_run {
    ktpel_store *store;
    ktpel_shard_set *shards; /* instead of store with --shards */
    ktpel_ingest_options opt;
    ktpel_ingest_packet_options popt; /* sealed packets */
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

static void packet_done(void *ctx, const char *path, const ktpel_ingest_packet_result *p)
{
    ingest_run *r = ctx;
    const ktpel_ingest_result *res = &p->ingest;
    bool rejected = res->outcome == KTPEL_INGEST_REJECTED;
    char first[32] = "";
    if (p->first_ingested)
        ktpel_packet_format_time(p->first_ingested, first, sizeof first);
    r->counts[res->outcome]++;
    if (r->json) {
        cli_json_begin_object(&r->j, NULL);
        cli_json_string(&r->j, "packet", path);
        cli_json_string(&r->j, "packet_id", p->packet_id[0] ? p->packet_id : NULL);
        cli_json_string(&r->j, "station_id", p->station_id[0] ? p->station_id : NULL);
        cli_json_string(&r->j, "nik", res->nik[0] ? res->nik : NULL);
        cli_json_string(&r->j, "outcome", ktpel_ingest_outcome_id(res->outcome));
        cli_json_string(&r->j, "reason_id", p->reason_id);
        cli_json_string(&r->j, "reason", rejected ? res->reason : NULL);
        cli_json_string(&r->j, "first_ingested", first[0] ? first : NULL);
        cli_json_string(&r->j, "moved_to", p->moved_to[0] ? p->moved_to : NULL);
        cli_json_end_object(&r->j);
    } else if (!r->quiet || rejected) {
        printf("%s: %s", path, ktpel_ingest_outcome_id(res->outcome));
        if (rejected)
            printf(" (%s): %s", p->reason_id, res->reason);
        else
            printf(" NIK %s (packet %s, station %s)", res->nik, p->packet_id, p->station_id);
        printf("%s%s\n", p->moved_to[0] ? " -> " : "", p->moved_to);
    }
}

static void ingest_packet_one(ingest_run *r, const char *path)
{
    ktpel_errbuf eb;
    ktpel_errbuf_clear(&eb);
    ktpel_ingest_packet_result *p = malloc(sizeof *p);
    if (!p || ktpel_ingest_packet_file(r->store, path, &r->popt, p, &eb)) {
        cli_fail("%s: %s", path, p ? ktpel_errbuf_message(&eb) : "out of memory");
        r->failed = true;
    } else {
        packet_done(r, path, p);
    }
    free(p);
}

static void ingest_inbox(ingest_run *r, const char *inbox)
{
    ktpel_errbuf eb;
    ktpel_errbuf_clear(&eb);
    if (ktpel_ingest_inbox(r->store, inbox, &r->popt, packet_done, r, &eb)) {
        cli_fail("%s", ktpel_errbuf_message(&eb));
        r->failed = true;
    }
}

static bool is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Loads the data center's key and certificate and the CA for sealed packets. */
typedef struct packet_keys {
    const char *dc_key, *dc_cert, *ca;
    long max_age_days;
    int64_t at;
    ktpel_pki_key *key;
    ktpel_pki_cert *cert;
    ktpel_pki_trust *trust;
} packet_keys;

static int load_packet_keys(packet_keys *k, ingest_run *r)
{
    if (!k->dc_key)
        k->dc_key = getenv("KTPEL_DC_KEY");
    if (!k->ca)
        k->ca = getenv("KTPEL_CA");
    if (!k->dc_key || !*k->dc_key || !k->ca || !*k->ca)
        return cli_usage_error("ingest: sealed packets need --dc-key KEY and --ca CA "
                               "(or KTPEL_DC_KEY and KTPEL_CA)");
    char cert[4096];
    size_t n = strlen(k->dc_key);
    if (!k->dc_cert) {
        snprintf(cert, sizeof cert, "%.*s.crt",
                 (int)(n > 4 && strcmp(k->dc_key + n - 4, ".key") == 0 ? n - 4 : n), k->dc_key);
        k->dc_cert = cert;
    }
    ktpel_errbuf eb;
    ktpel_errbuf_clear(&eb);
    if (ktpel_pki_key_load(k->dc_key, &k->key, &eb) ||
        ktpel_pki_cert_load(k->dc_cert, &k->cert, &eb) ||
        ktpel_pki_trust_load(k->ca, &k->trust, &eb))
        return cli_fail_err(&eb);
    if (!ktpel_pki_key_matches(k->key, k->cert))
        return cli_fail("ingest: %s is not the key of %s", k->dc_key, k->dc_cert);
    r->popt = (ktpel_ingest_packet_options){.ingest = r->opt,
                                            .trust = k->trust,
                                            .dc_cert = k->cert,
                                            .dc_key = k->key,
                                            .now = k->at,
                                            .max_age = (int64_t)k->max_age_days * 86400};
    return CLI_OK;
}

static void free_packet_keys(packet_keys *k)
{
    ktpel_pki_key_free(k->key);
    ktpel_pki_cert_free(k->cert);
    ktpel_pki_trust_free(k->trust);
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

static void print_summary(ingest_run *r)
{
    if (r->json) {
        cli_json_end_array(&r->j);
        cli_json_int(&r->j, "stored", (long long)r->counts[KTPEL_INGEST_STORED]);
        cli_json_int(&r->j, "unchanged", (long long)r->counts[KTPEL_INGEST_UNCHANGED]);
        cli_json_int(&r->j, "rejected", (long long)r->counts[KTPEL_INGEST_REJECTED]);
        cli_json_end_object(&r->j);
        cli_json_finish(&r->j);
    } else {
        printf("ingest: %zu stored, %zu unchanged, %zu rejected\n", r->counts[KTPEL_INGEST_STORED],
               r->counts[KTPEL_INGEST_UNCHANGED], r->counts[KTPEL_INGEST_REJECTED]);
    }
}

int cmd_ingest(int argc, char **argv)
{
    ingest_run r = {0};
    const char *store_dir = dc_default_store(), *regions_path = NULL;
    int first_path = 0, inboxes = 0;
    long shards = 0;
    packet_keys keys = {.max_age_days = 30};
    const char *inbox[16];
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
        } else if (strcmp(argv[i], "--dc-key") == 0 && i + 1 < argc) {
            keys.dc_key = argv[++i];
        } else if (strcmp(argv[i], "--dc-cert") == 0 && i + 1 < argc) {
            keys.dc_cert = argv[++i];
        } else if (strcmp(argv[i], "--ca") == 0 && i + 1 < argc) {
            keys.ca = argv[++i];
        } else if (strcmp(argv[i], "--inbox") == 0 && i + 1 < argc) {
            if (inboxes == 16)
                return cli_usage_error("ingest: at most 16 --inbox folders");
            inbox[inboxes++] = argv[++i];
        } else if (strcmp(argv[i], "--max-age-days") == 0) {
            if (cli_parse_long(argv[i], i + 1 < argc ? argv[i + 1] : NULL, 0, 36500,
                               &keys.max_age_days) != CLI_OK)
                return CLI_USAGE;
            i++;
        } else if (strcmp(argv[i], "--at") == 0 && i + 1 < argc) {
            if (!ktpel_packet_parse_time(argv[++i], &keys.at))
                return cli_usage_error("ingest: --at %s: YYYY-MM-DDTHH:MM:SSZ", argv[i]);
        } else if (argv[i][0] == '-') {
            return cli_usage_error("ingest: unknown option '%s' (see --help)", argv[i]);
        } else {
            argv[++first_path] = argv[i]; /* paths are compacted to the front */
        }
    }
    bool packets = inboxes > 0;
    for (int i = 1; i <= first_path; i++)
        packets = packets || is_file(argv[i]);
    if (!first_path && !inboxes)
        return cli_usage_error("ingest: no enrolment folder given (see --help)");
    if (packets && shards)
        return cli_usage_error("ingest: sealed packets into a sharded store are not supported");
    ktpel_errbuf eb;
    ktpel_errbuf_clear(&eb);
    ktpel_regions *regions = NULL;
    if (ktpel_regions_create(&regions, &eb) ||
        (regions_path && ktpel_regions_load_csv(regions, regions_path, &eb))) {
        ktpel_regions_free(regions);
        return cli_fail_err(&eb);
    }
    r.opt = (ktpel_ingest_options){.regions = regions, .time = (int64_t)time(NULL)};
    int rc = packets ? load_packet_keys(&keys, &r) : CLI_OK;
    if (rc != CLI_OK) {
        free_packet_keys(&keys);
        ktpel_regions_free(regions);
        return rc;
    }
    if (shards && ktpel_shard_set_open(store_dir, (int)shards, &r.shards, &eb)) {
        ktpel_regions_free(regions);
        return cli_fail_err(&eb);
    }
    if (!shards)
        r.store = dc_open_store(store_dir, false, true);
    if (!r.store && !r.shards) {
        free_packet_keys(&keys);
        ktpel_regions_free(regions);
        return CLI_FAIL;
    }
    if (r.json) {
        cli_json_init(&r.j, stdout);
        cli_json_begin_object(&r.j, NULL);
        cli_json_begin_array(&r.j, "enrolments");
    }
    for (int i = 1; i <= first_path; i++) {
        if (is_file(argv[i]))
            ingest_packet_one(&r, argv[i]);
        else if (ktpel_ingest_is_enrolment(argv[i]))
            ingest_one(&r, argv[i]);
        else
            ingest_parent(&r, argv[i]);
    }
    for (int i = 0; i < inboxes; i++)
        ingest_inbox(&r, inbox[i]);
    print_summary(&r);
    ktpel_store_close(r.store);
    ktpel_shard_set_close(r.shards);
    ktpel_regions_free(regions);
    free_packet_keys(&keys);
    return r.failed || r.counts[KTPEL_INGEST_REJECTED] ? CLI_FAIL : CLI_OK;
}
