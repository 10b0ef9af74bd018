/* Whole-file reading with a size limit, and atomic writing. Every error names the file. */
#ifndef KTPEL_FILE_H
#define KTPEL_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "ktpel/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Reads the regular file at path into a malloc'd buffer (*data, *len; free() it). The buffer
 * has one extra NUL byte after the data so that text parsers may rely on it. A file larger
 * than max_bytes is refused with KTPEL_ETOOBIG before anything is read into memory. */
ktpel_err ktpel_file_read(const char *path, size_t max_bytes, uint8_t **data, size_t *len,
                          ktpel_errbuf *eb);

/* Writes data to path atomically: into a temporary file beside it, flushed to disk, then
 * renamed over path. Readers see the old file or the new one, never a half-written one;
 * on failure the temporary file is removed and path is unchanged. */
ktpel_err ktpel_file_write_atomic(const char *path, const void *data, size_t len, ktpel_errbuf *eb);

/* ktpel_file_write_atomic with the file's permission bits given (0600 for private keys).
 * The temporary file has mode 0600 from its creation, so the data is never readable by
 * others even for a moment; the mode is set before the rename. */
ktpel_err ktpel_file_write_atomic_mode(const char *path, const void *data, size_t len,
                                       unsigned mode, ktpel_errbuf *eb);

#ifdef __cplusplus
}
#endif

#endif
