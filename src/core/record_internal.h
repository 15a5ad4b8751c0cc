/* Shared between catalog.c, record*.c and student.c; not public. */
#ifndef CARELOG_RECORD_INTERNAL_H
#define CARELOG_RECORD_INTERNAL_H

#include <jansson.h>
#include <sqlite3.h>
#include <stdbool.h>

#include "carelog/form.h"
#include "carelog/status.h"
#include "carelog/vault.h"

/* A transaction that nests: BEGIN IMMEDIATE when none is open, else a
 * savepoint inside the caller's (so roster import or vault import can wrap
 * many cl_student_add / cl_record_add calls in one transaction).
 * cl_tx_end commits (or releases) when st is CL_OK, else rolls back, and
 * returns the status of the whole. */
typedef struct cl_tx {
    sqlite3 *db;
    bool savepoint;
} cl_tx;
cl_status cl_tx_begin(sqlite3 *db, cl_tx *tx);
cl_status cl_tx_end(cl_tx *tx, cl_status st);

/* The current time as UTC ISO ("2026-03-01T08:00:00Z") into buf[32]. */
void cl_now_iso(char buf[32]);

/* Inserts a validated record (inside a transaction) with its side effects
 * by kind (risk, score and flags, referral state); no audit. */
cl_status cl_record_insert_tx(cl_vault *v, const char *kind, long long student_id, const json_t *fields,
                              long long parent_id, long long *id_out);

/* Edits inside the caller's transaction; audits as `action` unless NULL. */
cl_status cl_record_edit_tx(cl_vault *v, long long id, long long expected_version, const json_t *changes,
                            const char *action, long long *new_version);

/* Sets the student's risk level and misconduct tier from the newest
 * assessment (by occurred_at, then id); unchanged when there is none. */
cl_status cl_student_refresh_risk_tx(sqlite3 *db, long long student_id);

/* Brings the derived state of one student (the follow-up obligations of
 * its records and its student_state row) in step with its records, inside
 * the caller's transaction (followup_state.c). Every write that changes a
 * student's records, details, flags or status calls it. */
cl_status cl_followup_refresh_tx(sqlite3 *db, long long student_id);
/* The same, at the commit of the open transaction (cl_db_commit), once
 * however many of the student's records it wrote: for a change of the
 * student's status or records moved between students. */
cl_status cl_followup_touch_tx(sqlite3 *db, long long student_id);
/* A record of the student written (added or edited): at the commit only
 * the obligations it can change are recomputed, and the student's state,
 * so a write costs the same however long the student's history. */
cl_status cl_followup_touch_record_tx(sqlite3 *db, long long record_id, long long student_id);
/* Only the student's state (its flags changed). */
cl_status cl_followup_touch_state_tx(sqlite3 *db, long long student_id);
/* Every student's state again (after a policy changed). */
cl_status cl_followup_refresh_all_tx(sqlite3 *db);
/* All of it again from the records (after an import; repair). */
cl_status cl_followup_rebuild_tx(sqlite3 *db);

/* A reason a person gave (closing a case, clearing a flag, closing a
 * follow-up): required, valid UTF-8, at most max characters. */
cl_status cl_reason_check(const char *reason, const char *what, size_t max);

/* Brings the students row in step with the student record's fields
 * (student.c). A number changed to one another student holds is refused. */
cl_status cl_student_sync_tx(cl_vault *v, long long student_id, const json_t *fields, bool number_changed);

/* True when a signed record's signature verifies with the vault's key and
 * its payload matches the record as it is now (record_sign.c). */
bool cl_record_signature_check(sqlite3 *db, long long id, const char *kind, long long student_id,
                               const char *occurred_at, const json_t *fields, const char *payload_text,
                               const void *sig, size_t sig_len);

/* A JSON text or NULL from a column, parsed (NULL when absent or bad). */
json_t *cl_json_column(sqlite3_stmt *q, int col);

/* A text column as a JSON string; JSON null when the column is NULL. */
json_t *cl_column_string(sqlite3_stmt *q, int col);

/* Runs a query bound to one id and turns each row into an object by keys
 * (text columns; an "I:" prefix marks an integer column, null when NULL).
 * A failure names `what` ("reading the record"). */
cl_status cl_rows_json(sqlite3 *db, const char *sql, long long id, const char *const *keys, const char *what,
                       json_t **out);

/* The string value of fields[key], or NULL. */
const char *cl_json_str(const json_t *obj, const char *key);

/* Writes that someone viewed `what` #id (action such as "record.view"), in
 * its own transaction or inside the caller's. */
cl_status cl_audit_view_tx(cl_vault *v, const char *action, const char *what, long long id);

/* A student's status as lists show it (students s): "merged" for one
 * merged into another (student.c, student_list.c). */
#define CL_STUDENT_STATUS_OF_S "CASE WHEN s.merged_into IS NULL THEN s.status ELSE 'merged' END"

#endif
