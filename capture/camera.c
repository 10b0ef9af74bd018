/* The station's cameras (include/ktpel/camera.h) on the video frames of core's imgproc. */
#include "ktpel/camera.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ktpel/imgproc.h"

struct ktpel_camera {
    ktpel_video *video;
    ktpel_camera_role role;
    int dpi;
    size_t frames;
    char source[512];
};

static int all_digits(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!isdigit((unsigned char)*s))
            return 0;
    return 1;
}

static int is_directory(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

ktpel_err ktpel_camera_frame_path(const char *dir, unsigned index, char *buf, size_t size,
                                  ktpel_errbuf *eb)
{
    if (!dir || !buf || size == 0)
        return ktpel_fail(eb, KTPEL_EINVAL, "camera frame path: NULL argument");
    int n = snprintf(buf, size, "%s/frame_%04u.png", dir, index);
    if (n < 0 || (size_t)n >= size)
        return ktpel_fail(eb, KTPEL_ETOOBIG, "camera frame path: %s/frame_%04u.png too long", dir,
                          index);
    return KTPEL_OK;
}

/* Decides how to read source; for a folder, *pattern gets DIR/frame_%04d.png. */
static ktpel_err classify(const char *source, ktpel_video_kind *kind, char *pattern, size_t size,
                          ktpel_errbuf *eb)
{
    int n = snprintf(pattern, size, "%s", source);
    if (strncmp(source, "/dev/", 5) == 0)
        *kind = KTPEL_VIDEO_DEVICE;
    else if (all_digits(source))
        *kind = KTPEL_VIDEO_INDEX;
    else if (strchr(source, '%'))
        *kind = KTPEL_VIDEO_SEQUENCE;
    else if (is_directory(source)) {
        *kind = KTPEL_VIDEO_SEQUENCE;
        n = snprintf(pattern, size, "%s/frame_%%04d.png", source);
    } else
        return ktpel_fail(eb, KTPEL_ENOTFOUND,
                          "camera %s: not a device (/dev/videoN or a number), a frame pattern "
                          "(frame_%%04d.png) or a folder of frames",
                          source);
    if (n < 0 || (size_t)n >= size)
        return ktpel_fail(eb, KTPEL_ETOOBIG, "camera %s: name too long", source);
    return KTPEL_OK;
}

ktpel_err ktpel_camera_open(const char *source, ktpel_camera_role role,
                            const ktpel_camera_options *opts, ktpel_camera **out, ktpel_errbuf *eb)
{
    if (!out)
        return ktpel_fail(eb, KTPEL_EINVAL, "camera: NULL output");
    *out = NULL;
    if (!source || !*source)
        return ktpel_fail(eb, KTPEL_EINVAL, "camera: no source given");
    if (role != KTPEL_CAMERA_FACE && role != KTPEL_CAMERA_IRIS)
        return ktpel_fail(eb, KTPEL_EINVAL, "camera %s: unknown role %d", source, (int)role);
    ktpel_camera_options o = opts ? *opts : (ktpel_camera_options){0, 0, 0};
    if (o.dpi < 0 || o.width < 0 || o.height < 0)
        return ktpel_fail(eb, KTPEL_EINVAL, "camera %s: negative size or resolution", source);
    ktpel_camera *cam = calloc(1, sizeof *cam);
    if (!cam)
        return ktpel_fail(eb, KTPEL_ENOMEM, "camera %s: out of memory", source);
    ktpel_video_kind kind = KTPEL_VIDEO_DEVICE;
    ktpel_err rc = classify(source, &kind, cam->source, sizeof cam->source, eb);
    if (rc == KTPEL_OK)
        rc = ktpel_video_open(cam->source, kind, o.width, o.height, &cam->video, eb);
    if (rc != KTPEL_OK) {
        free(cam);
        return rc;
    }
    cam->role = role;
    cam->dpi = o.dpi;
    *out = cam;
    return KTPEL_OK;
}

void ktpel_camera_close(ktpel_camera *cam)
{
    if (!cam)
        return;
    ktpel_video_close(cam->video);
    free(cam);
}

ktpel_err ktpel_camera_grab(ktpel_camera *cam, ktpel_image *out, ktpel_errbuf *eb)
{
    if (!cam || !out)
        return ktpel_fail(eb, KTPEL_EINVAL, "camera: NULL argument");
    ktpel_image_mode mode = cam->role == KTPEL_CAMERA_FACE ? KTPEL_IMAGE_RGB : KTPEL_IMAGE_GREY;
    ktpel_err rc = ktpel_video_read(cam->video, mode, out, eb);
    if (rc != KTPEL_OK)
        return rc;
    out->dpi = cam->dpi;
    cam->frames++;
    return KTPEL_OK;
}

size_t ktpel_camera_frames(const ktpel_camera *cam)
{
    return cam ? cam->frames : 0;
}
