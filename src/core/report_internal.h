/* What the report files share (report.c, report_stats.c). */
#ifndef CARELOG_REPORT_INTERNAL_H
#define CARELOG_REPORT_INTERNAL_H

#include <jansson.h>

#include "carelog/storage.h"
#include "carelog/vault.h"

/* The label, in the interface language, of a value of a field of a kind's
 * current form ("" for no value; the value itself when the form or field
 * is unknown). malloc'd, NULL when out of memory. */
char *cl_report_field_label(cl_vault *v, const char *kind, const char *field, const json_t *value);

/* The rows of one query as an object keyed by the first column's id
 * ("12": value(row)); bind, when not NULL, is text for ?1. One pass;
 * `what` names the reading in a failure's message. */
cl_status cl_report_rows_by_id(cl_vault *v, const char *sql, const char *bind, json_t *(*value)(sqlite3_stmt *q),
                               const char *what, json_t **out);

/* The fields and score of the records ids (a JSON array of record ids), in
 * one query: {"12": {fields, score}}. cl_report_record_fields reads one
 * record's ("fields" or "score") from it by the record's "id". */
cl_status cl_report_record_columns(cl_vault *v, const json_t *ids, json_t **out);
const json_t *cl_report_record_fields(const json_t *columns, const json_t *item, const char *which);
/* Each student's details (the fields of their own record), in one query:
 * {"12": {…}} by student id. */
cl_status cl_report_student_details(cl_vault *v, json_t **out);

#endif
