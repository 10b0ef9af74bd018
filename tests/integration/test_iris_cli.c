/* `ktpel iris` on a small subset of CASIA-IrisV1 (3 eyes x 4 images, linked into a temporary
 * folder as EYE_SESSION_N.jpg files, no sub-folders): extract with --dump, compare of codes and
 * of images (exit 0 on a match, 1 on a non-match), a corrupted code named in the error, the
 * benchmark's protocol and score file with one thread and with two, and usage errors.
 * Skipped when the dataset is absent. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

static char casia[4096];
static char *tmp;

static const char *const images[] = {
    "001/001_1_1", "001/001_1_2", "001/001_2_1", "001/001_2_3", "007/007_1_1", "007/007_1_3",
    "007/007_2_2", "007/007_2_4", "014/014_1_2", "014/014_1_3", "014/014_2_1", "014/014_2_4",
};
#define IMAGES (sizeof images / sizeof images[0])

static int run(const char *args, char *out, size_t size)
{
    char cmd[32768];
    snprintf(cmd, sizeof cmd, "'%s' %s 2>&1", ktpel_test_bin(), args);
    return ktpel_test_run(cmd, out, size);
}

static int setup(void **state)
{
    (void)state;
    tmp = ktpel_test_tmpdir();
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/set", tmp);
    assert_int_equal(mkdir(dir, 0777), 0);
    for (size_t i = 0; i < IMAGES; i++) {
        char from[8400], to[8400];
        snprintf(from, sizeof from, "%s/%s.jpg", casia, images[i]);
        snprintf(to, sizeof to, "%s/%s.jpg", dir, strchr(images[i], '/') + 1);
        assert_int_equal(symlink(from, to), 0);
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    ktpel_test_rmtree(tmp);
    free(tmp);
    return 0;
}

static void test_extract_compare(void **state)
{
    (void)state;
    char args[20000], out[8192], path[4300];
    snprintf(args, sizeof args, "iris extract '%s/001/001_1_1.jpg' -o '%s/a.irc' --dump '%s/dump'",
             casia, tmp, tmp);
    assert_int_equal(run(args, out, sizeof out), 0);
    printf("%s", out);
    assert_non_null(strstr(out, "pupil  centre"));
    snprintf(path, sizeof path, "%s/dump/001_1_1_segmentation.png", tmp);
    assert_int_equal(access(path, R_OK), 0);
    snprintf(path, sizeof path, "%s/dump/001_1_1_normalised.png", tmp);
    assert_int_equal(access(path, R_OK), 0);
    snprintf(args, sizeof args, "iris extract '%s/001/001_2_3.jpg' -o '%s/b.irc' --json", casia,
             tmp);
    assert_int_equal(run(args, out, sizeof out), 0);
    assert_non_null(strstr(out, "\"valid_bits\""));
    /* Same eye: codes, and a code against an image. */
    snprintf(args, sizeof args, "iris compare '%s/a.irc' '%s/b.irc'", tmp, tmp);
    assert_int_equal(run(args, out, sizeof out), 0);
    assert_non_null(strstr(out, "decision match"));
    snprintf(args, sizeof args, "iris compare '%s/a.irc' '%s/001/001_1_2.jpg' --json", tmp, casia);
    assert_int_equal(run(args, out, sizeof out), 0);
    assert_non_null(strstr(out, "\"match\":true"));
    /* Different eyes. */
    snprintf(args, sizeof args, "iris compare '%s/a.irc' '%s/007/007_1_1.jpg' --json", tmp, casia);
    assert_int_equal(run(args, out, sizeof out), 1);
    assert_non_null(strstr(out, "\"match\":false"));
    /* A damaged code: an error naming the file and the CRC. */
    snprintf(path, sizeof path, "%s/a.irc", tmp);
    size_t len = 0;
    uint8_t *code = ktpel_test_read_file(path, &len);
    assert_non_null(code);
    code[100] ^= 1;
    snprintf(path, sizeof path, "%s/bad.irc", tmp);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(code, 1, len, f), len);
    fclose(f);
    free(code);
    snprintf(args, sizeof args, "iris compare '%s' '%s/b.irc'", path, tmp);
    assert_int_equal(run(args, out, sizeof out), 1);
    assert_non_null(strstr(out, "bad.irc"));
    assert_non_null(strstr(out, "CRC"));
    /* Usage errors. */
    assert_int_equal(run("iris compare onlyone.irc", out, sizeof out), 2);
    assert_int_equal(run("iris compare a b --shifts 99", out, sizeof out), 2);
    assert_int_equal(run("iris extract x.png", out, sizeof out), 2);
    assert_int_equal(run("iris nosuch", out, sizeof out), 2);
}

static void test_bench(void **state)
{
    (void)state;
    char args[20000], out[8192], path[4300];
    snprintf(args, sizeof args,
             "iris bench '%s/set' --threads 1 --scores '%s/s1.txt' --det "
             "'%s/det.png'",
             tmp, tmp, tmp);
    assert_int_equal(run(args, out, sizeof out), 0);
    printf("%s", out);
    assert_non_null(strstr(out, "genuine  = every unordered pair of images of the same eye: 18"));
    assert_non_null(strstr(out, "impostor = every unordered pair of images of different eyes: 48"));
    snprintf(args, sizeof args, "iris bench '%s/set' --threads 2 --scores '%s/s2.txt' --json", tmp,
             tmp);
    assert_int_equal(run(args, out, sizeof out), 0);
    const char *eer = strstr(out, "\"eer\":");
    assert_non_null(eer);
    printf("subset EER %.4f\n", strtod(eer + 6, NULL));
    assert_true(strtod(eer + 6, NULL) < 0.06); /* at most one of the 18 genuine pairs lost */
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
    assert_int_equal(lines, 66);
    assert_non_null(strstr((const char *)s1, " 001_1_1 001_1_2\n"));
    snprintf(path, sizeof path, "%s/det.png", tmp);
    uint8_t *png = ktpel_test_read_file(path, &npng);
    assert_non_null(png);
    assert_true(npng > 100 && memcmp(png, "\x89PNG", 4) == 0);
    free(s1);
    free(s2);
    free(png);
    assert_int_equal(run("iris bench", out, sizeof out), 2);
}

int main(void)
{
    snprintf(casia, sizeof casia, "%s", ktpel_test_dataset("iris/casia_v1"));
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_extract_compare),
        cmocka_unit_test(test_bench),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
