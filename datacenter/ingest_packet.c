/* Ingest of sealed enrolment packets (include/ktpel/ingest.h, docs/packet-format.md): open
 * the packet, unpack it into a private temporary folder, and hand that folder to the folder
 * ingest (ingest.c) with a hook that records the packet, its capture metadata and checks for
 * a replay inside the same write transaction. An inbox folder is read for *.ktp files, each
 * moved to done/ or rejected/ once dealt with. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ktpel/file.h"
#include "ktpel/ingest.h"
#include "ktpel/packet.h"
#include "ktpel/spool.h"

#include "ingest_internal.h"
#include "store_internal.h"

#define TEXT_MAX (1u << 20) /* packet.txt and capture.txt as written back; far below */

/* What the hook needs inside ingest's transaction. */
typedef struct packet_ctx {
    const ktpel_packet_info *info;
    int64_t time;
    const char *actor;
    uint8_t *packet_txt, *capture_txt;
    size_t packet_len, capture_len;
    bool replayed;
    int64_t first_ingested;
} packet_ctx;

static void time_text(int64_t t, char *buf, size_t size)
{
    if (!ktpel_packet_format_time(t, buf, size))
        snprintf(buf, size, "%lld", (long long)t);
}

/* Early replay check, in a read transaction, asked by ktpel_packet_open. */
static ktpel_err seen_before(void *ctx, const char *packet_id, const uint8_t sha[32], bool *seen,
                             ktpel_errbuf *eb)
{
    (void)sha;
    void **args = ctx;
    ktpel_store *s = args[0];
    packet_ctx *pc = args[1];
    MDB_txn *txn;
    ktpel_err err = dc_txn_begin(s, false, &txn, eb);
    if (err)
        return err;
    ktpel_store_packet p;
    err = dc_packet_find(s, txn, packet_id, &p, eb);
    mdb_txn_abort(txn);
    *seen = err == KTPEL_OK;
    if (*seen)
        pc->first_ingested = p.ingested;
    return err == KTPEL_ENOTFOUND ? KTPEL_OK : err;
}

/* Inside ingest's write transaction: the authoritative replay check, then the packet's own
 * entries. */
static ktpel_err packet_hook(void *ctx, ktpel_store *s, MDB_txn *txn, const char *nik,
                             ktpel_ingest_result *out, ktpel_errbuf *eb)
{
    packet_ctx *pc = ctx;
    ktpel_store_packet p;
    ktpel_err err = dc_packet_find(s, txn, pc->info->packet_id, &p, eb);
    if (err == KTPEL_OK) {
        char when[32];
        time_text(p.ingested, when, sizeof when);
        pc->replayed = true;
        pc->first_ingested = p.ingested;
        out->outcome = KTPEL_INGEST_REJECTED;
        snprintf(out->reason, sizeof out->reason, "packet %s already received, first ingested %s%s",
                 p.packet_id, when,
                 memcmp(p.content_sha256, pc->info->content_sha256, 32) ? " (other content)" : "");
        return KTPEL_OK;
    }
    if (err != KTPEL_ENOTFOUND)
        return err;
    memset(&p, 0, sizeof p);
    memcpy(p.packet_id, pc->info->packet_id, sizeof p.packet_id);
    memcpy(p.content_sha256, pc->info->content_sha256, 32);
    p.ingested = pc->time;
    p.stored = out->outcome == KTPEL_INGEST_STORED;
    memcpy(p.nik, nik, KTPEL_NIK_LEN);
    snprintf(p.station_id, sizeof p.station_id, "%.32s", pc->info->station_id);
    err = dc_packet_put(s, txn, &p, eb);
    if (!err && p.stored)
        return dc_capture_put(s, txn, nik, p.packet_id, pc->packet_txt, pc->packet_len,
                              pc->capture_txt, pc->capture_len, eb);
    char text[256];
    snprintf(text, sizeof text, "packet %s from station %s: enrolment already stored, unchanged",
             p.packet_id, p.station_id);
    return err ? err
               : dc_audit_append(s, txn, KTPEL_AUDIT_INGEST, pc->time, pc->actor, nik, text, eb);
}

/* A packet rejected before its enrolment was looked at: the reason and an audit entry. */
static ktpel_err reject_packet(ktpel_store *s, const ktpel_ingest_packet_options *opt,
                               const char *label, ktpel_err code, const ktpel_errbuf *why,
                               ktpel_ingest_packet_result *out, ktpel_errbuf *eb)
{
    out->ingest.outcome = KTPEL_INGEST_REJECTED;
    snprintf(out->reason_id, sizeof out->reason_id, "%s", ktpel_packet_reason_id(code));
    snprintf(out->ingest.reason, sizeof out->ingest.reason, "%s", ktpel_errbuf_message(why));
    char text[KTPEL_AUDIT_TEXT_MAX + 1];
    snprintf(text, sizeof text, "packet %s rejected: %s: %s", label, out->reason_id,
             out->ingest.reason);
    return ktpel_audit_append(s, KTPEL_AUDIT_REJECT, opt->ingest.time,
                              opt->ingest.actor ? opt->ingest.actor : "ingest", NULL, text, eb);
}

/* Removes the unpacked folder (flat: write_dir writes files only) and its parent. */
static void remove_unpacked(const char *top, const char *dir)
{
    DIR *d = opendir(dir);
    for (struct dirent *de; d && (de = readdir(d));) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        char path[4500];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        unlink(path);
    }
    if (d)
        closedir(d);
    rmdir(dir);
    rmdir(top);
}

static ktpel_err read_text(const char *dir, const char *name, uint8_t **data, size_t *len,
                           ktpel_errbuf *eb)
{
    char path[4400];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return ktpel_file_read(path, TEXT_MAX, data, len, eb);
}

/* The opened packet's enrolment, unpacked to a temporary folder named after the packet id
 * (the label ingest stores and names in messages), through ingest with the hook. */
static ktpel_err ingest_opened(ktpel_store *s, const ktpel_packet *pkt,
                               const ktpel_packet_info *info,
                               const ktpel_ingest_packet_options *opt, packet_ctx *pc,
                               ktpel_ingest_packet_result *out, ktpel_errbuf *eb)
{
    const char *base = opt->work_dir ? opt->work_dir : getenv("TMPDIR");
    char top[4096], dir[4200];
    snprintf(top, sizeof top, "%s/ktpel-packet-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(top))
        return ktpel_fail(eb, KTPEL_EIO, "%s: cannot create a temporary folder: %s", top,
                          strerror(errno));
    snprintf(dir, sizeof dir, "%s/%s", top, info->packet_id);
    ktpel_err err = ktpel_packet_write_dir(pkt, dir, eb);
    if (!err)
        err = read_text(dir, "packet.txt", &pc->packet_txt, &pc->packet_len, eb);
    if (!err)
        err = read_text(dir, "capture.txt", &pc->capture_txt, &pc->capture_len, eb);
    dc_ingest_hook hook = {packet_hook, pc};
    if (!err)
        err = dc_ingest_enrolment(s, dir, &opt->ingest, &hook, &out->ingest, eb);
    remove_unpacked(top, dir);
    free(pc->packet_txt);
    free(pc->capture_txt);
    if (err || out->ingest.outcome != KTPEL_INGEST_REJECTED)
        return err;
    snprintf(out->reason_id, sizeof out->reason_id, "%s", pc->replayed ? "replayed" : "invalid");
    out->first_ingested = pc->first_ingested;
    return KTPEL_OK;
}

/* Failures of the data center itself, not of the packet: reported as errors. */
static bool own_failure(ktpel_err code)
{
    return code == KTPEL_ENOMEM || code == KTPEL_EIO || code == KTPEL_EINVAL ||
           code == KTPEL_EINTERNAL;
}

ktpel_err ktpel_ingest_packet(ktpel_store *s, const uint8_t *der, size_t len, const char *label,
                              const ktpel_ingest_packet_options *opt,
                              ktpel_ingest_packet_result *out, ktpel_errbuf *eb)
{
    if (!s || (!der && len) || !opt || !opt->ingest.regions || !opt->trust || !opt->dc_cert ||
        !opt->dc_key || !out)
        return ktpel_fail(eb, KTPEL_EINVAL, "ktpel_ingest_packet: NULL argument");
    memset(out, 0, sizeof *out);
    snprintf(out->reason_id, sizeof out->reason_id, "ok");
    packet_ctx pc = {.time = opt->ingest.time,
                     .actor = opt->ingest.actor ? opt->ingest.actor : "ingest"};
    void *seen_args[2] = {s, &pc};
    ktpel_packet_open_options oo = {
        .trust = opt->trust,
        .dc_cert = opt->dc_cert,
        .dc_key = opt->dc_key,
        .now = opt->now ? opt->now : opt->ingest.time,
        .max_age = opt->max_age,
        .seen = seen_before,
        .seen_ctx = seen_args,
    };
    ktpel_packet *pkt = NULL;
    ktpel_packet_info info;
    ktpel_errbuf why;
    ktpel_errbuf_clear(&why);
    ktpel_err rc = ktpel_packet_open(der ? der : (const uint8_t *)"", len, &oo, &pkt, &info, &why);
    if (rc == KTPEL_EREPLAY) { /* the early check; the message gets the first time */
        char when[32], msg[sizeof why.message];
        time_text(pc.first_ingested, when, sizeof when);
        snprintf(msg, sizeof msg, "%s", why.message);
        snprintf(why.message, sizeof why.message, "%.400s, first ingested %s", msg, when);
        out->first_ingested = pc.first_ingested;
    }
    if (rc && own_failure(rc))
        return ktpel_fail(eb, rc, "%s", ktpel_errbuf_message(&why));
    if (rc)
        return reject_packet(s, opt, label ? label : "(unnamed)", rc, &why, out, eb);
    memcpy(out->packet_id, info.packet_id, sizeof out->packet_id);
    memcpy(out->station_id, info.station_id, sizeof out->station_id);
    pc.info = &info;
    ktpel_err err = ingest_opened(s, pkt, &info, opt, &pc, out, eb);
    ktpel_packet_free(pkt);
    return err;
}

ktpel_err ktpel_ingest_packet_file(ktpel_store *s, const char *path,
                                   const ktpel_ingest_packet_options *opt,
                                   ktpel_ingest_packet_result *out, ktpel_errbuf *eb)
{
    if (!path || !out)
        return ktpel_fail(eb, KTPEL_EINVAL, "ktpel_ingest_packet_file: NULL argument");
    memset(out, 0, sizeof *out);
    uint8_t *data = NULL;
    size_t len = 0;
    ktpel_errbuf why;
    ktpel_errbuf_clear(&why);
    ktpel_err rc = ktpel_file_read(path, KTPEL_PACKET_FILE_MAX, &data, &len, &why);
    if (rc == KTPEL_ETOOBIG) /* the sender's fault, not ours */
        return reject_packet(s, opt, path, rc, &why, out, eb);
    if (rc)
        return ktpel_fail(eb, rc, "%s", ktpel_errbuf_message(&why));
    rc = ktpel_ingest_packet(s, data, len, path, opt, out, eb);
    free(data);
    return rc;
}

/* ---- the inbox ---------------------------------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_packet_name(const char *name)
{
    size_t n = strlen(name);
    return name[0] != '.' && n > 4 && strcmp(name + n - 4, ".ktp") == 0;
}

/* The inbox's regular files NAME.ktp, sorted. */
static ktpel_err list_packets(const char *inbox, char ***names, size_t *count, ktpel_errbuf *eb)
{
    DIR *d = opendir(inbox);
    if (!d)
        return ktpel_fail(eb, KTPEL_EIO, "inbox %s: %s", inbox, strerror(errno));
    char **list = NULL;
    size_t n = 0, cap = 0;
    ktpel_err err = KTPEL_OK;
    for (struct dirent *de; !err && (de = readdir(d));) {
        char path[4400];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", inbox, de->d_name);
        if (!is_packet_name(de->d_name) || lstat(path, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            char **p = realloc(list, cap * sizeof *p);
            if (!p)
                err = ktpel_fail(eb, KTPEL_ENOMEM, "out of memory");
            else
                list = p;
        }
        if (!err && !(list[n++] = strdup(de->d_name)))
            err = ktpel_fail(eb, KTPEL_ENOMEM, "out of memory");
    }
    closedir(d);
    if (err) {
        for (size_t i = 0; i < n; i++)
            free(list[i]);
        free(list);
        return err;
    }
    if (n)
        qsort(list, n, sizeof *list, cmp_str);
    *names = list;
    *count = n;
    return KTPEL_OK;
}

static ktpel_err make_dir(const char *path, ktpel_errbuf *eb)
{
    if (mkdir(path, 0770) != 0 && errno != EEXIST)
        return ktpel_fail(eb, KTPEL_EIO, "%s: cannot create the folder: %s", path, strerror(errno));
    return KTPEL_OK;
}

/* A free name in dir for NAME: NAME, NAME.2, NAME.3, ... (and NAME.reason free too). */
static ktpel_err free_name(const char *dir, const char *name, char *out, size_t size,
                           ktpel_errbuf *eb)
{
    for (int k = 1; k < 10000; k++) {
        char suffix[16] = "";
        if (k > 1)
            snprintf(suffix, sizeof suffix, ".%d", k);
        char reason[4500];
        struct stat st;
        snprintf(out, size, "%s/%s%s", dir, name, suffix);
        snprintf(reason, sizeof reason, "%s.reason", out);
        if (lstat(out, &st) != 0 && lstat(reason, &st) != 0)
            return KTPEL_OK;
    }
    return ktpel_fail(eb, KTPEL_EIO, "%s: no free name for %s", dir, name);
}

static ktpel_err write_reason(const char *target, const char *name,
                              const ktpel_ingest_packet_result *r, int64_t time, ktpel_errbuf *eb)
{
    char path[4500], when[32], text[2048];
    snprintf(path, sizeof path, "%s.reason", target);
    time_text(time, when, sizeof when);
    snprintf(text, sizeof text, "reason: %s\nmessage: %s\npacket: %s\nrejected: %s\n", r->reason_id,
             r->ingest.reason, name, when);
    return ktpel_file_write_atomic(path, text, strlen(text), eb);
}

/* Moves inbox/NAME into inbox/SUB/ under a free name (link then unlink: never overwrites),
 * the reason file first when rejected; both folders flushed. */
static ktpel_err move_packet(const char *inbox, const char *name, ktpel_ingest_packet_result *r,
                             int64_t time, ktpel_errbuf *eb)
{
    bool rejected = r->ingest.outcome == KTPEL_INGEST_REJECTED;
    char sub[4200], from[4400];
    snprintf(sub, sizeof sub, "%s/%s", inbox, rejected ? "rejected" : "done");
    snprintf(from, sizeof from, "%s/%s", inbox, name);
    ktpel_err err = make_dir(sub, eb);
    for (int tries = 0; !err; tries++) {
        err = free_name(sub, name, r->moved_to, sizeof r->moved_to, eb);
        if (!err && rejected)
            err = write_reason(r->moved_to, name, r, time, eb);
        if (err || link(from, r->moved_to) == 0)
            break;
        if (errno != EEXIST || tries == 100)
            err = ktpel_fail(eb, KTPEL_EIO, "%s: cannot move to %s: %s", from, r->moved_to,
                             strerror(errno));
    }
    if (!err && unlink(from) != 0)
        err = ktpel_fail(eb, KTPEL_EIO, "%s: cannot remove: %s", from, strerror(errno));
    if (!err)
        err = ktpel_spool_sync_dir(sub, eb);
    if (!err)
        err = ktpel_spool_sync_dir(inbox, eb);
    return err;
}

/* One ingest per inbox: an exclusive lock on the folder (dropped when the process dies). */
static ktpel_err lock_inbox(const char *inbox, int *fd_out, ktpel_errbuf *eb)
{
    int fd = open(inbox, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return ktpel_fail(eb, KTPEL_EIO, "inbox %s: %s", inbox, strerror(errno));
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        close(fd);
        return ktpel_fail(eb, KTPEL_EINVAL, "inbox %s: another ingest is reading it", inbox);
    }
    *fd_out = fd;
    return KTPEL_OK;
}

ktpel_err ktpel_ingest_inbox(ktpel_store *s, const char *inbox,
                             const ktpel_ingest_packet_options *opt, ktpel_ingest_packet_fn fn,
                             void *ctx, ktpel_errbuf *eb)
{
    if (!s || !inbox || !opt)
        return ktpel_fail(eb, KTPEL_EINVAL, "ktpel_ingest_inbox: NULL argument");
    int lock = -1;
    ktpel_err err = lock_inbox(inbox, &lock, eb);
    if (err)
        return err;
    char **names = NULL;
    size_t count = 0;
    err = list_packets(inbox, &names, &count, eb);
    ktpel_ingest_packet_result *r = malloc(sizeof *r);
    if (!err && !r)
        err = ktpel_fail(eb, KTPEL_ENOMEM, "out of memory");
    for (size_t i = 0; !err && i < count; i++) {
        char path[4400];
        snprintf(path, sizeof path, "%s/%s", inbox, names[i]);
        err = ktpel_ingest_packet_file(s, path, opt, r, eb);
        if (!err)
            err = move_packet(inbox, names[i], r, opt->ingest.time, eb);
        if (!err && fn)
            fn(ctx, path, r);
    }
    for (size_t i = 0; i < count; i++)
        free(names[i]);
    free(names);
    free(r);
    close(lock);
    return err;
}
