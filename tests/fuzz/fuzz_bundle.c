/* A decrypted bundle is outside input (a school made it): its archive and
 * manifest must be checked, or refused, without crashing, whatever the
 * bytes. The input is the trusted comment (first line) and the archive
 * (the rest); the school's and this office's fingerprints are fixed. The
 * comment's first word chooses the kind: "carelog-transfer" reads it as a
 * student transfer, anything else as a referral bundle. */
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
    bundle_archive a;
    const bundle_kind *kind = strncmp(comment, "carelog-transfer", 16) == 0 ? &bundle_transfer : &bundle_referral;
    cl_status st = bundle_read_archive(kind, nl + 1, size - clen - 1, comment, "AAAA-AAAA-AAAA-AAAA", "BBBB-BBBB-BBBB-BBBB",
                                       &a);
    /* A bundle that passes has its manifest and every file inside the input. */
    if (st == CL_OK) {
        if (!a.manifest || a.manifest_at >= a.n)
            abort();
        for (size_t i = 0; i < a.n; i++)
            if (a.data[i] < nl + 1 || a.data[i] + a.len[i] > data + size)
                abort();
    }
    json_decref(a.manifest);
    free(comment);
    return 0;
}
