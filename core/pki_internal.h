/* What core/pki.c and core/pki_cms.c share: the opaque objects of include/ktpel/pki.h are thin
 * wrappers of OpenSSL's, and both files name OpenSSL failures the same way. */
#ifndef KTPEL_PKI_INTERNAL_H
#define KTPEL_PKI_INTERNAL_H

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "ktpel/pki.h"

struct ktpel_pki_cert {
    X509 *x509;
};

struct ktpel_pki_key {
    EVP_PKEY *pkey;
};

struct ktpel_pki_trust {
    X509_STORE *store;
};

/* Wraps x (taking over the caller's reference); NULL if out of memory (x is then freed). */
ktpel_pki_cert *pki_cert_wrap(X509 *x);

/* Fails with code and "WHAT: <OpenSSL's last error>", and empties OpenSSL's (thread-local)
 * error queue so that a later call does not see this failure. */
ktpel_err pki_fail_ssl(ktpel_errbuf *eb, ktpel_err code, const char *what);

/* ASN1_TIME as unix seconds; false if it cannot be converted. */
bool pki_asn1_time_to_unix(const ASN1_TIME *t, int64_t *out);

/* The chain check of ktpel_pki_verify on OpenSSL objects (untrusted may be NULL). */
ktpel_err pki_verify_x509(const ktpel_pki_trust *trust, X509 *cert, STACK_OF(X509) * untrusted,
                          int64_t at, ktpel_pki_role role, ktpel_errbuf *eb);

#endif
