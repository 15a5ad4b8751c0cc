/* What the report files share (report.c, report_stats.c). */
#ifndef CARELOG_REPORT_INTERNAL_H
#define CARELOG_REPORT_INTERNAL_H

#include <jansson.h>

#include "carelog/vault.h"

/* The label, in the interface language, of a value of a field of a kind's
 * current form ("" for no value; the value itself when the form or field
 * is unknown). malloc'd, NULL when out of memory. */
char *cl_report_field_label(cl_vault *v, const char *kind, const char *field, const json_t *value);

#endif
