/* Unit tests for the teachers' roster: published and read back, readable
 * only by the enrolled teachers who are not revoked, every byte guarded,
 * an older one refused, its form the vault's, its search, and what a
 * teacher holding it still cannot open. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "carelog/catalog.h"
#include "carelog/file.h"
#include "carelog/inbox.h"
#include "carelog/keyslot.h"
#include "carelog/observation.h"
#include "carelog/storage.h"
#include "carelog/teacher.h"
#include "carelog/teacher_roster.h"
#include "record_fixture.h"
#include "../../src/core/teacher_roster_internal.h"

#define TEACHER_PASS "teacher own passphrase"

static cl_secret *secret_text(const char *s)
{
    cl_secret *out;
    OK(cl_secret_copy((const unsigned char *)s, strlen(s), &out));
    return out;
}

typedef struct teacher {
    cl_teacher_identity *t;
    cl_secret *seed;
} teacher;

static teacher make_teacher(fixture *f, const char *name, bool enrol)
{
    char dir[160], pub[160];
    snprintf(dir, sizeof dir, "%s/%s", f->dir, name);
    snprintf(pub, sizeof pub, "%s/vault.pub", f->vault_dir);
    cl_secret *pass = secret_text(TEACHER_PASS);
    teacher out = {0};
    OK(cl_teacher_init(dir, name, pass, &out.t));
    OK(cl_teacher_join(out.t, pub));
    OK(cl_teacher_unlock(out.t, pass, &out.seed));
    cl_secret_free(pass);
    if (enrol)
        OK(cl_teacher_add(f->v, name, cl_teacher_public_text(out.t), NULL, NULL));
    return out;
}

static void teacher_free(teacher *t)
{
    cl_secret_free(t->seed);
    cl_teacher_free(t->t);
}

static void add_in_class(fixture *f, const char *number, const char *name, const char *klass)
{
    json_t *j = json_pack("{s:s, s:s, s:s}", "number", number, "name", name, "class", klass);
    OK(cl_student_add(f->v, j, false, NULL));
    json_decref(j);
}

/* Publishes to the vault folder and reads the file back. */
static unsigned char *publish(fixture *f, const json_t *classes, size_t *len, long long *counter)
{
    json_t *report;
    OK(cl_teacher_roster_publish(f->v, classes, NULL, &report));
    if (counter)
        *counter = (long long)json_integer_value(json_object_get(report, "counter"));
    unsigned char *file;
    OK(cl_file_read(json_string_value(json_object_get(report, "path")), CL_TEACHER_ROSTER_MAX_FILE, &file, len));
    json_decref(report);
    return file;
}

static void setup_students(fixture *f)
{
    add_in_class(f, "S001", "赵小明", "初二1班");
    add_in_class(f, "S002", "钱小红", "初二2班");
    add_in_class(f, "S003", "赵大海", "初二2班");
}

static void test_round_trip(void **state)
{
    fixture *f = *state;
    setup_students(f);
    teacher a = make_teacher(f, "李老师", true);
    size_t len;
    long long counter;
    unsigned char *file = publish(f, NULL, &len, &counter);
    cl_teacher_roster *r;
    OK(cl_teacher_roster_open(file, len, NULL, cl_teacher_vault(a.t), 0, a.seed, &r));
    assert_int_equal(cl_teacher_roster_count(r), 3);
    assert_int_equal(cl_teacher_roster_counter(r), counter);
    const cl_roster_student *s = cl_teacher_roster_find(r, "S002");
    assert_non_null(s);
    assert_string_equal(s->name, "钱小红");
    assert_string_equal(s->klass, "初二2班");
    assert_null(cl_teacher_roster_find(r, "S999"));

    size_t hits[8];
    assert_int_equal(cl_teacher_roster_search(r, "zxm", hits, 8), 1);
    assert_string_equal(cl_teacher_roster_at(r, hits[0])->number, "S001");
    assert_int_equal(cl_teacher_roster_search(r, "ZHAO", hits, 8), 2);
    assert_int_equal(cl_teacher_roster_search(r, "zhao 2班", hits, 8), 1);
    assert_string_equal(cl_teacher_roster_at(r, hits[0])->name, "赵大海");
    assert_int_equal(cl_teacher_roster_search(r, "s00", hits, 8), 3);
    assert_int_equal(cl_teacher_roster_search(r, "小", hits, 8), 2);
    assert_int_equal(cl_teacher_roster_search(r, "", hits, 1), 3);
    assert_int_equal(cl_teacher_roster_search(r, "qxh", hits, 8), 1);
    assert_int_equal(cl_teacher_roster_search(r, "zz", hits, 8), 0);

    /* The form is the vault's: an observation written with it is taken in. */
    assert_string_equal(cl_form_kind(cl_teacher_roster_form(r)), "observation");
    json_t *fields = J("{\"occurred_at\":\"2026-03-01T10:00\",\"categories\":[\"emotional\"],"
                       "\"severity\":\"high\",\"description\":\"在课上哭\"}");
    OK(cl_form_validate(cl_teacher_roster_form(r), fields));
    unsigned char *obs, id[CL_OBSERVATION_ID_BYTES];
    size_t obs_len;
    OK(cl_teacher_seal_unlocked(a.t, a.seed, s->number, s->name, s->klass, fields,
                                cl_teacher_roster_form_digest(r), id, &obs, &obs_len));
    char path[200];
    snprintf(path, sizeof path, "%s/a.clobs", f->dir);
    OK(cl_file_write_atomic(path, obs, obs_len));
    const char *paths[] = {path};
    json_t *report;
    OK(cl_inbox_import(f->v, paths, 1, &report));
    assert_string_equal(json_string_value(json_object_get(json_array_get(report, 0), "result")), "new");
    json_decref(report);
    free(obs);
    json_decref(fields);

    /* Classes limit it; a class nobody is in publishes nothing. */
    free(file);
    json_t *classes = J("[\"初二2班\"]");
    file = publish(f, classes, &len, NULL);
    json_decref(classes);
    cl_teacher_roster_free(r);
    OK(cl_teacher_roster_open(file, len, NULL, cl_teacher_vault(a.t), counter, a.seed, &r));
    assert_int_equal(cl_teacher_roster_count(r), 2);
    assert_null(cl_teacher_roster_find(r, "S001"));
    classes = J("[\"初三9班\"]");
    assert_int_equal(cl_teacher_roster_publish(f->v, classes, NULL, NULL), CL_EDATA);
    json_decref(classes);
    assert_int_equal(count_rows(f->v, "SELECT count(*) FROM roster_publications"), 2);
    assert_int_equal(count_rows(f->v, "SELECT count(*) FROM audit WHERE action = 'teacher.roster'"), 2);
    cl_teacher_roster_free(r);
    free(file);
    teacher_free(&a);
}

/* Only enrolled teachers not revoked when it was published read it. */
static void test_recipients(void **state)
{
    fixture *f = *state;
    setup_students(f);
    assert_int_equal(cl_teacher_roster_publish(f->v, NULL, NULL, NULL), CL_EDATA);
    teacher a = make_teacher(f, "李老师", true), b = make_teacher(f, "张老师", true);
    teacher stranger = make_teacher(f, "路人", false);
    size_t len, len2;
    long long c1, c2;
    unsigned char *before = publish(f, NULL, &len, &c1);
    OK(cl_teacher_revoke(f->v, "张老师"));
    unsigned char *after = publish(f, NULL, &len2, &c2);
    assert_true(c2 > c1);
    cl_teacher_roster *r = NULL;
    OK(cl_teacher_roster_open(after, len2, NULL, cl_teacher_vault(a.t), 0, a.seed, &r));
    cl_teacher_roster_free(r);
    r = NULL;
    assert_int_equal(cl_teacher_roster_open(after, len2, NULL, cl_teacher_vault(b.t), 0, b.seed, &r), CL_EPERM);
    assert_null(r);
    /* What was published before the revocation stays readable to them:
     * publishing again is what shuts a revoked teacher out. */
    OK(cl_teacher_roster_open(before, len, NULL, cl_teacher_vault(b.t), 0, b.seed, &r));
    cl_teacher_roster_free(r);
    r = NULL;
    assert_int_equal(cl_teacher_roster_open(after, len2, NULL, cl_teacher_vault(stranger.t), 0, stranger.seed, &r),
                     CL_EPERM);

    /* Everything in vault.pub, tried as a teacher's secret, and the vault's
     * own X25519 key pair: none of them is a recipient. */
    const cl_vault_pub *pub = cl_teacher_vault(a.t);
    const unsigned char *guesses[] = {pub->x25519, pub->ed25519, pub->vault_id};
    for (size_t i = 0; i < 3; i++) {
        cl_secret *guess;
        unsigned char buf[32] = {0};
        memcpy(buf, guesses[i], i == 2 ? CL_VAULT_ID_BYTES : 32);
        OK(cl_secret_copy(buf, 32, &guess));
        assert_int_equal(cl_teacher_roster_open(after, len2, NULL, pub, 0, guess, &r), CL_EPERM);
        cl_secret_free(guess);
    }
    cl_secret *x_sk;
    unsigned char x_pk[32], key[32];
    OK(cl_secret_new(32, &x_sk));
    OK(cl_meta_get_blob(cl_vault_db(f->v), "x25519_public", x_pk, 32));
    OK(cl_meta_get_blob(cl_vault_db(f->v), "x25519_secret", x_sk->bytes, 32));
    uint32_t n = (uint32_t)after[32] << 24 | (uint32_t)after[33] << 16 | (uint32_t)after[34] << 8 | after[35];
    assert_int_equal(n, 1);
    assert_int_not_equal(crypto_box_seal_open(key, after + 36, 80, x_pk, x_sk->bytes), 0);
    cl_secret_free(x_sk);
    free(before), free(after);
    teacher_free(&a), teacher_free(&b), teacher_free(&stranger);
}

/* One byte changed anywhere, or the file cut anywhere, is refused before
 * any secret is needed; so is an older roster. */
static void test_tampered_and_older(void **state)
{
    fixture *f = *state;
    setup_students(f);
    teacher a = make_teacher(f, "李老师", true);
    size_t len, len2;
    long long c1, c2;
    unsigned char *first = publish(f, NULL, &len, &c1);
    unsigned char *file = publish(f, NULL, &len2, &c2);
    const cl_vault_pub *pub = cl_teacher_vault(a.t);
    OK(cl_teacher_roster_verify(file, len2, NULL, pub, 0, NULL));
    for (size_t i = 0; i < len2; i++) {
        file[i] ^= 0x20;
        assert_int_equal(cl_teacher_roster_verify(file, len2, "teacher.roster", pub, 0, NULL), CL_EDATA);
        file[i] ^= 0x20;
    }
    for (size_t n = 0; n < len2; n += 13)
        assert_int_equal(cl_teacher_roster_verify(file, n, NULL, pub, 0, NULL), CL_EDATA);

    cl_teacher_roster *r = NULL;
    assert_int_equal(cl_teacher_roster_open(first, len, NULL, pub, c2, a.seed, &r), CL_EDATA);
    assert_non_null(strstr(cl_error_message(), "older"));
    assert_null(r);
    OK(cl_teacher_roster_open(file, len2, NULL, pub, c2, a.seed, &r));
    OK(cl_teacher_roster_note_seen(a.t, cl_teacher_roster_counter(r)));
    cl_teacher_roster_free(r);
    /* Remembered with the identity, across runs. */
    char dir[160];
    snprintf(dir, sizeof dir, "%s/李老师", f->dir);
    cl_teacher_identity *again;
    OK(cl_teacher_load(dir, &again));
    assert_int_equal(cl_teacher_roster_seen(again), c2);
    cl_teacher_free(again);

    /* Another vault's roster, even signed properly, is not this school's. */
    fixture other = {0};
    fixture *o = &other;
    void *st = NULL;
    assert_int_equal(fixture_setup(&st), 0);
    o = st;
    add_in_class(o, "S001", "赵小明", "初二1班");
    OK(cl_teacher_add(o->v, "李老师", cl_teacher_public_text(a.t), NULL, NULL));
    size_t len3;
    unsigned char *foreign = publish(o, NULL, &len3, NULL);
    assert_int_equal(cl_teacher_roster_verify(foreign, len3, NULL, pub, 0, NULL), CL_EDATA);
    free(foreign);
    fixture_teardown(&st);
    free(first), free(file);
    teacher_free(&a);
}

/* Everything a teacher now holds — identity, roster, the roster's file key
 * — still opens neither vault.db, nor a keyslot, nor another teacher's
 * observation. */
static void test_roster_opens_nothing(void **state)
{
    fixture *f = *state;
    setup_students(f);
    teacher a = make_teacher(f, "李老师", true), b = make_teacher(f, "张老师", true);
    size_t len;
    unsigned char *file = publish(f, NULL, &len, NULL);

    /* The file key, as teacher a recovers it from their stanza. */
    unsigned char ed_pk[32], ed_sk[64], x_pk[32], x_sk[32], key[32];
    crypto_sign_seed_keypair(ed_pk, ed_sk, a.seed->bytes);
    assert_int_equal(crypto_sign_ed25519_pk_to_curve25519(x_pk, ed_pk), 0);
    assert_int_equal(crypto_sign_ed25519_sk_to_curve25519(x_sk, ed_sk), 0);
    bool found = false;
    for (size_t i = 0; i < 2 && !found; i++)
        found = crypto_box_seal_open(key, file + 36 + i * 80, 80, x_pk, x_sk) == 0;
    assert_true(found);

    /* The body: numbers, names and classes, nothing else about a student. */
    size_t head = 36 + 2 * 80, clen = len - 64 - head - 24;
    unsigned char *body = malloc(clen);
    unsigned long long blen;
    assert_int_equal(crypto_aead_xchacha20poly1305_ietf_decrypt(body, &blen, NULL, file + head + 24, clen, file, head,
                                                                file + head, key), 0);
    json_t *root = json_loadb((const char *)body, (size_t)blen, 0, NULL);
    assert_non_null(root);
    assert_int_equal(json_object_size(root), 7);
    json_t *students = json_object_get(root, "students"), *one;
    size_t si;
    assert_int_equal(json_array_size(students), 3);
    json_array_foreach(students, si, one) {
        assert_int_equal(json_object_size(one), 3);
        assert_non_null(json_object_get(one, "number"));
        assert_non_null(json_object_get(one, "name"));
        assert_non_null(json_object_get(one, "class"));
    }
    json_decref(root);
    free(body);

    json_t *fields = J("{\"occurred_at\":\"2026-03-01T10:00\",\"categories\":[\"emotional\"],"
                       "\"severity\":\"high\",\"description\":\"在课上哭\"}");
    cl_form *form;
    char digest[65];
    OK(cl_observation_form(&form, digest));
    cl_form_free(form);
    unsigned char *obs, id[CL_OBSERVATION_ID_BYTES];
    size_t obs_len;
    OK(cl_teacher_seal_unlocked(b.t, b.seed, "S001", "", "", fields, digest, id, &obs, &obs_len));
    json_decref(fields);

    char db_path[160], ks_path[160];
    snprintf(db_path, sizeof db_path, "%s/vault.db", f->vault_dir);
    snprintf(ks_path, sizeof ks_path, "%s/keyslots", f->vault_dir);
    const unsigned char *tries[] = {key, a.seed->bytes, file + len - 64, file + len - 32};
    cl_keyslots *ks;
    OK(cl_keyslots_load(ks_path, &ks));
    unsigned char plain[4096];
    for (size_t i = 0; i < sizeof tries / sizeof *tries; i++) {
        cl_secret *k, *out = NULL, *next = NULL;
        OK(cl_secret_copy(tries[i], 32, &k));
        sqlite3 *db = NULL;
        assert_int_equal(cl_db_open(db_path, k, false, &db), CL_EDATA);
        assert_null(db);
        assert_int_equal(cl_keyslots_unlock(ks, CL_SLOT_PASSPHRASE, k, NULL, &out, &next), CL_EPERM);
        assert_int_equal(cl_keyslots_unlock(ks, CL_SLOT_RECOVERY, k, NULL, &out, &next), CL_EPERM);
        unsigned char pk[32];
        crypto_scalarmult_base(pk, tries[i]);
        assert_int_not_equal(crypto_box_seal_open(plain, obs + 24, obs_len - 24, pk, tries[i]), 0);
        cl_secret_free(k);
    }
    cl_keyslots_free(ks);
    sodium_memzero(ed_sk, sizeof ed_sk);
    sodium_memzero(x_sk, sizeof x_sk);
    free(obs);
    free(file);
    teacher_free(&a), teacher_free(&b);
}


/* A roster with a body of the test's making, sealed to one teacher and
 * signed by the fixture's vault as cl_teacher_roster_publish signs. */
static unsigned char *roster_with_body(fixture *f, const teacher *t, const char *body, size_t *len)
{
    size_t blen = strlen(body), head = ROSTER_FIXED_HEAD + ROSTER_STANZA;
    *len = head + ROSTER_NONCE + blen + ROSTER_TAG + ROSTER_SIG;
    unsigned char *file = calloc(1, *len), key[32], x_pk[32], ed_pk[32];
    unsigned char ed_sk[64];
    memcpy(file, ROSTER_MAGIC, ROSTER_MAGIC_LEN);
    OK(cl_meta_get_blob(cl_vault_db(f->v), "vault_id", file + ROSTER_MAGIC_LEN, CL_VAULT_ID_BYTES));
    file[ROSTER_MAGIC_LEN + CL_VAULT_ID_BYTES + 7] = 1;
    file[ROSTER_MAGIC_LEN + CL_VAULT_ID_BYTES + 11] = 1;
    crypto_sign_seed_keypair(ed_pk, ed_sk, t->seed->bytes);
    assert_int_equal(crypto_sign_ed25519_pk_to_curve25519(x_pk, ed_pk), 0);
    randombytes_buf(key, sizeof key);
    assert_int_equal(crypto_box_seal(file + ROSTER_FIXED_HEAD, key, sizeof key, x_pk), 0);
    randombytes_buf(file + head, ROSTER_NONCE);
    crypto_aead_xchacha20poly1305_ietf_encrypt(file + head + ROSTER_NONCE, NULL, (const unsigned char *)body, blen,
                                               file, head, NULL, file + head, key);
    size_t mlen;
    unsigned char *m = roster_signed_message(file, *len - ROSTER_SIG, &mlen);
    OK(cl_vault_sign(f->v, m, mlen, file + *len - ROSTER_SIG));
    free(m);
    sodium_memzero(ed_sk, sizeof ed_sk);
    return file;
}

/* A roster whose form needs a later carelog is refused, saying so; the
 * same body with this carelog's form format opens (so the refusal is the
 * format's). */
static void test_later_form_refused(void **state)
{
    fixture *f = *state;
    teacher a = make_teacher(f, "李老师", true);
    char *text = NULL, digest[65], vid[CL_VAULT_ID_BYTES * 2 + 1];
    unsigned char id[CL_VAULT_ID_BYTES];
    OK(cl_catalog_source(f->v, "observation", 0, &text));
    cl_form_digest(text, strlen(text), digest);
    OK(cl_meta_get_blob(cl_vault_db(f->v), "vault_id", id, sizeof id));
    sodium_bin2hex(vid, sizeof vid, id, sizeof id);
    for (int format = CL_TEACHER_ROSTER_FORM_FORMAT; format <= CL_TEACHER_ROSTER_FORM_FORMAT + 1; format++) {
        json_t *body = json_pack("{s:i, s:s, s:i, s:s, s:n, s:{s:s, s:i, s:i, s:s, s:s}, s:[{s:s, s:s, s:s}]}",
                                 "format", 1, "vault_id", vid, "counter", 1, "published_at", "2026-11-23T09:00:00Z",
                                 "classes", "form", "kind", "observation", "format", format, "version", 1, "digest",
                                 digest, "text", text, "students", "number", "S001", "name", "赵小明", "class", "初二1班");
        char *b = json_dumps(body, JSON_COMPACT);
        size_t len;
        unsigned char *file = roster_with_body(f, &a, b, &len);
        cl_teacher_roster *r = NULL;
        cl_status st = cl_teacher_roster_open(file, len, "teacher.roster", cl_teacher_vault(a.t), 0, a.seed, &r);
        if (format == CL_TEACHER_ROSTER_FORM_FORMAT) {
            OK(st);
            assert_int_equal(cl_teacher_roster_count(r), 1);
        } else {
            assert_int_equal(st, CL_EDATA);
            assert_non_null(strstr(cl_error_message(), "update carelog"));
            assert_null(r);
        }
        cl_teacher_roster_free(r);
        free(file), free(b);
        json_decref(body);
    }
    free(text);
    teacher_free(&a);
}

/* A list of n classes "班1", "班2", …. */
static json_t *classes_of(size_t n)
{
    json_t *a = json_array();
    for (size_t i = 1; i <= n; i++) {
        char name[16];
        snprintf(name, sizeof name, "班%zu", i);
        json_array_append_new(a, json_string(name));
    }
    return a;
}

/* Enrolment and the roster check their classes the one way, each with its
 * own bound; too many changes nothing. */
static void test_class_limits(void **state)
{
    fixture *f = *state;
    setup_students(f);
    teacher a = make_teacher(f, "李老师", false);
    json_t *classes = classes_of(65);
    assert_int_equal(cl_teacher_add(f->v, "李老师", cl_teacher_public_text(a.t), classes, NULL), CL_EUSAGE);
    assert_string_equal(cl_error_message(), "give at most 64 classes");
    json_decref(classes);
    assert_int_equal(count_rows(f->v, "SELECT count(*) FROM teachers"), 0);
    classes = classes_of(64);
    OK(cl_teacher_add(f->v, "李老师", cl_teacher_public_text(a.t), classes, NULL));
    json_decref(classes);
    classes = classes_of(257);
    assert_int_equal(cl_teacher_roster_publish(f->v, classes, NULL, NULL), CL_EUSAGE);
    assert_string_equal(cl_error_message(), "give at most 256 classes");
    json_decref(classes);
    assert_int_equal(count_rows(f->v, "SELECT count(*) FROM roster_publications"), 0);
    classes = json_pack("[s, i]", "初三1班", 3);
    assert_int_equal(cl_teacher_roster_publish(f->v, classes, NULL, NULL), CL_EUSAGE);
    assert_string_equal(cl_error_message(), "a class must be text");
    json_decref(classes);
    teacher_free(&a);
}

/* Without a folder named, the identity is the one in the default folder,
 * and a machine with neither XDG_DATA_HOME nor HOME says how to name it. */
static void test_default_identity_folder(void **state)
{
    fixture *f = *state;
    char xdg[128], dir[160];
    snprintf(xdg, sizeof xdg, "%s/data", f->dir);
    snprintf(dir, sizeof dir, "%s/carelog-teacher", xdg);
    assert_int_equal(mkdir(xdg, 0700), 0);
    setenv("XDG_DATA_HOME", xdg, 1);
    cl_secret *pass = secret_text(TEACHER_PASS);
    cl_teacher_identity *made = NULL, *found = NULL;
    OK(cl_teacher_init(dir, "李老师", pass, &made));
    cl_secret_free(pass);
    OK(cl_teacher_load(NULL, &found));
    assert_string_equal(cl_teacher_public_text(found), cl_teacher_public_text(made));
    cl_teacher_free(found);
    cl_teacher_free(made);
    char *home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
    unsetenv("XDG_DATA_HOME");
    unsetenv("HOME");
    found = NULL;
    assert_int_equal(cl_teacher_load(NULL, &found), CL_EUSAGE);
    assert_null(found);
    assert_non_null(strstr(cl_error_message(), "--identity DIR"));
    if (home)
        setenv("HOME", home, 1);
    free(home);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_round_trip, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_recipients, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_tampered_and_older, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_roster_opens_nothing, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_later_form_refused, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_class_limits, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_default_identity_folder, fixture_setup, fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
