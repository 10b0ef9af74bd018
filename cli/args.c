/* Option values and clocks shared by the commands. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

int cli_parse_long(const char *opt, const char *value, long lo, long hi, long *out)
{
    char *end = NULL;
    errno = 0;
    long v = value ? strtol(value, &end, 10) : 0;
    if (!value || errno || end == value || *end || v < lo || v > hi)
        return cli_usage_error("%s needs a whole number %ld..%ld, got '%s'", opt, lo, hi,
                               value ? value : "");
    *out = v;
    return CLI_OK;
}

int cli_parse_int(const char *opt, const char *value, int lo, int hi, int *out)
{
    long v = 0;
    int rc = cli_parse_long(opt, value, lo, hi, &v);
    if (rc == CLI_OK)
        *out = (int)v;
    return rc;
}

int cli_parse_double(const char *opt, const char *value, double lo, double hi, double *out)
{
    char *end = NULL;
    errno = 0;
    double v = value ? strtod(value, &end) : 0;
    if (!value || errno || end == value || *end || !(v >= lo && v <= hi))
        return cli_usage_error("%s needs a number %g..%g, got '%s'", opt, lo, hi,
                               value ? value : "");
    *out = v;
    return CLI_OK;
}

int cli_parse_seed(const char *opt, const char *value, uint64_t *out)
{
    char *end = NULL;
    errno = 0;
    unsigned long long v = value ? strtoull(value, &end, 0) : 0;
    if (!value || errno || end == value || *end || value[0] == '-')
        return cli_usage_error("%s needs a non-negative integer, got '%s'", opt,
                               value ? value : "");
    *out = (uint64_t)v;
    return CLI_OK;
}

int cli_synth_common_option(int argc, char **argv, int *i, uint64_t *seed, int *threads,
                            int max_threads, const char **out_dir)
{
    const char *a = argv[*i], *v = *i + 1 < argc ? argv[*i + 1] : NULL;
    int rc;
    if (strcmp(a, "--seed") == 0) {
        rc = cli_parse_seed(a, v, seed);
    } else if (strcmp(a, "--threads") == 0) {
        rc = cli_parse_int(a, v, 1, max_threads, threads);
    } else if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) {
        rc = v ? CLI_OK : cli_usage_error("%s needs a folder", a);
        if (v)
            *out_dir = v;
    } else {
        return 0;
    }
    (*i)++;
    return rc == CLI_OK ? 1 : -1;
}

static double clock_seconds(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

double cli_now_seconds(void)
{
    return clock_seconds(CLOCK_MONOTONIC);
}

double cli_thread_cpu_seconds(void)
{
    return clock_seconds(CLOCK_THREAD_CPUTIME_ID);
}
