/* The county's reports at a school's scale: the intervention ledger (built,
 * then rendered as xlsx and CSV) and the statistics, on a vault of N
 * students made by the generator (cached under build/bench-reports-N-sV).
 * Each: the median of a few runs, with its row count.
 * Usage: bench_reports [STUDENTS] (default 1000; `make check` runs 50). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "carelog/catalog.h"
#include "carelog/document.h"
#include "carelog/report.h"
#include "carelog/secret.h"
#include "carelog/storage.h"
#include "carelog/synth.h"
#include "carelog/vault.h"

#include "carelog/vault.h"
#include "bench_support.h"

#define RUNS 3

static cl_vault *vault;
static size_t rows;

static void ledger(const char *format)
{
    cl_report_filter f = {NULL, NULL, NULL, -1, NULL};
    json_t *r;
    must(cl_report_ledger(vault, &f, &r), "ledger");
    rows = json_array_size(json_object_get(r, "rows"));
    if (format) {
        unsigned char *bytes;
        size_t len;
        must(cl_report_render(r, format, NULL, &bytes, &len), format);
        cl_doc_bytes_free(bytes, len);
    }
    json_decref(r);
}

static void stats(const char *by)
{
    cl_report_filter f = {NULL, NULL, NULL, -1, NULL};
    json_t *r;
    must(cl_report_stats(vault, &f, by, &r), "stats");
    rows = json_array_size(json_object_get(r, "groups"));
    json_decref(r);
}

static double median_of(void (*fn)(const char *), const char *arg)
{
    double t[RUNS];
    for (int i = 0; i < RUNS; i++) {
        double t0 = now_s();
        fn(arg);
        t[i] = now_s() - t0;
    }
    qsort(t, RUNS, sizeof *t, cmp_double);
    return t[RUNS / 2];
}

int main(int argc, char **argv)
{
    int students = argc > 1 ? atoi(argv[1]) : 1000;
    must(cl_secret_init_process(), "init");
    setenv("CARELOG_TEST_FAST_KDF", "1", 1);
    setenv("CARELOG_TEST_NOW", "2026-11-20T08:00:00Z", 1);
    const char *build = getenv("BUILD") ? getenv("BUILD") : "build";
    char dir[256], vdir[300];
    snprintf(dir, sizeof dir, "%s/bench-reports-%d-s%d", build, students, cl_db_schema_version());
    snprintf(vdir, sizeof vdir, "%s/v", dir);
    mkdir(dir, 0700);
    double made = 0;
    bench_vault(vdir, students, &vault, &made);
    sqlite3_stmt *q;
    long long records = 0;
    if (sqlite3_prepare_v2(cl_vault_db(vault), "SELECT n FROM row_counts WHERE name = 'records'", -1, &q, NULL) ==
        SQLITE_OK) {
        if (sqlite3_step(q) == SQLITE_ROW)
            records = sqlite3_column_int64(q, 0);
        sqlite3_finalize(q);
    }
    printf("reports benchmark: %d students, %lld records (vault in %s)\n", students, records, dir);
    static const struct {
        const char *name, *arg;
        void (*fn)(const char *);
    } cases[] = {
        {"report ledger (the table)", NULL, ledger},
        {"report ledger --format xlsx", "xlsx", ledger},
        {"report ledger --format csv", "csv", ledger},
        {"report stats --by class", "class", stats},
        {"report stats --by month", "month", stats},
    };
    printf("  %-40s %10s %8s\n", "report (median)", "time", "rows");
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        double t = median_of(cases[i].fn, cases[i].arg);
        printf("  %-40s %8.2fms %8zu\n", cases[i].name, t * 1e3, rows);
    }
    cl_vault_close(vault);
    return 0;
}
