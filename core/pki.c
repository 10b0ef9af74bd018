/* The test PKI: keys, certificates, issuing, trust and chain verification (OpenSSL 3).
 * CMS signing and encryption are in pki_cms.c; the on-disk test PKI in pki_dir.c. */
#include "ktpel/pki.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "ktpel/date.h"
#include "ktpel/file.h"
#include "pki_internal.h"

/* A PEM key or certificate file is small; anything bigger is not one. */
#define PKI_PEM_MAX (64 * 1024)

static const char *const role_ids[KTPEL_PKI_ROLE_COUNT] = {
    [KTPEL_PKI_ROLE_ANY] = "any",         [KTPEL_PKI_ROLE_CA] = "ca",
    [KTPEL_PKI_ROLE_STATION] = "station", [KTPEL_PKI_ROLE_DATACENTER] = "datacenter",
    [KTPEL_PKI_ROLE_CSCA] = "csca",       [KTPEL_PKI_ROLE_DOCUMENT_SIGNER] = "document-signer",
};

const char *ktpel_pki_role_id(ktpel_pki_role role)
{
    if ((int)role < 0 || role >= KTPEL_PKI_ROLE_COUNT)
        return "unknown";
    return role_ids[role];
}

static ktpel_pki_role role_from_id(const char *id)
{
    for (int r = KTPEL_PKI_ROLE_CA; r < KTPEL_PKI_ROLE_COUNT; r++)
        if (strcmp(id, role_ids[r]) == 0)
            return (ktpel_pki_role)r;
    return KTPEL_PKI_ROLE_ANY;
}

ktpel_err pki_fail_ssl(ktpel_errbuf *eb, ktpel_err code, const char *what)
{
    unsigned long e = ERR_peek_last_error();
    char msg[256];
    if (e)
        ERR_error_string_n(e, msg, sizeof msg);
    ERR_clear_error();
    return e ? ktpel_fail(eb, code, "%s: %s", what, msg) : ktpel_fail(eb, code, "%s", what);
}

bool pki_asn1_time_to_unix(const ASN1_TIME *t, int64_t *out)
{
    ASN1_TIME *epoch = ASN1_TIME_set(NULL, 0);
    int days = 0, secs = 0;
    bool ok = epoch && ASN1_TIME_diff(&days, &secs, epoch, t);
    ASN1_TIME_free(epoch);
    if (ok)
        *out = (int64_t)days * 86400 + secs;
    return ok;
}

ktpel_pki_cert *pki_cert_wrap(X509 *x)
{
    ktpel_pki_cert *c = x ? malloc(sizeof *c) : NULL;
    if (!c) {
        X509_free(x);
        return NULL;
    }
    c->x509 = x;
    return c;
}

/* ---- keys ---- */

static ktpel_pki_key *key_wrap(EVP_PKEY *pkey)
{
    ktpel_pki_key *k = pkey ? malloc(sizeof *k) : NULL;
    if (!k) {
        EVP_PKEY_free(pkey);
        return NULL;
    }
    k->pkey = pkey;
    return k;
}

ktpel_err ktpel_pki_key_generate(ktpel_pki_key **out, ktpel_errbuf *eb)
{
    if (!out)
        return ktpel_fail(eb, KTPEL_EINVAL, "key generate: NULL argument");
    EVP_PKEY *pkey = EVP_EC_gen("P-256");
    if (!pkey)
        return pki_fail_ssl(eb, KTPEL_EINTERNAL, "EC P-256 key generation");
    *out = key_wrap(pkey);
    return *out ? KTPEL_OK : ktpel_fail(eb, KTPEL_ENOMEM, "key generate: out of memory");
}

/* PEM password callback that refuses: an encrypted key file is an error, never a prompt on
 * the terminal (OpenSSL's default). */
static int no_password(char *buf, int size, int rwflag, void *u)
{
    (void)buf;
    (void)size;
    (void)rwflag;
    (void)u;
    return -1;
}

ktpel_err ktpel_pki_key_parse(const uint8_t *pem, size_t len, ktpel_pki_key **out, ktpel_errbuf *eb)
{
    if (!pem || !out)
        return ktpel_fail(eb, KTPEL_EINVAL, "key parse: NULL argument");
    *out = NULL;
    if (len == 0 || len > PKI_PEM_MAX)
        return ktpel_fail(eb, KTPEL_EFORMAT, "key: %zu bytes (1..%d allowed)", len, PKI_PEM_MAX);
    BIO *bio = BIO_new_mem_buf(pem, (int)len);
    EVP_PKEY *pkey = bio ? PEM_read_bio_PrivateKey(bio, NULL, no_password, NULL) : NULL;
    BIO_free(bio);
    if (!pkey)
        return pki_fail_ssl(eb, KTPEL_EFORMAT, "not an unencrypted PEM private key");
    *out = key_wrap(pkey);
    return *out ? KTPEL_OK : ktpel_fail(eb, KTPEL_ENOMEM, "key: out of memory");
}

ktpel_err ktpel_pki_key_load(const char *path, ktpel_pki_key **out, ktpel_errbuf *eb)
{
    if (!path || !out)
        return ktpel_fail(eb, KTPEL_EINVAL, "key load: NULL argument");
    *out = NULL;
    uint8_t *data = NULL;
    size_t len = 0;
    ktpel_err rc = ktpel_file_read(path, PKI_PEM_MAX, &data, &len, eb);
    if (rc)
        return rc;
    rc = ktpel_pki_key_parse(data, len, out, eb);
    OPENSSL_cleanse(data, len);
    free(data);
    return rc ? ktpel_fail_context(eb, "%s: ", path) : KTPEL_OK;
}

/* The contents of a memory BIO written to path atomically with mode, then wiped. */
static ktpel_err write_bio(BIO *bio, const char *path, unsigned mode, ktpel_errbuf *eb)
{
    char *pem = NULL;
    long n = BIO_get_mem_data(bio, &pem);
    if (n <= 0 || !pem)
        return ktpel_fail(eb, KTPEL_EINTERNAL, "%s: nothing to write", path);
    ktpel_err rc = ktpel_file_write_atomic_mode(path, pem, (size_t)n, mode, eb);
    OPENSSL_cleanse(pem, (size_t)n);
    return rc;
}

ktpel_err ktpel_pki_key_save(const ktpel_pki_key *key, const char *path, ktpel_errbuf *eb)
{
    if (!key || !path)
        return ktpel_fail(eb, KTPEL_EINVAL, "key save: NULL argument");
    BIO *bio = BIO_new(BIO_s_mem());
    if (!bio || !PEM_write_bio_PrivateKey(bio, key->pkey, NULL, NULL, 0, NULL, NULL)) {
        BIO_free(bio);
        return pki_fail_ssl(eb, KTPEL_EINTERNAL, "key save: PEM encoding");
    }
    ktpel_err rc = write_bio(bio, path, 0600, eb);
    BIO_free(bio);
    return rc;
}

void ktpel_pki_key_free(ktpel_pki_key *key)
{
    if (!key)
        return;
    EVP_PKEY_free(key->pkey);
    free(key);
}

bool ktpel_pki_key_matches(const ktpel_pki_key *key, const ktpel_pki_cert *cert)
{
    if (!key || !cert)
        return false;
    EVP_PKEY *pub = X509_get0_pubkey(cert->x509);
    bool eq = pub && EVP_PKEY_eq(key->pkey, pub) == 1;
    ERR_clear_error();
    return eq;
}

/* ---- certificates ---- */

ktpel_err ktpel_pki_cert_parse(const uint8_t *data, size_t len, ktpel_pki_cert **out,
                               ktpel_errbuf *eb)
{
    if (!data || !out)
        return ktpel_fail(eb, KTPEL_EINVAL, "certificate parse: NULL argument");
    *out = NULL;
    if (len == 0 || len > PKI_PEM_MAX)
        return ktpel_fail(eb, len ? KTPEL_ETOOBIG : KTPEL_ETRUNCATED,
                          "certificate: %zu bytes (1..%d allowed)", len, PKI_PEM_MAX);
    X509 *x = NULL;
    size_t skip = 0;
    while (skip < len &&
           (data[skip] == ' ' || data[skip] == '\t' || data[skip] == '\r' || data[skip] == '\n'))
        skip++;
    if (len - skip >= 10 && memcmp(data + skip, "-----BEGIN", 10) == 0) {
        BIO *bio = BIO_new_mem_buf(data, (int)len);
        x = bio ? PEM_read_bio_X509(bio, NULL, no_password, NULL) : NULL;
        BIO_free(bio);
    } else {
        const unsigned char *p = data;
        x = d2i_X509(NULL, &p, (long)len);
        if (x && (size_t)(p - data) != len) {
            X509_free(x);
            ERR_clear_error();
            return ktpel_fail(eb, KTPEL_EFORMAT, "certificate: %zu bytes after the DER certificate",
                              len - (size_t)(p - data));
        }
    }
    if (!x)
        return pki_fail_ssl(eb, KTPEL_EFORMAT, "not a PEM or DER X.509 certificate");
    *out = pki_cert_wrap(x);
    return *out ? KTPEL_OK : ktpel_fail(eb, KTPEL_ENOMEM, "certificate: out of memory");
}

ktpel_err ktpel_pki_cert_load(const char *path, ktpel_pki_cert **out, ktpel_errbuf *eb)
{
    if (!path || !out)
        return ktpel_fail(eb, KTPEL_EINVAL, "certificate load: NULL argument");
    uint8_t *data = NULL;
    size_t len = 0;
    ktpel_err rc = ktpel_file_read(path, PKI_PEM_MAX, &data, &len, eb);
    if (rc)
        return rc;
    rc = ktpel_pki_cert_parse(data, len, out, eb);
    free(data);
    return rc ? ktpel_fail_context(eb, "%s: ", path) : KTPEL_OK;
}

ktpel_err ktpel_pki_cert_save(const ktpel_pki_cert *cert, const char *path, ktpel_errbuf *eb)
{
    if (!cert || !path)
        return ktpel_fail(eb, KTPEL_EINVAL, "certificate save: NULL argument");
    BIO *bio = BIO_new(BIO_s_mem());
    if (!bio || !PEM_write_bio_X509(bio, cert->x509)) {
        BIO_free(bio);
        return pki_fail_ssl(eb, KTPEL_EINTERNAL, "certificate save: PEM encoding");
    }
    ktpel_err rc = write_bio(bio, path, 0644, eb);
    BIO_free(bio);
    return rc;
}

ktpel_err ktpel_pki_cert_der(const ktpel_pki_cert *cert, uint8_t **der, size_t *len,
                             ktpel_errbuf *eb)
{
    if (!cert || !der || !len)
        return ktpel_fail(eb, KTPEL_EINVAL, "certificate DER: NULL argument");
    *der = NULL;
    *len = 0;
    int n = i2d_X509(cert->x509, NULL);
    if (n <= 0)
        return pki_fail_ssl(eb, KTPEL_EINTERNAL, "certificate DER encoding");
    uint8_t *buf = malloc((size_t)n);
    if (!buf)
        return ktpel_fail(eb, KTPEL_ENOMEM, "certificate DER: out of memory");
    unsigned char *p = buf;
    if (i2d_X509(cert->x509, &p) != n) {
        free(buf);
        return pki_fail_ssl(eb, KTPEL_EINTERNAL, "certificate DER encoding");
    }
    *der = buf;
    *len = (size_t)n;
    return KTPEL_OK;
}

ktpel_pki_cert *ktpel_pki_cert_ref(const ktpel_pki_cert *cert)
{
    if (!cert || !X509_up_ref(cert->x509))
        return NULL;
    return pki_cert_wrap(cert->x509);
}

void ktpel_pki_cert_free(ktpel_pki_cert *cert)
{
    if (!cert)
        return;
    X509_free(cert->x509);
    free(cert);
}

/* The first entry nid of name as UTF-8 into out ("" if absent or too long). */
static void name_entry(const X509_NAME *name, int nid, char *out, size_t size)
{
    out[0] = '\0';
    int i = X509_NAME_get_index_by_NID(name, nid, -1);
    if (i < 0)
        return;
    unsigned char *utf8 = NULL;
    int n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i)));
    if (n >= 0 && (size_t)n < size && !memchr(utf8, 0, (size_t)n)) {
        memcpy(out, utf8, (size_t)n);
        out[n] = '\0';
    }
    OPENSSL_free(utf8);
}

static void key_description(EVP_PKEY *pub, char *out, size_t size)
{
    snprintf(out, size, "unknown");
    if (!pub)
        return;
    if (EVP_PKEY_get_base_id(pub) == EVP_PKEY_EC) {
        char group[64] = "";
        size_t glen = 0;
        if (EVP_PKEY_get_group_name(pub, group, sizeof group, &glen) != 1)
            snprintf(group, sizeof group, "?");
        snprintf(out, size, "EC %s",
                 strcmp(group, "prime256v1") == 0 || strcmp(group, "P-256") == 0 ? "P-256" : group);
    } else if (EVP_PKEY_get_base_id(pub) == EVP_PKEY_RSA) {
        snprintf(out, size, "RSA %d", EVP_PKEY_get_bits(pub));
    }
}

ktpel_err ktpel_pki_cert_get_info(const ktpel_pki_cert *cert, ktpel_pki_cert_info *info,
                                  ktpel_errbuf *eb)
{
    if (!cert || !info)
        return ktpel_fail(eb, KTPEL_EINVAL, "certificate info: NULL argument");
    memset(info, 0, sizeof *info);
    X509 *x = cert->x509;
    name_entry(X509_get_subject_name(x), NID_commonName, info->subject_cn, sizeof info->subject_cn);
    name_entry(X509_get_subject_name(x), NID_organizationalUnitName, info->subject_ou,
               sizeof info->subject_ou);
    name_entry(X509_get_issuer_name(x), NID_commonName, info->issuer_cn, sizeof info->issuer_cn);
    info->role = role_from_id(info->subject_ou);
    BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
    char *hex = bn ? BN_bn2hex(bn) : NULL;
    if (hex && strlen(hex) < sizeof info->serial)
        for (size_t i = 0; hex[i]; i++)
            info->serial[i] = (char)(hex[i] >= 'A' && hex[i] <= 'F' ? hex[i] - 'A' + 'a' : hex[i]);
    OPENSSL_free(hex);
    BN_free(bn);
    if (!pki_asn1_time_to_unix(X509_get0_notBefore(x), &info->not_before) ||
        !pki_asn1_time_to_unix(X509_get0_notAfter(x), &info->not_after))
        return pki_fail_ssl(eb, KTPEL_EFORMAT, "certificate validity times");
    info->is_ca = X509_check_ca(x) != 0;
    key_description(X509_get0_pubkey(x), info->key_type, sizeof info->key_type);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned mdlen = 0;
    if (!X509_digest(x, EVP_sha256(), md, &mdlen) || mdlen != 32)
        return pki_fail_ssl(eb, KTPEL_EINTERNAL, "certificate fingerprint");
    for (unsigned i = 0; i < mdlen; i++)
        snprintf(info->sha256 + 2 * i, 3, "%02x", md[i]);
    ERR_clear_error();
    return KTPEL_OK;
}

/* ---- issuing ---- */

static bool role_is_ca(ktpel_pki_role role)
{
    return role == KTPEL_PKI_ROLE_CA || role == KTPEL_PKI_ROLE_CSCA;
}

/* The key usage a role's certificate carries. A data center with an EC key agrees content
 * keys (ECDH); with an RSA key it has them wrapped. */
static const char *role_key_usage(ktpel_pki_role role, EVP_PKEY *pub)
{
    switch (role) {
    case KTPEL_PKI_ROLE_CA:
    case KTPEL_PKI_ROLE_CSCA:
        return "critical,keyCertSign,cRLSign";
    case KTPEL_PKI_ROLE_DATACENTER:
        return EVP_PKEY_get_base_id(pub) == EVP_PKEY_EC ? "critical,keyAgreement"
                                                        : "critical,keyEncipherment";
    default:
        return "critical,digitalSignature";
    }
}

static bool add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value)
{
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, ctx, nid, value);
    bool ok = ext && X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
    return ok;
}

static bool set_random_serial(X509 *x)
{
    unsigned char raw[16];
    if (RAND_bytes(raw, sizeof raw) != 1)
        return false;
    raw[0] &= 0x7f; /* positive */
    raw[0] |= 0x40; /* and always 16 bytes long */
    BIGNUM *bn = BN_bin2bn(raw, sizeof raw, NULL);
    bool ok = bn && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x));
    BN_free(bn);
    return ok;
}

static bool set_subject(X509 *x, ktpel_pki_role role, const char *cn)
{
    X509_NAME *name = X509_get_subject_name(x);
    const unsigned char *o = (const unsigned char *)(role == KTPEL_PKI_ROLE_CSCA ||
                                                             role == KTPEL_PKI_ROLE_DOCUMENT_SIGNER
                                                         ? "ktpel test document PKI"
                                                         : "ktpel test enrolment PKI");
    return X509_NAME_add_entry_by_txt(name, "C", MBSTRING_ASC, (const unsigned char *)"ID", -1, -1,
                                      0) &&
           X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, o, -1, -1, 0) &&
           X509_NAME_add_entry_by_txt(name, "OU", MBSTRING_ASC,
                                      (const unsigned char *)ktpel_pki_role_id(role), -1, -1, 0) &&
           X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1,
                                      0);
}

static ktpel_err check_request(const ktpel_pki_issue_request *req, ktpel_errbuf *eb)
{
    if (req->role <= KTPEL_PKI_ROLE_ANY || req->role >= KTPEL_PKI_ROLE_COUNT)
        return ktpel_fail(eb, KTPEL_EINVAL, "issue: role %d is not a certificate role",
                          (int)req->role);
    size_t n = req->common_name ? strlen(req->common_name) : 0;
    if (n == 0 || n > 64)
        return ktpel_fail(eb, KTPEL_EINVAL, "issue: common name of %zu characters (1..64)", n);
    for (size_t i = 0; i < n; i++)
        if (req->common_name[i] < 0x20 || req->common_name[i] > 0x7e)
            return ktpel_fail(eb, KTPEL_EINVAL,
                              "issue: common name \"%s\": character %zu is not "
                              "printable ASCII",
                              req->common_name, i + 1);
    if (req->not_after <= req->not_before)
        return ktpel_fail(eb, KTPEL_EINVAL, "issue: not_after %lld is not after not_before %lld",
                          (long long)req->not_after, (long long)req->not_before);
    bool self_signed = !req->issuer && !req->issuer_key;
    if (!self_signed && (!req->issuer || !req->issuer_key))
        return ktpel_fail(eb, KTPEL_EINVAL, "issue: issuer certificate and key go together");
    if (self_signed && !role_is_ca(req->role))
        return ktpel_fail(eb, KTPEL_EINVAL, "issue: a %s certificate needs an issuer",
                          ktpel_pki_role_id(req->role));
    if (!self_signed && !ktpel_pki_key_matches(req->issuer_key, req->issuer))
        return ktpel_fail(eb, KTPEL_EINVAL,
                          "issue: the issuer key does not belong to the "
                          "issuer certificate");
    return KTPEL_OK;
}

/* Fills x (already holding its subject key) as req says and signs it. */
static ktpel_err build_cert(X509 *x, const ktpel_pki_issue_request *req, EVP_PKEY *subject,
                            ktpel_errbuf *eb)
{
    bool self_signed = !req->issuer;
    X509 *issuer = self_signed ? x : req->issuer->x509;
    EVP_PKEY *signer = self_signed ? subject : req->issuer_key->pkey;
    if (!X509_set_version(x, 2) || !set_random_serial(x) ||
        !set_subject(x, req->role, req->common_name) ||
        !X509_set_issuer_name(x, X509_get_subject_name(issuer)) ||
        !ASN1_TIME_set(X509_getm_notBefore(x), (time_t)req->not_before) ||
        !ASN1_TIME_set(X509_getm_notAfter(x), (time_t)req->not_after))
        return pki_fail_ssl(eb, KTPEL_EINTERNAL, "issue: certificate fields");
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
    bool ca = role_is_ca(req->role);
    if (!add_ext(x, &ctx, NID_basic_constraints,
                 ca ? "critical,CA:TRUE,pathlen:0" : "critical,CA:FALSE") ||
        !add_ext(x, &ctx, NID_key_usage, role_key_usage(req->role, subject)) ||
        !add_ext(x, &ctx, NID_subject_key_identifier, "hash") ||
        !add_ext(x, &ctx, NID_authority_key_identifier, "keyid:always"))
        return pki_fail_ssl(eb, KTPEL_EINTERNAL, "issue: certificate extensions");
    if (X509_sign(x, signer, EVP_sha256()) <= 0)
        return pki_fail_ssl(eb, KTPEL_EINTERNAL, "issue: signing the certificate");
    return KTPEL_OK;
}

ktpel_err ktpel_pki_issue(const ktpel_pki_issue_request *req, ktpel_pki_cert **cert_out,
                          ktpel_pki_key **key_out, ktpel_errbuf *eb)
{
    if (!req || !cert_out || (!key_out && !req->subject_key))
        return ktpel_fail(eb, KTPEL_EINVAL, "issue: NULL argument");
    *cert_out = NULL;
    if (key_out)
        *key_out = NULL;
    ktpel_err rc = check_request(req, eb);
    if (rc)
        return rc;
    ktpel_pki_key *key = NULL;
    if (req->subject_key) {
        if (!EVP_PKEY_up_ref(req->subject_key->pkey) || !(key = key_wrap(req->subject_key->pkey)))
            return ktpel_fail(eb, KTPEL_ENOMEM, "issue: out of memory");
    } else if ((rc = ktpel_pki_key_generate(&key, eb))) {
        return rc;
    }
    X509 *x = X509_new();
    if (!x || !X509_set_pubkey(x, key->pkey)) {
        rc = pki_fail_ssl(eb, KTPEL_ENOMEM, "issue: new certificate");
    } else {
        rc = build_cert(x, req, key->pkey, eb);
    }
    if (rc) {
        X509_free(x);
        ktpel_pki_key_free(key);
        return rc;
    }
    *cert_out = pki_cert_wrap(x);
    if (!*cert_out) {
        ktpel_pki_key_free(key);
        return ktpel_fail(eb, KTPEL_ENOMEM, "issue: out of memory");
    }
    if (key_out)
        *key_out = key;
    else
        ktpel_pki_key_free(key);
    return KTPEL_OK;
}

/* ---- trust and verification ---- */

ktpel_err ktpel_pki_trust_new(ktpel_pki_trust **out, ktpel_errbuf *eb)
{
    if (!out)
        return ktpel_fail(eb, KTPEL_EINVAL, "trust: NULL argument");
    *out = malloc(sizeof **out);
    if (!*out)
        return ktpel_fail(eb, KTPEL_ENOMEM, "trust: out of memory");
    (*out)->store = X509_STORE_new();
    if (!(*out)->store) {
        free(*out);
        *out = NULL;
        return ktpel_fail(eb, KTPEL_ENOMEM, "trust: out of memory");
    }
    return KTPEL_OK;
}

ktpel_err ktpel_pki_trust_add(ktpel_pki_trust *trust, const ktpel_pki_cert *root, ktpel_errbuf *eb)
{
    if (!trust || !root)
        return ktpel_fail(eb, KTPEL_EINVAL, "trust add: NULL argument");
    if (X509_check_ca(root->x509) == 0) {
        char cn[65];
        name_entry(X509_get_subject_name(root->x509), NID_commonName, cn, sizeof cn);
        return ktpel_fail(eb, KTPEL_EINVAL, "trust: \"%s\" is not a CA certificate", cn);
    }
    if (!X509_STORE_add_cert(trust->store, root->x509))
        return pki_fail_ssl(eb, KTPEL_EINTERNAL, "trust: adding a root");
    return KTPEL_OK;
}

ktpel_err ktpel_pki_trust_load(const char *path, ktpel_pki_trust **out, ktpel_errbuf *eb)
{
    if (!path || !out)
        return ktpel_fail(eb, KTPEL_EINVAL, "trust load: NULL argument");
    *out = NULL;
    uint8_t *data = NULL;
    size_t len = 0;
    ktpel_err rc = ktpel_file_read(path, PKI_PEM_MAX, &data, &len, eb);
    if (rc)
        return rc;
    ktpel_pki_trust *trust = NULL;
    rc = ktpel_pki_trust_new(&trust, eb);
    BIO *bio = rc ? NULL : BIO_new_mem_buf(data, (int)len);
    int count = 0;
    for (X509 *x; !rc && bio && (x = PEM_read_bio_X509(bio, NULL, no_password, NULL));) {
        ktpel_pki_cert wrap = {x};
        rc = ktpel_pki_trust_add(trust, &wrap, eb);
        X509_free(x);
        count++;
    }
    ERR_clear_error(); /* the end of the file ends the loop with a "no start line" error */
    BIO_free(bio);
    free(data);
    if (!rc && count == 0)
        rc = ktpel_fail(eb, KTPEL_EFORMAT, "no PEM certificate in the file");
    if (rc) {
        ktpel_pki_trust_free(trust);
        return ktpel_fail_context(eb, "%s: ", path);
    }
    *out = trust;
    return KTPEL_OK;
}

void ktpel_pki_trust_free(ktpel_pki_trust *trust)
{
    if (!trust)
        return;
    X509_STORE_free(trust->store);
    free(trust);
}

/* The role check of a verified leaf: OU, CA flag and key usage as issued by this PKI. */
static ktpel_err check_role(X509 *x, ktpel_pki_role role, const char *cn, ktpel_errbuf *eb)
{
    if (role == KTPEL_PKI_ROLE_ANY)
        return KTPEL_OK;
    char ou[33];
    name_entry(X509_get_subject_name(x), NID_organizationalUnitName, ou, sizeof ou);
    if (strcmp(ou, ktpel_pki_role_id(role)) != 0)
        return ktpel_fail(eb, KTPEL_EUNTRUSTED,
                          "certificate \"%s\" is a \"%s\" certificate, "
                          "not a %s one",
                          cn, ou, ktpel_pki_role_id(role));
    bool ca = X509_check_ca(x) != 0;
    if (ca != role_is_ca(role))
        return ktpel_fail(eb, KTPEL_EUNTRUSTED, "certificate \"%s\": CA flag does not fit a %s", cn,
                          ktpel_pki_role_id(role));
    uint32_t need = role_is_ca(role)                    ? KU_KEY_CERT_SIGN
                    : role == KTPEL_PKI_ROLE_DATACENTER ? 0
                                                        : KU_DIGITAL_SIGNATURE;
    uint32_t ku = X509_get_key_usage(x);
    if (need && (ku == UINT32_MAX || !(ku & need)))
        return ktpel_fail(eb, KTPEL_EUNTRUSTED,
                          "certificate \"%s\": its key usage does not "
                          "allow a %s's signatures",
                          cn, ktpel_pki_role_id(role));
    return KTPEL_OK;
}

/* "2025-11-21T10:00:00Z" for messages. */
static const char *iso_time(int64_t t, char *buf, size_t size)
{
    int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
    int64_t secs = t - days * 86400;
    ktpel_date d = ktpel_date_from_days(days);
    snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02dZ", d.year, d.month, d.day,
             (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
    return buf;
}

ktpel_err pki_verify_x509(const ktpel_pki_trust *trust, X509 *cert, STACK_OF(X509) * untrusted,
                          int64_t at, ktpel_pki_role role, ktpel_errbuf *eb)
{
    char cn[65];
    name_entry(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn);
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    if (!ctx || !X509_STORE_CTX_init(ctx, trust->store, cert, untrusted)) {
        X509_STORE_CTX_free(ctx);
        return pki_fail_ssl(eb, KTPEL_ENOMEM, "verify: context");
    }
    /* The time lives in this context's own copy of the parameters, so a shared trust store
     * is never modified. */
    X509_STORE_CTX_set_time(ctx, 0, (time_t)at);
    int ok = X509_verify_cert(ctx);
    ktpel_err rc = KTPEL_OK;
    if (ok != 1) {
        int err = X509_STORE_CTX_get_error(ctx);
        X509 *bad = X509_STORE_CTX_get_current_cert(ctx);
        char bad_cn[65] = "?";
        if (bad)
            name_entry(X509_get_subject_name(bad), NID_commonName, bad_cn, sizeof bad_cn);
        bool time_err = err == X509_V_ERR_CERT_HAS_EXPIRED || err == X509_V_ERR_CERT_NOT_YET_VALID;
        bool other = bad && strcmp(bad_cn, cn) != 0;
        char when[32];
        rc = ktpel_fail(eb, time_err ? KTPEL_EEXPIRED : KTPEL_EUNTRUSTED,
                        "certificate \"%s\"%s%s%s: %s at %s", cn, other ? " (in its chain: \"" : "",
                        other ? bad_cn : "", other ? "\")" : "", X509_verify_cert_error_string(err),
                        iso_time(at, when, sizeof when));
    }
    X509_STORE_CTX_free(ctx);
    ERR_clear_error();
    return rc ? rc : check_role(cert, role, cn, eb);
}

ktpel_err ktpel_pki_verify(const ktpel_pki_trust *trust, const ktpel_pki_cert *cert,
                           const ktpel_pki_cert *const *intermediates, size_t n_intermediates,
                           int64_t at, ktpel_pki_role role, ktpel_errbuf *eb)
{
    if (!trust || !cert || (n_intermediates && !intermediates))
        return ktpel_fail(eb, KTPEL_EINVAL, "verify: NULL argument");
    STACK_OF(X509) *chain = sk_X509_new_null();
    if (!chain)
        return ktpel_fail(eb, KTPEL_ENOMEM, "verify: out of memory");
    for (size_t i = 0; i < n_intermediates; i++)
        if (!sk_X509_push(chain, intermediates[i]->x509)) {
            sk_X509_free(chain);
            return ktpel_fail(eb, KTPEL_ENOMEM, "verify: out of memory");
        }
    ktpel_err rc = pki_verify_x509(trust, cert->x509, chain, at, role, eb);
    sk_X509_free(chain); /* the certificates stay the caller's */
    return rc;
}

ktpel_err ktpel_pki_sign(const ktpel_pki_key *key, const uint8_t *data, size_t len, uint8_t **sig,
                         size_t *sig_len, ktpel_errbuf *eb)
{
    if (!key || (!data && len) || !sig || !sig_len)
        return ktpel_fail(eb, KTPEL_EINVAL, "sign: NULL argument");
    *sig = NULL;
    *sig_len = 0;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    size_t n = 0;
    uint8_t *buf = NULL;
    ktpel_err rc = KTPEL_OK;
    if (!md || EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key->pkey) != 1 ||
        EVP_DigestSign(md, NULL, &n, data, len) != 1)
        rc = pki_fail_ssl(eb, KTPEL_EINTERNAL, "sign");
    else if (!(buf = malloc(n)))
        rc = ktpel_fail(eb, KTPEL_ENOMEM, "sign: out of memory");
    else if (EVP_DigestSign(md, buf, &n, data, len) != 1)
        rc = pki_fail_ssl(eb, KTPEL_EINTERNAL, "sign");
    EVP_MD_CTX_free(md);
    if (rc) {
        free(buf);
        return rc;
    }
    *sig = buf;
    *sig_len = n;
    return KTPEL_OK;
}

ktpel_err ktpel_pki_verify_signature(const ktpel_pki_cert *cert, const uint8_t *data, size_t len,
                                     const uint8_t *sig, size_t sig_len, ktpel_errbuf *eb)
{
    if (!cert || (!data && len) || (!sig && sig_len))
        return ktpel_fail(eb, KTPEL_EINVAL, "verify signature: NULL argument");
    EVP_PKEY *pub = X509_get0_pubkey(cert->x509);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int ok = md && pub && EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, pub) == 1 &&
             EVP_DigestVerify(md, sig, sig_len, data, len) == 1;
    EVP_MD_CTX_free(md);
    ERR_clear_error();
    return ok ? KTPEL_OK : ktpel_fail(eb, KTPEL_ETAMPERED, "signature does not verify");
}

void ktpel_pki_sha256(const void *data, size_t len, uint8_t digest[32])
{
    unsigned n = 32;
    if (!EVP_Digest(data, len, digest, &n, EVP_sha256(), NULL))
        memset(digest, 0, 32);
}

ktpel_err ktpel_pki_random(uint8_t *buf, size_t n, ktpel_errbuf *eb)
{
    if (!buf && n)
        return ktpel_fail(eb, KTPEL_EINVAL, "random: NULL argument");
    if (n > (size_t)INT32_MAX || RAND_bytes(buf, (int)n) != 1)
        return pki_fail_ssl(eb, KTPEL_EINTERNAL, "random bytes");
    return KTPEL_OK;
}
