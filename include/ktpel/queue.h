/* The front desk's queue numbers for one service day.
 *
 * Two lanes: regular, and a priority lane for the elderly, nursing mothers and residents
 * with disabilities (who qualifies is the desk's decision; the queue only needs the lane).
 * Numbers count from 1 per lane per day and are printed "A-001" (regular) and "P-001"
 * (priority), at most 999 per lane. Calling always serves the priority lane first, and each
 * lane in the order its tickets were taken.
 *
 * A queue is not thread-safe: one desk owns it. There is no global state, so several desks
 * (or days) can each have their own queue.
 */
#ifndef KTPEL_QUEUE_H
#define KTPEL_QUEUE_H

#include <stddef.h>

#include "ktpel/date.h"
#include "ktpel/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum ktpel_queue_class {
    KTPEL_QUEUE_REGULAR = 0,
    KTPEL_QUEUE_PRIORITY = 1,
} ktpel_queue_class;

#define KTPEL_QUEUE_MAX_PER_LANE 999

typedef struct ktpel_queue_ticket {
    ktpel_queue_class lane;
    int number;     /* 1..KTPEL_QUEUE_MAX_PER_LANE, per lane per day */
    ktpel_date day; /* the service day of the queue that issued it */
    char text[16];  /* as printed: "A-001", "P-042" */
} ktpel_queue_ticket;

typedef struct ktpel_queue ktpel_queue;

/* A new, empty queue for the service day `day` (a valid date, else KTPEL_EINVAL). */
ktpel_err ktpel_queue_create(ktpel_date day, ktpel_queue **out, ktpel_errbuf *eb);
/* NULL is allowed. */
void ktpel_queue_free(ktpel_queue *q);
/* The service day of the queue. */
ktpel_date ktpel_queue_day(const ktpel_queue *q);

/* Issues the next number in lane `lane` into *ticket. KTPEL_ETOOBIG when the lane has
 * already issued KTPEL_QUEUE_MAX_PER_LANE numbers today; KTPEL_EINVAL for a bad lane. */
ktpel_err ktpel_queue_take(ktpel_queue *q, ktpel_queue_class lane, ktpel_queue_ticket *ticket,
                           ktpel_errbuf *eb);
/* Removes the next ticket to serve and writes it into *ticket: the oldest priority ticket
 * if any waits, else the oldest regular one. KTPEL_EEMPTY when nobody waits. */
ktpel_err ktpel_queue_call_next(ktpel_queue *q, ktpel_queue_ticket *ticket, ktpel_errbuf *eb);
/* Tickets taken but not yet called in lane `lane` (0 for a bad lane). */
size_t ktpel_queue_waiting(const ktpel_queue *q, ktpel_queue_class lane);

#ifdef __cplusplus
}
#endif

#endif
