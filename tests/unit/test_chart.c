/* Terminal bar charts: aligned by display cells, never wider than asked,
 * the longest bar filling the room, small counts still visible. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "carelog/chart.h"
#include "carelog/text.h"

/* A column's count fits its cells whatever its size: thousands and
 * millions shortened, never cut to a wrong number. */
static void test_count_fits(void **state)
{
    (void)state;
    static const struct {
        long long n;
        int cells;
        const char *want;
    } cases[] = {{0, 4, "0"}, {999, 3, "999"}, {9999, 4, "9999"}, {10000, 4, "10k"}, {19234, 4, "19k"},
                 {999999, 4, "999k"}, {1000000, 4, "1M"}, {1234, 3, "1k"}, {123456789, 4, "123M"}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char out[24];
        cl_chart_count_fit(cases[i].n, cases[i].cells, out, sizeof out);
        assert_string_equal(out, cases[i].want);
    }
}

static void test_aligned_at_80(void **state)
{
    (void)state;
    const char *labels[] = {"初二3班", "七年级(1)班", "a very long english class name that must be cut", "x"};
    const long long values[] = {12, 3, 0, 1};
    char *chart = cl_chart_bars(labels, values, 4, 80);
    assert_non_null(chart);
    int lines = 0, bar_col = -1;
    for (char *line = strtok(chart, "\n"); line; line = strtok(NULL, "\n"), lines++) {
        assert_true(cl_text_width(line) <= 80);
        /* The bars start in one column (a zero has no bar). */
        if (values[lines] == 0)
            continue;
        char *two = strstr(line, "\xe2\x96"); /* the first block character */
        assert_non_null(two);
        char save = two[0];
        two[0] = '\0';
        int col = cl_text_width(line);
        two[0] = save;
        if (bar_col < 0)
            bar_col = col;
        assert_int_equal(col, bar_col);
        if (lines == 0) /* the largest value fills the room left */
            assert_int_equal(cl_text_width(line), 80);
    }
    assert_int_equal(lines, 4);
    free(chart);
}

static void test_small_counts_show(void **state)
{
    (void)state;
    const char *labels[] = {"a", "b", "c"};
    const long long values[] = {10000, 1, 0};
    char *chart = cl_chart_bars(labels, values, 3, 40);
    assert_non_null(chart);
    char *second = strchr(chart, '\n') + 1;
    assert_memory_equal(second, "b  ▏", strlen("b  ▏"));
    char *third = strchr(second, '\n') + 1;
    assert_string_equal(third, "c   0\n");
    free(chart);
    char *empty = cl_chart_bars(NULL, NULL, 0, 80);
    assert_string_equal(empty, "");
    free(empty);
}

/* A narrow chart can keep its labels whole and still fit its width. */
static void test_labels_given_room(void **state)
{
    (void)state;
    const char *labels[] = {"0 none", "1 attention"};
    const long long values[] = {12, 3};
    char *cut = cl_chart_bars(labels, values, 2, 28);
    assert_non_null(strstr(cut, "1 attent…"));
    char *whole = cl_chart_bars_labelled(labels, values, 2, 28, 14);
    assert_non_null(strstr(whole, "1 attention  "));
    for (char *line = whole; *line; line = strchr(line, '\n') + 1) {
        char *end = strchr(line, '\n');
        *end = '\0';
        assert_true(cl_text_width(line) <= 28);
        *end = '\n';
    }
    free(cut);
    free(whole);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_count_fits),
        cmocka_unit_test(test_aligned_at_80),
        cmocka_unit_test(test_small_counts_show),
        cmocka_unit_test(test_labels_given_room),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
