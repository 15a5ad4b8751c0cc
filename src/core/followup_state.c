/* The derived state, kept in the write transaction: one obligation per
 * record that set a follow-up date (followups) and each student's state
 * (student_state). The rule lives once, in the views followups_computed
 * and student_state_computed (schema.c); at its commit a write brings in
 * step with the views the rows it can have changed (a record's own
 * obligations and those it meets or met; all of a student's when its
 * status changed or records moved), changing only rows that differ, and
 * the check compares the whole of both. */
#include "carelog/followup.h"

#include "carelog/i18n.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "carelog/referral.h"
#include "carelog/storage.h"
#include "carelog/text.h"
#include "record_internal.h"

#define FOLLOWED "s.status IN ('active', 'monitoring') AND s.merged_into IS NULL"
#define FOLLOWUP_COLUMNS "record_id, student_id, kind, set_on, due_date, met_by, open"
/* A counsellor's closure stands while the planned date stays the same. */
#define KEEPS_CLOSURE "(followups.due_date = excluded.due_date)"
#define NEW_OPEN "(excluded.open AND NOT (" KEEPS_CLOSURE " AND followups.closed_at IS NOT NULL))"

#define UPSERT_FOLLOWUPS(where)                                                                                  \
    "INSERT INTO followups(" FOLLOWUP_COLUMNS ")"                                                                \
    " SELECT c.record_id, c.student_id, c.kind, c.set_on, c.due_date, c.met_by, c.met_by IS NULL AND " FOLLOWED  \
    " FROM followups_computed c JOIN students s ON s.id = c.student_id WHERE " where                             \
    " ON CONFLICT (record_id) DO UPDATE SET student_id = excluded.student_id, kind = excluded.kind,"             \
    "  set_on = excluded.set_on, due_date = excluded.due_date, met_by = excluded.met_by,"                        \
    "  closed_at = CASE WHEN " KEEPS_CLOSURE " THEN closed_at END,"                                              \
    "  closed_by = CASE WHEN " KEEPS_CLOSURE " THEN closed_by END,"                                              \
    "  closed_reason = CASE WHEN " KEEPS_CLOSURE " THEN closed_reason END,"                                      \
    "  open = " NEW_OPEN                                                                                         \
    " WHERE followups.student_id IS NOT excluded.student_id OR followups.kind IS NOT excluded.kind"              \
    "  OR followups.set_on IS NOT excluded.set_on OR followups.due_date IS NOT excluded.due_date"                \
    "  OR followups.met_by IS NOT excluded.met_by OR followups.open IS NOT " NEW_OPEN

#define STATE_COLUMNS                                                                                            \
    "student_id, followed, last_contact, open_flags, risk_level, policy_basis, policy_value, policy_days,"       \
    " policy_due, next_due, next_record_id, last_session"
#define UPSERT_STATE(where)                                                                                      \
    "INSERT INTO student_state(" STATE_COLUMNS ") SELECT " STATE_COLUMNS " FROM student_state_computed"          \
    " WHERE " where                                                                                              \
    " ON CONFLICT (student_id) DO UPDATE SET followed = excluded.followed, last_contact = excluded.last_contact," \
    "  open_flags = excluded.open_flags, risk_level = excluded.risk_level, policy_basis = excluded.policy_basis," \
    "  policy_value = excluded.policy_value, policy_days = excluded.policy_days,"                                \
    "  policy_due = excluded.policy_due, next_due = excluded.next_due, next_record_id = excluded.next_record_id," \
    "  last_session = excluded.last_session"                                                                      \
    " WHERE (student_state.followed, student_state.last_contact, student_state.open_flags,"                      \
    "        student_state.risk_level, student_state.policy_basis, student_state.policy_value,"                  \
    "        student_state.policy_days, student_state.policy_due, student_state.next_due,"                       \
    "        student_state.next_record_id, student_state.last_session) IS NOT"                                   \
    "       (excluded.followed, excluded.last_contact, excluded.open_flags, excluded.risk_level,"                \
    "        excluded.policy_basis, excluded.policy_value, excluded.policy_days, excluded.policy_due,"           \
    "        excluded.next_due, excluded.next_record_id, excluded.last_session)"

static cl_status run_cached(sqlite3 *db, const char *sql, long long id, const char *what)
{
    sqlite3_stmt *q;
    cl_status st = cl_db_cached(db, sql, &q);
    if (st != CL_OK)
        return st;
    if (id)
        sqlite3_bind_int64(q, 1, id);
    if (sqlite3_step(q) != SQLITE_DONE)
        st = cl_db_fail(db, what);
    sqlite3_reset(q);
    return st;
}

static cl_status refresh_followups_of(sqlite3 *db, long long student_id)
{
    static const char upsert[] = UPSERT_FOLLOWUPS("c.student_id = ?1");
    static const char gone[] = "DELETE FROM followups WHERE student_id = ?1 AND record_id NOT IN"
                               " (SELECT record_id FROM followups_computed WHERE student_id = ?1)";
    cl_status st = run_cached(db, upsert, student_id, "keeping the follow-ups");
    if (st == CL_OK)
        st = run_cached(db, gone, student_id, "keeping the follow-ups");
    return st;
}

static cl_status refresh_state_of(sqlite3 *db, long long student_id)
{
    static const char state[] = UPSERT_STATE("student_id = ?1");
    return run_cached(db, state, student_id, "keeping the student's state");
}

cl_status cl_followup_refresh_tx(sqlite3 *db, long long student_id)
{
    cl_status st = refresh_followups_of(db, student_id);
    return st == CL_OK ? refresh_state_of(db, student_id) : st;
}

/* The obligations the records written can change, given as a JSON array
 * of their ids (?1): their own; those one of them met as the table stands
 * (it may no longer); and those one of them may meet now, set before its
 * day and planned up to 7 days after it: never met, or met by a record of
 * its student of its day or later (it may come first). Any other
 * obligation keeps its fitting records and its earliest one, so the view
 * gives it again as it stands. */
#define AFFECTED                                                                                                  \
    "WITH touched(id) AS (SELECT value FROM json_each(?1)),"                                                     \
    " written(student_id, day) AS (SELECT r.student_id, substr(r.occurred_at, 1, 10) FROM records r"             \
    "  WHERE r.id IN touched),"                                                                                  \
    " affected(record_id) AS (SELECT id FROM touched"                                                            \
    "  UNION SELECT f.record_id FROM followups f INDEXED BY followups_met_by WHERE f.met_by IN touched"          \
    "  UNION SELECT f.record_id FROM written w CROSS JOIN followups f INDEXED BY followups_unmet"                 \
    "   ON f.student_id = w.student_id AND f.met_by IS NULL AND f.due_date <= date(w.day, '+7 days')"            \
    "   AND f.set_on < w.day"                                                                                    \
    "  UNION SELECT f.record_id FROM written w CROSS JOIN records m INDEXED BY records_student"                   \
    "   ON m.student_id = w.student_id AND m.occurred_at >= w.day"                                               \
    "   CROSS JOIN followups f INDEXED BY followups_met_by ON f.met_by = m.id"                                   \
    "   AND f.due_date <= date(w.day, '+7 days') AND f.set_on < w.day) "

/* The obligations of the records written (ids: a JSON array of them) and
 * of all they can change, again from the view; and the obligation of each
 * that no longer sets one gone. */
static cl_status refresh_records_tx(sqlite3 *db, const char *ids, const long long *record_ids, size_t n)
{
    static const char upsert[] = AFFECTED UPSERT_FOLLOWUPS("c.record_id IN affected");
    static const char gone[] = "DELETE FROM followups WHERE record_id = ?1"
                               " AND NOT EXISTS (SELECT 1 FROM followups_computed c WHERE c.record_id = ?1)";
    sqlite3_stmt *q;
    cl_status st = cl_db_cached(db, upsert, &q);
    if (st != CL_OK)
        return st;
    sqlite3_bind_text(q, 1, ids, -1, SQLITE_STATIC);
    if (sqlite3_step(q) != SQLITE_DONE)
        st = cl_db_fail(db, "keeping the follow-ups");
    sqlite3_reset(q);
    for (size_t i = 0; i < n && st == CL_OK; i++)
        st = run_cached(db, gone, record_ids[i], "keeping the follow-ups");
    return st;
}

/* What the open transaction touched, brought in step at its commit:
 * students whose every obligation may have changed (status, a merge),
 * records written (only the obligations they can change), and the
 * students whose state follows from either or from their flags. */
typedef struct id_list {
    size_t n, cap;
    long long *ids;
} id_list;

typedef struct touched {
    id_list whole, records, states;
} touched;

static void touched_free(void *p)
{
    touched *t = p;
    if (t) {
        free(t->whole.ids);
        free(t->records.ids);
        free(t->states.ids);
    }
    free(t);
}

/* Adds id unless the last few already hold it (a writer touches the same
 * student many times in a row; a repeat elsewhere only costs a lookup). */
static cl_status id_list_add(id_list *l, long long id)
{
    for (size_t i = l->n; i > 0 && i + 8 > l->n; i--)
        if (l->ids[i - 1] == id)
            return CL_OK;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 64;
        long long *grown = realloc(l->ids, cap * sizeof *grown);
        if (!grown)
            return cl_fail(CL_ESOFTWARE, _("out of memory"));
        l->ids = grown;
        l->cap = cap;
    }
    l->ids[l->n++] = id;
    return CL_OK;
}

static cl_status flush_touched(sqlite3 *db, void *ctx)
{
    (void)ctx;
    touched *t = sqlite3_get_clientdata(db, "carelog.touched");
    if (!t)
        return CL_OK;
    cl_status st = CL_OK;
    for (size_t i = 0; i < t->whole.n && st == CL_OK; i++)
        st = refresh_followups_of(db, t->whole.ids[i]);
    if (st == CL_OK && t->records.n) {
        sqlite3_str *ids = sqlite3_str_new(db);
        for (size_t i = 0; i < t->records.n; i++)
            sqlite3_str_appendf(ids, "%c%lld", i ? ',' : '[', t->records.ids[i]);
        sqlite3_str_appendchar(ids, 1, ']');
        char *text = sqlite3_str_finish(ids);
        st = text ? refresh_records_tx(db, text, t->records.ids, t->records.n) : cl_fail(CL_ESOFTWARE, _("out of memory"));
        sqlite3_free(text);
    }
    for (size_t i = 0; i < t->states.n && st == CL_OK; i++)
        st = refresh_state_of(db, t->states.ids[i]);
    t->whole.n = t->records.n = t->states.n = 0;
    return st;
}

/* Notes for the commit: all of a student's obligations (whole), one
 * record's (record), and the student's state; 0 for none. */
static cl_status touch(sqlite3 *db, long long whole, long long record, long long student)
{
    touched *t = sqlite3_get_clientdata(db, "carelog.touched");
    if (!t) {
        t = calloc(1, sizeof *t);
        if (!t || sqlite3_set_clientdata(db, "carelog.touched", t, touched_free) != SQLITE_OK) {
            free(t);
            return cl_fail(CL_ESOFTWARE, _("out of memory"));
        }
        cl_status st = cl_db_set_precommit(db, flush_touched, NULL);
        if (st != CL_OK)
            return st;
    }
    cl_status st = whole ? id_list_add(&t->whole, whole) : CL_OK;
    if (st == CL_OK && record)
        st = id_list_add(&t->records, record);
    if (st == CL_OK)
        st = id_list_add(&t->states, student);
    return st;
}

cl_status cl_followup_touch_tx(sqlite3 *db, long long student_id)
{
    return touch(db, student_id, 0, student_id);
}

cl_status cl_followup_touch_record_tx(sqlite3 *db, long long record_id, long long student_id)
{
    return touch(db, 0, record_id, student_id);
}

cl_status cl_followup_touch_state_tx(sqlite3 *db, long long student_id)
{
    return touch(db, 0, 0, student_id);
}

cl_status cl_followup_refresh_all_tx(sqlite3 *db)
{
    static const char state[] = UPSERT_STATE("true");
    return run_cached(db, state, 0, "applying the follow-up policies");
}

cl_status cl_followup_rebuild_tx(sqlite3 *db)
{
    return cl_db_exec(db, "DELETE FROM followups WHERE record_id NOT IN (SELECT record_id FROM followups_computed);"
                          UPSERT_FOLLOWUPS("true") ";"
                          "DELETE FROM student_state WHERE student_id NOT IN (SELECT id FROM students);"
                          UPSERT_STATE("true"));
}

/* ---- closing an obligation -------------------------------------------- */

#define CLOSE_REASON_MAX 2000

cl_status cl_followup_close(cl_vault *v, long long record_id, const char *reason)
{
    cl_status st = cl_reason_check(reason, "closing a follow-up", CLOSE_REASON_MAX);
    if (st != CL_OK)
        return st;
    sqlite3 *db = cl_vault_db(v);
    cl_tx tx;
    st = cl_tx_begin(db, &tx);
    if (st != CL_OK)
        return st;
    sqlite3_stmt *q;
    long long student = 0;
    st = cl_db_prepare(db, "SELECT student_id, met_by, closed_at, closed_by FROM followups WHERE record_id = ?", &q);
    if (st == CL_OK) {
        sqlite3_bind_int64(q, 1, record_id);
        int rc = sqlite3_step(q);
        if (rc == SQLITE_DONE)
            st = cl_fail(CL_ENOTFOUND, _("record #%lld set no follow-up (`carelog due` lists the open ones by the "
                                         "record that set them)"), record_id);
        else if (rc != SQLITE_ROW)
            st = cl_db_fail(db, "reading the follow-up");
        else if (sqlite3_column_type(q, 1) != SQLITE_NULL)
            st = cl_fail(CL_EDATA, _("the follow-up set by record #%lld was already met by record #%lld"), record_id,
                         (long long)sqlite3_column_int64(q, 1));
        else if (sqlite3_column_type(q, 2) != SQLITE_NULL)
            st = cl_fail(CL_EDATA, _("the follow-up set by record #%lld was already closed at %s by %s"), record_id,
                         (const char *)sqlite3_column_text(q, 2), (const char *)sqlite3_column_text(q, 3));
        else
            student = sqlite3_column_int64(q, 0);
        sqlite3_finalize(q);
    }
    char now[32];
    cl_now_iso(now);
    if (st == CL_OK)
        st = cl_db_prepare(db, "UPDATE followups SET closed_at = ?, closed_by = ?, closed_reason = ?, open = 0"
                               " WHERE record_id = ?", &q);
    if (st == CL_OK) {
        sqlite3_bind_text(q, 1, now, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 2, cl_vault_user(v), -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 3, reason, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 4, record_id);
        if (sqlite3_step(q) != SQLITE_DONE)
            st = cl_db_fail(db, "closing the follow-up");
        sqlite3_finalize(q);
    }
    if (st == CL_OK)
        st = cl_followup_touch_state_tx(db, student);
    if (st == CL_OK) {
        char target[48];
        snprintf(target, sizeof target, "follow-up %lld", record_id);
        char *detail = cl_strdup_printf("student #%lld: %s", student, reason);
        st = detail ? cl_vault_audit(v, "followup.close", target, detail) : cl_fail(CL_ESOFTWARE, _("out of memory"));
        free(detail);
    }
    return cl_tx_end(&tx, st);
}

/* ---- the check -------------------------------------------------------- */

enum { FOLLOWUPS, STATES };

/* CL_EDATA naming the first row `sql` finds (a difference either way). */
static cl_status first_difference(sqlite3 *db, const char *sql, int what)
{
    sqlite3_stmt *q;
    cl_status st = cl_db_prepare(db, sql, &q);
    if (st != CL_OK)
        return st;
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW && what == FOLLOWUPS)
        st = cl_fail(CL_EDATA, _("the kept follow-ups differ from a recomputation from the records, first for "
                                 "student #%lld (the follow-up set by record #%lld); run `carelog verify-derived "
                                 "--repair` to rebuild them"), (long long)sqlite3_column_int64(q, 0),
                     (long long)sqlite3_column_int64(q, 1));
    else if (rc == SQLITE_ROW)
        st = cl_fail(CL_EDATA, _("the kept state of student #%lld differs from a recomputation from the records; "
                                 "run `carelog verify-derived --repair` to rebuild it"),
                     (long long)sqlite3_column_int64(q, 0));
    else if (rc != SQLITE_DONE)
        st = cl_db_fail(db, "recomputing the derived state");
    sqlite3_finalize(q);
    return st;
}

/* The computed side of followups, with the counsellors' closures kept. */
#define FOLLOWUPS_EXPECTED                                                                                       \
    "SELECT c.student_id, c.record_id, c.kind, c.set_on, c.due_date, c.met_by,"                                 \
    " (c.met_by IS NULL AND " FOLLOWED " AND NOT (k.due_date IS c.due_date AND k.closed_at IS NOT NULL)) AS open" \
    " FROM followups_computed c JOIN students s ON s.id = c.student_id"                                          \
    " LEFT JOIN followups k ON k.record_id = c.record_id"
#define FOLLOWUPS_KEPT "SELECT student_id, record_id, kind, set_on, due_date, met_by, open FROM followups"
#define STATE_KEPT "SELECT " STATE_COLUMNS " FROM student_state"
#define STATE_EXPECTED "SELECT " STATE_COLUMNS " FROM student_state_computed"

/* Each count the triggers keep (row_counts) against a count of its table. */
static cl_status check_row_counts(sqlite3 *db)
{
    sqlite3_stmt *q;
    cl_status st = cl_db_prepare(db, "SELECT name, n FROM row_counts ORDER BY name", &q);
    while (st == CL_OK && sqlite3_step(q) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(q, 0);
        char *sql = sqlite3_mprintf("SELECT count(*) FROM \"%w\"", name);
        sqlite3_stmt *c = NULL;
        if (!sql || sqlite3_prepare_v2(db, sql, -1, &c, NULL) != SQLITE_OK || sqlite3_step(c) != SQLITE_ROW)
            st = cl_db_fail(db, "counting the rows");
        else if (sqlite3_column_int64(c, 0) != sqlite3_column_int64(q, 1))
            st = cl_fail(CL_EDATA, _("the kept count of %s (%lld) is not the number of its rows (%lld); run `carelog "
                                     "verify-derived --repair`"), name, (long long)sqlite3_column_int64(q, 1),
                         (long long)sqlite3_column_int64(c, 0));
        sqlite3_finalize(c);
        sqlite3_free(sql);
    }
    sqlite3_finalize(q);
    return st;
}

static cl_status repair_row_counts(sqlite3 *db)
{
    sqlite3_stmt *q;
    cl_status st = cl_db_prepare(db, "SELECT name FROM row_counts", &q);
    while (st == CL_OK && sqlite3_step(q) == SQLITE_ROW) {
        char *sql = sqlite3_mprintf("UPDATE row_counts SET n = (SELECT count(*) FROM \"%w\") WHERE name = %Q",
                                    (const char *)sqlite3_column_text(q, 0), (const char *)sqlite3_column_text(q, 0));
        st = sql ? cl_db_exec(db, sql) : cl_fail(CL_ESOFTWARE, _("out of memory"));
        sqlite3_free(sql);
    }
    sqlite3_finalize(q);
    return st;
}

/* The records of each day (record_days) against a count of the records. */
#define DAYS_KEPT "SELECT day, n FROM record_days WHERE n <> 0"
#define DAYS_EXPECTED "SELECT substr(occurred_at, 1, 10), count(*) FROM records WHERE kind <> 'student' GROUP BY 1"

/* The first row that the kept rows and the ones expected from the records
 * do not share (either way): CL_OK with it in *q (finalize it), or with
 * *q NULL when they agree. */
static cl_status first_unshared(sqlite3 *db, const char *kept, const char *expected, const char *what,
                                sqlite3_stmt **q)
{
    *q = NULL;
    char *sql = sqlite3_mprintf("SELECT * FROM (%s EXCEPT %s) UNION ALL SELECT * FROM (%s EXCEPT %s) LIMIT 1", kept,
                                expected, expected, kept);
    cl_status st = sql ? cl_db_prepare(db, sql, q) : cl_fail(CL_ESOFTWARE, _("out of memory"));
    sqlite3_free(sql);
    if (st != CL_OK)
        return st;
    int rc = sqlite3_step(*q);
    if (rc != SQLITE_ROW) {
        sqlite3_finalize(*q);
        *q = NULL;
    }
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? CL_OK : cl_db_fail(db, what);
}

static cl_status check_record_days(sqlite3 *db)
{
    sqlite3_stmt *q;
    cl_status st = first_unshared(db, DAYS_KEPT, DAYS_EXPECTED, N_("counting the records of each day"), &q);
    if (st == CL_OK && q)
        st = cl_fail(CL_EDATA, _("the kept number of records of %s is not the number of its records; run `carelog "
                                 "verify-derived --repair`"), (const char *)sqlite3_column_text(q, 0));
    sqlite3_finalize(q);
    return st;
}

/* The circumstances of each student's details (student_circumstances,
 * kept by triggers for the students list's filter) against the records. */
#define CIRCUMSTANCES_KEPT "SELECT circumstance, record_id FROM student_circumstances"
#define CIRCUMSTANCES_EXPECTED                                                                                   \
    "SELECT j.value, r.id FROM records r, json_each(r.fields, '$.circumstances') j WHERE r.kind = 'student'"

/* The record id in column `column` of the first row first_unshared finds
 * (0: the kept rows agree). */
static cl_status first_unshared_record(sqlite3 *db, const char *kept, const char *expected, const char *what,
                                       int column, long long *record_id)
{
    sqlite3_stmt *q;
    cl_status st = first_unshared(db, kept, expected, what, &q);
    *record_id = st == CL_OK && q ? sqlite3_column_int64(q, column) : 0;
    sqlite3_finalize(q);
    return st;
}

static cl_status check_circumstances(sqlite3 *db)
{
    long long id;
    cl_status st = first_unshared_record(db, CIRCUMSTANCES_KEPT, CIRCUMSTANCES_EXPECTED,
                                         N_("checking the students' circumstances"), 1, &id);
    if (st == CL_OK && id)
        st = cl_fail(CL_EDATA, _("the kept circumstances of the student whose details are record #%lld differ from "
                                 "that record; run `carelog verify-derived --repair`"), id);
    return st;
}

/* Each referral's row of referral_waits (kept by triggers for the
 * referrals late in the loop) against its record and its last move. */
#define WAITS_KEPT "SELECT " CL_REFERRAL_WAIT_COLUMNS " FROM referral_waits"
#define WAITS_EXPECTED CL_REFERRAL_WAIT_ROW " WHERE r.kind = 'referral'"

static cl_status check_referral_waits(sqlite3 *db)
{
    long long id;
    cl_status st =
        first_unshared_record(db, WAITS_KEPT, WAITS_EXPECTED, N_("checking the referrals' states"), 0, &id);
    if (st == CL_OK && id)
        st = cl_fail(CL_EDATA, _("the kept state of referral #%lld differs from the referral and its moves; run "
                                 "`carelog verify-derived --repair`"), id);
    return st;
}

/* The kept tables against a recomputation from the records. */
static const struct {
    const char *sql;
    int what;
} checks[] = {
    {"SELECT * FROM (" FOLLOWUPS_EXPECTED " EXCEPT " FOLLOWUPS_KEPT ") UNION ALL SELECT * FROM ("
     FOLLOWUPS_KEPT " EXCEPT " FOLLOWUPS_EXPECTED ") ORDER BY 1, 2 LIMIT 1", FOLLOWUPS},
    {"SELECT student_id, student_id FROM (SELECT * FROM (" STATE_EXPECTED " EXCEPT " STATE_KEPT
     ") UNION ALL SELECT * FROM (" STATE_KEPT " EXCEPT " STATE_EXPECTED ")) ORDER BY 1 LIMIT 1",
     STATES},
};

/* Every check of the kept state, in one snapshot (cl_db_in_one_read). */
static cl_status check_all(void *arg)
{
    sqlite3 *db = arg;
    cl_status st = CL_OK;
    for (size_t i = 0; st == CL_OK && i < sizeof checks / sizeof checks[0]; i++)
        st = first_difference(db, checks[i].sql, checks[i].what);
    if (st == CL_OK)
        st = check_row_counts(db);
    if (st == CL_OK)
        st = check_record_days(db);
    if (st == CL_OK)
        st = check_circumstances(db);
    if (st == CL_OK)
        st = check_referral_waits(db);
    return st;
}

cl_status cl_followup_recompute_check(cl_vault *v, bool repair)
{
    sqlite3 *db = cl_vault_db(v);
    if (repair) {
        cl_tx tx;
        cl_status st = cl_tx_begin(db, &tx);
        if (st == CL_OK)
            st = cl_followup_rebuild_tx(db);
        if (st == CL_OK)
            st = repair_row_counts(db);
        if (st == CL_OK)
            st = cl_db_exec(db, "DELETE FROM record_days; INSERT INTO record_days(day, n) " DAYS_EXPECTED ";");
        if (st == CL_OK)
            st = cl_db_exec(db, "DELETE FROM student_circumstances; INSERT OR IGNORE INTO"
                                " student_circumstances(circumstance, record_id) " CIRCUMSTANCES_EXPECTED ";");
        if (st == CL_OK)
            st = cl_db_exec(db, "DELETE FROM referral_waits;"
                                " INSERT INTO referral_waits(" CL_REFERRAL_WAIT_COLUMNS ") " WAITS_EXPECTED ";");
        if (st == CL_OK)
            st = cl_vault_audit(v, "derived.repair", "derived state", NULL);
        st = cl_tx_end(&tx, st);
        if (st != CL_OK)
            return st;
    }
    /* One read transaction, so a writer cannot make both sides differ. */
    return cl_db_in_one_read(db, check_all, db);
}
