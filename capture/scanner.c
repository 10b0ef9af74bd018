/* Fingerprint scanners through libfprint: list, open, capture one image (include/ktpel/scanner.h).
 *
 * Every handle owns its FpContext and a GMainContext that is pushed as the thread-default
 * context for the duration of each call, so libfprint's tasks, USB transfers and timeouts of
 * this device run on it and nowhere else. Enumeration is the exception: libfprint's
 * fp_context_enumerate iterates GLib's global-default context until the devices have been
 * probed, so it must run with that one as the thread-default (see scanner.h).
 */
#include <fprint.h>
#include <gusb.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ktpel/scanner.h"

/* Resolution libfprint documents for drivers that state none (fp_image_get_ppmm). */
#define LIBFPRINT_ASSUMED_DPI 500
/* How long open and close may take before the device is declared unresponsive. */
#define DEVICE_OP_LIMIT_US (10 * G_USEC_PER_SEC)
/* How long a cancelled capture may take to wind down. */
#define CANCEL_LIMIT_US (5 * G_USEC_PER_SEC)
/* Period of the tick that checks timeouts and lets GUsb's hot-plug events through. */
#define TICK_MS 100

/* Why a capture is being stopped. */
enum stop_reason { STOP_NONE = 0, STOP_CANCEL, STOP_TIMEOUT, STOP_REMOVED };

struct ktpel_scanner {
    GMainContext *ctx;
    FpContext *fp;
    FpDevice *dev;
    ktpel_scanner_info info;
    ktpel_scanner_options opt;
    ktpel_finger_status status;
    atomic_bool cancel_requested; /* set by ktpel_scanner_cancel from any thread */
    bool removed;
    bool broken; /* a device operation never completed: only freeing is left */
    gulong status_handler, removed_handler;
};

/* One asynchronous libfprint call waited for in our context. Heap-allocated so that a call
 * abandoned after its time limit cannot write into a dead stack frame. */
typedef struct pending_op {
    bool done;
    gboolean ok;
    FpImage *image;
    GError *error;
} pending_op;

const char *ktpel_finger_status_name(ktpel_finger_status s)
{
    switch (s) {
    case KTPEL_FINGER_NONE:
        return "none";
    case KTPEL_FINGER_NEEDED:
        return "needed";
    case KTPEL_FINGER_PRESENT:
        return "present";
    }
    return "unknown";
}

/* ---- device descriptions ------------------------------------------------------------------ */

static void copy_str(char *dst, size_t size, const char *src)
{
    snprintf(dst, size, "%s", src ? src : "");
}

static void describe_device(FpDevice *dev, ktpel_scanner_info *info)
{
    memset(info, 0, sizeof *info);
    copy_str(info->driver, sizeof info->driver, fp_device_get_driver(dev));
    copy_str(info->name, sizeof info->name, fp_device_get_name(dev));
    FpDeviceFeature features = fp_device_get_features(dev);
    info->can_capture = (features & FP_DEVICE_FEATURE_CAPTURE) != 0;
    info->match_on_chip = !info->can_capture &&
                          (features & (FP_DEVICE_FEATURE_VERIFY | FP_DEVICE_FEATURE_IDENTIFY)) != 0;
    GObject *usb = NULL;
    g_object_get(dev, "fpi-usb-device", &usb, NULL);
    if (usb && G_USB_IS_DEVICE(usb)) {
        GUsbDevice *u = G_USB_DEVICE(usb);
        info->usb_vendor = g_usb_device_get_vid(u);
        info->usb_product = g_usb_device_get_pid(u);
        info->usb_bus = g_usb_device_get_bus(u);
        info->usb_address = g_usb_device_get_address(u);
    }
    if (usb)
        g_object_unref(usb);
}

/* Gives each device its id: the driver name, "#N" added from the second device of a driver. */
static void assign_ids(ktpel_scanner_info *infos, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int same = 1;
        for (size_t j = 0; j < i; j++)
            same += strcmp(infos[j].driver, infos[i].driver) == 0;
        if (same == 1)
            copy_str(infos[i].id, sizeof infos[i].id, infos[i].driver);
        else
            snprintf(infos[i].id, sizeof infos[i].id, "%.31s#%d", infos[i].driver, same % 1000);
    }
}

/* Creates an FpContext and enumerates its devices on the global-default context (the only
 * one fp_context_enumerate iterates). */
static GPtrArray *enumerate(FpContext **fp_out)
{
    g_main_context_push_thread_default(NULL);
    FpContext *fp = fp_context_new();
    GPtrArray *devices = fp_context_get_devices(fp);
    g_main_context_pop_thread_default(NULL);
    *fp_out = fp;
    return devices;
}

static ktpel_err describe_all(GPtrArray *devices, ktpel_scanner_info **list, size_t *count,
                              ktpel_errbuf *eb)
{
    size_t n = devices ? devices->len : 0;
    ktpel_scanner_info *infos = calloc(n ? n : 1, sizeof *infos);
    if (!infos)
        return ktpel_fail(eb, KTPEL_ENOMEM, "listing fingerprint scanners: out of memory");
    for (size_t i = 0; i < n; i++)
        describe_device(g_ptr_array_index(devices, i), &infos[i]);
    assign_ids(infos, n);
    *list = infos;
    *count = n;
    return KTPEL_OK;
}

ktpel_err ktpel_scanner_list(ktpel_scanner_info **list, size_t *count, ktpel_errbuf *eb)
{
    if (!list || !count)
        return ktpel_fail(eb, KTPEL_EINVAL, "ktpel_scanner_list: NULL argument");
    *list = NULL;
    *count = 0;
    FpContext *fp = NULL;
    GPtrArray *devices = enumerate(&fp);
    ktpel_err err = describe_all(devices, list, count, eb);
    g_object_unref(fp);
    return err;
}

/* ---- choosing the device ------------------------------------------------------------------ */

static bool id_matches(const ktpel_scanner_info *info, const char *id)
{
    if (strcmp(info->id, id) == 0 || strcmp(info->driver, id) == 0)
        return true;
    unsigned vid, pid;
    char tail;
    if (sscanf(id, "%4x:%4x%c", &vid, &pid, &tail) == 2 && info->usb_vendor != 0)
        return (int)vid == info->usb_vendor && (int)pid == info->usb_product;
    return false;
}

static void list_found(const ktpel_scanner_info *infos, size_t n, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && used < size; i++) {
        int w = snprintf(buf + used, size - used, "%s%s (%s%s)", i ? ", " : "", infos[i].id,
                         infos[i].name, infos[i].can_capture ? "" : ", gives no image");
        if (w < 0)
            break;
        used += (size_t)w;
    }
    if (n == 0)
        snprintf(buf, size, "none");
}

/* Index of the device to open, or -1 with eb filled. */
static long choose_device(const ktpel_scanner_info *infos, size_t n, const char *id, ktpel_err *err,
                          ktpel_errbuf *eb)
{
    char found[300];
    list_found(infos, n, found, sizeof found);
    bool any = !id || !id[0];
    for (size_t i = 0; i < n; i++) {
        if (any ? !infos[i].can_capture : !id_matches(&infos[i], id))
            continue;
        if (!infos[i].can_capture) {
            *err = ktpel_fail(eb, KTPEL_EUNSUPPORTED,
                              "fingerprint scanner %s (%s) gives no image (%s): it cannot be "
                              "used for enrolment, which stores the images; connect an "
                              "image-capable scanner",
                              infos[i].id, infos[i].name,
                              infos[i].match_on_chip ? "match-on-chip device" : "no capture");
            return -1;
        }
        return (long)i;
    }
    if (any)
        *err =
            ktpel_fail(eb, KTPEL_ENOTFOUND,
                       "no image-capable fingerprint scanner found (libfprint devices: %s)", found);
    else
        *err = ktpel_fail(eb, KTPEL_ENOTFOUND,
                          "fingerprint scanner '%s' not found (libfprint devices: %s)", id, found);
    return -1;
}

/* ---- waiting for libfprint in our own context ----------------------------------------------- */

static void op_done_open(GObject *src, GAsyncResult *res, gpointer user)
{
    pending_op *op = user;
    op->ok = fp_device_open_finish(FP_DEVICE(src), res, &op->error);
    op->done = true;
}

static void op_done_close(GObject *src, GAsyncResult *res, gpointer user)
{
    pending_op *op = user;
    op->ok = fp_device_close_finish(FP_DEVICE(src), res, &op->error);
    op->done = true;
}

static void op_done_capture(GObject *src, GAsyncResult *res, gpointer user)
{
    pending_op *op = user;
    op->image = fp_device_capture_finish(FP_DEVICE(src), res, &op->error);
    op->ok = op->image != NULL;
    op->done = true;
}

static void op_free(pending_op *op)
{
    if (!op)
        return;
    if (op->image)
        g_object_unref(op->image);
    g_clear_error(&op->error);
    free(op);
}

static gboolean tick_nothing(gpointer user)
{
    (void)user;
    return G_SOURCE_CONTINUE;
}

/* Iterates ctx until op is done or limit_us passes; false on the time limit. A tick wakes
 * the loop so that the limit is checked even when libfprint is silent. */
static bool wait_op(GMainContext *ctx, pending_op *op, gint64 limit_us)
{
    gint64 end = g_get_monotonic_time() + limit_us;
    GSource *tick = g_timeout_source_new(TICK_MS);
    g_source_set_callback(tick, tick_nothing, NULL, NULL);
    g_source_attach(tick, ctx);
    while (!op->done && g_get_monotonic_time() < end)
        g_main_context_iteration(ctx, TRUE);
    g_source_destroy(tick);
    g_source_unref(tick);
    return op->done;
}

/* ---- the handle ------------------------------------------------------------------------------ */

static ktpel_finger_status status_from_flags(FpFingerStatusFlags flags)
{
    if (flags & FP_FINGER_STATUS_PRESENT)
        return KTPEL_FINGER_PRESENT;
    if (flags & FP_FINGER_STATUS_NEEDED)
        return KTPEL_FINGER_NEEDED;
    return KTPEL_FINGER_NONE;
}

static void on_finger_status(FpDevice *dev, GParamSpec *pspec, gpointer user)
{
    (void)pspec;
    ktpel_scanner *s = user;
    ktpel_finger_status st = status_from_flags(fp_device_get_finger_status(dev));
    if (st == s->status)
        return;
    s->status = st;
    if (s->opt.on_status)
        s->opt.on_status(s->opt.user, st);
}

static void on_removed(FpDevice *dev, GParamSpec *pspec, gpointer user)
{
    (void)pspec;
    ktpel_scanner *s = user;
    gboolean removed = FALSE;
    g_object_get(dev, "removed", &removed, NULL);
    if (removed)
        s->removed = true;
}

const ktpel_scanner_info *ktpel_scanner_get_info(const ktpel_scanner *s)
{
    return s ? &s->info : NULL;
}

void ktpel_scanner_cancel(ktpel_scanner *s)
{
    if (!s)
        return;
    atomic_store(&s->cancel_requested, true);
    g_main_context_wakeup(s->ctx);
}

static ktpel_err open_device(ktpel_scanner *s, ktpel_errbuf *eb)
{
    pending_op *op = calloc(1, sizeof *op);
    if (!op)
        return ktpel_fail(eb, KTPEL_ENOMEM, "opening scanner %s: out of memory", s->info.id);
    g_main_context_push_thread_default(s->ctx);
    fp_device_open(s->dev, NULL, op_done_open, op);
    bool finished = wait_op(s->ctx, op, DEVICE_OP_LIMIT_US);
    g_main_context_pop_thread_default(s->ctx);
    if (!finished) {
        s->broken = true; /* op stays owned by the callback that never came */
        return ktpel_fail(eb, KTPEL_EIO, "scanner %s (%s) did not answer when opened", s->info.id,
                          s->info.name);
    }
    ktpel_err err = KTPEL_OK;
    if (!op->ok)
        err = ktpel_fail(eb, KTPEL_EIO, "scanner %s (%s) could not be opened: %s", s->info.id,
                         s->info.name, op->error ? op->error->message : "unknown error");
    op_free(op);
    return err;
}

ktpel_err ktpel_scanner_open(const char *id, const ktpel_scanner_options *opt, ktpel_scanner **out,
                             ktpel_errbuf *eb)
{
    if (!out)
        return ktpel_fail(eb, KTPEL_EINVAL, "ktpel_scanner_open: NULL argument");
    *out = NULL;
    ktpel_scanner *s = calloc(1, sizeof *s);
    if (!s)
        return ktpel_fail(eb, KTPEL_ENOMEM, "opening a scanner: out of memory");
    if (opt)
        s->opt = *opt;
    atomic_init(&s->cancel_requested, false);
    s->ctx = g_main_context_new();
    GPtrArray *devices = enumerate(&s->fp);
    ktpel_scanner_info *infos = NULL;
    size_t n = 0;
    ktpel_err err = describe_all(devices, &infos, &n, eb);
    long index = -1;
    if (err == KTPEL_OK)
        index = choose_device(infos, n, id, &err, eb);
    if (index >= 0) {
        s->info = infos[index];
        s->dev = g_object_ref(g_ptr_array_index(devices, (guint)index));
        s->status_handler =
            g_signal_connect(s->dev, "notify::finger-status", G_CALLBACK(on_finger_status), s);
        s->removed_handler = g_signal_connect(s->dev, "notify::removed", G_CALLBACK(on_removed), s);
        err = open_device(s, eb);
    }
    free(infos);
    if (err != KTPEL_OK) {
        ktpel_scanner_close(s);
        return err;
    }
    *out = s;
    return KTPEL_OK;
}

void ktpel_scanner_close(ktpel_scanner *s)
{
    if (!s)
        return;
    if (s->dev && !s->broken && fp_device_is_open(s->dev)) {
        pending_op *op = calloc(1, sizeof *op);
        if (op) {
            g_main_context_push_thread_default(s->ctx);
            fp_device_close(s->dev, NULL, op_done_close, op);
            bool finished = wait_op(s->ctx, op, DEVICE_OP_LIMIT_US);
            g_main_context_pop_thread_default(s->ctx);
            if (finished)
                op_free(op);
            else
                s->broken = true;
        }
    }
    if (s->dev) {
        g_signal_handler_disconnect(s->dev, s->status_handler);
        g_signal_handler_disconnect(s->dev, s->removed_handler);
        /* A device whose operation never completed still has libfprint's task attached;
         * freeing it would abort inside libfprint, so it is left to the process's end. */
        if (!s->broken)
            g_object_unref(s->dev);
    }
    if (s->fp && !s->broken) {
        g_main_context_push_thread_default(s->ctx);
        g_object_unref(s->fp);
        /* Let sources that libfprint destroyed on finalisation go. */
        while (g_main_context_iteration(s->ctx, FALSE))
            ;
        g_main_context_pop_thread_default(s->ctx);
    }
    if (!s->broken)
        g_main_context_unref(s->ctx);
    free(s);
}

/* ---- capture ------------------------------------------------------------------------------ */

typedef struct capture_watch {
    ktpel_scanner *s;
    GCancellable *cancellable;
    gint64 deadline; /* 0 = none */
    enum stop_reason stop;
    gint64 stopped_at;
} capture_watch;

static void stop_capture(capture_watch *w, enum stop_reason why)
{
    if (w->stop != STOP_NONE)
        return;
    w->stop = why;
    w->stopped_at = g_get_monotonic_time();
    g_cancellable_cancel(w->cancellable);
}

/* Every TICK_MS: cancellation, timeout, unplugging. GUsb delivers hot-plug events on the
 * global-default context; a non-blocking turn of it lets libfprint mark the device removed
 * (it is skipped when another thread owns that context and dispatches them itself). */
static gboolean capture_tick(gpointer user)
{
    capture_watch *w = user;
    for (int i = 0; i < 8 && g_main_context_iteration(NULL, FALSE); i++)
        ;
    if (atomic_load(&w->s->cancel_requested))
        stop_capture(w, STOP_CANCEL);
    else if (w->s->removed)
        stop_capture(w, STOP_REMOVED);
    else if (w->deadline && g_get_monotonic_time() >= w->deadline)
        stop_capture(w, STOP_TIMEOUT);
    return G_SOURCE_CONTINUE;
}

static ktpel_err image_from_fp(ktpel_scanner *s, FpImage *img, ktpel_image *out,
                               bool *dpi_from_device, ktpel_errbuf *eb)
{
    guint w = fp_image_get_width(img), h = fp_image_get_height(img);
    gsize len = 0;
    const guchar *data = fp_image_get_data(img, &len);
    if (w == 0 || h == 0 || w > KTPEL_IMAGE_MAX_SIDE || h > KTPEL_IMAGE_MAX_SIDE || !data ||
        len != (gsize)w * h)
        return ktpel_fail(eb, KTPEL_EIO,
                          "scanner %s delivered an unusable image (%ux%u, %zu bytes)", s->info.id,
                          w, h, (size_t)len);
    double ppmm = fp_image_get_ppmm(img);
    *dpi_from_device = ppmm > 0.0;
    int dpi = *dpi_from_device ? (int)lround(ppmm * 25.4) : LIBFPRINT_ASSUMED_DPI;
    ktpel_err err = ktpel_image_alloc(out, (int)w, (int)h, 1, dpi, eb);
    if (err != KTPEL_OK)
        return err;
    memcpy(out->data, data, len);
    return KTPEL_OK;
}

static ktpel_err capture_error(ktpel_scanner *s, const capture_watch *w, const pending_op *op,
                               int timeout_ms, ktpel_errbuf *eb)
{
    const char *msg = op->error ? op->error->message : "unknown error";
    if (w->stop == STOP_CANCEL)
        return ktpel_fail(eb, KTPEL_ECANCELLED, "capture on scanner %s cancelled", s->info.id);
    if (w->stop == STOP_TIMEOUT)
        return ktpel_fail(eb, KTPEL_ETIMEOUT, "no finger on scanner %s within %.1f s", s->info.id,
                          timeout_ms / 1000.0);
    if (w->stop == STOP_REMOVED || s->removed ||
        g_error_matches(op->error, FP_DEVICE_ERROR, FP_DEVICE_ERROR_REMOVED))
        return ktpel_fail(eb, KTPEL_EIO,
                          "scanner %s (%s) was unplugged during the capture: reconnect it and "
                          "capture the finger again",
                          s->info.id, s->info.name);
    if (op->error && op->error->domain == FP_DEVICE_RETRY)
        return ktpel_fail(eb, KTPEL_EAGAIN, "scanner %s: %s", s->info.id, msg);
    return ktpel_fail(eb, KTPEL_EIO, "scanner %s (%s): capture failed: %s", s->info.id,
                      s->info.name, msg);
}

ktpel_err ktpel_scanner_capture(ktpel_scanner *s, int timeout_ms, ktpel_image *out,
                                ktpel_scanner_image_info *info, ktpel_errbuf *eb)
{
    if (!s || !out)
        return ktpel_fail(eb, KTPEL_EINVAL, "ktpel_scanner_capture: NULL argument");
    if (s->broken)
        return ktpel_fail(eb, KTPEL_EIO, "scanner %s stopped answering; close and reopen it",
                          s->info.id);
    if (s->removed)
        return ktpel_fail(eb, KTPEL_EIO, "scanner %s (%s) was unplugged", s->info.id, s->info.name);
    pending_op *op = calloc(1, sizeof *op);
    if (!op)
        return ktpel_fail(eb, KTPEL_ENOMEM, "capture: out of memory");
    gint64 start = g_get_monotonic_time();
    capture_watch w = {.s = s, .cancellable = g_cancellable_new()};
    if (timeout_ms > 0)
        w.deadline = start + (gint64)timeout_ms * 1000;

    g_main_context_push_thread_default(s->ctx);
    GSource *tick = g_timeout_source_new(TICK_MS);
    g_source_set_callback(tick, capture_tick, &w, NULL);
    g_source_attach(tick, s->ctx);
    fp_device_capture(s->dev, TRUE, w.cancellable, op_done_capture, op);
    while (!op->done) {
        if (atomic_load(&s->cancel_requested))
            stop_capture(&w, STOP_CANCEL);
        g_main_context_iteration(s->ctx, TRUE);
        /* A driver that ignores cancellation must not hang the station. */
        if (w.stop != STOP_NONE && !op->done &&
            g_get_monotonic_time() - w.stopped_at > CANCEL_LIMIT_US)
            break;
    }
    g_source_destroy(tick);
    g_source_unref(tick);
    g_main_context_pop_thread_default(s->ctx);
    atomic_store(&s->cancel_requested, false);
    g_object_unref(w.cancellable);

    if (!op->done) {
        s->broken = true;
        return ktpel_fail(eb, KTPEL_EIO, "scanner %s (%s) stopped answering during the capture",
                          s->info.id, s->info.name);
    }
    ktpel_err err;
    bool from_device = false;
    if (op->ok && w.stop == STOP_NONE)
        err = image_from_fp(s, op->image, out, &from_device, eb);
    else
        err = capture_error(s, &w, op, timeout_ms, eb);
    op_free(op);
    if (info) {
        info->dpi_from_device = from_device;
        info->capture_seconds = (double)(g_get_monotonic_time() - start) / G_USEC_PER_SEC;
    }
    return err;
}
