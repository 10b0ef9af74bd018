/* The kecamatan desk's decision (include/ktpel/desk.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ktpel/desk.h"
#include "ktpel/fp_match.h"
#include "ktpel/fp_verify.h"

/* Decimal comma, as an Indonesian officer reads numbers. */
static void score_text(float v, char *buf, size_t size)
{
    snprintf(buf, size, "%.2f", (double)v);
    char *dot = strchr(buf, '.');
    if (dot)
        *dot = ',';
}

static const char *finger_name(int position)
{
    return position == 2 ? "telunjuk kanan" : position == 7 ? "telunjuk kiri" : "tidak dikenal";
}

static const char *returned_text(ktpel_receipt_outcome o)
{
    return o == KTPEL_RECEIPT_REFUSED ? "KTP-el tidak diserahkan dan tetap disimpan di loket."
                                      : "KTP-el dikembalikan untuk dimusnahkan.";
}

static ktpel_desk_code code_of(ktpel_chip_verdict v)
{
    switch (v) {
    case KTPEL_CHIP_BAD_SIGNATURE:
    case KTPEL_CHIP_HASH_MISMATCH:
        return KTPEL_DESK_CHIP_TAMPERED;
    case KTPEL_CHIP_UNKNOWN_SIGNER:
        return KTPEL_DESK_CHIP_UNTRUSTED;
    case KTPEL_CHIP_EXPIRED:
        return KTPEL_DESK_CHIP_EXPIRED;
    default:
        return KTPEL_DESK_CHIP_DAMAGED;
    }
}

/* The officer's message for a chip that failed. */
static void chip_message(ktpel_desk_result *res)
{
    const ktpel_chip_report *r = &res->chip;
    switch (res->code) {
    case KTPEL_DESK_CHIP_TAMPERED:
        snprintf(res->message, sizeof res->message,
                 "GAGAL: data chip tidak sesuai dengan tanda tangan digitalnya (%s: %s; data "
                 "telah diubah). %s",
                 r->part, ktpel_chip_verdict_name(r->verdict), returned_text(res->outcome));
        break;
    case KTPEL_DESK_CHIP_UNTRUSTED:
        snprintf(res->message, sizeof res->message,
                 "GAGAL: penanda tangan chip tidak dikenal (sertifikat bukan document signer "
                 "dari CSCA yang dipercaya). %s",
                 returned_text(res->outcome));
        break;
    case KTPEL_DESK_CHIP_EXPIRED:
        snprintf(res->message, sizeof res->message,
                 "GAGAL: sertifikat penanda tangan chip tidak berlaku pada waktu pemeriksaan. %s",
                 returned_text(res->outcome));
        break;
    default:
        snprintf(res->message, sizeof res->message,
                 "GAGAL: chip rusak atau tidak dapat dibaca (%s: %s). %s",
                 r->part[0] ? r->part : "file", ktpel_chip_verdict_name(r->verdict),
                 returned_text(res->outcome));
    }
}

/* Reads the chip; on failure fills the GAGAL result (and the NIK as far as it is known). */
static ktpel_err check_chip(const uint8_t *chip, size_t len, const ktpel_desk_options *opt,
                            ktpel_chip_contents *c, ktpel_desk_result *res, ktpel_errbuf *eb)
{
    ktpel_errbuf why;
    if (len == 0) {
        res->chip.verdict = KTPEL_CHIP_MALFORMED;
        snprintf(res->chip.part, sizeof res->chip.part, "file");
        snprintf(res->detail, sizeof res->detail, "the chip could not be read");
    } else if (ktpel_chip_read(chip, len, opt->csca, opt->at, c, &res->chip, &why) == KTPEL_OK) {
        snprintf(res->nik, sizeof res->nik, "%s", c->resident.nik);
        return KTPEL_OK;
    } else {
        snprintf(res->detail, sizeof res->detail, "%s", res->chip.message);
    }
    res->code = code_of(res->chip.verdict);
    res->outcome = KTPEL_RECEIPT_RETURNED;
    chip_message(res);
    /* Which resident the card claims: the officer's reading of the print first, else what
     * the chip claims without proof (only to address the receipt). */
    ktpel_chip_contents claim;
    if (opt->printed_nik) {
        snprintf(res->nik, sizeof res->nik, "%s", opt->printed_nik);
    } else if (len && ktpel_chip_decode_unverified(chip, len, &claim, NULL, NULL) == KTPEL_OK) {
        snprintf(res->nik, sizeof res->nik, "%s", claim.resident.nik);
        ktpel_chip_contents_free(&claim);
    } else {
        return ktpel_fail(eb, KTPEL_EINVAL,
                          "the chip cannot be read (%s) and no NIK is known: give the NIK "
                          "printed on the card",
                          res->detail);
    }
    return KTPEL_EEMPTY; /* decided: GAGAL */
}

static void finger_message(ktpel_desk_result *res, int max_attempts)
{
    char best[16], thr[16];
    score_text(res->best_score, best, sizeof best);
    score_text(res->threshold, thr, sizeof thr);
    if (res->berhasil)
        snprintf(res->message, sizeof res->message,
                 "BERHASIL: sidik jari %s cocok dengan data chip (percobaan %d dari %d, skor %s, "
                 "ambang %s). KTP-el boleh diserahkan.",
                 finger_name(res->matched_position), res->attempts, max_attempts, best, thr);
    else
        snprintf(res->message, sizeof res->message,
                 "GAGAL: sidik jari tidak cocok dengan data chip setelah %d percobaan (skor "
                 "tertinggi %s, ambang %s). %s",
                 res->attempts, best, thr, returned_text(res->outcome));
}

/* One attempt: capture, extract, compare. Returns KTPEL_EEMPTY when nothing more can be
 * captured. */
static ktpel_err attempt(const ktpel_desk_options *opt, const ktpel_chip_contents *c, int i,
                         double fmr, ktpel_desk_result *res, ktpel_errbuf *eb)
{
    ktpel_image img = {0};
    int position = 0;
    ktpel_errbuf why;
    ktpel_err err = opt->capture(opt->capture_ctx, i, &img, &position, &why);
    ktpel_desk_attempt a = {i, position, 0, res->threshold, false, NULL};
    if (err == KTPEL_EEMPTY || (err && err != KTPEL_EAGAIN)) {
        ktpel_image_free(&img);
        if (err != KTPEL_EEMPTY)
            *eb = why;
        return err;
    }
    ktpel_fp_verify_result v = {0};
    const ktpel_fp_template *ref = position == 2   ? c->right_index
                                   : position == 7 ? c->left_index
                                                   : NULL;
    if (!err && !ref)
        err = ktpel_fail(&why, KTPEL_EINVAL, "finger position %d is not an index finger", position);
    if (!err)
        err = ktpel_fp_verify_image(ref, 0, &img, fmr, &v, &why);
    ktpel_image_free(&img);
    res->attempts = i;
    if (err == KTPEL_EINVAL && !ref) {
        *eb = why;
        return err;
    }
    a.problem = err ? why.message : NULL;
    a.score = v.score;
    a.match = !err && v.match;
    if (a.score > res->best_score)
        res->best_score = a.score;
    if (a.match) {
        res->berhasil = true;
        res->matched_position = position;
    }
    if (opt->on_attempt)
        opt->on_attempt(opt->attempt_ctx, &a);
    return KTPEL_OK;
}

static ktpel_err verify_fingers(const ktpel_desk_options *opt, const ktpel_chip_contents *c,
                                ktpel_desk_result *res, ktpel_errbuf *eb)
{
    int max = opt->attempts ? opt->attempts : KTPEL_DESK_DEFAULT_ATTEMPTS;
    double fmr = opt->fmr > 0 ? opt->fmr : KTPEL_FP_VERIFY_DEFAULT_FMR;
    res->threshold = ktpel_fp_threshold_for_fmr(fmr);
    ktpel_err err = KTPEL_OK;
    for (int i = 1; !err && !res->berhasil && i <= max; i++)
        err = attempt(opt, c, i, fmr, res, eb);
    if (err == KTPEL_EEMPTY && res->attempts == 0)
        return ktpel_fail(eb, KTPEL_EEMPTY, "no finger was captured: nothing to verify");
    if (err && err != KTPEL_EEMPTY)
        return err;
    res->code = res->berhasil ? KTPEL_DESK_OK : KTPEL_DESK_FINGER_MISMATCH;
    res->outcome = res->berhasil          ? KTPEL_RECEIPT_HANDED_OVER
                   : opt->keep_on_failure ? KTPEL_RECEIPT_REFUSED
                                          : KTPEL_RECEIPT_RETURNED;
    finger_message(res, max);
    return KTPEL_OK;
}

ktpel_err ktpel_desk_verify(const uint8_t *chip, size_t len, const ktpel_desk_options *opt,
                            ktpel_desk_result *res, ktpel_errbuf *eb)
{
    if (!opt || !res || !opt->csca || !opt->capture || (!chip && len))
        return ktpel_fail(eb, KTPEL_EINVAL, "ktpel_desk_verify: bad argument");
    if (opt->attempts < 0 || opt->attempts > KTPEL_DESK_MAX_ATTEMPTS)
        return ktpel_fail(eb, KTPEL_EINVAL, "attempts: %d, allowed 1..%d", opt->attempts,
                          KTPEL_DESK_MAX_ATTEMPTS);
    if (opt->fmr < 0 || opt->fmr > 0.1)
        return ktpel_fail(eb, KTPEL_EINVAL, "false match rate %g outside 1e-6..0.1", opt->fmr);
    ktpel_err err =
        opt->printed_nik ? ktpel_nik_check_digits(opt->printed_nik, "NIK", eb) : KTPEL_OK;
    if (err)
        return err;
    memset(res, 0, sizeof *res);
    if (len)
        ktpel_pki_sha256(chip, len, res->chip_sha256);
    ktpel_chip_contents c;
    memset(&c, 0, sizeof c);
    err = check_chip(chip, len, opt, &c, res, eb);
    if (err)
        return err == KTPEL_EEMPTY ? KTPEL_OK : err;
    if (opt->printed_nik && strcmp(opt->printed_nik, c.resident.nik) != 0) {
        res->code = KTPEL_DESK_DATA_MISMATCH;
        res->outcome = KTPEL_RECEIPT_RETURNED;
        snprintf(res->message, sizeof res->message,
                 "GAGAL: NIK tercetak pada kartu (%s) tidak sama dengan NIK di chip (%s). %s",
                 opt->printed_nik, c.resident.nik, returned_text(res->outcome));
        snprintf(res->nik, sizeof res->nik, "%s", opt->printed_nik);
        ktpel_chip_contents_free(&c);
        return KTPEL_OK;
    }
    err = verify_fingers(opt, &c, res, eb);
    ktpel_chip_contents_free(&c);
    return err;
}

ktpel_err ktpel_desk_receipt_entry(const ktpel_desk_result *res, const char *desk, int64_t time,
                                   ktpel_receipt_entry *e, ktpel_errbuf *eb)
{
    if (!res || !desk || !e)
        return ktpel_fail(eb, KTPEL_EINVAL, "ktpel_desk_receipt_entry: NULL argument");
    memset(e, 0, sizeof *e);
    e->time = time;
    snprintf(e->desk, sizeof e->desk, "%s", desk);
    snprintf(e->nik, sizeof e->nik, "%s", res->nik);
    memcpy(e->chip_sha256, res->chip_sha256, 32);
    e->outcome = res->outcome;
    e->code = res->code;
    e->attempts = res->attempts;
    e->score = res->best_score < 0 ? 0 : res->best_score > 1 ? 1 : res->best_score;
    /* The officer's message, cut to the receipt's limit at a character boundary. */
    size_t n = strlen(res->message);
    if (n > KTPEL_RECEIPT_REASON_MAX) {
        n = KTPEL_RECEIPT_REASON_MAX;
        while (n > 0 && ((unsigned char)res->message[n] & 0xc0) == 0x80)
            n--;
    }
    memcpy(e->reason, res->message, n);
    e->reason[n] = '\0';
    return ktpel_receipt_entry_check(e, eb);
}
