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

/* Closes the follow-up that record #record_id set, with a reason (valid
 * UTF-8, at most 2000 characters): it is no longer due. Audited
 * (followup.close). CL_ENOTFOUND when the record set none; CL_EDATA when
 * it was already met or closed. Editing the record's follow-up date makes
 * a new obligation, open again. */
cl_status cl_followup_close(cl_vault *v, long long record_id, const char *reason);

/* Recomputes the derived state (every follow-up obligation and each
 * student's state) from the records and compares it with what the writes
 * kept, and each row count kept by triggers (row_counts) with a count:
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
