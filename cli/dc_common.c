/* The --store option shared by the data-center commands. */
#include "dc_common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ktpel/status.h"

const char *dc_default_store(void)
{
    const char *env = getenv("KTPEL_STORE");
    return env && *env ? env : "./" KTPEL_STORE_DEFAULT_DIR;
}

int dc_store_option(int argc, char **argv, int *i, const char **dir)
{
    const char *a = argv[*i];
    if (strncmp(a, "--store=", 8) == 0) {
        *dir = a + 8;
        return **dir ? 1 : (cli_usage_error("--store needs a folder"), -1);
    }
    if (strcmp(a, "--store") != 0)
        return 0;
    if (*i + 1 >= argc || !*argv[*i + 1]) {
        cli_usage_error("--store needs a folder");
        return -1;
    }
    *dir = argv[++*i];
    return 1;
}

ktpel_store *dc_open_store(const char *dir, bool read_only, bool create)
{
    ktpel_errbuf eb;
    ktpel_errbuf_clear(&eb);
    ktpel_store *s = NULL;
    ktpel_store_options opt = {.read_only = read_only, .no_create = !create};
    if (ktpel_store_open(dir, &opt, &s, &eb) != KTPEL_OK) {
        cli_fail_err(&eb);
        return NULL;
    }
    return s;
}

void dc_decision_text(const ktpel_dedup_decision *d, bool with_decision)
{
    printf("%s", d->nik);
    if (with_decision)
        printf(" %s", ktpel_status_id(d->decision));
    for (int i = 0; i < d->candidate_count; i++)
        printf(" %s:%.3f%s", d->candidates[i].nik, d->candidates[i].score,
               d->candidates[i].iris_unconfirmed ? "(irises-do-not-confirm)" : "");
    printf("\n");
}

void dc_decision_json(cli_json *j, const ktpel_dedup_decision *d)
{
    cli_json_begin_object(j, NULL);
    cli_json_string(j, "nik", d->nik);
    cli_json_string(j, "decision", ktpel_status_id(d->decision));
    cli_json_begin_array(j, "candidates");
    for (int i = 0; i < d->candidate_count; i++) {
        cli_json_begin_object(j, NULL);
        cli_json_string(j, "nik", d->candidates[i].nik);
        char score[32];
        snprintf(score, sizeof score, "%.3f", d->candidates[i].score);
        cli_json_double(j, "score", atof(score));
        if (d->candidates[i].iris_unconfirmed)
            cli_json_bool(j, "iris_unconfirmed", true);
        cli_json_end_object(j);
    }
    cli_json_end_array(j);
    cli_json_end_object(j);
}

typedef struct list_ctx {
    bool json;
    bool with_decision;
    cli_json j;
} list_ctx;

static void list_one(void *ctx, const ktpel_dedup_decision *d)
{
    list_ctx *o = ctx;
    if (o->json)
        dc_decision_json(&o->j, d);
    else
        dc_decision_text(d, o->with_decision);
}

int dc_list_decisions(const char *store_dir, dc_decision_source source, bool json,
                      const char *array, bool with_decision)
{
    ktpel_store *s = dc_open_store(store_dir, true, false);
    if (!s)
        return CLI_FAIL;
    list_ctx o = {.json = json, .with_decision = with_decision};
    if (json) {
        cli_json_init(&o.j, stdout);
        cli_json_begin_object(&o.j, NULL);
        cli_json_begin_array(&o.j, array);
    }
    ktpel_errbuf eb;
    ktpel_errbuf_clear(&eb);
    ktpel_err err = source(s, list_one, &o, &eb);
    if (json) {
        cli_json_end_array(&o.j);
        cli_json_end_object(&o.j);
        cli_json_finish(&o.j);
    }
    ktpel_store_close(s);
    return err ? cli_fail_err(&eb) : CLI_OK;
}
