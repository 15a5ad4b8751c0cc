/* Unit tests for bundles and receipts through the core: a school vault and
 * an office vault in one process; the whole loop, a receipt that skips
 * states (each one passed is recorded), a long office note that still fits
 * the history, and what the office refuses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>

#include "carelog/bundle.h"
#include "carelog/office.h"
#include "carelog/referral.h"
#include "carelog/storage.h"
#include "carelog/text.h"
#include "record_fixture.h"
#include "../../src/core/bundle_internal.h"

typedef struct two {
    fixture *school;
    cl_vault *office;
    char office_dir[128];
    long long referral;
} two;

static int setup(void **state)
{
    void *f;
    if (fixture_setup(&f) != 0)
        return -1;
    two *t = calloc(1, sizeof *t);
    t->school = f;
    snprintf(t->office_dir, sizeof t->office_dir, "%s/office", t->school->dir);
    cl_secret *pass, *recovery;
    cl_secret_copy((const unsigned char *)"office passphrase", 17, &pass);
    if (cl_vault_init(t->office_dir, "城区未保站", "李站长", pass, &recovery, &t->office) != CL_OK ||
        cl_office_init(t->office, "城区未保站") != CL_OK)
        return -1;
    cl_secret_free(pass);
    cl_secret_free(recovery);
    cl_vault *v = t->school->v;
    long long s = add_student(v, "20260001", "张小明");
    t->referral = add_record(v, "referral", s,
                             "{\"occurred_at\":\"2026-11-01\",\"concerns\":[\"neglect\"],\"reason\":\"无人照看\","
                             "\"urgency\":\"routine\",\"what\":\"连续三天未吃午饭\",\"guardians_informed\":true,"
                             "\"agency\":\"protection_station\"}",
                             0);
    /* Each side adds the other by its public file. */
    cl_party school_pub, office_pub;
    if (cl_party_read_own(t->office_dir, &office_pub) != CL_OK ||
        cl_party_read_own(t->school->vault_dir, &school_pub) != CL_OK)
        return -1;
    if (cl_office_add(v, &office_pub) != CL_OK || cl_school_trust(t->office, "第一中学", &school_pub) != CL_OK)
        return -1;
    *state = t;
    return 0;
}

static int teardown(void **state)
{
    two *t = *state;
    cl_vault_close(t->office);
    void *f = t->school;
    free(t);
    return fixture_teardown(&f);
}

static const char *state_of(cl_vault *v, long long id, json_t **keep)
{
    OK(cl_referral_history(v, id, keep));
    return json_string_value(json_object_get(*keep, "state"));
}

static void path_in(const two *t, const char *name, char *out, size_t size)
{
    snprintf(out, size, "%s/%s", t->school->dir, name);
}

static void test_loop_with_skips_and_long_note(void **state)
{
    two *t = *state;
    cl_vault *school = t->school->v;
    char bundle[256], receipt[256];
    path_in(t, "r.bundle", bundle, sizeof bundle);
    json_t *r, *h;
    OK(cl_bundle_export_referral(school, t->referral, "城区未保站", bundle, &r));
    assert_string_equal(state_of(school, t->referral, &h), "reported");
    json_decref(h);
    json_decref(r);
    OK(cl_bundle_open(t->office, bundle, &r));
    long long id = json_integer_value(json_object_get(r, "id"));
    json_decref(r);
    assert_int_equal(cl_bundle_open(t->office, bundle, &r), CL_ECANTCREATE);
    /* "support" straight away: acknowledged and handling are passed
     * through, each with the office's note; the note is 2000 characters,
     * so the history's copy is cut to fit and says so. */
    char note[2000 * 3 + 1] = "";
    for (int i = 0; i < 2000; i++)
        strcat(note, "站");
    path_in(t, "receipt1", receipt, sizeof receipt);
    OK(cl_receipt_write(t->office, id, "support", note, receipt, &r));
    json_decref(r);
    assert_int_equal(cl_receipt_write(t->office, id, "handling", "倒退", receipt, &r), CL_EUSAGE);
    OK(cl_receipt_import(school, receipt, &r));
    assert_string_equal(json_string_value(json_object_get(r, "from")), "reported");
    json_decref(r);
    assert_string_equal(state_of(school, t->referral, &h), "support");
    json_t *moves = json_object_get(h, "transitions");
    assert_int_equal(json_array_size(moves), 5); /* draft, reported, acknowledged, handling, support */
    const char *last = json_string_value(json_object_get(json_array_get(moves, 4), "note"));
    assert_true(cl_utf8_length(last) <= CL_REFERRAL_NOTE_MAX);
    assert_non_null(strstr(last, "…"));
    assert_non_null(strstr(last, "城区未保站: 站站"));
    json_decref(h);
    /* A replay changes nothing. */
    assert_int_equal(cl_receipt_import(school, receipt, &r), CL_ECANTCREATE);
    path_in(t, "receipt2", receipt, sizeof receipt);
    OK(cl_receipt_write(t->office, id, "closed", "结案", receipt, &r));
    json_decref(r);
    OK(cl_receipt_import(school, receipt, &r));
    json_decref(r);
    assert_string_equal(state_of(school, t->referral, &h), "closed");
    json_decref(h);
    /* A closed referral is not sent again. */
    path_in(t, "again.bundle", bundle, sizeof bundle);
    assert_int_equal(cl_bundle_export_referral(school, t->referral, "城区未保站", bundle, &r), CL_EUSAGE);
    assert_int_equal(access(bundle, F_OK), -1);
}

static void test_roles_and_unknowns(void **state)
{
    two *t = *state;
    char bundle[256];
    path_in(t, "x.bundle", bundle, sizeof bundle);
    json_t *r;
    assert_int_equal(cl_bundle_export_referral(t->school->v, t->referral, "没有这个站", bundle, &r), CL_ENOTFOUND);
    assert_int_equal(cl_bundle_export_referral(t->office, t->referral, "城区未保站", bundle, &r), CL_EUSAGE);
    assert_int_equal(cl_bundle_open(t->school->v, bundle, &r), CL_EUSAGE);
    assert_int_equal(access(bundle, F_OK), -1);
    /* Adding the same office twice, or the vault's own keys. */
    cl_party p;
    OK(cl_party_read_own(t->office_dir, &p));
    assert_int_equal(cl_office_add(t->school->v, &p), CL_ECANTCREATE);
    OK(cl_party_read_own(t->school->vault_dir, &p));
    assert_int_equal(cl_school_trust(t->office, "自己", &p), CL_ECANTCREATE);
    assert_true(cl_vault_is_office(t->office));
    assert_false(cl_vault_is_office(t->school->v));
}

/* A second school the office trusts sees the first school's .minisig (its
 * export id is in plain text there) and sends its own bundle under that id
 * first. The office keeps both: a replay is the same signature, not the
 * same id, so the forger cannot make the real bundle look like a replay. */
static void test_reused_export_id_blocks_nothing(void **state)
{
    two *t = *state;
    char dir[256], bundle[256], forged[256];
    snprintf(dir, sizeof dir, "%s/second", t->school->dir);
    cl_secret *pass, *recovery;
    cl_vault *second;
    cl_secret_copy((const unsigned char *)"second passphrase", 17, &pass);
    OK(cl_vault_init(dir, "第二中学", "赵老师", pass, &recovery, &second));
    OK(cl_catalog_install_builtin(second));
    cl_secret_free(pass);
    cl_secret_free(recovery);
    cl_party second_pub, office_pub, own;
    OK(cl_party_read_own(dir, &second_pub));
    OK(cl_party_read_own(t->office_dir, &office_pub));
    OK(cl_school_trust(t->office, "第二中学", &second_pub));
    OK(cl_party_of_vault(second, &own));
    long long s = add_student(second, "30000001", "王小红");
    long long ref = add_record(second, "referral", s,
                               "{\"occurred_at\":\"2026-11-02\",\"concerns\":[\"neglect\"],\"reason\":\"无人照看\","
                               "\"urgency\":\"routine\",\"what\":\"午饭\",\"guardians_informed\":true,"
                               "\"agency\":\"protection_station\"}",
                               0);
    /* The real bundle, not yet delivered. */
    path_in(t, "real.bundle", bundle, sizeof bundle);
    json_t *r;
    OK(cl_bundle_export_referral(t->school->v, t->referral, "城区未保站", bundle, &r));
    const char *real_id = json_string_value(json_object_get(r, "export_id"));
    /* The forgery: a well-formed bundle of the second school, signed with
     * its own key, under the first school's export id. */
    char at[32], unused[33];
    party_new_id(unused, at);
    json_t *head = json_pack("{s:s, s:i, s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "format",
                             "carelog-referral-bundle", "version", 1, "export_id", real_id, "referral_id",
                             (json_int_t)ref, "school", own.name, "school_vault_id", own.vault_id, "school_fingerprint",
                             own.fingerprint, "recipient", office_pub.name, "recipient_fingerprint",
                             office_pub.fingerprint, "created_at", at, "file_name", "forged.bundle");
    cl_bundle_file *files;
    size_t n;
    cl_age_buf tar = {0};
    OK(cl_bundle_summary_files(second, ref, &files, &n));
    OK(bundle_build_archive(head, files, n, &tar));
    cl_bundle_files_free(files, n);
    json_decref(head);
    char comment[CL_MINISIGN_COMMENT_MAX + 1], sha[65];
    snprintf(comment, sizeof comment, "carelog-bundle v1 export=%s referral=%lld school=%s to=%s at=%s file=%s",
             real_id, ref, own.fingerprint, office_pub.fingerprint, at, "forged.bundle");
    path_in(t, "forged.bundle", forged, sizeof forged);
    OK(envelope_seal(second, office_pub.x25519, tar.data, tar.len, comment, "forged", forged, sha));
    cl_age_buf_wipe(&tar);
    json_t *got;
    OK(cl_bundle_open(t->office, forged, &got));
    json_decref(got);
    /* The real one still opens, and is then refused as the replay it is. */
    OK(cl_bundle_open(t->office, bundle, &got));
    assert_string_equal(json_string_value(json_object_get(got, "school")), "第一中学");
    json_decref(got);
    assert_int_equal(cl_bundle_open(t->office, bundle, &got), CL_ECANTCREATE);
    assert_int_equal(cl_bundle_open(t->office, forged, &got), CL_ECANTCREATE);
    json_decref(r);
    cl_vault_close(second);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_loop_with_skips_and_long_note, setup, teardown),
        cmocka_unit_test_setup_teardown(test_roles_and_unknowns, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reused_export_id_blocks_nothing, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
