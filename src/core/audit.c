#include "carelog/audit.h"
#include "carelog/i18n.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "carelog/clock.h"
#include "carelog/storage.h"
#include "carelog/text.h"

#include "audit_internal.h"

#define HASH_BYTES CL_AUDIT_HASH_BYTES

/* An entry's bytes are gathered in a buffer so that a long walk makes one
 * hash update per entry, not two per part. */
static void put(cl_audit_scratch *e, const void *p, size_t n)
{
    if (e->used + n > sizeof e->buf) {
        crypto_generichash_update(&e->h, e->buf, e->used);
        e->used = 0;
        if (n > sizeof e->buf) {
            crypto_generichash_update(&e->h, p, n);
            return;
        }
    }
    memcpy(e->buf + e->used, p, n);
    e->used += n;
}

static void put_part(cl_audit_scratch *e, const char *s, size_t n)
{
    unsigned char len[8];
    for (int i = 0; i < 8; i++)
        len[i] = (unsigned char)((uint64_t)n >> (8 * i));
    put(e, len, sizeof len);
    put(e, s ? s : "", s ? n : 0);
}

void cl_audit_hash_start(crypto_generichash_state *start)
{
    crypto_generichash_init(start, (const unsigned char *)"carelog-audit-v1", 16, HASH_BYTES);
}

void cl_audit_entry_hash(cl_audit_scratch *e, const crypto_generichash_state *start,
                         const unsigned char prev[HASH_BYTES], long long id, const cl_audit_text *t,
                         unsigned char out[HASH_BYTES])
{
    memcpy(&e->h, start, sizeof e->h);
    e->used = 0;
    char digits[24], *d = digits + sizeof digits;
    unsigned long long u = id < 0 ? 0 - (unsigned long long)id : (unsigned long long)id;
    do
        *--d = (char)('0' + u % 10);
    while ((u /= 10) > 0);
    if (id < 0)
        *--d = '-';
    put(e, prev, HASH_BYTES);
    put_part(e, d, (size_t)(digits + sizeof digits - d));
    for (int i = 0; i < 5; i++)
        put_part(e, t->s[i], t->s[i] ? t->n[i] : 0);
    crypto_generichash_update(&e->h, e->buf, e->used);
    crypto_generichash_final(&e->h, out, HASH_BYTES);
}

void cl_audit_row_text(sqlite3_stmt *q, int first, cl_audit_text *t)
{
    for (int i = 0; i < 5; i++) {
        t->s[i] = (const char *)sqlite3_column_text(q, first + i);
        t->n[i] = (size_t)sqlite3_column_bytes(q, first + i);
    }
}

cl_status cl_audit_head(sqlite3 *db, unsigned char head[HASH_BYTES], long long *count)
{
    sqlite3_stmt *q;
    cl_status st = cl_db_cached(db, "SELECT (SELECT value FROM meta WHERE key = 'audit_head'),"
                                     " (SELECT value FROM meta WHERE key = 'audit_count')", &q);
    if (st != CL_OK)
        return st;
    memset(head, 0, HASH_BYTES);
    *count = 0;
    if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_type(q, 0) == SQLITE_BLOB &&
        sqlite3_column_bytes(q, 0) == HASH_BYTES) {
        memcpy(head, sqlite3_column_blob(q, 0), HASH_BYTES);
        *count = sqlite3_column_int64(q, 1);
    }
    sqlite3_reset(q);
    return CL_OK;
}

cl_status cl_audit_append(sqlite3 *db, const char *actor, const char *action, const char *target,
                          const char *detail)
{
    unsigned char prev[HASH_BYTES], hash[HASH_BYTES];
    long long count;
    cl_status st = cl_audit_head(db, prev, &count);
    if (st != CL_OK)
        return st;
    char at[32];
    cl_time_iso(cl_now(), at, sizeof at);
    long long id = count + 1;
    crypto_generichash_state start;
    cl_audit_hash_start(&start);
    cl_audit_text t = {{at, actor, action, target ? target : "", detail ? detail : ""}, {0}};
    for (int i = 0; i < 5; i++)
        t.n[i] = strlen(t.s[i]);
    cl_audit_scratch scratch;
    cl_audit_entry_hash(&scratch, &start, prev, id, &t, hash);
    sodium_memzero(&scratch, sizeof scratch);
    sqlite3_stmt *q;
    st = cl_db_cached(db, "INSERT INTO audit(id, at, actor, action, target, detail, prev_hash, hash)"
                           " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", &q);
    if (st != CL_OK)
        return st;
    sqlite3_bind_int64(q, 1, id);
    sqlite3_bind_text(q, 2, at, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, actor, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 4, action, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 5, target ? target : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 6, detail ? detail : "", -1, SQLITE_STATIC);
    sqlite3_bind_blob(q, 7, prev, HASH_BYTES, SQLITE_STATIC);
    sqlite3_bind_blob(q, 8, hash, HASH_BYTES, SQLITE_STATIC);
    if (sqlite3_step(q) != SQLITE_DONE)
        st = cl_db_fail(db, "writing the audit log");
    sqlite3_reset(q);
    if (st == CL_OK)
        st = cl_meta_set_blob(db, "audit_head", hash, HASH_BYTES);
    if (st == CL_OK) {
        char n[32];
        snprintf(n, sizeof n, "%lld", id);
        st = cl_meta_set_text(db, "audit_count", n);
    }
    return st;
}

cl_status cl_audit_hash_at(sqlite3 *db, long long n, unsigned char hash[HASH_BYTES], long long *have)
{
    unsigned char prev[HASH_BYTES] = {0};
    sqlite3_stmt *q;
    cl_status st = cl_db_prepare(db, "SELECT id, at, actor, action, target, detail FROM audit WHERE id <= ? ORDER BY id", &q);
    if (st != CL_OK)
        return st;
    sqlite3_bind_int64(q, 1, n);
    long long expect = 1;
    int rc;
    crypto_generichash_state start;
    cl_audit_hash_start(&start);
    cl_audit_scratch scratch;
    /* Recomputed from the content, so stored hashes rewritten to match a
     * rewrite do not help it. */
    while ((rc = sqlite3_step(q)) == SQLITE_ROW && sqlite3_column_int64(q, 0) == expect) {
        cl_audit_text t;
        cl_audit_row_text(q, 1, &t);
        cl_audit_entry_hash(&scratch, &start, prev, expect, &t, prev);
        expect++;
    }
    sodium_memzero(&scratch, sizeof scratch);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        st = cl_db_fail(db, "reading the audit log");
    sqlite3_finalize(q);
    memcpy(hash, prev, HASH_BYTES);
    *have = expect - 1;
    return st;
}

/* The first instant of a local date as the log stores times (UTC ISO), so
 * "since 1 March" keeps what happened from local midnight on. False when
 * since is not a date (then it is compared as given). */
static bool local_midnight_iso(const char *since, char out[32])
{
    int y, m, d;
    char canon[11];
    if (!cl_date_parse(since, canon) || sscanf(canon, "%4d-%2d-%2d", &y, &m, &d) != 3)
        return false;
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    tm.tm_year = y - 1900;
    tm.tm_mon = m - 1;
    tm.tm_mday = d;
    tm.tm_isdst = -1;
    time_t t = mktime(&tm);
    if (t == (time_t)-1)
        return false;
    cl_time_iso(t, out, 32);
    return true;
}

cl_status cl_audit_list(sqlite3 *db, const char *since, long long limit, json_t **out)
{
    char from[32];
    if (since && local_midnight_iso(since, from))
        since = from;
    sqlite3_stmt *q;
    cl_status st = cl_db_prepare(db, "SELECT id, at, actor, action, target, detail FROM ("
                                     " SELECT * FROM audit WHERE (?1 IS NULL OR at >= ?1)"
                                     " ORDER BY id DESC LIMIT ?2) ORDER BY id", &q);
    if (st != CL_OK)
        return st;
    if (since)
        sqlite3_bind_text(q, 1, since, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, limit > 0 ? limit : -1);
    json_t *list = json_array();
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        json_array_append_new(list, json_pack("{s:I, s:s, s:s, s:s, s:s, s:s}",
                                              "id", (json_int_t)sqlite3_column_int64(q, 0),
                                              "at", (const char *)sqlite3_column_text(q, 1),
                                              "actor", (const char *)sqlite3_column_text(q, 2),
                                              "action", (const char *)sqlite3_column_text(q, 3),
                                              "target", (const char *)sqlite3_column_text(q, 4),
                                              "detail", (const char *)sqlite3_column_text(q, 5)));
    }
    if (rc != SQLITE_DONE)
        st = cl_db_fail(db, "reading the audit log");
    sqlite3_finalize(q);
    if (st != CL_OK) {
        json_decref(list);
        return st;
    }
    *out = list;
    return CL_OK;
}

cl_status cl_audit_listing(cl_vault *v, const char *what, const char *filter, long long rows)
{
    char detail[1200];
    snprintf(detail, sizeof detail, "filter: %s; rows: %lld", filter && *filter ? filter : "(none)", rows);
    sqlite3 *db = cl_vault_db(v);
    cl_status st = cl_db_begin(db);
    if (st == CL_OK)
        st = cl_vault_audit(v, "list", what, detail);
    return st == CL_OK ? cl_db_commit(db) : (cl_db_rollback(db), st);
}
