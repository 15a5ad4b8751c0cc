/* The catalogue of forms: every version of every form the vault has used,
 * and a per-process cache of parsed forms.
 *
 * The cache is keyed by the digest of the form text, not by row id: a
 * process may open several vaults (tests do), and one text always parses to
 * the same form. Entries live until the process ends. */
#include "carelog/catalog.h"
#include "carelog/i18n.h"

#include <stdlib.h>
#include <string.h>

#include "carelog/clock.h"
#include "carelog/file.h"
#include "carelog/record.h"
#include "carelog/storage.h"
#include "carelog/text.h"
#include "record_internal.h"

#define FORM_FILE_MAX (1024 * 1024)

typedef struct cache_entry {
    char digest[65];
    cl_form *form;
    struct cache_entry *next;
} cache_entry;

static cache_entry *cache;
static int cache_registered;

static void cache_free(void)
{
    while (cache) {
        cache_entry *next = cache->next;
        cl_form_free(cache->form);
        free(cache);
        cache = next;
    }
}

/* The parsed form for a text with this digest, parsing it once. */
static cl_status cache_get(const char *digest, const char *text, size_t len, const char *name, const cl_form **out)
{
    for (cache_entry *e = cache; e; e = e->next)
        if (strcmp(e->digest, digest) == 0) {
            *out = e->form;
            return CL_OK;
        }
    cl_form *f;
    cl_status st = cl_form_parse(text, len, name, &f);
    if (st != CL_OK)
        return st;
    cache_entry *e = calloc(1, sizeof *e);
    if (!e) {
        cl_form_free(f);
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    }
    if (!cache_registered) {
        atexit(cache_free);
        cache_registered = 1;
    }
    snprintf(e->digest, sizeof e->digest, "%s", digest);
    e->form = f;
    e->next = cache;
    cache = e;
    *out = f;
    return CL_OK;
}

/* Rules a form must keep so the rest of carelog works with its kind. */
/* Fields whose meaning carelog relies on beyond the form itself: dates it
 * sorts and schedules by, and the columns lists filter on. A school may
 * change labels, help and choices, but not these fields' types. */
typedef struct field_rule {
    const char *kind; /* NULL: every kind */
    const char *id;
    bool required;    /* the kind's form must keep the field */
    unsigned types;   /* bit set of cl_field_type */
} field_rule;

#define T(x) (1u << (x))
static const field_rule field_rules[] = {
    {NULL, "occurred_at", false, T(CL_FIELD_DATE) | T(CL_FIELD_DATETIME)},
    {NULL, "follow_up", false, T(CL_FIELD_DATE)},
    {"student", "number", true, T(CL_FIELD_TEXT)},
    {"student", "name", true, T(CL_FIELD_TEXT)},
    {"student", "class", true, T(CL_FIELD_TEXT)},
    {"student", "status", true, T(CL_FIELD_CHOICE)},
    {"student", "birth_date", false, T(CL_FIELD_DATE)},
    {"student", "circumstances", false, T(CL_FIELD_MULTI)},
    {"assessment", "risk_level", true, T(CL_FIELD_SCALE)},
    {"assessment", "misconduct_tier", true, T(CL_FIELD_CHOICE)},
    {"review", "plan", false, T(CL_FIELD_NUMBER)},
};
#undef T

static cl_status check_kind_rules(const cl_form *f, const char *name)
{
    const char *kind = cl_form_kind(f);
    for (size_t i = 0; i < sizeof field_rules / sizeof *field_rules; i++) {
        const field_rule *r = &field_rules[i];
        if (r->kind && strcmp(r->kind, kind) != 0)
            continue;
        const cl_field *fld = cl_form_field(f, r->id);
        if (!fld && r->required)
            return cl_fail(CL_EDATA, _("%s: the %s form must keep the field \"%s\" (carelog relies on it)"), name, kind,
                           r->id);
        if (fld && !(r->types & (1u << fld->type)))
            return cl_fail(CL_EDATA, _("%s:%u: the field \"%s\" must keep its type (carelog sorts, schedules or "
                                     "filters by it); change its label and help instead"), name, fld->line, r->id);
    }
    const cl_field *risk = strcmp(kind, "assessment") == 0 ? cl_form_field(f, "risk_level") : NULL;
    if (risk && (risk->min != 0 || risk->max != 3))
        return cl_fail(CL_EDATA, _("%s:%u: risk_level must stay a scale from 0 to 3"), name, risk->line);
    return CL_OK;
}

/* Stores a form text as the newest version of its kind unless that exact
 * text is already there. Inside the caller's transaction. */
static cl_status store_form(cl_vault *v, const char *text, size_t len, const char *name, const char **kind_out,
                            int *version, bool *added)
{
    const cl_form *f;
    char digest[65];
    if (memchr(text, '\0', len))
        return cl_fail(CL_EDATA, _("%s: the form holds a NUL byte; a form is plain UTF-8 text"), name);
    cl_form_digest(text, len, digest);
    cl_status st = cache_get(digest, text, len, name, &f);
    if (st == CL_OK)
        st = check_kind_rules(f, name);
    if (st != CL_OK)
        return st;
    const char *kind = cl_form_kind(f);
    if (kind_out)
        *kind_out = kind;
    sqlite3 *db = cl_vault_db(v);
    sqlite3_stmt *q;
    st = cl_db_prepare(db, "SELECT version FROM forms WHERE kind = ? AND digest = ?", &q);
    if (st != CL_OK)
        return st;
    sqlite3_bind_text(q, 1, kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, digest, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        *version = sqlite3_column_int(q, 0);
        *added = false;
        sqlite3_finalize(q);
        return CL_OK;
    }
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE)
        return cl_db_fail(db, "reading the forms");
    st = cl_db_prepare(db, "INSERT INTO forms(kind, version, source, digest, imported_at) "
                           "VALUES (?1, (SELECT COALESCE(MAX(version), 0) + 1 FROM forms WHERE kind = ?1), ?2, ?3, ?4) "
                           "RETURNING version", &q);
    if (st != CL_OK)
        return st;
    char now[32];
    cl_time_iso(cl_now(), now, sizeof now);
    sqlite3_bind_text(q, 1, kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, text, (int)len, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, digest, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 4, now, -1, SQLITE_STATIC);
    if (sqlite3_step(q) == SQLITE_ROW) {
        *version = sqlite3_column_int(q, 0);
        *added = true;
    } else {
        st = cl_db_fail(db, "saving the form");
    }
    sqlite3_finalize(q);
    return st;
}

cl_status cl_catalog_install_builtin(cl_vault *v)
{
    sqlite3 *db = cl_vault_db(v);
    cl_tx tx;
    cl_status st = cl_tx_begin(db, &tx);
    if (st != CL_OK)
        return st;
    for (const cl_builtin_form *b = cl_builtin_forms; b->name && st == CL_OK; b++) {
        const char *kind;
        int version;
        bool added;
        st = store_form(v, b->text, b->len, b->name, &kind, &version, &added);
        if (st == CL_OK && added) {
            char target[96], detail[64];
            snprintf(target, sizeof target, "form %s", kind);
            snprintf(detail, sizeof detail, "version %d (built in)", version);
            st = cl_vault_audit(v, "form.install", target, detail);
        }
    }
    return cl_tx_end(&tx, st);
}

cl_status cl_catalog_import_file(cl_vault *v, const char *path, char **kind_out, int *version, bool *added)
{
    unsigned char *data;
    size_t len;
    cl_status st = cl_file_read(path, FORM_FILE_MAX, &data, &len);
    if (st != CL_OK)
        return st;
    sqlite3 *db = cl_vault_db(v);
    const char *kind = NULL;
    bool was_added = false;
    cl_tx tx;
    st = cl_tx_begin(db, &tx);
    if (st == CL_OK) {
        st = store_form(v, (const char *)data, len, path, &kind, version, &was_added);
        if (st == CL_OK && was_added) {
            char *target = cl_strdup_printf("form %s", kind);
            char detail[64];
            snprintf(detail, sizeof detail, "version %d", *version);
            st = target ? cl_vault_audit(v, "form.import", target, detail) : cl_fail(CL_ESOFTWARE, _("out of memory"));
            free(target);
        }
        st = cl_tx_end(&tx, st);
    }
    free(data);
    if (st == CL_OK && kind_out) {
        *kind_out = strdup(kind);
        if (!*kind_out)
            return cl_fail(CL_ESOFTWARE, _("out of memory"));
    }
    if (added)
        *added = was_added;
    return st;
}

cl_status cl_catalog_import(cl_vault *v, const char *path, int *version)
{
    return cl_catalog_import_file(v, path, NULL, version, NULL);
}

/* Reads one forms row (source, digest, version) and parses it via the cache. */
static cl_status load_row(cl_vault *v, sqlite3_stmt *q, const cl_form **form, long long *form_id, int *version)
{
    const char *text = (const char *)sqlite3_column_text(q, 1);
    size_t len = (size_t)sqlite3_column_bytes(q, 1);
    const char *digest = (const char *)sqlite3_column_text(q, 2);
    if (form_id)
        *form_id = sqlite3_column_int64(q, 0);
    if (version)
        *version = sqlite3_column_int(q, 3);
    char name[64];
    snprintf(name, sizeof name, "%s (version %d in the vault)", (const char *)sqlite3_column_text(q, 4),
             sqlite3_column_int(q, 3));
    (void)v;
    return cache_get(digest ? digest : "", text ? text : "", len, name, form);
}

/* "observation, session, …": every kind in the vault. */
static char *kind_names(sqlite3 *db)
{
    cl_buf b = {0};
    sqlite3_stmt *q;
    if (cl_db_prepare(db, "SELECT DISTINCT kind FROM forms ORDER BY kind", &q) != CL_OK)
        return strdup("");
    int n = 0;
    while (sqlite3_step(q) == SQLITE_ROW)
        cl_buf_printf(&b, "%s%s", n++ ? ", " : "", (const char *)sqlite3_column_text(q, 0));
    sqlite3_finalize(q);
    char *s = cl_buf_take(&b);
    return s ? s : strdup("");
}

cl_status cl_catalog_current(cl_vault *v, const char *kind, const cl_form **form, long long *form_id)
{
    sqlite3 *db = cl_vault_db(v);
    sqlite3_stmt *q;
    cl_status st = cl_db_cached(db, "SELECT id, source, digest, version, kind FROM forms WHERE kind = ? "
                                     "ORDER BY version DESC LIMIT 1", &q);
    if (st != CL_OK)
        return st;
    sqlite3_bind_text(q, 1, kind ? kind : "", -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        st = load_row(v, q, form, form_id, NULL);
    } else if (rc == SQLITE_DONE) {
        char *kinds = kind_names(db);
        st = cl_fail(CL_ENOTFOUND, _("there is no kind of record \"%s\"; the kinds are: %s (`carelog form list`)"),
                     kind ? kind : "", kinds ? kinds : "");
        free(kinds);
    } else {
        st = cl_db_fail(db, "reading the forms");
    }
    sqlite3_reset(q);
    return st;
}

const char *cl_catalog_kind_label(cl_vault *v, const char *kind, const char *lang)
{
    const cl_form *form = NULL;
    if (!kind)
        return "";
    if (cl_catalog_current(v, kind, &form, NULL) != CL_OK) {
        cl_error_clear();
        return kind;
    }
    return cl_form_short_title(form, lang);
}

cl_status cl_catalog_get(cl_vault *v, long long form_id, const cl_form **form, int *version)
{
    sqlite3 *db = cl_vault_db(v);
    sqlite3_stmt *q;
    cl_status st = cl_db_prepare(db, "SELECT id, source, digest, version, kind FROM forms WHERE id = ?", &q);
    if (st != CL_OK)
        return st;
    sqlite3_bind_int64(q, 1, form_id);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        st = load_row(v, q, form, NULL, version);
    else if (rc == SQLITE_DONE)
        st = cl_fail(CL_ENOTFOUND, _("there is no form #%lld in this vault"), form_id);
    else
        st = cl_db_fail(db, "reading the forms");
    sqlite3_finalize(q);
    return st;
}

cl_status cl_catalog_list(cl_vault *v, json_t **out)
{
    sqlite3 *db = cl_vault_db(v);
    sqlite3_stmt *q;
    cl_status st = cl_db_prepare(db, "SELECT f.id, f.source, f.digest, f.version, f.kind, f.imported_at,"
                                     " (SELECT COUNT(*) FROM forms g WHERE g.kind = f.kind) FROM forms f "
                                     "WHERE f.version = (SELECT MAX(version) FROM forms g WHERE g.kind = f.kind) "
                                     "ORDER BY f.kind", &q);
    if (st != CL_OK)
        return st;
    json_t *list = json_array();
    int rc;
    while (st == CL_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        const cl_form *f;
        int version;
        st = load_row(v, q, &f, NULL, &version);
        if (st != CL_OK)
            break;
        json_array_append_new(list, json_pack("{s:s, s:i, s:s, s:s, s:I, s:I, s:s, s:b}", "kind", cl_form_kind(f),
                                              "version", version, "title_zh", cl_form_title(f, "zh"), "title_en",
                                              cl_form_title(f, "en"), "fields", (json_int_t)cl_form_field_count(f),
                                              "versions", (json_int_t)sqlite3_column_int64(q, 6), "imported_at",
                                              (const char *)sqlite3_column_text(q, 5), "signable",
                                              cl_record_kind_signable(cl_form_kind(f))));
    }
    if (st == CL_OK && rc != SQLITE_DONE)
        st = cl_db_fail(db, "reading the forms");
    sqlite3_finalize(q);
    if (st != CL_OK) {
        json_decref(list);
        return st;
    }
    *out = list;
    return CL_OK;
}

cl_status cl_catalog_source(cl_vault *v, const char *kind, int version, char **text)
{
    sqlite3 *db = cl_vault_db(v);
    sqlite3_stmt *q;
    cl_status st = cl_db_prepare(db, "SELECT source, version FROM forms WHERE kind = ?1 AND "
                                     "(?2 = 0 OR version = ?2) ORDER BY version DESC LIMIT 1", &q);
    if (st != CL_OK)
        return st;
    sqlite3_bind_text(q, 1, kind ? kind : "", -1, SQLITE_STATIC);
    sqlite3_bind_int(q, 2, version);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        *text = strdup((const char *)sqlite3_column_text(q, 0));
        st = *text ? CL_OK : cl_fail(CL_ESOFTWARE, _("out of memory"));
    } else if (rc == SQLITE_DONE) {
        sqlite3_finalize(q);
        const cl_form *f;
        st = cl_catalog_current(v, kind, &f, NULL); /* names the kinds when the kind is unknown */
        if (st == CL_OK)
            st = cl_fail(CL_ENOTFOUND, _("the form %s has no version %d (`carelog form list` shows the newest)"), kind,
                         version);
        return st;
    } else {
        st = cl_db_fail(db, "reading the forms");
    }
    sqlite3_finalize(q);
    return st;
}
