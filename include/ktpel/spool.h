/* The station's spool: sealed packets wait in a folder until they can be sent, and sending
 * moves them into the data center's inbox folder (a mounted share, a USB disk, or a folder
 * that a transfer program fills).
 *
 * A packet file is PACKET_ID.ktp. Sending never leaves a half-written file under that name
 * in the inbox: the bytes go to a temporary name ("PACKET_ID.ktp.tmpXXXXXX", which does not
 * end in .ktp, so an inbox reader that takes only *.ktp never sees it), are flushed to disk,
 * renamed into place, and the inbox folder is flushed; only then is the packet removed from
 * the spool (and the spool folder flushed). A crash at any point leaves the packet in the
 * spool, in the inbox, or in both; sending again after a crash finds the identical file in
 * the inbox and only removes it from the spool. One sender per spool at a time.
 */
#ifndef KTPEL_SPOOL_H
#define KTPEL_SPOOL_H

#include <stddef.h>
#include <stdint.h>

#include "ktpel/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Writes a sealed packet into spool_dir as PACKET_ID.ktp, durably (the file and the folder
 * flushed). An existing file of that name is refused (KTPEL_EINVAL). path_out (4096 bytes,
 * may be NULL) gets the file's path. */
ktpel_err ktpel_spool_put(const char *spool_dir, const char *packet_id, const uint8_t *der,
                          size_t len, char *path_out, ktpel_errbuf *eb);

typedef struct ktpel_spool_report {
    int sent;    /* moved into the inbox */
    int already; /* found identical in the inbox (an earlier send was interrupted); removed */
    int failed;  /* left in the spool; see the callback's messages */
} ktpel_spool_report;

/* Told about every packet file: rc KTPEL_OK when it reached the inbox, else why not. */
typedef void (*ktpel_spool_progress_fn)(void *ctx, const char *name, ktpel_err rc,
                                        const char *message);

/* Sends every *.ktp of spool_dir (in name order) to inbox_dir. A packet that fails (for
 * example a different file of the same name already in the inbox) stays in the spool and the
 * others are still sent. Returns KTPEL_OK when every packet reached the inbox (or there were
 * none); otherwise the first failure's code and message (the counts are in *report either
 * way; report and progress may be NULL). */
ktpel_err ktpel_spool_send(const char *spool_dir, const char *inbox_dir,
                           ktpel_spool_progress_fn progress, void *ctx, ktpel_spool_report *report,
                           ktpel_errbuf *eb);

/* Flushes a folder's entries (after creating, renaming or removing a file in it). */
ktpel_err ktpel_spool_sync_dir(const char *dir, ktpel_errbuf *eb);

#ifdef __cplusplus
}
#endif

#endif
