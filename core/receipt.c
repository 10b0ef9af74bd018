/* The kecamatan desk's receipt file (include/ktpel/receipt.h): strict parser, canonical
 * formatter, atomic append. */
#include "ktpel/receipt.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ktpel/checksum.h"
#include "ktpel/file.h"
#include "ktpel/utf8.h"

#define FIELDS 10 /* time .. crc32 */

static const char *const outcome_ids[] = {
    [KTPEL_RECEIPT_HANDED_OVER] = "handed_over",
    [KTPEL_RECEIPT_RETURNED] = "returned_for_destruction",
    [KTPEL_RECEIPT_REFUSED] = "refused",
};

static const char *const code_ids[KTPEL_DESK_CODE_COUNT] = {
    [KTPEL_DESK_OK] = "OK",
    [KTPEL_DESK_CHIP_DAMAGED] = "CHIP_DAMAGED",
    [KTPEL_DESK_CHIP_TAMPERED] = "CHIP_TAMPERED",
    [KTPEL_DESK_CHIP_UNTRUSTED] = "CHIP_UNTRUSTED",
    [KTPEL_DESK_CHIP_EXPIRED] = "CHIP_EXPIRED",
    [KTPEL_DESK_DATA_MISMATCH] = "DATA_MISMATCH",
    [KTPEL_DESK_FINGER_MISMATCH] = "FINGER_MISMATCH",
};

const char *ktpel_receipt_outcome_id(ktpel_receipt_outcome o)
{
    return o >= KTPEL_RECEIPT_HANDED_OVER && o <= KTPEL_RECEIPT_REFUSED ? outcome_ids[o] : "?";
}

const char *ktpel_desk_code_id(ktpel_desk_code c)
{
    return (unsigned)c < KTPEL_DESK_CODE_COUNT ? code_ids[c] : "?";
}

ktpel_err ktpel_desk_code_parse(const char *id, ktpel_desk_code *out, ktpel_errbuf *eb)
{
    for (int c = 0; id && c < KTPEL_DESK_CODE_COUNT; c++) {
        if (strcmp(id, code_ids[c]) == 0) {
            *out = (ktpel_desk_code)c;
            return KTPEL_OK;
        }
    }
    return ktpel_fail(eb, KTPEL_EFIELD, "code \"%.32s\" is unknown (OK, CHIP_DAMAGED, ...)",
                      id ? id : "");
}

void ktpel_receipt_free(ktpel_receipt *r)
{
    if (!r)
        return;
    free(r->entries);
    memset(r, 0, sizeof *r);
}

/* ---- checking and formatting ------------------------------------------------------------- */

static ktpel_err check_reason(const char *reason, ktpel_errbuf *eb)
{
    size_t len = strnlen(reason, KTPEL_RECEIPT_REASON_MAX + 1);
    if (len == 0 || len > KTPEL_RECEIPT_REASON_MAX)
        return ktpel_fail(eb, KTPEL_EFIELD, "reason: %s (1..%d bytes)", len ? "too long" : "empty",
                          KTPEL_RECEIPT_REASON_MAX);
    if (!ktpel_utf8_valid(reason, len, NULL))
        return ktpel_fail(eb, KTPEL_EFIELD, "reason: not well-formed UTF-8");
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)reason[i] < 0x20 || reason[i] == 0x7f)
            return ktpel_fail(eb, KTPEL_EFIELD, "reason: control character 0x%02x at byte %zu",
                              (unsigned char)reason[i], i);
    return KTPEL_OK;
}

ktpel_err ktpel_receipt_entry_check(const ktpel_receipt_entry *e, ktpel_errbuf *eb)
{
    if (!e)
        return ktpel_fail(eb, KTPEL_EINVAL, "receipt entry: NULL");
    if (e->time < 0 || e->time > KTPEL_STATUS_TIME_MAX)
        return ktpel_fail(eb, KTPEL_EFIELD, "time: %lld out of range", (long long)e->time);
    ktpel_err err = ktpel_status_actor_validate(e->desk, eb);
    if (err) {
        ktpel_fail_context(eb, "desk: ");
        return err;
    }
    if ((err = ktpel_nik_check_digits(e->nik, "nik", eb)))
        return err;
    if (strcmp(ktpel_receipt_outcome_id(e->outcome), "?") == 0)
        return ktpel_fail(eb, KTPEL_EFIELD, "outcome: value %d unknown", (int)e->outcome);
    if ((unsigned)e->code >= KTPEL_DESK_CODE_COUNT)
        return ktpel_fail(eb, KTPEL_EFIELD, "code: value %d unknown", (int)e->code);
    if ((e->code == KTPEL_DESK_OK) != (e->outcome == KTPEL_RECEIPT_HANDED_OVER))
        return ktpel_fail(eb, KTPEL_EFIELD, "code %s does not go with outcome %s",
                          ktpel_desk_code_id(e->code), ktpel_receipt_outcome_id(e->outcome));
    if (e->attempts < 0 || e->attempts > 99)
        return ktpel_fail(eb, KTPEL_EFIELD, "attempts: %d out of range 0..99", e->attempts);
    if (!(e->score >= 0.0 && e->score <= 1.0))
        return ktpel_fail(eb, KTPEL_EFIELD, "score: %g out of range 0..1", e->score);
    return check_reason(e->reason, eb);
}

ktpel_err ktpel_receipt_format_entry(const ktpel_receipt_entry *e, char *buf, size_t size,
                                     size_t *len, ktpel_errbuf *eb)
{
    ktpel_err err = ktpel_receipt_entry_check(e, eb);
    if (err)
        return err;
    char hex[65];
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", e->chip_sha256[i]);
    long score = (long)(e->score * 10000.0 + 0.5);
    int n =
        snprintf(buf, size, "%lld\t%s\t%s\t%s\t%s\t%s\t%d\t%ld.%04ld\t%s\t", (long long)e->time,
                 e->desk, e->nik, hex, ktpel_receipt_outcome_id(e->outcome),
                 ktpel_desk_code_id(e->code), e->attempts, score / 10000, score % 10000, e->reason);
    if (n < 0 || (size_t)n + 9 > size || n + 8 > KTPEL_RECEIPT_LINE_MAX)
        return ktpel_fail(eb, KTPEL_ETOOBIG, "receipt line: %d bytes do not fit", n + 8);
    uint32_t crc = ktpel_crc32(0, buf, (size_t)n - 1);
    snprintf(buf + n, size - (size_t)n, "%08x", crc);
    if (len)
        *len = (size_t)n + 8;
    return KTPEL_OK;
}

/* ---- parsing ------------------------------------------------------------------------------ */

/* A decimal number without sign or leading zeros, at most max. */
static bool parse_decimal(const char *s, int64_t max, int64_t *out)
{
    size_t n = strlen(s);
    if (n == 0 || n > 19 || (n > 1 && s[0] == '0'))
        return false;
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9' || v > (max - (s[i] - '0')) / 10)
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

/* "D.DDDD" with a value of at most 1. */
static bool parse_score(const char *s, double *out)
{
    if (strlen(s) != 6 || s[1] != '.')
        return false;
    long v = 0;
    for (int i = 0; i < 6; i++) {
        if (i == 1)
            continue;
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    if (v > 10000)
        return false;
    *out = (double)v / 10000.0;
    return true;
}

static bool parse_hex(const char *s, uint8_t *out, size_t bytes)
{
    if (strlen(s) != bytes * 2)
        return false;
    for (size_t i = 0; i < bytes * 2; i++) {
        int c = s[i], d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (d < 0)
            return false;
        if (out)
            out[i / 2] = (uint8_t)(i % 2 ? out[i / 2] | d : d << 4);
    }
    return true;
}

static ktpel_err field_error(ktpel_errbuf *eb, const char *field, const char *value)
{
    char shown[80];
    return ktpel_fail(eb, KTPEL_EFIELD, "%s: bad value %s", field,
                      ktpel_text_quote(value, strlen(value), shown, sizeof shown));
}

/* Splits line (modified in place) at TABs into exactly FIELDS fields. */
static ktpel_err split_fields(char *line, char *f[FIELDS], ktpel_errbuf *eb)
{
    int n = 0;
    for (char *p = line;; p++) {
        if (n == FIELDS)
            return ktpel_fail(eb, KTPEL_EFORMAT, "more than %d TAB-separated fields", FIELDS);
        f[n++] = p;
        p = strchr(p, '\t');
        if (!p)
            break;
        *p = '\0';
    }
    if (n != FIELDS)
        return ktpel_fail(eb, KTPEL_EFORMAT, "%d TAB-separated fields, expected %d", n, FIELDS);
    return KTPEL_OK;
}

static ktpel_err parse_fields(char *const f[FIELDS], ktpel_receipt_entry *e, ktpel_errbuf *eb)
{
    int64_t v;
    if (!parse_decimal(f[0], KTPEL_STATUS_TIME_MAX, &v))
        return field_error(eb, "time", f[0]);
    e->time = v;
    if (strlen(f[1]) > KTPEL_STATUS_ACTOR_MAX)
        return field_error(eb, "desk", f[1]);
    strcpy(e->desk, f[1]);
    if (strlen(f[2]) != KTPEL_NIK_LEN)
        return field_error(eb, "nik", f[2]);
    strcpy(e->nik, f[2]);
    if (!parse_hex(f[3], e->chip_sha256, 32))
        return field_error(eb, "chip_sha256", f[3]);
    e->outcome = 0;
    for (int o = KTPEL_RECEIPT_HANDED_OVER; o <= KTPEL_RECEIPT_REFUSED; o++)
        if (strcmp(f[4], outcome_ids[o]) == 0)
            e->outcome = (ktpel_receipt_outcome)o;
    if (!e->outcome)
        return field_error(eb, "outcome", f[4]);
    if (ktpel_desk_code_parse(f[5], &e->code, NULL))
        return field_error(eb, "code", f[5]);
    if (!parse_decimal(f[6], 99, &v))
        return field_error(eb, "attempts", f[6]);
    e->attempts = (int)v;
    if (!parse_score(f[7], &e->score))
        return field_error(eb, "score", f[7]);
    if (strlen(f[8]) > KTPEL_RECEIPT_REASON_MAX)
        return field_error(eb, "reason", f[8]);
    strcpy(e->reason, f[8]);
    return ktpel_receipt_entry_check(e, eb);
}

/* One entry line (len bytes at line, no LF, no NUL inside). */
static ktpel_err parse_entry(const char *line, size_t len, ktpel_receipt_entry *e, ktpel_errbuf *eb)
{
    char buf[KTPEL_RECEIPT_LINE_MAX + 1];
    memcpy(buf, line, len);
    buf[len] = '\0';
    const char *tab = len >= 9 ? buf + len - 9 : NULL;
    uint8_t crc[4];
    if (!tab || *tab != '\t' || !parse_hex(tab + 1, crc, 4))
        return ktpel_fail(eb, KTPEL_EFORMAT, "the line does not end with TAB and a CRC-32");
    uint32_t stored =
        (uint32_t)crc[0] << 24 | (uint32_t)crc[1] << 16 | (uint32_t)crc[2] << 8 | crc[3];
    uint32_t computed = ktpel_crc32(0, buf, len - 9);
    if (stored != computed)
        return ktpel_fail(eb, KTPEL_EFORMAT,
                          "CRC-32 mismatch (stored %08x, computed %08x): the line was altered or "
                          "damaged",
                          stored, computed);
    char *f[FIELDS] = {0};
    ktpel_err err = split_fields(buf, f, eb);
    if (!err)
        err = parse_fields(f, e, eb);
    if (!err) {
        /* Canonical form only, so that the line's hash identifies the entry. */
        char again[KTPEL_RECEIPT_LINE_MAX + 1];
        size_t n = 0;
        err = ktpel_receipt_format_entry(e, again, sizeof again, &n, eb);
        if (!err && (n != len || memcmp(again, line, len) != 0))
            err = ktpel_fail(eb, KTPEL_EFORMAT, "the line is not in canonical form");
    }
    return err;
}

static ktpel_err push(ktpel_receipt *r, const ktpel_receipt_entry *e, ktpel_errbuf *eb)
{
    if (r->count == KTPEL_RECEIPT_ENTRY_MAX)
        return ktpel_fail(eb, KTPEL_ETOOBIG, "more than %d entries", KTPEL_RECEIPT_ENTRY_MAX);
    if (r->count == r->capacity) {
        size_t cap = r->capacity ? r->capacity * 2 : 16;
        ktpel_receipt_entry *p = realloc(r->entries, cap * sizeof *p);
        if (!p)
            return ktpel_fail(eb, KTPEL_ENOMEM, "receipt: out of memory");
        r->entries = p;
        r->capacity = cap;
    }
    r->entries[r->count++] = *e;
    return KTPEL_OK;
}

ktpel_err ktpel_receipt_parse(const uint8_t *data, size_t len, const char *source,
                              ktpel_receipt *out, ktpel_errbuf *eb)
{
    if (!out || (!data && len))
        return ktpel_fail(eb, KTPEL_EINVAL, "ktpel_receipt_parse: NULL argument");
    const char *src = source ? source : "receipt";
    if (len > KTPEL_RECEIPT_FILE_MAX)
        return ktpel_fail(eb, KTPEL_ETOOBIG, "%s: %zu bytes, at most %u", src, len,
                          KTPEL_RECEIPT_FILE_MAX);
    if (len == 0 || data[len - 1] != '\n')
        return ktpel_fail(eb, KTPEL_EFORMAT, "%s: %s", src,
                          len ? "the last line has no LF (file cut short?)" : "empty file");
    if (memchr(data, '\0', len))
        return ktpel_fail(eb, KTPEL_EFORMAT, "%s: holds a NUL byte", src);
    ktpel_receipt r = {0};
    ktpel_err err = KTPEL_OK;
    size_t pos = 0, line_no = 0;
    while (!err && pos < len) {
        const char *line = (const char *)data + pos;
        size_t n = (size_t)((const char *)memchr(line, '\n', len - pos) - line);
        line_no++;
        if (n > KTPEL_RECEIPT_LINE_MAX) {
            err = ktpel_fail(eb, KTPEL_ETOOBIG, "%s:%zu: line of %zu bytes, at most %d", src,
                             line_no, n, KTPEL_RECEIPT_LINE_MAX);
        } else if (line_no == 1) {
            if (n != strlen(KTPEL_RECEIPT_HEADER) || memcmp(line, KTPEL_RECEIPT_HEADER, n) != 0)
                err = ktpel_fail(eb, KTPEL_EFORMAT,
                                 "%s:1: not a ktpel receipt (expected the header "
                                 "\"KTPEL-RECEIPT<TAB>1\")",
                                 src);
        } else {
            ktpel_receipt_entry e;
            memset(&e, 0, sizeof e);
            err = parse_entry(line, n, &e, eb);
            if (!err)
                err = push(&r, &e, eb);
            if (err)
                ktpel_fail_context(eb, "%s:%zu: ", src, line_no);
        }
        pos += n + 1;
    }
    if (err) {
        ktpel_receipt_free(&r);
        return err;
    }
    ktpel_receipt_free(out);
    *out = r;
    return KTPEL_OK;
}

ktpel_err ktpel_receipt_load(const char *path, ktpel_receipt *out, ktpel_errbuf *eb)
{
    uint8_t *data = NULL;
    size_t len = 0;
    ktpel_err err = ktpel_file_read(path, KTPEL_RECEIPT_FILE_MAX, &data, &len, eb);
    if (err) {
        ktpel_fail_context(eb, "receipt %s: ", path);
        return err;
    }
    err = ktpel_receipt_parse(data, len, path, out, eb);
    free(data);
    return err;
}

ktpel_err ktpel_receipt_append(const char *path, const ktpel_receipt_entry *e, ktpel_errbuf *eb)
{
    if (!path || !e)
        return ktpel_fail(eb, KTPEL_EINVAL, "ktpel_receipt_append: NULL argument");
    char line[KTPEL_RECEIPT_LINE_MAX + 2];
    size_t n = 0;
    ktpel_err err = ktpel_receipt_format_entry(e, line, sizeof line, &n, eb);
    if (err)
        return err;
    line[n++] = '\n';
    uint8_t *old = NULL;
    size_t old_len = 0;
    struct stat st;
    if (stat(path, &st) == 0) {
        ktpel_receipt check = {0};
        err = ktpel_receipt_load(path, &check, eb);
        ktpel_receipt_free(&check);
        if (!err)
            err = ktpel_file_read(path, KTPEL_RECEIPT_FILE_MAX, &old, &old_len, eb);
        if (err)
            return err;
    } else if (errno != ENOENT) {
        return ktpel_fail(eb, KTPEL_EIO, "receipt %s: %s", path, strerror(errno));
    }
    const char header[] = KTPEL_RECEIPT_HEADER "\n";
    size_t head = old ? 0 : sizeof header - 1;
    uint8_t *all = malloc(old_len + head + n);
    if (!all) {
        free(old);
        return ktpel_fail(eb, KTPEL_ENOMEM, "receipt: out of memory");
    }
    memcpy(all, header, head);
    if (old_len)
        memcpy(all + head, old, old_len);
    memcpy(all + head + old_len, line, n);
    if (old_len + head + n > KTPEL_RECEIPT_FILE_MAX)
        err = ktpel_fail(eb, KTPEL_ETOOBIG, "receipt %s: full (%u bytes); start a new one", path,
                         KTPEL_RECEIPT_FILE_MAX);
    else
        err = ktpel_file_write_atomic(path, all, old_len + head + n, eb);
    free(all);
    free(old);
    return err;
}
