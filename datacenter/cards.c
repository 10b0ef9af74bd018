/* The store's cards database: personalised cards, register numbers, shipments
 * (include/ktpel/cards.h; layout in docs/store.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ktpel/cards.h"
#include "ktpel/pki.h"

#include "cards_internal.h"
#include "store_internal.h"

/* ---- register numbers ---------------------------------------------------------------------- */

/* ISO 7064 MOD 97-10 check digits of a digit string: 98 - (digits * 100 mod 97). */
static int mod97_check(const char *digits)
{
    int r = 0;
    for (const char *p = digits; *p; p++)
        r = (r * 10 + (*p - '0')) % 97;
    r = (r * 100) % 97;
    return 98 - r;
}

static bool all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

ktpel_err ktpel_card_register_format(const char *pprr, int year, uint32_t seq, char *buf,
                                     size_t size, ktpel_errbuf *eb)
{
    if (!pprr || strlen(pprr) != 4 || !all_digits(pprr, 4) || year < 1000 || year > 9999 ||
        seq < 1 || seq > 999999 || !buf || size < KTPEL_CARD_REGISTER_LEN + 1)
        return ktpel_fail(eb, KTPEL_EINVAL,
                          "register number: bad part (regency %.8s, year %d, "
                          "sequence %u)",
                          pprr ? pprr : "", year, seq);
    char digits[15];
    snprintf(digits, sizeof digits, "%s%04d%06u", pprr, year, seq);
    snprintf(buf, size, "%s-%04d-%06u-%02d", pprr, year, seq, mod97_check(digits));
    return KTPEL_OK;
}

ktpel_err ktpel_card_register_check(const char *reg, ktpel_errbuf *eb)
{
    if (!reg || strlen(reg) != KTPEL_CARD_REGISTER_LEN || reg[4] != '-' || reg[9] != '-' ||
        reg[16] != '-' || !all_digits(reg, 4) || !all_digits(reg + 5, 4) ||
        !all_digits(reg + 10, 6) || !all_digits(reg + 17, 2))
        return ktpel_fail(eb, KTPEL_EFIELD,
                          "register number \"%.24s\": expected PPRR-YYYY-NNNNNN-CC (digits)",
                          reg ? reg : "");
    char digits[15];
    snprintf(digits, sizeof digits, "%.4s%.4s%.6s", reg, reg + 5, reg + 10);
    int check = (reg[17] - '0') * 10 + (reg[18] - '0');
    if (check != mod97_check(digits))
        return ktpel_fail(eb, KTPEL_EFIELD,
                          "register number %s: check digits %02d wrong (expected %02d)", reg, check,
                          mod97_check(digits));
    return KTPEL_OK;
}

/* ---- card values --------------------------------------------------------------------------- */

void dc_card_key(uint8_t key[DC_CARD_KEY], const char *nik, int issue)
{
    key[0] = 'c';
    memcpy(key + 1, nik, KTPEL_NIK_LEN);
    key[1 + KTPEL_NIK_LEN] = (uint8_t)issue;
}

/* Value: version 1, register (19), personalised (8 BE), issue date (y 2 BE, m, d), shipment
 * (8 BE), outcome (1, a status value), outcome time (8 BE), chip SHA-256 (32), chip length
 * (4 BE), chip. */
#define CARD_FIXED (1 + KTPEL_CARD_REGISTER_LEN + 8 + 4 + 8 + 1 + 8 + 32 + 4)

ktpel_err dc_card_encode(const ktpel_card_record *c, const uint8_t *chip, uint8_t **out,
                         size_t *len, ktpel_errbuf *eb)
{
    size_t size = CARD_FIXED + c->chip_len;
    uint8_t *v = malloc(size);
    if (!v)
        return ktpel_fail(eb, KTPEL_ENOMEM, "store: out of memory");
    uint8_t *p = v;
    *p++ = 1;
    memcpy(p, c->register_no, KTPEL_CARD_REGISTER_LEN);
    p += KTPEL_CARD_REGISTER_LEN;
    dc_put_be64(p, (uint64_t)c->personalised);
    p += 8;
    *p++ = (uint8_t)(c->issue_date.year >> 8);
    *p++ = (uint8_t)c->issue_date.year;
    *p++ = (uint8_t)c->issue_date.month;
    *p++ = (uint8_t)c->issue_date.day;
    dc_put_be64(p, c->shipment);
    p += 8;
    *p++ = (uint8_t)c->outcome;
    dc_put_be64(p, (uint64_t)c->outcome_time);
    p += 8;
    memcpy(p, c->chip_sha256, 32);
    p += 32;
    dc_put_be32(p, (uint32_t)c->chip_len);
    p += 4;
    memcpy(p, chip, c->chip_len);
    *out = v;
    *len = size;
    return KTPEL_OK;
}

ktpel_err dc_card_decode(const MDB_val *k, const MDB_val *v, ktpel_card_record *c,
                         const uint8_t **chip, ktpel_errbuf *eb)
{
    const uint8_t *p = v->mv_data;
    if (k->mv_size != DC_CARD_KEY || v->mv_size < CARD_FIXED || p[0] != 1 ||
        dc_get_be32(p + CARD_FIXED - 4) != v->mv_size - CARD_FIXED)
        return ktpel_fail(eb, KTPEL_EFORMAT, "store: malformed card record");
    memset(c, 0, sizeof *c);
    memcpy(c->nik, (const uint8_t *)k->mv_data + 1, KTPEL_NIK_LEN);
    c->issue = ((const uint8_t *)k->mv_data)[1 + KTPEL_NIK_LEN];
    p++;
    memcpy(c->register_no, p, KTPEL_CARD_REGISTER_LEN);
    p += KTPEL_CARD_REGISTER_LEN;
    c->personalised = (int64_t)dc_get_be64(p);
    p += 8;
    c->issue_date.year = p[0] << 8 | p[1];
    c->issue_date.month = p[2];
    c->issue_date.day = p[3];
    p += 4;
    c->shipment = dc_get_be64(p);
    p += 8;
    c->outcome = (ktpel_status)*p++;
    c->outcome_time = (int64_t)dc_get_be64(p);
    p += 8;
    memcpy(c->chip_sha256, p, 32);
    p += 32;
    c->chip_len = dc_get_be32(p);
    if (chip)
        *chip = p + 4;
    return KTPEL_OK;
}

ktpel_err dc_card_current(ktpel_store *s, MDB_txn *txn, const char *nik, ktpel_card_record *c,
                          const uint8_t **chip, ktpel_errbuf *eb)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, s->cards, &cur);
    if (rc)
        return dc_mdb_fail(eb, rc, "cards cursor");
    uint8_t key[DC_CARD_KEY];
    dc_card_key(key, nik, 0);
    MDB_val k = {sizeof key, key}, v, last_k = {0, NULL}, last_v = {0, NULL};
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
         rc == 0 && k.mv_size == DC_CARD_KEY && memcmp(k.mv_data, key, DC_CARD_KEY - 1) == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        last_k = k;
        last_v = v;
    }
    mdb_cursor_close(cur);
    if (rc && rc != MDB_NOTFOUND)
        return dc_mdb_fail(eb, rc, "read cards");
    if (!last_k.mv_size)
        return ktpel_fail(eb, KTPEL_ENOTFOUND, "NIK %.16s has no card", nik);
    return dc_card_decode(&last_k, &last_v, c, chip, eb);
}

ktpel_err dc_card_put(ktpel_store *s, MDB_txn *txn, const ktpel_card_record *c, const uint8_t *chip,
                      ktpel_errbuf *eb)
{
    uint8_t key[DC_CARD_KEY], *v = NULL;
    size_t len = 0;
    dc_card_key(key, c->nik, c->issue);
    ktpel_err err = dc_card_encode(c, chip, &v, &len, eb);
    if (err)
        return err;
    MDB_val k = {sizeof key, key}, val = {len, v};
    int rc = mdb_put(txn, s->cards, &k, &val, 0);
    free(v);
    return rc ? dc_mdb_fail(eb, rc, "write card") : KTPEL_OK;
}

/* ---- counters ------------------------------------------------------------------------------ */

static ktpel_err counter_next(ktpel_store *s, MDB_txn *txn, const char *name, uint64_t *out,
                              ktpel_errbuf *eb)
{
    char key[16];
    int n = snprintf(key, sizeof key, "n%s", name);
    MDB_val k = {(size_t)n, key}, v;
    int rc = mdb_get(txn, s->cards, &k, &v);
    uint64_t next = 1;
    if (rc == 0 && v.mv_size == 8)
        next = dc_get_be64(v.mv_data);
    else if (rc == 0)
        return ktpel_fail(eb, KTPEL_EFORMAT, "store: cards counter %s malformed", name);
    else if (rc != MDB_NOTFOUND)
        return dc_mdb_fail(eb, rc, "read cards counter");
    uint8_t buf[8];
    dc_put_be64(buf, next + 1);
    MDB_val nv = {8, buf};
    if ((rc = mdb_put(txn, s->cards, &k, &nv, 0)))
        return dc_mdb_fail(eb, rc, "write cards counter");
    *out = next;
    return KTPEL_OK;
}

/* ---- public calls -------------------------------------------------------------------------- */

static bool nik_ok(const char *nik)
{
    return nik && strlen(nik) == KTPEL_NIK_LEN && all_digits(nik, KTPEL_NIK_LEN);
}

ktpel_err ktpel_cards_pending(ktpel_store *s, char (**niks)[KTPEL_NIK_LEN + 1], size_t *count,
                              ktpel_errbuf *eb)
{
    if (!s || !niks || !count)
        return ktpel_fail(eb, KTPEL_EINVAL, "ktpel_cards_pending: NULL argument");
    *niks = NULL;
    *count = 0;
    MDB_txn *txn;
    ktpel_err err = dc_txn_begin(s, false, &txn, eb);
    if (err)
        return err;
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, s->status, &cur);
    if (rc) {
        mdb_txn_abort(txn);
        return dc_mdb_fail(eb, rc, "status cursor");
    }
    size_t cap = 0;
    ktpel_status_history h;
    ktpel_status_history_init(&h);
    MDB_val k, v;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); !err && rc == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        ktpel_status now;
        if (k.mv_size != KTPEL_NIK_LEN)
            continue;
        err = ktpel_status_history_decode(v.mv_data, v.mv_size, &h, eb);
        if (err || !ktpel_status_history_current(&h, &now) ||
            (now != KTPEL_STATUS_UNIQUE && now != KTPEL_STATUS_RETURNED_FOR_DESTRUCTION))
            continue;
        if (*count == cap) {
            cap = cap ? cap * 2 : 64;
            char(*p)[KTPEL_NIK_LEN + 1] = realloc(*niks, cap * sizeof *p);
            if (!p) {
                err = ktpel_fail(eb, KTPEL_ENOMEM, "cards: out of memory");
                break;
            }
            *niks = p;
        }
        memcpy((*niks)[*count], k.mv_data, KTPEL_NIK_LEN);
        (*niks)[(*count)++][KTPEL_NIK_LEN] = '\0';
    }
    ktpel_status_history_free(&h);
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    if (!err && rc && rc != MDB_NOTFOUND)
        err = dc_mdb_fail(eb, rc, "read status");
    if (err) {
        free(*niks);
        *niks = NULL;
        *count = 0;
    }
    return err;
}

ktpel_err ktpel_store_fp_iso_get(ktpel_store *s, const char *nik, int capture, uint8_t **data,
                                 size_t *len, ktpel_errbuf *eb)
{
    if (!s || !nik_ok(nik) || capture < 1 || capture > 16 || !data || !len)
        return ktpel_fail(eb, KTPEL_EINVAL, "ktpel_store_fp_iso_get: bad argument");
    *data = NULL;
    *len = 0;
    MDB_txn *txn;
    ktpel_err err = dc_txn_begin(s, false, &txn, eb);
    if (err)
        return err;
    uint8_t key[KTPEL_NIK_LEN + 1];
    memcpy(key, nik, KTPEL_NIK_LEN);
    key[KTPEL_NIK_LEN] = (uint8_t)capture;
    MDB_val k = {sizeof key, key}, v;
    int rc = mdb_get(txn, s->fp_iso, &k, &v);
    if (rc == MDB_NOTFOUND)
        err =
            ktpel_fail(eb, KTPEL_ENOTFOUND, "NIK %s: no finger record of capture %d", nik, capture);
    else if (rc)
        err = dc_mdb_fail(eb, rc, "read finger record");
    else if (!(*data = malloc(v.mv_size ? v.mv_size : 1)))
        err = ktpel_fail(eb, KTPEL_ENOMEM, "store: out of memory");
    if (!err) {
        memcpy(*data, v.mv_data, v.mv_size);
        *len = v.mv_size;
    }
    mdb_txn_abort(txn);
    return err;
}

/* Status of nik inside txn (KTPEL_ENOTFOUND when it has none). */
ktpel_err dc_status_now(ktpel_store *s, MDB_txn *txn, const char *nik, ktpel_status *now,
                        ktpel_errbuf *eb)
{
    ktpel_status_history h;
    ktpel_status_history_init(&h);
    ktpel_err err = dc_status_read(s, txn, nik, &h, eb);
    if (!err && !ktpel_status_history_current(&h, now))
        err = ktpel_fail(eb, KTPEL_ENOTFOUND, "NIK %s: empty status history", nik);
    ktpel_status_history_free(&h);
    return err;
}

static ktpel_err personalise_one(ktpel_store *s, MDB_txn *txn, const ktpel_card_new *in,
                                 int64_t time, const char *actor, ktpel_card_record *c,
                                 ktpel_errbuf *eb)
{
    if (!nik_ok(in->nik) || !in->chip || in->chip_len == 0 || in->chip_len > KTPEL_CARDS_CHIP_MAX ||
        !ktpel_date_valid(in->issue_date))
        return ktpel_fail(eb, KTPEL_EINVAL, "cards: bad card for NIK %.16s",
                          in->nik ? in->nik : "");
    ktpel_status now;
    ktpel_err err = dc_status_now(s, txn, in->nik, &now, eb);
    if (err)
        return err;
    if (now != KTPEL_STATUS_UNIQUE && now != KTPEL_STATUS_RETURNED_FOR_DESTRUCTION)
        return ktpel_fail(eb, KTPEL_ETRANSITION,
                          "NIK %s does not wait for a card (its status is %s)", in->nik,
                          ktpel_status_id(now));
    ktpel_card_record prev;
    err = dc_card_current(s, txn, in->nik, &prev, NULL, eb);
    if (err && err != KTPEL_ENOTFOUND)
        return err;
    memset(c, 0, sizeof *c);
    memcpy(c->nik, in->nik, KTPEL_NIK_LEN);
    c->issue = err ? 1 : prev.issue + 1;
    if (c->issue > 255)
        return ktpel_fail(eb, KTPEL_ETOOBIG, "NIK %s: more than 255 cards", in->nik);
    char counter[16], pprr[5];
    snprintf(pprr, sizeof pprr, "%.4s", in->nik);
    snprintf(counter, sizeof counter, "%s%04d", pprr, in->issue_date.year);
    uint64_t seq;
    if ((err = counter_next(s, txn, counter, &seq, eb)))
        return err;
    if ((err = ktpel_card_register_format(pprr, in->issue_date.year, (uint32_t)seq, c->register_no,
                                          sizeof c->register_no, eb)))
        return err;
    c->personalised = time;
    c->issue_date = in->issue_date;
    c->outcome = KTPEL_STATUS_PERSONALISED;
    c->chip_len = in->chip_len;
    ktpel_pki_sha256(in->chip, in->chip_len, c->chip_sha256);
    if ((err = dc_card_put(s, txn, c, in->chip, eb)))
        return err;
    char reason[96];
    snprintf(reason, sizeof reason, "card %s, issue %d", c->register_no, c->issue);
    return dc_status_change(s, txn, in->nik, KTPEL_STATUS_PERSONALISED, time, actor, reason, eb);
}

ktpel_err ktpel_cards_personalise(ktpel_store *s, const ktpel_card_new *cards, size_t n,
                                  int64_t time, const char *actor, ktpel_card_record *out,
                                  ktpel_errbuf *eb)
{
    if (!s || (!cards && n) || !actor)
        return ktpel_fail(eb, KTPEL_EINVAL, "ktpel_cards_personalise: NULL argument");
    ktpel_err err = ktpel_status_actor_validate(actor, eb);
    MDB_txn *txn;
    if (err || (err = dc_txn_begin(s, true, &txn, eb)))
        return err;
    for (size_t i = 0; !err && i < n; i++) {
        ktpel_card_record c;
        err = personalise_one(s, txn, &cards[i], time, actor, &c, eb);
        if (!err && out)
            out[i] = c;
    }
    if (err) {
        mdb_txn_abort(txn);
        return err;
    }
    return dc_txn_commit(txn, eb);
}

/* Every current card (the last key of each NIK) with its status, collected in a read
 * transaction. */
typedef struct card_list {
    ktpel_card_record *c;
    ktpel_status *status;
    size_t n, cap;
} card_list;

static ktpel_err card_list_push(card_list *l, const ktpel_card_record *c, ktpel_status st,
                                ktpel_errbuf *eb)
{
    if (l->n > 0 && strcmp(l->c[l->n - 1].nik, c->nik) == 0) {
        l->c[l->n - 1] = *c; /* a later issue of the same resident */
        l->status[l->n - 1] = st;
        return KTPEL_OK;
    }
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        ktpel_card_record *p = realloc(l->c, cap * sizeof *p);
        if (p)
            l->c = p;
        ktpel_status *q = p ? realloc(l->status, cap * sizeof *q) : NULL;
        if (q)
            l->status = q;
        if (!p || !q)
            return ktpel_fail(eb, KTPEL_ENOMEM, "cards: out of memory");
        l->cap = cap;
    }
    l->c[l->n] = *c;
    l->status[l->n++] = st;
    return KTPEL_OK;
}

static void card_list_free(card_list *l)
{
    free(l->c);
    free(l->status);
    memset(l, 0, sizeof *l);
}

static ktpel_err collect_cards(ktpel_store *s, MDB_txn *txn, card_list *l, ktpel_errbuf *eb)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, s->cards, &cur);
    if (rc)
        return dc_mdb_fail(eb, rc, "cards cursor");
    ktpel_err err = KTPEL_OK;
    uint8_t first = 'c';
    MDB_val k = {1, &first}, v;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
         !err && rc == 0 && ((const uint8_t *)k.mv_data)[0] == 'c';
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        ktpel_card_record c;
        ktpel_status st = KTPEL_STATUS_COUNT;
        err = dc_card_decode(&k, &v, &c, NULL, eb);
        if (!err)
            err = dc_status_now(s, txn, c.nik, &st, eb);
        if (!err)
            err = card_list_push(l, &c, st, eb);
    }
    mdb_cursor_close(cur);
    if (!err && rc && rc != MDB_NOTFOUND)
        err = dc_mdb_fail(eb, rc, "read cards");
    return err;
}

ktpel_err ktpel_cards_list(ktpel_store *s, ktpel_card_fn fn, void *ctx, ktpel_errbuf *eb)
{
    if (!s || !fn)
        return ktpel_fail(eb, KTPEL_EINVAL, "ktpel_cards_list: NULL argument");
    MDB_txn *txn;
    ktpel_err err = dc_txn_begin(s, false, &txn, eb);
    if (err)
        return err;
    card_list l = {0};
    err = collect_cards(s, txn, &l, eb);
    mdb_txn_abort(txn);
    for (size_t i = 0; !err && i < l.n; i++)
        if (fn(ctx, &l.c[i], l.status[i]))
            break;
    card_list_free(&l);
    return err;
}

ktpel_err ktpel_cards_get(ktpel_store *s, const char *nik, ktpel_card_record *card, uint8_t **chip,
                          ktpel_errbuf *eb)
{
    if (!s || !nik_ok(nik) || !card)
        return ktpel_fail(eb, KTPEL_EINVAL, "ktpel_cards_get: bad argument");
    if (chip)
        *chip = NULL;
    MDB_txn *txn;
    ktpel_err err = dc_txn_begin(s, false, &txn, eb);
    if (err)
        return err;
    const uint8_t *bytes = NULL;
    err = dc_card_current(s, txn, nik, card, &bytes, eb);
    if (!err && chip) {
        *chip = malloc(card->chip_len);
        if (*chip)
            memcpy(*chip, bytes, card->chip_len);
        else
            err = ktpel_fail(eb, KTPEL_ENOMEM, "cards: out of memory");
    }
    mdb_txn_abort(txn);
    return err;
}

/* Rewrites nik's current card with a new shipment number. */
static ktpel_err set_shipment(ktpel_store *s, MDB_txn *txn, const char *nik, uint64_t shipment,
                              ktpel_errbuf *eb)
{
    ktpel_card_record c;
    const uint8_t *chip;
    ktpel_err err = dc_card_current(s, txn, nik, &c, &chip, eb);
    if (err)
        return err;
    /* The value is copied first: writing into the database may move the page it lies on. */
    uint8_t *copy = malloc(c.chip_len);
    if (!copy)
        return ktpel_fail(eb, KTPEL_ENOMEM, "cards: out of memory");
    memcpy(copy, chip, c.chip_len);
    c.shipment = shipment;
    err = dc_card_put(s, txn, &c, copy, eb);
    free(copy);
    return err;
}

ktpel_err ktpel_cards_assign_shipment(ktpel_store *s, int64_t time, uint64_t *shipment,
                                      size_t *count, ktpel_errbuf *eb)
{
    (void)time;
    if (!s || !shipment || !count)
        return ktpel_fail(eb, KTPEL_EINVAL, "ktpel_cards_assign_shipment: NULL argument");
    *shipment = 0;
    *count = 0;
    MDB_txn *txn;
    ktpel_err err = dc_txn_begin(s, true, &txn, eb);
    if (err)
        return err;
    card_list l = {0};
    err = collect_cards(s, txn, &l, eb);
    uint64_t open = 0;
    size_t unassigned = 0;
    for (size_t i = 0; !err && i < l.n; i++) {
        if (l.status[i] != KTPEL_STATUS_PERSONALISED)
            continue;
        if (l.c[i].shipment && l.c[i].shipment > open)
            open = l.c[i].shipment;
        unassigned += l.c[i].shipment == 0;
    }
    if (!err && open) {
        *shipment = open; /* resume the shipment a stopped run left */
        for (size_t i = 0; i < l.n; i++)
            *count += l.status[i] == KTPEL_STATUS_PERSONALISED && l.c[i].shipment == open;
    } else if (!err && unassigned) {
        err = counter_next(s, txn, "shipment", shipment, eb);
        for (size_t i = 0; !err && i < l.n; i++) {
            if (l.status[i] != KTPEL_STATUS_PERSONALISED || l.c[i].shipment)
                continue;
            err = set_shipment(s, txn, l.c[i].nik, *shipment, eb);
            ++*count;
        }
    }
    card_list_free(&l);
    if (err) {
        mdb_txn_abort(txn);
        *shipment = 0;
        *count = 0;
        return err;
    }
    return dc_txn_commit(txn, eb);
}

ktpel_err ktpel_cards_ship(ktpel_store *s, uint64_t shipment, const char (*niks)[KTPEL_NIK_LEN + 1],
                           size_t n, int64_t time, const char *actor, ktpel_errbuf *eb)
{
    if (!s || (!niks && n) || !actor || !shipment)
        return ktpel_fail(eb, KTPEL_EINVAL, "ktpel_cards_ship: bad argument");
    MDB_txn *txn;
    ktpel_err err = dc_txn_begin(s, true, &txn, eb);
    if (err)
        return err;
    char reason[64];
    snprintf(reason, sizeof reason, "shipment %06llu", (unsigned long long)shipment);
    for (size_t i = 0; !err && i < n; i++) {
        ktpel_card_record c;
        ktpel_status now;
        err = dc_card_current(s, txn, niks[i], &c, NULL, eb);
        if (!err)
            err = dc_status_now(s, txn, niks[i], &now, eb);
        if (!err && c.shipment != shipment)
            err = ktpel_fail(eb, KTPEL_EINVAL, "NIK %s: card %s is not in shipment %llu", niks[i],
                             c.register_no, (unsigned long long)shipment);
        if (!err && now == KTPEL_STATUS_PERSONALISED)
            err = dc_status_change(s, txn, niks[i], KTPEL_STATUS_SHIPPED, time, actor, reason, eb);
    }
    if (err) {
        mdb_txn_abort(txn);
        return err;
    }
    return dc_txn_commit(txn, eb);
}
