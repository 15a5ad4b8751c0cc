/* Unit tests for students: add with duplicates refused, find by number or
 * #id, edit with conflicts, list filters, close, duplicates and merge. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "record_fixture.h"

static void test_add_find_and_duplicate_number(void **state)
{
    fixture *f = *state;
    long long a = add_student(f->v, "20260001", "张三");
    long long id = 0;
    assert_int_equal(cl_student_find(f->v, "20260001", &id), CL_OK);
    assert_int_equal(id, a);
    char hash[32];
    snprintf(hash, sizeof hash, "#%lld", a);
    assert_int_equal(cl_student_find(f->v, hash, &id), CL_OK);
    assert_int_equal(id, a);
    assert_int_equal(cl_student_find(f->v, "nobody", &id), CL_ENOTFOUND);
    assert_int_equal(cl_student_find(f->v, "#99", &id), CL_ENOTFOUND);

    json_t *fl = json_pack("{s:s, s:s, s:s}", "number", "20260001", "name", "李四", "class", "初一(1)班");
    long long students = count_rows(f->v, "SELECT COUNT(*) FROM students");
    assert_int_equal(cl_student_add(f->v, fl, false, &id), CL_ECANTCREATE);
    assert_non_null(strstr(cl_error_message(), "张三"));
    assert_int_equal(count_rows(f->v, "SELECT COUNT(*) FROM students"), students);
    long long b = 0;
    assert_int_equal(cl_student_add(f->v, fl, true, &b), CL_OK);
    json_decref(fl);
    /* The shared number is now ambiguous; #id still works. */
    assert_int_equal(cl_student_find(f->v, "20260001", &id), CL_EDATA);
    json_t *dups = NULL;
    assert_int_equal(cl_student_duplicates(f->v, &dups), CL_OK);
    assert_int_equal(json_array_size(dups), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(dups, 0), "reason")), "same number");
    json_decref(dups);
    assert_int_equal(cl_student_not_duplicate(f->v, a, b), CL_OK);
    assert_int_equal(cl_student_duplicates(f->v, &dups), CL_OK);
    assert_int_equal(json_array_size(dups), 0);
    json_decref(dups);

    /* Missing name, bad date, invalid UTF-8: nothing added. */
    students = count_rows(f->v, "SELECT COUNT(*) FROM students");
    fl = json_pack("{s:s, s:s}", "number", "3", "class", "x");
    assert_int_equal(cl_student_add(f->v, fl, false, &id), CL_EDATA);
    json_decref(fl);
    fl = json_pack("{s:s, s:s, s:s}", "number", "3", "name", "王五", "birth_date", "2012-13-01");
    assert_int_equal(cl_student_add(f->v, fl, false, &id), CL_EDATA);
    assert_non_null(strstr(cl_error_message(), "birth_date"));
    json_decref(fl);
    assert_int_equal(count_rows(f->v, "SELECT COUNT(*) FROM students"), students);
}

static void test_get_shows_everything(void **state)
{
    fixture *f = *state;
    json_t *fl = J("{\"number\":\"20260003\",\"name\":\"欧阳𠮷\",\"class\":\"初二(3)班\",\"gender\":\"female\","
                   "\"birth_date\":\"2012-05-01\",\"circumstances\":[\"left_behind\",\"single_parent\"],"
                   "\"guardians\":[{\"name\":\"欧阳奶奶\",\"relation\":\"grandparent\",\"phone\":\"13800000000\"}]}");
    long long id = 0;
    assert_int_equal(cl_student_add(f->v, fl, false, &id), CL_OK);
    json_decref(fl);
    json_t *s = NULL;
    assert_int_equal(cl_student_get(f->v, id, &s), CL_OK);
    assert_string_equal(json_string_value(json_object_get(s, "name")), "欧阳𠮷");
    assert_string_equal(json_string_value(json_object_get(s, "gender")), "female");
    assert_string_equal(json_string_value(json_object_get(s, "status")), "active");
    assert_string_equal(json_string_value(json_object_get(s, "counsellor")), "王老师");
    assert_int_equal(json_array_size(json_object_get(s, "circumstances")), 2);
    assert_int_equal(json_array_size(json_object_get(s, "guardians")), 1);
    assert_int_equal(json_integer_value(json_object_get(s, "version")), 1);
    assert_int_equal(json_array_size(json_object_get(s, "flags")), 0);
    json_decref(s);
    add_student(f->v, "20260004", "李四");
    /* Filters. */
    json_t *list = NULL;
    cl_student_filter by_circ = {.risk = -1, .circumstance = "留守儿童"};
    assert_int_equal(cl_student_list(f->v, &by_circ, &list), CL_OK);
    assert_int_equal(json_array_size(list), 1);
    json_decref(list);
    /* The filter follows an edit of the circumstances at once, in every
     * order and in its count (the circumstances are kept by triggers). */
    json_t *changes = J("{\"circumstances\": [\"single_parent\"]}");
    assert_int_equal(cl_student_edit(f->v, id, 1, changes, NULL), CL_OK);
    json_decref(changes);
    for (int sort = 0; sort < CL_STUDENT_SORTS; sort++) {
        by_circ.sort = (cl_student_sort)sort;
        assert_int_equal(cl_student_list(f->v, &by_circ, &list), CL_OK);
        assert_int_equal(json_array_size(list), 0);
        json_decref(list);
    }
    cl_student_filter single = {.risk = -1, .circumstance = "single_parent", .sort = CL_STUDENT_BY_DUE};
    long long n = 0;
    assert_int_equal(cl_student_count(f->v, &single, &n), CL_OK);
    assert_int_equal(n, 1);
    assert_int_equal(cl_student_list(f->v, &single, &list), CL_OK);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(list, 0), "id")), id);
    json_decref(list);
    cl_student_filter by_search = {.risk = -1, .search = "𠮷"};
    assert_int_equal(cl_student_list(f->v, &by_search, &list), CL_OK);
    assert_int_equal(json_array_size(list), 1);
    json_decref(list);
    cl_student_filter by_class = {.risk = -1, .class_name = "初二(3)班"};
    assert_int_equal(cl_student_list(f->v, &by_class, &list), CL_OK);
    assert_int_equal(json_array_size(list), 2);
    json_decref(list);
    cl_student_filter bad_circ = {.risk = -1, .circumstance = "rich"};
    assert_int_equal(cl_student_list(f->v, &bad_circ, &list), CL_EDATA);
    cl_student_filter bad_status = {.risk = -1, .status = "sleeping"};
    assert_int_equal(cl_student_list(f->v, &bad_status, &list), CL_EDATA);
}

static void test_edit_conflict_and_close(void **state)
{
    fixture *f = *state;
    long long id = add_student(f->v, "20260001", "张三");
    add_student(f->v, "20260002", "李四");
    json_t *ch = J("{\"class\":\"初三(1)班\"}");
    long long nv = 0;
    assert_int_equal(cl_student_edit(f->v, id, 1, ch, &nv), CL_OK);
    assert_int_equal(nv, 2);
    assert_int_equal(cl_student_edit(f->v, id, 1, ch, &nv), CL_ECONFLICT);
    json_decref(ch);
    ch = J("{\"number\":\"20260002\"}");
    assert_int_equal(cl_student_edit(f->v, id, 2, ch, &nv), CL_EDATA);
    json_decref(ch);
    json_t *s = NULL;
    assert_int_equal(cl_student_get(f->v, id, &s), CL_OK);
    assert_string_equal(json_string_value(json_object_get(s, "class")), "初三(1)班");
    assert_string_equal(json_string_value(json_object_get(s, "number")), "20260001");
    json_decref(s);
    assert_int_equal(cl_student_close(f->v, id, "closed", ""), CL_EUSAGE);
    assert_int_equal(cl_student_close(f->v, id, "asleep", "x"), CL_EUSAGE);
    assert_int_equal(cl_student_close(f->v, id, "transferred", "转学至外省"), CL_OK);
    assert_int_equal(cl_student_get(f->v, id, &s), CL_OK);
    assert_string_equal(json_string_value(json_object_get(s, "status")), "transferred");
    json_decref(s);
    json_t *list = NULL;
    cl_student_filter active = {.risk = -1, .status = "active"};
    assert_int_equal(cl_student_list(f->v, &active, &list), CL_OK);
    assert_int_equal(json_array_size(list), 1);
    json_decref(list);
    assert_int_equal(count_rows(f->v, "SELECT COUNT(*) FROM audit WHERE action = 'student.close'"), 1);
    assert_int_equal(count_rows(f->v, "SELECT COUNT(*) FROM amendments"), 1);
}

static void test_merge_keeps_every_record(void **state)
{
    fixture *f = *state;
    long long keep = add_student(f->v, "20260001", "张三");
    json_t *fl = json_pack("{s:s, s:s, s:s}", "number", "20269999", "name", "张三", "class", "初二(3)班");
    json_object_set_new(fl, "birth_date", json_string("2012-05-01"));
    long long from = 0;
    assert_int_equal(cl_student_add(f->v, fl, false, &from), CL_OK);
    json_decref(fl);
    json_t *ch = J("{\"birth_date\":\"2012-05-01\"}");
    assert_int_equal(cl_student_edit(f->v, keep, 1, ch, NULL), CL_OK);
    json_decref(ch);
    json_t *s = NULL;
    assert_int_equal(cl_student_get(f->v, keep, &s), CL_OK);
    assert_int_equal(json_array_size(json_object_get(s, "possible_duplicates")), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(s, "possible_duplicates"), 0),
                                                          "reason")), "same name and birth date");
    json_decref(s);

    add_record(f->v, "contact", keep, "{\"occurred_at\":\"2026-03-05\",\"who\":\"w\",\"channel\":\"phone\",\"summary\":\"a\"}", 0);
    long long sess = add_record(f->v, "session", from,
                                "{\"occurred_at\":\"2026-03-02\",\"session_type\":\"individual\",\"risk_noted\":false}", 0);
    assert_int_equal(cl_record_sign(f->v, sess, 1), CL_OK);
    add_record(f->v, "assessment", from,
               "{\"occurred_at\":\"2026-03-03\",\"risk_level\":3,\"misconduct_tier\":\"none\",\"reasons\":\"r\","
               "\"safety_plan\":true,\"follow_up\":\"2026-03-10\"}", 0);
    add_record(f->v, "phq9", from,
               "{\"occurred_at\":\"2026-03-07\",\"q1\":0,\"q2\":0,\"q3\":0,\"q4\":0,\"q5\":0,\"q6\":0,\"q7\":0,"
               "\"q8\":0,\"q9\":2}", 0);
    long long total = count_rows(f->v, "SELECT COUNT(*) FROM records");

    assert_int_equal(cl_student_merge(f->v, keep, keep), CL_EUSAGE);
    assert_int_equal(cl_student_merge(f->v, keep, from), CL_OK);
    assert_int_equal(cl_student_merge(f->v, keep, from), CL_EDATA);
    assert_int_equal(count_rows(f->v, "SELECT COUNT(*) FROM records"), total);
    json_t *list = NULL;
    cl_record_filter rf = {.student_id = keep};
    assert_int_equal(cl_record_list(f->v, &rf, &list), CL_OK);
    assert_int_equal(json_array_size(list), 4);
    json_decref(list);
    assert_int_equal(cl_student_get(f->v, keep, &s), CL_OK);
    assert_int_equal(json_integer_value(json_object_get(s, "risk_level")), 3);
    assert_int_equal(json_array_size(json_object_get(s, "flags")), 1);
    assert_int_equal(json_array_size(json_object_get(s, "merged_from")), 1);
    assert_int_equal(json_array_size(json_object_get(s, "possible_duplicates")), 0);
    json_decref(s);
    /* The merged student still exists, points to the one kept, and its
     * number finds the one kept. */
    assert_int_equal(cl_student_get(f->v, from, &s), CL_OK);
    assert_int_equal(json_integer_value(json_object_get(s, "merged_into")), keep);
    json_decref(s);
    long long found = 0;
    assert_int_equal(cl_student_find(f->v, "20269999", &found), CL_OK);
    assert_int_equal(found, keep);
    /* A signed note stays valid after moving. */
    json_t *rec = NULL;
    assert_int_equal(cl_record_get(f->v, sess, false, &rec), CL_OK);
    assert_true(json_is_true(json_object_get(rec, "signature_valid")));
    json_decref(rec);
    /* Merged students are not listed, and take no new records. */
    assert_int_equal(cl_student_list(f->v, NULL, &list), CL_OK);
    assert_int_equal(json_array_size(list), 1);
    json_decref(list);
    json_t *c = J("{\"occurred_at\":\"2026-03-05\",\"who\":\"w\",\"channel\":\"phone\",\"summary\":\"a\"}");
    long long id;
    assert_int_equal(cl_record_add(f->v, "contact", from, c, 0, &id), CL_EDATA);
    json_decref(c);
    assert_int_equal(count_rows(f->v, "SELECT COUNT(*) FROM audit WHERE action = 'student.merge' AND "
                                      "detail LIKE '%nothing deleted%'"), 1);
}

/* Privacy mode: the surname and initials, never the given name. */
static void test_private_name(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"赵小明", "赵XM"},         {"欧阳娜娜", "欧阳NN"},   {"𠮷祥", "𠮷X"},
        {"李", "李"},               {" 张三 ", "张S"},        {"Anna Smith", "Smith A."},
        {"Élodie Martin", "Martin É."}, {"Zoe", "Z."},        {"", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char out[64];
        cl_student_private_name(cases[i][0], out, sizeof out);
        assert_string_equal(out, cases[i][1]);
    }
    char small[4];
    cl_student_private_name("赵小明", small, sizeof small);
    assert_true(strlen(small) < sizeof small);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_private_name),
        cmocka_unit_test_setup_teardown(test_add_find_and_duplicate_number, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_get_shows_everything, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_edit_conflict_and_close, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_merge_keeps_every_record, fixture_setup, fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
