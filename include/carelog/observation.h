/* A teacher's observation file: what a teacher writes about a student,
 * signed by the teacher and sealed to the school's vault, so that only the
 * vault can read it and the vault knows who wrote it.
 *
 * File (outside input; every byte checked):
 *   "CLOBSV01" | vault_id[16] | crypto_box_seal(inner, vault X25519 key)
 *   inner:  "CLOBSIN1" | teacher Ed25519 key[32] | signature[64] | payload
 *   signature: Ed25519 over "carelog-observation-v1\0" | payload
 *   payload: JSON {format:1, id, vault_id, teacher_key, teacher_name,
 *            counter, written_at, form:{kind, digest}, student:{number,
 *            name, class}, fields:{…observation form…}}
 * The vault id is inside the signature too, so a file sealed for one
 * school cannot be re-sealed to another; the random id and the teacher's
 * counter let the vault refuse a replay. The sealed box is anonymous: the
 * teacher, holding no secret of the vault, cannot open it again. */
#ifndef CARELOG_OBSERVATION_H
#define CARELOG_OBSERVATION_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "carelog/form.h"
#include "carelog/keyslot.h"
#include "carelog/secret.h"
#include "carelog/status.h"

#define CL_OBSERVATION_ID_BYTES 16
#define CL_OBSERVATION_MAX_FILE (256 * 1024)
#define CL_ED25519_PUBLIC_BYTES 32
#define CL_X25519_PUBLIC_BYTES 32

/* Why a file was refused (the machine value kept with a quarantined file). */
#define CL_OBS_MALFORMED "malformed"          /* not an observation file, or bad content */
#define CL_OBS_WRONG_VAULT "wrong-vault"      /* sealed to another school's vault */
#define CL_OBS_UNOPENABLE "unopenable"        /* tampered, truncated, or not sealed to this key */
#define CL_OBS_BAD_SIGNATURE "bad-signature"  /* the teacher's signature does not verify */
#define CL_OBS_UNKNOWN_TEACHER "unknown-teacher"
#define CL_OBS_REVOKED_TEACHER "revoked-teacher"
#define CL_OBS_REPLAYED "replayed"            /* its id or counter arrived before */
#define CL_OBS_UNKNOWN_FORM "unknown-form"    /* a form version the vault does not hold */
#define CL_OBS_TOO_LARGE "too-large"

/* One of the reasons above as a person reads it, in the interface language
 * (English: the value itself); NULL for any other text. */
const char *cl_observation_refusal_label(const char *reason);

/* The content, after opening and verifying. */
typedef struct cl_observation {
    unsigned char id[CL_OBSERVATION_ID_BYTES];
    unsigned char vault_id[CL_VAULT_ID_BYTES];
    unsigned char teacher_key[CL_ED25519_PUBLIC_BYTES];
    unsigned char signature[64];
    long long counter;            /* > 0, per teacher */
    char written_at[32];          /* UTC ISO, as the teacher's clock said */
    char form_digest[65];         /* of the observation form the teacher used */
    const char *teacher_name;     /* as the teacher named themself (the enrolled name rules) */
    const char *student_number, *student_name, *student_class; /* "" when not given */
    const json_t *fields;
    char *payload;                /* the signed JSON text, malloc'd */
    json_t *root;                 /* owns the strings above */
} cl_observation;

void cl_observation_free(cl_observation *o);

/* What a teacher is sending. */
typedef struct cl_observation_draft {
    const char *teacher_name;
    const char *student_number, *student_name, *student_class; /* NULL or "" when not given */
    const json_t *fields;
    const char *form_digest;
    long long counter;
    unsigned char vault_id[CL_VAULT_ID_BYTES];
    unsigned char vault_x25519[CL_X25519_PUBLIC_BYTES];
} cl_observation_draft;

/* Signs the draft with the teacher's Ed25519 seed (32 bytes) and seals it
 * to the vault. A fresh random id goes into id_out (may be NULL). The file
 * is malloc'd. */
cl_status cl_observation_seal(const cl_observation_draft *d, const cl_secret *ed_seed,
                              unsigned char id_out[CL_OBSERVATION_ID_BYTES], unsigned char **file, size_t *len);

/* Seals an already signed inner part again (a test's way to make a replay
 * that is byte for byte a different file). */
cl_status cl_observation_reseal(const unsigned char *inner, size_t inner_len,
                                const unsigned char vault_id[CL_VAULT_ID_BYTES],
                                const unsigned char vault_x25519[CL_X25519_PUBLIC_BYTES], unsigned char **file,
                                size_t *len);

/* Opens a file with the vault's X25519 key pair: checks the header, opens
 * the box, then cl_observation_parse_inner. On failure *reason names why
 * (CL_OBS_…) and the status is CL_EDATA with a message. *inner (may be
 * NULL) receives the opened inner part (sodium_malloc'd; wipe with
 * cl_secret_free). */
cl_status cl_observation_open(const unsigned char *file, size_t len, const unsigned char vault_id[CL_VAULT_ID_BYTES],
                              const unsigned char x_pk[CL_X25519_PUBLIC_BYTES], const cl_secret *x_sk,
                              cl_observation **out, const char **reason);

/* Parses and verifies the inner part: magic, signature by the key it
 * names, and every field of the payload (types, lengths, this vault's id,
 * the same teacher key). */
cl_status cl_observation_parse_inner(const unsigned char *inner, size_t len,
                                     const unsigned char vault_id[CL_VAULT_ID_BYTES], cl_observation **out,
                                     const char **reason);

/* ---- the editor: what a front needs to walk a teacher through the form */

/* The observation form teachers write with (the one built into carelog)
 * and its digest. Free with cl_form_free. */
cl_status cl_observation_form(cl_form **out, char digest[65]);

/* The next field to ask after position *pos (start at 0): in form order,
 * skipping the fields not shown with the answers so far. NULL at the end. */
const cl_field *cl_observation_next_field(const cl_form *form, const json_t *fields, size_t *pos);

/* Sets one answer from what the person typed (empty text removes it). */
cl_status cl_observation_answer(const cl_form *form, json_t *fields, const char *field_id, const char *text);

/* The answers are complete and valid (cl_form_validate), and the student is
 * named: by number, or by name (and class). */
cl_status cl_observation_check(const cl_form *form, const json_t *fields, const char *number, const char *name);

/* Hex of the id (33 bytes). */
void cl_observation_id_hex(const unsigned char id[CL_OBSERVATION_ID_BYTES], char out[33]);

#endif
