/* Resident status lifecycle: names, the transition matrix, the history and its encoding. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ktpel/status.h"

enum { E, Q, U, D, A, P, S, H, R, N = KTPEL_STATUS_COUNT };

/* The lifecycle as the specification states it, written independently of the library's
 * table so that the two are checked against each other. */
static bool spec_allows(int from, int to)
{
    static const int allowed[][2] = {{E, Q}, {Q, U}, {Q, D}, {Q, A}, {A, U}, {A, D},
                                     {U, P}, {P, S}, {S, H}, {S, R}, {R, P}};
    for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++)
        if (allowed[i][0] == from && allowed[i][1] == to)
            return true;
    return false;
}

/* A shortest path from enrolled to each status. */
static const int paths[N][7] = {
    [E] = {E, -1},
    [Q] = {E, Q, -1},
    [U] = {E, Q, U, -1},
    [D] = {E, Q, D, -1},
    [A] = {E, Q, A, -1},
    [P] = {E, Q, U, P, -1},
    [S] = {E, Q, U, P, S, -1},
    [H] = {E, Q, U, P, S, H, -1},
    [R] = {E, Q, U, P, S, R, -1},
};

#define T0 INT64_C(1700000000)

/* Builds a history that ends in `status`, one minute per step from T0. */
static void reach(ktpel_status_history *h, int status)
{
    ktpel_errbuf eb;
    for (int i = 0; paths[status][i] >= 0; i++) {
        ktpel_err err = ktpel_status_history_apply(h, (ktpel_status)paths[status][i], T0 + 60 * i,
                                                   "op-01", "alasan", &eb);
        if (err)
            fail_msg("reach %d: %s", status, eb.message);
    }
}

static int64_t last_time(const ktpel_status_history *h)
{
    return h->entries[h->count - 1].time;
}

/* ---- names ---- */

static void test_ids_and_labels(void **state)
{
    (void)state;
    static const char *const ids[N] = {"enrolled",  "queued",      "unique",
                                       "duplicate", "adjudicate",  "personalised",
                                       "shipped",   "handed_over", "returned_for_destruction"};
    for (int s = 0; s < N; s++) {
        assert_true(ktpel_status_valid((ktpel_status)s));
        assert_string_equal(ktpel_status_id((ktpel_status)s), ids[s]);
        const char *label = ktpel_status_label_id((ktpel_status)s);
        assert_true(strlen(label) > 0 && strcmp(label, "?") != 0);
        ktpel_status parsed = KTPEL_STATUS_COUNT;
        assert_int_equal(ktpel_status_parse(ids[s], &parsed, NULL), KTPEL_OK);
        assert_int_equal(parsed, s);
        for (int o = 0; o < s; o++)
            assert_string_not_equal(label, ktpel_status_label_id((ktpel_status)o));
    }
    assert_string_equal(ktpel_status_label_id(KTPEL_STATUS_HANDED_OVER), "diserahkan");
    assert_string_equal(ktpel_status_label_id(KTPEL_STATUS_RETURNED_FOR_DESTRUCTION),
                        "dikembalikan untuk dimusnahkan");
    assert_false(ktpel_status_valid(KTPEL_STATUS_COUNT));
    assert_false(ktpel_status_valid((ktpel_status)-1));
    assert_string_equal(ktpel_status_id(KTPEL_STATUS_COUNT), "?");
    assert_string_equal(ktpel_status_label_id((ktpel_status)-1), "?");
}

static void test_parse_rejects(void **state)
{
    (void)state;
    static const char *const bad[] = {"",           "HANDED_OVER", "handed over", "handed_over ",
                                      "diserahkan", "unique\n",    "queue"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ktpel_status out = KTPEL_STATUS_SHIPPED;
        ktpel_errbuf eb;
        assert_int_equal(ktpel_status_parse(bad[i], &out, &eb), KTPEL_EFIELD);
        assert_int_equal(out, KTPEL_STATUS_SHIPPED);
        assert_non_null(strstr(eb.message, "unknown"));
    }
    ktpel_status out;
    assert_int_equal(ktpel_status_parse(NULL, &out, NULL), KTPEL_EINVAL);
    assert_int_equal(ktpel_status_parse("unique", NULL, NULL), KTPEL_EINVAL);
}

/* ---- the transition matrix ---- */

static void test_transition_matrix(void **state)
{
    (void)state;
    int allowed = 0;
    for (int from = 0; from < N; from++) {
        for (int to = 0; to < N; to++) {
            bool expect = spec_allows(from, to);
            allowed += expect;
            assert_int_equal(ktpel_status_can_transition((ktpel_status)from, (ktpel_status)to),
                             expect);
            ktpel_errbuf eb;
            ktpel_errbuf_clear(&eb);
            ktpel_err err =
                ktpel_status_check_transition((ktpel_status)from, (ktpel_status)to, &eb);
            if (expect) {
                assert_int_equal(err, KTPEL_OK);
                continue;
            }
            assert_int_equal(err, KTPEL_ETRANSITION);
            char both[80];
            snprintf(both, sizeof both, "%s -> %s", ktpel_status_id((ktpel_status)from),
                     ktpel_status_id((ktpel_status)to));
            if (!strstr(eb.message, both))
                fail_msg("message \"%s\" does not name \"%s\"", eb.message, both);
        }
        assert_false(ktpel_status_can_transition((ktpel_status)from, KTPEL_STATUS_COUNT));
        assert_false(ktpel_status_can_transition(KTPEL_STATUS_COUNT, (ktpel_status)from));
    }
    assert_int_equal(allowed, 11);
}

static void test_transition_messages(void **state)
{
    (void)state;
    ktpel_errbuf eb;
    ktpel_status_check_transition(KTPEL_STATUS_HANDED_OVER, KTPEL_STATUS_SHIPPED, &eb);
    assert_non_null(strstr(eb.message, "final"));
    ktpel_status_check_transition(KTPEL_STATUS_QUEUED, KTPEL_STATUS_SHIPPED, &eb);
    assert_non_null(strstr(eb.message, "unique, duplicate or adjudicate"));
    assert_int_equal(ktpel_status_check_transition(KTPEL_STATUS_COUNT, KTPEL_STATUS_QUEUED, &eb),
                     KTPEL_EINVAL);
}

/* Every pair, through the history: reach `from`, then apply `to`. */
static void test_history_matrix(void **state)
{
    (void)state;
    for (int from = 0; from < N; from++) {
        for (int to = 0; to < N; to++) {
            ktpel_status_history h;
            ktpel_status_history_init(&h);
            reach(&h, from);
            size_t before = h.count;
            ktpel_errbuf eb;
            ktpel_err err = ktpel_status_history_apply(&h, (ktpel_status)to, last_time(&h) + 1,
                                                       "op-02", "alasan", &eb);
            ktpel_status now;
            assert_true(ktpel_status_history_current(&h, &now));
            if (spec_allows(from, to)) {
                assert_int_equal(err, KTPEL_OK);
                assert_int_equal(h.count, before + 1);
                assert_int_equal(now, to);
                assert_string_equal(h.entries[before].actor, "op-02");
                assert_string_equal(h.entries[before].reason, "alasan");
            } else {
                assert_int_equal(err, KTPEL_ETRANSITION);
                assert_int_equal(h.count, before);
                assert_int_equal(now, from);
            }
            ktpel_status_history_free(&h);
        }
    }
}

static void test_first_entry_is_enrolled(void **state)
{
    (void)state;
    ktpel_status_history h = {0};
    assert_false(ktpel_status_history_current(&h, NULL));
    ktpel_errbuf eb;
    for (int s = 1; s < N; s++) {
        assert_int_equal(ktpel_status_history_apply(&h, (ktpel_status)s, T0, "op", "x", &eb),
                         KTPEL_ETRANSITION);
        assert_non_null(strstr(eb.message, "enrolled"));
        assert_int_equal(h.count, 0);
    }
    assert_int_equal(ktpel_status_history_apply(&h, KTPEL_STATUS_COUNT, T0, "op", NULL, &eb),
                     KTPEL_EINVAL);
    assert_int_equal(ktpel_status_history_apply(&h, KTPEL_STATUS_ENROLLED, T0, "op", NULL, &eb),
                     KTPEL_OK);
    assert_int_equal(ktpel_status_history_apply(NULL, KTPEL_STATUS_ENROLLED, T0, "op", NULL, &eb),
                     KTPEL_EINVAL);
    ktpel_status_history_free(&h);
    ktpel_status_history_free(NULL);
}

/* ---- reasons, actors, times ---- */

static void test_reason_required(void **state)
{
    (void)state;
    static const struct {
        int from, to;
    } cases[] = {{Q, D}, {Q, A}, {A, D}, {S, R}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ktpel_status_history h = {0};
        reach(&h, cases[i].from);
        ktpel_status to = (ktpel_status)cases[i].to;
        assert_true(ktpel_status_needs_reason(to));
        ktpel_errbuf eb;
        assert_int_equal(ktpel_status_history_apply(&h, to, last_time(&h), "op", NULL, &eb),
                         KTPEL_EFIELD);
        assert_non_null(strstr(eb.message, ktpel_status_id(to)));
        assert_int_equal(ktpel_status_history_apply(&h, to, last_time(&h), "op", "", &eb),
                         KTPEL_EFIELD);
        assert_int_equal(ktpel_status_history_apply(&h, to, last_time(&h), "op",
                                                    "sidik jari "
                                                    "cocok dengan NIK lain",
                                                    &eb),
                         KTPEL_OK);
        ktpel_status_history_free(&h);
    }
    /* Optional elsewhere: NULL and "" both store an empty reason. */
    ktpel_status_history h = {0};
    assert_false(ktpel_status_needs_reason(KTPEL_STATUS_QUEUED));
    assert_false(ktpel_status_needs_reason(KTPEL_STATUS_COUNT));
    assert_int_equal(ktpel_status_history_apply(&h, KTPEL_STATUS_ENROLLED, T0, "st-7", NULL, NULL),
                     KTPEL_OK);
    assert_int_equal(ktpel_status_history_apply(&h, KTPEL_STATUS_QUEUED, T0, "st-7", "", NULL),
                     KTPEL_OK);
    assert_int_equal(
        ktpel_status_history_apply(&h, KTPEL_STATUS_UNIQUE, T0, "dc", "no candidate", NULL),
        KTPEL_OK);
    assert_string_equal(h.entries[0].reason, "");
    assert_string_equal(h.entries[1].reason, "");
    assert_string_equal(h.entries[2].reason, "no candidate");
    ktpel_status_history_free(&h);
}

static void test_actor_validation(void **state)
{
    (void)state;
    char max[KTPEL_STATUS_ACTOR_MAX + 2];
    memset(max, 'x', KTPEL_STATUS_ACTOR_MAX);
    max[KTPEL_STATUS_ACTOR_MAX] = '\0';
    static const char *const good[] = {"a", "op-01", "STATION 3204/07", "~!@#$%^&*()"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        assert_int_equal(ktpel_status_actor_validate(good[i], NULL), KTPEL_OK);
    assert_int_equal(ktpel_status_actor_validate(max, NULL), KTPEL_OK);
    max[KTPEL_STATUS_ACTOR_MAX] = 'x';
    max[KTPEL_STATUS_ACTOR_MAX + 1] = '\0';
    static const char *const bad[] = {"", " op", "op ", "op\t1", "op\n", "op\x7f", "op\xc3\xa9"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ktpel_errbuf eb;
        assert_int_equal(ktpel_status_actor_validate(bad[i], &eb), KTPEL_EFIELD);
        assert_non_null(strstr(eb.message, "actor"));
    }
    ktpel_errbuf eb;
    assert_int_equal(ktpel_status_actor_validate(max, &eb), KTPEL_EFIELD);
    assert_non_null(strstr(eb.message, "32"));
    assert_int_equal(ktpel_status_actor_validate(NULL, &eb), KTPEL_EFIELD);

    /* apply validates the same way and leaves the history unchanged */
    ktpel_status_history h = {0};
    assert_int_equal(ktpel_status_history_apply(&h, KTPEL_STATUS_ENROLLED, T0, max, NULL, &eb),
                     KTPEL_EFIELD);
    assert_int_equal(ktpel_status_history_apply(&h, KTPEL_STATUS_ENROLLED, T0, NULL, NULL, &eb),
                     KTPEL_EFIELD);
    assert_int_equal(ktpel_status_history_apply(&h, KTPEL_STATUS_ENROLLED, T0, "", NULL, &eb),
                     KTPEL_EFIELD);
    assert_int_equal(h.count, 0);
    ktpel_status_history_free(&h);
}

static void test_reason_validation(void **state)
{
    (void)state;
    char text[KTPEL_STATUS_REASON_MAX + 2];
    memset(text, 'r', KTPEL_STATUS_REASON_MAX);
    text[KTPEL_STATUS_REASON_MAX] = '\0';
    static const char *const good[] = {"kartu rusak", "gagal verifikasi 1:1 \xe2\x80\x94 3\xc3\x97",
                                       "\xf0\x9f\x98\x80"};
    static const char *const bad[] = {"line\nbreak",
                                      "tab\there",
                                      "del\x7f",
                                      "\xc3",             /* cut sequence */
                                      "\xc0\xaf",         /* overlong '/' */
                                      "\xed\xa0\x80",     /* surrogate */
                                      "\xf4\x90\x80\x80", /* above U+10FFFF */
                                      "\x80",             /* lone continuation */
                                      "\xff"};
    ktpel_status_history h = {0};
    reach(&h, S);
    int64_t t = last_time(&h);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ktpel_errbuf eb;
        assert_int_equal(ktpel_status_history_apply(&h, KTPEL_STATUS_RETURNED_FOR_DESTRUCTION, t,
                                                    "op", bad[i], &eb),
                         KTPEL_EFIELD);
        assert_non_null(strstr(eb.message, "reason"));
    }
    text[KTPEL_STATUS_REASON_MAX] = 'r';
    text[KTPEL_STATUS_REASON_MAX + 1] = '\0';
    assert_int_equal(
        ktpel_status_history_apply(&h, KTPEL_STATUS_RETURNED_FOR_DESTRUCTION, t, "op", text, NULL),
        KTPEL_EFIELD);
    assert_int_equal(h.count, 5);
    text[KTPEL_STATUS_REASON_MAX] = '\0';
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        assert_int_equal(ktpel_status_history_apply(&h, KTPEL_STATUS_RETURNED_FOR_DESTRUCTION, t,
                                                    "op", good[i], NULL),
                         KTPEL_OK);
        assert_string_equal(h.entries[h.count - 1].reason, good[i]);
        assert_int_equal(
            ktpel_status_history_apply(&h, KTPEL_STATUS_PERSONALISED, t, "op", NULL, NULL),
            KTPEL_OK);
        assert_int_equal(ktpel_status_history_apply(&h, KTPEL_STATUS_SHIPPED, t, "op", NULL, NULL),
                         KTPEL_OK);
    }
    assert_int_equal(
        ktpel_status_history_apply(&h, KTPEL_STATUS_RETURNED_FOR_DESTRUCTION, t, "op", text, NULL),
        KTPEL_OK);
    assert_string_equal(h.entries[h.count - 1].reason, text);
    ktpel_status_history_free(&h);
}

static void test_time_order(void **state)
{
    (void)state;
    ktpel_status_history h = {0};
    ktpel_errbuf eb;
    assert_int_equal(ktpel_status_history_apply(&h, KTPEL_STATUS_ENROLLED, -1, "op", NULL, &eb),
                     KTPEL_EFIELD);
    assert_int_equal(ktpel_status_history_apply(&h, KTPEL_STATUS_ENROLLED,
                                                KTPEL_STATUS_TIME_MAX + 1, "op", NULL, &eb),
                     KTPEL_EFIELD);
    assert_int_equal(ktpel_status_history_apply(&h, KTPEL_STATUS_ENROLLED, T0, "op", NULL, &eb),
                     KTPEL_OK);
    /* one second earlier is refused, naming both times */
    assert_int_equal(ktpel_status_history_apply(&h, KTPEL_STATUS_QUEUED, T0 - 1, "op", NULL, &eb),
                     KTPEL_EFIELD);
    assert_non_null(strstr(eb.message, "1699999999"));
    assert_non_null(strstr(eb.message, "1700000000"));
    assert_int_equal(h.count, 1);
    /* the same second is in order */
    assert_int_equal(ktpel_status_history_apply(&h, KTPEL_STATUS_QUEUED, T0, "op", NULL, &eb),
                     KTPEL_OK);
    assert_int_equal(
        ktpel_status_history_apply(&h, KTPEL_STATUS_UNIQUE, KTPEL_STATUS_TIME_MAX, "op", NULL, &eb),
        KTPEL_OK);
    assert_int_equal(ktpel_status_history_apply(&h, KTPEL_STATUS_PERSONALISED, T0, "op", NULL, &eb),
                     KTPEL_EFIELD);
    assert_int_equal(h.count, 3);
    ktpel_date last = ktpel_status_entry_date(&h.entries[2]);
    assert_int_equal(last.year, 9999);
    assert_int_equal(last.month, 12);
    assert_int_equal(last.day, 31);
    ktpel_status_history_free(&h);
}

static void test_entry_date_is_jakarta(void **state)
{
    (void)state;
    /* 2024-01-01 16:59:59 UTC is 23:59:59 WIB; one second later it is 2 January in Jakarta */
    ktpel_status_entry e = {.status = KTPEL_STATUS_ENROLLED, .time = INT64_C(1704128399)};
    ktpel_date d = ktpel_status_entry_date(&e);
    assert_int_equal(d.year, 2024);
    assert_int_equal(d.month, 1);
    assert_int_equal(d.day, 1);
    e.time++;
    d = ktpel_status_entry_date(&e);
    assert_int_equal(d.day, 2);
}

static void test_history_limit(void **state)
{
    (void)state;
    ktpel_status_history h = {0};
    reach(&h, P);
    static const ktpel_status cycle[3] = {
        KTPEL_STATUS_SHIPPED, KTPEL_STATUS_RETURNED_FOR_DESTRUCTION, KTPEL_STATUS_PERSONALISED};
    for (int i = 0; h.count < KTPEL_STATUS_HISTORY_MAX; i++)
        assert_int_equal(
            ktpel_status_history_apply(&h, cycle[i % 3], T0 + 600 + i, "op", "kartu rusak", NULL),
            KTPEL_OK);
    ktpel_status now;
    ktpel_status_history_current(&h, &now);
    ktpel_status next = now == KTPEL_STATUS_SHIPPED        ? KTPEL_STATUS_RETURNED_FOR_DESTRUCTION
                        : now == KTPEL_STATUS_PERSONALISED ? KTPEL_STATUS_SHIPPED
                                                           : KTPEL_STATUS_PERSONALISED;
    ktpel_errbuf eb;
    assert_int_equal(ktpel_status_history_apply(&h, next, T0 + 100000, "op", "kartu rusak", &eb),
                     KTPEL_ETOOBIG);
    assert_int_equal(h.count, KTPEL_STATUS_HISTORY_MAX);

    /* the largest history encodes and decodes */
    size_t size = ktpel_status_history_encoded_size(&h);
    uint8_t *buf = malloc(size);
    assert_non_null(buf);
    assert_int_equal(ktpel_status_history_encode(&h, buf, size, NULL, NULL), KTPEL_OK);
    ktpel_status_history back = {0};
    assert_int_equal(ktpel_status_history_decode(buf, size, &back, &eb), KTPEL_OK);
    assert_int_equal(back.count, KTPEL_STATUS_HISTORY_MAX);
    free(buf);
    ktpel_status_history_free(&back);
    ktpel_status_history_free(&h);
}

/* ---- encoding ---- */

/* The test's own CRC-32 (table form, unlike the library's bitwise one). */
static uint32_t test_crc32(const uint8_t *p, size_t n)
{
    uint32_t table[256];
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
        table[i] = c;
    }
    uint32_t crc = 0xffffffffu;
    for (size_t i = 0; i < n; i++)
        crc = table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
    return ~crc;
}

/* Rewrites the trailing CRC of buf[0..size) so that a crafted change passes the check. */
static void fix_crc(uint8_t *buf, size_t size)
{
    uint32_t crc = test_crc32(buf, size - 4);
    for (int i = 0; i < 4; i++)
        buf[size - 4 + i] = (uint8_t)(crc >> (8 * i));
}

/* Two entries: enrolled at 1700000000 by "op-01", queued 60 s later by "dc" with reason
 * "batch 7"; written by hand from the format in status.h, CRC from zlib.crc32. */
static const uint8_t known[] = {
    'K',  'S',  'T',  'H',  0x01, 0x00, 0x02, 0x00,                 /* header */
    0x00, 0x00, 0xf1, 0x53, 0x65, 0x00, 0x00, 0x00, 0x00,           /* enrolled, time */
    0x05, 'o',  'p',  '-',  '0',  '1',  0x00,                       /* actor, no reason */
    0x01, 0x3c, 0xf1, 0x53, 0x65, 0x00, 0x00, 0x00, 0x00,           /* queued, time */
    0x02, 'd',  'c',  0x07, 'b',  'a',  't',  'c',  'h',  ' ', '7', /* actor, reason */
    0x2b, 0xfc, 0xf9, 0xde,                                         /* CRC-32 */
};

static void test_crc_known_answer(void **state)
{
    (void)state;
    assert_int_equal(test_crc32((const uint8_t *)"123456789", 9), 0xcbf43926u);
    assert_int_equal(test_crc32(known, sizeof known - 4), 0xdef9fc2bu);
}

static void test_encode_known_vector(void **state)
{
    (void)state;
    ktpel_status_history h = {0};
    assert_int_equal(ktpel_status_history_apply(&h, KTPEL_STATUS_ENROLLED, T0, "op-01", NULL, NULL),
                     KTPEL_OK);
    assert_int_equal(
        ktpel_status_history_apply(&h, KTPEL_STATUS_QUEUED, T0 + 60, "dc", "batch 7", NULL),
        KTPEL_OK);
    assert_int_equal(ktpel_status_history_encoded_size(&h), sizeof known);
    uint8_t buf[sizeof known + 8];
    size_t written = 0;
    assert_int_equal(ktpel_status_history_encode(&h, buf, sizeof buf, &written, NULL), KTPEL_OK);
    assert_int_equal(written, sizeof known);
    assert_memory_equal(buf, known, sizeof known);

    ktpel_errbuf eb;
    assert_int_equal(ktpel_status_history_encode(&h, buf, sizeof known - 1, &written, &eb),
                     KTPEL_ETOOBIG);
    assert_non_null(strstr(eb.message, "48"));

    ktpel_status_history back = {0};
    assert_int_equal(ktpel_status_history_decode(known, sizeof known, &back, &eb), KTPEL_OK);
    assert_int_equal(back.count, 2);
    assert_int_equal(back.entries[1].status, KTPEL_STATUS_QUEUED);
    assert_int_equal(back.entries[1].time, T0 + 60);
    assert_string_equal(back.entries[1].actor, "dc");
    assert_string_equal(back.entries[1].reason, "batch 7");
    ktpel_status_history_free(&back);
    ktpel_status_history_free(&h);
}

/* A history through every status, with a returned card and its replacement. */
static void full_history(ktpel_status_history *h)
{
    static const struct {
        ktpel_status to;
        const char *actor, *reason;
    } steps[] = {
        {KTPEL_STATUS_ENROLLED, "STATION-3204-07", NULL},
        {KTPEL_STATUS_QUEUED, "ingest", NULL},
        {KTPEL_STATUS_ADJUDICATE, "dedup-batch-12", "2 candidates, score 0.71"},
        {KTPEL_STATUS_UNIQUE, "adj-siti", "candidates are twins, irises differ"},
        {KTPEL_STATUS_PERSONALISED, "perso-1", NULL},
        {KTPEL_STATUS_SHIPPED, "perso-1", "Kec. Coblong"},
        {KTPEL_STATUS_RETURNED_FOR_DESTRUCTION, "kec-coblong-2", "chip tidak terbaca"},
        {KTPEL_STATUS_PERSONALISED, "perso-2", NULL},
        {KTPEL_STATUS_SHIPPED, "perso-2", NULL},
        {KTPEL_STATUS_HANDED_OVER, "kec-coblong-2", "BERHASIL"},
    };
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        ktpel_errbuf eb;
        if (ktpel_status_history_apply(h, steps[i].to, T0 + 3600 * (int64_t)i, steps[i].actor,
                                       steps[i].reason, &eb))
            fail_msg("step %zu: %s", i, eb.message);
    }
}

/* Encodes h into a malloc'd buffer. */
static uint8_t *encode(const ktpel_status_history *h, size_t *size)
{
    *size = ktpel_status_history_encoded_size(h);
    uint8_t *buf = malloc(*size + 16); /* room for tests that append */
    assert_non_null(buf);
    size_t written;
    assert_int_equal(ktpel_status_history_encode(h, buf, *size, &written, NULL), KTPEL_OK);
    assert_int_equal(written, *size);
    return buf;
}

static void test_round_trip(void **state)
{
    (void)state;
    ktpel_status_history h = {0};
    full_history(&h);
    size_t size;
    uint8_t *buf = encode(&h, &size);
    ktpel_status_history back = {0};
    ktpel_errbuf eb;
    assert_int_equal(ktpel_status_history_decode(buf, size, &back, &eb), KTPEL_OK);
    assert_int_equal(back.count, h.count);
    for (size_t i = 0; i < h.count; i++) {
        assert_int_equal(back.entries[i].status, h.entries[i].status);
        assert_int_equal(back.entries[i].time, h.entries[i].time);
        assert_string_equal(back.entries[i].actor, h.entries[i].actor);
        assert_string_equal(back.entries[i].reason, h.entries[i].reason);
    }
    /* decoding into a filled history replaces it (ASan checks the old entries are freed) */
    assert_int_equal(ktpel_status_history_decode(known, sizeof known, &back, &eb), KTPEL_OK);
    assert_int_equal(back.count, 2);
    /* the history stays usable after decoding */
    assert_int_equal(
        ktpel_status_history_apply(&back, KTPEL_STATUS_UNIQUE, T0 + 61, "dc", NULL, &eb), KTPEL_OK);
    ktpel_status_history_free(&back);

    /* the empty history */
    ktpel_status_history empty = {0};
    uint8_t small[12];
    size_t written;
    assert_int_equal(ktpel_status_history_encode(&empty, small, sizeof small, &written, NULL),
                     KTPEL_OK);
    assert_int_equal(written, 12);
    assert_int_equal(ktpel_status_history_decode(small, written, &empty, &eb), KTPEL_OK);
    assert_int_equal(empty.count, 0);
    free(buf);
    ktpel_status_history_free(&h);
}

/* Decodes buf into a history that already holds the known vector, expects `code` and a
 * message containing `words`, and checks that the history was left unchanged. */
static void expect_decode_error(const uint8_t *buf, size_t size, ktpel_err code, const char *words)
{
    ktpel_status_history h = {0};
    assert_int_equal(ktpel_status_history_decode(known, sizeof known, &h, NULL), KTPEL_OK);
    ktpel_errbuf eb;
    ktpel_errbuf_clear(&eb);
    ktpel_err err = ktpel_status_history_decode(buf, size, &h, &eb);
    if (err != code)
        fail_msg("expected %s, got %s: %s", ktpel_strerror(code), ktpel_strerror(err), eb.message);
    if (words && !strstr(eb.message, words))
        fail_msg("message \"%s\" lacks \"%s\"", eb.message, words);
    assert_int_equal(h.count, 2);
    assert_string_equal(h.entries[1].reason, "batch 7");
    ktpel_status_history_free(&h);
    /* and with no error buffer at all */
    ktpel_status_history fresh = {0};
    assert_int_equal(ktpel_status_history_decode(buf, size, &fresh, NULL), code);
    assert_int_equal(fresh.count, 0);
}

static void test_decode_truncated(void **state)
{
    (void)state;
    ktpel_status_history h = {0};
    full_history(&h);
    size_t size;
    uint8_t *buf = encode(&h, &size);
    for (size_t n = 0; n < size; n++) {
        uint8_t *cut = malloc(n ? n : 1); /* exact size so that ASan sees overreads */
        assert_non_null(cut);
        memcpy(cut, buf, n);
        expect_decode_error(cut, n, KTPEL_ETRUNCATED, NULL);
        free(cut);
    }
    expect_decode_error(NULL, 0, KTPEL_ETRUNCATED, "bytes");
    free(buf);
    ktpel_status_history_free(&h);
}

static void test_decode_bad_header(void **state)
{
    (void)state;
    uint8_t buf[sizeof known];
    memcpy(buf, known, sizeof buf);
    buf[0] = 'k';
    fix_crc(buf, sizeof buf);
    expect_decode_error(buf, sizeof buf, KTPEL_EFORMAT, "magic");
    expect_decode_error(buf, 5, KTPEL_EFORMAT, "magic");

    static const uint16_t versions[] = {0, 2, 0x0100, 0xffff};
    for (size_t i = 0; i < sizeof versions / sizeof versions[0]; i++) {
        memcpy(buf, known, sizeof buf);
        buf[4] = (uint8_t)versions[i];
        buf[5] = (uint8_t)(versions[i] >> 8);
        fix_crc(buf, sizeof buf);
        expect_decode_error(buf, sizeof buf, KTPEL_EUNSUPPORTED, "version");
    }

    memcpy(buf, known, sizeof buf);
    buf[6] = (uint8_t)(KTPEL_STATUS_HISTORY_MAX + 1);
    buf[7] = (uint8_t)((KTPEL_STATUS_HISTORY_MAX + 1) >> 8);
    fix_crc(buf, sizeof buf);
    expect_decode_error(buf, sizeof buf, KTPEL_ETOOBIG, "entries");

    /* a count larger than the entries present */
    memcpy(buf, known, sizeof buf);
    buf[6] = 3;
    fix_crc(buf, sizeof buf);
    expect_decode_error(buf, sizeof buf, KTPEL_ETRUNCATED, "entry 2");
    /* a count smaller than the entries present leaves extra bytes */
    memcpy(buf, known, sizeof buf);
    buf[6] = 1;
    fix_crc(buf, sizeof buf);
    expect_decode_error(buf, sizeof buf, KTPEL_EFORMAT, "extra bytes");
}

static void test_decode_bad_crc(void **state)
{
    (void)state;
    uint8_t buf[sizeof known];
    /* every single-bit change anywhere is refused */
    for (size_t i = 0; i < sizeof buf; i++) {
        for (int bit = 0; bit < 8; bit++) {
            memcpy(buf, known, sizeof buf);
            buf[i] ^= (uint8_t)(1u << bit);
            ktpel_status_history h = {0};
            if (ktpel_status_history_decode(buf, sizeof buf, &h, NULL) == KTPEL_OK)
                fail_msg("flip of byte %zu bit %d accepted", i, bit);
        }
    }
    /* a changed reason letter or CRC byte is reported as a CRC mismatch */
    memcpy(buf, known, sizeof buf);
    buf[40] = 'B';
    expect_decode_error(buf, sizeof buf, KTPEL_EFORMAT, "CRC-32 mismatch");
    memcpy(buf, known, sizeof buf);
    buf[sizeof buf - 1] ^= 0x80;
    expect_decode_error(buf, sizeof buf, KTPEL_EFORMAT, "CRC-32 mismatch");
}

static void test_decode_trailing_bytes(void **state)
{
    (void)state;
    uint8_t buf[sizeof known + 1];
    /* an extra byte between the entries and the CRC */
    memcpy(buf, known, sizeof known - 4);
    buf[sizeof known - 4] = 0;
    fix_crc(buf, sizeof buf);
    expect_decode_error(buf, sizeof buf, KTPEL_EFORMAT, "1 extra bytes");
    /* an extra byte after the CRC: the CRC is then read from the wrong place */
    memcpy(buf, known, sizeof known);
    buf[sizeof known] = 0;
    expect_decode_error(buf, sizeof buf, KTPEL_EFORMAT, NULL);
}

/* Entries that are well-formed bytes but not a valid history. Offsets in `known`: entry 0
 * starts at 8 (status 8, time 9..16, actor length 17), entry 1 at 24 (status 24, time
 * 25..32, actor length 33, actor 34..35, reason length 36, reason 37..43). */
static void test_decode_bad_entries(void **state)
{
    (void)state;
    static const struct {
        size_t offset;
        uint8_t value;
        ktpel_err code;
        const char *words;
    } cases[] = {
        {24, KTPEL_STATUS_HANDED_OVER, KTPEL_ETRANSITION,
         "entry 1: status transition "
         "enrolled -> handed_over"},
        {24, KTPEL_STATUS_ENROLLED, KTPEL_ETRANSITION, "enrolled -> enrolled"},
        {8, KTPEL_STATUS_QUEUED, KTPEL_ETRANSITION, "entry 0: the first status"},
        {24, KTPEL_STATUS_COUNT, KTPEL_EFORMAT, "status value 9"},
        {24, 0xff, KTPEL_EFORMAT, "status value 255"},
        {26, 0x00, KTPEL_EFIELD, "before the previous"}, /* 60 s later becomes earlier */
        {32, 0x80, KTPEL_EFIELD, "outside"},             /* negative time */
        {16, 0x7f, KTPEL_EFIELD, "outside"},             /* time far beyond 9999 */
        {34, ' ', KTPEL_EFIELD, "actor"},
        {35, 0x01, KTPEL_EFIELD, "actor"},
        {37, '\n', KTPEL_EFIELD, "reason"},
        {37, 0xc3, KTPEL_EFIELD, "UTF-8"},
        {37, 0x00, KTPEL_EFIELD, "reason"},
    };
    uint8_t buf[sizeof known];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        memcpy(buf, known, sizeof buf);
        buf[cases[i].offset] = cases[i].value;
        fix_crc(buf, sizeof buf);
        expect_decode_error(buf, sizeof buf, cases[i].code, cases[i].words);
    }
}

/* Length fields out of range, with the rest of the bytes adjusted to match. */
static void test_decode_bad_lengths(void **state)
{
    (void)state;
    /* entry 0 with an empty actor: drop "op-01" */
    uint8_t buf[sizeof known + 64];
    size_t n = 0;
    memcpy(buf, known, 17);
    n = 17;
    buf[n++] = 0; /* actor length 0 */
    buf[n++] = 0; /* reason length 0 */
    memcpy(buf + n, known + 24, sizeof known - 24);
    n += sizeof known - 24;
    fix_crc(buf, n);
    expect_decode_error(buf, n, KTPEL_EFIELD, "entry 0: actor: empty");

    /* entry 0 with a 33-character actor */
    memcpy(buf, known, 17);
    n = 17;
    buf[n++] = 33;
    memset(buf + n, 'a', 33);
    n += 33;
    buf[n++] = 0;
    memcpy(buf + n, known + 24, sizeof known - 24);
    n += sizeof known - 24;
    fix_crc(buf, n);
    expect_decode_error(buf, n, KTPEL_EFIELD, "longer than 32");

    /* queued -> duplicate without a reason: encode enrolled, queued, unique (no reasons)
     * and turn the last status into duplicate */
    ktpel_status_history h = {0};
    assert_int_equal(ktpel_status_history_apply(&h, KTPEL_STATUS_ENROLLED, T0, "op", NULL, NULL),
                     KTPEL_OK);
    assert_int_equal(ktpel_status_history_apply(&h, KTPEL_STATUS_QUEUED, T0, "op", NULL, NULL),
                     KTPEL_OK);
    assert_int_equal(ktpel_status_history_apply(&h, KTPEL_STATUS_UNIQUE, T0, "op", NULL, NULL),
                     KTPEL_OK);
    size_t size;
    uint8_t *enc = encode(&h, &size);
    /* the last entry is status, time (8), actor length, "op", reason length: 13 bytes */
    assert_int_equal(enc[size - 4 - 13], KTPEL_STATUS_UNIQUE);
    enc[size - 4 - 13] = KTPEL_STATUS_DUPLICATE;
    fix_crc(enc, size);
    expect_decode_error(enc, size, KTPEL_EFIELD, "entry 2: reason: required");
    free(enc);
    ktpel_status_history_free(&h);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    ktpel_status_history h = {0};
    uint8_t buf[16];
    assert_int_equal(ktpel_status_history_decode(known, sizeof known, NULL, NULL), KTPEL_EINVAL);
    assert_int_equal(ktpel_status_history_decode(NULL, 5, &h, NULL), KTPEL_EINVAL);
    assert_int_equal(ktpel_status_history_encode(NULL, buf, sizeof buf, NULL, NULL), KTPEL_EINVAL);
    assert_int_equal(ktpel_status_history_encode(&h, NULL, 12, NULL, NULL), KTPEL_EINVAL);
    assert_int_equal(ktpel_status_history_encode(&h, NULL, 0, NULL, NULL), KTPEL_ETOOBIG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ids_and_labels),
        cmocka_unit_test(test_parse_rejects),
        cmocka_unit_test(test_transition_matrix),
        cmocka_unit_test(test_transition_messages),
        cmocka_unit_test(test_history_matrix),
        cmocka_unit_test(test_first_entry_is_enrolled),
        cmocka_unit_test(test_reason_required),
        cmocka_unit_test(test_actor_validation),
        cmocka_unit_test(test_reason_validation),
        cmocka_unit_test(test_time_order),
        cmocka_unit_test(test_entry_date_is_jakarta),
        cmocka_unit_test(test_history_limit),
        cmocka_unit_test(test_crc_known_answer),
        cmocka_unit_test(test_encode_known_vector),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_decode_truncated),
        cmocka_unit_test(test_decode_bad_header),
        cmocka_unit_test(test_decode_bad_crc),
        cmocka_unit_test(test_decode_trailing_bytes),
        cmocka_unit_test(test_decode_bad_entries),
        cmocka_unit_test(test_decode_bad_lengths),
        cmocka_unit_test(test_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
