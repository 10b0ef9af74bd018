/* ktpel backup DIR [--store S] [--json]
 * ktpel backup verify DIR [--json]
 * ktpel restore DIR --store S [--force] [--json]
 * Procedure: docs/backup.md. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "dc_common.h"
#include "ktpel/backup.h"

static void backup_usage(FILE *out)
{
    fprintf(out,
            "usage: ktpel backup DIR [--store S] [--json]\n"
            "       ktpel backup verify DIR [--json]\n\n"
            "backup  copies the store (while ingest and dedup keep running) into DIR, a new or\n"
            "        empty folder: data.mdb (compacted, one consistent snapshot) and\n"
            "        " KTPEL_BACKUP_MANIFEST " (counts, audit head, digests; docs/backup.md)\n"
            "verify  checks DIR against its manifest: SHA-256 of data.mdb, then recounts the\n"
            "        copy, walks its audit chain, recomputes its digest; names what differs\n"
            "        (a folder named 'verify' is ./verify)\n\n"
            "  --store S   the store (default $KTPEL_STORE, else ./ktpel-store)\n"
            "Exit status: 0 done / backup intact, 1 a failure or a difference, 2 usage error.\n");
}

static void restore_usage(FILE *out)
{
    fprintf(out, "usage: ktpel restore DIR --store S [--force] [--json]\n\n"
                 "Verifies the backup in DIR (as `ktpel backup verify`), then restores it as the\n"
                 "store folder S, which must not exist or be empty. --force replaces a non-empty\n"
                 "S (not while a dedup runs on it): the copy is made and checked in a folder\n"
                 "beside S, then swapped into place in one rename.\n"
                 "Exit status: 0 restored, 1 refused or failed, 2 usage error.\n");
}

static void hex(const uint8_t h[32], char out[65])
{
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", h[i]);
}

static void print_manifest(const char *dir, const ktpel_backup_manifest *m, bool json)
{
    char sha[65], head[65], digest[65];
    hex(m->data_sha256, sha);
    hex(m->audit_head, head);
    hex(m->store_digest, digest);
    if (!json) {
        printf("backup %s: data.mdb %llu bytes, sha256 %s\n", dir, (unsigned long long)m->data_size,
               sha);
        for (int i = 0; i < KTPEL_BACKUP_DBS; i++)
            printf("  %-16s %llu\n", ktpel_backup_db_name(i), (unsigned long long)m->counts[i]);
        printf("  audit log: %llu entries, head %s\n  store digest %s\n",
               (unsigned long long)m->audit_length, head, digest);
        return;
    }
    cli_json j;
    cli_json_init(&j, stdout);
    cli_json_begin_object(&j, NULL);
    cli_json_string(&j, "dir", dir);
    cli_json_string(&j, "ktpel_version", m->ktpel_version);
    cli_json_int(&j, "time", (long long)m->time);
    cli_json_int(&j, "schema", (long long)m->schema);
    cli_json_int(&j, "data_size", (long long)m->data_size);
    cli_json_string(&j, "data_sha256", sha);
    cli_json_begin_object(&j, "counts");
    for (int i = 0; i < KTPEL_BACKUP_DBS; i++)
        cli_json_int(&j, ktpel_backup_db_name(i), (long long)m->counts[i]);
    cli_json_end_object(&j);
    cli_json_int(&j, "audit_length", (long long)m->audit_length);
    cli_json_string(&j, "audit_head", head);
    cli_json_string(&j, "store_digest", digest);
    cli_json_end_object(&j);
    cli_json_finish(&j);
}

typedef struct diff_out {
    bool json;
    cli_json j;
} diff_out;

static void print_diff(void *ctx, const char *what)
{
    diff_out *d = ctx;
    if (d->json)
        cli_json_string(&d->j, NULL, what);
    else
        printf("differs: %s\n", what);
}

static int do_verify(const char *dir, bool json)
{
    ktpel_errbuf eb;
    ktpel_errbuf_clear(&eb);
    diff_out d = {.json = json};
    if (json) {
        cli_json_init(&d.j, stdout);
        cli_json_begin_object(&d.j, NULL);
        cli_json_string(&d.j, "dir", dir);
        cli_json_begin_array(&d.j, "differences");
    }
    ktpel_err err = ktpel_backup_verify(dir, print_diff, &d, NULL, &eb);
    if (json) {
        cli_json_end_array(&d.j);
        cli_json_bool(&d.j, "intact", err == KTPEL_OK);
        cli_json_string(&d.j, "message", err ? ktpel_errbuf_message(&eb) : NULL);
        cli_json_end_object(&d.j);
        cli_json_finish(&d.j);
    } else if (!err) {
        printf("backup %s intact\n", dir);
    }
    return err ? cli_fail_err(&eb) : CLI_OK;
}

int cmd_backup(int argc, char **argv)
{
    const char *store_dir = dc_default_store(), *dir = NULL;
    bool json = false, verify = false;
    for (int i = 1; i < argc; i++) {
        int o = dc_store_option(argc, argv, &i, &store_dir);
        if (o < 0)
            return CLI_USAGE;
        if (o)
            continue;
        if (cli_is_help(argv[i])) {
            backup_usage(stdout);
            return CLI_OK;
        } else if (strcmp(argv[i], "--json") == 0) {
            json = true;
        } else if (i == 1 && strcmp(argv[i], "verify") == 0) {
            verify = true;
        } else if (!dir && argv[i][0] != '-' && argv[i][0]) {
            dir = argv[i];
        } else {
            return cli_usage_error("backup: unexpected '%s' (see --help)", argv[i]);
        }
    }
    if (!dir)
        return cli_usage_error("backup: name the backup folder (see --help)");
    if (verify)
        return do_verify(dir, json);
    ktpel_store *s = dc_open_store(store_dir, true, false);
    if (!s)
        return CLI_FAIL;
    ktpel_errbuf eb;
    ktpel_errbuf_clear(&eb);
    ktpel_backup_options opt = {.time = (int64_t)time(NULL), .version = KTPEL_VERSION};
    ktpel_backup_manifest m;
    ktpel_err err = ktpel_backup_create(s, dir, &opt, &m, &eb);
    ktpel_store_close(s);
    if (err)
        return cli_fail_err(&eb);
    print_manifest(dir, &m, json);
    return CLI_OK;
}

int cmd_restore(int argc, char **argv)
{
    const char *store_dir = NULL, *dir = NULL;
    bool json = false, force = false;
    for (int i = 1; i < argc; i++) {
        int o = dc_store_option(argc, argv, &i, &store_dir);
        if (o < 0)
            return CLI_USAGE;
        if (o)
            continue;
        if (cli_is_help(argv[i])) {
            restore_usage(stdout);
            return CLI_OK;
        } else if (strcmp(argv[i], "--json") == 0) {
            json = true;
        } else if (strcmp(argv[i], "--force") == 0) {
            force = true;
        } else if (!dir && argv[i][0] != '-' && argv[i][0]) {
            dir = argv[i];
        } else {
            return cli_usage_error("restore: unexpected '%s' (see --help)", argv[i]);
        }
    }
    if (!dir)
        return cli_usage_error("restore: name the backup folder (see --help)");
    /* No default store here: restoring over the wrong folder must take a deliberate word. */
    if (!store_dir)
        return cli_usage_error("restore: say where with --store S (see --help)");
    ktpel_errbuf eb;
    ktpel_errbuf_clear(&eb);
    ktpel_err err = ktpel_backup_restore(dir, store_dir, force, &eb);
    if (json) {
        cli_json j;
        cli_json_init(&j, stdout);
        cli_json_begin_object(&j, NULL);
        cli_json_bool(&j, "restored", err == KTPEL_OK);
        cli_json_string(&j, "backup", dir);
        cli_json_string(&j, "store", store_dir);
        cli_json_string(&j, "message", err ? ktpel_errbuf_message(&eb) : NULL);
        cli_json_end_object(&j);
        cli_json_finish(&j);
    } else if (!err) {
        printf("restored %s into %s\n", dir, store_dir);
    }
    return err ? cli_fail_err(&eb) : CLI_OK;
}
