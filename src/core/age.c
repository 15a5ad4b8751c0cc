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

#include "age_internal.h"
#include "carelog/i18n.h"

#define FILE_KEY_BYTES 16
#define TAG_BYTES crypto_aead_chacha20poly1305_ietf_ABYTES
#define SEALED_CHUNK (CL_AGE_CHUNK_BYTES + TAG_BYTES)
#define NONCE_BYTES 16
#define MAC_BYTES 32
#define HEADER_MAX (1024 * 1024) /* a header is a few hundred bytes per recipient */
#define MAX_STANZAS 1000
#define ARMOR_MAX (96u << 20) /* armored text read whole */

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

/* --- Canonical unpadded base64, as the header uses it. */

/* Every character is checked first: libsodium 1.0.18 reads a byte above
 * 0x7f as a negative char and may decode it as a letter. */
bool age_b64_decode_exact(const char *text, size_t len, unsigned char *out, size_t want)
{
    if (len != (want * 4 + 2) / 3)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!age_b64char(text[i]))
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

cl_status age_fail(cl_age_failure *why, cl_age_failure kind, const char *msg)
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

bool age_b64char(char c)
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
        return age_fail(why, CL_AGE_HEADER, bad);
    }
    if (len + 1 != strlen(VERSION_LINE) || memcmp(h->text, VERSION_LINE, len + 1) != 0) {
        if (len > 19 && memcmp(h->text, "age-encryption.org/", 19) == 0)
            return age_fail(why, CL_AGE_HEADER, _("this age file has a version carelog does not know"));
        return age_fail(why, CL_AGE_HEADER, _("this is not an age file (no age-encryption.org/v1 line)"));
    }
    for (;;) {
        if (!read_line(r, h, &start, &len)) {
            if (r->io != CL_OK)
                return *why = CL_AGE_IO, r->io;
            return age_fail(why, CL_AGE_HEADER, bad);
        }
        const char *line = h->text + start;
        if (len >= 3 && memcmp(line, "---", 3) == 0) {
            h->mac_at = start + 3;
            if (h->n == 0 || len != 4 + 43 || line[3] != ' ' || !age_b64_decode_exact(line + 4, 43, h->mac, MAC_BYTES))
                return age_fail(why, CL_AGE_HEADER, bad);
            return CL_OK;
        }
        if (h->n == cap) {
            if (cap >= MAX_STANZAS)
                return age_fail(why, CL_AGE_HEADER, bad);
            cap = cap ? cap * 2 : 4;
            stanza *grown = realloc(h->stanzas, cap * sizeof *grown);
            if (!grown)
                return cl_fail(CL_ESOFTWARE, _("out of memory"));
            h->stanzas = grown;
        }
        stanza *s = &h->stanzas[h->n++];
        if (!parse_arg_line(line, len, start, s))
            return age_fail(why, CL_AGE_HEADER, bad);
        s->body_off = h->len;
        /* Body lines: full ones of 64 characters, then one shorter. */
        for (;;) {
            if (!read_line(r, h, &start, &len)) {
                if (r->io != CL_OK)
                    return *why = CL_AGE_IO, r->io;
                return age_fail(why, CL_AGE_HEADER, bad);
            }
            if (len > 64)
                return age_fail(why, CL_AGE_HEADER, bad);
            for (size_t i = 0; i < len; i++)
                if (!age_b64char(h->text[start + i]))
                    return age_fail(why, CL_AGE_HEADER, bad);
            if (len < 64)
                break;
        }
        s->body_len = h->len - s->body_off;
        if (!body_canonical(h, s))
            return age_fail(why, CL_AGE_HEADER, bad);
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
    return age_b64_decode_exact(joined, n, out, want);
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
                                 const cl_secret *passphrase, unsigned char file_key[FILE_KEY_BYTES],
                                 cl_age_failure *why)
{
    const char *bad = _("this age file has a malformed X25519 recipient stanza");
    for (size_t i = 0; i < h->n; i++) {
        const stanza *s = &h->stanzas[i];
        if (!arg_is(h, s, 0, "scrypt"))
            continue;
        if (h->n > 1)
            return age_fail(why, CL_AGE_HEADER, _("this age file mixes a passphrase stanza with others, "
                                                     "which the format forbids"));
        if (!passphrase)
            return age_fail(why, CL_AGE_UNSUPPORTED, _("this age file is encrypted with a passphrase (scrypt), "
                                                          "not to a key; carelog opens it only where it asks for "
                                                          "a passphrase — or use `age -d`"));
        unsigned char body[FILE_KEY_BYTES + TAG_BYTES];
        if (s->argc != 3 || !stanza_body(h, s, body, sizeof body))
            return age_fail(why, CL_AGE_HEADER, _("this age file has a malformed passphrase (scrypt) stanza"));
        return age_scrypt_unwrap(h->text + s->arg_off[1], s->arg_len[1], h->text + s->arg_off[2], s->arg_len[2],
                                 body, passphrase, file_key, why);
    }
    if (passphrase)
        return age_fail(why, CL_AGE_NO_MATCH, _("this age file is not encrypted with a passphrase (it has no "
                                                   "scrypt stanza)"));
    for (size_t i = 0; i < h->n; i++) {
        const stanza *s = &h->stanzas[i];
        if (!arg_is(h, s, 0, "X25519"))
            continue;
        unsigned char share[32], body[FILE_KEY_BYTES + TAG_BYTES];
        if (s->argc != 2 || !age_b64_decode_exact(h->text + s->arg_off[1], s->arg_len[1], share, sizeof share) ||
            !stanza_body(h, s, body, sizeof body))
            return age_fail(why, CL_AGE_HEADER, bad);
        for (size_t k = 0; k < n_ids; k++) {
            if (!ids[k] || ids[k]->len != 32)
                continue;
            unsigned char shared[32], recipient[32], wrap[32];
            crypto_scalarmult_base(recipient, ids[k]->bytes);
            if (crypto_scalarmult(shared, ids[k]->bytes, share) != 0) {
                sodium_memzero(shared, sizeof shared);
                return age_fail(why, CL_AGE_HEADER, _("this age file has an X25519 stanza with a low-order "
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
    return age_fail(why, CL_AGE_NO_MATCH, _("this age file is not encrypted to this key (no recipient stanza "
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
        return age_fail(why, CL_AGE_HEADER, damaged);
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
            st = age_fail(why, CL_AGE_PAYLOAD, damaged);
            break;
        }
        if (plain > 0 && (st = write(wctx, chunk, (size_t)plain)) != CL_OK) {
            *why = CL_AGE_IO;
            break;
        }
        if (misplaced) {
            st = age_fail(why, CL_AGE_PAYLOAD, final_flag ? _("the age file has data after its final chunk")
                                                             : _("the age file is truncated (it has no final chunk)"));
            break;
        }
        if (last)
            break;
    }
    sodium_free(key);
    return st;
}

/* Reads the rest of the input into memory for armor decoding. */
static cl_status read_all(reader *r, cl_age_buf *out, cl_age_failure *why)
{
    while (reader_fill(r)) {
        cl_status st = cl_age_buf_write(out, r->buf + r->pos, r->len - r->pos);
        r->pos = r->len;
        if (st != CL_OK) {
            *why = CL_AGE_ARMOR;
            return st;
        }
    }
    if (r->io != CL_OK)
        *why = CL_AGE_IO;
    return r->io;
}

/* Decrypts a binary age file from r (which it frees). */
static cl_status decrypt_binary(reader *r, const cl_secret *const *identities, size_t n_identities,
                                const cl_secret *passphrase, cl_age_write_fn write, void *write_ctx,
                                cl_age_failure *why)
{
    header h;
    unsigned char file_key[FILE_KEY_BYTES];
    cl_status st = parse_header(r, &h, why);
    if (st == CL_OK)
        st = unwrap_file_key(&h, identities, n_identities, passphrase, file_key, why);
    if (st == CL_OK) {
        unsigned char mac_key[32], mac[MAC_BYTES];
        hkdf_sha256(NULL, 0, file_key, sizeof file_key, "header", mac_key);
        crypto_auth_hmacsha256(mac, (const unsigned char *)h.text, h.mac_at, mac_key);
        sodium_memzero(mac_key, sizeof mac_key);
        if (sodium_memcmp(mac, h.mac, MAC_BYTES) != 0)
            st = age_fail(why, CL_AGE_HMAC, _("the age file's header was changed after it was written (its "
                                                 "MAC does not verify)"));
    }
    if (st == CL_OK)
        st = decrypt_payload(r, file_key, write, write_ctx, why);
    sodium_memzero(file_key, sizeof file_key);
    header_free(&h);
    free(r);
    return st;
}

static cl_status age_decrypt(const cl_secret *const *identities, size_t n_identities, const cl_secret *passphrase,
                             cl_age_read_fn read, void *read_ctx, cl_age_write_fn write, void *write_ctx,
                             cl_age_failure *why)
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
    /* A binary file starts with "age-encryption.org/"; anything else is
     * read as armor (and fails as armor when it is not). Comparing what
     * is buffered suffices: a prefix of the intro is never armor. */
    static const char intro[] = "age-encryption.org/";
    bool armored = false;
    if (reader_fill(r)) {
        size_t have = r->len - r->pos, n = have < sizeof intro - 1 ? have : sizeof intro - 1;
        armored = memcmp(r->buf + r->pos, intro, n) != 0;
    }
    if (armored) {
        cl_age_buf text = {.max = ARMOR_MAX}, binary = {0};
        binary.max = ARMOR_MAX;
        cl_status st = read_all(r, &text, why);
        free(r);
        if (st == CL_OK) {
            /* The decoded buffer is sized once, as large as the text. */
            binary.cap = text.len + 1;
            binary.data = malloc(binary.cap);
            st = binary.data ? age_armor_decode((const char *)text.data, text.len, &binary, why)
                             : cl_fail(CL_ESOFTWARE, _("out of memory"));
        }
        cl_age_buf_wipe(&text);
        if (st == CL_OK) {
            cl_age_mem_reader in = {binary.data, binary.len, 0};
            reader *inner = calloc(1, sizeof *inner);
            if (!inner) {
                cl_age_buf_wipe(&binary);
                return cl_fail(CL_ESOFTWARE, _("out of memory"));
            }
            inner->read = cl_age_mem_read;
            inner->ctx = &in;
            st = decrypt_binary(inner, identities, n_identities, passphrase, write, write_ctx, why);
        }
        cl_age_buf_wipe(&binary);
        return st;
    }
    return decrypt_binary(r, identities, n_identities, passphrase, write, write_ctx, why);
}

cl_status cl_age_decrypt(const cl_secret *const *identities, size_t n_identities, cl_age_read_fn read,
                         void *read_ctx, cl_age_write_fn write, void *write_ctx, cl_age_failure *why)
{
    return age_decrypt(identities, n_identities, NULL, read, read_ctx, write, write_ctx, why);
}

cl_status cl_age_decrypt_passphrase(const cl_secret *passphrase, cl_age_read_fn read, void *read_ctx,
                                    cl_age_write_fn write, void *write_ctx, cl_age_failure *why)
{
    return age_decrypt(NULL, 0, passphrase, read, read_ctx, write, write_ctx, why);
}

