/* The document model and its renderers: Markdown never lets stored text
 * become markup, JSON carries every block, a PDF is made in memory and a
 * long value spreads over pages. (The PDF's text, fonts and pixels are
 * checked with poppler's tools in tests/e2e/export_documents.sh.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "carelog/document.h"
#include "unit_support.h"

static cl_doc *sample(void)
{
    cl_doc *d = cl_doc_new("转介摘要 / Referral summary");
    assert_non_null(d);
    cl_doc_set_footer(d, "测试中学 · ABCD-EFGH");
    cl_doc_meta(d, "学校 / School", "测试中学");
    cl_doc_section(d, "学生 / Student");
    cl_doc_pair(d, "姓名 / Name", "张小明");
    cl_doc_pair_confidential(d, "报告人 / Reporter", "王老师");
    cl_doc_pair(d, "备注 / Note", NULL);
    cl_doc_paragraph(d, "# not a heading\n[link](http://x) <b>*bold*</b> | pipe");
    const char *cols[2] = {"日期", "摘要"};
    cl_doc_table(d, 2, cols, NULL);
    const char *row[2] = {"2026-11-01", "a|b\nc"};
    cl_doc_row(d, row);
    assert_true(cl_doc_ok(d));
    return d;
}

static void test_markdown_is_inert(void **state)
{
    (void)state;
    cl_doc *d = sample();
    unsigned char *md;
    size_t len;
    OK(cl_doc_render(d, CL_DOC_MARKDOWN, &md, &len));
    const char *s = (const char *)md;
    assert_int_equal(strlen(s), len);
    assert_non_null(strstr(s, "# 转介摘要 / Referral summary\n"));
    assert_non_null(strstr(s, "- **姓名 / Name**: 张小明\n"));
    assert_non_null(strstr(s, "**报告人 / Reporter** (confidential): 王老师"));
    assert_non_null(strstr(s, "- **备注 / Note**: \xe2\x80\x94\n"));
    assert_non_null(strstr(s, "\\# not a heading"));
    assert_non_null(strstr(s, "\\[link\\](http://x) \\<b\\>\\*bold\\*\\</b\\> \\| pipe"));
    assert_non_null(strstr(s, "| 2026-11-01 | a\\|b<br>c |\n"));
    assert_non_null(strstr(s, "测试中学 · ABCD-EFGH"));
    cl_doc_bytes_free(md, len);
    cl_doc_free(d);
}

/* Markdown reads up to three spaces before a heading, a setext underline
 * or a list marker as the same syntax, and "1." or "1)" as a list. */
static void test_markdown_indented_syntax_is_inert(void **state)
{
    (void)state;
    cl_doc *d = cl_doc_new("t");
    assert_non_null(d);
    cl_doc_paragraph(d, "   # spaced heading\n 2. numbered\n12) also\n  ===\n - item");
    unsigned char *md;
    size_t len;
    OK(cl_doc_render(d, CL_DOC_MARKDOWN, &md, &len));
    const char *s = (const char *)md;
    assert_non_null(strstr(s, "   \\# spaced heading"));
    assert_non_null(strstr(s, " 2\\. numbered"));
    assert_non_null(strstr(s, "12\\) also"));
    assert_non_null(strstr(s, "  \\==="));
    assert_non_null(strstr(s, " \\- item"));
    cl_doc_bytes_free(md, len);
    cl_doc_free(d);
}

static void test_json_carries_blocks(void **state)
{
    (void)state;
    cl_doc *d = sample();
    json_t *j = cl_doc_to_json(d);
    assert_non_null(j);
    json_t *blocks = json_object_get(j, "blocks");
    assert_int_equal(json_array_size(blocks), 6);
    assert_string_equal(json_string_value(json_object_get(json_array_get(blocks, 2), "label")), "报告人 / Reporter");
    assert_true(json_is_true(json_object_get(json_array_get(blocks, 2), "confidential")));
    json_t *table = json_array_get(blocks, 5);
    assert_string_equal(json_string_value(json_object_get(table, "type")), "table");
    assert_string_equal(json_string_value(json_array_get(json_array_get(json_object_get(table, "rows"), 0), 1)),
                        "a|b\nc");
    assert_string_equal(json_string_value(json_object_get(j, "header")), "机密 / Confidential");
    json_decref(j);
    cl_doc_free(d);
}

static void test_pdf_in_memory_and_pages(void **state)
{
    (void)state;
    cl_doc *d = sample();
    unsigned char *pdf;
    size_t len;
    int pages = 0;
    OK(cl_doc_render_pdf(d, &pdf, &len, &pages));
    assert_true(len > 1000);
    assert_memory_equal(pdf, "%PDF-", 5);
    assert_int_equal(pages, 1);
    cl_doc_bytes_free(pdf, len);

    /* A value far longer than a page continues on the following pages. */
    size_t n = 60000;
    char *big = malloc(n + 1);
    assert_non_null(big);
    for (size_t i = 0; i + 3 <= n; i += 3)
        memcpy(big + i, "长", 3);
    big[n / 3 * 3] = '\0';
    cl_doc_pair(d, "事实经过 / What happened", big);
    free(big);
    OK(cl_doc_render_pdf(d, &pdf, &len, &pages));
    assert_true(pages >= 4);
    cl_doc_bytes_free(pdf, len);
    cl_doc_free(d);
}

static void test_bars(void **state)
{
    (void)state;
    cl_doc *d = cl_doc_new("统计");
    const char *labels[3] = {"初二3班", "初一1班", "`tick`"};
    const long long values[3] = {8, 2, 0};
    cl_doc_bars(d, 3, labels, values);
    assert_true(cl_doc_ok(d));
    json_t *j = cl_doc_to_json(d);
    json_t *bars = json_object_get(json_array_get(json_object_get(j, "blocks"), 0), "bars");
    assert_int_equal(json_array_size(bars), 3);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(bars, 0), "value")), 8);
    json_decref(j);
    unsigned char *md;
    size_t len;
    OK(cl_doc_render(d, CL_DOC_MARKDOWN, &md, &len));
    const char *s = (const char *)md;
    assert_non_null(strstr(s, "```\n初二3班"));
    assert_non_null(strstr(s, "\xe2\x96\x88 8\n")); /* a full block, then the count */
    assert_null(strstr(s, "`tick`")); /* a backquote cannot end the code block */
    cl_doc_bytes_free(md, len);
    unsigned char *pdf;
    int pages;
    OK(cl_doc_render_pdf(d, &pdf, &len, &pages));
    assert_int_equal(pages, 1);
    cl_doc_bytes_free(pdf, len);
    cl_doc_free(d);
}

static void test_format_names(void **state)
{
    (void)state;
    cl_doc_format f;
    assert_true(cl_doc_format_parse("pdf", &f) && f == CL_DOC_PDF);
    assert_true(cl_doc_format_parse("md", &f) && f == CL_DOC_MARKDOWN);
    assert_true(cl_doc_format_parse("json", &f) && f == CL_DOC_JSON);
    assert_false(cl_doc_format_parse("docx", &f));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_markdown_is_inert),
        cmocka_unit_test(test_markdown_indented_syntax_is_inert),
        cmocka_unit_test(test_json_carries_blocks),
        cmocka_unit_test(test_pdf_in_memory_and_pages),
        cmocka_unit_test(test_bars),
        cmocka_unit_test(test_format_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
