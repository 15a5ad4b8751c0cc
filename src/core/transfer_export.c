/* Whole-vault export (transfer.h), streamed: the document is written a row
 * at a time as the vault is read, in one read transaction, so a vault of
 * any size is exported in the memory of one record and a counsellor's
 * writes meanwhile neither wait nor appear half in the file. The file
 * takes its name only when whole (cl_file_atomic_open); a run killed half
 * way leaves a temporary file that the next unlock removes (vault.h,
 * cl_vault_output_begin).
 *
 * The bytes are exactly json_dumps(doc, JSON_INDENT(1) | JSON_PRESERVE_ORDER)
 * of the whole document (cl_transfer_dumps): each row is dumped by jansson
 * and indented to its depth; only the frame around the rows is written
 * here. */
#include "carelog/transfer.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "carelog/audit.h"
#include "carelog/clock.h"
#include "carelog/file.h"
#include "carelog/i18n.h"
#include "carelog/storage.h"
#include "carelog/text.h"
#include "transfer_internal.h"

/* Where the bytes go: a file, or memory for cl_transfer_export. */
typedef cl_status (*sink_fn)(void *ctx, const char *data, size_t len);

#define STREAM_BUF (64 * 1024)

typedef struct stream {
    sink_fn sink;
    void *ctx;
    char *buf; /* plaintext: sodium_malloc'd, wiped on free */
    size_t len;
    cl_status st;
    long long bytes, students, records, forms, audit_entries;
} stream;

static cl_status flush(stream *s)
{
    if (s->st == CL_OK && s->len > 0)
        s->st = s->sink(s->ctx, s->buf, s->len);
    sodium_memzero(s->buf, s->len);
    s->len = 0;
    return s->st;
}

static void put(stream *s, const char *data, size_t len)
{
    s->bytes += (long long)len;
    while (s->st == CL_OK && len > 0) {
        size_t room = STREAM_BUF - s->len, n = len < room ? len : room;
        memcpy(s->buf + s->len, data, n);
        s->len += n;
        data += n;
        len -= n;
        if (s->len == STREAM_BUF)
            flush(s);
    }
}

static void put_str(stream *s, const char *text)
{
    put(s, text, strlen(text));
}

/* A newline and the indentation of depth (one space a level). */
static void newline(stream *s, int depth)
{
    static const char spaces[] = "\n                ";
    for (put(s, spaces, 1); depth > 0; depth -= 16)
        put(s, spaces + 1, (size_t)(depth < 16 ? depth : 16));
}

/* A value as jansson writes it at the top, moved to depth: every line
 * after its first indented by depth more (JSON strings hold no raw
 * newline, so each newline is the layout's). */
static void put_value(stream *s, const json_t *value, int depth)
{
    char *text = json_dumps(value, JSON_INDENT(1) | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
    if (!text) {
        if (s->st == CL_OK)
            s->st = cl_fail(CL_ESOFTWARE, _("out of memory"));
        return;
    }
    size_t len = strlen(text);
    for (const char *p = text, *end = text + len; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        put(s, p, (size_t)((nl ? nl : end) - p));
        if (!nl)
            break;
        /* jansson's own indentation of the line follows the newline. */
        newline(s, depth);
        p = nl + 1;
    }
    sodium_memzero(text, len);
    free(text);
}

/* Members and items: the opening bracket comes with the first, so that an
 * empty one is "{}" or "[]" as jansson writes it. */
typedef struct frame {
    int depth;
    size_t n;
} frame;

static void member(stream *s, frame *f, const char *key)
{
    put_str(s, f->n++ ? "," : "{");
    newline(s, f->depth + 1);
    json_t *k = json_string(key);
    put_value(s, k, 0);
    json_decref(k);
    put_str(s, ": ");
}

static void item(stream *s, frame *f)
{
    put_str(s, f->n++ ? "," : "[");
    newline(s, f->depth + 1);
}

static void close_frame(stream *s, const frame *f, const char *closing, const char *empty)
{
    if (f->n == 0) {
        put_str(s, empty);
        return;
    }
    newline(s, f->depth);
    put_str(s, closing);
}

static json_t *hex_of(const void *bytes, size_t n)
{
    char *hex = malloc(n * 2 + 1);
    if (!hex)
        return NULL;
    sodium_bin2hex(hex, n * 2 + 1, bytes, n);
    json_t *s = json_string(hex);
    free(hex);
    return s;
}

/* One result row as an object of every column but `skip`. */
static cl_status row_json(sqlite3_stmt *q, const char *table, const char *skip, json_t **out)
{
    json_t *o = json_object();
    if (!o)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    int n = sqlite3_column_count(q);
    for (int i = 0; i < n; i++) {
        const char *name = sqlite3_column_name(q, i);
        if (skip && strcmp(name, skip) == 0)
            continue;
        json_t *val = NULL;
        switch (sqlite3_column_type(q, i)) {
        case SQLITE_INTEGER: val = json_integer((json_int_t)sqlite3_column_int64(q, i)); break;
        case SQLITE_FLOAT: val = json_real(sqlite3_column_double(q, i)); break;
        case SQLITE_BLOB: val = hex_of(sqlite3_column_blob(q, i), (size_t)sqlite3_column_bytes(q, i)); break;
        case SQLITE_NULL: val = json_null(); break;
        default: {
            const char *text = (const char *)sqlite3_column_text(q, i);
            size_t len = (size_t)sqlite3_column_bytes(q, i);
            if (cl_transfer_is_json_column(name)) {
                json_error_t err;
                val = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
                if (!val) {
                    json_decref(o);
                    return cl_fail(CL_EDATA, _("%s row %lld: the stored %s are not JSON: %s"), table,
                                   (long long)sqlite3_column_int64(q, 0), name, err.text);
                }
            } else {
                val = json_stringn(text, len);
                if (!val) {
                    json_decref(o);
                    return cl_fail(CL_EDATA, _("%s row %lld: column %s is not valid UTF-8"), table,
                                   (long long)sqlite3_column_int64(q, 0), name);
                }
            }
        }
        }
        if (!val || json_object_set_new(o, name, val) != 0) {
            json_decref(o);
            return cl_fail(CL_ESOFTWARE, _("out of memory"));
        }
    }
    *out = o;
    return CL_OK;
}

/* ---- the rows --------------------------------------------------------- */

/* Every row of a prepared query as an item of an array at depth, each
 * given to dress (when not NULL) before it is written; counted. */
typedef cl_status (*dress_fn)(sqlite3 *db, json_t *row);

static cl_status stream_rows(stream *s, sqlite3 *db, const char *table, sqlite3_stmt *q, int depth, dress_fn dress,
                             long long *count)
{
    frame f = {depth, 0};
    int rc;
    cl_status st = CL_OK;
    while (st == CL_OK && s->st == CL_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        json_t *row;
        st = row_json(q, table, NULL, &row);
        if (st == CL_OK && dress)
            st = dress(db, row);
        if (st == CL_OK) {
            item(s, &f);
            put_value(s, row, depth + 1);
        }
        json_decref(row);
        if (count)
            (*count)++;
        /* A test holds the export here, its read transaction open, to
         * show that a writer meanwhile goes on (vault_export_stream.sh). */
        if (st == CL_OK && count && *count == 1 && strcmp(table, "records") == 0 && flush(s) == CL_OK)
            cl_test_pause("export-records");
    }
    if (st == CL_OK && s->st == CL_OK && rc != SQLITE_DONE)
        st = cl_db_fail(db, "reading the vault for the export");
    sqlite3_reset(q);
    close_frame(s, &f, "]", "[]");
    return st != CL_OK ? st : s->st;
}

static cl_status stream_query(stream *s, sqlite3 *db, const char *table, const char *sql, int depth, long long *count)
{
    sqlite3_stmt *q;
    cl_status st = cl_db_prepare(db, sql, &q);
    if (st != CL_OK)
        return st;
    st = stream_rows(s, db, table, q, depth, NULL, count);
    sqlite3_finalize(q);
    return st;
}

/* A record with its versions, amendments and transitions inside, each a
 * lookup of its table's index by record (statements kept in the cache). */
static cl_status dress_record(sqlite3 *db, json_t *rec)
{
    static const struct {
        const char *key, *table, *sql;
    } nested[] = {
        {"versions", "record_versions", "SELECT * FROM record_versions WHERE record_id = ?1 ORDER BY version"},
        {"amendments", "amendments", "SELECT * FROM amendments WHERE record_id = ?1 ORDER BY id"},
        {"transitions", "referral_transitions", "SELECT * FROM referral_transitions WHERE record_id = ?1 ORDER BY id"},
    };
    long long id = (long long)json_integer_value(json_object_get(rec, "id"));
    cl_status st = CL_OK;
    for (size_t k = 0; k < sizeof nested / sizeof *nested && st == CL_OK; k++) {
        sqlite3_stmt *q;
        st = cl_db_cached(db, nested[k].sql, &q);
        if (st != CL_OK)
            break;
        sqlite3_bind_int64(q, 1, id);
        json_t *arr = json_array();
        int rc;
        while (st == CL_OK && arr && (rc = sqlite3_step(q)) == SQLITE_ROW) {
            json_t *row;
            st = row_json(q, nested[k].table, "record_id", &row);
            if (st == CL_OK)
                json_array_append_new(arr, row);
        }
        if (!arr)
            st = cl_fail(CL_ESOFTWARE, _("out of memory"));
        else if (st == CL_OK && rc != SQLITE_DONE)
            st = cl_db_fail(db, "reading the vault for the export");
        sqlite3_reset(q);
        if (st == CL_OK)
            json_object_set_new(rec, nested[k].key, arr);
        else
            json_decref(arr);
    }
    return st;
}

static cl_status stream_records(stream *s, sqlite3 *db)
{
    sqlite3_stmt *q;
    cl_status st = cl_db_prepare(db, "SELECT * FROM records ORDER BY id", &q);
    if (st != CL_OK)
        return st;
    st = stream_rows(s, db, "records", q, 1, dress_record, &s->records);
    sqlite3_finalize(q);
    return st;
}

static cl_status stream_other_tables(stream *s, sqlite3 *db)
{
    json_t *names;
    cl_status st = cl_transfer_other_table_names(db, &names);
    if (st != CL_OK)
        return st;
    frame f = {1, 0};
    size_t i;
    json_t *name;
    json_array_foreach(names, i, name) {
        char *sql = sqlite3_mprintf("SELECT * FROM \"%w\" ORDER BY rowid", json_string_value(name));
        member(s, &f, json_string_value(name));
        st = sql ? stream_query(s, db, json_string_value(name), sql, 2, NULL)
                 : cl_fail(CL_ESOFTWARE, _("out of memory"));
        sqlite3_free(sql);
        if (st != CL_OK)
            break;
    }
    json_decref(names);
    close_frame(s, &f, "}", "{}");
    return st;
}

/* ---- the vault's own sections ----------------------------------------- */

/* A JSON value kept in meta (imported_from, imported_audit), or NULL. */
static json_t *meta_json(sqlite3 *db, const char *key)
{
    sqlite3_stmt *q;
    if (cl_db_prepare(db, "SELECT value FROM meta WHERE key = ?", &q) != CL_OK)
        return NULL;
    sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
    json_t *v = NULL;
    if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_type(q, 0) != SQLITE_NULL)
        v = json_loadb(sqlite3_column_blob(q, 0), (size_t)sqlite3_column_bytes(q, 0), 0, NULL);
    sqlite3_finalize(q);
    return v;
}

static cl_status vault_section(cl_vault *v, json_t **out)
{
    sqlite3 *db = cl_vault_db(v);
    json_t *status;
    cl_status st = cl_vault_status(v, &status);
    if (st != CL_OK)
        return st;
    unsigned char ed[crypto_sign_PUBLICKEYBYTES];
    json_t *edhex = NULL;
    if (cl_meta_get_blob(db, "ed25519_public", ed, sizeof ed) == CL_OK)
        edhex = hex_of(ed, sizeof ed);
    json_t *counsellors = json_array();
    sqlite3_stmt *q = NULL;
    st = cl_db_prepare(db, "SELECT name, created_at, removed_at FROM counsellors ORDER BY id", &q);
    while (st == CL_OK && counsellors && sqlite3_step(q) == SQLITE_ROW) {
        json_t *row;
        st = row_json(q, "counsellors", NULL, &row);
        if (st == CL_OK)
            json_array_append_new(counsellors, row);
    }
    if (q)
        sqlite3_finalize(q);
    if (st != CL_OK || !counsellors) {
        json_decref(status);
        json_decref(edhex);
        json_decref(counsellors);
        return st != CL_OK ? st : cl_fail(CL_ESOFTWARE, _("out of memory"));
    }
    char now[32];
    cl_time_iso(cl_now(), now, sizeof now);
    json_t *sec = json_pack("{s:O, s:s, s:s, s:o, s:s, s:s, s:o}", "id", json_object_get(status, "vault_id"),
                            "school", cl_vault_school(v), "fingerprint", cl_vault_fingerprint(v), "ed25519_public",
                            edhex ? edhex : json_null(), "exported_at", now, "exported_by", cl_vault_user(v),
                            "counsellors", counsellors);
    json_decref(status);
    if (!sec)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    json_t *from = meta_json(db, "imported_from");
    if (from)
        json_object_set_new(sec, "imported_from", from);
    *out = sec;
    return CL_OK;
}

static cl_status stream_audit(stream *s, sqlite3 *db)
{
    frame f = {1, 0};
    member(s, &f, "entries");
    cl_status st = stream_query(s, db, "audit", "SELECT * FROM audit ORDER BY id", 2, &s->audit_entries);
    char *anchor = NULL; /* the signed head, so the log can be checked against this file later */
    if (st == CL_OK)
        st = cl_audit_anchor(db, &anchor);
    if (st == CL_OK) {
        json_t *a = json_string(anchor ? anchor : "");
        member(s, &f, "anchor");
        put_value(s, a, 2);
        json_decref(a);
        json_t *imported = meta_json(db, "imported_audit");
        if (imported) {
            member(s, &f, "imported");
            put_value(s, imported, 2);
            json_decref(imported);
        }
    }
    free(anchor);
    close_frame(s, &f, "}", "{}");
    return st;
}

/* The whole document, inside the caller's read transaction. */
static cl_status stream_doc(cl_vault *v, stream *s)
{
    sqlite3 *db = cl_vault_db(v);
    frame doc = {0, 0};
    json_t *head = json_pack("{s:s, s:i, s:i}", "format", CL_TRANSFER_FORMAT, "version", CL_TRANSFER_VERSION, "schema",
                             cl_transfer_schema_version(db));
    json_t *vault = NULL;
    cl_status st = head ? vault_section(v, &vault) : cl_fail(CL_ESOFTWARE, _("out of memory"));
    const char *key;
    json_t *value;
    if (st == CL_OK) {
        json_object_foreach(head, key, value) {
            member(s, &doc, key);
            put_value(s, value, 1);
        }
        member(s, &doc, "vault");
        put_value(s, vault, 1);
    }
    json_decref(head);
    json_decref(vault);
    const struct {
        const char *key, *sql;
        long long *count; /* where the stream counts the section's rows, if it does */
    } sections[] = {
        {"forms", "SELECT * FROM forms ORDER BY id", &s->forms},
        {"students", "SELECT * FROM students ORDER BY id", &s->students},
        {"records", NULL, NULL},
        {"flags", "SELECT * FROM flags ORDER BY id", NULL},
        {"followup_policies", "SELECT * FROM followup_policies ORDER BY basis, value", NULL},
        {"not_duplicates", "SELECT * FROM not_duplicates ORDER BY a, b", NULL},
    };
    for (size_t i = 0; i < sizeof sections / sizeof *sections && st == CL_OK; i++) {
        member(s, &doc, sections[i].key);
        st = sections[i].sql ? stream_query(s, db, sections[i].key, sections[i].sql, 1, sections[i].count)
                             : stream_records(s, db);
    }
    if (st == CL_OK) {
        member(s, &doc, "other_tables");
        st = stream_other_tables(s, db);
    }
    if (st == CL_OK) {
        member(s, &doc, "audit");
        st = stream_audit(s, db);
    }
    close_frame(s, &doc, "}", "{}");
    put_str(s, "\n");
    if (st == CL_OK)
        st = flush(s);
    return st != CL_OK ? cl_fail_context(st, _("exporting the vault")) : CL_OK;
}

/* Streams the document to sink in one read transaction. */
static cl_status export_to(cl_vault *v, sink_fn sink, void *ctx, stream *s)
{
    *s = (stream){sink, ctx, sodium_malloc(STREAM_BUF), 0, CL_OK, 0, 0, 0, 0, 0};
    if (!s->buf)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    sqlite3 *db = cl_vault_db(v);
    cl_status st = cl_db_exec(db, "BEGIN");
    if (st == CL_OK) {
        st = stream_doc(v, s);
        cl_db_rollback(db);
    }
    sodium_free(s->buf);
    s->buf = NULL;
    return st;
}

static cl_status to_memory(void *ctx, const char *data, size_t len)
{
    return cl_buf_append(ctx, data, len);
}

cl_status cl_transfer_export(cl_vault *v, json_t **doc)
{
    *doc = NULL;
    cl_buf text = {0};
    stream s;
    cl_status st = export_to(v, to_memory, &text, &s);
    if (st == CL_OK) {
        json_error_t err;
        *doc = json_loadb(text.data, text.len, JSON_REJECT_DUPLICATES, &err);
        if (!*doc)
            st = cl_fail(CL_ESOFTWARE, _("the export is not the JSON it should be: %s"), err.text);
    }
    if (text.data)
        sodium_memzero(text.data, text.cap);
    cl_buf_free(&text);
    return st;
}

char *cl_transfer_dumps(const json_t *doc)
{
    char *text = json_dumps(doc, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
    if (!text)
        return NULL;
    size_t n = strlen(text);
    char *with_nl = realloc(text, n + 2);
    if (!with_nl) {
        free(text);
        return NULL;
    }
    with_nl[n] = '\n';
    with_nl[n + 1] = '\0';
    return with_nl;
}

static cl_status to_file(void *ctx, const char *data, size_t len)
{
    return cl_file_private_write(ctx, data, len);
}

cl_status cl_transfer_export_file(cl_vault *v, const char *path, json_t **summary)
{
    if (summary)
        *summary = NULL;
    if (access(path, F_OK) == 0)
        return cl_fail(CL_ECANTCREATE, _("%s already exists; it was left untouched (choose another name)"), path);
    /* The intent is audited (and committed) before the first plaintext
     * byte, so the file's audit section names its own export; the outcome
     * follows. */
    cl_status st = cl_vault_output_begin(v, "export.vault", path, "plaintext JSON export of the whole vault");
    if (st != CL_OK)
        return st;
    cl_file_out *f = NULL;
    stream s = {0};
    st = cl_file_atomic_open(path, &f);
    if (st == CL_OK)
        st = export_to(v, to_file, f, &s);
    if (f)
        st = cl_file_private_close(f, st);
    st = cl_vault_output_end(v, "export.vault", path, st);
    if (st == CL_OK && summary)
        *summary = json_pack("{s:s, s:I, s:I, s:I, s:I, s:I}", "path", path, "students", (json_int_t)s.students,
                             "records", (json_int_t)s.records, "forms", (json_int_t)s.forms, "audit_entries",
                             (json_int_t)s.audit_entries, "bytes", (json_int_t)s.bytes);
    return st;
}
