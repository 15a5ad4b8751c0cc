/* Fuzz target for the text module: decoding, inert output, fitting,
 * wrapping, dates, encoding conversion and identifiers must hold their
 * promises for any bytes. */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "carelog/identifier.h"
#include "carelog/text.h"

static void check_inert(const char *s)
{
    for (int keep = 0; keep < 2; keep++) {
        char *inert = cl_text_inert(s, keep);
        if (!inert)
            return;
        size_t n = strlen(inert);
        if (!cl_utf8_valid(inert, n) || memchr(inert, 0x1b, n) || memchr(inert, '\r', n))
            abort();
        if (!keep && (memchr(inert, '\n', n) || memchr(inert, '\t', n)))
            abort();
        const char *p = inert, *end = inert + n;
        while (p < end) {
            uint32_t cp;
            p += cl_utf8_decode(p, end, &cp);
            if (cl_codepoint_unsafe(cp))
                abort();
        }
        if (!keep && cl_text_width(inert) != cl_text_width(s))
            abort();
        free(inert);
    }
    for (int cells = 0; cells < 12; cells += 3) {
        char *fit = cl_text_fit(s, cells, true);
        if (!fit)
            return;
        if (cl_text_width(fit) != cells || !cl_utf8_valid(fit, strlen(fit)))
            abort();
        free(fit);
    }
}

static void check_dates(const char *s)
{
    char d[11], dt[17];
    if (cl_date_parse(s, d)) {
        char again[11];
        if (!cl_date_parse(d, again) || strcmp(d, again) != 0)
            abort();
        if (cl_date_days(d) == LONG_MIN)
            abort();
    }
    if (cl_datetime_parse(s, dt)) {
        char again[17];
        if (!cl_datetime_parse(dt, again) || strcmp(dt, again) != 0)
            abort();
    }
}

/* Wrapped inert text: no line wider than the width (unless one character
 * is), nothing but spaces and line breaks added or lost. */
static void check_wrap(const char *s)
{
    char *inert = cl_text_inert(s, true);
    if (!inert)
        return;
    for (int width = 1; width < 40; width += 13) {
        char *w = cl_text_wrap(inert, width);
        if (!w)
            break;
        size_t a = 0, b = 0;
        for (const char *p = inert; *p; p++)
            a += *p != ' ' && *p != '\n';
        for (const char *p = w; *p; p++)
            b += *p != ' ' && *p != '\n';
        if (a != b || !cl_utf8_valid(w, strlen(w)))
            abort();
        free(w);
    }
    free(inert);
}

/* A normal form is valid UTF-8, holds nothing unsafe, and is its own
 * normal form. */
static void check_identifier(const char *s)
{
    for (int k = 0; k < 3; k++) {
        char *out = NULL, *again = NULL;
        if (cl_identifier_normalise((cl_identifier_kind)k, s, "x", &out) != CL_OK)
            continue;
        const char *p = out, *end = out + strlen(out);
        while (p < end) {
            uint32_t cp;
            p += cl_utf8_decode(p, end, &cp);
            if (cl_codepoint_unsafe(cp) || cp == '\t' || cp == '\n')
                abort();
        }
        if (cl_identifier_normalise((cl_identifier_kind)k, out, "x", &again) != CL_OK || strcmp(out, again) != 0)
            abort();
        free(out);
        free(again);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *in = (const char *)data;
    bool valid = cl_utf8_valid(in, size);
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    if (valid && !memchr(s, '\0', size))
        (void)cl_utf8_length(s);
    check_inert(s);
    check_dates(s);
    check_wrap(s);
    check_identifier(s);

    static const char *const encodings[] = {"auto", "utf-8", "gb18030"};
    for (size_t e = 0; e < 3; e++) {
        char *out = NULL;
        size_t out_len = 0;
        if (cl_text_to_utf8(in, size, encodings[e], &out, &out_len) == CL_OK) {
            if (!cl_utf8_valid(out, out_len) || strlen(out) != out_len)
                abort();
            free(out);
        } else if (out) {
            abort();
        }
    }
    free(s);
    return 0;
}
