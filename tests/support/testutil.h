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

/* Runs the built ktpel with the printf-formatted arguments, stderr joined to stdout, and
 * captures the output into out as ktpel_test_run does. Returns the exit status or -1. */
int ktpel_test_ktpel(char *out, size_t out_size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* One row of a synthetic population's truth.csv (docs/synth-format.md). */
typedef struct ktpel_test_truth_row {
    char enrolment[16], nik[17], duplicate_of[16]; /* duplicate_of empty when none */
} ktpel_test_truth_row;

/* Reads POPULATION/truth.csv into rows (at most max); returns the number read. A malformed
 * file fails the running test. */
size_t ktpel_test_read_truth(const char *population, ktpel_test_truth_row *rows, size_t max);

/* Reads a whole file into a malloc'd buffer. Returns NULL on failure. */
uint8_t *ktpel_test_read_file(const char *path, size_t *len);

#endif
