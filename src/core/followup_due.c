/* What is due: the open follow-ups (followups) and each student's policy
 * date (student_state), both kept by every write, read as two ranges of
 * their indexes and put in the list's order here. */
#include "carelog/followup.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "carelog/catalog.h"
#include "carelog/clock.h"
#include "carelog/i18n.h"
#include "carelog/storage.h"
#include "carelog/text.h"
#include "followup_internal.h"
#include "student_directory.h"


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


/* ---- the two sources ------------------------------------------------- */

/* Each source in due-date order from its index (followups_open_listed and
 * student_state_policy_listed, which hold every column read here),
 * with no sort: the list's order within a day (student number, student
 * id, source, record) is made here a day at a time, for a sort of the
 * whole list by SQLite was most of its cost. ?1..?2 bound the due date;
 * after a cursor, the rows up to its position (?3..?6, the student's
 * number looked up by id) are skipped; without one the statement has no
 * such test to make for every row. Columns: date, number, student id,
 * record (0 for a policy), name, class, risk, then a follow-up's kind and
 * day set, or a policy's basis, value, days and last contact. */
#define FOLLOW_UPS                                                                                           \
    "SELECT f.due_date, s.number, s.id, f.record_id, s.name, s.class, s.risk_level, f.kind, f.set_on"       \
    " FROM followups f JOIN students s ON s.id = f.student_id"                                               \
    " WHERE f.open AND f.due_date >= ?1 AND f.due_date <= ?2"
#define POLICIES                                                                                             \
    "SELECT t.policy_due, s.number, s.id, 0, s.name, s.class, s.risk_level, t.policy_basis, t.policy_value," \
    "  t.policy_days, t.last_contact"                                                                        \
    " FROM student_state t JOIN students s ON s.id = t.student_id"                                           \
    " WHERE t.policy_due IS NOT NULL AND t.policy_due >= ?1 AND t.policy_due <= ?2"
#define KEY_AFTER "(?3, coalesce((SELECT c.number FROM students c WHERE c.id = ?4), ''), ?4, ?5, ?6)"
/* The same rows without the join, for a list whose students come from
 * the directory (student_directory.h): the student's columns are NULL. */
#define FOLLOW_UPS_ALONE                                                                                     \
    "SELECT f.due_date, NULL, f.student_id, f.record_id, NULL, NULL, NULL, f.kind, f.set_on"                 \
    " FROM followups f WHERE f.open AND f.due_date >= ?1 AND f.due_date <= ?2 ORDER BY f.due_date"
#define POLICIES_ALONE                                                                                       \
    "SELECT t.policy_due, NULL, t.student_id, 0, NULL, NULL, NULL, t.policy_basis, t.policy_value,"          \
    "  t.policy_days, t.last_contact"                                                                        \
    " FROM student_state t WHERE t.policy_due IS NOT NULL AND t.policy_due >= ?1 AND t.policy_due <= ?2"     \
    " ORDER BY t.policy_due"
enum { FOLLOW_UP, POLICY };
enum { JOINED, JOINED_AFTER, ALONE };
static const char *const source_sql[2][3] = {
    {FOLLOW_UPS " ORDER BY f.due_date",
     FOLLOW_UPS " AND (f.due_date, s.number, s.id, 'follow_up', f.record_id) > " KEY_AFTER " ORDER BY f.due_date",
     FOLLOW_UPS_ALONE},
    {POLICIES " ORDER BY t.policy_due",
     POLICIES " AND (t.policy_due, s.number, s.id, 'policy', 0) > " KEY_AFTER " ORDER BY t.policy_due",
     POLICIES_ALONE},
};
static const char *const source_names[2] = {"follow_up", "policy"};
/* A word of the list's own, with its JSON string. */
typedef struct plain_word {
    const char *text, *json;
    size_t len;
} plain_word;
static const plain_word sources[2] = {{"follow_up", "\"follow_up\"", 9}, {"policy", "\"policy\"", 6}};
static const plain_word statuses[2] = {{"due", "\"due\"", 3}, {"overdue", "\"overdue\"", 7}};
enum { C_DATE, C_NUMBER, C_STUDENT, C_RECORD, C_NAME, C_CLASS, C_RISK, C_KIND, C_SET_ON };
enum { C_BASIS = C_KIND, C_VALUE = C_SET_ON, C_DAYS, C_LAST_CONTACT };

/* ---- one day's rows ---------------------------------------------------- */

/* A row read from a source, its texts copied into the day's arena (an
 * offset each, as the arena grows): the rows of a day are all read before
 * the first is given. */
enum { T_NUMBER, T_NAME, T_CLASS, T_KIND, T_SET_ON, T_BASIS = T_KIND, T_VALUE = T_SET_ON, T_LAST_CONTACT,
       N_TEXTS };
typedef struct due_item {
    int source;
    long long student, record;
    int risk, days;
    bool contacted; /* a policy's last contact is known */
    size_t text[N_TEXTS];
    const cl_student_entry *who; /* from the directory; NULL: number, name and class are in the texts */
    size_t rank;                 /* who's, at hand for the sort */
    cl_student_text number, name, class_name; /* once the day is read; their JSON only from the directory */
    /* A joined row's number as SQLite orders it, as the rank does: every
     * blob after every text, then bytewise over all its bytes (a NUL
     * inside included), then by length. */
    bool number_blob;
    size_t number_bytes;
} due_item;

typedef struct due_day {
    due_item *items;
    due_item **order; /* the items in the list's order */
    size_t n, cap, order_cap;
    cl_buf texts; /* wiped when freed: names are in it */
    const char *date; /* the due date of every row of the day, as written */
    long due;         /* as days (LONG_MIN: not a date) */
    const cl_student_directory *directory; /* NULL: the rows are joined to students */
} due_day;

static size_t keep_text(due_day *day, sqlite3_stmt *q, int column, bool *ok)
{
    size_t at = day->texts.len;
    const char *s = (const char *)sqlite3_column_text(q, column);
    *ok = *ok && cl_buf_append(&day->texts, s ? s : "", (size_t)sqlite3_column_bytes(q, column) + 1) == CL_OK;
    return at;
}

static cl_status day_add(due_day *day, sqlite3_stmt *q, int source)
{
    if (day->directory && sqlite3_column_type(q, C_STUDENT) != SQLITE_INTEGER)
        return CL_OK; /* as the join leaves it out (cl_student_directory_find_at) */
    if (day->n == day->cap) {
        size_t cap = day->cap ? day->cap * 2 : 64;
        due_item *grown = realloc(day->items, cap * sizeof *grown);
        if (!grown)
            return cl_fail(CL_ESOFTWARE, _("out of memory"));
        day->items = grown;
        day->cap = cap;
    }
    due_item *it = &day->items[day->n];
    bool ok = true;
    *it = (due_item){.source = source, .student = sqlite3_column_int64(q, C_STUDENT),
                     .record = sqlite3_column_int64(q, C_RECORD), .risk = sqlite3_column_int(q, C_RISK)};
    if (day->directory) {
        /* Looked up once the day is read, by when it is in the cache. */
        cl_student_directory_prefetch(day->directory, it->student);
    } else {
        it->number_blob = sqlite3_column_type(q, C_NUMBER) == SQLITE_BLOB; /* before keep_text converts it */
        it->text[T_NUMBER] = keep_text(day, q, C_NUMBER, &ok);
        it->number_bytes = (size_t)sqlite3_column_bytes(q, C_NUMBER);
        it->text[T_NAME] = keep_text(day, q, C_NAME, &ok);
        it->text[T_CLASS] = keep_text(day, q, C_CLASS, &ok);
    }
    it->text[T_KIND] = keep_text(day, q, C_KIND, &ok);
    it->text[T_SET_ON] = keep_text(day, q, C_SET_ON, &ok);
    if (source == POLICY) {
        it->days = sqlite3_column_int(q, C_DAYS);
        it->contacted = sqlite3_column_type(q, C_LAST_CONTACT) != SQLITE_NULL;
        it->text[T_LAST_CONTACT] = keep_text(day, q, C_LAST_CONTACT, &ok);
    }
    if (!ok)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    day->n++;
    return CL_OK;
}

static const char *item_text(const due_day *day, const due_item *it, int t)
{
    return day->texts.data + it->text[t];
}

static int number_order(const due_item *x, const due_item *y)
{
    if (x->number_blob != y->number_blob)
        return x->number_blob ? 1 : -1;
    size_t n = x->number_bytes < y->number_bytes ? x->number_bytes : y->number_bytes;
    int c = memcmp(x->number.text, y->number.text, n);
    if (c)
        return c;
    return (x->number_bytes > y->number_bytes) - (x->number_bytes < y->number_bytes);
}

/* The list's order within a day: student number (as SQLite orders it),
 * student id, source, record. */
static int item_order(const void *a, const void *b)
{
    const due_item *x = *(due_item *const *)a, *y = *(due_item *const *)b;
    int c = number_order(x, y);
    if (c)
        return c;
    if (x->student != y->student)
        return x->student < y->student ? -1 : 1;
    if (x->source != y->source)
        return x->source < y->source ? -1 : 1;
    return x->record < y->record ? -1 : x->record > y->record;
}

/* The same order for rows whose students are in the directory: a
 * student's rank stands for (number, id). */
static int item_rank_order(const void *a, const void *b)
{
    const due_item *x = *(due_item *const *)a, *y = *(due_item *const *)b;
    if (x->rank != y->rank)
        return x->rank < y->rank ? -1 : 1;
    if (x->source != y->source)
        return x->source < y->source ? -1 : 1;
    return x->record < y->record ? -1 : x->record > y->record;
}

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
typedef struct due_ctx {
    long today;
    due_reasons reasons;
} due_ctx;

/* A key and its length, for cl_json_row_*_k. */
#define KEY(literal) literal, sizeof literal - 1

/* The row of it as cl_followup_due describes it, into o (an object for
 * cl_followup_due_each, its text for cl_followup_due_text_each); false when its
 * date is not a date (the form would not have let it in), a text is not
 * UTF-8, or out of memory. */
static bool due_row(due_ctx *d, const due_day *day, const due_item *it, cl_json_row *o)
{
    long due = day->due;
    if (due == LONG_MIN)
        return false;
    bool policy = it->source == POLICY;
    due_reason en = {.n = 0}, zh = {.n = 0};
    if (policy)
        due_policy_reason(&d->reasons, item_text(day, it, T_BASIS), item_text(day, it, T_VALUE), it->days,
                          it->contacted ? item_text(day, it, T_LAST_CONTACT) : NULL, due, &en, &zh);
    else
        due_followup_reason(&d->reasons, item_text(day, it, T_KIND), it->record, item_text(day, it, T_SET_ON), &en,
                            &zh);
    long overdue = d->today - due;
    /* days_of took it as YYYY-MM-DD: digits and dashes, as written. */
    char due_date[13] = {'"'};
    memcpy(due_date + 1, day->date, 10);
    due_date[11] = '"';
    cl_json_row_integer(o, "student_id", (json_int_t)it->student);
    cl_student_texts_put(o, (const cl_student_text[3]){it->number, it->name, it->class_name});
    cl_json_row_integer(o, "risk_level", it->risk);
    cl_json_row_text_written(o, KEY("due_date"), due_date + 1, 10, due_date, 12);
    cl_json_row_integer(o, "days_overdue", (json_int_t)overdue);
    const plain_word *status = &statuses[overdue > 0], *source = &sources[it->source];
    cl_json_row_text_written(o, KEY("status"), status->text, status->len, status->json, status->len + 2);
    cl_json_row_text_written(o, KEY("source"), source->text, source->len, source->json, source->len + 2);
    due_reason_put(o, KEY("reason"), &en);
    if (!policy && it->record > 0)
        cl_json_row_integer(o, "record_id", (json_int_t)it->record);
    else
        cl_json_row_null(o, "record_id");
    due_reason_put(o, KEY("reason_zh"), &zh);
    return cl_json_row_close(o);
}

/* "%.10s/%lld/%s/%lld": date, student, source, record. */
static void key_of_item(const due_day *day, const due_item *it, char *out, size_t size)
{
    text_cat c = due_cat_into(out, size);
    due_cat_date(&c, day->date);
    due_cat_s(&c, "/");
    due_cat_i(&c, it->student);
    due_cat_s(&c, "/");
    due_cat_s(&c, source_names[it->source]);
    due_cat_s(&c, "/");
    due_cat_i(&c, it->source == POLICY ? 0 : it->record);
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
    due_date_of_days(*today + p->horizon_days, last);
    return CL_OK;
}

/* ---- the walk ----------------------------------------------------------- */

typedef struct due_walker {
    due_ctx d;
    const cl_due_page *page;
    cl_due_row_fn *row;
    cl_due_text_fn *text;
    void *ctx;
    long long given;
    char key[64];   /* the cursor of the last row given */
    bool full;      /* the page is given and another row follows it */
    cl_buf out;
} due_walker;

static cl_student_text joined_text(const char *text)
{
    return (cl_student_text){.text = text, .len = (uint32_t)strlen(text)};
}

/* Gives the day's rows in the list's order, until the page is full. */
static cl_status give_day(due_walker *w, due_day *day)
{
    if (day->order_cap < day->n) {
        due_item **grown = realloc(day->order, day->cap * sizeof *grown);
        if (!grown)
            return cl_fail(CL_ESOFTWARE, _("out of memory"));
        day->order = grown;
        day->order_cap = day->cap;
    }
    size_t n = 0;
    for (size_t i = 0; i < day->n; i++) {
        due_item *it = &day->items[i];
        if (day->directory) {
            it->who = cl_student_directory_find(day->directory, it->student);
            if (!it->who) /* as the join leaves out a row with no student */
                continue;
            it->risk = it->who->risk_level;
            it->rank = it->who->rank;
            it->number = it->who->number;
            it->name = it->who->name;
            it->class_name = it->who->class_name;
            cl_student_directory_prefetch_texts(it->who);
        } else {
            it->number = joined_text(item_text(day, it, T_NUMBER));
            it->name = joined_text(item_text(day, it, T_NAME));
            it->class_name = joined_text(item_text(day, it, T_CLASS));
        }
        day->order[n++] = it;
    }
    qsort(day->order, n, sizeof *day->order, day->directory ? item_rank_order : item_order);
    cl_status st = CL_OK;
    for (size_t i = 0; st == CL_OK && i < n; i++) {
        if (w->page->limit > 0 && w->given == w->page->limit) {
            w->full = true;
            break;
        }
        cl_json_row o = {w->text ? NULL : json_object(), w->text ? &w->out : NULL, true};
        w->out.len = 0;
        if (!w->text && !o.object)
            return cl_fail(CL_ESOFTWARE, _("out of memory"));
        if (!due_row(&w->d, day, day->order[i], &o)) { /* as json_pack's NULL skipped it before */
            json_decref(o.object);
            cl_error_clear();
            continue;
        }
        key_of_item(day, day->order[i], w->key, sizeof w->key);
        st = w->text ? w->text(w->out.data, w->out.len, w->key, w->ctx) : w->row(o.object, w->key, w->ctx);
        json_decref(o.object);
        w->given++;
    }
    return st;
}

/* A row's due date ("" for none: never, as both sources filter on it). */
static const char *date_at(sqlite3_stmt *q)
{
    const char *s = (const char *)sqlite3_column_text(q, C_DATE);
    return s ? s : "";
}

static cl_status source_step(sqlite3 *db, sqlite3_stmt *q, bool *has)
{
    int rc = sqlite3_step(q);
    *has = rc == SQLITE_ROW;
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? CL_OK : cl_db_fail(db, "finding what is due");
}

/* Reads both sources a day at a time (the earlier due date of the two
 * rows at hand) and gives each day. */
static cl_status walk_sources(due_walker *w, sqlite3_stmt *q[2], const cl_student_directory *directory)
{
    bool has[2];
    cl_status st = source_step(w->d.reasons.db, q[FOLLOW_UP], &has[FOLLOW_UP]);
    if (st == CL_OK)
        st = source_step(w->d.reasons.db, q[POLICY], &has[POLICY]);
    due_day day = {.directory = directory};
    while (st == CL_OK && !w->full && (has[FOLLOW_UP] || has[POLICY])) {
        day.n = 0;
        day.texts.len = 0;
        const char *first = NULL;
        for (int s = 0; s < 2; s++) {
            const char *date = has[s] ? date_at(q[s]) : NULL;
            if (date && (!first || strcmp(date, first) < 0))
                first = date;
        }
        char *date = strdup(first ? first : "");
        if (!date)
            st = cl_fail(CL_ESOFTWARE, _("out of memory"));
        for (int s = 0; st == CL_OK && s < 2; s++)
            while (st == CL_OK && has[s] && strcmp(date_at(q[s]), date) == 0) {
                st = day_add(&day, q[s], s);
                if (st == CL_OK)
                    st = source_step(w->d.reasons.db, q[s], &has[s]);
            }
        day.date = date;
        day.due = date ? days_of(date) : LONG_MIN;
        if (st == CL_OK)
            st = give_day(w, &day);
        free(date);
    }
    free(day.items);
    free(day.order);
    cl_buf_free(&day.texts);
    return st;
}

/* Streams the page's rows to row (as objects) or to text (as their JSON
 * text), one of them set, inside a read transaction. The students come
 * from the directory for a whole list (its scan of students costs less
 * than a seek per row), or for a first page when the directory is already
 * at hand; else (a short page, a page after a cursor) from the join. */
static cl_status walk_read(cl_vault *v, const cl_due_page *page, cl_due_row_fn *row, cl_due_text_fn *text, void *ctx,
                           char **next)
{
    due_key after = {"", 0, 0, ""};
    if (page->after && !due_key_parse(page->after, &after))
        return cl_followup_cursor_check(page->after);
    due_walker w = {.d = {.reasons = {.v = v, .db = cl_vault_db(v)}},
                    .page = page, .row = row, .text = text, .ctx = ctx};
    char first[11], last[11];
    cl_status st = due_bounds(page, &w.d.today, first, last);
    const cl_student_directory *directory = NULL;
    if (st == CL_OK && !page->after)
        st = cl_student_directory_current(v, page->limit == 0, &directory);
    int shape = page->after ? JOINED_AFTER : directory ? ALONE : JOINED;
    sqlite3_stmt *q[2] = {NULL, NULL};
    for (int s = 0; st == CL_OK && s < 2; s++) {
        st = cl_db_cached(w.d.reasons.db, source_sql[s][shape], &q[s]);
        if (st != CL_OK)
            break;
        /* The rows before the cursor's day are not even read. */
        sqlite3_bind_text(q[s], 1, strcmp(after.date, first) > 0 ? after.date : first, -1, SQLITE_STATIC);
        sqlite3_bind_text(q[s], 2, last, -1, SQLITE_STATIC);
        if (page->after) {
            sqlite3_bind_text(q[s], 3, after.date, -1, SQLITE_STATIC);
            sqlite3_bind_int64(q[s], 4, after.student);
            sqlite3_bind_text(q[s], 5, after.source, -1, SQLITE_STATIC);
            sqlite3_bind_int64(q[s], 6, after.record);
        }
    }
    if (st == CL_OK)
        st = walk_sources(&w, q, directory);
    for (int s = 0; s < 2; s++)
        if (q[s])
            sqlite3_reset(q[s]);
    cl_buf_free(&w.out);
    if (st == CL_OK && w.full && next && !(*next = strdup(w.key)))
        st = cl_fail(CL_ESOFTWARE, _("out of memory"));
    return st;
}

typedef struct walk_args {
    cl_vault *v;
    const cl_due_page *page;
    cl_due_row_fn *row;
    cl_due_text_fn *text;
    void *ctx;
    char **next;
} walk_args;

static cl_status walk_work(void *arg)
{
    walk_args *a = arg;
    return walk_read(a->v, a->page, a->row, a->text, a->ctx, a->next);
}

static cl_status due_walk(cl_vault *v, const cl_due_page *page, cl_due_row_fn *row, cl_due_text_fn *text, void *ctx,
                          char **next)
{
    if (next)
        *next = NULL;
    /* One snapshot for the directory and both sources. */
    walk_args a = {v, page, row, text, ctx, next};
    return cl_db_in_one_read(cl_vault_db(v), walk_work, &a);
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
