/* Crisis-level students with no session lately: one range of the index
 * student_state_crisis over the last session that every write keeps in
 * student_state (followup_state.c), so the home screen and `carelog
 * agenda` never look at a student's records to find them. */
#include "carelog/followup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "carelog/clock.h"
#include "carelog/i18n.h"
#include "carelog/storage.h"
#include "carelog/text.h"
#include "student_directory.h"

/* ?1 the first day that counts as recent, ?2..?3 the cursor (last session
 * or '' for never, student id), ?4 the limit (-1: none). The student's
 * number, name and class NULL where they come from the directory (the
 * whole list, student_directory.h). */
#define CRISIS(student, join)                                                                            \
    "SELECT t.student_id, " student ", t.risk_level, t.last_session FROM student_state t" join           \
    " WHERE t.followed AND t.risk_level = 3 AND coalesce(t.last_session, '') < ?1"                       \
    "  AND (coalesce(t.last_session, ''), t.student_id) > (?2, ?3)"                                      \
    " ORDER BY coalesce(t.last_session, ''), t.student_id LIMIT ?4"
static const char *const crisis_sql[2] = {
    CRISIS("s.number, s.name, s.class", " JOIN students s ON s.id = t.student_id"),
    CRISIS("NULL, NULL, NULL", ""),
};
static const char count_sql[] = "SELECT count(*) FROM student_state t"
                                " WHERE t.followed AND t.risk_level = 3 AND coalesce(t.last_session, '') < ?1";

/* A row's place: "LAST_SESSION/STUDENT_ID", the date empty for a student
 * never seen in a session ("/123", "2026-11-02/123"). */
typedef struct crisis_key {
    char last[11];
    long long student;
} crisis_key;

static bool key_parse(const char *text, crisis_key *k)
{
    const char *slash = text ? strchr(text, '/') : NULL;
    if (!slash || (slash != text && slash - text != 10))
        return false;
    k->last[0] = '\0';
    if (slash != text) {
        char date[11];
        memcpy(date, text, 10);
        date[10] = '\0';
        if (!cl_date_parse(date, k->last) || strcmp(date, k->last) != 0)
            return false;
    }
    char *end;
    k->student = strtoll(slash + 1, &end, 10);
    if (slash[1] < '1' || slash[1] > '9' || *end != '\0' || k->student < 1)
        return false;
    /* Only the form the list prints (no overflowing id read as another). */
    char canonical[40];
    snprintf(canonical, sizeof canonical, "%s/%lld", k->last, k->student);
    return strcmp(canonical, text) == 0;
}

cl_status cl_followup_crisis_cursor_check(const char *text)
{
    crisis_key k;
    if (key_parse(text, &k))
        return CL_OK;
    char *shown = cl_text_inert(text ? text : "", false);
    cl_status st = cl_fail(CL_EUSAGE, _("\"%s\" is not a cursor of the crisis-level students without a session (it "
                                        "looks like 2026-11-02/123: give the \"next\" that the last page printed)"),
                           shown ? shown : "");
    free(shown);
    return st;
}

/* The first day whose session counts as recent: today − CL_FOLLOWUP_CRISIS_DAYS. */
static cl_status recent_from(const char *today, char out[11])
{
    char date[11];
    if (today && !cl_date_parse(today, date)) {
        char *shown = cl_text_inert(today, false);
        cl_status st = cl_fail(CL_EUSAGE, _("\"%s\" is not a date (YYYY-MM-DD)"), shown ? shown : "");
        free(shown);
        return st;
    }
    if (!today)
        cl_time_date(cl_now(), date, sizeof date);
    time_t t = (time_t)(cl_date_days(date) - CL_FOLLOWUP_CRISIS_DAYS) * 86400;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
    return CL_OK;
}

/* The row into r (an object, or its JSON text): false when a text is not
 * UTF-8 or memory ran out. */
static bool crisis_row(sqlite3_stmt *q, const cl_student_text student[3], long today_days, cl_json_row *r)
{
    const char *last = (const char *)sqlite3_column_text(q, 5);
    cl_json_row_integer(r, "student_id", sqlite3_column_int64(q, 0));
    cl_student_texts_put(r, student);
    cl_json_row_integer(r, "risk_level", sqlite3_column_int(q, 4));
    if (last) {
        cl_json_row_text(r, "last_session", last);
        cl_json_row_integer(r, "days_since", today_days - cl_date_days(last));
    } else {
        cl_json_row_null(r, "last_session");
        cl_json_row_null(r, "days_since");
    }
    return cl_json_row_close(r);
}

/* A page of the list asked for: its rows into out (objects) or to text
 * (their JSON text), one of them set; the cursor of the next page into
 * *next. */
typedef struct crisis_ask {
    cl_vault *v;
    const char *today;
    long long limit;
    const char *after;
    json_t *out;
    cl_due_text_fn *text;
    void *ctx;
    char **next;
} crisis_ask;

static cl_status crisis_read(void *arg)
{
    const crisis_ask *a = arg;
    cl_vault *v = a->v;
    long long limit = a->limit;
    const char *after = a->after;
    cl_due_text_fn *text = a->text;
    char **next = a->next;
    if (next)
        *next = NULL;
    crisis_key k = {"", 0};
    if (after && !key_parse(after, &k))
        return cl_followup_crisis_cursor_check(after);
    char from[11];
    cl_status st = recent_from(a->today, from);
    if (st != CL_OK)
        return st;
    long today_days = cl_date_days(from) + CL_FOLLOWUP_CRISIS_DAYS;
    sqlite3 *db = cl_vault_db(v);
    const cl_student_directory *directory = NULL;
    if (limit <= 0 && !after)
        st = cl_student_directory_current(v, true, &directory);
    sqlite3_stmt *q;
    if (st == CL_OK)
        st = cl_db_cached(db, crisis_sql[directory != NULL], &q);
    if (st != CL_OK)
        return st;
    sqlite3_bind_text(q, 1, from, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, k.last, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 3, k.student);
    /* One row more than the page, to know whether another page follows. */
    sqlite3_bind_int64(q, 4, limit > 0 ? limit + 1 : -1);
    long long given = 0;
    char key[40] = "";
    cl_buf row_text = {0};
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (limit > 0 && given == limit) {
            if (next && !(*next = strdup(key)))
                st = cl_fail(CL_ESOFTWARE, _("out of memory"));
            break;
        }
        const cl_student_entry *who = NULL;
        if (directory && !(who = cl_student_directory_find_at(directory, q, 0)))
            continue; /* as the join leaves it out */
        cl_student_text student[3];
        cl_student_texts_of(who, q, 1, student);
        row_text.len = 0;
        cl_json_row r = {text ? NULL : json_object(), text ? &row_text : NULL, true};
        /* A text not UTF-8 stops the list, as json_pack's NULL did; the
         * message says which student's, so it can be mended. */
        if ((!text && !r.object) || !crisis_row(q, student, today_days, &r) ||
            (!text && json_array_append(a->out, r.object) != 0)) {
            json_decref(r.object);
            st = cl_student_texts_failed(sqlite3_column_int64(q, 0), student);
            break;
        }
        json_decref(r.object);
        const char *last = (const char *)sqlite3_column_text(q, 5);
        snprintf(key, sizeof key, "%.10s/%lld", last ? last : "", (long long)sqlite3_column_int64(q, 0));
        if (text && (st = text(row_text.data, row_text.len, key, a->ctx)) != CL_OK)
            break;
        given++;
    }
    cl_buf_free(&row_text);
    if (st == CL_OK && rc != SQLITE_ROW && rc != SQLITE_DONE)
        st = cl_db_fail(db, "reading the crisis-level students");
    sqlite3_reset(q);
    return st;
}

/* One snapshot for the directory and the rows. */
static cl_status crisis_walk(cl_vault *v, const char *today, long long limit, const char *after, json_t *out,
                             cl_due_text_fn *text, void *ctx, char **next)
{
    crisis_ask a = {v, today, limit, after, out, text, ctx, next};
    return cl_db_in_one_read(cl_vault_db(v), crisis_read, &a);
}

cl_status cl_followup_crisis_page(cl_vault *v, const char *today, long long limit, const char *after, json_t *out,
                                  char **next)
{
    return crisis_walk(v, today, limit, after, out, NULL, NULL, next);
}

cl_status cl_followup_crisis_text_page(cl_vault *v, const char *today, long long limit, const char *after,
                                       cl_due_text_fn *text, void *ctx, char **next)
{
    return crisis_walk(v, today, limit, after, NULL, text, ctx, next);
}

cl_status cl_followup_crisis_count(cl_vault *v, const char *today, long long *count)
{
    char from[11];
    cl_status st = recent_from(today, from);
    if (st != CL_OK)
        return st;
    sqlite3 *db = cl_vault_db(v);
    sqlite3_stmt *q;
    st = cl_db_cached(db, count_sql, &q);
    if (st != CL_OK)
        return st;
    sqlite3_bind_text(q, 1, from, -1, SQLITE_STATIC);
    if (sqlite3_step(q) == SQLITE_ROW)
        *count = sqlite3_column_int64(q, 0);
    else
        st = cl_db_fail(db, "counting the crisis-level students");
    sqlite3_reset(q);
    return st;
}
