/* The clock: stored UTC times shown in the user's local time, and local
 * date-times read back into UTC, under two time zones. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "carelog/clock.h"

static void zone(const char *tz)
{
    setenv("TZ", tz, 1);
    tzset();
}

static void test_local_shanghai(void **state)
{
    (void)state;
    zone("Asia/Shanghai");
    char buf[32];
    cl_time_local("2026-12-01T09:25:06Z", false, buf, sizeof buf);
    assert_string_equal(buf, "2026-12-01 17:25");
    cl_time_local("2026-12-01T20:00:00Z", true, buf, sizeof buf);
    assert_string_equal(buf, "2026-12-02"); /* already tomorrow in Beijing */
    /* A record's date-time as entered is local already; a date stays. */
    cl_time_local("2026-03-01T10:00", false, buf, sizeof buf);
    assert_string_equal(buf, "2026-03-01 10:00");
    cl_time_local("2026-03-01T10:00", true, buf, sizeof buf);
    assert_string_equal(buf, "2026-03-01");
    cl_time_local("2026-03-01", false, buf, sizeof buf);
    assert_string_equal(buf, "2026-03-01");
    cl_time_local("", false, buf, sizeof buf);
    assert_string_equal(buf, "");
    cl_time_local(NULL, false, buf, sizeof buf);
    assert_string_equal(buf, "");
    cl_time_local("2026-12-01T09:25:06Zjunk", false, buf, sizeof buf);
    assert_string_equal(buf, "2026-12-01T09:25:06Zjunk");

    time_t t;
    assert_true(cl_time_parse_local("2026-11-30 15:20", &t));
    char iso[32];
    cl_time_iso(t, iso, sizeof iso);
    assert_string_equal(iso, "2026-11-30T07:20:00Z");
    assert_true(cl_time_parse_local("2026/11/30 15:20", &t));
    assert_false(cl_time_parse_local("2026-11-31 15:20", &t));
    assert_false(cl_time_parse_local("2026-11-30", &t));
    assert_false(cl_time_parse_local("yesterday", &t));
}

static void test_local_utc(void **state)
{
    (void)state;
    zone("UTC");
    char buf[32];
    cl_time_local("2026-12-01T09:25:06Z", false, buf, sizeof buf);
    assert_string_equal(buf, "2026-12-01 09:25");
    time_t t;
    assert_true(cl_time_parse_iso("2026-12-01T09:25:06Z", &t));
    assert_true(cl_time_parse_local("2026-12-01 09:25", &t));
    char iso[32];
    cl_time_iso(t, iso, sizeof iso);
    assert_string_equal(iso, "2026-12-01T09:25:00Z");
    assert_false(cl_time_parse_iso("2026-12-01T09:25:06", &t));
    assert_false(cl_time_parse_iso("2026-12-01", &t));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_local_shanghai),
        cmocka_unit_test(test_local_utc),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
