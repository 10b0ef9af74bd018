/* Feeding libfprint's virtual_image device: how the demo and the tests put fingers on a
 * "scanner" with no hardware, through the real libfprint capture path.
 *
 * libfprint creates a virtual_image device when FP_VIRTUAL_IMAGE names a socket path at the
 * time the FpContext enumerates; opening the device makes libfprint listen on that AF_UNIX
 * stream socket. A client sends each image as two native-endian int32 (width, height, at
 * most 5000 each) and width*height grey bytes (dark ridges on light); a negative width is a
 * command (-1 retry, -5 device removed, ...). libfprint reads only inside its main loop and
 * the image is larger than a socket buffer, so the writing is done by a thread of its own,
 * and an image is sent only when the device asks for a finger (finger status NEEDED): one
 * step per request, in order.
 *
 * Wiring: ktpel_virtual_scanner_enable(path) before ktpel_scanner_open; start the feeder;
 * forward the scanner's status callback to ktpel_virtual_scanner_on_status (directly, as
 * ktpel_scanner_options.on_status with user = the feeder, or from the caller's own callback).
 */
#ifndef KTPEL_SCANNER_VIRTUAL_H
#define KTPEL_SCANNER_VIRTUAL_H

#include <stddef.h>

#include "ktpel/error.h"
#include "ktpel/image.h"
#include "ktpel/scanner.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Largest side libfprint's virtual_image accepts. */
#define KTPEL_VIRTUAL_MAX_SIDE 5000

typedef enum ktpel_virtual_action {
    KTPEL_VIRTUAL_IMAGE = 0, /* put this image on the sensor */
    KTPEL_VIRTUAL_RETRY,     /* report a bad scan ("retry", libfprint's general retry) */
    KTPEL_VIRTUAL_UNPLUG,    /* make the device disappear, as if unplugged */
} ktpel_virtual_action;

typedef struct ktpel_virtual_step {
    ktpel_virtual_action action;
    const ktpel_image *image; /* for KTPEL_VIRTUAL_IMAGE: 8-bit grey; copied at start */
} ktpel_virtual_step;

typedef struct ktpel_virtual_scanner ktpel_virtual_scanner;

/* Sets FP_VIRTUAL_IMAGE (process environment: call it before threads start and before
 * ktpel_scanner_open). The path must fit an AF_UNIX address (< 108 bytes). */
ktpel_err ktpel_virtual_scanner_enable(const char *socket_path, ktpel_errbuf *eb);

/* Starts the writer thread for the steps, played one per finger request. */
ktpel_err ktpel_virtual_scanner_start(const char *socket_path, const ktpel_virtual_step *steps,
                                      size_t count, ktpel_virtual_scanner **out, ktpel_errbuf *eb);
/* Same for a list of images. */
ktpel_err ktpel_virtual_scanner_start_images(const char *socket_path, const ktpel_image *images,
                                             size_t count, ktpel_virtual_scanner **out,
                                             ktpel_errbuf *eb);

/* The scanner's finger-status callback (signature of ktpel_scanner_options.on_status, user =
 * the feeder). Each change to NEEDED releases the next step. Thread-safe. */
void ktpel_virtual_scanner_on_status(void *feeder, ktpel_finger_status status);

/* Steps completely written so far. Thread-safe. */
size_t ktpel_virtual_scanner_sent(ktpel_virtual_scanner *v);

/* Stops the thread, closes the connection, frees. Returns the writer's error, if it had one
 * (connection refused, write failed). NULL is allowed. */
ktpel_err ktpel_virtual_scanner_stop(ktpel_virtual_scanner *v, ktpel_errbuf *eb);

#ifdef __cplusplus
}
#endif

#endif
