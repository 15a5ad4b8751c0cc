/* The audit log's stored English said again at display time: shapes found
 * with their arguments, plurals chosen by count, machine values shown by
 * their labels in Chinese, and unknown text left exactly as stored. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "carelog/audit.h"
#include "carelog/i18n.h"

static void expect_detail(const char *action, const char *stored, const char *want)
{
    char *got = cl_audit_detail_text(action, stored);
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

static void expect_target(const char *stored, const char *want)
{
    char *got = cl_audit_target_text(NULL, stored);
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

static void test_english_plurals(void **state)
{
    (void)state;
    cl_i18n_set_language("en");
    /* Entries written by every version so far read "1 matches"; shown by
     * count now. */
    expect_detail("search", "1 matches for \"网贷\"", "1 match for \"网贷\"");
    expect_detail("search", "3 matches for \"a b\"…", "3 matches for \"a b…\"");
    expect_detail("policy.set", "every 1 days", "every 1 day");
    expect_detail("policy.set", "every 7 days", "every 7 days");
    expect_detail("search.rebuild", "1 records", "1 record");
    expect_detail("list", "filter: --class 初二(3)班; rows: 1", "filter: --class 初二(3)班; 1 row");
}

static void test_english_keeps_values_and_codes(void **state)
{
    (void)state;
    cl_i18n_set_language("en");
    expect_detail("referral.move", "draft -> reported, dated 2026-11-02", "draft -> reported, dated 2026-11-02");
    expect_detail("record.create", "observation for student #12", "observation for student #12");
    char *action = cl_audit_action_text("record.create");
    assert_string_equal(action, "record.create");
    free(action);
}

static void test_unknown_text_as_stored(void **state)
{
    (void)state;
    cl_i18n_set_language("zh");
    /* A shape of another action, free text, a number where a word was
     * expected: none is rewritten. */
    expect_detail("vault.init", "every 3 days", "every 3 days");
    expect_detail("record.create", "observation for student #x1", "observation for student #x1");
    expect_detail("student.close", "", "");
    expect_detail("setting.set", "zh", "zh");
    expect_target("teacher 李老师", "teacher 李老师");
    char *action = cl_audit_action_text("some.future-action");
    assert_string_equal(action, "some.future-action");
    free(action);
}

static void test_chinese_values(void **state)
{
    (void)state;
    cl_i18n_set_language("zh");
    /* The referral states' Chinese comes from the referral table, so this
     * holds without the catalogue; the sentence around them is po's. */
    char *got = cl_audit_detail_text("referral.move", "draft -> reported");
    assert_non_null(strstr(got, "草稿"));
    assert_non_null(strstr(got, "已报告"));
    assert_null(strstr(got, "draft"));
    free(got);
    got = cl_audit_detail_text("receipt.import", "receipt R1 from ab12: handling");
    assert_non_null(strstr(got, "处置中"));
    assert_non_null(strstr(got, "R1"));
    assert_non_null(strstr(got, "ab12"));
    free(got);
    /* An output's outcome keeps its suffix's meaning. */
    got = cl_audit_action_text("export.referral.failed");
    assert_non_null(got);
    assert_null(strstr(got, "export.referral"));
    free(got);
    cl_i18n_set_language("en");
}

static void test_nested_target(void **state)
{
    (void)state;
    cl_i18n_set_language("en");
    expect_detail("export.referral", "referral 3 as pdf, 1024 bytes, blake2b:ab", "referral 3 as pdf, 1024 bytes, blake2b:ab");
    expect_detail("output.cleanup", "interrupted vault.backup: 1 temporary file(s) removed; the file itself was never written",
                  "interrupted vault.backup: 1 temporary file removed; the file itself was never written");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_english_plurals),
        cmocka_unit_test(test_english_keeps_values_and_codes),
        cmocka_unit_test(test_unknown_text_as_stored),
        cmocka_unit_test(test_chinese_values),
        cmocka_unit_test(test_nested_target),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
