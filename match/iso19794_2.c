/* ISO/IEC 19794-2:2005 finger minutiae records: strict reader and writer.
 *
 * The reader walks the record with a bounds-checked cursor; every field that can be wrong
 * is checked where it is read, so the error names the field, the view and the value. */
#include "ktpel/fp_template.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ktpel/file.h"

static const uint8_t iso_magic[4] = {'F', 'M', 'R', 0};
static const uint8_t iso_version[4] = {' ', '2', '0', 0};

/* Bounds-checked big-endian reader over the record. */
typedef struct cursor {
    const uint8_t *buf;
    size_t len;
    size_t pos;
} cursor;

static int cursor_has(const cursor *c, size_t n)
{
    return c->len - c->pos >= n;
}

static uint8_t get_u8(cursor *c)
{
    return c->buf[c->pos++];
}

static uint16_t get_u16(cursor *c)
{
    uint16_t v = (uint16_t)((c->buf[c->pos] << 8) | c->buf[c->pos + 1]);
    c->pos += 2;
    return v;
}

static uint32_t get_u32(cursor *c)
{
    uint32_t v = ((uint32_t)c->buf[c->pos] << 24) | ((uint32_t)c->buf[c->pos + 1] << 16) |
                 ((uint32_t)c->buf[c->pos + 2] << 8) | c->buf[c->pos + 3];
    c->pos += 4;
    return v;
}

static ktpel_err need(const cursor *c, size_t n, const char *what, ktpel_errbuf *eb)
{
    if (cursor_has(c, n))
        return KTPEL_OK;
    return ktpel_fail(eb, KTPEL_ETRUNCATED,
                      "ISO 19794-2 record truncated: %s needs %zu bytes at offset %zu, only %zu "
                      "left",
                      what, n, c->pos, c->len - c->pos);
}

int ktpel_iso19794_2_sniff(const uint8_t *buf, size_t len)
{
    return buf && len >= 4 && memcmp(buf, iso_magic, 4) == 0;
}

static ktpel_err read_header(cursor *c, ktpel_fp_template *t, ktpel_errbuf *eb)
{
    ktpel_err err = need(c, 4, "format identifier", eb);
    if (err)
        return err;
    if (memcmp(c->buf, iso_magic, 4) != 0)
        return ktpel_fail(eb, KTPEL_EFORMAT,
                          "not an ISO 19794-2 record: format identifier is %02x %02x %02x %02x, "
                          "expected \"FMR\\0\"",
                          c->buf[0], c->buf[1], c->buf[2], c->buf[3]);
    c->pos = 4;
    if ((err = need(c, 4, "version", eb)))
        return err;
    if (memcmp(c->buf + 4, iso_version, 4) != 0) {
        char v[5] = {0};
        for (int i = 0; i < 4; i++)
            v[i] = (c->buf[4 + i] >= 0x20 && c->buf[4 + i] < 0x7f) ? (char)c->buf[4 + i] : '?';
        return ktpel_fail(eb, KTPEL_EUNSUPPORTED,
                          "ISO 19794-2 record version \"%s\" not supported (only \" 20\", the "
                          "2005 edition)",
                          v);
    }
    c->pos = 8;
    if ((err = need(c, 4, "record length", eb)))
        return err;
    uint32_t length = get_u32(c);
    if (length < KTPEL_ISO19794_2_HEADER_SIZE) {
        /* Two zero bytes before a 4-byte length is the 6-byte length form of ANSI 378. */
        if (length == 0)
            return ktpel_fail(eb, KTPEL_EUNSUPPORTED,
                              "record length field is 0: this looks like the 6-byte length "
                              "form of ANSI/INCITS 378, not ISO 19794-2:2005");
        return ktpel_fail(eb, KTPEL_EFORMAT,
                          "ISO 19794-2 record length field %u is smaller than the 24-byte header",
                          (unsigned)length);
    }
    if (length != c->len)
        return ktpel_fail(eb, c->len < length ? KTPEL_ETRUNCATED : KTPEL_EFORMAT,
                          "ISO 19794-2 record length field says %u bytes but the data has %zu",
                          (unsigned)length, c->len);
    if ((err = need(c, KTPEL_ISO19794_2_HEADER_SIZE - 12, "record header", eb)))
        return err;
    uint16_t equipment = get_u16(c);
    t->equipment_compliance = (uint8_t)(equipment >> 12);
    t->equipment_id = equipment & 0x0fff;
    t->width = get_u16(c);
    t->height = get_u16(c);
    t->x_res = get_u16(c);
    t->y_res = get_u16(c);
    int views = get_u8(c);
    uint8_t reserved = get_u8(c);
    (void)reserved; /* reserved: ignored on reading, written as 0 */
    if (t->width == 0 || t->height == 0)
        return ktpel_fail(eb, KTPEL_EFORMAT, "ISO 19794-2 image size %dx%d: must not be zero",
                          t->width, t->height);
    if (t->x_res == 0 || t->y_res == 0)
        return ktpel_fail(eb, KTPEL_EFORMAT,
                          "ISO 19794-2 resolution %dx%d pixels/cm: must not be zero", t->x_res,
                          t->y_res);
    if (views == 0)
        return ktpel_fail(eb, KTPEL_EFORMAT, "ISO 19794-2 record has zero finger views");
    if (views > KTPEL_FP_MAX_VIEWS)
        return ktpel_fail(eb, KTPEL_ETOOBIG,
                          "ISO 19794-2 record has %d finger views, at most %d "
                          "are supported",
                          views, KTPEL_FP_MAX_VIEWS);
    t->view_count = views;
    return KTPEL_OK;
}

static ktpel_err read_minutia(cursor *c, const ktpel_fp_template *t, int view, int index,
                              ktpel_minutia *m, ktpel_errbuf *eb)
{
    uint16_t tx = get_u16(c);
    uint16_t ry = get_u16(c);
    m->type = (uint8_t)(tx >> 14);
    m->x = tx & 0x3fff;
    m->y = ry & 0x3fff;
    m->angle = get_u8(c);
    m->quality = get_u8(c);
    m->reserved = 0;
    if (m->type == 3)
        return ktpel_fail(eb, KTPEL_EFIELD,
                          "ISO 19794-2 view %d minutia %d: type bits 11 are not a minutia type",
                          view, index);
    if (m->x >= t->width || m->y >= t->height)
        return ktpel_fail(eb, KTPEL_EFORMAT,
                          "ISO 19794-2 view %d minutia %d at (%u,%u) lies outside the %dx%d "
                          "image",
                          view, index, m->x, m->y, t->width, t->height);
    if (m->quality > 100)
        return ktpel_fail(eb, KTPEL_EFIELD,
                          "ISO 19794-2 view %d minutia %d: quality %u is above 100", view, index,
                          m->quality);
    return KTPEL_OK;
}

/* The extended data block: its areas must tile it exactly. Area lengths are read as the
 * length of the data after the 4-byte area header; writers that count the header too are
 * accepted when that reading is the one that fits. */
static ktpel_err skip_extended(cursor *c, int view, ktpel_errbuf *eb)
{
    ktpel_err err = need(c, 2, "extended data block length", eb);
    if (err)
        return err;
    size_t block = get_u16(c);
    if (!cursor_has(c, block))
        return ktpel_fail(eb, KTPEL_ETRUNCATED,
                          "ISO 19794-2 view %d: extended data block of %zu bytes runs past the "
                          "end of the record (%zu bytes left)",
                          view, block, c->len - c->pos);
    size_t end = c->pos + block;
    while (c->pos < end) {
        size_t left = end - c->pos;
        if (left < 4)
            return ktpel_fail(eb, KTPEL_EFORMAT,
                              "ISO 19794-2 view %d: %zu stray bytes at the end of the extended "
                              "data block (an area header needs 4)",
                              view, left);
        uint16_t type = get_u16(c);
        size_t area = get_u16(c);
        if (area <= left - 4)
            c->pos += area;
        else if (area >= 4 && area <= left)
            c->pos += area - 4;
        else
            return ktpel_fail(eb, KTPEL_EFORMAT,
                              "ISO 19794-2 view %d: extended data area type 0x%04x of %zu bytes "
                              "overruns its block (%zu bytes left)",
                              view, type, area, left - 4);
    }
    return KTPEL_OK;
}

static ktpel_err read_view(cursor *c, ktpel_fp_template *t, int index, ktpel_errbuf *eb)
{
    ktpel_fp_view *v = &t->views[index];
    char what[64];
    snprintf(what, sizeof what, "finger view %d header", index);
    ktpel_err err = need(c, KTPEL_ISO19794_2_VIEW_HEADER_SIZE, what, eb);
    if (err)
        return err;
    v->position = get_u8(c);
    uint8_t view_impression = get_u8(c);
    v->view_number = view_impression >> 4;
    v->impression = view_impression & 0x0f;
    v->quality = get_u8(c);
    v->count = get_u8(c);
    if (v->position > 10)
        return ktpel_fail(eb, KTPEL_EFIELD, "ISO 19794-2 view %d: finger position %u is not 0..10",
                          index, v->position);
    if (v->quality > 100)
        return ktpel_fail(eb, KTPEL_EFIELD, "ISO 19794-2 view %d: finger quality %u is above 100",
                          index, v->quality);
    size_t bytes = (size_t)v->count * KTPEL_ISO19794_2_MINUTIA_SIZE;
    if (!cursor_has(c, bytes))
        return ktpel_fail(eb, KTPEL_ETRUNCATED,
                          "ISO 19794-2 view %d declares %d minutiae (%zu bytes) but only %zu "
                          "bytes are left",
                          index, v->count, bytes, c->len - c->pos);
    for (int i = 0; i < v->count; i++)
        if ((err = read_minutia(c, t, index, i, &v->minutiae[i], eb)))
            return err;
    return skip_extended(c, index, eb);
}

ktpel_err ktpel_iso19794_2_read(const uint8_t *buf, size_t len, ktpel_fp_template *out,
                                ktpel_errbuf *eb)
{
    if (!buf || !out)
        return ktpel_fail(eb, KTPEL_EINVAL, "ktpel_iso19794_2_read: NULL argument");
    memset(out, 0, sizeof *out);
    cursor c = {buf, len, 0};
    ktpel_err err = read_header(&c, out, eb);
    for (int i = 0; !err && i < out->view_count; i++)
        err = read_view(&c, out, i, eb);
    if (!err && c.pos != len)
        err =
            ktpel_fail(eb, KTPEL_EFORMAT,
                       "ISO 19794-2 record has %zu bytes after its last finger view", len - c.pos);
    if (err)
        memset(out, 0, sizeof *out);
    return err;
}

ktpel_err ktpel_iso19794_2_read_file(const char *path, ktpel_fp_template *out, ktpel_errbuf *eb)
{
    if (!path || !out)
        return ktpel_fail(eb, KTPEL_EINVAL, "ktpel_iso19794_2_read_file: NULL argument");
    /* Records are small; anything above 16 MB is not a minutiae record. */
    uint8_t *data = NULL;
    size_t len = 0;
    ktpel_err err = ktpel_file_read(path, (size_t)16 << 20, &data, &len, eb);
    if (err)
        return err;
    err = ktpel_iso19794_2_read(data, len, out, eb);
    free(data);
    if (err)
        ktpel_fail_context(eb, "%s: ", path);
    return err;
}

size_t ktpel_iso19794_2_size(const ktpel_fp_template *t)
{
    if (!t)
        return 0;
    size_t size = KTPEL_ISO19794_2_HEADER_SIZE;
    for (int i = 0; i < t->view_count && i < KTPEL_FP_MAX_VIEWS; i++) {
        int count = t->views[i].count;
        if (count < 0)
            count = 0;
        size +=
            KTPEL_ISO19794_2_VIEW_HEADER_SIZE + 2 + (size_t)count * KTPEL_ISO19794_2_MINUTIA_SIZE;
    }
    return size;
}

/* Checks what the reader would check, so that every record written reads back. */
static ktpel_err validate(const ktpel_fp_template *t, ktpel_errbuf *eb)
{
    if (t->width < 1 || t->width > 0xffff || t->height < 1 || t->height > 0xffff)
        return ktpel_fail(eb, KTPEL_EFIELD, "template image size %dx%d is not 1..65535", t->width,
                          t->height);
    if (t->x_res < 1 || t->x_res > 0xffff || t->y_res < 1 || t->y_res > 0xffff)
        return ktpel_fail(eb, KTPEL_EFIELD, "template resolution %dx%d pixels/cm is not 1..65535",
                          t->x_res, t->y_res);
    if (t->equipment_compliance > 15 || t->equipment_id > 0x0fff)
        return ktpel_fail(eb, KTPEL_EFIELD, "template capture equipment %u/%u out of range",
                          t->equipment_compliance, t->equipment_id);
    if (t->view_count < 1 || t->view_count > KTPEL_FP_MAX_VIEWS)
        return ktpel_fail(eb, KTPEL_EFIELD, "template has %d finger views, not 1..%d",
                          t->view_count, KTPEL_FP_MAX_VIEWS);
    for (int i = 0; i < t->view_count; i++) {
        const ktpel_fp_view *v = &t->views[i];
        if (v->position > 10 || v->view_number > 15 || v->impression > 15 || v->quality > 100)
            return ktpel_fail(eb, KTPEL_EFIELD,
                              "template view %d: position %u, view %u, impression %u or "
                              "quality %u out of range",
                              i, v->position, v->view_number, v->impression, v->quality);
        if (v->count < 0 || v->count > KTPEL_MAX_MINUTIAE)
            return ktpel_fail(eb, KTPEL_EFIELD, "template view %d has %d minutiae, not 0..%d", i,
                              v->count, KTPEL_MAX_MINUTIAE);
        for (int k = 0; k < v->count; k++) {
            const ktpel_minutia *m = &v->minutiae[k];
            if (m->x >= t->width || m->y >= t->height || m->type > 2 || m->quality > 100)
                return ktpel_fail(eb, KTPEL_EFIELD,
                                  "template view %d minutia %d: (%u,%u) type %u quality %u is "
                                  "invalid for a %dx%d image",
                                  i, k, m->x, m->y, m->type, m->quality, t->width, t->height);
        }
    }
    return KTPEL_OK;
}

static uint8_t *put_u16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
    return p + 2;
}

static uint8_t *put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
    return p + 4;
}

ktpel_err ktpel_iso19794_2_write(const ktpel_fp_template *t, uint8_t **out, size_t *out_len,
                                 ktpel_errbuf *eb)
{
    if (!t || !out || !out_len)
        return ktpel_fail(eb, KTPEL_EINVAL, "ktpel_iso19794_2_write: NULL argument");
    ktpel_err err = validate(t, eb);
    if (err)
        return err;
    size_t size = ktpel_iso19794_2_size(t);
    uint8_t *buf = malloc(size);
    if (!buf)
        return ktpel_fail(eb, KTPEL_ENOMEM, "ISO 19794-2 writer: out of memory (%zu bytes)", size);
    uint8_t *p = buf;
    memcpy(p, iso_magic, 4);
    memcpy(p + 4, iso_version, 4);
    p = put_u32(p + 8, (uint32_t)size);
    p = put_u16(p, ((unsigned)t->equipment_compliance << 12) | t->equipment_id);
    p = put_u16(p, (unsigned)t->width);
    p = put_u16(p, (unsigned)t->height);
    p = put_u16(p, (unsigned)t->x_res);
    p = put_u16(p, (unsigned)t->y_res);
    *p++ = (uint8_t)t->view_count;
    *p++ = 0;
    for (int i = 0; i < t->view_count; i++) {
        const ktpel_fp_view *v = &t->views[i];
        *p++ = v->position;
        *p++ = (uint8_t)((v->view_number << 4) | v->impression);
        *p++ = v->quality;
        *p++ = (uint8_t)v->count;
        for (int k = 0; k < v->count; k++) {
            const ktpel_minutia *m = &v->minutiae[k];
            p = put_u16(p, ((unsigned)m->type << 14) | m->x);
            p = put_u16(p, m->y);
            *p++ = m->angle;
            *p++ = m->quality;
        }
        p = put_u16(p, 0); /* no extended data */
    }
    *out = buf;
    *out_len = size;
    return KTPEL_OK;
}

ktpel_err ktpel_iso19794_2_write_file(const char *path, const ktpel_fp_template *t,
                                      ktpel_errbuf *eb)
{
    if (!path)
        return ktpel_fail(eb, KTPEL_EINVAL, "ktpel_iso19794_2_write_file: NULL path");
    uint8_t *data = NULL;
    size_t len = 0;
    ktpel_err err = ktpel_iso19794_2_write(t, &data, &len, eb);
    if (err)
        return err;
    err = ktpel_file_write_atomic(path, data, len, eb);
    free(data);
    return err;
}

ktpel_err ktpel_fp_template_init(ktpel_fp_template *t, int width, int height, int dpi,
                                 const ktpel_minutia *minutiae, int count, ktpel_errbuf *eb)
{
    if (!t || (count > 0 && !minutiae))
        return ktpel_fail(eb, KTPEL_EINVAL, "ktpel_fp_template_init: NULL argument");
    if (count < 0 || count > KTPEL_MAX_MINUTIAE)
        return ktpel_fail(eb, KTPEL_EINVAL, "ktpel_fp_template_init: %d minutiae, not 0..%d", count,
                          KTPEL_MAX_MINUTIAE);
    if (width < 1 || width > 0xffff || height < 1 || height > 0xffff)
        return ktpel_fail(eb, KTPEL_EINVAL, "ktpel_fp_template_init: image size %dx%d", width,
                          height);
    if (dpi < 3 || dpi > 166000)
        return ktpel_fail(eb, KTPEL_EINVAL, "ktpel_fp_template_init: resolution %d dpi", dpi);
    memset(t, 0, sizeof *t);
    t->width = width;
    t->height = height;
    t->x_res = t->y_res = (int)lround(dpi / 2.54);
    t->view_count = 1;
    t->views[0].impression = KTPEL_FP_IMPRESSION_LIVE_PLAIN;
    t->views[0].count = count;
    if (count > 0)
        memcpy(t->views[0].minutiae, minutiae, (size_t)count * sizeof *minutiae);
    return KTPEL_OK;
}

int ktpel_fp_template_dpi(const ktpel_fp_template *t)
{
    return t ? (int)lround(t->x_res * 2.54) : 0;
}
