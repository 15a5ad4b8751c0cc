/* Follow-ups: the reasons the due list gives, however long the words a
 * school's forms give them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "carelog/catalog.h"
#include "carelog/secret.h"
#include "carelog/text.h"
#include "followup_support.h"

/* The student form's text with its first circumstance replaced by the
 * choice lines given (each "  choice ID 中文 | English\n"). */
static void import_circumstances(fixture *f, const char *choices)
{
    const char *text = NULL;
    for (const cl_builtin_form *bf = cl_builtin_forms; bf->name; bf++)
        if (strcmp(bf->name, "student.form") == 0)
            text = bf->text;
    assert_non_null(text);
    const char *line = strstr(text, "  choice left_behind ");
    assert_non_null(line);
    const char *after = strchr(line, '\n') + 1;
    char path[160];
    snprintf(path, sizeof path, "%s/student.form", f->dir);
    FILE *out = fopen(path, "w");
    assert_non_null(out);
    fprintf(out, "%.*s%s%s", (int)(line - text), text, choices, after);
    assert_int_equal(fclose(out), 0);
    int version = 0;
    OK(cl_catalog_import(f->v, path, &version));
    assert_int_equal(version, 2);
}

static cl_status keep_text_row(const char *json, size_t len, const char *cursor, void *ctx)
{
    (void)cursor;
    cl_status st = cl_buf_append(ctx, json, len);
    return st != CL_OK ? st : cl_buf_append(ctx, "\n", 1);
}

/* The list written out (its reasons put together from their pieces' JSON
 * where they fit) reads byte for byte as its objects dumped. */
static void assert_text_as_objects(fixture *f, const char *today)
{
    json_t *list = due(f, today, 0);
    assert_true(json_array_size(list) > 0);
    cl_buf want = {0}, text = {0};
    size_t i;
    json_t *r;
    json_array_foreach(list, i, r) {
        char *row = json_dumps(r, JSON_COMPACT | JSON_PRESERVE_ORDER);
        OK(cl_buf_puts(&want, row));
        OK(cl_buf_append(&want, "\n", 1));
        free(row);
    }
    cl_due_page p = {.today = today};
    OK(cl_followup_due_text_each(f->v, &p, keep_text_row, &text, NULL));
    assert_string_equal(text.data, want.data);
    cl_buf_free(&want);
    cl_buf_free(&text);
    json_decref(list);
}

/* Each policy's row names its own circumstance, however long the ids:
 * the list works each policy's words out once, and two policies must
 * never share them. */
static void test_policies_with_long_ids(void **state)
{
    fixture *f = *state;
    static const char a[] = "circumstance_of_a_school_named_at_length_for_its_county_a";
    static const char b[] = "circumstance_of_a_school_named_at_length_for_its_county_b";
    char choices[256];
    snprintf(choices, sizeof choices, "  choice %s 甲类 | Kind A\n  choice %s 乙类 | Kind B\n", a, b);
    import_circumstances(f, choices);
    char list_a[96], list_b[96];
    snprintf(list_a, sizeof list_a, "[\"%s\"]", a);
    snprintf(list_b, sizeof list_b, "[\"%s\"]", b);
    long long sa = student(f, "20260001", "甲生", "active", list_a);
    long long sb = student(f, "20260002", "乙生", "active", list_b);
    OK(cl_followup_policy_set(f->v, "circumstance", a, 10));
    OK(cl_followup_policy_set(f->v, "circumstance", b, 10));
    json_t *list = due(f, "2026-11-05", 0);
    json_t *ra = row_of(list, sa, "policy"), *rb = row_of(list, sb, "policy");
    assert_non_null(ra);
    assert_non_null(rb);
    char want[160];
    snprintf(want, sizeof want, "Kind A (%s): at least every 10 days", a);
    assert_non_null(strstr(s_of(ra, "reason"), want));
    snprintf(want, sizeof want, "Kind B (%s): at least every 10 days", b);
    assert_non_null(strstr(s_of(rb, "reason"), want));
    assert_non_null(strstr(s_of(ra, "reason_zh"), "甲类"));
    assert_non_null(strstr(s_of(rb, "reason_zh"), "乙类"));
    json_decref(list);
    assert_text_as_objects(f, "2026-11-05");
}

/* A circumstance's label long enough to be cut where the reason is
 * composed, cut inside a character: the student's row is still listed
 * (a row whose text is not UTF-8 is left out of the list), its reason
 * valid UTF-8 with the label's start. */
static void test_policy_with_long_label(void **state)
{
    fixture *f = *state;
    char choices[512] = "  choice long_label A";
    for (int i = 0; i < 60; i++)
        strcat(choices, "长");
    strcat(choices, " | A long label\n");
    import_circumstances(f, choices);
    long long s = student(f, "20260001", "长标签生", "active", "[\"long_label\"]");
    OK(cl_followup_policy_set(f->v, "circumstance", "long_label", 10));
    json_t *list = due(f, "2026-11-05", 0);
    json_t *r = row_of(list, s, "policy");
    assert_non_null(r);
    const char *zh = s_of(r, "reason_zh");
    assert_true(strncmp(zh, "A长长长", strlen("A长长长")) == 0);
    assert_non_null(strstr(zh, "：至少每 10 天一次"));
    json_decref(list);
    assert_text_as_objects(f, "2026-11-05");
}

/* Labels with what a JSON string escapes: written out, the reason is
 * escaped as its object's is. */
static void test_policy_labels_escaped(void **state)
{
    fixture *f = *state;
    import_circumstances(f, "  choice quoted 带\"引号\"的\\类 | Kind \"A\" \\ B\n");
    long long s = student(f, "20260001", "引号生", "active", "[\"quoted\"]");
    OK(cl_followup_policy_set(f->v, "circumstance", "quoted", 10));
    json_t *list = due(f, "2026-11-05", 0);
    json_t *r = row_of(list, s, "policy");
    assert_non_null(r);
    assert_non_null(strstr(s_of(r, "reason"), "Kind \"A\" \\ B"));
    assert_non_null(strstr(s_of(r, "reason_zh"), "带\"引号\"的\\类"));
    json_decref(list);
    assert_text_as_objects(f, "2026-11-05");
}

int main(void)
{
    cl_secret_init_process();
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_policies_with_long_ids),
        T(test_policy_with_long_label),
        T(test_policy_labels_escaped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
