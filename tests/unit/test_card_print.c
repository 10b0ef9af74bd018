/* The card print (personalize/card_print.c): a card with the longest allowed fields stays
 * within the card and every text within its box; PNG size and resolution; PDF page size. */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ktpel/card_print.h"
#include "ktpel/image.h"

typedef struct fixture {
    ktpel_image photo, signature;
    char *dir;
} fixture;

static void set(ktpel_resident *r, const char *field, const char *value)
{
    ktpel_errbuf eb;
    if (ktpel_resident_set_field(r, field, value, &eb) != KTPEL_OK)
        fail_msg("%s", ktpel_errbuf_message(&eb));
}

/* n characters: words of `word` letters (the widest capitals) separated by single spaces,
 * starting with an accented capital so that ink above the cap height is measured too. */
static void long_text(char *buf, size_t n, int word, const char *first)
{
    size_t len = 0, chars = 0;
    len += (size_t)sprintf(buf, "%s", first);
    chars++;
    while (chars < n) {
        bool space = chars % (size_t)(word + 1) == (size_t)word && chars + 1 < n;
        buf[len++] = space ? ' ' : (chars % 3 ? 'W' : 'M');
        chars++;
    }
    buf[len] = '\0';
}

/* Every field at its limit of characters (resident.h), with wide letters. */
static void longest_resident(ktpel_resident *r)
{
    char t[512];
    memset(r, 0, sizeof *r);
    long_text(t, KTPEL_PROVINSI_MAX, 12, "W");
    set(r, "provinsi", t);
    long_text(t, KTPEL_KABUPATEN_MAX, 12, "W");
    set(r, "kabupaten", t);
    set(r, "nik", "1310044104083704");
    long_text(t, KTPEL_NAMA_MAX, 9, "\xC5\xB4"); /* U+0174 W with circumflex */
    set(r, "nama", t);
    long_text(t, KTPEL_TEMPAT_LAHIR_MAX, 12, "\xC3\x82"); /* U+00C2 */
    set(r, "tempat_lahir", t);
    set(r, "tanggal_lahir", "28-02-1988");
    set(r, "jenis_kelamin", "PEREMPUAN");
    set(r, "golongan_darah", "AB+");
    long_text(t, KTPEL_ALAMAT_MAX, 9, "W");
    set(r, "alamat", t);
    set(r, "rt_rw", "888/888");
    long_text(t, KTPEL_KEL_DESA_MAX, 12, "W");
    set(r, "kel_desa", t);
    long_text(t, KTPEL_KECAMATAN_MAX, 12, "W");
    set(r, "kecamatan", t);
    set(r, "agama", "KEPERCAYAAN TERHADAP TUHAN YME");
    set(r, "status_perkawinan", "BELUM KAWIN");
    long_text(t, KTPEL_PEKERJAAN_MAX, 12, "W");
    set(r, "pekerjaan", t);
    set(r, "kewarganegaraan", "WNI");
    set(r, "berlaku_hingga", "SEUMUR HIDUP");
}

/* The long but ordinary record: what a real long name and address look like. */
static void ordinary_long_resident(ktpel_resident *r)
{
    memset(r, 0, sizeof *r);
    set(r, "provinsi", "KEPULAUAN BANGKA BELITUNG");
    set(r, "kabupaten", "KABUPATEN BANGKA BARAT");
    set(r, "nik", "1310044104083704");
    set(r, "nama", "RADEN MAS MUHAMMAD ABDURRAHMAN WAHYU KUSUMANINGRAT SUTOMO");
    set(r, "tempat_lahir", "PANGKAL PINANG");
    set(r, "tanggal_lahir", "01-04-2008");
    set(r, "jenis_kelamin", "LAKI-LAKI");
    set(r, "golongan_darah", "O");
    set(r, "alamat",
        "JL. JENDERAL SUDIRMAN GG. MAWAR NO. 123 BLOK C/45, KOMPLEKS PERUMAHAN "
        "GRIYA ASRI (BELAKANG PASAR)");
    set(r, "rt_rw", "012/004");
    set(r, "kel_desa", "SUNGAI DAENG");
    set(r, "kecamatan", "MUNTOK");
    set(r, "agama", "ISLAM");
    set(r, "status_perkawinan", "CERAI HIDUP");
    set(r, "pekerjaan", "PELAJAR/MAHASISWA");
    set(r, "kewarganegaraan", "WNI");
    set(r, "berlaku_hingga", "SEUMUR HIDUP");
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    const char *fixtures = getenv("KTPEL_FIXTURES");
    char path[4096];
    snprintf(path, sizeof path, "%s/population/E000001/face_1.jpg",
             fixtures ? fixtures : "fixtures");
    ktpel_errbuf eb;
    if (ktpel_image_read(path, KTPEL_IMAGE_RGB, 0, &f->photo, &eb) != KTPEL_OK)
        fail_msg("%s", ktpel_errbuf_message(&eb));
    snprintf(path, sizeof path, "%s/population/E000001/signature_1.png",
             fixtures ? fixtures : "fixtures");
    if (ktpel_image_read(path, KTPEL_IMAGE_GREY, 0, &f->signature, &eb) != KTPEL_OK)
        fail_msg("%s", ktpel_errbuf_message(&eb));
    f->dir = ktpel_test_tmpdir();
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    ktpel_image_free(&f->photo);
    ktpel_image_free(&f->signature);
    ktpel_test_rmtree(f->dir);
    free(f->dir);
    free(f);
    ktpel_card_print_release_caches();
    return 0;
}

static bool inside(ktpel_card_rect in, ktpel_card_rect out)
{
    const double eps = 1e-6;
    return in.x >= out.x - eps && in.y >= out.y - eps && in.x + in.w <= out.x + out.w + eps &&
           in.y + in.h <= out.y + out.h + eps;
}

static bool overlaps(const ktpel_card_rect *a, const ktpel_card_rect *b)
{
    return a->x + 1e-6 < b->x + b->w && b->x + 1e-6 < a->x + a->w && a->y + 1e-6 < b->y + b->h &&
           b->y + 1e-6 < a->y + a->h;
}

/* Every text inside its box, every box inside the card; no two boxes overlap. */
static void check_report(const ktpel_card_report *rep, bool print)
{
    const ktpel_card_rect card = {0, 0, KTPEL_CARD_WIDTH_MM, KTPEL_CARD_HEIGHT_MM};
    assert_true(rep->count >= 40);
    for (size_t i = 0; i < rep->count; i++) {
        const ktpel_card_text *t = &rep->texts[i];
        if (!inside(t->box, card))
            fail_msg("%s: box outside the card", t->name);
        if (t->ink.w <= 0)
            fail_msg("%s: nothing drawn", t->name);
        if (!inside(t->ink, t->box))
            fail_msg("%s: ink %.2f,%.2f %.2fx%.2f mm outside its box %.2f,%.2f %.2fx%.2f", t->name,
                     t->ink.x, t->ink.y, t->ink.w, t->ink.h, t->box.x, t->box.y, t->box.w,
                     t->box.h);
        assert_true(t->size_pt >= 3.5 - 1e-9 && t->size_pt <= t->nominal_pt + 1e-9);
        for (size_t k = i + 1; k < rep->count; k++)
            if (overlaps(&t->box, &rep->texts[k].box))
                fail_msg("boxes of %s and %s overlap", t->name, rep->texts[k].name);
        if (overlaps(&t->box, &rep->photo) || overlaps(&t->box, &rep->signature))
            fail_msg("%s: box overlaps the photo or the signature", t->name);
        if (print && (t->shrunk || t->wrapped || t->ellipsized))
            printf("  %-22s %.2f pt (nominal %.2f), %d line(s)%s\n", t->name, t->size_pt,
                   t->nominal_pt, t->lines, t->ellipsized ? ", ellipsized" : "");
    }
    assert_true(inside(rep->photo, card));
    assert_true(inside(rep->signature, card));
}

static const ktpel_card_text *find(const ktpel_card_report *rep, const char *name)
{
    for (size_t i = 0; i < rep->count; i++)
        if (strcmp(rep->texts[i].name, name) == 0)
            return &rep->texts[i];
    fail_msg("no text %s on the card", name);
    return NULL;
}

/* No dark pixel within 1 mm of the card's edge: nothing spills off the card. */
static void check_edges(const ktpel_image *img)
{
    int margin = (int)(1.0 / 25.4 * img->dpi);
    for (int y = 0; y < img->height; y++)
        for (int x = 0; x < img->width; x++) {
            if (x >= margin && x < img->width - margin && y >= margin && y < img->height - margin)
                continue;
            const uint8_t *p = img->data + ((size_t)y * (size_t)img->width + (size_t)x) * 3;
            int luma = (299 * p[0] + 587 * p[1] + 114 * p[2]) / 1000;
            if (luma < 120)
                fail_msg("dark pixel (%d) at %d,%d near the card's edge", luma, x, y);
        }
}

static void test_longest_fields(void **state)
{
    fixture *f = *state;
    ktpel_resident r;
    longest_resident(&r);
    char place[256];
    long_text(place, KTPEL_CARD_ISSUE_PLACE_MAX, 12, "W");
    ktpel_card_input in = {&r, place, {2026, 11, 21}, &f->photo, &f->signature};
    ktpel_card_report *rep = calloc(1, sizeof *rep);
    ktpel_image img = {0};
    ktpel_errbuf eb;
    if (ktpel_card_render(&in, KTPEL_CARD_DPI, &img, rep, &eb) != KTPEL_OK)
        fail_msg("%s", ktpel_errbuf_message(&eb));
    assert_int_equal(img.width, 1011);
    assert_int_equal(img.height, 638);
    assert_int_equal(img.dpi, 300);
    printf("longest fields: %d texts shrunk, %d wrapped, %d ellipsized\n", rep->shrunk,
           rep->wrapped, rep->ellipsized);
    check_report(rep, true);
    check_edges(&img);
    /* The long name and address had to give: wrapped onto more lines. */
    assert_true(find(rep, "nama")->wrapped);
    assert_true(find(rep, "alamat")->wrapped);
    assert_true(find(rep, "header provinsi")->shrunk);
    /* Written out for a person to look at. */
    char path[4200];
    snprintf(path, sizeof path, "%s/longest.png", f->dir);
    assert_int_equal(ktpel_card_write_png(&in, path, NULL, &eb), KTPEL_OK);
    const char *keep = getenv("KTPEL_CARD_KEEP");
    if (keep)
        ktpel_image_write(keep, &img, 0, NULL);
    ktpel_image_free(&img);
    free(rep);
}

static void test_ordinary_long_record_fits_without_cuts(void **state)
{
    fixture *f = *state;
    ktpel_resident r;
    ordinary_long_resident(&r);
    ktpel_card_input in = {&r, "BANGKA BARAT", {2026, 11, 21}, &f->photo, &f->signature};
    ktpel_card_report *rep = calloc(1, sizeof *rep);
    ktpel_image img = {0};
    assert_int_equal(ktpel_card_render(&in, 150, &img, rep, NULL), KTPEL_OK);
    assert_int_equal(img.width, 506);
    assert_int_equal(img.height, 319);
    check_report(rep, false);
    assert_int_equal(rep->ellipsized, 0);
    assert_false(find(rep, "nik")->shrunk);
    assert_false(find(rep, "agama")->shrunk);
    const char *keep = getenv("KTPEL_CARD_KEEP_ORDINARY");
    if (keep) {
        ktpel_image_free(&img);
        assert_int_equal(ktpel_card_render(&in, 300, &img, NULL, NULL), KTPEL_OK);
        ktpel_image_write(keep, &img, 0, NULL);
    }
    ktpel_image_free(&img);
    free(rep);
}

static void test_png_and_pdf_files(void **state)
{
    fixture *f = *state;
    ktpel_resident r;
    ordinary_long_resident(&r);
    ktpel_card_input in = {&r, "BANGKA BARAT", {2026, 11, 21}, &f->photo, &f->signature};
    char png[4200], pdf[4200];
    snprintf(png, sizeof png, "%s/card.png", f->dir);
    snprintf(pdf, sizeof pdf, "%s/card.pdf", f->dir);
    ktpel_errbuf eb;
    if (ktpel_card_write_png(&in, png, NULL, &eb) || ktpel_card_write_pdf(&in, pdf, NULL, &eb))
        fail_msg("%s", ktpel_errbuf_message(&eb));
    /* The PNG carries its resolution (pHYs). */
    size_t len = 0;
    uint8_t *data = ktpel_test_read_file(png, &len);
    assert_non_null(data);
    assert_int_equal(ktpel_image_sniff(data, len), KTPEL_IMAGE_FORMAT_PNG);
    int dpi = 0;
    assert_int_equal(ktpel_image_probe_dpi(data, len, &dpi, NULL), KTPEL_OK);
    assert_int_equal(dpi, 300);
    free(data);
    ktpel_image img = {0};
    assert_int_equal(ktpel_image_read(png, KTPEL_IMAGE_RGB, 0, &img, NULL), KTPEL_OK);
    assert_int_equal(img.width, 1011);
    assert_int_equal(img.height, 638);
    ktpel_image_free(&img);
    /* The PDF page is the card: 85.60 x 53.98 mm = 242.65 x 153.01 pt. */
    data = ktpel_test_read_file(pdf, &len);
    assert_non_null(data);
    assert_true(len > 1000 && memcmp(data, "%PDF-", 5) == 0);
    char *text = calloc(1, len + 1);
    memcpy(text, data, len);
    for (size_t i = 0; i < len; i++)
        if (!text[i])
            text[i] = ' ';
    const char *box = strstr(text, "/MediaBox");
    assert_non_null(box);
    double x0, y0, x1, y1;
    assert_int_equal(sscanf(box, "/MediaBox [ %lf %lf %lf %lf", &x0, &y0, &x1, &y1), 4);
    printf("PDF MediaBox %.4f x %.4f pt\n", x1 - x0, y1 - y0);
    assert_true(fabs((x1 - x0) - 85.60 / 25.4 * 72) < 0.01);
    assert_true(fabs((y1 - y0) - 53.98 / 25.4 * 72) < 0.01);
    free(text);
    free(data);
}

static void test_bad_input(void **state)
{
    fixture *f = *state;
    ktpel_resident r;
    ordinary_long_resident(&r);
    ktpel_image img = {0};
    ktpel_errbuf eb;
    ktpel_card_input in = {&r, "BANGKA BARAT", {2026, 11, 21}, &f->photo, &f->signature};
    in.photo = NULL;
    assert_int_equal(ktpel_card_render(&in, 300, &img, NULL, &eb), KTPEL_EINVAL);
    in.photo = &f->photo;
    in.issue_place = "BANGKA  BARAT"; /* two spaces */
    assert_int_equal(ktpel_card_render(&in, 300, &img, NULL, &eb), KTPEL_EFIELD);
    assert_non_null(strstr(eb.message, "place of issue"));
    in.issue_place = "BANGKA BARAT";
    strcpy(r.nama, "NAMA 9");
    assert_int_equal(ktpel_card_render(&in, 300, &img, NULL, &eb), KTPEL_EFIELD);
    assert_non_null(strstr(eb.message, "nama"));
    ordinary_long_resident(&r);
    assert_int_equal(ktpel_card_render(&in, 20, &img, NULL, &eb), KTPEL_EINVAL);
    assert_null(img.data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_longest_fields),
        cmocka_unit_test(test_ordinary_long_record_fits_without_cuts),
        cmocka_unit_test(test_png_and_pdf_files),
        cmocka_unit_test(test_bad_input),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
