/* HTML building blocks shared by the data center's static reports (datacenter/report.c for
 * `ktpel report dedup`, datacenter/report_pipeline.c for `ktpel report pipeline`): a growing
 * text buffer, HTML escaping and base64 for images inside pages. Internal to datacenter/. */
#ifndef KTPEL_DC_REPORT_HTML_H
#define KTPEL_DC_REPORT_HTML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A text buffer that grows; after an allocation failure `failed` is set and further
 * appends do nothing (the caller checks once, at the end). Free p. */
typedef struct sbuf {
    char *p;
    size_t n, cap;
    bool failed;
} sbuf;

void sb_put(sbuf *b, const char *s, size_t len);
void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends text HTML-escaped (& < > " '). */
void sb_esc(sbuf *b, const char *text);
/* Appends data as base64 (for data: URIs). */
void sb_base64(sbuf *b, const uint8_t *data, size_t len);

#endif
