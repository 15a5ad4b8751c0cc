/* The form definition parser: one function per kind of line. The grammar is in docs/forms.md.
 *
 * Everything a line refers to must already be defined above it (conditions,
 * score items, flags), so every error is found while its line is current and
 * reported with an exact column. Columns count characters, as a counsellor's
 * editor shows them, not bytes. */
#include "form_internal.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "carelog/text.h"
#include "carelog/i18n.h"

#define SCALE_POINTS_MAX 101
#define LEN_LIMIT 1000000
#define ITEMS_LIMIT 10000
/* Far above any real form; they keep a hostile file from making the
 * duplicate checks quadratic in its size. */
#define MAX_FIELDS 500
#define MAX_CHOICES 500
#define MAX_BANDS 100
#define MAX_FLAGS 100

/* ---- field bookkeeping ------------------------------------------------ */

static cl_field *scope_fields(cl_fp_parser *P, size_t *n)
{
    if (P->in_group) {
        *n = P->n_sub;
        return P->sub;
    }
    *n = P->form->n_fields;
    return P->form->fields;
}

static cl_field *current_field(cl_fp_parser *P)
{
    size_t n;
    cl_field *fields = scope_fields(P, &n);
    if (P->target != CL_FP_FIELD)
        return NULL;
    if (n == 0) /* the group itself, before its first subfield */
        return &P->form->fields[P->group];
    return &fields[n - 1];
}

/* Checks a field that has just been completed. */
static cl_status finish_target(cl_fp_parser *P)
{
    if (P->target == CL_FP_FLAG) {
        cl_form_flag *fl = &P->form->flags[P->form->n_flags - 1];
        if (!fl->label_zh)
            return cl_fp_fail_at(P, fl->line, fl->col, _("flag %s has no label line "
                           "(label 中文 | English)"), fl->id);
    } else if (P->target == CL_FP_FIELD) {
        const cl_field *f = current_field(P);
        if (!f->label_zh)
            return cl_fp_fail_at(P, f->line, f->column, _("field %s has no label line "
                           "(label 中文 | English)"), f->id);
        if (f->type == CL_FIELD_CHOICE && f->n_choices < 2)
            return cl_fp_fail_at(P, f->line, f->column, _("choice field %s needs at least two "
                           "choice lines"), f->id);
        if (f->type == CL_FIELD_MULTI && f->n_choices < 1)
            return cl_fp_fail_at(P, f->line, f->column, _("multi field %s needs at least one "
                           "choice line"), f->id);
    }
    P->target = CL_FP_NONE;
    return CL_OK;
}

/* ---- lines ------------------------------------------------------------ */

static cl_status parse_field_options(cl_fp_parser *P, const char *p, cl_field *f)
{
    const char *ts, *te, *min_at = NULL, *max_at = NULL;
    bool seen_min = false, seen_max = false;
    while (cl_fp_next_token(P, &p, &ts, &te)) {
        cl_status st;
        if (cl_fp_token_is(ts, te, "required")) {
            if (f->required)
                return PERR(P, ts, _("required is given twice"));
            f->required = true;
        } else if (cl_fp_token_is(ts, te, "integer")) {
            if (f->type != CL_FIELD_NUMBER)
                return PERR(P, ts, _("integer only applies to number fields"));
            f->integer = true;
        } else if (cl_fp_token_is(ts, te, "min")) {
            double v;
            if (seen_min)
                return PERR(P, ts, _("min is given twice"));
            if (f->type != CL_FIELD_NUMBER && f->type != CL_FIELD_SCALE)
                return PERR(P, ts, _("min only applies to number and scale fields"));
            if ((st = cl_fp_read_number(P, &p, _("the minimum"), f->type == CL_FIELD_SCALE,
                                  &ts, &v)) != CL_OK)
                return st;
            min_at = ts;
            seen_min = f->has_min = true;
            f->min = v;
        } else if (cl_fp_token_is(ts, te, "max")) {
            double v;
            const char *ns;
            if (seen_max)
                return PERR(P, ts, _("max is given twice"));
            if (f->type == CL_FIELD_NUMBER || f->type == CL_FIELD_SCALE) {
                if ((st = cl_fp_read_number(P, &p, _("the maximum"), f->type == CL_FIELD_SCALE,
                                      &ns, &v)) != CL_OK)
                    return st;
                f->has_max = true;
                f->max = v;
                max_at = ns;
            } else if (f->type == CL_FIELD_TEXT || f->type == CL_FIELD_LONGTEXT ||
                       f->type == CL_FIELD_MULTI || f->type == CL_FIELD_GROUP) {
                bool items = f->type == CL_FIELD_MULTI || f->type == CL_FIELD_GROUP;
                if ((st = cl_fp_read_number(P, &p, items ? _("the most items") : _("the most characters"),
                                      true, &ns, &v)) != CL_OK)
                    return st;
                if (v < 1 || v > (items ? ITEMS_LIMIT : LEN_LIMIT))
                    return PERR(P, ns, _("max must be from 1 to %d"), items ? ITEMS_LIMIT : LEN_LIMIT);
                if (items)
                    f->max_items = (size_t)v;
                else
                    f->max_len = (size_t)v;
            } else {
                return PERR(P, ts, _("max does not apply to a %s field"), cl_fp_type_names[f->type]);
            }
            seen_max = true;
        } else {
            return PERR(P, ts, _("unknown option '%.*s' (expected required, min, max "
                        "or integer)"), (int)(te - ts), ts);
        }
    }
    if (f->type == CL_FIELD_SCALE) {
        if (!f->has_min || !f->has_max)
            return PERR(P, P->le, _("a scale needs min and max, e.g. scale min 0 max 3"));
        if (f->min < f->max && f->max - f->min + 1 > SCALE_POINTS_MAX)
            return PERR(P, max_at, _("a scale has at most %d points; use number for a "
                        "wider range"), SCALE_POINTS_MAX);
    }
    if (f->has_min && f->has_max && f->min >= f->max)
        return PERR(P, max_at > min_at ? max_at : min_at, _("min must be less than max"));
    return CL_OK;
}

static cl_status line_field(cl_fp_parser *P, const char *p, const char *kw)
{
    const char *is, *ie, *ts, *te;
    cl_status st = finish_target(P);
    if (st != CL_OK)
        return st;
    if ((st = cl_fp_read_id(P, &p, _("a field id"), &is, &ie)) != CL_OK)
        return st;
    size_t n;
    cl_field *fields = scope_fields(P, &n);
    for (size_t i = 0; i < n; i++)
        if (cl_fp_token_is(is, ie, fields[i].id))
            return PERR(P, is, _("field %s is already defined on line %u"),
                        fields[i].id, fields[i].line);
    if (!cl_fp_next_token(P, &p, &ts, &te))
        return PERR(P, P->le, _("expected a type after the field id (text, longtext, "
                    "date, datetime, number, yesno, choice, multi, scale, group, student)"));
    int type = -1;
    for (int i = 0; i <= CL_FIELD_STUDENT; i++)
        if (cl_fp_token_is(ts, te, cl_fp_type_names[i]))
            type = i;
    if (type < 0)
        return PERR(P, ts, _("unknown type '%.*s' (expected text, longtext, date, "
                    "datetime, number, yesno, choice, multi, scale, group or student)"),
                    (int)(te - ts), ts);
    if (type == CL_FIELD_GROUP && P->in_group)
        return PERR(P, ts, _("a group cannot hold another group"));
    if (n >= MAX_FIELDS)
        return PERR(P, kw, _("too many fields (at most %d)"), MAX_FIELDS);

    cl_field f = {0};
    f.type = (cl_field_type)type;
    f.line = P->line;
    f.column = cl_fp_column(P, kw);
    f.max_len = f.type == CL_FIELD_LONGTEXT ? CL_FORM_LONGTEXT_MAX : CL_FORM_TEXT_MAX;
    if (!(f.id = cl_fp_dup(is, ie)))
        return cl_fp_oom();
    if ((st = parse_field_options(P, p, &f)) != CL_OK) {
        cl_form_field_free_contents(&f);
        return st;
    }
    cl_field *grown = cl_fp_grow(fields, n, sizeof *grown);
    if (!grown) {
        cl_form_field_free_contents(&f);
        return cl_fp_oom();
    }
    grown[n] = f;
    if (P->in_group) {
        P->sub = grown;
        P->n_sub++;
    } else {
        P->form->fields = grown;
        P->form->n_fields++;
        if (f.type == CL_FIELD_GROUP) {
            P->in_group = true;
            P->group = n;
        }
    }
    P->target = CL_FP_FIELD;
    return CL_OK;
}

static cl_status line_end(cl_fp_parser *P, const char *p, const char *kw)
{
    cl_status st;
    if (!P->in_group)
        return PERR(P, kw, _("end without an open group"));
    if ((st = cl_fp_expect_end(P, p)) != CL_OK || (st = finish_target(P)) != CL_OK)
        return st;
    cl_field *g = &P->form->fields[P->group];
    if (P->n_sub == 0)
        return PERR(P, kw, _("group %s has no fields"), g->id);
    g->subfields = P->sub;
    g->n_subfields = P->n_sub;
    P->sub = NULL;
    P->n_sub = 0;
    P->in_group = false;
    return CL_OK;
}

static cl_status line_label(cl_fp_parser *P, const char *p, const char *kw, bool help)
{
    char *zh, *en;
    if (P->target == CL_FP_FLAG && !help) {
        cl_form_flag *fl = &P->form->flags[P->form->n_flags - 1];
        if (fl->label_zh)
            return PERR(P, kw, _("flag %s already has a label"), fl->id);
        cl_status st = cl_fp_read_bilingual(P, p, _("a label"), &zh, &en);
        if (st == CL_OK) {
            fl->label_zh = zh;
            fl->label_en = en;
        }
        return st;
    }
    cl_field *f = current_field(P);
    if (!f)
        return PERR(P, kw, _("%s must follow a field line"), help ? "help" : "label");
    if (help ? f->help_zh != NULL : f->label_zh != NULL)
        return PERR(P, kw, _("field %s already has a %s"), f->id, help ? "help line" : "label");
    cl_status st = cl_fp_read_bilingual(P, p, help ? _("a help line") : _("a label"), &zh, &en);
    if (st != CL_OK)
        return st;
    if (help) {
        f->help_zh = zh;
        f->help_en = en;
    } else {
        f->label_zh = zh;
        f->label_en = en;
    }
    return CL_OK;
}

static cl_status line_choice(cl_fp_parser *P, const char *p, const char *kw)
{
    cl_field *f = current_field(P);
    const char *is, *ie;
    cl_status st;
    if (!f || (f->type != CL_FIELD_CHOICE && f->type != CL_FIELD_MULTI))
        return PERR(P, kw, _("choice lines belong to a choice or multi field"));
    if (f->n_choices >= MAX_CHOICES)
        return PERR(P, kw, _("too many choices (at most %d)"), MAX_CHOICES);
    if ((st = cl_fp_read_id(P, &p, _("a choice id"), &is, &ie)) != CL_OK)
        return st;
    for (size_t i = 0; i < f->n_choices; i++)
        if (cl_fp_token_is(is, ie, f->choices[i].id))
            return PERR(P, is, _("choice %s is already defined"), f->choices[i].id);
    char *zh, *en;
    if ((st = cl_fp_read_bilingual(P, p, _("a choice label"), &zh, &en)) != CL_OK)
        return st;
    for (size_t i = 0; i < f->n_choices; i++)
        if (strcmp(zh, f->choices[i].label_zh) == 0 ||
            strcasecmp(en, f->choices[i].label_en) == 0) {
            free(zh);
            free(en);
            return PERR(P, cl_fp_skip_space(p, P->le), _("choice %s already has this label"),
                        f->choices[i].id);
        }
    cl_choice *grown = cl_fp_grow((void *)f->choices, f->n_choices, sizeof *grown);
    char *id = cl_fp_dup(is, ie);
    if (!grown || !id) {
        free(zh);
        free(en);
        free(id);
        if (grown)
            f->choices = grown;
        return cl_fp_oom();
    }
    grown[f->n_choices++] = (cl_choice){ id, zh, en };
    f->choices = grown;
    return CL_OK;
}

static cl_status line_point(cl_fp_parser *P, const char *p, const char *kw)
{
    cl_field *f = current_field(P);
    const char *ns;
    double v;
    cl_status st;
    if (!f || f->type != CL_FIELD_SCALE)
        return PERR(P, kw, _("point lines belong to a scale field"));
    if ((st = cl_fp_read_number(P, &p, _("a point of the scale"), true, &ns, &v)) != CL_OK)
        return st;
    if (v < f->min || v > f->max)
        return PERR(P, ns, _("point %.0f is outside the scale (%.0f to %.0f)"), v,
                    f->min, f->max);
    if (f->n_points && v <= (double)f->points[f->n_points - 1].value)
        return PERR(P, ns, _("points must be listed once each, from low to high"));
    char *zh, *en;
    if ((st = cl_fp_read_bilingual(P, p, _("a point label"), &zh, &en)) != CL_OK)
        return st;
    cl_scale_point *grown = cl_fp_grow((void *)f->points, f->n_points, sizeof *grown);
    if (!grown) {
        free(zh);
        free(en);
        return cl_fp_oom();
    }
    grown[f->n_points++] = (cl_scale_point){ (long)v, zh, en };
    f->points = grown;
    return CL_OK;
}

static cl_status line_condition(cl_fp_parser *P, const char *p, const char *kw, bool shown)
{
    cl_field *f = current_field(P);
    const char *ws = P->le, *we = P->le;
    if (!f)
        return PERR(P, kw, _("%s when must follow a field line"), shown ? "shown" : "required");
    if (!cl_fp_next_token(P, &p, &ws, &we) || !cl_fp_token_is(ws, we, "when"))
        return PERR(P, ws, shown ? _("expected 'when' after shown")
                    : _("expected 'when' after required (for a field that is always "
                        "required, write required on its field line)"));
    if (!shown && f->required)
        return PERR(P, kw, _("field %s is already always required"), f->id);
    cl_condition *c = shown ? &f->shown_when : &f->required_when;
    if (c->op != CL_COND_NONE)
        return PERR(P, kw, _("field %s already has a %s when line"), f->id,
                    shown ? "shown" : "required");
    /* The fields above this one in its scope. A group's own condition, before
     * its first subfield, looks at the top-level fields above the group. */
    const cl_field *above;
    size_t n;
    if (P->in_group && P->n_sub == 0) {
        above = P->form->fields;
        n = P->group;
    } else if (P->in_group) {
        above = P->sub;
        n = P->n_sub - 1;
    } else {
        above = P->form->fields;
        n = P->form->n_fields - 1;
    }
    return cl_fp_read_condition(P, p, above, n, f->id, c);
}

static cl_status line_score(cl_fp_parser *P, const char *p, const char *kw)
{
    cl_form *F = P->form;
    cl_status st;
    if (F->has_score)
        return PERR(P, kw, _("score is given twice"));
    for (;;) {
        const char *is, *ie;
        if ((st = cl_fp_read_id(P, &p, _("a scale field id"), &is, &ie)) != CL_OK)
            return st;
        const cl_field *fld = NULL;
        size_t idx = 0;
        for (size_t i = 0; i < F->n_fields; i++)
            if (cl_fp_token_is(is, ie, F->fields[i].id)) {
                fld = &F->fields[i];
                idx = i;
            }
        if (!fld)
            return PERR(P, is, _("unknown field '%.*s' (score can only name fields "
                        "defined above it)"), (int)(ie - is), is);
        if (fld->type != CL_FIELD_SCALE)
            return PERR(P, is, _("%s is not a scale field"), fld->id);
        for (size_t i = 0; i < F->n_score_items; i++)
            if (F->score_items[i] == idx)
                return PERR(P, is, _("%s is counted twice"), fld->id);
        size_t *grown = cl_fp_grow(F->score_items, F->n_score_items, sizeof *grown);
        if (!grown)
            return cl_fp_oom();
        grown[F->n_score_items++] = idx;
        F->score_items = grown;
        F->score_min += (long)fld->min;
        F->score_max += (long)fld->max;
        p = cl_fp_skip_space(p, P->le);
        if (p >= P->le)
            break;
        if (*p != '+')
            return PERR(P, p, _("expected + between the items of the score"));
        p++;
    }
    F->has_score = true;
    return CL_OK;
}

static cl_status line_band(cl_fp_parser *P, const char *p, const char *kw)
{
    cl_form *F = P->form;
    const char *is, *ie, *rs, *re;
    cl_status st;
    if (!F->has_score)
        return PERR(P, kw, _("band needs a score line above it"));
    if (F->n_bands >= MAX_BANDS)
        return PERR(P, kw, _("too many bands (at most %d)"), MAX_BANDS);
    if ((st = cl_fp_read_id(P, &p, _("a band id"), &is, &ie)) != CL_OK)
        return st;
    for (size_t i = 0; i < F->n_bands; i++)
        if (cl_fp_token_is(is, ie, F->bands[i].id))
            return PERR(P, is, _("band %s is already defined"), F->bands[i].id);
    if (!cl_fp_next_token(P, &p, &rs, &re))
        return PERR(P, P->le, _("expected a range of scores like 0-4"));
    const char *dash = NULL;
    size_t dl = 0;
    for (const char *q = rs + 1; q < re && !dash; q++) {
        if (*q == '-' || *q == '~')
            dash = q, dl = 1;
        else if (re - q >= 3 && memcmp(q, "\xE2\x80\x93", 3) == 0) /* – */
            dash = q, dl = 3;
    }
    double lo, hi;
    bool i1, i2;
    if (!dash || !cl_fp_parse_number(rs, dash, &lo, &i1) || !cl_fp_parse_number(dash + dl, re, &hi, &i2) ||
        !i1 || !i2)
        return PERR(P, rs, _("expected a range of whole scores like 0-4"));
    if (lo > hi)
        return PERR(P, rs, _("the range starts above its end"));
    if (lo < (double)F->score_min || hi > (double)F->score_max)
        return PERR(P, rs, _("the range must lie within the possible scores %ld-%ld"),
                    F->score_min, F->score_max);
    char *zh, *en;
    if ((st = cl_fp_read_bilingual(P, p, _("a band label"), &zh, &en)) != CL_OK)
        return st;
    cl_form_band *grown = cl_fp_grow(F->bands, F->n_bands, sizeof *grown);
    char *id = cl_fp_dup(is, ie);
    if (!grown || !id) {
        free(zh);
        free(en);
        free(id);
        if (grown)
            F->bands = grown;
        return cl_fp_oom();
    }
    grown[F->n_bands++] = (cl_form_band){ id, zh, en, (long)lo, (long)hi, P->line,
                                          cl_fp_column(P, rs) };
    F->bands = grown;
    return CL_OK;
}

static cl_status line_flag(cl_fp_parser *P, const char *p, const char *kw)
{
    cl_form *F = P->form;
    const char *is, *ie, *ws, *we;
    cl_status st = finish_target(P);
    if (st != CL_OK)
        return st;
    if (F->n_flags >= MAX_FLAGS)
        return PERR(P, kw, _("too many flags (at most %d)"), MAX_FLAGS);
    if ((st = cl_fp_read_id(P, &p, _("a flag id"), &is, &ie)) != CL_OK)
        return st;
    for (size_t i = 0; i < F->n_flags; i++)
        if (cl_fp_token_is(is, ie, F->flags[i].id))
            return PERR(P, is, _("flag %s is already defined"), F->flags[i].id);
    if (!cl_fp_next_token(P, &p, &ws, &we) || !cl_fp_token_is(ws, we, "when"))
        return PERR(P, ws < P->le ? ws : P->le, _("expected 'when' after the flag id"));
    cl_form_flag fl = { 0 };
    fl.line = P->line;
    fl.col = cl_fp_column(P, kw);
    if ((st = cl_fp_read_condition(P, p, F->fields, F->n_fields, NULL, &fl.cond)) != CL_OK) {
        free((void *)fl.cond.field);
        free((void *)fl.cond.value);
        return st;
    }
    cl_form_flag *grown = cl_fp_grow(F->flags, F->n_flags, sizeof *grown);
    fl.id = cl_fp_dup(is, ie);
    if (!grown || !fl.id) {
        free(fl.id);
        free((void *)fl.cond.field);
        free((void *)fl.cond.value);
        if (grown)
            F->flags = grown;
        return cl_fp_oom();
    }
    grown[F->n_flags++] = fl;
    F->flags = grown;
    P->target = CL_FP_FLAG;
    return CL_OK;
}

static cl_status line_head(cl_fp_parser *P, const char *p, const char *kw, int which)
{
    cl_form *F = P->form;
    cl_status st;
    if (which == 0) {
        const char *is, *ie;
        if (F->kind)
            return PERR(P, kw, _("form is given twice"));
        if ((st = cl_fp_read_id(P, &p, _("the form kind (e.g. session)"), &is, &ie)) != CL_OK ||
            (st = cl_fp_expect_end(P, p)) != CL_OK)
            return st;
        if (!(F->kind = cl_fp_dup(is, ie)))
            return cl_fp_oom();
        P->form_line = P->line;
        return CL_OK;
    }
    static const char *const keyword[] = {"form", "title", "description", "short"};
    static const char *const what[] = {"", N_("the title"), N_("the description"), N_("the short name")};
    char **zh = which == 1 ? &F->title_zh : which == 2 ? &F->desc_zh : &F->short_zh;
    char **en = which == 1 ? &F->title_en : which == 2 ? &F->desc_en : &F->short_en;
    if (*zh)
        return PERR(P, kw, _("%s is given twice"), keyword[which]);
    return cl_fp_read_bilingual(P, p, _(what[which]), zh, en);
}

static cl_status parse_line(cl_fp_parser *P)
{
    cl_status st = cl_fp_check_line_text(P);
    if (st != CL_OK)
        return st;
    const char *p = cl_fp_skip_space(P->ls, P->le);
    if (p >= P->le || *p == '#')
        return CL_OK;
    const char *ks, *ke;
    cl_fp_next_token(P, &p, &ks, &ke);
    if (!P->form->kind && !cl_fp_token_is(ks, ke, "form"))
        return PERR(P, ks, _("the first line must be 'form KIND', e.g. form session"));

    /* These lines end the field above them, so its label is checked first. */
    static const char *const top_only[] = { "form", "title", "description", "short", "score",
                                            "band", "flag" };
    for (size_t i = 0; i < sizeof top_only / sizeof *top_only; i++)
        if (cl_fp_token_is(ks, ke, top_only[i])) {
            if (P->in_group)
                return PERR(P, ks, _("%s inside group %s: close the group with end first"),
                            top_only[i], P->form->fields[P->group].id);
            if ((st = finish_target(P)) != CL_OK)
                return st;
        }

    if (cl_fp_token_is(ks, ke, "form"))
        return line_head(P, p, ks, 0);
    if (cl_fp_token_is(ks, ke, "title"))
        return line_head(P, p, ks, 1);
    if (cl_fp_token_is(ks, ke, "description"))
        return line_head(P, p, ks, 2);
    if (cl_fp_token_is(ks, ke, "short"))
        return line_head(P, p, ks, 3);
    if (cl_fp_token_is(ks, ke, "field"))
        return line_field(P, p, ks);
    if (cl_fp_token_is(ks, ke, "end"))
        return line_end(P, p, ks);
    if (cl_fp_token_is(ks, ke, "label"))
        return line_label(P, p, ks, false);
    if (cl_fp_token_is(ks, ke, "help"))
        return line_label(P, p, ks, true);
    if (cl_fp_token_is(ks, ke, "choice"))
        return line_choice(P, p, ks);
    if (cl_fp_token_is(ks, ke, "point"))
        return line_point(P, p, ks);
    if (cl_fp_token_is(ks, ke, "required"))
        return line_condition(P, p, ks, false);
    if (cl_fp_token_is(ks, ke, "shown"))
        return line_condition(P, p, ks, true);
    if (cl_fp_token_is(ks, ke, "score"))
        return line_score(P, p, ks);
    if (cl_fp_token_is(ks, ke, "band"))
        return line_band(P, p, ks);
    if (cl_fp_token_is(ks, ke, "flag"))
        return line_flag(P, p, ks);
    return PERR(P, ks, _("unknown keyword '%.*s' (expected form, title, description, short, "
                "field, label, help, choice, point, required, shown, end, score, "
                "band or flag)"), (int)(ke - ks), ks);
}

static int band_cmp(const void *a, const void *b)
{
    const cl_form_band *x = *(const cl_form_band *const *)a;
    const cl_form_band *y = *(const cl_form_band *const *)b;
    return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* Every possible score must fall in exactly one band. */
static cl_status check_bands(const cl_fp_parser *P)
{
    const cl_form *F = P->form;
    if (F->n_bands == 0)
        return CL_OK;
    const cl_form_band **order = malloc(F->n_bands * sizeof *order);
    if (!order)
        return cl_fp_oom();
    for (size_t i = 0; i < F->n_bands; i++)
        order[i] = &F->bands[i];
    qsort(order, F->n_bands, sizeof *order, band_cmp);
    cl_status st = CL_OK;
    long next = F->score_min;
    for (size_t i = 0; i < F->n_bands && st == CL_OK; i++) {
        const cl_form_band *b = order[i];
        if (b->lo < next)
            st = cl_fp_fail_at(P, b->line, b->col, _("band %s (%ld-%ld) overlaps band %s"),
                         b->id, b->lo, b->hi, order[i - 1]->id);
        else if (b->lo > next)
            st = cl_fp_fail_at(P, b->line, b->col, _("scores %ld-%ld have no band"), next,
                         b->lo - 1);
        next = b->hi + 1;
    }
    if (st == CL_OK && next <= F->score_max) {
        const cl_form_band *b = order[F->n_bands - 1];
        st = cl_fp_fail_at(P, b->line, b->col, _("scores %ld-%ld have no band"), next,
                     F->score_max);
    }
    free(order);
    return st;
}

static cl_status finish_form(cl_fp_parser *P)
{
    cl_status st = finish_target(P);
    if (st != CL_OK)
        return st;
    if (!P->form->kind)
        return cl_fp_fail_at(P, 1, 1, _("empty form definition: the first line must be "
                       "'form KIND', e.g. form session"));
    if (P->in_group) {
        const cl_field *g = &P->form->fields[P->group];
        return cl_fp_fail_at(P, g->line, g->column, _("group %s is not closed: add a line 'end' "
                       "after its last field"), g->id);
    }
    if (!P->form->title_zh)
        return cl_fp_fail_at(P, P->form_line, 1, _("the form has no title line "
                       "(title 中文 | English)"));
    if (P->form->n_fields == 0)
        return cl_fp_fail_at(P, P->form_line, 1, _("the form has no fields"));
    return check_bands(P);
}

cl_status cl_form_parse(const char *text, size_t len, const char *filename, cl_form **out)
{
    cl_fp_parser P = { 0 };
    *out = NULL;
    P.file = filename ? filename : "<form>";
    if (!text && len)
        return cl_fail(CL_EUSAGE, _("no form text"));
    if (!(P.form = calloc(1, sizeof *P.form)))
        return cl_fp_oom();
    const char *p = text, *end = text + len;
    if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3;
    cl_status st = CL_OK;
    while (p < end && st == CL_OK) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        P.line++;
        P.ls = p;
        P.le = le > p && le[-1] == '\r' ? le - 1 : le;
        st = parse_line(&P);
        p = nl ? nl + 1 : end;
    }
    if (P.line == 0)
        P.line = 1;
    P.ls = P.le = p;
    if (st == CL_OK)
        st = finish_form(&P);
    if (st != CL_OK) {
        for (size_t i = 0; i < P.n_sub; i++)
            cl_form_field_free_contents(&P.sub[i]);
        free(P.sub);
        cl_form_free(P.form);
        return st;
    }
    *out = P.form;
    return CL_OK;
}
