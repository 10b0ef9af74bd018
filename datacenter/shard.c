/* Sharded stores: routing by NIK, the layout file and the global queue order (shard.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ktpel/application.h"
#include "ktpel/file.h"
#include "ktpel/shard.h"

#include "store_internal.h"

struct ktpel_shard_set {
    char dir[4096];
    int count;
    ktpel_store *shard[KTPEL_SHARDS_MAX];
};

int ktpel_shard_of(const char *nik, int count)
{
    if (!nik || count < 2 || strlen(nik) != KTPEL_NIK_LEN)
        return 0;
    uint64_t h = 14695981039346656037u;
    for (int i = 0; i < KTPEL_NIK_LEN; i++) {
        if (nik[i] < '0' || nik[i] > '9')
            return 0;
        h = (h ^ (uint8_t)nik[i]) * 1099511628211u;
    }
    return (int)(h % (uint64_t)count);
}

ktpel_err ktpel_shard_path(const char *dir, int k, int count, char *out, size_t size,
                           ktpel_errbuf *eb)
{
    int n = snprintf(out, size, "%s/shard-%d-of-%d", dir, k, count);
    if (n < 0 || (size_t)n >= size)
        return ktpel_fail(eb, KTPEL_EINVAL, "sharded store %s: folder name too long", dir);
    return KTPEL_OK;
}

static ktpel_err layout_path(const char *dir, const char *name, char *out, size_t size,
                             ktpel_errbuf *eb)
{
    int n = snprintf(out, size, "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= size)
        return ktpel_fail(eb, KTPEL_EINVAL, "sharded store %s: folder name too long", dir);
    return KTPEL_OK;
}

ktpel_err ktpel_shards_read(const char *dir, int *count, ktpel_errbuf *eb)
{
    char path[4200];
    ktpel_err err = layout_path(dir, "shards", path, sizeof path, eb);
    if (err)
        return err;
    uint8_t *data;
    size_t len;
    ktpel_errbuf quiet;
    if (ktpel_file_read(path, 64, &data, &len, &quiet) != KTPEL_OK)
        return ktpel_fail(eb, KTPEL_ENOTFOUND, "%s: not a sharded store (no readable %s)", dir,
                          path);
    char text[65] = {0};
    memcpy(text, data, len);
    free(data);
    char *end;
    long n = strtol(text, &end, 10);
    if (end == text || (*end && strcmp(end, "\n") != 0) || n < 1 || n > KTPEL_SHARDS_MAX)
        return ktpel_fail(eb, KTPEL_EFORMAT, "%s: shard count '%.20s' is not 1..%d", path, text,
                          KTPEL_SHARDS_MAX);
    *count = (int)n;
    return KTPEL_OK;
}

/* Records the shard count of a new sharded store, or checks an existing one's. */
static ktpel_err layout_init(const char *dir, int count, ktpel_errbuf *eb)
{
    if (mkdir(dir, 0770) != 0 && errno != EEXIST)
        return ktpel_fail(eb, KTPEL_EIO, "sharded store %s: cannot create: %s", dir,
                          strerror(errno));
    int have;
    ktpel_errbuf why;
    ktpel_err err = ktpel_shards_read(dir, &have, &why);
    if (err == KTPEL_OK)
        return have == count
                   ? KTPEL_OK
                   : ktpel_fail(eb, KTPEL_EINVAL, "sharded store %s has %d shards, not %d", dir,
                                have, count);
    if (err != KTPEL_ENOTFOUND)
        return ktpel_fail(eb, err, "%s", ktpel_errbuf_message(&why));
    char path[4200], text[16];
    if ((err = layout_path(dir, "shards", path, sizeof path, eb)))
        return err;
    int n = snprintf(text, sizeof text, "%d\n", count);
    return ktpel_file_write_atomic(path, text, (size_t)n, eb);
}

ktpel_err ktpel_shard_set_open(const char *dir, int count, ktpel_shard_set **out, ktpel_errbuf *eb)
{
    if (!dir || !out || count < 1 || count > KTPEL_SHARDS_MAX)
        return ktpel_fail(eb, KTPEL_EINVAL, "sharded store: %d shards (1..%d)", count,
                          KTPEL_SHARDS_MAX);
    *out = NULL;
    if (strlen(dir) >= sizeof((ktpel_shard_set *)0)->dir)
        return ktpel_fail(eb, KTPEL_EINVAL, "sharded store: folder name too long");
    ktpel_err err = layout_init(dir, count, eb);
    if (err)
        return err;
    ktpel_shard_set *set = calloc(1, sizeof *set);
    if (!set)
        return ktpel_fail(eb, KTPEL_ENOMEM, "sharded store: out of memory");
    strcpy(set->dir, dir);
    set->count = count;
    for (int k = 0; !err && k < count; k++) {
        char path[4200];
        err = ktpel_shard_path(dir, k, count, path, sizeof path, eb);
        if (!err)
            err = ktpel_store_open(path, NULL, &set->shard[k], eb);
    }
    if (err) {
        ktpel_shard_set_close(set);
        return err;
    }
    *out = set;
    return KTPEL_OK;
}

void ktpel_shard_set_close(ktpel_shard_set *set)
{
    if (!set)
        return;
    for (int k = 0; k < set->count; k++)
        ktpel_store_close(set->shard[k]);
    free(set);
}

ktpel_store *ktpel_shard_set_store(ktpel_shard_set *set, int k)
{
    return set && k >= 0 && k < set->count ? set->shard[k] : NULL;
}

/* The NIK of an enrolment's record.txt, or "" when it cannot be read (ingest then rejects
 * the enrolment with the reason). */
static void enrolment_nik(const char *enrolment_dir, char nik[KTPEL_NIK_LEN + 1])
{
    nik[0] = '\0';
    char path[4200];
    snprintf(path, sizeof path, "%s/record.txt", enrolment_dir);
    ktpel_application *app = calloc(1, sizeof *app);
    if (app && ktpel_application_load(path, app, NULL) == KTPEL_OK &&
        strlen(app->resident.nik) == KTPEL_NIK_LEN)
        memcpy(nik, app->resident.nik, KTPEL_NIK_LEN + 1);
    free(app);
}

/* The next global queue sequence: the largest queue_next of every shard. */
static ktpel_err next_sequence(ktpel_shard_set *set, uint64_t *seq, ktpel_errbuf *eb)
{
    *seq = 0;
    for (int k = 0; k < set->count; k++) {
        MDB_txn *txn;
        uint64_t next = 0;
        ktpel_err err = dc_txn_begin(set->shard[k], false, &txn, eb);
        if (err)
            return err;
        err = dc_meta_get_u64(set->shard[k], txn, "queue_next", &next, eb);
        mdb_txn_abort(txn);
        if (err)
            return err;
        *seq = next > *seq ? next : *seq;
    }
    return KTPEL_OK;
}

ktpel_err ktpel_shard_ingest(ktpel_shard_set *set, const char *enrolment_dir,
                             const ktpel_ingest_options *opt, ktpel_ingest_result *out, int *shard,
                             ktpel_errbuf *eb)
{
    if (!set || !enrolment_dir || !opt || !out)
        return ktpel_fail(eb, KTPEL_EINVAL, "ktpel_shard_ingest: NULL argument");
    char nik[KTPEL_NIK_LEN + 1];
    enrolment_nik(enrolment_dir, nik);
    int k = ktpel_shard_of(nik, set->count);
    if (shard)
        *shard = k;
    char path[4200];
    ktpel_err err = layout_path(set->dir, "ingest.lock", path, sizeof path, eb);
    if (err)
        return err;
    /* Held from reading the sequence to committing the enrolment, so that two ingests into
     * one sharded store never take the same sequence. */
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0660);
    if (fd < 0)
        return ktpel_fail(eb, KTPEL_EIO, "%s: %s", path, strerror(errno));
    if (flock(fd, LOCK_EX) != 0) {
        err = ktpel_fail(eb, KTPEL_EIO, "%s: lock: %s", path, strerror(errno));
        close(fd);
        return err;
    }
    ktpel_ingest_options o = *opt;
    o.use_queue_seq = true;
    err = next_sequence(set, &o.queue_seq, eb);
    if (!err)
        err = ktpel_ingest_enrolment(set->shard[k], enrolment_dir, &o, out, eb);
    close(fd); /* releases the lock */
    return err;
}
