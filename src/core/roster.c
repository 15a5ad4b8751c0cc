/* Roster import: CSV from school systems → student records. See roster.h.
 *
 * Two halves: cl_roster_parse (here) maps and checks a file against the
 * student form without a vault (so it can be fuzzed); cl_roster_import
 * (roster_import.c) adds the checks that need the vault and writes
 * everything in one transaction. */
#include "carelog/roster.h"
#include "carelog/i18n.h"

#include "roster_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "carelog/csv.h"
#include "carelog/i18n.h"
#include "carelog/identifier.h"
#include "carelog/text.h"

/* Where a column goes: a top-level field of the form, or one of the three
 * parts of the (first) guardian. */
enum { TARGET_FIELD, TARGET_GUARDIAN_NAME, TARGET_GUARDIAN_RELATION, TARGET_GUARDIAN_PHONE };

typedef struct column {
    int target;           /* TARGET_* */
    const char *field;    /* the field id for TARGET_FIELD (owned by the form) */
    size_t index;         /* the column's index in the row */
} column;

typedef struct row {
    size_t line;
    json_t *fields;       /* NULL when rejected */
} row;

typedef struct problem {
    size_t line;
    char *message;
} problem;

struct cl_roster {
    size_t header_line;
    column *columns;
    size_t ncolumns;
    char **header;        /* the header cells, for the report */
    size_t nheader;
    json_t *ignored;      /* [column name…] */
    row *rows;
    size_t nrows;
    problem *problems;
    size_t nproblems, cap_problems;
};

/* Header names school systems use, beyond the form's own ids and labels. */
static const struct alias {
    const char *name;
    int target;
    const char *field;
} aliases[] = {
    {"学号", TARGET_FIELD, "number"},
    {"学籍号", TARGET_FIELD, "number"},
    {"学生学号", TARGET_FIELD, "number"},
    {"全国学籍号", TARGET_FIELD, "number"},
    {"student number", TARGET_FIELD, "number"},
    {"student no", TARGET_FIELD, "number"},
    {"student id", TARGET_FIELD, "number"},
    {"姓名", TARGET_FIELD, "name"},
    {"学生姓名", TARGET_FIELD, "name"},
    {"student name", TARGET_FIELD, "name"},
    {"班级", TARGET_FIELD, "class"},
    {"班别", TARGET_FIELD, "class"},
    {"所在班级", TARGET_FIELD, "class"},
    {"性别", TARGET_FIELD, "gender"},
    {"sex", TARGET_FIELD, "gender"},
    {"出生日期", TARGET_FIELD, "birth_date"},
    {"出生年月日", TARGET_FIELD, "birth_date"},
    {"出生年月", TARGET_FIELD, "birth_date"},
    {"生日", TARGET_FIELD, "birth_date"},
    {"birth date", TARGET_FIELD, "birth_date"},
    {"birthday", TARGET_FIELD, "birth_date"},
    {"date of birth", TARGET_FIELD, "birth_date"},
    {"dob", TARGET_FIELD, "birth_date"},
    {"住校", TARGET_FIELD, "boarding"},
    {"是否住校", TARGET_FIELD, "boarding"},
    {"困境类型", TARGET_FIELD, "circumstances"},
    {"特殊情况", TARGET_FIELD, "circumstances"},
    {"特殊类型", TARGET_FIELD, "circumstances"},
    {"特殊群体", TARGET_FIELD, "circumstances"},
    {"状态", TARGET_FIELD, "status"},
    {"跟进状态", TARGET_FIELD, "status"},
    {"负责老师", TARGET_FIELD, "counsellor"},
    {"心理老师", TARGET_FIELD, "counsellor"},
    {"负责心理老师", TARGET_FIELD, "counsellor"},
    {"备注", TARGET_FIELD, "school_notes"},
    {"notes", TARGET_FIELD, "school_notes"},
    {"监护人", TARGET_GUARDIAN_NAME, NULL},
    {"监护人姓名", TARGET_GUARDIAN_NAME, NULL},
    {"家长", TARGET_GUARDIAN_NAME, NULL},
    {"家长姓名", TARGET_GUARDIAN_NAME, NULL},
    {"guardian", TARGET_GUARDIAN_NAME, NULL},
    {"guardian name", TARGET_GUARDIAN_NAME, NULL},
    {"parent", TARGET_GUARDIAN_NAME, NULL},
    {"与学生关系", TARGET_GUARDIAN_RELATION, NULL},
    {"监护人关系", TARGET_GUARDIAN_RELATION, NULL},
    {"关系", TARGET_GUARDIAN_RELATION, NULL},
    {"家长关系", TARGET_GUARDIAN_RELATION, NULL},
    {"relation", TARGET_GUARDIAN_RELATION, NULL},
    {"relationship", TARGET_GUARDIAN_RELATION, NULL},
    {"联系电话", TARGET_GUARDIAN_PHONE, NULL},
    {"电话", TARGET_GUARDIAN_PHONE, NULL},
    {"手机", TARGET_GUARDIAN_PHONE, NULL},
    {"手机号", TARGET_GUARDIAN_PHONE, NULL},
    {"手机号码", TARGET_GUARDIAN_PHONE, NULL},
    {"家长电话", TARGET_GUARDIAN_PHONE, NULL},
    {"家长手机", TARGET_GUARDIAN_PHONE, NULL},
    {"监护人电话", TARGET_GUARDIAN_PHONE, NULL},
    {"监护人手机", TARGET_GUARDIAN_PHONE, NULL},
    {"phone", TARGET_GUARDIAN_PHONE, NULL},
    {"guardian phone", TARGET_GUARDIAN_PHONE, NULL},
    {"telephone", TARGET_GUARDIAN_PHONE, NULL},
};

/* ---- small helpers ---------------------------------------------------- */

static cl_status add_problem_v(cl_roster *r, size_t line, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

static cl_status add_problem_v(cl_roster *r, size_t line, const char *fmt, va_list ap)
{
    if (r->nproblems == r->cap_problems) {
        size_t cap = r->cap_problems ? r->cap_problems * 2 : 16;
        problem *p = realloc(r->problems, cap * sizeof *p);
        if (!p)
            return cl_fail(CL_ESOFTWARE, _("out of memory"));
        r->problems = p;
        r->cap_problems = cap;
    }
    char *msg = NULL;
    if (vasprintf(&msg, fmt, ap) < 0)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    /* Kept in file order: after every problem on this line or before it. */
    size_t at = r->nproblems;
    while (at > 0 && r->problems[at - 1].line > line)
        at--;
    memmove(&r->problems[at + 1], &r->problems[at], (r->nproblems - at) * sizeof *r->problems);
    r->problems[at] = (problem){line, msg};
    r->nproblems++;
    return CL_OK;
}

static cl_status add_problem(cl_roster *r, size_t line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static cl_status add_problem(cl_roster *r, size_t line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cl_status st = add_problem_v(r, line, fmt, ap);
    va_end(ap);
    return st;
}

/* A header cell made comparable: ASCII lower case, spaces (also the
 * ideographic space) trimmed, and anything from the first bracket on
 * dropped ("出生日期（年-月-日）", "Name (姓名)"), unless that leaves
 * nothing. malloc'd. */
static char *normalise_header(const char *cell)
{
    char *s = strdup(cell);
    if (!s)
        return NULL;
    char *cut = NULL;
    static const char *const brackets[] = {"(", "（", "[", "【"};
    for (size_t i = 0; i < sizeof brackets / sizeof *brackets; i++) {
        char *b = strstr(s, brackets[i]);
        if (b && b != s && (!cut || b < cut))
            cut = b;
    }
    if (cut)
        *cut = '\0';
    for (char *p = s; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
        else if (*p == '_')
            *p = ' ';
    /* trim ASCII spaces, tabs and U+3000 at both ends */
    char *start = s;
    for (;;) {
        if (*start == ' ' || *start == '\t')
            start++;
        else if (strncmp(start, "\xe3\x80\x80", 3) == 0)
            start += 3;
        else
            break;
    }
    size_t n = strlen(start);
    for (;;) {
        if (n > 0 && (start[n - 1] == ' ' || start[n - 1] == '\t'))
            n--;
        else if (n >= 3 && memcmp(start + n - 3, "\xe3\x80\x80", 3) == 0)
            n -= 3;
        else
            break;
    }
    memmove(s, start, n);
    s[n] = '\0';
    return s;
}

static bool same_header(const char *normalised, const char *name)
{
    if (!name)
        return false;
    char *n = normalise_header(name);
    bool same = n && strcmp(n, normalised) == 0;
    free(n);
    return same;
}

/* Which target a header cell names; false when none. */
static bool map_header(const cl_form *form, const char *cell, int *target, const char **field)
{
    char *h = normalise_header(cell);
    if (!h)
        return false;
    bool found = false;
    if (*h) {
        for (size_t i = 0; i < sizeof aliases / sizeof *aliases && !found; i++)
            if (strcmp(h, aliases[i].name) == 0) {
                *target = aliases[i].target;
                *field = aliases[i].field;
                /* The alias must name a field this form has. */
                if (*target == TARGET_FIELD) {
                    const cl_field *fld = cl_form_field(form, *field);
                    if (!fld)
                        continue;
                    *field = fld->id;
                }
                found = true;
            }
        for (size_t i = 0; i < cl_form_field_count(form) && !found; i++) {
            const cl_field *fld = cl_form_field_at(form, i);
            if (fld->type == CL_FIELD_GROUP)
                continue;
            if (same_header(h, fld->id) || same_header(h, fld->label_zh) || same_header(h, fld->label_en)) {
                *target = TARGET_FIELD;
                *field = fld->id;
                found = true;
            }
        }
    }
    free(h);
    return found;
}

static const char *target_name(int target, const char *field)
{
    switch (target) {
    case TARGET_GUARDIAN_NAME: return "guardians.name";
    case TARGET_GUARDIAN_RELATION: return "guardians.relation";
    case TARGET_GUARDIAN_PHONE: return "guardians.phone";
    default: return field;
    }
}

/* Tries each of the first rows as the header; fills r->columns. */
static cl_status find_header(cl_roster *r, const cl_csv *csv, const cl_form *form, size_t *first_data)
{
    size_t n = cl_csv_row_count(csv);
    for (size_t i = 0; i < n && i < 10; i++) {
        const cl_csv_row *hr = cl_csv_row_at(csv, i);
        bool has_number = false, has_name = false;
        for (size_t c = 0; c < hr->nfields; c++) {
            int target;
            const char *field;
            if (map_header(form, hr->fields[c], &target, &field) && target == TARGET_FIELD) {
                has_number |= strcmp(field, "number") == 0;
                has_name |= strcmp(field, "name") == 0;
            }
        }
        if (!has_number || !has_name)
            continue;
        r->header_line = hr->line;
        r->columns = calloc(hr->nfields, sizeof *r->columns);
        r->header = calloc(hr->nfields, sizeof *r->header);
        if (!r->columns || !r->header)
            return cl_fail(CL_ESOFTWARE, _("out of memory"));
        r->nheader = hr->nfields;
        for (size_t c = 0; c < hr->nfields; c++) {
            r->header[c] = strdup(hr->fields[c]);
            if (!r->header[c])
                return cl_fail(CL_ESOFTWARE, _("out of memory"));
            int target;
            const char *field = NULL;
            if (!map_header(form, hr->fields[c], &target, &field)) {
                if (*hr->fields[c] || c + 1 < hr->nfields)
                    json_array_append_new(r->ignored, json_string(hr->fields[c]));
                continue;
            }
            for (size_t k = 0; k < r->ncolumns; k++)
                if (r->columns[k].target == target &&
                    (target != TARGET_FIELD || strcmp(r->columns[k].field, field) == 0))
                    return cl_fail(CL_EDATA, _("line %zu: the columns \"%s\" and \"%s\" both give %s; keep one"),
                                   hr->line, r->header[r->columns[k].index], hr->fields[c],
                                   target_name(target, field));
            r->columns[r->ncolumns++] = (column){target, field, c};
        }
        *first_data = i + 1;
        return CL_OK;
    }
    /* A file saved with another separator reads as one column a row. */
    for (size_t i = 0; i < n && i < 10; i++) {
        const cl_csv_row *hr = cl_csv_row_at(csv, i);
        const char *cell = hr->nfields == 1 ? hr->fields[0] : "";
        const char *which = strchr(cell, ';') ? _("semicolons (;)") : strchr(cell, '\t') ? _("tabs") : NULL;
        if (which)
            return cl_fail(CL_EDATA, _("line %zu: the columns are separated by %s, not commas; save the file as CSV "
                                       "with commas (Excel: \"CSV UTF-8 (Comma delimited)\") and import it again"),
                           hr->line, which);
    }
    return cl_fail(CL_EDATA, _("no header row with both a student number column (学号/number) and a name column "
                               "(姓名/name) in the first lines of the file"));
}

static const cl_field *subfield(const cl_field *group, const char *id)
{
    for (size_t i = 0; group && i < group->n_subfields; i++)
        if (strcmp(group->subfields[i].id, id) == 0)
            return &group->subfields[i];
    return NULL;
}

/* Builds the guardian item from its three columns; NULL *out when the row
 * names no guardian. Problems go to the roster. */
static cl_status guardian_value(cl_roster *r, const cl_form *form, const cl_csv_row *cr, bool *ok, json_t **out)
{
    *out = NULL;
    const char *name = NULL, *relation = NULL, *phone = NULL;
    for (size_t c = 0; c < r->ncolumns; c++) {
        const char *cell = cl_csv_field(cr, r->columns[c].index);
        switch (r->columns[c].target) {
        case TARGET_GUARDIAN_NAME: name = cell; break;
        case TARGET_GUARDIAN_RELATION: relation = cell; break;
        case TARGET_GUARDIAN_PHONE: phone = cell; break;
        default: break;
        }
    }
    char *n = cl_roster_trimmed(name ? name : ""), *rel = cl_roster_trimmed(relation ? relation : ""),
         *ph = cl_roster_phone(phone);
    cl_status st = CL_OK;
    if (!n || !rel || !ph) {
        st = cl_fail(CL_ESOFTWARE, _("out of memory"));
        goto done;
    }
    if (!*n && !*rel && !*ph)
        goto done;
    const cl_field *group = cl_form_field(form, "guardians");
    if (!group || group->type != CL_FIELD_GROUP) {
        st = add_problem(r, cr->line, "the student form has no guardians field for the guardian columns");
        *ok = false;
        goto done;
    }
    /* Many school systems export only a family phone: its guardian is
     * "家长" (a parent), as a school would write it. */
    const char *gname = *n ? n : "家长";
    const char *rel_id = "other";
    const cl_field *rel_field = subfield(group, "relation");
    if (*rel && rel_field) {
        rel_id = cl_roster_relation(rel_field, rel);
        if (!rel_id) {
            st = add_problem(r, cr->line, "field guardians.relation (与学生关系): unknown relation \"%s\"", rel);
            *ok = false;
            goto done;
        }
    }
    json_t *item = json_object();
    if (!item) {
        st = cl_fail(CL_ESOFTWARE, _("out of memory"));
        goto done;
    }
    json_object_set_new(item, "name", json_string(gname));
    if (rel_field)
        json_object_set_new(item, "relation", json_string(rel_id));
    if (*ph)
        json_object_set_new(item, "phone", json_string(ph));
    *out = json_array();
    json_array_append_new(*out, item);
done:
    free(n);
    free(rel);
    free(ph);
    return st;
}

/* One data row → fields, or problems. */
static cl_status map_row(cl_roster *r, const cl_form *form, const cl_csv_row *cr, json_t **out)
{
    *out = NULL;
    json_t *fields = json_object();
    if (!fields)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    bool ok = true;
    /* The fields already reported, so the form's check adds only the rest:
     * every problem of a row is reported at once. */
    json_t *reported = json_array();
    cl_status st = reported ? CL_OK : cl_fail(CL_ESOFTWARE, _("out of memory"));
    for (size_t c = 0; c < r->ncolumns && st == CL_OK; c++) {
        const column *col = &r->columns[c];
        if (col->target != TARGET_FIELD)
            continue;
        const char *cell = cl_csv_field(cr, col->index);
        /* Excel keeps a number as text behind a leading apostrophe. */
        if (strcmp(col->field, "number") == 0 && cell[0] == '\'')
            cell++;
        json_t *value = NULL;
        cl_status vs;
        if (!cl_utf8_valid(cell, strlen(cell)))
            vs = cl_fail(CL_EDATA, _("column \"%s\": not valid text"), r->header[col->index]);
        else if (strcmp(col->field, "circumstances") == 0 &&
                 cl_form_field(form, col->field)->type == CL_FIELD_MULTI)
            vs = cl_roster_circumstances(form, col->field, cell, &value);
        else if (strcmp(col->field, "gender") == 0 && (strcasecmp(cell, "m") == 0 || strcasecmp(cell, "f") == 0))
            vs = cl_form_value_from_text(form, col->field, (*cell | 0x20) == 'm' ? "male" : "female", &value);
        else
            vs = cl_form_value_from_text(form, col->field, cell, &value);
        if (vs == CL_ESOFTWARE) {
            st = vs;
        } else if (vs != CL_OK) {
            ok = false;
            st = add_problem(r, cr->line, "%s", cl_error_message());
            if (st == CL_OK)
                st = cl_form_problem_add(reported, col->field, NULL, "");
        } else if (!json_is_null(value)) {
            json_object_set(fields, col->field, value);
        }
        json_decref(value);
    }
    json_t *guardians = NULL;
    bool guardian_ok = true;
    if (st == CL_OK)
        st = guardian_value(r, form, cr, &guardian_ok, &guardians);
    if (guardians)
        json_object_set_new(fields, "guardians", guardians);
    if (st == CL_OK && !guardian_ok) {
        ok = false;
        st = cl_form_problem_add(reported, "guardians", NULL, "");
    }
    /* Numbers and classes in the one form lookups use; invisible
     * characters in names refused (identifier.h). */
    size_t before = json_array_size(reported);
    if (st == CL_OK)
        st = cl_identifier_normalise_student(fields, reported);
    for (size_t i = before; i < json_array_size(reported) && st == CL_OK; i++) {
        ok = false;
        st = add_problem(r, cr->line, "%s", json_string_value(json_object_get(json_array_get(reported, i), "message")));
    }
    static const struct {
        const char *field, *missing;
    } named[] = {{"number", N_("the student number (学号) is missing")}, {"name", N_("the name (姓名) is missing")}};
    for (size_t k = 0; k < sizeof named / sizeof *named && st == CL_OK; k++) {
        if (json_is_string(json_object_get(fields, named[k].field)))
            continue;
        bool already = false;
        size_t i;
        json_t *p;
        json_array_foreach(reported, i, p)
            already = already || strcmp(json_string_value(json_object_get(p, "field")), named[k].field) == 0;
        if (already)
            continue;
        ok = false;
        st = add_problem(r, cr->line, "%s", _(named[k].missing));
        if (st == CL_OK)
            st = cl_form_problem_add(reported, named[k].field, NULL, "");
    }
    /* A new student is active unless the file says otherwise. */
    if (st == CL_OK && !json_object_get(fields, "status")) {
        const cl_field *status = cl_form_field(form, "status");
        if (status && status->type == CL_FIELD_CHOICE) {
            json_t *active = NULL;
            if (cl_form_value_from_text(form, "status", "active", &active) == CL_OK && !json_is_null(active))
                json_object_set(fields, "status", active);
            json_decref(active);
        }
    }
    size_t known = json_array_size(reported);
    if (st == CL_OK)
        st = cl_form_check(form, fields, reported);
    for (size_t i = known; i < json_array_size(reported) && st == CL_OK; i++) {
        ok = false;
        st = add_problem(r, cr->line, "%s", json_string_value(json_object_get(json_array_get(reported, i), "message")));
    }
    json_decref(reported);
    if (st == CL_OK && ok)
        *out = fields;
    else
        json_decref(fields);
    return st;
}

/* Rejects the second and later rows with one student number. */
static cl_status check_duplicates(cl_roster *r)
{
    for (size_t i = 0; i < r->nrows; i++) {
        if (!r->rows[i].fields)
            continue;
        const char *num = json_string_value(json_object_get(r->rows[i].fields, "number"));
        for (size_t k = 0; k < i; k++) {
            const char *other = r->rows[k].fields ? json_string_value(json_object_get(r->rows[k].fields, "number"))
                                                  : NULL;
            if (other && strcmp(num, other) == 0) {
                cl_status st = cl_roster_reject(r, i,
                                                "student number %s appears twice in the file (first on line %zu); "
                                                "duplicates are never merged",
                                                num, r->rows[k].line);
                if (st != CL_OK)
                    return st;
                break;
            }
        }
    }
    return CL_OK;
}

/* ---- public ----------------------------------------------------------- */

cl_status cl_roster_parse(const char *data, size_t len, const char *encoding, const cl_form *student,
                          cl_roster **out)
{
    *out = NULL;
    if (!student)
        return cl_fail(CL_ESOFTWARE, _("no student form"));
    cl_csv *csv = NULL;
    cl_status st = cl_csv_parse(data, len, encoding ? encoding : "auto", &csv);
    if (st != CL_OK)
        return st;
    cl_roster *r = calloc(1, sizeof *r);
    if (!r || !(r->ignored = json_array())) {
        free(r);
        cl_csv_free(csv);
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    }
    size_t first = 0;
    st = find_header(r, csv, student, &first);
    size_t n = cl_csv_row_count(csv);
    if (st == CL_OK && first < n) {
        r->rows = calloc(n - first, sizeof *r->rows);
        if (!r->rows)
            st = cl_fail(CL_ESOFTWARE, _("out of memory"));
    }
    for (size_t i = first; i < n && st == CL_OK; i++) {
        const cl_csv_row *cr = cl_csv_row_at(csv, i);
        row *rw = &r->rows[r->nrows++];
        rw->line = cr->line;
        st = map_row(r, student, cr, &rw->fields);
    }
    if (st == CL_OK)
        st = check_duplicates(r);
    cl_csv_free(csv);
    if (st != CL_OK) {
        cl_roster_free(r);
        return st;
    }
    *out = r;
    return CL_OK;
}

void cl_roster_free(cl_roster *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nrows; i++)
        json_decref(r->rows[i].fields);
    for (size_t i = 0; i < r->nproblems; i++)
        free(r->problems[i].message);
    for (size_t i = 0; i < r->nheader; i++)
        free(r->header[i]);
    free(r->header);
    free(r->rows);
    free(r->problems);
    free(r->columns);
    json_decref(r->ignored);
    free(r);
}

size_t cl_roster_row_count(const cl_roster *r)
{
    return r->nrows;
}

size_t cl_roster_row_line(const cl_roster *r, size_t i)
{
    return i < r->nrows ? r->rows[i].line : 0;
}

const json_t *cl_roster_row_fields(const cl_roster *r, size_t i)
{
    return i < r->nrows ? r->rows[i].fields : NULL;
}

size_t cl_roster_problem_count(const cl_roster *r)
{
    return r->nproblems;
}

bool cl_roster_problem_at(const cl_roster *r, size_t i, size_t *line, const char **message)
{
    if (i >= r->nproblems)
        return false;
    *line = r->problems[i].line;
    *message = r->problems[i].message;
    return true;
}

cl_status cl_roster_reject(cl_roster *r, size_t i, const char *fmt, ...)
{
    if (i >= r->nrows)
        return cl_fail(CL_ESOFTWARE, _("no roster row %zu"), i);
    va_list ap;
    va_start(ap, fmt);
    cl_status st = add_problem_v(r, r->rows[i].line, fmt, ap);
    va_end(ap);
    json_decref(r->rows[i].fields);
    r->rows[i].fields = NULL;
    return st;
}

json_t *cl_roster_report(const cl_roster *r)
{
    size_t accepted = 0;
    for (size_t i = 0; i < r->nrows; i++)
        accepted += r->rows[i].fields != NULL;
    json_t *columns = json_array(), *problems = json_array();
    for (size_t c = 0; c < r->ncolumns; c++)
        json_array_append_new(columns, json_pack("{s:s, s:s}", "column", r->header[r->columns[c].index], "field",
                                                 target_name(r->columns[c].target, r->columns[c].field)));
    for (size_t i = 0; i < r->nproblems; i++) {
        size_t line;
        const char *msg;
        cl_roster_problem_at(r, i, &line, &msg);
        json_array_append_new(problems, json_pack("{s:I, s:s}", "line", (json_int_t)line, "message", msg));
    }
    size_t rejected = r->nrows - accepted;
    return json_pack("{s:I, s:I, s:I, s:I, s:o, s:O, s:o}", "rows", (json_int_t)r->nrows, "accepted",
                     (json_int_t)accepted, "rejected", (json_int_t)rejected, "header_line",
                     (json_int_t)r->header_line, "columns", columns, "ignored_columns", r->ignored, "problems",
                     problems);
}
