/* Storage: the SQLCipher database under the vault, opened the one safe way.
 *
 * The key is handed over only in the raw form x'<64 hex digits>' (any other
 * form silently runs PBKDF2 and yields a different key). Every open sets and
 * reads back the rules that keep plaintext off the disk and saved work safe:
 * temp_store MEMORY, WAL, synchronous FULL, foreign keys, secure_delete;
 * and no connection runs unless SQLite allocates from carelog's wiping,
 * locked allocator (memory.h), which replaces cipher_memory_security.
 * Migrations go by PRAGMA user_version; a
 * database newer than this program is refused. */
#ifndef CARELOG_STORAGE_H
#define CARELOG_STORAGE_H

#include <stdbool.h>
#include <sqlite3.h>

#include "carelog/secret.h"
#include "carelog/status.h"

/* Opens (or with create, creates) an encrypted database with a 32-byte raw
 * key. A key that does not open it is CL_EDATA: the caller knows the key came
 * from a slot that accepted the passphrase, so the file is damaged or
 * foreign. A vault busy in another carelog waits, then is CL_ECONFLICT; a
 * read-only file or folder is CL_EPERM naming which. */
/* How long a connection waits for another carelog's lock before it
 * reports the vault busy (CL_ECONFLICT). */
#define CL_DB_BUSY_MS 10000
/* The page cache of a connection, in KiB (PRAGMA cache_size = -N): the
 * hot index pages of a large vault, within the 64 MiB a streamed list may
 * use. */
#define CL_DB_CACHE_KIB "16384"

cl_status cl_db_open(const char *path, const cl_secret *key, bool create, sqlite3 **out);
/* Stops the connection's checkpointer, then closes; the last connection
 * to the vault checkpoints the whole WAL and removes it. */
void cl_db_close(sqlite3 *db);

/* Checkpoints, out of the counsellor's save. SQLite's automatic
 * checkpoint copies the WAL back into the database inside the save that
 * took it past 1000 frames, at several times the save's cost. Instead a
 * connection cl_db_open made wakes a thread of its own when a commit
 * leaves the WAL at CL_DB_CHECKPOINT_FRAMES or more; the thread runs
 * PASSIVE checkpoints on a second connection keyed like the first, so no
 * writer or reader waits for it, and every commit is as durable as before
 * (WAL, synchronous FULL). The WAL is used again from its start by the
 * first transaction that begins after a checkpoint copied all of it: with
 * saves seconds apart that is the next save. Saves without a pause (an
 * import, a benchmark) leave the thread no such moment, so the commit that
 * finds CL_DB_CHECKPOINT_FRAMES_MAX copies the rest (little by then)
 * itself, and the WAL stays bounded. A WAL that grew past
 * CL_DB_WAL_LIMIT_BYTES while a long read held it (an export) is cut back
 * when it restarts. The thread starts when first needed; it is stopped,
 * and its connection closed, by cl_db_close, cl_db_rekey,
 * cl_db_checkpoints_stop, before fork() and at exit. Without a thread (it
 * could not be started, or its connection not opened) the commit runs the
 * passive checkpoint, as SQLite did. */
#define CL_DB_CHECKPOINT_FRAMES 1000
#define CL_DB_CHECKPOINT_FRAMES_MAX 3000
#define CL_DB_WAL_LIMIT_BYTES "16777216"
/* Ends the thread (a checkpoint under way finishes) and closes its
 * connection, for a step that needs the only connection to the vault. */
void cl_db_checkpoints_stop(sqlite3 *db);
/* Waits until the checkpoints asked for so far have run; how many the
 * thread has run on this connection (for tests). */
unsigned long cl_db_checkpoints_wait(sqlite3 *db);

/* The storage rules every open applies to a keyed connection (SQLite on
 * the wiping allocator of memory.h; temp_store MEMORY, WAL, synchronous
 * FULL, foreign keys, secure_delete, each read back). Public so that a test can start from a
 * connection with them off and see carelog turn them on. */
cl_status cl_db_apply_rules(sqlite3 *db);

/* Brings the schema to the newest version; CL_ECONFIG for a newer vault. */
cl_status cl_db_migrate(sqlite3 *db);

/* Upgrading an existing vault can take a while at its first unlock (the
 * derived state and the search index are computed from every record). A
 * front that shows it names a function here, called now and then while an
 * upgrade runs (CL_UPGRADE_GOING, `steps` growing) and once at its end
 * (CL_UPGRADE_DONE or CL_UPGRADE_STOPPED: rolled back, nothing changed).
 * The core itself never writes to the terminal. NULL: nothing shown. */
typedef enum { CL_UPGRADE_GOING, CL_UPGRADE_DONE, CL_UPGRADE_STOPPED } cl_upgrade_phase;
typedef void (*cl_upgrade_progress_fn)(cl_upgrade_phase phase, int schema, unsigned long steps, void *ctx);
void cl_db_on_upgrade(cl_upgrade_progress_fn fn, void *ctx);
int cl_db_schema_version(void);
/* The migrations, in order: migration i (from 0) takes user_version from i
 * to i+1. Defined in schema.c; every module's tables are listed there. */
extern const char *const cl_schema_migrations[];

/* Runs SQL without results. Failures name `what`. */
cl_status cl_db_exec(sqlite3 *db, const char *sql);
/* Turns the connection's last error into a status with a message about
 * `what` ("saving the record"); SQLITE_BUSY becomes CL_ECONFLICT, a
 * read-only file or folder CL_EPERM, damage CL_EDATA. */
cl_status cl_db_fail(sqlite3 *db, const char *what);

/* One transaction per user action: BEGIN IMMEDIATE … COMMIT. */
cl_status cl_db_begin(sqlite3 *db);
cl_status cl_db_commit(sqlite3 *db);
void cl_db_rollback(sqlite3 *db);
/* Runs work(arg) in one read transaction (unless the caller has one
 * open, which it then reads in), so that all it reads is one snapshot:
 * rows and their counts, a list and the students' directory. */
cl_status cl_db_in_one_read(sqlite3 *db, cl_status (*work)(void *arg), void *arg);

/* Prepares a statement; on failure returns a status naming the SQL. */
cl_status cl_db_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **out);

/* A statement prepared once per connection and kept (persistent), found
 * by the address of sql, which must be a string literal (static storage).
 * It comes back reset with no bindings; the caller never finalizes it, and
 * should reset it after the last step so no read stays open. cl_db_close
 * (or cl_db_cache_clear) frees them all. */
cl_status cl_db_cached(sqlite3 *db, const char *sql, sqlite3_stmt **out);
void cl_db_cache_clear(sqlite3 *db);
/* One statement without results (a string literal), from the cache: for
 * the few that every write runs (BEGIN, COMMIT, SAVEPOINT, RELEASE). */
cl_status cl_db_exec_cached(sqlite3 *db, const char *sql);

/* Work a transaction's writes leave for its end (the derived state of the
 * students they touched, done once per student rather than once per
 * record; deferred search indexing): cl_db_commit runs each fn(db, ctx),
 * in the order set, just before COMMIT, and a failure there rolls the
 * transaction back. A few per connection, one per fn: set again with the
 * same fn to replace its ctx. */
typedef cl_status cl_db_precommit_fn(sqlite3 *db, void *ctx);
cl_status cl_db_set_precommit(sqlite3 *db, cl_db_precommit_fn *fn, void *ctx);

/* Re-encrypts the whole database under new_key in one transaction. Needs the
 * only connection: CL_ECONFLICT when another carelog has the vault open. */
cl_status cl_db_rekey(sqlite3 *db, const cl_secret *new_key);

/* A checking pragma whose rows are "ok" when sound (integrity_check,
 * cipher_integrity_check); CL_EDATA naming the first problem. */
cl_status cl_db_check_pragma(sqlite3 *db, const char *sql);

/* PRAGMA cipher_integrity_check and integrity_check; CL_EDATA on damage. */
cl_status cl_db_check_integrity(sqlite3 *db);

/* For a backup's own connections: name (a file or a URI) opened through
 * the SQLite VFS vfs (NULL: the default), keyed, with the vault's memory
 * and deletion rules and its search functions, but no journal rule. */
cl_status cl_db_open_through(const char *name, const char *vfs, const cl_secret *key, bool create, sqlite3 **out);

/* A consistent encrypted copy of src into dest (online backup API), in the
 * read transaction the caller holds on src, while the vault is in use. */
cl_status cl_db_backup_to(sqlite3 *src, sqlite3 *dest);

/* Meta key/value pairs (text or blob). */
cl_status cl_meta_get_text(sqlite3 *db, const char *key, char **out);
cl_status cl_meta_get_blob(sqlite3 *db, const char *key, unsigned char *buf, size_t len);
cl_status cl_meta_set_text(sqlite3 *db, const char *key, const char *value);
cl_status cl_meta_set_blob(sqlite3 *db, const char *key, const unsigned char *value, size_t len);

#endif
