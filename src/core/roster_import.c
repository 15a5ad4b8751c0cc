/* Roster import into the vault: the checks that need the vault, what to do
 * with students already there (reject, update through the normal edit
 * path, or skip), and one transaction for the whole file. See roster.h. */
#include "carelog/roster.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "carelog/catalog.h"
#include "carelog/i18n.h"
#include "carelog/search.h"
#include "carelog/storage.h"
#include "carelog/student.h"
#include "carelog/text.h"

/* What becomes of each accepted row. */
enum { ROW_ADD, ROW_UPDATE, ROW_SKIP };

typedef struct plan {
    int action;
    long long id; /* the student already in the vault (update, skip) */
} plan;

/* The students (not merged) holding number: the first in *id, how many in
 * *count (0, 1, or 2 for "two or more"). */
static cl_status students_with(sqlite3_stmt *q, sqlite3 *db, const char *number, long long *id, int *count)
{
    sqlite3_reset(q);
    sqlite3_bind_text(q, 1, number, -1, SQLITE_TRANSIENT);
    *count = 0;
    int rc;
    while (*count < 2 && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (*count == 0)
            *id = sqlite3_column_int64(q, 0);
        (*count)++;
    }
    if (*count < 2 && rc != SQLITE_DONE)
        return cl_db_fail(db, "looking up student numbers");
    return CL_OK;
}

/* Decides each row's action by whether its number is already a student. */
static cl_status plan_rows(cl_vault *v, cl_roster *r, cl_roster_existing existing, plan *plans)
{
    sqlite3 *db = cl_vault_db(v);
    sqlite3_stmt *q;
    cl_status st = cl_db_prepare(db, "SELECT id FROM students WHERE number = ? AND merged_into IS NULL ORDER BY id",
                                 &q);
    for (size_t i = 0; i < cl_roster_row_count(r) && st == CL_OK; i++) {
        const json_t *f = cl_roster_row_fields(r, i);
        plans[i] = (plan){ROW_ADD, 0};
        if (!f)
            continue;
        const char *num = json_string_value(json_object_get(f, "number"));
        long long id = 0;
        int count = 0;
        st = students_with(q, db, num, &id, &count);
        if (st != CL_OK || count == 0)
            continue;
        if (count > 1)
            st = cl_roster_reject(r, i, _("student number %s is shared by several students in the vault (`carelog "
                                          "student duplicates`); merge them or change one number first"), num);
        else if (existing == CL_ROSTER_UPDATE)
            plans[i] = (plan){ROW_UPDATE, id};
        else if (existing == CL_ROSTER_SKIP)
            plans[i] = (plan){ROW_SKIP, id};
        else
            st = cl_roster_reject(r, i, _("student number %s is already in the vault (#%lld); duplicates are never "
                                          "merged (--update updates the students already there, --skip-existing "
                                          "leaves them as they are)"), num, id);
    }
    sqlite3_finalize(q);
    return st;
}

/* The roster's guardian put into the guardians the student has: the one
 * with the same name (or else the same phone) takes the roster's relation
 * and phone, keeping what the roster does not say; a new one is added. */
static json_t *merged_guardians(const json_t *have, const json_t *roster)
{
    json_t *out = json_is_array(have) ? json_deep_copy(have) : json_array();
    const json_t *g = json_array_get(roster, 0);
    if (!out || !json_is_object(g))
        return out;
    const char *name = json_string_value(json_object_get(g, "name"));
    const char *phone = json_string_value(json_object_get(g, "phone"));
    size_t i, at = json_array_size(out);
    json_t *x;
    json_array_foreach(out, i, x) {
        const char *xn = json_string_value(json_object_get(x, "name"));
        if (at == json_array_size(out) && name && xn && strcmp(name, xn) == 0)
            at = i;
    }
    json_array_foreach(out, i, x) {
        const char *xp = json_string_value(json_object_get(x, "phone"));
        if (at == json_array_size(out) && phone && xp && strcmp(phone, xp) == 0)
            at = i;
    }
    if (at == json_array_size(out)) {
        json_array_append(out, (json_t *)g);
        return out;
    }
    x = json_array_get(out, at);
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)g, key, val) {
        /* A phone-only row's guardian is "家长": that is no new name. */
        if (strcmp(key, "name") == 0 && strcmp(json_string_value(val), "家长") == 0)
            continue;
        if (strcmp(key, "relation") == 0 && strcmp(json_string_value(val), "other") == 0 &&
            json_object_get(x, "relation"))
            continue;
        json_object_set(x, key, val);
    }
    return out;
}

/* True when the roster has a column for the field. */
static bool has_column(const json_t *report, const char *field)
{
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(report, "columns"), i, c)
        if (strcmp(json_string_value(json_object_get(c, "field")), field) == 0)
            return true;
    return false;
}

/* Updates student id from a roster row through the normal edit path (a new
 * version, the earlier one kept); *changed false when nothing differed. */
static cl_status update_student(cl_vault *v, long long id, const json_t *row, bool status_column, bool *changed)
{
    json_t *s = NULL;
    cl_status st = cl_student_get(v, id, &s);
    if (st != CL_OK)
        return st;
    json_t *changes = json_deep_copy(row);
    if (!changes) {
        json_decref(s);
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    }
    json_object_del(changes, "number");
    /* "active" is only the default of a new student: an update keeps the
     * student's status unless the file has a status column. */
    if (!status_column)
        json_object_del(changes, "status");
    if (json_object_get(changes, "guardians"))
        json_object_set_new(changes, "guardians",
                            merged_guardians(json_object_get(json_object_get(s, "fields"), "guardians"),
                                             json_object_get(changes, "guardians")));
    long long version = json_integer_value(json_object_get(s, "version")), now = version;
    json_decref(s);
    st = cl_student_edit(v, id, version, changes, &now);
    json_decref(changes);
    *changed = now != version;
    return st;
}

static const char *const action_names[] = {"added", "updated", "skipped"};

cl_status cl_roster_import_with(cl_vault *v, const char *data, size_t len, const cl_roster_options *o,
                                json_t **report)
{
    if (report)
        *report = NULL;
    const cl_form *form;
    cl_status st = cl_catalog_current(v, "student", &form, NULL);
    if (st != CL_OK)
        return st;
    cl_roster *r;
    st = cl_roster_parse(data, len, o->encoding, form, &r);
    if (st != CL_OK)
        return cl_fail_context(st, _("importing the roster"));
    size_t nrows = cl_roster_row_count(r);
    plan *plans = calloc(nrows ? nrows : 1, sizeof *plans);
    if (!plans)
        st = cl_fail(CL_ESOFTWARE, _("out of memory"));
    if (st == CL_OK)
        st = plan_rows(v, r, o->existing, plans);
    if (st == CL_OK && cl_roster_problem_count(r) > 0) {
        size_t bad = 0;
        for (size_t i = 0; i < nrows; i++)
            bad += cl_roster_row_fields(r, i) == NULL;
        st = cl_fail(CL_EDATA, _("%zu of %zu rows rejected (%zu problems); nothing was imported"), bad, nrows,
                     cl_roster_problem_count(r));
    } else if (st == CL_OK && nrows == 0) {
        st = cl_fail(CL_EDATA, _("the roster has a header but no students; nothing was imported"));
    }
    json_t *rep = cl_roster_report(r);
    bool status_column = rep && has_column(rep, "status");
    json_decref(rep);
    json_t *students = json_array();
    size_t counts[3] = {0, 0, 0}, unchanged = 0;
    sqlite3 *db = cl_vault_db(v);
    bool in_tx = false;
    if (st == CL_OK && !o->dry_run) {
        st = cl_db_begin(db);
        in_tx = st == CL_OK;
    }
    for (size_t i = 0; i < nrows && st == CL_OK; i++) {
        const json_t *f = cl_roster_row_fields(r, i);
        long long id = plans[i].id;
        bool changed = true;
        if (!o->dry_run && plans[i].action == ROW_ADD)
            st = cl_student_add(v, f, false, &id);
        else if (!o->dry_run && plans[i].action == ROW_UPDATE)
            st = update_student(v, id, f, status_column, &changed);
        if (st != CL_OK) {
            st = cl_fail_context(st, _("line %zu"), cl_roster_row_line(r, i));
            break;
        }
        counts[plans[i].action]++;
        unchanged += plans[i].action == ROW_UPDATE && !changed;
        json_t *row = json_pack("{s:I, s:O, s:O, s:s}", "line", (json_int_t)cl_roster_row_line(r, i), "number",
                                json_object_get(f, "number"), "name", json_object_get(f, "name"), "action",
                                plans[i].action == ROW_UPDATE && !changed ? "unchanged" : action_names[plans[i].action]);
        if (row && (!o->dry_run || plans[i].action != ROW_ADD))
            json_object_set_new(row, "id", json_integer(id));
        json_array_append_new(students, row);
    }
    if (in_tx && st == CL_OK) {
        char detail[128];
        if (counts[ROW_UPDATE] + counts[ROW_SKIP] == 0)
            snprintf(detail, sizeof detail, "%zu students", counts[ROW_ADD]);
        else
            snprintf(detail, sizeof detail, "%zu added, %zu updated, %zu unchanged, %zu skipped", counts[ROW_ADD],
                     counts[ROW_UPDATE] - unchanged, unchanged, counts[ROW_SKIP]);
        st = cl_vault_audit(v, "import.roster", "roster", detail);
    }
    if (in_tx && st == CL_OK)
        st = cl_db_commit(db);
    else if (in_tx)
        cl_db_rollback(db);
    if (in_tx && st == CL_OK)
        cl_search_merge_after(v, (long long)(counts[ROW_ADD] + counts[ROW_UPDATE] - unchanged));
    rep = report ? cl_roster_report(r) : NULL;
    if (rep) {
        bool written = st == CL_OK && !o->dry_run;
        json_object_set_new(rep, "imported", json_integer(written ? (json_int_t)counts[ROW_ADD] : 0));
        json_object_set_new(rep, "updated", json_integer(written ? (json_int_t)(counts[ROW_UPDATE] - unchanged) : 0));
        json_object_set_new(rep, "unchanged", json_integer(written ? (json_int_t)unchanged : 0));
        json_object_set_new(rep, "skipped", json_integer(st == CL_OK ? (json_int_t)counts[ROW_SKIP] : 0));
        json_object_set_new(rep, "dry_run", json_boolean(o->dry_run));
        json_object_set(rep, "students", students);
        *report = rep;
    }
    json_decref(students);
    free(plans);
    cl_roster_free(r);
    return st;
}

cl_status cl_roster_import(cl_vault *v, const char *data, size_t len, const char *encoding, bool dry_run,
                           json_t **report)
{
    cl_roster_options o = {encoding, dry_run, CL_ROSTER_REJECT};
    return cl_roster_import_with(v, data, len, &o, report);
}
