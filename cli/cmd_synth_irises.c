/* `ktpel synth irises`: a synthetic iris benchmark set in the CASIA-IrisV1 layout.
 *
 *   ktpel synth irises --eyes N --captures K [--seed S] [--threads T] [--truth] [--json] -o DIR
 *
 * Writes DIR/EEE/EEE_S_I.png (320x280 grey, the capture's scale as dpi in the file): eye
 * EEE = 1..N (zero-padded), session S = 1 for the first half of the captures (rounded up) and
 * 2 for the rest, I = 1.. within the session, so that `ktpel iris bench DIR` runs on it as
 * on CASIA. Eye e (1-based) is eye (e - 1) % 2 (0 right, 1 left) of resident (e - 1) / 2 of
 * the seed, and its captures are captures 0..K-1 (include/ktpel/synth_iris.h), so a set is
 * reproducible from its seed. --truth also writes DIR/truth.csv with the ground-truth
 * geometry of every image, for checking segmentation.
 */
#include <errno.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"
#include "ktpel/image.h"
#include "ktpel/synth_iris.h"

typedef struct irises_options {
    long eyes, captures;
    uint64_t seed;
    int threads;
    int truth;
    int json;
    const char *out_dir;
} irises_options;

static void print_usage(FILE *out)
{
    fprintf(out,
            "usage: ktpel synth irises --eyes N --captures K [--seed S] [--threads T] [--truth]\n"
            "                          [--json] -o DIR\n\n"
            "Writes a synthetic near-infrared iris set in the CASIA-IrisV1 layout:\n"
            "DIR/EEE/EEE_S_I.png (320x280 grey), eye EEE = 1..N, session S = 1 for the first\n"
            "half of the K captures and 2 for the rest, I = 1.. within the session.\n"
            "`ktpel iris bench DIR` runs on it. Eyes 1 and 2 are the right and left eye of\n"
            "the first resident of the seed, and so on.\n"
            "--seed S     the set's seed (default 1): the same seed gives the same bytes\n"
            "--threads T  worker threads (default: all cores)\n"
            "--truth      also write DIR/truth.csv (pupil and limbus circles, eyelids,\n"
            "             rotation of every image)\n");
}

static int parse_options(int argc, char **argv, irises_options *o)
{
    memset(o, 0, sizeof *o);
    o->seed = 1;
    for (int i = 1; i < argc; i++) {
        int common =
            cli_synth_common_option(argc, argv, &i, &o->seed, &o->threads, 1024, &o->out_dir);
        if (common < 0)
            return CLI_USAGE;
        if (common)
            continue;
        const char *a = argv[i], *next = i + 1 < argc ? argv[i + 1] : NULL;
        int rc = CLI_OK;
        if (strcmp(a, "--eyes") == 0) {
            rc = cli_parse_long(a, next, 1, 10000000, &o->eyes);
            i++;
        } else if (strcmp(a, "--captures") == 0) {
            rc = cli_parse_long(a, next, 1, 1000, &o->captures);
            i++;
        } else if (strcmp(a, "--truth") == 0) {
            o->truth = 1;
        } else if (strcmp(a, "--json") == 0) {
            o->json = 1;
        } else {
            return cli_usage_error("synth irises: unknown argument '%s' (see --help)", a);
        }
        if (rc)
            return rc;
    }
    if (!o->eyes || !o->captures)
        return cli_usage_error("synth irises needs --eyes N and --captures K");
    if (!o->out_dir)
        return cli_usage_error("synth irises needs an output folder (-o DIR)");
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

/* Session and number within the session (both 1-based) of capture index c. */
static void session_of(const irises_options *o, long c, long *session, long *number)
{
    long first = (o->captures + 1) / 2;
    *session = c < first ? 1 : 2;
    *number = c < first ? c + 1 : c - first + 1;
}

/* Eye folder DIR/EEE, or with c >= 0 the image path DIR/EEE/EEE_S_I.png. */
static ktpel_err eye_path(char *path, size_t size, const irises_options *o, long e, long c,
                          ktpel_errbuf *eb)
{
    int w = digits(o->eyes), n;
    if (c < 0) {
        n = snprintf(path, size, "%s/%0*ld", o->out_dir, w, e + 1);
    } else {
        long s, i;
        session_of(o, c, &s, &i);
        n = snprintf(path, size, "%s/%0*ld/%0*ld_%ld_%ld.png", o->out_dir, w, e + 1, w, e + 1, s,
                     i);
    }
    if (n < 0 || (size_t)n >= size)
        return ktpel_fail(eb, KTPEL_EINVAL, "%s: output folder name too long", o->out_dir);
    return KTPEL_OK;
}

/* One line of truth.csv (into line, NUL-terminated; empty if it would not fit, which the
 * sizes here rule out). */
static void truth_line(char *line, size_t size, const irises_options *o, long e, long c,
                       const ktpel_synth_iris_truth *t)
{
    long s, i;
    session_of(o, c, &s, &i);
    int w = digits(o->eyes);
    int n = snprintf(
        line, size,
        "%0*ld/%0*ld_%ld_%ld.png,%.2f,%.2f,%.2f,%.2f,%.2f,%.2f,%.2f,%.2f,%.6f,%.5f,%.2f,%.2f,"
        "%.6f,%.5f,%.5f\n",
        w, e + 1, w, e + 1, s, i, t->pupil_x, t->pupil_y, t->pupil_r, t->iris_x, t->iris_y,
        t->iris_r, t->upper.apex_x, t->upper.apex_y, t->upper.curvature, t->upper.angle,
        t->lower.apex_x, t->lower.apex_y, t->lower.curvature, t->lower.angle, t->rotation);
    if (n < 0 || (size_t)n >= size)
        line[0] = '\0';
}

static const char truth_header[] = "image,pupil_x,pupil_y,pupil_r,iris_x,iris_y,iris_r,"
                                   "upper_x,upper_y,upper_curvature,upper_angle,"
                                   "lower_x,lower_y,lower_curvature,lower_angle,rotation\n";

enum { TRUTH_LINE = 320 };

/* Writes all captures of eye index e (0-based); with truth, their lines into rows. */
static ktpel_err write_eye(const irises_options *o, long e, char *rows, ktpel_errbuf *eb)
{
    char path[4096];
    ktpel_err err = eye_path(path, sizeof path, o, e, -1, eb);
    if (!err && mkdir(path, 0777) != 0 && errno != EEXIST)
        err = ktpel_fail(eb, KTPEL_EIO, "%s: cannot create folder: %s", path, strerror(errno));
    ktpel_synth_iris_eye *eye = NULL;
    if (!err)
        err = ktpel_synth_iris_eye_create(o->seed, (uint64_t)(e / 2), (int)(e % 2), &eye, eb);
    for (long c = 0; !err && c < o->captures; c++) {
        ktpel_image img = {0};
        ktpel_synth_iris_truth t;
        err = eye_path(path, sizeof path, o, e, c, eb);
        if (!err)
            err = ktpel_synth_iris_capture(eye, (int)c, &img, &t, eb);
        if (!err)
            err = ktpel_image_write(path, &img, 0, eb);
        if (!err && rows)
            truth_line(rows + c * TRUTH_LINE, TRUTH_LINE, o, e, c, &t);
        ktpel_image_free(&img);
    }
    ktpel_synth_iris_eye_free(eye);
    return err;
}

static int write_truth(const irises_options *o, const char *rows)
{
    char path[4096];
    int n = snprintf(path, sizeof path, "%s/truth.csv", o->out_dir);
    if (n < 0 || (size_t)n >= sizeof path)
        return cli_fail("%s: output folder name too long", o->out_dir);
    FILE *f = fopen(path, "w");
    if (!f)
        return cli_fail("%s: cannot write: %s", path, strerror(errno));
    fputs(truth_header, f);
    for (long k = 0; k < o->eyes * o->captures; k++)
        fputs(rows + k * TRUTH_LINE, f);
    if (fclose(f) != 0)
        return cli_fail("%s: cannot write: %s", path, strerror(errno));
    return CLI_OK;
}

static void print_summary(const irises_options *o, double seconds)
{
    double images = (double)o->eyes * (double)o->captures;
    if (o->json) {
        cli_json j;
        cli_json_init(&j, stdout);
        cli_json_begin_object(&j, NULL);
        cli_json_string(&j, "dir", o->out_dir);
        cli_json_int(&j, "eyes", o->eyes);
        cli_json_int(&j, "captures", o->captures);
        cli_json_int(&j, "seed", (long long)o->seed);
        cli_json_int(&j, "threads", o->threads);
        cli_json_double(&j, "seconds", seconds);
        cli_json_double(&j, "images_per_second", images / seconds);
        cli_json_end_object(&j);
        cli_json_finish(&j);
        return;
    }
    printf("synth irises: %ld eyes x %ld captures (seed %llu) in %s\n", o->eyes, o->captures,
           (unsigned long long)o->seed, o->out_dir);
    printf("%.0f images in %.2f s on %d thread%s: %.1f per second, %.1f per second per thread\n",
           images, seconds, o->threads, o->threads == 1 ? "" : "s", images / seconds,
           images / seconds / o->threads);
}

static int run(const irises_options *o)
{
    if (mkdir(o->out_dir, 0777) != 0 && errno != EEXIST)
        return cli_fail("%s: cannot create folder: %s", o->out_dir, strerror(errno));
    char *rows = NULL;
    if (o->truth) {
        rows = calloc((size_t)(o->eyes * o->captures), TRUTH_LINE);
        if (!rows)
            return cli_fail("synth irises: out of memory for truth.csv");
    }
    int first = KTPEL_OK; /* int: read atomically by the workers */
    ktpel_errbuf first_eb;
    ktpel_errbuf_clear(&first_eb);
    long done = 0;
    double start = cli_now_seconds(), last_report = start;
#pragma omp parallel for schedule(dynamic, 1) num_threads(o->threads)
    for (long e = 0; e < o->eyes; e++) {
        int stop;
#pragma omp atomic read
        stop = first;
        if (stop)
            continue;
        ktpel_errbuf eb;
        ktpel_errbuf_clear(&eb);
        ktpel_err err = write_eye(o, e, rows ? rows + e * o->captures * TRUTH_LINE : NULL, &eb);
#pragma omp critical(synth_irises_progress)
        {
            if (err && !first) {
                first = (int)err;
                first_eb = eb;
            }
            done++;
            double t = cli_now_seconds();
            if (!o->json && t - last_report > 2.0) {
                fprintf(stderr, "synth irises: %ld/%ld eyes\n", done, o->eyes);
                last_report = t;
            }
        }
    }
    int rc = first ? cli_fail_err(&first_eb) : CLI_OK;
    if (rc == CLI_OK && rows)
        rc = write_truth(o, rows);
    free(rows);
    if (rc == CLI_OK)
        print_summary(o, cli_now_seconds() - start);
    return rc;
}

int cmd_synth_irises(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (cli_is_help(argv[i])) {
            print_usage(stdout);
            return CLI_OK;
        }
    irises_options o;
    int rc = parse_options(argc, argv, &o);
    if (rc)
        return rc;
    return run(&o);
}
