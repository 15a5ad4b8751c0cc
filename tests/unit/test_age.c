/* Unit tests for age v1: every applicable C2SP test vector (expected
 * outcome and the hash of the plaintext released), round trips across chunk
 * boundaries, several recipients, and the key encodings. Run from the
 * repository's top folder (as `make unit` does). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "carelog/age.h"
#include "carelog/file.h"
#include "unit_support.h"

#define VECTORS "tests/data/age-vectors"

typedef struct vector {
    char expect[32];
    char payload[65];
    bool compressed;
    cl_secret *ids[8];
    size_t n_ids;
    cl_secret *passphrase;
    unsigned char *body;
    size_t body_len;
} vector;

static void vector_free(vector *v)
{
    for (size_t i = 0; i < v->n_ids; i++)
        cl_secret_free(v->ids[i]);
    cl_secret_free(v->passphrase);
    free(v->body);
}

static void load_vector(const char *path, vector *v)
{
    memset(v, 0, sizeof *v);
    unsigned char *data;
    size_t len;
    OK(cl_file_read(path, 16 << 20, &data, &len));
    size_t pos = 0;
    for (;;) {
        const unsigned char *nl = memchr(data + pos, '\n', len - pos);
        assert_non_null(nl);
        size_t n = (size_t)(nl - (data + pos));
        if (n == 0) {
            pos++;
            break;
        }
        char line[256];
        assert_true(n < sizeof line);
        memcpy(line, data + pos, n);
        line[n] = '\0';
        if (strncmp(line, "expect: ", 8) == 0)
            snprintf(v->expect, sizeof v->expect, "%.31s", line + 8);
        else if (strncmp(line, "payload: ", 9) == 0)
            snprintf(v->payload, sizeof v->payload, "%.64s", line + 9);
        else if (strncmp(line, "passphrase: ", 12) == 0)
            OK(cl_secret_copy((const unsigned char *)line + 12, strlen(line + 12), &v->passphrase));
        else if (strcmp(line, "compressed: zlib") == 0)
            v->compressed = true;
        else if (strncmp(line, "identity: ", 10) == 0 && strncmp(line + 10, "AGE-SECRET-KEY-1", 16) == 0) {
            assert_true(v->n_ids < 8);
            OK(cl_age_identity_parse(line + 10, &v->ids[v->n_ids++]));
        }
        pos += n + 1;
    }
    size_t raw = len - pos;
    if (v->compressed) {
        uLongf cap = 32 << 20;
        v->body = malloc(cap);
        assert_int_equal(uncompress(v->body, &cap, data + pos, raw), Z_OK);
        v->body_len = cap;
    } else {
        v->body = malloc(raw ? raw : 1);
        memcpy(v->body, data + pos, raw);
        v->body_len = raw;
    }
    free(data);
}

static cl_status hash_write(void *ctx, const unsigned char *data, size_t len)
{
    crypto_hash_sha256_update(ctx, data, len);
    return CL_OK;
}

static cl_age_failure expected_failure(const char *expect)
{
    if (strcmp(expect, "success") == 0)
        return CL_AGE_SUCCESS;
    if (strcmp(expect, "no match") == 0)
        return CL_AGE_NO_MATCH;
    if (strcmp(expect, "HMAC failure") == 0)
        return CL_AGE_HMAC;
    if (strcmp(expect, "payload failure") == 0)
        return CL_AGE_PAYLOAD;
    if (strcmp(expect, "header failure") == 0)
        return CL_AGE_HEADER;
    if (strcmp(expect, "armor failure") == 0)
        return CL_AGE_ARMOR;
    fail_msg("unknown expectation %s", expect);
    return CL_AGE_IO;
}

static void test_every_vector(void **state)
{
    (void)state;
    DIR *d = opendir(VECTORS);
    assert_non_null(d);
    int ran = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.' || strcmp(e->d_name, "README.md") == 0)
            continue;
        char path[512];
        snprintf(path, sizeof path, "%s/%s", VECTORS, e->d_name);
        vector v;
        load_vector(path, &v);
        cl_age_mem_reader in = {v.body, v.body_len, 0};
        crypto_hash_sha256_state h;
        crypto_hash_sha256_init(&h);
        cl_age_failure why = CL_AGE_IO;
        cl_status st = v.passphrase ? cl_age_decrypt_passphrase(v.passphrase, cl_age_mem_read, &in, hash_write, &h,
                                                                &why)
                                    : cl_age_decrypt((const cl_secret *const *)v.ids, v.n_ids, cl_age_mem_read, &in,
                                                     hash_write, &h, &why);
        cl_age_failure want = expected_failure(v.expect);
        if (why != want || (want == CL_AGE_SUCCESS) != (st == CL_OK))
            fail_msg("%s: expected %s, got failure kind %d (status %d: %s)", e->d_name, v.expect, (int)why, (int)st,
                     cl_error_message());
        if (v.payload[0]) {
            unsigned char digest[32];
            char hex[65];
            crypto_hash_sha256_final(&h, digest);
            sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
            if (strcmp(hex, v.payload) != 0)
                fail_msg("%s: released plaintext hashes to %s, not %s", e->d_name, hex, v.payload);
        }
        vector_free(&v);
        ran++;
    }
    closedir(d);
    /* The copied set holds 124 vectors (26 of them scrypt); fewer means the
     * test ran from the wrong folder or lost files, and proves nothing. */
    assert_true(ran >= 124);
}

static void round_trip(size_t size, size_t n_recipients)
{
    cl_secret *ids[3];
    unsigned char pks[3][CL_AGE_KEY_BYTES];
    for (size_t i = 0; i < 3; i++) {
        OK(cl_secret_random(32, &ids[i]));
        OK(cl_age_identity_public(ids[i], pks[i]));
    }
    unsigned char *plain = malloc(size + 1);
    randombytes_buf(plain, size);
    cl_age_buf cipher = {0};
    cl_age_encryptor *enc;
    OK(cl_age_encrypt_begin(pks[0], n_recipients, cl_age_buf_write, &cipher, &enc));
    /* Uneven pieces, so that chunk boundaries fall inside them. */
    for (size_t off = 0; off < size;) {
        size_t piece = 1 + (off * 7919) % 70000;
        if (piece > size - off)
            piece = size - off;
        OK(cl_age_encrypt_update(enc, plain + off, piece));
        off += piece;
    }
    OK(cl_age_encrypt_finish(enc));
    for (size_t i = 0; i < 3; i++) {
        cl_age_mem_reader in = {cipher.data, cipher.len, 0};
        cl_age_buf out = {0};
        cl_age_failure why;
        const cl_secret *one[1] = {ids[i]};
        cl_status st = cl_age_decrypt(one, 1, cl_age_mem_read, &in, cl_age_buf_write, &out, &why);
        if (i < n_recipients) {
            OK(st);
            assert_int_equal(out.len, size);
            assert_true(size == 0 || memcmp(out.data, plain, size) == 0);
        } else {
            assert_int_equal(st, CL_EPERM);
            assert_int_equal(why, CL_AGE_NO_MATCH);
        }
        cl_age_buf_wipe(&out);
    }
    /* One byte changed anywhere is refused. */
    for (size_t at = 0; at < cipher.len; at += 1 + cipher.len / 97) {
        cipher.data[at] ^= 0x20;
        cl_age_mem_reader in = {cipher.data, cipher.len, 0};
        cl_age_buf out = {0};
        const cl_secret *one[1] = {ids[0]};
        assert_int_not_equal(cl_age_decrypt(one, 1, cl_age_mem_read, &in, cl_age_buf_write, &out, NULL), CL_OK);
        cl_age_buf_wipe(&out);
        cipher.data[at] ^= 0x20;
    }
    /* Truncated anywhere is refused. */
    for (size_t cut = 0; cut < cipher.len; cut += 1 + cipher.len / 31) {
        cl_age_mem_reader in = {cipher.data, cut, 0};
        cl_age_buf out = {0};
        const cl_secret *one[1] = {ids[0]};
        assert_int_not_equal(cl_age_decrypt(one, 1, cl_age_mem_read, &in, cl_age_buf_write, &out, NULL), CL_OK);
        cl_age_buf_wipe(&out);
    }
    cl_age_buf_wipe(&cipher);
    free(plain);
    for (size_t i = 0; i < 3; i++)
        cl_secret_free(ids[i]);
}

static void test_round_trips(void **state)
{
    (void)state;
    round_trip(0, 1);
    round_trip(1, 2);
    round_trip(CL_AGE_CHUNK_BYTES - 1, 1);
    round_trip(CL_AGE_CHUNK_BYTES, 2);
    round_trip(CL_AGE_CHUNK_BYTES + 1, 1);
    round_trip(3 * CL_AGE_CHUNK_BYTES, 2);
}

static void test_keys(void **state)
{
    (void)state;
    /* The spec's example identity and recipient. */
    cl_secret *id;
    OK(cl_age_identity_parse("AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX", &id));
    unsigned char pk[32], parsed[32];
    OK(cl_age_identity_public(id, pk));
    char text[CL_AGE_RECIPIENT_MAX];
    cl_age_recipient_format(pk, text);
    assert_string_equal(text, "age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj");
    OK(cl_age_recipient_parse(text, parsed));
    assert_memory_equal(parsed, pk, 32);
    cl_secret *again;
    OK(cl_age_identity_format(id, &again));
    assert_string_equal((char *)again->bytes,
                        "AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX");
    cl_secret_free(again);
    cl_secret_free(id);
    /* A changed character breaks the checksum; mixed case is refused. */
    assert_int_equal(cl_age_recipient_parse("age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwk", parsed),
                     CL_EDATA);
    assert_int_equal(cl_age_recipient_parse("age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwJ", parsed),
                     CL_EDATA);
    assert_int_equal(cl_age_recipient_parse("AGE1ZVKYG2LQZRAA2LNJVQEJ32NKUU0UES2S82HZRYE869XEEXVN73EQUNUJWJ", parsed),
                     CL_OK);
    assert_int_equal(cl_age_recipient_parse("age1qqqq", parsed), CL_EDATA);
    assert_int_equal(cl_age_identity_parse("age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj", &id),
                     CL_EDATA);
}

static void test_refusals(void **state)
{
    (void)state;
    cl_secret *id;
    OK(cl_secret_random(32, &id));
    const cl_secret *one[1] = {id};
    static const char scrypt[] = "age-encryption.org/v1\n-> scrypt ajMFur+EJLGaohv/dLRGnw 18\n"
                                 "8SHBz/ldWnjyGFQqfjat6uNBarWqqEMDS7W8X7+Xq5Q\n"
                                 "--- Kc4KPeH9jZbBY0vCCUWmS0sHq1mTQQAe7fTL/0E3XN8\n";
    struct { const char *text; cl_age_failure why; const char *says; } cases[] = {
        {scrypt, CL_AGE_UNSUPPORTED, "passphrase"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        cl_age_mem_reader in = {(const unsigned char *)cases[i].text, strlen(cases[i].text), 0};
        cl_age_buf out = {0};
        cl_age_failure why;
        assert_int_equal(cl_age_decrypt(one, 1, cl_age_mem_read, &in, cl_age_buf_write, &out, &why), CL_EDATA);
        assert_int_equal(why, cases[i].why);
        assert_non_null(strstr(cl_error_message(), cases[i].says));
    }
    cl_secret_free(id);
}



static cl_status file_write(void *ctx, const unsigned char *data, size_t len)
{
    return fwrite(data, 1, len, ctx) == len ? CL_OK : cl_fail(CL_EIO, "write failed");
}

static cl_status file_read(void *ctx, unsigned char *buf, size_t cap, size_t *got)
{
    *got = fread(buf, 1, cap, ctx);
    return ferror((FILE *)ctx) ? cl_fail(CL_EIO, "read failed") : CL_OK;
}

/* Interoperability with Debian's age (a test package): carelog encrypts to
 * two recipients and `age -d` decrypts with each; `age -r` encrypts and
 * carelog decrypts. Sizes straddle the chunk boundary. */
static void test_debian_age(void **state)
{
    (void)state;
    assert_int_equal(run_shell("age --version >/dev/null 2>&1"), 0);
    char dir[] = "/tmp/carelog-age-XXXXXX";
    assert_non_null(mkdtemp(dir));
    static const size_t sizes[] = {0, 5, CL_AGE_CHUNK_BYTES, 2 * CL_AGE_CHUNK_BYTES + 17};
    for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
        size_t size = sizes[k];
        unsigned char *plain = malloc(size + 1);
        randombytes_buf(plain, size);
        char path[600];
        snprintf(path, sizeof path, "%s/plain", dir);
        FILE *f = fopen(path, "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(plain, 1, size, f), size);
        fclose(f);
        cl_secret *ids[2];
        unsigned char pks[2][CL_AGE_KEY_BYTES];
        for (int i = 0; i < 2; i++) {
            OK(cl_secret_random(32, &ids[i]));
            OK(cl_age_identity_public(ids[i], pks[i]));
            cl_secret *text;
            OK(cl_age_identity_format(ids[i], &text));
            snprintf(path, sizeof path, "%s/key%d", dir, i);
            f = fopen(path, "w");
            fprintf(f, "# created by carelog's test\n%s\n", (char *)text->bytes);
            fclose(f);
            cl_secret_free(text);
        }
        /* carelog → age */
        snprintf(path, sizeof path, "%s/by-carelog.age", dir);
        f = fopen(path, "wb");
        cl_age_encryptor *enc;
        OK(cl_age_encrypt_begin(pks[0], 2, file_write, f, &enc));
        OK(cl_age_encrypt_update(enc, plain, size));
        OK(cl_age_encrypt_finish(enc));
        fclose(f);
        for (int i = 0; i < 2; i++)
            assert_int_equal(run_shell("age -d -i %s/key%d %s/by-carelog.age >%s/out && cmp -s %s/out %s/plain", dir, i,
                                 dir, dir, dir, dir), 0);
        /* age → carelog (armored with -a every other time) */
        char rcpt[CL_AGE_RECIPIENT_MAX];
        cl_age_recipient_format(pks[1], rcpt);
        assert_int_equal(run_shell("rm -f %s/by-age.age && age %s -r %s -o %s/by-age.age %s/plain", dir,
                                   k % 2 ? "-a" : "", rcpt, dir, dir), 0);
        snprintf(path, sizeof path, "%s/by-age.age", dir);
        f = fopen(path, "rb");
        cl_age_buf out = {0};
        cl_age_failure why;
        const cl_secret *one[1] = {ids[1]};
        OK(cl_age_decrypt(one, 1, file_read, f, cl_age_buf_write, &out, &why));
        fclose(f);
        assert_int_equal(out.len, size);
        assert_true(size == 0 || memcmp(out.data, plain, size) == 0);
        cl_age_buf_wipe(&out);
        for (int i = 0; i < 2; i++)
            cl_secret_free(ids[i]);
        free(plain);
    }
    remove_tree(dir);
}

/* Debian's `age -p` encrypts to a passphrase (it reads it from a terminal
 * only, so script(1) gives it one); carelog opens the file with the
 * passphrase, refuses a wrong one, and a key opens nothing. */
static void test_debian_age_passphrase(void **state)
{
    (void)state;
    assert_int_equal(run_shell("age --version >/dev/null 2>&1 && script --version >/dev/null 2>&1"), 0);
    char dir[] = "/tmp/carelog-age-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[600];
    snprintf(path, sizeof path, "%s/plain", dir);
    FILE *f = fopen(path, "w");
    fputs("心理老师的随访记录 passphrase file\n", f);
    fclose(f);
    assert_int_equal(run_shell("printf 'correct horse 马\\ncorrect horse 马\\n' | script -qec 'age -p -o %s/p.age "
                               "%s/plain' /dev/null >/dev/null 2>&1",
                               dir, dir),
                     0);
    snprintf(path, sizeof path, "%s/p.age", dir);
    static const char *const tries[] = {"correct horse 马", "correct horse"};
    for (int i = 0; i < 2; i++) {
        f = fopen(path, "rb");
        assert_non_null(f);
        cl_secret *pass;
        OK(cl_secret_copy((const unsigned char *)tries[i], strlen(tries[i]), &pass));
        cl_age_buf out = {0};
        cl_age_failure why;
        cl_status st = cl_age_decrypt_passphrase(pass, file_read, f, cl_age_buf_write, &out, &why);
        fclose(f);
        if (i == 0) {
            OK(st);
            assert_int_equal(out.len, strlen("心理老师的随访记录 passphrase file\n"));
            assert_memory_equal(out.data, "心理老师的随访记录", strlen("心理老师的随访记录"));
        } else {
            assert_int_equal(st, CL_EPERM);
            assert_int_equal(why, CL_AGE_NO_MATCH);
        }
        cl_age_buf_wipe(&out);
        cl_secret_free(pass);
    }
    remove_tree(dir);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_vector),
        cmocka_unit_test(test_round_trips),
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_debian_age),
        cmocka_unit_test(test_debian_age_passphrase),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
