#include "carelog/draft.h"

#include <stdlib.h>

#include "carelog/clock.h"
#include "carelog/i18n.h"
#include "carelog/storage.h"
#include "record_internal.h"

cl_status cl_draft_save(cl_vault *v, const char *kind, long long student_id, long long record_id,
                        long long base_version, const json_t *fields, long long *id)
{
    char *text = json_dumps(fields, JSON_COMPACT);
    if (!text)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    char now[24];
    cl_time_iso(cl_now(), now, sizeof now);
    sqlite3 *db = cl_vault_db(v);
    sqlite3_stmt *q = NULL;
    cl_status st = cl_db_prepare(db,
                                 *id ? "UPDATE drafts SET fields = ?1, saved_at = ?2 WHERE id = ?3 AND author = ?4"
                                     : "INSERT INTO drafts (fields, saved_at, author, kind, student_id, record_id,"
                                       " base_version) VALUES (?1, ?2, ?4, ?5, ?6, ?7, ?8)",
                                 &q);
    if (st == CL_OK) {
        sqlite3_bind_text(q, 1, text, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 2, now, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 4, cl_vault_user(v), -1, SQLITE_STATIC);
        if (*id) {
            sqlite3_bind_int64(q, 3, *id);
        } else {
            sqlite3_bind_text(q, 5, kind, -1, SQLITE_STATIC);
            if (student_id)
                sqlite3_bind_int64(q, 6, student_id);
            if (record_id)
                sqlite3_bind_int64(q, 7, record_id);
            sqlite3_bind_int64(q, 8, base_version);
        }
        if (sqlite3_step(q) != SQLITE_DONE)
            st = cl_db_fail(db, _("keeping the draft"));
        else if (*id && sqlite3_changes(db) == 0)
            st = cl_fail(CL_ENOTFOUND, _("draft #%lld is gone"), *id);
        else if (!*id)
            *id = sqlite3_last_insert_rowid(db);
    }
    sqlite3_finalize(q);
    free(text);
    return st;
}

cl_status cl_draft_list(cl_vault *v, json_t **out)
{
    sqlite3 *db = cl_vault_db(v);
    sqlite3_stmt *q = NULL;
    cl_status st = cl_db_prepare(db,
                                 "SELECT d.id, d.kind, d.student_id, s.number, s.name, d.record_id, d.base_version,"
                                 " d.saved_at, d.fields FROM drafts d LEFT JOIN students s ON s.id = d.student_id"
                                 " WHERE d.author = ? ORDER BY d.saved_at DESC, d.id DESC",
                                 &q);
    json_t *list = json_array();
    if (st == CL_OK && !list)
        st = cl_fail(CL_ESOFTWARE, _("out of memory"));
    if (st == CL_OK)
        sqlite3_bind_text(q, 1, cl_vault_user(v), -1, SQLITE_STATIC);
    int rc;
    while (st == CL_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        json_t *fields = cl_json_column(q, 8);
        json_array_append_new(
            list, json_pack("{s:I, s:o, s:I, s:o, s:o, s:I, s:I, s:o, s:o}", "id",
                            (json_int_t)sqlite3_column_int64(q, 0), "kind", cl_column_string(q, 1), "student_id",
                            (json_int_t)sqlite3_column_int64(q, 2), "number", cl_column_string(q, 3), "name",
                            cl_column_string(q, 4), "record_id", (json_int_t)sqlite3_column_int64(q, 5),
                            "base_version", (json_int_t)sqlite3_column_int64(q, 6), "saved_at",
                            cl_column_string(q, 7), "fields", fields ? fields : json_object()));
    }
    if (st == CL_OK && rc != SQLITE_DONE)
        st = cl_db_fail(db, _("reading the drafts"));
    sqlite3_finalize(q);
    if (st != CL_OK) {
        json_decref(list);
        return st;
    }
    *out = list;
    return CL_OK;
}

cl_status cl_draft_delete(cl_vault *v, long long id)
{
    sqlite3 *db = cl_vault_db(v);
    sqlite3_stmt *q = NULL;
    cl_status st = cl_db_prepare(db, "DELETE FROM drafts WHERE id = ? AND author = ?", &q);
    if (st == CL_OK) {
        sqlite3_bind_int64(q, 1, id);
        sqlite3_bind_text(q, 2, cl_vault_user(v), -1, SQLITE_STATIC);
        if (sqlite3_step(q) != SQLITE_DONE)
            st = cl_db_fail(db, _("throwing the draft away"));
        else if (sqlite3_changes(db) == 0)
            st = cl_fail(CL_ENOTFOUND, _("there is no draft #%lld"), id);
    }
    sqlite3_finalize(q);
    return st;
}
