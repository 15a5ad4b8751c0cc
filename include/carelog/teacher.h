/* Teachers: a teacher's own identity (on the teacher's side), and the
 * teachers a counsellor has enrolled in the vault (on the vault's side).
 *
 * A teacher can write, never read. The identity is an Ed25519 key pair
 * whose secret (the 32-byte seed) is kept in a keyslots file of its own,
 * wrapped by the teacher's passphrase with Argon2id exactly as a
 * counsellor's slot is (keyslot.h, same calibration); beside it, public
 * facts only: the name, the public key, the send counter, and the school's
 * vault.pub it joined. Nothing there opens vault.db: the teacher never
 * holds the database key, a slot of the vault, or the vault's secret key.
 *
 * Folder (mode 0700): $XDG_DATA_HOME/carelog-teacher, else
 * ~/.local/share/carelog-teacher:
 *   keyslots       the wrapped seed (one passphrase slot)
 *   identity.json  {format, teacher_id, name, ed25519, counter, vault,
 *                  roster_counter (the newest teachers' roster accepted)}
 *   sent.log       one line per observation sent: time, id, counter,
 *                  BLAKE2b of the sealed file, and whom it was about sealed
 *                  to the teacher's own key — no plaintext, no content */
#ifndef CARELOG_TEACHER_H
#define CARELOG_TEACHER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "carelog/observation.h"
#include "carelog/secret.h"
#include "carelog/status.h"
#include "carelog/vault.h"

/* ---- vault.pub: what anyone may know about a vault ---------------------- */

typedef struct cl_vault_pub {
    unsigned char vault_id[CL_VAULT_ID_BYTES];
    unsigned char x25519[CL_X25519_PUBLIC_BYTES];
    unsigned char ed25519[CL_ED25519_PUBLIC_BYTES];
    char school[256];
    char fingerprint[24];
} cl_vault_pub;

/* Parses a vault.pub text; the fingerprint written in it must be the one
 * of its keys. CL_EDATA otherwise. */
cl_status cl_vault_pub_parse(const char *text, size_t len, cl_vault_pub *out);
cl_status cl_vault_pub_load(const char *path, cl_vault_pub *out);
bool cl_vault_pub_equal(const cl_vault_pub *a, const cl_vault_pub *b);

/* ---- the teacher's side ------------------------------------------------- */

typedef struct cl_teacher_identity cl_teacher_identity;

/* The identity folder: given (copied; from --identity DIR), else
 * $XDG_DATA_HOME/carelog-teacher, else ~/.local/share/carelog-teacher. */
cl_status cl_teacher_dir(const char *given, char **out);

/* Creates an identity in dir (made 0700; CL_ECANTCREATE when it already
 * holds one). */
cl_status cl_teacher_init(const char *dir, const char *name, const cl_secret *pass, cl_teacher_identity **out);

/* Reads the public part (no passphrase needed) from dir, or from the
 * default folder when dir is NULL (cl_teacher_dir). CL_ENOTFOUND names
 * `carelog teacher init`. */
cl_status cl_teacher_load(const char *dir, cl_teacher_identity **out);
void cl_teacher_free(cl_teacher_identity *t);

const char *cl_teacher_name(const cl_teacher_identity *t);
/* The public key as text to hand to the counsellor (base64, 44 chars). */
const char *cl_teacher_public_text(const cl_teacher_identity *t);
const char *cl_teacher_fingerprint(const cl_teacher_identity *t);
/* The joined vault, or NULL before `teacher join`. */
const cl_vault_pub *cl_teacher_vault(const cl_teacher_identity *t);

/* Binds the identity to the school of this vault.pub. Joining the same
 * vault again is fine; another one is refused (an identity belongs to one
 * school). */
cl_status cl_teacher_join(cl_teacher_identity *t, const char *vault_pub_path);

/* Refuses (CL_EPERM) a vault.pub that is not the one joined: the keys
 * changed, so sealing to them could hand the observation to someone else. */
cl_status cl_teacher_check_vault_pub(const cl_teacher_identity *t, const char *vault_pub_path);

/* Checks the passphrase (CL_EPERM when wrong), takes the next counter
 * (saved before sealing, so a counter is never used twice), signs and
 * seals. The file is malloc'd. */
cl_status cl_teacher_seal(cl_teacher_identity *t, const cl_secret *pass, const char *student_number,
                          const char *student_name, const char *student_class, const json_t *fields,
                          const char *form_digest, unsigned char id_out[CL_OBSERVATION_ID_BYTES],
                          unsigned char **file, size_t *len);

/* Drops a sealed file into a vault's inbox folder as ID.clobs, written
 * under a dot-name first and linked into place, so the counsellor never
 * takes in half a file. Works in a folder the teacher may write but not
 * list (mode 3730, group of the teachers). Mode 0604: the teachers' group
 * may not read it (so no teacher reads another's file, even by name), the
 * counsellor — outside that group — may. *path_out is malloc'd. */
cl_status cl_teacher_drop(const char *inbox_dir, const unsigned char id[CL_OBSERVATION_ID_BYTES],
                          const unsigned char *file, size_t len, char **path_out);

/* The same with the identity already unlocked (cl_teacher_unlock). */
cl_status cl_teacher_seal_unlocked(cl_teacher_identity *t, const cl_secret *seed, const char *student_number,
                                   const char *student_name, const char *student_class, const json_t *fields,
                                   const char *form_digest, unsigned char id_out[CL_OBSERVATION_ID_BYTES],
                                   unsigned char **file, size_t *len);

/* Appends a line to sent.log: time, id, counter, hash, and the student
 * (may be NULL) sealed to the teacher's own key, so that only the
 * teacher's passphrase reads back whom it was about. */
cl_status cl_teacher_note_sent(const cl_teacher_identity *t, const unsigned char id[CL_OBSERVATION_ID_BYTES],
                               const unsigned char *file, size_t len, const char *student);
/* [{sent_at, id, counter, hash, student?}] oldest first; student only with
 * the unlocked seed (NULL: none). */
cl_status cl_teacher_sent(const cl_teacher_identity *t, const cl_secret *seed, json_t **out);

/* What a front sends: an observation about a student, to the vault's inbox
 * folder or, with output, to a new file to hand over. */
typedef struct cl_teacher_sending {
    const char *student_number, *student_name, *student_class;
    const json_t *fields;
    const char *form_digest;
    const char *inbox_dir; /* used when output is NULL */
    const char *output;
} cl_teacher_sending;

/* Seals (cl_teacher_seal_unlocked), delivers (cl_teacher_drop or a new
 * file) and notes it in sent.log. *where (malloc'd): the file written. */
cl_status cl_teacher_send(cl_teacher_identity *t, const cl_secret *seed, const cl_teacher_sending *s,
                          unsigned char id[CL_OBSERVATION_ID_BYTES], char **where);

/* Opens the identity's secret (for tests that prove what it cannot open):
 * the 32-byte Ed25519 seed. */
cl_status cl_teacher_unlock(const cl_teacher_identity *t, const cl_secret *pass, cl_secret **seed);

/* ---- the vault's side: enrolment --------------------------------------- */

/* A teacher's public key from its text (base64 of 32 bytes). */
cl_status cl_teacher_key_parse(const char *text, unsigned char key[CL_ED25519_PUBLIC_BYTES]);
/* The fingerprint of a teacher's public key, as `teacher show` prints it. */
void cl_teacher_key_fingerprint(const unsigned char key[CL_ED25519_PUBLIC_BYTES], char out[24]);

/* Enrols a teacher by name and public key; classes: a JSON array of
 * strings or NULL. A name or key already enrolled is refused. Audited
 * (teacher.add). */
cl_status cl_teacher_add(cl_vault *v, const char *name, const char *public_text, const json_t *classes,
                         char fingerprint_out[24]);
/* Later files signed by that key are quarantined. Audited (teacher.revoke). */
cl_status cl_teacher_revoke(cl_vault *v, const char *name);
/* [{id, name, fingerprint, public_key, classes, added_at, added_by,
 * revoked_at, revoked_by, observations}] by name (the front audits the
 * listing, cl_audit_listing). */
cl_status cl_teacher_list(cl_vault *v, json_t **out);

#endif
