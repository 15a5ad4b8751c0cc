/* The search tokenizer, the query language and pinyin, without a vault:
 * the tokens of Chinese, mixed and full-width text, and a comparison of
 * FTS5 results with a plain substring scan over random text and queries. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "carelog/pinyin.h"
#include "carelog/search.h"
#include "carelog/text.h"
#include "unit_support.h"

typedef struct collected {
    cl_buf b;
    const char *text;
} collected;

/* Each token's text, space-separated; offsets checked to lie inside the
 * input. */
static int collect(void *ctx, const cl_token *t)
{
    collected *c = ctx;
    assert_true(t->start < t->end);
    assert_true(t->end <= strlen(c->text));
    if (c->b.len)
        cl_buf_puts(&c->b, " ");
    cl_buf_append(&c->b, t->text, t->len);
    return 0;
}

static char *tokens(const char *text, bool for_query)
{
    collected c = {{0}, text};
    assert_int_equal(cl_search_tokenize(text, strlen(text), for_query, collect, &c), 0);
    return cl_buf_take(&c.b);
}

static void expect_tokens(const char *text, bool for_query, const char *want)
{
    char *got = tokens(text, for_query);
    if (strcmp(got, want) != 0)
        fail_msg("tokens of \"%s\"%s: got \"%s\", want \"%s\"", text, for_query ? " (query)" : "", got, want);
    free(got);
}

static void test_chinese_bigrams(void **state)
{
    (void)state;
    expect_tokens("割腕", false, "割腕 腕");
    expect_tokens("割腕", true, "割腕");
    expect_tokens("网贷平台", true, "网贷 贷平 平台");
    expect_tokens("住在宿舍里", false, "住在 在宿 宿舍 舍里 里");
    expect_tokens("伤", false, "伤");
    expect_tokens("伤", true, "伤");
    expect_tokens("", false, "");
    expect_tokens("，。！", false, "");
}

static void test_mixed_and_full_width(void **state)
{
    (void)state;
    expect_tokens("QQ群 欺凌", false, "qq 群 欺凌 凌");
    expect_tokens("QQ群 欺凌", true, "qq 群 欺凌");
    expect_tokens("割腕qq", true, "割腕 腕 qq"); /* a run inside a term keeps its last character */
    expect_tokens("ｑｑ Ａ Ｂ１２", false, "qq a b12");
    expect_tokens("Hello, WORLD!", false, "hello world");
    expect_tokens("a", false, "a");
    expect_tokens("第3次", false, "第 3 次"); /* digits are words between Han runs */
    expect_tokens("ﬁle", false, "file");   /* compatibility ligature */
}

static void test_unusual_characters(void **state)
{
    (void)state;
    expect_tokens("𠮷野家", false, "𠮷野 野家 家"); /* 4-byte UTF-8 */
    expect_tokens("cafe\xcc\x81 caf\xc3\xa9", false, "caf\xc3\xa9 caf\xc3\xa9"); /* combining mark = precomposed */
    expect_tokens("\xcc\x81x", false, "x");                                   /* a mark that follows nothing */
    expect_tokens("难过😢了", false, "难过 过 😢 了");
    expect_tokens("ok\xff\xfe" "ab", false, "ok ab"); /* invalid UTF-8 separates */
    expect_tokens("ｶﾀｶﾅ", false, "カタ タカ カナ ナ"); /* half-width katakana */
    expect_tokens("학교", false, "학교 교");
}

static void test_traditional_folds(void **state)
{
    (void)state;
    expect_tokens("傷害", true, "伤害");
    expect_tokens("學校", true, "学校");
    expect_tokens("乾", true, "乾"); /* 乾 is also its own simplified form (乾隆) */
}

/* ---- FTS5 against a substring scan -------------------------------------- */

static sqlite3 *open_index(void)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    OK(cl_search_register(db));
    assert_int_equal(sqlite3_exec(db, "CREATE VIRTUAL TABLE search_fts USING fts5(body, pinyin, tokenize='carelog')",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    return db;
}

/* Rowids matching a query typed as text, as a sorted ","-list. */
static char *matching(sqlite3 *db, const char *text)
{
    cl_search_query q;
    OK(cl_search_query_parse(text, &q));
    char *match, *excluded;
    OK(cl_search_query_match(&q, &match, &excluded));
    cl_search_query_free(&q);
    cl_buf b = {0};
    cl_buf_puts(&b, "");
    if (match) {
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(db, "SELECT rowid FROM search_fts WHERE search_fts MATCH ? ORDER BY rowid", -1, &st,
                               NULL) != SQLITE_OK)
            fail_msg("prepare: %s", sqlite3_errmsg(db));
        sqlite3_bind_text(st, 1, match, -1, SQLITE_STATIC);
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW)
            cl_buf_printf(&b, "%lld,", (long long)sqlite3_column_int64(st, 0));
        if (rc != SQLITE_DONE)
            fail_msg("query %s (MATCH %s): %s", text, match, sqlite3_errmsg(db));
        sqlite3_finalize(st);
    }
    free(match);
    free(excluded);
    return cl_buf_take(&b);
}

static const char *const han[] = {"网", "贷", "宿", "舍", "割", "腕", "学", "生", "伤", "心", "傷"};
static const char *const words[] = {"qq", "QQ", "ok", "abc", "Ｑｑ"};
static const char *const seps[] = {" ", "，", "。", "\n", "!"};
#define NHAN (sizeof han / sizeof han[0])

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static unsigned pick(unsigned n)
{
    rng_state ^= rng_state << 13, rng_state ^= rng_state >> 7, rng_state ^= rng_state << 17;
    return (unsigned)(rng_state % n);
}

/* Folds what the tokenizer folds, for the scan: 傷 → 伤, case, full width. */
static void fold_for_scan(cl_buf *out, const char *piece)
{
    if (strcmp(piece, "傷") == 0)
        piece = "伤";
    else if (strcmp(piece, "Ｑｑ") == 0 || strcmp(piece, "QQ") == 0)
        piece = "qq";
    cl_buf_puts(out, piece);
}

/* A document is runs of Han characters and words between separators; the
 * scan form has one run or word per line, folded. */
static void random_doc(cl_buf *doc, cl_buf *scan)
{
    cl_buf_puts(scan, "\n");
    for (unsigned r = 0, runs = 1 + pick(5); r < runs; r++) {
        if (pick(3) == 0) {
            const char *w = words[pick(sizeof words / sizeof words[0])];
            cl_buf_puts(doc, w);
            fold_for_scan(scan, w);
        } else {
            for (unsigned i = 0, n = 1 + pick(6); i < n; i++) {
                const char *h = han[pick(NHAN)];
                cl_buf_puts(doc, h);
                fold_for_scan(scan, h);
            }
        }
        cl_buf_puts(doc, seps[pick(sizeof seps / sizeof seps[0])]);
        cl_buf_puts(scan, "\n");
    }
}

static bool scan_has(const char *scan, const char *term, bool word)
{
    if (!word)
        return strstr(scan, term) != NULL;
    char line[32];
    snprintf(line, sizeof line, "\n%s\n", term);
    return strstr(scan, line) != NULL;
}

static void test_matches_substring_scan(void **state)
{
    (void)state;
    enum { DOCS = 300, QUERIES = 400 };
    sqlite3 *db = open_index();
    static cl_buf scans[DOCS + 1];
    sqlite3_stmt *ins;
    assert_int_equal(sqlite3_prepare_v2(db, "INSERT INTO search_fts(rowid, body) VALUES (?, ?)", -1, &ins, NULL),
                     SQLITE_OK);
    for (int d = 1; d <= DOCS; d++) {
        cl_buf doc = {0};
        scans[d] = (cl_buf){0};
        random_doc(&doc, &scans[d]);
        sqlite3_bind_int(ins, 1, d);
        sqlite3_bind_text(ins, 2, doc.data, -1, SQLITE_STATIC);
        assert_int_equal(sqlite3_step(ins), SQLITE_DONE);
        sqlite3_reset(ins);
        cl_buf_free(&doc);
    }
    sqlite3_finalize(ins);
    for (int k = 0; k < QUERIES; k++) {
        /* One or two terms: Han strings of 1–4 characters, or a word. */
        cl_buf query = {0}, t1 = {0}, t2 = {0};
        cl_buf *terms[2] = {&t1, &t2};
        bool is_word[2] = {false, false};
        unsigned nterms = 1 + pick(2);
        for (unsigned t = 0; t < nterms; t++) {
            cl_buf typed = {0};
            if (pick(4) == 0) {
                const char *w = words[pick(sizeof words / sizeof words[0])];
                cl_buf_puts(&typed, w);
                fold_for_scan(terms[t], w);
                is_word[t] = true;
            } else {
                for (unsigned i = 0, n = 1 + pick(4); i < n; i++) {
                    const char *h = han[pick(NHAN)];
                    cl_buf_puts(&typed, h);
                    fold_for_scan(terms[t], h);
                }
            }
            cl_buf_printf(&query, "%s%s", t ? " " : "", typed.data);
            cl_buf_free(&typed);
        }
        cl_buf want = {0};
        cl_buf_puts(&want, "");
        for (int d = 1; d <= DOCS; d++) {
            bool all = true;
            for (unsigned t = 0; t < nterms; t++)
                all = all && scan_has(scans[d].data, terms[t]->data, is_word[t]);
            if (all)
                cl_buf_printf(&want, "%d,", d);
        }
        char *got = matching(db, query.data);
        if (strcmp(got, want.data) != 0)
            fail_msg("query \"%s\": FTS5 gave {%s}, the scan {%s}", query.data, got, want.data);
        free(got);
        cl_buf_free(&want);
        cl_buf_free(&query);
        cl_buf_free(&t1);
        cl_buf_free(&t2);
    }
    for (int d = 1; d <= DOCS; d++)
        cl_buf_free(&scans[d]);
    sqlite3_close(db);
}

/* ---- the query language ------------------------------------------------ */

static void test_query_parse(void **state)
{
    (void)state;
    cl_search_query q;
    OK(cl_search_query_parse("割腕 \"网贷 平台\" -宿舍 kind:session student：20250003 since:2026/9/1 "
                             "class:\"初二(3)班\" “中文 引号”", &q));
    assert_int_equal(q.n_terms, 3);
    assert_string_equal(q.terms[0], "割腕");
    assert_string_equal(q.terms[1], "网贷 平台");
    assert_string_equal(q.terms[2], "中文 引号");
    assert_int_equal(q.n_excluded, 1);
    assert_string_equal(q.excluded[0], "宿舍");
    assert_string_equal(q.kind, "session");
    assert_string_equal(q.student, "20250003");
    assert_string_equal(q.klass, "初二(3)班");
    assert_string_equal(q.since, "2026-09-01");
    assert_string_equal(q.until, "");
    cl_search_query_free(&q);

    assert_int_equal(cl_search_query_parse("since:yesterday", &q), CL_EUSAGE);
    assert_int_equal(cl_search_query_parse("kind:", &q), CL_EUSAGE);
    assert_int_equal(cl_search_query_parse("ok \xff", &q), CL_EUSAGE);
    OK(cl_search_query_parse("   \u3000 - ", &q)); /* spaces and a lone minus: nothing */
    assert_int_equal(q.n_terms + q.n_excluded, 0);
    cl_search_query_free(&q);
}

/* What FTS5 would read as syntax is only ever words: no error, and the
 * records found are those that say the words. */
static void test_injection_is_literal(void **state)
{
    (void)state;
    sqlite3 *db = open_index();
    assert_int_equal(sqlite3_exec(db,
                                  "INSERT INTO search_fts(rowid, body) VALUES"
                                  " (1, 'a b'), (2, 'a OR b'), (3, 'NEAR(a b) here'), (4, 'body: x \"quoted\" (paren)'),"
                                  " (5, 'pinyin zxm')",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    static const struct {
        const char *query, *want;
    } cases[] = {
        {"a OR b", "2,"},
        {"NEAR(a b)", "3,"},
        {"\"", ""},
        {"\"\"\"\"", ""},
        {"(", ""},
        {"a)", "1,2,3,"},
        {"body:x", "4,"},
        {"pinyin:zxm", "5,"},
        {"{body}:x", "4,"},
        {"\"quoted\"", "4,"},
        {"a* b", "1,2,3,"},
        {"^a", "1,2,3,"},
        {"a AND", ""},
        {"NOT a", ""},
        {"a -\"OR\"", "1,3,"},
        {"x + y", ""},
        {"'; DROP TABLE search_fts; --", ""},
        {"zxm", "5,"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *got = matching(db, cases[i].query);
        if (strcmp(got, cases[i].want) != 0)
            fail_msg("query %s: got {%s}, want {%s}", cases[i].query, got, cases[i].want);
        free(got);
    }
    sqlite3_close(db);
}

/* ---- pinyin ------------------------------------------------------------ */

static bool has_word(const char *list, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = list; (p = strstr(p, word)); p += n)
        if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
            return true;
    return false;
}

static void test_pinyin_keys(void **state)
{
    (void)state;
    char *keys;
    OK(cl_pinyin_keys("赵小明", &keys));
    static const char *const want[] = {"zhaoxiaoming", "zhaoxm", "zxm", "zxiaoming", "xiaoming", "xm"};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        if (!has_word(keys, want[i]))
            fail_msg("keys of 赵小明 lack %s: %s", want[i], keys);
    assert_false(has_word(keys, "zhao")); /* a surname alone finds too many */
    free(keys);
    OK(cl_pinyin_keys("吕乐", &keys)); /* ü as v; 乐 is le and yue */
    assert_true(has_word(keys, "lvle"));
    assert_true(has_word(keys, "lvyue"));
    free(keys);
    OK(cl_pinyin_keys("曾小单", &keys)); /* surnames read otherwise than the common word */
    assert_true(has_word(keys, "zengxiaoshan"));
    assert_true(has_word(keys, "zxs"));
    free(keys);
    OK(cl_pinyin_keys("Tom", &keys));
    assert_string_equal(keys, "");
    free(keys);
    const char *r[CL_PINYIN_MAX_READINGS];
    assert_int_equal(cl_pinyin_readings(0x8D75, r), 1); /* 赵 */
    assert_string_equal(r[0], "zhao");
    assert_int_equal(cl_han_fold(0x50B7), 0x4F24); /* 傷 → 伤 */
    assert_int_equal(cl_han_fold('a'), 'a');
    for (size_t i = 1; i < cl_pinyin_table_len; i++)
        assert_true(cl_pinyin_table[i - 1].cp < cl_pinyin_table[i].cp);
    for (size_t i = 1; i < cl_han_fold_table_len; i++)
        assert_true(cl_han_fold_table[i - 1].from < cl_han_fold_table[i].from);
}

static void test_pinyin_matches(void **state)
{
    (void)state;
    static const char *const yes[] = {"z", "zh", "zhang", "zhangs", "zhangsa", "zhangsan", "zs", "zsan", "zhs",
                                      "Zhang", "s", "san"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
        if (!cl_pinyin_matches("张三", yes[i]))
            fail_msg("%s should find 张三", yes[i]);
    static const char *const no[] = {"", "zhangsann", "sz", "zan", "a", "zhang san", "zh1", "张", "zhangsanfeng"};
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
        if (cl_pinyin_matches("张三", no[i]))
            fail_msg("%s should not find 张三", no[i]);
    assert_true(cl_pinyin_matches("吕乐", "lvyue"));  /* every reading of a polyphonic character */
    assert_true(cl_pinyin_matches("吕乐", "lvle"));
    assert_true(cl_pinyin_matches("曾小单", "zengxs"));
    assert_true(cl_pinyin_matches("張三", "zhangsan")); /* traditional, by its simplified form */
    assert_true(cl_pinyin_matches("𠮷小明", "xiaom")); /* a character without a reading (𠮷) is passed over */
    assert_false(cl_pinyin_matches("Tom", "tom"));      /* a Latin name is found by its letters, not here */
    assert_false(cl_pinyin_matches(NULL, "z"));
    assert_true(cl_pinyin_matches("张张张张张张张张", "zhangzhangzhangzhangzhangzhangzhangzhang"));
    assert_false(cl_pinyin_matches("张张张张张张张张", "zhangzhangzhangzhangzhangzhangzhangzhangz"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chinese_bigrams),
        cmocka_unit_test(test_mixed_and_full_width),
        cmocka_unit_test(test_unusual_characters),
        cmocka_unit_test(test_traditional_folds),
        cmocka_unit_test(test_matches_substring_scan),
        cmocka_unit_test(test_query_parse),
        cmocka_unit_test(test_injection_is_literal),
        cmocka_unit_test(test_pinyin_keys),
        cmocka_unit_test(test_pinyin_matches),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
