/* The keyslots file: how passphrases and the recovery key open the vault.
 *
 * Each slot owns an X25519 key pair. The slot's secret key is wrapped with
 * XChaCha20-Poly1305 under Argon2id(passphrase, salt, params); the database
 * key is sealed (crypto_box_seal) to the slot's public key. Sealing to public
 * keys is what lets the vault rotate its database key when a counsellor is
 * removed without knowing the other counsellors' passphrases: the new key is
 * sealed to every remaining slot.
 *
 * During a rotation a slot holds the current key and the next one; whichever
 * opens vault.db is the working key, so a crash at any point leaves exactly
 * one working key. Slots hold no names. A BLAKE2b checksum over the file
 * tells accidental damage apart from a wrong passphrase, and the vault id is
 * part of every slot's associated data, so a slot copied from another vault
 * opens nothing. */
#ifndef CARELOG_KEYSLOT_H
#define CARELOG_KEYSLOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "carelog/secret.h"
#include "carelog/status.h"

#define CL_DB_KEY_BYTES 32
#define CL_VAULT_ID_BYTES 16
#define CL_SLOT_ID_BYTES 16

typedef enum cl_slot_kind {
    CL_SLOT_PASSPHRASE = 1,
    CL_SLOT_RECOVERY = 2
} cl_slot_kind;

/* Argon2id cost, stored per slot. */
typedef struct cl_kdf {
    uint64_t opslimit;
    uint64_t memlimit; /* bytes */
} cl_kdf;

/* Times Argon2id on this machine and picks a cost of about 0.5–1 s.
 * CARELOG_TEST_FAST_KDF=1 picks the minimum cost instead, in a test build
 * (-DCARELOG_TEST_HOOKS) only. */
cl_status cl_kdf_calibrate(cl_kdf *out);

typedef struct cl_keyslots cl_keyslots;

cl_status cl_keyslots_new(const unsigned char vault_id[CL_VAULT_ID_BYTES], cl_keyslots **out);
cl_status cl_keyslots_parse(const unsigned char *data, size_t len, cl_keyslots **out);
cl_status cl_keyslots_load(const char *path, cl_keyslots **out);
cl_status cl_keyslots_serialize(const cl_keyslots *ks, unsigned char **out, size_t *len);
/* Atomic: temp file, fsync, rename, fsync of the folder. Mode 0600. */
cl_status cl_keyslots_save(const cl_keyslots *ks, const char *path);
void cl_keyslots_free(cl_keyslots *ks);

const unsigned char *cl_keyslots_vault_id(const cl_keyslots *ks);
size_t cl_keyslots_count(const cl_keyslots *ks, cl_slot_kind kind);
bool cl_keyslots_has(const cl_keyslots *ks, const unsigned char slot_id[CL_SLOT_ID_BYTES]);
/* The key epoch: 1 at init, one more with each rotation of the database
 * key. The vault keeps it too (meta key_epoch, vault.pub key-epoch), so
 * that a keyslots file older than the vault is named as such. */
uint32_t cl_keyslots_epoch(const cl_keyslots *ks);

/* True while a key rotation is half done (slots hold a next key). */
bool cl_keyslots_rotating(const cl_keyslots *ks);

/* Adds a slot opened by pass that holds db_key (and the next key too, if a
 * rotation is under way it must be passed as next_key, else NULL). */
cl_status cl_keyslots_add(cl_keyslots *ks, cl_slot_kind kind, const cl_secret *pass,
                          const cl_kdf *kdf, const cl_secret *db_key,
                          unsigned char slot_id_out[CL_SLOT_ID_BYTES]);

/* Gives an existing slot a new passphrase: a fresh key pair, wrapped under
 * the new passphrase, holding db_key. Used by passwd and by recovery. */
cl_status cl_keyslots_reset(cl_keyslots *ks, const unsigned char slot_id[CL_SLOT_ID_BYTES],
                            const cl_secret *pass, const cl_kdf *kdf, const cl_secret *db_key);

/* The id of the first slot of `kind` (CL_ENOTFOUND if none). */
cl_status cl_keyslots_first(const cl_keyslots *ks, cl_slot_kind kind, unsigned char slot_id_out[CL_SLOT_ID_BYTES]);

cl_status cl_keyslots_remove(cl_keyslots *ks, const unsigned char slot_id[CL_SLOT_ID_BYTES]);

/* Tries every slot of `kind` with pass. On success gives the slot's id, the
 * current database key and, during a rotation, the next key (else NULL).
 * CL_EPERM when no slot opens. */
cl_status cl_keyslots_unlock(const cl_keyslots *ks, cl_slot_kind kind, const cl_secret *pass,
                             unsigned char slot_id_out[CL_SLOT_ID_BYTES],
                             cl_secret **db_key, cl_secret **next_key);

/* The same, trying the slot `hint` (may be NULL or unknown) first: the
 * slot that opened the vault last time on this machine. */
cl_status cl_keyslots_unlock_hinted(const cl_keyslots *ks, cl_slot_kind kind, const cl_secret *pass,
                                    const unsigned char *hint, unsigned char slot_id_out[CL_SLOT_ID_BYTES],
                                    cl_secret **db_key, cl_secret **next_key);

/* Rotation, step one: seal next_key to every slot beside the current key. */
cl_status cl_keyslots_seal_next(cl_keyslots *ks, const cl_secret *next_key);
/* Rotation, last step: the next key becomes the current one. */
cl_status cl_keyslots_promote_next(cl_keyslots *ks);

#endif
