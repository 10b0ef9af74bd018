/* ISO/IEC 19794-2:2005 finger minutiae records: round trip and every malformed-record case.
 * Records are built here byte by byte; no outside data. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ktpel/fp_template.h"
#include "testutil.h"

/* A small valid record under construction. */
typedef struct record {
    uint8_t b[512];
    size_t len;
} record;

static void put8(record *r, unsigned v)
{
    r->b[r->len++] = (uint8_t)v;
}

static void put16(record *r, unsigned v)
{
    put8(r, v >> 8);
    put8(r, v & 0xff);
}

static void put32(record *r, uint32_t v)
{
    put16(r, v >> 16);
    put16(r, v & 0xffff);
}

static void set_length(record *r)
{
    uint32_t n = (uint32_t)r->len;
    r->b[8] = (uint8_t)(n >> 24);
    r->b[9] = (uint8_t)(n >> 16);
    r->b[10] = (uint8_t)(n >> 8);
    r->b[11] = (uint8_t)n;
}

static void header(record *r, unsigned width, unsigned height, unsigned res, unsigned views)
{
    r->len = 0;
    put8(r, 'F');
    put8(r, 'M');
    put8(r, 'R');
    put8(r, 0);
    put8(r, ' ');
    put8(r, '2');
    put8(r, '0');
    put8(r, 0);
    put32(r, 0);      /* length, set at the end */
    put16(r, 0x1123); /* compliance 1, equipment 0x123 */
    put16(r, width);
    put16(r, height);
    put16(r, res);
    put16(r, res);
    put8(r, views);
    put8(r, 0);
}

static void view_header(record *r, unsigned position, unsigned view_impression, unsigned quality,
                        unsigned count)
{
    put8(r, position);
    put8(r, view_impression);
    put8(r, quality);
    put8(r, count);
}

static void minutia(record *r, unsigned type, unsigned x, unsigned y, unsigned angle,
                    unsigned quality)
{
    put16(r, type << 14 | x);
    put16(r, y);
    put8(r, angle);
    put8(r, quality);
}

/* 300x400 at 197 px/cm, one view (right index, view 1, live plain), 3 minutiae. */
static void valid_record(record *r)
{
    header(r, 300, 400, 197, 1);
    view_header(r, 2, 0x10, 80, 3);
    minutia(r, 1, 10, 20, 0, 50);
    minutia(r, 2, 299, 399, 255, 100);
    minutia(r, 0, 150, 0, 64, 0);
    put16(r, 0); /* no extended data */
    set_length(r);
}

static ktpel_err read(const record *r, ktpel_fp_template *t, ktpel_errbuf *eb)
{
    /* An exact-size copy, so that AddressSanitizer sees any read past the end. */
    uint8_t *copy = malloc(r->len ? r->len : 1);
    assert_non_null(copy);
    memcpy(copy, r->b, r->len);
    ktpel_err err = ktpel_iso19794_2_read(copy, r->len, t, eb);
    free(copy);
    return err;
}

static void expect_error(const record *r, ktpel_err code, const char *fragment)
{
    ktpel_fp_template *t = malloc(sizeof *t);
    assert_non_null(t);
    ktpel_errbuf eb;
    ktpel_errbuf_clear(&eb);
    ktpel_err err = read(r, t, &eb);
    if (err != code || !strstr(eb.message, fragment))
        fail_msg("expected error %d containing \"%s\", got %d: %s", code, fragment, err,
                 eb.message);
    free(t);
}

static void test_valid_record_reads(void **state)
{
    (void)state;
    record r;
    valid_record(&r);
    ktpel_fp_template *t = malloc(sizeof *t);
    ktpel_errbuf eb;
    assert_int_equal(read(&r, t, &eb), KTPEL_OK);
    assert_int_equal(t->width, 300);
    assert_int_equal(t->height, 400);
    assert_int_equal(t->x_res, 197);
    assert_int_equal(ktpel_fp_template_dpi(t), 500);
    assert_int_equal(t->equipment_compliance, 1);
    assert_int_equal(t->equipment_id, 0x123);
    assert_int_equal(t->view_count, 1);
    const ktpel_fp_view *v = &t->views[0];
    assert_int_equal(v->position, 2);
    assert_int_equal(v->view_number, 1);
    assert_int_equal(v->impression, 0);
    assert_int_equal(v->quality, 80);
    assert_int_equal(v->count, 3);
    assert_int_equal(v->minutiae[0].type, KTPEL_MINUTIA_ENDING);
    assert_int_equal(v->minutiae[0].x, 10);
    assert_int_equal(v->minutiae[0].y, 20);
    assert_int_equal(v->minutiae[0].quality, 50);
    assert_int_equal(v->minutiae[1].type, KTPEL_MINUTIA_BIFURCATION);
    assert_int_equal(v->minutiae[1].x, 299);
    assert_int_equal(v->minutiae[1].y, 399);
    assert_int_equal(v->minutiae[1].angle, 255);
    assert_int_equal(v->minutiae[2].type, KTPEL_MINUTIA_OTHER);
    assert_int_equal(v->minutiae[2].angle, 64);
    assert_true(ktpel_iso19794_2_sniff(r.b, r.len));
    free(t);
}

static void test_round_trip(void **state)
{
    (void)state;
    ktpel_fp_template *t = calloc(1, sizeof *t), *back = malloc(sizeof *back);
    assert_non_null(t);
    t->width = 388;
    t->height = 374;
    t->x_res = t->y_res = 224; /* 569 dpi */
    t->equipment_compliance = 8;
    t->equipment_id = 4095;
    t->view_count = 3;
    for (int v = 0; v < 3; v++) {
        ktpel_fp_view *fv = &t->views[v];
        fv->position = (uint8_t)(v * 5);
        fv->view_number = (uint8_t)(v * 7);
        fv->impression = v == 2 ? KTPEL_FP_IMPRESSION_SWIPE : (uint8_t)v;
        fv->quality = (uint8_t)(v * 50);
        fv->count = v == 1 ? 0 : KTPEL_MAX_MINUTIAE - v;
        for (int k = 0; k < fv->count; k++)
            fv->minutiae[k] = (ktpel_minutia){(uint16_t)(k * 37 % 388), (uint16_t)(k * 53 % 374),
                                              (uint8_t)(k * 11),        (uint8_t)(k % 3),
                                              (uint8_t)(k % 101),       0};
    }
    uint8_t *buf = NULL;
    size_t len = 0;
    ktpel_errbuf eb;
    assert_int_equal(ktpel_iso19794_2_write(t, &buf, &len, &eb), KTPEL_OK);
    assert_int_equal(len, ktpel_iso19794_2_size(t));
    assert_int_equal(len, 24 + 3 * 6 + (255 + 253) * 6);
    assert_int_equal(ktpel_iso19794_2_read(buf, len, back, &eb), KTPEL_OK);
    assert_int_equal(back->width, 388);
    assert_int_equal(back->height, 374);
    assert_int_equal(back->x_res, 224);
    assert_int_equal(back->equipment_compliance, 8);
    assert_int_equal(back->equipment_id, 4095);
    assert_int_equal(back->view_count, 3);
    for (int v = 0; v < 3; v++) {
        const ktpel_fp_view *a = &t->views[v], *b = &back->views[v];
        assert_int_equal(a->position, b->position);
        assert_int_equal(a->view_number, b->view_number);
        assert_int_equal(a->impression, b->impression);
        assert_int_equal(a->quality, b->quality);
        assert_int_equal(a->count, b->count);
        assert_memory_equal(a->minutiae, b->minutiae, (size_t)a->count * sizeof *a->minutiae);
    }
    /* Writing what was read gives the same bytes. */
    uint8_t *again = NULL;
    size_t again_len = 0;
    assert_int_equal(ktpel_iso19794_2_write(back, &again, &again_len, &eb), KTPEL_OK);
    assert_int_equal(again_len, len);
    assert_memory_equal(again, buf, len);
    free(again);
    free(buf);
    free(t);
    free(back);
}

static void test_file_round_trip(void **state)
{
    (void)state;
    char *dir = ktpel_test_tmpdir();
    assert_non_null(dir);
    char path[4096];
    snprintf(path, sizeof path, "%s/t.iso", dir);
    ktpel_minutia m[2] = {{5, 6, 7, 1, 0, 0}, {50, 60, 70, 2, 90, 0}};
    ktpel_fp_template *t = malloc(sizeof *t), *back = malloc(sizeof *back);
    ktpel_errbuf eb;
    assert_int_equal(ktpel_fp_template_init(t, 100, 100, 569, m, 2, &eb), KTPEL_OK);
    assert_int_equal(t->x_res, 224);
    assert_int_equal(ktpel_iso19794_2_write_file(path, t, &eb), KTPEL_OK);
    assert_int_equal(ktpel_iso19794_2_read_file(path, back, &eb), KTPEL_OK);
    assert_int_equal(back->views[0].count, 2);
    assert_memory_equal(back->views[0].minutiae, m, sizeof m);
    /* A missing file: the error names it. */
    snprintf(path, sizeof path, "%s/missing.iso", dir);
    assert_int_equal(ktpel_iso19794_2_read_file(path, back, &eb), KTPEL_EIO);
    assert_non_null(strstr(eb.message, "missing.iso"));
    ktpel_test_rmtree(dir);
    free(dir);
    free(t);
    free(back);
}

static void test_extended_data_skipped(void **state)
{
    (void)state;
    record r;
    ktpel_fp_template *t = malloc(sizeof *t);
    ktpel_errbuf eb;
    /* Two areas: lengths counting only the data (3 bytes), and counting the header too. */
    header(&r, 300, 400, 197, 1);
    view_header(&r, 1, 0, 60, 1);
    minutia(&r, 1, 1, 1, 1, 1);
    put16(&r, 4 + 3 + 4 + 2);
    put16(&r, 0x0001);
    put16(&r, 3);
    put8(&r, 0xaa);
    put8(&r, 0xbb);
    put8(&r, 0xcc);
    put16(&r, 0x0002);
    put16(&r, 6); /* header included: 2 data bytes */
    put8(&r, 0xdd);
    put8(&r, 0xee);
    set_length(&r);
    assert_int_equal(read(&r, t, &eb), KTPEL_OK);
    assert_int_equal(t->views[0].count, 1);
    /* A record with two views, the first carrying extended data. */
    header(&r, 300, 400, 197, 2);
    view_header(&r, 1, 0, 60, 1);
    minutia(&r, 1, 1, 1, 1, 1);
    put16(&r, 5);
    put16(&r, 0x0003);
    put16(&r, 1);
    put8(&r, 0);
    view_header(&r, 6, 0x10, 70, 1);
    minutia(&r, 2, 2, 2, 2, 2);
    put16(&r, 0);
    set_length(&r);
    assert_int_equal(read(&r, t, &eb), KTPEL_OK);
    assert_int_equal(t->view_count, 2);
    assert_int_equal(t->views[1].position, 6);
    assert_int_equal(t->views[1].minutiae[0].x, 2);
    free(t);
}

static void test_bad_magic_and_version(void **state)
{
    (void)state;
    record r;
    valid_record(&r);
    r.b[1] = 'X';
    expect_error(&r, KTPEL_EFORMAT, "format identifier");
    valid_record(&r);
    r.b[5] = '3'; /* " 30" = ISO 19794-2:2011 */
    expect_error(&r, KTPEL_EUNSUPPORTED, "version");
    r.len = 0;
    expect_error(&r, KTPEL_ETRUNCATED, "format identifier");
    valid_record(&r);
    r.len = 6;
    expect_error(&r, KTPEL_ETRUNCATED, "version");
    r.len = 10;
    expect_error(&r, KTPEL_ETRUNCATED, "record length");
}

static void test_record_length(void **state)
{
    (void)state;
    record r;
    valid_record(&r);
    r.b[8] = r.b[9] = r.b[10] = r.b[11] = 0; /* ANSI 378 style */
    expect_error(&r, KTPEL_EUNSUPPORTED, "ANSI/INCITS 378");
    valid_record(&r);
    r.b[11] = 20;
    r.b[10] = 0;
    expect_error(&r, KTPEL_EFORMAT, "smaller than the 24-byte header");
    valid_record(&r);
    r.len--; /* data shorter than the length field */
    expect_error(&r, KTPEL_ETRUNCATED, "length field says");
    valid_record(&r);
    r.b[r.len++] = 0; /* longer */
    expect_error(&r, KTPEL_EFORMAT, "length field says");
    /* Length field consistent with the data, but shorter than a header. */
    valid_record(&r);
    r.len = 23;
    set_length(&r);
    expect_error(&r, KTPEL_EFORMAT, "smaller than the 24-byte header");
}

static void test_header_fields(void **state)
{
    (void)state;
    record r;
    header(&r, 0, 400, 197, 1);
    view_header(&r, 0, 0, 0, 0);
    put16(&r, 0);
    set_length(&r);
    expect_error(&r, KTPEL_EFORMAT, "image size 0x400");
    header(&r, 300, 400, 0, 1);
    view_header(&r, 0, 0, 0, 0);
    put16(&r, 0);
    set_length(&r);
    expect_error(&r, KTPEL_EFORMAT, "resolution");
    header(&r, 300, 400, 197, 0);
    set_length(&r);
    expect_error(&r, KTPEL_EFORMAT, "zero finger views");
    header(&r, 300, 400, 197, KTPEL_FP_MAX_VIEWS + 1);
    set_length(&r);
    expect_error(&r, KTPEL_ETOOBIG, "finger views");
}

static void test_view_fields(void **state)
{
    (void)state;
    record r;
    header(&r, 300, 400, 197, 1);
    put8(&r, 1);
    put8(&r, 0);
    set_length(&r);
    expect_error(&r, KTPEL_ETRUNCATED, "finger view 0 header");
    header(&r, 300, 400, 197, 1);
    view_header(&r, 11, 0, 0, 0);
    put16(&r, 0);
    set_length(&r);
    expect_error(&r, KTPEL_EFIELD, "finger position 11");
    header(&r, 300, 400, 197, 1);
    view_header(&r, 1, 0, 101, 0);
    put16(&r, 0);
    set_length(&r);
    expect_error(&r, KTPEL_EFIELD, "finger quality 101");
    /* Two views announced, one present. */
    header(&r, 300, 400, 197, 2);
    view_header(&r, 1, 0, 50, 0);
    put16(&r, 0);
    set_length(&r);
    expect_error(&r, KTPEL_ETRUNCATED, "finger view 1 header");
}

static void test_minutiae_count_and_fields(void **state)
{
    (void)state;
    record r;
    /* More minutiae announced than the record holds. */
    header(&r, 300, 400, 197, 1);
    view_header(&r, 1, 0, 50, 5);
    minutia(&r, 1, 1, 1, 1, 1);
    minutia(&r, 1, 2, 2, 2, 2);
    put16(&r, 0);
    set_length(&r);
    expect_error(&r, KTPEL_ETRUNCATED, "declares 5 minutiae");
    header(&r, 300, 400, 197, 1);
    view_header(&r, 1, 0, 50, 1);
    minutia(&r, 1, 300, 5, 1, 1); /* x == width */
    put16(&r, 0);
    set_length(&r);
    expect_error(&r, KTPEL_EFORMAT, "outside the 300x400 image");
    header(&r, 300, 400, 197, 1);
    view_header(&r, 1, 0, 50, 1);
    minutia(&r, 1, 5, 0x3fff, 1, 1);
    put16(&r, 0);
    set_length(&r);
    expect_error(&r, KTPEL_EFORMAT, "outside the 300x400 image");
    header(&r, 300, 400, 197, 1);
    view_header(&r, 1, 0, 50, 1);
    minutia(&r, 3, 5, 5, 1, 1);
    put16(&r, 0);
    set_length(&r);
    expect_error(&r, KTPEL_EFIELD, "type bits 11");
    header(&r, 300, 400, 197, 1);
    view_header(&r, 1, 0, 50, 1);
    minutia(&r, 1, 5, 5, 1, 101);
    put16(&r, 0);
    set_length(&r);
    expect_error(&r, KTPEL_EFIELD, "quality 101");
    /* Reserved bits of y set: the y value itself is checked against the image. */
    header(&r, 300, 400, 197, 1);
    view_header(&r, 1, 0, 50, 1);
    minutia(&r, 1, 5, 0xc000 | 7, 1, 1);
    put16(&r, 0);
    set_length(&r);
    ktpel_fp_template *t = malloc(sizeof *t);
    assert_int_equal(read(&r, t, NULL), KTPEL_OK);
    assert_int_equal(t->views[0].minutiae[0].y, 7);
    free(t);
}

static void test_extended_data_errors(void **state)
{
    (void)state;
    record r;
    header(&r, 300, 400, 197, 1);
    view_header(&r, 1, 0, 50, 0);
    put8(&r, 0); /* half an extended-data length */
    set_length(&r);
    expect_error(&r, KTPEL_ETRUNCATED, "extended data block length");
    header(&r, 300, 400, 197, 1);
    view_header(&r, 1, 0, 50, 0);
    put16(&r, 10); /* block of 10, 4 present */
    put16(&r, 1);
    put16(&r, 0);
    set_length(&r);
    expect_error(&r, KTPEL_ETRUNCATED, "runs past the end");
    header(&r, 300, 400, 197, 1);
    view_header(&r, 1, 0, 50, 0);
    put16(&r, 6); /* area claims 9 data bytes in a 6-byte block */
    put16(&r, 1);
    put16(&r, 9);
    put16(&r, 0);
    set_length(&r);
    expect_error(&r, KTPEL_EFORMAT, "overruns its block");
    header(&r, 300, 400, 197, 1);
    view_header(&r, 1, 0, 50, 0);
    put16(&r, 7); /* one area of 4 + 1, then 2 stray bytes */
    put16(&r, 1);
    put16(&r, 1);
    put8(&r, 0);
    put16(&r, 0);
    set_length(&r);
    expect_error(&r, KTPEL_EFORMAT, "stray bytes");
}

static void test_trailing_bytes(void **state)
{
    (void)state;
    record r;
    valid_record(&r);
    put8(&r, 0);
    put8(&r, 0);
    set_length(&r);
    expect_error(&r, KTPEL_EFORMAT, "2 bytes after its last finger view");
}

static void test_every_truncation_rejected(void **state)
{
    (void)state;
    record r;
    valid_record(&r);
    size_t full = r.len;
    ktpel_fp_template *t = malloc(sizeof *t);
    for (size_t n = 0; n < full; n++) {
        record cut = r;
        cut.len = n;
        ktpel_errbuf eb;
        ktpel_errbuf_clear(&eb);
        ktpel_err err = read(&cut, t, &eb);
        if (err == KTPEL_OK)
            fail_msg("record cut to %zu of %zu bytes was accepted", n, full);
        assert_true(eb.message[0] != '\0');
    }
    free(t);
}

static void test_writer_validates(void **state)
{
    (void)state;
    ktpel_fp_template *t = malloc(sizeof *t);
    ktpel_minutia m = {10, 10, 0, 1, 0, 0};
    ktpel_errbuf eb;
    uint8_t *buf = NULL;
    size_t len = 0;
    assert_int_equal(ktpel_fp_template_init(t, 20, 20, 500, &m, 1, &eb), KTPEL_OK);
    t->views[0].minutiae[0].x = 20;
    assert_int_equal(ktpel_iso19794_2_write(t, &buf, &len, &eb), KTPEL_EFIELD);
    t->views[0].minutiae[0].x = 19;
    t->views[0].minutiae[0].type = 3;
    assert_int_equal(ktpel_iso19794_2_write(t, &buf, &len, &eb), KTPEL_EFIELD);
    t->views[0].minutiae[0].type = 1;
    t->view_count = 0;
    assert_int_equal(ktpel_iso19794_2_write(t, &buf, &len, &eb), KTPEL_EFIELD);
    t->view_count = 1;
    t->width = 70000;
    assert_int_equal(ktpel_iso19794_2_write(t, &buf, &len, &eb), KTPEL_EFIELD);
    assert_int_equal(ktpel_fp_template_init(t, 20, 20, 500, &m, 300, &eb), KTPEL_EINVAL);
    assert_int_equal(ktpel_fp_template_init(t, 0, 20, 500, &m, 1, &eb), KTPEL_EINVAL);
    assert_int_equal(ktpel_iso19794_2_read(NULL, 0, t, &eb), KTPEL_EINVAL);
    assert_int_equal(ktpel_iso19794_2_write(NULL, &buf, &len, &eb), KTPEL_EINVAL);
    assert_null(buf);
    free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_record_reads),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_file_round_trip),
        cmocka_unit_test(test_extended_data_skipped),
        cmocka_unit_test(test_bad_magic_and_version),
        cmocka_unit_test(test_record_length),
        cmocka_unit_test(test_header_fields),
        cmocka_unit_test(test_view_fields),
        cmocka_unit_test(test_minutiae_count_and_fields),
        cmocka_unit_test(test_extended_data_errors),
        cmocka_unit_test(test_trailing_bytes),
        cmocka_unit_test(test_every_truncation_rejected),
        cmocka_unit_test(test_writer_validates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
