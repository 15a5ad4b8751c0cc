/* The office's lists: the referrals it received, each with its files and
 * the receipts it sent. */
#include "carelog/bundle.h"
#include "carelog/i18n.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bundle_internal.h"
#include "carelog/clock.h"
#include "carelog/storage.h"
#include "carelog/text.h"

/* The columns every listing of received referrals shows; student and
 * reason come from the summary the school sent. */
#define RECEIVED_COLUMNS                                                                                           \
    "SELECT b.id, s.name, s.fingerprint, b.referral_id, b.export_id, b.sent_at, b.received_at, b.state,"          \
    " b.state_at, json_extract(CAST(f.content AS TEXT), '$.student.name'),"                                       \
    " json_extract(CAST(f.content AS TEXT), '$.referral.fields.reason'),"                                         \
    " json_extract(CAST(f.content AS TEXT), '$.referral.fields.urgency')"                                         \
    " FROM received_bundles b JOIN trusted_schools s ON s.id = b.school_id"                                       \
    " LEFT JOIN received_files f ON f.bundle_id = b.id AND f.name = 'referral.json'"

static const char *col(sqlite3_stmt *q, int i)
{
    return (const char *)sqlite3_column_text(q, i);
}

static long long age_days(const char *iso)
{
    struct tm tm = {0};
    if (!iso || sscanf(iso, "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
                       &tm.tm_sec) != 6)
        return 0;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    double d = difftime(cl_now(), timegm(&tm)) / 86400.0;
    return d > 0 ? (long long)d : 0;
}

/* When a received referral waits too long for the office: a receipt is
 * due within three days of receiving (the feedback time of the
 * mandatory-reporting rules), news within a week of acknowledging. */
static const struct {
    const char *state;
    int days;
    const char *reason;
} office_late[] = {
    {"received", 3, "no receipt sent"},
    {"acknowledged", 7, "acknowledged but no handling"},
};

static json_t *late_of(const char *state, long long days)
{
    for (size_t i = 0; state && i < sizeof office_late / sizeof *office_late; i++)
        if (strcmp(office_late[i].state, state) == 0 && days >= office_late[i].days) {
            char text[96];
            snprintf(text, sizeof text, "%s for %lld days", office_late[i].reason, days);
            return json_string(text);
        }
    return json_null();
}

static json_t *row_json(sqlite3_stmt *q)
{
    long long days = age_days(col(q, 8));
    json_t *o = json_pack("{s:I, s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:I, s:s?, s:s?, s:s?}", "id",
                          (json_int_t)sqlite3_column_int64(q, 0), "school", col(q, 1), "school_fingerprint", col(q, 2),
                          "referral_id", (json_int_t)sqlite3_column_int64(q, 3), "export_id", col(q, 4), "sent_at",
                          col(q, 5), "received_at", col(q, 6), "state", col(q, 7), "state_at", col(q, 8), "age_days",
                          (json_int_t)days, "student", col(q, 9), "reason", col(q, 10), "urgency", col(q, 11));
    json_object_set_new(o, "late", late_of(col(q, 7), days));
    return o;
}

static cl_status audit_read(cl_vault *v, const char *action, const char *target)
{
    bool sp;
    cl_status st = party_tx_begin(v, &sp);
    if (st == CL_OK)
        st = cl_vault_audit(v, action, target, "");
    return party_tx_end(v, sp, st);
}

cl_status cl_office_referrals(cl_vault *v, json_t **out)
{
    cl_status st = cl_vault_require_role(v, true, "office referrals");
    sqlite3_stmt *q;
    if (st == CL_OK)
        st = cl_db_prepare(cl_vault_db(v), RECEIVED_COLUMNS " ORDER BY s.name, CASE b.state WHEN 'received' THEN 0"
                                                            " WHEN 'acknowledged' THEN 1 WHEN 'handling' THEN 2 WHEN"
                                                            " 'support' THEN 3 ELSE 4 END, b.state_at",
                           &q);
    if (st != CL_OK)
        return st;
    json_t *list = json_array();
    while (sqlite3_step(q) == SQLITE_ROW)
        json_array_append_new(list, row_json(q));
    sqlite3_finalize(q);
    st = audit_read(v, "office.referrals", "received_bundles");
    if (st != CL_OK) {
        json_decref(list);
        return st;
    }
    *out = list;
    return CL_OK;
}

cl_status cl_office_referral_get(cl_vault *v, long long id, json_t **out)
{
    cl_status st = cl_vault_require_role(v, true, "office show");
    sqlite3_stmt *q;
    if (st == CL_OK)
        st = cl_db_prepare(cl_vault_db(v), RECEIVED_COLUMNS " WHERE b.id = ?", &q);
    if (st != CL_OK)
        return st;
    sqlite3_bind_int64(q, 1, id);
    if (sqlite3_step(q) != SQLITE_ROW) {
        sqlite3_finalize(q);
        return cl_fail(CL_ENOTFOUND, _("there is no received referral %lld in this office vault (`carelog office "
                                     "referrals` lists them)"), id);
    }
    json_t *o = row_json(q);
    sqlite3_finalize(q);
    json_t *files = json_array(), *receipts = json_array();
    st = cl_db_prepare(cl_vault_db(v), "SELECT name, content FROM received_files WHERE bundle_id = ? ORDER BY name",
                       &q);
    if (st == CL_OK) {
        sqlite3_bind_int64(q, 1, id);
        while (sqlite3_step(q) == SQLITE_ROW) {
            const unsigned char *data = sqlite3_column_blob(q, 1);
            size_t len = (size_t)sqlite3_column_bytes(q, 1);
            char sha[65];
            hash_sha256_hex(data ? data : (const unsigned char *)"", len, sha);
            json_array_append_new(files, json_pack("{s:s, s:I, s:s}", "name", col(q, 0), "size", (json_int_t)len,
                                                   "sha256", sha));
            if (strcmp(col(q, 0), "referral.json") == 0)
                json_object_set_new(o, "summary", json_loadb((const char *)data, len, 0, NULL));
        }
        sqlite3_finalize(q);
        st = cl_db_prepare(cl_vault_db(v), "SELECT receipt_id, status, note, at, actor FROM receipts_sent"
                                           " WHERE bundle_id = ? ORDER BY at, rowid", &q);
    }
    if (st == CL_OK) {
        sqlite3_bind_int64(q, 1, id);
        while (sqlite3_step(q) == SQLITE_ROW)
            json_array_append_new(receipts, json_pack("{s:s, s:s, s:s, s:s, s:s}", "receipt_id", col(q, 0), "status",
                                                      col(q, 1), "note", col(q, 2), "at", col(q, 3), "actor",
                                                      col(q, 4)));
        sqlite3_finalize(q);
    }
    json_object_set_new(o, "files", files);
    json_object_set_new(o, "receipts", receipts);
    char target[32];
    snprintf(target, sizeof target, "bundle:%lld", id);
    if (st == CL_OK)
        st = audit_read(v, "office.show", target);
    if (st != CL_OK) {
        json_decref(o);
        return st;
    }
    *out = o;
    return CL_OK;
}

cl_status cl_office_received_file(cl_vault *v, long long id, const char *name, unsigned char **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    cl_status st = cl_vault_require_role(v, true, "office export");
    sqlite3_stmt *q;
    if (st == CL_OK)
        st = cl_db_prepare(cl_vault_db(v), "SELECT name, content FROM received_files WHERE bundle_id = ? ORDER BY name",
                           &q);
    if (st != CL_OK)
        return st;
    sqlite3_bind_int64(q, 1, id);
    cl_buf names = {0};
    while (st == CL_OK && !*out && sqlite3_step(q) == SQLITE_ROW) {
        if (strcmp(col(q, 0), name) != 0) {
            cl_buf_printf(&names, "%s%s", names.len ? ", " : "", col(q, 0));
            continue;
        }
        size_t n = (size_t)sqlite3_column_bytes(q, 1);
        unsigned char *copy = malloc(n ? n : 1);
        if (!copy)
            st = cl_fail(CL_ESOFTWARE, _("out of memory"));
        else {
            if (n)
                memcpy(copy, sqlite3_column_blob(q, 1), n);
            *out = copy;
            *len = n;
        }
    }
    sqlite3_finalize(q);
    if (st == CL_OK && !*out)
        st = names.len ? cl_fail(CL_ENOTFOUND, _("received referral %lld has no %s; the school's bundle holds %s"), id,
                                 name, names.data)
                       : cl_fail(CL_ENOTFOUND, _("there is no received referral %lld in this office vault (`carelog "
                                                 "office referrals` lists them)"),
                                 id);
    cl_buf_free(&names);
    return st;
}
