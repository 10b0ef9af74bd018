/* ktpel station enrol: the operator's workflow, from the devices (or files) to a sealed packet
 * in the spool (include/ktpel/enrol.h, docs/station.md). A row of the subcommand table in
 * cli/cmd_station.c; argv[0] == "enrol". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "ktpel/enrol.h"
#include "ktpel/file.h"

#define RECORD_MAX (64 * 1024)

typedef struct enrol_cli {
    const char *nik, *record, *station_cert, *station_key, *dc_cert, *spool, *operator_id;
    ktpel_enrol_device_config dev;
    ktpel_finger_absence missing[KTPEL_ENROL_FINGERS + 1];
    int timeout_s;
    bool confirm, quiet, json, interactive;
} enrol_cli;

static void print_usage(FILE *out)
{
    fprintf(
        out,
        "usage: ktpel station enrol --nik NIK [--record FILE] --station-cert C --station-key K\n"
        "                           --dc-cert D --spool DIR --operator ID [--from DIR]\n"
        "                           [--finger-device ID | --virtual-scanner] [--camera SRC]\n"
        "                           [--iris-camera SRC] [--signature IMG | --pen CSV]\n"
        "                           [--missing N:REASON]... [--timeout S] [--confirm]\n"
        "                           [--quiet] [--json]\n"
        "\n"
        "Walks the operator through the enrolment: photo (checked), signature, ten fingers\n"
        "(right thumb .. left little, quality gate), both irises, the index fingers again\n"
        "compared with the stored ones, and the resident's confirmation; then seals the\n"
        "packet (station certificate and key, encrypted to the data center's certificate)\n"
        "into the spool. Prompts go to stderr in Bahasa Indonesia.\n"
        "\n"
        "  --record FILE        the application record (default: DIR/record.txt of --from)\n"
        "  --from DIR           a synthetic resident's folder (`ktpel synth`): every step\n"
        "                       without a device takes its files, each a sequence\n"
        "                       (face_1.jpg, face_2.jpg, ...; finger_NN_1.png, then\n"
        "                       finger_NN_2.png ... for retries and the verification)\n"
        "  --finger-device ID   a libfprint scanner (`station devices`; \"\" = the first)\n"
        "  --virtual-scanner    put the --from finger images on libfprint's virtual_image\n"
        "  --camera SRC         face camera: /dev/videoN, N, or a folder of frame_NNNN.png\n"
        "  --iris-camera SRC    iris camera (right eye first, then left), same forms\n"
        "  --signature IMG      a scanned signature; --pen CSV a pad's pen points\n"
        "  --missing N:REASON   finger N (1..10) not capturable: amputated, bandaged,\n"
        "                       unusable (recorded with the reason, not captured)\n"
        "  --timeout S          seconds to wait for a finger on a scanner (default 60)\n"
        "  --confirm            the resident has confirmed the summary (no question on\n"
        "                       stdin; for the demo and scripted runs)\n"
        "Exit status: 0 sealed into the spool, 1 failure (named step), 2 usage error.\n");
}

static int parse_missing(const char *v, ktpel_finger_absence *missing)
{
    char *end = NULL;
    long n = v ? strtol(v, &end, 10) : 0;
    if (!v || n < 1 || n > KTPEL_ENROL_FINGERS || *end != ':')
        return cli_usage_error("--missing needs N:REASON with N 1..10, got '%s'", v ? v : "");
    const char *why = end + 1;
    ktpel_finger_absence a = strcmp(why, "amputated") == 0  ? KTPEL_FINGER_AMPUTATED
                             : strcmp(why, "bandaged") == 0 ? KTPEL_FINGER_BANDAGED
                             : strcmp(why, "unusable") == 0 ? KTPEL_FINGER_UNUSABLE
                                                            : KTPEL_FINGER_CAPTURED;
    if (a == KTPEL_FINGER_CAPTURED)
        return cli_usage_error("--missing %s: the reason is amputated, bandaged or unusable", v);
    missing[n] = a;
    return CLI_OK;
}

static int parse_args(int argc, char **argv, enrol_cli *o)
{
    memset(o, 0, sizeof *o);
    o->timeout_s = 60;
    struct {
        const char *name;
        const char **dst;
    } opts[] = {{"--nik", &o->nik},
                {"--record", &o->record},
                {"--station-cert", &o->station_cert},
                {"--station-key", &o->station_key},
                {"--dc-cert", &o->dc_cert},
                {"--spool", &o->spool},
                {"--operator", &o->operator_id},
                {"--from", &o->dev.from_dir},
                {"--finger-device", &o->dev.finger_device},
                {"--camera", &o->dev.camera},
                {"--iris-camera", &o->dev.iris_camera},
                {"--signature", &o->dev.signature_image},
                {"--pen", &o->dev.pen_points}};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool known = false;
        for (size_t k = 0; k < sizeof opts / sizeof opts[0] && !known; k++) {
            if (strcmp(a, opts[k].name) != 0)
                continue;
            known = true;
            if (i + 1 >= argc)
                return cli_usage_error("station enrol: %s needs a value", a);
            *opts[k].dst = argv[++i];
        }
        if (known)
            continue;
        if (cli_is_help(a)) {
            print_usage(stdout);
            return -1;
        } else if (strcmp(a, "--virtual-scanner") == 0) {
            o->dev.virtual_scanner = true;
        } else if (strcmp(a, "--confirm") == 0) {
            o->confirm = true;
        } else if (strcmp(a, "--quiet") == 0) {
            o->quiet = true;
        } else if (strcmp(a, "--json") == 0) {
            o->json = true;
        } else if (strcmp(a, "--missing") == 0) {
            if (parse_missing(i + 1 < argc ? argv[++i] : NULL, o->missing) != CLI_OK)
                return CLI_USAGE;
        } else if (strcmp(a, "--timeout") == 0) {
            if (cli_parse_int(a, i + 1 < argc ? argv[++i] : NULL, 1, 3600, &o->timeout_s) != CLI_OK)
                return CLI_USAGE;
        } else {
            return cli_usage_error("station enrol: unknown argument %s (see --help)", a);
        }
    }
    if (!o->nik || !o->station_cert || !o->station_key || !o->dc_cert || !o->spool ||
        !o->operator_id)
        return cli_usage_error("station enrol: needs --nik, --station-cert, --station-key, "
                               "--dc-cert, --spool and --operator");
    if (!o->record && !o->dev.from_dir)
        return cli_usage_error(
            "station enrol: needs --record FILE (or --from DIR with record.txt)");
    if (o->dev.signature_image && o->dev.pen_points)
        return cli_usage_error("station enrol: give --signature or --pen, not both");
    if (o->dev.virtual_scanner && (o->dev.finger_device || !o->dev.from_dir))
        return cli_usage_error("station enrol: --virtual-scanner takes the fingers of --from DIR "
                               "(and no --finger-device)");
    o->dev.finger_timeout_ms = o->timeout_s * 1000;
    o->interactive = isatty(STDIN_FILENO) != 0;
    return CLI_OK;
}

/* ---- operator callbacks ------------------------------------------------------------------- */

static void on_prompt(void *user, const ktpel_enrol_prompt *p)
{
    const enrol_cli *o = user;
    if (!o->quiet)
        fprintf(stderr, "[%s] %s\n", ktpel_enrol_step_name(p->step), p->message);
}

static bool read_answer(char *buf, size_t size)
{
    if (!fgets(buf, (int)size, stdin))
        return false;
    buf[strcspn(buf, "\r\n")] = 0;
    return true;
}

static ktpel_gate_decision on_finger_rejected(void *user, int position, const ktpel_gate_event *ev)
{
    (void)user;
    fprintf(stderr,
            "%s, percobaan %d/%d: [u]langi, [a]mputasi, [p]erban, [t]idak dapat dibaca, "
            "[b]atal? ",
            ktpel_enrol_finger_name(position), ev->attempt, ev->max_attempts);
    char line[32];
    if (!read_answer(line, sizeof line))
        return KTPEL_GATE_ABORT;
    switch (line[0]) {
    case 'a':
        return KTPEL_GATE_AMPUTATED;
    case 'p':
        return KTPEL_GATE_BANDAGED;
    case 't':
        return KTPEL_GATE_UNUSABLE;
    case 'b':
        return KTPEL_GATE_ABORT;
    default:
        return KTPEL_GATE_RETRY;
    }
}

static bool on_confirm(void *user, const char *summary)
{
    const enrol_cli *o = user;
    if (!o->quiet || !o->confirm)
        fprintf(stderr, "\n%s\n", summary);
    if (o->confirm) {
        if (!o->quiet)
            fprintf(stderr, "(--confirm: penduduk telah mengonfirmasi)\n");
        return true;
    }
    fprintf(stderr, "Penduduk mengonfirmasi? [ya/tidak] ");
    char line[32];
    return read_answer(line, sizeof line) && (strcmp(line, "ya") == 0 || strcmp(line, "y") == 0);
}

/* ---- the run -------------------------------------------------------------------------------- */

static void print_result(const enrol_cli *o, const ktpel_enrol_result *res)
{
    if (o->json) {
        cli_json j;
        cli_json_init(&j, stdout);
        cli_json_begin_object(&j, NULL);
        cli_json_string(&j, "file", res->path);
        cli_json_string(&j, "packet_id", res->packet_id);
        cli_json_string(&j, "nik", o->nik);
        cli_json_int(&j, "fingers_captured", res->fingers_captured);
        cli_json_int(&j, "irises_captured", res->irises_captured);
        cli_json_double(&j, "verify_threshold", res->verify_threshold);
        cli_json_begin_array(&j, "verified");
        for (int h = 0; h < 2; h++) {
            cli_json_begin_object(&j, NULL);
            cli_json_int(&j, "finger", res->verify_position[h]);
            cli_json_int(&j, "attempts", res->verify_attempts[h]);
            cli_json_double(&j, "score", res->verify_score[h]);
            cli_json_end_object(&j);
        }
        cli_json_end_array(&j);
        cli_json_end_object(&j);
        cli_json_finish(&j);
        return;
    }
    printf("sealed %s: packet %s, NIK %s, fingers %d/10, irises %d/2", res->path, res->packet_id,
           o->nik, res->fingers_captured, res->irises_captured);
    for (int h = 0; h < 2; h++)
        if (res->verify_position[h])
            printf(", finger %d verified (score %.3f, %d attempt%s)", res->verify_position[h],
                   res->verify_score[h], res->verify_attempts[h],
                   res->verify_attempts[h] == 1 ? "" : "s");
    printf("\n");
}

static ktpel_err load_record(const enrol_cli *o, uint8_t **rec, size_t *len, ktpel_errbuf *eb)
{
    char path[4200];
    if (o->record)
        snprintf(path, sizeof path, "%s", o->record);
    else
        snprintf(path, sizeof path, "%s/record.txt", o->dev.from_dir);
    return ktpel_file_read(path, RECORD_MAX, rec, len, eb);
}

static ktpel_err run(enrol_cli *o, ktpel_enrol_result *res, ktpel_errbuf *eb)
{
    ktpel_pki_cert *cert = NULL, *dc = NULL;
    ktpel_pki_key *key = NULL;
    ktpel_enrol_devices *devs = NULL;
    ktpel_packet *p = NULL;
    uint8_t *rec = NULL;
    size_t rec_len = 0;
    ktpel_err rc = ktpel_pki_cert_load(o->station_cert, &cert, eb);
    if (!rc)
        rc = ktpel_pki_key_load(o->station_key, &key, eb);
    if (!rc && !ktpel_pki_key_matches(key, cert))
        rc = ktpel_fail(eb, KTPEL_EINVAL, "%s is not the key of %s", o->station_key,
                        o->station_cert);
    if (!rc)
        rc = ktpel_pki_cert_load(o->dc_cert, &dc, eb);
    if (!rc)
        rc = load_record(o, &rec, &rec_len, eb);
    if (!rc)
        rc = ktpel_enrol_devices_open(&o->dev, &devs, eb);
    if (!rc) {
        ktpel_enrol_options eo;
        memset(&eo, 0, sizeof eo);
        eo.nik = o->nik;
        eo.record = rec;
        eo.record_len = rec_len;
        eo.operator_id = o->operator_id;
        memcpy(eo.missing, o->missing, sizeof eo.missing);
        eo.prompt = on_prompt;
        eo.finger_rejected = o->interactive && !o->confirm ? on_finger_rejected : NULL;
        eo.confirm = on_confirm;
        eo.user = o;
        rc = ktpel_enrol_capture(&eo, ktpel_enrol_devices_ops(), devs, &p, res, eb);
    }
    if (!rc)
        rc = ktpel_enrol_seal(p, cert, key, dc, o->spool, res, eb);
    ktpel_packet_free(p);
    ktpel_enrol_devices_close(devs);
    free(rec);
    ktpel_pki_cert_free(cert);
    ktpel_pki_cert_free(dc);
    ktpel_pki_key_free(key);
    return rc;
}

int cmd_station_enrol(int argc, char **argv)
{
    enrol_cli o;
    int prc = parse_args(argc, argv, &o);
    if (prc < 0)
        return CLI_OK; /* --help */
    if (prc != CLI_OK)
        return prc;
    ktpel_enrol_result res;
    memset(&res, 0, sizeof res);
    ktpel_errbuf eb = {0};
    ktpel_err rc = run(&o, &res, &eb);
    if (rc) {
        if (o.json) {
            cli_json j;
            cli_json_init(&j, stdout);
            cli_json_begin_object(&j, NULL);
            cli_json_bool(&j, "ok", false);
            cli_json_string(&j, "error", ktpel_errbuf_message(&eb));
            cli_json_end_object(&j);
            cli_json_finish(&j);
        }
        return cli_fail("enrolment failed: %s", ktpel_errbuf_message(&eb));
    }
    print_result(&o, &res);
    return CLI_OK;
}
