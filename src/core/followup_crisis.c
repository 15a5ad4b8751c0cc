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

/* ?1 the first day that counts as recent, ?2..?3 the cursor (last session
 * or '' for never, student id), ?4 the limit (-1: none). */
static const char crisis_sql[] =
    "SELECT t.student_id, s.number, s.name, s.class, t.risk_level, t.last_session"
    " FROM student_state t JOIN students s ON s.id = t.student_id"
    " WHERE t.followed AND t.risk_level = 3 AND coalesce(t.last_session, '') < ?1"
    "  AND (coalesce(t.last_session, ''), t.student_id) > (?2, ?3)"
    " ORDER BY coalesce(t.last_session, ''), t.student_id LIMIT ?4";
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

static json_t *crisis_row(sqlite3_stmt *q, long today_days)
{
    const char *last = (const char *)sqlite3_column_text(q, 5);
    json_t *row = json_pack("{s:I, s:s, s:s, s:s, s:i}", "student_id", (json_int_t)sqlite3_column_int64(q, 0),
                            "number", (const char *)sqlite3_column_text(q, 1),
                            "name", (const char *)sqlite3_column_text(q, 2),
                            "class", (const char *)sqlite3_column_text(q, 3), "risk_level", sqlite3_column_int(q, 4));
    if (row) {
        json_object_set_new(row, "last_session", last ? json_string(last) : json_null());
        json_object_set_new(row, "days_since",
                            last ? json_integer((json_int_t)(today_days - cl_date_days(last))) : json_null());
    }
    return row;
}

cl_status cl_followup_crisis_page(cl_vault *v, const char *today, long long limit, const char *after, json_t *out,
                                  char **next)
{
    if (next)
        *next = NULL;
    crisis_key k = {"", 0};
    if (after && !key_parse(after, &k))
        return cl_followup_crisis_cursor_check(after);
    char from[11];
    cl_status st = recent_from(today, from);
    if (st != CL_OK)
        return st;
    long today_days = cl_date_days(from) + CL_FOLLOWUP_CRISIS_DAYS;
    sqlite3 *db = cl_vault_db(v);
    sqlite3_stmt *q;
    st = cl_db_cached(db, crisis_sql, &q);
    if (st != CL_OK)
        return st;
    sqlite3_bind_text(q, 1, from, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, k.last, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 3, k.student);
    /* One row more than the page, to know whether another page follows. */
    sqlite3_bind_int64(q, 4, limit > 0 ? limit + 1 : -1);
    long long given = 0;
    char key[40] = "";
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (limit > 0 && given == limit) {
            if (next && !(*next = strdup(key)))
                st = cl_fail(CL_ESOFTWARE, _("out of memory"));
            break;
        }
        json_t *row = crisis_row(q, today_days);
        if (!row || json_array_append_new(out, row) != 0) {
            st = cl_fail(CL_ESOFTWARE, _("out of memory"));
            break;
        }
        const char *last = (const char *)sqlite3_column_text(q, 5);
        snprintf(key, sizeof key, "%.10s/%lld", last ? last : "", (long long)sqlite3_column_int64(q, 0));
        given++;
    }
    if (st == CL_OK && rc != SQLITE_ROW && rc != SQLITE_DONE)
        st = cl_db_fail(db, "reading the crisis-level students");
    sqlite3_reset(q);
    return st;
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
