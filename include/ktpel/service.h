/* Front-desk service rules for the KTP-el, after the Dukcapil service standards:
 * which documents each service needs, who may apply, late-reporting fines, and the queue
 * class of an application.
 *
 *   service          id            requirements
 *   NEW              baru          kk                                    (17+ or married)
 *   CHANGE           perubahan     kk, ktp_el_lama, bukti_perubahan
 *   REPLACE_DAMAGED  ganti_rusak   kk, ktp_el_rusak
 *   REPLACE_LOST     ganti_hilang  kk, surat_kehilangan
 *   WNA_ITAP         wna_itap      kk, paspor, itap                      (17+ or married)
 *
 * Fines (rupiah):
 *   25.000     NEW: reported more than 30 days after the event, the earlier of the 17th
 *              birthday and the marriage date; CHANGE of marital status: more than 30 days
 *              after the marriage. Day 30 after the event is free, day 31 is fined.
 *   1.000.000  WNA_ITAP renewal: applied later than 30 days before the current ITAP ends
 *              (30 days before is free, 29 days before is fined).
 *   A first WNA_ITAP card has no deadline here (no rule in the standards we follow).
 * A 17th birthday of someone born on 29 February is 1 March in a common year.
 *
 * Queue: priority for the elderly (lansia: 60 or older on the application date), nursing
 * mothers (ibu menyusui) and residents with disabilities (disabilitas), the last two as
 * declared in the application; regular otherwise.
 */
#ifndef KTPEL_SERVICE_H
#define KTPEL_SERVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ktpel/date.h"
#include "ktpel/error.h"
#include "ktpel/nik.h"
#include "ktpel/resident.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum ktpel_service {
    KTPEL_SERVICE_NONE = 0,
    KTPEL_SERVICE_NEW,
    KTPEL_SERVICE_CHANGE,
    KTPEL_SERVICE_REPLACE_DAMAGED,
    KTPEL_SERVICE_REPLACE_LOST,
    KTPEL_SERVICE_WNA_ITAP,
    KTPEL_SERVICE_COUNT
} ktpel_service;

typedef enum ktpel_requirement {
    KTPEL_REQ_KK = 0,        /* kk */
    KTPEL_REQ_OLD_CARD,      /* ktp_el_lama */
    KTPEL_REQ_CHANGE_PROOF,  /* bukti_perubahan */
    KTPEL_REQ_DAMAGED_CARD,  /* ktp_el_rusak */
    KTPEL_REQ_POLICE_LETTER, /* surat_kehilangan */
    KTPEL_REQ_PASSPORT,      /* paspor */
    KTPEL_REQ_ITAP,          /* itap */
    KTPEL_REQ_COUNT
} ktpel_requirement;

/* A set of requirements: bit (1u << ktpel_requirement). */
typedef unsigned ktpel_requirement_set;
#define KTPEL_REQ_BIT(req) (1u << (unsigned)(req))

typedef struct ktpel_requirement_info {
    ktpel_requirement id;
    const char *key;      /* "surat_kehilangan", as in the application file */
    const char *label_id; /* "surat keterangan kehilangan dari kepolisian" */
    const char *label_en; /* "police letter of loss" */
} ktpel_requirement_info;

/* What changes in a CHANGE application; only a marriage starts a fine deadline. */
typedef enum ktpel_change {
    KTPEL_CHANGE_NONE = 0,
    KTPEL_CHANGE_MARRIAGE, /* perkawinan */
    KTPEL_CHANGE_OTHER,    /* lainnya: name, address, religion, occupation, ... */
} ktpel_change;

enum {
    KTPEL_PRIORITY_ELDERLY = 1u << 0,    /* lansia */
    KTPEL_PRIORITY_NURSING = 1u << 1,    /* ibu_menyusui */
    KTPEL_PRIORITY_DISABILITY = 1u << 2, /* disabilitas */
};

typedef enum ktpel_queue_class {
    KTPEL_QUEUE_REGULAR = 0,
    KTPEL_QUEUE_PRIORITY,
} ktpel_queue_class;

/* The facts of an application that the rules look at. */
typedef struct ktpel_service_request {
    ktpel_service service;
    ktpel_date application_date;
    ktpel_date birth;
    ktpel_sex sex;
    ktpel_marital marital;
    bool has_marriage_date;
    ktpel_date marriage_date;
    ktpel_change change;        /* CHANGE only */
    bool has_previous_itap_end; /* WNA_ITAP renewal: the current ITAP's end */
    ktpel_date previous_itap_end;
    ktpel_requirement_set documents; /* brought to the desk */
    unsigned priority_declared;      /* KTPEL_PRIORITY_* as declared */
} ktpel_service_request;

typedef enum ktpel_fine_rule {
    KTPEL_FINE_NONE = 0,     /* no deadline applies */
    KTPEL_FINE_AGE17,        /* first KTP-el: 30 days after the 17th birthday */
    KTPEL_FINE_MARRIAGE,     /* first KTP-el or change: 30 days after the marriage */
    KTPEL_FINE_ITAP_RENEWAL, /* WNA: 30 days before the ITAP ends */
} ktpel_fine_rule;

#define KTPEL_FINE_LATE_REPORT_RP  25000LL
#define KTPEL_FINE_ITAP_RENEWAL_RP 1000000LL
#define KTPEL_FINE_DAYS            30

typedef struct ktpel_fine {
    long long amount_rp;  /* 0 when free */
    ktpel_fine_rule rule; /* the deadline that applies (even when met) */
    ktpel_date event;     /* 17th birthday, marriage, or the ITAP's end */
    ktpel_date deadline;  /* last day without a fine */
    int64_t days_late;    /* days after the deadline; 0 when on time */
} ktpel_fine;

/* "baru", "perubahan", ... ("?" when out of range) and parsing from those ids. */
const char *ktpel_service_id(ktpel_service service);
/* English name: "new KTP-el", "change of data", ... */
const char *ktpel_service_label(ktpel_service service);
ktpel_err ktpel_service_parse(const char *id, ktpel_service *out, ktpel_errbuf *eb);

/* Id and labels of a requirement; NULL when out of range. */
const ktpel_requirement_info *ktpel_requirement_get(ktpel_requirement req);
ktpel_err ktpel_requirement_parse(const char *key, ktpel_requirement *out, ktpel_errbuf *eb);

/* "perkawinan" / "lainnya". */
const char *ktpel_change_id(ktpel_change change);
ktpel_err ktpel_change_parse(const char *id, ktpel_change *out, ktpel_errbuf *eb);

/* "lansia", "ibu_menyusui", "disabilitas" for one KTPEL_PRIORITY_* bit. */
const char *ktpel_priority_id(unsigned bit);
ktpel_err ktpel_priority_parse(const char *id, unsigned *bit, ktpel_errbuf *eb);

/* The documents a service needs. */
ktpel_requirement_set ktpel_service_requirements(ktpel_service service);
/* Writes the missing requirements (in table order) to missing[] (room for KTPEL_REQ_COUNT)
 * and returns how many there are. */
size_t ktpel_service_missing(ktpel_service service, ktpel_requirement_set provided,
                             ktpel_requirement *missing);
/* KTPEL_EREQUIREMENT naming the first missing document, in Indonesian and English. */
ktpel_err ktpel_service_check_requirements(ktpel_service service, ktpel_requirement_set provided,
                                           ktpel_errbuf *eb);

/* NEW and WNA_ITAP: 17 or older on the application date, or married (status not BELUM
 * KAWIN, with a marriage date not after the application date). Also rejects a marriage
 * date before the birth date or after the application date for every service. */
ktpel_err ktpel_service_check_eligibility(const ktpel_service_request *req, ktpel_errbuf *eb);

/* The fine, the rule and its deadline. Fails (KTPEL_EFIELD) when a fact the rule needs is
 * missing: a CHANGE of marital status without a marriage date. */
ktpel_err ktpel_service_fine(const ktpel_service_request *req, ktpel_fine *out, ktpel_errbuf *eb);
/* English explanation of a rule, without the amount: "first KTP-el reported more than 30 days
 * after the 17th birthday". */
const char *ktpel_fine_rule_text(ktpel_fine_rule rule);

/* The queue class; *reasons (if not NULL) gets the KTPEL_PRIORITY_* bits that apply: elderly
 * from the age, nursing and disability from the declaration. */
ktpel_queue_class ktpel_service_queue_class(const ktpel_service_request *req, unsigned *reasons);
/* Rejects declarations that the record contradicts: lansia under 60, ibu_menyusui for a man. */
ktpel_err ktpel_service_check_priority(const ktpel_service_request *req, ktpel_errbuf *eb);

#ifdef __cplusplus
}
#endif

#endif
