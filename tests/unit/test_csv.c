/* Unit tests for the CSV reader and writer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "carelog/csv.h"
#include "carelog/text.h"

static cl_csv *parse_ok(const char *data, size_t len, const char *enc)
{
    cl_csv *csv = NULL;
    cl_status st = cl_csv_parse(data, len, enc, &csv);
    if (st != CL_OK)
        fail_msg("parse failed: %s", cl_error_message());
    assert_non_null(csv);
    return csv;
}

#define PARSE(lit) parse_ok(lit, sizeof(lit) - 1, "auto")

static void assert_row(const cl_csv *csv, size_t i, size_t line, size_t n, ...)
{
    const cl_csv_row *row = cl_csv_row_at(csv, i);
    assert_non_null(row);
    assert_int_equal(row->line, line);
    assert_int_equal(row->nfields, n);
    va_list ap;
    va_start(ap, n);
    for (size_t f = 0; f < n; f++)
        assert_string_equal(row->fields[f], va_arg(ap, const char *));
    va_end(ap);
}

static void parse_fails(const char *data, size_t len, const char *enc,
                        cl_status want, const char *msg)
{
    cl_csv *csv = (cl_csv *)&csv;
    cl_error_clear();
    assert_int_equal(cl_csv_parse(data, len, enc, &csv), want);
    assert_null(csv);
    if (!strstr(cl_error_message(), msg))
        fail_msg("message \"%s\" lacks \"%s\"", cl_error_message(), msg);
}

static void test_basic_and_quotes(void **state)
{
    (void)state;
    cl_csv *csv = PARSE("学号,姓名,班级\n"
                        "1,张三,\"初二(3)班\"\n"
                        "2,\"李, 四\",\"他说\"\"不想上学\"\"\"\n"
                        "  3 , 王五 ,\" padded \" \n"
                        "4,,\n");
    assert_int_equal(cl_csv_row_count(csv), 5);
    assert_row(csv, 0, 1, 3, "学号", "姓名", "班级");
    assert_row(csv, 1, 2, 3, "1", "张三", "初二(3)班");
    assert_row(csv, 2, 3, 3, "2", "李, 四", "他说\"不想上学\"");
    assert_row(csv, 3, 4, 3, "3", "王五", " padded ");
    assert_row(csv, 4, 5, 3, "4", "", "");
    assert_null(cl_csv_row_at(csv, 5));
    assert_string_equal(cl_csv_field(cl_csv_row_at(csv, 4), 7), "");
    cl_csv_free(csv);
}

static void test_embedded_newlines_and_lines(void **state)
{
    (void)state;
    cl_csv *csv = PARSE("id,note\r\n"
                        "1,\"第一行\r\n第二行\r\n第三行\"\r\n"
                        "\r\n"
                        "2,ok\r\n"
                        "   \r\n"
                        ",,\r\n"
                        "3,\"a\nb\"\n"
                        "4,last");
    assert_int_equal(cl_csv_row_count(csv), 5);
    assert_row(csv, 0, 1, 2, "id", "note");
    assert_row(csv, 1, 2, 2, "1", "第一行\n第二行\n第三行");
    assert_row(csv, 2, 6, 2, "2", "ok");
    assert_row(csv, 3, 9, 2, "3", "a\nb");
    assert_row(csv, 4, 11, 2, "4", "last");
    cl_csv_free(csv);

    /* A row whose first field is a multi-line quoted field starts on the
     * line of its opening quote. */
    csv = PARSE("\n\n\"x\ny\",z\nw\n");
    assert_int_equal(cl_csv_row_count(csv), 2);
    assert_row(csv, 0, 3, 2, "x\ny", "z");
    assert_row(csv, 1, 5, 1, "w");
    cl_csv_free(csv);

    /* Old Mac line ends (CR alone) count as lines too. */
    csv = PARSE("a\rb\r\"c\rd\"\re");
    assert_int_equal(cl_csv_row_count(csv), 4);
    assert_row(csv, 2, 3, 1, "c\nd");
    assert_row(csv, 3, 5, 1, "e");
    cl_csv_free(csv);
}

static void test_encodings(void **state)
{
    (void)state;
    cl_csv *csv = PARSE("\xEF\xBB\xBF姓名,备注\n张三,\xF0\xA0\xAE\xB7\n");
    assert_int_equal(cl_csv_row_count(csv), 2);
    assert_row(csv, 0, 1, 2, "姓名", "备注");
    assert_row(csv, 1, 2, 2, "张三", "𠮷");
    cl_csv_free(csv);

    /* 姓名,班级 / 张三,初二 / 吉,𠮷 in GB18030. */
    static const char gb[] = "\xD0\xD5\xC3\xFB,\xB0\xE0\xBC\xB6\r\n"
                             "\xD5\xC5\xC8\xFD,\xB3\xF5\xB6\xFE\r\n"
                             "\xBC\xAA,\x95\x34\xB2\x35\r\n";
    csv = parse_ok(gb, sizeof gb - 1, "auto");
    assert_int_equal(cl_csv_row_count(csv), 3);
    assert_row(csv, 0, 1, 2, "姓名", "班级");
    assert_row(csv, 1, 2, 2, "张三", "初二");
    assert_row(csv, 2, 3, 2, "吉", "𠮷");
    cl_csv_free(csv);
    csv = parse_ok(gb, sizeof gb - 1, "gb18030");
    assert_int_equal(cl_csv_row_count(csv), 3);
    cl_csv_free(csv);

    parse_fails(gb, sizeof gb - 1, "utf-8", CL_EDATA, "line 1:");
    parse_fails("a,b\n\xD5\xC5\x80\n", 7, "gb18030", CL_EDATA, "line 2:");
    parse_fails("a,b", 3, "ebcdic", CL_EUSAGE, "ebcdic");
}

static void test_errors(void **state)
{
    (void)state;
    parse_fails("a,b\nc,d\n\"open,e\nf,g\n", 20, "auto", CL_EDATA,
                "line 3: unterminated quoted field");
    parse_fails("a,b\n1,2\n3,\"x\n", 13, "auto", CL_EDATA,
                "line 3: unterminated quoted field");
    parse_fails("a,b\n1,ab\"c\n", 11, "auto", CL_EDATA,
                "line 2: a quote inside an unquoted field");
    parse_fails("a,b\n1,\"x\ny\"z\n", 13, "auto", CL_EDATA,
                "line 3: text after the closing quote");
    parse_fails("a,\0b", 4, "auto", CL_EDATA, "NUL");

    cl_csv *csv = PARSE("");
    assert_int_equal(cl_csv_row_count(csv), 0);
    cl_csv_free(csv);
    csv = PARSE("\n\r\n \n");
    assert_int_equal(cl_csv_row_count(csv), 0);
    cl_csv_free(csv);
    cl_csv_free(NULL);
}

static void test_writer(void **state)
{
    (void)state;
    cl_buf b = {0};
    const char *row[] = {"张三", "a,b", "say \"hi\"", "two\nlines", " pad", "",
                         NULL, "=1+1", "-5", "@x", "\tt", "+86 138"};
    assert_int_equal(cl_csv_write_row(&b, 12, row, false), CL_OK);
    assert_string_equal(b.data, "张三,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\","
                                "\" pad\",,,=1+1,-5,@x,\"\tt\",+86 138\r\n");
    cl_buf_free(&b);
    assert_int_equal(cl_csv_write_row(&b, 12, row, true), CL_OK);
    assert_string_equal(b.data, "张三,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\","
                                "\" pad\",,,'=1+1,'-5,'@x,\"'\tt\",'+86 138\r\n");

    /* What the writer produces, the reader reads back. */
    cl_csv *csv = parse_ok(b.data, b.len, "utf-8");
    const cl_csv_row *r = cl_csv_row_at(csv, 0);
    assert_int_equal(r->nfields, 12);
    assert_string_equal(r->fields[2], "say \"hi\"");
    assert_string_equal(r->fields[3], "two\nlines");
    assert_string_equal(r->fields[4], " pad");
    assert_string_equal(r->fields[7], "'=1+1");
    cl_csv_free(csv);
    cl_buf_free(&b);

    /* A field starting with U+FEFF must not turn into a byte order mark. */
    assert_int_equal(cl_csv_write_field(&b, "\xEF\xBB\xBFx"), CL_OK);
    assert_string_equal(b.data, "\"\xEF\xBB\xBFx\"");
    csv = parse_ok(b.data, b.len, "auto");
    assert_string_equal(cl_csv_field(cl_csv_row_at(csv, 0), 0), "\xEF\xBB\xBFx");
    cl_csv_free(csv);
    cl_buf_free(&b);

    assert_int_equal(cl_csv_write_field(&b, "trail "), CL_OK);
    assert_int_equal(cl_csv_write_field_safe(&b, "\r=x"), CL_OK);
    assert_string_equal(b.data, "\"trail \"\"'\r=x\"");
    cl_buf_free(&b);
}

/* Every start a spreadsheet would evaluate is defused, and nothing else
 * is touched: a minus inside a field, a full-width character that is not
 * an operator, a plain name. */
static void test_formula_guard(void **state)
{
    (void)state;
    static const char *const defused[] = {"=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\r=x",
                                          "＝1+1", "＋1", "－1", "＠SUM(A1)"};
    for (size_t i = 0; i < sizeof defused / sizeof *defused; i++) {
        cl_buf b = {0};
        assert_int_equal(cl_csv_write_field_safe(&b, defused[i]), CL_OK);
        const char *text = b.data[0] == '"' ? b.data + 1 : b.data;
        if (text[0] != '\'')
            fail_msg("\"%s\" was written as \"%s\"", defused[i], b.data);
        cl_buf_free(&b);
    }
    static const char *const kept[] = {"a-b", "赵小明", "（备注）", "2026-01-01", "", "'quoted"};
    for (size_t i = 0; i < sizeof kept / sizeof *kept; i++) {
        cl_buf b = {0};
        assert_int_equal(cl_csv_write_field_safe(&b, kept[i]), CL_OK);
        assert_string_equal(b.data ? b.data : "", kept[i]);
        cl_buf_free(&b);
    }
    /* Unsafe writing (the roster's own round trip) leaves them as they are. */
    cl_buf b = {0};
    assert_int_equal(cl_csv_write_field(&b, "＝1"), CL_OK);
    assert_string_equal(b.data, "＝1");
    cl_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic_and_quotes),
        cmocka_unit_test(test_embedded_newlines_and_lines),
        cmocka_unit_test(test_encodings),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_writer),
        cmocka_unit_test(test_formula_guard),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
