/* Fuzz target: the sealed enrolment packet (include/ktpel/packet.h).
 *
 * Input starting with 0x30 (a DER SEQUENCE) is opened as a sealed packet with a fixed test
 * PKI (below: a throw-away CA, data center certificate and key, made with `ktpel pki init`,
 * valid until 2126; the seed packets are sealed to it by station ST-FUZZ); anything else is
 * decoded as an inner container. Whatever the container parser accepts must encode back to
 * exactly the same bytes (the format is canonical); whatever is refused must say why. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ktpel/packet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char ca_pem[] = "-----BEGIN CERTIFICATE-----\n"
                             "MIICEDCCAbagAwIBAgIQfY26l6wasM4/KYH4DdkTXTAKBggqhkjOPQQDAjBVMQsw\n"
                             "CQYDVQQGEwJJRDEhMB8GA1UECgwYa3RwZWwgdGVzdCBlbnJvbG1lbnQgUEtJMQsw\n"
                             "CQYDVQQLDAJjYTEWMBQGA1UEAwwNa3RwZWwgdGVzdCBDQTAgFw0yNjExMjEyMTI4\n"
                             "MzZaGA8yMTI2MTAyODIxMjgzNlowVTELMAkGA1UEBhMCSUQxITAfBgNVBAoMGGt0\n"
                             "cGVsIHRlc3QgZW5yb2xtZW50IFBLSTELMAkGA1UECwwCY2ExFjAUBgNVBAMMDWt0\n"
                             "cGVsIHRlc3QgQ0EwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAAS8E/GlaE2HTg7f\n"
                             "R/PR2mbUS29L00XTZ8YgYBDqOxho+ApeQHrCKsQZm5SaA/YBGzZ32UK8glqnw0t0\n"
                             "qBNZrvW5o2YwZDASBgNVHRMBAf8ECDAGAQH/AgEAMA4GA1UdDwEB/wQEAwIBBjAd\n"
                             "BgNVHQ4EFgQUDKvnuN1qUzfWM0zAfvfMHNKMHpwwHwYDVR0jBBgwFoAUDKvnuN1q\n"
                             "UzfWM0zAfvfMHNKMHpwwCgYIKoZIzj0EAwIDSAAwRQIgZ+ypXvS51i+/OcYNksj7\n"
                             "TxBIGDLx6kCNA4Ks2XiD8+ACIQC4XWuZk+mMPwIZQKrvFa4KIzySzLIxD+D8yENe\n"
                             "g+bhdw==\n"
                             "-----END CERTIFICATE-----\n";

static const char dc_cert_pem[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIICFTCCAbygAwIBAgIQba5SqLNBX/7qP9gSDg8aXDAKBggqhkjOPQQDAjBVMQsw\n"
    "CQYDVQQGEwJJRDEhMB8GA1UECgwYa3RwZWwgdGVzdCBlbnJvbG1lbnQgUEtJMQsw\n"
    "CQYDVQQLDAJjYTEWMBQGA1UEAwwNa3RwZWwgdGVzdCBDQTAgFw0yNjExMjEyMTI4\n"
    "MzZaGA8yMTI2MTAyODIxMjgzNlowYTELMAkGA1UEBhMCSUQxITAfBgNVBAoMGGt0\n"
    "cGVsIHRlc3QgZW5yb2xtZW50IFBLSTETMBEGA1UECwwKZGF0YWNlbnRlcjEaMBgG\n"
    "A1UEAwwRa3RwZWwgZGF0YSBjZW50ZXIwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNC\n"
    "AARdnMJhVveibjRnkEeb5sXYvnyx6vK2fAZ3ZFOc3Njb8V/Uz2XDJW7dGQvaWCOg\n"
    "0WePiJFApuriigHWv6htaf08o2AwXjAMBgNVHRMBAf8EAjAAMA4GA1UdDwEB/wQE\n"
    "AwIDCDAdBgNVHQ4EFgQUk6NMho9+RlpjatGH5+L6t7YG5vwwHwYDVR0jBBgwFoAU\n"
    "DKvnuN1qUzfWM0zAfvfMHNKMHpwwCgYIKoZIzj0EAwIDRwAwRAIgMF1NBb8ozTYC\n"
    "H0+LKG3bwc4shG+VvvFFfVmU6Qh6YzQCIG1pNV1TltdNDYO6g3lveMN5CRUupMQQ\n"
    "MxEuaah8Bk4s\n"
    "-----END CERTIFICATE-----\n";

/* A test key with no other use. */
static const char dc_key_pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgOWnbT8yMK+KTqgZ6\n"
    "MfkpBA8C/2mo2EVK+gTwKP9fD+ehRANCAARdnMJhVveibjRnkEeb5sXYvnyx6vK2\n"
    "fAZ3ZFOc3Njb8V/Uz2XDJW7dGQvaWCOg0WePiJFApuriigHWv6htaf08\n"
    "-----END PRIVATE KEY-----\n";

static void fuzz_container(const uint8_t *data, size_t size)
{
    ktpel_errbuf eb;
    ktpel_errbuf_clear(&eb);
    ktpel_packet *p = NULL;
    if (ktpel_packet_decode(data, size, &p, &eb) != KTPEL_OK) {
        if (eb.message[0] == '\0' || p)
            abort();
        return;
    }
    uint8_t *again = NULL;
    size_t len = 0;
    if (ktpel_packet_encode(p, &again, &len, &eb) != KTPEL_OK || len != size ||
        memcmp(again, data, size) != 0) {
        fprintf(stderr, "fuzz_packet: accepted container does not encode identically\n");
        abort();
    }
    free(again);
    ktpel_packet_free(p);
}

static void fuzz_sealed(const uint8_t *data, size_t size)
{
    ktpel_pki_cert *ca = NULL, *dc = NULL;
    ktpel_pki_key *key = NULL;
    ktpel_pki_trust *trust = NULL;
    if (ktpel_pki_cert_parse((const uint8_t *)ca_pem, strlen(ca_pem), &ca, NULL) ||
        ktpel_pki_cert_parse((const uint8_t *)dc_cert_pem, strlen(dc_cert_pem), &dc, NULL) ||
        ktpel_pki_key_parse((const uint8_t *)dc_key_pem, strlen(dc_key_pem), &key, NULL) ||
        ktpel_pki_trust_new(&trust, NULL) || ktpel_pki_trust_add(trust, ca, NULL))
        abort();
    ktpel_packet_open_options opt = {trust, dc, key, 0, 0, NULL, NULL};
    ktpel_errbuf eb;
    ktpel_errbuf_clear(&eb);
    ktpel_packet *p = NULL;
    ktpel_packet_info info;
    ktpel_err rc = ktpel_packet_open(data, size, &opt, &p, &info, &eb);
    if ((rc != KTPEL_OK && (eb.message[0] == '\0' || p)) || (rc == KTPEL_OK && !p))
        abort();
    ktpel_packet_free(p);
    ktpel_pki_trust_free(trust);
    ktpel_pki_cert_free(ca);
    ktpel_pki_cert_free(dc);
    ktpel_pki_key_free(key);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 0 && data[0] == 0x30)
        fuzz_sealed(data, size);
    else
        fuzz_container(data, size);
    return 0;
}
