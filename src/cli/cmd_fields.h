/* Helpers shared by the student, record and form commands (defined in
 * cmd_record.c): field values from --field id=value and --input FILE|-,
 * numbers from operands, and the language for rendering. */
#ifndef CARELOG_CMD_FIELDS_H
#define CARELOG_CMD_FIELDS_H

#include <jansson.h>
#include <stddef.h>

#include "carelog/cli.h"
#include "carelog/form.h"
#include "carelog/table.h"

#define CL_MAX_FIELD_ARGS 128

typedef struct cl_field_args {
    const char *items[CL_MAX_FIELD_ARGS]; /* "id=value" */
    size_t n;
    const char *input; /* --input FILE or "-" */
} cl_field_args;

/* Records one --field; exit code 64 when there are too many. */
int cl_field_args_add(cl_field_args *a, const char *item);

/* The JSON object of fields: --input's object, then each --field on top
 * (converted by cl_form_value_from_text; an empty value gives null). */
cl_status cl_field_args_build(const cl_form *form, const cl_field_args *a, json_t **out);

/* Sets fields[id] from command-line text, through the form. */
cl_status cl_field_set_text(const cl_form *form, json_t *fields, const char *id, const char *text);

/* A positive whole number from text ("12" or "#12"); 64 otherwise. */
cl_status cl_parse_id(const char *text, const char *what, long long *out);

/* "zh" or "en", from the locale. */
const char *cl_cli_lang(void);

/* Reorders the command's arguments so that its options come before its
 * operands ("record edit 12 --version 3" works like "record edit --version
 * 3 12"); options are those of `options`. An argument starting with '-'
 * counts as an option unless it follows "--". */
void cl_cli_permute(cl_cli *c, const struct option *options);

/* The string at key, or "" (never NULL). */
const char *cl_json_str_or(const json_t *o, const char *key);

/* printf to stdout, made inert (for any text that holds stored data). */
void cl_cli_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints a table and frees it. */
int cl_cli_table_done(cl_table *t);

#endif
