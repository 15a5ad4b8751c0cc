/* The two SQLite VFS of a backup. The first writes its database copy straight
 * into the backup file, behind the header, instead of into a file of its
 * own that would then be read and written again (a 2 GB vault was written
 * twice and read three times). SQLCipher encrypts above the VFS, so every
 * byte that reaches it is ciphertext.
 *
 * The main database is the caller's open file at an offset, named by the
 * URI parameters fd and at ("file:copy?fd=5&at=1234"); anything else
 * SQLite opens beside it (the copy's WAL, when its first page says WAL)
 * lives in memory and goes with the connection, so no other file is ever
 * made. The copy's connection is the only user of the file, in exclusive
 * locking mode, so locks are not needed. */
#include "vault_internal.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct placed_file {
    sqlite3_file base;
    int fd;          /* the backup file's, not closed here; -1: in memory */
    sqlite3_int64 at;
    unsigned char *mem;
    sqlite3_int64 mem_len, mem_cap;
} placed_file;

static int placed_close(sqlite3_file *f)
{
    placed_file *p = (placed_file *)f;
    sqlite3_free(p->mem);
    p->mem = NULL;
    return SQLITE_OK;
}

static int placed_read(sqlite3_file *f, void *buf, int amt, sqlite3_int64 off)
{
    placed_file *p = (placed_file *)f;
    size_t got = 0;
    if (p->fd < 0) {
        if (off < p->mem_len) {
            got = (size_t)(p->mem_len - off < amt ? p->mem_len - off : amt);
            memcpy(buf, p->mem + off, got);
        }
    } else {
        while (got < (size_t)amt) {
            ssize_t n = pread(p->fd, (char *)buf + got, (size_t)amt - got, (off_t)(p->at + off) + (off_t)got);
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0)
                return SQLITE_IOERR_READ;
            if (n == 0)
                break;
            got += (size_t)n;
        }
    }
    if (got < (size_t)amt) {
        memset((char *)buf + got, 0, (size_t)amt - got);
        return SQLITE_IOERR_SHORT_READ;
    }
    return SQLITE_OK;
}

static int mem_reserve(placed_file *p, sqlite3_int64 len)
{
    if (len <= p->mem_cap)
        return SQLITE_OK;
    sqlite3_int64 cap = p->mem_cap ? p->mem_cap : 1 << 16;
    while (cap < len)
        cap *= 2;
    unsigned char *grown = sqlite3_realloc64(p->mem, (sqlite3_uint64)cap);
    if (!grown)
        return SQLITE_IOERR_NOMEM;
    memset(grown + p->mem_cap, 0, (size_t)(cap - p->mem_cap));
    p->mem = grown;
    p->mem_cap = cap;
    return SQLITE_OK;
}

static int placed_write(sqlite3_file *f, const void *buf, int amt, sqlite3_int64 off)
{
    placed_file *p = (placed_file *)f;
    if (p->fd < 0) {
        int rc = mem_reserve(p, off + amt);
        if (rc != SQLITE_OK)
            return rc;
        memcpy(p->mem + off, buf, (size_t)amt);
        if (off + amt > p->mem_len)
            p->mem_len = off + amt;
        return SQLITE_OK;
    }
    size_t put = 0;
    while (put < (size_t)amt) {
        ssize_t n = pwrite(p->fd, (const char *)buf + put, (size_t)amt - put, (off_t)(p->at + off) + (off_t)put);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return errno == ENOSPC ? SQLITE_FULL : SQLITE_IOERR_WRITE;
        put += (size_t)n;
    }
    return SQLITE_OK;
}

static int placed_truncate(sqlite3_file *f, sqlite3_int64 size)
{
    placed_file *p = (placed_file *)f;
    if (p->fd < 0) {
        if (size < p->mem_len)
            p->mem_len = size;
        return SQLITE_OK;
    }
    return ftruncate(p->fd, (off_t)(p->at + size)) == 0 ? SQLITE_OK : SQLITE_IOERR_TRUNCATE;
}

/* The whole backup file is synced once, when it is whole. */
static int placed_sync(sqlite3_file *f, int flags)
{
    (void)f, (void)flags;
    return SQLITE_OK;
}

static int placed_size(sqlite3_file *f, sqlite3_int64 *size)
{
    placed_file *p = (placed_file *)f;
    if (p->fd < 0) {
        *size = p->mem_len;
        return SQLITE_OK;
    }
    struct stat sb;
    if (fstat(p->fd, &sb) != 0)
        return SQLITE_IOERR_FSTAT;
    *size = sb.st_size > p->at ? sb.st_size - p->at : 0;
    return SQLITE_OK;
}

static int placed_lock(sqlite3_file *f, int level)
{
    (void)f, (void)level;
    return SQLITE_OK;
}

static int placed_reserved(sqlite3_file *f, int *out)
{
    (void)f;
    *out = 0;
    return SQLITE_OK;
}

static int placed_control(sqlite3_file *f, int op, void *arg)
{
    (void)f, (void)op, (void)arg;
    return SQLITE_NOTFOUND;
}

static int placed_sector(sqlite3_file *f)
{
    (void)f;
    return 4096;
}

static int placed_characteristics(sqlite3_file *f)
{
    (void)f;
    return 0;
}

static const sqlite3_io_methods placed_methods = {
    .iVersion = 1,
    .xClose = placed_close,
    .xRead = placed_read,
    .xWrite = placed_write,
    .xTruncate = placed_truncate,
    .xSync = placed_sync,
    .xFileSize = placed_size,
    .xLock = placed_lock,
    .xUnlock = placed_lock,
    .xCheckReservedLock = placed_reserved,
    .xFileControl = placed_control,
    .xSectorSize = placed_sector,
    .xDeviceCharacteristics = placed_characteristics,
};

static int placed_open(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *f, int flags, int *out_flags)
{
    (void)vfs;
    placed_file *p = (placed_file *)f;
    memset(p, 0, sizeof *p);
    p->fd = -1;
    if (flags & SQLITE_OPEN_MAIN_DB) {
        p->fd = (int)sqlite3_uri_int64(name, "fd", -1);
        p->at = sqlite3_uri_int64(name, "at", -1);
        if (p->fd < 0 || p->at < 0)
            return SQLITE_CANTOPEN;
    }
    p->base.pMethods = &placed_methods;
    if (out_flags)
        *out_flags = flags;
    return SQLITE_OK;
}

/* Nothing of the copy's is ever on disk under a name of its own. */
static int placed_delete(sqlite3_vfs *vfs, const char *name, int sync_dir)
{
    (void)vfs, (void)name, (void)sync_dir;
    return SQLITE_OK;
}

static int placed_access(sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
    (void)vfs, (void)name, (void)flags;
    *out = 0;
    return SQLITE_OK;
}

static int placed_full_name(sqlite3_vfs *vfs, const char *name, int n, char *out)
{
    (void)vfs;
    sqlite3_snprintf(n, out, "%s", name);
    return SQLITE_OK;
}

static sqlite3_vfs *base_vfs(sqlite3_vfs *vfs)
{
    return vfs->pAppData;
}

static int placed_random(sqlite3_vfs *vfs, int n, char *out)
{
    return base_vfs(vfs)->xRandomness(base_vfs(vfs), n, out);
}

static int placed_sleep(sqlite3_vfs *vfs, int us)
{
    return base_vfs(vfs)->xSleep(base_vfs(vfs), us);
}

static int placed_time(sqlite3_vfs *vfs, double *out)
{
    return base_vfs(vfs)->xCurrentTime(base_vfs(vfs), out);
}

static int placed_last_error(sqlite3_vfs *vfs, int n, char *out)
{
    return base_vfs(vfs)->xGetLastError(base_vfs(vfs), n, out);
}

static sqlite3_vfs placed_vfs = {
    .iVersion = 1,
    .szOsFile = sizeof(placed_file),
    .mxPathname = 1024,
    .zName = "carelog-backup",
    .xOpen = placed_open,
    .xDelete = placed_delete,
    .xAccess = placed_access,
    .xFullPathname = placed_full_name,
    .xRandomness = placed_random,
    .xSleep = placed_sleep,
    .xCurrentTime = placed_time,
    .xGetLastError = placed_last_error,
};

/* The watching VFS, for the connection a backup reads the vault through:
 * everything is the default VFS's, but the read lock a transaction takes
 * is seen. SQLite's WAL readers each hold one of five read-lock slots; a
 * reader holds slot 0 only when it found the WAL wholly checkpointed and
 * reads the database file alone, and a checkpointer must hold slot 0
 * exclusively while it writes into that file. So while a reader holds
 * slot 0 the file is its whole snapshot and nothing can write it. */
typedef struct watched_file {
    sqlite3_file base;
    int slot; /* the read-lock slot held, -1: none */
    int pad;
} watched_file;

/* SQLite's WAL_READ_LOCK(0) and the number of slots (wal.c). */
enum { READ_LOCK_0 = 3, READ_LOCKS = 5 };

static sqlite3_file *real_of(sqlite3_file *f)
{
    return (sqlite3_file *)((watched_file *)f + 1);
}

static int w_close(sqlite3_file *f)
{
    return real_of(f)->pMethods->xClose(real_of(f));
}

static int w_read(sqlite3_file *f, void *buf, int amt, sqlite3_int64 off)
{
    return real_of(f)->pMethods->xRead(real_of(f), buf, amt, off);
}

static int w_write(sqlite3_file *f, const void *buf, int amt, sqlite3_int64 off)
{
    return real_of(f)->pMethods->xWrite(real_of(f), buf, amt, off);
}

static int w_truncate(sqlite3_file *f, sqlite3_int64 size)
{
    return real_of(f)->pMethods->xTruncate(real_of(f), size);
}

static int w_sync(sqlite3_file *f, int flags)
{
    return real_of(f)->pMethods->xSync(real_of(f), flags);
}

static int w_size(sqlite3_file *f, sqlite3_int64 *size)
{
    return real_of(f)->pMethods->xFileSize(real_of(f), size);
}

static int w_lock(sqlite3_file *f, int level)
{
    return real_of(f)->pMethods->xLock(real_of(f), level);
}

static int w_unlock(sqlite3_file *f, int level)
{
    return real_of(f)->pMethods->xUnlock(real_of(f), level);
}

static int w_reserved(sqlite3_file *f, int *out)
{
    return real_of(f)->pMethods->xCheckReservedLock(real_of(f), out);
}

static int w_control(sqlite3_file *f, int op, void *arg)
{
    return real_of(f)->pMethods->xFileControl(real_of(f), op, arg);
}

static int w_sector(sqlite3_file *f)
{
    return real_of(f)->pMethods->xSectorSize(real_of(f));
}

static int w_characteristics(sqlite3_file *f)
{
    return real_of(f)->pMethods->xDeviceCharacteristics(real_of(f));
}

static int w_shm_map(sqlite3_file *f, int page, int size, int extend, void volatile **out)
{
    return real_of(f)->pMethods->xShmMap(real_of(f), page, size, extend, out);
}

static int w_shm_lock(sqlite3_file *f, int offset, int n, int flags)
{
    int rc = real_of(f)->pMethods->xShmLock(real_of(f), offset, n, flags);
    watched_file *w = (watched_file *)f;
    if (rc == SQLITE_OK && n == 1 && offset >= READ_LOCK_0 && offset < READ_LOCK_0 + READ_LOCKS &&
        (flags & SQLITE_SHM_SHARED)) {
        if (flags & SQLITE_SHM_LOCK)
            w->slot = offset - READ_LOCK_0;
        else if (w->slot == offset - READ_LOCK_0)
            w->slot = -1;
    }
    return rc;
}

static void w_shm_barrier(sqlite3_file *f)
{
    real_of(f)->pMethods->xShmBarrier(real_of(f));
}

static int w_shm_unmap(sqlite3_file *f, int delete_flag)
{
    return real_of(f)->pMethods->xShmUnmap(real_of(f), delete_flag);
}

static int w_fetch(sqlite3_file *f, sqlite3_int64 off, int amt, void **out)
{
    return real_of(f)->pMethods->xFetch(real_of(f), off, amt, out);
}

static int w_unfetch(sqlite3_file *f, sqlite3_int64 off, void *page)
{
    return real_of(f)->pMethods->xUnfetch(real_of(f), off, page);
}

static const sqlite3_io_methods watched_methods = {
    .iVersion = 3,
    .xClose = w_close,
    .xRead = w_read,
    .xWrite = w_write,
    .xTruncate = w_truncate,
    .xSync = w_sync,
    .xFileSize = w_size,
    .xLock = w_lock,
    .xUnlock = w_unlock,
    .xCheckReservedLock = w_reserved,
    .xFileControl = w_control,
    .xSectorSize = w_sector,
    .xDeviceCharacteristics = w_characteristics,
    .xShmMap = w_shm_map,
    .xShmLock = w_shm_lock,
    .xShmBarrier = w_shm_barrier,
    .xShmUnmap = w_shm_unmap,
    .xFetch = w_fetch,
    .xUnfetch = w_unfetch,
};

static int w_open(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *f, int flags, int *out_flags)
{
    watched_file *w = (watched_file *)f;
    w->slot = -1;
    w->base.pMethods = NULL;
    sqlite3_file *real = real_of(f);
    int rc = base_vfs(vfs)->xOpen(base_vfs(vfs), name, real, flags, out_flags);
    /* Only a method table of the version wrapped here is wrapped. */
    if (real->pMethods && real->pMethods->iVersion < 3) {
        real->pMethods->xClose(real);
        return SQLITE_CANTOPEN;
    }
    if (real->pMethods)
        w->base.pMethods = &watched_methods;
    return rc;
}

static int w_delete(sqlite3_vfs *vfs, const char *name, int sync_dir)
{
    return base_vfs(vfs)->xDelete(base_vfs(vfs), name, sync_dir);
}

static int w_access(sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
    return base_vfs(vfs)->xAccess(base_vfs(vfs), name, flags, out);
}

static int w_full_name(sqlite3_vfs *vfs, const char *name, int n, char *out)
{
    return base_vfs(vfs)->xFullPathname(base_vfs(vfs), name, n, out);
}

static sqlite3_vfs watched_vfs = {
    .iVersion = 1,
    .mxPathname = 1024,
    .zName = "carelog-backup-source",
    .xOpen = w_open,
    .xDelete = w_delete,
    .xAccess = w_access,
    .xFullPathname = w_full_name,
    .xRandomness = placed_random,
    .xSleep = placed_sleep,
    .xCurrentTime = placed_time,
    .xGetLastError = placed_last_error,
};

int vault_backup_read_slot(sqlite3 *db)
{
    sqlite3_file *f = NULL;
    if (sqlite3_file_control(db, "main", SQLITE_FCNTL_FILE_POINTER, &f) != SQLITE_OK || !f ||
        f->pMethods != &watched_methods)
        return -1;
    return ((watched_file *)f)->slot;
}

static pthread_once_t registered = PTHREAD_ONCE_INIT;
static int register_rc = SQLITE_ERROR;

static void register_vfs(void)
{
    sqlite3_vfs *base = sqlite3_vfs_find(NULL);
    if (!base)
        return;
    placed_vfs.pAppData = watched_vfs.pAppData = base;
    watched_vfs.szOsFile = (int)sizeof(watched_file) + base->szOsFile;
    watched_vfs.mxPathname = base->mxPathname;
    register_rc = sqlite3_vfs_register(&placed_vfs, 0);
    if (register_rc == SQLITE_OK)
        register_rc = sqlite3_vfs_register(&watched_vfs, 0);
}

const char *vault_backup_vfs(bool source)
{
    pthread_once(&registered, register_vfs);
    return register_rc != SQLITE_OK ? NULL : source ? watched_vfs.zName : placed_vfs.zName;
}
