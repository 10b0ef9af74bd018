#include "testutil.h"

#include <stdarg.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

const char *ktpel_test_dataset(const char *subdir)
{
    static char path[4096]; /* test programs are single-threaded */
    const char *root = getenv("KTPEL_DATASETS");
    if (!root || !*root) {
        printf("SKIP: KTPEL_DATASETS is not set\n");
        exit(KTPEL_TEST_SKIP);
    }
    snprintf(path, sizeof path, "%s/%s", root, subdir);
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
        printf("SKIP: dataset folder %s is absent\n", path);
        exit(KTPEL_TEST_SKIP);
    }
    return path;
}

const char *ktpel_test_bin(void)
{
    const char *bin = getenv("KTPEL_BIN");
    return bin && *bin ? bin : "ktpel";
}

char *ktpel_test_tmpdir(void)
{
    const char *base = getenv("TMPDIR");
    char tmpl[4096];
    snprintf(tmpl, sizeof tmpl, "%s/ktpel-test-XXXXXX", base && *base ? base : "/tmp");
    char *dir = mkdtemp(tmpl);
    return dir ? strdup(dir) : NULL;
}

void ktpel_test_rmtree(const char *path)
{
    if (!path || !*path || strcmp(path, "/") == 0)
        return;
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", path);
}

int ktpel_test_run(const char *command, char *out, size_t out_size)
{
    FILE *p = popen(command, "r");
    if (!p)
        return -1;
    size_t n = 0;
    if (out && out_size) {
        n = fread(out, 1, out_size - 1, p);
        out[n] = '\0';
    }
    char discard[4096];
    while (fread(discard, 1, sizeof discard, p) > 0) {
    }
    int status = pclose(p);
    if (status == -1 || !WIFEXITED(status))
        return -1;
    return WEXITSTATUS(status);
}

uint8_t *ktpel_test_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    uint8_t *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            uint8_t *bigger = realloc(buf, cap * 2);
            if (!bigger) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = bigger;
            cap *= 2;
        }
    }
    fclose(f);
    if (buf && len)
        *len = n;
    return buf;
}

int ktpel_test_ktpel(char *out, size_t out_size, const char *fmt, ...)
{
    char cmd[16384], args[8800];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    snprintf(cmd, sizeof cmd, "'%s' %s 2>&1", ktpel_test_bin(), args);
    return ktpel_test_run(cmd, out, out_size);
}

size_t ktpel_test_read_truth(const char *population, ktpel_test_truth_row *rows, size_t max)
{
    char path[4300];
    snprintf(path, sizeof path, "%s/truth.csv", population);
    size_t len, count = 0;
    char *text = (char *)ktpel_test_read_file(path, &len);
    assert_non_null(text);
    char *line = strchr(text, '\n') + 1; /* header: enrolment,nik,person,duplicate_of,... */
    while (line < text + len && count < max) {
        ktpel_test_truth_row *r = &rows[count++];
        memset(r, 0, sizeof *r);
        assert_int_equal(sscanf(line, "%15[^,],%16[^,],", r->enrolment, r->nik), 2);
        char *f = line;
        for (int k = 0; k < 3; k++)
            f = strchr(f, ',') + 1;
        size_t n = strcspn(f, ",");
        memcpy(r->duplicate_of, f, n < 15 ? n : 15);
        line = strchr(line, '\n') + 1;
    }
    free(text);
    return count;
}
