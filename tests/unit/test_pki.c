/* The test PKI: issuing, roles, chain verification with time, CMS signing and encryption,
 * the on-disk layout of `ktpel pki init`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ktpel/file.h"
#include "ktpel/pki.h"
#include "testutil.h"

#define DAY 86400
#define T0  1763700000 /* 2025-11-21 */

typedef struct fixture {
    ktpel_pki_cert *ca, *station, *dc, *csca, *ds, *other_ca, *other_station;
    ktpel_pki_key *ca_key, *station_key, *dc_key, *csca_key, *ds_key, *other_ca_key,
        *other_station_key;
    ktpel_pki_trust *trust, *doc_trust;
} fixture;

static void issue(ktpel_pki_role role, const char *cn, int64_t from, int64_t to,
                  ktpel_pki_cert *issuer, ktpel_pki_key *issuer_key, ktpel_pki_cert **cert,
                  ktpel_pki_key **key)
{
    ktpel_errbuf eb;
    ktpel_pki_issue_request req = {role, cn, from, to, issuer, issuer_key, NULL};
    assert_int_equal(ktpel_pki_issue(&req, cert, key, &eb), KTPEL_OK);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    issue(KTPEL_PKI_ROLE_CA, "test CA", T0, T0 + 3650 * DAY, NULL, NULL, &f->ca, &f->ca_key);
    issue(KTPEL_PKI_ROLE_STATION, "ST-0001", T0, T0 + 365 * DAY, f->ca, f->ca_key, &f->station,
          &f->station_key);
    issue(KTPEL_PKI_ROLE_DATACENTER, "dc", T0, T0 + 365 * DAY, f->ca, f->ca_key, &f->dc,
          &f->dc_key);
    issue(KTPEL_PKI_ROLE_CSCA, "CSCA", T0, T0 + 3650 * DAY, NULL, NULL, &f->csca, &f->csca_key);
    issue(KTPEL_PKI_ROLE_DOCUMENT_SIGNER, "DS 1", T0, T0 + 365 * DAY, f->csca, f->csca_key, &f->ds,
          &f->ds_key);
    issue(KTPEL_PKI_ROLE_CA, "test CA", T0, T0 + 3650 * DAY, NULL, NULL, &f->other_ca,
          &f->other_ca_key);
    issue(KTPEL_PKI_ROLE_STATION, "ST-0001", T0, T0 + 365 * DAY, f->other_ca, f->other_ca_key,
          &f->other_station, &f->other_station_key);
    assert_int_equal(ktpel_pki_trust_new(&f->trust, NULL), KTPEL_OK);
    assert_int_equal(ktpel_pki_trust_add(f->trust, f->ca, NULL), KTPEL_OK);
    assert_int_equal(ktpel_pki_trust_new(&f->doc_trust, NULL), KTPEL_OK);
    assert_int_equal(ktpel_pki_trust_add(f->doc_trust, f->csca, NULL), KTPEL_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    ktpel_pki_cert *certs[] = {f->ca, f->station,  f->dc,           f->csca,
                               f->ds, f->other_ca, f->other_station};
    ktpel_pki_key *keys[] = {f->ca_key, f->station_key,  f->dc_key,           f->csca_key,
                             f->ds_key, f->other_ca_key, f->other_station_key};
    for (size_t i = 0; i < sizeof certs / sizeof certs[0]; i++) {
        ktpel_pki_cert_free(certs[i]);
        ktpel_pki_key_free(keys[i]);
    }
    ktpel_pki_trust_free(f->trust);
    ktpel_pki_trust_free(f->doc_trust);
    free(f);
    return 0;
}

static void test_info(void **state)
{
    fixture *f = *state;
    ktpel_pki_cert_info info;
    assert_int_equal(ktpel_pki_cert_get_info(f->station, &info, NULL), KTPEL_OK);
    assert_string_equal(info.subject_cn, "ST-0001");
    assert_string_equal(info.subject_ou, "station");
    assert_string_equal(info.issuer_cn, "test CA");
    assert_int_equal(info.role, KTPEL_PKI_ROLE_STATION);
    assert_false(info.is_ca);
    assert_int_equal(info.not_before, T0);
    assert_int_equal(info.not_after, T0 + 365 * DAY);
    assert_string_equal(info.key_type, "EC P-256");
    assert_int_equal(strlen(info.sha256), 64);
    assert_int_equal(strlen(info.serial), 32);
    assert_int_equal(ktpel_pki_cert_get_info(f->ca, &info, NULL), KTPEL_OK);
    assert_true(info.is_ca);
    assert_int_equal(info.role, KTPEL_PKI_ROLE_CA);
    assert_true(ktpel_pki_key_matches(f->station_key, f->station));
    assert_false(ktpel_pki_key_matches(f->dc_key, f->station));
}

static void test_verify_chain_and_time(void **state)
{
    fixture *f = *state;
    ktpel_errbuf eb;
    assert_int_equal(
        ktpel_pki_verify(f->trust, f->station, NULL, 0, T0 + DAY, KTPEL_PKI_ROLE_STATION, &eb),
        KTPEL_OK);
    /* after the end of validity, and before its start */
    assert_int_equal(ktpel_pki_verify(f->trust, f->station, NULL, 0, T0 + 400 * DAY,
                                      KTPEL_PKI_ROLE_STATION, &eb),
                     KTPEL_EEXPIRED);
    assert_non_null(strstr(eb.message, "ST-0001"));
    assert_non_null(strstr(eb.message, "expired"));
    assert_int_equal(
        ktpel_pki_verify(f->trust, f->station, NULL, 0, T0 - DAY, KTPEL_PKI_ROLE_STATION, &eb),
        KTPEL_EEXPIRED);
    /* a station of another CA with the same names */
    assert_int_equal(ktpel_pki_verify(f->trust, f->other_station, NULL, 0, T0 + DAY,
                                      KTPEL_PKI_ROLE_STATION, &eb),
                     KTPEL_EUNTRUSTED);
    /* the wrong role */
    assert_int_equal(
        ktpel_pki_verify(f->trust, f->dc, NULL, 0, T0 + DAY, KTPEL_PKI_ROLE_STATION, &eb),
        KTPEL_EUNTRUSTED);
    assert_non_null(strstr(eb.message, "datacenter"));
    assert_int_equal(
        ktpel_pki_verify(f->trust, f->dc, NULL, 0, T0 + DAY, KTPEL_PKI_ROLE_DATACENTER, &eb),
        KTPEL_OK);
    /* the document signer chains to the CSCA only */
    assert_int_equal(ktpel_pki_verify(f->doc_trust, f->ds, NULL, 0, T0 + DAY,
                                      KTPEL_PKI_ROLE_DOCUMENT_SIGNER, &eb),
                     KTPEL_OK);
    assert_int_equal(
        ktpel_pki_verify(f->trust, f->ds, NULL, 0, T0 + DAY, KTPEL_PKI_ROLE_DOCUMENT_SIGNER, &eb),
        KTPEL_EUNTRUSTED);
    assert_int_equal(
        ktpel_pki_verify(f->doc_trust, f->station, NULL, 0, T0 + DAY, KTPEL_PKI_ROLE_ANY, &eb),
        KTPEL_EUNTRUSTED);
}

static void test_issue_rejects(void **state)
{
    fixture *f = *state;
    ktpel_errbuf eb;
    ktpel_pki_cert *c = NULL;
    ktpel_pki_key *k = NULL;
    ktpel_pki_issue_request req = {KTPEL_PKI_ROLE_STATION, "X", T0, T0 + DAY, NULL, NULL, NULL};
    assert_int_equal(ktpel_pki_issue(&req, &c, &k, &eb), KTPEL_EINVAL); /* needs an issuer */
    req = (ktpel_pki_issue_request){
        KTPEL_PKI_ROLE_STATION, "X", T0, T0 + DAY, f->ca, f->dc_key, NULL};
    assert_int_equal(ktpel_pki_issue(&req, &c, &k, &eb), KTPEL_EINVAL); /* wrong issuer key */
    req = (ktpel_pki_issue_request){KTPEL_PKI_ROLE_STATION, "X", T0, T0, f->ca, f->ca_key, NULL};
    assert_int_equal(ktpel_pki_issue(&req, &c, &k, &eb), KTPEL_EINVAL); /* empty validity */
    req = (ktpel_pki_issue_request){KTPEL_PKI_ROLE_STATION, "", T0, T0 + 1, f->ca, f->ca_key, NULL};
    assert_int_equal(ktpel_pki_issue(&req, &c, &k, &eb), KTPEL_EINVAL);
    assert_null(c);
    assert_null(k);
    /* a given subject key is used */
    req = (ktpel_pki_issue_request){KTPEL_PKI_ROLE_STATION, "ST-2", T0, T0 + DAY, f->ca, f->ca_key,
                                    f->station_key};
    assert_int_equal(ktpel_pki_issue(&req, &c, NULL, &eb), KTPEL_OK);
    assert_true(ktpel_pki_key_matches(f->station_key, c));
    ktpel_pki_cert_free(c);
}

static void test_files(void **state)
{
    fixture *f = *state;
    ktpel_errbuf eb;
    char *dir = ktpel_test_tmpdir();
    char key_path[512], cert_path[512];
    snprintf(key_path, sizeof key_path, "%s/k.pem", dir);
    snprintf(cert_path, sizeof cert_path, "%s/c.pem", dir);
    assert_int_equal(ktpel_pki_key_save(f->station_key, key_path, &eb), KTPEL_OK);
    assert_int_equal(ktpel_pki_cert_save(f->station, cert_path, &eb), KTPEL_OK);
    struct stat st;
    assert_int_equal(stat(key_path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(stat(cert_path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0644);
    ktpel_pki_key *k = NULL;
    ktpel_pki_cert *c = NULL;
    assert_int_equal(ktpel_pki_key_load(key_path, &k, &eb), KTPEL_OK);
    assert_int_equal(ktpel_pki_cert_load(cert_path, &c, &eb), KTPEL_OK);
    assert_true(ktpel_pki_key_matches(k, c));
    assert_true(ktpel_pki_key_matches(k, f->station));
    /* DER round trip */
    uint8_t *der = NULL;
    size_t len = 0;
    ktpel_pki_cert *c2 = NULL;
    assert_int_equal(ktpel_pki_cert_der(c, &der, &len, &eb), KTPEL_OK);
    assert_int_equal(ktpel_pki_cert_parse(der, len, &c2, &eb), KTPEL_OK);
    ktpel_pki_cert_info a, b;
    ktpel_pki_cert_get_info(c, &a, NULL);
    ktpel_pki_cert_get_info(c2, &b, NULL);
    assert_string_equal(a.sha256, b.sha256);
    /* DER with a byte too many or too few, and garbage */
    uint8_t *longer = malloc(len + 1);
    memcpy(longer, der, len);
    longer[len] = 0;
    ktpel_pki_cert *bad = NULL;
    assert_int_equal(ktpel_pki_cert_parse(longer, len + 1, &bad, &eb), KTPEL_EFORMAT);
    assert_int_equal(ktpel_pki_cert_parse(der, len - 1, &bad, &eb), KTPEL_EFORMAT);
    assert_int_equal(ktpel_pki_cert_parse((const uint8_t *)"-----BEGIN nonsense", 19, &bad, &eb),
                     KTPEL_EFORMAT);
    assert_null(bad);
    free(longer);
    free(der);
    /* a certificate is not a key; a trust file without certificates is refused */
    ktpel_pki_key *k2 = NULL;
    assert_int_equal(ktpel_pki_key_load(cert_path, &k2, &eb), KTPEL_EFORMAT);
    assert_non_null(strstr(eb.message, "c.pem"));
    ktpel_pki_trust *t = NULL;
    assert_int_equal(ktpel_pki_trust_load(key_path, &t, &eb), KTPEL_EFORMAT);
    /* a trust file of a leaf is refused: only CA certificates are roots */
    assert_int_equal(ktpel_pki_trust_load(cert_path, &t, &eb), KTPEL_EINVAL);
    assert_null(t);
    ktpel_pki_key_free(k);
    ktpel_pki_cert_free(c);
    ktpel_pki_cert_free(c2);
    ktpel_test_rmtree(dir);
    free(dir);
}

static uint8_t *find(uint8_t *hay, size_t n, const void *needle, size_t m)
{
    for (size_t i = 0; i + m <= n; i++)
        if (memcmp(hay + i, needle, m) == 0)
            return hay + i;
    return NULL;
}

static void test_cms_sign_verify(void **state)
{
    fixture *f = *state;
    ktpel_errbuf eb;
    const char *msg = "the content to sign";
    uint8_t *der = NULL;
    size_t len = 0;
    assert_int_equal(ktpel_pki_cms_sign((const uint8_t *)msg, strlen(msg), NULL, f->station,
                                        f->station_key, T0 + DAY, &der, &len, &eb),
                     KTPEL_OK);
    ktpel_pki_signed s;
    assert_int_equal(
        ktpel_pki_cms_verify(der, len, NULL, f->trust, KTPEL_PKI_ROLE_STATION, 0, &s, &eb),
        KTPEL_OK);
    assert_int_equal(s.content_len, strlen(msg));
    assert_memory_equal(s.content, msg, s.content_len);
    assert_int_equal(s.signing_time, T0 + DAY);
    ktpel_pki_cert_info info;
    ktpel_pki_cert_get_info(s.signer, &info, NULL);
    assert_string_equal(info.subject_cn, "ST-0001");
    ktpel_pki_signed_clear(&s);
    /* verified at another time: expired */
    assert_int_equal(ktpel_pki_cms_verify(der, len, NULL, f->trust, KTPEL_PKI_ROLE_STATION,
                                          T0 + 1000 * DAY, &s, &eb),
                     KTPEL_EEXPIRED);
    assert_null(s.content);
    /* the wrong trust, the wrong role, the wrong content type */
    assert_int_equal(
        ktpel_pki_cms_verify(der, len, NULL, f->doc_trust, KTPEL_PKI_ROLE_STATION, 0, &s, &eb),
        KTPEL_EUNTRUSTED);
    assert_int_equal(
        ktpel_pki_cms_verify(der, len, NULL, f->trust, KTPEL_PKI_ROLE_DATACENTER, 0, &s, &eb),
        KTPEL_EUNTRUSTED);
    assert_int_equal(ktpel_pki_cms_verify(der, len, "2.23.136.1.1.1", f->trust,
                                          KTPEL_PKI_ROLE_STATION, 0, &s, &eb),
                     KTPEL_EFORMAT);
    /* the content altered (it is at the end of the SignedData's encapsulated content) */
    uint8_t *copy = malloc(len);
    memcpy(copy, der, len);
    uint8_t *hit = find(copy, len, msg, strlen(msg));
    assert_non_null(hit);
    hit[0] ^= 0x20;
    assert_int_equal(
        ktpel_pki_cms_verify(copy, len, NULL, f->trust, KTPEL_PKI_ROLE_STATION, 0, &s, &eb),
        KTPEL_ETAMPERED);
    /* truncated at every length */
    for (size_t n = 0; n < len; n++)
        assert_int_equal(
            ktpel_pki_cms_verify(der, n, NULL, f->trust, KTPEL_PKI_ROLE_STATION, 0, &s, &eb),
            KTPEL_ETRUNCATED);
    free(copy);
    free(der);
}

static void test_cms_sod_content_type(void **state)
{
    fixture *f = *state;
    ktpel_errbuf eb;
    const uint8_t sod[] = {0x30, 0x03, 0x02, 0x01, 0x00};
    uint8_t *der = NULL;
    size_t len = 0;
    assert_int_equal(ktpel_pki_cms_sign(sod, sizeof sod, "2.23.136.1.1.1", f->ds, f->ds_key, T0 + 5,
                                        &der, &len, &eb),
                     KTPEL_OK);
    ktpel_pki_signed s;
    assert_int_equal(ktpel_pki_cms_verify(der, len, "2.23.136.1.1.1", f->doc_trust,
                                          KTPEL_PKI_ROLE_DOCUMENT_SIGNER, T0 + 10 * DAY, &s, &eb),
                     KTPEL_OK);
    assert_memory_equal(s.content, sod, sizeof sod);
    ktpel_pki_signed_clear(&s);
    assert_int_equal(ktpel_pki_cms_verify(der, len, NULL, f->doc_trust,
                                          KTPEL_PKI_ROLE_DOCUMENT_SIGNER, 0, &s, &eb),
                     KTPEL_EFORMAT);
    /* a key that is not the certificate's */
    free(der);
    assert_int_equal(
        ktpel_pki_cms_sign(sod, sizeof sod, NULL, f->ds, f->station_key, T0, &der, &len, &eb),
        KTPEL_EINVAL);
}

static void test_cms_encrypt_decrypt(void **state)
{
    fixture *f = *state;
    ktpel_errbuf eb;
    uint8_t plain[3000];
    for (size_t i = 0; i < sizeof plain; i++)
        plain[i] = (uint8_t)(i * 7 + 3);
    uint8_t *der = NULL, *out = NULL;
    size_t len = 0, out_len = 0;
    assert_int_equal(ktpel_pki_cms_encrypt(plain, sizeof plain, f->dc, &der, &len, &eb), KTPEL_OK);
    assert_int_equal(
        ktpel_pki_cms_decrypt(der, len, f->dc, f->dc_key, 1 << 20, &out, &out_len, &eb), KTPEL_OK);
    assert_int_equal(out_len, sizeof plain);
    assert_memory_equal(out, plain, sizeof plain);
    free(out);
    /* the size limit */
    assert_int_equal(ktpel_pki_cms_decrypt(der, len, f->dc, f->dc_key, 100, &out, &out_len, &eb),
                     KTPEL_ETOOBIG);
    /* someone else's key */
    assert_int_equal(
        ktpel_pki_cms_decrypt(der, len, f->station, f->station_key, 1 << 20, &out, &out_len, &eb),
        KTPEL_ENOTFOUND);
    /* a flipped byte in the ciphertext (the last bytes of the structure are the GCM tag;
     * somewhere in the middle of the 3000 is ciphertext) */
    der[len - 1000] ^= 1;
    assert_int_equal(
        ktpel_pki_cms_decrypt(der, len, f->dc, f->dc_key, 1 << 20, &out, &out_len, &eb),
        KTPEL_ETAMPERED);
    der[len - 1000] ^= 1;
    der[len - 3] ^= 0x80; /* in the tag */
    ktpel_err rc = ktpel_pki_cms_decrypt(der, len, f->dc, f->dc_key, 1 << 20, &out, &out_len, &eb);
    assert_int_not_equal(rc, KTPEL_OK);
    assert_null(out);
    free(der);
}

static void test_init_dir(void **state)
{
    (void)state;
    ktpel_errbuf eb;
    char *dir = ktpel_test_tmpdir();
    char pki[600], path[700];
    snprintf(pki, sizeof pki, "%s/pki", dir);
    ktpel_pki_init_options opt = {.now = T0};
    assert_int_equal(ktpel_pki_init_dir(pki, &opt, &eb), KTPEL_OK);
    const char *keys[] = {KTPEL_PKI_CA_KEY, KTPEL_PKI_DC_KEY, KTPEL_PKI_CSCA_KEY, KTPEL_PKI_DS_KEY};
    for (size_t i = 0; i < 4; i++) {
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", pki, keys[i]);
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0600);
    }
    assert_int_equal(ktpel_pki_init_dir(pki, &opt, &eb), KTPEL_EINVAL); /* not twice */
    char cert_path[4096], key_path[4096];
    assert_int_equal(
        ktpel_pki_issue_station_dir(pki, "ST-3520-01", T0 + 100, 0, cert_path, key_path, &eb),
        KTPEL_OK);
    assert_int_equal(ktpel_pki_issue_station_dir(pki, "ST-3520-01", T0 + 100, 0, NULL, NULL, &eb),
                     KTPEL_EINVAL);
    assert_int_equal(ktpel_pki_issue_station_dir(pki, "bad/id", T0, 0, NULL, NULL, &eb),
                     KTPEL_EINVAL);
    ktpel_pki_trust *trust = NULL, *doc = NULL;
    snprintf(path, sizeof path, "%s/%s", pki, KTPEL_PKI_CA_CERT);
    assert_int_equal(ktpel_pki_trust_load(path, &trust, &eb), KTPEL_OK);
    snprintf(path, sizeof path, "%s/%s", pki, KTPEL_PKI_CSCA_CERT);
    assert_int_equal(ktpel_pki_trust_load(path, &doc, &eb), KTPEL_OK);
    ktpel_pki_cert *st = NULL, *dc = NULL, *ds = NULL;
    assert_int_equal(ktpel_pki_cert_load(cert_path, &st, &eb), KTPEL_OK);
    snprintf(path, sizeof path, "%s/%s", pki, KTPEL_PKI_DC_CERT);
    assert_int_equal(ktpel_pki_cert_load(path, &dc, &eb), KTPEL_OK);
    snprintf(path, sizeof path, "%s/%s", pki, KTPEL_PKI_DS_CERT);
    assert_int_equal(ktpel_pki_cert_load(path, &ds, &eb), KTPEL_OK);
    assert_int_equal(ktpel_pki_verify(trust, st, NULL, 0, T0 + DAY, KTPEL_PKI_ROLE_STATION, &eb),
                     KTPEL_OK);
    assert_int_equal(ktpel_pki_verify(trust, dc, NULL, 0, T0 + DAY, KTPEL_PKI_ROLE_DATACENTER, &eb),
                     KTPEL_OK);
    assert_int_equal(
        ktpel_pki_verify(doc, ds, NULL, 0, T0 + DAY, KTPEL_PKI_ROLE_DOCUMENT_SIGNER, &eb),
        KTPEL_OK);
    /* station certificates last two years by default */
    assert_int_equal(
        ktpel_pki_verify(trust, st, NULL, 0, T0 + 800 * DAY, KTPEL_PKI_ROLE_STATION, &eb),
        KTPEL_EEXPIRED);
    ktpel_pki_key *sk = NULL;
    assert_int_equal(ktpel_pki_key_load(key_path, &sk, &eb), KTPEL_OK);
    assert_true(ktpel_pki_key_matches(sk, st));
    ktpel_pki_key_free(sk);
    ktpel_pki_cert_free(st);
    ktpel_pki_cert_free(dc);
    ktpel_pki_cert_free(ds);
    ktpel_pki_trust_free(trust);
    ktpel_pki_trust_free(doc);
    ktpel_test_rmtree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_info),
        cmocka_unit_test(test_verify_chain_and_time),
        cmocka_unit_test(test_issue_rejects),
        cmocka_unit_test(test_files),
        cmocka_unit_test(test_cms_sign_verify),
        cmocka_unit_test(test_cms_sod_content_type),
        cmocka_unit_test(test_cms_encrypt_decrypt),
        cmocka_unit_test(test_init_dir),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
