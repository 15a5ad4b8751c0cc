/* Follow-ups: what is due and overdue, and why.
 *
 * Two sources:
 *   explicit  a record that set a follow-up date (records.follow_up): the
 *             newest such record of each student, until a counsellor contact
 *             (a session, contact, assessment or review, or an observation
 *             by a counsellor) meets it: one on a later day than the record
 *             and at most 7 days before the planned date. A call the next
 *             day does not cancel a session planned weeks ahead;
 *   policy    a minimum frequency by risk level or circumstance
 *             (followup_policies; defaults: risk 3 every 7 days, risk 2 every
 *             14, left-behind every 30). For each active or monitoring
 *             student the policy with the fewest days applies, measured from
 *             the last counsellor contact (session, contact, assessment,
 *             review), or from when the student was added if there was none.
 * Closed, transferred and merged students are never listed. */
#ifndef CARELOG_FOLLOWUP_H
#define CARELOG_FOLLOWUP_H

#include <jansson.h>

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
