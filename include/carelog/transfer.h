/* Whole-vault export and import: "no lock-in".
 *
 * `carelog export vault --json -o FILE` writes everything the vault holds
 * about students as one JSON document (UTF-8, indented, keys in the order
 * below), and `carelog import vault FILE` reads it back into an empty vault
 * with nothing lost: ids, versions, history, timestamps, authors, states and
 * signatures are kept as they were.
 *
 * The document, format version 1:
 *
 *   {
 *     "format": "carelog-vault-export",
 *     "version": 1,
 *     "schema": 2,                  the vault's schema (PRAGMA user_version)
 *     "vault": {                    identity of the exporting vault
 *       "id", "school", "fingerprint",
 *       "ed25519_public": hex,      verifies the records' signatures
 *       "exported_at", "exported_by",
 *       "counsellors": [{name, created_at, removed_at}]   names, never keys
 *       "imported_from": {…}        present when this vault was itself filled
 *                                   by `import vault`: that document's "vault"
 *     },
 *     "forms": [{id, kind, version, source, digest, imported_at}],
 *     "students": [{id, record_id, number, name, class, birth_date, status,
 *                   risk_level, misconduct_tier, counsellor, merged_into,
 *                   created_at}],
 *     "records": [{id, student_id, kind, author, occurred_at, created_at,
 *                  updated_at, updated_by, form_id, version,
 *                  fields: {…},     the form's values, as record.h says
 *                  follow_up, parent_id, state, signed_at, signed_by,
 *                  signature: hex | null,
 *                  signed_payload: the exact text signed (a string),
 *                  score: {…} | null   a screening's score,
 *                  versions:    [{version, form_id, fields, occurred_at,
 *                                 updated_at, updated_by}]  earlier versions
 *                  amendments:  [{id, author, at, text}],
 *                  transitions: [{id, from_state, to_state, at, actor, note}]}],
 *     "flags": [{id, student_id, record_id, flag, label_zh, label_en,
 *                raised_at, cleared_at, cleared_by, cleared_reason}],
 *     "followup_policies": [{basis, value, days}],
 *     "not_duplicates": [{a, b}],
 *     "other_tables": {NAME: [{column: value…}]},  tables added by later
 *                                   schema versions, row by row
 *     "audit": {
 *       "entries": [{id, at, actor, action, target, detail, prev_hash,
 *                    hash}],        the whole hash-chained log, hashes in hex
 *       "imported": [...]           present after `import vault`: the entries
 *                                   of the vault the data came from
 *     }
 *   }
 *
 * Rows hold every column of their table, under the column's name, in the
 * table's column order, ordered by id (so a newer schema's added columns
 * appear without a change of format): integers as numbers, text as strings,
 * binary columns (signatures, hashes) as lower-case hex, SQL NULL as null,
 * and the "fields" and "score" columns as JSON objects. Times are UTC
 * "YYYY-MM-DDTHH:MM:SSZ"; occurred_at and follow-up dates as the forms
 * write them. Exporting, importing and exporting again gives the same
 * document except "vault" and "audit". */
#ifndef CARELOG_TRANSFER_H
#define CARELOG_TRANSFER_H

#include <jansson.h>

#include "carelog/status.h"
#include "carelog/vault.h"

#define CL_TRANSFER_FORMAT "carelog-vault-export"
#define CL_TRANSFER_VERSION 1

/* Builds the document from a consistent view of the vault (a new
 * reference). Does not write the audit log. */
cl_status cl_transfer_export(cl_vault *v, json_t **doc);

/* The document as the file holds it (malloc'd UTF-8, ends with a newline). */
char *cl_transfer_dumps(const json_t *doc);

/* Writes the export to path (mode 0600, never replacing a file:
 * CL_ECANTCREATE), audited as export.vault in the same transaction, so the
 * file's audit section names its own export. Nothing is logged when the
 * file could not be written. *summary (may be NULL): {path, students,
 * records, forms, audit_entries, bytes}. */
cl_status cl_transfer_export_file(cl_vault *v, const char *path, json_t **summary);

/* Reads a document into this vault, which must hold no students and no
 * records (CL_ECANTCREATE otherwise). The document is checked strictly —
 * format and version, every section's shape, every column's name and type,
 * hex, form sources against their digests, every record's fields against
 * its form version, the columns derived from them as carelog writes them
 * (kind, version, occurred_at, follow_up, referral state; each student's
 * row against its details record), amendment and note lengths, follow-up
 * policy limits, references between rows — and any problem is CL_EDATA
 * naming where it is ("records[12].fields: …"), with nothing changed. The
 * vault's forms and follow-up policies are replaced by the document's;
 * everything else is added in one transaction with the original ids,
 * audited as import.vault. The source vault's identity and audit log are
 * kept inside the vault (see "imported_from" and "audit.imported" above);
 * the Ed25519 public keys that signed the imported notes (the source's,
 * and those it had imported) go to meta "imported_signing_keys", a JSON
 * array of hex, since this vault's own key did not sign them.
 * *summary (may be NULL): {students, records, forms, versions,
 * amendments, transitions, flags, audit_entries, source:{id, school,
 * fingerprint}}. A document from a newer schema than this program knows
 * is CL_EDATA. */
cl_status cl_transfer_import(cl_vault *v, const json_t *doc, json_t **summary);

/* Reads path (at most 1 GiB) as JSON, then cl_transfer_import. Malformed
 * JSON is CL_EDATA "FILE:LINE:COLUMN: …". */
cl_status cl_transfer_import_file(cl_vault *v, const char *path, json_t **summary);

/* ---- one student to another school's vault ------------------------------
 *
 * `carelog export student ID --bundle --to SCHOOL -o FILE` sends a
 * student's whole file to another school this vault knows (`school add
 * NAME vault.pub`), by the referral bundle's mechanism (bundle.h): FILE is
 * age, encrypted to that school's X25519 key, holding a ustar archive of
 * manifest.json and student.json; FILE.minisig is minisign by this vault
 * with the trusted comment
 *   "carelog-transfer v1 transfer=ID student=N school=FP to=FP at=TIME file=NAME".
 * The manifest (format "carelog-student-transfer") repeats those fields,
 * carries the audit head and lists student.json with its hashes;
 * student.json is the document above holding only this student: the
 * "vault" section, the forms its records were written with, the student,
 * every record with its versions, amendments, referral history and
 * signature, its flags and (other_tables.followups) its follow-ups. */

/* The student's part of the vault document (a new reference). Not audited. */
cl_status cl_transfer_student_document(cl_vault *v, long long student_id, json_t **doc);

/* Writes the transfer of student_id to the school named (a trusted school)
 * as file and file.minisig (0600, never over a file), records it, marks
 * the student "transferred" with the reason in the details record's
 * amendments, audits (transfer.export), in one transaction; a failure
 * removes both files. A student already transferred or merged: CL_EUSAGE.
 * *result: {transfer_id, student_id, school, school_fingerprint, records,
 * file, signature, sha256, at}. */
cl_status cl_transfer_student_send(cl_vault *v, long long student_id, const char *school, const char *file,
                                   json_t **result);

/* Receiving school: verifies the signature against the trusted schools
 * and the trusted comment (for this vault, not seen before: the same
 * signature, or the same transfer id from the same school, is a replay),
 * decrypts, checks the archive against the manifest and every record
 * against its form, and adds the student with everything under new ids:
 * author, times, versions, amendments, history and signatures as they
 * were, each record marked as received (transferred_records: the transfer
 * and its id at the sending school, so its signature still verifies
 * against the sending vault's key). A form this vault lacks is kept below
 * its own versions, never becoming current. Refusals change nothing:
 * CL_EPERM (untrusted signer, bad signature, addressed to another vault),
 * CL_EDATA (not a transfer, manifest or content wrong), CL_ECANTCREATE (a
 * replay, or the student number already on the roll). Audited
 * (transfer.import). *result: {transfer_id, student_id, source_student_id,
 * number, name, school, school_fingerprint, records, sent_at}. */
cl_status cl_transfer_student_receive(cl_vault *v, const char *file, json_t **result);

#endif
