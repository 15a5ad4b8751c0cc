/* Unit tests for the line editor model: Chinese, combining marks, emoji,
 * 4-byte characters, wrapping, paste, undo. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "carelog/lineedit.h"
#include "unit_support.h"

static void test_chinese_insert_and_move(void **state)
{
    (void)state;
    cl_line l;
    assert_int_equal(cl_line_init(&l, "", false, 0), CL_OK);
    assert_int_equal(cl_line_insert(&l, "情绪低落"), CL_OK);
    assert_int_equal(l.cursor, 12);
    assert_int_equal(cl_line_column(&l), 8);
    assert_true(cl_line_left(&l));
    assert_int_equal(l.cursor, 9);
    assert_int_equal(cl_line_column(&l), 6);
    assert_int_equal(cl_line_insert(&l, "很"), CL_OK);
    assert_string_equal(l.text, "情绪低很落");
    assert_true(cl_line_backspace(&l));
    assert_string_equal(l.text, "情绪低落");
    assert_true(cl_line_home(&l));
    assert_int_equal(l.cursor, 0);
    assert_false(cl_line_left(&l));
    assert_true(cl_line_delete(&l));
    assert_string_equal(l.text, "绪低落");
    assert_true(l.changed);
    cl_line_free(&l);
}

static void test_combining_marks_and_astral(void **state)
{
    (void)state;
    cl_line l;
    /* "e" + U+0301 is one cluster of one cell; 𠮷 is 4 bytes and two cells;
     * 😀 is 4 bytes and two cells. */
    assert_int_equal(cl_line_init(&l, "ae\xCC\x81\xF0\xA0\xAE\xB7\xF0\x9F\x98\x80", false, 0), CL_OK);
    assert_int_equal(cl_line_column(&l), 1 + 1 + 2 + 2);
    assert_true(cl_line_left(&l));
    assert_int_equal(l.cursor, 8);
    assert_true(cl_line_left(&l));
    assert_int_equal(l.cursor, 4);
    assert_true(cl_line_left(&l));
    assert_int_equal(l.cursor, 1); /* before "e", never between e and its accent */
    assert_true(cl_line_delete(&l));
    assert_string_equal(l.text, "a\xF0\xA0\xAE\xB7\xF0\x9F\x98\x80");
    assert_true(cl_line_end(&l));
    assert_true(cl_line_backspace(&l));
    assert_string_equal(l.text, "a\xF0\xA0\xAE\xB7");
    assert_true(cl_line_undo(&l));
    assert_string_equal(l.text, "a\xF0\xA0\xAE\xB7\xF0\x9F\x98\x80");
    assert_false(cl_line_undo(&l));
    cl_line_free(&l);
}

static void test_wrap_never_splits_wide(void **state)
{
    (void)state;
    cl_line l;
    /* 5 cells of "abcde" then 中: at width 6 the wide character does not
     * fit in the last cell and moves whole to the next row. */
    assert_int_equal(cl_line_init(&l, "abcde中文", true, 0), CL_OK);
    cl_line_row rows[4];
    size_t row = 99;
    int col = -1;
    size_t n = cl_line_layout(&l, 6, rows, 4, &row, &col);
    assert_int_equal(n, 2);
    assert_int_equal(rows[0].end - rows[0].start, 5);
    assert_int_equal(rows[0].cells, 5);
    assert_int_equal(rows[1].cells, 4);
    assert_int_equal(row, 1);
    assert_int_equal(col, 4);
    /* A resize of the width lays the same text out again. */
    n = cl_line_layout(&l, 10, rows, 4, &row, &col);
    assert_int_equal(n, 1);
    assert_int_equal(col, 9);
    n = cl_line_layout(&l, 9, rows, 4, &row, &col);
    assert_int_equal(n, 2); /* the cursor after a full row starts the next */
    assert_int_equal(row, 1);
    assert_int_equal(col, 0);
    /* Up keeps the column as near as the text allows. */
    cl_line_free(&l);
    assert_int_equal(cl_line_init(&l, "一二三四五六", true, 0), CL_OK);
    assert_true(cl_line_up(&l, 8));
    assert_int_equal(l.cursor, 6); /* row 0 "一二三四", column 4 → after 二 */
    assert_false(cl_line_up(&l, 8));
    assert_true(cl_line_down(&l, 8));
    assert_int_equal(l.cursor, 18);
    cl_line_free(&l);
}

static void test_paste_and_limits(void **state)
{
    (void)state;
    cl_line one, many;
    assert_int_equal(cl_line_init(&one, "", false, 6), CL_OK);
    assert_int_equal(cl_line_init(&many, "", true, 0), CL_OK);
    /* A pasted paragraph: newlines kept in long text, spaces on one line;
     * escape sequences and bidi overrides never enter the text. */
    const char *paste = "第一行\r\n第二\x1b[31m行\xE2\x80\xAE\tend";
    assert_int_equal(cl_line_insert(&many, paste), CL_OK);
    assert_string_equal(many.text, "第一行\n第二[31m行 end");
    assert_int_equal(cl_line_insert(&one, "多于六个字的文本"), CL_EDATA);
    assert_string_equal(one.text, "");
    assert_int_equal(cl_line_insert(&one, "第一\n二"), CL_OK);
    assert_string_equal(one.text, "第一 二");
    assert_int_equal(cl_line_chars(&one), 4);
    /* Invalid UTF-8 becomes one visible replacement. */
    assert_int_equal(cl_line_insert(&one, "\xff"), CL_OK);
    assert_string_equal(one.text, "第一 二\xEF\xBF\xBD");
    /* Home/End and Ctrl-K work per line in long text. */
    many.cursor = 3;
    assert_true(cl_line_kill_to_end(&many));
    assert_string_equal(many.text, "第\n第二[31m行 end");
    assert_false(cl_line_end(&many));
    assert_int_equal(many.cursor, 3);
    assert_true(cl_line_down(&many, 40));
    assert_true(cl_line_end(&many));
    assert_int_equal(many.cursor, many.len);
    cl_line_free(&one);
    cl_line_free(&many);
}

static void test_words(void **state)
{
    (void)state;
    cl_line l;
    assert_int_equal(cl_line_init(&l, "hello 学生情绪，world", false, 0), CL_OK);
    assert_true(cl_line_word_left(&l));
    assert_int_equal(cl_line_column(&l), 6 + 8 + 2);
    assert_true(cl_line_word_left(&l));
    assert_int_equal(cl_line_column(&l), 6 + 8);
    assert_true(cl_line_word_left(&l));
    assert_int_equal(cl_line_column(&l), 6);
    assert_true(cl_line_word_right(&l));
    assert_int_equal(cl_line_column(&l), 14);
    cl_line_end(&l);
    assert_true(cl_line_delete_word(&l));
    assert_string_equal(l.text, "hello 学生情绪，");
    cl_line_free(&l);
}

#define TYPED_CANARY "typed-into-the-editor-canary"

/* What a counsellor types into a field: the line grown as it is typed,
 * its undo copy, a word deleted, the text set again; none of it stays in
 * freed memory once the field is freed. */
static void type_a_note(void *ctx)
{
    (void)ctx;
    cl_line l;
    assert_int_equal(cl_line_init(&l, "", true, 8000), CL_OK);
    assert_int_equal(cl_line_insert(&l, "她说 " TYPED_CANARY " "), CL_OK);
    for (int i = 0; i < 200; i++) /* the buffer grows, moving more than once */
        assert_int_equal(cl_line_insert(&l, "情绪低落"), CL_OK);
    assert_true(cl_line_delete_word(&l));
    assert_true(cl_line_undo(&l));
    assert_non_null(strstr(l.text, TYPED_CANARY));
    assert_int_equal(cl_line_set(&l, "重写"), CL_OK);
    cl_line_free(&l);
}

static void test_typed_text_wiped(void **state)
{
    (void)state;
    skip_without_malloc_heap();
    expect_path_leaves_nothing(type_a_note, NULL, TYPED_CANARY);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chinese_insert_and_move),
        cmocka_unit_test(test_combining_marks_and_astral),
        cmocka_unit_test(test_wrap_never_splits_wide),
        cmocka_unit_test(test_paste_and_limits),
        cmocka_unit_test(test_words),
        cmocka_unit_test(test_typed_text_wiped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
