/* Signature capture (include/ktpel/signature.h): pen point parsing (round trip with the
 * synthetic pad's CSV, and malformed input), Otsu's threshold, and the normalised image from a
 * drawn signature and from the real SigComp2009 previews when the datasets are present. */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ktpel/imgproc.h"
#include "ktpel/signature.h"
#include "testutil.h"

static void synth_trace(ktpel_pen_trace *t)
{
    ktpel_errbuf eb;
    if (ktpel_synth_signature_capture(2026, 3, 1, t, &eb) != KTPEL_OK)
        fail_msg("%s", eb.message);
}

static void test_round_trip(void **state)
{
    (void)state;
    ktpel_pen_trace t = {0}, back = {0};
    synth_trace(&t);
    char *csv = NULL;
    size_t len = 0;
    assert_int_equal(ktpel_pen_trace_csv(&t, &csv, &len, NULL), KTPEL_OK);
    ktpel_errbuf eb;
    if (ktpel_pen_trace_parse(csv, len, &back, &eb) != KTPEL_OK)
        fail_msg("%s", eb.message);
    assert_int_equal(back.count, t.count);
    assert_int_equal(back.strokes, t.strokes);
    for (size_t i = 0; i < t.count; i++) {
        assert_int_equal(back.points[i].t_ms, t.points[i].t_ms);
        assert_true(fabs(back.points[i].x_mm - t.points[i].x_mm) <= 0.0051);
        assert_true(fabs(back.points[i].y_mm - t.points[i].y_mm) <= 0.0051);
        assert_int_equal(back.points[i].pressure, t.points[i].pressure);
        assert_int_equal(back.points[i].stroke, t.points[i].stroke);
    }
    /* CRLF line ends, comments and blank lines are fine. */
    const char *crlf = "# pad 7\r\nt_ms,x_mm,y_mm,pressure,stroke\r\n0,1.5,2,10,0\r\n\r\n"
                       "5,1.6,2.1,12,0\r\n9,3,3,9,1\r\n";
    ktpel_pen_trace small = {0};
    assert_int_equal(ktpel_pen_trace_parse(crlf, strlen(crlf), &small, &eb), KTPEL_OK);
    assert_int_equal(small.count, 3);
    assert_int_equal(small.strokes, 2);
    ktpel_pen_trace_free(&small);
    ktpel_pen_trace_free(&back);
    ktpel_pen_trace_free(&t);
    free(csv);
}

static void expect_bad(const char *text, ktpel_err code, const char *words)
{
    ktpel_pen_trace t = {0};
    ktpel_errbuf eb;
    ktpel_err rc = ktpel_pen_trace_parse(text, strlen(text), &t, &eb);
    if (rc != code || !strstr(eb.message, words))
        fail_msg("'%s': got %d '%s', expected %d with '%s'", text, rc, eb.message, code, words);
    assert_null(t.points);
    assert_int_equal(t.count, 0);
}

#define H "t_ms,x_mm,y_mm,pressure,stroke\n"

static void test_malformed(void **state)
{
    (void)state;
    expect_bad("", KTPEL_ETRUNCATED, "empty");
    expect_bad(H, KTPEL_ETRUNCATED, "no samples");
    expect_bad("x,y,p,t\n0,1,1,1,0\n", KTPEL_EFORMAT, "header");
    expect_bad(H "0,1,1,1\n", KTPEL_EFORMAT, "line 2: 5 comma-separated");
    expect_bad(H "0,1,1,1,0,9\n", KTPEL_EFORMAT, "5 comma-separated");
    expect_bad(H "-1,1,1,1,0\n", KTPEL_EFORMAT, "t_ms '-1'");
    expect_bad(H "0,81,1,1,0\n", KTPEL_EFORMAT, "x_mm '81'");
    expect_bad(H "0,1,nan,1,0\n", KTPEL_EFORMAT, "y_mm 'nan'");
    expect_bad(H "0,1,1e2,1,0\n", KTPEL_EFORMAT, "y_mm '1e2'");
    expect_bad(H "0,1,1,0,0\n", KTPEL_EFORMAT, "pressure '0'");
    expect_bad(H "0,1,1,1024,0\n", KTPEL_EFORMAT, "pressure '1024'");
    expect_bad(H "0,1,1,5,1\n", KTPEL_EFORMAT, "first stroke");
    expect_bad(H "0,1,1,5,0\n3,1,1,5,2\n", KTPEL_EFORMAT, "stroke 2 after stroke 0");
    expect_bad(H "5,1,1,5,0\n3,1,1,5,0\n", KTPEL_EFORMAT, "time 3 ms before 5 ms");
    expect_bad(H "0,1, 1,5,0\n", KTPEL_EFORMAT, "y_mm ' 1'");
    expect_bad(H "0,1,1,5x,0\n", KTPEL_EFORMAT, "pressure");
    char longline[300];
    memset(longline, '1', sizeof longline);
    memcpy(longline, H, strlen(H));
    longline[sizeof longline - 1] = '\0';
    expect_bad(longline, KTPEL_EFORMAT, "longer than");
    char nul[] = H "0,1\0,1,5,0\n";
    ktpel_pen_trace t = {0};
    assert_int_equal(ktpel_pen_trace_parse(nul, sizeof nul - 1, &t, NULL), KTPEL_EFORMAT);
    assert_int_equal(ktpel_pen_trace_parse(NULL, 3, &t, NULL), KTPEL_EINVAL);
    ktpel_errbuf eb;
    assert_int_equal(ktpel_pen_trace_read("/nonexistent.csv", &t, &eb), KTPEL_EIO);
}

static size_t ink(const ktpel_image *img)
{
    size_t n = 0, total = (size_t)img->width * img->height;
    for (size_t i = 0; i < total; i++) {
        assert_true(img->data[i] == 0 || img->data[i] == 255); /* binary */
        n += img->data[i] == 0;
    }
    return n;
}

static void assert_normalised(const ktpel_image *sig)
{
    assert_int_equal(sig->width, KTPEL_SIGNATURE_OUT_WIDTH);
    assert_int_equal(sig->height, KTPEL_SIGNATURE_OUT_HEIGHT);
    assert_int_equal(sig->channels, 1);
    assert_int_equal(sig->dpi, KTPEL_SIGNATURE_DPI);
    size_t n = ink(sig);
    assert_true(n > 500 && n < (size_t)sig->width * sig->height / 3);
    /* The ink is scaled to fill the room: it touches the margin on two opposite sides. */
    int x0 = sig->width, x1 = -1, y0 = sig->height, y1 = -1;
    for (int y = 0; y < sig->height; y++)
        for (int x = 0; x < sig->width; x++)
            if (sig->data[(size_t)y * sig->width + x] == 0) {
                x0 = x < x0 ? x : x0;
                x1 = x > x1 ? x : x1;
                y0 = y < y0 ? y : y0;
                y1 = y > y1 ? y : y1;
            }
    int wide = x1 - x0 + 1 >= sig->width * 0.85, tall = y1 - y0 + 1 >= sig->height * 0.85;
    assert_true(wide || tall);
}

static void test_from_pen_and_image(void **state)
{
    (void)state;
    ktpel_pen_trace t = {0};
    synth_trace(&t);
    ktpel_image sig = {0}, drawn = {0}, shifted = {0};
    assert_int_equal(ktpel_signature_from_pen(&t, &sig, NULL), KTPEL_OK);
    assert_normalised(&sig);
    /* The same drawing in a larger, greyer sheet normalises to nearly the same image. */
    assert_int_equal(ktpel_pen_trace_render(&t, KTPEL_SIGNATURE_DPI, &drawn, NULL), KTPEL_OK);
    assert_int_equal(
        ktpel_image_alloc(&shifted, drawn.width + 100, drawn.height + 60, 1, 200, NULL), KTPEL_OK);
    memset(shifted.data, 200, (size_t)shifted.width * shifted.height);
    for (int y = 0; y < drawn.height; y++)
        for (int x = 0; x < drawn.width; x++)
            shifted.data[(size_t)(y + 40) * shifted.width + x + 70] =
                (uint8_t)(drawn.data[(size_t)y * drawn.width + x] * 200 / 255);
    ktpel_image again = {0};
    assert_int_equal(ktpel_signature_from_image(&shifted, &again, NULL), KTPEL_OK);
    size_t same = 0, total = (size_t)sig.width * sig.height;
    for (size_t i = 0; i < total; i++)
        same += sig.data[i] == again.data[i];
    assert_true(same > total * 97 / 100);
    /* No ink, or "ink" everywhere, is refused. */
    ktpel_errbuf eb;
    ktpel_image blank = {0}, out = {0};
    assert_int_equal(ktpel_image_alloc(&blank, 100, 50, 1, 0, NULL), KTPEL_OK);
    memset(blank.data, 255, 5000);
    assert_int_equal(ktpel_signature_from_image(&blank, &out, &eb), KTPEL_EFORMAT);
    assert_non_null(strstr(eb.message, "no ink"));
    for (int i = 0; i < 5000; i++)
        blank.data[i] = i % 100 < 80 ? 10 : 250;
    assert_int_equal(ktpel_signature_from_image(&blank, &out, &eb), KTPEL_EFORMAT);
    int level = 0;
    assert_int_equal(ktpel_signature_otsu(&blank, &level, NULL), KTPEL_OK);
    assert_true(level >= 10 && level < 250);
    ktpel_pen_trace empty = {0};
    assert_int_equal(ktpel_signature_from_pen(&empty, &out, NULL), KTPEL_EINVAL);
    ktpel_image_free(&blank);
    ktpel_image_free(&again);
    ktpel_image_free(&shifted);
    ktpel_image_free(&drawn);
    ktpel_image_free(&sig);
    ktpel_pen_trace_free(&t);
}

/* Every real SigComp2009 preview (colour scans) normalises to a plausible signature. */
static void test_dataset(void **state)
{
    (void)state;
    const char *root = getenv("KTPEL_DATASETS");
    char dir[1024];
    struct stat st;
    snprintf(dir, sizeof dir, "%s/signature/genuine", root ? root : "");
    if (!root || stat(dir, &st) != 0) {
        print_message("SKIP: %s absent\n", dir);
        skip();
    }
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    int done = 0;
    while ((e = readdir(d))) {
        if (!strstr(e->d_name, ".png"))
            continue;
        char path[2048];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        ktpel_image scan = {0}, sig = {0};
        ktpel_errbuf eb;
        if (ktpel_image_read(path, KTPEL_IMAGE_GREY, 0, &scan, &eb) != KTPEL_OK ||
            ktpel_signature_from_image(&scan, &sig, &eb) != KTPEL_OK)
            fail_msg("%s: %s", path, eb.message);
        assert_normalised(&sig);
        ktpel_image_free(&scan);
        ktpel_image_free(&sig);
        done++;
    }
    closedir(d);
    assert_true(done >= 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_from_pen_and_image),
        cmocka_unit_test(test_dataset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
