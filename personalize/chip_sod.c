/* EF.SOD: the document security object of Doc 9303 part 10/11.
 *
 * The LDSSecurityObject (version 0, SHA-256, one DataGroupHash per data group) is written and
 * read as hand-written DER, and signed as CMS SignedData by the document signer through
 * pki.h. Before pki.h verifies the signature and the chain, the CMS structure is walked
 * here and held to the one profile ktpel writes: the parts of SignedData that no signature
 * covers (version, digestAlgorithms, eContentType, the signer's version and algorithms, the
 * absence of CRLs and unsigned attributes) must be exactly as written, so that changing
 * any of their bytes is noticed too. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "chip_internal.h"

#define LDS_SO_OID_TEXT "2.23.136.1.1.1" /* id-icao-mrtd-security-ldsSecurityObject */

static const uint8_t oid_signed_data[] = {0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x02};
static const uint8_t oid_lds_so[] = {0x67, 0x81, 0x08, 0x01, 0x01, 0x01};

/* AlgorithmIdentifier contents for SHA-256, parameters absent (as written) or NULL. */
static const uint8_t alg_sha256[] = {0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                                     0x65, 0x03, 0x04, 0x02, 0x01};
static const uint8_t alg_sha256_null[] = {0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65,
                                          0x03, 0x04, 0x02, 0x01, 0x05, 0x00};
/* Signature algorithms a ktpel signer makes: ECDSA with SHA-256; RSA (PKCS #1 v1.5) under
 * either OID that OpenSSL writes, for an RSA document-signer key. */
static const uint8_t alg_ecdsa_sha256[] = {0x06, 0x08, 0x2A, 0x86, 0x48,
                                           0xCE, 0x3D, 0x04, 0x03, 0x02};
static const uint8_t alg_rsa[] = {0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7,
                                  0x0D, 0x01, 0x01, 0x01, 0x05, 0x00};
static const uint8_t alg_rsa_sha256[] = {0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7,
                                         0x0D, 0x01, 0x01, 0x0B, 0x05, 0x00};

typedef struct bytes {
    const uint8_t *data;
    size_t len;
} bytes;

static bool one_of(const tlv *e, const bytes *forms, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (e->len == forms[i].len && memcmp(e->value, forms[i].data, e->len) == 0)
            return true;
    return false;
}

static const bytes digest_forms[] = {{alg_sha256, sizeof alg_sha256},
                                     {alg_sha256_null, sizeof alg_sha256_null}};
static const bytes signature_forms[] = {{alg_ecdsa_sha256, sizeof alg_ecdsa_sha256},
                                        {alg_rsa, sizeof alg_rsa},
                                        {alg_rsa_sha256, sizeof alg_rsa_sha256}};

static ktpel_err expect_alg(const uint8_t *buf, size_t len, size_t *pos, const bytes *forms,
                            size_t n, const char *where, ktpel_errbuf *eb)
{
    tlv e;
    size_t start = *pos;
    ktpel_err err = tlv_expect(buf, len, pos, 0x30, &e, where, eb);
    if (!err && !one_of(&e, forms, n))
        err = ktpel_fail(eb, KTPEL_EFORMAT, "%s at offset %zu is not an algorithm ktpel signs with",
                         where, start);
    return err;
}

static ktpel_err expect_end(size_t pos, size_t len, const char *where, ktpel_errbuf *eb)
{
    if (pos != len)
        return ktpel_fail(eb, KTPEL_EFORMAT, "%s: %zu unexpected bytes after its last element",
                          where, len - pos);
    return KTPEL_OK;
}

/* An element that must be the only one in (buf, len). */
static ktpel_err expect_only(const uint8_t *buf, size_t len, unsigned tag, tlv *out,
                             const char *where, ktpel_errbuf *eb)
{
    size_t pos = 0;
    ktpel_err err = tlv_expect(buf, len, &pos, tag, out, where, eb);
    return err ? err : expect_end(pos, len, where, eb);
}

static ktpel_err walk_signer_info(const tlv *infos, ktpel_errbuf *eb)
{
    static const uint8_t v1 = 1;
    tlv si, e;
    size_t pos = 0;
    ktpel_err err = expect_only(infos->value, infos->len, 0x30, &si, "CMS signerInfos (one)", eb);
    if (!err)
        err = tlv_expect_bytes(si.value, si.len, &pos, 0x02, &v1, 1, "CMS SignerInfo version", eb);
    if (!err)
        err = tlv_expect(si.value, si.len, &pos, 0x30, &e, "CMS SignerInfo signer identifier", eb);
    if (!err)
        err = expect_alg(si.value, si.len, &pos, digest_forms, 2, "CMS SignerInfo digest algorithm",
                         eb);
    if (!err)
        err = tlv_expect(si.value, si.len, &pos, 0xA0, &e, "CMS signed attributes", eb);
    if (!err)
        err = expect_alg(si.value, si.len, &pos, signature_forms, 3,
                         "CMS SignerInfo signature algorithm", eb);
    if (!err)
        err = tlv_expect(si.value, si.len, &pos, 0x04, &e, "CMS SignerInfo signature", eb);
    if (!err)
        err = expect_end(pos, si.len, "CMS SignerInfo (no unsigned attributes)", eb);
    return err;
}

/* Holds the ContentInfo to ktpel's SignedData profile (see the file comment). */
static ktpel_err walk_profile(const uint8_t *der, size_t len, ktpel_errbuf *eb)
{
    static const uint8_t v3 = 3;
    tlv ci, wrap, sd, e;
    size_t pos = 0, p = 0;
    ktpel_err err = expect_only(der, len, 0x30, &ci, "CMS ContentInfo", eb);
    if (!err)
        err = tlv_expect_bytes(ci.value, ci.len, &pos, 0x06, oid_signed_data,
                               sizeof oid_signed_data, "CMS content type (signedData)", eb);
    if (!err)
        err = tlv_expect(ci.value, ci.len, &pos, 0xA0, &wrap, "CMS content", eb);
    if (!err)
        err = expect_end(pos, ci.len, "CMS ContentInfo", eb);
    if (!err)
        err = expect_only(wrap.value, wrap.len, 0x30, &sd, "CMS SignedData", eb);
    if (!err)
        err = tlv_expect_bytes(sd.value, sd.len, &p, 0x02, &v3, 1, "CMS SignedData version", eb);
    if (!err && !(err = tlv_expect(sd.value, sd.len, &p, 0x31, &e, "CMS digestAlgorithms", eb))) {
        size_t q = 0;
        err = expect_alg(e.value, e.len, &q, digest_forms, 2, "CMS digestAlgorithms", eb);
        if (!err)
            err = expect_end(q, e.len, "CMS digestAlgorithms (one)", eb);
    }
    if (!err && !(err = tlv_expect(sd.value, sd.len, &p, 0x30, &e, "CMS encapContentInfo", eb))) {
        size_t q = 0;
        tlv content;
        err = tlv_expect_bytes(e.value, e.len, &q, 0x06, oid_lds_so, sizeof oid_lds_so,
                               "CMS eContentType (ICAO LDS security object)", eb);
        if (!err)
            err = tlv_expect(e.value, e.len, &q, 0xA0, &content, "CMS eContent", eb);
        if (!err)
            err = expect_end(q, e.len, "CMS encapContentInfo", eb);
        if (!err)
            err = expect_only(content.value, content.len, 0x04, &content, "CMS eContent", eb);
    }
    if (!err && !(err = tlv_expect(sd.value, sd.len, &p, 0xA0, &e, "CMS certificates", eb))) {
        tlv cert;
        err = expect_only(e.value, e.len, 0x30, &cert, "CMS certificates (the DS certificate)", eb);
    }
    if (!err)
        err = tlv_expect(sd.value, sd.len, &p, 0x31, &e, "CMS signerInfos (no CRLs)", eb);
    if (!err)
        err = walk_signer_info(&e, eb);
    if (!err)
        err = expect_end(p, sd.len, "CMS SignedData", eb);
    return err;
}

/* ---- LDSSecurityObject ---- */

static void encode_lds_so(tlv_buf *b, const chip_dg_hash *hashes, int count)
{
    static const uint8_t v0 = 0;
    tlv_buf so = {0}, list = {0};
    tlv_put(&so, 0x02, &v0, 1);
    tlv_put(&so, 0x30, alg_sha256, sizeof alg_sha256);
    for (int i = 0; i < count; i++) {
        tlv_buf item = {0};
        uint8_t number = (uint8_t)hashes[i].number;
        tlv_put(&item, 0x02, &number, 1);
        tlv_put(&item, 0x04, hashes[i].sha256, 32);
        tlv_put_buf(&list, 0x30, &item);
        tlv_buf_free(&item);
    }
    tlv_put_buf(&so, 0x30, &list);
    tlv_put_buf(b, 0x30, &so);
    tlv_buf_free(&so);
    tlv_buf_free(&list);
}

static ktpel_err decode_lds_so(const uint8_t *der, size_t len, chip_dg_hash *hashes, int *count,
                               ktpel_errbuf *eb)
{
    static const uint8_t v0 = 0;
    tlv so, list;
    size_t pos = 0, p = 0;
    ktpel_err err = expect_only(der, len, 0x30, &so, "LDSSecurityObject", eb);
    if (!err)
        err =
            tlv_expect_bytes(so.value, so.len, &pos, 0x02, &v0, 1, "LDSSecurityObject version", eb);
    if (!err)
        err = expect_alg(so.value, so.len, &pos, digest_forms, 2,
                         "LDSSecurityObject hash algorithm (SHA-256)", eb);
    if (!err)
        err = tlv_expect(so.value, so.len, &pos, 0x30, &list, "LDSSecurityObject hash list", eb);
    if (!err)
        err = expect_end(pos, so.len, "LDSSecurityObject", eb);
    int n = 0;
    while (!err && p < list.len) {
        tlv item, number, hash;
        size_t q = 0;
        if (n == CHIP_DG_COUNT)
            return ktpel_fail(eb, KTPEL_EFORMAT, "LDSSecurityObject lists more than %d data groups",
                              CHIP_DG_COUNT);
        err = tlv_expect(list.value, list.len, &p, 0x30, &item, "DataGroupHash", eb);
        if (!err)
            err = tlv_expect(item.value, item.len, &q, 0x02, &number, "DataGroupHash number", eb);
        if (!err && (number.len != 1 || number.value[0] < 1 || number.value[0] > 16))
            err = ktpel_fail(eb, KTPEL_EFORMAT, "DataGroupHash %d: data group number is not 1..16",
                             n);
        if (!err)
            err = tlv_expect(item.value, item.len, &q, 0x04, &hash, "DataGroupHash value", eb);
        if (!err && hash.len != 32)
            err =
                ktpel_fail(eb, KTPEL_EFORMAT, "DataGroupHash for DG%u: %zu bytes, a SHA-256 has 32",
                           number.value[0], hash.len);
        if (!err)
            err = expect_end(q, item.len, "DataGroupHash", eb);
        if (!err) {
            hashes[n].number = number.value[0];
            memcpy(hashes[n].sha256, hash.value, 32);
            n++;
        }
    }
    *count = n;
    return err;
}

/* ---- signing and verifying ---- */

ktpel_err chip_sod_sign(tlv_buf *b, const chip_dg_hash *hashes, int count,
                        const ktpel_pki_cert *ds_cert, const ktpel_pki_key *ds_key,
                        int64_t signing_time, ktpel_errbuf *eb)
{
    tlv_buf so = {0};
    encode_lds_so(&so, hashes, count);
    if (so.failed) {
        tlv_buf_free(&so);
        return ktpel_fail(eb, KTPEL_ENOMEM, "EF.SOD: out of memory");
    }
    uint8_t *der = NULL;
    size_t der_len = 0;
    ktpel_err err =
        ktpel_pki_cms_sign(so.data, so.len, LDS_SO_OID_TEXT, ds_cert, ds_key,
                           signing_time ? signing_time : (int64_t)time(NULL), &der, &der_len, eb);
    tlv_buf_free(&so);
    if (err)
        return ktpel_fail_context(eb, "EF.SOD: ");
    tlv_put(b, TAG_EF_SOD, der, der_len);
    free(der);
    return b->failed ? ktpel_fail(eb, KTPEL_ENOMEM, "EF.SOD: out of memory") : KTPEL_OK;
}

static ktpel_chip_verdict verdict_of(ktpel_err err)
{
    switch (err) {
    case KTPEL_EUNTRUSTED:
        return KTPEL_CHIP_UNKNOWN_SIGNER;
    case KTPEL_EEXPIRED:
        return KTPEL_CHIP_EXPIRED;
    case KTPEL_ETAMPERED:
        return KTPEL_CHIP_BAD_SIGNATURE;
    case KTPEL_ETOOBIG:
        return KTPEL_CHIP_TOO_BIG;
    default:
        return KTPEL_CHIP_MALFORMED;
    }
}

static void format_time(int64_t t, char *buf, size_t size)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (gmtime_r(&tt, &tm))
        strftime(buf, size, "%Y-%m-%d %H:%M:%S UTC", &tm);
    else
        snprintf(buf, size, "?");
}

static void report_signer(const ktpel_pki_cert *cert, ktpel_chip_report *report)
{
    ktpel_pki_cert_info info;
    if (!report || !cert || ktpel_pki_cert_get_info(cert, &info, NULL) != KTPEL_OK)
        return;
    snprintf(report->signer_subject, sizeof report->signer_subject, "CN=%s, OU=%s", info.subject_cn,
             info.subject_ou);
    snprintf(report->signer_issuer, sizeof report->signer_issuer, "CN=%s", info.issuer_cn);
    format_time(info.not_after, report->signer_not_after, sizeof report->signer_not_after);
}

ktpel_err chip_sod_verify(const uint8_t *cms, size_t len, const ktpel_pki_trust *trust, int64_t at,
                          chip_dg_hash *hashes, int *count, ktpel_chip_report *report,
                          ktpel_errbuf *eb)
{
    ktpel_err err = walk_profile(cms, len, eb);
    if (err) {
        if (report)
            report->verdict = KTPEL_CHIP_MALFORMED;
        return err;
    }
    ktpel_pki_signed sig;
    memset(&sig, 0, sizeof sig);
    err = ktpel_pki_cms_verify(cms, len, LDS_SO_OID_TEXT, trust, KTPEL_PKI_ROLE_DOCUMENT_SIGNER,
                               at ? at : (int64_t)time(NULL), &sig, eb);
    if (err) {
        if (report)
            report->verdict = verdict_of(err);
        return err;
    }
    report_signer(sig.signer, report);
    err = decode_lds_so(sig.content, sig.content_len, hashes, count, eb);
    if (err && report)
        report->verdict = KTPEL_CHIP_MALFORMED;
    ktpel_pki_signed_clear(&sig);
    return err;
}
