/* The JSON escaper's fast paths (text.c's json_plain_run) against
 * jansson's json_dumps, which wrote every list before them: the same bytes
 * for every text jansson takes, and CL_EDATA for every text it refuses
 * (not UTF-8), whatever the text's alignment and wherever its special
 * bytes fall in an eight-byte word. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "carelog/status.h"
#include "carelog/text.h"

/* Compares one text both ways; on a difference names it in hex. */
static void same_as_jansson(const char *s, size_t n)
{
    json_t *j = json_stringn(s, n);
    char *want = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;
    cl_buf b = {0};
    cl_status st = cl_buf_json_string(&b, s, n);
    cl_error_clear();
    bool same = want ? st == CL_OK && b.len == strlen(want) && memcmp(b.data, want, b.len) == 0 : st == CL_EDATA;
    if (!same) {
        char hex[3 * 64 + 1] = "";
        for (size_t i = 0; i < n && i < 64; i++)
            snprintf(hex + 3 * i, 4, "%02X ", (unsigned char)s[i]);
        print_error("differs for %zu bytes: %s (jansson %s, carelog %s)\n", n, hex, want ? want : "refuses",
                    st == CL_OK ? b.data : "refuses");
    }
    free(want);
    json_decref(j);
    cl_buf_free(&b);
    assert_true(same);
}

/* Every one- and two-byte text, and each after a stretch of plain ASCII
 * that puts it at every place of an eight-byte word. */
static void test_short_texts_everywhere(void **state)
{
    (void)state;
    char s[32];
    for (int a = 0; a < 256; a++)
        for (int b = -1; b < 256; b++)
            for (size_t pad = 0; pad < 10; pad += (b < 0 ? 1 : 9)) {
                memset(s, 'x', pad);
                s[pad] = (char)a;
                size_t n = pad + 1;
                if (b >= 0)
                    s[n++] = (char)b;
                s[n] = 'y'; /* a byte after the text, never read */
                same_as_jansson(s, n);
            }
}

/* Every three-byte sequence led by E0–EF (the fast path's own), whole
 * and cut short, at two alignments and with text after it. */
static void test_three_byte_sequences(void **state)
{
    (void)state;
    char s[32];
    for (int lead = 0xE0; lead <= 0xEF; lead++)
        for (int c1 = 0; c1 < 256; c1++)
            for (int c2 = 0; c2 < 256; c2 += (c1 & 0xC0) == 0x80 ? 1 : 37)
                for (size_t pad = 0; pad < 2; pad++) {
                    memset(s, 'a', 8);
                    s[pad] = (char)lead;
                    s[pad + 1] = (char)c1;
                    s[pad + 2] = (char)c2;
                    same_as_jansson(s, pad + 3);
                    same_as_jansson(s, pad + 8);
                    same_as_jansson(s, pad + 2);
                }
}

/* Random texts, mostly plain with now and then a special or CJK byte,
 * of every length to 80. */
static void test_random_texts(void **state)
{
    (void)state;
    static const char pieces[][4] = {"a", "Z", " ", "~", "\"", "\\", "\n", "\x01", "\x1f", "\x7f", "\xe4\xb8\xad",
                                     "\xed\x9f\xbf", "\xe0\xa0\x80", "\xc3\xa9", "\xf0\x9f\x98\x80", "\x80",
                                     "\xe4\xb8", "\xff", "/", "\x00"};
    char s[400];
    unsigned seed = 12345;
    for (int round = 0; round < 40000; round++) {
        size_t n = 0, want = (size_t)(round % 80);
        while (n < want) {
            seed = seed * 1103515245u + 12345u;
            unsigned r = (seed >> 16) % 100;
            const char *p = r < 80 ? pieces[r % 4] : pieces[4 + r % 16];
            size_t k = r < 80 || p[0] ? strlen(p) : 1;
            memcpy(s + n, p, k);
            n += k;
        }
        same_as_jansson(s, n);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_short_texts_everywhere),
        cmocka_unit_test(test_three_byte_sequences),
        cmocka_unit_test(test_random_texts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
