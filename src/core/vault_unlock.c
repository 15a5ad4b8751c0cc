/* What unlocking leaves behind: this machine's notes about a vault (the
 * slot that opened it last, failed attempts in a row for the growing
 * delay), and the record of each failed unlock, sealed to the vault's
 * public key in the vault folder, which the next successful unlock reads,
 * shows, audits and clears. */
#include "carelog/vault.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "carelog/audit.h"
#include "carelog/clock.h"
#include "carelog/file.h"
#include "carelog/i18n.h"
#include "carelog/storage.h"
#include "carelog/text.h"
#include "vault_internal.h"

#define FAILED_UNLOCKS "failed-unlocks"
#define FAILURE_MAGIC "carelog-failed-unlock 1"
#define FAILURE_PLAIN 96
#define FAILURE_RECORD (2 + FAILURE_PLAIN + crypto_box_SEALBYTES)
#define FAILURES_MAX 4096 /* records kept; a flood beyond is counted, not stored */

/* "failures" counts failed unlocks in a row on this machine; "slot" names
 * the key slot that opened the vault last (slot ids are random and name
 * nobody). */
static char *state_path(const unsigned char vault_id[CL_VAULT_ID_BYTES], const char *what)
{
    const char *state = getenv("XDG_STATE_HOME");
    const char *home = getenv("HOME");
    char base[4096], id[CL_VAULT_ID_BYTES * 2 + 1];
    if (state && *state == '/')
        snprintf(base, sizeof base, "%s/carelog", state);
    else if (home && *home)
        snprintf(base, sizeof base, "%s/.local/state/carelog", home);
    else
        return NULL;
    if (vault_make_dirs(base) != CL_OK)
        return NULL;
    sodium_bin2hex(id, sizeof id, vault_id, CL_VAULT_ID_BYTES);
    char name[80];
    snprintf(name, sizeof name, "%s-%s", what, id);
    return vault_path_in(base, name);
}

bool vault_read_slot_hint(const unsigned char vault_id[CL_VAULT_ID_BYTES], unsigned char hint[CL_SLOT_ID_BYTES])
{
    char *path = state_path(vault_id, "slot");
    unsigned char *text = NULL;
    size_t len = 0, got = 0;
    bool ok = path && cl_file_read(path, 256, &text, &len) == CL_OK &&
              sodium_hex2bin(hint, CL_SLOT_ID_BYTES, (const char *)text, len, "\n", &got, NULL) == 0 &&
              got == CL_SLOT_ID_BYTES;
    cl_error_clear();
    free(text);
    free(path);
    return ok;
}

void vault_write_slot_hint(const unsigned char vault_id[CL_VAULT_ID_BYTES], const unsigned char slot_id[CL_SLOT_ID_BYTES])
{
    char *path = state_path(vault_id, "slot");
    char hex[CL_SLOT_ID_BYTES * 2 + 2];
    sodium_bin2hex(hex, sizeof hex - 1, slot_id, CL_SLOT_ID_BYTES);
    strcat(hex, "\n");
    /* Only a hint: a torn write is ignored by the next unlock (which then
     * tries the slots in order), so no atomic write is needed. */
    FILE *f = path ? fopen(path, "w") : NULL;
    if (f) {
        fputs(hex, f);
        fclose(f);
    }
    free(path);
}

/* Opens path locked (flock, exclusive): two carelogs failing at once both
 * count. -1 when it cannot be opened. */
static int open_locked(const char *path, int flags)
{
    int fd = path ? open(path, flags | O_CLOEXEC, 0600) : -1;
    if (fd >= 0 && flock(fd, LOCK_EX) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static long counter_read(int fd)
{
    char text[32] = "";
    ssize_t n = pread(fd, text, sizeof text - 1, 0);
    return n > 0 ? strtol(text, NULL, 10) : 0;
}

static void counter_bump(const unsigned char vault_id[CL_VAULT_ID_BYTES])
{
    char *path = state_path(vault_id, "failures");
    int fd = open_locked(path, O_RDWR | O_CREAT);
    free(path);
    if (fd < 0)
        return; /* counting is best effort; the sealed record still counts */
    char text[32];
    int len = snprintf(text, sizeof text, "%ld\n", counter_read(fd) + 1);
    if (ftruncate(fd, 0) == 0 && pwrite(fd, text, (size_t)len, 0) == len)
        fsync(fd);
    close(fd);
}

/* Failed unlocks recorded in the vault folder since the last success. */
static long sealed_count(const char *dir)
{
    char *path = vault_path_in(dir, FAILED_UNLOCKS);
    struct stat sb;
    long n = path && stat(path, &sb) == 0 ? (long)(sb.st_size / FAILURE_RECORD) : 0;
    free(path);
    return n;
}

static void record_sealed(const char *dir, bool recovery);

static cl_vault_notice_fn notice_fn;
static void *notice_ctx;

void cl_vault_set_notice(cl_vault_notice_fn fn, void *ctx)
{
    notice_fn = fn;
    notice_ctx = ctx;
}

void vault_failure_delay(const char *dir, const unsigned char vault_id[CL_VAULT_ID_BYTES])
{
    char *path = state_path(vault_id, "failures");
    int fd = open_locked(path, O_RDONLY);
    free(path);
    long n = fd >= 0 ? counter_read(fd) : 0;
    if (fd >= 0)
        close(fd);
    /* The folder's own record cannot be pointed elsewhere. */
    long sealed = sealed_count(dir);
    if (sealed > n)
        n = sealed;
    if (n < 3)
        return;
    unsigned delay = n - 3 >= 6 ? 60 : 1u << (n - 3);
    /* Told through the front (a line on the command line, the message line
     * on the screens): the core never writes to the terminal itself. */
    if (notice_fn) {
        char msg[160];
        snprintf(msg, sizeof msg, _("%ld failed attempts; waiting %u s before checking"), n, delay);
        notice_fn(msg, notice_ctx);
    }
    sleep(delay);
}

void vault_record_failed_unlock(const char *dir, const unsigned char vault_id[CL_VAULT_ID_BYTES], bool recovery)
{
    char why[512]; /* the wrong passphrase's message is the one to tell */
    snprintf(why, sizeof why, "%s", cl_error_message());
    record_sealed(dir, recovery);
    counter_bump(vault_id);
    cl_fail(CL_EPERM, "%s", why);
}

static void record_sealed(const char *dir, bool recovery)
{
    char *pub_path = vault_path_in(dir, "vault.pub");
    unsigned char *pub = NULL, x_pk[crypto_box_PUBLICKEYBYTES];
    size_t len, got = 0;
    bool have_key = pub_path && cl_file_read(pub_path, 65536, &pub, &len) == CL_OK;
    const char *line = have_key ? strstr((const char *)pub, "\nx25519: ") : NULL;
    have_key = line && sodium_base642bin(x_pk, sizeof x_pk, line + 9, strcspn(line + 9, "\n"), NULL, &got, NULL,
                                         sodium_base64_VARIANT_ORIGINAL) == 0 && got == sizeof x_pk;
    free(pub);
    free(pub_path);
    cl_error_clear();
    if (!have_key || sealed_count(dir) >= FAILURES_MAX)
        return;
    unsigned char plain[FAILURE_PLAIN] = {0}, record[FAILURE_RECORD];
    char at[24];
    cl_time_iso(cl_now(), at, sizeof at);
    snprintf((char *)plain, sizeof plain, FAILURE_MAGIC "\n%s\n%s\n", at, recovery ? "recovery" : "passphrase");
    record[0] = (unsigned char)(FAILURE_RECORD - 2), record[1] = (unsigned char)((FAILURE_RECORD - 2) >> 8);
    crypto_box_seal(record + 2, plain, sizeof plain, x_pk);
    char *path = vault_path_in(dir, FAILED_UNLOCKS);
    int fd = open_locked(path, O_WRONLY | O_APPEND | O_CREAT);
    free(path);
    if (fd >= 0) {
        if (write(fd, record, sizeof record) == (ssize_t)sizeof record)
            fsync(fd);
        close(fd);
    }
}

/* The records in data, opened with the vault's key pair, as [{at, kind}];
 * a record that does not open (not sealed to this vault) is counted as
 * "unreadable". */
static json_t *open_records(cl_vault *v, const unsigned char *data, size_t len)
{
    unsigned char x_pk[crypto_box_PUBLICKEYBYTES];
    cl_secret *x_sk;
    json_t *list = json_array();
    if (cl_secret_new(crypto_box_SECRETKEYBYTES, &x_sk) != CL_OK)
        return list;
    bool keys = cl_meta_get_blob(v->db, "x25519_public", x_pk, sizeof x_pk) == CL_OK &&
                cl_meta_get_blob(v->db, "x25519_secret", x_sk->bytes, x_sk->len) == CL_OK;
    for (size_t off = 0; keys && off + FAILURE_RECORD <= len; off += FAILURE_RECORD) {
        unsigned char plain[FAILURE_PLAIN + 1] = {0};
        char at[32] = "", kind[16] = "";
        if (crypto_box_seal_open(plain, data + off + 2, FAILURE_RECORD - 2, x_pk, x_sk->bytes) == 0 &&
            sscanf((const char *)plain, FAILURE_MAGIC "\n%31[^\n]\n%15[^\n]", at, kind) == 2)
            json_array_append_new(list, json_pack("{s:s, s:s}", "at", at, "kind", kind));
        else
            json_array_append_new(list, json_pack("{s:s, s:s}", "at", "", "kind", "unreadable"));
    }
    cl_secret_free(x_sk);
    return list;
}

cl_status vault_take_failed_unlocks(cl_vault *v)
{
    char *path = state_path(v->vault_id, "failures");
    if (path)
        unlink(path);
    free(path);
    v->failed_unlocks = json_array();
    path = vault_path_in(v->dir, FAILED_UNLOCKS);
    int fd = open_locked(path, O_RDWR);
    free(path);
    if (fd < 0)
        return CL_OK; /* none recorded */
    struct stat sb;
    unsigned char *data = NULL;
    size_t len = fstat(fd, &sb) == 0 && sb.st_size > 0 ? (size_t)sb.st_size : 0;
    if (len > (size_t)FAILURES_MAX * FAILURE_RECORD)
        len = (size_t)FAILURES_MAX * FAILURE_RECORD;
    if (len > 0 && (data = malloc(len)) && pread(fd, data, len, 0) != (ssize_t)len)
        len = 0;
    cl_status st = CL_OK;
    if (len >= FAILURE_RECORD) {
        json_decref(v->failed_unlocks);
        v->failed_unlocks = open_records(v, data, len);
        size_t n = json_array_size(v->failed_unlocks);
        cl_buf detail = {0};
        cl_buf_printf(&detail, "%zu failed unlock attempt(s) since the last unlock:", n);
        for (size_t i = 0; i < n && i < 20; i++)
            cl_buf_printf(&detail, " %s (%s)", json_string_value(json_object_get(json_array_get(v->failed_unlocks, i), "at")),
                          json_string_value(json_object_get(json_array_get(v->failed_unlocks, i), "kind")));
        st = cl_db_begin(v->db);
        if (st == CL_OK)
            st = cl_audit_append(v->db, "system", "unlock.failures", "vault", detail.data);
        st = st == CL_OK ? cl_db_commit(v->db) : (cl_db_rollback(v->db), st);
        cl_buf_free(&detail);
    }
    /* Cleared only once the audit entry holds them. */
    if (st == CL_OK && ftruncate(fd, 0) == 0)
        fsync(fd);
    free(data);
    close(fd);
    return st;
}
