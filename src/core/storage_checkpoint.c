/* The WAL's checkpoints, out of the counsellor's save. See storage.h.
 *
 * SQLite's automatic checkpoint runs inside the COMMIT that takes the WAL
 * past 1000 frames: that save waits for the pages to be copied into
 * vault.db and for vault.db's fsync, several times its own cost. Here the
 * vault's connection only counts its WAL (sqlite3_wal_hook, after each
 * commit, which is already durable then) and wakes a thread of its own
 * that runs PASSIVE checkpoints on a second connection to vault.db, keyed
 * with the same key: a passive checkpoint copies only frames no reader
 * needs, takes no writer's lock and never waits, so a save never waits for
 * it. The thread and its connection exist only while needed: started at
 * the first commit that finds the WAL long, stopped (joined, connection
 * closed) before the vault's connection closes or is rekeyed, before a
 * check that it is the only connection, before a fork and at exit. */
#include "carelog/storage.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "carelog/i18n.h"
#include "carelog/memory.h"
#include "carelog/worker.h"
#include "storage_internal.h"

typedef struct checkpointer {
    pthread_mutex_t mu;
    pthread_cond_t wake, idle;
    pthread_t thread;
    bool running;  /* the thread exists */
    bool wanted;   /* a commit asked for a checkpoint not yet begun */
    bool busy;     /* the thread is checkpointing */
    bool stopping; /* the thread is to end */
    bool inline_only; /* no thread could be had: checkpoint in the commit */
    unsigned long done;
    int woken_at; /* the WAL's length when the thread was last woken */
    char *path;
    cl_secret *key;
    sqlite3 *own; /* the thread's connection, opened by the thread */
    struct checkpointer *next, *prev;
} checkpointer;

#define CLIENT_KEY "carelog.checkpointer"

/* Every checkpointer of the process, for a fork and for exit. */
static pthread_mutex_t all_mu = PTHREAD_MUTEX_INITIALIZER;
static checkpointer *all;
static pthread_once_t hooks_once = PTHREAD_ONCE_INIT;

/* The thread's connection, or NULL; *locked_out when only another carelog's lock
 * was in the way (a WAL being recovered), so that a later wake tries
 * again. */
static sqlite3 *open_own(const checkpointer *c, bool *locked_out)
{
    sqlite3 *db = NULL;
    *locked_out = false;
    if (sqlite3_open_v2(c->path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
        goto fail;
    /* The checkpoint's fsyncs of the WAL and of vault.db, without which
     * a WAL restarted after it could lose pages at a power cut, come from
     * synchronous FULL on this connection; reading the schema opens the
     * WAL (a connection that never read has no WAL to checkpoint). */
    if (storage_key_raw(db, c->key, sqlite3_key_v2) != SQLITE_OK ||
        sqlite3_exec(db, "PRAGMA cipher_log_level = NONE; PRAGMA synchronous = FULL;"
                         " SELECT count(*) FROM sqlite_schema", NULL, NULL, NULL) != SQLITE_OK)
        goto fail;
    sqlite3_stmt *q = NULL;
    bool wal = sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &q, NULL) == SQLITE_OK &&
               sqlite3_step(q) == SQLITE_ROW && strcmp((const char *)sqlite3_column_text(q, 0), "wal") == 0;
    sqlite3_finalize(q);
    if (!wal)
        goto fail;
    cl_memory_relock();
    return db;
fail:
    *locked_out = db && (sqlite3_errcode(db) == SQLITE_BUSY || sqlite3_errcode(db) == SQLITE_LOCKED);
    sqlite3_close(db);
    cl_memory_relock();
    return NULL;
}

static void *checkpoint_loop(void *arg)
{
    checkpointer *c = arg;
    pthread_mutex_lock(&c->mu);
    for (;;) {
        while (!c->wanted && !c->stopping)
            pthread_cond_wait(&c->wake, &c->mu);
        if (c->stopping)
            break;
        c->wanted = false;
        c->busy = true;
        pthread_mutex_unlock(&c->mu);
        bool locked_out = false;
        if (!c->own)
            c->own = open_own(c, &locked_out);
        /* SQLITE_BUSY (another carelog checkpointing, or a writer
         * restarting the WAL) only means this one is not needed now; a
         * real failure leaves the frames in the WAL, where they are as
         * safe as in vault.db, for the next checkpoint or the close. */
        if (c->own)
            sqlite3_wal_checkpoint_v2(c->own, "main", SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
        pthread_mutex_lock(&c->mu);
        c->busy = false;
        if (c->own)
            c->done++;
        else if (!locked_out)
            c->inline_only = true;
        pthread_cond_broadcast(&c->idle);
        if (c->inline_only)
            break;
    }
    pthread_mutex_unlock(&c->mu);
    return NULL;
}

/* Ends the thread (a checkpoint under way finishes first) and closes its
 * connection; the next long WAL starts them again. */
static void stop(checkpointer *c)
{
    pthread_mutex_lock(&c->mu);
    bool running = c->running;
    c->stopping = true;
    pthread_cond_broadcast(&c->wake);
    pthread_mutex_unlock(&c->mu);
    if (running)
        pthread_join(c->thread, NULL);
    sqlite3_close(c->own);
    cl_memory_relock();
    pthread_mutex_lock(&c->mu);
    c->own = NULL;
    c->running = c->stopping = c->wanted = c->busy = false;
    pthread_cond_broadcast(&c->idle);
    pthread_mutex_unlock(&c->mu);
}

static void stop_all(void)
{
    pthread_mutex_lock(&all_mu);
    for (checkpointer *c = all; c; c = c->next)
        stop(c);
    pthread_mutex_unlock(&all_mu);
}

/* A child of fork() inherits no thread: every checkpointer is stopped
 * before the fork (all_mu is held across it), and starts again in either
 * process at its next long WAL. */
static void before_fork(void)
{
    pthread_mutex_lock(&all_mu);
    for (checkpointer *c = all; c; c = c->next)
        stop(c);
}

static void after_fork(void)
{
    pthread_mutex_unlock(&all_mu);
}

static void install_process_hooks(void)
{
    pthread_atfork(before_fork, after_fork, after_fork);
    /* A program that exits with a vault open must not have the thread
     * checkpoint while exit tears the process down. */
    atexit(stop_all);
}

/* Called by SQLite after every commit to the WAL, with its length. The
 * thread is woken at CL_DB_CHECKPOINT_FRAMES and again each half of that
 * later. A WAL is used again from its start only by a transaction that
 * began after a checkpoint copied all of it, which a writer saving without
 * pause never leaves the thread time for: at CL_DB_CHECKPOINT_FRAMES_MAX
 * the commit copies what the thread has not (little by then) itself, and
 * its next transaction restarts the WAL. */
static int wal_committed(void *arg, sqlite3 *db, const char *name, int frames)
{
    checkpointer *c = arg;
    pthread_mutex_lock(&c->mu);
    if (frames < c->woken_at)
        c->woken_at = 0; /* the WAL was restarted */
    bool here = frames >= CL_DB_CHECKPOINT_FRAMES && (c->inline_only || frames >= CL_DB_CHECKPOINT_FRAMES_MAX);
    if (!here && frames >= CL_DB_CHECKPOINT_FRAMES && frames >= c->woken_at + CL_DB_CHECKPOINT_FRAMES / 2) {
        if (!c->running) {
            c->running = cl_worker_start(&c->thread, checkpoint_loop, c);
            here = c->inline_only = !c->running;
        }
        c->woken_at = frames;
        c->wanted = true;
        pthread_cond_signal(&c->wake);
    }
    /* The thread's checkpoint under way would make this one SQLITE_BUSY,
     * and the WAL grow on: wait for it (it has copied most by now), and
     * have it wait for this one. */
    while (here && c->busy)
        pthread_cond_wait(&c->idle, &c->mu);
    if (here)
        c->wanted = false;
    pthread_mutex_unlock(&c->mu);
    /* The save is committed already: whatever this checkpoint meets
     * (another carelog's checkpoint: SQLITE_BUSY) is not the save's
     * failure, and the next commit tries again. */
    if (here)
        sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    return SQLITE_OK;
}

static void unregister_and_free(void *arg)
{
    checkpointer *c = arg;
    stop(c);
    pthread_mutex_lock(&all_mu);
    if (c->prev)
        c->prev->next = c->next;
    else
        all = c->next;
    if (c->next)
        c->next->prev = c->prev;
    pthread_mutex_unlock(&all_mu);
    pthread_mutex_destroy(&c->mu);
    pthread_cond_destroy(&c->wake);
    pthread_cond_destroy(&c->idle);
    cl_secret_free(c->key);
    free(c->path);
    free(c);
}

cl_status storage_checkpoints_attach(sqlite3 *db, const char *path, const cl_secret *key)
{
    pthread_once(&hooks_once, install_process_hooks);
    checkpointer *c = calloc(1, sizeof *c);
    if (!c)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->wake, NULL);
    pthread_cond_init(&c->idle, NULL);
    c->path = strdup(path);
    cl_status st = c->path ? cl_secret_copy(key->bytes, key->len, &c->key) : cl_fail(CL_ESOFTWARE, _("out of memory"));
    if (st != CL_OK) {
        free(c->path);
        free(c);
        return st;
    }
    pthread_mutex_lock(&all_mu);
    c->next = all;
    if (all)
        all->prev = c;
    all = c;
    pthread_mutex_unlock(&all_mu);
    if (sqlite3_set_clientdata(db, CLIENT_KEY, c, unregister_and_free) != SQLITE_OK) {
        unregister_and_free(c);
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    }
    sqlite3_wal_hook(db, wal_committed, c);
    return CL_OK;
}

cl_status storage_checkpoints_rekeyed(sqlite3 *db, const cl_secret *key)
{
    checkpointer *c = sqlite3_get_clientdata(db, CLIENT_KEY);
    if (!c)
        return CL_OK;
    stop(c);
    cl_secret *copy;
    cl_status st = cl_secret_copy(key->bytes, key->len, &copy);
    if (st != CL_OK)
        return st;
    cl_secret_free(c->key);
    c->key = copy;
    c->inline_only = false;
    return CL_OK;
}

void cl_db_checkpoints_stop(sqlite3 *db)
{
    checkpointer *c = db ? sqlite3_get_clientdata(db, CLIENT_KEY) : NULL;
    if (c)
        stop(c);
}

unsigned long cl_db_checkpoints_wait(sqlite3 *db)
{
    checkpointer *c = sqlite3_get_clientdata(db, CLIENT_KEY);
    if (!c)
        return 0;
    pthread_mutex_lock(&c->mu);
    while (c->running && (c->wanted || c->busy))
        pthread_cond_wait(&c->idle, &c->mu);
    unsigned long done = c->done;
    pthread_mutex_unlock(&c->mu);
    return done;
}
