#include "carelog/clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef CARELOG_TEST_HOOKS
static int parse_iso(const char *s, time_t *out)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    int y, mo, d, h, mi, se;
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ", &y, &mo, &d, &h, &mi, &se) != 6)
        return 0;
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = se;
    *out = timegm(&tm);
    return 1;
}
#endif

time_t cl_now(void)
{
#ifdef CARELOG_TEST_HOOKS
    const char *fixed = getenv("CARELOG_TEST_NOW");
    if (fixed && *fixed) {
        time_t t;
        if (parse_iso(fixed, &t))
            return t;
        char *end;
        long long v = strtoll(fixed, &end, 10);
        if (*end == '\0')
            return (time_t)v;
    }
#endif
    return time(NULL);
}

void cl_time_iso(time_t t, char *buf, size_t size)
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void cl_time_date(time_t t, char *buf, size_t size)
{
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(buf, size, "%Y-%m-%d", &tm);
}
