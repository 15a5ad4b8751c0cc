/* Every question a screen asks is answered through an index: the
 * statements the core runs for the home view, due, the student list and a
 * student's file, record lists, referrals, status and a record write are
 * captured as they run, and the plan of each (EXPLAIN QUERY PLAN) must not
 * scan a table that grows with the vault, nor sort a whole table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "carelog/agenda.h"
#include "carelog/followup.h"
#include "carelog/referral.h"
#include "carelog/storage.h"
#include "carelog/student.h"
#include "carelog/synth.h"
#include "record_fixture.h"

#define MAX_SQL 512

typedef struct captured {
    char *sql[MAX_SQL];
    size_t n;
} captured;

static int capture(unsigned type, void *ctx, void *p, void *x)
{
    (void)type;
    captured *c = ctx;
    const char *sql = sqlite3_sql((sqlite3_stmt *)p);
    (void)x;
    if (!sql || strncmp(sql, "--", 2) == 0 || c->n == MAX_SQL)
        return 0;
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->sql[i], sql) == 0)
            return 0;
    c->sql[c->n++] = strdup(sql);
    return 0;
}

/* Tables that grow with the vault: a plan may search them, or read one in
 * the order of an index for a list that shows it whole, never scan it bare. */
static const char *const growing[] = {"records", "students", "followups", "student_state", "audit", "flags",
                                      "record_versions", "amendments", "referral_transitions", "referral_waits",
                                      NULL};

/* The tables (and aliases) a statement names, to map "SCAN r" back. */
static bool scans_growing(const char *sql, const char *detail)
{
    if (strncmp(detail, "SCAN ", 5) != 0 || strstr(detail, "USING INDEX") || strstr(detail, "USING COVERING INDEX") ||
        strstr(detail, "USING INTEGER PRIMARY KEY") || strstr(detail, "VIRTUAL TABLE") || strstr(detail, "CONSTANT ROW"))
        return false;
    char name[64];
    if (sscanf(detail + 5, "%63[A-Za-z0-9_]", name) != 1)
        return false;
    for (size_t i = 0; growing[i]; i++) {
        char as_alias[96], as_table[96];
        snprintf(as_alias, sizeof as_alias, "%s %s", growing[i], name);
        snprintf(as_table, sizeof as_table, "FROM %s", name);
        if (strcmp(name, growing[i]) == 0 || strstr(sql, as_alias))
            return true;
        (void)as_table;
    }
    return false;
}

/* A page's statement may sort the rows of one key's value (SQLite's "LAST
 * N TERMS" / "RIGHT PART" of an ORDER BY), never all its rows. */
static bool sorts_whole(const char *detail)
{
    return strcmp(detail, "USE TEMP B-TREE FOR ORDER BY") == 0;
}

static void check_plans_of(sqlite3 *db, const captured *c, bool paged)
{
    int bad = 0;
    for (size_t i = 0; i < c->n; i++) {
        if (strncmp(c->sql[i], "SELECT", 6) != 0 && strncmp(c->sql[i], "WITH", 4) != 0 &&
            strncmp(c->sql[i], "INSERT", 6) != 0 && strncmp(c->sql[i], "UPDATE", 6) != 0 &&
            strncmp(c->sql[i], "DELETE", 6) != 0)
            continue;
        /* Whole-vault checks and repairs read everything by design. */
        if (strstr(c->sql[i], "count(*) FROM \""))
            continue;
        char *eqp = sqlite3_mprintf("EXPLAIN QUERY PLAN %s", c->sql[i]);
        sqlite3_stmt *q;
        assert_int_equal(sqlite3_prepare_v2(db, eqp, -1, &q, NULL), SQLITE_OK);
        while (sqlite3_step(q) == SQLITE_ROW) {
            const char *detail = (const char *)sqlite3_column_text(q, 3);
            if (scans_growing(c->sql[i], detail)) {
                fprintf(stderr, "full scan (%s) in:\n  %s\n", detail, c->sql[i]);
                bad++;
            }
            if (paged && sorts_whole(detail)) {
                fprintf(stderr, "a page sorts the whole list in:\n  %s\n", c->sql[i]);
                bad++;
            }
        }
        sqlite3_finalize(q);
        sqlite3_free(eqp);
    }
    assert_int_equal(bad, 0);
}

static void check_plans(sqlite3 *db, const captured *c)
{
    check_plans_of(db, c, false);
}

static int setup(void **state)
{
    setenv("TZ", "UTC", 1);
    setenv("CARELOG_TEST_NOW", "2026-11-20T08:00:00Z", 1);
    return fixture_setup(state);
}

/* The statement in c that holds every one of the words (NULL: none, or
 * more than one). */
static const char *statement_with(const captured *c, const char *const words[])
{
    const char *found = NULL;
    for (size_t i = 0; i < c->n; i++) {
        bool all = true;
        for (size_t w = 0; all && words[w]; w++)
            all = strstr(c->sql[i], words[w]) != NULL;
        if (all && found)
            fail_msg("more than one statement holds %s:\n  %s\n  %s", words[0], found, c->sql[i]);
        if (all)
            found = c->sql[i];
    }
    return found;
}

static void assert_reads_one_index(sqlite3 *db, const char *sql, const char *covering);

/* A generated vault of 30 students, analysed, its statements captured
 * into c from here on. */
static sqlite3 *generated_and_traced(fixture *f, captured *c)
{
    cl_synth_options opt = {.students = 30, .seed = 5, .months = 3};
    OK(cl_synth_fill(f->v, &opt, NULL));
    sqlite3 *db = cl_vault_db(f->v);
    OK(cl_db_exec(db, "ANALYZE"));
    sqlite3_trace_v2(db, SQLITE_TRACE_STMT, capture, c);
    return db;
}

/* The first whole attention list after unlock (in c): the students'
 * directory is one scan of the covering index students_directory in its
 * order (a student's rank is its place in that scan: no sort), and the
 * crisis-level students, read without the join, one range of the covering
 * student_state_crisis. */
static void assert_whole_attention_reads_narrow_indexes(sqlite3 *db, const captured *c)
{
    static const char *const directory[] = {"SELECT id, number, name, class", "FROM students ORDER BY number, id", NULL};
    static const char *const crisis[] = {"FROM student_state t WHERE t.followed AND t.risk_level = 3", "LIMIT", NULL};
    const char *sql = statement_with(c, directory);
    assert_non_null(sql);
    assert_reads_one_index(db, sql, "USING COVERING INDEX students_directory");
    sql = statement_with(c, crisis);
    assert_non_null(sql);
    assert_null(strstr(sql, "JOIN"));
    assert_reads_one_index(db, sql, "USING COVERING INDEX student_state_crisis");
}

static void test_screens_use_indexes(void **state)
{
    fixture *f = *state;
    captured c = {0};
    sqlite3 *db = generated_and_traced(f, &c);
    json_t *out;
    OK(cl_agenda_attention(f->v, &out));
    json_decref(out);
    OK(cl_followup_due(f->v, NULL, 7, &out));
    json_decref(out);
    OK(cl_referral_list(f->v, false, &out));
    json_decref(out);
    cl_student_filter sf = {.class_name = "七年级(1)班", .risk = -1, .status = "active"};
    OK(cl_student_list(f->v, &sf, &out));
    json_decref(out);
    OK(cl_student_get(f->v, 3, &out));
    json_decref(out);
    cl_record_filter rf = {.student_id = 3};
    OK(cl_record_list(f->v, &rf, &out));
    json_decref(out);
    cl_record_filter kf = {.kind = "session", .limit = 20};
    OK(cl_record_list(f->v, &kf, &out));
    json_decref(out);
    cl_record_filter all = {.limit = 20};
    OK(cl_record_list(f->v, &all, &out));
    json_decref(out);
    OK(cl_vault_status(f->v, &out));
    json_decref(out);
    json_t *fields = J("{\"occurred_at\": \"2026-11-19\", \"session_type\": \"individual\", \"risk_noted\": false,"
                       " \"follow_up\": \"2026-11-26\"}");
    OK(cl_record_add(f->v, "session", 3, fields, 0, NULL));
    json_decref(fields);
    sqlite3_trace_v2(db, 0, NULL, NULL);
    assert_true(c.n > 20);
    check_plans(db, &c);
    assert_whole_attention_reads_narrow_indexes(db, &c);
    for (size_t i = 0; i < c.n; i++)
        free(c.sql[i]);
}

static cl_status ignore_due(json_t *row, const char *cursor, void *ctx)
{
    (void)row;
    snprintf(ctx, 64, "%s", cursor);
    return CL_OK;
}

static cl_status ignore_student(json_t *row, void *ctx)
{
    *(long long *)ctx = (long long)json_integer_value(json_object_get(row, "id"));
    return CL_OK;
}

/* The lists a screen reads a page at a time: the agenda's first page and
 * the one after its cursor, due after a cursor and its count, a class of
 * students a page at a time, the counts before a streamed list. Each is a
 * range of an index, with no sort of the whole list. */
static void test_pages_use_indexes(void **state)
{
    fixture *f = *state;
    captured c = {0};
    sqlite3 *db = generated_and_traced(f, &c);
    json_t *out;
    OK(cl_agenda_attention_page(f->v, 3, NULL, &out));
    const char *next = json_string_value(json_object_get(out, "next"));
    assert_non_null(next);
    json_t *again;
    OK(cl_agenda_attention_page(f->v, 3, next, &again));
    json_decref(again);
    json_decref(out);
    char cursor[64] = "";
    cl_due_page page = {.horizon_days = 30, .limit = 2};
    OK(cl_followup_due_each(f->v, &page, ignore_due, cursor, NULL));
    assert_true(cursor[0] != '\0');
    page.after = cursor;
    OK(cl_followup_due_each(f->v, &page, ignore_due, cursor, NULL));
    long long n;
    OK(cl_followup_due_count(f->v, &page, &n));
    cl_student_filter sf = {.class_name = "七年级(1)班", .risk = -1, .status = "active"};
    cl_student_page sp = {2, 0};
    OK(cl_student_each(f->v, &sf, &sp, ignore_student, &sp.after_id));
    OK(cl_student_each(f->v, &sf, &sp, ignore_student, &sp.after_id));
    cl_student_filter all = {.risk = -1};
    OK(cl_student_each(f->v, &all, &sp, ignore_student, &sp.after_id));
    OK(cl_student_page_count(f->v, &sf, NULL, &n));
    /* The screens' students list with a risk filter, a page in each order. */
    for (int sort = 0; sort < CL_STUDENT_SORTS; sort++) {
        cl_student_filter by_risk = {.risk = 1, .sort = (cl_student_sort)sort, .limit = 20};
        OK(cl_student_list(f->v, &by_risk, &out));
        json_decref(out);
    }
    cl_record_filter rf = {.limit = 20};
    OK(cl_record_count(f->v, &rf, &n));
    /* A student's file: its count, then a page of its timeline after a record. */
    cl_record_filter file = {.student_id = 3};
    OK(cl_record_count(f->v, &file, &n));
    file.limit = 5;
    OK(cl_record_list(f->v, &file, &out));
    file.before_id = json_integer_value(json_object_get(json_array_get(out, json_array_size(out) - 1), "id"));
    json_decref(out);
    assert_true(file.before_id > 0);
    OK(cl_record_list(f->v, &file, &out));
    json_decref(out);
    bool more;
    OK(cl_referral_late_each(f->v, NULL, 2, ignore_student, &sp.after_id, &more));
    OK(cl_referral_late_each(f->v, "draft/2026-01-01T00:00:00Z/1", 2, ignore_student, &sp.after_id, &more));
    OK(cl_referral_late_count(f->v, &n));
    sqlite3_trace_v2(db, 0, NULL, NULL);
    assert_true(c.n > 8);
    check_plans_of(db, &c, true);
    /* The late referrals are read from referral_waits, which keeps what
     * their rows show: never a page of the records table each. */
    int late_statements = 0;
    for (size_t i = 0; i < c.n; i++)
        if (strstr(c.sql[i], "FROM referral_waits w")) {
            late_statements++;
            assert_null(strstr(c.sql[i], "records"));
        }
    assert_true(late_statements > 0);
    for (size_t i = 0; i < c.n; i++)
        free(c.sql[i]);
}

/* Crisis-level students without a recent session: a page and its count
 * are each one range of student_state_crisis, never a look at the
 * students' records (the home screen and `carelog agenda` ask for it). */
static void test_crisis_is_an_index_range(void **state)
{
    fixture *f = *state;
    captured c = {0};
    sqlite3 *db = generated_and_traced(f, &c);
    json_t *rows = json_array();
    char *next = NULL;
    OK(cl_followup_crisis_page(f->v, NULL, 2, NULL, rows, &next));
    OK(cl_followup_crisis_page(f->v, NULL, 2, "2026-11-01/3", rows, NULL));
    long long n;
    OK(cl_followup_crisis_count(f->v, NULL, &n));
    free(next);
    json_decref(rows);
    sqlite3_trace_v2(db, 0, NULL, NULL);
    assert_true(c.n >= 2);
    check_plans_of(db, &c, true);
    int ranges = 0;
    for (size_t i = 0; i < c.n; i++) {
        char *eqp = sqlite3_mprintf("EXPLAIN QUERY PLAN %s", c.sql[i]);
        sqlite3_stmt *q;
        assert_int_equal(sqlite3_prepare_v2(db, eqp, -1, &q, NULL), SQLITE_OK);
        while (sqlite3_step(q) == SQLITE_ROW) {
            const char *detail = (const char *)sqlite3_column_text(q, 3);
            if (strstr(detail, "student_state_crisis") && strstr(detail, "risk_level=? AND"))
                ranges++;
        }
        sqlite3_finalize(q);
        sqlite3_free(eqp);
        free(c.sql[i]);
    }
    assert_int_equal(ranges, 2);
}

/* The plan of sql reads its list from one covering index (the plan line
 * that holds covering says so), in the index's order: no sort. */
static void assert_reads_one_index(sqlite3 *db, const char *sql, const char *covering)
{
    char *eqp = sqlite3_mprintf("EXPLAIN QUERY PLAN %s", sql);
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(db, eqp, -1, &q, NULL), SQLITE_OK);
    bool seen = false;
    while (sqlite3_step(q) == SQLITE_ROW) {
        const char *detail = (const char *)sqlite3_column_text(q, 3);
        if (strstr(detail, covering))
            seen = true;
        if (strstr(detail, "TEMP B-TREE"))
            fail_msg("the list sorts (%s):\n  %s", detail, sql);
    }
    if (!seen)
        fail_msg("the list does not read only the index (%s):\n  %s", covering, sql);
    sqlite3_finalize(q);
    sqlite3_free(eqp);
}

static cl_status ignore_record(json_t *row, void *ctx)
{
    (void)row, (void)ctx;
    return CL_OK;
}

/* The whole record list streams from one covering index in its order:
 * no sort, and no visit to the table per row. */
static void test_whole_record_list_reads_one_index(void **state)
{
    fixture *f = *state;
    cl_synth_options opt = {.students = 30, .seed = 5, .months = 3};
    OK(cl_synth_fill(f->v, &opt, NULL));
    sqlite3 *db = cl_vault_db(f->v);
    OK(cl_db_exec(db, "ANALYZE"));
    static const cl_record_filter filters[] = {{.limit = 0}, {.limit = 20}, {.before_id = 40, .limit = 20}};
    for (size_t k = 0; k < sizeof filters / sizeof *filters; k++) {
        captured c = {0};
        sqlite3_trace_v2(db, SQLITE_TRACE_STMT, capture, &c);
        OK(cl_record_each(f->v, &filters[k], ignore_record, NULL));
        sqlite3_trace_v2(db, 0, NULL, NULL);
        bool seen = false;
        for (size_t i = 0; i < c.n; i++) {
            if (!strstr(c.sql[i], "FROM records r JOIN students s"))
                continue;
            seen = true;
            assert_reads_one_index(db, c.sql[i], " r USING COVERING INDEX records_listed");
        }
        assert_true(seen);
        for (size_t i = 0; i < c.n; i++)
            free(c.sql[i]);
    }
}

static cl_status ignore_due_text(const char *json, size_t len, const char *cursor, void *ctx)
{
    (void)json, (void)len, (void)cursor;
    ++*(long long *)ctx;
    return CL_OK;
}

/* The due list and the agenda's follow-up sections, whole, as objects or
 * as text, and after a cursor: the open follow-ups come from
 * followups_open_listed alone (no row of followups read per row), the
 * policies' dates from student_state_policy_listed alone, each in its
 * index's order, with no sort (a day's rows are put in order by the core). */
static void test_due_reads_one_covering_index(void **state)
{
    fixture *f = *state;
    cl_synth_options opt = {.students = 30, .seed = 5, .months = 3};
    OK(cl_synth_fill(f->v, &opt, NULL));
    sqlite3 *db = cl_vault_db(f->v);
    OK(cl_db_exec(db, "ANALYZE"));
    captured c = {0};
    sqlite3_trace_v2(db, SQLITE_TRACE_STMT, capture, &c);
    json_t *out;
    char cursor[64] = "";
    cl_due_page page = {.horizon_days = 30, .limit = 2};
    /* A first page before any whole list: joined to students. */
    OK(cl_followup_due_each(f->v, &page, ignore_due, cursor, NULL));
    /* Whole: the students from the directory. */
    OK(cl_followup_due(f->v, NULL, 30, &out));
    json_decref(out);
    long long rows = 0;
    cl_due_page whole = {.horizon_days = 30};
    OK(cl_followup_due_text_each(f->v, &whole, ignore_due_text, &rows, NULL));
    assert_true(rows > 2);
    page.after = cursor;
    OK(cl_followup_due_each(f->v, &page, ignore_due, cursor, NULL));
    sqlite3_trace_v2(db, 0, NULL, NULL);
    int follow_ups = 0, policies = 0;
    for (size_t i = 0; i < c.n; i++) {
        if (strstr(c.sql[i], "FROM followups f")) {
            follow_ups++;
            assert_reads_one_index(db, c.sql[i],
                                   " f USING COVERING INDEX followups_open_listed (due_date>? AND due_date<?)");
        } else if (strstr(c.sql[i], "FROM student_state t") && strstr(c.sql[i], "policy_due")) {
            policies++;
            assert_reads_one_index(db, c.sql[i],
                                   " t USING COVERING INDEX student_state_policy_listed (policy_due>? AND policy_due<?)");
        }
        free(c.sql[i]);
    }
    /* A first page's statements, the whole list's (without the join), and
     * the ones after a cursor. */
    assert_int_equal(follow_ups, 3);
    assert_int_equal(policies, 3);
}

/* The check itself: a statement that scans is caught. */
static void test_scan_is_caught(void **state)
{
    (void)state;
    assert_true(scans_growing("SELECT * FROM records r WHERE r.fields LIKE '%x%'", "SCAN r"));
    assert_true(scans_growing("SELECT count(*) FROM audit", "SCAN audit"));
    assert_false(scans_growing("SELECT * FROM records r WHERE r.student_id = 1",
                               "SEARCH r USING INDEX records_student (student_id=?)"));
    assert_false(scans_growing("SELECT * FROM forms f", "SCAN f"));
    assert_true(sorts_whole("USE TEMP B-TREE FOR ORDER BY"));
    assert_false(sorts_whole("USE TEMP B-TREE FOR LAST 4 TERMS OF ORDER BY"));
}

/* The screens' students list in each of its orders, a page of it, its
 * count, and the home charts: each an index walk or search. */
static void test_students_pages_and_charts_use_indexes(void **state)
{
    fixture *f = *state;
    captured c = {0};
    sqlite3 *db = generated_and_traced(f, &c);
    json_t *out;
    long long n;
    for (int sort = 0; sort < CL_STUDENT_SORTS; sort++) {
        cl_student_filter sf = {.risk = -1, .sort = (cl_student_sort)sort, .offset = 10, .limit = 20};
        OK(cl_student_list(f->v, &sf, &out));
        json_decref(out);
        /* A circumstance filter reads the kept circumstances, no student's record. */
        cl_student_filter by_circumstance = {.risk = -1, .circumstance = "left_behind", .sort = (cl_student_sort)sort,
                                             .limit = 20};
        OK(cl_student_list(f->v, &by_circumstance, &out));
        json_decref(out);
        OK(cl_student_count(f->v, &by_circumstance, &n));
    }
    long long risk[CL_RISK_MAX + 1], weeks[12];
    cl_student_filter all = {.risk = -1};
    OK(cl_student_count(f->v, &all, &n));
    OK(cl_student_count_by_risk(f->v, risk));
    OK(cl_record_count_by_week(f->v, "2026-11-20", 12, weeks));
    sqlite3_trace_v2(db, 0, NULL, NULL);
    assert_true(c.n >= 7);
    check_plans(db, &c);
    for (size_t i = 0; i < c.n; i++)
        free(c.sql[i]);
}

int main(void)
{
    cl_secret_init_process();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_screens_use_indexes, setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_due_reads_one_covering_index, setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_whole_record_list_reads_one_index, setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_pages_use_indexes, setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_students_pages_and_charts_use_indexes, setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_crisis_is_an_index_range, setup, fixture_teardown),
        cmocka_unit_test(test_scan_is_caught),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
