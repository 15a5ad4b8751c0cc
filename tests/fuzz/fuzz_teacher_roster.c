/* Fuzz target for the teachers' roster file, the outside input a teacher's
 * carelog takes from the school. The vault's signature and the encryption
 * would stop a fuzzer at the first byte, so inputs are also given a way
 * past them, as the observation target does:
 *   - as they are, to cl_teacher_roster_verify and _open (any bytes must
 *     fail cleanly: nothing is signed by the fixed vault key);
 *   - inputs starting "CLROST01" are signed with the fixed vault key, so
 *     the header and the recipients behind the signature are parsed;
 *   - other inputs are taken as the body: encrypted to the fixed teacher
 *     behind a valid header and signed, so the body parser (JSON, the
 *     form, the students) sees them.
 * Whatever opens must hold readable students and the observation form. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "carelog/teacher_roster.h"
#include "../../src/core/teacher_roster_internal.h"

static cl_vault_pub vault;
static unsigned char vault_sk[64], teacher_x[32];
static cl_secret *seed;

static void keys(void)
{
    if (seed)
        return;
    if (sodium_init() < 0 || cl_secret_new(32, &seed) != CL_OK)
        abort();
    unsigned char s[32], ed_pk[32], ed_sk[64];
    memset(s, 0x33, sizeof s);
    crypto_sign_seed_keypair(vault.ed25519, vault_sk, s);
    memset(vault.vault_id, 0x11, sizeof vault.vault_id);
    memset(seed->bytes, 0x24, 32);
    crypto_sign_seed_keypair(ed_pk, ed_sk, seed->bytes);
    if (crypto_sign_ed25519_pk_to_curve25519(teacher_x, ed_pk) != 0)
        abort();
}

static void sign(unsigned char *file, size_t len)
{
    size_t mlen;
    unsigned char *m = roster_signed_message(file, len - ROSTER_SIG, &mlen);
    if (!m)
        abort();
    crypto_sign_detached(file + len - ROSTER_SIG, NULL, m, mlen, vault_sk);
    free(m);
}

static void try_open(const unsigned char *file, size_t len)
{
    cl_teacher_roster *r = NULL;
    if (cl_teacher_roster_open(file, len, "fuzz.roster", &vault, 0, seed, &r) != CL_OK) {
        if (r)
            abort();
        return;
    }
    if (!cl_teacher_roster_form(r) || cl_teacher_roster_counter(r) <= 0)
        abort();
    for (size_t i = 0; i < cl_teacher_roster_count(r); i++) {
        const cl_roster_student *s = cl_teacher_roster_at(r, i);
        if (!s->number[0] || !s->name[0] || !s->klass || cl_teacher_roster_find(r, s->number) == NULL)
            abort();
    }
    size_t hits[4];
    (void)cl_teacher_roster_search(r, "zx 1", hits, 4);
    cl_teacher_roster_free(r);
}

/* A valid file around body: header for one recipient (the fixed teacher),
 * counter 1, the body encrypted and the whole signed. */
static void as_body(const uint8_t *data, size_t size)
{
    size_t head = ROSTER_FIXED_HEAD + ROSTER_STANZA, len = head + ROSTER_NONCE + size + ROSTER_TAG + ROSTER_SIG;
    unsigned char *file = calloc(1, len), key[32];
    if (!file)
        return;
    memcpy(file, ROSTER_MAGIC, ROSTER_MAGIC_LEN);
    memcpy(file + ROSTER_MAGIC_LEN, vault.vault_id, CL_VAULT_ID_BYTES);
    file[ROSTER_MAGIC_LEN + CL_VAULT_ID_BYTES + 7] = 1;
    file[ROSTER_MAGIC_LEN + CL_VAULT_ID_BYTES + 11] = 1;
    memset(key, 0x5a, sizeof key);
    crypto_box_seal(file + ROSTER_FIXED_HEAD, key, sizeof key, teacher_x);
    memset(file + head, 0x07, ROSTER_NONCE);
    crypto_aead_xchacha20poly1305_ietf_encrypt(file + head + ROSTER_NONCE, NULL, data, size, file, head, NULL,
                                               file + head, key);
    sign(file, len);
    try_open(file, len);
    free(file);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    keys();
    try_open(data, size);
    if (size > CL_TEACHER_ROSTER_MAX_FILE / 2)
        return 0;
    if (size >= ROSTER_MAGIC_LEN + ROSTER_SIG && memcmp(data, ROSTER_MAGIC, ROSTER_MAGIC_LEN) == 0) {
        unsigned char *file = malloc(size);
        if (!file)
            return 0;
        memcpy(file, data, size);
        sign(file, size);
        try_open(file, size);
        free(file);
    } else {
        as_body(data, size);
    }
    return 0;
}
