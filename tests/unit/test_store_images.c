/* The store's images, capture metadata and packet records (include/ktpel/store.h): lookups
 * of what is absent, bad arguments, and a store of the previous schema (1, without these
 * databases) refused with a message naming both versions, read-write and read-only. */
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ktpel/store.h"
#include "testutil.h"

static const char *nik = "3520074710791935";

static void test_absent_and_bad_arguments(void **state)
{
    (void)state;
    char *tmp = ktpel_test_tmpdir();
    ktpel_store *s;
    assert_int_equal(ktpel_store_open(tmp, NULL, &s, NULL), KTPEL_OK);
    uint8_t *data = (uint8_t *)"x";
    size_t len = 7, count = 9;
    ktpel_errbuf eb;
    assert_int_equal(ktpel_store_image_get(s, nik, KTPEL_STORE_IMAGE_FACE, 0, 1, &data, &len, &eb),
                     KTPEL_ENOTFOUND);
    assert_null(data);
    assert_int_equal(len, 0);
    assert_non_null(strstr(eb.message, nik));
    assert_int_equal(
        ktpel_store_image_get(s, nik, KTPEL_STORE_IMAGE_FINGER, 1, 0, &data, &len, NULL),
        KTPEL_EINVAL); /* captures count from 1 */
    assert_int_equal(
        ktpel_store_image_get(s, "123", KTPEL_STORE_IMAGE_FACE, 0, 1, &data, &len, NULL),
        KTPEL_EINVAL);
    assert_int_equal(ktpel_store_image_count(s, nik, &count, NULL), KTPEL_OK);
    assert_int_equal(count, 0);
    ktpel_store_capture c;
    assert_int_equal(ktpel_store_capture_get(s, nik, &c, NULL), KTPEL_ENOTFOUND);
    assert_null(c.packet_txt);
    ktpel_store_capture_clear(&c);
    ktpel_store_capture_clear(NULL);
    ktpel_store_packet p;
    assert_int_equal(ktpel_store_packet_get(s, "0123456789abcdef0123456789abcdef", &p, NULL),
                     KTPEL_ENOTFOUND);
    assert_int_equal(ktpel_store_packet_get(s, "0123456789ABCDEF0123456789abcdef", &p, NULL),
                     KTPEL_EINVAL); /* ids are lower-case hex */
    assert_int_equal(ktpel_store_packet_get(s, "0123", &p, NULL), KTPEL_EINVAL);
    ktpel_store_close(s);
    ktpel_test_rmtree(tmp);
    free(tmp);
}

/* A schema-1 store as the previous ktpel made it: its ten databases, schema 1. */
static void make_schema1_store(const char *dir)
{
    static const char *const names[] = {"meta",           "residents", "fp_iso",  "fp_compact",
                                        "status",         "queue",     "results", "gallery_members",
                                        "gallery_chunks", "audit"};
    MDB_env *env;
    MDB_txn *txn;
    assert_int_equal(mdb_env_create(&env), 0);
    assert_int_equal(mdb_env_set_maxdbs(env, 16), 0);
    assert_int_equal(mdb_env_open(env, dir, 0, 0660), 0);
    assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
    MDB_dbi meta = 0;
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        MDB_dbi dbi;
        assert_int_equal(mdb_dbi_open(txn, names[i], MDB_CREATE, &dbi), 0);
        if (i == 0)
            meta = dbi;
    }
    uint8_t one[8] = {0, 0, 0, 0, 0, 0, 0, 1};
    MDB_val k = {6, "schema"}, v = {8, one};
    assert_int_equal(mdb_put(txn, meta, &k, &v, 0), 0);
    assert_int_equal(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
}

static void test_schema1_store_refused(void **state)
{
    (void)state;
    char *tmp = ktpel_test_tmpdir();
    make_schema1_store(tmp);
    for (int ro = 0; ro < 2; ro++) {
        ktpel_store_options o = {.read_only = ro};
        ktpel_store *s = NULL;
        ktpel_errbuf eb;
        assert_int_equal(ktpel_store_open(tmp, &o, &s, &eb), KTPEL_EUNSUPPORTED);
        assert_null(s);
        char want[64];
        snprintf(want, sizeof want, "schema version 1, this ktpel reads version %d",
                 KTPEL_STORE_SCHEMA);
        if (!strstr(eb.message, want))
            fail_msg("read_only=%d: %s", ro, eb.message);
    }
    ktpel_test_rmtree(tmp);
    free(tmp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_absent_and_bad_arguments),
        cmocka_unit_test(test_schema1_store_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
