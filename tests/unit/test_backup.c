/* Backups at the level of their copy: which snapshot the copy reads
 * (the WAL read-lock slot the backup's connection holds, on which copying
 * the ciphertext as it is on disk depends), a backup taken while another
 * connection keeps the WAL from being checkpointed, a file of the first
 * version restored, and a damaged file refused wherever the damage is. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "carelog/file.h"
#include "carelog/storage.h"
#include "carelog/vault.h"
#include "../../src/core/vault_internal.h"
#include "unit_support.h"

#define PASS "pass phrase"

typedef struct fixture {
    char root[64], dir[96], db[128], file[128], target[128];
    cl_vault *v;
} fixture;

static cl_secret *text(const char *s)
{
    cl_secret *out;
    OK(cl_secret_copy((const unsigned char *)s, strlen(s), &out));
    return out;
}

static int group_setup(void **state)
{
    (void)state;
    return sodium_init() < 0 ? -1 : 0;
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    snprintf(f->root, sizeof f->root, "/tmp/carelog-backup-XXXXXX");
    if (!mkdtemp(f->root))
        return -1;
    setenv("XDG_STATE_HOME", f->root, 1);
    setenv("CARELOG_TEST_FAST_KDF", "1", 1);
    snprintf(f->dir, sizeof f->dir, "%s/v", f->root);
    snprintf(f->db, sizeof f->db, "%s/vault.db", f->dir);
    snprintf(f->file, sizeof f->file, "%s/b.clb", f->root);
    snprintf(f->target, sizeof f->target, "%s/restored", f->root);
    cl_secret *pass = text(PASS), *recovery;
    OK(cl_vault_init(f->dir, "学校", "王老师", pass, &recovery, &f->v));
    cl_secret_free(pass);
    cl_secret_free(recovery);
    OK(cl_db_exec(cl_vault_db(f->v), "CREATE TABLE t(a INTEGER PRIMARY KEY, b BLOB);"
                                     "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200)"
                                     " INSERT INTO t SELECT i, randomblob(300) FROM n"));
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    cl_vault_close(f->v);
    remove_tree(f->root);
    free(f);
    return 0;
}

/* A connection of the vault's through the backup's source VFS. */
static sqlite3 *source(fixture *f)
{
    sqlite3 *db;
    OK(cl_db_open_through(f->db, vault_backup_vfs(true), f->v->key, false, &db));
    return db;
}

/* Another connection of the vault's, in a read transaction: its snapshot
 * stays, so the WAL frames after it cannot be checkpointed. */
static cl_vault *open_pinned(fixture *f)
{
    cl_secret *pass = text(PASS);
    cl_vault *pin;
    OK(cl_vault_open(f->dir, pass, false, &pin));
    cl_secret_free(pass);
    OK(cl_db_exec(cl_vault_db(pin), "BEGIN"));
    assert_true(query_int(cl_vault_db(pin), "SELECT count(*) FROM t") > 0);
    return pin;
}

/* Slot 0 (the database file alone is the snapshot) after a checkpoint that
 * finished; another slot when a reader elsewhere keeps newer frames in the
 * WAL; none outside a transaction, or on a connection of the default VFS. */
static void test_source_slot(void **state)
{
    fixture *f = *state;
    sqlite3 *src = source(f);
    assert_int_equal(vault_backup_read_slot(src), -1);
    OK(cl_db_exec(cl_vault_db(f->v), "INSERT INTO t(b) VALUES ('in the WAL')"));
    OK(cl_db_exec(src, "PRAGMA wal_checkpoint(PASSIVE)"));
    OK(cl_db_exec(src, "BEGIN"));
    assert_int_equal(query_int(src, "SELECT count(*) FROM t"), 201);
    assert_int_equal(vault_backup_read_slot(src), 0);
    OK(cl_db_exec(src, "COMMIT"));
    assert_int_equal(vault_backup_read_slot(src), -1);
    assert_int_equal(vault_backup_read_slot(cl_vault_db(f->v)), -1);

    /* A reader on the old snapshot: the frames after it stay in the WAL. */
    cl_vault *pin = open_pinned(f);
    OK(cl_db_exec(cl_vault_db(f->v), "INSERT INTO t(b) VALUES ('after the pin')"));
    OK(cl_db_exec(src, "PRAGMA wal_checkpoint(PASSIVE)"));
    OK(cl_db_exec(src, "BEGIN"));
    assert_int_equal(query_int(src, "SELECT count(*) FROM t"), 202);
    assert_int_not_equal(vault_backup_read_slot(src), 0);
    OK(cl_db_exec(src, "COMMIT"));
    cl_db_rollback(cl_vault_db(pin));
    cl_vault_close(pin);
    cl_db_close(src);
}

static void restore_ok(fixture *f, const char *file)
{
    cl_secret *pass = text(PASS);
    OK(cl_vault_restore(file, f->target, pass, false));
    cl_secret_free(pass);
}

static long long restored_count(fixture *f, const char *sql)
{
    cl_secret *pass = text(PASS);
    cl_vault *r;
    OK(cl_vault_open(f->target, pass, false, &r));
    cl_secret_free(pass);
    long long n = query_int(cl_vault_db(r), sql);
    cl_vault_close(r);
    return n;
}

/* With a reader elsewhere on an older snapshot, the newest rows are only in
 * the WAL: the backup (copied through SQLCipher then) holds them, and the
 * copy holds no output pending. Then the same once the reader is gone
 * (copied as ciphertext). */
static void test_backup_beside_a_reader(void **state)
{
    fixture *f = *state;
    cl_vault *pin = open_pinned(f);
    /* A change in place: the file keeps its size, so only the slot tells. */
    OK(cl_db_exec(cl_vault_db(f->v), "UPDATE t SET b = 'only in the WAL' WHERE a = 100"));
    OK(cl_vault_backup(f->v, f->file));
    cl_db_rollback(cl_vault_db(pin));
    cl_vault_close(pin);
    restore_ok(f, f->file);
    assert_int_equal(restored_count(f, "SELECT count(*) FROM t WHERE a = 100 AND b = 'only in the WAL'"), 1);
    assert_int_equal(restored_count(f, "SELECT count(*) FROM meta WHERE key LIKE 'pending_output:%'"), 0);

    char second[160];
    snprintf(second, sizeof second, "%s/c.clb", f->root);
    OK(cl_db_exec(cl_vault_db(f->v), "INSERT INTO t(a, b) VALUES (1001, 'after')"));
    OK(cl_vault_backup(f->v, second));
    remove_tree(f->target);
    restore_ok(f, second);
    assert_int_equal(restored_count(f, "SELECT count(*) FROM t WHERE a = 1001 OR b = 'only in the WAL'"), 2);
    assert_int_equal(restored_count(f, "SELECT count(*) FROM meta WHERE key LIKE 'pending_output:%'"), 0);
}

static unsigned char *slurp(const char *path, size_t *len)
{
    unsigned char *data;
    OK(cl_file_read(path, (size_t)1 << 30, &data, len));
    return data;
}

static size_t le32_at(const unsigned char *p)
{
    return (size_t)p[0] | (size_t)p[1] << 8 | (size_t)p[2] << 16 | (size_t)p[3] << 24;
}

/* A file of the first version (no anchor) still restores. */
static void test_restore_version_1(void **state)
{
    fixture *f = *state;
    OK(cl_vault_backup(f->v, f->file));
    size_t len;
    unsigned char *b = slurp(f->file, &len);
    assert_int_equal(b[8], 2);
    size_t slots = le32_at(b + 9), anchor = le32_at(b + 13 + slots);
    size_t cut_at = 13 + slots, cut = 4 + anchor, v1_len = len - cut;
    unsigned char *v1 = malloc(v1_len);
    memcpy(v1, b, cut_at);
    memcpy(v1 + cut_at, b + cut_at + cut, len - cut_at - cut - 32);
    v1[8] = 1;
    crypto_generichash(v1 + v1_len - 32, 32, v1, v1_len - 32, NULL, 0);
    char old[160];
    snprintf(old, sizeof old, "%s/v1.clb", f->root);
    OK(cl_file_create_atomic(old, v1, v1_len));
    restore_ok(f, old);
    assert_int_equal(restored_count(f, "SELECT count(*) FROM t"), 200);
    free(v1);
    free(b);
}

/* One byte changed anywhere (in every part, at every boundary between
 * parts, and at a stride across the database), or the file cut anywhere:
 * refused, and nothing is left where the vault would have gone. */
static void test_restore_refuses_damage(void **state)
{
    fixture *f = *state;
    OK(cl_vault_backup(f->v, f->file));
    size_t len;
    unsigned char *b = slurp(f->file, &len);
    size_t slots = le32_at(b + 9), anchor = le32_at(b + 13 + slots), db_at = 13 + slots + 4 + anchor;
    size_t marks[] = {0, 7, 8, 9, 12, 13, 13 + slots - 1, 13 + slots, 13 + slots + 3, 13 + slots + 4,
                      db_at - 1, db_at, db_at + 16, len - 33, len - 32, len - 1};
    enum { STRIDE_FLIPS = 40 };
    char bad[160];
    snprintf(bad, sizeof bad, "%s/bad.clb", f->root);
    cl_secret *pass = text(PASS);
    for (size_t i = 0; i < sizeof marks / sizeof *marks + STRIDE_FLIPS; i++) {
        size_t at = i < sizeof marks / sizeof *marks ? marks[i]
                                                       : db_at + (i - sizeof marks / sizeof *marks) * (len - db_at - 32) /
                                                                     STRIDE_FLIPS;
        b[at] ^= 0x01;
        unlink(bad);
        OK(cl_file_create_atomic(bad, b, len));
        b[at] ^= 0x01;
        cl_status st = cl_vault_restore(bad, f->target, pass, false);
        if (st != CL_EDATA)
            fail_msg("a byte changed at %zu of %zu: %d (%s)", at, len, st, cl_error_message());
        assert_true(strstr(cl_error_message(), "damaged") || strstr(cl_error_message(), "not a carelog backup"));
        assert_int_not_equal(access(f->target, F_OK), 0);
    }
    size_t cuts[] = {0, 13, 13 + slots, db_at, db_at + 4096, len - 32, len - 1};
    for (size_t i = 0; i < sizeof cuts / sizeof *cuts; i++) {
        unlink(bad);
        OK(cl_file_create_atomic(bad, b, cuts[i]));
        assert_int_equal(cl_vault_restore(bad, f->target, pass, false), CL_EDATA);
        assert_int_not_equal(access(f->target, F_OK), 0);
        /* Once it begins as a backup, a cut one is told as damaged. */
        if (cuts[i] >= 9 && !strstr(cl_error_message(), "damaged"))
            fail_msg("cut at %zu of %zu: %s", cuts[i], len, cl_error_message());
    }
    cl_secret_free(pass);
    free(b);
    restore_ok(f, f->file);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_source_slot, setup, teardown),
        cmocka_unit_test_setup_teardown(test_backup_beside_a_reader, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restore_version_1, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restore_refuses_damage, setup, teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
