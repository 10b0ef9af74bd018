/* The data center's import of the kecamatan desk's receipts (include/ktpel/cards.h): status
 * handed_over or returned_for_destruction, idempotent by the SHA-256 of each entry's line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ktpel/audit.h"
#include "ktpel/cards.h"
#include "ktpel/pki.h"

#include "cards_internal.h"
#include "store_internal.h"

#define RECEIPT_KEY 33 /* 'r' + SHA-256 of the line */

/* Cuts s to at most max bytes without splitting a UTF-8 sequence. */
static void utf8_cut(char *s, size_t max)
{
    size_t n = strlen(s);
    if (n <= max)
        return;
    while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
        max--;
    s[max] = '\0';
}

static ktpel_err entry_key(const ktpel_receipt_entry *e, uint8_t key[RECEIPT_KEY], ktpel_errbuf *eb)
{
    char line[KTPEL_RECEIPT_LINE_MAX + 1];
    size_t len = 0;
    ktpel_err err = ktpel_receipt_format_entry(e, line, sizeof line, &len, eb);
    if (err)
        return err;
    key[0] = 'r';
    ktpel_pki_sha256(line, len, key + 1);
    return KTPEL_OK;
}

/* Records the card's outcome in its record. */
static ktpel_err set_outcome(ktpel_store *s, MDB_txn *txn, ktpel_card_record *c,
                             const uint8_t *chip, ktpel_status outcome, int64_t time,
                             ktpel_errbuf *eb)
{
    uint8_t *copy = malloc(c->chip_len);
    if (!copy)
        return ktpel_fail(eb, KTPEL_ENOMEM, "receipts: out of memory");
    memcpy(copy, chip, c->chip_len);
    c->outcome = outcome;
    c->outcome_time = time;
    ktpel_err err = dc_card_put(s, txn, c, copy, eb);
    free(copy);
    return err;
}

static ktpel_err apply_entry(ktpel_store *s, MDB_txn *txn, const ktpel_receipt_entry *e,
                             ktpel_receipt_import_stats *st, ktpel_errbuf *eb)
{
    ktpel_card_record c;
    const uint8_t *chip = NULL;
    ktpel_status now;
    ktpel_err err = dc_card_current(s, txn, e->nik, &c, &chip, eb);
    if (!err)
        err = dc_status_now(s, txn, e->nik, &now, eb);
    if (err)
        return err;
    if (now != KTPEL_STATUS_SHIPPED)
        return ktpel_fail(eb, KTPEL_ETRANSITION,
                          "NIK %s: card %s is not waiting at a desk (status %s)", e->nik,
                          c.register_no, ktpel_status_id(now));
    bool same_chip = memcmp(c.chip_sha256, e->chip_sha256, 32) == 0;
    char reason[512];
    snprintf(reason, sizeof reason, "desk %s, card %s: %s: %s", e->desk, c.register_no,
             ktpel_desk_code_id(e->code), e->reason);
    utf8_cut(reason, KTPEL_STATUS_REASON_MAX);
    switch (e->outcome) {
    case KTPEL_RECEIPT_HANDED_OVER:
        if (!same_chip)
            return ktpel_fail(eb, KTPEL_ETAMPERED,
                              "NIK %s: the chip handed over is not card %s as issued (SHA-256 "
                              "differs)",
                              e->nik, c.register_no);
        err = dc_status_change(s, txn, e->nik, KTPEL_STATUS_HANDED_OVER, e->time, e->desk, reason,
                               eb);
        if (!err)
            err = set_outcome(s, txn, &c, chip, KTPEL_STATUS_HANDED_OVER, e->time, eb);
        st->handed_over += !err;
        return err;
    case KTPEL_RECEIPT_RETURNED:
        err = dc_status_change(s, txn, e->nik, KTPEL_STATUS_RETURNED_FOR_DESTRUCTION, e->time,
                               e->desk, reason, eb);
        if (!err)
            err = set_outcome(s, txn, &c, chip, KTPEL_STATUS_RETURNED_FOR_DESTRUCTION, e->time, eb);
        st->returned += !err;
        return err;
    case KTPEL_RECEIPT_REFUSED:
        err = dc_audit_append(s, txn, KTPEL_AUDIT_DECISION, e->time, e->desk, e->nik, reason, eb);
        st->refused += !err;
        return err;
    }
    return ktpel_fail(eb, KTPEL_EINVAL, "receipt entry: unknown outcome %d", (int)e->outcome);
}

static ktpel_err import_in(ktpel_store *s, MDB_txn *txn, const ktpel_receipt *r, int64_t time,
                           ktpel_receipt_import_stats *st, ktpel_errbuf *eb)
{
    for (size_t i = 0; i < r->count; i++) {
        const ktpel_receipt_entry *e = &r->entries[i];
        uint8_t key[RECEIPT_KEY], value[8];
        ktpel_err err = entry_key(e, key, eb);
        MDB_val k = {sizeof key, key}, v;
        int rc = err ? 0 : mdb_get(txn, s->cards, &k, &v);
        if (!err && rc == 0) {
            st->already++;
            continue;
        }
        if (!err && rc != MDB_NOTFOUND)
            err = dc_mdb_fail(eb, rc, "read receipts");
        if (!err)
            err = apply_entry(s, txn, e, st, eb);
        dc_put_be64(value, (uint64_t)time);
        v = (MDB_val){sizeof value, value};
        if (!err && (rc = mdb_put(txn, s->cards, &k, &v, 0)))
            err = dc_mdb_fail(eb, rc, "write receipt key");
        if (err) {
            ktpel_fail_context(eb, "receipt entry %zu (line %zu): ", i + 1, i + 2);
            return err;
        }
    }
    return KTPEL_OK;
}

ktpel_err ktpel_receipts_import(ktpel_store *s, const ktpel_receipt *r, int64_t time,
                                const char *actor, ktpel_receipt_import_stats *st, ktpel_errbuf *eb)
{
    ktpel_receipt_import_stats local;
    if (!st)
        st = &local;
    memset(st, 0, sizeof *st);
    if (!s || !r)
        return ktpel_fail(eb, KTPEL_EINVAL, "ktpel_receipts_import: NULL argument");
    actor = actor ? actor : "receipts";
    ktpel_err err = ktpel_status_actor_validate(actor, eb);
    MDB_txn *txn;
    if (err || (err = dc_txn_begin(s, true, &txn, eb)))
        return err;
    st->entries = r->count;
    err = import_in(s, txn, r, time, st, eb);
    size_t applied = st->handed_over + st->returned + st->refused;
    if (!err && applied) {
        char text[160];
        snprintf(text, sizeof text,
                 "receipt imported: %zu entries, %zu handed over, %zu returned, %zu refused, "
                 "%zu already imported",
                 st->entries, st->handed_over, st->returned, st->refused, st->already);
        err = dc_audit_append(s, txn, KTPEL_AUDIT_DECISION, time, actor, NULL, text, eb);
    }
    if (err) {
        mdb_txn_abort(txn);
        ktpel_receipt_import_stats zero = {.entries = r->count};
        *st = zero;
        return err;
    }
    return applied ? dc_txn_commit(txn, eb) : (mdb_txn_abort(txn), KTPEL_OK);
}
