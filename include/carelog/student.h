/* Students: who a record is about. A student's details are a record of kind
 * "student" (forms/student.form), so they are edited, versioned and
 * audited like every record; the students table keeps the columns that
 * lists filter on (number, name, class, status, risk, tier) in step. */
#ifndef CARELOG_STUDENT_H
#define CARELOG_STUDENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "carelog/status.h"
#include "carelog/vault.h"

#define CL_RISK_MAX 3

/* Adds a student; fields by student.form ("number", "name", "class"
 * required). A student number already in use is refused (CL_ECANTCREATE,
 * naming the other student) unless allow_duplicate. Audited. */
cl_status cl_student_add(cl_vault *v, const json_t *fields, bool allow_duplicate, long long *id_out);

/* Resolves what a person typed: a student number first, else a numeric id
 * ("#12" is always an id). A student merged into another resolves to the
 * one kept — except when named by "#ID", which is always exactly that
 * student (so a merged student can still be looked at; adding records to it
 * is refused, naming the one kept). A number shared by two students is
 * CL_EDATA naming both. CL_ENOTFOUND. */
cl_status cl_student_find(cl_vault *v, const char *id_or_number, long long *id_out);

/* Edits the student's details (merged into the fields; see
 * cl_record_edit for expected_version and conflicts). */
cl_status cl_student_edit(cl_vault *v, long long id, long long expected_version, const json_t *changes,
                          long long *new_version);

/* {id, number, name, class, gender, birth_date, status, risk_level,
 * misconduct_tier, counsellor, merged_into, record_id, created_at, version,
 * updated_at, updated_by, record_count, circumstances:[choice id…],
 * guardians:[{name, relation, phone, lives_with, note}], fields,
 * flags:[{id, flag, label_zh, label_en, raised_at, record_id}] (open ones),
 * cleared_flags:[{id, flag, label_zh, label_en, raised_at, record_id,
 * cleared_at, cleared_by, cleared_reason}] (cleared ones, oldest first),
 * possible_duplicates:[{id, number, name, reason}], risk_history:[{at,
 * risk_level, misconduct_tier, record_id}] (newest first), merged_from:[{id,
 * number, name}], notes:[{id, author, at, text}] (oldest first)}. version
 * is the student record's version (for cl_student_edit); reason is "same
 * number" or "same name and birth date"; notes are the amendments to the
 * details record (such as the reason a case was closed); status is
 * "merged" once merged_into is set (else the details' status). Works for a
 * merged student. */
cl_status cl_student_get(cl_vault *v, long long id, json_t **out);

/* The orders a list of students comes in (each read along an index). */
typedef enum cl_student_sort {
    CL_STUDENT_BY_CLASS = 0, /* class, then number */
    CL_STUDENT_BY_NAME,      /* name, then number */
    CL_STUDENT_BY_RISK,      /* highest risk first, then class and number */
    CL_STUDENT_BY_DUE,       /* next due date, soonest first; none last */
    CL_STUDENT_SORTS
} cl_student_sort;

typedef struct cl_student_filter {
    const char *class_name;   /* NULL = any */
    int risk;                 /* -1 = any, else exactly this level */
    const char *status;       /* NULL = any but merged */
    const char *circumstance; /* NULL = any */
    const char *search;       /* name or number contains, or the name typed as pinyin (zs, zhangs → 张三); NULL = all */
    cl_student_sort sort;
    long long offset, limit;  /* a page of the list: rows skipped, at most limit (0 = all) */
} cl_student_filter;

/* A page of the list (NULL where taken: the whole list). */
typedef struct cl_student_page {
    long long limit;    /* at most this many rows; 0 = all */
    long long after_id; /* 0 = from the first; else the rows after student #after_id in this order */
} cl_student_page;

/* [{id, number, name, class, status, risk_level, misconduct_tier,
 * counsellor, flags:[flag id…] (open ones), last_contact, next_due}] in
 * the filter's order (by class then number unless it says otherwise);
 * status as in cl_student_get; last_contact (the last direct contact) and
 * next_due (the earliest of the open follow-ups and the policy's date) are
 * "YYYY-MM-DD" or null, read from the maintained derived state
 * (student_state), never computed here. Filter status "merged" lists the
 * merged students; circumstance takes a choice id or label of the student
 * form. Bad filters: CL_EDATA. */
cl_status cl_student_list(cl_vault *v, const cl_student_filter *filter, json_t **out);

/* The same rows one at a time, by class then number (the filter's sort,
 * offset and limit are not used: the page says where to start), without building the
 * list (memory stays flat however many students): row is called with
 * each (borrowed); a status other than CL_OK from it stops the walk and is
 * returned. With a class filter and a limit, a page is a range of the
 * index on (class, number). */
typedef cl_status cl_student_row_fn(json_t *row, void *ctx);
cl_status cl_student_each(cl_vault *v, const cl_student_filter *filter, const cl_student_page *page,
                          cl_student_row_fn *row, void *ctx);

/* How many rows cl_student_each would give (at most the page's limit). */
cl_status cl_student_page_count(cl_vault *v, const cl_student_filter *filter, const cl_student_page *page,
                                long long *count);

/* How many students the filter lets through (its sort, offset and limit
 * ignored), for a front that fetches only the page it shows. */
cl_status cl_student_count(cl_vault *v, const cl_student_filter *filter, long long *count);

/* Students by their current risk level (merged ones left out):
 * counts[level] for levels 0..CL_RISK_MAX, one indexed GROUP BY. */
cl_status cl_student_count_by_risk(cl_vault *v, long long counts[CL_RISK_MAX + 1]);

/* Closes a case (status closed or transferred) with a reason. */
cl_status cl_student_close(cl_vault *v, long long id, const char *status, const char *reason);

/* Pairs that look like one person: same number, or same name and birth
 * date. [{a:{id,number,name}, b:{…}, reason}] */
cl_status cl_student_duplicates(cl_vault *v, json_t **out);

/* Merges `from` into `keep`: every record of `from` moves to `keep`, from
 * is marked merged, nothing is deleted; the audit log says so. */
cl_status cl_student_merge(cl_vault *v, long long keep, long long from);

/* Declares two students different people: the pair is no longer listed
 * as possible duplicates. Audited (student.not-duplicate). */
cl_status cl_student_not_duplicate(cl_vault *v, long long a, long long b);

/* Clears a screening's flag (from cl_student_get's flags) with a reason
 * (required, at most 2000 characters). Audited (flag.clear). CL_ENOTFOUND;
 * CL_EDATA when already cleared. */
cl_status cl_student_clear_flag(cl_vault *v, long long flag_id, const char *reason);

/* A student's name as privacy mode shows it in lists: the surname and
 * initials, 赵小明 → 赵XM (compound surnames kept whole: 欧阳娜娜 → 欧阳NN),
 * Anna Smith → Smith A. Into out (at least 32 bytes); "" for no name. */
void cl_student_private_name(const char *name, char *out, size_t size);

/* Writes that a person viewed the student's file (student.view). */
cl_status cl_student_audit_view(cl_vault *v, long long id);

/* Transactions: every function here and in record.h runs in its own
 * transaction, or, when the caller already opened one (cl_db_begin), in a
 * savepoint inside it, so an import can add many students and records all
 * or nothing. */

#endif
