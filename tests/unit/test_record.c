/* Unit tests for records: every kind round-trips, validation changes
 * nothing, stale edits conflict with both versions kept, signing,
 * amendments, assessments set risk, screenings raise flags, reviews. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "carelog/storage.h"
#include "carelog/text.h"
#include "record_fixture.h"

static const struct {
    const char *kind, *fields;
} every_kind[] = {
    {"observation", "{\"occurred_at\":\"2026-03-01T10:00\",\"location\":\"教室\",\"categories\":[\"emotional\"],"
                    "\"description\":\"上课哭泣，标记\",\"severity\":\"medium\"}"},
    {"session", "{\"occurred_at\":\"2026-03-02\",\"session_type\":\"individual\",\"risk_noted\":false,"
                "\"data\":\"说了很多\\n第二行\",\"duration_minutes\":45}"},
    {"assessment", "{\"occurred_at\":\"2026-03-03\",\"risk_level\":1,\"misconduct_tier\":\"bad\","
                   "\"reasons\":\"观察\",\"risk_factors\":[\"anxiety\",\"isolation\"]}"},
    {"plan", "{\"occurred_at\":\"2026-03-04\",\"goals\":\"每周一次辅导\",\"review_date\":\"2026-04-01\","
             "\"status\":\"active\"}"},
    {"contact", "{\"occurred_at\":\"2026-03-05\",\"who\":\"王芳\",\"channel\":\"phone\",\"summary\":\"电话沟通\"}"},
    {"referral", "{\"occurred_at\":\"2026-03-06\",\"concerns\":[\"neglect\"],\"reason\":\"长期无人照顾\","
                 "\"urgency\":\"urgent\",\"what\":\"经过\",\"guardians_informed\":true,\"agency\":\"civil_affairs\"}"},
    {"phq9", "{\"occurred_at\":\"2026-03-07\",\"q1\":0,\"q2\":0,\"q3\":0,\"q4\":0,\"q5\":0,\"q6\":0,\"q7\":0,"
             "\"q8\":0,\"q9\":0}"},
    {"gad7", "{\"occurred_at\":\"2026-03-08\",\"q1\":3,\"q2\":3,\"q3\":3,\"q4\":3,\"q5\":3,\"q6\":3,\"q7\":3}"},
};

static void test_every_kind_round_trips(void **state)
{
    fixture *f = *state;
    long long s = add_student(f->v, "20260001", "张三");
    for (size_t i = 0; i < sizeof every_kind / sizeof *every_kind; i++) {
        long long id = add_record(f->v, every_kind[i].kind, s, every_kind[i].fields, 0);
        json_t *rec = NULL;
        assert_int_equal(cl_record_get(f->v, id, true, &rec), CL_OK);
        json_t *want = J(every_kind[i].fields);
        assert_true(json_equal(json_object_get(rec, "fields"), want));
        assert_string_equal(json_string_value(json_object_get(rec, "kind")), every_kind[i].kind);
        assert_int_equal(json_integer_value(json_object_get(rec, "version")), 1);
        assert_int_equal(json_integer_value(json_object_get(rec, "student_id")), s);
        assert_string_equal(json_string_value(json_object_get(rec, "author")), "王老师");
        assert_string_equal(json_string_value(json_object_get(rec, "student_name")), "张三");
        char *text = NULL;
        assert_int_equal(cl_record_render(f->v, rec, "zh", &text), CL_OK);
        assert_non_null(strstr(text, "张三"));
        free(text);
        json_decref(want);
        json_decref(rec);
    }
    json_t *list = NULL;
    cl_record_filter filter = {.student_id = s};
    assert_int_equal(cl_record_list(f->v, &filter, &list), CL_OK);
    assert_int_equal(json_array_size(list), sizeof every_kind / sizeof *every_kind);
    /* Newest first. */
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "kind")), "gad7");
    json_decref(list);
    cl_record_filter since = {.since = "2026-03-05", .until = "2026-03-06"};
    assert_int_equal(cl_record_list(f->v, &since, &list), CL_OK);
    assert_int_equal(json_array_size(list), 2);
    json_decref(list);
    cl_record_filter bad = {.since = "2026-02-30"};
    assert_int_equal(cl_record_list(f->v, &bad, &list), CL_EDATA);
    /* The view was audited. */
    assert_true(count_rows(f->v, "SELECT COUNT(*) FROM audit WHERE action = 'record.view'") >= 8);
    assert_int_equal(count_rows(f->v, "SELECT COUNT(*) FROM audit WHERE action = 'record.create'"), 8);
}

static void test_validation_changes_nothing(void **state)
{
    fixture *f = *state;
    long long s = add_student(f->v, "20260001", "张三");
    long long records = count_rows(f->v, "SELECT COUNT(*) FROM records");
    long long audits = count_rows(f->v, "SELECT COUNT(*) FROM audit");
    static const char *const bad[] = {
        "{\"occurred_at\":\"2026-02-30T10:00\",\"categories\":[\"emotional\"],\"description\":\"x\",\"severity\":\"low\"}",
        "{\"occurred_at\":\"2026-03-01T10:00\",\"categories\":[\"nope\"],\"description\":\"x\",\"severity\":\"low\"}",
        "{\"occurred_at\":\"2026-03-01T10:00\",\"categories\":[\"emotional\"],\"severity\":\"low\"}",
        "{\"occurred_at\":\"2026-03-01T10:00\",\"categories\":[\"emotional\"],\"description\":\"x\",\"severity\":\"low\","
        "\"unknown_field\":1}",
    };
    long long id = 0;
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        json_t *fl = J(bad[i]);
        assert_int_equal(cl_record_add(f->v, "observation", s, fl, 0, &id), CL_EDATA);
        json_decref(fl);
    }
    /* Over-long text (4001 characters of 汉). */
    cl_buf b = {0};
    for (int i = 0; i < 4001; i++)
        cl_buf_puts(&b, "汉");
    json_t *fl = json_pack("{s:s, s:[s], s:s, s:s}", "occurred_at", "2026-03-01T10:00", "categories", "emotional",
                           "description", b.data, "severity", "low");
    assert_int_equal(cl_record_add(f->v, "observation", s, fl, 0, &id), CL_EDATA);
    assert_non_null(strstr(cl_error_message(), "description"));
    json_decref(fl);
    cl_buf_free(&b);
    /* Unknown kind, unknown student, a student record through record add. */
    fl = J("{}");
    assert_int_equal(cl_record_add(f->v, "diary", s, fl, 0, &id), CL_ENOTFOUND);
    assert_non_null(strstr(cl_error_message(), "observation"));
    assert_int_equal(cl_record_add(f->v, "contact", 999, fl, 0, &id), CL_ENOTFOUND);
    assert_int_equal(cl_record_add(f->v, "student", s, fl, 0, &id), CL_EUSAGE);
    json_decref(fl);
    /* A referral missing its conditional reason. */
    fl = J("{\"occurred_at\":\"2026-03-06\",\"concerns\":[\"neglect\"],\"reason\":\"r\",\"urgency\":\"urgent\","
           "\"what\":\"w\",\"guardians_informed\":false,\"agency\":\"police\"}");
    assert_int_equal(cl_record_add(f->v, "referral", s, fl, 0, &id), CL_EDATA);
    assert_non_null(strstr(cl_error_message(), "reason_not_informed"));
    json_decref(fl);
    assert_int_equal(count_rows(f->v, "SELECT COUNT(*) FROM records"), records);
    assert_int_equal(count_rows(f->v, "SELECT COUNT(*) FROM audit"), audits);
}

static void test_stale_edit_conflicts_and_history(void **state)
{
    fixture *f = *state;
    long long s = add_student(f->v, "20260001", "张三");
    long long id = add_record(f->v, "contact", s,
                              "{\"occurred_at\":\"2026-03-05\",\"who\":\"王芳\",\"channel\":\"phone\",\"summary\":\"一\"}", 0);
    json_t *ch = J("{\"summary\":\"二\"}");
    long long nv = 0;
    assert_int_equal(cl_record_edit(f->v, id, 1, ch, &nv), CL_OK);
    assert_int_equal(nv, 2);
    json_decref(ch);
    /* A second terminal still holding version 1. */
    ch = J("{\"summary\":\"三\"}");
    assert_int_equal(cl_record_edit(f->v, id, 1, ch, &nv), CL_ECONFLICT);
    assert_non_null(strstr(cl_error_message(), "王老师"));
    assert_non_null(strstr(cl_error_message(), "version 2"));
    json_decref(ch);
    /* Invalid change: nothing saved. */
    ch = J("{\"channel\":\"pigeon\"}");
    assert_int_equal(cl_record_edit(f->v, id, 2, ch, &nv), CL_EDATA);
    json_decref(ch);
    /* Removing a field with null; a required one is refused. */
    ch = J("{\"who\":null}");
    assert_int_equal(cl_record_edit(f->v, id, 2, ch, &nv), CL_EDATA);
    json_decref(ch);
    json_t *hist = NULL;
    assert_int_equal(cl_record_history(f->v, id, &hist), CL_OK);
    assert_int_equal(json_array_size(hist), 2);
    assert_string_equal(json_string_value(json_object_get(json_object_get(json_array_get(hist, 0), "fields"), "summary")),
                        "一");
    assert_string_equal(json_string_value(json_object_get(json_object_get(json_array_get(hist, 1), "fields"), "summary")),
                        "二");
    json_decref(hist);
    json_t *rec = NULL;
    assert_int_equal(cl_record_get(f->v, id, false, &rec), CL_OK);
    assert_int_equal(json_integer_value(json_object_get(rec, "version")), 2);
    assert_int_equal(json_integer_value(json_object_get(rec, "history_versions")), 1);
    json_decref(rec);
    assert_int_equal(count_rows(f->v, "SELECT COUNT(*) FROM audit WHERE action = 'record.edit'"), 1);
}

static void test_sign_then_only_amend(void **state)
{
    fixture *f = *state;
    long long s = add_student(f->v, "20260001", "张三");
    long long id = add_record(f->v, "session", s,
                              "{\"occurred_at\":\"2026-03-02\",\"session_type\":\"crisis\",\"risk_noted\":true,"
                              "\"risk_detail\":\"提到轻生\"}", 0);
    long long obs = add_record(f->v, "observation", s,
                               "{\"occurred_at\":\"2026-03-01T10:00\",\"categories\":[\"emotional\"],"
                               "\"description\":\"x\",\"severity\":\"low\"}", 0);
    assert_int_equal(cl_record_sign(f->v, obs, 1), CL_EUSAGE);
    assert_int_equal(cl_record_sign(f->v, id, 2), CL_ECONFLICT);
    assert_int_equal(cl_record_sign(f->v, id, 1), CL_OK);
    assert_int_equal(cl_record_sign(f->v, id, 1), CL_EPERM);
    json_t *ch = J("{\"risk_detail\":\"改\"}");
    long long nv;
    assert_int_equal(cl_record_edit(f->v, id, 1, ch, &nv), CL_EPERM);
    assert_non_null(strstr(cl_error_message(), "amendment"));
    json_decref(ch);
    assert_int_equal(cl_record_amend(f->v, id, "补充：当天已通知家长"), CL_OK);
    assert_int_equal(cl_record_amend(f->v, id, ""), CL_EUSAGE);
    assert_int_equal(cl_record_amend(f->v, id, "bad \xff utf8"), CL_EDATA);
    assert_int_equal(cl_record_amend(f->v, 999, "x"), CL_ENOTFOUND);
    json_t *rec = NULL;
    assert_int_equal(cl_record_get(f->v, id, false, &rec), CL_OK);
    assert_true(json_is_true(json_object_get(rec, "signature_valid")));
    assert_string_equal(json_string_value(json_object_get(rec, "signed_by")), "王老师");
    json_t *am = json_object_get(rec, "amendments");
    assert_int_equal(json_array_size(am), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(am, 0), "text")), "补充：当天已通知家长");
    char *text = NULL;
    assert_int_equal(cl_record_render(f->v, rec, "en", &text), CL_OK);
    assert_non_null(strstr(text, "signature valid"));
    assert_non_null(strstr(text, "补充：当天已通知家长"));
    free(text);
    json_decref(rec);
    /* Changing the signed content behind carelog's back breaks the signature. */
    char sql[160];
    snprintf(sql, sizeof sql, "UPDATE records SET fields = json_set(fields, '$.risk_detail', 'forged') WHERE id = %lld",
             id);
    assert_int_equal(sqlite3_exec(cl_vault_db(f->v), sql, NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(cl_record_get(f->v, id, false, &rec), CL_OK);
    assert_true(json_is_false(json_object_get(rec, "signature_valid")));
    json_decref(rec);
}

static void test_assessment_sets_risk(void **state)
{
    fixture *f = *state;
    long long s = add_student(f->v, "20260001", "张三");
    add_record(f->v, "assessment", s,
               "{\"occurred_at\":\"2026-03-03\",\"risk_level\":3,\"misconduct_tier\":\"serious\",\"reasons\":\"r\","
               "\"safety_plan\":true,\"follow_up\":\"2026-03-10\"}", 0);
    json_t *st = NULL;
    assert_int_equal(cl_student_get(f->v, s, &st), CL_OK);
    assert_int_equal(json_integer_value(json_object_get(st, "risk_level")), 3);
    assert_string_equal(json_string_value(json_object_get(st, "misconduct_tier")), "serious");
    json_decref(st);
    /* An older assessment added later does not override the newer one. */
    add_record(f->v, "assessment", s,
               "{\"occurred_at\":\"2026-01-01\",\"risk_level\":0,\"misconduct_tier\":\"none\",\"reasons\":\"r\"}", 0);
    long long newer = add_record(f->v, "assessment", s,
                                 "{\"occurred_at\":\"2026-04-01\",\"risk_level\":1,\"misconduct_tier\":\"bad\","
                                 "\"reasons\":\"好转\"}", 0);
    assert_int_equal(cl_student_get(f->v, s, &st), CL_OK);
    assert_int_equal(json_integer_value(json_object_get(st, "risk_level")), 1);
    json_t *hist = json_object_get(st, "risk_history");
    assert_int_equal(json_array_size(hist), 3);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(hist, 0), "record_id")), newer);
    json_decref(st);
    /* Elevated risk needs a safety plan and a follow-up date. */
    json_t *fl = J("{\"occurred_at\":\"2026-04-02\",\"risk_level\":2,\"misconduct_tier\":\"none\",\"reasons\":\"r\"}");
    long long id;
    assert_int_equal(cl_record_add(f->v, "assessment", s, fl, 0, &id), CL_EDATA);
    json_decref(fl);
    json_t *list = NULL;
    cl_student_filter filter = {.risk = 1};
    assert_int_equal(cl_student_list(f->v, &filter, &list), CL_OK);
    assert_int_equal(json_array_size(list), 1);
    json_decref(list);
}

static void test_phq9_item9_raises_flag(void **state)
{
    fixture *f = *state;
    long long s = add_student(f->v, "20260001", "张三");
    long long calm = add_record(f->v, "phq9", s,
                                "{\"occurred_at\":\"2026-03-07\",\"q1\":1,\"q2\":1,\"q3\":1,\"q4\":1,\"q5\":1,"
                                "\"q6\":0,\"q7\":0,\"q8\":0,\"q9\":0}", 0);
    json_t *rec = NULL;
    assert_int_equal(cl_record_get(f->v, calm, false, &rec), CL_OK);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(rec, "score"), "score")), 5);
    assert_string_equal(json_string_value(json_object_get(json_object_get(rec, "score"), "band")), "mild");
    json_decref(rec);
    assert_int_equal(count_rows(f->v, "SELECT COUNT(*) FROM flags"), 0);
    long long id = add_record(f->v, "phq9", s,
                              "{\"occurred_at\":\"2026-03-08\",\"q1\":2,\"q2\":2,\"q3\":1,\"q4\":1,\"q5\":1,"
                              "\"q6\":1,\"q7\":1,\"q8\":0,\"q9\":1}", 0);
    json_t *st = NULL;
    assert_int_equal(cl_student_get(f->v, s, &st), CL_OK);
    json_t *flags = json_object_get(st, "flags");
    assert_int_equal(json_array_size(flags), 1);
    json_t *flag = json_array_get(flags, 0);
    assert_string_equal(json_string_value(json_object_get(flag, "flag")), "self_harm_thoughts");
    assert_int_equal(json_integer_value(json_object_get(flag, "record_id")), id);
    long long flag_id = json_integer_value(json_object_get(flag, "id"));
    json_decref(st);
    json_t *list = NULL;
    assert_int_equal(cl_student_list(f->v, NULL, &list), CL_OK);
    assert_string_equal(json_string_value(json_array_get(json_object_get(json_array_get(list, 0), "flags"), 0)),
                        "self_harm_thoughts");
    json_decref(list);
    /* Clearing needs a reason, is audited, and an edit does not raise it again. */
    assert_int_equal(cl_student_clear_flag(f->v, flag_id, ""), CL_EUSAGE);
    assert_int_equal(cl_student_clear_flag(f->v, flag_id, "当天评估：无自杀计划"), CL_OK);
    assert_int_equal(cl_student_clear_flag(f->v, flag_id, "again"), CL_EDATA);
    assert_int_equal(count_rows(f->v, "SELECT COUNT(*) FROM audit WHERE action = 'flag.clear'"), 1);
    json_t *ch = J("{\"notes\":\"复测\"}");
    long long nv;
    assert_int_equal(cl_record_edit(f->v, id, 1, ch, &nv), CL_OK);
    json_decref(ch);
    assert_int_equal(count_rows(f->v, "SELECT COUNT(*) FROM flags WHERE cleared_at IS NULL"), 0);
    assert_int_equal(cl_student_get(f->v, s, &st), CL_OK);
    assert_int_equal(json_array_size(json_object_get(st, "flags")), 0);
    json_decref(st);
}

static void test_review_links_to_plan(void **state)
{
    fixture *f = *state;
    long long s = add_student(f->v, "20260001", "张三");
    long long other = add_student(f->v, "20260002", "李四");
    long long plan = add_record(f->v, "plan", s,
                                "{\"occurred_at\":\"2026-03-04\",\"goals\":\"g\",\"review_date\":\"2026-04-01\","
                                "\"status\":\"active\"}", 0);
    long long rev = add_record(f->v, "review", s,
                               "{\"occurred_at\":\"2026-04-01\",\"progress\":\"p\",\"goal_status\":\"partly\"}", plan);
    json_t *rec = NULL;
    assert_int_equal(cl_record_get(f->v, rev, false, &rec), CL_OK);
    assert_int_equal(json_integer_value(json_object_get(rec, "parent_id")), plan);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(rec, "fields"), "plan")), plan);
    json_decref(rec);
    assert_int_equal(cl_record_get(f->v, plan, false, &rec), CL_OK);
    assert_int_equal(json_array_size(json_object_get(rec, "reviews")), 1);
    json_decref(rec);
    json_t *fl = J("{\"occurred_at\":\"2026-04-01\",\"progress\":\"p\",\"goal_status\":\"partly\"}");
    long long id;
    assert_int_equal(cl_record_add(f->v, "review", other, fl, plan, &id), CL_EDATA); /* another student's plan */
    assert_int_equal(cl_record_add(f->v, "review", s, fl, rev, &id), CL_EDATA);      /* not a plan */
    assert_int_equal(cl_record_add(f->v, "review", s, fl, 0, &id), CL_EDATA);        /* no plan */
    assert_int_equal(cl_record_add(f->v, "contact", s, fl, plan, &id), CL_EUSAGE);   /* parent on another kind */
    json_decref(fl);
}

static void test_referral_starts_draft(void **state)
{
    fixture *f = *state;
    long long s = add_student(f->v, "20260001", "张三");
    long long id = add_record(f->v, "referral", s, every_kind[5].fields, 0);
    json_t *rec = NULL;
    assert_int_equal(cl_record_get(f->v, id, false, &rec), CL_OK);
    assert_string_equal(json_string_value(json_object_get(rec, "state")), "draft");
    json_t *tr = json_object_get(rec, "transitions");
    assert_int_equal(json_array_size(tr), 1);
    assert_true(json_is_null(json_object_get(json_array_get(tr, 0), "from")));
    assert_string_equal(json_string_value(json_object_get(json_array_get(tr, 0), "to")), "draft");
    json_decref(rec);
}

static void test_nested_transaction(void **state)
{
    /* Inside a caller's transaction the record functions use savepoints:
     * the caller's rollback undoes them all. */
    fixture *f = *state;
    sqlite3 *db = cl_vault_db(f->v);
    assert_int_equal(cl_db_begin(db), CL_OK);
    long long s = add_student(f->v, "20260001", "张三");
    add_record(f->v, "contact", s, "{\"occurred_at\":\"2026-03-05\",\"who\":\"w\",\"channel\":\"phone\",\"summary\":\"s\"}", 0);
    json_t *bad = J("{}");
    long long id;
    assert_int_equal(cl_record_add(f->v, "contact", s, bad, 0, &id), CL_EDATA); /* rolls back only itself */
    json_decref(bad);
    assert_int_equal(count_rows(f->v, "SELECT COUNT(*) FROM records"), 2);
    cl_db_rollback(db);
    assert_int_equal(count_rows(f->v, "SELECT COUNT(*) FROM records"), 0);
    assert_int_equal(count_rows(f->v, "SELECT COUNT(*) FROM students"), 0);
}

static void test_version_counter_never_overflows(void **state)
{
    /* A version at the top of its range (as a vault import may bring one)
     * is refused for editing instead of overflowing: nothing changes. */
    fixture *f = *state;
    long long s = add_student(f->v, "20260001", "张三");
    long long id = add_record(f->v, "contact", s, "{\"occurred_at\":\"2026-03-05\",\"who\":\"w\",\"channel\":\"phone\","
                                               "\"summary\":\"s\"}", 0);
    char sql[128];
    snprintf(sql, sizeof sql, "UPDATE records SET version = 9223372036854775807 WHERE id = %lld", id);
    assert_int_equal(sqlite3_exec(cl_vault_db(f->v), sql, NULL, NULL, NULL), SQLITE_OK);
    long long audits = count_rows(f->v, "SELECT COUNT(*) FROM audit");
    json_t *changes = J("{\"summary\":\"changed\"}");
    long long nv = 0;
    assert_int_equal(cl_record_edit(f->v, id, INT64_MAX, changes, &nv), CL_EDATA);
    json_decref(changes);
    assert_int_equal(count_rows(f->v, "SELECT COUNT(*) FROM record_versions"), 0);
    assert_int_equal(count_rows(f->v, "SELECT COUNT(*) FROM audit"), audits);
    assert_int_equal(count_rows(f->v, "SELECT typeof(version) = 'integer' AND version = 9223372036854775807 "
                                      "FROM records WHERE kind = 'contact'"), 1);
}

/* Pages of a list (--limit, --before) join up to the whole list, in order,
 * and streaming gives the same rows as the list. */
static cl_status count_row(json_t *row, void *ctx)
{
    (void)row;
    ++*(long long *)ctx;
    return *(long long *)ctx < 5 ? CL_OK : CL_ECONFLICT;
}

static void test_pages_and_stream(void **state)
{
    fixture *f = *state;
    long long s = add_student(f->v, "20260001", "张小明");
    for (int i = 0; i < 12; i++) {
        char text[160];
        snprintf(text, sizeof text, "{\"occurred_at\": \"2026-0%d-1%d\", \"session_type\": \"individual\","
                                    " \"risk_noted\": false}", 1 + i % 3, i % 10);
        add_record(f->v, "session", s, text, 0);
    }
    json_t *whole;
    cl_record_filter all = {0};
    OK(cl_record_list(f->v, &all, &whole));
    assert_int_equal(json_array_size(whole), 12);
    size_t at = 0;
    long long before = 0;
    for (;;) {
        json_t *page;
        cl_record_filter pf = {.limit = 5, .before_id = before};
        OK(cl_record_list(f->v, &pf, &page));
        if (json_array_size(page) == 0) {
            json_decref(page);
            break;
        }
        size_t i;
        json_t *r;
        json_array_foreach(page, i, r) {
            assert_true(json_equal(r, json_array_get(whole, at)));
            at++;
            before = json_integer_value(json_object_get(r, "id"));
        }
        json_decref(page);
    }
    assert_int_equal(at, 12);
    json_decref(whole);
    /* A callback's failure stops the walk and is what comes back. */
    long long seen = 0;
    assert_int_equal(cl_record_each(f->v, &all, count_row, &seen), CL_ECONFLICT);
    assert_int_equal(seen, 5);
}

/* A list line's summary: the opening words of the first text with a value
 * (empty and non-text values skipped, breaks shown as spaces, cut at 48
 * characters with "…"), a screening's score, and for fields that are not
 * JSON or not UTF-8 nothing; read without parsing the fields in SQL
 * (summary_source_sql), the same words as from the fields. */
static void test_list_summaries(void **state)
{
    fixture *f = *state;
    long long s = add_student(f->v, "20260001", "张小明");
    char text48[48 * 3 + 1] = "", text49[49 * 3 + 1] = "";
    for (int i = 0; i < 49; i++) {
        if (i < 48)
            strcat(text48, "字");
        strcat(text49, "字");
    }
    char with48[256], with49[256], cut[256];
    snprintf(with48, sizeof with48, "{\"occurred_at\":\"2026-03-01\",\"session_type\":\"individual\",\"risk_noted\":false,"
             "\"data\":\"%s\"}", text48);
    snprintf(with49, sizeof with49, "{\"occurred_at\":\"2026-03-02\",\"session_type\":\"individual\",\"risk_noted\":false,"
             "\"data\":\"%s\"}", text49);
    snprintf(cut, sizeof cut, "%s…", text48);
    struct {
        long long id;
        const char *want;
    } rows[] = {
        {add_record(f->v, "session", s, "{\"occurred_at\":\"2026-03-03\",\"session_type\":\"individual\","
                    "\"risk_noted\":false,\"presenting_issue\":\"\",\"data\":\"第一行\\n第二行\\t完\"}", 0), "第一行 第二行 完"},
        {add_record(f->v, "session", s, with48, 0), text48},
        {add_record(f->v, "session", s, with49, 0), cut},
        {add_record(f->v, "session", s, "{\"occurred_at\":\"2026-03-04\",\"session_type\":\"group\",\"risk_noted\":false}", 0), ""},
        {add_record(f->v, "session", s, "{\"occurred_at\":\"2026-03-05\",\"session_type\":\"group\",\"risk_noted\":false,"
                    "\"data\":\"x\"}", 0), ""},
        {add_record(f->v, "session", s, "{\"occurred_at\":\"2026-03-06\",\"session_type\":\"group\",\"risk_noted\":false,"
                    "\"data\":\"x\"}", 0), "y"},
        {add_record(f->v, "session", s, "{\"occurred_at\":\"2026-03-07\",\"session_type\":\"group\",\"risk_noted\":false,"
                    "\"data\":\"x\"}", 0), ""},
        {add_record(f->v, "gad7", s, "{\"occurred_at\":\"2026-03-08\",\"q1\":3,\"q2\":3,\"q3\":3,\"q4\":3,\"q5\":3,"
                    "\"q6\":3,\"q7\":3}", 0), NULL},
    };
    /* Stored otherwise than carelog writes them: not JSON; a number where
     * text belongs (the next text is the summary); bytes that are not
     * UTF-8. */
    char sql[256];
    snprintf(sql, sizeof sql, "UPDATE records SET fields = '{not json' WHERE id = %lld", rows[4].id);
    OK(cl_db_exec(cl_vault_db(f->v), sql));
    snprintf(sql, sizeof sql, "UPDATE records SET fields = json_set(fields, '$.presenting_issue', 5, '$.plan', 'y',"
             " '$.data', json('null')) WHERE id = %lld", rows[5].id);
    OK(cl_db_exec(cl_vault_db(f->v), sql));
    snprintf(sql, sizeof sql, "UPDATE records SET fields = json_set(fields, '$.data', CAST(x'c3' AS TEXT)) WHERE id = %lld",
             rows[6].id);
    OK(cl_db_exec(cl_vault_db(f->v), sql));
    json_t *list;
    cl_record_filter all = {.student_id = s};
    for (int pass = 0; pass < 2; pass++) {
        OK(cl_record_list(f->v, pass == 0 ? NULL : &all, &list));
        size_t found = 0;
        for (size_t k = 0; k < sizeof rows / sizeof *rows; k++)
            for (size_t i = 0; i < json_array_size(list); i++) {
                json_t *r = json_array_get(list, i);
                if (json_integer_value(json_object_get(r, "id")) != rows[k].id)
                    continue;
                found++;
                const char *got = json_string_value(json_object_get(r, "summary"));
                assert_non_null(got);
                if (rows[k].want) {
                    assert_string_equal(got, rows[k].want);
                    assert_null(json_object_get(r, "summary_zh"));
                } else { /* the screening: its title and score in both languages */
                    assert_non_null(strstr(got, "21/21"));
                    assert_non_null(strstr(json_string_value(json_object_get(r, "summary_zh")), "21/21"));
                }
            }
        assert_int_equal(found, sizeof rows / sizeof *rows);
        json_decref(list);
    }
}

#define SHOWN_CANARY "record-shown-and-listed-canary"

static cl_status row_has_canary(json_t *row, void *ctx)
{
    char *text = json_dumps(row, JSON_COMPACT);
    *(bool *)ctx |= text && strstr(text, SHOWN_CANARY);
    free(text);
    return CL_OK;
}

/* Showing a record (read, audited, rendered for people in both languages,
 * its history) and listing records (the list with its summaries, and
 * streamed row by row) leave none of its text in freed memory. */
static void show_and_list(void *ctx)
{
    fixture *f = ctx;
    long long id = add_record(f->v, "session", f->student,
                              "{\"occurred_at\": \"2026-03-01\", \"session_type\": \"individual\", \"risk_noted\": false,"
                              " \"presenting_issue\": \"" SHOWN_CANARY "\", \"data\": \"今天说起 " SHOWN_CANARY "\"}",
                              0);
    json_t *record;
    OK(cl_record_get(f->v, id, true, &record));
    static const char *const langs[] = {"zh", "en"};
    for (size_t i = 0; i < 2; i++) {
        char *shown;
        OK(cl_record_render(f->v, record, langs[i], &shown));
        assert_non_null(strstr(shown, SHOWN_CANARY));
        char *inert = cl_text_inert(shown, true);
        free(inert);
        free(shown);
    }
    json_decref(record);
    json_t *history;
    OK(cl_record_history(f->v, id, &history));
    json_decref(history);
    json_t *list;
    cl_record_filter all = {0};
    OK(cl_record_list(f->v, &all, &list));
    char *listed = json_dumps(list, JSON_INDENT(2));
    assert_non_null(strstr(listed, SHOWN_CANARY));
    free(listed);
    json_decref(list);
    bool streamed = false;
    OK(cl_record_each(f->v, &all, row_has_canary, &streamed));
    assert_true(streamed);
}

static void test_shown_and_listed_text_wiped(void **state)
{
    skip_without_malloc_heap();
    fixture *f = *state;
    f->student = add_student(f->v, "20260009", "林小雨");
    expect_path_leaves_nothing(show_and_list, f, SHOWN_CANARY);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_every_kind_round_trips, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_pages_and_stream, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_list_summaries, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_shown_and_listed_text_wiped, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_validation_changes_nothing, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_stale_edit_conflicts_and_history, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_sign_then_only_amend, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_assessment_sets_risk, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_phq9_item9_raises_flag, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_review_links_to_plan, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_referral_starts_draft, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_nested_transaction, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_version_counter_never_overflows, fixture_setup, fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
