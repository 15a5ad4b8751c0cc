/* The time, injectable for tests.
 *
 * CARELOG_TEST_NOW (seconds since the epoch, or "YYYY-MM-DDTHH:MM:SSZ") is
 * read only by a test build (-DCARELOG_TEST_HOOKS), so that due dates, ages
 * and auto-lock are deterministic; the released program ignores it. */
#ifndef CARELOG_CLOCK_H
#define CARELOG_CLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

time_t cl_now(void);

/* Formats t as UTC "YYYY-MM-DDTHH:MM:SSZ" into buf (at least 21 bytes). */
void cl_time_iso(time_t t, char *buf, size_t size);

/* Formats t as the local calendar date "YYYY-MM-DD" (at least 11 bytes). */
void cl_time_date(time_t t, char *buf, size_t size);

/* Reads a stored UTC time "YYYY-MM-DDTHH:MM:SSZ"; false for anything else. */
bool cl_time_parse_iso(const char *s, time_t *out);

/* Reads a local date-time as people type it ("YYYY-MM-DD HH:MM",
 * "YYYY-MM-DDTHH:MM[:SS]", any date form cl_date_parse takes) in the
 * user's time zone (TZ); false when it is not a real date-time. */
bool cl_time_parse_local(const char *s, time_t *out);

/* The one conversion of stored times for people, used by every front:
 * a UTC time "YYYY-MM-DDTHH:MM:SSZ" becomes the local "YYYY-MM-DD HH:MM"
 * of the user's TZ (with date_only, the local "YYYY-MM-DD"); a record's
 * date-time as entered ("YYYY-MM-DDTHH:MM", already local) reads
 * "YYYY-MM-DD HH:MM" (or its date); a date, or anything else, is copied
 * unchanged (cut to fit). Storage and --json keep UTC. buf holds at least
 * 17 bytes. */
void cl_time_local(const char *stored, bool date_only, char *buf, size_t size);

/* A canonical date "YYYY-MM-DD" with its weekday, for dates people plan
 * by (due dates, the agenda): "2026-12-01 周二" in Chinese, "2026-12-01
 * Tue" in English. Anything else is copied unchanged (cut to fit). buf
 * holds at least 24 bytes. */
void cl_date_with_weekday(const char *date, char *buf, size_t size);

#endif
