#include "carelog/agenda.h"
#include "carelog/i18n.h"
#include "carelog/inbox.h"

#include "carelog/followup.h"
#include "carelog/referral.h"
#include "carelog/storage.h"

static cl_status open_flags(cl_vault *v, json_t *out)
{
    sqlite3_stmt *q;
    cl_status st = cl_db_prepare(cl_vault_db(v),
                                 "SELECT f.id, f.flag, f.label_zh, f.label_en, f.raised_at, f.record_id,"
                                 "       s.id, s.number, s.name, s.class, s.risk_level"
                                 "  FROM flags f JOIN students s ON s.id = f.student_id"
                                 " WHERE f.cleared_at IS NULL AND s.merged_into IS NULL"
                                 "   AND s.status NOT IN ('closed', 'transferred')"
                                 " ORDER BY f.raised_at, f.id", &q);
    if (st != CL_OK)
        return st;
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        json_array_append_new(out, json_pack("{s:I, s:s, s:s, s:s, s:s, s:I, s:I, s:s, s:s, s:s, s:i}",
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
            "risk_level", sqlite3_column_int(q, 10)));
    }
    if (rc != SQLITE_DONE)
        st = cl_db_fail(cl_vault_db(v), "reading open flags");
    sqlite3_finalize(q);
    return st;
}

/* ---- teachers' observations waiting in the inbox (inbox.h) ---- */
static cl_status add_new_observations(cl_vault *v, json_t *agenda)
{
    long long count = 0, urgent = 0;
    cl_status st = cl_inbox_pending_count(v, &count, &urgent);
    if (st != CL_OK) {
        json_decref(agenda);
        return st;
    }
    json_object_set_new(agenda, "new_observations",
                        json_pack("{s:I, s:I}", "count", (json_int_t)count, "urgent", (json_int_t)urgent));
    json_object_set_new(json_object_get(agenda, "counts"), "new_observations", json_integer(count));
    return CL_OK;
}

cl_status cl_agenda_attention(cl_vault *v, json_t **out)
{
    json_t *flags = json_array(), *overdue = json_array(), *late = json_array(), *today = json_array();
    json_t *due = NULL, *referrals = NULL;
    cl_status st = open_flags(v, flags);
    if (st == CL_OK)
        st = cl_followup_due(v, NULL, 0, &due);
    if (st == CL_OK)
        st = cl_referral_list(v, true, &referrals);
    size_t i;
    json_t *row;
    if (st == CL_OK) {
        json_array_foreach(due, i, row) {
            json_int_t days = json_integer_value(json_object_get(row, "days_overdue"));
            json_array_append(days > 0 ? overdue : today, row);
        }
        json_array_foreach(referrals, i, row)
            if (json_is_string(json_object_get(row, "late")))
                json_array_append(late, row);
    }
    json_decref(due);
    json_decref(referrals);
    if (st != CL_OK) {
        json_decref(flags), json_decref(overdue), json_decref(late), json_decref(today);
        return st;
    }
    json_t *counts = json_pack("{s:I, s:I, s:I, s:I}", "flags", (json_int_t)json_array_size(flags),
                               "overdue", (json_int_t)json_array_size(overdue), "late_referrals",
                               (json_int_t)json_array_size(late), "due_today", (json_int_t)json_array_size(today));
    *out = json_pack("{s:o, s:o, s:o, s:o, s:o}", "flags", flags, "overdue", overdue, "late_referrals", late,
                     "due_today", today, "counts", counts);
    return *out ? add_new_observations(v, *out) : cl_fail(CL_ESOFTWARE, _("out of memory"));
}
