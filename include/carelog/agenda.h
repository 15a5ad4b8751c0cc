/* The agenda: what needs a counsellor's attention now, gathered in one
 * place for the home screen (and `carelog agenda`).
 *
 * In order of urgency: screening flags still open (such as PHQ-9 item 9),
 * follow-ups overdue, referrals late in the reporting loop, crisis-level
 * students with no session in the last 7 days, then what falls due today. New teacher observations join this list when the inbox
 * exists. */
#ifndef CARELOG_AGENDA_H
#define CARELOG_AGENDA_H

#include <jansson.h>

#include "carelog/status.h"
#include "carelog/vault.h"

/* {flags:[{flag_id, flag, label_zh, label_en, raised_at, record_id,
 *          student_id, number, name, class, risk_level}],
 *  overdue:[…as cl_followup_due rows with status "overdue"],
 *  late_referrals:[…as cl_referral_list rows whose late is set],
 *  crisis:[…cl_followup_crisis_page rows: crisis-level students with no
 *          session in the last 7 days],
 *  due_today:[…cl_followup_due rows due today],
 *  counts:{flags, overdue, late_referrals, crisis, due_today, new_observations},
 *  new_observations:{count, urgent}} — teachers' observations waiting in
 *  the inbox for triage (inbox.h), urgent ones counted apart. */
cl_status cl_agenda_attention(cl_vault *v, json_t **out);

/* The same list a page at a time, for a screen's first screenful and the
 * pages after it: at most limit rows (≥ 1; 0 = all, as above) across the
 * sections in their order, after the row whose cursor is after (NULL =
 * from the first). Each section is a keyset range of an index, so a page
 * costs the same in a vault of any size. counts stay those of the whole
 * list; with a limit the object ends with "next": the cursor of the page's
 * last row ("SECTION:KEY", such as "overdue:2026-11-10/123/follow_up/17";
 * no person's text in it) when more rows follow, else null. One read
 * transaction, so the counts and the rows agree. CL_EUSAGE for a cursor
 * that is not one. */
cl_status cl_agenda_attention_page(cl_vault *v, long long limit, const char *after, json_t **out);

/* The whole list (as cl_agenda_attention gives it) written out as its
 * JSON text, in pieces to write, byte for byte what json_dumps of that
 * object with JSON_COMPACT | JSON_PRESERVE_ORDER says (no newline at the
 * end), so `carelog agenda --json` prints thousands of rows without
 * building an object for each. One read transaction. A status other than
 * CL_OK from write stops it and is returned. */
typedef cl_status cl_agenda_write_fn(const char *text, size_t len, void *ctx);
cl_status cl_agenda_attention_write(cl_vault *v, cl_agenda_write_fn *write, void *ctx);

/* How many rows the whole list holds (the sum of its counts, without the
 * inbox's), from counts over the same indexes. */
cl_status cl_agenda_attention_count(cl_vault *v, long long *rows);

#endif
