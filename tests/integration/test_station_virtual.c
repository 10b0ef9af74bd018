/* The fingerprint scanner API on libfprint's real code, with no hardware: synthetic fingers
 * fed to libfprint's virtual_image device through ktpel's feeder (capture/scanner_virtual.c).
 * Covers: the captured image equals what was fed (size and every pixel), several fingers in a
 * row through one handle, the quality gate (pass, retries, not capturable with a reason),
 * unplugging during a capture (an error, not a hang), timeout, cancellation from another
 * thread, refusal of a device that gives no image, and `ktpel station capture-finger`. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ktpel/scanner.h"
#include "ktpel/scanner_virtual.h"
#include "ktpel/synth_finger.h"
#include "testutil.h"

static char *tmp;
static ktpel_image fingers[3];
static int socket_serial;

/* A fresh socket path for each device (libfprint's listener binds it when the device opens). */
static const char *new_socket(char *buf, size_t size)
{
    snprintf(buf, size, "%s/s%d.sock", tmp, ++socket_serial);
    ktpel_errbuf eb;
    assert_int_equal(ktpel_virtual_scanner_enable(buf, &eb), KTPEL_OK);
    return buf;
}

static void assert_same_image(const ktpel_image *got, const ktpel_image *fed)
{
    assert_int_equal(got->width, fed->width);
    assert_int_equal(got->height, fed->height);
    assert_int_equal(got->channels, 1);
    assert_memory_equal(got->data, fed->data, (size_t)fed->width * fed->height);
}

/* Opens virtual_image with a feeder playing steps. */
static ktpel_scanner *open_fed(const ktpel_virtual_step *steps, size_t n,
                               ktpel_virtual_scanner **feeder)
{
    char path[4200];
    ktpel_errbuf eb;
    new_socket(path, sizeof path);
    assert_int_equal(ktpel_virtual_scanner_start(path, steps, n, feeder, &eb), KTPEL_OK);
    ktpel_scanner_options opt = {.on_status = ktpel_virtual_scanner_on_status, .user = *feeder};
    ktpel_scanner *s = NULL;
    ktpel_err err = ktpel_scanner_open("virtual_image", &opt, &s, &eb);
    if (err != KTPEL_OK)
        printf("open: %s\n", ktpel_errbuf_message(&eb));
    assert_int_equal(err, KTPEL_OK);
    assert_string_equal(ktpel_scanner_get_info(s)->driver, "virtual_image");
    assert_true(ktpel_scanner_get_info(s)->can_capture);
    return s;
}

static void test_capture_equals_fed(void **state)
{
    (void)state;
    ktpel_virtual_step steps[3];
    for (int i = 0; i < 3; i++)
        steps[i] = (ktpel_virtual_step){KTPEL_VIRTUAL_IMAGE, &fingers[i]};
    ktpel_virtual_scanner *feeder = NULL;
    ktpel_scanner *s = open_fed(steps, 3, &feeder);
    ktpel_errbuf eb;
    /* Several fingers in a row through one handle, as the enrolment workflow does. */
    for (int i = 0; i < 3; i++) {
        ktpel_image got = {0};
        ktpel_scanner_image_info info;
        ktpel_err err = ktpel_scanner_capture(s, 10000, &got, &info, &eb);
        if (err != KTPEL_OK)
            printf("capture %d: %s\n", i, ktpel_errbuf_message(&eb));
        assert_int_equal(err, KTPEL_OK);
        assert_same_image(&got, &fingers[i]);
        /* virtual_image states no resolution: libfprint's documented 500 dpi. */
        assert_int_equal(got.dpi, 500);
        assert_false(info.dpi_from_device);
        ktpel_image_free(&got);
    }
    assert_int_equal(ktpel_virtual_scanner_sent(feeder), 3);
    ktpel_scanner_close(s);
    assert_int_equal(ktpel_virtual_scanner_stop(feeder, &eb), KTPEL_OK);
}

static void test_gate_passes(void **state)
{
    (void)state;
    ktpel_virtual_step step = {KTPEL_VIRTUAL_IMAGE, &fingers[0]};
    ktpel_virtual_scanner *feeder = NULL;
    ktpel_scanner *s = open_fed(&step, 1, &feeder);
    ktpel_errbuf eb;
    ktpel_gate_options go = {.min_quality = 40, .max_attempts = 3, .timeout_ms = 10000};
    ktpel_gate_result res;
    assert_int_equal(ktpel_scanner_capture_gated(s, &go, &res, &eb), KTPEL_OK);
    printf("gate: %s, quality %d, %d attempt(s)\n", ktpel_finger_absence_name(res.outcome),
           res.quality, res.attempts);
    assert_int_equal(res.outcome, KTPEL_FINGER_CAPTURED);
    assert_int_equal(res.attempts, 1);
    assert_true(res.quality >= 40);
    assert_same_image(&res.image, &fingers[0]);
    ktpel_image_free(&res.image);
    ktpel_scanner_close(s);
    ktpel_virtual_scanner_stop(feeder, NULL);
}

typedef struct prompt_log {
    int calls;
    ktpel_gate_decision answer_after_second;
    char last[300];
} prompt_log;

static ktpel_gate_decision on_reject(void *user, const ktpel_gate_event *ev)
{
    prompt_log *log = user;
    log->calls++;
    snprintf(log->last, sizeof log->last, "%s", ev->message);
    printf("attempt %d/%d rejected: %s\n", ev->attempt, ev->max_attempts, ev->message);
    return ev->attempt >= 2 ? log->answer_after_second : KTPEL_GATE_RETRY;
}

static void test_gate_not_capturable(void **state)
{
    (void)state;
    /* A bad scan (libfprint retry), then a blank sensor image: libfprint finds no ridges in
     * it and asks for a retry too; the operator then records the finger as bandaged. */
    ktpel_image blank = {0};
    ktpel_errbuf eb;
    assert_int_equal(ktpel_image_alloc(&blank, 300, 300, 1, 500, &eb), KTPEL_OK);
    memset(blank.data, 255, 300 * 300);
    ktpel_virtual_step steps[] = {{KTPEL_VIRTUAL_RETRY, NULL}, {KTPEL_VIRTUAL_IMAGE, &blank}};
    ktpel_virtual_scanner *feeder = NULL;
    ktpel_scanner *s = open_fed(steps, 2, &feeder);
    prompt_log log = {.answer_after_second = KTPEL_GATE_BANDAGED};
    ktpel_gate_options go = {
        .max_attempts = 5, .timeout_ms = 10000, .on_reject = on_reject, .user = &log};
    ktpel_gate_result res;
    assert_int_equal(ktpel_scanner_capture_gated(s, &go, &res, &eb), KTPEL_OK);
    assert_int_equal(log.calls, 2);
    assert_int_equal(res.outcome, KTPEL_FINGER_BANDAGED);
    assert_int_equal(res.attempts, 2);
    assert_null(res.image.data);
    assert_non_null(strstr(res.reason, "bandaged"));
    printf("recorded: %s\n", res.reason);
    ktpel_scanner_close(s);
    ktpel_virtual_scanner_stop(feeder, NULL);

    /* Without an operator callback: retries up to max_attempts, then "unusable". */
    ktpel_virtual_step retries[] = {{KTPEL_VIRTUAL_RETRY, NULL}, {KTPEL_VIRTUAL_RETRY, NULL}};
    s = open_fed(retries, 2, &feeder);
    go = (ktpel_gate_options){.max_attempts = 2, .timeout_ms = 10000};
    assert_int_equal(ktpel_scanner_capture_gated(s, &go, &res, &eb), KTPEL_OK);
    assert_int_equal(res.outcome, KTPEL_FINGER_UNUSABLE);
    assert_int_equal(res.attempts, 2);
    assert_non_null(strstr(res.reason, "no usable image in 2 attempts"));
    ktpel_scanner_close(s);
    ktpel_virtual_scanner_stop(feeder, NULL);
    ktpel_image_free(&blank);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void test_unplug_is_an_error(void **state)
{
    (void)state;
    ktpel_virtual_step step = {KTPEL_VIRTUAL_UNPLUG, NULL};
    ktpel_virtual_scanner *feeder = NULL;
    ktpel_scanner *s = open_fed(&step, 1, &feeder);
    ktpel_errbuf eb;
    ktpel_image got = {0};
    double t0 = now_s();
    /* No timeout: only noticing the removal can end this capture. */
    assert_int_equal(ktpel_scanner_capture(s, 0, &got, NULL, &eb), KTPEL_EIO);
    printf("unplug: %s (after %.2f s)\n", ktpel_errbuf_message(&eb), now_s() - t0);
    assert_non_null(strstr(ktpel_errbuf_message(&eb), "unplugged"));
    assert_true(now_s() - t0 < 5.0);
    /* The handle says so on the next call too, at once. */
    assert_int_equal(ktpel_scanner_capture(s, 0, &got, NULL, &eb), KTPEL_EIO);
    ktpel_scanner_close(s);
    ktpel_virtual_scanner_stop(feeder, NULL);
}

static void *cancel_later(void *arg)
{
    struct timespec ts = {0, 300 * 1000000L};
    nanosleep(&ts, NULL);
    ktpel_scanner_cancel(arg);
    return NULL;
}

static void test_timeout_and_cancel(void **state)
{
    (void)state;
    ktpel_virtual_scanner *feeder = NULL;
    ktpel_scanner *s = open_fed(NULL, 0, &feeder);
    ktpel_errbuf eb;
    ktpel_image got = {0};
    double t0 = now_s();
    assert_int_equal(ktpel_scanner_capture(s, 400, &got, NULL, &eb), KTPEL_ETIMEOUT);
    printf("timeout: %s (after %.2f s)\n", ktpel_errbuf_message(&eb), now_s() - t0);
    assert_true(now_s() - t0 < 3.0);
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, cancel_later, s), 0);
    t0 = now_s();
    assert_int_equal(ktpel_scanner_capture(s, 0, &got, NULL, &eb), KTPEL_ECANCELLED);
    pthread_join(th, NULL);
    printf("cancel: %s (after %.2f s)\n", ktpel_errbuf_message(&eb), now_s() - t0);
    assert_true(now_s() - t0 < 3.0);
    ktpel_scanner_close(s);
    ktpel_virtual_scanner_stop(feeder, NULL);
}

static void test_choose_and_refuse(void **state)
{
    (void)state;
    char path[4200], dev_path[4200];
    new_socket(path, sizeof path);
    /* libfprint's virtual_device is a device that matches by itself and gives no image. */
    snprintf(dev_path, sizeof dev_path, "%s/moc.sock", tmp);
    setenv("FP_VIRTUAL_DEVICE", dev_path, 1);
    ktpel_errbuf eb;
    ktpel_scanner_info *list = NULL;
    size_t n = 0;
    assert_int_equal(ktpel_scanner_list(&list, &n, &eb), KTPEL_OK);
    int image = -1, moc = -1;
    for (size_t i = 0; i < n; i++) {
        printf("device %s: %s, capture %d\n", list[i].id, list[i].name, list[i].can_capture);
        if (strcmp(list[i].driver, "virtual_image") == 0)
            image = (int)i;
        if (strcmp(list[i].driver, "virtual_device") == 0)
            moc = (int)i;
    }
    assert_true(image >= 0 && moc >= 0);
    assert_true(list[image].can_capture);
    assert_false(list[moc].can_capture);
    free(list);

    ktpel_scanner *s = NULL;
    assert_int_equal(ktpel_scanner_open("virtual_device", NULL, &s, &eb), KTPEL_EUNSUPPORTED);
    printf("refused: %s\n", ktpel_errbuf_message(&eb));
    assert_non_null(strstr(ktpel_errbuf_message(&eb), "gives no image"));
    assert_null(s);
    assert_int_equal(ktpel_scanner_open("nosuch", NULL, &s, &eb), KTPEL_ENOTFOUND);
    assert_non_null(strstr(ktpel_errbuf_message(&eb), "virtual_image"));
    /* The default is the first image-capable device, whatever comes first in the list. */
    assert_int_equal(ktpel_scanner_open(NULL, NULL, &s, &eb), KTPEL_OK);
    assert_true(ktpel_scanner_get_info(s)->can_capture);
    ktpel_scanner_close(s);
    unsetenv("FP_VIRTUAL_DEVICE");
}

static void test_cli_capture_finger(void **state)
{
    (void)state;
    char in[4200], out[4200], text[8192];
    ktpel_errbuf eb;
    snprintf(in, sizeof in, "%s/finger.png", tmp);
    snprintf(out, sizeof out, "%s/captured.png", tmp);
    assert_int_equal(ktpel_image_write(in, &fingers[1], 0, &eb), KTPEL_OK);
    unsetenv("FP_VIRTUAL_IMAGE");
    int rc = ktpel_test_ktpel(text, sizeof text,
                              "station capture-finger --virtual '%s' -o '%s' "
                              "--timeout 20 --json",
                              in, out);
    printf("%s", text);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(text, "\"driver\":\"virtual_image\""));
    assert_non_null(strstr(text, "\"dpi\":500"));
    ktpel_image got = {0};
    assert_int_equal(ktpel_image_read(out, KTPEL_IMAGE_GREY, 0, &got, &eb), KTPEL_OK);
    assert_same_image(&got, &fingers[1]);
    assert_int_equal(got.dpi, 500); /* written with the image, read back from the PNG */
    ktpel_image_free(&got);

    /* Usage and failure exits. */
    assert_int_equal(ktpel_test_ktpel(text, sizeof text, "station capture-finger"), 2);
    assert_int_equal(ktpel_test_ktpel(text, sizeof text, "station capture-finger -o x.jpg"), 2);
    assert_int_equal(ktpel_test_ktpel(text, sizeof text, "station nosuch"), 2);
    rc = ktpel_test_ktpel(text, sizeof text, "station capture-finger --device nosuch -o '%s'", out);
    assert_int_equal(rc, 1);
    assert_non_null(strstr(text, "'nosuch' not found"));
}

static void test_cli_devices_lists_virtual(void **state)
{
    (void)state;
    char path[4200], text[8192];
    new_socket(path, sizeof path);
    int rc = ktpel_test_ktpel(text, sizeof text, "station devices --json");
    printf("%s", text);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(text, "\"node\":\"virtual_image\""));
    assert_non_null(strstr(text, "\"supported\":true"));
    unsetenv("FP_VIRTUAL_IMAGE");
}

int main(void)
{
    tmp = ktpel_test_tmpdir();
    ktpel_errbuf eb;
    ktpel_synth_finger *m = NULL;
    for (int i = 0; i < 3; i++) {
        if (ktpel_synth_finger_create(11, (uint64_t)i, &m, &eb) != KTPEL_OK ||
            ktpel_synth_finger_render(m, KTPEL_SYNTH_PROFILE_CAPACITIVE, 1, &fingers[i], &eb) !=
                KTPEL_OK) {
            printf("synthetic finger: %s\n", ktpel_errbuf_message(&eb));
            return 1;
        }
        ktpel_synth_finger_free(m);
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_capture_equals_fed),
        cmocka_unit_test(test_gate_passes),
        cmocka_unit_test(test_gate_not_capturable),
        cmocka_unit_test(test_unplug_is_an_error),
        cmocka_unit_test(test_timeout_and_cancel),
        cmocka_unit_test(test_choose_and_refuse),
        cmocka_unit_test(test_cli_capture_finger),
        cmocka_unit_test(test_cli_devices_lists_virtual),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    for (int i = 0; i < 3; i++)
        ktpel_image_free(&fingers[i]);
    ktpel_test_rmtree(tmp);
    free(tmp);
    return failed;
}
