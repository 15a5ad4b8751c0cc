/* Records through the core against plain SQLite, measured in the same run:
 * adding an observation (form validation, one transaction with its audit
 * entry, SQLCipher, synchronous=FULL) against a bare SQLite insert of the
 * same JSON with the same durability; then listing them all back.
 * Usage: bench_records [RECORDS] */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "carelog/catalog.h"
#include "carelog/record.h"
#include "carelog/secret.h"
#include "carelog/student.h"
#include "carelog/vault.h"

#include "bench_support.h"

static json_t *observation(int i)
{
    char when[32];
    snprintf(when, sizeof when, "2025-%02d-%02dT10:%02d", 1 + i % 12, 1 + i % 28, i % 60); /* in the past */
    return json_pack("{s:s, s:s, s:[s], s:s, s:s}", "occurred_at", when, "location", "教室",
                     "categories", "emotional", "severity", "medium", "description",
                     "课间在走廊独自哭泣，询问后说与同学发生矛盾，情绪低落，拒绝进食。");
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 1000;
    must(cl_secret_init_process(), "init");
    setenv("CARELOG_TEST_FAST_KDF", "1", 1); /* only the unlock cost, not measured here */
    char dir[] = "/tmp/carelog-bench-XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    char vdir[64], plain_path[80];
    snprintf(vdir, sizeof vdir, "%s/v", dir);
    snprintf(plain_path, sizeof plain_path, "%s/plain.db", dir);

    /* Baseline: plain SQLite, WAL, synchronous FULL, one transaction each. */
    sqlite3 *plain;
    if (sqlite3_open(plain_path, &plain) != SQLITE_OK)
        return 1;
    sqlite3_exec(plain, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                        "CREATE TABLE r (id INTEGER PRIMARY KEY, student INTEGER, kind TEXT, at TEXT, fields TEXT)",
                 NULL, NULL, NULL);
    sqlite3_stmt *ins;
    sqlite3_prepare_v2(plain, "INSERT INTO r(student, kind, at, fields) VALUES (1, 'observation', ?, ?)", -1, &ins, NULL);
    double t0 = now_s();
    for (int i = 0; i < n; i++) {
        json_t *o = observation(i);
        char *text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
        sqlite3_exec(plain, "BEGIN", NULL, NULL, NULL);
        sqlite3_bind_text(ins, 1, json_string_value(json_object_get(o, "occurred_at")), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins, 2, text, -1, SQLITE_TRANSIENT);
        sqlite3_step(ins);
        sqlite3_reset(ins);
        sqlite3_exec(plain, "COMMIT", NULL, NULL, NULL);
        free(text);
        json_decref(o);
    }
    double plain_add = now_s() - t0;
    sqlite3_finalize(ins);
    sqlite3_stmt *sel;
    sqlite3_prepare_v2(plain, "SELECT id, at, fields FROM r WHERE student = 1 ORDER BY at DESC", -1, &sel, NULL);
    t0 = now_s();
    long rows = 0;
    while (sqlite3_step(sel) == SQLITE_ROW)
        rows += sqlite3_column_bytes(sel, 2) > 0;
    double plain_list = now_s() - t0;
    sqlite3_finalize(sel);
    sqlite3_close(plain);

    /* The vault, through the core. */
    cl_secret *pass, *recovery;
    cl_vault *v;
    must(cl_secret_copy((const unsigned char *)"bench passphrase", 16, &pass), "secret");
    must(cl_vault_init(vdir, "bench", "bench", pass, &recovery, &v), "vault");
    must(cl_catalog_install_builtin(v), "forms");
    json_t *student = json_pack("{s:s, s:s, s:s}", "number", "20260001", "name", "测试", "class", "一班");
    long long sid, rid;
    must(cl_student_add(v, student, false, &sid), "student");
    json_decref(student);
    t0 = now_s();
    for (int i = 0; i < n; i++) {
        json_t *o = observation(i);
        must(cl_record_add(v, "observation", sid, o, 0, &rid), "record");
        json_decref(o);
    }
    double core_add = now_s() - t0;
    cl_record_filter all = {.student_id = sid, .kind = "observation"};
    json_t *list;
    t0 = now_s();
    must(cl_record_list(v, &all, &list), "list");
    double core_list = now_s() - t0;
    if ((long)json_array_size(list) != rows)
        fprintf(stderr, "bench: listed %zu, expected %ld\n", json_array_size(list), rows);
    json_decref(list);
    cl_vault_close(v);
    cl_secret_free(pass);
    cl_secret_free(recovery);

    printf("records benchmark: %d observations, each added in its own transaction, then listed\n", n);
    printf("  %-52s %8s %8s\n", "", "add", "list");
    printf("  %-52s %7.3fs %7.3fs\n", "plain SQLite insert/select (baseline)", plain_add, plain_list);
    printf("  %-52s %7.2fx %7.2fx\n", "carelog core (validate, audit, SQLCipher, JSON out)", core_add / plain_add,
           core_list / plain_list);
    printf("  per record added: %.2f ms through the core, %.2f ms plain\n", 1000 * core_add / n, 1000 * plain_add / n);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : 1;
}
