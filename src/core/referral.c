/* Referral states: the transition table, moves, lists and history. */
#include "carelog/referral.h"
#include "carelog/i18n.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "carelog/clock.h"
#include "carelog/i18n.h"
#include "carelog/storage.h"
#include "carelog/text.h"
#include "student_directory.h"

/* The one table of referral states. Order is the order of the loop (and of
 * listings); `next` says which moves are valid; late_after_days and
 * late_reason say when a referral waits too long in a state (DESIGN.md,
 * Home: "a draft older than a day, reported with no receipt"). */
const cl_referral_state cl_referral_states[] = {
    {"draft", "草稿", "Draft", N_("written, not yet sent to the agency"),
     "reported withdrawn", true, 1, N_("draft older than a day")},
    {"reported", "已报告", "Reported", N_("sent to the agency; waiting for its receipt"),
     "acknowledged withdrawn", true, 3, N_("reported with no receipt")},
    {"acknowledged", "已受理", "Acknowledged", N_("the agency confirmed it received the report"),
     "handling withdrawn", true, 7, N_("acknowledged but no handling")},
    {"handling", "处置中", "Handling", N_("the agency is acting on it"),
     "support withdrawn", true, 0, NULL},
    {"support", "帮扶中", "Support", N_("the school and agency help the student afterwards"),
     "closed withdrawn", true, 0, NULL},
    {"closed", "已结案", "Closed", N_("the loop is complete"), "", false, 0, NULL},
    {"withdrawn", "已撤回", "Withdrawn", N_("withdrawn before the loop completed; kept for the record"),
     "", false, 0, NULL},
    {NULL, NULL, NULL, NULL, NULL, false, 0, NULL},
};

const cl_referral_state *cl_referral_state_find(const char *name)
{
    if (!name)
        return NULL;
    for (const cl_referral_state *s = cl_referral_states; s->name; s++)
        if (strcmp(s->name, name) == 0)
            return s;
    return NULL;
}

/* True when the space-separated list holds word. */
static bool list_has(const char *list, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = list; *p;) {
        while (*p == ' ')
            p++;
        const char *end = strchr(p, ' ');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == n && n > 0 && strncmp(p, word, n) == 0)
            return true;
        p += len;
    }
    return false;
}

bool cl_referral_can_move(const char *from, const char *to)
{
    const cl_referral_state *s = cl_referral_state_find(from);
    return s && to && cl_referral_state_find(to) && list_has(s->next, to);
}

static int state_index(const char *name)
{
    for (int i = 0; cl_referral_states[i].name; i++)
        if (name && strcmp(cl_referral_states[i].name, name) == 0)
            return i;
    return -1;
}

/* "reported or withdrawn" from "reported withdrawn". */
static void next_words(const char *next, char *out, size_t size)
{
    out[0] = '\0';
    char copy[128];
    snprintf(copy, sizeof copy, "%s", next);
    char *save = NULL;
    int count = 0;
    for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save))
        count++;
    snprintf(copy, sizeof copy, "%s", next);
    int i = 0;
    for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save), i++) {
        size_t len = strlen(out);
        snprintf(out + len, size - len, "%s%s", i == 0 ? "" : (i == count - 1 ? " or " : ", "), w);
    }
}

static void all_states(char *out, size_t size)
{
    out[0] = '\0';
    for (const cl_referral_state *s = cl_referral_states; s->name; s++) {
        size_t len = strlen(out);
        snprintf(out + len, size - len, "%s%s", s == cl_referral_states ? "" : ", ", s->name);
    }
}

/* Seconds since the epoch of a stored time ("YYYY-MM-DDTHH:MM:SSZ", or a
 * date or date-time of a record); -1 when unreadable. */
static time_t parse_time(const char *s)
{
    if (!s)
        return -1;
    int y, mo, d, h = 0, mi = 0, se = 0;
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &se) < 3)
        return -1;
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = se;
    return timegm(&tm);
}

/* The columns every referral query reads, in this order: id, student,
 * number, name, class, state, occurred_at, urgency, agency, agency_name
 * (NULL when the form has none) and since, when the referral entered its
 * state. `rows` is referral_wait_rows, the view that works a referral's
 * row out from its record and moves, or referral_waits, which keeps the
 * same by triggers: the late ones are read from there. */
enum { R_ID, R_STUDENT, R_NUMBER, R_NAME, R_CLASS, R_STATE, R_OCCURRED, R_URGENCY, R_AGENCY, R_AGENCY_NAME, R_SINCE };
#define REFERRAL_COLUMNS(student)                                                                         \
    "SELECT w.record_id, w.student_id, " student ", w.state, w.occurred_at, w.urgency,"                   \
    " w.agency, w.agency_name, w.since FROM "
#define REFERRAL_ROWS_OF(rows)                                                                            \
    REFERRAL_COLUMNS("s.number, s.name, s.class") rows " w JOIN students s ON s.id = w.student_id"
#define REFERRAL_SELECT REFERRAL_ROWS_OF("referral_wait_rows")
/* The late ones of a state (?1) since its cutoff (?2), after the cursor
 * (?3, ?4), ?5 at most (-1: all); the students' columns NULL where they
 * come from the directory (the whole list, student_directory.h). */
#define LATE_WHERE                                                                                        \
    " WHERE w.state = ?1 AND w.since <= ?2 AND (w.since, w.record_id) > (?3, ?4)"                          \
    " ORDER BY w.since, w.record_id LIMIT ?5"
static const char *const late_sql[2] = {
    REFERRAL_ROWS_OF("referral_waits") LATE_WHERE,
    REFERRAL_COLUMNS("NULL, NULL, NULL") "referral_waits w" LATE_WHERE,
};

static const char *col(sqlite3_stmt *q, int i)
{
    const char *s = (const char *)sqlite3_column_text(q, i);
    return s ? s : "";
}

/* A state's lateness as a Chinese reader is told it. */
static const char *late_reason_zh(const char *state)
{
    static const char *const map[][2] = {
        {"draft", "草稿超过一天未报告"}, {"reported", "已报告，未收到回执"}, {"acknowledged", "已受理，尚未处置"},
    };
    for (size_t i = 0; i < sizeof map / sizeof *map; i++)
        if (strcmp(map[i][0], state) == 0)
            return map[i][1];
    return NULL;
}

/* Whole days the referral of the row has been in its state. */
static long long age_of(sqlite3_stmt *q, time_t now)
{
    time_t t = parse_time(col(q, R_SINCE));
    return t < 0 || now < t ? 0 : (long long)(now - t) / 86400;
}

static bool row_late(sqlite3_stmt *q, time_t now)
{
    const cl_referral_state *def = cl_referral_state_find(col(q, R_STATE));
    return def && def->late_after_days > 0 && age_of(q, now) >= def->late_after_days;
}

/* One referral row (see referral.h) into r, an object or its JSON text,
 * its student's number, name and class those of who (the directory's
 * entry; NULL: the join's columns); false when out of memory or a text is
 * not UTF-8. */
static bool referral_row_put(sqlite3_stmt *q, const cl_student_entry *who, time_t now, cl_json_row *r)
{
    cl_student_text student[3];
    cl_student_texts_of(who, q, R_NUMBER, student);
    const char *state = col(q, R_STATE);
    const cl_referral_state *def = cl_referral_state_find(state);
    long long age = age_of(q, now);
    cl_json_row_integer(r, "id", sqlite3_column_int64(q, R_ID));
    cl_json_row_integer(r, "student_id", sqlite3_column_int64(q, R_STUDENT));
    cl_student_texts_put(r, student);
    cl_json_row_text(r, "state", state);
    cl_json_row_text(r, "state_zh", def ? def->label_zh : state);
    cl_json_row_text(r, "state_en", def ? def->label_en : state);
    cl_json_row_text(r, "since", col(q, R_SINCE));
    cl_json_row_integer(r, "age_days", age);
    cl_json_row_text(r, "occurred_at", col(q, R_OCCURRED));
    static const struct {
        const char *key;
        int column;
    } optional[] = {{"urgency", R_URGENCY}, {"agency", R_AGENCY}, {"agency_name", R_AGENCY_NAME}};
    for (size_t i = 0; i < sizeof optional / sizeof *optional; i++) {
        const char *text = (const char *)sqlite3_column_text(q, optional[i].column);
        if (text && *text)
            cl_json_row_text_k(r, optional[i].key, strlen(optional[i].key), text,
                               (size_t)sqlite3_column_bytes(q, optional[i].column));
        else
            cl_json_row_null(r, optional[i].key);
    }
    if (row_late(q, now)) {
        char reason[160];
        snprintf(reason, sizeof reason, "%s (%lld day%s)", def->late_reason, age, age == 1 ? "" : "s");
        cl_json_row_text(r, "late", reason);
        const char *zh = late_reason_zh(def->name);
        snprintf(reason, sizeof reason, "%s（%lld 天）", zh ? zh : def->late_reason, age);
        cl_json_row_text(r, "late_zh", reason);
    } else {
        cl_json_row_null(r, "late");
        cl_json_row_null(r, "late_zh");
    }
    return cl_json_row_close(r);
}

/* The row as an object; NULL as referral_row_put's false. */
static json_t *referral_row(sqlite3_stmt *q, const cl_student_entry *who, time_t now)
{
    cl_json_row r = {json_object(), NULL, true};
    if (r.object && referral_row_put(q, who, now, &r))
        return r.object;
    json_decref(r.object);
    return NULL;
}

/* Why referral_row gave no row: its student's text not UTF-8, else out of
 * memory. */
static cl_status referral_row_failed(sqlite3_stmt *q, const cl_student_entry *who)
{
    cl_student_text student[3];
    cl_student_texts_of(who, q, R_NUMBER, student);
    return cl_student_texts_failed(sqlite3_column_int64(q, R_STUDENT), student);
}

/* The referrals of the list. */
static cl_status referral_rows(cl_vault *v, bool open_only, json_t **out)
{
    sqlite3 *db = cl_vault_db(v);
    sqlite3_stmt *q;
    cl_status st = cl_db_prepare(db, REFERRAL_SELECT " ORDER BY w.since, w.record_id", &q);
    if (st != CL_OK)
        return st;
    time_t now = cl_now();
    json_t *rows = json_array();
    int rc = SQLITE_DONE;
    while (rows && st == CL_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        const cl_referral_state *def = cl_referral_state_find(col(q, R_STATE));
        if (open_only && def && !def->open)
            continue;
        json_t *row = referral_row(q, NULL, now);
        if (!row)
            st = referral_row_failed(q, NULL);
        else if (json_array_append_new(rows, row) != 0)
            st = cl_fail(CL_ESOFTWARE, _("out of memory"));
    }
    if (!rows)
        st = cl_fail(CL_ESOFTWARE, _("out of memory"));
    else if (st == CL_OK && rc != SQLITE_DONE)
        st = cl_db_fail(db, "listing the referrals");
    sqlite3_finalize(q);
    json_t *sorted = st == CL_OK ? json_array() : NULL;
    if (st == CL_OK && !sorted)
        st = cl_fail(CL_ESOFTWARE, _("out of memory"));
    if (st == CL_OK) {
        /* By the order of the loop (the table's), oldest in a state first;
         * a state the table does not know comes last. */
        size_t n = json_array_size(rows);
        int nstates = 0;
        while (cl_referral_states[nstates].name)
            nstates++;
        for (int k = 0; k <= nstates; k++)
            for (size_t i = 0; i < n; i++) {
                json_t *row = json_array_get(rows, i);
                int idx = state_index(json_string_value(json_object_get(row, "state")));
                if ((idx < 0 ? nstates : idx) == k)
                    json_array_append(sorted, row);
            }
        *out = sorted;
    }
    json_decref(rows);
    return st;
}

cl_status cl_referral_list(cl_vault *v, bool open_only, json_t **out)
{
    return referral_rows(v, open_only, out);
}

/* The moment a referral in state s has waited long enough to be late:
 * since at or before it (UTC ISO, as since is stored). */
static void late_cutoff(const cl_referral_state *s, time_t now, char out[32])
{
    cl_time_iso(now - (time_t)s->late_after_days * 86400, out, 32);
}

cl_status cl_referral_late_count(cl_vault *v, long long *count)
{
    sqlite3 *db = cl_vault_db(v);
    sqlite3_stmt *q;
    cl_status st = cl_db_cached(db, "SELECT count(*) FROM referral_waits WHERE state = ?1 AND since <= ?2", &q);
    time_t now = cl_now();
    *count = 0;
    for (const cl_referral_state *s = cl_referral_states; st == CL_OK && s->name; s++) {
        if (s->late_after_days <= 0)
            continue;
        char cutoff[32];
        late_cutoff(s, now, cutoff);
        sqlite3_bind_text(q, 1, s->name, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 2, cutoff, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(q) == SQLITE_ROW)
            *count += sqlite3_column_int64(q, 0);
        else
            st = cl_db_fail(db, "counting the late referrals");
        sqlite3_reset(q);
    }
    return st;
}

/* A cursor STATE/SINCE/ID: a state that can be late, the moment it was
 * entered (as referral_waits keeps it: digits, '-', ':', 'T', 'Z', '.',
 * '+'), and a record id; NULL *state for "" (from the first). */
static cl_status late_cursor_parse(const char *text, const cl_referral_state **state, char since[64], long long *id)
{
    *state = NULL;
    since[0] = '\0';
    *id = 0;
    if (!text || !*text)
        return CL_OK;
    const char *slash = strchr(text, '/'), *last = strrchr(text, '/');
    bool ok = slash && last > slash && (size_t)(last - slash - 1) < 64 && last - slash > 1;
    if (ok) {
        char name[32];
        size_t n = (size_t)(slash - text);
        ok = n > 0 && n < sizeof name;
        if (ok) {
            memcpy(name, text, n);
            name[n] = '\0';
            *state = cl_referral_state_find(name);
            ok = *state && (*state)->late_after_days > 0;
        }
    }
    if (ok) {
        size_t n = (size_t)(last - slash - 1);
        memcpy(since, slash + 1, n);
        since[n] = '\0';
        ok = strspn(since, "0123456789-:TZ.+") == n;
        char *end;
        errno = 0;
        *id = strtoll(last + 1, &end, 10);
        ok = ok && last[1] >= '1' && last[1] <= '9' && *end == '\0' && errno == 0 && *id > 0;
    }
    if (ok)
        return CL_OK;
    *state = NULL;
    char *shown = cl_text_inert(text, false);
    cl_status st = cl_fail(CL_EUSAGE, _("\"%s\" is not a cursor of the late referrals; give the \"next\" that the "
                                        "last page printed"), shown ? shown : "");
    free(shown);
    return st;
}

cl_status cl_referral_late_cursor_check(const char *text)
{
    const cl_referral_state *state;
    char since[64];
    long long id;
    if (!text || !*text)
        return cl_fail(CL_EUSAGE, _("an empty cursor of the late referrals"));
    return late_cursor_parse(text, &state, since, &id);
}

/* STATE/SINCE/ID into out, empty if it does not fit. */
static void late_cursor_write(const char *state, const char *since, long long id,
                              char out[CL_REFERRAL_LATE_CURSOR_MAX])
{
    int n = snprintf(out, CL_REFERRAL_LATE_CURSOR_MAX, "%s/%s/%lld", state ? state : "", since ? since : "", id);
    if (n < 0 || n >= CL_REFERRAL_LATE_CURSOR_MAX)
        out[0] = '\0';
}

void cl_referral_late_cursor(const json_t *row, char out[CL_REFERRAL_LATE_CURSOR_MAX])
{
    late_cursor_write(json_string_value(json_object_get(row, "state")),
                      json_string_value(json_object_get(row, "since")),
                      (long long)json_integer_value(json_object_get(row, "id")), out);
}

/* The late list asked for: its rows as objects (row) or as their JSON
 * text (text), one of them set. */
typedef struct late_walk {
    cl_vault *v;
    const char *after;
    long long limit;
    cl_referral_row_fn *row;
    cl_referral_text_fn *text;
    void *ctx;
    bool *more;
} late_walk;

/* One row to the walk's caller. */
static cl_status late_give(const late_walk *w, sqlite3_stmt *q, const cl_student_entry *who, time_t now, cl_buf *text)
{
    if (!w->text) {
        json_t *r = referral_row(q, who, now);
        cl_status st = r ? w->row(r, w->ctx) : referral_row_failed(q, who);
        json_decref(r);
        return st;
    }
    text->len = 0;
    cl_json_row r = {NULL, text, true};
    if (!referral_row_put(q, who, now, &r))
        return referral_row_failed(q, who);
    char cursor[CL_REFERRAL_LATE_CURSOR_MAX];
    late_cursor_write(col(q, R_STATE), col(q, R_SINCE), sqlite3_column_int64(q, R_ID), cursor);
    return w->text(text->data, text->len, cursor, w->ctx);
}

static cl_status late_read(void *arg)
{
    const late_walk *w = arg;
    sqlite3 *db = cl_vault_db(w->v);
    time_t now = cl_now();
    const cl_referral_state *resume;
    char resume_since[64];
    long long after_id;
    cl_status st = late_cursor_parse(w->after, &resume, resume_since, &after_id);
    const cl_student_directory *directory = NULL;
    if (st == CL_OK && w->limit <= 0 && !w->after)
        st = cl_student_directory_current(w->v, true, &directory);
    sqlite3_stmt *q;
    if (st == CL_OK)
        st = cl_db_cached(db, late_sql[directory != NULL], &q);
    long long left = w->limit > 0 ? w->limit : -1;
    bool started = resume == NULL;
    cl_buf text = {0};
    for (const cl_referral_state *s = cl_referral_states; st == CL_OK && s->name && !*w->more; s++) {
        if (s == resume)
            started = true;
        if (s->late_after_days <= 0 || !started)
            continue;
        char cutoff[32];
        late_cutoff(s, now, cutoff);
        sqlite3_bind_text(q, 1, s->name, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 2, cutoff, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(q, 3, s == resume ? resume_since : "", -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(q, 4, s == resume ? after_id : 0);
        sqlite3_bind_int64(q, 5, left < 0 ? -1 : left + 1);
        int rc;
        while (st == CL_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
            if (left == 0) {
                *w->more = true;
                break;
            }
            const cl_student_entry *who = NULL;
            if (directory && !(who = cl_student_directory_find_at(directory, q, R_STUDENT)))
                continue; /* as the join leaves it out */
            st = late_give(w, q, who, now, &text);
            if (left > 0)
                left--;
        }
        if (st == CL_OK && !*w->more && rc != SQLITE_DONE)
            st = cl_db_fail(db, "reading the late referrals");
        sqlite3_reset(q);
    }
    cl_buf_free(&text);
    return st;
}

static cl_status late_walk_run(late_walk *w)
{
    *w->more = false;
    /* One snapshot for the directory and the rows. */
    return cl_db_in_one_read(cl_vault_db(w->v), late_read, w);
}

cl_status cl_referral_late_each(cl_vault *v, const char *after, long long limit, cl_referral_row_fn *row, void *ctx,
                                bool *more)
{
    late_walk w = {v, after, limit, row, NULL, ctx, more};
    return late_walk_run(&w);
}

cl_status cl_referral_late_text_each(cl_vault *v, const char *after, long long limit, cl_referral_text_fn *text,
                                     void *ctx, bool *more)
{
    late_walk w = {v, after, limit, NULL, text, ctx, more};
    return late_walk_run(&w);
}

/* Reads the referral row of record_id into *row (CL_ENOTFOUND, CL_EDATA). */
static cl_status referral_get(sqlite3 *db, long long record_id, json_t **row)
{
    sqlite3_stmt *q;
    cl_status st = cl_db_prepare(db, "SELECT kind FROM records WHERE id = ?", &q);
    if (st != CL_OK)
        return st;
    sqlite3_bind_int64(q, 1, record_id);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_DONE)
        st = cl_fail(CL_ENOTFOUND, _("there is no record %lld"), record_id);
    else if (rc != SQLITE_ROW)
        st = cl_db_fail(db, "reading the record");
    else if (strcmp(col(q, 0), "referral") != 0) {
        char *kind = cl_text_inert(col(q, 0), false);
        st = cl_fail(CL_EDATA, _("record %lld is a%s %s, not a referral"), record_id,
                     kind && strchr("aeiou", kind[0]) ? "n" : "", kind ? kind : "record");
        free(kind);
    }
    sqlite3_finalize(q);
    if (st != CL_OK)
        return st;
    st = cl_db_prepare(db, REFERRAL_SELECT " WHERE w.record_id = ?", &q);
    if (st != CL_OK)
        return st;
    sqlite3_bind_int64(q, 1, record_id);
    rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        *row = referral_row(q, NULL, cl_now());
        if (!*row)
            st = referral_row_failed(q, NULL);
    } else if (rc == SQLITE_DONE) {
        st = cl_fail(CL_EDATA, _("referral %lld belongs to no student"), record_id);
    } else {
        st = cl_db_fail(db, "reading the referral");
    }
    sqlite3_finalize(q);
    return st;
}

cl_status cl_referral_history(cl_vault *v, long long record_id, json_t **out)
{
    sqlite3 *db = cl_vault_db(v);
    json_t *row = NULL;
    cl_status st = referral_get(db, record_id, &row);
    if (st != CL_OK)
        return st;
    const cl_referral_state *def = cl_referral_state_find(json_string_value(json_object_get(row, "state")));
    json_t *next = json_array();
    if (def) {
        char copy[128], *save = NULL;
        snprintf(copy, sizeof copy, "%s", def->next);
        for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save))
            json_array_append_new(next, json_string(w));
    }
    json_object_set_new(row, "next", next);
    json_t *transitions = json_array();
    sqlite3_stmt *q;
    st = cl_db_prepare(db, "SELECT id, from_state, to_state, at, actor, note FROM referral_transitions"
                           " WHERE record_id = ? ORDER BY id", &q);
    if (st == CL_OK) {
        sqlite3_bind_int64(q, 1, record_id);
        int rc;
        while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
            const char *from = (const char *)sqlite3_column_text(q, 1);
            json_array_append_new(transitions,
                                  json_pack("{s:I, s:o, s:s, s:s, s:s, s:s}",
                                            "id", (json_int_t)sqlite3_column_int64(q, 0),
                                            "from", from ? json_string(from) : json_null(),
                                            "to", col(q, 2), "at", col(q, 3), "actor", col(q, 4),
                                            "note", col(q, 5)));
        }
        if (rc != SQLITE_DONE)
            st = cl_db_fail(db, "reading the referral's history");
        sqlite3_finalize(q);
    }
    json_object_set_new(row, "transitions", transitions);
    if (st != CL_OK || !next || !transitions) {
        json_decref(row);
        return st != CL_OK ? st : cl_fail(CL_ESOFTWARE, _("out of memory"));
    }
    *out = row;
    return CL_OK;
}

static cl_status check_note(const char *note)
{
    const char *p = note ? note : "";
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
    if (!*p)
        return cl_fail(CL_EUSAGE, _("a move needs a note saying why (--note TEXT)"));
    if (!cl_utf8_valid(note, strlen(note)))
        return cl_fail(CL_EUSAGE, _("the note is not valid UTF-8"));
    if (cl_utf8_length(note) > CL_REFERRAL_NOTE_MAX)
        return cl_fail(CL_EUSAGE, _("the note is longer than %d characters"), CL_REFERRAL_NOTE_MAX);
    return CL_OK;
}

/* One transaction per action; inside a caller's transaction (a receipt
 * import that moves the referral on) a savepoint instead. */
static cl_status tx_begin(sqlite3 *db, bool *savepoint)
{
    *savepoint = !sqlite3_get_autocommit(db);
    return *savepoint ? cl_db_exec(db, "SAVEPOINT cl_referral") : cl_db_begin(db);
}

static cl_status tx_end(sqlite3 *db, bool savepoint, cl_status st)
{
    if (!savepoint) {
        if (st == CL_OK)
            return cl_db_commit(db);
        cl_db_rollback(db);
        return st;
    }
    if (st == CL_OK)
        return cl_db_exec(db, "RELEASE cl_referral");
    sqlite3_exec(db, "ROLLBACK TO cl_referral; RELEASE cl_referral", NULL, NULL, NULL);
    return st;
}

cl_status cl_referral_check_move(const char *to_state, const char *note)
{
    if (!cl_referral_state_find(to_state)) {
        char names[160];
        all_states(names, sizeof names);
        char *shown = cl_text_inert(to_state ? to_state : "", false);
        cl_status st = cl_fail(CL_EUSAGE, _("\"%s\" is not a referral state; the states are %s"),
                               shown ? shown : "", names);
        free(shown);
        return st;
    }
    return check_note(note);
}

cl_status cl_referral_move(cl_vault *v, long long record_id, const char *to_state, const char *note)
{
    return cl_referral_move_at(v, record_id, to_state, note, 0);
}

/* A move dated earlier is still after the previous move and not ahead of
 * the clock. */
static cl_status check_move_time(long long record_id, time_t at, time_t now, const char *since)
{
    char when[32], limit[32], iso[32];
    cl_time_iso(at, iso, sizeof iso);
    cl_time_local(iso, false, when, sizeof when);
    if (at > now) {
        cl_time_iso(now, iso, sizeof iso);
        cl_time_local(iso, false, limit, sizeof limit);
        return cl_fail(CL_EDATA, _("--at %s is in the future (it is now %s); a move is dated when it happened — "
                                   "nothing was saved"), when, limit);
    }
    time_t prev = parse_time(since);
    if (prev >= 0 && at < prev) {
        cl_time_local(since, false, limit, sizeof limit);
        return cl_fail(CL_EDATA, _("--at %s is before referral %lld's previous move (%s); its history stays in "
                                   "order — nothing was saved"), when, record_id, limit);
    }
    return CL_OK;
}

cl_status cl_referral_move_at(cl_vault *v, long long record_id, const char *to_state, const char *note, time_t at)
{
    cl_status st = cl_referral_check_move(to_state, note);
    if (st != CL_OK)
        return st;
    const cl_referral_state *to = cl_referral_state_find(to_state);
    sqlite3 *db = cl_vault_db(v);
    bool savepoint;
    st = tx_begin(db, &savepoint);
    if (st != CL_OK)
        return st;
    /* Read the state inside the transaction, so two terminals moving the
     * same referral cannot both pass the check. */
    json_t *row = NULL;
    st = referral_get(db, record_id, &row);
    char from[32] = "";
    time_t now = cl_now();
    bool dated = at != 0;
    if (st == CL_OK && dated)
        st = check_move_time(record_id, at, now, json_string_value(json_object_get(row, "since")));
    if (st != CL_OK)
        json_decref(row);
    if (st == CL_OK) {
        snprintf(from, sizeof from, "%s", json_string_value(json_object_get(row, "state")));
        json_decref(row);
        const cl_referral_state *def = cl_referral_state_find(from);
        if (!cl_referral_can_move(from, to->name)) {
            char allowed[160];
            next_words(def ? def->next : "", allowed, sizeof allowed);
            bool same = strcmp(from, to->name) == 0;
            if (!allowed[0])
                st = cl_fail(CL_EUSAGE, _("referral %lld is %s, a final state; it %s"), record_id, from,
                             same ? "moves no further" : "cannot move again");
            else if (same)
                st = cl_fail(CL_EUSAGE, _("referral %lld is already %s; it can move to %s"), record_id, from, allowed);
            else
                st = cl_fail(CL_EUSAGE, _("referral %lld is %s; it can move to %s, not to %s"), record_id, from,
                             allowed, to->name);
        }
    }
    char when[32];
    cl_time_iso(dated ? at : now, when, sizeof when);
    sqlite3_stmt *q = NULL;
    if (st == CL_OK)
        st = cl_db_prepare(db, "INSERT INTO referral_transitions(record_id, from_state, to_state, at, actor, note)"
                               " VALUES (?, ?, ?, ?, ?, ?)", &q);
    if (st == CL_OK) {
        sqlite3_bind_int64(q, 1, record_id);
        sqlite3_bind_text(q, 2, from, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 3, to->name, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 4, when, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 5, cl_vault_user(v), -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 6, note, -1, SQLITE_STATIC);
        if (sqlite3_step(q) != SQLITE_DONE)
            st = cl_db_fail(db, "recording the referral's move");
        sqlite3_finalize(q);
        q = NULL;
    }
    if (st == CL_OK)
        st = cl_db_prepare(db, "UPDATE records SET state = ? WHERE id = ?", &q);
    if (st == CL_OK) {
        sqlite3_bind_text(q, 1, to->name, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 2, record_id);
        if (sqlite3_step(q) != SQLITE_DONE)
            st = cl_db_fail(db, "updating the referral's state");
        sqlite3_finalize(q);
    }
    if (st == CL_OK) {
        char target[48], detail[96];
        snprintf(target, sizeof target, "record %lld", record_id);
        if (dated)
            snprintf(detail, sizeof detail, "%s -> %s, dated %s", from, to->name, when);
        else
            snprintf(detail, sizeof detail, "%s -> %s", from, to->name);
        st = cl_vault_audit(v, "referral.move", target, detail);
    }
    return tx_end(db, savepoint, st);
}
