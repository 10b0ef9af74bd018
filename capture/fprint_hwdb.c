/* libfprint's supported-device list, read from the udev hwdb file it installs
 * (include/ktpel/station_devices.h). Only the parts ktpel needs are interpreted:
 *
 *   # Supported by libfprint driver aes3500      <- section: entries below use this driver
 *   # Known unsupported devices                  <- section: entries below have no driver
 *   usb:v08FFp5731*                              <- one entry: 4 hex digits each, then '*'
 *    ID_AUTOSUSPEND=1                            <- properties (indented): ignored
 *
 * Other comment lines and empty lines are ignored. The file comes from outside ktpel, so
 * every line is checked and a malformed one is an error that names it.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ktpel/station_devices.h"

#define MAX_LINE          1024
#define DRIVER_NAME_MAX   32
#define SUPPORTED_PREFIX  "# Supported by libfprint driver "
#define UNSUPPORTED_TITLE "# Known unsupported devices"

typedef struct hwdb_entry {
    unsigned short vid, pid;
    short driver; /* index into drivers, -1 = known unsupported */
} hwdb_entry;

struct ktpel_fprint_hwdb {
    hwdb_entry *entries;
    size_t count, cap;
    char (*drivers)[DRIVER_NAME_MAX];
    size_t ndrivers, drivers_cap;
};

void ktpel_fprint_hwdb_free(ktpel_fprint_hwdb *db)
{
    if (!db)
        return;
    free(db->entries);
    free(db->drivers);
    free(db);
}

size_t ktpel_fprint_hwdb_count(const ktpel_fprint_hwdb *db)
{
    return db ? db->count : 0;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)tolower((unsigned char)c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Four hex digits at p into *out; false if any is not a hex digit. */
static bool hex4(const char *p, unsigned short *out)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        int h = hexval(p[i]);
        if (h < 0)
            return false;
        v = v * 16 + (unsigned)h;
    }
    *out = (unsigned short)v;
    return true;
}

static bool grow(void **buf, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return true;
    size_t n = *cap ? *cap * 2 : 64;
    while (n < need)
        n *= 2;
    void *p = realloc(*buf, n * elem);
    if (!p)
        return false;
    *buf = p;
    *cap = n;
    return true;
}

/* A driver section title: the name must be a plain identifier. Returns the driver index, or
 * -2 with eb filled. */
static int add_driver(ktpel_fprint_hwdb *db, const char *name, size_t len, const char *where,
                      size_t line, ktpel_errbuf *eb)
{
    if (len == 0 || len >= DRIVER_NAME_MAX) {
        ktpel_fail(eb, KTPEL_EFORMAT, "%s line %zu: driver name empty or longer than %d bytes",
                   where, line, DRIVER_NAME_MAX - 1);
        return -2;
    }
    for (size_t i = 0; i < len; i++)
        if (!isalnum((unsigned char)name[i]) && name[i] != '_' && name[i] != '-') {
            ktpel_fail(eb, KTPEL_EFORMAT, "%s line %zu: driver name has a bad character 0x%02x",
                       where, line, (unsigned char)name[i]);
            return -2;
        }
    if (db->ndrivers >= 30000 ||
        !grow((void **)&db->drivers, &db->drivers_cap, db->ndrivers + 1, DRIVER_NAME_MAX)) {
        ktpel_fail(eb, KTPEL_ENOMEM, "%s: out of memory", where);
        return -2;
    }
    memcpy(db->drivers[db->ndrivers], name, len);
    db->drivers[db->ndrivers][len] = '\0';
    return (int)db->ndrivers++;
}

static ktpel_err add_entry(ktpel_fprint_hwdb *db, const char *s, size_t len, int driver,
                           const char *where, size_t line, ktpel_errbuf *eb)
{
    hwdb_entry e;
    if (len != 15 || memcmp(s, "usb:v", 5) != 0 || !hex4(s + 5, &e.vid) || s[9] != 'p' ||
        !hex4(s + 10, &e.pid) || s[14] != '*')
        return ktpel_fail(eb, KTPEL_EFORMAT,
                          "%s line %zu: expected usb:vXXXXpYYYY* (4 hex digits each), got "
                          "'%.40s'",
                          where, line, s);
    if (driver == -2)
        return ktpel_fail(eb, KTPEL_EFORMAT,
                          "%s line %zu: device entry before any '# Supported by libfprint "
                          "driver' or '# Known unsupported devices' section",
                          where, line);
    if (db->count >= KTPEL_FPRINT_HWDB_MAX_ENTRIES)
        return ktpel_fail(eb, KTPEL_ETOOBIG, "%s line %zu: more than %d device entries", where,
                          line, KTPEL_FPRINT_HWDB_MAX_ENTRIES);
    if (!grow((void **)&db->entries, &db->cap, db->count + 1, sizeof e))
        return ktpel_fail(eb, KTPEL_ENOMEM, "%s: out of memory", where);
    e.driver = (short)driver;
    db->entries[db->count++] = e;
    return KTPEL_OK;
}

/* Interprets one line (no newline, no NUL inside). *driver is the current section. */
static ktpel_err parse_line(ktpel_fprint_hwdb *db, const char *s, size_t len, int *driver,
                            const char *where, size_t line, ktpel_errbuf *eb)
{
    if (len > 0 && s[len - 1] == '\r')
        len--;
    size_t plen = strlen(SUPPORTED_PREFIX);
    if (len >= plen && memcmp(s, SUPPORTED_PREFIX, plen) == 0) {
        int d = add_driver(db, s + plen, len - plen, where, line, eb);
        if (d == -2)
            return eb ? eb->code : KTPEL_EFORMAT;
        *driver = d;
        return KTPEL_OK;
    }
    if (len == strlen(UNSUPPORTED_TITLE) && memcmp(s, UNSUPPORTED_TITLE, len) == 0) {
        *driver = -1;
        return KTPEL_OK;
    }
    if (len >= 4 && memcmp(s, "usb:", 4) == 0) {
        char copy[MAX_LINE + 1];
        memcpy(copy, s, len);
        copy[len] = '\0';
        return add_entry(db, copy, len, *driver, where, line, eb);
    }
    return KTPEL_OK; /* comments, blank lines, properties, other buses */
}

ktpel_err ktpel_fprint_hwdb_parse(const char *text, size_t len, const char *name,
                                  ktpel_fprint_hwdb **out, ktpel_errbuf *eb)
{
    const char *where = name ? name : "hwdb";
    if (!out || (!text && len))
        return ktpel_fail(eb, KTPEL_EINVAL, "ktpel_fprint_hwdb_parse: NULL argument");
    *out = NULL;
    if (len > KTPEL_FPRINT_HWDB_MAX_BYTES)
        return ktpel_fail(eb, KTPEL_ETOOBIG, "%s: %zu bytes, more than the %u accepted", where, len,
                          KTPEL_FPRINT_HWDB_MAX_BYTES);
    if (len && memchr(text, '\0', len))
        return ktpel_fail(eb, KTPEL_EFORMAT, "%s: NUL byte at offset %zu", where,
                          (size_t)((const char *)memchr(text, '\0', len) - text));
    ktpel_fprint_hwdb *db = calloc(1, sizeof *db);
    if (!db)
        return ktpel_fail(eb, KTPEL_ENOMEM, "%s: out of memory", where);
    int driver = -2; /* no section yet */
    size_t line = 0, pos = 0;
    ktpel_err err = KTPEL_OK;
    while (pos < len && err == KTPEL_OK) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
        line++;
        if (n > MAX_LINE)
            err = ktpel_fail(eb, KTPEL_EFORMAT, "%s line %zu: longer than %d bytes", where, line,
                             MAX_LINE);
        else
            err = parse_line(db, text + pos, n, &driver, where, line, eb);
        pos += n + (nl ? 1 : 0);
    }
    if (err != KTPEL_OK) {
        ktpel_fprint_hwdb_free(db);
        return err;
    }
    *out = db;
    return KTPEL_OK;
}

ktpel_err ktpel_fprint_hwdb_load(const char *path, ktpel_fprint_hwdb **out, ktpel_errbuf *eb)
{
    static const char *const defaults[] = {
        "/lib/udev/hwdb.d/60-autosuspend-libfprint-2.hwdb",
        "/usr/lib/udev/hwdb.d/60-autosuspend-libfprint-2.hwdb",
    };
    if (!out)
        return ktpel_fail(eb, KTPEL_EINVAL, "ktpel_fprint_hwdb_load: NULL argument");
    *out = NULL;
    FILE *f = NULL;
    const char *used = path;
    if (path) {
        f = fopen(path, "rb");
    } else {
        for (size_t i = 0; !f && i < sizeof defaults / sizeof defaults[0]; i++)
            if ((f = fopen(defaults[i], "rb")) != NULL)
                used = defaults[i];
    }
    if (!f)
        return ktpel_fail(eb, KTPEL_ENOTFOUND, "%s: libfprint's device list not found (%s)",
                          path ? path : defaults[0], strerror(errno));
    size_t cap = 65536, len = 0;
    char *buf = malloc(cap);
    while (buf) {
        size_t n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (len < cap || cap > KTPEL_FPRINT_HWDB_MAX_BYTES)
            break;
        char *p = realloc(buf, cap * 2);
        if (!p) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = p;
        cap *= 2;
    }
    bool read_error = ferror(f);
    fclose(f);
    if (!buf)
        return ktpel_fail(eb, KTPEL_ENOMEM, "%s: out of memory", used);
    ktpel_err err = read_error ? ktpel_fail(eb, KTPEL_EIO, "%s: read error", used)
                               : ktpel_fprint_hwdb_parse(buf, len, used, out, eb);
    free(buf);
    return err;
}

bool ktpel_fprint_hwdb_lookup(const ktpel_fprint_hwdb *db, int vid, int pid, const char **driver)
{
    if (driver)
        *driver = NULL;
    for (size_t i = 0; db && i < db->count; i++) {
        const hwdb_entry *e = &db->entries[i];
        if (e->vid != vid || e->pid != pid)
            continue;
        if (driver && e->driver >= 0)
            *driver = db->drivers[e->driver];
        return true;
    }
    return false;
}
