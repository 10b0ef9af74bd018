/* CMS (RFC 5652) SignedData and AuthEnvelopedData (RFC 5083) with OpenSSL 3: what the sealed
 * enrolment packet and the chip's security object are made of. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/objects.h>

#include "ktpel/pki.h"
#include "pki_internal.h"

/* OpenSSL takes int lengths; ktpel never seals anything near that. */
#define CMS_MAX_INPUT ((size_t)1 << 30)

/* Checks the outer DER header before OpenSSL parses anything, so that a short file is named
 * "truncated" and extra bytes are not silently ignored. */
static ktpel_err der_outer(const uint8_t *der, size_t len, const char *what, ktpel_errbuf *eb)
{
    if (len < 2)
        return ktpel_fail(eb, KTPEL_ETRUNCATED, "%s: %zu bytes, too short for a DER header", what,
                          len);
    if (der[0] != 0x30)
        return ktpel_fail(eb, KTPEL_EFORMAT, "%s: does not start with a DER SEQUENCE (byte 0x%02x)",
                          what, der[0]);
    size_t hdr = 2, body = der[1];
    if (der[1] & 0x80) {
        size_t n = der[1] & 0x7f;
        if (n == 0 || n > 4)
            return ktpel_fail(eb, KTPEL_EFORMAT, "%s: DER length of %zu bytes is not allowed", what,
                              n);
        if (len < 2 + n)
            return ktpel_fail(eb, KTPEL_ETRUNCATED, "%s: %zu bytes end inside the DER header", what,
                              len);
        body = 0;
        for (size_t i = 0; i < n; i++)
            body = body << 8 | der[2 + i];
        hdr = 2 + n;
    }
    if (body > len - hdr)
        return ktpel_fail(eb, KTPEL_ETRUNCATED, "%s: %zu bytes, but its DER header says %zu", what,
                          len, hdr + body);
    if (body < len - hdr)
        return ktpel_fail(eb, KTPEL_EFORMAT, "%s: %zu bytes after the end of the DER structure",
                          what, len - hdr - body);
    if (len > CMS_MAX_INPUT)
        return ktpel_fail(eb, KTPEL_ETOOBIG, "%s: %zu bytes", what, len);
    return KTPEL_OK;
}

static ktpel_err parse_cms(const uint8_t *der, size_t len, int want_nid, const char *what,
                           CMS_ContentInfo **out, ktpel_errbuf *eb)
{
    *out = NULL;
    ktpel_err rc = der_outer(der, len, what, eb);
    if (rc)
        return rc;
    const unsigned char *p = der;
    CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &p, (long)len);
    if (!cms) {
        char msg[128];
        snprintf(msg, sizeof msg, "%s: not a CMS structure", what);
        return pki_fail_ssl(eb, KTPEL_EFORMAT, msg);
    }
    int nid = OBJ_obj2nid(CMS_get0_type(cms));
    if (nid != want_nid || (size_t)(p - der) != len) {
        CMS_ContentInfo_free(cms);
        ERR_clear_error();
        return ktpel_fail(eb, KTPEL_EFORMAT, "%s: CMS %s, expected %s", what,
                          nid == NID_undef ? "of an unknown type" : OBJ_nid2sn(nid),
                          OBJ_nid2sn(want_nid));
    }
    *out = cms;
    return KTPEL_OK;
}

/* Moves a memory BIO's contents into a malloc'd buffer. */
static ktpel_err take_bio(BIO *bio, uint8_t **out, size_t *len, ktpel_errbuf *eb)
{
    char *data = NULL;
    long n = BIO_get_mem_data(bio, &data);
    if (n < 0)
        return ktpel_fail(eb, KTPEL_EINTERNAL, "CMS: no output");
    uint8_t *buf = malloc((size_t)n + 1);
    if (!buf)
        return ktpel_fail(eb, KTPEL_ENOMEM, "CMS: out of memory for %ld bytes", n);
    if (n)
        memcpy(buf, data, (size_t)n);
    buf[n] = 0;
    *out = buf;
    *len = (size_t)n;
    return KTPEL_OK;
}

static ktpel_err encode_cms(CMS_ContentInfo *cms, uint8_t **der, size_t *der_len, ktpel_errbuf *eb)
{
    int n = i2d_CMS_ContentInfo(cms, NULL);
    if (n <= 0)
        return pki_fail_ssl(eb, KTPEL_EINTERNAL, "CMS DER encoding");
    uint8_t *buf = malloc((size_t)n);
    if (!buf)
        return ktpel_fail(eb, KTPEL_ENOMEM, "CMS: out of memory for %d bytes", n);
    unsigned char *p = buf;
    if (i2d_CMS_ContentInfo(cms, &p) != n) {
        free(buf);
        return pki_fail_ssl(eb, KTPEL_EINTERNAL, "CMS DER encoding");
    }
    *der = buf;
    *der_len = (size_t)n;
    return KTPEL_OK;
}

/* ---- SignedData ---- */

static bool add_signing_time(CMS_SignerInfo *si, int64_t t)
{
    ASN1_TIME *tm = ASN1_TIME_set(NULL, (time_t)t);
    bool ok = tm && CMS_signed_add1_attr_by_NID(si, NID_pkcs9_signingTime, tm->type, tm, -1);
    ASN1_TIME_free(tm);
    return ok;
}

ktpel_err ktpel_pki_cms_sign(const uint8_t *content, size_t content_len,
                             const char *content_type_oid, const ktpel_pki_cert *signer,
                             const ktpel_pki_key *key, int64_t signing_time, uint8_t **der,
                             size_t *der_len, ktpel_errbuf *eb)
{
    if ((!content && content_len) || !signer || !key || !der || !der_len)
        return ktpel_fail(eb, KTPEL_EINVAL, "CMS sign: NULL argument");
    *der = NULL;
    *der_len = 0;
    if (content_len > CMS_MAX_INPUT)
        return ktpel_fail(eb, KTPEL_ETOOBIG, "CMS sign: %zu bytes", content_len);
    if (!ktpel_pki_key_matches(key, signer))
        return ktpel_fail(eb, KTPEL_EINVAL,
                          "CMS sign: the key does not belong to the "
                          "signer's certificate");
    const unsigned flags = CMS_BINARY | CMS_PARTIAL | CMS_NOSMIMECAP;
    ktpel_err rc = KTPEL_OK;
    BIO *in = BIO_new_mem_buf(content_len ? content : (const uint8_t *)"", (int)content_len);
    CMS_ContentInfo *cms = in ? CMS_sign(NULL, NULL, NULL, NULL, flags) : NULL;
    ASN1_OBJECT *type = content_type_oid ? OBJ_txt2obj(content_type_oid, 1) : NULL;
    if (!cms) {
        rc = pki_fail_ssl(eb, KTPEL_ENOMEM, "CMS sign");
    } else if (content_type_oid && (!type || !CMS_set1_eContentType(cms, type))) {
        rc = pki_fail_ssl(eb, KTPEL_EINVAL, "CMS sign: content type OID");
    } else {
        CMS_SignerInfo *si = CMS_add1_signer(cms, signer->x509, key->pkey, EVP_sha256(), flags);
        if (!si || !add_signing_time(si, signing_time) || !CMS_final(cms, in, NULL, flags))
            rc = pki_fail_ssl(eb, KTPEL_EINTERNAL, "CMS sign");
        else
            rc = encode_cms(cms, der, der_len, eb);
    }
    ASN1_OBJECT_free(type);
    CMS_ContentInfo_free(cms);
    BIO_free(in);
    return rc;
}

static ktpel_err signing_time_of(CMS_SignerInfo *si, int64_t *out, ktpel_errbuf *eb)
{
    int idx = CMS_signed_get_attr_by_NID(si, NID_pkcs9_signingTime, -1);
    if (idx < 0)
        return ktpel_fail(eb, KTPEL_EFORMAT, "CMS: the signature has no signing time");
    if (CMS_signed_get_attr_by_NID(si, NID_pkcs9_signingTime, idx) >= 0)
        return ktpel_fail(eb, KTPEL_EFORMAT, "CMS: more than one signing time");
    X509_ATTRIBUTE *attr = CMS_signed_get_attr(si, idx);
    ASN1_TYPE *t =
        attr && X509_ATTRIBUTE_count(attr) == 1 ? X509_ATTRIBUTE_get0_type(attr, 0) : NULL;
    if (!t || (t->type != V_ASN1_UTCTIME && t->type != V_ASN1_GENERALIZEDTIME) ||
        !pki_asn1_time_to_unix((const ASN1_TIME *)t->value.asn1_string, out))
        return ktpel_fail(eb, KTPEL_EFORMAT, "CMS: the signing time is not a time");
    return KTPEL_OK;
}

/* The one signer of cms, with its certificate found among the included ones. */
static ktpel_err the_signer(CMS_ContentInfo *cms, CMS_SignerInfo **si_out, X509 **x_out,
                            ktpel_errbuf *eb)
{
    STACK_OF(CMS_SignerInfo) *sis = CMS_get0_SignerInfos(cms);
    int n = sis ? sk_CMS_SignerInfo_num(sis) : 0;
    if (n != 1)
        return ktpel_fail(eb, KTPEL_EFORMAT, "CMS: %d signers, expected exactly 1", n);
    CMS_SignerInfo *si = sk_CMS_SignerInfo_value(sis, 0);
    if (CMS_set1_signers_certs(cms, NULL, 0) != 1) {
        ERR_clear_error();
        return ktpel_fail(eb, KTPEL_ETAMPERED,
                          "CMS: the signer's certificate is not included "
                          "(or the signer's identifier was altered)");
    }
    X509 *x = NULL;
    CMS_SignerInfo_get0_algs(si, NULL, &x, NULL, NULL);
    if (!x)
        return ktpel_fail(eb, KTPEL_ETAMPERED, "CMS: no signer certificate");
    *si_out = si;
    *x_out = x;
    return KTPEL_OK;
}

/* The signature check proper: content digest and signature over the signed attributes. */
static ktpel_err check_signature(CMS_ContentInfo *cms, BIO *out, ktpel_errbuf *eb)
{
    /* The chain is checked afterwards with ktpel_pki_verify's own time, not here. */
    const unsigned flags = CMS_BINARY | CMS_NO_SIGNER_CERT_VERIFY;
    if (CMS_verify(cms, NULL, NULL, NULL, out, flags) != 1)
        return pki_fail_ssl(eb, KTPEL_ETAMPERED, "CMS: signature does not verify");
    return KTPEL_OK;
}

static ktpel_err check_content_type(CMS_ContentInfo *cms, const char *oid, ktpel_errbuf *eb)
{
    ASN1_OBJECT *want = oid ? OBJ_txt2obj(oid, 1) : OBJ_nid2obj(NID_pkcs7_data);
    if (!want)
        return ktpel_fail(eb, KTPEL_EINVAL, "CMS verify: content type OID \"%s\"", oid);
    const ASN1_OBJECT *got = CMS_get0_eContentType(cms);
    bool ok = got && OBJ_cmp(got, want) == 0;
    char got_txt[80] = "none";
    if (got)
        OBJ_obj2txt(got_txt, sizeof got_txt, got, 1);
    if (oid)
        ASN1_OBJECT_free(want);
    if (!ok)
        return ktpel_fail(eb, KTPEL_EFORMAT, "CMS: content type %s, expected %s", got_txt,
                          oid ? oid : "id-data");
    return KTPEL_OK;
}

/* The included certificates other than the signer's: candidate intermediates. */
static STACK_OF(X509) * intermediates_of(CMS_ContentInfo *cms, X509 *signer)
{
    STACK_OF(X509) *all = CMS_get1_certs(cms);
    STACK_OF(X509) *rest = sk_X509_new_null();
    for (int i = 0; rest && all && i < sk_X509_num(all); i++) {
        X509 *x = sk_X509_value(all, i);
        if (X509_cmp(x, signer) != 0 && X509_up_ref(x) && !sk_X509_push(rest, x))
            X509_free(x);
    }
    sk_X509_pop_free(all, X509_free);
    return rest;
}

static ktpel_err verify_parsed(CMS_ContentInfo *cms, const char *content_type_oid,
                               const ktpel_pki_trust *trust, ktpel_pki_role role, int64_t at,
                               BIO *content, ktpel_pki_signed *out, ktpel_errbuf *eb)
{
    CMS_SignerInfo *si = NULL;
    X509 *signer = NULL;
    ktpel_err rc = check_content_type(cms, content_type_oid, eb);
    if (!rc)
        rc = the_signer(cms, &si, &signer, eb);
    if (!rc)
        rc = check_signature(cms, content, eb);
    if (!rc)
        rc = signing_time_of(si, &out->signing_time, eb);
    if (rc)
        return rc;
    STACK_OF(X509) *rest = intermediates_of(cms, signer);
    if (!rest)
        return ktpel_fail(eb, KTPEL_ENOMEM, "CMS verify: out of memory");
    rc = pki_verify_x509(trust, signer, rest, at ? at : out->signing_time, role, eb);
    sk_X509_pop_free(rest, X509_free);
    if (rc)
        return ktpel_fail_context(eb, "signer: ");
    if (!X509_up_ref(signer) || !(out->signer = pki_cert_wrap(signer)))
        return ktpel_fail(eb, KTPEL_ENOMEM, "CMS verify: out of memory");
    return take_bio(content, &out->content, &out->content_len, eb);
}

ktpel_err ktpel_pki_cms_verify(const uint8_t *der, size_t der_len, const char *content_type_oid,
                               const ktpel_pki_trust *trust, ktpel_pki_role role, int64_t at,
                               ktpel_pki_signed *out, ktpel_errbuf *eb)
{
    if (!der || !trust || !out)
        return ktpel_fail(eb, KTPEL_EINVAL, "CMS verify: NULL argument");
    memset(out, 0, sizeof *out);
    CMS_ContentInfo *cms = NULL;
    ktpel_err rc = parse_cms(der, der_len, NID_pkcs7_signed, "signed data", &cms, eb);
    if (rc)
        return rc;
    BIO *content = BIO_new(BIO_s_mem());
    rc = content ? verify_parsed(cms, content_type_oid, trust, role, at, content, out, eb)
                 : ktpel_fail(eb, KTPEL_ENOMEM, "CMS verify: out of memory");
    BIO_free(content);
    CMS_ContentInfo_free(cms);
    ERR_clear_error();
    if (rc)
        ktpel_pki_signed_clear(out);
    return rc;
}

void ktpel_pki_signed_clear(ktpel_pki_signed *s)
{
    if (!s)
        return;
    free(s->content);
    ktpel_pki_cert_free(s->signer);
    memset(s, 0, sizeof *s);
}

/* ---- AuthEnvelopedData ---- */

/* Adds the recipient. For an EC key the key-encryption key is derived with the X9.63 KDF
 * over SHA-256 rather than OpenSSL's default SHA-1 (dhSinglePass-stdDH-sha256kdf-scheme). */
static bool add_recipient(CMS_ContentInfo *cms, X509 *x)
{
    bool ec = EVP_PKEY_get_base_id(X509_get0_pubkey(x)) == EVP_PKEY_EC;
    CMS_RecipientInfo *ri = CMS_add1_recipient_cert(cms, x, ec ? CMS_KEY_PARAM : 0);
    if (!ri)
        return false;
    if (!ec)
        return true;
    EVP_PKEY_CTX *pctx = CMS_RecipientInfo_get0_pkey_ctx(ri);
    return pctx && EVP_PKEY_CTX_set_ecdh_kdf_md(pctx, EVP_sha256()) > 0;
}

/* True if one of the recipients of cms is cert. */
static bool is_recipient(CMS_ContentInfo *cms, X509 *cert)
{
    STACK_OF(CMS_RecipientInfo) *ris = CMS_get0_RecipientInfos(cms);
    for (int i = 0; ris && i < sk_CMS_RecipientInfo_num(ris); i++) {
        CMS_RecipientInfo *ri = sk_CMS_RecipientInfo_value(ris, i);
        int type = CMS_RecipientInfo_type(ri);
        if (type == CMS_RECIPINFO_TRANS && CMS_RecipientInfo_ktri_cert_cmp(ri, cert) == 0)
            return true;
        if (type != CMS_RECIPINFO_AGREE)
            continue;
        STACK_OF(CMS_RecipientEncryptedKey) *reks = CMS_RecipientInfo_kari_get0_reks(ri);
        for (int k = 0; reks && k < sk_CMS_RecipientEncryptedKey_num(reks); k++)
            if (CMS_RecipientEncryptedKey_cert_cmp(sk_CMS_RecipientEncryptedKey_value(reks, k),
                                                   cert) == 0)
                return true;
    }
    return false;
}

ktpel_err ktpel_pki_cms_encrypt(const uint8_t *content, size_t content_len,
                                const ktpel_pki_cert *recipient, uint8_t **der, size_t *der_len,
                                ktpel_errbuf *eb)
{
    if ((!content && content_len) || !recipient || !der || !der_len)
        return ktpel_fail(eb, KTPEL_EINVAL, "CMS encrypt: NULL argument");
    *der = NULL;
    *der_len = 0;
    if (content_len > CMS_MAX_INPUT)
        return ktpel_fail(eb, KTPEL_ETOOBIG, "CMS encrypt: %zu bytes", content_len);
    BIO *in = BIO_new_mem_buf(content_len ? content : (const uint8_t *)"", (int)content_len);
    ktpel_err rc = KTPEL_OK;
    CMS_ContentInfo *cms = NULL;
    if (!in)
        rc = ktpel_fail(eb, KTPEL_ENOMEM, "CMS encrypt: out of memory");
    else if (!(cms = CMS_encrypt(NULL, in, EVP_aes_256_gcm(), CMS_BINARY | CMS_PARTIAL)) ||
             !add_recipient(cms, recipient->x509) || !CMS_final(cms, in, NULL, CMS_BINARY))
        rc = pki_fail_ssl(eb, KTPEL_EINTERNAL, "CMS encrypt");
    else
        rc = encode_cms(cms, der, der_len, eb);
    CMS_ContentInfo_free(cms);
    BIO_free(in);
    return rc;
}

ktpel_err ktpel_pki_cms_decrypt(const uint8_t *der, size_t der_len, const ktpel_pki_cert *cert,
                                const ktpel_pki_key *key, size_t max_len, uint8_t **content,
                                size_t *content_len, ktpel_errbuf *eb)
{
    if (!der || !cert || !key || !content || !content_len)
        return ktpel_fail(eb, KTPEL_EINVAL, "CMS decrypt: NULL argument");
    *content = NULL;
    *content_len = 0;
    CMS_ContentInfo *cms = NULL;
    ktpel_err rc =
        parse_cms(der, der_len, NID_id_smime_ct_authEnvelopedData, "encrypted data", &cms, eb);
    if (rc)
        return rc;
    BIO *out = BIO_new(BIO_s_mem());
    if (!out) {
        rc = ktpel_fail(eb, KTPEL_ENOMEM, "CMS decrypt: out of memory");
    } else if (!is_recipient(cms, cert->x509)) {
        rc = ktpel_fail(eb, KTPEL_ENOTFOUND,
                        "not encrypted to this certificate (no recipient "
                        "matches its issuer and serial number)");
    } else if (CMS_decrypt(cms, key->pkey, cert->x509, NULL, out, CMS_BINARY) != 1) {
        rc = pki_fail_ssl(eb, KTPEL_ETAMPERED, "decryption failed (altered data)");
    } else if ((size_t)BIO_ctrl_pending(out) > max_len) {
        rc = ktpel_fail(eb, KTPEL_ETOOBIG, "decrypted content of %zu bytes, more than %zu",
                        (size_t)BIO_ctrl_pending(out), max_len);
    } else {
        rc = take_bio(out, content, content_len, eb);
    }
    BIO_free(out);
    CMS_ContentInfo_free(cms);
    ERR_clear_error();
    return rc;
}
