/* Whole-vault import, and what the export (transfer_export.c) shares. See
 * transfer.h for the document.
 *
 * Rows are read and written column by column as the schema declares them
 * (PRAGMA table_info), so a column added by a later migration travels
 * without a change here; the document's shape (records with their versions,
 * amendments and transitions inside) is fixed. */
#include "carelog/transfer.h"
#include "carelog/i18n.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "carelog/audit.h"
#include "carelog/clock.h"
#include "carelog/file.h"
#include "carelog/followup.h"
#include "carelog/form.h"
#include "carelog/record.h"
#include "carelog/referral.h"
#include "carelog/search.h"
#include "carelog/storage.h"
#include "carelog/text.h"
#include "record_internal.h"
#include "transfer_internal.h"

#define MAX_DOC_BYTES ((size_t)1 << 30)

/* Tables the document has a place for; anything else goes to other_tables,
 * except the vault's own (keys, counsellors' slots, the audit chain) and
 * the derived tables of virtual tables (search indexes rebuild). */
static const char *const known_tables[] = {
    "meta", "counsellors", "audit", "forms", "students", "records", "record_versions", "amendments",
    "referral_transitions", "flags", "followup_policies", "not_duplicates",
    /* derived from the others, rebuilt on import; followups travels (as
     * one of the other tables) for the counsellors' closures */
    "followup_meets", "student_state", "row_counts", "record_days", "student_circumstances", "referral_waits",
    NULL,
};

typedef enum { AFF_INTEGER, AFF_TEXT, AFF_BLOB, AFF_REAL, AFF_NUMERIC } affinity;

typedef struct col {
    char *name;
    affinity aff;
    bool notnull, has_default, pk;
} col;

typedef struct cols {
    col *v;
    size_t n;
} cols;

static void cols_free(cols *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->v[i].name);
    free(c->v);
    c->v = NULL;
    c->n = 0;
}

/* SQLite's rules for a declared type's affinity. */
static affinity affinity_of(const char *decl)
{
    char up[64] = "";
    size_t i = 0;
    for (; decl && decl[i] && i < sizeof up - 1; i++)
        up[i] = (char)(decl[i] >= 'a' && decl[i] <= 'z' ? decl[i] - 32 : decl[i]);
    up[i] = '\0';
    if (strstr(up, "INT"))
        return AFF_INTEGER;
    if (strstr(up, "CHAR") || strstr(up, "CLOB") || strstr(up, "TEXT"))
        return AFF_TEXT;
    if (strstr(up, "BLOB") || !*up)
        return AFF_BLOB;
    if (strstr(up, "REAL") || strstr(up, "FLOA") || strstr(up, "DOUB"))
        return AFF_REAL;
    return AFF_NUMERIC;
}

static cl_status table_cols(sqlite3 *db, const char *table, cols *out)
{
    out->v = NULL;
    out->n = 0;
    sqlite3_stmt *q;
    cl_status st = cl_db_prepare(db, "SELECT name, type, \"notnull\", dflt_value IS NOT NULL, pk"
                                     " FROM pragma_table_info(?)", &q);
    if (st != CL_OK)
        return st;
    sqlite3_bind_text(q, 1, table, -1, SQLITE_STATIC);
    int rc;
    while (st == CL_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        col *grown = realloc(out->v, (out->n + 1) * sizeof *grown);
        if (!grown) {
            st = cl_fail(CL_ESOFTWARE, _("out of memory"));
            break;
        }
        out->v = grown;
        col *c = &out->v[out->n];
        c->name = strdup((const char *)sqlite3_column_text(q, 0));
        c->aff = affinity_of((const char *)sqlite3_column_text(q, 1));
        c->notnull = sqlite3_column_int(q, 2) != 0;
        c->has_default = sqlite3_column_int(q, 3) != 0;
        c->pk = sqlite3_column_int(q, 4) != 0;
        if (!c->name) {
            st = cl_fail(CL_ESOFTWARE, _("out of memory"));
            break;
        }
        out->n++;
    }
    sqlite3_finalize(q);
    if (st == CL_OK && out->n == 0)
        st = cl_fail(CL_ESOFTWARE, _("the vault has no table %s"), table);
    if (st != CL_OK)
        cols_free(out);
    return st;
}

/* Columns holding JSON objects, shown in the document as objects; stored
 * back as record.c writes them (compact, keys sorted). signed_payload is
 * JSON too but stays a string: it is the exact text that was signed. */
bool cl_transfer_is_json_column(const char *name)
{
    return strcmp(name, "fields") == 0 || strcmp(name, "score") == 0;
}

/* ---- shared with the export (transfer_export.c) ---- */

static bool is_known(const char *table)
{
    for (size_t i = 0; known_tables[i]; i++)
        if (strcmp(known_tables[i], table) == 0)
            return true;
    return false;
}

/* Tables that are neither known nor a virtual table or one of its shadows. */
cl_status cl_transfer_other_table_names(sqlite3 *db, json_t **out)
{
    sqlite3_stmt *q;
    cl_status st = cl_db_prepare(db, "SELECT t.name FROM sqlite_schema t WHERE t.type = 'table'"
                                     " AND t.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
                                     " AND t.sql NOT LIKE 'CREATE VIRTUAL%'"
                                     " AND NOT EXISTS (SELECT 1 FROM sqlite_schema v WHERE v.type = 'table'"
                                     "   AND v.sql LIKE 'CREATE VIRTUAL%' AND substr(t.name, 1, length(v.name) + 1)"
                                     "   = v.name || '_')"
                                     " ORDER BY t.name", &q);
    if (st != CL_OK)
        return st;
    json_t *names = json_array();
    while (sqlite3_step(q) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(q, 0);
        if (!is_known(name))
            json_array_append_new(names, json_string(name));
    }
    sqlite3_finalize(q);
    *out = names;
    return CL_OK;
}

int cl_transfer_schema_version(sqlite3 *db)
{
    sqlite3_stmt *q;
    int v = 0;
    if (cl_db_prepare(db, "PRAGMA user_version", &q) == CL_OK) {
        if (sqlite3_step(q) == SQLITE_ROW)
            v = sqlite3_column_int(q, 0);
        sqlite3_finalize(q);
    }
    return v;
}

/* ---- import ----------------------------------------------------------- */

typedef struct importer {
    sqlite3 *db;
    cl_form **parsed;
    long long *parsed_ids;
    size_t nparsed;
    size_t versions, amendments, transitions;
    size_t moves; /* the transitions that moved a referral on (not its creation) */
} importer;

static bool hex_valid(const char *s)
{
    size_t n = strlen(s);
    if (n % 2)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') || (s[i] >= 'A' && s[i] <= 'F')))
            return false;
    return true;
}

/* Inserts one row object into table; extra_col/extra_val add a column the
 * nesting leaves out (record_id). `where` names the row for messages. */
static cl_status insert_row(importer *im, const char *table, const cols *tc, const json_t *row, const char *extra_col,
                            long long extra_val, const char *const *skip_keys, const char *where)
{
    if (!json_is_object(row))
        return cl_fail(CL_EDATA, _("%s: not an object"), where);
    /* Every key must be a column of the table. */
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)row, key, val) {
        bool skip = false;
        for (size_t s = 0; skip_keys && skip_keys[s]; s++)
            skip |= strcmp(skip_keys[s], key) == 0;
        if (skip)
            continue;
        bool found = false;
        for (size_t c = 0; c < tc->n && !found; c++)
            found = strcmp(tc->v[c].name, key) == 0;
        if (!found || (extra_col && strcmp(key, extra_col) == 0))
            return cl_fail(CL_EDATA, _("%s: unknown column \"%s\""), where, key);
    }
    cl_buf sql = {0}, marks = {0};
    cl_buf_printf(&sql, "INSERT INTO \"%s\" (", table);
    size_t nbind = 0;
    for (size_t c = 0; c < tc->n; c++) {
        bool extra = extra_col && strcmp(tc->v[c].name, extra_col) == 0;
        if (!extra && !json_object_get(row, tc->v[c].name))
            continue;
        cl_buf_printf(&sql, "%s\"%s\"", nbind ? ", " : "", tc->v[c].name);
        cl_buf_puts(&marks, nbind ? ", ?" : "?");
        nbind++;
    }
    if (nbind == 0) {
        cl_buf_free(&sql);
        cl_buf_free(&marks);
        return cl_fail(CL_EDATA, _("%s: an empty row"), where);
    }
    cl_status st = cl_buf_printf(&sql, ") VALUES (%s)", marks.data);
    cl_buf_free(&marks);
    sqlite3_stmt *q = NULL;
    if (st == CL_OK)
        st = cl_db_prepare(im->db, sql.data, &q);
    cl_buf_free(&sql);
    int k = 0;
    for (size_t c = 0; c < tc->n && st == CL_OK; c++) {
        const col *cc = &tc->v[c];
        if (extra_col && strcmp(cc->name, extra_col) == 0) {
            sqlite3_bind_int64(q, ++k, extra_val);
            continue;
        }
        val = json_object_get(row, cc->name);
        if (!val)
            continue;
        k++;
        if (json_is_null(val)) {
            sqlite3_bind_null(q, k);
            continue;
        }
        if (cl_transfer_is_json_column(cc->name)) {
            if (!json_is_object(val)) {
                st = cl_fail(CL_EDATA, _("%s.%s: must be an object"), where, cc->name);
                break;
            }
            char *text = json_dumps(val, JSON_COMPACT | JSON_SORT_KEYS);
            if (!text) {
                st = cl_fail(CL_ESOFTWARE, _("out of memory"));
                break;
            }
            sqlite3_bind_text(q, k, text, -1, free);
            continue;
        }
        switch (cc->aff) {
        case AFF_INTEGER:
            if (!json_is_integer(val))
                st = cl_fail(CL_EDATA, _("%s.%s: must be a whole number"), where, cc->name);
            else
                sqlite3_bind_int64(q, k, (sqlite3_int64)json_integer_value(val));
            break;
        case AFF_TEXT:
            if (!json_is_string(val))
                st = cl_fail(CL_EDATA, _("%s.%s: must be a string"), where, cc->name);
            else
                sqlite3_bind_text(q, k, json_string_value(val), (int)json_string_length(val), SQLITE_TRANSIENT);
            break;
        case AFF_BLOB: {
            const char *hex = json_string_value(val);
            if (!hex || !hex_valid(hex)) {
                st = cl_fail(CL_EDATA, _("%s.%s: must be hexadecimal"), where, cc->name);
                break;
            }
            size_t n = strlen(hex) / 2, got = 0;
            unsigned char *bin = malloc(n ? n : 1);
            if (!bin || sodium_hex2bin(bin, n, hex, strlen(hex), NULL, &got, NULL) != 0 || got != n) {
                free(bin);
                st = cl_fail(CL_EDATA, _("%s.%s: must be hexadecimal"), where, cc->name);
                break;
            }
            sqlite3_bind_blob(q, k, bin, (int)n, free);
            break;
        }
        default:
            if (json_is_integer(val))
                sqlite3_bind_int64(q, k, (sqlite3_int64)json_integer_value(val));
            else if (json_is_real(val))
                sqlite3_bind_double(q, k, json_real_value(val));
            else if (json_is_string(val))
                sqlite3_bind_text(q, k, json_string_value(val), (int)json_string_length(val), SQLITE_TRANSIENT);
            else
                st = cl_fail(CL_EDATA, _("%s.%s: must be a number or a string"), where, cc->name);
        }
    }
    if (st == CL_OK && sqlite3_step(q) != SQLITE_DONE) {
        int ext = sqlite3_extended_errcode(im->db);
        if ((ext & 0xff) == SQLITE_CONSTRAINT)
            st = cl_fail(CL_EDATA, "%s: %s", where, sqlite3_errmsg(im->db));
        else
            st = cl_db_fail(im->db, "importing the vault");
    }
    sqlite3_finalize(q);
    return st;
}

static cl_status insert_rows(importer *im, const char *table, const json_t *rows, const char *section)
{
    if (!json_is_array(rows))
        return cl_fail(CL_EDATA, _("\"%s\": must be an array"), section);
    cols tc;
    cl_status st = table_cols(im->db, table, &tc);
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row) {
        if (st != CL_OK)
            break;
        char where[160];
        snprintf(where, sizeof where, "%s[%zu]", section, i);
        st = insert_row(im, table, &tc, row, NULL, 0, NULL, where);
    }
    cols_free(&tc);
    return st;
}

static const cl_form *form_by_id(const importer *im, long long id)
{
    for (size_t i = 0; i < im->nparsed; i++)
        if (im->parsed_ids[i] == id)
            return im->parsed[i];
    return NULL;
}

/* Parses every form and checks its digest; they are inserted afterwards. */
static cl_status check_forms(importer *im, const json_t *forms)
{
    if (!json_is_array(forms))
        return cl_fail(CL_EDATA, _("\"forms\": must be an array"));
    size_t n = json_array_size(forms);
    im->parsed = calloc(n ? n : 1, sizeof *im->parsed);
    im->parsed_ids = calloc(n ? n : 1, sizeof *im->parsed_ids);
    if (!im->parsed || !im->parsed_ids)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    size_t i;
    json_t *f;
    json_array_foreach(forms, i, f) {
        const json_t *id = json_object_get(f, "id");
        const char *source = json_string_value(json_object_get(f, "source"));
        const char *digest = json_string_value(json_object_get(f, "digest"));
        const char *kind = json_string_value(json_object_get(f, "kind"));
        if (!json_is_integer(id) || !source || !digest || !kind)
            return cl_fail(CL_EDATA, _("forms[%zu]: needs id, kind, source and digest"), i);
        char want[65];
        cl_form_digest(source, json_string_length(json_object_get(f, "source")), want);
        if (strcmp(want, digest) != 0)
            return cl_fail(CL_EDATA, _("forms[%zu] (%s): the source does not match its digest"), i, kind);
        char name[64];
        snprintf(name, sizeof name, "forms[%zu]", i);
        cl_form *parsed;
        cl_status st = cl_form_parse(source, json_string_length(json_object_get(f, "source")), name, &parsed);
        if (st != CL_OK)
            return cl_fail_context(CL_EDATA, _("importing the vault"));
        if (strcmp(cl_form_kind(parsed), kind) != 0) {
            st = cl_fail(CL_EDATA, _("forms[%zu]: kind \"%s\" but the source defines \"%s\""), i, kind,
                         cl_form_kind(parsed));
            cl_form_free(parsed);
            return st;
        }
        if (form_by_id(im, (long long)json_integer_value(id))) {
            cl_form_free(parsed);
            return cl_fail(CL_EDATA, _("forms[%zu]: form id %lld twice"), i, (long long)json_integer_value(id));
        }
        im->parsed[im->nparsed] = parsed;
        im->parsed_ids[im->nparsed++] = (long long)json_integer_value(id);
    }
    return CL_OK;
}

/* A record's (or earlier version's) fields must be valid by its form. */
static cl_status check_fields(const importer *im, const json_t *row, const char *where)
{
    const json_t *fid = json_object_get(row, "form_id");
    if (!json_is_integer(fid))
        return cl_fail(CL_EDATA, _("%s.form_id: must be a whole number"), where);
    const cl_form *form = form_by_id(im, (long long)json_integer_value(fid));
    if (!form)
        return cl_fail(CL_EDATA, _("%s.form_id: no form %lld in the document"), where,
                       (long long)json_integer_value(fid));
    const json_t *fields = json_object_get(row, "fields");
    if (!json_is_object(fields))
        return cl_fail(CL_EDATA, _("%s.fields: must be an object"), where);
    cl_status st = cl_form_validate(form, fields);
    if (st == CL_EDATA)
        return cl_fail_context(st, _("%s.fields"), where);
    return st;
}

/* A date (or, with allow_time, a date-time) exactly as carelog stores it. */
static bool stored_when(const json_t *v, bool allow_time)
{
    const char *s = json_string_value(v);
    char canon[17];
    if (!s || strlen(s) != json_string_length(v))
        return false;
    if (cl_date_parse(s, canon) && strcmp(canon, s) == 0)
        return true;
    return allow_time && cl_datetime_parse(s, canon) && strcmp(canon, s) == 0;
}

static bool text_within(const json_t *v, size_t max)
{
    return json_is_string(v) && cl_utf8_length(json_string_value(v)) <= max;
}

/* The columns record.c derives from a record's fields and form, as it would
 * have written them (check_fields has passed): kind, version, occurred_at,
 * follow_up and state; and its earlier versions, amendments and referral
 * transitions. */
static cl_status check_record_columns(const importer *im, const json_t *rec, const char *where)
{
    const cl_form *form = form_by_id(im, (long long)json_integer_value(json_object_get(rec, "form_id")));
    const json_t *fields = json_object_get(rec, "fields");
    const char *kind = json_string_value(json_object_get(rec, "kind"));
    if (!kind || strcmp(kind, cl_form_kind(form)) != 0)
        return cl_fail(CL_EDATA, _("%s.kind: must be \"%s\", the kind of its form"), where, cl_form_kind(form));
    const json_t *ver = json_object_get(rec, "version");
    if (!json_is_integer(ver) || json_integer_value(ver) < 1)
        return cl_fail(CL_EDATA, _("%s.version: must be a whole number from 1"), where);
    const json_t *occurred = json_object_get(rec, "occurred_at"), *in_fields = json_object_get(fields, "occurred_at");
    if (!stored_when(occurred, true))
        return cl_fail(CL_EDATA, _("%s.occurred_at: must be a real date (YYYY-MM-DD) or date and time "
                                 "(YYYY-MM-DDTHH:MM)"), where);
    if (strcmp(kind, "student") != 0 && json_is_string(in_fields) && json_string_length(in_fields) > 0 &&
        !json_equal(occurred, in_fields))
        return cl_fail(CL_EDATA, _("%s.occurred_at: must be the record's field occurred_at (%s)"), where,
                       json_string_value(in_fields));
    const json_t *follow_up = json_object_get(rec, "follow_up"), *fu_field = json_object_get(fields, "follow_up");
    bool fu_set = json_is_string(fu_field) && json_string_length(fu_field) > 0;
    if (fu_set ? !json_equal(follow_up, fu_field) : (follow_up && !json_is_null(follow_up)))
        return cl_fail(CL_EDATA, _("%s.follow_up: must be the record's field follow_up (%s)"), where,
                       fu_set ? json_string_value(fu_field) : "none");
    const json_t *state = json_object_get(rec, "state");
    if (strcmp(kind, "referral") == 0 ? !cl_referral_state_find(json_string_value(state))
                                      : (state && !json_is_null(state)))
        return cl_fail(CL_EDATA, _("%s.state: %s"), where,
                       strcmp(kind, "referral") == 0 ? "must be a referral state" : "only a referral has a state");
    size_t j;
    const json_t *item;
    json_array_foreach(json_object_get(rec, "versions"), j, item) {
        const json_t *v = json_object_get(item, "version");
        if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) >= json_integer_value(ver))
            return cl_fail(CL_EDATA, _("%s.versions[%zu].version: must be below the record's version"), where, j);
        if (!stored_when(json_object_get(item, "occurred_at"), true))
            return cl_fail(CL_EDATA, _("%s.versions[%zu].occurred_at: must be a real date or date and time"), where, j);
    }
    json_array_foreach(json_object_get(rec, "amendments"), j, item)
        if (!text_within(json_object_get(item, "text"), CL_RECORD_AMENDMENT_MAX))
            return cl_fail(CL_EDATA, _("%s.amendments[%zu].text: must be text of at most %d characters"), where, j,
                           CL_RECORD_AMENDMENT_MAX);
    json_array_foreach(json_object_get(rec, "transitions"), j, item) {
        const json_t *from = json_object_get(item, "from_state");
        if (!cl_referral_state_find(json_string_value(json_object_get(item, "to_state"))) ||
            (from && !json_is_null(from) && !cl_referral_state_find(json_string_value(from))))
            return cl_fail(CL_EDATA, _("%s.transitions[%zu]: from_state and to_state must be referral states"), where, j);
        if (!text_within(json_object_get(item, "note"), CL_REFERRAL_NOTE_MAX))
            return cl_fail(CL_EDATA, _("%s.transitions[%zu].note: must be text of at most %d characters"), where, j,
                           CL_REFERRAL_NOTE_MAX);
    }
    return CL_OK;
}

static cl_status insert_records(importer *im, const json_t *records)
{
    if (!json_is_array(records))
        return cl_fail(CL_EDATA, _("\"records\": must be an array"));
    static const char *const nested_keys[] = {"versions", "amendments", "transitions", NULL};
    static const struct {
        const char *key, *table;
    } nested[] = {
        {"versions", "record_versions"},
        {"amendments", "amendments"},
        {"transitions", "referral_transitions"},
    };
    cols rc = {0}, nc[3] = {{0}};
    cl_status st = table_cols(im->db, "records", &rc);
    for (size_t k = 0; k < 3 && st == CL_OK; k++)
        st = table_cols(im->db, nested[k].table, &nc[k]);
    size_t i;
    json_t *rec;
    json_array_foreach(records, i, rec) {
        if (st != CL_OK)
            break;
        char where[160];
        snprintf(where, sizeof where, "records[%zu]", i);
        if (!json_is_object(rec)) {
            st = cl_fail(CL_EDATA, _("%s: not an object"), where);
            break;
        }
        const json_t *id = json_object_get(rec, "id");
        if (!json_is_integer(id) || json_integer_value(id) <= 0) {
            st = cl_fail(CL_EDATA, _("%s.id: must be a record id"), where);
            break;
        }
        st = check_fields(im, rec, where);
        if (st == CL_OK)
            st = insert_row(im, "records", &rc, rec, NULL, 0, nested_keys, where);
        if (st == CL_OK)
            st = check_record_columns(im, rec, where);
        for (size_t k = 0; k < 3 && st == CL_OK; k++) {
            const json_t *arr = json_object_get(rec, nested[k].key);
            if (!json_is_array(arr)) {
                st = cl_fail(CL_EDATA, _("%s.%s: must be an array"), where, nested[k].key);
                break;
            }
            size_t j;
            json_t *item;
            json_array_foreach(arr, j, item) {
                char w2[200];
                snprintf(w2, sizeof w2, "%s.%s[%zu]", where, nested[k].key, j);
                if (k == 0)
                    st = check_fields(im, item, w2);
                if (st == CL_OK)
                    st = insert_row(im, nested[k].table, &nc[k], item, "record_id",
                                    (long long)json_integer_value(id), NULL, w2);
                if (st != CL_OK)
                    break;
            }
            size_t *count = k == 0 ? &im->versions : k == 1 ? &im->amendments : &im->transitions;
            *count += json_array_size(arr);
            if (k == 2) {
                json_array_foreach(arr, j, item) {
                    const json_t *from = json_object_get(item, "from_state");
                    im->moves += from && !json_is_null(from);
                }
            }
        }
    }
    cols_free(&rc);
    for (size_t k = 0; k < 3; k++)
        cols_free(&nc[k]);
    return st;
}

static cl_status insert_other_tables(importer *im, const json_t *other)
{
    if (!json_is_object(other))
        return cl_fail(CL_EDATA, _("\"other_tables\": must be an object"));
    json_t *names;
    cl_status st = cl_transfer_other_table_names(im->db, &names);
    if (st != CL_OK)
        return st;
    const char *table;
    json_t *rows;
    json_object_foreach((json_t *)other, table, rows) {
        bool exists = false;
        size_t i;
        json_t *n;
        json_array_foreach(names, i, n) exists |= strcmp(json_string_value(n), table) == 0;
        if (!exists) {
            st = cl_fail(CL_EDATA, _("other_tables.%s: this vault has no such table (is the export from a newer "
                                   "carelog?)"), table);
            break;
        }
        char section[160];
        snprintf(section, sizeof section, "other_tables.%s", table);
        st = insert_rows(im, table, rows, section);
        if (st != CL_OK)
            break;
    }
    json_decref(names);
    return st;
}

static cl_status check_empty(sqlite3 *db)
{
    sqlite3_stmt *q;
    cl_status st = cl_db_prepare(db, "SELECT (SELECT count(*) FROM students) + (SELECT count(*) FROM records)", &q);
    if (st != CL_OK)
        return st;
    long long n = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int64(q, 0) : -1;
    sqlite3_finalize(q);
    if (n < 0)
        return cl_db_fail(db, "counting the vault's records");
    if (n > 0)
        return cl_fail(CL_ECANTCREATE, _("this vault already holds students or records; a vault export is read only "
                                       "into an empty vault (create one with `carelog init --vault DIR`)"));
    return CL_OK;
}

static cl_status check_foreign_keys(sqlite3 *db)
{
    sqlite3_stmt *q;
    cl_status st = cl_db_prepare(db, "PRAGMA foreign_key_check", &q);
    if (st != CL_OK)
        return st;
    if (sqlite3_step(q) == SQLITE_ROW)
        st = cl_fail(CL_EDATA, _("%s row %lld refers to a missing %s row"), (const char *)sqlite3_column_text(q, 0),
                     (long long)sqlite3_column_int64(q, 1), (const char *)sqlite3_column_text(q, 2));
    sqlite3_finalize(q);
    return st;
}

/* The rows kept in step with records, as student.c and followup.c write
 * them: each student's columns are its details record's fields (so a bad
 * birth date is refused like one in the fields), and the follow-up
 * policies are within their limits. */
static cl_status check_derived_rows(sqlite3 *db)
{
    sqlite3_stmt *q;
    cl_status st = cl_db_prepare(
        db,
        "SELECT s.id, CASE"
        " WHEN r.id IS NULL OR r.kind != 'student' OR r.student_id != s.id THEN 'record_id'"
        " WHEN s.number IS NOT COALESCE(json_extract(r.fields, '$.number'), '') THEN 'number'"
        " WHEN s.name IS NOT COALESCE(json_extract(r.fields, '$.name'), '') THEN 'name'"
        " WHEN s.class IS NOT COALESCE(json_extract(r.fields, '$.class'), '') THEN 'class'"
        " WHEN s.birth_date IS NOT NULLIF(json_extract(r.fields, '$.birth_date'), '') THEN 'birth_date'"
        " WHEN s.status IS NOT COALESCE(NULLIF(json_extract(r.fields, '$.status'), ''), 'active') THEN 'status'"
        " WHEN s.counsellor IS NOT COALESCE(json_extract(r.fields, '$.counsellor'), '') THEN 'counsellor'"
        " END AS wrong FROM students s LEFT JOIN records r ON r.id = s.record_id"
        " WHERE wrong IS NOT NULL ORDER BY s.id LIMIT 1", &q);
    if (st != CL_OK)
        return st;
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        st = cl_fail(CL_EDATA, _("students: student %lld: %s is not what its details record says"),
                     (long long)sqlite3_column_int64(q, 0), (const char *)sqlite3_column_text(q, 1));
    else if (rc != SQLITE_DONE)
        st = cl_db_fail(db, "checking the students");
    sqlite3_finalize(q);
    if (st != CL_OK)
        return st;
    st = cl_db_prepare(db, "SELECT basis, value, days FROM followup_policies WHERE days > ?1 OR (basis = 'risk' AND"
                           " value NOT IN ('0', '1', '2', '3')) ORDER BY basis, value LIMIT 1", &q);
    if (st != CL_OK)
        return st;
    sqlite3_bind_int(q, 1, CL_FOLLOWUP_POLICY_MAX_DAYS);
    rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        st = cl_fail(CL_EDATA, _("followup_policies: %s %s every %lld days: a policy is a risk level 0-3 or a "
                               "circumstance, with days from 1 to %d"), (const char *)sqlite3_column_text(q, 0),
                     (const char *)sqlite3_column_text(q, 1), (long long)sqlite3_column_int64(q, 2),
                     CL_FOLLOWUP_POLICY_MAX_DAYS);
    else if (rc != SQLITE_DONE)
        st = cl_db_fail(db, "checking the follow-up policies");
    sqlite3_finalize(q);
    return st;
}

static cl_status set_meta_json(sqlite3 *db, const char *key, const json_t *value)
{
    char *text = json_dumps(value, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (!text)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    cl_status st = cl_meta_set_text(db, key, text);
    free(text);
    return st;
}

static cl_status check_header(const json_t *doc, sqlite3 *db)
{
    if (!json_is_object(doc))
        return cl_fail(CL_EDATA, _("not a carelog vault export: the document is not a JSON object"));
    const char *format = json_string_value(json_object_get(doc, "format"));
    if (!format || strcmp(format, CL_TRANSFER_FORMAT) != 0)
        return cl_fail(CL_EDATA, _("not a carelog vault export: \"format\" must be \"%s\""), CL_TRANSFER_FORMAT);
    const json_t *ver = json_object_get(doc, "version");
    if (!json_is_integer(ver) || json_integer_value(ver) != CL_TRANSFER_VERSION)
        return cl_fail(CL_EDATA, _("vault export format version %s is not one this carelog reads (it reads %d)"),
                       json_is_integer(ver) ? "other" : "missing", CL_TRANSFER_VERSION);
    const json_t *schema = json_object_get(doc, "schema");
    if (!json_is_integer(schema) || json_integer_value(schema) < 1)
        return cl_fail(CL_EDATA, _("\"schema\": must be a schema version"));
    if (json_integer_value(schema) > cl_transfer_schema_version(db))
        return cl_fail(CL_EDATA, _("the export comes from a newer carelog (schema %lld; this one has %d); update "
                                 "carelog first"), (long long)json_integer_value(schema), cl_transfer_schema_version(db));
    static const struct {
        const char *key;
        json_type type;
    } sections[] = {
        {"vault", JSON_OBJECT},          {"forms", JSON_ARRAY},         {"students", JSON_ARRAY},
        {"records", JSON_ARRAY},         {"flags", JSON_ARRAY},         {"followup_policies", JSON_ARRAY},
        {"not_duplicates", JSON_ARRAY},  {"other_tables", JSON_OBJECT}, {"audit", JSON_OBJECT},
    };
    for (size_t i = 0; i < sizeof sections / sizeof *sections; i++) {
        const json_t *s = json_object_get(doc, sections[i].key);
        if (!s || json_typeof(s) != sections[i].type)
            return cl_fail(CL_EDATA, _("\"%s\": missing or not %s"), sections[i].key,
                           sections[i].type == JSON_ARRAY ? "an array" : "an object");
    }
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)doc, key, val) {
        bool known = strcmp(key, "format") == 0 || strcmp(key, "version") == 0 || strcmp(key, "schema") == 0;
        for (size_t i = 0; i < sizeof sections / sizeof *sections && !known; i++)
            known = strcmp(key, sections[i].key) == 0;
        if (!known)
            return cl_fail(CL_EDATA, _("unknown section \"%s\""), key);
    }
    const json_t *audit = json_object_get(doc, "audit");
    if (!json_is_array(json_object_get(audit, "entries")))
        return cl_fail(CL_EDATA, _("\"audit.entries\": missing or not an array"));
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(audit, "entries"), i, e) {
        if (!json_is_object(e) || !json_is_integer(json_object_get(e, "id")) ||
            !json_is_string(json_object_get(e, "at")) || !json_is_string(json_object_get(e, "actor")) ||
            !json_is_string(json_object_get(e, "action")))
            return cl_fail(CL_EDATA, _("audit.entries[%zu]: needs id, at, actor and action"), i);
    }
    const json_t *vault = json_object_get(doc, "vault");
    if (!json_is_string(json_object_get(vault, "id")) || !json_is_string(json_object_get(vault, "school")))
        return cl_fail(CL_EDATA, _("\"vault\": needs the id and school of the vault it came from"));
    return CL_OK;
}

cl_status cl_transfer_import(cl_vault *v, const json_t *doc, json_t **summary)
{
    if (summary)
        *summary = NULL;
    sqlite3 *db = cl_vault_db(v);
    cl_status st = check_header(doc, db);
    if (st != CL_OK)
        return st;
    importer im = {.db = db};
    st = check_forms(&im, json_object_get(doc, "forms"));
    bool in_tx = false;
    /* Every record indexed once at the commit (search.h). */
    if (st == CL_OK)
        st = cl_search_defer(db, true);
    if (st == CL_OK) {
        st = cl_db_begin(db);
        in_tx = st == CL_OK;
    }
    if (st == CL_OK)
        st = check_empty(db);
    /* Students and records refer to each other: checked at the end. */
    if (st == CL_OK)
        st = cl_db_exec(db, "PRAGMA defer_foreign_keys = ON");
    /* Nothing refers to this vault's own forms and policies yet (it is
     * empty): the document's replace them, keeping their ids. */
    if (st == CL_OK)
        st = cl_db_exec(db, "DELETE FROM forms; DELETE FROM followup_policies;");
    if (st == CL_OK)
        st = insert_rows(&im, "forms", json_object_get(doc, "forms"), "forms");
    if (st == CL_OK)
        st = insert_rows(&im, "students", json_object_get(doc, "students"), "students");
    if (st == CL_OK)
        st = insert_records(&im, json_object_get(doc, "records"));
    if (st == CL_OK)
        st = insert_rows(&im, "flags", json_object_get(doc, "flags"), "flags");
    if (st == CL_OK)
        st = insert_rows(&im, "followup_policies", json_object_get(doc, "followup_policies"), "followup_policies");
    if (st == CL_OK)
        st = insert_rows(&im, "not_duplicates", json_object_get(doc, "not_duplicates"), "not_duplicates");
    if (st == CL_OK)
        st = insert_other_tables(&im, json_object_get(doc, "other_tables"));
    if (st == CL_OK)
        st = check_foreign_keys(db);
    if (st == CL_OK)
        st = check_derived_rows(db);
    if (st == CL_OK)
        st = cl_followup_rebuild_tx(db);
    const json_t *vault = json_object_get(doc, "vault");
    if (st == CL_OK)
        st = set_meta_json(db, "imported_from", vault);
    if (st == CL_OK)
        st = set_meta_json(db, "imported_audit", json_object_get(doc, "audit"));
    /* The public keys that signed the imported notes: this vault's own key
     * did not, so a signature check must also try these. */
    if (st == CL_OK) {
        json_t *keys = json_array();
        for (const json_t *from = vault; json_is_object(from); from = json_object_get(from, "imported_from")) {
            const char *hex = json_string_value(json_object_get(from, "ed25519_public"));
            if (hex && strlen(hex) == 2 * crypto_sign_PUBLICKEYBYTES && hex_valid(hex))
                json_array_append_new(keys, json_string(hex));
        }
        st = set_meta_json(db, "imported_signing_keys", keys);
        json_decref(keys);
    }
    size_t nstudents = json_array_size(json_object_get(doc, "students"));
    size_t nrecords = json_array_size(json_object_get(doc, "records"));
    if (st == CL_OK) {
        char *detail = cl_strdup_printf("%zu students, %zu records from vault %s (%s)", nstudents, nrecords,
                                        json_string_value(json_object_get(vault, "id")),
                                        json_string_value(json_object_get(vault, "school")));
        st = detail ? cl_vault_audit(v, "import.vault", "vault", detail) : cl_fail(CL_ESOFTWARE, _("out of memory"));
        free(detail);
    }
    if (in_tx && st == CL_OK)
        st = cl_db_commit(db);
    else if (in_tx)
        cl_db_rollback(db);
    cl_status off = cl_search_defer(db, false);
    if (st == CL_OK)
        st = off;
    if (st == CL_OK)
        cl_search_merge_after(v, (long long)nrecords);
    if (st == CL_OK && summary)
        *summary = json_pack(
            "{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:{s:O, s:O, s:O*}}", "students", (json_int_t)nstudents,
            "records", (json_int_t)nrecords, "forms", (json_int_t)json_array_size(json_object_get(doc, "forms")),
            "versions", (json_int_t)im.versions, "amendments", (json_int_t)im.amendments, "transitions",
            (json_int_t)im.transitions, "moves", (json_int_t)im.moves, "flags", (json_int_t)json_array_size(json_object_get(doc, "flags")),
            "audit_entries",
            (json_int_t)json_array_size(json_object_get(json_object_get(doc, "audit"), "entries")), "source", "id",
            json_object_get(vault, "id"), "school", json_object_get(vault, "school"), "fingerprint",
            json_object_get(vault, "fingerprint"));
    for (size_t i = 0; i < im.nparsed; i++)
        cl_form_free(im.parsed[i]);
    free(im.parsed);
    free(im.parsed_ids);
    if (st != CL_OK && st != CL_ECANTCREATE)
        return cl_fail_context(st, _("importing the vault (nothing was changed)"));
    return st;
}

cl_status cl_transfer_import_file(cl_vault *v, const char *path, json_t **summary)
{
    unsigned char *data;
    size_t len;
    cl_status st = cl_file_read(path, MAX_DOC_BYTES, &data, &len);
    if (st != CL_OK)
        return st;
    json_error_t err;
    json_t *doc = json_loadb((const char *)data, len, JSON_REJECT_DUPLICATES, &err);
    sodium_memzero(data, len);
    free(data);
    if (!doc)
        return cl_fail(CL_EDATA, _("%s:%d:%d: not valid JSON: %s"), path, err.line, err.column, err.text);
    st = cl_transfer_import(v, doc, summary);
    json_decref(doc);
    return st;
}
