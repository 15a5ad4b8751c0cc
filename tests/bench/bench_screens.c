/* What the screens ask the core for on each key, at scale: the students
 * list's count and first page in each order (what a sort key or a filter
 * costs), a page deep in the list (what PgDn far down costs), and the home
 * charts. Each beside the plain SQL of the same shape run on the same
 * connection, so the ratio is the core's own cost. p95 over RUNS runs.
 * The vault is made once by the generator and kept under
 * build/bench-screens-N. Usage: bench_screens [STUDENTS] (default 10000). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "carelog/catalog.h"
#include "carelog/clock.h"
#include "carelog/record.h"
#include "carelog/secret.h"
#include "carelog/student.h"
#include "carelog/synth.h"
#include "carelog/vault.h"

#include "bench_support.h"

#define RUNS 15
#define PAGE 120 /* the screens' page (view_students.c) */

static double p95(double *t, int n)
{
    qsort(t, (size_t)n, sizeof *t, cmp_double);
    return t[(n * 95 + 99) / 100 - 1];
}

static cl_vault *vault;

static void list_page(cl_student_sort sort, long long offset, const char *search)
{
    cl_student_filter f = {.risk = -1, .sort = sort, .offset = offset, .limit = PAGE, .search = search};
    long long n;
    must(cl_student_count(vault, &f, &n), "count");
    json_t *page;
    must(cl_student_list(vault, &f, &page), "list");
    json_decref(page);
}

static void plain_sql(const char *sql)
{
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(cl_vault_db(vault), sql, -1, &q, NULL) != SQLITE_OK) {
        fprintf(stderr, "bench: %s\n", sqlite3_errmsg(cl_vault_db(vault)));
        exit(1);
    }
    while (sqlite3_step(q) == SQLITE_ROW)
        (void)sqlite3_column_text(q, 0);
    sqlite3_finalize(q);
}

static void report(const char *what, double core, double sql)
{
    printf("  %-34s %8.2f ms %8.2f ms %6.1fx\n", what, core * 1e3, sql * 1e3, sql > 0 ? core / sql : 0);
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 10000;
    must(cl_secret_init_process(), "init");
    setenv("CARELOG_TEST_FAST_KDF", "1", 1);
    const char *build = getenv("BUILD") ? getenv("BUILD") : "build";
    char dir[256];
    snprintf(dir, sizeof dir, "%s/bench-screens-%d", build, n);
    cl_secret *pass;
    must(cl_secret_copy((const unsigned char *)"bench passphrase", 16, &pass), "secret");
    struct stat sb;
    if (stat(dir, &sb) != 0) {
        cl_secret *recovery = NULL;
        must(cl_vault_init(dir, "基准中学", "王老师", pass, &recovery, &vault), "vault init");
        cl_secret_free(recovery);
        must(cl_catalog_install_builtin(vault), "forms");
        cl_synth_options opt = {.students = n, .seed = 1, .months = 6};
        must(cl_synth_fill(vault, &opt, NULL), "generate");
    } else {
        must(cl_vault_open(dir, pass, false, &vault), "open");
    }
    cl_secret_free(pass);

    static const char *const sorts[CL_STUDENT_SORTS] = {"class", "name", "risk", "due date"};
    static const char *const orders[CL_STUDENT_SORTS] = {
        "s.class, s.number, s.id", "s.name, s.number, s.id", "s.risk_level DESC, s.class, s.number, s.id",
        "coalesce(t.next_due, '9999-12-31'), s.id"};
    printf("bench_screens: %d students; p95 of %d runs: core, plain SQL, ratio\n", n, RUNS);
    double core[RUNS], sql[RUNS];
    for (int s = 0; s < CL_STUDENT_SORTS; s++) {
        char *q = sqlite3_mprintf("SELECT (SELECT count(*) FROM students WHERE merged_into IS NULL),"
                                  " s.id, s.number, s.name, s.class, t.last_contact, t.next_due FROM students s"
                                  " LEFT JOIN student_state t ON t.student_id = s.id WHERE s.merged_into IS NULL"
                                  " ORDER BY %s LIMIT %d", orders[s], PAGE);
        for (int r = 0; r < RUNS; r++) {
            double t0 = now_s();
            list_page((cl_student_sort)s, 0, NULL);
            core[r] = now_s() - t0;
            t0 = now_s();
            plain_sql(q);
            sql[r] = now_s() - t0;
        }
        sqlite3_free(q);
        char what[64];
        snprintf(what, sizeof what, "students by %s, first page", sorts[s]);
        report(what, p95(core, RUNS), p95(sql, RUNS));
    }
    char *deep = sqlite3_mprintf("SELECT s.id, s.number, s.name FROM students s WHERE s.merged_into IS NULL"
                                 " ORDER BY s.class, s.number, s.id LIMIT %d OFFSET %d", PAGE, n / 2);
    for (int r = 0; r < RUNS; r++) {
        double t0 = now_s();
        list_page(CL_STUDENT_BY_CLASS, n / 2, NULL);
        core[r] = now_s() - t0;
        t0 = now_s();
        plain_sql(deep);
        sql[r] = now_s() - t0;
    }
    sqlite3_free(deep);
    report("students, the page half-way down", p95(core, RUNS), p95(sql, RUNS));
    for (int r = 0; r < RUNS; r++) {
        double t0 = now_s();
        list_page(CL_STUDENT_BY_CLASS, 0, "王");
        core[r] = now_s() - t0;
        t0 = now_s();
        plain_sql("SELECT s.id FROM students s WHERE s.merged_into IS NULL AND instr(s.name, '王') > 0"
                  " ORDER BY s.class, s.number LIMIT 120");
        sql[r] = now_s() - t0;
    }
    report("students searched by a name", p95(core, RUNS), p95(sql, RUNS));
    char today[11];
    cl_time_date(cl_now(), today, sizeof today);
    char *weeks_sql = sqlite3_mprintf("SELECT CAST((julianday('%s') - julianday(substr(occurred_at, 1, 10))) / 7 AS"
                                      " INTEGER), count(*) FROM records WHERE occurred_at >= date('%s', '-83 days')"
                                      " AND kind <> 'student' GROUP BY 1", today, today);
    for (int r = 0; r < RUNS; r++) {
        long long weeks[12], risk[CL_RISK_MAX + 1];
        double t0 = now_s();
        must(cl_record_count_by_week(vault, today, 12, weeks), "weeks");
        must(cl_student_count_by_risk(vault, risk), "risk");
        core[r] = now_s() - t0;
        t0 = now_s();
        plain_sql(weeks_sql);
        plain_sql("SELECT risk_level, count(*) FROM students WHERE merged_into IS NULL GROUP BY risk_level");
        sql[r] = now_s() - t0;
    }
    sqlite3_free(weeks_sql);
    report("home charts (12 weeks, by risk)", p95(core, RUNS), p95(sql, RUNS));
    cl_vault_close(vault);
    return 0;
}
