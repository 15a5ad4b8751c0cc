/* The students list as the screens page it: each order, a page of it, the
 * count, the derived last contact and next due, and the home charts'
 * counts (records per week, students by risk). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "carelog/followup.h"
#include "carelog/storage.h"
#include "record_fixture.h"

static long long add_in_class(fixture *f, const char *number, const char *name, const char *klass)
{
    json_t *fields = json_pack("{s:s, s:s, s:s}", "number", number, "name", name, "class", klass);
    long long id = 0;
    OK(cl_student_add(f->v, fields, false, &id));
    json_decref(fields);
    return id;
}

static int setup(void **state)
{
    setenv("TZ", "UTC", 1);
    setenv("CARELOG_TEST_NOW", "2026-11-20T08:00:00Z", 1);
    if (fixture_setup(state) != 0)
        return -1;
    fixture *f = *state;
    long long a = add_in_class(f, "003", "Chen", "7-2"), b = add_in_class(f, "001", "Zhao", "7-1"),
              c = add_in_class(f, "002", "Ahn", "8-1");
    /* Zhao in crisis, Ahn elevated; Chen none. */
    add_record(f->v, "assessment", b, "{\"occurred_at\": \"2026-11-02\", \"risk_level\": 3, \"misconduct_tier\": \"none\","
                                   " \"reasons\": \"x\", \"safety_plan\": true, \"follow_up\": \"2026-11-30\"}", 0);
    add_record(f->v, "assessment", c, "{\"occurred_at\": \"2026-10-01\", \"risk_level\": 2, \"misconduct_tier\": \"none\","
                                   " \"reasons\": \"y\", \"safety_plan\": true, \"follow_up\": \"2026-12-15\"}", 0);
    /* Chen has a follow-up due soonest; Zhao a session this week. */
    add_record(f->v, "session", a, "{\"occurred_at\": \"2026-11-18\", \"session_type\": \"individual\","
                                " \"risk_noted\": false, \"follow_up\": \"2026-11-21\"}", 0);
    add_record(f->v, "session", b, "{\"occurred_at\": \"2026-11-19\", \"session_type\": \"individual\","
                                " \"risk_noted\": false}", 0);
    return 0;
}

static void names_in_order(fixture *f, cl_student_sort sort, const char *expected)
{
    cl_student_filter fl = {.risk = -1, .sort = sort};
    json_t *list;
    OK(cl_student_list(f->v, &fl, &list));
    char got[128] = "";
    size_t i;
    json_t *s;
    json_array_foreach(list, i, s) {
        strcat(got, i ? " " : "");
        strcat(got, json_string_value(json_object_get(s, "name")));
    }
    json_decref(list);
    assert_string_equal(got, expected);
}

static void test_each_order(void **state)
{
    fixture *f = *state;
    names_in_order(f, CL_STUDENT_BY_CLASS, "Zhao Chen Ahn");
    names_in_order(f, CL_STUDENT_BY_NAME, "Ahn Chen Zhao");
    names_in_order(f, CL_STUDENT_BY_RISK, "Zhao Ahn Chen");
    cl_student_filter fl = {.risk = -1, .sort = CL_STUDENT_BY_DUE};
    json_t *list;
    OK(cl_student_list(f->v, &fl, &list));
    assert_int_equal(json_array_size(list), 3);
    bool chen_seen = false;
    for (size_t i = 0; i < json_array_size(list); i++) {
        const json_t *s = json_array_get(list, i);
        if (strcmp(json_string_value(json_object_get(s, "name")), "Chen") == 0) {
            assert_string_equal(json_string_value(json_object_get(s, "next_due")), "2026-11-21");
            chen_seen = true;
        }
    }
    assert_true(chen_seen);
    /* Due dates never go down along the list; none come last. */
    const char *prev = "";
    for (size_t i = 0; i < json_array_size(list); i++) {
        const char *due = json_string_value(json_object_get(json_array_get(list, i), "next_due"));
        const char *key = due ? due : "9999-12-31";
        assert_true(strcmp(prev, key) <= 0);
        prev = key;
    }
    json_decref(list);
}

static void test_state_columns_and_page(void **state)
{
    fixture *f = *state;
    cl_student_filter fl = {.risk = -1, .sort = CL_STUDENT_BY_NAME, .offset = 1, .limit = 1};
    json_t *list;
    OK(cl_student_list(f->v, &fl, &list));
    assert_int_equal(json_array_size(list), 1);
    const json_t *chen = json_array_get(list, 0);
    assert_string_equal(json_string_value(json_object_get(chen, "name")), "Chen");
    assert_string_equal(json_string_value(json_object_get(chen, "last_contact")), "2026-11-18");
    json_decref(list);
    long long n = 0;
    OK(cl_student_count(f->v, &fl, &n));
    assert_int_equal(n, 3);
    cl_student_filter risky = {.risk = 3};
    OK(cl_student_count(f->v, &risky, &n));
    assert_int_equal(n, 1);
    /* An assessment is direct contact too; a new student has none. */
    cl_student_filter ahn = {.risk = -1, .search = "Ahn"};
    OK(cl_student_list(f->v, &ahn, &list));
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "last_contact")), "2026-10-01");
    json_decref(list);
    add_in_class(f, "004", "Lee", "9-1");
    cl_student_filter lee = {.risk = -1, .search = "Lee"};
    OK(cl_student_list(f->v, &lee, &list));
    assert_true(json_is_null(json_object_get(json_array_get(list, 0), "last_contact")));
    json_decref(list);
    /* Latin letters match in any case; Chinese and digits as stored. */
    cl_student_filter latin = {.risk = -1, .search = "cHEN"};
    OK(cl_student_count(f->v, &latin, &n));
    assert_int_equal(n, 1);
    cl_student_filter digits = {.risk = -1, .search = "00"};
    OK(cl_student_count(f->v, &digits, &n));
    assert_int_equal(n, 4);
    add_in_class(f, "005", "林小雨", "9-1");
    cl_student_filter han = {.risk = -1, .search = "小雨"};
    OK(cl_student_list(f->v, &han, &list));
    assert_int_equal(json_array_size(list), 1);
    json_decref(list);
    cl_student_filter bad = {.risk = 9};
    assert_int_equal(cl_student_count(f->v, &bad, &n), CL_EDATA);
}

static void test_chart_counts(void **state)
{
    fixture *f = *state;
    long long risk[CL_RISK_MAX + 1];
    OK(cl_student_count_by_risk(f->v, risk));
    assert_int_equal(risk[0], 1);
    assert_int_equal(risk[1], 0);
    assert_int_equal(risk[2], 1);
    assert_int_equal(risk[3], 1);
    long long weeks[12];
    OK(cl_record_count_by_week(f->v, "2026-11-20", 12, weeks));
    /* 11-18 and 11-19 this week; 11-02 two weeks back (18 days: week 2);
     * 10-01 is 50 days back: week 7. Students' details are not counted. */
    assert_int_equal(weeks[11], 2);
    assert_int_equal(weeks[11 - 2], 1);
    assert_int_equal(weeks[11 - 7], 1);
    long long total = 0;
    for (int i = 0; i < 12; i++)
        total += weeks[i];
    assert_int_equal(total, 4);
    /* A day later the week boundary moves: 11-02 is then 19 days back. */
    OK(cl_record_count_by_week(f->v, "2026-11-21", 12, weeks));
    assert_int_equal(weeks[11], 2);
    assert_int_equal(cl_record_count_by_week(f->v, "2026-13-01", 12, weeks), CL_EDATA);
    /* The kept counts follow an edit that moves a record to another day. */
    long long s = f->student ? f->student : 1;
    long long id = add_record(f->v, "session", s, "{\"occurred_at\": \"2026-11-20\", \"session_type\": \"individual\","
                                                 " \"risk_noted\": false}", 0);
    OK(cl_record_count_by_week(f->v, "2026-11-20", 12, weeks));
    assert_int_equal(weeks[11], 3);
    json_t *moved = J("{\"occurred_at\": \"2026-10-30\"}");
    long long version;
    OK(cl_record_edit(f->v, id, 1, moved, &version));
    json_decref(moved);
    OK(cl_record_count_by_week(f->v, "2026-11-20", 12, weeks));
    assert_int_equal(weeks[11], 2);
    assert_int_equal(weeks[11 - 3], 1); /* 21 days back */
    OK(cl_followup_recompute_check(f->v, false));
    /* Damaged counts are found and repaired. */
    OK(cl_db_exec(cl_vault_db(f->v), "UPDATE record_days SET n = n + 5 WHERE day = '2026-11-18'"));
    assert_int_equal(cl_followup_recompute_check(f->v, false), CL_EDATA);
    OK(cl_followup_recompute_check(f->v, true));
    OK(cl_record_count_by_week(f->v, "2026-11-20", 12, weeks));
    assert_int_equal(weeks[11], 2);
}

int main(void)
{
    cl_secret_init_process();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_each_order, setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_state_columns_and_page, setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_chart_counts, setup, fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
