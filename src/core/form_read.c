/* Readers for the pieces of a form definition line: tokens, ids, numbers,
 * bilingual text and conditions, each failing with the exact column. The
 * lines themselves are handled in form_parse.c. */
#include "form_internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "carelog/text.h"
#include "carelog/i18n.h"

#define ID_MAX 64
#define NUMBER_ABS_MAX 1e15

const char *const cl_fp_type_names[] = {
    [CL_FIELD_TEXT] = "text",       [CL_FIELD_LONGTEXT] = "longtext",
    [CL_FIELD_DATE] = "date",       [CL_FIELD_DATETIME] = "datetime",
    [CL_FIELD_NUMBER] = "number",   [CL_FIELD_BOOL] = "yesno",
    [CL_FIELD_CHOICE] = "choice",   [CL_FIELD_MULTI] = "multi",
    [CL_FIELD_SCALE] = "scale",     [CL_FIELD_GROUP] = "group",
    [CL_FIELD_STUDENT] = "student",
};

/* ---- errors ----------------------------------------------------------- */

unsigned cl_fp_column(const cl_fp_parser *P, const char *at)
{
    unsigned col = 1;
    if (!at)
        return 1;
    for (const char *p = P->ls; p < at && p < P->le; p++)
        if (((unsigned char)*p & 0xC0) != 0x80)
            col++;
    return col;
}

cl_status cl_fp_fail_at(const cl_fp_parser *P, unsigned line, unsigned col,
                         const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return cl_fail(CL_EDATA, "%s:%u:%u: %s", P->file, line, col, msg);
}


cl_status cl_fp_oom(void)
{
    return cl_fail(CL_ESOFTWARE, _("out of memory"));
}

/* ---- small helpers ---------------------------------------------------- */

/* Grows an array whose capacity is implied by its length (the next power of
 * two), so no capacity has to be stored next to the public arrays. */
void *cl_fp_grow(void *arr, size_t n, size_t elem)
{
    if (n != 0 && (n & (n - 1)) != 0)
        return arr;
    size_t cap = n ? n * 2 : 1;
    if (cap > SIZE_MAX / elem)
        return NULL;
    return realloc(arr, cap * elem);
}

char *cl_fp_dup(const char *s, const char *e)
{
    size_t n = (size_t)(e - s);
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

bool cl_fp_token_is(const char *s, const char *e, const char *word)
{
    size_t n = strlen(word);
    return (size_t)(e - s) == n && memcmp(s, word, n) == 0;
}

/* Whitespace includes U+3000, which a Chinese input method types for a
 * space in full-width mode. Returns its length in bytes, or 0. */
size_t cl_fp_space_len(const char *p, const char *e)
{
    if (p < e && (*p == ' ' || *p == '\t'))
        return 1;
    if (e - p >= 3 && (unsigned char)p[0] == 0xE3 && (unsigned char)p[1] == 0x80 &&
        (unsigned char)p[2] == 0x80)
        return 3;
    return 0;
}

const char *cl_fp_skip_space(const char *p, const char *e)
{
    size_t n;
    while ((n = cl_fp_space_len(p, e)) != 0)
        p += n;
    return p;
}

static const char *cl_fp_trim_end(const char *s, const char *e)
{
    for (;;) {
        if (e > s && (e[-1] == ' ' || e[-1] == '\t'))
            e--;
        else if (e - s >= 3 && cl_fp_space_len(e - 3, e) == 3)
            e -= 3;
        else
            return e;
    }
}

/* Reads one whitespace-separated token at *pp; false at the end of line. */
bool cl_fp_next_token(const cl_fp_parser *P, const char **pp, const char **ts, const char **te)
{
    const char *p = cl_fp_skip_space(*pp, P->le);
    if (p >= P->le)
        return false;
    *ts = p;
    while (p < P->le && cl_fp_space_len(p, P->le) == 0)
        p++;
    *te = p;
    *pp = p;
    return true;
}

cl_status cl_fp_check_id(const cl_fp_parser *P, const char *s, const char *e, const char *what)
{
    if (s == e)
        return PERR(P, s, _("expected %s"), what);
    if (!(*s >= 'a' && *s <= 'z'))
        return PERR(P, s, _("%s must start with a lowercase letter a-z"), what);
    for (const char *p = s; p < e; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
            return PERR(P, p, _("%s may only use a-z, 0-9 and _"), what);
    if (e - s > ID_MAX)
        return PERR(P, s, _("%s is longer than %d characters"), what, ID_MAX);
    return CL_OK;
}

/* Reads an identifier token; *te is set to its end. */
cl_status cl_fp_read_id(const cl_fp_parser *P, const char **pp, const char *what,
                         const char **ts, const char **te)
{
    if (!cl_fp_next_token(P, pp, ts, te))
        return PERR(P, P->le, _("expected %s"), what);
    return cl_fp_check_id(P, *ts, *te, what);
}

cl_status cl_fp_expect_end(const cl_fp_parser *P, const char *p)
{
    p = cl_fp_skip_space(p, P->le);
    if (p < P->le)
        return PERR(P, p, _("unexpected text at the end of the line"));
    return CL_OK;
}

/* A plain decimal number: -?[0-9]+(.[0-9]+)? */
bool cl_fp_parse_number(const char *s, const char *e, double *out, bool *integral)
{
    const char *p = s;
    char buf[40];
    if (p < e && *p == '-')
        p++;
    const char *digits = p;
    while (p < e && *p >= '0' && *p <= '9')
        p++;
    if (p == digits || p - digits > 15)
        return false;
    *integral = true;
    if (p < e && *p == '.') {
        const char *frac = ++p;
        while (p < e && *p >= '0' && *p <= '9')
            p++;
        if (p == frac || p - frac > 6)
            return false;
        *integral = false;
    }
    if (p != e || (size_t)(e - s) >= sizeof buf)
        return false;
    memcpy(buf, s, (size_t)(e - s));
    buf[e - s] = '\0';
    *out = strtod(buf, NULL);
    return isfinite(*out) && fabs(*out) <= NUMBER_ABS_MAX;
}

cl_status cl_fp_read_number(const cl_fp_parser *P, const char **pp, const char *what,
                             bool want_integer, const char **ts, double *out)
{
    const char *te;
    bool integral;
    if (!cl_fp_next_token(P, pp, ts, &te))
        return PERR(P, P->le, _("expected %s"), what);
    if (!cl_fp_parse_number(*ts, te, out, &integral))
        return PERR(P, *ts, _("%s must be a number like 10 or 2.5"), what);
    if (want_integer && !integral)
        return PERR(P, *ts, _("%s must be a whole number"), what);
    return CL_OK;
}

/* "中文 | English": both halves required, separated by | or the full-width
 * ｜ a Chinese input method types. */
cl_status cl_fp_read_bilingual(const cl_fp_parser *P, const char *p, const char *what,
                                char **zh, char **en)
{
    p = cl_fp_skip_space(p, P->le);
    const char *end = cl_fp_trim_end(p, P->le);
    if (p >= end)
        return PERR(P, p, _("expected %s: 中文 | English"), what);
    const char *sep = NULL, *after = NULL;
    for (const char *q = p; q < end; q++) {
        size_t sl = *q == '|' ? 1
                  : (end - q >= 3 && memcmp(q, "\xEF\xBD\x9C", 3) == 0) ? 3 : 0;
        if (!sl)
            continue;
        if (sep)
            return PERR(P, q, _("only one | is allowed in %s: 中文 | English"), what);
        sep = q;
        after = q + sl;
        q += sl - 1;
    }
    if (!sep)
        return PERR(P, p, _("%s needs Chinese and English separated by |, "
                    "e.g. 姓名 | Name"), what);
    const char *zh_end = cl_fp_trim_end(p, sep);
    const char *en_start = cl_fp_skip_space(after, end);
    if (zh_end == p)
        return PERR(P, p, _("%s has no Chinese text before |"), what);
    if (en_start == end)
        return PERR(P, sep, _("%s has no English text after |"), what);
    *zh = cl_fp_dup(p, zh_end);
    *en = cl_fp_dup(en_start, end);
    if (!*zh || !*en) {
        free(*zh);
        free(*en);
        *zh = *en = NULL;
        return cl_fp_oom();
    }
    return CL_OK;
}

/* ---- conditions ------------------------------------------------------- */

static bool is_op_char(char c)
{
    return c == '=' || c == '!' || c == '<' || c == '>';
}

/* FIELD OP VALUE, against the fields defined above in this scope. */
cl_status cl_fp_read_condition(cl_fp_parser *P, const char *p, const cl_field *fields,
                                size_t n, const char *self, cl_condition *c)
{
    p = cl_fp_skip_space(p, P->le);
    const char *fs = p;
    while (p < P->le && ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
        p++;
    cl_status st = cl_fp_check_id(P, fs, p, _("a field id"));
    if (st != CL_OK)
        return st;
    const cl_field *ctl = NULL;
    for (size_t i = 0; i < n; i++)
        if (cl_fp_token_is(fs, p, fields[i].id))
            ctl = &fields[i];
    if (self && cl_fp_token_is(fs, p, self))
        return PERR(P, fs, _("a field cannot depend on itself"));
    if (!ctl)
        return PERR(P, fs, _("unknown field '%.*s' (a condition can only name a "
                    "field defined above it%s)"), (int)(p - fs), fs,
                    P->in_group ? _(" in the same group") : "");

    p = cl_fp_skip_space(p, P->le);
    const char *os = p;
    if (p < P->le && is_op_char(*p)) {
        while (p < P->le && is_op_char(*p))
            p++;
    } else {
        while (p < P->le && cl_fp_space_len(p, P->le) == 0)
            p++;
    }
    cl_cond_op op;
    if (cl_fp_token_is(os, p, "=") || cl_fp_token_is(os, p, "=="))
        op = CL_COND_EQ;
    else if (cl_fp_token_is(os, p, "!="))
        op = CL_COND_NE;
    else if (cl_fp_token_is(os, p, "contains"))
        op = CL_COND_CONTAINS;
    else if (cl_fp_token_is(os, p, "<"))
        op = CL_COND_LT;
    else if (cl_fp_token_is(os, p, "<="))
        op = CL_COND_LE;
    else if (cl_fp_token_is(os, p, ">"))
        op = CL_COND_GT;
    else if (cl_fp_token_is(os, p, ">="))
        op = CL_COND_GE;
    else
        return PERR(P, os, _("expected =, !=, contains, <, <=, > or >= after the "
                    "field id"));

    const char *vs, *ve;
    if (!cl_fp_next_token(P, &p, &vs, &ve))
        return PERR(P, P->le, _("expected a value after the operator"));
    if ((st = cl_fp_expect_end(P, p)) != CL_OK)
        return st;

    bool ordered = op >= CL_COND_LT;
    char numbuf[32];
    const char *canon = NULL;
    double num = 0;
    switch (ctl->type) {
    case CL_FIELD_BOOL:
        if (op != CL_COND_EQ && op != CL_COND_NE)
            return PERR(P, os, _("a yes/no field takes = or !="));
        if (cl_fp_token_is(vs, ve, "yes") || cl_fp_token_is(vs, ve, "是"))
            canon = "yes";
        else if (cl_fp_token_is(vs, ve, "no") || cl_fp_token_is(vs, ve, "否"))
            canon = "no";
        else
            return PERR(P, vs, _("%s is a yes/no field: the value must be yes or no"),
                        ctl->id);
        break;
    case CL_FIELD_CHOICE:
    case CL_FIELD_MULTI:
        if (ctl->type == CL_FIELD_MULTI && op != CL_COND_CONTAINS)
            return PERR(P, os, _("%s is a multi field: use contains"), ctl->id);
        if (ctl->type == CL_FIELD_CHOICE && op != CL_COND_EQ && op != CL_COND_NE)
            return PERR(P, os, _("a choice field takes = or !="));
        for (size_t i = 0; i < ctl->n_choices; i++)
            if (cl_fp_token_is(vs, ve, ctl->choices[i].id))
                canon = ctl->choices[i].id;
        if (!canon)
            return PERR(P, vs, _("'%.*s' is not a choice of %s"), (int)(ve - vs), vs,
                        ctl->id);
        break;
    case CL_FIELD_NUMBER:
    case CL_FIELD_SCALE: {
        bool integral;
        if (op == CL_COND_CONTAINS)
            return PERR(P, os, _("contains is only for multi fields"));
        if (!cl_fp_parse_number(vs, ve, &num, &integral))
            return PERR(P, vs, _("%s is a number: the value must be a number"), ctl->id);
        if (ctl->type == CL_FIELD_SCALE &&
            (!integral || num < ctl->min || num > ctl->max))
            return PERR(P, vs, _("the value must be a whole number from %.0f to %.0f"),
                        ctl->min, ctl->max);
        snprintf(numbuf, sizeof numbuf, "%.*s", (int)(ve - vs), vs);
        canon = numbuf;
        break;
    }
    default:
        return PERR(P, fs, _("a condition can only name a yes/no, choice, multi, "
                    "scale or number field; %s is %s"), ctl->id, cl_fp_type_names[ctl->type]);
    }
    if (ordered && ctl->type != CL_FIELD_NUMBER && ctl->type != CL_FIELD_SCALE)
        return PERR(P, os, _("<, <=, > and >= are for scale and number fields"));

    c->field = strdup(ctl->id);
    c->value = strdup(canon);
    if (!c->field || !c->value)
        return cl_fp_oom();
    c->op = op;
    c->number = num;
    return CL_OK;
}

/* Refuses what is not plain text: malformed UTF-8 (most often a file saved
 * as GBK by an older editor), controls, and invisible or direction-changing
 * characters that could make a label read differently from what it says. */
cl_status cl_fp_check_line_text(const cl_fp_parser *P)
{
    const char *p = P->ls;
    while (p < P->le) {
        unsigned char c = (unsigned char)*p;
        if (c >= 0x20 && c < 0x7F) {
            p++;
            continue;
        }
        if (c == '\t') {
            p++;
            continue;
        }
        uint32_t cp;
        size_t n = cl_utf8_decode(p, P->le, &cp);
        bool real_fffd = n == 3 && memcmp(p, "\xEF\xBF\xBD", 3) == 0;
        if (cp == 0xFFFD && !real_fffd)
            return PERR(P, p, _("invalid UTF-8 (is the file saved as GBK/ANSI? save it as UTF-8)"));
        if (cl_codepoint_unsafe(cp))
            return PERR(P, p, _("control or invisible character U+%04X is not allowed"),
                        (unsigned)cp);
        p += n;
    }
    return CL_OK;
}

