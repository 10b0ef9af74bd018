#include "ktpel/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const descriptions[KTPEL_ERR_COUNT] = {
    [KTPEL_OK] = "success",
    [KTPEL_EINVAL] = "invalid argument",
    [KTPEL_ENOMEM] = "out of memory",
    [KTPEL_EIO] = "input/output error",
    [KTPEL_EFORMAT] = "malformed data",
    [KTPEL_ETRUNCATED] = "data truncated",
    [KTPEL_ETOOBIG] = "data exceeds a size limit",
    [KTPEL_EUNSUPPORTED] = "not supported",
    [KTPEL_ENOTFOUND] = "not found",
    [KTPEL_EFIELD] = "invalid field",
    [KTPEL_EREQUIREMENT] = "requirement not met",
    [KTPEL_ETRANSITION] = "status transition not allowed",
    [KTPEL_EEMPTY] = "nothing to take",
    [KTPEL_EINTERNAL] = "internal error",
    [KTPEL_ETAMPERED] = "tampered: signature or integrity check failed",
    [KTPEL_EUNTRUSTED] = "not trusted",
    [KTPEL_EEXPIRED] = "expired or not yet valid",
    [KTPEL_EREPLAY] = "already received (replay)",
    [KTPEL_ETIMEOUT] = "timed out",
    [KTPEL_ECANCELLED] = "cancelled",
    [KTPEL_EAGAIN] = "try again",
};

const char *ktpel_strerror(ktpel_err code)
{
    if ((int)code < 0 || code >= KTPEL_ERR_COUNT)
        return "unknown error code";
    return descriptions[code];
}

void ktpel_errbuf_clear(ktpel_errbuf *eb)
{
    if (!eb)
        return;
    eb->code = KTPEL_OK;
    eb->message[0] = '\0';
}

ktpel_err ktpel_fail(ktpel_errbuf *eb, ktpel_err code, const char *fmt, ...)
{
    if (!eb)
        return code;
    eb->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(eb->message, sizeof eb->message, fmt, ap);
    va_end(ap);
    return code;
}

ktpel_err ktpel_fail_context(ktpel_errbuf *eb, const char *fmt, ...)
{
    if (!eb)
        return KTPEL_OK;
    char prefix[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    if (n < 0)
        return eb->code;
    /* Compose by hand: the message is cut at the buffer's end on purpose. */
    const char *tail = eb->message[0] ? eb->message : ktpel_strerror(eb->code);
    char joined[sizeof eb->message];
    size_t cap = sizeof joined - 1;
    size_t plen = strnlen(prefix, cap);
    size_t tlen = strnlen(tail, cap - plen);
    memcpy(joined, prefix, plen);
    memcpy(joined + plen, tail, tlen);
    joined[plen + tlen] = '\0';
    memcpy(eb->message, joined, plen + tlen + 1);
    return eb->code;
}

const char *ktpel_errbuf_message(const ktpel_errbuf *eb)
{
    if (!eb)
        return "";
    return eb->message[0] ? eb->message : ktpel_strerror(eb->code);
}
