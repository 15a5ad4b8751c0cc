/* Rendering a record's values for people (`record show`, exports): labels
 * in the reader's language, in form order, and nothing ever dropped. */
#include "form_internal.h"

#include <stdlib.h>
#include <string.h>

#include "carelog/text.h"

/* ---- rendering -------------------------------------------------------- */

static void put_indent(cl_buf *b, int indent)
{
    for (int i = 0; i < indent; i++)
        cl_buf_puts(b, " ");
}

static void put_raw(cl_buf *b, const json_t *v)
{
    if (json_is_string(v)) {
        cl_buf_append(b, json_string_value(v), json_string_length(v));
        return;
    }
    char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
    if (s)
        cl_buf_puts(b, s);
    free(s);
}

static void put_number(cl_buf *b, const json_t *v)
{
    if (json_is_integer(v))
        cl_buf_printf(b, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    else
        cl_buf_printf(b, "%.15g", json_real_value(v));
}

/* Multi-line text continues on its own lines, indented under the label. */
static void put_text_block(cl_buf *b, const char *s, size_t len, int indent)
{
    const char *end = s + len;
    if (!memchr(s, '\n', len)) {
        cl_buf_append(b, s, len);
        return;
    }
    while (s < end) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        const char *le = nl ? nl : end;
        cl_buf_puts(b, "\n");
        put_indent(b, indent + 2);
        cl_buf_append(b, s, (size_t)(le - s));
        s = nl ? nl + 1 : end;
    }
}

static void render_value(cl_buf *b, const cl_field *f, const json_t *v, const char *lang,
                         int indent);

static void render_fields(cl_buf *b, const cl_field *fields, size_t n, const json_t *obj,
                          const char *lang, int indent, const char *first_prefix)
{
    const char *prefix = first_prefix;
    for (size_t i = 0; i < n; i++) {
        const json_t *v = json_object_get(obj, fields[i].id);
        if (cl_form_value_absent(v))
            continue;
        put_indent(b, indent);
        if (prefix) {
            cl_buf_puts(b, prefix);
            prefix = NULL;
        } else if (first_prefix) {
            put_indent(b, (int)strlen(first_prefix));
        }
        cl_buf_printf(b, "%s:", cl_field_label(&fields[i], lang));
        /* A value that continues on the next lines must not leave a space
         * at the end of the label's line. */
        cl_buf value = { 0 };
        render_value(&value, &fields[i], v, lang,
                     indent + (first_prefix ? (int)strlen(first_prefix) : 0));
        if (value.len && value.data[0] != '\n')
            cl_buf_puts(b, " ");
        if (value.len)
            cl_buf_append(b, value.data, value.len);
        cl_buf_free(&value);
        cl_buf_puts(b, "\n");
    }
}

static void render_value(cl_buf *b, const cl_field *f, const json_t *v, const char *lang,
                         int indent)
{
    bool en = cl_form_lang_en(lang);
    switch (f->type) {
    case CL_FIELD_TEXT:
    case CL_FIELD_LONGTEXT:
    case CL_FIELD_DATE:
        if (json_is_string(v)) {
            put_text_block(b, json_string_value(v), json_string_length(v), indent);
            return;
        }
        break;
    case CL_FIELD_DATETIME:
        if (json_is_string(v)) {
            char *s = strdup(json_string_value(v));
            if (s) {
                char *t = strchr(s, 'T');
                if (t)
                    *t = ' ';
                cl_buf_puts(b, s);
                free(s);
            }
            return;
        }
        break;
    case CL_FIELD_NUMBER:
    case CL_FIELD_STUDENT:
        if (json_is_number(v)) {
            put_number(b, v);
            return;
        }
        break;
    case CL_FIELD_SCALE:
        if (json_is_number(v)) {
            put_number(b, v);
            for (size_t i = 0; i < f->n_points; i++)
                if (json_is_integer(v) && f->points[i].value == json_integer_value(v))
                    cl_buf_printf(b, " (%s)", en ? f->points[i].label_en : f->points[i].label_zh);
            return;
        }
        break;
    case CL_FIELD_BOOL:
        if (json_is_boolean(v)) {
            cl_buf_puts(b, json_is_true(v) ? (en ? "yes" : "是") : (en ? "no" : "否"));
            return;
        }
        break;
    case CL_FIELD_CHOICE:
        if (json_is_string(v)) {
            const cl_choice *c = cl_form_find_choice(f, json_string_value(v));
            cl_buf_puts(b, c ? (en ? c->label_en : c->label_zh) : json_string_value(v));
            return;
        }
        break;
    case CL_FIELD_MULTI:
        if (json_is_array(v)) {
            size_t i;
            const json_t *item;
            json_array_foreach(v, i, item) {
                const cl_choice *c = json_is_string(item) ? cl_form_find_choice(f, json_string_value(item)) : NULL;
                if (i)
                    cl_buf_puts(b, en ? ", " : "、");
                if (c)
                    cl_buf_puts(b, en ? c->label_en : c->label_zh);
                else
                    put_raw(b, item);
            }
            return;
        }
        break;
    case CL_FIELD_GROUP:
        if (json_is_array(v)) {
            size_t i;
            const json_t *item;
            json_array_foreach(v, i, item) {
                cl_buf_puts(b, "\n");
                if (!json_is_object(item)) {
                    put_indent(b, indent + 2);
                    cl_buf_puts(b, "- ");
                    put_raw(b, item);
                    continue;
                }
                size_t before = b->len;
                render_fields(b, f->subfields, f->n_subfields, item, lang, indent + 2, "- ");
                /* Keys the group no longer has, under their raw ids. */
                const char *key;
                const json_t *sv;
                json_object_foreach((json_t *)item, key, sv) {
                    if (cl_form_find_in(f->subfields, f->n_subfields, key))
                        continue;
                    bool first = b->len == before;
                    put_indent(b, indent + 2);
                    cl_buf_puts(b, first ? "- " : "  ");
                    cl_buf_printf(b, "%s: ", key);
                    put_raw(b, sv);
                    cl_buf_puts(b, "\n");
                }
                if (b->len == before) {
                    put_indent(b, indent + 2);
                    cl_buf_puts(b, "-\n");
                }
                /* render_fields ended the item with a newline; the caller
                 * adds one after the whole value. */
                if (b->len && b->data[b->len - 1] == '\n')
                    b->data[--b->len] = '\0';
            }
            return;
        }
        break;
    }
    put_raw(b, v);
}

char *cl_form_value_text(const cl_field *fld, const json_t *value, const char *lang)
{
    cl_buf b = { 0 };
    render_value(&b, fld, value, lang, 0);
    char *text = cl_buf_take(&b);
    if (text && text[0] == '\n')
        memmove(text, text + 1, strlen(text));
    return text;
}

static int key_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void render_score(cl_buf *b, const cl_form *f, const json_t *values, const char *lang)
{
    json_t *s = NULL;
    bool en = cl_form_lang_en(lang);
    if (cl_form_score(f, values, &s) != CL_OK || !s)
        return;
    const json_t *score = json_object_get(s, "score");
    if (score && json_integer_value(json_object_get(s, "answered")) > 0) {
        cl_buf_printf(b, "%s: %" JSON_INTEGER_FORMAT "/%" JSON_INTEGER_FORMAT,
                      en ? "Score" : "总分", json_integer_value(score),
                      json_integer_value(json_object_get(s, "max")));
        const char *band = json_string_value(json_object_get(s, en ? "band_en" : "band_zh"));
        if (band)
            cl_buf_printf(b, " (%s)", band);
        if (!json_is_true(json_object_get(s, "complete")))
            cl_buf_puts(b, en ? ", incomplete" : "，未答完");
        cl_buf_puts(b, "\n");
    }
    size_t i;
    const json_t *fl;
    json_array_foreach(json_object_get(s, "flag_labels"), i, fl)
        cl_buf_printf(b, "%s: %s\n", en ? "Flag" : "警示",
                      json_string_value(json_object_get(fl, en ? "en" : "zh")));
    json_decref(s);
}

char *cl_form_render(const cl_form *f, const json_t *values, const char *lang)
{
    cl_buf b = { 0 };
    if (!json_is_object(values)) {
        if (values)
            put_raw(&b, values);
        return cl_buf_take(&b);
    }
    render_fields(&b, f->fields, f->n_fields, values, lang, 0, NULL);
    render_score(&b, f, values, lang);

    size_t n = 0, k = 0;
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)values, key, v)
        if (!cl_form_field(f, key) && !cl_form_value_absent(v))
            n++;
    if (n) {
        const char **keys = malloc(n * sizeof *keys);
        if (!keys) {
            cl_buf_free(&b);
            return NULL;
        }
        json_object_foreach((json_t *)values, key, v)
            if (!cl_form_field(f, key) && !cl_form_value_absent(v))
                keys[k++] = key;
        qsort(keys, n, sizeof *keys, key_cmp);
        cl_buf_puts(&b, cl_form_lang_en(lang) ? "(not in this form version)\n"
                                             : "（本版表单中没有的字段）\n");
        for (size_t i = 0; i < n; i++) {
            v = json_object_get(values, keys[i]);
            cl_buf_printf(&b, "%s:", keys[i]);
            if (!json_is_string(v) || !memchr(json_string_value(v), '\n', json_string_length(v)))
                cl_buf_puts(&b, " ");
            if (json_is_string(v))
                put_text_block(&b, json_string_value(v), json_string_length(v), 0);
            else
                put_raw(&b, v);
            cl_buf_puts(&b, "\n");
        }
        free(keys);
    }
    return cl_buf_take(&b);
}
