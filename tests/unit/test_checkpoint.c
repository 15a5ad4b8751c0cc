/* Unit tests for the WAL's checkpoints (storage_checkpoint.c): they run in
 * the connection's own thread, not in a save; the WAL stays bounded under
 * writes without pause, restarts and shrinks once a long reader lets go,
 * and is removed at close; two connections checkpointing at once, or a
 * reader holding the WAL, never make a save fail; a process killed between
 * its commits and their checkpoint loses nothing; a key rotation with the
 * thread running still finds the only connection, and the thread keys its
 * connection with the new key afterwards; a fork with the thread running
 * stops it first.
 *
 * The writes run with synchronous OFF on the vault's connection only, so
 * that thousands of commits take no time: what is tested is where and
 * when checkpoints run, which does not depend on the commits' fsyncs (the
 * thread's connection keeps synchronous FULL). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "carelog/secret.h"
#include "carelog/storage.h"
#include "carelog/vault.h"
#include "unit_support.h"

#define PASS "correct horse battery"
#define FRAME_BYTES (4096 + 24)
/* Each write: a 40 KiB value, about ten pages of the WAL. */
#define VALUE_BYTES (40 * 1024)
#define FRAMES_PER_WRITE 16

typedef struct fixture {
    char root[64];
    char dir[128];
    char wal[160];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    snprintf(f->root, sizeof f->root, "/tmp/carelog-ckpt-XXXXXX");
    if (!mkdtemp(f->root))
        return -1;
    setenv("XDG_STATE_HOME", f->root, 1);
    setenv("CARELOG_TEST_FAST_KDF", "1", 1);
    snprintf(f->dir, sizeof f->dir, "%s/v", f->root);
    snprintf(f->wal, sizeof f->wal, "%s/vault.db-wal", f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    remove_tree(f->root);
    free(f);
    return 0;
}

static cl_secret *text(const char *s)
{
    cl_secret *out;
    assert_int_equal(cl_secret_copy((const unsigned char *)s, strlen(s), &out), CL_OK);
    return out;
}

static cl_vault *open_vault(const fixture *f)
{
    cl_secret *pass = text(PASS);
    cl_vault *v = NULL;
    OK(cl_vault_open(f->dir, pass, false, &v));
    cl_secret_free(pass);
    OK(cl_db_exec(cl_vault_db(v), "PRAGMA synchronous = OFF"));
    return v;
}

static cl_vault *make_vault(const fixture *f)
{
    cl_secret *pass = text(PASS), *recovery = NULL;
    cl_vault *v = NULL;
    OK(cl_vault_init(f->dir, "测试中学", "王老师", pass, &recovery, &v));
    cl_secret_free(pass);
    cl_secret_free(recovery);
    OK(cl_db_exec(cl_vault_db(v), "PRAGMA synchronous = OFF"));
    return v;
}

static long file_size(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? (long)sb.st_size : -1;
}

/* One transaction writing `n` into the vault's settings (as a value of
 * VALUE_BYTES, so that each commit is several pages of the WAL). */
static cl_status write_one(cl_vault *v, const char *key, unsigned n)
{
    static unsigned char value[VALUE_BYTES];
    memset(value, (int)(n & 0xff), sizeof value);
    memcpy(value, &n, sizeof n);
    sqlite3 *db = cl_vault_db(v);
    cl_status st = cl_db_begin(db);
    if (st == CL_OK)
        st = cl_meta_set_blob(db, key, value, sizeof value);
    return st == CL_OK ? cl_db_commit(db) : (cl_db_rollback(db), st);
}

static unsigned read_one(cl_vault *v, const char *key)
{
    static unsigned char value[VALUE_BYTES];
    OK(cl_meta_get_blob(cl_vault_db(v), key, value, sizeof value));
    unsigned n;
    memcpy(&n, value, sizeof n);
    return n;
}

/* The longest the WAL may be under writes without pause: the commit that
 * reaches CL_DB_CHECKPOINT_FRAMES_MAX, and the one after it that restarts
 * the WAL from its start. */
static long wal_bound(void)
{
    return 32 + (long)(CL_DB_CHECKPOINT_FRAMES_MAX + 2 * FRAMES_PER_WRITE) * FRAME_BYTES;
}

static void test_bounded_under_writes_without_pause(void **state)
{
    fixture *f = *state;
    cl_vault *v = make_vault(f);
    long longest = 0;
    /* Four times the frames at which the commit takes the checkpoint on
     * itself. */
    unsigned writes = 4 * CL_DB_CHECKPOINT_FRAMES_MAX / 10;
    for (unsigned i = 1; i <= writes; i++) {
        OK(write_one(v, "ckpt_test", i));
        long size = file_size(f->wal);
        if (size > longest)
            longest = size;
    }
    if (longest > wal_bound())
        fail_msg("the WAL grew to %ld bytes under %u writes (bound %ld)", longest, writes, wal_bound());
    /* Not SQLite's automatic checkpoint: the connection's thread ran them. */
    assert_true(cl_db_checkpoints_wait(cl_vault_db(v)) > 0);
    assert_int_equal(read_one(v, "ckpt_test"), writes);
    cl_vault_close(v);
    /* The last connection's close checkpoints all of it and removes it. */
    assert_int_equal(file_size(f->wal), -1);
    v = open_vault(f);
    assert_int_equal(read_one(v, "ckpt_test"), writes);
    OK(cl_db_check_integrity(cl_vault_db(v)));
    cl_vault_close(v);
}

/* In a real session saves come seconds apart: the thread's checkpoint has
 * copied the whole WAL by the next one, which starts the WAL again; no
 * commit ran a checkpoint itself, and the WAL never passed the frames at
 * which the thread is woken by more than a save or two. */
static void test_restarts_between_saves(void **state)
{
    fixture *f = *state;
    cl_vault *v = make_vault(f);
    sqlite3 *db = cl_vault_db(v);
    long longest = 0;
    unsigned long runs = 0;
    for (unsigned i = 1; i <= 3 * CL_DB_CHECKPOINT_FRAMES / 10; i++) {
        OK(write_one(v, "ckpt_test", i));
        runs = cl_db_checkpoints_wait(db); /* the pause between two saves */
        long size = file_size(f->wal);
        if (size > longest)
            longest = size;
    }
    assert_true(runs > 0);
    long bound = 32 + (long)(CL_DB_CHECKPOINT_FRAMES + 2 * FRAMES_PER_WRITE) * FRAME_BYTES;
    if (longest > bound)
        fail_msg("the WAL grew to %ld bytes with pauses between the saves (bound %ld)", longest, bound);
    cl_vault_close(v);
}

/* A reader (another carelog exporting) keeps the WAL from being copied
 * past its snapshot or started again: saves go on, none fails, and once
 * the reader is done the WAL starts again and is cut back to its limit. */
static void test_reader_holds_the_wal(void **state)
{
    fixture *f = *state;
    cl_vault *v = make_vault(f), *reader = open_vault(f);
    sqlite3 *rdb = cl_vault_db(reader);
    OK(write_one(v, "ckpt_test", 1));
    OK(cl_db_exec(rdb, "BEGIN; SELECT count(*) FROM meta"));
    long limit = atol(CL_DB_WAL_LIMIT_BYTES);
    unsigned i = 2;
    while (file_size(f->wal) <= limit + 4 * FRAME_BYTES * FRAMES_PER_WRITE)
        OK(write_one(v, "ckpt_test", i++));
    /* The reader still sees its snapshot. */
    assert_int_equal(read_one(reader, "ckpt_test"), 1);
    OK(cl_db_exec(rdb, "COMMIT"));
    for (unsigned k = 0; k < 2 * CL_DB_CHECKPOINT_FRAMES_MAX / 10; k++)
        OK(write_one(v, "ckpt_test", i++));
    long size = file_size(f->wal);
    if (size > limit)
        fail_msg("the WAL stayed at %ld bytes after the reader finished (limit %ld)", size, limit);
    assert_int_equal(read_one(reader, "ckpt_test"), i - 1);
    cl_vault_close(reader);
    cl_vault_close(v);
}

/* Two carelogs writing at once, each with its own checkpointer: one's
 * checkpoint meets the other's (SQLITE_BUSY inside the checkpoint), which
 * is never a save's failure. */
static void test_two_writers(void **state)
{
    fixture *f = *state;
    cl_vault *a = make_vault(f), *b = open_vault(f);
    unsigned n = 2 * CL_DB_CHECKPOINT_FRAMES_MAX / 10;
    for (unsigned i = 1; i <= n; i++) {
        OK(write_one(a, "ckpt_a", i));
        OK(write_one(b, "ckpt_b", i));
    }
    if (file_size(f->wal) > wal_bound())
        fail_msg("the WAL grew to %ld bytes with two writers (bound %ld)", file_size(f->wal), wal_bound());
    assert_true(cl_db_checkpoints_wait(cl_vault_db(a)) + cl_db_checkpoints_wait(cl_vault_db(b)) > 0);
    assert_int_equal(read_one(a, "ckpt_b"), n);
    assert_int_equal(read_one(b, "ckpt_a"), n);
    cl_vault_close(b);
    OK(cl_db_check_integrity(cl_vault_db(a)));
    cl_vault_close(a);
}

/* A process killed while its thread may be checkpointing, with commits in
 * the WAL not yet copied: every save it acknowledged is there after. */
static void test_killed_between_commit_and_checkpoint(void **state)
{
    fixture *f = *state;
    cl_vault_close(make_vault(f));
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        cl_vault *v = open_vault(f);
        for (unsigned i = 1; i <= CL_DB_CHECKPOINT_FRAMES_MAX / 10 + 7; i++) {
            if (write_one(v, "ckpt_test", i) != CL_OK)
                _exit(2);
            if (write(fds[1], &i, sizeof i) != (ssize_t)sizeof i)
                _exit(3);
        }
        _exit(0); /* no close: the thread dies wherever it is */
    }
    close(fds[1]);
    unsigned acknowledged = 0, got;
    while (read(fds[0], &got, sizeof got) == (ssize_t)sizeof got)
        acknowledged = got;
    close(fds[0]);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_int_equal(acknowledged, CL_DB_CHECKPOINT_FRAMES_MAX / 10 + 7);
    /* The last saves are in the WAL only. */
    assert_true(file_size(f->wal) > 0);
    cl_vault *v = open_vault(f);
    assert_int_equal(read_one(v, "ckpt_test"), acknowledged);
    OK(cl_db_check_integrity(cl_vault_db(v)));
    cl_vault_close(v);
}

/* The threads of this process (its main thread included). */
static int threads(void)
{
    DIR *d = opendir("/proc/self/task");
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));)
        n += e->d_name[0] != '.';
    if (d)
        closedir(d);
    return n;
}

/* True when every thread but the main one blocks SIGHUP and SIGTERM
 * (SigBlk in /proc: bit N-1 for signal N), so the program's handlers run
 * on the main thread (worker.h). */
static bool workers_block_signals(void)
{
    DIR *d = opendir("/proc/self/task");
    bool all = d != NULL;
    char self[32];
    snprintf(self, sizeof self, "%d", (int)getpid());
    for (struct dirent *e; d && (e = readdir(d));) {
        if (e->d_name[0] == '.' || strcmp(e->d_name, self) == 0)
            continue;
        char path[300], line[256];
        snprintf(path, sizeof path, "/proc/self/task/%s/status", e->d_name);
        FILE *f = fopen(path, "r");
        unsigned long long blocked = 0;
        while (f && fgets(line, sizeof line, f))
            if (sscanf(line, "SigBlk: %llx", &blocked) == 1)
                break;
        if (f)
            fclose(f);
        all = all && (blocked & (1ull << (SIGHUP - 1))) && (blocked & (1ull << (SIGTERM - 1)));
    }
    if (d)
        closedir(d);
    return all;
}

/* A fork() stops the thread (a child inherits no thread, and no
 * connection of it half used); the parent's starts again at its next long
 * WAL. */
static void test_stopped_at_fork(void **state)
{
    fixture *f = *state;
    cl_vault *v = make_vault(f);
    sqlite3 *db = cl_vault_db(v);
    int alone = threads();
    unsigned i = 1;
    for (; i <= 2 * CL_DB_CHECKPOINT_FRAMES / 10; i++)
        OK(write_one(v, "ckpt_test", i));
    unsigned long before = cl_db_checkpoints_wait(db);
    assert_true(before > 0);
    assert_int_equal(threads(), alone + 1);
    assert_true(workers_block_signals());
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        _exit(0);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    /* Stopped in the parent too, before the fork. */
    assert_int_equal(threads(), alone);
    for (unsigned k = 0; k < 2 * CL_DB_CHECKPOINT_FRAMES / 10; k++, i++)
        OK(write_one(v, "ckpt_test", i));
    assert_true(cl_db_checkpoints_wait(db) > before);
    cl_vault_close(v);
    assert_int_equal(threads(), alone);
}

/* Removing a counsellor rotates the key, which needs the only connection:
 * the process's own checkpointer is not "another carelog". Afterwards the
 * thread opens its connection with the new key. */
static void test_rotation_with_the_thread_running(void **state)
{
    fixture *f = *state;
    cl_vault *v = make_vault(f);
    cl_secret *second = text("second staple passphrase");
    OK(cl_vault_counsellor_add(v, "李老师", second));
    cl_secret_free(second);
    sqlite3 *db = cl_vault_db(v);
    unsigned i = 1;
    for (; i <= 2 * CL_DB_CHECKPOINT_FRAMES / 10; i++)
        OK(write_one(v, "ckpt_test", i));
    unsigned long before = cl_db_checkpoints_wait(db);
    assert_true(before > 0);
    OK(cl_vault_counsellor_remove(v, "李老师"));
    db = cl_vault_db(v);
    OK(cl_db_exec(db, "PRAGMA synchronous = OFF"));
    for (unsigned k = 0; k < 2 * CL_DB_CHECKPOINT_FRAMES / 10; k++, i++)
        OK(write_one(v, "ckpt_test", i));
    /* Checkpoints under the new key copied frames: the thread's
     * connection opened, so the WAL was checkpointed and restarted. */
    assert_true(cl_db_checkpoints_wait(db) > before);
    assert_true(file_size(f->wal) <= wal_bound());
    cl_vault_close(v);
    v = open_vault(f);
    assert_int_equal(read_one(v, "ckpt_test"), i - 1);
    OK(cl_db_check_integrity(cl_vault_db(v)));
    cl_vault_close(v);
}

int main(void)
{
    OK(cl_secret_init_process());
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_bounded_under_writes_without_pause, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restarts_between_saves, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reader_holds_the_wal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_two_writers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_killed_between_commit_and_checkpoint, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rotation_with_the_thread_running, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stopped_at_fork, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
