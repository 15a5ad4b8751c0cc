/* The office's side of a bundle: who signed it, whether it is for this
 * office and new, whether its content is what the manifest and the
 * signature say; then it is kept inside the office vault. */
#include "carelog/bundle.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bundle_internal.h"
#include "carelog/clock.h"
#include "carelog/i18n.h"
#include "carelog/office.h"
#include "carelog/storage.h"

#define PLAIN_MAX (64u << 20)

cl_status party_verify(const cl_party *signer, const envelope *e)
{
    cl_minisign_key key;
    cl_minisign_key_of(signer->ed25519, &key);
    return cl_minisign_verify(&key, &e->sig, e->cipher, e->cipher_len);
}

cl_status party_signer(cl_vault *v, const char *table, const cl_minisign_sig *sig, long long *id, cl_party *out)
{
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT id, name, vault_id, x25519, ed25519, fingerprint FROM %s", table);
    sqlite3_stmt *q;
    cl_status st = cl_db_prepare(cl_vault_db(v), sql, &q);
    if (st != CL_OK)
        return st;
    bool found = false;
    while (!found && sqlite3_step(q) == SQLITE_ROW) {
        if (sqlite3_column_bytes(q, 4) != 32 || sqlite3_column_bytes(q, 3) != 32)
            continue;
        cl_minisign_key k;
        cl_minisign_key_of(sqlite3_column_blob(q, 4), &k);
        if (sodium_memcmp(k.id, sig->key_id, sizeof k.id) != 0)
            continue;
        found = true;
        party_from_row(q, strcmp(table, "offices") == 0 ? "office" : "school", id, out);
    }
    sqlite3_finalize(q);
    if (!found) {
        char hex[17];
        cl_minisign_key_id_hex(sig->key_id, hex);
        bool offices = strcmp(table, "offices") == 0;
        if (!offices && !cl_vault_is_office(v))
            return cl_fail(CL_EPERM, _("refused: signed by key %s, which is no school this vault knows (add it with "
                                       "`carelog school add NAME vault.pub` after comparing its fingerprint); "
                                       "nothing was imported"), hex);
        return cl_fail(CL_EPERM, offices ? _("refused: signed by key %s, which is no office this vault knows (add "
                                             "the office with `carelog office add`); nothing was imported")
                                         : _("refused: signed by key %s, which is no school this office trusts "
                                             "(trust it with `carelog office trust NAME vault.pub` after comparing "
                                             "its fingerprint); nothing was stored"),
                       hex);
    }
    return CL_OK;
}


static cl_status collect(void *ctx, const char *name, const unsigned char *data, size_t len)
{
    bundle_archive *a = ctx;
    for (size_t i = 0; i < a->n; i++)
        if (strcmp(a->names[i], name) == 0)
            return cl_fail(CL_EDATA, _("the bundle holds %s twice"), name);
    if (a->n == BUNDLE_MAX_FILES)
        return cl_fail(CL_EDATA, _("the bundle holds more than %d files"), BUNDLE_MAX_FILES);
    snprintf(a->names[a->n], sizeof a->names[a->n], "%s", name);
    a->data[a->n] = data;
    a->len[a->n] = len;
    a->n++;
    return CL_OK;
}

static bool same_str(const json_t *o, const char *key, const char *want)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s && want && strcmp(s, want) == 0;
}

/* The manifest agrees with the trusted comment, with the signer and with
 * this office, and lists exactly the other files with their hashes. */
const bundle_kind bundle_referral = {"carelog-referral-bundle", "referral_id", "referral", "export_id", "export"};
const bundle_kind bundle_transfer = {"carelog-student-transfer", "student_id", "student", "transfer_id", "transfer"};

const unsigned char *bundle_archive_file(const bundle_archive *a, const char *name, size_t *len)
{
    for (size_t i = 0; i < a->n; i++)
        if (strcmp(a->names[i], name) == 0) {
            *len = a->len[i];
            return a->data[i];
        }
    return NULL;
}

static cl_status check_manifest(const bundle_kind *kind, const json_t *m, const bundle_archive *a, size_t manifest_at,
                                const char *comment, const char *school_fp, const char *own_fp)
{
    const char *bad = _("refused: the bundle's manifest does not match its signature; nothing was stored");
    char *export_id = comment_value(comment, kind->comment_export_key), *referral = comment_value(comment, kind->comment_key),
         *at = comment_value(comment, "at"), *file = comment_value(comment, "file"),
         *sfp = comment_value(comment, "school");
    char ref_text[32];
    snprintf(ref_text, sizeof ref_text, "%lld", (long long)json_integer_value(json_object_get(m, kind->id_key)));
    bool ok = same_str(m, "format", kind->format) &&
              json_integer_value(json_object_get(m, "version")) == 1 && same_str(m, kind->export_key, export_id) &&
              referral && strcmp(ref_text, referral) == 0 && same_str(m, "created_at", at) &&
              same_str(m, "file_name", file) && same_str(m, "school_fingerprint", sfp) &&
              same_str(m, "school_fingerprint", school_fp) && same_str(m, "recipient_fingerprint", own_fp);
    free(export_id), free(referral), free(at), free(file), free(sfp);
    if (!ok)
        return cl_fail(CL_EDATA, "%s", bad);
    json_t *files = json_object_get(m, "files");
    if (!json_is_array(files) || json_array_size(files) + 1 != a->n)
        return cl_fail(CL_EDATA, _("refused: the bundle's files are not the ones its manifest lists; nothing was "
                                   "stored"));
    size_t i;
    json_t *f;
    json_array_foreach(files, i, f) {
        const char *name = json_string_value(json_object_get(f, "name"));
        size_t k = 0;
        while (k < a->n && (k == manifest_at || !name || strcmp(a->names[k], name) != 0))
            k++;
        char sha[65], b2[65];
        if (k == a->n)
            return cl_fail(CL_EDATA, _("refused: the bundle lacks a file its manifest lists; nothing was stored"));
        hash_sha256_hex(a->data[k], a->len[k], sha);
        hash_blake2b_hex(a->data[k], a->len[k], b2);
        if (json_integer_value(json_object_get(f, "size")) != (json_int_t)a->len[k] || !same_str(f, "sha256", sha) ||
            !same_str(f, "blake2b", b2))
            return cl_fail(CL_EDATA, _("refused: %s in the bundle does not match its hash in the manifest; nothing "
                                       "was stored"), name);
    }
    return CL_OK;
}

/* An export id is unique only for its school (see envelope_seen). */
static cl_status already_received(cl_vault *v, long long school_id, const char *export_id)
{
    sqlite3_stmt *q;
    cl_status st = cl_db_prepare(cl_vault_db(v), "SELECT received_at FROM received_bundles WHERE export_id = ?"
                                                 " AND school_id = ?", &q);
    if (st != CL_OK)
        return st;
    sqlite3_bind_text(q, 1, export_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, school_id);
    if (sqlite3_step(q) == SQLITE_ROW)
        st = cl_fail(CL_ECANTCREATE, _("refused: bundle %s was already received on %s (a replay); nothing was "
                                       "stored"), export_id, (const char *)sqlite3_column_text(q, 0));
    sqlite3_finalize(q);
    return st;
}

static cl_status store(cl_vault *v, long long school_id, const json_t *m, const bundle_archive *a, size_t manifest_at,
                       const envelope *e, long long *id)
{
    sqlite3 *db = cl_vault_db(v);
    char now[32];
    cl_time_iso(cl_now(), now, sizeof now);
    sqlite3_stmt *q;
    cl_status st = cl_db_prepare(db, "INSERT INTO received_bundles(export_id, school_id, referral_id, sha256,"
                                     " sent_at, received_at, received_by, state, state_at, manifest, signature_hash)"
                                     " VALUES (?, ?, ?, ?, ?, ?, ?, 'received', ?, ?, ?)", &q);
    if (st != CL_OK)
        return st;
    sqlite3_bind_text(q, 1, json_string_value(json_object_get(m, "export_id")), -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, school_id);
    sqlite3_bind_int64(q, 3, json_integer_value(json_object_get(m, "referral_id")));
    sqlite3_bind_text(q, 4, e->sha256, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 5, json_string_value(json_object_get(m, "created_at")), -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 6, now, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 7, cl_vault_user(v), -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 8, now, -1, SQLITE_STATIC);
    sqlite3_bind_blob(q, 9, a->data[manifest_at], (int)a->len[manifest_at], SQLITE_STATIC);
    sqlite3_bind_blob(q, 10, e->sig_hash, sizeof e->sig_hash, SQLITE_STATIC);
    if (sqlite3_step(q) != SQLITE_DONE)
        st = cl_db_fail(db, "storing the bundle");
    sqlite3_finalize(q);
    *id = sqlite3_last_insert_rowid(db);
    for (size_t i = 0; i < a->n && st == CL_OK; i++) {
        if (i == manifest_at)
            continue;
        if ((st = cl_db_prepare(db, "INSERT INTO received_files(bundle_id, name, content) VALUES (?, ?, ?)", &q)) !=
            CL_OK)
            break;
        sqlite3_bind_int64(q, 1, *id);
        sqlite3_bind_text(q, 2, a->names[i], -1, SQLITE_STATIC);
        sqlite3_bind_blob(q, 3, a->data[i], (int)a->len[i], SQLITE_STATIC);
        if (sqlite3_step(q) != SQLITE_DONE)
            st = cl_db_fail(db, "storing the bundle's files");
        sqlite3_finalize(q);
    }
    return st;
}

cl_status bundle_read_archive(const bundle_kind *kind, const unsigned char *plain, size_t len, const char *comment,
                              const char *school_fp, const char *own_fp, bundle_archive *a)
{
    memset(a, 0, sizeof *a);
    cl_status st = tar_walk(plain, len, collect, a);
    while (st == CL_OK && a->manifest_at < a->n && strcmp(a->names[a->manifest_at], "manifest.json") != 0)
        a->manifest_at++;
    if (st == CL_OK && a->manifest_at == a->n)
        st = cl_fail(CL_EDATA, _("refused: the bundle has no manifest.json"));
    if (st == CL_OK) {
        a->manifest = json_loadb((const char *)a->data[a->manifest_at], a->len[a->manifest_at], JSON_REJECT_DUPLICATES,
                                 NULL);
        st = json_is_object(a->manifest) ? check_manifest(kind, a->manifest, a, a->manifest_at, comment, school_fp, own_fp)
                                         : cl_fail(CL_EDATA, _("refused: the bundle's manifest is not JSON"));
    }
    if (st != CL_OK) {
        json_decref(a->manifest);
        a->manifest = NULL;
    }
    return st;
}

cl_status cl_bundle_open(cl_vault *v, const char *file, json_t **result)
{
    envelope e;
    cl_status st = envelope_open(v, true, "office open", file, &e);
    if (st != CL_OK)
        return st;
    long long school_id = 0;
    cl_party school, own;
    st = party_signer(v, "trusted_schools", &e.sig, &school_id, &school);
    if (st == CL_OK && (st = party_verify(&school, &e)) != CL_OK)
        st = cl_fail(CL_EPERM, _("refused: the bundle does not match %s's signature — it was altered or truncated "
                                 "on the way; ask the school to send it again. Nothing was stored"), school.name);
    if (st == CL_OK)
        st = cl_party_of_vault(v, &own);
    const char *comment = e.sig.trusted_comment;
    char *to = NULL, *export_id = NULL;
    if (st == CL_OK && strncmp(comment, "carelog-bundle v1 ", 18) != 0)
        st = cl_fail(CL_EDATA, _("refused: this is not a carelog referral bundle (its signature's trusted comment "
                                 "says otherwise)"));
    if (st == CL_OK) {
        to = comment_value(comment, "to");
        export_id = comment_value(comment, "export");
        if (!to || strcmp(to, own.fingerprint) != 0)
            st = cl_fail(CL_EPERM, _("refused: this bundle is addressed to the office with fingerprint %s, not to "
                                     "this office (%s); nothing was stored"), to ? to : "?", own.fingerprint);
        else if (!export_id)
            st = cl_fail(CL_EDATA, _("refused: the bundle's signature names no export id"));
    }
    char what[300];
    snprintf(what, sizeof what, _("refused: bundle %s was already received, with this very signature (a replay); "
                                  "nothing was stored"), export_id ? export_id : "");
    if (st == CL_OK)
        st = envelope_seen(v, "received_bundles", &e, what);
    if (st == CL_OK)
        st = already_received(v, school_id, export_id);
    cl_age_buf plain = {0};
    if (st == CL_OK)
        st = envelope_decrypt(v, &e, PLAIN_MAX, &plain);
    bundle_archive a;
    memset(&a, 0, sizeof a);
    if (st == CL_OK)
        st = bundle_read_archive(&bundle_referral, plain.data, plain.len, comment, school.fingerprint, own.fingerprint, &a);
    json_t *m = a.manifest;
    size_t manifest_at = a.manifest_at;
    long long id = 0;
    bool sp = false;
    if (st == CL_OK && (st = party_tx_begin(v, &sp)) == CL_OK) {
        st = store(v, school_id, m, &a, manifest_at, &e, &id);
        if (st == CL_OK) {
            char target[32], detail[300];
            snprintf(target, sizeof target, "bundle:%lld", id);
            snprintf(detail, sizeof detail, "%s from %s sha256 %s", export_id, school.fingerprint, e.sha256);
            st = cl_vault_audit(v, "office.open", target, detail);
        }
        st = party_tx_end(v, sp, st);
    }
    if (st == CL_OK) {
        json_t *names = json_array();
        for (size_t i = 0; i < a.n; i++)
            if (i != manifest_at)
                json_array_append_new(names, json_string(a.names[i]));
        *result = json_pack("{s:I, s:s, s:s, s:s, s:I, s:O, s:o}", "id", (json_int_t)id, "export_id", export_id,
                            "school", school.name, "school_fingerprint", school.fingerprint, "referral_id",
                            json_integer_value(json_object_get(m, "referral_id")), "sent_at",
                            json_object_get(m, "created_at"), "files", names);
    }
    json_decref(a.manifest);
    cl_age_buf_wipe(&plain);
    free(to);
    free(export_id);
    envelope_free(&e);
    return st;
}
