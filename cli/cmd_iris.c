/* `ktpel iris`: iris code extraction, comparison and benchmark.
 *
 *   ktpel iris extract IMAGE [-o CODE] [--dump DIR] [--json]
 *   ktpel iris compare A B [--shifts N] [--fmr F] [--json]
 *   ktpel iris bench DIR [--scores FILE] [--det FILE.png] [--threads N] [--shifts N]
 *                        [--dump DIR] [--json]
 *   ktpel iris bench --speed [DIR] [--gallery N] [--json]
 *
 * The benchmark follows the fingerprint one (cli/cmd_fp.c): every unordered pair of samples
 * compared once, the figures of include/ktpel/bench.h, the same score-file lines. Its score
 * is 1 - hd_norm, so that higher means more similar as bench.h expects. */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "ktpel/bench.h"
#include "ktpel/image.h"
#include "ktpel/iris.h"
#include "ktpel/rng.h"

#define DEFAULT_FMR  1e-4
#define SPEED_PROBES 50

static void print_usage(FILE *out)
{
    fprintf(out,
            "usage: ktpel iris extract IMAGE [-o CODE] [--dump DIR] [--json]\n"
            "       ktpel iris compare A B [--shifts N] [--fmr F] [--json]\n"
            "       ktpel iris bench DIR [--scores FILE] [--det FILE.png] [--threads N] "
            "[--shifts N]\n"
            "                            [--dump DIR] [--json]\n"
            "       ktpel iris bench --speed [DIR] [--gallery N] [--json]\n\n"
            "A and B are iris codes (written by extract) or eye images.\n"
            "--shifts N  circular shifts tried either way, in code columns of 2.8125 degrees "
            "(default %d)\n"
            "--fmr F     target false match rate of the decision (default %g)\n"
            "compare exits 0 on a match, 1 on a non-match.\n"
            "bench: DIR holds EYE_SESSION_N.ext images (or EYE_N.ext), directly or in one "
            "folder per eye\n"
            "(the folder's name is then the eye); genuine = every unordered pair of images of "
            "one eye,\n"
            "impostor = every unordered pair of images of different eyes; each pair is compared "
            "once,\n"
            "score = 1 - hd_norm, and --scores writes SCORE NAME_A NAME_B per pair.\n",
            KTPEL_IRIS_DEFAULT_SHIFT, DEFAULT_FMR);
}

/* ---- one sample: an image or a code ------------------------------------------------------ */

typedef struct iris_sample {
    char path[1024];
    char name[256]; /* file name without extension */
    char eye[256];
    int is_image;
    double extract_ms, extract_cpu_ms;
    ktpel_iris_code code;
    ktpel_iris_segmentation seg;
    ktpel_iris_quality quality;
} iris_sample;

static int file_is_code(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    uint8_t head[4];
    size_t n = fread(head, 1, 4, f);
    fclose(f);
    return ktpel_iris_code_sniff(head, n);
}

/* Loads a code, or extracts one from an image (and dumps it when dump_dir is set). */
static ktpel_err load_sample(iris_sample *s, const char *dump_dir, ktpel_errbuf *eb)
{
    s->is_image = !file_is_code(s->path);
    if (!s->is_image)
        return ktpel_iris_code_read_file(s->path, &s->code, eb);
    ktpel_image img = {0};
    ktpel_err err = ktpel_image_read(s->path, KTPEL_IMAGE_GREY, 0, &img, eb);
    if (err)
        return err;
    ktpel_iris_features *f = malloc(sizeof *f);
    if (!f) {
        ktpel_image_free(&img);
        return ktpel_fail(eb, KTPEL_ENOMEM, "%s: out of memory", s->path);
    }
    double t0 = cli_now_seconds(), c0 = cli_thread_cpu_seconds();
    err = ktpel_iris_extract(&img, f, eb);
    s->extract_ms = (cli_now_seconds() - t0) * 1e3;
    s->extract_cpu_ms = (cli_thread_cpu_seconds() - c0) * 1e3;
    if (!err) {
        s->code = f->code;
        s->seg = f->seg;
        s->quality = f->quality;
    }
    if (!err && dump_dir)
        err = ktpel_iris_dump(&img, f, dump_dir, s->name[0] ? s->name : "iris", eb);
    if (err)
        ktpel_fail_context(eb, "%s: ", s->path);
    free(f);
    ktpel_image_free(&img);
    return err;
}

static void set_name_from_path(iris_sample *s)
{
    const char *base = strrchr(s->path, '/');
    base = base ? base + 1 : s->path;
    size_t len = strlen(base);
    if (len >= sizeof s->name)
        len = sizeof s->name - 1;
    memcpy(s->name, base, len);
    s->name[len] = '\0';
    char *dot = strrchr(s->name, '.');
    if (dot && dot != s->name)
        *dot = '\0';
}

static int make_dump_dir(const char *dir)
{
    if (dir && mkdir(dir, 0777) != 0 && errno != EEXIST)
        return cli_fail("iris: cannot create dump folder %s: %s", dir, strerror(errno));
    return CLI_OK;
}

/* ---- extract ---------------------------------------------------------------------------- */

static void json_circle(cli_json *j, const char *key, const ktpel_iris_circle *c)
{
    cli_json_begin_object(j, key);
    cli_json_double(j, "x", c->x);
    cli_json_double(j, "y", c->y);
    cli_json_double(j, "r", c->r);
    cli_json_end_object(j);
}

static void json_lid(cli_json *j, const char *key, const ktpel_iris_eyelid *l)
{
    cli_json_begin_object(j, key);
    cli_json_bool(j, "found", l->found);
    cli_json_double(j, "apex_x", l->apex_x);
    cli_json_double(j, "apex_y", l->apex_y);
    cli_json_double(j, "curvature", l->curvature);
    cli_json_end_object(j);
}

static void print_extract(const iris_sample *s, int json)
{
    const ktpel_iris_segmentation *g = &s->seg;
    const ktpel_iris_quality *q = &s->quality;
    if (json) {
        cli_json j;
        cli_json_init(&j, stdout);
        cli_json_begin_object(&j, NULL);
        cli_json_string(&j, "image", s->path);
        json_circle(&j, "pupil", &g->pupil);
        json_circle(&j, "iris", &g->iris);
        json_lid(&j, "upper_eyelid", &g->upper);
        json_lid(&j, "lower_eyelid", &g->lower);
        cli_json_begin_object(&j, "quality");
        cli_json_int(&j, "score", q->score);
        cli_json_double(&j, "usable", q->usable);
        cli_json_double(&j, "occlusion", q->occlusion);
        cli_json_double(&j, "focus", q->focus);
        cli_json_double(&j, "dilation", q->dilation);
        cli_json_double(&j, "iris_radius_px", q->iris_radius_px);
        cli_json_end_object(&j);
        cli_json_int(&j, "valid_bits", ktpel_iris_code_valid_bits(&s->code));
        cli_json_double(&j, "extract_ms", s->extract_ms);
        cli_json_end_object(&j);
        cli_json_finish(&j);
        return;
    }
    printf("pupil  centre (%.1f, %.1f) radius %.1f\n", g->pupil.x, g->pupil.y, g->pupil.r);
    printf("limbus centre (%.1f, %.1f) radius %.1f\n", g->iris.x, g->iris.y, g->iris.r);
    printf("upper eyelid %s, lower eyelid %s\n", g->upper.found ? "found" : "clear of the iris",
           g->lower.found ? "found" : "clear of the iris");
    printf("quality %d (usable bits %.0f %%, occlusion %.0f %%, focus %.2f, dilation %.2f)\n",
           q->score, 100 * q->usable, 100 * q->occlusion, q->focus, q->dilation);
    printf("code: %d of %d bits valid; %.1f ms\n", ktpel_iris_code_valid_bits(&s->code),
           KTPEL_IRIS_CODE_BITS, s->extract_ms);
}

static int cmd_extract(int argc, char **argv)
{
    const char *image = NULL, *out = NULL, *dump = NULL;
    int json = 0;
    for (int i = 1; i < argc; i++) {
        const char *next = i + 1 < argc ? argv[i + 1] : NULL;
        if (cli_is_help(argv[i])) {
            print_usage(stdout);
            return CLI_OK;
        } else if (strcmp(argv[i], "--json") == 0)
            json = 1;
        else if (strcmp(argv[i], "-o") == 0 || strcmp(argv[i], "--dump") == 0) {
            if (!next)
                return cli_usage_error("iris extract: %s needs a value", argv[i]);
            const char **slot = argv[i][1] == 'o' ? &out : &dump;
            *slot = next;
            i++;
        } else if (argv[i][0] == '-' && argv[i][1])
            return cli_usage_error("iris extract: unknown option '%s'", argv[i]);
        else if (!image)
            image = argv[i];
        else
            return cli_usage_error("iris extract takes one image, got a second: '%s'", argv[i]);
    }
    if (!image)
        return cli_usage_error("iris extract needs an image (see 'ktpel iris --help')");
    if (!out && !json && !dump)
        return cli_usage_error("iris extract: no output (-o CODE, --json or --dump DIR)");
    int rc = make_dump_dir(dump);
    if (rc != CLI_OK)
        return rc;
    iris_sample *s = calloc(1, sizeof *s);
    if (!s)
        return cli_fail("iris extract: out of memory");
    snprintf(s->path, sizeof s->path, "%s", image);
    set_name_from_path(s);
    ktpel_errbuf eb;
    ktpel_errbuf_clear(&eb);
    if (load_sample(s, dump, &eb) || !s->is_image ||
        (out && ktpel_iris_code_write_file(out, &s->code, &eb))) {
        rc = s->is_image ? cli_fail_err(&eb)
                         : cli_fail("iris extract: %s is a code, not an image", image);
    } else {
        print_extract(s, json);
        rc = CLI_OK;
    }
    free(s);
    return rc;
}

/* ---- compare ---------------------------------------------------------------------------- */

static int cmd_compare(int argc, char **argv)
{
    const char *paths[2] = {NULL, NULL};
    int npaths = 0, json = 0, shifts = KTPEL_IRIS_DEFAULT_SHIFT;
    double fmr = DEFAULT_FMR;
    for (int i = 1; i < argc; i++) {
        int rc = CLI_OK;
        const char *next = i + 1 < argc ? argv[i + 1] : NULL;
        if (cli_is_help(argv[i])) {
            print_usage(stdout);
            return CLI_OK;
        } else if (strcmp(argv[i], "--json") == 0)
            json = 1;
        else if (strcmp(argv[i], "--shifts") == 0)
            rc = cli_parse_int("--shifts", next, 0, KTPEL_IRIS_MAX_SHIFT, &shifts), i++;
        else if (strcmp(argv[i], "--fmr") == 0)
            rc = cli_parse_double("--fmr", next, 1e-12, 0.5, &fmr), i++;
        else if (argv[i][0] == '-' && argv[i][1])
            return cli_usage_error("iris compare: unknown option '%s'", argv[i]);
        else if (npaths < 2)
            paths[npaths++] = argv[i];
        else
            return cli_usage_error("iris compare takes two files, got a third: '%s'", argv[i]);
        if (rc != CLI_OK)
            return rc;
    }
    if (npaths != 2)
        return cli_usage_error("iris compare needs two files (see 'ktpel iris --help')");
    iris_sample *s = calloc(2, sizeof *s);
    if (!s)
        return cli_fail("iris compare: out of memory");
    ktpel_errbuf eb;
    ktpel_errbuf_clear(&eb);
    int rc = CLI_FAIL;
    for (int k = 0; k < 2; k++) {
        snprintf(s[k].path, sizeof s[k].path, "%s", paths[k]);
        set_name_from_path(&s[k]);
    }
    if (load_sample(&s[0], NULL, &eb) || load_sample(&s[1], NULL, &eb)) {
        rc = cli_fail_err(&eb);
        free(s);
        return rc;
    }
    ktpel_iris_score sc = ktpel_iris_compare(&s[0].code, &s[1].code, shifts);
    double threshold = ktpel_iris_threshold_for_fmr(fmr);
    int match = sc.hd_norm <= threshold;
    if (json) {
        cli_json j;
        cli_json_init(&j, stdout);
        cli_json_begin_object(&j, NULL);
        cli_json_string(&j, "a", paths[0]);
        cli_json_string(&j, "b", paths[1]);
        cli_json_double(&j, "hd_raw", sc.hd_raw);
        cli_json_double(&j, "hd_norm", sc.hd_norm);
        cli_json_int(&j, "bits_compared", sc.bits_compared);
        cli_json_int(&j, "best_shift", sc.best_shift);
        cli_json_int(&j, "shifts", shifts);
        cli_json_double(&j, "fmr", fmr);
        cli_json_double(&j, "threshold", threshold);
        cli_json_bool(&j, "match", match);
        cli_json_end_object(&j);
        cli_json_finish(&j);
    } else {
        printf("hd_raw %.4f over %d bits, best shift %+d columns\n", sc.hd_raw, sc.bits_compared,
               sc.best_shift);
        printf("hd_norm %.4f\nthreshold %.4f (FMR %g)\ndecision %s\n", sc.hd_norm, threshold, fmr,
               match ? "match" : "no match");
    }
    free(s);
    return match ? CLI_OK : CLI_FAIL;
}

/* ---- bench: listing ----------------------------------------------------------------------- */

typedef struct sample_set {
    iris_sample *items;
    int count, cap;
} sample_set;

static int has_image_or_code_name(const char *file)
{
    const char *dot = strrchr(file, '.');
    if (!dot)
        return 0;
    return ktpel_image_format_from_name(file) != KTPEL_IMAGE_FORMAT_UNKNOWN ||
           strcmp(dot, ".irc") == 0 || strcmp(dot, ".code") == 0;
}

/* The eye of EYE_SESSION_N (or EYE_N): the name without its last one or two "_number" parts. */
static int eye_from_name(const char *name, char *eye, size_t size)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", name);
    for (int part = 0; part < 2; part++) {
        char *us = strrchr(buf, '_');
        if (!us || us == buf || !us[1] || strspn(us + 1, "0123456789") != strlen(us + 1)) {
            if (part == 0)
                return 0;
            break;
        }
        *us = '\0';
    }
    snprintf(eye, size, "%s", buf);
    return 1;
}

static ktpel_err add_sample(sample_set *set, const char *dir, const char *file, const char *eye,
                            ktpel_errbuf *eb)
{
    if (set->count == set->cap) {
        int cap = set->cap ? 2 * set->cap : 64;
        iris_sample *bigger = realloc(set->items, (size_t)cap * sizeof *bigger);
        if (!bigger)
            return ktpel_fail(eb, KTPEL_ENOMEM, "%s: out of memory", dir);
        set->items = bigger;
        set->cap = cap;
    }
    iris_sample *s = &set->items[set->count];
    memset(s, 0, sizeof *s);
    snprintf(s->path, sizeof s->path, "%s/%s", dir, file);
    set_name_from_path(s);
    if (eye)
        snprintf(s->eye, sizeof s->eye, "%s", eye);
    else if (!eye_from_name(s->name, s->eye, sizeof s->eye)) {
        fprintf(stderr, "ktpel: skipping %s (not EYE_SESSION_N.ext)\n", s->path);
        return KTPEL_OK;
    }
    set->count++;
    return KTPEL_OK;
}

/* Files of DIR, and of its sub-folders (one per eye, named after it). */
static ktpel_err list_dir(const char *dir, const char *eye, sample_set *set, ktpel_errbuf *eb)
{
    DIR *d = opendir(dir);
    if (!d)
        return ktpel_fail(eb, KTPEL_EIO, "%s: cannot open folder: %s", dir, strerror(errno));
    ktpel_err err = KTPEL_OK;
    struct dirent *e;
    while (!err && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat st;
        if (stat(path, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            if (!eye) /* one level of folders */
                err = list_dir(path, e->d_name, set, eb);
        } else if (has_image_or_code_name(e->d_name)) {
            err = add_sample(set, dir, e->d_name, eye, eb);
        }
    }
    closedir(d);
    return err;
}

static int cmp_sample(const void *pa, const void *pb)
{
    const iris_sample *a = pa, *b = pb;
    int c = strcmp(a->eye, b->eye);
    return c ? c : strcmp(a->name, b->name);
}

static ktpel_err load_set(const char *dir, const char *dump, int threads, sample_set *set,
                          ktpel_errbuf *eb)
{
    ktpel_err err = list_dir(dir, NULL, set, eb);
    if (err)
        return err;
    if (set->count < 2)
        return ktpel_fail(eb, KTPEL_ENOTFOUND, "%s: fewer than two iris images or codes", dir);
    qsort(set->items, (size_t)set->count, sizeof *set->items, cmp_sample);
    for (int i = 1; i < set->count; i++)
        if (strcmp(set->items[i].name, set->items[i - 1].name) == 0)
            return ktpel_fail(eb, KTPEL_EINVAL, "%s: two files for sample %s", dir,
                              set->items[i].name);
    ktpel_err first_err = KTPEL_OK;
    ktpel_errbuf first_eb;
    ktpel_errbuf_clear(&first_eb);
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
    for (int i = 0; i < set->count; i++) {
        ktpel_errbuf local;
        ktpel_errbuf_clear(&local);
        ktpel_err e = load_sample(&set->items[i], dump, &local);
        if (e) {
#pragma omp critical(iris_bench_error)
            if (!first_err) {
                first_err = e;
                first_eb = local;
            }
        }
    }
    if (first_err && eb)
        *eb = first_eb;
    return first_err;
}

/* ---- bench: protocol and figures ---------------------------------------------------------- */

typedef struct bench_options {
    const char *dir, *scores, *det, *dump;
    int threads, shifts, json, speed, gallery;
} bench_options;

typedef struct pair_result {
    int a, b;
    ktpel_iris_score s0; /* at shift 0 only: the impostor model's input */
    ktpel_iris_score s;
} pair_result;

typedef struct bench_stats {
    size_t genuine, impostor;
    double gen_bits, imp_bits; /* mean bits compared at the best shift */
    double imp0_mean, imp0_sd; /* impostor hd_norm at shift 0 */
    double imp0_dof;           /* p (1 - p) / variance */
    double imp_mean, imp_sd;   /* impostor hd_norm, best shift */
    double gen_mean, gen_sd;   /* genuine hd_norm */
    double images_ms, images_cpu_ms, mean_quality;
    int images, low_quality_images;
} bench_stats;

/* Every unordered pair (i < j), compared once with a probe prepared from i. */
static ktpel_err score_pairs(const sample_set *set, int shifts, int threads, pair_result **out,
                             size_t *count, double *seconds, ktpel_errbuf *eb)
{
    size_t n = (size_t)set->count, total = n * (n - 1) / 2;
    pair_result *r = malloc(total * sizeof *r);
    if (!r)
        return ktpel_fail(eb, KTPEL_ENOMEM, "benchmark: out of memory for %zu pairs", total);
    size_t *start = malloc(n * sizeof *start);
    if (!start) {
        free(r);
        return ktpel_fail(eb, KTPEL_ENOMEM, "benchmark: out of memory");
    }
    for (size_t i = 0, k = 0; i < n; i++) {
        start[i] = k;
        k += n - 1 - i;
    }
    int failed = 0;
    double t0 = cli_now_seconds();
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
    for (int i = 0; i < (int)n; i++) {
        ktpel_iris_probe *p = NULL, *p0 = NULL;
        if (ktpel_iris_probe_new(&set->items[i].code, shifts, &p, NULL) ||
            ktpel_iris_probe_new(&set->items[i].code, 0, &p0, NULL)) {
#pragma omp atomic write
            failed = 1;
        } else {
            for (int j = i + 1; j < (int)n; j++) {
                pair_result *x = &r[start[i] + (size_t)(j - i - 1)];
                x->a = i;
                x->b = j;
                x->s = ktpel_iris_probe_compare(p, &set->items[j].code);
                x->s0 = ktpel_iris_probe_compare(p0, &set->items[j].code);
            }
        }
        ktpel_iris_probe_free(p);
        ktpel_iris_probe_free(p0);
    }
    *seconds = cli_now_seconds() - t0;
    free(start);
    if (failed) {
        free(r);
        return ktpel_fail(eb, KTPEL_ENOMEM, "benchmark: out of memory for probes");
    }
    *out = r;
    *count = total;
    return KTPEL_OK;
}

static int same_eye(const sample_set *set, const pair_result *x)
{
    return strcmp(set->items[x->a].eye, set->items[x->b].eye) == 0;
}

static void mean_sd(const double *v, size_t n, double *mean, double *sd)
{
    double s = 0, s2 = 0;
    for (size_t i = 0; i < n; i++)
        s += v[i];
    *mean = n ? s / n : 0;
    for (size_t i = 0; i < n; i++)
        s2 += (v[i] - *mean) * (v[i] - *mean);
    *sd = n > 1 ? sqrt(s2 / (n - 1)) : 0;
}

static ktpel_err write_scores(const char *path, const sample_set *set, const pair_result *r,
                              size_t count, ktpel_errbuf *eb)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return ktpel_fail(eb, KTPEL_EIO, "%s: cannot create: %s", path, strerror(errno));
    for (size_t k = 0; k < count; k++)
        fprintf(f, "%.6f %s %s\n", 1 - r[k].s.hd_norm, set->items[r[k].a].name,
                set->items[r[k].b].name);
    if (fclose(f) != 0)
        return ktpel_fail(eb, KTPEL_EIO, "%s: write error", path);
    return KTPEL_OK;
}

static void summarise(const sample_set *set, const pair_result *r, size_t count, double *gen,
                      double *imp, double *imp0, bench_stats *st)
{
    memset(st, 0, sizeof *st);
    for (size_t k = 0; k < count; k++) {
        if (same_eye(set, &r[k])) {
            gen[st->genuine++] = 1 - r[k].s.hd_norm;
            st->gen_bits += r[k].s.bits_compared;
        } else {
            imp0[st->impostor] = r[k].s0.hd_norm;
            imp[st->impostor++] = 1 - r[k].s.hd_norm;
            st->imp_bits += r[k].s.bits_compared;
        }
    }
    st->gen_bits /= st->genuine ? (double)st->genuine : 1;
    st->imp_bits /= st->impostor ? (double)st->impostor : 1;
    mean_sd(imp0, st->impostor, &st->imp0_mean, &st->imp0_sd);
    st->imp0_dof =
        st->imp0_sd > 0 ? st->imp0_mean * (1 - st->imp0_mean) / (st->imp0_sd * st->imp0_sd) : 0;
    mean_sd(imp, st->impostor, &st->imp_mean, &st->imp_sd);
    st->imp_mean = 1 - st->imp_mean;
    mean_sd(gen, st->genuine, &st->gen_mean, &st->gen_sd);
    st->gen_mean = 1 - st->gen_mean;
    for (int i = 0; i < set->count; i++) {
        const iris_sample *s = &set->items[i];
        if (!s->is_image)
            continue;
        st->images++;
        st->images_ms += s->extract_ms;
        st->images_cpu_ms += s->extract_cpu_ms;
        st->mean_quality += s->quality.score;
        st->low_quality_images += s->quality.score < 50;
    }
    if (st->images) {
        st->images_ms /= st->images;
        st->images_cpu_ms /= st->images;
        st->mean_quality /= st->images;
    }
}

static void print_bench(const bench_options *o, const sample_set *set, const ktpel_bench_metrics *m,
                        const bench_stats *st, const double *gen, const double *imp, size_t pairs,
                        double seconds)
{
    double t4 = ktpel_iris_threshold_for_fmr(1e-4), t6 = ktpel_iris_threshold_for_fmr(1e-6);
    double fmr4, fnmr4, fmr6, fnmr6;
    ktpel_bench_rates_at(gen, st->genuine, imp, st->impostor, 1 - t4, &fmr4, &fnmr4);
    ktpel_bench_rates_at(gen, st->genuine, imp, st->impostor, 1 - t6, &fmr6, &fnmr6);
    const char *protocol = "all pairs: genuine = unordered pairs of images of the same eye, "
                           "impostor = unordered pairs of images of different eyes; "
                           "score = 1 - hd_norm";
    if (o->json) {
        cli_json j;
        cli_json_init(&j, stdout);
        cli_json_begin_object(&j, NULL);
        cli_json_string(&j, "dir", o->dir);
        cli_json_string(&j, "protocol", protocol);
        cli_json_int(&j, "samples", set->count);
        cli_json_int(&j, "shifts", o->shifts);
        cli_json_int(&j, "genuine", (long long)m->genuine);
        cli_json_int(&j, "impostor", (long long)m->impostor);
        cli_json_double(&j, "eer", m->eer);
        cli_json_double(&j, "eer_threshold", m->eer_threshold);
        cli_json_double(&j, "fmr100", m->fmr100);
        cli_json_double(&j, "fmr1000", m->fmr1000);
        cli_json_double(&j, "zero_fmr", m->zero_fmr);
        cli_json_double(&j, "genuine_hd_mean", st->gen_mean);
        cli_json_double(&j, "genuine_hd_sd", st->gen_sd);
        cli_json_double(&j, "impostor_hd_mean", st->imp_mean);
        cli_json_double(&j, "impostor_hd_sd", st->imp_sd);
        cli_json_double(&j, "impostor_shift0_mean", st->imp0_mean);
        cli_json_double(&j, "impostor_shift0_sd", st->imp0_sd);
        cli_json_double(&j, "impostor_shift0_dof", st->imp0_dof);
        cli_json_double(&j, "genuine_bits_compared", st->gen_bits);
        cli_json_double(&j, "impostor_bits_compared", st->imp_bits);
        cli_json_double(&j, "threshold_fmr_1e-4", t4);
        cli_json_double(&j, "fnmr_at_threshold_1e-4", fnmr4);
        cli_json_double(&j, "fmr_at_threshold_1e-4", fmr4);
        cli_json_double(&j, "threshold_fmr_1e-6", t6);
        cli_json_double(&j, "fnmr_at_threshold_1e-6", fnmr6);
        cli_json_double(&j, "fmr_at_threshold_1e-6", fmr6);
        cli_json_int(&j, "images", st->images);
        cli_json_double(&j, "mean_extract_ms", st->images_ms);
        cli_json_double(&j, "mean_extract_cpu_ms", st->images_cpu_ms);
        cli_json_double(&j, "mean_quality", st->mean_quality);
        cli_json_int(&j, "images_quality_below_50", st->low_quality_images);
        cli_json_int(&j, "threads", o->threads);
        cli_json_double(&j, "comparisons_per_second", (double)pairs / seconds);
        cli_json_end_object(&j);
        cli_json_finish(&j);
        return;
    }
    printf("protocol: all pairs of %d samples in %s, shifts +-%d columns (+-%.1f degrees)\n",
           set->count, o->dir, o->shifts, o->shifts * 360.0 / KTPEL_IRIS_COLUMNS);
    printf("  genuine  = every unordered pair of images of the same eye: %zu\n", m->genuine);
    printf("  impostor = every unordered pair of images of different eyes: %zu\n", m->impostor);
    printf("  score = 1 - hd_norm (Daugman-normalised Hamming distance, n0 = %d)\n",
           KTPEL_IRIS_NORM_BITS);
    printf("EER      %6.2f %%  (hd_norm %.4f)\n", 100 * m->eer, 1 - m->eer_threshold);
    printf("FMR100   %6.2f %%  (hd_norm %.4f)\n", 100 * m->fmr100, 1 - m->fmr100_threshold);
    printf("FMR1000  %6.2f %%  (hd_norm %.4f)\n", 100 * m->fmr1000, 1 - m->fmr1000_threshold);
    printf("ZeroFMR  %6.2f %%  (hd_norm %.4f)\n", 100 * m->zero_fmr, 1 - m->zero_fmr_threshold);
    printf("hd_norm: genuine mean %.4f sd %.4f, impostor mean %.4f sd %.4f\n", st->gen_mean,
           st->gen_sd, st->imp_mean, st->imp_sd);
    printf("impostors at shift 0: mean %.4f sd %.4f -> %.0f degrees of freedom\n", st->imp0_mean,
           st->imp0_sd, st->imp0_dof);
    printf("bits compared (best shift): genuine %.0f, impostor %.0f of %d\n", st->gen_bits,
           st->imp_bits, KTPEL_IRIS_CODE_BITS);
    printf("model thresholds: FMR 1e-4 -> hd_norm %.4f (here FMR %.3f %%, FNMR %.2f %%); "
           "FMR 1e-6 -> %.4f (FMR %.3f %%, FNMR %.2f %%)\n",
           t4, 100 * fmr4, 100 * fnmr4, t6, 100 * fmr6, 100 * fnmr6);
    if (st->images)
        printf("extraction: %d images, mean %.1f ms (CPU %.1f ms); mean quality %.0f, %d below "
               "50\n",
               st->images, st->images_ms, st->images_cpu_ms, st->mean_quality,
               st->low_quality_images);
    printf("comparisons: %zu in %.3f s on %d thread%s (with the shift-0 pass for the model)\n",
           pairs, seconds, o->threads, o->threads == 1 ? "" : "s");
}

static int run_bench(const bench_options *o)
{
    sample_set set = {0};
    pair_result *r = NULL;
    size_t count = 0;
    double *gen = NULL, *imp = NULL, *imp0 = NULL, seconds = 0;
    ktpel_errbuf eb;
    ktpel_errbuf_clear(&eb);
    int rc = make_dump_dir(o->dump);
    if (rc != CLI_OK)
        return rc;
    rc = CLI_FAIL;
    if (load_set(o->dir, o->dump, o->threads, &set, &eb) ||
        score_pairs(&set, o->shifts, o->threads, &r, &count, &seconds, &eb)) {
        rc = cli_fail_err(&eb);
        goto done;
    }
    gen = malloc(count * sizeof *gen);
    imp = malloc(count * sizeof *imp);
    imp0 = malloc(count * sizeof *imp0);
    if (!gen || !imp || !imp0) {
        rc = cli_fail("benchmark: out of memory");
        goto done;
    }
    bench_stats st;
    summarise(&set, r, count, gen, imp, imp0, &st);
    if (st.genuine == 0 || st.impostor == 0) {
        rc = cli_fail("%s: the protocol needs at least two eyes, one with two images", o->dir);
        goto done;
    }
    ktpel_bench_metrics m;
    if (ktpel_bench_metrics_compute(gen, st.genuine, imp, st.impostor, &m, &eb) ||
        (o->scores && write_scores(o->scores, &set, r, count, &eb)) ||
        (o->det && ktpel_bench_det_write(o->det, gen, st.genuine, imp, st.impostor, &eb))) {
        rc = cli_fail_err(&eb);
        goto done;
    }
    print_bench(o, &set, &m, &st, gen, imp, count, seconds);
    rc = CLI_OK;
done:
    free(gen);
    free(imp);
    free(imp0);
    free(r);
    free(set.items);
    return rc;
}

/* ---- bench --speed ---------------------------------------------------------------------- */

/* Random codes with about 3/4 of the bits valid. */
static void random_code(ktpel_rng *rng, ktpel_iris_code *c)
{
    for (int w = 0; w < KTPEL_IRIS_CODE_WORDS; w++) {
        c->mask[w] = ktpel_rng_next(rng) | ktpel_rng_next(rng);
        c->bits[w] = ktpel_rng_next(rng) & c->mask[w];
    }
    c->quality = 255;
}

/* Each of `probes` prepared probes against the whole gallery on one thread. Returns CPU
 * seconds of the thread (the machine may be busy with other work) and a checksum of the
 * scores, which keeps the compiler from dropping the work. */
static double speed_run(const ktpel_iris_code *gallery, int n, int probes, int shifts, double *wall,
                        double *checksum)
{
    double t0 = cli_now_seconds(), c0 = cli_thread_cpu_seconds(), sum = 0;
    for (int p = 0; p < probes; p++) {
        ktpel_iris_probe *probe = NULL;
        if (ktpel_iris_probe_new(&gallery[p], shifts, &probe, NULL))
            return -1;
        for (int g = 0; g < n; g++)
            sum += ktpel_iris_probe_compare(probe, &gallery[g]).hd_norm;
        ktpel_iris_probe_free(probe);
    }
    *wall = cli_now_seconds() - t0;
    *checksum = sum;
    return cli_thread_cpu_seconds() - c0;
}

static int run_speed(const bench_options *o)
{
    int n = o->gallery;
    sample_set set = {0};
    ktpel_errbuf eb;
    ktpel_errbuf_clear(&eb);
    ktpel_iris_code *gallery = aligned_alloc(64, (size_t)n * sizeof *gallery);
    if (!gallery)
        return cli_fail("bench --speed: out of memory");
    if (o->dir && load_set(o->dir, NULL, o->threads, &set, &eb)) {
        free(gallery);
        free(set.items);
        return cli_fail_err(&eb);
    }
    ktpel_rng rng;
    ktpel_rng_seed(&rng, 0x6972697373706565ull);
    for (int i = 0; i < n; i++) {
        if (o->dir)
            gallery[i] = set.items[i % set.count].code;
        else
            random_code(&rng, &gallery[i]);
    }
    free(set.items);
    int probes = n < SPEED_PROBES ? n : SPEED_PROBES;
    double total = (double)probes * n, wall_s, wall_0, sum_s, sum_0;
    double cpu_s = speed_run(gallery, n, probes, o->shifts, &wall_s, &sum_s);
    double cpu_0 = speed_run(gallery, n, probes, 0, &wall_0, &sum_0);
    free(gallery);
    if (cpu_s < 0 || cpu_0 < 0)
        return cli_fail("bench --speed: out of memory");
    const char *isa = ktpel_iris_compare_isa();
    if (o->json) {
        cli_json j;
        cli_json_init(&j, stdout);
        cli_json_begin_object(&j, NULL);
        cli_json_string(&j, "gallery_source", o->dir ? o->dir : "random");
        cli_json_int(&j, "gallery", n);
        cli_json_int(&j, "probes", probes);
        cli_json_string(&j, "instruction_set", isa);
        cli_json_int(&j, "shifts", o->shifts);
        cli_json_double(&j, "comparisons_per_second_shifts", total / wall_s);
        cli_json_double(&j, "comparisons_per_cpu_second_shifts", total / cpu_s);
        cli_json_double(&j, "comparisons_per_second_no_shift", total / wall_0);
        cli_json_double(&j, "comparisons_per_cpu_second_no_shift", total / cpu_0);
        cli_json_double(&j, "checksum", sum_s + sum_0);
        cli_json_end_object(&j);
        cli_json_finish(&j);
        return CLI_OK;
    }
    printf("gallery: %d %s codes of %d bits + mask; %d probes x %d = %.0f comparisons, 1 "
           "thread\n",
           n, o->dir ? o->dir : "random", KTPEL_IRIS_CODE_BITS, probes, n, total);
    printf("instruction set: %s\n", isa);
    printf("shifts +-%d: %.2f million comparisons per second (%.2f million per CPU second)\n",
           o->shifts, total / wall_s / 1e6, total / cpu_s / 1e6);
    printf("no shift:  %.2f million comparisons per second (%.2f million per CPU second)\n",
           total / wall_0 / 1e6, total / cpu_0 / 1e6);
    return CLI_OK;
}

static int cmd_bench(int argc, char **argv)
{
    bench_options o = {0};
    o.threads = 1;
    o.shifts = KTPEL_IRIS_DEFAULT_SHIFT;
    o.gallery = 20000;
    for (int i = 1; i < argc; i++) {
        int rc = CLI_OK;
        const char *next = i + 1 < argc ? argv[i + 1] : NULL;
        if (cli_is_help(argv[i])) {
            print_usage(stdout);
            return CLI_OK;
        } else if (strcmp(argv[i], "--json") == 0)
            o.json = 1;
        else if (strcmp(argv[i], "--speed") == 0)
            o.speed = 1;
        else if (strcmp(argv[i], "--threads") == 0)
            rc = cli_parse_int("--threads", next, 1, 1024, &o.threads), i++;
        else if (strcmp(argv[i], "--shifts") == 0)
            rc = cli_parse_int("--shifts", next, 0, KTPEL_IRIS_MAX_SHIFT, &o.shifts), i++;
        else if (strcmp(argv[i], "--gallery") == 0)
            rc = cli_parse_int("--gallery", next, 1, 10000000, &o.gallery), i++;
        else if (strcmp(argv[i], "--scores") == 0 || strcmp(argv[i], "--det") == 0 ||
                 strcmp(argv[i], "--dump") == 0) {
            if (!next)
                return cli_usage_error("%s needs a file or folder name", argv[i]);
            const char **slot = argv[i][2] == 's'   ? &o.scores
                                : argv[i][3] == 'e' ? &o.det
                                                    : &o.dump;
            *slot = next;
            i++;
        } else if (argv[i][0] == '-' && argv[i][1])
            return cli_usage_error("iris bench: unknown option '%s'", argv[i]);
        else if (!o.dir)
            o.dir = argv[i];
        else
            return cli_usage_error("iris bench takes one folder, got a second: '%s'", argv[i]);
        if (rc != CLI_OK)
            return rc;
    }
    if (o.speed)
        return run_speed(&o);
    if (!o.dir)
        return cli_usage_error("iris bench needs a folder (or --speed)");
    return run_bench(&o);
}

int cmd_iris(int argc, char **argv)
{
    if (argc < 2) {
        print_usage(stderr);
        return CLI_USAGE;
    }
    if (cli_is_help(argv[1]) || strcmp(argv[1], "help") == 0) {
        print_usage(stdout);
        return CLI_OK;
    }
    if (strcmp(argv[1], "extract") == 0)
        return cmd_extract(argc - 1, argv + 1);
    if (strcmp(argv[1], "compare") == 0)
        return cmd_compare(argc - 1, argv + 1);
    if (strcmp(argv[1], "bench") == 0)
        return cmd_bench(argc - 1, argv + 1);
    return cli_usage_error("iris: unknown subcommand '%s' (extract, compare, bench)", argv[1]);
}
