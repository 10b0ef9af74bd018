/* Indonesian administrative regions by Kemendagri code: province (2 digits), regency or
 * city (kabupaten/kota, "PP.RR"), district (kecamatan, "PP.RR.DD").
 *
 * The built-in table is a SELECTION, not the official list: all provinces (11 Aceh ..
 * 96 Papua Barat Daya), and a few regencies and cities (Kab. Dharmasraya 13.10,
 * Kab. Magetan 35.20, Kab. Sintang 61.05, and the capital cities of several provinces). It
 * holds no districts. The full official list (Kepmendagri on region codes) is loaded from
 * a CSV file with ktpel_regions_load_csv(); a NIK whose regency is not in the table is
 * rejected until that list is loaded.
 *
 * CSV format, one region per line, UTF-8:
 *     code,name
 *     13,SUMATERA BARAT
 *     13.10,KAB. DHARMASRAYA
 *     "13.10.01","Pulau Punjung"
 * - code: "PP", "PP.RR", "PP.RR.DD" or a 10-digit village code "PP.RR.DD.VVVV"; province
 *   11..99, regency and district 01..99. Village lines are checked and then ignored.
 * - Either field may be in double quotes ("" is a quote inside); spaces around unquoted
 *   fields are trimmed; a UTF-8 byte order mark, CRLF line ends and blank lines are
 *   accepted; the first line may be a header (its first field does not start with a digit).
 * - name: 1..KTPEL_REGION_NAME_MAX bytes of well-formed UTF-8 with no control characters.
 * - Limits: lines up to 1024 bytes, files up to 32 MiB.
 * A malformed line rejects the whole file (nothing is merged) with FILE:LINE and the value.
 * Loaded names replace built-in ones with the same code.
 *
 * A ktpel_regions object is read-only after loading, so lookups may run in many threads.
 */
#ifndef KTPEL_REGION_H
#define KTPEL_REGION_H

#include <stdbool.h>
#include <stddef.h>

#include "ktpel/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define KTPEL_REGION_NAME_MAX 95
#define KTPEL_REGION_LINE_MAX 1024
#define KTPEL_REGION_FILE_MAX (32u * 1024u * 1024u)

typedef struct ktpel_regions ktpel_regions;

/* A new region list holding the built-in selection. Free with ktpel_regions_free. */
ktpel_err ktpel_regions_create(ktpel_regions **out, ktpel_errbuf *eb);
/* A new, empty region list (tests, or when only the official list should count). */
ktpel_err ktpel_regions_create_empty(ktpel_regions **out, ktpel_errbuf *eb);
void ktpel_regions_free(ktpel_regions *regions);

/* Merges a CSV file into the list (see the format above); all or nothing. */
ktpel_err ktpel_regions_load_csv(ktpel_regions *regions, const char *path, ktpel_errbuf *eb);
/* The same from memory; source names the data in messages ("FILE:LINE"). */
ktpel_err ktpel_regions_load_csv_buffer(ktpel_regions *regions, const char *data, size_t len,
                                        const char *source, ktpel_errbuf *eb);

/* Names, or NULL when the code is not in the list. Codes are numbers: province 13,
 * regency 10, district 1 for 13.10.01. */
const char *ktpel_regions_province(const ktpel_regions *regions, int province);
const char *ktpel_regions_regency(const ktpel_regions *regions, int province, int regency);
const char *ktpel_regions_district(const ktpel_regions *regions, int province, int regency,
                                   int district);
/* True if the list holds any district of the regency: then it is taken as complete for
 * that regency, and a district missing from it does not exist. */
bool ktpel_regions_has_districts(const ktpel_regions *regions, int province, int regency);
/* Number of provinces, regencies and districts in the list. */
size_t ktpel_regions_count(const ktpel_regions *regions);

#ifdef __cplusplus
}
#endif

#endif
