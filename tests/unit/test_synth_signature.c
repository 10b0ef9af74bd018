/* Synthetic signatures: determinism, a pad's samples (time, position, pressure), natural
 * variation between captures of a writer, the CSV text and the rendered image. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ktpel/synth_signature.h"
#include "testutil.h"

static void capture(uint64_t writer, uint64_t n, ktpel_pen_trace *t)
{
    ktpel_errbuf eb;
    if (ktpel_synth_signature_capture(11, writer, n, t, &eb) != KTPEL_OK)
        fail_msg("%s", eb.message);
}

static void test_deterministic(void **state)
{
    (void)state;
    ktpel_pen_trace a, b;
    capture(3, 1, &a);
    capture(3, 1, &b);
    assert_int_equal(a.count, b.count);
    assert_memory_equal(a.points, b.points, a.count * sizeof *a.points);
    ktpel_pen_trace_free(&a);
    ktpel_pen_trace_free(&b);
    ktpel_pen_trace_free(&a); /* twice is allowed */
}

/* Samples at the pad's rate, in time order, inside the pad, pressed, strokes numbered from 0
 * and only growing; a signature lasts about one to six seconds. */
static void test_pad_samples(void **state)
{
    (void)state;
    for (uint64_t w = 0; w < 50; w++) {
        ktpel_pen_trace t;
        capture(w, 0, &t);
        assert_true(t.count > 50);
        assert_true(t.strokes >= 1 && t.strokes <= 3);
        int last_stroke = 0;
        for (size_t i = 0; i < t.count; i++) {
            const ktpel_pen_point *p = &t.points[i];
            assert_true(p->x_mm >= 0 && p->x_mm <= KTPEL_SIGNATURE_PAD_WIDTH_MM);
            assert_true(p->y_mm >= 0 && p->y_mm <= KTPEL_SIGNATURE_PAD_HEIGHT_MM);
            assert_true(p->pressure >= 1 && p->pressure <= KTPEL_SIGNATURE_PRESSURE_MAX);
            assert_true(p->stroke == last_stroke || p->stroke == last_stroke + 1);
            if (i > 0) {
                int dt = p->t_ms - t.points[i - 1].t_ms;
                if (p->stroke == last_stroke)
                    assert_in_range(dt, 4, 6); /* 200 Hz, rounded to milliseconds */
                else
                    assert_true(dt > 100); /* the pen was lifted */
            }
            last_stroke = p->stroke;
        }
        assert_int_equal(last_stroke, t.strokes - 1);
        assert_in_range(t.points[t.count - 1].t_ms, 700, 6000);
        ktpel_pen_trace_free(&t);
    }
}

/* Mean distance between the samples of two traces at the same fraction of their length. */
static double shape_distance(const ktpel_pen_trace *a, const ktpel_pen_trace *b)
{
    double sum = 0;
    for (int k = 0; k < 100; k++) {
        const ktpel_pen_point *p = &a->points[k * (a->count - 1) / 99];
        const ktpel_pen_point *q = &b->points[k * (b->count - 1) / 99];
        sum += hypot(p->x_mm - q->x_mm, p->y_mm - q->y_mm);
    }
    return sum / 100;
}

/* Two captures of a writer differ, but less than two writers do. */
static void test_variation(void **state)
{
    (void)state;
    int closer = 0;
    for (uint64_t w = 0; w < 20; w++) {
        ktpel_pen_trace a, b, other;
        capture(w, 0, &a);
        capture(w, 1, &b);
        capture(w + 100, 0, &other);
        double same = shape_distance(&a, &b), different = shape_distance(&a, &other);
        assert_true(same > 0.05);
        closer += same < different;
        ktpel_pen_trace_free(&a);
        ktpel_pen_trace_free(&b);
        ktpel_pen_trace_free(&other);
    }
    assert_true(closer >= 18);
}

static void test_csv(void **state)
{
    (void)state;
    ktpel_pen_trace t;
    capture(7, 0, &t);
    char *csv = NULL;
    size_t len = 0;
    assert_int_equal(ktpel_pen_trace_csv(&t, &csv, &len, NULL), KTPEL_OK);
    assert_int_equal(len, strlen(csv));
    const char *header = "t_ms,x_mm,y_mm,pressure,stroke\n";
    assert_memory_equal(csv, header, strlen(header));
    /* Every line reads back as the sample, to the printed precision. */
    const char *line = csv + strlen(header);
    size_t lines = 0;
    while (*line) {
        int tm, pr, st;
        double x, y;
        assert_int_equal(sscanf(line, "%d,%lf,%lf,%d,%d", &tm, &x, &y, &pr, &st), 5);
        const ktpel_pen_point *p = &t.points[lines++];
        assert_int_equal(tm, p->t_ms);
        assert_true(fabs(x - p->x_mm) <= 0.005 + 1e-9 && fabs(y - p->y_mm) <= 0.005 + 1e-9);
        assert_int_equal(pr, p->pressure);
        assert_int_equal(st, p->stroke);
        line = strchr(line, '\n') + 1;
    }
    assert_int_equal(lines, t.count);
    free(csv);
    ktpel_pen_trace_free(&t);
}

static void test_render(void **state)
{
    (void)state;
    ktpel_pen_trace t;
    capture(9, 0, &t);
    ktpel_image img;
    assert_int_equal(ktpel_pen_trace_render(&t, KTPEL_SIGNATURE_DPI, &img, NULL), KTPEL_OK);
    assert_int_equal(img.channels, 1);
    assert_int_equal(img.dpi, KTPEL_SIGNATURE_DPI);
    assert_int_equal(img.width, (int)lround(KTPEL_SIGNATURE_PAD_WIDTH_MM / 25.4 * 200));
    size_t ink = 0, paper = 0, n = (size_t)img.width * img.height;
    for (size_t i = 0; i < n; i++) {
        ink += img.data[i] < 128;
        paper += img.data[i] == 255;
    }
    /* Some ink, mostly paper. */
    assert_true(ink > 300);
    assert_true(paper > n * 8 / 10);
    ktpel_image_free(&img);
    ktpel_errbuf eb;
    assert_int_equal(ktpel_pen_trace_render(&t, 10, &img, &eb), KTPEL_EINVAL);
    assert_int_equal(ktpel_pen_trace_render(NULL, 200, &img, &eb), KTPEL_EINVAL);
    ktpel_pen_trace_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_deterministic), cmocka_unit_test(test_pad_samples),
        cmocka_unit_test(test_variation),     cmocka_unit_test(test_csv),
        cmocka_unit_test(test_render),
    };
    return cmocka_run_group_tests_name("synth_signature", tests, NULL, NULL);
}
