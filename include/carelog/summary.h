/* Summaries: the printable documents about one case — the referral summary
 * an office prints and files (issue 8), and a student's chronology for a
 * case conference or a transfer. Each is built as a cl_doc (document.h)
 * and rendered into memory; the caller writes it (cl_export_write) or packs
 * it into a bundle. Nothing here touches a file.
 *
 * Language: headings and labels in the interface language (cl_i18n; the
 * global --lang), field labels from the forms in that language; the page
 * header "机密 / Confidential" is always in both. Dates and times are local.
 *
 * The JSON rendering is data for programs, not the document's layout:
 *   {format: "carelog-summary", kind: "referral" | "student", version: 1, generated_at (UTC), lang, school, fingerprint,
 *    period: {from, to}, student: {id, number, name, gender, birth_date,
 *    class, status, risk_level, misconduct_tier, counsellor, circumstances,
 *    guardians}, referral: {id, occurred_at, author, reporter_confidential:
 *    true, state, fields, transitions:[{from, to, at, actor, note}], …}
 *    (referral summary only), timeline: [{id, kind, occurred_at, author,
 *    fields, amendments, state, signed_at, score}…] oldest first,
 *    document: cl_doc_to_json()} */
#ifndef CARELOG_SUMMARY_H
#define CARELOG_SUMMARY_H

#include <stddef.h>

#include "carelog/document.h"
#include "carelog/status.h"
#include "carelog/vault.h"

typedef struct cl_summary_options {
    /* The timeline's period, local dates YYYY-MM-DD (NULL: for a referral,
     * from a year before it was made to today; for a student, everything). */
    const char *from, *to;
    /* Or exactly these records, whatever their dates (n_records 0: the
     * period). Each must belong to the student. */
    const long long *records;
    size_t n_records;
} cl_summary_options;

/* The referral summary of referral record referral_id, as format "pdf",
 * "md" or "json", into *out (malloc'd, *len bytes; free with
 * cl_doc_bytes_free, which wipes it). opt may be NULL. Nothing is audited
 * here: the caller audits what it does with the bytes.
 *   CL_ENOTFOUND  no such record, or a picked record does not exist
 *   CL_EDATA      not a referral, a picked record of another student, a bad date
 *   CL_EUSAGE     an unknown format */
cl_status cl_summary_referral(cl_vault *v, long long referral_id, const cl_summary_options *opt,
                              const char *format, unsigned char **out, size_t *len);

/* One student's chronology over the period (or the picked records), in
 * the same layout: details, guardians, every record with its
 * fields and amendments, referrals with their state history. */
cl_status cl_summary_student(cl_vault *v, long long student_id, const cl_summary_options *opt,
                             const char *format, unsigned char **out, size_t *len);

#endif
