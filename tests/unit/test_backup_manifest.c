/* The backup manifest parser: a formatted manifest parses back to the same values and the
 * same bytes; malformed manifests are refused naming the line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ktpel/backup.h"
#include "testutil.h"

static ktpel_backup_manifest sample(void)
{
    ktpel_backup_manifest m;
    memset(&m, 0, sizeof m);
    m.format = KTPEL_BACKUP_FORMAT;
    snprintf(m.ktpel_version, sizeof m.ktpel_version, "0.1.0");
    m.time = 1718000000;
    m.schema = 1;
    m.data_size = 1 << 20;
    for (int i = 0; i < 32; i++) {
        m.data_sha256[i] = (uint8_t)i;
        m.audit_head[i] = (uint8_t)(255 - i);
        m.store_digest[i] = (uint8_t)(i * 7);
    }
    for (int i = 0; i < KTPEL_BACKUP_DBS; i++)
        m.counts[i] = (uint64_t)i * 1000 + 3;
    m.counts[0] = UINT64_MAX;
    m.audit_length = 9003;
    return m;
}

static char *formatted(size_t *len)
{
    ktpel_backup_manifest m = sample();
    char *text = NULL;
    assert_int_equal(ktpel_backup_manifest_format(&m, &text, len, NULL), KTPEL_OK);
    return text;
}

static void test_round_trip(void **state)
{
    (void)state;
    size_t len;
    char *text = formatted(&len);
    assert_non_null(strstr(text, "count.gallery_chunks 8003\n"));
    assert_non_null(strstr(text, "count.meta 18446744073709551615\n"));
    ktpel_backup_manifest m, want = sample();
    assert_int_equal(ktpel_backup_manifest_parse(text, len, &m, NULL), KTPEL_OK);
    assert_memory_equal(&m, &want, sizeof m);
    char *again;
    size_t again_len;
    assert_int_equal(ktpel_backup_manifest_format(&m, &again, &again_len, NULL), KTPEL_OK);
    assert_int_equal(again_len, len);
    assert_memory_equal(again, text, len);
    free(again);
    free(text);
}

/* Replaces the first occurrence of from with to in the sample and expects code and a message
 * containing what. */
static void expect_refused(const char *from, const char *to, ktpel_err code, const char *what)
{
    size_t len;
    char *text = formatted(&len);
    char src[KTPEL_BACKUP_MANIFEST_MAX + 1], buf[8192];
    snprintf(src, sizeof src, "%s", text);
    free(text);
    const char *at = strstr(src, from);
    assert_non_null(at);
    size_t head = (size_t)(at - src), tail = head + strlen(from);
    snprintf(buf, sizeof buf, "%.*s%s%s", (int)head, src, to, src + tail);
    ktpel_backup_manifest m;
    ktpel_errbuf eb;
    ktpel_errbuf_clear(&eb);
    assert_int_equal(ktpel_backup_manifest_parse(buf, strlen(buf), &m, &eb), code);
    if (!strstr(eb.message, what)) {
        fprintf(stderr, "message '%s' lacks '%s'\n", eb.message, what);
        fail();
    }
}

static void test_malformed(void **state)
{
    (void)state;
    expect_refused("ktpel-backup 2", "ktpel-backup 1", KTPEL_EUNSUPPORTED, "format version 1");
    expect_refused("ktpel-backup 2", "ktpel-backup 02", KTPEL_EFORMAT, "line 1");
    expect_refused("time 1718000000", "time -5", KTPEL_EFORMAT, "line 3: bad value for time");
    expect_refused("time 1718000000", "time 99999999999999999999", KTPEL_EFORMAT, "line 3");
    expect_refused("schema 1\n", "", KTPEL_EFORMAT, "line 4: expected 'schema VALUE'");
    expect_refused("ktpel_version 0.1.0", "ktpel_version 0.1 beta", KTPEL_EFORMAT, "line 2");
    expect_refused("ktpel_version 0.1.0", "ktpel_version ", KTPEL_EFORMAT, "line 2");
    expect_refused("data_sha256 000102", "data_sha256 0A0102", KTPEL_EFORMAT, "data_sha256");
    expect_refused("count.meta 18446744073709551615", "count.meta 18446744073709551616",
                   KTPEL_EFORMAT, "count.meta");
    expect_refused("count.residents", "count.resident", KTPEL_EFORMAT, "count.residents");
    expect_refused("audit_length", "extra 1\naudit_length", KTPEL_EFORMAT,
                   "line 22: expected 'audit_length VALUE'");
    expect_refused("store_digest", "store_digest 00\nstore_digest", KTPEL_EFORMAT, "line 24");
    expect_refused("audit_length 9003", "audit_length 9003 ", KTPEL_EFORMAT, "audit_length");
    expect_refused("\nstore_digest", "\r\nstore_digest", KTPEL_EFORMAT, "line 23");
}

static void test_cut_and_extended(void **state)
{
    (void)state;
    size_t len;
    char *text = formatted(&len);
    ktpel_backup_manifest m;
    ktpel_errbuf eb;
    for (size_t cut = 0; cut < len; cut++) {
        ktpel_errbuf_clear(&eb);
        ktpel_err err = ktpel_backup_manifest_parse(text, cut, &m, &eb);
        assert_true(err == KTPEL_EFORMAT || err == KTPEL_ETRUNCATED);
        assert_true(eb.message[0] != '\0');
    }
    char *longer = malloc(len + 2);
    memcpy(longer, text, len);
    memcpy(longer + len, "x\n", 2);
    assert_int_equal(ktpel_backup_manifest_parse(longer, len + 2, &m, &eb), KTPEL_EFORMAT);
    assert_non_null(strstr(eb.message, "after the end"));
    assert_int_equal(ktpel_backup_manifest_parse(longer, KTPEL_BACKUP_MANIFEST_MAX + 1, &m, &eb),
                     KTPEL_ETOOBIG);
    free(longer);
    free(text);
    assert_string_equal(ktpel_backup_db_name(1), "residents");
    assert_null(ktpel_backup_db_name(KTPEL_BACKUP_DBS));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_cut_and_extended),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
