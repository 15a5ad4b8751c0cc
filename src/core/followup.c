/* Follow-ups: explicit follow-up dates and minimum-frequency policies. */
#include "carelog/followup.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "carelog/clock.h"
#include "carelog/form.h"
#include "carelog/i18n.h"
#include "carelog/storage.h"
#include "carelog/text.h"
#include "record_internal.h"

/* Risk levels as the policies and reasons name them (DESIGN.md, Records). */
static const struct {
    const char *name, *zh;
} risk_names[] = {
    {"none", "无"}, {"attention", "关注"}, {"elevated", "较高"}, {"crisis", "危机"},
};
#define N_RISK ((int)(sizeof risk_names / sizeof risk_names[0]))

/* Days since 1970-01-01 to "YYYY-MM-DD". */
static void date_of_days(long days, char out[11])
{
    time_t t = (time_t)days * 86400;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

/* The date part (first 10 bytes) of a stored date or date-time, as days;
 * LONG_MIN when it is not a date. */
static long days_of(const char *s)
{
    char d[11];
    if (!s || strlen(s) < 10)
        return LONG_MIN;
    memcpy(d, s, 10);
    d[10] = '\0';
    return cl_date_days(d);
}

static const char *col(sqlite3_stmt *q, int i)
{
    const char *s = (const char *)sqlite3_column_text(q, i);
    return s ? s : "";
}

/* The newest student form in the vault, parsed; NULL when there is none
 * (or it does not parse). */
static cl_form *student_form(sqlite3 *db)
{
    sqlite3_stmt *q;
    if (cl_db_prepare(db, "SELECT source FROM forms WHERE kind = 'student' ORDER BY version DESC LIMIT 1", &q) !=
        CL_OK)
        return NULL;
    cl_form *form = NULL;
    if (sqlite3_step(q) == SQLITE_ROW) {
        const char *text = col(q, 0);
        if (cl_form_parse(text, strlen(text), "student.form", &form) != CL_OK)
            form = NULL;
    }
    sqlite3_finalize(q);
    cl_error_clear();
    return form;
}

/* "crisis (risk 3)" or "Left-behind child (left_behind)". */
static void policy_label(const cl_form *form, const char *basis, const char *value, bool zh, char *out, size_t size)
{
    if (strcmp(basis, "risk") == 0) {
        int r = atoi(value);
        bool known = r >= 0 && r < N_RISK;
        if (zh)
            snprintf(out, size, "风险 %s（%s）", value, known ? risk_names[r].zh : "");
        else
            snprintf(out, size, "%s (risk %s)", known ? risk_names[r].name : "risk", value);
        return;
    }
    const cl_field *f = form ? cl_form_field(form, "circumstances") : NULL;
    for (size_t i = 0; f && i < f->n_choices; i++)
        if (strcmp(f->choices[i].id, value) == 0) {
            if (zh)
                snprintf(out, size, "%s", f->choices[i].label_zh);
            else
                snprintf(out, size, "%s (%s)", f->choices[i].label_en, value);
            return;
        }
    snprintf(out, size, "%s", value);
}

/* A record kind as the Chinese reason names it. */
static const char *kind_zh(const char *kind)
{
    static const char *const map[][2] = {
        {"observation", "观察"}, {"session", "辅导"}, {"assessment", "评估"}, {"plan", "计划"},
        {"review", "复查"},      {"contact", "家校沟通"}, {"referral", "转介"}, {"phq9", "PHQ-9"},
        {"gad7", "GAD-7"},
    };
    for (size_t i = 0; kind && i < sizeof map / sizeof *map; i++)
        if (strcmp(map[i][0], kind) == 0)
            return map[i][1];
    return kind ? kind : "记录";
}

/* ---- what is due ------------------------------------------------------ */

typedef struct due_ctx {
    long today;
    long horizon;
    json_t *rows;
} due_ctx;

/* reason and reason_zh say the same for people, in English and Chinese
 * (the fronts show the one of the interface language). */
static cl_status add_row(due_ctx *d, sqlite3_stmt *q, long due, const char *source, const char *reason,
                         const char *reason_zh, long long record_id)
{
    long overdue = d->today - due;
    if (overdue < -d->horizon)
        return CL_OK;
    char due_date[11];
    date_of_days(due, due_date);
    json_t *row = json_pack("{s:I, s:s, s:s, s:s, s:i, s:s, s:I, s:s, s:s, s:s, s:o, s:s}",
                            "student_id", (json_int_t)sqlite3_column_int64(q, 0),
                            "number", col(q, 1), "name", col(q, 2), "class", col(q, 3),
                            "risk_level", sqlite3_column_int(q, 4),
                            "due_date", due_date, "days_overdue", (json_int_t)overdue,
                            "status", overdue > 0 ? "overdue" : "due",
                            "source", source, "reason", reason,
                            "record_id", record_id > 0 ? json_integer(record_id) : json_null(), "reason_zh", reason_zh);
    if (!row || json_array_append_new(d->rows, row) != 0)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    return CL_OK;
}

/* (a) Every open obligation due by the horizon: a range of the open index. */
static cl_status due_explicit(sqlite3 *db, due_ctx *d, const char *until)
{
    static const char sql[] =
        "SELECT s.id, s.number, s.name, s.class, s.risk_level, f.record_id, f.kind, f.set_on, f.due_date"
        " FROM followups f JOIN students s ON s.id = f.student_id WHERE f.open AND f.due_date <= ?1";
    sqlite3_stmt *q;
    cl_status st = cl_db_cached(db, sql, &q);
    if (st != CL_OK)
        return st;
    sqlite3_bind_text(q, 1, until, -1, SQLITE_STATIC);
    int rc;
    while (st == CL_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        long due = days_of(col(q, 8));
        if (due == LONG_MIN)
            continue; /* not a date: the form would not have let it in */
        char reason[200], reason_zh[200];
        char *kind = cl_text_inert(col(q, 6), false);
        long long set_by = sqlite3_column_int64(q, 5);
        snprintf(reason, sizeof reason, "follow-up set by %s #%lld on %.10s", kind ? kind : "record", set_by,
                 col(q, 7));
        snprintf(reason_zh, sizeof reason_zh, "%.10s 的%s #%lld 约定的跟进", col(q, 7), kind_zh(kind), set_by);
        free(kind);
        st = add_row(d, q, due, "follow_up", reason, reason_zh, set_by);
    }
    if (st == CL_OK && rc != SQLITE_DONE)
        st = cl_db_fail(db, "finding follow-up dates");
    sqlite3_reset(q);
    return st;
}

/* (b) Each followed student whose policy falls due by the horizon, as
 * student_state keeps it: the policy with the fewest days, from the last
 * direct contact (or from the day the student was added). */
static cl_status due_policies(sqlite3 *db, due_ctx *d, const char *until)
{
    static const char sql[] =
        "SELECT s.id, s.number, s.name, s.class, s.risk_level, t.policy_basis, t.policy_value, t.policy_days,"
        " t.policy_due, t.last_contact FROM student_state t JOIN students s ON s.id = t.student_id"
        " WHERE t.policy_due IS NOT NULL AND t.policy_due <= ?1";
    sqlite3_stmt *q;
    cl_status st = cl_db_cached(db, sql, &q);
    if (st != CL_OK)
        return st;
    sqlite3_bind_text(q, 1, until, -1, SQLITE_STATIC);
    cl_form *form = NULL;
    bool form_read = false;
    int rc;
    while (st == CL_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (!form_read) {
            form = student_form(db);
            form_read = true;
        }
        long due = days_of(col(q, 8));
        int days = sqlite3_column_int(q, 7);
        if (due == LONG_MIN)
            continue;
        char since[64], since_zh[64];
        if (sqlite3_column_type(q, 9) != SQLITE_NULL) {
            snprintf(since, sizeof since, "last contact %.10s", col(q, 9));
            snprintf(since_zh, sizeof since_zh, "上次接触 %.10s", col(q, 9));
        } else {
            char date[11];
            date_of_days(due - days, date);
            snprintf(since, sizeof since, "no contact yet (on file since %s)", date);
            snprintf(since_zh, sizeof since_zh, "尚未接触（%s 建档）", date);
        }
        char label[160], label_zh[160], reason[300], reason_zh[300];
        policy_label(form, col(q, 5), col(q, 6), false, label, sizeof label);
        policy_label(form, col(q, 5), col(q, 6), true, label_zh, sizeof label_zh);
        char *safe = cl_text_inert(label, false), *safe_zh = cl_text_inert(label_zh, false);
        snprintf(reason, sizeof reason, "%s: at least every %d day%s; %s", safe ? safe : label, days,
                 days == 1 ? "" : "s", since);
        snprintf(reason_zh, sizeof reason_zh, "%s：至少每 %d 天一次；%s", safe_zh ? safe_zh : label_zh, days, since_zh);
        free(safe);
        free(safe_zh);
        st = add_row(d, q, due, "policy", reason, reason_zh, 0);
    }
    if (st == CL_OK && rc != SQLITE_DONE)
        st = cl_db_fail(db, "applying the follow-up policies");
    sqlite3_reset(q);
    cl_form_free(form);
    return st;
}

static int by_urgency(const void *pa, const void *pb)
{
    const json_t *a = *(json_t *const *)pa, *b = *(json_t *const *)pb;
    json_int_t oa = json_integer_value(json_object_get(a, "days_overdue"));
    json_int_t ob = json_integer_value(json_object_get(b, "days_overdue"));
    if (oa != ob)
        return oa > ob ? -1 : 1;
    int c = strcmp(json_string_value(json_object_get(a, "number")), json_string_value(json_object_get(b, "number")));
    if (c)
        return c;
    json_int_t sa = json_integer_value(json_object_get(a, "student_id"));
    json_int_t sb = json_integer_value(json_object_get(b, "student_id"));
    if (sa != sb)
        return sa < sb ? -1 : 1;
    return strcmp(json_string_value(json_object_get(a, "source")), json_string_value(json_object_get(b, "source")));
}

cl_status cl_followup_due(cl_vault *v, const char *today, int horizon_days, json_t **out)
{
    char date[11];
    if (today) {
        if (!cl_date_parse(today, date)) {
            char *shown = cl_text_inert(today, false);
            cl_status st = cl_fail(CL_EUSAGE, _("\"%s\" is not a date (YYYY-MM-DD)"), shown ? shown : "");
            free(shown);
            return st;
        }
    } else {
        cl_time_date(cl_now(), date, sizeof date);
    }
    if (horizon_days < 0)
        return cl_fail(CL_EUSAGE, _("the horizon cannot be negative"));
    due_ctx d = {cl_date_days(date), horizon_days, json_array()};
    if (!d.rows)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    sqlite3 *db = cl_vault_db(v);
    char until[11];
    date_of_days(d.today + d.horizon, until);
    cl_status st = due_explicit(db, &d, until);
    if (st == CL_OK)
        st = due_policies(db, &d, until);
    if (st != CL_OK) {
        json_decref(d.rows);
        return st;
    }
    size_t n = json_array_size(d.rows);
    json_t **items = n ? malloc(n * sizeof *items) : NULL;
    json_t *sorted = json_array();
    if ((n && !items) || !sorted) {
        free(items);
        json_decref(sorted);
        json_decref(d.rows);
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    }
    for (size_t i = 0; i < n; i++)
        items[i] = json_array_get(d.rows, i);
    if (n)
        qsort(items, n, sizeof *items, by_urgency);
    for (size_t i = 0; i < n; i++)
        json_array_append(sorted, items[i]);
    free(items);
    json_decref(d.rows);
    *out = sorted;
    return CL_OK;
}

/* ---- policies --------------------------------------------------------- */

/* Checks basis and value; writes the canonical value ("3" for "crisis"). */
static cl_status check_policy(sqlite3 *db, const char *basis, const char *value, char *canon, size_t size)
{
    if (!basis || (strcmp(basis, "risk") != 0 && strcmp(basis, "circumstance") != 0))
        return cl_fail(CL_EUSAGE, _("a policy's basis is risk or circumstance"));
    if (!value || !*value)
        return cl_fail(CL_EUSAGE, _("a policy needs a value (a risk level or a circumstance)"));
    if (strcmp(basis, "risk") == 0) {
        for (int r = 0; r < N_RISK; r++) {
            char digit[16];
            snprintf(digit, sizeof digit, "%d", r);
            if (strcmp(value, digit) == 0 || strcmp(value, risk_names[r].name) == 0 ||
                strcmp(value, risk_names[r].zh) == 0) {
                snprintf(canon, size, "%d", r);
                return CL_OK;
            }
        }
        return cl_fail(CL_EUSAGE, _("a risk level is 0 (none), 1 (attention), 2 (elevated) or 3 (crisis)"));
    }
    cl_form *form = student_form(db);
    const cl_field *f = form ? cl_form_field(form, "circumstances") : NULL;
    cl_status st = CL_OK;
    if (f && f->n_choices > 0) {
        const char *found = NULL;
        cl_buf names = {0};
        for (size_t i = 0; i < f->n_choices; i++) {
            const cl_choice *c = &f->choices[i];
            if (strcmp(value, c->id) == 0 || strcmp(value, c->label_zh) == 0 || strcmp(value, c->label_en) == 0)
                found = c->id;
            cl_buf_printf(&names, "%s%s", i ? ", " : "", c->id);
        }
        if (found) {
            snprintf(canon, size, "%s", found);
        } else {
            char *shown = cl_text_inert(value, false);
            st = cl_fail(CL_EUSAGE, _("\"%s\" is not a circumstance of the student form; the circumstances are %s"),
                         shown ? shown : "", names.data ? names.data : "");
            free(shown);
        }
        cl_buf_free(&names);
    } else {
        /* No student form to check against: an id as the forms write them. */
        size_t n = strlen(value);
        bool ok = n <= 40 && value[0] >= 'a' && value[0] <= 'z';
        for (size_t i = 0; ok && i < n; i++)
            ok = (value[i] >= 'a' && value[i] <= 'z') || (value[i] >= '0' && value[i] <= '9') || value[i] == '_';
        if (ok)
            snprintf(canon, size, "%s", value);
        else
            st = cl_fail(CL_EUSAGE, _("a circumstance is a choice id such as left_behind"));
    }
    cl_form_free(form);
    return st;
}

static cl_status policy_write(cl_vault *v, const char *basis, const char *value, int days)
{
    sqlite3 *db = cl_vault_db(v);
    char canon[64];
    cl_status st = check_policy(db, basis, value, canon, sizeof canon);
    if (st != CL_OK)
        return st;
    if (days > 0 && days > CL_FOLLOWUP_POLICY_MAX_DAYS)
        return cl_fail(CL_EUSAGE, _("a policy's days are from 1 to %d"), CL_FOLLOWUP_POLICY_MAX_DAYS);
    st = cl_db_begin(db);
    if (st != CL_OK)
        return st;
    sqlite3_stmt *q;
    st = cl_db_prepare(db, days > 0 ? "INSERT INTO followup_policies(basis, value, days) VALUES (?1, ?2, ?3)"
                                      " ON CONFLICT (basis, value) DO UPDATE SET days = excluded.days"
                                    : "DELETE FROM followup_policies WHERE basis = ?1 AND value = ?2",
                       &q);
    if (st == CL_OK) {
        sqlite3_bind_text(q, 1, basis, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 2, canon, -1, SQLITE_STATIC);
        if (days > 0)
            sqlite3_bind_int(q, 3, days);
        if (sqlite3_step(q) != SQLITE_DONE)
            st = cl_db_fail(db, "saving the follow-up policy");
        else if (days <= 0 && sqlite3_changes(db) == 0)
            st = cl_fail(CL_ENOTFOUND, _("there is no follow-up policy for %s %s"), basis, canon);
        sqlite3_finalize(q);
    }
    if (st == CL_OK)
        st = cl_followup_refresh_all_tx(db);
    if (st == CL_OK) {
        char target[96], detail[32];
        snprintf(target, sizeof target, "policy %s %s", basis, canon);
        snprintf(detail, sizeof detail, "every %d days", days);
        st = cl_vault_audit(v, days > 0 ? "policy.set" : "policy.remove", target, days > 0 ? detail : NULL);
    }
    if (st == CL_OK)
        return cl_db_commit(db);
    cl_db_rollback(db);
    return st;
}

cl_status cl_followup_policy_set(cl_vault *v, const char *basis, const char *value, int days)
{
    if (days < 1 || days > CL_FOLLOWUP_POLICY_MAX_DAYS)
        return cl_fail(CL_EUSAGE, _("a policy's days are from 1 to %d"), CL_FOLLOWUP_POLICY_MAX_DAYS);
    return policy_write(v, basis, value, days);
}

cl_status cl_followup_policy_remove(cl_vault *v, const char *basis, const char *value)
{
    return policy_write(v, basis, value, 0);
}

cl_status cl_followup_policy_list(cl_vault *v, json_t **out)
{
    sqlite3 *db = cl_vault_db(v);
    sqlite3_stmt *q;
    cl_status st = cl_db_prepare(db, "SELECT basis, value, days FROM followup_policies"
                                     " ORDER BY basis DESC, CAST(value AS INTEGER) DESC, value", &q);
    if (st != CL_OK)
        return st;
    cl_form *form = student_form(db);
    json_t *list = json_array();
    int rc;
    while (list && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        char label[160], label_zh[160];
        policy_label(form, col(q, 0), col(q, 1), false, label, sizeof label);
        policy_label(form, col(q, 0), col(q, 1), true, label_zh, sizeof label_zh);
        if (json_array_append_new(list, json_pack("{s:s, s:s, s:i, s:s, s:s}", "basis", col(q, 0), "value", col(q, 1),
                                                  "days", sqlite3_column_int(q, 2), "label", label, "label_zh",
                                                  label_zh)) != 0)
            st = cl_fail(CL_ESOFTWARE, _("out of memory"));
    }
    if (!list)
        st = cl_fail(CL_ESOFTWARE, _("out of memory"));
    else if (st == CL_OK && rc != SQLITE_DONE)
        st = cl_db_fail(db, "listing the follow-up policies");
    sqlite3_finalize(q);
    cl_form_free(form);
    if (st != CL_OK) {
        json_decref(list);
        return st;
    }
    *out = list;
    return CL_OK;
}
