/* Shared between transfer.c (import) and transfer_export.c; not public. */
#ifndef CARELOG_TRANSFER_INTERNAL_H
#define CARELOG_TRANSFER_INTERNAL_H

#include <jansson.h>
#include <sqlite3.h>
#include <stdbool.h>

#include "carelog/status.h"

/* Columns holding JSON objects ("fields", "score"), shown in the document
 * as objects. */
bool cl_transfer_is_json_column(const char *name);

/* The tables the document keeps under other_tables, by name. */
cl_status cl_transfer_other_table_names(sqlite3 *db, json_t **out);

/* PRAGMA user_version. */
int cl_transfer_schema_version(sqlite3 *db);

#endif
