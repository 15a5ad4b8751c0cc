/* Prepared statements kept for the connection's lifetime. Preparing the
 * statements of a record write (and its derived state) costs more than
 * running them (every allocation it makes is wiped again when freed); a
 * write reuses them instead. */
#include "carelog/storage.h"

#include "carelog/i18n.h"

#include <stdlib.h>

#define CACHE_NAME "carelog.statements"

typedef struct cached {
    const char *sql; /* a string literal: found by its address */
    sqlite3_stmt *stmt;
} cached;

typedef struct cache {
    size_t n, cap;
    cached *items;
} cache;

static void cache_free(void *p)
{
    cache *c = p;
    for (size_t i = 0; c && i < c->n; i++)
        sqlite3_finalize(c->items[i].stmt);
    if (c)
        free(c->items);
    free(c);
}

cl_status cl_db_cached(sqlite3 *db, const char *sql, sqlite3_stmt **out)
{
    cache *c = sqlite3_get_clientdata(db, CACHE_NAME);
    if (!c) {
        c = calloc(1, sizeof *c);
        /* On failure SQLite has already run cache_free on c. */
        if (!c || sqlite3_set_clientdata(db, CACHE_NAME, c, cache_free) != SQLITE_OK)
            return cl_fail(CL_ESOFTWARE, _("out of memory"));
    }
    for (size_t i = 0; i < c->n; i++)
        if (c->items[i].sql == sql) {
            sqlite3_reset(c->items[i].stmt);
            sqlite3_clear_bindings(c->items[i].stmt);
            *out = c->items[i].stmt;
            return CL_OK;
        }
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 32;
        cached *grown = realloc(c->items, cap * sizeof *grown);
        if (!grown)
            return cl_fail(CL_ESOFTWARE, _("out of memory"));
        c->items = grown;
        c->cap = cap;
    }
    sqlite3_stmt *q;
    if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &q, NULL) != SQLITE_OK)
        return cl_db_fail(db, "preparing a query");
    c->items[c->n++] = (cached){sql, q};
    *out = q;
    return CL_OK;
}

void cl_db_cache_clear(sqlite3 *db)
{
    if (sqlite3_get_clientdata(db, CACHE_NAME))
        sqlite3_set_clientdata(db, CACHE_NAME, NULL, NULL);
}
