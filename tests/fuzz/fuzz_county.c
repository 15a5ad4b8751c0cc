/* Fuzz target for what a county reads: a school's county totals file and
 * its vault.pub. Any bytes must be refused with a message or accepted as a
 * well-formed file; an accepted file always adds up. The input is tried as
 * a vault.pub, and as a county file signed here by a fixed key that the
 * county trusts as 第二中学 (AAAA-AAAA-AAAA-AAAA, vault 0011…eeff), so that
 * the checks after the signature are reached, not only the parser. */
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "carelog/county.h"
#include "carelog/minisign.h"

#define VAULT_ID "00112233445566778899aabbccddeeff"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
    static bool ready;
    if (!ready) {
        unsigned char seed[crypto_sign_SEEDBYTES] = {7};
        if (sodium_init() < 0 || cl_secret_init_process() != CL_OK)
            abort();
        crypto_sign_seed_keypair(pk, sk, seed);
        ready = true;
    }
    json_t *trust = NULL;
    if (cl_county_trust_parse((const char *)data, size, &trust) == CL_OK) {
        if (!json_is_string(json_object_get(trust, "ed25519")))
            abort();
        json_decref(trust);
    } else if (trust) {
        abort();
    }

    cl_secret *secret;
    if (cl_secret_copy(sk, sizeof sk, &secret) != CL_OK)
        abort();
    cl_minisign_key k;
    cl_minisign_key_of(pk, &k);
    char *sig = NULL;
    cl_status st = cl_minisign_sign(secret, k.id, data, size,
                                    "carelog-county v2 school=AAAA-AAAA-AAAA-AAAA vault=" VAULT_ID
                                    " at=2027-01-31T08:00:00Z file=c.json",
                                    "fuzz", &sig);
    cl_secret_free(secret);
    if (st != CL_OK)
        abort();
    char hex[65];
    sodium_bin2hex(hex, sizeof hex, pk, sizeof pk);
    json_t *trusted = json_pack("[{s:s, s:s, s:s, s:s}]", "school", "第二中学", "vault_id", VAULT_ID, "fingerprint",
                                "AAAA-AAAA-AAAA-AAAA", "ed25519", hex);
    json_t *doc = NULL;
    st = cl_county_verify(data, size, sig, strlen(sig), trusted, &doc);
    free(sig);
    if (st == CL_OK) {
        json_t *files = json_pack("[O]", doc);
        json_t *report = NULL;
        if (cl_county_merge(files, 5, &report) != CL_OK || json_array_size(json_object_get(report, "rows")) < 2)
            abort();
        json_decref(report);
        json_decref(files);
        json_decref(doc);
    } else if (doc) {
        abort();
    }
    json_decref(trusted);
    return 0;
}
