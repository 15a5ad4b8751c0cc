/* The time, injectable for tests.
 *
 * CARELOG_TEST_NOW (seconds since the epoch, or "YYYY-MM-DDTHH:MM:SSZ") is
 * read only by a test build (-DCARELOG_TEST_HOOKS), so that due dates, ages
 * and auto-lock are deterministic; the released program ignores it. */
#ifndef CARELOG_CLOCK_H
#define CARELOG_CLOCK_H

#include <stddef.h>
#include <time.h>

time_t cl_now(void);

/* Formats t as UTC "YYYY-MM-DDTHH:MM:SSZ" into buf (at least 21 bytes). */
void cl_time_iso(time_t t, char *buf, size_t size);

/* Formats t as the local calendar date "YYYY-MM-DD" (at least 11 bytes). */
void cl_time_date(time_t t, char *buf, size_t size);

#endif
