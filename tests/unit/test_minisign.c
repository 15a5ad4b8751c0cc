/* Unit tests for minisign signatures: round trips, tampering with the file,
 * the signature or the trusted comment, key formats, and Debian's minisign
 * both ways (it verifies carelog's signatures; carelog verifies its). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "carelog/file.h"
#include "carelog/minisign.h"
#include "unit_support.h"

static void new_key(cl_secret **sk, cl_minisign_key *k)
{
    unsigned char pk[32];
    OK(cl_secret_new(crypto_sign_SECRETKEYBYTES, sk));
    crypto_sign_keypair(pk, (*sk)->bytes);
    cl_minisign_key_of(pk, k);
}

static void test_round_trip_and_tampering(void **state)
{
    (void)state;
    cl_secret *sk;
    cl_minisign_key k, other;
    new_key(&sk, &k);
    cl_secret *sk2;
    new_key(&sk2, &other);
    static const unsigned char data[] = "a referral bundle";
    char *text;
    OK(cl_minisign_sign(sk, k.id, data, sizeof data, "export 1 to office", "signature from a school", &text));
    cl_minisign_sig sig;
    OK(cl_minisign_sig_parse(text, strlen(text), &sig));
    assert_string_equal(sig.algorithm, "ED");
    assert_string_equal(sig.trusted_comment, "export 1 to office");
    OK(cl_minisign_verify(&k, &sig, data, sizeof data));
    /* Another file, a shorter one, another key. */
    assert_int_equal(cl_minisign_verify(&k, &sig, data, sizeof data - 1), CL_EPERM);
    assert_int_equal(cl_minisign_verify(&other, &sig, data, sizeof data), CL_EPERM);
    /* The same key id with another key's signature. */
    memcpy(other.id, k.id, sizeof k.id);
    assert_int_equal(cl_minisign_verify(&other, &sig, data, sizeof data), CL_EPERM);
    /* A changed trusted comment. */
    cl_minisign_sig changed = sig;
    changed.trusted_comment[0] = 'E';
    assert_int_equal(cl_minisign_verify(&k, &changed, data, sizeof data), CL_EPERM);
    /* Any byte of the file's text changed: refused on parsing or on
     * verifying, except in the untrusted comment, which nothing trusts. */
    size_t n = strlen(text), first_nl = (size_t)(strchr(text, '\n') - text);
    for (size_t i = first_nl; i < n; i++) {
        char saved = text[i];
        /* A byte above 0x7f too: libsodium 1.0.18 alone would read one as
         * a base64 letter. */
        for (int variant = 0; variant < 2; variant++) {
            text[i] = variant ? (char)(saved ^ 0xff) : saved == 'A' ? 'B' : 'A';
            cl_minisign_sig t;
            if (cl_minisign_sig_parse(text, n, &t) == CL_OK)
                assert_int_not_equal(cl_minisign_verify(&k, &t, data, sizeof data), CL_OK);
        }
        text[i] = saved;
    }
    /* Bad comments are refused before signing. */
    char *none;
    assert_int_equal(cl_minisign_sign(sk, k.id, data, 1, "two\nlines", "", &none), CL_EUSAGE);
    free(text);
    cl_secret_free(sk);
    cl_secret_free(sk2);
}

static void test_key_formats(void **state)
{
    (void)state;
    cl_secret *sk;
    cl_minisign_key k, parsed;
    new_key(&sk, &k);
    char b64[CL_MINISIGN_KEY_TEXT_MAX];
    cl_minisign_key_base64(&k, b64);
    assert_int_equal(strncmp(b64, "RWQ", 2), 0);
    OK(cl_minisign_key_parse(b64, &parsed));
    assert_memory_equal(&parsed, &k, sizeof k);
    char *file;
    OK(cl_minisign_key_file(&k, &file));
    memset(&parsed, 0, sizeof parsed);
    OK(cl_minisign_key_parse(file, &parsed));
    assert_memory_equal(&parsed, &k, sizeof k);
    free(file);
    assert_int_equal(cl_minisign_key_parse("RWQ", &parsed), CL_EDATA);
    assert_int_equal(cl_minisign_key_parse("", &parsed), CL_EDATA);
    b64[5] = b64[5] == 'A' ? 'B' : 'A';
    OK(cl_minisign_key_parse(b64, &parsed)); /* still a key, another one */
    assert_memory_not_equal(&parsed, &k, sizeof k);
    cl_secret_free(sk);
}


static void test_debian_minisign(void **state)
{
    (void)state;
    assert_int_equal(run_shell("minisign -v >/dev/null 2>&1"), 0);
    char dir[] = "/tmp/carelog-minisign-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[600];
    static const unsigned char data[] = "bundle bytes \x01\x02 and more";
    snprintf(path, sizeof path, "%s/file", dir);
    OK(cl_file_create_atomic(path, data, sizeof data));
    /* carelog signs, minisign verifies (and shows the trusted comment). */
    cl_secret *sk;
    cl_minisign_key k;
    new_key(&sk, &k);
    char *sig, b64[CL_MINISIGN_KEY_TEXT_MAX];
    OK(cl_minisign_sign(sk, k.id, data, sizeof data, "export=abc referral=7", "signature from carelog", &sig));
    snprintf(path, sizeof path, "%s/file.minisig", dir);
    OK(cl_file_create_atomic(path, sig, strlen(sig)));
    cl_minisign_key_base64(&k, b64);
    assert_int_equal(run_shell("minisign -V -P %s -m %s/file | grep -q 'export=abc referral=7'", b64, dir), 0);
    /* And refuses a changed file. */
    assert_int_not_equal(run_shell("printf x >> %s/file && minisign -V -P %s -m %s/file >/dev/null 2>&1", dir, b64, dir), 0);
    free(sig);
    cl_secret_free(sk);
    /* minisign signs (prehashed and legacy), carelog verifies. */
    assert_int_equal(run_shell("cd %s && minisign -G -W -p mini.pub -s mini.key >/dev/null", dir), 0);
    static const char *const modes[] = {"", "-l"};
    for (int m = 0; m < 2; m++) {
        assert_int_equal(run_shell("cd %s && rm -f file.minisig && minisign -S %s -s mini.key -m file -t 'from minisign' "
                             ">/dev/null",
                             dir, modes[m]),
                         0);
        unsigned char *pub, *sigtext, *content;
        size_t pub_len, sig_len, content_len;
        snprintf(path, sizeof path, "%s/mini.pub", dir);
        OK(cl_file_read(path, 4096, &pub, &pub_len));
        snprintf(path, sizeof path, "%s/file.minisig", dir);
        OK(cl_file_read(path, 4096, &sigtext, &sig_len));
        snprintf(path, sizeof path, "%s/file", dir);
        OK(cl_file_read(path, 4096, &content, &content_len));
        cl_minisign_key mk;
        cl_minisign_sig ms;
        OK(cl_minisign_key_parse((char *)pub, &mk));
        OK(cl_minisign_sig_parse((char *)sigtext, sig_len, &ms));
        assert_string_equal(ms.algorithm, m == 0 ? "ED" : "Ed");
        assert_string_equal(ms.trusted_comment, "from minisign");
        OK(cl_minisign_verify(&mk, &ms, content, content_len));
        assert_int_equal(cl_minisign_verify(&mk, &ms, content, content_len - 1), CL_EPERM);
        free(pub);
        free(sigtext);
        free(content);
    }
    remove_tree(dir);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_and_tampering),
        cmocka_unit_test(test_key_formats),
        cmocka_unit_test(test_debian_minisign),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
