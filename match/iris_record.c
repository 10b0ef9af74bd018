/* Iris image records in the style of ISO/IEC 19794-6:2011 (iris image data), kept simple:
 * the general header and representation header of the standard's layout, with the fields
 * ktpel does not know written as "unknown", and images stored raw (8-bit grey) or as PNG.
 * docs/iris.md lists every field; what the standard has and this writer does not (capture
 * date, device ids, several quality blocks, JPEG 2000) is written as unknown/absent and
 * accepted on reading. All integers are big-endian. */
#include <stdlib.h>
#include <string.h>

#include "ktpel/iris.h"

#define GENERAL_BYTES        16
#define REP_FIXED            51 /* representation header without the optional quality block */
#define QUALITY_BYTES        5
#define MAX_SIDE             4096
#define MAX_PIXELS           (16u * 1024u * 1024u)
#define IMAGE_TYPE_UNCROPPED 1

static const uint8_t magic[8] = {'I', 'I', 'R', 0, '0', '2', '0', 0};

static void put(uint8_t *p, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        p[i] = (uint8_t)(v >> (8 * (bytes - 1 - i)));
}

static uint32_t get(const uint8_t *p, int bytes)
{
    uint32_t v = 0;
    for (int i = 0; i < bytes; i++)
        v = v << 8 | p[i];
    return v;
}

static int valid_eye(int eye)
{
    return eye == KTPEL_IRIS_EYE_UNDEF || eye == KTPEL_IRIS_EYE_RIGHT || eye == KTPEL_IRIS_EYE_LEFT;
}

static int eyes_represented(const int *eyes, int count)
{
    int right = 0, left = 0;
    for (int i = 0; i < count; i++) {
        right |= eyes[i] == KTPEL_IRIS_EYE_RIGHT;
        left |= eyes[i] == KTPEL_IRIS_EYE_LEFT;
    }
    return right + left;
}

/* ---- writing ----------------------------------------------------------------------------- */

static ktpel_err check_image(const ktpel_iris_record_image *r, int i, ktpel_errbuf *eb)
{
    const ktpel_image *im = &r->image;
    if (!valid_eye(r->eye))
        return ktpel_fail(eb, KTPEL_EINVAL, "iris record: image %d: eye label %d", i, r->eye);
    if (r->format != KTPEL_IRIS_IMAGE_RAW && r->format != KTPEL_IRIS_IMAGE_PNG)
        return ktpel_fail(eb, KTPEL_EINVAL, "iris record: image %d: format %d (2 raw, 14 PNG)", i,
                          r->format);
    if (!im->data || im->channels != 1 || im->width < 1 || im->height < 1 || im->width > MAX_SIDE ||
        im->height > MAX_SIDE)
        return ktpel_fail(eb, KTPEL_EINVAL,
                          "iris record: image %d: %dx%d with %d channels "
                          "(grey, 1..%d per side)",
                          i, im->width, im->height, im->channels, MAX_SIDE);
    if ((r->quality < 0 || r->quality > 100) && r->quality != 255)
        return ktpel_fail(eb, KTPEL_EINVAL, "iris record: image %d: quality %d", i, r->quality);
    if (r->centre_x < 0 || r->centre_x > 65535 || r->centre_y < 0 || r->centre_y > 65535 ||
        r->diameter < 0 || r->diameter > 65535)
        return ktpel_fail(eb, KTPEL_EINVAL, "iris record: image %d: iris centre or diameter", i);
    return KTPEL_OK;
}

/* The representation header of image r (number `number`), image data length `len`. */
static size_t write_rep_header(uint8_t *p, const ktpel_iris_record_image *r, int number, size_t len)
{
    int has_quality = r->quality != 255;
    size_t header = REP_FIXED + (has_quality ? QUALITY_BYTES : 0);
    put(p, header + len, 4);
    memset(p + 4, 0xff, 9); /* capture date and time: unknown */
    p[13] = 0;              /* capture device technology: unknown */
    put(p + 14, 0, 2);      /* device vendor */
    put(p + 16, 0, 2);      /* device type */
    p[18] = (uint8_t)has_quality;
    uint8_t *q = p + 19;
    if (has_quality) {
        q[0] = (uint8_t)r->quality;
        put(q + 1, 0, 2); /* algorithm vendor: ktpel has none registered */
        put(q + 3, 0, 2);
        q += QUALITY_BYTES;
    }
    q[0] = (uint8_t)number;
    q[1] = (uint8_t)r->eye;
    q[2] = IMAGE_TYPE_UNCROPPED;
    q[3] = (uint8_t)r->format;
    q[4] = 0; /* properties: orientation undefined, no compression history */
    put(q + 5, (uint64_t)r->image.width, 2);
    put(q + 7, (uint64_t)r->image.height, 2);
    q[9] = 8;                   /* bit depth */
    put(q + 10, 0, 2);          /* range: unassessed */
    put(q + 12, 0xffff, 2);     /* roll angle: undefined */
    put(q + 14, 0xffff, 2);     /* roll angle uncertainty: undefined */
    for (int k = 0; k < 2; k++) /* iris centre x smallest, largest; then y */
        put(q + 16 + 2 * k, (uint64_t)r->centre_x, 2);
    for (int k = 0; k < 2; k++)
        put(q + 20 + 2 * k, (uint64_t)r->centre_y, 2);
    for (int k = 0; k < 2; k++) /* iris diameter smallest, largest */
        put(q + 24 + 2 * k, (uint64_t)r->diameter, 2);
    put(q + 28, len, 4);
    return header;
}

ktpel_err ktpel_iris_record_write(const ktpel_iris_record_image *images, int count, uint8_t **out,
                                  size_t *out_len, ktpel_errbuf *eb)
{
    if (!images || !out || !out_len)
        return ktpel_fail(eb, KTPEL_EINVAL, "iris record: NULL argument");
    if (count < 1 || count > KTPEL_IRIS_RECORD_MAX_IMAGES)
        return ktpel_fail(eb, KTPEL_EINVAL, "iris record: %d images (1..%d)", count,
                          KTPEL_IRIS_RECORD_MAX_IMAGES);
    uint8_t *data[KTPEL_IRIS_RECORD_MAX_IMAGES] = {0};
    size_t len[KTPEL_IRIS_RECORD_MAX_IMAGES] = {0};
    size_t total = GENERAL_BYTES;
    int eyes[KTPEL_IRIS_RECORD_MAX_IMAGES];
    ktpel_err err = KTPEL_OK;
    for (int i = 0; i < count && !err; i++) {
        const ktpel_iris_record_image *r = &images[i];
        eyes[i] = r->eye;
        err = check_image(r, i, eb);
        if (!err && r->format == KTPEL_IRIS_IMAGE_PNG)
            err = ktpel_image_encode(&r->image, KTPEL_IMAGE_FORMAT_PNG, 0, &data[i], &len[i], eb);
        else if (!err)
            len[i] = (size_t)r->image.width * (size_t)r->image.height;
        total += REP_FIXED + (r->quality != 255 ? QUALITY_BYTES : 0) + len[i];
    }
    uint8_t *buf = err ? NULL : malloc(total);
    if (!err && !buf)
        err = ktpel_fail(eb, KTPEL_ENOMEM, "iris record: out of memory for %zu bytes", total);
    if (!err && total > 0xffffffffu)
        err = ktpel_fail(eb, KTPEL_ETOOBIG, "iris record: %zu bytes", total);
    if (!err) {
        memcpy(buf, magic, 8);
        put(buf + 8, total, 4);
        put(buf + 12, (uint64_t)count, 2);
        buf[14] = 0; /* certification flag */
        buf[15] = (uint8_t)eyes_represented(eyes, count);
        size_t at = GENERAL_BYTES;
        for (int i = 0; i < count; i++) {
            at += write_rep_header(buf + at, &images[i], i + 1, len[i]);
            memcpy(buf + at, data[i] ? data[i] : images[i].image.data, len[i]);
            at += len[i];
        }
        *out = buf;
        *out_len = total;
    } else {
        free(buf);
    }
    for (int i = 0; i < count; i++)
        free(data[i]);
    return err;
}

/* ---- reading ----------------------------------------------------------------------------- */

static int date_is_plausible(const uint8_t *p)
{
    static const uint8_t unknown[9] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    if (memcmp(p, unknown, 9) == 0)
        return 1;
    unsigned month = p[2], day = p[3], hour = p[4], minute = p[5], second = p[6];
    return month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour <= 23 && minute <= 59 &&
           second <= 59 && get(p + 7, 2) <= 999;
}

/* One representation at p (avail bytes left in the record). */
static ktpel_err read_rep(const uint8_t *p, size_t avail, int index, ktpel_iris_record_image *r,
                          size_t *used, ktpel_errbuf *eb)
{
    if (avail < REP_FIXED)
        return ktpel_fail(eb, KTPEL_ETRUNCATED,
                          "iris record: representation %d: %zu bytes left, "
                          "header needs %d",
                          index + 1, avail, REP_FIXED);
    size_t rep_len = get(p, 4);
    if (!date_is_plausible(p + 4))
        return ktpel_fail(eb, KTPEL_EFORMAT, "iris record: representation %d: capture date",
                          index + 1);
    if (p[13] > 1)
        return ktpel_fail(eb, KTPEL_EFORMAT,
                          "iris record: representation %d: device technology "
                          "%u",
                          index + 1, p[13]);
    unsigned blocks = p[18];
    if (blocks > 1)
        return ktpel_fail(eb, KTPEL_EUNSUPPORTED,
                          "iris record: representation %d: %u quality "
                          "blocks (at most 1)",
                          index + 1, blocks);
    size_t header = REP_FIXED + blocks * QUALITY_BYTES;
    if (rep_len < header || rep_len > avail)
        return ktpel_fail(eb, rep_len > avail ? KTPEL_ETRUNCATED : KTPEL_EFORMAT,
                          "iris record: representation %d: length %zu (header %zu, %zu bytes "
                          "left)",
                          index + 1, rep_len, header, avail);
    const uint8_t *q = p + 19;
    r->quality = 255;
    if (blocks) {
        r->quality = q[0];
        if (r->quality > 100 && r->quality != 255)
            return ktpel_fail(eb, KTPEL_EFORMAT, "iris record: representation %d: quality %d",
                              index + 1, r->quality);
        q += QUALITY_BYTES;
    }
    if (q[0] != index + 1)
        return ktpel_fail(eb, KTPEL_EFORMAT, "iris record: representation %d numbered %u",
                          index + 1, q[0]);
    r->eye = q[1];
    if (!valid_eye(r->eye))
        return ktpel_fail(eb, KTPEL_EFORMAT, "iris record: representation %d: eye label %d",
                          index + 1, r->eye);
    if (q[2] != 1 && q[2] != 2 && q[2] != 3 && q[2] != 7)
        return ktpel_fail(eb, KTPEL_EFORMAT, "iris record: representation %d: image type %u",
                          index + 1, q[2]);
    r->format = q[3];
    if (r->format != KTPEL_IRIS_IMAGE_RAW && r->format != KTPEL_IRIS_IMAGE_PNG)
        return ktpel_fail(eb, KTPEL_EUNSUPPORTED,
                          "iris record: representation %d: image format "
                          "%d (2 raw, 14 PNG)",
                          index + 1, r->format);
    int w = (int)get(q + 5, 2), h = (int)get(q + 7, 2);
    if (w < 1 || h < 1 || w > MAX_SIDE || h > MAX_SIDE || (size_t)w * h > MAX_PIXELS)
        return ktpel_fail(eb, KTPEL_EFORMAT, "iris record: representation %d: size %dx%d",
                          index + 1, w, h);
    if (q[9] != 8)
        return ktpel_fail(eb, KTPEL_EUNSUPPORTED,
                          "iris record: representation %d: bit depth %u "
                          "(8)",
                          index + 1, q[9]);
    r->centre_x = (int)get(q + 16, 2);
    r->centre_y = (int)get(q + 20, 2);
    r->diameter = (int)get(q + 24, 2);
    size_t len = get(q + 28, 4);
    if (len != rep_len - header)
        return ktpel_fail(eb, KTPEL_EFORMAT,
                          "iris record: representation %d: image length %zu, "
                          "but %zu bytes follow the header",
                          index + 1, len, rep_len - header);
    const uint8_t *pixels = p + header;
    if (r->format == KTPEL_IRIS_IMAGE_RAW) {
        if (len != (size_t)w * h)
            return ktpel_fail(eb, KTPEL_EFORMAT,
                              "iris record: representation %d: %zu raw bytes "
                              "for %dx%d",
                              index + 1, len, w, h);
        ktpel_err err = ktpel_image_alloc(&r->image, w, h, 1, 0, eb);
        if (err)
            return err;
        memcpy(r->image.data, pixels, len);
    } else {
        ktpel_err err = ktpel_image_decode(pixels, len, KTPEL_IMAGE_GREY, 0, &r->image, eb);
        if (err)
            return ktpel_fail_context(eb, "iris record: representation %d: ", index + 1);
        if (r->image.width != w || r->image.height != h)
            return ktpel_fail(eb, KTPEL_EFORMAT,
                              "iris record: representation %d: PNG is %dx%d, "
                              "header says %dx%d",
                              index + 1, r->image.width, r->image.height, w, h);
    }
    *used = rep_len;
    return KTPEL_OK;
}

void ktpel_iris_record_free(ktpel_iris_record_image *images, int count)
{
    if (!images)
        return;
    for (int i = 0; i < count; i++)
        ktpel_image_free(&images[i].image);
    free(images);
}

ktpel_err ktpel_iris_record_read(const uint8_t *buf, size_t len, ktpel_iris_record_image **out,
                                 int *count, ktpel_errbuf *eb)
{
    if (!buf || !out || !count)
        return ktpel_fail(eb, KTPEL_EINVAL, "iris record: NULL argument");
    *out = NULL;
    *count = 0;
    if (len < GENERAL_BYTES)
        return ktpel_fail(eb, KTPEL_ETRUNCATED, "iris record: %zu bytes, the header needs %d", len,
                          GENERAL_BYTES);
    if (memcmp(buf, magic, 4) != 0)
        return ktpel_fail(eb, KTPEL_EFORMAT, "iris record: not an IIR record");
    if (memcmp(buf + 4, magic + 4, 4) != 0)
        return ktpel_fail(eb, KTPEL_EUNSUPPORTED, "iris record: version \"%.3s\" (020)",
                          (const char *)buf + 4);
    size_t total = get(buf + 8, 4);
    if (total != len)
        return ktpel_fail(eb, total > len ? KTPEL_ETRUNCATED : KTPEL_EFORMAT,
                          "iris record: length field %zu, data %zu bytes", total, len);
    int n = (int)get(buf + 12, 2);
    if (n < 1 || n > KTPEL_IRIS_RECORD_MAX_IMAGES)
        return ktpel_fail(eb, KTPEL_EFORMAT, "iris record: %d representations (1..%d)", n,
                          KTPEL_IRIS_RECORD_MAX_IMAGES);
    if (buf[14] != 0)
        return ktpel_fail(eb, KTPEL_EFORMAT, "iris record: certification flag %u (0)", buf[14]);
    ktpel_iris_record_image *r = calloc((size_t)n, sizeof *r);
    if (!r)
        return ktpel_fail(eb, KTPEL_ENOMEM, "iris record: out of memory");
    size_t at = GENERAL_BYTES;
    int eyes[KTPEL_IRIS_RECORD_MAX_IMAGES];
    ktpel_err err = KTPEL_OK;
    for (int i = 0; i < n && !err; i++) {
        size_t used = 0;
        err = read_rep(buf + at, len - at, i, &r[i], &used, eb);
        at += used;
        eyes[i] = r[i].eye;
    }
    if (!err && at != len)
        err = ktpel_fail(eb, KTPEL_EFORMAT, "iris record: %zu bytes after the last representation",
                         len - at);
    if (!err && buf[15] != eyes_represented(eyes, n))
        err = ktpel_fail(eb, KTPEL_EFORMAT, "iris record: says %u eyes, its images show %d",
                         buf[15], eyes_represented(eyes, n));
    if (err) {
        ktpel_iris_record_free(r, n);
        return err;
    }
    *out = r;
    *count = n;
    return KTPEL_OK;
}
