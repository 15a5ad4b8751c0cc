/* Unit tests for the keyslots file: wrapping, unwrapping, damage, foreign
 * slots, rotation, reset, and the atomic save. */
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
#include <sys/stat.h>
#include <unistd.h>

#include "carelog/keyslot.h"
#include "carelog/secret.h"

/* Layout constants from keyslot.c, needed to splice slots between files. */
#define HEADER_LEN (8 + CL_VAULT_ID_BYTES + 4 + 1)
#define SLOT_LEN_ONE_KEY (1 + 16 + 8 + 8 + 16 + 32 + 24 + 48 + 1 + (32 + 16 + 4 + 48))
#define CHECKSUM_LEN 32

static cl_kdf kdf;

static cl_secret *text(const char *s)
{
    cl_secret *out;
    assert_int_equal(cl_secret_copy((const unsigned char *)s, strlen(s), &out), CL_OK);
    return out;
}

static int setup(void **state)
{
    (void)state;
    setenv("CARELOG_TEST_FAST_KDF", "1", 1);
    if (sodium_init() < 0)
        return -1;
    return cl_kdf_calibrate(&kdf) == CL_OK ? 0 : -1;
}

typedef struct fixture {
    cl_keyslots *ks;
    cl_secret *db_key, *pass, *recovery;
    unsigned char vault_id[CL_VAULT_ID_BYTES];
    unsigned char pass_slot[CL_SLOT_ID_BYTES], recovery_slot[CL_SLOT_ID_BYTES];
} fixture;

/* A keyslots object with one passphrase slot and one recovery slot. */
static void fixture_make(fixture *f, const char *pass)
{
    memset(f, 0, sizeof *f);
    randombytes_buf(f->vault_id, sizeof f->vault_id);
    assert_int_equal(cl_keyslots_new(f->vault_id, &f->ks), CL_OK);
    assert_int_equal(cl_secret_random(CL_DB_KEY_BYTES, &f->db_key), CL_OK);
    f->pass = text(pass);
    f->recovery = text("ABCDEFGHJKMNPQRSTVWXYZ0123456789");
    assert_int_equal(cl_keyslots_add(f->ks, CL_SLOT_PASSPHRASE, f->pass, &kdf, f->db_key, f->pass_slot), CL_OK);
    assert_int_equal(cl_keyslots_add(f->ks, CL_SLOT_RECOVERY, f->recovery, &kdf, f->db_key, f->recovery_slot), CL_OK);
}

static void fixture_free(fixture *f)
{
    cl_keyslots_free(f->ks);
    cl_secret_free(f->db_key);
    cl_secret_free(f->pass);
    cl_secret_free(f->recovery);
}

static void assert_key(const cl_secret *got, const cl_secret *want)
{
    assert_non_null(got);
    assert_int_equal(got->len, want->len);
    assert_memory_equal(got->bytes, want->bytes, want->len);
}

/* Unlocks kind with pass and expects st (and, on success, key). */
static void expect_unlock(const cl_keyslots *ks, cl_slot_kind kind, const cl_secret *pass, cl_status st,
                          const cl_secret *key, const unsigned char *slot)
{
    unsigned char id[CL_SLOT_ID_BYTES];
    cl_secret *got = (cl_secret *)&got, *next = (cl_secret *)&next;
    assert_int_equal(cl_keyslots_unlock(ks, kind, pass, id, &got, &next), st);
    if (st == CL_OK) {
        assert_key(got, key);
        assert_null(next);
        if (slot)
            assert_memory_equal(id, slot, CL_SLOT_ID_BYTES);
    } else {
        assert_null(got);
        assert_null(next);
    }
    cl_secret_free(st == CL_OK ? got : NULL);
}

static void serialize(const cl_keyslots *ks, unsigned char **data, size_t *len)
{
    assert_int_equal(cl_keyslots_serialize(ks, data, len), CL_OK);
}

static void test_round_trip(void **state)
{
    (void)state;
    fixture f;
    fixture_make(&f, "correct horse battery");
    assert_int_equal(cl_keyslots_count(f.ks, CL_SLOT_PASSPHRASE), 1);
    assert_int_equal(cl_keyslots_count(f.ks, CL_SLOT_RECOVERY), 1);
    assert_false(cl_keyslots_rotating(f.ks));
    expect_unlock(f.ks, CL_SLOT_PASSPHRASE, f.pass, CL_OK, f.db_key, f.pass_slot);
    expect_unlock(f.ks, CL_SLOT_RECOVERY, f.recovery, CL_OK, f.db_key, f.recovery_slot);

    unsigned char *data;
    size_t len;
    serialize(f.ks, &data, &len);
    assert_int_equal(len, HEADER_LEN + 2 * SLOT_LEN_ONE_KEY + CHECKSUM_LEN);
    /* Nothing secret in the file: neither the key nor the passphrase. */
    assert_null(memmem(data, len, f.db_key->bytes, f.db_key->len));
    assert_null(memmem(data, len, f.pass->bytes, f.pass->len));
    cl_keyslots *back;
    assert_int_equal(cl_keyslots_parse(data, len, &back), CL_OK);
    assert_memory_equal(cl_keyslots_vault_id(back), f.vault_id, CL_VAULT_ID_BYTES);
    assert_true(cl_keyslots_has(back, f.pass_slot));
    assert_true(cl_keyslots_has(back, f.recovery_slot));
    expect_unlock(back, CL_SLOT_PASSPHRASE, f.pass, CL_OK, f.db_key, f.pass_slot);
    expect_unlock(back, CL_SLOT_RECOVERY, f.recovery, CL_OK, f.db_key, f.recovery_slot);
    /* Serializing again gives the same bytes. */
    unsigned char *again;
    size_t again_len;
    serialize(back, &again, &again_len);
    assert_int_equal(again_len, len);
    assert_memory_equal(again, data, len);
    free(again);
    free(data);
    cl_keyslots_free(back);
    fixture_free(&f);
}

static void test_wrong_and_kinds(void **state)
{
    (void)state;
    fixture f;
    fixture_make(&f, "correct horse battery");
    cl_secret *wrong = text("correct horse batterY"), *empty = text("");
    expect_unlock(f.ks, CL_SLOT_PASSPHRASE, wrong, CL_EPERM, NULL, NULL);
    expect_unlock(f.ks, CL_SLOT_PASSPHRASE, empty, CL_EPERM, NULL, NULL);
    /* The kinds are separate: the recovery key opens no passphrase slot,
     * the passphrase no recovery slot. */
    expect_unlock(f.ks, CL_SLOT_PASSPHRASE, f.recovery, CL_EPERM, NULL, NULL);
    expect_unlock(f.ks, CL_SLOT_RECOVERY, f.pass, CL_EPERM, NULL, NULL);
    assert_non_null(strstr(cl_error_message(), "recovery key"));
    expect_unlock(f.ks, CL_SLOT_PASSPHRASE, wrong, CL_EPERM, NULL, NULL);
    assert_non_null(strstr(cl_error_message(), "wrong passphrase"));
    cl_secret_free(wrong);
    cl_secret_free(empty);
    fixture_free(&f);
}

static void expect_damaged(const unsigned char *data, size_t len, const char *what, size_t at)
{
    cl_keyslots *ks = (cl_keyslots *)&ks;
    cl_status st = cl_keyslots_parse(data, len, &ks);
    if (st != CL_EDATA)
        fail_msg("%s at %zu: parse gave %d, not CL_EDATA", what, at, st);
    assert_ptr_equal(ks, (cl_keyslots *)&ks); /* untouched */
    assert_true(strlen(cl_error_message()) > 0);
}

static void test_every_flipped_byte(void **state)
{
    (void)state;
    fixture f;
    fixture_make(&f, "correct horse battery");
    unsigned char *data;
    size_t len;
    serialize(f.ks, &data, &len);
    for (size_t i = 0; i < len; i++) {
        for (int bit = 0; bit < 8; bit += 7) { /* the lowest and the highest bit */
            data[i] ^= (unsigned char)(1u << bit);
            expect_damaged(data, len, "flipped byte", i);
            data[i] ^= (unsigned char)(1u << bit);
        }
    }
    /* …and the untouched copy still parses. */
    cl_keyslots *ks;
    assert_int_equal(cl_keyslots_parse(data, len, &ks), CL_OK);
    cl_keyslots_free(ks);
    free(data);
    fixture_free(&f);
}

static void test_every_truncation(void **state)
{
    (void)state;
    fixture f;
    fixture_make(&f, "correct horse battery");
    unsigned char *data;
    size_t len;
    serialize(f.ks, &data, &len);
    for (size_t n = 0; n < len; n++) {
        /* A copy of exactly n bytes, so ASan sees any read past the end. */
        unsigned char *cut = malloc(n ? n : 1);
        assert_non_null(cut);
        memcpy(cut, data, n);
        expect_damaged(cut, n, "truncated to", n);
        free(cut);
    }
    /* Extra bytes at the end are damage too. */
    unsigned char *longer = malloc(len + 1);
    assert_non_null(longer);
    memcpy(longer, data, len);
    longer[len] = 0;
    expect_damaged(longer, len + 1, "one byte appended", len);
    free(longer);
    free(data);
    fixture_free(&f);
}

/* Re-seals the checksum after a deliberate edit, as an attacker could. */
static void recompute_checksum(unsigned char *data, size_t len)
{
    crypto_generichash(data + len - CHECKSUM_LEN, CHECKSUM_LEN, data, len - CHECKSUM_LEN, NULL, 0);
}

static void test_impossible_values_with_valid_checksum(void **state)
{
    (void)state;
    fixture f;
    fixture_make(&f, "correct horse battery");
    unsigned char *data;
    size_t len;
    serialize(f.ks, &data, &len);
    unsigned char *copy = malloc(len);
    assert_non_null(copy);
    static const struct { size_t at; unsigned char value; const char *what; } edits[] = {
        {HEADER_LEN - 1, 0, "no slots"},
        {HEADER_LEN - 1, 3, "more slots than there are"},
        {HEADER_LEN - 1, 200, "an absurd slot count"},
        {HEADER_LEN, 7, "an unknown slot kind"},
        {HEADER_LEN + 17, 0, "opslimit zero"},
        {HEADER_LEN + 17 + 7, 0xff, "an absurd opslimit"},
        {HEADER_LEN + 25 + 7, 0xff, "an absurd memlimit"},
        {HEADER_LEN + SLOT_LEN_ONE_KEY - 101, 0, "no sealed keys"},
        {HEADER_LEN + SLOT_LEN_ONE_KEY - 101, 2, "two sealed keys announced, one there"},
        {HEADER_LEN + SLOT_LEN_ONE_KEY - 101, 9, "nine sealed keys"},
    };
    for (size_t i = 0; i < sizeof edits / sizeof *edits; i++) {
        memcpy(copy, data, len);
        copy[edits[i].at] = edits[i].value;
        recompute_checksum(copy, len);
        cl_keyslots *ks = NULL;
        cl_status st = cl_keyslots_parse(copy, len, &ks);
        if (st != CL_EDATA)
            fail_msg("%s: parse gave %d", edits[i].what, st);
    }
    /* A slot's salt changed (checksum fixed): it parses, but the slot's
     * associated data no longer matches, so it opens nothing. */
    memcpy(copy, data, len);
    copy[HEADER_LEN + 1 + 16 + 16] ^= 1;
    recompute_checksum(copy, len);
    cl_keyslots *ks;
    assert_int_equal(cl_keyslots_parse(copy, len, &ks), CL_OK);
    expect_unlock(ks, CL_SLOT_PASSPHRASE, f.pass, CL_EPERM, NULL, NULL);
    expect_unlock(ks, CL_SLOT_RECOVERY, f.recovery, CL_OK, f.db_key, NULL);
    cl_keyslots_free(ks);
    /* A slot's kind changed (checksum fixed): the kind is part of the
     * associated data, so the recovery slot turned into a passphrase slot
     * opens nothing with the recovery key, and the passphrase slot turned
     * into a recovery slot nothing with the passphrase. */
    memcpy(copy, data, len);
    copy[HEADER_LEN + SLOT_LEN_ONE_KEY] = CL_SLOT_PASSPHRASE;
    copy[HEADER_LEN] = CL_SLOT_RECOVERY;
    recompute_checksum(copy, len);
    assert_int_equal(cl_keyslots_parse(copy, len, &ks), CL_OK);
    assert_int_equal(cl_keyslots_count(ks, CL_SLOT_PASSPHRASE), 1); /* the edit took */
    expect_unlock(ks, CL_SLOT_PASSPHRASE, f.recovery, CL_EPERM, NULL, NULL);
    expect_unlock(ks, CL_SLOT_RECOVERY, f.pass, CL_EPERM, NULL, NULL);
    cl_keyslots_free(ks);
    /* The vault id changed (checksum fixed): no slot opens. */
    memcpy(copy, data, len);
    copy[8] ^= 1;
    recompute_checksum(copy, len);
    assert_int_equal(cl_keyslots_parse(copy, len, &ks), CL_OK);
    expect_unlock(ks, CL_SLOT_PASSPHRASE, f.pass, CL_EPERM, NULL, NULL);
    expect_unlock(ks, CL_SLOT_RECOVERY, f.recovery, CL_EPERM, NULL, NULL);
    cl_keyslots_free(ks);
    /* A sealed key changed (checksum fixed): the slot unwraps, the sealed
     * key does not open, and that is damage, not a wrong passphrase. */
    memcpy(copy, data, len);
    copy[HEADER_LEN + SLOT_LEN_ONE_KEY - 50] ^= 1;
    recompute_checksum(copy, len);
    assert_int_equal(cl_keyslots_parse(copy, len, &ks), CL_OK);
    unsigned char id[CL_SLOT_ID_BYTES];
    cl_secret *key = (cl_secret *)&key;
    assert_int_equal(cl_keyslots_unlock(ks, CL_SLOT_PASSPHRASE, f.pass, id, &key, NULL), CL_EDATA);
    assert_null(key);
    cl_keyslots_free(ks);
    free(copy);
    free(data);
    fixture_free(&f);
}

static void test_foreign_slot(void **state)
{
    (void)state;
    /* Two vaults whose counsellors chose the same passphrase. */
    fixture a, b;
    fixture_make(&a, "same passphrase both");
    fixture_make(&b, "same passphrase both");
    unsigned char *da, *db;
    size_t la, lb;
    serialize(a.ks, &da, &la);
    serialize(b.ks, &db, &lb);
    assert_int_equal(la, lb);
    /* B's passphrase slot spliced into A's file, checksum recomputed: the
     * file parses, but the slot's associated data names vault B, so it
     * opens nothing in A. */
    memcpy(da + HEADER_LEN, db + HEADER_LEN, SLOT_LEN_ONE_KEY);
    recompute_checksum(da, la);
    cl_keyslots *spliced;
    assert_int_equal(cl_keyslots_parse(da, la, &spliced), CL_OK);
    expect_unlock(spliced, CL_SLOT_PASSPHRASE, a.pass, CL_EPERM, NULL, NULL);
    expect_unlock(spliced, CL_SLOT_RECOVERY, a.recovery, CL_OK, a.db_key, NULL);
    cl_keyslots_free(spliced);
    /* B's recovery slot spliced in likewise. */
    free(da);
    unsigned char *da2;
    serialize(a.ks, &da2, &la);
    memcpy(da2 + HEADER_LEN + SLOT_LEN_ONE_KEY, db + HEADER_LEN + SLOT_LEN_ONE_KEY, SLOT_LEN_ONE_KEY);
    recompute_checksum(da2, la);
    assert_int_equal(cl_keyslots_parse(da2, la, &spliced), CL_OK);
    expect_unlock(spliced, CL_SLOT_RECOVERY, b.recovery, CL_EPERM, NULL, NULL);
    expect_unlock(spliced, CL_SLOT_PASSPHRASE, a.pass, CL_OK, a.db_key, NULL);
    cl_keyslots_free(spliced);
    /* The whole of B's file parses as B's, and gives B's key, never A's:
     * the vault id tells them apart (cl_vault_open compares it). */
    cl_keyslots *whole;
    assert_int_equal(cl_keyslots_parse(db, lb, &whole), CL_OK);
    assert_memory_not_equal(cl_keyslots_vault_id(whole), a.vault_id, CL_VAULT_ID_BYTES);
    expect_unlock(whole, CL_SLOT_PASSPHRASE, a.pass, CL_OK, b.db_key, NULL);
    cl_keyslots_free(whole);
    free(da2);
    free(db);
    fixture_free(&a);
    fixture_free(&b);
}

static void test_rotation(void **state)
{
    (void)state;
    fixture f;
    fixture_make(&f, "correct horse battery");
    cl_secret *pass2 = text("second counsellor pass"), *next, *pass3 = text("third counsellor");
    unsigned char slot2[CL_SLOT_ID_BYTES];
    assert_int_equal(cl_keyslots_add(f.ks, CL_SLOT_PASSPHRASE, pass2, &kdf, f.db_key, slot2), CL_OK);
    assert_int_equal(cl_secret_random(CL_DB_KEY_BYTES, &next), CL_OK);

    assert_int_equal(cl_keyslots_seal_next(f.ks, next), CL_OK);
    assert_true(cl_keyslots_rotating(f.ks));
    /* Half way, through a save and a load: every slot gives both keys. */
    unsigned char *data;
    size_t len;
    serialize(f.ks, &data, &len);
    cl_keyslots *mid;
    assert_int_equal(cl_keyslots_parse(data, len, &mid), CL_OK);
    free(data);
    assert_true(cl_keyslots_rotating(mid));
    const cl_secret *passes[] = {f.pass, pass2};
    for (size_t i = 0; i < 2; i++) {
        cl_secret *key, *got_next;
        assert_int_equal(cl_keyslots_unlock(mid, CL_SLOT_PASSPHRASE, passes[i], NULL, &key, &got_next), CL_OK);
        assert_key(key, f.db_key);
        assert_key(got_next, next);
        cl_secret_free(key);
        cl_secret_free(got_next);
    }
    /* Without a place for the next key, unlock still gives the current. */
    cl_secret *key;
    assert_int_equal(cl_keyslots_unlock(mid, CL_SLOT_RECOVERY, f.recovery, NULL, &key, NULL), CL_OK);
    assert_key(key, f.db_key);
    cl_secret_free(key);
    /* No new slots and no resets while a rotation is half done. */
    assert_int_equal(cl_keyslots_add(mid, CL_SLOT_PASSPHRASE, pass3, &kdf, f.db_key, NULL), CL_ECONFLICT);
    assert_int_equal(cl_keyslots_reset(mid, f.pass_slot, pass3, &kdf, f.db_key), CL_ECONFLICT);

    assert_int_equal(cl_keyslots_promote_next(mid), CL_OK);
    assert_false(cl_keyslots_rotating(mid));
    assert_int_equal(cl_keyslots_promote_next(mid), CL_ESOFTWARE); /* nothing to promote */
    serialize(mid, &data, &len);
    cl_keyslots *done;
    assert_int_equal(cl_keyslots_parse(data, len, &done), CL_OK);
    free(data);
    expect_unlock(done, CL_SLOT_PASSPHRASE, f.pass, CL_OK, next, f.pass_slot);
    expect_unlock(done, CL_SLOT_PASSPHRASE, pass2, CL_OK, next, slot2);
    expect_unlock(done, CL_SLOT_RECOVERY, f.recovery, CL_OK, next, f.recovery_slot);
    /* Once the rotation is done, slots can be added again. */
    assert_int_equal(cl_keyslots_add(done, CL_SLOT_PASSPHRASE, pass3, &kdf, next, NULL), CL_OK);
    cl_keyslots_free(mid);
    cl_keyslots_free(done);
    cl_secret_free(next);
    cl_secret_free(pass2);
    cl_secret_free(pass3);
    fixture_free(&f);
}

static void test_reset_and_remove(void **state)
{
    (void)state;
    fixture f;
    fixture_make(&f, "correct horse battery");
    cl_secret *fresh = text("a brand new passphrase");
    assert_int_equal(cl_keyslots_reset(f.ks, f.pass_slot, fresh, &kdf, f.db_key), CL_OK);
    expect_unlock(f.ks, CL_SLOT_PASSPHRASE, f.pass, CL_EPERM, NULL, NULL);
    expect_unlock(f.ks, CL_SLOT_PASSPHRASE, fresh, CL_OK, f.db_key, f.pass_slot); /* same slot id */
    expect_unlock(f.ks, CL_SLOT_RECOVERY, f.recovery, CL_OK, f.db_key, NULL);
    unsigned char missing[CL_SLOT_ID_BYTES] = {0};
    assert_int_equal(cl_keyslots_reset(f.ks, missing, fresh, &kdf, f.db_key), CL_ENOTFOUND);
    assert_int_equal(cl_keyslots_remove(f.ks, missing), CL_ENOTFOUND);

    unsigned char first[CL_SLOT_ID_BYTES];
    assert_int_equal(cl_keyslots_first(f.ks, CL_SLOT_RECOVERY, first), CL_OK);
    assert_memory_equal(first, f.recovery_slot, CL_SLOT_ID_BYTES);
    assert_int_equal(cl_keyslots_remove(f.ks, f.pass_slot), CL_OK);
    assert_false(cl_keyslots_has(f.ks, f.pass_slot));
    assert_int_equal(cl_keyslots_count(f.ks, CL_SLOT_PASSPHRASE), 0);
    assert_int_equal(cl_keyslots_first(f.ks, CL_SLOT_PASSPHRASE, first), CL_ENOTFOUND);
    expect_unlock(f.ks, CL_SLOT_PASSPHRASE, fresh, CL_EPERM, NULL, NULL);
    expect_unlock(f.ks, CL_SLOT_RECOVERY, f.recovery, CL_OK, f.db_key, NULL);
    cl_secret_free(fresh);
    fixture_free(&f);
}

static void test_save_and_load(void **state)
{
    (void)state;
    char dir[] = "/tmp/carelog-ks-XXXXXX", path[64];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/keyslots", dir);
    fixture f;
    fixture_make(&f, "correct horse battery");
    assert_int_equal(cl_keyslots_save(f.ks, path), CL_OK);
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    /* Saved again over itself: still one file, no temporary left behind. */
    assert_int_equal(cl_keyslots_save(f.ks, path), CL_OK);
    DIR *d = opendir(dir);
    assert_non_null(d);
    int files = 0;
    for (struct dirent *e; (e = readdir(d));)
        files += e->d_name[0] != '.';
    closedir(d);
    assert_int_equal(files, 1);
    cl_keyslots *back;
    assert_int_equal(cl_keyslots_load(path, &back), CL_OK);
    expect_unlock(back, CL_SLOT_PASSPHRASE, f.pass, CL_OK, f.db_key, f.pass_slot);
    cl_keyslots_free(back);
    unlink(path);
    assert_int_equal(cl_keyslots_load(path, &back), CL_ENOTFOUND);
    assert_int_equal(rmdir(dir), 0);
    fixture_free(&f);
}

static void test_kdf(void **state)
{
    (void)state;
    cl_kdf k;
    assert_int_equal(cl_kdf_calibrate(&k), CL_OK);
    assert_int_equal(k.opslimit, crypto_pwhash_OPSLIMIT_MIN);
    assert_int_equal(k.memlimit, crypto_pwhash_MEMLIMIT_MIN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_wrong_and_kinds),
        cmocka_unit_test(test_every_flipped_byte),
        cmocka_unit_test(test_every_truncation),
        cmocka_unit_test(test_impossible_values_with_valid_checksum),
        cmocka_unit_test(test_foreign_slot),
        cmocka_unit_test(test_rotation),
        cmocka_unit_test(test_reset_and_remove),
        cmocka_unit_test(test_save_and_load),
        cmocka_unit_test(test_kdf),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
