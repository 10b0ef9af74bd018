/* A KTP-el application as brought to the front desk: a UTF-8 text file of `key: value`
 * lines (format in docs/application-format.md), parsed into a record plus the facts the
 * service rules need, and checked as a whole.
 */
#ifndef KTPEL_APPLICATION_H
#define KTPEL_APPLICATION_H

#include <stdbool.h>
#include <stddef.h>

#include "ktpel/error.h"
#include "ktpel/region.h"
#include "ktpel/resident.h"
#include "ktpel/service.h"

#ifdef __cplusplus
extern "C" {
#endif

#define KTPEL_APPLICATION_FILE_MAX  (64 * 1024) /* bytes */
#define KTPEL_APPLICATION_LINE_MAX  1024        /* bytes, without the line end */
#define KTPEL_APPLICATION_KEY_COUNT 25

typedef struct ktpel_application {
    ktpel_service service;         /* layanan */
    ktpel_date application_date;   /* tanggal_permohonan */
    char no_kk[KTPEL_NIK_LEN + 1]; /* no_kk */
    ktpel_resident resident;       /* the card's fields */
    bool has_marriage_date;        /* tanggal_kawin */
    ktpel_date marriage_date;
    ktpel_change change;        /* perubahan */
    bool has_previous_itap_end; /* itap_lama_berlaku_hingga */
    ktpel_date previous_itap_end;
    ktpel_requirement_set documents;        /* dokumen */
    unsigned priority_declared;             /* prioritas */
    char source[256];                       /* file name for messages */
    int lines[KTPEL_APPLICATION_KEY_COUNT]; /* line of each key, 0 when absent */
} ktpel_application;

/* Key names in file order ("layanan", ...); NULL when out of range. */
const char *ktpel_application_key(size_t i);

/* Parses an application from memory; `source` names it in messages ("FILE:LINE: key: ...").
 * Rejects: more than KTPEL_APPLICATION_FILE_MAX bytes, lines longer than
 * KTPEL_APPLICATION_LINE_MAX, NUL bytes, lines without "key:", unknown and repeated keys,
 * values that do not parse or fail their field's own check, and missing required keys. */
ktpel_err ktpel_application_parse(const char *data, size_t len, const char *source,
                                  ktpel_application *out, ktpel_errbuf *eb);
/* The same from a file. */
ktpel_err ktpel_application_load(const char *path, ktpel_application *out, ktpel_errbuf *eb);

typedef struct ktpel_application_result {
    bool record_valid;
    const char *record_field; /* first invalid field ("nik", "no_kk", ...) or NULL */
    char record_error[512];   /* "FILE:LINE: field: ..." */

    bool requirements_met;
    ktpel_requirement missing[KTPEL_REQ_COUNT];
    size_t missing_count;

    bool eligible;
    char eligibility_error[512];

    ktpel_fine fine;

    ktpel_queue_class queue;
    unsigned priority_reasons; /* KTPEL_PRIORITY_* that apply */
    bool priority_valid;
    char priority_error[512];

    bool can_proceed; /* record valid, requirements met, eligible, priority claims valid */
} ktpel_application_result;

/* Checks a parsed application against the region list: the record (first invalid field;
 * including the KK number), the documents, eligibility, the fine and the queue class.
 * Returns KTPEL_OK when the check ran; the verdicts are in *out. */
ktpel_err ktpel_application_check(const ktpel_application *app, const ktpel_regions *regions,
                                  ktpel_application_result *out, ktpel_errbuf *eb);

/* The facts of the application that the service rules take. */
ktpel_service_request ktpel_application_request(const ktpel_application *app);

#ifdef __cplusplus
}
#endif

#endif
