/* `ktpel synth`: a synthetic population of enrolments (format in docs/synth-format.md).
 *
 *   ktpel synth --residents N [--captures K] [--duplicates F] [--seed S] [--date YYYY-MM-DD]
 *               [--templates-only] [--profile optical|capacitive] [--threads T] [--quiet]
 *               [--resume] -o DIR
 *   ktpel synth fingers ...     (a fingerprint benchmark set: cli/cmd_synth_fingers.c)
 *   ktpel synth irises ...      (an iris benchmark set: cli/cmd_synth_irises.c)
 *
 * One folder per enrolment with the application record, the photos, the signature, the ten
 * fingers and the two irises; DIR/truth.csv says which enrolments are the same human.
 * Every enrolment is made from its own random sub-streams, so the work is shared between
 * threads in any order and the same seed still gives the same bytes.
 */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "ktpel/date.h"
#include "ktpel/file.h"
#include "ktpel/fp_template.h"
#include "ktpel/image.h"
#include "ktpel/synth_face.h"
#include "ktpel/synth_finger.h"
#include "ktpel/synth_iris.h"
#include "ktpel/synth_resident.h"
#include "ktpel/synth_signature.h"

#define MAX_THREADS  256
#define MAX_CAPTURES 16
#define FACE_QUALITY 90

typedef struct synth_options {
    long residents, captures;
    double duplicates;
    uint64_t seed;
    ktpel_date date;
    int templates_only;
    ktpel_synth_profile profile;
    int threads;
    int quiet;
    int resume;
    const char *out_dir;
} synth_options;

/* One enrolment: which identity (record) and which human. */
typedef struct enrolment {
    uint64_t identity; /* record index, see synth_resident.h */
    uint64_t person;   /* the human */
    long original;     /* for a duplicate: the enrolment it copies; -1 otherwise */
    /* Filled by the worker, for truth.csv. */
    char nik[KTPEL_NIK_LEN + 1];
    char no_kk[KTPEL_NIK_LEN + 1];
    char sex;
    char birth[11];
    const char *ethnicity;
} enrolment;

typedef struct population {
    const synth_options *o;
    ktpel_synth_population pop;
    enrolment *e;
    size_t count;
    int width; /* digits of enrolment numbers */
} population;

static const char usage[] =
    "usage: ktpel synth --residents N [--captures K] [--duplicates F] [--seed S]\n"
    "                   [--date YYYY-MM-DD] [--templates-only] [--profile P] [--threads T]\n"
    "                   [--quiet] [--resume] -o DIR\n"
    "       ktpel synth fingers --help\n"
    "       ktpel synth irises --help\n\n"
    "Writes a synthetic population to DIR (which must be new or empty): one folder per\n"
    "enrolment with the application record (record.txt), K face photos, K signatures (image\n"
    "and pen samples), K impressions of each of the ten fingers and K captures of each iris;\n"
    "DIR/truth.csv lists which human each enrolment is. Format: docs/synth-format.md.\n\n"
    "--residents N     humans in the population (1..400000)\n"
    "--captures K      captures per modality and enrolment (1..16, default 2)\n"
    "--duplicates F    fraction of residents who enrol a second time under another name and\n"
    "                  NIK, with fresh captures of the same face, fingers and eyes (0..1,\n"
    "                  default 0)\n"
    "--seed S          the population's seed (default 1): the same seed gives the same bytes\n"
    "--date D          latest application date (default 2025-06-30); never today's date, so\n"
    "                  that the output does not change with the calendar\n"
    "--templates-only  records and finger templates only (one ISO/IEC 19794-2 record of the\n"
    "                  ten fingers per capture): for scale\n"
    "--profile P       finger sensor: optical (388x374, default) or capacitive (300x300)\n"
    "--threads T       worker threads (default: the number of processors)\n"
    "--quiet           no progress on stderr\n"
    "--resume          finish an interrupted run into DIR (same options): enrolments already\n"
    "                  complete are kept, the others made again; the result is the same bytes\n";

/* ---- options --------------------------------------------------------------------------- */

static int parse_option(int argc, char **argv, int *i, synth_options *o)
{
    const char *a = argv[*i];
    const char *v = *i + 1 < argc ? argv[*i + 1] : NULL;
    ktpel_errbuf eb;
    if (strcmp(a, "--templates-only") == 0) {
        o->templates_only = 1;
        return CLI_OK;
    }
    if (strcmp(a, "--quiet") == 0) {
        o->quiet = 1;
        return CLI_OK;
    }
    if (strcmp(a, "--resume") == 0) {
        o->resume = 1;
        return CLI_OK;
    }
    int common =
        cli_synth_common_option(argc, argv, i, &o->seed, &o->threads, MAX_THREADS, &o->out_dir);
    if (common)
        return common > 0 ? CLI_OK : CLI_USAGE;
    (*i)++;
    if (strcmp(a, "--residents") == 0)
        return cli_parse_long(a, v, 1, 400000, &o->residents);
    if (strcmp(a, "--captures") == 0)
        return cli_parse_long(a, v, 1, MAX_CAPTURES, &o->captures);
    if (strcmp(a, "--duplicates") == 0)
        return cli_parse_double("--duplicates", v, 0, 1, &o->duplicates);
    if (strcmp(a, "--date") == 0) {
        if (!v || ktpel_date_parse(v, "--date", &o->date, &eb) != KTPEL_OK)
            return cli_usage_error("--date needs a date YYYY-MM-DD, got '%s'", v ? v : "");
        return CLI_OK;
    }
    if (strcmp(a, "--profile") == 0) {
        if (!v || ktpel_synth_profile_parse(v, &o->profile, &eb) != KTPEL_OK)
            return cli_usage_error("--profile needs optical or capacitive, got '%s'", v ? v : "");
        return CLI_OK;
    }
    return cli_usage_error("synth: unknown argument '%s' (see 'ktpel synth --help')", a);
}

static int parse_options(int argc, char **argv, synth_options *o)
{
    memset(o, 0, sizeof *o);
    o->captures = 2;
    o->seed = 1;
    o->date =
        (ktpel_date){KTPEL_SYNTH_DEFAULT_YEAR, KTPEL_SYNTH_DEFAULT_MONTH, KTPEL_SYNTH_DEFAULT_DAY};
    o->profile = KTPEL_SYNTH_PROFILE_OPTICAL;
    for (int i = 1; i < argc; i++) {
        int rc = parse_option(argc, argv, &i, o);
        if (rc != CLI_OK)
            return rc;
    }
    if (!o->residents)
        return cli_usage_error("synth needs --residents N (see 'ktpel synth --help')");
    if (!o->out_dir)
        return cli_usage_error("synth needs an output folder (-o DIR)");
    if (!o->threads) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        o->threads = n < 1 ? 1 : n > MAX_THREADS ? MAX_THREADS : (int)n;
    }
    return CLI_OK;
}

/* ---- the population's structure ---------------------------------------------------------- */

/* The enrolment order from the library; each duplicate points at its original's place. */
static ktpel_err plan_population(population *pp, ktpel_errbuf *eb)
{
    const synth_options *o = pp->o;
    uint64_t n = (uint64_t)o->residents;
    ktpel_synth_population_init(&pp->pop, o->seed, n);
    pp->pop.identities = n + (uint64_t)llround(o->duplicates * (double)n);
    pp->pop.date = o->date;
    ktpel_synth_enrolment *order = NULL;
    ktpel_err rc = ktpel_synth_enrolments(&pp->pop, &order, eb);
    if (rc != KTPEL_OK)
        return rc;
    pp->count = (size_t)pp->pop.identities;
    pp->e = calloc(pp->count, sizeof *pp->e);
    if (!pp->e) {
        free(order);
        return ktpel_fail(eb, KTPEL_ENOMEM, "synth: out of memory for %zu enrolments", pp->count);
    }
    for (size_t i = 0; i < pp->count; i++) {
        pp->e[i].identity = order[i].identity;
        pp->e[i].person = order[i].person;
        pp->e[i].original = (long)order[i].original;
    }
    free(order);
    pp->width = 6;
    for (size_t c = pp->count; c >= 1000000; c /= 10)
        pp->width++;
    return KTPEL_OK;
}

/* ---- one enrolment ----------------------------------------------------------------------- */

/* path = DIR/ENROLMENT[/name]; KTPEL_EINVAL when it does not fit. */
static ktpel_err make_path(const population *pp, size_t i, const char *name, char *path,
                           size_t size, ktpel_errbuf *eb)
{
    int n = snprintf(path, size, "%s/E%0*zu%s%s", pp->o->out_dir, pp->width, i + 1, name ? "/" : "",
                     name ? name : "");
    if (n < 0 || (size_t)n >= size)
        return ktpel_fail(eb, KTPEL_EINVAL, "%s: output folder name too long", pp->o->out_dir);
    return KTPEL_OK;
}

/* Writes a file through a temporary name and a rename, like ktpel_file_write_atomic, but
 * without flushing each file to disk: a population is regenerated from its seed, not
 * recovered, and a million fsyncs would take longer than making it. */
static ktpel_err write_file(const char *path, const void *data, size_t len, ktpel_errbuf *eb)
{
    char tmp[4200];
    int n = snprintf(tmp, sizeof tmp, "%s.tmp", path);
    if (n < 0 || (size_t)n >= sizeof tmp)
        return ktpel_fail(eb, KTPEL_EINVAL, "%s: path too long", path);
    FILE *f = fopen(tmp, "wb");
    if (!f)
        return ktpel_fail(eb, KTPEL_EIO, "%s: cannot create: %s", tmp, strerror(errno));
    bool ok = fwrite(data, 1, len, f) == len;
    ok = fclose(f) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        int why = errno;
        remove(tmp);
        return ktpel_fail(eb, KTPEL_EIO, "%s: cannot write: %s", path, strerror(why));
    }
    return KTPEL_OK;
}

static ktpel_err write_text(const population *pp, size_t i, const char *name, const void *data,
                            size_t len, ktpel_errbuf *eb)
{
    char path[4096];
    ktpel_err rc = make_path(pp, i, name, path, sizeof path, eb);
    return rc ? rc : write_file(path, data, len, eb);
}

/* Encodes in the format of the name's extension, with the image's resolution. */
static ktpel_err write_image(const population *pp, size_t i, const char *name,
                             const ktpel_image *img, int quality, ktpel_errbuf *eb)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    ktpel_err rc =
        ktpel_image_encode(img, ktpel_image_format_from_name(name), quality, &buf, &len, eb);
    if (rc == KTPEL_OK)
        rc = write_text(pp, i, name, buf, len, eb);
    free(buf);
    return rc;
}

/* Captures of a duplicate are fresh: numbered after the original enrolment's. */
static uint64_t first_capture(const population *pp, const enrolment *e)
{
    return e->identity < pp->pop.persons ? 0 : (uint64_t)pp->o->captures;
}

static ktpel_err write_record(const population *pp, size_t i, const ktpel_application *app,
                              ktpel_errbuf *eb)
{
    char comment[256], text[KTPEL_APPLICATION_FILE_MAX];
    snprintf(comment, sizeof comment,
             "Synthetic KTP-el application (ktpel synth, seed %llu), enrolment E%0*zu.\n"
             "Not a real person.",
             (unsigned long long)pp->o->seed, pp->width, i + 1);
    size_t len = 0;
    ktpel_err rc = ktpel_synth_application_format(app, comment, text, sizeof text, &len, eb);
    return rc ? rc : write_text(pp, i, "record.txt", text, len, eb);
}

static ktpel_err write_faces(const population *pp, size_t i, const ktpel_application *app,
                             ktpel_errbuf *eb)
{
    const enrolment *e = &pp->e[i];
    const ktpel_resident *r = &app->resident;
    ktpel_synth_face_look look = {
        r->jenis_kelamin, ktpel_age_on(r->tanggal_lahir, app->application_date),
        ktpel_synth_face_background_for(r->tanggal_lahir.year,
                                        r->kewarganegaraan == KTPEL_CITIZEN_WNA),
        r->agama == KTPEL_RELIGION_ISLAM};
    ktpel_err rc = KTPEL_OK;
    for (long c = 0; c < pp->o->captures && rc == KTPEL_OK; c++) {
        ktpel_image img = {0};
        char name[64];
        snprintf(name, sizeof name, "face_%ld.jpg", c + 1);
        rc = ktpel_synth_face_render(pp->o->seed, e->person, &look,
                                     first_capture(pp, e) + (uint64_t)c, &img, eb);
        if (rc == KTPEL_OK)
            rc = write_image(pp, i, name, &img, FACE_QUALITY, eb);
        ktpel_image_free(&img);
    }
    return rc;
}

/* The signature is the identity's own (a second name gets a second signature). */
static ktpel_err write_signatures(const population *pp, size_t i, ktpel_errbuf *eb)
{
    const enrolment *e = &pp->e[i];
    ktpel_err rc = KTPEL_OK;
    for (long c = 0; c < pp->o->captures && rc == KTPEL_OK; c++) {
        ktpel_pen_trace trace = {0};
        ktpel_image img = {0};
        char *csv = NULL, name[64];
        size_t len = 0;
        rc = ktpel_synth_signature_capture(pp->o->seed, e->identity, (uint64_t)c, &trace, eb);
        if (rc == KTPEL_OK)
            rc = ktpel_pen_trace_render(&trace, KTPEL_SIGNATURE_DPI, &img, eb);
        snprintf(name, sizeof name, "signature_%ld.png", c + 1);
        if (rc == KTPEL_OK)
            rc = write_image(pp, i, name, &img, 0, eb);
        if (rc == KTPEL_OK)
            rc = ktpel_pen_trace_csv(&trace, &csv, &len, eb);
        snprintf(name, sizeof name, "signature_%ld.csv", c + 1);
        if (rc == KTPEL_OK)
            rc = write_text(pp, i, name, csv, len, eb);
        free(csv);
        ktpel_image_free(&img);
        ktpel_pen_trace_free(&trace);
    }
    return rc;
}

/* Finger f (ISO position 1..10) of a person is master person * 10 + f - 1. */
static ktpel_err write_finger_images(const population *pp, size_t i, int f, ktpel_errbuf *eb)
{
    const enrolment *e = &pp->e[i];
    ktpel_synth_finger *master = NULL;
    ktpel_err rc =
        ktpel_synth_finger_create(pp->o->seed, e->person * 10 + (uint64_t)(f - 1), &master, eb);
    for (long c = 0; c < pp->o->captures && rc == KTPEL_OK; c++) {
        ktpel_image img = {0};
        char name[64];
        snprintf(name, sizeof name, "finger_%02d_%ld.png", f, c + 1);
        rc = ktpel_synth_finger_render(master, pp->o->profile, first_capture(pp, e) + (uint64_t)c,
                                       &img, eb);
        if (rc == KTPEL_OK)
            rc = write_image(pp, i, name, &img, 0, eb);
        ktpel_image_free(&img);
    }
    ktpel_synth_finger_free(master);
    return rc;
}

/* Templates for scale: one ISO/IEC 19794-2 record per capture holding the ten fingers as ten
 * views (finger positions 1..10). */
static ktpel_err write_finger_templates(const population *pp, size_t i, ktpel_fp_template *all,
                                        ktpel_fp_template *one, ktpel_errbuf *eb)
{
    const enrolment *e = &pp->e[i];
    ktpel_synth_minutiae_master master[10];
    ktpel_err rc = KTPEL_OK;
    for (int f = 0; f < 10 && rc == KTPEL_OK; f++)
        rc = ktpel_synth_minutiae_master_make(pp->o->seed, e->person * 10 + (uint64_t)f, &master[f],
                                              eb);
    for (long c = 0; c < pp->o->captures && rc == KTPEL_OK; c++) {
        uint64_t impression = first_capture(pp, e) + (uint64_t)c;
        for (int f = 0; f < 10 && rc == KTPEL_OK; f++) {
            rc = ktpel_synth_minutiae_template(&master[f], pp->o->profile, impression, f + 1,
                                               f == 0 ? all : one, eb);
            if (rc == KTPEL_OK && f > 0)
                all->views[all->view_count++] = one->views[0];
        }
        uint8_t *buf = NULL;
        size_t len = 0;
        char name[64];
        snprintf(name, sizeof name, "fingers_%ld.iso", c + 1);
        if (rc == KTPEL_OK)
            rc = ktpel_iso19794_2_write(all, &buf, &len, eb);
        if (rc == KTPEL_OK)
            rc = write_text(pp, i, name, buf, len, eb);
        free(buf);
    }
    return rc;
}

static ktpel_err write_fingers(const population *pp, size_t i, ktpel_fp_template *tpl,
                               ktpel_errbuf *eb)
{
    if (pp->o->templates_only)
        return write_finger_templates(pp, i, &tpl[0], &tpl[1], eb);
    ktpel_err rc = KTPEL_OK;
    for (int f = 1; f <= 10 && rc == KTPEL_OK; f++)
        rc = write_finger_images(pp, i, f, eb);
    return rc;
}

static ktpel_err write_irises(const population *pp, size_t i, ktpel_errbuf *eb)
{
    static const char *const names[2] = {"right", "left"};
    static const int eyes[2] = {KTPEL_SYNTH_IRIS_RIGHT, KTPEL_SYNTH_IRIS_LEFT};
    const enrolment *e = &pp->e[i];
    ktpel_err rc = KTPEL_OK;
    for (int k = 0; k < 2 && rc == KTPEL_OK; k++) {
        ktpel_synth_iris_eye *eye = NULL;
        rc = ktpel_synth_iris_eye_create(pp->o->seed, e->person, eyes[k], &eye, eb);
        for (long c = 0; c < pp->o->captures && rc == KTPEL_OK; c++) {
            ktpel_image img = {0};
            char name[64];
            snprintf(name, sizeof name, "iris_%s_%ld.png", names[k], c + 1);
            rc = ktpel_synth_iris_capture(eye, (int)(first_capture(pp, e) + (uint64_t)c), &img,
                                          NULL, eb);
            if (rc == KTPEL_OK)
                rc = write_image(pp, i, name, &img, 0, eb);
            ktpel_image_free(&img);
        }
        ktpel_synth_iris_eye_free(eye);
    }
    return rc;
}

static void remember_truth(enrolment *e, const ktpel_application *app,
                           ktpel_synth_ethnicity ethnicity)
{
    memcpy(e->nik, app->resident.nik, sizeof e->nik);
    memcpy(e->no_kk, app->no_kk, sizeof e->no_kk);
    e->sex = app->resident.jenis_kelamin == KTPEL_SEX_FEMALE ? 'F' : 'M';
    ktpel_date_format_iso(app->resident.tanggal_lahir, e->birth, sizeof e->birth);
    e->ethnicity = ktpel_synth_ethnicity_name(ethnicity);
}

/* The file an enrolment writes last: when it is there, the enrolment is complete (every file
 * appears whole, by rename). */
static bool enrolment_complete(const population *pp, size_t i)
{
    char name[64], path[4096];
    if (pp->o->templates_only)
        snprintf(name, sizeof name, "fingers_%ld.iso", pp->o->captures);
    else
        snprintf(name, sizeof name, "iris_left_%ld.png", pp->o->captures);
    struct stat st;
    return make_path(pp, i, name, path, sizeof path, NULL) == KTPEL_OK && stat(path, &st) == 0;
}

/* Removes what an interrupted write left behind (NAME.tmp). */
static void remove_leftovers(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *entry;
    while ((entry = readdir(d)) != NULL) {
        size_t n = strlen(entry->d_name);
        char path[4400];
        if (n > 4 && strcmp(entry->d_name + n - 4, ".tmp") == 0 &&
            snprintf(path, sizeof path, "%s/%s", dir, entry->d_name) < (int)sizeof path)
            remove(path);
    }
    closedir(d);
}

static ktpel_err write_enrolment(population *pp, size_t i, const ktpel_application *app,
                                 ktpel_fp_template *tpl, ktpel_errbuf *eb)
{
    char dir[4096];
    ktpel_err rc = make_path(pp, i, NULL, dir, sizeof dir, eb);
    if (rc == KTPEL_OK && mkdir(dir, 0777) != 0 && errno != EEXIST)
        rc = ktpel_fail(eb, KTPEL_EIO, "%s: cannot create folder: %s", dir, strerror(errno));
    if (rc == KTPEL_OK && pp->o->resume)
        remove_leftovers(dir);
    if (rc == KTPEL_OK)
        rc = write_record(pp, i, app, eb);
    if (rc == KTPEL_OK && !pp->o->templates_only)
        rc = write_faces(pp, i, app, eb);
    if (rc == KTPEL_OK && !pp->o->templates_only)
        rc = write_signatures(pp, i, eb);
    if (rc == KTPEL_OK)
        rc = write_fingers(pp, i, tpl, eb);
    if (rc == KTPEL_OK && !pp->o->templates_only)
        rc = write_irises(pp, i, eb);
    return rc;
}

/* Makes enrolment i (with --resume, a complete one only has its record made again, for
 * truth.csv). */
static ktpel_err make_enrolment(population *pp, size_t i, ktpel_application *app,
                                ktpel_fp_template *tpl, ktpel_errbuf *eb)
{
    enrolment *e = &pp->e[i];
    ktpel_synth_person who;
    ktpel_synth_ethnicity ethnicity;
    ktpel_err rc = ktpel_synth_person_make(&pp->pop, e->person, &who, eb);
    if (rc == KTPEL_OK)
        rc = ktpel_synth_resident_make(&pp->pop, e->identity, &who, app, &ethnicity, eb);
    if (rc == KTPEL_OK && !(pp->o->resume && enrolment_complete(pp, i)))
        rc = write_enrolment(pp, i, app, tpl, eb);
    if (rc == KTPEL_OK)
        remember_truth(e, app, ethnicity);
    return rc;
}

/* ---- workers ------------------------------------------------------------------------------ */

typedef struct shared {
    population *pp;
    atomic_size_t next;
    atomic_size_t done;
    atomic_int failed;
    pthread_mutex_t lock; /* guards first_error */
    ktpel_errbuf first_error;
} shared;

static void record_failure(shared *s, const ktpel_errbuf *eb)
{
    pthread_mutex_lock(&s->lock);
    if (!atomic_load(&s->failed))
        s->first_error = *eb;
    atomic_store(&s->failed, 1);
    pthread_mutex_unlock(&s->lock);
}

static void *worker(void *arg)
{
    shared *s = arg;
    ktpel_errbuf eb;
    ktpel_errbuf_clear(&eb);
    ktpel_application *app = malloc(sizeof *app);
    ktpel_fp_template *tpl = malloc(2 * sizeof *tpl);
    if (!app || !tpl) {
        ktpel_fail(&eb, KTPEL_ENOMEM, "synth: out of memory");
        record_failure(s, &eb);
    }
    while (app && tpl && !atomic_load(&s->failed)) {
        size_t i = atomic_fetch_add(&s->next, 1);
        if (i >= s->pp->count)
            break;
        if (make_enrolment(s->pp, i, app, tpl, &eb) != KTPEL_OK) {
            record_failure(s, &eb);
            break;
        }
        atomic_fetch_add(&s->done, 1);
    }
    free(app);
    free(tpl);
    return NULL;
}

/* Progress every two seconds while the workers run. */
static void watch(shared *s, const synth_options *o, double start)
{
    double last = start;
    bool tty = isatty(STDERR_FILENO);
    for (;;) {
        size_t done = atomic_load(&s->done);
        if (done >= s->pp->count || atomic_load(&s->failed))
            break;
        struct timespec pause = {0, 50 * 1000 * 1000};
        nanosleep(&pause, NULL);
        double t = cli_now_seconds();
        if (o->quiet || t - last < 2.0)
            continue;
        last = t;
        double rate = done / (t - start);
        char left[64] = "";
        if (done > 0)
            snprintf(left, sizeof left, ", about %.0f s left", (s->pp->count - done) / rate);
        fprintf(stderr, "%ssynth: %zu/%zu enrolments, %.1f/s%s%s", tty ? "\r" : "", done,
                s->pp->count, rate, left, tty ? "   " : "\n");
    }
    if (!o->quiet && tty && cli_now_seconds() - start >= 2.0)
        fputc('\n', stderr);
}

static ktpel_err run_workers(population *pp, double start, ktpel_errbuf *eb)
{
    shared s = {.pp = pp};
    atomic_init(&s.next, 0);
    atomic_init(&s.done, 0);
    atomic_init(&s.failed, 0);
    pthread_mutex_init(&s.lock, NULL);
    ktpel_errbuf_clear(&s.first_error);
    pthread_t threads[MAX_THREADS];
    int started = 0;
    for (; started < pp->o->threads; started++)
        if (pthread_create(&threads[started], NULL, worker, &s) != 0)
            break;
    if (started == 0)
        worker(&s);
    watch(&s, pp->o, start);
    for (int t = 0; t < started; t++)
        pthread_join(threads[t], NULL);
    pthread_mutex_destroy(&s.lock);
    if (atomic_load(&s.failed)) {
        *eb = s.first_error;
        return eb->code ? eb->code : KTPEL_EINTERNAL;
    }
    return KTPEL_OK;
}

/* ---- the population's own files ------------------------------------------------------------ */

static ktpel_err write_truth(const population *pp, ktpel_errbuf *eb)
{
    size_t cap = 128 + pp->count * 160;
    char *buf = malloc(cap);
    if (!buf)
        return ktpel_fail(eb, KTPEL_ENOMEM, "synth: out of memory for truth.csv");
    size_t n = (size_t)snprintf(
        buf, cap, "enrolment,nik,person,duplicate_of,no_kk,sex,birth_date,ethnicity\n");
    for (size_t i = 0; i < pp->count && n < cap; i++) {
        const enrolment *e = &pp->e[i];
        char original[32] = "";
        if (e->original >= 0)
            snprintf(original, sizeof original, "E%0*ld", pp->width, e->original + 1);
        n += (size_t)snprintf(buf + n, cap - n, "E%0*zu,%s,P%0*llu,%s,%s,%c,%s,%s\n", pp->width,
                              i + 1, e->nik, pp->width, (unsigned long long)e->person + 1, original,
                              e->no_kk, e->sex, e->birth, e->ethnicity);
    }
    char path[4096];
    int k = snprintf(path, sizeof path, "%s/truth.csv", pp->o->out_dir);
    ktpel_err rc = k > 0 && (size_t)k < sizeof path && n < cap
                       ? ktpel_file_write_atomic(path, buf, n, eb)
                       : ktpel_fail(eb, KTPEL_EINVAL, "%s: cannot write truth.csv", pp->o->out_dir);
    free(buf);
    return rc;
}

/* population.txt: what the folder holds and the command that makes it again (add -o). */
static ktpel_err format_manifest(const population *pp, char *text, size_t size, size_t *len,
                                 ktpel_errbuf *eb)
{
    const synth_options *o = pp->o;
    char date[16];
    ktpel_date_format_iso(o->date, date, sizeof date);
    int n = snprintf(
        text, size,
        "# A synthetic KTP-el population written by `ktpel synth` (docs/synth-format.md).\n"
        "generator: ktpel %s\n"
        "command: ktpel synth --residents %ld --captures %ld --duplicates %g --seed %llu "
        "--date %s --profile %s%s\n"
        "seed: %llu\nresidents: %ld\nduplicates: %zu\ncaptures: %ld\ndate: %s\n"
        "templates_only: %s\nfinger_profile: %s\nenrolments: %zu\n",
        KTPEL_VERSION, o->residents, o->captures, o->duplicates, (unsigned long long)o->seed, date,
        ktpel_synth_profile_name(o->profile), o->templates_only ? " --templates-only" : "",
        (unsigned long long)o->seed, o->residents, pp->count - (size_t)o->residents, o->captures,
        date, o->templates_only ? "yes" : "no", ktpel_synth_profile_name(o->profile), pp->count);
    if (n < 0 || (size_t)n >= size)
        return ktpel_fail(eb, KTPEL_EINTERNAL, "synth: population.txt too long");
    *len = (size_t)n;
    return KTPEL_OK;
}

/* Written first, so that --resume can tell that a folder was made with the same options. */
static ktpel_err write_manifest(const population *pp, ktpel_errbuf *eb)
{
    char text[1024], path[4096];
    size_t len = 0;
    ktpel_err rc = format_manifest(pp, text, sizeof text, &len, eb);
    int k = snprintf(path, sizeof path, "%s/population.txt", pp->o->out_dir);
    if (rc == KTPEL_OK && (k < 0 || (size_t)k >= sizeof path))
        rc = ktpel_fail(eb, KTPEL_EINVAL, "%s: folder name too long", pp->o->out_dir);
    if (rc != KTPEL_OK || !pp->o->resume)
        return rc ? rc : ktpel_file_write_atomic(path, text, len, eb);
    uint8_t *old = NULL;
    size_t old_len = 0;
    rc = ktpel_file_read(path, 64 * 1024, &old, &old_len, eb);
    if (rc == KTPEL_OK && (old_len != len || memcmp(old, text, len) != 0))
        rc = ktpel_fail(eb, KTPEL_EINVAL,
                        "%s: made with other options than these (see its command: line); "
                        "--resume needs the same ones",
                        path);
    free(old);
    return rc;
}

/* The output folder must be new or empty, so that no old enrolment is mixed in; with
 * --resume it must exist (its population.txt is checked later). */
static int prepare_folder(const char *dir, int resume)
{
    if (resume) {
        struct stat st;
        if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
            return cli_fail("%s: no such folder to resume", dir);
        return CLI_OK;
    }
    if (mkdir(dir, 0777) == 0)
        return CLI_OK;
    if (errno != EEXIST)
        return cli_fail("%s: cannot create folder: %s", dir, strerror(errno));
    DIR *d = opendir(dir);
    if (!d)
        return cli_fail("%s: cannot open folder: %s", dir, strerror(errno));
    struct dirent *entry;
    int empty = 1;
    while ((entry = readdir(d)) != NULL)
        if (strcmp(entry->d_name, ".") != 0 && strcmp(entry->d_name, "..") != 0)
            empty = 0;
    closedir(d);
    if (!empty)
        return cli_fail("%s: folder is not empty (remove it, choose another, or --resume)", dir);
    return CLI_OK;
}

static int run(const synth_options *o)
{
    int rc = prepare_folder(o->out_dir, o->resume);
    if (rc != CLI_OK)
        return rc;
    population pp = {.o = o};
    ktpel_errbuf eb;
    ktpel_errbuf_clear(&eb);
    double start = cli_now_seconds();
    ktpel_err err = plan_population(&pp, &eb);
    if (err == KTPEL_OK)
        err = write_manifest(&pp, &eb);
    if (err == KTPEL_OK)
        err = run_workers(&pp, start, &eb);
    if (err == KTPEL_OK)
        err = write_truth(&pp, &eb);
    free(pp.e);
    if (err != KTPEL_OK)
        return cli_fail_err(&eb);
    if (!o->quiet)
        fprintf(stderr, "synth: %zu enrolments of %ld residents in %s (%.1f s, %d threads)\n",
                pp.count, o->residents, o->out_dir, cli_now_seconds() - start, o->threads);
    return CLI_OK;
}

int cmd_synth(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "fingers") == 0)
        return cmd_synth_fingers(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "irises") == 0)
        return cmd_synth_irises(argc - 1, argv + 1);
    for (int i = 1; i < argc; i++)
        if (cli_is_help(argv[i])) {
            fputs(usage, stdout);
            return CLI_OK;
        }
    synth_options o;
    int rc = parse_options(argc, argv, &o);
    return rc != CLI_OK ? rc : run(&o);
}
