/* The enrolment packet's inner container ("KPKT", docs/packet-format.md): building, encoding
 * and the parser of outside data. Sealing and opening are in packet_seal.c. */
#include "ktpel/packet.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ktpel/checksum.h"
#include "ktpel/date.h"
#include "ktpel/file.h"
#include "packet_internal.h"

#define MAGIC            "KPKT"
#define HEADER_LEN       8
#define CRC_LEN          4
#define META_TEXT_MAX    4096
#define CAPTURE_TEXT_MAX (256 * 1024)
#define CAPTURES_MAX     1024
#define CAPTURE_HEADER   "item\tentry\tdevice\ttime\tquality\tattempts\tstatus\tnote"

/* ---- small validators ---- */

static bool name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

bool packet_name_valid(const char *name, size_t len)
{
    if (len == 0 || len > KTPEL_PACKET_NAME_MAX || name[0] == '.' || name[0] == '_' ||
        name[0] == '-')
        return false;
    for (size_t i = 0; i < len; i++)
        if (!name_char(name[i]))
            return false;
    return true;
}

static bool id_valid(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n == 0 || n > max)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-'))
            return false;
    }
    return true;
}

static bool token_valid(const char *s, size_t max, bool digits)
{
    size_t n = strlen(s);
    if (n == 0 || n > max)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || s[i] == '_' ||
              (digits && s[i] >= '0' && s[i] <= '9')))
            return false;
    return true;
}

/* Printable ASCII, no tab; "-" alone is refused because it means "empty" in capture.txt. */
static bool text_valid(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n > max || strcmp(s, "-") == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < 0x20 || s[i] > 0x7e)
            return false;
    return true;
}

static bool hex_id_valid(const char *s)
{
    if (strlen(s) != 32)
        return false;
    for (int i = 0; i < 32; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

static bool nik_valid(const char *s)
{
    if (s[0] == '\0')
        return true;
    if (strlen(s) != 16)
        return false;
    for (int i = 0; i < 16; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

char *ktpel_packet_format_time(int64_t t, char *buf, size_t size)
{
    int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
    int64_t secs = t - days * 86400;
    ktpel_date d = ktpel_date_from_days(days);
    snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02dZ", d.year, d.month, d.day,
             (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
    return buf;
}

static int digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

bool ktpel_packet_parse_time(const char *text, int64_t *out)
{
    /* exactly YYYY-MM-DDTHH:MM:SSZ */
    if (!text || strlen(text) != 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' ||
        text[13] != ':' || text[16] != ':' || text[19] != 'Z')
        return false;
    ktpel_date d = {digits(text, 4), digits(text + 5, 2), digits(text + 8, 2)};
    int h = digits(text + 11, 2), m = digits(text + 14, 2), s = digits(text + 17, 2);
    if (!ktpel_date_valid(d) || h < 0 || h > 23 || m < 0 || m > 59 || s < 0 || s > 59)
        return false;
    *out = ktpel_date_to_days(d) * 86400 + h * 3600 + m * 60 + s;
    return true;
}

ktpel_err packet_meta_check(const ktpel_packet_meta *m, bool need_station, ktpel_errbuf *eb)
{
    if (!hex_id_valid(m->packet_id))
        return ktpel_fail(eb, KTPEL_EFIELD, "packet_id \"%.40s\": 32 lower-case hex digits",
                          m->packet_id);
    if ((need_station || m->station_id[0]) && !id_valid(m->station_id, 32))
        return ktpel_fail(eb, KTPEL_EFIELD, "station_id \"%.40s\": 1..32 of A-Z a-z 0-9 _ -",
                          m->station_id);
    if (!id_valid(m->operator_id, 32))
        return ktpel_fail(eb, KTPEL_EFIELD, "operator_id \"%.40s\": 1..32 of A-Z a-z 0-9 _ -",
                          m->operator_id);
    if (!nik_valid(m->nik))
        return ktpel_fail(eb, KTPEL_EFIELD, "nik \"%.20s\": 16 digits", m->nik);
    if (!text_valid(m->source, 64))
        return ktpel_fail(eb, KTPEL_EFIELD, "source: printable ASCII, at most 64 characters");
    if (m->created < 0 || m->created > 253402300799 || m->confirmed_at < 0 ||
        m->confirmed_at > 253402300799)
        return ktpel_fail(eb, KTPEL_EFIELD, "packet times must lie in the years 1970..9999");
    if (m->resident_confirmed != (m->confirmed_at != 0))
        return ktpel_fail(eb, KTPEL_EFIELD,
                          "confirmed_at is given exactly when "
                          "resident_confirmed is yes");
    return KTPEL_OK;
}

static ktpel_err capture_check(const ktpel_packet_capture *c, ktpel_errbuf *eb)
{
    if (!token_valid(c->item, 32, true))
        return ktpel_fail(eb, KTPEL_EFIELD, "capture item \"%.40s\": 1..32 of a-z 0-9 _", c->item);
    if (c->entry[0] && !packet_name_valid(c->entry, strlen(c->entry)))
        return ktpel_fail(eb, KTPEL_EFIELD, "capture %s: entry name \"%.70s\" is not valid",
                          c->item, c->entry);
    if (!text_valid(c->device, 64) || !text_valid(c->note, 128))
        return ktpel_fail(eb, KTPEL_EFIELD,
                          "capture %s: device or note is not printable ASCII "
                          "of at most 64/128 characters",
                          c->item);
    if (c->time < 0 || c->time > 253402300799)
        return ktpel_fail(eb, KTPEL_EFIELD, "capture %s: time %lld", c->item, (long long)c->time);
    if (c->quality < -1 || c->quality > 100 || c->attempts < 0 || c->attempts > 99)
        return ktpel_fail(eb, KTPEL_EFIELD,
                          "capture %s: quality %d (-1..100) or attempts %d "
                          "(0..99)",
                          c->item, c->quality, c->attempts);
    if (!token_valid(c->status, 16, false))
        return ktpel_fail(eb, KTPEL_EFIELD, "capture %s: status \"%.20s\": 1..16 of a-z _", c->item,
                          c->status);
    return KTPEL_OK;
}

/* ---- the packet object ---- */

ktpel_err ktpel_packet_new_id(char id[33], ktpel_errbuf *eb)
{
    uint8_t raw[16];
    ktpel_err rc = ktpel_pki_random(raw, sizeof raw, eb);
    if (rc)
        return rc;
    for (int i = 0; i < 16; i++)
        snprintf(id + 2 * i, 3, "%02x", raw[i]);
    return KTPEL_OK;
}

ktpel_err ktpel_packet_new(const ktpel_packet_meta *meta, ktpel_packet **out, ktpel_errbuf *eb)
{
    if (!meta || !out)
        return ktpel_fail(eb, KTPEL_EINVAL, "packet: NULL argument");
    *out = NULL;
    ktpel_packet *p = calloc(1, sizeof *p);
    if (!p)
        return ktpel_fail(eb, KTPEL_ENOMEM, "packet: out of memory");
    p->meta = *meta;
    ktpel_err rc = KTPEL_OK;
    if (!memchr(p->meta.packet_id, 0, sizeof p->meta.packet_id) ||
        !memchr(p->meta.station_id, 0, sizeof p->meta.station_id) ||
        !memchr(p->meta.operator_id, 0, sizeof p->meta.operator_id) ||
        !memchr(p->meta.nik, 0, sizeof p->meta.nik) ||
        !memchr(p->meta.source, 0, sizeof p->meta.source))
        rc = ktpel_fail(eb, KTPEL_EINVAL, "packet: a metadata string is not terminated");
    if (!rc && p->meta.packet_id[0] == '\0')
        rc = ktpel_packet_new_id(p->meta.packet_id, eb);
    if (!rc)
        rc = packet_meta_check(&p->meta, false, eb);
    if (rc) {
        free(p);
        return rc;
    }
    *out = p;
    return KTPEL_OK;
}

void ktpel_packet_free(ktpel_packet *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n; i++)
        free(p->entries[i].data);
    free(p->entries);
    free(p->caps);
    free(p);
}

const ktpel_packet_meta *ktpel_packet_get_meta(const ktpel_packet *p)
{
    return p ? &p->meta : NULL;
}

static bool reserved_name(const char *name)
{
    return strcmp(name, PACKET_META_NAME) == 0 || strcmp(name, PACKET_CAPTURE_NAME) == 0;
}

/* Index of name in the sorted entries, or where it would go (*found false). */
static size_t entry_slot(const ktpel_packet *p, const char *name, bool *found)
{
    size_t lo = 0, hi = p->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(p->entries[mid].name, name);
        if (c == 0) {
            *found = true;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = false;
    return lo;
}

/* Inserts an entry taking over data (freed on failure). */
static ktpel_err insert_entry(ktpel_packet *p, const char *name, uint8_t *data, size_t len,
                              ktpel_errbuf *eb)
{
    bool found;
    size_t at = entry_slot(p, name, &found);
    ktpel_err rc = KTPEL_OK;
    if (found)
        rc = ktpel_fail(eb, KTPEL_EINVAL, "packet: entry %s added twice", name);
    else if (p->n >= KTPEL_PACKET_ENTRIES_MAX)
        rc =
            ktpel_fail(eb, KTPEL_ETOOBIG, "packet: more than %d entries", KTPEL_PACKET_ENTRIES_MAX);
    else if (len > KTPEL_PACKET_ENTRY_MAX || p->total + len > PACKET_DATA_MAX)
        rc = ktpel_fail(eb, KTPEL_ETOOBIG,
                        "packet: entry %s of %zu bytes exceeds the limits "
                        "(%u per entry, %u in all)",
                        name, len, KTPEL_PACKET_ENTRY_MAX, PACKET_DATA_MAX);
    if (!rc && p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 16;
        packet_entry *grown = realloc(p->entries, cap * sizeof *grown);
        if (!grown)
            rc = ktpel_fail(eb, KTPEL_ENOMEM, "packet: out of memory");
        else {
            p->entries = grown;
            p->cap = cap;
        }
    }
    if (rc) {
        free(data);
        return rc;
    }
    memmove(p->entries + at + 1, p->entries + at, (p->n - at) * sizeof *p->entries);
    snprintf(p->entries[at].name, sizeof p->entries[at].name, "%s", name);
    p->entries[at].data = data;
    p->entries[at].len = len;
    p->n++;
    p->total += len;
    return KTPEL_OK;
}

ktpel_err ktpel_packet_add(ktpel_packet *p, const char *name, const void *data, size_t len,
                           ktpel_errbuf *eb)
{
    if (!p || !name || (!data && len))
        return ktpel_fail(eb, KTPEL_EINVAL, "packet add: NULL argument");
    if (!packet_name_valid(name, strlen(name)) || reserved_name(name))
        return ktpel_fail(eb, KTPEL_EINVAL,
                          "packet: entry name \"%.70s\" is not allowed "
                          "(1..64 of a-z 0-9 _ . -, not %s or %s)",
                          name, PACKET_META_NAME, PACKET_CAPTURE_NAME);
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy)
        return ktpel_fail(eb, KTPEL_ENOMEM, "packet: out of memory for %zu bytes", len);
    if (len)
        memcpy(copy, data, len);
    return insert_entry(p, name, copy, len, eb);
}

ktpel_err ktpel_packet_add_file(ktpel_packet *p, const char *name, const char *path,
                                ktpel_errbuf *eb)
{
    if (!p || !name || !path)
        return ktpel_fail(eb, KTPEL_EINVAL, "packet add: NULL argument");
    if (!packet_name_valid(name, strlen(name)) || reserved_name(name))
        return ktpel_fail(eb, KTPEL_EINVAL, "packet: entry name \"%.70s\" is not allowed", name);
    uint8_t *data = NULL;
    size_t len = 0;
    ktpel_err rc = ktpel_file_read(path, KTPEL_PACKET_ENTRY_MAX, &data, &len, eb);
    return rc ? rc : insert_entry(p, name, data, len, eb);
}

ktpel_err ktpel_packet_add_capture(ktpel_packet *p, const ktpel_packet_capture *c, ktpel_errbuf *eb)
{
    if (!p || !c)
        return ktpel_fail(eb, KTPEL_EINVAL, "packet add capture: NULL argument");
    ktpel_packet_capture copy = *c;
    /* terminate every string so that a caller's unterminated array cannot overrun */
    copy.item[sizeof copy.item - 1] = copy.entry[sizeof copy.entry - 1] = '\0';
    copy.device[sizeof copy.device - 1] = copy.status[sizeof copy.status - 1] = '\0';
    copy.note[sizeof copy.note - 1] = '\0';
    ktpel_err rc = capture_check(&copy, eb);
    if (rc)
        return rc;
    if (p->ncaps >= CAPTURES_MAX)
        return ktpel_fail(eb, KTPEL_ETOOBIG, "packet: more than %d captures", CAPTURES_MAX);
    if (p->ncaps == p->capcap) {
        size_t cap = p->capcap ? p->capcap * 2 : 32;
        ktpel_packet_capture *grown = realloc(p->caps, cap * sizeof *grown);
        if (!grown)
            return ktpel_fail(eb, KTPEL_ENOMEM, "packet: out of memory");
        p->caps = grown;
        p->capcap = cap;
    }
    p->caps[p->ncaps++] = copy;
    return KTPEL_OK;
}

size_t ktpel_packet_entry_count(const ktpel_packet *p)
{
    return p ? p->n : 0;
}

const char *ktpel_packet_entry_name(const ktpel_packet *p, size_t i)
{
    return p && i < p->n ? p->entries[i].name : NULL;
}

const uint8_t *ktpel_packet_entry_data(const ktpel_packet *p, size_t i, size_t *len)
{
    if (!p || i >= p->n)
        return NULL;
    if (len)
        *len = p->entries[i].len;
    return p->entries[i].data;
}

const uint8_t *ktpel_packet_find(const ktpel_packet *p, const char *name, size_t *len)
{
    bool found = false;
    size_t i = p && name ? entry_slot(p, name, &found) : 0;
    return found ? ktpel_packet_entry_data(p, i, len) : NULL;
}

size_t ktpel_packet_capture_count(const ktpel_packet *p)
{
    return p ? p->ncaps : 0;
}

const ktpel_packet_capture *ktpel_packet_capture_at(const ktpel_packet *p, size_t i)
{
    return p && i < p->ncaps ? &p->caps[i] : NULL;
}

/* ---- the two generated text entries ---- */

typedef struct textbuf {
    char *s;
    size_t len, cap;
    bool failed;
} textbuf;

static void tb_printf(textbuf *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void tb_printf(textbuf *t, const char *fmt, ...)
{
    va_list ap;
    for (;;) {
        if (t->failed)
            return;
        va_start(ap, fmt);
        int n = vsnprintf(t->s ? t->s + t->len : NULL, t->s ? t->cap - t->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0) {
            t->failed = true;
            return;
        }
        if (t->s && t->len + (size_t)n < t->cap) {
            t->len += (size_t)n;
            return;
        }
        size_t cap = (t->cap ? t->cap : 256) * 2 + (size_t)n;
        char *grown = realloc(t->s, cap);
        if (!grown) {
            t->failed = true;
            return;
        }
        t->s = grown;
        t->cap = cap;
    }
}

static void meta_text(const ktpel_packet_meta *m, textbuf *t)
{
    char created[32], confirmed[32];
    tb_printf(t,
              "format: ktpel-packet %d\npacket_id: %s\ncreated: %s\nstation_id: %s\n"
              "operator_id: %s\n",
              KTPEL_PACKET_VERSION, m->packet_id,
              ktpel_packet_format_time(m->created, created, sizeof created), m->station_id,
              m->operator_id);
    if (m->nik[0])
        tb_printf(t, "nik: %s\n", m->nik);
    tb_printf(t, "resident_confirmed: %s\n", m->resident_confirmed ? "yes" : "no");
    if (m->resident_confirmed)
        tb_printf(t, "confirmed_at: %s\n",
                  ktpel_packet_format_time(m->confirmed_at, confirmed, sizeof confirmed));
    if (m->source[0])
        tb_printf(t, "source: %s\n", m->source);
}

static void capture_text(const ktpel_packet *p, textbuf *t)
{
    tb_printf(t, "%s\n", CAPTURE_HEADER);
    for (size_t i = 0; i < p->ncaps; i++) {
        const ktpel_packet_capture *c = &p->caps[i];
        char when[32];
        tb_printf(t, "%s\t%s\t%s\t%s\t%d\t%d\t%s\t%s\n", c->item, c->entry[0] ? c->entry : "-",
                  c->device[0] ? c->device : "-",
                  ktpel_packet_format_time(c->time, when, sizeof when), c->quality, c->attempts,
                  c->status, c->note[0] ? c->note : "-");
    }
}

ktpel_err packet_texts(const ktpel_packet *p, char **meta, size_t *meta_len, char **caps,
                       size_t *caps_len, ktpel_errbuf *eb)
{
    textbuf m = {0}, c = {0};
    meta_text(&p->meta, &m);
    capture_text(p, &c);
    if (m.failed || c.failed) {
        free(m.s);
        free(c.s);
        return ktpel_fail(eb, KTPEL_ENOMEM, "packet: out of memory");
    }
    *meta = m.s;
    *meta_len = m.len;
    *caps = c.s;
    *caps_len = c.len;
    return KTPEL_OK;
}

/* ---- encoding ---- */

typedef struct out_entry {
    const char *name;
    const uint8_t *data;
    size_t len;
} out_entry;

static int out_entry_cmp(const void *a, const void *b)
{
    return strcmp(((const out_entry *)a)->name, ((const out_entry *)b)->name);
}

static void put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static ktpel_err write_container(const out_entry *list, size_t n, uint8_t **out, size_t *len,
                                 ktpel_errbuf *eb)
{
    size_t total = HEADER_LEN + CRC_LEN;
    for (size_t i = 0; i < n; i++)
        total += 1 + strlen(list[i].name) + 4 + list[i].len;
    if (total > KTPEL_PACKET_CONTAINER_MAX)
        return ktpel_fail(eb, KTPEL_ETOOBIG, "packet: %zu bytes, more than %u", total,
                          KTPEL_PACKET_CONTAINER_MAX);
    uint8_t *buf = malloc(total);
    if (!buf)
        return ktpel_fail(eb, KTPEL_ENOMEM, "packet: out of memory for %zu bytes", total);
    memcpy(buf, MAGIC, 4);
    buf[4] = KTPEL_PACKET_VERSION;
    buf[5] = 0;
    buf[6] = (uint8_t)(n >> 8);
    buf[7] = (uint8_t)n;
    size_t at = HEADER_LEN;
    for (size_t i = 0; i < n; i++) {
        size_t nl = strlen(list[i].name);
        buf[at++] = (uint8_t)nl;
        memcpy(buf + at, list[i].name, nl);
        at += nl;
        put_u32(buf + at, (uint32_t)list[i].len);
        at += 4;
        if (list[i].len)
            memcpy(buf + at, list[i].data, list[i].len);
        at += list[i].len;
    }
    put_u32(buf + at, ktpel_crc32(0, buf, at));
    *out = buf;
    *len = total;
    return KTPEL_OK;
}

ktpel_err ktpel_packet_encode(const ktpel_packet *p, uint8_t **out, size_t *len, ktpel_errbuf *eb)
{
    if (!p || !out || !len)
        return ktpel_fail(eb, KTPEL_EINVAL, "packet encode: NULL argument");
    *out = NULL;
    *len = 0;
    ktpel_err rc = packet_meta_check(&p->meta, true, eb);
    if (rc)
        return rc;
    if (!ktpel_packet_find(p, PACKET_RECORD_NAME, NULL))
        return ktpel_fail(eb, KTPEL_EINVAL, "packet: no %s entry", PACKET_RECORD_NAME);
    for (size_t i = 0; i < p->ncaps; i++)
        if (p->caps[i].entry[0] && !ktpel_packet_find(p, p->caps[i].entry, NULL))
            return ktpel_fail(eb, KTPEL_EINVAL,
                              "packet: capture %s names entry %s, which is "
                              "not in the packet",
                              p->caps[i].item, p->caps[i].entry);
    textbuf meta = {0}, caps = {0};
    meta_text(&p->meta, &meta);
    capture_text(p, &caps);
    out_entry *list = malloc((p->n + 2) * sizeof *list);
    if (meta.failed || caps.failed || !list) {
        rc = ktpel_fail(eb, KTPEL_ENOMEM, "packet encode: out of memory");
    } else {
        for (size_t i = 0; i < p->n; i++)
            list[i] = (out_entry){p->entries[i].name, p->entries[i].data, p->entries[i].len};
        list[p->n] = (out_entry){PACKET_META_NAME, (const uint8_t *)meta.s, meta.len};
        list[p->n + 1] = (out_entry){PACKET_CAPTURE_NAME, (const uint8_t *)caps.s, caps.len};
        qsort(list, p->n + 2, sizeof *list, out_entry_cmp);
        rc = write_container(list, p->n + 2, out, len, eb);
    }
    free(list);
    free(meta.s);
    free(caps.s);
    return rc;
}

/* ---- decoding (outside data) ---- */

/* Splits text (NUL-free, every line ending in \n) into lines; calls fn on each. */
typedef ktpel_err (*line_fn)(void *ctx, char *line, int number, ktpel_errbuf *eb);

static ktpel_err for_each_line(const char *what, const uint8_t *data, size_t len, size_t max,
                               line_fn fn, void *ctx, ktpel_errbuf *eb)
{
    if (len > max)
        return ktpel_fail(eb, KTPEL_ETOOBIG, "%s: %zu bytes, more than %zu", what, len, max);
    if (memchr(data, 0, len))
        return ktpel_fail(eb, KTPEL_EFORMAT, "%s: holds a NUL byte", what);
    if (len == 0 || data[len - 1] != '\n')
        return ktpel_fail(eb, KTPEL_EFORMAT, "%s: does not end with a newline", what);
    char *text = malloc(len + 1);
    if (!text)
        return ktpel_fail(eb, KTPEL_ENOMEM, "%s: out of memory", what);
    memcpy(text, data, len);
    text[len] = '\0';
    ktpel_err rc = KTPEL_OK;
    int number = 0;
    for (char *line = text; !rc && *line;) {
        char *nl = strchr(line, '\n');
        *nl = '\0';
        rc = fn(ctx, line, ++number, eb);
        line = nl + 1;
    }
    free(text);
    return rc ? ktpel_fail_context(eb, "%s: ", what) : KTPEL_OK;
}

enum meta_key {
    MK_FORMAT,
    MK_ID,
    MK_CREATED,
    MK_STATION,
    MK_OPERATOR,
    MK_NIK,
    MK_CONFIRMED,
    MK_CONFIRMED_AT,
    MK_SOURCE,
    MK_COUNT
};
static const char *const meta_keys[MK_COUNT] = {
    "format", "packet_id",          "created",      "station_id", "operator_id",
    "nik",    "resident_confirmed", "confirmed_at", "source",
};

typedef struct meta_parse {
    ktpel_packet_meta *m;
    bool seen[MK_COUNT];
} meta_parse;

static ktpel_err copy_value(char *dst, size_t size, const char *value, const char *key, int number,
                            ktpel_errbuf *eb)
{
    if (strlen(value) >= size)
        return ktpel_fail(eb, KTPEL_EFORMAT, "line %d: %s: value too long", number, key);
    memcpy(dst, value, strlen(value) + 1);
    return KTPEL_OK;
}

static ktpel_err meta_value(ktpel_packet_meta *m, int k, const char *v, int number,
                            ktpel_errbuf *eb)
{
    char expect[32];
    switch (k) {
    case MK_FORMAT:
        snprintf(expect, sizeof expect, "ktpel-packet %d", KTPEL_PACKET_VERSION);
        if (strcmp(v, expect) != 0)
            return ktpel_fail(eb, KTPEL_EUNSUPPORTED,
                              "line %d: format \"%.40s\", this ktpel "
                              "reads \"%s\"",
                              number, v, expect);
        return KTPEL_OK;
    case MK_ID:
        return copy_value(m->packet_id, sizeof m->packet_id, v, "packet_id", number, eb);
    case MK_CREATED:
    case MK_CONFIRMED_AT:
        if (!ktpel_packet_parse_time(v, k == MK_CREATED ? &m->created : &m->confirmed_at))
            return ktpel_fail(eb, KTPEL_EFORMAT,
                              "line %d: %s \"%.40s\" is not "
                              "YYYY-MM-DDTHH:MM:SSZ",
                              number, meta_keys[k], v);
        return KTPEL_OK;
    case MK_STATION:
        return copy_value(m->station_id, sizeof m->station_id, v, "station_id", number, eb);
    case MK_OPERATOR:
        return copy_value(m->operator_id, sizeof m->operator_id, v, "operator_id", number, eb);
    case MK_NIK:
        return copy_value(m->nik, sizeof m->nik, v, "nik", number, eb);
    case MK_CONFIRMED:
        if (strcmp(v, "yes") && strcmp(v, "no"))
            return ktpel_fail(eb, KTPEL_EFORMAT,
                              "line %d: resident_confirmed \"%.20s\" is not "
                              "yes or no",
                              number, v);
        m->resident_confirmed = v[0] == 'y';
        return KTPEL_OK;
    default:
        return copy_value(m->source, sizeof m->source, v, "source", number, eb);
    }
}

static ktpel_err meta_line(void *ctx, char *line, int number, ktpel_errbuf *eb)
{
    meta_parse *mp = ctx;
    char *colon = strchr(line, ':');
    if (!colon || colon[1] != ' ')
        return ktpel_fail(eb, KTPEL_EFORMAT, "line %d: not \"key: value\"", number);
    *colon = '\0';
    for (int k = 0; k < MK_COUNT; k++) {
        if (strcmp(line, meta_keys[k]) != 0)
            continue;
        if (mp->seen[k])
            return ktpel_fail(eb, KTPEL_EFORMAT, "line %d: key %s repeated", number, line);
        mp->seen[k] = true;
        return meta_value(mp->m, k, colon + 2, number, eb);
    }
    return ktpel_fail(eb, KTPEL_EFORMAT, "line %d: unknown key \"%.40s\"", number, line);
}

static ktpel_err parse_meta(const uint8_t *data, size_t len, ktpel_packet_meta *m, ktpel_errbuf *eb)
{
    memset(m, 0, sizeof *m);
    meta_parse mp = {m, {false}};
    ktpel_err rc = for_each_line(PACKET_META_NAME, data, len, META_TEXT_MAX, meta_line, &mp, eb);
    if (rc)
        return rc;
    const int required[] = {MK_FORMAT, MK_ID, MK_CREATED, MK_STATION, MK_OPERATOR, MK_CONFIRMED};
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++)
        if (!mp.seen[required[i]])
            return ktpel_fail(eb, KTPEL_EFORMAT, "%s: no %s", PACKET_META_NAME,
                              meta_keys[required[i]]);
    rc = packet_meta_check(m, true, eb);
    return rc ? ktpel_fail_context(eb, "%s: ", PACKET_META_NAME) : KTPEL_OK;
}

static bool parse_int(const char *s, long lo, long hi, int *out)
{
    if (!*s || strlen(s) > 4)
        return false;
    long v = 0;
    bool neg = *s == '-';
    for (const char *c = s + neg; *c; c++) {
        if (*c < '0' || *c > '9')
            return false;
        v = v * 10 + (*c - '0');
    }
    if (neg && !s[1])
        return false;
    v = neg ? -v : v;
    if (v < lo || v > hi)
        return false;
    *out = (int)v;
    return true;
}

static ktpel_err capture_field(char *dst, size_t size, const char *v, bool dash_empty)
{
    if (dash_empty && strcmp(v, "-") == 0)
        v = "";
    if (strlen(v) >= size)
        return KTPEL_EFORMAT;
    memcpy(dst, v, strlen(v) + 1);
    return KTPEL_OK;
}

static ktpel_err capture_line(void *ctx, char *line, int number, ktpel_errbuf *eb)
{
    ktpel_packet *p = ctx;
    if (number == 1)
        return strcmp(line, CAPTURE_HEADER) == 0
                   ? KTPEL_OK
                   : ktpel_fail(eb, KTPEL_EFORMAT, "line 1 is not the column header");
    char *f[8];
    int n = 0;
    for (char *s = line; s; n++) {
        char *tab = strchr(s, '\t');
        if (tab)
            *tab = '\0';
        if (n < 8)
            f[n] = s;
        s = tab ? tab + 1 : NULL;
    }
    if (n != 8)
        return ktpel_fail(eb, KTPEL_EFORMAT, "line %d: %d columns, expected 8", number, n);
    ktpel_packet_capture c;
    memset(&c, 0, sizeof c);
    if (capture_field(c.item, sizeof c.item, f[0], false) ||
        capture_field(c.entry, sizeof c.entry, f[1], true) ||
        capture_field(c.device, sizeof c.device, f[2], true) ||
        capture_field(c.status, sizeof c.status, f[6], false) ||
        capture_field(c.note, sizeof c.note, f[7], true))
        return ktpel_fail(eb, KTPEL_EFORMAT, "line %d: a column is too long", number);
    if (!ktpel_packet_parse_time(f[3], &c.time) || !parse_int(f[4], -1, 100, &c.quality) ||
        !parse_int(f[5], 0, 99, &c.attempts))
        return ktpel_fail(eb, KTPEL_EFORMAT, "line %d: time, quality or attempts does not parse",
                          number);
    ktpel_err rc = ktpel_packet_add_capture(p, &c, eb);
    return rc ? ktpel_fail_context(eb, "line %d: ", number) : KTPEL_OK;
}

/* Reads the entry table; entries other than the two text ones go into p. */
static ktpel_err read_entries(const uint8_t *data, size_t end, size_t count, ktpel_packet *p,
                              const uint8_t **meta, size_t *meta_len, const uint8_t **caps,
                              size_t *caps_len, ktpel_errbuf *eb)
{
    size_t at = HEADER_LEN;
    char prev[KTPEL_PACKET_NAME_MAX + 1] = "";
    for (size_t i = 0; i < count; i++) {
        if (at >= end)
            return ktpel_fail(eb, KTPEL_ETRUNCATED, "entry %zu of %zu: ends at offset %zu", i + 1,
                              count, at);
        size_t nl = data[at];
        if (nl == 0 || nl > KTPEL_PACKET_NAME_MAX)
            return ktpel_fail(eb, KTPEL_EFORMAT,
                              "entry %zu at offset %zu: name length %zu "
                              "(1..%d)",
                              i + 1, at, nl, KTPEL_PACKET_NAME_MAX);
        if (end - at - 1 < nl + 4)
            return ktpel_fail(eb, KTPEL_ETRUNCATED,
                              "entry %zu at offset %zu: ends inside its "
                              "header",
                              i + 1, at);
        char name[KTPEL_PACKET_NAME_MAX + 1];
        memcpy(name, data + at + 1, nl);
        name[nl] = '\0';
        if (!packet_name_valid(name, nl))
            return ktpel_fail(eb, KTPEL_EFORMAT,
                              "entry %zu at offset %zu: name is not 1..64 of "
                              "a-z 0-9 _ . -",
                              i + 1, at);
        if (strcmp(name, prev) <= 0)
            return ktpel_fail(eb, KTPEL_EFORMAT,
                              "entry %s: not after %s (names must be unique "
                              "and in order)",
                              name, prev);
        size_t dl = get_u32(data + at + 1 + nl);
        at += 1 + nl + 4;
        if (dl > KTPEL_PACKET_ENTRY_MAX)
            return ktpel_fail(eb, KTPEL_ETOOBIG, "entry %s: %zu bytes, more than %u", name, dl,
                              KTPEL_PACKET_ENTRY_MAX);
        if (dl > end - at)
            return ktpel_fail(eb, KTPEL_ETRUNCATED, "entry %s: %zu bytes, only %zu left", name, dl,
                              end - at);
        ktpel_err rc = KTPEL_OK;
        if (strcmp(name, PACKET_META_NAME) == 0) {
            *meta = data + at;
            *meta_len = dl;
        } else if (strcmp(name, PACKET_CAPTURE_NAME) == 0) {
            *caps = data + at;
            *caps_len = dl;
        } else {
            rc = ktpel_packet_add(p, name, data + at, dl, eb);
        }
        if (rc)
            return rc;
        at += dl;
        memcpy(prev, name, nl + 1);
    }
    if (at != end)
        return ktpel_fail(eb, KTPEL_EFORMAT, "%zu bytes after the last entry", end - at);
    return KTPEL_OK;
}

static ktpel_err check_header(const uint8_t *data, size_t len, size_t *count, ktpel_errbuf *eb)
{
    if (len > KTPEL_PACKET_CONTAINER_MAX)
        return ktpel_fail(eb, KTPEL_ETOOBIG, "%zu bytes, more than %u", len,
                          KTPEL_PACKET_CONTAINER_MAX);
    if (len < HEADER_LEN + CRC_LEN)
        return ktpel_fail(eb, KTPEL_ETRUNCATED, "%zu bytes, shorter than header and checksum", len);
    if (memcmp(data, MAGIC, 4) != 0)
        return ktpel_fail(eb, KTPEL_EFORMAT, "does not start with \"%s\"", MAGIC);
    if (data[4] != KTPEL_PACKET_VERSION)
        return ktpel_fail(eb, KTPEL_EUNSUPPORTED, "version %d, this ktpel reads version %d",
                          data[4], KTPEL_PACKET_VERSION);
    if (data[5] != 0)
        return ktpel_fail(eb, KTPEL_EFORMAT, "reserved byte is %d, not 0", data[5]);
    *count = (size_t)data[6] << 8 | data[7];
    if (*count < 3 || *count > KTPEL_PACKET_ENTRIES_MAX + 2)
        return ktpel_fail(eb, KTPEL_EFORMAT, "%zu entries (3..%d)", *count,
                          KTPEL_PACKET_ENTRIES_MAX + 2);
    return KTPEL_OK;
}

static ktpel_err decode_into(const uint8_t *data, size_t len, ktpel_packet *p, ktpel_errbuf *eb)
{
    size_t count = 0;
    ktpel_err rc = check_header(data, len, &count, eb);
    if (rc)
        return rc;
    const uint8_t *meta = NULL, *caps = NULL;
    size_t meta_len = 0, caps_len = 0;
    rc = read_entries(data, len - CRC_LEN, count, p, &meta, &meta_len, &caps, &caps_len, eb);
    if (rc)
        return rc;
    if (get_u32(data + len - CRC_LEN) != ktpel_crc32(0, data, len - CRC_LEN))
        return ktpel_fail(eb, KTPEL_EFORMAT, "checksum does not match the contents");
    if (!meta || !caps || !ktpel_packet_find(p, PACKET_RECORD_NAME, NULL))
        return ktpel_fail(eb, KTPEL_EFORMAT, "no %s entry",
                          !meta   ? PACKET_META_NAME
                          : !caps ? PACKET_CAPTURE_NAME
                                  : PACKET_RECORD_NAME);
    rc = parse_meta(meta, meta_len, &p->meta, eb);
    if (!rc)
        rc = for_each_line(PACKET_CAPTURE_NAME, caps, caps_len, CAPTURE_TEXT_MAX, capture_line, p,
                           eb);
    for (size_t i = 0; !rc && i < p->ncaps; i++)
        if (p->caps[i].entry[0] && !ktpel_packet_find(p, p->caps[i].entry, NULL))
            rc = ktpel_fail(eb, KTPEL_EFORMAT,
                            "%s: capture %s names entry %s, which is not in "
                            "the packet",
                            PACKET_CAPTURE_NAME, p->caps[i].item, p->caps[i].entry);
    return rc;
}

ktpel_err ktpel_packet_decode(const uint8_t *data, size_t len, ktpel_packet **out, ktpel_errbuf *eb)
{
    if ((!data && len) || !out)
        return ktpel_fail(eb, KTPEL_EINVAL, "packet decode: NULL argument");
    *out = NULL;
    ktpel_packet *p = calloc(1, sizeof *p);
    if (!p)
        return ktpel_fail(eb, KTPEL_ENOMEM, "packet: out of memory");
    ktpel_err rc = decode_into(data ? data : (const uint8_t *)"", len, p, eb);
    if (rc) {
        ktpel_packet_free(p);
        return ktpel_fail_context(eb, "packet container: ");
    }
    *out = p;
    return KTPEL_OK;
}
