/* Static HTML reports for the people who work the data center. `ktpel report dedup`: one page
 * per adjudication case, for the officer who decides, and an index.
 *
 * A case page shows the resident awaiting adjudication and each candidate side by side: the
 * demographics of the stored records (differences marked), the photo when the store holds
 * one (it holds none yet: the page says so), the score of every finger position present in
 * both, and per finger a drawing of the two minutiae sets with the pairs the comparison
 * chose joined by lines (include/ktpel/fp_pairs.h; green: the pairs that make the score).
 * Labels are in Bahasa Indonesia. Pages are self-contained: drawings are PNG images inside
 * the page (data: URIs), styles inline, no script, nothing fetched from the network; every
 * text from the store is HTML-escaped.
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

/* HTML-escapes text (& < > " ') into out (size bytes, always NUL-terminated when size > 0);
 * returns the length the whole escaped text needs (without the NUL). */
size_t ktpel_html_escape(const char *text, char *out, size_t size);

#ifdef __cplusplus
}
#endif

#endif
