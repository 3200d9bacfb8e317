/* clock.h — a monotonic clock in seconds, for timings and budgets. */
#ifndef CM_CLOCK_H
#define CM_CLOCK_H

double cm_now(void);

#endif
