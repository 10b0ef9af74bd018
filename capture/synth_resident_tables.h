/* Internal to capture/: the word lists of the resident synthesis (names, places, occupations),
 * kept apart from the logic in synth_resident.c. All tables are static const. */
#ifndef KTPEL_SYNTH_RESIDENT_TABLES_H
#define KTPEL_SYNTH_RESIDENT_TABLES_H

#include <stddef.h>

#include "ktpel/synth_resident.h"

/* A list of words with its length. */
typedef struct word_list {
    const char *const *words;
    size_t count;
} word_list;

#define WORDS(array)                                                                               \
    {                                                                                              \
        array, sizeof array / sizeof array[0]                                                      \
    }

/* One kecamatan of a regency of the service standards. */
typedef struct synth_district {
    int province, regency, district; /* Kemendagri code */
    const char *name;                /* as printed in the record */
    word_list villages;              /* plausible kelurahan/desa names, not an official list */
} synth_district;

/* One regency with its people. */
typedef struct synth_regency {
    int province, regency;
    const char *provinsi;  /* as printed on the card */
    const char *kabupaten; /* as printed on the card */
    word_list towns;       /* places of birth of people born there */
    word_list streets;     /* street names for addresses */
    const char *hamlet;    /* word for a hamlet in addresses: JORONG, DUSUN */
    word_list hamlets;
    /* Weight of each ethnicity (per mille) among WNI residents of the regency. */
    int ethnic_weight[KTPEL_SYNTH_ETHNICITY_COUNT];
} synth_regency;

/* Names and places of an ethnic background. */
typedef struct synth_ethnic {
    word_list male_muslim, female_muslim;       /* given names (Muslim families) */
    word_list male_christian, female_christian; /* given names (Christian families) */
    word_list male_other, female_other;         /* given names (other religions) */
    word_list family;                           /* family names or second names; may be empty */
    int family_share;                           /* per mille of names with a family name */
    word_list birthplaces;                      /* places of birth away from home */
    /* Religion weights (per mille) in ktpel_religion order from ISLAM. */
    int religion_weight[KTPEL_RELIGION_COUNT - 1];
} synth_ethnic;

/* A foreign resident's country: names and places of birth. */
typedef enum name_order {
    GIVEN_FAMILY,   /* JOHANNES VAN DER BERG */
    FAMILY_GIVEN,   /* TANAKA HIROSHI */
    GIVEN_PATRONYM, /* MOHD FAIZAL BIN ISMAIL, NUR AISYAH BINTI HASSAN */
} name_order;

typedef struct synth_nationality {
    word_list male, female, family, birthplaces;
    name_order order;
    int religion_weight[KTPEL_RELIGION_COUNT - 1];
} synth_nationality;

extern const synth_nationality synth_nationalities[];
extern const size_t synth_nationality_count;

extern const synth_district synth_districts[];
extern const size_t synth_district_count;
extern const synth_regency synth_regencies[];
extern const size_t synth_regency_count;
extern const synth_ethnic synth_ethnics[KTPEL_SYNTH_ETHNICITY_COUNT];

/* Occupations (as printed) by kind of life. */
extern const word_list synth_jobs_young, synth_jobs_adult, synth_jobs_home, synth_jobs_old,
    synth_jobs_foreign;

#endif
