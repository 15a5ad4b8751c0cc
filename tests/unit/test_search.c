/* Search inside a vault: every write path keeps the index right (add,
 * edit, amend, referral moves, merge, import, the migration of an older
 * vault, a transaction that defers indexing to its commit), the filters,
 * pinyin, the audit entry, the integrity check and the rebuild, and
 * secure-delete (text edited away leaves the index pages). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <sodium.h>

#include "carelog/referral.h"
#include "carelog/search.h"
#include "carelog/storage.h"
#include "carelog/synth.h"
#include "carelog/text.h"
#include "carelog/transfer.h"
#include "carelog/verify.h"
#include "record_fixture.h"

#define SESSION(text) "{\"occurred_at\": \"2026-03-01\", \"session_type\": \"individual\", \"risk_noted\": false, " \
                      "\"data\": \"" text "\"}"

/* The last hit a search read (for keyset paging). */
typedef struct last_hit {
    long long id;
    char at[32];
} last_hit;

/* Appends the ids of the hits of query with opt to b as "12,7,"; how many. */
static long long append_ids(cl_vault *v, const char *query, const cl_search_options *opt, cl_buf *b, last_hit *last)
{
    cl_search *s;
    OK(cl_search_open(v, query, opt, NULL, &s));
    long long n = 0;
    for (;; n++) {
        cl_search_hit h;
        bool done;
        OK(cl_search_next(s, &h, &done));
        if (done)
            break;
        cl_buf_printf(b, "%lld,", h.record_id);
        last->id = h.record_id;
        snprintf(last->at, sizeof last->at, "%s", h.occurred_at);
    }
    cl_search_close(s);
    return n;
}

/* The record ids a search finds, newest first, as "12,7,". */
static char *found(cl_vault *v, const char *query)
{
    cl_search_options opt = {.order = CL_SEARCH_NEWEST, .limit = 0, .audit = false};
    cl_buf b = {0};
    cl_buf_puts(&b, "");
    last_hit last;
    append_ids(v, query, &opt, &b, &last);
    return cl_buf_take(&b);
}

static void expect_found(cl_vault *v, const char *query, const char *want)
{
    char *got = found(v, query);
    if (strcmp(got, want) != 0)
        fail_msg("search %s: found {%s}, want {%s}", query, got, want);
    free(got);
}

static char *ids(long long a, long long b)
{
    static char buf[64];
    if (b)
        snprintf(buf, sizeof buf, "%lld,%lld,", a, b);
    else
        snprintf(buf, sizeof buf, "%lld,", a);
    return buf;
}

#define REFERRAL "{\"occurred_at\": \"2026-11-01\", \"concerns\": [\"self_harm\"], \"reason\": \"自伤计划\"," \
                 " \"urgency\": \"urgent\", \"what\": \"课间对班主任说\", \"guardians_informed\": true," \
                 " \"agency\": \"protection_station\"}"

static long long add_referral(cl_vault *v, long long student)
{
    return add_record(v, "referral", student, REFERRAL, 0);
}

static void test_edit_and_amend(void **state)
{
    fixture *f = *state;
    long long s = add_student(f->v, "20250003", "赵小明");
    long long r = add_record(f->v, "session", s, SESSION("最近借了网贷，晚上在宿舍哭"), 0);
    expect_found(f->v, "网贷", ids(r, 0));
    expect_found(f->v, "网 宿舍", ids(r, 0));
    expect_found(f->v, "个体辅导", ids(r, 0)); /* a choice's label, in Chinese */
    expect_found(f->v, "individual", ids(r, 0)); /* and in English */
    long long version;
    json_t *change = J("{\"data\": \"最近情绪平稳\"}");
    OK(cl_record_edit(f->v, r, 1, change, &version));
    json_decref(change);
    expect_found(f->v, "网贷", "");
    expect_found(f->v, "平稳", ids(r, 0));
    OK(cl_record_amend(f->v, r, "补充：提到过割腕的想法"));
    expect_found(f->v, "割腕", ids(r, 0));
    expect_found(f->v, "平稳 割腕", ids(r, 0));
    OK(cl_search_check_text(f->v));
}

static void test_referral_notes(void **state)
{
    fixture *f = *state;
    long long s = add_student(f->v, "20250004", "钱小红");
    long long r = add_referral(f->v, s);
    expect_found(f->v, "未成年人保护工作站", ids(r, 0));
    OK(cl_referral_move(f->v, r, "reported", "已电话联系工作站李主任"));
    expect_found(f->v, "李主任", ids(r, 0));
    expect_found(f->v, "created", ""); /* carelog's own first note is not the counsellor's text */
    OK(cl_search_check_text(f->v));
}

static void test_students_and_pinyin(void **state)
{
    fixture *f = *state;
    long long s = add_student(f->v, "20250003", "赵小明");
    long long rec = count_rows(f->v, "SELECT record_id FROM students ORDER BY id DESC LIMIT 1");
    expect_found(f->v, "赵小明", ids(rec, 0));
    expect_found(f->v, "20250003", ids(rec, 0));
    expect_found(f->v, "初二(3)班", ids(rec, 0));
    expect_found(f->v, "zhaoxm", ids(rec, 0));
    expect_found(f->v, "zxm", ids(rec, 0));
    expect_found(f->v, "ZhaoXiaoMing", ids(rec, 0));
    expect_found(f->v, "xiaoming", ids(rec, 0));
    /* While the name is still being typed: every beginning of a key. */
    static const char *const typing[] = {"z", "zh", "zhao", "zhaox", "zhaoxiaom", "zx", "xiao", "xm"};
    for (size_t i = 0; i < sizeof typing / sizeof typing[0]; i++)
        expect_found(f->v, typing[i], ids(rec, 0));
    expect_found(f->v, "zhaoxiaominga", "");
    expect_found(f->v, "zhu", ""); /* not a beginning of any key of 赵小明 */
    expect_found(f->v, "ming", ""); /* keys start at the surname or the given name */
    long long r = add_record(f->v, "session", s, SESSION("zxm 不是拼音"), 0);
    expect_found(f->v, "zxm", ids(rec, r)); /* the word itself too; newest first (the student's is today) */
    expect_found(f->v, "zxm kind:student", ids(rec, 0));
    /* A guardian's name, and the relation's label, are the student's text too. */
    json_t *with_guardian = J("{\"number\": \"20250004\", \"name\": \"孙小红\", \"class\": \"初二(3)班\","
                              " \"guardians\": [{\"name\": \"孙建国\", \"relation\": \"grandparent\"}]}");
    long long g;
    OK(cl_student_add(f->v, with_guardian, false, &g));
    json_decref(with_guardian);
    long long grec = count_rows(f->v, "SELECT record_id FROM students ORDER BY id DESC LIMIT 1");
    expect_found(f->v, "孙建国", ids(grec, 0));
    expect_found(f->v, "建国 祖辈", ids(grec, 0));
}

/* The students list finds a name as it is typed in pinyin, in any mix of
 * whole syllables and their beginnings (cl_pinyin_matches). */
static void test_student_list_pinyin(void **state)
{
    fixture *f = *state;
    long long zhang = add_student(f->v, "20250011", "张三");
    long long zhao = add_student(f->v, "20250012", "赵小明");
    add_student(f->v, "20250013", "Tom Li");
    static const struct {
        const char *typed;
        long long a, b;
    } cases[] = {
        {"z", 0, 0}, {"zh", 0, 0}, {"zhang", 0, -1}, {"zhangs", 0, -1}, {"zs", 0, -1}, {"ZS", 0, -1},
        {"zhs", 0, -1}, {"san", 0, -1}, {"zhaoxm", -1, 0}, {"zxm", -1, 0}, {"zhxiaom", -1, 0}, {"xm", -1, 0},
        {"zhangsan", 0, -1}, {"zhangsana", -1, -1}, {"zm", -1, -1}, {"ming", -1, -1}, {"z s", -1, -1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cl_student_filter fl = {.risk = -1, .search = cases[i].typed};
        json_t *list;
        OK(cl_student_list(f->v, &fl, &list));
        cl_buf got = {0}, want = {0};
        cl_buf_puts(&got, "");
        cl_buf_puts(&want, "");
        size_t k;
        json_t *row;
        json_array_foreach(list, k, row) cl_buf_printf(&got, "%lld,", (long long)json_integer_value(json_object_get(row, "id")));
        if (cases[i].a == 0)
            cl_buf_printf(&want, "%lld,", zhang);
        if (cases[i].b == 0)
            cl_buf_printf(&want, "%lld,", zhao);
        if (strcmp(got.data, want.data) != 0)
            fail_msg("student list --search %s: {%s}, want {%s}", cases[i].typed, got.data, want.data);
        cl_buf_free(&got);
        cl_buf_free(&want);
        json_decref(list);
    }
}

static void test_filters(void **state)
{
    fixture *f = *state;
    long long a = add_student(f->v, "20250001", "甲同学");
    long long b = add_student(f->v, "20250002", "乙同学");
    long long ra = add_record(f->v, "session", a, SESSION("谈到宿舍矛盾"), 0);
    long long rb = add_record(f->v, "session", b,
                              "{\"occurred_at\": \"2026-06-01\", \"session_type\": \"individual\", \"risk_noted\": false,"
                              " \"data\": \"宿舍里被孤立\"}", 0);
    expect_found(f->v, "宿舍", ids(rb, ra));
    expect_found(f->v, "宿舍 student:20250001", ids(ra, 0));
    expect_found(f->v, "宿舍 student:乙同学", ids(rb, 0));
    char byid[32];
    snprintf(byid, sizeof byid, "宿舍 student:#%lld", a);
    expect_found(f->v, byid, ids(ra, 0));
    /* student: and class: read numbers, names and classes as they are
     * stored: full-width digits and brackets, a zero-width space. */
    expect_found(f->v, "宿舍 student:２０２５０００１", ids(ra, 0));
    expect_found(f->v, "宿舍 student:乙\u200b同学", ids(rb, 0));
    expect_found(f->v, "宿舍 class:初二（3）班", ids(rb, ra));
    expect_found(f->v, "宿舍 class:初二(4)班", "");
    cl_search *refused;
    cl_search_options plain = {.order = CL_SEARCH_NEWEST, .limit = 0, .audit = false};
    assert_int_equal(cl_search_open(f->v, "宿舍 student:乙\u202e同学", &plain, NULL, &refused), CL_EDATA);
    assert_non_null(strstr(cl_error_message(), "student:"));
    expect_found(f->v, "宿舍 since:2026-04-01", ids(rb, 0));
    expect_found(f->v, "宿舍 until:2026-03-01", ids(ra, 0));
    /* The dates' edges, which the index also seeks by its keys. */
    expect_found(f->v, "宿舍 since:2026-06-01", ids(rb, 0));
    expect_found(f->v, "宿舍 since:2026-06-02", "");
    expect_found(f->v, "宿舍 until:2026-02-28", "");
    expect_found(f->v, "宿舍 since:2026-03-01 until:2026-06-01", ids(rb, ra));
    expect_found(f->v, "宿舍 since:2026-03-02 until:2026-05-31", "");
    expect_found(f->v, "宿舍 kind:observation", "");
    expect_found(f->v, "宿舍 author:王老师", ids(rb, ra));
    expect_found(f->v, "宿舍 author:李老师", "");
    expect_found(f->v, "宿舍 -孤立", ids(ra, 0));
    expect_found(f->v, "kind:session until:2026-03-01", ids(ra, 0)); /* filters alone */
    expect_found(f->v, "-孤立 kind:session", ids(ra, 0));          /* an exclusion alone */
    cl_search *s;
    cl_search_options opt = {.order = CL_SEARCH_NEWEST, .limit = 0, .audit = false};
    assert_int_equal(cl_search_open(f->v, "  ", &opt, NULL, &s), CL_EUSAGE);
    assert_int_equal(cl_search_open(f->v, "since:2026-13-01", &opt, NULL, &s), CL_EUSAGE);
    /* Paging: one at a time, newest first. */
    opt.limit = 1;
    long long total = 0;
    OK(cl_search_open(f->v, "宿舍 since:2026-04-01", &opt, &total, &s)); /* counted by the index's keys alone */
    cl_search_close(s);
    assert_int_equal(total, 1);
    OK(cl_search_open(f->v, "宿舍", &opt, &total, &s));
    assert_int_equal(total, 2);
    cl_search_hit h;
    bool done;
    OK(cl_search_next(s, &h, &done));
    assert_false(done);
    assert_int_equal(h.record_id, rb);
    assert_string_equal(h.student_name, "乙同学");
    assert_string_equal(h.kind, "session");
    assert_non_null(strstr(h.snippet, CL_SEARCH_MARK_START "宿舍" CL_SEARCH_MARK_END));
    OK(cl_search_next(s, &h, &done));
    assert_true(done);
    cl_search_close(s);
    opt.offset = 1;
    OK(cl_search_open(f->v, "宿舍", &opt, NULL, &s));
    OK(cl_search_next(s, &h, &done));
    assert_int_equal(h.record_id, ra);
    assert_non_null(strstr(h.snippet, "谈到" CL_SEARCH_MARK_START "宿舍" CL_SEARCH_MARK_END "矛盾"));
    cl_search_close(s);
    /* One character marks that character, not the pair it starts. */
    opt.offset = 0;
    OK(cl_search_open(f->v, "舍 student:20250001", &opt, NULL, &s));
    OK(cl_search_next(s, &h, &done));
    assert_false(done);
    assert_non_null(strstr(h.snippet, "宿" CL_SEARCH_MARK_START "舍" CL_SEARCH_MARK_END "矛盾"));
    cl_search_close(s);
}

/* The ids a search finds read `per` at a time, each page after the last
 * hit of the one before (keyset), as "12,7,". */
static char *found_by_pages(cl_vault *v, const char *query, long long per)
{
    cl_buf b = {0};
    cl_buf_puts(&b, "");
    last_hit last = {0, ""};
    for (bool more = true; more;) {
        cl_search_options opt = {.order = CL_SEARCH_NEWEST, .limit = per, .after_record = last.id,
                                 .after_occurred_at = last.at};
        more = append_ids(v, query, &opt, &b, &last) == per;
    }
    return cl_buf_take(&b);
}

/* Paging by the last hit shown gives every match once, in the order of one
 * whole search, through records of the same day and minute, with and
 * without words to match. */
static void test_keyset_pages(void **state)
{
    fixture *f = *state;
    long long a = add_student(f->v, "20250001", "甲同学");
    for (int i = 0; i < 5; i++)
        add_record(f->v, "session", a, SESSION("谈到宿舍矛盾"), 0);
    add_record(f->v, "session", a, "{\"occurred_at\": \"2026-05-01\", \"session_type\": \"individual\","
                                   " \"risk_noted\": false, \"data\": \"宿舍\"}", 0);
    add_record(f->v, "session", a, "{\"occurred_at\": \"2026-05-01\", \"session_type\": \"individual\","
                                   " \"risk_noted\": false, \"data\": \"宿舍\"}", 0);
    add_record(f->v, "session", a, SESSION("别的事"), 0);
    static const char *const queries[] = {"宿舍", "kind:session", "-矛盾 kind:session", "宿舍 since:2026-02-01"};
    for (size_t i = 0; i < sizeof queries / sizeof queries[0]; i++) {
        char *whole = found(f->v, queries[i]);
        assert_true(strchr(whole, ',') != strrchr(whole, ',')); /* more than one page of 1 */
        for (long long per = 1; per <= 3; per++) {
            char *paged = found_by_pages(f->v, queries[i], per);
            if (strcmp(whole, paged) != 0)
                fail_msg("%s by %lld: {%s}, whole {%s}", queries[i], per, paged, whole);
            free(paged);
        }
        free(whole);
    }
}

/* Grouped by student: the student with the newest match first, each
 * student's matches newest first; paging goes through the groups. */
static void test_by_student(void **state)
{
    fixture *f = *state;
    long long a = add_student(f->v, "20250021", "甲同学");
    long long b = add_student(f->v, "20250022", "乙同学");
#define DATED(day) "{\"occurred_at\": \"" day "\", \"session_type\": \"individual\", \"risk_noted\": false," \
                   " \"data\": \"谈到宿舍\"}"
    long long a1 = add_record(f->v, "session", a, DATED("2026-01-01"), 0);
    long long b1 = add_record(f->v, "session", b, DATED("2026-02-01"), 0);
    long long a2 = add_record(f->v, "session", a, DATED("2026-03-01"), 0);
    long long b2 = add_record(f->v, "session", b, DATED("2026-04-01"), 0);
#undef DATED
    char want[96];
    snprintf(want, sizeof want, "%lld,%lld,%lld,%lld,", b2, a2, b1, a1);
    expect_found(f->v, "宿舍", want);
    cl_search_options opt = {.order = CL_SEARCH_BY_STUDENT, .limit = 3, .audit = false};
    json_t *hits;
    OK(cl_search_json(f->v, "宿舍", &opt, &hits, NULL));
    long long got[3];
    for (size_t i = 0; i < 3; i++)
        got[i] = (long long)json_integer_value(json_object_get(json_array_get(hits, i), "record_id"));
    assert_int_equal(json_array_size(hits), 3);
    json_decref(hits);
    assert_int_equal(got[0], b2);
    assert_int_equal(got[1], b1);
    assert_int_equal(got[2], a2);
    opt.offset = 3;
    OK(cl_search_json(f->v, "kind:session", &opt, &hits, NULL)); /* filters alone, grouped too */
    assert_int_equal(json_array_size(hits), 1);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(hits, 0), "record_id")), a1);
    json_decref(hits);
}

/* A changed form: each record keeps the labels of the version it was
 * written with, old and new alike, and the index agrees with both. */
static void test_form_change(void **state)
{
    fixture *f = *state;
    long long s = add_student(f->v, "20250031", "张三");
    long long old = add_record(f->v, "contact", s,
                               "{\"occurred_at\":\"2026-03-05\",\"who\":\"王芳\",\"channel\":\"phone\",\"summary\":\"旧版\"}", 0);
    char path[160];
    snprintf(path, sizeof path, "%s/contact.form", f->dir);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs("form contact\ntitle 家校沟通记录（新） | Home-school contact (new)\n\n"
          "field occurred_at date required\n  label 日期 | Date\n\n"
          "field summary longtext required max 2000\n  label 内容摘要 | Summary\n\n"
          "field mood choice required\n  label 家长情绪 | Parent's mood\n"
          "  choice calm 平静 | Calm\n  choice upset 激动 | Upset\n", fp);
    fclose(fp);
    int version = 0;
    OK(cl_catalog_import(f->v, path, &version));
    assert_int_equal(version, 2);
    long long fresh = add_record(f->v, "contact", s,
                                 "{\"occurred_at\":\"2026-03-06\",\"summary\":\"新版\",\"mood\":\"upset\"}", 0);
    expect_found(f->v, "电话 旧版", ids(old, 0)); /* version 1's label */
    expect_found(f->v, "激动", ids(fresh, 0));    /* version 2's, in both languages */
    expect_found(f->v, "upset", ids(fresh, 0));
    OK(cl_search_rebuild(f->v, NULL));
    expect_found(f->v, "电话 旧版", ids(old, 0));
    OK(cl_search_check_text(f->v));
}

/* Generated records are indexed like any others (the generator writes in
 * large transactions). */
static void test_generated_is_indexed(void **state)
{
    fixture *f = *state;
    cl_synth_options so = {.students = 4, .seed = 3, .months = 2};
    OK(cl_synth_fill(f->v, &so, NULL));
    OK(cl_search_check_text(f->v));
    assert_int_equal(count_rows(f->v, "SELECT count(*) FROM search_fts"), count_rows(f->v, "SELECT count(*) FROM records"));
    sqlite3_stmt *q;
    OK(cl_db_prepare(cl_vault_db(f->v), "SELECT number FROM students ORDER BY id LIMIT 1", &q));
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    char *query = cl_strdup_printf("kind:student %s", (const char *)sqlite3_column_text(q, 0));
    sqlite3_finalize(q);
    char *got = found(f->v, query);
    free(query);
    assert_true(strchr(got, ',') == strrchr(got, ',') && *got); /* exactly that student's record */
    free(got);
}

/* Whether a full FTS5 merge would still find segments to merge (tried,
 * then rolled back). */
static bool merge_would_work(sqlite3 *db)
{
    OK(cl_db_begin(db));
    int before = sqlite3_total_changes(db);
    OK(cl_db_exec(db, "INSERT INTO search_fts(search_fts, rank) VALUES ('merge', -1000)"));
    bool worked = sqlite3_total_changes(db) - before >= 2;
    cl_db_rollback(db);
    return worked;
}

static void note_percent(int percent, void *ctx)
{
    *(int *)ctx = percent;
}

/* After a large writer the index is one segment; after a few records
 * added to a larger vault only the levels FTS5 filled are merged. */
static void test_merge_after_writers(void **state)
{
    fixture *f = *state;
    sqlite3 *db = cl_vault_db(f->v);
    long long st = add_student(f->v, "20250001", "甲同学");
    /* A level is merged once it holds 16 segments (FTS5's usermerge; each
     * record added writes a few: a transaction and its savepoints). */
    OK(cl_db_exec(db, "INSERT INTO search_fts(search_fts, rank) VALUES ('usermerge', 16)"));
    for (int i = 0; i < 2; i++)
        add_record(f->v, "session", st, SESSION("谈到宿舍矛盾"), 0);
    assert_true(merge_would_work(db));
    int last = -1;
    OK(cl_search_merge(f->v, 0, note_percent, &last)); /* a few records to a larger vault: levels only */
    assert_int_equal(last, 100);
    assert_true(merge_would_work(db));
    OK(cl_search_merge(f->v, 3, note_percent, &last));
    assert_false(merge_would_work(db));
    OK(cl_search_check_text(f->v));
    assert_int_equal(count_rows(f->v, "SELECT count(*) FROM search_fts WHERE search_fts MATCH 'body : \"宿舍\"'"), 2);
    /* Inside another transaction it leaves the merge to that writer. */
    add_record(f->v, "session", st, SESSION("谈到宿舍矛盾"), 0);
    OK(cl_db_begin(db));
    cl_search_merge_after(f->v, 100);
    OK(cl_db_commit(db));
    assert_true(merge_would_work(db));
    cl_search_merge_after(f->v, 100);
    assert_false(merge_would_work(db));
}

static void test_merge_keeps_results(void **state)
{
    fixture *f = *state;
    long long keep = add_student(f->v, "20250001", "孙同学");
    long long from = add_student(f->v, "20250009", "孙同学");
    long long r = add_record(f->v, "session", from, SESSION("提到网贷"), 0);
    expect_found(f->v, "网贷 student:20250009", ids(r, 0));
    OK(cl_student_merge(f->v, keep, from));
    expect_found(f->v, "网贷", ids(r, 0));
    expect_found(f->v, "网贷 student:20250001", ids(r, 0));
    expect_found(f->v, "网贷 student:20250009", "");
    OK(cl_search_check_text(f->v));
}

/* kind:, author: and class: are words of the index as well as SQL
 * filters: the words follow the record when its student changes class,
 * when it moves to another student, and when its author changes. */
static void test_filter_keys_follow(void **state)
{
    fixture *f = *state;
    long long a = add_student(f->v, "20250001", "甲同学");
    long long b = add_student(f->v, "20250002", "乙同学");
    json_t *klass = json_pack("{s:s}", "class", "初三(1)班");
    OK(cl_student_edit(f->v, b, 1, klass, NULL));
    json_decref(klass);
    long long ra = add_record(f->v, "session", a, SESSION("谈到宿舍矛盾"), 0);
    long long rb = add_record(f->v, "session", b, SESSION("宿舍里被孤立"), 0);
    expect_found(f->v, "宿舍 class:初二(3)班", ids(ra, 0));
    expect_found(f->v, "宿舍 class:初三(1)班", ids(rb, 0));
    /* 甲 moves class: every record of theirs is found under the new one. */
    klass = json_pack("{s:s}", "class", "初三(1)班");
    OK(cl_student_edit(f->v, a, 1, klass, NULL));
    json_decref(klass);
    expect_found(f->v, "宿舍 class:初二(3)班", "");
    expect_found(f->v, "宿舍 class:初三（1）班", ids(rb, ra));
    /* The same inside a writer that defers indexing to its commit. */
    sqlite3 *db = cl_vault_db(f->v);
    OK(cl_search_defer(db, true));
    OK(cl_db_begin(db));
    OK(cl_db_exec(db, "UPDATE students SET class = '高一(2)班' WHERE number = '20250002'"));
    OK(cl_db_commit(db));
    OK(cl_search_defer(db, false));
    expect_found(f->v, "宿舍 class:高一(2)班", ids(rb, 0));
    expect_found(f->v, "宿舍 class:初三(1)班", ids(ra, 0));
    /* Merged into 乙: 甲's session now carries 乙's class. */
    OK(cl_student_merge(f->v, b, a));
    expect_found(f->v, "宿舍 class:高一(2)班", ids(rb, ra));
    expect_found(f->v, "宿舍 class:初三(1)班", "");
    /* Another author (as an accepted observation gets its teacher's name). */
    OK(cl_db_exec(db, "UPDATE records SET author = '李老师' WHERE kind = 'session' AND fields LIKE '%矛盾%'"));
    expect_found(f->v, "宿舍 author:李老师", ids(ra, 0));
    expect_found(f->v, "宿舍 author:王老师", ids(rb, 0));
    expect_found(f->v, "宿舍 kind:session author:王老师 class:高一(2)班", ids(rb, 0));
    expect_found(f->v, "宿舍 kind:referral", "");
    OK(cl_search_check_text(f->v));
}

/* The filters reach FTS5 as words of the index, so that it intersects
 * them with the terms itself; a class as stored (full-width brackets
 * folded); nothing without a term to match. */
static void test_filter_keys_in_match(void **state)
{
    (void)state;
    cl_search_query q;
    OK(cl_search_query_parse("宿舍 kind:session author:王老师 class:初二（3）班", &q));
    char *match, *excluded;
    OK(cl_search_query_match(&q, &match, &excluded));
    char kind[CL_SEARCH_FILTER_KEY_LEN], author[CL_SEARCH_FILTER_KEY_LEN], klass[CL_SEARCH_FILTER_KEY_LEN];
    cl_search_filter_key('k', "session", kind);
    cl_search_filter_key('a', "王老师", author);
    cl_search_filter_key('c', "初二(3)班", klass);
    char *want = cl_strdup_printf("(body : \"宿舍\") AND pinyin : \"%s\" AND pinyin : \"%s\" AND pinyin : \"%s\"",
                                  kind, author, klass);
    assert_string_equal(match, want);
    assert_null(excluded);
    free(want);
    free(match);
    cl_search_query_free(&q);
    OK(cl_search_query_parse("-宿舍 kind:session", &q));
    OK(cl_search_query_match(&q, &match, &excluded));
    assert_null(match);
    assert_string_equal(excluded, "(body : \"宿舍\")");
    free(excluded);
    cl_search_query_free(&q);
}

static void test_audited(void **state)
{
    fixture *f = *state;
    long long s = add_student(f->v, "20250003", "赵小明");
    add_record(f->v, "session", s, SESSION("网贷"), 0);
    cl_search_options opt = {.order = CL_SEARCH_NEWEST, .limit = 0, .audit = true};
    json_t *hits;
    long long total;
    OK(cl_search_json(f->v, "网贷 kind:session", &opt, &hits, &total));
    assert_int_equal(json_array_size(hits), 1);
    json_decref(hits);
    sqlite3_stmt *q;
    OK(cl_db_prepare(cl_vault_db(f->v), "SELECT actor, action, detail FROM audit ORDER BY id DESC LIMIT 1", &q));
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(q, 0), "王老师");
    assert_string_equal((const char *)sqlite3_column_text(q, 1), "search");
    assert_string_equal((const char *)sqlite3_column_text(q, 2), "1 match for \"网贷 kind:session\"");
    sqlite3_finalize(q);
}

/* Matches are counted up to CL_SEARCH_COUNT_MAX; more is said as more,
 * in the total and in the audit log. (Rows put straight into the index:
 * a thousand records would take the test longer than it tests.) */
static void test_count_capped(void **state)
{
    fixture *f = *state;
    sqlite3 *db = cl_vault_db(f->v);
    char sql[256];
    snprintf(sql, sizeof sql,
             "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d)"
             " INSERT INTO search_fts(rowid, body) SELECT i, '说到网贷' FROM n",
             CL_SEARCH_COUNT_MAX + 5);
    OK(cl_db_exec(db, sql));
    cl_search_options opt = {.order = CL_SEARCH_NEWEST, .limit = 10, .audit = true};
    cl_search *s;
    long long total = 0;
    OK(cl_search_open(f->v, "网贷", &opt, &total, &s));
    cl_search_close(s);
    assert_int_equal(total, CL_SEARCH_COUNT_MAX + 1);
    char want[64];
    snprintf(want, sizeof want, "more than %d matches for \"网贷\"", CL_SEARCH_COUNT_MAX);
    assert_int_equal(count_rows(f->v, "SELECT count(*) FROM audit WHERE action = 'search'"), 1);
    sqlite3_stmt *q;
    OK(cl_db_prepare(db, "SELECT detail FROM audit ORDER BY id DESC LIMIT 1", &q));
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(q, 0), want);
    sqlite3_finalize(q);
    /* Exactly the most counted is still exact. */
    snprintf(sql, sizeof sql, "DELETE FROM search_fts WHERE rowid <= 5");
    OK(cl_db_exec(db, sql));
    OK(cl_search_open(f->v, "网贷", &opt, &total, &s));
    cl_search_close(s);
    assert_int_equal(total, CL_SEARCH_COUNT_MAX);
}

static void test_check_and_rebuild(void **state)
{
    fixture *f = *state;
    long long s = add_student(f->v, "20250003", "赵小明");
    long long r = add_record(f->v, "session", s, SESSION("网贷"), 0);
    OK(cl_search_check(f->v));
    /* An index row lost behind carelog's back. */
    char sql[160];
    snprintf(sql, sizeof sql, "DELETE FROM search_fts WHERE " CL_SEARCH_RECORD_OF("rowid") " = %lld", r);
    OK(cl_db_exec(cl_vault_db(f->v), sql));
    expect_found(f->v, "网贷", "");
    assert_int_equal(cl_search_check(f->v), CL_EDATA);
    assert_non_null(strstr(cl_error_message(), "search --rebuild"));
    /* …and `carelog verify` says so among its checks. */
    json_t *report;
    assert_int_equal(cl_vault_verify(f->v, &report), CL_EDATA);
    bool seen = false;
    size_t k;
    json_t *check;
    json_array_foreach(json_object_get(report, "checks"), k, check)
        if (strcmp(json_string_value(json_object_get(check, "name")), "search_index") == 0)
            seen = !json_is_true(json_object_get(check, "ok"));
    json_decref(report);
    assert_true(seen);
    OK(cl_search_rebuild(f->v, NULL));
    /* A row whose text is no longer what the record says. */
    snprintf(sql, sizeof sql, "UPDATE search_fts SET body = '别的' WHERE " CL_SEARCH_RECORD_OF("rowid") " = %lld", r);
    OK(cl_db_exec(cl_vault_db(f->v), sql));
    OK(cl_search_check(f->v)); /* the fast check sees a sound index… */
    assert_int_equal(cl_search_check_text(f->v), CL_EDATA); /* …the full one sees the stale text */
    long long n = 0;
    OK(cl_search_rebuild(f->v, &n));
    assert_int_equal(n, 2);
    OK(cl_search_check_text(f->v));
    expect_found(f->v, "网贷", ids(r, 0));
}

/* The index's own tables (its segments, stored text and sizes) hold no
 * trace of the word. Without FTS5's secure-delete the old term would stay
 * in the segment pages until a merge. (SQLite's secure_delete, set on
 * every open, zeroes the pages and cells freed.) */
static bool word_in_index(cl_vault *v, const char *word)
{
    sqlite3_stmt *q;
    OK(cl_db_prepare(cl_vault_db(v), "SELECT block FROM search_fts_data UNION ALL SELECT c0 FROM search_fts_content"
                                     " UNION ALL SELECT c1 FROM search_fts_content UNION ALL SELECT term FROM"
                                     " search_fts_idx", &q));
    bool seen = false;
    while (!seen && sqlite3_step(q) == SQLITE_ROW)
        seen = sqlite3_column_bytes(q, 0) > 0 &&
               memmem(sqlite3_column_blob(q, 0), (size_t)sqlite3_column_bytes(q, 0), word, strlen(word)) != NULL;
    sqlite3_finalize(q);
    return seen;
}

static void test_secure_delete(void **state)
{
    fixture *f = *state;
    long long s = add_student(f->v, "20250003", "赵小明");
    long long r = add_record(f->v, "session", s, SESSION("zqxjvkw"), 0);
    assert_true(word_in_index(f->v, "qxjvkw")); /* the scan sees the term (prefix-compressed in the segments) */
    long long version;
    json_t *change = J("{\"data\": \"别的话\"}");
    OK(cl_record_edit(f->v, r, 1, change, &version));
    json_decref(change);
    expect_found(f->v, "zqxjvkw", "");
    assert_false(word_in_index(f->v, "qxjvkw"));
    /* …and the pages the index gave up hold nothing either: FTS5 rewrote
     * them without the term, and SQLite zeroes the pages it frees. */
    assert_int_equal(count_rows(f->v, "SELECT v FROM search_fts_config WHERE k = 'secure-delete'"), 1);
    assert_int_equal(count_rows(f->v, "PRAGMA secure_delete"), 1);
}

static void test_import_is_indexed(void **state)
{
    fixture *f = *state;
    long long s = add_student(f->v, "20250003", "赵小明");
    long long r = add_record(f->v, "session", s, SESSION("宿舍"), 0);
    OK(cl_record_amend(f->v, r, "补充：网贷"));
    json_t *doc;
    OK(cl_transfer_export(f->v, &doc));
    char dir[128];
    snprintf(dir, sizeof dir, "%s/second", f->dir);
    cl_secret *pass, *rk = NULL;
    OK(cl_secret_copy((const unsigned char *)"correct horse battery", 21, &pass));
    cl_vault *w;
    OK(cl_vault_init(dir, "另一所中学", "李老师", pass, &rk, &w));
    cl_secret_free(pass);
    cl_secret_free(rk);
    OK(cl_catalog_install_builtin(w));
    OK(cl_transfer_import(w, doc, NULL));
    json_decref(doc);
    expect_found(w, "宿舍 网贷", ids(r, 0));
    expect_found(w, "zxm", ids(count_rows(w, "SELECT record_id FROM students"), 0));
    OK(cl_search_check(w));
    cl_vault_close(w);
}

/* A vault from before search is indexed by search's migration, whichever
 * migrations come after it: the index is dropped as if never made, and the
 * migration's own SQL run again as an unlock runs it. */
static void test_migration_indexes_old_vault(void **state)
{
    fixture *f = *state;
    int mine = -1, n = cl_db_schema_version();
    for (int i = 0; i < n; i++)
        if (strstr(cl_schema_migrations[i], "CREATE VIRTUAL TABLE search_fts"))
            mine = i;
    assert_true(mine >= 0);
    long long s = add_student(f->v, "20250003", "赵小明");
    long long r = add_record(f->v, "session", s, SESSION("网贷"), 0);
    long long rec = count_rows(f->v, "SELECT record_id FROM students ORDER BY id DESC LIMIT 1");
    OK(cl_record_amend(f->v, r, "补充：宿舍"));
    sqlite3 *db = cl_vault_db(f->v);
    OK(cl_db_exec(db, "DROP TABLE search_fts; DROP TRIGGER search_record_added; DROP TRIGGER search_record_changed;"
                      "DROP TRIGGER search_record_removed; DROP TRIGGER search_amendment_added;"
                      "DROP TRIGGER search_amendment_changed; DROP TRIGGER search_amendment_removed;"
                      "DROP TRIGGER search_transition_added; DROP TRIGGER search_transition_changed;"
                      "DROP TRIGGER search_transition_removed;"));
    OK(cl_db_exec(db, cl_schema_migrations[mine]));
    expect_found(f->v, "网贷", ids(r, 0));
    expect_found(f->v, "宿舍", ids(r, 0));
    expect_found(f->v, "zxm", ids(rec, 0));
    OK(cl_search_check_text(f->v));
}

/* A transaction that defers indexing (the generator's batches) ends with
 * the same index as one that indexes record by record: new records, an
 * edit that moves a record's date, an amendment, referral moves; nothing
 * is indexed before the commit; a rolled-back batch leaves nothing. */
static void test_deferred_indexing(void **state)
{
    fixture *f = *state;
    sqlite3 *db = cl_vault_db(f->v);
    long long s = add_student(f->v, "20250005", "孙小军");
    long long old = add_record(f->v, "session", s, SESSION("旧记录提到网贷"), 0);
    long long fts_before = count_rows(f->v, "SELECT count(*) FROM search_fts");
    OK(cl_search_defer(db, true));
    OK(cl_db_begin(db));
    long long a = add_record(f->v, "session", s, SESSION("第一次谈到宿舍矛盾"), 0);
    long long b = add_referral(f->v, s);
    OK(cl_referral_move(f->v, b, "reported", "已电话联系工作站李主任"));
    long long version;
    json_t *change = J("{\"occurred_at\": \"2026-04-02\", \"data\": \"情绪平稳，不再提网贷\"}");
    OK(cl_record_edit(f->v, old, 1, change, &version));
    json_decref(change);
    OK(cl_record_amend(f->v, a, "补充：提到过割腕的想法"));
    assert_int_equal(count_rows(f->v, "SELECT count(*) FROM search_fts"), fts_before);
    OK(cl_db_commit(db));
    expect_found(f->v, "宿舍", ids(a, 0));
    expect_found(f->v, "割腕", ids(a, 0));
    expect_found(f->v, "李主任", ids(b, 0));
    expect_found(f->v, "平稳", ids(old, 0));
    expect_found(f->v, "旧记录", "");
    OK(cl_search_check(f->v));
    OK(cl_search_check_text(f->v));

    OK(cl_db_begin(db));
    long long gone = add_record(f->v, "session", s, SESSION("回滚的记录写着欺凌"), 0);
    assert_true(gone > 0);
    cl_db_rollback(db);
    OK(cl_search_defer(db, false));
    expect_found(f->v, "欺凌", "");
    OK(cl_search_check(f->v));
    /* Off again: each write is indexed at once, as before. */
    long long now = add_record(f->v, "session", s, SESSION("之后的记录写着欺凌"), 0);
    expect_found(f->v, "欺凌", ids(now, 0));
    OK(cl_search_check_text(f->v));
}

/* Held indexing (the generator's): records written over several
 * transactions are not searchable until cl_search_index_held, then each
 * is found once in its final state, in an index FTS5 finds whole; a
 * record of a rolled-back transaction is not indexed, and the record that
 * takes its id afterwards is indexed with its own text. Old rows of the
 * records edited while held are gone. */
static void note_held(int percent, void *ctx)
{
    int *calls = ctx;
    assert_true(percent >= 0 && percent <= 100);
    (*calls)++;
}

static void test_held_indexing(void **state)
{
    fixture *f = *state;
    sqlite3 *db = cl_vault_db(f->v);
    long long s = add_student(f->v, "20250006", "钱小红");
    long long old = add_record(f->v, "session", s, SESSION("旧记录提到网贷"), 0);
    OK(cl_search_hold(db));
    OK(cl_db_begin(db));
    long long a = add_record(f->v, "session", s, SESSION("第一次谈到宿舍矛盾"), 0);
    OK(cl_db_commit(db));
    OK(cl_db_begin(db));
    long long b = add_referral(f->v, s);
    OK(cl_referral_move(f->v, b, "reported", "已电话联系工作站李主任"));
    OK(cl_record_amend(f->v, a, "补充：提到过割腕的想法"));
    long long version;
    json_t *change = J("{\"occurred_at\": \"2026-04-02\", \"data\": \"情绪平稳，不再提网贷\"}");
    OK(cl_record_edit(f->v, old, 1, change, &version));
    json_decref(change);
    OK(cl_db_commit(db));
    OK(cl_db_begin(db));
    long long gone = add_record(f->v, "session", s, SESSION("回滚的记录写着欺凌"), 0);
    cl_db_rollback(db);
    OK(cl_db_begin(db));
    long long reused = add_record(f->v, "session", s, SESSION("之后的记录写着家暴"), 0);
    OK(cl_db_commit(db));
    /* Committed, not yet searchable. */
    expect_found(f->v, "宿舍", "");
    expect_found(f->v, "李主任", "");
    int calls = 0;
    OK(cl_search_index_held(db, note_held, &calls));
    assert_true(calls >= 1);
    OK(cl_search_defer(db, false));
    expect_found(f->v, "宿舍", ids(a, 0));
    expect_found(f->v, "割腕", ids(a, 0));
    expect_found(f->v, "李主任", ids(b, 0));
    expect_found(f->v, "平稳", ids(old, 0));
    expect_found(f->v, "旧记录", "");
    expect_found(f->v, "欺凌", "");
    expect_found(f->v, "家暴", ids(reused, 0));
    assert_int_equal(reused, gone); /* the id of the record rolled back */
    assert_int_equal(count_rows(f->v, "SELECT count(*) FROM search_fts"), count_rows(f->v, "SELECT count(*) FROM records"));
    OK(cl_search_check(f->v));
    OK(cl_search_check_text(f->v));
    /* Holding has ended: a write is indexed at once again. */
    long long now = add_record(f->v, "session", s, SESSION("之后的记录写着逃学"), 0);
    expect_found(f->v, "逃学", ids(now, 0));
}

/* Re-dating a referral's move changes no searchable text: the index is
 * left alone (no delete and reinsert of the referral's whole text). The
 * one other row it changes is the referral's since in referral_waits. */
static void test_redated_move_keeps_index(void **state)
{
    fixture *f = *state;
    sqlite3 *db = cl_vault_db(f->v);
    long long s = add_student(f->v, "20250006", "周小梅");
    long long r = add_referral(f->v, s);
    OK(cl_referral_move(f->v, r, "reported", "已电话联系工作站李主任"));
    int before = sqlite3_total_changes(db);
    OK(cl_db_exec(db, "UPDATE referral_transitions SET at = '2026-11-02T09:00:00Z' WHERE to_state = 'reported'"));
    assert_int_equal(sqlite3_total_changes(db) - before, 2);
    before = sqlite3_total_changes(db);
    OK(cl_db_exec(db, "UPDATE referral_transitions SET note = '已书面报告王主任' WHERE to_state = 'reported'"));
    assert_true(sqlite3_total_changes(db) - before > 1);
    expect_found(f->v, "王主任", ids(r, 0));
    expect_found(f->v, "李主任", "");
    OK(cl_search_check_text(f->v));
}

/* Newest first is the index's own order: no sort of every match, however
 * many there are, with or without filters; a student's search starts
 * from the student. */
static void test_query_plan(void **state)
{
    fixture *f = *state;
    static const char *const queries[] = {"宿舍", "宿舍 网贷 -欺凌", "宿舍 kind:session since:2026-01-01",
                                          "宿舍 kind:referral author:李老师 class:初二(3)班", "zxm student:20250001"};
    for (size_t i = 0; i < sizeof queries / sizeof queries[0]; i++) {
        cl_search *s;
        OK(cl_search_open(f->v, queries[i], NULL, NULL, &s));
        char *sql = cl_strdup_printf("EXPLAIN QUERY PLAN %s", cl_search_sql(s));
        cl_search_close(s);
        sqlite3_stmt *q;
        OK(cl_db_prepare(cl_vault_db(f->v), sql, &q));
        cl_buf plan = {0};
        while (sqlite3_step(q) == SQLITE_ROW)
            cl_buf_printf(&plan, "%s\n", (const char *)sqlite3_column_text(q, 3));
        sqlite3_finalize(q);
        /* A student named: that student's records, each looked up in the
         * index (rowid =), sorted as few as they are. */
        bool by_student = strstr(queries[i], "student:") != NULL;
        if (by_student ? strstr(plan.data, "SCAN s\n") || strstr(plan.data, "SCAN r") || !strstr(plan.data, ":=M")
                       : strstr(plan.data, "TEMP B-TREE") || !strstr(plan.data, "SCAN search_fts VIRTUAL TABLE"))
            fail_msg("%s: %s", queries[i], plan.data);
        cl_buf_free(&plan);
        free(sql);
    }
}

/* Indexing a record gathers all its text in one piece: it is wiped when
 * SQLite is done with it, not left in the malloc heap. */
static void test_indexed_text_wiped(void **state)
{
    skip_without_malloc_heap();
    fixture *f = *state;
    long long s = add_student(f->v, "20260301", "林小雨");
    char text[3000];
    memset(text, 'x', sizeof text);
    memcpy(text + 1500, " indexed-text-left-in-freed-heap-memory ", 40);
    text[sizeof text - 1] = '\0';
    char *fields = cl_strdup_printf("{\"occurred_at\": \"2026-03-01\", \"session_type\": \"individual\","
                                    " \"risk_noted\": false, \"data\": \"%s\"}", text);
    add_record(f->v, "session", s, fields, 0);
    sodium_memzero(fields, strlen(fields));
    free(fields);
    sodium_memzero(text, sizeof text);
    expect_found(f->v, "indexed-text-left", ids(s + 1, 0));
    assert_false(in_malloc_heap("indexed-text-left-in-freed-heap-memory", 38));
}

#define SNIPPET_CANARY "search-snippet-canary"

/* A search's snippets, streamed and as JSON, leave none of the record's
 * text in freed memory. */
static void search_snippets(void *ctx)
{
    fixture *f = ctx;
    cl_search_options o = {.audit = true};
    json_t *hits;
    OK(cl_search_json(f->v, "宿舍", &o, &hits, NULL));
    char *text = json_dumps(hits, JSON_INDENT(2));
    assert_non_null(strstr(text, SNIPPET_CANARY));
    free(text);
    json_decref(hits);
    cl_search *s;
    OK(cl_search_open(f->v, "宿舍", &o, NULL, &s));
    cl_search_hit h;
    bool done = false;
    OK(cl_search_next(s, &h, &done));
    assert_false(done);
    assert_non_null(strstr(h.snippet, SNIPPET_CANARY));
    cl_search_close(s);
}

static void test_snippet_text_wiped(void **state)
{
    skip_without_malloc_heap();
    fixture *f = *state;
    long long s = add_student(f->v, "20260302", "林小雨");
    add_record(f->v, "session", s,
               "{\"occurred_at\": \"2026-03-01\", \"session_type\": \"individual\", \"risk_noted\": false,"
               " \"data\": \"谈到宿舍 " SNIPPET_CANARY " 的矛盾\"}", 0);
    expect_path_leaves_nothing(search_snippets, f, SNIPPET_CANARY);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_edit_and_amend, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_indexed_text_wiped, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_snippet_text_wiped, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_referral_notes, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_students_and_pinyin, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_student_list_pinyin, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_filters, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_keyset_pages, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_by_student, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_form_change, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_generated_is_indexed, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_merge_after_writers, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_merge_keeps_results, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_filter_keys_follow, fixture_setup, fixture_teardown),
        cmocka_unit_test(test_filter_keys_in_match),
        cmocka_unit_test_setup_teardown(test_audited, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_count_capped, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_check_and_rebuild, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_secure_delete, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_import_is_indexed, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_migration_indexes_old_vault, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_query_plan, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_deferred_indexing, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_held_indexing, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_redated_move_keeps_index, fixture_setup, fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
