/* Sealing and opening enrolment packets (CMS SignedData inside AuthEnvelopedData), and the
 * packet's way from and to an enrolment folder. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "ktpel/file.h"
#include "ktpel/packet.h"
#include "packet_internal.h"

/* The decrypted SignedData: the container plus the signature, certificate and attributes. */
#define SIGNED_MAX (KTPEL_PACKET_CONTAINER_MAX + (1u << 20))

static ktpel_err station_of(const ktpel_pki_cert *cert, char *id, size_t size, ktpel_errbuf *eb)
{
    ktpel_pki_cert_info info;
    ktpel_err rc = ktpel_pki_cert_get_info(cert, &info, eb);
    if (rc)
        return rc;
    if (info.role != KTPEL_PKI_ROLE_STATION || !ktpel_pki_station_id_valid(info.subject_cn))
        return ktpel_fail(eb, KTPEL_EINVAL,
                          "certificate \"%s\" (%s) is not a station "
                          "certificate",
                          info.subject_cn, info.subject_ou);
    snprintf(id, size, "%s", info.subject_cn);
    return KTPEL_OK;
}

/* The seal: the station's signature over every byte of the envelope. CMS leaves some fields
 * of an AuthEnvelopedData unauthenticated (its version, the recipient's issuer name, which
 * OpenSSL compares case-insensitively, the encoding of the ephemeral key), so without it a
 * changed bit there would go unnoticed. The signature is strict DER ECDSA, so every bit of
 * the seal counts too. */
#define SEAL_MAGIC   "KSIG"
#define SEAL_HEADER  6
#define SEAL_SIG_MAX 1024

static ktpel_err append_seal(const uint8_t *env, size_t env_len, const ktpel_pki_key *key,
                             uint8_t **out, size_t *out_len, ktpel_errbuf *eb)
{
    uint8_t *sig = NULL;
    size_t sig_len = 0;
    ktpel_err rc = ktpel_pki_sign(key, env, env_len, &sig, &sig_len, eb);
    if (rc)
        return rc;
    uint8_t *buf = sig_len <= SEAL_SIG_MAX ? malloc(env_len + SEAL_HEADER + sig_len) : NULL;
    if (!buf) {
        free(sig);
        return ktpel_fail(eb, KTPEL_ENOMEM, "packet seal: out of memory");
    }
    memcpy(buf, env, env_len);
    memcpy(buf + env_len, SEAL_MAGIC, 4);
    buf[env_len + 4] = (uint8_t)(sig_len >> 8);
    buf[env_len + 5] = (uint8_t)sig_len;
    memcpy(buf + env_len + SEAL_HEADER, sig, sig_len);
    free(sig);
    *out = buf;
    *out_len = env_len + SEAL_HEADER + sig_len;
    return KTPEL_OK;
}

/* Splits a packet file into the envelope (a DER structure) and the seal's signature. */
static ktpel_err split_seal(const uint8_t *der, size_t len, size_t *env_len, const uint8_t **sig,
                            size_t *sig_len, ktpel_errbuf *eb)
{
    if (len < 2)
        return ktpel_fail(eb, KTPEL_ETRUNCATED, "%zu bytes, too short for a packet", len);
    size_t hdr = 2, body = der[1];
    if (der[0] != 0x30)
        return ktpel_fail(eb, KTPEL_ETAMPERED,
                          "not a sealed packet: does not start with a DER "
                          "SEQUENCE (byte 0x%02x)",
                          der[0]);
    if (der[1] & 0x80) {
        size_t n = der[1] & 0x7f;
        if (n == 0 || n > 4)
            return ktpel_fail(eb, KTPEL_ETAMPERED, "envelope: DER length of %zu bytes", n);
        if (len < 2 + n)
            return ktpel_fail(eb, KTPEL_ETRUNCATED, "%zu bytes end inside the first DER header",
                              len);
        body = 0;
        for (size_t i = 0; i < n; i++)
            body = body << 8 | der[2 + i];
        hdr += n;
    }
    if (body > len - hdr)
        return ktpel_fail(eb, KTPEL_ETRUNCATED, "%zu bytes end inside the envelope of %zu", len,
                          hdr + body);
    *env_len = hdr + body;
    size_t rest = len - *env_len;
    const uint8_t *seal = der + *env_len;
    if (rest < SEAL_HEADER && memcmp(seal, SEAL_MAGIC, rest < 4 ? rest : 4) == 0)
        return ktpel_fail(eb, KTPEL_ETRUNCATED, "%zu bytes end before the station's seal", len);
    if (rest < SEAL_HEADER || memcmp(seal, SEAL_MAGIC, 4) != 0)
        return ktpel_fail(eb, KTPEL_ETAMPERED, "no station seal after the envelope");
    *sig_len = (size_t)seal[4] << 8 | seal[5];
    *sig = seal + SEAL_HEADER;
    if (*sig_len > SEAL_SIG_MAX)
        return ktpel_fail(eb, KTPEL_ETAMPERED, "seal of %zu bytes", *sig_len);
    if (rest - SEAL_HEADER < *sig_len)
        return ktpel_fail(eb, KTPEL_ETRUNCATED, "%zu bytes end inside the station's seal", len);
    if (rest - SEAL_HEADER > *sig_len)
        return ktpel_fail(eb, KTPEL_ETAMPERED, "%zu bytes after the station's seal",
                          rest - SEAL_HEADER - *sig_len);
    return KTPEL_OK;
}

ktpel_err ktpel_packet_seal(ktpel_packet *p, const ktpel_pki_cert *station_cert,
                            const ktpel_pki_key *station_key, const ktpel_pki_cert *dc_cert,
                            uint8_t **der, size_t *der_len, ktpel_errbuf *eb)
{
    if (!p || !station_cert || !station_key || !dc_cert || !der || !der_len)
        return ktpel_fail(eb, KTPEL_EINVAL, "packet seal: NULL argument");
    *der = NULL;
    *der_len = 0;
    char station[65];
    ktpel_err rc = station_of(station_cert, station, sizeof station, eb);
    if (rc)
        return rc;
    if (p->meta.station_id[0] == '\0')
        snprintf(p->meta.station_id, sizeof p->meta.station_id, "%.32s", station);
    else if (strcmp(p->meta.station_id, station) != 0)
        return ktpel_fail(eb, KTPEL_EINVAL,
                          "packet names station %s but the certificate is "
                          "station %s's",
                          p->meta.station_id, station);
    if (p->meta.created == 0)
        p->meta.created = (int64_t)time(NULL);
    uint8_t *container = NULL, *signed_der = NULL;
    size_t container_len = 0, signed_len = 0;
    rc = ktpel_packet_encode(p, &container, &container_len, eb);
    if (!rc)
        rc = ktpel_pki_cms_sign(container, container_len, NULL, station_cert, station_key,
                                p->meta.created, &signed_der, &signed_len, eb);
    uint8_t *env = NULL;
    size_t env_len = 0;
    if (!rc)
        rc = ktpel_pki_cms_encrypt(signed_der, signed_len, dc_cert, &env, &env_len, eb);
    if (!rc)
        rc = append_seal(env, env_len, station_key, der, der_len, eb);
    free(env);
    free(container);
    free(signed_der);
    return rc;
}

/* Every failure of the envelope that is not a short file, a foreign recipient or a resource
 * problem means that bytes of the file were changed. */
static ktpel_err envelope_failure(ktpel_err rc, ktpel_errbuf *eb)
{
    if (rc == KTPEL_ETRUNCATED || rc == KTPEL_ENOTFOUND || rc == KTPEL_ETOOBIG ||
        rc == KTPEL_ENOMEM || rc == KTPEL_EINVAL)
        return rc;
    ktpel_errbuf inner = {0};
    if (eb)
        inner = *eb;
    return ktpel_fail(eb, KTPEL_ETAMPERED, "damaged or altered (%s)", ktpel_errbuf_message(&inner));
}

static ktpel_err check_times(const ktpel_packet_meta *m, const ktpel_packet_open_options *opt,
                             int64_t signing_time, ktpel_errbuf *eb)
{
    char when[32];
    ktpel_packet_format_time(m->created, when, sizeof when);
    if (m->created != signing_time)
        return ktpel_fail(eb, KTPEL_EFORMAT, "created %s is not the signing time", when);
    if (!opt->now)
        return KTPEL_OK;
    if (m->created > opt->now + KTPEL_PACKET_CLOCK_SKEW)
        return ktpel_fail(eb, KTPEL_EEXPIRED, "created %s, in the future", when);
    if (opt->max_age > 0 && opt->now - m->created > opt->max_age)
        return ktpel_fail(eb, KTPEL_EEXPIRED,
                          "created %s: %lld days old, more than the %lld "
                          "days a packet may wait",
                          when, (long long)((opt->now - m->created) / 86400),
                          (long long)(opt->max_age / 86400));
    return KTPEL_OK;
}

static void fill_info(ktpel_packet_info *info, const ktpel_packet *p, const ktpel_pki_signed *s,
                      const char *station)
{
    memset(info, 0, sizeof *info);
    snprintf(info->packet_id, sizeof info->packet_id, "%s", p->meta.packet_id);
    ktpel_pki_sha256(s->content, s->content_len, info->content_sha256);
    for (int i = 0; i < 32; i++)
        snprintf(info->content_sha256_hex + 2 * i, 3, "%02x", info->content_sha256[i]);
    info->signing_time = s->signing_time;
    snprintf(info->station_id, sizeof info->station_id, "%s", station);
    ktpel_pki_cert_info ci;
    if (ktpel_pki_cert_get_info(s->signer, &ci, NULL) == KTPEL_OK)
        snprintf(info->station_cert_sha256, sizeof info->station_cert_sha256, "%s", ci.sha256);
    info->container_len = s->content_len;
}

/* Everything after the signature: the container and how it fits its signer. */
static ktpel_err check_content(const ktpel_pki_signed *s, const ktpel_packet_open_options *opt,
                               ktpel_packet **out, ktpel_packet_info *info, ktpel_errbuf *eb)
{
    ktpel_pki_cert_info ci;
    ktpel_err rc = ktpel_pki_cert_get_info(s->signer, &ci, eb);
    ktpel_packet *p = NULL;
    if (!rc)
        rc = ktpel_packet_decode(s->content, s->content_len, &p, eb);
    if (rc)
        return rc;
    if (strcmp(p->meta.station_id, ci.subject_cn) != 0)
        rc = ktpel_fail(eb, KTPEL_EUNTRUSTED,
                        "the packet names station %s but is signed by "
                        "station %s",
                        p->meta.station_id, ci.subject_cn);
    if (!rc)
        rc = check_times(&p->meta, opt, s->signing_time, eb);
    ktpel_packet_info local;
    fill_info(&local, p, s, ci.subject_cn);
    bool seen = false;
    if (!rc && opt->seen)
        rc = opt->seen(opt->seen_ctx, local.packet_id, local.content_sha256, &seen, eb);
    if (!rc && seen)
        rc = ktpel_fail(eb, KTPEL_EREPLAY, "already received (content %.16s...)",
                        local.content_sha256_hex);
    if (rc) {
        ktpel_fail_context(eb, "packet %s: ", p->meta.packet_id);
        ktpel_packet_free(p);
        return rc;
    }
    if (info)
        *info = local;
    if (out)
        *out = p;
    else
        ktpel_packet_free(p);
    return KTPEL_OK;
}

ktpel_err ktpel_packet_open(const uint8_t *der, size_t der_len,
                            const ktpel_packet_open_options *opt, ktpel_packet **out,
                            ktpel_packet_info *info, ktpel_errbuf *eb)
{
    if ((!der && der_len) || !opt || !opt->trust || !opt->dc_cert || !opt->dc_key)
        return ktpel_fail(eb, KTPEL_EINVAL, "packet open: NULL argument");
    if (out)
        *out = NULL;
    if (info)
        memset(info, 0, sizeof *info);
    if (der_len > KTPEL_PACKET_FILE_MAX)
        return ktpel_fail(eb, KTPEL_ETOOBIG, "packet of %zu bytes, more than %u", der_len,
                          KTPEL_PACKET_FILE_MAX);
    size_t env_len = 0, sig_len = 0;
    const uint8_t *sig = NULL;
    ktpel_err rc =
        split_seal(der ? der : (const uint8_t *)"", der_len, &env_len, &sig, &sig_len, eb);
    if (rc)
        return rc;
    uint8_t *signed_der = NULL;
    size_t signed_len = 0;
    rc = ktpel_pki_cms_decrypt(der, env_len, opt->dc_cert, opt->dc_key, SIGNED_MAX, &signed_der,
                               &signed_len, eb);
    if (rc)
        return envelope_failure(rc, eb);
    ktpel_pki_signed s;
    rc = ktpel_pki_cms_verify(signed_der, signed_len, NULL, opt->trust, KTPEL_PKI_ROLE_STATION, 0,
                              &s, eb);
    free(signed_der);
    if (rc)
        return rc;
    rc = ktpel_pki_verify_signature(s.signer, der, env_len, sig, sig_len, eb);
    if (rc)
        ktpel_fail_context(eb, "the station's seal over the envelope: ");
    else
        rc = check_content(&s, opt, out, info, eb);
    ktpel_pki_signed_clear(&s);
    return rc;
}

ktpel_err ktpel_packet_open_file(const char *path, const ktpel_packet_open_options *opt,
                                 ktpel_packet **out, ktpel_packet_info *info, ktpel_errbuf *eb)
{
    if (!path)
        return ktpel_fail(eb, KTPEL_EINVAL, "packet open: NULL path");
    if (out)
        *out = NULL;
    uint8_t *data = NULL;
    size_t len = 0;
    ktpel_err rc = ktpel_file_read(path, KTPEL_PACKET_FILE_MAX, &data, &len, eb);
    if (rc)
        return rc;
    rc = ktpel_packet_open(data, len, opt, out, info, eb);
    free(data);
    return rc ? ktpel_fail_context(eb, "%s: ", path) : KTPEL_OK;
}

/* ---- enrolment folders ---- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* Regular files of dir not starting with '.', sorted. */
static ktpel_err list_files(const char *dir, char ***out, size_t *count, ktpel_errbuf *eb)
{
    DIR *d = opendir(dir);
    if (!d)
        return ktpel_fail(eb, KTPEL_EIO, "%s: cannot open the folder: %s", dir, strerror(errno));
    char **names = NULL;
    size_t n = 0, cap = 0;
    ktpel_err rc = KTPEL_OK;
    for (struct dirent *de; !rc && (de = readdir(d));) {
        char path[4096];
        struct stat st;
        if (de->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        if (n == KTPEL_PACKET_ENTRIES_MAX) {
            rc = ktpel_fail(eb, KTPEL_ETOOBIG, "%s: more than %d files", dir,
                            KTPEL_PACKET_ENTRIES_MAX);
            break;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 32;
            char **grown = realloc(names, cap * sizeof *grown);
            if (!grown) {
                rc = ktpel_fail(eb, KTPEL_ENOMEM, "out of memory");
                break;
            }
            names = grown;
        }
        if (!(names[n] = strdup(de->d_name)))
            rc = ktpel_fail(eb, KTPEL_ENOMEM, "out of memory");
        else
            n++;
    }
    closedir(d);
    if (rc) {
        free_names(names, n);
        return rc;
    }
    if (n)
        qsort(names, n, sizeof *names, cmp_str);
    *out = names;
    *count = n;
    return KTPEL_OK;
}

/* "finger_01_1.png" -> item "finger_01", capture 1; "signature_1.csv" -> "signature_pad". */
static void item_of(const char *name, char *item, size_t size, int *capture)
{
    char base[KTPEL_PACKET_NAME_MAX + 1];
    snprintf(base, sizeof base, "%s", name);
    char *dot = strrchr(base, '.');
    bool csv = dot && strcmp(dot, ".csv") == 0;
    if (dot)
        *dot = '\0';
    *capture = 0;
    char *us = strrchr(base, '_');
    if (us && us[1] && strlen(us + 1) <= 4 && strspn(us + 1, "0123456789") == strlen(us + 1)) {
        *capture = atoi(us + 1);
        *us = '\0';
    }
    snprintf(item, size, "%.28s%s", base, csv ? "_pad" : "");
    for (char *c = item; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_'))
            *c = '_';
}

/* The value of the record's "nik:" line, if it has one of 16 digits. */
static void nik_of_record(const uint8_t *rec, size_t len, char nik[17])
{
    for (size_t at = 0; at < len;) {
        const uint8_t *nl = memchr(rec + at, '\n', len - at);
        size_t end = nl ? (size_t)(nl - rec) : len;
        const char *line = (const char *)rec + at;
        size_t n = end - at;
        if (n >= 4 && memcmp(line, "nik:", 4) == 0) {
            size_t i = 4;
            while (i < n && line[i] == ' ')
                i++;
            if (n - i >= 16 && strspn(line + i, "0123456789") >= 16) {
                memcpy(nik, line + i, 16);
                nik[16] = '\0';
            }
            return;
        }
        at = end + 1;
    }
}

static ktpel_err add_resident_file(ktpel_packet *p, const char *dir, const char *name,
                                   ktpel_errbuf *eb)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (!packet_name_valid(name, strlen(name)))
        return ktpel_fail(eb, KTPEL_EINVAL, "%s: the name cannot be a packet entry", path);
    ktpel_err rc = ktpel_packet_add_file(p, name, path, eb);
    if (rc || strcmp(name, PACKET_RECORD_NAME) == 0)
        return rc;
    ktpel_packet_capture c;
    memset(&c, 0, sizeof c);
    int capture = 0;
    item_of(name, c.item, sizeof c.item, &capture);
    snprintf(c.entry, sizeof c.entry, "%s", name);
    snprintf(c.device, sizeof c.device, "synthetic");
    c.time = p->meta.created;
    c.quality = -1;
    c.attempts = 1;
    snprintf(c.status, sizeof c.status, "captured");
    if (capture)
        snprintf(c.note, sizeof c.note, "capture %d", capture);
    return ktpel_packet_add_capture(p, &c, eb);
}

ktpel_err ktpel_packet_from_resident_dir(const char *dir, const ktpel_packet_meta *meta,
                                         ktpel_packet **out, ktpel_errbuf *eb)
{
    if (!dir || !meta || !out)
        return ktpel_fail(eb, KTPEL_EINVAL, "packet from folder: NULL argument");
    *out = NULL;
    ktpel_packet_meta m = *meta;
    if (m.source[0] == '\0') {
        const char *slash = strrchr(dir, '/');
        const char *base = slash && slash[1] ? slash + 1 : dir;
        snprintf(m.source, sizeof m.source, "synthetic %.50s", base);
        for (char *c = m.source; *c; c++)
            if (*c < 0x20 || *c > 0x7e)
                *c = '?';
    }
    ktpel_packet *p = NULL;
    char **names = NULL;
    size_t n = 0;
    ktpel_err rc = ktpel_packet_new(&m, &p, eb);
    if (!rc)
        rc = list_files(dir, &names, &n, eb);
    for (size_t i = 0; !rc && i < n; i++)
        rc = add_resident_file(p, dir, names[i], eb);
    free_names(names, n);
    size_t rec_len = 0;
    const uint8_t *rec = rc ? NULL : ktpel_packet_find(p, PACKET_RECORD_NAME, &rec_len);
    if (!rc && !rec)
        rc = ktpel_fail(eb, KTPEL_ENOTFOUND, "%s: no %s", dir, PACKET_RECORD_NAME);
    if (!rc && p->meta.nik[0] == '\0')
        nik_of_record(rec, rec_len, p->meta.nik);
    if (rc) {
        ktpel_packet_free(p);
        return rc;
    }
    *out = p;
    return KTPEL_OK;
}

static ktpel_err write_one(const char *dir, const char *name, const void *data, size_t len,
                           ktpel_errbuf *eb)
{
    char path[4096];
    int n = snprintf(path, sizeof path, "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= sizeof path)
        return ktpel_fail(eb, KTPEL_EINVAL, "%s: path too long", dir);
    return ktpel_file_write_atomic(path, data, len, eb);
}

ktpel_err ktpel_packet_write_dir(const ktpel_packet *p, const char *dir, ktpel_errbuf *eb)
{
    if (!p || !dir)
        return ktpel_fail(eb, KTPEL_EINVAL, "packet write folder: NULL argument");
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        return ktpel_fail(eb, KTPEL_EIO, "%s: cannot create the folder: %s", dir, strerror(errno));
    ktpel_err rc = KTPEL_OK;
    for (size_t i = 0; !rc && i < p->n; i++)
        rc = write_one(dir, p->entries[i].name, p->entries[i].data, p->entries[i].len, eb);
    char *meta = NULL, *caps = NULL;
    size_t meta_len = 0, caps_len = 0;
    if (!rc)
        rc = packet_texts(p, &meta, &meta_len, &caps, &caps_len, eb);
    if (!rc)
        rc = write_one(dir, PACKET_META_NAME, meta, meta_len, eb);
    if (!rc)
        rc = write_one(dir, PACKET_CAPTURE_NAME, caps, caps_len, eb);
    free(meta);
    free(caps);
    return rc;
}

const char *ktpel_packet_reason_id(ktpel_err code)
{
    switch (code) {
    case KTPEL_OK:
        return "ok";
    case KTPEL_ETAMPERED:
        return "tampered";
    case KTPEL_EUNTRUSTED:
        return "untrusted";
    case KTPEL_EEXPIRED:
        return "expired";
    case KTPEL_ETRUNCATED:
        return "truncated";
    case KTPEL_EFORMAT:
    case KTPEL_ETOOBIG:
    case KTPEL_EUNSUPPORTED:
    case KTPEL_EFIELD:
        return "malformed";
    case KTPEL_EREPLAY:
        return "replayed";
    case KTPEL_ENOTFOUND:
        return "wrong-recipient";
    case KTPEL_EIO:
        return "io";
    default:
        return "error";
    }
}
