/* Roster import: the list of students a school system exports (Excel or
 * WPS "save as CSV", in UTF-8 with or without a BOM, or GB18030), read into
 * student records.
 *
 * The header row maps columns to the student form's fields by Chinese or
 * English names (学号/number, 姓名/name, 班级/class, 性别/gender,
 * 出生日期/birth_date, 监护人/guardian, 与学生关系/relation, 联系电话/phone,
 * 困境类型 or 特殊情况/circumstances, 住校/boarding, 状态/status,
 * 负责老师/counsellor, 备注/school_notes, and any field id or label of the
 * student form). Columns that map to nothing are reported and ignored. A
 * title line above the header (as school systems often put one) is
 * skipped: the header is the first of the first ten rows that names both
 * the number and the name column.
 *
 * Every value goes through the student form (cl_form_value_from_text, then
 * cl_form_validate), so a roster row is checked exactly as `student add`
 * checks it. A student's guardian is built from the guardian, relation and
 * phone columns (relation "other" when the file does not say; a phone
 * without a guardian's name belongs to "家长", a parent). Status is
 * "active" unless the file says otherwise.
 *
 * Import is all or nothing: every rejected row is reported with the line
 * where it starts in the file and the reason (bad date, missing number or
 * name, invalid value, over-long field, a student number twice in the file
 * or, unless told to update or skip them, already in the vault), and if any
 * row is rejected nothing is written.
 *
 * Student numbers and classes go through cl_identifier_normalise (full-width
 * digits and brackets folded, invisible characters removed or refused), a
 * number's leading apostrophe (Excel's mark for text) is dropped, a phone
 * loses that apostrophe and every space, and dates may be 20120305. A file
 * separated by semicolons or tabs is refused saying so. */
#ifndef CARELOG_ROSTER_H
#define CARELOG_ROSTER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "carelog/form.h"
#include "carelog/status.h"
#include "carelog/vault.h"

typedef struct cl_roster cl_roster;

/* Reads and checks a roster without a vault: CSV → student field objects,
 * with the student form `student` (any version of student.form). Returns
 * CL_OK when the file could be read as a roster at all — rows may still be
 * rejected: see cl_roster_problem_count. File-level failures: CL_EDATA for
 * malformed CSV or a bad encoding ("line N: …"), no header row with both a
 * number and a name column, two columns for one field; CL_ESOFTWARE when
 * out of memory. encoding: "auto", "utf-8" or "gb18030". On error *out is
 * NULL. */
cl_status cl_roster_parse(const char *data, size_t len, const char *encoding, const cl_form *student,
                          cl_roster **out);

void cl_roster_free(cl_roster *r);

/* Data rows read (after the header; blank rows are not counted). */
size_t cl_roster_row_count(const cl_roster *r);
/* Row i: the line where it starts, and its student fields (a JSON object
 * valid by the form) or NULL when the row was rejected. */
size_t cl_roster_row_line(const cl_roster *r, size_t i);
const json_t *cl_roster_row_fields(const cl_roster *r, size_t i);

/* Rejected rows' problems in file order; several per row are possible. */
size_t cl_roster_problem_count(const cl_roster *r);
/* Problem i: its line and message ("出生日期 (birth_date): not a valid
 * date: 2011-02-30"). Returns false when out of range. */
bool cl_roster_problem_at(const cl_roster *r, size_t i, size_t *line, const char **message);

/* Adds a problem found outside the file (a number already in the vault)
 * and rejects row i. */
cl_status cl_roster_reject(cl_roster *r, size_t i, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The report, a new reference:
 * {rows, accepted, rejected, header_line,
 *  columns:[{column, field}]        the columns used, in file order,
 *  ignored_columns:[column…]        columns that map to no field,
 *  problems:[{line, message}]}      in file order */
json_t *cl_roster_report(const cl_roster *r);

/* Imports a roster file's bytes into the vault with the vault's current
 * student form, in one transaction (audited as import.roster with the
 * count). Also rejects numbers already in the vault. With dry_run, checks
 * everything and writes nothing. *report (always set when not NULL, also
 * on failure when the file could be read) is cl_roster_report plus
 * {imported, dry_run, students:[{line, id, number, name}]}.
 *   CL_EDATA   any row rejected (nothing imported; the message counts
 *              them), or a file-level failure as cl_roster_parse */
cl_status cl_roster_import(cl_vault *v, const char *data, size_t len, const char *encoding, bool dry_run,
                           json_t **report);

/* What a term-start import does with a student number already in the vault. */
typedef enum cl_roster_existing {
    CL_ROSTER_REJECT, /* the row is rejected (cl_roster_import) */
    CL_ROSTER_UPDATE, /* the student is updated through cl_student_edit: a new
                       * version of the details, the earlier one kept. The row's
                       * fields replace the student's (class, gender, …); what
                       * the file leaves empty is kept; the status is kept
                       * unless the file has a status column; the roster's
                       * guardian updates the guardian of the same name (else
                       * the same phone) or is added beside the others */
    CL_ROSTER_SKIP,   /* the row is left out, the student untouched */
} cl_roster_existing;

typedef struct cl_roster_options {
    const char *encoding; /* "auto", "utf-8", "gb18030" */
    bool dry_run;
    cl_roster_existing existing;
} cl_roster_options;

/* cl_roster_import with the options. The report adds {updated, unchanged,
 * skipped} (counts; updated and unchanged are 0 unless written), and each
 * of students:[…] has action "added", "updated", "unchanged" or "skipped"
 * (in a dry run, what would be done: "added", "updated" or "skipped").
 * Audited as import.roster with every count. */
cl_status cl_roster_import_with(cl_vault *v, const char *data, size_t len, const cl_roster_options *o,
                                json_t **report);

#endif
