/* ktpel: the command-line face of the pipeline; a thin dispatcher over the stage libraries.
 *
 *   ktpel COMMAND [options]      exit status: 0 ok, 1 failure, 2 usage error
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const cli_command commands[] = {
    {"nik", "check a NIK (Nomor Induk Kependudukan) or KK number", cmd_nik},
    {"application", "check a KTP-el application: requirements, fine, queue class", cmd_application},
    {"image", "inspect and convert images (resolution travels with the image)", cmd_image},
    {"fp", "fingerprint engine: extract, compare, bench", cmd_fp},
    {"iris", "iris engine: extract, compare, bench", cmd_iris},
    {"synth", "synthetic population: records, faces, signatures, fingers, irises", cmd_synth},
    {"ingest", "data center: store enrolments and queue them for deduplication", cmd_ingest},
    {"dedup", "data center: 1:N deduplication of the queue; decisions", cmd_dedup},
    {"audit", "data center: verify or list the hash-chained audit log", cmd_audit},
    {"adjudicate", "data center: list and decide the cases dedup left to a person", cmd_adjudicate},
    {"report", "data center: HTML pages for adjudication (dedup), a whole run (pipeline)",
     cmd_report},
    {"backup", "data center: hot copy of the store with a manifest; verify a backup", cmd_backup},
    {"restore", "data center: restore a verified backup into an empty store folder", cmd_restore},
    {"card", "personalisation: render the card print (PNG at 300 dpi, PDF)", cmd_card},
    {"chip", "personalisation: write the chip data (signed LDS); read and verify it", cmd_chip},
    {"personalize", "personalisation run: chips, card prints, shipment lists", cmd_personalize},
    {"verify", "kecamatan desk: check a card's chip and the collector's finger 1:1", cmd_verify},
    {"receipts", "data center: import the desk's receipts (handed over, returned)", cmd_receipts},
    {"photo", "station: check a face photo (ICAO-style) and cut the portrait", cmd_photo},
    {"signature", "station: signature image from a scan or pen points", cmd_signature},
    {"station", "enrolment station: attached devices, fingerprint capture", cmd_station},
    {"pki", "test certificate authorities: stations, data center, CSCA, document signer", cmd_pki},
    {"packet", "seal a synthetic enrolment into a packet; open and check one", cmd_packet},
};

static void print_help(FILE *out)
{
    fprintf(out, "usage: ktpel COMMAND [options]\n"
                 "       ktpel COMMAND --help\n"
                 "       ktpel --version\n\n"
                 "commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-12s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\nEvery command takes --help; most take --json for output that scripts read.\n"
                 "Exit status: 0 ok, 1 failure (or a negative answer), 2 usage error.\n");
}

int cli_usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("ktpel: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return CLI_USAGE;
}

int cli_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("ktpel: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return CLI_FAIL;
}

int cli_fail_err(const ktpel_errbuf *eb)
{
    return cli_fail("%s", ktpel_errbuf_message(eb));
}

bool cli_is_help(const char *arg)
{
    return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        print_help(stderr);
        return CLI_USAGE;
    }
    if (cli_is_help(argv[1]) || strcmp(argv[1], "help") == 0) {
        print_help(stdout);
        return CLI_OK;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
        printf("ktpel %s\n", KTPEL_VERSION);
        return CLI_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    cli_usage_error("unknown command '%s' (see 'ktpel --help')", argv[1]);
    return CLI_USAGE;
}
