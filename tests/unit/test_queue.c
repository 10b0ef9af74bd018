/* Front desk queue numbers: numbering, lane order, limits, empty queue. */
#include "testutil.h"

#include <stdio.h>
#include <string.h>

#include "ktpel/queue.h"

static const ktpel_date day = {2024, 5, 13};

static ktpel_queue *new_queue(void)
{
    ktpel_queue *q = NULL;
    ktpel_errbuf eb;
    if (ktpel_queue_create(day, &q, &eb))
        fail_msg("create: %s", eb.message);
    return q;
}

static void take(ktpel_queue *q, ktpel_queue_class lane, const char *expect)
{
    ktpel_queue_ticket t;
    ktpel_errbuf eb;
    if (ktpel_queue_take(q, lane, &t, &eb))
        fail_msg("take: %s", eb.message);
    assert_string_equal(t.text, expect);
    assert_int_equal(t.lane, lane);
    assert_int_equal(ktpel_date_cmp(t.day, day), 0);
}

static void call(ktpel_queue *q, const char *expect)
{
    ktpel_queue_ticket t;
    ktpel_errbuf eb;
    if (ktpel_queue_call_next(q, &t, &eb))
        fail_msg("call (expected %s): %s", expect, eb.message);
    assert_string_equal(t.text, expect);
}

static void test_create(void **state)
{
    (void)state;
    ktpel_queue *q = new_queue();
    assert_int_equal(ktpel_date_cmp(ktpel_queue_day(q), day), 0);
    assert_int_equal(ktpel_queue_waiting(q, KTPEL_QUEUE_REGULAR), 0);
    assert_int_equal(ktpel_queue_waiting(q, KTPEL_QUEUE_PRIORITY), 0);
    ktpel_queue_free(q);
    ktpel_queue_free(NULL);

    ktpel_errbuf eb;
    ktpel_queue *bad = NULL;
    assert_int_equal(ktpel_queue_create((ktpel_date){2023, 2, 29}, &bad, &eb), KTPEL_EINVAL);
    assert_non_null(strstr(eb.message, "2023-02-29"));
    assert_null(bad);
    assert_int_equal(ktpel_queue_create(day, NULL, &eb), KTPEL_EINVAL);
}

static void test_numbering(void **state)
{
    (void)state;
    ktpel_queue *q = new_queue();
    take(q, KTPEL_QUEUE_REGULAR, "A-001");
    take(q, KTPEL_QUEUE_REGULAR, "A-002");
    take(q, KTPEL_QUEUE_PRIORITY, "P-001"); /* each lane counts on its own */
    take(q, KTPEL_QUEUE_REGULAR, "A-003");
    take(q, KTPEL_QUEUE_PRIORITY, "P-002");
    assert_int_equal(ktpel_queue_waiting(q, KTPEL_QUEUE_REGULAR), 3);
    assert_int_equal(ktpel_queue_waiting(q, KTPEL_QUEUE_PRIORITY), 2);
    /* calling does not reuse numbers */
    call(q, "P-001");
    take(q, KTPEL_QUEUE_PRIORITY, "P-003");
    ktpel_queue_ticket t;
    assert_int_equal(ktpel_queue_take(q, KTPEL_QUEUE_REGULAR, &t, NULL), KTPEL_OK);
    assert_int_equal(t.number, 4);
    assert_string_equal(t.text, "A-004");
    ktpel_queue_free(q);
}

static void test_priority_first_fifo_within_lane(void **state)
{
    (void)state;
    ktpel_queue *q = new_queue();
    take(q, KTPEL_QUEUE_REGULAR, "A-001");
    take(q, KTPEL_QUEUE_REGULAR, "A-002");
    take(q, KTPEL_QUEUE_PRIORITY, "P-001");
    take(q, KTPEL_QUEUE_PRIORITY, "P-002");
    call(q, "P-001");
    call(q, "P-002");
    call(q, "A-001");
    /* a priority arrival goes before the regular ones still waiting */
    take(q, KTPEL_QUEUE_PRIORITY, "P-003");
    take(q, KTPEL_QUEUE_REGULAR, "A-003");
    call(q, "P-003");
    call(q, "A-002");
    call(q, "A-003");
    assert_int_equal(ktpel_queue_waiting(q, KTPEL_QUEUE_REGULAR), 0);
    assert_int_equal(ktpel_queue_waiting(q, KTPEL_QUEUE_PRIORITY), 0);
    ktpel_queue_free(q);
}

static void test_empty(void **state)
{
    (void)state;
    ktpel_queue *q = new_queue();
    ktpel_queue_ticket t = {.number = -7};
    ktpel_errbuf eb;
    assert_int_equal(ktpel_queue_call_next(q, &t, &eb), KTPEL_EEMPTY);
    assert_non_null(strstr(eb.message, "nobody is waiting"));
    assert_non_null(strstr(eb.message, "2024-05-13"));
    assert_int_equal(t.number, -7);
    take(q, KTPEL_QUEUE_REGULAR, "A-001");
    call(q, "A-001");
    assert_int_equal(ktpel_queue_call_next(q, &t, NULL), KTPEL_EEMPTY);
    ktpel_queue_free(q);
}

static void test_lane_limit(void **state)
{
    (void)state;
    ktpel_queue *q = new_queue();
    ktpel_queue_ticket t;
    for (int i = 1; i <= KTPEL_QUEUE_MAX_PER_LANE; i++) {
        assert_int_equal(ktpel_queue_take(q, KTPEL_QUEUE_PRIORITY, &t, NULL), KTPEL_OK);
        char expect[8];
        snprintf(expect, sizeof expect, "P-%03d", i);
        assert_string_equal(t.text, expect);
    }
    assert_string_equal(t.text, "P-999");
    ktpel_errbuf eb;
    assert_int_equal(ktpel_queue_take(q, KTPEL_QUEUE_PRIORITY, &t, &eb), KTPEL_ETOOBIG);
    assert_non_null(strstr(eb.message, "priority"));
    assert_non_null(strstr(eb.message, "999"));
    assert_int_equal(ktpel_queue_waiting(q, KTPEL_QUEUE_PRIORITY), 999);
    /* the limit counts numbers issued, not people waiting: calling does not free one */
    call(q, "P-001");
    assert_int_equal(ktpel_queue_take(q, KTPEL_QUEUE_PRIORITY, &t, NULL), KTPEL_ETOOBIG);
    /* the other lane is unaffected, and everyone issued is still called in order */
    take(q, KTPEL_QUEUE_REGULAR, "A-001");
    for (int i = 2; i <= KTPEL_QUEUE_MAX_PER_LANE; i++)
        assert_int_equal(ktpel_queue_call_next(q, &t, NULL), KTPEL_OK);
    assert_string_equal(t.text, "P-999");
    call(q, "A-001");
    assert_int_equal(ktpel_queue_call_next(q, &t, NULL), KTPEL_EEMPTY);
    ktpel_queue_free(q);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    ktpel_queue *q = new_queue();
    ktpel_queue_ticket t;
    ktpel_errbuf eb;
    assert_int_equal(ktpel_queue_take(q, (ktpel_queue_class)2, &t, &eb), KTPEL_EINVAL);
    assert_non_null(strstr(eb.message, "lane 2"));
    assert_int_equal(ktpel_queue_take(q, (ktpel_queue_class)-1, &t, &eb), KTPEL_EINVAL);
    assert_int_equal(ktpel_queue_take(q, KTPEL_QUEUE_REGULAR, NULL, &eb), KTPEL_EINVAL);
    assert_int_equal(ktpel_queue_take(NULL, KTPEL_QUEUE_REGULAR, &t, &eb), KTPEL_EINVAL);
    assert_int_equal(ktpel_queue_call_next(NULL, &t, &eb), KTPEL_EINVAL);
    assert_int_equal(ktpel_queue_call_next(q, NULL, &eb), KTPEL_EINVAL);
    assert_int_equal(ktpel_queue_waiting(q, (ktpel_queue_class)2), 0);
    assert_int_equal(ktpel_queue_waiting(NULL, KTPEL_QUEUE_REGULAR), 0);
    /* nothing was issued by the refused calls */
    take(q, KTPEL_QUEUE_REGULAR, "A-001");
    ktpel_queue_free(q);
}

static void test_queues_are_independent(void **state)
{
    (void)state;
    ktpel_queue *a = new_queue();
    ktpel_queue *b = new_queue();
    take(a, KTPEL_QUEUE_REGULAR, "A-001");
    take(a, KTPEL_QUEUE_REGULAR, "A-002");
    take(b, KTPEL_QUEUE_REGULAR, "A-001");
    call(b, "A-001");
    assert_int_equal(ktpel_queue_waiting(a, KTPEL_QUEUE_REGULAR), 2);
    ktpel_queue_free(a);
    ktpel_queue_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create),
        cmocka_unit_test(test_numbering),
        cmocka_unit_test(test_priority_first_fifo_within_lane),
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_lane_limit),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_queues_are_independent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
