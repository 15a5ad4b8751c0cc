/* Storage cost, as ratios against plain SQLite measured in the same run:
 * the same inserts and reads on (a) an unencrypted database, (b) SQLCipher
 * with the vault's raw key and every storage rule but memory security, and
 * (c) the vault's real settings (cipher_memory_security ON).
 * Usage: bench_storage [ROWS] */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "carelog/secret.h"
#include "carelog/storage.h"

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void must(int ok, sqlite3 *db, const char *what)
{
    if (!ok) {
        fprintf(stderr, "bench: %s: %s\n", what, db ? sqlite3_errmsg(db) : "");
        exit(1);
    }
}

/* Inserts rows in batches of 100 per transaction (like a busy day of
 * records), then reads them all back by student. */
static void workload(sqlite3 *db, int rows, double *write_s, double *read_s)
{
    must(sqlite3_exec(db, "CREATE TABLE r (id INTEGER PRIMARY KEY, student INTEGER, at TEXT, fields TEXT);"
                          "CREATE INDEX r_student ON r(student)", NULL, NULL, NULL) == SQLITE_OK, db, "create");
    sqlite3_stmt *ins;
    must(sqlite3_prepare_v2(db, "INSERT INTO r(student, at, fields) VALUES (?, ?, ?)", -1, &ins, NULL) == SQLITE_OK, db, "prepare");
    const char *text = "{\"description\":\"课间在走廊独自哭泣，询问后说与同学发生矛盾，情绪低落，拒绝进食。\",\"severity\":\"medium\"}";
    double t0 = now_s();
    for (int i = 0; i < rows; i++) {
        if (i % 100 == 0)
            sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
        sqlite3_bind_int(ins, 1, i % 500);
        sqlite3_bind_text(ins, 2, "2026-11-23T10:00", -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 3, text, -1, SQLITE_STATIC);
        must(sqlite3_step(ins) == SQLITE_DONE, db, "insert");
        sqlite3_reset(ins);
        if (i % 100 == 99 || i == rows - 1)
            sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    }
    *write_s = now_s() - t0;
    sqlite3_finalize(ins);
    sqlite3_stmt *sel;
    must(sqlite3_prepare_v2(db, "SELECT sum(length(fields)) FROM r WHERE student = ?", -1, &sel, NULL) == SQLITE_OK, db, "prepare");
    t0 = now_s();
    long long total = 0;
    for (int round = 0; round < 4; round++)
        for (int s = 0; s < 500; s++) {
            sqlite3_bind_int(sel, 1, s);
            if (sqlite3_step(sel) == SQLITE_ROW)
                total += sqlite3_column_int64(sel, 0);
            sqlite3_reset(sel);
        }
    *read_s = now_s() - t0;
    sqlite3_finalize(sel);
    if (total == 0)
        fprintf(stderr, "bench: read nothing\n");
}

static void plain(const char *path, int rows, double *w, double *r)
{
    sqlite3 *db;
    must(sqlite3_open(path, &db) == SQLITE_OK, db, "open");
    sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA temp_store=MEMORY;"
                     "PRAGMA secure_delete=ON", NULL, NULL, NULL);
    workload(db, rows, w, r);
    sqlite3_close(db);
}

int main(int argc, char **argv)
{
    int rows = argc > 1 ? atoi(argv[1]) : 20000;
    if (cl_secret_init_process() != CL_OK)
        return 1;
    char dir[] = "/tmp/carelog-bench-XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    char p1[64], p2[64], p3[64];
    snprintf(p1, sizeof p1, "%s/plain.db", dir);
    snprintf(p2, sizeof p2, "%s/cipher.db", dir);
    snprintf(p3, sizeof p3, "%s/vault.db", dir);
    cl_secret *key;
    if (cl_secret_random(32, &key) != CL_OK)
        return 1;

    double pw, pr, cw, cr, vw, vr;
    plain(p1, rows, &pw, &pr);

    /* (b): the raw-key SQLCipher path with the vault's pragmas, before
     * memory security is switched on (it cannot be switched off again). */
    sqlite3 *db;
    must(sqlite3_open(p2, &db) == SQLITE_OK, db, "open");
    char keytext[80] = "x'";
    sodium_bin2hex(keytext + 2, 65, key->bytes, 32);
    strcat(keytext, "'");
    must(sqlite3_key(db, keytext, (int)strlen(keytext)) == SQLITE_OK, db, "key");
    sqlite3_exec(db, "PRAGMA cipher_log_level=NONE; PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                     "PRAGMA temp_store=MEMORY; PRAGMA secure_delete=ON", NULL, NULL, NULL);
    workload(db, rows, &cw, &cr);
    sqlite3_close(db);
    sodium_memzero(keytext, sizeof keytext);

    /* (c): exactly as the vault opens it. */
    must(cl_db_open(p3, key, true, &db) == CL_OK, NULL, cl_error_message());
    workload(db, rows, &vw, &vr);
    cl_db_close(db);
    cl_secret_free(key);

    printf("storage benchmark: %d rows inserted in batches of 100, then 2000 reads by student\n", rows);
    printf("  %-46s %8s %8s\n", "", "write", "read");
    printf("  %-46s %7.3fs %7.3fs\n", "plain SQLite (baseline)", pw, pr);
    printf("  %-46s %7.2fx %7.2fx\n", "SQLCipher, raw key, vault pragmas", cw / pw, cr / pr);
    printf("  %-46s %7.2fx %7.2fx\n", "SQLCipher + cipher_memory_security ON (vault)", vw / pw, vr / pr);
    printf("  memory security costs %.2fx on writes and %.2fx on reads over SQLCipher alone\n", vw / cw, vr / cr);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : 1;
}
