/* Backup and restore of a whole vault, still encrypted. */
#include "carelog/vault.h"
#include "carelog/i18n.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "carelog/audit.h"
#include "carelog/clock.h"
#include "carelog/file.h"
#include "carelog/i18n.h"
#include "carelog/keyslot.h"
#include "carelog/memory.h"
#include "carelog/storage.h"
#include "carelog/worker.h"
#include "vault_internal.h"

/* Backup file: magic "CLBACKUP" | version u8 (2) | keyslots length u32 |
 * keyslots | anchor length u32 | the audit anchor (signed text, see
 * audit.h) | vault.db copy (encrypted under the same key) | BLAKE2b-256 of
 * everything before. Version 1 had no anchor. Nothing in it is plaintext
 * but the anchor, which names no one. */
#define BACKUP_MAGIC "CLBACKUP"
#define BACKUP_HEAD (8 + 1 + 4)
#define BACKUP_SUM 32
/* A keyslots file or an anchor: far more than either ever is. */
#define BACKUP_PART_MAX ((size_t)1 << 20)

/* The backup's checksum, summed in a second thread while this one reads
 * (BLAKE2b of a large vault takes about as long as reading it). One piece
 * is handed over at a time; without a thread the pieces are summed here. */
typedef struct summer {
    crypto_generichash_state h;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t thread;
    const unsigned char *piece;
    size_t len;
    bool busy, quit, threaded;
} summer;

static void *summing(void *arg)
{
    summer *s = arg;
    pthread_mutex_lock(&s->mu);
    for (;;) {
        while (!s->busy && !s->quit)
            pthread_cond_wait(&s->cv, &s->mu);
        if (!s->busy)
            break;
        pthread_mutex_unlock(&s->mu);
        crypto_generichash_update(&s->h, s->piece, s->len);
        pthread_mutex_lock(&s->mu);
        s->busy = false;
        pthread_cond_broadcast(&s->cv);
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

static void summer_start(summer *s)
{
    crypto_generichash_init(&s->h, NULL, 0, BACKUP_SUM);
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    s->busy = s->quit = false;
    s->threaded = cl_worker_start(&s->thread, summing, s);
}

/* Waits until the piece handed over last is summed. */
static void summer_wait(summer *s)
{
    pthread_mutex_lock(&s->mu);
    while (s->busy)
        pthread_cond_wait(&s->cv, &s->mu);
    pthread_mutex_unlock(&s->mu);
}

/* Hands a piece over; it must stay unchanged until the next summer_wait. */
static void summer_add(summer *s, const void *piece, size_t len)
{
    summer_wait(s);
    if (!s->threaded) {
        crypto_generichash_update(&s->h, piece, len);
        return;
    }
    pthread_mutex_lock(&s->mu);
    s->piece = piece;
    s->len = len;
    s->busy = true;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

static void summer_end(summer *s, unsigned char sum[BACKUP_SUM])
{
    summer_wait(s);
    if (s->threaded) {
        pthread_mutex_lock(&s->mu);
        s->quit = true;
        pthread_cond_broadcast(&s->cv);
        pthread_mutex_unlock(&s->mu);
        pthread_join(s->thread, NULL);
    }
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->mu);
    crypto_generichash_final(&s->h, sum, BACKUP_SUM);
}

static void le32(unsigned char out[4], size_t n)
{
    for (int i = 0; i < 4; i++)
        out[i] = (unsigned char)(n >> (8 * i));
}

static size_t get_le32(const unsigned char in[4])
{
    size_t n = 0;
    for (int i = 3; i >= 0; i--)
        n = (n << 8) | in[i];
    return n;
}

static cl_status cut_short(const char *file)
{
    return cl_fail(CL_EDATA, _("%s is damaged (it is shorter than it says); nothing was restored"), file);
}

static cl_status read_at(int fd, void *buf, size_t len, off_t at, const char *file)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = pread(fd, (char *)buf + got, len - got, at + (off_t)got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return cl_fail(CL_EIO, "%s: %s", file, strerror(errno));
        if (n == 0)
            return cut_short(file);
        got += (size_t)n;
    }
    return CL_OK;
}

/* Feeds len bytes of fd from at into the checksum (and, when to is not
 * NULL, copies them there), a piece at a time: one piece is summed in the
 * second thread while the next is read, so a file of any size needs the
 * memory of two pieces. */
static cl_status sum_range(int fd, off_t at, off_t len, summer *sum, cl_file_out *to, const char *file)
{
    enum { PIECE = 1 << 20 };
    unsigned char *pieces = malloc(2 * (size_t)PIECE);
    cl_status st = pieces ? CL_OK : cl_fail(CL_ESOFTWARE, _("out of memory"));
    for (int k = 0; st == CL_OK && len > 0; k ^= 1) {
        unsigned char *piece = pieces + (size_t)k * PIECE;
        size_t n = len < PIECE ? (size_t)len : PIECE;
        st = read_at(fd, piece, n, at, file);
        if (st == CL_OK) {
            summer_add(sum, piece, n);
            at += (off_t)n, len -= (off_t)n;
        }
        if (st == CL_OK && to)
            st = cl_file_private_write(to, piece, n);
    }
    summer_wait(sum);
    free(pieces);
    return st;
}

/* Backup file: header | keyslots | anchor length | anchor, then the
 * database copy written behind them (through vault_backup_vfs when SQLite
 * writes it), then the checksum of all that, read back (from the page
 * cache, and summed in the second thread): SQLite's pages do not reach the
 * file in order, and the copy's last change rewrites some. */
static cl_status put_head(cl_file_out *out, const unsigned char *slots, size_t slots_len, const char *anchor,
                          size_t anchor_len)
{
    unsigned char head[BACKUP_HEAD], len4[4];
    memcpy(head, BACKUP_MAGIC, 8);
    head[8] = 2;
    le32(head + 9, slots_len);
    le32(len4, anchor_len);
    cl_status st = cl_file_private_write(out, head, sizeof head);
    if (st == CL_OK)
        st = cl_file_private_write(out, slots, slots_len);
    if (st == CL_OK)
        st = cl_file_private_write(out, len4, sizeof len4);
    if (st == CL_OK && anchor_len)
        st = cl_file_private_write(out, anchor, anchor_len);
    return st;
}

static cl_status put_sum(cl_file_out *out, const char *file)
{
    int fd = cl_file_private_fd(out);
    off_t end = lseek(fd, 0, SEEK_END);
    if (end < 0)
        return cl_fail(CL_EIO, "%s: %s", file, strerror(errno));
    summer sum;
    summer_start(&sum);
    cl_status st = sum_range(fd, 0, end, &sum, NULL, file);
    unsigned char total[BACKUP_SUM];
    summer_end(&sum, total);
    return st == CL_OK ? cl_file_private_write(out, total, sizeof total) : st;
}

/* A copy that fails on a page is damage to tell as such, with the way out,
 * not a library's "SQL logic error". */
static cl_status told_as_damage(cl_vault *v, cl_status st)
{
    if (st == CL_OK || st == CL_EIO || st == CL_ECONFLICT || st == CL_EPERM || cl_db_check_integrity(v->db) == CL_OK)
        return st;
    char damage[512];
    snprintf(damage, sizeof damage, "%s", cl_error_message());
    return cl_fail(CL_EDATA, _("the vault is damaged (%s), so no backup was written; `carelog verify` shows what "
                               "is wrong; restore the last good backup into a new folder (`carelog restore FILE "
                               "--vault NEW_DIR`)"), damage);
}

/* The copy's own connection: it is written by it alone, into a file that
 * takes its name only when whole and synced, so no journal, no sync of its
 * own and no locks. */
static cl_status open_copy(cl_file_out *out, size_t at, const cl_secret *key, sqlite3 **copy)
{
    static const char *const rules[] = {
        "PRAGMA locking_mode = EXCLUSIVE",
        "PRAGMA journal_mode = OFF",
        "PRAGMA synchronous = OFF",
        ("PRAGMA cache_size = -" CL_DB_CACHE_KIB),
    };
    char name[128];
    snprintf(name, sizeof name, "file:copy?fd=%d&at=%zu", cl_file_private_fd(out), at);
    cl_status st = cl_db_open_through(name, vault_backup_vfs(false), key, true, copy);
    for (size_t i = 0; st == CL_OK && i < sizeof rules / sizeof *rules; i++)
        st = cl_db_exec(*copy, rules[i]);
    return st;
}

/* No output is pending in the copy. Its first page came from a WAL vault
 * and says WAL, so that deletion went to the copy's WAL (in memory): it is
 * checkpointed here, where an error is seen (a close would swallow it), and
 * the copy says rollback journal again, as the file it is restored to
 * expects. */
static cl_status finish_copy(sqlite3 *copy)
{
    cl_status st = vault_output_forget_all(copy, NULL);
    return st == CL_OK ? cl_db_exec(copy, "PRAGMA journal_mode = OFF") : st;
}

/* The database copied as the ciphertext it is on disk, when that is the
 * snapshot: the vault was just checkpointed (passively, so no writer waits)
 * and this read transaction holds read-lock slot 0, which SQLite gives only
 * to a reader that found the WAL wholly checkpointed, so it reads the file
 * alone, and which a checkpointer must hold exclusively to write into the
 * file: while it is held the file is the snapshot and nothing writes it,
 * whatever writers append to the WAL meanwhile. Every page's HMAC is
 * checked first (a damaged vault is told at backup, not at restore).
 * Otherwise (a reader elsewhere on an older snapshot kept the checkpoint
 * from finishing), *copied stays false and the pages are copied through
 * SQLCipher, decrypted and encrypted again, which takes twice the work. */
static cl_status copy_ciphertext(sqlite3 *src, cl_file_out *out, off_t at, bool *copied)
{
    *copied = false;
    sqlite3_file *f = NULL;
    long long pages = 0, page_size = 0;
    sqlite3_int64 size = -1;
    if (vault_backup_read_slot(src) != 0 ||
        sqlite3_file_control(src, "main", SQLITE_FCNTL_FILE_POINTER, &f) != SQLITE_OK || !f ||
        f->pMethods->xFileSize(f, &size) != SQLITE_OK)
        return CL_OK;
    sqlite3_stmt *q;
    cl_status st = cl_db_prepare(src, "SELECT page_count, page_size FROM pragma_page_count, pragma_page_size", &q);
    if (st == CL_OK && sqlite3_step(q) == SQLITE_ROW)
        pages = sqlite3_column_int64(q, 0), page_size = sqlite3_column_int64(q, 1);
    sqlite3_finalize(q);
    if (st != CL_OK || pages <= 0 || size != pages * page_size)
        return st;
    st = cl_db_check_pragma(src, "PRAGMA cipher_integrity_check");
    cl_memory_relock();
    enum { PIECE = 1 << 20 };
    unsigned char *piece = st == CL_OK ? malloc(PIECE) : NULL;
    if (st == CL_OK && !piece)
        st = cl_fail(CL_ESOFTWARE, _("out of memory"));
    int fd = cl_file_private_fd(out);
    for (sqlite3_int64 off = 0; st == CL_OK && off < size;) {
        int n = size - off < PIECE ? (int)(size - off) : PIECE;
        if (f->pMethods->xRead(f, piece, n, off) != SQLITE_OK)
            st = cl_fail(CL_EIO, _("could not read the vault for its copy"));
        for (int put = 0; st == CL_OK && put < n;) {
            ssize_t w = pwrite(fd, piece + put, (size_t)(n - put), at + (off_t)off + put);
            if (w < 0 && errno != EINTR)
                st = cl_fail(CL_EIO, _("could not write the backup: %s"), strerror(errno));
            put += w > 0 ? (int)w : 0;
        }
        off += n;
        if (st == CL_OK && off < size)
            cl_test_pause("backup-step");
    }
    free(piece);
    *copied = st == CL_OK;
    return st;
}

/* The copy in the backup file at offset at, from src's snapshot. */
static cl_status copy_vault(sqlite3 *src, cl_file_out *out, size_t at, const cl_secret *key)
{
    bool copied;
    cl_status st = copy_ciphertext(src, out, (off_t)at, &copied);
    sqlite3 *copy = NULL;
    if (st == CL_OK)
        st = open_copy(out, at, key, &copy);
    if (st == CL_OK && !copied)
        st = cl_db_backup_to(src, copy);
    if (st == CL_OK)
        st = finish_copy(copy);
    cl_db_close(copy);
    return st;
}

cl_status cl_vault_backup(cl_vault *v, const char *file)
{
    struct stat sb;
    if (stat(file, &sb) == 0)
        return cl_fail(CL_ECANTCREATE, _("%s already exists; choose a new file name for the backup"), file);
    if (!vault_backup_vfs(true))
        return cl_fail(CL_ESOFTWARE, _("could not start the copy of the vault: its file layer did not register"));
    /* The intent is logged first, so the copy itself carries it; the
     * outcome follows the copy. */
    cl_status logged = cl_vault_output_begin(v, "vault.backup", file, NULL);
    if (logged != CL_OK)
        return logged;
    unsigned char *slots = NULL;
    size_t slots_len = 0;
    char *ks_path = vault_path_in(v->dir, "keyslots"), *db_path = vault_path_in(v->dir, "vault.db"), *anchor = NULL;
    cl_status st = ks_path && db_path ? cl_file_read(ks_path, 1 << 20, &slots, &slots_len)
                                      : cl_fail(CL_ESOFTWARE, _("out of memory"));
    /* The anchor and the copy come from one read transaction of a
     * connection of the backup's own: the same snapshot, and in WAL a
     * writer goes on meanwhile (vault_backup.sh). */
    sqlite3 *src = NULL;
    if (st == CL_OK)
        st = cl_db_open_through(db_path, vault_backup_vfs(true), v->key, false, &src);
    if (st == CL_OK)
        st = cl_db_exec(src, "PRAGMA wal_checkpoint(PASSIVE)");
    if (st == CL_OK)
        st = cl_db_exec(src, "BEGIN");
    if (st == CL_OK)
        st = cl_audit_anchor(src, &anchor);
    size_t anchor_len = anchor ? strlen(anchor) : 0;
    cl_file_out *out = NULL;
    if (st == CL_OK)
        st = cl_file_atomic_open(file, &out);
    if (st == CL_OK)
        st = put_head(out, slots, slots_len, anchor, anchor_len);
    if (st == CL_OK)
        st = told_as_damage(v, copy_vault(src, out, BACKUP_HEAD + slots_len + 4 + anchor_len, v->key));
    if (src)
        cl_db_rollback(src);
    cl_db_close(src);
    cl_crash_point("backup-after-copy");
    if (st == CL_OK)
        st = put_sum(out, file);
    if (out)
        st = cl_file_private_close(out, st);
    free(slots), free(anchor), free(ks_path), free(db_path);
    return cl_vault_output_end(v, "vault.backup", file, st);
}

/* What a backup file holds where, read from its header. */
typedef struct backup_in {
    const char *file;
    int fd;
    off_t size, db_at, db_len;
    size_t slots_len, anchor_len;
} backup_in;

static cl_status not_a_backup(const char *file)
{
    return cl_fail(CL_EDATA, _("%s is not a carelog backup"), file);
}

static cl_status damaged(const char *file)
{
    return cl_fail(CL_EDATA, _("%s is damaged (its checksum does not match); nothing was restored"), file);
}

static cl_status backup_open(const char *file, backup_in *in)
{
    *in = (backup_in){.file = file, .fd = open(file, O_RDONLY | O_CLOEXEC)};
    if (in->fd < 0)
        return cl_fail(errno == ENOENT ? CL_ENOTFOUND : CL_EIO, "%s: %s", file, strerror(errno));
    struct stat sb;
    if (fstat(in->fd, &sb) != 0)
        return cl_fail(CL_EIO, "%s: %s", file, strerror(errno));
    if (!S_ISREG(sb.st_mode))
        return cl_fail(CL_EIO, _("%s is not a regular file (a link, a pipe, a device or a folder); it was not read"),
                       file);
    in->size = sb.st_size;
    /* A file that begins as a backup but is too short to hold one is a
     * backup cut short, not something else. */
    unsigned char head[BACKUP_HEAD];
    size_t have = in->size < BACKUP_HEAD ? (size_t)in->size : BACKUP_HEAD;
    if (have < 9 || read_at(in->fd, head, have, 0, file) != CL_OK || memcmp(head, BACKUP_MAGIC, 8) != 0 ||
        (head[8] != 1 && head[8] != 2))
        return not_a_backup(file);
    if (in->size < BACKUP_HEAD + BACKUP_SUM)
        return cut_short(file);
    /* Sizes are believed only below what the file holds (and what a
     * keyslots file or an anchor can be), so a damaged length cannot make
     * restore read or allocate past it. */
    off_t room = in->size - BACKUP_HEAD - BACKUP_SUM;
    in->slots_len = get_le32(head + 9);
    if ((off_t)in->slots_len > room || in->slots_len > BACKUP_PART_MAX)
        return damaged(file);
    in->db_at = BACKUP_HEAD + (off_t)in->slots_len;
    if (head[8] == 2) {
        unsigned char len4[4];
        if ((off_t)in->slots_len + 4 > room || read_at(in->fd, len4, 4, in->db_at, file) != CL_OK)
            return damaged(file);
        in->anchor_len = get_le32(len4);
        if ((off_t)(in->slots_len + 4 + in->anchor_len) > room || in->anchor_len > BACKUP_PART_MAX)
            return damaged(file);
        in->db_at += 4 + (off_t)in->anchor_len;
    }
    in->db_len = in->size - BACKUP_SUM - in->db_at;
    return CL_OK;
}

/* The checksum over the whole file but its last bytes, compared with them;
 * the parts before the database are kept (they are small), the database
 * is copied to db_out when it is given. */
static cl_status backup_check(backup_in *in, unsigned char *parts, cl_file_out *db_out)
{
    summer sum;
    summer_start(&sum);
    cl_status st = CL_OK;
    if (parts) {
        st = read_at(in->fd, parts, (size_t)in->db_at, 0, in->file);
        if (st == CL_OK)
            summer_add(&sum, parts, (size_t)in->db_at);
        summer_wait(&sum);
    }
    if (st == CL_OK)
        st = sum_range(in->fd, parts ? in->db_at : 0, parts ? in->db_len : in->db_at + in->db_len, &sum, db_out,
                       in->file);
    unsigned char want[BACKUP_SUM], got[BACKUP_SUM];
    summer_end(&sum, got);
    if (st == CL_OK)
        st = read_at(in->fd, want, sizeof want, in->db_at + in->db_len, in->file);
    if (st == CL_OK && sodium_memcmp(want, got, BACKUP_SUM) != 0)
        st = parts ? cl_fail(CL_EDATA, _("%s changed while it was being restored; nothing was restored"), in->file)
                   : damaged(in->file);
    return st;
}

cl_status cl_vault_restore(const char *file, const char *dir, const cl_secret *secret, bool recovery)
{
    /* Two passes over the file, never all of it in memory: the first checks
     * it whole before anything is made; the second sums again what it
     * copies, so a file changed in between is refused too. */
    backup_in in;
    cl_status st = backup_open(file, &in);
    if (st == CL_OK)
        st = backup_check(&in, NULL, NULL);
    if (st == CL_OK && cl_vault_exists(dir))
        st = cl_fail(CL_ECANTCREATE, _("%s already holds a vault; restore into a new folder"), dir);
    bool created = false, claimed = false;
    if (st == CL_OK)
        claimed = (st = vault_claim_dir(dir, &created)) == CL_OK;
    char *ks_path = vault_path_in(dir, "keyslots"), *db_path = vault_path_in(dir, "vault.db");
    unsigned char *parts = st == CL_OK ? malloc((size_t)in.db_at + 1) : NULL;
    if (st == CL_OK && (!ks_path || !db_path || !parts))
        st = cl_fail(CL_ESOFTWARE, _("out of memory"));
    cl_file_out *db_out = NULL;
    if (st == CL_OK)
        st = cl_file_atomic_open(db_path, &db_out);
    if (st == CL_OK)
        st = backup_check(&in, parts, db_out);
    if (db_out)
        st = cl_file_private_close(db_out, st);
    if (st == CL_OK)
        st = cl_file_create_atomic(ks_path, parts + BACKUP_HEAD, in.slots_len);
    char *anchor = st == CL_OK && in.anchor_len
                       ? strndup((const char *)parts + BACKUP_HEAD + in.slots_len + 4, in.anchor_len)
                       : NULL;
    free(parts);
    if (in.fd >= 0)
        close(in.fd);
    cl_vault *v = NULL;
    if (st == CL_OK)
        st = cl_vault_open(dir, secret, recovery, &v);
    if (st == CL_OK)
        st = cl_db_check_integrity(v->db);
    long long anchored;
    if (st == CL_OK && anchor)
        st = cl_audit_verify_anchor(v->db, anchor, strlen(anchor), file, &anchored);
    free(anchor);
    if (st == CL_OK) {
        st = cl_db_begin(v->db);
        if (st == CL_OK)
            st = cl_vault_audit(v, "vault.restore", file, dir);
        st = st == CL_OK ? cl_db_commit(v->db) : (cl_db_rollback(v->db), st);
    }
    cl_vault_close(v);
    /* Only what this restore put into the folder goes; a folder it did not
     * make stays. */
    if (st != CL_OK && claimed) {
        vault_remove_vault_files(dir);
        if (created)
            rmdir(dir);
    }
    free(ks_path), free(db_path);
    return st;
}
