/* The ledger, the children-in-difficulty list and the statistics ask the
 * database a fixed number of questions however many students there are: no query per
 * student or per record (N+1), the cause of a ledger of 1,000 students
 * taking most of a minute. The statements each report runs are counted on
 * a small and a four times larger generated vault; the counts must match.
 * The numbers per vault size are in `make bench` (tests/bench/bench_reports.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "carelog/report.h"
#include "carelog/storage.h"
#include "carelog/synth.h"
#include "record_fixture.h"

static int count_statement(unsigned type, void *ctx, void *p, void *x)
{
    (void)type;
    (void)p;
    /* Statements of triggers start with "--"; count only what the core
     * itself runs. The look-ups of a form by kind or id (the catalogue,
     * a table of a few rows that does not grow with the vault, answered
     * by its unique index) come with every label and are not counted. */
    const char *sql = x;
    if (!sql || (strncmp(sql, "--", 2) != 0 && !strstr(sql, " FROM forms WHERE ")))
        (*(long *)ctx)++;
    return 0;
}

/* The reports measured: the ledger, the difficulty list, and the
 * statistics grouped by what reads records' fields or students' details. */
#define REPORTS 5
static const char *const stats_by[REPORTS] = {NULL, NULL, "category", "circumstance", "agency"};

static long statements_of(cl_vault *v, int which, size_t *rows)
{
    long n = 0;
    sqlite3 *db = cl_vault_db(v);
    cl_report_filter f = {NULL, NULL, NULL, -1, NULL};
    json_t *r = NULL;
    sqlite3_trace_v2(db, SQLITE_TRACE_STMT, count_statement, &n);
    cl_status st = which == 0   ? cl_report_ledger(v, &f, &r)
                   : which == 1 ? cl_report_difficulty(v, &f, &r)
                                : cl_report_stats(v, &f, stats_by[which], &r);
    sqlite3_trace_v2(db, 0, NULL, NULL);
    OK(st);
    *rows = which < 2 ? json_array_size(json_object_get(r, "rows"))
                      : (size_t)json_integer_value(json_object_get(json_object_get(r, "totals"), "observations"));
    json_decref(r);
    return n;
}

static void counts_for(int students, long out[REPORTS], size_t rows[REPORTS])
{
    void *f = NULL;
    assert_int_equal(fixture_setup(&f), 0);
    fixture *fx = f;
    if (!fx) {
        fail_msg("no fixture");
        return;
    }
    cl_vault *v = fx->v;
    cl_synth_options o = {.students = students, .seed = 5, .months = 6};
    cl_synth_report rep;
    OK(cl_synth_fill(v, &o, &rep));
    /* A first run fills the caches (forms), as the screens' first use does. */
    size_t ignored;
    for (int i = 0; i < REPORTS; i++)
        statements_of(v, i, &ignored);
    for (int i = 0; i < REPORTS; i++)
        out[i] = statements_of(v, i, &rows[i]);
    fixture_teardown(&f);
}

static void test_fixed_number_of_queries(void **state)
{
    (void)state;
    long small[REPORTS], large[REPORTS];
    size_t small_rows[REPORTS], large_rows[REPORTS];
    counts_for(10, small, small_rows);
    counts_for(40, large, large_rows);
    for (int i = 0; i < REPORTS; i++) {
        /* The larger vault must really have more rows, or this proves nothing. */
        assert_true(large_rows[i] > small_rows[i]);
        if (large[i] != small[i])
            fail_msg("report %d: %ld statements for %zu rows, %ld for %zu rows", i, small[i], small_rows[i], large[i],
                     large_rows[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixed_number_of_queries),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
