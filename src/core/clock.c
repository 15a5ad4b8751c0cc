#include "carelog/clock.h"

#include "carelog/i18n.h"
#include "carelog/text.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

void cl_date_with_weekday(const char *date, char *buf, size_t size)
{
    /* A table rather than strftime's %a: the message language may be
     * Chinese where LC_TIME is not (--lang, the vault's setting). */
    static const char *const weekdays[] = {N_("Sun"), N_("Mon"), N_("Tue"), N_("Wed"),
                                           N_("Thu"), N_("Fri"), N_("Sat")};
    long days = cl_date_days(date);
    if (days == LONG_MIN) {
        snprintf(buf, size, "%s", date ? date : "");
        return;
    }
    /* 1970-01-01 was a Thursday. */
    long wd = ((days % 7) + 7 + 4) % 7;
    snprintf(buf, size, "%s %s", date, _(weekdays[wd]));
}

bool cl_time_parse_iso(const char *s, time_t *out)
{
    int y, mo, d, h, mi, se, n = 0;
    if (!s || strlen(s) != 20 || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &y, &mo, &d, &h, &mi, &se, &n) != 6 ||
        n != 20)
        return false;
    return parse_iso(s, out) == 1;
}

bool cl_time_parse_local(const char *s, time_t *out)
{
    char canon[17];
    if (!s || !cl_datetime_parse(s, canon))
        return false;
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    if (sscanf(canon, "%4d-%2d-%2dT%2d:%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min) != 5)
        return false;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    tm.tm_isdst = -1; /* the zone's rules say whether summer time applies */
    time_t t = mktime(&tm);
    if (t == (time_t)-1)
        return false;
    *out = t;
    return true;
}

void cl_time_local(const char *stored, bool date_only, char *buf, size_t size)
{
    if (size == 0)
        return;
    time_t t;
    if (cl_time_parse_iso(stored, &t)) {
        struct tm tm;
        localtime_r(&t, &tm);
        strftime(buf, size, date_only ? "%Y-%m-%d" : "%Y-%m-%d %H:%M", &tm);
        return;
    }
    snprintf(buf, size, "%s", stored ? stored : "");
    char canon[17];
    if (stored && strlen(stored) == 16 && cl_datetime_parse(stored, canon) && strcmp(canon, stored) == 0) {
        if (date_only && size > 10)
            buf[10] = '\0';
        else if (size > 10)
            buf[10] = ' ';
    }
}
