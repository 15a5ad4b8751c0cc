/* A backup file is outside input: it comes back from a USB stick or a
 * share. restore must refuse any bytes that are not a whole backup of a
 * vault, leaving no folder behind, whatever its header's lengths say. An
 * input of odd length gets a correct checksum first, so the fuzzer reaches
 * the parts behind it (lengths, keyslots, the database copy) instead of
 * stopping at the checksum. */
#include <ftw.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "carelog/file.h"
#include "carelog/secret.h"
#include "carelog/vault.h"
#include "fuzz_support.h"

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *raw, size_t size)
{
    static int ready;
    if (!ready) {
        if (sodium_init() < 0 || cl_secret_init_process() != CL_OK)
            abort();
        setenv("CARELOG_TEST_FAST_KDF", "1", 1);
        ready = 1;
    }
    uint8_t *data = fuzz_copy_with_checksum(raw, size);
    if (!data)
        return 0;
    char dir[] = "/tmp/carelog-fuzz-XXXXXX";
    if (!mkdtemp(dir)) {
        free(data);
        return 0;
    }
    char file[64], target[64];
    snprintf(file, sizeof file, "%s/b.clb", dir);
    snprintf(target, sizeof target, "%s/v", dir);
    cl_secret *pass = NULL;
    if (cl_file_create_atomic(file, data, size) == CL_OK &&
        cl_secret_copy((const unsigned char *)"fuzz passphrase", 15, &pass) == CL_OK &&
        cl_vault_restore(file, target, pass, false) != CL_OK && access(target, F_OK) == 0)
        abort(); /* refused, yet something was left where the vault would go */
    cl_secret_free(pass);
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(data);
    return 0;
}
