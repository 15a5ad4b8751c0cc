/* The students' directory (src/core/student_directory.c) gives the whole
 * due list and the whole attention list exactly what the join to students
 * gives: compared byte for byte, as text and as objects, against a second
 * vault connection that only ever reads pages (and so always joins), after
 * changes made through this connection, through the other, by a merge, by
 * a new student, and by a write rolled back. The directory's scan is
 * counted, so that a directory never read again (stale names) or read for
 * every list (no gain) fails too. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "carelog/agenda.h"
#include "carelog/followup.h"
#include "carelog/referral.h"
#include "carelog/storage.h"
#include "carelog/synth.h"
#include "carelog/text.h"
#include "record_fixture.h"
#include "../../src/core/student_directory.h"

#define HORIZON 7
#define WHOLE_AS_PAGE 1000000 /* a page larger than the list: read through the join */
#define DIRECTORY_SQL                                                                                   \
    "SELECT id, number, name, class, risk_level,"                                                       \
    " merged_into IS NULL AND status NOT IN ('closed', 'transferred')"                                  \
    " FROM students ORDER BY number, id"

typedef struct two {
    fixture *f;
    cl_vault *other; /* a second connection to the same vault */
    int scans;       /* of the directory, by the fixture's connection */
} two;

static int count_scans(unsigned type, void *ctx, void *p, void *x)
{
    (void)type, (void)x;
    const char *sql = sqlite3_sql((sqlite3_stmt *)p);
    if (sql && strcmp(sql, DIRECTORY_SQL) == 0)
        ((two *)ctx)->scans++;
    return 0;
}

static int setup(void **state)
{
    setenv("TZ", "UTC", 1);
    setenv("CARELOG_TEST_NOW", "2026-11-20T08:00:00Z", 1);
    if (fixture_setup(state) != 0)
        return -1;
    two *t = calloc(1, sizeof *t);
    t->f = *state;
    cl_synth_options opt = {.students = 40, .seed = 11, .months = 3};
    if (cl_synth_fill(t->f->v, &opt, NULL) != CL_OK)
        return -1;
    cl_secret *pass = NULL;
    const char *pw = "correct horse battery";
    if (cl_secret_copy((const unsigned char *)pw, strlen(pw), &pass) != CL_OK ||
        cl_vault_open(t->f->vault_dir, pass, false, &t->other) != CL_OK)
        return -1;
    cl_secret_free(pass);
    sqlite3_trace_v2(cl_vault_db(t->f->v), SQLITE_TRACE_STMT, count_scans, t);
    *state = t;
    return 0;
}

static int teardown(void **state)
{
    two *t = *state;
    cl_vault_close(t->other);
    void *f = t->f;
    free(t);
    return fixture_teardown(&f);
}

/* ---- the lists, as text and as objects ---- */

static cl_status keep_row_text(const char *json, size_t len, const char *cursor, void *ctx)
{
    cl_buf *b = ctx;
    cl_status st = cl_buf_append(b, json, len);
    return st == CL_OK ? cl_buf_printf(b, " %s\n", cursor) : st;
}

static cl_status keep_row(json_t *row, const char *cursor, void *ctx)
{
    (void)cursor;
    return json_array_append(ctx, row) == 0 ? CL_OK : CL_ESOFTWARE;
}

static cl_status keep_text(const char *text, size_t len, void *ctx)
{
    return cl_buf_append(ctx, text, len);
}

static char *due_text(cl_vault *v, long long limit)
{
    cl_buf b = {0};
    cl_due_page p = {.horizon_days = HORIZON, .limit = limit};
    OK(cl_followup_due_text_each(v, &p, keep_row_text, &b, NULL));
    return cl_buf_take(&b);
}

static json_t *due_rows(cl_vault *v, long long limit)
{
    json_t *rows = json_array();
    cl_due_page p = {.horizon_days = HORIZON, .limit = limit};
    OK(cl_followup_due_each(v, &p, keep_row, rows, NULL));
    return rows;
}

/* What the whole lists say through the directory equals what the other
 * connection's pages say through the join; n_rows: the due list's rows. */
static size_t assert_lists_agree(two *t)
{
    cl_vault *v = t->f->v;
    char *joined = due_text(t->other, WHOLE_AS_PAGE);
    char *whole = due_text(v, 0);
    assert_string_equal(whole, joined);
    free(whole);
    free(joined);

    json_t *joined_rows = due_rows(t->other, WHOLE_AS_PAGE), *whole_rows;
    OK(cl_followup_due(v, NULL, HORIZON, &whole_rows));
    assert_true(json_equal(whole_rows, joined_rows));
    size_t n = json_array_size(whole_rows);
    json_decref(whole_rows);
    json_decref(joined_rows);

    json_t *page, *tree;
    OK(cl_agenda_attention_page(t->other, WHOLE_AS_PAGE, NULL, &page));
    assert_true(json_is_null(json_object_get(page, "next")));
    json_object_del(page, "next");
    OK(cl_agenda_attention(v, &tree));
    assert_true(json_equal(tree, page));
    char *tree_text = json_dumps(page, JSON_COMPACT | JSON_PRESERVE_ORDER);
    cl_buf written = {0};
    OK(cl_agenda_attention_write(v, keep_text, &written));
    assert_string_equal(written.data, tree_text);
    free(tree_text);
    cl_buf_free(&written);
    json_decref(tree);
    json_decref(page);
    return n;
}

static long long nth_student(cl_vault *v, size_t i)
{
    json_t *rows;
    OK(cl_followup_due(v, NULL, HORIZON, &rows));
    assert_true(json_array_size(rows) > i);
    long long id = json_integer_value(json_object_get(json_array_get(rows, i), "student_id"));
    json_decref(rows);
    return id;
}

static void edit_student(cl_vault *v, long long id, const char *changes)
{
    json_t *s;
    OK(cl_student_get(v, id, &s));
    json_t *c = J(changes);
    OK(cl_student_edit(v, id, json_integer_value(json_object_get(s, "version")), c, NULL));
    json_decref(c);
    json_decref(s);
}

static char *name_in_list(cl_vault *v, long long id)
{
    json_t *rows;
    OK(cl_followup_due(v, NULL, HORIZON, &rows));
    char *name = NULL;
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
        if (!name && json_integer_value(json_object_get(r, "student_id")) == id)
            name = strdup(json_string_value(json_object_get(r, "name")));
    json_decref(rows);
    assert_non_null(name);
    return name;
}

/* ---- the tests ---- */

static void test_directory_read_once_while_nothing_changes(void **state)
{
    two *t = *state;
    assert_true(assert_lists_agree(t) > 10);
    int scans = t->scans;
    assert_true(scans >= 1);
    assert_lists_agree(t);
    assert_int_equal(t->scans, scans);
    /* A first page with the directory at hand reads it too, and the
     * same rows as the join. */
    char *first = due_text(t->f->v, 3), *joined = due_text(t->other, 3);
    assert_string_equal(first, joined);
    free(first);
    free(joined);
    assert_int_equal(t->scans, scans);
}

static void test_changes_through_this_connection(void **state)
{
    two *t = *state;
    assert_lists_agree(t);
    long long s = nth_student(t->f->v, 0);
    int scans = t->scans;
    edit_student(t->f->v, s, "{\"name\": \"改了名\", \"class\": \"初三(9)班\"}");
    char *name = name_in_list(t->f->v, s);
    assert_string_equal(name, "改了名");
    free(name);
    assert_true(t->scans > scans);
    assert_lists_agree(t);
    /* The risk level, set by an assessment. */
    json_t *a = J("{\"occurred_at\": \"2026-11-19\", \"risk_level\": 3, \"misconduct_tier\": \"none\","
                  " \"reasons\": \"评估\", \"safety_plan\": true, \"follow_up\": \"2026-11-21\"}");
    OK(cl_record_add(t->f->v, "assessment", s, a, 0, NULL));
    json_decref(a);
    assert_lists_agree(t);
}

static void test_changes_through_another_connection(void **state)
{
    two *t = *state;
    assert_lists_agree(t);
    long long s = nth_student(t->f->v, 1);
    int scans = t->scans;
    edit_student(t->other, s, "{\"name\": \"别处改名\"}");
    char *name = name_in_list(t->f->v, s);
    assert_string_equal(name, "别处改名");
    free(name);
    assert_true(t->scans > scans);
    assert_lists_agree(t);
}

static void test_merge_and_a_new_student(void **state)
{
    two *t = *state;
    assert_lists_agree(t);
    long long keep = nth_student(t->f->v, 0), from = nth_student(t->f->v, 2);
    if (from == keep)
        from = nth_student(t->f->v, 3);
    assert_true(from != keep);
    OK(cl_student_merge(t->f->v, keep, from));
    assert_lists_agree(t);
    /* A student added by the other connection, with a follow-up due. */
    json_t *fields =
        J("{\"number\": \"A0001\", \"name\": \"新来的\", \"class\": \"初一(1)班\", \"status\": \"active\"}");
    long long id;
    OK(cl_student_add(t->other, fields, false, &id));
    json_decref(fields);
    json_t *session = J("{\"occurred_at\": \"2026-11-19\", \"session_type\": \"individual\", \"risk_noted\": false,"
                        " \"follow_up\": \"2026-11-22\"}");
    OK(cl_record_add(t->other, "session", id, session, 0, NULL));
    json_decref(session);
    char *name = name_in_list(t->f->v, id);
    assert_string_equal(name, "新来的");
    free(name);
    assert_lists_agree(t);
}

/* Inside a write transaction the list reads through the join, so a change
 * rolled back never stays in the directory. */
static void test_write_rolled_back(void **state)
{
    two *t = *state;
    assert_lists_agree(t);
    long long s = nth_student(t->f->v, 0);
    sqlite3 *db = cl_vault_db(t->f->v);
    char *before = name_in_list(t->f->v, s);
    OK(cl_db_exec(db, "BEGIN IMMEDIATE"));
    char sql[128];
    snprintf(sql, sizeof sql, "UPDATE students SET name = '撤回的名字' WHERE id = %lld", s);
    OK(cl_db_exec(db, sql));
    char *during = name_in_list(t->f->v, s);
    assert_string_equal(during, "撤回的名字");
    OK(cl_db_exec(db, "ROLLBACK"));
    char *after = name_in_list(t->f->v, s);
    assert_string_equal(after, before);
    free(before);
    free(during);
    free(after);
    assert_lists_agree(t);
}

/* Ids far apart (a student written with an id of its own) are found by
 * search, as the dense ones by place; an id no student has is not. */
static void test_ids_far_apart(void **state)
{
    two *t = *state;
    sqlite3 *db = cl_vault_db(t->f->v);
    OK(cl_db_exec(db, "INSERT INTO students(id, number, name, class, created_at)"
                      " VALUES (100000, 'Z0001', '远号', '初一(2)班', '2026-11-01')"));
    OK(cl_db_exec(db, "BEGIN"));
    const cl_student_directory *d;
    OK(cl_student_directory_current(t->f->v, true, &d));
    assert_non_null(d);
    const cl_student_entry *far = cl_student_directory_find(d, 100000);
    assert_non_null(far);
    assert_string_equal(far->name.text, "远号");
    assert_memory_equal(far->name.json, "\"远号\"", far->name.json_len);
    assert_null(cl_student_directory_find(d, 99999));
    assert_null(cl_student_directory_find(d, 0));
    const cl_student_entry *first = cl_student_directory_find(d, 1);
    assert_non_null(first);
    assert_int_equal(first->id, 1);
    /* Z0001 sorts after every generated number (digits). */
    assert_true(far->rank > first->rank);
    OK(cl_db_exec(db, "ROLLBACK"));
}

/* Ids at the ends of their range (a vault file written by other hands:
 * SQLite takes any 64-bit id): the span between them and an id's place
 * from the first overflow a signed subtraction, yet every student is
 * found and the whole lists agree with the join (the sanitizer build
 * stops at the overflow). */
static void test_ids_at_the_ends(void **state)
{
    two *t = *state;
    sqlite3 *db = cl_vault_db(t->f->v);
    OK(cl_db_exec(db, "INSERT INTO students(id, number, name, class, created_at) VALUES"
                      " (-9223372036854775808, 'Z0002', '最小', '初一(2)班', '2026-11-01'),"
                      " (9223372036854775807, 'Z0003', '最大', '初一(2)班', '2026-11-01')"));
    assert_lists_agree(t);
    OK(cl_db_exec(db, "BEGIN"));
    const cl_student_directory *d;
    OK(cl_student_directory_current(t->f->v, true, &d));
    assert_non_null(d);
    const cl_student_entry *lowest = cl_student_directory_find(d, INT64_MIN);
    const cl_student_entry *highest = cl_student_directory_find(d, INT64_MAX);
    assert_non_null(lowest);
    assert_non_null(highest);
    assert_string_equal(lowest->name.text, "最小");
    assert_string_equal(highest->name.text, "最大");
    assert_non_null(cl_student_directory_find(d, 1));
    assert_null(cl_student_directory_find(d, INT64_MAX - 1));
    cl_student_directory_prefetch(d, INT64_MAX);
    cl_student_directory_prefetch(d, 1);
    OK(cl_db_exec(db, "ROLLBACK"));
}

/* Odd texts in the students' columns (written by other hands: the forms
 * would refuse some): quotes, backslashes, controls, an empty one, a
 * long one, a NUL inside, line separators and a bidi override. The whole
 * lists through the directory say byte for byte what the join says, both
 * as text and as objects. (A text not UTF-8 leaves its rows out of both,
 * but the attention page's counts, counted by SQL, still hold them.) */
static void test_odd_texts(void **state)
{
    two *t = *state;
    sqlite3 *db = cl_vault_db(t->f->v);
    static const char *const odd[] = {
        "name = 'a\"b\\c\u00e9'",
        "name = char(1, 9, 10, 31, 127) || '名', class = ''",
        "class = CAST(X'41004243' AS TEXT)",
        "name = printf('%.*c', 70000, '长'), number = number || '\"'",
        "number = number || char(8232, 8233, 65279, 8238)",
    };
    char sql[256];
    for (size_t i = 0; i < sizeof odd / sizeof *odd; i++) {
        snprintf(sql, sizeof sql, "UPDATE students SET %s WHERE id = %lld", odd[i], nth_student(t->f->v, i * 3));
        OK(cl_db_exec(db, sql));
    }
    assert_lists_agree(t);
}

/* A count of students that lies high (row_counts damaged by other hands:
 * the directory takes it as a hint only) beside ids far apart: the slots
 * a dense directory would take for the span between them neither wrap
 * their size in bytes (span times an entry's size past SIZE_MAX, once
 * under a guard of SIZE_MAX / 64) nor ask for terabytes; the whole lists
 * still say what the join says. */
static void count_lying_high(two *t, unsigned long long far_id)
{
    sqlite3 *db = cl_vault_db(t->f->v);
    char sql[512];
    snprintf(sql, sizeof sql,
             "INSERT INTO students(id, number, name, class, created_at)"
             " VALUES (%llu, 'Z0004', '远号', '初一(2)班', '2026-11-01');"
             "UPDATE row_counts SET n = %llu WHERE name = 'students'",
             far_id, far_id);
    OK(cl_db_exec(db, sql));
    assert_lists_agree(t);
    OK(cl_db_exec(db, "BEGIN"));
    const cl_student_directory *d;
    OK(cl_student_directory_current(t->f->v, true, &d));
    assert_non_null(d);
    const cl_student_entry *far = cl_student_directory_find(d, (long long)far_id);
    assert_non_null(far);
    assert_string_equal(far->name.text, "远号");
    assert_non_null(cl_student_directory_find(d, 1));
    assert_null(cl_student_directory_find(d, (long long)far_id - 1));
    OK(cl_db_exec(db, "ROLLBACK"));
}

static void test_count_lying_high_size_wraps(void **state)
{
    /* The first id is 1: this span times the entry's size is 2^64 and a
     * little, which wraps to less than one entry. */
    count_lying_high(*state, UINT64_MAX / sizeof(cl_student_entry) + 1);
}

static void test_count_lying_high_terabytes(void **state)
{
    count_lying_high(*state, 10000000000000ULL);
}

/* References written by other hands that no join matches: an open flag,
 * a follow-up and a late referral whose student id is a text (an integer
 * column keeps what does not read as a number) beside a student of id 0
 * (what such a text reads as, as an integer); and a risk level past an
 * int's range (CHECK constraints ignored). The whole lists leave out what
 * the join leaves out, and show the level as the join shows it. */
static void test_references_no_join_matches(void **state)
{
    two *t = *state;
    sqlite3 *db = cl_vault_db(t->f->v);
    long long flagged = nth_student(t->f->v, 0);
    char sql[1536];
    snprintf(sql, sizeof sql,
             "PRAGMA foreign_keys = OFF; PRAGMA ignore_check_constraints = ON;"
             "INSERT INTO students(id, number, name, class, created_at)"
             " VALUES (0, 'Z0000', '零号', '初一(2)班', '2026-11-01');"
             "INSERT INTO flags(student_id, record_id, flag, raised_at)"
             " VALUES ('x', 1, 'phq9_item9', '2026-11-19'), (%lld, 1, 'phq9_item9', '2026-11-19');"
             "INSERT INTO followups(record_id, student_id, kind, set_on, due_date, open)"
             " VALUES (999999, 'x', 'session', '2026-11-19', '2026-11-21', 1);"
             "UPDATE students SET risk_level = 4294967297 WHERE id = %lld;"
             "PRAGMA foreign_keys = ON; PRAGMA ignore_check_constraints = OFF",
             flagged, flagged);
    OK(cl_db_exec(db, sql));
    assert_lists_agree(t);
    /* The late referrals' rows (their count is SQL's, which holds every
     * row of referral_waits, as a page's does). */
    OK(cl_db_exec(db, "INSERT INTO referral_waits(record_id, state, since, student_id, occurred_at)"
                      " VALUES (999998, 'draft', '2026-11-01T08:00:00Z', 'x', '2026-11-01')"));
    json_t *tree, *page;
    OK(cl_agenda_attention(t->f->v, &tree));
    OK(cl_agenda_attention_page(t->other, WHOLE_AS_PAGE, NULL, &page));
    assert_true(json_equal(json_object_get(tree, "late_referrals"), json_object_get(page, "late_referrals")));
    json_decref(tree);
    json_decref(page);
}

/* Numbers that SQLite and strcmp order apart (written by other hands):
 * a NUL inside, after which they differ, and blobs (SQLite orders every
 * blob after every text). A whole due list orders a day's rows by the
 * students' ranks (SQLite's order of numbers), a page by the numbers its
 * join read: the two say the same. */
static void test_numbers_ordered_as_sqlite_orders_them(void **state)
{
    two *t = *state;
    sqlite3 *db = cl_vault_db(t->f->v);
    OK(cl_db_exec(db, "UPDATE students SET number = 'A' || char(0) || printf('%05d', 100000 - id) WHERE id % 3 = 0;"
                      "UPDATE students SET number = CAST('0' || number AS BLOB) WHERE id % 3 = 1"));
    assert_lists_agree(t);
}

/* The attention list, whole (through the directory, as objects and as
 * text) and as a page (through the join), refuses a student's text that
 * is not UTF-8 (written by other hands) with a message that names the
 * student and the way to mend it: never "out of memory". */
static void assert_attention_names(two *t, long long id)
{
    char want[96];
    snprintf(want, sizeof want, "student #%lld's number, name or class is not UTF-8", id);
    char edit[64];
    snprintf(edit, sizeof edit, "carelog student edit %lld", id);
    json_t *out = NULL;
    assert_int_equal(cl_agenda_attention(t->f->v, &out), CL_EDATA);
    assert_non_null(strstr(cl_error_message(), want));
    assert_non_null(strstr(cl_error_message(), edit));
    cl_buf written = {0};
    assert_int_equal(cl_agenda_attention_write(t->f->v, keep_text, &written), CL_EDATA);
    assert_non_null(strstr(cl_error_message(), want));
    cl_buf_free(&written);
    assert_int_equal(cl_agenda_attention_page(t->other, WHOLE_AS_PAGE, NULL, &out), CL_EDATA);
    assert_non_null(strstr(cl_error_message(), want));
}

static void test_text_not_utf8_named(void **state)
{
    two *t = *state;
    sqlite3 *db = cl_vault_db(t->f->v);
    long long flagged = nth_student(t->f->v, 0), referred = nth_student(t->f->v, 1);
    if (referred == flagged)
        referred = nth_student(t->f->v, 2);
    char sql[768];
    snprintf(sql, sizeof sql,
             "PRAGMA foreign_keys = OFF;"
             "INSERT INTO flags(student_id, record_id, flag, raised_at) VALUES (%lld, 1, 'phq9_item9', '2026-11-19');"
             "UPDATE students SET name = CAST(X'E5FF' AS TEXT) WHERE id = %lld;"
             "INSERT INTO referral_waits(record_id, state, since, student_id, occurred_at)"
             " VALUES (999998, 'draft', '2026-11-01T08:00:00Z', %lld, '2026-11-01');"
             "UPDATE students SET class = CAST(X'C0' AS TEXT) WHERE id = %lld;"
             "PRAGMA foreign_keys = ON",
             flagged, flagged, referred, referred);
    OK(cl_db_exec(db, sql));
    assert_attention_names(t, flagged);
    OK(cl_db_exec(db, "UPDATE flags SET cleared_at = '2026-11-20' WHERE cleared_at IS NULL"));
    assert_attention_names(t, referred);
}

/* The referral list and a referral's history say the same of a student
 * whose text is not UTF-8: never "out of memory". */
static void test_referral_text_not_utf8_named(void **state)
{
    two *t = *state;
    cl_vault *v = t->f->v;
    long long s = nth_student(v, 0), id;
    json_t *referral = J("{\"occurred_at\": \"2026-11-18\", \"concerns\": [\"self_harm\"],"
                         " \"reason\": \"学生透露有自伤计划\", \"urgency\": \"urgent\","
                         " \"what\": \"课间，学生对班主任说……\", \"guardians_informed\": true,"
                         " \"agency\": \"protection_station\"}");
    OK(cl_record_add(v, "referral", s, referral, 0, &id));
    json_decref(referral);
    char sql[128], want[96];
    snprintf(sql, sizeof sql, "UPDATE students SET number = CAST(X'FE' AS TEXT) WHERE id = %lld", s);
    OK(cl_db_exec(cl_vault_db(v), sql));
    snprintf(want, sizeof want, "student #%lld's number, name or class is not UTF-8", s);
    json_t *out = NULL;
    assert_int_equal(cl_referral_list(v, false, &out), CL_EDATA);
    assert_non_null(strstr(cl_error_message(), want));
    assert_int_equal(cl_referral_history(v, id, &out), CL_EDATA);
    assert_non_null(strstr(cl_error_message(), want));
}

/* Outside a transaction the directory's reads (the ids' bounds, then the
 * scan) would be two snapshots: a student another connection added
 * between them made a dense directory fail with "the index of students'
 * numbers does not match", which was untrue. There is no directory there
 * (the list joins). */
static int add_student_before_the_scan(unsigned type, void *ctx, void *p, void *x)
{
    (void)type, (void)x;
    two *t = ctx;
    const char *sql = sqlite3_sql((sqlite3_stmt *)p);
    if (sql && strcmp(sql, DIRECTORY_SQL) == 0 && t->scans++ == 0) {
        json_t *fields = J("{\"number\": \"A0002\", \"name\": \"扫描间\", \"class\": \"初一(1)班\","
                           " \"status\": \"active\"}");
        long long id;
        OK(cl_student_add(t->other, fields, false, &id));
        json_decref(fields);
    }
    return 0;
}

static void test_no_directory_outside_a_transaction(void **state)
{
    two *t = *state;
    sqlite3 *db = cl_vault_db(t->f->v);
    sqlite3_trace_v2(db, SQLITE_TRACE_STMT, add_student_before_the_scan, t);
    t->scans = 0;
    assert_true(sqlite3_get_autocommit(db));
    const cl_student_directory *d = NULL;
    OK(cl_student_directory_current(t->f->v, true, &d));
    assert_null(d);
    sqlite3_trace_v2(db, SQLITE_TRACE_STMT, count_scans, t);
    assert_lists_agree(t);
}

/* One student left, then none (the others deleted by other hands, with
 * the rows the lists read of them: the pages' counts, which SQL counts
 * without the join, would still hold those): a directory of one slot,
 * then an empty one, and the whole lists still say what the join says. */
static void test_one_student_then_none(void **state)
{
    two *t = *state;
    sqlite3 *db = cl_vault_db(t->f->v);
    long long kept = nth_student(t->f->v, 0);
    char sql[160];
    static const char orphans[] = "DELETE FROM followups WHERE student_id NOT IN (SELECT id FROM students);"
                                  "DELETE FROM student_state WHERE student_id NOT IN (SELECT id FROM students);"
                                  "DELETE FROM flags WHERE student_id NOT IN (SELECT id FROM students);"
                                  "DELETE FROM referral_waits WHERE student_id NOT IN (SELECT id FROM students)";
    snprintf(sql, sizeof sql, "PRAGMA foreign_keys = OFF; DELETE FROM students WHERE id <> %lld", kept);
    OK(cl_db_exec(db, sql));
    OK(cl_db_exec(db, orphans));
    assert_true(assert_lists_agree(t) > 0);
    OK(cl_db_exec(db, "DELETE FROM students"));
    OK(cl_db_exec(db, orphans));
    OK(cl_db_exec(db, "PRAGMA foreign_keys = ON"));
    assert_int_equal(assert_lists_agree(t), 0);
}

/* The students of a section of the attention list, distinct, in its
 * order. */
static size_t section_students(json_t *tree, const char *section, long long *out, size_t max)
{
    size_t n = 0, i;
    json_t *row;
    json_array_foreach(json_object_get(tree, section), i, row) {
        long long id = json_integer_value(json_object_get(row, "student_id"));
        bool seen = false;
        for (size_t k = 0; k < n; k++)
            seen = seen || out[k] == id;
        if (!seen && n < max)
            out[n++] = id;
    }
    return n;
}

static const char *name_in_section(json_t *tree, const char *section, long long id)
{
    size_t i;
    json_t *row;
    json_array_foreach(json_object_get(tree, section), i, row)
        if (json_integer_value(json_object_get(row, "student_id")) == id)
            return json_string_value(json_object_get(row, "name"));
    return NULL;
}

/* The open flags, the crisis-level students and the late referrals of a
 * whole attention list read their students from the directory as the due
 * list does: the flags of a student closed, transferred or merged into
 * another are left out as the join leaves them out, and a new name shows
 * in every section. */
static void test_every_section(void **state)
{
    two *t = *state;
    cl_vault *v = t->f->v;
    /* Screenings that raise a flag for four students, an assessment at
     * crisis level with no session since. */
    for (size_t i = 0; i < 4; i++) {
        json_t *phq9 = J("{\"occurred_at\": \"2026-11-18\", \"q1\": 2, \"q2\": 2, \"q3\": 1, \"q4\": 1,"
                         " \"q5\": 1, \"q6\": 1, \"q7\": 1, \"q8\": 0, \"q9\": 1}");
        OK(cl_record_add(v, "phq9", nth_student(v, i * 2), phq9, 0, NULL));
        json_decref(phq9);
    }
    json_t *fields =
        J("{\"number\": \"C0001\", \"name\": \"危机生\", \"class\": \"初一(1)班\", \"status\": \"active\"}");
    long long at_crisis;
    OK(cl_student_add(v, fields, false, &at_crisis));
    json_decref(fields);
    json_t *a = J("{\"occurred_at\": \"2026-10-01\", \"risk_level\": 3, \"misconduct_tier\": \"none\","
                  " \"reasons\": \"评估\", \"safety_plan\": true, \"follow_up\": \"2026-12-21\"}");
    OK(cl_record_add(v, "assessment", at_crisis, a, 0, NULL));
    json_decref(a);
    /* A referral drafted two days ago and never reported: late. */
    setenv("CARELOG_TEST_NOW", "2026-11-18T08:00:00Z", 1);
    json_t *referral = J("{\"occurred_at\": \"2026-11-18\", \"concerns\": [\"self_harm\"],"
                         " \"reason\": \"学生透露有自伤计划\", \"urgency\": \"urgent\","
                         " \"what\": \"课间，学生对班主任说……\", \"guardians_informed\": true,"
                         " \"agency\": \"protection_station\"}");
    OK(cl_record_add(v, "referral", nth_student(v, 5), referral, 0, NULL));
    json_decref(referral);
    setenv("CARELOG_TEST_NOW", "2026-11-20T08:00:00Z", 1);
    json_t *tree;
    OK(cl_agenda_attention(v, &tree));
    long long flagged[4], crisis[1], late[1];
    size_t n_flags = json_array_size(json_object_get(tree, "flags"));
    assert_int_equal(section_students(tree, "flags", flagged, 4), 4);
    assert_int_equal(section_students(tree, "crisis", crisis, 1), 1);
    assert_int_equal(section_students(tree, "late_referrals", late, 1), 1);
    json_decref(tree);
    assert_lists_agree(t);

    edit_student(v, crisis[0], "{\"name\": \"危机改名\"}");
    edit_student(v, late[0], "{\"name\": \"转介改名\"}");
    assert_lists_agree(t);
    OK(cl_agenda_attention(v, &tree));
    assert_string_equal(name_in_section(tree, "crisis", crisis[0]), "危机改名");
    assert_string_equal(name_in_section(tree, "late_referrals", late[0]), "转介改名");
    json_decref(tree);

    edit_student(v, flagged[0], "{\"status\": \"closed\"}");
    edit_student(v, flagged[1], "{\"status\": \"transferred\"}");
    OK(cl_student_merge(v, flagged[3], flagged[2]));
    assert_lists_agree(t);
    OK(cl_agenda_attention(v, &tree));
    long long after[64];
    size_t n = section_students(tree, "flags", after, 64);
    for (size_t i = 0; i < n; i++)
        assert_true(after[i] != flagged[0] && after[i] != flagged[1] && after[i] != flagged[2]);
    assert_true(json_array_size(json_object_get(tree, "flags")) < n_flags);
    json_decref(tree);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_directory_read_once_while_nothing_changes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_changes_through_this_connection, setup, teardown),
        cmocka_unit_test_setup_teardown(test_changes_through_another_connection, setup, teardown),
        cmocka_unit_test_setup_teardown(test_merge_and_a_new_student, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_rolled_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ids_far_apart, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ids_at_the_ends, setup, teardown),
        cmocka_unit_test_setup_teardown(test_odd_texts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_count_lying_high_size_wraps, setup, teardown),
        cmocka_unit_test_setup_teardown(test_count_lying_high_terabytes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_references_no_join_matches, setup, teardown),
        cmocka_unit_test_setup_teardown(test_numbers_ordered_as_sqlite_orders_them, setup, teardown),
        cmocka_unit_test_setup_teardown(test_text_not_utf8_named, setup, teardown),
        cmocka_unit_test_setup_teardown(test_referral_text_not_utf8_named, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_directory_outside_a_transaction, setup, teardown),
        cmocka_unit_test_setup_teardown(test_one_student_then_none, setup, teardown),
        cmocka_unit_test_setup_teardown(test_every_section, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
