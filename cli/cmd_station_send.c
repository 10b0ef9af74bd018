/* ktpel station send --spool DIR --inbox DIR [--json]: moves sealed packets from the
 * station's spool into the data center's inbox (include/ktpel/spool.h). A row of the
 * subcommand table in cli/cmd_station.c; argv[0] == "send". */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "ktpel/spool.h"

typedef struct send_state {
    cli_json *json; /* NULL: human output */
} send_state;

static void on_packet(void *ctx, const char *name, ktpel_err rc, const char *message)
{
    send_state *s = ctx;
    if (s->json) {
        cli_json_begin_object(s->json, NULL);
        cli_json_string(s->json, "file", name);
        cli_json_bool(s->json, "sent", rc == KTPEL_OK);
        if (rc)
            cli_json_string(s->json, "error", message);
        cli_json_end_object(s->json);
    } else if (rc) {
        fprintf(stderr, "ktpel: %s: not sent: %s\n", name, message);
    } else {
        printf("sent %s\n", name);
    }
}

static void print_usage(FILE *out)
{
    fprintf(out, "usage: ktpel station send --spool DIR --inbox DIR [--json]\n"
                 "\n"
                 "Moves every sealed packet (*.ktp) of the spool into the data center's inbox:\n"
                 "written under a temporary name, flushed, renamed, the inbox flushed, and only\n"
                 "then removed from the spool. The inbox never holds a half-written packet; after\n"
                 "a crash, sending again completes the move. A packet whose name the inbox holds\n"
                 "with other bytes stays in the spool.\n"
                 "Exit status: 0 all sent, 1 some not sent (named on stderr), 2 usage error.\n");
}

int cmd_station_send(int argc, char **argv)
{
    const char *spool = NULL, *inbox = NULL;
    bool json = false;
    for (int i = 1; i < argc; i++) {
        if (cli_is_help(argv[i])) {
            print_usage(stdout);
            return CLI_OK;
        }
        if (strcmp(argv[i], "--json") == 0) {
            json = true;
        } else if (strcmp(argv[i], "--spool") == 0 || strcmp(argv[i], "--inbox") == 0) {
            if (i + 1 >= argc)
                return cli_usage_error("station send: %s needs a folder", argv[i]);
            if (argv[i][2] == 's')
                spool = argv[++i];
            else
                inbox = argv[++i];
        } else {
            return cli_usage_error("station send: unknown argument %s", argv[i]);
        }
    }
    if (!spool || !inbox)
        return cli_usage_error("station send: needs --spool DIR and --inbox DIR");
    cli_json j;
    send_state s = {json ? &j : NULL};
    if (json) {
        cli_json_init(&j, stdout);
        cli_json_begin_object(&j, NULL);
        cli_json_begin_array(&j, "packets");
    }
    ktpel_spool_report report;
    ktpel_errbuf eb = {0};
    ktpel_err rc = ktpel_spool_send(spool, inbox, on_packet, &s, &report, &eb);
    if (json) {
        cli_json_end_array(&j);
        cli_json_int(&j, "sent", report.sent);
        cli_json_int(&j, "already_in_inbox", report.already);
        cli_json_int(&j, "failed", report.failed);
        if (rc)
            cli_json_string(&j, "error", ktpel_errbuf_message(&eb));
        cli_json_end_object(&j);
        cli_json_finish(&j);
        return rc ? CLI_FAIL : CLI_OK;
    }
    if (rc && report.failed == 0)
        return cli_fail_err(&eb); /* the folders themselves */
    printf("%d sent, %d already in the inbox, %d not sent\n", report.sent, report.already,
           report.failed);
    return rc ? CLI_FAIL : CLI_OK;
}
