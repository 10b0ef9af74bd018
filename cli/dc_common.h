/* Helpers of the data-center commands (ingest, dedup, audit): the --store option. */
#ifndef KTPEL_CLI_DC_COMMON_H
#define KTPEL_CLI_DC_COMMON_H

#include <stdbool.h>

#include "ktpel/store.h"

/* The store folder when no --store is given: $KTPEL_STORE, else ./ktpel-store. */
const char *dc_default_store(void);

/* If argv[*i] is --store DIR (or --store=DIR), sets *dir, advances *i past it and returns 1;
 * returns -1 when DIR is missing (a usage error has been printed), 0 otherwise. */
int dc_store_option(int argc, char **argv, int *i, const char **dir);

/* Opens the store (creating it only if `create`) or prints why not; NULL on failure. */
ktpel_store *dc_open_store(const char *dir, bool read_only, bool create);

#endif
