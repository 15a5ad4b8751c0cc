/* minisign signatures (jedisct1.github.io/minisign), on libsodium: what a
 * referral bundle and a receipt are signed with, so that an office can check
 * a school's bundle with Debian's `minisign -V` as well as with carelog.
 *
 * A signature is made in minisign's prehashed mode (algorithm "ED":
 * Ed25519 over the BLAKE2b-512 hash of the file) with a trusted comment
 * that is signed too (the global signature, over the signature and the
 * comment). Verification also takes legacy "Ed" signatures, over the file
 * itself, as older minisign makes them.
 *
 * A public key is "Ed" + an 8-byte key id + the 32-byte Ed25519 key, in
 * base64 ("RWQ…"); carelog's key id for a vault is derived from the vault's
 * Ed25519 key, so the same key always shows the same id. */
#ifndef CARELOG_MINISIGN_H
#define CARELOG_MINISIGN_H

#include <stdbool.h>
#include <stddef.h>

#include "carelog/secret.h"
#include "carelog/status.h"

#define CL_MINISIGN_KEY_ID_BYTES 8
#define CL_MINISIGN_COMMENT_MAX 1024 /* bytes of a trusted comment, as minisign allows */
#define CL_MINISIGN_KEY_TEXT_MAX 64  /* the base64 public key and its NUL */

typedef struct cl_minisign_key {
    unsigned char id[CL_MINISIGN_KEY_ID_BYTES];
    unsigned char pk[32];
} cl_minisign_key;

typedef struct cl_minisign_sig {
    char algorithm[3]; /* "ED" (prehashed) or "Ed" (legacy) */
    unsigned char key_id[CL_MINISIGN_KEY_ID_BYTES];
    unsigned char signature[64];
    char trusted_comment[CL_MINISIGN_COMMENT_MAX + 1];
    unsigned char global_signature[64];
} cl_minisign_sig;

/* Strict standard base64 with padding (minisign's, and the public files'):
 * true when text decodes to exactly want bytes and holds nothing but the
 * alphabet. */
bool cl_base64_decode_exact(const char *text, size_t len, unsigned char *out, size_t want);

/* carelog's minisign key for an Ed25519 public key (the key id is a hash
 * of it). */
void cl_minisign_key_of(const unsigned char ed25519_pk[32], cl_minisign_key *out);

/* The key as minisign's base64 ("RWQ…", for `minisign -P`). */
void cl_minisign_key_base64(const cl_minisign_key *k, char out[CL_MINISIGN_KEY_TEXT_MAX]);
/* The key id as minisign shows it (16 hex digits, upper case). */
void cl_minisign_key_id_hex(const unsigned char id[CL_MINISIGN_KEY_ID_BYTES], char out[17]);
/* A public key file's text (two lines, as `minisign -G` writes
 * minisign.pub); malloc'd. */
cl_status cl_minisign_key_file(const cl_minisign_key *k, char **out);
/* A public key from its base64 or from a whole minisign.pub text.
 * CL_EDATA naming the problem. */
cl_status cl_minisign_key_parse(const char *text, cl_minisign_key *out);

/* Signs data with an Ed25519 secret key (libsodium's 64-byte form) under
 * key id, in prehashed mode, with a one-line trusted comment (at most
 * CL_MINISIGN_COMMENT_MAX bytes, no line breaks) and an untrusted one.
 * *out is the .minisig file's text, malloc'd. */
cl_status cl_minisign_sign(const cl_secret *ed25519_sk, const unsigned char key_id[CL_MINISIGN_KEY_ID_BYTES],
                           const unsigned char *data, size_t len, const char *trusted_comment,
                           const char *untrusted_comment, char **out);

/* Parses a .minisig file's text (len bytes, need not end in NUL). CL_EDATA
 * naming the problem. */
cl_status cl_minisign_sig_parse(const char *text, size_t len, cl_minisign_sig *out);

/* Checks a parsed signature of data against key: the key id, the
 * signature over the file (or its hash) and the global signature over the
 * trusted comment. CL_EPERM when anything fails to verify. */
cl_status cl_minisign_verify(const cl_minisign_key *k, const cl_minisign_sig *s, const unsigned char *data,
                             size_t len);

#endif
