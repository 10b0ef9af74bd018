/* ktpel adjudicate list [--store DIR] [--json]
 * ktpel adjudicate decide NIK (--same-as NIK2 | --different) [--actor ID] [--reason TEXT]
 * ktpel report dedup -o DIR [--store DIR] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "dc_common.h"
#include "ktpel/adjudicate.h"
#include "ktpel/report.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: ktpel adjudicate list [--store DIR] [--json]\n"
            "       ktpel adjudicate decide NIK (--same-as NIK2 | --different) [--actor ID]\n"
            "                               [--reason TEXT] [--store DIR]\n\n"
            "list: the residents whose deduplication decision is ADJUDICATE, with their\n"
            "candidates and scores (`ktpel report dedup -o DIR` shows them side by side).\n"
            "decide: an officer's decision on one of them: the same person as candidate NIK2\n"
            "(status adjudicate -> duplicate) or different from every candidate (adjudicate ->\n"
            "unique, ready for personalisation). Written to the status history, the stored\n"
            "result and the audit log.\n\n"
            "  --store DIR    the store (default $KTPEL_STORE, else ./ktpel-store)\n"
            "  --actor ID     the officer's id, recorded (default %s)\n"
            "  --reason TEXT  why, recorded with the decision\n"
            "  --json         list as one JSON object\n",
            KTPEL_ADJUDICATE_DEFAULT_ACTOR);
}

static int list_cases(const char *store_dir, bool json)
{
    return dc_list_decisions(store_dir, ktpel_adjudicate_cases, json, "cases", false);
}

static int decide(const char *store_dir, const char *nik, const ktpel_adjudication *a)
{
    ktpel_store *s = dc_open_store(store_dir, false, false);
    if (!s)
        return CLI_FAIL;
    ktpel_errbuf eb;
    ktpel_errbuf_clear(&eb);
    ktpel_status to;
    ktpel_err err = ktpel_adjudicate_decide(s, nik, a, &to, &eb);
    ktpel_store_close(s);
    if (err)
        return cli_fail_err(&eb);
    if (a->same_as)
        printf("%s %s (same person as %s)\n", nik, ktpel_status_id(to), a->same_as);
    else
        printf("%s %s (different from every candidate)\n", nik, ktpel_status_id(to));
    return CLI_OK;
}

int cmd_adjudicate(int argc, char **argv)
{
    const char *store_dir = dc_default_store(), *nik = NULL, *action = NULL;
    bool json = false, different = false;
    ktpel_adjudication a = {0};
    for (int i = 1; i < argc; i++) {
        int o = dc_store_option(argc, argv, &i, &store_dir);
        if (o < 0)
            return CLI_USAGE;
        if (o)
            continue;
        const char *arg = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (cli_is_help(arg)) {
            usage(stdout);
            return CLI_OK;
        } else if (!action && (strcmp(arg, "list") == 0 || strcmp(arg, "decide") == 0)) {
            action = arg;
        } else if (strcmp(arg, "--json") == 0) {
            json = true;
        } else if (strcmp(arg, "--different") == 0) {
            different = true;
        } else if (strcmp(arg, "--same-as") == 0 || strcmp(arg, "--actor") == 0 ||
                   strcmp(arg, "--reason") == 0) {
            if (!v)
                return cli_usage_error("%s needs a value", arg);
            *(arg[2] == 's' ? &a.same_as : arg[2] == 'a' ? &a.actor : &a.reason) = v;
            i++;
        } else if (action && strcmp(action, "decide") == 0 && !nik && arg[0] != '-') {
            nik = arg;
        } else {
            return cli_usage_error("adjudicate: unexpected '%s' (see --help)", arg);
        }
    }
    if (!action)
        return cli_usage_error("adjudicate: say list or decide (see --help)");
    if (strcmp(action, "list") == 0)
        return list_cases(store_dir, json);
    if (!nik)
        return cli_usage_error("adjudicate decide: which NIK?");
    if (different == (a.same_as != NULL))
        return cli_usage_error("adjudicate decide: give exactly one of --same-as NIK2 and "
                               "--different");
    a.time = (int64_t)time(NULL);
    return decide(store_dir, nik, &a);
}

static void report_usage(FILE *out)
{
    fprintf(out, "usage: ktpel report dedup -o DIR [--store DIR]\n"
                 "       ktpel report pipeline -o DIR [--store DIR] ... (its own --help)\n\n"
                 "Writes DIR/index.html and one page per resident awaiting adjudication\n"
                 "(DIR/kasus-NIK.html): the resident and each candidate side by side, scores per\n"
                 "finger, minutiae drawings with the matched pairs joined. Static pages in Bahasa\n"
                 "Indonesia: no script, nothing fetched from the network.\n");
}

int cmd_report(int argc, char **argv)
{
    const char *store_dir = dc_default_store(), *out = NULL;
    bool dedup = false;
    if (argc > 1 && strcmp(argv[1], "pipeline") == 0)
        return cmd_report_pipeline(argc - 1, argv + 1);
    for (int i = 1; i < argc; i++) {
        int o = dc_store_option(argc, argv, &i, &store_dir);
        if (o < 0)
            return CLI_USAGE;
        if (o)
            continue;
        if (cli_is_help(argv[i])) {
            report_usage(stdout);
            return CLI_OK;
        } else if (!dedup && strcmp(argv[i], "dedup") == 0) {
            dedup = true;
        } else if (strcmp(argv[i], "-o") == 0 && i + 1 < argc) {
            out = argv[++i];
        } else {
            return cli_usage_error("report: unexpected '%s' (see --help)", argv[i]);
        }
    }
    if (!dedup)
        return cli_usage_error("report: which report? (dedup; see --help)");
    if (!out)
        return cli_usage_error("report dedup: -o DIR is required");
    ktpel_store *s = dc_open_store(store_dir, true, false);
    if (!s)
        return CLI_FAIL;
    ktpel_errbuf eb;
    ktpel_errbuf_clear(&eb);
    size_t cases = 0;
    ktpel_err err = ktpel_report_dedup(s, out, &cases, &eb);
    ktpel_store_close(s);
    if (err)
        return cli_fail_err(&eb);
    printf("%zu case page%s and index.html in %s\n", cases, cases == 1 ? "" : "s", out);
    return CLI_OK;
}
