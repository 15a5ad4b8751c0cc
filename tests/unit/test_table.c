/* Unit tests for command-line tables: alignment by display width,
 * shrinking to the terminal, inert cells. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "carelog/table.h"
#include "carelog/text.h"

/* Prints t into a string. */
static char *render(const cl_table *t, int max_width)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    assert_int_equal(cl_table_print(t, f, max_width), CL_OK);
    fclose(f);
    return text;
}

/* Display column where each column starts on every line, by width. */
static int column_start(const char *line, size_t line_len, int col)
{
    /* Columns are separated by two spaces; cells here contain no double
     * spaces, so the n-th run of "  " followed by a non-space ends column n. */
    char *copy = strndup(line, line_len);
    assert_non_null(copy);
    int found = 0;
    char *p = copy;
    while (found < col) {
        char *sep = strstr(p, "  ");
        assert_non_null(sep);
        while (*sep == ' ')
            sep++;
        p = sep;
        found++;
    }
    *p = '\0';
    int w = cl_text_width(copy);
    free(copy);
    return w;
}

static void test_alignment_by_width(void **state)
{
    (void)state;
    const char *headers[] = {"学号", "姓名", "班级"};
    cl_table *t = cl_table_new(3, headers);
    assert_non_null(t);
    const char *r1[] = {"20260001", "张三", "初二(3)班"};
    const char *r2[] = {"7", "Li Lei", "G8"};
    const char *r3[] = {"42", "欧阳\xF0\xA0\xAE\xB7", NULL};
    assert_int_equal(cl_table_add_row(t, r1), CL_OK);
    assert_int_equal(cl_table_add_row(t, r2), CL_OK);
    assert_int_equal(cl_table_add_row(t, r3), CL_OK);
    assert_int_equal(cl_table_row_count(t), 3);
    char *text = render(t, 0);
    const char *want =
        "学号      姓名    班级\n"
        "--------  ------  ---------\n"
        "20260001  张三    初二(3)班\n"
        "7         Li Lei  G8\n"
        "42        欧阳𠮷\n";
    assert_string_equal(text, want);
    /* Every line's second and third columns start at the same cell. */
    const char *line = text;
    for (int i = 0; i < 4; i++) {
        const char *nl = strchr(line, '\n');
        assert_int_equal(column_start(line, (size_t)(nl - line), 1), 10);
        if (i != 3)
            assert_int_equal(column_start(line, (size_t)(nl - line), 2), 18);
        line = nl + 1;
    }
    free(text);
    cl_table_free(t);
}

static void test_shrinks_widest(void **state)
{
    (void)state;
    const char *headers[] = {"id", "note", "class"};
    cl_table *t = cl_table_new(3, headers);
    const char *r1[] = {"1", "情绪低落，上课不说话，多次独自哭泣", "初一"};
    assert_int_equal(cl_table_add_row(t, r1), CL_OK);
    char *text = render(t, 24);
    /* Each line fits in 24 cells. */
    const char *line = text;
    int lines = 0;
    while (*line) {
        const char *nl = strchr(line, '\n');
        char *one = strndup(line, (size_t)(nl - line));
        assert_true(cl_text_width(one) <= 24);
        free(one);
        line = nl + 1;
        lines++;
    }
    assert_int_equal(lines, 3);
    assert_non_null(strstr(text, "…"));
    /* The short columns keep their text. */
    assert_non_null(strstr(text, "初一"));
    assert_non_null(strstr(text, "class"));
    assert_string_equal(text,
        "id  note           class\n"
        "--  -------------  -----\n"
        "1   情绪低落，上…  初一\n");
    free(text);
    cl_table_free(t);
}

static void test_escapes_neutralised(void **state)
{
    (void)state;
    cl_table *t = cl_table_new(2, NULL);
    assert_non_null(t);
    const char *r1[] = {"\x1b]0;pwned\a\x1b[2J", "a\nb\r\nc\td"};
    const char *r2[] = {"x\xE2\x80\xAEgpj.exe", "\xC2\x9B" "31m\xFF"};
    assert_int_equal(cl_table_add_row(t, r1), CL_OK);
    assert_int_equal(cl_table_add_row(t, r2), CL_OK);
    char *text = render(t, 0);
    assert_null(strchr(text, 0x1b));
    assert_null(strchr(text, '\a'));
    assert_null(strchr(text, '\r'));
    assert_null(strchr(text, '\t'));
    assert_null(strstr(text, "\xE2\x80\xAE"));
    assert_null(strstr(text, "\xC2\x9B"));
    assert_true(cl_utf8_valid(text, strlen(text)));
    /* Exactly two lines: embedded newlines were flattened. */
    int lines = 0;
    for (const char *p = text; *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, 2);
    free(text);
    cl_table_free(t);
}

static void test_right_align_and_tiny(void **state)
{
    (void)state;
    const char *headers[] = {"班级", "人数"};
    cl_table *t = cl_table_new(2, headers);
    cl_table_align_right(t, 1);
    cl_table_align_right(t, 9);
    const char *r1[] = {"初二(3)班", "5"};
    const char *r2[] = {"G8", "120"};
    assert_int_equal(cl_table_add_row(t, r1), CL_OK);
    assert_int_equal(cl_table_add_row(t, r2), CL_OK);
    char *text = render(t, 0);
    assert_string_equal(text,
                        "班级       人数\n"
                        "---------  ----\n"
                        "初二(3)班     5\n"
                        "G8          120\n");
    free(text);
    /* A terminal far too narrow still gives sane, bounded output. */
    text = render(t, 3);
    assert_string_equal(text,
                        "…  …\n"
                        "-  -\n"
                        "…  5\n"
                        "…  …\n");
    free(text);
    cl_table_free(t);
    assert_null(cl_table_new(0, NULL));
    cl_table_free(NULL);
}

/* A column marked below_when_narrow stays in the table when it fits, and
 * otherwise goes whole under its row, wrapped at a space. */
static void test_below_when_narrow(void **state)
{
    (void)state;
    const char *headers[] = {"Student", "Record", "Why"};
    cl_table *t = cl_table_new(3, headers);
    assert_non_null(t);
    cl_table_below_when_narrow(t, 2);
    const char *r1[] = {"张三", "#12", "follow-up set by session #12 on 2026-10-02"};
    const char *r2[] = {"李四", "", ""};
    assert_int_equal(cl_table_add_row(t, r1), CL_OK);
    assert_int_equal(cl_table_add_row(t, r2), CL_OK);
    char *wide = render(t, 0);
    assert_string_equal(wide,
                        "Student  Record  Why\n"
                        "-------  ------  ------------------------------------------\n"
                        "张三     #12     follow-up set by session #12 on 2026-10-02\n"
                        "李四\n");
    free(wide);
    char *narrow = render(t, 30);
    assert_string_equal(narrow,
                        "Student  Record\n"
                        "-------  ------\n"
                        "张三     #12\n"
                        "    follow-up set by session\n"
                        "    #12 on 2026-10-02\n"
                        "李四\n");
    free(narrow);
    cl_table_free(t);

    /* A table of keys and values wraps the values instead of cutting them. */
    cl_table *pairs = cl_table_new(2, NULL);
    assert_non_null(pairs);
    cl_table_wrap_last(pairs);
    const char *p1[] = {"Flags 警示", "#1 有不如死掉或伤害自己的念头（第9题）"};
    const char *p2[] = {"Name 姓名", "张三"};
    assert_int_equal(cl_table_add_row(pairs, p1), CL_OK);
    assert_int_equal(cl_table_add_row(pairs, p2), CL_OK);
    char *wrapped = render(pairs, 30);
    assert_string_equal(wrapped,
                        "Flags 警示  #1 有不如死掉或伤\n"
                        "            害自己的念头（第9\n"
                        "            题）\n"
                        "Name 姓名   张三\n");
    free(wrapped);
    cl_table_free(pairs);
}

/* A table measured whole, then printed a few rows at a time
 * (cl_table_measure, cl_table_flush), prints exactly what the whole table
 * prints: one header, the same columns, the same narrowing and the same
 * text moved under its row, whatever block the widest cell falls in. */
static void test_blocks_print_as_one(void **state)
{
    (void)state;
    static const char *const headers[] = {"ID", "名字", "Why"};
    char cells[40][3][64];
    for (int r = 0; r < 40; r++) {
        snprintf(cells[r][0], 64, "%d", r * 37);
        snprintf(cells[r][1], 64, "%s", r == 33 ? "欧阳小明明" : r % 2 ? "赵一" : "Li");
        snprintf(cells[r][2], 64, "%s", r == 7 ? "a long reason that moves under its row on a narrow terminal" : "ok");
    }
    for (int width = 0; width <= 40; width += 40) {
        cl_table *whole = cl_table_new(3, headers), *blocks = cl_table_new(3, headers);
        assert_non_null(whole);
        assert_non_null(blocks);
        cl_table_align_right(whole, 0);
        cl_table_align_right(blocks, 0);
        cl_table_below_when_narrow(whole, 2);
        cl_table_below_when_narrow(blocks, 2);
        for (int r = 0; r < 40; r++) {
            const char *row[3] = {cells[r][0], cells[r][1], cells[r][2]};
            assert_int_equal(cl_table_add_row(whole, row), CL_OK);
            assert_int_equal(cl_table_measure(blocks, row), CL_OK);
        }
        char *want = render(whole, width), *got = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&got, &len);
        assert_non_null(f);
        for (int r = 0; r < 40; r++) {
            const char *row[3] = {cells[r][0], cells[r][1], cells[r][2]};
            assert_int_equal(cl_table_add_row(blocks, row), CL_OK);
            if (r % 6 == 5)
                assert_int_equal(cl_table_flush(blocks, f, width), CL_OK);
        }
        assert_int_equal(cl_table_flush(blocks, f, width), CL_OK);
        fclose(f);
        assert_string_equal(got, want);
        free(got);
        free(want);
        cl_table_free(whole);
        cl_table_free(blocks);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alignment_by_width),
        cmocka_unit_test(test_shrinks_widest),
        cmocka_unit_test(test_escapes_neutralised),
        cmocka_unit_test(test_right_align_and_tiny),
        cmocka_unit_test(test_below_when_narrow),
        cmocka_unit_test(test_blocks_print_as_one),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
