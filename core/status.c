/* The resident status lifecycle: transition table, history and its binary encoding. */
#include "ktpel/status.h"

#include "ktpel/checksum.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BIT(s) (1u << (s))

typedef struct status_info {
    const char *id;
    const char *label_id;
    unsigned allowed_next; /* BIT(status) for each status that may follow */
    bool needs_reason;     /* entering this status needs a reason */
} status_info;

/* The lifecycle in one table; see the header for why returned_for_destruction may go back
 * to personalised. */
static const status_info statuses[KTPEL_STATUS_COUNT] = {
    [KTPEL_STATUS_ENROLLED] = {"enrolled", "terekam", BIT(KTPEL_STATUS_QUEUED), false},
    [KTPEL_STATUS_QUEUED] = {"queued", "menunggu pemadanan",
                             BIT(KTPEL_STATUS_UNIQUE) | BIT(KTPEL_STATUS_DUPLICATE) |
                                 BIT(KTPEL_STATUS_ADJUDICATE),
                             false},
    [KTPEL_STATUS_UNIQUE] = {"unique", "tunggal", BIT(KTPEL_STATUS_PERSONALISED), false},
    [KTPEL_STATUS_DUPLICATE] = {"duplicate", "ganda", 0, true},
    [KTPEL_STATUS_ADJUDICATE] = {"adjudicate", "perlu adjudikasi",
                                 BIT(KTPEL_STATUS_UNIQUE) | BIT(KTPEL_STATUS_DUPLICATE), true},
    [KTPEL_STATUS_PERSONALISED] = {"personalised", "dipersonalisasi", BIT(KTPEL_STATUS_SHIPPED),
                                   false},
    [KTPEL_STATUS_SHIPPED] = {"shipped", "dikirim",
                              BIT(KTPEL_STATUS_HANDED_OVER) |
                                  BIT(KTPEL_STATUS_RETURNED_FOR_DESTRUCTION),
                              false},
    [KTPEL_STATUS_HANDED_OVER] = {"handed_over", "diserahkan", 0, false},
    [KTPEL_STATUS_RETURNED_FOR_DESTRUCTION] = {"returned_for_destruction",
                                               "dikembalikan untuk dimusnahkan",
                                               BIT(KTPEL_STATUS_PERSONALISED), true},
};

bool ktpel_status_valid(ktpel_status s)
{
    return (unsigned)s < KTPEL_STATUS_COUNT;
}

const char *ktpel_status_id(ktpel_status s)
{
    return ktpel_status_valid(s) ? statuses[s].id : "?";
}

const char *ktpel_status_label_id(ktpel_status s)
{
    return ktpel_status_valid(s) ? statuses[s].label_id : "?";
}

ktpel_err ktpel_status_parse(const char *id, ktpel_status *out, ktpel_errbuf *eb)
{
    if (!id || !out)
        return ktpel_fail(eb, KTPEL_EINVAL, "status: NULL argument");
    for (int s = 0; s < KTPEL_STATUS_COUNT; s++) {
        if (strcmp(id, statuses[s].id) == 0) {
            *out = (ktpel_status)s;
            return KTPEL_OK;
        }
    }
    return ktpel_fail(eb, KTPEL_EFIELD,
                      "status \"%.64s\" is unknown (expected one of enrolled, queued, unique, "
                      "duplicate, adjudicate, personalised, shipped, handed_over, "
                      "returned_for_destruction)",
                      id);
}

bool ktpel_status_can_transition(ktpel_status from, ktpel_status to)
{
    if (!ktpel_status_valid(from) || !ktpel_status_valid(to))
        return false;
    return (statuses[from].allowed_next & BIT(to)) != 0;
}

/* "unique, duplicate or adjudicate" into buf, or "nothing (final status)". */
static void describe_allowed(ktpel_status from, char *buf, size_t size)
{
    unsigned allowed = statuses[from].allowed_next;
    if (!allowed) {
        snprintf(buf, size, "nothing (final status)");
        return;
    }
    size_t used = 0;
    buf[0] = '\0';
    for (int s = 0; s < KTPEL_STATUS_COUNT; s++) {
        if (!(allowed & BIT(s)))
            continue;
        allowed &= ~BIT(s);
        const char *sep = used == 0 ? "" : (allowed ? ", " : " or ");
        int n = snprintf(buf + used, size - used, "%s%s", sep, statuses[s].id);
        if (n < 0 || (size_t)n >= size - used)
            return;
        used += (size_t)n;
    }
}

ktpel_err ktpel_status_check_transition(ktpel_status from, ktpel_status to, ktpel_errbuf *eb)
{
    if (!ktpel_status_valid(from) || !ktpel_status_valid(to))
        return ktpel_fail(eb, KTPEL_EINVAL, "status transition %d -> %d: not a status value",
                          (int)from, (int)to);
    if (ktpel_status_can_transition(from, to))
        return KTPEL_OK;
    char allowed[128];
    describe_allowed(from, allowed, sizeof allowed);
    return ktpel_fail(eb, KTPEL_ETRANSITION,
                      "status transition %s -> %s is not allowed (from %s only %s)",
                      statuses[from].id, statuses[to].id, statuses[from].id, allowed);
}

bool ktpel_status_needs_reason(ktpel_status to)
{
    return ktpel_status_valid(to) && statuses[to].needs_reason;
}

/* Validates the first `len` bytes of actor; shared by apply (C string) and the decoder. */
static ktpel_err validate_actor_bytes(const char *actor, size_t len, ktpel_errbuf *eb)
{
    if (len == 0)
        return ktpel_fail(eb, KTPEL_EFIELD, "actor: empty (an operator or station id is needed)");
    if (len > KTPEL_STATUS_ACTOR_MAX)
        return ktpel_fail(eb, KTPEL_EFIELD, "actor \"%.32s...\": longer than %d characters", actor,
                          KTPEL_STATUS_ACTOR_MAX);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)actor[i];
        if (c < 0x20 || c > 0x7e)
            return ktpel_fail(eb, KTPEL_EFIELD,
                              "actor: byte 0x%02x at position %zu is not printable ASCII", c, i);
    }
    if (actor[0] == ' ' || actor[len - 1] == ' ')
        return ktpel_fail(eb, KTPEL_EFIELD, "actor \"%.*s\": starts or ends with a space", (int)len,
                          actor);
    return KTPEL_OK;
}

ktpel_err ktpel_status_actor_validate(const char *actor, ktpel_errbuf *eb)
{
    if (!actor)
        return ktpel_fail(eb, KTPEL_EFIELD, "actor: missing (an operator or station id is needed)");
    return validate_actor_bytes(actor, strnlen(actor, KTPEL_STATUS_ACTOR_MAX + 1), eb);
}

/* Length of the UTF-8 sequence starting at s[0] (at most `left` bytes available), or 0 if
 * it is not a valid, shortest-form encoding of a non-surrogate code point. */
static size_t utf8_sequence_length(const unsigned char *s, size_t left)
{
    if (s[0] < 0x80)
        return 1;
    size_t len;
    uint32_t cp, min;
    if ((s[0] & 0xe0) == 0xc0) {
        len = 2, cp = s[0] & 0x1f, min = 0x80;
    } else if ((s[0] & 0xf0) == 0xe0) {
        len = 3, cp = s[0] & 0x0f, min = 0x800;
    } else if ((s[0] & 0xf8) == 0xf0) {
        len = 4, cp = s[0] & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (len > left)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

/* A reason is UTF-8 text without control characters (it is shown to operators and written
 * to JSON), at most KTPEL_STATUS_REASON_MAX bytes. */
static ktpel_err validate_reason_bytes(const char *reason, size_t len, ktpel_errbuf *eb)
{
    if (len > KTPEL_STATUS_REASON_MAX)
        return ktpel_fail(eb, KTPEL_EFIELD, "reason: longer than %d bytes",
                          KTPEL_STATUS_REASON_MAX);
    const unsigned char *s = (const unsigned char *)reason;
    for (size_t i = 0; i < len;) {
        if (s[i] < 0x20 || s[i] == 0x7f)
            return ktpel_fail(eb, KTPEL_EFIELD, "reason: control character 0x%02x at byte %zu",
                              s[i], i);
        size_t n = utf8_sequence_length(s + i, len - i);
        if (n == 0)
            return ktpel_fail(eb, KTPEL_EFIELD, "reason: invalid UTF-8 at byte %zu", i);
        i += n;
    }
    return KTPEL_OK;
}

ktpel_date ktpel_status_entry_date(const ktpel_status_entry *e)
{
    return ktpel_date_jakarta((time_t)e->time);
}

void ktpel_status_history_init(ktpel_status_history *h)
{
    if (h)
        *h = (ktpel_status_history){0};
}

void ktpel_status_history_free(ktpel_status_history *h)
{
    if (!h)
        return;
    free(h->entries);
    *h = (ktpel_status_history){0};
}

bool ktpel_status_history_current(const ktpel_status_history *h, ktpel_status *out)
{
    if (!h || h->count == 0)
        return false;
    if (out)
        *out = h->entries[h->count - 1].status;
    return true;
}

/* Everything apply checks, with the actor and reason as byte ranges (they need not be
 * NUL-terminated when they come from the decoder). */
static ktpel_err check_entry(const ktpel_status_history *h, ktpel_status to, int64_t time,
                             const char *actor, size_t actor_len, const char *reason,
                             size_t reason_len, ktpel_errbuf *eb)
{
    if (!ktpel_status_valid(to))
        return ktpel_fail(eb, KTPEL_EINVAL, "status value %d is not a status", (int)to);
    if (h->count == 0) {
        if (to != KTPEL_STATUS_ENROLLED)
            return ktpel_fail(eb, KTPEL_ETRANSITION,
                              "the first status of a history must be enrolled, not %s",
                              statuses[to].id);
    } else {
        ktpel_err err = ktpel_status_check_transition(h->entries[h->count - 1].status, to, eb);
        if (err)
            return err;
    }
    if (h->count >= KTPEL_STATUS_HISTORY_MAX)
        return ktpel_fail(eb, KTPEL_ETOOBIG, "status history: already %d entries, the maximum",
                          KTPEL_STATUS_HISTORY_MAX);
    if (time < 0 || time > KTPEL_STATUS_TIME_MAX)
        return ktpel_fail(eb, KTPEL_EFIELD, "time %lld (%s): outside 0..%lld", (long long)time,
                          statuses[to].id, (long long)KTPEL_STATUS_TIME_MAX);
    if (h->count > 0 && time < h->entries[h->count - 1].time)
        return ktpel_fail(
            eb, KTPEL_EFIELD, "time %lld (%s): before the previous entry's time %lld (%s)",
            (long long)time, statuses[to].id, (long long)h->entries[h->count - 1].time,
            statuses[h->entries[h->count - 1].status].id);
    ktpel_err err = validate_actor_bytes(actor, actor_len, eb);
    if (err)
        return err;
    if (reason_len == 0 && statuses[to].needs_reason)
        return ktpel_fail(eb, KTPEL_EFIELD, "reason: required when the status becomes %s",
                          statuses[to].id);
    return validate_reason_bytes(reason, reason_len, eb);
}

static ktpel_err append_entry(ktpel_status_history *h, ktpel_status to, int64_t time,
                              const char *actor, size_t actor_len, const char *reason,
                              size_t reason_len, ktpel_errbuf *eb)
{
    ktpel_err err = check_entry(h, to, time, actor, actor_len, reason, reason_len, eb);
    if (err)
        return err;
    if (h->count == h->capacity) {
        size_t cap = h->capacity ? h->capacity * 2 : 8;
        if (cap > KTPEL_STATUS_HISTORY_MAX)
            cap = KTPEL_STATUS_HISTORY_MAX;
        ktpel_status_entry *bigger = realloc(h->entries, cap * sizeof *bigger);
        if (!bigger)
            return ktpel_fail(eb, KTPEL_ENOMEM, "status history: cannot grow to %zu entries", cap);
        h->entries = bigger;
        h->capacity = cap;
    }
    ktpel_status_entry *e = &h->entries[h->count];
    *e = (ktpel_status_entry){.status = to, .time = time};
    memcpy(e->actor, actor, actor_len);
    if (reason_len)
        memcpy(e->reason, reason, reason_len);
    h->count++;
    return KTPEL_OK;
}

ktpel_err ktpel_status_history_apply(ktpel_status_history *h, ktpel_status to, int64_t time,
                                     const char *actor, const char *reason, ktpel_errbuf *eb)
{
    if (!h)
        return ktpel_fail(eb, KTPEL_EINVAL, "status history: NULL");
    if (!actor)
        return ktpel_fail(eb, KTPEL_EFIELD, "actor: missing (an operator or station id is needed)");
    /* strnlen bounds the scan; a longer string is then refused by its length. */
    size_t actor_len = strnlen(actor, KTPEL_STATUS_ACTOR_MAX + 1);
    size_t reason_len = reason ? strnlen(reason, KTPEL_STATUS_REASON_MAX + 1) : 0;
    return append_entry(h, to, time, actor, actor_len, reason ? reason : "", reason_len, eb);
}

/* ---- binary encoding -------------------------------------------------------------- */

static const uint8_t history_magic[4] = {'K', 'S', 'T', 'H'};
#define HEADER_SIZE      8 /* magic, version, count */
#define CRC_SIZE         4
#define ENTRY_FIXED_SIZE 11 /* status, time, actor length, reason length */

static void put_u16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put_u32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint16_t get_u16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t get_u32(const uint8_t *p)
{
    uint32_t v = 0;
    for (int i = 3; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static uint64_t get_u64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

size_t ktpel_status_history_encoded_size(const ktpel_status_history *h)
{
    size_t size = HEADER_SIZE + CRC_SIZE;
    for (size_t i = 0; h && i < h->count; i++)
        size += ENTRY_FIXED_SIZE + strlen(h->entries[i].actor) + strlen(h->entries[i].reason);
    return size;
}

ktpel_err ktpel_status_history_encode(const ktpel_status_history *h, uint8_t *buf, size_t size,
                                      size_t *written, ktpel_errbuf *eb)
{
    if (!h || (!buf && size))
        return ktpel_fail(eb, KTPEL_EINVAL, "status history encode: NULL argument");
    if (h->count > KTPEL_STATUS_HISTORY_MAX)
        return ktpel_fail(eb, KTPEL_EINVAL, "status history encode: %zu entries, at most %d",
                          h->count, KTPEL_STATUS_HISTORY_MAX);
    size_t need = ktpel_status_history_encoded_size(h);
    if (size < need)
        return ktpel_fail(eb, KTPEL_ETOOBIG,
                          "status history encode: needs %zu bytes, the buffer has %zu", need, size);
    memcpy(buf, history_magic, sizeof history_magic);
    put_u16(buf + 4, KTPEL_STATUS_HISTORY_VERSION);
    put_u16(buf + 6, (uint16_t)h->count);
    size_t pos = HEADER_SIZE;
    for (size_t i = 0; i < h->count; i++) {
        const ktpel_status_entry *e = &h->entries[i];
        size_t actor_len = strlen(e->actor), reason_len = strlen(e->reason);
        buf[pos++] = (uint8_t)e->status;
        put_u64(buf + pos, (uint64_t)e->time);
        pos += 8;
        buf[pos++] = (uint8_t)actor_len;
        memcpy(buf + pos, e->actor, actor_len);
        pos += actor_len;
        buf[pos++] = (uint8_t)reason_len;
        memcpy(buf + pos, e->reason, reason_len);
        pos += reason_len;
    }
    put_u32(buf + pos, ktpel_crc32(0, buf, pos));
    pos += CRC_SIZE;
    if (written)
        *written = pos;
    return KTPEL_OK;
}

/* Reads one length-prefixed byte string at *pos; fails if it runs past `end`. */
static ktpel_err read_bytes(const uint8_t *data, size_t end, size_t *pos, const char **out,
                            size_t *len, size_t index, const char *field, ktpel_errbuf *eb)
{
    if (*pos >= end)
        return ktpel_fail(eb, KTPEL_ETRUNCATED,
                          "status history: entry %zu ends before its %s length "
                          "(data truncated or corrupted)",
                          index, field);
    *len = data[(*pos)++];
    if (*len > end - *pos)
        return ktpel_fail(eb, KTPEL_ETRUNCATED,
                          "status history: entry %zu %s needs %zu bytes, only %zu left "
                          "(data truncated or corrupted)",
                          index, field, *len, end - *pos);
    *out = (const char *)data + *pos;
    *pos += *len;
    return KTPEL_OK;
}

/* Reads the entry at *pos (`end` is where the CRC starts). With h NULL only the structure
 * is checked; otherwise the entry is replayed into h through the same checks as apply. */
static ktpel_err decode_entry(const uint8_t *data, size_t end, size_t *pos, size_t index,
                              ktpel_status_history *h, ktpel_errbuf *eb)
{
    if (end - *pos < 9)
        return ktpel_fail(eb, KTPEL_ETRUNCATED,
                          "status history: entry %zu needs 9 bytes for status and time, "
                          "only %zu left (data truncated or corrupted)",
                          index, end - *pos);
    uint8_t status = data[*pos];
    int64_t time = (int64_t)get_u64(data + *pos + 1);
    *pos += 9;
    const char *actor = NULL, *reason = NULL;
    size_t actor_len = 0, reason_len = 0;
    ktpel_err err = read_bytes(data, end, pos, &actor, &actor_len, index, "actor", eb);
    if (!err)
        err = read_bytes(data, end, pos, &reason, &reason_len, index, "reason", eb);
    if (err || !h)
        return err;
    if (status >= KTPEL_STATUS_COUNT)
        return ktpel_fail(eb, KTPEL_EFORMAT, "status history entry %zu: status value %u unknown",
                          index, status);
    err = append_entry(h, (ktpel_status)status, time, actor, actor_len, reason, reason_len, eb);
    if (err)
        ktpel_fail_context(eb, "status history entry %zu: ", index);
    return err;
}

static ktpel_err decode_header(const uint8_t *data, size_t size, uint16_t *count, ktpel_errbuf *eb)
{
    if (size >= 4 && memcmp(data, history_magic, sizeof history_magic) != 0)
        return ktpel_fail(eb, KTPEL_EFORMAT,
                          "status history: bad magic %02x %02x %02x %02x (expected \"KSTH\")",
                          data[0], data[1], data[2], data[3]);
    if (size >= 6 && get_u16(data + 4) != KTPEL_STATUS_HISTORY_VERSION)
        return ktpel_fail(eb, KTPEL_EUNSUPPORTED,
                          "status history: version %u not supported (this build reads %d)",
                          get_u16(data + 4), KTPEL_STATUS_HISTORY_VERSION);
    if (size < HEADER_SIZE + CRC_SIZE)
        return ktpel_fail(eb, KTPEL_ETRUNCATED,
                          "status history: %zu bytes, shorter than the %d of an empty one", size,
                          HEADER_SIZE + CRC_SIZE);
    *count = get_u16(data + 6);
    if (*count > KTPEL_STATUS_HISTORY_MAX)
        return ktpel_fail(eb, KTPEL_ETOOBIG, "status history: %u entries, at most %d", *count,
                          KTPEL_STATUS_HISTORY_MAX);
    return KTPEL_OK;
}

/* Order of the checks, so that the message names the likely cause: header; structure (the
 * lengths must lead exactly to the CRC, else the data is truncated or has extra bytes);
 * CRC; then the meaning, by replaying every entry through the checks of apply. */
ktpel_err ktpel_status_history_decode(const uint8_t *data, size_t size, ktpel_status_history *out,
                                      ktpel_errbuf *eb)
{
    if (!out || (!data && size))
        return ktpel_fail(eb, KTPEL_EINVAL, "status history decode: NULL argument");
    uint16_t count = 0;
    ktpel_err err = decode_header(data, size, &count, eb);
    if (err)
        return err;
    size_t end = size - CRC_SIZE, pos = HEADER_SIZE;
    for (size_t i = 0; i < count && !err; i++)
        err = decode_entry(data, end, &pos, i, NULL, eb);
    if (err)
        return err;
    uint32_t stored = get_u32(data + end), computed = ktpel_crc32(0, data, end);
    if (stored != computed)
        return ktpel_fail(eb, KTPEL_EFORMAT,
                          "status history: CRC-32 mismatch (stored %08x, computed %08x)%s", stored,
                          computed, pos != end ? "; also extra bytes after the entries" : "");
    if (pos != end)
        return ktpel_fail(eb, KTPEL_EFORMAT, "status history: %zu extra bytes after %u entries",
                          end - pos, count);
    ktpel_status_history h = {0};
    pos = HEADER_SIZE;
    for (size_t i = 0; i < count && !err; i++)
        err = decode_entry(data, end, &pos, i, &h, eb);
    if (err) {
        ktpel_status_history_free(&h);
        return err;
    }
    ktpel_status_history_free(out);
    *out = h;
    return KTPEL_OK;
}
