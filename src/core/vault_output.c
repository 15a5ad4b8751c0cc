/* Files carelog writes out of the vault (backups, plaintext exports): the
 * intent is audited before the first byte and the outcome after, and the
 * pending file is remembered inside the vault so that a run killed half
 * way has its leftovers removed at the next unlock. */
#include "carelog/vault.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "carelog/audit.h"
#include "carelog/i18n.h"
#include "carelog/storage.h"
#include "vault_internal.h"

#define PENDING "pending_output:"

static cl_status in_transaction(cl_vault *v, const char *action, const char *path, const char *detail,
                                bool pending)
{
    char key[4200];
    if (snprintf(key, sizeof key, PENDING "%s", path) >= (int)sizeof key)
        return cl_fail(CL_EUSAGE, _("the path is too long: %s"), path);
    cl_status st = cl_db_begin(v->db);
    if (st == CL_OK)
        st = cl_vault_audit(v, action, path, detail);
    if (st == CL_OK && pending) {
        char owner[160];
        snprintf(owner, sizeof owner, "%ld %s", (long)getpid(), action);
        st = cl_meta_set_text(v->db, key, owner);
    } else if (st == CL_OK) {
        sqlite3_stmt *q;
        st = cl_db_prepare(v->db, "DELETE FROM meta WHERE key = ?", &q);
        if (st == CL_OK) {
            sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
            if (sqlite3_step(q) != SQLITE_DONE)
                st = cl_db_fail(v->db, "finishing the audit entry of a file written");
            sqlite3_finalize(q);
        }
    }
    return st == CL_OK ? cl_db_commit(v->db) : (cl_db_rollback(v->db), st);
}

cl_status cl_vault_output_begin(cl_vault *v, const char *action, const char *path, const char *detail)
{
    return in_transaction(v, action, path, detail, true);
}

cl_status cl_vault_output_end(cl_vault *v, const char *action, const char *path, cl_status result)
{
    char done[128], why[1024];
    snprintf(done, sizeof done, "%s.%s", action, result == CL_OK ? "done" : "failed");
    snprintf(why, sizeof why, "%s", result == CL_OK ? "" : cl_error_message());
    cl_status st = in_transaction(v, done, path, result == CL_OK ? NULL : why, false);
    if (result != CL_OK)
        return cl_fail(result, "%s", why); /* the first failure is the one to tell */
    return st;
}

/* Removes PATH.tmp-XXXXXX (the atomic writer's temporary files) and
 * PATH.db-partial (the copy in progress of a backup by a carelog before
 * backups were written in one file); returns how many. */
static int remove_leftovers(const char *path)
{
    char dir_buf[4096], base_buf[4096];
    snprintf(dir_buf, sizeof dir_buf, "%s", path);
    snprintf(base_buf, sizeof base_buf, "%s", path);
    const char *dir = dirname(dir_buf), *base = basename(base_buf);
    size_t n = strlen(base);
    int removed = 0;
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        const char *rest = strncmp(e->d_name, base, n) == 0 ? e->d_name + n : NULL;
        if (!rest || !((strncmp(rest, ".tmp-", 5) == 0 && strlen(rest) == 11) || strcmp(rest, ".db-partial") == 0))
            continue;
        char full[8200];
        snprintf(full, sizeof full, "%s/%s", dir, e->d_name);
        removed += unlink(full) == 0;
    }
    if (d)
        closedir(d);
    return removed;
}

cl_status vault_output_sweep(cl_vault *v)
{
    sqlite3_stmt *q;
    cl_status st = cl_db_prepare(v->db, "SELECT substr(key, length('" PENDING "') + 1), value FROM meta"
                                        " WHERE key >= '" PENDING "' AND key < 'pending_output;'", &q);
    if (st != CL_OK)
        return st;
    json_t *pending = json_array();
    while (sqlite3_step(q) == SQLITE_ROW)
        json_array_append_new(pending, json_pack("[s, s]", (const char *)sqlite3_column_text(q, 0),
                                                 (const char *)sqlite3_column_text(q, 1)));
    sqlite3_finalize(q);
    size_t i;
    json_t *item;
    json_array_foreach(pending, i, item) {
        const char *path = json_string_value(json_array_get(item, 0));
        const char *owner = json_string_value(json_array_get(item, 1));
        char *action = NULL;
        long pid = strtol(owner, &action, 10);
        /* Another carelog may be writing it right now. */
        if (pid > 0 && pid != (long)getpid() && (kill((pid_t)pid, 0) == 0 || errno == EPERM))
            continue;
        while (*action == ' ')
            action++;
        int removed = remove_leftovers(path);
        char detail[512];
        snprintf(detail, sizeof detail, "interrupted %s: %d temporary file(s) removed; the file itself %s", action,
                 removed, access(path, F_OK) == 0 ? "was written in full" : "was never written");
        st = in_transaction(v, "output.cleanup", path, detail, false);
        if (st != CL_OK)
            break;
    }
    json_decref(pending);
    return st;
}

cl_status vault_output_forget_all(sqlite3 *copy, void *unused)
{
    (void)unused;
    return cl_db_exec(copy, "DELETE FROM meta WHERE key >= '" PENDING "' AND key < 'pending_output;'");
}
