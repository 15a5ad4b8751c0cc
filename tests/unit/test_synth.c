/* The synthetic data generator: the same seed gives the same vault (its
 * export, but for the vault's identity and audit log, is byte for byte the
 * same), another seed gives another; plausible shapes; names valid UTF-8
 * with the rare characters in them; the PRNG is stable. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "carelog/audit.h"
#include "carelog/catalog.h"
#include "carelog/search.h"
#include "carelog/secret.h"
#include "carelog/storage.h"
#include "carelog/synth.h"
#include "carelog/text.h"
#include "carelog/transfer.h"
#include "carelog/vault.h"

#include "unit_support.h"

typedef struct fixture {
    char dir[64];
    int n;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    setenv("CARELOG_TEST_FAST_KDF", "1", 1);
    setenv("CARELOG_TEST_NOW", "2026-11-01T08:00:00Z", 1);
    setenv("TZ", "UTC", 1);
    tzset();
    snprintf(f->dir, sizeof f->dir, "/tmp/carelog-synth.XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    remove_tree(f->dir);
    free(f);
    return 0;
}

static long long count(cl_vault *v, const char *sql)
{
    sqlite3_stmt *q;
    OK(cl_db_prepare(cl_vault_db(v), sql, &q));
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    long long n = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return n;
}

/* A fresh vault filled with (students, seed); returns its export without
 * the vault and audit sections, as text. */
static char *generated_m(fixture *f, int students, int per_student, uint64_t seed, cl_synth_report *rep,
                         cl_vault **keep)
{
    char vdir[128];
    snprintf(vdir, sizeof vdir, "%s/v%d", f->dir, f->n++);
    cl_secret *pass, *rk = NULL;
    const char pw[] = "correct horse battery";
    cl_vault *v;
    OK(cl_secret_copy((const unsigned char *)pw, sizeof pw - 1, &pass));
    OK(cl_vault_init(vdir, "测试中学", "王老师", pass, &rk, &v));
    cl_secret_free(pass);
    cl_secret_free(rk);
    OK(cl_catalog_install_builtin(v));
    cl_synth_options o = {.students = students, .seed = seed, .months = 6, .records_per_student = per_student};
    OK(cl_synth_fill(v, &o, rep));
    json_t *doc;
    OK(cl_transfer_export(v, &doc));
    json_object_del(doc, "vault");
    json_object_del(doc, "audit");
    char *text = cl_transfer_dumps(doc);
    json_decref(doc);
    if (keep)
        *keep = v;
    else
        cl_vault_close(v);
    return text;
}

static char *generated(fixture *f, int students, uint64_t seed, cl_synth_report *rep, cl_vault **keep)
{
    return generated_m(f, students, 0, seed, rep, keep);
}

static void same_seed_same_vault(void **state)
{
    fixture *f = *state;
    cl_synth_report r1, r2, r3;
    char *a = generated(f, 15, 42, &r1, NULL);
    char *b = generated(f, 15, 42, &r2, NULL);
    char *c = generated(f, 15, 43, &r3, NULL);
    assert_string_equal(a, b);
    assert_true(strcmp(a, c) != 0);
    assert_memory_equal(&r1, &r2, sizeof r1);
    free(a);
    free(b);
    free(c);
}

/* --records-per-student: exactly M each, the usual history cut short or
 * followed by more, deterministic from the seed, and searchable. */
static void records_per_student(void **state)
{
    fixture *f = *state;
    cl_synth_report r1, r2;
    cl_vault *v;
    char *a = generated_m(f, 12, 40, 7, &r1, &v);
    char *b = generated_m(f, 12, 40, 7, &r2, NULL);
    assert_string_equal(a, b);
    assert_memory_equal(&r1, &r2, sizeof r1);
    free(a);
    free(b);
    assert_int_equal(r1.records, 12 * 40);
    assert_int_equal(count(v, "SELECT count(*) FROM records"), 12 * 40);
    assert_int_equal(count(v, "SELECT count(*) FROM (SELECT student_id FROM records GROUP BY student_id"
                              " HAVING count(*) <> 40)"), 0);
    assert_int_equal(r1.observations + r1.sessions + r1.assessments + r1.plans + r1.reviews + r1.contacts +
                         r1.referrals + r1.screenings + r1.students, r1.records);
    OK(cl_search_check(v));
    OK(cl_search_check_text(v));
    cl_vault_close(v);
    a = generated_m(f, 10, 2, 7, &r1, &v);
    free(a);
    assert_int_equal(count(v, "SELECT count(*) FROM records"), 20);
    assert_int_equal(count(v, "SELECT count(*) FROM records WHERE kind = 'student'"), 10);
    cl_vault_close(v);
}

static void looks_like_a_school(void **state)
{
    fixture *f = *state;
    cl_synth_report r;
    cl_vault *v;
    char *text = generated(f, 60, 2026, &r, &v);
    free(text);
    assert_int_equal(r.students, 60);
    assert_int_equal(count(v, "SELECT count(*) FROM students"), 60);
    assert_int_equal(count(v, "SELECT count(*) FROM records"), r.records);
    assert_true(r.observations >= 60);
    assert_true(r.assessments >= 60);
    assert_true(r.sessions > 0 && r.contacts > 0 && r.plans > 0 && r.screenings > 0);
    /* risk mostly 0-1, a few 2-3 */
    long long high = count(v, "SELECT count(*) FROM students WHERE risk_level >= 2");
    assert_true(high >= 1 && high <= 20);
    assert_true(count(v, "SELECT count(*) FROM students WHERE risk_level <= 1") >= 40);
    /* classes and fake phones */
    assert_int_equal(count(v, "SELECT count(*) FROM students WHERE class NOT LIKE '%年级(%)班'"
                              " AND class NOT LIKE '高_(%)班'"), 0);
    assert_int_equal(count(v, "SELECT count(*) FROM records WHERE kind = 'student' AND fields LIKE '%\"phone\"%'"
                              " AND fields NOT LIKE '%\"phone\":\"100%'"), 0);
    /* every record is dated in the window: 6 months back from 2026-11-01 */
    assert_int_equal(count(v, "SELECT count(*) FROM records WHERE kind <> 'student'"
                              " AND (substr(occurred_at, 1, 10) > '2026-11-01' OR occurred_at < '2026-05-05')"), 0);
    /* the audit chain is intact and says what happened */
    long long entries;
    OK(cl_audit_verify(cl_vault_db(v), &entries));
    /* indexed for search in batches, as if record by record */
    OK(cl_search_check(v));
    OK(cl_search_check_text(v));
    assert_int_equal(count(v, "SELECT count(*) FROM audit WHERE action = 'generate'"), 1);
    /* a second run is refused: generate fills only an empty vault */
    long long records = count(v, "SELECT count(*) FROM records");
    cl_synth_options o = {.students = 5, .seed = 2026, .months = 6};
    assert_int_equal(cl_synth_fill(v, &o, &r), CL_ECANTCREATE);
    assert_non_null(strstr(cl_error_message(), "only an empty vault"));
    assert_int_equal(count(v, "SELECT count(*) FROM students"), 60);
    assert_int_equal(count(v, "SELECT count(*) FROM records"), records);
    cl_error_clear();
    /* out of range */
    o.students = -1;
    assert_int_equal(cl_synth_fill(v, &o, NULL), CL_EUSAGE);
    cl_vault_close(v);
}

static void dated_by_local_today(void **state)
{
    /* West of Greenwich the UTC date runs ahead of the local one: at
     * 2026-11-01T08:00Z it is still 31 October in UTC-10. Generated records
     * are dated by the local "today", as everything else is, never after it. */
    fixture *f = *state;
    setenv("TZ", "XXX+10", 1);
    tzset();
    cl_synth_report r;
    cl_vault *v;
    char *text = generated(f, 40, 11, &r, &v);
    free(text);
    setenv("TZ", "UTC", 1);
    tzset();
    assert_int_equal(count(v, "SELECT count(*) FROM records WHERE substr(occurred_at, 1, 10) > '2026-10-31'"), 0);
    assert_true(count(v, "SELECT count(*) FROM records WHERE kind <> 'student'"
                         " AND substr(occurred_at, 1, 10) = '2026-10-31'") > 0);
    cl_vault_close(v);
}

static int count_index_writes(unsigned type, void *ctx, void *stmt, void *x)
{
    (void)type, (void)x;
    const char *sql = sqlite3_sql(stmt);
    *(long long *)ctx += sql && strstr(sql, "INTO 'main'.'search_fts_data'") != NULL;
    return 0;
}

/* A batch's records go into the search index in one piece: FTS5 writes
 * its pending terms out whenever a rowid comes below the last, so records
 * given in their ids' order (keyed by their random dates) made a segment
 * every few records, each merged again later. Counted as the index's
 * pages written (FTS5's own statements), not timed. */
static void indexed_in_few_pieces(void **state)
{
    fixture *f = *state;
    char vdir[128];
    snprintf(vdir, sizeof vdir, "%s/few", f->dir);
    cl_secret *pass, *rk = NULL;
    cl_vault *v;
    OK(cl_secret_copy((const unsigned char *)"correct horse battery", 21, &pass));
    OK(cl_vault_init(vdir, "测试中学", "王老师", pass, &rk, &v));
    cl_secret_free(pass);
    cl_secret_free(rk);
    OK(cl_catalog_install_builtin(v));
    long long writes = 0;
    sqlite3_trace_v2(cl_vault_db(v), SQLITE_TRACE_STMT, count_index_writes, &writes);
    cl_synth_options o = {.students = 80, .seed = 5, .months = 6, .records_per_student = 20};
    cl_synth_report r;
    OK(cl_synth_fill(v, &o, &r));
    sqlite3_trace_v2(cl_vault_db(v), 0, NULL, NULL);
    assert_int_equal(r.records, 1600);
    if (writes > 600)
        fprintf(stderr, "%lld pieces of search index written for %lld records\n", writes, r.records);
    assert_true(writes <= 600); /* 192 when written in order; 2,428 when not */
    OK(cl_search_check(v)); /* and it says what the records say */
    cl_vault_close(v);
}

static void names_and_prng(void **state)
{
    (void)state;
    cl_synth_rng r1, r2;
    cl_synth_rng_seed(&r1, 99);
    cl_synth_rng_seed(&r2, 99);
    for (int i = 0; i < 100; i++)
        assert_true(cl_synth_next(&r1) == cl_synth_next(&r2));
    cl_synth_rng_seed(&r2, 100);
    assert_true(cl_synth_next(&r1) != cl_synth_next(&r2));
    int rare4 = 0, zhe = 0;
    for (int i = 0; i < 5000; i++) {
        char name[64];
        cl_synth_name(&r1, i % 2, NULL, name, sizeof name);
        assert_true(cl_utf8_valid(name, strlen(name)));
        assert_true(cl_utf8_length(name) >= 2 && cl_utf8_length(name) <= 4);
        rare4 += strstr(name, "𠮷") != NULL;
        zhe += strstr(name, "喆") != NULL;
    }
    assert_true(rare4 > 0);
    assert_true(zhe > 0);
    for (int i = 0; i < 1000; i++)
        assert_true(cl_synth_below(&r1, 7) < 7);
    assert_int_equal(cl_synth_below(&r1, 0), 0);
}

int main(void)
{
    cl_secret_init_process();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(same_seed_same_vault, setup, teardown),
        cmocka_unit_test_setup_teardown(looks_like_a_school, setup, teardown),
        cmocka_unit_test_setup_teardown(records_per_student, setup, teardown),
        cmocka_unit_test_setup_teardown(dated_by_local_today, setup, teardown),
        cmocka_unit_test_setup_teardown(indexed_in_few_pieces, setup, teardown),
        cmocka_unit_test(names_and_prng),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
