/* `ktpel report pipeline`: one page about a whole run of the pipeline (include/ktpel/report.h).
 * The store gives the residents by status and the deduplication's cases; the caller's TSV
 * tables give what only it knows (timings, the desk, checks against a ground truth). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "ktpel/application.h"
#include "ktpel/dedup.h"
#include "ktpel/file.h"
#include "ktpel/report.h"
#include "ktpel/status.h"

#include "report_html.h"
#include "store_internal.h"

#define TABLE_BYTES_MAX (4u * 1024u * 1024u)
#define TABLE_LINE_MAX  4096
#define TABLE_COLS_MAX  64
#define CARD_BYTES_MAX  (32u * 1024u * 1024u)
#define PATH_BYTES      4200

static const char page_style[] =
    "body{font-family:sans-serif;margin:1.5em auto;max-width:1200px;color:#222}"
    "h1{color:#234;margin-bottom:.2em}h2{border-top:2px solid #446;padding-top:.4em;"
    "margin-top:1.4em}table{border-collapse:collapse;margin:.5em 0}"
    "th,td{border:1px solid #bbb;padding:.25em .6em;text-align:left;vertical-align:top}"
    "th{background:#eef0f4}td.n{text-align:right;font-variant-numeric:tabular-nums}"
    "figure{display:inline-block;margin:.4em;border:1px solid #ddd;padding:.3em;"
    "vertical-align:top}figcaption{font-size:.85em;color:#444;max-width:505px}"
    "img.foto{width:75px;border:1px solid #ccc}img.kartu{width:505px}"
    "td.gagal{color:#fff;background:#b3261e;font-weight:bold}"
    ".ket{color:#555}.kecil{font-size:.85em;color:#555}code{background:#f4f4f4}";

/* ---- files ---------------------------------------------------------------------------------- */

static ktpel_err make_dir(const char *path, ktpel_errbuf *eb)
{
    if (mkdir(path, 0777) != 0 && errno != EEXIST)
        return ktpel_fail(eb, KTPEL_EIO, "report: cannot create %s: %s", path, strerror(errno));
    return KTPEL_OK;
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* A name that is safe in an href and as a file name: letters, digits, . _ - only, not
 * starting with a dot. */
static bool safe_name(const char *name)
{
    if (!name[0] || name[0] == '.' || strlen(name) > 200)
        return false;
    for (const char *c = name; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
              *c == '.' || *c == '_' || *c == '-'))
            return false;
    return true;
}

static bool file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* ---- caller's tables ------------------------------------------------------------------------ */

/* Splits line (NUL-terminated, modified) at tabs into cells; returns the count. */
static int split_cells(char *line, char **cells)
{
    int n = 0;
    cells[n++] = line;
    for (char *c = line; *c && n < TABLE_COLS_MAX; c++)
        if (*c == '\t') {
            *c = '\0';
            cells[n++] = c + 1;
        }
    return n;
}

/* A cell of figures ("12", "3.5", "10 / 12", "0.3 %") is right-aligned, so that columns of
 * figures line up. */
static bool figure(const char *cell)
{
    bool digit = false;
    for (const char *c = cell; *c; c++) {
        if (*c >= '0' && *c <= '9')
            digit = true;
        else if (!strchr(" ./%-", *c))
            return false;
    }
    return digit;
}

/* Returns the number of cells. */
static int table_row(sbuf *b, char *line, bool header)
{
    char *cells[TABLE_COLS_MAX];
    int n = split_cells(line, cells);
    sb_printf(b, "<tr>");
    for (int i = 0; i < n; i++) {
        bool number = !header && figure(cells[i]);
        bool failed = !header && (!strcmp(cells[i], "FAILED") || !strcmp(cells[i], "GAGAL"));
        sb_printf(b, header   ? "<th>"
                     : failed ? "<td class=\"gagal\">"
                     : number ? "<td class=\"n\">"
                              : "<td>");
        sb_esc(b, cells[i]);
        sb_printf(b, header ? "</th>" : "</td>");
    }
    sb_printf(b, "</tr>\n");
    return n;
}

static ktpel_err caller_table(sbuf *b, const char *path, ktpel_errbuf *eb)
{
    uint8_t *data = NULL;
    size_t len = 0;
    ktpel_err err = ktpel_file_read(path, TABLE_BYTES_MAX, &data, &len, eb);
    if (err)
        return err;
    char *text = malloc(len + 1);
    if (!text) {
        free(data);
        return ktpel_fail(eb, KTPEL_ENOMEM, "report: out of memory for %s", path);
    }
    memcpy(text, data, len);
    text[len] = '\0';
    free(data);
    if (memchr(text, '\0', len)) {
        free(text);
        return ktpel_fail(eb, KTPEL_EFORMAT, "report table %s: holds a NUL byte", path);
    }
    int row = 0, columns = 1;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line && !err;
         line = strtok_r(NULL, "\n", &save), row++) {
        size_t n = strlen(line);
        if (n && line[n - 1] == '\r')
            line[--n] = '\0';
        if (n > TABLE_LINE_MAX)
            err = ktpel_fail(eb, KTPEL_EFORMAT, "report table %s: line %d is longer than %d bytes",
                             path, row + 1, TABLE_LINE_MAX);
        else if (row == 0) {
            sb_printf(b, "<h2>");
            sb_esc(b, line);
            sb_printf(b, "</h2>\n<table>\n");
        } else if (row == 1)
            columns = table_row(b, line, true);
        else
            table_row(b, line, false);
    }
    if (!err && row == 2)
        sb_printf(b, "<tr><td colspan=\"%d\">tidak ada</td></tr>\n", columns);
    if (!err && row < 2)
        err = ktpel_fail(eb, KTPEL_EFORMAT, "report table %s: needs a caption and a header line",
                         path);
    sb_printf(b, "</table>\n");
    free(text);
    return err;
}

/* ---- residents from the store --------------------------------------------------------------- */

typedef struct case_row {
    char nik[KTPEL_NIK_LEN + 1];
    ktpel_status status;
    bool adjudicated;           /* the history passed through adjudicate: a person decided */
    ktpel_status_entry decided; /* the entry that left adjudicate (or entered duplicate) */
} case_row;

typedef struct census {
    size_t count[KTPEL_STATUS_COUNT];
    size_t unreadable;
    case_row *rows; /* duplicates and adjudicated residents */
    size_t n;
} census;

static ktpel_err census_add(census *c, const char *nik, const ktpel_status_history *h,
                            ktpel_errbuf *eb)
{
    ktpel_status now;
    if (!ktpel_status_history_current(h, &now)) {
        c->unreadable++;
        return KTPEL_OK;
    }
    c->count[now]++;
    case_row r = {.status = now};
    memcpy(r.nik, nik, KTPEL_NIK_LEN);
    for (size_t i = 0; i < h->count; i++) {
        const ktpel_status_entry *e = &h->entries[i];
        if (e->status == KTPEL_STATUS_ADJUDICATE)
            r.adjudicated = true;
        if (i > 0 && (h->entries[i - 1].status == KTPEL_STATUS_ADJUDICATE ||
                      (e->status == KTPEL_STATUS_DUPLICATE && !r.adjudicated)))
            r.decided = *e;
    }
    if (now != KTPEL_STATUS_DUPLICATE && !r.adjudicated)
        return KTPEL_OK;
    case_row *p = realloc(c->rows, (c->n + 1) * sizeof *p);
    if (!p)
        return ktpel_fail(eb, KTPEL_ENOMEM, "report: out of memory");
    c->rows = p;
    c->rows[c->n++] = r;
    return KTPEL_OK;
}

/* Every resident's current status, and the cases (in NIK order, the store's key order). */
static ktpel_err take_census(ktpel_store *s, census *c, ktpel_errbuf *eb)
{
    MDB_txn *txn;
    ktpel_err err = dc_txn_begin(s, false, &txn, eb);
    if (err)
        return err;
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, s->status, &cur);
    if (rc) {
        mdb_txn_abort(txn);
        return dc_mdb_fail(eb, rc, "open the status list");
    }
    MDB_val k, v;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); !rc && !err;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        char nik[KTPEL_NIK_LEN + 1] = {0};
        if (k.mv_size != KTPEL_NIK_LEN) {
            c->unreadable++;
            continue;
        }
        memcpy(nik, k.mv_data, KTPEL_NIK_LEN);
        ktpel_status_history h;
        ktpel_status_history_init(&h);
        if (ktpel_status_history_decode(v.mv_data, v.mv_size, &h, NULL) == KTPEL_OK)
            err = census_add(c, nik, &h, eb);
        else
            c->unreadable++;
        ktpel_status_history_free(&h);
    }
    if (!err && rc != MDB_NOTFOUND)
        err = dc_mdb_fail(eb, rc, "read the status list");
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    return err;
}

static void resident_name(ktpel_store *s, const char *nik, char *out, size_t size)
{
    snprintf(out, size, "(data tidak terbaca)");
    char *text = NULL;
    size_t len = 0;
    ktpel_application *app = malloc(sizeof *app);
    if (app && ktpel_store_resident_record(s, nik, &text, &len, NULL) == KTPEL_OK &&
        ktpel_application_parse(text, len, nik, app, NULL) == KTPEL_OK)
        snprintf(out, size, "%s", app->resident.nama);
    free(text);
    free(app);
}

/* Writes DIR/foto/NIK.jpg from the stored photo (capture 1) once; false when there is none. */
static bool face_file(ktpel_store *s, const char *dir, const char *nik)
{
    char path[PATH_BYTES];
    snprintf(path, sizeof path, "%s/foto/%s.jpg", dir, nik);
    if (file_exists(path))
        return true;
    uint8_t *jpg = NULL;
    size_t len = 0;
    if (ktpel_store_image_get(s, nik, KTPEL_STORE_IMAGE_FACE, 0, 1, &jpg, &len, NULL) != KTPEL_OK)
        return false;
    bool ok = len > 3 && jpg[0] == 0xFF && jpg[1] == 0xD8 &&
              ktpel_file_write_atomic(path, jpg, len, NULL) == KTPEL_OK;
    free(jpg);
    return ok;
}

static void person_cell(sbuf *b, ktpel_store *s, const char *dir, const char *nik)
{
    char name[256];
    resident_name(s, nik, name, sizeof name);
    sb_printf(b, "<td>");
    if (face_file(s, dir, nik))
        sb_printf(b, "<img class=\"foto\" alt=\"foto %s\" src=\"foto/%s.jpg\"><br>", nik, nik);
    sb_printf(b, "<b>");
    sb_esc(b, name);
    sb_printf(b, "</b><br><span class=\"kecil\">NIK %s</span></td>", nik);
}

/* The candidate a decision is about: the one an officer named in the reason, else the best. */
static int chosen_candidate(const ktpel_dedup_decision *d, const case_row *r)
{
    for (int i = 0; r->adjudicated && i < d->candidate_count; i++)
        if (strstr(r->decided.reason, d->candidates[i].nik))
            return i;
    return d->candidate_count > 0 ? 0 : -1;
}

static void case_table_row(sbuf *b, ktpel_store *s, const char *dir,
                           const ktpel_report_pipeline_options *opt, const case_row *r)
{
    ktpel_dedup_decision d;
    bool has = ktpel_dedup_result_get(s, r->nik, &d, NULL) == KTPEL_OK;
    int c = has ? chosen_candidate(&d, r) : -1;
    sb_printf(b, "<tr>");
    person_cell(b, s, dir, r->nik);
    if (c >= 0) {
        person_cell(b, s, dir, d.candidates[c].nik);
        sb_printf(b, "<td class=\"n\">%.2f</td>", d.candidates[c].score);
    } else
        sb_printf(b, "<td>tidak ada kandidat tersimpan</td><td></td>");
    sb_printf(b, "<td>");
    if (r->adjudicated) {
        sb_printf(b, "petugas <code>");
        sb_esc(b, r->decided.actor);
        sb_printf(b, "</code>");
        if (r->decided.reason[0]) {
            sb_printf(b, ":<br><span class=\"kecil\">");
            sb_esc(b, r->decided.reason);
            sb_printf(b, "</span>");
        }
    } else
        sb_printf(b, "pemadanan otomatis (skor di atas ambang duplikat)");
    sb_printf(b, "</td><td>");
    char page[PATH_BYTES];
    if (opt->dedup_report &&
        snprintf(page, sizeof page, "%s/%s/kasus-%s.html", dir, opt->dedup_report, r->nik) > 0 &&
        file_exists(page))
        sb_printf(b, "<a href=\"%s/kasus-%s.html\">kasus-%s</a>", opt->dedup_report, r->nik,
                  r->nik);
    else
        sb_printf(b, "&mdash;");
    sb_printf(b, "</td></tr>\n");
}

static void case_table(sbuf *b, ktpel_store *s, const char *dir,
                       const ktpel_report_pipeline_options *opt, const census *c, bool duplicates)
{
    size_t n = 0;
    for (size_t i = 0; i < c->n; i++)
        n += (c->rows[i].status == KTPEL_STATUS_DUPLICATE) == duplicates;
    if (duplicates)
        sb_printf(b,
                  "<h2>Kasus ganda (%zu)</h2>\n<p class=\"ket\">Penduduk yang ternyata sudah "
                  "terekam dengan NIK lain: tidak dipersonalisasi. Foto: yang tersimpan di "
                  "pusat data.</p>\n",
                  n);
    else
        sb_printf(b,
                  "<h2>Adjudikasi: diputuskan berbeda (%zu)</h2>\n<p class=\"ket\">Kandidat "
                  "yang skornya di antara ambang adjudikasi dan ambang duplikat, yang diputuskan "
                  "orang yang berbeda.</p>\n",
                  n);
    if (!n) {
        sb_printf(b, "<p>Tidak ada.</p>\n");
        return;
    }
    sb_printf(b, "<table><tr><th>Penduduk</th><th>Kandidat</th><th>Skor</th>"
                 "<th>Diputuskan oleh</th><th>Halaman kasus</th></tr>\n");
    for (size_t i = 0; i < c->n; i++)
        if ((c->rows[i].status == KTPEL_STATUS_DUPLICATE) == duplicates)
            case_table_row(b, s, dir, opt, &c->rows[i]);
    sb_printf(b, "</table>\n");
}

static void status_table(sbuf *b, const census *c)
{
    sb_printf(b, "<h2>Status penduduk di pusat data</h2>\n<table><tr><th>Status</th>"
                 "<th>Jumlah</th></tr>\n");
    for (int st = 0; st < KTPEL_STATUS_COUNT; st++) {
        if (!c->count[st])
            continue;
        sb_printf(b,
                  "<tr><td>%s <span class=\"kecil\">(%s)</span></td><td class=\"n\">%zu</td>"
                  "</tr>\n",
                  ktpel_status_label_id((ktpel_status)st), ktpel_status_id((ktpel_status)st),
                  c->count[st]);
    }
    if (c->unreadable)
        sb_printf(b, "<tr><td>riwayat status tidak terbaca</td><td class=\"n\">%zu</td></tr>\n",
                  c->unreadable);
    sb_printf(b, "</table>\n");
}

/* ---- cards ---------------------------------------------------------------------------------- */

static ktpel_err cards_section(sbuf *b, const char *dir, const ktpel_report_pipeline_options *opt,
                               ktpel_errbuf *eb)
{
    if (!opt->card_count)
        return KTPEL_OK;
    char sub[PATH_BYTES];
    snprintf(sub, sizeof sub, "%s/kartu", dir);
    ktpel_err err = make_dir(sub, eb);
    sb_printf(b, "<h2>Kartu yang dicetak (contoh)</h2>\n");
    for (size_t i = 0; !err && i < opt->card_count; i++) {
        const char *name = base_name(opt->cards[i]);
        if (!safe_name(name))
            return ktpel_fail(eb, KTPEL_EINVAL,
                              "report: card file name '%s' (letters, digits, . _ - only)", name);
        uint8_t *png = NULL;
        size_t len = 0;
        err = ktpel_file_read(opt->cards[i], CARD_BYTES_MAX, &png, &len, eb);
        if (err)
            break;
        if (len < 8 || memcmp(png, "\x89PNG\r\n\x1a\n", 8) != 0)
            err = ktpel_fail(eb, KTPEL_EFORMAT, "report: card %s is not a PNG", opt->cards[i]);
        char path[PATH_BYTES + 256];
        snprintf(path, sizeof path, "%s/%s", sub, name);
        if (!err)
            err = ktpel_file_write_atomic(path, png, len, eb);
        free(png);
        sb_printf(b,
                  "<figure><img class=\"kartu\" alt=\"kartu %s\" src=\"kartu/%s\">"
                  "<figcaption>%s</figcaption></figure>\n",
                  name, name, name);
    }
    return err;
}

/* ---- the page ------------------------------------------------------------------------------- */

ktpel_err ktpel_report_pipeline(ktpel_store *s, const char *dir,
                                const ktpel_report_pipeline_options *opt, ktpel_errbuf *eb)
{
    ktpel_report_pipeline_options none = {0};
    if (!opt)
        opt = &none;
    if (!dir || !dir[0] || strlen(dir) > 3000)
        return ktpel_fail(eb, KTPEL_EINVAL, "report: folder name empty or too long");
    if (opt->dedup_report && !safe_name(opt->dedup_report))
        return ktpel_fail(eb, KTPEL_EINVAL,
                          "report: dedup report folder '%s' must be a plain name inside DIR",
                          opt->dedup_report);
    char foto[PATH_BYTES];
    snprintf(foto, sizeof foto, "%s/foto", dir);
    ktpel_err err = make_dir(dir, eb);
    if (!err)
        err = make_dir(foto, eb);
    census c = {0};
    if (!err)
        err = take_census(s, &c, eb);
    sbuf b = {0};
    const char *title = opt->title ? opt->title : "KTP-el: laporan alur lengkap";
    sb_printf(&b, "<!DOCTYPE html>\n<html lang=\"id\"><head><meta charset=\"utf-8\"><title>");
    sb_esc(&b, title);
    sb_printf(&b, "</title><style>%s</style></head><body>\n<h1>", page_style);
    sb_esc(&b, title);
    sb_printf(&b, "</h1>\n<p class=\"ket\">Pusat data: <code>");
    sb_esc(&b, ktpel_store_dir(s));
    sb_printf(&b, "</code>.");
    if (opt->dedup_report)
        sb_printf(&b,
                  " Halaman adjudikasi (<code>ktpel report dedup</code>): "
                  "<a href=\"%s/index.html\">%s/</a>.",
                  opt->dedup_report, opt->dedup_report);
    sb_printf(&b, "</p>\n");
    /* the first table (a summary), then the cards, so that both are on the first screen */
    for (size_t i = 0; !err && i < opt->table_count && i < 1; i++)
        err = caller_table(&b, opt->tables[i], eb);
    if (!err)
        err = cards_section(&b, dir, opt, eb);
    for (size_t i = 1; !err && i < opt->table_count; i++)
        err = caller_table(&b, opt->tables[i], eb);
    if (!err) {
        case_table(&b, s, dir, opt, &c, true);
        case_table(&b, s, dir, opt, &c, false);
        status_table(&b, &c);
        sb_printf(&b, "</body></html>\n");
    }
    if (!err && b.failed)
        err = ktpel_fail(eb, KTPEL_ENOMEM, "report: out of memory for the page");
    if (!err) {
        char path[PATH_BYTES];
        snprintf(path, sizeof path, "%s/index.html", dir);
        err = ktpel_file_write_atomic(path, b.p, b.n, eb);
    }
    free(b.p);
    free(c.rows);
    return err;
}
