/* ktpel error codes and error details.
 *
 * Every ktpel call that can fail returns a ktpel_err. Calls that can say more about what went
 * wrong also take a ktpel_errbuf *, owned by the caller (NULL is allowed), into which they
 * write a message that names the offending input: the file, the field, the value. Nothing is
 * kept in global state, so errors are thread-safe by construction.
 */
#ifndef KTPEL_ERROR_H
#define KTPEL_ERROR_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum ktpel_err {
    KTPEL_OK = 0,
    KTPEL_EINVAL,       /* an argument is invalid (caller's mistake) */
    KTPEL_ENOMEM,       /* out of memory */
    KTPEL_EIO,          /* a file or device could not be read or written */
    KTPEL_EFORMAT,      /* data from outside is malformed (image, template, file) */
    KTPEL_ETRUNCATED,   /* data from outside ends too early */
    KTPEL_ETOOBIG,      /* data from outside exceeds a size limit */
    KTPEL_EUNSUPPORTED, /* well-formed but not supported (format, version, device) */
    KTPEL_ENOTFOUND,    /* a looked-up item does not exist */
    KTPEL_EFIELD,       /* a record field fails validation */
    KTPEL_EREQUIREMENT, /* a service requirement is not met */
    KTPEL_ETRANSITION,  /* a status change that the lifecycle does not allow */
    KTPEL_EEMPTY,       /* nothing to take (empty queue) */
    KTPEL_EINTERNAL,    /* an internal library failed unexpectedly */
    KTPEL_ETAMPERED,    /* a signature or integrity check fails: data was altered */
    KTPEL_EUNTRUSTED,   /* a certificate does not chain to a trusted root, or has the wrong role */
    KTPEL_EEXPIRED,     /* a certificate or a packet is outside its validity period */
    KTPEL_EREPLAY,      /* the same packet (id) was already received */
    KTPEL_ETIMEOUT,     /* a device did not deliver in time (no finger on the scanner) */
    KTPEL_ECANCELLED,   /* the operation was cancelled by the caller or the operator */
    KTPEL_EAGAIN,       /* a device asks for the action to be repeated (bad swipe, retry) */
    KTPEL_ERR_COUNT
} ktpel_err;

/* Short fixed description of an error code; never NULL. */
const char *ktpel_strerror(ktpel_err code);

/* Caller-owned detail of the last failure of a call. */
typedef struct ktpel_errbuf {
    ktpel_err code;
    char message[512];
} ktpel_errbuf;

/* Clears an error buffer (code KTPEL_OK, empty message). NULL is allowed. */
void ktpel_errbuf_clear(ktpel_errbuf *eb);

/* Records code and a printf-style message in eb (if not NULL) and returns code, so that
 * callers can write `return ktpel_fail(eb, KTPEL_EFIELD, "NIK %s: ...", nik);`. */
ktpel_err ktpel_fail(ktpel_errbuf *eb, ktpel_err code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prefixes the message already in eb with a context such as a file name:
 * "app.txt: " + "field nik: ...". Returns eb's code (KTPEL_OK if eb is NULL). */
ktpel_err ktpel_fail_context(ktpel_errbuf *eb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The message of eb, or the code's description when no message was written. */
const char *ktpel_errbuf_message(const ktpel_errbuf *eb);

#ifdef __cplusplus
}
#endif

#endif
