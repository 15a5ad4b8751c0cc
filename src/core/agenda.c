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

/* The sections in the order of the list, as cursors name them. */
enum { FLAGS, OVERDUE, LATE_REFERRALS, CRISIS, DUE_TODAY, N_SECTIONS };
static const char *const section_names[N_SECTIONS] = {"flags", "overdue", "late_referrals", "crisis", "due_today"};

/* One page being filled: how many rows it still takes (-1: no limit), the
 * cursor of the last row given, and whether a row follows it. */
typedef struct page {
    long long left;
    char last[160];
    bool more;
} page;

static void page_took(page *p, int section, const char *key)
{
    snprintf(p->last, sizeof p->last, "%s:%s", section_names[section], key);
    if (p->left > 0)
        p->left--;
}

/* ---- screening flags still open (a keyset page of flags_open_raised) ---- */

static cl_status open_flags(cl_vault *v, page *p, long long after, json_t *out)
{
    static const char sql[] =
        "SELECT f.id, f.flag, f.label_zh, f.label_en, f.raised_at, f.record_id,"
        "       s.id, s.number, s.name, s.class, s.risk_level"
        "  FROM flags f JOIN students s ON s.id = f.student_id"
        " WHERE f.cleared_at IS NULL AND s.merged_into IS NULL"
        "   AND s.status NOT IN ('closed', 'transferred')"
        "   AND (f.raised_at, f.id) > (coalesce((SELECT a.raised_at FROM flags a WHERE a.id = ?1), ''), ?1)"
        " ORDER BY f.raised_at, f.id LIMIT ?2";
    sqlite3 *db = cl_vault_db(v);
    sqlite3_stmt *q;
    cl_status st = cl_db_cached(db, sql, &q);
    if (st != CL_OK)
        return st;
    sqlite3_bind_int64(q, 1, after);
    sqlite3_bind_int64(q, 2, p->left < 0 ? -1 : p->left + 1);
    int rc;
    while (st == CL_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (p->left == 0) {
            p->more = true;
            break;
        }
        json_t *row = json_pack("{s:I, s:s, s:s, s:s, s:s, s:I, s:I, s:s, s:s, s:s, s:i}",
            "flag_id", (json_int_t)sqlite3_column_int64(q, 0),
            "flag", (const char *)sqlite3_column_text(q, 1),
            "label_zh", (const char *)sqlite3_column_text(q, 2),
            "label_en", (const char *)sqlite3_column_text(q, 3),
            "raised_at", (const char *)sqlite3_column_text(q, 4),
            "record_id", (json_int_t)sqlite3_column_int64(q, 5),
            "student_id", (json_int_t)sqlite3_column_int64(q, 6),
            "number", (const char *)sqlite3_column_text(q, 7),
            "name", (const char *)sqlite3_column_text(q, 8),
            "class", (const char *)sqlite3_column_text(q, 9),
            "risk_level", sqlite3_column_int(q, 10));
        if (!row || json_array_append_new(out, row) != 0) {
            st = cl_fail(CL_ESOFTWARE, _("out of memory"));
            break;
        }
        char key[24];
        snprintf(key, sizeof key, "%lld", (long long)sqlite3_column_int64(q, 0));
        page_took(p, FLAGS, key);
    }
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
    json_t *out;
} due_fill;

static cl_status take_due(json_t *row, const char *cursor, void *ctx)
{
    due_fill *f = ctx;
    if (json_array_append(f->out, row) != 0)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    page_took(f->p, f->section, cursor);
    return CL_OK;
}

static cl_due_page section_bounds(int section)
{
    cl_due_page d = {.horizon_days = section == OVERDUE ? -1 : 0, .not_overdue = section == DUE_TODAY};
    return d;
}

static cl_status due_section(cl_vault *v, page *p, int section, const char *after, json_t *out)
{
    cl_due_page d = section_bounds(section);
    d.limit = p->left < 0 ? 0 : p->left;
    d.after = after;
    due_fill f = {p, section, out};
    char *next = NULL;
    cl_status st = cl_followup_due_each(v, &d, take_due, &f, &next);
    p->more = p->more || next != NULL;
    free(next);
    return st;
}

/* ---- referrals late in the loop (a range per state, referral.h) ------- */

typedef struct referral_fill {
    page *p;
    json_t *out;
} referral_fill;

static cl_status take_referral(json_t *row, void *ctx)
{
    referral_fill *f = ctx;
    if (json_array_append(f->out, row) != 0)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    char key[CL_REFERRAL_LATE_CURSOR_MAX];
    cl_referral_late_cursor(row, key);
    page_took(f->p, LATE_REFERRALS, key);
    return CL_OK;
}

/* The page of the late ones after the cursor (NULL: from the first). */
static cl_status referral_section(cl_vault *v, page *p, const char *after, json_t *out)
{
    referral_fill f = {p, out};
    bool more = false;
    cl_status st = cl_referral_late_each(v, after, p->left < 0 ? 0 : p->left, take_referral, &f, &more);
    p->more = p->more || more;
    return st;
}

/* ---- crisis-level students with no session lately (followup.h) ---- */

static cl_status crisis_section(cl_vault *v, page *p, const char *after, json_t *out)
{
    size_t before = json_array_size(out);
    char *next = NULL;
    cl_status st = cl_followup_crisis_page(v, NULL, p->left < 0 ? 0 : p->left, after, out, &next);
    for (size_t i = before; st == CL_OK && i < json_array_size(out); i++) {
        const json_t *row = json_array_get(out, i);
        const char *last = json_string_value(json_object_get(row, "last_session"));
        char key[40];
        snprintf(key, sizeof key, "%s/%lld", last ? last : "",
                 (long long)json_integer_value(json_object_get(row, "student_id")));
        page_took(p, CRISIS, key);
    }
    p->more = p->more || next != NULL;
    free(next);
    return st;
}

/* ---- teachers' observations waiting in the inbox (inbox.h) ---- */
static cl_status add_new_observations(cl_vault *v, json_t *agenda)
{
    long long count = 0, urgent = 0;
    cl_status st = cl_inbox_pending_count(v, &count, &urgent);
    if (st != CL_OK)
        return st;
    json_object_set_new(agenda, "new_observations",
                        json_pack("{s:I, s:I}", "count", (json_int_t)count, "urgent", (json_int_t)urgent));
    json_object_set_new(json_object_get(agenda, "counts"), "new_observations", json_integer(count));
    return CL_OK;
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

static cl_status count_sections(cl_vault *v, json_t *const sections[N_SECTIONS], long long limit,
                                json_int_t counts[N_SECTIONS])
{
    if (limit == 0) { /* the whole list is at hand */
        for (int i = 0; i < N_SECTIONS; i++)
            counts[i] = (json_int_t)json_array_size(sections[i]);
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

static cl_status fill(cl_vault *v, long long limit, const char *after, json_t **out)
{
    int start = FLAGS;
    const char *key = NULL;
    long long after_id = 0;
    cl_status st = after ? parse_cursor(after, &start, &key, &after_id) : CL_OK;
    if (st != CL_OK)
        return st;
    page p = {limit > 0 ? limit : -1, "", false};
    json_t *sections[N_SECTIONS] = {json_array(), json_array(), json_array(), json_array(), json_array()};
    json_int_t counts[N_SECTIONS] = {0};
    if (limit > 0)
        st = count_sections(v, sections, limit, counts);
    for (int s = start; st == CL_OK && s < N_SECTIONS && !p.more; s++) {
        const char *from = s == start ? key : NULL;
        long long from_id = s == start ? after_id : 0;
        if (!sections[s])
            st = cl_fail(CL_ESOFTWARE, _("out of memory"));
        else if (p.left == 0) /* the page is full where a section ends: is another row there? */
            p.more = counts[s] > 0;
        else if (s == FLAGS)
            st = open_flags(v, &p, from_id, sections[s]);
        else if (s == LATE_REFERRALS)
            st = referral_section(v, &p, from, sections[s]);
        else if (s == CRISIS)
            st = crisis_section(v, &p, from, sections[s]);
        else
            st = due_section(v, &p, s, from, sections[s]);
    }
    if (st == CL_OK && limit == 0)
        st = count_sections(v, sections, limit, counts);
    if (st != CL_OK) {
        for (int s = 0; s < N_SECTIONS; s++)
            json_decref(sections[s]);
        return st;
    }
    json_t *c = json_pack("{s:I, s:I, s:I, s:I, s:I}", "flags", counts[FLAGS], "overdue", counts[OVERDUE],
                          "late_referrals", counts[LATE_REFERRALS], "crisis", counts[CRISIS], "due_today",
                          counts[DUE_TODAY]);
    *out = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}", "flags", sections[FLAGS], "overdue", sections[OVERDUE],
                     "late_referrals", sections[LATE_REFERRALS], "crisis", sections[CRISIS], "due_today",
                     sections[DUE_TODAY], "counts", c);
    if (!*out)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    st = add_new_observations(v, *out);
    if (st == CL_OK && limit > 0)
        json_object_set_new(*out, "next", p.more ? json_string(p.last) : json_null());
    if (st != CL_OK) {
        json_decref(*out);
        *out = NULL;
    }
    return st;
}

cl_status cl_agenda_attention_page(cl_vault *v, long long limit, const char *after, json_t **out)
{
    *out = NULL;
    if (limit < 0)
        return cl_fail(CL_EUSAGE, _("a page holds at least one row (--limit N, N ≥ 1)"));
    /* One read transaction, so the counts and the rows agree. */
    sqlite3 *db = cl_vault_db(v);
    bool own = sqlite3_get_autocommit(db);
    cl_status st = own ? cl_db_exec(db, "BEGIN") : CL_OK;
    if (st == CL_OK)
        st = fill(v, limit, after, out);
    if (own)
        cl_db_rollback(db);
    return st;
}

cl_status cl_agenda_attention(cl_vault *v, json_t **out)
{
    return cl_agenda_attention_page(v, 0, NULL, out);
}
