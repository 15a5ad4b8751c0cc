/* Follow-ups: explicit follow-up dates and minimum-frequency policies. */
#include "carelog/followup.h"
#include "carelog/i18n.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "carelog/clock.h"
#include "carelog/form.h"
#include "carelog/storage.h"
#include "carelog/text.h"

/* Risk levels as the policies and reasons name them (DESIGN.md, Records). */
static const struct {
    const char *name, *zh;
} risk_names[] = {
    {"none", "无"}, {"attention", "关注"}, {"elevated", "较高"}, {"crisis", "危机"},
};
#define N_RISK ((int)(sizeof risk_names / sizeof risk_names[0]))

/* What counts as the counsellor being in contact with a student. A record of
 * one of these kinds supersedes an earlier follow-up date and restarts a
 * policy's clock; an observation counts only for follow-up dates, and only
 * when a counsellor made it. */
#define CONTACT_KINDS "'session', 'contact', 'assessment', 'review'"
#define COUNSELLOR_CONTACT(c)                                                                            \
    "(" c ".kind IN (" CONTACT_KINDS ") OR (" c ".kind = 'observation' AND"                               \
    " (json_extract(" c ".fields, '$.reporter_role') = 'counsellor' OR"                                   \
    "  (json_extract(" c ".fields, '$.reporter_role') IS NULL AND"                                        \
    "   " c ".author IN (SELECT name FROM counsellors)))))"
/* b is on or after a: a later date, or the same date and written later. */
#define ON_OR_AFTER(b, a)                                                                                 \
    "(substr(" b ".occurred_at, 1, 10) > substr(" a ".occurred_at, 1, 10) OR"                            \
    " (substr(" b ".occurred_at, 1, 10) = substr(" a ".occurred_at, 1, 10) AND " b ".id > " a ".id))"
/* Contact c meets the follow-up that r planned: it came on a later day than
 * r and no more than EARLY_DAYS before the planned date. A phone call the
 * day after a session does not stand in for the session planned in three
 * weeks; a session a few days early does. */
#define EARLY_DAYS "7"
#define MEETS(c, r)                                                                                      \
    "(substr(" c ".occurred_at, 1, 10) > substr(" r ".occurred_at, 1, 10) AND"                           \
    " substr(" c ".occurred_at, 1, 10) >= date(" r ".follow_up, '-" EARLY_DAYS " days'))"
#define FOLLOWED(s) "(" s ".status IN ('active', 'monitoring') AND " s ".merged_into IS NULL)"
#define HAS_FOLLOW_UP(r) "(" r ".follow_up IS NOT NULL AND " r ".follow_up <> '')"

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

/* The local date of a stored UTC time "YYYY-MM-DDTHH:MM:SSZ". */
static long local_days_of_time(const char *iso)
{
    int y, mo, d, h = 0, mi = 0, se = 0;
    if (!iso || sscanf(iso, "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &se) < 3)
        return LONG_MIN;
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = se;
    char date[11];
    cl_time_date(timegm(&tm), date, sizeof date);
    return cl_date_days(date);
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
static void policy_label(const cl_form *form, const char *basis, const char *value, char *out, size_t size)
{
    if (strcmp(basis, "risk") == 0) {
        int r = atoi(value);
        snprintf(out, size, "%s (risk %s)", r >= 0 && r < N_RISK ? risk_names[r].name : "risk", value);
        return;
    }
    const cl_field *f = form ? cl_form_field(form, "circumstances") : NULL;
    for (size_t i = 0; f && i < f->n_choices; i++)
        if (strcmp(f->choices[i].id, value) == 0) {
            snprintf(out, size, "%s (%s)", f->choices[i].label_en, value);
            return;
        }
    snprintf(out, size, "%s", value);
}

/* ---- what is due ------------------------------------------------------ */

typedef struct policy {
    char basis[16];
    char value[64];
    int days;
} policy;

typedef struct due_ctx {
    long today;
    long horizon;
    json_t *rows;
} due_ctx;

static cl_status add_row(due_ctx *d, sqlite3_stmt *q, long due, const char *source, const char *reason,
                         long long record_id)
{
    long overdue = d->today - due;
    if (overdue < -d->horizon)
        return CL_OK;
    char due_date[11];
    date_of_days(due, due_date);
    json_t *row = json_pack("{s:I, s:s, s:s, s:s, s:i, s:s, s:I, s:s, s:s, s:s, s:o}",
                            "student_id", (json_int_t)sqlite3_column_int64(q, 0),
                            "number", col(q, 1), "name", col(q, 2), "class", col(q, 3),
                            "risk_level", sqlite3_column_int(q, 4),
                            "due_date", due_date, "days_overdue", (json_int_t)overdue,
                            "status", overdue > 0 ? "overdue" : "due",
                            "source", source, "reason", reason,
                            "record_id", record_id > 0 ? json_integer(record_id) : json_null());
    if (!row || json_array_append_new(d->rows, row) != 0)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    return CL_OK;
}

/* (a) The newest record of each student that set a follow-up date, unless a
 * counsellor contact has met it (MEETS). */
static cl_status due_explicit(sqlite3 *db, due_ctx *d)
{
    static const char sql[] =
        "SELECT s.id, s.number, s.name, s.class, s.risk_level, r.id, r.kind, r.occurred_at, r.follow_up"
        " FROM records r JOIN students s ON s.id = r.student_id"
        " WHERE " HAS_FOLLOW_UP("r") " AND " FOLLOWED("s")
        "  AND NOT EXISTS (SELECT 1 FROM records n WHERE n.student_id = r.student_id"
        "                  AND " HAS_FOLLOW_UP("n") " AND " ON_OR_AFTER("n", "r") ")"
        "  AND NOT EXISTS (SELECT 1 FROM records c WHERE c.student_id = r.student_id"
        "                  AND " COUNSELLOR_CONTACT("c") " AND " MEETS("c", "r") ")";
    sqlite3_stmt *q;
    cl_status st = cl_db_prepare(db, sql, &q);
    if (st != CL_OK)
        return st;
    int rc;
    while (st == CL_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        long due = days_of(col(q, 8));
        if (due == LONG_MIN)
            continue; /* not a date: the form would not have let it in */
        char reason[200];
        char *kind = cl_text_inert(col(q, 6), false);
        snprintf(reason, sizeof reason, "follow-up set by %s #%lld on %.10s", kind ? kind : "record",
                 (long long)sqlite3_column_int64(q, 5), col(q, 7));
        free(kind);
        st = add_row(d, q, due, "follow_up", reason, sqlite3_column_int64(q, 5));
    }
    if (st == CL_OK && rc != SQLITE_DONE)
        st = cl_db_fail(db, "finding follow-up dates");
    sqlite3_finalize(q);
    return st;
}

static cl_status load_policies(sqlite3 *db, policy **out, size_t *n)
{
    sqlite3_stmt *q;
    cl_status st = cl_db_prepare(db, "SELECT basis, value, days FROM followup_policies"
                                     " ORDER BY basis DESC, days, value", &q);
    if (st != CL_OK)
        return st;
    policy *list = NULL;
    size_t count = 0;
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        policy *grown = realloc(list, (count + 1) * sizeof *list);
        if (!grown) {
            st = cl_fail(CL_ESOFTWARE, _("out of memory"));
            break;
        }
        list = grown;
        snprintf(list[count].basis, sizeof list[count].basis, "%s", col(q, 0));
        snprintf(list[count].value, sizeof list[count].value, "%s", col(q, 1));
        list[count].days = sqlite3_column_int(q, 2);
        count++;
    }
    if (st == CL_OK && rc != SQLITE_DONE)
        st = cl_db_fail(db, "reading the follow-up policies");
    sqlite3_finalize(q);
    if (st != CL_OK) {
        free(list);
        return st;
    }
    *out = list;
    *n = count;
    return CL_OK;
}

static bool holds_circumstance(const json_t *circumstances, const char *value)
{
    size_t i;
    const json_t *c;
    json_array_foreach(circumstances, i, c)
        if (json_is_string(c) && strcmp(json_string_value(c), value) == 0)
            return true;
    return false;
}

/* (b) For each followed student, the policy with the fewest days, from the
 * last counsellor contact (or from when the student was added). */
static cl_status due_policies(sqlite3 *db, due_ctx *d)
{
    policy *pol = NULL;
    size_t npol = 0;
    cl_status st = load_policies(db, &pol, &npol);
    if (st != CL_OK || npol == 0) {
        free(pol);
        return st;
    }
    cl_form *form = student_form(db);
    static const char sql[] =
        "SELECT s.id, s.number, s.name, s.class, s.risk_level, s.created_at, sr.fields,"
        " (SELECT max(substr(c.occurred_at, 1, 10)) FROM records c"
        "   WHERE c.student_id = s.id AND c.kind IN (" CONTACT_KINDS "))"
        " FROM students s LEFT JOIN records sr ON sr.id = s.record_id"
        " WHERE " FOLLOWED("s");
    sqlite3_stmt *q = NULL;
    st = cl_db_prepare(db, sql, &q);
    int rc = SQLITE_DONE;
    while (st == CL_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        char risk[16];
        snprintf(risk, sizeof risk, "%d", sqlite3_column_int(q, 4));
        json_t *fields = json_loads(col(q, 6), 0, NULL);
        const json_t *circumstances = json_object_get(fields, "circumstances");
        const policy *best = NULL;
        for (size_t i = 0; i < npol; i++) {
            const policy *p = &pol[i];
            bool applies = strcmp(p->basis, "risk") == 0 ? strcmp(p->value, risk) == 0
                                                         : holds_circumstance(circumstances, p->value);
            if (applies && (!best || p->days < best->days))
                best = p;
        }
        json_decref(fields);
        if (!best)
            continue;
        const char *last = (const char *)sqlite3_column_text(q, 7);
        long from = last ? days_of(last) : LONG_MIN;
        char since[64];
        if (from != LONG_MIN) {
            snprintf(since, sizeof since, "last contact %.10s", last);
        } else {
            from = local_days_of_time(col(q, 5));
            if (from == LONG_MIN)
                from = d->today;
            char date[11];
            date_of_days(from, date);
            snprintf(since, sizeof since, "no contact yet (on file since %s)", date);
        }
        char label[160], reason[300];
        policy_label(form, best->basis, best->value, label, sizeof label);
        char *safe = cl_text_inert(label, false);
        snprintf(reason, sizeof reason, "%s: at least every %d day%s; %s", safe ? safe : label, best->days,
                 best->days == 1 ? "" : "s", since);
        free(safe);
        st = add_row(d, q, from + best->days, "policy", reason, 0);
    }
    if (st == CL_OK && rc != SQLITE_DONE)
        st = cl_db_fail(db, "applying the follow-up policies");
    if (q)
        sqlite3_finalize(q);
    cl_form_free(form);
    free(pol);
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
    cl_status st = due_explicit(db, &d);
    if (st == CL_OK)
        st = due_policies(db, &d);
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
        char label[160];
        policy_label(form, col(q, 0), col(q, 1), label, sizeof label);
        if (json_array_append_new(list, json_pack("{s:s, s:s, s:i, s:s}", "basis", col(q, 0), "value", col(q, 1),
                                                  "days", sqlite3_column_int(q, 2), "label", label)) != 0)
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
