/* ktpel packet: seal a synthetic resident's enrolment into a packet, open one (include/ktpel/
 * packet.h, docs/packet-format.md).
 *
 *   ktpel packet seal --resident DIR --station-cert C --station-key K --dc-cert D
 *                     [--operator ID] [--time T] (-o FILE | --spool DIR) [--json]
 *   ktpel packet open FILE --dc-key K [--dc-cert D] --ca CA [--at T] [--max-age-days N]
 *                     [--extract DIR] [--json]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "ktpel/file.h"
#include "ktpel/packet.h"
#include "ktpel/spool.h"

static void print_usage(FILE *out)
{
    fprintf(out,
            "usage: ktpel packet seal --resident DIR --station-cert C --station-key K --dc-cert D\n"
            "                         [--operator ID] [--time T] (-o FILE | --spool DIR) [--json]\n"
            "       ktpel packet open FILE --dc-key K [--dc-cert D] --ca CA [--at T]\n"
            "                         [--max-age-days N] [--extract DIR] [--json]\n"
            "\n"
            "seal: one sealed enrolment packet from a synthetic resident's folder (every file of\n"
            "  DIR, record.txt required): signed by the station (its certificate and key from\n"
            "  `ktpel pki issue-station`), encrypted to the data center's certificate. --operator\n"
            "  (default OP-SYNTH), --time the packet's creation time (default now), T as\n"
            "  YYYY-MM-DDTHH:MM:SSZ. -o writes FILE; --spool writes DIR/PACKET_ID.ktp.\n"
            "open: decrypt (--dc-key; --dc-cert defaults to the key's path with .crt), verify the\n"
            "  station against --ca at the signing time, check the age (--max-age-days, default\n"
            "  30, 0 = no limit; --at the current time), and print what is inside, or the reason\n"
            "  it is rejected: tampered, untrusted, expired, truncated, malformed,\n"
            "  wrong-recipient. --extract DIR writes the files (the folder `ktpel ingest` reads).\n"
            "Exit status: 0 sealed / opened, 1 failure or rejected, 2 usage error.\n");
}

typedef struct seal_options {
    const char *resident, *station_cert, *station_key, *dc_cert, *operator_id, *out, *spool;
    int64_t time;
    bool json;
} seal_options;

/* Takes the value of an option that needs one; NULL (after an error) if there is none. */
static const char *value_of(int argc, char **argv, int *i)
{
    if (*i + 1 >= argc) {
        cli_usage_error("packet: %s needs a value", argv[*i]);
        return NULL;
    }
    return argv[++*i];
}

static int parse_seal(int argc, char **argv, seal_options *o)
{
    memset(o, 0, sizeof *o);
    o->operator_id = "OP-SYNTH";
    struct {
        const char *name;
        const char **dst;
    } opts[] = {{"--resident", &o->resident},
                {"--station-cert", &o->station_cert},
                {"--station-key", &o->station_key},
                {"--dc-cert", &o->dc_cert},
                {"--operator", &o->operator_id},
                {"-o", &o->out},
                {"--output", &o->out},
                {"--spool", &o->spool}};
    for (int i = 1; i < argc; i++) {
        bool known = false;
        for (size_t k = 0; k < sizeof opts / sizeof opts[0] && !known; k++)
            if (strcmp(argv[i], opts[k].name) == 0) {
                known = true;
                if (!(*opts[k].dst = value_of(argc, argv, &i)))
                    return CLI_USAGE;
            }
        if (known)
            continue;
        if (strcmp(argv[i], "--json") == 0) {
            o->json = true;
        } else if (strcmp(argv[i], "--time") == 0) {
            const char *v = value_of(argc, argv, &i);
            if (!v)
                return CLI_USAGE;
            if (!ktpel_packet_parse_time(v, &o->time))
                return cli_usage_error("packet seal: --time %s: YYYY-MM-DDTHH:MM:SSZ", v);
        } else {
            return cli_usage_error("packet seal: unknown argument %s (see 'ktpel packet --help')",
                                   argv[i]);
        }
    }
    if (!o->resident || !o->station_cert || !o->station_key || !o->dc_cert)
        return cli_usage_error("packet seal: needs --resident, --station-cert, --station-key and "
                               "--dc-cert");
    if (!o->out == !o->spool)
        return cli_usage_error("packet seal: give either -o FILE or --spool DIR");
    return CLI_OK;
}

static ktpel_err seal_and_write(const seal_options *o, ktpel_packet *p, const ktpel_pki_cert *cert,
                                const ktpel_pki_key *key, const ktpel_pki_cert *dc, char *written,
                                ktpel_errbuf *eb)
{
    uint8_t *der = NULL;
    size_t len = 0;
    ktpel_err rc = ktpel_packet_seal(p, cert, key, dc, &der, &len, eb);
    if (!rc && o->spool) {
        rc = ktpel_spool_put(o->spool, ktpel_packet_get_meta(p)->packet_id, der, len, written, eb);
    } else if (!rc) {
        rc = ktpel_file_write_atomic(o->out, der, len, eb);
        snprintf(written, 4096, "%s", o->out);
    }
    free(der);
    return rc;
}

static int packet_seal(int argc, char **argv)
{
    seal_options o;
    int prc = parse_seal(argc, argv, &o);
    if (prc != CLI_OK)
        return prc;
    ktpel_errbuf eb = {0};
    ktpel_pki_cert *cert = NULL, *dc = NULL;
    ktpel_pki_key *key = NULL;
    ktpel_packet *p = NULL;
    ktpel_packet_meta meta;
    memset(&meta, 0, sizeof meta);
    meta.created = o.time ? o.time : (int64_t)time(NULL);
    snprintf(meta.operator_id, sizeof meta.operator_id, "%.32s", o.operator_id);
    char written[4096] = "";
    ktpel_err rc = ktpel_pki_cert_load(o.station_cert, &cert, &eb);
    if (!rc)
        rc = ktpel_pki_key_load(o.station_key, &key, &eb);
    if (!rc)
        rc = ktpel_pki_cert_load(o.dc_cert, &dc, &eb);
    if (!rc)
        rc = ktpel_packet_from_resident_dir(o.resident, &meta, &p, &eb);
    if (!rc)
        rc = seal_and_write(&o, p, cert, key, dc, written, &eb);
    if (!rc) {
        const ktpel_packet_meta *m = ktpel_packet_get_meta(p);
        if (o.json) {
            cli_json j;
            cli_json_init(&j, stdout);
            cli_json_begin_object(&j, NULL);
            cli_json_string(&j, "file", written);
            cli_json_string(&j, "packet_id", m->packet_id);
            cli_json_string(&j, "station_id", m->station_id);
            cli_json_string(&j, "nik", m->nik);
            cli_json_int(&j, "entries", (long long)ktpel_packet_entry_count(p));
            cli_json_end_object(&j);
            cli_json_finish(&j);
        } else {
            printf("sealed %s: packet %s, station %s, NIK %s, %zu files\n", written, m->packet_id,
                   m->station_id, m->nik[0] ? m->nik : "-", ktpel_packet_entry_count(p));
        }
    }
    ktpel_packet_free(p);
    ktpel_pki_cert_free(cert);
    ktpel_pki_cert_free(dc);
    ktpel_pki_key_free(key);
    return rc ? cli_fail_err(&eb) : CLI_OK;
}

typedef struct open_options {
    const char *file, *dc_key, *dc_cert, *ca, *extract;
    int64_t at;
    int max_age_days;
    bool json;
} open_options;

static int parse_open(int argc, char **argv, open_options *o)
{
    memset(o, 0, sizeof *o);
    o->at = (int64_t)time(NULL);
    o->max_age_days = 30;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char **dst = strcmp(a, "--dc-key") == 0    ? &o->dc_key
                           : strcmp(a, "--dc-cert") == 0 ? &o->dc_cert
                           : strcmp(a, "--ca") == 0      ? &o->ca
                           : strcmp(a, "--extract") == 0 ? &o->extract
                                                         : NULL;
        if (dst) {
            if (!(*dst = value_of(argc, argv, &i)))
                return CLI_USAGE;
        } else if (strcmp(a, "--json") == 0) {
            o->json = true;
        } else if (strcmp(a, "--at") == 0) {
            const char *v = value_of(argc, argv, &i);
            if (!v)
                return CLI_USAGE;
            if (!ktpel_packet_parse_time(v, &o->at))
                return cli_usage_error("packet open: --at %s: YYYY-MM-DDTHH:MM:SSZ", v);
        } else if (strcmp(a, "--max-age-days") == 0) {
            if (cli_parse_int(a, i + 1 < argc ? argv[i + 1] : NULL, 0, 36500, &o->max_age_days) !=
                CLI_OK)
                return CLI_USAGE;
            i++;
        } else if (a[0] == '-') {
            return cli_usage_error("packet open: unknown option %s", a);
        } else if (o->file) {
            return cli_usage_error("packet open: one packet only");
        } else {
            o->file = a;
        }
    }
    if (!o->file || !o->dc_key || !o->ca)
        return cli_usage_error("packet open: needs FILE, --dc-key and --ca");
    return CLI_OK;
}

static void print_opened_human(const ktpel_packet *p, const ktpel_packet_info *info)
{
    const ktpel_packet_meta *m = ktpel_packet_get_meta(p);
    char t[32];
    printf("packet %s: OK\n", info->packet_id);
    printf("  station     %s (certificate sha256 %.16s...)\n", info->station_id,
           info->station_cert_sha256);
    printf("  operator    %s\n", m->operator_id);
    printf("  created     %s (signing time)\n", ktpel_packet_format_time(m->created, t, sizeof t));
    printf("  nik         %s\n", m->nik[0] ? m->nik : "-");
    printf("  confirmed   %s\n",
           m->resident_confirmed ? ktpel_packet_format_time(m->confirmed_at, t, sizeof t) : "no");
    if (m->source[0])
        printf("  source      %s\n", m->source);
    printf("  content     sha256 %s, %zu bytes\n", info->content_sha256_hex, info->container_len);
    printf("  files (%zu):\n", ktpel_packet_entry_count(p));
    for (size_t i = 0; i < ktpel_packet_entry_count(p); i++) {
        size_t len = 0;
        ktpel_packet_entry_data(p, i, &len);
        printf("    %-24s %9zu bytes\n", ktpel_packet_entry_name(p, i), len);
    }
    printf("  captures (%zu):\n", ktpel_packet_capture_count(p));
    for (size_t i = 0; i < ktpel_packet_capture_count(p); i++) {
        const ktpel_packet_capture *c = ktpel_packet_capture_at(p, i);
        printf("    %-18s %-10s %-20s quality %3d  attempts %d  %s%s%s\n", c->item, c->status,
               c->device[0] ? c->device : "-", c->quality, c->attempts,
               c->entry[0] ? c->entry : "-", c->note[0] ? "  " : "", c->note);
    }
}

static void print_opened_json(const ktpel_packet *p, const ktpel_packet_info *info)
{
    const ktpel_packet_meta *m = ktpel_packet_get_meta(p);
    char t[32];
    cli_json j;
    cli_json_init(&j, stdout);
    cli_json_begin_object(&j, NULL);
    cli_json_bool(&j, "ok", true);
    cli_json_string(&j, "packet_id", info->packet_id);
    cli_json_string(&j, "station_id", info->station_id);
    cli_json_string(&j, "station_cert_sha256", info->station_cert_sha256);
    cli_json_string(&j, "operator_id", m->operator_id);
    cli_json_string(&j, "created", ktpel_packet_format_time(m->created, t, sizeof t));
    cli_json_string(&j, "nik", m->nik);
    cli_json_bool(&j, "resident_confirmed", m->resident_confirmed);
    cli_json_string(&j, "content_sha256", info->content_sha256_hex);
    cli_json_begin_array(&j, "files");
    for (size_t i = 0; i < ktpel_packet_entry_count(p); i++) {
        size_t len = 0;
        ktpel_packet_entry_data(p, i, &len);
        cli_json_begin_object(&j, NULL);
        cli_json_string(&j, "name", ktpel_packet_entry_name(p, i));
        cli_json_int(&j, "bytes", (long long)len);
        cli_json_end_object(&j);
    }
    cli_json_end_array(&j);
    cli_json_begin_array(&j, "captures");
    for (size_t i = 0; i < ktpel_packet_capture_count(p); i++) {
        const ktpel_packet_capture *c = ktpel_packet_capture_at(p, i);
        cli_json_begin_object(&j, NULL);
        cli_json_string(&j, "item", c->item);
        cli_json_string(&j, "entry", c->entry);
        cli_json_string(&j, "device", c->device);
        cli_json_string(&j, "time", ktpel_packet_format_time(c->time, t, sizeof t));
        cli_json_int(&j, "quality", c->quality);
        cli_json_int(&j, "attempts", c->attempts);
        cli_json_string(&j, "status", c->status);
        cli_json_string(&j, "note", c->note);
        cli_json_end_object(&j);
    }
    cli_json_end_array(&j);
    cli_json_end_object(&j);
    cli_json_finish(&j);
}

static int report_rejected(const open_options *o, ktpel_err rc, const ktpel_errbuf *eb)
{
    const char *reason = ktpel_packet_reason_id(rc);
    if (o->json) {
        cli_json j;
        cli_json_init(&j, stdout);
        cli_json_begin_object(&j, NULL);
        cli_json_bool(&j, "ok", false);
        cli_json_string(&j, "file", o->file);
        cli_json_string(&j, "reason", reason);
        cli_json_string(&j, "message", ktpel_errbuf_message(eb));
        cli_json_end_object(&j);
        cli_json_finish(&j);
        return CLI_FAIL;
    }
    return cli_fail("REJECTED (%s): %s", reason, ktpel_errbuf_message(eb));
}

/* Loads what opening needs; the data center's certificate defaults to the key's path with
 * .key replaced by .crt. */
static ktpel_err load_open_keys(const open_options *o, ktpel_pki_cert **dc, ktpel_pki_key **key,
                                ktpel_pki_trust **trust, ktpel_errbuf *eb)
{
    char cert_path[4096];
    const char *cp = o->dc_cert;
    size_t n = strlen(o->dc_key);
    if (!cp) {
        if (n < 4 || strcmp(o->dc_key + n - 4, ".key") != 0 || n >= sizeof cert_path)
            return ktpel_fail(eb, KTPEL_EINVAL, "give --dc-cert (the key %s does not end in .key)",
                              o->dc_key);
        snprintf(cert_path, sizeof cert_path, "%.*s.crt", (int)(n - 4), o->dc_key);
        cp = cert_path;
    }
    ktpel_err rc = ktpel_pki_cert_load(cp, dc, eb);
    if (!rc)
        rc = ktpel_pki_key_load(o->dc_key, key, eb);
    if (!rc && !ktpel_pki_key_matches(*key, *dc))
        rc = ktpel_fail(eb, KTPEL_EINVAL, "%s is not the key of %s", o->dc_key, cp);
    if (!rc)
        rc = ktpel_pki_trust_load(o->ca, trust, eb);
    return rc;
}

static int packet_open(int argc, char **argv)
{
    open_options o;
    int prc = parse_open(argc, argv, &o);
    if (prc != CLI_OK)
        return prc;
    ktpel_errbuf eb = {0};
    ktpel_pki_cert *dc = NULL;
    ktpel_pki_key *key = NULL;
    ktpel_pki_trust *trust = NULL;
    ktpel_err rc = load_open_keys(&o, &dc, &key, &trust, &eb);
    int status = CLI_OK;
    if (rc) {
        status = cli_fail_err(&eb);
    } else {
        ktpel_packet_open_options opt = {trust, dc,  key, o.at, (int64_t)o.max_age_days * 86400,
                                         NULL,  NULL};
        ktpel_packet *p = NULL;
        ktpel_packet_info info;
        rc = ktpel_packet_open_file(o.file, &opt, &p, &info, &eb);
        if (rc == KTPEL_EIO || rc == KTPEL_ENOMEM)
            status = cli_fail_err(&eb);
        else if (rc)
            status = report_rejected(&o, rc, &eb);
        else if (o.extract && ktpel_packet_write_dir(p, o.extract, &eb) != KTPEL_OK)
            status = cli_fail_err(&eb);
        else if (o.json)
            print_opened_json(p, &info);
        else
            print_opened_human(p, &info);
        ktpel_packet_free(p);
    }
    ktpel_pki_cert_free(dc);
    ktpel_pki_key_free(key);
    ktpel_pki_trust_free(trust);
    return status;
}

int cmd_packet(int argc, char **argv)
{
    if (argc < 2) {
        print_usage(stderr);
        return CLI_USAGE;
    }
    for (int i = 1; i < argc; i++)
        if (cli_is_help(argv[i])) {
            print_usage(stdout);
            return CLI_OK;
        }
    if (strcmp(argv[1], "seal") == 0)
        return packet_seal(argc - 1, argv + 1);
    if (strcmp(argv[1], "open") == 0)
        return packet_open(argc - 1, argv + 1);
    return cli_usage_error("packet: unknown subcommand '%s' (seal, open)", argv[1]);
}
