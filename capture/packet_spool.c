/* The station's spool folder and the move of sealed packets into the data center's inbox
 * (include/ktpel/spool.h). */
#include "ktpel/spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ktpel/file.h"
#include "ktpel/packet.h"

#define SUFFIX ".ktp"

ktpel_err ktpel_spool_sync_dir(const char *dir, ktpel_errbuf *eb)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return ktpel_fail(eb, KTPEL_EIO, "%s: cannot open the folder: %s", dir, strerror(errno));
    int rc = fsync(fd);
    int saved = errno;
    close(fd);
    if (rc != 0)
        return ktpel_fail(eb, KTPEL_EIO, "%s: cannot flush the folder: %s", dir, strerror(saved));
    return KTPEL_OK;
}

static bool exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

ktpel_err ktpel_spool_put(const char *spool_dir, const char *packet_id, const uint8_t *der,
                          size_t len, char *path_out, ktpel_errbuf *eb)
{
    if (!spool_dir || !packet_id || (!der && len))
        return ktpel_fail(eb, KTPEL_EINVAL, "spool: NULL argument");
    if (strlen(packet_id) != 32 || strspn(packet_id, "0123456789abcdef") != 32)
        return ktpel_fail(eb, KTPEL_EINVAL, "spool: packet id \"%.40s\" is not 32 hex digits",
                          packet_id);
    if (mkdir(spool_dir, 0755) != 0 && errno != EEXIST)
        return ktpel_fail(eb, KTPEL_EIO, "%s: cannot create the folder: %s", spool_dir,
                          strerror(errno));
    char path[4096];
    int n = snprintf(path, sizeof path, "%s/%s%s", spool_dir, packet_id, SUFFIX);
    if (n < 0 || (size_t)n >= sizeof path)
        return ktpel_fail(eb, KTPEL_EINVAL, "%s: path too long", spool_dir);
    if (exists(path))
        return ktpel_fail(eb, KTPEL_EINVAL, "%s already exists", path);
    ktpel_err rc = ktpel_file_write_atomic(path, der, len, eb);
    if (!rc)
        rc = ktpel_spool_sync_dir(spool_dir, eb);
    if (!rc && path_out)
        snprintf(path_out, 4096, "%s", path);
    return rc;
}

static bool packet_name(const char *name)
{
    size_t n = strlen(name), s = strlen(SUFFIX);
    return name[0] != '.' && n > s && strcmp(name + n - s, SUFFIX) == 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static ktpel_err list_packets(const char *dir, char ***out, size_t *count, ktpel_errbuf *eb)
{
    DIR *d = opendir(dir);
    if (!d)
        return ktpel_fail(eb, KTPEL_EIO, "%s: cannot open the folder: %s", dir, strerror(errno));
    char **names = NULL;
    size_t n = 0, cap = 0;
    ktpel_err rc = KTPEL_OK;
    for (struct dirent *de; !rc && (de = readdir(d));) {
        if (!packet_name(de->d_name))
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            char **grown = realloc(names, cap * sizeof *grown);
            if (!grown) {
                rc = ktpel_fail(eb, KTPEL_ENOMEM, "out of memory");
                break;
            }
            names = grown;
        }
        if (!(names[n] = strdup(de->d_name)))
            rc = ktpel_fail(eb, KTPEL_ENOMEM, "out of memory");
        else
            n++;
    }
    closedir(d);
    if (!rc && n)
        qsort(names, n, sizeof *names, cmp_str);
    if (rc) {
        for (size_t i = 0; i < n; i++)
            free(names[i]);
        free(names);
        return rc;
    }
    *out = names;
    *count = n;
    return KTPEL_OK;
}

/* Removes the spool's copy once the inbox holds the packet durably. */
static ktpel_err remove_from_spool(const char *spool_dir, const char *src, ktpel_errbuf *eb)
{
    if (unlink(src) != 0)
        return ktpel_fail(eb, KTPEL_EIO,
                          "%s: delivered, but cannot be removed from the spool: "
                          "%s",
                          src, strerror(errno));
    return ktpel_spool_sync_dir(spool_dir, eb);
}

/* Moves one packet; *already is set when the inbox held it before. */
static ktpel_err send_one(const char *spool_dir, const char *inbox_dir, const char *name,
                          bool *already, ktpel_errbuf *eb)
{
    char src[4096], dst[4096];
    int a = snprintf(src, sizeof src, "%s/%s", spool_dir, name);
    int b = snprintf(dst, sizeof dst, "%s/%s", inbox_dir, name);
    if (a < 0 || b < 0 || (size_t)a >= sizeof src || (size_t)b >= sizeof dst)
        return ktpel_fail(eb, KTPEL_EINVAL, "%s: path too long", name);
    *already = false;
    uint8_t *data = NULL, *there = NULL;
    size_t len = 0, there_len = 0;
    ktpel_err rc = ktpel_file_read(src, KTPEL_PACKET_FILE_MAX, &data, &len, eb);
    if (!rc && exists(dst)) {
        rc = ktpel_file_read(dst, KTPEL_PACKET_FILE_MAX, &there, &there_len, eb);
        if (!rc && (there_len != len || memcmp(there, data, len) != 0))
            rc = ktpel_fail(eb, KTPEL_EINVAL,
                            "%s: the inbox already holds a different file of "
                            "this name; left in the spool",
                            dst);
        /* the same bytes: an earlier send stopped before removing the spool's copy */
        *already = !rc;
    } else if (!rc) {
        rc = ktpel_file_write_atomic(dst, data, len, eb);
        if (!rc)
            rc = ktpel_spool_sync_dir(inbox_dir, eb);
    }
    free(data);
    free(there);
    return rc ? rc : remove_from_spool(spool_dir, src, eb);
}

ktpel_err ktpel_spool_send(const char *spool_dir, const char *inbox_dir,
                           ktpel_spool_progress_fn progress, void *ctx, ktpel_spool_report *report,
                           ktpel_errbuf *eb)
{
    ktpel_spool_report local = {0, 0, 0};
    if (report)
        *report = local;
    if (!spool_dir || !inbox_dir)
        return ktpel_fail(eb, KTPEL_EINVAL, "spool send: NULL argument");
    struct stat st;
    if (stat(inbox_dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return ktpel_fail(eb, KTPEL_EIO, "%s: the inbox is not a folder", inbox_dir);
    char **names = NULL;
    size_t n = 0;
    ktpel_err first = list_packets(spool_dir, &names, &n, eb);
    if (first)
        return first;
    for (size_t i = 0; i < n; i++) {
        ktpel_errbuf one = {0};
        bool already = false;
        ktpel_err rc = send_one(spool_dir, inbox_dir, names[i], &already, &one);
        if (rc) {
            local.failed++;
            if (!first) {
                first = rc;
                if (eb)
                    *eb = one;
            }
        } else if (already) {
            local.already++;
        } else {
            local.sent++;
        }
        if (progress)
            progress(ctx, names[i], rc, rc ? ktpel_errbuf_message(&one) : "");
        free(names[i]);
    }
    free(names);
    if (report)
        *report = local;
    return first;
}
