/* Removing an office on the school side: gone from the list and audited;
 * refused, changing nothing, once a bundle was sent to it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>

#include "carelog/office.h"
#include "carelog/storage.h"
#include "record_fixture.h"

static void add_office(fixture *f, const char *name, const char *fingerprint)
{
    cl_party p = {0};
    snprintf(p.kind, sizeof p.kind, "office");
    snprintf(p.name, sizeof p.name, "%s", name);
    randombytes_buf(p.x25519, sizeof p.x25519);
    randombytes_buf(p.ed25519, sizeof p.ed25519);
    snprintf(p.fingerprint, sizeof p.fingerprint, "%s", fingerprint);
    OK(cl_office_add(f->v, &p));
}

static long long offices(fixture *f)
{
    json_t *list;
    OK(cl_office_list(f->v, &list));
    long long n = (long long)json_array_size(list);
    json_decref(list);
    return n;
}

static void test_remove_office(void **state)
{
    fixture *f = *state;
    add_office(f, "区未保站", "AAAA-BBBB-CCCC-DDDD");
    add_office(f, "派出所", "EEEE-FFFF-GGGG-HHHH");
    assert_int_equal(offices(f), 2);
    OK(cl_office_remove(f->v, "派出所"));
    assert_int_equal(offices(f), 1);
    assert_int_equal(count_rows(f->v, "SELECT count(*) FROM audit WHERE action = 'office.remove' AND target = '派出所'"),
                     1);
    assert_int_equal(cl_office_remove(f->v, "派出所"), CL_ENOTFOUND);
    /* Once a bundle went to it, the office's keys must stay. */
    long long student = add_student(f->v, "S1", "林小雨");
    json_t *s;
    OK(cl_student_get(f->v, student, &s));
    char *sql = sqlite3_mprintf("INSERT INTO bundle_exports(export_id, record_id, office_id, file, sha256, at, actor)"
                                " SELECT 'x1', %lld, id, 'b.age', '00', '2026-11-20', '王老师' FROM offices",
                                (long long)json_integer_value(json_object_get(s, "record_id")));
    json_decref(s);
    OK(cl_db_exec(cl_vault_db(f->v), sql));
    sqlite3_free(sql);
    assert_int_equal(cl_office_remove(f->v, "区未保站"), CL_ECONFLICT);
    assert_non_null(strstr(cl_error_message(), "区未保站"));
    assert_int_equal(offices(f), 1);
}

int main(void)
{
    cl_secret_init_process();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_remove_office, fixture_setup, fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
