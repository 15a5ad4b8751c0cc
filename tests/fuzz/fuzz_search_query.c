/* Fuzz target for search queries: whatever a person types parses or is
 * refused with a usage error, its MATCH expression never raises an FTS5
 * syntax error, the tokenizer keeps its offsets inside the input, and
 * pinyin typed into the students list is matched without harm. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "carelog/pinyin.h"
#include "carelog/search.h"
#include "carelog/status.h"

static sqlite3 *db;

static int check_token(void *ctx, const cl_token *t)
{
    size_t len = *(const size_t *)ctx;
    if (t->start >= t->end || t->end > len || t->len == 0 || t->len > 1024)
        abort();
    return 0;
}

static void run_match(const char *expr)
{
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM search_fts WHERE search_fts MATCH ?", -1, &q, NULL) !=
        SQLITE_OK)
        abort();
    sqlite3_bind_text(q, 1, expr, -1, SQLITE_STATIC);
    if (sqlite3_step(q) != SQLITE_ROW)
        abort(); /* a syntax error would be a term spliced in unquoted */
    sqlite3_finalize(q);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!db) {
        if (sqlite3_open(":memory:", &db) != SQLITE_OK || cl_search_register(db) != CL_OK ||
            sqlite3_exec(db,
                         "CREATE VIRTUAL TABLE search_fts USING fts5(body, pinyin, tokenize='carelog');"
                         "INSERT INTO search_fts VALUES ('网贷 宿舍 割腕 qq NEAR and OR', 'zxm zhaoxm');",
                         NULL, NULL, NULL) != SQLITE_OK)
            abort();
    }
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    size_t len = size;
    for (int q = 0; q < 2; q++)
        if (cl_search_tokenize(text, size, q, check_token, &len) != 0)
            abort();
    cl_search_query query;
    cl_status st = cl_search_query_parse(text, &query);
    if (st != CL_OK && st != CL_EUSAGE)
        abort();
    if (st == CL_OK) {
        char *match = NULL, *excluded = NULL;
        if (cl_search_query_match(&query, &match, &excluded) != CL_OK)
            abort();
        if (match)
            run_match(match);
        if (excluded)
            run_match(excluded);
        free(match);
        free(excluded);
        cl_search_query_free(&query);
    }
    /* What is typed into the students list, against names of every kind
     * and against the input as a name: an answer, never a crash. */
    static const char *const names[] = {"张三", "曾小单", "𠮷田", "Tom", "", "张张张张张张张张张张"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        (void)cl_pinyin_matches(names[i], text);
    (void)cl_pinyin_matches(text, "zhangsan");
    (void)cl_pinyin_matches(text, text);
    free(text);
    return 0;
}
