/* The front desk's queue numbers.
 *
 * Numbers are issued in order and each lane is served in order, so a lane is fully
 * described by two counters: how many numbers it has issued and how many it has called.
 * The waiting tickets are the numbers called+1 .. issued; nothing else needs storing. */
#include "ktpel/queue.h"

#include <stdio.h>
#include <stdlib.h>

#define LANE_COUNT 2

struct ktpel_queue {
    ktpel_date day;
    int issued[LANE_COUNT];
    int called[LANE_COUNT];
};

static const struct {
    char prefix;
    const char *name;
} lanes[LANE_COUNT] = {
    [KTPEL_QUEUE_REGULAR] = {'A', "regular"},
    [KTPEL_QUEUE_PRIORITY] = {'P', "priority"},
};

static bool lane_valid(ktpel_queue_class lane)
{
    return (unsigned)lane < LANE_COUNT;
}

ktpel_err ktpel_queue_create(ktpel_date day, ktpel_queue **out, ktpel_errbuf *eb)
{
    if (!out)
        return ktpel_fail(eb, KTPEL_EINVAL, "queue: NULL output");
    if (!ktpel_date_valid(day))
        return ktpel_fail(eb, KTPEL_EINVAL, "queue: service day %04d-%02d-%02d is not a date",
                          day.year, day.month, day.day);
    ktpel_queue *q = calloc(1, sizeof *q);
    if (!q)
        return ktpel_fail(eb, KTPEL_ENOMEM, "queue: out of memory");
    q->day = day;
    *out = q;
    return KTPEL_OK;
}

void ktpel_queue_free(ktpel_queue *q)
{
    free(q);
}

ktpel_date ktpel_queue_day(const ktpel_queue *q)
{
    return q->day;
}

static void make_ticket(const ktpel_queue *q, ktpel_queue_class lane, int number,
                        ktpel_queue_ticket *ticket)
{
    ticket->lane = lane;
    ticket->number = number;
    ticket->day = q->day;
    snprintf(ticket->text, sizeof ticket->text, "%c-%03d", lanes[lane].prefix, number);
}

ktpel_err ktpel_queue_take(ktpel_queue *q, ktpel_queue_class lane, ktpel_queue_ticket *ticket,
                           ktpel_errbuf *eb)
{
    if (!q || !ticket)
        return ktpel_fail(eb, KTPEL_EINVAL, "queue take: NULL argument");
    if (!lane_valid(lane))
        return ktpel_fail(eb, KTPEL_EINVAL, "queue take: lane %d is not regular or priority",
                          (int)lane);
    if (q->issued[lane] >= KTPEL_QUEUE_MAX_PER_LANE) {
        char day[11];
        return ktpel_fail(eb, KTPEL_ETOOBIG,
                          "queue %s: the %s lane has issued all %d numbers for the day "
                          "(last %c-%03d)",
                          ktpel_date_format_iso(q->day, day, sizeof day), lanes[lane].name,
                          KTPEL_QUEUE_MAX_PER_LANE, lanes[lane].prefix, KTPEL_QUEUE_MAX_PER_LANE);
    }
    q->issued[lane]++;
    make_ticket(q, lane, q->issued[lane], ticket);
    return KTPEL_OK;
}

ktpel_err ktpel_queue_call_next(ktpel_queue *q, ktpel_queue_ticket *ticket, ktpel_errbuf *eb)
{
    if (!q || !ticket)
        return ktpel_fail(eb, KTPEL_EINVAL, "queue call: NULL argument");
    static const ktpel_queue_class order[LANE_COUNT] = {KTPEL_QUEUE_PRIORITY, KTPEL_QUEUE_REGULAR};
    for (int i = 0; i < LANE_COUNT; i++) {
        ktpel_queue_class lane = order[i];
        if (q->called[lane] < q->issued[lane]) {
            q->called[lane]++;
            make_ticket(q, lane, q->called[lane], ticket);
            return KTPEL_OK;
        }
    }
    char day[11];
    return ktpel_fail(eb, KTPEL_EEMPTY, "queue %s: nobody is waiting",
                      ktpel_date_format_iso(q->day, day, sizeof day));
}

size_t ktpel_queue_waiting(const ktpel_queue *q, ktpel_queue_class lane)
{
    if (!q || !lane_valid(lane))
        return 0;
    return (size_t)(q->issued[lane] - q->called[lane]);
}
