/* Helpers of the data-center commands: the --store option, printing dedup decisions. */
#ifndef KTPEL_CLI_DC_COMMON_H
#define KTPEL_CLI_DC_COMMON_H

#include <stdbool.h>

#include "cli.h"
#include "ktpel/dedup.h"
#include "ktpel/store.h"

/* The store folder when no --store is given: $KTPEL_STORE, else ./ktpel-store. */
const char *dc_default_store(void);

/* If argv[*i] is --store DIR (or --store=DIR), sets *dir, advances *i past it and returns 1;
 * returns -1 when DIR is missing (a usage error has been printed), 0 otherwise. */
int dc_store_option(int argc, char **argv, int *i, const char **dir);

/* Opens the store (creating it only if `create`) or prints why not; NULL on failure. */
ktpel_store *dc_open_store(const char *dir, bool read_only, bool create);

/* One dedup decision: as a text line "NIK [DECISION] CANDIDATE:SCORE ...", or as a JSON
 * object {"nik", "decision", "candidates": [{"nik", "score"}]} (scores to 3 decimals). */
void dc_decision_text(const ktpel_dedup_decision *d, bool with_decision);
void dc_decision_json(cli_json *j, const ktpel_dedup_decision *d);

/* Something that yields stored decisions: ktpel_dedup_decisions, ktpel_adjudicate_cases. */
typedef ktpel_err (*dc_decision_source)(ktpel_store *s, ktpel_dedup_decision_fn fn, void *ctx,
                                        ktpel_errbuf *eb);

/* Opens the store read-only and prints what `source` yields, as text lines (with or without
 * the decision) or as one JSON object {"ARRAY": [...]}. Returns the command's exit status. */
int dc_list_decisions(const char *store_dir, dc_decision_source source, bool json,
                      const char *array, bool with_decision);

#endif
