/* The published ISO/IEC 19794-2 templates of FVC2002 DB1-DB4 (../shared/datasets): every
 * valid record reads and gives a compact template; the three truncated records are rejected
 * with a message that says so. Skipped when the datasets are absent. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ktpel/fp_match.h"
#include "ktpel/fp_template.h"
#include "testutil.h"

static int read_folder(const char *dir, int expect_ok)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    int files = 0;
    ktpel_fp_template *t = malloc(sizeof *t);
    assert_non_null(t);
    while ((e = readdir(d)) != NULL) {
        if (!strstr(e->d_name, ".iso"))
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        ktpel_errbuf eb;
        ktpel_errbuf_clear(&eb);
        ktpel_err err = ktpel_iso19794_2_read_file(path, t, &eb);
        if (expect_ok) {
            if (err != KTPEL_OK)
                fail_msg("%s", eb.message);
            assert_true(t->views[0].count > 0);
            ktpel_fp_compact *c = NULL;
            assert_int_equal(ktpel_fp_compact_from_template(t, 0, &c, &eb), KTPEL_OK);
            assert_true(ktpel_fp_compact_descriptors(c) > 0);
            ktpel_fp_compact_free(c);
            /* Reading then writing gives the file back (no extended data in these). */
            uint8_t *buf = NULL;
            size_t len = 0;
            size_t file_len = 0;
            uint8_t *file = ktpel_test_read_file(path, &file_len);
            assert_int_equal(ktpel_iso19794_2_write(t, &buf, &len, &eb), KTPEL_OK);
            assert_int_equal(len, file_len);
            assert_memory_equal(buf, file, len);
            free(buf);
            free(file);
        } else {
            printf("%s rejected: %s\n", e->d_name, eb.message);
            assert_int_equal(err, KTPEL_ETRUNCATED);
            assert_non_null(strstr(eb.message, e->d_name));
            assert_non_null(strstr(eb.message, "length field says 30 bytes"));
        }
        files++;
    }
    closedir(d);
    free(t);
    return files;
}

static void test_valid_sets_read(void **state)
{
    (void)state;
    const char *sets[] = {"fingerprint-iso/fvc2002_db1_b", "fingerprint-iso/fvc2002_db2_b",
                          "fingerprint-iso/fvc2002_db3_b", "fingerprint-iso/fvc2002_db4_b"};
    for (int k = 0; k < 4; k++) {
        char dir[4096];
        snprintf(dir, sizeof dir, "%s", ktpel_test_dataset(sets[k]));
        assert_int_equal(read_folder(dir, 1), 80);
    }
}

static void test_truncated_records_rejected(void **state)
{
    (void)state;
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", ktpel_test_dataset("fingerprint-iso/invalid"));
    assert_int_equal(read_folder(dir, 0), 3);
}

int main(void)
{
    ktpel_test_dataset("fingerprint-iso"); /* skip the whole program when absent */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_sets_read),
        cmocka_unit_test(test_truncated_records_rejected),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
