/* The age scrypt recipient (c2sp.org/age, "The scrypt recipient type"):
 * a file encrypted to a passphrase, as `age -p` writes it. Only opening is
 * spoken; carelog never encrypts to a passphrase. */
#include <sodium.h>
#include <string.h>

#include "age_internal.h"
#include "carelog/i18n.h"

/* age's own limit is 22 (4 GiB of memory); 20 (1 GiB) is what a school
 * laptop can give, and `age -p` writes 18. */
#define MAX_LOG_N 20
#define SALT_BYTES 16

static const char SCRYPT_LABEL[] = "age-encryption.org/v1/scrypt";

/* A decimal work factor as the spec writes it: no sign, no leading zero. */
static int parse_log_n(const char *text, size_t len)
{
    if (len == 0 || len > 2 || text[0] < '1' || text[0] > '9')
        return -1;
    int n = 0;
    for (size_t i = 0; i < len; i++) {
        if (text[i] < '0' || text[i] > '9')
            return -1;
        n = n * 10 + (text[i] - '0');
    }
    return n;
}

cl_status age_scrypt_unwrap(const char *salt_text, size_t salt_len, const char *log_n_text, size_t log_n_len,
                            const unsigned char body[32], const cl_secret *passphrase, unsigned char file_key[16],
                            cl_age_failure *why)
{
    unsigned char salt[sizeof SCRYPT_LABEL - 1 + SALT_BYTES];
    memcpy(salt, SCRYPT_LABEL, sizeof SCRYPT_LABEL - 1);
    if (!age_b64_decode_exact(salt_text, salt_len, salt + sizeof SCRYPT_LABEL - 1, SALT_BYTES))
        return age_fail(why, CL_AGE_HEADER, _("this age file's passphrase stanza has a malformed salt"));
    int log_n = parse_log_n(log_n_text, log_n_len);
    if (log_n < 1)
        return age_fail(why, CL_AGE_HEADER, _("this age file's passphrase stanza has a malformed work factor"));
    if (log_n > MAX_LOG_N)
        return age_fail(why, CL_AGE_HEADER, _("this age file's passphrase work factor is higher than carelog "
                                                 "allows (it would take too long and too much memory)"));
    unsigned char key[32];
    static const unsigned char zero_nonce[crypto_aead_chacha20poly1305_ietf_NPUBBYTES] = {0};
    if (crypto_pwhash_scryptsalsa208sha256_ll(passphrase->bytes, passphrase->len, salt, sizeof salt,
                                              (uint64_t)1 << log_n, 8, 1, key, sizeof key) != 0) {
        sodium_memzero(key, sizeof key);
        return age_fail(why, CL_AGE_IO, _("out of memory while deriving the key from the passphrase"));
    }
    int rc = crypto_aead_chacha20poly1305_ietf_decrypt(file_key, NULL, NULL, body, 32, NULL, 0, zero_nonce, key);
    sodium_memzero(key, sizeof key);
    if (rc != 0)
        return age_fail(why, CL_AGE_NO_MATCH, _("the passphrase does not open this age file"));
    return CL_OK;
}
