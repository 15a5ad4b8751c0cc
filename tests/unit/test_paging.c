/* Lists a page at a time (keyset cursors) and streamed: the pages of the
 * agenda, of what is due and of the students, put end to end, are exactly
 * the whole list, in its order, for every page size; counts agree with the
 * lists; a cursor that is not one is refused with what one looks like. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "carelog/agenda.h"
#include "carelog/followup.h"
#include "carelog/storage.h"
#include "carelog/synth.h"
#include "carelog/text.h"
#include "record_fixture.h"

static const char *const sections[] = {"flags", "overdue", "late_referrals", "crisis", "due_today"};
#define N_SECTIONS 5

static int setup(void **state)
{
    setenv("TZ", "UTC", 1);
    setenv("CARELOG_TEST_NOW", "2026-11-20T08:00:00Z", 1);
    if (fixture_setup(state) != 0)
        return -1;
    fixture *f = *state;
    cl_synth_options opt = {.students = 40, .seed = 7, .months = 4};
    return cl_synth_fill(f->v, &opt, NULL) == CL_OK ? 0 : -1;
}

/* Three crisis-level students, assessed on 11-01 and seen in no session
 * since, so that the crisis section takes more than one page. */
static void add_crisis_students(fixture *f)
{
    for (int i = 0; i < 3; i++) {
        char text[160];
        snprintf(text, sizeof text, "{\"number\": \"2099000%d\", \"name\": \"危机%d\", \"status\": \"active\"}", i, i);
        json_t *fields = J(text);
        long long id;
        OK(cl_student_add(f->v, fields, false, &id));
        json_decref(fields);
        fields = J("{\"occurred_at\": \"2026-11-01\", \"risk_level\": 3, \"misconduct_tier\": \"none\","
                   " \"reasons\": \"评估\", \"safety_plan\": true, \"follow_up\": \"2026-11-30\"}");
        OK(cl_record_add(f->v, "assessment", id, fields, 0, NULL));
        json_decref(fields);
    }
}

static void test_agenda_pages_make_the_whole(void **state)
{
    fixture *f = *state;
    add_crisis_students(f);
    json_t *whole;
    OK(cl_agenda_attention(f->v, &whole));
    assert_null(json_object_get(whole, "next")); /* the whole list's shape is as before */
    size_t total = 0;
    for (int s = 0; s < N_SECTIONS; s++)
        total += json_array_size(json_object_get(whole, sections[s]));
    assert_true(total > 10); /* enough rows for pages to cross sections */
    assert_true(json_array_size(json_object_get(whole, "crisis")) > 1); /* and to page within the crisis section */
    for (long long size = 1; size <= (long long)total + 1; size += size < 4 ? 1 : 5) {
        json_t *got[N_SECTIONS];
        for (int s = 0; s < N_SECTIONS; s++)
            got[s] = json_array();
        char *after = NULL;
        size_t pages = 0;
        for (;;) {
            json_t *page;
            OK(cl_agenda_attention_page(f->v, size, after, &page));
            pages++;
            size_t rows = 0;
            for (int s = 0; s < N_SECTIONS; s++) {
                rows += json_array_size(json_object_get(page, sections[s]));
                json_array_extend(got[s], json_object_get(page, sections[s]));
            }
            assert_true(rows <= (size_t)size);
            assert_true(json_equal(json_object_get(page, "counts"), json_object_get(whole, "counts")));
            json_t *next = json_object_get(page, "next");
            assert_non_null(next); /* present, null on the last page */
            free(after);
            after = json_is_string(next) ? strdup(json_string_value(next)) : NULL;
            json_decref(page);
            if (!after)
                break;
            assert_true(rows == (size_t)size); /* only the last page is short */
        }
        assert_int_equal(pages, (total + (size_t)size - 1) / (size_t)size);
        for (int s = 0; s < N_SECTIONS; s++) {
            assert_true(json_equal(got[s], json_object_get(whole, sections[s])));
            json_decref(got[s]);
        }
    }
    json_decref(whole);
}

typedef struct collect {
    json_t *rows;
    char last[64];
} collect;

static cl_status keep_due(json_t *row, const char *cursor, void *ctx)
{
    collect *c = ctx;
    snprintf(c->last, sizeof c->last, "%s", cursor);
    json_array_append(c->rows, row);
    return CL_OK;
}

static void test_due_pages_make_the_whole(void **state)
{
    fixture *f = *state;
    json_t *whole;
    OK(cl_followup_due(f->v, NULL, 30, &whole));
    cl_due_page all = {.horizon_days = 30};
    long long count;
    OK(cl_followup_due_count(f->v, &all, &count));
    assert_int_equal(count, (long long)json_array_size(whole));
    for (long long size = 1; size <= 7; size += 2) {
        collect c = {json_array(), ""};
        char *after = NULL;
        do {
            cl_due_page p = {.horizon_days = 30, .limit = size, .after = after};
            char *next = NULL;
            size_t before = json_array_size(c.rows);
            OK(cl_followup_due_each(f->v, &p, keep_due, &c, &next));
            assert_true(json_array_size(c.rows) - before <= (size_t)size);
            if (next)
                assert_string_equal(next, c.last); /* the next page starts after the last row given */
            free(after);
            after = next;
        } while (after);
        assert_true(json_equal(c.rows, whole));
        json_decref(c.rows);
    }
    /* Overdue only, and due today only: together the horizon-0 list. */
    json_t *today_list;
    OK(cl_followup_due(f->v, NULL, 0, &today_list));
    collect parts = {json_array(), ""};
    cl_due_page overdue = {.horizon_days = -1}, today = {.horizon_days = 0, .not_overdue = true};
    OK(cl_followup_due_each(f->v, &overdue, keep_due, &parts, NULL));
    size_t n_overdue = json_array_size(parts.rows);
    OK(cl_followup_due_each(f->v, &today, keep_due, &parts, NULL));
    assert_true(json_equal(parts.rows, today_list));
    for (size_t i = 0; i < json_array_size(parts.rows); i++)
        assert_true((json_integer_value(json_object_get(json_array_get(parts.rows, i), "days_overdue")) > 0) ==
                    (i < n_overdue));
    json_decref(parts.rows);
    json_decref(today_list);
    json_decref(whole);
}

/* A text written in pieces, gathered. */
static cl_status gather(const char *text, size_t len, void *ctx)
{
    return cl_buf_append(ctx, text, len);
}

static cl_status gather_row(const char *json, size_t len, const char *cursor, void *ctx)
{
    (void)cursor;
    cl_buf *b = ctx;
    if (b->len > 1 && cl_buf_append(b, ",", 1) != CL_OK)
        return CL_ESOFTWARE;
    return cl_buf_append(b, json, len);
}

static void assert_dump_is(const json_t *value, const char *text)
{
    char *dumped = json_dumps(value, JSON_COMPACT | JSON_PRESERVE_ORDER);
    assert_non_null(dumped);
    assert_string_equal(text, dumped);
    free(dumped);
}

/* `agenda --json` and `due --json` write their lists without building
 * them: the text is byte for byte the dump of the object the list is,
 * names with quotes, backslashes, controls and bidirectional marks too
 * (the CLI makes the last inert on the way out). */
static void test_written_lists_are_the_objects_dumped(void **state)
{
    fixture *f = *state;
    add_crisis_students(f);
    sqlite3 *db = cl_vault_db(f->v);
    /* As an older vault or a raw edit could hold them: text the forms
     * would not take in today. */
    OK(cl_db_exec(db, "UPDATE students SET name = 'Zoë \"Q\" \\ ' || char(9, 1, 10, 0x202E, 0x7F) || '赵', "
                      "class = '七年级\"1\"班' WHERE id IN (SELECT student_id FROM followups WHERE open LIMIT 3)"));
    json_t *whole;
    OK(cl_agenda_attention(f->v, &whole));
    cl_buf text = {0};
    OK(cl_agenda_attention_write(f->v, gather, &text));
    assert_dump_is(whole, text.data);
    assert_non_null(strstr(text.data, "Zoë \\\"Q\\\" \\\\ \\t\\u0001\\n"));
    long long rows;
    OK(cl_agenda_attention_count(f->v, &rows));
    long long counted = 0;
    for (int s = 0; s < N_SECTIONS; s++)
        counted += (long long)json_array_size(json_object_get(whole, sections[s]));
    assert_true(counted > 10);
    assert_int_equal(rows, counted);
    json_decref(whole);
    cl_buf_free(&text);
    static const int horizons[] = {0, 7, 30, 3650};
    for (size_t i = 0; i < sizeof horizons / sizeof *horizons; i++)
        for (int d = 0; d < 2; d++) {
            const char *today = d ? "2026-12-15" : NULL;
            OK(cl_followup_due(f->v, today, horizons[i], &whole));
            cl_due_page p = {.today = today, .horizon_days = horizons[i]};
            cl_buf list = {0};
            OK(cl_buf_append(&list, "[", 1));
            OK(cl_followup_due_text_each(f->v, &p, gather_row, &list, NULL));
            OK(cl_buf_append(&list, "]", 1));
            assert_dump_is(whole, list.data);
            json_decref(whole);
            cl_buf_free(&list);
        }
}

static cl_status keep_key(json_t *row, const char *cursor, void *ctx)
{
    (void)row;
    return cl_buf_printf(ctx, "%s\n", cursor);
}

/* The core puts a day's rows in order itself: the order is SQLite's
 * ORDER BY over both sources (due date, student number as text, student
 * id, source, record), numbers of any length and script included. */
static void test_due_order_is_sqls(void **state)
{
    fixture *f = *state;
    sqlite3 *db = cl_vault_db(f->v);
    OK(cl_db_exec(db, "UPDATE students SET number = CASE id % 5 WHEN 0 THEN '9' WHEN 1 THEN '10' WHEN 2 THEN '赵'"
                      " WHEN 3 THEN 'A-' || id ELSE number END WHERE id % 3 = 0"));
    static const char order_sql[] =
        "SELECT f.due_date || '/' || s.id || '/follow_up/' || f.record_id, f.due_date, s.number, s.id, 'follow_up',"
        " f.record_id FROM followups f JOIN students s ON s.id = f.student_id WHERE f.open AND f.due_date <= ?1"
        " UNION ALL SELECT t.policy_due || '/' || s.id || '/policy/0', t.policy_due, s.number, s.id, 'policy', 0"
        " FROM student_state t JOIN students s ON s.id = t.student_id"
        " WHERE t.policy_due IS NOT NULL AND t.policy_due <= ?1 ORDER BY 2, 3, 4, 5, 6";
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(db, order_sql, -1, &q, NULL), SQLITE_OK);
    sqlite3_bind_text(q, 1, "2026-12-20", -1, SQLITE_STATIC);
    cl_buf want = {0}, got = {0};
    int days_with_both = 0;
    char last_day[11] = "";
    while (sqlite3_step(q) == SQLITE_ROW) {
        OK(cl_buf_printf(&want, "%s\n", (const char *)sqlite3_column_text(q, 0)));
        const char *day = (const char *)sqlite3_column_text(q, 1);
        days_with_both += strcmp(day, last_day) == 0;
        snprintf(last_day, sizeof last_day, "%s", day);
    }
    sqlite3_finalize(q);
    assert_true(days_with_both > 5); /* days of several rows, ordered within */
    cl_due_page p = {.horizon_days = 30};
    OK(cl_followup_due_each(f->v, &p, keep_key, &got, NULL));
    assert_non_null(got.data);
    assert_string_equal(got.data, want.data);
    cl_buf_free(&want);
    cl_buf_free(&got);
}

static void test_bad_cursors(void **state)
{
    fixture *f = *state;
    static const char *const bad[] = {"", "x", "2026-11-10", "2026-11-10/0/follow_up/1", "2026-13-10/1/follow_up/1",
                                      "2026-11-10/1/other/1", "2026-11-10/1/policy/1x", "2026-11-10/1/policy/-1",
                                      "2026-1-10/1/policy/0", "2026-11-10/+1/policy/0", "2026-11-10/ 1/policy/0",
                                      "2026-11-10/01/policy/0"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        cl_due_page p = {.limit = 5, .after = bad[i]};
        collect c = {json_array(), ""};
        assert_int_equal(cl_followup_due_each(f->v, &p, keep_due, &c, NULL), CL_EUSAGE);
        assert_non_null(strstr(cl_error_message(), "follow_up/17"));
        assert_int_equal(json_array_size(c.rows), 0);
        json_decref(c.rows);
    }
    static const char *const bad_agenda[] = {"flags", "flags:", "flags:0", "flags:x", "overdue:12", "nothing:1",
                                             "late_referrals:-3", "due_today:2026-11-10/1/follow_up", "crisis:",
                                             "crisis:x/1", "crisis:/0", "crisis:2026-11-10", "crisis:/99999999999999999999"};
    for (size_t i = 0; i < sizeof bad_agenda / sizeof *bad_agenda; i++) {
        json_t *out = NULL;
        assert_int_equal(cl_agenda_attention_page(f->v, 5, bad_agenda[i], &out), CL_EUSAGE);
        assert_null(out);
        assert_non_null(strstr(cl_error_message(), "not a cursor of the agenda"));
    }
    json_t *out = NULL;
    assert_int_equal(cl_agenda_attention_page(f->v, -1, NULL, &out), CL_EUSAGE);
    /* A well-formed cursor naming a row that is gone still pages on. */
    OK(cl_agenda_attention_page(f->v, 5, "overdue:2000-01-01/99999/follow_up/99999", &out));
    assert_int_equal(json_array_size(json_object_get(out, "flags")), 0);
    json_decref(out);
}

static cl_status keep_student(json_t *row, void *ctx)
{
    json_array_append(ctx, row);
    return CL_OK;
}

static void test_student_pages_make_the_whole(void **state)
{
    fixture *f = *state;
    cl_student_filter filters[] = {{.risk = -1}, {.class_name = "七年级(1)班", .risk = -1}, {.risk = 1}};
    for (size_t k = 0; k < sizeof filters / sizeof *filters; k++) {
        json_t *whole;
        OK(cl_student_list(f->v, &filters[k], &whole));
        long long count;
        OK(cl_student_page_count(f->v, &filters[k], NULL, &count));
        assert_int_equal(count, (long long)json_array_size(whole));
        for (long long size = 1; size <= 9; size += 4) {
            json_t *got = json_array();
            cl_student_page p = {size, 0};
            for (;;) {
                json_t *page = json_array();
                OK(cl_student_each(f->v, &filters[k], &p, keep_student, page));
                assert_true(json_array_size(page) <= (size_t)size);
                json_array_extend(got, page);
                size_t n = json_array_size(page);
                if (n)
                    p.after_id = (long long)json_integer_value(json_object_get(json_array_get(page, n - 1), "id"));
                json_decref(page);
                if (n < (size_t)size)
                    break;
            }
            assert_true(json_equal(got, whole));
            json_decref(got);
        }
        json_decref(whole);
    }
    cl_student_page bad = {-1, 0};
    assert_int_equal(cl_student_each(f->v, NULL, &bad, keep_student, NULL), CL_EUSAGE);
}

static void test_record_count_is_the_list(void **state)
{
    fixture *f = *state;
    cl_record_filter filters[] = {{0}, {.kind = "session"}, {.limit = 7}, {.since = "2026-10-01", .until = "2026-11-01"}};
    for (size_t k = 0; k < sizeof filters / sizeof *filters; k++) {
        json_t *list;
        long long n;
        OK(cl_record_list(f->v, &filters[k], &list));
        OK(cl_record_count(f->v, &filters[k], &n));
        assert_int_equal(n, (long long)json_array_size(list));
        json_decref(list);
    }
    cl_record_filter bad = {.since = "yesterday"};
    long long n;
    assert_int_equal(cl_record_count(f->v, &bad, &n), CL_EDATA);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_agenda_pages_make_the_whole, setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_due_pages_make_the_whole, setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_written_lists_are_the_objects_dumped, setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_due_order_is_sqls, setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_bad_cursors, setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_student_pages_make_the_whole, setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_record_count_is_the_list, setup, fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
