/* minisign's formats: public keys, .minisig files, prehashed Ed25519. */
#include "carelog/minisign.h"

#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "carelog/i18n.h"

#define UNTRUSTED_PREFIX "untrusted comment: "
#define TRUSTED_PREFIX "trusted comment: "

void cl_minisign_key_of(const unsigned char ed25519_pk[32], cl_minisign_key *out)
{
    crypto_generichash(out->id, sizeof out->id, ed25519_pk, 32, (const unsigned char *)"carelog-minisign-id", 19);
    memcpy(out->pk, ed25519_pk, 32);
}

void cl_minisign_key_base64(const cl_minisign_key *k, char out[CL_MINISIGN_KEY_TEXT_MAX])
{
    unsigned char raw[2 + CL_MINISIGN_KEY_ID_BYTES + 32];
    memcpy(raw, "Ed", 2);
    memcpy(raw + 2, k->id, CL_MINISIGN_KEY_ID_BYTES);
    memcpy(raw + 2 + CL_MINISIGN_KEY_ID_BYTES, k->pk, 32);
    sodium_bin2base64(out, CL_MINISIGN_KEY_TEXT_MAX, raw, sizeof raw, sodium_base64_VARIANT_ORIGINAL);
}

/* minisign reads the id as a little-endian number and prints it. */
void cl_minisign_key_id_hex(const unsigned char id[CL_MINISIGN_KEY_ID_BYTES], char out[17])
{
    for (int i = 0; i < CL_MINISIGN_KEY_ID_BYTES; i++)
        snprintf(out + 2 * i, 3, "%02X", id[CL_MINISIGN_KEY_ID_BYTES - 1 - i]);
}

cl_status cl_minisign_key_file(const cl_minisign_key *k, char **out)
{
    char b64[CL_MINISIGN_KEY_TEXT_MAX], hex[17];
    cl_minisign_key_base64(k, b64);
    cl_minisign_key_id_hex(k->id, hex);
    size_t n = strlen(b64) + 80;
    *out = malloc(n);
    if (!*out)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    snprintf(*out, n, UNTRUSTED_PREFIX "minisign public key %s\n%s\n", hex, b64);
    return CL_OK;
}

bool cl_base64_decode_exact(const char *text, size_t len, unsigned char *out, size_t want)
{
    /* Only the alphabet and padding reach libsodium: 1.0.18 reads a byte
     * above 0x7f as a negative char and may decode it as a letter. */
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/' ||
              c == '='))
            return false;
    }
    size_t got = 0;
    const char *end = NULL;
    return sodium_base642bin(out, want, text, len, NULL, &got, &end, sodium_base64_VARIANT_ORIGINAL) == 0 &&
           got == want && end == text + len;
}

/* The next line of text (without its LF or a CR before it). */
static bool next_line(const char **p, const char *end, const char **line, size_t *len)
{
    if (*p >= end)
        return false;
    const char *nl = memchr(*p, '\n', (size_t)(end - *p));
    const char *stop = nl ? nl : end;
    *line = *p;
    *len = (size_t)(stop - *p);
    if (*len > 0 && (*line)[*len - 1] == '\r')
        (*len)--;
    *p = nl ? nl + 1 : end;
    return true;
}

cl_status cl_minisign_key_parse(const char *text, cl_minisign_key *out)
{
    const char *p = text, *end = text + strlen(text), *line;
    size_t len;
    const char *bad = _("this is not a minisign public key (it reads RWQ… or is a minisign.pub file)");
    if (!next_line(&p, end, &line, &len))
        return cl_fail(CL_EDATA, "%s", bad);
    if (len >= strlen(UNTRUSTED_PREFIX) && memcmp(line, UNTRUSTED_PREFIX, strlen(UNTRUSTED_PREFIX)) == 0 &&
        !next_line(&p, end, &line, &len))
        return cl_fail(CL_EDATA, "%s", bad);
    while (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\t'))
        len--;
    unsigned char raw[2 + CL_MINISIGN_KEY_ID_BYTES + 32];
    if (!cl_base64_decode_exact(line, len, raw, sizeof raw))
        return cl_fail(CL_EDATA, "%s", bad);
    if (memcmp(raw, "Ed", 2) != 0)
        return cl_fail(CL_EDATA, _("this minisign public key is for an algorithm other than Ed25519"));
    memcpy(out->id, raw + 2, CL_MINISIGN_KEY_ID_BYTES);
    memcpy(out->pk, raw + 2 + CL_MINISIGN_KEY_ID_BYTES, 32);
    return CL_OK;
}

static cl_status check_comment(const char *what, const char *comment)
{
    if (strlen(comment) > CL_MINISIGN_COMMENT_MAX)
        return cl_fail(CL_EUSAGE, _("the %s is longer than %d bytes"), what, CL_MINISIGN_COMMENT_MAX);
    if (strpbrk(comment, "\r\n"))
        return cl_fail(CL_EUSAGE, _("the %s may not hold a line break"), what);
    return CL_OK;
}

cl_status cl_minisign_sign(const cl_secret *ed25519_sk, const unsigned char key_id[CL_MINISIGN_KEY_ID_BYTES],
                           const unsigned char *data, size_t len, const char *trusted_comment,
                           const char *untrusted_comment, char **out)
{
    cl_status st = check_comment("trusted comment", trusted_comment);
    if (st == CL_OK)
        st = check_comment("untrusted comment", untrusted_comment);
    if (st != CL_OK)
        return st;
    if (ed25519_sk->len != crypto_sign_SECRETKEYBYTES)
        return cl_fail(CL_ESOFTWARE, _("an Ed25519 secret key is %d bytes"), crypto_sign_SECRETKEYBYTES);
    unsigned char hash[crypto_generichash_BYTES_MAX];
    crypto_generichash(hash, sizeof hash, data, len, NULL, 0);
    unsigned char raw[2 + CL_MINISIGN_KEY_ID_BYTES + 64];
    memcpy(raw, "ED", 2);
    memcpy(raw + 2, key_id, CL_MINISIGN_KEY_ID_BYTES);
    crypto_sign_detached(raw + 2 + CL_MINISIGN_KEY_ID_BYTES, NULL, hash, sizeof hash, ed25519_sk->bytes);
    size_t tlen = strlen(trusted_comment);
    unsigned char *global_msg = malloc(64 + tlen);
    if (!global_msg)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    memcpy(global_msg, raw + 2 + CL_MINISIGN_KEY_ID_BYTES, 64);
    memcpy(global_msg + 64, trusted_comment, tlen);
    unsigned char global[64];
    crypto_sign_detached(global, NULL, global_msg, 64 + tlen, ed25519_sk->bytes);
    free(global_msg);
    char sig64[sodium_base64_ENCODED_LEN(sizeof raw, sodium_base64_VARIANT_ORIGINAL)];
    char global64[sodium_base64_ENCODED_LEN(64, sodium_base64_VARIANT_ORIGINAL)];
    sodium_bin2base64(sig64, sizeof sig64, raw, sizeof raw, sodium_base64_VARIANT_ORIGINAL);
    sodium_bin2base64(global64, sizeof global64, global, sizeof global, sodium_base64_VARIANT_ORIGINAL);
    size_t n = strlen(untrusted_comment) + tlen + sizeof sig64 + sizeof global64 + 64;
    *out = malloc(n);
    if (!*out)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    snprintf(*out, n, UNTRUSTED_PREFIX "%s\n%s\n" TRUSTED_PREFIX "%s\n%s\n", untrusted_comment, sig64,
             trusted_comment, global64);
    return CL_OK;
}

cl_status cl_minisign_sig_parse(const char *text, size_t len, cl_minisign_sig *out)
{
    memset(out, 0, sizeof *out);
    const char *p = text, *end = text + len, *line;
    size_t n;
    const char *bad = _("this is not a minisign signature file (.minisig)");
    if (!next_line(&p, end, &line, &n) || n < strlen(UNTRUSTED_PREFIX) ||
        memcmp(line, UNTRUSTED_PREFIX, strlen(UNTRUSTED_PREFIX)) != 0)
        return cl_fail(CL_EDATA, "%s", bad);
    unsigned char raw[2 + CL_MINISIGN_KEY_ID_BYTES + 64];
    if (!next_line(&p, end, &line, &n) || !cl_base64_decode_exact(line, n, raw, sizeof raw))
        return cl_fail(CL_EDATA, "%s", bad);
    if (memcmp(raw, "ED", 2) != 0 && memcmp(raw, "Ed", 2) != 0)
        return cl_fail(CL_EDATA, _("this minisign signature uses an algorithm carelog does not know"));
    memcpy(out->algorithm, raw, 2);
    memcpy(out->key_id, raw + 2, CL_MINISIGN_KEY_ID_BYTES);
    memcpy(out->signature, raw + 2 + CL_MINISIGN_KEY_ID_BYTES, 64);
    size_t tp = strlen(TRUSTED_PREFIX);
    if (!next_line(&p, end, &line, &n) || n < tp || memcmp(line, TRUSTED_PREFIX, tp) != 0 ||
        n - tp > CL_MINISIGN_COMMENT_MAX || memchr(line + tp, '\0', n - tp))
        return cl_fail(CL_EDATA, "%s", bad);
    memcpy(out->trusted_comment, line + tp, n - tp);
    out->trusted_comment[n - tp] = '\0';
    if (!next_line(&p, end, &line, &n) || !cl_base64_decode_exact(line, n, out->global_signature, 64))
        return cl_fail(CL_EDATA, "%s", bad);
    /* Nothing but blank lines may follow. */
    while (next_line(&p, end, &line, &n))
        if (n != 0)
            return cl_fail(CL_EDATA, "%s", bad);
    return CL_OK;
}

cl_status cl_minisign_verify(const cl_minisign_key *k, const cl_minisign_sig *s, const unsigned char *data,
                             size_t len)
{
    if (sodium_memcmp(k->id, s->key_id, CL_MINISIGN_KEY_ID_BYTES) != 0) {
        char want[17], got[17];
        cl_minisign_key_id_hex(k->id, want);
        cl_minisign_key_id_hex(s->key_id, got);
        return cl_fail(CL_EPERM, _("the signature was made with key %s, not with the expected key %s"), got, want);
    }
    int rc;
    if (strcmp(s->algorithm, "ED") == 0) {
        unsigned char hash[crypto_generichash_BYTES_MAX];
        crypto_generichash(hash, sizeof hash, data, len, NULL, 0);
        rc = crypto_sign_verify_detached(s->signature, hash, sizeof hash, k->pk);
    } else {
        rc = crypto_sign_verify_detached(s->signature, data, len, k->pk);
    }
    if (rc != 0)
        return cl_fail(CL_EPERM, _("the signature does not match the file: the file was changed, truncated or "
                                   "signed by someone else"));
    size_t tlen = strlen(s->trusted_comment);
    unsigned char *msg = malloc(64 + tlen);
    if (!msg)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    memcpy(msg, s->signature, 64);
    memcpy(msg + 64, s->trusted_comment, tlen);
    rc = crypto_sign_verify_detached(s->global_signature, msg, 64 + tlen, k->pk);
    free(msg);
    if (rc != 0)
        return cl_fail(CL_EPERM, _("the signature's trusted comment was changed after it was signed"));
    return CL_OK;
}
