/* Unit tests for the text module: UTF-8, widths, inert output, fitting,
 * dates and encodings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "carelog/text.h"

#define V(lit) cl_utf8_valid(lit, sizeof(lit) - 1)

static void test_utf8_valid(void **state)
{
    (void)state;
    assert_true(V(""));
    assert_true(V("plain ascii"));
    assert_true(V("张三 中文"));
    assert_true(V("\xF0\xA0\xAE\xB7"));          /* 𠮷 U+20BB7 */
    assert_true(V("\xF4\x8F\xBF\xBF"));          /* U+10FFFF */
    assert_true(V("\xEF\xBF\xBD"));              /* U+FFFD itself */
    assert_false(V("\xC0\xAF"));                 /* overlong / */
    assert_false(V("\xC1\xBF"));
    assert_false(V("\xE0\x80\xAF"));             /* overlong 3-byte */
    assert_false(V("\xF0\x80\x80\xAF"));         /* overlong 4-byte */
    assert_false(V("\xED\xA0\x80"));             /* surrogate U+D800 */
    assert_false(V("\xED\xBF\xBF"));             /* surrogate U+DFFF */
    assert_false(V("\xF4\x90\x80\x80"));         /* U+110000 */
    assert_false(V("\xF5\x80\x80\x80"));
    assert_false(V("\xFF"));
    assert_false(V("\x80"));                     /* lone continuation */
    assert_false(V("\xE4\xB8"));                 /* truncated 中 */
    assert_false(V("ab\xF0\xA0\xAE"));           /* truncated 𠮷 */
    assert_false(V("\xE4\xB8" "A"));
    assert_true(cl_utf8_valid(NULL, 0));
}

static void test_utf8_decode_and_length(void **state)
{
    (void)state;
    const char s[] = "a中\xF0\xA0\xAE\xB7";
    const char *end = s + sizeof s - 1;
    uint32_t cp;
    assert_int_equal(cl_utf8_decode(s, end, &cp), 1);
    assert_int_equal(cp, 'a');
    assert_int_equal(cl_utf8_decode(s + 1, end, &cp), 3);
    assert_int_equal(cp, 0x4E2D);
    assert_int_equal(cl_utf8_decode(s + 4, end, &cp), 4);
    assert_int_equal(cp, 0x20BB7);
    /* Truncated at end: the maximal prefix is one malformed sequence. */
    assert_int_equal(cl_utf8_decode(s + 4, s + 7, &cp), 3);
    assert_int_equal(cp, 0xFFFD);
    const char bad[] = "\xE4\xB8" "A";
    assert_int_equal(cl_utf8_decode(bad, bad + 3, &cp), 2);
    assert_int_equal(cp, 0xFFFD);
    assert_int_equal(cl_utf8_decode(bad + 2, bad + 3, &cp), 1);
    assert_int_equal(cp, 'A');
    assert_int_equal(cl_utf8_length(s), 3);
    assert_int_equal(cl_utf8_length(""), 0);
}

static void test_widths(void **state)
{
    (void)state;
    assert_int_equal(cl_text_width(""), 0);
    assert_int_equal(cl_text_width("hello"), 5);
    assert_int_equal(cl_text_width("中文"), 4);
    assert_int_equal(cl_text_width("张三abc"), 7);
    assert_int_equal(cl_codepoint_width(0x20BB7), 2);     /* 𠮷 */
    assert_int_equal(cl_text_width("\xF0\xA0\xAE\xB7"), 2);
    assert_int_equal(cl_codepoint_width(0x31350), 2);     /* CJK ext H */
    assert_int_equal(cl_codepoint_width(0x2A6DF), 2);     /* CJK ext B */
    assert_int_equal(cl_text_width("e\xCC\x81"), 1);      /* e + U+0301 */
    assert_int_equal(cl_codepoint_width(0x0301), 0);
    assert_int_equal(cl_codepoint_width(0x20D0), 0);
    assert_int_equal(cl_codepoint_width(0xFE20), 0);
    assert_int_equal(cl_codepoint_width(0x1DC0), 0);
    assert_int_equal(cl_codepoint_width(0x1AB0), 0);
    assert_int_equal(cl_codepoint_width(0x1F600), 2);     /* 😀 */
    assert_int_equal(cl_codepoint_width(0x1F914), 2);     /* 🤔 */
    assert_int_equal(cl_text_width("\xF0\x9F\x98\x80"), 2);
    assert_int_equal(cl_text_width("Ａ"), 2);             /* U+FF21 */
    assert_int_equal(cl_codepoint_width(0xFFE5), 2);      /* ￥ */
    assert_int_equal(cl_codepoint_width(0xFF61), 1);      /* halfwidth 。 */
    assert_int_equal(cl_codepoint_width(0x3002), 2);      /* 。 */
    assert_int_equal(cl_codepoint_width(0x3042), 2);      /* あ */
    assert_int_equal(cl_codepoint_width(0x30A2), 2);      /* ア */
    assert_int_equal(cl_codepoint_width(0xAC00), 2);      /* 가 */
    assert_int_equal(cl_codepoint_width(0x3000), 2);      /* ideographic space */
    assert_int_equal(cl_codepoint_width(0x2026), 1);      /* … */
    assert_int_equal(cl_codepoint_width(0x00E9), 1);
    /* Unsafe code points count as their visible replacement. */
    assert_int_equal(cl_codepoint_width(0x1B), 1);
    assert_int_equal(cl_codepoint_width(0x200D), 1);
    assert_int_equal(cl_text_width("a\x1b[31mb"), 7);
    assert_int_equal(cl_text_width("\xFF\xFE"), 2);
    assert_int_equal(cl_text_width(NULL), 0);
}

static void assert_inert(const char *in, bool keep, const char *want)
{
    char *got = cl_text_inert(in, keep);
    assert_non_null(got);
    assert_string_equal(got, want);
    assert_true(cl_utf8_valid(got, strlen(got)));
    free(got);
}

static void test_inert(void **state)
{
    (void)state;
    assert_inert("张三 ok", false, "张三 ok");
    assert_inert("\x1b[31mred", false, "\xEF\xBF\xBD[31mred");
    assert_inert("\xC2\x9B" "31m", false, "\xEF\xBF\xBD" "31m"); /* U+009B CSI */
    assert_inert("\x9b" "31m", false, "\xEF\xBF\xBD" "31m");     /* raw byte */
    assert_inert("a\xE2\x80\xAE" "b", false, "a\xEF\xBF\xBD" "b"); /* RLO */
    assert_inert("a\xE2\x81\xA6" "b", false, "a\xEF\xBF\xBD" "b"); /* LRI */
    assert_inert("a\xE2\x80\x8B" "b", false, "a\xEF\xBF\xBD" "b"); /* ZWSP */
    assert_inert("\xEF\xBB\xBF" "x", false, "\xEF\xBF\xBD" "x");  /* BOM */
    assert_inert("a\x7f" "b\a", false, "a\xEF\xBF\xBD" "b\xEF\xBF\xBD");
    assert_inert("a\nb\tc", false, "a b c");
    assert_inert("a\nb\tc", true, "a\nb c");
    assert_inert("a\r\nb", true, "a\nb");
    assert_inert("a\r\nb", false, "a b");
    assert_inert("a\rb", true, "a\xEF\xBF\xBD" "b");
    /* One replacement per malformed sequence. */
    assert_inert("\xE4\xB8" "A", false, "\xEF\xBF\xBD" "A");
    assert_inert("\xC0\xAF", false, "\xEF\xBF\xBD\xEF\xBF\xBD");
    assert_inert("\xF0\xA0\xAE", false, "\xEF\xBF\xBD");
    assert_inert("\xF3\xA0\x80\x81", false, "\xEF\xBF\xBD");      /* tag */
    assert_inert("e\xCC\x81", false, "e\xCC\x81");
    assert_inert(NULL, false, "");
    /* No escape byte survives, whatever the input. */
    char all[256];
    for (int i = 1; i < 256; i++)
        all[i - 1] = (char)i;
    all[255] = '\0';
    char *out = cl_text_inert(all, false);
    assert_non_null(out);
    assert_null(strchr(out, 0x1b));
    assert_null(strchr(out, '\r'));
    assert_null(strchr(out, '\n'));
    assert_null(strchr(out, 0x7f));
    assert_true(cl_utf8_valid(out, strlen(out)));
    free(out);
}

static void assert_fit(const char *in, int cells, bool pad, const char *want)
{
    char *got = cl_text_fit(in, cells, pad);
    assert_non_null(got);
    assert_string_equal(got, want);
    if (pad)
        assert_int_equal(cl_text_width(got), cells < 0 ? 0 : cells);
    else
        assert_true(cl_text_width(got) <= (cells < 0 ? 0 : cells));
    free(got);
}

static void test_fit(void **state)
{
    (void)state;
    assert_fit("abc", 5, true, "abc  ");
    assert_fit("abc", 5, false, "abc");
    assert_fit("abc", 3, true, "abc");
    assert_fit("abcdef", 4, true, "abc…");
    assert_fit("中文", 4, true, "中文");
    assert_fit("中文", 5, true, "中文 ");
    /* 文 would straddle the last cell before the ellipsis: padded. */
    assert_fit("中文字", 4, true, "中… ");
    assert_fit("中文字", 4, false, "中…");
    assert_fit("中文字", 5, true, "中文…");
    assert_fit("a中文", 3, true, "a… ");
    assert_fit("中文", 1, true, "…");
    assert_fit("中文", 0, true, "");
    assert_fit("中文", -3, true, "");
    assert_fit("\xF0\xA0\xAE\xB7\xF0\xA0\xAE\xB7x", 4, true, "𠮷… ");
    assert_fit("e\xCC\x81" "abc", 2, true, "e\xCC\x81…");
    assert_fit("\x1b[2J", 10, true, "\xEF\xBF\xBD[2J      ");
    assert_fit("a\nb", 3, true, "a b");
    assert_fit(NULL, 2, true, "  ");
}

static void assert_date(const char *in, const char *want)
{
    char out[11] = "";
    if (want) {
        assert_true(cl_date_parse(in, out));
        assert_string_equal(out, want);
    } else {
        assert_false(cl_date_parse(in, out));
    }
}

static void test_dates(void **state)
{
    (void)state;
    assert_date("2026-03-01", "2026-03-01");
    assert_date("2026/3/1", "2026-03-01");
    assert_date("2026/03/01", "2026-03-01");
    assert_date("2026.3.1", "2026-03-01");
    assert_date("2026年3月1日", "2026-03-01");
    assert_date("2026年12月31日", "2026-12-31");
    assert_date("20120305", "2012-03-05"); /* as spreadsheets keep dates */
    assert_date("20120230", NULL);
    assert_date("2012035", NULL);
    assert_date("201203055", NULL);
    assert_date("2024-02-29", "2024-02-29");
    assert_date("2000-02-29", "2000-02-29");
    assert_date("1900-01-01", "1900-01-01");
    assert_date("2200-12-31", "2200-12-31");
    assert_date("2026-02-29", NULL);
    assert_date("1900-02-29", NULL);
    assert_date("2100-02-29", NULL);
    assert_date("1899-12-31", NULL);
    assert_date("2201-01-01", NULL);
    assert_date("2026-04-31", NULL);
    assert_date("2026-13-01", NULL);
    assert_date("2026-00-10", NULL);
    assert_date("2026-01-00", NULL);
    assert_date("2026-03-01x", NULL);
    assert_date("2026-03-01 ", NULL);
    assert_date(" 2026-03-01", NULL);
    assert_date("2026-03/01", NULL);
    assert_date("2026-003-01", NULL);
    assert_date("26-03-01", NULL);
    assert_date("20260301", "2026-03-01"); /* issue 10: accepted, as school rosters write it */
    assert_date("2026年3月1", NULL);
    assert_date("2026年3月1日x", NULL);
    assert_date("2026-+3-01", NULL);
    assert_date("", NULL);
    assert_date(NULL, NULL);
}

static void assert_datetime(const char *in, const char *want)
{
    char out[17] = "";
    if (want) {
        assert_true(cl_datetime_parse(in, out));
        assert_string_equal(out, want);
    } else {
        assert_false(cl_datetime_parse(in, out));
    }
}

static void test_datetimes(void **state)
{
    (void)state;
    assert_datetime("2026-03-01 08:05", "2026-03-01T08:05");
    assert_datetime("2026-03-01T08:05", "2026-03-01T08:05");
    assert_datetime("2026-03-01T23:59:59", "2026-03-01T23:59");
    assert_datetime("2026/3/1 8:05", "2026-03-01T08:05");
    assert_datetime("2024-02-29 00:00", "2024-02-29T00:00");
    assert_datetime("2026-02-29 00:00", NULL);
    assert_datetime("2026-03-01 24:00", NULL);
    assert_datetime("2026-03-01 12:60", NULL);
    assert_datetime("2026-03-01 12:5", NULL);
    assert_datetime("2026-03-01T12:00:60", NULL);
    assert_datetime("2026-03-01T12:00Z", NULL);
    assert_datetime("2026-03-01  12:00", NULL);
    assert_datetime("2026-03-01", NULL);
    assert_datetime("2026-03-01 12:00 ", NULL);
}

static void test_date_days(void **state)
{
    (void)state;
    assert_int_equal(cl_date_days("1970-01-01"), 0);
    assert_int_equal(cl_date_days("1970-01-02"), 1);
    assert_int_equal(cl_date_days("1969-12-31"), -1);
    assert_int_equal(cl_date_days("2000-03-01"), 11017);
    assert_int_equal(cl_date_days("2024-03-01") - cl_date_days("2024-02-28"), 2);
    assert_int_equal(cl_date_days("2026-03-01") - cl_date_days("2026-02-28"), 1);
    assert_int_equal(cl_date_days("1900-01-01"), -25567);
    assert_true(cl_date_days("2026-02-29") == LONG_MIN);
    assert_true(cl_date_days("2026/03/01") == LONG_MIN);
}

static void convert_ok(const char *in, size_t len, const char *enc, const char *want)
{
    char *out = NULL;
    size_t out_len = 0;
    assert_int_equal(cl_text_to_utf8(in, len, enc, &out, &out_len), CL_OK);
    assert_string_equal(out, want);
    assert_int_equal(out_len, strlen(want));
    free(out);
}

static void convert_fails(const char *in, size_t len, const char *enc,
                          cl_status want, const char *msg_part)
{
    char *out = (char *)"untouched";
    cl_error_clear();
    assert_int_equal(cl_text_to_utf8(in, len, enc, &out, NULL), want);
    assert_null(out);
    assert_non_null(strstr(cl_error_message(), msg_part));
}

static void test_encodings(void **state)
{
    (void)state;
    static const char gb[] = "\xD5\xC5\xC8\xFD,\xB3\xF5\xB6\xFE"; /* 张三,初二 */
    convert_ok(gb, sizeof gb - 1, "gb18030", "张三,初二");
    convert_ok(gb, sizeof gb - 1, "auto", "张三,初二");
    convert_ok(gb, sizeof gb - 1, "GBK", "张三,初二");
    /* Four-byte GB18030 for 𠮷. */
    convert_ok("\x95\x34\xB2\x35", 4, "gb18030", "\xF0\xA0\xAE\xB7");
    /* GB18030's own BOM is removed too. */
    convert_ok("\x84\x31\x95\x33" "ab", 6, "gb18030", "ab");
    convert_ok("\xEF\xBB\xBF张三", 9, "auto", "张三");
    convert_ok("\xEF\xBB\xBF张三", 9, "utf-8", "张三");
    convert_ok("张三", 6, "UTF8", "张三");
    convert_ok("张三", 6, "auto", "张三");
    convert_ok("", 0, "auto", "");
    convert_ok("\xEF\xBB\xBF", 3, "auto", "");
    convert_ok(NULL, 0, "utf-8", "");

    convert_fails("ab\xD5\xC5\x80\x80", 6, "gb18030", CL_EDATA, "line 1:");
    convert_fails("ab\xD5", 3, "gb18030", CL_EDATA, "line 1:");
    convert_fails("abc\xFF", 4, "auto", CL_EDATA, "line 1:");
    convert_fails("ab\xE4\xB8", 4, "utf-8", CL_EDATA, "line 1:");
    convert_fails("\xEF\xBB\xBF" "a\xFF", 5, "auto", CL_EDATA, "line 1:");
    convert_fails("\xEF\xBB\xBF" "a", 4, "gb18030", CL_EDATA, "UTF-8");
    convert_fails("\xFF\xFE" "a\0", 4, "auto", CL_EDATA, "UTF-16");
    convert_fails("a\0b", 3, "auto", CL_EDATA, "line 1:");
    convert_fails("a\nb\nc\xFF\n", 7, "utf-8", CL_EDATA, "line 3: not valid UTF-8");
    convert_fails("a\r\nb\n\xD5\xC5\x80\x80", 9, "gb18030", CL_EDATA, "line 3: not valid GB18030");
    convert_fails("a", 1, "latin1", CL_EUSAGE, "latin1");
}

static void test_printf_and_buf(void **state)
{
    (void)state;
    char *s = cl_strdup_printf("%s=%d", "张三", 42);
    assert_string_equal(s, "张三=42");
    free(s);

    cl_buf b = {0};
    assert_int_equal(cl_buf_append(&b, "", 0), CL_OK);
    assert_non_null(b.data);
    assert_string_equal(b.data, "");
    for (int i = 0; i < 1000; i++)
        assert_int_equal(cl_buf_printf(&b, "%d,", i % 10), CL_OK);
    assert_int_equal(b.len, 2000);
    assert_int_equal(cl_buf_puts(&b, "中"), CL_OK);
    assert_int_equal(b.len, 2003);
    assert_int_equal(strlen(b.data), 2003);
    assert_memory_equal(b.data, "0,1,2,", 6);
    char *taken = cl_buf_take(&b);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_int_equal(strlen(taken), 2003);
    free(taken);
    taken = cl_buf_take(&b);
    assert_string_equal(taken, "");
    free(taken);
    cl_buf_free(&b);
    cl_buf_free(NULL);
}

/* Long label/value lines wrap under their value, Chinese breaking
 * anywhere and English at spaces; nothing is lost, nothing is wider. */
static void test_wrap(void **state)
{
    (void)state;
    char *w = cl_text_wrap("情况描述: 今天上课时学生突然情绪崩溃，趴在桌上哭泣\nshort\n", 24);
    assert_string_equal(w, "情况描述: 今天上课时学生\n"
                           "          突然情绪崩溃，\n"
                           "          趴在桌上哭泣\nshort\n");
    free(w);
    w = cl_text_wrap("Note: one two three four five six", 16);
    assert_string_equal(w, "Note: one two\n      three four\n      five six");
    free(w);
    /* A label wider than half the line: the rest under the line's indent. */
    w = cl_text_wrap("  a very long label here: value that goes on", 20);
    assert_string_equal(w, "  a very long label\n  here: value that\n  goes on");
    free(w);
    w = cl_text_wrap("fits", 0);
    assert_string_equal(w, "fits");
    free(w);
    assert_int_equal(cl_text_wrap_piece("一二三四", 12, 5), 6);
    assert_int_equal(cl_text_wrap_piece("一", 3, 1), 3); /* at least one character */
}

/* Strings written as JSON read as Jansson writes them, for every kind of
 * character a record can hold; text that is not UTF-8 is refused and
 * leaves the buffer as it was. */
static void test_json_string_as_jansson(void **state)
{
    (void)state;
    static const char *const pieces[] = {"a", "\"", "\\", "/", "\t", "\n", "\r", "\b", "\f", "\x01", "\x1f", " ",
                                         "\x7f", "é", "赵", "\xe2\x80\xae", "\xe2\x80\xa8", "\xf0\x9f\x98\x80", "#", "'",
                                         /* stretches copied whole: eight ASCII bytes, and
                                          * three-byte characters led by E1–EC, EE–EF */
                                         "abcdefgh", "（", "\xef\xbf\xbd", "\xe1\x80\x80", "\xec\xbf\xbf",
                                         "\xe0\xa0\x80", "\xed\x9f\xbf"};
    unsigned seed = 12345;
    for (int round = 0; round < 2000; round++) {
        char s[256] = "";
        size_t n = 0;
        int parts = round % 24;
        for (int k = 0; k < parts; k++) {
            seed = seed * 1103515245u + 12345u;
            const char *p = pieces[(seed >> 16) % (sizeof pieces / sizeof *pieces)];
            memcpy(s + n, p, strlen(p));
            n += strlen(p);
        }
        s[n] = '\0';
        json_t *j = json_string(s);
        assert_non_null(j);
        char *want = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT);
        cl_buf b = {0};
        assert_int_equal(cl_buf_append(&b, "x", 1), CL_OK);
        assert_int_equal(cl_buf_json_string(&b, s, n), CL_OK);
        assert_string_equal(b.data + 1, want);
        assert_int_equal(b.len, 1 + strlen(want));
        free(want);
        json_decref(j);
        cl_buf_free(&b);
    }
    static const char *const bad[] = {"\xff", "a\xc3", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80",
                                      /* cut or broken where a stretch is copied whole */
                                      "abcdefgh\xe3\x80", "\xe3\x80", "\xe4" "a\x80", "\xe4\x80" "a", "abcdefghij\xff",
                                      "\xef\xbf", "\xe0\x80\x80", "\xed\xbf\xbf", "赵\x80"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        cl_buf b = {0};
        assert_int_equal(cl_buf_append(&b, "[", 1), CL_OK);
        assert_int_equal(cl_buf_json_string(&b, bad[i], strlen(bad[i])), CL_EDATA);
        assert_string_equal(b.data, "[");
        assert_null(json_string(bad[i])); /* refused by Jansson alike */
        cl_buf_free(&b);
    }
}

/* JSON text written inert: every unsafe character becomes its \u escape
 * wherever it stands (the safe stretches are skipped eight bytes at a
 * time), everything else passes as it is. */
static void test_put_json_inert(void **state)
{
    (void)state;
    static const struct {
        const char *raw, *escaped;
    } unsafe[] = {{"\x7f", "\\u007f"}, {"\xc2\x9b", "\\u009b"}, {"\xe2\x80\xae", "\\u202e"},
                  {"\xe2\x80\x8b", "\\u200b"}, {"\xef\xbb\xbf", "\\ufeff"}};
    for (size_t u = 0; u < sizeof unsafe / sizeof *unsafe; u++)
        for (int at = 0; at < 20; at++) {
            char in[64], want[96];
            snprintf(in, sizeof in, "%.*s%s%s", at, "{\"name\":\"abcdefghijklmnopq", unsafe[u].raw, "赵\"}");
            snprintf(want, sizeof want, "%.*s%s%s", at, "{\"name\":\"abcdefghijklmnopq", unsafe[u].escaped, "赵\"}");
            char *out = NULL;
            size_t n = 0;
            FILE *f = open_memstream(&out, &n);
            assert_non_null(f);
            cl_text_put_json(in, strlen(in), f);
            fclose(f);
            assert_string_equal(out, want);
            free(out);
        }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utf8_valid),
        cmocka_unit_test(test_utf8_decode_and_length),
        cmocka_unit_test(test_widths),
        cmocka_unit_test(test_inert),
        cmocka_unit_test(test_fit),
        cmocka_unit_test(test_dates),
        cmocka_unit_test(test_datetimes),
        cmocka_unit_test(test_date_days),
        cmocka_unit_test(test_encodings),
        cmocka_unit_test(test_printf_and_buf),
        cmocka_unit_test(test_json_string_as_jansson),
        cmocka_unit_test(test_put_json_inert),
        cmocka_unit_test(test_wrap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
