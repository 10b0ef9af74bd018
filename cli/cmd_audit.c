/* ktpel audit verify|list [--store DIR] [--json] */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "dc_common.h"
#include "ktpel/audit.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: ktpel audit verify [--store DIR] [--json]\n"
                 "       ktpel audit list [--store DIR] [--json]\n\n"
                 "verify  walks the audit log's SHA-256 chain; names the first broken entry\n"
                 "list    prints every entry: number, time, kind, actor, NIK, text\n\n"
                 "  --store DIR   the store (default $KTPEL_STORE, else ./ktpel-store)\n"
                 "Exit status: 0 intact, 1 broken or a failure.\n");
}

typedef struct list_ctx {
    bool json;
    cli_json j;
} list_ctx;

static int print_entry(void *ctx, const ktpel_audit_entry *e)
{
    list_ctx *c = ctx;
    if (c->json) {
        cli_json_begin_object(&c->j, NULL);
        cli_json_int(&c->j, "seq", (long long)e->seq);
        cli_json_int(&c->j, "time", (long long)e->time);
        cli_json_string(&c->j, "kind", ktpel_audit_kind_id(e->kind));
        cli_json_string(&c->j, "actor", e->actor);
        cli_json_string(&c->j, "nik", e->nik[0] ? e->nik : NULL);
        cli_json_string(&c->j, "text", e->text);
        cli_json_end_object(&c->j);
    } else {
        printf("%llu\t%lld\t%s\t%s\t%s\t%s\n", (unsigned long long)e->seq, (long long)e->time,
               ktpel_audit_kind_id(e->kind), e->actor, e->nik[0] ? e->nik : "-", e->text);
    }
    return 0;
}

int cmd_audit(int argc, char **argv)
{
    const char *store_dir = dc_default_store(), *action = NULL;
    bool json = false;
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
            json = true;
        } else if (!action && (strcmp(argv[i], "verify") == 0 || strcmp(argv[i], "list") == 0)) {
            action = argv[i];
        } else {
            return cli_usage_error("audit: unexpected '%s' (see --help)", argv[i]);
        }
    }
    if (!action)
        return cli_usage_error("audit: say verify or list (see --help)");
    ktpel_store *s = dc_open_store(store_dir, true, false);
    if (!s)
        return CLI_FAIL;
    ktpel_errbuf eb;
    ktpel_errbuf_clear(&eb);
    ktpel_err err;
    if (strcmp(action, "list") == 0) {
        list_ctx c = {.json = json};
        if (json) {
            cli_json_init(&c.j, stdout);
            cli_json_begin_array(&c.j, NULL);
        }
        err = ktpel_audit_list(s, print_entry, &c, &eb);
        if (json) {
            cli_json_end_array(&c.j);
            cli_json_finish(&c.j);
        }
    } else {
        uint64_t count = 0, bad = 0;
        err = ktpel_audit_verify(s, &count, &bad, &eb);
        if (json) {
            cli_json j;
            cli_json_init(&j, stdout);
            cli_json_begin_object(&j, NULL);
            cli_json_bool(&j, "intact", err == KTPEL_OK);
            cli_json_int(&j, "entries", (long long)count);
            if (err == KTPEL_EFORMAT)
                cli_json_int(&j, "first_broken", (long long)bad);
            cli_json_string(&j, "message", err ? ktpel_errbuf_message(&eb) : NULL);
            cli_json_end_object(&j);
            cli_json_finish(&j);
        } else if (!err) {
            printf("audit log intact: %llu entries\n", (unsigned long long)count);
        }
    }
    ktpel_store_close(s);
    return err ? cli_fail_err(&eb) : CLI_OK;
}
