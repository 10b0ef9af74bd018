/* Shipments of the personalisation run: the personalised cards grouped by destination
 * kecamatan, one list per kecamatan (CSV and JSON), then status shipped. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ktpel/file.h"

#include "personalize_internal.h"

#define PATH_BYTES 4400

/* One card of the shipment with what the lists print. */
typedef struct ship_card {
    ktpel_card_record card;
    ktpel_status status;
    char pprr[5];
    char kecamatan[KTPEL_TEXT_BYTES(KTPEL_KECAMATAN_MAX)];
    char kabupaten[KTPEL_TEXT_BYTES(KTPEL_KABUPATEN_MAX)];
    char provinsi[KTPEL_TEXT_BYTES(KTPEL_PROVINSI_MAX)];
    char nama[KTPEL_TEXT_BYTES(KTPEL_NAMA_MAX)];
    char kel_desa[KTPEL_TEXT_BYTES(KTPEL_KEL_DESA_MAX)];
    char file[24 + KTPEL_TEXT_BYTES(KTPEL_KECAMATAN_MAX)]; /* the list's name, no extension */
} ship_card;

typedef struct ship_list {
    ship_card *c;
    size_t n, cap;
    uint64_t shipment;
    ktpel_errbuf *eb;
    ktpel_err err;
} ship_list;

static int collect(void *ctx, const ktpel_card_record *card, ktpel_status status)
{
    ship_list *l = ctx;
    if (card->shipment != l->shipment)
        return 0;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        ship_card *p = realloc(l->c, cap * sizeof *p);
        if (!p) {
            l->err = ktpel_fail(l->eb, KTPEL_ENOMEM, "personalize: out of memory");
            return 1;
        }
        l->c = p;
        l->cap = cap;
    }
    ship_card *c = &l->c[l->n++];
    memset(c, 0, sizeof *c);
    c->card = *card;
    c->status = status;
    return 0;
}

/* ASCII capitals and digits of a name, everything else one '-'. */
static void slug(const char *name, char *out, size_t size)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)name; *p && n + 1 < size; p++) {
        char ch = *p >= 'a' && *p <= 'z'                                 ? (char)(*p - 32)
                  : (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ? (char)*p
                                                                         : '-';
        if (ch == '-' && (n == 0 || out[n - 1] == '-'))
            continue;
        out[n++] = ch;
    }
    while (n > 0 && out[n - 1] == '-')
        n--;
    out[n] = '\0';
    if (n == 0)
        snprintf(out, size, "KECAMATAN");
}

static ktpel_err describe(perso_run *run, ship_card *c, ktpel_errbuf *eb)
{
    perso_resident p = {0};
    ktpel_err err = perso_load_record(run->store, c->card.nik, &p, eb);
    if (!err) {
        const ktpel_resident *r = &p.app->resident;
        snprintf(c->pprr, sizeof c->pprr, "%.4s", c->card.nik);
        snprintf(c->kecamatan, sizeof c->kecamatan, "%s", r->kecamatan);
        snprintf(c->kabupaten, sizeof c->kabupaten, "%s", r->kabupaten);
        snprintf(c->provinsi, sizeof c->provinsi, "%s", r->provinsi);
        snprintf(c->nama, sizeof c->nama, "%s", r->nama);
        snprintf(c->kel_desa, sizeof c->kel_desa, "%s", r->kel_desa);
    }
    perso_resident_clear(&p);
    return err;
}

/* Destination (regency, kecamatan as written), then register number. */
static int by_destination(const void *a, const void *b)
{
    const ship_card *x = a, *y = b;
    int d = strcmp(x->pprr, y->pprr);
    if (!d)
        d = strcmp(x->kecamatan, y->kecamatan);
    return d ? d : strcmp(x->card.register_no, y->card.register_no);
}

static bool same_destination(const ship_card *a, const ship_card *b)
{
    return strcmp(a->pprr, b->pprr) == 0 && strcmp(a->kecamatan, b->kecamatan) == 0;
}

/* File names PPRR-SLUG; a second kecamatan of a regency whose name gives the same slug gets
 * PPRR-SLUG~2, and so on, in sorted order. */
static void name_lists(ship_card *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && same_destination(&c[i - 1], &c[i])) {
            memcpy(c[i].file, c[i - 1].file, sizeof c[i].file);
            continue;
        }
        char s[KTPEL_TEXT_BYTES(KTPEL_KECAMATAN_MAX)];
        slug(c[i].kecamatan, s, sizeof s);
        snprintf(c[i].file, sizeof c[i].file, "%s-%s", c[i].pprr, s);
        int same = 1;
        for (size_t k = 0; k < i; k++) {
            char t[KTPEL_TEXT_BYTES(KTPEL_KECAMATAN_MAX)];
            slug(c[k].kecamatan, t, sizeof t);
            bool first_of_group = k == 0 || !same_destination(&c[k - 1], &c[k]);
            same += first_of_group && strcmp(c[k].pprr, c[i].pprr) == 0 && strcmp(s, t) == 0;
        }
        if (same > 1) {
            size_t len = strlen(c[i].file);
            snprintf(c[i].file + len, sizeof c[i].file - len, "~%d", same);
        }
    }
}

/* ---- text output into a growing buffer ---- */

typedef struct out_buf {
    char *data;
    size_t len, cap;
    bool failed;
} out_buf;

static void put(out_buf *b, const char *s, size_t n)
{
    if (b->failed)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = (b->len + n + 1) * 2;
        char *p = realloc(b->data, cap);
        if (!p) {
            b->failed = true;
            return;
        }
        b->data = p;
        b->cap = cap;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

static void puts_(out_buf *b, const char *s)
{
    put(b, s, strlen(s));
}

/* RFC 4180: quoted when it holds a comma, a quote or a line end. */
static void csv_field(out_buf *b, const char *s, bool last)
{
    if (strpbrk(s, ",\"\r\n")) {
        put(b, "\"", 1);
        for (const char *p = s; *p; p++)
            put(b, *p == '"' ? "\"\"" : p, *p == '"' ? 2 : 1);
        put(b, "\"", 1);
    } else {
        puts_(b, s);
    }
    puts_(b, last ? "\n" : ",");
}

static void json_string(out_buf *b, const char *key, const char *s, bool comma)
{
    char tmp[8];
    puts_(b, "\"");
    puts_(b, key);
    puts_(b, "\": \"");
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') {
            put(b, "\\", 1);
            put(b, (const char *)p, 1);
        } else if (*p < 0x20) {
            snprintf(tmp, sizeof tmp, "\\u%04x", *p);
            puts_(b, tmp);
        } else {
            put(b, (const char *)p, 1);
        }
    }
    puts_(b, comma ? "\", " : "\"");
}

static void hex(const uint8_t *d, char out[65])
{
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static void card_strings(const ship_card *c, char chip_file[40], char sha[65], char date[16])
{
    snprintf(chip_file, 40, "%s.chip", c->card.register_no);
    hex(c->card.chip_sha256, sha);
    ktpel_date_format_iso(c->card.issue_date, date, 16);
}

static void write_csv(out_buf *b, const ship_card *c, size_t n)
{
    puts_(b, "register_no,nik,nama,kel_desa,kecamatan,kabupaten,provinsi,issue_date,chip_file,"
             "chip_sha256\n");
    for (size_t i = 0; i < n; i++) {
        char chip_file[40], sha[65], date[16];
        card_strings(&c[i], chip_file, sha, date);
        const char *f[] = {
            c[i].card.register_no, c[i].card.nik, c[i].nama, c[i].kel_desa, c[i].kecamatan,
            c[i].kabupaten,        c[i].provinsi, date,      chip_file,     sha};
        for (size_t k = 0; k < 10; k++)
            csv_field(b, f[k], k == 9);
    }
}

static void write_json(out_buf *b, uint64_t shipment, const ship_card *c, size_t n)
{
    char num[32];
    snprintf(num, sizeof num, "%06llu", (unsigned long long)shipment);
    puts_(b, "{");
    json_string(b, "shipment", num, true);
    json_string(b, "regency_code", c[0].pprr, true);
    json_string(b, "kecamatan", c[0].kecamatan, true);
    json_string(b, "kabupaten", c[0].kabupaten, true);
    json_string(b, "provinsi", c[0].provinsi, true);
    snprintf(num, sizeof num, "%zu", n);
    puts_(b, "\"count\": ");
    puts_(b, num);
    puts_(b, ", \"cards\": [\n");
    for (size_t i = 0; i < n; i++) {
        char chip_file[40], sha[65], date[16];
        card_strings(&c[i], chip_file, sha, date);
        puts_(b, "  {");
        json_string(b, "register_no", c[i].card.register_no, true);
        json_string(b, "nik", c[i].card.nik, true);
        json_string(b, "nama", c[i].nama, true);
        json_string(b, "kel_desa", c[i].kel_desa, true);
        json_string(b, "issue_date", date, true);
        json_string(b, "chip_file", chip_file, true);
        json_string(b, "chip_sha256", sha, false);
        puts_(b, i + 1 < n ? "},\n" : "}\n");
    }
    puts_(b, "]}\n");
}

static ktpel_err write_list(perso_run *run, uint64_t shipment, const ship_card *c, size_t n,
                            ktpel_errbuf *eb)
{
    char dir[PATH_BYTES], path[PATH_BYTES + 256];
    snprintf(dir, sizeof dir, "%s/shipments/%06llu", run->opt->out_dir,
             (unsigned long long)shipment);
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        return ktpel_fail(eb, KTPEL_EIO, "%s: cannot create the folder: %s", dir, strerror(errno));
    ktpel_err err = KTPEL_OK;
    for (int kind = 0; !err && kind < 2; kind++) {
        out_buf b = {0};
        if (kind == 0)
            write_csv(&b, c, n);
        else
            write_json(&b, shipment, c, n);
        snprintf(path, sizeof path, "%s/%s.%s", dir, c[0].file, kind ? "json" : "csv");
        err = b.failed ? ktpel_fail(eb, KTPEL_ENOMEM, "personalize: out of memory")
                       : ktpel_file_write_atomic(path, b.data, b.len, eb);
        free(b.data);
    }
    if (!err)
        perso_emit(run, KTPEL_PERSO_LIST, NULL, NULL, path, n, c[0].kecamatan);
    return err;
}

static ktpel_err ship_batches(perso_run *run, uint64_t shipment, const ship_card *c, size_t n,
                              ktpel_personalize_stats *st, ktpel_errbuf *eb)
{
    char(*niks)[KTPEL_NIK_LEN + 1] = malloc((n ? n : 1) * sizeof *niks);
    if (!niks)
        return ktpel_fail(eb, KTPEL_ENOMEM, "personalize: out of memory");
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (c[i].status == KTPEL_STATUS_PERSONALISED)
            memcpy(niks[m++], c[i].card.nik, KTPEL_NIK_LEN + 1);
    ktpel_err err = KTPEL_OK;
    for (size_t i = 0; !err && i < m; i += run->batch) {
        size_t k = m - i < run->batch ? m - i : run->batch;
        err = ktpel_cards_ship(run->store, shipment, (const char(*)[KTPEL_NIK_LEN + 1])(niks + i),
                               k, run->time, run->actor, eb);
        if (!err) {
            st->shipped += k;
            perso_emit(run, KTPEL_PERSO_SHIPPED, NULL, NULL, NULL, k, NULL);
        }
    }
    free(niks);
    return err;
}

static ktpel_err ship_one(perso_run *run, uint64_t shipment, ktpel_personalize_stats *st,
                          ktpel_errbuf *eb)
{
    ship_list l = {.shipment = shipment, .eb = eb};
    ktpel_err err = ktpel_cards_list(run->store, collect, &l, eb);
    if (!err)
        err = l.err;
    for (size_t i = 0; !err && i < l.n; i++)
        err = describe(run, &l.c[i], eb);
    if (!err && l.n) {
        qsort(l.c, l.n, sizeof *l.c, by_destination);
        name_lists(l.c, l.n);
    }
    for (size_t i = 0, j; !err && i < l.n; i = j) {
        for (j = i + 1; j < l.n && same_destination(&l.c[i], &l.c[j]); j++)
            ;
        err = write_list(run, shipment, l.c + i, j - i, eb);
        st->lists += !err;
    }
    if (!err)
        err = ship_batches(run, shipment, l.c, l.n, st, eb);
    free(l.c);
    return err;
}

ktpel_err perso_ship(perso_run *run, ktpel_personalize_stats *st, ktpel_errbuf *eb)
{
    for (;;) {
        uint64_t shipment = 0;
        size_t count = 0;
        ktpel_err err = ktpel_cards_assign_shipment(run->store, run->time, &shipment, &count, eb);
        if (err || !shipment)
            return err;
        if ((err = ship_one(run, shipment, st, eb)))
            return err;
        st->shipment = shipment;
    }
}
