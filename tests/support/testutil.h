/* Helpers shared by ktpel's cmocka tests. */
#ifndef KTPEL_TESTUTIL_H
#define KTPEL_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

/* Exit code that CTest reports as "skipped" (SKIP_RETURN_CODE). */
#define KTPEL_TEST_SKIP 77

/* Path of ../shared/datasets/SUBDIR; if it is absent, prints why and exits with 77 so that
 * CTest reports the test as skipped. Never returns NULL. */
const char *ktpel_test_dataset(const char *subdir);

/* Path of the built ktpel executable (from KTPEL_BIN). */
const char *ktpel_test_bin(void);

/* A new empty temporary directory (mkdtemp); removed with ktpel_test_rmtree. */
char *ktpel_test_tmpdir(void);
void ktpel_test_rmtree(const char *path);

/* Runs a shell command, capturing stdout (up to out_size-1 bytes, NUL-terminated) and
 * returning the exit status (or -1). */
int ktpel_test_run(const char *command, char *out, size_t out_size);

/* Reads a whole file into a malloc'd buffer. Returns NULL on failure. */
uint8_t *ktpel_test_read_file(const char *path, size_t *len);

#endif
