/* The audit log: append-only and hash-chained.
 *
 * Each entry holds the BLAKE2b hash of the previous entry's hash and its own
 * content; the vault's meta keeps the hash and number of the newest entry, so
 * an entry changed, removed or cut off the end is found by cl_audit_verify.
 * Appends belong inside the transaction of the action they record. */
#ifndef CARELOG_AUDIT_H
#define CARELOG_AUDIT_H

#include <jansson.h>
#include <sqlite3.h>

#include "carelog/status.h"
#include "carelog/vault.h"

/* actor: the counsellor's name (or "recovery", "system"); action: a dotted
 * verb such as "record.create"; target: what it was done to ("record 12");
 * detail: free text, may be NULL. */
cl_status cl_audit_append(sqlite3 *db, const char *actor, const char *action, const char *target,
                          const char *detail);

/* A view in bulk (a list of students, records, referrals, the agenda):
 * one entry "list" naming what was listed, the filter as given and how
 * many rows were shown, in a transaction of its own. */
cl_status cl_audit_listing(cl_vault *v, const char *what, const char *filter, long long rows);

/* Walks the chain. CL_OK with the number of entries when intact; CL_EDATA
 * naming the first broken entry otherwise. */
cl_status cl_audit_verify(sqlite3 *db, long long *entries);

/* Entries, oldest first, as a JSON array of {id, at, actor, action, target,
 * detail}; since (YYYY-MM-DD, a local date: entries from its local
 * midnight on) and limit (0 = all, newest kept) narrow it. */
cl_status cl_audit_list(sqlite3 *db, const char *since, long long limit, json_t **out);

#endif
