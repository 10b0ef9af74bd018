/* `ktpel synth fingers`: a synthetic fingerprint benchmark set in the FVC layout.
 *
 *   ktpel synth fingers --fingers N --impressions K [--profile optical|capacitive]
 *                       [--templates-only] [--seed S] [--threads T] [--json] -o DIR
 *
 * Writes DIR/FFF_I.png (grey, 500 dpi in the file) or DIR/FFF_I.iso (ISO/IEC 19794-2), finger
 * FFF = 1..N (zero-padded), impression I = 1..K, so that `ktpel fp bench DIR` runs on it.
 * Finger f (1-based) is master f - 1 of the seed; impression i is impression i - 1 of it
 * (include/ktpel/synth_finger.h), so a set is reproducible from its seed.
 */
#include <errno.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"
#include "ktpel/fp_template.h"
#include "ktpel/image.h"
#include "ktpel/synth_finger.h"

typedef struct fingers_options {
    long fingers, impressions;
    ktpel_synth_profile profile;
    int templates_only;
    uint64_t seed;
    int threads;
    int json;
    const char *out_dir;
} fingers_options;

static void print_usage(FILE *out)
{
    fprintf(out, "usage: ktpel synth fingers --fingers N --impressions K [--profile P] "
                 "[--templates-only]\n"
                 "                           [--seed S] [--threads T] [--json] -o DIR\n\n"
                 "Writes a synthetic fingerprint set in the FVC layout: DIR/FFF_I.png (grey, 500 "
                 "dpi)\nor, with --templates-only, DIR/FFF_I.iso (ISO/IEC 19794-2 minutiae "
                 "records);\nfinger FFF = 1..N, impression I = 1..K. `ktpel fp bench DIR` runs on "
                 "it.\n"
                 "--profile P  sensor: optical (388x374, default) or capacitive (300x300)\n"
                 "--seed S     the set's seed (default 1): the same seed gives the same bytes\n"
                 "--threads T  worker threads (default: all cores)\n");
}

static int parse_options(int argc, char **argv, fingers_options *o)
{
    memset(o, 0, sizeof *o);
    o->seed = 1;
    o->profile = KTPEL_SYNTH_PROFILE_OPTICAL;
    for (int i = 1; i < argc; i++) {
        int common =
            cli_synth_common_option(argc, argv, &i, &o->seed, &o->threads, 1024, &o->out_dir);
        if (common < 0)
            return CLI_USAGE;
        if (common)
            continue;
        const char *a = argv[i], *next = i + 1 < argc ? argv[i + 1] : NULL;
        int rc = CLI_OK;
        if (strcmp(a, "--fingers") == 0)
            rc = cli_parse_long(a, next, 1, 100000000, &o->fingers), i++;
        else if (strcmp(a, "--impressions") == 0)
            rc = cli_parse_long(a, next, 1, 1000, &o->impressions), i++;
        else if (strcmp(a, "--profile") == 0) {
            ktpel_errbuf eb;
            if (!next || ktpel_synth_profile_parse(next, &o->profile, &eb))
                return cli_usage_error("--profile needs optical or capacitive, got '%s'",
                                       next ? next : "");
            i++;
        } else if (strcmp(a, "--templates-only") == 0)
            o->templates_only = 1;
        else if (strcmp(a, "--json") == 0)
            o->json = 1;
        else
            return cli_usage_error("synth fingers: unknown argument '%s' (see --help)", a);
        if (rc)
            return rc;
    }
    if (!o->fingers || !o->impressions)
        return cli_usage_error("synth fingers needs --fingers N and --impressions K");
    if (!o->out_dir)
        return cli_usage_error("synth fingers needs an output folder (-o DIR)");
    if (o->threads == 0)
        o->threads = omp_get_max_threads();
    return CLI_OK;
}

static int digits(long n)
{
    int d = 1;
    while (n >= 10) {
        n /= 10;
        d++;
    }
    return d < 3 ? 3 : d;
}

/* DIR/FFF_I.ext for finger index f and impression index i (both 0-based). */
static ktpel_err sample_path(char *path, size_t size, const fingers_options *o, long f, long i,
                             ktpel_errbuf *eb)
{
    int n = snprintf(path, size, "%s/%0*ld_%ld.%s", o->out_dir, digits(o->fingers), f + 1, i + 1,
                     o->templates_only ? "iso" : "png");
    if (n < 0 || (size_t)n >= size)
        return ktpel_fail(eb, KTPEL_EINVAL, "%s: output folder name too long", o->out_dir);
    return KTPEL_OK;
}

/* Writes all impressions of finger index f (0-based). */
static ktpel_err write_finger(const fingers_options *o, long f, ktpel_fp_template *tpl,
                              ktpel_errbuf *eb)
{
    char path[4096];
    if (o->templates_only) {
        ktpel_synth_minutiae_master master;
        ktpel_err err = ktpel_synth_minutiae_master_make(o->seed, (uint64_t)f, &master, eb);
        for (long i = 0; !err && i < o->impressions; i++) {
            err = sample_path(path, sizeof path, o, f, i, eb);
            if (!err)
                err = ktpel_synth_minutiae_template(&master, o->profile, (uint64_t)i, 0, tpl, eb);
            if (!err)
                err = ktpel_iso19794_2_write_file(path, tpl, eb);
        }
        return err;
    }
    ktpel_synth_finger *master = NULL;
    ktpel_err err = ktpel_synth_finger_create(o->seed, (uint64_t)f, &master, eb);
    for (long i = 0; !err && i < o->impressions; i++) {
        ktpel_image img = {0};
        err = sample_path(path, sizeof path, o, f, i, eb);
        if (!err)
            err = ktpel_synth_finger_render(master, o->profile, (uint64_t)i, &img, eb);
        if (!err)
            err = ktpel_image_write(path, &img, 0, eb);
        ktpel_image_free(&img);
    }
    ktpel_synth_finger_free(master);
    return err;
}

static void print_summary(const fingers_options *o, double seconds)
{
    double samples = (double)o->fingers * (double)o->impressions;
    const char *kind = o->templates_only ? "templates" : "images";
    if (o->json) {
        cli_json j;
        cli_json_init(&j, stdout);
        cli_json_begin_object(&j, NULL);
        cli_json_string(&j, "dir", o->out_dir);
        cli_json_string(&j, "kind", kind);
        cli_json_string(&j, "profile", ktpel_synth_profile_name(o->profile));
        cli_json_int(&j, "fingers", o->fingers);
        cli_json_int(&j, "impressions", o->impressions);
        cli_json_int(&j, "seed", (long long)o->seed);
        cli_json_int(&j, "threads", o->threads);
        cli_json_double(&j, "seconds", seconds);
        cli_json_double(&j, "samples_per_second", samples / seconds);
        cli_json_end_object(&j);
        cli_json_finish(&j);
        return;
    }
    printf("synth fingers: %ld fingers x %ld impressions (%s, %s, seed %llu) in %s\n", o->fingers,
           o->impressions, kind, ktpel_synth_profile_name(o->profile), (unsigned long long)o->seed,
           o->out_dir);
    printf("%.0f %s in %.2f s on %d thread%s: %.1f per second, %.1f per second per thread\n",
           samples, kind, seconds, o->threads, o->threads == 1 ? "" : "s", samples / seconds,
           samples / seconds / o->threads);
}

static int run(const fingers_options *o)
{
    if (mkdir(o->out_dir, 0777) != 0 && errno != EEXIST)
        return cli_fail("%s: cannot create folder: %s", o->out_dir, strerror(errno));
    int first = KTPEL_OK; /* int: read atomically by the workers */
    ktpel_errbuf first_eb;
    ktpel_errbuf_clear(&first_eb);
    long done = 0;
    double start = cli_now_seconds(), last_report = start;
#pragma omp parallel num_threads(o->threads)
    {
        ktpel_fp_template *tpl = o->templates_only ? malloc(sizeof *tpl) : NULL;
        ktpel_errbuf eb;
        ktpel_errbuf_clear(&eb);
        ktpel_err err = o->templates_only && !tpl
                            ? ktpel_fail(&eb, KTPEL_ENOMEM, "synth fingers: out of memory")
                            : KTPEL_OK;
#pragma omp for schedule(dynamic, 1)
        for (long f = 0; f < o->fingers; f++) {
            int stop;
#pragma omp atomic read
            stop = first;
            if (stop || err)
                continue;
            err = write_finger(o, f, tpl, &eb);
#pragma omp critical(synth_fingers_progress)
            {
                if (err && !first) {
                    first = (int)err;
                    first_eb = eb;
                }
                done++;
                double t = cli_now_seconds();
                if (!o->json && t - last_report > 2.0) {
                    fprintf(stderr, "synth fingers: %ld/%ld fingers\n", done, o->fingers);
                    last_report = t;
                }
            }
        }
        if (err) {
#pragma omp critical(synth_fingers_progress)
            if (!first) {
                first = (int)err;
                first_eb = eb;
            }
        }
        free(tpl);
    }
    if (first)
        return cli_fail_err(&first_eb);
    print_summary(o, cli_now_seconds() - start);
    return CLI_OK;
}

int cmd_synth_fingers(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (cli_is_help(argv[i])) {
            print_usage(stdout);
            return CLI_OK;
        }
    fingers_options o;
    int rc = parse_options(argc, argv, &o);
    if (rc)
        return rc;
    return run(&o);
}
