/* What the age sources share; not part of the public face. */
#ifndef CARELOG_AGE_INTERNAL_H
#define CARELOG_AGE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "carelog/age.h"
#include "carelog/secret.h"

/* Records a failure of the given kind with a message for people. */
cl_status age_fail(cl_age_failure *why, cl_age_failure kind, const char *msg);
/* A character of the base64 alphabet (no padding). */
bool age_b64char(char c);
/* Decodes armored text into out, whose data is preallocated with cap at
 * least n bytes. */
cl_status age_armor_decode(const char *text, size_t n, cl_age_buf *out, cl_age_failure *why);

/* The scrypt stanza ("-> scrypt SALT LOG_N", body of 32 bytes) opened
 * with a passphrase (age_scrypt.c): the salt and work factor as they
 * stand in the header, checked strictly; a wrong passphrase is
 * CL_AGE_NO_MATCH. */
cl_status age_scrypt_unwrap(const char *salt, size_t salt_len, const char *log_n, size_t log_n_len,
                            const unsigned char body[32], const cl_secret *passphrase, unsigned char file_key[16],
                            cl_age_failure *why);
/* Strict base64 without padding of exactly want bytes. */
bool age_b64_decode_exact(const char *text, size_t len, unsigned char *out, size_t want);

#endif
