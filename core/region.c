/* Region list: a sorted array of (code, name), with codes packed as PPRRDD (regency and
 * district 00 for provinces and regencies; real codes never use 00, so the packing is
 * unambiguous and a regency's districts are one contiguous range). */
#include "ktpel/region.h"

#include "ktpel/file.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ktpel/utf8.h"

typedef struct region_entry {
    uint32_t code;
    uint32_t seq; /* insertion order: of two entries with one code, the later wins */
    char name[KTPEL_REGION_NAME_MAX + 1];
} region_entry;

struct ktpel_regions {
    region_entry *entries;
    size_t count;
    size_t cap;
    uint32_t next_seq;
};

typedef struct builtin_region {
    uint32_t code;
    const char *name;
} builtin_region;

/* A selection: every province, and only regencies whose codes are certain. */
static const builtin_region builtin[] = {
    {110000, "Aceh"},
    {117100, "Kota Banda Aceh"},
    {120000, "Sumatera Utara"},
    {127100, "Kota Medan"},
    {130000, "Sumatera Barat"},
    {131000, "Kab. Dharmasraya"},
    {137100, "Kota Padang"},
    {140000, "Riau"},
    {147100, "Kota Pekanbaru"},
    {150000, "Jambi"},
    {160000, "Sumatera Selatan"},
    {167100, "Kota Palembang"},
    {170000, "Bengkulu"},
    {180000, "Lampung"},
    {190000, "Kepulauan Bangka Belitung"},
    {210000, "Kepulauan Riau"},
    {310000, "DKI Jakarta"},
    {317100, "Kota Adm. Jakarta Selatan"},
    {317200, "Kota Adm. Jakarta Timur"},
    {317300, "Kota Adm. Jakarta Pusat"},
    {317400, "Kota Adm. Jakarta Barat"},
    {317500, "Kota Adm. Jakarta Utara"},
    {320000, "Jawa Barat"},
    {327300, "Kota Bandung"},
    {330000, "Jawa Tengah"},
    {337400, "Kota Semarang"},
    {340000, "Daerah Istimewa Yogyakarta"},
    {347100, "Kota Yogyakarta"},
    {350000, "Jawa Timur"},
    {352000, "Kab. Magetan"},
    {357800, "Kota Surabaya"},
    {360000, "Banten"},
    {510000, "Bali"},
    {517100, "Kota Denpasar"},
    {520000, "Nusa Tenggara Barat"},
    {530000, "Nusa Tenggara Timur"},
    {610000, "Kalimantan Barat"},
    {610500, "Kab. Sintang"},
    {617100, "Kota Pontianak"},
    {620000, "Kalimantan Tengah"},
    {630000, "Kalimantan Selatan"},
    {640000, "Kalimantan Timur"},
    {650000, "Kalimantan Utara"},
    {710000, "Sulawesi Utara"},
    {720000, "Sulawesi Tengah"},
    {730000, "Sulawesi Selatan"},
    {737100, "Kota Makassar"},
    {740000, "Sulawesi Tenggara"},
    {750000, "Gorontalo"},
    {760000, "Sulawesi Barat"},
    {810000, "Maluku"},
    {820000, "Maluku Utara"},
    {910000, "Papua"},
    {920000, "Papua Barat"},
    {930000, "Papua Selatan"},
    {940000, "Papua Tengah"},
    {950000, "Papua Pegunungan"},
    {960000, "Papua Barat Daya"},
};

static uint32_t pack(int province, int regency, int district)
{
    return (uint32_t)province * 10000u + (uint32_t)regency * 100u + (uint32_t)district;
}

static bool reserve(ktpel_regions *r, size_t extra)
{
    if (r->count + extra <= r->cap)
        return true;
    size_t cap = r->cap ? r->cap : 128;
    while (cap < r->count + extra)
        cap *= 2;
    region_entry *bigger = realloc(r->entries, cap * sizeof *bigger);
    if (!bigger)
        return false;
    r->entries = bigger;
    r->cap = cap;
    return true;
}

static void append(ktpel_regions *r, uint32_t code, const char *name, size_t len)
{
    region_entry *e = &r->entries[r->count++];
    e->code = code;
    e->seq = r->next_seq++;
    memcpy(e->name, name, len);
    e->name[len] = '\0';
}

static int compare_entries(const void *a, const void *b)
{
    const region_entry *x = a, *y = b;
    if (x->code != y->code)
        return x->code < y->code ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Sorts by code and keeps, for each code, the entry added last. */
static void sort_and_dedupe(ktpel_regions *r)
{
    if (r->count == 0)
        return;
    qsort(r->entries, r->count, sizeof *r->entries, compare_entries);
    size_t out = 0;
    for (size_t i = 0; i < r->count; i++) {
        if (i + 1 < r->count && r->entries[i + 1].code == r->entries[i].code)
            continue;
        r->entries[out++] = r->entries[i];
    }
    r->count = out;
}

ktpel_err ktpel_regions_create_empty(ktpel_regions **out, ktpel_errbuf *eb)
{
    if (!out)
        return ktpel_fail(eb, KTPEL_EINVAL, "regions: NULL output");
    *out = calloc(1, sizeof **out);
    if (!*out)
        return ktpel_fail(eb, KTPEL_ENOMEM, "regions: out of memory");
    return KTPEL_OK;
}

ktpel_err ktpel_regions_create(ktpel_regions **out, ktpel_errbuf *eb)
{
    ktpel_err err = ktpel_regions_create_empty(out, eb);
    if (err)
        return err;
    size_t n = sizeof builtin / sizeof builtin[0];
    if (!reserve(*out, n)) {
        ktpel_regions_free(*out);
        *out = NULL;
        return ktpel_fail(eb, KTPEL_ENOMEM, "regions: out of memory");
    }
    for (size_t i = 0; i < n; i++)
        append(*out, builtin[i].code, builtin[i].name, strlen(builtin[i].name));
    sort_and_dedupe(*out);
    return KTPEL_OK;
}

void ktpel_regions_free(ktpel_regions *regions)
{
    if (!regions)
        return;
    free(regions->entries);
    free(regions);
}

/* ---- CSV ---- */

typedef struct csv_field {
    char text[KTPEL_REGION_LINE_MAX + 1];
    size_t len;
    bool quoted;
} csv_field;

typedef struct csv_ctx {
    const char *source;
    int line;
    ktpel_errbuf *eb;
} csv_ctx;

static ktpel_err csv_error(const csv_ctx *c, const char *what, const char *value, size_t len)
{
    char shown[96];
    ktpel_text_quote(value, len, shown, sizeof shown);
    return ktpel_fail(c->eb, KTPEL_EFORMAT, "%s:%d: %s: \"%s\"", c->source, c->line, what, shown);
}

static bool is_space(char ch)
{
    return ch == ' ' || ch == '\t';
}

/* Splits one line (without its line end) into at most `max` fields. Returns the number of
 * fields, or -1 with the reason in *why. */
static int split_line(const char *s, size_t len, csv_field *fields, int max, const char **why)
{
    int n = 0;
    size_t i = 0;
    for (;;) {
        if (n == max) {
            *why = "too many fields (expected code,name)";
            return -1;
        }
        csv_field *f = &fields[n++];
        f->len = 0;
        f->quoted = false;
        while (i < len && is_space(s[i]))
            i++;
        if (i < len && s[i] == '"') {
            f->quoted = true;
            i++;
            for (;;) {
                if (i >= len) {
                    *why = "unterminated quoted field";
                    return -1;
                }
                if (s[i] == '"') {
                    if (i + 1 < len && s[i + 1] == '"') {
                        f->text[f->len++] = '"';
                        i += 2;
                        continue;
                    }
                    i++;
                    break;
                }
                f->text[f->len++] = s[i++];
            }
            while (i < len && is_space(s[i]))
                i++;
            if (i < len && s[i] != ',') {
                *why = "text after a closing quote";
                return -1;
            }
        } else {
            while (i < len && s[i] != ',') {
                if (s[i] == '"') {
                    *why = "quote inside an unquoted field";
                    return -1;
                }
                f->text[f->len++] = s[i++];
            }
            while (f->len > 0 && is_space(f->text[f->len - 1]))
                f->len--;
        }
        f->text[f->len] = '\0';
        if (i >= len)
            return n;
        i++; /* the comma */
    }
}

static bool two_digits(const char *s, int *out)
{
    if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9')
        return false;
    *out = (s[0] - '0') * 10 + (s[1] - '0');
    return true;
}

/* Parses "PP", "PP.RR", "PP.RR.DD" or "PP.RR.DD.VVVV". *village is set for village codes. */
static bool parse_code(const csv_field *f, uint32_t *code, bool *village)
{
    const char *s = f->text;
    int p = 0, r = 0, d = 0;
    *village = false;
    if (f->len != 2 && f->len != 5 && f->len != 8 && f->len != 13)
        return false;
    if (!two_digits(s, &p) || p < 11)
        return false;
    if (f->len >= 5 && (s[2] != '.' || !two_digits(s + 3, &r) || r == 0))
        return false;
    if (f->len >= 8 && (s[5] != '.' || !two_digits(s + 6, &d) || d == 0))
        return false;
    if (f->len == 13) {
        int hi, lo;
        if (s[8] != '.' || !two_digits(s + 9, &hi) || !two_digits(s + 11, &lo) ||
            hi * 100 + lo == 0)
            return false;
        *village = true;
    }
    *code = pack(p, r, d);
    return true;
}

static bool name_ok(const csv_field *f, const char **why)
{
    if (f->len == 0) {
        *why = "empty region name";
        return false;
    }
    if (f->len > KTPEL_REGION_NAME_MAX) {
        *why = "region name longer than 95 bytes";
        return false;
    }
    if (!ktpel_utf8_valid(f->text, f->len, NULL)) {
        *why = "region name is not well-formed UTF-8";
        return false;
    }
    for (size_t i = 0; i < f->len; i++) {
        unsigned char ch = (unsigned char)f->text[i];
        if (ch < 0x20 || ch == 0x7F) {
            *why = "control character in region name";
            return false;
        }
    }
    return true;
}

/* Handles one non-blank line; appends its region (if it is not a header or a village). */
static ktpel_err csv_line(ktpel_regions *r, csv_ctx *c, const char *s, size_t len, bool first)
{
    csv_field fields[2];
    const char *why = NULL;
    int n = split_line(s, len, fields, 2, &why);
    if (n < 0)
        return csv_error(c, why, s, len);
    if (first && !fields[0].quoted &&
        (fields[0].len == 0 || fields[0].text[0] < '0' || fields[0].text[0] > '9'))
        return KTPEL_OK; /* header line */
    if (n != 2)
        return csv_error(c, "expected code,name", s, len);
    uint32_t code;
    bool village;
    if (!parse_code(&fields[0], &code, &village))
        return csv_error(c,
                         "malformed region code (expected PP, PP.RR, PP.RR.DD or "
                         "PP.RR.DD.VVVV; province 11-99, others from 01)",
                         fields[0].text, fields[0].len);
    if (!name_ok(&fields[1], &why))
        return csv_error(c, why, fields[1].text, fields[1].len);
    if (village)
        return KTPEL_OK;
    if (!reserve(r, 1))
        return ktpel_fail(c->eb, KTPEL_ENOMEM, "%s:%d: out of memory", c->source, c->line);
    append(r, code, fields[1].text, fields[1].len);
    return KTPEL_OK;
}

ktpel_err ktpel_regions_load_csv_buffer(ktpel_regions *regions, const char *data, size_t len,
                                        const char *source, ktpel_errbuf *eb)
{
    if (!regions || (!data && len))
        return ktpel_fail(eb, KTPEL_EINVAL, "regions: NULL argument");
    if (!source)
        source = "regions";
    if (len > KTPEL_REGION_FILE_MAX)
        return ktpel_fail(eb, KTPEL_ETOOBIG, "%s: %zu bytes is more than the %u allowed", source,
                          len, KTPEL_REGION_FILE_MAX);
    size_t old_count = regions->count;
    uint32_t old_seq = regions->next_seq;
    csv_ctx c = {source, 0, eb};
    size_t pos = 0;
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
        pos = 3;
    bool first = true;
    ktpel_err err = KTPEL_OK;
    while (pos < len && !err) {
        const char *nl = memchr(data + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - data) : len;
        size_t line_len = end - pos;
        c.line++;
        if (line_len > 0 && data[pos + line_len - 1] == '\r')
            line_len--;
        if (line_len > KTPEL_REGION_LINE_MAX) {
            err = ktpel_fail(eb, KTPEL_ETOOBIG, "%s:%d: line longer than %d bytes", source, c.line,
                             KTPEL_REGION_LINE_MAX);
            break;
        }
        size_t k = 0;
        while (k < line_len && is_space(data[pos + k]))
            k++;
        if (k < line_len) {
            err = csv_line(regions, &c, data + pos, line_len, first);
            first = false;
        }
        pos = end + 1;
    }
    if (err) {
        regions->count = old_count; /* all or nothing */
        regions->next_seq = old_seq;
        return err;
    }
    sort_and_dedupe(regions);
    return KTPEL_OK;
}

ktpel_err ktpel_regions_load_csv(ktpel_regions *regions, const char *path, ktpel_errbuf *eb)
{
    if (!regions || !path)
        return ktpel_fail(eb, KTPEL_EINVAL, "regions: NULL argument");
    uint8_t *buf = NULL;
    size_t len = 0;
    ktpel_err err = ktpel_file_read(path, KTPEL_REGION_FILE_MAX, &buf, &len, eb);
    if (!err)
        err = ktpel_regions_load_csv_buffer(regions, (const char *)buf, len, path, eb);
    free(buf);
    return err;
}

/* ---- lookups ---- */

static const region_entry *find(const ktpel_regions *r, uint32_t code)
{
    size_t lo = 0, hi = r->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (r->entries[mid].code < code)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < r->count && r->entries[lo].code == code ? &r->entries[lo] : NULL;
}

static bool in_range(int v, int lo, int hi)
{
    return v >= lo && v <= hi;
}

const char *ktpel_regions_province(const ktpel_regions *regions, int province)
{
    if (!regions || !in_range(province, 11, 99))
        return NULL;
    const region_entry *e = find(regions, pack(province, 0, 0));
    return e ? e->name : NULL;
}

const char *ktpel_regions_regency(const ktpel_regions *regions, int province, int regency)
{
    if (!regions || !in_range(province, 11, 99) || !in_range(regency, 1, 99))
        return NULL;
    const region_entry *e = find(regions, pack(province, regency, 0));
    return e ? e->name : NULL;
}

const char *ktpel_regions_district(const ktpel_regions *regions, int province, int regency,
                                   int district)
{
    if (!regions || !in_range(province, 11, 99) || !in_range(regency, 1, 99) ||
        !in_range(district, 1, 99))
        return NULL;
    const region_entry *e = find(regions, pack(province, regency, district));
    return e ? e->name : NULL;
}

bool ktpel_regions_has_districts(const ktpel_regions *regions, int province, int regency)
{
    if (!regions || !in_range(province, 11, 99) || !in_range(regency, 1, 99))
        return false;
    uint32_t first = pack(province, regency, 1);
    size_t lo = 0, hi = regions->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (regions->entries[mid].code < first)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < regions->count && regions->entries[lo].code <= pack(province, regency, 99);
}

size_t ktpel_regions_count(const ktpel_regions *regions)
{
    return regions ? regions->count : 0;
}
