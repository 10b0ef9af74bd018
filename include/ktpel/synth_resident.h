/* Synthetic residents: KTP-el applications of people who do not exist, for the demo, the tests
 * and measurements at scale.
 *
 * A population is a seed, a number of persons (real humans) and a number of identities
 * (records). Identity k < persons is person k's own record; identities from `persons` on are
 * planted duplicates: a person who enrols a second time under another name, NIK and KK
 * number. Everything is drawn from ktpel_rng sub-streams of (seed, stream, index), so that any
 * record can be generated alone, in any order or thread, and the same arguments give the same
 * bytes on every machine.
 *
 * Who: a person has a sex and a birth date (kept by a duplicate's claimed identity within a
 * couple of years, so that the face still fits). A record adds a home in one of the regencies
 * of the service standards (Kab. Dharmasraya 13.10, Kab. Magetan 35.20, Kab. Sintang 61.05;
 * district codes as in the Kemendagri list, village names plausible but not an official
 * list), an ethnic background that fits the regency (Minangkabau, Javanese, Sundanese, Batak,
 * Dayak, Malay, Chinese-Indonesian, Christian families from eastern Indonesia), a name,
 * religion, place of birth, address with RT/RW, marital status, occupation, blood group; and
 * a small share of foreign residents (WNA) with an ITAP.
 *
 * Numbers: the NIK holds the record's district, birth date (+40 on the day for women) and a
 * serial; the KK number the same district, an issue date and a serial. District and serial
 * come from a bijection of k onto (district, serial) pairs (an affine permutation modulo
 * KTPEL_SYNTH_MAX_IDENTITIES chosen by the seed), so no two identities of a population can
 * share a NIK or a KK number, whatever their birth dates, and yet both look random.
 *
 * The application: WNI residents apply for a new card (layanan baru) with their KK; foreign
 * residents for a card with ITAP (layanan wna_itap) with KK, passport and ITAP. Ages are 17 and
 * up on the application date, so every record passes ktpel_resident_validate and
 * ktpel_application_check with can_proceed (a late first card is fined, as the rules say).
 */
#ifndef KTPEL_SYNTH_RESIDENT_H
#define KTPEL_SYNTH_RESIDENT_H

#include <stddef.h>
#include <stdint.h>

#include "ktpel/application.h"
#include "ktpel/date.h"
#include "ktpel/error.h"
#include "ktpel/nik.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Number of (district, serial) pairs: 43 districts x 9999 serials. A population holds at
 * most this many identities (persons plus duplicates). */
#define KTPEL_SYNTH_MAX_IDENTITIES (43ull * 9999ull)

/* Application date used when the caller gives none (all dates derive from it, never from the
 * clock, so that the output does not change from one day to the next). */
#define KTPEL_SYNTH_DEFAULT_YEAR  2025
#define KTPEL_SYNTH_DEFAULT_MONTH 6
#define KTPEL_SYNTH_DEFAULT_DAY   30

/* First element of every rng path of this module, apart from other modalities' streams. */
#define KTPEL_SYNTH_RESIDENT_STREAM 0x52455349u /* "RESI" */

typedef enum ktpel_synth_ethnicity {
    KTPEL_SYNTH_JAVANESE = 0,
    KTPEL_SYNTH_SUNDANESE,
    KTPEL_SYNTH_MINANG,
    KTPEL_SYNTH_BATAK,
    KTPEL_SYNTH_DAYAK,
    KTPEL_SYNTH_MALAY,
    KTPEL_SYNTH_CHINESE,
    KTPEL_SYNTH_EASTERN, /* Christian families from Manado, Ambon, Flores */
    KTPEL_SYNTH_FOREIGN, /* WNA */
    KTPEL_SYNTH_ETHNICITY_COUNT
} ktpel_synth_ethnicity;

/* "javanese", "sundanese", "minang", "batak", "dayak", "malay", "chinese", "eastern",
 * "foreign"; "unknown" otherwise. */
const char *ktpel_synth_ethnicity_name(ktpel_synth_ethnicity e);

/* A real human of the population: what all their enrolments share. */
typedef struct ktpel_synth_person {
    uint64_t person;   /* index, 0..persons-1 */
    ktpel_sex sex;     /* KTPEL_SEX_MALE or KTPEL_SEX_FEMALE */
    ktpel_date birth;  /* true birth date */
    double appearance; /* 0..1, a person-level draw the face generator may use */
} ktpel_synth_person;

/* What the population shares. */
typedef struct ktpel_synth_population {
    uint64_t seed;
    uint64_t persons;    /* real humans, >= 1 */
    uint64_t identities; /* persons + planted duplicates, <= KTPEL_SYNTH_MAX_IDENTITIES */
    ktpel_date date;     /* latest application date; applications fall in the 180 days up to it */
    double wna_share;    /* share of records of foreign residents, 0..1 (default 0.02) */
} ktpel_synth_population;

/* Fills p with defaults: date KTPEL_SYNTH_DEFAULT_*, wna_share 0.02, identities = persons. */
void ktpel_synth_population_init(ktpel_synth_population *p, uint64_t seed, uint64_t persons);

/* Checks a population's fields (counts, date, share); KTPEL_EINVAL naming the field. */
ktpel_err ktpel_synth_population_check(const ktpel_synth_population *p, ktpel_errbuf *eb);

/* The person `person` of the population. */
ktpel_err ktpel_synth_person_make(const ktpel_synth_population *p, uint64_t person,
                                  ktpel_synth_person *out, ktpel_errbuf *eb);

/* The record of identity k (0..identities-1) claimed by person `who`: for k < persons, who
 * must be person k; for a duplicate, any person (the one who enrols again). A duplicate's
 * record has the person's sex, a birth date 30..730 days from the real one (earlier when a
 * later one would make them younger than 17), an application date in the last 180 days, and
 * is always a WNI. The whole application is filled, with `source` set to "synth:K".
 * ethnicity (may be NULL) receives the background the name was drawn from. */
ktpel_err ktpel_synth_resident_make(const ktpel_synth_population *p, uint64_t k,
                                    const ktpel_synth_person *who, ktpel_application *out,
                                    ktpel_synth_ethnicity *ethnicity, ktpel_errbuf *eb);

/* One enrolment of a population: a record of a human. */
typedef struct ktpel_synth_enrolment {
    uint64_t identity; /* the record: ktpel_synth_resident_make(k = identity) */
    uint64_t person;   /* the human */
    int64_t original;  /* a planted duplicate: index of the person's first enrolment; else -1 */
} ktpel_synth_enrolment;

/* The enrolment order of a population: a malloc'd array of p->identities enrolments (free()
 * it). Each person enrols once in person order (identity = person); the identities - persons
 * planted duplicates are distinct persons drawn from the seed, each enrolling again at a
 * random later place, so a duplicate always comes after its original. */
ktpel_err ktpel_synth_enrolments(const ktpel_synth_population *p, ktpel_synth_enrolment **out,
                                 ktpel_errbuf *eb);

/* Writes an application as the text of docs/application-format.md (keys in file order,
 * values as printed on the card, optional keys only when present), preceded by the comment
 * lines of `comment` (may be NULL; each line gets "# "). Into buf of size bytes; *len (may be
 * NULL) gets the length without the NUL. KTPEL_ETOOBIG when buf is too small. */
ktpel_err ktpel_synth_application_format(const ktpel_application *app, const char *comment,
                                         char *buf, size_t size, size_t *len, ktpel_errbuf *eb);

#ifdef __cplusplus
}
#endif

#endif
