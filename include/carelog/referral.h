/* Referrals: the mandatory-reporting loop a referral record travels,
 * discover → report → handle → help (发现 → 报告 → 处置 → 帮扶).
 *
 *   draft → reported → acknowledged → handling → support → closed
 *   withdrawn from any open state (never from closed)
 *
 * One table (cl_referral_states) drives everything about the states: which
 * moves are valid, the help text of `referral move`, the labels in lists, and
 * when a referral counts as late in its state. A referral record starts in
 * "draft" with its first transition (cl_record_add); every later move records
 * who, when and why in referral_transitions, in one audited transaction. */
#ifndef CARELOG_REFERRAL_H
#define CARELOG_REFERRAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "carelog/status.h"
#include "carelog/vault.h"

#define CL_REFERRAL_NOTE_MAX 2000 /* characters (code points) of a move's note */

typedef struct cl_referral_state {
    const char *name;        /* "reported" */
    const char *label_zh;    /* "已报告" */
    const char *label_en;    /* "Reported" */
    const char *help;        /* one line: what the state means */
    const char *next;        /* the states it may move to, space-separated ("" for a final state) */
    bool open;               /* false for closed and withdrawn */
    int late_after_days;     /* late once this many whole days in the state; 0 = never late */
    const char *late_reason; /* "reported with no receipt", shown with the age */
} cl_referral_state;

/* The states in the order of the loop; ends with a {NULL} entry. */
extern const cl_referral_state cl_referral_states[];

/* A state by name, or NULL. */
const cl_referral_state *cl_referral_state_find(const char *name);

/* True when `from` may move to `to`. */
bool cl_referral_can_move(const char *from, const char *to);

/* The checks of a move that need no vault: to_state is a state, and the note
 * is there, valid UTF-8 and not too long. CL_EUSAGE naming the states or the
 * problem with the note. (cl_referral_move makes them too.) */
cl_status cl_referral_check_move(const char *to_state, const char *note);

/* Moves referral record_id to to_state with a note (why; required, at most
 * CL_REFERRAL_NOTE_MAX characters, valid UTF-8). Records who, when and why
 * in referral_transitions, updates the record's state and writes
 * referral.move to the audit log, in one transaction.
 *   CL_ENOTFOUND  no record record_id
 *   CL_EDATA      the record is not a referral
 *   CL_EUSAGE     an unknown state, a move the loop does not allow (the
 *                 message names the allowed next states), or no note */
cl_status cl_referral_move(cl_vault *v, long long record_id, const char *to_state, const char *note);

/* cl_referral_move dated `at` (seconds since the epoch; 0 = now): for what
 * happened earlier, such as a report phoned in yesterday. The move is
 * stored at that time in UTC; the audit entry keeps the time it was
 * written and names the date given. CL_EDATA when at is in the future
 * (past cl_now()) or before the referral's previous move (its history
 * stays in order), saying which. */
cl_status cl_referral_move_at(cl_vault *v, long long record_id, const char *to_state, const char *note, time_t at);

/* Referrals, in the order of the loop then oldest in their state first:
 * [{id, student_id, number, name, class, state, state_zh, state_en, since,
 *   age_days, occurred_at, urgency, agency, agency_name, late}]
 * since: when it entered its state (UTC ISO time); age_days: whole days
 * since then by cl_now(); urgency/agency/agency_name: from the form's
 * fields (null when absent); late: null, or a reason such as "reported with
 * no receipt for 4 days". open_only leaves out closed and withdrawn ones. */
cl_status cl_referral_list(cl_vault *v, bool open_only, json_t **out);

/* The rows of cl_referral_list(v, true) whose late is set, in its order,
 * a page at a time: each state's late ones are a range of an index kept
 * in step with every write (referral_waits: each referral's state and
 * since), so a page costs the same however many referrals the vault holds.
 * row is called for at most limit rows (0 = all) after the cursor `after`
 * (NULL or "" = from the first), which is the last row's place in the list
 * as cl_referral_late_cursor writes it (STATE/SINCE/ID): a referral moved
 * since does not move the place, so the next page goes on where the last
 * one ended; *more says whether a late one follows the last row given. */
typedef cl_status cl_referral_row_fn(json_t *row, void *ctx);
cl_status cl_referral_late_each(cl_vault *v, const char *after, long long limit, cl_referral_row_fn *row, void *ctx,
                                bool *more);
/* The same rows written as their JSON text (what json_dumps of the row
 * with JSON_COMPACT | JSON_PRESERVE_ORDER writes), each with its cursor:
 * a whole list written out builds no object per row. */
typedef cl_status cl_referral_text_fn(const char *json, size_t len, const char *cursor, void *ctx);
cl_status cl_referral_late_text_each(cl_vault *v, const char *after, long long limit, cl_referral_text_fn *text,
                                     void *ctx, bool *more);
/* The cursor of a row cl_referral_late_each gave, into out (0 if it does
 * not fit); and whether text is such a cursor (CL_EUSAGE, with a message,
 * if not). */
#define CL_REFERRAL_LATE_CURSOR_MAX 96
void cl_referral_late_cursor(const json_t *row, char out[CL_REFERRAL_LATE_CURSOR_MAX]);
cl_status cl_referral_late_cursor_check(const char *text);

/* How many referrals are late (the rows cl_referral_late_each gives). */
cl_status cl_referral_late_count(cl_vault *v, long long *count);

/* One referral with its whole state history:
 * {id, student_id, number, name, class, state, state_zh, state_en, since,
 *  age_days, occurred_at, urgency, agency, agency_name, late,
 *  next:[state…], transitions:[{id, from, to, at, actor, note}]}
 * transitions oldest first (the first one has from null). CL_ENOTFOUND,
 * CL_EDATA when the record is not a referral. */
cl_status cl_referral_history(cl_vault *v, long long record_id, json_t **out);

/* A referral's row of referral_waits (kept by triggers on every write),
 * from its record r: state, since, student, when it happened, and the
 * form's urgency, agency and agency_name (NULL when absent or empty, as
 * cl_referral_list gives them), so the late ones are listed without
 * reading their records. Schema entry 23 makes it the view
 * referral_wait_rows, which the triggers and the referral lists read;
 * verify-derived's recomputation is built from it too. */
#define CL_REFERRAL_FIELD(key)                                                                                  \
    "nullif(CASE WHEN NOT json_valid(r.fields) THEN NULL WHEN json_type(r.fields, '$." key "') = 'text'"        \
    " THEN json_extract(r.fields, '$." key "') END, '')"
#define CL_REFERRAL_WAIT_COLUMNS "record_id, state, since, student_id, occurred_at, urgency, agency, agency_name"
#define CL_REFERRAL_WAIT_ROW                                                                                    \
    "SELECT r.id, coalesce(r.state, 'draft'), coalesce((SELECT t.at FROM referral_transitions t"               \
    " WHERE t.record_id = r.id ORDER BY t.id DESC LIMIT 1), r.created_at), r.student_id, r.occurred_at, "      \
    CL_REFERRAL_FIELD("urgency") ", " CL_REFERRAL_FIELD("agency") ", " CL_REFERRAL_FIELD("agency_name")         \
    " FROM records r"

#endif
