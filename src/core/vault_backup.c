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
#include "carelog/storage.h"
#include "vault_internal.h"

/* Backup file: magic "CLBACKUP" | version u8 (2) | keyslots length u32 |
 * keyslots | anchor length u32 | the audit anchor (signed text, see
 * audit.h) | vault.db copy (encrypted under the same key) | BLAKE2b-256 of
 * everything before. Version 1 had no anchor. Nothing in it is plaintext
 * but the anchor, which names no one. */
#define BACKUP_MAGIC "CLBACKUP"
#define BACKUP_HEAD (8 + 1 + 4)
#define BACKUP_SUM 32
#define BACKUP_MAX ((size_t)8 << 30)

/* The backup's checksum, summed in a second thread while this one reads
 * and writes the copy (BLAKE2b of a large vault takes about as long as
 * writing it). One piece is handed over at a time; without a thread the
 * pieces are summed here. */
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
    s->threaded = pthread_create(&s->thread, NULL, summing, s) == 0;
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

/* Writes part to the backup and to its checksum. */
static cl_status put_part(cl_file_out *out, summer *s, const void *part, size_t len)
{
    summer_add(s, part, len);
    return cl_file_private_write(out, part, len);
}

static void le32(unsigned char out[4], size_t n)
{
    for (int i = 0; i < 4; i++)
        out[i] = (unsigned char)(n >> (8 * i));
}

/* The backup file from its parts, the database copy read a piece at a
 * time (so a vault of any size is backed up in the memory of two pieces:
 * one being summed while the next is read), through a temporary file that
 * takes the name only when whole. */
static cl_status write_backup(const char *file, const unsigned char *slots, size_t slots_len, const char *anchor,
                              size_t anchor_len, const char *db_copy)
{
    enum { PIECE = 1 << 20 };
    int in = open(db_copy, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return cl_fail(CL_EIO, "%s: %s", db_copy, strerror(errno));
    struct stat sb;
    unsigned char *pieces = malloc(2 * (size_t)PIECE);
    cl_status st = pieces ? CL_OK : cl_fail(CL_ESOFTWARE, _("out of memory"));
    if (st == CL_OK && (fstat(in, &sb) != 0 || (size_t)sb.st_size > BACKUP_MAX))
        st = cl_fail(CL_EDATA, _("the vault is larger than a backup can hold (%zu bytes)"), BACKUP_MAX);
    cl_file_out *out = NULL;
    if (st == CL_OK)
        st = cl_file_atomic_open(file, &out);
    summer sum;
    summer_start(&sum);
    unsigned char head[BACKUP_HEAD], len4[4];
    memcpy(head, BACKUP_MAGIC, 8);
    head[8] = 2;
    le32(head + 9, slots_len);
    le32(len4, anchor_len);
    if (st == CL_OK)
        st = put_part(out, &sum, head, sizeof head);
    if (st == CL_OK)
        st = put_part(out, &sum, slots, slots_len);
    if (st == CL_OK)
        st = put_part(out, &sum, len4, sizeof len4);
    if (st == CL_OK && anchor_len)
        st = put_part(out, &sum, anchor, anchor_len);
    for (int k = 0; st == CL_OK; k ^= 1) {
        unsigned char *piece = pieces + (size_t)k * PIECE;
        ssize_t n;
        while ((n = read(in, piece, PIECE)) < 0 && errno == EINTR)
            ;
        if (n < 0)
            st = cl_fail(CL_EIO, "%s: %s", db_copy, strerror(errno));
        else if (n == 0)
            break;
        else
            st = put_part(out, &sum, piece, (size_t)n);
    }
    unsigned char total[BACKUP_SUM];
    summer_end(&sum, total);
    if (st == CL_OK)
        st = cl_file_private_write(out, total, sizeof total);
    close(in);
    free(pieces);
    return out ? cl_file_private_close(out, st) : st;
}

cl_status cl_vault_backup(cl_vault *v, const char *file)
{
    struct stat sb;
    if (stat(file, &sb) == 0)
        return cl_fail(CL_ECANTCREATE, _("%s already exists; choose a new file name for the backup"), file);
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.db-partial", file) >= (int)sizeof tmp)
        return cl_fail(CL_EUSAGE, _("the backup path is too long"));
    /* The intent is logged first, so the copy itself carries it; the
     * outcome follows the copy. */
    cl_status logged = cl_vault_output_begin(v, "vault.backup", file, NULL);
    if (logged != CL_OK)
        return logged;
    unlink(tmp);
    unsigned char *slots = NULL;
    size_t slots_len = 0;
    char *ks_path = vault_path_in(v->dir, "keyslots"), *anchor = NULL;
    cl_status st = ks_path ? cl_file_read(ks_path, 1 << 20, &slots, &slots_len) : cl_fail(CL_ESOFTWARE, _("out of memory"));
    free(ks_path);
    /* The anchor and the copy come from one read transaction: the same
     * snapshot, and in WAL a writer goes on meanwhile (vault_backup.sh). */
    bool reading = false;
    if (st == CL_OK)
        st = cl_vault_read_begin(v, &reading);
    if (st == CL_OK)
        st = cl_audit_anchor(v->db, &anchor);
    size_t anchor_len = anchor ? strlen(anchor) : 0;
    cl_test_pause("backup-copy");
    if (st == CL_OK)
        st = cl_db_backup_to(v->db, tmp, v->key);
    cl_vault_read_end(v, reading);
    if (st == CL_OK)
        st = vault_output_forget_all(tmp, v->key);
    cl_crash_point("backup-after-copy");
    /* A copy that fails on a page is damage to tell as such, with the way
     * out, not a library's "SQL logic error". */
    if (st != CL_OK && st != CL_EIO && st != CL_ECONFLICT && st != CL_EPERM && cl_db_check_integrity(v->db) != CL_OK) {
        char damage[512];
        snprintf(damage, sizeof damage, "%s", cl_error_message());
        st = cl_fail(CL_EDATA, _("the vault is damaged (%s), so no backup was written; `carelog verify` shows what "
                                 "is wrong; restore the last good backup into a new folder (`carelog restore FILE "
                                 "--vault NEW_DIR`)"), damage);
    }
    if (st == CL_OK)
        st = write_backup(file, slots, slots_len, anchor, anchor_len, tmp);
    unlink(tmp);
    free(slots), free(anchor);
    return cl_vault_output_end(v, "vault.backup", file, st);
}

cl_status cl_vault_restore(const char *file, const char *dir, const cl_secret *secret, bool recovery)
{
    unsigned char *data;
    size_t len;
    cl_status st = cl_file_read(file, BACKUP_MAX, &data, &len);
    if (st != CL_OK)
        return st;
    unsigned char sum[BACKUP_SUM];
    size_t slots_len = 0, anchor_len = 0, skip = 0;
    if (len < BACKUP_HEAD + BACKUP_SUM || memcmp(data, BACKUP_MAGIC, 8) != 0 || (data[8] != 1 && data[8] != 2)) {
        st = cl_fail(CL_EDATA, _("%s is not a carelog backup"), file);
    } else {
        crypto_generichash(sum, sizeof sum, data, len - BACKUP_SUM, NULL, 0);
        for (int i = 3; i >= 0; i--)
            slots_len = (slots_len << 8) | data[9 + i];
        bool sizes = slots_len <= len - BACKUP_HEAD - BACKUP_SUM;
        if (sizes && data[8] == 2) {
            sizes = slots_len + 4 <= len - BACKUP_HEAD - BACKUP_SUM;
            for (int i = 3; sizes && i >= 0; i--)
                anchor_len = (anchor_len << 8) | data[BACKUP_HEAD + slots_len + (size_t)i];
            skip = 4 + anchor_len;
            sizes = sizes && anchor_len <= len - BACKUP_HEAD - BACKUP_SUM - slots_len - 4;
        }
        if (sodium_memcmp(sum, data + len - BACKUP_SUM, BACKUP_SUM) != 0 || !sizes)
            st = cl_fail(CL_EDATA, _("%s is damaged (its checksum does not match); nothing was restored"), file);
    }
    if (st == CL_OK && cl_vault_exists(dir))
        st = cl_fail(CL_ECANTCREATE, _("%s already holds a vault; restore into a new folder"), dir);
    bool created = false, claimed = false;
    if (st == CL_OK)
        claimed = (st = vault_claim_dir(dir, &created)) == CL_OK;
    char *ks_path = vault_path_in(dir, "keyslots"), *db_path = vault_path_in(dir, "vault.db");
    if (st == CL_OK && (!ks_path || !db_path))
        st = cl_fail(CL_ESOFTWARE, _("out of memory"));
    const unsigned char *slots = data + BACKUP_HEAD;
    if (st == CL_OK)
        st = cl_file_create_atomic(ks_path, slots, slots_len);
    if (st == CL_OK)
        st = cl_file_create_atomic(db_path, slots + slots_len + skip, len - BACKUP_HEAD - BACKUP_SUM - slots_len - skip);
    char *anchor = st == CL_OK && anchor_len ? strndup((const char *)slots + slots_len + 4, anchor_len) : NULL;
    free(data);
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

