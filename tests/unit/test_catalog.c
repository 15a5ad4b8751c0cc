/* Unit tests for the catalogue of forms: built-in forms installed once,
 * import as a new version, old records still render with their version,
 * parse errors name file:line:column. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "carelog/file.h"
#include "carelog/text.h"
#include "record_fixture.h"

static void write_file(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

static void test_builtin_installed_once(void **state)
{
    fixture *f = *state;
    long long forms = count_rows(f->v, "SELECT COUNT(*) FROM forms");
    assert_true(forms >= 10);
    assert_int_equal(count_rows(f->v, "SELECT COUNT(*) FROM forms WHERE version != 1"), 0);
    assert_int_equal(cl_catalog_install_builtin(f->v), CL_OK);
    assert_int_equal(count_rows(f->v, "SELECT COUNT(*) FROM forms"), forms);
    json_t *list = NULL;
    assert_int_equal(cl_catalog_list(f->v, &list), CL_OK);
    assert_int_equal(json_array_size(list), (size_t)forms);
    bool phq9 = false;
    size_t i;
    json_t *it;
    json_array_foreach(list, i, it) if (strcmp(json_string_value(json_object_get(it, "kind")), "phq9") == 0) phq9 = true;
    assert_true(phq9);
    json_decref(list);
    const cl_form *form = NULL;
    long long id = 0;
    assert_int_equal(cl_catalog_current(f->v, "session", &form, &id), CL_OK);
    assert_string_equal(cl_form_kind(form), "session");
    assert_int_equal(cl_catalog_current(f->v, "nonsense", &form, &id), CL_ENOTFOUND);
    assert_non_null(strstr(cl_error_message(), "observation"));
    /* Narrow columns name a kind by its form's short name; an unknown kind
     * shows as itself and leaves no error behind. */
    assert_string_equal(cl_catalog_kind_label(f->v, "session", "zh"), "辅导");
    assert_string_equal(cl_catalog_kind_label(f->v, "contact", "en"), "Contact");
    cl_error_clear();
    assert_string_equal(cl_catalog_kind_label(f->v, "nonsense", "zh"), "nonsense");
    assert_string_equal(cl_error_message(), "");
    char *text = NULL;
    assert_int_equal(cl_catalog_source(f->v, "contact", 0, &text), CL_OK);
    assert_non_null(strstr(text, "form contact"));
    free(text);
    assert_int_equal(cl_catalog_source(f->v, "contact", 7, &text), CL_ENOTFOUND);
}

static void test_import_new_version_old_record_renders(void **state)
{
    fixture *f = *state;
    long long s = add_student(f->v, "20260001", "张三");
    long long old = add_record(f->v, "contact", s,
                               "{\"occurred_at\":\"2026-03-05\",\"who\":\"王芳\",\"channel\":\"phone\",\"summary\":\"旧版\"}",
                               0);
    char path[160];
    snprintf(path, sizeof path, "%s/contact.form", f->dir);
    write_file(path, "form contact\n"
                     "title 家校沟通记录（新） | Home-school contact (new)\n"
                     "\n"
                     "field occurred_at date required\n"
                     "  label 日期 | Date\n"
                     "\n"
                     "field summary longtext required max 2000\n"
                     "  label 内容摘要 | Summary\n"
                     "\n"
                     "field mood choice required\n"
                     "  label 家长情绪 | Parent's mood\n"
                     "  choice calm 平静 | Calm\n"
                     "  choice upset 激动 | Upset\n");
    int version = 0;
    assert_int_equal(cl_catalog_import(f->v, path, &version), CL_OK);
    assert_int_equal(version, 2);
    assert_int_equal(cl_catalog_import(f->v, path, &version), CL_OK); /* same text: nothing added */
    assert_int_equal(version, 2);
    assert_int_equal(count_rows(f->v, "SELECT COUNT(*) FROM audit WHERE action = 'form.import'"), 1);

    /* New records use version 2; the old one keeps version 1 and renders. */
    long long fresh = add_record(f->v, "contact", s,
                                 "{\"occurred_at\":\"2026-03-06\",\"summary\":\"新版\",\"mood\":\"calm\"}", 0);
    json_t *rec = NULL;
    assert_int_equal(cl_record_get(f->v, fresh, false, &rec), CL_OK);
    assert_int_equal(json_integer_value(json_object_get(rec, "form_version")), 2);
    json_decref(rec);
    assert_int_equal(cl_record_get(f->v, old, false, &rec), CL_OK);
    assert_int_equal(json_integer_value(json_object_get(rec, "form_version")), 1);
    char *text = NULL;
    assert_int_equal(cl_record_render(f->v, rec, "zh", &text), CL_OK);
    assert_non_null(strstr(text, "旧版"));
    assert_non_null(strstr(text, "王芳"));
    free(text);
    json_decref(rec);
    /* Listing renders summaries with each record's own version. */
    json_t *list = NULL;
    cl_record_filter filter = {.kind = "contact"};
    assert_int_equal(cl_record_list(f->v, &filter, &list), CL_OK);
    assert_int_equal(json_array_size(list), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, 1), "summary")), "旧版");
    json_decref(list);
    char *src = NULL;
    assert_int_equal(cl_catalog_source(f->v, "contact", 1, &src), CL_OK);
    assert_non_null(strstr(src, "field who"));
    free(src);
}

static void test_import_rejects_broken_form(void **state)
{
    fixture *f = *state;
    long long forms = count_rows(f->v, "SELECT COUNT(*) FROM forms");
    char path[160];
    snprintf(path, sizeof path, "%s/broken.form", f->dir);
    write_file(path, "form contact\ntitle T | T\n\nfield who text required max\n  label a | b\n");
    int version = 0;
    assert_int_equal(cl_catalog_import(f->v, path, &version), CL_EDATA);
    char want[200];
    snprintf(want, sizeof want, "%s:4:", path);
    assert_non_null(strstr(cl_error_message(), want));
    /* A student form without the number field is refused. */
    write_file(path, "form student\ntitle 学生 | Student\n\nfield name text required max 40\n  label 姓名 | Name\n");
    assert_int_equal(cl_catalog_import(f->v, path, &version), CL_EDATA);
    assert_non_null(strstr(cl_error_message(), "number"));
    /* A follow-up date turned into free text would stop scheduling: refused. */
    write_file(path, "form contact\ntitle 家校联系 | Contact\n\nfield follow_up text\n  label 跟进 | Follow-up\n");
    assert_int_equal(cl_catalog_import(f->v, path, &version), CL_EDATA);
    assert_non_null(strstr(cl_error_message(), "follow_up"));
    /* A risk scale other than 0–3 would break every risk colour and policy. */
    write_file(path, "form assessment\ntitle 评估 | Assessment\n\n"
                     "field risk_level scale required min 0 max 5\n  label 风险 | Risk\n"
                     "field misconduct_tier choice required\n  label 分级 | Tier\n  choice none 无 | None\n"
                     "  choice bad 不良行为 | Misconduct\n");
    assert_int_equal(cl_catalog_import(f->v, path, &version), CL_EDATA);
    assert_non_null(strstr(cl_error_message(), "0 to 3"));
    snprintf(path, sizeof path, "%s/missing.form", f->dir);
    assert_int_equal(cl_catalog_import(f->v, path, &version), CL_ENOTFOUND);
    assert_int_equal(count_rows(f->v, "SELECT COUNT(*) FROM forms"), forms);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_builtin_installed_once, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_import_new_version_old_record_renders, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_import_rejects_broken_form, fixture_setup, fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
