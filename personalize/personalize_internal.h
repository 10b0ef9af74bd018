/* Internals of the personalisation run shared by personalize.c and shipment.c
 * (personalize/ only). */
#ifndef KTPEL_PERSONALIZE_INTERNAL_H
#define KTPEL_PERSONALIZE_INTERNAL_H

#include "ktpel/application.h"
#include "ktpel/image.h"
#include "ktpel/personalize.h"
#include "ktpel/region.h"

typedef struct perso_run {
    ktpel_store *store;
    const ktpel_personalize_options *opt;
    ktpel_regions *regions;
    int64_t time;
    ktpel_date issue_date;
    size_t batch;
    const char *actor;
} perso_run;

/* A resident as the card needs it. */
typedef struct perso_resident {
    ktpel_application *app;
    ktpel_image photo, signature;
} perso_resident;

void perso_resident_clear(perso_resident *p);
/* The stored record of nik (p->app). */
ktpel_err perso_load_record(ktpel_store *s, const char *nik, perso_resident *p, ktpel_errbuf *eb);
/* The record, the face photo (RGB) and the signature (grey) of nik. */
ktpel_err perso_load_print(ktpel_store *s, const char *nik, perso_resident *p, ktpel_errbuf *eb);

void perso_emit(const perso_run *run, ktpel_personalize_event_kind kind, const char *nik,
                const ktpel_card_record *card, const char *path, size_t count, const char *message);
/* OUT/cards/REGISTER.EXT */
void perso_card_path(const perso_run *run, const ktpel_card_record *c, const char *ext, char *buf,
                     size_t size);

/* Puts the personalised cards into shipments, writes the lists, moves them to shipped
 * (shipment.c). */
ktpel_err perso_ship(perso_run *run, ktpel_personalize_stats *st, ktpel_errbuf *eb);

#endif
