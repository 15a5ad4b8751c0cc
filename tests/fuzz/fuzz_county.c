/* Fuzz target for what a county reads: a school's county totals file and
 * its vault.pub. Any bytes must be refused with a message or accepted as a
 * well-formed file; an accepted file always adds up. The input is tried as
 * a vault.pub, and as a county file trusted by its own key (so that the
 * signature check is reached, not only the parser). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "carelog/county.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *trust = NULL;
    if (cl_county_trust_parse((const char *)data, size, &trust) == CL_OK) {
        if (!json_is_string(json_object_get(trust, "ed25519")))
            abort();
        json_decref(trust);
    } else if (trust) {
        abort();
    }

    /* Trust whatever key the file names, then verify. */
    json_t *peek = json_loadb((const char *)data, size, 0, NULL);
    json_t *trusted = json_array();
    if (json_is_object(peek))
        json_array_append_new(trusted, json_pack("{s:O?, s:O?, s:O?}", "ed25519", json_object_get(peek, "ed25519"),
                                                 "vault_id", json_object_get(peek, "vault_id"), "fingerprint",
                                                 json_object_get(peek, "fingerprint")));
    json_decref(peek);
    json_t *doc = NULL;
    cl_status st = cl_county_verify(data, size, trusted, &doc);
    if (st == CL_OK) {
        json_t *files = json_pack("[O]", doc);
        json_t *report = NULL;
        if (cl_county_merge(files, &report) != CL_OK || json_array_size(json_object_get(report, "rows")) != 2)
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
