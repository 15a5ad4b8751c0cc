#include "carelog/agenda.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "carelog/followup.h"
#include "carelog/i18n.h"
#include "carelog/inbox.h"
#include "carelog/referral.h"
#include "carelog/storage.h"
#include "carelog/text.h"
#include "student_directory.h"

/* The sections in the order of the list, as cursors name them. */
enum { FLAGS, OVERDUE, LATE_REFERRALS, CRISIS, DUE_TODAY, N_SECTIONS };
static const char *const section_names[N_SECTIONS] = {"flags", "overdue", "late_referrals", "crisis", "due_today"};

/* Where the rows go: into one array per section (a page, or the whole
 * list as one object), or written out as the JSON text of the whole list
 * (write set; cl_agenda_attention_write). For a page: how many rows it
 * still takes (-1: no limit), the cursor of the last row given, and
 * whether a row follows it. */
typedef struct page {
    long long left;
    char last[160];
    bool more;
    json_t *sections[N_SECTIONS];
    cl_agenda_write_fn *write;
    void *ctx;
    int open;                     /* the section whose array the text has open (-1: none yet) */
    json_int_t given[N_SECTIONS]; /* rows of each section written */
} page;

static void page_took(page *p, int section, const char *key)
{
    if (p->left < 0) /* no page: no cursor to give */
        return;
    snprintf(p->last, sizeof p->last, "%s:%s", section_names[section], key);
    if (p->left > 0)
        p->left--;
}

static cl_status put(page *p, const char *text, size_t len)
{
    return p->write(text, len, p->ctx);
}

/* The text up to the array of section open (the arrays before it closed,
 * empty or not). */
static cl_status open_section(page *p, int section)
{
    cl_status st = CL_OK;
    while (st == CL_OK && p->open < section) {
        st = put(p, p->open < 0 ? "{\"" : "],\"", p->open < 0 ? 2 : 3);
        p->open++;
        if (st == CL_OK)
            st = put(p, section_names[p->open], strlen(section_names[p->open]));
        if (st == CL_OK)
            st = put(p, "\":[", 3);
    }
    return st;
}

/* One row of section as JSON text. */
static cl_status take_text(page *p, int section, const char *text, size_t len, const char *key)
{
    cl_status st = open_section(p, section);
    if (st == CL_OK && p->given[section]++ > 0)
        st = put(p, ",", 1);
    if (st == CL_OK)
        st = put(p, text, len);
    if (st == CL_OK)
        page_took(p, section, key);
    return st;
}

/* One row of section (borrowed): kept in its array, or written. */
static cl_status take_row(page *p, int section, json_t *row, const char *key)
{
    if (!p->write) {
        if (json_array_append(p->sections[section], row) != 0)
            return cl_fail(CL_ESOFTWARE, _("out of memory"));
        page_took(p, section, key);
        return CL_OK;
    }
    char *text = json_dumps(row, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (!text)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    cl_status st = take_text(p, section, text, strlen(text), key);
    free(text);
    return st;
}

static const char *column_text(sqlite3_stmt *q, int c)
{
    const char *s = (const char *)sqlite3_column_text(q, c);
    return s ? s : "";
}

/* ---- screening flags still open (a keyset page of flags_open_raised) ---- */

/* ?1 the cursor (the last flag's id, 0: none), ?2 the limit (-1: none).
 * Columns: the flag's id, flag, labels, day raised, record, then the
 * student's id, number, name, class and risk level, NULL where the
 * students come from the directory (a whole list, student_directory.h),
 * which also says whose flags the list shows. */
#define OPEN_FLAGS(student, join, shown)                                                                    \
    "SELECT f.id, f.flag, f.label_zh, f.label_en, f.raised_at, f.record_id, " student                      \
    " FROM flags f" join " WHERE f.cleared_at IS NULL" shown                                                \
    "   AND (f.raised_at, f.id) > (coalesce((SELECT a.raised_at FROM flags a WHERE a.id = ?1), ''), ?1)"  \
    " ORDER BY f.raised_at, f.id LIMIT ?2"
static const char *const open_flags_sql[2] = {
    OPEN_FLAGS("s.id, s.number, s.name, s.class, s.risk_level", " JOIN students s ON s.id = f.student_id",
               " AND s.merged_into IS NULL AND s.status NOT IN ('closed', 'transferred')"),
    OPEN_FLAGS("f.student_id, NULL, NULL, NULL, NULL", "", ""),
};
enum { F_STUDENT = 6, F_NUMBER, F_RISK = F_NUMBER + 3 };

static cl_status open_flags(cl_vault *v, page *p, long long after)
{
    sqlite3 *db = cl_vault_db(v);
    const cl_student_directory *directory = NULL;
    cl_status st = p->left < 0 ? cl_student_directory_current(v, true, &directory) : CL_OK;
    sqlite3_stmt *q;
    if (st == CL_OK)
        st = cl_db_cached(db, open_flags_sql[directory != NULL], &q);
    if (st != CL_OK)
        return st;
    sqlite3_bind_int64(q, 1, after);
    sqlite3_bind_int64(q, 2, p->left < 0 ? -1 : p->left + 1);
    cl_buf text = {0};
    int rc;
    while (st == CL_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (p->left == 0) {
            p->more = true;
            break;
        }
        const cl_student_entry *who = NULL;
        if (directory) {
            who = cl_student_directory_find_at(directory, q, F_STUDENT);
            if (!who || !who->in_flag_list) /* as the join leaves them out */
                continue;
        }
        char key[24];
        snprintf(key, sizeof key, "%lld", (long long)sqlite3_column_int64(q, 0));
        /* Written out, the row never becomes an object. */
        text.len = 0;
        cl_json_row r = {p->write ? NULL : json_object(), p->write ? &text : NULL, true};
        static const char *const keys[] = {"flag_id", "flag", "label_zh", "label_en", "raised_at", "record_id"};
        static const bool integer[] = {true, false, false, false, false, true};
        for (int c = 0; c < (int)(sizeof keys / sizeof *keys); c++) {
            if (integer[c])
                cl_json_row_integer(&r, keys[c], sqlite3_column_int64(q, c));
            else
                cl_json_row_text(&r, keys[c], column_text(q, c));
        }
        cl_student_text student[3];
        cl_student_texts_of(who, q, F_NUMBER, student);
        cl_json_row_integer(&r, "student_id", sqlite3_column_int64(q, F_STUDENT));
        cl_student_texts_put(&r, student);
        /* An int, as the directory and the due list read it. */
        cl_json_row_integer(&r, "risk_level", who ? who->risk_level : sqlite3_column_int(q, F_RISK));
        if (!cl_json_row_close(&r))
            st = cl_student_texts_failed(sqlite3_column_int64(q, F_STUDENT), student);
        else if (p->write)
            st = take_text(p, FLAGS, text.data, text.len, key);
        else
            st = take_row(p, FLAGS, r.object, key);
        json_decref(r.object);
    }
    cl_buf_free(&text);
    if (st == CL_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
        st = cl_db_fail(db, "reading open flags");
    sqlite3_reset(q);
    return st;
}

static cl_status count_open_flags(cl_vault *v, long long *n)
{
    static const char sql[] = "SELECT count(*) FROM flags f JOIN students s ON s.id = f.student_id"
                              " WHERE f.cleared_at IS NULL AND s.merged_into IS NULL"
                              "   AND s.status NOT IN ('closed', 'transferred')";
    sqlite3 *db = cl_vault_db(v);
    sqlite3_stmt *q;
    cl_status st = cl_db_cached(db, sql, &q);
    if (st != CL_OK)
        return st;
    if (sqlite3_step(q) == SQLITE_ROW)
        *n = sqlite3_column_int64(q, 0);
    else
        st = cl_db_fail(db, "counting open flags");
    sqlite3_reset(q);
    return st;
}

/* ---- follow-ups overdue, and due today (followup.h) ------------------- */

typedef struct due_fill {
    page *p;
    int section;
} due_fill;

static cl_status take_due(json_t *row, const char *cursor, void *ctx)
{
    due_fill *f = ctx;
    return take_row(f->p, f->section, row, cursor);
}

static cl_status take_due_text(const char *text, size_t len, const char *cursor, void *ctx)
{
    due_fill *f = ctx;
    return take_text(f->p, f->section, text, len, cursor);
}

static cl_due_page section_bounds(int section)
{
    cl_due_page d = {.horizon_days = section == OVERDUE ? -1 : 0, .not_overdue = section == DUE_TODAY};
    return d;
}

static cl_status due_section(cl_vault *v, page *p, int section, const char *after)
{
    cl_due_page d = section_bounds(section);
    d.limit = p->left < 0 ? 0 : p->left;
    d.after = after;
    due_fill f = {p, section};
    char *next = NULL;
    /* Written out, a row never becomes an object. */
    cl_status st = p->write ? cl_followup_due_text_each(v, &d, take_due_text, &f, &next)
                            : cl_followup_due_each(v, &d, take_due, &f, &next);
    p->more = p->more || next != NULL;
    free(next);
    return st;
}

/* ---- referrals late in the loop (a range per state, referral.h) ------- */

static cl_status take_referral(json_t *row, void *ctx)
{
    char key[CL_REFERRAL_LATE_CURSOR_MAX];
    cl_referral_late_cursor(row, key);
    return take_row(ctx, LATE_REFERRALS, row, key);
}

static cl_status take_referral_text(const char *json, size_t len, const char *cursor, void *ctx)
{
    return take_text(ctx, LATE_REFERRALS, json, len, cursor);
}

/* The page of the late ones after the cursor (NULL: from the first);
 * written out, a row never becomes an object. */
static cl_status referral_section(cl_vault *v, page *p, const char *after)
{
    bool more = false;
    long long limit = p->left < 0 ? 0 : p->left;
    cl_status st = p->write ? cl_referral_late_text_each(v, after, limit, take_referral_text, p, &more)
                            : cl_referral_late_each(v, after, limit, take_referral, p, &more);
    p->more = p->more || more;
    return st;
}

/* ---- crisis-level students with no session lately (followup.h) ---- */

static cl_status take_crisis_text(const char *text, size_t len, const char *cursor, void *ctx)
{
    return take_text(ctx, CRISIS, text, len, cursor);
}

static cl_status crisis_section(cl_vault *v, page *p, const char *after)
{
    if (p->write) { /* the whole list written out: no page, so no cursor of the agenda's to make */
        char *next = NULL;
        cl_status st = cl_followup_crisis_text_page(v, NULL, 0, after, take_crisis_text, p, &next);
        free(next);
        return st;
    }
    json_t *rows = json_array();
    char *next = NULL;
    cl_status st = rows ? cl_followup_crisis_page(v, NULL, p->left < 0 ? 0 : p->left, after, rows, &next)
                        : cl_fail(CL_ESOFTWARE, _("out of memory"));
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row) {
        if (st != CL_OK)
            break;
        const char *last = json_string_value(json_object_get(row, "last_session"));
        char key[40];
        snprintf(key, sizeof key, "%s/%lld", last ? last : "",
                 (long long)json_integer_value(json_object_get(row, "student_id")));
        st = take_row(p, CRISIS, row, key);
    }
    json_decref(rows);
    p->more = p->more || next != NULL;
    free(next);
    return st;
}

/* ---- what follows the sections: their counts, and teachers'
 * observations waiting in the inbox (inbox.h) ---- */
static cl_status tail_of(cl_vault *v, const json_int_t counts[N_SECTIONS], json_t **tail)
{
    long long count = 0, urgent = 0;
    cl_status st = cl_inbox_pending_count(v, &count, &urgent);
    if (st != CL_OK)
        return st;
    *tail = json_pack("{s:{s:I, s:I, s:I, s:I, s:I, s:I}, s:{s:I, s:I}}", "counts", "flags", counts[FLAGS], "overdue",
                      counts[OVERDUE], "late_referrals", counts[LATE_REFERRALS], "crisis", counts[CRISIS], "due_today",
                      counts[DUE_TODAY], "new_observations", (json_int_t)count, "new_observations", "count",
                      (json_int_t)count, "urgent", (json_int_t)urgent);
    return *tail ? CL_OK : cl_fail(CL_ESOFTWARE, _("out of memory"));
}

/* "SECTION:KEY" into the section's index and its key. */
static cl_status parse_cursor(const char *cursor, int *section, const char **key, long long *id)
{
    const char *colon = cursor ? strchr(cursor, ':') : NULL;
    *section = -1;
    for (int i = 0; colon && i < N_SECTIONS; i++)
        if (strlen(section_names[i]) == (size_t)(colon - cursor) &&
            strncmp(cursor, section_names[i], (size_t)(colon - cursor)) == 0)
            *section = i;
    bool ok = *section >= 0;
    if (ok) {
        *key = colon + 1;
        if (*section == FLAGS) {
            char *end;
            *id = strtoll(*key, &end, 10);
            ok = **key >= '1' && **key <= '9' && *end == '\0' && *id > 0;
        } else {
            ok = (*section == CRISIS           ? cl_followup_crisis_cursor_check(*key)
                  : *section == LATE_REFERRALS ? cl_referral_late_cursor_check(*key)
                                               : cl_followup_cursor_check(*key)) == CL_OK;
            cl_error_clear();
        }
    }
    if (ok)
        return CL_OK;
    char *shown = cl_text_inert(cursor ? cursor : "", false);
    cl_status st = cl_fail(CL_EUSAGE, _("\"%s\" is not a cursor of the agenda; give the \"next\" that the last page "
                                        "printed (such as overdue:2026-11-10/123/follow_up/17)"), shown ? shown : "");
    free(shown);
    return st;
}

static cl_status count_sections(cl_vault *v, const page *p, long long limit, json_int_t counts[N_SECTIONS])
{
    if (limit == 0) { /* the whole list is at hand */
        for (int i = 0; i < N_SECTIONS; i++)
            counts[i] = p->write ? p->given[i] : (json_int_t)json_array_size(p->sections[i]);
        return CL_OK;
    }
    long long n = 0;
    cl_status st = count_open_flags(v, &n);
    counts[FLAGS] = n;
    if (st == CL_OK)
        st = cl_referral_late_count(v, &n);
    counts[LATE_REFERRALS] = n;
    if (st == CL_OK)
        st = cl_followup_crisis_count(v, NULL, &n);
    counts[CRISIS] = n;
    for (int s = OVERDUE; st == CL_OK && s <= DUE_TODAY; s += DUE_TODAY - OVERDUE) {
        cl_due_page d = section_bounds(s);
        st = cl_followup_due_count(v, &d, &n);
        counts[s] = n;
    }
    return st;
}

/* The sections' rows into p, from the cursor after (NULL: the first). */
static cl_status fill_sections(cl_vault *v, page *p, long long limit, const char *after, json_int_t counts[N_SECTIONS])
{
    int start = FLAGS;
    const char *key = NULL;
    long long after_id = 0;
    cl_status st = after ? parse_cursor(after, &start, &key, &after_id) : CL_OK;
    if (st == CL_OK && limit > 0)
        st = count_sections(v, p, limit, counts);
    for (int s = start; st == CL_OK && s < N_SECTIONS && !p->more; s++) {
        const char *from = s == start ? key : NULL;
        long long from_id = s == start ? after_id : 0;
        if (!p->write && !p->sections[s])
            st = cl_fail(CL_ESOFTWARE, _("out of memory"));
        else if (p->left == 0) /* the page is full where a section ends: is another row there? */
            p->more = counts[s] > 0;
        else if (s == FLAGS)
            st = open_flags(v, p, from_id);
        else if (s == LATE_REFERRALS)
            st = referral_section(v, p, from);
        else if (s == CRISIS)
            st = crisis_section(v, p, from);
        else
            st = due_section(v, p, s, from);
    }
    if (st == CL_OK && limit == 0)
        st = count_sections(v, p, limit, counts);
    return st;
}

static cl_status fill(cl_vault *v, long long limit, const char *after, json_t **out)
{
    page p = {.left = limit > 0 ? limit : -1, .open = -1};
    for (int s = 0; s < N_SECTIONS; s++)
        p.sections[s] = json_array();
    json_int_t counts[N_SECTIONS] = {0};
    json_t *tail = NULL;
    cl_status st = fill_sections(v, &p, limit, after, counts);
    if (st == CL_OK)
        st = tail_of(v, counts, &tail);
    if (st == CL_OK) {
        *out = json_pack("{s:o, s:o, s:o, s:o, s:o}", "flags", p.sections[FLAGS], "overdue", p.sections[OVERDUE],
                         "late_referrals", p.sections[LATE_REFERRALS], "crisis", p.sections[CRISIS], "due_today",
                         p.sections[DUE_TODAY]);
        for (int s = 0; s < N_SECTIONS; s++)
            p.sections[s] = NULL; /* json_pack took them, or freed them when it failed */
        if (!*out || json_object_update(*out, tail) != 0)
            st = cl_fail(CL_ESOFTWARE, _("out of memory"));
    }
    if (st == CL_OK && limit > 0)
        json_object_set_new(*out, "next", p.more ? json_string(p.last) : json_null());
    for (int s = 0; s < N_SECTIONS; s++)
        json_decref(p.sections[s]);
    json_decref(tail);
    if (st != CL_OK) {
        json_decref(*out);
        *out = NULL;
    }
    return st;
}

/* The whole list written as its JSON text, as json_dumps of fill's. */
static cl_status write_all(cl_vault *v, cl_agenda_write_fn *write, void *ctx)
{
    page p = {.left = -1, .write = write, .ctx = ctx, .open = -1};
    json_int_t counts[N_SECTIONS] = {0};
    json_t *tail = NULL;
    cl_status st = fill_sections(v, &p, 0, NULL, counts);
    if (st == CL_OK)
        st = open_section(&p, N_SECTIONS - 1);
    if (st == CL_OK)
        st = put(&p, "]", 1);
    if (st == CL_OK)
        st = tail_of(v, counts, &tail);
    /* The tail's own members, after the sections: ,"counts":{…},… */
    char *text = st == CL_OK ? json_dumps(tail, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    if (st == CL_OK && !text)
        st = cl_fail(CL_ESOFTWARE, _("out of memory"));
    if (st == CL_OK)
        st = put(&p, ",", 1);
    if (st == CL_OK)
        st = put(&p, text + 1, strlen(text + 1));
    free(text);
    json_decref(tail);
    return st;
}

/* What a question of the agenda asks, run in one read transaction so the
 * counts and the rows agree (cl_db_in_one_read). */
typedef struct page_args {
    cl_vault *v;
    long long limit;
    const char *after;
    json_t **out;
    cl_agenda_write_fn *write;
    void *ctx;
    long long *rows;
} page_args;

static cl_status page_work(void *arg)
{
    page_args *a = arg;
    cl_vault *v = a->v;
    return fill(v, a->limit, a->after, a->out);
}

static cl_status write_work(void *arg)
{
    page_args *a = arg;
    cl_vault *v = a->v;
    return write_all(v, a->write, a->ctx);
}

static cl_status count_work(void *arg)
{
    page_args *a = arg;
    cl_vault *v = a->v;
    page p = {.left = -1, .open = -1};
    json_int_t counts[N_SECTIONS] = {0};
    cl_status st = count_sections(v, &p, 1, counts);
    *a->rows = 0;
    for (int s = 0; st == CL_OK && s < N_SECTIONS; s++)
        *a->rows += counts[s];
    return st;
}

cl_status cl_agenda_attention_page(cl_vault *v, long long limit, const char *after, json_t **out)
{
    *out = NULL;
    if (limit < 0)
        return cl_fail(CL_EUSAGE, _("a page holds at least one row (--limit N, N ≥ 1)"));
    page_args a = {.v = v, .limit = limit, .after = after, .out = out};
    return cl_db_in_one_read(cl_vault_db(v), page_work, &a);
}

cl_status cl_agenda_attention(cl_vault *v, json_t **out)
{
    return cl_agenda_attention_page(v, 0, NULL, out);
}

cl_status cl_agenda_attention_write(cl_vault *v, cl_agenda_write_fn *write, void *ctx)
{
    page_args a = {.v = v, .write = write, .ctx = ctx};
    return cl_db_in_one_read(cl_vault_db(v), write_work, &a);
}

cl_status cl_agenda_attention_count(cl_vault *v, long long *rows)
{
    page_args a = {.v = v, .rows = rows};
    return cl_db_in_one_read(cl_vault_db(v), count_work, &a);
}
