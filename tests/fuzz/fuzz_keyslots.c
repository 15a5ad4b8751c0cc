/* The keyslots file is outside input (it sits on disk beside the vault and
 * comes back from backups): parsing any bytes must fail cleanly or give a
 * file that serialises back to exactly the same bytes. Every other input
 * gets a correct checksum first, so the fuzzer reaches the slot parser
 * behind it instead of stopping at the checksum. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "carelog/keyslot.h"
#include "fuzz_support.h"

int LLVMFuzzerTestOneInput(const uint8_t *raw, size_t size)
{
    uint8_t *data = fuzz_copy_with_checksum(raw, size);
    if (!data)
        return 0;
    cl_keyslots *ks;
    if (cl_keyslots_parse(data, size, &ks) != CL_OK) {
        free(data);
        return 0;
    }
    unsigned char *again;
    size_t len;
    if (cl_keyslots_serialize(ks, &again, &len) == CL_OK) {
        if (len != size || memcmp(again, data, size) != 0)
            abort();
        free(again);
    }
    (void)cl_keyslots_count(ks, CL_SLOT_PASSPHRASE);
    (void)cl_keyslots_rotating(ks);
    cl_keyslots_free(ks);
    free(data);
    return 0;
}
