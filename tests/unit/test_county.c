/* A county file names the school and its fingerprint; only the key that
 * signed it is proved. A trusted school must not pass off its totals under
 * another school's fingerprint: the file's fingerprint must be the one of
 * the vault.pub it is trusted by. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "carelog/county.h"
#include "unit_support.h"

static unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
static char pk64[64];

/* A well-formed file signed by the test key, claiming fingerprint fp. */
static char *signed_file(const char *school, const char *fp)
{
    json_t *counts = json_pack("{s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i}", "students", 40, "observations", 12,
                               "sessions", 9, "assessments", 6, "screenings", 20, "plans", 5, "reviews", 5,
                               "contacts", 7, "referrals", 5);
    json_t *doc = json_pack("{s:s, s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:o, s:[], s:[], s:[]}",
                            "format", "carelog-county-totals", "version", 1, "period", "2026 秋季学期", "from",
                            "2026-09-01", "to", "2027-01-31", "school", school, "vault_id",
                            "00112233445566778899aabbccddeeff", "fingerprint", fp, "ed25519", pk64, "threshold", 5,
                            "generated_at", "2027-01-31T08:00:00Z", "totals", counts, "by_grade", "referral_states",
                            "screening_bands");
    assert_non_null(doc);
    char *text = json_dumps(doc, JSON_SORT_KEYS | JSON_COMPACT);
    unsigned char sig[crypto_sign_BYTES];
    char sig64[100];
    crypto_sign_detached(sig, NULL, (const unsigned char *)text, strlen(text), sk);
    free(text);
    sodium_bin2base64(sig64, sizeof sig64, sig, sizeof sig, sodium_base64_VARIANT_ORIGINAL);
    json_object_set_new(doc, "signature", json_string(sig64));
    text = json_dumps(doc, JSON_INDENT(2));
    json_decref(doc);
    return text;
}

static json_t *trusted_list(void)
{
    char pub[512];
    snprintf(pub, sizeof pub,
             "carelog-vault-public 1\nvault-id: 00112233445566778899aabbccddeeff\nschool: 第二中学\n"
             "x25519: AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\ned25519: %s\nfingerprint: XXXX-XXXX-XXXX-XXXX\n",
             pk64);
    json_t *t = NULL;
    OK(cl_county_trust_parse(pub, strlen(pub), &t));
    json_t *list = json_array();
    json_array_append_new(list, t);
    return list;
}

static void test_own_fingerprint_verifies(void **state)
{
    (void)state;
    json_t *trusted = trusted_list(), *doc = NULL;
    char *file = signed_file("第二中学", "XXXX-XXXX-XXXX-XXXX");
    OK(cl_county_verify((const unsigned char *)file, strlen(file), trusted, &doc));
    json_decref(doc);
    free(file);
    json_decref(trusted);
}

static void test_another_schools_fingerprint_is_refused(void **state)
{
    (void)state;
    json_t *trusted = trusted_list(), *doc = NULL;
    char *file = signed_file("第一中学", "YYYY-YYYY-YYYY-YYYY");
    cl_status st = cl_county_verify((const unsigned char *)file, strlen(file), trusted, &doc);
    assert_int_not_equal(st, CL_OK);
    assert_null(doc);
    cl_error_clear();
    free(file);
    json_decref(trusted);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    crypto_sign_keypair(pk, sk);
    sodium_bin2base64(pk64, sizeof pk64, pk, sizeof pk, sodium_base64_VARIANT_ORIGINAL);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_own_fingerprint_verifies),
        cmocka_unit_test(test_another_schools_fingerprint_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
