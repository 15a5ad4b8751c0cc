/* Follow-ups: each planned follow-up an obligation (what meets it, closing), each policy,
 * closed students, policy changes. */
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
#include "carelog/followup.h"
#include "carelog/record.h"
#include "carelog/secret.h"
#include "carelog/storage.h"
#include "carelog/student.h"
#include "carelog/text.h"
#include "carelog/vault.h"
#include "followup_support.h"

/* A record written on the day it happened (the clock is moved to that day,
 * then back): carelog refuses records dated in the future. */
static long long record(fixture *f, const char *kind, long long student_id, const char *fields_text)
{
    json_t *fields = J(fields_text);
    long long id;
    char saved[64] = "", then[32];
    const char *now = getenv("CARELOG_TEST_NOW");
    snprintf(saved, sizeof saved, "%s", now ? now : "");
    snprintf(then, sizeof then, "%.10sT12:00:00Z", json_string_value(json_object_get(fields, "occurred_at")));
    set_now(then);
    OK(cl_record_add(f->v, kind, student_id, fields, 0, &id));
    set_now(saved);
    json_decref(fields);
    return id;
}

static long long session(fixture *f, long long s, const char *date, const char *follow_up)
{
    char text[256];
    snprintf(text, sizeof text,
             "{\"occurred_at\": \"%s\", \"session_type\": \"individual\", \"risk_noted\": false%s%s%s}", date,
             follow_up ? ", \"follow_up\": \"" : "", follow_up ? follow_up : "", follow_up ? "\"" : "");
    return record(f, "session", s, text);
}

static long long contact(fixture *f, long long s, const char *date, const char *follow_up)
{
    char text[256];
    snprintf(text, sizeof text,
             "{\"occurred_at\": \"%s\", \"who\": \"张妈妈\", \"channel\": \"phone\", \"summary\": \"电话沟通\"%s%s%s}",
             date, follow_up ? ", \"follow_up\": \"" : "", follow_up ? follow_up : "", follow_up ? "\"" : "");
    return record(f, "contact", s, text);
}

static long long assess(fixture *f, long long s, const char *date, int risk)
{
    char text[256];
    snprintf(text, sizeof text,
             "{\"occurred_at\": \"%s\", \"risk_level\": %d, \"misconduct_tier\": \"none\", \"reasons\": \"评估\"%s}",
             date, risk, risk >= 2 ? ", \"safety_plan\": true, \"follow_up\": \"2026-12-31\"" : "");
    return record(f, "assessment", s, text);
}

static long long observation(fixture *f, long long s, const char *datetime, const char *role)
{
    char text[256];
    snprintf(text, sizeof text,
             "{\"occurred_at\": \"%s\", \"categories\": [\"emotional\"], \"description\": \"课上哭泣\","
             " \"severity\": \"medium\"%s%s%s}",
             datetime, role ? ", \"reporter_role\": \"" : "", role ? role : "", role ? "\"" : "");
    return record(f, "observation", s, text);
}

static long long i_of(json_t *r, const char *key)
{
    return json_integer_value(json_object_get(r, key));
}

static void test_explicit_follow_up(void **state)
{
    fixture *f = *state;
    long long s = student(f, "20260001", "张小明", "active", NULL);
    long long rec = session(f, s, "2026-11-02", "2026-11-09");
    json_t *list = due(f, "2026-11-12", 0);
    assert_int_equal(json_array_size(list), 1);
    json_t *r = row_of(list, s, "follow_up");
    assert_non_null(r);
    assert_string_equal(s_of(r, "due_date"), "2026-11-09");
    assert_int_equal(i_of(r, "days_overdue"), 3);
    assert_string_equal(s_of(r, "status"), "overdue");
    assert_string_equal(s_of(r, "number"), "20260001");
    assert_string_equal(s_of(r, "name"), "张小明");
    assert_string_equal(s_of(r, "class"), "初二(3)班");
    assert_int_equal(i_of(r, "record_id"), rec);
    char want[96];
    snprintf(want, sizeof want, "follow-up set by session #%lld on 2026-11-02", rec);
    assert_string_equal(s_of(r, "reason"), want);
    snprintf(want, sizeof want, "2026-11-02 的辅导 #%lld 约定的跟进", rec);
    assert_string_equal(s_of(r, "reason_zh"), want);
    json_decref(list);

    /* The Chinese reason names the kind as the vault's form does, so a
     * school's own short name for it shows there too. */
    char *source = NULL;
    OK(cl_catalog_source(f->v, "session", 0, &source));
    char *at = strstr(source, "short 辅导 | Session");
    assert_non_null(at);
    char path[128];
    snprintf(path, sizeof path, "%s/session.form", f->dir);
    FILE *out = fopen(path, "w");
    assert_non_null(out);
    fprintf(out, "%.*sshort 个别辅导 | Session%s", (int)(at - source), source, at + strlen("short 辅导 | Session"));
    fclose(out);
    free(source);
    int version = 0;
    OK(cl_catalog_import(f->v, path, &version));
    list = due(f, "2026-11-12", 0);
    snprintf(want, sizeof want, "2026-11-02 的个别辅导 #%lld 约定的跟进", rec);
    assert_string_equal(s_of(row_of(list, s, "follow_up"), "reason_zh"), want);
    json_decref(list);

    /* Before the date: due within the horizon, or not at all. */
    list = due(f, "2026-11-05", 7);
    r = row_of(list, s, "follow_up");
    assert_non_null(r);
    assert_int_equal(i_of(r, "days_overdue"), -4);
    assert_string_equal(s_of(r, "status"), "due");
    json_decref(list);
    list = due(f, "2026-11-05", 3);
    assert_null(row_of(list, s, "follow_up"));
    json_decref(list);
    list = due(f, "2026-11-09", 0);
    r = row_of(list, s, "follow_up");
    assert_non_null(r);
    assert_int_equal(i_of(r, "days_overdue"), 0);
    assert_string_equal(s_of(r, "status"), "due");
    json_decref(list);
}

/* Rows of student s from source. */
static size_t rows_of(json_t *list, long long s, const char *source)
{
    size_t i, n = 0;
    json_t *r;
    json_array_foreach(list, i, r)
        n += json_integer_value(json_object_get(r, "student_id")) == s &&
             strcmp(json_string_value(json_object_get(r, "source")), source) == 0;
    return n;
}

/* The row of the obligation that record rec set, or NULL. */
static json_t *row_of_record(json_t *list, long long rec)
{
    size_t i;
    json_t *r;
    json_array_foreach(list, i, r)
        if (json_integer_value(json_object_get(r, "record_id")) == rec)
            return r;
    return NULL;
}

static long long assess_until(fixture *f, long long s, const char *date, int risk, const char *follow_up)
{
    char text[256];
    snprintf(text, sizeof text,
             "{\"occurred_at\": \"%s\", \"risk_level\": %d, \"misconduct_tier\": \"none\", \"reasons\": \"评估\","
             " \"safety_plan\": true, \"follow_up\": \"%s\"}", date, risk, follow_up);
    return record(f, "assessment", s, text);
}

static void test_obligations(void **state)
{
    fixture *f = *state;
    /* A family contact does not meet a session's follow-up; a session does. */
    long long a = student(f, "20260001", "甲", "active", NULL);
    long long a_rec = session(f, a, "2026-11-02", "2026-11-09");
    contact(f, a, "2026-11-06", NULL);
    long long a2 = student(f, "20260011", "甲二", "active", NULL);
    session(f, a2, "2026-11-02", "2026-11-09");
    session(f, a2, "2026-11-06", NULL);
    /* A later record with its own date leaves the earlier one open. */
    long long b = student(f, "20260002", "乙", "active", NULL);
    long long b_old = session(f, b, "2026-11-02", "2026-11-09");
    long long b_new = contact(f, b, "2026-11-04", "2026-11-20");
    /* An observation, by a teacher or a counsellor, is no session. */
    long long c = student(f, "20260003", "丙", "active", NULL);
    long long c_rec = session(f, c, "2026-11-02", "2026-11-09");
    observation(f, c, "2026-11-05T10:00", "head_teacher");
    observation(f, c, "2026-11-06T10:00", "counsellor");
    /* Nothing on the day the follow-up was set meets it. */
    long long g = student(f, "20260006", "己", "active", NULL);
    long long g_rec = session(f, g, "2026-11-02", "2026-11-09");
    assess(f, g, "2026-11-02", 1);
    /* A chain of sessions meets each one. */
    long long h = student(f, "20260007", "庚", "active", NULL);
    session(f, h, "2026-10-20", "2026-10-27");
    session(f, h, "2026-11-02", "2026-11-09");
    session(f, h, "2026-11-03", NULL);
    /* A session planned three weeks ahead: a session two days later does
     * not meet it (too early), one five days early does. */
    long long k = student(f, "20260008", "辛", "active", NULL);
    long long k_rec = session(f, k, "2026-11-02", "2026-11-23");
    session(f, k, "2026-11-04", NULL);
    long long m = student(f, "20260009", "壬", "active", NULL);
    session(f, m, "2026-11-02", "2026-11-23");
    session(f, m, "2026-11-18", NULL);
    /* A contact's follow-up is met by a later contact, not by a session. */
    long long n = student(f, "20260010", "癸", "active", NULL);
    long long n_rec = contact(f, n, "2026-11-02", "2026-11-09");
    session(f, n, "2026-11-05", NULL);
    long long p = student(f, "20260012", "子", "active", NULL);
    contact(f, p, "2026-11-02", "2026-11-09");
    contact(f, p, "2026-11-05", NULL);

    json_t *list = due(f, "2026-11-30", 0);
    assert_non_null(row_of_record(list, a_rec));
    assert_int_equal(rows_of(list, a2, "follow_up"), 0);
    assert_non_null(row_of_record(list, b_old));
    assert_non_null(row_of_record(list, b_new));
    assert_int_equal(rows_of(list, b, "follow_up"), 2);
    assert_non_null(row_of_record(list, c_rec));
    assert_non_null(row_of_record(list, g_rec));
    assert_int_equal(rows_of(list, h, "follow_up"), 0);
    assert_non_null(row_of_record(list, k_rec));
    assert_int_equal(rows_of(list, m, "follow_up"), 0);
    assert_non_null(row_of_record(list, n_rec));
    assert_int_equal(rows_of(list, p, "follow_up"), 0);
    assert_int_equal(json_array_size(list), 7);
    json_decref(list);
    OK(cl_followup_recompute_check(f->v, false));
}

/* Issue 10 item 11: a session planned a follow-up, a risk assessment
 * (risk 2) another, then a call with the father set a third. */
static void test_parent_call(void **state)
{
    fixture *f = *state;
    long long s = student(f, "20260001", "张小明", "active", NULL);
    long long ses = session(f, s, "2026-11-02", "2026-11-20");
    long long ass = assess_until(f, s, "2026-11-03", 2, "2026-11-24");
    long long call = contact(f, s, "2026-11-04", "2026-11-08");
    json_t *list = due(f, "2026-11-30", 0);
    assert_non_null(row_of_record(list, ses));
    assert_non_null(row_of_record(list, ass));
    assert_non_null(row_of_record(list, call));
    char want[96];
    snprintf(want, sizeof want, "follow-up set by assessment #%lld on 2026-11-03", ass);
    assert_string_equal(s_of(row_of_record(list, ass), "reason"), want);
    /* The call did not restart the risk policy's clock: 14 days from the
     * assessment, the last direct contact. */
    json_t *r = row_of(list, s, "policy");
    assert_non_null(r);
    assert_string_equal(s_of(r, "due_date"), "2026-11-17");
    assert_string_equal(s_of(r, "reason"), "elevated (risk 2): at least every 14 days; last contact 2026-11-03");
    assert_int_equal(json_array_size(list), 4);
    json_decref(list);

    /* Another call with the family meets the call's follow-up only. */
    contact(f, s, "2026-11-09", NULL);
    list = due(f, "2026-11-30", 0);
    assert_null(row_of_record(list, call));
    assert_non_null(row_of_record(list, ses));
    assert_non_null(row_of_record(list, ass));
    json_decref(list);
    /* A session meets the session's and the assessment's, and restarts the
     * policy's clock. */
    session(f, s, "2026-11-18", NULL);
    list = due(f, "2026-11-30", 0);
    assert_int_equal(json_array_size(list), 0);
    json_decref(list);
    list = due(f, "2026-12-02", 0);
    r = row_of(list, s, "policy");
    assert_non_null(r);
    assert_string_equal(s_of(r, "due_date"), "2026-12-02");
    json_decref(list);
    OK(cl_followup_recompute_check(f->v, false));
}

static void test_close(void **state)
{
    fixture *f = *state;
    long long s = student(f, "20260001", "张小明", "active", NULL);
    long long ses = session(f, s, "2026-11-02", "2026-11-10");
    long long plain = session(f, s, "2026-11-03", NULL);
    long long call = contact(f, s, "2026-11-04", "2026-11-08");
    assert_int_equal(cl_followup_close(f->v, ses, ""), CL_EUSAGE);
    assert_int_equal(cl_followup_close(f->v, plain, "无需"), CL_ENOTFOUND);
    OK(cl_followup_close(f->v, call, "家长已到校面谈，不再电话跟进"));
    assert_int_equal(cl_followup_close(f->v, call, "again"), CL_EDATA);
    json_t *list = due(f, "2026-11-20", 0);
    assert_null(row_of_record(list, call));
    /* The session on 11-03 met the first one: not closable. */
    assert_null(row_of_record(list, ses));
    json_decref(list);
    assert_int_equal(cl_followup_close(f->v, ses, "x"), CL_EDATA);
    assert_non_null(strstr(cl_error_message(), "already met"));
    OK(cl_followup_recompute_check(f->v, false));
    /* A new date on the record is a new plan: open again. */
    json_t *rec;
    OK(cl_record_get(f->v, call, false, &rec));
    json_t *change = J("{\"follow_up\": \"2026-11-18\"}");
    set_now("2026-11-12T08:00:00Z");
    OK(cl_record_edit(f->v, call, json_integer_value(json_object_get(rec, "version")), change, NULL));
    json_decref(change);
    json_decref(rec);
    list = due(f, "2026-11-20", 0);
    assert_non_null(row_of_record(list, call));
    json_decref(list);
    OK(cl_followup_recompute_check(f->v, false));
    json_t *audit;
    OK(cl_audit_list(cl_vault_db(f->v), NULL, 0, &audit));
    size_t i, closes = 0;
    json_t *e;
    json_array_foreach(audit, i, e)
        closes += strcmp(json_string_value(json_object_get(e, "action")), "followup.close") == 0;
    assert_int_equal(closes, 1);
    json_decref(audit);
}

static void test_policies(void **state)
{
    fixture *f = *state;
    set_now("2026-10-01T08:00:00Z");
    long long crisis = student(f, "20260001", "危机生", "active", NULL);
    long long elevated = student(f, "20260002", "较高生", "monitoring", NULL);
    long long left = student(f, "20260003", "留守生", "active", "[\"left_behind\", \"single_parent\"]");
    long long both = student(f, "20260004", "两者", "active", "[\"left_behind\"]");
    long long plain = student(f, "20260005", "普通生", "active", "[\"single_parent\"]");
    set_now("2026-11-01T08:00:00Z");
    assess(f, crisis, "2026-11-01", 3);
    assess(f, elevated, "2026-11-01", 2);
    assess(f, both, "2026-11-01", 3);
    session(f, elevated, "2026-11-03", NULL);

    json_t *list = due(f, "2026-11-12", 0);
    json_t *r = row_of(list, crisis, "policy");
    assert_non_null(r);
    assert_string_equal(s_of(r, "due_date"), "2026-11-08");
    assert_int_equal(i_of(r, "days_overdue"), 4);
    assert_string_equal(s_of(r, "status"), "overdue");
    assert_int_equal(i_of(r, "risk_level"), 3);
    assert_true(json_is_null(json_object_get(r, "record_id")));
    assert_string_equal(s_of(r, "reason"), "crisis (risk 3): at least every 7 days; last contact 2026-11-01");
    /* Elevated: 14 days from the session on 11-03 — not yet due. */
    assert_null(row_of(list, elevated, "policy"));
    /* Left-behind, never seen: 30 days from when the student was added. */
    r = row_of(list, left, "policy");
    assert_non_null(r);
    assert_string_equal(s_of(r, "due_date"), "2026-10-31");
    assert_int_equal(i_of(r, "days_overdue"), 12);
    assert_non_null(strstr(s_of(r, "reason"), "(left_behind): at least every 30 days; no contact yet (on file since "
                                                 "2026-10-01)"));
    /* Crisis and left-behind: the fewest days win. */
    r = row_of(list, both, "policy");
    assert_non_null(r);
    assert_string_equal(s_of(r, "due_date"), "2026-11-08");
    assert_non_null(strstr(s_of(r, "reason"), "crisis (risk 3)"));
    assert_null(row_of(list, plain, "policy"));
    /* Most overdue first. */
    assert_int_equal(json_array_size(list), 3);
    assert_int_equal(i_of(json_array_get(list, 0), "student_id"), left);
    assert_int_equal(i_of(json_array_get(list, 1), "student_id"), crisis);
    assert_int_equal(i_of(json_array_get(list, 2), "student_id"), both);
    json_decref(list);

    list = due(f, "2026-11-12", 7);
    r = row_of(list, elevated, "policy");
    assert_non_null(r);
    assert_string_equal(s_of(r, "due_date"), "2026-11-17");
    assert_int_equal(i_of(r, "days_overdue"), -5);
    assert_string_equal(s_of(r, "status"), "due");
    assert_string_equal(s_of(r, "reason"), "elevated (risk 2): at least every 14 days; last contact 2026-11-03");
    json_decref(list);

    /* A session restarts the crisis clock. */
    session(f, crisis, "2026-11-10", NULL);
    list = due(f, "2026-11-12", 0);
    assert_null(row_of(list, crisis, "policy"));
    json_decref(list);
}

static void test_closed_excluded(void **state)
{
    fixture *f = *state;
    long long a = student(f, "20260001", "甲", "active", "[\"left_behind\"]");
    long long b = student(f, "20260002", "乙", "active", "[\"left_behind\"]");
    session(f, a, "2026-10-02", "2026-10-09");
    session(f, b, "2026-10-02", "2026-10-09");
    json_t *list = due(f, "2026-12-01", 0);
    assert_non_null(row_of(list, a, "follow_up"));
    assert_non_null(row_of(list, a, "policy"));
    json_decref(list);
    OK(cl_student_close(f->v, a, "closed", "学期结束，情况稳定"));
    OK(cl_student_close(f->v, b, "transferred", "转学"));
    list = due(f, "2026-12-01", 0);
    assert_int_equal(json_array_size(list), 0);
    json_decref(list);
}

static void test_policy_changes(void **state)
{
    fixture *f = *state;
    long long crisis = student(f, "20260001", "危机生", "active", NULL);
    long long left = student(f, "20260002", "留守生", "active", "[\"left_behind\"]");
    long long migrant = student(f, "20260003", "流动生", "active", "[\"migrant\"]");
    set_now("2026-11-01T08:00:00Z");
    assess(f, crisis, "2026-11-01", 3);

    json_t *list;
    OK(cl_followup_policy_list(f->v, &list));
    assert_int_equal(json_array_size(list), 3);
    json_decref(list);

    /* Tighter crisis policy: due sooner. */
    OK(cl_followup_policy_set(f->v, "risk", "crisis", 3));
    list = due(f, "2026-11-05", 0);
    json_t *r = row_of(list, crisis, "policy");
    assert_non_null(r);
    assert_string_equal(s_of(r, "due_date"), "2026-11-04");
    assert_string_equal(s_of(r, "reason"), "crisis (risk 3): at least every 3 days; last contact 2026-11-01");
    json_decref(list);

    /* No left-behind policy: that student is no longer listed. */
    list = due(f, "2026-11-05", 0);
    assert_non_null(row_of(list, left, "policy"));
    json_decref(list);
    OK(cl_followup_policy_remove(f->v, "circumstance", "left_behind"));
    list = due(f, "2026-11-05", 0);
    assert_null(row_of(list, left, "policy"));
    assert_null(row_of(list, migrant, "policy"));
    json_decref(list);
    /* A new circumstance policy, named by its label. */
    OK(cl_followup_policy_set(f->v, "circumstance", "流动儿童", 20));
    list = due(f, "2026-11-05", 0);
    r = row_of(list, migrant, "policy");
    assert_non_null(r);
    assert_string_equal(s_of(r, "due_date"), "2026-10-21");
    assert_non_null(strstr(s_of(r, "reason"), "(migrant): at least every 20 days"));
    json_decref(list);

    OK(cl_followup_policy_list(f->v, &list));
    assert_int_equal(json_array_size(list), 3);
    r = json_array_get(list, 0);
    assert_string_equal(s_of(r, "basis"), "risk");
    assert_string_equal(s_of(r, "value"), "3");
    assert_int_equal(i_of(r, "days"), 3);
    assert_string_equal(s_of(json_array_get(list, 2), "value"), "migrant");
    json_decref(list);

    /* Refusals change nothing. */
    assert_int_equal(cl_followup_policy_set(f->v, "grade", "3", 7), CL_EUSAGE);
    assert_int_equal(cl_followup_policy_set(f->v, "risk", "4", 7), CL_EUSAGE);
    assert_int_equal(cl_followup_policy_set(f->v, "risk", "3", 0), CL_EUSAGE);
    assert_int_equal(cl_followup_policy_set(f->v, "risk", "3", CL_FOLLOWUP_POLICY_MAX_DAYS + 1), CL_EUSAGE);
    assert_int_equal(cl_followup_policy_set(f->v, "circumstance", "martian", 7), CL_EUSAGE);
    assert_non_null(strstr(cl_error_message(), "left_behind"));
    assert_int_equal(cl_followup_policy_remove(f->v, "circumstance", "left_behind"), CL_ENOTFOUND);
    OK(cl_followup_policy_list(f->v, &list));
    assert_int_equal(json_array_size(list), 3);
    json_decref(list);

    /* Audited. */
    json_t *audit;
    OK(cl_audit_list(cl_vault_db(f->v), NULL, 0, &audit));
    int sets = 0, removes = 0;
    size_t i;
    json_array_foreach(audit, i, r) {
        const char *action = json_string_value(json_object_get(r, "action"));
        sets += strcmp(action, "policy.set") == 0;
        removes += strcmp(action, "policy.remove") == 0;
    }
    assert_int_equal(sets, 2);
    assert_int_equal(removes, 1);
    json_decref(audit);
}

static void test_bad_input(void **state)
{
    fixture *f = *state;
    json_t *list = NULL;
    assert_int_equal(cl_followup_due(f->v, "2026-02-30", 0, &list), CL_EUSAGE);
    assert_int_equal(cl_followup_due(f->v, "tomorrow", 0, &list), CL_EUSAGE);
    assert_int_equal(cl_followup_due(f->v, "2026-11-01", -1, &list), CL_EUSAGE);
    assert_null(list);
    /* Today from the clock. */
    set_now("2026-11-12T08:00:00Z");
    long long s = student(f, "20260001", "张小明", "active", NULL);
    session(f, s, "2026-11-02", "2026-11-09");
    list = due(f, NULL, 0);
    assert_int_equal(i_of(json_array_get(list, 0), "days_overdue"), 3);
    json_decref(list);
    /* Other date spellings are accepted for today. */
    list = due(f, "2026/11/12", 0);
    assert_int_equal(json_array_size(list), 1);
    json_decref(list);
}

/* Crisis-level students with no session in the last 7 days, from the kept
 * last session: never seen first, then the longest since; a session on
 * today − 7 still counts; an assessment or a family call is not a session;
 * risk below crisis and closed cases stay out; a page at a time by its
 * cursor; a new session takes the student off at once. */
static cl_status keep_crisis_text(const char *json, size_t len, const char *cursor, void *ctx)
{
    cl_status st = cl_buf_append(ctx, json, len);
    return st != CL_OK ? st : cl_buf_printf(ctx, " %s\n", cursor);
}

static void test_crisis_without_session(void **state)
{
    fixture *f = *state;
    long long never = student(f, "20260001", "甲", "active", NULL);
    long long long_ago = student(f, "20260002", "乙", "active", NULL);
    long long recent = student(f, "20260003", "丙", "monitoring", NULL);
    long long elevated = student(f, "20260004", "丁", "active", NULL);
    long long closed = student(f, "20260005", "戊", "active", NULL);
    assess(f, never, "2026-11-11", 3);
    contact(f, never, "2026-11-11", NULL);
    assess(f, long_ago, "2026-10-20", 3);
    session(f, long_ago, "2026-11-02", NULL);
    assess(f, recent, "2026-10-20", 3);
    session(f, recent, "2026-11-05", NULL);
    assess(f, elevated, "2026-10-20", 2);
    assess(f, closed, "2026-10-20", 3);
    OK(cl_student_close(f->v, closed, "closed", "学期结束"));

    json_t *rows = json_array();
    char *next = NULL;
    OK(cl_followup_crisis_page(f->v, "2026-11-12", 0, NULL, rows, &next));
    assert_null(next);
    assert_int_equal(json_array_size(rows), 2);
    assert_int_equal(i_of(json_array_get(rows, 0), "student_id"), never);
    assert_true(json_is_null(json_object_get(json_array_get(rows, 0), "last_session")));
    assert_int_equal(i_of(json_array_get(rows, 1), "student_id"), long_ago);
    assert_string_equal(s_of(json_array_get(rows, 1), "last_session"), "2026-11-02");
    assert_int_equal(i_of(json_array_get(rows, 1), "days_since"), 10);
    assert_string_equal(s_of(json_array_get(rows, 1), "name"), "乙");
    /* Written out, the same rows as the objects dumped, byte for byte (the
     * student never in a session with nulls), each with its cursor. */
    cl_buf text = {0}, want_text = {0};
    OK(cl_followup_crisis_text_page(f->v, "2026-11-12", 0, NULL, keep_crisis_text, &text, &next));
    assert_null(next);
    for (size_t i = 0; i < json_array_size(rows); i++) {
        char *row = json_dumps(json_array_get(rows, i), JSON_COMPACT | JSON_PRESERVE_ORDER);
        const char *last = json_string_value(json_object_get(json_array_get(rows, i), "last_session"));
        OK(cl_buf_printf(&want_text, "%s %s/%lld\n", row, last ? last : "",
                         (long long)i_of(json_array_get(rows, i), "student_id")));
        free(row);
    }
    assert_string_equal(text.data, want_text.data);
    cl_buf_free(&text);
    cl_buf_free(&want_text);
    json_decref(rows);
    long long n = 0;
    OK(cl_followup_crisis_count(f->v, "2026-11-12", &n));
    assert_int_equal(n, 2);
    /* The next day the session of 11-05 is 8 days old. */
    OK(cl_followup_crisis_count(f->v, "2026-11-13", &n));
    assert_int_equal(n, 3);

    /* Pages of one, end to end. */
    rows = json_array();
    OK(cl_followup_crisis_page(f->v, "2026-11-12", 1, NULL, rows, &next));
    assert_int_equal(json_array_size(rows), 1);
    char want[32];
    snprintf(want, sizeof want, "/%lld", never);
    assert_string_equal(next, want);
    char *last = NULL;
    OK(cl_followup_crisis_page(f->v, "2026-11-12", 1, next, rows, &last));
    assert_null(last);
    assert_int_equal(json_array_size(rows), 2);
    assert_int_equal(i_of(json_array_get(rows, 1), "student_id"), long_ago);
    free(next);
    json_decref(rows);

    /* A session now: off the list in the same write. */
    set_now("2026-11-12T08:00:00Z");
    session(f, long_ago, "2026-11-12", NULL);
    OK(cl_followup_crisis_count(f->v, NULL, &n));
    assert_int_equal(n, 1);
    OK(cl_followup_recompute_check(f->v, false));

    /* Bad cursors and dates change nothing and say what one looks like. */
    rows = json_array();
    static const char *const bad[] = {"x/1", "2026-13-01/2", "/0", "/", "2026-11-02", "/1x", "2026/11/02/3"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_int_equal(cl_followup_crisis_page(f->v, NULL, 1, bad[i], rows, &next), CL_EUSAGE);
        assert_non_null(strstr(cl_error_message(), "2026-11-02/123"));
    }
    assert_int_equal(cl_followup_crisis_page(f->v, "2026-02-30", 1, NULL, rows, &next), CL_EUSAGE);
    assert_int_equal(cl_followup_crisis_count(f->v, "tomorrow", &n), CL_EUSAGE);
    assert_int_equal(json_array_size(rows), 0);
    json_decref(rows);

    /* A name that is not UTF-8 (a vault written by other hands) stops the
     * list with a message naming the student and the way to mend it, not
     * "out of memory". */
    char sql[96];
    snprintf(sql, sizeof sql, "UPDATE students SET name = CAST(X'E4B8FF' AS TEXT) WHERE id = %lld", never);
    OK(cl_db_exec(cl_vault_db(f->v), sql));
    rows = json_array();
    assert_int_equal(cl_followup_crisis_page(f->v, "2026-11-12", 0, NULL, rows, &next), CL_EDATA);
    snprintf(want, sizeof want, "student #%lld", never);
    assert_non_null(strstr(cl_error_message(), want));
    assert_non_null(strstr(cl_error_message(), "student edit"));
    json_decref(rows);
}

int main(void)
{
    cl_secret_init_process();
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_explicit_follow_up),
        T(test_obligations),
        T(test_parent_call),
        T(test_close),
        T(test_policies),
        T(test_closed_excluded),
        T(test_policy_changes),
        T(test_bad_input),
        T(test_crisis_without_session),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
