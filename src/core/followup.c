/* Follow-ups: explicit follow-up dates and minimum-frequency policies. */
#include "carelog/followup.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "carelog/catalog.h"
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

/* Texts put together piece by piece, cut at the end of their buffer: a
 * list of thousands of rows says each row's reason and cursor without a
 * printf apiece. */
typedef struct text_cat {
    char *at, *end; /* end: the last byte, kept for the NUL */
} text_cat;

static text_cat cat_into(char *buf, size_t size)
{
    text_cat c = {buf, buf + size - 1};
    *buf = '\0';
    return c;
}

static void cat_n(text_cat *c, const char *s, size_t n)
{
    size_t room = (size_t)(c->end - c->at);
    if (n > room)
        n = room;
    memcpy(c->at, s, n);
    c->at += n;
    *c->at = '\0';
}

static void cat_s(text_cat *c, const char *s)
{
    cat_n(c, s, strlen(s));
}

static void cat_i(text_cat *c, long long n)
{
    char digits[24], *d = digits + sizeof digits;
    unsigned long long u = n < 0 ? 0 - (unsigned long long)n : (unsigned long long)n;
    do
        *--d = (char)('0' + u % 10);
    while (u /= 10);
    if (n < 0)
        *--d = '-';
    cat_n(c, d, (size_t)(digits + sizeof digits - d));
}

/* The date part of a stored date or date-time (its first 10 bytes). */
static void cat_date(text_cat *c, const char *s)
{
    cat_n(c, s, strnlen(s, 10));
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

/* ---- what is due ------------------------------------------------------ */

/* Both sources in the list's order, merged by SQLite from two range scans
 * of their indexes (followups_open_listed, which holds the columns read
 * here, and student_state_policy_due): due date, student number, student
 * id, source, record. ?1..?2 bound the due date; the rows up to the
 * cursor's position (?3..?6, the student's number looked up by id) are
 * skipped; ?7 is the limit (-1: none). Without a cursor the statement has
 * no such test to make for every row. */
#define DUE_FOLLOW_UP                                                                                        \
    "SELECT f.due_date, s.number, s.id, 'follow_up', f.record_id, s.name, s.class, s.risk_level,"           \
    "  f.kind, f.set_on, NULL, NULL, NULL, NULL"                                                             \
    " FROM followups f JOIN students s ON s.id = f.student_id"                                               \
    " WHERE f.open AND f.due_date >= ?1 AND f.due_date <= ?2"
#define DUE_POLICY                                                                                           \
    " SELECT t.policy_due, s.number, s.id, 'policy', 0, s.name, s.class, s.risk_level,"                     \
    "  NULL, NULL, t.policy_basis, t.policy_value, t.policy_days, t.last_contact"                            \
    " FROM student_state t JOIN students s ON s.id = t.student_id"                                           \
    " WHERE t.policy_due IS NOT NULL AND t.policy_due >= ?1 AND t.policy_due <= ?2"
#define DUE_ORDER " ORDER BY 1, 2, 3, 4, 5 LIMIT ?7"
#define DUE_KEY_AFTER "(?3, coalesce((SELECT c.number FROM students c WHERE c.id = ?4), ''), ?4, ?5, ?6)"
static const char due_sql[] =
    DUE_FOLLOW_UP " AND (f.due_date, s.number, s.id, 'follow_up', f.record_id) > " DUE_KEY_AFTER
    " UNION ALL" DUE_POLICY " AND (t.policy_due, s.number, s.id, 'policy', 0) > " DUE_KEY_AFTER DUE_ORDER;
static const char due_sql_first[] = DUE_FOLLOW_UP " UNION ALL" DUE_POLICY DUE_ORDER;
enum { DUE_DATE, DUE_NUMBER, DUE_STUDENT, DUE_SOURCE, DUE_RECORD, DUE_NAME, DUE_CLASS, DUE_RISK, DUE_KIND,
       DUE_SET_ON, DUE_BASIS, DUE_VALUE, DUE_DAYS, DUE_LAST_CONTACT };

/* A row's place in the list: "DUE_DATE/STUDENT_ID/SOURCE/RECORD_ID"
 * ("2026-11-10/123/follow_up/17"; record 0 for a policy). The student's
 * number, which orders rows of one day, is looked up from the id, so the
 * cursor holds nothing a person wrote. */
typedef struct due_key {
    char date[11];
    long long student, record;
    char source[10];
} due_key;

static bool due_key_parse(const char *text, due_key *k)
{
    char date[11], source[10];
    int end = -1;
    if (!text || sscanf(text, "%10[0-9-]/%lld/%9[a-z_]/%lld%n", date, &k->student, source, &k->record, &end) != 4 ||
        end < 0 || text[end] != '\0' || !cl_date_parse(date, k->date) || strcmp(date, k->date) != 0 ||
        k->student < 1 || k->record < 0 ||
        (strcmp(source, "follow_up") != 0 && strcmp(source, "policy") != 0))
        return false;
    snprintf(k->source, sizeof k->source, "%s", source);
    /* Only the form the list prints ("+5", " 5" or "05" are not it). */
    char canonical[64];
    snprintf(canonical, sizeof canonical, "%s/%lld/%s/%lld", k->date, k->student, k->source, k->record);
    return strcmp(canonical, text) == 0;
}

cl_status cl_followup_cursor_check(const char *cursor)
{
    due_key k;
    if (due_key_parse(cursor, &k))
        return CL_OK;
    char *shown = cl_text_inert(cursor ? cursor : "", false);
    cl_status st = cl_fail(CL_EUSAGE, _("\"%s\" is not a cursor of the follow-up list (it looks like "
                                        "2026-11-10/123/follow_up/17: give the \"next\" that the last page printed)"),
                           shown ? shown : "");
    free(shown);
    return st;
}

/* The words a reason names, worked out once per list for each kind that
 * set a follow-up (its id made inert, its Chinese title) and each policy
 * (its label in both languages, inert): a list of thousands of rows names
 * a handful of them. */
#define REASON_WORDS 16
typedef struct reason_words {
    char key[64];
    char en[160], zh[160];
} reason_words;

typedef struct due_ctx {
    cl_vault *v;
    sqlite3 *db;
    long today;
    cl_form *form; /* the student form, read at the first policy row */
    bool form_read;
    reason_words words[REASON_WORDS];
    int n_words;
} due_ctx;

static void copy_inert(const char *text, char *out, size_t size)
{
    char *safe = cl_text_inert(text, false);
    snprintf(out, size, "%s", safe ? safe : "");
    free(safe);
}

/* The words of key, made by make when the list has not met key before
 * (into scratch when the cache is full). */
static const reason_words *words_of(due_ctx *d, const char *key, reason_words *scratch,
                                    void (*make)(due_ctx *d, sqlite3_stmt *q, reason_words *w), sqlite3_stmt *q)
{
    for (int i = 0; i < d->n_words; i++)
        if (strcmp(d->words[i].key, key) == 0)
            return &d->words[i];
    reason_words *w = d->n_words < REASON_WORDS && strlen(key) < sizeof w->key ? &d->words[d->n_words++] : scratch;
    snprintf(w->key, sizeof w->key, "%s", key);
    make(d, q, w);
    return w;
}

static void kind_words(due_ctx *d, sqlite3_stmt *q, reason_words *w)
{
    const char *kind = col(q, DUE_KIND);
    copy_inert(kind, w->en, sizeof w->en);
    snprintf(w->zh, sizeof w->zh, "%s", cl_catalog_kind_label(d->v, kind, "zh"));
}

/* "crisis (risk 3)", "风险 3（危机）": the policy's value named. */
static void policy_words(due_ctx *d, sqlite3_stmt *q, reason_words *w)
{
    if (!d->form_read) {
        d->form = student_form(d->db);
        d->form_read = true;
    }
    char label[160];
    policy_label(d->form, col(q, DUE_BASIS), col(q, DUE_VALUE), false, label, sizeof label);
    copy_inert(label, w->en, sizeof w->en);
    policy_label(d->form, col(q, DUE_BASIS), col(q, DUE_VALUE), true, label, sizeof label);
    copy_inert(label, w->zh, sizeof w->zh);
}

/* reason and reason_zh say the same for people, in English and Chinese
 * (the fronts show the one of the interface language). */
static void followup_reason(due_ctx *d, sqlite3_stmt *q, char *reason, char *reason_zh, size_t size)
{
    reason_words scratch;
    const reason_words *w = words_of(d, col(q, DUE_KIND), &scratch, kind_words, q);
    long long set_by = sqlite3_column_int64(q, DUE_RECORD);
    const char *set_on = col(q, DUE_SET_ON);
    /* "follow-up set by %s #%lld on %.10s" */
    text_cat en = cat_into(reason, size);
    cat_s(&en, "follow-up set by ");
    cat_s(&en, w->en);
    cat_s(&en, " #");
    cat_i(&en, set_by);
    cat_s(&en, " on ");
    cat_date(&en, set_on);
    /* "%.10s 的%s #%lld 约定的跟进" */
    text_cat zh = cat_into(reason_zh, size);
    cat_date(&zh, set_on);
    cat_s(&zh, " 的");
    cat_s(&zh, w->zh);
    cat_s(&zh, " #");
    cat_i(&zh, set_by);
    cat_s(&zh, " 约定的跟进");
}

/* The policy with the fewest days, from the last direct contact (or from
 * the day the student was added), as student_state keeps it. */
static void policy_reason(due_ctx *d, sqlite3_stmt *q, long due, char *reason, char *reason_zh, size_t size)
{
    char key[sizeof d->words[0].key];
    snprintf(key, sizeof key, "%s\x1f%s", col(q, DUE_BASIS), col(q, DUE_VALUE));
    reason_words scratch;
    const reason_words *w = words_of(d, key, &scratch, policy_words, q);
    int days = sqlite3_column_int(q, DUE_DAYS);
    char since[64], since_zh[64];
    if (sqlite3_column_type(q, DUE_LAST_CONTACT) != SQLITE_NULL) {
        snprintf(since, sizeof since, "last contact %.10s", col(q, DUE_LAST_CONTACT));
        snprintf(since_zh, sizeof since_zh, "上次接触 %.10s", col(q, DUE_LAST_CONTACT));
    } else {
        char date[11];
        date_of_days(due - days, date);
        snprintf(since, sizeof since, "no contact yet (on file since %s)", date);
        snprintf(since_zh, sizeof since_zh, "尚未接触（%s 建档）", date);
    }
    snprintf(reason, size, "%s: at least every %d day%s; %s", w->en, days, days == 1 ? "" : "s", since);
    snprintf(reason_zh, size, "%s：至少每 %d 天一次；%s", w->zh, days, since_zh);
}

/* A row goes out as a JSON object (cl_followup_due_each) or straight as
 * its JSON text (cl_followup_due_text_each), the same keys in the same
 * order from one description (due_row). */
typedef struct row_out {
    json_t *row; /* the object being built, or NULL when writing text */
    cl_buf *text;
    bool ok;
} row_out;

static void out_key(row_out *o, const char *key)
{
    if (o->ok && o->text)
        o->ok = cl_buf_append(o->text, o->text->len ? ",\"" : "{\"", 2) == CL_OK &&
                cl_buf_puts(o->text, key) == CL_OK && cl_buf_append(o->text, "\":", 2) == CL_OK;
}

static void out_json(row_out *o, const char *key, json_t *value)
{
    o->ok = o->ok && value && json_object_set_new_nocheck(o->row, key, value) == 0;
}

static void out_integer(row_out *o, const char *key, json_int_t n)
{
    if (!o->text) {
        out_json(o, key, json_integer(n));
        return;
    }
    out_key(o, key);
    char digits[24];
    text_cat c = cat_into(digits, sizeof digits);
    cat_i(&c, (long long)n);
    o->ok = o->ok && cl_buf_append(o->text, digits, (size_t)(c.at - digits)) == CL_OK;
}

static void out_null(row_out *o, const char *key)
{
    if (!o->text) {
        out_json(o, key, json_null());
        return;
    }
    out_key(o, key);
    o->ok = o->ok && cl_buf_append(o->text, "null", 4) == CL_OK;
}

/* A person's text, or text carelog made (ASCII it wrote): both must be
 * UTF-8, as json_pack checked before. */
static void out_text(row_out *o, const char *key, const char *text)
{
    size_t n = strlen(text);
    if (!o->text) {
        out_json(o, key, json_stringn(text, n));
        return;
    }
    out_key(o, key);
    o->ok = o->ok && cl_buf_json_string(o->text, text, n) == CL_OK;
}

/* The current row as cl_followup_due describes it, into o; false when its
 * date is not a date (the form would not have let it in), a text is not
 * UTF-8, or out of memory. */
static bool due_row(due_ctx *d, sqlite3_stmt *q, row_out *o)
{
    long due = days_of(col(q, DUE_DATE));
    if (due == LONG_MIN)
        return false;
    bool policy = strcmp(col(q, DUE_SOURCE), "policy") == 0;
    char reason[300], reason_zh[300];
    if (policy)
        policy_reason(d, q, due, reason, reason_zh, sizeof reason);
    else
        followup_reason(d, q, reason, reason_zh, sizeof reason);
    long long record_id = policy ? 0 : sqlite3_column_int64(q, DUE_RECORD);
    long overdue = d->today - due;
    /* days_of took it as YYYY-MM-DD: the text is the date as written. */
    char due_date[11];
    memcpy(due_date, col(q, DUE_DATE), 10);
    due_date[10] = '\0';
    out_integer(o, "student_id", (json_int_t)sqlite3_column_int64(q, DUE_STUDENT));
    out_text(o, "number", col(q, DUE_NUMBER));
    out_text(o, "name", col(q, DUE_NAME));
    out_text(o, "class", col(q, DUE_CLASS));
    out_integer(o, "risk_level", sqlite3_column_int(q, DUE_RISK));
    out_text(o, "due_date", due_date);
    out_integer(o, "days_overdue", (json_int_t)overdue);
    out_text(o, "status", overdue > 0 ? "overdue" : "due");
    out_text(o, "source", policy ? "policy" : "follow_up");
    out_text(o, "reason", reason);
    if (record_id > 0)
        out_integer(o, "record_id", (json_int_t)record_id);
    else
        out_null(o, "record_id");
    out_text(o, "reason_zh", reason_zh);
    if (o->ok && o->text)
        o->ok = cl_buf_append(o->text, "}", 1) == CL_OK;
    return o->ok;
}

/* "%.10s/%lld/%s/%lld": date, student, source, record. */
static void key_of_row(sqlite3_stmt *q, char *out, size_t size)
{
    text_cat c = cat_into(out, size);
    cat_date(&c, col(q, DUE_DATE));
    cat_s(&c, "/");
    cat_i(&c, sqlite3_column_int64(q, DUE_STUDENT));
    cat_s(&c, "/");
    cat_s(&c, col(q, DUE_SOURCE));
    cat_s(&c, "/");
    cat_i(&c, sqlite3_column_int64(q, DUE_RECORD));
}

/* The page's bounds as dates: today, the first and the last due date. */
static cl_status due_bounds(const cl_due_page *p, long *today, char first[11], char last[11])
{
    char date[11];
    if (p->today) {
        if (!cl_date_parse(p->today, date)) {
            char *shown = cl_text_inert(p->today, false);
            cl_status st = cl_fail(CL_EUSAGE, _("\"%s\" is not a date (YYYY-MM-DD)"), shown ? shown : "");
            free(shown);
            return st;
        }
    } else {
        cl_time_date(cl_now(), date, sizeof date);
    }
    *today = cl_date_days(date);
    if (p->not_overdue)
        snprintf(first, 11, "%s", date);
    else
        first[0] = '\0';
    date_of_days(*today + p->horizon_days, last);
    return CL_OK;
}

/* Streams the page's rows to row (as objects) or to text (as their JSON
 * text), one of them set. */
static cl_status due_walk(cl_vault *v, const cl_due_page *page, cl_due_row_fn *row, cl_due_text_fn *text, void *ctx,
                          char **next)
{
    if (next)
        *next = NULL;
    due_key after = {"", 0, 0, ""};
    if (page->after && !due_key_parse(page->after, &after))
        return cl_followup_cursor_check(page->after);
    due_ctx d = {.v = v, .db = cl_vault_db(v)};
    char first[11], last[11];
    cl_status st = due_bounds(page, &d.today, first, last);
    if (st != CL_OK)
        return st;
    sqlite3_stmt *q;
    st = cl_db_cached(d.db, page->after ? due_sql : due_sql_first, &q);
    if (st != CL_OK)
        return st;
    /* The rows before the cursor's day are not even read. */
    sqlite3_bind_text(q, 1, strcmp(after.date, first) > 0 ? after.date : first, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, last, -1, SQLITE_STATIC);
    if (page->after) {
        sqlite3_bind_text(q, 3, after.date, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 4, after.student);
        sqlite3_bind_text(q, 5, after.source, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 6, after.record);
    }
    /* One row more than the page, to know whether another page follows. */
    sqlite3_bind_int64(q, 7, page->limit > 0 ? page->limit + 1 : -1);
    long long given = 0;
    char key[64] = "";
    cl_buf buf = {0};
    int rc;
    while (st == CL_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (page->limit > 0 && given == page->limit) {
            if (next && !(*next = strdup(key)))
                st = cl_fail(CL_ESOFTWARE, _("out of memory"));
            break;
        }
        row_out o = {text ? NULL : json_object(), text ? &buf : NULL, true};
        buf.len = 0;
        if (!text && !o.row) {
            st = cl_fail(CL_ESOFTWARE, _("out of memory"));
            break;
        }
        if (!due_row(&d, q, &o)) { /* as json_pack's NULL skipped it before */
            json_decref(o.row);
            cl_error_clear();
            continue;
        }
        key_of_row(q, key, sizeof key);
        st = text ? text(buf.data, buf.len, key, ctx) : row(o.row, key, ctx);
        json_decref(o.row);
        given++;
    }
    cl_buf_free(&buf);
    if (st == CL_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
        st = cl_db_fail(d.db, "finding what is due");
    sqlite3_reset(q);
    cl_form_free(d.form);
    if (st != CL_OK && next) {
        free(*next);
        *next = NULL;
    }
    return st;
}

cl_status cl_followup_due_each(cl_vault *v, const cl_due_page *page, cl_due_row_fn *row, void *ctx, char **next)
{
    return due_walk(v, page, row, NULL, ctx, next);
}

cl_status cl_followup_due_text_each(cl_vault *v, const cl_due_page *page, cl_due_text_fn *text, void *ctx, char **next)
{
    return due_walk(v, page, NULL, text, ctx, next);
}

cl_status cl_followup_due_count(cl_vault *v, const cl_due_page *page, long long *count)
{
    static const char sql[] =
        "SELECT (SELECT count(*) FROM followups f WHERE f.open AND f.due_date >= ?1 AND f.due_date <= ?2)"
        " + (SELECT count(*) FROM student_state t WHERE t.policy_due IS NOT NULL"
        "    AND t.policy_due >= ?1 AND t.policy_due <= ?2)";
    long today;
    char first[11], last[11];
    cl_status st = due_bounds(page, &today, first, last);
    sqlite3 *db = cl_vault_db(v);
    sqlite3_stmt *q;
    if (st == CL_OK)
        st = cl_db_cached(db, sql, &q);
    if (st != CL_OK)
        return st;
    sqlite3_bind_text(q, 1, first, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, last, -1, SQLITE_STATIC);
    if (sqlite3_step(q) == SQLITE_ROW)
        *count = sqlite3_column_int64(q, 0);
    else
        st = cl_db_fail(db, "counting what is due");
    sqlite3_reset(q);
    return st;
}

static cl_status append_due(json_t *row, const char *cursor, void *ctx)
{
    (void)cursor;
    return json_array_append(ctx, row) == 0 ? CL_OK : cl_fail(CL_ESOFTWARE, _("out of memory"));
}

cl_status cl_followup_due(cl_vault *v, const char *today, int horizon_days, json_t **out)
{
    if (horizon_days < 0)
        return cl_fail(CL_EUSAGE, _("the horizon cannot be negative"));
    json_t *rows = json_array();
    if (!rows)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    cl_due_page page = {.today = today, .horizon_days = horizon_days};
    cl_status st = cl_followup_due_each(v, &page, append_due, rows, NULL);
    if (st != CL_OK) {
        json_decref(rows);
        return st;
    }
    *out = rows;
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
