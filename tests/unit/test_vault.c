/* Unit tests for the vault and its storage: the raw-key path, the storage
 * rules, schema versions, counsellors and key rotation, passphrases,
 * recovery, backup and restore, the audit chain inside a real vault, and
 * crash points (in forked children). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "carelog/audit.h"
#include "carelog/file.h"
#include "carelog/keyslot.h"
#include "carelog/memory.h"
#include "carelog/secret.h"
#include "carelog/storage.h"
#include "carelog/vault.h"
#include "unit_support.h"

#define PASS "correct horse battery"
#define PASS2 "second staple passphrase"

typedef struct fixture {
    char root[64];  /* mkdtemp; also XDG_STATE_HOME */
    char dir[128];  /* the vault */
    char db[160];   /* its vault.db */
    char ks[160];   /* its keyslots */
    cl_secret *recovery;
} fixture;

static cl_secret *text(const char *s)
{
    cl_secret *out;
    assert_int_equal(cl_secret_copy((const unsigned char *)s, strlen(s), &out), CL_OK);
    return out;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

static int group_setup(void **state)
{
    (void)state;
    setenv("CARELOG_TEST_FAST_KDF", "1", 1);
    unsetenv("CARELOG_TEST_CRASH_AT");
    return sodium_init() < 0 ? -1 : 0;
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    snprintf(f->root, sizeof f->root, "/tmp/carelog-vault-XXXXXX");
    if (!mkdtemp(f->root))
        return -1;
    setenv("XDG_STATE_HOME", f->root, 1); /* failure counters stay here */
    snprintf(f->dir, sizeof f->dir, "%s/v", f->root);
    snprintf(f->db, sizeof f->db, "%s/vault.db", f->dir);
    snprintf(f->ks, sizeof f->ks, "%s/keyslots", f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    cl_secret_free(f->recovery);
    nftw(f->root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(f);
    unsetenv("CARELOG_TEST_CRASH_AT");
    return 0;
}

/* Opens dir with pass (or the recovery key) and expects st. */
static cl_vault *open_as(const char *dir, const char *pass, bool recovery, cl_status want)
{
    cl_secret *s = text(pass);
    cl_vault *v = NULL;
    cl_status st = cl_vault_open(dir, s, recovery, &v);
    cl_secret_free(s);
    if (st != want)
        fail_msg("opening %s gave %d (%s), wanted %d", dir, st, cl_error_message(), want);
    if (want != CL_OK) {
        assert_null(v);
        return NULL;
    }
    return v;
}

/* A vault of 王老师 at f->dir; returns it open. */
static cl_vault *make_vault(fixture *f)
{
    cl_secret *pass = text(PASS);
    cl_vault *v;
    cl_status st = cl_vault_init(f->dir, "测试中学", "王老师", pass, &f->recovery, &v);
    cl_secret_free(pass);
    if (st != CL_OK)
        fail_msg("init: %s", cl_error_message());
    return v;
}

static void add_counsellor(cl_vault *v, const char *name, const char *pass)
{
    cl_secret *s = text(pass);
    cl_status st = cl_vault_counsellor_add(v, name, s);
    cl_secret_free(s);
    if (st != CL_OK)
        fail_msg("adding %s: %s", name, cl_error_message());
}

/* The database key that pass unlocks in a keyslots file (a copy taken at
 * some moment): what a counsellor could extract from it. */
static cl_secret *key_from_slots(const char *ks_path, const char *pass)
{
    cl_keyslots *ks;
    assert_int_equal(cl_keyslots_load(ks_path, &ks), CL_OK);
    cl_secret *s = text(pass), *key = NULL, *next = NULL;
    assert_int_equal(cl_keyslots_unlock(ks, CL_SLOT_PASSPHRASE, s, NULL, &key, &next), CL_OK);
    assert_null(next);
    cl_secret_free(s);
    cl_keyslots_free(ks);
    return key;
}

static unsigned char *slurp(const char *path, size_t *len)
{
    unsigned char *data;
    assert_int_equal(cl_file_read(path, 64u << 20, &data, len), CL_OK);
    return data;
}

static void copy_file(const char *from, const char *to)
{
    size_t len;
    unsigned char *data = slurp(from, &len);
    assert_int_equal(cl_file_write_atomic(to, data, len), CL_OK);
    free(data);
}

static void assert_same_file(const char *path, const unsigned char *before, size_t before_len)
{
    size_t len;
    unsigned char *now = slurp(path, &len);
    assert_int_equal(len, before_len);
    assert_memory_equal(now, before, len);
    free(now);
}

static bool exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

static void hex_key(const cl_secret *key, char out[65])
{
    sodium_bin2hex(out, 65, key->bytes, key->len);
}

/* ---- storage ---------------------------------------------------------- */

static void test_storage_raw_key(void **state)
{
    fixture *f = *state;
    char path[160], hex[65], sql[128];
    snprintf(path, sizeof path, "%s/raw.db", f->root);
    cl_secret *key;
    assert_int_equal(cl_secret_random(32, &key), CL_OK);
    sqlite3 *db;
    assert_int_equal(cl_db_open(path, key, true, &db), CL_OK);
    assert_int_equal(cl_db_exec(db, "CREATE TABLE t(x); INSERT INTO t VALUES ('秘密 secret')"), CL_OK);
    cl_db_close(db);
    hex_key(key, hex);

    /* The raw form x'<hex>' reads it: so cl_db_open took the raw path. */
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    snprintf(sql, sizeof sql, "PRAGMA key = \"x'%s'\"", hex);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT x FROM t", -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(q, 0), "秘密 secret");
    sqlite3_finalize(q);
    sqlite3_close(db);

    /* The same hex digits as a passphrase (PBKDF2 over them) do not. */
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    snprintf(sql, sizeof sql, "PRAGMA key = '%s'", hex);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_exec(db, "PRAGMA cipher_log_level = NONE", NULL, NULL, NULL);
    assert_int_not_equal(sqlite3_exec(db, "SELECT x FROM t", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_errcode(db), SQLITE_NOTADB);
    sqlite3_close(db);
    /* Nor the 32 key bytes handed over as a binary passphrase. */
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_key(db, key->bytes, (int)key->len), SQLITE_OK);
    sqlite3_exec(db, "PRAGMA cipher_log_level = NONE", NULL, NULL, NULL);
    assert_int_not_equal(sqlite3_exec(db, "SELECT x FROM t", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    /* Nor no key at all. */
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    assert_int_not_equal(sqlite3_exec(db, "SELECT x FROM t", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    /* No plaintext header or content in the file. */
    size_t len;
    unsigned char *data = slurp(path, &len);
    assert_null(memmem(data, len, "SQLite format 3", 15));
    assert_null(memmem(data, len, "秘密", strlen("秘密")));
    free(data);

    /* A wrong key through cl_db_open is damage (CL_EDATA), and the file
     * stays as it was. */
    data = slurp(path, &len);
    cl_secret *other;
    assert_int_equal(cl_secret_random(32, &other), CL_OK);
    assert_int_equal(cl_db_open(path, other, false, &db), CL_EDATA);
    assert_same_file(path, data, len);
    free(data);
    /* A key of another size is refused before anything is opened. */
    cl_secret *short_key;
    assert_int_equal(cl_secret_random(16, &short_key), CL_OK);
    assert_int_equal(cl_db_open(path, short_key, false, &db), CL_ESOFTWARE);
    /* A missing file is not created without `create`. */
    char missing[180];
    snprintf(missing, sizeof missing, "%s/missing.db", f->root);
    assert_int_equal(cl_db_open(missing, key, false, &db), CL_ENOTFOUND);
    assert_false(exists(missing));
    cl_secret_free(short_key);
    cl_secret_free(other);
    cl_secret_free(key);
}

static void expect_pragma(sqlite3 *db, const char *pragma, const char *want)
{
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(db, pragma, -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    const char *got = (const char *)sqlite3_column_text(q, 0);
    if (!got || strcmp(got, want) != 0)
        fail_msg("%s is %s, not %s", pragma, got ? got : "NULL", want);
    sqlite3_finalize(q);
}

static void test_storage_rules(void **state)
{
    fixture *f = *state;
    cl_vault *v = make_vault(f);
    cl_vault_close(v);
    v = open_as(f->dir, PASS, false, CL_OK);
    sqlite3 *db = cl_vault_db(v);
    expect_pragma(db, "PRAGMA temp_store", "2");
    expect_pragma(db, "PRAGMA secure_delete", "1");
    expect_pragma(db, "PRAGMA journal_mode", "wal");
    expect_pragma(db, "PRAGMA synchronous", "2");
    expect_pragma(db, "PRAGMA foreign_keys", "1");
    /* Memory security is the wiping, locked allocator (test_memory.c),
     * not SQLCipher's per-call locking, which stays off for its cost. */
    expect_pragma(db, "PRAGMA cipher_memory_security", "0");
    assert_true(cl_memory_serves_sqlite());
    char want[16];
    snprintf(want, sizeof want, "%d", cl_db_schema_version());
    expect_pragma(db, "PRAGMA user_version", want);
    cl_vault_close(v);

    struct stat sb;
    assert_int_equal(stat(f->dir, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0700);
    assert_int_equal(stat(f->db, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    assert_int_equal(stat(f->ks, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
}

static void test_storage_newer_schema(void **state)
{
    fixture *f = *state;
    /* A bare database. */
    char path[160];
    snprintf(path, sizeof path, "%s/newer.db", f->root);
    cl_secret *key;
    assert_int_equal(cl_secret_random(32, &key), CL_OK);
    sqlite3 *db;
    assert_int_equal(cl_db_open(path, key, true, &db), CL_OK);
    assert_int_equal(cl_db_migrate(db), CL_OK);
    assert_int_equal(query_int(db, "PRAGMA user_version"), cl_db_schema_version());
    assert_int_equal(cl_db_migrate(db), CL_OK); /* nothing to do twice */
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA user_version = %d", cl_db_schema_version() + 1);
    assert_int_equal(cl_db_exec(db, sql), CL_OK);
    cl_db_close(db);
    size_t len;
    unsigned char *before = slurp(path, &len);
    assert_int_equal(cl_db_open(path, key, false, &db), CL_OK);
    cl_error_clear();
    assert_int_equal(cl_db_migrate(db), CL_ECONFIG);
    assert_non_null(strstr(cl_error_message(), "newer"));
    cl_db_close(db);
    assert_same_file(path, before, len);
    free(before);
    cl_secret_free(key);

    /* A whole vault: refused by cl_vault_open, every file unchanged. */
    cl_vault *v = make_vault(f);
    cl_vault_close(v);
    key = key_from_slots(f->ks, PASS);
    assert_int_equal(cl_db_open(f->db, key, false, &db), CL_OK);
    snprintf(sql, sizeof sql, "PRAGMA user_version = %d", cl_db_schema_version() + 7);
    assert_int_equal(cl_db_exec(db, sql), CL_OK);
    cl_db_close(db);
    before = slurp(f->db, &len);
    size_t ks_len;
    unsigned char *ks_before = slurp(f->ks, &ks_len);
    open_as(f->dir, PASS, false, CL_ECONFIG);
    assert_same_file(f->db, before, len);
    assert_same_file(f->ks, ks_before, ks_len);
    free(before);
    free(ks_before);
    cl_secret_free(key);
}

/* ---- opening ---------------------------------------------------------- */

static void test_init_open_close(void **state)
{
    fixture *f = *state;
    cl_vault *v = make_vault(f);
    assert_string_equal(cl_vault_user(v), "王老师");
    assert_string_equal(cl_vault_school(v), "测试中学");
    assert_string_equal(cl_vault_dir(v), f->dir);
    assert_false(cl_vault_opened_by_recovery(v));
    char fingerprint[32];
    snprintf(fingerprint, sizeof fingerprint, "%s", cl_vault_fingerprint(v));
    assert_int_equal(strlen(fingerprint), 19);
    assert_true(fingerprint[4] == '-' && fingerprint[9] == '-' && fingerprint[14] == '-');
    cl_vault_close(v);
    cl_vault_close(NULL);
    assert_true(cl_vault_exists(f->dir));

    /* The recovery key reads as 8 groups of 4. */
    char grouped[64];
    cl_recovery_key_format(f->recovery, grouped, sizeof grouped);
    assert_int_equal(strlen(grouped), 39);

    /* A second init never touches the vault. */
    size_t len;
    unsigned char *before = slurp(f->ks, &len);
    cl_secret *pass = text("another passphrase"), *rk2 = NULL;
    assert_int_equal(cl_vault_init(f->dir, "别的学校", "李老师", pass, &rk2, &v), CL_ECANTCREATE);
    assert_null(rk2);
    cl_secret_free(pass);
    assert_same_file(f->ks, before, len);
    free(before);

    v = open_as(f->dir, PASS, false, CL_OK);
    assert_string_equal(cl_vault_user(v), "王老师");
    assert_string_equal(cl_vault_fingerprint(v), fingerprint);
    json_t *status;
    assert_int_equal(cl_vault_status(v, &status), CL_OK);
    assert_string_equal(json_string_value(json_object_get(status, "school")), "测试中学");
    assert_int_equal(json_integer_value(json_object_get(status, "schema")), cl_db_schema_version());
    assert_int_equal(json_integer_value(json_object_get(json_object_get(status, "counts"), "counsellors")), 1);
    json_decref(status);
    cl_vault_close(v);

    /* Wrong secrets: CL_EPERM and no file changed. */
    unsigned char *db_before = slurp(f->db, &len);
    size_t ks_len;
    unsigned char *ks_before = slurp(f->ks, &ks_len);
    open_as(f->dir, "correct horse batter", false, CL_EPERM);
    open_as(f->dir, "", false, CL_EPERM);
    assert_same_file(f->db, db_before, len);
    assert_same_file(f->ks, ks_before, ks_len);
    free(db_before);
    /* Clears the failure count (no delay), and audits the failures. */
    cl_vault *opened = open_as(f->dir, PASS, false, CL_OK);
    assert_int_equal(json_array_size(cl_vault_failed_unlocks(opened)), 2);
    cl_vault_close(opened);
    db_before = slurp(f->db, &len);
    open_as(f->dir, (const char *)f->recovery->bytes, false, CL_EPERM); /* the recovery key is no passphrase */
    open_as(f->dir, PASS, true, CL_EPERM);                              /* nor the passphrase a recovery key */
    assert_same_file(f->db, db_before, len);
    assert_same_file(f->ks, ks_before, ks_len);
    free(db_before);
    free(ks_before);
    char wal[200];
    snprintf(wal, sizeof wal, "%s-wal", f->db);
    assert_false(exists(wal));

    /* The recovery key as printed, in lower case with spaces, and bare. */
    for (int form = 0; form < 3; form++) {
        char typed[64];
        if (form == 0) {
            snprintf(typed, sizeof typed, "%s", grouped);
        } else if (form == 1) {
            for (size_t i = 0; i <= strlen(grouped); i++)
                typed[i] = grouped[i] == '-' ? ' ' : (char)(grouped[i] >= 'A' && grouped[i] <= 'Z' ? grouped[i] + 32 : grouped[i]);
        } else {
            snprintf(typed, sizeof typed, "%s", (const char *)f->recovery->bytes);
        }
        v = open_as(f->dir, typed, true, CL_OK);
        assert_true(cl_vault_opened_by_recovery(v));
        assert_string_equal(cl_vault_user(v), "recovery");
        /* A recovery unlock may not manage counsellors before it sets a passphrase. */
        cl_secret *p = text("someone new pass");
        assert_int_equal(cl_vault_counsellor_add(v, "新老师", p), CL_EPERM);
        assert_int_equal(cl_vault_counsellor_remove(v, "王老师"), CL_EPERM);
        assert_int_equal(cl_vault_set_passphrase(v, NULL, p), CL_EUSAGE); /* whose? */
        cl_secret_free(p);
        cl_vault_close(v);
    }

    /* No vault at all. */
    char none[160];
    snprintf(none, sizeof none, "%s/none", f->root);
    assert_false(cl_vault_exists(none));
    open_as(none, PASS, false, CL_ENOTFOUND);
    assert_false(exists(none));
}

static void test_damaged_db_is_not_wrong_passphrase(void **state)
{
    fixture *f = *state;
    cl_vault_close(make_vault(f));
    size_t len;
    unsigned char *good = slurp(f->db, &len);
    /* Every page that holds something: damage under the right passphrase
     * is CL_EDATA (or an open that works and finds no difference), never
     * CL_EPERM. */
    int damaged = 0;
    for (size_t page = 0; page * 4096 < len; page++) {
        unsigned char *bad = malloc(len);
        assert_non_null(bad);
        memcpy(bad, good, len);
        memset(bad + page * 4096 + 1000, 0x5a, 16);
        assert_int_equal(cl_file_write_atomic(f->db, bad, len), CL_OK);
        cl_vault *v = NULL;
        cl_secret *s = text(PASS);
        cl_status st = cl_vault_open(f->dir, s, false, &v);
        cl_secret_free(s);
        if (st == CL_OK) {
            json_t *status = NULL;
            st = cl_vault_status(v, &status);
            json_decref(status);
            cl_vault_close(v);
        }
        if (st != CL_OK && st != CL_EDATA)
            fail_msg("page %zu damaged: status %d (%s)", page, st, cl_error_message());
        damaged += st == CL_EDATA;
        free(bad);
    }
    assert_true(damaged >= 3);
    /* Emptied: damage, and still empty afterwards (never a fresh database). */
    assert_int_equal(cl_file_write_atomic(f->db, "", 0), CL_OK);
    open_as(f->dir, PASS, false, CL_EDATA);
    size_t now;
    free(slurp(f->db, &now));
    assert_int_equal(now, 0);
    free(good);
}

/* ---- counsellors, passphrases and key rotation ---------------------- */

static void test_counsellors(void **state)
{
    fixture *f = *state;
    cl_vault *v = make_vault(f);
    add_counsellor(v, "李老师", PASS2);
    cl_secret *p = text("third passphrase x");
    assert_int_equal(cl_vault_counsellor_add(v, "李老师", p), CL_ECANTCREATE);
    assert_int_equal(cl_vault_counsellor_add(v, "", p), CL_EUSAGE);
    assert_int_equal(cl_vault_counsellor_add(v, "bad\x1b[2Jname", p), CL_EUSAGE);
    cl_secret_free(p);
    json_t *list;
    assert_int_equal(cl_vault_counsellor_list(v, &list), CL_OK);
    assert_int_equal(json_array_size(list), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "name")), "王老师");
    assert_true(json_is_true(json_object_get(json_array_get(list, 0), "current")));
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, 1), "name")), "李老师");
    assert_true(json_is_false(json_object_get(json_array_get(list, 1), "current")));
    json_decref(list);
    cl_vault_close(v);

    v = open_as(f->dir, PASS2, false, CL_OK);
    assert_string_equal(cl_vault_user(v), "李老师");
    /* Removal needs the only connection: refused, nothing changed. */
    cl_vault *other = open_as(f->dir, PASS, false, CL_OK);
    assert_int_equal(cl_vault_counsellor_remove(other, "李老师"), CL_ECONFLICT);
    cl_vault_close(v);
    v = open_as(f->dir, PASS2, false, CL_OK); /* still a counsellor */
    cl_vault_close(v);

    /* Remove 李老师 and keep a copy of the keyslots from before. */
    char old_ks[200];
    snprintf(old_ks, sizeof old_ks, "%s/keyslots.before", f->root);
    copy_file(f->ks, old_ks);
    cl_secret *old_key = key_from_slots(old_ks, PASS2);
    assert_int_equal(cl_vault_counsellor_remove(other, "无此人"), CL_ENOTFOUND);
    assert_int_equal(cl_vault_counsellor_remove(other, "李老师"), CL_OK);
    assert_int_equal(cl_vault_counsellor_remove(other, "李老师"), CL_ENOTFOUND);
    assert_int_equal(cl_vault_counsellor_remove(other, "王老师"), CL_EUSAGE); /* the last one */
    assert_int_equal(cl_vault_counsellor_list(other, &list), CL_OK);
    assert_int_equal(json_array_size(list), 1);
    json_decref(list);
    /* The open vault goes on working under the new key. */
    json_t *status;
    assert_int_equal(cl_vault_status(other, &status), CL_OK);
    json_decref(status);
    cl_vault_close(other);

    open_as(f->dir, PASS2, false, CL_EPERM);
    /* 李老师's copy of the old key opens the current vault.db no more… */
    sqlite3 *db;
    assert_int_equal(cl_db_open(f->db, old_key, false, &db), CL_EDATA);
    /* …while the key the remaining slots give does, and differs. */
    cl_secret *new_key = key_from_slots(f->ks, PASS);
    assert_memory_not_equal(new_key->bytes, old_key->bytes, 32);
    assert_int_equal(cl_db_open(f->db, new_key, false, &db), CL_OK);
    assert_int_equal(query_int(db, "SELECT count(*) FROM counsellors WHERE removed_at IS NOT NULL"), 1);
    cl_db_close(db);
    /* The recovery key was rewrapped too. */
    v = open_as(f->dir, (const char *)f->recovery->bytes, true, CL_OK);
    cl_vault_close(v);

    /* The name can come back, with a new passphrase. */
    v = open_as(f->dir, PASS, false, CL_OK);
    add_counsellor(v, "李老师", "李老师 again pass");
    cl_vault_close(v);
    v = open_as(f->dir, "李老师 again pass", false, CL_OK);
    assert_string_equal(cl_vault_user(v), "李老师");
    cl_vault_close(v);
    cl_secret_free(old_key);
    cl_secret_free(new_key);
}

static void test_passphrase_change(void **state)
{
    fixture *f = *state;
    cl_vault *v = make_vault(f);
    add_counsellor(v, "李老师", PASS2);
    cl_secret *p = text("new passphrase one");
    assert_int_equal(cl_vault_set_passphrase(v, "李老师", p), CL_EPERM); /* only 李老师 */
    assert_int_equal(cl_vault_set_passphrase(v, NULL, p), CL_OK);
    cl_secret_free(p);
    cl_vault_close(v);
    open_as(f->dir, PASS, false, CL_EPERM);
    v = open_as(f->dir, "new passphrase one", false, CL_OK);
    cl_vault_close(v);
    v = open_as(f->dir, PASS2, false, CL_OK);
    cl_vault_close(v);

    /* After a recovery unlock: name the counsellor; the vault then acts as
     * them; the other passphrase is untouched. */
    v = open_as(f->dir, (const char *)f->recovery->bytes, true, CL_OK);
    p = text("李老师 forgot hers");
    assert_int_equal(cl_vault_set_passphrase(v, "无此人", p), CL_ENOTFOUND);
    assert_int_equal(cl_vault_set_passphrase(v, "李老师", p), CL_OK);
    cl_secret_free(p);
    assert_false(cl_vault_opened_by_recovery(v));
    assert_string_equal(cl_vault_user(v), "李老师");
    cl_vault_close(v);
    open_as(f->dir, PASS2, false, CL_EPERM);
    v = open_as(f->dir, "李老师 forgot hers", false, CL_OK);
    cl_vault_close(v);
    v = open_as(f->dir, "new passphrase one", false, CL_OK);

    /* A new recovery key replaces the old one. */
    cl_secret *rk2;
    assert_int_equal(cl_vault_new_recovery_key(v, &rk2), CL_OK);
    cl_vault_close(v);
    open_as(f->dir, (const char *)f->recovery->bytes, true, CL_EPERM);
    v = open_as(f->dir, (const char *)rk2->bytes, true, CL_OK);
    cl_vault_close(v);
    cl_secret_free(rk2);
}

/* ---- backup and restore --------------------------------------------- */

/* Every row of every table, in a stable order, as text. The audit rows
 * after `audit_upto` and the audit head in meta are left out: backup and
 * restore each append an entry of their own. */
static char *dump(sqlite3 *db, long long audit_upto)
{
    char *out = NULL;
    size_t size = 0;
    FILE *m = open_memstream(&out, &size);
    assert_non_null(m);
    sqlite3_stmt *tables;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name", -1,
                                        &tables, NULL),
                     SQLITE_OK);
    while (sqlite3_step(tables) == SQLITE_ROW) {
        const char *table = (const char *)sqlite3_column_text(tables, 0);
        char sql[512];
        snprintf(sql, sizeof sql, "SELECT * FROM \"%s\"", table);
        sqlite3_stmt *q;
        assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
        int cols = sqlite3_column_count(q);
        sqlite3_finalize(q);
        const char *where = strcmp(table, "audit") == 0  ? " WHERE id <= ?1"
                            : strcmp(table, "meta") == 0 ? " WHERE key NOT IN ('audit_head', 'audit_count')"
                            : strcmp(table, "row_counts") == 0 ? " WHERE name <> 'audit'" /* grows as audit */
                                                         : "";
        int n = snprintf(sql, sizeof sql, "SELECT * FROM \"%s\"%s ORDER BY 1", table, where);
        for (int c = 2; c <= cols && n < (int)sizeof sql - 8; c++)
            n += snprintf(sql + n, sizeof sql - (size_t)n, ", %d", c);
        assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
        if (*where == ' ' && strcmp(table, "audit") == 0)
            sqlite3_bind_int64(q, 1, audit_upto);
        fprintf(m, "== %s\n", table);
        while (sqlite3_step(q) == SQLITE_ROW) {
            for (int c = 0; c < cols; c++) {
                switch (sqlite3_column_type(q, c)) {
                case SQLITE_NULL: fputs("NULL", m); break;
                case SQLITE_INTEGER: fprintf(m, "%lld", (long long)sqlite3_column_int64(q, c)); break;
                case SQLITE_FLOAT: fprintf(m, "%.17g", sqlite3_column_double(q, c)); break;
                case SQLITE_TEXT: fprintf(m, "'%s'", (const char *)sqlite3_column_text(q, c)); break;
                default: {
                    const unsigned char *b = sqlite3_column_blob(q, c);
                    int len = sqlite3_column_bytes(q, c);
                    fputs("x'", m);
                    for (int i = 0; i < len; i++)
                        fprintf(m, "%02x", b[i]);
                    fputc('\'', m);
                }
                }
                fputc(c + 1 < cols ? '|' : '\n', m);
            }
        }
        sqlite3_finalize(q);
    }
    sqlite3_finalize(tables);
    fclose(m);
    return out;
}

static void test_backup_restore(void **state)
{
    fixture *f = *state;
    cl_vault *v = make_vault(f);
    add_counsellor(v, "李老师", PASS2);
    /* Rows of every type, large ones across overflow pages, NULLs. */
    sqlite3 *db = cl_vault_db(v);
    assert_int_equal(cl_db_exec(db, "CREATE TABLE t_extra(a INTEGER PRIMARY KEY, b REAL, c TEXT, d BLOB, e);"
                                    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300)"
                                    " INSERT INTO t_extra SELECT i, i / 7.0, '学生 ' || i || char(10) || 'line',"
                                    " randomblob(i * 20), CASE WHEN i % 3 = 0 THEN NULL ELSE i END FROM n"),
                     CL_OK);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(cl_db_begin(db), CL_OK);
        assert_int_equal(cl_vault_audit(v, "record.create", "record", "测试"), CL_OK);
        assert_int_equal(cl_db_commit(db), CL_OK);
    }
    long long audit_rows = query_int(db, "SELECT count(*) FROM audit");

    /* While another connection has the vault open, its newest committed
     * rows still in the WAL: the backup holds them. */
    cl_vault *writer = open_as(f->dir, PASS2, false, CL_OK);
    assert_int_equal(cl_db_exec(cl_vault_db(writer), "INSERT INTO t_extra(a, c) VALUES (100000, 'from the writer')"),
                     CL_OK);
    char *before = dump(db, audit_rows);
    assert_non_null(strstr(before, "from the writer"));
    char file[160];
    snprintf(file, sizeof file, "%s/backup.clb", f->root);
    assert_int_equal(cl_vault_backup(v, file), CL_OK);
    cl_vault_close(writer);
    assert_int_equal(cl_vault_backup(v, file), CL_ECANTCREATE); /* never overwrites */
    struct stat sb;
    assert_int_equal(stat(file, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    size_t len;
    unsigned char *bytes = slurp(file, &len);
    assert_null(memmem(bytes, len, "SQLite format 3", 15));
    assert_null(memmem(bytes, len, "李老师", strlen("李老师")));
    assert_null(memmem(bytes, len, "from the writer", 15));
    cl_vault_close(v);

    /* Restore into a new folder; every row identical. */
    char dir[160];
    snprintf(dir, sizeof dir, "%s/restored", f->root);
    cl_secret *pass2 = text(PASS2);
    assert_int_equal(cl_vault_restore(file, dir, pass2, false), CL_OK);
    v = open_as(dir, PASS, false, CL_OK);
    char *after = dump(cl_vault_db(v), audit_rows);
    assert_string_equal(after, before);
    long long entries;
    assert_int_equal(cl_audit_verify(cl_vault_db(v), &entries), CL_OK);
    assert_int_equal(entries, audit_rows + 2); /* + vault.backup (logged before the copy) + vault.restore */
    cl_vault_close(v);
    free(after);
    /* …and with the recovery key, into another. */
    char dir2[180];
    snprintf(dir2, sizeof dir2, "%s/restored2", f->root);
    assert_int_equal(cl_vault_restore(file, dir2, f->recovery, true), CL_OK);
    v = open_as(dir2, PASS2, false, CL_OK);
    after = dump(cl_vault_db(v), audit_rows);
    assert_string_equal(after, before);
    free(after);
    cl_vault_close(v);

    /* Over an existing vault: refused, that vault untouched. */
    size_t ks_len;
    char ks2[220];
    snprintf(ks2, sizeof ks2, "%s/keyslots", dir);
    unsigned char *ks_before = slurp(ks2, &ks_len);
    assert_int_equal(cl_vault_restore(file, dir, pass2, false), CL_ECANTCREATE);
    assert_same_file(ks2, ks_before, ks_len);
    free(ks_before);
    assert_int_equal(cl_vault_restore(file, f->dir, pass2, false), CL_ECANTCREATE);

    /* Damaged, truncated, or a wrong passphrase: an error, no folder. */
    char bad[180], target[180];
    snprintf(bad, sizeof bad, "%s/bad.clb", f->root);
    snprintf(target, sizeof target, "%s/never", f->root);
    size_t offsets[] = {0, 9, 20, len / 2, len - 1};
    for (size_t i = 0; i < sizeof offsets / sizeof *offsets; i++) {
        bytes[offsets[i]] ^= 0x10;
        unlink(bad);
        assert_int_equal(cl_file_write_atomic(bad, bytes, len), CL_OK);
        assert_int_equal(cl_vault_restore(bad, target, pass2, false), CL_EDATA);
        assert_false(exists(target));
        bytes[offsets[i]] ^= 0x10;
    }
    size_t cuts[] = {0, 12, 45, len / 3, len - 1};
    for (size_t i = 0; i < sizeof cuts / sizeof *cuts; i++) {
        unlink(bad);
        assert_int_equal(cl_file_write_atomic(bad, bytes, cuts[i]), CL_OK);
        assert_int_equal(cl_vault_restore(bad, target, pass2, false), CL_EDATA);
        assert_false(exists(target));
    }
    cl_secret *wrong = text("not the passphrase");
    assert_int_equal(cl_vault_restore(file, target, wrong, false), CL_EPERM);
    assert_false(exists(target));
    cl_secret_free(wrong);
    free(bytes);
    free(before);
    cl_secret_free(pass2);
}

/* ---- the audit chain in a real vault -------------------------------- */

static void test_audit_in_vault(void **state)
{
    fixture *f = *state;
    cl_vault *v = make_vault(f);
    add_counsellor(v, "李老师", PASS2);
    cl_secret *p = text("new passphrase one");
    assert_int_equal(cl_vault_set_passphrase(v, NULL, p), CL_OK);
    cl_secret_free(p);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(cl_db_begin(cl_vault_db(v)), CL_OK);
        assert_int_equal(cl_vault_audit(v, "record.view", "record 1", NULL), CL_OK);
        assert_int_equal(cl_db_commit(cl_vault_db(v)), CL_OK);
    }
    long long entries;
    assert_int_equal(cl_audit_verify(cl_vault_db(v), &entries), CL_OK);
    assert_true(entries >= 5);
    json_t *list;
    assert_int_equal(cl_audit_list(cl_vault_db(v), NULL, 0, &list), CL_OK);
    assert_int_equal((long long)json_array_size(list), entries);
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "action")), "vault.init");
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "actor")), "王老师");
    json_decref(list);
    cl_vault_close(v);

    /* Straight into vault.db with the key a slot gives, as an intruder
     * holding a passphrase and a SQL shell would. */
    cl_secret *key = key_from_slots(f->ks, PASS2);
    sqlite3 *db;
    assert_int_equal(cl_db_open(f->db, key, false, &db), CL_OK);
    assert_int_equal(cl_audit_verify(db, &entries), CL_OK);
    char sql[128];
    static const struct { const char *sql; bool last; } tamper[] = {
        {"UPDATE audit SET actor = '张老师' WHERE id = ", false},
        {"UPDATE audit SET detail = 'nothing happened' WHERE id = ", true},
        {"DELETE FROM audit WHERE id = ", false},
        {"DELETE FROM audit WHERE id = ", true},
    };
    for (size_t i = 0; i < sizeof tamper / sizeof *tamper; i++) {
        assert_int_equal(cl_db_exec(db, "SAVEPOINT tamper"), CL_OK);
        snprintf(sql, sizeof sql, "%s%lld", tamper[i].sql, tamper[i].last ? entries : 3);
        assert_int_equal(cl_db_exec(db, sql), CL_OK);
        assert_int_equal(sqlite3_changes(db), 1);
        long long n;
        assert_int_equal(cl_audit_verify(db, &n), CL_EDATA);
        assert_int_equal(cl_db_exec(db, "ROLLBACK TO tamper"), CL_OK);
        assert_int_equal(cl_db_exec(db, "RELEASE tamper"), CL_OK);
        assert_int_equal(cl_audit_verify(db, &n), CL_OK);
    }
    /* The last entry really deleted: the next unlock still works, and
     * verify reports the cut. */
    snprintf(sql, sizeof sql, "DELETE FROM audit WHERE id = %lld", entries);
    assert_int_equal(cl_db_exec(db, sql), CL_OK);
    cl_db_close(db);
    v = open_as(f->dir, PASS2, false, CL_OK);
    long long n;
    cl_error_clear();
    assert_int_equal(cl_audit_verify(cl_vault_db(v), &n), CL_EDATA);
    assert_non_null(strstr(cl_error_message(), "removed"));
    cl_vault_close(v);
    cl_secret_free(key);
}

/* ---- crash points, in forked children -------------------------------- */

enum op { OP_PASSWD, OP_REMOVE };

/* Runs op in a child that stops at crash point `point`; returns its exit
 * status (137 when it stopped there). */
static int crash_child(const fixture *f, enum op op, const char *point)
{
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        setenv("CARELOG_TEST_CRASH_AT", point, 1);
        cl_secret *pass = NULL;
        cl_vault *v = NULL;
        if (cl_secret_copy((const unsigned char *)PASS, strlen(PASS), &pass) != CL_OK ||
            cl_vault_open(f->dir, pass, false, &v) != CL_OK)
            _exit(3);
        cl_secret *fresh = NULL;
        cl_status st = op == OP_PASSWD
                           ? (cl_secret_copy((const unsigned char *)"brand new pass", 14, &fresh) == CL_OK
                                  ? cl_vault_set_passphrase(v, NULL, fresh)
                                  : CL_ESOFTWARE)
                           : cl_vault_counsellor_remove(v, "李老师");
        _exit(st == CL_OK ? 0 : 4);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    return WEXITSTATUS(status);
}

static bool opens(const char *dir, const char *pass)
{
    cl_secret *s = text(pass);
    cl_vault *v = NULL;
    cl_status st = cl_vault_open(dir, s, false, &v);
    cl_secret_free(s);
    cl_vault_close(v);
    return st == CL_OK;
}

static void test_crash_points(void **state)
{
    fixture *f = *state;
    cl_vault *v = make_vault(f);
    add_counsellor(v, "李老师", PASS2);
    cl_vault_close(v);
    char good_db[200], good_ks[200], good_pub[200], pub[200];
    snprintf(good_db, sizeof good_db, "%s/good.db", f->root);
    snprintf(good_ks, sizeof good_ks, "%s/good.ks", f->root);
    snprintf(good_pub, sizeof good_pub, "%s/good.pub", f->root);
    snprintf(pub, sizeof pub, "%s/vault.pub", f->dir);
    copy_file(f->db, good_db);
    copy_file(f->ks, good_ks);
    copy_file(pub, good_pub);
    cl_secret *old_key = key_from_slots(good_ks, PASS2);

    static const struct { enum op op; const char *point; int outcome; } cases[] = {
        /* outcome for passwd: 1 old passphrase opens, 2 the new one */
        {OP_PASSWD, "passwd-before-save", 1},
        {OP_PASSWD, "atomic-before-rename", 1},
        {OP_PASSWD, "atomic-after-rename", 2},
        /* for removal: 1 not removed, 2 removed (key rotated) */
        {OP_REMOVE, "atomic-before-rename", 1},
        {OP_REMOVE, "atomic-after-rename", 2},
        {OP_REMOVE, "rotate-after-seal", 2},
        {OP_REMOVE, "rotate-after-rekey", 2},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        copy_file(good_db, f->db);
        copy_file(good_ks, f->ks);
        copy_file(good_pub, pub);
        int rc = crash_child(f, cases[i].op, cases[i].point);
        if (rc != 137)
            fail_msg("%s: the child exited %d, not at the crash point", cases[i].point, rc);
        if (cases[i].op == OP_PASSWD) {
            bool old_opens = opens(f->dir, PASS), new_opens = opens(f->dir, "brand new pass");
            if (old_opens == new_opens || new_opens != (cases[i].outcome == 2))
                fail_msg("passwd at %s: old %d new %d", cases[i].point, old_opens, new_opens);
            assert_true(opens(f->dir, PASS2));
            continue;
        }
        /* The remaining counsellor always opens (finishing any rotation). */
        v = open_as(f->dir, PASS, false, CL_OK);
        cl_vault_close(v);
        cl_keyslots *ks;
        assert_int_equal(cl_keyslots_load(f->ks, &ks), CL_OK);
        assert_false(cl_keyslots_rotating(ks));
        cl_keyslots_free(ks);
        bool removed_opens = opens(f->dir, PASS2);
        sqlite3 *db = NULL;
        cl_status old_key_st = cl_db_open(f->db, old_key, false, &db);
        cl_db_close(old_key_st == CL_OK ? db : NULL);
        if (cases[i].outcome == 1) {
            if (!removed_opens || old_key_st != CL_OK)
                fail_msg("removal at %s: expected nothing to have happened", cases[i].point);
        } else if (removed_opens || old_key_st != CL_EDATA) {
            fail_msg("removal at %s: removed opens %d, old key gives %d", cases[i].point, removed_opens, old_key_st);
        }
        /* Completing the removal (again) works and leaves one counsellor. */
        v = open_as(f->dir, PASS, false, CL_OK);
        cl_status st = cl_vault_counsellor_remove(v, "李老师");
        assert_true(st == CL_OK || st == CL_ENOTFOUND);
        json_t *list;
        assert_int_equal(cl_vault_counsellor_list(v, &list), CL_OK);
        cl_vault_close(v);
        if (json_array_size(list) != 1)
            fail_msg("removal at %s: %zu counsellors after completing it", cases[i].point, json_array_size(list));
        json_decref(list);
        assert_false(opens(f->dir, PASS2));
    }
    cl_secret_free(old_key);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_storage_raw_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_storage_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_storage_newer_schema, setup, teardown),
        cmocka_unit_test_setup_teardown(test_init_open_close, setup, teardown),
        cmocka_unit_test_setup_teardown(test_damaged_db_is_not_wrong_passphrase, setup, teardown),
        cmocka_unit_test_setup_teardown(test_counsellors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_passphrase_change, setup, teardown),
        cmocka_unit_test_setup_teardown(test_backup_restore, setup, teardown),
        cmocka_unit_test_setup_teardown(test_audit_in_vault, setup, teardown),
        cmocka_unit_test_setup_teardown(test_crash_points, setup, teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
