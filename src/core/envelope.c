/* The envelope every bundle and receipt travels in: a ustar archive (or a
 * JSON text) encrypted with age to the receiver, FILE, and a minisign
 * signature by the sender over FILE, FILE.minisig. Signing the ciphertext
 * lets a receiver check the sender before decrypting anything, with
 * `minisign -V` then `age -d` when it has no carelog. */
#include "bundle_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "carelog/clock.h"
#include "carelog/file.h"
#include "carelog/i18n.h"
#include "carelog/storage.h"

#define CIPHER_MAX (64u << 20) /* a bundle holds summaries, not video */
#define SIG_MAX 8192

void hash_sha256_hex(const unsigned char *data, size_t len, char out[65])
{
    unsigned char h[32];
    crypto_hash_sha256(h, data, len);
    sodium_bin2hex(out, 65, h, sizeof h);
}

void hash_blake2b_hex(const unsigned char *data, size_t len, char out[65])
{
    unsigned char h[32];
    crypto_generichash(h, sizeof h, data, len, NULL, 0);
    sodium_bin2hex(out, 65, h, sizeof h);
}

void party_new_id(char id[33], char at[32])
{
    unsigned char raw[16];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(id, 33, raw, sizeof raw);
    cl_time_iso(cl_now(), at, 32);
}

static char *sig_path(const char *file)
{
    size_t n = strlen(file) + 10;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s.minisig", file);
    return p;
}

cl_status envelope_sign(cl_vault *v, const unsigned char *data, size_t len, const char *trusted_comment,
                        const char *untrusted_comment, char **sig)
{
    cl_secret *ed = NULL;
    cl_status st = party_secret(v, "ed25519_secret", crypto_sign_SECRETKEYBYTES, &ed);
    if (st == CL_OK) {
        unsigned char ed_pk[32];
        crypto_sign_ed25519_sk_to_pk(ed_pk, ed->bytes);
        cl_minisign_key k;
        cl_minisign_key_of(ed_pk, &k);
        st = cl_minisign_sign(ed, k.id, data, len, trusted_comment, untrusted_comment, sig);
    }
    cl_secret_free(ed);
    return st;
}

cl_status envelope_seal(cl_vault *v, const unsigned char *recipient_x25519, const unsigned char *plain,
                        size_t plain_len, const char *trusted_comment, const char *untrusted_comment,
                        const char *file, char sha256_hex[65])
{
    char *sp = sig_path(file);
    if (!sp)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    struct stat sb;
    if (stat(file, &sb) == 0 || stat(sp, &sb) == 0) {
        cl_status st = cl_fail(CL_ECANTCREATE, _("%s or its signature %s already exists; it was left untouched "
                                                 "(choose another name with -o FILE)"), file, sp);
        free(sp);
        return st;
    }
    /* The ciphertext is built in memory: only ciphertext is ever written. */
    cl_age_buf cipher = {0};
    cl_age_encryptor *enc;
    cl_status st = cl_age_encrypt_begin(recipient_x25519, 1, cl_age_buf_write, &cipher, &enc);
    if (st == CL_OK) {
        st = cl_age_encrypt_update(enc, plain, plain_len);
        if (st == CL_OK)
            st = cl_age_encrypt_finish(enc);
        else
            cl_age_encrypt_abort(enc);
    }
    char *sig = NULL;
    if (st == CL_OK)
        st = envelope_sign(v, cipher.data, cipher.len, trusted_comment, untrusted_comment, &sig);
    if (st == CL_OK)
        st = cl_file_create_atomic(file, cipher.data, cipher.len);
    if (st == CL_OK) {
        st = cl_file_create_atomic(sp, sig, strlen(sig));
        if (st != CL_OK)
            unlink(file);
    }
    if (st == CL_OK)
        hash_sha256_hex(cipher.data, cipher.len, sha256_hex);
    free(sig);
    free(sp);
    cl_age_buf_wipe(&cipher);
    return st;
}

cl_status envelope_commit(cl_vault *v, const char *file, envelope_record_fn record, void *ctx, const char *action,
                          const char *target, const char *detail)
{
    bool sp;
    cl_status st = party_tx_begin(v, &sp);
    if (st == CL_OK)
        st = record(v, ctx);
    if (st == CL_OK)
        st = cl_vault_audit(v, action, target, detail);
    st = party_tx_end(v, sp, st);
    if (st != CL_OK) {
        char *sp_path = sig_path(file);
        unlink(file);
        if (sp_path)
            unlink(sp_path);
        free(sp_path);
    }
    return st;
}

cl_status envelope_seen(cl_vault *v, const char *table, const envelope *e, const char *refusal)
{
    char sql[200];
    snprintf(sql, sizeof sql, "SELECT 1 FROM %s WHERE signature_hash = ?", table);
    sqlite3_stmt *q;
    cl_status st = cl_db_prepare(cl_vault_db(v), sql, &q);
    if (st != CL_OK)
        return st;
    sqlite3_bind_blob(q, 1, e->sig_hash, sizeof e->sig_hash, SQLITE_STATIC);
    if (sqlite3_step(q) == SQLITE_ROW)
        st = cl_fail(CL_ECANTCREATE, "%s", refusal);
    sqlite3_finalize(q);
    return st;
}

cl_status envelope_open(cl_vault *v, bool office, const char *doing, const char *file, envelope *out)
{
    cl_status st = cl_vault_require_role(v, office, doing);
    return st == CL_OK ? envelope_read(file, out) : st;
}

cl_status envelope_read(const char *file, envelope *out)
{
    memset(out, 0, sizeof *out);
    cl_status st = cl_file_read(file, CIPHER_MAX, &out->cipher, &out->cipher_len);
    if (st != CL_OK)
        return st;
    char *sp = sig_path(file);
    unsigned char *sig = NULL;
    size_t sig_len = 0;
    st = sp ? cl_file_read(sp, SIG_MAX, &sig, &sig_len) : cl_fail(CL_ESOFTWARE, _("out of memory"));
    if (st == CL_ENOTFOUND)
        st = cl_fail(CL_ENOTFOUND, _("the signature %s is missing: a bundle or receipt comes as two files, FILE "
                                     "and FILE.minisig, side by side"), sp);
    if (st == CL_OK)
        st = cl_minisign_sig_parse((const char *)sig, sig_len, &out->sig);
    if (st == CL_OK) {
        hash_sha256_hex(out->cipher, out->cipher_len, out->sha256);
        crypto_generichash_state h;
        crypto_generichash_init(&h, NULL, 0, sizeof out->sig_hash);
        crypto_generichash_update(&h, out->sig.key_id, sizeof out->sig.key_id);
        crypto_generichash_update(&h, out->sig.signature, sizeof out->sig.signature);
        crypto_generichash_update(&h, out->sig.global_signature, sizeof out->sig.global_signature);
        crypto_generichash_final(&h, out->sig_hash, sizeof out->sig_hash);
    }
    free(sig);
    free(sp);
    if (st != CL_OK)
        envelope_free(out);
    return st;
}

void envelope_free(envelope *e)
{
    free(e->cipher);
    e->cipher = NULL;
}

cl_status envelope_decrypt(cl_vault *v, const envelope *e, size_t max, cl_age_buf *out)
{
    memset(out, 0, sizeof *out);
    out->max = max;
    cl_secret *x;
    cl_status st = party_secret(v, "x25519_secret", 32, &x);
    if (st != CL_OK)
        return st;
    cl_age_mem_reader in = {e->cipher, e->cipher_len, 0};
    const cl_secret *ids[1] = {x};
    st = cl_age_decrypt(ids, 1, cl_age_mem_read, &in, cl_age_buf_write, out, NULL);
    cl_secret_free(x);
    if (st != CL_OK)
        cl_age_buf_wipe(out);
    return st;
}

char *comment_value(const char *comment, const char *key)
{
    size_t kn = strlen(key);
    for (const char *p = comment; p && *p;) {
        if (strncmp(p, key, kn) == 0 && p[kn] == '=') {
            const char *v = p + kn + 1;
            /* file= is last and may hold spaces. */
            size_t n = strcmp(key, "file") == 0 ? strlen(v) : strcspn(v, " ");
            char *out = malloc(n + 1);
            if (out) {
                memcpy(out, v, n);
                out[n] = '\0';
            }
            return out;
        }
        p = strchr(p, ' ');
        if (p)
            p++;
    }
    return NULL;
}

/* --- ustar, just enough for plain files in one folder. */
#define BLOCK 512

static void octal(char *field, size_t width, unsigned long long value)
{
    snprintf(field, width, "%0*llo", (int)(width - 1), value);
}

static bool simple_name(const char *name, size_t n)
{
    if (n == 0 || n > 99 || name[0] == '.')
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
              c == '_'))
            return false;
    }
    return true;
}

cl_status tar_add(cl_age_buf *tar, const char *name, const unsigned char *data, size_t len)
{
    if (!simple_name(name, strlen(name)))
        return cl_fail(CL_ESOFTWARE, _("archive names are plain file names"));
    unsigned char h[BLOCK];
    memset(h, 0, sizeof h);
    memcpy(h, name, strlen(name));
    octal((char *)h + 100, 8, 0600);
    octal((char *)h + 108, 8, 0);
    octal((char *)h + 116, 8, 0);
    octal((char *)h + 124, 12, len);
    octal((char *)h + 136, 12, 0);
    h[156] = '0';
    memcpy(h + 257, "ustar", 6);
    memcpy(h + 263, "00", 2);
    memset(h + 148, ' ', 8);
    unsigned sum = 0;
    for (size_t i = 0; i < BLOCK; i++)
        sum += h[i];
    snprintf((char *)h + 148, 8, "%06o", sum);
    h[155] = ' ';
    cl_status st = cl_age_buf_write(tar, h, BLOCK);
    if (st == CL_OK && len)
        st = cl_age_buf_write(tar, data, len);
    static const unsigned char zeros[BLOCK] = {0};
    if (st == CL_OK && len % BLOCK)
        st = cl_age_buf_write(tar, zeros, BLOCK - len % BLOCK);
    return st;
}

cl_status tar_end(cl_age_buf *tar)
{
    static const unsigned char zeros[2 * BLOCK] = {0};
    return cl_age_buf_write(tar, zeros, sizeof zeros);
}

static bool parse_octal(const unsigned char *field, size_t width, unsigned long long *out)
{
    unsigned long long v = 0;
    size_t i = 0;
    for (; i < width && field[i] >= '0' && field[i] <= '7'; i++) {
        if (v > (1ULL << 40))
            return false;
        v = v * 8 + (unsigned)(field[i] - '0');
    }
    if (i == 0)
        return false;
    for (; i < width; i++)
        if (field[i] != '\0' && field[i] != ' ')
            return false;
    *out = v;
    return true;
}

cl_status tar_walk(const unsigned char *data, size_t len, tar_entry_fn fn, void *ctx)
{
    const char *bad = _("the bundle's archive is malformed");
    size_t pos = 0;
    for (int entries = 0;; entries++) {
        if (entries > 64 || len - pos < BLOCK)
            return cl_fail(CL_EDATA, "%s", bad);
        const unsigned char *h = data + pos;
        bool zero = true;
        for (size_t i = 0; i < BLOCK && zero; i++)
            zero = h[i] == 0;
        if (zero) {
            /* The end: two zero blocks and nothing after them. */
            if (len - pos != 2 * BLOCK)
                return cl_fail(CL_EDATA, "%s", bad);
            for (size_t i = BLOCK; i < 2 * BLOCK; i++)
                if (h[i] != 0)
                    return cl_fail(CL_EDATA, "%s", bad);
            return CL_OK;
        }
        unsigned long long sum = 0, want, size;
        for (size_t i = 0; i < BLOCK; i++)
            sum += (i >= 148 && i < 156) ? ' ' : h[i];
        size_t name_len = strnlen((const char *)h, 100);
        if (!parse_octal(h + 148, 8, &want) || want != sum || memcmp(h + 257, "ustar", 5) != 0 ||
            (h[156] != '0' && h[156] != '\0') || name_len == 100 || !simple_name((const char *)h, name_len) ||
            h[345] != '\0' || !parse_octal(h + 124, 12, &size) || size > len - pos - BLOCK)
            return cl_fail(CL_EDATA, "%s", bad);
        size_t padded = (size_t)((size + BLOCK - 1) / BLOCK * BLOCK);
        if (padded > len - pos - BLOCK)
            return cl_fail(CL_EDATA, "%s", bad);
        char name[100];
        memcpy(name, h, name_len);
        name[name_len] = '\0';
        cl_status st = fn(ctx, name, h + BLOCK, (size_t)size);
        if (st != CL_OK)
            return st;
        pos += BLOCK + padded;
    }
}
