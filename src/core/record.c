/* Records: adding and editing, with the side effects of each kind.
 * Reading, listing and rendering are in record_read.c; signing and
 * amendments in record_sign.c. */
#include "carelog/record.h"
#include "carelog/i18n.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "carelog/catalog.h"
#include "carelog/clock.h"
#include "carelog/file.h"
#include "carelog/identifier.h"
#include "carelog/storage.h"
#include "carelog/text.h"
#include "record_internal.h"

cl_status cl_tx_begin(sqlite3 *db, cl_tx *tx)
{
    tx->db = db;
    tx->savepoint = !sqlite3_get_autocommit(db);
    return tx->savepoint ? cl_db_exec_cached(db, "SAVEPOINT cl_tx") : cl_db_begin(db);
}

cl_status cl_tx_end(cl_tx *tx, cl_status st)
{
    if (!tx->savepoint) {
        if (st == CL_OK)
            return cl_db_commit(tx->db);
        cl_db_rollback(tx->db);
        return st;
    }
    if (st == CL_OK)
        return cl_db_exec_cached(tx->db, "RELEASE cl_tx");
    sqlite3_exec(tx->db, "ROLLBACK TO cl_tx; RELEASE cl_tx", NULL, NULL, NULL);
    return st;
}

void cl_now_iso(char buf[32])
{
    cl_time_iso(cl_now(), buf, 32);
}

json_t *cl_json_column(sqlite3_stmt *q, int col)
{
    if (sqlite3_column_type(q, col) == SQLITE_NULL)
        return NULL;
    return json_loadb((const char *)sqlite3_column_text(q, col), (size_t)sqlite3_column_bytes(q, col), 0, NULL);
}

const char *cl_json_str(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

bool cl_record_kind_signable(const char *kind)
{
    static const char *const kinds[] = {"session", "assessment", "referral", "phq9", "gad7", NULL};
    for (size_t i = 0; kind && kinds[i]; i++)
        if (strcmp(kind, kinds[i]) == 0)
            return true;
    return false;
}

/* occurred_at from the field (date or date-time), else today. */
static void occurred_of(const json_t *fields, char out[32])
{
    const char *s = cl_json_str(fields, "occurred_at");
    char canon[17];
    if (s && cl_datetime_parse(s, canon))
        snprintf(out, 32, "%s", canon);
    else if (s && cl_date_parse(s, canon))
        snprintf(out, 32, "%s", canon);
    else
        cl_time_date(cl_now(), out, 32);
}

static char *dump(const json_t *j)
{
    return json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
}

/* A screening's score, and its flags raised on the student (once per record
 * and flag: a flag a counsellor cleared is not raised again by an edit). */
static cl_status apply_score(cl_vault *v, const cl_form *form, long long id, long long student_id,
                             const json_t *fields)
{
    json_t *score = NULL;
    sqlite3 *db = cl_vault_db(v);
    cl_status st = cl_form_score(form, fields, &score);
    if (st != CL_OK)
        return st;
    sqlite3_stmt *q;
    if (!score) {
        /* No scoring (or no longer, after a new form version). */
        st = cl_db_cached(db, "UPDATE records SET score = NULL WHERE id = ? AND score IS NOT NULL", &q);
        if (st == CL_OK) {
            sqlite3_bind_int64(q, 1, id);
            if (sqlite3_step(q) != SQLITE_DONE)
                st = cl_db_fail(db, "saving the score");
            sqlite3_reset(q);
        }
        return st;
    }
    char *text = dump(score);
    st = text ? cl_db_cached(db, "UPDATE records SET score = ? WHERE id = ?", &q) : cl_fail(CL_ESOFTWARE, _("out of memory"));
    if (st == CL_OK) {
        sqlite3_bind_text(q, 1, text, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 2, id);
        if (sqlite3_step(q) != SQLITE_DONE)
            st = cl_db_fail(db, "saving the score");
        sqlite3_reset(q);
    }
    free(text);
    json_t *labels = json_object_get(score, "flag_labels");
    size_t i;
    json_t *fl;
    char now[32];
    cl_now_iso(now);
    json_array_foreach(json_object_get(score, "flags"), i, fl) {
        if (st != CL_OK)
            break;
        const char *flag = json_string_value(fl);
        const char *zh = "", *en = "";
        size_t k;
        json_t *lab;
        json_array_foreach(labels, k, lab) {
            const char *lid = cl_json_str(lab, "id");
            if (flag && lid && strcmp(lid, flag) == 0) {
                zh = cl_json_str(lab, "zh") ? cl_json_str(lab, "zh") : "";
                en = cl_json_str(lab, "en") ? cl_json_str(lab, "en") : "";
            }
        }
        st = cl_db_cached(db, "INSERT INTO flags(student_id, record_id, flag, label_zh, label_en, raised_at) "
                               "SELECT ?1, ?2, ?3, ?4, ?5, ?6 WHERE NOT EXISTS "
                               "(SELECT 1 FROM flags WHERE record_id = ?2 AND flag = ?3)", &q);
        if (st != CL_OK)
            break;
        sqlite3_bind_int64(q, 1, student_id);
        sqlite3_bind_int64(q, 2, id);
        sqlite3_bind_text(q, 3, flag ? flag : "", -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 4, zh, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 5, en, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 6, now, -1, SQLITE_STATIC);
        if (sqlite3_step(q) != SQLITE_DONE)
            st = cl_db_fail(db, "raising the screening's flag");
        sqlite3_reset(q);
    }
    json_decref(score);
    return st;
}

cl_status cl_student_refresh_risk_tx(sqlite3 *db, long long student_id)
{
    sqlite3_stmt *q;
    cl_status st = cl_db_cached(db, "SELECT json_extract(fields, '$.risk_level'), json_extract(fields, '$.misconduct_tier') "
                                     "FROM records WHERE student_id = ? AND kind = 'assessment' "
                                     "ORDER BY occurred_at DESC, id DESC LIMIT 1", &q);
    if (st != CL_OK)
        return st;
    sqlite3_bind_int64(q, 1, student_id);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_DONE) {
        sqlite3_reset(q);
        return CL_OK;
    }
    if (rc != SQLITE_ROW) {
        sqlite3_reset(q);
        return cl_db_fail(db, "reading the assessments");
    }
    long long risk = sqlite3_column_int64(q, 0);
    char *tier = strdup(sqlite3_column_type(q, 1) == SQLITE_TEXT ? (const char *)sqlite3_column_text(q, 1) : "none");
    sqlite3_reset(q);
    if (!tier)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    if (risk < 0 || risk > 3)
        st = cl_fail(CL_EDATA, _("field risk_level: %lld is outside 0–3"), risk);
    if (st == CL_OK)
        st = cl_db_cached(db, "UPDATE students SET risk_level = ?, misconduct_tier = ? WHERE id = ?", &q);
    if (st == CL_OK) {
        sqlite3_bind_int64(q, 1, risk);
        sqlite3_bind_text(q, 2, tier, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 3, student_id);
        if (sqlite3_step(q) != SQLITE_DONE)
            st = cl_db_fail(db, "setting the student's risk level");
        sqlite3_reset(q);
    }
    free(tier);
    return st;
}

/* The student a new record may be added to. */
static cl_status check_student(sqlite3 *db, long long student_id)
{
    sqlite3_stmt *q;
    cl_status st = cl_db_cached(db, "SELECT merged_into FROM students WHERE id = ?", &q);
    if (st != CL_OK)
        return st;
    sqlite3_bind_int64(q, 1, student_id);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_DONE)
        st = cl_fail(CL_ENOTFOUND, _("there is no student #%lld (`carelog student list` shows them)"), student_id);
    else if (rc != SQLITE_ROW)
        st = cl_db_fail(db, "reading the student");
    else if (sqlite3_column_type(q, 0) != SQLITE_NULL)
        st = cl_fail(CL_EDATA, _("student #%lld was merged into #%lld; add the record to #%lld"), student_id,
                     (long long)sqlite3_column_int64(q, 0), (long long)sqlite3_column_int64(q, 0));
    sqlite3_reset(q);
    return st;
}

/* A plan review's parent must be a plan of the same student. */
static cl_status check_parent(sqlite3 *db, long long parent_id, long long student_id)
{
    sqlite3_stmt *q;
    cl_status st = cl_db_cached(db, "SELECT kind, student_id FROM records WHERE id = ?", &q);
    if (st != CL_OK)
        return st;
    sqlite3_bind_int64(q, 1, parent_id);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_DONE)
        st = cl_fail(CL_ENOTFOUND, _("there is no plan #%lld to review (`carelog record list --kind plan`)"), parent_id);
    else if (rc != SQLITE_ROW)
        st = cl_db_fail(db, "reading the plan");
    else if (strcmp((const char *)sqlite3_column_text(q, 0), "plan") != 0)
        st = cl_fail(CL_EDATA, _("record #%lld is a %s, not a plan; a review links to a plan"), parent_id,
                     (const char *)sqlite3_column_text(q, 0));
    else if (sqlite3_column_int64(q, 1) != student_id)
        st = cl_fail(CL_EDATA, _("plan #%lld belongs to another student (#%lld); a review belongs to its plan's student"),
                     parent_id, (long long)sqlite3_column_int64(q, 1));
    sqlite3_reset(q);
    return st;
}

static cl_status insert_tx(cl_vault *v, const char *kind, long long student_id, const json_t *fields,
                           long long parent_id, long long *id_out);

/* A record written now about something that happened now need not say
 * when: a missing occurred_at becomes today (or this minute). */
static json_t *with_occurred_at(const cl_form *form, const json_t *fields)
{
    const cl_field *fld = cl_form_field(form, "occurred_at");
    const json_t *have = json_object_get(fields, "occurred_at");
    if (!fld || !json_is_object(fields) || (have && !json_is_null(have) && !(json_is_string(have) && !*json_string_value(have))))
        return json_incref((json_t *)fields);
    char when[32];
    time_t t = cl_now();
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(when, sizeof when, fld->type == CL_FIELD_DATETIME ? "%Y-%m-%dT%H:%M" : "%Y-%m-%d", &tm);
    json_t *filled = json_copy((json_t *)fields);
    if (filled)
        json_object_set_new(filled, "occurred_at", json_string(when));
    return filled;
}

cl_status cl_record_insert_tx(cl_vault *v, const char *kind, long long student_id, const json_t *fields,
                              long long parent_id, long long *id_out)
{
    const cl_form *form;
    long long form_id;
    cl_status st = cl_catalog_current(v, kind, &form, &form_id);
    if (st != CL_OK)
        return st;
    json_t *filled = with_occurred_at(form, fields);
    if (!filled)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    st = insert_tx(v, kind, student_id, filled, parent_id, id_out);
    json_decref(filled);
    return st;
}

/* Something that happened cannot have happened after tomorrow (a day of
 * slack for time zones): a date in the future is a typing mistake, such as
 * 2062 for 2026, that would otherwise silence follow-up reminders for
 * decades. Planned dates (follow_up, review_date) are not affected. */
static cl_status check_not_future(const json_t *fields)
{
    const char *s = cl_json_str(fields, "occurred_at");
    char today[11], day[11];
    if (!s || strlen(s) < 10)
        return CL_OK;
    memcpy(day, s, 10);
    day[10] = '\0';
    cl_time_date(cl_now(), today, sizeof today);
    long d = cl_date_days(day), t = cl_date_days(today);
    if (d != LONG_MIN && t != LONG_MIN && d > t + 1)
        return cl_fail(CL_EDATA, _("field occurred_at: %s is in the future (today is %s); check the year — nothing "
                                 "was saved"), day, today);
    return CL_OK;
}

static cl_status insert_tx(cl_vault *v, const char *kind, long long student_id, const json_t *fields,
                           long long parent_id, long long *id_out)
{
    sqlite3 *db = cl_vault_db(v);
    const cl_form *form;
    long long form_id;
    cl_status st = cl_catalog_current(v, kind, &form, &form_id);
    if (st != CL_OK)
        return st;
    if (!json_is_object(fields))
        return cl_fail(CL_EDATA, _("the fields of a %s must be a JSON object"), kind);
    if (strcmp(kind, "student") != 0)
        st = check_student(db, student_id);
    if (st == CL_OK)
        st = cl_form_validate(form, fields);
    if (st == CL_OK)
        st = check_not_future(fields);
    if (st == CL_OK && parent_id)
        st = check_parent(db, parent_id, student_id);
    if (st != CL_OK)
        return st;
    char occurred[32], now[32];
    occurred_of(fields, occurred);
    cl_now_iso(now);
    const char *follow_up = cl_json_str(fields, "follow_up");
    const char *user = cl_vault_user(v);
    bool referral = strcmp(kind, "referral") == 0;
    char *text = dump(fields);
    if (!text)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    sqlite3_stmt *q;
    st = cl_db_cached(db, "INSERT INTO records(student_id, kind, author, occurred_at, created_at, updated_at, "
                           "updated_by, form_id, version, fields, follow_up, parent_id, state) "
                           "VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?3, ?6, 1, ?7, ?8, ?9, ?10)", &q);
    if (st == CL_OK) {
        sqlite3_bind_int64(q, 1, student_id);
        sqlite3_bind_text(q, 2, kind, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 3, user, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 4, occurred, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 5, now, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 6, form_id);
        sqlite3_bind_text(q, 7, text, -1, SQLITE_STATIC);
        if (follow_up && *follow_up)
            sqlite3_bind_text(q, 8, follow_up, -1, SQLITE_STATIC);
        if (parent_id)
            sqlite3_bind_int64(q, 9, parent_id);
        if (referral)
            sqlite3_bind_text(q, 10, "draft", -1, SQLITE_STATIC);
        if (sqlite3_step(q) != SQLITE_DONE)
            st = cl_db_fail(db, "saving the record");
        sqlite3_reset(q);
    }
    free(text);
    if (st != CL_OK)
        return st;
    long long id = sqlite3_last_insert_rowid(db);
    if (referral) {
        st = cl_db_cached(db, "INSERT INTO referral_transitions(record_id, from_state, to_state, at, actor, note) "
                               "VALUES (?, NULL, 'draft', ?, ?, 'created')", &q);
        if (st == CL_OK) {
            sqlite3_bind_int64(q, 1, id);
            sqlite3_bind_text(q, 2, now, -1, SQLITE_STATIC);
            sqlite3_bind_text(q, 3, user, -1, SQLITE_STATIC);
            if (sqlite3_step(q) != SQLITE_DONE)
                st = cl_db_fail(db, "starting the referral");
            sqlite3_reset(q);
        }
    }
    if (st == CL_OK && strcmp(kind, "assessment") == 0)
        st = cl_student_refresh_risk_tx(db, student_id);
    if (st == CL_OK)
        st = apply_score(v, form, id, student_id, fields);
    if (st == CL_OK && strcmp(kind, "student") != 0) /* a student's own: cl_student_sync_tx */
        st = cl_followup_touch_record_tx(db, id, student_id);
    if (st == CL_OK)
        *id_out = id;
    return st;
}

cl_status cl_record_add(cl_vault *v, const char *kind, long long student_id, const json_t *fields,
                        long long parent_id, long long *id_out)
{
    if (!kind || !*kind)
        return cl_fail(CL_EUSAGE, _("say which kind of record to add (`carelog form list` names the kinds)"));
    if (strcmp(kind, "student") == 0)
        return cl_fail(CL_EUSAGE, _("a student's own record is made by `carelog student add`"));
    if (!json_is_object(fields))
        return cl_fail(CL_EDATA, _("the fields of a record must be a JSON object"));
    json_t *copy = json_deep_copy(fields);
    if (!copy)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    cl_status st = CL_OK;
    if (strcmp(kind, "review") == 0) {
        /* The plan is named by --parent or by the form's "plan" field. */
        json_t *plan = json_object_get(copy, "plan");
        if (json_is_integer(plan) && parent_id && json_integer_value(plan) != parent_id)
            st = cl_fail(CL_EDATA, _("field plan (对应的干预计划) says #%lld but the parent is #%lld; give one plan"),
                         (long long)json_integer_value(plan), parent_id);
        else if (json_is_integer(plan))
            parent_id = json_integer_value(plan);
        else if (parent_id && (!plan || json_is_null(plan)))
            json_object_set_new(copy, "plan", json_integer(parent_id));
        if (st == CL_OK && !parent_id)
            st = cl_fail(CL_EDATA, _("a review needs the plan it reviews: add --parent PLAN_ID"));
    } else if (parent_id) {
        st = cl_fail(CL_EUSAGE, _("only a review links to a parent record (a plan); a %s does not"), kind);
    }
    sqlite3 *db = cl_vault_db(v);
    cl_tx tx;
    if (st == CL_OK)
        st = cl_tx_begin(db, &tx);
    else {
        json_decref(copy);
        return st;
    }
    long long id = 0;
    if (st == CL_OK) {
        st = cl_record_insert_tx(v, kind, student_id, copy, parent_id, &id);
        if (st == CL_OK) {
            char target[48], detail[96];
            snprintf(target, sizeof target, "record %lld", id);
            snprintf(detail, sizeof detail, "%.40s for student #%lld", kind, student_id);
            st = cl_vault_audit(v, "record.create", target, detail);
        }
        st = cl_tx_end(&tx, st);
        if (st == CL_OK)
            cl_crash_point("record-add-committed"); /* saved, not yet checkpointed */
    }
    json_decref(copy);
    if (st == CL_OK && id_out)
        *id_out = id;
    return st;
}

typedef struct row {
    char *kind, *fields, *occurred, *updated_at, *updated_by, *signed_at, *signed_by;
    long long student_id, version, form_id, parent_id;
    long long merged_into; /* for a student's details: the student kept, else 0 */
} row;

static void row_free(row *r)
{
    free(r->kind);
    free(r->fields);
    free(r->occurred);
    free(r->updated_at);
    free(r->updated_by);
    free(r->signed_at);
    free(r->signed_by);
}

static char *col_dup(sqlite3_stmt *q, int c)
{
    const unsigned char *s = sqlite3_column_text(q, c);
    return s ? strdup((const char *)s) : NULL;
}

static cl_status read_row(sqlite3 *db, long long id, row *r)
{
    memset(r, 0, sizeof *r);
    sqlite3_stmt *q;
    cl_status st = cl_db_cached(db, "SELECT kind, fields, occurred_at, updated_at, updated_by, signed_at, signed_by, "
                                     "student_id, version, form_id, COALESCE(parent_id, 0),"
                                     " (SELECT COALESCE(merged_into, 0) FROM students WHERE record_id = records.id)"
                                     " FROM records WHERE id = ?",
                                 &q);
    if (st != CL_OK)
        return st;
    sqlite3_bind_int64(q, 1, id);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        r->kind = col_dup(q, 0);
        r->fields = col_dup(q, 1);
        r->occurred = col_dup(q, 2);
        r->updated_at = col_dup(q, 3);
        r->updated_by = col_dup(q, 4);
        r->signed_at = col_dup(q, 5);
        r->signed_by = col_dup(q, 6);
        r->student_id = sqlite3_column_int64(q, 7);
        r->version = sqlite3_column_int64(q, 8);
        r->form_id = sqlite3_column_int64(q, 9);
        r->parent_id = sqlite3_column_int64(q, 10);
        r->merged_into = sqlite3_column_int64(q, 11);
        if (!r->kind || !r->fields || !r->occurred || !r->updated_at || !r->updated_by)
            st = cl_fail(CL_ESOFTWARE, _("out of memory"));
    } else if (rc == SQLITE_DONE) {
        st = cl_fail(CL_ENOTFOUND, _("there is no record #%lld (`carelog record list` shows them)"), id);
    } else {
        st = cl_db_fail(db, "reading the record");
    }
    sqlite3_reset(q);
    return st;
}

/* The fields after applying changes (null removes). */
static json_t *merged_fields(const char *old_text, const json_t *changes)
{
    json_t *f = json_loads(old_text, 0, NULL);
    if (!json_is_object(f)) {
        json_decref(f);
        f = json_object();
    }
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)changes, key, val) {
        if (json_is_null(val))
            json_object_del(f, key);
        else
            json_object_set_new(f, key, json_deep_copy(val));
    }
    return f;
}

/* An edit of a version that is no longer current: says who changed it and
 * where to look again — a student's details by the student, as they were
 * read (`student show`), other records by their id. */
static cl_status stale_edit(const row *r, long long id, long long expected_version)
{
    if (strcmp(r->kind, "student") != 0)
        return cl_fail(CL_ECONFLICT, _("record #%lld was changed by %s at %s (it is now version %lld; you edited version "
                                     "%lld). Nothing was saved: look at it again (`carelog record show %lld`) and redo "
                                     "your change on version %lld"), id, r->updated_by, r->updated_at, r->version,
                       expected_version, id, r->version);
    json_t *f = json_loads(r->fields, 0, NULL);
    const char *number = cl_json_str(f, "number"), *name = cl_json_str(f, "name");
    cl_status st = cl_fail(CL_ECONFLICT, _("student %s (%s) was changed by %s at %s (it is now version %lld; you edited "
                                         "version %lld). Nothing was saved: run `carelog student show %s` and redo "
                                         "your change on version %lld"), number ? number : "?", name ? name : "?",
                           r->updated_by, r->updated_at, r->version, expected_version, number ? number : "?",
                           r->version);
    json_decref(f);
    return st;
}

/* A student's details keep their number, name and class in the one form
 * every lookup uses, whichever path edits them. */
static cl_status validate_edit(const cl_form *form, const char *kind, json_t *fields)
{
    json_t *problems = json_array();
    cl_status st = problems ? CL_OK : cl_fail(CL_ESOFTWARE, _("out of memory"));
    if (st == CL_OK && strcmp(kind, "student") == 0)
        st = cl_identifier_normalise_student(fields, problems);
    if (st == CL_OK)
        st = cl_form_validate_into(form, fields, problems);
    json_decref(problems);
    return st;
}

cl_status cl_record_edit_tx(cl_vault *v, long long id, long long expected_version, const json_t *changes,
                            const char *action, long long *new_version)
{
    if (!json_is_object(changes))
        return cl_fail(CL_EDATA, _("the changes to a record must be a JSON object"));
    sqlite3 *db = cl_vault_db(v);
    row r;
    cl_status st = read_row(db, id, &r);
    if (st != CL_OK) {
        row_free(&r);
        return st;
    }
    json_t *fields = NULL;
    if (r.signed_at)
        st = cl_fail(CL_EPERM, _("record #%lld was signed on %s by %s and can no longer be edited; add an amendment "
                               "instead (`carelog record amend %lld --text …`)"), id, r.signed_at,
                     r.signed_by ? r.signed_by : "?", id);
    else if (r.merged_into)
        st = cl_fail(CL_EDATA, _("record #%lld holds the details of a student merged into #%lld; change #%lld instead"),
                     id, r.merged_into, r.merged_into);
    else if (r.version != expected_version)
        st = stale_edit(&r, id, expected_version);
    else if (r.version >= LLONG_MAX)
        st = cl_fail(CL_EDATA, _("record #%lld is at version %lld and cannot count further; nothing was saved"), id,
                     r.version);
    const cl_form *form = NULL;
    long long form_id = 0;
    if (st == CL_OK)
        st = cl_catalog_current(v, r.kind, &form, &form_id);
    if (st == CL_OK) {
        fields = merged_fields(r.fields, changes);
        if (!fields)
            st = cl_fail(CL_ESOFTWARE, _("out of memory"));
    }
    if (st == CL_OK && strcmp(r.kind, "review") == 0) {
        json_t *plan = json_object_get(fields, "plan");
        if (!json_is_integer(plan) || json_integer_value(plan) != r.parent_id)
            st = cl_fail(CL_EDATA, _("field plan (对应的干预计划): a review stays with plan #%lld; add a new review for "
                                   "another plan"), r.parent_id);
    }
    if (st == CL_OK)
        st = validate_edit(form, r.kind, fields);
    if (st == CL_OK)
        st = check_not_future(fields);
    char *text = NULL;
    bool same = false;
    if (st == CL_OK) {
        json_t *old = json_loads(r.fields, 0, NULL);
        same = old && json_equal(old, fields) && form_id == r.form_id;
        json_decref(old);
        text = dump(fields);
        if (!text)
            st = cl_fail(CL_ESOFTWARE, _("out of memory"));
    }
    if (st == CL_OK && same) {
        /* Nothing changed: no new version. */
        if (new_version)
            *new_version = r.version;
        free(text);
        json_decref(fields);
        row_free(&r);
        return CL_OK;
    }
    sqlite3_stmt *q;
    if (st == CL_OK)
        st = cl_db_cached(db, "INSERT INTO record_versions(record_id, version, form_id, fields, occurred_at, "
                               "updated_at, updated_by) SELECT id, version, form_id, fields, occurred_at, updated_at, "
                               "updated_by FROM records WHERE id = ?", &q);
    if (st == CL_OK) {
        sqlite3_bind_int64(q, 1, id);
        if (sqlite3_step(q) != SQLITE_DONE)
            st = cl_db_fail(db, "keeping the earlier version");
        sqlite3_reset(q);
    }
    char occurred[32], now[32];
    occurred_of(fields, occurred);
    if (strcmp(r.kind, "student") == 0 || !json_object_get(fields, "occurred_at"))
        snprintf(occurred, sizeof occurred, "%s", r.occurred); /* a student's record keeps its date */
    cl_now_iso(now);
    const char *follow_up = cl_json_str(fields, "follow_up");
    if (st == CL_OK)
        st = cl_db_cached(db, "UPDATE records SET fields = ?, form_id = ?, version = version + 1, occurred_at = ?, "
                               "follow_up = ?, updated_at = ?, updated_by = ? WHERE id = ? AND version = ?", &q);
    if (st == CL_OK) {
        sqlite3_bind_text(q, 1, text, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 2, form_id);
        sqlite3_bind_text(q, 3, occurred, -1, SQLITE_STATIC);
        if (follow_up && *follow_up)
            sqlite3_bind_text(q, 4, follow_up, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 5, now, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 6, cl_vault_user(v), -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 7, id);
        sqlite3_bind_int64(q, 8, r.version);
        if (sqlite3_step(q) != SQLITE_DONE)
            st = cl_db_fail(db, "saving the record");
        else if (sqlite3_changes(db) != 1)
            st = cl_fail(CL_ECONFLICT, _("record #%lld changed while saving; look at it again and redo your change"), id);
        sqlite3_reset(q);
    }
    if (st == CL_OK && strcmp(r.kind, "student") == 0) {
        json_t *old = json_loads(r.fields, 0, NULL);
        const char *a = cl_json_str(old, "number"), *b = cl_json_str(fields, "number");
        st = cl_student_sync_tx(v, r.student_id, fields, !a || !b || strcmp(a, b) != 0);
        json_decref(old);
    }
    if (st == CL_OK && strcmp(r.kind, "assessment") == 0)
        st = cl_student_refresh_risk_tx(db, r.student_id);
    if (st == CL_OK)
        st = apply_score(v, form, id, r.student_id, fields);
    if (st == CL_OK && strcmp(r.kind, "student") != 0)
        st = cl_followup_touch_record_tx(db, id, r.student_id);
    if (st == CL_OK && action) {
        char target[48], detail[64];
        snprintf(target, sizeof target, "record %lld", id);
        snprintf(detail, sizeof detail, "version %lld", r.version + 1);
        st = cl_vault_audit(v, action, target, detail);
    }
    if (st == CL_OK && new_version)
        *new_version = r.version + 1;
    free(text);
    json_decref(fields);
    row_free(&r);
    return st;
}

cl_status cl_record_edit(cl_vault *v, long long id, long long expected_version, const json_t *changes,
                         long long *new_version)
{
    sqlite3 *db = cl_vault_db(v);
    cl_tx tx;
    cl_status st = cl_tx_begin(db, &tx);
    if (st != CL_OK)
        return st;
    st = cl_record_edit_tx(v, id, expected_version, changes, "record.edit", new_version);
    return cl_tx_end(&tx, st);
}
