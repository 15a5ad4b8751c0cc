/* The search index's text: what each record says now, built by SQL
 * functions that the triggers of schema.c call inside every write, so no
 * write path (add, edit, amend, merge, import, generate, and any added
 * later) can leave the index behind. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "carelog/audit.h"
#include "carelog/form.h"
#include "carelog/i18n.h"
#include "carelog/pinyin.h"
#include "carelog/search.h"
#include "carelog/storage.h"
#include "carelog/text.h"
#include "record_internal.h"
#include "search_internal.h"

/* Parsed forms by id, per connection: a record's choice labels come from
 * the form version it was written with. The digest is checked because an
 * import replaces the forms under the same ids. */
typedef struct cached_form {
    long long id;
    char *digest;
    cl_form *form;
} cached_form;

/* The statements the functions run for every record written, kept by
 * cl_db_cached (preparing costs more than running them). */
enum { Q_FORM, Q_FORM_SOURCE, Q_RECORD, Q_AMENDMENTS, Q_NOTES, Q_STUDENT, Q_COUNT };
static const char *const queries[Q_COUNT] = {
    /* The digest alone for every record: a form's source spans overflow
     * pages, read only when the form is parsed. */
    "SELECT digest FROM forms WHERE id = ?",
    "SELECT source FROM forms WHERE id = ?",
    "SELECT form_id, fields FROM records WHERE id = ?",
    "SELECT text FROM amendments WHERE record_id = ? ORDER BY id",
    /* The first transition's note is carelog's own "created". */
    "SELECT note FROM referral_transitions WHERE record_id = ? AND from_state IS NOT NULL ORDER BY id",
    ("SELECT r.kind, r.author, s.class, CASE WHEN r.kind = 'student' THEN r.fields END"
     " FROM records r LEFT JOIN students s ON s.id = r.student_id WHERE r.id = ?"),
};

typedef struct form_cache {
    cached_form *v;
    size_t n, cap;
} form_cache;

static void form_cache_free(void *p)
{
    form_cache *c = p;
    for (size_t i = 0; i < c->n; i++) {
        free(c->v[i].digest);
        cl_form_free(c->v[i].form);
    }
    free(c->v);
    free(c);
}

/* The statement `which`, bound to id; the caller resets it when done. */
static sqlite3_stmt *statement(sqlite3 *db, int which, long long id)
{
    sqlite3_stmt *q;
    if (cl_db_cached(db, queries[which], &q) != CL_OK)
        return NULL;
    sqlite3_bind_int64(q, 1, id);
    return q;
}

static const cl_form *form_of(form_cache *c, sqlite3 *db, long long id)
{
    sqlite3_stmt *q = statement(db, Q_FORM, id);
    if (!q)
        return NULL;
    const cl_form *found = NULL;
    if (sqlite3_step(q) == SQLITE_ROW) {
        const char *digest = (const char *)sqlite3_column_text(q, 0);
        cached_form *slot = NULL;
        for (size_t i = 0; i < c->n && !slot; i++)
            if (c->v[i].id == id)
                slot = &c->v[i];
        if (slot && digest && strcmp(slot->digest, digest) == 0) {
            found = slot->form;
        } else {
            cl_form *form = NULL;
            sqlite3_stmt *sq = statement(db, Q_FORM_SOURCE, id);
            const char *src = sq && sqlite3_step(sq) == SQLITE_ROW ? (const char *)sqlite3_column_text(sq, 0) : NULL;
            if (src && digest && cl_form_parse(src, (size_t)sqlite3_column_bytes(sq, 0), NULL, &form) == CL_OK) {
                if (!slot && c->n == c->cap) {
                    size_t cap = c->cap ? c->cap * 2 : 16;
                    cached_form *grown = realloc(c->v, cap * sizeof *grown);
                    if (grown)
                        c->v = grown, c->cap = cap;
                }
                if (!slot && c->n < c->cap)
                    slot = &c->v[c->n++], slot->digest = NULL, slot->form = NULL;
                char *d = slot ? strdup(digest) : NULL;
                if (d) {
                    free(slot->digest);
                    cl_form_free(slot->form);
                    *slot = (cached_form){id, d, form};
                    found = form;
                } else {
                    cl_form_free(form);
                }
            }
            if (sq)
                sqlite3_reset(sq);
            cl_error_clear();
        }
    }
    sqlite3_reset(q);
    return found;
}

/* Appends one piece of text on a line of its own, control characters taken
 * out (so that the snippet marks are unambiguous). */
static void add_text(cl_buf *b, const char *s)
{
    if (!s || !*s)
        return;
    size_t from = b->len;
    cl_buf_puts(b, s);
    for (size_t i = from; i < b->len; i++)
        if ((unsigned char)b->data[i] < 0x20 || b->data[i] == 0x7f)
            b->data[i] = ' ';
    cl_buf_puts(b, "\n");
}

static void add_choice(cl_buf *b, const cl_field *f, const char *id)
{
    const char *zh = cl_field_choice_label(f, id, "zh"), *en = cl_field_choice_label(f, id, "en");
    add_text(b, zh);
    if (en && (!zh || strcmp(en, zh) != 0))
        add_text(b, en);
}

static void add_value(cl_buf *b, const cl_field *f, const json_t *v)
{
    switch (f->type) {
    case CL_FIELD_TEXT:
    case CL_FIELD_LONGTEXT:
        add_text(b, json_string_value(v));
        break;
    case CL_FIELD_CHOICE:
        if (json_is_string(v))
            add_choice(b, f, json_string_value(v));
        break;
    case CL_FIELD_MULTI: {
        size_t i;
        const json_t *item;
        json_array_foreach(v, i, item) if (json_is_string(item)) add_choice(b, f, json_string_value(item));
        break;
    }
    case CL_FIELD_NUMBER:
        if (json_is_number(v)) {
            char num[64];
            if (json_is_integer(v))
                snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
            else
                snprintf(num, sizeof num, "%g", json_real_value(v));
            add_text(b, num);
        }
        break;
    case CL_FIELD_GROUP: {
        size_t i;
        const json_t *item;
        json_array_foreach(v, i, item) {
            for (size_t k = 0; k < f->n_subfields; k++)
                add_value(b, &f->subfields[k], json_object_get(item, f->subfields[k].id));
        }
        break;
    }
    default: /* dates, yes/no, scales and student links are filters, not words */
        break;
    }
}

/* A record's fields without their form (which should not happen): every
 * string, so nothing written is unfindable. */
static void add_strings(cl_buf *b, const json_t *v)
{
    if (json_is_string(v)) {
        add_text(b, json_string_value(v));
    } else if (json_is_array(v)) {
        size_t i;
        const json_t *item;
        json_array_foreach(v, i, item) add_strings(b, item);
    } else if (json_is_object(v)) {
        const char *key;
        const json_t *item;
        json_object_foreach((json_t *)v, key, item) add_strings(b, item);
    }
}

static void add_rows(cl_buf *b, sqlite3 *db, int which, long long id)
{
    sqlite3_stmt *q = statement(db, which, id);
    if (!q)
        return;
    while (sqlite3_step(q) == SQLITE_ROW)
        add_text(b, (const char *)sqlite3_column_text(q, 0));
    sqlite3_reset(q);
}

static char *record_text(form_cache *c, sqlite3 *db, long long id)
{
    sqlite3_stmt *q = statement(db, Q_RECORD, id);
    if (!q)
        return NULL;
    cl_buf b = {0};
    bool found = false;
    if (sqlite3_step(q) == SQLITE_ROW) {
        found = true;
        json_t *fields = json_loads((const char *)sqlite3_column_text(q, 1), 0, NULL);
        const cl_form *form = form_of(c, db, sqlite3_column_int64(q, 0));
        if (form) {
            for (size_t i = 0; i < cl_form_field_count(form); i++) {
                const cl_field *f = cl_form_field_at(form, i);
                add_value(&b, f, json_object_get(fields, f->id));
            }
        } else {
            add_strings(&b, fields);
        }
        json_decref(fields);
    }
    sqlite3_reset(q);
    if (!found)
        return NULL;
    add_rows(&b, db, Q_AMENDMENTS, id);
    add_rows(&b, db, Q_NOTES, id);
    return cl_buf_take(&b);
}

static cl_search_progress_fn progress_fn;
static void *progress_ctx;
static long long progress_count;

void cl_search_on_progress(cl_search_progress_fn fn, void *ctx)
{
    progress_fn = fn;
    progress_ctx = ctx;
    progress_count = 0;
}

static void body_function(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    if (progress_fn && ++progress_count % CL_SEARCH_PROGRESS_EVERY == 0)
        progress_fn(progress_count, progress_ctx);
    char *text = record_text(sqlite3_user_data(ctx), sqlite3_context_db_handle(ctx), sqlite3_value_int64(argv[0]));
    if (text)
        sqlite3_result_text(ctx, text, -1, free);
    else
        sqlite3_result_null(ctx);
}

void cl_search_filter_key(char type, const char *value, char out[CL_SEARCH_FILTER_KEY_LEN])
{
    unsigned long long h = 0xcbf29ce484222325ULL;
    for (const unsigned char *p = (const unsigned char *)value; *p; p++)
        h = (h ^ *p) * 0x100000001b3ULL;
    snprintf(out, CL_SEARCH_FILTER_KEY_LEN, "0%c%016llx", type, h);
}

static void add_filter_key(cl_buf *b, char type, const unsigned char *value)
{
    if (!value || !*value)
        return;
    char key[CL_SEARCH_FILTER_KEY_LEN];
    cl_search_filter_key(type, (const char *)value, key);
    cl_buf_printf(b, "%s%s", b->len ? " " : "", key);
}

/* The second column: a student's pinyin keys (pinyin.h), then the
 * filters' keys of any record (search_internal.h). */
static void pinyin_function(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    sqlite3 *db = sqlite3_context_db_handle(ctx);
    sqlite3_stmt *q = statement(db, Q_STUDENT, sqlite3_value_int64(argv[0]));
    if (!q) {
        sqlite3_result_error(ctx, sqlite3_errmsg(db), -1);
        return;
    }
    cl_buf b = {0};
    bool found = false;
    if (sqlite3_step(q) == SQLITE_ROW) {
        found = true;
        char *keys = NULL;
        if (sqlite3_column_text(q, 3)) {
            json_t *fields = json_loads((const char *)sqlite3_column_text(q, 3), 0, NULL);
            if (cl_pinyin_keys(cl_json_str(fields, "name"), &keys) != CL_OK)
                keys = NULL;
            json_decref(fields);
        }
        if (keys && *keys)
            cl_buf_puts(&b, keys);
        free(keys);
        add_filter_key(&b, 'k', sqlite3_column_text(q, 0));
        add_filter_key(&b, 'a', sqlite3_column_text(q, 1));
        add_filter_key(&b, 'c', sqlite3_column_text(q, 2));
    }
    sqlite3_reset(q);
    char *text = found ? cl_buf_take(&b) : NULL;
    cl_buf_free(&b);
    if (text)
        sqlite3_result_text(ctx, text, -1, free);
    else
        sqlite3_result_null(ctx);
}

/* Minutes from 1970-01-01 to 10000-01-01: every date a record can hold. */
#define KEY_MINUTES_END (2932897LL * 1440)

long long cl_search_key(const char *occurred_at, long long record_id)
{
    long long minutes = 0;
    char day[11];
    if (occurred_at && strlen(occurred_at) >= 10) {
        memcpy(day, occurred_at, 10);
        day[10] = '\0';
        long days = cl_date_days(day);
        if (days != LONG_MIN && days >= 0) {
            minutes = (long long)days * 1440;
            int h, m;
            if (sscanf(occurred_at + 10, "T%2d:%2d", &h, &m) == 2 && h >= 0 && h < 24 && m >= 0 && m < 60)
                minutes += h * 60 + m;
        }
    }
    if (minutes > KEY_MINUTES_END)
        minutes = KEY_MINUTES_END;
    return (KEY_MINUTES_END - minutes) * (CL_SEARCH_KEY_ID_MASK + 1) +
           (CL_SEARCH_KEY_ID_MASK - (record_id & CL_SEARCH_KEY_ID_MASK));
}

static void pinyin_matches_function(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    sqlite3_result_int(ctx, cl_pinyin_matches((const char *)sqlite3_value_text(argv[0]),
                                              (const char *)sqlite3_value_text(argv[1])));
}

static void key_function(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    sqlite3_result_int64(ctx, cl_search_key((const char *)sqlite3_value_text(argv[0]), sqlite3_value_int64(argv[1])));
}

cl_status cl_search_register(sqlite3 *db)
{
    cl_status st = cl_search_register_tokenizer(db);
    if (st == CL_OK)
        st = cl_search_register_defer(db);
    if (st != CL_OK)
        return st;
    form_cache *cache = calloc(1, sizeof *cache);
    if (!cache)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    /* The cache is freed by SQLite, also when registering fails. */
    if (sqlite3_create_function_v2(db, "carelog_search_body", 1, SQLITE_UTF8, cache, body_function, NULL, NULL,
                                   form_cache_free) != SQLITE_OK ||
        sqlite3_create_function_v2(db, "carelog_search_pinyin", 1, SQLITE_UTF8, NULL, pinyin_function, NULL, NULL,
                                   NULL) != SQLITE_OK ||
        sqlite3_create_function_v2(db, "carelog_pinyin_matches", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
                                   pinyin_matches_function, NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_create_function_v2(db, "carelog_search_key", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
                                   key_function, NULL, NULL, NULL) != SQLITE_OK)
        return cl_db_fail(db, "registering the search functions");
    return CL_OK;
}



cl_status cl_search_rebuild(cl_vault *v, long long *records)
{
    sqlite3 *db = cl_vault_db(v);
    cl_tx tx;
    cl_status st = cl_tx_begin(db, &tx);
    if (st != CL_OK)
        return st;
    st = cl_db_exec(db, CL_SEARCH_REINDEX_SQL);
    long long n = 0;
    if (st == CL_OK) {
        sqlite3_stmt *q;
        st = cl_db_prepare(db, "SELECT count(*) FROM records", &q);
        if (st == CL_OK) {
            n = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
            sqlite3_finalize(q);
        }
    }
    if (st == CL_OK) {
        char detail[64];
        snprintf(detail, sizeof detail, "%lld records", n);
        st = cl_vault_audit(v, "search.rebuild", "search index", detail);
    }
    st = cl_tx_end(&tx, st);
    if (st == CL_OK && records)
        *records = n;
    return st == CL_OK ? st : cl_fail_context(st, "%s", _("rebuilding the search index"));
}

static cl_status count_of(sqlite3 *db, const char *sql, long long *n)
{
    sqlite3_stmt *q;
    cl_status st = cl_db_prepare(db, sql, &q);
    if (st != CL_OK)
        return st;
    if (sqlite3_step(q) == SQLITE_ROW)
        *n = sqlite3_column_int64(q, 0);
    else
        st = cl_db_fail(db, _("checking the search index"));
    sqlite3_finalize(q);
    return st;
}

static cl_status check(cl_vault *v, bool text)
{
    sqlite3 *db = cl_vault_db(v);
    if (sqlite3_exec(db, "INSERT INTO search_fts(search_fts, rank) VALUES ('integrity-check', 1)", NULL, NULL,
                     NULL) != SQLITE_OK)
        return cl_fail(CL_EDATA, _("the search index is damaged (%s); rebuild it with `carelog search --rebuild`"),
                       sqlite3_errmsg(db));
    long long stale = 0, orphans = 0;
    cl_status st = count_of(db, text ? "SELECT count(*) FROM records r"
                                       " LEFT JOIN search_fts f ON f.rowid = carelog_search_key(r.occurred_at, r.id)"
                                       " WHERE f.rowid IS NULL OR f.body IS NOT carelog_search_body(r.id)"
                                       " OR f.pinyin IS NOT carelog_search_pinyin(r.id)"
                                     : "SELECT count(*) FROM records r WHERE NOT EXISTS (SELECT 1 FROM search_fts"
                                       " WHERE rowid = carelog_search_key(r.occurred_at, r.id))",
                            &stale);
    if (st == CL_OK)
        st = count_of(db, "SELECT count(*) FROM search_fts WHERE rowid NOT IN"
                          " (SELECT carelog_search_key(occurred_at, id) FROM records)", &orphans);
    if (st != CL_OK)
        return st;
    if (stale || orphans)
        return cl_fail(CL_EDATA, _("the search index is out of step with %lld records; rebuild it with `carelog "
                                   "search --rebuild`"), stale + orphans);
    return CL_OK;
}

cl_status cl_search_check(cl_vault *v)
{
    return check(v, false);
}

cl_status cl_search_check_text(cl_vault *v)
{
    return check(v, true);
}
