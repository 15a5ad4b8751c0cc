/* The record editor's model (src/ui/view_editor.c draws it, editor_rows.c
 * keeps it): one entry per line the form shows. A repeatable group
 * (guardians, a plan's actions) is a header entry followed by one entry per
 * subfield of each of its rows, so rows are added, deleted and moved
 * between like any field, and never edited as JSON text. */
#ifndef CARELOG_UI_EDITOR_H
#define CARELOG_UI_EDITOR_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "carelog/form.h"
#include "carelog/lineedit.h"
#include "ui.h"

typedef struct field_edit {
    const cl_field *fld;   /* the field, or (group != NULL) one of a group's subfields */
    const cl_field *group; /* the group a subfield belongs to; NULL at the top level */
    size_t item;           /* the subfield's row in its group, from 0 */
    bool header;           /* the group's own line (fld is the group) */
    cl_line line;          /* what is typed (empty and unused for a header) */
    char error[512];
} field_edit;

typedef struct editor {
    char kind[40];
    long long student_id, record_id, base_version, draft_id;
    const cl_form *form;
    field_edit *fields;
    size_t n, cap, cur, top;
    bool pasting;
    bool stale;        /* a save was refused: the record changed meanwhile */
    bool rows_changed; /* a row was added or deleted */
    char student_name[120];
    ui_form_done done; /* a form that is no vault's: the teacher's observation */
    void *done_ctx;
} editor;

/* Makes the entries from stored values, or from a draft's texts (an object
 * of field id → text; a group's text is a JSON array of rows of texts). */
cl_status editor_build(ui *u, editor *e, const json_t *values, const json_t *draft_texts);
void editor_free_entries(editor *e);
/* A stored value as the text it is edited as. */
char *editor_value_text(ui *u, const cl_field *fld, const json_t *val);
/* The values as typed, converted by the form; *bad receives the first
 * entry whose text does not convert (its error set), -1 when none. Empty
 * rows of a group are left out. with_nulls: unanswered fields as null. */
json_t *editor_values(editor *e, bool with_nulls, long *bad);
/* The texts for a draft. */
json_t *editor_texts(const editor *e);
/* Whether entry i shows (its conditions, in its row for a subfield), and
 * whether it is required there. */
bool editor_shown(const editor *e, size_t i, const json_t *values);
bool editor_required(const editor *e, size_t i, const json_t *values);
/* The name the core's messages give entry i: "notes", "guardians[2].phone". */
const char *editor_entry_path(const editor *e, size_t i, char *buf, size_t size);
/* The header entry of the group entry i belongs to, or -1 at the top level. */
long editor_group_header(const editor *e, size_t i);
/* How many rows the group with header h has. */
size_t editor_rows_of(const editor *e, size_t h);
/* Adds an empty row after the row of entry i (at the end on the header);
 * *first: the new row's first entry. */
cl_status editor_add_row(editor *e, size_t i, size_t *first);
/* Deletes the row of entry i (a subfield's); the rows after it move up. */
void editor_delete_row(editor *e, size_t i);

#endif
