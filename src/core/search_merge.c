/* Keeping the search index merged after a writer of many records.
 *
 * FTS5 writes each transaction's terms as a new segment, and a query reads
 * every segment's doclist of each of its terms: a vault filled by the
 * generator or an import is left with many segments, and a two-character
 * term costs several times what it costs on one. FTS5's own automerge
 * keeps the segments of ordinary single-record writes down as they come;
 * a large writer merges once at its end, a bounded step at a time, each
 * step its own short transaction, so another terminal's write waits for a
 * step, never for the whole merge. */
#include <stdio.h>

#include "carelog/search.h"
#include "carelog/storage.h"

static cl_status count_of(sqlite3 *db, const char *sql, long long *n)
{
    sqlite3_stmt *q;
    cl_status st = cl_db_prepare(db, sql, &q);
    if (st != CL_OK)
        return st;
    *n = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
    sqlite3_finalize(q);
    return CL_OK;
}

/* One step of at most CL_SEARCH_MERGE_PAGES pages; *more when it did work
 * (FTS5 changes two or more rows when it merged anything). */
static cl_status merge_step(sqlite3 *db, bool full, bool *more)
{
    cl_status st = cl_db_begin(db);
    if (st != CL_OK)
        return st;
    int before = sqlite3_total_changes(db);
    st = cl_db_exec(db, full ? "INSERT INTO search_fts(search_fts, rank) VALUES ('merge', -"
                               CL_SEARCH_MERGE_PAGES_STR ")"
                             : "INSERT INTO search_fts(search_fts, rank) VALUES ('merge', "
                               CL_SEARCH_MERGE_PAGES_STR ")");
    *more = sqlite3_total_changes(db) - before >= 2;
    if (st == CL_OK)
        return cl_db_commit(db);
    cl_db_rollback(db);
    return st;
}

cl_status cl_search_merge(cl_vault *v, long long written, cl_search_merge_fn progress, void *ctx)
{
    sqlite3 *db = cl_vault_db(v);
    long long records = 0, pages = 0;
    cl_status st = count_of(db, "SELECT count(*) FROM records", &records);
    if (st == CL_OK)
        st = count_of(db, "SELECT count(*) FROM search_fts_data", &pages);
    /* Merging everything into one segment rewrites the whole index: worth
     * it when the writer made a good part of it, not for a few records
     * added to a large vault, where merging only the levels FTS5 has
     * filled (what automerge does a little at a time) is enough. */
    bool full = written * CL_SEARCH_MERGE_SHARE >= records;
    long long steps = 0;
    for (bool more = true; st == CL_OK && more; steps++) {
        st = merge_step(db, full, &more);
        if (st == CL_OK && progress && pages > 0) {
            long long done = (steps + 1) * CL_SEARCH_MERGE_PAGES * 100 / pages;
            progress(more ? (int)(done > 99 ? 99 : done) : 100, ctx);
        }
    }
    return st;
}

void cl_search_merge_after(cl_vault *v, long long written)
{
    if (!sqlite3_get_autocommit(cl_vault_db(v)))
        return;
    if (cl_search_merge(v, written, NULL, NULL) != CL_OK)
        cl_error_clear();
}
