/* Verify: the whole-vault check behind `carelog verify`.
 *
 * A table of named checks, run in order, each independent of the others so
 * one damaged part does not hide another: SQLCipher's page authentication,
 * SQLite's structure, foreign keys, the audit chain, the search index, the
 * derived state against a recomputation (followup.h). A module with state of
 * its own to check (a search index, derived columns) adds one entry to the
 * table in src/core/verify.c. */
#ifndef CARELOG_VERIFY_H
#define CARELOG_VERIFY_H

#include <jansson.h>

#include "carelog/status.h"
#include "carelog/vault.h"

typedef struct cl_check {
    const char *name;  /* machine name for --json: "cipher_integrity" */
    const char *label; /* N_(): what a person reads */
    /* CL_OK when sound; CL_EDATA (with the message saying what is wrong)
     * on damage; any other status when the check could not run. */
    cl_status (*run)(cl_vault *v);
} cl_check;

/* The checks, ending with an entry whose name is NULL. */
extern const cl_check cl_vault_checks[];

/* Runs every check. *report = {intact, checks:[{name, label, ok, detail}]}
 * (label translated). CL_OK when every check passed; CL_EDATA when any
 * found damage (its message names the first and says what to do: restore
 * a backup, or, when only the derived state differs, rebuild it). */
cl_status cl_vault_verify(cl_vault *v, json_t **report);

#endif
