/* Indexing deferred to the end of a transaction (cl_search_defer).
 *
 * FTS5 writes its pending terms out as a new segment of the index at every
 * savepoint: each record written inside a larger transaction (its own
 * SAVEPOINT, and the statement journals of the audit and derived-state
 * triggers) costs a segment, the merges that follow, and slower
 * secure-deletes over the many segments. While deferral is on, the search
 * triggers only queue the record (carelog_search_defer) and the commit
 * indexes each queued record once, in its final state. */
#include "carelog/search.h"
#include "carelog/i18n.h"

#include <stdlib.h>

#include "carelog/storage.h"
#include "carelog/text.h"
#include "search_internal.h"

#define DEFER_NAME "carelog.search_defer"

typedef struct pending {
    long long id;
    long long key; /* its row in search_fts before this transaction; 0: none */
    long long new_key; /* held: the row it gets; 0 while unknown or gone */
} pending;

typedef struct deferral {
    bool on;
    bool held; /* the queue outlives commits until cl_search_index_held */
    size_t n, cap;
    pending *items;
    size_t *slots; /* open addressing over items by id: index + 1, 0 free */
    size_t nslots;
} deferral;

static void deferral_free(void *p)
{
    deferral *d = p;
    if (d) {
        free(d->items);
        free(d->slots);
    }
    free(d);
}

static size_t slot_of(const deferral *d, long long id)
{
    size_t i = (size_t)((unsigned long long)id * 0x9e3779b97f4a7c15ULL >> 7) & (d->nslots - 1);
    while (d->slots[i] && d->items[d->slots[i] - 1].id != id)
        i = (i + 1) & (d->nslots - 1);
    return i;
}

static void clear(deferral *d)
{
    d->n = 0;
    for (size_t i = 0; i < d->nslots; i++)
        d->slots[i] = 0;
}

/* Queues id (not yet queued) with the key it is indexed under. */
static bool queue(deferral *d, long long id, long long key)
{
    if (d->n == d->cap) {
        size_t cap = d->cap ? 2 * d->cap : 256;
        pending *items = realloc(d->items, cap * sizeof *items);
        size_t *slots = calloc(2 * cap, sizeof *slots);
        if (!items || !slots) {
            free(slots);
            if (items)
                d->items = items;
            return false;
        }
        free(d->slots);
        d->items = items;
        d->slots = slots;
        d->nslots = 2 * cap;
        d->cap = cap;
        for (size_t i = 0; i < d->n; i++)
            d->slots[slot_of(d, d->items[i].id)] = i + 1;
    }
    d->items[d->n] = (pending){id, key, 0};
    d->slots[slot_of(d, id)] = ++d->n;
    return true;
}

/* carelog_search_defer(record_id[, indexed_key]): 1 when queued (the
 * trigger then leaves the index alone), 0 when deferral is off. Without a
 * key, the record's current one (its row exists unless it is new). */
static void defer_function(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    sqlite3 *db = sqlite3_context_db_handle(ctx);
    deferral *d = sqlite3_get_clientdata(db, DEFER_NAME);
    if (!d || !d->on || sqlite3_value_type(argv[0]) == SQLITE_NULL) {
        sqlite3_result_int(ctx, 0);
        return;
    }
    long long id = sqlite3_value_int64(argv[0]), key = 0;
    if (d->nslots && d->slots[slot_of(d, id)]) {
        sqlite3_result_int(ctx, 1);
        return;
    }
    if (argc > 1) {
        key = sqlite3_value_int64(argv[1]);
    } else {
        sqlite3_stmt *q;
        if (cl_db_cached(db, "SELECT occurred_at FROM records WHERE id = ?", &q) != CL_OK) {
            sqlite3_result_error(ctx, cl_error_message(), -1);
            return;
        }
        sqlite3_bind_int64(q, 1, id);
        if (sqlite3_step(q) == SQLITE_ROW)
            key = cl_search_key((const char *)sqlite3_column_text(q, 0), id);
        sqlite3_reset(q);
    }
    if (!queue(d, id, key)) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    sqlite3_result_int(ctx, 1);
}

/* One statement each for the deletes and the inserts: a statement of its
 * own per record would open a statement savepoint each, and FTS5 would
 * write a segment each again. The inserts go in ascending rowid: FTS5
 * writes out its pending terms whenever a rowid comes below the last one,
 * so records in their ids' order (keyed by their dates) made a segment
 * every few records. */
static cl_status run_with_ids(sqlite3 *db, const char *sql, const char *ids)
{
    sqlite3_stmt *q;
    cl_status st = cl_db_cached(db, sql, &q);
    if (st != CL_OK)
        return st;
    sqlite3_bind_text(q, 1, ids, -1, SQLITE_STATIC);
    if (sqlite3_step(q) != SQLITE_DONE)
        st = cl_db_fail(db, "updating the search index");
    sqlite3_reset(q);
    return st;
}

static cl_status index_queued(sqlite3 *db, void *ctx)
{
    (void)ctx;
    deferral *d = sqlite3_get_clientdata(db, DEFER_NAME);
    if (!d || d->n == 0 || d->held)
        return CL_OK;
    cl_buf keys = {0}, ids = {0};
    cl_status st = cl_buf_puts(&keys, "[");
    if (st == CL_OK)
        st = cl_buf_puts(&ids, "[");
    for (size_t i = 0; i < d->n && st == CL_OK; i++) {
        if (d->items[i].key)
            st = cl_buf_printf(&keys, "%s%lld", keys.len > 1 ? "," : "", d->items[i].key);
        if (st == CL_OK)
            st = cl_buf_printf(&ids, "%s%lld", i ? "," : "", d->items[i].id);
    }
    if (st == CL_OK)
        st = cl_buf_puts(&keys, "]");
    if (st == CL_OK)
        st = cl_buf_puts(&ids, "]");
    if (st == CL_OK && keys.len > 2)
        st = run_with_ids(db, "DELETE FROM search_fts WHERE rowid IN (SELECT value FROM json_each(?))", keys.data);
    if (st == CL_OK)
        st = run_with_ids(db, "INSERT INTO search_fts(rowid, body, pinyin)"
                              " SELECT carelog_search_key(occurred_at, id), carelog_search_body(id),"
                              " carelog_search_pinyin(id) FROM records WHERE id IN (SELECT value FROM json_each(?))"
                              " ORDER BY 1",
                          ids.data);
    cl_buf_free(&keys);
    cl_buf_free(&ids);
    clear(d);
    return st;
}

cl_status cl_search_register_defer(sqlite3 *db)
{
    if (sqlite3_create_function_v2(db, "carelog_search_defer", 1, SQLITE_UTF8, NULL, defer_function, NULL, NULL,
                                   NULL) != SQLITE_OK ||
        sqlite3_create_function_v2(db, "carelog_search_defer", 2, SQLITE_UTF8, NULL, defer_function, NULL, NULL,
                                   NULL) != SQLITE_OK)
        return cl_db_fail(db, "registering the search functions");
    return CL_OK;
}

static cl_status set_deferral(sqlite3 *db, bool on, bool held)
{
    deferral *d = sqlite3_get_clientdata(db, DEFER_NAME);
    if (!d && !on)
        return CL_OK;
    if (!d) {
        d = calloc(1, sizeof *d);
        if (!d || sqlite3_set_clientdata(db, DEFER_NAME, d, deferral_free) != SQLITE_OK) {
            free(d);
            return cl_fail(CL_ESOFTWARE, _("out of memory"));
        }
    }
    if (on && !d->on) {
        cl_status st = cl_db_set_precommit(db, index_queued, NULL);
        if (st != CL_OK)
            return st;
    }
    /* What is queued when deferral ends belongs to a transaction that was
     * rolled back (a commit indexes and empties the queue). */
    clear(d);
    d->on = on;
    d->held = on && held;
    return CL_OK;
}

cl_status cl_search_defer(sqlite3 *db, bool on)
{
    return set_deferral(db, on, false);
}

cl_status cl_search_hold(sqlite3 *db)
{
    return set_deferral(db, true, true);
}

/* ---- indexing what was held ------------------------------------------ */

static int by_new_key(const void *a, const void *b)
{
    long long x = ((const pending *)a)->new_key, y = ((const pending *)b)->new_key;
    return x < y ? -1 : x > y;
}

/* Each held record's row as it stands now, from one walk of an index of
 * (occurred_at, id); a record written by a transaction that was rolled
 * back is not there and keeps 0. */
static cl_status find_new_keys(sqlite3 *db, deferral *d)
{
    sqlite3_stmt *q;
    cl_status st = cl_db_prepare(db, "SELECT id, occurred_at FROM records", &q);
    if (st != CL_OK)
        return st;
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        size_t slot = slot_of(d, sqlite3_column_int64(q, 0));
        if (d->slots[slot])
            d->items[d->slots[slot] - 1].new_key =
                cl_search_key((const char *)sqlite3_column_text(q, 1), sqlite3_column_int64(q, 0));
    }
    if (rc != SQLITE_DONE)
        st = cl_db_fail(db, "reading the records to index");
    sqlite3_finalize(q);
    return st;
}

/* The rows the held records had before (none for a new record). */
static cl_status delete_old_rows(sqlite3 *db, const deferral *d)
{
    cl_buf keys = {0};
    cl_status st = cl_buf_puts(&keys, "[");
    for (size_t i = 0; i < d->n && st == CL_OK; i++)
        if (d->items[i].key)
            st = cl_buf_printf(&keys, "%s%lld", keys.len > 1 ? "," : "", d->items[i].key);
    if (st == CL_OK)
        st = cl_buf_puts(&keys, "]");
    if (st == CL_OK && keys.len > 2) {
        st = cl_db_begin(db);
        if (st == CL_OK)
            st = run_with_ids(db, "DELETE FROM search_fts WHERE rowid IN (SELECT value FROM json_each(?))",
                              keys.data);
        st = st == CL_OK ? cl_db_commit(db) : (cl_db_rollback(db), st);
    }
    cl_buf_free(&keys);
    return st;
}

/* items[from, to) (ascending rows) in one transaction and one statement:
 * FTS5 appends them to its pending terms in order, and its content and
 * sizes tables grow at their ends instead of all over. */
static cl_status index_range(sqlite3 *db, const pending *items, size_t from, size_t to)
{
    cl_buf rows = {0};
    cl_status st = cl_buf_puts(&rows, "[");
    for (size_t i = from; i < to && st == CL_OK; i++)
        st = cl_buf_printf(&rows, "%s[%lld,%lld]", i > from ? "," : "", items[i].new_key, items[i].id);
    if (st == CL_OK)
        st = cl_buf_puts(&rows, "]");
    if (st == CL_OK)
        st = cl_db_begin(db);
    if (st == CL_OK) {
        st = run_with_ids(db, "INSERT INTO search_fts(rowid, body, pinyin)"
                              " SELECT value ->> 0, carelog_search_body(value ->> 1), carelog_search_pinyin(value ->> 1)"
                              " FROM json_each(?)",
                          rows.data);
        st = st == CL_OK ? cl_db_commit(db) : (cl_db_rollback(db), st);
    }
    cl_buf_free(&rows);
    return st;
}

cl_status cl_search_index_held(sqlite3 *db, cl_search_merge_fn progress, void *ctx)
{
    deferral *d = sqlite3_get_clientdata(db, DEFER_NAME);
    if (!d || !d->held)
        return CL_OK;
    /* What follows commits: the queue must not be indexed again there. */
    d->on = false;
    cl_status st = d->n ? find_new_keys(db, d) : CL_OK;
    if (st == CL_OK)
        st = delete_old_rows(db, d);
    if (st == CL_OK) {
        /* The slots index the items in their old order: sorting ends them. */
        qsort(d->items, d->n, sizeof *d->items, by_new_key);
        size_t first = 0;
        while (first < d->n && d->items[first].new_key == 0)
            first++;
        for (size_t at = first; at < d->n && st == CL_OK;) {
            size_t to = d->n - at > CL_SEARCH_HELD_CHUNK ? at + CL_SEARCH_HELD_CHUNK : d->n;
            st = index_range(db, d->items, at, to);
            at = to;
            if (st == CL_OK && progress)
                progress((int)((at - first) * 100 / (d->n - first)), ctx);
        }
    }
    clear(d);
    d->held = false;
    return st;
}
