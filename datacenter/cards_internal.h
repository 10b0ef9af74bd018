/* Internals of the cards database shared by cards.c and receipts_import.c (datacenter/ only).
 * Layout: docs/store.md. */
#ifndef KTPEL_DC_CARDS_INTERNAL_H
#define KTPEL_DC_CARDS_INTERNAL_H

#include <lmdb.h>
#include <stdint.h>

#include "ktpel/cards.h"
#include "ktpel/error.h"
#include "ktpel/store.h"

/* 'c' + NIK + issue number. */
#define DC_CARD_KEY (1 + KTPEL_NIK_LEN + 1)

void dc_card_key(uint8_t key[DC_CARD_KEY], const char *nik, int issue);
ktpel_err dc_card_encode(const ktpel_card_record *c, const uint8_t *chip, uint8_t **out,
                         size_t *len, ktpel_errbuf *eb);
/* *chip (may be NULL) points into v. */
ktpel_err dc_card_decode(const MDB_val *k, const MDB_val *v, ktpel_card_record *c,
                         const uint8_t **chip, ktpel_errbuf *eb);
/* nik's current card inside txn (KTPEL_ENOTFOUND when none); *chip points into the map. */
ktpel_err dc_card_current(ktpel_store *s, MDB_txn *txn, const char *nik, ktpel_card_record *c,
                          const uint8_t **chip, ktpel_errbuf *eb);
ktpel_err dc_card_put(ktpel_store *s, MDB_txn *txn, const ktpel_card_record *c, const uint8_t *chip,
                      ktpel_errbuf *eb);
/* The current status of nik inside txn. */
ktpel_err dc_status_now(ktpel_store *s, MDB_txn *txn, const char *nik, ktpel_status *now,
                        ktpel_errbuf *eb);

#endif
