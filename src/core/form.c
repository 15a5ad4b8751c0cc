/* Forms: loading, accessors, conditions and the digest. The parser is in
 * form_parse.c; validation, conversion, scoring and rendering of values in
 * form_value.c. */
#include "form_internal.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "carelog/file.h"

/* Form files are small; anything bigger is not a form. */
#define FORM_FILE_MAX (1024 * 1024)

static void free_condition(cl_condition *c)
{
    free((void *)c->field);
    free((void *)c->value);
}

void cl_form_field_free_contents(cl_field *fld)
{
    free((void *)fld->id);
    free((void *)fld->label_zh);
    free((void *)fld->label_en);
    free((void *)fld->help_zh);
    free((void *)fld->help_en);
    for (size_t i = 0; i < fld->n_choices; i++) {
        free((void *)fld->choices[i].id);
        free((void *)fld->choices[i].label_zh);
        free((void *)fld->choices[i].label_en);
    }
    free((void *)fld->choices);
    for (size_t i = 0; i < fld->n_points; i++) {
        free((void *)fld->points[i].label_zh);
        free((void *)fld->points[i].label_en);
    }
    free((void *)fld->points);
    for (size_t i = 0; i < fld->n_subfields; i++)
        cl_form_field_free_contents((cl_field *)&fld->subfields[i]);
    free((void *)fld->subfields);
    free_condition(&fld->required_when);
    free_condition(&fld->shown_when);
}

void cl_form_free(cl_form *f)
{
    if (!f)
        return;
    free(f->kind);
    free(f->title_zh);
    free(f->title_en);
    free(f->desc_zh);
    free(f->desc_en);
    free(f->short_zh);
    free(f->short_en);
    for (size_t i = 0; i < f->n_fields; i++)
        cl_form_field_free_contents(&f->fields[i]);
    free(f->fields);
    free(f->score_items);
    for (size_t i = 0; i < f->n_bands; i++) {
        free(f->bands[i].id);
        free(f->bands[i].label_zh);
        free(f->bands[i].label_en);
    }
    free(f->bands);
    for (size_t i = 0; i < f->n_flags; i++) {
        free(f->flags[i].id);
        free(f->flags[i].label_zh);
        free(f->flags[i].label_en);
        free_condition(&f->flags[i].cond);
    }
    free(f->flags);
    free(f);
}

cl_status cl_form_load(const char *path, cl_form **out)
{
    unsigned char *buf;
    size_t len;
    *out = NULL;
    cl_status st = cl_file_read(path, FORM_FILE_MAX, &buf, &len);
    if (st != CL_OK)
        return st;
    st = cl_form_parse((const char *)buf, len, path, out);
    free(buf);
    return st;
}

bool cl_form_lang_en(const char *lang)
{
    return lang && strncmp(lang, "en", 2) == 0;
}

const char *cl_form_kind(const cl_form *f)
{
    return f->kind;
}

const char *cl_form_title(const cl_form *f, const char *lang)
{
    return cl_form_lang_en(lang) ? f->title_en : f->title_zh;
}

const char *cl_form_short_title(const cl_form *f, const char *lang)
{
    const char *s = cl_form_lang_en(lang) ? f->short_en : f->short_zh;
    return s ? s : cl_form_title(f, lang);
}

const char *cl_form_description(const cl_form *f, const char *lang)
{
    return cl_form_lang_en(lang) ? f->desc_en : f->desc_zh;
}

size_t cl_form_field_count(const cl_form *f)
{
    return f->n_fields;
}

const cl_field *cl_form_field_at(const cl_form *f, size_t i)
{
    return i < f->n_fields ? &f->fields[i] : NULL;
}

const cl_field *cl_form_find_in(const cl_field *fields, size_t n, const char *id)
{
    if (!id)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (strcmp(fields[i].id, id) == 0)
            return &fields[i];
    return NULL;
}

const cl_choice *cl_form_find_choice(const cl_field *f, const char *id)
{
    for (size_t i = 0; i < f->n_choices; i++)
        if (strcmp(f->choices[i].id, id) == 0)
            return &f->choices[i];
    return NULL;
}

const cl_field *cl_form_field(const cl_form *f, const char *id)
{
    return cl_form_find_in(f->fields, f->n_fields, id);
}

const char *cl_field_label(const cl_field *fld, const char *lang)
{
    return cl_form_lang_en(lang) ? fld->label_en : fld->label_zh;
}

const cl_field *cl_field_subfield(const cl_field *fld, const char *id)
{
    return cl_form_find_in(fld->subfields, fld->n_subfields, id);
}

const char *cl_field_choice_label(const cl_field *fld, const char *id, const char *lang)
{
    const cl_choice *c = id ? cl_form_find_choice(fld, id) : NULL;
    return c ? (cl_form_lang_en(lang) ? c->label_en : c->label_zh) : NULL;
}

bool cl_form_value_absent(const json_t *v)
{
    return !v || json_is_null(v) || (json_is_string(v) && json_string_length(v) == 0) ||
           (json_is_array(v) && json_array_size(v) == 0);
}

bool cl_form_cond_holds(const cl_condition *c, const json_t *scope)
{
    if (c->op == CL_COND_NONE)
        return true;
    const json_t *v = json_is_object(scope) ? json_object_get(scope, c->field) : NULL;
    if (cl_form_value_absent(v))
        return c->op == CL_COND_NE;
    bool eq;
    switch (c->op) {
    case CL_COND_EQ:
    case CL_COND_NE:
        if (json_is_boolean(v))
            eq = json_is_true(v) == (strcmp(c->value, "yes") == 0);
        else if (json_is_string(v))
            eq = strcmp(json_string_value(v), c->value) == 0;
        else if (json_is_number(v))
            eq = json_number_value(v) == c->number;
        else
            eq = false;
        return c->op == CL_COND_EQ ? eq : !eq;
    case CL_COND_CONTAINS: {
        size_t i;
        const json_t *item;
        if (!json_is_array(v))
            return false;
        json_array_foreach(v, i, item)
            if (json_is_string(item) && strcmp(json_string_value(item), c->value) == 0)
                return true;
        return false;
    }
    default:
        break;
    }
    if (!json_is_number(v))
        return false;
    double x = json_number_value(v);
    switch (c->op) {
    case CL_COND_LT:
        return x < c->number;
    case CL_COND_LE:
        return x <= c->number;
    case CL_COND_GT:
        return x > c->number;
    case CL_COND_GE:
        return x >= c->number;
    default:
        return false;
    }
}

bool cl_field_shown(const cl_field *fld, const json_t *scope)
{
    return cl_form_cond_holds(&fld->shown_when, scope);
}

bool cl_field_required(const cl_field *fld, const json_t *scope)
{
    if (!cl_field_shown(fld, scope))
        return false;
    if (fld->required)
        return true;
    return fld->required_when.op != CL_COND_NONE &&
           cl_form_cond_holds(&fld->required_when, scope);
}

void cl_form_digest(const char *text, size_t len, char hex[65])
{
    unsigned char h[32];
    /* Idempotent; picks the fast BLAKE2b implementation if no one has yet. */
    if (sodium_init() < 0) {
        /* Without sodium_init the portable BLAKE2b still gives the same
         * digest, so there is nothing to report. */
    }
    crypto_generichash(h, sizeof h, (const unsigned char *)text, len, NULL, 0);
    sodium_bin2hex(hex, 65, h, sizeof h);
}
