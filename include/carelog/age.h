/* The age v1 file format (c2sp.org/age), on libsodium: what a referral
 * bundle and a receipt are encrypted with, so that an office can open them
 * with Debian's `age` as well as with carelog.
 *
 * Files are encrypted to one or more X25519 public keys ("age1…") and
 * decrypted with an X25519 identity ("AGE-SECRET-KEY-1…"). A passphrase
 * file (scrypt, as `age -p` writes it) is opened by
 * cl_age_decrypt_passphrase (work factor up to 2^20); cl_age_decrypt
 * refuses it with a message saying so, and carelog never encrypts to a
 * passphrase. The payload is streamed in 64 KiB chunks both ways, so
 * a caller can keep plaintext in memory and never on disk; on decryption
 * each chunk is released only after its tag has verified.
 *
 * ASCII armor ("-----BEGIN AGE ENCRYPTED FILE-----", as `age -a` writes
 * it) is read too, strictly (RFC 7468, LF or CRLF, whitespace only around
 * the block); carelog itself writes binary files. */
#ifndef CARELOG_AGE_H
#define CARELOG_AGE_H

#include <stddef.h>

#include "carelog/secret.h"
#include "carelog/status.h"

#define CL_AGE_KEY_BYTES 32          /* an X25519 public key or identity */
#define CL_AGE_CHUNK_BYTES 65536     /* plaintext per payload chunk */
#define CL_AGE_RECIPIENT_MAX 100     /* "age1" + Bech32 of 32 bytes is 62 */
#define CL_AGE_IDENTITY_MAX 100

/* Why a decryption failed, in the test vectors' terms. */
typedef enum cl_age_failure {
    CL_AGE_SUCCESS = 0,
    CL_AGE_NO_MATCH,  /* well-formed, but no stanza opens with these identities */
    CL_AGE_HEADER,    /* the header is malformed, or a stanza for us is */
    CL_AGE_HMAC,      /* the header was changed after it was written */
    CL_AGE_PAYLOAD,   /* the payload is damaged, truncated or extended */
    CL_AGE_ARMOR,     /* malformed ASCII armor */
    CL_AGE_UNSUPPORTED, /* a passphrase (scrypt) file opened with identities */
    CL_AGE_IO         /* reading or writing failed (the callback's status) */
} cl_age_failure;

/* Where ciphertext comes from: up to cap bytes into buf, *got = 0 at the
 * end. Where output goes: all len bytes, or a failing status. */
typedef cl_status (*cl_age_read_fn)(void *ctx, unsigned char *buf, size_t cap, size_t *got);
typedef cl_status (*cl_age_write_fn)(void *ctx, const unsigned char *data, size_t len);

/* "age1…" (Bech32, lower or upper case) to a 32-byte X25519 public key;
 * CL_EDATA naming the problem. */
cl_status cl_age_recipient_parse(const char *text, unsigned char pk[CL_AGE_KEY_BYTES]);
/* A public key as "age1…" (out holds CL_AGE_RECIPIENT_MAX bytes). */
void cl_age_recipient_format(const unsigned char pk[CL_AGE_KEY_BYTES], char out[CL_AGE_RECIPIENT_MAX]);

/* "AGE-SECRET-KEY-1…" to the 32-byte secret, in protected memory. */
cl_status cl_age_identity_parse(const char *text, cl_secret **out);
/* An X25519 secret as "AGE-SECRET-KEY-1…" text, in protected memory. */
cl_status cl_age_identity_format(const cl_secret *secret, cl_secret **out);
/* The public key (recipient) of an identity's secret. */
cl_status cl_age_identity_public(const cl_secret *secret, unsigned char pk[CL_AGE_KEY_BYTES]);

/* Streaming encryption to n_recipients X25519 public keys laid end to end
 * (n × 32 bytes): begin writes the header (one X25519 stanza per
 * recipient, a fresh file key, the header MAC) and the payload nonce;
 * update takes plaintext in any pieces; finish writes the last chunk and
 * frees the encryptor whatever happens; abort frees it without finishing
 * (the output is then not a valid age file). */
typedef struct cl_age_encryptor cl_age_encryptor;
cl_status cl_age_encrypt_begin(const unsigned char *recipients, size_t n_recipients,
                               cl_age_write_fn write, void *ctx, cl_age_encryptor **out);
cl_status cl_age_encrypt_update(cl_age_encryptor *e, const void *data, size_t len);
cl_status cl_age_encrypt_finish(cl_age_encryptor *e);
void cl_age_encrypt_abort(cl_age_encryptor *e);

/* Decrypts a whole age file read through `read` with any of the identities
 * (32-byte X25519 secrets), handing each verified chunk of plaintext to
 * `write`. Plaintext released before a payload failure was genuine, but
 * the caller must treat the whole as failed. On failure *why (may be NULL)
 * says which kind; the status is CL_EDATA (CL_EPERM for no match, the
 * callback's status for I/O) with a message for people. */
cl_status cl_age_decrypt(const cl_secret *const *identities, size_t n_identities, cl_age_read_fn read,
                         void *read_ctx, cl_age_write_fn write, void *write_ctx, cl_age_failure *why);

/* The same for a file encrypted to a passphrase (the bytes of passphrase,
 * which the caller read from a terminal or descriptor): the file must have
 * exactly one scrypt stanza; a wrong passphrase, or a file for keys, is
 * CL_AGE_NO_MATCH (CL_EPERM). */
cl_status cl_age_decrypt_passphrase(const cl_secret *passphrase, cl_age_read_fn read, void *read_ctx,
                                    cl_age_write_fn write, void *write_ctx, cl_age_failure *why);

/* Conveniences over a memory buffer. cl_age_buf grows with malloc; a
 * decrypted buffer should be wiped (sodium_memzero) before it is freed. */
typedef struct cl_age_buf {
    unsigned char *data;
    size_t len, cap;
    size_t max; /* 0: no limit; else writing beyond it fails with CL_EDATA */
} cl_age_buf;
cl_status cl_age_buf_write(void *buf, const unsigned char *data, size_t len);
void cl_age_buf_wipe(cl_age_buf *b);

typedef struct cl_age_mem_reader {
    const unsigned char *data;
    size_t len, pos;
} cl_age_mem_reader;
cl_status cl_age_mem_read(void *reader, unsigned char *buf, size_t cap, size_t *got);

#endif
