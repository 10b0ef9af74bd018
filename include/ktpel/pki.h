/* The test public-key infrastructure (OpenSSL 3): certificate authorities, certificates for
 * enrolment stations, the data center and the chip's document signer; loading, saving and
 * verifying them.
 *
 * Two trust domains, as in real deployments:
 *   - the enrolment CA ("ktpel test CA") issues station certificates (they sign enrolment
 *     packets) and the data-center certificate (packets are encrypted to it);
 *   - the country signing CA (CSCA, ICAO Doc 9303) issues document-signer certificates,
 *     which sign the chip's security object (EF.SOD).
 *
 * Keys are EC P-256 (prime256v1) with ECDSA-SHA256 signatures: 128-bit security like RSA 3072
 * with 32-byte keys and ~72-byte signatures (a chip's SOD stays small), fast to generate in
 * tests, and supported by CMS for both signing and encryption (ECDH key agreement, RFC 5753).
 *
 * A certificate's role is in its subject (OU=station, OU=datacenter, OU=document-signer, ...)
 * and its key usage; ktpel_pki_verify checks the role as well as the chain, so that, say, the
 * data center's certificate cannot sign a packet.
 *
 * Objects are opaque and immutable once made; a trust store may be shared by threads that
 * only verify. Nothing is kept in global state.
 */
#ifndef KTPEL_PKI_H
#define KTPEL_PKI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ktpel/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ktpel_pki_cert ktpel_pki_cert;   /* one X.509 certificate */
typedef struct ktpel_pki_key ktpel_pki_key;     /* a private key (with its public half) */
typedef struct ktpel_pki_trust ktpel_pki_trust; /* trusted root certificates */

typedef enum ktpel_pki_role {
    KTPEL_PKI_ROLE_ANY = 0,         /* for verify: do not check the role */
    KTPEL_PKI_ROLE_CA,              /* enrolment root CA: issues stations and data center */
    KTPEL_PKI_ROLE_STATION,         /* enrolment station: signs packets */
    KTPEL_PKI_ROLE_DATACENTER,      /* data center: packets are encrypted to it */
    KTPEL_PKI_ROLE_CSCA,            /* country signing CA: issues document signers */
    KTPEL_PKI_ROLE_DOCUMENT_SIGNER, /* signs the chip's security object */
    KTPEL_PKI_ROLE_COUNT
} ktpel_pki_role;

/* "ca", "station", "datacenter", "csca", "document-signer" ("any" for ROLE_ANY); the OU of
 * the certificate's subject. */
const char *ktpel_pki_role_id(ktpel_pki_role role);

/* ---- keys ---- */

/* A fresh EC P-256 key. */
ktpel_err ktpel_pki_key_generate(ktpel_pki_key **out, ktpel_errbuf *eb);
/* Loads an unencrypted PEM private key (PKCS#8 or traditional). */
ktpel_err ktpel_pki_key_load(const char *path, ktpel_pki_key **out, ktpel_errbuf *eb);
/* The same from PEM bytes in memory. */
ktpel_err ktpel_pki_key_parse(const uint8_t *pem, size_t len, ktpel_pki_key **out,
                              ktpel_errbuf *eb);
/* Writes the key as unencrypted PKCS#8 PEM, atomically, with mode 0600. */
ktpel_err ktpel_pki_key_save(const ktpel_pki_key *key, const char *path, ktpel_errbuf *eb);
void ktpel_pki_key_free(ktpel_pki_key *key);
/* True if key is the private half of cert's public key. */
bool ktpel_pki_key_matches(const ktpel_pki_key *key, const ktpel_pki_cert *cert);

/* ---- certificates ---- */

/* Loads the first certificate of a PEM file. */
ktpel_err ktpel_pki_cert_load(const char *path, ktpel_pki_cert **out, ktpel_errbuf *eb);
/* Parses one certificate from PEM or DER bytes (whichever it is). */
ktpel_err ktpel_pki_cert_parse(const uint8_t *data, size_t len, ktpel_pki_cert **out,
                               ktpel_errbuf *eb);
/* Writes the certificate as PEM, atomically (mode 0644). */
ktpel_err ktpel_pki_cert_save(const ktpel_pki_cert *cert, const char *path, ktpel_errbuf *eb);
/* The certificate's DER encoding in a malloc'd buffer (free() it). */
ktpel_err ktpel_pki_cert_der(const ktpel_pki_cert *cert, uint8_t **der, size_t *len,
                             ktpel_errbuf *eb);
/* A second reference to the same certificate (free both). */
ktpel_pki_cert *ktpel_pki_cert_ref(const ktpel_pki_cert *cert);
void ktpel_pki_cert_free(ktpel_pki_cert *cert);

typedef struct ktpel_pki_cert_info {
    char subject_cn[65]; /* station id, "ktpel test CA", ... */
    char subject_ou[33]; /* the role id, "" if absent */
    char issuer_cn[65];
    char serial[41];     /* hex */
    int64_t not_before;  /* unix seconds */
    int64_t not_after;   /* unix seconds */
    bool is_ca;          /* basicConstraints CA:TRUE */
    ktpel_pki_role role; /* from the OU; KTPEL_PKI_ROLE_ANY if unknown */
    char key_type[33];   /* "EC P-256", "RSA 3072", ... */
    char sha256[65];     /* fingerprint of the DER certificate, lower-case hex */
} ktpel_pki_cert_info;

ktpel_err ktpel_pki_cert_get_info(const ktpel_pki_cert *cert, ktpel_pki_cert_info *info,
                                  ktpel_errbuf *eb);

/* What to issue. issuer/issuer_key NULL: a self-signed root (role CA or CSCA). */
typedef struct ktpel_pki_issue_request {
    ktpel_pki_role role;
    const char *common_name; /* 1..64 printable ASCII characters */
    int64_t not_before;      /* unix seconds */
    int64_t not_after;       /* unix seconds, > not_before */
    const ktpel_pki_cert *issuer;
    const ktpel_pki_key *issuer_key;
    const ktpel_pki_key *subject_key; /* NULL: a fresh key is generated and returned */
} ktpel_pki_issue_request;

/* Issues a certificate as req says (random 128-bit serial, SHA-256 signature, key usage and
 * basic constraints of the role). *key_out gets the subject's key: the fresh one, or a new
 * reference to req->subject_key; key_out may be NULL when subject_key is given. */
ktpel_err ktpel_pki_issue(const ktpel_pki_issue_request *req, ktpel_pki_cert **cert_out,
                          ktpel_pki_key **key_out, ktpel_errbuf *eb);

/* ---- trust and verification ---- */

ktpel_err ktpel_pki_trust_new(ktpel_pki_trust **out, ktpel_errbuf *eb);
/* Adds a trusted root (a CA certificate). */
ktpel_err ktpel_pki_trust_add(ktpel_pki_trust *trust, const ktpel_pki_cert *root, ktpel_errbuf *eb);
/* A trust store holding every certificate of a PEM file (one or more). */
ktpel_err ktpel_pki_trust_load(const char *path, ktpel_pki_trust **out, ktpel_errbuf *eb);
void ktpel_pki_trust_free(ktpel_pki_trust *trust);

/* Verifies that cert chains to a root of trust (through the untrusted intermediates, which
 * may be NULL/0), with every certificate of the chain valid at time `at` (unix seconds), and
 * that cert has the role `role` (unless KTPEL_PKI_ROLE_ANY). Errors, each naming the
 * certificate's subject:
 *   KTPEL_EEXPIRED    a certificate of the chain expired before `at` (or is not yet valid)
 *   KTPEL_EUNTRUSTED  no chain to a trusted root, a bad certificate signature, or the role
 *                     or key usage does not fit */
ktpel_err ktpel_pki_verify(const ktpel_pki_trust *trust, const ktpel_pki_cert *cert,
                           const ktpel_pki_cert *const *intermediates, size_t n_intermediates,
                           int64_t at, ktpel_pki_role role, ktpel_errbuf *eb);

/* ---- CMS (RFC 5652): signing and encryption ----
 *
 * All outputs are DER in malloc'd buffers (free() them). Parsing checks the outer DER length
 * first: input shorter than its own header says is KTPEL_ETRUNCATED, bytes after it
 * KTPEL_EFORMAT, anything else that does not parse KTPEL_EFORMAT. */

/* SignedData with the content embedded (not detached), one signer, ECDSA/SHA-256, the signer's
 * certificate included, and the signed attributes contentType, messageDigest and signingTime
 * (= signing_time, unix seconds). content_type_oid: the eContentType as a dotted OID
 * ("2.23.136.1.1.1" for ICAO's LDS security object), NULL for id-data. */
ktpel_err ktpel_pki_cms_sign(const uint8_t *content, size_t content_len,
                             const char *content_type_oid, const ktpel_pki_cert *signer,
                             const ktpel_pki_key *key, int64_t signing_time, uint8_t **der,
                             size_t *der_len, ktpel_errbuf *eb);

typedef struct ktpel_pki_signed {
    uint8_t *content; /* malloc'd, free() it */
    size_t content_len;
    ktpel_pki_cert *signer; /* ktpel_pki_cert_free() it */
    int64_t signing_time;   /* from the signed signingTime attribute */
} ktpel_pki_signed;

/* Verifies SignedData: exactly one signer, its signature over the content and the signed
 * attributes (else KTPEL_ETAMPERED), the eContentType (content_type_oid, NULL = id-data; else
 * KTPEL_EFORMAT), a signingTime attribute, and the signer's certificate (included in the
 * SignedData, any other included certificates are intermediates) with ktpel_pki_verify at
 * time `at`, or at the signing time if at == 0, for the given role. On success *out is filled;
 * release it with ktpel_pki_signed_clear. */
ktpel_err ktpel_pki_cms_verify(const uint8_t *der, size_t der_len, const char *content_type_oid,
                               const ktpel_pki_trust *trust, ktpel_pki_role role, int64_t at,
                               ktpel_pki_signed *out, ktpel_errbuf *eb);
void ktpel_pki_signed_clear(ktpel_pki_signed *s);

/* AuthEnvelopedData (RFC 5083) with AES-256-GCM content encryption, the content key agreed
 * with the recipient's EC key (ECDH, RFC 5753) or wrapped with its RSA key. */
ktpel_err ktpel_pki_cms_encrypt(const uint8_t *content, size_t content_len,
                                const ktpel_pki_cert *recipient, uint8_t **der, size_t *der_len,
                                ktpel_errbuf *eb);
/* Decrypts what ktpel_pki_cms_encrypt made. Not encrypted to this certificate:
 * KTPEL_ENOTFOUND; the GCM tag or the key agreement fails: KTPEL_ETAMPERED. The content is
 * at most max_len bytes (else KTPEL_ETOOBIG). */
ktpel_err ktpel_pki_cms_decrypt(const uint8_t *der, size_t der_len, const ktpel_pki_cert *cert,
                                const ktpel_pki_key *key, size_t max_len, uint8_t **content,
                                size_t *content_len, ktpel_errbuf *eb);

/* A plain signature with SHA-256 over data (ECDSA, DER-encoded; RSA PKCS#1 v1.5 for RSA keys),
 * in a malloc'd buffer. */
ktpel_err ktpel_pki_sign(const ktpel_pki_key *key, const uint8_t *data, size_t len, uint8_t **sig,
                         size_t *sig_len, ktpel_errbuf *eb);
/* KTPEL_OK if sig is the signature of cert's key over data (strict DER: a changed bit of the
 * encoding fails too); KTPEL_ETAMPERED otherwise. Checks only the signature, not the
 * certificate (see ktpel_pki_verify). */
ktpel_err ktpel_pki_verify_signature(const ktpel_pki_cert *cert, const uint8_t *data, size_t len,
                                     const uint8_t *sig, size_t sig_len, ktpel_errbuf *eb);

/* SHA-256 of data. */
void ktpel_pki_sha256(const void *data, size_t len, uint8_t digest[32]);
/* n random bytes from the operating system's generator (for ids and serials). */
ktpel_err ktpel_pki_random(uint8_t *buf, size_t n, ktpel_errbuf *eb);

/* ---- the test PKI on disk (`ktpel pki init DIR`) ----
 *
 * File names inside DIR, PEM; keys mode 0600. */
#define KTPEL_PKI_CA_CERT   "ca.crt"
#define KTPEL_PKI_CA_KEY    "ca.key"
#define KTPEL_PKI_DC_CERT   "datacenter.crt"
#define KTPEL_PKI_DC_KEY    "datacenter.key"
#define KTPEL_PKI_CSCA_CERT "csca.crt"
#define KTPEL_PKI_CSCA_KEY  "csca.key"
#define KTPEL_PKI_DS_CERT   "document-signer.crt"
#define KTPEL_PKI_DS_KEY    "document-signer.key"
/* Station certificates: "station-ID.crt" and "station-ID.key". */

typedef struct ktpel_pki_init_options {
    int64_t now;   /* unix seconds: not_before of everything (backdated one hour) */
    int ca_days;   /* validity of the two roots (default 3650 if 0) */
    int leaf_days; /* validity of data center and document signer (default 1095 if 0) */
} ktpel_pki_init_options;

/* Creates DIR (if needed; it must not hold a test PKI yet) with the enrolment CA, the data
 * center, the CSCA and a document signer: each certificate and key in its file above. */
ktpel_err ktpel_pki_init_dir(const char *dir, const ktpel_pki_init_options *opt, ktpel_errbuf *eb);

/* Issues the station certificate "station-ID.crt"/".key" in DIR with the CA of DIR, valid
 * from `now` - 1 hour for `days` days (default 730 if 0). A station id is 1..32 characters
 * [A-Za-z0-9_-]. The paths written go to cert_path/key_path when not NULL (size 4096). */
ktpel_err ktpel_pki_issue_station_dir(const char *dir, const char *station_id, int64_t now,
                                      int days, char *cert_path, char *key_path, ktpel_errbuf *eb);

/* True if s is a valid station id. */
bool ktpel_pki_station_id_valid(const char *s);

#ifdef __cplusplus
}
#endif

#endif
