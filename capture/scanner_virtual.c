/* The client side of libfprint's virtual_image socket (include/ktpel/scanner_virtual.h). */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ktpel/scanner_virtual.h"

/* virtual_image commands (negative width), and libfprint's FP_DEVICE_RETRY_GENERAL. */
#define CMD_RETRY          (-1)
#define CMD_REMOVE         (-5)
#define RETRY_GENERAL_CODE 0
/* How long the writer keeps trying to connect (the listener appears when the device opens). */
#define CONNECT_LIMIT_MS 5000

typedef struct owned_step {
    ktpel_virtual_action action;
    ktpel_image image; /* a copy */
} owned_step;

struct ktpel_virtual_scanner {
    char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
    owned_step *steps;
    size_t count;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    /* under lock: */
    size_t requests; /* NEEDED edges seen */
    size_t sent;     /* steps written */
    bool needed;     /* current status is NEEDED */
    bool stopping;
    ktpel_errbuf error; /* the writer's failure, if any */
};

ktpel_err ktpel_virtual_scanner_enable(const char *socket_path, ktpel_errbuf *eb)
{
    if (!socket_path || !socket_path[0] ||
        strlen(socket_path) >= sizeof(((struct sockaddr_un *)0)->sun_path))
        return ktpel_fail(eb, KTPEL_EINVAL, "virtual scanner socket path '%s': empty or too long",
                          socket_path ? socket_path : "(null)");
    if (setenv("FP_VIRTUAL_IMAGE", socket_path, 1) != 0)
        return ktpel_fail(eb, KTPEL_EIO, "setting FP_VIRTUAL_IMAGE: %s", strerror(errno));
    return KTPEL_OK;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int connect_socket(const char *path, ktpel_errbuf *eb)
{
    for (int waited = 0;; waited += 20) {
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            ktpel_fail(eb, KTPEL_EIO, "virtual scanner: socket: %s", strerror(errno));
            return -1;
        }
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        memcpy(sa.sun_path, path, strlen(path) + 1);
        if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0)
            return fd;
        int e = errno;
        close(fd);
        if ((e != ENOENT && e != ECONNREFUSED) || waited >= CONNECT_LIMIT_MS) {
            ktpel_fail(eb, KTPEL_EIO, "virtual scanner: connecting to %s: %s", path, strerror(e));
            return -1;
        }
        sleep_ms(20);
    }
}

static bool write_all(int fd, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        p += n;
        len -= (size_t)n;
    }
    return true;
}

static bool write_step(int fd, const owned_step *st)
{
    int32_t hdr[2];
    switch (st->action) {
    case KTPEL_VIRTUAL_IMAGE:
        hdr[0] = st->image.width;
        hdr[1] = st->image.height;
        return write_all(fd, hdr, sizeof hdr) &&
               write_all(fd, st->image.data, (size_t)st->image.width * st->image.height);
    case KTPEL_VIRTUAL_RETRY:
        hdr[0] = CMD_RETRY;
        hdr[1] = RETRY_GENERAL_CODE;
        return write_all(fd, hdr, sizeof hdr);
    case KTPEL_VIRTUAL_UNPLUG:
        hdr[0] = CMD_REMOVE;
        hdr[1] = 0;
        return write_all(fd, hdr, sizeof hdr);
    }
    return false;
}

/* Waits for the next finger request (or stop); returns false on stop. */
static bool wait_request(ktpel_virtual_scanner *v, size_t next)
{
    pthread_mutex_lock(&v->lock);
    while (!v->stopping && v->requests <= next)
        pthread_cond_wait(&v->cond, &v->lock);
    bool go = !v->stopping;
    pthread_mutex_unlock(&v->lock);
    return go;
}

static void *writer_main(void *arg)
{
    ktpel_virtual_scanner *v = arg;
    int fd = -1;
    for (size_t i = 0; i < v->count; i++) {
        if (!wait_request(v, i))
            break;
        ktpel_errbuf eb;
        ktpel_errbuf_clear(&eb);
        if (fd < 0 && (fd = connect_socket(v->path, &eb)) < 0) {
            pthread_mutex_lock(&v->lock);
            v->error = eb;
            pthread_mutex_unlock(&v->lock);
            break;
        }
        if (!write_step(fd, &v->steps[i])) {
            pthread_mutex_lock(&v->lock);
            ktpel_fail(&v->error, KTPEL_EIO, "virtual scanner: writing step %zu to %s: %s", i + 1,
                       v->path, strerror(errno));
            pthread_mutex_unlock(&v->lock);
            break;
        }
        pthread_mutex_lock(&v->lock);
        v->sent = i + 1;
        pthread_mutex_unlock(&v->lock);
    }
    /* Keep the connection until stopped: closing it early is harmless for libfprint, but
     * the device should see the same client for all steps. */
    pthread_mutex_lock(&v->lock);
    while (!v->stopping)
        pthread_cond_wait(&v->cond, &v->lock);
    pthread_mutex_unlock(&v->lock);
    if (fd >= 0)
        close(fd);
    return NULL;
}

static void free_steps(owned_step *steps, size_t n)
{
    for (size_t i = 0; steps && i < n; i++)
        ktpel_image_free(&steps[i].image);
    free(steps);
}

static ktpel_err copy_steps(const ktpel_virtual_step *steps, size_t count, owned_step **out,
                            ktpel_errbuf *eb)
{
    owned_step *own = calloc(count ? count : 1, sizeof *own);
    if (!own)
        return ktpel_fail(eb, KTPEL_ENOMEM, "virtual scanner: out of memory");
    for (size_t i = 0; i < count; i++) {
        own[i].action = steps[i].action;
        if (steps[i].action != KTPEL_VIRTUAL_IMAGE)
            continue;
        const ktpel_image *img = steps[i].image;
        if (!img || !img->data || img->channels != 1 || img->width < 1 || img->height < 1 ||
            img->width > KTPEL_VIRTUAL_MAX_SIDE || img->height > KTPEL_VIRTUAL_MAX_SIDE) {
            free_steps(own, count);
            return ktpel_fail(eb, KTPEL_EINVAL,
                              "virtual scanner: step %zu needs a grey image of 1..%d pixels a "
                              "side",
                              i + 1, KTPEL_VIRTUAL_MAX_SIDE);
        }
        ktpel_err err = ktpel_image_copy(img, &own[i].image, eb);
        if (err != KTPEL_OK) {
            free_steps(own, count);
            return err;
        }
    }
    *out = own;
    return KTPEL_OK;
}

ktpel_err ktpel_virtual_scanner_start(const char *socket_path, const ktpel_virtual_step *steps,
                                      size_t count, ktpel_virtual_scanner **out, ktpel_errbuf *eb)
{
    if (!out || (!steps && count))
        return ktpel_fail(eb, KTPEL_EINVAL, "ktpel_virtual_scanner_start: NULL argument");
    *out = NULL;
    ktpel_virtual_scanner *v = calloc(1, sizeof *v);
    if (!v)
        return ktpel_fail(eb, KTPEL_ENOMEM, "virtual scanner: out of memory");
    if (!socket_path || !socket_path[0] || strlen(socket_path) >= sizeof v->path) {
        free(v);
        return ktpel_fail(eb, KTPEL_EINVAL, "virtual scanner socket path '%s': empty or too long",
                          socket_path ? socket_path : "(null)");
    }
    memcpy(v->path, socket_path, strlen(socket_path) + 1);
    ktpel_err err = copy_steps(steps, count, &v->steps, eb);
    if (err != KTPEL_OK) {
        free(v);
        return err;
    }
    v->count = count;
    pthread_mutex_init(&v->lock, NULL);
    pthread_cond_init(&v->cond, NULL);
    if (pthread_create(&v->thread, NULL, writer_main, v) != 0) {
        pthread_cond_destroy(&v->cond);
        pthread_mutex_destroy(&v->lock);
        free_steps(v->steps, v->count);
        free(v);
        return ktpel_fail(eb, KTPEL_EIO, "virtual scanner: cannot start the writer thread");
    }
    *out = v;
    return KTPEL_OK;
}

ktpel_err ktpel_virtual_scanner_start_images(const char *socket_path, const ktpel_image *images,
                                             size_t count, ktpel_virtual_scanner **out,
                                             ktpel_errbuf *eb)
{
    if (!images && count)
        return ktpel_fail(eb, KTPEL_EINVAL, "ktpel_virtual_scanner_start_images: NULL images");
    ktpel_virtual_step *steps = calloc(count ? count : 1, sizeof *steps);
    if (!steps)
        return ktpel_fail(eb, KTPEL_ENOMEM, "virtual scanner: out of memory");
    for (size_t i = 0; i < count; i++)
        steps[i] = (ktpel_virtual_step){KTPEL_VIRTUAL_IMAGE, &images[i]};
    ktpel_err err = ktpel_virtual_scanner_start(socket_path, steps, count, out, eb);
    free(steps);
    return err;
}

void ktpel_virtual_scanner_on_status(void *feeder, ktpel_finger_status status)
{
    ktpel_virtual_scanner *v = feeder;
    if (!v)
        return;
    pthread_mutex_lock(&v->lock);
    bool needed = status == KTPEL_FINGER_NEEDED;
    if (needed && !v->needed) {
        v->requests++;
        pthread_cond_broadcast(&v->cond);
    }
    v->needed = needed;
    pthread_mutex_unlock(&v->lock);
}

size_t ktpel_virtual_scanner_sent(ktpel_virtual_scanner *v)
{
    if (!v)
        return 0;
    pthread_mutex_lock(&v->lock);
    size_t n = v->sent;
    pthread_mutex_unlock(&v->lock);
    return n;
}

ktpel_err ktpel_virtual_scanner_stop(ktpel_virtual_scanner *v, ktpel_errbuf *eb)
{
    if (!v)
        return KTPEL_OK;
    pthread_mutex_lock(&v->lock);
    v->stopping = true;
    pthread_cond_broadcast(&v->cond);
    pthread_mutex_unlock(&v->lock);
    pthread_join(v->thread, NULL);
    ktpel_err err = v->error.code;
    if (err != KTPEL_OK && eb)
        *eb = v->error;
    pthread_cond_destroy(&v->cond);
    pthread_mutex_destroy(&v->lock);
    free_steps(v->steps, v->count);
    free(v);
    return err;
}
