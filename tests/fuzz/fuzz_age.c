/* An age file is outside input (a receipt or bundle as it arrives): any
 * bytes must decrypt cleanly or fail with a kind, never crash, and a
 * success or a payload failure must release only what verified. The
 * identity is the one most C2SP vectors use, so seeds made from them reach
 * the payload. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "carelog/age.h"

static const char IDENTITY[] = "AGE-SECRET-KEY-1EGTZVFFV20835NWYV6270LXYVK2VKNX2MMDKWYKLMGR48UAWX40Q2P2LM0";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static cl_secret *id;
    if (!id && (sodium_init() < 0 || cl_age_identity_parse(IDENTITY, &id) != CL_OK))
        abort();
    cl_age_mem_reader in = {data, size, 0};
    cl_age_buf out = {.max = 1 << 20};
    cl_age_failure why = CL_AGE_IO;
    const cl_secret *ids[1] = {id};
    cl_status st = cl_age_decrypt(ids, 1, cl_age_mem_read, &in, cl_age_buf_write, &out, &why);
    if ((st == CL_OK) != (why == CL_AGE_SUCCESS))
        abort();
    /* Plaintext is never larger than the ciphertext it came from. */
    if (out.len > size)
        abort();
    cl_age_buf_wipe(&out);
    return 0;
}
