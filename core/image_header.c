/* Image headers: format, size and resolution, read straight from the bytes.
 *
 * OpenCV and TurboJPEG decode pixels but do not report resolution, and a decoder should not
 * be asked to allocate a gigapixel because a header says so; these small parsers read what
 * ktpel needs, with every offset checked against the buffer length. */
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "image_internal.h"
#include "ktpel/checksum.h"

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint16_t le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static int per_metre_to_dpi(double per_metre)
{
    double dpi = per_metre * 0.0254;
    return dpi >= 1 && dpi <= 100000 ? (int)lround(dpi) : 0;
}

ktpel_image_format ktpel_image_sniff(const uint8_t *buf, size_t len)
{
    if (len >= 3 && buf[0] == 0xFF && buf[1] == 0xD8 && buf[2] == 0xFF)
        return KTPEL_IMAGE_FORMAT_JPEG;
    if (len >= 8 && memcmp(buf, "\x89PNG\r\n\x1a\n", 8) == 0)
        return KTPEL_IMAGE_FORMAT_PNG;
    if (len >= 4 && (memcmp(buf, "II*\0", 4) == 0 || memcmp(buf, "MM\0*", 4) == 0))
        return KTPEL_IMAGE_FORMAT_TIFF;
    if (len >= 2 && buf[0] == 'B' && buf[1] == 'M')
        return KTPEL_IMAGE_FORMAT_BMP;
    if (len >= 2 && buf[0] == 'P' && (buf[1] == '2' || buf[1] == '5'))
        return KTPEL_IMAGE_FORMAT_PGM;
    return KTPEL_IMAGE_FORMAT_UNKNOWN;
}

/* JPEG: walk the marker segments up to the start of scan; size from SOFn, resolution from
 * the JFIF APP0 density (EXIF resolution is not read). */
static ktpel_err jpeg_header(const uint8_t *buf, size_t len, image_header *hdr, ktpel_errbuf *eb)
{
    size_t pos = 2;
    while (pos + 4 <= len) {
        if (buf[pos] != 0xFF)
            return ktpel_fail(eb, KTPEL_EFORMAT, "JPEG: expected a marker at byte %zu", pos);
        uint8_t marker = buf[pos + 1];
        if (marker == 0xFF) { /* fill byte */
            pos++;
            continue;
        }
        if (marker == 0xD8 || (marker >= 0xD0 && marker <= 0xD7) || marker == 0x01) {
            pos += 2;
            continue;
        }
        if (marker == 0xD9)
            break;
        size_t seg = be16(buf + pos + 2);
        if (seg < 2 || pos + 2 + seg > len)
            return ktpel_fail(eb, KTPEL_ETRUNCATED,
                              "JPEG: segment 0x%02X at byte %zu claims %zu bytes, file has %zu",
                              marker, pos, seg, len - pos - 2);
        const uint8_t *p = buf + pos + 4;
        if (marker == 0xE0 && seg >= 16 && memcmp(p, "JFIF\0", 5) == 0) {
            int units = p[7];
            unsigned xdensity = be16(p + 8);
            if (units == 1)
                hdr->dpi = (int)xdensity;
            else if (units == 2)
                hdr->dpi = (int)lround(xdensity * 2.54);
        }
        bool sof =
            marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
        if (sof) {
            if (seg < 8)
                return ktpel_fail(eb, KTPEL_EFORMAT, "JPEG: frame header too short");
            hdr->height = be16(p + 1);
            hdr->width = be16(p + 3);
        }
        if (marker == 0xDA)
            break;
        pos += 2 + seg;
    }
    if (hdr->width == 0 || hdr->height == 0)
        return ktpel_fail(eb, KTPEL_EFORMAT, "JPEG: no frame header with the image size");
    return KTPEL_OK;
}

/* PNG: chunks from IHDR up to the first IDAT; resolution from pHYs when its unit is the
 * metre. */
static ktpel_err png_header(const uint8_t *buf, size_t len, image_header *hdr, ktpel_errbuf *eb)
{
    size_t pos = 8;
    bool seen_ihdr = false;
    while (pos + 12 <= len) {
        uint32_t chunk_len = be32(buf + pos);
        const uint8_t *type = buf + pos + 4;
        if (chunk_len > len - pos - 12)
            return ktpel_fail(eb, KTPEL_ETRUNCATED,
                              "PNG: chunk '%.4s' at byte %zu claims %u bytes, file ends first",
                              (const char *)type, pos, chunk_len);
        const uint8_t *data = buf + pos + 8;
        if (memcmp(type, "IHDR", 4) == 0) {
            if (chunk_len != 13)
                return ktpel_fail(eb, KTPEL_EFORMAT, "PNG: IHDR has %u bytes, not 13", chunk_len);
            uint32_t w = be32(data), h = be32(data + 4);
            if (w == 0 || h == 0 || w > KTPEL_IMAGE_MAX_SIDE || h > KTPEL_IMAGE_MAX_SIDE)
                return ktpel_fail(eb, KTPEL_ETOOBIG, "PNG: image size %ux%u out of range", w, h);
            hdr->width = (int)w;
            hdr->height = (int)h;
            seen_ihdr = true;
        } else if (!seen_ihdr) {
            return ktpel_fail(eb, KTPEL_EFORMAT, "PNG: first chunk is '%.4s', not IHDR",
                              (const char *)type);
        } else if (memcmp(type, "pHYs", 4) == 0 && chunk_len == 9) {
            if (data[8] == 1)
                hdr->dpi = per_metre_to_dpi(be32(data));
        } else if (memcmp(type, "IDAT", 4) == 0 || memcmp(type, "IEND", 4) == 0) {
            break;
        }
        pos += 12 + (size_t)chunk_len;
    }
    if (!seen_ihdr)
        return ktpel_fail(eb, KTPEL_ETRUNCATED, "PNG: no IHDR chunk");
    return KTPEL_OK;
}

/* BMP: BITMAPINFOHEADER and later carry pixels per metre; the old core header does not. */
static ktpel_err bmp_header(const uint8_t *buf, size_t len, image_header *hdr, ktpel_errbuf *eb)
{
    if (len < 26)
        return ktpel_fail(eb, KTPEL_ETRUNCATED, "BMP: header truncated (%zu bytes)", len);
    uint32_t dib = le32(buf + 14);
    int64_t w, h;
    if (dib == 12) {
        w = le16(buf + 18);
        h = le16(buf + 20);
    } else if (dib >= 40 && len >= 14 + 40) {
        w = (int32_t)le32(buf + 18);
        h = (int32_t)le32(buf + 22);
        hdr->dpi = per_metre_to_dpi((int32_t)le32(buf + 38));
    } else {
        return ktpel_fail(eb, KTPEL_EFORMAT, "BMP: unknown header size %u", dib);
    }
    if (h < 0)
        h = -h; /* top-down rows */
    if (w <= 0 || h <= 0 || w > KTPEL_IMAGE_MAX_SIDE || h > KTPEL_IMAGE_MAX_SIDE)
        return ktpel_fail(eb, KTPEL_ETOOBIG, "BMP: image size %lldx%lld out of range", (long long)w,
                          (long long)h);
    hdr->width = (int)w;
    hdr->height = (int)h;
    return KTPEL_OK;
}

typedef struct tiff_reader {
    const uint8_t *buf;
    size_t len;
    bool big_endian;
} tiff_reader;

static uint16_t tiff16(const tiff_reader *t, size_t off)
{
    return t->big_endian ? be16(t->buf + off) : le16(t->buf + off);
}

static uint32_t tiff32(const tiff_reader *t, size_t off)
{
    return t->big_endian ? be32(t->buf + off) : le32(t->buf + off);
}

/* TIFF: the first image file directory; ImageWidth (256), ImageLength (257), XResolution
 * (282, a RATIONAL) and ResolutionUnit (296: 2 inch, the default; 3 centimetre). */
static ktpel_err tiff_header(const uint8_t *buf, size_t len, image_header *hdr, ktpel_errbuf *eb)
{
    if (len < 8)
        return ktpel_fail(eb, KTPEL_ETRUNCATED, "TIFF: header truncated");
    tiff_reader t = {buf, len, buf[0] == 'M'};
    uint32_t ifd = tiff32(&t, 4);
    if (ifd < 8 || ifd > len - 2)
        return ktpel_fail(eb, KTPEL_EFORMAT, "TIFF: directory offset %u outside the file", ifd);
    uint16_t count = tiff16(&t, ifd);
    if ((size_t)count * 12 > len - ifd - 2)
        return ktpel_fail(eb, KTPEL_ETRUNCATED, "TIFF: directory of %u entries is truncated",
                          count);
    double xres = 0;
    int unit = 2;
    for (uint16_t i = 0; i < count; i++) {
        size_t e = ifd + 2 + (size_t)i * 12;
        uint16_t tag = tiff16(&t, e), type = tiff16(&t, e + 2);
        uint32_t value = type == 3 ? tiff16(&t, e + 8) : tiff32(&t, e + 8);
        if (tag == 256)
            hdr->width = value > KTPEL_IMAGE_MAX_SIDE ? -1 : (int)value;
        else if (tag == 257)
            hdr->height = value > KTPEL_IMAGE_MAX_SIDE ? -1 : (int)value;
        else if (tag == 296)
            unit = (int)value;
        else if (tag == 282 && type == 5) {
            uint32_t off = tiff32(&t, e + 8);
            if (off > len - 8 || off < 8)
                return ktpel_fail(eb, KTPEL_EFORMAT, "TIFF: XResolution offset %u outside the file",
                                  off);
            uint32_t num = tiff32(&t, off), den = tiff32(&t, off + 4);
            if (den)
                xres = (double)num / den;
        }
    }
    if (hdr->width < 0 || hdr->height < 0)
        return ktpel_fail(eb, KTPEL_ETOOBIG, "TIFF: image side larger than %d",
                          KTPEL_IMAGE_MAX_SIDE);
    if (xres > 0 && xres < 100000) {
        if (unit == 2)
            hdr->dpi = (int)lround(xres);
        else if (unit == 3)
            hdr->dpi = (int)lround(xres * 2.54);
    }
    return KTPEL_OK;
}

/* PGM: "P5" or "P2", whitespace, width, height, maxval; '#' comments allowed. */
static ktpel_err pgm_header(const uint8_t *buf, size_t len, image_header *hdr, ktpel_errbuf *eb)
{
    size_t pos = 2;
    long values[2];
    for (int i = 0; i < 2; i++) {
        for (;;) {
            while (pos < len &&
                   (buf[pos] == ' ' || buf[pos] == '\t' || buf[pos] == '\n' || buf[pos] == '\r'))
                pos++;
            if (pos < len && buf[pos] == '#') {
                while (pos < len && buf[pos] != '\n')
                    pos++;
                continue;
            }
            break;
        }
        long v = 0;
        size_t start = pos;
        while (pos < len && buf[pos] >= '0' && buf[pos] <= '9' && v <= KTPEL_IMAGE_MAX_SIDE)
            v = v * 10 + (buf[pos++] - '0');
        if (pos == start)
            return ktpel_fail(eb, KTPEL_EFORMAT, "PGM: expected the image %s at byte %zu",
                              i == 0 ? "width" : "height", pos);
        values[i] = v;
    }
    if (values[0] <= 0 || values[1] <= 0 || values[0] > KTPEL_IMAGE_MAX_SIDE ||
        values[1] > KTPEL_IMAGE_MAX_SIDE)
        return ktpel_fail(eb, KTPEL_ETOOBIG, "PGM: image size %ldx%ld out of range", values[0],
                          values[1]);
    hdr->width = (int)values[0];
    hdr->height = (int)values[1];
    return KTPEL_OK;
}

ktpel_err image_read_header(const uint8_t *buf, size_t len, image_header *hdr, ktpel_errbuf *eb)
{
    memset(hdr, 0, sizeof *hdr);
    if (!buf || len == 0)
        return ktpel_fail(eb, KTPEL_ETRUNCATED, "image: no data");
    hdr->format = ktpel_image_sniff(buf, len);
    ktpel_err rc;
    switch (hdr->format) {
    case KTPEL_IMAGE_FORMAT_JPEG:
        rc = jpeg_header(buf, len, hdr, eb);
        break;
    case KTPEL_IMAGE_FORMAT_PNG:
        rc = png_header(buf, len, hdr, eb);
        break;
    case KTPEL_IMAGE_FORMAT_TIFF:
        rc = tiff_header(buf, len, hdr, eb);
        break;
    case KTPEL_IMAGE_FORMAT_BMP:
        rc = bmp_header(buf, len, hdr, eb);
        break;
    case KTPEL_IMAGE_FORMAT_PGM:
        rc = pgm_header(buf, len, hdr, eb);
        break;
    default:
        return ktpel_fail(eb, KTPEL_EUNSUPPORTED,
                          "image: not a JPEG, PNG, TIFF, BMP or PGM file (first bytes %02X %02X)",
                          buf[0], len > 1 ? buf[1] : 0);
    }
    if (rc != KTPEL_OK)
        return rc;
    if ((int64_t)hdr->width * hdr->height > (int64_t)KTPEL_IMAGE_MAX_PIXELS)
        return ktpel_fail(eb, KTPEL_ETOOBIG, "%s: %dx%d pixels exceed the limit of %u",
                          ktpel_image_format_name(hdr->format), hdr->width, hdr->height,
                          KTPEL_IMAGE_MAX_PIXELS);
    return KTPEL_OK;
}

ktpel_err ktpel_image_probe_dpi(const uint8_t *buf, size_t len, int *dpi, ktpel_errbuf *eb)
{
    image_header hdr;
    ktpel_err rc = image_read_header(buf, len, &hdr, eb);
    if (rc == KTPEL_OK && dpi)
        *dpi = hdr.dpi;
    return rc;
}

static ktpel_err png_insert_phys(int dpi, uint8_t **buf, size_t *len, ktpel_errbuf *eb)
{
    /* pHYs goes right after IHDR (8-byte signature + 25-byte IHDR chunk). */
    const size_t at = 8 + 25;
    if (*len < at || memcmp(*buf + 12, "IHDR", 4) != 0)
        return ktpel_fail(eb, KTPEL_EINTERNAL, "PNG encoder output has no leading IHDR");
    uint8_t chunk[21];
    uint32_t per_metre = (uint32_t)lround(dpi / 0.0254);
    put_be32(chunk, 9);
    memcpy(chunk + 4, "pHYs", 4);
    put_be32(chunk + 8, per_metre);
    put_be32(chunk + 12, per_metre);
    chunk[16] = 1; /* unit: metre */
    put_be32(chunk + 17, ktpel_crc32(0, chunk + 4, 13));
    uint8_t *grown = realloc(*buf, *len + sizeof chunk);
    if (!grown)
        return ktpel_fail(eb, KTPEL_ENOMEM, "PNG: out of memory adding the resolution");
    memmove(grown + at + sizeof chunk, grown + at, *len - at);
    memcpy(grown + at, chunk, sizeof chunk);
    *buf = grown;
    *len += sizeof chunk;
    return KTPEL_OK;
}

ktpel_err image_store_dpi(ktpel_image_format fmt, int dpi, uint8_t **buf, size_t *len,
                          ktpel_errbuf *eb)
{
    if (dpi <= 0)
        return KTPEL_OK;
    uint8_t *p = *buf;
    switch (fmt) {
    case KTPEL_IMAGE_FORMAT_PNG:
        return png_insert_phys(dpi, buf, len, eb);
    case KTPEL_IMAGE_FORMAT_JPEG:
        /* TurboJPEG writes a JFIF APP0 right after SOI: set units to dots per inch. */
        if (*len < 20 || p[2] != 0xFF || p[3] != 0xE0 || memcmp(p + 6, "JFIF\0", 5) != 0)
            return ktpel_fail(eb, KTPEL_EINTERNAL, "JPEG encoder output has no JFIF header");
        if (dpi > 65535)
            return ktpel_fail(eb, KTPEL_EINVAL, "JPEG: %d dpi does not fit JFIF", dpi);
        p[13] = 1;
        p[14] = p[16] = (uint8_t)(dpi >> 8);
        p[15] = p[17] = (uint8_t)dpi;
        return KTPEL_OK;
    case KTPEL_IMAGE_FORMAT_BMP:
        if (*len < 54 || le32(p + 14) < 40)
            return ktpel_fail(eb, KTPEL_EINTERNAL, "BMP encoder output has no info header");
        put_le32(p + 38, (uint32_t)lround(dpi / 0.0254));
        put_le32(p + 42, (uint32_t)lround(dpi / 0.0254));
        return KTPEL_OK;
    default: /* TIFF: written by the encoder; PGM: has no resolution field */
        return KTPEL_OK;
    }
}
