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

/* The stored head: the hash and number of the newest entry. */
cl_status cl_audit_head(sqlite3 *db, unsigned char head[32], long long *count);

/* The chain's hash after its first n entries, recomputed from their
 * content; *have is how many of them exist in order (fewer when the log is
 * shorter or has a gap). */
cl_status cl_audit_hash_at(sqlite3 *db, long long n, unsigned char hash[32], long long *have);

/* An anchor: the head (entries, hash) with the vault id and time, signed
 * with the vault's Ed25519 key, as text for a file or paper:
 *   carelog-audit-anchor 1 / vault-id / entries / head / signed-at /
 *   signature (base64 Ed25519 over the lines before it).
 * Every backup and vault export carries one. malloc'd. */
cl_status cl_audit_anchor(sqlite3 *db, char **out);

/* Checks the log against the anchor found in text (an anchor file, or a
 * backup or export carrying one; `what` names it in messages): signed by
 * this vault, and the log's first `entries` entries hash to its head, so a
 * rewrite, or rows deleted and the stored head set back, is found. CL_OK
 * with *anchored = the entries it covers; CL_EDATA saying what changed. */
cl_status cl_audit_verify_anchor(sqlite3 *db, const char *text, size_t len, const char *what, long long *anchored);

/* Walks the chain. CL_OK with the number of entries when intact; CL_EDATA
 * naming the first broken entry otherwise. */
cl_status cl_audit_verify(sqlite3 *db, long long *entries);

/* Entries, oldest first, as a JSON array of {id, at, actor, action, target,
 * detail}; since (YYYY-MM-DD, a local date: entries from its local
 * midnight on) and limit (0 = all, newest kept) narrow it. */
cl_status cl_audit_list(sqlite3 *db, const char *since, long long limit, json_t **out);

/* An entry as a person reads it, in the interface language. The log stores
 * English sentences of fixed shapes (the hash covers exactly those bytes);
 * these render them at display time, so entries of any age read in Chinese
 * too, and a text of no known shape is returned as stored. English keeps
 * the action's code, as `--json` has it. malloc'd; NULL when out of memory. */
char *cl_audit_action_text(const char *action);
char *cl_audit_target_text(const char *action, const char *target);
char *cl_audit_detail_text(const char *action, const char *detail);

#endif
