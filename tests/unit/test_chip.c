/* The chip file (personalize/chip*.c): round trip, tampering with every byte, wrong CSCA,
 * expired and wrong-role signers, size limits, malformed input. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ktpel/chip.h"
#include "ktpel/image.h"
#include "ktpel/pki.h"

/* 2026-11-21 12:00 UTC: the instant the tests sign and check at. */
#define NOW ((int64_t)1795262400)
#define DAY ((int64_t)86400)

typedef struct fixture {
    ktpel_pki_cert *csca, *ds, *other_csca, *other_ds, *expired_ds;
    ktpel_pki_key *csca_key, *ds_key, *other_csca_key, *other_ds_key, *expired_ds_key;
    ktpel_pki_trust *trust, *other_trust;
    ktpel_resident resident;
    uint8_t *face, *signature;
    size_t face_len, signature_len;
    ktpel_fp_template *right, *left;
    ktpel_chip_input in;
} fixture;

static void issue(ktpel_pki_role role, const char *cn, int64_t from, int64_t to,
                  const ktpel_pki_cert *issuer, const ktpel_pki_key *issuer_key,
                  ktpel_pki_cert **cert, ktpel_pki_key **key)
{
    ktpel_pki_issue_request req = {role, cn, from, to, issuer, issuer_key, NULL};
    ktpel_errbuf eb;
    ktpel_err err = ktpel_pki_issue(&req, cert, key, &eb);
    if (err)
        fail_msg("issue %s: %s", cn, ktpel_errbuf_message(&eb));
}

static void set(ktpel_resident *r, const char *field, const char *value)
{
    ktpel_errbuf eb;
    if (ktpel_resident_set_field(r, field, value, &eb) != KTPEL_OK)
        fail_msg("%s", ktpel_errbuf_message(&eb));
}

/* A small grey JPEG with some structure, so that it is a real image. */
static uint8_t *tiny_jpeg(int w, int h, int seed, size_t *len)
{
    ktpel_image img = {0};
    assert_int_equal(ktpel_image_alloc(&img, w, h, 1, 300, NULL), KTPEL_OK);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            img.data[y * w + x] = (uint8_t)((x * 7 + y * 13 + seed * 31) ^ (x * y));
    uint8_t *out = NULL;
    assert_int_equal(ktpel_image_encode(&img, KTPEL_IMAGE_FORMAT_JPEG, 50, &out, len, NULL),
                     KTPEL_OK);
    ktpel_image_free(&img);
    return out;
}

/* A template with n minutiae of varied quality. */
static ktpel_fp_template *make_template(int n, int seed)
{
    ktpel_minutia m[KTPEL_MAX_MINUTIAE];
    for (int i = 0; i < n; i++) {
        m[i] = (ktpel_minutia){0};
        m[i].x = (uint16_t)((i * 37 + seed * 11) % 300);
        m[i].y = (uint16_t)((i * 53 + seed * 7) % 400);
        m[i].angle = (uint8_t)(i * 29 + seed);
        m[i].type = (uint8_t)(1 + i % 2);
        m[i].quality = (uint8_t)(10 + (i * 17) % 91);
    }
    ktpel_fp_template *t = malloc(sizeof *t);
    assert_non_null(t);
    assert_int_equal(ktpel_fp_template_init(t, 300, 400, 500, m, n, NULL), KTPEL_OK);
    return t;
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    issue(KTPEL_PKI_ROLE_CSCA, "CSCA Indonesia test", NOW - 365 * DAY, NOW + 3650 * DAY, NULL, NULL,
          &f->csca, &f->csca_key);
    issue(KTPEL_PKI_ROLE_DOCUMENT_SIGNER, "DS 1", NOW - 10 * DAY, NOW + 1000 * DAY, f->csca,
          f->csca_key, &f->ds, &f->ds_key);
    issue(KTPEL_PKI_ROLE_CSCA, "CSCA elsewhere", NOW - 365 * DAY, NOW + 3650 * DAY, NULL, NULL,
          &f->other_csca, &f->other_csca_key);
    issue(KTPEL_PKI_ROLE_DOCUMENT_SIGNER, "DS elsewhere", NOW - 10 * DAY, NOW + 1000 * DAY,
          f->other_csca, f->other_csca_key, &f->other_ds, &f->other_ds_key);
    issue(KTPEL_PKI_ROLE_DOCUMENT_SIGNER, "DS expired", NOW - 400 * DAY, NOW - 30 * DAY, f->csca,
          f->csca_key, &f->expired_ds, &f->expired_ds_key);
    assert_int_equal(ktpel_pki_trust_new(&f->trust, NULL), KTPEL_OK);
    assert_int_equal(ktpel_pki_trust_add(f->trust, f->csca, NULL), KTPEL_OK);
    assert_int_equal(ktpel_pki_trust_new(&f->other_trust, NULL), KTPEL_OK);
    assert_int_equal(ktpel_pki_trust_add(f->other_trust, f->other_csca, NULL), KTPEL_OK);

    ktpel_resident *r = &f->resident;
    set(r, "provinsi", "SUMATERA BARAT");
    set(r, "kabupaten", "KABUPATEN DHARMASRAYA");
    set(r, "nik", "1310044104083704");
    set(r, "nama", "NURUL IZZAH BINTI OTHMAN");
    set(r, "tempat_lahir", "JOHOR BAHRU");
    set(r, "tanggal_lahir", "2008-04-01");
    set(r, "jenis_kelamin", "PEREMPUAN");
    set(r, "golongan_darah", "-");
    set(r, "alamat", "JL. SUTAN SYAHRIR KM. 24");
    set(r, "rt_rw", "008/006");
    set(r, "kel_desa", "SITIUNG");
    set(r, "kecamatan", "SITIUNG");
    set(r, "agama", "ISLAM");
    set(r, "status_perkawinan", "BELUM KAWIN");
    set(r, "pekerjaan", "KARYAWAN SWASTA");
    set(r, "kewarganegaraan", "WNA");
    set(r, "berlaku_hingga", "2030-04-01");

    f->face = tiny_jpeg(24, 32, 1, &f->face_len);
    f->signature = tiny_jpeg(32, 16, 2, &f->signature_len);
    f->right = make_template(70, 1);
    f->left = make_template(30, 2);
    f->in = (ktpel_chip_input){r,       "KAB. DHARMASRAYA", {2026, 11, 20},
                               f->face, f->face_len,        f->right,
                               f->left, f->signature,       f->signature_len};
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    ktpel_pki_cert *certs[] = {f->csca, f->ds, f->other_csca, f->other_ds, f->expired_ds};
    ktpel_pki_key *keys[] = {f->csca_key, f->ds_key, f->other_csca_key, f->other_ds_key,
                             f->expired_ds_key};
    for (size_t i = 0; i < 5; i++) {
        ktpel_pki_cert_free(certs[i]);
        ktpel_pki_key_free(keys[i]);
    }
    ktpel_pki_trust_free(f->trust);
    ktpel_pki_trust_free(f->other_trust);
    free(f->face);
    free(f->signature);
    free(f->right);
    free(f->left);
    free(f);
    return 0;
}

static uint8_t *write_chip(const fixture *f, const ktpel_pki_cert *cert, const ktpel_pki_key *key,
                           size_t *len)
{
    uint8_t *chip = NULL;
    ktpel_errbuf eb;
    ktpel_err err = ktpel_chip_write(&f->in, cert, key, NOW - DAY, &chip, len, &eb);
    if (err)
        fail_msg("chip write: %s", ktpel_errbuf_message(&eb));
    return chip;
}

static void test_round_trip(void **state)
{
    fixture *f = *state;
    size_t len = 0;
    uint8_t *chip = write_chip(f, f->ds, f->ds_key, &len);
    ktpel_chip_contents c;
    ktpel_chip_report rep;
    ktpel_errbuf eb;
    ktpel_err err = ktpel_chip_read(chip, len, f->trust, NOW, &c, &rep, &eb);
    if (err)
        fail_msg("%s", ktpel_errbuf_message(&eb));
    assert_int_equal(rep.verdict, KTPEL_CHIP_VALID);
    assert_memory_equal(&c.resident, &f->resident, sizeof c.resident);
    assert_string_equal(c.issue_place, "KAB. DHARMASRAYA");
    assert_int_equal(ktpel_date_cmp(c.issue_date, (ktpel_date){2026, 11, 20}), 0);
    assert_int_equal(c.face_len, f->face_len);
    assert_memory_equal(c.face_jpeg, f->face, f->face_len);
    assert_int_equal(c.signature_len, f->signature_len);
    assert_memory_equal(c.signature_jpeg, f->signature, f->signature_len);
    /* 70 minutiae reduced to the 48 best; 30 kept as they are. */
    assert_int_equal(c.right_index->views[0].count, KTPEL_CHIP_MINUTIAE_MAX);
    assert_int_equal(c.right_index->views[0].position, 2);
    assert_int_equal(c.left_index->views[0].count, 30);
    assert_int_equal(c.left_index->views[0].position, 7);
    assert_memory_equal(c.left_index->views[0].minutiae, f->left->views[0].minutiae,
                        30 * sizeof(ktpel_minutia));
    int min_kept = 101, max_dropped = -1;
    for (int i = 0; i < 70; i++) {
        const ktpel_minutia *m = &f->right->views[0].minutiae[i];
        bool kept = false;
        for (int k = 0; k < c.right_index->views[0].count; k++)
            kept |= memcmp(m, &c.right_index->views[0].minutiae[k], sizeof *m) == 0;
        if (kept && m->quality < min_kept)
            min_kept = m->quality;
        if (!kept && m->quality > max_dropped)
            max_dropped = m->quality;
    }
    assert_true(min_kept >= max_dropped);
    assert_true(strstr(rep.signer_subject, "DS 1") != NULL);
    assert_true(strstr(rep.signer_issuer, "CSCA Indonesia test") != NULL);
    for (int dg = 1; dg <= 7; dg++)
        if (dg <= 3 || dg == 7)
            assert_true(rep.dg_hash_ok[dg]);
    printf("chip: %zu bytes: EF.COM %zu, DG1 %zu, DG2 %zu (face JPEG %zu), DG3 %zu, DG7 %zu "
           "(signature JPEG %zu), EF.SOD %zu\n",
           len, rep.com_size, rep.dg_size[1], rep.dg_size[2], f->face_len, rep.dg_size[3],
           rep.dg_size[7], f->signature_len, rep.sod_size);
    assert_int_equal(rep.com_size + rep.dg_size[1] + rep.dg_size[2] + rep.dg_size[3] +
                         rep.dg_size[7] + rep.sod_size,
                     len);
    ktpel_chip_contents_free(&c);
    free(chip);
}

/* Which elementary file holds byte i, and whether i is in its tag/length header. */
static const char *part_of(const ktpel_chip_report *rep, size_t i, bool *header)
{
    static const char *const names[] = {"EF.COM", "DG1", "DG2", "DG3", "DG7", "EF.SOD"};
    size_t sizes[] = {rep->com_size,   rep->dg_size[1], rep->dg_size[2],
                      rep->dg_size[3], rep->dg_size[7], rep->sod_size};
    size_t start = 0;
    for (int k = 0; k < 6; k++) {
        if (i < start + sizes[k]) {
            size_t len_bytes = sizes[k] - 2 < 0x80 ? 1 : sizes[k] - 3 < 0x100 ? 2 : 3;
            *header = i < start + 1 + len_bytes;
            return names[k];
        }
        start += sizes[k];
    }
    return "?";
}

static void test_tamper_every_byte(void **state)
{
    fixture *f = *state;
    size_t len = 0;
    uint8_t *chip = write_chip(f, f->ds, f->ds_key, &len);
    ktpel_chip_report good;
    assert_int_equal(ktpel_chip_read(chip, len, f->trust, NOW, NULL, &good, NULL), KTPEL_OK);
    uint8_t *copy = malloc(len);
    assert_non_null(copy);
    int by_verdict[8] = {0};
    static const uint8_t masks[] = {0x01, 0xFF};
    for (size_t m = 0; m < sizeof masks; m++) {
        for (size_t i = 0; i < len; i++) {
            memcpy(copy, chip, len);
            copy[i] ^= masks[m];
            ktpel_chip_report rep;
            ktpel_errbuf eb;
            ktpel_err err = ktpel_chip_read(copy, len, f->trust, NOW, NULL, &rep, &eb);
            if (err == KTPEL_OK)
                fail_msg("byte %zu ^ 0x%02x: not detected", i, masks[m]);
            assert_int_not_equal(rep.verdict, KTPEL_CHIP_VALID);
            assert_true(rep.part[0] != '\0');
            assert_true(strstr(rep.message, rep.part) == rep.message);
            bool header = false;
            const char *part = part_of(&good, i, &header);
            if (strncmp(part, "DG", 2) == 0 && !header) {
                /* Inside a data group: the EF.SOD still verifies and names the group. */
                if (rep.verdict != KTPEL_CHIP_HASH_MISMATCH || strcmp(rep.part, part) != 0)
                    fail_msg("byte %zu in %s: %s", i, part, rep.message);
            } else if (strcmp(part, "EF.SOD") == 0 && !header) {
                if (strcmp(rep.part, "EF.SOD") != 0 && strcmp(rep.part, "DS certificate") != 0)
                    fail_msg("byte %zu in EF.SOD: %s", i, rep.message);
            } else if (strcmp(part, "EF.COM") == 0 && !header) {
                if (strcmp(rep.part, "EF.COM") != 0)
                    fail_msg("byte %zu in EF.COM: %s", i, rep.message);
            }
            by_verdict[rep.verdict]++;
        }
    }
    printf("tamper: %zu bytes x 2 masks: malformed %d, too big %d, unknown signer %d, expired %d, "
           "bad signature %d, hash mismatch %d\n",
           len, by_verdict[KTPEL_CHIP_MALFORMED], by_verdict[KTPEL_CHIP_TOO_BIG],
           by_verdict[KTPEL_CHIP_UNKNOWN_SIGNER], by_verdict[KTPEL_CHIP_EXPIRED],
           by_verdict[KTPEL_CHIP_BAD_SIGNATURE], by_verdict[KTPEL_CHIP_HASH_MISMATCH]);
    free(copy);
    free(chip);
}

static void expect_failure(const fixture *f, const uint8_t *chip, size_t len,
                           const ktpel_pki_trust *trust, int64_t at, ktpel_chip_verdict verdict,
                           const char *part, ktpel_err code)
{
    ktpel_chip_contents c;
    ktpel_chip_report rep;
    ktpel_errbuf eb;
    (void)f;
    ktpel_err err = ktpel_chip_read(chip, len, trust, at, &c, &rep, &eb);
    if (err != code || rep.verdict != verdict || strcmp(rep.part, part) != 0)
        fail_msg("expected %s in %s (error %d), got error %d: %s", ktpel_chip_verdict_name(verdict),
                 part, code, err, rep.message);
    assert_null(c.face_jpeg);
    assert_null(c.right_index);
}

static void test_wrong_csca(void **state)
{
    fixture *f = *state;
    size_t len = 0;
    uint8_t *chip = write_chip(f, f->ds, f->ds_key, &len);
    expect_failure(f, chip, len, f->other_trust, NOW, KTPEL_CHIP_UNKNOWN_SIGNER, "DS certificate",
                   KTPEL_EUNTRUSTED);
    free(chip);
    /* Signed by another country's document signer: unknown here. */
    chip = write_chip(f, f->other_ds, f->other_ds_key, &len);
    expect_failure(f, chip, len, f->trust, NOW, KTPEL_CHIP_UNKNOWN_SIGNER, "DS certificate",
                   KTPEL_EUNTRUSTED);
    free(chip);
    /* Signed by the CSCA itself: trusted, but not a document signer. */
    chip = write_chip(f, f->csca, f->csca_key, &len);
    expect_failure(f, chip, len, f->trust, NOW, KTPEL_CHIP_UNKNOWN_SIGNER, "DS certificate",
                   KTPEL_EUNTRUSTED);
    free(chip);
}

static void test_expired(void **state)
{
    fixture *f = *state;
    size_t len = 0;
    uint8_t *chip = write_chip(f, f->expired_ds, f->expired_ds_key, &len);
    expect_failure(f, chip, len, f->trust, NOW, KTPEL_CHIP_EXPIRED, "DS certificate",
                   KTPEL_EEXPIRED);
    /* The same chip checked while its signer was valid passes. */
    assert_int_equal(ktpel_chip_read(chip, len, f->trust, NOW - 100 * DAY, NULL, NULL, NULL),
                     KTPEL_OK);
    free(chip);
    /* A good signer checked after its end. */
    chip = write_chip(f, f->ds, f->ds_key, &len);
    expect_failure(f, chip, len, f->trust, NOW + 2000 * DAY, KTPEL_CHIP_EXPIRED, "DS certificate",
                   KTPEL_EEXPIRED);
    free(chip);
}

static void test_size_limits(void **state)
{
    fixture *f = *state;
    ktpel_errbuf eb;
    uint8_t *chip = NULL;
    size_t len = 0;
    /* A face JPEG above the DG2 limit is refused on writing. */
    size_t big_len = 0;
    uint8_t *big = tiny_jpeg(400, 400, 3, &big_len);
    assert_true(big_len > KTPEL_CHIP_DG2_MAX);
    ktpel_chip_input in = f->in;
    in.face_jpeg = big;
    in.face_len = big_len;
    assert_int_equal(ktpel_chip_write(&in, f->ds, f->ds_key, NOW, &chip, &len, &eb), KTPEL_ETOOBIG);
    assert_non_null(strstr(eb.message, "DG2"));
    assert_null(chip);
    free(big);

    /* On reading: a file above the limit, and a data group whose length is above its own. */
    uint8_t *huge = calloc(1, KTPEL_CHIP_FILE_MAX + 1);
    assert_non_null(huge);
    expect_failure(f, huge, KTPEL_CHIP_FILE_MAX + 1, f->trust, NOW, KTPEL_CHIP_TOO_BIG, "file",
                   KTPEL_ETOOBIG);
    free(huge);
    chip = write_chip(f, f->ds, f->ds_key, &len);
    ktpel_chip_report rep;
    assert_int_equal(ktpel_chip_read(chip, len, f->trust, NOW, NULL, &rep, NULL), KTPEL_OK);
    /* Build EF.COM + a DG1 that claims 3000 bytes (and has them). */
    size_t fake_len = rep.com_size + 4 + 3000;
    uint8_t *fake = calloc(1, fake_len);
    assert_non_null(fake);
    memcpy(fake, chip, rep.com_size);
    uint8_t *p = fake + rep.com_size;
    p[0] = 0x61;
    p[1] = 0x82;
    p[2] = 3000 >> 8;
    p[3] = 3000 & 0xff;
    expect_failure(f, fake, fake_len, f->trust, NOW, KTPEL_CHIP_TOO_BIG, "DG1", KTPEL_ETOOBIG);
    free(fake);
    free(chip);
}

static void test_malformed(void **state)
{
    fixture *f = *state;
    size_t len = 0;
    uint8_t *chip = write_chip(f, f->ds, f->ds_key, &len);
    /* Every truncation fails cleanly and names a part. */
    for (size_t n = 0; n < len; n++) {
        ktpel_chip_report rep;
        assert_int_not_equal(ktpel_chip_read(chip, n, f->trust, NOW, NULL, &rep, NULL), KTPEL_OK);
        assert_int_not_equal(rep.verdict, KTPEL_CHIP_VALID);
        assert_true(rep.part[0] != '\0');
    }
    /* Trailing bytes. */
    uint8_t *longer = malloc(len + 2);
    assert_non_null(longer);
    memcpy(longer, chip, len);
    longer[len] = 0x90;
    longer[len + 1] = 0x00;
    expect_failure(f, longer, len + 2, f->trust, NOW, KTPEL_CHIP_MALFORMED, "file", KTPEL_EFORMAT);
    free(longer);
    /* Not a chip at all; an indefinite length; a non-minimal length. */
    static const uint8_t junk[] = "FMR\0 20\0 this is not a chip";
    expect_failure(f, junk, sizeof junk, f->trust, NOW, KTPEL_CHIP_MALFORMED, "EF.COM",
                   KTPEL_EFORMAT);
    static const uint8_t indefinite[] = {0x60, 0x80, 0x00, 0x00};
    expect_failure(f, indefinite, sizeof indefinite, f->trust, NOW, KTPEL_CHIP_MALFORMED, "EF.COM",
                   KTPEL_EFORMAT);
    static const uint8_t long_form[] = {0x60, 0x81, 0x05, 1, 2, 3, 4, 5};
    expect_failure(f, long_form, sizeof long_form, f->trust, NOW, KTPEL_CHIP_MALFORMED, "EF.COM",
                   KTPEL_EFORMAT);
    /* NULL arguments. */
    assert_int_equal(ktpel_chip_read(NULL, 0, f->trust, NOW, NULL, NULL, NULL), KTPEL_EINVAL);
    assert_int_equal(ktpel_chip_read(chip, len, NULL, NOW, NULL, NULL, NULL), KTPEL_EINVAL);
    free(chip);
}

static void test_bad_input_on_writing(void **state)
{
    fixture *f = *state;
    ktpel_errbuf eb;
    uint8_t *chip = NULL;
    size_t len = 0;
    ktpel_chip_input in = f->in;
    in.issue_place = "KAB. 7";
    assert_int_equal(ktpel_chip_write(&in, f->ds, f->ds_key, NOW, &chip, &len, &eb), KTPEL_EFIELD);
    assert_non_null(strstr(eb.message, "place of issue"));
    in = f->in;
    static const uint8_t not_jpeg[] = {0x89, 'P', 'N', 'G', 0, 0, 0, 0};
    in.signature_jpeg = not_jpeg;
    in.signature_len = sizeof not_jpeg;
    assert_int_not_equal(ktpel_chip_write(&in, f->ds, f->ds_key, NOW, &chip, &len, &eb), KTPEL_OK);
    assert_non_null(strstr(eb.message, "DG7"));
    in = f->in;
    ktpel_resident r = f->resident;
    strcpy(r.nama, "NAMA 123");
    in.resident = &r;
    assert_int_equal(ktpel_chip_write(&in, f->ds, f->ds_key, NOW, &chip, &len, &eb), KTPEL_EFIELD);
    assert_non_null(strstr(eb.message, "nama"));
    /* A key that is not the certificate's. */
    assert_int_not_equal(ktpel_chip_write(&f->in, f->ds, f->other_ds_key, NOW, &chip, &len, &eb),
                         KTPEL_OK);
    assert_null(chip);
}

static void test_decode_unverified(void **state)
{
    fixture *f = *state;
    size_t len = 0;
    uint8_t *chip = write_chip(f, f->ds, f->ds_key, &len);
    ktpel_chip_report rep;
    assert_int_equal(ktpel_chip_read(chip, len, f->trust, NOW, NULL, &rep, NULL), KTPEL_OK);
    /* A byte of the signature JPEG changed: reading refuses it, decoding shows what it holds. */
    size_t in_dg7 = rep.com_size + rep.dg_size[1] + rep.dg_size[2] + rep.dg_size[3] + 20;
    chip[in_dg7] ^= 0x10;
    assert_int_equal(ktpel_chip_read(chip, len, f->trust, NOW, NULL, &rep, NULL), KTPEL_ETAMPERED);
    assert_string_equal(rep.part, "DG7");
    assert_false(rep.dg_hash_ok[7]);
    assert_true(rep.dg_hash_ok[2]);
    ktpel_chip_contents c;
    assert_int_equal(ktpel_chip_decode_unverified(chip, len, &c, &rep, NULL), KTPEL_OK);
    assert_string_equal(c.resident.nik, f->resident.nik);
    assert_non_null(strstr(rep.message, "WITHOUT verification"));
    ktpel_chip_contents_free(&c);
    /* Structure is still checked. */
    assert_int_equal(ktpel_chip_decode_unverified(chip, len - 1, &c, &rep, NULL), KTPEL_ETRUNCATED);
    assert_string_equal(rep.part, "EF.SOD");
    free(chip);
}

static void test_reduce_minutiae(void **state)
{
    (void)state;
    ktpel_fp_template *t = make_template(100, 5);
    ktpel_chip_reduce_minutiae(t, 10);
    assert_int_equal(t->views[0].count, 10);
    for (int i = 0; i < 10; i++)
        assert_true(t->views[0].minutiae[i].quality >= 90);
    free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),           cmocka_unit_test(test_tamper_every_byte),
        cmocka_unit_test(test_wrong_csca),           cmocka_unit_test(test_expired),
        cmocka_unit_test(test_size_limits),          cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_bad_input_on_writing), cmocka_unit_test(test_reduce_minutiae),
        cmocka_unit_test(test_decode_unverified),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
