#include "carelog/verify.h"

#include <sqlite3.h>
#include <string.h>

#include "carelog/audit.h"
#include "carelog/followup.h"
#include "carelog/i18n.h"
#include "carelog/search.h"
#include "carelog/storage.h"

static cl_status check_cipher(cl_vault *v)
{
    return cl_db_check_pragma(cl_vault_db(v), "PRAGMA cipher_integrity_check");
}

static cl_status check_structure(cl_vault *v)
{
    return cl_db_check_pragma(cl_vault_db(v), "PRAGMA integrity_check");
}

static cl_status check_foreign_keys(cl_vault *v)
{
    sqlite3_stmt *q;
    cl_status st = cl_db_prepare(cl_vault_db(v), "PRAGMA foreign_key_check", &q);
    if (st != CL_OK)
        return st;
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        st = cl_fail(CL_EDATA, _("a row of %s (rowid %lld) points to a missing row of %s"),
                     (const char *)sqlite3_column_text(q, 0), (long long)sqlite3_column_int64(q, 1),
                     (const char *)sqlite3_column_text(q, 2));
    else if (rc != SQLITE_DONE)
        st = cl_db_fail(cl_vault_db(v), "PRAGMA foreign_key_check");
    sqlite3_finalize(q);
    return st;
}

static cl_status check_audit(cl_vault *v)
{
    long long entries;
    return cl_audit_verify(cl_vault_db(v), &entries);
}

/* The state the writes keep (follow-ups, each student's state, row
 * counts) against a recomputation from the records. */
static cl_status check_derived(cl_vault *v)
{
    return cl_followup_recompute_check(v, false);
}

const cl_check cl_vault_checks[] = {
    {"cipher_integrity", N_("every page is authentic (cipher_integrity_check)"), check_cipher},
    {"integrity", N_("the database structure is sound (integrity_check)"), check_structure},
    {"foreign_keys", N_("every reference points to a row (foreign_key_check)"), check_foreign_keys},
    {"audit_chain", N_("the audit log's hash chain is intact"), check_audit},
    {"search_index", N_("the search index is sound and in step with every record"), cl_search_check},
    {"derived_state", N_("the follow-ups, students' state and circumstances, referrals' states and row counts equal a recomputation from the records"),
     check_derived},
    {NULL, NULL, NULL},
};

cl_status cl_vault_verify(cl_vault *v, json_t **report)
{
    json_t *checks = json_array();
    cl_status worst = CL_OK;
    char first[1024] = "";
    bool only_derived = true; /* rebuilt from the records, no backup needed */
    for (const cl_check *c = cl_vault_checks; c->name; c++) {
        cl_error_clear();
        cl_status st = c->run(v);
        const char *detail = st == CL_OK ? "" : cl_error_message();
        json_array_append_new(checks, json_pack("{s:s, s:s, s:b, s:s}", "name", c->name, "label", _(c->label),
                                                "ok", st == CL_OK, "detail", detail));
        if (st != CL_OK)
            only_derived = only_derived && strcmp(c->name, "derived_state") == 0;
        if (st != CL_OK && worst == CL_OK) {
            worst = st == CL_EDATA || st == CL_ESOFTWARE ? CL_EDATA : st;
            snprintf(first, sizeof first, "%s", detail);
        }
    }
    *report = json_pack("{s:b, s:o}", "intact", worst == CL_OK, "checks", checks);
    if (worst == CL_OK)
        return CL_OK;
    if (only_derived)
        return cl_fail(worst, _("the vault's records are sound, but what it keeps from them differs: %s; nothing was "
                                "changed"), first);
    return cl_fail(worst, _("the vault is damaged: %s; nothing was changed. Restore the last good backup into a new "
                            "folder (`carelog restore FILE --vault NEW_DIR`)"), first);
}
