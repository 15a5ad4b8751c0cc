/* Identifiers: numbers, names and classes in one form; what is removed,
 * what is folded, what is refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "carelog/identifier.h"

static void assert_normal(cl_identifier_kind kind, const char *in, const char *want)
{
    char *out = NULL;
    cl_status st = cl_identifier_normalise(kind, in, "x", &out);
    if (st != CL_OK)
        fail_msg("%s: %s", in, cl_error_message());
    assert_string_equal(out, want);
    free(out);
}

static void assert_refused(cl_identifier_kind kind, const char *in, const char *message)
{
    char *out = NULL;
    assert_int_equal(cl_identifier_normalise(kind, in, "name (姓名)", &out), CL_EDATA);
    assert_null(out);
    if (!strstr(cl_error_message(), message))
        fail_msg("for %s: expected \"%s\" in \"%s\"", in, message, cl_error_message());
}

static void test_removed_and_folded(void **state)
{
    (void)state;
    assert_normal(CL_IDENTIFIER_NAME, "李\xE2\x80\x8B明", "李明");          /* U+200B */
    assert_normal(CL_IDENTIFIER_NAME, "\xEF\xBB\xBF王芳\xE2\x81\xA0", "王芳"); /* U+FEFF, U+2060 */
    assert_normal(CL_IDENTIFIER_NAME, "  张\xC2\xAD三\xE3\x80\x80", "张三");  /* soft hyphen, U+3000 */
    assert_normal(CL_IDENTIFIER_NAME, "阿依古丽·买买提", "阿依古丽·买买提");
    /* A name keeps its width: only numbers and classes fold. */
    assert_normal(CL_IDENTIFIER_NAME, "Ｌｉｓａ", "Ｌｉｓａ");
    assert_normal(CL_IDENTIFIER_NUMBER, "２０２６０００１", "20260001");
    assert_normal(CL_IDENTIFIER_NUMBER, "Ａ２０２６ｂ", "A2026b");
    assert_normal(CL_IDENTIFIER_CLASS, "初二（3）班", "初二(3)班");
    assert_normal(CL_IDENTIFIER_CLASS, "初二（３）班", "初二(3)班");
    assert_normal(CL_IDENTIFIER_CLASS, "高一\xE3\x80\x80" "1班", "高一 1班");
    assert_normal(CL_IDENTIFIER_CLASS, "", "");
    assert_normal(CL_IDENTIFIER_NUMBER, "\xE2\x80\x8B", "");
}

static void test_refused(void **state)
{
    (void)state;
    assert_refused(CL_IDENTIFIER_NAME, "李\xE2\x80\xAE明", "shown in (U+202E) after \"李\"");
    assert_refused(CL_IDENTIFIER_NAME, "\xE2\x80\x8F李明", "(U+200F); type it again");
    assert_refused(CL_IDENTIFIER_NAME, "a\xE2\x80\x8D" "b", "zero-width joiner (U+200D)");
    assert_refused(CL_IDENTIFIER_NAME, "a\xE2\x80\x8C" "b", "zero-width joiner (U+200C)");
    assert_refused(CL_IDENTIFIER_NAME, "李\t明", "a tab");
    assert_refused(CL_IDENTIFIER_NAME, "李\n明", "a line break");
    assert_refused(CL_IDENTIFIER_NAME, "李\x1b[31m明", "a control character");
    assert_refused(CL_IDENTIFIER_NAME, "李\xEF\xBF\xBD明", "wrong encoding");
    assert_refused(CL_IDENTIFIER_NAME, "李\xF3\xA0\x80\x81明", "invisible character"); /* a tag */
    assert_refused(CL_IDENTIFIER_NAME, "bad\xFF", "not valid UTF-8");
    assert_refused(CL_IDENTIFIER_CLASS, "初二\xE2\x81\xA6(3)班", "bidirectional"); /* U+2066 */
}

static void test_student_fields(void **state)
{
    (void)state;
    json_t *f = json_pack("{s:s, s:s, s:s, s:s}", "number", "２０２６０００１", "name", "李\xE2\x80\x8B明", "class",
                          "初二（3）班", "school_notes", "（备注）");
    json_t *problems = json_array();
    assert_int_equal(cl_identifier_normalise_student(f, problems), CL_OK);
    assert_int_equal(json_array_size(problems), 0);
    assert_string_equal(json_string_value(json_object_get(f, "number")), "20260001");
    assert_string_equal(json_string_value(json_object_get(f, "name")), "李明");
    assert_string_equal(json_string_value(json_object_get(f, "class")), "初二(3)班");
    assert_string_equal(json_string_value(json_object_get(f, "school_notes")), "（备注）"); /* not an identifier */
    json_object_set_new(f, "name", json_string("李\xE2\x80\xAE明"));
    assert_int_equal(cl_identifier_normalise_student(f, problems), CL_OK);
    assert_int_equal(json_array_size(problems), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(problems, 0), "field")), "name");
    json_decref(problems);
    json_decref(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_removed_and_folded),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_student_fields),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
