/* What fuzz targets of checksummed files share. */
#ifndef CARELOG_FUZZ_SUPPORT_H
#define CARELOG_FUZZ_SUPPORT_H

#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* A malloc'd copy of the input (NULL when out of memory); an input of odd
 * length gets a correct trailing BLAKE2b-256 over the rest, so the fuzzer
 * reaches the parser behind the checksum instead of stopping at it. */
static inline uint8_t *fuzz_copy_with_checksum(const uint8_t *raw, size_t size)
{
    uint8_t *data = malloc(size ? size : 1);
    if (!data)
        return NULL;
    memcpy(data, raw, size);
    if (size >= 32 && (size & 1))
        crypto_generichash(data + size - 32, 32, data, size - 32, NULL, 0);
    return data;
}

#endif
