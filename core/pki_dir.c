/* The test PKI as a folder of PEM files (`ktpel pki init`, `ktpel pki issue-station`). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ktpel/pki.h"

#define DAY 86400
/* Certificates start an hour before "now", so that a clock a little behind still accepts
 * them. */
#define BACKDATE 3600

bool ktpel_pki_station_id_valid(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > 32)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-'))
            return false;
    }
    return true;
}

static ktpel_err join(char *out, size_t size, const char *dir, const char *name, ktpel_errbuf *eb)
{
    int n = snprintf(out, size, "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= size)
        return ktpel_fail(eb, KTPEL_EINVAL, "%s: path too long", dir);
    return KTPEL_OK;
}

static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* Issues one certificate and writes it and its key into dir. */
static ktpel_err issue_to(const char *dir, const char *cert_name, const char *key_name,
                          const ktpel_pki_issue_request *req, ktpel_pki_cert **cert_out,
                          ktpel_pki_key **key_out, ktpel_errbuf *eb)
{
    char cert_path[4096], key_path[4096];
    ktpel_err rc = join(cert_path, sizeof cert_path, dir, cert_name, eb);
    if (!rc)
        rc = join(key_path, sizeof key_path, dir, key_name, eb);
    ktpel_pki_cert *cert = NULL;
    ktpel_pki_key *key = NULL;
    if (!rc)
        rc = ktpel_pki_issue(req, &cert, &key, eb);
    /* The key first: a certificate on disk always has its key beside it. */
    if (!rc)
        rc = ktpel_pki_key_save(key, key_path, eb);
    if (!rc)
        rc = ktpel_pki_cert_save(cert, cert_path, eb);
    if (rc || !cert_out)
        ktpel_pki_cert_free(cert);
    else
        *cert_out = cert;
    if (rc || !key_out)
        ktpel_pki_key_free(key);
    else
        *key_out = key;
    return rc;
}

/* mkdir -p */
static ktpel_err make_parents(const char *dir, ktpel_errbuf *eb)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path)
        return ktpel_fail(eb, KTPEL_EINVAL, "%s: path too long", dir);
    for (char *c = path + 1;; c++) {
        if (*c != '/' && *c != '\0')
            continue;
        char saved = *c;
        *c = '\0';
        if (mkdir(path, 0755) != 0 && errno != EEXIST)
            return ktpel_fail(eb, KTPEL_EIO, "%s: cannot create the folder: %s", path,
                              strerror(errno));
        *c = saved;
        if (!saved)
            return KTPEL_OK;
    }
}

static ktpel_err make_dir(const char *dir, ktpel_errbuf *eb)
{
    ktpel_err rc = make_parents(dir, eb);
    if (rc)
        return rc;
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return ktpel_fail(eb, KTPEL_EIO, "%s: not a folder", dir);
    char path[4096];
    rc = join(path, sizeof path, dir, KTPEL_PKI_CA_CERT, eb);
    if (!rc && exists(path))
        rc = ktpel_fail(eb, KTPEL_EINVAL, "%s: already holds a test PKI (%s); use a new folder",
                        dir, KTPEL_PKI_CA_CERT);
    return rc;
}

ktpel_err ktpel_pki_init_dir(const char *dir, const ktpel_pki_init_options *opt, ktpel_errbuf *eb)
{
    if (!dir || !opt)
        return ktpel_fail(eb, KTPEL_EINVAL, "pki init: NULL argument");
    int ca_days = opt->ca_days ? opt->ca_days : 3650;
    int leaf_days = opt->leaf_days ? opt->leaf_days : 1095;
    if (ca_days < 1 || ca_days > 36500 || leaf_days < 1 || leaf_days > ca_days)
        return ktpel_fail(eb, KTPEL_EINVAL, "pki init: validity %d / %d days", ca_days, leaf_days);
    ktpel_err rc = make_dir(dir, eb);
    if (rc)
        return rc;
    int64_t from = opt->now - BACKDATE;
    ktpel_pki_cert *ca = NULL, *csca = NULL;
    ktpel_pki_key *ca_key = NULL, *csca_key = NULL;
    ktpel_pki_issue_request req = {
        KTPEL_PKI_ROLE_CA, "ktpel test CA", from, from + (int64_t)ca_days * DAY, NULL, NULL, NULL};
    rc = issue_to(dir, KTPEL_PKI_CA_CERT, KTPEL_PKI_CA_KEY, &req, &ca, &ca_key, eb);
    if (!rc) {
        req = (ktpel_pki_issue_request){KTPEL_PKI_ROLE_DATACENTER,
                                        "ktpel data center",
                                        from,
                                        from + (int64_t)leaf_days * DAY,
                                        ca,
                                        ca_key,
                                        NULL};
        rc = issue_to(dir, KTPEL_PKI_DC_CERT, KTPEL_PKI_DC_KEY, &req, NULL, NULL, eb);
    }
    if (!rc) {
        req = (ktpel_pki_issue_request){KTPEL_PKI_ROLE_CSCA,
                                        "ktpel test CSCA",
                                        from,
                                        from + (int64_t)ca_days * DAY,
                                        NULL,
                                        NULL,
                                        NULL};
        rc = issue_to(dir, KTPEL_PKI_CSCA_CERT, KTPEL_PKI_CSCA_KEY, &req, &csca, &csca_key, eb);
    }
    if (!rc) {
        req = (ktpel_pki_issue_request){KTPEL_PKI_ROLE_DOCUMENT_SIGNER,
                                        "ktpel document signer 1",
                                        from,
                                        from + (int64_t)leaf_days * DAY,
                                        csca,
                                        csca_key,
                                        NULL};
        rc = issue_to(dir, KTPEL_PKI_DS_CERT, KTPEL_PKI_DS_KEY, &req, NULL, NULL, eb);
    }
    ktpel_pki_cert_free(ca);
    ktpel_pki_cert_free(csca);
    ktpel_pki_key_free(ca_key);
    ktpel_pki_key_free(csca_key);
    return rc;
}

ktpel_err ktpel_pki_issue_station_dir(const char *dir, const char *station_id, int64_t now,
                                      int days, char *cert_path, char *key_path, ktpel_errbuf *eb)
{
    if (!dir || !station_id)
        return ktpel_fail(eb, KTPEL_EINVAL, "issue station: NULL argument");
    if (!ktpel_pki_station_id_valid(station_id))
        return ktpel_fail(eb, KTPEL_EINVAL, "station id \"%s\": 1..32 characters A-Z a-z 0-9 _ -",
                          station_id);
    if (days == 0)
        days = 730;
    if (days < 1 || days > 36500)
        return ktpel_fail(eb, KTPEL_EINVAL, "issue station: validity of %d days", days);
    char ca_path[4096], ca_key_path[4096], cert_name[64], key_name[64], path[4096];
    snprintf(cert_name, sizeof cert_name, "station-%s.crt", station_id);
    snprintf(key_name, sizeof key_name, "station-%s.key", station_id);
    ktpel_err rc = join(ca_path, sizeof ca_path, dir, KTPEL_PKI_CA_CERT, eb);
    if (!rc)
        rc = join(ca_key_path, sizeof ca_key_path, dir, KTPEL_PKI_CA_KEY, eb);
    if (!rc)
        rc = join(path, sizeof path, dir, cert_name, eb);
    if (!rc && exists(path))
        rc = ktpel_fail(eb, KTPEL_EINVAL, "%s already exists (remove it to issue a new one)", path);
    ktpel_pki_cert *ca = NULL;
    ktpel_pki_key *ca_key = NULL;
    if (!rc)
        rc = ktpel_pki_cert_load(ca_path, &ca, eb);
    if (!rc)
        rc = ktpel_pki_key_load(ca_key_path, &ca_key, eb);
    if (!rc) {
        ktpel_pki_issue_request req = {KTPEL_PKI_ROLE_STATION,
                                       station_id,
                                       now - BACKDATE,
                                       now - BACKDATE + (int64_t)days * DAY,
                                       ca,
                                       ca_key,
                                       NULL};
        rc = issue_to(dir, cert_name, key_name, &req, NULL, NULL, eb);
    }
    if (!rc && cert_path)
        snprintf(cert_path, 4096, "%s", path);
    if (!rc && key_path)
        snprintf(key_path, 4096, "%s/%s", dir, key_name);
    ktpel_pki_cert_free(ca);
    ktpel_pki_key_free(ca_key);
    return rc;
}
