/* minisign signatures and public keys arrive from outside (with every
 * bundle and receipt, and when an office is added): any bytes must parse
 * cleanly or fail, and a parsed signature must verify or fail without
 * crashing. Inputs starting with 'P' are read as a public key. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "carelog/minisign.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    if (size > 0 && data[0] == 'P') {
        cl_minisign_key k;
        (void)cl_minisign_key_parse(text + 1, &k);
    } else {
        cl_minisign_sig s;
        if (cl_minisign_sig_parse(text, size, &s) == CL_OK) {
            cl_minisign_key k;
            memset(&k, 0, sizeof k);
            memcpy(k.id, s.key_id, sizeof k.id);
            if (strlen(s.trusted_comment) > CL_MINISIGN_COMMENT_MAX)
                abort();
            (void)cl_minisign_verify(&k, &s, data, size);
        }
    }
    free(text);
    return 0;
}
