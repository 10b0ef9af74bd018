/* ktpel personalize: chips, card prints and shipments for every resident that waits for a
 * card (include/ktpel/personalize.h, docs/personalize.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "dc_common.h"
#include "ktpel/card_print.h"
#include "ktpel/personalize.h"

static const char usage[] =
    "usage: ktpel personalize [--store DIR] [--batch N] (--pki DIR | --ds-cert CERT --ds-key KEY)\n"
    "                         -o DIR [--no-ship] [--time UNIX] [--actor ID] [--quiet] [--json]\n\n"
    "For every resident whose status is unique (or returned_for_destruction: a replacement):\n"
    "the chip file, the card print (PNG 300 dpi and PDF) and a register number, status\n"
    "personalised; then one shipment list per kecamatan (CSV and JSON), status shipped.\n"
    "  -o DIR      output: DIR/cards/REGISTER.{chip,png,pdf}, DIR/shipments/NNNNNN/*.csv|json\n"
    "  --pki DIR   document-signer.crt/.key of `ktpel pki init`; or --ds-cert and --ds-key\n"
    "  --batch N   cards per committed transaction (default 16)\n"
    "  --no-ship   personalise and write the files, but make no shipment\n"
    "  --time T    unix seconds of the run (status entries, signing time, issue date in\n"
    "              Jakarta); default now\n"
    "Resumable: run it again after an interruption and it finishes the rest, with the same\n"
    "files as one uninterrupted run. Exit status 1 if any resident had to be skipped.\n";

typedef struct opts {
    const char *store, *pki, *ds_cert, *ds_key, *out, *actor;
    long batch;
    long long time;
    bool no_ship, quiet, json;
} opts;

static int parse(int argc, char **argv, opts *o)
{
    memset(o, 0, sizeof *o);
    o->store = dc_default_store();
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int rc = dc_store_option(argc, argv, &i, &o->store);
        if (rc < 0)
            return CLI_USAGE;
        if (rc)
            continue;
        const char **value = strcmp(a, "--pki") == 0                              ? &o->pki
                             : strcmp(a, "--ds-cert") == 0                        ? &o->ds_cert
                             : strcmp(a, "--ds-key") == 0                         ? &o->ds_key
                             : strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0 ? &o->out
                             : strcmp(a, "--actor") == 0                          ? &o->actor
                                                                                  : NULL;
        if (value) {
            if (i + 1 >= argc)
                return cli_usage_error("%s needs a value", a);
            *value = argv[++i];
        } else if (strcmp(a, "--batch") == 0) {
            if (cli_parse_long("--batch", i + 1 < argc ? argv[++i] : NULL, 1, 100000, &o->batch))
                return CLI_USAGE;
        } else if (strcmp(a, "--time") == 0) {
            long t = 0;
            if (cli_parse_long("--time", i + 1 < argc ? argv[++i] : NULL, 1, 253402275599L, &t))
                return CLI_USAGE;
            o->time = t;
        } else if (strcmp(a, "--no-ship") == 0) {
            o->no_ship = true;
        } else if (strcmp(a, "--quiet") == 0) {
            o->quiet = true;
        } else if (strcmp(a, "--json") == 0) {
            o->json = true;
        } else {
            return cli_usage_error("personalize: unknown option '%s'\n%s", a, usage);
        }
    }
    if (!o->out)
        return cli_usage_error("personalize needs -o DIR\n%s", usage);
    if (!o->pki && (!o->ds_cert || !o->ds_key))
        return cli_usage_error("personalize needs --pki DIR or --ds-cert and --ds-key");
    return CLI_OK;
}

static void on_event(void *ctx, const ktpel_personalize_event *ev)
{
    const opts *o = ctx;
    if (ev->kind == KTPEL_PERSO_SKIPPED) {
        fprintf(stderr, "ktpel: skipped NIK %s: %s\n", ev->nik, ev->message);
        return;
    }
    if (o->quiet || o->json)
        return;
    if (ev->kind == KTPEL_PERSO_PERSONALISED)
        printf("personalised %s card %s (issue %d)\n", ev->nik, ev->card->register_no,
               ev->card->issue);
    else if (ev->kind == KTPEL_PERSO_LIST)
        printf("shipment list %s: %zu card%s for %s\n", ev->path, ev->count,
               ev->count == 1 ? "" : "s", ev->message);
}

static void summary(const opts *o, const ktpel_personalize_stats *st, double seconds)
{
    if (!o->json) {
        printf("personalize: %zu waiting, %zu personalised, %zu skipped, %zu card file sets "
               "written, %zu shipped in shipment %06llu (%zu lists) in %.1f s\n",
               st->pending, st->personalised, st->skipped, st->files, st->shipped,
               (unsigned long long)st->shipment, st->lists, seconds);
        return;
    }
    cli_json j;
    cli_json_init(&j, stdout);
    cli_json_begin_object(&j, NULL);
    cli_json_int(&j, "pending", (long long)st->pending);
    cli_json_int(&j, "personalised", (long long)st->personalised);
    cli_json_int(&j, "skipped", (long long)st->skipped);
    cli_json_int(&j, "files", (long long)st->files);
    cli_json_int(&j, "shipment", (long long)st->shipment);
    cli_json_int(&j, "shipped", (long long)st->shipped);
    cli_json_int(&j, "lists", (long long)st->lists);
    cli_json_double(&j, "seconds", seconds);
    cli_json_end_object(&j);
    cli_json_finish(&j);
}

static ktpel_err load_signer(const opts *o, ktpel_pki_cert **cert, ktpel_pki_key **key,
                             ktpel_errbuf *eb)
{
    char cbuf[4200], kbuf[4200];
    const char *cp = o->ds_cert, *kp = o->ds_key;
    if (o->pki) {
        snprintf(cbuf, sizeof cbuf, "%s/%s", o->pki, KTPEL_PKI_DS_CERT);
        snprintf(kbuf, sizeof kbuf, "%s/%s", o->pki, KTPEL_PKI_DS_KEY);
        cp = cbuf;
        kp = kbuf;
    }
    ktpel_err err = ktpel_pki_cert_load(cp, cert, eb);
    if (!err)
        err = ktpel_pki_key_load(kp, key, eb);
    return err;
}

int cmd_personalize(int argc, char **argv)
{
    if (argc >= 2 && cli_is_help(argv[1])) {
        fputs(usage, stdout);
        return CLI_OK;
    }
    opts o;
    int rc = parse(argc, argv, &o);
    if (rc != CLI_OK)
        return rc;
    ktpel_errbuf eb;
    ktpel_pki_cert *cert = NULL;
    ktpel_pki_key *key = NULL;
    if (load_signer(&o, &cert, &key, &eb) != KTPEL_OK) {
        ktpel_pki_cert_free(cert);
        return cli_fail_err(&eb);
    }
    ktpel_store *s = dc_open_store(o.store, false, false);
    if (!s) {
        ktpel_pki_cert_free(cert);
        ktpel_pki_key_free(key);
        return CLI_FAIL;
    }
    ktpel_personalize_options popt = {
        .out_dir = o.out,
        .ds_cert = cert,
        .ds_key = key,
        .batch = (size_t)o.batch,
        .time = o.time,
        .actor = o.actor,
        .no_ship = o.no_ship,
        .on_event = on_event,
        .ctx = &o,
    };
    ktpel_personalize_stats st;
    double t0 = cli_now_seconds();
    ktpel_err err = ktpel_personalize_run(s, &popt, &st, &eb);
    double seconds = cli_now_seconds() - t0;
    ktpel_store_close(s);
    ktpel_pki_cert_free(cert);
    ktpel_pki_key_free(key);
    ktpel_card_print_release_caches(); /* the command ends here: a clean exit under ASan */
    if (err)
        return cli_fail_err(&eb);
    summary(&o, &st, seconds);
    return st.skipped ? CLI_FAIL : CLI_OK;
}
