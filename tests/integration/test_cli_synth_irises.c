/* `ktpel synth irises`: CASIA-style folders of synthetic eye images, reachable through
 * `ktpel synth`, deterministic from the seed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ktpel/image.h"
#include "testutil.h"

static int run(const char *args, char *out, size_t size)
{
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "'%s' synth irises %s 2>&1", ktpel_test_bin(), args);
    return ktpel_test_run(cmd, out, size);
}

static void test_writes_casia_layout(void **state)
{
    (void)state;
    char *dir = ktpel_test_tmpdir();
    char args[4400], out[4096], path[4400];
    snprintf(args, sizeof args, "--eyes 2 --captures 3 --seed 4 --threads 2 --truth -o '%s/a'",
             dir);
    assert_int_equal(run(args, out, sizeof out), 0);
    /* session 1 holds the first half of the captures (rounded up), session 2 the rest */
    const char *files[] = {"001/001_1_1.png", "001/001_1_2.png", "001/001_2_1.png",
                           "002/002_1_1.png", "002/002_1_2.png", "002/002_2_1.png"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s/a/%s", dir, files[i]);
        ktpel_image img;
        ktpel_errbuf eb;
        if (ktpel_image_read(path, KTPEL_IMAGE_GREY, 0, &img, &eb) != KTPEL_OK)
            fail_msg("%s", eb.message);
        assert_int_equal(img.width, 320);
        assert_int_equal(img.height, 280);
        ktpel_image_free(&img);
    }
    snprintf(path, sizeof path, "wc -l < '%s/a/truth.csv'", dir);
    assert_int_equal(ktpel_test_run(path, out, sizeof out), 0);
    assert_int_equal(atoi(out), 7); /* header and six captures */

    /* the same seed gives the same bytes, whatever the thread count */
    snprintf(args, sizeof args, "--eyes 2 --captures 3 --seed 4 --threads 1 --truth -o '%s/b'",
             dir);
    assert_int_equal(run(args, out, sizeof out), 0);
    snprintf(path, sizeof path, "diff -r '%s/a' '%s/b'", dir, dir);
    assert_int_equal(ktpel_test_run(path, out, sizeof out), 0);
    ktpel_test_rmtree(dir);
    free(dir);
}

static void test_usage_errors(void **state)
{
    (void)state;
    char out[4096];
    assert_int_equal(run("--help", out, sizeof out), 0);
    assert_int_equal(run("--eyes 2 --captures 2", out, sizeof out), 2); /* no -o */
    assert_non_null(strstr(out, "-o DIR"));
    assert_int_equal(run("--eyes 0 --captures 2 -o /tmp/never", out, sizeof out), 2);
    assert_int_equal(run("--eyes 2 --captures 2 --seed x -o /tmp/never", out, sizeof out), 2);
    assert_non_null(strstr(out, "--seed"));
    assert_int_equal(run("--eyes 2 --captures 2 --threads 0 -o /tmp/never", out, sizeof out), 2);
    assert_int_equal(run("--eyes 2 --captures 2 -o", out, sizeof out), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_writes_casia_layout),
        cmocka_unit_test(test_usage_errors),
    };
    return cmocka_run_group_tests_name("cli_synth_irises", tests, NULL, NULL);
}
