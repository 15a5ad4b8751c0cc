/* The vault's side of the teachers' roster: publishing it. */
#include "carelog/teacher_roster.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "carelog/catalog.h"
#include "carelog/clock.h"
#include "carelog/file.h"
#include "carelog/i18n.h"
#include "carelog/storage.h"
#include "carelog/text.h"
#include "record_internal.h"
#include "teacher_internal.h"
#include "teacher_roster_internal.h"
#include "vault_internal.h"

unsigned char *roster_signed_message(const unsigned char *file, size_t len_before_sig, size_t *mlen)
{
    *mlen = sizeof ROSTER_SIGN_DOMAIN + len_before_sig;
    unsigned char *m = malloc(*mlen);
    if (!m)
        return NULL;
    memcpy(m, ROSTER_SIGN_DOMAIN, sizeof ROSTER_SIGN_DOMAIN);
    memcpy(m + sizeof ROSTER_SIGN_DOMAIN, file, len_before_sig);
    return m;
}

static void put_be(unsigned char *p, unsigned long long v, int bytes)
{
    for (int i = bytes - 1; i >= 0; i--, v >>= 8)
        p[i] = (unsigned char)(v & 0xff);
}

/* Numbers, names and classes: nothing else about a student leaves. */
static cl_status roster_students(sqlite3 *db, const char *class_filter, json_t **out)
{
    sqlite3_stmt *q;
    cl_status st = cl_db_prepare(db, "SELECT number, name, class FROM students"
                                     " WHERE merged_into IS NULL AND status <> 'transferred'"
                                     " AND (?1 IS NULL OR class IN (SELECT value FROM json_each(?1)))"
                                     " ORDER BY class, number, id", &q);
    if (st != CL_OK)
        return st;
    sqlite3_bind_text(q, 1, class_filter, -1, SQLITE_STATIC);
    json_t *list = json_array();
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW)
        json_array_append_new(list, json_pack("{s:s, s:s, s:s}", "number", (const char *)sqlite3_column_text(q, 0),
                                              "name", (const char *)sqlite3_column_text(q, 1), "class",
                                              (const char *)sqlite3_column_text(q, 2)));
    if (rc != SQLITE_DONE)
        st = cl_db_fail(db, "reading the students for the roster");
    sqlite3_finalize(q);
    if (st != CL_OK) {
        json_decref(list);
        return st;
    }
    *out = list;
    return CL_OK;
}

/* The X25519 keys of the enrolled, non-revoked teachers, 32 bytes each. */
static cl_status recipient_keys(sqlite3 *db, unsigned char **keys, size_t *n)
{
    sqlite3_stmt *q;
    cl_status st = cl_db_prepare(db, "SELECT public_key FROM teachers WHERE revoked_at IS NULL ORDER BY id", &q);
    if (st != CL_OK)
        return st;
    unsigned char *k = NULL;
    size_t count = 0;
    int rc;
    while (st == CL_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (sqlite3_column_bytes(q, 0) != CL_ED25519_PUBLIC_BYTES)
            continue;
        unsigned char *more = realloc(k, (count + 1) * 32);
        if (!more) {
            st = cl_fail(CL_ESOFTWARE, _("out of memory"));
            break;
        }
        k = more;
        /* A key that is no point of the curve cannot be sealed to; such a
         * teacher is left off rather than stopping the roster. */
        if (crypto_sign_ed25519_pk_to_curve25519(k + count * 32, sqlite3_column_blob(q, 0)) == 0)
            count++;
    }
    if (st == CL_OK && rc != SQLITE_DONE)
        st = cl_db_fail(db, "reading the enrolled teachers");
    sqlite3_finalize(q);
    if (st == CL_OK && count == 0)
        st = cl_fail(CL_EDATA, _("no teacher is enrolled (or every one is revoked), so nobody could read a roster; "
                                 "enrol teachers first with `carelog teacher add`"));
    if (st == CL_OK && count > ROSTER_MAX_RECIPIENTS)
        st = cl_fail(CL_EDATA, _("more than %u teachers are enrolled; a roster can be read by at most that many"),
                     ROSTER_MAX_RECIPIENTS);
    if (st != CL_OK) {
        free(k);
        return st;
    }
    *keys = k;
    *n = count;
    return CL_OK;
}

static cl_status observation_form(cl_vault *v, json_t **out)
{
    const cl_form *form;
    long long form_id;
    int version = 0;
    char *text = NULL, digest[65];
    cl_status st = cl_catalog_current(v, "observation", &form, &form_id);
    if (st == CL_OK)
        st = cl_catalog_get(v, form_id, &form, &version);
    if (st == CL_OK)
        st = cl_catalog_source(v, "observation", 0, &text);
    if (st != CL_OK)
        return st;
    cl_form_digest(text, strlen(text), digest);
    *out = json_pack("{s:s, s:i, s:i, s:s, s:s}", "kind", "observation", "format", CL_TEACHER_ROSTER_FORM_FORMAT,
                     "version", version, "digest", digest, "text", text);
    free(text);
    return *out ? CL_OK : cl_fail(CL_ESOFTWARE, _("out of memory"));
}

/* Encrypts body for the recipients and signs the whole. */
static cl_status build_file(cl_vault *v, long long counter, const unsigned char *keys, size_t n, const char *body,
                            unsigned char **file, size_t *len)
{
    size_t body_len = strlen(body), head = ROSTER_FIXED_HEAD + n * ROSTER_STANZA;
    size_t total = head + ROSTER_NONCE + body_len + ROSTER_TAG + ROSTER_SIG;
    unsigned char *f = malloc(total);
    cl_secret *key = NULL;
    cl_status st = f ? cl_secret_random(crypto_aead_xchacha20poly1305_ietf_KEYBYTES, &key)
                     : cl_fail(CL_ESOFTWARE, _("out of memory"));
    if (st == CL_OK)
        st = cl_meta_get_blob(cl_vault_db(v), "vault_id", f + ROSTER_MAGIC_LEN, CL_VAULT_ID_BYTES);
    if (st == CL_OK) {
        memcpy(f, ROSTER_MAGIC, ROSTER_MAGIC_LEN);
        put_be(f + ROSTER_MAGIC_LEN + CL_VAULT_ID_BYTES, (unsigned long long)counter, 8);
        put_be(f + ROSTER_MAGIC_LEN + CL_VAULT_ID_BYTES + 8, n, 4);
        for (size_t i = 0; i < n && st == CL_OK; i++)
            if (crypto_box_seal(f + ROSTER_FIXED_HEAD + i * ROSTER_STANZA, key->bytes, key->len, keys + i * 32) != 0)
                st = cl_fail(CL_ESOFTWARE, _("could not seal the roster's key to a teacher"));
        randombytes_buf(f + head, ROSTER_NONCE);
    }
    if (st == CL_OK)
        crypto_aead_xchacha20poly1305_ietf_encrypt(f + head + ROSTER_NONCE, NULL, (const unsigned char *)body,
                                                   body_len, f, head, NULL, f + head, key->bytes);
    cl_secret_free(key);
    size_t mlen = 0;
    unsigned char *m = st == CL_OK ? roster_signed_message(f, total - ROSTER_SIG, &mlen) : NULL;
    if (st == CL_OK && !m)
        st = cl_fail(CL_ESOFTWARE, _("out of memory"));
    if (st == CL_OK)
        st = cl_vault_sign(v, m, mlen, f + total - ROSTER_SIG);
    free(m);
    if (st != CL_OK) {
        free(f);
        return st;
    }
    *file = f;
    *len = total;
    return CL_OK;
}

/* Grows with every publication and with the clock, so even a vault
 * restored from an old backup publishes a roster newer than the ones the
 * teachers already hold. */
static cl_status next_counter(sqlite3 *db, long long *counter)
{
    sqlite3_stmt *q;
    cl_status st = cl_db_prepare(db, "SELECT coalesce(max(counter), 0) FROM roster_publications", &q);
    if (st != CL_OK)
        return st;
    if (sqlite3_step(q) != SQLITE_ROW)
        st = cl_db_fail(db, "reading the last roster");
    long long last = st == CL_OK ? sqlite3_column_int64(q, 0) : 0, now = (long long)cl_now();
    sqlite3_finalize(q);
    *counter = last + 1 > now ? last + 1 : now;
    return st;
}

static cl_status note_publication(cl_vault *v, long long counter, const char *classes, size_t students,
                                  size_t teachers, const char *path)
{
    sqlite3 *db = cl_vault_db(v);
    char now[32], detail[160];
    cl_now_iso(now);
    sqlite3_stmt *q;
    cl_status st = cl_db_prepare(db, "INSERT INTO roster_publications(counter, published_at, published_by, classes,"
                                     " students, teachers, path) VALUES (?, ?, ?, ?, ?, ?, ?)", &q);
    if (st != CL_OK)
        return st;
    sqlite3_bind_int64(q, 1, counter);
    sqlite3_bind_text(q, 2, now, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, cl_vault_user(v), -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 4, classes, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 5, (sqlite3_int64)students);
    sqlite3_bind_int64(q, 6, (sqlite3_int64)teachers);
    sqlite3_bind_text(q, 7, path, -1, SQLITE_STATIC);
    if (sqlite3_step(q) != SQLITE_DONE)
        st = cl_db_fail(db, "recording the roster");
    sqlite3_finalize(q);
    snprintf(detail, sizeof detail, "counter %lld, %zu students, %zu teachers, classes %s", counter, students,
             teachers, classes);
    return st == CL_OK ? cl_vault_audit(v, "teacher.roster", path, detail) : st;
}

static cl_status write_roster(const char *path, const unsigned char *file, size_t len)
{
    cl_status st = cl_file_write_atomic(path, file, len);
    /* Encrypted to the teachers and signed: teachers sharing the machine
     * must be able to read it where vault.pub is. */
    if (st == CL_OK && chmod(path, 0644) != 0)
        st = cl_fail(CL_EIO, _("%s: could not make the roster readable for teachers"), path);
    return st;
}

cl_status cl_teacher_roster_publish(cl_vault *v, const json_t *classes, const char *path, json_t **report)
{
    cl_status st = teacher_check_classes(classes, ROSTER_MAX_CLASSES);
    if (st == CL_OK)
        st = vault_require_counsellor(v, _("publishing the teachers' roster"));
    if (st != CL_OK)
        return st;
    bool filtered = classes && json_array_size(classes) > 0;
    char *class_text = filtered ? json_dumps(classes, JSON_COMPACT) : strdup("all");
    char *own_path = path ? strdup(path) : vault_path_in(cl_vault_dir(v), CL_TEACHER_ROSTER_FILE);
    sqlite3 *db = cl_vault_db(v);
    json_t *students = NULL, *form = NULL;
    unsigned char *keys = NULL, *file = NULL, vault_id[CL_VAULT_ID_BYTES];
    size_t n_keys = 0, len = 0;
    long long counter = 0;
    char *body = NULL;
    cl_tx tx;
    st = class_text && own_path ? cl_tx_begin(db, &tx) : cl_fail(CL_ESOFTWARE, _("out of memory"));
    if (st != CL_OK) {
        free(class_text), free(own_path);
        return st;
    }
    st = roster_students(db, filtered ? class_text : NULL, &students);
    if (st == CL_OK && json_array_size(students) == 0)
        st = cl_fail(CL_EDATA, filtered ? _("no student is in those classes; nothing was published (the classes must be "
                                            "written as `carelog student list` shows them)")
                                        : _("there are no students yet; nothing was published"));
    if (st == CL_OK)
        st = recipient_keys(db, &keys, &n_keys);
    if (st == CL_OK)
        st = observation_form(v, &form);
    if (st == CL_OK)
        st = next_counter(db, &counter);
    if (st == CL_OK)
        st = cl_meta_get_blob(db, "vault_id", vault_id, sizeof vault_id);
    if (st == CL_OK) {
        char id_hex[CL_VAULT_ID_BYTES * 2 + 1], now[32];
        sodium_bin2hex(id_hex, sizeof id_hex, vault_id, sizeof vault_id);
        cl_now_iso(now);
        json_t *root = json_pack("{s:i, s:s, s:I, s:s, s:O?, s:O, s:O}", "format", 1, "vault_id", id_hex, "counter",
                                 (json_int_t)counter, "published_at", now, "classes", filtered ? classes : NULL,
                                 "form", form, "students", students);
        body = root ? json_dumps(root, JSON_COMPACT) : NULL;
        json_decref(root);
        if (!body)
            st = cl_fail(CL_ESOFTWARE, _("out of memory"));
    }
    if (st == CL_OK)
        st = build_file(v, counter, keys, n_keys, body, &file, &len);
    size_t n_students = json_array_size(students);
    if (st == CL_OK)
        st = note_publication(v, counter, class_text, n_students, n_keys, own_path);
    /* Written inside the transaction: a roster that did not reach the disk
     * is not recorded as published. */
    if (st == CL_OK)
        st = write_roster(own_path, file, len);
    st = cl_tx_end(&tx, st);
    if (body)
        sodium_memzero(body, strlen(body));
    free(body);
    free(file);
    free(keys);
    json_decref(students);
    json_decref(form);
    if (st == CL_OK && report)
        *report = json_pack("{s:s, s:I, s:I, s:I, s:s}", "path", own_path, "counter", (json_int_t)counter, "students",
                            (json_int_t)n_students, "teachers", (json_int_t)n_keys, "classes", class_text);
    free(class_text);
    free(own_path);
    return st;
}
