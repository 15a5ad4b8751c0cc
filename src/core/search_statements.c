/* The statements of searches, kept per connection by their SQL: a search
 * is made of a few shapes (which filters, which order), and preparing its
 * two statements cost more than running them on 200,000 records (the
 * screens search at every key typed). stmt_cache.c keeps statements by the
 * address of a literal; these are built at run time, so they are found by
 * their text. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "carelog/search.h"
#include "carelog/storage.h"
#include "search_internal.h"

#define KEPT 8 /* shapes kept; the least recently used goes first */
#define CLIENT_DATA "carelog.search.statements"

typedef struct kept {
    char *sql;
    sqlite3_stmt *q;
    bool busy; /* handed out and not yet done with: a second search of the same shape gets its own */
    unsigned long used;
} kept;

typedef struct kept_all {
    kept v[KEPT];
    unsigned long clock;
} kept_all;

static void kept_free(void *p)
{
    kept_all *k = p;
    for (size_t i = 0; i < KEPT; i++) {
        sqlite3_finalize(k->v[i].q);
        free(k->v[i].sql);
    }
    free(k);
}

static kept_all *kept_of(sqlite3 *db)
{
    kept_all *k = sqlite3_get_clientdata(db, CLIENT_DATA);
    if (k)
        return k;
    k = calloc(1, sizeof *k);
    if (k && sqlite3_set_clientdata(db, CLIENT_DATA, k, kept_free) != SQLITE_OK)
        k = NULL; /* freed by SQLite */
    return k;
}

cl_status cl_search_statement(sqlite3 *db, const char *sql, sqlite3_stmt **out)
{
    kept_all *k = kept_of(db);
    kept *slot = NULL;
    for (size_t i = 0; k && i < KEPT; i++) {
        if (k->v[i].sql && !k->v[i].busy && strcmp(k->v[i].sql, sql) == 0) {
            k->v[i].busy = true;
            k->v[i].used = ++k->clock;
            *out = k->v[i].q;
            return CL_OK;
        }
        if (!k->v[i].busy && (!slot || k->v[i].used < slot->used))
            slot = &k->v[i];
    }
    sqlite3_stmt *q;
    if (sqlite3_prepare_v3(db, sql, -1, slot ? SQLITE_PREPARE_PERSISTENT : 0, &q, NULL) != SQLITE_OK)
        return cl_db_fail(db, "preparing a search");
    char *copy = slot ? strdup(sql) : NULL;
    if (copy) {
        sqlite3_finalize(slot->q);
        free(slot->sql);
        *slot = (kept){copy, q, true, ++k->clock};
    }
    *out = q;
    return CL_OK;
}

void cl_search_statement_done(sqlite3_stmt *q)
{
    if (!q)
        return;
    kept_all *k = sqlite3_get_clientdata(sqlite3_db_handle(q), CLIENT_DATA);
    for (size_t i = 0; k && i < KEPT; i++)
        if (k->v[i].q == q) {
            sqlite3_reset(q);
            sqlite3_clear_bindings(q);
            k->v[i].busy = false;
            return;
        }
    sqlite3_finalize(q);
}

void cl_search_forget(sqlite3 *db)
{
    if (sqlite3_get_clientdata(db, CLIENT_DATA))
        sqlite3_set_clientdata(db, CLIENT_DATA, NULL, NULL);
}
