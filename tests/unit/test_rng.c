/* The deterministic generator: fixed sequences, ranges, rough distribution checks. */
#include <math.h>
#include <stdlib.h>

#include "ktpel/rng.h"
#include "testutil.h"

static void test_deterministic(void **state)
{
    (void)state;
    ktpel_rng a, b, c;
    ktpel_rng_seed(&a, 42);
    ktpel_rng_seed(&b, 42);
    ktpel_rng_seed(&c, 43);
    int differ = 0;
    for (int i = 0; i < 1000; i++) {
        uint64_t x = ktpel_rng_next(&a);
        assert_true(x == ktpel_rng_next(&b));
        differ += x != ktpel_rng_next(&c);
    }
    assert_true(differ > 990);
    /* paths: same path same stream; a different index or depth a different one */
    uint64_t p1[2] = {17, 3}, p2[2] = {17, 4};
    ktpel_rng_seed_path(&a, 7, p1, 2);
    ktpel_rng_seed_path(&b, 7, p1, 2);
    ktpel_rng_seed_path(&c, 7, p2, 2);
    uint64_t x = ktpel_rng_next(&a);
    assert_true(x == ktpel_rng_next(&b));
    assert_true(x != ktpel_rng_next(&c));
    ktpel_rng_seed_path(&c, 7, p1, 1);
    assert_true(x != ktpel_rng_next(&c));
}

static void test_ranges_and_moments(void **state)
{
    (void)state;
    ktpel_rng r;
    ktpel_rng_seed(&r, 1);
    int counts[6] = {0};
    double sum = 0, sum2 = 0, usum = 0;
    const int n = 60000;
    for (int i = 0; i < n; i++) {
        int v = ktpel_rng_range(&r, 1, 6);
        assert_true(v >= 1 && v <= 6);
        counts[v - 1]++;
        double u = ktpel_rng_uniform(&r);
        assert_true(u >= 0 && u < 1);
        usum += u;
        double g = ktpel_rng_normal(&r);
        assert_true(isfinite(g));
        sum += g;
        sum2 += g * g;
    }
    for (int k = 0; k < 6; k++)
        assert_true(abs(counts[k] - n / 6) < 500); /* about 5 standard deviations */
    assert_true(fabs(usum / n - 0.5) < 0.01);
    assert_true(fabs(sum / n) < 0.02);
    assert_true(fabs(sum2 / n - 1.0) < 0.03);
    assert_int_equal(ktpel_rng_range(&r, 5, 5), 5);
    assert_int_equal(ktpel_rng_below(&r, 1), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_ranges_and_moments),
    };
    return cmocka_run_group_tests_name("rng", tests, NULL, NULL);
}
