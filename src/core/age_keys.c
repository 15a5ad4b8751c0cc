/* age's key encodings (Bech32 recipients and identities) and the memory
 * buffers the age API reads from and writes to. */
#include <sodium.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "carelog/age.h"
#include "carelog/i18n.h"

/* --- Bech32 (BIP 173) without the length limit, as age uses it. */
static const char BECH32[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

static uint32_t bech32_polymod_step(uint32_t chk, unsigned v)
{
    static const uint32_t gen[5] = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3};
    uint32_t top = chk >> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ v;
    for (int i = 0; i < 5; i++)
        if ((top >> i) & 1)
            chk ^= gen[i];
    return chk;
}

static uint32_t bech32_hrp_checksum(const char *hrp, size_t n)
{
    uint32_t chk = 1;
    for (size_t i = 0; i < n; i++)
        chk = bech32_polymod_step(chk, (unsigned char)hrp[i] >> 5);
    chk = bech32_polymod_step(chk, 0);
    for (size_t i = 0; i < n; i++)
        chk = bech32_polymod_step(chk, (unsigned char)hrp[i] & 31);
    return chk;
}

/* Encodes 32 bytes under a lower-case hrp; upper-cases the whole when asked. */
static void bech32_encode(const char *hrp, const unsigned char *data, size_t len, bool upper, char *out)
{
    unsigned char five[64];
    size_t n5 = 0;
    unsigned acc = 0;
    int bits = 0;
    for (size_t i = 0; i < len; i++) {
        acc = (acc << 8) | data[i];
        bits += 8;
        while (bits >= 5) {
            five[n5++] = (acc >> (bits - 5)) & 31;
            bits -= 5;
        }
    }
    if (bits > 0)
        five[n5++] = (acc << (5 - bits)) & 31;
    size_t hn = strlen(hrp);
    uint32_t chk = bech32_hrp_checksum(hrp, hn);
    for (size_t i = 0; i < n5; i++)
        chk = bech32_polymod_step(chk, five[i]);
    for (int i = 0; i < 6; i++)
        chk = bech32_polymod_step(chk, 0);
    chk ^= 1;
    size_t o = 0;
    for (size_t i = 0; i < hn; i++)
        out[o++] = hrp[i];
    out[o++] = '1';
    for (size_t i = 0; i < n5; i++)
        out[o++] = BECH32[five[i]];
    for (int i = 0; i < 6; i++)
        out[o++] = BECH32[(chk >> (5 * (5 - i))) & 31];
    out[o] = '\0';
    if (upper)
        for (size_t i = 0; i < o; i++)
            if (out[i] >= 'a' && out[i] <= 'z')
                out[i] = (char)(out[i] - 'a' + 'A');
    sodium_memzero(five, sizeof five);
}

/* Decodes text with the (lower-case) hrp into exactly 32 bytes. */
static bool bech32_decode32(const char *text, const char *hrp, unsigned char out[32])
{
    size_t n = strlen(text), hn = strlen(hrp);
    bool lower = false, upper = false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c < 33 || c > 126)
            return false;
        lower |= c >= 'a' && c <= 'z';
        upper |= c >= 'A' && c <= 'Z';
    }
    if ((lower && upper) || n < hn + 1 + 6 || text[hn] != '1')
        return false;
    for (size_t i = 0; i < hn; i++) {
        char c = text[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != hrp[i])
            return false;
    }
    uint32_t chk = bech32_hrp_checksum(hrp, hn);
    unsigned acc = 0;
    int bits = 0;
    size_t o = 0, data_chars = n - hn - 1;
    for (size_t i = 0; i < data_chars; i++) {
        char c = text[hn + 1 + i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        const char *p = strchr(BECH32, c);
        if (!p || !c)
            return false;
        unsigned v = (unsigned)(p - BECH32);
        chk = bech32_polymod_step(chk, v);
        if (i + 6 < data_chars) {
            acc = ((acc << 5) | v) & 0xfff;
            bits += 5;
            if (bits >= 8) {
                if (o == 32)
                    return false;
                out[o++] = (unsigned char)(acc >> (bits - 8));
                bits -= 8;
            }
        }
    }
    /* Leftover bits must be fewer than five and zero (no padding data). */
    return chk == 1 && o == 32 && bits < 5 && (acc & ((1u << bits) - 1)) == 0;
}

cl_status cl_age_recipient_parse(const char *text, unsigned char pk[CL_AGE_KEY_BYTES])
{
    if (!text || !bech32_decode32(text, "age", pk))
        return cl_fail(CL_EDATA, _("\"%.80s\" is not an age recipient (a public key such as age1…, as "
                                   "`age-keygen -y` prints it)"), text ? text : "");
    return CL_OK;
}

void cl_age_recipient_format(const unsigned char pk[CL_AGE_KEY_BYTES], char out[CL_AGE_RECIPIENT_MAX])
{
    bech32_encode("age", pk, CL_AGE_KEY_BYTES, false, out);
}

cl_status cl_age_identity_parse(const char *text, cl_secret **out)
{
    cl_secret *s;
    cl_status st = cl_secret_new(CL_AGE_KEY_BYTES, &s);
    if (st != CL_OK)
        return st;
    if (!text || !bech32_decode32(text, "age-secret-key-", s->bytes)) {
        cl_secret_free(s);
        return cl_fail(CL_EDATA, _("this is not an age identity (a secret key AGE-SECRET-KEY-1…, as "
                                   "`age-keygen` writes it)"));
    }
    *out = s;
    return CL_OK;
}

cl_status cl_age_identity_format(const cl_secret *secret, cl_secret **out)
{
    if (secret->len != CL_AGE_KEY_BYTES)
        return cl_fail(CL_ESOFTWARE, _("an age identity is 32 bytes"));
    cl_secret *s;
    cl_status st = cl_secret_new(CL_AGE_IDENTITY_MAX, &s);
    if (st != CL_OK)
        return st;
    bech32_encode("age-secret-key-", secret->bytes, CL_AGE_KEY_BYTES, true, (char *)s->bytes);
    s->len = strlen((char *)s->bytes);
    *out = s;
    return CL_OK;
}

cl_status cl_age_identity_public(const cl_secret *secret, unsigned char pk[CL_AGE_KEY_BYTES])
{
    if (secret->len != CL_AGE_KEY_BYTES || crypto_scalarmult_base(pk, secret->bytes) != 0)
        return cl_fail(CL_EDATA, _("the age identity is not a usable X25519 key"));
    return CL_OK;
}

/* --- Memory buffers. */
cl_status cl_age_buf_write(void *buf, const unsigned char *data, size_t len)
{
    cl_age_buf *b = buf;
    if (b->max && (len > b->max || b->len > b->max - len))
        return cl_fail(CL_EDATA, _("the decrypted content is larger than %zu bytes, more than carelog accepts"),
                       b->max);
    if (b->len + len + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + len + 1)
            cap *= 2;
        /* Grown by copying so the old plaintext can be wiped, not left to
         * realloc. */
        unsigned char *grown = malloc(cap);
        if (!grown)
            return cl_fail(CL_ESOFTWARE, _("out of memory"));
        if (b->data) {
            memcpy(grown, b->data, b->len);
            sodium_memzero(b->data, b->cap);
            free(b->data);
        }
        b->data = grown;
        b->cap = cap;
    }
    memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = 0;
    return CL_OK;
}

void cl_age_buf_wipe(cl_age_buf *b)
{
    if (b->data) {
        sodium_memzero(b->data, b->cap);
        free(b->data);
    }
    b->data = NULL;
    b->len = b->cap = 0;
}

cl_status cl_age_mem_read(void *reader_ctx, unsigned char *buf, size_t cap, size_t *got)
{
    cl_age_mem_reader *m = reader_ctx;
    size_t n = m->len - m->pos;
    if (n > cap)
        n = cap;
    memcpy(buf, m->data + m->pos, n);
    m->pos += n;
    *got = n;
    return CL_OK;
}
