/* The resident record: the demographics exactly as printed on the KTP-el.
 *
 * Text fields are fixed-size UTF-8 arrays (no allocation); closed lists are enums whose
 * printed text comes from the *_name() functions. Limits are in characters (Unicode code
 * points); "letters" are A-Z, a-z and the Latin letters U+00C0..U+024F (not U+00D7 x,
 * U+00F7 ÷), so that foreign residents' names with accents fit. Every text field must be
 * well-formed UTF-8, must not start or end with a space, and must not hold two spaces in a
 * row.
 *
 *   field            card label          limit and allowed characters
 *   provinsi         PROVINSI            1..40  letters, space . - '
 *   kabupaten        KABUPATEN/KOTA      1..40  letters, space . - '
 *   nik              NIK                 16 ASCII digits (checked in full by nik.h)
 *   nama             Nama                1..60  letters, space ' - . ,
 *   tempat_lahir     Tempat/Tgl Lahir    1..40  letters, space . - '
 *   tanggal_lahir                        a real date, not after the reference date
 *   jenis_kelamin    Jenis Kelamin       LAKI-LAKI | PEREMPUAN
 *   golongan_darah   Gol. Darah          A, B, AB, O, optionally followed by + or -; or "-"
 *   alamat           Alamat              1..100 letters, digits, space . , - / ' ( ) # :
 *   rt, rw           RT/RW               3 ASCII digits each, not 000
 *   kel_desa         Kel/Desa            1..40  letters, digits, space . - ' ( ) /
 *   kecamatan        Kecamatan           1..40  letters, digits, space . - ' ( ) /
 *   agama            Agama               ISLAM | KRISTEN | KATHOLIK | HINDU | BUDHA |
 *                                        KHONGHUCU | KEPERCAYAAN TERHADAP TUHAN YME
 *   status_perkawinan Status Perkawinan  BELUM KAWIN | KAWIN | CERAI HIDUP | CERAI MATI
 *   pekerjaan        Pekerjaan           1..40  letters, space . , - / ( )
 *   kewarganegaraan  Kewarganegaraan     WNI | WNA
 *   berlaku_hingga   Berlaku Hingga      SEUMUR HIDUP for WNI; for WNA the end date of the
 *                                        ITAP (izin tinggal tetap), which is required
 *
 * Text is compared as written: the card prints capitals, but the record does not insist.
 */
#ifndef KTPEL_RESIDENT_H
#define KTPEL_RESIDENT_H

#include <stdbool.h>
#include <stddef.h>

#include "ktpel/date.h"
#include "ktpel/error.h"
#include "ktpel/nik.h"
#include "ktpel/region.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Limits in characters; arrays hold up to 4 bytes per character plus the NUL. */
#define KTPEL_PROVINSI_MAX      40
#define KTPEL_KABUPATEN_MAX     40
#define KTPEL_NAMA_MAX          60
#define KTPEL_TEMPAT_LAHIR_MAX  40
#define KTPEL_ALAMAT_MAX        100
#define KTPEL_KEL_DESA_MAX      40
#define KTPEL_KECAMATAN_MAX     40
#define KTPEL_PEKERJAAN_MAX     40
#define KTPEL_TEXT_BYTES(chars) ((chars)*4 + 1)

typedef enum ktpel_religion {
    KTPEL_RELIGION_UNSET = 0,
    KTPEL_RELIGION_ISLAM,
    KTPEL_RELIGION_KRISTEN,
    KTPEL_RELIGION_KATHOLIK,
    KTPEL_RELIGION_HINDU,
    KTPEL_RELIGION_BUDHA,
    KTPEL_RELIGION_KHONGHUCU,
    KTPEL_RELIGION_KEPERCAYAAN, /* KEPERCAYAAN TERHADAP TUHAN YME */
    KTPEL_RELIGION_COUNT
} ktpel_religion;

typedef enum ktpel_marital {
    KTPEL_MARITAL_UNSET = 0,
    KTPEL_MARITAL_BELUM_KAWIN,
    KTPEL_MARITAL_KAWIN,
    KTPEL_MARITAL_CERAI_HIDUP,
    KTPEL_MARITAL_CERAI_MATI,
    KTPEL_MARITAL_COUNT
} ktpel_marital;

typedef enum ktpel_citizenship {
    KTPEL_CITIZEN_UNSET = 0,
    KTPEL_CITIZEN_WNI,
    KTPEL_CITIZEN_WNA,
} ktpel_citizenship;

typedef struct ktpel_resident {
    char provinsi[KTPEL_TEXT_BYTES(KTPEL_PROVINSI_MAX)];
    char kabupaten[KTPEL_TEXT_BYTES(KTPEL_KABUPATEN_MAX)];
    char nik[KTPEL_NIK_LEN + 1];
    char nama[KTPEL_TEXT_BYTES(KTPEL_NAMA_MAX)];
    char tempat_lahir[KTPEL_TEXT_BYTES(KTPEL_TEMPAT_LAHIR_MAX)];
    ktpel_date tanggal_lahir;
    ktpel_sex jenis_kelamin;
    char golongan_darah[4];
    char alamat[KTPEL_TEXT_BYTES(KTPEL_ALAMAT_MAX)];
    char rt[4];
    char rw[4];
    char kel_desa[KTPEL_TEXT_BYTES(KTPEL_KEL_DESA_MAX)];
    char kecamatan[KTPEL_TEXT_BYTES(KTPEL_KECAMATAN_MAX)];
    ktpel_religion agama;
    ktpel_marital status_perkawinan;
    char pekerjaan[KTPEL_TEXT_BYTES(KTPEL_PEKERJAAN_MAX)];
    ktpel_citizenship kewarganegaraan;
    bool seumur_hidup;         /* Berlaku Hingga: SEUMUR HIDUP */
    ktpel_date berlaku_hingga; /* when not seumur_hidup: the ITAP's end date */
} ktpel_resident;

/* Field names, as used in messages and as keys of the application file. */
#define KTPEL_FIELD_COUNT 17
/* The i-th field name in card order (0..KTPEL_FIELD_COUNT-1): "provinsi" .. "berlaku_hingga";
 * RT and RW are one field "rt_rw". NULL when out of range. */
const char *ktpel_resident_field_name(size_t i);

/* Sets one field from its printed text and checks that field alone (form, length,
 * characters, UTF-8). Dates take YYYY-MM-DD or DD-MM-YYYY; "rt_rw" takes "001/002";
 * "berlaku_hingga" takes "SEUMUR HIDUP" or a date. Messages name the field and value:
 * "nama: character 5 '7' is not allowed (letters, space ' - . ,)". */
ktpel_err ktpel_resident_set_field(ktpel_resident *r, const char *field, const char *value,
                                   ktpel_errbuf *eb);

/* Checks every field alone and then across fields: the NIK in full against `regions` and
 * `reference` (the application date), the NIK's sex and birth date against jenis_kelamin
 * and tanggal_lahir, provinsi and kabupaten against the names of the NIK's region codes
 * (compared without case, "PROVINSI " dropped, "KAB." read as "KABUPATEN", "ADM." as
 * "ADMINISTRASI", and a kabupaten written without "KABUPATEN"/"KOTA" accepted), and
 * berlaku_hingga against kewarganegaraan. Returns the FIRST failing field, in card order,
 * with a message "FIELD: ..."; *failed_field (if not NULL) gets its name. */
ktpel_err ktpel_resident_validate(const ktpel_resident *r, const ktpel_regions *regions,
                                  ktpel_date reference, const char **failed_field,
                                  ktpel_errbuf *eb);

/* Called once for every failing field, in card order. */
typedef void (*ktpel_field_error_fn)(void *ctx, const char *field, const ktpel_errbuf *error);

/* Like ktpel_resident_validate but reports every failing field; returns their number. */
size_t ktpel_resident_validate_all(const ktpel_resident *r, const ktpel_regions *regions,
                                   ktpel_date reference, ktpel_field_error_fn fn, void *ctx);

/* Printed text of the closed lists, and parsing from it (exact, as printed). */
const char *ktpel_religion_name(ktpel_religion religion);
const char *ktpel_marital_name(ktpel_marital status);
const char *ktpel_citizenship_name(ktpel_citizenship citizenship);
ktpel_err ktpel_religion_parse(const char *text, ktpel_religion *out, ktpel_errbuf *eb);
ktpel_err ktpel_marital_parse(const char *text, ktpel_marital *out, ktpel_errbuf *eb);
ktpel_err ktpel_citizenship_parse(const char *text, ktpel_citizenship *out, ktpel_errbuf *eb);
ktpel_err ktpel_sex_parse(const char *text, ktpel_sex *out, ktpel_errbuf *eb);

/* True if a region's name as written in a record matches the name in the region list
 * (rules above). `regency` selects the kabupaten rules. */
bool ktpel_region_name_matches(const char *written, const char *listed, bool regency);

#ifdef __cplusplus
}
#endif

#endif
