/* The teachers' roster: the list of students a counsellor publishes so that
 * teachers can pick whom they write about, and the observation form they
 * write with. Numbers, names and classes only — nothing else about a
 * student (no risk, no status, no circumstance).
 *
 * Only enrolled, non-revoked teachers can read it: the list is encrypted
 * with a random file key (XChaCha20-Poly1305), and that key is sealed
 * (crypto_box_seal) to each such teacher's X25519 key, the one their
 * enrolled Ed25519 key converts to. The whole file is signed by the vault's
 * Ed25519 key and carries a counter that only grows, so a teacher's carelog
 * refuses a forged roster, one changed by a single byte, and an older one
 * put back in place of a newer.
 *
 * File (outside input on the teacher's side; every byte checked):
 *   "CLROST01" | vault_id[16] | counter u64 BE | n u32 BE |
 *   n × crypto_box_seal(file key)[80] | nonce[24] | ciphertext |
 *   signature[64]: Ed25519 over "carelog-roster-v1\0" | every byte before
 *   ciphertext: XChaCha20-Poly1305 of the body, every byte before the nonce
 *   as associated data.
 *   body: JSON {format:1, vault_id, counter, published_at, classes (null
 *   or [..]), form:{kind:"observation", format, version, digest, text},
 *   students:[{number, name, class}]} */
#ifndef CARELOG_TEACHER_ROSTER_H
#define CARELOG_TEACHER_ROSTER_H

#include <jansson.h>
#include <stddef.h>

#include "carelog/form.h"
#include "carelog/secret.h"
#include "carelog/status.h"
#include "carelog/teacher.h"
#include "carelog/vault.h"

/* Its name beside vault.pub in the vault folder. */
#define CL_TEACHER_ROSTER_FILE "teacher.roster"
#define CL_TEACHER_ROSTER_MAX_FILE (32u << 20)
/* The version of the form language this carelog reads; a roster whose form
 * needs a later one is refused (update carelog). */
#define CL_TEACHER_ROSTER_FORM_FORMAT 1

/* ---- the vault's side ---------------------------------------------------- */

/* Publishes the roster for the enrolled, non-revoked teachers: the students
 * of the classes named (a JSON array of strings; NULL or empty: every
 * class), merged and transferred students left out, and the vault's newest
 * observation form. Written with mode 0644 to path (NULL: the vault folder's
 * teacher.roster, replaced atomically). CL_EDATA when no teacher is enrolled
 * or no student would be on it. Audited (teacher.roster). *report (may be
 * NULL): {path, counter, students, teachers, classes}. */
cl_status cl_teacher_roster_publish(cl_vault *v, const json_t *classes, const char *path, json_t **report);

/* ---- the teacher's side ------------------------------------------------- */

typedef struct cl_roster_student {
    const char *number, *name, *klass;
    char *keys; /* the ways the name is typed (cl_pinyin_keys), lowercase */
} cl_roster_student;

typedef struct cl_teacher_roster cl_teacher_roster;

/* Checks the file against the vault the teacher joined before anything is
 * read from it: the header, this vault's id and the vault's signature, and
 * that its counter is not below min_counter (the newest the teacher has
 * seen). Needs no secret. *counter (may be NULL) receives the counter. The
 * message names path (may be NULL) and the way out. */
cl_status cl_teacher_roster_verify(const unsigned char *file, size_t len, const char *path,
                                   const cl_vault_pub *vault, long long min_counter, long long *counter);

/* cl_teacher_roster_verify, then opens the file key with the teacher's
 * Ed25519 seed (CL_EPERM when the teacher is not a recipient: not enrolled,
 * or revoked before it was published) and reads the body: the students and
 * the form (CL_EDATA for a form this carelog does not know). The body
 * lives in memory only. */
cl_status cl_teacher_roster_open(const unsigned char *file, size_t len, const char *path, const cl_vault_pub *vault,
                                 long long min_counter, const cl_secret *ed_seed, cl_teacher_roster **out);
void cl_teacher_roster_free(cl_teacher_roster *r);

long long cl_teacher_roster_counter(const cl_teacher_roster *r);
const char *cl_teacher_roster_published_at(const cl_teacher_roster *r);
size_t cl_teacher_roster_count(const cl_teacher_roster *r);
const cl_roster_student *cl_teacher_roster_at(const cl_teacher_roster *r, size_t i);
/* The student with exactly this number, NULL when none. */
const cl_roster_student *cl_teacher_roster_find(const cl_teacher_roster *r, const char *number);
/* The form the roster carries, and its digest (as the vault knows it). */
const cl_form *cl_teacher_roster_form(const cl_teacher_roster *r);
const char *cl_teacher_roster_form_digest(const cl_teacher_roster *r);

/* Incremental search: the indexes of the students matching every word of
 * query (a word matches a part of the number, name or class, or the start
 * of a pinyin reading: full or initials, "zxm", "zhaoxm"), in roster
 * order, at most max of them; returns how many matched in all. An empty
 * query matches everyone. */
size_t cl_teacher_roster_search(const cl_teacher_roster *r, const char *query, size_t *out, size_t max);

/* The newest roster counter this teacher accepted (0: none yet), and
 * remembering a newer one. */
long long cl_teacher_roster_seen(const cl_teacher_identity *t);
cl_status cl_teacher_roster_note_seen(cl_teacher_identity *t, long long counter);

#endif
