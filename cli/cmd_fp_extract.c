/* `ktpel fp extract IMAGE [--dpi N] -o OUT.iso [--dump DIR] [--json]`: minutiae of a
 * fingerprint image, written as an ISO/IEC 19794-2:2005 record. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"
#include "ktpel/fp_extract.h"
#include "ktpel/fp_template.h"
#include "ktpel/image.h"

static const char usage[] =
    "usage: ktpel fp extract IMAGE [--dpi N] -o OUT.iso [--dump DIR] [--json]\n\n"
    "Finds the minutiae of a fingerprint image and writes them as an ISO/IEC 19794-2:2005\n"
    "record.\n"
    "--dpi N     resolution of the image (overrides the file's; default: the file's, else "
    "500)\n"
    "-o FILE     the ISO record to write (may be left out with --json or --dump)\n"
    "--dump DIR  writes every intermediate image (mask, orientation, enhanced, binary,\n"
    "            skeleton, minutiae) as PNG into DIR, created if missing\n"
    "--json      prints quality and minutiae as JSON\n";

typedef struct extract_args {
    const char *image, *out, *dump;
    int dpi;
    bool json;
} extract_args;

static int parse_args(int argc, char **argv, extract_args *a, bool *help)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (cli_is_help(arg)) {
            *help = true;
            return CLI_OK;
        } else if (strcmp(arg, "--json") == 0) {
            a->json = true;
        } else if (strcmp(arg, "--dpi") == 0 || strcmp(arg, "-o") == 0 ||
                   strcmp(arg, "--dump") == 0) {
            if (!val)
                return cli_usage_error("fp extract: %s needs a value", arg);
            i++;
            if (strcmp(arg, "-o") == 0) {
                a->out = val;
            } else if (strcmp(arg, "--dump") == 0) {
                a->dump = val;
            } else {
                char *end;
                errno = 0;
                long v = strtol(val, &end, 10);
                if (errno || end == val || *end || v < 1 || v > 100000)
                    return cli_usage_error("fp extract: --dpi needs a number 1..100000, got '%s'",
                                           val);
                a->dpi = (int)v;
            }
        } else if (arg[0] == '-' && arg[1]) {
            return cli_usage_error("fp extract: unknown option '%s'", arg);
        } else if (!a->image) {
            a->image = arg;
        } else {
            return cli_usage_error("fp extract: one image only, got a second: '%s'", arg);
        }
    }
    if (!a->image)
        return cli_usage_error("fp extract: no image given\n%s", usage);
    if (!a->out && !a->json && !a->dump)
        return cli_usage_error("fp extract: no output (-o OUT.iso, --json or --dump DIR)");
    return CLI_OK;
}

static const char *type_name(int type)
{
    return type == KTPEL_MINUTIA_ENDING        ? "ending"
           : type == KTPEL_MINUTIA_BIFURCATION ? "bifurcation"
                                               : "other";
}

static void print_json(const extract_args *a, const ktpel_fp_features *f, double ms)
{
    cli_json j;
    cli_json_init(&j, stdout);
    cli_json_begin_object(&j, NULL);
    cli_json_string(&j, "image", a->image);
    cli_json_string(&j, "output", a->out);
    cli_json_int(&j, "width", f->width);
    cli_json_int(&j, "height", f->height);
    cli_json_int(&j, "dpi", f->dpi);
    cli_json_int(&j, "quality", f->quality);
    cli_json_double(&j, "extract_ms", ms);
    cli_json_int(&j, "count", f->count);
    cli_json_begin_array(&j, "minutiae");
    for (int i = 0; i < f->count; i++) {
        const ktpel_minutia *m = &f->minutiae[i];
        cli_json_begin_object(&j, NULL);
        cli_json_int(&j, "x", m->x);
        cli_json_int(&j, "y", m->y);
        cli_json_int(&j, "angle", m->angle);
        cli_json_double(&j, "angle_deg", m->angle * 360.0 / 256.0);
        cli_json_string(&j, "type", type_name(m->type));
        cli_json_int(&j, "quality", m->quality);
        cli_json_end_object(&j);
    }
    cli_json_end_array(&j);
    cli_json_end_object(&j);
    cli_json_finish(&j);
}

static ktpel_err write_iso(const char *path, const ktpel_fp_features *f, ktpel_errbuf *eb)
{
    ktpel_fp_template *t = malloc(sizeof *t);
    if (!t)
        return ktpel_fail(eb, KTPEL_ENOMEM, "%s: out of memory", path);
    ktpel_err err =
        ktpel_fp_template_init(t, f->width, f->height, f->dpi, f->minutiae, f->count, eb);
    if (!err) {
        t->views[0].quality = (uint8_t)f->quality;
        err = ktpel_iso19794_2_write_file(path, t, eb);
    }
    free(t);
    return err;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

int cmd_fp_extract(int argc, char **argv)
{
    extract_args a = {0};
    bool help = false;
    int rc = parse_args(argc, argv, &a, &help);
    if (rc != CLI_OK || help) {
        if (help)
            fputs(usage, stdout);
        return rc;
    }
    if (a.dump && mkdir(a.dump, 0777) != 0 && errno != EEXIST)
        return cli_fail("fp extract: cannot create dump folder %s: %s", a.dump, strerror(errno));
    ktpel_errbuf eb;
    ktpel_image img = {0};
    if (ktpel_image_read(a.image, KTPEL_IMAGE_GREY, KTPEL_FP_DEFAULT_DPI, &img, &eb))
        return cli_fail_err(&eb);
    if (a.dpi)
        img.dpi = a.dpi;
    ktpel_fp_features *f = malloc(sizeof *f);
    if (!f) {
        ktpel_image_free(&img);
        return cli_fail("fp extract: out of memory");
    }
    ktpel_fp_extract_options opt = {.dump_dir = a.dump, .default_dpi = KTPEL_FP_DEFAULT_DPI};
    double t0 = now_ms();
    ktpel_err err = ktpel_fp_extract(&img, &opt, f, &eb);
    double ms = now_ms() - t0;
    if (err)
        ktpel_fail_context(&eb, "%s: ", a.image);
    if (!err && a.out)
        err = write_iso(a.out, f, &eb);
    if (!err) {
        if (a.json)
            print_json(&a, f, ms);
        else
            printf("%s: %d minutiae, quality %d, %.1f ms%s%s\n", a.image, f->count, f->quality, ms,
                   a.out ? " -> " : "", a.out ? a.out : "");
    }
    free(f);
    ktpel_image_free(&img);
    return err ? cli_fail_err(&eb) : CLI_OK;
}
