/* Runs `ktpel synth`: the folder it writes (docs/synth-format.md), the ground truth of planted
 * duplicates, every record accepted by `ktpel application check`, the same bytes for the same
 * seed whatever the number of threads, and its usage errors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ktpel/fp_template.h"
#include "ktpel/image.h"
#include "testutil.h"

#define MAX_ROWS 128

static char out[65536];

static int ktpel(const char *args)
{
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "'%s' %s 2>&1", ktpel_test_bin(), args);
    return ktpel_test_run(cmd, out, sizeof out);
}

static void expect_out(const char *needle)
{
    if (!strstr(out, needle))
        fail_msg("output lacks \"%s\":\n%s", needle, out);
}

typedef struct truth_row {
    char enrolment[16], nik[17], person[16], duplicate_of[16];
} truth_row;

/* Reads DIR/truth.csv: checks the header, returns the rows. */
static size_t read_truth(const char *dir, truth_row *rows)
{
    char path[8400];
    snprintf(path, sizeof path, "%s/truth.csv", dir);
    size_t len = 0;
    char *text = (char *)ktpel_test_read_file(path, &len);
    assert_non_null(text);
    text = realloc(text, len + 1);
    text[len] = '\0';
    const char *header = "enrolment,nik,person,duplicate_of,no_kk,sex,birth_date,ethnicity\n";
    assert_memory_equal(text, header, strlen(header));
    size_t n = 0;
    for (char *line = text + strlen(header); *line && n < MAX_ROWS;) {
        char *end = strchr(line, '\n');
        assert_non_null(end);
        *end = '\0';
        truth_row *r = &rows[n++];
        memset(r, 0, sizeof *r);
        /* enrolment,nik,person,duplicate_of (may be empty),... */
        char *f[4] = {line, NULL, NULL, NULL};
        for (int k = 1; k < 4; k++) {
            f[k] = strchr(f[k - 1], ',');
            assert_non_null(f[k]);
            *f[k]++ = '\0';
        }
        *strchr(f[3], ',') = '\0';
        snprintf(r->enrolment, sizeof r->enrolment, "%s", f[0]);
        snprintf(r->nik, sizeof r->nik, "%s", f[1]);
        snprintf(r->person, sizeof r->person, "%s", f[2]);
        snprintf(r->duplicate_of, sizeof r->duplicate_of, "%s", f[3]);
        line = end + 1;
    }
    free(text);
    return n;
}

static const truth_row *find(const truth_row *rows, size_t n, const char *enrolment)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(rows[i].enrolment, enrolment) == 0)
            return &rows[i];
    return NULL;
}

static int exists(const char *dir, const char *enrolment, const char *name)
{
    char path[8400];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s/%s", dir, enrolment, name);
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0;
}

static void test_usage(void **state)
{
    (void)state;
    assert_int_equal(ktpel("synth"), 2);
    expect_out("--residents");
    assert_int_equal(ktpel("synth --residents 0 -o /tmp/x"), 2);
    assert_int_equal(ktpel("synth --residents 3"), 2);
    expect_out("-o DIR");
    assert_int_equal(ktpel("synth --residents 3 --duplicates 1.5 -o /tmp/x"), 2);
    expect_out("--duplicates");
    assert_int_equal(ktpel("synth --residents 3 --captures 99 -o /tmp/x"), 2);
    assert_int_equal(ktpel("synth --residents 3 --date 2025-02-30 -o /tmp/x"), 2);
    assert_int_equal(ktpel("synth --residents 3 --bogus -o /tmp/x"), 2);
    assert_int_equal(ktpel("synth --help"), 0);
    expect_out("truth.csv");
    /* The fingerprint benchmark part is its own command. */
    assert_int_equal(ktpel("synth fingers --help"), 0);
    expect_out("synth fingers");
    assert_int_equal(ktpel("--help"), 0);
    expect_out("synth");
}

/* Templates only: records, truth, duplicates, NIK uniqueness, the ISO records, and every
 * record accepted by the front desk's check. */
static void test_templates_population(void **state)
{
    (void)state;
    char *tmp = ktpel_test_tmpdir();
    assert_non_null(tmp);
    char args[4400], dir[4200];
    snprintf(dir, sizeof dir, "%s/pop", tmp);
    snprintf(args, sizeof args,
             "synth --residents 40 --duplicates 0.25 --captures 2 --templates-only --seed 9 "
             "--threads 2 --quiet -o '%s'",
             dir);
    assert_int_equal(ktpel(args), 0);
    truth_row rows[MAX_ROWS];
    size_t n = read_truth(dir, rows);
    assert_int_equal(n, 50);
    int duplicates = 0;
    for (size_t i = 0; i < n; i++) {
        char want[32];
        snprintf(want, sizeof want, "E%06zu", i + 1);
        assert_string_equal(rows[i].enrolment, want);
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(rows[i].nik, rows[j].nik);
        if (rows[i].duplicate_of[0]) {
            /* A planted duplicate shares its person with the enrolment it copies, which
             * came earlier. */
            const truth_row *orig = find(rows, n, rows[i].duplicate_of);
            assert_non_null(orig);
            assert_true(orig < &rows[i]);
            assert_string_equal(orig->person, rows[i].person);
            assert_string_equal(orig->duplicate_of, "");
            duplicates++;
        } else {
            for (size_t j = 0; j < i; j++)
                if (!rows[j].duplicate_of[0])
                    assert_string_not_equal(rows[i].person, rows[j].person);
        }
        char path[8400];
        snprintf(args, sizeof args, "application check '%s/%s/record.txt'", dir, rows[i].enrolment);
        if (ktpel(args) != 0)
            fail_msg("%s: %s", rows[i].enrolment, out);
        ktpel_fp_template *t = malloc(sizeof *t);
        assert_non_null(t);
        for (int c = 1; c <= 2; c++) {
            snprintf(path, sizeof path, "%s/%s/fingers_%d.iso", dir, rows[i].enrolment, c);
            ktpel_errbuf eb;
            if (ktpel_iso19794_2_read_file(path, t, &eb) != KTPEL_OK)
                fail_msg("%s", eb.message);
            assert_int_equal(t->view_count, 10);
            for (int v = 0; v < 10; v++)
                assert_int_equal(t->views[v].position, v + 1);
        }
        free(t);
    }
    assert_int_equal(duplicates, 10);
    /* population.txt holds the command that makes the folder again. */
    char path[8400];
    snprintf(path, sizeof path, "%s/population.txt", dir);
    char *manifest = (char *)ktpel_test_read_file(path, NULL);
    assert_non_null(manifest);
    assert_non_null(strstr(manifest, "command: ktpel synth --residents 40 --captures 2 "
                                     "--duplicates 0.25 --seed 9"));
    free(manifest);
    /* A folder that is not empty is refused. */
    snprintf(args, sizeof args, "synth --residents 2 --templates-only -o '%s'", dir);
    assert_int_equal(ktpel(args), 1);
    expect_out("not empty");
    ktpel_test_rmtree(tmp);
    free(tmp);
}

/* The same seed gives the same bytes with one thread or three. */
static void test_same_seed_same_bytes(void **state)
{
    (void)state;
    char *tmp = ktpel_test_tmpdir();
    assert_non_null(tmp);
    char args[4400];
    for (int t = 1; t <= 3; t += 2) {
        snprintf(args, sizeof args,
                 "synth --residents 3 --duplicates 0.34 --captures 1 --seed 77 --threads %d "
                 "--quiet -o '%s/t%d'",
                 t, tmp, t);
        assert_int_equal(ktpel(args), 0);
    }
    char cmd[4400];
    snprintf(cmd, sizeof cmd, "diff -r '%s/t1' '%s/t3' 2>&1", tmp, tmp);
    if (ktpel_test_run(cmd, out, sizeof out) != 0)
        fail_msg("the two populations differ:\n%s", out);
    /* All modalities are there, with their resolution. */
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/t1", tmp);
    const char *files[] = {"record.txt",       "face_1.jpg",      "signature_1.png",
                           "signature_1.csv",  "finger_01_1.png", "finger_10_1.png",
                           "iris_right_1.png", "iris_left_1.png"};
    for (int e = 1; e <= 4; e++) {
        char enrolment[32];
        snprintf(enrolment, sizeof enrolment, "E%06d", e);
        for (size_t f = 0; f < sizeof files / sizeof files[0]; f++)
            if (!exists(dir, enrolment, files[f]))
                fail_msg("%s/%s is missing", enrolment, files[f]);
    }
    char path[8400];
    ktpel_image img;
    snprintf(path, sizeof path, "%s/E000001/face_1.jpg", dir);
    assert_int_equal(ktpel_image_read(path, KTPEL_IMAGE_RGB, 0, &img, NULL), KTPEL_OK);
    assert_int_equal(img.dpi, 300);
    ktpel_image_free(&img);
    snprintf(path, sizeof path, "%s/E000001/signature_1.png", dir);
    assert_int_equal(ktpel_image_read(path, KTPEL_IMAGE_GREY, 0, &img, NULL), KTPEL_OK);
    assert_int_equal(img.dpi, 200);
    ktpel_image_free(&img);
    snprintf(path, sizeof path, "%s/E000001/finger_01_1.png", dir);
    assert_int_equal(ktpel_image_read(path, KTPEL_IMAGE_GREY, 0, &img, NULL), KTPEL_OK);
    assert_int_equal(img.dpi, 500);
    ktpel_image_free(&img);
    ktpel_test_rmtree(tmp);
    free(tmp);
}

/* An interrupted run finished with --resume gives the same bytes as an uninterrupted one. */
static void test_resume(void **state)
{
    (void)state;
    char *tmp = ktpel_test_tmpdir();
    assert_non_null(tmp);
    const char *opts = "--residents 12 --duplicates 0.25 --captures 2 --templates-only --seed 4 "
                       "--quiet";
    char args[4400], cmd[8800];
    snprintf(args, sizeof args, "synth %s -o '%s/whole'", opts, tmp);
    assert_int_equal(ktpel(args), 0);
    snprintf(args, sizeof args, "synth %s -o '%s/cut'", opts, tmp);
    assert_int_equal(ktpel(args), 0);
    /* As if killed: no truth.csv, an enrolment never started, one half written with a
     * temporary file left behind. */
    snprintf(cmd, sizeof cmd,
             "cd '%s/cut' && rm -f truth.csv && rm -rf E000007 && rm E000003/fingers_2.iso && "
             "echo partial > E000003/fingers_1.iso.tmp",
             tmp);
    assert_int_equal(system(cmd), 0);
    /* Not without --resume, nor with other options. */
    snprintf(args, sizeof args, "synth %s -o '%s/cut'", opts, tmp);
    assert_int_equal(ktpel(args), 1);
    expect_out("--resume");
    snprintf(args, sizeof args, "synth %s --resume --seed 5 -o '%s/cut'", opts, tmp);
    assert_int_equal(ktpel(args), 1);
    expect_out("other options");
    snprintf(args, sizeof args, "synth %s --resume -o '%s/nothing'", opts, tmp);
    assert_int_equal(ktpel(args), 1);
    snprintf(args, sizeof args, "synth %s --resume -o '%s/cut'", opts, tmp);
    assert_int_equal(ktpel(args), 0);
    snprintf(cmd, sizeof cmd, "diff -r '%s/whole' '%s/cut' 2>&1", tmp, tmp);
    if (ktpel_test_run(cmd, out, sizeof out) != 0)
        fail_msg("the resumed population differs:\n%s", out);
    ktpel_test_rmtree(tmp);
    free(tmp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_usage),
        cmocka_unit_test(test_templates_population),
        cmocka_unit_test(test_same_seed_same_bytes),
        cmocka_unit_test(test_resume),
    };
    return cmocka_run_group_tests_name("cli_synth", tests, NULL, NULL);
}
