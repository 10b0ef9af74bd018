/* UTF-8 text from outside: validation, and quoting for error messages.
 *
 * Record fields, region names and application files are UTF-8. Validation is strict
 * (RFC 3629): no overlong forms, no surrogates (U+D800..U+DFFF), nothing above U+10FFFF.
 */
#ifndef KTPEL_UTF8_H
#define KTPEL_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Decodes the code point at s (len bytes available). Returns the number of bytes it takes
 * (1..4), or 0 if the bytes there are not well-formed UTF-8 (or len is 0). */
size_t ktpel_utf8_decode(const char *s, size_t len, uint32_t *cp);

/* True if s[0..len) is well-formed UTF-8; the number of code points goes to *count
 * (if not NULL). On failure *count is the byte offset of the first bad byte. */
bool ktpel_utf8_valid(const char *s, size_t len, size_t *count);

/* Copies s[0..len) into buf (size bytes, at least 8) for showing in a message: well-formed
 * UTF-8 and printable ASCII pass through, every other byte is written as \xNN, and text that
 * does not fit ends in "...". Always NUL-terminates. Returns buf. */
char *ktpel_text_quote(const char *s, size_t len, char *buf, size_t size);

#ifdef __cplusplus
}
#endif

#endif
