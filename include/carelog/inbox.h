/* The inbox: teachers' sealed observations coming into the vault.
 *
 * Files arrive in the vault's inbox/ folder (or are named on the command
 * line). Each is opened with the vault's X25519 key, its signature checked
 * against the enrolled teachers, and then, in one transaction, either
 * queued for triage or quarantined with its reason — a file from an
 * unknown or revoked teacher, tampered, truncated, for another vault,
 * replayed, malformed or written with a form the vault does not hold is
 * never merged. Only after that transaction commits is the file removed
 * from inbox/, so an import cut off at any point loses nothing, and the
 * next one recognises a file it already took (by its hash) and only
 * removes it. Plaintext never touches the disk: the opened content goes
 * straight into the encrypted database.
 *
 * Triage turns a queued observation into an observation record of the
 * student, authored by the teacher (cl_record_add), or dismisses it with a
 * reason. Everything here is audited. */
#ifndef CARELOG_INBOX_H
#define CARELOG_INBOX_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "carelog/status.h"
#include "carelog/vault.h"

/* The vault's inbox/ folder, malloc'd; created (mode 0700) when missing.
 * A school may make it group-writable with the sticky bit (README). */
cl_status cl_inbox_dir(cl_vault *v, char **out);

/* Takes in the files at paths (n of them), or with n == 0 every *.clobs
 * file in inbox/. Files inside inbox/ are removed once taken in; files
 * elsewhere are left where they are. *report (may be NULL):
 * [{file, result: "new"|"quarantined"|"already", id, reason, detail}]. A
 * file that cannot be read is reported (result "unreadable") and left. */
cl_status cl_inbox_import(cl_vault *v, const char *const *paths, size_t n, json_t **report);

/* What an unlock does: takes in whatever waits in inbox/ (nothing, and no
 * folder made, when there is none) and counts the results. */
cl_status cl_inbox_import_waiting(cl_vault *v, size_t *fresh, size_t *quarantined);

/* Observations to triage (all of them with all): urgent first, then by
 * severity, oldest first. [{id, received_at, written_at, teacher,
 * teacher_fingerprint, student_number, student_name, student_class,
 * severity, summary, status, record_id, student_id}] where student_id is
 * the student the number (else name and class) finds, or null. The
 * fronts audit listings (cl_audit_listing), as for every list. */
cl_status cl_inbox_list(cl_vault *v, bool all, json_t **out);

/* One queued observation with its fields, as the list's rows plus {fields,
 * form_id, triaged_at, triaged_by, dismiss_reason, observation_id,
 * counter}. Audited (inbox.view). */
cl_status cl_inbox_get(cl_vault *v, long long id, json_t **out);

/* Accepts onto a student (0: the one the observation names, found by
 * number, else by name and class): an observation record authored by the
 * teacher. Audited (inbox.accept, record.create). */
cl_status cl_inbox_accept(cl_vault *v, long long id, long long student_id, long long *record_id);

/* Dismisses with a reason (required). Audited (inbox.dismiss). */
cl_status cl_inbox_dismiss(cl_vault *v, long long id, const char *reason);

/* [{id, received_at, source, reason, detail, teacher, size}] newest first. */
cl_status cl_inbox_quarantine(cl_vault *v, json_t **out);

/* Observations waiting for triage, and how many of them are urgent. */
cl_status cl_inbox_pending_count(cl_vault *v, long long *count, long long *urgent);

#endif
