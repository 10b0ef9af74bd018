/* The kecamatan desk's receipt format (core/receipt.c): round trip, canonical form, atomic
 * append, and malformed input of every kind rejected with the line and field; register
 * numbers (datacenter/cards.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ktpel/cards.h"
#include "ktpel/checksum.h"
#include "ktpel/receipt.h"
#include "testutil.h"

static ktpel_receipt_entry sample(void)
{
    ktpel_receipt_entry e;
    memset(&e, 0, sizeof e);
    e.time = 1795000000;
    strcpy(e.desk, "KEC-131004-01");
    strcpy(e.nik, "1310044104083704");
    for (int i = 0; i < 32; i++)
        e.chip_sha256[i] = (uint8_t)(i * 7);
    e.outcome = KTPEL_RECEIPT_HANDED_OVER;
    e.code = KTPEL_DESK_OK;
    e.attempts = 2;
    e.score = 0.5123;
    strcpy(e.reason, "BERHASIL: sidik jari telunjuk kanan cocok (skor 0,51).");
    return e;
}

/* A receipt text: header + the sample's line, with `from` replaced by `to` in the line. */
static char *receipt_text(const char *from, const char *to)
{
    ktpel_receipt_entry e = sample();
    char line[KTPEL_RECEIPT_LINE_MAX + 1];
    assert_int_equal(ktpel_receipt_format_entry(&e, line, sizeof line, NULL, NULL), KTPEL_OK);
    char *text = malloc(4096);
    char *at = from ? strstr(line, from) : NULL;
    if (at)
        snprintf(text, 4096, "%s\n%.*s%s%s\n", KTPEL_RECEIPT_HEADER, (int)(at - line), line, to,
                 at + strlen(from));
    else
        snprintf(text, 4096, "%s\n%s\n", KTPEL_RECEIPT_HEADER, line);
    return text;
}

static ktpel_err parse_text(const char *text, ktpel_receipt *r, ktpel_errbuf *eb)
{
    return ktpel_receipt_parse((const uint8_t *)text, strlen(text), "r.txt", r, eb);
}

static void test_round_trip(void **state)
{
    (void)state;
    char *text = receipt_text(NULL, NULL);
    ktpel_receipt r = {0};
    assert_int_equal(parse_text(text, &r, NULL), KTPEL_OK);
    assert_int_equal(r.count, 1);
    ktpel_receipt_entry e = sample();
    assert_string_equal(r.entries[0].nik, e.nik);
    assert_memory_equal(r.entries[0].chip_sha256, e.chip_sha256, 32);
    assert_int_equal(r.entries[0].code, KTPEL_DESK_OK);
    assert_true(r.entries[0].score > 0.51225 && r.entries[0].score < 0.51235);
    ktpel_receipt_free(&r);
    free(text);
}

static void test_append_is_atomic_and_checked(void **state)
{
    (void)state;
    char *dir = ktpel_test_tmpdir(), path[4200];
    snprintf(path, sizeof path, "%s/receipt.txt", dir);
    ktpel_receipt_entry e = sample();
    assert_int_equal(ktpel_receipt_append(path, &e, NULL), KTPEL_OK);
    e.outcome = KTPEL_RECEIPT_RETURNED;
    e.code = KTPEL_DESK_CHIP_TAMPERED;
    strcpy(e.reason, "GAGAL: data chip tidak sesuai (DG2).");
    assert_int_equal(ktpel_receipt_append(path, &e, NULL), KTPEL_OK);
    ktpel_receipt r = {0};
    assert_int_equal(ktpel_receipt_load(path, &r, NULL), KTPEL_OK);
    assert_int_equal(r.count, 2);
    assert_int_equal(r.entries[1].outcome, KTPEL_RECEIPT_RETURNED);
    ktpel_receipt_free(&r);
    /* A damaged receipt is never appended to (nor overwritten). */
    FILE *f = fopen(path, "a");
    fputs("garbage\n", f);
    fclose(f);
    ktpel_errbuf eb;
    assert_int_not_equal(ktpel_receipt_append(path, &e, &eb), KTPEL_OK);
    assert_non_null(strstr(eb.message, ":4:"));
    ktpel_test_rmtree(dir);
    free(dir);
}

static void expect_rejected(const char *text, ktpel_err code, const char *words)
{
    ktpel_receipt r = {0};
    ktpel_errbuf eb;
    assert_int_equal(parse_text(text, &r, &eb), code);
    if (!strstr(eb.message, words))
        fail_msg("message \"%s\" lacks \"%s\"", eb.message, words);
    assert_int_equal(r.count, 0);
}

/* A field changed and the CRC made to fit again: the field's own check must refuse it. */
static void expect_field_rejected(const char *from, const char *to, const char *words)
{
    char *text = receipt_text(from, to);
    char *line = strchr(text, '\n') + 1, *end = strrchr(text, '\t');
    char crc[9];
    snprintf(crc, sizeof crc, "%08x", ktpel_crc32(0, line, (size_t)(end - line)));
    memcpy(end + 1, crc, 8);
    expect_rejected(text, KTPEL_EFIELD, words);
    free(text);
}

static void test_malformed_rejected(void **state)
{
    (void)state;
    expect_rejected("", KTPEL_EFORMAT, "empty");
    expect_rejected("KTPEL-RECEIPT\t2\n", KTPEL_EFORMAT, "r.txt:1");
    expect_rejected("KTPEL-RECEIPT\t1", KTPEL_EFORMAT, "no LF");
    char *text = receipt_text("KEC", "KEX");
    expect_rejected(text, KTPEL_EFORMAT, "r.txt:2: CRC-32 mismatch");
    free(text);
    text = receipt_text(NULL, NULL);
    text[strlen(text) - 3] = '\0'; /* cut inside the CRC, LF kept */
    strcat(text, "\n");
    expect_rejected(text, KTPEL_EFORMAT, "CRC-32");
    free(text);
    char nul[] = "KTPEL-RECEIPT\t1\n\0\n";
    ktpel_receipt r = {0};
    assert_int_equal(ktpel_receipt_parse((const uint8_t *)nul, sizeof nul - 1, "r", &r, NULL),
                     KTPEL_EFORMAT);
    expect_field_rejected("1310044104083704", "131004410408370X", "nik");
    expect_field_rejected("handed_over", "given", "outcome");
    expect_field_rejected("\tOK\t", "\tCHIP_TAMPERED\t", "does not go with");
    expect_field_rejected("\tOK\t", "\tFINE\t", "code");
    expect_field_rejected("\t0.5123\t", "\t1.5000\t", "score");
    expect_field_rejected("\t0.5123\t", "\t0.51\t", "score");
    expect_field_rejected("\t2\t", "\t02\t", "attempts");
    expect_field_rejected("1795000000", "-1", "time");
    expect_field_rejected("KEC-131004-01", " KEC", "desk");
    expect_field_rejected("BERHASIL", "\x01", "control character");
    expect_field_rejected("BERHASIL", "\xc3\x28", "UTF-8");
    /* Too long a line. */
    char *big = malloc(3000);
    memset(big, 'a', 2000);
    big[2000] = '\0';
    char *long_text = malloc(4000);
    snprintf(long_text, 4000, "%s\n%s\n", KTPEL_RECEIPT_HEADER, big);
    expect_rejected(long_text, KTPEL_ETOOBIG, "line of 2000 bytes");
    free(big);
    free(long_text);
}

static void test_register_numbers(void **state)
{
    (void)state;
    char reg[KTPEL_CARD_REGISTER_LEN + 1];
    assert_int_equal(ktpel_card_register_format("1310", 2026, 1, reg, sizeof reg, NULL), KTPEL_OK);
    assert_int_equal(strlen(reg), KTPEL_CARD_REGISTER_LEN);
    assert_int_equal(strncmp(reg, "1310-2026-000001-", 17), 0);
    assert_int_equal(ktpel_card_register_check(reg, NULL), KTPEL_OK);
    /* Every single-digit change and every swap of two neighbouring digits is caught. */
    for (size_t i = 0; i < KTPEL_CARD_REGISTER_LEN; i++) {
        if (reg[i] == '-')
            continue;
        char bad[sizeof reg];
        memcpy(bad, reg, sizeof reg);
        bad[i] = (char)('0' + (bad[i] - '0' + 1) % 10);
        assert_int_not_equal(ktpel_card_register_check(bad, NULL), KTPEL_OK);
        if (i + 1 < KTPEL_CARD_REGISTER_LEN && reg[i + 1] != '-' && reg[i] != reg[i + 1]) {
            memcpy(bad, reg, sizeof reg);
            bad[i] = reg[i + 1];
            bad[i + 1] = reg[i];
            assert_int_not_equal(ktpel_card_register_check(bad, NULL), KTPEL_OK);
        }
    }
    assert_int_not_equal(ktpel_card_register_check("1310-2026-00001-00", NULL), KTPEL_OK);
    assert_int_not_equal(ktpel_card_register_format("13A0", 2026, 1, reg, sizeof reg, NULL),
                         KTPEL_OK);
    assert_int_not_equal(ktpel_card_register_format("1310", 2026, 0, reg, sizeof reg, NULL),
                         KTPEL_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_append_is_atomic_and_checked),
        cmocka_unit_test(test_malformed_rejected),
        cmocka_unit_test(test_register_numbers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
