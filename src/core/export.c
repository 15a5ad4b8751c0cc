#include "carelog/export.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "carelog/file.h"
#include "carelog/i18n.h"
#include "carelog/text.h"

cl_status cl_export_write(cl_vault *v, const char *action, const char *target, const char *path,
                          const char *format, const unsigned char *data, size_t len)
{
    if (access(path, F_OK) == 0)
        return cl_fail(CL_ECANTCREATE, _("%s already exists; it was left untouched (choose another name)"), path);
    /* The bytes are known before the file exists, so the intent can already
     * name exactly what will be written. */
    unsigned char hash[32];
    char hex[65];
    crypto_generichash(hash, sizeof hash, data, len, NULL, 0);
    sodium_bin2hex(hex, sizeof hex, hash, sizeof hash);
    char *detail = cl_strdup_printf("%s as %s, %zu bytes, blake2b:%s", target, format, len, hex);
    if (!detail)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    cl_status st = cl_vault_output_begin(v, action, path, detail);
    free(detail);
    if (st != CL_OK)
        return st;
    return cl_vault_output_end(v, action, path, cl_file_create_private(path, data, len));
}
