#include "ktpel/utf8.h"

#include <stdio.h>
#include <string.h>

size_t ktpel_utf8_decode(const char *s, size_t len, uint32_t *cp)
{
    const unsigned char *p = (const unsigned char *)s;
    if (len == 0)
        return 0;
    uint32_t c = p[0];
    size_t need;
    uint32_t min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if (c >= 0xC2 && c <= 0xDF) {
        need = 2, min = 0x80, c &= 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 3, min = 0x800, c &= 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 4, min = 0x10000, c &= 0x07;
    } else {
        return 0; /* continuation byte, or a lead byte that only starts overlong forms */
    }
    if (len < need)
        return 0;
    for (size_t i = 1; i < need; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        c = (c << 6) | (p[i] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    *cp = c;
    return need;
}

bool ktpel_utf8_valid(const char *s, size_t len, size_t *count)
{
    size_t i = 0, n = 0;
    while (i < len) {
        uint32_t cp;
        size_t k = ktpel_utf8_decode(s + i, len - i, &cp);
        if (k == 0) {
            if (count)
                *count = i;
            return false;
        }
        i += k;
        n++;
    }
    if (count)
        *count = n;
    return true;
}

char *ktpel_text_quote(const char *s, size_t len, char *buf, size_t size)
{
    if (!buf || size == 0)
        return buf;
    size_t o = 0;
    size_t room = size > 4 ? size - 4 : 0; /* keep space for "..." and the NUL */
    size_t i = 0;
    while (i < len) {
        uint32_t cp;
        size_t k = ktpel_utf8_decode(s + i, len - i, &cp);
        char piece[8];
        size_t plen;
        if (k == 1 && cp >= 0x20 && cp < 0x7F) {
            piece[0] = s[i];
            plen = 1;
        } else if (k > 1) {
            memcpy(piece, s + i, k);
            plen = k;
        } else {
            snprintf(piece, sizeof piece, "\\x%02X", (unsigned char)s[i]);
            plen = 4;
            k = 1;
        }
        if (o + plen > room) {
            memcpy(buf + o, "...", size - o > 3 ? 3 : 0);
            o += size - o > 3 ? 3 : 0;
            break;
        }
        memcpy(buf + o, piece, plen);
        o += plen;
        i += k;
    }
    buf[o < size ? o : size - 1] = '\0';
    return buf;
}
