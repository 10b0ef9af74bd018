/* The card print: the front of the KTP-el laid out in millimetres, drawn with cairo and pango
 * to a raster image (PNG) or a PDF page (docs/card-print.md).
 *
 * The drawing works in millimetres on both surfaces (the cairo transform carries the scale),
 * with font hinting and glyph position rounding off, so that the PNG and the PDF have the
 * same layout and what is measured is what is drawn. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairo-pdf.h>
#include <cairo.h>
#include <fontconfig/fontconfig.h>
#include <pango/pangocairo.h>

#include "ktpel/card_print.h"
#include "ktpel/file.h"

#define FONT_FAMILY "DejaVu Sans Condensed"
#define SIZE_STEP   0.25 /* pt */
#define PI          3.14159265358979323846

typedef struct style {
    double nominal_pt, min_pt;
    bool bold;
    int max_lines;
    bool centred;
} style;

static const style style_header = {7.0, 5.0, true, 1, true};
static const style style_nik_label = {8.0, 6.0, true, 1, false};
static const style style_nik = {10.0, 7.0, true, 1, false};
static const style style_label = {5.5, 4.0, false, 1, false};
static const style style_value = {5.5, 3.5, false, 1, false};
static const style style_value2 = {5.5, 3.5, false, 2, false}; /* may wrap onto 2 lines */
static const style style_value3 = {5.5, 3.5, false, 3, false}; /* the address: 3 lines */
static const style style_issue = {5.0, 3.5, false, 2, true};

/* Geometry (mm). */
#define MARGIN_X    2.8
#define LABEL_W     17.6
#define COLON_X     20.5
#define COLON_W     1.2
#define VALUE_X     21.9
#define VALUE_RIGHT 61.0
#define INDENT      2.2
#define ROW_H       3.0
#define ROW2_H      4.2
#define ROW3_H      4.6
#define ROWS_Y      11.8

static const ktpel_card_rect photo_box = {63.0, 9.2, 19.5, 26.0};
static const ktpel_card_rect issue_place_box = {61.8, 35.5, 22.0, 3.2};
static const ktpel_card_rect issue_date_box = {61.8, 38.7, 22.0, 2.5};
static const ktpel_card_rect signature_box = {63.0, 41.5, 19.5, 9.5};

typedef struct painter {
    cairo_t *cr;
    PangoContext *pango;
    ktpel_card_report *rep;
} painter;

/* ---- text ---- */

static void layout_size(PangoLayout *l, const style *s, double pt)
{
    PangoFontDescription *fd = pango_font_description_new();
    pango_font_description_set_family(fd, FONT_FAMILY);
    pango_font_description_set_weight(fd, s->bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
    pango_font_description_set_size(fd, (gint)lround(pt * PANGO_SCALE));
    pango_layout_set_font_description(l, fd);
    pango_font_description_free(fd);
}

/* The union of the ink and logical extents, in mm relative to the layout's origin. */
static PangoRectangle extent(PangoLayout *l, PangoRectangle *ink_out)
{
    PangoRectangle ink, logical;
    pango_layout_get_extents(l, &ink, &logical);
    if (ink_out)
        *ink_out = ink;
    if (ink.width <= 0 || ink.height <= 0)
        return logical;
    int x0 = ink.x < logical.x ? ink.x : logical.x;
    int y0 = ink.y < logical.y ? ink.y : logical.y;
    int x1 = ink.x + ink.width > logical.x + logical.width ? ink.x + ink.width
                                                           : logical.x + logical.width;
    int y1 = ink.y + ink.height > logical.y + logical.height ? ink.y + ink.height
                                                             : logical.y + logical.height;
    return (PangoRectangle){x0, y0, x1 - x0, y1 - y0};
}

static bool fits(PangoLayout *l, const ktpel_card_rect *box, int max_lines)
{
    PangoRectangle e = extent(l, NULL);
    return e.width <= box->w * PANGO_SCALE && e.height <= box->h * PANGO_SCALE &&
           pango_layout_get_line_count(l) <= max_lines;
}

/* Chooses size, wrapping and ellipsis for t in its box (see card_print.h): the largest size,
 * from the nominal one down in steps, at which the text fits on one line or, where the
 * style allows, wrapped onto its lines; a larger wrapped text is preferred to a smaller
 * single line. */
static void fit_text(PangoLayout *l, const style *s, const ktpel_card_rect *box, ktpel_card_text *t)
{
    int width = (int)(box->w * PANGO_SCALE);
    pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
    for (double pt = s->nominal_pt; pt >= s->min_pt - 1e-9; pt -= SIZE_STEP) {
        layout_size(l, s, pt);
        pango_layout_set_width(l, -1);
        if (fits(l, box, 1)) {
            t->size_pt = pt;
            return;
        }
        if (s->max_lines > 1) {
            pango_layout_set_width(l, width);
            if (fits(l, box, s->max_lines)) {
                t->size_pt = pt;
                t->wrapped = pango_layout_get_line_count(l) > 1;
                return;
            }
        }
    }
    /* Last resort: the minimum size, as many lines as the box holds, cut with "...". */
    layout_size(l, s, s->min_pt);
    pango_layout_set_width(l, width);
    pango_layout_set_ellipsize(l, PANGO_ELLIPSIZE_END);
    int lines = s->max_lines;
    pango_layout_set_height(l, -lines);
    while (lines > 1 && !fits(l, box, lines))
        pango_layout_set_height(l, -(--lines));
    t->size_pt = s->min_pt;
    t->wrapped = pango_layout_get_line_count(l) > 1;
    t->ellipsized = true;
}

/* Lays out, fits, draws and reports one text. */
static void draw_text(painter *p, const char *name, const char *text, const style *s,
                      ktpel_card_rect box)
{
    ktpel_card_text scratch;
    ktpel_card_text *t =
        p->rep->count < KTPEL_CARD_MAX_TEXTS ? &p->rep->texts[p->rep->count++] : &scratch;
    memset(t, 0, sizeof *t);
    snprintf(t->name, sizeof t->name, "%s", name);
    t->box = box;
    t->nominal_pt = s->nominal_pt;
    PangoLayout *l = pango_layout_new(p->pango);
    pango_layout_set_text(l, text, -1);
    pango_layout_set_alignment(l, s->centred ? PANGO_ALIGN_CENTER : PANGO_ALIGN_LEFT);
    fit_text(l, s, &box, t);
    t->shrunk = t->size_pt < s->nominal_pt - 1e-9;
    t->lines = pango_layout_get_line_count(l);
    t->ellipsized = t->ellipsized && pango_layout_is_ellipsized(l);
    p->rep->shrunk += t->shrunk;
    p->rep->wrapped += t->wrapped;
    p->rep->ellipsized += t->ellipsized;

    PangoRectangle ink, e = extent(l, &ink);
    double ew = (double)e.width / PANGO_SCALE, eh = (double)e.height / PANGO_SCALE;
    double ox = box.x - (double)e.x / PANGO_SCALE;
    if (s->centred)
        ox += (box.w - ew) / 2;
    double oy = box.y + (box.h - eh) / 2 - (double)e.y / PANGO_SCALE;
    cairo_set_source_rgb(p->cr, 0.05, 0.05, 0.08);
    cairo_move_to(p->cr, ox, oy);
    pango_cairo_show_layout(p->cr, l);
    if (ink.width > 0)
        t->ink =
            (ktpel_card_rect){ox + (double)ink.x / PANGO_SCALE, oy + (double)ink.y / PANGO_SCALE,
                              (double)ink.width / PANGO_SCALE, (double)ink.height / PANGO_SCALE};
    g_object_unref(l);
}

/* A row: label, colon, value. */
static void draw_row(painter *p, const char *field, const char *label, const char *value,
                     double indent, double y, double h, const style *value_style)
{
    char name[32];
    snprintf(name, sizeof name, "label %s", field);
    draw_text(p, name, label, &style_label,
              (ktpel_card_rect){MARGIN_X + indent, y, LABEL_W - indent, h});
    snprintf(name, sizeof name, "colon %s", field);
    draw_text(p, name, ":", &style_label, (ktpel_card_rect){COLON_X, y, COLON_W, h});
    draw_text(p, field, value, value_style,
              (ktpel_card_rect){VALUE_X, y, VALUE_RIGHT - VALUE_X, h});
}

/* ---- images ---- */

/* An RGB24 cairo surface of an image (grey or RGB). */
static cairo_surface_t *rgb_surface(const ktpel_image *img)
{
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, img->width, img->height);
    if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS)
        return s;
    cairo_surface_flush(s);
    uint8_t *data = cairo_image_surface_get_data(s);
    int stride = cairo_image_surface_get_stride(s);
    for (int y = 0; y < img->height; y++) {
        uint32_t *row = (uint32_t *)(void *)(data + (size_t)y * (size_t)stride);
        const uint8_t *src = img->data + (size_t)y * (size_t)img->width * (size_t)img->channels;
        for (int x = 0; x < img->width; x++) {
            const uint8_t *px = src + (size_t)x * (size_t)img->channels;
            uint32_t r = px[0], g = img->channels == 3 ? px[1] : px[0],
                     b = img->channels == 3 ? px[2] : px[0];
            row[x] = (r << 16) | (g << 8) | b;
        }
    }
    cairo_surface_mark_dirty(s);
    return s;
}

/* An A8 mask of a signature: ink (dark) opaque, paper (light) clear, contrast stretched
 * between the image's darkest and lightest grey. */
static cairo_surface_t *ink_mask(const ktpel_image *img)
{
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_A8, img->width, img->height);
    if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS)
        return s;
    int lo = 255, hi = 0;
    size_t n = (size_t)img->width * (size_t)img->height;
    for (size_t i = 0; i < n; i++) {
        int v = img->data[i * (size_t)img->channels];
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
    }
    int range = hi - lo > 16 ? hi - lo : 16;
    cairo_surface_flush(s);
    uint8_t *data = cairo_image_surface_get_data(s);
    int stride = cairo_image_surface_get_stride(s);
    for (int y = 0; y < img->height; y++)
        for (int x = 0; x < img->width; x++) {
            int v = img->data[((size_t)y * (size_t)img->width + (size_t)x) * (size_t)img->channels];
            int a = 255 * (hi - v) / range;
            data[(size_t)y * (size_t)stride + (size_t)x] = (uint8_t)(a < 0 ? 0 : a > 255 ? 255 : a);
        }
    cairo_surface_mark_dirty(s);
    return s;
}

/* The photo, cropped to the box's aspect around its centre and scaled into it. */
static void draw_photo(painter *p, const ktpel_image *img)
{
    cairo_surface_t *s = rgb_surface(img);
    const ktpel_card_rect *b = &photo_box;
    double scale = fmax(b->w / img->width, b->h / img->height);
    cairo_save(p->cr);
    cairo_rectangle(p->cr, b->x, b->y, b->w, b->h);
    cairo_clip(p->cr);
    cairo_translate(p->cr, b->x + (b->w - img->width * scale) / 2,
                    b->y + (b->h - img->height * scale) / 2);
    cairo_scale(p->cr, scale, scale);
    cairo_set_source_surface(p->cr, s, 0, 0);
    cairo_pattern_set_filter(cairo_get_source(p->cr), CAIRO_FILTER_GOOD);
    cairo_paint(p->cr);
    cairo_restore(p->cr);
    cairo_surface_destroy(s);
    p->rep->photo = *b;
}

/* The bounding box of the ink in an A8 mask (pixels with alpha above a faint level), so
 * that a signature written small on a wide pad still fills its box. Whole image if blank. */
static void ink_bounds(cairo_surface_t *mask, int *x0, int *y0, int *x1, int *y1)
{
    int w = cairo_image_surface_get_width(mask), h = cairo_image_surface_get_height(mask);
    int stride = cairo_image_surface_get_stride(mask);
    const uint8_t *data = cairo_image_surface_get_data(mask);
    *x0 = w, *y0 = h, *x1 = -1, *y1 = -1;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            if (data[(size_t)y * (size_t)stride + (size_t)x] > 48) {
                *x0 = x < *x0 ? x : *x0;
                *x1 = x > *x1 ? x : *x1;
                *y0 = y < *y0 ? y : *y0;
                *y1 = y > *y1 ? y : *y1;
            }
    if (*x1 < 0) {
        *x0 = *y0 = 0;
        *x1 = w - 1;
        *y1 = h - 1;
    }
}

/* The signature's ink, scaled to fit its box (never cropped) and centred, in dark ink. */
static void draw_signature(painter *p, const ktpel_image *img)
{
    cairo_surface_t *s = ink_mask(img);
    const ktpel_card_rect *b = &signature_box;
    int x0 = 0, y0 = 0, x1 = img->width - 1, y1 = img->height - 1;
    if (cairo_surface_status(s) == CAIRO_STATUS_SUCCESS)
        ink_bounds(s, &x0, &y0, &x1, &y1);
    double iw = x1 - x0 + 1, ih = y1 - y0 + 1;
    double scale = fmin(b->w / iw, b->h / ih);
    cairo_save(p->cr);
    cairo_rectangle(p->cr, b->x, b->y, b->w, b->h);
    cairo_clip(p->cr);
    cairo_translate(p->cr, b->x + (b->w - iw * scale) / 2, b->y + (b->h - ih * scale) / 2);
    cairo_scale(p->cr, scale, scale);
    cairo_set_source_rgb(p->cr, 0.08, 0.08, 0.25);
    cairo_mask_surface(p->cr, s, -x0, -y0);
    cairo_restore(p->cr);
    cairo_surface_destroy(s);
    p->rep->signature = *b;
}

/* ---- the card ---- */

static void draw_background(cairo_t *cr)
{
    const double w = KTPEL_CARD_WIDTH_MM, h = KTPEL_CARD_HEIGHT_MM, r = 3.18; /* ID-1 corner */
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_new_path(cr);
    cairo_arc(cr, w - r, r, r, -PI / 2, 0);
    cairo_arc(cr, w - r, h - r, r, 0, PI / 2);
    cairo_arc(cr, r, h - r, r, PI / 2, PI);
    cairo_arc(cr, r, r, r, PI, 3 * PI / 2);
    cairo_close_path(cr);
    cairo_pattern_t *g = cairo_pattern_create_linear(0, 0, w * 0.3, h);
    cairo_pattern_add_color_stop_rgb(g, 0, 0.86, 0.94, 0.98);
    cairo_pattern_add_color_stop_rgb(g, 1, 0.64, 0.82, 0.93);
    cairo_set_source(cr, g);
    cairo_fill_preserve(cr);
    cairo_pattern_destroy(g);
    /* Fine guilloche-like waves, as security printing suggests; light enough to read over. */
    cairo_save(cr);
    cairo_clip(cr);
    cairo_set_line_width(cr, 0.12);
    cairo_set_source_rgba(cr, 1, 1, 1, 0.45);
    for (int k = 0; k < 14; k++) {
        double y0 = 2.0 + k * 4.0;
        cairo_move_to(cr, 0, y0);
        for (double x = 0; x <= w; x += 0.5)
            cairo_line_to(cr, x, y0 + 1.2 * sin(x / 6.0 + k * 0.7));
        cairo_stroke(cr);
    }
    cairo_restore(cr);
}

static void draw_card(painter *p, const ktpel_card_input *in)
{
    const ktpel_resident *r = in->resident;
    char v[KTPEL_CARD_FIELD_TEXT_MAX * 2], a[KTPEL_CARD_FIELD_TEXT_MAX];
    draw_background(p->cr);

    const double header_w = KTPEL_CARD_WIDTH_MM - 2 * MARGIN_X;
    bool has_prefix = strncmp(r->provinsi, "PROVINSI", 8) == 0;
    snprintf(v, sizeof v, "%s%s", has_prefix ? "" : "PROVINSI ", r->provinsi);
    draw_text(p, "header provinsi", v, &style_header,
              (ktpel_card_rect){MARGIN_X, 1.2, header_w, 3.0});
    draw_text(p, "header kabupaten", r->kabupaten, &style_header,
              (ktpel_card_rect){MARGIN_X, 4.2, header_w, 3.0});

    draw_text(p, "label nik", "NIK", &style_nik_label,
              (ktpel_card_rect){MARGIN_X, 7.3, LABEL_W, 4.3});
    draw_text(p, "colon nik", ":", &style_nik_label, (ktpel_card_rect){COLON_X, 7.3, COLON_W, 4.3});
    draw_text(p, "nik", r->nik, &style_nik,
              (ktpel_card_rect){VALUE_X, 7.3, VALUE_RIGHT - VALUE_X, 4.3});

    double y = ROWS_Y;
    draw_row(p, "nama", "Nama", r->nama, 0, y, ROW2_H, &style_value2);
    y += ROW2_H;
    snprintf(v, sizeof v, "%s, %s", r->tempat_lahir,
             ktpel_date_format_card(r->tanggal_lahir, a, sizeof a));
    draw_row(p, "tempat_lahir", "Tempat/Tgl Lahir", v, 0, y, ROW2_H, &style_value2);
    y += ROW2_H;
    /* Jenis Kelamin and Gol. Darah share a row. */
    const double jk_w = 16.0, gd_x = VALUE_X + jk_w + 1.1;
    draw_text(p, "label jenis_kelamin", "Jenis Kelamin", &style_label,
              (ktpel_card_rect){MARGIN_X, y, LABEL_W, ROW_H});
    draw_text(p, "colon jenis_kelamin", ":", &style_label,
              (ktpel_card_rect){COLON_X, y, COLON_W, ROW_H});
    draw_text(p, "jenis_kelamin", ktpel_sex_name(r->jenis_kelamin), &style_value,
              (ktpel_card_rect){VALUE_X, y, jk_w, ROW_H});
    draw_text(p, "label golongan_darah", "Gol. Darah", &style_label,
              (ktpel_card_rect){gd_x, y, 10.6, ROW_H});
    draw_text(p, "colon golongan_darah", ":", &style_label,
              (ktpel_card_rect){gd_x + 10.7, y, COLON_W, ROW_H});
    draw_text(p, "golongan_darah", r->golongan_darah, &style_value,
              (ktpel_card_rect){gd_x + 12.0, y, VALUE_RIGHT - gd_x - 12.0, ROW_H});
    y += ROW_H;
    draw_row(p, "alamat", "Alamat", r->alamat, 0, y, ROW3_H, &style_value3);
    y += ROW3_H;
    snprintf(v, sizeof v, "%s/%s", r->rt, r->rw);
    draw_row(p, "rt_rw", "RT/RW", v, INDENT, y, ROW_H, &style_value);
    y += ROW_H;
    draw_row(p, "kel_desa", "Kel/Desa", r->kel_desa, INDENT, y, ROW_H, &style_value2);
    y += ROW_H;
    draw_row(p, "kecamatan", "Kecamatan", r->kecamatan, INDENT, y, ROW_H, &style_value2);
    y += ROW_H;
    draw_row(p, "agama", "Agama", ktpel_religion_name(r->agama), 0, y, ROW_H, &style_value);
    y += ROW_H;
    draw_row(p, "status_perkawinan", "Status Perkawinan", ktpel_marital_name(r->status_perkawinan),
             0, y, ROW_H, &style_value);
    y += ROW_H;
    draw_row(p, "pekerjaan", "Pekerjaan", r->pekerjaan, 0, y, ROW_H, &style_value2);
    y += ROW_H;
    draw_row(p, "kewarganegaraan", "Kewarganegaraan", ktpel_citizenship_name(r->kewarganegaraan), 0,
             y, ROW_H, &style_value);
    y += ROW_H;
    size_t berlaku = KTPEL_FIELD_COUNT - 1; /* the last field in card order */
    draw_row(p, "berlaku_hingga", "Berlaku Hingga", ktpel_card_field_text(r, berlaku, v, sizeof v),
             0, y, ROW_H, &style_value);

    draw_photo(p, in->photo);
    draw_text(p, "issue place", in->issue_place, &style_issue, issue_place_box);
    draw_text(p, "issue date", ktpel_date_format_card(in->issue_date, v, sizeof v), &style_issue,
              issue_date_box);
    draw_signature(p, in->signature);
}

/* ---- checks and surfaces ---- */

static ktpel_err check_image(const ktpel_image *img, const char *what, ktpel_errbuf *eb)
{
    if (!img || !img->data || img->width < 1 || img->height < 1 ||
        (img->channels != 1 && img->channels != 3))
        return ktpel_fail(eb, KTPEL_EINVAL, "card print: %s image missing or not grey/RGB", what);
    if (img->width > KTPEL_IMAGE_MAX_SIDE || img->height > KTPEL_IMAGE_MAX_SIDE)
        return ktpel_fail(eb, KTPEL_EINVAL, "card print: %s image %dx%d is too large", what,
                          img->width, img->height);
    return KTPEL_OK;
}

static ktpel_err check_input(const ktpel_card_input *in, ktpel_errbuf *eb)
{
    if (!in || !in->resident || !in->issue_place)
        return ktpel_fail(eb, KTPEL_EINVAL, "card print: NULL argument");
    ktpel_resident scratch;
    memset(&scratch, 0, sizeof scratch);
    char text[KTPEL_CARD_FIELD_TEXT_MAX];
    for (size_t i = 0; i < KTPEL_FIELD_COUNT; i++) {
        const char *name = ktpel_resident_field_name(i);
        ktpel_card_field_text(in->resident, i, text, sizeof text);
        if (ktpel_resident_set_field(&scratch, name, text, eb) != KTPEL_OK)
            return ktpel_fail_context(eb, "card print: ");
    }
    /* The place of issue is a kabupaten or kota name: the same rules. */
    if (ktpel_resident_set_field(&scratch, "kabupaten", in->issue_place, eb) != KTPEL_OK)
        return ktpel_fail_context(eb, "card print: place of issue: ");
    if (!ktpel_date_valid(in->issue_date))
        return ktpel_fail(eb, KTPEL_EFIELD,
                          "card print: date of issue %04d-%02d-%02d is not a date",
                          in->issue_date.year, in->issue_date.month, in->issue_date.day);
    ktpel_err err = check_image(in->photo, "photo", eb);
    return err ? err : check_image(in->signature, "signature", eb);
}

/* Draws the card on cr, whose user space is already in millimetres. */
static ktpel_err paint(cairo_t *cr, const ktpel_card_input *in, ktpel_card_report *report,
                       ktpel_errbuf *eb)
{
    ktpel_card_report local;
    painter p = {cr, NULL, report ? report : &local};
    memset(p.rep, 0, sizeof *p.rep);
    p.pango = pango_cairo_create_context(cr);
    if (!p.pango)
        return ktpel_fail(eb, KTPEL_EINTERNAL, "card print: pango context failed");
    pango_cairo_context_set_resolution(p.pango, 25.4); /* points to millimetres */
    cairo_font_options_t *fo = cairo_font_options_create();
    cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
    cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
    cairo_font_options_set_antialias(fo, CAIRO_ANTIALIAS_GRAY);
    pango_cairo_context_set_font_options(p.pango, fo);
    cairo_font_options_destroy(fo);
    pango_context_set_round_glyph_positions(p.pango, FALSE);
    draw_card(&p, in);
    g_object_unref(p.pango);
    cairo_status_t st = cairo_status(cr);
    if (st != CAIRO_STATUS_SUCCESS)
        return ktpel_fail(eb, KTPEL_EINTERNAL, "card print: cairo: %s", cairo_status_to_string(st));
    return KTPEL_OK;
}

static int card_pixels(double mm, int dpi)
{
    return (int)lround(mm / 25.4 * dpi);
}

ktpel_err ktpel_card_render(const ktpel_card_input *in, int dpi, ktpel_image *out,
                            ktpel_card_report *report, ktpel_errbuf *eb)
{
    if (!out)
        return ktpel_fail(eb, KTPEL_EINVAL, "ktpel_card_render: NULL output");
    memset(out, 0, sizeof *out);
    if (dpi < 72 || dpi > 1200)
        return ktpel_fail(eb, KTPEL_EINVAL, "card print: %d dpi is not 72..1200", dpi);
    ktpel_err err = check_input(in, eb);
    if (err)
        return err;
    int w = card_pixels(KTPEL_CARD_WIDTH_MM, dpi), h = card_pixels(KTPEL_CARD_HEIGHT_MM, dpi);
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
    if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(s);
        return ktpel_fail(eb, KTPEL_ENOMEM, "card print: no %dx%d surface", w, h);
    }
    cairo_t *cr = cairo_create(s);
    /* Exactly w x h pixels for the card: x and y scales differ by the rounding (< 0.1 %). */
    cairo_scale(cr, w / KTPEL_CARD_WIDTH_MM, h / KTPEL_CARD_HEIGHT_MM);
    err = paint(cr, in, report, eb);
    cairo_destroy(cr);
    cairo_surface_flush(s);
    if (!err)
        err = ktpel_image_alloc(out, w, h, 3, dpi, eb);
    if (!err) {
        const uint8_t *data = cairo_image_surface_get_data(s);
        int stride = cairo_image_surface_get_stride(s);
        for (int y = 0; y < h; y++) {
            const uint32_t *row =
                (const uint32_t *)(const void *)(data + (size_t)y * (size_t)stride);
            uint8_t *dst = out->data + (size_t)y * (size_t)w * 3;
            for (int x = 0; x < w; x++) {
                dst[3 * x] = (uint8_t)(row[x] >> 16);
                dst[3 * x + 1] = (uint8_t)(row[x] >> 8);
                dst[3 * x + 2] = (uint8_t)row[x];
            }
        }
    }
    cairo_surface_destroy(s);
    return err;
}

ktpel_err ktpel_card_write_png(const ktpel_card_input *in, const char *path,
                               ktpel_card_report *report, ktpel_errbuf *eb)
{
    if (!path)
        return ktpel_fail(eb, KTPEL_EINVAL, "ktpel_card_write_png: NULL path");
    ktpel_image img = {0};
    ktpel_err err = ktpel_card_render(in, KTPEL_CARD_DPI, &img, report, eb);
    if (!err)
        err = ktpel_image_write(path, &img, 0, eb);
    ktpel_image_free(&img);
    return err;
}

/* cairo's PDF output gathered in memory, so that the file is written atomically. */
typedef struct pdf_buf {
    uint8_t *data;
    size_t len, cap;
    bool failed;
} pdf_buf;

static cairo_status_t pdf_append(void *closure, const unsigned char *data, unsigned int len)
{
    pdf_buf *b = closure;
    if (b->len + len > b->cap) {
        size_t cap = b->cap ? b->cap : 65536;
        while (cap < b->len + len)
            cap *= 2;
        uint8_t *bigger = realloc(b->data, cap);
        if (!bigger) {
            b->failed = true;
            return CAIRO_STATUS_WRITE_ERROR;
        }
        b->data = bigger;
        b->cap = cap;
    }
    memcpy(b->data + b->len, data, len);
    b->len += len;
    return CAIRO_STATUS_SUCCESS;
}

ktpel_err ktpel_card_write_pdf(const ktpel_card_input *in, const char *path,
                               ktpel_card_report *report, ktpel_errbuf *eb)
{
    if (!path)
        return ktpel_fail(eb, KTPEL_EINVAL, "ktpel_card_write_pdf: NULL path");
    ktpel_err err = check_input(in, eb);
    if (err)
        return err;
    const double pt_per_mm = 72.0 / 25.4;
    pdf_buf buf = {0};
    cairo_surface_t *s = cairo_pdf_surface_create_for_stream(
        pdf_append, &buf, KTPEL_CARD_WIDTH_MM * pt_per_mm, KTPEL_CARD_HEIGHT_MM * pt_per_mm);
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_TITLE, "KTP-el");
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATOR, "ktpel card print");
    /* The issue date, not the clock: the same card gives the same bytes (a resumed
     * `ktpel personalize` rewrites identical files). */
    char created[40];
    snprintf(created, sizeof created, "%04d-%02d-%02dT00:00:00+07:00", in->issue_date.year,
             in->issue_date.month, in->issue_date.day);
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATE_DATE, created);
    cairo_t *cr = cairo_create(s);
    cairo_scale(cr, pt_per_mm, pt_per_mm);
    err = paint(cr, in, report, eb);
    cairo_destroy(cr);
    cairo_surface_finish(s);
    cairo_status_t st = cairo_surface_status(s);
    cairo_surface_destroy(s);
    if (!err && (st != CAIRO_STATUS_SUCCESS || buf.failed))
        err = ktpel_fail(eb, KTPEL_EINTERNAL, "card print: PDF: %s", cairo_status_to_string(st));
    if (!err)
        err = ktpel_file_write_atomic(path, buf.data, buf.len, eb);
    free(buf.data);
    return err;
}

void ktpel_card_print_release_caches(void)
{
    pango_cairo_font_map_set_default(NULL);
    cairo_debug_reset_static_data();
    FcFini();
}
