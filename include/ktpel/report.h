/* Static HTML reports for the people who work the data center. `ktpel report dedup`: one page
 * per adjudication case, for the officer who decides, and an index.
 *
 * A case page shows the resident awaiting adjudication and each candidate side by side: the
 * demographics of the stored records (differences marked), the photo when the store holds
 * one (else the page says so), the score of every finger position present in both, and per
 * finger a drawing of the two minutiae sets, over the stored finger images when there are
 * any, with the pairs the comparison chose joined by lines (include/ktpel/fp_pairs.h; green: the
 * pairs that make the score). Labels are in Bahasa Indonesia. Pages are self-contained: drawings
 * are PNG images inside the page (data: URIs), styles inline, no script, nothing fetched from the
 * network; every text from the store is HTML-escaped.
 */
#ifndef KTPEL_REPORT_H
#define KTPEL_REPORT_H

#include <stddef.h>

#include "ktpel/error.h"
#include "ktpel/store.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Writes DIR/index.html and DIR/kasus-NIK.html for every resident awaiting adjudication
 * (DIR is created if needed; files are written atomically). *cases (may be NULL) gets the
 * number of case pages. */
ktpel_err ktpel_report_dedup(ktpel_store *s, const char *dir, size_t *cases, ktpel_errbuf *eb);

/* `ktpel report pipeline`: one page (DIR/index.html) about a whole run of the pipeline, for
 * people who want to see what it did (scripts/demo writes one). What the data center knows comes
 * from the store: the residents by status, every duplicate (found by deduplication alone or by
 * an officer) with both photos, scores and who decided, the adjudication cases decided
 * "different". What only the caller knows (timings, the desk's outcomes, checks against a
 * ground truth) comes as tables in TSV files, shown as they are (escaped; a cell of figures is
 * right-aligned, a cell "FAILED" or "GAGAL" is marked red). Order: the first table, the cards
 * (copied into DIR/kartu/), the other tables, then the store's sections. Self-contained: no
 * script, nothing fetched from the network. */
typedef struct ktpel_report_pipeline_options {
    const char *title;         /* NULL: "KTP-el: laporan alur lengkap" */
    const char *const *tables; /* TSV files: line 1 the caption, line 2 the header, then rows */
    size_t table_count;
    const char *const *cards; /* PNG card images to show */
    size_t card_count;
    /* A `ktpel report dedup` folder, relative to DIR: cases are linked to its kasus-NIK.html
     * pages when they exist. NULL: no links. */
    const char *dedup_report;
} ktpel_report_pipeline_options;

/* Writes DIR/index.html (and DIR/kartu/). Tables: at most 64 columns, lines of at most
 * 4096 bytes, valid UTF-8 not required (bytes are copied escaped). Errors name the file. */
ktpel_err ktpel_report_pipeline(ktpel_store *s, const char *dir,
                                const ktpel_report_pipeline_options *opt, ktpel_errbuf *eb);

/* HTML-escapes text (& < > " ') into out (size bytes, always NUL-terminated when size > 0);
 * returns the length the whole escaped text needs (without the NUL). */
size_t ktpel_html_escape(const char *text, char *out, size_t size);

#ifdef __cplusplus
}
#endif

#endif
