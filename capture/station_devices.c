/* The station's attached devices (include/ktpel/station_devices.h): USB through libusb,
 * cameras through the V4L2 nodes in sysfs, scanners cross-checked with libfprint. */
#include <dirent.h>
#include <libusb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ktpel/scanner.h"
#include "ktpel/station_devices.h"

/* Signature pad makers' USB ids (pid_lo..pid_hi; 0..0xffff = every product of the maker). */
static const struct pad_id {
    int vid, pid_lo, pid_hi;
    const char *name;
} pad_ids[] = {
    {0x06a8, 0x0000, 0xffff, "Topaz Systems signature pad"},
    {0x2133, 0x0000, 0xffff, "signotec signature pad"},
    {0x056a, 0x00a1, 0x00a8, "Wacom STU signature pad"},
};

const char *ktpel_device_kind_name(ktpel_device_kind k)
{
    switch (k) {
    case KTPEL_DEVICE_FINGERPRINT:
        return "fingerprint";
    case KTPEL_DEVICE_CAMERA:
        return "camera";
    case KTPEL_DEVICE_SIGNATURE_PAD:
        return "signature_pad";
    }
    return "unknown";
}

typedef struct dev_list {
    ktpel_station_device *items;
    size_t count, cap;
} dev_list;

static ktpel_station_device *push(dev_list *l)
{
    if (l->count == l->cap) {
        size_t n = l->cap ? l->cap * 2 : 16;
        ktpel_station_device *p = realloc(l->items, n * sizeof *p);
        if (!p)
            return NULL;
        l->items = p;
        l->cap = n;
    }
    ktpel_station_device *d = &l->items[l->count++];
    memset(d, 0, sizeof *d);
    return d;
}

static const struct pad_id *pad_lookup(int vid, int pid)
{
    for (size_t i = 0; i < sizeof pad_ids / sizeof pad_ids[0]; i++)
        if (pad_ids[i].vid == vid && pid >= pad_ids[i].pid_lo && pid <= pad_ids[i].pid_hi)
            return &pad_ids[i];
    return NULL;
}

/* What libfprint says about the scanner at bus:address (NULL if it did not open it). */
static const ktpel_scanner_info *fp_find(const ktpel_scanner_info *fp, size_t nfp, int bus,
                                         int address)
{
    for (size_t i = 0; i < nfp; i++)
        if (fp[i].usb_bus == bus && fp[i].usb_address == address && bus)
            return &fp[i];
    return NULL;
}

static void describe_scanner(ktpel_station_device *d, const char *driver,
                             const ktpel_scanner_info *fp)
{
    d->kind = KTPEL_DEVICE_FINGERPRINT;
    if (fp) {
        snprintf(d->node, sizeof d->node, "%s", fp->id);
        snprintf(d->name, sizeof d->name, "%s", fp->name);
        d->supported = fp->can_capture;
        snprintf(d->support, sizeof d->support,
                 fp->can_capture ? "libfprint driver %s, gives images"
                                 : "libfprint driver %s, match-on-chip: gives no image, not "
                                   "usable for enrolment",
                 fp->driver);
    } else if (driver) {
        snprintf(d->name, sizeof d->name, "fingerprint scanner (%s)", driver);
        d->supported = true;
        snprintf(d->support, sizeof d->support,
                 "libfprint driver %s (not opened now: busy or no permission)", driver);
    } else {
        snprintf(d->name, sizeof d->name, "fingerprint scanner");
        snprintf(d->support, sizeof d->support,
                 "known to libfprint as unsupported: no driver for this scanner");
    }
}

/* Fills d from a USB device if ktpel has something to say about it; false otherwise. */
static bool classify_usb(ktpel_station_device *d, int vid, int pid, int bus, int address,
                         const ktpel_fprint_hwdb *hwdb, const ktpel_scanner_info *fp, size_t nfp)
{
    d->vendor = vid;
    d->product = pid;
    d->bus = bus;
    d->address = address;
    const char *driver = NULL;
    const ktpel_scanner_info *seen = fp_find(fp, nfp, bus, address);
    if (seen || ktpel_fprint_hwdb_lookup(hwdb, vid, pid, &driver)) {
        describe_scanner(d, driver, seen);
        return true;
    }
    const struct pad_id *pad = pad_lookup(vid, pid);
    if (pad) {
        d->kind = KTPEL_DEVICE_SIGNATURE_PAD;
        snprintf(d->name, sizeof d->name, "%s", pad->name);
        snprintf(d->support, sizeof d->support,
                 "no pad driver: export the pen points to a file and give it to the station");
        return true;
    }
    return false;
}

static ktpel_err list_usb(dev_list *l, const ktpel_fprint_hwdb *hwdb, const ktpel_scanner_info *fp,
                          size_t nfp, ktpel_errbuf *eb)
{
    libusb_context *ctx = NULL;
    if (libusb_init(&ctx) != 0)
        return KTPEL_OK; /* no USB on this system (e.g. a container): nothing to list */
    libusb_device **devs = NULL;
    ssize_t n = libusb_get_device_list(ctx, &devs);
    ktpel_err err = KTPEL_OK;
    for (ssize_t i = 0; i < n && err == KTPEL_OK; i++) {
        struct libusb_device_descriptor desc;
        if (libusb_get_device_descriptor(devs[i], &desc) != 0)
            continue;
        ktpel_station_device d;
        memset(&d, 0, sizeof d);
        if (!classify_usb(&d, desc.idVendor, desc.idProduct, libusb_get_bus_number(devs[i]),
                          libusb_get_device_address(devs[i]), hwdb, fp, nfp))
            continue;
        ktpel_station_device *slot = push(l);
        if (!slot)
            err = ktpel_fail(eb, KTPEL_ENOMEM, "listing USB devices: out of memory");
        else
            *slot = d;
    }
    if (n >= 0) /* an empty list is allocated too */
        libusb_free_device_list(devs, 1);
    libusb_exit(ctx);
    return err;
}

/* Scanners libfprint provides without a USB device of their own (virtual devices). */
static ktpel_err list_other_scanners(dev_list *l, const ktpel_scanner_info *fp, size_t nfp,
                                     ktpel_errbuf *eb)
{
    for (size_t i = 0; i < nfp; i++) {
        if (fp[i].usb_bus)
            continue;
        ktpel_station_device *d = push(l);
        if (!d)
            return ktpel_fail(eb, KTPEL_ENOMEM, "listing scanners: out of memory");
        describe_scanner(d, NULL, &fp[i]);
    }
    return KTPEL_OK;
}

static bool read_small(const char *path, char *buf, size_t size)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    size_t n = fread(buf, 1, size - 1, f);
    fclose(f);
    buf[n] = '\0';
    buf[strcspn(buf, "\n")] = '\0';
    return n > 0;
}

static int read_hex_file(const char *path)
{
    char buf[16];
    if (!read_small(path, buf, sizeof buf))
        return 0;
    return (int)strtol(buf, NULL, 16);
}

static ktpel_err list_cameras(dev_list *l, ktpel_errbuf *eb)
{
    DIR *dir = opendir("/sys/class/video4linux");
    if (!dir)
        return KTPEL_OK;
    struct dirent *de;
    ktpel_err err = KTPEL_OK;
    while ((de = readdir(dir)) != NULL && err == KTPEL_OK) {
        if (strncmp(de->d_name, "video", 5) != 0 || strlen(de->d_name) > 40)
            continue;
        ktpel_station_device *d = push(l);
        if (!d) {
            err = ktpel_fail(eb, KTPEL_ENOMEM, "listing cameras: out of memory");
            break;
        }
        char path[128];
        d->kind = KTPEL_DEVICE_CAMERA;
        snprintf(d->node, sizeof d->node, "/dev/%.40s", de->d_name);
        snprintf(path, sizeof path, "/sys/class/video4linux/%.40s/name", de->d_name);
        if (!read_small(path, d->name, sizeof d->name))
            snprintf(d->name, sizeof d->name, "V4L2 device");
        snprintf(path, sizeof path, "/sys/class/video4linux/%.40s/device/../idVendor", de->d_name);
        d->vendor = read_hex_file(path);
        snprintf(path, sizeof path, "/sys/class/video4linux/%.40s/device/../idProduct", de->d_name);
        d->product = read_hex_file(path);
        d->supported = true;
        snprintf(d->support, sizeof d->support, "V4L2 camera, captured through OpenCV");
    }
    closedir(dir);
    return err;
}

ktpel_err ktpel_station_devices_list(const ktpel_fprint_hwdb *hwdb, ktpel_station_device **list,
                                     size_t *count, ktpel_errbuf *eb)
{
    if (!list || !count)
        return ktpel_fail(eb, KTPEL_EINVAL, "ktpel_station_devices_list: NULL argument");
    *list = NULL;
    *count = 0;
    ktpel_scanner_info *fp = NULL;
    size_t nfp = 0;
    ktpel_err err = ktpel_scanner_list(&fp, &nfp, eb);
    dev_list l = {0};
    if (err == KTPEL_OK)
        err = list_usb(&l, hwdb, fp, nfp, eb);
    if (err == KTPEL_OK)
        err = list_other_scanners(&l, fp, nfp, eb);
    if (err == KTPEL_OK)
        err = list_cameras(&l, eb);
    free(fp);
    if (err != KTPEL_OK) {
        free(l.items);
        return err;
    }
    *list = l.items;
    *count = l.count;
    return KTPEL_OK;
}

/* ---- hot-plug ------------------------------------------------------------------------------ */

typedef struct watch_ctx {
    const ktpel_fprint_hwdb *hwdb;
    void (*on_event)(void *user, bool arrived, const ktpel_station_device *dev);
    void *user;
} watch_ctx;

static int LIBUSB_CALL hotplug_cb(libusb_context *ctx, libusb_device *dev,
                                  libusb_hotplug_event event, void *user)
{
    (void)ctx;
    watch_ctx *w = user;
    struct libusb_device_descriptor desc;
    if (libusb_get_device_descriptor(dev, &desc) != 0)
        return 0;
    ktpel_station_device d;
    memset(&d, 0, sizeof d);
    /* libfprint is not asked here: the device may be half-gone; the id tables decide. */
    if (!classify_usb(&d, desc.idVendor, desc.idProduct, libusb_get_bus_number(dev),
                      libusb_get_device_address(dev), w->hwdb, NULL, 0)) {
        snprintf(d.name, sizeof d.name, "other USB device");
        snprintf(d.support, sizeof d.support, "not a station device");
    }
    w->on_event(w->user, event == LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED, &d);
    return 0;
}

ktpel_err ktpel_station_devices_watch(const ktpel_fprint_hwdb *hwdb, double seconds,
                                      const volatile bool *stop,
                                      void (*on_event)(void *user, bool arrived,
                                                       const ktpel_station_device *dev),
                                      void *user, ktpel_errbuf *eb)
{
    if (!on_event)
        return ktpel_fail(eb, KTPEL_EINVAL, "ktpel_station_devices_watch: NULL callback");
    libusb_context *ctx = NULL;
    if (libusb_init(&ctx) != 0)
        return ktpel_fail(eb, KTPEL_EIO, "USB: libusb could not be initialised");
    if (!libusb_has_capability(LIBUSB_CAP_HAS_HOTPLUG)) {
        libusb_exit(ctx);
        return ktpel_fail(eb, KTPEL_EUNSUPPORTED, "USB: no hot-plug support on this system");
    }
    watch_ctx w = {hwdb, on_event, user};
    libusb_hotplug_callback_handle handle;
    int rc = libusb_hotplug_register_callback(
        ctx, LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED | LIBUSB_HOTPLUG_EVENT_DEVICE_LEFT, 0,
        LIBUSB_HOTPLUG_MATCH_ANY, LIBUSB_HOTPLUG_MATCH_ANY, LIBUSB_HOTPLUG_MATCH_ANY, hotplug_cb,
        &w, &handle);
    if (rc != LIBUSB_SUCCESS) {
        libusb_exit(ctx);
        return ktpel_fail(eb, KTPEL_EIO, "USB: hot-plug registration failed: %s",
                          libusb_strerror(rc));
    }
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        double el = (double)(now.tv_sec - t0.tv_sec) + (now.tv_nsec - t0.tv_nsec) / 1e9;
        if ((seconds > 0 && el >= seconds) || (stop && *stop))
            break;
        struct timeval tv = {0, 100000};
        libusb_handle_events_timeout_completed(ctx, &tv, NULL);
    }
    libusb_hotplug_deregister_callback(ctx, handle);
    libusb_exit(ctx);
    return KTPEL_OK;
}
