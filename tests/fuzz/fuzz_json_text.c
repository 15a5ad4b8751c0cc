/* Fuzz target for the JSON carelog writes by hand (text.h): the due and
 * agenda lists' text comes from cl_buf_json_string and cl_json_row, not
 * from Jansson, and must be what Jansson would have written for any bytes
 * a record can hold: accepted exactly when Jansson accepts the string
 * (UTF-8, no surrogates, nothing past U+10FFFF, no overlong forms), and
 * then byte for byte its compact dump. What the CLI prints of it
 * (cl_text_put_json) must read back as the same data with nothing a
 * terminal acts on left raw. */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "carelog/text.h"

static void string_as_jansson(const char *s, size_t n)
{
    json_t *j = json_stringn(s, n);
    char *want = j ? json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
    if (j && !want)
        abort();
    cl_buf b = {0};
    if (cl_buf_append(&b, "x", 1) != CL_OK)
        abort();
    cl_status st = cl_buf_json_string(&b, s, n);
    if ((st == CL_OK) != (j != NULL))
        abort();
    if (st == CL_OK && (b.len != 1 + strlen(want) || strcmp(b.data + 1, want) != 0))
        abort();
    if (st != CL_OK && (st != CL_EDATA || b.len != 1 || strcmp(b.data, "x") != 0))
        abort();
    cl_buf_free(&b);
    cl_error_clear();
    free(want);
    json_decref(j);
}

/* The input cut at its NULs into up to three texts, each a row's value:
 * the row's text is the dump of the row's object. */
static void row_as_jansson(const char *s, size_t n)
{
    static const char *const keys[] = {"id", "summary", "reason"};
    const char *texts[3];
    size_t count = 0;
    for (const char *p = s; count < 3 && p <= s + n; p += strlen(p) + 1)
        texts[count++] = p;
    cl_buf text = {0};
    cl_json_row as_text = {NULL, &text, true}, as_object = {json_object(), NULL, true};
    if (!as_object.object)
        abort();
    for (size_t i = 0; i < count; i++) {
        cl_json_row_text(&as_text, keys[i], texts[i]);
        cl_json_row_text(&as_object, keys[i], texts[i]);
        if (i == 1) {
            cl_json_row_integer(&as_text, "n", (long long)n - 40);
            cl_json_row_integer(&as_object, "n", (long long)n - 40);
            cl_json_row_null(&as_text, "none");
            cl_json_row_null(&as_object, "none");
        }
    }
    bool ok_text = cl_json_row_close(&as_text), ok_object = cl_json_row_close(&as_object);
    if (ok_text != ok_object)
        abort();
    if (ok_text) {
        char *want = json_dumps(as_object.object, JSON_COMPACT | JSON_PRESERVE_ORDER);
        if (!want || strcmp(text.data, want) != 0)
            abort();
        free(want);
    }
    json_decref(as_object.object);
    cl_buf_free(&text);
    cl_error_clear();
}

/* Printed for the terminal: the same document, and no code point a
 * terminal could act on outside an escape. */
static void printed_inert(const char *s, size_t n)
{
    json_t *j = json_stringn(s, n);
    if (!j)
        return;
    char *dump = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT);
    char *out = NULL;
    size_t out_len = 0;
    FILE *f = open_memstream(&out, &out_len);
    if (!dump || !f)
        abort();
    cl_text_put_json(dump, strlen(dump), f);
    if (fclose(f) != 0)
        abort();
    json_error_t err;
    json_t *back = json_loadb(out, out_len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
    if (!back || !json_equal(back, j))
        abort();
    for (const char *p = out, *end = out + out_len; p < end;) {
        uint32_t cp;
        p += cl_utf8_decode(p, end, &cp);
        if (cl_codepoint_unsafe(cp))
            abort();
    }
    json_decref(back);
    free(out);
    free(dump);
    json_decref(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    string_as_jansson(s, size);
    row_as_jansson(s, size);
    printed_inert(s, size);
    free(s);
    return 0;
}
