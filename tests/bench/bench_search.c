/* Search on a generated vault, against a substring scan of the same text in
 * the same run: two- and four-character Chinese terms and two-term queries
 * (how many match and the newest 20, as `carelog search` asks), p50, p95
 * and CPU p50 over 100 queries (the machine may be shared),
 * on the index as the writes left it and again after it is merged;
 * the index's share of vault.db; the cost it adds to each record written;
 * and building it for a whole vault (what the migration of an older vault
 * does once at unlock).
 * Usage: bench_search [STUDENTS]   (cl_synth_fill writes ~25 records each) */
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
    double p50, p95, cpu_p50, scan_p50;
    long long hits;
} timing;

static double cpu_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static timing run_queries(cl_vault *v, char **queries, char **scan_terms)
{
    double t[QUERIES], c[QUERIES], s[QUERIES];
    timing out = {0, 0, 0, 0, 0};
    sqlite3 *db = cl_vault_db(v);
    cl_search_options opt = {CL_SEARCH_NEWEST, 20, 0, false};
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
    /* The scan does what `carelog search` does without the index: over the
     * same text, how many records hold the term and the newest 20 of them.
     * Fewer runs: it is slow. */
    sqlite3_stmt *q;
    must(cl_db_prepare(db, "SELECT (SELECT count(*) FROM search_fts_content WHERE instr(c0, ?1) > 0), id"
                           " FROM search_fts_content WHERE instr(c0, ?1) > 0 ORDER BY id DESC LIMIT 20", &q),
         "scan");
    int scans = QUERIES / 10;
    for (int i = 0; i < scans; i++) {
        double t0 = now_s();
        sqlite3_bind_text(q, 1, scan_terms[i], -1, SQLITE_STATIC);
        while (sqlite3_step(q) == SQLITE_ROW)
            ;
        sqlite3_reset(q);
        s[i] = now_s() - t0;
    }
    sqlite3_finalize(q);
    qsort(t, QUERIES, sizeof t[0], cmp_double);
    qsort(c, QUERIES, sizeof c[0], cmp_double);
    out.cpu_p50 = c[QUERIES / 2];
    qsort(s, (size_t)scans, sizeof s[0], cmp_double);
    out.p50 = t[QUERIES / 2];
    out.p95 = t[QUERIES * 95 / 100];
    out.scan_p50 = s[scans / 2];
    return out;
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
    int students = argc > 1 ? atoi(argv[1]) : 2000;
    char dir[32];
    cl_secret *pass;
    cl_vault *v = bench_new_vault(dir, sizeof dir, &pass);
    cl_synth_options so = {.students = students, .seed = 7, .months = 24};
    cl_synth_report rep;
    double t0 = now_s();
    must(cl_synth_fill(v, &so, &rep), "generating");
    double gen = now_s() - t0;
    sqlite3 *db = cl_vault_db(v);
    long long records = one_number(db, "SELECT max(id) FROM records");

    char *two[QUERIES], *four[QUERIES], *pairs[QUERIES];
    for (int i = 0; i < QUERIES; i++) {
        two[i] = sample_term(db, records, 2);
        four[i] = sample_term(db, records, 4);
        char *other = sample_term(db, records, 2);
        pairs[i] = cl_strdup_printf("%s %s", two[i], other);
        free(other);
    }
    timing t2 = run_queries(v, two, two), t4 = run_queries(v, four, four), tp = run_queries(v, pairs, two);

    /* The index's share: its pages against the whole file. */
    must(cl_db_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)"), "checkpoint");
    long long page = one_number(db, "PRAGMA page_size"), pages = one_number(db, "PRAGMA page_count");
    long long index_bytes = one_number(db, "SELECT sum(length(block)) FROM search_fts_data") +
                            one_number(db, "SELECT sum(length(c0)) + sum(coalesce(length(c1), 0)) FROM "
                                           "search_fts_content");

    /* Building it for a whole vault. */
    t0 = now_s();
    long long rebuilt;
    must(cl_search_rebuild(v, &rebuilt), "rebuilding");
    double build = now_s() - t0;
    timing m2 = run_queries(v, two, two), m4 = run_queries(v, four, four), mp = run_queries(v, pairs, two);

    /* The added cost per record written: the same adds without the triggers. */
    int adds = students < 200 ? 50 : 300;
    double with_index = add_records(v, adds);
    must(cl_db_exec(db, "DROP TRIGGER search_record_added"), "dropping the trigger");
    double without_index = add_records(v, adds);

    printf("search benchmark: %d students, %lld records generated in %.1fs\n", students, records, gen);
    printf("  %-44s %9s %9s %9s %12s %9s\n", "count and newest 20 of", "p50", "p95", "cpu p50", "scan p50", "scan/p50");
    timing *all[6] = {&t2, &t4, &tp, &m2, &m4, &mp};
    const char *names[6] = {"two-character term", "four-character term", "two terms",
                            "two-character term, index merged", "four-character term, index merged",
                            "two terms, index merged"};
    for (int i = 0; i < 6; i++)
        printf("  %-44s %7.2fms %7.2fms %7.2fms %10.2fms %8.0fx\n", names[i], 1000 * all[i]->p50,
               1000 * all[i]->p95, 1000 * all[i]->cpu_p50, 1000 * all[i]->scan_p50,
               all[i]->scan_p50 / (all[i]->p50 > 0 ? all[i]->p50 : 1e-9));
    printf("  index (segments and stored text): %.1f MB of %.1f MB vault.db (%.0f%%; the text is stored once more "
           "for snippets)\n", index_bytes / 1e6, (double)(page * pages) / 1e6,
           100.0 * (double)index_bytes / (double)(page * pages));
    printf("  building the index for the whole vault: %.2fs (%.3f ms per record)\n", build,
           1000 * build / (double)rebuilt);
    printf("  record add with the index / without: %.2fx (%.2f ms / %.2f ms per record)\n",
           with_index / without_index, 1000 * with_index / adds, 1000 * without_index / adds);
    for (int i = 0; i < QUERIES; i++)
        free(two[i]), free(four[i]), free(pairs[i]);
    cl_vault_close(v);
    cl_secret_free(pass);
    return bench_remove(dir);
}
