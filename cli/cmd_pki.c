/* ktpel pki: the test public-key infrastructure (include/ktpel/pki.h).
 *
 *   ktpel pki init DIR [--ca-days N] [--days N]
 *   ktpel pki issue-station DIR --station ID [--days N]
 *   ktpel pki show CERT [--json]
 *   ktpel pki verify CERT --ca CA [--role ROLE] [--at YYYY-MM-DDTHH:MM:SSZ]
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "ktpel/packet.h"
#include "ktpel/pki.h"

static void print_usage(FILE *out)
{
    fprintf(
        out,
        "usage: ktpel pki init DIR [--ca-days N] [--days N]\n"
        "       ktpel pki issue-station DIR --station ID [--days N]\n"
        "       ktpel pki show CERT [--json]\n"
        "       ktpel pki verify CERT --ca CA [--role ROLE] [--at TIME]\n"
        "\n"
        "A TEST public-key infrastructure (keys unencrypted, mode 0600): EC P-256 keys,\n"
        "ECDSA-SHA256 certificates.\n"
        "  init           the enrolment CA, the data center's certificate, the country\n"
        "                 signing CA (CSCA) and a document signer, in DIR (new or empty of a\n"
        "                 PKI); --ca-days validity of the two CAs (3650), --days of the others\n"
        "                 (1095)\n"
        "  issue-station  station-ID.crt/.key signed by DIR's CA (--days, default 730);\n"
        "                 ID is 1..32 of A-Z a-z 0-9 _ -\n"
        "  show           what a certificate is: subject, role, issuer, validity, key\n"
        "  verify         the chain to CA at TIME (default now) and the role (ca, station,\n"
        "                 datacenter, csca, document-signer)\n"
        "Exit status: 0 done (verify: valid), 1 failure (verify: not valid), 2 usage error.\n");
}

static int parse_days(const char *opt, const char *value, int *out)
{
    return cli_parse_int(opt, value, 1, 36500, out);
}

static void print_listing(const char *dir)
{
    const char *rows[][2] = {
        {KTPEL_PKI_CA_CERT, "enrolment CA: the data center trusts stations it signs"},
        {KTPEL_PKI_CA_KEY, "  its key (keep offline; issues station certificates)"},
        {KTPEL_PKI_DC_CERT, "data center: stations encrypt packets to it"},
        {KTPEL_PKI_DC_KEY, "  its key (the data center decrypts packets with it)"},
        {KTPEL_PKI_CSCA_CERT, "country signing CA: the kecamatan desk trusts chips it signs"},
        {KTPEL_PKI_CSCA_KEY, "  its key (issues document signers)"},
        {KTPEL_PKI_DS_CERT, "document signer: signs each chip's security object (EF.SOD)"},
        {KTPEL_PKI_DS_KEY, "  its key (personalisation)"},
    };
    printf("test PKI in %s (EC P-256 keys, files in PEM, keys mode 0600):\n", dir);
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        printf("  %-22s %s\n", rows[i][0], rows[i][1]);
    printf("next: ktpel pki issue-station %s --station ID  (one per enrolment station)\n", dir);
}

static int pki_init(int argc, char **argv)
{
    const char *dir = NULL;
    ktpel_pki_init_options opt = {.now = (int64_t)time(NULL)};
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--ca-days") == 0 || strcmp(argv[i], "--days") == 0) {
            int *dst = argv[i][2] == 'c' ? &opt.ca_days : &opt.leaf_days;
            if (parse_days(argv[i], i + 1 < argc ? argv[i + 1] : NULL, dst) != CLI_OK)
                return CLI_USAGE;
            i++;
        } else if (argv[i][0] == '-') {
            return cli_usage_error("pki init: unknown option %s", argv[i]);
        } else if (dir) {
            return cli_usage_error("pki init: one folder only");
        } else {
            dir = argv[i];
        }
    }
    if (!dir)
        return cli_usage_error("pki init: which folder? (see 'ktpel pki --help')");
    ktpel_errbuf eb = {0};
    if (ktpel_pki_init_dir(dir, &opt, &eb) != KTPEL_OK)
        return cli_fail_err(&eb);
    print_listing(dir);
    return CLI_OK;
}

static int pki_issue_station(int argc, char **argv)
{
    const char *dir = NULL, *station = NULL;
    int days = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--station") == 0) {
            if (i + 1 >= argc)
                return cli_usage_error("pki issue-station: --station needs an id");
            station = argv[++i];
        } else if (strcmp(argv[i], "--days") == 0) {
            if (parse_days(argv[i], i + 1 < argc ? argv[i + 1] : NULL, &days) != CLI_OK)
                return CLI_USAGE;
            i++;
        } else if (argv[i][0] == '-') {
            return cli_usage_error("pki issue-station: unknown option %s", argv[i]);
        } else if (dir) {
            return cli_usage_error("pki issue-station: one folder only");
        } else {
            dir = argv[i];
        }
    }
    if (!dir || !station)
        return cli_usage_error("pki issue-station: needs DIR and --station ID");
    char cert[4096], key[4096];
    ktpel_errbuf eb = {0};
    if (ktpel_pki_issue_station_dir(dir, station, (int64_t)time(NULL), days, cert, key, &eb))
        return cli_fail_err(&eb);
    printf("station %s:\n  %s  certificate (signed by the enrolment CA)\n  %s  its key "
           "(mode 0600; stays on the station)\n",
           station, cert, key);
    return CLI_OK;
}

static void show_human(const char *path, const ktpel_pki_cert_info *info, int64_t now)
{
    char from[32], to[32];
    printf("%s\n", path);
    printf("  subject      CN=%s, OU=%s\n", info->subject_cn, info->subject_ou);
    printf("  role         %s%s\n", ktpel_pki_role_id(info->role),
           info->is_ca ? " (certificate authority)" : "");
    printf("  issuer       CN=%s%s\n", info->issuer_cn,
           strcmp(info->issuer_cn, info->subject_cn) == 0 ? " (self-signed)" : "");
    printf("  serial       %s\n", info->serial);
    printf("  valid        %s .. %s (%s now)\n",
           ktpel_packet_format_time(info->not_before, from, sizeof from),
           ktpel_packet_format_time(info->not_after, to, sizeof to),
           now < info->not_before  ? "not yet valid"
           : now > info->not_after ? "EXPIRED"
                                   : "valid");
    printf("  key          %s\n", info->key_type);
    printf("  sha256       %s\n", info->sha256);
}

static void show_json(const char *path, const ktpel_pki_cert_info *info, int64_t now)
{
    char from[32], to[32];
    cli_json j;
    cli_json_init(&j, stdout);
    cli_json_begin_object(&j, NULL);
    cli_json_string(&j, "file", path);
    cli_json_string(&j, "subject_cn", info->subject_cn);
    cli_json_string(&j, "role", ktpel_pki_role_id(info->role));
    cli_json_bool(&j, "ca", info->is_ca);
    cli_json_string(&j, "issuer_cn", info->issuer_cn);
    cli_json_string(&j, "serial", info->serial);
    cli_json_string(&j, "not_before",
                    ktpel_packet_format_time(info->not_before, from, sizeof from));
    cli_json_string(&j, "not_after", ktpel_packet_format_time(info->not_after, to, sizeof to));
    cli_json_bool(&j, "valid_now", now >= info->not_before && now <= info->not_after);
    cli_json_string(&j, "key", info->key_type);
    cli_json_string(&j, "sha256", info->sha256);
    cli_json_end_object(&j);
    cli_json_finish(&j);
}

static int pki_show(int argc, char **argv)
{
    const char *path = NULL;
    bool json = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            json = true;
        else if (argv[i][0] == '-')
            return cli_usage_error("pki show: unknown option %s", argv[i]);
        else if (path)
            return cli_usage_error("pki show: one certificate only");
        else
            path = argv[i];
    }
    if (!path)
        return cli_usage_error("pki show: which certificate?");
    ktpel_errbuf eb = {0};
    ktpel_pki_cert *cert = NULL;
    ktpel_pki_cert_info info;
    if (ktpel_pki_cert_load(path, &cert, &eb) || ktpel_pki_cert_get_info(cert, &info, &eb)) {
        ktpel_pki_cert_free(cert);
        return cli_fail_err(&eb);
    }
    ktpel_pki_cert_free(cert);
    if (json)
        show_json(path, &info, (int64_t)time(NULL));
    else
        show_human(path, &info, (int64_t)time(NULL));
    return CLI_OK;
}

static int role_from_text(const char *text, ktpel_pki_role *out)
{
    for (int r = 0; r < KTPEL_PKI_ROLE_COUNT; r++)
        if (strcmp(text, ktpel_pki_role_id((ktpel_pki_role)r)) == 0) {
            *out = (ktpel_pki_role)r;
            return CLI_OK;
        }
    return cli_usage_error("pki verify: --role %s: one of ca, station, datacenter, csca, "
                           "document-signer, any",
                           text);
}

static int pki_verify(int argc, char **argv)
{
    const char *path = NULL, *ca = NULL;
    ktpel_pki_role role = KTPEL_PKI_ROLE_ANY;
    int64_t at = (int64_t)time(NULL);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool has_value = i + 1 < argc;
        if ((strcmp(a, "--ca") == 0 || strcmp(a, "--role") == 0 || strcmp(a, "--at") == 0) &&
            !has_value)
            return cli_usage_error("pki verify: %s needs a value", a);
        if (strcmp(a, "--ca") == 0)
            ca = argv[++i];
        else if (strcmp(a, "--role") == 0) {
            if (role_from_text(argv[++i], &role) != CLI_OK)
                return CLI_USAGE;
        } else if (strcmp(a, "--at") == 0) {
            if (!ktpel_packet_parse_time(argv[++i], &at))
                return cli_usage_error("pki verify: --at %s: YYYY-MM-DDTHH:MM:SSZ", argv[i]);
        } else if (a[0] == '-')
            return cli_usage_error("pki verify: unknown option %s", a);
        else if (path)
            return cli_usage_error("pki verify: one certificate only");
        else
            path = a;
    }
    if (!path || !ca)
        return cli_usage_error("pki verify: needs CERT and --ca CA");
    ktpel_errbuf eb = {0};
    ktpel_pki_cert *cert = NULL;
    ktpel_pki_trust *trust = NULL;
    ktpel_err rc = ktpel_pki_cert_load(path, &cert, &eb);
    if (!rc)
        rc = ktpel_pki_trust_load(ca, &trust, &eb);
    if (!rc)
        rc = ktpel_pki_verify(trust, cert, NULL, 0, at, role, &eb);
    ktpel_pki_cert_free(cert);
    ktpel_pki_trust_free(trust);
    if (rc)
        return cli_fail("%s: NOT VALID (%s): %s", path, ktpel_strerror(rc),
                        ktpel_errbuf_message(&eb));
    printf("%s: valid\n", path);
    return CLI_OK;
}

int cmd_pki(int argc, char **argv)
{
    if (argc < 2) {
        print_usage(stderr);
        return CLI_USAGE;
    }
    if (cli_is_help(argv[1])) {
        print_usage(stdout);
        return CLI_OK;
    }
    for (int i = 2; i < argc; i++)
        if (cli_is_help(argv[i])) {
            print_usage(stdout);
            return CLI_OK;
        }
    if (strcmp(argv[1], "init") == 0)
        return pki_init(argc - 1, argv + 1);
    if (strcmp(argv[1], "issue-station") == 0)
        return pki_issue_station(argc - 1, argv + 1);
    if (strcmp(argv[1], "show") == 0)
        return pki_show(argc - 1, argv + 1);
    if (strcmp(argv[1], "verify") == 0)
        return pki_verify(argc - 1, argv + 1);
    return cli_usage_error("pki: unknown subcommand '%s' (init, issue-station, show, verify)",
                           argv[1]);
}
