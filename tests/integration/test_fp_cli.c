/* `ktpel fp compare` and `ktpel fp bench` on the ISO templates of FVC2002 DB1_B: exit codes,
 * the scores file, the DET curve, and the same scores with one thread and with two.
 * Skipped when the datasets are absent. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static char db1[4096], invalid[4096];
static char *tmp;

static int run(const char *args, char *out, size_t size)
{
    char cmd[16384];
    snprintf(cmd, sizeof cmd, "'%s' %s 2>&1", ktpel_test_bin(), args);
    return ktpel_test_run(cmd, out, size);
}

static void test_compare(void **state)
{
    (void)state;
    char args[9000], out[4096];
    snprintf(args, sizeof args, "fp compare '%s/101_1.iso' '%s/101_2.iso'", db1, db1);
    assert_int_equal(run(args, out, sizeof out), 0);
    assert_non_null(strstr(out, "decision match"));
    snprintf(args, sizeof args, "fp compare '%s/101_1.iso' '%s/102_1.iso' --json", db1, db1);
    assert_int_equal(run(args, out, sizeof out), 1);
    assert_non_null(strstr(out, "\"match\":false"));
    /* A truncated record is an error that names the file and the cause. */
    snprintf(args, sizeof args, "fp compare '%s/101_1_truncate_1_byte.iso' '%s/101_1.iso'", invalid,
             db1);
    assert_int_equal(run(args, out, sizeof out), 1);
    assert_non_null(strstr(out, "101_1_truncate_1_byte.iso"));
    assert_non_null(strstr(out, "length field says 30 bytes but the data has 29"));
    /* Usage errors. */
    assert_int_equal(run("fp compare onlyone.iso", out, sizeof out), 2);
    assert_int_equal(run("fp compare a b --fmr 2", out, sizeof out), 2);
    assert_int_equal(run("fp nosuch", out, sizeof out), 2);
}

static void test_bench_threads_agree(void **state)
{
    (void)state;
    char args[9000], out[8192];
    snprintf(args, sizeof args, "fp bench '%s' --threads 1 --scores '%s/s1.txt' --det '%s/det.png'",
             db1, tmp, tmp);
    assert_int_equal(run(args, out, sizeof out), 0);
    printf("%s", out);
    assert_non_null(strstr(out, "genuine  = every unordered pair of impressions of the same "
                                "finger: 280"));
    assert_non_null(strstr(out, "impostor = every unordered pair of impressions of different "
                                "fingers: 2880"));
    assert_non_null(strstr(out, "EER"));
    snprintf(args, sizeof args, "fp bench '%s' --threads 2 --scores '%s/s2.txt' --json", db1, tmp);
    assert_int_equal(run(args, out, sizeof out), 0);
    assert_non_null(strstr(out, "\"eer\""));
    char path[4200];
    size_t n1 = 0, n2 = 0, npng = 0;
    snprintf(path, sizeof path, "%s/s1.txt", tmp);
    uint8_t *s1 = ktpel_test_read_file(path, &n1);
    snprintf(path, sizeof path, "%s/s2.txt", tmp);
    uint8_t *s2 = ktpel_test_read_file(path, &n2);
    assert_non_null(s1);
    assert_non_null(s2);
    assert_int_equal(n1, n2);
    assert_memory_equal(s1, s2, n1);
    size_t lines = 0;
    for (size_t k = 0; k < n1; k++)
        lines += s1[k] == '\n';
    assert_int_equal(lines, 3160);
    assert_non_null(strstr((const char *)s1, " 101_1 101_2\n"));
    snprintf(path, sizeof path, "%s/det.png", tmp);
    uint8_t *png = ktpel_test_read_file(path, &npng);
    assert_non_null(png);
    assert_true(npng > 100 && memcmp(png, "\x89PNG", 4) == 0);
    free(s1);
    free(s2);
    free(png);
}

static void test_speed(void **state)
{
    (void)state;
    char out[4096];
    assert_int_equal(run("fp bench --speed --gallery 100 --threads 2 --json", out, sizeof out), 0);
    assert_non_null(strstr(out, "comparisons_per_second_1_thread"));
    assert_non_null(strstr(out, "\"same_result\":true"));
}

int main(void)
{
    snprintf(db1, sizeof db1, "%s", ktpel_test_dataset("fingerprint-iso/fvc2002_db1_b"));
    snprintf(invalid, sizeof invalid, "%s", ktpel_test_dataset("fingerprint-iso/invalid"));
    tmp = ktpel_test_tmpdir();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_compare),
        cmocka_unit_test(test_bench_threads_agree),
        cmocka_unit_test(test_speed),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    ktpel_test_rmtree(tmp);
    free(tmp);
    return rc;
}
