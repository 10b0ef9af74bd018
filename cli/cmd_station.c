/* `ktpel station`: the enrolment station (issue 6).
 *
 *   ktpel station devices [--json] [--watch SECONDS]
 *   ktpel station capture-finger [--device ID] [--timeout S] [--virtual IMAGE] -o OUT.png [--json]
 *
 * Subcommands are rows of the table `subcommands` below: a new one (e.g. `enrol`, `send`) is
 * a function `int NAME(int argc, char **argv)` (argv[0] == the subcommand's name), declared
 * in cli.h if it lives in its own file, plus one row.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "ktpel/image.h"
#include "ktpel/scanner.h"
#include "ktpel/scanner_virtual.h"
#include "ktpel/station_devices.h"

#define DEFAULT_TIMEOUT_S 60

typedef struct station_subcommand {
    const char *name;
    const char *usage;
    const char *summary;
    int (*run)(int argc, char **argv);
} station_subcommand;

static int station_devices(int argc, char **argv);
static int station_capture_finger(int argc, char **argv);

static const station_subcommand subcommands[] = {
    {"devices", "[--json] [--watch SECONDS]",
     "list attached scanners, cameras and signature pads; --watch reports hot-plug",
     station_devices},
    {"capture-finger", "[--device ID] [--timeout S] [--virtual IMAGE] -o OUT.png [--json]",
     "capture one fingerprint image as the scanner delivers it, with its resolution",
     station_capture_finger},
    {"send", "--spool DIR --inbox DIR [--json]",
     "move sealed packets from the spool into the data center's inbox (never half-written)",
     cmd_station_send},
    {"enrol",
     "--nik NIK [--record FILE] --station-cert C --station-key K --dc-cert D --spool DIR "
     "--operator ID [--from DIR] [--finger-device ID | --virtual-scanner] [--camera SRC] "
     "[--iris-camera SRC] [--signature IMG | --pen CSV] [--missing N:REASON] [--confirm]",
     "the operator's workflow: photo, signature, ten fingers, irises, index-finger "
     "verification, confirmation; a sealed packet in the spool (`enrol --help`)",
     cmd_station_enrol},
};

static void print_usage(FILE *out)
{
    for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++)
        fprintf(out, "%s ktpel station %s %s\n", i ? "      " : "usage:", subcommands[i].name,
                subcommands[i].usage);
    fputc('\n', out);
    for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++)
        fprintf(out, "  %-15s %s\n", subcommands[i].name, subcommands[i].summary);
    fprintf(out,
            "\ncapture-finger:\n"
            "  --device ID      scanner id from `station devices`, a libfprint driver name or\n"
            "                   VVVV:PPPP (default: the first image-capable scanner)\n"
            "  --timeout S      seconds to wait for the finger (default %d, 0 = no limit)\n"
            "  --virtual IMAGE  put IMAGE on libfprint's virtual_image scanner (demo, tests)\n"
            "  -o OUT.png       the image as it came from the scanner, with its dpi\n"
            "Exit status: 0 captured, 1 failure (no scanner, unplugged, timeout, ...), 2 usage.\n",
            DEFAULT_TIMEOUT_S);
}

int cmd_station(int argc, char **argv)
{
    if (argc < 2 || cli_is_help(argv[1])) {
        print_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_USAGE : CLI_OK;
    }
    for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++)
        if (strcmp(argv[1], subcommands[i].name) == 0)
            return subcommands[i].run(argc - 1, argv + 1);
    return cli_usage_error("station: unknown subcommand '%s' (see 'ktpel station --help')",
                           argv[1]);
}

/* ---- devices ------------------------------------------------------------------------------ */

static void print_device_text(const ktpel_station_device *d)
{
    char ids[16] = "-";
    if (d->vendor || d->product)
        snprintf(ids, sizeof ids, "%04x:%04x", (unsigned)d->vendor, (unsigned)d->product);
    printf("%-13s %-9s %-3s  %-22s %s — %s\n", ktpel_device_kind_name(d->kind), ids,
           d->supported ? "yes" : "no", d->node[0] ? d->node : "-", d->name, d->support);
}

static void print_device_json(cli_json *j, const ktpel_station_device *d)
{
    char hex[8];
    cli_json_begin_object(j, NULL);
    cli_json_string(j, "kind", ktpel_device_kind_name(d->kind));
    snprintf(hex, sizeof hex, "%04x", (unsigned)d->vendor);
    cli_json_string(j, "vendor_id", d->vendor ? hex : NULL);
    snprintf(hex, sizeof hex, "%04x", (unsigned)d->product);
    cli_json_string(j, "product_id", d->product ? hex : NULL);
    cli_json_int(j, "usb_bus", d->bus);
    cli_json_int(j, "usb_address", d->address);
    cli_json_string(j, "node", d->node[0] ? d->node : NULL);
    cli_json_string(j, "name", d->name);
    cli_json_bool(j, "supported", d->supported);
    cli_json_string(j, "support", d->support);
    cli_json_end_object(j);
}

static void on_hotplug(void *user, bool arrived, const ktpel_station_device *d)
{
    (void)user;
    printf("%s %04x:%04x (usb %03d:%03d) %s: %s — %s\n", arrived ? "arrived" : "left",
           (unsigned)d->vendor, (unsigned)d->product, d->bus, d->address,
           ktpel_device_kind_name(d->kind), d->name, d->support);
    fflush(stdout);
}

static int station_devices(int argc, char **argv)
{
    bool json = false;
    double watch = 0;
    for (int i = 1; i < argc; i++) {
        if (cli_is_help(argv[i])) {
            print_usage(stdout);
            return CLI_OK;
        } else if (strcmp(argv[i], "--json") == 0) {
            json = true;
        } else if (strcmp(argv[i], "--watch") == 0) {
            if (cli_parse_double("--watch", i + 1 < argc ? argv[++i] : NULL, 0.1, 86400.0,
                                 &watch) != CLI_OK)
                return CLI_USAGE;
        } else {
            return cli_usage_error("station devices: unknown option '%s'", argv[i]);
        }
    }
    ktpel_errbuf eb;
    ktpel_fprint_hwdb *hwdb = NULL;
    if (ktpel_fprint_hwdb_load(NULL, &hwdb, &eb) != KTPEL_OK)
        fprintf(stderr,
                "ktpel: warning: %s; scanners are known only when libfprint opens "
                "them\n",
                ktpel_errbuf_message(&eb));
    ktpel_station_device *list = NULL;
    size_t n = 0;
    if (ktpel_station_devices_list(hwdb, &list, &n, &eb) != KTPEL_OK) {
        ktpel_fprint_hwdb_free(hwdb);
        return cli_fail_err(&eb);
    }
    if (json) {
        cli_json j;
        cli_json_init(&j, stdout);
        cli_json_begin_object(&j, NULL);
        cli_json_int(&j, "libfprint_known_devices", (long long)ktpel_fprint_hwdb_count(hwdb));
        cli_json_begin_array(&j, "devices");
        for (size_t i = 0; i < n; i++)
            print_device_json(&j, &list[i]);
        cli_json_end_array(&j);
        cli_json_end_object(&j);
        cli_json_finish(&j);
    } else {
        printf("%-13s %-9s %-3s  %-22s %s\n", "KIND", "USB ID", "OK", "ID/NODE", "NAME — SUPPORT");
        for (size_t i = 0; i < n; i++)
            print_device_text(&list[i]);
        if (n == 0)
            printf("(no scanner, camera or signature pad attached)\n");
    }
    free(list);
    int rc = CLI_OK;
    if (watch > 0) {
        if (!json)
            printf("watching USB hot-plug for %.1f s ...\n", watch);
        fflush(stdout);
        if (ktpel_station_devices_watch(hwdb, watch, NULL, on_hotplug, NULL, &eb) != KTPEL_OK)
            rc = cli_fail_err(&eb);
    }
    ktpel_fprint_hwdb_free(hwdb);
    return rc;
}

/* ---- capture-finger ------------------------------------------------------------------------ */

typedef struct capture_args {
    const char *device, *out, *virtual_image;
    int timeout_s;
    bool json;
} capture_args;

static int parse_capture_args(int argc, char **argv, capture_args *a)
{
    *a = (capture_args){.timeout_s = DEFAULT_TIMEOUT_S};
    for (int i = 1; i < argc; i++) {
        const char *next = i + 1 < argc ? argv[i + 1] : NULL;
        if (cli_is_help(argv[i])) {
            print_usage(stdout);
            return -1;
        } else if (strcmp(argv[i], "--json") == 0) {
            a->json = true;
        } else if (strcmp(argv[i], "--device") == 0 || strcmp(argv[i], "-o") == 0 ||
                   strcmp(argv[i], "--output") == 0 || strcmp(argv[i], "--virtual") == 0) {
            if (!next || !next[0])
                return cli_usage_error("station capture-finger: %s needs a value", argv[i]);
            if (strcmp(argv[i], "--device") == 0)
                a->device = next;
            else if (strcmp(argv[i], "--virtual") == 0)
                a->virtual_image = next;
            else
                a->out = next;
            i++;
        } else if (strcmp(argv[i], "--timeout") == 0) {
            if (cli_parse_int("--timeout", next, 0, 86400, &a->timeout_s) != CLI_OK)
                return CLI_USAGE;
            i++;
        } else {
            return cli_usage_error("station capture-finger: unknown option '%s'", argv[i]);
        }
    }
    if (!a->out)
        return cli_usage_error("station capture-finger: -o OUT.png is required");
    if (ktpel_image_format_from_name(a->out) != KTPEL_IMAGE_FORMAT_PNG)
        return cli_usage_error("station capture-finger: the output must be a .png file (the "
                               "image is kept lossless), got '%s'",
                               a->out);
    return CLI_OK;
}

/* The virtual scanner of --virtual: its socket in a private temporary folder. */
typedef struct virtual_feed {
    char dir[64], socket[96];
    ktpel_virtual_scanner *feeder;
} virtual_feed;

static ktpel_err start_virtual(const char *image_path, virtual_feed *v, ktpel_errbuf *eb)
{
    ktpel_image img = {0};
    ktpel_err err = ktpel_image_read(image_path, KTPEL_IMAGE_GREY, 500, &img, eb);
    if (err != KTPEL_OK)
        return err;
    snprintf(v->dir, sizeof v->dir, "/tmp/ktpel-vscan-XXXXXX");
    if (!mkdtemp(v->dir)) {
        ktpel_image_free(&img);
        return ktpel_fail(eb, KTPEL_EIO, "cannot create a folder for the virtual scanner");
    }
    snprintf(v->socket, sizeof v->socket, "%s/scanner.sock", v->dir);
    err = ktpel_virtual_scanner_enable(v->socket, eb);
    if (err == KTPEL_OK)
        err = ktpel_virtual_scanner_start_images(v->socket, &img, 1, &v->feeder, eb);
    ktpel_image_free(&img);
    return err;
}

static void stop_virtual(virtual_feed *v)
{
    if (v->feeder)
        ktpel_virtual_scanner_stop(v->feeder, NULL);
    if (v->socket[0])
        unlink(v->socket);
    if (v->dir[0])
        rmdir(v->dir);
}

static void report_capture(const capture_args *a, const ktpel_scanner_info *si,
                           const ktpel_image *img, const ktpel_scanner_image_info *ii)
{
    if (a->json) {
        cli_json j;
        cli_json_init(&j, stdout);
        cli_json_begin_object(&j, NULL);
        cli_json_string(&j, "scanner", si->id);
        cli_json_string(&j, "driver", si->driver);
        cli_json_string(&j, "name", si->name);
        cli_json_int(&j, "width", img->width);
        cli_json_int(&j, "height", img->height);
        cli_json_int(&j, "dpi", img->dpi);
        cli_json_bool(&j, "dpi_from_device", ii->dpi_from_device);
        cli_json_double(&j, "seconds", ii->capture_seconds);
        cli_json_string(&j, "output", a->out);
        cli_json_end_object(&j);
        cli_json_finish(&j);
    } else {
        printf("captured %dx%d at %d dpi%s from %s (%s) in %.2f s -> %s\n", img->width, img->height,
               img->dpi,
               ii->dpi_from_device ? "" : " (libfprint's stated default; the device gives none)",
               si->id, si->name, ii->capture_seconds, a->out);
    }
}

static void print_status(void *user, ktpel_finger_status st)
{
    virtual_feed *v = user;
    if (v->feeder)
        ktpel_virtual_scanner_on_status(v->feeder, st);
    if (st == KTPEL_FINGER_NEEDED)
        fprintf(stderr, "place the finger on the scanner\n");
}

static int station_capture_finger(int argc, char **argv)
{
    capture_args a;
    int rc = parse_capture_args(argc, argv, &a);
    if (rc != CLI_OK)
        return rc < 0 ? CLI_OK : rc;
    ktpel_errbuf eb;
    virtual_feed v = {0};
    if (a.virtual_image && start_virtual(a.virtual_image, &v, &eb) != KTPEL_OK) {
        stop_virtual(&v);
        return cli_fail_err(&eb);
    }
    const char *device = a.device ? a.device : (a.virtual_image ? "virtual_image" : NULL);
    ktpel_scanner_options opt = {.on_status = print_status, .user = &v};
    ktpel_scanner *s = NULL;
    ktpel_image img = {0};
    ktpel_scanner_image_info ii = {0};
    ktpel_err err = ktpel_scanner_open(device, &opt, &s, &eb);
    if (err == KTPEL_OK)
        err = ktpel_scanner_capture(s, a.timeout_s * 1000, &img, &ii, &eb);
    if (err == KTPEL_OK)
        err = ktpel_image_write(a.out, &img, 0, &eb);
    if (err == KTPEL_OK)
        report_capture(&a, ktpel_scanner_get_info(s), &img, &ii);
    ktpel_image_free(&img);
    ktpel_scanner_close(s);
    stop_virtual(&v);
    return err == KTPEL_OK ? CLI_OK : cli_fail_err(&eb);
}
