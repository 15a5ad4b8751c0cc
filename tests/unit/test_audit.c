/* Unit tests for the hash-chained audit log: append, verify, list, and the
 * damage verify must find. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "carelog/audit.h"
#include "carelog/secret.h"
#include "carelog/storage.h"

typedef struct fixture {
    char dir[64];
    char path[96];
    cl_secret *key;
    sqlite3 *db;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (!f || sodium_init() < 0)
        return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/carelog-audit-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->path, sizeof f->path, "%s/vault.db", f->dir);
    if (cl_secret_random(32, &f->key) != CL_OK || cl_db_open(f->path, f->key, true, &f->db) != CL_OK ||
        cl_db_migrate(f->db) != CL_OK)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    cl_db_close(f->db);
    cl_secret_free(f->key);
    static const char *const names[] = {"vault.db", "vault.db-wal", "vault.db-shm"};
    for (size_t i = 0; i < 3; i++) {
        char p[128];
        snprintf(p, sizeof p, "%s/%s", f->dir, names[i]);
        unlink(p);
    }
    rmdir(f->dir);
    free(f);
    unsetenv("CARELOG_TEST_NOW");
    return 0;
}

static void append(sqlite3 *db, const char *at, const char *actor, const char *action, const char *target,
                   const char *detail)
{
    setenv("CARELOG_TEST_NOW", at, 1);
    assert_int_equal(cl_db_begin(db), CL_OK);
    assert_int_equal(cl_audit_append(db, actor, action, target, detail), CL_OK);
    assert_int_equal(cl_db_commit(db), CL_OK);
}

/* Five entries on three days. */
static void fill(sqlite3 *db)
{
    append(db, "2026-03-01T08:00:00Z", "王老师", "vault.init", "vault", "测试中学");
    append(db, "2026-03-01T09:30:00Z", "王老师", "record.create", "record 1", NULL);
    append(db, "2026-03-02T10:00:00Z", "李老师", "record.update", "record 1", "风险等级 1 → 3");
    append(db, "2026-03-02T11:00:00Z", "system", "bundle.import", "", "line one\nline two\t\x1b[31m");
    append(db, "2026-03-05T07:45:00Z", "recovery", "counsellor.passphrase", "王老师", "");
}

static void expect_verify(sqlite3 *db, cl_status want, long long entries, const char *says)
{
    long long n = -1;
    cl_error_clear();
    cl_status st = cl_audit_verify(db, &n);
    if (st != want)
        fail_msg("verify gave %d (%s), wanted %d", st, cl_error_message(), want);
    if (want == CL_OK)
        assert_int_equal(n, entries);
    if (says && !strstr(cl_error_message(), says))
        fail_msg("verify message \"%s\" lacks \"%s\"", cl_error_message(), says);
}

static void exec(sqlite3 *db, const char *sql)
{
    assert_int_equal(cl_db_exec(db, sql), CL_OK);
}

static void test_empty(void **state)
{
    fixture *f = *state;
    expect_verify(f->db, CL_OK, 0, NULL);
    json_t *list;
    assert_int_equal(cl_audit_list(f->db, NULL, 0, &list), CL_OK);
    assert_int_equal(json_array_size(list), 0);
    json_decref(list);
}

static void test_append_verify_list(void **state)
{
    fixture *f = *state;
    fill(f->db);
    expect_verify(f->db, CL_OK, 5, NULL);

    json_t *list;
    assert_int_equal(cl_audit_list(f->db, NULL, 0, &list), CL_OK);
    assert_int_equal(json_array_size(list), 5);
    json_t *e = json_array_get(list, 2);
    assert_int_equal(json_integer_value(json_object_get(e, "id")), 3);
    assert_string_equal(json_string_value(json_object_get(e, "at")), "2026-03-02T10:00:00Z");
    assert_string_equal(json_string_value(json_object_get(e, "actor")), "李老师");
    assert_string_equal(json_string_value(json_object_get(e, "action")), "record.update");
    assert_string_equal(json_string_value(json_object_get(e, "target")), "record 1");
    assert_string_equal(json_string_value(json_object_get(e, "detail")), "风险等级 1 → 3");
    /* NULL detail and target are stored as empty text. */
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, 1), "detail")), "");
    /* Control characters are kept as data (shown inert by the fronts). */
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, 3), "detail")),
                        "line one\nline two\t\x1b[31m");
    json_decref(list);

    /* limit keeps the newest, oldest first */
    assert_int_equal(cl_audit_list(f->db, NULL, 2, &list), CL_OK);
    assert_int_equal(json_array_size(list), 2);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(list, 0), "id")), 4);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(list, 1), "id")), 5);
    json_decref(list);
    /* since narrows by date */
    assert_int_equal(cl_audit_list(f->db, "2026-03-02", 0, &list), CL_OK);
    assert_int_equal(json_array_size(list), 3);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(list, 0), "id")), 3);
    json_decref(list);
    assert_int_equal(cl_audit_list(f->db, "2026-03-02", 1, &list), CL_OK);
    assert_int_equal(json_array_size(list), 1);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(list, 0), "id")), 5);
    json_decref(list);
    assert_int_equal(cl_audit_list(f->db, "2027-01-01", 0, &list), CL_OK);
    assert_int_equal(json_array_size(list), 0);
    json_decref(list);

    /* Appending goes on from the head. */
    append(f->db, "2026-03-06T07:45:00Z", "王老师", "vault.backup", "/media/usb/b.clb", NULL);
    expect_verify(f->db, CL_OK, 6, NULL);
}

static void test_rollback_leaves_chain_intact(void **state)
{
    fixture *f = *state;
    fill(f->db);
    assert_int_equal(cl_db_begin(f->db), CL_OK);
    assert_int_equal(cl_audit_append(f->db, "王老师", "record.create", "record 9", NULL), CL_OK);
    cl_db_rollback(f->db);
    expect_verify(f->db, CL_OK, 5, NULL);
    append(f->db, "2026-03-07T00:00:00Z", "王老师", "record.create", "record 9", NULL);
    expect_verify(f->db, CL_OK, 6, NULL);
}

static void test_changed_fields(void **state)
{
    fixture *f = *state;
    fill(f->db);
    static const char *const edits[] = {
        "UPDATE audit SET detail = '风险等级 1 → 2' WHERE id = 3",
        "UPDATE audit SET actor = '张老师' WHERE id = 3",
        "UPDATE audit SET action = 'record.view' WHERE id = 3",
        "UPDATE audit SET target = 'record 2' WHERE id = 3",
        "UPDATE audit SET at = '2026-03-02T10:00:01Z' WHERE id = 3",
        "UPDATE audit SET hash = zeroblob(32) WHERE id = 3",
        "UPDATE audit SET prev_hash = zeroblob(32) WHERE id = 3",
    };
    for (size_t i = 0; i < sizeof edits / sizeof *edits; i++) {
        exec(f->db, "SAVEPOINT edit");
        exec(f->db, edits[i]);
        expect_verify(f->db, CL_EDATA, 0, "entry 3");
        exec(f->db, "ROLLBACK TO edit");
        exec(f->db, "RELEASE edit");
        expect_verify(f->db, CL_OK, 5, NULL);
    }
    /* The first and the last entry are guarded as well. */
    exec(f->db, "UPDATE audit SET detail = 'x' WHERE id = 1");
    expect_verify(f->db, CL_EDATA, 0, "entry 1");
    exec(f->db, "UPDATE audit SET detail = '测试中学' WHERE id = 1");
    exec(f->db, "UPDATE audit SET actor = 'x' WHERE id = 5");
    expect_verify(f->db, CL_EDATA, 0, "entry 5");
}

static void test_deleted_rows(void **state)
{
    fixture *f = *state;
    fill(f->db);
    exec(f->db, "SAVEPOINT edit");
    exec(f->db, "DELETE FROM audit WHERE id = 3");
    expect_verify(f->db, CL_EDATA, 0, "entry 3");
    exec(f->db, "ROLLBACK TO edit");
    exec(f->db, "DELETE FROM audit WHERE id = 1");
    expect_verify(f->db, CL_EDATA, 0, "entry 1");
    exec(f->db, "ROLLBACK TO edit");
    /* The newest entry cut off the end: the head in meta tells. */
    exec(f->db, "DELETE FROM audit WHERE id = 5");
    expect_verify(f->db, CL_EDATA, 0, "removed");
    exec(f->db, "ROLLBACK TO edit");
    /* …and so does the count, even with the head rolled back. */
    exec(f->db, "DELETE FROM audit WHERE id = 5");
    exec(f->db, "UPDATE meta SET value = (SELECT hash FROM audit WHERE id = 4) WHERE key = 'audit_head'");
    expect_verify(f->db, CL_EDATA, 0, NULL);
    exec(f->db, "ROLLBACK TO edit");
    /* Everything deleted. */
    exec(f->db, "DELETE FROM audit");
    expect_verify(f->db, CL_EDATA, 0, NULL);
    exec(f->db, "ROLLBACK TO edit");
    /* Renumbered to hide a gap. */
    exec(f->db, "DELETE FROM audit WHERE id = 3");
    exec(f->db, "UPDATE audit SET id = id - 1 WHERE id > 3");
    expect_verify(f->db, CL_EDATA, 0, NULL);
    exec(f->db, "ROLLBACK TO edit");
    exec(f->db, "RELEASE edit");
    expect_verify(f->db, CL_OK, 5, NULL);
}

static void test_since_is_a_local_date(void **state)
{
    /* --since names a day as the counsellor lives it: in UTC+8, 07:00 on
     * 1 March is still 28 February in UTC, and belongs to 1 March. */
    fixture *f = *state;
    setenv("TZ", "XXX-8", 1);
    tzset();
    append(f->db, "2026-02-28T15:00:00Z", "王老师", "record.view", "record 1", "23:00 local, 28 February");
    append(f->db, "2026-02-28T23:00:00Z", "王老师", "record.view", "record 2", "07:00 local, 1 March");
    json_t *list;
    assert_int_equal(cl_audit_list(f->db, "2026-03-01", 0, &list), CL_OK);
    setenv("TZ", "UTC", 1);
    tzset();
    assert_int_equal(json_array_size(list), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "target")), "record 2");
    json_decref(list);
}

/* A log long enough to be walked in many batches (audit_verify.c), with an
 * entry larger than a batch in the middle: each kind of damage is still
 * told at the first entry it touches, in whichever batch that lies. */
#define LONG_LOG 3000
#define BIG_ENTRY 1500
static void test_long_log_in_batches(void **state)
{
    fixture *f = *state;
    setenv("CARELOG_TEST_NOW", "2026-03-01T08:00:00Z", 1);
    char detail[420];
    memset(detail, 'd', sizeof detail - 1);
    detail[sizeof detail - 1] = '\0';
    size_t big_len = 600 << 10;
    char *big = malloc(big_len + 1);
    assert_non_null(big);
    memset(big, 'b', big_len);
    big[big_len] = '\0';
    assert_int_equal(cl_db_begin(f->db), CL_OK);
    for (int i = 1; i <= LONG_LOG; i++) {
        char target[32];
        snprintf(target, sizeof target, "record %d", i);
        assert_int_equal(cl_audit_append(f->db, "王老师", "record.view", target, i == BIG_ENTRY ? big : detail), CL_OK);
    }
    assert_int_equal(cl_db_commit(f->db), CL_OK);
    free(big);
    expect_verify(f->db, CL_OK, LONG_LOG, NULL);

    static const struct {
        const char *sql, *says;
    } damage[] = {
        {"UPDATE audit SET detail = 'x' WHERE id = 2900", "entry 2900: it was changed"},
        {"UPDATE audit SET detail = substr(detail, 2) || 'c' WHERE id = 1500", "entry 1500: it was changed"},
        {"UPDATE audit SET detail = 'x' WHERE id = 10; DELETE FROM audit WHERE id = 2000", "entry 10: it was changed"},
        {"DELETE FROM audit WHERE id = 2000; UPDATE audit SET detail = 'x' WHERE id = 2900", "entry 2000 is missing"},
        {"UPDATE audit SET prev_hash = zeroblob(31) WHERE id = 2999", "entry 2999: it was changed"},
        /* Bytes after a NUL, which a reader of C strings would not see. */
        {"UPDATE audit SET detail = detail || char(0) || 'hidden' WHERE id = 2500", "entry 2500: it was changed"},
        {"DELETE FROM audit WHERE id = 3000", "removed"},
    };
    for (size_t i = 0; i < sizeof damage / sizeof *damage; i++) {
        exec(f->db, "SAVEPOINT edit");
        exec(f->db, damage[i].sql);
        expect_verify(f->db, CL_EDATA, 0, damage[i].says);
        exec(f->db, "ROLLBACK TO edit");
        exec(f->db, "RELEASE edit");
    }
    expect_verify(f->db, CL_OK, LONG_LOG, NULL);
}

/* Another carelog appends an entry once the verifying walk has begun. */
typedef struct other_writer {
    sqlite3 *db;
    int appended;
} other_writer;

static int append_from_other(void *arg)
{
    other_writer *o = arg;
    if (!o->appended++)
        cl_audit_append(o->db, "李老师", "record.create", "record 9", NULL);
    return 0;
}

/* An entry written by another terminal while the walk runs is not
 * "entries removed": the head, the count and the rows come from one
 * snapshot. */
static void test_writer_during_walk(void **state)
{
    fixture *f = *state;
    for (int i = 0; i < 3; i++)
        assert_int_equal(cl_audit_append(f->db, "王老师", "record.view", "record 1", NULL), CL_OK);
    other_writer o = {NULL, 0};
    assert_int_equal(cl_db_open(f->path, f->key, false, &o.db), CL_OK);
    sqlite3_progress_handler(f->db, 1, append_from_other, &o);
    long long n = 0;
    cl_status st = cl_audit_verify(f->db, &n);
    sqlite3_progress_handler(f->db, 0, NULL, NULL);
    if (st != CL_OK)
        fprintf(stderr, "verify beside a writer: %s\n", cl_error_message());
    assert_int_equal(o.appended > 0, 1);
    assert_int_equal(st, CL_OK);
    assert_true(n == 3 || n == 4); /* before the other's entry or after it, never half */
    assert_int_equal(cl_audit_verify(f->db, &n), CL_OK);
    assert_int_equal(n, 4); /* and the other's entry holds on the next walk */
    cl_db_close(o.db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_empty, setup, teardown),
        cmocka_unit_test_setup_teardown(test_append_verify_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rollback_leaves_chain_intact, setup, teardown),
        cmocka_unit_test_setup_teardown(test_changed_fields, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deleted_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_since_is_a_local_date, setup, teardown),
        cmocka_unit_test_setup_teardown(test_long_log_in_batches, setup, teardown),
        cmocka_unit_test_setup_teardown(test_writer_during_walk, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
