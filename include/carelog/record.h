/* Records: everything written about a student — observations, sessions,
 * assessments, plans and their reviews, home-school contacts, referrals,
 * screenings, and the student's own details (kind "student").
 *
 * A record is the core columns plus the form's fields as a JSON object,
 * validated by the form version it was written with. One transaction per
 * action, audited in the same transaction. An edit never destroys: the
 * earlier version is kept, and an edit against a stale version is refused
 * (CL_ECONFLICT), so two terminals editing one record lose nothing. A signed
 * note cannot be edited, only amended. */
#ifndef CARELOG_RECORD_H
#define CARELOG_RECORD_H

#include <jansson.h>
#include <stdbool.h>

#include "carelog/status.h"
#include "carelog/vault.h"

/* Kinds that can be signed (then only amended): session, assessment,
 * referral, phq9, gad7. */
bool cl_record_kind_signable(const char *kind);

/* Adds a record of `kind` for a student. fields: a JSON object by the
 * kind's current form (validated; not stolen — the caller keeps its
 * reference). occurred_at comes from the field "occurred_at" (date or
 * date-time); when the form has that field and it is left empty, it is
 * filled with today (or this minute) before validation, so a record written
 * as it happens need not say when. follow_up comes from the field
 * "follow_up". parent_id
 * links a plan review to its plan (0 = none; must be a plan of the same
 * student). Side effects by kind, in the same transaction:
 *   assessment  sets the student's risk level and misconduct tier
 *   screening   (a form with scoring) stores the score in the record and
 *               raises the form's flags on the student
 *   referral    starts in state "draft" with its first transition
 * Audited as record.create. */
cl_status cl_record_add(cl_vault *v, const char *kind, long long student_id, const json_t *fields,
                        long long parent_id, long long *id_out);

/* Edits a record: `changes` is merged into the fields (a null value removes
 * a field), the result is validated by the kind's current form, the old
 * version goes to the history. expected_version must be the version the
 * caller showed: otherwise CL_ECONFLICT saying who changed it and when.
 * A signed record: CL_EPERM ("signed; add an amendment instead"). Audited. */
cl_status cl_record_edit(cl_vault *v, long long id, long long expected_version, const json_t *changes,
                         long long *new_version);

/* The whole record as JSON, keys in this order: {id, student_id,
 * student_name, student_number, kind, author, occurred_at, created_at,
 * updated_at, updated_by, form_id, form_kind, form_version, version,
 * fields, follow_up, parent_id, state, signed_at, signed_by,
 * signature_valid, score, history_versions, amendments:[{id, author, at,
 * text}], transitions:[{id, from, to, at, actor, note}] (referrals only),
 * reviews:[{id, occurred_at}] (plans only), flags:[{id, flag, label_zh,
 * label_en, raised_at, cleared_at, cleared_by, cleared_reason}] (raised by
 * this record)}.
 *   occurred_at  "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM" (from the form's
 *                occurred_at field; the day it was added when there is none)
 *   created_at, updated_at, signed_at  UTC "YYYY-MM-DDTHH:MM:SSZ"
 *   signature_valid  null when unsigned, else true/false: the Ed25519
 *                signature by this vault's key verifies and the signed
 *                payload (records.signed_payload) matches the record now
 *   score        null, or a screening's cl_form_score object, stored in
 *                records.score (JSON text) when the record was saved
 *   history_versions  how many earlier versions record_versions holds
 *   received_from  null, or {school, fingerprint, transfer_id,
 *                source_record_id, received_at} for a record that came
 *                with a student's transfer from another school
 * Null for absent text and ids. With audit_view, the reading is written to
 * the audit log (record.view). CL_ENOTFOUND. */
cl_status cl_record_get(cl_vault *v, long long id, bool audit_view, json_t **out);

/* Writes that a person viewed record #id (record.view), for fronts that
 * show a record through another function (a referral's history). */
cl_status cl_record_audit_view(cl_vault *v, long long id);

/* Earlier versions, oldest first: [{version, occurred_at, updated_at,
 * updated_by, form_version, form_id, fields}], then the current one. */
cl_status cl_record_history(cl_vault *v, long long id, json_t **out);

typedef struct cl_record_filter {
    long long student_id; /* 0 = all */
    const char *kind;     /* NULL = all but "student" */
    const char *since;    /* YYYY-MM-DD, occurred on or after; NULL = any */
    const char *until;    /* YYYY-MM-DD, occurred on or before; NULL = any */
    long long limit;      /* 0 = no limit */
    long long before_id;  /* 0 = from the newest; else only records after #before_id in this order (the next page) */
} cl_record_filter;

/* Newest first (occurred_at, then id): [{id, student_id, student_name,
 * student_number, kind, occurred_at, author, summary, follow_up, state,
 * signed, version}] where summary is a screening's score and band, else the
 * opening words (48 characters, "…" when cut, on one line) of the first
 * required long text, else of the first required text, else of the first
 * text field with a value. Bad dates in the filter: CL_EDATA; an unknown
 * kind: CL_ENOTFOUND. */
cl_status cl_record_list(cl_vault *v, const cl_record_filter *filter, json_t **out);

/* Records (other than students' details) per week, for the 7×weeks days
 * ending on last_day (YYYY-MM-DD): counts[weeks - 1] the 7 days up to
 * last_day, counts[0] the oldest. From the counts of each day that
 * triggers keep in every write (record_days); no record is read. CL_EDATA
 * for a bad date. */
cl_status cl_record_count_by_week(cl_vault *v, const char *last_day, int weeks, long long *counts);

/* The same rows, one at a time and in the same order, without building the
 * list: row is called with each (borrowed: incref to keep it); a status
 * other than CL_OK from it stops the walk and is returned. Memory stays
 * flat however many records there are. */
typedef cl_status cl_record_row_fn(json_t *row, void *ctx);
cl_status cl_record_each(cl_vault *v, const cl_record_filter *filter, cl_record_row_fn *row, void *ctx);

/* How many rows cl_record_each would give for the filter (at most its
 * limit), counted over the same indexes without reading a record. */
cl_status cl_record_count(cl_vault *v, const cl_record_filter *filter, long long *count);

/* Signs a note (session, assessment, referral, …): only its author may,
 * at the version shown. The vault's Ed25519 key signs the canonical JSON
 * of the content. Audited. */
cl_status cl_record_sign(cl_vault *v, long long id, long long expected_version);

#define CL_RECORD_AMENDMENT_MAX 4000 /* characters of an amendment */

/* Adds an amendment to a signed record (or any record): shown beside the
 * original with who and when; valid UTF-8, at most CL_RECORD_AMENDMENT_MAX
 * characters. Audited. */
cl_status cl_record_amend(cl_vault *v, long long id, const char *text);

/* Renders a record for people (labels in lang, amendments after), malloc'd;
 * the caller makes it inert before printing. */
cl_status cl_record_render(cl_vault *v, const json_t *record, const char *lang, char **out);

#endif
