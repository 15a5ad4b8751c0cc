/* Unit tests for drafts: kept in the vault per counsellor, replaced in
 * place, thrown away. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "record_fixture.h"

#include "carelog/draft.h"


static void test_draft_roundtrip(void **state)
{
    fixture *f = *state;
    long long s = add_student(f->v, "20260101", "林小雨");
    long long id = 0;
    json_t *fields = J("{\"notes\": \"今天情绪低落\"}");
    assert_int_equal(cl_draft_save(f->v, "session", s, 0, 0, fields, &id), CL_OK);
    assert_true(id > 0);
    long long same = id;
    json_object_set_new(fields, "notes", json_string("今天情绪低落，哭了"));
    assert_int_equal(cl_draft_save(f->v, "session", s, 0, 0, fields, &id), CL_OK);
    assert_int_equal(id, same);
    json_t *list;
    assert_int_equal(cl_draft_list(f->v, &list), CL_OK);
    assert_int_equal(json_array_size(list), 1);
    json_t *d = json_array_get(list, 0);
    assert_string_equal(json_string_value(json_object_get(d, "name")), "林小雨");
    assert_string_equal(json_string_value(json_object_get(json_object_get(d, "fields"), "notes")), "今天情绪低落，哭了");
    json_decref(list);
    assert_int_equal(count_rows(f->v, "SELECT count(*) FROM records WHERE kind = 'session'"), 0);
    assert_int_equal(cl_draft_delete(f->v, id), CL_OK);
    assert_int_equal(cl_draft_delete(f->v, id), CL_ENOTFOUND);
    assert_int_equal(cl_draft_list(f->v, &list), CL_OK);
    assert_int_equal(json_array_size(list), 0);
    json_decref(list);
    json_decref(fields);
}

/* A draft is plaintext the counsellor is still writing: the text it is
 * saved from is wiped when freed, as everything freed is (memory.h). */
static void test_draft_text_wiped(void **state)
{
    skip_without_malloc_heap();
    fixture *f = *state;
    long long s = add_student(f->v, "20260102", "林小雨");
    static const char needle[] = "draft-text-left-in-freed-heap-memory";
    json_t *fields = json_pack("{s:s}", "notes", "...............draft-text-left-in-freed-heap-memory............");
    long long id = 0;
    assert_int_equal(cl_draft_save(f->v, "session", s, 0, 0, fields, &id), CL_OK);
    json_decref(fields);
    assert_false(in_malloc_heap(needle, sizeof needle - 1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_draft_roundtrip, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_draft_text_wiped, fixture_setup, fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
