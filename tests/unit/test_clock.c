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
#include "carelog/i18n.h"

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

/* Weekdays by the calendar, not the clock: across a leap day, a year
 * boundary and before 1970. English is the source text; the Chinese comes
 * from the catalogue and is checked end to end (i18n_sweep.sh). */
static void test_weekday(void **state)
{
    (void)state;
    cl_i18n_set_language("en");
    static const char *const cases[][2] = {
        {"2026-12-01", "2026-12-01 Tue"}, {"2024-02-29", "2024-02-29 Thu"}, {"2024-03-01", "2024-03-01 Fri"},
        {"2026-12-31", "2026-12-31 Thu"}, {"2027-01-01", "2027-01-01 Fri"}, {"1969-12-31", "1969-12-31 Wed"},
        {"1970-01-01", "1970-01-01 Thu"}, {"2026-11-29", "2026-11-29 Sun"},
    };
    char buf[32];
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        cl_date_with_weekday(cases[i][0], buf, sizeof buf);
        assert_string_equal(buf, cases[i][1]);
    }
    /* Not a date: copied as it is. */
    cl_date_with_weekday("2026-02-30", buf, sizeof buf);
    assert_string_equal(buf, "2026-02-30");
    cl_date_with_weekday("", buf, sizeof buf);
    assert_string_equal(buf, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_local_shanghai),
        cmocka_unit_test(test_local_utc),
        cmocka_unit_test(test_weekday),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
