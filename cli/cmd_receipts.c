/* ktpel receipts: the data center's side of the kecamatan desk (include/ktpel/cards.h):
 * import a desk's receipt file, check one without importing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "dc_common.h"
#include "ktpel/cards.h"
#include "ktpel/receipt.h"

static const char usage[] =
    "usage: ktpel receipts import FILE [--store DIR] [--actor ID] [--time UNIX] [--json]\n"
    "       ktpel receipts check FILE\n\n"
    "import  applies a kecamatan desk's receipt (written by `ktpel verify`): each card handed\n"
    "        over -> status handed_over, each card returned -> returned_for_destruction (the\n"
    "        resident then waits for a replacement card), each refusal -> an audit entry.\n"
    "        All or nothing: a malformed receipt, or an entry that does not fit the store (an\n"
    "        unknown NIK, a card not shipped, a handed-over chip that is not the card issued),\n"
    "        is rejected with the line and the reason, and nothing changes. Importing the\n"
    "        same entries again changes nothing.\n"
    "check   parses the receipt and prints its entries.\n";

typedef struct opts {
    const char *file, *store, *actor;
    long long time;
    bool json;
} opts;

static int parse(int argc, char **argv, opts *o)
{
    memset(o, 0, sizeof *o);
    o->store = dc_default_store();
    for (int i = 1; i < argc; i++) {
        int rc = dc_store_option(argc, argv, &i, &o->store);
        if (rc < 0)
            return CLI_USAGE;
        if (rc)
            continue;
        if (strcmp(argv[i], "--actor") == 0 && i + 1 < argc) {
            o->actor = argv[++i];
        } else if (strcmp(argv[i], "--time") == 0) {
            long t = 0;
            if (cli_parse_long("--time", i + 1 < argc ? argv[++i] : NULL, 0, 253402275599L, &t))
                return CLI_USAGE;
            o->time = t;
        } else if (strcmp(argv[i], "--json") == 0) {
            o->json = true;
        } else if (argv[i][0] == '-' || o->file) {
            return cli_usage_error("receipts: unexpected argument '%s'\n%s", argv[i], usage);
        } else {
            o->file = argv[i];
        }
    }
    if (!o->file)
        return cli_usage_error("receipts: FILE is needed\n%s", usage);
    return CLI_OK;
}

static int do_check(const opts *o)
{
    ktpel_receipt r = {0};
    ktpel_errbuf eb;
    if (ktpel_receipt_load(o->file, &r, &eb) != KTPEL_OK)
        return cli_fail_err(&eb);
    for (size_t i = 0; i < r.count; i++) {
        const ktpel_receipt_entry *e = &r.entries[i];
        printf("%s %s %s %s attempts %d score %.4f: %s\n", e->nik,
               ktpel_receipt_outcome_id(e->outcome), ktpel_desk_code_id(e->code), e->desk,
               e->attempts, e->score, e->reason);
    }
    printf("receipt %s: %zu entries, well-formed\n", o->file, r.count);
    ktpel_receipt_free(&r);
    return CLI_OK;
}

static int do_import(const opts *o)
{
    ktpel_receipt r = {0};
    ktpel_errbuf eb;
    if (ktpel_receipt_load(o->file, &r, &eb) != KTPEL_OK)
        return cli_fail("receipt rejected: %s", ktpel_errbuf_message(&eb));
    ktpel_store *s = dc_open_store(o->store, false, false);
    if (!s) {
        ktpel_receipt_free(&r);
        return CLI_FAIL;
    }
    ktpel_receipt_import_stats st;
    int64_t now = o->time ? o->time : (int64_t)time(NULL);
    ktpel_err err = ktpel_receipts_import(s, &r, now, o->actor, &st, &eb);
    ktpel_store_close(s);
    ktpel_receipt_free(&r);
    if (err)
        return cli_fail("receipt %s rejected, nothing imported: %s", o->file,
                        ktpel_errbuf_message(&eb));
    if (o->json) {
        cli_json j;
        cli_json_init(&j, stdout);
        cli_json_begin_object(&j, NULL);
        cli_json_int(&j, "entries", (long long)st.entries);
        cli_json_int(&j, "handed_over", (long long)st.handed_over);
        cli_json_int(&j, "returned", (long long)st.returned);
        cli_json_int(&j, "refused", (long long)st.refused);
        cli_json_int(&j, "already", (long long)st.already);
        cli_json_end_object(&j);
        cli_json_finish(&j);
    } else {
        printf("receipts: %zu entries: %zu handed over, %zu returned for destruction, %zu "
               "refused, %zu already imported\n",
               st.entries, st.handed_over, st.returned, st.refused, st.already);
    }
    return CLI_OK;
}

int cmd_receipts(int argc, char **argv)
{
    if (argc < 2 || cli_is_help(argv[1])) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_USAGE : CLI_OK;
    }
    bool import = strcmp(argv[1], "import") == 0;
    if (!import && strcmp(argv[1], "check") != 0)
        return cli_usage_error("receipts: unknown subcommand '%s'\n%s", argv[1], usage);
    opts o;
    int rc = parse(argc - 1, argv + 1, &o);
    if (rc != CLI_OK)
        return rc;
    return import ? do_import(&o) : do_check(&o);
}
