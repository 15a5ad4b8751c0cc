/* Follow-ups: what is due and overdue, and why.
 *
 * Two sources:
 *   follow_up  every record that set a follow-up date (records.follow_up)
 *              is an obligation of its own, open until a record that fits
 *              it meets it or a counsellor closes it with a reason
 *              (cl_followup_close). What fits is the table followup_meets:
 *              a session or assessment meets the follow-up of a session,
 *              assessment, observation or referral; a review (or a session
 *              or assessment) a plan's or review's; a family contact only a
 *              contact's. A fitting record meets it when it came on a later
 *              day than the record and at most 7 days before the planned
 *              date (a call the next day does not stand in for a session
 *              planned weeks ahead; a session a few days early does). A
 *              later record never cancels an earlier plan;
 *   policy     a minimum frequency by risk level or circumstance
 *              (followup_policies; defaults: risk 3 every 7 days, risk 2
 *              every 14, left-behind every 30). For each active or
 *              monitoring student the policy with the fewest days applies,
 *              measured from the last direct contact with the student (a
 *              session or assessment; a call with the family does not
 *              restart it), or from the day the student was added.
 * Closed, transferred and merged students are never listed. Both are kept
 * in the write transaction (the tables followups and student_state), so
 * listing is a range scan of an index. */
#ifndef CARELOG_FOLLOWUP_H
#define CARELOG_FOLLOWUP_H

#include <jansson.h>
#include <stdbool.h>

#include "carelog/status.h"
#include "carelog/vault.h"

#define CL_FOLLOWUP_POLICY_MAX_DAYS 3650

/* What is due by today + horizon_days (and everything overdue), most
 * overdue first. today: YYYY-MM-DD, or NULL for cl_now()'s local date.
 * [{student_id, number, name, class, risk_level, due_date, days_overdue,
 *   status, source, reason, record_id}]
 * days_overdue: today − due_date (negative: days left); status "overdue"
 * (days_overdue > 0) or "due"; source "follow_up" or "policy"; record_id:
 * the record that set the date (null for a policy). reason, e.g.
 *   "follow-up set by session #12 on 2026-11-02"
 *   "crisis (risk 3): at least every 7 days; last contact 2026-11-10"
 * CL_EUSAGE for a bad date or a negative horizon. */
cl_status cl_followup_due(cl_vault *v, const char *today, int horizon_days, json_t **out);

/* The same list a page at a time, streamed in its order (due date, then
 * student number and id, source, record) from two index range scans,
 * never built whole: a screen asks for its first screenful, a program for
 * the next page by the cursor of the last row it saw (keyset paging). */
typedef struct cl_due_page {
    const char *today; /* YYYY-MM-DD; NULL = cl_now()'s local date */
    int horizon_days;  /* rows due by today + this (−1: only the overdue) */
    bool not_overdue;  /* only rows due today or later */
    long long limit;   /* at most this many rows; 0 = every row */
    const char *after; /* a row's cursor: only the rows after it; NULL = from the first */
} cl_due_page;

/* Called with each row (borrowed; as cl_followup_due's) and its cursor,
 * "DUE_DATE/STUDENT_ID/SOURCE/RECORD_ID" ("2026-11-10/123/follow_up/17"),
 * which names no person. A status other than CL_OK stops the stream and is
 * returned. */
typedef cl_status cl_due_row_fn(json_t *row, const char *cursor, void *ctx);

/* Streams one page. *next (when next is not NULL): when limit is set and
 * more rows follow, the cursor of the last row given (malloc'd), else NULL.
 * CL_EUSAGE for a bad date or a cursor that is not one. */
cl_status cl_followup_due_each(cl_vault *v, const cl_due_page *page, cl_due_row_fn *row, void *ctx, char **next);

/* The same rows as their JSON text (compact, NUL-terminated, len bytes;
 * borrowed), byte for byte what json_dumps of cl_followup_due_each's row
 * with JSON_COMPACT | JSON_PRESERVE_ORDER says: a whole list written out
 * builds no object per row. */
typedef cl_status cl_due_text_fn(const char *json, size_t len, const char *cursor, void *ctx);
cl_status cl_followup_due_text_each(cl_vault *v, const cl_due_page *page, cl_due_text_fn *text, void *ctx,
                                    char **next);

/* How many rows the whole list of the page's bounds holds (limit and after
 * ignored): two counts over the same indexes. */
cl_status cl_followup_due_count(cl_vault *v, const cl_due_page *page, long long *count);

/* CL_OK when text is a cursor cl_followup_due_each gives; else CL_EUSAGE
 * saying what one looks like. */
cl_status cl_followup_cursor_check(const char *text);

/* Crisis-level students (risk 3, active or monitoring) with no session in
 * the CL_FOLLOWUP_CRISIS_DAYS days before today (today: YYYY-MM-DD, or
 * NULL for cl_now()'s local date; a session on today − 7 still counts):
 * those never seen in a session first, then the longest since one. The
 * last session is kept in student_state by every write, so a page is one
 * range of an index, whatever the vault's size. Appends up to limit rows
 * (0 = all) after the row whose cursor is after (NULL = from the first) to
 * out: {student_id, number, name, class, risk_level, last_session
 * (YYYY-MM-DD or null), days_since (null when never)}. *next (when next is
 * not NULL): with a limit and more rows, the last row's cursor,
 * "LAST_SESSION/STUDENT_ID" ("2026-11-02/123", "/123" for never; no
 * person's text), malloc'd; else NULL. CL_EUSAGE for a bad date or a
 * cursor that is not one. */
#define CL_FOLLOWUP_CRISIS_DAYS 7
cl_status cl_followup_crisis_page(cl_vault *v, const char *today, long long limit, const char *after, json_t *out,
                                  char **next);
/* The same page written out: each row's JSON text (as json_dumps of its
 * object writes it, compact, keys in order) to text with the row's cursor. */
cl_status cl_followup_crisis_text_page(cl_vault *v, const char *today, long long limit, const char *after,
                                       cl_due_text_fn *text, void *ctx, char **next);

/* How many rows the whole list holds. */
cl_status cl_followup_crisis_count(cl_vault *v, const char *today, long long *count);

/* CL_OK when text is a cursor cl_followup_crisis_page gives; else
 * CL_EUSAGE saying what one looks like. */
cl_status cl_followup_crisis_cursor_check(const char *text);

/* Closes the follow-up that record #record_id set, with a reason (valid
 * UTF-8, at most 2000 characters): it is no longer due. Audited
 * (followup.close). CL_ENOTFOUND when the record set none; CL_EDATA when
 * it was already met or closed. Editing the record's follow-up date makes
 * a new obligation, open again. */
cl_status cl_followup_close(cl_vault *v, long long record_id, const char *reason);

/* Recomputes the derived state (every follow-up obligation and each
 * student's state) from the records and compares it with what the writes
 * kept, and what triggers keep (row counts, the records of each day, the
 * students' circumstances) with a count or a reading of the records:
 * CL_EDATA naming the first difference. With repair, first rebuilds them
 * from the records (audited as derived.repair; the counsellors' closures
 * stay). For `carelog verify`. */
cl_status cl_followup_recompute_check(cl_vault *v, bool repair);

/* Sets (adds or replaces) a policy: basis "risk" with value "0"–"3", or
 * "circumstance" with a choice id of the student form's circumstances field
 * ("left_behind"); days 1–CL_FOLLOWUP_POLICY_MAX_DAYS. Audited (policy.set).
 * CL_EUSAGE for anything else. */
cl_status cl_followup_policy_set(cl_vault *v, const char *basis, const char *value, int days);

/* Removes a policy; CL_ENOTFOUND when there is none. Audited (policy.remove). */
cl_status cl_followup_policy_remove(cl_vault *v, const char *basis, const char *value);

/* [{basis, value, days, label}] by basis then value; label describes the
 * value ("crisis (risk 3)", "left_behind"). */
cl_status cl_followup_policy_list(cl_vault *v, json_t **out);

#endif
