/* The chip's elementary files EF.COM, DG1, DG2, DG3 and DG7 (layout in docs/chip-format.md).
 *
 * Decoders see only data whose SHA-256 the EF.SOD has already vouched for, except EF.COM,
 * which Doc 9303 leaves unsigned: it is therefore required to be exactly what the writer
 * produces for the data groups that are present. Decoders are strict all the same: the
 * reader is fuzzed with unsigned data too. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chip_internal.h"
#include "ktpel/image.h"
#include "ktpel/card_print.h"

/* EF.COM: LDS version 1.8 and Unicode 4.0.0 as in Doc 9303, then the tag list. */
static const uint8_t com_lds_version[] = {'0', '1', '0', '8'};
static const uint8_t com_unicode_version[] = {'0', '4', '0', '0', '0', '0'};
static const uint8_t com_tag_list[] = {TAG_DG1, TAG_DG2, TAG_DG3, TAG_DG7};

/* Biometric information template header (Doc 9303 part 10, ISO/IEC 7816-11). */
enum {
    TAG_BIT_GROUP = 0x7F61,
    TAG_BIT = 0x7F60,
    TAG_BHT = 0xA1,
    TAG_BDB = 0x5F2E,
    TAG_COUNT = 0x02,
    TAG_SIGNATURE_IMAGE = 0x5F43,
    TAG_DG1_FIRST_FIELD = 0xDF01, /* DF01..DF11 the 17 fields, DF12 place, DF13 date */
};

#define DG1_ISSUE_PLACE_TAG (TAG_DG1_FIRST_FIELD + KTPEL_FIELD_COUNT)
#define DG1_ISSUE_DATE_TAG  (TAG_DG1_FIRST_FIELD + KTPEL_FIELD_COUNT + 1)

/* BHT contents: header version 1.1, biometric type, subtype, format owner and type. */
typedef struct bht {
    uint8_t type, subtype; /* subtype 0 = none written */
    uint8_t format_type[2];
} bht;

static const bht bht_face = {0x02, 0, {0xFF, 0x01}};           /* 0xFF01: ktpel's bare JPEG */
static const bht bht_right_index = {0x08, 0x09, {0x00, 0x01}}; /* ISO 19794-2 minutiae */
static const bht bht_left_index = {0x08, 0x0A, {0x00, 0x01}};

static void put_bht(tlv_buf *b, const bht *h)
{
    static const uint8_t version[] = {0x01, 0x01};
    static const uint8_t owner[] = {0x01, 0x01}; /* ISO/IEC JTC 1/SC 37 */
    tlv_buf inner = {0};
    tlv_put(&inner, 0x80, version, 2);
    tlv_put(&inner, 0x81, &h->type, 1);
    if (h->subtype)
        tlv_put(&inner, 0x82, &h->subtype, 1);
    tlv_put(&inner, 0x87, owner, 2);
    tlv_put(&inner, 0x88, h->format_type, 2);
    tlv_put_buf(b, TAG_BHT, &inner);
    tlv_buf_free(&inner);
}

static void put_bit(tlv_buf *b, const bht *h, const uint8_t *data, size_t len)
{
    tlv_buf inner = {0};
    put_bht(&inner, h);
    tlv_put(&inner, TAG_BDB, data, len);
    tlv_put_buf(b, TAG_BIT, &inner);
    tlv_buf_free(&inner);
}

/* The BHT must be exactly the one ktpel writes. */
static ktpel_err expect_bht(const uint8_t *buf, size_t len, size_t *pos, const bht *h,
                            const char *where, ktpel_errbuf *eb)
{
    tlv_buf want = {0};
    put_bht(&want, h);
    ktpel_err err = KTPEL_ENOMEM;
    if (!want.failed)
        err = tlv_expect_bytes(buf, len, pos, TAG_BHT, want.data + 2, want.len - 2, where, eb);
    else
        ktpel_fail(eb, err, "%s: out of memory", where);
    tlv_buf_free(&want);
    return err;
}

static ktpel_err expect_end(const tlv *outer, size_t pos, const char *where, ktpel_errbuf *eb)
{
    if (pos != outer->len)
        return ktpel_fail(eb, KTPEL_EFORMAT, "%s: %zu unexpected bytes after the last element",
                          where, outer->len - pos);
    return KTPEL_OK;
}

/* Reads the elementary file's outer element, which must span all of ef. */
static ktpel_err open_ef(const uint8_t *ef, size_t len, unsigned tag, tlv *out, const char *where,
                         ktpel_errbuf *eb)
{
    size_t pos = 0;
    ktpel_err err = tlv_expect(ef, len, &pos, tag, out, where, eb);
    if (!err && pos != len)
        err = ktpel_fail(eb, KTPEL_EFORMAT, "%s: %zu bytes after the elementary file", where,
                         len - pos);
    return err;
}

static ktpel_err check_jpeg(const uint8_t *jpeg, size_t len, const char *where, ktpel_errbuf *eb)
{
    if (!jpeg || len < 4 || ktpel_image_sniff(jpeg, len) != KTPEL_IMAGE_FORMAT_JPEG)
        return ktpel_fail(eb, KTPEL_EFORMAT, "%s: the image is not a JPEG file", where);
    if (jpeg[len - 2] != 0xFF || jpeg[len - 1] != 0xD9)
        return ktpel_fail(eb, KTPEL_EFORMAT, "%s: the JPEG file does not end with its EOI marker",
                          where);
    return KTPEL_OK;
}

static ktpel_err dup_bytes(const uint8_t *src, size_t len, uint8_t **out, size_t *out_len,
                           const char *where, ktpel_errbuf *eb)
{
    *out = malloc(len ? len : 1);
    if (!*out)
        return ktpel_fail(eb, KTPEL_ENOMEM, "%s: out of memory (%zu bytes)", where, len);
    memcpy(*out, src, len);
    *out_len = len;
    return KTPEL_OK;
}

/* ---- EF.COM ---- */

ktpel_err chip_encode_com(tlv_buf *b, ktpel_errbuf *eb)
{
    tlv_buf inner = {0};
    tlv_put(&inner, 0x5F01, com_lds_version, sizeof com_lds_version);
    tlv_put(&inner, 0x5F36, com_unicode_version, sizeof com_unicode_version);
    tlv_put(&inner, 0x5C, com_tag_list, sizeof com_tag_list);
    tlv_put_buf(b, TAG_EF_COM, &inner);
    tlv_buf_free(&inner);
    return b->failed ? ktpel_fail(eb, KTPEL_ENOMEM, "EF.COM: out of memory") : KTPEL_OK;
}

ktpel_err chip_decode_com(const uint8_t *ef, size_t len, ktpel_errbuf *eb)
{
    tlv com;
    size_t pos = 0;
    ktpel_err err = open_ef(ef, len, TAG_EF_COM, &com, "EF.COM", eb);
    if (!err)
        err = tlv_expect_bytes(com.value, com.len, &pos, 0x5F01, com_lds_version,
                               sizeof com_lds_version, "EF.COM LDS version", eb);
    if (!err)
        err = tlv_expect_bytes(com.value, com.len, &pos, 0x5F36, com_unicode_version,
                               sizeof com_unicode_version, "EF.COM Unicode version", eb);
    if (!err)
        err = tlv_expect_bytes(com.value, com.len, &pos, 0x5C, com_tag_list, sizeof com_tag_list,
                               "EF.COM tag list", eb);
    if (!err)
        err = expect_end(&com, pos, "EF.COM", eb);
    return err;
}

/* ---- DG1: demographics as printed ---- */

/* The place of issue follows the kabupaten's rules (it is the issuing kabupaten or kota). */
static ktpel_err check_issue_place(const char *place, ktpel_errbuf *eb)
{
    ktpel_resident scratch;
    memset(&scratch, 0, sizeof scratch);
    ktpel_err err = ktpel_resident_set_field(&scratch, "kabupaten", place ? place : "", eb);
    if (err)
        ktpel_fail_context(eb, "DG1 place of issue: ");
    return err;
}

ktpel_err chip_encode_dg1(tlv_buf *b, const ktpel_chip_input *in, ktpel_errbuf *eb)
{
    ktpel_resident scratch;
    memset(&scratch, 0, sizeof scratch);
    tlv_buf inner = {0};
    char text[KTPEL_CARD_FIELD_TEXT_MAX];
    for (size_t i = 0; i < KTPEL_FIELD_COUNT; i++) {
        const char *name = ktpel_resident_field_name(i);
        ktpel_card_field_text(in->resident, i, text, sizeof text);
        /* The record's own check, on the text as printed, so that what is written reads. */
        ktpel_err err = ktpel_resident_set_field(&scratch, name, text, eb);
        if (err) {
            tlv_buf_free(&inner);
            return ktpel_fail_context(eb, "DG1: ");
        }
        tlv_put(&inner, TAG_DG1_FIRST_FIELD + (unsigned)i, text, strlen(text));
    }
    ktpel_err err = check_issue_place(in->issue_place, eb);
    if (!err && !ktpel_date_valid(in->issue_date))
        err = ktpel_fail(eb, KTPEL_EFIELD, "DG1 date of issue %04d-%02d-%02d is not a date",
                         in->issue_date.year, in->issue_date.month, in->issue_date.day);
    if (err) {
        tlv_buf_free(&inner);
        return err;
    }
    tlv_put(&inner, DG1_ISSUE_PLACE_TAG, in->issue_place, strlen(in->issue_place));
    ktpel_date_format_card(in->issue_date, text, sizeof text);
    tlv_put(&inner, DG1_ISSUE_DATE_TAG, text, strlen(text));
    tlv_put_buf(b, TAG_DG1, &inner);
    tlv_buf_free(&inner);
    return b->failed ? ktpel_fail(eb, KTPEL_ENOMEM, "DG1: out of memory") : KTPEL_OK;
}

/* Copies a text element into a NUL-terminated string; no NUL bytes inside. */
static ktpel_err element_text(const tlv *e, char *buf, size_t size, const char *what,
                              ktpel_errbuf *eb)
{
    if (e->len >= size)
        return ktpel_fail(eb, KTPEL_EFIELD, "DG1 %s: %zu bytes is longer than any valid value",
                          what, e->len);
    if (memchr(e->value, 0, e->len))
        return ktpel_fail(eb, KTPEL_EFIELD, "DG1 %s: holds a NUL byte", what);
    memcpy(buf, e->value, e->len);
    buf[e->len] = '\0';
    return KTPEL_OK;
}

ktpel_err chip_decode_dg1(const uint8_t *ef, size_t len, ktpel_chip_contents *out, ktpel_errbuf *eb)
{
    tlv dg, e;
    size_t pos = 0;
    ktpel_err err = open_ef(ef, len, TAG_DG1, &dg, "DG1", eb);
    char text[KTPEL_CARD_FIELD_TEXT_MAX];
    for (size_t i = 0; !err && i < KTPEL_FIELD_COUNT; i++) {
        const char *name = ktpel_resident_field_name(i);
        char where[64];
        snprintf(where, sizeof where, "DG1 field %s", name);
        err = tlv_expect(dg.value, dg.len, &pos, TAG_DG1_FIRST_FIELD + (unsigned)i, &e, where, eb);
        if (!err)
            err = element_text(&e, text, sizeof text, name, eb);
        if (!err && (err = ktpel_resident_set_field(&out->resident, name, text, eb)))
            ktpel_fail_context(eb, "DG1: ");
    }
    if (!err)
        err = tlv_expect(dg.value, dg.len, &pos, DG1_ISSUE_PLACE_TAG, &e, "DG1 place of issue", eb);
    if (!err)
        err = element_text(&e, out->issue_place, sizeof out->issue_place, "place of issue", eb);
    if (!err)
        err = check_issue_place(out->issue_place, eb);
    if (!err)
        err = tlv_expect(dg.value, dg.len, &pos, DG1_ISSUE_DATE_TAG, &e, "DG1 date of issue", eb);
    if (!err)
        err = element_text(&e, text, sizeof text, "date of issue", eb);
    if (!err && (err = ktpel_date_parse(text, "date of issue", &out->issue_date, eb)))
        ktpel_fail_context(eb, "DG1: ");
    if (!err)
        err = expect_end(&dg, pos, "DG1", eb);
    return err;
}

/* ---- DG2: face ---- */

ktpel_err chip_encode_dg2(tlv_buf *b, const uint8_t *jpeg, size_t len, ktpel_errbuf *eb)
{
    ktpel_err err = check_jpeg(jpeg, len, "DG2 face", eb);
    if (err)
        return err;
    static const uint8_t one = 1;
    tlv_buf group = {0};
    tlv_put(&group, TAG_COUNT, &one, 1);
    put_bit(&group, &bht_face, jpeg, len);
    tlv_buf group_el = {0};
    tlv_put_buf(&group_el, TAG_BIT_GROUP, &group);
    tlv_put_buf(b, TAG_DG2, &group_el);
    tlv_buf_free(&group);
    tlv_buf_free(&group_el);
    return b->failed ? ktpel_fail(eb, KTPEL_ENOMEM, "DG2: out of memory") : KTPEL_OK;
}

/* Opens a DG's biometric group and checks its instance count. */
static ktpel_err open_group(const tlv *dg, tlv *group, size_t *pos, uint8_t count,
                            const char *where, ktpel_errbuf *eb)
{
    size_t p = 0;
    ktpel_err err = tlv_expect(dg->value, dg->len, &p, TAG_BIT_GROUP, group, where, eb);
    if (!err)
        err = expect_end(dg, p, where, eb);
    *pos = 0;
    if (!err)
        err = tlv_expect_bytes(group->value, group->len, pos, TAG_COUNT, &count, 1, where, eb);
    return err;
}

/* Reads one biometric information template with the given header; *bdb gets the data. */
static ktpel_err read_bit(const tlv *group, size_t *pos, const bht *h, tlv *bdb, const char *where,
                          ktpel_errbuf *eb)
{
    tlv bit;
    size_t p = 0;
    ktpel_err err = tlv_expect(group->value, group->len, pos, TAG_BIT, &bit, where, eb);
    if (!err)
        err = expect_bht(bit.value, bit.len, &p, h, where, eb);
    if (!err)
        err = tlv_expect(bit.value, bit.len, &p, TAG_BDB, bdb, where, eb);
    if (!err)
        err = expect_end(&bit, p, where, eb);
    return err;
}

ktpel_err chip_decode_dg2(const uint8_t *ef, size_t len, ktpel_chip_contents *out, ktpel_errbuf *eb)
{
    tlv dg, group, bdb;
    size_t pos = 0;
    ktpel_err err = open_ef(ef, len, TAG_DG2, &dg, "DG2", eb);
    if (!err)
        err = open_group(&dg, &group, &pos, 1, "DG2", eb);
    if (!err)
        err = read_bit(&group, &pos, &bht_face, &bdb, "DG2 face", eb);
    if (!err)
        err = expect_end(&group, pos, "DG2", eb);
    if (!err)
        err = check_jpeg(bdb.value, bdb.len, "DG2 face", eb);
    if (!err)
        err = dup_bytes(bdb.value, bdb.len, &out->face_jpeg, &out->face_len, "DG2", eb);
    return err;
}

/* ---- DG3: the two index fingers ---- */

/* The first view of t, at the given finger position, reduced for the chip, as ISO bytes. */
static ktpel_err finger_record(const ktpel_fp_template *t, uint8_t position, uint8_t **out,
                               size_t *out_len, const char *where, ktpel_errbuf *eb)
{
    if (!t || t->view_count < 1)
        return ktpel_fail(eb, KTPEL_EINVAL, "%s: no template or no finger view", where);
    ktpel_fp_template *copy = malloc(sizeof *copy);
    if (!copy)
        return ktpel_fail(eb, KTPEL_ENOMEM, "%s: out of memory", where);
    *copy = *t;
    copy->view_count = 1;
    copy->views[0].position = position;
    copy->views[0].view_number = 0;
    ktpel_chip_reduce_minutiae(copy, KTPEL_CHIP_MINUTIAE_MAX);
    ktpel_err err = ktpel_iso19794_2_write(copy, out, out_len, eb);
    free(copy);
    if (err)
        ktpel_fail_context(eb, "%s: ", where);
    return err;
}

ktpel_err chip_encode_dg3(tlv_buf *b, const ktpel_fp_template *right, const ktpel_fp_template *left,
                          ktpel_errbuf *eb)
{
    uint8_t *rec[2] = {NULL, NULL};
    size_t rec_len[2] = {0, 0};
    ktpel_err err = finger_record(right, 2, &rec[0], &rec_len[0], "DG3 right index finger", eb);
    if (!err)
        err = finger_record(left, 7, &rec[1], &rec_len[1], "DG3 left index finger", eb);
    if (!err) {
        static const uint8_t two = 2;
        tlv_buf group = {0}, group_el = {0};
        tlv_put(&group, TAG_COUNT, &two, 1);
        put_bit(&group, &bht_right_index, rec[0], rec_len[0]);
        put_bit(&group, &bht_left_index, rec[1], rec_len[1]);
        tlv_put_buf(&group_el, TAG_BIT_GROUP, &group);
        tlv_put_buf(b, TAG_DG3, &group_el);
        tlv_buf_free(&group);
        tlv_buf_free(&group_el);
        if (b->failed)
            err = ktpel_fail(eb, KTPEL_ENOMEM, "DG3: out of memory");
    }
    free(rec[0]);
    free(rec[1]);
    return err;
}

static ktpel_err read_finger(const tlv *group, size_t *pos, const bht *h, uint8_t position,
                             ktpel_fp_template **out, const char *where, ktpel_errbuf *eb)
{
    tlv bdb;
    ktpel_err err = read_bit(group, pos, h, &bdb, where, eb);
    if (err)
        return err;
    ktpel_fp_template *t = malloc(sizeof *t);
    if (!t)
        return ktpel_fail(eb, KTPEL_ENOMEM, "%s: out of memory", where);
    err = ktpel_iso19794_2_read(bdb.value, bdb.len, t, eb);
    if (err)
        ktpel_fail_context(eb, "%s: ", where);
    else if (t->view_count != 1 || t->views[0].position != position)
        err = ktpel_fail(eb, KTPEL_EFORMAT,
                         "%s: %d views, finger position %u; expected one view "
                         "at position %u",
                         where, t->view_count, t->views[0].position, position);
    else if (t->views[0].count > KTPEL_CHIP_MINUTIAE_MAX)
        err = ktpel_fail(eb, KTPEL_ETOOBIG, "%s: %d minutiae, at most %d on a chip", where,
                         t->views[0].count, KTPEL_CHIP_MINUTIAE_MAX);
    if (err) {
        free(t);
        return err;
    }
    *out = t;
    return KTPEL_OK;
}

ktpel_err chip_decode_dg3(const uint8_t *ef, size_t len, ktpel_chip_contents *out, ktpel_errbuf *eb)
{
    tlv dg, group;
    size_t pos = 0;
    ktpel_err err = open_ef(ef, len, TAG_DG3, &dg, "DG3", eb);
    if (!err)
        err = open_group(&dg, &group, &pos, 2, "DG3", eb);
    if (!err)
        err = read_finger(&group, &pos, &bht_right_index, 2, &out->right_index,
                          "DG3 right index finger", eb);
    if (!err)
        err = read_finger(&group, &pos, &bht_left_index, 7, &out->left_index,
                          "DG3 left index finger", eb);
    if (!err)
        err = expect_end(&group, pos, "DG3", eb);
    return err;
}

/* ---- DG7: displayed signature ---- */

ktpel_err chip_encode_dg7(tlv_buf *b, const uint8_t *jpeg, size_t len, ktpel_errbuf *eb)
{
    ktpel_err err = check_jpeg(jpeg, len, "DG7 signature", eb);
    if (err)
        return err;
    static const uint8_t one = 1;
    tlv_buf inner = {0};
    tlv_put(&inner, TAG_COUNT, &one, 1);
    tlv_put(&inner, TAG_SIGNATURE_IMAGE, jpeg, len);
    tlv_put_buf(b, TAG_DG7, &inner);
    tlv_buf_free(&inner);
    return b->failed ? ktpel_fail(eb, KTPEL_ENOMEM, "DG7: out of memory") : KTPEL_OK;
}

ktpel_err chip_decode_dg7(const uint8_t *ef, size_t len, ktpel_chip_contents *out, ktpel_errbuf *eb)
{
    tlv dg, img;
    size_t pos = 0;
    static const uint8_t one = 1;
    ktpel_err err = open_ef(ef, len, TAG_DG7, &dg, "DG7", eb);
    if (!err)
        err = tlv_expect_bytes(dg.value, dg.len, &pos, TAG_COUNT, &one, 1, "DG7", eb);
    if (!err)
        err = tlv_expect(dg.value, dg.len, &pos, TAG_SIGNATURE_IMAGE, &img, "DG7 signature", eb);
    if (!err)
        err = expect_end(&dg, pos, "DG7", eb);
    if (!err)
        err = check_jpeg(img.value, img.len, "DG7 signature", eb);
    if (!err)
        err = dup_bytes(img.value, img.len, &out->signature_jpeg, &out->signature_len, "DG7", eb);
    return err;
}
