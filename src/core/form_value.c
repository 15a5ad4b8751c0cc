/* Record values against a form: validation, conversion of command-line
 * text, and screening scores. Rendering for people is in form_render.c. */
#include "form_internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "carelog/i18n.h"
#include "carelog/text.h"
#include "carelog/i18n.h"

/* How much of a bad value an error message repeats. */
#define ECHO_MAX 40

static const char *const type_words[] = {
    [CL_FIELD_TEXT] = N_("text"),         [CL_FIELD_LONGTEXT] = N_("text"),
    [CL_FIELD_DATE] = N_("a date (YYYY-MM-DD)"),
    [CL_FIELD_DATETIME] = N_("a date and time (YYYY-MM-DD HH:MM)"),
    [CL_FIELD_NUMBER] = N_("a number"),   [CL_FIELD_BOOL] = N_("yes or no (true/false)"),
    [CL_FIELD_CHOICE] = N_("one choice id (a string)"),
    [CL_FIELD_MULTI] = N_("a list of choice ids"),
    [CL_FIELD_SCALE] = N_("a whole number"),
    [CL_FIELD_GROUP] = N_("a list of items (objects)"),
    [CL_FIELD_STUDENT] = N_("a student record id (a whole number)"),
};

/* Copies at most ECHO_MAX bytes of s, cut on a character boundary. */
static void echo(const char *s, char out[ECHO_MAX + 4])
{
    size_t n = strlen(s);
    if (n <= ECHO_MAX) {
        memcpy(out, s, n + 1);
        return;
    }
    n = ECHO_MAX;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    memcpy(out, s, n);
    memcpy(out + n, "...", 4);
}

/* "field guardians[2].phone (电话): reason" */
static cl_status field_fail(const char *prefix, const cl_field *f, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static cl_status field_fail(const char *prefix, const cl_field *f, const char *fmt, ...)
{
    char msg[640];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return cl_fail(CL_EDATA, _("field %s%s (%s): %s"), prefix, f->id, f->label_zh, msg);
}

static const char *op_words(cl_cond_op op)
{
    switch (op) {
    case CL_COND_EQ: return _("is");
    case CL_COND_NE: return _("is not");
    case CL_COND_CONTAINS: return _("contains");
    case CL_COND_LT: return _("is less than");
    case CL_COND_LE: return _("is at most");
    case CL_COND_GT: return _("is more than");
    case CL_COND_GE: return _("is at least");
    default: return "";
    }
}

static cl_status unknown_choice(const char *prefix, const cl_field *f, const char *got)
{
    char list[400] = "", e[ECHO_MAX + 4];
    size_t used = 0;
    for (size_t i = 0; i < f->n_choices && used < sizeof list - 1; i++) {
        int n = snprintf(list + used, sizeof list - used, "%s%s (%s)", i ? ", " : "",
                         f->choices[i].id, f->choices[i].label_zh);
        if (n < 0)
            break;
        used += (size_t)n;
    }
    echo(got, e);
    return field_fail(prefix, f, _("unknown choice '%s' (expected one of: %s)"), e, list);
}

static cl_status validate_fields(const char *prefix, const cl_field *fields, size_t n,
                                 const json_t *obj, const char *where);
static char *trim(char *s);
static cl_status convert(const char *prefix, const cl_field *f, char *s, json_t **out);

static cl_status check_text(const char *prefix, const cl_field *f, const json_t *v)
{
    const char *s = json_string_value(v);
    size_t len = json_string_length(v);
    if (strlen(s) != len)
        return field_fail(prefix, f, _("contains a NUL character"));
    if (!cl_utf8_valid(s, len))
        return field_fail(prefix, f, _("invalid UTF-8"));
    if (f->type == CL_FIELD_TEXT && strpbrk(s, "\r\n"))
        return field_fail(prefix, f, _("must be one line (no line breaks)"));
    size_t chars = cl_utf8_length(s);
    if (chars > f->max_len)
        return field_fail(prefix, f, _("%zu characters, at most %zu"), chars, f->max_len);
    return CL_OK;
}

static cl_status check_range(const char *prefix, const cl_field *f, double x)
{
    if (f->has_min && x < f->min)
        return field_fail(prefix, f, _("%.15g is below the minimum %.15g"), x, f->min);
    if (f->has_max && x > f->max)
        return field_fail(prefix, f, _("%.15g is above the maximum %.15g"), x, f->max);
    return CL_OK;
}

/* Checks one present value (not absent) against its field. */
static cl_status check_value(const char *prefix, const cl_field *f, const json_t *v)
{
    char e[ECHO_MAX + 4];
    switch (f->type) {
    case CL_FIELD_TEXT:
    case CL_FIELD_LONGTEXT:
        if (!json_is_string(v))
            break;
        return check_text(prefix, f, v);
    case CL_FIELD_DATE:
    case CL_FIELD_DATETIME: {
        char canon[17];
        if (!json_is_string(v))
            break;
        const char *s = json_string_value(v);
        bool ok = f->type == CL_FIELD_DATE ? cl_date_parse(s, canon) : cl_datetime_parse(s, canon);
        if (ok && strcmp(canon, s) == 0 && strlen(s) == json_string_length(v))
            return CL_OK;
        echo(s, e);
        return field_fail(prefix, f, ok ? _("'%s' is not in the form %s") : _("'%s' is not %s"),
                          e, f->type == CL_FIELD_DATE ? _("a real date (YYYY-MM-DD)")
                                                      : _("a real date and time (YYYY-MM-DDTHH:MM)"));
    }
    case CL_FIELD_NUMBER:
        if (!json_is_number(v))
            break;
        if (f->integer && !json_is_integer(v))
            return field_fail(prefix, f, _("must be a whole number"));
        return check_range(prefix, f, json_number_value(v));
    case CL_FIELD_SCALE:
        if (!json_is_integer(v))
            break;
        return check_range(prefix, f, (double)json_integer_value(v));
    case CL_FIELD_BOOL:
        if (!json_is_boolean(v))
            break;
        return CL_OK;
    case CL_FIELD_CHOICE:
        if (!json_is_string(v))
            break;
        if (!cl_form_find_choice(f, json_string_value(v)))
            return unknown_choice(prefix, f, json_string_value(v));
        return CL_OK;
    case CL_FIELD_MULTI: {
        size_t i;
        const json_t *item;
        if (!json_is_array(v))
            break;
        if (f->max_items && json_array_size(v) > f->max_items)
            return field_fail(prefix, f, _("%zu choices, at most %zu"), json_array_size(v),
                              f->max_items);
        json_array_foreach(v, i, item) {
            if (!json_is_string(item))
                return field_fail(prefix, f, _("item %zu is not a choice id (a string)"), i + 1);
            if (!cl_form_find_choice(f, json_string_value(item)))
                return unknown_choice(prefix, f, json_string_value(item));
            for (size_t j = 0; j < i; j++)
                if (json_equal(json_array_get(v, j), item))
                    return field_fail(prefix, f, _("choice %s is given twice"),
                                      json_string_value(item));
        }
        return CL_OK;
    }
    case CL_FIELD_GROUP: {
        size_t i;
        const json_t *item;
        if (!json_is_array(v))
            break;
        if (f->max_items && json_array_size(v) > f->max_items)
            return field_fail(prefix, f, _("%zu items, at most %zu"), json_array_size(v),
                              f->max_items);
        json_array_foreach(v, i, item) {
            char sub[256];
            snprintf(sub, sizeof sub, "%s%s[%zu].", prefix, f->id, i + 1);
            if (!json_is_object(item))
                return field_fail(prefix, f, _("item %zu is not an object"), i + 1);
            cl_status st = validate_fields(sub, f->subfields, f->n_subfields, item, f->id);
            if (st != CL_OK)
                return st;
        }
        return CL_OK;
    }
    case CL_FIELD_STUDENT:
        if (!json_is_integer(v))
            break;
        if (json_integer_value(v) <= 0)
            return field_fail(prefix, f, _("a student record id is a positive number"));
        return CL_OK;
    }
    if (json_is_string(v)) {
        /* Text where another type belongs: what the command line could not
         * convert (it passes it on so that every problem is reported at
         * once), and converting it again gives the clearest reason. */
        char *copy = strdup(json_string_value(v));
        json_t *converted = NULL;
        cl_status st = copy ? convert(prefix, f, trim(copy), &converted) : cl_fail(CL_ESOFTWARE, _("out of memory"));
        free(copy);
        json_decref(converted);
        if (st != CL_OK)
            return st;
    }
    return field_fail(prefix, f, _("expected %s"), _(type_words[f->type]));
}

/* A problem already listed for this field path (a value the command line
 * could not convert, an identifier refused): not checked again. */
static bool listed(const json_t *problems, const char *path)
{
    size_t i;
    const json_t *p;
    json_array_foreach(problems, i, p)
        if (strcmp(json_string_value(json_object_get(p, "field")), path) == 0)
            return true;
    return false;
}

cl_status cl_form_problem_add(json_t *problems, const char *path, const cl_field *f, const char *message)
{
    json_t *p = json_pack("{s:s, s:s?, s:s?, s:s}", "field", path, "label_zh", f ? f->label_zh : NULL, "label_en",
                          f ? f->label_en : NULL, "message", message);
    if (!p || json_array_append_new(problems, p) != 0)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    return CL_OK;
}

/* Adds the message just recorded by a failing check; CL_ESOFTWARE stops. */
static cl_status note(json_t *problems, const char *prefix, const char *id, const cl_field *f, cl_status st)
{
    if (st == CL_OK)
        return CL_OK;
    if (st == CL_ESOFTWARE)
        return st;
    char path[320];
    snprintf(path, sizeof path, "%s%s", prefix, id);
    return cl_form_problem_add(problems, path, f, cl_error_message());
}

static cl_status collect_fields(const char *prefix, const cl_field *fields, size_t n, const json_t *obj,
                                const char *where, json_t *problems)
{
    const char *key;
    const json_t *v;
    char e[ECHO_MAX + 4], path[320];
    cl_status st = CL_OK;
    json_object_foreach((json_t *)obj, key, v) {
        snprintf(path, sizeof path, "%s%s", prefix, key);
        if (st == CL_OK && !cl_form_find_in(fields, n, key) && !listed(problems, path)) {
            echo(key, e);
            st = note(problems, prefix, key, NULL, cl_fail(CL_EDATA, _("field %s%s: not in %s"), prefix, e, where));
        }
    }
    for (size_t i = 0; i < n && st == CL_OK; i++) {
        const cl_field *f = &fields[i];
        snprintf(path, sizeof path, "%s%s", prefix, f->id);
        if (listed(problems, path))
            continue;
        v = json_object_get(obj, f->id);
        if (cl_form_value_absent(v)) {
            if (!cl_field_required(f, obj))
                continue;
            if (f->required)
                st = note(problems, prefix, f->id, f, field_fail(prefix, f, _("required")));
            else
                st = note(problems, prefix, f->id, f,
                          field_fail(prefix, f, _("required when %s %s %s"), f->required_when.field,
                                     op_words(f->required_when.op), f->required_when.value));
            continue;
        }
        if (f->type == CL_FIELD_GROUP && json_is_array(v) &&
            !(f->max_items && json_array_size(v) > f->max_items)) {
            /* Every item's problems, not only the first item's. */
            size_t k;
            const json_t *item;
            json_array_foreach(v, k, item) {
                char sub[256];
                snprintf(sub, sizeof sub, "%s%s[%zu].", prefix, f->id, k + 1);
                if (st != CL_OK)
                    break;
                if (!json_is_object(item))
                    st = note(problems, prefix, f->id, f, field_fail(prefix, f, _("item %zu is not an object"), k + 1));
                else
                    st = collect_fields(sub, f->subfields, f->n_subfields, item, f->id, problems);
            }
            continue;
        }
        st = note(problems, prefix, f->id, f, check_value(prefix, f, v));
    }
    return st;
}

static cl_status validate_fields(const char *prefix, const cl_field *fields, size_t n,
                                 const json_t *obj, const char *where)
{
    json_t *problems = json_array();
    if (!problems)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    cl_status st = collect_fields(prefix, fields, n, obj, where, problems);
    if (st == CL_OK && json_array_size(problems))
        st = cl_fail(CL_EDATA, "%s", json_string_value(json_object_get(json_array_get(problems, 0), "message")));
    json_decref(problems);
    return st;
}

cl_status cl_form_check(const cl_form *f, const json_t *values, json_t *problems)
{
    char where[128];
    if (!json_is_object(values))
        return cl_form_problem_add(problems, "", NULL, _("the record's values must be a JSON object"));
    snprintf(where, sizeof where, "form %s", f->kind);
    return collect_fields("", f->fields, f->n_fields, values, where, problems);
}

/* The problems of the last failed validation, and the message they made,
 * so that a front can show them as a list while that message stands. */
static json_t *last_problems;
static char last_problems_message[4096];

const json_t *cl_form_last_problems(void)
{
    const char *msg = cl_error_message();
    size_t n = strlen(msg), m = strlen(last_problems_message);
    if (!last_problems || m == 0 || n < m || strcmp(msg + n - m, last_problems_message) != 0)
        return NULL;
    return last_problems;
}

cl_status cl_form_fail_problems(const cl_form *f, const json_t *problems)
{
    size_t n = json_array_size(problems);
    if (n == 0)
        return CL_OK;
    cl_buf b = {0};
    if (n == 1) {
        cl_buf_puts(&b, json_string_value(json_object_get(json_array_get(problems, 0), "message")));
    } else {
        cl_buf_printf(&b, ngettext("%zu problem in the %s form; nothing was saved:",
                                   "%zu problems in the %s form; nothing was saved:", n),
                      n, !f ? "" : strcmp(cl_i18n_language(), "zh") == 0 ? cl_form_title(f, "zh") : f->kind);
        size_t i;
        const json_t *p;
        json_array_foreach(problems, i, p)
            cl_buf_printf(&b, "\n  %s", json_string_value(json_object_get(p, "message")));
    }
    cl_status st = cl_fail(CL_EDATA, "%s", b.data ? b.data : "");
    json_decref(last_problems);
    last_problems = json_deep_copy(problems);
    snprintf(last_problems_message, sizeof last_problems_message, "%s", cl_error_message());
    cl_buf_free(&b);
    return st;
}

cl_status cl_form_validate_into(const cl_form *f, const json_t *values, json_t *problems)
{
    cl_status st = cl_form_check(f, values, problems);
    if (st != CL_OK)
        return st;
    return cl_form_fail_problems(f, problems);
}

cl_status cl_form_validate(const cl_form *f, const json_t *values)
{
    json_t *problems = json_array();
    if (!problems)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    cl_status st = cl_form_validate_into(f, values, problems);
    json_decref(problems);
    return st;
}

/* ---- text to value ---------------------------------------------------- */

/* Trims ASCII whitespace and U+3000 in place. */
static char *trim(char *s)
{
    for (;;) {
        if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
            s++;
        else if (strncmp(s, "\xE3\x80\x80", 3) == 0)
            s += 3;
        else
            break;
    }
    size_t n = strlen(s);
    for (;;) {
        if (n > 0 && strchr(" \t\n\r", s[n - 1]))
            n--;
        else if (n >= 3 && memcmp(s + n - 3, "\xE3\x80\x80", 3) == 0)
            n -= 3;
        else
            break;
    }
    s[n] = '\0';
    return s;
}

static bool parse_decimal(const char *s, double *out, bool *integral)
{
    const char *p = s;
    if (*p == '-' || *p == '+')
        p++;
    const char *d = p;
    while (*p >= '0' && *p <= '9')
        p++;
    if (p == d || p - d > 15)
        return false;
    *integral = true;
    if (*p == '.') {
        const char *fr = ++p;
        while (*p >= '0' && *p <= '9')
            p++;
        if (p == fr || p - fr > 9)
            return false;
        for (const char *q = fr; q < p; q++)
            if (*q != '0')
                *integral = false;
    }
    if (*p)
        return false;
    *out = strtod(s, NULL);
    return isfinite(*out);
}

static const cl_choice *choice_by_text(const cl_field *f, const char *s)
{
    const cl_choice *c = cl_form_find_choice(f, s);
    if (c)
        return c;
    for (size_t i = 0; i < f->n_choices; i++)
        if (strcmp(f->choices[i].label_zh, s) == 0 || strcasecmp(f->choices[i].label_en, s) == 0)
            return &f->choices[i];
    return NULL;
}

/* Finds the next separator of a multi-choice list: , ， 、 */
static char *next_sep(char *s, size_t *sl)
{
    for (; *s; s++) {
        if (*s == ',') {
            *sl = 1;
            return s;
        }
        if (strncmp(s, "\xEF\xBC\x8C", 3) == 0 || strncmp(s, "\xE3\x80\x81", 3) == 0) {
            *sl = 3;
            return s;
        }
    }
    return NULL;
}

static cl_status multi_from_text(const cl_field *f, char *s, json_t *arr)
{
    while (s) {
        size_t sl = 0;
        char *sep = next_sep(s, &sl);
        if (sep)
            *sep = '\0';
        char *item = trim(s);
        s = sep ? sep + sl : NULL;
        if (!*item)
            continue;
        const cl_choice *c = choice_by_text(f, item);
        if (!c)
            return unknown_choice("", f, item);
        bool seen = false;
        for (size_t i = 0; i < json_array_size(arr); i++)
            if (strcmp(json_string_value(json_array_get(arr, i)), c->id) == 0)
                seen = true;
        if (!seen && json_array_append_new(arr, json_string(c->id)) != 0)
            return cl_fail(CL_ESOFTWARE, _("out of memory"));
    }
    return CL_OK;
}

static json_t *number_value(double x, bool integral)
{
    if (integral && fabs(x) < 9007199254740992.0)
        return json_integer((json_int_t)x);
    return json_real(x);
}

static cl_status convert(const char *prefix, const cl_field *f, char *s, json_t **out)
{
    char e[ECHO_MAX + 4], canon[17];
    double x = 0;
    bool integral = false;
    echo(s, e);
    switch (f->type) {
    case CL_FIELD_TEXT:
    case CL_FIELD_LONGTEXT:
        if (!cl_utf8_valid(s, strlen(s)))
            return field_fail(prefix, f, _("invalid UTF-8"));
        *out = json_string(s);
        break;
    case CL_FIELD_DATE:
        if (!cl_date_parse(s, canon))
            return field_fail(prefix, f, _("'%s' is not a real date (use YYYY-MM-DD)"), e);
        *out = json_string(canon);
        break;
    case CL_FIELD_DATETIME:
        if (!cl_datetime_parse(s, canon))
            return field_fail(prefix, f, _("'%s' is not a real date and time (use YYYY-MM-DD HH:MM)"), e);
        *out = json_string(canon);
        break;
    case CL_FIELD_NUMBER:
        if (!parse_decimal(s, &x, &integral))
            return field_fail(prefix, f, _("'%s' is not a number"), e);
        *out = number_value(x, integral);
        break;
    case CL_FIELD_SCALE:
        if (!parse_decimal(s, &x, &integral)) {
            bool found = false;
            for (size_t i = 0; i < f->n_points && !found; i++)
                if (strcmp(f->points[i].label_zh, s) == 0 ||
                    strcasecmp(f->points[i].label_en, s) == 0) {
                    x = (double)f->points[i].value;
                    integral = found = true;
                }
            if (!found)
                return field_fail(prefix, f, _("'%s' is not a point of the scale (%.0f to %.0f)"),
                                  e, f->min, f->max);
        }
        if (!integral)
            return field_fail(prefix, f, _("must be a whole number"));
        *out = number_value(x, true);
        break;
    case CL_FIELD_STUDENT:
        if (!parse_decimal(s, &x, &integral) || !integral || x < 1)
            return field_fail(prefix, f, _("'%s' is not a student record id (a positive number)"), e);
        *out = number_value(x, true);
        break;
    case CL_FIELD_BOOL: {
        static const char *const yes[] = { "yes", "y", "true", "1", "是" };
        static const char *const no[] = { "no", "n", "false", "0", "否" };
        for (size_t i = 0; i < sizeof yes / sizeof *yes; i++) {
            if (strcasecmp(s, yes[i]) == 0)
                *out = json_true();
            else if (strcasecmp(s, no[i]) == 0)
                *out = json_false();
        }
        if (!*out)
            return field_fail(prefix, f, _("'%s' is not yes or no (yes/no/true/false/是/否/1/0)"), e);
        break;
    }
    case CL_FIELD_CHOICE: {
        const cl_choice *c = choice_by_text(f, s);
        if (!c)
            return unknown_choice(prefix, f, s);
        *out = json_string(c->id);
        break;
    }
    case CL_FIELD_MULTI: {
        json_t *arr = json_array();
        if (!arr)
            break;
        cl_status st = multi_from_text(f, s, arr);
        if (st != CL_OK) {
            json_decref(arr);
            return st;
        }
        *out = arr;
        break;
    }
    case CL_FIELD_GROUP: {
        json_error_t err;
        json_t *arr = json_loads(s, JSON_REJECT_DUPLICATES, &err);
        if (!arr)
            return field_fail(prefix, f, _("not valid JSON (line %d, column %d): %s"), err.line,
                              err.column, err.text);
        if (!json_is_array(arr)) {
            json_decref(arr);
            return field_fail(prefix, f, _("expected a JSON array of objects, e.g. "
                                "[{\"%s\": \"...\"}]"), f->n_subfields ? f->subfields[0].id : "id");
        }
        *out = arr;
        break;
    }
    }
    if (!*out)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    return CL_OK;
}

cl_status cl_form_value_from_text(const cl_form *f, const char *field_id, const char *text,
                                  json_t **out)
{
    *out = NULL;
    const cl_field *fld = cl_form_field(f, field_id);
    if (!fld)
        return cl_fail(CL_ENOTFOUND, _("form %s has no field '%s'"), f->kind,
                       field_id ? field_id : "");
    return cl_field_value_from_text(fld, "", text, out);
}

cl_status cl_field_value_from_text(const cl_field *fld, const char *prefix, const char *text, json_t **out)
{
    *out = NULL;
    char *copy = strdup(text ? text : "");
    if (!copy)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    char *s = trim(copy);
    cl_status st = CL_OK;
    json_t *v = NULL;
    if (!*s) {
        v = json_null();
    } else {
        /* Text keeps its inner spacing and line breaks; only the ends are
         * trimmed, as a shell argument often carries a stray newline. */
        st = convert(prefix ? prefix : "", fld, s, &v);
        if (st == CL_OK && !cl_form_value_absent(v))
            st = check_value(prefix ? prefix : "", fld, v);
    }
    free(copy);
    if (st != CL_OK) {
        json_decref(v);
        return st;
    }
    *out = v;
    return CL_OK;
}

/* ---- scoring ---------------------------------------------------------- */

static json_t *flag_entry(const cl_form_flag *fl)
{
    return json_pack("{s:s, s:s, s:s}", "id", fl->id, "zh", fl->label_zh, "en", fl->label_en);
}

cl_status cl_form_score(const cl_form *f, const json_t *values, json_t **out)
{
    *out = NULL;
    if (!f->has_score && f->n_flags == 0)
        return CL_OK;
    if (!json_is_object(values))
        return cl_fail(CL_EDATA, _("the record's values must be a JSON object"));
    json_t *r = json_object();
    json_t *flags = json_array(), *labels = json_array();
    bool ok = r && flags && labels;
    if (ok && f->has_score) {
        long score = 0;
        size_t answered = 0;
        for (size_t i = 0; i < f->n_score_items; i++) {
            const cl_field *item = &f->fields[f->score_items[i]];
            const json_t *v = json_object_get(values, item->id);
            if (cl_form_value_absent(v))
                continue;
            cl_status st = check_value("", item, v);
            if (st != CL_OK) {
                json_decref(r);
                json_decref(flags);
                json_decref(labels);
                return st;
            }
            score += (long)json_integer_value(v);
            answered++;
        }
        ok = json_object_set_new(r, "score", json_integer(score)) == 0 &&
             json_object_set_new(r, "max", json_integer(f->score_max)) == 0 &&
             json_object_set_new(r, "complete", json_boolean(answered == f->n_score_items)) == 0 &&
             json_object_set_new(r, "answered", json_integer((json_int_t)answered)) == 0 &&
             json_object_set_new(r, "items", json_integer((json_int_t)f->n_score_items)) == 0;
        for (size_t i = 0; ok && i < f->n_bands; i++) {
            const cl_form_band *b = &f->bands[i];
            if (score >= b->lo && score <= b->hi)
                ok = json_object_set_new(r, "band", json_string(b->id)) == 0 &&
                     json_object_set_new(r, "band_zh", json_string(b->label_zh)) == 0 &&
                     json_object_set_new(r, "band_en", json_string(b->label_en)) == 0;
        }
    }
    for (size_t i = 0; ok && i < f->n_flags; i++)
        if (cl_form_cond_holds(&f->flags[i].cond, values))
            ok = json_array_append_new(flags, json_string(f->flags[i].id)) == 0 &&
                 json_array_append_new(labels, flag_entry(&f->flags[i])) == 0;
    if (ok)
        ok = json_object_set(r, "flags", flags) == 0 &&
             json_object_set(r, "flag_labels", labels) == 0;
    json_decref(flags);
    json_decref(labels);
    if (!ok) {
        json_decref(r);
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    }
    *out = r;
    return CL_OK;
}
