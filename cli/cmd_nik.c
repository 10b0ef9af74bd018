/* ktpel nik check NIK [--kk] [--regions CSV] [--date YYYY-MM-DD] [--json] */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "ktpel/nik.h"
#include "ktpel/region.h"

typedef struct nik_options {
    const char *number;
    const char *regions_path;
    const char *date_text;
    bool kk;
    bool json;
} nik_options;

static void print_usage(FILE *out)
{
    fprintf(out,
            "usage: ktpel nik check NUMBER [--kk] [--regions CSV] [--date YYYY-MM-DD] [--json]\n"
            "\n"
            "Checks a NIK (16 digits: province, regency, district, birth date DDMMYY with +40\n"
            "for women, serial) and explains each part, or names the part that is wrong.\n"
            "\n"
            "  --kk            the number is a Kartu Keluarga number (issue date, no +40)\n"
            "  --regions CSV   load the official region list (code,name lines); the built-in\n"
            "                  list is a selection: all provinces, a few regencies\n"
            "  --date DATE     reference date for the century of YY (default: today in\n"
            "                  Jakarta); 20YY unless that is after the date, else 19YY\n"
            "  --json          print the result as JSON\n"
            "\n"
            "Exit status: 0 valid, 1 invalid, 2 usage error.\n");
}

static int parse_options(int argc, char **argv, nik_options *o)
{
    memset(o, 0, sizeof *o);
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--kk") == 0)
            o->kk = true;
        else if (strcmp(a, "--json") == 0)
            o->json = true;
        else if (strcmp(a, "--regions") == 0 || strcmp(a, "--date") == 0) {
            if (i + 1 >= argc)
                return cli_usage_error("nik check: %s needs a value", a);
            if (strcmp(a, "--regions") == 0)
                o->regions_path = argv[++i];
            else
                o->date_text = argv[++i];
        } else if (a[0] == '-' && a[1] != '\0')
            return cli_usage_error("nik check: unknown option %s (see 'ktpel nik --help')", a);
        else if (o->number)
            return cli_usage_error("nik check: one number only ('%s' and '%s')", o->number, a);
        else
            o->number = a;
    }
    if (!o->number)
        return cli_usage_error("nik check: which number? (see 'ktpel nik --help')");
    return CLI_OK;
}

static void print_region_human(const ktpel_regions *regions, int p, int r, int d)
{
    const char *district = ktpel_regions_district(regions, p, r, d);
    printf("  province  %02d        %s\n", p, ktpel_regions_province(regions, p));
    printf("  regency   %02d.%02d     %s\n", p, r, ktpel_regions_regency(regions, p, r));
    printf("  district  %02d.%02d.%02d  %s\n", p, r, d,
           district ? district : "(name not in the loaded region list)");
}

static void print_region_json(cli_json *j, const ktpel_regions *regions, int p, int r, int d)
{
    char code[16];
    cli_json_begin_object(j, "province");
    snprintf(code, sizeof code, "%02d", p);
    cli_json_string(j, "code", code);
    cli_json_string(j, "name", ktpel_regions_province(regions, p));
    cli_json_end_object(j);
    cli_json_begin_object(j, "regency");
    snprintf(code, sizeof code, "%02d.%02d", p, r);
    cli_json_string(j, "code", code);
    cli_json_string(j, "name", ktpel_regions_regency(regions, p, r));
    cli_json_end_object(j);
    cli_json_begin_object(j, "district");
    snprintf(code, sizeof code, "%02d.%02d.%02d", p, r, d);
    cli_json_string(j, "code", code);
    cli_json_string(j, "name", ktpel_regions_district(regions, p, r, d));
    cli_json_end_object(j);
}

static void print_invalid(const nik_options *o, const ktpel_errbuf *eb)
{
    if (o->json) {
        cli_json j;
        cli_json_init(&j, stdout);
        cli_json_begin_object(&j, NULL);
        cli_json_string(&j, "kind", o->kk ? "kk" : "nik");
        cli_json_string(&j, "number", o->number);
        cli_json_bool(&j, "valid", false);
        cli_json_string(&j, "error", ktpel_errbuf_message(eb));
        cli_json_end_object(&j);
        cli_json_finish(&j);
    } else {
        printf("invalid: %s\n", ktpel_errbuf_message(eb));
    }
}

static void print_date_human(const char *label, ktpel_date d)
{
    printf("  %-9s %d %s %d\n", label, d.day, ktpel_month_name(d.month), d.year);
}

static void report_nik(const nik_options *o, const ktpel_regions *regions, const ktpel_nik *n)
{
    char buf[16], serial[8];
    snprintf(serial, sizeof serial, "%04d", n->serial);
    const char *sex = n->sex == KTPEL_SEX_FEMALE ? "female" : "male";
    if (o->json) {
        cli_json j;
        cli_json_init(&j, stdout);
        cli_json_begin_object(&j, NULL);
        cli_json_string(&j, "kind", "nik");
        cli_json_string(&j, "number", n->digits);
        cli_json_bool(&j, "valid", true);
        print_region_json(&j, regions, n->province, n->regency, n->district);
        cli_json_string(&j, "sex", sex);
        cli_json_string(&j, "jenis_kelamin", ktpel_sex_name(n->sex));
        cli_json_string(&j, "birth_date", ktpel_date_format_iso(n->birth, buf, sizeof buf));
        cli_json_string(&j, "serial", serial);
        cli_json_end_object(&j);
        cli_json_finish(&j);
        return;
    }
    printf("NIK %s is valid\n", n->digits);
    print_region_human(regions, n->province, n->regency, n->district);
    if (n->sex == KTPEL_SEX_FEMALE)
        printf("  sex       female (%s; day %02d = %d + 40)\n", ktpel_sex_name(n->sex),
               n->day_field, n->birth.day);
    else
        printf("  sex       male (%s; day %02d)\n", ktpel_sex_name(n->sex), n->day_field);
    print_date_human("born", n->birth);
    printf("  serial    %s\n", serial);
}

static void report_kk(const nik_options *o, const ktpel_regions *regions, const ktpel_kk *k)
{
    char buf[16], serial[8];
    snprintf(serial, sizeof serial, "%04d", k->serial);
    if (o->json) {
        cli_json j;
        cli_json_init(&j, stdout);
        cli_json_begin_object(&j, NULL);
        cli_json_string(&j, "kind", "kk");
        cli_json_string(&j, "number", k->digits);
        cli_json_bool(&j, "valid", true);
        print_region_json(&j, regions, k->province, k->regency, k->district);
        cli_json_string(&j, "issue_date", ktpel_date_format_iso(k->issued, buf, sizeof buf));
        cli_json_string(&j, "serial", serial);
        cli_json_end_object(&j);
        cli_json_finish(&j);
        return;
    }
    printf("KK number %s is valid\n", k->digits);
    print_region_human(regions, k->province, k->regency, k->district);
    print_date_human("issued", k->issued);
    printf("  serial    %s\n", serial);
}

static int run_check(const nik_options *o, const ktpel_regions *regions, ktpel_date reference)
{
    ktpel_errbuf eb;
    ktpel_errbuf_clear(&eb);
    if (o->kk) {
        ktpel_kk k;
        if (ktpel_kk_parse(o->number, regions, reference, &k, &eb)) {
            print_invalid(o, &eb);
            return CLI_FAIL;
        }
        report_kk(o, regions, &k);
        return CLI_OK;
    }
    ktpel_nik n;
    if (ktpel_nik_parse(o->number, regions, reference, &n, &eb)) {
        print_invalid(o, &eb);
        return CLI_FAIL;
    }
    report_nik(o, regions, &n);
    return CLI_OK;
}

int cmd_nik(int argc, char **argv)
{
    if (argc < 2 || cli_is_help(argv[1])) {
        print_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_USAGE : CLI_OK;
    }
    if (strcmp(argv[1], "check") != 0)
        return cli_usage_error("nik: unknown subcommand '%s' (see 'ktpel nik --help')", argv[1]);
    for (int i = 2; i < argc; i++)
        if (cli_is_help(argv[i])) {
            print_usage(stdout);
            return CLI_OK;
        }
    nik_options o;
    int rc = parse_options(argc, argv, &o);
    if (rc != CLI_OK)
        return rc;
    ktpel_errbuf eb;
    ktpel_errbuf_clear(&eb);
    ktpel_date reference = ktpel_date_jakarta(time(NULL));
    if (o.date_text && ktpel_date_parse(o.date_text, "--date", &reference, &eb))
        return cli_usage_error("%s", ktpel_errbuf_message(&eb));
    ktpel_regions *regions = NULL;
    if (ktpel_regions_create(&regions, &eb))
        return cli_fail_err(&eb);
    if (o.regions_path && ktpel_regions_load_csv(regions, o.regions_path, &eb)) {
        ktpel_regions_free(regions);
        return cli_fail_err(&eb);
    }
    rc = run_check(&o, regions, reference);
    ktpel_regions_free(regions);
    return rc;
}
