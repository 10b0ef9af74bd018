/* ktpel application check FILE [--regions CSV] [--json] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ktpel/application.h"

static void print_usage(FILE *out)
{
    fprintf(out, "usage: ktpel application check FILE [--regions CSV] [--json]\n"
                 "\n"
                 "Checks a KTP-el application file (format: docs/application-format.md): the\n"
                 "record (first invalid field), the documents the service needs, eligibility,\n"
                 "the late-reporting fine and the queue class.\n"
                 "\n"
                 "  --regions CSV   load the official region list (code,name lines)\n"
                 "  --json          print the result as JSON\n"
                 "\n"
                 "Exit status: 0 the application can proceed, 1 it cannot (or the file is\n"
                 "malformed), 2 usage error.\n");
}

static void format_rupiah(long long amount, char *buf, size_t size)
{
    /* Indonesian grouping: 1.000.000 */
    char digits[32];
    int n = snprintf(digits, sizeof digits, "%lld", amount);
    size_t o = 0;
    for (int i = 0; i < n && o + 2 < size; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            buf[o++] = '.';
        buf[o++] = digits[i];
    }
    buf[o] = '\0';
}

static void priority_list(unsigned bits, char *buf, size_t size)
{
    buf[0] = '\0';
    for (unsigned b = KTPEL_PRIORITY_ELDERLY; b <= KTPEL_PRIORITY_DISABILITY; b <<= 1)
        if (bits & b) {
            size_t used = strlen(buf);
            snprintf(buf + used, size - used, "%s%s", used ? ", " : "", ktpel_priority_id(b));
        }
}

static void print_fine_human(const ktpel_fine *f)
{
    char a[16], b[16], rp[32];
    if (f->rule == KTPEL_FINE_NONE) {
        printf("fine:          none (no reporting deadline applies)\n");
        return;
    }
    const char *event = f->rule == KTPEL_FINE_AGE17      ? "17th birthday"
                        : f->rule == KTPEL_FINE_MARRIAGE ? "marriage"
                                                         : "ITAP ends";
    if (f->amount_rp == 0) {
        printf("fine:          none (%s %s, deadline %s met)\n", event,
               ktpel_date_format_iso(f->event, a, sizeof a),
               ktpel_date_format_iso(f->deadline, b, sizeof b));
        return;
    }
    format_rupiah(f->amount_rp, rp, sizeof rp);
    printf("fine:          Rp %s: %s\n", rp, ktpel_fine_rule_text(f->rule));
    printf("               %s %s, deadline %s, %lld days late\n", event,
           ktpel_date_format_iso(f->event, a, sizeof a),
           ktpel_date_format_iso(f->deadline, b, sizeof b), (long long)f->days_late);
}

static void print_human(const ktpel_application *app, const ktpel_application_result *r)
{
    char d[16], reasons[64];
    printf("application %s: %s (%s), applied %s\n", app->source, ktpel_service_label(app->service),
           ktpel_service_id(app->service),
           ktpel_date_format_iso(app->application_date, d, sizeof d));
    if (r->record_valid)
        printf("record:        valid (%s, NIK %s)\n", app->resident.nama, app->resident.nik);
    else
        printf("record:        INVALID: %s\n", r->record_error);
    if (r->requirements_met) {
        printf("requirements:  met\n");
    } else {
        printf("requirements:  MISSING\n");
        for (size_t i = 0; i < r->missing_count; i++) {
            const ktpel_requirement_info *info = ktpel_requirement_get(r->missing[i]);
            printf("               - %s: %s (%s)\n", info->key, info->label_id, info->label_en);
        }
    }
    printf("eligibility:   %s%s\n",
           r->eligible ? "eligible" : "NOT ELIGIBLE: ", r->eligible ? "" : r->eligibility_error);
    if (r->eligible)
        print_fine_human(&r->fine);
    priority_list(r->priority_reasons, reasons, sizeof reasons);
    if (r->queue == KTPEL_QUEUE_PRIORITY)
        printf("queue:         priority (%s)\n", reasons);
    else
        printf("queue:         regular\n");
    if (!r->priority_valid)
        printf("priority:      INVALID: %s\n", r->priority_error);
    printf("result:        %s\n", r->can_proceed ? "can proceed" : "cannot proceed");
}

static void print_json(const ktpel_application *app, const ktpel_application_result *r)
{
    char buf[16];
    cli_json j;
    cli_json_init(&j, stdout);
    cli_json_begin_object(&j, NULL);
    cli_json_string(&j, "file", app->source);
    cli_json_string(&j, "layanan", ktpel_service_id(app->service));
    cli_json_string(&j, "tanggal_permohonan",
                    ktpel_date_format_iso(app->application_date, buf, sizeof buf));
    cli_json_begin_object(&j, "record");
    cli_json_bool(&j, "valid", r->record_valid);
    cli_json_string(&j, "field", r->record_field);
    cli_json_string(&j, "error", r->record_valid ? NULL : r->record_error);
    cli_json_end_object(&j);
    cli_json_begin_object(&j, "requirements");
    cli_json_bool(&j, "met", r->requirements_met);
    cli_json_begin_array(&j, "missing");
    for (size_t i = 0; i < r->missing_count; i++) {
        const ktpel_requirement_info *info = ktpel_requirement_get(r->missing[i]);
        cli_json_begin_object(&j, NULL);
        cli_json_string(&j, "id", info->key);
        cli_json_string(&j, "label_id", info->label_id);
        cli_json_string(&j, "label_en", info->label_en);
        cli_json_end_object(&j);
    }
    cli_json_end_array(&j);
    cli_json_end_object(&j);
    cli_json_begin_object(&j, "eligibility");
    cli_json_bool(&j, "eligible", r->eligible);
    cli_json_string(&j, "error", r->eligible ? NULL : r->eligibility_error);
    cli_json_end_object(&j);
    cli_json_begin_object(&j, "fine");
    cli_json_int(&j, "amount_rp", r->fine.amount_rp);
    const char *rules[] = {"none", "age17", "marriage", "itap_renewal"};
    cli_json_string(&j, "rule", rules[r->fine.rule]);
    cli_json_string(&j, "explanation", ktpel_fine_rule_text(r->fine.rule));
    bool dated = r->fine.rule != KTPEL_FINE_NONE;
    cli_json_string(&j, "event",
                    dated ? ktpel_date_format_iso(r->fine.event, buf, sizeof buf) : NULL);
    cli_json_string(&j, "deadline",
                    dated ? ktpel_date_format_iso(r->fine.deadline, buf, sizeof buf) : NULL);
    cli_json_int(&j, "days_late", r->fine.days_late);
    cli_json_end_object(&j);
    cli_json_begin_object(&j, "queue");
    cli_json_string(&j, "class", r->queue == KTPEL_QUEUE_PRIORITY ? "priority" : "regular");
    cli_json_begin_array(&j, "reasons");
    for (unsigned b = KTPEL_PRIORITY_ELDERLY; b <= KTPEL_PRIORITY_DISABILITY; b <<= 1)
        if (r->priority_reasons & b)
            cli_json_string(&j, NULL, ktpel_priority_id(b));
    cli_json_end_array(&j);
    cli_json_bool(&j, "declaration_valid", r->priority_valid);
    cli_json_string(&j, "error", r->priority_valid ? NULL : r->priority_error);
    cli_json_end_object(&j);
    cli_json_bool(&j, "can_proceed", r->can_proceed);
    cli_json_end_object(&j);
    cli_json_finish(&j);
}

static void print_parse_error(bool json, const char *file, const ktpel_errbuf *eb)
{
    if (!json) {
        printf("invalid application: %s\n", ktpel_errbuf_message(eb));
        return;
    }
    cli_json j;
    cli_json_init(&j, stdout);
    cli_json_begin_object(&j, NULL);
    cli_json_string(&j, "file", file);
    cli_json_string(&j, "error", ktpel_errbuf_message(eb));
    cli_json_bool(&j, "can_proceed", false);
    cli_json_end_object(&j);
    cli_json_finish(&j);
}

static int check_file(const char *file, const char *regions_path, bool json)
{
    ktpel_errbuf eb;
    ktpel_errbuf_clear(&eb);
    ktpel_regions *regions = NULL;
    if (ktpel_regions_create(&regions, &eb))
        return cli_fail_err(&eb);
    if (regions_path && ktpel_regions_load_csv(regions, regions_path, &eb)) {
        ktpel_regions_free(regions);
        return cli_fail_err(&eb);
    }
    int rc = CLI_FAIL;
    ktpel_application *app = malloc(sizeof *app);
    ktpel_application_result *r = malloc(sizeof *r);
    if (!app || !r) {
        rc = cli_fail("out of memory");
    } else if (ktpel_application_load(file, app, &eb)) {
        print_parse_error(json, file, &eb);
    } else if (ktpel_application_check(app, regions, r, &eb)) {
        rc = cli_fail_err(&eb);
    } else {
        if (json)
            print_json(app, r);
        else
            print_human(app, r);
        rc = r->can_proceed ? CLI_OK : CLI_FAIL;
    }
    free(app);
    free(r);
    ktpel_regions_free(regions);
    return rc;
}

int cmd_application(int argc, char **argv)
{
    if (argc < 2 || cli_is_help(argv[1])) {
        print_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_USAGE : CLI_OK;
    }
    if (strcmp(argv[1], "check") != 0)
        return cli_usage_error("application: unknown subcommand '%s' (see 'ktpel application "
                               "--help')",
                               argv[1]);
    const char *file = NULL, *regions_path = NULL;
    bool json = false;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (cli_is_help(a)) {
            print_usage(stdout);
            return CLI_OK;
        } else if (strcmp(a, "--json") == 0) {
            json = true;
        } else if (strcmp(a, "--regions") == 0) {
            if (i + 1 >= argc)
                return cli_usage_error("application check: --regions needs a file");
            regions_path = argv[++i];
        } else if (a[0] == '-' && a[1] != '\0') {
            return cli_usage_error("application check: unknown option %s", a);
        } else if (file) {
            return cli_usage_error("application check: one file only ('%s' and '%s')", file, a);
        } else {
            file = a;
        }
    }
    if (!file)
        return cli_usage_error("application check: which file? (see 'ktpel application --help')");
    return check_file(file, regions_path, json);
}
