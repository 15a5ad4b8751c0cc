/* The student list: filtered, in class and number order, streamed a row at
 * a time (a screen's first screenful, a page after a cursor, or the whole
 * list without building it). */
#include "carelog/student.h"

#include <stdlib.h>
#include <string.h>

#include "carelog/catalog.h"
#include "carelog/i18n.h"
#include "carelog/identifier.h"
#include "carelog/storage.h"
#include "carelog/text.h"
#include "record_internal.h"

static const char *const statuses[] = {"active", "monitoring", "closed", "transferred", "merged", NULL};

/* The filter's values as the statement binds them. */
typedef struct bound {
    char *circumstance, *class_name, *search;
} bound;

static void bound_free(bound *b)
{
    free(b->circumstance);
    free(b->class_name);
    free(b->search);
}

static cl_status check_filter(cl_vault *v, const cl_student_filter *fl, const cl_student_page *pg, bound *b)
{
    if (fl->risk < -1 || fl->risk > CL_RISK_MAX)
        return cl_fail(CL_EDATA, _("--risk: %d is not a risk level; use 0 none, 1 attention, 2 elevated, 3 crisis"),
                       fl->risk);
    if (fl->status) {
        bool ok = false;
        for (size_t i = 0; statuses[i]; i++)
            ok = ok || strcmp(statuses[i], fl->status) == 0;
        if (!ok)
            return cl_fail(CL_EDATA, _("--status: \"%s\" is not a status; use active, monitoring, closed, transferred "
                                     "or merged"), fl->status);
    }
    if (pg->limit < 0 || pg->after_id < 0)
        return cl_fail(CL_EUSAGE, _("a page of students needs a limit of at least 1 and a student id to follow"));
    if (fl->circumstance) {
        const cl_form *form;
        json_t *val = NULL;
        cl_status st = cl_catalog_current(v, "student", &form, NULL);
        if (st == CL_OK)
            st = cl_form_value_from_text(form, "circumstances", fl->circumstance, &val);
        if (st == CL_OK && json_array_size(val) != 1)
            st = cl_fail(CL_EDATA, _("--circumstance: give one circumstance"));
        if (st == CL_OK && !(b->circumstance = strdup(json_string_value(json_array_get(val, 0)))))
            st = cl_fail(CL_ESOFTWARE, _("out of memory"));
        json_decref(val);
        if (st != CL_OK)
            return cl_fail_context(st, _("--circumstance"));
    }
    /* The class and the search text as numbers and classes are stored:
     * --class 初二（3）班 lists 初二(3)班. */
    cl_status st = fl->class_name ? cl_identifier_normalise(CL_IDENTIFIER_CLASS, fl->class_name, "--class", &b->class_name)
                                  : CL_OK;
    if (st == CL_OK && fl->search)
        st = cl_identifier_normalise(CL_IDENTIFIER_CLASS, fl->search, "--search", &b->search);
    return st;
}

/* The rows of the filter, or with count how many there are. The order
 * (class, number, id) is the index students_class_number's, so a page
 * after a cursor (?6, a student id) is a range of it. */
static cl_status list_prepare(cl_vault *v, const cl_student_filter *fl, const cl_student_page *pg, const bound *b,
                              bool count, sqlite3_stmt **out)
{
    cl_buf sql = {0};
    cl_buf_puts(&sql, count ? "SELECT count(*) FROM (SELECT 1 FROM students s WHERE 1"
                            : "SELECT s.id, s.number, s.name, s.class, " CL_STUDENT_STATUS_OF_S ", s.risk_level,"
                              " s.misconduct_tier, s.counsellor,"
                              " (SELECT json_group_array(flag) FROM (SELECT flag FROM flags f WHERE f.student_id = s.id"
                              " AND f.cleared_at IS NULL ORDER BY f.id)) FROM students s WHERE 1");
    if (fl->status && strcmp(fl->status, "merged") == 0)
        cl_buf_puts(&sql, " AND s.merged_into IS NOT NULL");
    else if (fl->status)
        cl_buf_puts(&sql, " AND s.merged_into IS NULL AND s.status = ?1");
    else
        cl_buf_puts(&sql, " AND s.merged_into IS NULL");
    if (b->class_name)
        cl_buf_puts(&sql, " AND s.class = ?2");
    if (fl->risk >= 0)
        cl_buf_puts(&sql, " AND s.risk_level = ?3");
    if (b->circumstance)
        cl_buf_puts(&sql, " AND EXISTS (SELECT 1 FROM records r, json_each(r.fields, '$.circumstances') c"
                          " WHERE r.id = s.record_id AND c.value = ?4)");
    if (b->search && *b->search)
        cl_buf_puts(&sql, " AND (instr(lower(s.name), lower(?5)) > 0 OR instr(lower(s.number), lower(?5)) > 0"
                          " OR carelog_pinyin_matches(s.name, ?5))");
    if (pg->after_id)
        cl_buf_puts(&sql, " AND (s.class, s.number, s.id) > (SELECT a.class, a.number, a.id FROM students a"
                          " WHERE a.id = ?6)");
    if (!count)
        cl_buf_puts(&sql, " ORDER BY s.class, s.number, s.id");
    if (pg->limit > 0)
        cl_buf_puts(&sql, " LIMIT ?7");
    if (count)
        cl_buf_puts(&sql, ")");
    sqlite3_stmt *q;
    cl_status st = sql.data ? cl_db_prepare(cl_vault_db(v), sql.data, &q) : cl_fail(CL_ESOFTWARE, _("out of memory"));
    cl_buf_free(&sql);
    if (st != CL_OK)
        return st;
    if (fl->status)
        sqlite3_bind_text(q, 1, fl->status, -1, SQLITE_STATIC);
    if (b->class_name)
        sqlite3_bind_text(q, 2, b->class_name, -1, SQLITE_STATIC);
    if (fl->risk >= 0)
        sqlite3_bind_int(q, 3, fl->risk);
    if (b->circumstance)
        sqlite3_bind_text(q, 4, b->circumstance, -1, SQLITE_STATIC);
    if (b->search && *b->search)
        sqlite3_bind_text(q, 5, b->search, -1, SQLITE_STATIC);
    if (pg->after_id)
        sqlite3_bind_int64(q, 6, pg->after_id);
    if (pg->limit > 0)
        sqlite3_bind_int64(q, 7, pg->limit);
    *out = q;
    return CL_OK;
}

static json_t *student_row(sqlite3_stmt *q)
{
    json_t *flags = cl_json_column(q, 8);
    if (flags && !json_is_array(flags)) {
        json_decref(flags);
        flags = NULL;
    }
    return json_pack("{s:I, s:o, s:o, s:o, s:o, s:I, s:o, s:o, s:o}", "id", (json_int_t)sqlite3_column_int64(q, 0),
                     "number", cl_column_string(q, 1), "name", cl_column_string(q, 2), "class", cl_column_string(q, 3),
                     "status", cl_column_string(q, 4), "risk_level", (json_int_t)sqlite3_column_int64(q, 5),
                     "misconduct_tier", cl_column_string(q, 6), "counsellor", cl_column_string(q, 7), "flags",
                     flags ? flags : json_array());
}

static cl_status walk(cl_vault *v, const cl_student_filter *filter, const cl_student_page *page, bool count,
                      sqlite3_stmt **q, bound *b)
{
    cl_student_filter none = {.risk = -1};
    cl_student_page whole = {0, 0};
    const cl_student_filter *fl = filter ? filter : &none;
    const cl_student_page *pg = page ? page : &whole;
    *b = (bound){NULL, NULL, NULL};
    cl_status st = check_filter(v, fl, pg, b);
    if (st == CL_OK)
        st = list_prepare(v, fl, pg, b, count, q);
    if (st != CL_OK)
        bound_free(b);
    return st;
}

cl_status cl_student_each(cl_vault *v, const cl_student_filter *filter, const cl_student_page *page,
                          cl_student_row_fn *row, void *ctx)
{
    sqlite3_stmt *q;
    bound b;
    cl_status st = walk(v, filter, page, false, &q, &b);
    if (st != CL_OK)
        return st;
    int rc;
    while (st == CL_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        json_t *o = student_row(q);
        st = o ? row(o, ctx) : cl_fail(CL_ESOFTWARE, _("out of memory"));
        json_decref(o);
    }
    if (st == CL_OK && rc != SQLITE_DONE)
        st = cl_db_fail(cl_vault_db(v), "listing the students");
    sqlite3_finalize(q);
    bound_free(&b);
    return st;
}

cl_status cl_student_count(cl_vault *v, const cl_student_filter *filter, const cl_student_page *page, long long *count)
{
    sqlite3_stmt *q;
    bound b;
    cl_status st = walk(v, filter, page, true, &q, &b);
    if (st != CL_OK)
        return st;
    if (sqlite3_step(q) == SQLITE_ROW)
        *count = sqlite3_column_int64(q, 0);
    else
        st = cl_db_fail(cl_vault_db(v), "counting the students");
    sqlite3_finalize(q);
    bound_free(&b);
    return st;
}

static cl_status append_row(json_t *row, void *ctx)
{
    return json_array_append(ctx, row) == 0 ? CL_OK : cl_fail(CL_ESOFTWARE, _("out of memory"));
}

cl_status cl_student_list(cl_vault *v, const cl_student_filter *filter, json_t **out)
{
    json_t *arr = json_array();
    if (!arr)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    cl_status st = cl_student_each(v, filter, NULL, append_row, arr);
    if (st != CL_OK) {
        json_decref(arr);
        return st;
    }
    *out = arr;
    return CL_OK;
}
