/* The derived state (follow-up obligations, each student's state) always
 * equals a recomputation from the records: random sequences of adds,
 * edits, signs, amendments, merges, closes, flag clears and referral moves
 * on a generated vault; the check notices a difference and repair mends
 * it; the schema upgrade computes it for an existing vault in one
 * transaction, and a failed upgrade leaves the vault as it was. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <time.h>

#include "carelog/followup.h"
#include "carelog/referral.h"
#include "carelog/search.h"
#include "carelog/storage.h"
#include "carelog/synth.h"
#include "record_fixture.h"

static int setup(void **state)
{
    setenv("TZ", "UTC", 1);
    tzset();
    setenv("CARELOG_TEST_NOW", "2026-11-20T08:00:00Z", 1);
    return fixture_setup(state);
}

static int teardown(void **state)
{
    unsetenv("CARELOG_TEST_NOW");
    return fixture_teardown(state);
}

/* A random row of `sql` (first column), 0 when there is none. */
static long long pick(sqlite3 *db, cl_synth_rng *rng, const char *sql)
{
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
    long long ids[4096];
    size_t n = 0;
    while (sqlite3_step(q) == SQLITE_ROW && n < 4096)
        ids[n++] = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return n ? ids[cl_synth_below(rng, (uint32_t)n)] : 0;
}

static long long version_of(sqlite3 *db, long long id)
{
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT version FROM records WHERE id = ?", -1, &q, NULL), SQLITE_OK);
    sqlite3_bind_int64(q, 1, id);
    long long v = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
    sqlite3_finalize(q);
    return v;
}

/* A day in the autumn term, as YYYY-MM-DD: 2026-09-01 + d. */
static void day(char out[16], unsigned d)
{
    unsigned month = 9 + (d / 30) % 3, dom = 1 + d % 30;
    snprintf(out, 16, "2026-%02u-%02u", month, dom);
}

static void add(cl_vault *v, const char *kind, long long s, const char *text)
{
    json_t *fields = J(text);
    cl_record_add(v, kind, s, fields, 0, NULL);
    json_decref(fields);
}

static void edit(cl_vault *v, long long r, const char *text)
{
    json_t *changes = J(text);
    cl_record_edit(v, r, version_of(cl_vault_db(v), r), changes, NULL);
    json_decref(changes);
}

static void one_step(cl_vault *v, cl_synth_rng *rng)
{
    sqlite3 *db = cl_vault_db(v);
    char on[16], until[16], text[512];
    day(on, cl_synth_below(rng, 80));
    day(until, cl_synth_below(rng, 89));
    long long s = pick(db, rng, "SELECT id FROM students WHERE merged_into IS NULL");
    long long r = pick(db, rng, "SELECT id FROM records WHERE kind IN ('session', 'contact', 'assessment',"
                                " 'observation', 'review', 'plan')");
    switch (cl_synth_below(rng, 10)) {
    case 0:
        snprintf(text, sizeof text, "{\"occurred_at\": \"%s\", \"session_type\": \"individual\", \"risk_noted\": false,"
                                    " \"follow_up\": \"%s\"}", on, until);
        add(v, "session", s, text);
        break;
    case 1: /* a family call, with its own follow-up now and then */
        if (cl_synth_chance(rng, 500))
            snprintf(text, sizeof text, "{\"occurred_at\": \"%s\", \"who\": \"父亲\", \"channel\": \"phone\","
                                        " \"summary\": \"电话\", \"follow_up\": \"%s\"}", on, until);
        else
            snprintf(text, sizeof text, "{\"occurred_at\": \"%s\", \"who\": \"父亲\", \"channel\": \"phone\","
                                        " \"summary\": \"电话\"}", on);
        add(v, "contact", s, text);
        break;
    case 2:
        snprintf(text, sizeof text, "{\"occurred_at\": \"%s\", \"risk_level\": %u, \"misconduct_tier\": \"none\","
                                    " \"reasons\": \"评估\", \"safety_plan\": true, \"follow_up\": \"%s\"}", on,
                 cl_synth_below(rng, 4), until);
        add(v, "assessment", s, text);
        break;
    case 3: /* a new date, a date removed, or a record moved in time */
        snprintf(text, sizeof text, cl_synth_chance(rng, 300) ? "{\"follow_up\": null}"
                                    : cl_synth_chance(rng, 500) ? "{\"follow_up\": \"%s\"}" : "{\"occurred_at\": \"%s\"}",
                 cl_synth_chance(rng, 500) ? until : on);
        edit(v, r, text);
        break;
    case 4:
        cl_record_sign(v, r, version_of(db, r));
        cl_record_amend(v, r, "补充说明");
        break;
    case 5: {
        long long other = pick(db, rng, "SELECT id FROM students WHERE merged_into IS NULL");
        if (other != s && cl_synth_chance(rng, 300))
            cl_student_merge(v, s, other);
        break;
    }
    case 6:
        if (cl_synth_chance(rng, 300))
            cl_student_close(v, s, cl_synth_chance(rng, 500) ? "closed" : "transferred", "学期结束");
        break;
    case 7: {
        long long flag = pick(db, rng, "SELECT id FROM flags WHERE cleared_at IS NULL");
        if (flag)
            cl_student_clear_flag(v, flag, "已评估");
        long long due = pick(db, rng, "SELECT record_id FROM followups WHERE open");
        if (due)
            cl_followup_close(v, due, "不再需要");
        break;
    }
    case 8: {
        static const char *const states[] = {"reported", "acknowledged", "handling", "support", "closed", "withdrawn"};
        long long ref = pick(db, rng, "SELECT id FROM records WHERE kind = 'referral'");
        if (ref)
            cl_referral_move(v, ref, states[cl_synth_below(rng, 6)], "进展");
        break;
    }
    default: /* details edited: status or circumstances */
        snprintf(text, sizeof text, cl_synth_chance(rng, 500) ? "{\"status\": \"monitoring\"}"
                                                              : "{\"circumstances\": [\"left_behind\"]}");
        {
            json_t *got = NULL;
            json_t *changes = J(text);
            if (cl_student_get(v, s, &got) == CL_OK)
                cl_student_edit(v, s, json_integer_value(json_object_get(got, "version")), changes, NULL);
            json_decref(changes);
            json_decref(got);
        }
        break;
    }
    cl_error_clear();
}

static void test_random_sequences(void **state)
{
    fixture *f = *state;
    cl_synth_options opt = {.students = 25, .seed = 7, .months = 3};
    OK(cl_synth_fill(f->v, &opt, NULL));
    OK(cl_followup_recompute_check(f->v, false));
    cl_synth_rng rng;
    cl_synth_rng_seed(&rng, 42);
    for (int batch = 0; batch < 12; batch++) {
        for (int i = 0; i < 25; i++)
            one_step(f->v, &rng);
        cl_status st = cl_followup_recompute_check(f->v, false);
        if (st != CL_OK)
            fprintf(stderr, "batch %d: %s\n", batch, cl_error_message());
        assert_int_equal(st, CL_OK);
    }
    /* Some obligations are open, some met, some closed: the run meant something. */
    sqlite3 *db = cl_vault_db(f->v);
    assert_true(pick(db, &rng, "SELECT 1 FROM followups WHERE open") != 0);
    assert_true(pick(db, &rng, "SELECT 1 FROM followups WHERE met_by IS NOT NULL") != 0);
    assert_true(pick(db, &rng, "SELECT 1 FROM followups WHERE closed_at IS NOT NULL") != 0);
    assert_true(pick(db, &rng, "SELECT 1 FROM students WHERE merged_into IS NOT NULL") != 0);
}

static void test_check_notices(void **state)
{
    fixture *f = *state;
    cl_synth_options opt = {.students = 10, .seed = 3, .months = 3};
    OK(cl_synth_fill(f->v, &opt, NULL));
    sqlite3 *db = cl_vault_db(f->v);
    static const char *const damage[] = {
        "UPDATE followups SET open = 1 - open WHERE record_id = (SELECT min(record_id) FROM followups)",
        "DELETE FROM followups WHERE record_id = (SELECT max(record_id) FROM followups)",
        "UPDATE student_state SET last_contact = '2000-01-01' WHERE student_id = (SELECT min(student_id) FROM student_state)",
        "UPDATE student_state SET policy_due = NULL WHERE policy_due IS NOT NULL",
        "UPDATE student_state SET last_session = '2000-01-01' WHERE student_id = (SELECT max(student_id) FROM student_state)",
        "UPDATE row_counts SET n = n + 1 WHERE name = 'records'",
        "DELETE FROM student_circumstances WHERE record_id = (SELECT min(record_id) FROM student_circumstances)",
        "INSERT INTO student_circumstances VALUES ('not_a_circumstance', (SELECT max(record_id) FROM student_circumstances))",
        "UPDATE referral_waits SET since = '2000-01-01T00:00:00Z' WHERE record_id = (SELECT min(record_id) FROM referral_waits)",
        "UPDATE referral_waits SET state = 'not_a_state' WHERE record_id = (SELECT max(record_id) FROM referral_waits)",
        "DELETE FROM referral_waits WHERE record_id = (SELECT max(record_id) FROM referral_waits)",
        "UPDATE referral_waits SET agency = 'police' WHERE record_id = (SELECT min(record_id) FROM referral_waits)",
        "UPDATE referral_waits SET urgency = NULL WHERE record_id = (SELECT max(record_id) FROM referral_waits)",
        "UPDATE referral_waits SET student_id = student_id + 1 WHERE record_id = (SELECT min(record_id) FROM referral_waits)",
    };
    for (size_t i = 0; i < sizeof damage / sizeof damage[0]; i++) {
        OK(cl_db_exec(db, damage[i]));
        assert_true(sqlite3_changes(db) > 0);
        assert_int_equal(cl_followup_recompute_check(f->v, false), CL_EDATA);
        assert_non_null(strstr(cl_error_message(), "verify-derived --repair"));
        OK(cl_followup_recompute_check(f->v, true));
        OK(cl_followup_recompute_check(f->v, false));
    }
}

/* The first schema entry of the derived state: the upgrade starts there
 * (other entries may come before or after it). */
static int derived_entry(void)
{
    for (int i = 0; cl_schema_migrations[i]; i++)
        if (strstr(cl_schema_migrations[i], "CREATE TABLE followup_meets"))
            return i;
    fail_msg("no schema entry creates followup_meets");
    return -1;
}

/* A plain database at the schema just before the derived state, with one
 * left-behind student: a session on 11-02 planned 11-09, a call with the
 * family on 11-05, a session on 11-06. */
static sqlite3 *old_vault_at(const char *path)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    OK(cl_search_register(db)); /* as cl_db_open does: later entries index text */
    int first = derived_entry();
    for (int i = 0; i < first; i++)
        OK(cl_db_exec(db, cl_schema_migrations[i]));
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA user_version = %d", first);
    OK(cl_db_exec(db, sql));
    OK(cl_db_exec(db, "INSERT INTO students(id, record_id, number, name, created_at) VALUES"
                      " (1, 1, '20260001', '张小明', '2026-10-01T08:00:00Z');"
                      "INSERT INTO records(id, student_id, kind, author, occurred_at, created_at, updated_at, updated_by,"
                      " form_id, fields, follow_up) VALUES"
                      " (1, 1, 'student', 'w', '2026-10-01', 'x', 'x', 'w', 1, '{\"circumstances\": [\"left_behind\"]}', NULL),"
                      " (2, 1, 'session', 'w', '2026-11-02', 'x', 'x', 'w', 1, '{}', '2026-11-09'),"
                      " (3, 1, 'contact', 'w', '2026-11-05', 'x', 'x', 'w', 1, '{}', '2026-11-20'),"
                      " (4, 1, 'session', 'w', '2026-11-06', 'x', 'x', 'w', 1, '{}', NULL);"));
    return db;
}

static sqlite3 *old_vault(void)
{
    return old_vault_at(":memory:");
}

static char *one_row(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    char *text = strdup((const char *)sqlite3_column_text(q, 0));
    sqlite3_finalize(q);
    return text;
}

static void expect_row(sqlite3 *db, const char *sql, const char *want)
{
    char *got = one_row(db, sql);
    assert_string_equal(got, want);
    free(got);
}

/* What a front was told of an upgrade: its ends, and the schema named. */
typedef struct upgrade_seen {
    int done, stopped, schema;
} upgrade_seen;

static void upgrade_told(cl_upgrade_phase phase, int schema, unsigned long steps, void *ctx)
{
    (void)steps;
    upgrade_seen *seen = ctx;
    seen->schema = schema;
    seen->done += phase == CL_UPGRADE_DONE;
    seen->stopped += phase == CL_UPGRADE_STOPPED;
}

static void test_upgrade(void **state)
{
    (void)state;
    sqlite3 *db = old_vault();
    upgrade_seen seen = {0};
    cl_db_on_upgrade(upgrade_told, &seen);
    OK(cl_db_migrate(db));
    assert_int_equal(seen.done, 1);
    assert_int_equal(seen.stopped, 0);
    assert_int_equal(seen.schema, cl_db_schema_version());
    expect_row(db, "SELECT group_concat(record_id || ':' || coalesce(met_by, '-') || ':' || open, ' ')"
                   " FROM (SELECT * FROM followups ORDER BY record_id)", "2:4:0 3:-:1");
    expect_row(db, "SELECT last_contact || ' ' || policy_value || ' ' || policy_due || ' ' || next_due || ' ' ||"
                   " last_session FROM student_state WHERE student_id = 1",
               "2026-11-06 left_behind 2026-12-06 2026-11-20 2026-11-06");
    expect_row(db, "SELECT n FROM row_counts WHERE name = 'records'", "4");
    /* The re-indexing entries turn FTS5's secure-delete off for their bulk
     * delete: the upgraded index has it on again. */
    expect_row(db, "SELECT v FROM search_fts_config WHERE k = 'secure-delete'", "1");
    char want[16];
    snprintf(want, sizeof want, "%d", cl_db_schema_version());
    expect_row(db, "PRAGMA user_version", want);
    cl_db_close(db); /* with its cached statements */

    /* An upgrade that fails part-way changes nothing: a table in the way
     * of a later entry fails it after the first ran. */
    db = old_vault();
    OK(cl_db_exec(db, "CREATE TABLE student_state (x)"));
    assert_int_not_equal(cl_db_migrate(db), CL_OK);
    assert_int_equal(seen.stopped, 1);
    cl_db_on_upgrade(NULL, NULL);
    snprintf(want, sizeof want, "%d", derived_entry());
    expect_row(db, "PRAGMA user_version", want);
    expect_row(db, "SELECT count(*) FROM sqlite_schema WHERE name IN ('followup_meets', 'followups')", "0");
    OK(cl_db_exec(db, "DROP TABLE student_state"));
    OK(cl_db_migrate(db));
    expect_row(db, "SELECT count(*) FROM followups", "2");
    cl_db_close(db); /* with its cached statements */
}

/* The other carelog of test_upgrade_twice: it held the write lock while
 * the first read the old version, and upgrades while the first waits. */
typedef struct other_opener {
    sqlite3 *db;
    int calls;
    cl_status st;
} other_opener;

static int other_upgrades(void *arg, int tries)
{
    other_opener *o = arg;
    if (o->calls++ == 0) {
        sqlite3_exec(o->db, "ROLLBACK", NULL, NULL, NULL);
        o->st = cl_db_migrate(o->db);
    }
    return tries < 20;
}

/* Two carelogs opening the same old vault at once: the one that waited
 * for the lock finds it upgraded and runs no entry a second time. */
static void test_upgrade_twice(void **state)
{
    fixture *f = *state;
    char path[160];
    snprintf(path, sizeof path, "%s/two.db", f->dir);
    sqlite3 *first = old_vault_at(path), *second;
    assert_int_equal(sqlite3_open(path, &second), SQLITE_OK);
    OK(cl_search_register(second));
    OK(cl_db_exec(second, "BEGIN IMMEDIATE"));
    other_opener o = {second, 0, CL_ESOFTWARE};
    sqlite3_busy_handler(first, other_upgrades, &o);
    cl_status st = cl_db_migrate(first);
    if (st != CL_OK)
        fprintf(stderr, "the waiting upgrade: %s\n", cl_error_message());
    assert_int_equal(o.calls > 0, 1); /* it did wait for the other */
    OK(o.st);
    OK(st);
    char want[16];
    snprintf(want, sizeof want, "%d", cl_db_schema_version());
    expect_row(first, "PRAGMA user_version", want);
    expect_row(first, "SELECT count(*) FROM followups", "2");
    cl_db_close(second);
    cl_db_close(first);
}

/* The day n days after a YYYY-MM-DD date. */
static void day_after(const char *date, int n, char out[16])
{
    struct tm tm = {.tm_hour = 12};
    assert_int_equal(sscanf(date, "%d-%d-%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday), 3);
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    time_t t = timegm(&tm) + (time_t)n * 86400;
    gmtime_r(&t, &tm);
    strftime(out, 16, "%Y-%m-%d", &tm);
}

/* The first column of the first row of sql, with ?1 and ?2 bound to id. */
static long long count_of(sqlite3 *db, const char *sql, long long id)
{
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
    if (sqlite3_bind_parameter_count(q) >= 1)
        sqlite3_bind_int64(q, 1, id);
    if (sqlite3_bind_parameter_count(q) >= 2)
        sqlite3_bind_int64(q, 2, id);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    long long n = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return n;
}

/* SQLite's virtual machine steps a call runs: a count of work that does
 * not depend on the machine's speed or load. */
static int count_step(void *ctx)
{
    ++*(long long *)ctx;
    return 0;
}

/* The steps of adding a session to the student, then of moving its
 * planned date (an edit); *id: the session. */
static void steps_of_a_session(cl_vault *v, long long student, long long *adding, long long *editing)
{
    sqlite3 *db = cl_vault_db(v);
    *adding = *editing = 0;
    sqlite3_progress_handler(db, 1, count_step, adding);
    add(v, "session", student, "{\"occurred_at\": \"2026-11-19\", \"session_type\": \"individual\","
                               " \"risk_noted\": false, \"follow_up\": \"2026-11-26\"}");
    sqlite3_progress_handler(db, 0, NULL, NULL);
    long long id = sqlite3_last_insert_rowid(db);
    assert_int_equal(count_of(db, "SELECT count(*) FROM records WHERE id = ? AND kind = 'session' AND ? > 0", id), 1);
    sqlite3_progress_handler(db, 1, count_step, editing);
    edit(v, id, "{\"follow_up\": \"2026-11-27\"}");
    sqlite3_progress_handler(db, 0, NULL, NULL);
    assert_int_equal(count_of(db, "SELECT count(*) FROM followups WHERE record_id = ? AND due_date = '2026-11-27'"
                                  " AND ? > 0", id), 1);
}

static long long a_student(cl_vault *v, const char *number)
{
    char text[160];
    snprintf(text, sizeof text, "{\"number\": \"%s\", \"name\": \"学生%s\", \"class\": \"初二(3)班\"}", number,
             number);
    json_t *fields = J(text);
    long long id = 0;
    OK(cl_student_add(v, fields, false, &id));
    json_decref(fields);
    return id;
}

/* A record add or edit does the same work for a student with a year of
 * history as for a new one: only the obligations the new record can change are
 * recomputed, each by index seeks (the whole history again was 30 times
 * the work at 300 records). */
static void test_write_cost_flat(void **state)
{
    fixture *f = *state;
    long long fresh = a_student(f->v, "20260001"), long_history = a_student(f->v, "20260002");
    OK(cl_db_begin(cl_vault_db(f->v)));
    for (int i = 0; i < 300; i++) {
        char on[16], until[16], text[256];
        day_after("2025-12-01", i, on);
        day_after("2025-12-01", i + 7, until);
        if (i % 3 == 0)
            snprintf(text, sizeof text, "{\"occurred_at\": \"%s\", \"session_type\": \"individual\","
                                        " \"risk_noted\": false, \"follow_up\": \"%s\"}", on, until);
        else if (i % 3 == 1)
            snprintf(text, sizeof text, "{\"occurred_at\": \"%s\", \"who\": \"父亲\", \"channel\": \"phone\","
                                        " \"summary\": \"电话\", \"follow_up\": \"%s\"}", on, until);
        else
            snprintf(text, sizeof text, "{\"occurred_at\": \"%s\", \"session_type\": \"group\","
                                        " \"risk_noted\": false}", on);
        add(f->v, i % 3 == 1 ? "contact" : "session", long_history, text);
    }
    OK(cl_db_commit(cl_vault_db(f->v)));
    assert_int_equal(count_of(cl_vault_db(f->v), "SELECT count(*) FROM records WHERE student_id = ?", long_history),
                     301);
    long long few, many, few_edit, many_edit;
    steps_of_a_session(f->v, fresh, &few, &few_edit); /* the statements prepared once */
    steps_of_a_session(f->v, fresh, &few, &few_edit);
    steps_of_a_session(f->v, long_history, &many, &many_edit);
    if (many > few + few / 4 || many_edit > few_edit + few_edit / 4)
        fprintf(stderr, "record add: %lld steps for a new student, %lld for one with 300 records; edit: %lld, %lld\n",
                few, many, few_edit, many_edit);
    assert_true(many <= few + few / 4);
    assert_true(many_edit <= few_edit + few_edit / 4);
    OK(cl_followup_recompute_check(f->v, false));
}

/* The view `name` as the schema entry holding `marker` wrote it, as the
 * temporary view `as`. */
static void view_as_written(sqlite3 *db, const char *marker, const char *name, const char *as)
{
    int entry = -1;
    for (int i = 0; cl_schema_migrations[i] && entry < 0; i++)
        if (strstr(cl_schema_migrations[i], marker))
            entry = i;
    assert_true(entry >= 0);
    char *create = sqlite3_mprintf("CREATE VIEW %s AS", name);
    const char *start = strstr(cl_schema_migrations[entry], create);
    assert_non_null(start);
    const char *body = start + strlen(create), *end = strchr(start, ';');
    assert_non_null(end);
    char *sql = sqlite3_mprintf("CREATE TEMP VIEW %s AS %.*s", as, (int)(end - body), body);
    OK(cl_db_exec(db, sql));
    sqlite3_free(sql);
    sqlite3_free(create);
}

/* The columns `b` has, compared both ways: a later entry may add columns
 * to a view (student_state's last session), never change the first ones. */
static void expect_same_rows(sqlite3 *db, const char *a, const char *b)
{
    sqlite3_stmt *st;
    char *probe = sqlite3_mprintf("SELECT * FROM %s", b);
    assert_int_equal(sqlite3_prepare_v2(db, probe, -1, &st, NULL), SQLITE_OK);
    char *cols = sqlite3_mprintf("%s", "");
    for (int i = 0; i < sqlite3_column_count(st); i++) {
        char *more = sqlite3_mprintf("%s%s\"%w\"", cols, i ? ", " : "", sqlite3_column_name(st, i));
        sqlite3_free(cols);
        cols = more;
    }
    sqlite3_finalize(st);
    sqlite3_free(probe);
    char *sql = sqlite3_mprintf("SELECT count(*) FROM (SELECT %s FROM %s EXCEPT SELECT %s FROM %s) WHERE ? = ?", cols,
                                a, cols, b);
    assert_int_equal(count_of(db, sql, 0), 0);
    sqlite3_free(sql);
    sql = sqlite3_mprintf("SELECT count(*) FROM (SELECT %s FROM %s EXCEPT SELECT %s FROM %s) WHERE ? = ?", cols, b,
                          cols, a);
    assert_int_equal(count_of(db, sql, 0), 0);
    sqlite3_free(sql);
    sqlite3_free(cols);
}

/* The rules as first written (the schema entries of the derived state),
 * beside the views they are now said as (index seeks): equal on random
 * histories, met and unmet, merged and closed. */
static void test_views_as_first_written(void **state)
{
    fixture *f = *state;
    cl_synth_options opt = {.students = 25, .seed = 11, .months = 3};
    OK(cl_synth_fill(f->v, &opt, NULL));
    cl_synth_rng rng;
    cl_synth_rng_seed(&rng, 5);
    for (int i = 0; i < 200; i++)
        one_step(f->v, &rng);
    sqlite3 *db = cl_vault_db(f->v);
    view_as_written(db, "CREATE TABLE followup_meets", "followups_computed", "followups_first_written");
    view_as_written(db, "CREATE TABLE student_state (", "student_state_computed", "state_first_written");
    assert_true(count_of(db, "SELECT count(*) FROM followups_computed WHERE met_by IS NOT NULL AND ? = ?", 0) > 50);
    assert_true(count_of(db, "SELECT count(*) FROM followups_computed WHERE met_by IS NULL AND ? = ?", 0) > 5);
    assert_true(count_of(db, "SELECT count(*) FROM student_state_computed WHERE last_contact IS NOT NULL AND ? = ?",
                         0) > 10);
    expect_same_rows(db, "followups_computed", "followups_first_written");
    expect_same_rows(db, "student_state_computed", "state_first_written");
    OK(cl_db_exec(db, "DROP VIEW temp.followups_first_written; DROP VIEW temp.state_first_written"));
}

int main(void)
{
    cl_secret_init_process();
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_random_sequences),
        T(test_check_notices),
        T(test_upgrade),
        T(test_upgrade_twice),
        T(test_write_cost_flat),
        T(test_views_as_first_written),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
