/* The station's devices for the operator's workflow (include/ktpel/enrol.h): cameras, a
 * libfprint scanner (real, or virtual_image fed from files), signature files, and a synthetic
 * resident's folder for every step not given a device. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ktpel/camera.h"
#include "ktpel/enrol.h"
#include "ktpel/file.h"
#include "ktpel/iris.h"
#include "ktpel/scanner_virtual.h"

#define DEFAULT_FINGER_TIMEOUT_MS 60000
#define PEN_FILE_MAX              (8u << 20) /* a pad's CSV; the parser caps the samples */
#define PATH_SIZE                 4096
#define FILE_SIZE                 (PATH_SIZE + 128) /* a folder's path + a file name */

struct ktpel_enrol_devices {
    char from[PATH_SIZE]; /* "" = no folder */
    char signature_image[PATH_SIZE], pen_points[PATH_SIZE];
    ktpel_camera *face_cam, *iris_cam;
    ktpel_scanner *scanner;
    bool fingers_from_files; /* the folder's images (directly or through virtual_image) */
    int timeout_ms;
    /* virtual_image: a private folder for the socket, and the feeder of the capture going on */
    char sock_dir[64], sock_path[128];
    ktpel_virtual_scanner *feeder;
    /* Next number of each file sequence of the folder (0-based). */
    int face_next, iris_next[2], finger_next[KTPEL_ENROL_FINGERS + 1];
    char ids[KTPEL_ENROL_STEP_COUNT][65];
};

static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static ktpel_err copy_path(char *dst, const char *src, const char *what, ktpel_errbuf *eb)
{
    dst[0] = 0;
    if (!src)
        return KTPEL_OK;
    if (strlen(src) >= PATH_SIZE - 64)
        return ktpel_fail(eb, KTPEL_EINVAL, "%s: path too long", what);
    snprintf(dst, PATH_SIZE, "%s", src);
    return KTPEL_OK;
}

/* The next file NAME_K.EXT of the folder's sequence (K from 1); KTPEL_EEMPTY when absent. */
static ktpel_err next_file(ktpel_enrol_devices *d, const char *stem, const char *ext, int *next,
                           char *path, ktpel_errbuf *eb)
{
    if (!d->from[0])
        return ktpel_fail(eb, KTPEL_EINVAL, "no device and no --from folder for %s", stem);
    snprintf(path, FILE_SIZE, "%s/%s_%d.%s", d->from, stem, *next + 1, ext);
    if (!exists(path))
        return ktpel_fail(eb, KTPEL_EEMPTY, "%s: no such file (no further %s image in %s)", path,
                          stem, d->from);
    ++*next;
    return KTPEL_OK;
}

/* ---- the ops ---------------------------------------------------------------------------- */

static ktpel_err dev_face(void *dev, ktpel_image *out, ktpel_errbuf *eb)
{
    ktpel_enrol_devices *d = dev;
    if (d->face_cam)
        return ktpel_camera_grab(d->face_cam, out, eb);
    char path[FILE_SIZE];
    ktpel_err rc = next_file(d, "face", "jpg", &d->face_next, path, eb);
    return rc ? rc : ktpel_image_read(path, KTPEL_IMAGE_RGB, 0, out, eb);
}

static ktpel_err dev_signature(void *dev, ktpel_image *scan, uint8_t **pen, size_t *pen_len,
                               ktpel_errbuf *eb)
{
    ktpel_enrol_devices *d = dev;
    char path[FILE_SIZE];
    *pen = NULL;
    *pen_len = 0;
    if (d->pen_points[0])
        return ktpel_file_read(d->pen_points, PEN_FILE_MAX, pen, pen_len, eb);
    if (d->signature_image[0])
        return ktpel_image_read(d->signature_image, KTPEL_IMAGE_GREY, 0, scan, eb);
    if (!d->from[0])
        return ktpel_fail(eb, KTPEL_EINVAL, "no signature given (--signature, --pen or --from)");
    snprintf(path, sizeof path, "%s/signature_1.csv", d->from);
    if (exists(path))
        return ktpel_file_read(path, PEN_FILE_MAX, pen, pen_len, eb);
    snprintf(path, sizeof path, "%s/signature_1.png", d->from);
    if (exists(path))
        return ktpel_image_read(path, KTPEL_IMAGE_GREY, 0, scan, eb);
    return ktpel_fail(eb, KTPEL_ENOTFOUND, "%s: no signature_1.csv or signature_1.png", d->from);
}

/* The scanner's finger status, passed on to the virtual feeder of the capture going on. */
static void on_status(void *user, ktpel_finger_status status)
{
    ktpel_enrol_devices *d = user;
    if (d->feeder)
        ktpel_virtual_scanner_on_status(d->feeder, status);
}

/* A file's image through libfprint's virtual_image: one feeder per capture, so that the image
 * sent is the one for this finger and attempt whatever happened before (libfprint takes a
 * new connection in place of the old one). */
static ktpel_err capture_virtual(ktpel_enrol_devices *d, const ktpel_image *img, ktpel_image *out,
                                 ktpel_errbuf *eb)
{
    ktpel_err rc = ktpel_virtual_scanner_start_images(d->sock_path, img, 1, &d->feeder, eb);
    if (rc)
        return rc;
    rc = ktpel_scanner_capture(d->scanner, d->timeout_ms, out, NULL, eb);
    ktpel_errbuf feb;
    ktpel_err frc = ktpel_virtual_scanner_stop(d->feeder, &feb);
    d->feeder = NULL;
    if (!rc && frc) {
        ktpel_image_free(out);
        if (eb)
            *eb = feb;
        rc = frc;
    }
    return rc;
}

static ktpel_err dev_finger(void *dev, int position, bool verify, ktpel_image *out,
                            ktpel_errbuf *eb)
{
    (void)verify; /* a file sequence per finger serves both: enrolment first, then re-captures */
    ktpel_enrol_devices *d = dev;
    if (position < 1 || position > KTPEL_ENROL_FINGERS)
        return ktpel_fail(eb, KTPEL_EINVAL, "finger position %d: not 1..10", position);
    if (!d->fingers_from_files)
        return ktpel_scanner_capture(d->scanner, d->timeout_ms, out, NULL, eb);
    char stem[16], path[FILE_SIZE];
    snprintf(stem, sizeof stem, "finger_%02d", position);
    ktpel_err rc = next_file(d, stem, "png", &d->finger_next[position], path, eb);
    if (rc)
        return rc;
    if (!d->scanner)
        return ktpel_image_read(path, KTPEL_IMAGE_GREY, 500, out, eb);
    ktpel_image img = {0};
    rc = ktpel_image_read(path, KTPEL_IMAGE_GREY, 500, &img, eb);
    if (!rc)
        rc = capture_virtual(d, &img, out, eb);
    ktpel_image_free(&img);
    return rc;
}

static ktpel_err dev_iris(void *dev, int eye, ktpel_image *out, ktpel_errbuf *eb)
{
    ktpel_enrol_devices *d = dev;
    if (d->iris_cam)
        return ktpel_camera_grab(d->iris_cam, out, eb);
    int k = eye == KTPEL_IRIS_EYE_RIGHT ? 0 : 1;
    char path[FILE_SIZE];
    ktpel_err rc =
        next_file(d, k == 0 ? "iris_right" : "iris_left", "png", &d->iris_next[k], path, eb);
    return rc ? rc : ktpel_image_read(path, KTPEL_IMAGE_GREY, 0, out, eb);
}

static const char *dev_id(void *dev, ktpel_enrol_step step)
{
    ktpel_enrol_devices *d = dev;
    if (step == KTPEL_ENROL_VERIFY)
        step = KTPEL_ENROL_FINGERS_STEP;
    return (unsigned)step < KTPEL_ENROL_STEP_COUNT ? d->ids[step] : "unknown";
}

static const ktpel_enrol_device_ops ops = {dev_face, dev_signature, dev_finger, dev_iris, dev_id};

const ktpel_enrol_device_ops *ktpel_enrol_devices_ops(void)
{
    return &ops;
}

/* ---- opening and closing ---------------------------------------------------------------- */

/* "v4l2:/dev/video0" for a device, "images:SOURCE" for an image sequence. */
static void camera_id(char *id, size_t size, const char *source)
{
    bool digits = source[0] != 0;
    for (const char *c = source; *c; c++)
        digits = digits && *c >= '0' && *c <= '9';
    snprintf(id, size, "%s:%s", strncmp(source, "/dev/", 5) == 0 || digits ? "v4l2" : "images",
             source);
}

static ktpel_err open_virtual(ktpel_enrol_devices *d, ktpel_errbuf *eb)
{
    snprintf(d->sock_dir, sizeof d->sock_dir, "/tmp/ktpel-enrol-XXXXXX");
    if (!mkdtemp(d->sock_dir)) {
        d->sock_dir[0] = 0;
        return ktpel_fail(eb, KTPEL_EIO, "virtual scanner: cannot create a folder in /tmp: %s",
                          strerror(errno));
    }
    snprintf(d->sock_path, sizeof d->sock_path, "%s/virtual_image.sock", d->sock_dir);
    ktpel_err rc = ktpel_virtual_scanner_enable(d->sock_path, eb);
    ktpel_scanner_options so = {on_status, d};
    if (!rc)
        rc = ktpel_scanner_open("virtual_image", &so, &d->scanner, eb);
    return rc;
}

static ktpel_err open_fingers(ktpel_enrol_devices *d, const ktpel_enrol_device_config *cfg,
                              ktpel_errbuf *eb)
{
    ktpel_err rc = KTPEL_OK;
    if (cfg->finger_device && !cfg->virtual_scanner) {
        ktpel_scanner_options so = {NULL, NULL};
        rc = ktpel_scanner_open(cfg->finger_device, &so, &d->scanner, eb);
    } else {
        if (!d->from[0])
            return ktpel_fail(eb, KTPEL_EINVAL,
                              "fingers: no scanner given and no --from folder to take them from");
        d->fingers_from_files = true;
        if (cfg->virtual_scanner)
            rc = open_virtual(d, eb);
    }
    if (!rc && d->scanner)
        snprintf(d->ids[KTPEL_ENROL_FINGERS_STEP], sizeof d->ids[0], "libfprint:%s",
                 ktpel_scanner_get_info(d->scanner)->id);
    else if (!rc)
        snprintf(d->ids[KTPEL_ENROL_FINGERS_STEP], sizeof d->ids[0], "file");
    return rc;
}

static ktpel_err open_all(ktpel_enrol_devices *d, const ktpel_enrol_device_config *cfg,
                          ktpel_errbuf *eb)
{
    ktpel_err rc = copy_path(d->from, cfg->from_dir, "--from", eb);
    if (!rc)
        rc = copy_path(d->signature_image, cfg->signature_image, "--signature", eb);
    if (!rc)
        rc = copy_path(d->pen_points, cfg->pen_points, "--pen", eb);
    if (rc)
        return rc;
    d->timeout_ms = cfg->finger_timeout_ms > 0 ? cfg->finger_timeout_ms : DEFAULT_FINGER_TIMEOUT_MS;
    snprintf(d->ids[KTPEL_ENROL_PHOTO], sizeof d->ids[0], "file");
    snprintf(d->ids[KTPEL_ENROL_IRIS], sizeof d->ids[0], "file");
    snprintf(d->ids[KTPEL_ENROL_SIGNATURE], sizeof d->ids[0], "file");
    snprintf(d->ids[KTPEL_ENROL_CONFIRM], sizeof d->ids[0], "operator");
    if (cfg->camera) {
        rc = ktpel_camera_open(cfg->camera, KTPEL_CAMERA_FACE, NULL, &d->face_cam, eb);
        camera_id(d->ids[KTPEL_ENROL_PHOTO], sizeof d->ids[0], cfg->camera);
    }
    if (!rc && cfg->iris_camera) {
        rc = ktpel_camera_open(cfg->iris_camera, KTPEL_CAMERA_IRIS, NULL, &d->iris_cam, eb);
        camera_id(d->ids[KTPEL_ENROL_IRIS], sizeof d->ids[0], cfg->iris_camera);
    }
    if (!rc)
        rc = open_fingers(d, cfg, eb);
    return rc;
}

ktpel_err ktpel_enrol_devices_open(const ktpel_enrol_device_config *cfg, ktpel_enrol_devices **out,
                                   ktpel_errbuf *eb)
{
    if (!cfg || !out)
        return ktpel_fail(eb, KTPEL_EINVAL, "ktpel_enrol_devices_open: NULL argument");
    *out = NULL;
    if (cfg->virtual_scanner && (cfg->finger_device || !cfg->from_dir))
        return ktpel_fail(eb, KTPEL_EINVAL,
                          "the virtual scanner takes its fingers from the --from folder: give "
                          "--from and no --finger-device");
    ktpel_enrol_devices *d = calloc(1, sizeof *d);
    if (!d)
        return ktpel_fail(eb, KTPEL_ENOMEM, "devices: out of memory");
    ktpel_err rc = open_all(d, cfg, eb);
    if (rc) {
        ktpel_enrol_devices_close(d);
        return rc;
    }
    *out = d;
    return KTPEL_OK;
}

void ktpel_enrol_devices_close(ktpel_enrol_devices *d)
{
    if (!d)
        return;
    ktpel_virtual_scanner_stop(d->feeder, NULL);
    ktpel_scanner_close(d->scanner);
    ktpel_camera_close(d->face_cam);
    ktpel_camera_close(d->iris_cam);
    if (d->sock_dir[0]) {
        unlink(d->sock_path); /* libfprint leaves its listening socket behind */
        rmdir(d->sock_dir);
    }
    free(d);
}
