/* Forms: the shipped definitions, the parser's errors, validation,
 * conversion of command-line text, scoring and rendering. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "carelog/form.h"

static const char *const shipped[] = {
    "student", "observation", "session", "assessment", "plan",
    "review",  "contact",     "referral", "phq9",      "gad7",
};

/* Tests run from the top of the tree (make); CARELOG_FORMS_DIR overrides. */
static void shipped_path(const char *kind, char path[512])
{
    const char *dir = getenv("CARELOG_FORMS_DIR");
    snprintf(path, 512, "%s/%s.form", dir ? dir : "forms", kind);
}

static cl_form *load_shipped(const char *kind)
{
    char path[512];
    shipped_path(kind, path);
    cl_form *f = NULL;
    cl_status st = cl_form_load(path, &f);
    if (st != CL_OK)
        fail_msg("%s: %s", path, cl_error_message());
    assert_non_null(f);
    return f;
}

static json_t *obj(const char *text)
{
    json_error_t err;
    json_t *v = json_loads(text, 0, &err);
    if (!v)
        fail_msg("bad test JSON: %s: %s", text, err.text);
    return v;
}

/* Validates JSON text; returns the status and leaves the message. */
static cl_status check(const cl_form *f, const char *json)
{
    json_t *v = obj(json);
    cl_error_clear();
    cl_status st = cl_form_validate(f, v);
    json_decref(v);
    return st;
}

static void assert_valid(const cl_form *f, const char *json)
{
    if (check(f, json) != CL_OK)
        fail_msg("expected valid: %s\n  got: %s", json, cl_error_message());
}

static void assert_invalid(const cl_form *f, const char *json, const char *message)
{
    cl_status st = check(f, json);
    if (st != CL_EDATA)
        fail_msg("expected CL_EDATA for %s, got %d", json, st);
    if (!strstr(cl_error_message(), message))
        fail_msg("for %s\n  expected message containing: %s\n  got: %s", json, message,
                 cl_error_message());
}

/* ---- shipped forms ---------------------------------------------------- */

static void test_shipped_forms_parse(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof shipped / sizeof *shipped; i++) {
        cl_form *f = load_shipped(shipped[i]);
        assert_string_equal(cl_form_kind(f), shipped[i]);
        assert_non_null(cl_form_title(f, "zh"));
        assert_non_null(cl_form_title(f, "en"));
        assert_true(cl_form_field_count(f) > 0);
        for (size_t j = 0; j < cl_form_field_count(f); j++) {
            const cl_field *fld = cl_form_field_at(f, j);
            assert_non_null(fld->label_zh);
            assert_non_null(fld->label_en);
            assert_ptr_equal(cl_form_field(f, fld->id), fld);
        }
        /* Every record form says when it happened; follow-ups are dates. */
        if (strcmp(shipped[i], "student") != 0) {
            const cl_field *at = cl_form_field(f, "occurred_at");
            assert_non_null(at);
            assert_true(at->type == CL_FIELD_DATE || at->type == CL_FIELD_DATETIME);
        }
        const cl_field *fu = cl_form_field(f, "follow_up");
        if (fu)
            assert_int_equal(fu->type, CL_FIELD_DATE);
        /* An empty record is checked without crashing (and is incomplete). */
        json_t *empty = json_object();
        assert_int_equal(cl_form_validate(f, empty), CL_EDATA);
        char *r = cl_form_render(f, empty, "zh");
        assert_non_null(r);
        free(r);
        json_decref(empty);
        cl_form_free(f);
    }
}

static void test_conventional_ids(void **state)
{
    (void)state;
    cl_form *s = load_shipped("student");
    static const char *const ids[] = { "number", "name", "gender", "birth_date", "class",
                                       "guardians", "circumstances", "status",
                                       "counsellor", "school_notes" };
    for (size_t i = 0; i < sizeof ids / sizeof *ids; i++)
        assert_non_null(cl_form_field(s, ids[i]));
    const cl_field *g = cl_form_field(s, "guardians");
    assert_int_equal(g->type, CL_FIELD_GROUP);
    assert_true(g->n_subfields >= 5);
    assert_string_equal(g->subfields[0].id, "name");
    const cl_field *c = cl_form_field(s, "circumstances");
    assert_int_equal(c->type, CL_FIELD_MULTI);
    assert_string_equal(c->choices[0].id, "left_behind");
    assert_string_equal(c->choices[0].label_zh, "留守儿童");
    assert_null(cl_form_field(s, "nonexistent"));
    assert_null(cl_form_field_at(s, 999));
    assert_string_equal(cl_form_title(s, "en"), "Student file");
    assert_string_equal(cl_form_title(s, "zh"), "学生档案");
    assert_string_equal(cl_form_short_title(s, "zh"), "档案");
    assert_string_equal(cl_form_short_title(s, "en"), "Student file");
    assert_non_null(cl_form_description(s, "en"));
    cl_form_free(s);

    cl_form *a = load_shipped("assessment");
    const cl_field *risk = cl_form_field(a, "risk_level");
    assert_int_equal(risk->type, CL_FIELD_SCALE);
    assert_true(risk->min == 0 && risk->max == 3);
    assert_int_equal(risk->n_points, 4);
    assert_string_equal(cl_form_field(a, "misconduct_tier")->choices[2].label_zh,
                        "严重不良行为");
    cl_form_free(a);

    cl_form *r = load_shipped("referral");
    const cl_field *why = cl_form_field(r, "reason_not_informed");
    assert_int_equal(why->required_when.op, CL_COND_EQ);
    assert_string_equal(why->required_when.field, "guardians_informed");
    assert_string_equal(why->required_when.value, "no");
    assert_string_equal(why->label_zh, "未告知原因");
    cl_form_free(r);
}

/* ---- validation ------------------------------------------------------- */

#define REFERRAL_BASE                                                              \
    "\"occurred_at\": \"2026-03-02\", \"concerns\": [\"physical_abuse\"], "      \
    "\"reason\": \"学生手臂有多处淤青\", \"urgency\": \"urgent\", "               \
    "\"what\": \"3月1日体育课发现\", \"agency\": \"protection_station\""

static void test_validate_referral(void **state)
{
    (void)state;
    cl_form *f = load_shipped("referral");
    assert_valid(f, "{" REFERRAL_BASE ", \"guardians_informed\": true}");
    assert_valid(f, "{" REFERRAL_BASE ", \"guardians_informed\": false, "
                    "\"reason_not_informed\": \"监护人可能是侵害来源\"}");
    assert_invalid(f, "{" REFERRAL_BASE ", \"guardians_informed\": false}",
                   "field reason_not_informed (未告知原因): required when "
                   "guardians_informed is no");
    assert_invalid(f, "{" REFERRAL_BASE ", \"guardians_informed\": false, "
                      "\"reason_not_informed\": \"\"}",
                   "field reason_not_informed (未告知原因): required when");
    assert_invalid(f, "{" REFERRAL_BASE "}",
                   "field guardians_informed (已告知监护人): required");
    assert_invalid(f, "{\"occurred_at\": \"2026-03-02\", \"guardians_informed\": true}",
                   "field concerns (报告事项): required");
    /* agency_name is required only for "other" */
    assert_invalid(f, "{\"occurred_at\": \"2026-03-02\", \"concerns\": [\"other\"], "
                      "\"reason\": \"r\", \"urgency\": \"routine\", \"what\": \"w\", "
                      "\"guardians_informed\": true, \"agency\": \"other\"}",
                   "field agency_name (机构名称): required when agency is other");
    cl_form_free(f);
}

static void test_validate_types_and_limits(void **state)
{
    (void)state;
    cl_form *f = load_shipped("session");
#define S_BASE "\"occurred_at\": \"2026-03-02\", \"session_type\": \"individual\", " \
               "\"risk_noted\": false"
    assert_valid(f, "{" S_BASE ", \"duration_minutes\": 45, \"follow_up\": \"2026-03-09\"}");
    assert_invalid(f, "{\"occurred_at\": \"2026-02-30\", \"session_type\": \"individual\", "
                      "\"risk_noted\": false}",
                   "field occurred_at (辅导日期): '2026-02-30' is not a real date");
    assert_invalid(f, "{\"occurred_at\": \"2026/03/02\", \"session_type\": \"individual\", "
                      "\"risk_noted\": false}",
                   "field occurred_at (辅导日期): '2026/03/02' is not in the form");
    assert_invalid(f, "{" S_BASE ", \"follow_up\": \"next week\"}",
                   "field follow_up");
    assert_invalid(f, "{" S_BASE ", \"duration_minutes\": 3}",
                   "field duration_minutes (时长（分钟）): 3 is below the minimum 5");
    assert_invalid(f, "{" S_BASE ", \"duration_minutes\": 481}",
                   "481 is above the maximum 480");
    assert_invalid(f, "{" S_BASE ", \"duration_minutes\": 30.5}", "must be a whole number");
    assert_invalid(f, "{" S_BASE ", \"duration_minutes\": \"45\"}",
                   "field duration_minutes (时长（分钟）): expected a number");
    assert_invalid(f, "{\"occurred_at\": \"2026-03-02\", \"session_type\": \"hypnosis\", "
                      "\"risk_noted\": false}",
                   "field session_type (辅导形式): unknown choice 'hypnosis'");
    assert_invalid(f, "{" S_BASE ", \"mood\": \"ok\"}", "field mood: not in form session");
    assert_invalid(f, "{\"occurred_at\": \"2026-03-02\", \"session_type\": \"individual\", "
                      "\"risk_noted\": \"no\"}",
                   "field risk_noted (发现安全风险): expected yes or no");
    /* shown when risk_noted = yes, and then required */
    assert_valid(f, "{" S_BASE "}");
    assert_invalid(f, "{\"occurred_at\": \"2026-03-02\", \"session_type\": \"crisis\", "
                      "\"risk_noted\": true}",
                   "field risk_detail (风险情况): required when risk_noted is yes");
    assert_invalid(f, "[]", "must be a JSON object");
    cl_form_free(f);

    /* Lengths count characters: 40 Chinese characters are 120 bytes. */
    cl_form *s = load_shipped("student");
    char name[200] = "";
    for (int i = 0; i < 40; i++)
        strcat(name, "张");
    char json[512];
    snprintf(json, sizeof json, "{\"number\": \"2026001\", \"name\": \"%s\", "
             "\"status\": \"active\"}", name);
    assert_valid(s, json);
    strcat(name, "三");
    snprintf(json, sizeof json, "{\"number\": \"2026001\", \"name\": \"%s\", "
             "\"status\": \"active\"}", name);
    assert_invalid(s, json, "field name (姓名): 41 characters, at most 40");
    assert_invalid(s, "{\"number\": \"2026001\", \"name\": 5, \"status\": \"active\"}",
                   "field name (姓名): expected text");
    assert_invalid(s, "{\"number\": \"2026001\", \"name\": \"a\\nb\", \"status\": \"active\"}",
                   "must be one line");
    assert_invalid(s, "{\"number\": \"1\", \"name\": \"李\", \"status\": \"active\", "
                      "\"circumstances\": [\"left_behind\", \"left_behind\"]}",
                   "choice left_behind is given twice");
    assert_invalid(s, "{\"number\": \"1\", \"name\": \"李\", \"status\": \"active\", "
                      "\"circumstances\": [\"rich\"]}",
                   "field circumstances (特殊情况): unknown choice 'rich'");
    assert_invalid(s, "{\"number\": \"1\", \"name\": \"李\", \"status\": \"active\", "
                      "\"circumstances\": [\"other\"]}",
                   "field circumstances_other (其他情况说明): required when circumstances "
                   "contains other");
    assert_invalid(s, "{\"number\": \"1\", \"name\": \"李\", \"status\": \"active\", "
                      "\"guardians\": [{\"relation\": \"mother\"}]}",
                   "field guardians[1].name (姓名): required");
    assert_invalid(s, "{\"number\": \"1\", \"name\": \"李\", \"status\": \"active\", "
                      "\"guardians\": [{\"name\": \"王芳\", \"relation\": \"mother\"}, "
                      "{\"name\": \"李强\", \"relation\": \"father\", \"age\": 40}]}",
                   "field guardians[2].age: not in guardians");
    assert_invalid(s, "{\"number\": \"1\", \"name\": \"李\", \"status\": \"active\", "
                      "\"guardians\": [\"王芳\"]}",
                   "field guardians (监护人及家庭联系人): item 1 is not an object");
    assert_invalid(s, "{\"number\": \"1\", \"name\": \"李\", \"status\": \"active\", "
                      "\"guardians\": [{},{},{},{},{},{},{},{},{}]}",
                   "9 items, at most 8");
    assert_valid(s, "{\"number\": \"1\", \"name\": \"李\", \"status\": \"active\", "
                    "\"birth_date\": \"2012-02-29\", \"gender\": null, \"guardians\": "
                    "[{\"name\": \"王芳\", \"relation\": \"mother\", \"lives_with\": false}]}");

    /* Invalid UTF-8 smuggled into a JSON string. */
    json_t *v = obj("{\"number\": \"1\", \"status\": \"active\"}");
    json_object_set_new(v, "name", json_stringn_nocheck("\xE5\xBC\xA0\xFF", 4));
    assert_int_equal(cl_form_validate(s, v), CL_EDATA);
    assert_non_null(strstr(cl_error_message(), "field name (姓名): invalid UTF-8"));
    json_object_set_new(v, "name", json_stringn_nocheck("a\0b", 3));
    assert_int_equal(cl_form_validate(s, v), CL_EDATA);
    assert_non_null(strstr(cl_error_message(), "NUL"));
    json_decref(v);
    cl_form_free(s);

    cl_form *a = load_shipped("assessment");
#define A_BASE "\"occurred_at\": \"2026-03-02\", \"misconduct_tier\": \"none\", " \
               "\"reasons\": \"PHQ-9 18 分\""
    assert_valid(a, "{" A_BASE ", \"risk_level\": 1}");
    assert_invalid(a, "{" A_BASE ", \"risk_level\": 4}", "4 is above the maximum 3");
    assert_invalid(a, "{" A_BASE ", \"risk_level\": 1.0}", "expected a whole number");
    assert_invalid(a, "{" A_BASE ", \"risk_level\": 2, \"safety_plan\": true}",
                   "field follow_up (下次跟进日期): required when risk_level is at least 2");
    assert_valid(a, "{" A_BASE ", \"risk_level\": 3, \"safety_plan\": true, "
                    "\"follow_up\": \"2026-03-05\"}");
    cl_form_free(a);

    cl_form *o = load_shipped("observation");
    assert_valid(o, "{\"occurred_at\": \"2026-03-02T14:30\", \"categories\": [\"emotional\"], "
                    "\"description\": \"课上哭泣\", \"severity\": \"low\"}");
    assert_invalid(o, "{\"occurred_at\": \"2026-03-02 14:30\", \"categories\": [\"emotional\"], "
                      "\"description\": \"课上哭泣\", \"severity\": \"low\"}",
                   "field occurred_at (发生时间)");
    assert_invalid(o, "{\"occurred_at\": \"2026-03-02T25:00\", \"categories\": [\"emotional\"], "
                      "\"description\": \"课上哭泣\", \"severity\": \"low\"}",
                   "is not a real date and time");
    cl_form_free(o);

    cl_form *rv = load_shipped("review");
    assert_invalid(rv, "{\"occurred_at\": \"2026-03-02\", \"plan\": 0, \"progress\": \"p\", "
                       "\"goal_status\": \"partly\"}",
                   "field plan (对应的干预计划): 0 is below the minimum 1");
    cl_form_free(rv);
}

/* ---- value_from_text -------------------------------------------------- */

static void assert_text_value(const cl_form *f, const char *id, const char *text,
                              const char *expected_json)
{
    json_t *v = NULL;
    cl_status st = cl_form_value_from_text(f, id, text, &v);
    if (st != CL_OK)
        fail_msg("%s=%s: %s", id, text, cl_error_message());
    char *got = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
    if (strcmp(got, expected_json) != 0)
        fail_msg("%s=%s: expected %s, got %s", id, text, expected_json, got);
    free(got);
    json_decref(v);
}

static void assert_text_bad(const cl_form *f, const char *id, const char *text,
                            cl_status want, const char *message)
{
    json_t *v = NULL;
    cl_status st = cl_form_value_from_text(f, id, text, &v);
    if (st != want)
        fail_msg("%s=%s: expected status %d, got %d (%s)", id, text, want, st,
                 cl_error_message());
    assert_null(v);
    if (!strstr(cl_error_message(), message))
        fail_msg("%s=%s: expected message containing %s, got %s", id, text, message,
                 cl_error_message());
}

static void test_value_from_text(void **state)
{
    (void)state;
    cl_form *s = load_shipped("student");
    assert_text_value(s, "name", "  张小明 ", "\"张小明\"");
    assert_text_value(s, "birth_date", "2012/3/1", "\"2012-03-01\"");
    assert_text_value(s, "birth_date", "2012年3月1日", "\"2012-03-01\"");
    assert_text_bad(s, "birth_date", "2026-02-30", CL_EDATA,
                    "field birth_date (出生日期): '2026-02-30' is not a real date");
    assert_text_value(s, "boarding", "是", "true");
    assert_text_value(s, "boarding", "否", "false");
    assert_text_value(s, "boarding", "YES", "true");
    assert_text_value(s, "boarding", "no", "false");
    assert_text_value(s, "boarding", "1", "true");
    assert_text_value(s, "boarding", "0", "false");
    assert_text_value(s, "boarding", "false", "false");
    assert_text_bad(s, "boarding", "maybe", CL_EDATA, "is not yes or no");
    assert_text_value(s, "gender", "female", "\"female\"");
    assert_text_value(s, "gender", "男", "\"male\"");
    assert_text_value(s, "gender", "Other", "\"other\"");
    assert_text_bad(s, "gender", "unknown", CL_EDATA,
                    "field gender (性别): unknown choice 'unknown' (expected one of: male (男)");
    assert_text_value(s, "circumstances", "留守儿童，单亲家庭、disability, Orphan",
                      "[\"left_behind\",\"single_parent\",\"disability\",\"orphan\"]");
    assert_text_value(s, "circumstances", "left_behind,留守儿童", "[\"left_behind\"]");
    assert_text_bad(s, "circumstances", "left_behind,rich", CL_EDATA, "unknown choice 'rich'");
    assert_text_value(s, "guardians",
                      "[{\"name\": \"王芳\", \"relation\": \"mother\"}]",
                      "[{\"name\":\"王芳\",\"relation\":\"mother\"}]");
    assert_text_bad(s, "guardians", "[{\"relation\": \"mother\"}]", CL_EDATA,
                    "field guardians[1].name (姓名): required");
    assert_text_bad(s, "guardians", "{\"name\": 1}", CL_EDATA, "expected a JSON array");
    assert_text_bad(s, "guardians", "[{", CL_EDATA, "not valid JSON");
    assert_text_value(s, "gender", "", "null");
    assert_text_value(s, "name", "   ", "null");
    char longname[200] = "";
    for (int i = 0; i < 41; i++)
        strcat(longname, "王");
    assert_text_bad(s, "name", longname, CL_EDATA, "41 characters, at most 40");
    assert_text_bad(s, "name", "\xC0\xAF", CL_EDATA, "invalid UTF-8");
    assert_text_bad(s, "age", "12", CL_ENOTFOUND, "form student has no field 'age'");
    cl_form_free(s);

    cl_form *c = load_shipped("contact");
    assert_text_value(c, "relation", "母亲", "\"mother\"");
    assert_text_value(c, "relation", "mother", "\"mother\"");
    assert_text_value(c, "channel", "家访", "\"visit\"");
    cl_form_free(c);

    cl_form *se = load_shipped("session");
    assert_text_value(se, "duration_minutes", "45", "45");
    assert_text_value(se, "duration_minutes", "45.0", "45");
    assert_text_bad(se, "duration_minutes", "45.5", CL_EDATA, "must be a whole number");
    assert_text_bad(se, "duration_minutes", "4", CL_EDATA, "4 is below the minimum 5");
    assert_text_bad(se, "duration_minutes", "forty", CL_EDATA, "'forty' is not a number");
    assert_text_bad(se, "duration_minutes", "1e3", CL_EDATA, "is not a number");
    assert_text_value(se, "follow_up", "2026.3.9", "\"2026-03-09\"");
    cl_form_free(se);

    cl_form *o = load_shipped("observation");
    assert_text_value(o, "occurred_at", "2026-03-02 14:30", "\"2026-03-02T14:30\"");
    assert_text_value(o, "occurred_at", "2026-03-02T08:05:59", "\"2026-03-02T08:05\"");
    assert_text_bad(o, "occurred_at", "2026-03-02", CL_EDATA, "is not a real date and time");
    assert_text_value(o, "description", "第一行\n第二行", "\"第一行\\n第二行\"");
    cl_form_free(o);

    cl_form *p = load_shipped("phq9");
    assert_text_value(p, "q9", "2", "2");
    assert_text_value(p, "q9", "一半以上的天数", "2");
    assert_text_value(p, "q9", "nearly every day", "3");
    assert_text_bad(p, "q9", "4", CL_EDATA, "4 is above the maximum 3");
    assert_text_bad(p, "q9", "sometimes", CL_EDATA, "is not a point of the scale");
    cl_form_free(p);

    cl_form *rv = load_shipped("review");
    assert_text_value(rv, "plan", "17", "17");
    assert_text_bad(rv, "plan", "-1", CL_EDATA, "below the minimum 1");
    cl_form_free(rv);

    const char *stu = "form t\ntitle 测试 | Test\nfield who student required\n"
                      "  label 学生 | Student\n";
    cl_form *t;
    assert_int_equal(cl_form_parse(stu, strlen(stu), "t.form", &t), CL_OK);
    assert_text_value(t, "who", "12", "12");
    assert_text_bad(t, "who", "0", CL_EDATA, "not a student record id");
    assert_text_bad(t, "who", "x", CL_EDATA, "not a student record id");
    assert_valid(t, "{\"who\": 3}");
    assert_invalid(t, "{\"who\": -3}", "positive");
    assert_invalid(t, "{\"who\": \"3\"}", "expected a student record id");
    cl_form_free(t);
}

/* ---- scoring ---------------------------------------------------------- */

static json_t *phq(int q1, int q2, int q3, int q4, int q5, int q6, int q7, int q8, int q9)
{
    int q[9] = { q1, q2, q3, q4, q5, q6, q7, q8, q9 };
    json_t *v = json_pack("{s:s}", "occurred_at", "2026-03-02");
    for (int i = 0; i < 9; i++) {
        char id[16];
        snprintf(id, sizeof id, "q%d", i + 1);
        if (q[i] >= 0)
            json_object_set_new(v, id, json_integer(q[i]));
    }
    return v;
}

static void assert_score(const cl_form *f, json_t *values, long score, const char *band,
                         bool complete, bool self_harm)
{
    json_t *r = NULL;
    assert_int_equal(cl_form_score(f, values, &r), CL_OK);
    assert_non_null(r);
    assert_int_equal(json_integer_value(json_object_get(r, "score")), score);
    assert_string_equal(json_string_value(json_object_get(r, "band")), band);
    assert_true(json_is_true(json_object_get(r, "complete")) == complete);
    const json_t *flags = json_object_get(r, "flags");
    assert_true(json_is_array(flags));
    bool found = false;
    for (size_t i = 0; i < json_array_size(flags); i++)
        if (strcmp(json_string_value(json_array_get(flags, i)), "self_harm_thoughts") == 0)
            found = true;
    assert_true(found == self_harm);
    json_decref(r);
    json_decref(values);
}

static void test_score_phq9(void **state)
{
    (void)state;
    cl_form *f = load_shipped("phq9");
    assert_score(f, phq(0, 0, 0, 0, 0, 0, 0, 0, 0), 0, "minimal", true, false);
    assert_score(f, phq(1, 1, 1, 1, 0, 0, 0, 0, 0), 4, "minimal", true, false);
    assert_score(f, phq(1, 1, 1, 1, 1, 0, 0, 0, 0), 5, "mild", true, false);
    assert_score(f, phq(3, 3, 3, 0, 0, 0, 0, 0, 0), 9, "mild", true, false);
    assert_score(f, phq(3, 3, 3, 1, 0, 0, 0, 0, 0), 10, "moderate", true, false);
    assert_score(f, phq(3, 3, 3, 3, 2, 0, 0, 0, 0), 14, "moderate", true, false);
    assert_score(f, phq(3, 3, 3, 3, 3, 0, 0, 0, 0), 15, "moderately_severe", true, false);
    assert_score(f, phq(3, 3, 3, 3, 3, 3, 1, 0, 0), 19, "moderately_severe", true, false);
    assert_score(f, phq(3, 3, 3, 3, 3, 3, 2, 0, 0), 20, "severe", true, false);
    assert_score(f, phq(3, 3, 3, 3, 3, 3, 3, 3, 3), 27, "severe", true, true);
    assert_score(f, phq(0, 0, 0, 0, 0, 0, 0, 0, 1), 1, "minimal", true, true);
    /* Missing items: a partial score, marked incomplete. */
    assert_score(f, phq(2, 2, 2, -1, -1, -1, -1, -1, -1), 6, "mild", false, false);
    assert_score(f, phq(-1, -1, -1, -1, -1, -1, -1, -1, 2), 2, "minimal", false, true);

    json_t *r = NULL, *v = phq(3, 3, 3, 3, 3, 3, 2, 0, 1);
    assert_int_equal(cl_form_score(f, v, &r), CL_OK);
    assert_string_equal(json_string_value(json_object_get(r, "band_zh")), "重度抑郁");
    assert_string_equal(json_string_value(json_object_get(r, "band_en")), "Severe");
    assert_int_equal(json_integer_value(json_object_get(r, "max")), 27);
    assert_int_equal(json_integer_value(json_object_get(r, "answered")), 9);
    const json_t *fl = json_array_get(json_object_get(r, "flag_labels"), 0);
    assert_string_equal(json_string_value(json_object_get(fl, "id")), "self_harm_thoughts");
    assert_non_null(strstr(json_string_value(json_object_get(fl, "zh")), "伤害自己"));
    json_decref(r);
    json_decref(v);

    v = phq(0, 0, 0, 0, 0, 0, 0, 0, 0);
    json_object_set_new(v, "q3", json_integer(7));
    assert_int_equal(cl_form_score(f, v, &r), CL_EDATA);
    assert_null(r);
    assert_non_null(strstr(cl_error_message(), "field q3"));
    json_decref(v);
    cl_form_free(f);

    cl_form *g = load_shipped("gad7");
    v = json_pack("{s:i, s:i, s:i, s:i, s:i, s:i, s:i}", "q1", 3, "q2", 3, "q3", 3, "q4", 3,
                  "q5", 3, "q6", 0, "q7", 0);
    assert_int_equal(cl_form_score(g, v, &r), CL_OK);
    assert_int_equal(json_integer_value(json_object_get(r, "score")), 15);
    assert_string_equal(json_string_value(json_object_get(r, "band")), "severe");
    assert_int_equal(json_array_size(json_object_get(r, "flags")), 0);
    json_decref(r);
    json_decref(v);
    cl_form_free(g);

    cl_form *s = load_shipped("session");
    v = json_object();
    r = (json_t *)1;
    assert_int_equal(cl_form_score(s, v, &r), CL_OK);
    assert_null(r);
    json_decref(v);
    cl_form_free(s);
}

/* ---- parse errors ----------------------------------------------------- */

static void assert_parse_error(const char *text, const char *expected)
{
    cl_form *f = (cl_form *)1;
    cl_error_clear();
    cl_status st = cl_form_parse(text, strlen(text), "t.form", &f);
    if (st != CL_EDATA)
        fail_msg("expected a parse error for:\n%s", text);
    assert_null(f);
    if (strncmp(cl_error_message(), expected, strlen(expected)) != 0)
        fail_msg("expected: %s\n     got: %s", expected, cl_error_message());
}

#define HEAD "form t\ntitle 测试 | Test\n"

static void test_parse_errors(void **state)
{
    (void)state;
    assert_parse_error("", "t.form:1:1: empty form definition");
    assert_parse_error("# only a comment\n\n", "t.form:1:1: empty form definition");
    assert_parse_error("title 测试 | Test\n",
                       "t.form:1:1: the first line must be 'form KIND'");
    assert_parse_error("form Session\n", "t.form:1:6: the form kind");
    assert_parse_error(HEAD "short 甲 | A\nshort 乙 | B\n", "t.form:4:1: short is given twice");
    assert_parse_error(HEAD "field a txt\n  label 甲 | A\n",
                       "t.form:3:9: unknown type 'txt'");
    assert_parse_error(HEAD "field a text\n  label 甲 | A\nfield b text\n  label 乙 | B\n"
                       "field a date\n  label 丙 | C\n",
                       "t.form:7:7: field a is already defined on line 3");
    assert_parse_error(HEAD "field Name text\n", "t.form:3:7: a field id must start");
    assert_parse_error(HEAD "field na-me text\n", "t.form:3:9: a field id may only use");
    assert_parse_error(HEAD "field a text\n  label 姓名\n",
                       "t.form:4:9: a label needs Chinese and English separated by |");
    assert_parse_error(HEAD "field a text\n  label 姓名 |  \n",
                       "t.form:4:12: a label has no English text after |");
    assert_parse_error(HEAD "field a text\n  label  | Name\n",
                       "t.form:4:10: a label has no Chinese text before |");
    assert_parse_error(HEAD "field a text required\nfield b text\n  label 乙 | B\n",
                       "t.form:3:1: field a has no label line");
    assert_parse_error(HEAD "  field a text\n",
                       "t.form:3:3: field a has no label line");
    assert_parse_error(HEAD "field a text\n  label 甲 | A\n  help 帮助 | Help\n  help 再 | Again\n",
                       "t.form:6:3: field a already has a help line");
    assert_parse_error(HEAD "field n scale min 3 max 1\n",
                       "t.form:3:25: min must be less than max");
    assert_parse_error(HEAD "field n scale min 0\n",
                       "t.form:3:20: a scale needs min and max");
    assert_parse_error(HEAD "field n scale min 0 max 1.5\n",
                       "t.form:3:25: the maximum must be a whole number");
    assert_parse_error(HEAD "field n number min 10 max ten\n",
                       "t.form:3:27: the maximum must be a number");
    assert_parse_error(HEAD "field d date max 10\n",
                       "t.form:3:14: max does not apply to a date field");
    assert_parse_error(HEAD "field t text max 0\n", "t.form:3:18: max must be from 1");
    assert_parse_error(HEAD "field t text requird\n", "t.form:3:14: unknown option 'requird'");
    assert_parse_error(HEAD "field a text\n  label 名字 | Name \xFF\n",
                       "t.form:4:19: invalid UTF-8");
    assert_parse_error(HEAD "field a text\n  label 名\x1b[31m | Name\n",
                       "t.form:4:10: control or invisible character U+001B");
    assert_parse_error(HEAD "field a text\n  label 名\xE2\x80\xAE字 | Name\n",
                       "t.form:4:10: control or invisible character U+202E");
    assert_parse_error(HEAD "field a text\n  label 甲 | A\n  shown when b = yes\n"
                       "field b yesno\n  label 乙 | B\n",
                       "t.form:5:14: unknown field 'b' (a condition can only name a "
                       "field defined above it)");
    assert_parse_error(HEAD "field b yesno\n  label 乙 | B\nfield a text\n  label 甲 | A\n"
                       "  required when b = maybe\n",
                       "t.form:7:21: b is a yes/no field: the value must be yes or no");
    assert_parse_error(HEAD "field c choice\n  label 乙 | B\n  choice x 甲 | X\n"
                       "  choice y 乙 | Y\nfield a text\n  label 甲 | A\n"
                       "  shown when c = z\n",
                       "t.form:9:18: 'z' is not a choice of c");
    assert_parse_error(HEAD "field c multi\n  label 乙 | B\n  choice x 甲 | X\n"
                       "field a text\n  label 甲 | A\n  shown when c = x\n",
                       "t.form:8:16: c is a multi field: use contains");
    assert_parse_error(HEAD "field c text\n  label 乙 | B\nfield a text\n  label 甲 | A\n"
                       "  shown when c = x\n",
                       "t.form:7:14: a condition can only name a yes/no");
    assert_parse_error(HEAD "field a yesno\n  label 甲 | A\n  shown when a = yes\n",
                       "t.form:5:14: a field cannot depend on itself");
    assert_parse_error(HEAD "field a yesno required\n  label 甲 | A\n  required when a = yes\n",
                       "t.form:5:3: field a is already always required");
    assert_parse_error(HEAD "field c choice\n  label 乙 | B\n  choice x 甲 | X\n"
                       "  choice x 乙 | Y\n",
                       "t.form:6:10: choice x is already defined");
    assert_parse_error(HEAD "field c choice\n  label 乙 | B\n  choice x 甲 | X\n"
                       "  choice y 甲 | Y\n",
                       "t.form:6:12: choice x already has this label");
    assert_parse_error(HEAD "field c choice\n  label 乙 | B\n  choice x 甲 | X\n"
                       "field d text\n",
                       "t.form:3:1: choice field c needs at least two choice lines");
    assert_parse_error(HEAD "field d text\n  label 乙 | B\n  choice x 甲 | X\n",
                       "t.form:5:3: choice lines belong to a choice or multi field");
    assert_parse_error(HEAD "label 甲 | A\n", "t.form:3:1: label must follow a field line");
    assert_parse_error(HEAD "field a text\n  label 甲 | A\nend\n",
                       "t.form:5:1: end without an open group");
    assert_parse_error(HEAD "field g group\n  label 组 | G\n  field a text\n"
                       "    label 甲 | A\n",
                       "t.form:3:1: group g is not closed");
    assert_parse_error(HEAD "field g group\n  label 组 | G\nend\n",
                       "t.form:5:1: group g has no fields");
    assert_parse_error(HEAD "field g group\n  label 组 | G\n  field h group\n",
                       "t.form:5:11: a group cannot hold another group");
    assert_parse_error(HEAD "field g group\n  label 组 | G\n  field a text\n"
                       "    label 甲 | A\n  score a\n",
                       "t.form:7:3: score inside group g: close the group with end first");
    assert_parse_error(HEAD "field a text\n  label 甲 | A\nfiled b text\n",
                       "t.form:5:1: unknown keyword 'filed'");
    assert_parse_error(HEAD "field q scale min 0 max 3\n  label 甲 | A\n"
                       "  point 4 很多 | Lots\n",
                       "t.form:5:9: point 4 is outside the scale");
    assert_parse_error(HEAD "field q scale min 0 max 3\n  label 甲 | A\n"
                       "  point 1 一 | One\n  point 0 零 | Zero\n",
                       "t.form:6:9: points must be listed once each");

    /* Scoring lines. */
#define TWO_ITEMS HEAD "field q1 scale min 0 max 3\n  label 一 | One\n" \
                  "field q2 scale min 0 max 3\n  label 二 | Two\n"
    assert_parse_error(TWO_ITEMS "score q1 + q3\n",
                       "t.form:7:12: unknown field 'q3' (score can only name fields");
    assert_parse_error(TWO_ITEMS "score q1 q2\n", "t.form:7:10: expected + between");
    assert_parse_error(TWO_ITEMS "score q1 + q1\n", "t.form:7:12: q1 is counted twice");
    assert_parse_error(TWO_ITEMS "band low 0-2 低 | Low\n",
                       "t.form:7:1: band needs a score line above it");
    assert_parse_error(TWO_ITEMS "score q1 + q2\nband low 0-2 低 | Low\n"
                       "band high 4-6 高 | High\n",
                       "t.form:9:11: scores 3-3 have no band");
    assert_parse_error(TWO_ITEMS "score q1 + q2\nband low 0-3 低 | Low\n"
                       "band high 3-6 高 | High\n",
                       "t.form:9:11: band high (3-6) overlaps band low");
    assert_parse_error(TWO_ITEMS "score q1 + q2\nband low 0-2 低 | Low\n"
                       "band high 3-5 高 | High\n",
                       "t.form:9:11: scores 6-6 have no band");
    assert_parse_error(TWO_ITEMS "score q1 + q2\nband low 0-7 低 | Low\n",
                       "t.form:8:10: the range must lie within the possible scores 0-6");
    assert_parse_error(TWO_ITEMS "score q1 + q2\nband low 4-2 低 | Low\n",
                       "t.form:8:10: the range starts above its end");
    assert_parse_error(TWO_ITEMS "flag risk when q3 >= 1\n  label 风险 | Risk\n",
                       "t.form:7:16: unknown field 'q3'");
    assert_parse_error(TWO_ITEMS "flag risk when q2 >= 1\n",
                       "t.form:7:1: flag risk has no label line");
    assert_parse_error(TWO_ITEMS "flag risk when q2 => 1\n  label 风险 | Risk\n",
                       "t.form:7:19: expected =, !=, contains");
    assert_parse_error(TWO_ITEMS "flag risk when q2 >= 9\n  label 风险 | Risk\n",
                       "t.form:7:22: the value must be a whole number from 0 to 3");
    assert_parse_error("form t\nfield a text\n  label 甲 | A\n",
                       "t.form:1:1: the form has no title line");
    assert_parse_error("form t\ntitle 测试 | Test\n", "t.form:1:1: the form has no fields");
    assert_parse_error(HEAD "title 又 | Again\n", "t.form:3:1: title is given twice");

    /* A hostile file cannot make the parser quadratic. */
    size_t cap = 64 * 1024, used = 0;
    char *many = malloc(cap);
    assert_non_null(many);
    used += (size_t)snprintf(many, cap, HEAD);
    for (int i = 0; i < 501; i++)
        used += (size_t)snprintf(many + used, cap - used, "field f%d yesno\n label 甲 | A\n", i);
    cl_form *big = NULL;
    assert_int_equal(cl_form_parse(many, used, "t.form", &big), CL_EDATA);
    assert_string_equal(cl_error_message(), "t.form:1003:1: too many fields (at most 500)");
    free(many);

    /* NUL bytes and a CR alone are not text. */
    static const char nul[] = "form t\ntitle 测\0试 | Test\n";
    cl_form *f;
    assert_int_equal(cl_form_parse(nul, sizeof nul - 1, "t.form", &f), CL_EDATA);
    assert_string_equal(cl_error_message(), "t.form:2:8: control or invisible character "
                        "U+0000 is not allowed");
    assert_parse_error("form t\rtitle x | y\n", "t.form:1:7: control or invisible");
    /* No file name: still a location. */
    assert_int_equal(cl_form_parse("form", 4, NULL, &f), CL_EDATA);
    assert_non_null(strstr(cl_error_message(), "<form>:1:5: expected the form kind"));
}

static void test_parse_accepts(void **state)
{
    (void)state;
    /* CRLF, a BOM, full-width spaces and ｜ as typed by a Chinese input
     * method, conditions in groups, flags on choices. */
    const char *text =
        "\xEF\xBB\xBF# 测试\r\n"
        "form t\r\n"
        "title 测试｜Test\r\n"
        "description 说明 | About\r\n"
        "field kind choice required\r\n"
        "\t label\xE3\x80\x80种类 | Kind\r\n"
        "  choice a 甲 | A\r\n"
        "  choice b 乙 | B\r\n"
        "field items group max 3\r\n"
        "  label 条目 | Items\r\n"
        "  shown when kind=b\r\n"
        "  field done yesno\r\n"
        "    label 完成 | Done\r\n"
        "  field why text max 5\r\n"
        "    label 原因 | Why\r\n"
        "    required when done = 否\r\n"
        "end\r\n"
        "field amount number min -2.5 max 1000\r\n"
        "  label 数量 | Amount\r\n"
        "flag b_chosen when kind = b\r\n"
        "  label 选了乙 | B chosen\r\n";
    cl_form *f;
    cl_status st = cl_form_parse(text, strlen(text), "t.form", &f);
    if (st != CL_OK)
        fail_msg("%s", cl_error_message());
    assert_string_equal(cl_form_title(f, "zh"), "测试");
    assert_string_equal(cl_form_title(f, "en"), "Test");
    /* No short line: a narrow column shows the title. */
    assert_string_equal(cl_form_short_title(f, "zh"), "测试");
    assert_string_equal(cl_form_description(f, "en"), "About");
    const cl_field *k = cl_form_field(f, "kind");
    assert_string_equal(k->label_zh, "种类");
    assert_int_equal(k->line, 5);
    const cl_field *items = cl_form_field(f, "items");
    assert_int_equal(items->n_subfields, 2);
    assert_int_equal(items->max_items, 3);
    assert_string_equal(items->subfields[1].required_when.value, "no");
    assert_int_equal(items->subfields[0].max_len, 200);
    assert_int_equal(items->subfields[1].max_len, 5);
    assert_true(cl_form_field(f, "amount")->min == -2.5);

    json_t *v = obj("{\"kind\": \"a\"}");
    assert_false(cl_field_shown(items, v));
    assert_false(cl_field_required(items, v));
    json_object_set_new(v, "kind", json_string("b"));
    assert_true(cl_field_shown(items, v));
    json_decref(v);

    assert_valid(f, "{\"kind\": \"b\", \"items\": [{\"done\": true}, "
                    "{\"done\": false, \"why\": \"太忙了\"}], \"amount\": -2.5}");
    assert_invalid(f, "{\"kind\": \"b\", \"items\": [{\"done\": false}]}",
                   "field items[1].why (原因): required when done is no");
    assert_invalid(f, "{\"kind\": \"b\", \"amount\": -3}", "below the minimum -2.5");
    assert_text_value(f, "amount", "12.75", "12.75");

    json_t *r = NULL;
    v = obj("{\"kind\": \"b\"}");
    assert_int_equal(cl_form_score(f, v, &r), CL_OK);
    assert_null(json_object_get(r, "score"));
    assert_string_equal(json_string_value(json_array_get(json_object_get(r, "flags"), 0)),
                        "b_chosen");
    json_decref(r);
    json_decref(v);
    cl_form_free(f);
}

/* Every truncation and many corruptions of a real form: no crash, no leak. */
static void test_parse_robust(void **state)
{
    (void)state;
    char path[512];
    shipped_path("referral", path);
    FILE *fp = fopen(path, "rb");
    char buf[16384];
    size_t n = fp ? fread(buf, 1, sizeof buf, fp) : 0;
    if (fp)
        fclose(fp);
    assert_true(n > 1000);
    for (size_t len = 0; len <= n; len += 7) {
        cl_form *f = NULL;
        if (cl_form_parse(buf, len, "cut.form", &f) == CL_OK) {
            json_t *e = json_object();
            cl_form_validate(f, e);
            free(cl_form_render(f, e, "en"));
            json_decref(e);
            cl_form_free(f);
        } else {
            assert_non_null(strstr(cl_error_message(), "cut.form:"));
        }
    }
    uint32_t seed = 12345;
    for (int round = 0; round < 2000; round++) {
        char copy[sizeof buf];
        memcpy(copy, buf, n);
        for (int k = 0; k < 4; k++) {
            seed = seed * 1103515245u + 12345u;
            copy[(seed >> 8) % n] = (char)(seed >> 24);
        }
        cl_form *f = NULL;
        if (cl_form_parse(copy, n, "x.form", &f) == CL_OK)
            cl_form_free(f);
    }
}

/* ---- rendering -------------------------------------------------------- */

static void assert_contains(const char *haystack, const char *needle)
{
    if (!strstr(haystack, needle))
        fail_msg("expected to find:\n%s\nin:\n%s", needle, haystack);
}

static void test_render(void **state)
{
    (void)state;
    cl_form *s = load_shipped("student");
    json_t *v = obj("{\"old_field\": \"旧数据\", \"number\": \"2026001\", \"name\": \"张小明\", "
                    "\"gender\": \"male\", \"boarding\": true, "
                    "\"circumstances\": [\"left_behind\", \"single_parent\"], "
                    "\"guardians\": [{\"name\": \"王芳\", \"relation\": \"grandparent\", "
                    "\"lives_with\": true}, {\"name\": \"张伟\", \"relation\": \"father\", "
                    "\"note\": \"在深圳务工\"}], "
                    "\"status\": \"monitoring\", \"school_notes\": \"第一行\\n第二行\", "
                    "\"removed\": 3}");
    char *zh = cl_form_render(s, v, "zh");
    assert_non_null(zh);
    assert_contains(zh, "学号: 2026001\n姓名: 张小明\n性别: 男\n");
    assert_contains(zh, "住校: 是\n");
    assert_contains(zh, "监护人及家庭联系人:\n  - 姓名: 王芳\n    与学生关系: 祖辈（爷爷奶奶、外公外婆）\n"
                        "    与学生同住: 是\n  - 姓名: 张伟\n    与学生关系: 父亲\n"
                        "    备注: 在深圳务工\n");
    assert_contains(zh, "特殊情况: 留守儿童、单亲家庭\n");
    assert_contains(zh, "跟进状态: 观察中\n");
    assert_contains(zh, "学校备注:\n  第一行\n  第二行\n");
    /* Fields this version of the form no longer has, at the end, sorted. */
    assert_contains(zh, "（本版表单中没有的字段）\nold_field: 旧数据\nremoved: 3\n");
    assert_null(strstr(zh, "出生日期"));
    free(zh);

    char *en = cl_form_render(s, v, "en");
    assert_contains(en, "Name: 张小明\nGender: Male\n");
    assert_contains(en, "Circumstances: Left-behind child, Single-parent family\n");
    assert_contains(en, "Boarding student: yes\n");
    assert_contains(en, "(not in this form version)\n");
    free(en);
    json_decref(v);

    /* A value whose type no longer matches is shown raw, never dropped. */
    v = obj("{\"gender\": 2, \"circumstances\": [\"left_behind\", \"gone\"]}");
    zh = cl_form_render(s, v, "zh");
    assert_contains(zh, "性别: 2\n");
    assert_contains(zh, "特殊情况: 留守儿童、gone\n");
    free(zh);
    json_decref(v);
    cl_form_free(s);

    cl_form *p = load_shipped("phq9");
    v = phq(3, 3, 3, 3, 3, 3, 2, 0, 1);
    zh = cl_form_render(p, v, "zh");
    assert_contains(zh, "填写日期: 2026-03-02\n");
    assert_contains(zh, "9. 有不如死掉或用某种方式伤害自己的念头: 1 (好几天)\n");
    assert_contains(zh, "总分: 21/27 (重度抑郁)\n");
    assert_contains(zh, "警示: 有不如死掉或伤害自己的念头");
    free(zh);
    en = cl_form_render(p, v, "en");
    assert_contains(en, "Score: 21/27 (Severe)\n");
    assert_contains(en, "Flag: Thoughts of death or self-harm");
    free(en);
    json_decref(v);
    cl_form_free(p);

    cl_form *o = load_shipped("observation");
    v = obj("{\"occurred_at\": \"2026-03-02T14:30\", \"severity\": \"urgent\"}");
    en = cl_form_render(o, v, "en");
    assert_contains(en, "When it happened: 2026-03-02 14:30\nSeverity: Urgent: immediate danger\n");
    free(en);
    json_decref(v);
    cl_form_free(o);
}

/* Every problem of a record at once, each on a line of its own naming the
 * field and its label, and as a list for --json. */
static void test_validate_reports_every_problem(void **state)
{
    (void)state;
    cl_form *s = load_shipped("student");
    json_t *v = obj("{\"number\": \"1\", \"status\": \"active\", \"birth_date\": \"2012-13-45\", "
                    "\"gender\": \"xx\", \"guardians\": [{\"relation\": \"mother\"}, {\"name\": 7}]}");
    assert_int_equal(cl_form_validate(s, v), CL_EDATA);
    const char *msg = cl_error_message();
    assert_non_null(strstr(msg, "problems in the student form; nothing was saved:"));
    assert_non_null(strstr(msg, "\n  field name (姓名): required"));
    assert_non_null(strstr(msg, "\n  field birth_date (出生日期): '2012-13-45' is not a real date"));
    assert_non_null(strstr(msg, "\n  field gender (性别): unknown choice 'xx'"));
    assert_non_null(strstr(msg, "\n  field guardians[1].name"));
    assert_non_null(strstr(msg, "\n  field guardians[2].name"));
    const json_t *list = cl_form_last_problems();
    assert_non_null(list);
    assert_int_equal(json_array_size(list), 6); /* guardians[2] lacks its relation too */
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "field")), "name");
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "label_zh")), "姓名");
    /* A later error is not taken for the list. */
    cl_fail(CL_EIO, "something else");
    assert_null(cl_form_last_problems());

    /* A field the caller already reported is not checked again. */
    json_t *problems = json_array();
    cl_form_problem_add(problems, "birth_date", NULL, "field birth_date: refused by the caller");
    assert_int_equal(cl_form_check(s, v, problems), CL_OK);
    assert_int_equal(json_array_size(problems), 6);
    json_decref(problems);

    /* One problem: its own line, as before. */
    json_t *one = obj("{\"number\": \"1\", \"name\": \"李\", \"status\": \"active\", \"gender\": \"xx\"}");
    assert_int_equal(cl_form_validate(s, one), CL_EDATA);
    assert_int_equal(strncmp(cl_error_message(), "field gender (性别): unknown choice", 34), 0);
    json_decref(one);
    json_decref(v);
    cl_form_free(s);
}

static void test_digest(void **state)
{
    (void)state;
    char hex[65], hex2[65];
    cl_form_digest("", 0, hex);
    assert_string_equal(hex, "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8");
    cl_form_digest("form a\n", 7, hex);
    cl_form_digest("form a\n", 7, hex2);
    assert_string_equal(hex, hex2);
    assert_int_equal(strlen(hex), 64);
    cl_form_digest("form b\n", 7, hex2);
    assert_string_not_equal(hex, hex2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shipped_forms_parse),
        cmocka_unit_test(test_conventional_ids),
        cmocka_unit_test(test_validate_referral),
        cmocka_unit_test(test_validate_types_and_limits),
        cmocka_unit_test(test_value_from_text),
        cmocka_unit_test(test_score_phq9),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_parse_accepts),
        cmocka_unit_test(test_parse_robust),
        cmocka_unit_test(test_render),
        cmocka_unit_test(test_validate_reports_every_problem),
        cmocka_unit_test(test_digest),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
