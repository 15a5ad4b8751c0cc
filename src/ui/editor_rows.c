/* The record editor's entries (editor.h): fields and the rows of
 * repeatable groups, turned into the form's values through the core
 * (cl_field_value_from_text), so the screens and the command line agree on
 * what every text means. No curses here: tests/unit/test_editor_rows.c
 * tests it as it is. */
#include <stdlib.h>
#include <string.h>

#include "carelog/i18n.h"
#include "carelog/text.h"
#include "editor.h"

static bool zh(const ui *u)
{
    return strcmp(u->lang, "zh") == 0;
}

char *editor_value_text(ui *u, const cl_field *fld, const json_t *val)
{
    if (!val || json_is_null(val))
        return strdup("");
    if (json_is_boolean(val))
        return strdup(json_is_true(val) ? (zh(u) ? "是" : "yes") : (zh(u) ? "否" : "no"));
    if (json_is_integer(val))
        return cl_strdup_printf("%lld", (long long)json_integer_value(val));
    if (json_is_real(val))
        return cl_strdup_printf("%g", json_real_value(val));
    if (json_is_string(val) && fld->type == CL_FIELD_CHOICE) {
        const char *label = cl_field_choice_label(fld, json_string_value(val), u->lang);
        return strdup(label ? label : json_string_value(val));
    }
    if (json_is_string(val))
        return strdup(json_string_value(val));
    if (json_is_array(val) && fld->type == CL_FIELD_MULTI) {
        cl_buf b = {0};
        size_t i;
        json_t *item;
        json_array_foreach(val, i, item) {
            const char *label = cl_field_choice_label(fld, json_string_value(item), u->lang);
            cl_buf_printf(&b, "%s%s", i ? ", " : "", label ? label : json_string_value(item));
        }
        return b.data ? cl_buf_take(&b) : strdup("");
    }
    return json_dumps(val, JSON_COMPACT);
}

/* A draft's text for a field ("" when it kept none). */
static const char *draft_text(const json_t *texts, const char *id)
{
    const char *text = json_string_value(json_object_get(texts, id));
    return text ? text : "";
}

static cl_status insert_entry(editor *e, size_t at, const field_edit *proto, const char *text)
{
    if (e->n == e->cap) {
        size_t cap = e->cap ? e->cap * 2 : 32;
        field_edit *grown = realloc(e->fields, cap * sizeof *grown);
        if (!grown)
            return cl_fail(CL_ESOFTWARE, _("out of memory"));
        e->fields = grown;
        e->cap = cap;
    }
    memmove(e->fields + at + 1, e->fields + at, (e->n - at) * sizeof *e->fields);
    field_edit *f = &e->fields[at];
    *f = *proto;
    f->error[0] = '\0';
    bool multi = f->fld->type == CL_FIELD_LONGTEXT;
    cl_status st = cl_line_init(&f->line, f->header ? "" : text, multi, f->fld->max_len ? f->fld->max_len : 4000);
    if (st != CL_OK) {
        memmove(e->fields + at, e->fields + at + 1, (e->n - at) * sizeof *e->fields);
        return st;
    }
    e->n++;
    return CL_OK;
}

/* A row of a group as texts: from a draft (strings as typed) or a stored
 * value (converted as a field of its own would be). */
static char *row_text(ui *u, const cl_field *sub, const json_t *row)
{
    const json_t *val = json_object_get(row, sub->id);
    return json_is_string(val) && sub->type != CL_FIELD_CHOICE ? strdup(json_string_value(val))
           : json_is_string(val) && cl_field_choice_label(sub, json_string_value(val), u->lang) == NULL
               ? strdup(json_string_value(val)) /* a draft holds the label as typed */
               : editor_value_text(u, sub, val);
}

cl_status editor_build(ui *u, editor *e, const json_t *values, const json_t *draft_texts)
{
    editor_free_entries(e);
    cl_status st = CL_OK;
    size_t n = cl_form_field_count(e->form);
    if (n == 0)
        return cl_fail(CL_EDATA, _("the form for %s has no fields to fill in"), e->kind);
    for (size_t i = 0; st == CL_OK && i < n; i++) {
        const cl_field *fld = cl_form_field_at(e->form, i);
        if (fld->type != CL_FIELD_GROUP) {
            char *text = draft_texts ? strdup(draft_text(draft_texts, fld->id))
                                     : editor_value_text(u, fld, json_object_get(values, fld->id));
            field_edit proto = {.fld = fld};
            st = text ? insert_entry(e, e->n, &proto, text) : cl_fail(CL_ESOFTWARE, _("out of memory"));
            free(text);
            continue;
        }
        field_edit header = {.fld = fld, .header = true};
        st = insert_entry(e, e->n, &header, "");
        /* A draft keeps a group as the JSON text of its rows. */
        json_t *parsed = NULL;
        const json_t *rows = json_object_get(values, fld->id);
        if (draft_texts) {
            const char *text = draft_text(draft_texts, fld->id);
            rows = parsed = *text ? json_loads(text, 0, NULL) : NULL;
        }
        size_t k;
        const json_t *row;
        json_array_foreach(json_is_array(rows) ? rows : NULL, k, row) {
            for (size_t s = 0; st == CL_OK && s < fld->n_subfields; s++) {
                char *text = row_text(u, &fld->subfields[s], row);
                field_edit proto = {.fld = &fld->subfields[s], .group = fld, .item = k};
                st = text ? insert_entry(e, e->n, &proto, text) : cl_fail(CL_ESOFTWARE, _("out of memory"));
                free(text);
            }
        }
        json_decref(parsed);
    }
    e->cur = e->top = 0;
    return st;
}

void editor_free_entries(editor *e)
{
    for (size_t i = 0; i < e->n; i++)
        cl_line_free(&e->fields[i].line);
    e->n = 0;
}

long editor_group_header(const editor *e, size_t i)
{
    if (!e->fields[i].group && !e->fields[i].header)
        return -1;
    while (i > 0 && !e->fields[i].header)
        i--;
    return (long)i;
}

size_t editor_rows_of(const editor *e, size_t h)
{
    size_t rows = 0;
    for (size_t i = h + 1; i < e->n && e->fields[i].group == e->fields[h].fld; i++)
        rows = e->fields[i].item + 1;
    return rows;
}

const char *editor_entry_path(const editor *e, size_t i, char *buf, size_t size)
{
    const field_edit *f = &e->fields[i];
    if (f->group)
        snprintf(buf, size, "%s[%zu].%s", f->group->id, f->item + 1, f->fld->id);
    else
        snprintf(buf, size, "%s", f->fld->id);
    return buf;
}

/* One row of a group as values (its non-empty subfields), for the row's
 * own conditions and for the record; the first text that does not convert
 * is marked on its entry. */
static json_t *row_values(editor *e, size_t first, long *bad)
{
    json_t *row = json_object();
    const field_edit *head = &e->fields[first];
    for (size_t i = first; i < e->n && e->fields[i].group == head->group && e->fields[i].item == head->item; i++) {
        field_edit *f = &e->fields[i];
        char prefix[128];
        snprintf(prefix, sizeof prefix, "%s[%zu].", f->group->id, f->item + 1);
        json_t *val = NULL;
        if (cl_field_value_from_text(f->fld, prefix, f->line.text, &val) != CL_OK) {
            if (bad) {
                snprintf(f->error, sizeof f->error, "%s", cl_error_message());
                if (*bad < 0)
                    *bad = (long)i;
            }
            cl_error_clear();
            continue;
        }
        if (val && !json_is_null(val))
            json_object_set_new(row, f->fld->id, val);
        else
            json_decref(val);
    }
    return row;
}

/* The first entry of entry i's row. */
static size_t row_start(const editor *e, size_t i)
{
    while (i > 0 && e->fields[i - 1].group == e->fields[i].group && e->fields[i - 1].item == e->fields[i].item &&
           !e->fields[i - 1].header)
        i--;
    return i;
}

json_t *editor_values(editor *e, bool with_nulls, long *bad_field)
{
    json_t *values = json_object();
    *bad_field = -1;
    for (size_t i = 0; i < e->n; i++) {
        field_edit *f = &e->fields[i];
        if (f->group)
            continue; /* taken with its group's header */
        f->error[0] = '\0';
        json_t *val = NULL;
        if (f->header) {
            val = json_array();
            for (size_t j = i + 1; j < e->n && e->fields[j].group == f->fld; j++)
                if (row_start(e, j) == j) {
                    for (size_t k = j; k < e->n && e->fields[k].group == f->fld && e->fields[k].item == e->fields[j].item; k++)
                        e->fields[k].error[0] = '\0';
                    json_t *row = row_values(e, j, bad_field);
                    if (json_object_size(row))
                        json_array_append_new(val, row);
                    else
                        json_decref(row);
                }
            if (json_array_size(val) == 0) {
                json_decref(val);
                val = json_null();
            }
        } else if (cl_field_value_from_text(f->fld, "", f->line.text, &val) != CL_OK) {
            snprintf(f->error, sizeof f->error, "%s", cl_error_message());
            if (*bad_field < 0)
                *bad_field = (long)i;
            continue;
        }
        if (val && !json_is_null(val))
            json_object_set_new(values, f->fld->id, val);
        else if (with_nulls)
            json_object_set_new(values, f->fld->id, json_null());
        else
            json_decref(val);
    }
    cl_error_clear();
    return values;
}

json_t *editor_texts(const editor *e)
{
    json_t *texts = json_object();
    for (size_t i = 0; i < e->n; i++) {
        const field_edit *f = &e->fields[i];
        if (!f->group && !f->header && f->line.text[0])
            json_object_set_new(texts, f->fld->id, json_string(f->line.text));
        if (!f->header)
            continue;
        json_t *rows = json_array();
        for (size_t j = i + 1; j < e->n && e->fields[j].group == f->fld; j++) {
            if (row_start(e, j) == j)
                json_array_append_new(rows, json_object());
            if (e->fields[j].line.text[0])
                json_object_set_new(json_array_get(rows, json_array_size(rows) - 1), e->fields[j].fld->id,
                                    json_string(e->fields[j].line.text));
        }
        char *text = json_array_size(rows) ? json_dumps(rows, JSON_COMPACT) : NULL;
        if (text)
            json_object_set_new(texts, f->fld->id, json_string(text));
        free(text);
        json_decref(rows);
    }
    return texts;
}

bool editor_shown(const editor *e, size_t i, const json_t *values)
{
    const field_edit *f = &e->fields[i];
    if (!f->group)
        return cl_field_shown(f->fld, values);
    if (!cl_field_shown(f->group, values))
        return false;
    json_t *row = row_values((editor *)e, row_start(e, i), NULL);
    bool shown = cl_field_shown(f->fld, row);
    json_decref(row);
    return shown;
}

bool editor_required(const editor *e, size_t i, const json_t *values)
{
    const field_edit *f = &e->fields[i];
    if (!f->group)
        return cl_field_required(f->fld, values);
    json_t *row = row_values((editor *)e, row_start(e, i), NULL);
    bool required = cl_field_required(f->fld, row);
    json_decref(row);
    return required;
}

cl_status editor_add_row(editor *e, size_t i, size_t *first)
{
    long h = editor_group_header(e, i);
    if (h < 0)
        return cl_fail(CL_EUSAGE, _("this field is not a list of rows"));
    const cl_field *g = e->fields[h].fld;
    size_t rows = editor_rows_of(e, (size_t)h);
    if (g->max_items && rows >= g->max_items)
        return cl_fail(CL_EDATA, _("%s holds at most %zu rows"), cl_field_label(g, "zh"), g->max_items);
    /* After the row of entry i, or at the end from the header. */
    size_t item = e->fields[i].header ? rows : e->fields[i].item + 1, at = (size_t)h + 1;
    while (at < e->n && e->fields[at].group == g && e->fields[at].item < item)
        at++;
    for (size_t j = at; j < e->n && e->fields[j].group == g; j++)
        e->fields[j].item++;
    cl_status st = CL_OK;
    for (size_t s = 0; st == CL_OK && s < g->n_subfields; s++) {
        field_edit proto = {.fld = &g->subfields[s], .group = g, .item = item};
        st = insert_entry(e, at + s, &proto, "");
    }
    *first = at;
    e->rows_changed = true;
    return st;
}

void editor_delete_row(editor *e, size_t i)
{
    const field_edit *f = &e->fields[i];
    if (!f->group)
        return;
    const cl_field *g = f->group;
    size_t item = f->item, start = row_start(e, i), end = start;
    while (end < e->n && e->fields[end].group == g && e->fields[end].item == item)
        cl_line_free(&e->fields[end++].line);
    memmove(e->fields + start, e->fields + end, (e->n - end) * sizeof *e->fields);
    e->n -= end - start;
    for (size_t j = start; j < e->n && e->fields[j].group == g; j++)
        e->fields[j].item--;
    e->rows_changed = true;
}
