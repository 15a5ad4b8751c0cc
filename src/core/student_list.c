/* Lists of students: filtered, sorted, paged, with each student's derived
 * state (last contact, next due) read from student_state as it is kept in
 * every write, so a list of 10,000 costs one index walk per page. */
#include "carelog/student.h"

#include <stdlib.h>
#include <string.h>

#include "carelog/catalog.h"
#include "carelog/form.h"
#include "carelog/i18n.h"
#include "carelog/identifier.h"
#include "carelog/storage.h"
#include "carelog/text.h"
#include "record_internal.h"

static const char *const statuses[] = {"active", "monitoring", "closed", "transferred", "merged", NULL};

/* A filter as stored values: circumstance as its choice id, class and
 * search text as numbers and classes are stored (--class 初二（3）班 lists
 * 初二(3)班). */
typedef struct filter_values {
    char *circumstance, *class_name, *search;
} filter_values;

static void filter_values_free(filter_values *fv)
{
    free(fv->circumstance);
    free(fv->class_name);
    free(fv->search);
}

static cl_status filter_values_of(cl_vault *v, const cl_student_filter *fl, filter_values *fv)
{
    memset(fv, 0, sizeof *fv);
    if (fl->risk < -1 || fl->risk > CL_RISK_MAX)
        return cl_fail(CL_EDATA, _("--risk: %d is not a risk level; use 0 none, 1 attention, 2 elevated, 3 crisis"),
                       fl->risk);
    if (fl->sort < CL_STUDENT_BY_CLASS || fl->sort >= CL_STUDENT_SORTS || fl->offset < 0 || fl->limit < 0)
        return cl_fail(CL_ESOFTWARE, _("a list of students was asked for in an order or page that does not exist"));
    if (fl->status) {
        bool ok = false;
        for (size_t i = 0; statuses[i]; i++)
            ok = ok || strcmp(statuses[i], fl->status) == 0;
        if (!ok)
            return cl_fail(CL_EDATA, _("--status: \"%s\" is not a status; use active, monitoring, closed, transferred "
                                     "or merged"), fl->status);
    }
    if (fl->circumstance) {
        const cl_form *form;
        json_t *val = NULL;
        cl_status st = cl_catalog_current(v, "student", &form, NULL);
        if (st == CL_OK)
            st = cl_form_value_from_text(form, "circumstances", fl->circumstance, &val);
        if (st == CL_OK && json_array_size(val) != 1)
            st = cl_fail(CL_EDATA, _("--circumstance: give one circumstance"));
        if (st == CL_OK && !(fv->circumstance = strdup(json_string_value(json_array_get(val, 0)))))
            st = cl_fail(CL_ESOFTWARE, _("out of memory"));
        json_decref(val);
        if (st != CL_OK)
            return cl_fail_context(st, _("--circumstance"));
    }
    cl_status st = fl->class_name ? cl_identifier_normalise(CL_IDENTIFIER_CLASS, fl->class_name, "--class",
                                                            &fv->class_name)
                                  : CL_OK;
    if (st == CL_OK && fl->search)
        st = cl_identifier_normalise(CL_IDENTIFIER_CLASS, fl->search, "--search", &fv->search);
    if (st != CL_OK)
        filter_values_free(fv);
    return st;
}

/* Whether case can matter in text: an ASCII letter, or a character
 * written in two UTF-8 bytes (accented Latin, Greek, Cyrillic…). Chinese,
 * digits and punctuation compare as stored. */
static bool has_cased_letter(const char *text)
{
    for (const unsigned char *p = (const unsigned char *)text; *p; p++)
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= 0xC3 && *p <= 0xDF))
            return true;
    return false;
}

/* A student as every list gives it (student_row reads it): students s,
 * with their derived state t. */
#define ROW_COLUMNS                                                                                                   \
    "s.id, s.number, s.name, s.class, " CL_STUDENT_STATUS_OF_S ", s.risk_level, s.misconduct_tier, s.counsellor,"     \
    " (SELECT json_group_array(flag) FROM (SELECT flag FROM flags f WHERE f.student_id = s.id"                       \
    " AND f.cleared_at IS NULL ORDER BY f.id)), t.last_contact, t.next_due"

/* The WHERE clause (students AS s; with a circumstance, the kept
 * circumstances AS c; walking the due dates, student_state AS t) with its
 * parameters ?1..?5. */
static void where_clause(cl_buf *sql, const cl_student_filter *fl, const filter_values *fv, bool due_walk)
{
    cl_buf_puts(sql, " WHERE 1");
    if (fl->status && strcmp(fl->status, "merged") == 0)
        cl_buf_puts(sql, " AND s.merged_into IS NOT NULL");
    else if (fl->status)
        cl_buf_puts(sql, " AND s.merged_into IS NULL AND s.status = ?1");
    else
        cl_buf_puts(sql, " AND s.merged_into IS NULL");
    if (fv->class_name)
        cl_buf_puts(sql, " AND s.class = ?2");
    if (fl->risk >= 0)
        cl_buf_puts(sql, " AND s.risk_level = ?3");
    /* The kept copy of the level (equal, checked by verify-derived) lets the
     * due-date order walk student_state_risk_due. */
    if (fl->risk >= 0 && due_walk)
        cl_buf_puts(sql, " AND t.risk_level = ?3");
    if (fv->circumstance)
        cl_buf_puts(sql, " AND c.circumstance = ?4 AND s.record_id = c.record_id");
    /* lower() is ICU's in this SQLCipher and costs about 0.1 ms a call, so
     * it is asked for only when case can matter (has_cased_letter); pinyin
     * (zs, zhangs → 张三) is typed in Latin letters too. */
    if (fv->search && *fv->search && has_cased_letter(fv->search))
        cl_buf_puts(sql, " AND (instr(lower(s.name), lower(?5)) > 0 OR instr(lower(s.number), lower(?5)) > 0"
                         " OR carelog_pinyin_matches(s.name, ?5))");
    else if (fv->search && *fv->search)
        cl_buf_puts(sql, " AND (instr(s.name, ?5) > 0 OR instr(s.number, ?5) > 0)");
}

static void bind_filter(sqlite3_stmt *q, const cl_student_filter *fl, const filter_values *fv)
{
    if (fl->status)
        sqlite3_bind_text(q, 1, fl->status, -1, SQLITE_TRANSIENT);
    if (fv->class_name)
        sqlite3_bind_text(q, 2, fv->class_name, -1, SQLITE_TRANSIENT);
    if (fl->risk >= 0)
        sqlite3_bind_int(q, 3, fl->risk);
    if (fv->circumstance)
        sqlite3_bind_text(q, 4, fv->circumstance, -1, SQLITE_TRANSIENT);
    if (fv->search && *fv->search)
        sqlite3_bind_text(q, 5, fv->search, -1, SQLITE_TRANSIENT);
}

/* What a list of students gives of each: the row (student_row reads it),
 * or only that there is one (to count). */
typedef enum list_what { LIST_ROWS, LIST_COUNT } list_what;

/* The one statement behind every list of students: the filter's WHERE
 * (?1..?5), then the tail. With a keyset page (pg, cl_student_each) the
 * order is class, number, id — the index students_class_number's — and a
 * page after a cursor (?6, a student id) is a range of it, at most ?7
 * rows; otherwise the filter's own order and its LIMIT/OFFSET page
 * (cl_student_list). Counting takes the same rows without their order, and
 * the filter's LIMIT/OFFSET page not at all (cl_student_count). */
static cl_status prepare_list(cl_vault *v, const cl_student_filter *fl, const cl_student_page *pg, list_what what,
                              sqlite3_stmt **out)
{
    filter_values fv;
    cl_status st = filter_values_of(v, fl, &fv);
    if (st != CL_OK)
        return st;
    cl_student_sort sort = pg ? CL_STUDENT_BY_CLASS : fl->sort;
    cl_buf sql = {0};
    cl_buf_puts(&sql, what == LIST_COUNT ? "SELECT count(*) FROM (SELECT 1 FROM " : "SELECT " ROW_COLUMNS " FROM ");
    /* Sorting by the due date walks student_state's index on it (every
     * student has a row there, kept in each write and checked by `verify`);
     * the other orders walk an index of students. A circumstance is a
     * range of the kept circumstances, its few students then sorted
     * (CROSS JOIN: SQLite keeps that order of the loops). */
    if (fv.circumstance)
        cl_buf_puts(&sql, "student_circumstances c CROSS JOIN ");
    bool due_walk = what == LIST_ROWS && sort == CL_STUDENT_BY_DUE && !fv.circumstance;
    if (what == LIST_COUNT)
        cl_buf_puts(&sql, "students s");
    else if (due_walk)
        cl_buf_puts(&sql, "student_state t JOIN students s ON s.id = t.student_id");
    else
        cl_buf_puts(&sql, "students s LEFT JOIN student_state t ON t.student_id = s.id");
    where_clause(&sql, fl, &fv, due_walk);
    if (pg && pg->after_id)
        cl_buf_puts(&sql, " AND (s.class, s.number, s.id) > (SELECT a.class, a.number, a.id FROM students a"
                          " WHERE a.id = ?6)");
    if (what == LIST_ROWS) {
        static const char *const orders[CL_STUDENT_SORTS] = {
            " ORDER BY s.class, s.number, s.id",
            " ORDER BY s.name, s.number, s.id",
            " ORDER BY s.risk_level DESC, s.class, s.number, s.id",
            " ORDER BY coalesce(t.next_due, '9999-12-31'), t.student_id",
        };
        cl_buf_puts(&sql, orders[sort]);
    }
    if (pg && pg->limit > 0)
        cl_buf_puts(&sql, " LIMIT ?7");
    else if (!pg && what == LIST_ROWS && (fl->limit > 0 || fl->offset > 0))
        cl_buf_printf(&sql, " LIMIT %lld OFFSET %lld", fl->limit > 0 ? fl->limit : -1LL, fl->offset);
    if (what == LIST_COUNT)
        cl_buf_puts(&sql, ")");
    st = sql.data ? cl_db_prepare(cl_vault_db(v), sql.data, out) : cl_fail(CL_ESOFTWARE, _("out of memory"));
    cl_buf_free(&sql);
    if (st == CL_OK) {
        bind_filter(*out, fl, &fv);
        if (pg && pg->after_id)
            sqlite3_bind_int64(*out, 6, pg->after_id);
        if (pg && pg->limit > 0)
            sqlite3_bind_int64(*out, 7, pg->limit);
    }
    filter_values_free(&fv);
    return st;
}

static json_t *student_row(sqlite3_stmt *q)
{
    json_t *flags = cl_json_column(q, 8);
    if (flags && !json_is_array(flags)) {
        json_decref(flags);
        flags = NULL;
    }
    return json_pack("{s:I, s:o, s:o, s:o, s:o, s:I, s:o, s:o, s:o, s:o, s:o}", "id",
                     (json_int_t)sqlite3_column_int64(q, 0), "number", cl_column_string(q, 1), "name",
                     cl_column_string(q, 2), "class", cl_column_string(q, 3), "status", cl_column_string(q, 4),
                     "risk_level", (json_int_t)sqlite3_column_int64(q, 5), "misconduct_tier", cl_column_string(q, 6),
                     "counsellor", cl_column_string(q, 7), "flags", flags ? flags : json_array(), "last_contact",
                     cl_column_string(q, 9), "next_due", cl_column_string(q, 10));
}

/* Each row of a prepared list to row (or into an array), then finalized. */
static cl_status each_row(cl_vault *v, sqlite3_stmt *q, cl_student_row_fn *row, void *ctx)
{
    cl_status st = CL_OK;
    int rc = SQLITE_DONE;
    while (st == CL_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        json_t *o = student_row(q);
        st = o ? row(o, ctx) : cl_fail(CL_ESOFTWARE, _("out of memory"));
        json_decref(o);
    }
    if (st == CL_OK && rc != SQLITE_DONE)
        st = cl_db_fail(cl_vault_db(v), "listing the students");
    sqlite3_finalize(q);
    return st;
}

static cl_status append_row(json_t *row, void *ctx)
{
    return json_array_append(ctx, row) == 0 ? CL_OK : cl_fail(CL_ESOFTWARE, _("out of memory"));
}

/* The count a prepared counting list gives, then finalized. */
static cl_status count_of(cl_vault *v, sqlite3_stmt *q, long long *count)
{
    cl_status st = CL_OK;
    if (sqlite3_step(q) == SQLITE_ROW)
        *count = sqlite3_column_int64(q, 0);
    else
        st = cl_db_fail(cl_vault_db(v), "counting the students");
    sqlite3_finalize(q);
    return st;
}

static const cl_student_filter no_filter = {.risk = -1};

cl_status cl_student_list(cl_vault *v, const cl_student_filter *filter, json_t **out)
{
    sqlite3_stmt *q;
    cl_status st = prepare_list(v, filter ? filter : &no_filter, NULL, LIST_ROWS, &q);
    if (st != CL_OK)
        return st;
    json_t *arr = json_array();
    st = arr ? each_row(v, q, append_row, arr) : (sqlite3_finalize(q), cl_fail(CL_ESOFTWARE, _("out of memory")));
    if (st != CL_OK) {
        json_decref(arr);
        return st;
    }
    *out = arr;
    return CL_OK;
}

cl_status cl_student_count(cl_vault *v, const cl_student_filter *filter, long long *count)
{
    const cl_student_filter *fl = filter ? filter : &no_filter;
    sqlite3_stmt *q;
    cl_status st;
    /* Everyone (the screens' list unfiltered): the kept row count less the
     * merged, without walking the table. */
    if (!fl->status && !fl->class_name && fl->risk == -1 && !fl->circumstance && !(fl->search && *fl->search))
        st = cl_db_prepare(cl_vault_db(v), "SELECT (SELECT n FROM row_counts WHERE name = 'students')"
                                           " - (SELECT count(*) FROM students WHERE merged_into IS NOT NULL)", &q);
    else
        st = prepare_list(v, fl, NULL, LIST_COUNT, &q);
    return st == CL_OK ? count_of(v, q, count) : st;
}

cl_status cl_student_count_by_risk(cl_vault *v, long long counts[CL_RISK_MAX + 1])
{
    memset(counts, 0, (CL_RISK_MAX + 1) * sizeof *counts);
    sqlite3 *db = cl_vault_db(v);
    sqlite3_stmt *q;
    cl_status st = cl_db_cached(db, "SELECT risk_level, count(*) FROM students WHERE merged_into IS NULL"
                                    " GROUP BY risk_level", &q);
    if (st != CL_OK)
        return st;
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        long long level = sqlite3_column_int64(q, 0);
        if (level >= 0 && level <= CL_RISK_MAX)
            counts[level] = sqlite3_column_int64(q, 1);
    }
    if (rc != SQLITE_DONE)
        st = cl_db_fail(db, "counting the students by risk");
    sqlite3_reset(q);
    return st;
}

/* ---- streamed in class and number order, a page after a cursor ------- */

static const cl_student_page whole_list = {0, 0};

static cl_status check_page(const cl_student_page *pg)
{
    if (pg->limit < 0 || pg->after_id < 0)
        return cl_fail(CL_EUSAGE, _("a page of students needs a limit of at least 1 and a student id to follow"));
    return CL_OK;
}

cl_status cl_student_each(cl_vault *v, const cl_student_filter *filter, const cl_student_page *page,
                          cl_student_row_fn *row, void *ctx)
{
    const cl_student_page *pg = page ? page : &whole_list;
    sqlite3_stmt *q;
    cl_status st = check_page(pg);
    if (st == CL_OK)
        st = prepare_list(v, filter ? filter : &no_filter, pg, LIST_ROWS, &q);
    return st == CL_OK ? each_row(v, q, row, ctx) : st;
}

cl_status cl_student_page_count(cl_vault *v, const cl_student_filter *filter, const cl_student_page *page,
                                long long *count)
{
    const cl_student_page *pg = page ? page : &whole_list;
    sqlite3_stmt *q;
    cl_status st = check_page(pg);
    if (st == CL_OK)
        st = prepare_list(v, filter ? filter : &no_filter, pg, LIST_COUNT, &q);
    return st == CL_OK ? count_of(v, q, count) : st;
}
