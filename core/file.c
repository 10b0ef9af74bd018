#include "ktpel/file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

ktpel_err ktpel_file_read(const char *path, size_t max_bytes, uint8_t **data, size_t *len,
                          ktpel_errbuf *eb)
{
    if (!path || !data || !len)
        return ktpel_fail(eb, KTPEL_EINVAL, "file read: NULL argument");
    *data = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return ktpel_fail(eb, KTPEL_EIO, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    ktpel_err rc = KTPEL_OK;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        rc = ktpel_fail(eb, KTPEL_EIO, "%s: not a regular file", path);
        goto out;
    }
    if ((uint64_t)st.st_size > max_bytes) {
        rc = ktpel_fail(eb, KTPEL_ETOOBIG, "%s: %lld bytes, more than the %zu allowed", path,
                        (long long)st.st_size, max_bytes);
        goto out;
    }
    size_t size = (size_t)st.st_size;
    uint8_t *buf = malloc(size + 1);
    if (!buf) {
        rc = ktpel_fail(eb, KTPEL_ENOMEM, "%s: out of memory for %zu bytes", path, size);
        goto out;
    }
    size_t got = 0;
    while (got < size) {
        ssize_t n = read(fd, buf + got, size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    if (got != size) {
        free(buf);
        rc = ktpel_fail(eb, KTPEL_EIO, "%s: read %zu of %zu bytes", path, got, size);
        goto out;
    }
    buf[size] = 0;
    *data = buf;
    *len = size;
out:
    close(fd);
    return rc;
}

ktpel_err ktpel_file_write_atomic(const char *path, const void *data, size_t len, ktpel_errbuf *eb)
{
    /* Data files are readable by the service's group and others, as a file created with the
     * usual umask 022 would be. (Reading the umask would mean changing it, which is
     * process-wide state.) */
    return ktpel_file_write_atomic_mode(path, data, len, 0644, eb);
}

ktpel_err ktpel_file_write_atomic_mode(const char *path, const void *data, size_t len,
                                       unsigned mode, ktpel_errbuf *eb)
{
    if (!path || (!data && len))
        return ktpel_fail(eb, KTPEL_EINVAL, "file write: NULL argument");
    size_t tmp_size = strlen(path) + 16;
    char *tmp = malloc(tmp_size);
    if (!tmp)
        return ktpel_fail(eb, KTPEL_ENOMEM, "%s: out of memory", path);
    snprintf(tmp, tmp_size, "%s.tmpXXXXXX", path);
    ktpel_err rc = KTPEL_OK;
    int fd = mkstemp(tmp);
    if (fd < 0) {
        rc = ktpel_fail(eb, KTPEL_EIO, "%s: cannot create a temporary file: %s", path,
                        strerror(errno));
        goto out;
    }
    const uint8_t *p = data;
    size_t done = 0;
    int saved_errno = 0;
    while (done < len) {
        ssize_t n = write(fd, p + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            saved_errno = n < 0 ? errno : EIO;
            break;
        }
        done += (size_t)n;
    }
    if (done == len && fsync(fd) != 0)
        saved_errno = errno;
    /* mkstemp creates 0600; the caller's mode is set before the file gets its name. */
    if (!saved_errno && fchmod(fd, (mode_t)(mode & 07777)) != 0)
        saved_errno = errno;
    if (close(fd) != 0 && !saved_errno)
        saved_errno = errno;
    if (saved_errno) {
        unlink(tmp);
        rc = ktpel_fail(eb, KTPEL_EIO, "%s: write failed: %s", path, strerror(saved_errno));
        goto out;
    }
    if (rename(tmp, path) != 0) {
        rc = ktpel_fail(eb, KTPEL_EIO, "%s: cannot rename into place: %s", path, strerror(errno));
        unlink(tmp);
    }
out:
    free(tmp);
    return rc;
}
