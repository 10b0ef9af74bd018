/* ktpel verify: the kecamatan desk's 1:1 check at the handover of a KTP-el
 * (include/ktpel/desk.h, docs/personalize.md). Works offline; the outcome goes into a
 * receipt file that the data center imports (`ktpel receipts import`). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"
#include "ktpel/desk.h"
#include "ktpel/file.h"
#include "ktpel/scanner.h"

#define MAX_FINGERS KTPEL_DESK_MAX_ATTEMPTS

static const char usage[] =
    "usage: ktpel verify --card CHIPFILE --csca CERT\n"
    "                    (--finger [right:|left:]IMAGE ... | --finger-device ID)\n"
    "                    --receipt FILE [--desk ID] [--fmr 1e-4] [--attempts N] [--nik NIK]\n"
    "                    [--keep] [--at DATE] [--time UNIX] [--json]\n\n"
    "The handover of a KTP-el at the kecamatan: checks the chip (structure, signature,\n"
    "certificate chain to the CSCA, every hash), then compares the collector's index finger\n"
    "1:1 with the chip's template at the false match rate --fmr (default 1e-4, one in\n"
    "10,000), up to --attempts captures (default 4) of both index fingers. Prints BERHASIL\n"
    "or GAGAL with a stable code and the reason, and appends the outcome to the receipt FILE\n"
    "(handed_over, or returned_for_destruction).\n"
    "  --finger IMG     one capture per option, in order; the finger is right:/left: or read\n"
    "                   from a name like finger_02_2.png (02 right index, 07 left index)\n"
    "  --finger-device  capture with a libfprint scanner (its id, see `ktpel station\n"
    "                   devices`); attempts alternate right and left index\n"
    "  --nik NIK        the NIK printed on the card: must be the chip's (and addresses the\n"
    "                   receipt when the chip cannot be read)\n"
    "  --keep           a failed finger check keeps the card at the desk (outcome refused)\n"
    "                   instead of returning it for destruction\n"
    "  --desk ID        the desk or officer id in the receipt (default desk)\n"
    "Exit status: 0 BERHASIL, 1 GAGAL or an error, 2 usage error.\n";

typedef struct opts {
    const char *card, *csca, *device, *receipt, *desk, *nik, *at;
    const char *fingers[MAX_FINGERS];
    int finger_count;
    double fmr;
    int attempts;
    long long time;
    bool keep, json;
} opts;

static int value_option(int argc, char **argv, int *i, opts *o)
{
    struct {
        const char *name;
        const char **slot;
    } table[] = {
        {"--card", &o->card},       {"--csca", &o->csca}, {"--finger-device", &o->device},
        {"--receipt", &o->receipt}, {"--desk", &o->desk}, {"--nik", &o->nik},
        {"--at", &o->at},
    };
    for (size_t k = 0; k < sizeof table / sizeof table[0]; k++) {
        if (strcmp(argv[*i], table[k].name) != 0)
            continue;
        if (*i + 1 >= argc)
            return cli_usage_error("%s needs a value", argv[*i]);
        *table[k].slot = argv[++*i];
        return 1;
    }
    return 0;
}

static int parse(int argc, char **argv, opts *o)
{
    memset(o, 0, sizeof *o);
    o->desk = "desk";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int rc = value_option(argc, argv, &i, o);
        if (rc == CLI_USAGE)
            return rc;
        if (rc)
            continue;
        if (strcmp(a, "--finger") == 0) {
            if (i + 1 >= argc)
                return cli_usage_error("--finger needs an image");
            if (o->finger_count == MAX_FINGERS)
                return cli_usage_error("at most %d --finger images", MAX_FINGERS);
            o->fingers[o->finger_count++] = argv[++i];
        } else if (strcmp(a, "--fmr") == 0) {
            if (cli_parse_double("--fmr", i + 1 < argc ? argv[++i] : NULL, 1e-6, 0.1, &o->fmr))
                return CLI_USAGE;
        } else if (strcmp(a, "--attempts") == 0) {
            if (cli_parse_int("--attempts", i + 1 < argc ? argv[++i] : NULL, 1,
                              KTPEL_DESK_MAX_ATTEMPTS, &o->attempts))
                return CLI_USAGE;
        } else if (strcmp(a, "--time") == 0) {
            long t = 0;
            if (cli_parse_long("--time", i + 1 < argc ? argv[++i] : NULL, 0, 253402275599L, &t))
                return CLI_USAGE;
            o->time = t;
        } else if (strcmp(a, "--keep") == 0) {
            o->keep = true;
        } else if (strcmp(a, "--json") == 0) {
            o->json = true;
        } else {
            return cli_usage_error("verify: unknown option '%s'\n%s", a, usage);
        }
    }
    if (!o->card || !o->csca || !o->receipt)
        return cli_usage_error("verify needs --card, --csca and --receipt\n%s", usage);
    if (!o->finger_count == !o->device)
        return cli_usage_error("verify needs --finger images or --finger-device (one of them)");
    ktpel_errbuf eb;
    if (o->nik && ktpel_nik_check_digits(o->nik, "--nik", &eb))
        return cli_usage_error("%s", ktpel_errbuf_message(&eb));
    if (ktpel_status_actor_validate(o->desk, &eb))
        return cli_usage_error("--desk: %s", ktpel_errbuf_message(&eb));
    return CLI_OK;
}

/* ---- captures: image files or a scanner ---- */

/* The finger of an image argument: "right:", "left:" or a finger_02 / finger_07 name. */
static int finger_of(const char *arg, const char **path)
{
    *path = arg;
    if (strncmp(arg, "right:", 6) == 0) {
        *path = arg + 6;
        return 2;
    }
    if (strncmp(arg, "left:", 5) == 0) {
        *path = arg + 5;
        return 7;
    }
    const char *base = strrchr(arg, '/');
    base = base ? base + 1 : arg;
    if (strncmp(base, "finger_02", 9) == 0)
        return 2;
    if (strncmp(base, "finger_07", 9) == 0)
        return 7;
    return 0;
}

typedef struct capture_ctx {
    const opts *o;
    ktpel_scanner *scanner;
} capture_ctx;

static ktpel_err capture(void *ctx, int attempt, ktpel_image *out, int *position, ktpel_errbuf *eb)
{
    capture_ctx *c = ctx;
    if (c->scanner) {
        *position = attempt % 2 ? 2 : 7;
        fprintf(stderr, "Percobaan %d: letakkan jari telunjuk %s pada pemindai...\n", attempt,
                *position == 2 ? "kanan" : "kiri");
        return ktpel_scanner_capture(c->scanner, 30000, out, NULL, eb);
    }
    if (attempt > c->o->finger_count)
        return KTPEL_EEMPTY;
    const char *path;
    *position = finger_of(c->o->fingers[attempt - 1], &path);
    if (!*position)
        return ktpel_fail(eb, KTPEL_EINVAL,
                          "--finger %s: say which finger (right:IMAGE or left:IMAGE)", path);
    return ktpel_image_read(path, KTPEL_IMAGE_GREY, 0, out, eb);
}

static void on_attempt(void *ctx, const ktpel_desk_attempt *a)
{
    const opts *o = ctx;
    if (o->json)
        return;
    if (a->problem)
        fprintf(stderr, "  percobaan %d (telunjuk %s): tidak dapat dipakai: %s\n", a->attempt,
                a->position == 2 ? "kanan" : "kiri", a->problem);
    else
        fprintf(stderr, "  percobaan %d (telunjuk %s): skor %.3f, ambang %.3f: %s\n", a->attempt,
                a->position == 2 ? "kanan" : "kiri", (double)a->score, (double)a->threshold,
                a->match ? "cocok" : "tidak cocok");
}

/* ---- output ---- */

static void print_result(const opts *o, const ktpel_desk_result *r)
{
    if (!o->json) {
        printf("%s\nkode: %s\n%s\n", r->berhasil ? "BERHASIL" : "GAGAL",
               ktpel_desk_code_id(r->code), r->message);
        if (r->detail[0])
            printf("detail: %s\n", r->detail);
        printf("receipt: %s (%s)\n", o->receipt, ktpel_receipt_outcome_id(r->outcome));
        return;
    }
    char hex[65];
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", r->chip_sha256[i]);
    cli_json j;
    cli_json_init(&j, stdout);
    cli_json_begin_object(&j, NULL);
    cli_json_string(&j, "result", r->berhasil ? "BERHASIL" : "GAGAL");
    cli_json_string(&j, "code", ktpel_desk_code_id(r->code));
    cli_json_string(&j, "outcome", ktpel_receipt_outcome_id(r->outcome));
    cli_json_string(&j, "message", r->message);
    cli_json_string(&j, "detail", r->detail[0] ? r->detail : NULL);
    cli_json_string(&j, "nik", r->nik);
    cli_json_string(&j, "chip_sha256", hex);
    cli_json_string(&j, "chip_part", r->chip.verdict != KTPEL_CHIP_VALID ? r->chip.part : NULL);
    cli_json_int(&j, "attempts", r->attempts);
    cli_json_double(&j, "best_score", r->best_score);
    cli_json_double(&j, "threshold", r->threshold);
    cli_json_string(&j, "receipt", o->receipt);
    cli_json_end_object(&j);
    cli_json_finish(&j);
}

static int parse_at(const char *text, int64_t *at)
{
    *at = 0;
    if (!text)
        return CLI_OK;
    ktpel_date d;
    ktpel_errbuf eb;
    if (ktpel_date_parse(text, "--at", &d, &eb) != KTPEL_OK)
        return cli_usage_error("%s", ktpel_errbuf_message(&eb));
    *at = ktpel_date_to_days(d) * 86400 + 5 * 3600; /* noon in Jakarta */
    return CLI_OK;
}

/* The chip file's bytes; an oversized or unreadable chip gives len 0 (a damaged chip), a
 * missing file is the officer's mistake. */
static int read_chip(const char *path, uint8_t **data, size_t *len)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return cli_fail("--card %s: %s", path, strerror(errno));
    if (ktpel_file_read(path, 4 * KTPEL_CHIP_FILE_MAX, data, len, NULL) != KTPEL_OK) {
        *data = NULL;
        *len = 0;
    }
    return CLI_OK;
}

static int run(const opts *o, ktpel_desk_options *dopt, ktpel_desk_result *res)
{
    uint8_t *chip = NULL;
    size_t len = 0;
    int rc = read_chip(o->card, &chip, &len);
    if (rc != CLI_OK)
        return rc;
    ktpel_errbuf eb;
    ktpel_err err = ktpel_desk_verify(chip, len, dopt, res, &eb);
    free(chip);
    if (err)
        return cli_fail_err(&eb);
    ktpel_receipt_entry e;
    int64_t now = o->time ? o->time : (int64_t)time(NULL);
    err = ktpel_desk_receipt_entry(res, o->desk, now, &e, &eb);
    if (!err)
        err = ktpel_receipt_append(o->receipt, &e, &eb);
    print_result(o, res);
    if (err)
        return cli_fail("the outcome could not be recorded: %s", ktpel_errbuf_message(&eb));
    return res->berhasil ? CLI_OK : CLI_FAIL;
}

int cmd_verify(int argc, char **argv)
{
    if (argc >= 2 && cli_is_help(argv[1])) {
        fputs(usage, stdout);
        return CLI_OK;
    }
    opts o;
    int rc = parse(argc, argv, &o);
    if (rc != CLI_OK)
        return rc;
    ktpel_desk_options dopt = {
        .fmr = o.fmr, .attempts = o.attempts, .printed_nik = o.nik, .keep_on_failure = o.keep};
    if ((rc = parse_at(o.at, &dopt.at)) != CLI_OK)
        return rc;
    ktpel_errbuf eb;
    ktpel_pki_trust *trust = NULL;
    if (ktpel_pki_trust_load(o.csca, &trust, &eb) != KTPEL_OK)
        return cli_fail_err(&eb);
    capture_ctx cc = {&o, NULL};
    if (o.device && ktpel_scanner_open(o.device, NULL, &cc.scanner, &eb) != KTPEL_OK) {
        ktpel_pki_trust_free(trust);
        return cli_fail_err(&eb);
    }
    dopt.csca = trust;
    dopt.capture = capture;
    dopt.capture_ctx = &cc;
    dopt.on_attempt = on_attempt;
    dopt.attempt_ctx = &o;
    ktpel_desk_result *res = calloc(1, sizeof *res);
    rc = res ? run(&o, &dopt, res) : cli_fail("out of memory");
    free(res);
    ktpel_scanner_close(cc.scanner);
    ktpel_pki_trust_free(trust);
    return rc;
}
