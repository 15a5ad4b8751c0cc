/* Triage of the observations teachers sent: list, show, accept onto a
 * student, dismiss; the quarantine; the count the home screen shows. */
#include "carelog/inbox.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "carelog/record.h"
#include "carelog/storage.h"
#include "carelog/student.h"
#include "carelog/i18n.h"
#include "carelog/text.h"
#include "record_internal.h"

/* Columns shared by the list and one observation; student_id is the
 * student the observation names, when exactly one matches. */
#define ROW_SQL                                                                                                       \
    "SELECT i.id, i.received_at, i.written_at, t.name, t.fingerprint, i.student_number, i.student_name,"              \
    " i.student_class, i.severity, i.payload, i.status, i.record_id,"                                                 \
    " COALESCE((SELECT s.id FROM students s WHERE i.student_number <> '' AND s.number = i.student_number"             \
    "   AND s.merged_into IS NULL AND (SELECT count(*) FROM students u WHERE u.number = s.number"                     \
    "   AND u.merged_into IS NULL) = 1),"                                                                             \
    "  (SELECT s.id FROM students s WHERE i.student_number = '' AND s.name = i.student_name"                          \
    "   AND (i.student_class = '' OR s.class = i.student_class) AND s.merged_into IS NULL AND"                        \
    "   (SELECT count(*) FROM students u WHERE u.name = s.name AND (i.student_class = '' OR u.class = i.student_class)" \
    "   AND u.merged_into IS NULL) = 1)),"                                                                            \
    " i.form_id, i.triaged_at, i.triaged_by, i.dismiss_reason, i.observation_id, i.counter"                          \
    " FROM inbox i JOIN teachers t ON t.id = i.teacher_id "

#define SEVERITY_ORDER "CASE i.severity WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END"

static json_t *int_or_null(sqlite3_stmt *q, int c)
{
    return sqlite3_column_type(q, c) == SQLITE_NULL ? json_null() : json_integer(sqlite3_column_int64(q, c));
}

static json_t *row_json(sqlite3_stmt *q, bool full)
{
    json_t *payload = cl_json_column(q, 9);
    const json_t *fields = json_object_get(payload, "fields");
    char *summary = cl_text_fit(cl_json_str(fields, "description") ? cl_json_str(fields, "description") : "", 48, false);
    json_t *o = json_pack("{s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:s, s:o, s:o, s:o}", "id",
                          (json_int_t)sqlite3_column_int64(q, 0), "received_at", cl_column_string(q, 1),
                          "written_at", cl_column_string(q, 2), "teacher", cl_column_string(q, 3),
                          "teacher_fingerprint", cl_column_string(q, 4), "student_number", cl_column_string(q, 5),
                          "student_name", cl_column_string(q, 6), "student_class", cl_column_string(q, 7),
                          "severity", cl_column_string(q, 8), "summary", summary ? summary : "", "status",
                          cl_column_string(q, 10), "record_id", int_or_null(q, 11), "student_id", int_or_null(q, 12));
    free(summary);
    if (o && full) {
        char id_hex[33];
        const void *id = sqlite3_column_blob(q, 17);
        if (id && sqlite3_column_bytes(q, 17) == 16)
            sodium_bin2hex(id_hex, sizeof id_hex, id, 16);
        else
            id_hex[0] = '\0';
        json_object_set(o, "fields", fields ? (json_t *)fields : json_object());
        json_object_set_new(o, "form_id", json_integer(sqlite3_column_int64(q, 13)));
        json_object_set_new(o, "triaged_at", cl_column_string(q, 14));
        json_object_set_new(o, "triaged_by", cl_column_string(q, 15));
        json_object_set_new(o, "dismiss_reason", cl_column_string(q, 16));
        json_object_set_new(o, "observation_id", json_string(id_hex));
        json_object_set_new(o, "counter", json_integer(sqlite3_column_int64(q, 18)));
    }
    json_decref(payload);
    return o;
}

cl_status cl_inbox_list(cl_vault *v, bool all, json_t **out)
{
    sqlite3 *db = cl_vault_db(v);
    sqlite3_stmt *q;
    cl_status st = cl_db_prepare(db, ROW_SQL "WHERE ?1 OR i.status = 'new' ORDER BY i.status <> 'new', "
                                 SEVERITY_ORDER ", i.received_at, i.id", &q);
    if (st != CL_OK)
        return st;
    sqlite3_bind_int(q, 1, all);
    json_t *list = json_array();
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW)
        json_array_append_new(list, row_json(q, false));
    if (rc != SQLITE_DONE)
        st = cl_db_fail(db, "listing the inbox");
    sqlite3_finalize(q);
    if (st != CL_OK) {
        json_decref(list);
        return st;
    }
    *out = list;
    return CL_OK;
}

static cl_status get_row(cl_vault *v, long long id, json_t **out)
{
    sqlite3 *db = cl_vault_db(v);
    sqlite3_stmt *q;
    cl_status st = cl_db_prepare(db, ROW_SQL "WHERE i.id = ?", &q);
    if (st != CL_OK)
        return st;
    sqlite3_bind_int64(q, 1, id);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        *out = row_json(q, true);
    else if (rc == SQLITE_DONE)
        st = cl_fail(CL_ENOTFOUND, _("there is no observation #%lld in the inbox (`carelog inbox list` shows them)"),
                     id);
    else
        st = cl_db_fail(db, "reading the inbox");
    sqlite3_finalize(q);
    return st == CL_OK && !*out ? cl_fail(CL_ESOFTWARE, _("out of memory")) : st;
}

cl_status cl_inbox_get(cl_vault *v, long long id, json_t **out)
{
    json_t *o = NULL;
    cl_status st = get_row(v, id, &o);
    if (st == CL_OK)
        st = cl_audit_view_tx(v, "inbox.view", "inbox", id);
    if (st != CL_OK) {
        json_decref(o);
        return st;
    }
    *out = o;
    return CL_OK;
}

static cl_status require_new(const json_t *o, long long id)
{
    const char *status = cl_json_str(o, "status");
    if (status && strcmp(status, "new") == 0)
        return CL_OK;
    return cl_fail(CL_EDATA, _("inbox #%lld was already %s; nothing was changed"), id,
                   status && strcmp(status, "accepted") == 0 ? _("accepted") : _("dismissed"));
}

static cl_status mark(sqlite3 *db, long long id, const char *status, long long record_id, const char *user,
                      const char *reason)
{
    char now[32];
    cl_now_iso(now);
    sqlite3_stmt *q;
    cl_status st = cl_db_prepare(db, "UPDATE inbox SET status = ?, record_id = ?, triaged_at = ?, triaged_by = ?, "
                                     "dismiss_reason = ? WHERE id = ? AND status = 'new'", &q);
    if (st != CL_OK)
        return st;
    sqlite3_bind_text(q, 1, status, -1, SQLITE_STATIC);
    if (record_id)
        sqlite3_bind_int64(q, 2, record_id);
    sqlite3_bind_text(q, 3, now, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 4, user, -1, SQLITE_STATIC);
    if (reason)
        sqlite3_bind_text(q, 5, reason, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 6, id);
    if (sqlite3_step(q) != SQLITE_DONE)
        st = cl_db_fail(db, "triaging the observation");
    else if (sqlite3_changes(db) != 1)
        st = cl_fail(CL_ECONFLICT, _("inbox #%lld was triaged meanwhile in another carelog; nothing was changed"), id);
    sqlite3_finalize(q);
    return st;
}

cl_status cl_inbox_accept(cl_vault *v, long long id, long long student_id, long long *record_id)
{
    json_t *o = NULL;
    cl_status st = get_row(v, id, &o);
    if (st == CL_OK)
        st = require_new(o, id);
    if (st == CL_OK && !student_id) {
        json_t *found = json_object_get(o, "student_id");
        if (json_is_integer(found))
            student_id = json_integer_value(found);
        else
            st = cl_fail(CL_ENOTFOUND, _("no single student matches the number or the name and class the teacher gave "
                                         "(number \"%s\", name \"%s\", class \"%s\"); say which with --student"),
                         cl_json_str(o, "student_number"), cl_json_str(o, "student_name"),
                         cl_json_str(o, "student_class"));
    }
    sqlite3 *db = cl_vault_db(v);
    cl_tx tx;
    long long rid = 0;
    if (st == CL_OK)
        st = cl_tx_begin(db, &tx);
    if (st == CL_OK) {
        st = cl_record_add(v, "observation", student_id, json_object_get(o, "fields"), 0, &rid);
        sqlite3_stmt *q;
        /* The teacher saw it and wrote it: the record is theirs. */
        if (st == CL_OK)
            st = cl_db_prepare(db, "UPDATE records SET author = ? WHERE id = ?", &q);
        if (st == CL_OK) {
            sqlite3_bind_text(q, 1, cl_json_str(o, "teacher"), -1, SQLITE_STATIC);
            sqlite3_bind_int64(q, 2, rid);
            if (sqlite3_step(q) != SQLITE_DONE)
                st = cl_db_fail(db, "naming the teacher as the author");
            sqlite3_finalize(q);
        }
        if (st == CL_OK)
            st = mark(db, id, "accepted", rid, cl_vault_user(v), NULL);
        if (st == CL_OK) {
            char target[48], detail[96];
            snprintf(target, sizeof target, "inbox %lld", id);
            snprintf(detail, sizeof detail, "record %lld for student #%lld", rid, student_id);
            st = cl_vault_audit(v, "inbox.accept", target, detail);
        }
        st = cl_tx_end(&tx, st);
    }
    json_decref(o);
    if (st == CL_OK && record_id)
        *record_id = rid;
    return st;
}

cl_status cl_inbox_dismiss(cl_vault *v, long long id, const char *reason)
{
    if (!reason || !*reason)
        return cl_fail(CL_EUSAGE, _("say why the observation is dismissed: --reason TEXT"));
    if (!cl_utf8_valid(reason, strlen(reason)) || cl_utf8_length(reason) > 2000)
        return cl_fail(CL_EDATA, _("the reason must be valid UTF-8 of at most 2000 characters"));
    json_t *o = NULL;
    cl_status st = get_row(v, id, &o);
    if (st == CL_OK)
        st = require_new(o, id);
    json_decref(o);
    sqlite3 *db = cl_vault_db(v);
    cl_tx tx;
    if (st == CL_OK)
        st = cl_tx_begin(db, &tx);
    if (st == CL_OK) {
        st = mark(db, id, "dismissed", 0, cl_vault_user(v), reason);
        if (st == CL_OK) {
            char target[48];
            snprintf(target, sizeof target, "inbox %lld", id);
            st = cl_vault_audit(v, "inbox.dismiss", target, reason);
        }
        st = cl_tx_end(&tx, st);
    }
    return st;
}

cl_status cl_inbox_quarantine(cl_vault *v, json_t **out)
{
    static const char *const keys[] = {"I:id", "received_at", "source", "reason", "detail", "teacher", "I:size", NULL};
    return cl_rows_json(cl_vault_db(v),
                                "SELECT q.id, q.received_at, q.source, q.reason, q.detail, t.name, length(q.content) "
                                "FROM quarantine q LEFT JOIN teachers t ON t.id = q.teacher_id WHERE ?1 = ?1 "
                                "ORDER BY q.id DESC", 0, keys, "listing the quarantine", out);
}

cl_status cl_inbox_pending_count(cl_vault *v, long long *count, long long *urgent)
{
    sqlite3 *db = cl_vault_db(v);
    sqlite3_stmt *q;
    cl_status st = cl_db_prepare(db, "SELECT count(*), count(*) FILTER (WHERE severity = 'urgent') FROM inbox "
                                     "WHERE status = 'new'", &q);
    if (st != CL_OK)
        return st;
    if (sqlite3_step(q) == SQLITE_ROW) {
        *count = sqlite3_column_int64(q, 0);
        if (urgent)
            *urgent = sqlite3_column_int64(q, 1);
    } else {
        st = cl_db_fail(db, "counting the inbox");
    }
    sqlite3_finalize(q);
    return st;
}
