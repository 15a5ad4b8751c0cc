/* Drafts: a record being written on screen, kept inside the vault (so
 * encrypted like everything else) when the screen locks or the terminal
 * dies, until the counsellor saves it as a record or throws it away. A draft
 * is not a record: it is never validated, listed, exported or counted. */
#ifndef CARELOG_DRAFT_H
#define CARELOG_DRAFT_H

#include <jansson.h>

#include "carelog/status.h"
#include "carelog/vault.h"

/* Keeps a draft of the current counsellor: a new record of `kind` for the
 * student (record_id 0; student_id 0 for a new student's details), or an
 * edit of record_id read at base_version.
 * fields: the values as typed, an object of field id → text. *id is the
 * draft to replace (0: a new one) and receives its id. */
cl_status cl_draft_save(cl_vault *v, const char *kind, long long student_id, long long record_id,
                        long long base_version, const json_t *fields, long long *id);

/* The current counsellor's drafts, newest first: [{id, kind, student_id,
 * number, name, record_id, base_version, saved_at, fields}]. */
cl_status cl_draft_list(cl_vault *v, json_t **out);

/* Throws a draft away (after it was saved as a record, or on request).
 * CL_ENOTFOUND when there is no such draft of this counsellor. */
cl_status cl_draft_delete(cl_vault *v, long long id);

#endif
