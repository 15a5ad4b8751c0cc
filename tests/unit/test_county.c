/* County files: a file names the school and its fingerprint, and only the
 * key that signed it is proved, so a trusted school must not pass off its
 * totals under another school's name or fingerprint; and adding schools up
 * must not undo a school's suppression (a count published under a lower
 * threshold, a cell that subtraction from an exact total would give). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "carelog/county.h"
#include "carelog/minisign.h"
#include "carelog/vault.h"
#include "unit_support.h"

static unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES], xpk[32];
static char fingerprint[24];
#define VAULT_ID "00112233445566778899aabbccddeeff"

/* A well-formed file claiming school and fp, and its signature by the test
 * key with a trusted comment naming comment_fp. */
static char *signed_file(const char *school, const char *fp, const char *comment_fp, char **sig)
{
    json_t *counts = json_pack("{s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i}", "students", 40, "observations", 12,
                               "sessions", 9, "assessments", 6, "screenings", 20, "plans", 5, "reviews", 5,
                               "contacts", 7, "referrals", 5);
    json_t *doc = json_pack("{s:s, s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:o, s:[], s:[], s:[]}", "format",
                            "carelog-county-totals", "version", 2, "period", "2026 秋季学期", "from", "2026-09-01",
                            "to", "2027-01-31", "school", school, "vault_id", VAULT_ID, "fingerprint", fp,
                            "threshold", 5, "generated_at", "2027-01-31T08:00:00Z", "totals", counts, "by_grade",
                            "referral_states", "screening_bands");
    assert_non_null(doc);
    char *text = json_dumps(doc, JSON_INDENT(2));
    json_decref(doc);
    cl_secret *secret;
    OK(cl_secret_copy(sk, sizeof sk, &secret));
    cl_minisign_key k;
    cl_minisign_key_of(pk, &k);
    char comment[200];
    snprintf(comment, sizeof comment, "carelog-county v2 school=%s vault=%s at=2027-01-31T08:00:00Z file=c.json",
             comment_fp, VAULT_ID);
    OK(cl_minisign_sign(secret, k.id, (const unsigned char *)text, strlen(text), comment, "test", sig));
    cl_secret_free(secret);
    return text;
}

static json_t *trusted_list(void)
{
    char pub[512], x64[64], ed64[64];
    sodium_bin2base64(x64, sizeof x64, xpk, sizeof xpk, sodium_base64_VARIANT_ORIGINAL);
    sodium_bin2base64(ed64, sizeof ed64, pk, sizeof pk, sodium_base64_VARIANT_ORIGINAL);
    snprintf(pub, sizeof pub,
             "carelog-vault-public 1\nvault-id: " VAULT_ID "\nschool: 第二中学\nx25519: %s\ned25519: %s\n"
             "fingerprint: %s\n", x64, ed64, fingerprint);
    json_t *t = NULL;
    OK(cl_county_trust_parse(pub, strlen(pub), &t));
    json_t *list = json_array();
    json_array_append_new(list, t);
    return list;
}

static cl_status verify(const char *file, const char *sig, json_t **doc)
{
    json_t *trusted = trusted_list();
    cl_status st = cl_county_verify((const unsigned char *)file, strlen(file), sig, strlen(sig), trusted, doc);
    json_decref(trusted);
    return st;
}

static void test_own_file_verifies(void **state)
{
    (void)state;
    char *sig, *file = signed_file("第二中学", fingerprint, fingerprint, &sig);
    json_t *doc = NULL;
    OK(verify(file, sig, &doc));
    json_decref(doc);
    /* One byte changed: the signature no longer holds. */
    file[strlen(file) / 2] ^= 1;
    assert_int_equal(verify(file, sig, &doc), CL_EDATA);
    assert_null(doc);
    free(file);
    free(sig);
}

static void test_another_school_is_refused(void **state)
{
    (void)state;
    json_t *doc = NULL;
    char *sig, *file = signed_file("第二中学", "YYYY-YYYY-YYYY-YYYY", fingerprint, &sig);
    assert_int_equal(verify(file, sig, &doc), CL_EPERM); /* another fingerprint */
    free(file), free(sig);
    file = signed_file("第一中学", fingerprint, fingerprint, &sig);
    assert_int_equal(verify(file, sig, &doc), CL_EPERM); /* another school's name */
    free(file), free(sig);
    file = signed_file("第二中学", fingerprint, "ZZZZ-ZZZZ-ZZZZ-ZZZZ", &sig);
    assert_int_equal(verify(file, sig, &doc), CL_EDATA); /* a comment for another school */
    assert_null(doc);
    free(file), free(sig);
    cl_error_clear();
}

/* A verified file with the given totals students and grade counts. */
static json_t *school(const char *name, const char *vault_id, int threshold, int students, int g1, int g2)
{
    json_t *t = json_pack("{s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i}", "students", students, "observations", 0,
                          "sessions", 0, "assessments", 0, "screenings", 0, "plans", 0, "reviews", 0, "contacts", 0,
                          "referrals", 0);
    json_t *grades = json_array();
    for (int i = 0; i < 2; i++) {
        json_t *g = json_deep_copy(t);
        json_object_set_new(g, "students", json_integer(i ? g2 : g1));
        json_object_set_new(g, "grade", json_string(i ? "八年级" : "七年级"));
        json_array_append_new(grades, g);
    }
    return json_pack("{s:s, s:s, s:s, s:s, s:i, s:o, s:o, s:[], s:[]}", "school", name, "vault_id", vault_id,
                     "fingerprint", "F", "period", "2026秋", "threshold", threshold, "totals", t, "by_grade", grades,
                     "referral_states", "screening_bands");
}

static const json_t *cell(const json_t *report, const char *section, const char *label_end, size_t col)
{
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(report, "rows"), i, r) {
        const char *label = json_string_value(json_array_get(json_object_get(r, "cells"), 0));
        const char *sec = json_string_value(json_object_get(r, "section"));
        size_t n = strlen(label), m = strlen(label_end);
        if (strcmp(sec, section) == 0 && n >= m && strcmp(label + n - m, label_end) == 0)
            return json_array_get(json_object_get(r, "cells"), col);
    }
    fail_msg("no row %s %s", section, label_end);
    return NULL;
}

static void test_merge_keeps_suppression(void **state)
{
    (void)state;
    /* School X published at threshold 3: its 七年级 of 3 is exact there. */
    json_t *files = json_pack("[o, o]", school("X", "aa", 3, 10, 3, 7), school("Y", "bb", 5, 20, 10, 10));
    json_t *report = NULL;
    OK(cl_county_merge(files, 5, &report));
    assert_int_equal(json_integer_value(json_object_get(report, "threshold")), 5);
    /* The total is exact (30) and X's row (10) too… */
    assert_int_equal(json_integer_value(cell(report, "total", "Total", 2)), 30);
    assert_int_equal(json_integer_value(cell(report, "school", "X", 2)), 10);
    /* …X's 3 is suppressed again, so 七年级 is only a bound… */
    assert_string_equal(json_string_value(cell(report, "grade", "七年级", 2)), "≥11");
    /* …and 八年级 (17 exact) would give it by 30 − 17 − 10 = 3: withheld. */
    assert_string_equal(json_string_value(cell(report, "grade", "八年级", 2)), "*");
    json_decref(report);
    /* The same school twice is refused. */
    json_array_append_new(files, school("X", "aa", 3, 10, 3, 7));
    assert_int_equal(cl_county_merge(files, 5, &report), CL_EDATA);
    json_decref(files);
    cl_error_clear();
}

int main(void)
{
    if (sodium_init() < 0 || cl_secret_init_process() != CL_OK)
        return 1;
    crypto_sign_keypair(pk, sk);
    randombytes_buf(xpk, sizeof xpk);
    cl_vault_fingerprint_of(xpk, pk, fingerprint);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_own_file_verifies),
        cmocka_unit_test(test_another_school_is_refused),
        cmocka_unit_test(test_merge_keeps_suppression),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
