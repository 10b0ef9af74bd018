/* `ktpel report dedup`: static HTML pages for adjudication (include/ktpel/report.h). */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ktpel/adjudicate.h"
#include "ktpel/application.h"
#include "ktpel/file.h"
#include "ktpel/fp_pairs.h"
#include "ktpel/fp_template.h"
#include "ktpel/image.h"
#include "ktpel/imgproc.h"
#include "ktpel/report.h"

#include "report_html.h"
#include "store_internal.h"

/* Drawings are shown at this share of the templates' pixel size. */
#define DRAW_SCALE 0.5
#define DRAW_GAP   24
#define REPORT_PI  3.14159265358979323846

/* ---- text buffer (report_html.h) ------------------------------------------------------------- */

void sb_put(sbuf *b, const char *s, size_t len)
{
    if (b->failed)
        return;
    if (b->n + len + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->n + len + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->failed = true;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, len);
    b->n += len;
    b->p[b->n] = '\0';
}

void sb_printf(sbuf *b, const char *fmt, ...)
{
    char small[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->failed = true;
        return;
    }
    if ((size_t)n < sizeof small) {
        sb_put(b, small, (size_t)n);
        return;
    }
    char *big = malloc((size_t)n + 1);
    if (!big) {
        b->failed = true;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sb_put(b, big, (size_t)n);
    free(big);
}

static const char *html_entity(char c)
{
    switch (c) {
    case '&':
        return "&amp;";
    case '<':
        return "&lt;";
    case '>':
        return "&gt;";
    case '"':
        return "&quot;";
    case '\'':
        return "&#39;";
    default:
        return NULL;
    }
}

size_t ktpel_html_escape(const char *text, char *out, size_t size)
{
    size_t n = 0;
    for (const char *s = text ? text : ""; *s; s++) {
        const char *e = html_entity(*s);
        size_t len = e ? strlen(e) : 1;
        if (out && n + len < size)
            memcpy(out + n, e ? e : s, len);
        else if (out && size > 0 && n < size)
            size = n + 1; /* stop writing at the first piece that does not fit */
        n += len;
    }
    if (out && size > 0)
        out[n < size ? n : size - 1] = '\0';
    return n;
}

/* Appends text HTML-escaped. */
void sb_esc(sbuf *b, const char *text)
{
    for (const char *s = text; *s;) {
        size_t run = 0;
        while (s[run] && !html_entity(s[run]))
            run++;
        sb_put(b, s, run);
        s += run;
        if (*s) {
            const char *e = html_entity(*s++);
            sb_put(b, e, strlen(e));
        }
    }
}

void sb_base64(sbuf *b, const uint8_t *data, size_t len)
{
    static const char digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)data[i] << 16;
        if (i + 1 < len)
            v |= (uint32_t)data[i + 1] << 8;
        if (i + 2 < len)
            v |= data[i + 2];
        char q[4] = {digits[v >> 18], digits[(v >> 12) & 63],
                     i + 1 < len ? digits[(v >> 6) & 63] : '=', i + 2 < len ? digits[v & 63] : '='};
        sb_put(b, q, 4);
    }
}

/* ---- one resident -------------------------------------------------------------------------- */

typedef struct person {
    char nik[KTPEL_NIK_LEN + 1];
    ktpel_application *app; /* NULL when the record could not be read */
    char record_error[512];
    bool has_status;
    ktpel_status status;
    ktpel_fp_template *tmpl; /* capture 1; NULL when none is stored */
    ktpel_fp_compact *finger[DC_FINGERS + 1];
    int view[DC_FINGERS + 1]; /* view index of each position, -1 when absent */
    /* Stored images (capture 1, as ingested); NULL when none. */
    uint8_t *face;
    size_t face_len;
    uint8_t *print[DC_FINGERS + 1];
    size_t print_len[DC_FINGERS + 1];
} person;

static void person_free(person *p)
{
    free(p->app);
    free(p->tmpl);
    for (int i = 0; i <= DC_FINGERS; i++) {
        ktpel_fp_compact_free(p->finger[i]);
        free(p->print[i]);
    }
    free(p->face);
    memset(p, 0, sizeof *p);
}

/* The capture-1 ISO record of nik (copied out of the map), parsed. */
static ktpel_err read_template(ktpel_store *s, const char *nik, ktpel_fp_template *t,
                               ktpel_errbuf *eb)
{
    MDB_txn *txn;
    ktpel_err err = dc_txn_begin(s, false, &txn, eb);
    if (err)
        return err;
    uint8_t key[KTPEL_NIK_LEN + 1];
    memcpy(key, nik, KTPEL_NIK_LEN);
    key[KTPEL_NIK_LEN] = 1;
    MDB_val k = {sizeof key, key}, v;
    int rc = mdb_get(txn, s->fp_iso, &k, &v);
    if (rc)
        err = rc == MDB_NOTFOUND ? ktpel_fail(eb, KTPEL_ENOTFOUND, "NIK %s: no fingerprints", nik)
                                 : dc_mdb_fail(eb, rc, "read fingerprint record");
    else
        err = ktpel_iso19794_2_read(v.mv_data, v.mv_size, t, eb);
    mdb_txn_abort(txn);
    return err;
}

static void load_fingers(ktpel_store *s, person *p)
{
    for (int i = 0; i <= DC_FINGERS; i++)
        p->view[i] = -1;
    ktpel_errbuf eb;
    p->tmpl = malloc(sizeof *p->tmpl);
    if (!p->tmpl || read_template(s, p->nik, p->tmpl, &eb)) {
        free(p->tmpl);
        p->tmpl = NULL;
        return;
    }
    for (int v = 0; v < p->tmpl->view_count; v++) {
        int pos = p->tmpl->views[v].position;
        if (pos < 1 || pos > DC_FINGERS || p->view[pos] >= 0)
            continue;
        if (ktpel_fp_compact_from_template(p->tmpl, v, &p->finger[pos], &eb) == KTPEL_OK)
            p->view[pos] = v;
    }
}

/* Loads what the report shows of a resident; what is missing is shown as missing. */
static ktpel_err person_load(ktpel_store *s, const char *nik, person *p, ktpel_errbuf *eb)
{
    memset(p, 0, sizeof *p);
    memcpy(p->nik, nik, KTPEL_NIK_LEN);
    char *text = NULL;
    size_t len = 0;
    ktpel_errbuf rb;
    ktpel_errbuf_clear(&rb);
    if (ktpel_store_resident_record(s, nik, &text, &len, &rb) == KTPEL_OK) {
        p->app = malloc(sizeof *p->app);
        if (!p->app) {
            free(text);
            return ktpel_fail(eb, KTPEL_ENOMEM, "report: out of memory");
        }
        if (ktpel_application_parse(text, len, nik, p->app, &rb)) {
            free(p->app);
            p->app = NULL;
        }
    }
    if (!p->app)
        snprintf(p->record_error, sizeof p->record_error, "%s", ktpel_errbuf_message(&rb));
    free(text);
    ktpel_status_history h;
    ktpel_status_history_init(&h);
    if (ktpel_store_status_get(s, nik, &h, NULL) == KTPEL_OK)
        p->has_status = ktpel_status_history_current(&h, &p->status);
    ktpel_status_history_free(&h);
    load_fingers(s, p);
    /* Images are optional (templates-only enrolments have none). */
    ktpel_store_image_get(s, nik, KTPEL_STORE_IMAGE_FACE, 0, 1, &p->face, &p->face_len, NULL);
    for (int pos = 1; pos <= DC_FINGERS; pos++)
        ktpel_store_image_get(s, nik, KTPEL_STORE_IMAGE_FINGER, pos, 1, &p->print[pos],
                              &p->print_len[pos], NULL);
    return KTPEL_OK;
}

/* ---- demographics -------------------------------------------------------------------------- */

#define FIELD_ROWS 15

static const char *const field_labels[FIELD_ROWS] = {
    "Nama",  "Tempat/Tgl Lahir",  "Jenis Kelamin", "Gol. Darah",      "Alamat",
    "RT/RW", "Kel/Desa",          "Kecamatan",     "Kabupaten/Kota",  "Provinsi",
    "Agama", "Status Perkawinan", "Pekerjaan",     "Kewarganegaraan", "Berlaku Hingga",
};

static void field_text(const ktpel_resident *r, int row, char *buf, size_t size)
{
    char date[16];
    switch (row) {
    case 0:
        snprintf(buf, size, "%s", r->nama);
        break;
    case 1:
        snprintf(buf, size, "%s, %s", r->tempat_lahir,
                 ktpel_date_format_card(r->tanggal_lahir, date, sizeof date));
        break;
    case 2:
        snprintf(buf, size, "%s", ktpel_sex_name(r->jenis_kelamin));
        break;
    case 3:
        snprintf(buf, size, "%s", r->golongan_darah);
        break;
    case 4:
        snprintf(buf, size, "%s", r->alamat);
        break;
    case 5:
        snprintf(buf, size, "%s/%s", r->rt, r->rw);
        break;
    case 6:
        snprintf(buf, size, "%s", r->kel_desa);
        break;
    case 7:
        snprintf(buf, size, "%s", r->kecamatan);
        break;
    case 8:
        snprintf(buf, size, "%s", r->kabupaten);
        break;
    case 9:
        snprintf(buf, size, "%s", r->provinsi);
        break;
    case 10:
        snprintf(buf, size, "%s", ktpel_religion_name(r->agama));
        break;
    case 11:
        snprintf(buf, size, "%s", ktpel_marital_name(r->status_perkawinan));
        break;
    case 12:
        snprintf(buf, size, "%s", r->pekerjaan);
        break;
    case 13:
        snprintf(buf, size, "%s", ktpel_citizenship_name(r->kewarganegaraan));
        break;
    default:
        snprintf(buf, size, "%s",
                 r->seumur_hidup ? "SEUMUR HIDUP"
                                 : ktpel_date_format_card(r->berlaku_hingga, date, sizeof date));
    }
}

static void cell(sbuf *b, const char *text, bool differs)
{
    sb_printf(b, "<td%s>", differs ? " class=\"beda\"" : "");
    sb_esc(b, text);
    sb_put(b, "</td>", 5);
}

/* The stored photo as it was ingested (JPEG), or a note that there is none. */
static void photo_cell(sbuf *b, const person *p)
{
    bool jpeg = p->face && p->face_len > 3 && p->face[0] == 0xFF && p->face[1] == 0xD8;
    if (!jpeg) {
        sb_printf(b, "<td class=\"foto\">foto tidak tersimpan</td>");
        return;
    }
    sb_printf(b, "<td><img width=\"180\" alt=\"foto %s\" src=\"data:image/jpeg;base64,", p->nik);
    sb_base64(b, p->face, p->face_len);
    sb_printf(b, "\"></td>");
}

static void demographics(sbuf *b, const person *a, const person *c)
{
    sb_printf(b, "<table class=\"data\"><tr><th>Data</th><th>Penduduk yang diperiksa</th>"
                 "<th>Kandidat</th></tr>\n");
    sb_printf(b, "<tr><th>Foto</th>");
    photo_cell(b, a);
    photo_cell(b, c);
    sb_printf(b, "</tr>\n");
    sb_printf(b, "<tr><th>NIK</th><td>%s</td><td>%s</td></tr>\n", a->nik, c->nik);
    if (!a->app || !c->app) {
        sb_printf(b, "<tr><th>Data kependudukan</th>");
        cell(b, a->app ? "terbaca" : a->record_error, false);
        cell(b, c->app ? "terbaca" : c->record_error, false);
        sb_printf(b, "</tr>\n");
    }
    for (int row = 0; a->app && c->app && row < FIELD_ROWS; row++) {
        char x[512], y[512];
        field_text(&a->app->resident, row, x, sizeof x);
        field_text(&c->app->resident, row, y, sizeof y);
        sb_printf(b, "<tr><th>%s</th>", field_labels[row]);
        cell(b, x, strcmp(x, y) != 0);
        cell(b, y, strcmp(x, y) != 0);
        sb_printf(b, "</tr>\n");
    }
    sb_printf(b, "<tr><th>Status</th>");
    cell(b, a->has_status ? ktpel_status_label_id(a->status) : "tidak diketahui", false);
    cell(b, c->has_status ? ktpel_status_label_id(c->status) : "tidak diketahui", false);
    sb_printf(b, "</tr></table>\n");
}

/* ---- fingerprint drawings ---------------------------------------------------------------- */

static const char *const finger_names[DC_FINGERS + 1] = {
    "?",
    "Ibu jari kanan",
    "Telunjuk kanan",
    "Jari tengah kanan",
    "Jari manis kanan",
    "Kelingking kanan",
    "Ibu jari kiri",
    "Telunjuk kiri",
    "Jari tengah kiri",
    "Jari manis kiri",
    "Kelingking kiri",
};

static const uint8_t col_white[3] = {255, 255, 255}, col_frame[3] = {190, 190, 190},
                     col_minutia[3] = {40, 70, 160}, col_scored[3] = {0, 150, 60},
                     col_chosen[3] = {235, 150, 0}, col_end[3] = {200, 0, 0};

typedef struct panel {
    const ktpel_fp_template *t;
    const ktpel_fp_view *v;
    double ox;    /* left edge in the drawing */
    double scale; /* the template's pixels per pixel at 500 dpi */
} panel;

static ktpel_point panel_point(const panel *p, double x, double y)
{
    return (ktpel_point){p->ox + DRAW_SCALE * x, DRAW_SCALE * y};
}

static ktpel_err draw_panel(ktpel_image *img, const panel *p, ktpel_errbuf *eb)
{
    ktpel_point frame[4] = {panel_point(p, 0, 0), panel_point(p, p->t->width - 1, 0),
                            panel_point(p, p->t->width - 1, p->t->height - 1),
                            panel_point(p, 0, p->t->height - 1)};
    ktpel_err err = ktpel_draw_polyline(img, frame, 4, 1, col_frame, 1, eb);
    for (int i = 0; !err && i < p->v->count; i++) {
        const ktpel_minutia *m = &p->v->minutiae[i];
        ktpel_point c = panel_point(p, m->x, m->y);
        double theta = m->angle * (REPORT_PI / 128.0);
        ktpel_point tip = {c.x + 8 * cos(theta), c.y - 8 * sin(theta)};
        err = ktpel_draw_ellipse(img, c.x, c.y, 3, 3, 0, col_minutia, 1, eb);
        if (!err)
            err = ktpel_draw_line(img, c, tip, col_minutia, 1, eb);
    }
    return err;
}

static ktpel_err draw_pairs(ktpel_image *img, const panel *a, const panel *b,
                            const ktpel_fp_pair *pairs, int n, ktpel_errbuf *eb)
{
    ktpel_err err = KTPEL_OK;
    for (int pass = 0; pass < 2; pass++) /* chosen pairs first, the scored ones on top */
        for (int i = 0; !err && i < n; i++) {
            if (pairs[i].scored != pass)
                continue;
            ktpel_point pa = panel_point(a, pairs[i].ax * a->scale, pairs[i].ay * a->scale);
            ktpel_point pb = panel_point(b, pairs[i].bx * b->scale, pairs[i].by * b->scale);
            err = ktpel_draw_line(img, pa, pb, pass ? col_scored : col_chosen, 1, eb);
            for (int e = 0; !err && pass && e < 2; e++) {
                ktpel_point c = e ? pb : pa;
                err = ktpel_draw_ellipse(img, c.x, c.y, 5, 5, 0, col_end, 2, eb);
            }
        }
    return err;
}

/* Both minutiae sets side by side, the pairs joined, as an <img> with a PNG data URI. */
/* The stored finger image under a panel, scaled as the drawing (it is the image the template
 * was extracted from, or captured with it); left white when there is none. */
static ktpel_err draw_print(ktpel_image *img, const panel *p, const uint8_t *png, size_t len,
                            ktpel_errbuf *eb)
{
    ktpel_image grey = {0}, small = {0};
    int w = (int)(DRAW_SCALE * p->t->width), h = (int)(DRAW_SCALE * p->t->height);
    if (!png || w < 1 || h < 1 ||
        ktpel_image_decode(png, len, KTPEL_IMAGE_GREY, 0, &grey, NULL) != KTPEL_OK)
        return KTPEL_OK;
    ktpel_err err = ktpel_image_resize(&grey, w, h, &small, eb);
    int ox = (int)p->ox;
    for (int y = 0; !err && y < h && y < img->height; y++)
        for (int x = 0; x < w && ox + x < img->width; x++) {
            /* lightened, so that the minutiae stay readable on top */
            uint8_t v = (uint8_t)(128 + small.data[(size_t)y * (size_t)w + (size_t)x] / 2);
            memset(img->data + ((size_t)y * (size_t)img->width + (size_t)(ox + x)) * 3, v, 3);
        }
    ktpel_image_free(&grey);
    ktpel_image_free(&small);
    return err;
}

static ktpel_err finger_drawing(sbuf *out, const person *x, const person *y, int pos,
                                const ktpel_fp_pair *pairs, int n, ktpel_errbuf *eb)
{
    panel a = {x->tmpl, &x->tmpl->views[x->view[pos]], 0, ktpel_fp_template_dpi(x->tmpl) / 500.0};
    panel b = {y->tmpl, &y->tmpl->views[y->view[pos]], DRAW_SCALE * x->tmpl->width + DRAW_GAP,
               ktpel_fp_template_dpi(y->tmpl) / 500.0};
    int w = (int)ceil(b.ox + DRAW_SCALE * y->tmpl->width);
    int h = (int)ceil(DRAW_SCALE *
                      (x->tmpl->height > y->tmpl->height ? x->tmpl->height : y->tmpl->height));
    ktpel_image img = {0};
    ktpel_err err = ktpel_image_alloc(&img, w, h, 3, 0, eb);
    if (!err)
        err = ktpel_image_fill(&img, col_white, eb);
    if (!err)
        err = draw_print(&img, &a, x->print[pos], x->print_len[pos], eb);
    if (!err)
        err = draw_print(&img, &b, y->print[pos], y->print_len[pos], eb);
    if (!err)
        err = draw_pairs(&img, &a, &b, pairs, n, eb);
    if (!err)
        err = draw_panel(&img, &a, eb);
    if (!err)
        err = draw_panel(&img, &b, eb);
    uint8_t *png = NULL;
    size_t len = 0;
    if (!err)
        err = ktpel_image_encode(&img, KTPEL_IMAGE_FORMAT_PNG, 0, &png, &len, eb);
    ktpel_image_free(&img);
    if (err)
        return err;
    sb_printf(out,
              "<img width=\"%d\" height=\"%d\" alt=\"minutiae %s\" src=\"data:image/png;base64,", w,
              h, finger_names[pos]);
    sb_base64(out, png, len);
    sb_printf(out, "\">");
    free(png);
    return KTPEL_OK;
}

/* ---- a candidate --------------------------------------------------------------------------- */

typedef struct finger_result {
    bool both;
    float score;
    ktpel_fp_pair pairs[KTPEL_FP_MAX_PAIRS];
    int count, scored;
} finger_result;

static void compare_fingers(const person *x, const person *y, ktpel_fp_workspace *ws,
                            finger_result *r)
{
    for (int pos = 1; pos <= DC_FINGERS; pos++) {
        finger_result *f = &r[pos];
        memset(f, 0, sizeof *f);
        f->both = x->finger[pos] && y->finger[pos];
        if (!f->both)
            continue;
        f->score = ktpel_fp_compare_pairs(x->finger[pos], y->finger[pos], ws, f->pairs,
                                          KTPEL_FP_MAX_PAIRS, &f->count);
        for (int i = 0; i < f->count; i++)
            f->scored += f->pairs[i].scored;
    }
}

static void score_table(sbuf *b, const finger_result *r, double stored)
{
    sb_printf(b, "<table class=\"skor\"><tr><th>Jari</th><th>Skor kecocokan (0&ndash;1)</th>"
                 "<th>Peluang orang lain secocok ini</th><th>Pasangan minutiae "
                 "(dinilai / dipilih)</th></tr>\n");
    float scores[DC_FINGERS];
    int m = 0;
    for (int pos = 1; pos <= DC_FINGERS; pos++) {
        sb_printf(b, "<tr><th>%d. %s</th>", pos, finger_names[pos]);
        if (!r[pos].both) {
            sb_printf(b, "<td colspan=\"3\">jari tidak ada pada salah satu penduduk</td></tr>\n");
            continue;
        }
        scores[m++] = r[pos].score;
        /* The calibration table ends at 1e-6: below it says "at most". */
        double fmr = ktpel_fp_fmr_for_threshold(r[pos].score);
        sb_printf(b, "<td>%.3f</td><td>%s%.1e</td><td>%d / %d</td></tr>\n", r[pos].score,
                  fmr <= 1e-6 ? "&le; " : "", fmr, r[pos].scored, r[pos].count);
    }
    sb_printf(b,
              "<tr><th>Skor gabungan</th><td colspan=\"3\">%.2f (dihitung ulang dari %d jari); "
              "%.2f tersimpan oleh pemadanan</td></tr></table>\n",
              ktpel_dedup_fuse(scores, m), m, stored);
}

static ktpel_err candidate_section(sbuf *b, const person *x, const person *y, int rank,
                                   double stored, ktpel_fp_workspace *ws, ktpel_errbuf *eb)
{
    sb_printf(b, "<section><h2>Kandidat %d: NIK %s &mdash; skor %.2f</h2>\n", rank, y->nik, stored);
    demographics(b, x, y);
    finger_result r[DC_FINGERS + 1];
    compare_fingers(x, y, ws, r);
    sb_printf(b, "<h3>Skor per jari</h3>\n");
    score_table(b, r, stored);
    sb_printf(b, "<h3>Minutiae yang dipasangkan</h3>\n<p class=\"ket\">Kiri: penduduk yang "
                 "diperiksa; kanan: kandidat. Garis hijau: pasangan yang membentuk skor; "
                 "garis jingga: pasangan lain yang dipilih.</p>\n");
    ktpel_err err = KTPEL_OK;
    for (int pos = 1; !err && pos <= DC_FINGERS; pos++) {
        if (!r[pos].both)
            continue;
        sb_printf(b, "<figure>");
        err = finger_drawing(b, x, y, pos, r[pos].pairs, r[pos].count, eb);
        sb_printf(b, "<figcaption>%d. %s: skor %.3f</figcaption></figure>\n", pos,
                  finger_names[pos], r[pos].score);
    }
    if (!x->tmpl || !y->tmpl)
        sb_printf(b, "<p>Sidik jari tidak tersimpan untuk %s.</p>\n", x->tmpl ? y->nik : x->nik);
    sb_printf(b, "</section>\n");
    return err;
}

/* ---- pages ---------------------------------------------------------------------------------- */

static const char page_style[] =
    "body{font-family:sans-serif;margin:1.5em;color:#222}"
    "table{border-collapse:collapse;margin:.5em 0}"
    "th,td{border:1px solid #bbb;padding:.25em .5em;text-align:left;vertical-align:top}"
    "th{background:#f0f0f0}td.beda{background:#ffe3b3}td.foto{color:#777;font-style:italic}"
    "figure{display:inline-block;margin:.5em;border:1px solid #ddd;padding:.3em}"
    "section{border-top:2px solid #446;margin-top:1.5em}code{background:#f4f4f4}"
    ".ket{color:#555}";

static void page_begin(sbuf *b, const char *title)
{
    sb_printf(b, "<!DOCTYPE html>\n<html lang=\"id\"><head><meta charset=\"utf-8\">"
                 "<title>");
    sb_esc(b, title);
    sb_printf(b, "</title><style>%s</style></head><body>\n", page_style);
}

static ktpel_err case_page(ktpel_store *s, const ktpel_dedup_decision *d, ktpel_fp_workspace *ws,
                           sbuf *b, ktpel_errbuf *eb)
{
    person x, y;
    ktpel_err err = person_load(s, d->nik, &x, eb);
    if (err)
        return err;
    char title[64];
    snprintf(title, sizeof title, "Adjudikasi NIK %s", d->nik);
    page_begin(b, title);
    sb_printf(b,
              "<p><a href=\"index.html\">&larr; Daftar kasus</a></p><h1>Adjudikasi pemadanan "
              "sidik jari: NIK %s</h1>\n",
              d->nik);
    if (x.app) {
        sb_printf(b, "<p>Nama: <b>");
        sb_esc(b, x.app->resident.nama);
        sb_printf(b, "</b></p>\n");
    }
    sb_printf(b,
              "<p>Pemadanan 1:N menemukan %d kandidat dengan skor di antara ambang "
              "adjudikasi dan ambang duplikat. Petugas memutuskan apakah penduduk ini orang "
              "yang sama dengan salah satu kandidat:</p>\n<ul><li>sama: <code>ktpel "
              "adjudicate decide %s --same-as NIK_KANDIDAT</code> (status menjadi "
              "duplikat)</li><li>berbeda dari semua kandidat: <code>ktpel adjudicate decide "
              "%s --different</code> (status menjadi unik)</li></ul>\n",
              d->candidate_count, d->nik, d->nik);
    for (int i = 0; !err && i < d->candidate_count; i++) {
        err = person_load(s, d->candidates[i].nik, &y, eb);
        if (!err)
            err = candidate_section(b, &x, &y, i + 1, d->candidates[i].score, ws, eb);
        person_free(&y);
    }
    sb_printf(b, "</body></html>\n");
    person_free(&x);
    return err;
}

static void index_row(ktpel_store *s, const ktpel_dedup_decision *d, sbuf *b)
{
    char *text = NULL;
    size_t len;
    ktpel_application *app = malloc(sizeof *app);
    bool named = app && ktpel_store_resident_record(s, d->nik, &text, &len, NULL) == KTPEL_OK &&
                 ktpel_application_parse(text, len, d->nik, app, NULL) == KTPEL_OK;
    sb_printf(b, "<tr><td><a href=\"kasus-%s.html\">%s</a></td><td>", d->nik, d->nik);
    sb_esc(b, named ? app->resident.nama : "(data tidak terbaca)");
    sb_printf(b, "</td><td>%d</td><td>%.2f</td></tr>\n", d->candidate_count,
              d->candidate_count ? d->candidates[0].score : 0.0);
    free(text);
    free(app);
}

typedef struct case_list {
    ktpel_dedup_decision *d;
    size_t n;
    bool failed;
} case_list;

static void collect(void *ctx, const ktpel_dedup_decision *d)
{
    case_list *l = ctx;
    ktpel_dedup_decision *p = realloc(l->d, (l->n + 1) * sizeof *p);
    if (!p) {
        l->failed = true;
        return;
    }
    l->d = p;
    l->d[l->n++] = *d;
}

static ktpel_err write_page(const char *dir, const char *name, sbuf *b, ktpel_errbuf *eb)
{
    if (b->failed)
        return ktpel_fail(eb, KTPEL_ENOMEM, "report: out of memory for %s", name);
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return ktpel_file_write_atomic(path, b->p, b->n, eb);
}

static ktpel_err write_index(ktpel_store *s, const char *dir, const case_list *l, ktpel_errbuf *eb)
{
    sbuf b = {0};
    page_begin(&b, "Daftar kasus adjudikasi");
    sb_printf(&b, "<h1>Kasus yang menunggu adjudikasi</h1>\n<p>Penyimpanan: ");
    sb_esc(&b, ktpel_store_dir(s));
    sb_printf(&b, "; %zu kasus.</p>\n", l->n);
    if (l->n == 0)
        sb_printf(&b, "<p>Tidak ada kasus yang menunggu adjudikasi.</p>\n");
    else
        sb_printf(&b, "<table><tr><th>NIK</th><th>Nama</th><th>Kandidat</th>"
                      "<th>Skor tertinggi</th></tr>\n");
    for (size_t i = 0; i < l->n; i++)
        index_row(s, &l->d[i], &b);
    sb_printf(&b, "%s</body></html>\n", l->n ? "</table>" : "");
    ktpel_err err = write_page(dir, "index.html", &b, eb);
    free(b.p);
    return err;
}

ktpel_err ktpel_report_dedup(ktpel_store *s, const char *dir, size_t *cases, ktpel_errbuf *eb)
{
    if (!s || !dir)
        return ktpel_fail(eb, KTPEL_EINVAL, "ktpel_report_dedup: NULL argument");
    if (strlen(dir) > 4000)
        return ktpel_fail(eb, KTPEL_EINVAL, "report: folder name too long");
    if (mkdir(dir, 0777) != 0 && errno != EEXIST)
        return ktpel_fail(eb, KTPEL_EIO, "report: cannot create %s: %s", dir, strerror(errno));
    case_list l = {0};
    ktpel_err err = ktpel_adjudicate_cases(s, collect, &l, eb);
    if (!err && l.failed)
        err = ktpel_fail(eb, KTPEL_ENOMEM, "report: out of memory");
    ktpel_fp_workspace *ws = NULL;
    if (!err)
        err = ktpel_fp_workspace_new(&ws, eb);
    for (size_t i = 0; !err && i < l.n; i++) {
        sbuf b = {0};
        char name[64];
        snprintf(name, sizeof name, "kasus-%s.html", l.d[i].nik);
        err = case_page(s, &l.d[i], ws, &b, eb);
        if (!err)
            err = write_page(dir, name, &b, eb);
        free(b.p);
    }
    if (!err)
        err = write_index(s, dir, &l, eb);
    ktpel_fp_workspace_free(ws);
    if (!err && cases)
        *cases = l.n;
    free(l.d);
    return err;
}
