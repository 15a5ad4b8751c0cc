/* Referrals: every valid and invalid move, notes, history, late reasons by
 * the injectable clock; and the audit chain's tamper detection. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "carelog/audit.h"
#include "carelog/catalog.h"
#include "carelog/record.h"
#include "carelog/referral.h"
#include "carelog/secret.h"
#include "carelog/storage.h"
#include "carelog/student.h"
#include "carelog/vault.h"
#include "record_fixture.h"

static void set_now(const char *iso)
{
    setenv("CARELOG_TEST_NOW", iso, 1);
}

/* The record fixture's vault, made at a fixed time in UTC, with one student
 * (f->student). */
static int setup(void **state)
{
    setenv("TZ", "UTC", 1);
    tzset();
    set_now("2026-11-01T08:00:00Z");
    int rc = fixture_setup(state);
    if (rc != 0)
        return rc;
    fixture *f = *state;
    json_t *s = J("{\"number\": \"20260001\", \"name\": \"张小明\", \"class\": \"初二(3)班\", \"status\": \"active\"}");
    OK(cl_student_add(f->v, s, false, &f->student));
    json_decref(s);
    return 0;
}

static int teardown(void **state)
{
    unsetenv("CARELOG_TEST_NOW");
    return fixture_teardown(state);
}

static long long add_referral(fixture *f)
{
    json_t *fields = J("{\"occurred_at\": \"2026-11-01\", \"concerns\": [\"self_harm\"],"
                         " \"reason\": \"学生透露有自伤计划\", \"urgency\": \"urgent\","
                         " \"what\": \"11月1日课间，学生对班主任说……\", \"guardians_informed\": true,"
                         " \"agency\": \"protection_station\"}");
    long long id = 0;
    OK(cl_record_add(f->v, "referral", f->student, fields, 0, &id));
    json_decref(fields);
    return id;
}

static long long count(fixture *f, const char *sql, long long id)
{
    sqlite3_stmt *q;
    OK(cl_db_prepare(cl_vault_db(f->v), sql, &q));
    if (sqlite3_bind_parameter_count(q) > 0)
        sqlite3_bind_int64(q, 1, id);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    long long n = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return n;
}

static const char *state_of(fixture *f, long long id, char buf[32])
{
    sqlite3_stmt *q;
    OK(cl_db_prepare(cl_vault_db(f->v), "SELECT state FROM records WHERE id = ?", &q));
    sqlite3_bind_int64(q, 1, id);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    snprintf(buf, 32, "%s", (const char *)sqlite3_column_text(q, 0));
    sqlite3_finalize(q);
    return buf;
}

/* The loop as DESIGN.md states it, written out independently of the table. */
static const char *const valid_moves[][2] = {
    {"draft", "reported"},         {"reported", "acknowledged"}, {"acknowledged", "handling"},
    {"handling", "support"},       {"support", "closed"},        {"draft", "withdrawn"},
    {"reported", "withdrawn"},     {"acknowledged", "withdrawn"}, {"handling", "withdrawn"},
    {"support", "withdrawn"},
};
static const char *const all_states[] = {"draft", "reported", "acknowledged", "handling",
                                         "support", "closed", "withdrawn"};
#define N_STATES (sizeof all_states / sizeof all_states[0])

static bool is_valid(const char *from, const char *to)
{
    for (size_t i = 0; i < sizeof valid_moves / sizeof valid_moves[0]; i++)
        if (strcmp(valid_moves[i][0], from) == 0 && strcmp(valid_moves[i][1], to) == 0)
            return true;
    return false;
}

/* A new referral brought to `state` by valid moves. */
static long long referral_in(fixture *f, const char *state)
{
    long long id = add_referral(f);
    if (strcmp(state, "withdrawn") == 0) {
        OK(cl_referral_move(f->v, id, "withdrawn", "家长要求由家庭自行处理"));
        return id;
    }
    for (size_t i = 0; strcmp(all_states[i], state) != 0; i++)
        OK(cl_referral_move(f->v, id, all_states[i + 1], "下一步"));
    return id;
}

static void test_table_matches_design(void **state)
{
    (void)state;
    size_t n = 0;
    for (const cl_referral_state *s = cl_referral_states; s->name; s++, n++)
        assert_string_equal(s->name, all_states[n]);
    assert_int_equal(n, N_STATES);
    for (size_t i = 0; i < N_STATES; i++)
        for (size_t j = 0; j < N_STATES; j++)
            assert_int_equal(cl_referral_can_move(all_states[i], all_states[j]),
                             is_valid(all_states[i], all_states[j]));
    assert_false(cl_referral_can_move("draft", "nonsense"));
    assert_false(cl_referral_can_move("nonsense", "draft"));
    assert_false(cl_referral_state_find("closed")->open);
    assert_false(cl_referral_state_find("withdrawn")->open);
    assert_true(cl_referral_state_find("support")->open);
}

static void test_walk_the_loop(void **state)
{
    fixture *f = *state;
    long long id = add_referral(f);
    char buf[32];
    assert_string_equal(state_of(f, id, buf), "draft");
    assert_int_equal(count(f, "SELECT count(*) FROM referral_transitions WHERE record_id = ?", id), 1);
    const char *notes[] = {"已电话报告区未保站", "未保站回执已收到", "公安已介入调查", "转入帮扶，每周会谈",
                           "帮扶目标达成，结案"};
    for (size_t i = 1; i < 6; i++) {
        char when[32];
        snprintf(when, sizeof when, "2026-11-%02zuT09:00:00Z", 1 + i);
        set_now(when);
        OK(cl_referral_move(f->v, id, all_states[i], notes[i - 1]));
        assert_string_equal(state_of(f, id, buf), all_states[i]);
    }
    json_t *h;
    OK(cl_referral_history(f->v, id, &h));
    assert_string_equal(json_string_value(json_object_get(h, "state")), "closed");
    assert_int_equal(json_array_size(json_object_get(h, "next")), 0);
    json_t *tr = json_object_get(h, "transitions");
    assert_int_equal(json_array_size(tr), 6);
    assert_true(json_is_null(json_object_get(json_array_get(tr, 0), "from")));
    assert_string_equal(json_string_value(json_object_get(json_array_get(tr, 0), "to")), "draft");
    for (size_t i = 1; i < 6; i++) {
        json_t *t = json_array_get(tr, i);
        assert_string_equal(json_string_value(json_object_get(t, "from")), all_states[i - 1]);
        assert_string_equal(json_string_value(json_object_get(t, "to")), all_states[i]);
        assert_string_equal(json_string_value(json_object_get(t, "actor")), "王老师");
        assert_string_equal(json_string_value(json_object_get(t, "note")), notes[i - 1]);
        char when[32];
        snprintf(when, sizeof when, "2026-11-%02zuT09:00:00Z", 1 + i);
        assert_string_equal(json_string_value(json_object_get(t, "at")), when);
    }
    assert_string_equal(json_string_value(json_object_get(h, "urgency")), "urgent");
    assert_string_equal(json_string_value(json_object_get(h, "agency")), "protection_station");
    assert_string_equal(json_string_value(json_object_get(h, "name")), "张小明");
    json_decref(h);
    /* Every move is in the audit log, and the chain holds. */
    assert_int_equal(count(f, "SELECT count(*) FROM audit WHERE action = 'referral.move' AND target = 'record ' || ?",
                           id), 5);
    long long entries;
    OK(cl_audit_verify(cl_vault_db(f->v), &entries));
}

static void test_every_move(void **state)
{
    fixture *f = *state;
    for (size_t i = 0; i < N_STATES; i++) {
        for (size_t j = 0; j < N_STATES; j++) {
            const char *from = all_states[i], *to = all_states[j];
            long long id = referral_in(f, from);
            long long transitions = count(f, "SELECT count(*) FROM referral_transitions", 0);
            long long audits = count(f, "SELECT count(*) FROM audit", 0);
            cl_status st = cl_referral_move(f->v, id, to, "理由");
            char buf[32];
            if (is_valid(from, to)) {
                if (st != CL_OK)
                    fail_msg("%s -> %s refused: %s", from, to, cl_error_message());
                assert_string_equal(state_of(f, id, buf), to);
                assert_int_equal(count(f, "SELECT count(*) FROM referral_transitions", 0), transitions + 1);
                assert_int_equal(count(f, "SELECT count(*) FROM audit", 0), audits + 1);
            } else {
                if (st != CL_EUSAGE)
                    fail_msg("%s -> %s gave %d, wanted 64", from, to, (int)st);
                /* Nothing changed. */
                assert_string_equal(state_of(f, id, buf), from);
                assert_int_equal(count(f, "SELECT count(*) FROM referral_transitions", 0), transitions);
                assert_int_equal(count(f, "SELECT count(*) FROM audit", 0), audits);
                /* The message names the moves that are allowed. */
                const char *next = cl_referral_state_find(from)->next;
                char copy[128], *save = NULL;
                snprintf(copy, sizeof copy, "%s", next);
                for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save))
                    if (!strstr(cl_error_message(), w))
                        fail_msg("%s -> %s: message does not name %s: %s", from, to, w, cl_error_message());
            }
        }
    }
    long long entries;
    OK(cl_audit_verify(cl_vault_db(f->v), &entries));
}

static void test_refusals(void **state)
{
    fixture *f = *state;
    long long id = add_referral(f);
    long long audits = count(f, "SELECT count(*) FROM audit", 0);
    char buf[32];
    assert_int_equal(cl_referral_move(f->v, id, "reported", NULL), CL_EUSAGE);
    assert_int_equal(cl_referral_move(f->v, id, "reported", ""), CL_EUSAGE);
    assert_int_equal(cl_referral_move(f->v, id, "reported", "  \n\t"), CL_EUSAGE);
    assert_non_null(strstr(cl_error_message(), "note"));
    assert_int_equal(cl_referral_move(f->v, id, "reported", "bad \xff utf-8"), CL_EUSAGE);
    char *long_note = malloc(CL_REFERRAL_NOTE_MAX * 3 + 4);
    assert_non_null(long_note);
    long_note[0] = '\0';
    for (int i = 0; i <= CL_REFERRAL_NOTE_MAX; i++)
        strcat(long_note, "说");
    assert_int_equal(cl_referral_move(f->v, id, "reported", long_note), CL_EUSAGE);
    free(long_note);
    assert_int_equal(cl_referral_move(f->v, id, "sent", "x"), CL_EUSAGE);
    assert_non_null(strstr(cl_error_message(), "acknowledged"));
    assert_int_equal(cl_referral_move(f->v, id, "draft", "x"), CL_EUSAGE);
    assert_int_equal(cl_referral_move(f->v, 99999, "reported", "x"), CL_ENOTFOUND);
    /* A record that is not a referral. */
    json_t *fields = J("{\"occurred_at\": \"2026-11-01\", \"session_type\": \"individual\", \"risk_noted\": false}");
    long long session;
    OK(cl_record_add(f->v, "session", f->student, fields, 0, &session));
    json_decref(fields);
    audits = count(f, "SELECT count(*) FROM audit", 0);
    assert_int_equal(cl_referral_move(f->v, session, "reported", "x"), CL_EDATA);
    assert_non_null(strstr(cl_error_message(), "not a referral"));
    assert_int_equal(cl_referral_history(f->v, session, &fields), CL_EDATA);
    assert_int_equal(cl_referral_history(f->v, 99999, &fields), CL_ENOTFOUND);
    assert_int_equal(count(f, "SELECT count(*) FROM records WHERE id = ? AND state IS NULL", session), 1);
    assert_string_equal(state_of(f, id, buf), "draft");
    assert_int_equal(count(f, "SELECT count(*) FROM audit", 0), audits);
    assert_int_equal(count(f, "SELECT count(*) FROM referral_transitions WHERE record_id = ?", id), 1);
    /* The checks that need no vault. */
    assert_int_equal(cl_referral_check_move("reported", "why"), CL_OK);
    assert_int_equal(cl_referral_check_move("nope", "why"), CL_EUSAGE);
    assert_int_equal(cl_referral_check_move("reported", ""), CL_EUSAGE);
}

static void test_withdrawn(void **state)
{
    fixture *f = *state;
    long long a = referral_in(f, "handling");
    OK(cl_referral_move(f->v, a, "withdrawn", "学生已转学，由新学校继续报告"));
    assert_int_equal(cl_referral_move(f->v, a, "support", "x"), CL_EUSAGE);
    assert_non_null(strstr(cl_error_message(), "final"));
    assert_int_equal(cl_referral_move(f->v, a, "withdrawn", "x"), CL_EUSAGE);
    long long closed = referral_in(f, "closed");
    assert_int_equal(cl_referral_move(f->v, closed, "withdrawn", "x"), CL_EUSAGE);
    long long open = referral_in(f, "reported");
    json_t *h;
    OK(cl_referral_history(f->v, a, &h));
    json_t *tr = json_object_get(h, "transitions");
    assert_int_equal(json_array_size(tr), 5);
    json_t *last = json_array_get(tr, 4);
    assert_string_equal(json_string_value(json_object_get(last, "from")), "handling");
    assert_string_equal(json_string_value(json_object_get(last, "to")), "withdrawn");
    assert_string_equal(json_string_value(json_object_get(last, "note")), "学生已转学，由新学校继续报告");
    json_decref(h);
    json_t *list;
    OK(cl_referral_list(f->v, true, &list));
    assert_int_equal(json_array_size(list), 1);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(list, 0), "id")), open);
    json_decref(list);
    OK(cl_referral_list(f->v, false, &list));
    assert_int_equal(json_array_size(list), 3);
    /* In the order of the loop: reported, closed, withdrawn. */
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "state")), "reported");
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, 1), "state")), "closed");
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, 2), "state")), "withdrawn");
    json_decref(list);
}

/* Inside a caller's transaction (a receipt import) a move is part of it. */
static void test_inside_transaction(void **state)
{
    fixture *f = *state;
    long long id = add_referral(f);
    sqlite3 *db = cl_vault_db(f->v);
    char buf[32];
    OK(cl_db_begin(db));
    OK(cl_referral_move(f->v, id, "reported", "回执导入"));
    assert_int_equal(cl_referral_move(f->v, id, "closed", "x"), CL_EUSAGE);
    OK(cl_referral_move(f->v, id, "acknowledged", "回执导入"));
    cl_db_rollback(db);
    assert_string_equal(state_of(f, id, buf), "draft");
    assert_int_equal(count(f, "SELECT count(*) FROM referral_transitions WHERE record_id = ?", id), 1);
    OK(cl_db_begin(db));
    OK(cl_referral_move(f->v, id, "reported", "回执导入"));
    assert_int_equal(cl_referral_move(f->v, id, "handling", "x"), CL_EUSAGE);
    OK(cl_db_commit(db));
    assert_string_equal(state_of(f, id, buf), "reported");
    assert_int_equal(count(f, "SELECT count(*) FROM referral_transitions WHERE record_id = ?", id), 2);
    long long n;
    OK(cl_audit_verify(db, &n));
}

/* The late reason of the only open referral at `now`, or NULL. */
static char *late_at(fixture *f, const char *now, long long *age)
{
    set_now(now);
    json_t *list;
    OK(cl_referral_list(f->v, true, &list));
    assert_int_equal(json_array_size(list), 1);
    json_t *r = json_array_get(list, 0);
    const char *late = json_string_value(json_object_get(r, "late"));
    char *out = late ? strdup(late) : NULL;
    *age = json_integer_value(json_object_get(r, "age_days"));
    json_decref(list);
    return out;
}

static void test_late(void **state)
{
    fixture *f = *state;
    long long age;
    set_now("2026-11-01T08:00:00Z");
    long long id = add_referral(f);
    char *late = late_at(f, "2026-11-01T20:00:00Z", &age);
    assert_null(late);
    assert_int_equal(age, 0);
    late = late_at(f, "2026-11-02T09:00:00Z", &age);
    assert_non_null(late);
    assert_int_equal(age, 1);
    assert_non_null(strstr(late, "draft older than a day"));
    free(late);

    set_now("2026-11-03T08:00:00Z");
    OK(cl_referral_move(f->v, id, "reported", "已报告"));
    late = late_at(f, "2026-11-05T08:00:00Z", &age);
    assert_null(late);
    assert_int_equal(age, 2);
    late = late_at(f, "2026-11-06T08:00:00Z", &age);
    assert_non_null(late);
    assert_string_equal(late, "reported with no receipt (3 days)");
    free(late);

    set_now("2026-11-06T08:00:00Z");
    OK(cl_referral_move(f->v, id, "acknowledged", "回执已收到"));
    late = late_at(f, "2026-11-12T08:00:00Z", &age);
    assert_null(late);
    late = late_at(f, "2026-11-13T08:00:00Z", &age);
    assert_non_null(late);
    assert_string_equal(late, "acknowledged but no handling (7 days)");
    free(late);

    set_now("2026-11-13T08:00:00Z");
    OK(cl_referral_move(f->v, id, "handling", "公安已介入"));
    late = late_at(f, "2027-03-01T08:00:00Z", &age);
    assert_null(late); /* no threshold for handling */
    assert_true(age > 100);
}

/* ---- the late ones a page at a time (referral_waits) ------------------ */

static cl_status collect(json_t *row, void *ctx)
{
    json_array_append(ctx, row);
    return CL_OK;
}

/* The late rows as the whole list tells them: its rows whose late is set. */
static json_t *late_of_list(fixture *f)
{
    json_t *all, *late = json_array();
    OK(cl_referral_list(f->v, true, &all));
    size_t i;
    json_t *row;
    json_array_foreach(all, i, row)
        if (!json_is_null(json_object_get(row, "late")))
            json_array_append(late, row);
    json_decref(all);
    return late;
}

/* referral_waits holds what a recomputation from the records gives. */
static void waits_agree(fixture *f)
{
    static const char recompute[] = CL_REFERRAL_WAIT_ROW " WHERE r.kind = 'referral'";
    static const char kept[] = "SELECT " CL_REFERRAL_WAIT_COLUMNS " FROM referral_waits";
    char sql[4096];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM (%s EXCEPT %s)", recompute, kept);
    assert_int_equal(count(f, sql, 0), 0);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM (%s EXCEPT %s)", kept, recompute);
    assert_int_equal(count(f, sql, 0), 0);
}

static void expect_late_pages(fixture *f, size_t expected)
{
    json_t *whole = late_of_list(f), *got = json_array();
    bool more = true;
    OK(cl_referral_late_each(f->v, NULL, 0, collect, got, &more));
    assert_false(more);
    assert_int_equal(json_array_size(whole), expected);
    assert_true(json_equal(whole, got));
    long long n = -1;
    OK(cl_referral_late_count(f->v, &n));
    assert_int_equal(n, (long long)expected);
    for (long long limit = 1; limit <= 4; limit++) {
        json_t *pages = json_array();
        char after[CL_REFERRAL_LATE_CURSOR_MAX] = "";
        do {
            size_t before = json_array_size(pages);
            OK(cl_referral_late_each(f->v, after, limit, collect, pages, &more));
            assert_true(json_array_size(pages) - before <= (size_t)limit);
            if (json_array_size(pages) > 0) {
                cl_referral_late_cursor(json_array_get(pages, json_array_size(pages) - 1), after);
                OK(cl_referral_late_cursor_check(after));
            }
        } while (more);
        assert_true(json_equal(whole, pages));
        json_decref(pages);
    }
    json_decref(whole);
    json_decref(got);
}

static void test_late_pages(void **state)
{
    fixture *f = *state;
    /* Drafts written a day apart, some sent, acknowledged or handled. */
    long long id[8];
    static const char *const written[] = {"2026-11-01T08:00:00Z", "2026-11-02T08:00:00Z", "2026-11-03T08:00:00Z",
                                          "2026-11-04T08:00:00Z", "2026-11-05T08:00:00Z", "2026-11-06T08:00:00Z",
                                          "2026-11-07T08:00:00Z", "2026-11-08T08:00:00Z"};
    for (int i = 0; i < 8; i++) {
        set_now(written[i]);
        id[i] = add_referral(f);
    }
    set_now("2026-11-08T09:00:00Z");
    OK(cl_referral_move(f->v, id[0], "reported", "报告"));
    OK(cl_referral_move(f->v, id[1], "reported", "报告"));
    OK(cl_referral_move(f->v, id[1], "acknowledged", "受理"));
    OK(cl_referral_move(f->v, id[2], "reported", "报告"));
    OK(cl_referral_move(f->v, id[2], "acknowledged", "受理"));
    OK(cl_referral_move(f->v, id[2], "handling", "处置"));
    OK(cl_referral_move(f->v, id[3], "withdrawn", "撤回"));
    struct tm tm = {.tm_year = 126, .tm_mon = 10, .tm_mday = 5, .tm_hour = 8};
    OK(cl_referral_move_at(f->v, id[4], "reported", "电话报告", timegm(&tm)));
    waits_agree(f);

    /* On 9 November at 08:00: drafts 5–7 a day old or more (id[7] exactly
     * one), id[4] reported four days ago; id[0] reported and id[1]
     * acknowledged an hour under a day ago are not late. */
    set_now("2026-11-09T08:00:00Z");
    expect_late_pages(f, 4);
    set_now("2026-11-09T07:59:59Z"); /* a second earlier id[7] is not yet a day old */
    expect_late_pages(f, 3);
    set_now("2026-11-16T09:00:00Z"); /* everything waiting is late by now */
    expect_late_pages(f, 6);

    /* The next page goes on from where the last one ended, even when the
     * referral it ended on has moved on since (here: into a state where
     * it is late again, further down the list). */
    json_t *whole = late_of_list(f), *first = json_array(), *next = json_array();
    assert_true(json_array_size(whole) >= 4);
    bool more;
    OK(cl_referral_late_each(f->v, NULL, 2, collect, first, &more));
    assert_true(more);
    char cursor[CL_REFERRAL_LATE_CURSOR_MAX];
    cl_referral_late_cursor(json_array_get(first, 1), cursor);
    long long moved = (long long)json_integer_value(json_object_get(json_array_get(first, 1), "id"));
    const char *moved_state = json_string_value(json_object_get(json_array_get(first, 1), "state"));
    struct tm back = {.tm_year = 126, .tm_mon = 10, .tm_mday = 9, .tm_hour = 8};
    OK(cl_referral_move_at(f->v, moved, strcmp(moved_state, "draft") == 0 ? "reported" : "acknowledged", "转",
                           timegm(&back)));
    OK(cl_referral_late_each(f->v, cursor, 1, collect, next, &more));
    assert_int_equal(json_array_size(next), 1);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(next, 0), "id")),
                     json_integer_value(json_object_get(json_array_get(whole, 2), "id")));
    json_decref(whole);
    json_decref(first);
    json_decref(next);
    /* Cursors not of this list are refused with a message. */
    static const char *const bad[] = {"17", "draft/2026-11-01T08:00:00Z/0", "handling/2026-11-01T08:00:00Z/3",
                                      "draft//3", "draft/2026 11/3", "nosuch/2026-11-01T08:00:00Z/3", "draft/x/3"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(cl_referral_late_cursor_check(bad[i]), CL_EUSAGE);

    /* Kept in step when a move is redated or taken back, and when the
     * record's state is written directly. */
    char sql[160];
    snprintf(sql, sizeof sql, "UPDATE referral_transitions SET at = '2026-11-06T00:00:00Z' WHERE id ="
             " (SELECT max(id) FROM referral_transitions WHERE record_id = %lld)", id[1]);
    OK(cl_db_exec(cl_vault_db(f->v), sql));
    waits_agree(f);
    snprintf(sql, sizeof sql, "DELETE FROM referral_transitions WHERE id ="
             " (SELECT max(id) FROM referral_transitions WHERE record_id = %lld)", id[0]);
    OK(cl_db_exec(cl_vault_db(f->v), sql));
    waits_agree(f);
    snprintf(sql, sizeof sql, "UPDATE records SET state = NULL WHERE id = %lld", id[0]);
    OK(cl_db_exec(cl_vault_db(f->v), sql));
    waits_agree(f);
    expect_late_pages(f, 6);
}

/* A late referral shows its record's urgency and agency, student and
 * date as they are now: kept beside its state (referral_waits) through
 * an edit of its fields, a merge of its student and a new date. */
static void test_late_follows_edits(void **state)
{
    fixture *f = *state;
    long long id = add_referral(f);
    set_now("2026-11-03T09:00:00Z"); /* the draft is two days old */
    expect_late_pages(f, 1);
    json_t *changes = J("{\"urgency\": \"routine\", \"agency\": \"other\","
                        " \"agency_name\": \"某某区未成年人保护工作站\", \"occurred_at\": \"2026-10-30\"}");
    long long version = 0;
    OK(cl_record_edit(f->v, id, 1, changes, &version));
    json_decref(changes);
    waits_agree(f);
    expect_late_pages(f, 1);
    json_t *late = json_array();
    bool more;
    OK(cl_referral_late_each(f->v, NULL, 0, collect, late, &more));
    json_t *row = json_array_get(late, 0);
    assert_string_equal(json_string_value(json_object_get(row, "urgency")), "routine");
    assert_string_equal(json_string_value(json_object_get(row, "agency")), "other");
    assert_string_equal(json_string_value(json_object_get(row, "agency_name")), "某某区未成年人保护工作站");
    assert_string_equal(json_string_value(json_object_get(row, "occurred_at")), "2026-10-30");
    json_decref(late);

    /* An emptied field reads as null, as in the referral's own row. */
    changes = J("{\"agency\": \"police\", \"agency_name\": null}");
    OK(cl_record_edit(f->v, id, version, changes, &version));
    json_decref(changes);
    waits_agree(f);
    expect_late_pages(f, 1);

    /* The student merged into another: the late row names that one. */
    json_t *s2 = J("{\"number\": \"20260002\", \"name\": \"李小红\", \"class\": \"初二(4)班\", \"status\": \"active\"}");
    long long keep = 0;
    OK(cl_student_add(f->v, s2, false, &keep));
    json_decref(s2);
    OK(cl_student_merge(f->v, keep, f->student));
    waits_agree(f);
    expect_late_pages(f, 1);
    late = json_array();
    OK(cl_referral_late_each(f->v, NULL, 0, collect, late, &more));
    assert_int_equal(json_integer_value(json_object_get(json_array_get(late, 0), "student_id")), keep);
    assert_string_equal(json_string_value(json_object_get(json_array_get(late, 0), "name")), "李小红");
    json_decref(late);

    /* Fields no longer JSON (a damaged row) read as none, in both lists. */
    char sql[128];
    snprintf(sql, sizeof sql, "UPDATE records SET fields = 'not json' WHERE id = %lld", id);
    OK(cl_db_exec(cl_vault_db(f->v), sql));
    waits_agree(f);
    expect_late_pages(f, 1);
}

/* ---- the audit chain -------------------------------------------------- */

static long long audit_entries(fixture *f)
{
    return count(f, "SELECT count(*) FROM audit", 0);
}

/* A few audited actions so the chain has a middle. */
static void some_moves(fixture *f)
{
    long long id = add_referral(f);
    OK(cl_referral_move(f->v, id, "reported", "报告"));
    OK(cl_referral_move(f->v, id, "acknowledged", "受理"));
    long long n;
    OK(cl_audit_verify(cl_vault_db(f->v), &n));
    assert_int_equal(n, audit_entries(f));
    assert_true(n >= 5);
}

static void test_audit_changed(void **state)
{
    fixture *f = *state;
    some_moves(f);
    OK(cl_db_exec(cl_vault_db(f->v), "UPDATE audit SET detail = 'x' WHERE id = 2"));
    long long n;
    assert_int_equal(cl_audit_verify(cl_vault_db(f->v), &n), CL_EDATA);
    assert_non_null(strstr(cl_error_message(), "entry 2"));
}

static void test_audit_middle_removed(void **state)
{
    fixture *f = *state;
    some_moves(f);
    OK(cl_db_exec(cl_vault_db(f->v), "DELETE FROM audit WHERE id = 3"));
    long long n;
    assert_int_equal(cl_audit_verify(cl_vault_db(f->v), &n), CL_EDATA);
    assert_non_null(strstr(cl_error_message(), "entry 3"));
}

static void test_audit_last_removed(void **state)
{
    fixture *f = *state;
    some_moves(f);
    long long last = audit_entries(f);
    char sql[64], want[32];
    snprintf(sql, sizeof sql, "DELETE FROM audit WHERE id = %lld", last);
    OK(cl_db_exec(cl_vault_db(f->v), sql));
    long long n;
    assert_int_equal(cl_audit_verify(cl_vault_db(f->v), &n), CL_EDATA);
    snprintf(want, sizeof want, "entry %lld", last);
    assert_non_null(strstr(cl_error_message(), want));
}

static void test_audit_list(void **state)
{
    fixture *f = *state;
    some_moves(f);
    json_t *list;
    OK(cl_audit_list(cl_vault_db(f->v), NULL, 2, &list));
    assert_int_equal(json_array_size(list), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, 1), "action")), "referral.move");
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, 1), "detail")),
                        "reported -> acknowledged");
    json_decref(list);
}

/* A move dated earlier (a report phoned in yesterday): stored at that time,
 * never in the future nor before the previous move; a refusal saves
 * nothing. */
static void test_move_dated(void **state)
{
    fixture *f = *state;
    long long id = add_referral(f); /* its draft at 2026-11-01T08:00:00Z */
    set_now("2026-11-03T08:00:00Z");
    struct tm tm = {.tm_year = 126, .tm_mon = 10, .tm_mday = 2, .tm_hour = 7, .tm_min = 20};
    time_t yesterday = timegm(&tm);
    assert_int_equal(cl_referral_move_at(f->v, id, "reported", "电话报告", yesterday + 3 * 86400), CL_EDATA);
    assert_non_null(strstr(cl_error_message(), "in the future"));
    assert_int_equal(cl_referral_move_at(f->v, id, "reported", "电话报告", yesterday - 2 * 86400), CL_EDATA);
    assert_non_null(strstr(cl_error_message(), "before referral"));
    assert_int_equal(count(f, "SELECT count(*) FROM referral_transitions WHERE record_id = ?", id), 1);
    OK(cl_referral_move_at(f->v, id, "reported", "电话报告", yesterday));
    json_t *h = NULL;
    OK(cl_referral_history(f->v, id, &h));
    json_t *last = json_array_get(json_object_get(h, "transitions"), 1);
    assert_string_equal(json_string_value(json_object_get(last, "at")), "2026-11-02T07:20:00Z");
    assert_string_equal(json_string_value(json_object_get(h, "since")), "2026-11-02T07:20:00Z");
    assert_int_equal(json_integer_value(json_object_get(h, "age_days")), 1);
    json_decref(h);
    /* The next move cannot be dated before this one. */
    assert_int_equal(cl_referral_move_at(f->v, id, "acknowledged", "回执", yesterday - 60), CL_EDATA);
    OK(cl_referral_move_at(f->v, id, "acknowledged", "回执", 0));
}

int main(void)
{
    cl_secret_init_process();
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_matches_design),
        T(test_walk_the_loop),
        T(test_every_move),
        T(test_refusals),
        T(test_withdrawn),
        T(test_late),
        T(test_late_pages),
        T(test_late_follows_edits),
        T(test_inside_transaction),
        T(test_audit_changed),
        T(test_audit_middle_removed),
        T(test_audit_last_removed),
        T(test_audit_list),
        T(test_move_dated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
