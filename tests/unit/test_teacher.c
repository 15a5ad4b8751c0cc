/* Unit tests for teachers' observations: the identity, sealing and
 * opening, every byte of a file guarded, replays, what a teacher holds
 * opening nothing of the vault, triage, and the editor's walk. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>

#include "carelog/file.h"
#include "carelog/inbox.h"
#include "carelog/keyslot.h"
#include "carelog/observation.h"
#include "carelog/storage.h"
#include "carelog/teacher.h"
#include "record_fixture.h"

#define TEACHER_PASS "teacher own passphrase"

static const char *str_of(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

static cl_secret *secret_text(const char *s)
{
    cl_secret *out;
    OK(cl_secret_copy((const unsigned char *)s, strlen(s), &out));
    return out;
}

/* A teacher identity joined to the fixture's vault (enrolled when asked). */
static cl_teacher_identity *make_teacher(fixture *f, const char *name, bool enrol)
{
    char dir[160], pub[160];
    snprintf(dir, sizeof dir, "%s/%s", f->dir, name);
    snprintf(pub, sizeof pub, "%s/vault.pub", f->vault_dir);
    cl_secret *pass = secret_text(TEACHER_PASS);
    cl_teacher_identity *t;
    OK(cl_teacher_init(dir, name, pass, &t));
    cl_secret_free(pass);
    OK(cl_teacher_join(t, pub));
    if (enrol)
        OK(cl_teacher_add(f->v, name, cl_teacher_public_text(t), NULL, NULL));
    return t;
}

static const char *FIELDS = "{\"occurred_at\":\"2026-03-01T10:00\",\"categories\":[\"emotional\"],"
                            "\"severity\":\"high\",\"description\":\"在课上哭\"}";

static void seal(cl_teacher_identity *t, const char *fields, unsigned char **file, size_t *len)
{
    cl_form *form;
    char digest[65];
    OK(cl_observation_form(&form, digest));
    cl_form_free(form);
    json_t *j = J(fields);
    cl_secret *pass = secret_text(TEACHER_PASS);
    OK(cl_teacher_seal(t, pass, "S001", "", "", j, digest, NULL, file, len));
    cl_secret_free(pass);
    json_decref(j);
}

static char *write_file(fixture *f, const char *name, const unsigned char *data, size_t len)
{
    char *path = malloc(200);
    snprintf(path, 200, "%s/%s", f->dir, name);
    unlink(path);
    OK(cl_file_write_atomic(path, data, len));
    return path;
}

/* Imports one file; returns its result and (when quarantined) reason. */
static void import_one(fixture *f, const char *path, char *result, char *reason)
{
    json_t *report;
    const char *paths[] = {path};
    OK(cl_inbox_import(f->v, paths, 1, &report));
    assert_int_equal(json_array_size(report), 1);
    json_t *r = json_array_get(report, 0);
    snprintf(result, 32, "%s", str_of(r, "result"));
    snprintf(reason, 32, "%s", str_of(r, "reason"));
    json_decref(report);
}

static void vault_keys(fixture *f, unsigned char id[CL_VAULT_ID_BYTES], unsigned char pk[32], cl_secret **sk)
{
    OK(cl_meta_get_blob(cl_vault_db(f->v), "vault_id", id, CL_VAULT_ID_BYTES));
    OK(cl_meta_get_blob(cl_vault_db(f->v), "x25519_public", pk, 32));
    OK(cl_secret_new(32, sk));
    OK(cl_meta_get_blob(cl_vault_db(f->v), "x25519_secret", (*sk)->bytes, 32));
}

static void test_whole_path(void **state)
{
    fixture *f = *state;
    long long student = add_student(f->v, "S001", "张小明");
    cl_teacher_identity *t = make_teacher(f, "李老师", true);
    unsigned char *file;
    size_t len;
    seal(t, FIELDS, &file, &len);
    char *path = write_file(f, "a.clobs", file, len);
    char result[32], reason[32];
    import_one(f, path, result, reason);
    assert_string_equal(result, "new");
    long long pending = 0, urgent = 0;
    OK(cl_inbox_pending_count(f->v, &pending, &urgent));
    assert_int_equal(pending, 1);
    assert_int_equal(urgent, 0);
    long long record;
    OK(cl_inbox_accept(f->v, 1, 0, &record));
    json_t *rec;
    OK(cl_record_get(f->v, record, false, &rec));
    assert_string_equal(str_of(rec, "author"), "李老师");
    assert_int_equal(json_integer_value(json_object_get(rec, "student_id")), student);
    assert_string_equal(str_of(json_object_get(rec, "fields"), "description"), "在课上哭");
    json_decref(rec);
    assert_int_equal(cl_inbox_accept(f->v, 1, 0, &record), CL_EDATA);
    assert_int_equal(cl_inbox_dismiss(f->v, 1, "x"), CL_EDATA);
    OK(cl_inbox_pending_count(f->v, &pending, &urgent));
    assert_int_equal(pending, 0);
    free(path);
    free(file);
    cl_teacher_free(t);
}

/* Every byte of a sealed file is guarded: changing any one makes it fail. */
static void test_every_byte(void **state)
{
    fixture *f = *state;
    cl_teacher_identity *t = make_teacher(f, "李老师", false);
    unsigned char *file, id[CL_VAULT_ID_BYTES], pk[32];
    size_t len;
    cl_secret *sk;
    seal(t, FIELDS, &file, &len);
    vault_keys(f, id, pk, &sk);
    cl_observation *o = NULL;
    const char *reason = NULL;
    OK(cl_observation_open(file, len, id, pk, sk, &o, &reason));
    assert_int_equal(o->counter, 1);
    assert_string_equal(o->student_number, "S001");
    cl_observation_free(o);
    for (size_t i = 0; i < len; i++) {
        file[i] ^= 0x01;
        o = NULL;
        assert_int_equal(cl_observation_open(file, len, id, pk, sk, &o, &reason), CL_EDATA);
        assert_null(o);
        file[i] ^= 0x01;
    }
    for (size_t n = 0; n < len; n += 7)
        assert_int_equal(cl_observation_open(file, n, id, pk, sk, &o, &reason), CL_EDATA);
    cl_secret_free(sk);
    free(file);
    cl_teacher_free(t);
}

/* The same signed content sealed again is another file byte for byte,
 * and still refused. */
static void test_replay_resealed(void **state)
{
    fixture *f = *state;
    add_student(f->v, "S001", "张小明");
    cl_teacher_identity *t = make_teacher(f, "李老师", true);
    unsigned char *file, *again, id[CL_VAULT_ID_BYTES], pk[32];
    size_t len, again_len;
    cl_secret *sk;
    seal(t, FIELDS, &file, &len);
    vault_keys(f, id, pk, &sk);
    size_t inner_len = len - 24 - crypto_box_SEALBYTES;
    unsigned char *inner = malloc(inner_len);
    assert_int_equal(crypto_box_seal_open(inner, file + 24, len - 24, pk, sk->bytes), 0);
    OK(cl_observation_reseal(inner, inner_len, id, pk, &again, &again_len));
    assert_true(again_len == len && memcmp(again, file, len) != 0);
    char *a = write_file(f, "a.clobs", file, len), *b = write_file(f, "b.clobs", again, again_len);
    char result[32], reason[32];
    import_one(f, a, result, reason);
    assert_string_equal(result, "new");
    import_one(f, b, result, reason);
    assert_string_equal(result, "quarantined");
    assert_string_equal(reason, CL_OBS_REPLAYED);
    import_one(f, a, result, reason);
    assert_string_equal(result, "already");
    assert_int_equal(count_rows(f->v, "SELECT count(*) FROM inbox"), 1);
    free(a), free(b), free(inner), free(file), free(again);
    cl_secret_free(sk);
    cl_teacher_free(t);
}

/* Nothing a teacher holds opens the vault: the identity's secret is no key
 * of vault.db, no X25519 key the file is sealed to, and the teacher's
 * passphrase opens no slot of the vault. */
static void test_teacher_cannot_read(void **state)
{
    fixture *f = *state;
    cl_teacher_identity *t = make_teacher(f, "李老师", true);
    unsigned char *file;
    size_t len;
    seal(t, FIELDS, &file, &len);
    cl_secret *pass = secret_text(TEACHER_PASS), *seed = NULL;
    OK(cl_teacher_unlock(t, pass, &seed));

    char db_path[160], ks_path[160];
    snprintf(db_path, sizeof db_path, "%s/vault.db", f->vault_dir);
    snprintf(ks_path, sizeof ks_path, "%s/keyslots", f->vault_dir);
    sqlite3 *db = NULL;
    assert_int_equal(cl_db_open(db_path, seed, false, &db), CL_EDATA);
    assert_null(db);

    unsigned char ed_pk[32], ed_sk[64], x_pk[32], x_sk[32], plain[4096];
    crypto_sign_seed_keypair(ed_pk, ed_sk, seed->bytes);
    assert_int_equal(crypto_sign_ed25519_pk_to_curve25519(x_pk, ed_pk), 0);
    assert_int_equal(crypto_sign_ed25519_sk_to_curve25519(x_sk, ed_sk), 0);
    assert_true(len - 24 - crypto_box_SEALBYTES < sizeof plain);
    assert_int_not_equal(crypto_box_seal_open(plain, file + 24, len - 24, x_pk, x_sk), 0);
    crypto_scalarmult_base(x_pk, seed->bytes);
    assert_int_not_equal(crypto_box_seal_open(plain, file + 24, len - 24, x_pk, seed->bytes), 0);

    cl_keyslots *ks;
    cl_secret *key = NULL, *next = NULL;
    OK(cl_keyslots_load(ks_path, &ks));
    assert_int_equal(cl_keyslots_unlock(ks, CL_SLOT_PASSPHRASE, pass, NULL, &key, &next), CL_EPERM);
    assert_int_equal(cl_keyslots_unlock(ks, CL_SLOT_RECOVERY, pass, NULL, &key, &next), CL_EPERM);
    cl_keyslots_free(ks);
    cl_secret *wrong = secret_text("not the teacher's passphrase"), *none = NULL;
    assert_int_equal(cl_teacher_unlock(t, wrong, &none), CL_EPERM);
    assert_null(none);
    cl_secret_free(wrong);
    sodium_memzero(ed_sk, sizeof ed_sk);
    sodium_memzero(x_sk, sizeof x_sk);
    cl_secret_free(seed);
    cl_secret_free(pass);
    free(file);
    cl_teacher_free(t);
}

static void test_revoked_and_unknown(void **state)
{
    fixture *f = *state;
    cl_teacher_identity *t = make_teacher(f, "李老师", false);
    unsigned char *file;
    size_t len;
    seal(t, FIELDS, &file, &len);
    char *p = write_file(f, "a.clobs", file, len), result[32], reason[32];
    import_one(f, p, result, reason);
    assert_string_equal(reason, CL_OBS_UNKNOWN_TEACHER);
    free(file), free(p);
    OK(cl_teacher_add(f->v, "李老师", cl_teacher_public_text(t), NULL, NULL));
    OK(cl_teacher_revoke(f->v, "李老师"));
    seal(t, FIELDS, &file, &len);
    p = write_file(f, "b.clobs", file, len);
    import_one(f, p, result, reason);
    assert_string_equal(reason, CL_OBS_REVOKED_TEACHER);
    assert_int_equal(count_rows(f->v, "SELECT count(*) FROM inbox"), 0);
    assert_int_equal(count_rows(f->v, "SELECT count(*) FROM quarantine WHERE content IS NOT NULL"), 2);
    free(file), free(p);
    cl_teacher_free(t);
}

/* Content the vault's form refuses is quarantined, never queued. */
static void test_invalid_fields_quarantined(void **state)
{
    fixture *f = *state;
    cl_teacher_identity *t = make_teacher(f, "李老师", true);
    unsigned char *file;
    size_t len;
    seal(t, "{\"severity\":\"catastrophic\"}", &file, &len);
    char *p = write_file(f, "a.clobs", file, len), result[32], reason[32];
    import_one(f, p, result, reason);
    assert_string_equal(result, "quarantined");
    assert_string_equal(reason, CL_OBS_MALFORMED);
    free(file), free(p);
    cl_teacher_free(t);
}

static void test_editor_walk(void **state)
{
    (void)state;
    cl_form *form;
    char digest[65];
    OK(cl_observation_form(&form, digest));
    json_t *fields = json_object();
    size_t pos = 0;
    const cl_field *fld;
    bool asked_other = false;
    while ((fld = cl_observation_next_field(form, fields, &pos)))
        asked_other |= strcmp(fld->id, "categories_other") == 0;
    assert_false(asked_other);
    OK(cl_observation_answer(form, fields, "categories", "emotional,other"));
    pos = 0;
    while ((fld = cl_observation_next_field(form, fields, &pos)))
        asked_other |= strcmp(fld->id, "categories_other") == 0;
    assert_true(asked_other);
    assert_int_equal(cl_observation_answer(form, fields, "severity", "catastrophic"), CL_EDATA);
    OK(cl_observation_answer(form, fields, "severity", "urgent"));
    OK(cl_observation_answer(form, fields, "severity", ""));
    assert_null(json_object_get(fields, "severity"));
    assert_int_equal(cl_observation_check(form, fields, "", ""), CL_EUSAGE);
    assert_int_equal(cl_observation_check(form, fields, "S001", ""), CL_EDATA);
    json_decref(fields);
    cl_form_free(form);
}

static void test_vault_pub(void **state)
{
    fixture *f = *state;
    char path[160];
    snprintf(path, sizeof path, "%s/vault.pub", f->vault_dir);
    unsigned char *text;
    size_t len;
    OK(cl_file_read(path, 65536, &text, &len));
    cl_vault_pub p;
    OK(cl_vault_pub_parse((const char *)text, len, &p));
    assert_string_equal(p.fingerprint, cl_vault_fingerprint(f->v));
    char *fp = strstr((char *)text, "fingerprint: ");
    fp[13] = fp[13] == 'A' ? 'B' : 'A';
    assert_int_equal(cl_vault_pub_parse((const char *)text, len, &p), CL_EDATA);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_whole_path, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_every_byte, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_replay_resealed, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_teacher_cannot_read, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_revoked_and_unknown, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_invalid_fields_quarantined, fixture_setup, fixture_teardown),
        cmocka_unit_test(test_editor_walk),
        cmocka_unit_test_setup_teardown(test_vault_pub, fixture_setup, fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
