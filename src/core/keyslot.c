#include "carelog/keyslot.h"
#include "carelog/i18n.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "carelog/file.h"

/* File layout (all integers little-endian):
 *   header:  magic[8] "CLKSLOT1" | vault_id[16] | generation u32 | nslots u8
 *   slot:    kind u8 | slot_id[16] | opslimit u64 | memlimit u64 | salt[16]
 *            | public[32] | nonce[24] | wrapped secret[48]
 *            | nsealed u8 | sealed[nsealed][SEALED_BYTES]
 *   trailer: BLAKE2b-256 of everything before it
 * The wrapped secret's associated data is magic|vault_id|kind|slot_id|
 * opslimit|memlimit|salt|public: changing any of them, or moving the slot
 * to another vault, makes it open nothing. */

#define MAGIC "CLKSLOT1"
#define MAGIC_LEN 8
#define HEADER_LEN (MAGIC_LEN + CL_VAULT_ID_BYTES + 4 + 1)
#define SALT_BYTES 16
#define NONCE_BYTES crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define WRAPPED_BYTES (crypto_box_SECRETKEYBYTES + crypto_aead_xchacha20poly1305_ietf_ABYTES)
#define SEALED_PLAIN (CL_DB_KEY_BYTES + CL_VAULT_ID_BYTES + 4)
#define SEALED_BYTES (SEALED_PLAIN + crypto_box_SEALBYTES)
#define SLOT_FIXED (1 + CL_SLOT_ID_BYTES + 8 + 8 + SALT_BYTES + crypto_box_PUBLICKEYBYTES + NONCE_BYTES + WRAPPED_BYTES + 1)
#define AD_LEN (MAGIC_LEN + CL_VAULT_ID_BYTES + 1 + CL_SLOT_ID_BYTES + 8 + 8 + SALT_BYTES + crypto_box_PUBLICKEYBYTES)
#define CHECKSUM_BYTES 32
#define MAX_SLOTS 64

typedef struct slot {
    uint8_t kind;
    unsigned char id[CL_SLOT_ID_BYTES];
    cl_kdf kdf;
    unsigned char salt[SALT_BYTES];
    unsigned char public_key[crypto_box_PUBLICKEYBYTES];
    unsigned char nonce[NONCE_BYTES];
    unsigned char wrapped[WRAPPED_BYTES];
    uint8_t nsealed; /* 1, or 2 during a rotation: [0] current, [1] next */
    unsigned char sealed[2][SEALED_BYTES];
} slot;

struct cl_keyslots {
    unsigned char vault_id[CL_VAULT_ID_BYTES];
    uint32_t generation;
    size_t nslots;
    slot slots[MAX_SLOTS];
};

static void put_u32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static void put_u64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get_u32(const unsigned char *p)
{
    uint32_t v = 0;
    for (int i = 3; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static uint64_t get_u64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

cl_status cl_kdf_calibrate(cl_kdf *out)
{
#ifdef CARELOG_TEST_HOOKS
    const char *fast = getenv("CARELOG_TEST_FAST_KDF");
    if (fast && strcmp(fast, "1") == 0) {
        out->opslimit = crypto_pwhash_OPSLIMIT_MIN;
        out->memlimit = crypto_pwhash_MEMLIMIT_MIN;
        return CL_OK;
    }
#endif
    /* 64 MiB keeps GPU guessing expensive while fitting a school laptop;
     * passes are then added until one unlock takes about 0.7 s. */
    const uint64_t mem = 64ull << 20;
    const double target = 0.7;
    unsigned char key[32], salt[crypto_pwhash_SALTBYTES] = {0};
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (crypto_pwhash(key, sizeof key, "calibrate", 9, salt, 2, mem, crypto_pwhash_ALG_ARGON2ID13) != 0)
        return cl_fail(CL_ESOFTWARE, _("Argon2id needs more memory than this machine allows"));
    double per_pass = seconds_since(&t0) / 2.0;
    uint64_t ops = per_pass > 0 ? (uint64_t)(target / per_pass + 0.5) : 3;
    if (ops < 3)
        ops = 3;
    if (ops > 64)
        ops = 64;
    out->opslimit = ops;
    out->memlimit = mem;
    sodium_memzero(key, sizeof key);
    return CL_OK;
}

cl_status cl_keyslots_new(const unsigned char vault_id[CL_VAULT_ID_BYTES], cl_keyslots **out)
{
    cl_keyslots *ks = calloc(1, sizeof *ks);
    if (!ks)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    memcpy(ks->vault_id, vault_id, CL_VAULT_ID_BYTES);
    ks->generation = 1;
    *out = ks;
    return CL_OK;
}

void cl_keyslots_free(cl_keyslots *ks)
{
    if (ks)
        sodium_memzero(ks, sizeof *ks);
    free(ks);
}

const unsigned char *cl_keyslots_vault_id(const cl_keyslots *ks)
{
    return ks->vault_id;
}

size_t cl_keyslots_count(const cl_keyslots *ks, cl_slot_kind kind)
{
    size_t n = 0;
    for (size_t i = 0; i < ks->nslots; i++)
        n += ks->slots[i].kind == kind;
    return n;
}

static slot *find_slot(const cl_keyslots *ks, const unsigned char id[CL_SLOT_ID_BYTES])
{
    for (size_t i = 0; i < ks->nslots; i++)
        if (sodium_memcmp(ks->slots[i].id, id, CL_SLOT_ID_BYTES) == 0)
            return (slot *)&ks->slots[i];
    return NULL;
}

bool cl_keyslots_has(const cl_keyslots *ks, const unsigned char slot_id[CL_SLOT_ID_BYTES])
{
    return find_slot(ks, slot_id) != NULL;
}

uint32_t cl_keyslots_epoch(const cl_keyslots *ks)
{
    return ks->generation;
}

bool cl_keyslots_rotating(const cl_keyslots *ks)
{
    return ks->nslots > 0 && ks->slots[0].nsealed == 2;
}

static void slot_ad(const cl_keyslots *ks, const slot *s, unsigned char ad[AD_LEN])
{
    unsigned char *p = ad;
    memcpy(p, MAGIC, MAGIC_LEN), p += MAGIC_LEN;
    memcpy(p, ks->vault_id, CL_VAULT_ID_BYTES), p += CL_VAULT_ID_BYTES;
    *p++ = s->kind;
    memcpy(p, s->id, CL_SLOT_ID_BYTES), p += CL_SLOT_ID_BYTES;
    put_u64(p, s->kdf.opslimit), p += 8;
    put_u64(p, s->kdf.memlimit), p += 8;
    memcpy(p, s->salt, SALT_BYTES), p += SALT_BYTES;
    memcpy(p, s->public_key, crypto_box_PUBLICKEYBYTES);
}

static cl_status derive(const slot *s, const cl_secret *pass, unsigned char key[32])
{
    if (crypto_pwhash(key, 32, (const char *)pass->bytes, pass->len, s->salt, s->kdf.opslimit,
                      (size_t)s->kdf.memlimit, crypto_pwhash_ALG_ARGON2ID13) != 0)
        return cl_fail(CL_ESOFTWARE, _("Argon2id failed (not enough memory for this slot's cost)"));
    return CL_OK;
}

static cl_status seal_key(const cl_keyslots *ks, const slot *s, const cl_secret *db_key,
                          uint32_t generation, unsigned char out[SEALED_BYTES])
{
    unsigned char plain[SEALED_PLAIN];
    memcpy(plain, db_key->bytes, CL_DB_KEY_BYTES);
    memcpy(plain + CL_DB_KEY_BYTES, ks->vault_id, CL_VAULT_ID_BYTES);
    put_u32(plain + CL_DB_KEY_BYTES + CL_VAULT_ID_BYTES, generation);
    int rc = crypto_box_seal(out, plain, sizeof plain, s->public_key);
    sodium_memzero(plain, sizeof plain);
    return rc == 0 ? CL_OK : cl_fail(CL_ESOFTWARE, _("sealing the database key failed"));
}

/* A fresh key pair for s, its secret wrapped under pass, holding the
 * current key (and the next one during a rotation). */
static cl_status fill_slot(const cl_keyslots *ks, slot *s, const cl_secret *pass, const cl_kdf *kdf,
                           const cl_secret *db_key, const cl_secret *next_key)
{
    cl_secret *sk;
    cl_status st = cl_secret_new(crypto_box_SECRETKEYBYTES, &sk);
    if (st != CL_OK)
        return st;
    s->kdf = *kdf;
    randombytes_buf(s->salt, SALT_BYTES);
    randombytes_buf(s->nonce, NONCE_BYTES);
    crypto_box_keypair(s->public_key, sk->bytes);
    unsigned char wrap_key[32], ad[AD_LEN];
    st = derive(s, pass, wrap_key);
    if (st == CL_OK) {
        slot_ad(ks, s, ad);
        crypto_aead_xchacha20poly1305_ietf_encrypt(s->wrapped, NULL, sk->bytes, crypto_box_SECRETKEYBYTES,
                                                   ad, AD_LEN, NULL, s->nonce, wrap_key);
        s->nsealed = next_key ? 2 : 1;
        st = seal_key(ks, s, db_key, ks->generation, s->sealed[0]);
        if (st == CL_OK && next_key)
            st = seal_key(ks, s, next_key, ks->generation + 1, s->sealed[1]);
    }
    sodium_memzero(wrap_key, sizeof wrap_key);
    cl_secret_free(sk);
    return st;
}

cl_status cl_keyslots_add(cl_keyslots *ks, cl_slot_kind kind, const cl_secret *pass,
                          const cl_kdf *kdf, const cl_secret *db_key,
                          unsigned char slot_id_out[CL_SLOT_ID_BYTES])
{
    if (ks->nslots >= MAX_SLOTS)
        return cl_fail(CL_EUSAGE, _("the vault already has %d key slots; remove one first"), MAX_SLOTS);
    if (cl_keyslots_rotating(ks))
        return cl_fail(CL_ECONFLICT, _("a key rotation is unfinished; unlock the vault once to finish it"));
    slot *s = &ks->slots[ks->nslots];
    memset(s, 0, sizeof *s);
    s->kind = (uint8_t)kind;
    randombytes_buf(s->id, CL_SLOT_ID_BYTES);
    cl_status st = fill_slot(ks, s, pass, kdf, db_key, NULL);
    if (st != CL_OK)
        return st;
    if (slot_id_out)
        memcpy(slot_id_out, s->id, CL_SLOT_ID_BYTES);
    ks->nslots++;
    return CL_OK;
}

cl_status cl_keyslots_reset(cl_keyslots *ks, const unsigned char slot_id[CL_SLOT_ID_BYTES],
                            const cl_secret *pass, const cl_kdf *kdf, const cl_secret *db_key)
{
    slot *s = find_slot(ks, slot_id);
    if (!s)
        return cl_fail(CL_ENOTFOUND, _("that key slot is not in the keyslots file"));
    if (cl_keyslots_rotating(ks))
        return cl_fail(CL_ECONFLICT, _("a key rotation is unfinished; unlock the vault once to finish it"));
    slot fresh = *s;
    cl_status st = fill_slot(ks, &fresh, pass, kdf, db_key, NULL);
    if (st == CL_OK)
        *s = fresh;
    sodium_memzero(&fresh, sizeof fresh);
    return st;
}

cl_status cl_keyslots_first(const cl_keyslots *ks, cl_slot_kind kind, unsigned char slot_id_out[CL_SLOT_ID_BYTES])
{
    for (size_t i = 0; i < ks->nslots; i++) {
        if (ks->slots[i].kind == kind) {
            memcpy(slot_id_out, ks->slots[i].id, CL_SLOT_ID_BYTES);
            return CL_OK;
        }
    }
    return cl_fail(CL_ENOTFOUND, _("the keyslots file has no slot of that kind"));
}

cl_status cl_keyslots_remove(cl_keyslots *ks, const unsigned char slot_id[CL_SLOT_ID_BYTES])
{
    slot *s = find_slot(ks, slot_id);
    if (!s)
        return cl_fail(CL_ENOTFOUND, _("that key slot is not in the keyslots file"));
    size_t i = (size_t)(s - ks->slots);
    memmove(&ks->slots[i], &ks->slots[i + 1], (ks->nslots - i - 1) * sizeof(slot));
    ks->nslots--;
    sodium_memzero(&ks->slots[ks->nslots], sizeof(slot));
    return CL_OK;
}

static cl_status open_sealed(const cl_keyslots *ks, const slot *s, const cl_secret *sk, int which,
                             uint32_t generation, cl_secret **out)
{
    cl_secret *plain;
    cl_status st = cl_secret_new(SEALED_PLAIN, &plain);
    if (st != CL_OK)
        return st;
    if (crypto_box_seal_open(plain->bytes, s->sealed[which], SEALED_BYTES, s->public_key, sk->bytes) != 0 ||
        sodium_memcmp(plain->bytes + CL_DB_KEY_BYTES, ks->vault_id, CL_VAULT_ID_BYTES) != 0 ||
        get_u32(plain->bytes + CL_DB_KEY_BYTES + CL_VAULT_ID_BYTES) != generation) {
        cl_secret_free(plain);
        return cl_fail(CL_EDATA, _("the keyslots file is damaged: a slot's sealed key does not open; "
                                 "restore the vault from a backup or use the recovery key"));
    }
    st = cl_secret_copy(plain->bytes, CL_DB_KEY_BYTES, out);
    cl_secret_free(plain);
    return st;
}

cl_status cl_keyslots_unlock(const cl_keyslots *ks, cl_slot_kind kind, const cl_secret *pass,
                             unsigned char slot_id_out[CL_SLOT_ID_BYTES],
                             cl_secret **db_key, cl_secret **next_key)
{
    return cl_keyslots_unlock_hinted(ks, kind, pass, NULL, slot_id_out, db_key, next_key);
}

cl_status cl_keyslots_unlock_hinted(const cl_keyslots *ks, cl_slot_kind kind, const cl_secret *pass,
                                    const unsigned char *hint, unsigned char slot_id_out[CL_SLOT_ID_BYTES],
                                    cl_secret **db_key, cl_secret **next_key)
{
    cl_secret *sk;
    cl_status st = cl_secret_new(crypto_box_SECRETKEYBYTES, &sk);
    if (st != CL_OK)
        return st;
    *db_key = NULL;
    if (next_key)
        *next_key = NULL;
    /* The hinted slot first, then the others in order: each try costs a
     * whole Argon2id run, so with several counsellors the hint saves the
     * usual case from paying for every slot before its own. */
    const slot *hinted = hint ? find_slot(ks, hint) : NULL;
    for (size_t k = 0; k <= ks->nslots; k++) {
        const slot *s = k == 0 ? hinted : &ks->slots[k - 1];
        if (!s || (k > 0 && s == hinted) || s->kind != kind)
            continue;
        unsigned char wrap_key[32], ad[AD_LEN];
        st = derive(s, pass, wrap_key);
        if (st != CL_OK)
            break;
        slot_ad(ks, s, ad);
        int rc = crypto_aead_xchacha20poly1305_ietf_decrypt(sk->bytes, NULL, NULL, s->wrapped, WRAPPED_BYTES,
                                                            ad, AD_LEN, s->nonce, wrap_key);
        sodium_memzero(wrap_key, sizeof wrap_key);
        if (rc != 0)
            continue;
        st = open_sealed(ks, s, sk, 0, ks->generation, db_key);
        if (st == CL_OK && s->nsealed == 2 && next_key)
            st = open_sealed(ks, s, sk, 1, ks->generation + 1, next_key);
        if (st == CL_OK && slot_id_out)
            memcpy(slot_id_out, s->id, CL_SLOT_ID_BYTES);
        cl_secret_free(sk);
        if (st != CL_OK) {
            cl_secret_free(*db_key);
            *db_key = NULL;
        }
        return st;
    }
    cl_secret_free(sk);
    if (st != CL_OK)
        return st;
    return cl_fail(CL_EPERM, kind == CL_SLOT_RECOVERY
                                 ? "wrong recovery key; nothing was changed (type the groups as printed; case and dashes do not matter)"
                                 : "wrong passphrase; nothing was changed (forgotten? unlock with --recovery and the recovery key)");
}

cl_status cl_keyslots_seal_next(cl_keyslots *ks, const cl_secret *next_key)
{
    for (size_t i = 0; i < ks->nslots; i++) {
        slot *s = &ks->slots[i];
        cl_status st = seal_key(ks, s, next_key, ks->generation + 1, s->sealed[1]);
        if (st != CL_OK)
            return st;
        s->nsealed = 2;
    }
    return CL_OK;
}

cl_status cl_keyslots_promote_next(cl_keyslots *ks)
{
    if (!cl_keyslots_rotating(ks))
        return cl_fail(CL_ESOFTWARE, _("no key rotation is under way"));
    for (size_t i = 0; i < ks->nslots; i++) {
        slot *s = &ks->slots[i];
        memcpy(s->sealed[0], s->sealed[1], SEALED_BYTES);
        sodium_memzero(s->sealed[1], SEALED_BYTES);
        s->nsealed = 1;
    }
    ks->generation++;
    return CL_OK;
}

cl_status cl_keyslots_serialize(const cl_keyslots *ks, unsigned char **out, size_t *len)
{
    size_t n = HEADER_LEN + CHECKSUM_BYTES;
    for (size_t i = 0; i < ks->nslots; i++)
        n += SLOT_FIXED + ks->slots[i].nsealed * SEALED_BYTES;
    unsigned char *buf = malloc(n), *p = buf;
    if (!buf)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    memcpy(p, MAGIC, MAGIC_LEN), p += MAGIC_LEN;
    memcpy(p, ks->vault_id, CL_VAULT_ID_BYTES), p += CL_VAULT_ID_BYTES;
    put_u32(p, ks->generation), p += 4;
    *p++ = (unsigned char)ks->nslots;
    for (size_t i = 0; i < ks->nslots; i++) {
        const slot *s = &ks->slots[i];
        *p++ = s->kind;
        memcpy(p, s->id, CL_SLOT_ID_BYTES), p += CL_SLOT_ID_BYTES;
        put_u64(p, s->kdf.opslimit), p += 8;
        put_u64(p, s->kdf.memlimit), p += 8;
        memcpy(p, s->salt, SALT_BYTES), p += SALT_BYTES;
        memcpy(p, s->public_key, crypto_box_PUBLICKEYBYTES), p += crypto_box_PUBLICKEYBYTES;
        memcpy(p, s->nonce, NONCE_BYTES), p += NONCE_BYTES;
        memcpy(p, s->wrapped, WRAPPED_BYTES), p += WRAPPED_BYTES;
        *p++ = s->nsealed;
        for (int k = 0; k < s->nsealed; k++)
            memcpy(p, s->sealed[k], SEALED_BYTES), p += SEALED_BYTES;
    }
    crypto_generichash(p, CHECKSUM_BYTES, buf, (size_t)(p - buf), NULL, 0);
    *out = buf;
    *len = n;
    return CL_OK;
}

#define DAMAGED "the keyslots file is damaged (%s); restore it from a backup — every backup holds a copy"

cl_status cl_keyslots_parse(const unsigned char *data, size_t len, cl_keyslots **out)
{
    if (len < MAGIC_LEN || memcmp(data, MAGIC, MAGIC_LEN) != 0)
        return cl_fail(CL_EDATA, _("this is not a carelog keyslots file"));
    if (len < HEADER_LEN + CHECKSUM_BYTES)
        return cl_fail(CL_EDATA, DAMAGED, "it is truncated");
    unsigned char sum[CHECKSUM_BYTES];
    crypto_generichash(sum, sizeof sum, data, len - CHECKSUM_BYTES, NULL, 0);
    if (sodium_memcmp(sum, data + len - CHECKSUM_BYTES, CHECKSUM_BYTES) != 0)
        return cl_fail(CL_EDATA, DAMAGED, "its checksum does not match: truncated or altered");
    cl_keyslots *ks = calloc(1, sizeof *ks);
    if (!ks)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    const unsigned char *p = data + MAGIC_LEN, *end = data + len - CHECKSUM_BYTES;
    memcpy(ks->vault_id, p, CL_VAULT_ID_BYTES), p += CL_VAULT_ID_BYTES;
    ks->generation = get_u32(p), p += 4;
    ks->nslots = *p++;
    cl_status st = ks->nslots == 0 || ks->nslots > MAX_SLOTS ? cl_fail(CL_EDATA, DAMAGED, "bad slot count") : CL_OK;
    for (size_t i = 0; st == CL_OK && i < ks->nslots; i++) {
        slot *s = &ks->slots[i];
        if ((size_t)(end - p) < SLOT_FIXED) {
            st = cl_fail(CL_EDATA, DAMAGED, "a slot is cut short");
            break;
        }
        s->kind = *p++;
        memcpy(s->id, p, CL_SLOT_ID_BYTES), p += CL_SLOT_ID_BYTES;
        s->kdf.opslimit = get_u64(p), p += 8;
        s->kdf.memlimit = get_u64(p), p += 8;
        memcpy(s->salt, p, SALT_BYTES), p += SALT_BYTES;
        memcpy(s->public_key, p, crypto_box_PUBLICKEYBYTES), p += crypto_box_PUBLICKEYBYTES;
        memcpy(s->nonce, p, NONCE_BYTES), p += NONCE_BYTES;
        memcpy(s->wrapped, p, WRAPPED_BYTES), p += WRAPPED_BYTES;
        s->nsealed = *p++;
        bool kind_ok = s->kind == CL_SLOT_PASSPHRASE || s->kind == CL_SLOT_RECOVERY;
        bool kdf_ok = s->kdf.opslimit >= crypto_pwhash_OPSLIMIT_MIN && s->kdf.opslimit <= 1024 &&
                      s->kdf.memlimit >= crypto_pwhash_MEMLIMIT_MIN && s->kdf.memlimit <= (4ull << 30);
        if (!kind_ok || !kdf_ok || s->nsealed < 1 || s->nsealed > 2 ||
            (size_t)(end - p) < (size_t)s->nsealed * SEALED_BYTES ||
            (i > 0 && s->nsealed != ks->slots[0].nsealed)) {
            st = cl_fail(CL_EDATA, DAMAGED, "a slot has impossible values");
            break;
        }
        for (int k = 0; k < s->nsealed; k++)
            memcpy(s->sealed[k], p, SEALED_BYTES), p += SEALED_BYTES;
    }
    if (st == CL_OK && p != end)
        st = cl_fail(CL_EDATA, DAMAGED, "unexpected bytes after the last slot");
    if (st != CL_OK) {
        cl_keyslots_free(ks);
        return st;
    }
    *out = ks;
    return CL_OK;
}

cl_status cl_keyslots_load(const char *path, cl_keyslots **out)
{
    unsigned char *data;
    size_t len;
    cl_status st = cl_file_read(path, 1 << 20, &data, &len);
    if (st != CL_OK)
        return st == CL_ENOTFOUND ? cl_fail(CL_ENOTFOUND, _("%s is missing: this folder holds no carelog vault, "
                                                          "or its keyslots file was lost (restore it from a backup)"), path)
                                  : st;
    st = cl_keyslots_parse(data, len, out);
    free(data);
    return st;
}

cl_status cl_keyslots_save(const cl_keyslots *ks, const char *path)
{
    unsigned char *data;
    size_t len;
    cl_status st = cl_keyslots_serialize(ks, &data, &len);
    if (st != CL_OK)
        return st;
    st = cl_file_write_atomic(path, data, len);
    free(data);
    return st;
}
