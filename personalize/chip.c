/* The chip file: assembling the elementary files on writing; on reading, splitting them,
 * verifying the EF.SOD and every data group's hash, then decoding (docs/chip-format.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chip_internal.h"
#include "ktpel/file.h"

/* The elementary files in file order, with their limits. */
typedef struct ef_spec {
    unsigned tag;
    int dg; /* data group number; 0 for EF.COM and EF.SOD */
    const char *name;
    size_t max;
} ef_spec;

enum { EF_COM, EF_DG1, EF_DG2, EF_DG3, EF_DG7, EF_SOD, EF_COUNT };

static const ef_spec ef_specs[EF_COUNT] = {
    {TAG_EF_COM, 0, "EF.COM", 64},           {TAG_DG1, 1, "DG1", KTPEL_CHIP_DG1_MAX},
    {TAG_DG2, 2, "DG2", KTPEL_CHIP_DG2_MAX}, {TAG_DG3, 3, "DG3", KTPEL_CHIP_DG3_MAX},
    {TAG_DG7, 7, "DG7", KTPEL_CHIP_DG7_MAX}, {TAG_EF_SOD, 0, "EF.SOD", KTPEL_CHIP_SOD_MAX},
};

const char *ktpel_chip_verdict_name(ktpel_chip_verdict verdict)
{
    switch (verdict) {
    case KTPEL_CHIP_VALID:
        return "valid";
    case KTPEL_CHIP_MALFORMED:
        return "malformed";
    case KTPEL_CHIP_TOO_BIG:
        return "too big";
    case KTPEL_CHIP_UNKNOWN_SIGNER:
        return "unknown signer";
    case KTPEL_CHIP_EXPIRED:
        return "expired";
    case KTPEL_CHIP_BAD_SIGNATURE:
        return "bad signature";
    case KTPEL_CHIP_HASH_MISMATCH:
        return "hash mismatch";
    }
    return "?";
}

void ktpel_chip_contents_free(ktpel_chip_contents *c)
{
    if (!c)
        return;
    free(c->face_jpeg);
    free(c->right_index);
    free(c->left_index);
    free(c->signature_jpeg);
    memset(c, 0, sizeof *c);
}

/* ---- writing ---- */

static ktpel_err check_limit(const tlv_buf *b, const ef_spec *spec, ktpel_errbuf *eb)
{
    if (b->len > spec->max)
        return ktpel_fail(eb, KTPEL_ETOOBIG, "%s is %zu bytes, the limit is %zu", spec->name,
                          b->len, spec->max);
    return KTPEL_OK;
}

static ktpel_err encode_ef(int which, const ktpel_chip_input *in, tlv_buf *b, ktpel_errbuf *eb)
{
    switch (which) {
    case EF_COM:
        return chip_encode_com(b, eb);
    case EF_DG1:
        return chip_encode_dg1(b, in, eb);
    case EF_DG2:
        return chip_encode_dg2(b, in->face_jpeg, in->face_len, eb);
    case EF_DG3:
        return chip_encode_dg3(b, in->right_index, in->left_index, eb);
    case EF_DG7:
        return chip_encode_dg7(b, in->signature_jpeg, in->signature_len, eb);
    default:
        return ktpel_fail(eb, KTPEL_EINTERNAL, "chip writer: no encoder for EF %d", which);
    }
}

/* Checks the images in full (a JPEG that does not decode has no place on a card). */
static ktpel_err check_image(const uint8_t *jpeg, size_t len, const char *what, ktpel_errbuf *eb)
{
    ktpel_image img = {0};
    ktpel_err err = ktpel_image_decode(jpeg, len, KTPEL_IMAGE_GREY, 0, &img, eb);
    ktpel_image_free(&img);
    if (err)
        ktpel_fail_context(eb, "%s: ", what);
    return err;
}

ktpel_err ktpel_chip_write(const ktpel_chip_input *in, const ktpel_pki_cert *ds_cert,
                           const ktpel_pki_key *ds_key, int64_t signing_time, uint8_t **out,
                           size_t *out_len, ktpel_errbuf *eb)
{
    if (!in || !in->resident || !ds_cert || !ds_key || !out || !out_len)
        return ktpel_fail(eb, KTPEL_EINVAL, "ktpel_chip_write: NULL argument");
    if (!in->face_jpeg || !in->signature_jpeg)
        return ktpel_fail(eb, KTPEL_EINVAL, "ktpel_chip_write: face or signature image missing");
    ktpel_err err = check_image(in->face_jpeg, in->face_len, "DG2 face", eb);
    if (!err)
        err = check_image(in->signature_jpeg, in->signature_len, "DG7 signature", eb);
    tlv_buf ef[EF_COUNT];
    memset(ef, 0, sizeof ef);
    chip_dg_hash hashes[CHIP_DG_COUNT];
    int n = 0;
    for (int i = EF_COM; !err && i < EF_SOD; i++) {
        err = encode_ef(i, in, &ef[i], eb);
        if (!err)
            err = check_limit(&ef[i], &ef_specs[i], eb);
        if (!err && ef_specs[i].dg) {
            hashes[n].number = ef_specs[i].dg;
            ktpel_pki_sha256(ef[i].data, ef[i].len, hashes[n].sha256);
            n++;
        }
    }
    if (!err)
        err = chip_sod_sign(&ef[EF_SOD], hashes, n, ds_cert, ds_key, signing_time, eb);
    if (!err)
        err = check_limit(&ef[EF_SOD], &ef_specs[EF_SOD], eb);
    tlv_buf file = {0};
    for (int i = 0; !err && i < EF_COUNT; i++)
        tlv_put_raw(&file, ef[i].data, ef[i].len);
    for (int i = 0; i < EF_COUNT; i++)
        tlv_buf_free(&ef[i]);
    if (!err && file.failed)
        err = ktpel_fail(eb, KTPEL_ENOMEM, "chip writer: out of memory");
    if (!err && file.len > KTPEL_CHIP_FILE_MAX)
        err = ktpel_fail(eb, KTPEL_ETOOBIG, "chip file is %zu bytes, the limit is %u", file.len,
                         KTPEL_CHIP_FILE_MAX);
    if (err) {
        tlv_buf_free(&file);
        return err;
    }
    *out = file.data;
    *out_len = file.len;
    return KTPEL_OK;
}

ktpel_err ktpel_chip_write_file(const char *path, const ktpel_chip_input *in,
                                const ktpel_pki_cert *ds_cert, const ktpel_pki_key *ds_key,
                                int64_t signing_time, ktpel_errbuf *eb)
{
    if (!path)
        return ktpel_fail(eb, KTPEL_EINVAL, "ktpel_chip_write_file: NULL path");
    uint8_t *data = NULL;
    size_t len = 0;
    ktpel_err err = ktpel_chip_write(in, ds_cert, ds_key, signing_time, &data, &len, eb);
    if (!err)
        err = ktpel_file_write_atomic(path, data, len, eb);
    free(data);
    return err;
}

/* ---- reading ---- */

/* Records a failure in the report and in eb (the message is kept in one place: lb). */
static ktpel_err fail_report(ktpel_chip_report *report, ktpel_chip_verdict verdict,
                             const char *part, const ktpel_errbuf *lb, ktpel_errbuf *eb)
{
    ktpel_err code = lb->code ? lb->code : KTPEL_EFORMAT;
    if (report) {
        report->verdict = verdict;
        snprintf(report->part, sizeof report->part, "%s", part);
        snprintf(report->message, sizeof report->message, "%s: %s: %s", part,
                 ktpel_chip_verdict_name(verdict), ktpel_errbuf_message(lb));
    }
    return ktpel_fail(eb, code, "%s: %s: %s", part, ktpel_chip_verdict_name(verdict),
                      ktpel_errbuf_message(lb));
}

static ktpel_chip_verdict structure_verdict(ktpel_err err)
{
    return err == KTPEL_ETOOBIG ? KTPEL_CHIP_TOO_BIG : KTPEL_CHIP_MALFORMED;
}

/* Splits the file into its elementary files, in order, within their limits. */
static ktpel_err split_file(const uint8_t *buf, size_t len, tlv ef[EF_COUNT],
                            const uint8_t *start[EF_COUNT], int *failed, ktpel_errbuf *lb)
{
    size_t pos = 0;
    for (int i = 0; i < EF_COUNT; i++) {
        *failed = i;
        start[i] = buf + pos;
        ktpel_err err = tlv_expect(buf, len, &pos, ef_specs[i].tag, &ef[i], ef_specs[i].name, lb);
        if (err)
            return err;
        if (ef[i].total > ef_specs[i].max)
            return ktpel_fail(lb, KTPEL_ETOOBIG, "%s is %zu bytes, the limit is %zu",
                              ef_specs[i].name, ef[i].total, ef_specs[i].max);
    }
    if (pos != len) {
        *failed = -1;
        return ktpel_fail(lb, KTPEL_EFORMAT, "%zu bytes after EF.SOD", len - pos);
    }
    return KTPEL_OK;
}

/* The EF.SOD must list exactly the data groups of the file, in order. */
static ktpel_err check_hash_list(const chip_dg_hash *hashes, int count, ktpel_errbuf *lb)
{
    int k = 0;
    for (int i = 0; i < EF_COUNT; i++) {
        if (!ef_specs[i].dg)
            continue;
        if (k >= count || hashes[k].number != ef_specs[i].dg)
            return ktpel_fail(lb, KTPEL_EFORMAT,
                              "the security object's hash list does not match the data groups "
                              "DG1, DG2, DG3, DG7 (entry %d)",
                              k);
        k++;
    }
    if (k != count)
        return ktpel_fail(lb, KTPEL_EFORMAT, "the security object lists %d data groups, not 4",
                          count);
    return KTPEL_OK;
}

static ktpel_err decode_dg(int which, const uint8_t *data, size_t len, ktpel_chip_contents *c,
                           ktpel_errbuf *lb)
{
    switch (which) {
    case EF_DG1:
        return chip_decode_dg1(data, len, c, lb);
    case EF_DG2:
        return chip_decode_dg2(data, len, c, lb);
    case EF_DG3:
        return chip_decode_dg3(data, len, c, lb);
    case EF_DG7:
        return chip_decode_dg7(data, len, c, lb);
    default:
        return ktpel_fail(lb, KTPEL_EINTERNAL, "chip reader: no decoder for EF %d", which);
    }
}

/* Compares every data group's hash; names all that differ. */
static ktpel_err compare_hashes(const tlv ef[EF_COUNT], const uint8_t *const start[EF_COUNT],
                                const chip_dg_hash *hashes, ktpel_chip_report *report,
                                const char **first, ktpel_errbuf *lb)
{
    char list[64] = "";
    int k = 0;
    *first = NULL;
    for (int i = 0; i < EF_COUNT; i++) {
        if (!ef_specs[i].dg)
            continue;
        uint8_t digest[32];
        ktpel_pki_sha256(start[i], ef[i].total, digest);
        bool ok = memcmp(digest, hashes[k++].sha256, 32) == 0;
        if (report)
            report->dg_hash_ok[ef_specs[i].dg] = ok;
        if (!ok) {
            if (!*first)
                *first = ef_specs[i].name;
            size_t used = strlen(list);
            snprintf(list + used, sizeof list - used, "%s%s", used ? ", " : "", ef_specs[i].name);
        }
    }
    if (*first)
        return ktpel_fail(lb, KTPEL_ETAMPERED,
                          "SHA-256 of %s differs from the security object's (data altered)", list);
    return KTPEL_OK;
}

/* The checks before the security object: size, structure, EF.COM. */
static ktpel_err open_file(const uint8_t *buf, size_t len, tlv ef[EF_COUNT],
                           const uint8_t *start[EF_COUNT], ktpel_chip_report *report,
                           ktpel_errbuf *lb, ktpel_errbuf *eb)
{
    if (len > KTPEL_CHIP_FILE_MAX) {
        ktpel_fail(lb, KTPEL_ETOOBIG, "%zu bytes, the limit is %u", len, KTPEL_CHIP_FILE_MAX);
        return fail_report(report, KTPEL_CHIP_TOO_BIG, "file", lb, eb);
    }
    int failed = 0;
    ktpel_err err = split_file(buf, len, ef, start, &failed, lb);
    if (err)
        return fail_report(report, structure_verdict(err),
                           failed < 0 ? "file" : ef_specs[failed].name, lb, eb);
    if (report) {
        report->com_size = ef[EF_COM].total;
        report->sod_size = ef[EF_SOD].total;
        for (int i = 0; i < EF_COUNT; i++)
            if (ef_specs[i].dg)
                report->dg_size[ef_specs[i].dg] = ef[i].total;
    }
    if ((err = chip_decode_com(start[EF_COM], ef[EF_COM].total, lb)))
        return fail_report(report, KTPEL_CHIP_MALFORMED, "EF.COM", lb, eb);
    return KTPEL_OK;
}

/* Decodes DG1..DG7 into *out (if not NULL) or fails naming the group. */
static ktpel_err decode_all(const tlv ef[EF_COUNT], const uint8_t *const start[EF_COUNT],
                            ktpel_chip_contents *out, ktpel_chip_report *report, ktpel_errbuf *lb,
                            ktpel_errbuf *eb)
{
    ktpel_chip_contents c;
    memset(&c, 0, sizeof c);
    for (int i = EF_DG1; i <= EF_DG7; i++) {
        ktpel_err err = decode_dg(i, start[i], ef[i].total, &c, lb);
        if (err) {
            ktpel_chip_contents_free(&c);
            ktpel_chip_verdict v = err == KTPEL_ETOOBIG ? KTPEL_CHIP_TOO_BIG : KTPEL_CHIP_MALFORMED;
            return fail_report(report, v, ef_specs[i].name, lb, eb);
        }
    }
    if (out)
        *out = c;
    else
        ktpel_chip_contents_free(&c);
    return KTPEL_OK;
}

static void start_reading(size_t len, ktpel_chip_contents *out, ktpel_chip_report *report,
                          ktpel_errbuf *lb)
{
    if (out)
        memset(out, 0, sizeof *out);
    if (report) {
        memset(report, 0, sizeof *report);
        report->file_size = len;
    }
    ktpel_errbuf_clear(lb);
}

ktpel_err ktpel_chip_decode_unverified(const uint8_t *buf, size_t len, ktpel_chip_contents *out,
                                       ktpel_chip_report *report, ktpel_errbuf *eb)
{
    ktpel_errbuf lb;
    start_reading(len, out, report, &lb);
    if (!buf)
        return ktpel_fail(eb, KTPEL_EINVAL, "ktpel_chip_decode_unverified: NULL argument");
    tlv ef[EF_COUNT];
    const uint8_t *start[EF_COUNT];
    ktpel_err err = open_file(buf, len, ef, start, report, &lb, eb);
    if (!err)
        err = decode_all(ef, start, out, report, &lb, eb);
    if (!err && report)
        snprintf(report->message, sizeof report->message,
                 "decoded WITHOUT verification: the EF.SOD, certificates and hashes were not "
                 "checked");
    return err;
}

ktpel_err ktpel_chip_read(const uint8_t *buf, size_t len, const ktpel_pki_trust *trust, int64_t at,
                          ktpel_chip_contents *out, ktpel_chip_report *report, ktpel_errbuf *eb)
{
    ktpel_errbuf lb;
    start_reading(len, out, report, &lb);
    if (!buf || !trust)
        return ktpel_fail(eb, KTPEL_EINVAL, "ktpel_chip_read: NULL argument");
    tlv ef[EF_COUNT];
    const uint8_t *start[EF_COUNT];
    ktpel_err err = open_file(buf, len, ef, start, report, &lb, eb);
    if (err)
        return err;

    chip_dg_hash hashes[CHIP_DG_COUNT];
    int count = 0;
    ktpel_chip_report sod_report;
    memset(&sod_report, 0, sizeof sod_report);
    err = chip_sod_verify(ef[EF_SOD].value, ef[EF_SOD].len, trust, at, hashes, &count, &sod_report,
                          &lb);
    if (report) {
        memcpy(report->signer_subject, sod_report.signer_subject, sizeof report->signer_subject);
        memcpy(report->signer_issuer, sod_report.signer_issuer, sizeof report->signer_issuer);
        memcpy(report->signer_not_after, sod_report.signer_not_after,
               sizeof report->signer_not_after);
    }
    if (err) {
        bool cert = sod_report.verdict == KTPEL_CHIP_UNKNOWN_SIGNER ||
                    sod_report.verdict == KTPEL_CHIP_EXPIRED;
        return fail_report(report, sod_report.verdict, cert ? "DS certificate" : "EF.SOD", &lb, eb);
    }
    if ((err = check_hash_list(hashes, count, &lb)))
        return fail_report(report, KTPEL_CHIP_MALFORMED, "EF.SOD", &lb, eb);
    const char *first = NULL;
    if ((err = compare_hashes(ef, start, hashes, report, &first, &lb)))
        return fail_report(report, KTPEL_CHIP_HASH_MISMATCH, first, &lb, eb);

    if ((err = decode_all(ef, start, out, report, &lb, eb)))
        return err;
    if (report) {
        report->verdict = KTPEL_CHIP_VALID;
        /* The names are cut if they are very long; the message is for people. */
        int n = snprintf(report->message, sizeof report->message,
                         "valid: EF.SOD signed by %s (issued by %s), hashes of DG1, DG2, DG3, DG7 "
                         "match",
                         report->signer_subject, report->signer_issuer);
        (void)n;
    }
    ktpel_errbuf_clear(eb);
    return KTPEL_OK;
}

ktpel_err ktpel_chip_read_file(const char *path, const ktpel_pki_trust *trust, int64_t at,
                               ktpel_chip_contents *out, ktpel_chip_report *report,
                               ktpel_errbuf *eb)
{
    if (out)
        memset(out, 0, sizeof *out);
    if (report)
        memset(report, 0, sizeof *report);
    if (!path)
        return ktpel_fail(eb, KTPEL_EINVAL, "ktpel_chip_read_file: NULL path");
    uint8_t *data = NULL;
    size_t len = 0;
    ktpel_errbuf lb;
    ktpel_err err = ktpel_file_read(path, KTPEL_CHIP_FILE_MAX, &data, &len, &lb);
    if (err) {
        if (report) {
            report->verdict = err == KTPEL_ETOOBIG ? KTPEL_CHIP_TOO_BIG : KTPEL_CHIP_MALFORMED;
            snprintf(report->part, sizeof report->part, "file");
            snprintf(report->message, sizeof report->message, "%s", ktpel_errbuf_message(&lb));
        }
        return ktpel_fail(eb, err, "%s", ktpel_errbuf_message(&lb));
    }
    err = ktpel_chip_read(data, len, trust, at, out, report, eb);
    free(data);
    if (err)
        ktpel_fail_context(eb, "%s: ", path);
    return err;
}
