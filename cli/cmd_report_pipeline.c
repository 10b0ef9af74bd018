/* `ktpel report pipeline`: one HTML page about a whole run of the pipeline
 * (include/ktpel/report.h). Called by cmd_report (cli/cmd_adjudicate.c) with
 * argv[0] == "pipeline". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "dc_common.h"
#include "ktpel/report.h"

#define LIST_MAX 64

static void usage(FILE *out)
{
    fprintf(out,
            "usage: ktpel report pipeline -o DIR [--store DIR] [--title TEXT]\n"
            "                             [--table FILE.tsv]... [--card PNG]...\n"
            "                             [--dedup-report SUBDIR]\n"
            "\n"
            "Writes DIR/index.html: one page about a run of the whole pipeline. From the\n"
            "store: every duplicate (found by deduplication alone or decided by an officer)\n"
            "with both stored photos, the score and who decided; the adjudication cases\n"
            "decided 'different'; the residents by status. From the caller: tables in TSV\n"
            "files (line 1 the caption, line 2 the header, then rows; tab-separated), shown\n"
            "as they are, e.g. timings or checks against a ground truth (a cell FAILED or\n"
            "GAGAL is marked red). The first table comes first, then the cards, then the\n"
            "other tables. Static page in Bahasa Indonesia: no script, nothing fetched from\n"
            "the network.\n"
            "\n"
            "  --table FILE.tsv      a table to show, in the order given (up to %d)\n"
            "  --card PNG            a card image (`ktpel card render`), copied to DIR/kartu/\n"
            "                        (up to %d; names of letters, digits, . _ -)\n"
            "  --dedup-report SUBDIR the `ktpel report dedup` folder inside DIR: cases link to\n"
            "                        its kasus-NIK.html pages\n"
            "  --title TEXT          the page's title\n",
            LIST_MAX, LIST_MAX);
}

int cmd_report_pipeline(int argc, char **argv)
{
    const char *store_dir = dc_default_store(), *out = NULL;
    const char *tables[LIST_MAX], *cards[LIST_MAX];
    ktpel_report_pipeline_options opt = {.tables = tables, .cards = cards};
    for (int i = 1; i < argc; i++) {
        int o = dc_store_option(argc, argv, &i, &store_dir);
        if (o < 0)
            return CLI_USAGE;
        if (o)
            continue;
        const char *a = argv[i];
        if (cli_is_help(a)) {
            usage(stdout);
            return CLI_OK;
        }
        if (i + 1 >= argc)
            return cli_usage_error("report pipeline: unexpected '%s' (see --help)", a);
        if (strcmp(a, "-o") == 0) {
            out = argv[++i];
        } else if (strcmp(a, "--title") == 0) {
            opt.title = argv[++i];
        } else if (strcmp(a, "--dedup-report") == 0) {
            opt.dedup_report = argv[++i];
        } else if (strcmp(a, "--table") == 0) {
            if (opt.table_count == LIST_MAX)
                return cli_usage_error("report pipeline: at most %d --table", LIST_MAX);
            tables[opt.table_count++] = argv[++i];
        } else if (strcmp(a, "--card") == 0) {
            if (opt.card_count == LIST_MAX)
                return cli_usage_error("report pipeline: at most %d --card", LIST_MAX);
            cards[opt.card_count++] = argv[++i];
        } else {
            return cli_usage_error("report pipeline: unexpected '%s' (see --help)", a);
        }
    }
    if (!out || !*out)
        return cli_usage_error("report pipeline: -o DIR is required");
    ktpel_store *s = dc_open_store(store_dir, true, false);
    if (!s)
        return CLI_FAIL;
    ktpel_errbuf eb;
    ktpel_errbuf_clear(&eb);
    ktpel_err err = ktpel_report_pipeline(s, out, &opt, &eb);
    ktpel_store_close(s);
    if (err)
        return cli_fail_err(&eb);
    printf("%s/index.html\n", out);
    return CLI_OK;
}
