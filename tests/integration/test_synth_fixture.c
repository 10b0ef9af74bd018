/* fixtures/population is what `ktpel synth` writes: the command recorded in its
 * population.txt, run again in a temporary folder, gives the same bytes for every file (the
 * fixture's README.md aside, which people write). When a generator changes on purpose,
 * regenerate the fixture with that command (fixtures/population/README.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static char out[65536];

static const char *fixture_dir(void)
{
    static char dir[4096];
    const char *root = getenv("KTPEL_FIXTURES");
    if (!root || !*root) {
        printf("SKIP: KTPEL_FIXTURES is not set\n");
        exit(KTPEL_TEST_SKIP);
    }
    snprintf(dir, sizeof dir, "%s/population", root);
    return dir;
}

/* The arguments after "command: ktpel " in population.txt. */
static void recorded_command(const char *dir, char *args, size_t size)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/population.txt", dir);
    size_t len = 0;
    char *text = (char *)ktpel_test_read_file(path, &len);
    if (!text)
        fail_msg("%s is missing", path);
    text = realloc(text, len + 1);
    text[len] = '\0';
    const char *key = "\ncommand: ktpel ";
    char *start = strstr(text, key);
    assert_non_null(start);
    start += strlen(key);
    char *end = strchr(start, '\n');
    assert_non_null(end);
    *end = '\0';
    /* Only options and numbers: nothing a shell would interpret. */
    for (const char *c = start; *c; c++)
        assert_non_null(strchr("abcdefghijklmnopqrstuvwxyz0123456789 -.", *c));
    snprintf(args, size, "%s", start);
    free(text);
}

static void test_fixture_regenerates(void **state)
{
    (void)state;
    const char *dir = fixture_dir();
    char args[1024];
    recorded_command(dir, args, sizeof args);
    char *tmp = ktpel_test_tmpdir();
    assert_non_null(tmp);
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "'%s' %s --threads 2 --quiet -o '%s/population' 2>&1",
             ktpel_test_bin(), args, tmp);
    if (ktpel_test_run(cmd, out, sizeof out) != 0)
        fail_msg("%s\n%s", cmd, out);
    snprintf(cmd, sizeof cmd, "diff -r -x README.md '%s' '%s/population' 2>&1", dir, tmp);
    if (ktpel_test_run(cmd, out, sizeof out) != 0)
        fail_msg("fixtures/population differs from `ktpel %s` (regenerate it if a generator "
                 "changed on purpose):\n%s",
                 args, out);
    ktpel_test_rmtree(tmp);
    free(tmp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixture_regenerates),
    };
    return cmocka_run_group_tests_name("synth_fixture", tests, NULL, NULL);
}
