/* A fresh vault per test for the tests of what lives in a vault (catalogue,
 * records, students, referrals, follow-ups): mkdtemp, cl_vault_init (fast
 * KDF), cl_catalog_install_builtin; removed again in teardown. Include after
 * cmocka.h. The helpers are inline so that a test need not use all of them. */
#ifndef CARELOG_RECORD_FIXTURE_H
#define CARELOG_RECORD_FIXTURE_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "carelog/catalog.h"
#include "carelog/record.h"
#include "carelog/secret.h"
#include "carelog/student.h"
#include "carelog/vault.h"
#include "unit_support.h"

typedef struct fixture {
    char dir[64];
    char vault_dir[96];
    cl_vault *v;
    long long student; /* for a test file whose setup adds a student */
} fixture;

static int fixture_setup(void **state)
{
    setenv("CARELOG_TEST_FAST_KDF", "1", 1);
    if (cl_secret_init_process() != CL_OK)
        return -1;
    fixture *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/carelog-unit.XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->vault_dir, sizeof f->vault_dir, "%s/v", f->dir);
    char state_dir[96];
    snprintf(state_dir, sizeof state_dir, "%s/state", f->dir);
    setenv("XDG_STATE_HOME", state_dir, 1);
    cl_secret *pass = NULL, *recovery = NULL;
    const char *pw = "correct horse battery";
    if (cl_secret_copy((const unsigned char *)pw, strlen(pw), &pass) != CL_OK)
        return -1;
    cl_status st = cl_vault_init(f->vault_dir, "测试中学", "王老师", pass, &recovery, &f->v);
    cl_secret_free(pass);
    cl_secret_free(recovery);
    if (st != CL_OK) {
        fprintf(stderr, "vault init: %s\n", cl_error_message());
        return -1;
    }
    if (cl_catalog_install_builtin(f->v) != CL_OK) {
        fprintf(stderr, "install forms: %s\n", cl_error_message());
        return -1;
    }
    *state = f;
    return 0;
}

static int fixture_teardown(void **state)
{
    fixture *f = *state;
    if (!f)
        return 0;
    cl_vault_close(f->v);
    remove_tree(f->dir);
    free(f);
    return 0;
}

/* Parses JSON text for fields (test helper; aborts the test on error). */
static inline json_t *J(const char *text)
{
    json_error_t err;
    json_t *j = json_loads(text, 0, &err);
    if (!j)
        fprintf(stderr, "bad test JSON: %s: %s\n", text, err.text);
    assert_non_null(j);
    return j;
}

/* Adds a student by number and name (class 初二(3)班). */
static inline long long add_student(cl_vault *v, const char *number, const char *name)
{
    json_t *f = json_pack("{s:s, s:s, s:s}", "number", number, "name", name, "class", "初二(3)班");
    long long id = 0;
    cl_status st = cl_student_add(v, f, false, &id);
    if (st != CL_OK)
        fprintf(stderr, "student add: %s\n", cl_error_message());
    assert_int_equal(st, CL_OK);
    json_decref(f);
    return id;
}

/* Adds a record from JSON text; returns its id. */
static inline long long add_record(cl_vault *v, const char *kind, long long student, const char *fields, long long parent)
{
    json_t *f = J(fields);
    long long id = 0;
    cl_status st = cl_record_add(v, kind, student, f, parent, &id);
    if (st != CL_OK)
        fprintf(stderr, "record add %s: %s\n", kind, cl_error_message());
    assert_int_equal(st, CL_OK);
    json_decref(f);
    return id;
}

/* Counts rows of a query (one integer column). */
static inline long long count_rows(cl_vault *v, const char *sql)
{
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(cl_vault_db(v), sql, -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    long long n = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return n;
}

#endif
