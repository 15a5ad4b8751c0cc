/* Fuzz target for the sealed observation file, the outside input a vault
 * takes from teachers, and for vault.pub, the one a teacher takes from the
 * school. The box and the signature would stop a fuzzer at the first
 * byte, so inputs are also given a way past them, as the keyslots target
 * fixes its checksum:
 *   - as they are, to cl_observation_open (any bytes must fail cleanly);
 *   - odd-sized inputs starting "CLOBSIN1" are signed with a fixed teacher
 *     key and parsed as an inner part: the payload parser then sees them;
 *   - even-sized inputs are sealed to a fixed vault key behind the outer
 *     header and opened, the whole path.
 * Whatever opens must name the fixed vault and teacher and a counter > 0. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "carelog/observation.h"
#include "carelog/teacher.h"

#define INNER_HEADER (8 + 32 + 64)

static unsigned char vault_id[CL_VAULT_ID_BYTES], x_pk[32], ed_pk[32], ed_sk[64];
static cl_secret *x_sk;

static void keys(void)
{
    if (x_sk)
        return;
    if (sodium_init() < 0 || cl_secret_new(32, &x_sk) != CL_OK)
        abort();
    unsigned char seed[32];
    memset(seed, 0x42, sizeof seed);
    crypto_box_seed_keypair(x_pk, x_sk->bytes, seed);
    memset(seed, 0x24, sizeof seed);
    crypto_sign_seed_keypair(ed_pk, ed_sk, seed);
    memset(vault_id, 0x11, sizeof vault_id);
}

static void check(cl_observation *o)
{
    if (!o)
        return;
    if (memcmp(o->vault_id, vault_id, sizeof vault_id) != 0 || o->counter <= 0 || !json_is_object(o->fields) ||
        !o->student_number || !o->student_name || !o->student_class || (!*o->student_number && !*o->student_name))
        abort();
    cl_observation_free(o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    keys();
    cl_observation *o = NULL;
    const char *reason = NULL;
    if (cl_observation_open(data, size, vault_id, x_pk, x_sk, &o, &reason) == CL_OK)
        check(o);
    else if (!reason)
        abort();

    cl_vault_pub pub;
    (void)cl_vault_pub_parse((const char *)data, size, &pub);

    if (size < INNER_HEADER || size > CL_OBSERVATION_MAX_FILE)
        return 0;
    unsigned char *inner = malloc(size);
    if (!inner)
        return 0;
    memcpy(inner, data, size);
    if ((size & 1) && memcmp(inner, "CLOBSIN1", 8) == 0) {
        size_t mlen = sizeof "carelog-observation-v1" + size - INNER_HEADER;
        unsigned char *m = malloc(mlen);
        if (m) {
            memcpy(m, "carelog-observation-v1", sizeof "carelog-observation-v1");
            memcpy(m + sizeof "carelog-observation-v1", inner + INNER_HEADER, size - INNER_HEADER);
            memcpy(inner + 8, ed_pk, 32);
            crypto_sign_detached(inner + 40, NULL, m, mlen, ed_sk);
            free(m);
            o = NULL;
            if (cl_observation_parse_inner(inner, size, vault_id, &o, &reason) == CL_OK)
                check(o);
        }
    }
    if (!(size & 1)) {
        unsigned char *file;
        size_t len;
        o = NULL;
        if (cl_observation_reseal(inner, size, vault_id, x_pk, &file, &len) == CL_OK) {
            if (cl_observation_open(file, len, vault_id, x_pk, x_sk, &o, &reason) == CL_OK)
                check(o);
            free(file);
        }
    }
    free(inner);
    return 0;
}
