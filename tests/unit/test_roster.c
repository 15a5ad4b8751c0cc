/* Roster import: the mapping and checks without a vault (BOM, GB18030,
 * quotes, embedded newlines and the line numbers after them, bad dates,
 * missing and over-long values, duplicates, a 4-byte character), and the
 * all-or-nothing import into a vault, counted in students. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "carelog/catalog.h"
#include "carelog/file.h"
#include "carelog/form.h"
#include "carelog/roster.h"
#include "carelog/secret.h"
#include "carelog/storage.h"
#include "carelog/student.h"
#include "carelog/vault.h"

#include "unit_support.h"

typedef struct fixture {
    char dir[64];
    cl_vault *v;
    cl_form *form; /* student.form, built in */
} fixture;

static cl_form *builtin_student_form(void)
{
    for (const cl_builtin_form *b = cl_builtin_forms; b->name; b++)
        if (strcmp(b->name, "student.form") == 0) {
            cl_form *f = NULL;
            OK(cl_form_parse(b->text, b->len, b->name, &f));
            return f;
        }
    fail_msg("no built-in student.form");
    return NULL;
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    setenv("CARELOG_TEST_FAST_KDF", "1", 1);
    setenv("CARELOG_TEST_NOW", "2026-11-01T08:00:00Z", 1);
    setenv("TZ", "UTC", 1);
    tzset();
    snprintf(f->dir, sizeof f->dir, "/tmp/carelog-roster.XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    char vdir[96];
    snprintf(vdir, sizeof vdir, "%s/v", f->dir);
    cl_secret *pass, *rk = NULL;
    const char pw[] = "correct horse battery";
    OK(cl_secret_copy((const unsigned char *)pw, sizeof pw - 1, &pass));
    OK(cl_vault_init(vdir, "测试中学", "王老师", pass, &rk, &f->v));
    cl_secret_free(pass);
    cl_secret_free(rk);
    OK(cl_catalog_install_builtin(f->v));
    f->form = builtin_student_form();
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    cl_vault_close(f->v);
    cl_form_free(f->form);
    remove_tree(f->dir);
    free(f);
    return 0;
}

static long long count_students(cl_vault *v)
{
    sqlite3_stmt *q;
    OK(cl_db_prepare(cl_vault_db(v), "SELECT count(*) FROM students", &q));
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    long long n = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return n;
}

static cl_roster *parse(fixture *f, const char *data, const char *enc)
{
    cl_roster *r = NULL;
    OK(cl_roster_parse(data, strlen(data), enc, f->form, &r));
    assert_non_null(r);
    return r;
}

/* The problem messages joined, for assertions about what they name. */
static bool has_problem(const cl_roster *r, size_t line, const char *part)
{
    size_t l;
    const char *msg;
    for (size_t i = 0; cl_roster_problem_at(r, i, &l, &msg); i++)
        if (l == line && strstr(msg, part))
            return true;
    return false;
}

static const char good[] =
    "\xef\xbb\xbf"
    "学号,姓名,性别,班级,出生日期,监护人,与学生关系,联系电话,困境类型,家庭住址\r\n"
    "20260001,张小明,男,初二(3)班,2012/3/5,张建国,父亲,10012345678,留守、单亲,某路1号\r\n"
    "20260002,\"李\"\"小\"\"红\",女,初二(3)班,2012-02-29,王芳,妈妈,10012345679,,\"多行\r\n地址\"\r\n"
    "20260003,𠮷喆,男,\"初二(4)班\",2011年12月1日,,,,无,\r\n"
    "\r\n"
    ",,,,,,,,,\r\n"
    "20260004,欧阳娜娜,F,初二(4)班,,,,,\"困境\",\r\n";

static void parses_a_good_roster(void **state)
{
    fixture *f = *state;
    cl_roster *r = parse(f, good, "auto");
    assert_int_equal(cl_roster_problem_count(r), 0);
    assert_int_equal(cl_roster_row_count(r), 4);
    assert_int_equal(cl_roster_row_line(r, 0), 2);
    assert_int_equal(cl_roster_row_line(r, 1), 3);
    /* the quoted address spans lines 3-4 */
    assert_int_equal(cl_roster_row_line(r, 2), 5);
    assert_int_equal(cl_roster_row_line(r, 3), 8);
    const json_t *a = cl_roster_row_fields(r, 0);
    assert_string_equal(json_string_value(json_object_get(a, "number")), "20260001");
    assert_string_equal(json_string_value(json_object_get(a, "gender")), "male");
    assert_string_equal(json_string_value(json_object_get(a, "birth_date")), "2012-03-05");
    assert_string_equal(json_string_value(json_object_get(a, "status")), "active");
    const json_t *circ = json_object_get(a, "circumstances");
    assert_int_equal(json_array_size(circ), 2);
    assert_string_equal(json_string_value(json_array_get(circ, 0)), "left_behind");
    assert_string_equal(json_string_value(json_array_get(circ, 1)), "single_parent");
    const json_t *g = json_array_get(json_object_get(a, "guardians"), 0);
    assert_string_equal(json_string_value(json_object_get(g, "name")), "张建国");
    assert_string_equal(json_string_value(json_object_get(g, "relation")), "father");
    assert_string_equal(json_string_value(json_object_get(g, "phone")), "10012345678");
    const json_t *b = cl_roster_row_fields(r, 1);
    assert_string_equal(json_string_value(json_object_get(b, "name")), "李\"小\"红");
    assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(b, "guardians"), 0),
                                                          "relation")),
                        "mother");
    const json_t *c = cl_roster_row_fields(r, 2);
    assert_string_equal(json_string_value(json_object_get(c, "name")), "𠮷喆");
    assert_string_equal(json_string_value(json_object_get(c, "birth_date")), "2011-12-01");
    assert_null(json_object_get(c, "guardians"));
    assert_null(json_object_get(c, "circumstances"));
    const json_t *d = cl_roster_row_fields(r, 3);
    assert_string_equal(json_string_value(json_object_get(d, "gender")), "female");
    assert_string_equal(json_string_value(json_array_get(json_object_get(d, "circumstances"), 0)), "in_difficulty");
    json_t *rep = cl_roster_report(r);
    assert_int_equal(json_array_size(json_object_get(rep, "ignored_columns")), 1);
    assert_string_equal(json_string_value(json_array_get(json_object_get(rep, "ignored_columns"), 0)), "家庭住址");
    assert_int_equal(json_integer_value(json_object_get(rep, "accepted")), 4);
    json_decref(rep);
    cl_roster_free(r);
}

static char *to_gb18030(const char *utf8, size_t *len)
{
    iconv_t cd = iconv_open("GB18030", "UTF-8");
    assert_true(cd != (iconv_t)-1);
    size_t inlen = strlen(utf8), outcap = inlen * 2 + 16, outlen = outcap;
    char *out = malloc(outcap), *in = (char *)utf8, *o = out;
    assert_true(iconv(cd, &in, &inlen, &o, &outlen) != (size_t)-1);
    iconv_close(cd);
    *len = outcap - outlen;
    return out;
}

static void reads_gb18030(void **state)
{
    fixture *f = *state;
    size_t len;
    char *gb = to_gb18030("学号,姓名,班级\n20260011,陈𠮷祥,高二(1)班\n20260012,\"王\n喆\",高二(1)班\n", &len);
    /* The bytes are not UTF-8: auto must take them as GB18030. */
    cl_roster *r = NULL;
    OK(cl_roster_parse(gb, len, "auto", f->form, &r));
    assert_int_equal(cl_roster_row_count(r), 2);
    assert_int_equal(cl_roster_problem_count(r), 1); /* a line break in a name is not one line of text */
    assert_string_equal(json_string_value(json_object_get(cl_roster_row_fields(r, 0), "name")), "陈𠮷祥");
    assert_string_equal(json_string_value(json_object_get(cl_roster_row_fields(r, 0), "class")), "高二(1)班");
    assert_int_equal(cl_roster_row_line(r, 1), 3);
    cl_roster_free(r);
    r = NULL;
    OK(cl_roster_parse(gb, len, "gb18030", f->form, &r));
    assert_int_equal(cl_roster_row_count(r), 2);
    cl_roster_free(r);
    /* told it is UTF-8, it is refused as bad data */
    r = NULL;
    assert_int_equal(cl_roster_parse(gb, len, "utf-8", f->form, &r), CL_EDATA);
    assert_null(r);
    free(gb);
}

static const char bad[] =
    "学号,姓名,班级,出生日期,性别,联系电话\n"
    "20260001,张三,初一(1)班,2011-02-30,男,\n"           /* 2: bad date */
    "20260002,,初一(1)班,2011-02-03,男,\n"               /* 3: missing name */
    "20260003,\"李\n四\",初一(1)班,2011-02-03,男,\n"      /* 4-5: a line break in a name */
    "20260004,王五,初一(1)班,2011-02-03,未知,\n"          /* 6: invalid gender */
    "20260005,赵六,初一(1)班,2011-02-03,男,\n"            /* 7: fine */
    "20260005,赵六六,初一(1)班,2011-02-03,男,\n"          /* 8: duplicate of line 7 */
    ",孙七,初一(1)班,2011-02-03,女,\n"                    /* 9: missing number */
    "20260008,一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一,初一(1)班,,女,\n" /* 10: 41 chars */
    "20260009,钱𠮷,初一(1)班,2011-02-03,女,123\n"        /* 11: fine, a 4-byte char */
    "20260010,周八,初一(1)班,2011-02-03,女,\"\n\"\n";     /* 12-13: blank phone after trim: fine */

static void reports_every_bad_row_with_its_line(void **state)
{
    fixture *f = *state;
    cl_roster *r = parse(f, bad, "auto");
    assert_int_equal(cl_roster_row_count(r), 10);
    assert_true(has_problem(r, 2, "birth_date"));
    assert_true(has_problem(r, 3, "name"));
    assert_true(has_problem(r, 4, "name"));
    assert_true(has_problem(r, 6, "gender"));
    assert_true(has_problem(r, 8, "appears twice"));
    assert_true(has_problem(r, 8, "line 7"));
    assert_true(has_problem(r, 9, "number"));
    assert_true(has_problem(r, 10, "name"));
    assert_int_equal(cl_roster_row_line(r, 5), 8);
    assert_int_equal(cl_roster_row_line(r, 9), 12);
    assert_non_null(cl_roster_row_fields(r, 4));  /* line 7 */
    assert_non_null(cl_roster_row_fields(r, 8));  /* line 11: a phone without a guardian's name */
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(cl_roster_row_fields(r, 8), "guardians"), 0), "name")),
                        "家长");
    assert_non_null(cl_roster_row_fields(r, 9));  /* line 12 */
    assert_null(cl_roster_row_fields(r, 5));      /* line 8 */
    /* problems come in file order */
    size_t prev = 0, l;
    const char *msg;
    for (size_t i = 0; cl_roster_problem_at(r, i, &l, &msg); i++) {
        assert_true(l >= prev);
        prev = l;
    }
    cl_roster_free(r);
}

static void refuses_a_file_without_a_header(void **state)
{
    fixture *f = *state;
    cl_roster *r = NULL;
    const char *no_header = "20260001,张三\n20260002,李四\n";
    assert_int_equal(cl_roster_parse(no_header, strlen(no_header), "auto", f->form, &r), CL_EDATA);
    assert_null(r);
    const char *twice = "学号,姓名,Name\n1,张三,张三\n";
    assert_int_equal(cl_roster_parse(twice, strlen(twice), "auto", f->form, &r), CL_EDATA);
    assert_non_null(strstr(cl_error_message(), "both"));
    const char *malformed = "学号,姓名\n1,\"张三\n";
    assert_int_equal(cl_roster_parse(malformed, strlen(malformed), "auto", f->form, &r), CL_EDATA);
    /* a title line above the header is skipped */
    r = parse(f, "2026级学生名单,,\nStudent number,Name,Class\n1,张三,一班\n", "auto");
    assert_int_equal(cl_roster_row_count(r), 1);
    assert_int_equal(cl_roster_row_line(r, 0), 3);
    assert_int_equal(cl_roster_problem_count(r), 0);
    cl_roster_free(r);
}

static void imports_all_or_nothing(void **state)
{
    fixture *f = *state;
    json_t *rep = NULL;
    /* a bad file: nothing at all */
    assert_int_equal(cl_roster_import(f->v, bad, strlen(bad), "auto", false, &rep), CL_EDATA);
    assert_non_null(strstr(cl_error_message(), "nothing was imported"));
    assert_int_equal(json_array_size(json_object_get(rep, "problems")), 7);
    assert_int_equal(json_integer_value(json_object_get(rep, "imported")), 0);
    json_decref(rep);
    assert_int_equal(count_students(f->v), 0);
    /* dry run of a good file: nothing written */
    OK(cl_roster_import(f->v, good, strlen(good), "auto", true, &rep));
    assert_int_equal(json_array_size(json_object_get(rep, "students")), 4);
    json_decref(rep);
    assert_int_equal(count_students(f->v), 0);
    /* the good file */
    OK(cl_roster_import(f->v, good, strlen(good), "auto", false, &rep));
    assert_int_equal(json_integer_value(json_object_get(rep, "imported")), 4);
    json_decref(rep);
    assert_int_equal(count_students(f->v), 4);
    long long id;
    OK(cl_student_find(f->v, "20260003", &id));
    json_t *s;
    OK(cl_student_get(f->v, id, &s));
    assert_string_equal(json_string_value(json_object_get(s, "name")), "𠮷喆");
    json_decref(s);
    /* again: every row is already in the vault, nothing is merged or added */
    assert_int_equal(cl_roster_import(f->v, good, strlen(good), "auto", false, &rep), CL_EDATA);
    assert_int_equal(json_array_size(json_object_get(rep, "problems")), 4);
    assert_non_null(strstr(json_string_value(json_object_get(json_array_get(json_object_get(rep, "problems"), 0),
                                                             "message")),
                           "already in the vault"));
    json_decref(rep);
    /* one new row and one already there: still nothing */
    const char *mixed = "学号,姓名\n20269999,新同学\n20260001,张小明\n";
    assert_int_equal(cl_roster_import(f->v, mixed, strlen(mixed), "auto", false, NULL), CL_EDATA);
    assert_int_equal(count_students(f->v), 4);
    /* the audit log says what was imported */
    sqlite3_stmt *q;
    OK(cl_db_prepare(cl_vault_db(f->v), "SELECT detail FROM audit WHERE action = 'import.roster'", &q));
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(q, 0), "4 students");
    assert_int_equal(sqlite3_step(q), SQLITE_DONE);
    sqlite3_finalize(q);
}

#define ROSTER_CANARY "roster-address-canary"

typedef struct roster_run {
    fixture *f;
    int n;
} roster_run;

/* A roster read from its file, checked (dry run) and imported leaves none
 * of a student's details in freed memory (libcsv's buffers, the converted
 * text, each field bound). */
static void read_and_import(void *ctx)
{
    roster_run *r = ctx;
    r->n++;
    char path[128], csv[512];
    snprintf(path, sizeof path, "%s/roster-%d.csv", r->f->dir, r->n);
    snprintf(csv, sizeof csv,
             "学号,姓名,性别,班级,出生日期,监护人,与学生关系,联系电话,困境类型,家庭住址\r\n"
             "2026090%d,林小雨,女,初二(3)班,2012/3/5,林建国,父亲,10012345678,留守,\"%s %d 号\"\r\n",
             r->n, ROSTER_CANARY, r->n);
    FILE *out = fopen(path, "w");
    assert_non_null(out);
    fputs(csv, out);
    assert_int_equal(fclose(out), 0);
    sodium_memzero(csv, sizeof csv);
    unsigned char *data;
    size_t len;
    OK(cl_file_read_regular(path, 1 << 20, &data, &len));
    json_t *report;
    OK(cl_roster_import(r->f->v, (const char *)data, len, "auto", true, &report));
    json_decref(report);
    OK(cl_roster_import(r->f->v, (const char *)data, len, "auto", false, &report));
    assert_int_equal(json_integer_value(json_object_get(report, "imported")), 1);
    json_decref(report);
    free(data);
}

static void imported_text_wiped(void **state)
{
    skip_without_malloc_heap();
    roster_run r = {*state, 0};
    expect_path_leaves_nothing(read_and_import, &r, ROSTER_CANARY);
}

int main(void)
{
    cl_secret_init_process();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(parses_a_good_roster, setup, teardown),
        cmocka_unit_test_setup_teardown(reads_gb18030, setup, teardown),
        cmocka_unit_test_setup_teardown(reports_every_bad_row_with_its_line, setup, teardown),
        cmocka_unit_test_setup_teardown(refuses_a_file_without_a_header, setup, teardown),
        cmocka_unit_test_setup_teardown(imports_all_or_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(imported_text_wiped, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
