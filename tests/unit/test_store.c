/* The data-center store: opening, schema version, audit log chain and its tamper detection,
 * serialised compact templates (round trip, compared in place with the same score), fusion
 * of finger scores and thresholds. */
#include <lmdb.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ktpel/audit.h"
#include "ktpel/dedup.h"
#include "ktpel/fp_match.h"
#include "ktpel/rng.h"
#include "ktpel/store.h"
#include "testutil.h"

static const char nik_a[] = "3520074710791935";

static ktpel_store *open_store(const char *dir)
{
    ktpel_errbuf eb;
    ktpel_store *s = NULL;
    ktpel_err err = ktpel_store_open(dir, NULL, &s, &eb);
    if (err)
        fail_msg("open %s: %s", dir, eb.message);
    return s;
}

/* Runs fn on the named database of the store at dir in a raw LMDB write transaction (what an
 * attacker with file access could do). */
static void raw_edit(const char *dir, const char *db, void (*fn)(MDB_txn *, MDB_dbi))
{
    MDB_env *env;
    assert_int_equal(mdb_env_create(&env), 0);
    assert_int_equal(mdb_env_set_maxdbs(env, 16), 0);
    assert_int_equal(mdb_env_set_mapsize(env, (size_t)64 << 30), 0);
    assert_int_equal(mdb_env_open(env, dir, 0, 0660), 0);
    MDB_txn *txn;
    MDB_dbi dbi;
    assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
    assert_int_equal(mdb_dbi_open(txn, db, 0, &dbi), 0);
    fn(txn, dbi);
    assert_int_equal(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
}

static void test_open_creates_and_reopens(void **state)
{
    (void)state;
    char *dir = ktpel_test_tmpdir();
    char sub[4200];
    snprintf(sub, sizeof sub, "%s/store", dir);
    ktpel_store *s = open_store(sub);
    ktpel_store_counts c;
    assert_int_equal(ktpel_store_counts_get(s, &c, NULL), KTPEL_OK);
    assert_int_equal(c.residents, 0);
    assert_int_equal(c.audit, 0);
    assert_string_equal(ktpel_store_dir(s), sub);
    ktpel_store_close(s);
    ktpel_store_options ro = {.read_only = true};
    assert_int_equal(ktpel_store_open(sub, &ro, &s, NULL), KTPEL_OK);
    assert_int_equal(ktpel_store_counts_get(s, &c, NULL), KTPEL_OK);
    ktpel_store_close(s);

    /* A read-only open of a folder without a store fails and names it. */
    char none[4200];
    snprintf(none, sizeof none, "%s/none", dir);
    ktpel_errbuf eb;
    assert_int_not_equal(ktpel_store_open(none, &ro, &s, &eb), KTPEL_OK);
    assert_null(s);
    assert_non_null(strstr(eb.message, none));
    ktpel_store_options existing = {.no_create = true};
    assert_int_equal(ktpel_store_open(none, &existing, &s, &eb), KTPEL_ENOTFOUND);
    assert_int_equal(ktpel_store_open(sub, &existing, &s, &eb), KTPEL_OK);
    ktpel_store_close(s);
    ktpel_test_rmtree(dir);
    free(dir);
}

static void set_schema_99(MDB_txn *txn, MDB_dbi dbi)
{
    uint8_t v[8] = {0, 0, 0, 0, 0, 0, 0, 99};
    MDB_val k = {6, "schema"}, val = {8, v};
    assert_int_equal(mdb_put(txn, dbi, &k, &val, 0), 0);
}

static void test_schema_mismatch_refused(void **state)
{
    (void)state;
    char *dir = ktpel_test_tmpdir();
    ktpel_store_close(open_store(dir));
    raw_edit(dir, "meta", set_schema_99);
    ktpel_store *s = NULL;
    ktpel_errbuf eb;
    assert_int_equal(ktpel_store_open(dir, NULL, &s, &eb), KTPEL_EUNSUPPORTED);
    assert_null(s);
    assert_non_null(strstr(eb.message, "schema version 99"));
    ktpel_test_rmtree(dir);
    free(dir);
}

/* A store with five audit entries. */
static char *store_with_log(void)
{
    char *dir = ktpel_test_tmpdir();
    ktpel_store *s = open_store(dir);
    for (int i = 0; i < 5; i++) {
        char text[32];
        snprintf(text, sizeof text, "entry %d", i + 1);
        assert_int_equal(ktpel_audit_append(s, KTPEL_AUDIT_REJECT, 1700000000 + i, "tester",
                                            i % 2 ? nik_a : NULL, text, NULL),
                         KTPEL_OK);
    }
    ktpel_store_close(s);
    return dir;
}

static ktpel_err verify(const char *dir, uint64_t *count, uint64_t *bad, char *msg)
{
    ktpel_store *s = open_store(dir);
    ktpel_errbuf eb;
    ktpel_errbuf_clear(&eb);
    ktpel_err err = ktpel_audit_verify(s, count, bad, &eb);
    strcpy(msg, eb.message);
    ktpel_store_close(s);
    return err;
}

static int collect(void *ctx, const ktpel_audit_entry *e)
{
    ktpel_audit_entry *out = ctx;
    out[e->seq - 1] = *e;
    return 0;
}

static void test_audit_chain_round_trip(void **state)
{
    (void)state;
    char *dir = store_with_log();
    uint64_t count = 0, bad = 0;
    char msg[600];
    assert_int_equal(verify(dir, &count, &bad, msg), KTPEL_OK);
    assert_int_equal(count, 5);
    ktpel_audit_entry *entries = calloc(5, sizeof *entries);
    ktpel_store *s = open_store(dir);
    assert_int_equal(ktpel_audit_list(s, collect, entries, NULL), KTPEL_OK);
    ktpel_store_close(s);
    assert_string_equal(entries[1].text, "entry 2");
    assert_string_equal(entries[1].nik, nik_a);
    assert_string_equal(entries[0].nik, "");
    assert_string_equal(entries[3].actor, "tester");
    assert_int_equal(entries[4].time, 1700000004);
    assert_int_equal(entries[2].kind, KTPEL_AUDIT_REJECT);
    assert_memory_equal(entries[2].prev, entries[1].hash, 32);
    free(entries);
    ktpel_test_rmtree(dir);
    free(dir);
}

/* Tampering: change one byte of entry 3's text (hash left alone). */
static void flip_text_of_3(MDB_txn *txn, MDB_dbi dbi)
{
    uint8_t key[8] = {0, 0, 0, 0, 0, 0, 0, 3};
    MDB_val k = {8, key}, v;
    assert_int_equal(mdb_get(txn, dbi, &k, &v), 0);
    uint8_t *copy = malloc(v.mv_size);
    memcpy(copy, v.mv_data, v.mv_size);
    copy[v.mv_size - 1] ^= 1;
    MDB_val nv = {v.mv_size, copy};
    assert_int_equal(mdb_put(txn, dbi, &k, &nv, 0), 0);
    free(copy);
}

static void delete_4(MDB_txn *txn, MDB_dbi dbi)
{
    uint8_t key[8] = {0, 0, 0, 0, 0, 0, 0, 4};
    MDB_val k = {8, key};
    assert_int_equal(mdb_del(txn, dbi, &k, NULL), 0);
}

static void delete_last(MDB_txn *txn, MDB_dbi dbi)
{
    uint8_t key[8] = {0, 0, 0, 0, 0, 0, 0, 5};
    MDB_val k = {8, key};
    assert_int_equal(mdb_del(txn, dbi, &k, NULL), 0);
}

/* Entry 2 rewritten with a consistent hash of new content still breaks the link of 3. */
static void rehash_2(MDB_txn *txn, MDB_dbi dbi)
{
    uint8_t key[8] = {0, 0, 0, 0, 0, 0, 0, 2};
    MDB_val k = {8, key}, v;
    assert_int_equal(mdb_get(txn, dbi, &k, &v), 0);
    uint8_t *copy = malloc(v.mv_size);
    memcpy(copy, v.mv_data, v.mv_size);
    copy[v.mv_size - 1] ^= 1;
    memset(copy, 0x5a, 32); /* any other hash: entry 3 no longer chains to it */
    MDB_val nv = {v.mv_size, copy};
    assert_int_equal(mdb_put(txn, dbi, &k, &nv, 0), 0);
    free(copy);
}

static void expect_broken(void (*edit)(MDB_txn *, MDB_dbi), uint64_t first_bad, const char *needle)
{
    char *dir = store_with_log();
    raw_edit(dir, "audit", edit);
    uint64_t count = 0, bad = 0;
    char msg[600];
    assert_int_equal(verify(dir, &count, &bad, msg), KTPEL_EFORMAT);
    assert_int_equal(bad, first_bad);
    if (!strstr(msg, needle))
        fail_msg("message \"%s\" lacks \"%s\"", msg, needle);
    ktpel_test_rmtree(dir);
    free(dir);
}

static void test_audit_tamper_detected(void **state)
{
    (void)state;
    expect_broken(flip_text_of_3, 3, "audit entry 3: hash does not match");
    expect_broken(delete_4, 4, "audit entry 4: missing");
    expect_broken(delete_last, 5, "audit entry 5: missing");
    expect_broken(rehash_2, 2, "audit entry 2: hash does not match");
}

/* ---- serialised compact templates --------------------------------------------------------- */

static void random_minutiae(ktpel_rng *rng, ktpel_minutia *m, int n)
{
    for (int i = 0; i < n; i++) {
        m[i] = (ktpel_minutia){.x = (uint16_t)ktpel_rng_range(rng, 20, 280),
                               .y = (uint16_t)ktpel_rng_range(rng, 20, 280),
                               .angle = (uint8_t)ktpel_rng_below(rng, 256),
                               .type = (uint8_t)ktpel_rng_range(rng, 1, 2)};
    }
}

static void test_compact_serialise_round_trip(void **state)
{
    (void)state;
    ktpel_rng rng;
    ktpel_rng_seed(&rng, 7);
    ktpel_minutia ma[40], mb[40];
    random_minutiae(&rng, ma, 40);
    memcpy(mb, ma, sizeof ma);
    for (int i = 0; i < 40; i++) /* a distorted second impression */
        mb[i].x = (uint16_t)(mb[i].x + ktpel_rng_range(&rng, -3, 3));
    ktpel_fp_compact *a, *b, *b2;
    assert_int_equal(ktpel_fp_compact_build(ma, 40, 300, 300, 500, 500, &a, NULL), KTPEL_OK);
    assert_int_equal(ktpel_fp_compact_build(mb, 35, 300, 300, 500, 500, &b, NULL), KTPEL_OK);
    size_t size = ktpel_fp_compact_serialised_size(b);
    assert_int_equal(size % KTPEL_FP_COMPACT_ALIGN, 0);
    uint8_t *block = aligned_alloc(64, size + 64);
    assert_int_equal(ktpel_fp_compact_serialise(b, block, size - 1, NULL), KTPEL_ETOOBIG);
    assert_int_equal(ktpel_fp_compact_serialise(b, block, size, NULL), KTPEL_OK);
    size_t used = 0;
    assert_int_equal(ktpel_fp_compact_check_serialised(block, size + 10, &used, NULL), KTPEL_OK);
    assert_int_equal(used, size);
    assert_int_equal(ktpel_fp_compact_deserialise(block, size, &b2, NULL), KTPEL_OK);
    ktpel_fp_workspace *ws;
    assert_int_equal(ktpel_fp_workspace_new(&ws, NULL), KTPEL_OK);
    float direct = ktpel_fp_compare(a, b, ws);
    assert_true(direct > 0.1f);
    assert_true(ktpel_fp_compare(a, b2, ws) == direct);
    assert_true(ktpel_fp_compare_serialised(a, block, ws) == direct);
    assert_int_equal(ktpel_fp_compact_count(b2), 35);
    assert_int_equal(ktpel_fp_compact_descriptors(b2), ktpel_fp_compact_descriptors(b));
    /* Misaligned blocks are refused rather than read with wrong alignment. */
    memmove(block + 8, block, size);
    assert_true(ktpel_fp_compare_serialised(a, block + 8, ws) == 0.0f);
    memmove(block, block + 8, size);

    /* Malformed blocks. */
    ktpel_errbuf eb;
    assert_int_equal(ktpel_fp_compact_check_serialised(block, 63, NULL, &eb), KTPEL_ETRUNCATED);
    assert_int_equal(ktpel_fp_compact_check_serialised(block, size - 64, NULL, &eb),
                     KTPEL_ETRUNCATED);
    block[0] = 'X';
    assert_int_equal(ktpel_fp_compact_check_serialised(block, size, NULL, &eb), KTPEL_EFORMAT);
    block[0] = 'K';
    block[4] = 2;
    assert_int_equal(ktpel_fp_compact_check_serialised(block, size, NULL, &eb), KTPEL_EUNSUPPORTED);
    block[4] = 1;
    block[64] ^= 1; /* a cylinder bit: its count no longer matches */
    assert_int_equal(ktpel_fp_compact_check_serialised(block, size, NULL, &eb), KTPEL_EFORMAT);
    assert_non_null(strstr(eb.message, "cylinder 0"));
    block[64] ^= 1;
    assert_int_equal(ktpel_fp_compact_check_serialised(block, size, NULL, &eb), KTPEL_OK);

    ktpel_fp_workspace_free(ws);
    ktpel_fp_compact_free(a);
    ktpel_fp_compact_free(b);
    ktpel_fp_compact_free(b2);
    free(block);
}

static void test_fusion_and_thresholds(void **state)
{
    (void)state;
    float none[10] = {0};
    assert_true(ktpel_dedup_fuse(none, 10) == 0.0);
    assert_true(ktpel_dedup_fuse(none, 0) == 0.0);
    /* One finger exactly at the FMR 1e-3 point: P(X >= 2) for one finger = 0.1 * 10^-2. */
    float one = ktpel_fp_threshold_for_fmr(1e-3);
    double s1 = ktpel_dedup_fuse(&one, 1);
    assert_true(fabs(s1 - 3.0) < 0.02);
    /* The same finger among ten that agree on nothing is weaker evidence (more chances). */
    float ten[10] = {one};
    double s10 = ktpel_dedup_fuse(ten, 10);
    assert_true(s10 < s1 && s10 > 1.5);
    /* More agreeing fingers: more evidence. */
    float two[10] = {one, one};
    assert_true(ktpel_dedup_fuse(two, 10) > s10 + 1.0);
    float strong[10];
    for (int i = 0; i < 10; i++)
        strong[i] = ktpel_fp_threshold_for_fmr(1e-5);
    assert_true(ktpel_dedup_fuse(strong, 10) > 30);
    /* Thresholds: -log10(FPIR / N). */
    assert_true(fabs(ktpel_dedup_threshold(1e-3, 1000) - 6.0) < 1e-9);
    assert_true(fabs(ktpel_dedup_threshold(1e-3, 0) - 3.0) < 1e-9);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open_creates_and_reopens),
        cmocka_unit_test(test_schema_mismatch_refused),
        cmocka_unit_test(test_audit_chain_round_trip),
        cmocka_unit_test(test_audit_tamper_detected),
        cmocka_unit_test(test_compact_serialise_round_trip),
        cmocka_unit_test(test_fusion_and_thresholds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
