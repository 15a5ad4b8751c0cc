/* A decrypted receipt is outside input (an office made it): it must be
 * checked against its trusted comment, or refused, without crashing. The
 * input is the comment (first line) and the receipt's JSON (the rest). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/core/bundle_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nl = memchr(data, '\n', size);
    if (!nl)
        return 0;
    size_t clen = (size_t)(nl - data);
    char *comment = malloc(clen + 1);
    if (!comment)
        return 0;
    memcpy(comment, data, clen);
    comment[clen] = '\0';
    json_t *r = NULL;
    if (receipt_read(nl + 1, size - clen - 1, comment, "CCCC-CCCC-CCCC-CCCC", "BBBB-BBBB-BBBB-BBBB", &r) == CL_OK) {
        if (!json_is_string(json_object_get(r, "status")) || !json_is_string(json_object_get(r, "note")))
            abort();
        json_decref(r);
    }
    free(comment);
    return 0;
}
