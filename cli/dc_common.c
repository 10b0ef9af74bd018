/* The --store option shared by the data-center commands. */
#include "dc_common.h"

#include <stdlib.h>
#include <string.h>

#include "cli.h"

const char *dc_default_store(void)
{
    const char *env = getenv("KTPEL_STORE");
    return env && *env ? env : "./" KTPEL_STORE_DEFAULT_DIR;
}

int dc_store_option(int argc, char **argv, int *i, const char **dir)
{
    const char *a = argv[*i];
    if (strncmp(a, "--store=", 8) == 0) {
        *dir = a + 8;
        return **dir ? 1 : (cli_usage_error("--store needs a folder"), -1);
    }
    if (strcmp(a, "--store") != 0)
        return 0;
    if (*i + 1 >= argc || !*argv[*i + 1]) {
        cli_usage_error("--store needs a folder");
        return -1;
    }
    *dir = argv[++*i];
    return 1;
}

ktpel_store *dc_open_store(const char *dir, bool read_only, bool create)
{
    ktpel_errbuf eb;
    ktpel_errbuf_clear(&eb);
    ktpel_store *s = NULL;
    ktpel_store_options opt = {.read_only = read_only, .no_create = !create};
    if (ktpel_store_open(dir, &opt, &s, &eb) != KTPEL_OK) {
        cli_fail_err(&eb);
        return NULL;
    }
    return s;
}
