/* Recorded USB sessions of three real scanners (aes3500, nb1010: usbdevfs ioctl recordings;
 * upektc_img: pcapng), replayed by umockdev under libfprint's real drivers: `ktpel station
 * capture-finger` must deliver exactly the image of the recording's capture.png (same size,
 * every pixel). Skipped when ../shared/datasets/usb-replay or umockdev-run is absent.
 *
 * The umockdev-run command line follows the dataset's README: -d DEVICE-FILE, and either
 * -i /dev/bus/usb/BBB/DDD=capture.ioctl (the node named by the recording's @DEV line) or
 * -p /sys/DEVPATH=capture.pcapng (the sysfs path on the device file's "P:" line).
 * FP_DEVICE_EMULATION=1 tells libfprint's drivers that they run against a recording.
 * umockdev-run works by LD_PRELOAD, which comes before the sanitizer runtime in an ASan build:
 * verify_asan_link_order=0 lets ASan accept that (no effect in other builds). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ktpel/image.h"
#include "testutil.h"

static const char *replay_root;
static char *tmp;

/* First line of path that starts with prefix, without it and without the newline. */
static int first_line_value(const char *path, const char *prefix, char *out, size_t size)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char line[1024];
    int found = -1;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, prefix, strlen(prefix)) == 0) {
            line[strcspn(line, "\n")] = '\0';
            snprintf(out, size, "%s", line + strlen(prefix));
            found = 0;
            break;
        }
    }
    fclose(f);
    return found;
}

static void replay_one(const char *name)
{
    char dir[4096], device[4200], record[4200], expected[4200], out[4200], map[8400];
    snprintf(dir, sizeof dir, "%s/%s", replay_root, name);
    snprintf(device, sizeof device, "%s/device", dir);
    snprintf(expected, sizeof expected, "%s/capture.png", dir);
    snprintf(out, sizeof out, "%s/%s.png", tmp, name);

    snprintf(record, sizeof record, "%s/capture.ioctl", dir);
    FILE *f = fopen(record, "r");
    if (f) {
        fclose(f);
        char node[512];
        assert_int_equal(first_line_value(record, "@DEV ", node, sizeof node), 0);
        snprintf(map, sizeof map, "-i '%s=%s'", node, record);
    } else {
        snprintf(record, sizeof record, "%s/capture.pcapng", dir);
        char syspath[512];
        assert_int_equal(first_line_value(device, "P: ", syspath, sizeof syspath), 0);
        snprintf(map, sizeof map, "-p '/sys%s=%s'", syspath, record);
    }

    /* stdout holds the JSON; stderr (libusb's and umockdev's chatter under replay) goes to a
     * log file. */
    char cmd[30000], output[8192];
    snprintf(cmd, sizeof cmd,
             "FP_DEVICE_EMULATION=1 ASAN_OPTIONS=verify_asan_link_order=0 timeout 60 umockdev-run "
             "-d '%s' %s -- '%s' station "
             "capture-finger --timeout 20 -o '%s' --json 2>'%s/%s.log'",
             device, map, ktpel_test_bin(), out, tmp, name);
    int rc = ktpel_test_run(cmd, output, sizeof output);
    printf("%s: %s", name, output);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(output, "\"driver\":\""));
    assert_non_null(strstr(output, name));

    ktpel_errbuf eb;
    ktpel_image got = {0}, want = {0};
    /* The recording's PNG is RGB with R = G = B = the grey value (libfprint's capture.py). */
    assert_int_equal(ktpel_image_read(out, KTPEL_IMAGE_GREY, 0, &got, &eb), KTPEL_OK);
    assert_int_equal(ktpel_image_read(expected, KTPEL_IMAGE_RGB, 0, &want, &eb), KTPEL_OK);
    assert_int_equal(got.width, want.width);
    assert_int_equal(got.height, want.height);
    assert_int_equal(got.dpi, 500); /* these drivers state no resolution: libfprint's 500 */
    size_t differing = 0;
    for (size_t i = 0; i < (size_t)got.width * got.height; i++) {
        const uint8_t *rgb = &want.data[3 * i];
        assert_true(rgb[0] == rgb[1] && rgb[1] == rgb[2]);
        differing += got.data[i] != rgb[1];
    }
    printf("%s: %dx%d, %zu of %d pixels differ from capture.png\n", name, got.width, got.height,
           differing, got.width * got.height);
    assert_int_equal(differing, 0);
    ktpel_image_free(&got);
    ktpel_image_free(&want);
}

static void test_aes3500(void **state)
{
    (void)state;
    replay_one("aes3500");
}

static void test_nb1010(void **state)
{
    (void)state;
    replay_one("nb1010");
}

static void test_upektc_img(void **state)
{
    (void)state;
    replay_one("upektc_img");
}

int main(void)
{
    replay_root = ktpel_test_dataset("usb-replay");
    char out[256];
    if (ktpel_test_run("umockdev-run --version 2>/dev/null", out, sizeof out) != 0) {
        printf("umockdev-run not installed: skipping the USB replays\n");
        return KTPEL_TEST_SKIP;
    }
    tmp = ktpel_test_tmpdir();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_aes3500),
        cmocka_unit_test(test_nb1010),
        cmocka_unit_test(test_upektc_img),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    ktpel_test_rmtree(tmp);
    free(tmp);
    return failed;
}
