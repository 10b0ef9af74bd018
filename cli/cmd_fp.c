/* `ktpel fp`: fingerprint extraction, comparison and benchmark.
 *
 *   ktpel fp extract IMAGE ...          (cli/cmd_fp_extract.c)
 *   ktpel fp compare A B [--dpi N] [--fmr F] [--json]
 *   ktpel fp bench DIR [--dpi N] [--scores FILE] [--det FILE.png] [--threads N] [--json]
 *   ktpel fp bench --speed [DIR] [--gallery N] [--threads N] [--json]
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "ktpel/bench.h"
#include "ktpel/fp_extract.h"
#include "ktpel/fp_match.h"
#include "ktpel/fp_template.h"
#include "ktpel/image.h"
#include "ktpel/rng.h"

#define DEFAULT_FMR 1e-4
/* Probes compared with the whole gallery in `bench --speed`. */
#define SPEED_PROBES 50

static void print_usage(FILE *out)
{
    fprintf(out,
            "usage: ktpel fp extract IMAGE [--dpi N] -o OUT.iso [--dump DIR]\n"
            "       ktpel fp compare A B [--dpi N] [--fmr F] [--json]\n"
            "       ktpel fp bench DIR [--dpi N] [--scores FILE] [--det FILE.png] "
            "[--threads N] [--json]\n"
            "       ktpel fp bench --speed [DIR] [--gallery N] [--threads N] [--json]\n\n"
            "A and B, and the files of DIR, are ISO/IEC 19794-2:2005 minutiae records or "
            "fingerprint images.\n"
            "--dpi N     resolution of images (overrides the file's; default: the file's, else "
            "%d)\n"
            "--fmr F     target false match rate of the decision (default %g)\n"
            "compare exits 0 on a match, 1 on a non-match.\n"
            "bench: DIR holds FINGER_IMPRESSION.ext files (e.g. 101_3.iso); genuine = every "
            "unordered pair\n"
            "of impressions of one finger, impostor = every unordered pair of impressions of "
            "different fingers;\n"
            "each pair is compared once, and --scores writes it as SCORE NAME_A NAME_B in that "
            "order.\n",
            KTPEL_FP_DEFAULT_DPI, DEFAULT_FMR);
}

/* ---- loading a sample: ISO record or image ------------------------------------------------ */

typedef struct fp_sample {
    char file[256];   /* file name in its folder */
    char name[256];   /* file name without the extension */
    char finger[256]; /* part of the name before the last '_' */
    int impression;
    int is_image;
    double extract_ms;     /* images only: wall time of the extraction */
    double extract_cpu_ms; /* images only: CPU time of the extracting thread */
    int quality;           /* images only: the extractor's quality score 0..100 */
    ktpel_fp_compact *compact;
} fp_sample;

static int file_is_iso(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    uint8_t head[4];
    size_t n = fread(head, 1, 4, f);
    fclose(f);
    return ktpel_iso19794_2_sniff(head, n);
}

static ktpel_err load_iso(const char *path, ktpel_fp_compact **out, ktpel_errbuf *eb)
{
    ktpel_fp_template *t = malloc(sizeof *t);
    if (!t)
        return ktpel_fail(eb, KTPEL_ENOMEM, "%s: out of memory", path);
    ktpel_err err = ktpel_iso19794_2_read_file(path, t, eb);
    if (!err && t->view_count > 1)
        fprintf(stderr, "ktpel: %s has %d finger views; comparing the first\n", path,
                t->view_count);
    if (!err)
        err = ktpel_fp_compact_from_template(t, 0, out, eb);
    if (err)
        ktpel_fail_context(eb, "%s: ", path);
    free(t);
    return err;
}

static ktpel_err load_image(const char *path, int dpi, fp_sample *s, ktpel_errbuf *eb)
{
    ktpel_image img = {0};
    ktpel_err err = ktpel_image_read(path, KTPEL_IMAGE_GREY, dpi, &img, eb);
    if (err)
        return err;
    if (dpi > 0)
        img.dpi = dpi;
    ktpel_fp_features *f = malloc(sizeof *f);
    if (!f) {
        ktpel_image_free(&img);
        return ktpel_fail(eb, KTPEL_ENOMEM, "%s: out of memory", path);
    }
    double t0 = cli_now_seconds(), c0 = cli_thread_cpu_seconds();
    err = ktpel_fp_extract(&img, NULL, f, eb);
    s->extract_ms = (cli_now_seconds() - t0) * 1e3;
    s->extract_cpu_ms = (cli_thread_cpu_seconds() - c0) * 1e3;
    s->quality = f->quality;
    if (!err)
        err = ktpel_fp_compact_build(f->minutiae, f->count, f->width, f->height, f->dpi, f->dpi,
                                     &s->compact, eb);
    if (err)
        ktpel_fail_context(eb, "%s: ", path);
    free(f);
    ktpel_image_free(&img);
    return err;
}

static ktpel_err load_sample(const char *path, int dpi, fp_sample *s, ktpel_errbuf *eb)
{
    s->is_image = !file_is_iso(path);
    s->extract_ms = s->extract_cpu_ms = 0;
    s->quality = -1;
    if (s->is_image)
        return load_image(path, dpi, s, eb);
    return load_iso(path, &s->compact, eb);
}

/* ---- compare ------------------------------------------------------------------------- */

static int cmd_compare(int argc, char **argv)
{
    const char *paths[2] = {NULL, NULL};
    int npaths = 0, dpi = 0, json = 0;
    double fmr = DEFAULT_FMR;
    for (int i = 1; i < argc; i++) {
        int rc = CLI_OK;
        if (cli_is_help(argv[i])) {
            print_usage(stdout);
            return CLI_OK;
        } else if (strcmp(argv[i], "--json") == 0)
            json = 1;
        else if (strcmp(argv[i], "--dpi") == 0)
            rc = cli_parse_int("--dpi", i + 1 < argc ? argv[++i] : NULL, 50, 5000, &dpi);
        else if (strcmp(argv[i], "--fmr") == 0)
            rc = cli_parse_double("--fmr", i + 1 < argc ? argv[++i] : NULL, 1e-9, 1, &fmr);
        else if (argv[i][0] == '-' && argv[i][1])
            return cli_usage_error("fp compare: unknown option '%s'", argv[i]);
        else if (npaths < 2)
            paths[npaths++] = argv[i];
        else
            return cli_usage_error("fp compare takes two files, got a third: '%s'", argv[i]);
        if (rc != CLI_OK)
            return rc;
    }
    if (npaths != 2)
        return cli_usage_error("fp compare needs two files (see 'ktpel fp --help')");

    fp_sample s[2];
    memset(s, 0, sizeof s);
    ktpel_errbuf eb;
    ktpel_errbuf_clear(&eb);
    ktpel_fp_workspace *ws = NULL;
    int rc = CLI_FAIL;
    if (load_sample(paths[0], dpi, &s[0], &eb) || load_sample(paths[1], dpi, &s[1], &eb) ||
        ktpel_fp_workspace_new(&ws, &eb)) {
        rc = cli_fail_err(&eb);
        goto done;
    }
    float score = ktpel_fp_compare(s[0].compact, s[1].compact, ws);
    float threshold = ktpel_fp_threshold_for_fmr(fmr);
    int match = score >= threshold;
    if (json) {
        cli_json j;
        cli_json_init(&j, stdout);
        cli_json_begin_object(&j, NULL);
        cli_json_string(&j, "a", paths[0]);
        cli_json_string(&j, "b", paths[1]);
        cli_json_double(&j, "score", score);
        cli_json_double(&j, "fmr", fmr);
        cli_json_double(&j, "threshold", threshold);
        cli_json_bool(&j, "match", match);
        cli_json_int(&j, "minutiae_a", ktpel_fp_compact_count(s[0].compact));
        cli_json_int(&j, "minutiae_b", ktpel_fp_compact_count(s[1].compact));
        cli_json_end_object(&j);
        cli_json_finish(&j);
    } else {
        printf("score %.4f\nthreshold %.4f (FMR %g)\ndecision %s\n", score, threshold, fmr,
               match ? "match" : "no match");
    }
    rc = match ? CLI_OK : CLI_FAIL;
done:
    ktpel_fp_workspace_free(ws);
    ktpel_fp_compact_free(s[0].compact);
    ktpel_fp_compact_free(s[1].compact);
    return rc;
}

/* ---- bench: listing and loading a folder --------------------------------------------- */

typedef struct sample_set {
    fp_sample *items;
    int count;
} sample_set;

static void sample_set_free(sample_set *set)
{
    for (int i = 0; i < set->count; i++)
        ktpel_fp_compact_free(set->items[i].compact);
    free(set->items);
    set->items = NULL;
    set->count = 0;
}

/* Splits "FINGER_IMPRESSION.ext" into its parts; 0 if the name does not follow it. */
static int parse_sample_name(const char *file, fp_sample *s)
{
    const char *dot = strrchr(file, '.');
    size_t len = dot ? (size_t)(dot - file) : strlen(file);
    if (len == 0 || len >= sizeof s->name)
        return 0;
    memcpy(s->name, file, len);
    s->name[len] = '\0';
    char *us = strrchr(s->name, '_');
    if (!us || us == s->name || !us[1])
        return 0;
    char *end = NULL;
    long imp = strtol(us + 1, &end, 10);
    if (*end || imp < 0 || imp > 1000000)
        return 0;
    memcpy(s->finger, s->name, (size_t)(us - s->name));
    s->finger[us - s->name] = '\0';
    s->impression = (int)imp;
    return 1;
}

static int cmp_sample(const void *pa, const void *pb)
{
    const fp_sample *a = pa, *b = pb;
    int c = strcmp(a->finger, b->finger);
    if (c)
        return c;
    return a->impression < b->impression ? -1 : a->impression > b->impression;
}

static ktpel_err list_samples(const char *dir, sample_set *set, ktpel_errbuf *eb)
{
    DIR *d = opendir(dir);
    if (!d)
        return ktpel_fail(eb, KTPEL_EIO, "%s: cannot open folder: %s", dir, strerror(errno));
    int cap = 0;
    struct dirent *e;
    ktpel_err err = KTPEL_OK;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        fp_sample s;
        memset(&s, 0, sizeof s);
        if (strlen(e->d_name) >= sizeof s.file || !parse_sample_name(e->d_name, &s)) {
            fprintf(stderr, "ktpel: skipping %s/%s (not FINGER_IMPRESSION.ext)\n", dir, e->d_name);
            continue;
        }
        if (set->count == cap) {
            cap = cap ? 2 * cap : 64;
            fp_sample *bigger = realloc(set->items, (size_t)cap * sizeof *bigger);
            if (!bigger) {
                err = ktpel_fail(eb, KTPEL_ENOMEM, "%s: out of memory", dir);
                break;
            }
            set->items = bigger;
        }
        snprintf(s.file, sizeof s.file, "%s", e->d_name);
        set->items[set->count++] = s;
    }
    closedir(d);
    if (!err)
        qsort(set->items, (size_t)set->count, sizeof *set->items, cmp_sample);
    return err;
}

static ktpel_err load_set(const char *dir, int dpi, int threads, sample_set *set, ktpel_errbuf *eb)
{
    ktpel_err err = list_samples(dir, set, eb);
    if (err)
        return err;
    if (set->count < 2)
        return ktpel_fail(eb, KTPEL_ENOTFOUND, "%s: fewer than two FINGER_IMPRESSION files", dir);
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
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, set->items[i].file);
        ktpel_err e = load_sample(path, dpi, &set->items[i], &local);
        if (e) {
#pragma omp critical(fp_bench_error)
            if (!first_err) {
                first_err = e;
                first_eb = local;
            }
        }
    }
    if (first_err) {
        if (eb)
            *eb = first_eb;
        return first_err;
    }
    return KTPEL_OK;
}

/* ---- bench: the protocol ------------------------------------------------------------- */

typedef struct bench_pairs {
    int (*pair)[2];
    float *score;
    size_t count;
    size_t genuine;
} bench_pairs;

/* Every unordered pair (i < j) of samples, compared once as (i, j); genuine when the finger
 * is the same. This is the protocol of ../shared/datasets/README.md: for 10 fingers x 8
 * impressions, C(80, 2) = 3,160 pairs, of which 10 x C(8, 2) = 280 genuine and the other
 * 2,880 impostor (every impression against every impression of the other fingers; the
 * official FVC protocol would use only the first impressions, 45 impostor pairs). */
static ktpel_err make_pairs(const sample_set *set, bench_pairs *p, ktpel_errbuf *eb)
{
    size_t n = (size_t)set->count;
    p->count = n * (n - 1) / 2;
    p->pair = malloc(p->count * sizeof *p->pair);
    p->score = malloc(p->count * sizeof *p->score);
    if (!p->pair || !p->score)
        return ktpel_fail(eb, KTPEL_ENOMEM, "benchmark: out of memory for %zu pairs", p->count);
    size_t k = 0;
    p->genuine = 0;
    for (int i = 0; i < set->count; i++)
        for (int j = i + 1; j < set->count; j++) {
            p->pair[k][0] = i;
            p->pair[k][1] = j;
            p->genuine += strcmp(set->items[i].finger, set->items[j].finger) == 0;
            k++;
        }
    return KTPEL_OK;
}

/* Scores every pair; each thread has its own workspace, and each score depends only on its
 * two templates, so the scores are the same for any number of threads. Returns the wall
 * time in seconds (negative when a workspace cannot be allocated) and, in *cpu, the CPU
 * time the threads spent comparing, which does not count time the cores gave to other
 * programs. */
static double score_pairs(const sample_set *set, bench_pairs *p, int threads, double *cpu)
{
    int failed = 0;
    double cpu_sum = 0;
    double t0 = cli_now_seconds();
#pragma omp parallel num_threads(threads) reduction(+ : cpu_sum)
    {
        ktpel_fp_workspace *ws = NULL;
        if (ktpel_fp_workspace_new(&ws, NULL)) {
#pragma omp atomic write
            failed = 1;
        }
        double c0 = cli_thread_cpu_seconds();
#pragma omp for schedule(dynamic, 64)
        for (size_t k = 0; k < p->count; k++)
            p->score[k] = ws ? ktpel_fp_compare(set->items[p->pair[k][0]].compact,
                                                set->items[p->pair[k][1]].compact, ws)
                             : 0.0f;
        cpu_sum += cli_thread_cpu_seconds() - c0;
        ktpel_fp_workspace_free(ws);
    }
    double elapsed = cli_now_seconds() - t0;
    *cpu = cpu_sum;
    return failed ? -1.0 : elapsed;
}

static ktpel_err write_scores(const char *path, const sample_set *set, const bench_pairs *p,
                              ktpel_errbuf *eb)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return ktpel_fail(eb, KTPEL_EIO, "%s: cannot create: %s", path, strerror(errno));
    for (size_t k = 0; k < p->count; k++)
        fprintf(f, "%.6f %s %s\n", p->score[k], set->items[p->pair[k][0]].name,
                set->items[p->pair[k][1]].name);
    if (fclose(f) != 0)
        return ktpel_fail(eb, KTPEL_EIO, "%s: write error", path);
    return KTPEL_OK;
}

typedef struct bench_options {
    const char *dir;
    const char *scores;
    const char *det;
    int dpi;
    int threads;
    int json;
    int speed;
    int gallery;
} bench_options;

/* What the benchmark measured besides the error rates. */
typedef struct bench_summary {
    int images;
    double mean_extract_ms, median_extract_ms, median_extract_cpu_ms;
    double mean_bytes, mean_minutiae;
    /* Does the quality score predict failure? The lowest-quality tenth of the images
     * (low_images of them, quality <= low_quality) against the genuine pairs and the false
     * non-matches at the FMR100 and FMR1000 thresholds that involve at least one of them. */
    int low_images, low_quality;
    size_t genuine, genuine_low;
    size_t fnm100, fnm100_low, fnm1000, fnm1000_low;
} bench_summary;

static double percent(size_t part, size_t whole)
{
    return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

static void print_bench(const bench_options *o, const sample_set *set, const bench_pairs *p,
                        const ktpel_bench_metrics *m, double seconds, double cpu,
                        const bench_summary *b)
{
    double per_thread = (double)p->count / (seconds * o->threads);
    if (o->json) {
        cli_json j;
        cli_json_init(&j, stdout);
        cli_json_begin_object(&j, NULL);
        cli_json_string(&j, "dir", o->dir);
        cli_json_string(&j, "protocol",
                        "FVC all pairs: genuine = unordered pairs of impressions of the same "
                        "finger, impostor = unordered pairs of impressions of different fingers");
        cli_json_int(&j, "samples", set->count);
        cli_json_int(&j, "genuine", (long long)m->genuine);
        cli_json_int(&j, "impostor", (long long)m->impostor);
        cli_json_double(&j, "eer", m->eer);
        cli_json_double(&j, "eer_threshold", m->eer_threshold);
        cli_json_double(&j, "fmr100", m->fmr100);
        cli_json_double(&j, "fmr1000", m->fmr1000);
        cli_json_double(&j, "zero_fmr", m->zero_fmr);
        cli_json_int(&j, "images", b->images);
        if (b->images) {
            cli_json_double(&j, "mean_extract_ms", b->mean_extract_ms);
            cli_json_double(&j, "median_extract_ms", b->median_extract_ms);
            cli_json_double(&j, "median_extract_cpu_ms", b->median_extract_cpu_ms);
            cli_json_begin_object(&j, "quality");
            cli_json_int(&j, "low_images", b->low_images);
            cli_json_int(&j, "low_quality_max", b->low_quality);
            cli_json_int(&j, "genuine_pairs", (long long)b->genuine);
            cli_json_int(&j, "genuine_pairs_low", (long long)b->genuine_low);
            cli_json_int(&j, "fnm_at_fmr100", (long long)b->fnm100);
            cli_json_int(&j, "fnm_at_fmr100_low", (long long)b->fnm100_low);
            cli_json_int(&j, "fnm_at_fmr1000", (long long)b->fnm1000);
            cli_json_int(&j, "fnm_at_fmr1000_low", (long long)b->fnm1000_low);
            cli_json_end_object(&j);
        }
        cli_json_double(&j, "mean_minutiae", b->mean_minutiae);
        cli_json_double(&j, "mean_template_bytes", b->mean_bytes);
        cli_json_int(&j, "threads", o->threads);
        cli_json_double(&j, "comparisons_per_second_per_thread", per_thread);
        cli_json_double(&j, "comparisons_per_cpu_second", (double)p->count / cpu);
        cli_json_end_object(&j);
        cli_json_finish(&j);
        return;
    }
    printf("protocol: FVC, all pairs of %d samples in %s\n", set->count, o->dir);
    printf("  genuine  = every unordered pair of impressions of the same finger: %zu\n",
           m->genuine);
    printf("  impostor = every unordered pair of impressions of different fingers: %zu\n",
           m->impostor);
    printf("EER      %6.2f %%  (threshold %.4f)\n", 100 * m->eer, m->eer_threshold);
    printf("FMR100   %6.2f %%\n", 100 * m->fmr100);
    printf("FMR1000  %6.2f %%\n", 100 * m->fmr1000);
    printf("ZeroFMR  %6.2f %%\n", 100 * m->zero_fmr);
    if (b->images) {
        printf("extraction: %d images, mean %.1f ms, median %.1f ms per image (median CPU time "
               "%.1f ms)\n",
               b->images, b->mean_extract_ms, b->median_extract_ms, b->median_extract_cpu_ms);
        printf("quality: the lowest tenth (%d images, quality <= %d) is in %.0f %% of the genuine "
               "pairs,\n"
               "         %.0f %% of the false non-matches at FMR100 (%zu of %zu) and %.0f %% at "
               "FMR1000 (%zu of %zu)\n",
               b->low_images, b->low_quality, percent(b->genuine_low, b->genuine),
               percent(b->fnm100_low, b->fnm100), b->fnm100_low, b->fnm100,
               percent(b->fnm1000_low, b->fnm1000), b->fnm1000_low, b->fnm1000);
    } else {
        printf("extraction: none (ISO templates)\n");
    }
    printf("templates: mean %.1f minutiae, mean %.0f bytes in memory\n", b->mean_minutiae,
           b->mean_bytes);
    printf("comparisons: %zu in %.3f s on %d thread%s, %.0f per second per thread (%.0f per CPU "
           "second)\n",
           p->count, seconds, o->threads, o->threads == 1 ? "" : "s", per_thread,
           (double)p->count / cpu);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    if (n <= 0)
        return 0;
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Fills everything but the quality part. */
static ktpel_err summarise(const sample_set *set, bench_summary *b, ktpel_errbuf *eb)
{
    memset(b, 0, sizeof *b);
    double *wall = malloc((size_t)set->count * sizeof *wall);
    double *cpu = malloc((size_t)set->count * sizeof *cpu);
    if (!wall || !cpu) {
        free(wall);
        free(cpu);
        return ktpel_fail(eb, KTPEL_ENOMEM, "benchmark: out of memory");
    }
    for (int i = 0; i < set->count; i++) {
        const fp_sample *s = &set->items[i];
        if (s->is_image) {
            wall[b->images] = s->extract_ms;
            cpu[b->images] = s->extract_cpu_ms;
            b->mean_extract_ms += s->extract_ms;
            b->images++;
        }
        b->mean_bytes += (double)ktpel_fp_compact_size(s->compact);
        b->mean_minutiae += ktpel_fp_compact_count(s->compact);
    }
    if (b->images)
        b->mean_extract_ms /= b->images;
    b->median_extract_ms = median(wall, b->images);
    b->median_extract_cpu_ms = median(cpu, b->images);
    b->mean_bytes /= set->count;
    b->mean_minutiae /= set->count;
    free(wall);
    free(cpu);
    return KTPEL_OK;
}

static int cmp_quality(const void *a, const void *b)
{
    return *(const int *)a - *(const int *)b;
}

/* The quality part of the summary (images only). */
static ktpel_err summarise_quality(const sample_set *set, const bench_pairs *p,
                                   const ktpel_bench_metrics *m, bench_summary *b, ktpel_errbuf *eb)
{
    if (!b->images)
        return KTPEL_OK;
    int *q = malloc((size_t)b->images * sizeof *q);
    if (!q)
        return ktpel_fail(eb, KTPEL_ENOMEM, "benchmark: out of memory");
    int n = 0;
    for (int i = 0; i < set->count; i++)
        if (set->items[i].is_image)
            q[n++] = set->items[i].quality;
    qsort(q, (size_t)n, sizeof *q, cmp_quality);
    b->low_images = (n + 9) / 10;
    b->low_quality = q[b->low_images - 1];
    free(q);
    /* Ties at the cut-off quality may make the flagged group a little larger than a tenth;
     * count it exactly. */
    b->low_images = 0;
    for (int i = 0; i < set->count; i++)
        b->low_images += set->items[i].is_image && set->items[i].quality <= b->low_quality;
    for (size_t k = 0; k < p->count; k++) {
        const fp_sample *x = &set->items[p->pair[k][0]], *y = &set->items[p->pair[k][1]];
        if (strcmp(x->finger, y->finger) != 0)
            continue;
        bool low = (x->is_image && x->quality <= b->low_quality) ||
                   (y->is_image && y->quality <= b->low_quality);
        bool miss100 = p->score[k] < m->fmr100_threshold;
        bool miss1000 = p->score[k] < m->fmr1000_threshold;
        b->genuine++;
        b->genuine_low += low;
        b->fnm100 += miss100;
        b->fnm100_low += miss100 && low;
        b->fnm1000 += miss1000;
        b->fnm1000_low += miss1000 && low;
    }
    return KTPEL_OK;
}

static int run_bench(const bench_options *o)
{
    sample_set set = {0};
    bench_pairs p = {0};
    double *gen = NULL, *imp = NULL;
    ktpel_errbuf eb;
    ktpel_errbuf_clear(&eb);
    int rc = CLI_FAIL;
    if (load_set(o->dir, o->dpi, o->threads, &set, &eb) || make_pairs(&set, &p, &eb)) {
        rc = cli_fail_err(&eb);
        goto done;
    }
    if (p.genuine == 0 || p.genuine == p.count) {
        rc = cli_fail("%s: the protocol needs at least two fingers with two impressions", o->dir);
        goto done;
    }
    double cpu = 0;
    double seconds = score_pairs(&set, &p, o->threads, &cpu);
    if (seconds < 0) {
        rc = cli_fail("benchmark: out of memory for comparison workspaces");
        goto done;
    }
    gen = malloc(p.genuine * sizeof *gen);
    imp = malloc((p.count - p.genuine) * sizeof *imp);
    if (!gen || !imp) {
        rc = cli_fail("benchmark: out of memory");
        goto done;
    }
    size_t ng = 0, ni = 0;
    for (size_t k = 0; k < p.count; k++) {
        int same = strcmp(set.items[p.pair[k][0]].finger, set.items[p.pair[k][1]].finger) == 0;
        if (same)
            gen[ng++] = p.score[k];
        else
            imp[ni++] = p.score[k];
    }
    ktpel_bench_metrics m;
    if (ktpel_bench_metrics_compute(gen, ng, imp, ni, &m, &eb)) {
        rc = cli_fail_err(&eb);
        goto done;
    }
    bench_summary summary;
    if (summarise(&set, &summary, &eb) || summarise_quality(&set, &p, &m, &summary, &eb)) {
        rc = cli_fail_err(&eb);
        goto done;
    }
    if (o->scores && write_scores(o->scores, &set, &p, &eb)) {
        rc = cli_fail_err(&eb);
        goto done;
    }
    if (o->det && ktpel_bench_det_write(o->det, gen, ng, imp, ni, &eb)) {
        rc = cli_fail_err(&eb);
        goto done;
    }
    print_bench(o, &set, &p, &m, seconds, cpu, &summary);
    rc = CLI_OK;
done:
    free(gen);
    free(imp);
    free(p.pair);
    free(p.score);
    sample_set_free(&set);
    return rc;
}

/* ---- bench --speed ---------------------------------------------------------------------- */

/* A plausible synthetic print: 30..60 minutiae at least 10 pixels apart inside an ellipse
 * of a 300 x 400 image at 500 dpi, directions following a smooth loop-like flow. */
static ktpel_err synthetic_template(ktpel_rng *rng, ktpel_fp_compact **out, ktpel_errbuf *eb)
{
    ktpel_minutia m[64];
    int want = 30 + (int)(ktpel_rng_next(rng) % 31), n = 0;
    for (int tries = 0; n < want && tries < 10000; tries++) {
        double x = (double)(ktpel_rng_next(rng) % 300), y = (double)(ktpel_rng_next(rng) % 400);
        double ex = (x - 150) / 140, ey = (y - 200) / 190;
        if (ex * ex + ey * ey > 1)
            continue;
        int close = 0;
        for (int k = 0; k < n && !close; k++)
            close = (m[k].x - x) * (m[k].x - x) + (m[k].y - y) * (m[k].y - y) < 100;
        if (close)
            continue;
        double flow = atan2(y - 220, x - 150) + 1.5707963 + 0.3 * sin(x / 40.0);
        if (ktpel_rng_next(rng) & 1)
            flow += 3.14159265;
        m[n] = (ktpel_minutia){(uint16_t)x,
                               (uint16_t)y,
                               (uint8_t)((long)lround(flow * 128 / 3.14159265) & 255),
                               (uint8_t)(1 + (ktpel_rng_next(rng) & 1)),
                               0,
                               0};
        n++;
    }
    return ktpel_fp_compact_build(m, n, 300, 400, 500, 500, out, eb);
}

/* Compares each of the first `probes` templates with the whole gallery; scores[p * n + g].
 * Returns the wall time; *cpu gets the CPU time of the calling thread (meaningful with one
 * thread: unlike wall time it does not count time the core spent on other programs). */
static double speed_run(ktpel_fp_compact *const *gallery, int n, int probes, int threads,
                        float *scores, double *cpu)
{
    double t0 = cli_now_seconds(), c0 = cli_thread_cpu_seconds();
#pragma omp parallel num_threads(threads)
    {
        ktpel_fp_workspace *ws = NULL;
        ktpel_fp_workspace_new(&ws, NULL);
#pragma omp for schedule(static)
        for (long k = 0; k < (long)probes * n; k++)
            scores[k] = ws ? ktpel_fp_compare(gallery[k / n], gallery[k % n], ws) : -1.0f;
        ktpel_fp_workspace_free(ws);
    }
    *cpu = cli_thread_cpu_seconds() - c0;
    return cli_now_seconds() - t0;
}

static int run_speed(const bench_options *o)
{
    sample_set set = {0};
    ktpel_errbuf eb;
    ktpel_errbuf_clear(&eb);
    int n = o->gallery;
    ktpel_fp_compact **gallery = calloc((size_t)n, sizeof *gallery);
    int rc = CLI_FAIL, own = 1;
    if (!gallery)
        return cli_fail("bench --speed: out of memory");
    if (o->dir) {
        if (load_set(o->dir, o->dpi, o->threads, &set, &eb)) {
            rc = cli_fail_err(&eb);
            goto done;
        }
        own = 0;
        for (int i = 0; i < n; i++)
            gallery[i] = set.items[i % set.count].compact;
    } else {
        ktpel_rng rng;
        ktpel_rng_seed(&rng, 0x6670737065656400ull);
        for (int i = 0; i < n; i++)
            if (synthetic_template(&rng, &gallery[i], &eb)) {
                rc = cli_fail_err(&eb);
                goto done;
            }
    }
    double bytes = 0, minutiae = 0;
    for (int i = 0; i < n; i++) {
        bytes += (double)ktpel_fp_compact_size(gallery[i]);
        minutiae += ktpel_fp_compact_count(gallery[i]);
    }
    int probes = n < SPEED_PROBES ? n : SPEED_PROBES;
    float *s1 = malloc((size_t)probes * (size_t)n * sizeof *s1);
    float *sall = malloc((size_t)probes * (size_t)n * sizeof *sall);
    if (!s1 || !sall) {
        free(s1);
        free(sall);
        rc = cli_fail("bench --speed: out of memory");
        goto done;
    }
    double cpu1, cpuall;
    double t1 = speed_run(gallery, n, probes, 1, s1, &cpu1);
    double tall = speed_run(gallery, n, probes, o->threads, sall, &cpuall);
    int same = memcmp(s1, sall, (size_t)probes * (size_t)n * sizeof *s1) == 0;
    free(s1);
    free(sall);
    double total = (double)probes * n;
    if (o->json) {
        cli_json j;
        cli_json_init(&j, stdout);
        cli_json_begin_object(&j, NULL);
        cli_json_string(&j, "gallery_source", o->dir ? o->dir : "synthetic");
        cli_json_int(&j, "gallery", n);
        cli_json_int(&j, "probes", probes);
        cli_json_double(&j, "mean_minutiae", minutiae / n);
        cli_json_double(&j, "mean_template_bytes", bytes / n);
        cli_json_double(&j, "comparisons_per_second_1_thread", total / t1);
        cli_json_double(&j, "comparisons_per_cpu_second_1_thread", total / cpu1);
        cli_json_int(&j, "threads", o->threads);
        cli_json_double(&j, "comparisons_per_second_all_threads", total / tall);
        cli_json_bool(&j, "same_result", same);
        cli_json_end_object(&j);
        cli_json_finish(&j);
    } else {
        printf("gallery: %d %s templates, mean %.1f minutiae, mean %.0f bytes in memory\n", n,
               o->dir ? o->dir : "synthetic", minutiae / n, bytes / n);
        printf("%d probes x %d gallery = %.0f comparisons\n", probes, n, total);
        printf("1 thread:   %.0f comparisons per second (%.0f per CPU second)\n", total / t1,
               total / cpu1);
        printf("%d threads: %.0f comparisons per second%s\n", o->threads, total / tall,
               same ? ", same scores" : ", SCORES DIFFER FROM ONE THREAD");
    }
    if (!same) {
        rc = cli_fail("bench --speed: scores with %d threads differ from one thread", o->threads);
        goto done;
    }
    rc = CLI_OK;
done:
    if (own)
        for (int i = 0; i < n; i++)
            ktpel_fp_compact_free(gallery[i]);
    free(gallery);
    sample_set_free(&set);
    return rc;
}

static int cmd_bench(int argc, char **argv)
{
    bench_options o = {0};
    o.threads = omp_get_max_threads();
    o.gallery = 1000;
    int threads_given = 0;
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
        else if (strcmp(argv[i], "--dpi") == 0)
            rc = cli_parse_int("--dpi", next, 50, 5000, &o.dpi), i++;
        else if (strcmp(argv[i], "--threads") == 0)
            rc = cli_parse_int("--threads", next, 1, 1024, &o.threads), i++, threads_given = 1;
        else if (strcmp(argv[i], "--gallery") == 0)
            rc = cli_parse_int("--gallery", next, 1, 10000000, &o.gallery), i++;
        else if (strcmp(argv[i], "--scores") == 0) {
            if (!next)
                return cli_usage_error("--scores needs a file name");
            o.scores = argv[++i];
        } else if (strcmp(argv[i], "--det") == 0) {
            if (!next)
                return cli_usage_error("--det needs a file name");
            o.det = argv[++i];
        } else if (argv[i][0] == '-' && argv[i][1])
            return cli_usage_error("fp bench: unknown option '%s'", argv[i]);
        else if (!o.dir)
            o.dir = argv[i];
        else
            return cli_usage_error("fp bench takes one folder, got a second: '%s'", argv[i]);
        if (rc != CLI_OK)
            return rc;
    }
    if (!threads_given && !o.speed)
        o.threads = 1;
    if (o.speed)
        return run_speed(&o);
    if (!o.dir)
        return cli_usage_error("fp bench needs a folder (or --speed)");
    return run_bench(&o);
}

int cmd_fp(int argc, char **argv)
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
        return cmd_fp_extract(argc - 1, argv + 1);
    if (strcmp(argv[1], "compare") == 0)
        return cmd_compare(argc - 1, argv + 1);
    if (strcmp(argv[1], "bench") == 0)
        return cmd_bench(argc - 1, argv + 1);
    return cli_usage_error("fp: unknown subcommand '%s' (extract, compare, bench)", argv[1]);
}
