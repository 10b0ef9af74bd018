/* Fuzz target: the chip file reader (personalize/chip*.c). ktpel_chip_read must reject
 * every malformed or altered file cleanly, and ktpel_chip_decode_unverified must survive the
 * data groups' decoders, which the EF.SOD otherwise keeps out of reach of a mutation.
 * Whatever reads must be consistent: a file that verifies also decodes, to the same record.
 *
 * Seeds (corpus/fuzz_chip/): three chip files with tiny JPEGs (8x8 to 20x20 pixels) and
 * 0..48 minutiae per finger, signed by a document signer of the CSCA below (both valid
 * 2026-01-01 .. 2046-01-01, EC P-256), made with ktpel_pki_issue and ktpel_chip_write. The
 * check time is fixed inside that validity, so the seeds verify in any year. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ktpel/chip.h"
#include "ktpel/pki.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char csca_pem[] = "-----BEGIN CERTIFICATE-----\n"
                               "MIICFTCCAbqgAwIBAgIQc4vaHiOkLlj24E/SvA8QSTAKBggqhkjOPQQDAjBYMQsw\n"
                               "CQYDVQQGEwJJRDEgMB4GA1UECgwXa3RwZWwgdGVzdCBkb2N1bWVudCBQS0kxDTAL\n"
                               "BgNVBAsMBGNzY2ExGDAWBgNVBAMMD0NTQ0EgZnV6eiBzZWVkczAeFw0yNjAxMDEw\n"
                               "MDAwMDBaFw00NjAxMDEwMDAwMDBaMFgxCzAJBgNVBAYTAklEMSAwHgYDVQQKDBdr\n"
                               "dHBlbCB0ZXN0IGRvY3VtZW50IFBLSTENMAsGA1UECwwEY3NjYTEYMBYGA1UEAwwP\n"
                               "Q1NDQSBmdXp6IHNlZWRzMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAErCkoHm24\n"
                               "jCiJDtymdkPlm+v/r+M3D4u+Exw8YCXRi0aZ7B8E5AzyrAM6i34zidJ2vfrGaP2Z\n"
                               "C01Ge9Eo/X/o46NmMGQwEgYDVR0TAQH/BAgwBgEB/wIBADAOBgNVHQ8BAf8EBAMC\n"
                               "AQYwHQYDVR0OBBYEFKXIGtk8dtXDrgoo14junP3eXdRNMB8GA1UdIwQYMBaAFKXI\n"
                               "Gtk8dtXDrgoo14junP3eXdRNMAoGCCqGSM49BAMCA0kAMEYCIQDUGpMMMVVQRTur\n"
                               "2ZWRbU2PQC+xcV+2uUrXg9g8OJgA0AIhAN2dWdd7OnL6QAQUU6oVoD4nRpzrsgTw\n"
                               "L7y1tgqQiwmi\n"
                               "-----END CERTIFICATE-----\n";

#define CHECK_TIME ((int64_t)1795262400) /* 2026-11-21 12:00 UTC */

static ktpel_pki_trust *make_trust(void)
{
    ktpel_pki_cert *csca = NULL;
    ktpel_pki_trust *trust = NULL;
    if (ktpel_pki_cert_parse((const uint8_t *)csca_pem, sizeof csca_pem - 1, &csca, NULL) ||
        ktpel_pki_trust_new(&trust, NULL) || ktpel_pki_trust_add(trust, csca, NULL))
        abort();
    ktpel_pki_cert_free(csca);
    return trust;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Built once per process: a fuzz target, not a library, may keep it. */
    static ktpel_pki_trust *trust;
    if (!trust)
        trust = make_trust();
    ktpel_chip_contents verified, decoded;
    ktpel_chip_report report;
    ktpel_err read = ktpel_chip_read(data, size, trust, CHECK_TIME, &verified, &report, NULL);
    if (read != KTPEL_OK && (report.verdict == KTPEL_CHIP_VALID || report.part[0] == '\0'))
        abort(); /* a failure must be named */
    ktpel_err dec = ktpel_chip_decode_unverified(data, size, &decoded, NULL, NULL);
    if (read == KTPEL_OK) {
        if (dec != KTPEL_OK ||
            memcmp(&verified.resident, &decoded.resident, sizeof verified.resident) != 0 ||
            verified.face_len != decoded.face_len)
            abort();
    }
    ktpel_chip_contents_free(&verified);
    ktpel_chip_contents_free(&decoded);
    return 0;
}
