/* The vault's status: where it is, whose it is, what it holds; and reads that
 * must see one state of it. */
#include "carelog/vault.h"

#include <sodium.h>
#include <stdio.h>

#include "carelog/i18n.h"
#include "carelog/storage.h"
#include "vault_internal.h"

/* The rows of a table: counted, or (kept) read from row_counts after
 * reading the table's last row, which loads its root and rightmost pages
 * (a page that does not decrypt there is damage, not a count). */
static json_int_t count_rows(sqlite3 *db, const char *table, bool kept, json_int_t n_kept)
{
    char sql[160];
    sqlite3_stmt *q;
    snprintf(sql, sizeof sql, kept ? "SELECT max(rowid) FROM %s" : "SELECT count(*) FROM %s", table);
    if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK)
        return -1;
    json_int_t n = sqlite3_step(q) == SQLITE_ROW ? (kept ? n_kept : sqlite3_column_int64(q, 0)) : -1;
    sqlite3_finalize(q);
    return n;
}

cl_status cl_vault_status(cl_vault *v, json_t **out)
{
    json_t *counsellors;
    cl_status st = cl_vault_counsellor_list(v, &counsellors);
    if (st != CL_OK)
        return st;
    char id[CL_VAULT_ID_BYTES * 2 + 1];
    sodium_bin2hex(id, sizeof id, v->vault_id, CL_VAULT_ID_BYTES);
    json_t *counts = json_object();
    /* Every user table the schema has, so status grows with the schema. A
     * table that cannot be counted is damage, not a count of -1. */
    sqlite3_stmt *q;
    /* Counts kept by triggers (row_counts) are read, not counted. */
    st = cl_db_cached(v->db, "SELECT t.name, c.n FROM sqlite_schema t LEFT JOIN row_counts c ON c.name = t.name"
                             " WHERE t.type = 'table' AND t.name NOT LIKE 'sqlite_%'"
                             " AND t.name NOT LIKE '%\\_%' ESCAPE '\\' AND t.name <> 'meta' ORDER BY t.name", &q);
    if (st == CL_OK) {
        int rc = SQLITE_DONE;
        while (st == CL_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
            const char *table = (const char *)sqlite3_column_text(q, 0);
            json_int_t n = count_rows(v->db, table, sqlite3_column_type(q, 1) == SQLITE_INTEGER,
                                      sqlite3_column_int64(q, 1));
            if (n < 0)
                st = cl_db_fail(v->db, "counting the records");
            else
                json_object_set_new(counts, table, json_integer(n));
        }
        if (st == CL_OK && rc != SQLITE_DONE)
            st = cl_db_fail(v->db, "listing the tables");
        sqlite3_reset(q);
    }
    if (st != CL_OK) {
        json_decref(counts);
        json_decref(counsellors);
        return st;
    }
    sqlite3_stmt *ver;
    int schema = 0;
    if (cl_db_prepare(v->db, "PRAGMA user_version", &ver) == CL_OK) {
        if (sqlite3_step(ver) == SQLITE_ROW)
            schema = sqlite3_column_int(ver, 0);
        sqlite3_finalize(ver);
    }
    *out = json_pack("{s:s, s:s, s:s, s:s, s:i, s:s, s:o, s:o}", "path", v->dir, "school", v->school,
                     "vault_id", id, "fingerprint", v->fingerprint, "schema", schema, "user", v->user,
                     "counsellors", counsellors, "counts", counts);
    return *out ? CL_OK : cl_fail(CL_ESOFTWARE, _("out of memory"));
}

cl_status cl_vault_read_begin(cl_vault *v, bool *opened)
{
    *opened = sqlite3_get_autocommit(v->db) != 0;
    /* A deferred BEGIN takes its snapshot at the first read. */
    cl_status st = *opened ? cl_db_exec(v->db, "BEGIN") : CL_OK;
    if (st != CL_OK)
        *opened = false;
    return st;
}

void cl_vault_read_end(cl_vault *v, bool opened)
{
    if (opened)
        cl_db_rollback(v->db);
}
