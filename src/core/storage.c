#include "carelog/storage.h"

#include "carelog/i18n.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "carelog/file.h"
#include "carelog/memory.h"
#include "carelog/search.h"
#include "storage_internal.h"

/* The file or folder that refuses writes, for a message that names it. */
static bool read_only_culprit(const char *db_path, char *out, size_t size)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", db_path ? db_path : "");
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    else
        snprintf(dir, sizeof dir, ".");
    if (db_path && *db_path && access(db_path, W_OK) != 0 && errno != ENOENT)
        snprintf(out, size, _("the file %s"), db_path);
    else if (access(dir, W_OK) != 0)
        snprintf(out, size, _("the folder %s"), dir);
    else {
        snprintf(out, size, _("the vault folder %s or its files"), dir);
        return false;
    }
    return true;
}

static cl_status fail_read_only(sqlite3 *db, const char *what)
{
    char culprit[4200];
    read_only_culprit(db ? sqlite3_db_filename(db, "main") : NULL, culprit, sizeof culprit);
    return cl_fail(CL_EPERM, _("%s: %s is read-only, so carelog cannot write the vault; make it writable "
                               "(or open a copy in a folder you can write to)"), what, culprit);
}

cl_status cl_db_fail(sqlite3 *db, const char *what)
{
    /* what ("reading the audit log") is marked for translation at every
     * call by the cl_db_fail keyword of xgettext (see the Makefile). */
    what = _(what);
    int code = db ? sqlite3_errcode(db) : SQLITE_ERROR;
    const char *msg = db ? sqlite3_errmsg(db) : "no database";
    if (code == SQLITE_BUSY || code == SQLITE_LOCKED)
        return cl_fail(CL_ECONFLICT, _("%s: the vault is busy: another carelog is writing; try again"), what);
    char culprit[4200];
    if (code == SQLITE_READONLY || code == SQLITE_PERM ||
        (code == SQLITE_CANTOPEN && read_only_culprit(db ? sqlite3_db_filename(db, "main") : NULL, culprit,
                                                      sizeof culprit)))
        return fail_read_only(db, what);
    if (code == SQLITE_NOTADB || code == SQLITE_CORRUPT)
        return cl_fail(CL_EDATA, _("%s: vault.db is damaged (%s); run `carelog verify`, then restore it from a "
                                   "backup"), what, msg);
    if (code == SQLITE_FULL || code == SQLITE_IOERR)
        return cl_fail(CL_EIO, _("%s: %s (is the disk full?)"), what, msg);
    if (code == SQLITE_CONSTRAINT)
        return cl_fail(CL_EDATA, "%s: %s", what, msg);
    return cl_fail(CL_ESOFTWARE, "%s: %s", what, msg);
}

cl_status cl_db_exec(sqlite3 *db, const char *sql)
{
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
        sqlite3_free(err);
        return cl_db_fail(db, "database");
    }
    return CL_OK;
}

cl_status cl_db_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **out)
{
    if (sqlite3_prepare_v2(db, sql, -1, out, NULL) != SQLITE_OK)
        return cl_db_fail(db, "preparing a query");
    return CL_OK;
}

cl_status cl_db_exec_cached(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *q = NULL;
    cl_status st = cl_db_cached(db, sql, &q);
    if (st == CL_OK && sqlite3_step(q) != SQLITE_DONE)
        st = cl_db_fail(db, "database");
    if (q)
        sqlite3_reset(q);
    return st;
}

cl_status cl_db_begin(sqlite3 *db)
{
    return cl_db_exec_cached(db, "BEGIN IMMEDIATE");
}

#define PRECOMMIT_MAX 4

typedef struct precommits {
    size_t n;
    struct {
        cl_db_precommit_fn *fn;
        void *ctx;
    } v[PRECOMMIT_MAX];
} precommits;

cl_status cl_db_set_precommit(sqlite3 *db, cl_db_precommit_fn *fn, void *ctx)
{
    precommits *p = sqlite3_get_clientdata(db, "carelog.precommit");
    if (!p) {
        p = calloc(1, sizeof *p);
        if (!p || sqlite3_set_clientdata(db, "carelog.precommit", p, free) != SQLITE_OK) {
            free(p);
            return cl_fail(CL_ESOFTWARE, _("out of memory"));
        }
    }
    size_t i = 0;
    while (i < p->n && p->v[i].fn != fn)
        i++;
    if (i == PRECOMMIT_MAX)
        return cl_fail(CL_ESOFTWARE, "more than %d precommit steps", PRECOMMIT_MAX);
    p->v[i].fn = fn;
    p->v[i].ctx = ctx;
    if (i == p->n)
        p->n++;
    return CL_OK;
}

cl_status cl_db_commit(sqlite3 *db)
{
    precommits *p = sqlite3_get_clientdata(db, "carelog.precommit");
    cl_status st = CL_OK;
    for (size_t i = 0; p && i < p->n && st == CL_OK; i++)
        st = p->v[i].fn(db, p->v[i].ctx);
    if (st != CL_OK) {
        cl_db_rollback(db);
        return st;
    }
    st = cl_db_exec_cached(db, "COMMIT");
    if (st != CL_OK)
        cl_db_rollback(db);
    return st;
}

void cl_db_rollback(sqlite3 *db)
{
    if (!sqlite3_get_autocommit(db))
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}

cl_status cl_db_in_one_read(sqlite3 *db, cl_status (*work)(void *arg), void *arg)
{
    bool own = sqlite3_get_autocommit(db);
    cl_status st = own ? cl_db_exec(db, "BEGIN") : CL_OK;
    if (st == CL_OK)
        st = work(arg);
    if (own)
        cl_db_rollback(db);
    return st;
}

/* Reads one integer (or text, compared) back from a pragma. */
static cl_status pragma_expect(sqlite3 *db, const char *set, const char *get, const char *want)
{
    if (set) {
        cl_status st = cl_db_exec(db, set);
        if (st != CL_OK)
            return st;
    }
    sqlite3_stmt *q;
    cl_status st = cl_db_prepare(db, get, &q);
    if (st != CL_OK)
        return st;
    int rc = sqlite3_step(q);
    const char *got = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(q, 0) : NULL;
    if (rc != SQLITE_ROW)
        st = cl_db_fail(db, get);
    else if (!got || strcasecmp(got, want) != 0)
        st = cl_fail(CL_ESOFTWARE, _("%s is %s, not %s; refusing to run with weaker storage rules"),
                     get, got ? got : "unset", want);
    sqlite3_finalize(q);
    return st;
}

/* Each set, then read back: a build or a library that ignores one is
 * refused rather than run with weaker rules. */
static const struct storage_rule {
    const char *set, *get, *want;
} storage_rules[] = {
    {"PRAGMA temp_store = MEMORY", "PRAGMA temp_store", "2"},
    {NULL, "PRAGMA journal_mode = WAL", "wal"},
    {"PRAGMA synchronous = FULL", "PRAGMA synchronous", "2"},
    {"PRAGMA foreign_keys = ON", "PRAGMA foreign_keys", "1"},
    {"PRAGMA secure_delete = ON", "PRAGMA secure_delete", "1"},
};

cl_status cl_db_apply_rules(sqlite3 *db)
{
    /* Memory security is carelog's allocator (memory.h), not
     * cipher_memory_security: without it freed memory could keep plaintext. */
    if (!cl_memory_serves_sqlite())
        return cl_fail(CL_ESOFTWARE, _("SQLite was started before carelog's wiping allocator could be installed, "
                                       "so freed memory could keep plaintext; refusing to open the vault (this is "
                                       "a bug in the program: report it)"));
    cl_status st = CL_OK;
    for (size_t i = 0; st == CL_OK && i < sizeof storage_rules / sizeof *storage_rules; i++)
        st = pragma_expect(db, storage_rules[i].set, storage_rules[i].get, storage_rules[i].want);
    return st;
}

int storage_key_raw(sqlite3 *db, const cl_secret *key, int (*fn)(sqlite3 *, const char *, const void *, int))
{
    /* "x'" + 64 hex digits + "'" : the raw-key form, so SQLCipher does not
     * run PBKDF2 over it. Built in protected memory. */
    size_t len = 2 + 2 * key->len + 1;
    unsigned char *text = sodium_malloc(len + 1);
    if (!text)
        return SQLITE_NOMEM;
    text[0] = 'x';
    text[1] = '\'';
    sodium_bin2hex((char *)text + 2, 2 * key->len + 1, key->bytes, key->len);
    text[2 + 2 * key->len] = '\'';
    int rc = fn(db, "main", text, (int)len);
    sodium_free(text);
    return rc;
}

static cl_status apply_key(sqlite3 *db, const cl_secret *key, int (*fn)(sqlite3 *, const char *, const void *, int))
{
    int rc = storage_key_raw(db, key, fn);
    if (rc == SQLITE_NOMEM)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    return rc == SQLITE_OK ? CL_OK : cl_db_fail(db, "keying the database");
}

/* The end of an open: *out = db when st is CL_OK, else db closed. Keying
 * freed SQLCipher's own buffers, which it unlocks page-wise: they are
 * locked again either way. */
static cl_status opened(sqlite3 *db, cl_status st, sqlite3 **out)
{
    cl_memory_relock();
    if (st != CL_OK) {
        sqlite3_close(db);
        cl_memory_relock();
        return st;
    }
    *out = db;
    return CL_OK;
}

cl_status cl_db_open(const char *path, const cl_secret *key, bool create, sqlite3 **out)
{
    if (key->len != 32)
        return cl_fail(CL_ESOFTWARE, _("a database key must be 32 bytes"));
    struct stat sb;
    if (!create && stat(path, &sb) != 0)
        return cl_fail(CL_ENOTFOUND, _("%s is missing; restore the vault from a backup"), path);
    /* SQLite takes an empty file for a new database and would write a fresh
     * one into it: an emptied vault.db is damage, never to be "opened". */
    if (!create && sb.st_size == 0)
        return cl_fail(CL_EDATA, _("%s is empty: it is damaged; restore it from a backup"), path);
    /* A new file is made private here rather than by the process umask, so
     * the library is safe in any program; SQLite gives -wal and -shm the
     * database file's mode. */
    if (create && stat(path, &sb) != 0) {
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0)
            return cl_fail(CL_ECANTCREATE, "%s: %s", path, strerror(errno));
        close(fd);
    }
    sqlite3 *db = NULL;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
    if (sqlite3_open_v2(path, &db, flags, NULL) != SQLITE_OK) {
        cl_status st = cl_fail(CL_EIO, "%s: %s", path, db ? sqlite3_errmsg(db) : "cannot open");
        sqlite3_close(db);
        return st;
    }
    /* Before the first query: a writer elsewhere (a checkpoint, a rotation)
     * holds locks for a moment, and a busy vault is not a damaged one. */
    cl_status st = sqlite3_busy_timeout(db, CL_DB_BUSY_MS) == SQLITE_OK ? CL_OK
                                                                        : cl_db_fail(db, "setting the busy timeout");
    if (st == CL_OK)
        st = apply_key(db, key, sqlite3_key_v2);
    /* Silenced after keying (4.6 resets the level at initialisation): a
     * wrong key must print carelog's line and nothing from SQLCipher. */
    if (st == CL_OK)
        st = cl_db_exec(db, "PRAGMA cipher_log_level = NONE");
    if (st == CL_OK && sqlite3_exec(db, "SELECT count(*) FROM sqlite_schema", NULL, NULL, NULL) != SQLITE_OK) {
        /* Only a key or format failure is damage. */
        if (sqlite3_errcode(db) == SQLITE_NOTADB)
            st = cl_fail(CL_EDATA, _("%s does not open with this vault's key: it is damaged or belongs to another "
                                     "vault; run `carelog verify`, then restore it from a backup"), path);
        else
            st = cl_db_fail(db, _("opening the vault"));
    }
    /* SQLite falls back to reading only when it may not write the file. */
    if (st == CL_OK && sqlite3_db_readonly(db, "main") == 1)
        st = fail_read_only(db, _("opening the vault"));
    if (st == CL_OK)
        st = cl_db_apply_rules(db);
    if (st == CL_OK)
        st = cl_db_exec(db, "PRAGMA cache_size = -" CL_DB_CACHE_KIB);
    /* A WAL that grew while a long read kept it from restarting (an
     * export) is cut back to this when it restarts. */
    if (st == CL_OK)
        st = cl_db_exec(db, "PRAGMA journal_size_limit = " CL_DB_WAL_LIMIT_BYTES);
    if (st == CL_OK)
        st = storage_checkpoints_attach(db, path, key);
    /* The search index's tokenizer and trigger functions, before anything
     * can touch search_fts. */
    if (st == CL_OK)
        st = cl_search_register(db);
    return opened(db, st, out);
}

void cl_db_close(sqlite3 *db)
{
    if (db) {
        /* First, so that this connection closes last: SQLite then
         * checkpoints the whole WAL and removes it. */
        cl_db_checkpoints_stop(db);
        cl_db_cache_clear(db);
        cl_search_forget(db);
    }
    sqlite3_close_v2(db);
    cl_memory_relock();
}

int cl_db_schema_version(void)
{
    int n = 0;
    while (cl_schema_migrations[n])
        n++;
    return n;
}

static cl_upgrade_progress_fn upgrade_fn;
static void *upgrade_ctx;

void cl_db_on_upgrade(cl_upgrade_progress_fn fn, void *ctx)
{
    upgrade_fn = fn;
    upgrade_ctx = ctx;
}

typedef struct upgrade_progress {
    unsigned long steps;
    int want;
} upgrade_progress;

static int upgrade_going(void *arg)
{
    upgrade_progress *p = arg;
    upgrade_fn(CL_UPGRADE_GOING, p->want, p->steps++, upgrade_ctx);
    return 0;
}

static cl_status read_schema_version(sqlite3 *db, int *have)
{
    sqlite3_stmt *q;
    cl_status st = cl_db_prepare(db, "PRAGMA user_version", &q);
    if (st != CL_OK)
        return st;
    *have = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int(q, 0) : -1;
    sqlite3_finalize(q);
    return *have < 0 ? cl_db_fail(db, "reading the schema version") : CL_OK;
}

static cl_status schema_known(int have, int want)
{
    if (have > want)
        return cl_fail(CL_ECONFIG, _("this vault was written by a newer carelog (schema %d; this program knows up "
                                   "to %d); install the newer carelog to open it"), have, want);
    return CL_OK;
}

cl_status cl_db_migrate(sqlite3 *db)
{
    /* The search migration and its triggers need carelog's tokenizer and
     * functions, also on a connection cl_db_open did not make. */
    cl_status st = cl_search_register(db);
    int have, want = cl_db_schema_version();
    if (st == CL_OK)
        st = read_schema_version(db, &have);
    if (st == CL_OK)
        st = schema_known(have, want);
    if (st != CL_OK || have == want)
        return st;
    /* Every pending entry in one transaction: a killed upgrade leaves the
     * vault as it was. The version is read again under the write lock:
     * another carelog opening the same old vault may have upgraded it
     * while this one waited for the lock, and its entries must not run
     * twice. */
    st = cl_db_begin(db);
    if (st == CL_OK)
        st = read_schema_version(db, &have);
    if (st == CL_OK)
        st = schema_known(have, want);
    if (st != CL_OK || have == want) {
        cl_db_rollback(db);
        return st;
    }
    /* An existing vault's upgrade can take a while (the derived state is
     * computed from every record): the front that opened it shows it. */
    bool shown = have > 0 && upgrade_fn;
    upgrade_progress progress = {0, want};
    if (shown)
        sqlite3_progress_handler(db, 100000, upgrade_going, &progress);
    for (int v = have; st == CL_OK && v < want; v++)
        st = cl_db_exec(db, cl_schema_migrations[v]);
    if (st == CL_OK) {
        char bump[64];
        snprintf(bump, sizeof bump, "PRAGMA user_version = %d", want);
        st = cl_db_exec(db, bump);
    }
    if (st == CL_OK)
        st = cl_db_commit(db);
    else
        cl_db_rollback(db);
    if (shown) {
        sqlite3_progress_handler(db, 0, NULL, NULL);
        upgrade_fn(st == CL_OK ? CL_UPGRADE_DONE : CL_UPGRADE_STOPPED, want, progress.steps, upgrade_ctx);
    }
    if (st != CL_OK)
        return cl_fail_context(st, _("upgrading the vault to schema %d"), want);
    return CL_OK;
}

cl_status cl_db_rekey(sqlite3 *db, const cl_secret *new_key)
{
    /* SQLCipher 4 rekeys safely only under a rollback journal, in which the
     * whole re-encryption is one transaction; and only on the only
     * connection, so this process's checkpointer closes its own first. */
    cl_db_checkpoints_stop(db);
    cl_status st = pragma_expect(db, NULL, "PRAGMA journal_mode = DELETE", "delete");
    if (st != CL_OK)
        return cl_fail(CL_ECONFLICT, _("the vault is open in another carelog; close it there, then try again"));
    st = apply_key(db, new_key, sqlite3_rekey_v2);
    cl_memory_relock();
    cl_status back = pragma_expect(db, NULL, "PRAGMA journal_mode = WAL", "wal");
    if (st == CL_OK)
        st = storage_checkpoints_rekeyed(db, new_key);
    return st != CL_OK ? st : back;
}

cl_status cl_db_check_pragma(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *q;
    cl_status st = cl_db_prepare(db, sql, &q);
    if (st != CL_OK)
        return st;
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        const char *row = (const char *)sqlite3_column_text(q, 0);
        if (row && strcmp(row, "ok") != 0) {
            /* integrity_check reports one problem per line; the first says
             * enough, `carelog verify` names the check. */
            st = cl_fail(CL_EDATA, _("%s found damage: %.*s"), sql + 7, (int)strcspn(row, "\n"), row);
            break;
        }
    }
    if (st == CL_OK && rc != SQLITE_DONE)
        st = cl_db_fail(db, sql);
    sqlite3_finalize(q);
    return st;
}

cl_status cl_db_check_integrity(sqlite3 *db)
{
    cl_status st = cl_db_check_pragma(db, "PRAGMA cipher_integrity_check");
    cl_memory_relock();
    return st == CL_OK ? cl_db_check_pragma(db, "PRAGMA integrity_check") : st;
}

cl_status cl_db_open_through(const char *name, const char *vfs, const cl_secret *key, bool create, sqlite3 **out)
{
    sqlite3 *db = NULL;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
    cl_status st = sqlite3_open_v2(name, &db, flags, vfs) == SQLITE_OK
                       ? CL_OK
                       : cl_fail(CL_EIO, _("could not open the vault for its copy: %s"),
                                 db ? sqlite3_errmsg(db) : "out of memory");
    if (st == CL_OK && sqlite3_busy_timeout(db, CL_DB_BUSY_MS) != SQLITE_OK)
        st = cl_db_fail(db, "setting the busy timeout");
    if (st == CL_OK)
        st = apply_key(db, key, sqlite3_key_v2);
    if (st == CL_OK)
        st = cl_db_exec(db, "PRAGMA cipher_log_level = NONE");
    if (st == CL_OK)
        st = pragma_expect(db, "PRAGMA temp_store = MEMORY", "PRAGMA temp_store", "2");
    if (st == CL_OK)
        st = pragma_expect(db, "PRAGMA secure_delete = ON", "PRAGMA secure_delete", "1");
    if (st == CL_OK)
        st = cl_search_register(db);
    return opened(db, st, out);
}

cl_status cl_db_backup_to(sqlite3 *src, sqlite3 *dest)
{
    sqlite3_backup *b = sqlite3_backup_init(dest, "main", src, "main");
    if (!b)
        return cl_db_fail(dest, "starting the backup");
    /* In steps, all inside the read transaction the caller holds: a writer
     * in WAL never waits for a reader, and since the snapshot stays the same
     * from step to step, another process's commit does not restart the
     * copy as it would between transactions. Only a busy destination
     * waits. */
    enum { STEP_PAGES = 256 };
    int rc;
    while ((rc = sqlite3_backup_step(b, STEP_PAGES)) == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
        if (rc != SQLITE_OK)
            sqlite3_sleep(10);
        else
            cl_test_pause("backup-step");
    }
    cl_status st = sqlite3_backup_finish(b) == SQLITE_OK && rc == SQLITE_DONE ? CL_OK
                                                                             : cl_db_fail(dest, "copying the vault");
    cl_memory_relock();
    return st;
}

static cl_status meta_get(sqlite3 *db, const char *key, sqlite3_stmt **q)
{
    cl_status st = cl_db_cached(db, "SELECT value FROM meta WHERE key = ?", q);
    if (st != CL_OK)
        return st;
    sqlite3_bind_text(*q, 1, key, -1, SQLITE_STATIC);
    int rc = sqlite3_step(*q);
    if (rc != SQLITE_ROW) {
        st = rc == SQLITE_DONE ? cl_fail(CL_EDATA, _("the vault lacks its %s; restore it from a backup"), key)
                               : cl_db_fail(db, "reading the vault's settings");
        sqlite3_reset(*q);
        return st;
    }
    return CL_OK;
}

cl_status cl_meta_get_text(sqlite3 *db, const char *key, char **out)
{
    sqlite3_stmt *q;
    cl_status st = meta_get(db, key, &q);
    if (st != CL_OK)
        return st;
    const char *v = (const char *)sqlite3_column_text(q, 0);
    *out = strdup(v ? v : "");
    sqlite3_reset(q);
    return *out ? CL_OK : cl_fail(CL_ESOFTWARE, _("out of memory"));
}

cl_status cl_meta_get_blob(sqlite3 *db, const char *key, unsigned char *buf, size_t len)
{
    sqlite3_stmt *q;
    cl_status st = meta_get(db, key, &q);
    if (st != CL_OK)
        return st;
    if ((size_t)sqlite3_column_bytes(q, 0) != len)
        st = cl_fail(CL_EDATA, _("the vault's %s has the wrong size; restore it from a backup"), key);
    else
        memcpy(buf, sqlite3_column_blob(q, 0), len);
    sqlite3_reset(q);
    return st;
}

static cl_status meta_set(sqlite3 *db, const char *key, const void *value, size_t len, bool text)
{
    sqlite3_stmt *q;
    /* An upsert keeps the row (and its entry in the key's index) where it
     * is; REPLACE moved it to a new rowid, a second page per setting in
     * every write that kept the audit head. */
    cl_status st = cl_db_cached(db, "INSERT INTO meta(key, value) VALUES (?1, ?2)"
                                     " ON CONFLICT(key) DO UPDATE SET value = ?2", &q);
    if (st != CL_OK)
        return st;
    sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
    if (text)
        sqlite3_bind_text(q, 2, value, -1, SQLITE_STATIC);
    else
        sqlite3_bind_blob(q, 2, value, (int)len, SQLITE_STATIC);
    if (sqlite3_step(q) != SQLITE_DONE)
        st = cl_db_fail(db, "saving vault settings");
    sqlite3_reset(q);
    return st;
}

cl_status cl_meta_set_text(sqlite3 *db, const char *key, const char *value)
{
    return meta_set(db, key, value, 0, true);
}

cl_status cl_meta_set_blob(sqlite3 *db, const char *key, const unsigned char *value, size_t len)
{
    return meta_set(db, key, value, len, false);
}
