/* Forms: the definitions (the .form files in forms/) that drive the record
 * editor, the command line's validation, rendering and the exports.
 *
 * A definition is plain UTF-8 text that a school can read and adapt; the
 * format is described in docs/forms.md. A parsed form is immutable: every
 * pointer below stays valid until cl_form_free(). Record values are a JSON
 * object mapping field ids to values:
 *
 *   text, longtext, date, datetime, choice  string ("YYYY-MM-DD",
 *                                           "YYYY-MM-DDTHH:MM", a choice id)
 *   number                                  integer or real
 *   scale, student                          integer (student: record id > 0)
 *   yesno                                   true / false
 *   multi                                   array of choice ids
 *   group                                   array of objects (one per item)
 *
 * An absent key, null, "" and [] all mean "not answered". */
#ifndef CARELOG_FORM_H
#define CARELOG_FORM_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "carelog/status.h"

typedef enum cl_field_type {
    CL_FIELD_TEXT,     /* "text": one line */
    CL_FIELD_LONGTEXT, /* "longtext": several lines */
    CL_FIELD_DATE,     /* "date" */
    CL_FIELD_DATETIME, /* "datetime" */
    CL_FIELD_NUMBER,   /* "number" */
    CL_FIELD_BOOL,     /* "yesno" */
    CL_FIELD_CHOICE,   /* "choice": one of the choices */
    CL_FIELD_MULTI,    /* "multi": any number of the choices */
    CL_FIELD_SCALE,    /* "scale": an integer from min to max */
    CL_FIELD_GROUP,    /* "group": repeatable items made of subfields */
    CL_FIELD_STUDENT   /* "student": the record id of a student */
} cl_field_type;

typedef struct cl_choice {
    const char *id, *label_zh, *label_en;
} cl_choice;

/* A label for one point of a scale ("0 完全不会 | Not at all"). */
typedef struct cl_scale_point {
    long value;
    const char *label_zh, *label_en;
} cl_scale_point;

typedef enum cl_cond_op {
    CL_COND_NONE = 0, /* no condition */
    CL_COND_EQ,       /* =  */
    CL_COND_NE,       /* != (also true when the other field is unanswered) */
    CL_COND_CONTAINS, /* contains: a multi-choice field holds the choice */
    CL_COND_LT,       /* <  (scale and number only) */
    CL_COND_LE,       /* <= */
    CL_COND_GT,       /* >  */
    CL_COND_GE        /* >= */
} cl_cond_op;

/* "required when FIELD OP VALUE", "shown when …", and the test of a flag.
 * FIELD is in the same scope: a top-level field for top-level fields, a
 * sibling subfield for the subfields of a group. */
typedef struct cl_condition {
    cl_cond_op op;
    const char *field;
    const char *value; /* canonical: a choice id, "yes"/"no", or a number */
    double number;     /* value as a number, for scale and number fields */
} cl_condition;

typedef struct cl_field cl_field;
struct cl_field {
    const char *id;
    cl_field_type type;
    bool required;               /* always required (see also required_when) */
    const char *label_zh, *label_en;
    const char *help_zh, *help_en; /* NULL when the form gives no help */
    const cl_choice *choices;    /* choice, multi */
    size_t n_choices;
    const cl_scale_point *points; /* scale: labelled points, in order */
    size_t n_points;
    bool has_min, has_max;       /* number, scale (a scale has both) */
    double min, max;
    bool integer;                /* number: whole numbers only */
    size_t max_len;              /* text, longtext: code points (always set) */
    size_t max_items;            /* multi, group: 0 = no limit */
    const cl_field *subfields;   /* group */
    size_t n_subfields;
    cl_condition required_when;  /* op CL_COND_NONE when absent */
    cl_condition shown_when;
    unsigned line, column;       /* where it is defined in the form text */
};

typedef struct cl_form cl_form;

/* Parses a definition. On error CL_EDATA with "FILE:LINE:COLUMN: reason"
 * (columns count characters from 1); filename may be NULL. */
cl_status cl_form_parse(const char *text, size_t len, const char *filename,
                        cl_form **out);
/* Reads a file and parses it (CL_ENOTFOUND, CL_EIO, CL_EDATA). */
cl_status cl_form_load(const char *path, cl_form **out);
void cl_form_free(cl_form *f);

const char *cl_form_kind(const cl_form *f);
/* lang "zh" or "en" (anything not starting with "en" gives Chinese). */
const char *cl_form_title(const cl_form *f, const char *lang);
/* The kind's name where a column is narrow ("辅导", "Session"): the form's
 * `short` line, or its title when it has none. */
const char *cl_form_short_title(const cl_form *f, const char *lang);
/* NULL when the form has no description. */
const char *cl_form_description(const cl_form *f, const char *lang);
size_t cl_form_field_count(const cl_form *f);
const cl_field *cl_form_field_at(const cl_form *f, size_t i);
/* A top-level field by id, or NULL. */
const cl_field *cl_form_field(const cl_form *f, const char *id);
/* The label of a field in lang. */
const char *cl_field_label(const cl_field *fld, const char *lang);
/* A subfield of a group by id, or NULL. */
const cl_field *cl_field_subfield(const cl_field *fld, const char *id);
/* The label in lang of the choice `id` of a choice or multi field, or NULL
 * when the field has no such choice. */
const char *cl_field_choice_label(const cl_field *fld, const char *id, const char *lang);

/* Conditions, for the editor: scope is the values object holding fld (the
 * record's values, or one item of a group). cl_field_shown is false when a
 * "shown when" does not hold; cl_field_required is true when the field is
 * shown and required, always or by its "required when". */
bool cl_field_shown(const cl_field *fld, const json_t *scope);
bool cl_field_required(const cl_field *fld, const json_t *scope);

/* Checks a whole record value object against the form: unknown fields,
 * required fields (incl. conditional), types, limits, choice membership,
 * valid dates, valid UTF-8, max lengths counted in characters (code
 * points). On failure CL_EDATA with a message naming the field id and its
 * Chinese label, e.g. "field reason_not_informed (未告知原因): required when
 * guardians_informed is no". A subfield is named "guardians[2].phone". */
cl_status cl_form_validate(const cl_form *f, const json_t *values);

/* Every problem at once. cl_form_check appends one object per problem to
 * `problems` (a JSON array) — {field, label_zh, label_en, message}, field
 * being the path ("guardians[2].phone") and message the line
 * cl_form_validate would give — checking everything it can; a field whose
 * path is already listed in `problems` (put there by the caller: a value
 * it could not convert, an identifier it refused) is not checked again.
 * CL_OK unless out of memory. cl_form_fail_problems turns a non-empty list
 * into CL_EDATA with one message: the problem's own line when there is one,
 * else "N problems in the KIND form; nothing was saved:" and a line per
 * problem; CL_OK for an empty list. cl_form_validate is cl_form_check then
 * cl_form_fail_problems; cl_form_validate_into does the same starting from
 * the caller's list. */
cl_status cl_form_check(const cl_form *f, const json_t *values, json_t *problems);
cl_status cl_form_fail_problems(const cl_form *f, const json_t *problems);
cl_status cl_form_validate_into(const cl_form *f, const json_t *values, json_t *problems);

/* Adds one problem to a list (f NULL: no labels). */
cl_status cl_form_problem_add(json_t *problems, const char *path, const cl_field *f, const char *message);

/* The list behind the current error message (cl_error_message), when that
 * message is (or ends with) one made by cl_form_fail_problems; else NULL.
 * For `--json`, which prints the problems as a list. */
const json_t *cl_form_last_problems(void);

/* Converts command-line text for one field (`--field id=value`) into the
 * JSON value the form expects: dates canonicalised, numbers, yes/no
 * (yes/no/true/false/是/否/1/0), choice (by id or by zh/en label),
 * multi-choice (comma-separated, also ， and 、), scale (number or point
 * label), student (integer id). A group takes a JSON array text. Empty (or
 * blank) text gives JSON null, meaning "not answered". CL_EDATA with a
 * message on bad input, CL_ENOTFOUND for an unknown field id. */
cl_status cl_form_value_from_text(const cl_form *f, const char *field_id,
                                  const char *text, json_t **out);
/* The same for one field, a group's subfield too (the screens edit a
 * group row by row); prefix goes before its id in messages
 * ("guardians[2]."). */
cl_status cl_field_value_from_text(const cl_field *fld, const char *prefix, const char *text, json_t **out);

/* For screening forms: computes {"score": N, "max": M, "band": "id",
 * "band_zh": "...", "band_en": "...", "complete": true, "answered": K,
 * "items": M, "flags": ["self_harm_thoughts", ...], "flag_labels":
 * [{"id","zh","en"}, ...]}; *out = NULL when the form has no scoring.
 * Missing items => score over answered items plus "complete": false (the
 * band is then that of the partial score, a lower bound). A form with flags
 * but no score gives only the flag keys. CL_EDATA when a scored item holds
 * an invalid value. */
cl_status cl_form_score(const cl_form *f, const json_t *values, json_t **out);

/* Human-readable rendering for `record show`: one "label: value" line per
 * present field in form order, choice ids shown as labels in lang, groups
 * indented, long text kept with newlines. A screening form adds a
 * "总分: N/M (band)" line and one "警示: …" line per raised flag ("Score",
 * "Flag" in English). Returns malloc'd UTF-8 (the caller makes it
 * terminal-safe), NULL on allocation failure. Values for fields not in this
 * form version are listed at the end under their raw id, after a heading
 * line, so old records always render. */
char *cl_form_render(const cl_form *f, const json_t *values, const char *lang);

/* One field's value for people, as cl_form_render shows it after the
 * label (choices as labels in lang, a group's items on their own lines);
 * malloc'd, NULL on allocation failure. */
char *cl_form_value_text(const cl_field *fld, const json_t *value, const char *lang);

/* A stable fingerprint of the form text (hex BLAKE2b-256 via libsodium
 * crypto_generichash) so the vault can tell if an imported form changed. */
void cl_form_digest(const char *text, size_t len, char hex[65]);

#endif
