/* The record editor's model without curses (src/ui/editor_rows.c, built
 * into this test as it is): a repeatable group as rows — built from stored
 * values and from a draft, rows added and deleted, each subfield converted
 * by the core with its row's path in messages, empty rows left out, the
 * draft's texts round-tripping, the group's limit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "carelog/catalog.h"
#include "carelog/secret.h"
#include "unit_support.h"

#include "../../src/ui/editor_rows.c"

static cl_form *form_named(const char *name)
{
    for (const cl_builtin_form *b = cl_builtin_forms; b->name; b++)
        if (strcmp(b->name, name) == 0) {
            cl_form *f = NULL;
            OK(cl_form_parse(b->text, b->len, b->name, &f));
            return f;
        }
    fail_msg("no built-in form %s", name);
    return NULL;
}

typedef struct fixture {
    ui u;
    editor e;
    cl_form *form;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    snprintf(f->u.lang, sizeof f->u.lang, "en");
    f->form = form_named("student.form");
    f->e.form = f->form;
    snprintf(f->e.kind, sizeof f->e.kind, "student");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    editor_free_entries(&f->e);
    free(f->e.fields);
    cl_form_free(f->form);
    free(f);
    return 0;
}

/* The entry of a field (or, with item >= 0, of a row's subfield). */
static size_t entry(const editor *e, const char *id, long item)
{
    for (size_t i = 0; i < e->n; i++) {
        const field_edit *f = &e->fields[i];
        if (strcmp(f->fld->id, id) == 0 && (item < 0 ? !f->group : f->group && (long)f->item == item))
            return i;
    }
    fail_msg("no entry %s[%ld]", id, item);
    return 0;
}

static void type(editor *e, size_t i, const char *text)
{
    OK(cl_line_set(&e->fields[i].line, text));
}

static void test_rows_from_values_and_back(void **state)
{
    fixture *f = *state;
    json_t *values = json_loads("{\"number\": \"1\", \"name\": \"林小雨\", \"class\": \"7-2\", \"status\": \"active\","
                                " \"guardians\": [{\"name\": \"林大山\", \"relation\": \"father\", \"phone\": \"138\"},"
                                " {\"name\": \"王秀英\", \"relation\": \"mother\", \"lives_with\": true}]}", 0, NULL);
    OK(editor_build(&f->u, &f->e, values, NULL));
    json_decref(values);
    size_t h = entry(&f->e, "guardians", -1);
    assert_true(f->e.fields[h].header);
    assert_int_equal(editor_rows_of(&f->e, h), 2);
    /* Choices and yes/no as the interface language says them. */
    assert_string_equal(f->e.fields[entry(&f->e, "relation", 0)].line.text, "Father");
    assert_string_equal(f->e.fields[entry(&f->e, "lives_with", 1)].line.text, "yes");
    char path[64];
    assert_string_equal(editor_entry_path(&f->e, entry(&f->e, "phone", 1), path, sizeof path), "guardians[2].phone");
    long bad;
    json_t *back = editor_values(&f->e, false, &bad);
    assert_int_equal(bad, -1);
    const json_t *rows = json_object_get(back, "guardians");
    assert_int_equal(json_array_size(rows), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(rows, 0), "relation")), "father");
    assert_true(json_is_true(json_object_get(json_array_get(rows, 1), "lives_with")));
    json_decref(back);
}

static void test_add_delete_and_empty_rows(void **state)
{
    fixture *f = *state;
    OK(editor_build(&f->u, &f->e, NULL, NULL));
    size_t h = entry(&f->e, "guardians", -1), first;
    assert_int_equal(editor_rows_of(&f->e, h), 0);
    OK(editor_add_row(&f->e, h, &first));
    assert_int_equal(first, h + 1);
    type(&f->e, entry(&f->e, "name", 0), "林大山");
    type(&f->e, entry(&f->e, "relation", 0), "父亲");
    /* A second row after the first, a third (left empty) after that. */
    OK(editor_add_row(&f->e, entry(&f->e, "note", 0), &first));
    type(&f->e, entry(&f->e, "name", 1), "王秀英");
    type(&f->e, entry(&f->e, "relation", 1), "mother");
    OK(editor_add_row(&f->e, entry(&f->e, "name", 1), &first));
    assert_int_equal(editor_rows_of(&f->e, h), 3);
    long bad;
    json_t *v = editor_values(&f->e, false, &bad);
    assert_int_equal(json_array_size(json_object_get(v, "guardians")), 2); /* the empty row left out */
    json_decref(v);
    /* A row inserted between two moves the later ones down. */
    OK(editor_add_row(&f->e, entry(&f->e, "name", 0), &first));
    assert_string_equal(f->e.fields[entry(&f->e, "name", 2)].line.text, "王秀英");
    editor_delete_row(&f->e, entry(&f->e, "phone", 1));
    editor_delete_row(&f->e, entry(&f->e, "name", 0));
    assert_int_equal(editor_rows_of(&f->e, h), 2);
    assert_string_equal(f->e.fields[entry(&f->e, "name", 0)].line.text, "王秀英");
    assert_true(f->e.rows_changed);
    /* A bad value is pointed at in its row, named by its path. */
    type(&f->e, entry(&f->e, "lives_with", 0), "perhaps");
    v = editor_values(&f->e, false, &bad);
    json_decref(v);
    assert_int_equal(bad, (long)entry(&f->e, "lives_with", 0));
    assert_non_null(strstr(f->e.fields[bad].error, "guardians[1].lives_with"));
}

static void test_draft_texts_round_trip(void **state)
{
    fixture *f = *state;
    OK(editor_build(&f->u, &f->e, NULL, NULL));
    type(&f->e, entry(&f->e, "name", -1), "林小雨");
    size_t first;
    OK(editor_add_row(&f->e, entry(&f->e, "guardians", -1), &first));
    type(&f->e, entry(&f->e, "name", 0), "林大山");
    type(&f->e, entry(&f->e, "relation", 0), "Father");
    type(&f->e, entry(&f->e, "lives_with", 0), "maybe"); /* a draft keeps even what does not convert */
    json_t *texts = editor_texts(&f->e);
    editor e2 = {.form = f->form};
    snprintf(e2.kind, sizeof e2.kind, "student");
    OK(editor_build(&f->u, &e2, NULL, texts));
    json_decref(texts);
    assert_string_equal(e2.fields[entry(&e2, "name", -1)].line.text, "林小雨");
    assert_string_equal(e2.fields[entry(&e2, "relation", 0)].line.text, "Father");
    assert_string_equal(e2.fields[entry(&e2, "lives_with", 0)].line.text, "maybe");
    editor_free_entries(&e2);
    free(e2.fields);
}

static void test_group_limit(void **state)
{
    fixture *f = *state;
    OK(editor_build(&f->u, &f->e, NULL, NULL));
    size_t h = entry(&f->e, "guardians", -1), first;
    const cl_field *g = f->e.fields[h].fld;
    assert_true(g->max_items > 0);
    for (size_t i = 0; i < g->max_items; i++)
        OK(editor_add_row(&f->e, h, &first));
    assert_int_equal(editor_add_row(&f->e, h, &first), CL_EDATA);
    assert_int_equal(editor_rows_of(&f->e, h), g->max_items);
    /* Outside a group there is no row to add. */
    assert_int_equal(editor_add_row(&f->e, entry(&f->e, "number", -1), &first), CL_EUSAGE);
}

int main(void)
{
    cl_secret_init_process();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_rows_from_values_and_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_add_delete_and_empty_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_draft_texts_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_group_limit, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
