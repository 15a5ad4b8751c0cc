/* The vault: one folder holding vault.db (SQLCipher), keyslots and
 * vault.pub, opened by a counsellor's passphrase or the recovery key.
 *
 * The database key lives only in protected memory while the vault is open
 * and is wiped by cl_vault_close. */
#ifndef CARELOG_VAULT_H
#define CARELOG_VAULT_H

#include <jansson.h>
#include <stdbool.h>
#include <sqlite3.h>

#include "carelog/secret.h"
#include "carelog/status.h"

typedef struct cl_vault cl_vault;

/* $XDG_DATA_HOME/carelog, else ~/.local/share/carelog; malloc'd. */
cl_status cl_vault_default_dir(char **out);

/* True if dir already holds (part of) a vault. */
bool cl_vault_exists(const char *dir);

/* Creates a new vault in dir: a new folder (made with mode 0700) or an
 * existing empty one owned by this user, whose mode is left as it is;
 * anything else is CL_ECANTCREATE and changes nothing. The counsellor `user` gets a
 * slot opened by pass. *recovery_key receives the recovery key, to be shown
 * once. */
cl_status cl_vault_init(const char *dir, const char *school, const char *user, const cl_secret *pass,
                        cl_secret **recovery_key, cl_vault **out);

/* Opens the vault with a passphrase (or, with recovery, the recovery key).
 * Wrong secret: CL_EPERM, and no file is changed but for the sealed record
 * of the failed attempt (see cl_vault_failed_unlocks). */
cl_status cl_vault_open(const char *dir, const cl_secret *secret, bool recovery, cl_vault **out);

/* Where cl_vault_open tells about the wait after repeated wrong
 * passphrases (the screens show it; by default it goes to stderr). */
typedef void (*cl_vault_notice_fn)(const char *message, void *ctx);
void cl_vault_set_notice(cl_vault_notice_fn fn, void *ctx);

/* Wipes the key and closes. NULL is fine. */
void cl_vault_close(cl_vault *v);

sqlite3 *cl_vault_db(const cl_vault *v);
const char *cl_vault_dir(const cl_vault *v);
/* The counsellor who unlocked, or "recovery" when opened by the recovery key
 * and no passphrase has been set yet. */
const char *cl_vault_user(const cl_vault *v);
bool cl_vault_opened_by_recovery(const cl_vault *v);
/* School name, and the fingerprint "XXXX-XXXX-XXXX-XXXX" of the vault's
 * public keys (both owned by the vault). */
const char *cl_vault_school(const cl_vault *v);
const char *cl_vault_fingerprint(const cl_vault *v);
/* The fingerprint of any party's X25519 and Ed25519 public keys (a vault,
 * an office), as cl_vault_fingerprint shows a vault's. */
void cl_vault_fingerprint_of(const unsigned char *x_pk, const unsigned char *ed_pk, char out[24]);

/* The failed unlock attempts made since the last successful unlock, as this
 * unlock found them: [{at (UTC ISO), kind ("passphrase", "recovery" or
 * "unreadable")}], oldest first; empty (or NULL for a vault just created)
 * when there were none. Each failed unlock is recorded sealed to the
 * vault's public key in its folder (failed-unlocks); the unlock that reads
 * them audits them ("unlock.failures") and clears the record. Owned by v. */
const json_t *cl_vault_failed_unlocks(const cl_vault *v);

/* Counsellors. Names are kept only inside the database. */
cl_status cl_vault_counsellor_add(cl_vault *v, const char *name, const cl_secret *pass);
/* Removes a counsellor (never the last one) and rotates the database key so
 * the removed counsellor's copy of the old key opens nothing new. */
cl_status cl_vault_counsellor_remove(cl_vault *v, const char *name);
/* [{name, since, current}] */
cl_status cl_vault_counsellor_list(cl_vault *v, json_t **out);
/* Sets a new passphrase for `name` (NULL: the counsellor who unlocked). After
 * a recovery unlock this is how a forgotten passphrase is replaced; the
 * vault then acts as that counsellor. */
cl_status cl_vault_set_passphrase(cl_vault *v, const char *name, const cl_secret *pass);
/* The same; with rotate, the database key is rotated too (as a removal
 * does), so an old keyslots file with the old passphrase opens nothing
 * written from now on. Rotating needs the only connection (CL_ECONFLICT). */
cl_status cl_vault_change_passphrase(cl_vault *v, const char *name, const cl_secret *pass, bool rotate);
/* A new recovery key replacing the old one (shown once); the database key
 * is rotated, so an old keyslots file with the old recovery key opens
 * nothing written from now on. Needs the only connection (CL_ECONFLICT). */
cl_status cl_vault_new_recovery_key(cl_vault *v, cl_secret **recovery_key);

/* A consistent encrypted copy of the whole vault (database and keyslots) in
 * one file, while the vault may be in use. Refuses to overwrite. */
cl_status cl_vault_backup(cl_vault *v, const char *file);
/* Restores a backup into a new vault folder after checking that it opens
 * with secret and passes the integrity checks. */
cl_status cl_vault_restore(const char *file, const char *dir, const cl_secret *secret, bool recovery);

/* {path, school, vault_id, fingerprint, schema, counsellors, user, counts:{…}} */
cl_status cl_vault_status(cl_vault *v, json_t **out);

/* A read transaction around several reads (a list streamed twice: once to
 * measure its columns, once to print it), so that they see one state of
 * the vault; writers are not blocked meanwhile (WAL). *opened says whether
 * this call began it (not when the caller is inside a transaction
 * already); cl_vault_read_end(v, opened) ends it. */
cl_status cl_vault_read_begin(cl_vault *v, bool *opened);
void cl_vault_read_end(cl_vault *v, bool opened);

/* Appends to the audit log as the current counsellor (inside the caller's
 * transaction). */
cl_status cl_vault_audit(cl_vault *v, const char *action, const char *target, const char *detail);

/* Files written out of the vault (backups, plaintext exports). Before the
 * first byte: the intent is audited (action, target path, detail) and the
 * path remembered inside the vault; after: "<action>.done" or
 * "<action>.failed" is audited and the path forgotten (a failing result
 * keeps its message and status). A run killed in between has its temporary
 * files (PATH.tmp-*, PATH.db-partial) removed at the next unlock, and that
 * removal audited as "output.cleanup". */
cl_status cl_vault_output_begin(cl_vault *v, const char *action, const char *path, const char *detail);
cl_status cl_vault_output_end(cl_vault *v, const char *action, const char *path, cl_status result);

/* Signs data with the vault's Ed25519 key (crypto_sign_detached); the
 * secret key is read into protected memory and wiped at once. */
cl_status cl_vault_sign(cl_vault *v, const void *data, size_t len, unsigned char sig[64]);

/* Formats a recovery key for reading aloud: groups of four, dashes. */
void cl_recovery_key_format(const cl_secret *key, char *out, size_t size);

#endif
