/* The enrolment station's attached devices: USB fingerprint scanners, cameras and signature
 * pads, with their ids and whether ktpel supports them (`ktpel station devices`).
 *
 * Fingerprint scanners are recognised by libfprint's own device list, the udev hwdb file it
 * installs (60-autosuspend-libfprint-2.hwdb: "# Supported by libfprint driver NAME" sections
 * of usb:vVVVVpPPPP* lines, and a "# Known unsupported devices" section), refined by what
 * libfprint reports for the devices it opens (image-capable or match-on-chip). Cameras are
 * the V4L2 nodes /dev/video* (for listing; capture goes through OpenCV). Signature pads are
 * recognised by a small table of pad makers' USB ids.
 */
#ifndef KTPEL_STATION_DEVICES_H
#define KTPEL_STATION_DEVICES_H

#include <stdbool.h>
#include <stddef.h>

#include "ktpel/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- libfprint's supported-device list ------------------------------------------------- */

typedef struct ktpel_fprint_hwdb ktpel_fprint_hwdb;

/* Largest hwdb accepted (bytes) and most entries. */
#define KTPEL_FPRINT_HWDB_MAX_BYTES   (4u * 1024u * 1024u)
#define KTPEL_FPRINT_HWDB_MAX_ENTRIES 65536

/* Parses hwdb text (need not be NUL-terminated); name is used in messages. Malformed input
 * (a usb: line that is not usb:vXXXXpYYYY*, a usb: line outside a section, a NUL byte, a
 * line over 1,024 bytes) gives KTPEL_EFORMAT naming the line. */
ktpel_err ktpel_fprint_hwdb_parse(const char *text, size_t len, const char *name,
                                  ktpel_fprint_hwdb **out, ktpel_errbuf *eb);
/* Reads a file; path NULL = the installed one (/lib/udev/hwdb.d/ or /usr/lib/udev/hwdb.d/
 * 60-autosuspend-libfprint-2.hwdb); KTPEL_ENOTFOUND when absent. */
ktpel_err ktpel_fprint_hwdb_load(const char *path, ktpel_fprint_hwdb **out, ktpel_errbuf *eb);
void ktpel_fprint_hwdb_free(ktpel_fprint_hwdb *db);
size_t ktpel_fprint_hwdb_count(const ktpel_fprint_hwdb *db);
/* true if vid:pid is listed; *driver = the libfprint driver, or NULL for a known unsupported
 * device. */
bool ktpel_fprint_hwdb_lookup(const ktpel_fprint_hwdb *db, int vid, int pid, const char **driver);

/* ---- the device list -------------------------------------------------------------------- */

typedef enum ktpel_device_kind {
    KTPEL_DEVICE_FINGERPRINT = 0,
    KTPEL_DEVICE_CAMERA,
    KTPEL_DEVICE_SIGNATURE_PAD,
} ktpel_device_kind;

/* "fingerprint", "camera", "signature_pad". */
const char *ktpel_device_kind_name(ktpel_device_kind k);

typedef struct ktpel_station_device {
    ktpel_device_kind kind;
    int vendor, product; /* USB ids; 0 when unknown (e.g. a virtual device) */
    int bus, address;    /* USB location; 0 when unknown */
    char node[64];       /* /dev/videoN for cameras, the ktpel scanner id for scanners */
    char name[128];
    bool supported;    /* ktpel can use it for enrolment */
    char support[192]; /* why / how, for the operator */
} ktpel_station_device;

/* Lists the attached devices (*list malloc'd; free() it). hwdb may be NULL (scanners are
 * then known only when libfprint opens them). Scanners libfprint provides without USB
 * (virtual devices) are listed too. */
ktpel_err ktpel_station_devices_list(const ktpel_fprint_hwdb *hwdb, ktpel_station_device **list,
                                     size_t *count, ktpel_errbuf *eb);

/* Hot-plug: calls on_event for every USB device that arrives or leaves during `seconds`
 * (or until *stop becomes true, checked every 100 ms; stop may be NULL). KTPEL_EUNSUPPORTED
 * when libusb has no hot-plug support on this system. */
ktpel_err ktpel_station_devices_watch(const ktpel_fprint_hwdb *hwdb, double seconds,
                                      const volatile bool *stop,
                                      void (*on_event)(void *user, bool arrived,
                                                       const ktpel_station_device *dev),
                                      void *user, ktpel_errbuf *eb);

#ifdef __cplusplus
}
#endif

#endif
