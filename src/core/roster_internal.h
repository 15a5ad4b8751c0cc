/* Shared by the roster*.c files only. */
#ifndef CARELOG_ROSTER_INTERNAL_H
#define CARELOG_ROSTER_INTERNAL_H

#include <jansson.h>

#include "carelog/form.h"
#include "carelog/roster.h"

/* Circumstances text → the form's multi value, with the short words school
 * systems use; "无" or "否" means none. */
cl_status cl_roster_circumstances(const cl_form *form, const char *field, const char *text, json_t **out);

/* A relation as a school writes it (父亲, 奶奶, mother) → the choice id of
 * the guardians' relation field, or NULL. */
const char *cl_roster_relation(const cl_field *rel, const char *text);

/* A malloc'd copy without spaces, tabs or line breaks at either end. */
char *cl_roster_trimmed(const char *s);

/* A phone number as spreadsheets export it, made plain (malloc'd). */
char *cl_roster_phone(const char *cell);

#endif
