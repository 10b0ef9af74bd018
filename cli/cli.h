/* Internal interface of the ktpel command: the command table and the helpers that every
 * command shares (exit codes, option conventions, JSON output). */
#ifndef KTPEL_CLI_H
#define KTPEL_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ktpel/error.h"

/* Exit status of every command. */
enum {
    CLI_OK = 0,    /* done, and the answer is "yes" (valid, match, ...) */
    CLI_FAIL = 1,  /* done, and the answer is "no", or an operation failed */
    CLI_USAGE = 2, /* the command line itself is wrong */
};

/* A command: `ktpel NAME ...`. run() gets argv with argv[0] == NAME. */
typedef struct cli_command {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv);
} cli_command;

/* Commands, one file each (cli/cmd_NAME.c). */
int cmd_nik(int argc, char **argv);
int cmd_application(int argc, char **argv);
int cmd_image(int argc, char **argv);
int cmd_fp(int argc, char **argv);
/* `ktpel fp extract ...`, called by cmd_fp (argv[0] == "extract"). */
int cmd_fp_extract(int argc, char **argv);
/* `ktpel iris ...` (cli/cmd_iris.c). */
int cmd_iris(int argc, char **argv);
/* `ktpel synth ...` (population) and its part for benchmark finger sets, called by cmd_synth
 * with argv[0] == "fingers". */
int cmd_synth(int argc, char **argv);
int cmd_synth_fingers(int argc, char **argv);
/* `ktpel synth irises ...` (CASIA-style eye image folders), argv[0] == "irises". */
int cmd_synth_irises(int argc, char **argv);
/* Data center (issue 5): `ktpel ingest`, `ktpel dedup`, `ktpel audit`. */
int cmd_ingest(int argc, char **argv);
int cmd_dedup(int argc, char **argv);
int cmd_audit(int argc, char **argv);

/* Data center: backup and restore (cli/cmd_backup.c), adjudication and its report
 * (cli/cmd_adjudicate.c). */
int cmd_backup(int argc, char **argv);
int cmd_restore(int argc, char **argv);
int cmd_adjudicate(int argc, char **argv);
int cmd_report(int argc, char **argv);
/* `ktpel report pipeline` (cli/cmd_report_pipeline.c), called by cmd_report with argv[0] ==
 * "pipeline". */
int cmd_report_pipeline(int argc, char **argv);

/* Personalisation (issue 8, cli/cmd_card.c): `ktpel card render` (the card print) and
 * `ktpel chip write|read` (the chip data). */
int cmd_card(int argc, char **argv);
int cmd_chip(int argc, char **argv);
/* Personalisation run, kecamatan desk, receipts import (issue 8): `ktpel personalize`
 * (cli/cmd_personalize.c), `ktpel verify` (cli/cmd_verify.c), `ktpel receipts`
 * (cli/cmd_receipts.c). */
int cmd_personalize(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_receipts(int argc, char **argv);

/* Station (issue 6): `ktpel photo check` and `ktpel signature` (cli/cmd_photo.c). */
int cmd_photo(int argc, char **argv);
int cmd_signature(int argc, char **argv);

/* The enrolment station (issue 6): `ktpel station devices|capture-finger|...`; its subcommand
 * table is in cli/cmd_station.c. */
int cmd_station(int argc, char **argv);
/* `ktpel station send` (cli/cmd_station_send.c): a row of cmd_station's table, argv[0] ==
 * "send". */
int cmd_station_send(int argc, char **argv);
/* `ktpel station enrol` (cli/cmd_station_enrol.c): the operator's workflow, a row of
 * cmd_station's table, argv[0] == "enrol". */
int cmd_station_enrol(int argc, char **argv);
/* The test PKI and sealed packets (issue 6): `ktpel pki`, `ktpel packet`. */
int cmd_pki(int argc, char **argv);
int cmd_packet(int argc, char **argv);

/* Prints "ktpel: MESSAGE" to stderr and returns CLI_USAGE. */
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints "ktpel: MESSAGE" to stderr and returns CLI_FAIL. */
int cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints the error buffer's message to stderr and returns CLI_FAIL. */
int cli_fail_err(const ktpel_errbuf *eb);
/* True if argv[i] is -h or --help. */
bool cli_is_help(const char *arg);

/* Option values. Each returns CLI_OK and sets *out, or prints "ktpel: OPT needs ..., got
 * 'VALUE'" and returns CLI_USAGE. A NULL value means the option was last on the line. */
int cli_parse_long(const char *opt, const char *value, long lo, long hi, long *out);
int cli_parse_int(const char *opt, const char *value, int lo, int hi, int *out);
int cli_parse_double(const char *opt, const char *value, double lo, double hi, double *out);
int cli_parse_seed(const char *opt, const char *value, uint64_t *out);

/* The options the `ktpel synth` commands share: --seed S, --threads T (1..max_threads) and
 * -o/--output DIR. If argv[*i] is one of them, stores its value, moves *i onto the value and
 * returns 1; returns 0 if it is none of them, -1 (after printing why) if its value is wrong. */
int cli_synth_common_option(int argc, char **argv, int *i, uint64_t *seed, int *threads,
                            int max_threads, const char **out_dir);

/* Seconds on the monotonic clock, and CPU seconds of the calling thread (for figures that
 * hold on a busy machine). */
double cli_now_seconds(void);
double cli_thread_cpu_seconds(void);

/* Minimal streaming JSON writer: commas and nesting are tracked, strings escaped. */
typedef struct cli_json {
    FILE *out;
    int depth;
    bool need_comma[32];
} cli_json;

void cli_json_init(cli_json *j, FILE *out);
void cli_json_begin_object(cli_json *j, const char *key); /* key NULL inside arrays/top */
void cli_json_end_object(cli_json *j);
void cli_json_begin_array(cli_json *j, const char *key);
void cli_json_end_array(cli_json *j);
void cli_json_string(cli_json *j, const char *key, const char *value); /* NULL -> null */
void cli_json_int(cli_json *j, const char *key, long long value);
void cli_json_double(cli_json *j, const char *key, double value);
void cli_json_bool(cli_json *j, const char *key, bool value);
/* Ends the document with a newline. */
void cli_json_finish(cli_json *j);

#endif
