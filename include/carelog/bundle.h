/* Referral bundles and receipts: how a referral leaves the school for the
 * protection office and how the office's answers come back.
 *
 * A bundle is two files, FILE and FILE.minisig:
 *   FILE          age v1, encrypted to the office's X25519 key, holding a
 *                 ustar archive: manifest.json and the summary files
 *                 (referral.pdf, referral.md, referral.json)
 *   FILE.minisig  minisign (prehashed Ed25519) by the school's vault key
 *                 over FILE, whose trusted comment reads
 *                 "carelog-bundle v1 export=ID referral=N school=FP to=FP at=TIME file=NAME"
 * so an office without carelog runs `minisign -Vm FILE -P SCHOOL_KEY`, then
 * `age -d -i OFFICE_KEY -o bundle.tar FILE` and `tar xf bundle.tar`.
 *
 * The manifest (JSON) repeats the trusted comment's fields, holds the
 * school's audit head ({entry, hash} of the newest audit entry, so a later
 * rewrite of the log is detectable) and lists every other file with its
 * size, SHA-256 and BLAKE2b-256. A receipt is the same
 * envelope the other way: JSON (format "carelog-receipt") encrypted to the
 * school, signed by the office, trusted comment
 * "carelog-receipt v1 receipt=ID export=ID referral=N status=S to=FP at=TIME".
 *
 * Plaintext is built and read in memory only. */
#ifndef CARELOG_BUNDLE_H
#define CARELOG_BUNDLE_H

#include <jansson.h>
#include <stddef.h>

#include "carelog/status.h"
#include "carelog/vault.h"

typedef struct cl_bundle_file {
    char name[64];        /* "referral.json" */
    unsigned char *data;  /* malloc'd; wiped by cl_bundle_files_free */
    size_t len;
} cl_bundle_file;

/* The summary files a referral's bundle carries: referral.pdf,
 * referral.md and referral.json, as cl_summary_referral renders them
 * (summary.h). The one place that decides what a bundle holds. */
cl_status cl_bundle_summary_files(cl_vault *v, long long referral_id, cl_bundle_file **files, size_t *n);
void cl_bundle_files_free(cl_bundle_file *files, size_t n);

/* School side: writes the bundle for referral_id to office (by name) as
 * file and file.minisig (mode 0600, refusing to overwrite), records the
 * export, moves a draft referral to "reported" with the bundle's SHA-256
 * in the note, and audits (bundle.export), in one transaction; if the
 * transaction fails the files are removed. Referrals closed or withdrawn
 * are refused. *result: {export_id, referral_id, office, office_fingerprint,
 * file, signature, sha256, at, state}. */
cl_status cl_bundle_export_referral(cl_vault *v, long long referral_id, const char *office, const char *file,
                                    json_t **result);

/* Office side: checks the signature against the trusted schools, the
 * trusted comment (addressed to this office, not seen before), decrypts,
 * checks the manifest against the comment and every file against the
 * manifest, and stores the bundle in the office vault. Each refusal names
 * its reason and changes nothing:
 *   CL_EPERM   signed by no trusted school; signature does not verify
 *              (altered, truncated); addressed to another office
 *   CL_EDATA   not a carelog bundle; manifest or files do not match
 *   CL_ECANTCREATE  already received (a replay)
 * *result: {id, export_id, school, referral_id, sent_at, files:[name…]}. */
cl_status cl_bundle_open(cl_vault *v, const char *file, json_t **result);

/* Office side: received referrals, by school then state then oldest:
 * [{id, school, school_fingerprint, referral_id, export_id, sent_at,
 *   received_at, state, state_at, age_days, student, reason, urgency,
 *   late}]; late is null, or why it waits too long ("no receipt sent for 4
 *   days": received three days or more ago; "acknowledged but no handling
 *   for 8 days": a week or more). Audited. */
cl_status cl_office_referrals(cl_vault *v, json_t **out);
/* One received referral: the row above plus files:[{name, size, sha256}],
 * summary (referral.json parsed), receipts:[{receipt_id, status, note,
 * at, actor}]. Audited (office.show). CL_ENOTFOUND. */
cl_status cl_office_referral_get(cl_vault *v, long long id, json_t **out);

/* Office side: a copy of one file of received referral id as the school
 * sent it ("summary.pdf", "summary.md", "referral.json"), malloc'd (wipe
 * and free with cl_doc_bytes_free). CL_ENOTFOUND naming the files the
 * bundle has when it has no such file (a bundle from a carelog before the
 * printable summary carries only referral.json). */
cl_status cl_office_received_file(cl_vault *v, long long id, const char *name, unsigned char **out, size_t *len);

/* The states a receipt may report, in order; a receipt moves a referral
 * forward only. */
extern const char *const cl_receipt_statuses[];

/* Office side: writes a receipt for received referral id with a status
 * and a note (required, at most 2000 characters) to file and
 * file.minisig, encrypted to the school. The status must be later than the
 * last one sent. Audited (receipt.write). *result: {receipt_id, export_id,
 * status, file, signature, at}. */
cl_status cl_receipt_write(cl_vault *v, long long id, const char *status, const char *note, const char *file,
                           json_t **result);

/* School side: verifies a receipt against the offices this vault knows,
 * decrypts it, and moves the referral forward to the receipt's status
 * (through the states between, each with the office's note). Refused,
 * changing nothing: an unknown office or a bad signature (CL_EPERM), a
 * receipt for a referral this vault never sent to that office
 * (CL_ENOTFOUND), a replay (CL_ECANTCREATE), a status that would move the
 * referral backwards or a withdrawn referral (CL_EDATA). Audited
 * (receipt.import). *result: {receipt_id, referral_id, office, status,
 * from, note}. */
cl_status cl_receipt_import(cl_vault *v, const char *file, json_t **result);

#endif
