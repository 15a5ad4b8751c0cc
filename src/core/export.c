#include "carelog/export.h"
#include "carelog/i18n.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "carelog/file.h"
#include "carelog/storage.h"
#include "carelog/text.h"

static cl_status audit_one(cl_vault *v, const char *action, const char *target, const char *detail)
{
    sqlite3 *db = cl_vault_db(v);
    cl_status st = cl_db_begin(db);
    if (st != CL_OK)
        return st;
    st = cl_vault_audit(v, action, target, detail);
    if (st == CL_OK)
        return cl_db_commit(db);
    cl_db_rollback(db);
    return st;
}

cl_status cl_export_write(cl_vault *v, const char *action, const char *target, const char *path,
                          const char *format, const unsigned char *data, size_t len)
{
    if (access(path, F_OK) == 0)
        return cl_fail(CL_ECANTCREATE, _("%s already exists; it was left untouched (choose another name)"), path);
    char *detail = cl_strdup_printf("to %s as %s", path, format);
    char *begin = cl_strdup_printf("%s.begin", action);
    cl_status st = detail && begin ? audit_one(v, begin, target, detail) : cl_fail(CL_ESOFTWARE, _("out of memory"));
    free(detail);
    free(begin);
    if (st != CL_OK)
        return st;
    cl_status written = cl_file_create_private(path, data, len);
    if (written != CL_OK) {
        char *message = strdup(cl_error_message());
        char *why = cl_strdup_printf("%s: %s", path, message ? message : "");
        char *failed = cl_strdup_printf("%s.failed", action);
        if (why && failed)
            audit_one(v, failed, target, why);
        free(why);
        free(failed);
        /* The write's own message is the one the person needs. */
        st = cl_fail(written, "%s", message ? message : "the export could not be written");
        free(message);
        return st;
    }
    unsigned char hash[32];
    char hex[65];
    crypto_generichash(hash, sizeof hash, data, len, NULL, 0);
    sodium_bin2hex(hex, sizeof hex, hash, sizeof hash);
    detail = cl_strdup_printf("%s %s %zu bytes blake2b:%s", path, format, len, hex);
    st = detail ? audit_one(v, action, target, detail) : cl_fail(CL_ESOFTWARE, _("out of memory"));
    free(detail);
    return st;
}
