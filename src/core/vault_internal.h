/* What the vault's source files share; not part of the public face. */
#ifndef CARELOG_VAULT_INTERNAL_H
#define CARELOG_VAULT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <sqlite3.h>

#include "carelog/keyslot.h"
#include "carelog/secret.h"
#include "carelog/vault.h"

struct cl_vault {
    char *dir;
    sqlite3 *db;
    cl_secret *key;
    unsigned char vault_id[CL_VAULT_ID_BYTES];
    unsigned char slot_id[CL_SLOT_ID_BYTES];
    bool recovery;
    char *user;
    char *school;
    char fingerprint[24];
    json_t *failed_unlocks; /* read at this unlock: [{at, kind}] */
    struct cl_student_directory *directory; /* student_directory.h; NULL until a whole list asks */
};

char *vault_path_in(const char *dir, const char *name);
/* "XXXX-XXXX-XXXX-XXXX": 50 bits of BLAKE2b(domain key; a, then b if not
 * NULL) in Crockford's base32, short enough to compare over the phone. */
void vault_fingerprint(const char *domain, const unsigned char *a, size_t a_len, const unsigned char *b,
                       size_t b_len, char out[24]);
cl_status vault_new_recovery_key(cl_secret **out);
bool vault_file_exists(const char *dir, const char *name);
/* Makes dir and its missing parents (mode 0700); never changes the mode of
 * a folder that exists. */
cl_status vault_make_dirs(const char *dir);
/* The folder a new vault (init, restore) goes into: made new (*created),
 * or an existing empty folder owned by this user; anything else is
 * CL_ECANTCREATE and nothing is changed. */
cl_status vault_claim_dir(const char *dir, bool *created);
cl_status vault_check_name(const char *what, const char *name);
void vault_remove_vault_files(const char *dir);
cl_status vault_finish_rotation(cl_vault *v, cl_keyslots *ks, const char *ks_path, cl_secret *next, bool db_has_next);
cl_status vault_load_slots(const cl_vault *v, cl_keyslots **ks, char **ks_path);
cl_status vault_counsellor_slot(cl_vault *v, const char *name, unsigned char slot_id[CL_SLOT_ID_BYTES]);
cl_status vault_require_exclusive(sqlite3 *db);
cl_status vault_require_counsellor(const cl_vault *v, const char *doing);
/* At unlock: the leftovers of outputs that never finished (vault_output.c). */
cl_status vault_output_sweep(cl_vault *v);
/* Unlocking (vault_unlock.c): the slot hint, the growing delay after
 * failures (this machine's count or the vault folder's record, whichever
 * is more), a failed unlock recorded (counted here, sealed to the vault in
 * its folder), and at a successful unlock the records read, audited and
 * cleared. */
bool vault_read_slot_hint(const unsigned char vault_id[CL_VAULT_ID_BYTES], unsigned char hint[CL_SLOT_ID_BYTES]);
void vault_write_slot_hint(const unsigned char vault_id[CL_VAULT_ID_BYTES], const unsigned char slot_id[CL_SLOT_ID_BYTES]);
void vault_failure_delay(const char *dir, const unsigned char vault_id[CL_VAULT_ID_BYTES]);
void vault_record_failed_unlock(const char *dir, const unsigned char vault_id[CL_VAULT_ID_BYTES], bool recovery);
cl_status vault_take_failed_unlocks(cl_vault *v);
/* In a copy of the database (a backup): no output is pending there (a
 * cl_db_copy_fn). */
cl_status vault_output_forget_all(sqlite3 *copy, void *unused);
/* A backup's SQLite VFS (vault_backup_vfs.c), by name (NULL if they could
 * not be registered): the one that places the database copy inside the
 * backup file, or (source) the one the vault is read through, which sees
 * the WAL read-lock slot a connection's read transaction holds (-1: none,
 * or not opened through it). */
const char *vault_backup_vfs(bool source);
int vault_backup_read_slot(sqlite3 *db);

#endif
