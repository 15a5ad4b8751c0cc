/* age v1 (c2sp.org/age): X25519 stanzas, the header MAC and the STREAM
 * payload, on libsodium. The header is parsed strictly by the spec's ABNF
 * before any key is tried, so a malformed file fails the same way whatever
 * identities are offered. */
#include "carelog/age.h"

#include <sodium.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "carelog/i18n.h"

#define FILE_KEY_BYTES 16
#define TAG_BYTES crypto_aead_chacha20poly1305_ietf_ABYTES
#define SEALED_CHUNK (CL_AGE_CHUNK_BYTES + TAG_BYTES)
#define NONCE_BYTES 16
#define MAC_BYTES 32
#define HEADER_MAX (1024 * 1024) /* a header is a few hundred bytes per recipient */
#define MAX_STANZAS 1000

static const char VERSION_LINE[] = "age-encryption.org/v1\n";
static const char X25519_INFO[] = "age-encryption.org/v1/X25519";

/* --- HKDF-SHA-256 (RFC 5869) on libsodium's HMAC-SHA-256; the output is
 * always one block (32 bytes), as age uses it. */
static void hkdf_sha256(const unsigned char *salt, size_t salt_len, const unsigned char *ikm, size_t ikm_len,
                        const char *info, unsigned char out[32])
{
    static const unsigned char no_salt[1] = {0};
    unsigned char prk[32];
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, salt_len ? salt : no_salt, salt_len);
    crypto_auth_hmacsha256_update(&st, ikm, ikm_len);
    crypto_auth_hmacsha256_final(&st, prk);
    const unsigned char one = 1;
    crypto_auth_hmacsha256_init(&st, prk, sizeof prk);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)info, strlen(info));
    crypto_auth_hmacsha256_update(&st, &one, 1);
    crypto_auth_hmacsha256_final(&st, out);
    sodium_memzero(prk, sizeof prk);
    sodium_memzero(&st, sizeof st);
}

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

/* --- Canonical unpadded base64, as the header uses it. */
static bool is_b64char(char c);

/* Every character is checked first: libsodium 1.0.18 reads a byte above
 * 0x7f as a negative char and may decode it as a letter. */
static bool b64_decode_exact(const char *text, size_t len, unsigned char *out, size_t want)
{
    if (len != (want * 4 + 2) / 3)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!is_b64char(text[i]))
            return false;
    size_t got = 0;
    const char *end = NULL;
    if (sodium_base642bin(out, want, text, len, NULL, &got, &end, sodium_base64_VARIANT_ORIGINAL_NO_PADDING) != 0)
        return false;
    return got == want && end == text + len;
}

static void b64_encode(const unsigned char *in, size_t len, char *out, size_t size)
{
    sodium_bin2base64(out, size, in, len, sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
}

/* --- The X25519 stanza. */
static void x25519_wrap_key(const unsigned char shared[32], const unsigned char share[32],
                            const unsigned char recipient[32], unsigned char key[32])
{
    unsigned char salt[64];
    memcpy(salt, share, 32);
    memcpy(salt + 32, recipient, 32);
    hkdf_sha256(salt, sizeof salt, shared, 32, X25519_INFO, key);
}

static const unsigned char ZERO_NONCE[crypto_aead_chacha20poly1305_ietf_NPUBBYTES] = {0};

/* --- Encryption. */
struct cl_age_encryptor {
    cl_age_write_fn write;
    void *ctx;
    unsigned char key[32];
    uint64_t counter;
    size_t fill;
    unsigned char chunk[SEALED_CHUNK];
};

static void chunk_nonce(uint64_t counter, bool last, unsigned char nonce[12])
{
    memset(nonce, 0, 12);
    for (int i = 0; i < 8; i++)
        nonce[10 - i] = (unsigned char)(counter >> (8 * i));
    nonce[11] = last ? 1 : 0;
}

static cl_status seal_chunk(cl_age_encryptor *e, bool last)
{
    unsigned char nonce[12];
    chunk_nonce(e->counter, last, nonce);
    unsigned long long clen;
    crypto_aead_chacha20poly1305_ietf_encrypt(e->chunk, &clen, e->chunk, e->fill, NULL, 0, NULL, nonce, e->key);
    cl_status st = e->write(e->ctx, e->chunk, (size_t)clen);
    sodium_memzero(e->chunk, sizeof e->chunk);
    e->fill = 0;
    e->counter++;
    return st;
}

/* Appends text to the header buffer; false when it would not fit. */
static bool header_put(char *h, size_t *n, size_t cap, const char *text)
{
    size_t len = strlen(text);
    if (*n + len >= cap)
        return false;
    memcpy(h + *n, text, len);
    *n += len;
    h[*n] = '\0';
    return true;
}

static cl_status write_header(cl_age_encryptor *e, const unsigned char *recipients, size_t n,
                              const unsigned char file_key[FILE_KEY_BYTES])
{
    size_t cap = 64 + n * 160, len = 0;
    char *h = malloc(cap);
    if (!h)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    h[0] = '\0';
    header_put(h, &len, cap, VERSION_LINE);
    cl_status st = CL_OK;
    for (size_t i = 0; i < n && st == CL_OK; i++) {
        unsigned char eph[32], share[32], shared[32], wrap[32], body[FILE_KEY_BYTES + TAG_BYTES];
        randombytes_buf(eph, sizeof eph);
        crypto_scalarmult_base(share, eph);
        if (crypto_scalarmult(shared, eph, recipients + 32 * i) != 0)
            st = cl_fail(CL_EDATA, _("an age recipient is not a usable X25519 public key"));
        if (st == CL_OK) {
            x25519_wrap_key(shared, share, recipients + 32 * i, wrap);
            crypto_aead_chacha20poly1305_ietf_encrypt(body, NULL, file_key, FILE_KEY_BYTES, NULL, 0, NULL,
                                                      ZERO_NONCE, wrap);
            char share64[64], body64[64];
            b64_encode(share, sizeof share, share64, sizeof share64);
            b64_encode(body, sizeof body, body64, sizeof body64);
            header_put(h, &len, cap, "-> X25519 ");
            header_put(h, &len, cap, share64);
            header_put(h, &len, cap, "\n");
            header_put(h, &len, cap, body64);
            header_put(h, &len, cap, "\n");
        }
        sodium_memzero(eph, sizeof eph);
        sodium_memzero(shared, sizeof shared);
        sodium_memzero(wrap, sizeof wrap);
    }
    if (st == CL_OK) {
        header_put(h, &len, cap, "---");
        unsigned char mac_key[32], mac[MAC_BYTES];
        hkdf_sha256(NULL, 0, file_key, FILE_KEY_BYTES, "header", mac_key);
        crypto_auth_hmacsha256_state hs;
        crypto_auth_hmacsha256_init(&hs, mac_key, sizeof mac_key);
        crypto_auth_hmacsha256_update(&hs, (const unsigned char *)h, len);
        crypto_auth_hmacsha256_final(&hs, mac);
        sodium_memzero(mac_key, sizeof mac_key);
        char mac64[64];
        b64_encode(mac, sizeof mac, mac64, sizeof mac64);
        header_put(h, &len, cap, " ");
        header_put(h, &len, cap, mac64);
        header_put(h, &len, cap, "\n");
        st = e->write(e->ctx, (const unsigned char *)h, len);
    }
    free(h);
    return st;
}

cl_status cl_age_encrypt_begin(const unsigned char *recipients, size_t n_recipients,
                               cl_age_write_fn write, void *ctx, cl_age_encryptor **out)
{
    if (n_recipients == 0 || n_recipients > MAX_STANZAS)
        return cl_fail(CL_EUSAGE, _("age encryption needs between 1 and %d recipients"), MAX_STANZAS);
    cl_age_encryptor *e = sodium_malloc(sizeof *e);
    if (!e)
        return cl_fail(CL_ESOFTWARE, _("out of protected memory"));
    memset(e, 0, sizeof *e);
    e->write = write;
    e->ctx = ctx;
    unsigned char file_key[FILE_KEY_BYTES], nonce[NONCE_BYTES];
    randombytes_buf(file_key, sizeof file_key);
    randombytes_buf(nonce, sizeof nonce);
    cl_status st = write_header(e, recipients, n_recipients, file_key);
    if (st == CL_OK)
        st = write(ctx, nonce, sizeof nonce);
    hkdf_sha256(nonce, sizeof nonce, file_key, sizeof file_key, "payload", e->key);
    sodium_memzero(file_key, sizeof file_key);
    if (st != CL_OK) {
        sodium_free(e);
        return st;
    }
    *out = e;
    return CL_OK;
}

cl_status cl_age_encrypt_update(cl_age_encryptor *e, const void *data, size_t len)
{
    const unsigned char *p = data;
    while (len > 0) {
        /* A full chunk is sealed only once more plaintext follows it, since
         * the last chunk (which may be full) carries the final flag. */
        if (e->fill == CL_AGE_CHUNK_BYTES) {
            cl_status st = seal_chunk(e, false);
            if (st != CL_OK)
                return st;
        }
        size_t take = CL_AGE_CHUNK_BYTES - e->fill;
        if (take > len)
            take = len;
        memcpy(e->chunk + e->fill, p, take);
        e->fill += take;
        p += take;
        len -= take;
    }
    return CL_OK;
}

cl_status cl_age_encrypt_finish(cl_age_encryptor *e)
{
    cl_status st = seal_chunk(e, true);
    sodium_free(e);
    return st;
}

void cl_age_encrypt_abort(cl_age_encryptor *e)
{
    if (e)
        sodium_free(e);
}

/* --- Decryption. */
typedef struct reader {
    cl_age_read_fn read;
    void *ctx;
    unsigned char buf[8192];
    size_t pos, len;
    bool eof;
    cl_status io; /* the callback's failure, if any */
} reader;

/* Makes sure at least one byte is buffered unless at the end. */
static bool reader_fill(reader *r)
{
    if (r->pos < r->len)
        return true;
    if (r->eof)
        return false;
    size_t got = 0;
    cl_status st = r->read(r->ctx, r->buf, sizeof r->buf, &got);
    if (st != CL_OK) {
        r->io = st;
        r->eof = true;
        return false;
    }
    r->pos = 0;
    r->len = got;
    if (got == 0)
        r->eof = true;
    return got > 0;
}

/* Reads up to n bytes (fewer only at the end). */
static size_t reader_take(reader *r, unsigned char *dst, size_t n)
{
    size_t done = 0;
    while (done < n && reader_fill(r)) {
        size_t k = r->len - r->pos;
        if (k > n - done)
            k = n - done;
        memcpy(dst + done, r->buf + r->pos, k);
        r->pos += k;
        done += k;
    }
    return done;
}

typedef struct stanza {
    size_t arg_off[8]; /* offsets of the first arguments into the header */
    size_t arg_len[8];
    int argc;          /* all arguments, even beyond the eight kept */
    size_t body_off, body_len; /* the base64 body lines, with their newlines */
} stanza;

typedef struct header {
    char *text;      /* the raw header bytes, up to and including the MAC line */
    size_t len;
    size_t mac_at;   /* bytes covered by the MAC (through "---") */
    unsigned char mac[MAC_BYTES];
    stanza *stanzas;
    size_t n;
} header;

static void header_free(header *h)
{
    free(h->text);
    free(h->stanzas);
}

static cl_status header_fail(cl_age_failure *why, cl_age_failure kind, const char *msg)
{
    if (why)
        *why = kind;
    return cl_fail(kind == CL_AGE_NO_MATCH ? CL_EPERM : CL_EDATA, "%s", msg);
}

/* Reads one line (through its LF) into the header text; false at the end
 * of input, on a missing LF or when the header grows too long. */
static bool read_line(reader *r, header *h, size_t *start, size_t *len)
{
    *start = h->len;
    for (;;) {
        if (!reader_fill(r))
            return false;
        unsigned char c = r->buf[r->pos++];
        if (h->len + 2 > HEADER_MAX)
            return false;
        h->text[h->len++] = (char)c;
        if (c == '\n') {
            *len = h->len - *start - 1;
            h->text[h->len] = '\0';
            return true;
        }
    }
}

static bool is_b64char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
}

/* Splits "-> arg arg…" into arguments: one or more, each 1*VCHAR, one
 * space apart. */
static bool parse_arg_line(const char *line, size_t len, size_t line_off, stanza *s)
{
    if (len < 4 || memcmp(line, "-> ", 3) != 0)
        return false;
    s->argc = 0;
    size_t i = 3;
    while (i <= len) {
        size_t j = i;
        while (j < len && line[j] != ' ') {
            if ((unsigned char)line[j] < 0x21 || (unsigned char)line[j] > 0x7e)
                return false;
            j++;
        }
        if (j == i)
            return false; /* an empty argument: two spaces, or a trailing one */
        if (s->argc < 8) {
            s->arg_off[s->argc] = line_off + i;
            s->arg_len[s->argc] = j - i;
        }
        s->argc++;
        if (j == len)
            break;
        i = j + 1;
    }
    return true;
}

/* Every stanza's body, known type or not, must be canonical base64. */
static bool body_canonical(const header *h, const stanza *s)
{
    size_t chars = 0;
    char *joined = malloc(s->body_len + 1);
    if (!joined)
        return false;
    for (size_t i = 0; i < s->body_len; i++)
        if (h->text[s->body_off + i] != '\n')
            joined[chars++] = h->text[s->body_off + i];
    bool ok = chars % 4 != 1;
    if (ok && chars > 0) {
        size_t want = chars * 3 / 4, got = 0;
        unsigned char *bin = malloc(want + 1);
        const char *end = NULL;
        ok = bin && sodium_base642bin(bin, want + 1, joined, chars, NULL, &got, &end,
                                      sodium_base64_VARIANT_ORIGINAL_NO_PADDING) == 0 &&
             end == joined + chars && got == want;
        free(bin);
    }
    free(joined);
    return ok;
}

static cl_status parse_header(reader *r, header *h, cl_age_failure *why)
{
    memset(h, 0, sizeof *h);
    h->text = malloc(HEADER_MAX);
    if (!h->text)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    size_t start, len, cap = 0;
    const char *bad = _("this is not a valid age file: its header is malformed");
    if (!read_line(r, h, &start, &len)) {
        if (r->io != CL_OK)
            return *why = CL_AGE_IO, r->io;
        return header_fail(why, CL_AGE_HEADER, bad);
    }
    if (len >= 5 && memcmp(h->text, "-----", 5) == 0)
        return header_fail(why, CL_AGE_ARMOR, _("this age file is ASCII-armored, which carelog does not read; "
                                                "turn it into a binary file with `age -d` or ask for one"));
    if (len + 1 != strlen(VERSION_LINE) || memcmp(h->text, VERSION_LINE, len + 1) != 0) {
        if (len > 19 && memcmp(h->text, "age-encryption.org/", 19) == 0)
            return header_fail(why, CL_AGE_HEADER, _("this age file has a version carelog does not know"));
        return header_fail(why, CL_AGE_HEADER, _("this is not an age file (no age-encryption.org/v1 line)"));
    }
    for (;;) {
        if (!read_line(r, h, &start, &len)) {
            if (r->io != CL_OK)
                return *why = CL_AGE_IO, r->io;
            return header_fail(why, CL_AGE_HEADER, bad);
        }
        const char *line = h->text + start;
        if (len >= 3 && memcmp(line, "---", 3) == 0) {
            h->mac_at = start + 3;
            if (h->n == 0 || len != 4 + 43 || line[3] != ' ' || !b64_decode_exact(line + 4, 43, h->mac, MAC_BYTES))
                return header_fail(why, CL_AGE_HEADER, bad);
            return CL_OK;
        }
        if (h->n == cap) {
            if (cap >= MAX_STANZAS)
                return header_fail(why, CL_AGE_HEADER, bad);
            cap = cap ? cap * 2 : 4;
            stanza *grown = realloc(h->stanzas, cap * sizeof *grown);
            if (!grown)
                return cl_fail(CL_ESOFTWARE, _("out of memory"));
            h->stanzas = grown;
        }
        stanza *s = &h->stanzas[h->n++];
        if (!parse_arg_line(line, len, start, s))
            return header_fail(why, CL_AGE_HEADER, bad);
        s->body_off = h->len;
        /* Body lines: full ones of 64 characters, then one shorter. */
        for (;;) {
            if (!read_line(r, h, &start, &len)) {
                if (r->io != CL_OK)
                    return *why = CL_AGE_IO, r->io;
                return header_fail(why, CL_AGE_HEADER, bad);
            }
            if (len > 64)
                return header_fail(why, CL_AGE_HEADER, bad);
            for (size_t i = 0; i < len; i++)
                if (!is_b64char(h->text[start + i]))
                    return header_fail(why, CL_AGE_HEADER, bad);
            if (len < 64)
                break;
        }
        s->body_len = h->len - s->body_off;
        if (!body_canonical(h, s))
            return header_fail(why, CL_AGE_HEADER, bad);
    }
}

/* The stanza's body decoded, when it decodes canonically to exactly want
 * bytes. */
static bool stanza_body(const header *h, const stanza *s, unsigned char *out, size_t want)
{
    char joined[256];
    size_t n = 0;
    for (size_t i = 0; i < s->body_len; i++) {
        char c = h->text[s->body_off + i];
        if (c == '\n')
            continue;
        if (n + 1 >= sizeof joined)
            return false;
        joined[n++] = c;
    }
    return b64_decode_exact(joined, n, out, want);
}

static bool arg_is(const header *h, const stanza *s, int i, const char *word)
{
    return s->argc > i && i < 8 && s->arg_len[i] == strlen(word) &&
           memcmp(h->text + s->arg_off[i], word, s->arg_len[i]) == 0;
}

/* Tries the identities on every X25519 stanza, in order. A stanza that is
 * for X25519 but malformed fails the header; one that does not open is
 * somebody else's. */
static cl_status unwrap_file_key(const header *h, const cl_secret *const *ids, size_t n_ids,
                                 unsigned char file_key[FILE_KEY_BYTES], cl_age_failure *why)
{
    const char *bad = _("this age file has a malformed X25519 recipient stanza");
    for (size_t i = 0; i < h->n; i++)
        if (arg_is(h, &h->stanzas[i], 0, "scrypt")) {
            if (h->n > 1)
                return header_fail(why, CL_AGE_HEADER, _("this age file mixes a passphrase stanza with others, "
                                                         "which the format forbids"));
            return header_fail(why, CL_AGE_UNSUPPORTED, _("this age file is encrypted with a passphrase (scrypt); "
                                                          "carelog opens only files encrypted to a key — use "
                                                          "`age -d` for this one"));
        }
    for (size_t i = 0; i < h->n; i++) {
        const stanza *s = &h->stanzas[i];
        if (!arg_is(h, s, 0, "X25519"))
            continue;
        unsigned char share[32], body[FILE_KEY_BYTES + TAG_BYTES];
        if (s->argc != 2 || !b64_decode_exact(h->text + s->arg_off[1], s->arg_len[1], share, sizeof share) ||
            !stanza_body(h, s, body, sizeof body))
            return header_fail(why, CL_AGE_HEADER, bad);
        for (size_t k = 0; k < n_ids; k++) {
            if (!ids[k] || ids[k]->len != 32)
                continue;
            unsigned char shared[32], recipient[32], wrap[32];
            crypto_scalarmult_base(recipient, ids[k]->bytes);
            if (crypto_scalarmult(shared, ids[k]->bytes, share) != 0) {
                sodium_memzero(shared, sizeof shared);
                return header_fail(why, CL_AGE_HEADER, _("this age file has an X25519 stanza with a low-order "
                                                         "share, which the format forbids"));
            }
            x25519_wrap_key(shared, share, recipient, wrap);
            int rc = crypto_aead_chacha20poly1305_ietf_decrypt(file_key, NULL, NULL, body, sizeof body, NULL, 0,
                                                               ZERO_NONCE, wrap);
            sodium_memzero(shared, sizeof shared);
            sodium_memzero(wrap, sizeof wrap);
            if (rc == 0)
                return CL_OK;
        }
    }
    return header_fail(why, CL_AGE_NO_MATCH, _("this age file is not encrypted to this key (no recipient stanza "
                                               "opens with it)"));
}

static cl_status decrypt_payload(reader *r, const unsigned char file_key[FILE_KEY_BYTES], cl_age_write_fn write,
                                 void *wctx, cl_age_failure *why)
{
    const char *damaged = _("the age file's content is damaged, truncated or extended (a chunk does not verify)");
    unsigned char nonce[NONCE_BYTES];
    if (reader_take(r, nonce, sizeof nonce) != sizeof nonce) {
        if (r->io != CL_OK)
            return *why = CL_AGE_IO, r->io;
        /* The vectors count a missing nonce against the header. */
        return header_fail(why, CL_AGE_HEADER, damaged);
    }
    unsigned char *key = sodium_malloc(32 + SEALED_CHUNK);
    if (!key)
        return cl_fail(CL_ESOFTWARE, _("out of protected memory"));
    unsigned char *chunk = key + 32;
    hkdf_sha256(nonce, sizeof nonce, file_key, FILE_KEY_BYTES, "payload", key);
    cl_status st = CL_OK;
    for (uint64_t counter = 0;; counter++) {
        size_t got = reader_take(r, chunk, SEALED_CHUNK);
        if (r->io != CL_OK) {
            st = r->io, *why = CL_AGE_IO;
            break;
        }
        /* The last chunk is the one the input ends after. */
        bool last = got < SEALED_CHUNK || !reader_fill(r);
        if (r->io != CL_OK) {
            st = r->io, *why = CL_AGE_IO;
            break;
        }
        unsigned char cn[12];
        chunk_nonce(counter, last, cn);
        unsigned long long plain = 0;
        bool ok = got >= TAG_BYTES &&
                  crypto_aead_chacha20poly1305_ietf_decrypt(chunk, &plain, NULL, chunk, got, NULL, 0, cn, key) == 0;
        /* A full chunk whose flag disagrees with where the input ends (a
         * final chunk with data after it, or an ordinary one with nothing
         * after): the chunk itself is genuine and released, as age does,
         * and the file then fails. */
        bool misplaced = false;
        if (!ok && got == SEALED_CHUNK) {
            chunk_nonce(counter, !last, cn);
            ok = misplaced =
                crypto_aead_chacha20poly1305_ietf_decrypt(chunk, &plain, NULL, chunk, got, NULL, 0, cn, key) == 0;
        }
        bool final_flag = last != misplaced;
        if (!ok || (final_flag && plain == 0 && counter > 0)) {
            st = header_fail(why, CL_AGE_PAYLOAD, damaged);
            break;
        }
        if (plain > 0 && (st = write(wctx, chunk, (size_t)plain)) != CL_OK) {
            *why = CL_AGE_IO;
            break;
        }
        if (misplaced) {
            st = header_fail(why, CL_AGE_PAYLOAD, final_flag ? _("the age file has data after its final chunk")
                                                             : _("the age file is truncated (it has no final chunk)"));
            break;
        }
        if (last)
            break;
    }
    sodium_free(key);
    return st;
}

cl_status cl_age_decrypt(const cl_secret *const *identities, size_t n_identities, cl_age_read_fn read,
                         void *read_ctx, cl_age_write_fn write, void *write_ctx, cl_age_failure *why)
{
    cl_age_failure ignored;
    if (!why)
        why = &ignored;
    *why = CL_AGE_SUCCESS;
    reader *r = malloc(sizeof *r);
    if (!r)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    memset(r, 0, sizeof *r);
    r->read = read;
    r->ctx = read_ctx;
    header h;
    unsigned char file_key[FILE_KEY_BYTES];
    cl_status st = parse_header(r, &h, why);
    if (st == CL_OK)
        st = unwrap_file_key(&h, identities, n_identities, file_key, why);
    if (st == CL_OK) {
        unsigned char mac_key[32], mac[MAC_BYTES];
        hkdf_sha256(NULL, 0, file_key, sizeof file_key, "header", mac_key);
        crypto_auth_hmacsha256(mac, (const unsigned char *)h.text, h.mac_at, mac_key);
        sodium_memzero(mac_key, sizeof mac_key);
        if (sodium_memcmp(mac, h.mac, MAC_BYTES) != 0)
            st = header_fail(why, CL_AGE_HMAC, _("the age file's header was changed after it was written (its "
                                                 "MAC does not verify)"));
    }
    if (st == CL_OK)
        st = decrypt_payload(r, file_key, write, write_ctx, why);
    sodium_memzero(file_key, sizeof file_key);
    header_free(&h);
    free(r);
    return st;
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
