/* What the follow-up files share: the student form the policies name
 * circumstances from, and the words for a policy's value. */
#ifndef CARELOG_FOLLOWUP_INTERNAL_H
#define CARELOG_FOLLOWUP_INTERNAL_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>

#include "carelog/form.h"

/* The newest student form in the vault, parsed; NULL when there is none
 * (or it does not parse). */
cl_form *cl_followup_student_form(sqlite3 *db);

/* "crisis (risk 3)" or "Left-behind child (left_behind)"; in Chinese with
 * zh ("风险 3（危机）", "留守儿童"). */
void cl_followup_policy_label(const cl_form *form, const char *basis, const char *value, bool zh, char *out,
                              size_t size);

#endif
