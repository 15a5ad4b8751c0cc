/* Search on a vault as `carelog generate` leaves it (cl_synth_fill, which
 * merges the index at its end), against a substring scan of the same text
 * in the same run: two- and four-character Chinese terms and two-term
 * queries (how many match and the newest 20, as `carelog search` asks),
 * p50, p95 and CPU p50 over 100 queries (the machine may be shared); the
 * same after a counsellor's day of records added one at a time (each its
 * own transaction, merged only by FTS5's automerge); and again after a
 * full rebuild, for reference; the index's share of vault.db; the cost it
 * adds to each record written; and building it for a whole vault (what
 * the migration of an older vault does once at unlock).
 * Usage: bench_search [STUDENTS [RECORDS]]: with no arguments 1,000
 * students and 200,000 records (`carelog generate --students 1000
 * --records-per-student 200`); with STUDENTS alone, the generator's usual
 * history (about 8.5 records each). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "carelog/catalog.h"
#include "carelog/record.h"
#include "carelog/search.h"
#include "carelog/secret.h"
#include "carelog/storage.h"
#include "carelog/synth.h"
#include "carelog/text.h"
#include "carelog/vault.h"

#include "bench_support.h"

#define QUERIES 100
#define DAY_OF_ADDS 300 /* records added one at a time after generating */

static uint64_t rng = 0x2545F4914F6CDD1DULL;
static uint64_t next_rand(void)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return rng;
}

static long long one_number(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *q;
    must(cl_db_prepare(db, sql, &q), sql);
    long long n = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
    sqlite3_finalize(q);
    return n;
}

/* `chars` Han characters in a row from a random record's indexed text. */
static char *sample_term(sqlite3 *db, long long records, int chars)
{
    for (int attempt = 0; attempt < 1000; attempt++) {
        sqlite3_stmt *q;
        must(cl_db_prepare(db, "SELECT body FROM search_fts WHERE rowid = (SELECT carelog_search_key(occurred_at, id) FROM records WHERE id = ?)", &q), "sampling");
        sqlite3_bind_int64(q, 1, 1 + (long long)(next_rand() % (uint64_t)records));
        char *term = NULL;
        if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_text(q, 0)) {
            const char *body = (const char *)sqlite3_column_text(q, 0);
            size_t len = strlen(body);
            size_t at = len ? next_rand() % len : 0;
            while (at < len && ((unsigned char)body[at] & 0xC0) == 0x80)
                at++;
            const char *p = body + at, *end = body + len, *start = p;
            int got = 0;
            while (p < end && got < chars) {
                uint32_t cp;
                size_t n = cl_utf8_decode(p, end, &cp);
                if (cp < 0x4E00 || cp > 0x9FFF)
                    break;
                p += n;
                got++;
            }
            if (got == chars)
                term = strndup(start, (size_t)(p - start));
        }
        sqlite3_finalize(q);
        if (term)
            return term;
    }
    fprintf(stderr, "bench: no Chinese text to sample\n");
    exit(1);
}

typedef struct timing {
    double p50, p95, cpu_p50, cpu_p95, exact_p50, scan_p50, scan_cpu_p50;
    long long hits;
} timing;

/* The median and 95th percentile of n timings (sorted in place). */
static double pct(double *t, int n, int p)
{
    qsort(t, (size_t)n, sizeof t[0], cmp_double);
    return t[n * p / 100];
}

/* Each query as `carelog search` runs it (the newest 20 and how many
 * match, counted up to CL_SEARCH_COUNT_MAX); the exact count of every
 * match, which the search no longer makes; and a substring scan over the
 * same text, every record's, for how many hold each term and the newest 20
 * (fewer runs: it is slow). scan_a/scan_b: the terms (the same twice for
 * one term); filter: NULL, or the SQL condition on records r and students
 * s that the scan applies as the query's filters do. */
static timing run_filtered(cl_vault *v, char **queries, char **scan_a, char **scan_b, const char *filter)
{
    double t[QUERIES], c[QUERIES], e[QUERIES], s[QUERIES], sc[QUERIES];
    timing out = {0, 0, 0, 0, 0, 0, 0, 0};
    sqlite3 *db = cl_vault_db(v);
    cl_search_options opt = {.order = CL_SEARCH_NEWEST, .limit = 20, .audit = false};
    for (int i = 0; i < QUERIES; i++) {
        double t0 = now_s(), c0 = cpu_s();
        cl_search *srch;
        long long total;
        must(cl_search_open(v, queries[i], &opt, &total, &srch), "searching");
        for (;;) {
            cl_search_hit h;
            bool done;
            must(cl_search_next(srch, &h, &done), "reading results");
            if (done)
                break;
            out.hits++;
        }
        cl_search_close(srch);
        t[i] = now_s() - t0;
        c[i] = cpu_s() - c0;
    }
    sqlite3_stmt *q;
    must(cl_db_prepare(db, "SELECT count(*) FROM search_fts WHERE search_fts MATCH ?", &q), "counting");
    for (int i = 0; i < QUERIES; i++) {
        cl_search_query qq;
        char *match, *excluded;
        must(cl_search_query_parse(queries[i], &qq), "parsing");
        must(cl_search_query_match(&qq, &match, &excluded), "matching");
        double c0 = cpu_s();
        sqlite3_bind_text(q, 1, match, -1, SQLITE_STATIC);
        while (sqlite3_step(q) == SQLITE_ROW)
            ;
        sqlite3_reset(q);
        e[i] = cpu_s() - c0;
        free(match);
        free(excluded);
        cl_search_query_free(&qq);
    }
    sqlite3_finalize(q);
    char *scan = filter ? cl_strdup_printf("SELECT (SELECT count(*) FROM search_fts_content c"
                                           " CROSS JOIN records r ON r.id = " CL_SEARCH_RECORD_OF("c.id")
                                           " CROSS JOIN students s ON s.id = r.student_id"
                                           " WHERE instr(c.c0, ?1) > 0 AND instr(c.c0, ?2) > 0 AND %s), c.id"
                                           " FROM search_fts_content c"
                                           " CROSS JOIN records r ON r.id = " CL_SEARCH_RECORD_OF("c.id")
                                           " CROSS JOIN students s ON s.id = r.student_id"
                                           " WHERE instr(c.c0, ?1) > 0 AND instr(c.c0, ?2) > 0 AND %s"
                                           " ORDER BY c.id LIMIT 20", filter, filter)
                        : strdup("SELECT (SELECT count(*) FROM search_fts_content WHERE instr(c0, ?1) > 0"
                                 " AND instr(c0, ?2) > 0), id FROM search_fts_content"
                                 " WHERE instr(c0, ?1) > 0 AND instr(c0, ?2) > 0 ORDER BY id LIMIT 20");
    must(cl_db_prepare(db, scan, &q), "scan");
    free(scan);
    int scans = QUERIES / 10;
    for (int i = 0; i < scans; i++) {
        double t0 = now_s(), c0 = cpu_s();
        sqlite3_bind_text(q, 1, scan_a[i], -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 2, scan_b[i], -1, SQLITE_STATIC);
        while (sqlite3_step(q) == SQLITE_ROW)
            ;
        sqlite3_reset(q);
        s[i] = now_s() - t0;
        sc[i] = cpu_s() - c0;
    }
    sqlite3_finalize(q);
    out.p50 = pct(t, QUERIES, 50);
    out.p95 = pct(t, QUERIES, 95);
    out.cpu_p50 = pct(c, QUERIES, 50);
    out.cpu_p95 = pct(c, QUERIES, 95);
    out.exact_p50 = pct(e, QUERIES, 50);
    out.scan_p50 = pct(s, scans, 50);
    out.scan_cpu_p50 = pct(sc, scans, 50);
    return out;
}

static timing run_queries(cl_vault *v, char **queries, char **scan_a, char **scan_b)
{
    return run_filtered(v, queries, scan_a, scan_b, NULL);
}

static void print_timing(const char *name, const timing *t)
{
    printf("  %-40s %6.2fms %6.2fms %6.2fms %6.2fms %7.1fms %7.1fms %6.0fx %6.0fx %6.0fx %8.2fms\n", name,
           1000 * t->p50, 1000 * t->p95, 1000 * t->cpu_p50, 1000 * t->cpu_p95, 1000 * t->scan_p50,
           1000 * t->scan_cpu_p50, t->scan_p50 / (t->p50 > 0 ? t->p50 : 1e-9),
           t->scan_p50 / (t->p95 > 0 ? t->p95 : 1e-9), t->scan_cpu_p50 / (t->cpu_p50 > 0 ? t->cpu_p50 : 1e-9),
           1000 * t->exact_p50);
}

/* A filter beside a two-character term: kinds common and rare, an author
 * who wrote everything and one who wrote nothing, a class, a student, the
 * last month. Each query is the term and the filter; the scan applies the
 * filter in SQL. */
typedef struct filter_shape {
    const char *name, *query, *scan;
} filter_shape;

static void run_filters(cl_vault *v, char **two, timing *out, filter_shape *shapes, int n)
{
    for (int f = 0; f < n; f++) {
        char *queries[QUERIES];
        for (int i = 0; i < QUERIES; i++)
            queries[i] = cl_strdup_printf("%s %s", two[i], shapes[f].query);
        out[f] = run_filtered(v, queries, two, two, shapes[f].scan);
        for (int i = 0; i < QUERIES; i++)
            free(queries[i]);
    }
}

static double add_records(cl_vault *v, int n)
{
    double t0 = now_s();
    for (int i = 0; i < n; i++) {
        json_t *f = json_pack("{s:s, s:s, s:[s], s:s, s:s}", "occurred_at", "2025-06-01T10:00", "location", "宿舍",
                              "categories", "emotional", "severity", "medium", "description",
                              "课间在走廊独自哭泣，询问后说与同学发生矛盾，情绪低落，拒绝进食。");
        long long id;
        must(cl_record_add(v, "observation", 1 + i % 10, f, 0, &id), "adding a record");
        json_decref(f);
    }
    return now_s() - t0;
}

int main(int argc, char **argv)
{
    int students = argc > 1 ? atoi(argv[1]) : 1000;
    long long target = argc > 2 ? atoll(argv[2]) : argc > 1 ? 0 : 200LL * students;
    char dir[32];
    cl_secret *pass;
    cl_vault *v = bench_new_vault(dir, sizeof dir, &pass);
    cl_synth_options so = {.students = students, .seed = 7, .months = 24,
                           .records_per_student = (int)(target / (students > 0 ? students : 1))};
    cl_synth_report rep;
    double t0 = now_s();
    must(cl_synth_fill(v, &so, &rep), "generating");
    double gen = now_s() - t0;
    sqlite3 *db = cl_vault_db(v);
    long long generated = one_number(db, "SELECT max(id) FROM records");
    long long records = one_number(db, "SELECT count(*) FROM records");
    long long all_students = one_number(db, "SELECT count(*) FROM students");

    char *two[QUERIES], *four[QUERIES], *other[QUERIES], *pairs[QUERIES];
    for (int i = 0; i < QUERIES; i++) {
        two[i] = sample_term(db, generated, 2);
        four[i] = sample_term(db, generated, 4);
        other[i] = sample_term(db, generated, 2);
        pairs[i] = cl_strdup_printf("%s %s", two[i], other[i]);
    }
    timing t2 = run_queries(v, two, two, two), t4 = run_queries(v, four, four, four),
           tp = run_queries(v, pairs, two, other);

    sqlite3_stmt *q;
    must(cl_db_prepare(db, "SELECT number, class, (SELECT date(substr(max(occurred_at), 1, 10), '-30 days') FROM records)"
                           " FROM students ORDER BY id LIMIT 1", &q), "a student");
    must(sqlite3_step(q) == SQLITE_ROW ? CL_OK : CL_EDATA, "a student");
    char *number = strdup((const char *)sqlite3_column_text(q, 0)),
         *klass = strdup((const char *)sqlite3_column_text(q, 1));
    char month_ago[11];
    snprintf(month_ago, sizeof month_ago, "%s", (const char *)sqlite3_column_text(q, 2));
    sqlite3_finalize(q);
    char *q_class = cl_strdup_printf("class:%s", klass), *s_class = cl_strdup_printf("s.class = '%s'", klass);
    char *q_student = cl_strdup_printf("student:%s", number), *s_student = cl_strdup_printf("s.number = '%s'", number);
    char *q_since = cl_strdup_printf("since:%s", month_ago), *s_since = cl_strdup_printf("r.occurred_at >= '%s'", month_ago);
    filter_shape shapes[] = {
        {"kind:session (common)", "kind:session", "r.kind = 'session'"},
        {"kind:referral (rare)", "kind:referral", "r.kind = 'referral'"},
        {"author: who wrote all", "author:王老师", "r.author = '王老师'"},
        {"author: who wrote none", "author:李老师", "r.author = '李老师'"},
        {"class:", q_class, s_class},
        {"student:", q_student, s_student},
        {"since: a month", q_since, s_since},
    };
    enum { SHAPES = sizeof shapes / sizeof shapes[0] };
    timing filtered[SHAPES];
    run_filters(v, two, filtered, shapes, SHAPES);

    /* A counsellor's day on top: records added one at a time, each its own
     * transaction and segment, merged only as FTS5's automerge does. This
     * is also the cost of a record add with the index. */
    int adds = students < 200 ? 50 : DAY_OF_ADDS;
    double c0 = cpu_s();
    double with_index = add_records(v, adds), with_cpu = cpu_s() - c0;
    timing d2 = run_queries(v, two, two, two), d4 = run_queries(v, four, four, four),
           dp = run_queries(v, pairs, two, other);

    /* The index's share: its pages against the whole file. */
    must(cl_db_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)"), "checkpoint");
    long long page = one_number(db, "PRAGMA page_size"), pages = one_number(db, "PRAGMA page_count");
    long long index_bytes = one_number(db, "SELECT sum(length(block)) FROM search_fts_data") +
                            one_number(db, "SELECT sum(length(c0)) + sum(coalesce(length(c1), 0)) FROM "
                                           "search_fts_content");

    /* Building it for a whole vault: the very SQL of the migration that
     * indexes an older vault at unlock (CL_SEARCH_REINDEX_SQL), which
     * leaves it in one segment: the best a search can have, for reference. */
    t0 = now_s();
    c0 = cpu_s();
    long long rebuilt;
    must(cl_search_rebuild(v, &rebuilt), "rebuilding");
    double build = now_s() - t0, build_cpu = cpu_s() - c0;
    timing m2 = run_queries(v, two, two, two), m4 = run_queries(v, four, four, four),
           mp = run_queries(v, pairs, two, other);

    /* The added cost per record written: the same adds without the triggers. */
    must(cl_db_exec(db, "DROP TRIGGER search_record_added"), "dropping the trigger");
    c0 = cpu_s();
    double without_index = add_records(v, adds), without_cpu = cpu_s() - c0;

    printf("search benchmark: %lld students, %lld records, as `carelog generate --students %d"
           " --records-per-student %d` leaves them (%.1fs)\n", all_students, records, students,
           so.records_per_student, gen);
    printf("  %d queries each: the newest 20 and the count up to %d, as `carelog search`, against a substring\n"
           "  scan of every record's text (count and newest 20; %d runs); cpu: this process's CPU time;\n"
           "  ratio: scan p50 / search p50, and / search p95\n",
           QUERIES, CL_SEARCH_COUNT_MAX, QUERIES / 10);
    printf("  %-40s %8s %8s %8s %8s %9s %9s %7s %7s %7s %10s\n", "", "p50", "p95", "cpu p50", "cpu p95",
           "scan p50", "scan cpu", "ratio", "p95", "cpu", "exact cnt");
    timing *all[9] = {&t2, &t4, &tp, &d2, &d4, &dp, &m2, &m4, &mp};
    char day[3][64];
    for (int i = 0; i < 3; i++)
        snprintf(day[i], sizeof day[i], "%s, +%d adds", i == 0 ? "two-character" : i == 1 ? "four-character"
                 : "two terms", adds);
    const char *names[9] = {"two-character term", "four-character term", "two terms", day[0], day[1], day[2],
                            "two-character, rebuilt", "four-character, rebuilt", "two terms, rebuilt"};
    for (int i = 0; i < 9; i++) {
        print_timing(names[i], all[i]);
        if (i == 2) {
            printf("  a two-character term with a filter (as generated):\n");
            for (int f = 0; f < SHAPES; f++)
                print_timing(shapes[f].name, &filtered[f]);
        }
    }
    printf("  index (segments and stored text): %.1f MB of %.1f MB vault.db (%.0f%%; the text is stored once more "
           "for snippets)\n", index_bytes / 1e6, (double)(page * pages) / 1e6,
           100.0 * (double)index_bytes / (double)(page * pages));
    printf("  building the index for the whole vault: %.2fs, cpu %.2fs (%.3f ms per record)\n", build, build_cpu,
           1000 * build / (double)rebuilt);
    printf("  record add with the index / without: %.2fx, cpu %.2fx (%.2f ms / %.2f ms per record)\n",
           with_index / without_index, with_cpu / (without_cpu > 0 ? without_cpu : 1e-9), 1000 * with_index / adds,
           1000 * without_index / adds);
    for (int i = 0; i < QUERIES; i++)
        free(two[i]), free(four[i]), free(other[i]), free(pairs[i]);
    free(number), free(klass), free(q_class), free(s_class), free(q_student), free(s_student), free(q_since),
        free(s_since);
    cl_vault_close(v);
    cl_secret_free(pass);
    return bench_remove(dir);
}
