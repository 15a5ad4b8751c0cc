#include "carelog/vault.h"
#include "carelog/i18n.h"

#include <dirent.h>
#include <errno.h>
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
#include "student_directory.h"



/* Crockford's base32: no I, L, O or U, so it reads aloud without doubt. */
static const char BASE32[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
#define RECOVERY_BYTES 20 /* 160 bits: 32 characters in 8 groups */

char *vault_path_in(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", dir, name);
    return p;
}

static size_t base32_encode(const unsigned char *in, size_t len, char *out)
{
    size_t o = 0;
    unsigned buffer = 0;
    int bits = 0;
    for (size_t i = 0; i < len; i++) {
        buffer = (buffer << 8) | in[i];
        bits += 8;
        while (bits >= 5) {
            out[o++] = BASE32[(buffer >> (bits - 5)) & 31];
            bits -= 5;
        }
    }
    if (bits > 0)
        out[o++] = BASE32[(buffer << (5 - bits)) & 31];
    out[o] = '\0';
    return o;
}

static void group(const char *in, char *out, size_t size)
{
    size_t o = 0;
    for (size_t i = 0; in[i] && o + 2 < size; i++) {
        if (i > 0 && i % 4 == 0)
            out[o++] = '-';
        out[o++] = in[i];
    }
    out[o] = '\0';
}

void cl_recovery_key_format(const cl_secret *key, char *out, size_t size)
{
    group((const char *)key->bytes, out, size);
}

/* Accepts what a person types back: any case, spaces or dashes, and the
 * letters people confuse with digits. */
static cl_status recovery_normalise(const cl_secret *typed, cl_secret **out)
{
    cl_status st = cl_secret_new(typed->len, out);
    if (st != CL_OK)
        return st;
    size_t n = 0;
    for (size_t i = 0; i < typed->len; i++) {
        unsigned char c = typed->bytes[i];
        if (c == ' ' || c == '-' || c == '\t')
            continue;
        if (c >= 'a' && c <= 'z')
            c = (unsigned char)(c - 'a' + 'A');
        if (c == 'O')
            c = '0';
        if (c == 'I' || c == 'L')
            c = '1';
        (*out)->bytes[n++] = c;
    }
    (*out)->bytes[n] = '\0';
    (*out)->len = n;
    return CL_OK;
}

cl_status vault_new_recovery_key(cl_secret **out)
{
    unsigned char raw[RECOVERY_BYTES];
    char text[RECOVERY_BYTES * 8 / 5 + 2];
    randombytes_buf(raw, sizeof raw);
    size_t n = base32_encode(raw, sizeof raw, text);
    cl_status st = cl_secret_copy((const unsigned char *)text, n, out);
    sodium_memzero(raw, sizeof raw);
    sodium_memzero(text, sizeof text);
    return st;
}

void vault_fingerprint(const char *domain, const unsigned char *a, size_t a_len, const unsigned char *b,
                       size_t b_len, char out[24])
{
    unsigned char h[10];
    crypto_generichash_state s;
    crypto_generichash_init(&s, (const unsigned char *)domain, strlen(domain), sizeof h);
    crypto_generichash_update(&s, a, a_len);
    if (b)
        crypto_generichash_update(&s, b, b_len);
    crypto_generichash_final(&s, h, sizeof h);
    char text[20];
    base32_encode(h, sizeof h, text);
    group(text, out, 24);
}

void cl_vault_fingerprint_of(const unsigned char *x_pk, const unsigned char *ed_pk, char out[24])
{
    vault_fingerprint("carelog-fingerprint-v1", x_pk, crypto_box_PUBLICKEYBYTES, ed_pk, crypto_sign_PUBLICKEYBYTES, out);
}

cl_status cl_vault_default_dir(char **out)
{
    const char *xdg = getenv("XDG_DATA_HOME");
    const char *home = getenv("HOME");
    char *p = NULL;
    if (xdg && *xdg == '/')
        p = vault_path_in(xdg, "carelog");
    else if (home && *home)
        p = vault_path_in(home, ".local/share/carelog");
    else
        return cl_fail(CL_EUSAGE, _("neither XDG_DATA_HOME nor HOME is set; name the vault with --vault DIR"));
    if (!p)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    *out = p;
    return CL_OK;
}

bool vault_file_exists(const char *dir, const char *name)
{
    char *p = vault_path_in(dir, name);
    struct stat sb;
    bool yes = p && stat(p, &sb) == 0;
    free(p);
    return yes;
}

bool cl_vault_exists(const char *dir)
{
    return vault_file_exists(dir, "keyslots") || vault_file_exists(dir, "vault.db");
}

cl_status vault_make_dirs(const char *dir)
{
    char buf[4096];
    if (snprintf(buf, sizeof buf, "%s", dir) >= (int)sizeof buf)
        return cl_fail(CL_EUSAGE, _("the vault path is too long"));
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0700) != 0 && errno != EEXIST)
            return cl_fail(CL_ECANTCREATE, "%s: %s", buf, strerror(errno));
        *p = '/';
    }
    if (mkdir(buf, 0700) != 0 && errno != EEXIST)
        return cl_fail(CL_ECANTCREATE, "%s: %s", buf, strerror(errno));
    return CL_OK;
}

static bool dir_is_empty(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return false;
    struct dirent *e;
    bool empty = true;
    while (empty && (e = readdir(d)))
        empty = strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0;
    closedir(d);
    return empty;
}

cl_status vault_claim_dir(const char *dir, bool *created)
{
    *created = false;
    struct stat sb;
    if (lstat(dir, &sb) == 0) {
        /* Never taken over: a folder that holds anything, or belongs to
         * someone else, stays as it is, mode included. */
        if (!S_ISDIR(sb.st_mode))
            return cl_fail(CL_ECANTCREATE, _("%s is not a folder; name a new folder for the vault with --vault DIR"),
                           dir);
        if (sb.st_uid != geteuid())
            return cl_fail(CL_ECANTCREATE, _("%s belongs to another user; carelog makes a vault only in a new folder "
                                             "or an empty one of yours (nothing was changed)"), dir);
        if (!dir_is_empty(dir))
            return cl_fail(CL_ECANTCREATE, _("%s is not empty; carelog makes a vault only in a new folder or an empty "
                                             "one (nothing was changed; name another with --vault DIR)"), dir);
        return CL_OK;
    }
    if (errno != ENOENT)
        return cl_fail(CL_ECANTCREATE, "%s: %s", dir, strerror(errno));
    cl_status st = vault_make_dirs(dir);
    *created = st == CL_OK;
    return st;
}

static cl_status write_pub(const cl_vault *v)
{
    unsigned char x_pk[crypto_box_PUBLICKEYBYTES], ed_pk[crypto_sign_PUBLICKEYBYTES];
    cl_status st = cl_meta_get_blob(v->db, "x25519_public", x_pk, sizeof x_pk);
    if (st == CL_OK)
        st = cl_meta_get_blob(v->db, "ed25519_public", ed_pk, sizeof ed_pk);
    if (st != CL_OK)
        return st;
    char *epoch = NULL;
    if (cl_meta_get_text(v->db, "key_epoch", &epoch) != CL_OK)
        cl_error_clear(); /* a vault from before epochs: 1 */
    char id[CL_VAULT_ID_BYTES * 2 + 1], x64[64], ed64[64], school[256];
    sodium_bin2hex(id, sizeof id, v->vault_id, CL_VAULT_ID_BYTES);
    sodium_bin2base64(x64, sizeof x64, x_pk, sizeof x_pk, sodium_base64_VARIANT_ORIGINAL);
    sodium_bin2base64(ed64, sizeof ed64, ed_pk, sizeof ed_pk, sodium_base64_VARIANT_ORIGINAL);
    size_t n = 0;
    for (const char *s = v->school; *s && n + 1 < sizeof school; s++)
        school[n++] = (*s == '\n' || *s == '\r') ? ' ' : *s;
    school[n] = '\0';
    char text[1024];
    int len = snprintf(text, sizeof text,
                       "carelog-vault-public 1\nvault-id: %s\nschool: %s\nx25519: %s\ned25519: %s\nfingerprint: %s\n"
                       "key-epoch: %s\n",
                       id, school, x64, ed64, v->fingerprint, epoch && *epoch ? epoch : "1");
    free(epoch);
    char *path = vault_path_in(v->dir, "vault.pub");
    if (!path)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    st = cl_file_write_atomic(path, text, (size_t)len);
    if (st == CL_OK)
        chmod(path, 0644);
    free(path);
    return st;
}

/* Reads the vault's identity out of the database into v. */
static cl_status load_identity(cl_vault *v)
{
    unsigned char id[CL_VAULT_ID_BYTES], x_pk[crypto_box_PUBLICKEYBYTES], ed_pk[crypto_sign_PUBLICKEYBYTES];
    cl_status st = cl_meta_get_blob(v->db, "vault_id", id, sizeof id);
    if (st == CL_OK && sodium_memcmp(id, v->vault_id, sizeof id) != 0)
        st = cl_fail(CL_EDATA, _("vault.db belongs to another vault than its keyslots file; restore the vault from a backup"));
    if (st == CL_OK)
        st = cl_meta_get_blob(v->db, "x25519_public", x_pk, sizeof x_pk);
    if (st == CL_OK)
        st = cl_meta_get_blob(v->db, "ed25519_public", ed_pk, sizeof ed_pk);
    if (st == CL_OK)
        st = cl_meta_get_text(v->db, "school", &v->school);
    if (st == CL_OK)
        cl_vault_fingerprint_of(x_pk, ed_pk, v->fingerprint);
    return st;
}

cl_status cl_vault_audit(cl_vault *v, const char *action, const char *target, const char *detail)
{
    return cl_audit_append(v->db, v->user, action, target, detail);
}

static cl_status store_identity(cl_vault *v, const char *user)
{
    unsigned char x_pk[crypto_box_PUBLICKEYBYTES], ed_pk[crypto_sign_PUBLICKEYBYTES];
    cl_secret *x_sk, *ed_sk;
    cl_status st = cl_secret_new(crypto_box_SECRETKEYBYTES, &x_sk);
    if (st != CL_OK)
        return st;
    st = cl_secret_new(crypto_sign_SECRETKEYBYTES, &ed_sk);
    if (st != CL_OK) {
        cl_secret_free(x_sk);
        return st;
    }
    crypto_box_keypair(x_pk, x_sk->bytes);
    crypto_sign_keypair(ed_pk, ed_sk->bytes);
    char now[32];
    cl_time_iso(cl_now(), now, sizeof now);
    st = cl_db_begin(v->db);
    if (st == CL_OK)
        st = cl_meta_set_blob(v->db, "vault_id", v->vault_id, CL_VAULT_ID_BYTES);
    if (st == CL_OK)
        st = cl_meta_set_text(v->db, "school", v->school);
    if (st == CL_OK)
        st = cl_meta_set_text(v->db, "created_at", now);
    if (st == CL_OK)
        st = cl_meta_set_blob(v->db, "x25519_public", x_pk, sizeof x_pk);
    if (st == CL_OK)
        st = cl_meta_set_blob(v->db, "x25519_secret", x_sk->bytes, x_sk->len);
    if (st == CL_OK)
        st = cl_meta_set_blob(v->db, "ed25519_public", ed_pk, sizeof ed_pk);
    if (st == CL_OK)
        st = cl_meta_set_blob(v->db, "ed25519_secret", ed_sk->bytes, ed_sk->len);
    if (st == CL_OK) {
        sqlite3_stmt *q;
        st = cl_db_prepare(v->db, "INSERT INTO counsellors(name, slot_id, created_at) VALUES (?, ?, ?)", &q);
        if (st == CL_OK) {
            sqlite3_bind_text(q, 1, user, -1, SQLITE_STATIC);
            sqlite3_bind_blob(q, 2, v->slot_id, CL_SLOT_ID_BYTES, SQLITE_STATIC);
            sqlite3_bind_text(q, 3, now, -1, SQLITE_STATIC);
            if (sqlite3_step(q) != SQLITE_DONE)
                st = cl_db_fail(v->db, "adding the counsellor");
            sqlite3_finalize(q);
        }
    }
    if (st == CL_OK)
        st = cl_vault_audit(v, "vault.init", "vault", v->school);
    if (st == CL_OK)
        st = cl_db_commit(v->db);
    else
        cl_db_rollback(v->db);
    cl_secret_free(x_sk);
    cl_secret_free(ed_sk);
    if (st == CL_OK)
        cl_vault_fingerprint_of(x_pk, ed_pk, v->fingerprint);
    return st;
}

cl_status vault_check_name(const char *what, const char *name)
{
    size_t n = name ? strlen(name) : 0;
    if (n == 0)
        return cl_fail(CL_EUSAGE, _("the %s may not be empty"), what);
    if (n > 200)
        return cl_fail(CL_EUSAGE, _("the %s is longer than 200 bytes"), what);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
            return cl_fail(CL_EUSAGE, _("the %s may not hold control characters"), what);
    return CL_OK;
}

void vault_remove_vault_files(const char *dir)
{
    static const char *const names[] = {"vault.db", "vault.db-wal", "vault.db-shm", "vault.db-journal", "keyslots", "vault.pub"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        char *p = vault_path_in(dir, names[i]);
        if (p)
            unlink(p);
        free(p);
    }
}

cl_status cl_vault_init(const char *dir, const char *school, const char *user, const cl_secret *pass,
                        cl_secret **recovery_key, cl_vault **out)
{
    cl_status st = vault_check_name("counsellor name", user);
    if (st == CL_OK)
        st = vault_check_name("school name", school);
    if (st != CL_OK)
        return st;
    if (cl_vault_exists(dir))
        return cl_fail(CL_ECANTCREATE, _("%s already holds a vault; it was left untouched (choose another folder "
                                       "with --vault DIR)"), dir);
    bool created;
    st = vault_claim_dir(dir, &created);
    if (st != CL_OK)
        return st;

    cl_vault *v = calloc(1, sizeof *v);
    cl_keyslots *ks = NULL;
    cl_secret *recovery = NULL;
    char *ks_path = vault_path_in(dir, "keyslots"), *db_path = vault_path_in(dir, "vault.db");
    if (!v || !ks_path || !db_path) {
        free(v), free(ks_path), free(db_path);
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    }
    v->dir = strdup(dir);
    v->user = strdup(user);
    v->school = strdup(school);
    randombytes_buf(v->vault_id, CL_VAULT_ID_BYTES);
    cl_kdf kdf;
    st = cl_kdf_calibrate(&kdf);
    if (st == CL_OK)
        st = cl_secret_random(CL_DB_KEY_BYTES, &v->key);
    if (st == CL_OK)
        st = vault_new_recovery_key(&recovery);
    if (st == CL_OK)
        st = cl_keyslots_new(v->vault_id, &ks);
    if (st == CL_OK)
        st = cl_keyslots_add(ks, CL_SLOT_PASSPHRASE, pass, &kdf, v->key, v->slot_id);
    if (st == CL_OK)
        st = cl_keyslots_add(ks, CL_SLOT_RECOVERY, recovery, &kdf, v->key, NULL);
    if (st == CL_OK)
        st = cl_db_open(db_path, v->key, true, &v->db);
    if (st == CL_OK)
        st = cl_db_migrate(v->db);
    if (st == CL_OK)
        st = store_identity(v, user);
    if (st == CL_OK) {
        unsigned char *data;
        size_t len;
        st = cl_keyslots_serialize(ks, &data, &len);
        if (st == CL_OK)
            st = cl_file_create_atomic(ks_path, data, len);
        if (st == CL_OK)
            free(data);
    }
    if (st == CL_OK)
        st = write_pub(v);
    cl_keyslots_free(ks);
    free(ks_path);
    free(db_path);
    if (st != CL_OK) {
        cl_secret_free(recovery);
        cl_vault_close(v);
        vault_remove_vault_files(dir);
        if (created)
            rmdir(dir);
        return st;
    }
    *recovery_key = recovery;
    *out = v;
    return CL_OK;
}

static cl_status find_counsellor(cl_vault *v)
{
    if (v->recovery) {
        v->user = strdup("recovery");
        return v->user ? CL_OK : cl_fail(CL_ESOFTWARE, _("out of memory"));
    }
    sqlite3_stmt *q;
    cl_status st = cl_db_prepare(v->db, "SELECT name FROM counsellors WHERE slot_id = ? AND removed_at IS NULL", &q);
    if (st != CL_OK)
        return st;
    sqlite3_bind_blob(q, 1, v->slot_id, CL_SLOT_ID_BYTES, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        v->user = strdup((const char *)sqlite3_column_text(q, 0));
    else if (rc == SQLITE_DONE)
        st = cl_fail(CL_EPERM, _("this passphrase belongs to a counsellor who was removed from the vault"));
    else /* a damaged page is not a wrong passphrase */
        st = cl_db_fail(v->db, "finding the counsellor");
    sqlite3_finalize(q);
    return st;
}

/* The second half of a key rotation that a crash interrupted: the keyslots
 * hold the current and the next key; make the database and the keyslots
 * agree on the next one. */
cl_status vault_finish_rotation(cl_vault *v, cl_keyslots *ks, const char *ks_path, cl_secret *next, bool db_has_next)
{
    cl_status st = CL_OK;
    if (!db_has_next) {
        st = cl_db_rekey(v->db, next);
        cl_crash_point("rotate-after-rekey");
    }
    if (st == CL_OK)
        st = cl_keyslots_promote_next(ks);
    if (st == CL_OK)
        st = cl_keyslots_save(ks, ks_path);
    if (st == CL_OK) {
        cl_secret_free(v->key);
        v->key = next;
        /* The vault remembers the epoch, inside and in vault.pub (which
         * can be read without a key), so that a keyslots file from before
         * this rotation is named as old, not as damage. */
        char epoch[16];
        snprintf(epoch, sizeof epoch, "%u", (unsigned)cl_keyslots_epoch(ks));
        st = cl_db_begin(v->db);
        if (st == CL_OK)
            st = cl_meta_set_text(v->db, "key_epoch", epoch);
        st = st == CL_OK ? cl_db_commit(v->db) : (cl_db_rollback(v->db), st);
        if (st == CL_OK && v->school)
            st = write_pub(v);
        return st;
    }
    cl_secret_free(next);
    return st;
}

/* The key epoch vault.pub records (0 when it names none). */
static unsigned long pub_epoch(const char *dir)
{
    char *path = vault_path_in(dir, "vault.pub");
    unsigned char *text = NULL;
    size_t len;
    unsigned long epoch = 0;
    if (path && cl_file_read(path, 65536, &text, &len) == CL_OK) {
        const char *line = strstr((const char *)text, "\nkey-epoch: ");
        if (line)
            epoch = strtoul(line + 12, NULL, 10);
    }
    cl_error_clear();
    free(text);
    free(path);
    return epoch;
}

static cl_status open_db(cl_vault *v, cl_keyslots *ks, const char *ks_path, cl_secret *key, cl_secret *next)
{
    char *db_path = vault_path_in(v->dir, "vault.db");
    if (!db_path) {
        cl_secret_free(key), cl_secret_free(next);
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    }
    v->key = key;
    cl_status st = cl_db_open(db_path, key, false, &v->db);
    bool db_has_next = false;
    if (st == CL_EDATA && next) {
        st = cl_db_open(db_path, next, false, &v->db);
        db_has_next = st == CL_OK;
    }
    free(db_path);
    char why[1024];
    snprintf(why, sizeof why, "%s", cl_error_message());
    unsigned long vault_epoch = st == CL_EDATA && !next ? pub_epoch(v->dir) : 0;
    if (st == CL_EDATA && !next && vault_epoch <= cl_keyslots_epoch(ks))
        cl_fail(st, "%s", why);
    else if (st == CL_EDATA && !next)
        st = cl_fail(CL_EDATA, _("the keyslots file is older than this vault: it is from before the database key "
                                 "was rotated (key epoch %u; the vault is at %lu), probably copied back from a "
                                 "backup, and opens nothing written since. Put back the vault's current keyslots "
                                 "file, or restore the whole backup it came from into a new folder"),
                     (unsigned)cl_keyslots_epoch(ks), vault_epoch);
    if (st == CL_OK && next) {
        st = vault_finish_rotation(v, ks, ks_path, next, db_has_next);
        /* Another carelog has the vault open, so the rekey has to wait; the
         * current key still works and the next unlock that has the vault
         * to itself finishes the rotation. Refusing to open would lock
         * every counsellor out for as long as anyone else works. */
        if (st == CL_ECONFLICT && !db_has_next) {
            cl_error_clear();
            st = CL_OK;
        }
        return st;
    }
    cl_secret_free(next);
    return st;
}

static cl_status check_pub(const char *dir, const unsigned char vault_id[CL_VAULT_ID_BYTES])
{
    char *path = vault_path_in(dir, "vault.pub");
    unsigned char *text;
    size_t len;
    cl_status st = path ? cl_file_read(path, 65536, &text, &len) : cl_fail(CL_ESOFTWARE, _("out of memory"));
    free(path);
    if (st == CL_ENOTFOUND)
        return CL_OK; /* rewritten from the database once open */
    if (st != CL_OK)
        return st;
    char id[CL_VAULT_ID_BYTES * 2 + 1];
    sodium_bin2hex(id, sizeof id, vault_id, CL_VAULT_ID_BYTES);
    const char *line = strstr((const char *)text, "vault-id: ");
    if (line && strncmp(line + 10, id, strlen(id)) != 0)
        st = cl_fail(CL_EDATA, _("the keyslots file belongs to another vault than vault.pub; restore this vault's "
                               "keyslots from a backup"));
    free(text);
    return st;
}

/* A removal killed after the keyslots were saved but before its
 * transaction committed leaves a name whose slot is gone: the key is
 * already rotated, only the list is stale. Finish it here. */
static cl_status reconcile_counsellors(cl_vault *v, const cl_keyslots *ks)
{
    sqlite3_stmt *q;
    cl_status st = cl_db_prepare(v->db, "SELECT name, slot_id FROM counsellors WHERE removed_at IS NULL", &q);
    if (st != CL_OK)
        return st;
    json_t *gone = json_array();
    while (sqlite3_step(q) == SQLITE_ROW) {
        if (sqlite3_column_bytes(q, 1) != CL_SLOT_ID_BYTES ||
            !cl_keyslots_has(ks, sqlite3_column_blob(q, 1)))
            json_array_append_new(gone, json_string((const char *)sqlite3_column_text(q, 0)));
    }
    sqlite3_finalize(q);
    size_t i;
    json_t *name;
    char now[32];
    cl_time_iso(cl_now(), now, sizeof now);
    if (json_array_size(gone) > 0)
        st = cl_db_begin(v->db);
    json_array_foreach(gone, i, name) {
        if (st != CL_OK)
            break;
        st = cl_db_prepare(v->db, "UPDATE counsellors SET removed_at = ?, slot_id = NULL WHERE name = ?", &q);
        if (st == CL_OK) {
            sqlite3_bind_text(q, 1, now, -1, SQLITE_STATIC);
            sqlite3_bind_text(q, 2, json_string_value(name), -1, SQLITE_STATIC);
            if (sqlite3_step(q) != SQLITE_DONE)
                st = cl_db_fail(v->db, "finishing an interrupted removal");
            sqlite3_finalize(q);
        }
        if (st == CL_OK)
            st = cl_audit_append(v->db, "system", "counsellor.remove", json_string_value(name),
                                 "finished after an interruption: the key slot was already gone");
    }
    if (json_array_size(gone) > 0)
        st = st == CL_OK ? cl_db_commit(v->db) : (cl_db_rollback(v->db), st);
    json_decref(gone);
    return st;
}

/* Atomic writes killed half way leave NAME.tmp-XXXXXX files behind; they
 * hold only what the vault writes anyway (keyslots, vault.pub). */
static void sweep_temp_files(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strstr(e->d_name, ".tmp-") && strlen(strstr(e->d_name, ".tmp-")) == 11) {
            char *p = vault_path_in(dir, e->d_name);
            if (p)
                unlink(p);
            free(p);
        }
    }
    closedir(d);
}

cl_status cl_vault_open(const char *dir, const cl_secret *secret, bool recovery, cl_vault **out)
{
    char *ks_path = vault_path_in(dir, "keyslots");
    cl_keyslots *ks = NULL;
    if (!ks_path)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    struct stat sb;
    cl_status st = stat(dir, &sb) == 0 ? CL_OK
                                       : cl_fail(CL_ENOTFOUND, _("there is no vault at %s; create one with "
                                                               "`carelog init` or name another with --vault DIR"), dir);
    if (st == CL_OK)
        st = cl_keyslots_load(ks_path, &ks);
    if (st == CL_OK)
        st = check_pub(dir, cl_keyslots_vault_id(ks));
    if (st != CL_OK) {
        free(ks_path);
        cl_keyslots_free(ks);
        return st;
    }
    unsigned char hint[CL_SLOT_ID_BYTES];
    bool hinted = !recovery && vault_read_slot_hint(cl_keyslots_vault_id(ks), hint);
    vault_failure_delay(dir, cl_keyslots_vault_id(ks));

    cl_secret *typed = NULL, *key = NULL, *next = NULL;
    cl_vault *v = calloc(1, sizeof *v);
    st = v ? CL_OK : cl_fail(CL_ESOFTWARE, _("out of memory"));
    if (st == CL_OK) {
        v->dir = strdup(dir);
        v->recovery = recovery;
        memcpy(v->vault_id, cl_keyslots_vault_id(ks), CL_VAULT_ID_BYTES);
        st = recovery ? recovery_normalise(secret, &typed) : cl_secret_copy(secret->bytes, secret->len, &typed);
    }
    if (st == CL_OK)
        st = cl_keyslots_unlock_hinted(ks, recovery ? CL_SLOT_RECOVERY : CL_SLOT_PASSPHRASE, typed,
                                       hinted ? hint : NULL, v->slot_id, &key, &next);
    cl_secret_free(typed);
    if (st == CL_EPERM)
        vault_record_failed_unlock(dir, cl_keyslots_vault_id(ks), recovery);
    if (st == CL_OK && !recovery && (!hinted || memcmp(hint, v->slot_id, CL_SLOT_ID_BYTES) != 0))
        vault_write_slot_hint(v->vault_id, v->slot_id);
    if (st == CL_OK)
        st = open_db(v, ks, ks_path, key, next);
    if (st == CL_OK)
        st = cl_db_migrate(v->db);
    if (st == CL_OK)
        st = load_identity(v);
    if (st == CL_OK)
        st = reconcile_counsellors(v, ks);
    if (st == CL_OK)
        st = find_counsellor(v);
    if (st == CL_OK)
        sweep_temp_files(dir);
    if (st == CL_OK)
        st = vault_output_sweep(v);
    if (st == CL_OK)
        st = vault_take_failed_unlocks(v);
    if (st == CL_OK && (!vault_file_exists(dir, "vault.pub") || pub_epoch(dir) < cl_keyslots_epoch(ks)))
        st = write_pub(v);
    cl_keyslots_free(ks);
    free(ks_path);
    if (st != CL_OK) {
        cl_vault_close(v);
        return st;
    }
    *out = v;
    return CL_OK;
}

void cl_vault_close(cl_vault *v)
{
    if (!v)
        return;
    cl_student_directory_free(v->directory);
    if (v->db)
        cl_db_close(v->db);
    cl_secret_free(v->key);
    free(v->dir);
    free(v->user);
    free(v->school);
    json_decref(v->failed_unlocks);
    free(v);
}

sqlite3 *cl_vault_db(const cl_vault *v) { return v->db; }
const char *cl_vault_dir(const cl_vault *v) { return v->dir; }
const char *cl_vault_user(const cl_vault *v) { return v->user; }
bool cl_vault_opened_by_recovery(const cl_vault *v) { return v->recovery; }
const char *cl_vault_school(const cl_vault *v) { return v->school; }
const char *cl_vault_fingerprint(const cl_vault *v) { return v->fingerprint; }
const json_t *cl_vault_failed_unlocks(const cl_vault *v) { return v->failed_unlocks; }
