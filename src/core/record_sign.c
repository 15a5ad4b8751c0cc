/* Signing notes and amending them.
 *
 * A signature is Ed25519 by the vault's key over the canonical JSON
 * (json_dumps with JSON_SORT_KEYS | JSON_COMPACT) of
 *   {id, kind, student_id, occurred_at, fields, signed_by, signed_at}
 * The exact text signed is kept in records.signed_payload, so the signature
 * stays checkable after the record moved to another student by a merge: the
 * check compares the payload with the record (the student may differ only
 * when the signed student was merged into the present one). */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "carelog/record.h"
#include "carelog/i18n.h"
#include "carelog/secret.h"
#include "carelog/storage.h"
#include "carelog/text.h"
#include "record_internal.h"

cl_status cl_vault_sign(cl_vault *v, const void *data, size_t len, unsigned char sig[64])
{
    cl_secret *sk = NULL;
    cl_status st = cl_secret_new(crypto_sign_SECRETKEYBYTES, &sk);
    if (st == CL_OK)
        st = cl_meta_get_blob(cl_vault_db(v), "ed25519_secret", sk->bytes, crypto_sign_SECRETKEYBYTES);
    if (st == CL_OK && crypto_sign_detached(sig, NULL, data, len, sk->bytes) != 0)
        st = cl_fail(CL_ESOFTWARE, _("signing failed"));
    cl_secret_free(sk);
    return st;
}

cl_status cl_record_sign(cl_vault *v, long long id, long long expected_version)
{
    sqlite3 *db = cl_vault_db(v);
    cl_tx tx;
    cl_status st = cl_tx_begin(db, &tx);
    if (st != CL_OK)
        return st;
    sqlite3_stmt *q;
    st = cl_db_prepare(db, "SELECT kind, student_id, occurred_at, fields, author, version, signed_at, signed_by, "
                           "updated_by, updated_at FROM records WHERE id = ?", &q);
    if (st != CL_OK)
        return cl_tx_end(&tx, st);
    sqlite3_bind_int64(q, 1, id);
    int rc = sqlite3_step(q);
    json_t *payload = NULL;
    const char *user = cl_vault_user(v);
    char now[32];
    cl_now_iso(now);
    if (rc == SQLITE_DONE) {
        st = cl_fail(CL_ENOTFOUND, _("there is no record #%lld (`carelog record list` shows them)"), id);
    } else if (rc != SQLITE_ROW) {
        st = cl_db_fail(db, "reading the record");
    } else {
        const char *kind = (const char *)sqlite3_column_text(q, 0);
        const char *author = (const char *)sqlite3_column_text(q, 4);
        long long version = sqlite3_column_int64(q, 5);
        if (!cl_record_kind_signable(kind))
            st = cl_fail(CL_EUSAGE, _("record #%lld: a record of kind %s cannot be signed; only sessions, "
                                    "assessments, referrals and screenings can"), id, kind);
        else if (sqlite3_column_type(q, 6) != SQLITE_NULL)
            st = cl_fail(CL_EPERM, _("record #%lld was already signed on %s by %s"), id,
                         (const char *)sqlite3_column_text(q, 6), (const char *)sqlite3_column_text(q, 7));
        else if (strcmp(author, user) != 0)
            st = cl_fail(CL_EPERM, _("record #%lld was written by %s; only its author signs it"), id, author);
        else if (version != expected_version)
            st = cl_fail(CL_ECONFLICT, _("record #%lld was changed by %s at %s (it is now version %lld; you signed "
                                       "version %lld). Nothing was signed: read it again (`carelog record show %lld`) "
                                       "and sign version %lld"), id, (const char *)sqlite3_column_text(q, 8),
                         (const char *)sqlite3_column_text(q, 9), version, expected_version, id, version);
        if (st == CL_OK) {
            json_t *fields = cl_json_column(q, 3);
            payload = json_pack("{s:I, s:s, s:I, s:s, s:o, s:s, s:s}", "id", (json_int_t)id, "kind", kind,
                                "student_id", (json_int_t)sqlite3_column_int64(q, 1), "occurred_at",
                                (const char *)sqlite3_column_text(q, 2), "fields", fields ? fields : json_object(),
                                "signed_by", user, "signed_at", now);
            if (!payload)
                st = cl_fail(CL_ESOFTWARE, _("out of memory"));
        }
    }
    sqlite3_finalize(q);
    char *text = NULL;
    if (st == CL_OK && !(text = json_dumps(payload, JSON_SORT_KEYS | JSON_COMPACT)))
        st = cl_fail(CL_ESOFTWARE, _("out of memory"));
    json_decref(payload);
    unsigned char sig[crypto_sign_BYTES];
    if (st == CL_OK)
        st = cl_vault_sign(v, text, strlen(text), sig);
    if (st == CL_OK)
        st = cl_db_prepare(db, "UPDATE records SET signed_at = ?, signed_by = ?, signature = ?, signed_payload = ? "
                               "WHERE id = ?", &q);
    if (st == CL_OK) {
        sqlite3_bind_text(q, 1, now, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 2, user, -1, SQLITE_STATIC);
        sqlite3_bind_blob(q, 3, sig, sizeof sig, SQLITE_STATIC);
        sqlite3_bind_text(q, 4, text, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 5, id);
        if (sqlite3_step(q) != SQLITE_DONE)
            st = cl_db_fail(db, "saving the signature");
        sqlite3_finalize(q);
    }
    free(text);
    if (st == CL_OK) {
        char target[48], detail[48];
        snprintf(target, sizeof target, "record %lld", id);
        snprintf(detail, sizeof detail, "version %lld", expected_version);
        st = cl_vault_audit(v, "record.sign", target, detail);
    }
    return cl_tx_end(&tx, st);
}

/* True when `from` is `to` or was merged (perhaps in steps) into it. */
static bool merged_into(sqlite3 *db, long long from, long long to)
{
    for (int hops = 0; hops < 64; hops++) {
        if (from == to)
            return true;
        sqlite3_stmt *q;
        if (cl_db_prepare(db, "SELECT merged_into FROM students WHERE id = ?", &q) != CL_OK)
            return false;
        sqlite3_bind_int64(q, 1, from);
        long long next = 0;
        if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_type(q, 0) != SQLITE_NULL)
            next = sqlite3_column_int64(q, 0);
        sqlite3_finalize(q);
        if (!next)
            return false;
        from = next;
    }
    return false;
}

/* This vault's key signs what is written here; notes brought in by
 * `import vault` were signed by the vaults they came from, whose public keys
 * the import kept (meta imported_signing_keys). */
static bool signed_by_known_key(sqlite3 *db, const char *payload_text, const void *sig)
{
    unsigned char pk[crypto_sign_PUBLICKEYBYTES];
    size_t len = strlen(payload_text);
    if (cl_meta_get_blob(db, "ed25519_public", pk, sizeof pk) == CL_OK &&
        crypto_sign_verify_detached(sig, (const unsigned char *)payload_text, len, pk) == 0)
        return true;
    cl_error_clear();
    char *keys_text = NULL;
    if (cl_meta_get_text(db, "imported_signing_keys", &keys_text) != CL_OK) {
        cl_error_clear();
        return false;
    }
    json_t *keys = json_loads(keys_text, 0, NULL);
    free(keys_text);
    bool ok = false;
    size_t i;
    json_t *hex;
    json_array_foreach(keys, i, hex) {
        const char *h = json_string_value(hex);
        size_t got = 0;
        if (h && sodium_hex2bin(pk, sizeof pk, h, strlen(h), NULL, &got, NULL) == 0 && got == sizeof pk &&
            crypto_sign_verify_detached(sig, (const unsigned char *)payload_text, len, pk) == 0) {
            ok = true;
            break;
        }
    }
    json_decref(keys);
    return ok;
}

/* A record received with a student's transfer was signed at the sending
 * school under its id there: verified with that school's key (the one the
 * transfer was signed with). True only when the record came that way and
 * the signature verifies; *source_id is the record's id at that school. */
static bool transferred_signature(sqlite3 *db, long long id, const char *payload_text, const void *sig,
                                  long long *source_id)
{
    sqlite3_stmt *q;
    if (cl_db_prepare(db, "SELECT t.source_record_id, s.ed25519 FROM transferred_records t"
                          " JOIN transfers_in i ON i.id = t.transfer_in_id"
                          " JOIN trusted_schools s ON s.id = i.school_id WHERE t.record_id = ?", &q) != CL_OK) {
        cl_error_clear();
        return false;
    }
    sqlite3_bind_int64(q, 1, id);
    bool ok = sqlite3_step(q) == SQLITE_ROW && sqlite3_column_bytes(q, 1) == crypto_sign_PUBLICKEYBYTES &&
              crypto_sign_verify_detached(sig, (const unsigned char *)payload_text, strlen(payload_text),
                                          sqlite3_column_blob(q, 1)) == 0;
    *source_id = ok ? sqlite3_column_int64(q, 0) : 0;
    sqlite3_finalize(q);
    return ok;
}

static bool payload_matches(const char *payload_text, long long id, const char *kind, const char *occurred_at,
                            const json_t *fields)
{
    json_t *p = json_loads(payload_text, 0, NULL);
    const char *pkind = cl_json_str(p, "kind"), *pocc = cl_json_str(p, "occurred_at");
    bool ok = p && json_integer_value(json_object_get(p, "id")) == id && pkind && strcmp(pkind, kind) == 0 && pocc &&
              strcmp(pocc, occurred_at) == 0 && json_equal(json_object_get(p, "fields"), (json_t *)fields);
    json_decref(p);
    return ok;
}

bool cl_record_signature_check(sqlite3 *db, long long id, const char *kind, long long student_id,
                               const char *occurred_at, const json_t *fields, const char *payload_text,
                               const void *sig, size_t sig_len)
{
    if (!payload_text || !sig || sig_len != crypto_sign_BYTES)
        return false;
    long long source_id = 0;
    if (transferred_signature(db, id, payload_text, sig, &source_id))
        return payload_matches(payload_text, source_id, kind, occurred_at, fields);
    if (!signed_by_known_key(db, payload_text, sig))
        return false;
    json_t *p = json_loads(payload_text, 0, NULL);
    const char *pkind = cl_json_str(p, "kind"), *pocc = cl_json_str(p, "occurred_at");
    bool ok = p && json_integer_value(json_object_get(p, "id")) == id && pkind && strcmp(pkind, kind) == 0 && pocc &&
              strcmp(pocc, occurred_at) == 0 && json_equal(json_object_get(p, "fields"), (json_t *)fields) &&
              merged_into(db, json_integer_value(json_object_get(p, "student_id")), student_id);
    json_decref(p);
    return ok;
}

cl_status cl_record_amend(cl_vault *v, long long id, const char *text)
{
    if (!text || !*text)
        return cl_fail(CL_EUSAGE, _("an amendment needs its text (--text TEXT)"));
    size_t len = strlen(text);
    if (!cl_utf8_valid(text, len))
        return cl_fail(CL_EDATA, _("the amendment is not valid UTF-8; nothing was saved"));
    if (cl_utf8_length(text) > CL_RECORD_AMENDMENT_MAX)
        return cl_fail(CL_EDATA, _("the amendment is %zu characters long; at most %d fit — split it into several"),
                       cl_utf8_length(text), CL_RECORD_AMENDMENT_MAX);
    sqlite3 *db = cl_vault_db(v);
    cl_tx tx;
    cl_status st = cl_tx_begin(db, &tx);
    if (st != CL_OK)
        return st;
    sqlite3_stmt *q;
    char now[32];
    cl_now_iso(now);
    st = cl_db_prepare(db, "INSERT INTO amendments(record_id, author, at, text) "
                           "SELECT id, ?, ?, ? FROM records WHERE id = ?", &q);
    if (st == CL_OK) {
        sqlite3_bind_text(q, 1, cl_vault_user(v), -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 2, now, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 3, text, (int)len, SQLITE_STATIC);
        sqlite3_bind_int64(q, 4, id);
        if (sqlite3_step(q) != SQLITE_DONE)
            st = cl_db_fail(db, "saving the amendment");
        else if (sqlite3_changes(db) == 0)
            st = cl_fail(CL_ENOTFOUND, _("there is no record #%lld (`carelog record list` shows them)"), id);
        sqlite3_finalize(q);
    }
    if (st == CL_OK) {
        char target[48], detail[48];
        snprintf(target, sizeof target, "record %lld", id);
        snprintf(detail, sizeof detail, "amendment %lld", (long long)sqlite3_last_insert_rowid(db));
        st = cl_vault_audit(v, "record.amend", target, detail);
    }
    return cl_tx_end(&tx, st);
}
