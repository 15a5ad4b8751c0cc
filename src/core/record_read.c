/* Records: reading one, its history, lists, and rendering for people. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "carelog/catalog.h"
#include "carelog/i18n.h"
#include "carelog/clock.h"
#include "carelog/record.h"
#include "carelog/storage.h"
#include "carelog/referral.h"
#include "carelog/text.h"
#include "record_internal.h"

#define SUMMARY_CHARS 48

json_t *cl_column_string(sqlite3_stmt *q, int c)
{
    const unsigned char *s = sqlite3_column_text(q, c);
    return s ? json_string((const char *)s) : json_null();
}

static json_t *col_int_or_null(sqlite3_stmt *q, int c)
{
    return sqlite3_column_type(q, c) == SQLITE_NULL ? json_null() : json_integer(sqlite3_column_int64(q, c));
}

cl_status cl_rows_json(sqlite3 *db, const char *sql, long long id, const char *const *keys, const char *what,
                       json_t **out)
{
    sqlite3_stmt *q;
    cl_status st = cl_db_prepare(db, sql, &q);
    if (st != CL_OK)
        return st;
    sqlite3_bind_int64(q, 1, id);
    json_t *arr = json_array();
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        json_t *o = json_object();
        for (int c = 0; keys[c]; c++) {
            if (strncmp(keys[c], "I:", 2) == 0)
                json_object_set_new(o, keys[c] + 2, col_int_or_null(q, c));
            else
                json_object_set_new(o, keys[c], cl_column_string(q, c));
        }
        json_array_append_new(arr, o);
    }
    if (rc != SQLITE_DONE)
        st = cl_db_fail(db, what);
    sqlite3_finalize(q);
    if (st != CL_OK) {
        json_decref(arr);
        return st;
    }
    *out = arr;
    return CL_OK;
}

cl_status cl_audit_view_tx(cl_vault *v, const char *action, const char *what, long long id)
{
    cl_tx tx;
    cl_status st = cl_tx_begin(cl_vault_db(v), &tx);
    if (st != CL_OK)
        return st;
    char target[48];
    snprintf(target, sizeof target, "%s %lld", what, id);
    st = cl_vault_audit(v, action, target, NULL);
    return cl_tx_end(&tx, st);
}

cl_status cl_record_audit_view(cl_vault *v, long long id)
{
    return cl_audit_view_tx(v, "record.view", "record", id);
}

/* Where a record came from when it arrived with a student's transfer
 * (transfer.h): {school, fingerprint, transfer_id, source_record_id,
 * received_at}, else JSON null. */
static json_t *received_from(sqlite3 *db, long long id)
{
    sqlite3_stmt *q;
    if (cl_db_prepare(db, "SELECT s.name, s.fingerprint, i.transfer_id, t.source_record_id, i.received_at"
                          " FROM transferred_records t JOIN transfers_in i ON i.id = t.transfer_in_id"
                          " JOIN trusted_schools s ON s.id = i.school_id WHERE t.record_id = ?", &q) != CL_OK) {
        cl_error_clear();
        return json_null();
    }
    sqlite3_bind_int64(q, 1, id);
    json_t *from = NULL;
    if (sqlite3_step(q) == SQLITE_ROW)
        from = json_pack("{s:s, s:s, s:s, s:I, s:s}", "school", sqlite3_column_text(q, 0), "fingerprint",
                         sqlite3_column_text(q, 1), "transfer_id", sqlite3_column_text(q, 2), "source_record_id",
                         (json_int_t)sqlite3_column_int64(q, 3), "received_at", sqlite3_column_text(q, 4));
    sqlite3_finalize(q);
    return from ? from : json_null();
}

cl_status cl_record_get(cl_vault *v, long long id, bool audit, json_t **out)
{
    sqlite3 *db = cl_vault_db(v);
    sqlite3_stmt *q;
    cl_status st = cl_db_prepare(
        db,
        "SELECT r.id, r.student_id, s.name, s.number, r.kind, r.author, r.occurred_at, r.created_at, r.updated_at,"
        " r.updated_by, r.form_id, f.kind, f.version, r.version, r.fields, r.follow_up, r.parent_id, r.state,"
        " r.signed_at, r.signed_by, r.signature, r.signed_payload, r.score,"
        " (SELECT COUNT(*) FROM record_versions WHERE record_id = r.id)"
        " FROM records r JOIN students s ON s.id = r.student_id JOIN forms f ON f.id = r.form_id WHERE r.id = ?",
        &q);
    if (st != CL_OK)
        return st;
    sqlite3_bind_int64(q, 1, id);
    int rc = sqlite3_step(q);
    if (rc != SQLITE_ROW) {
        sqlite3_finalize(q);
        return rc == SQLITE_DONE
                   ? cl_fail(CL_ENOTFOUND, _("there is no record #%lld (`carelog record list` shows them)"), id)
                   : cl_db_fail(db, "reading the record");
    }
    json_t *fields = cl_json_column(q, 14);
    if (!json_is_object(fields)) {
        json_decref(fields);
        fields = json_object();
    }
    json_t *score = cl_json_column(q, 22);
    const char *kind = (const char *)sqlite3_column_text(q, 4);
    json_t *valid = json_null();
    if (sqlite3_column_type(q, 18) != SQLITE_NULL)
        valid = json_boolean(cl_record_signature_check(
            db, id, kind, sqlite3_column_int64(q, 1), (const char *)sqlite3_column_text(q, 6), fields,
            (const char *)sqlite3_column_text(q, 21), sqlite3_column_blob(q, 20), (size_t)sqlite3_column_bytes(q, 20)));
    json_t *r = json_object();
    json_object_set_new(r, "id", json_integer(id));
    json_object_set_new(r, "student_id", json_integer(sqlite3_column_int64(q, 1)));
    json_object_set_new(r, "student_name", cl_column_string(q, 2));
    json_object_set_new(r, "student_number", cl_column_string(q, 3));
    json_object_set_new(r, "kind", cl_column_string(q, 4));
    json_object_set_new(r, "author", cl_column_string(q, 5));
    json_object_set_new(r, "occurred_at", cl_column_string(q, 6));
    json_object_set_new(r, "created_at", cl_column_string(q, 7));
    json_object_set_new(r, "updated_at", cl_column_string(q, 8));
    json_object_set_new(r, "updated_by", cl_column_string(q, 9));
    json_object_set_new(r, "form_id", json_integer(sqlite3_column_int64(q, 10)));
    json_object_set_new(r, "form_kind", cl_column_string(q, 11));
    json_object_set_new(r, "form_version", json_integer(sqlite3_column_int64(q, 12)));
    json_object_set_new(r, "version", json_integer(sqlite3_column_int64(q, 13)));
    json_object_set_new(r, "fields", fields);
    json_object_set_new(r, "follow_up", cl_column_string(q, 15));
    json_object_set_new(r, "parent_id", col_int_or_null(q, 16));
    json_object_set_new(r, "state", cl_column_string(q, 17));
    json_object_set_new(r, "signed_at", cl_column_string(q, 18));
    json_object_set_new(r, "signed_by", cl_column_string(q, 19));
    json_object_set_new(r, "signature_valid", valid);
    json_object_set_new(r, "score", score ? score : json_null());
    json_object_set_new(r, "history_versions", json_integer(sqlite3_column_int64(q, 23)));
    bool referral = strcmp(kind, "referral") == 0, plan = strcmp(kind, "plan") == 0;
    sqlite3_finalize(q);
    json_object_set_new(r, "received_from", received_from(db, id));

    static const char *const amend_keys[] = {"I:id", "author", "at", "text", NULL};
    static const char *const trans_keys[] = {"I:id", "from", "to", "at", "actor", "note", NULL};
    static const char *const flag_keys[] = {"I:id", "flag", "label_zh", "label_en", "raised_at", "cleared_at",
                                            "cleared_by", "cleared_reason", NULL};
    static const char *const review_keys[] = {"I:id", "occurred_at", NULL};
    json_t *part;
    st = cl_rows_json(db, "SELECT id, author, at, text FROM amendments WHERE record_id = ? ORDER BY id", id, amend_keys,
                      "reading the record", &part);
    if (st == CL_OK)
        json_object_set_new(r, "amendments", part);
    if (st == CL_OK && referral) {
        st = cl_rows_json(db, "SELECT id, from_state, to_state, at, actor, note FROM referral_transitions "
                           "WHERE record_id = ? ORDER BY id", id, trans_keys, "reading the record", &part);
        if (st == CL_OK)
            json_object_set_new(r, "transitions", part);
    }
    if (st == CL_OK && plan) {
        st = cl_rows_json(db, "SELECT id, occurred_at FROM records WHERE parent_id = ? AND kind = 'review' "
                           "ORDER BY occurred_at, id", id, review_keys, "reading the record", &part);
        if (st == CL_OK)
            json_object_set_new(r, "reviews", part);
    }
    if (st == CL_OK) {
        st = cl_rows_json(db, "SELECT id, flag, label_zh, label_en, raised_at, cleared_at, cleared_by, cleared_reason "
                           "FROM flags WHERE record_id = ? ORDER BY id", id, flag_keys, "reading the record", &part);
        if (st == CL_OK)
            json_object_set_new(r, "flags", part);
    }
    if (st == CL_OK && audit)
        st = cl_record_audit_view(v, id);
    if (st != CL_OK) {
        json_decref(r);
        return st;
    }
    *out = r;
    return CL_OK;
}

cl_status cl_record_history(cl_vault *v, long long id, json_t **out)
{
    sqlite3 *db = cl_vault_db(v);
    sqlite3_stmt *q;
    cl_status st = cl_db_prepare(db,
                                 "SELECT h.version, h.occurred_at, h.updated_at, h.updated_by, f.version, h.fields, "
                                 "h.form_id FROM record_versions h JOIN forms f ON f.id = h.form_id WHERE h.record_id = ?1 "
                                 "UNION ALL "
                                 "SELECT r.version, r.occurred_at, r.updated_at, r.updated_by, f.version, r.fields, "
                                 "r.form_id "
                                 "FROM records r JOIN forms f ON f.id = r.form_id WHERE r.id = ?1 ORDER BY 1",
                                 &q);
    if (st != CL_OK)
        return st;
    sqlite3_bind_int64(q, 1, id);
    json_t *arr = json_array();
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        json_t *fields = cl_json_column(q, 5);
        json_array_append_new(arr, json_pack("{s:I, s:o, s:o, s:o, s:I, s:I, s:o}", "version",
                                             (json_int_t)sqlite3_column_int64(q, 0), "occurred_at", cl_column_string(q, 1),
                                             "updated_at", cl_column_string(q, 2), "updated_by", cl_column_string(q, 3), "form_version",
                                             (json_int_t)sqlite3_column_int64(q, 4), "form_id",
                                             (json_int_t)sqlite3_column_int64(q, 6), "fields",
                                             fields ? fields : json_object()));
    }
    if (rc != SQLITE_DONE)
        st = cl_db_fail(db, "reading the record's history");
    sqlite3_finalize(q);
    if (st == CL_OK && json_array_size(arr) == 0)
        st = cl_fail(CL_ENOTFOUND, _("there is no record #%lld (`carelog record list` shows them)"), id);
    if (st != CL_OK) {
        json_decref(arr);
        return st;
    }
    *out = arr;
    return CL_OK;
}

/* The first words of a string, on one line. */
static json_t *opening_words(const char *s)
{
    cl_buf b = {0};
    size_t n = 0;
    const char *end = s + strlen(s);
    while (*s && n < SUMMARY_CHARS) {
        uint32_t cp;
        size_t k = cl_utf8_decode(s, end, &cp);
        if (cp == '\n' || cp == '\r' || cp == '\t')
            cl_buf_puts(&b, " ");
        else
            cl_buf_append(&b, s, k);
        s += k;
        n++;
    }
    if (*s)
        cl_buf_puts(&b, "…");
    char *text = cl_buf_take(&b);
    json_t *j = json_string(text ? text : "");
    free(text);
    return j;
}

/* A list line's summary: a screening's score, else the opening words of
 * the first required long text, else of the first required text, else of
 * the first text with a value. */
static json_t *summary_of(const cl_form *f, const json_t *fields, const json_t *score, const char *lang)
{
    if (json_is_object(score) && json_object_get(score, "score")) {
        const char *band = cl_json_str(score, strcmp(lang, "zh") == 0 ? "band_zh" : "band_en");
        char *s = cl_strdup_printf("%s %lld/%lld %s", cl_form_title(f, lang),
                                   (long long)json_integer_value(json_object_get(score, "score")),
                                   (long long)json_integer_value(json_object_get(score, "max")), band ? band : "");
        json_t *j = json_string(s ? s : "");
        free(s);
        return j;
    }
    if (strcmp(lang, "zh") == 0)
        return NULL; /* a person's words are the same in both */
    for (int pass = 0; f && pass < 3; pass++)
        for (size_t i = 0; i < cl_form_field_count(f); i++) {
            const cl_field *fld = cl_form_field_at(f, i);
            bool text = fld->type == CL_FIELD_TEXT || fld->type == CL_FIELD_LONGTEXT;
            if (!text || (pass == 0 && (fld->type != CL_FIELD_LONGTEXT || !fld->required)) ||
                (pass == 1 && !fld->required))
                continue;
            const char *val = cl_json_str(fields, fld->id);
            if (val && *val)
                return opening_words(val);
        }
    return json_string("");
}

/* Whether a field id can stand in a JSON path as it is. */
static bool plain_id(const char *id)
{
    if (!id || !*id)
        return false;
    for (const char *c = id; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '_'))
            return false;
    return true;
}

/* Whether the field is the summary's candidate in pass (as summary_of
 * goes through them). */
static bool candidate_in(const cl_field *fld, int pass)
{
    bool text = fld->type == CL_FIELD_TEXT || fld->type == CL_FIELD_LONGTEXT;
    return text && !(pass == 0 && (fld->type != CL_FIELD_LONGTEXT || !fld->required)) && !(pass == 1 && !fld->required);
}

/* The English summary's opening text as SQL, so that a list row need not
 * parse the record's fields: for each form whose field ids are plain, the
 * first text candidate of summary_of that holds a string, cut to one code
 * point more than the summary shows ('' when none does); NULL for another
 * form or fields that are not JSON, which summary_of then reads from the
 * fields themselves. SQLite parses a row's fields once for all these
 * paths. */
static cl_status summary_source_sql(cl_vault *v, cl_buf *sql)
{
    sqlite3_stmt *q;
    cl_status st = cl_db_prepare(cl_vault_db(v), "SELECT id FROM forms ORDER BY id", &q);
    if (st != CL_OK)
        return st;
    cl_buf_puts(sql, "CASE WHEN json_valid(r.fields) THEN CASE r.form_id");
    while (st == CL_OK && sqlite3_step(q) == SQLITE_ROW) {
        const cl_form *f;
        long long form_id = sqlite3_column_int64(q, 0);
        if (cl_catalog_get(v, form_id, &f, NULL) != CL_OK) {
            cl_error_clear();
            continue;
        }
        size_t n = cl_form_field_count(f);
        bool plain = true;
        for (size_t i = 0; i < n; i++)
            plain = plain && (!candidate_in(cl_form_field_at(f, i), 2) || plain_id(cl_form_field_at(f, i)->id));
        if (!plain)
            continue;
        cl_buf_printf(sql, " WHEN %lld THEN coalesce(", form_id);
        for (int pass = 0; pass < 3; pass++)
            for (size_t i = 0; i < n; i++) {
                const cl_field *fld = cl_form_field_at(f, i);
                bool earlier = false; /* a field already tried in an earlier pass gives nothing new */
                for (int e = 0; e < pass; e++)
                    earlier = earlier || candidate_in(fld, e);
                if (!candidate_in(fld, pass) || earlier)
                    continue;
                cl_buf_printf(sql, "CASE WHEN json_type(r.fields, '$.%s') = 'text' THEN"
                                   " nullif(substr(json_extract(r.fields, '$.%s'), 1, %d), '') END, ",
                              fld->id, fld->id, SUMMARY_CHARS + 1);
            }
        cl_buf_puts(sql, "'')");
    }
    cl_buf_puts(sql, " END END");
    sqlite3_finalize(q);
    return sql->data ? st : cl_fail(CL_ESOFTWARE, _("out of memory"));
}

/* The list's statement for a filter, bound: its rows (columns as
 * cl_record_each reads them) or, with count, how many there are. */
static cl_status filter_prepare(cl_vault *v, const cl_record_filter *fl, bool count, sqlite3_stmt **out)
{
    char since[11] = "", until[11] = "";
    if (fl->since && !cl_date_parse(fl->since, since))
        return cl_fail(CL_EDATA, _("--since: \"%s\" is not a date; write it as YYYY-MM-DD"), fl->since);
    if (fl->until && !cl_date_parse(fl->until, until))
        return cl_fail(CL_EDATA, _("--until: \"%s\" is not a date; write it as YYYY-MM-DD"), fl->until);
    if (fl->kind) {
        const cl_form *f;
        cl_status st = cl_catalog_current(v, fl->kind, &f, NULL);
        if (st != CL_OK)
            return st;
    }
    /* A count needs no student (every record has one) and stops at the
     * page's limit. */
    cl_buf sql = {0};
    cl_status st = CL_OK;
    if (count) {
        cl_buf_puts(&sql, "SELECT count(*) FROM (SELECT 1 FROM records r WHERE 1");
    } else {
        cl_buf_puts(&sql, "SELECT r.id, r.student_id, s.name, s.number, r.kind, r.occurred_at, r.author, r.fields, "
                          "r.form_id, r.follow_up, r.state, r.signed_at IS NOT NULL, r.version, r.score, ");
        st = summary_source_sql(v, &sql);
        cl_buf_puts(&sql, " FROM records r JOIN students s ON s.id = r.student_id WHERE 1");
    }
    if (st != CL_OK) {
        cl_buf_free(&sql);
        return st;
    }
    if (fl->student_id)
        cl_buf_puts(&sql, " AND r.student_id = ?1");
    cl_buf_puts(&sql, fl->kind ? " AND r.kind = ?2" : " AND r.kind != 'student'");
    if (fl->since)
        cl_buf_puts(&sql, " AND substr(r.occurred_at, 1, 10) >= ?3");
    if (fl->until)
        cl_buf_puts(&sql, " AND substr(r.occurred_at, 1, 10) <= ?4");
    if (fl->before_id)
        cl_buf_puts(&sql, " AND (r.occurred_at, r.id) < (SELECT b.occurred_at, b.id FROM records b WHERE b.id = ?6)");
    if (!count)
        cl_buf_puts(&sql, " ORDER BY r.occurred_at DESC, r.id DESC");
    if (fl->limit > 0)
        cl_buf_puts(&sql, " LIMIT ?5");
    if (count)
        cl_buf_puts(&sql, ")");
    if (!sql.data)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    sqlite3 *db = cl_vault_db(v);
    sqlite3_stmt *q;
    st = cl_db_prepare(db, sql.data, &q);
    cl_buf_free(&sql);
    if (st != CL_OK)
        return st;
    if (fl->student_id)
        sqlite3_bind_int64(q, 1, fl->student_id);
    if (fl->kind)
        sqlite3_bind_text(q, 2, fl->kind, -1, SQLITE_STATIC);
    if (fl->since)
        sqlite3_bind_text(q, 3, since, -1, SQLITE_TRANSIENT);
    if (fl->until)
        sqlite3_bind_text(q, 4, until, -1, SQLITE_TRANSIENT);
    if (fl->limit > 0)
        sqlite3_bind_int64(q, 5, fl->limit);
    if (fl->before_id)
        sqlite3_bind_int64(q, 6, fl->before_id);
    *out = q;
    return CL_OK;
}

cl_status cl_record_count(cl_vault *v, const cl_record_filter *filter, long long *count)
{
    cl_record_filter none = {0};
    sqlite3_stmt *q;
    cl_status st = filter_prepare(v, filter ? filter : &none, true, &q);
    if (st != CL_OK)
        return st;
    if (sqlite3_step(q) == SQLITE_ROW)
        *count = sqlite3_column_int64(q, 0);
    else
        st = cl_db_fail(cl_vault_db(v), "counting the records");
    sqlite3_finalize(q);
    return st;
}

cl_status cl_record_each(cl_vault *v, const cl_record_filter *filter, cl_record_row_fn *row, void *ctx)
{
    cl_record_filter none = {0};
    sqlite3 *db = cl_vault_db(v);
    sqlite3_stmt *q;
    cl_status st = filter_prepare(v, filter ? filter : &none, false, &q);
    if (st != CL_OK)
        return st;
    int rc = SQLITE_DONE;
    /* A few forms serve a whole list: look each up once. */
    struct {
        long long id;
        const cl_form *form;
    } seen[16];
    size_t n_seen = 0;
    while (st == CL_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        const cl_form *f = NULL;
        long long form_id = sqlite3_column_int64(q, 8);
        for (size_t k = 0; k < n_seen && !f; k++)
            if (seen[k].id == form_id)
                f = seen[k].form;
        if (!f) {
            st = cl_catalog_get(v, form_id, &f, NULL);
            if (st == CL_OK && n_seen < sizeof seen / sizeof *seen) {
                seen[n_seen].id = form_id;
                seen[n_seen++].form = f;
            }
        }
        /* The fields are parsed only when SQL could not give the summary's
         * opening text (summary_source_sql). */
        json_t *score = cl_json_column(q, 13), *fields = NULL, *summary = NULL;
        const char *opening = (const char *)sqlite3_column_text(q, 14);
        if (opening && !(json_is_object(score) && json_object_get(score, "score")))
            summary = cl_utf8_valid(opening, strlen(opening)) ? opening_words(opening) : json_string("");
        else
            fields = cl_json_column(q, 7);
        json_t *o = json_object();
        json_object_set_new(o, "id", json_integer(sqlite3_column_int64(q, 0)));
        json_object_set_new(o, "student_id", json_integer(sqlite3_column_int64(q, 1)));
        json_object_set_new(o, "student_name", cl_column_string(q, 2));
        json_object_set_new(o, "student_number", cl_column_string(q, 3));
        json_object_set_new(o, "kind", cl_column_string(q, 4));
        json_object_set_new(o, "occurred_at", cl_column_string(q, 5));
        json_object_set_new(o, "author", cl_column_string(q, 6));
        json_object_set_new(o, "summary", summary ? summary : summary_of(st == CL_OK ? f : NULL, fields, score, "en"));
        json_t *zh = summary ? NULL : summary_of(st == CL_OK ? f : NULL, fields, score, "zh");
        if (zh)
            json_object_set_new(o, "summary_zh", zh);
        json_object_set_new(o, "follow_up", cl_column_string(q, 9));
        json_object_set_new(o, "state", cl_column_string(q, 10));
        json_object_set_new(o, "signed", json_boolean(sqlite3_column_int(q, 11)));
        json_object_set_new(o, "version", json_integer(sqlite3_column_int64(q, 12)));
        json_decref(fields);
        json_decref(score);
        if (st == CL_OK)
            st = row(o, ctx);
        json_decref(o);
    }
    if (st == CL_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
        st = cl_db_fail(db, "listing the records");
    sqlite3_finalize(q);
    return st;
}

static cl_status append_row(json_t *row, void *ctx)
{
    return json_array_append(ctx, row) == 0 ? CL_OK : cl_fail(CL_ESOFTWARE, _("out of memory"));
}

cl_status cl_record_list(cl_vault *v, const cl_record_filter *filter, json_t **out)
{
    json_t *arr = json_array();
    if (!arr)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    cl_status st = cl_record_each(v, filter, append_row, arr);
    if (st != CL_OK) {
        json_decref(arr);
        return st;
    }
    *out = arr;
    return CL_OK;
}

static const char *str_or(const json_t *o, const char *key, const char *dflt)
{
    const char *s = cl_json_str(o, key);
    return s ? s : dflt;
}

/* A stored time of o for people, in local time (see cl_time_local). */
static const char *local_at(const json_t *o, const char *key, char buf[32])
{
    cl_time_local(str_or(o, key, ""), false, buf, 32);
    return buf;
}

static const char *state_name(const char *name, bool en)
{
    const cl_referral_state *s = cl_referral_state_find(name);
    return s ? (en ? s->label_en : s->label_zh) : name;
}

cl_status cl_record_render(cl_vault *v, const json_t *rec, const char *lang, char **out)
{
    const cl_form *f;
    cl_status st = cl_catalog_get(v, json_integer_value(json_object_get(rec, "form_id")), &f, NULL);
    if (st != CL_OK)
        return st;
    bool en = lang && strncmp(lang, "en", 2) == 0;
    char at[32];
    cl_buf b = {0};
    cl_buf_printf(&b, "#%lld %s — %s (%s)\n", (long long)json_integer_value(json_object_get(rec, "id")),
                  cl_form_title(f, lang), str_or(rec, "student_name", ""), str_or(rec, "student_number", ""));
    cl_buf_printf(&b, "%s: %s   %s: %s   %s %lld (%s%s v%lld)\n", en ? "Date" : "日期",
                  local_at(rec, "occurred_at", at), en ? "Author" : "记录人", str_or(rec, "author", ""),
                  en ? "version" : "版本", (long long)json_integer_value(json_object_get(rec, "version")),
                  en ? "form " : "表单", en ? str_or(rec, "form_kind", "") : "",
                  (long long)json_integer_value(json_object_get(rec, "form_version")));
    if (json_integer_value(json_object_get(rec, "version")) > 1)
        cl_buf_printf(&b, "%s: %s %s\n", en ? "Last changed" : "最后修改", local_at(rec, "updated_at", at),
                      str_or(rec, "updated_by", ""));
    if (cl_json_str(rec, "state"))
        cl_buf_printf(&b, "%s: %s\n", en ? "State" : "状态", state_name(cl_json_str(rec, "state"), en));
    if (json_integer_value(json_object_get(rec, "parent_id")))
        cl_buf_printf(&b, "%s: #%lld\n", en ? "Plan" : "对应计划",
                      (long long)json_integer_value(json_object_get(rec, "parent_id")));
    const json_t *from = json_object_get(rec, "received_from");
    if (json_is_object(from))
        cl_buf_printf(&b, en ? "Received from %s (%s) with a transfer on %s; record #%lld there\n"
                             : "转自 %s（%s），%s 随转学接收；在原校为记录 #%lld\n",
                      str_or(from, "school", ""), str_or(from, "fingerprint", ""), local_at(from, "received_at", at),
                      (long long)json_integer_value(json_object_get(from, "source_record_id")));
    if (cl_json_str(rec, "signed_at")) {
        json_t *valid = json_object_get(rec, "signature_valid");
        cl_buf_printf(&b, "%s %s, %s — %s\n", en ? "Signed by" : "签名:", str_or(rec, "signed_by", ""),
                      local_at(rec, "signed_at", at),
                      json_is_true(valid) ? (en ? "signature valid" : "签名有效")
                                          : (en ? "SIGNATURE INVALID" : "签名无效"));
    }
    json_t *score = json_object_get(rec, "score");
    if (json_is_object(score) && json_object_get(score, "score"))
        cl_buf_printf(&b, "%s: %lld/%lld %s%s\n", en ? "Score" : "得分",
                      (long long)json_integer_value(json_object_get(score, "score")),
                      (long long)json_integer_value(json_object_get(score, "max")),
                      str_or(score, en ? "band_en" : "band_zh", ""),
                      json_is_false(json_object_get(score, "complete")) ? (en ? " (incomplete)" : "（未答完）") : "");
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(rec, "flags"), i, it)
        cl_buf_printf(&b, "%s: %s%s\n", en ? "Flag" : "警示", str_or(it, en ? "label_en" : "label_zh", ""),
                      cl_json_str(it, "cleared_at") ? (en ? " (cleared)" : "（已解除）") : "");
    cl_buf_puts(&b, "\n");
    char *body = cl_form_render(f, json_object_get(rec, "fields"), lang);
    if (!body) {
        cl_buf_free(&b);
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    }
    cl_buf_puts(&b, body);
    if (*body && body[strlen(body) - 1] != '\n')
        cl_buf_puts(&b, "\n");
    free(body);
    if (json_array_size(json_object_get(rec, "amendments"))) {
        cl_buf_printf(&b, "\n%s\n", en ? "Amendments:" : "补充说明:");
        json_array_foreach(json_object_get(rec, "amendments"), i, it)
            cl_buf_printf(&b, "  [%s %s] %s\n", local_at(it, "at", at), str_or(it, "author", ""),
                          str_or(it, "text", ""));
    }
    if (json_array_size(json_object_get(rec, "transitions"))) {
        cl_buf_printf(&b, "\n%s\n", en ? "States:" : "状态记录:");
        json_array_foreach(json_object_get(rec, "transitions"), i, it)
            cl_buf_printf(&b, "  %s %s → %s (%s) %s\n", local_at(it, "at", at),
                          cl_json_str(it, "from") ? state_name(cl_json_str(it, "from"), en) : "—",
                          state_name(str_or(it, "to", ""), en), str_or(it, "actor", ""),
                          /* the first move's note is carelog's own */
                          !en && strcmp(str_or(it, "note", ""), "created") == 0 ? "新建" : str_or(it, "note", ""));
    }
    if (json_array_size(json_object_get(rec, "reviews"))) {
        cl_buf_printf(&b, "\n%s", en ? "Reviews:" : "复查记录:");
        json_array_foreach(json_object_get(rec, "reviews"), i, it)
            cl_buf_printf(&b, " #%lld (%s)", (long long)json_integer_value(json_object_get(it, "id")),
                          local_at(it, "occurred_at", at));
        cl_buf_puts(&b, "\n");
    }
    *out = cl_buf_take(&b);
    return *out ? CL_OK : cl_fail(CL_ESOFTWARE, _("out of memory"));
}

cl_status cl_record_count_by_week(cl_vault *v, const char *last_day, int weeks, long long *counts)
{
    if (weeks <= 0 || weeks > 520)
        return cl_fail(CL_ESOFTWARE, _("a chart of %d weeks was asked for"), weeks);
    memset(counts, 0, (size_t)weeks * sizeof *counts);
    long end = last_day && strlen(last_day) == 10 ? cl_date_days(last_day) : LONG_MIN;
    if (end == LONG_MIN)
        return cl_fail(CL_EDATA, _("\"%s\" is not a date (YYYY-MM-DD)"), last_day);
    char first[11];
    cl_time_date((time_t)(end - (long)weeks * 7 + 1) * 86400, first, sizeof first);
    sqlite3 *db = cl_vault_db(v);
    sqlite3_stmt *q;
    /* occurred_at is YYYY-MM-DD[THH:MM…]: "< day after" takes last_day whole. */
    /* The days' counts the triggers keep (record_days), put into weeks here. */
    cl_status st = cl_db_cached(db, "SELECT day, n FROM record_days WHERE day >= ?1 AND day <= ?2", &q);
    if (st != CL_OK)
        return st;
    sqlite3_bind_text(q, 1, first, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 2, last_day, -1, SQLITE_TRANSIENT);
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        const char *day = (const char *)sqlite3_column_text(q, 0);
        long d = day && strlen(day) == 10 ? cl_date_days(day) : LONG_MIN;
        long ago = d == LONG_MIN ? -1 : (end - d) / 7;
        if (ago >= 0 && ago < weeks)
            counts[weeks - 1 - ago] += sqlite3_column_int64(q, 1);
    }
    if (rc != SQLITE_DONE)
        st = cl_db_fail(db, "counting the records per week");
    sqlite3_reset(q);
    return st;
}
