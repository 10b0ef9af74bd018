/* Whole-file reading with limits, atomic writing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ktpel/file.h"
#include "testutil.h"

static void test_round_trip_and_limits(void **state)
{
    (void)state;
    char *dir = ktpel_test_tmpdir();
    char path[4200];
    snprintf(path, sizeof path, "%s/data.bin", dir);
    ktpel_errbuf eb;
    assert_int_equal(ktpel_file_write_atomic(path, "hello", 5, &eb), KTPEL_OK);
    uint8_t *data;
    size_t len;
    assert_int_equal(ktpel_file_read(path, 5, &data, &len, &eb), KTPEL_OK);
    assert_int_equal(len, 5);
    assert_memory_equal(data, "hello", 5);
    assert_int_equal(data[5], 0); /* NUL after the data */
    free(data);

    /* one byte over the limit is refused before reading, naming the file */
    assert_int_equal(ktpel_file_read(path, 4, &data, &len, &eb), KTPEL_ETOOBIG);
    assert_non_null(strstr(eb.message, "data.bin"));
    assert_null(data);

    /* overwrite replaces the whole file; permissions are 0644 */
    assert_int_equal(ktpel_file_write_atomic(path, "hi", 2, &eb), KTPEL_OK);
    assert_int_equal(ktpel_file_read(path, 100, &data, &len, &eb), KTPEL_OK);
    assert_int_equal(len, 2);
    free(data);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0644);

    /* an empty file reads as zero bytes */
    assert_int_equal(ktpel_file_write_atomic(path, NULL, 0, &eb), KTPEL_OK);
    assert_int_equal(ktpel_file_read(path, 100, &data, &len, &eb), KTPEL_OK);
    assert_int_equal(len, 0);
    free(data);

    ktpel_test_rmtree(dir);
    free(dir);
}

static void test_errors(void **state)
{
    (void)state;
    char *dir = ktpel_test_tmpdir();
    char path[4200];
    uint8_t *data;
    size_t len;
    ktpel_errbuf eb;
    snprintf(path, sizeof path, "%s/missing", dir);
    assert_int_equal(ktpel_file_read(path, 100, &data, &len, &eb), KTPEL_EIO);
    assert_non_null(strstr(eb.message, "missing: cannot open"));
    assert_int_equal(ktpel_file_read(dir, 100, &data, &len, &eb), KTPEL_EIO);
    assert_non_null(strstr(eb.message, "not a regular file"));
    snprintf(path, sizeof path, "%s/no/such/dir/file", dir);
    assert_int_equal(ktpel_file_write_atomic(path, "x", 1, &eb), KTPEL_EIO);
    assert_non_null(strstr(eb.message, "file: cannot create a temporary file"));
    assert_int_equal(ktpel_file_read(NULL, 1, &data, &len, &eb), KTPEL_EINVAL);
    assert_int_equal(ktpel_file_write_atomic(path, NULL, 3, &eb), KTPEL_EINVAL);
    /* a failed write leaves no temporary file behind */
    char cmd[4300], out[64];
    snprintf(cmd, sizeof cmd, "ls -A '%s' | wc -l", dir);
    assert_int_equal(ktpel_test_run(cmd, out, sizeof out), 0);
    assert_int_equal(atoi(out), 0);
    ktpel_test_rmtree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_and_limits),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests_name("file", tests, NULL, NULL);
}
