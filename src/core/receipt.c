/* Receipts: the office's signed answers, written in the office vault and
 * imported into the school's, where they move the referral forward. */
#include "carelog/bundle.h"

#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bundle_internal.h"
#include "carelog/clock.h"
#include "carelog/i18n.h"
#include "carelog/referral.h"
#include "carelog/storage.h"
#include "carelog/text.h"

#define RECEIPT_MAX (1u << 20)

/* The office's own order starts at "received"; a receipt reports one of
 * the later ones. */
const char *const cl_receipt_statuses[] = {"acknowledged", "handling", "support", "closed", NULL};

static int receipt_rank(const char *status)
{
    if (status && strcmp(status, "received") == 0)
        return 0;
    for (int i = 0; cl_receipt_statuses[i]; i++)
        if (status && strcmp(cl_receipt_statuses[i], status) == 0)
            return i + 1;
    return -1;
}

static int referral_rank(const char *state)
{
    for (int i = 0; cl_referral_states[i].name; i++)
        if (state && strcmp(cl_referral_states[i].name, state) == 0)
            return i;
    return -1;
}

typedef struct received {
    char export_id[33];
    long long school_id, referral_id;
    char state[32];
} received;

static cl_status get_received(cl_vault *v, long long id, received *out)
{
    sqlite3_stmt *q;
    cl_status st = cl_db_prepare(cl_vault_db(v), "SELECT export_id, school_id, referral_id, state FROM "
                                                 "received_bundles WHERE id = ?", &q);
    if (st != CL_OK)
        return st;
    sqlite3_bind_int64(q, 1, id);
    if (sqlite3_step(q) != SQLITE_ROW) {
        sqlite3_finalize(q);
        return cl_fail(CL_ENOTFOUND, _("there is no received referral %lld in this office vault (`carelog office "
                                       "referrals` lists them)"), id);
    }
    snprintf(out->export_id, sizeof out->export_id, "%s", (const char *)sqlite3_column_text(q, 0));
    out->school_id = sqlite3_column_int64(q, 1);
    out->referral_id = sqlite3_column_int64(q, 2);
    snprintf(out->state, sizeof out->state, "%s", (const char *)sqlite3_column_text(q, 3));
    sqlite3_finalize(q);
    return CL_OK;
}

static cl_status school_by_id(cl_vault *v, long long id, cl_party *out)
{
    sqlite3_stmt *q;
    cl_status st = cl_db_prepare(cl_vault_db(v), "SELECT name, x25519, fingerprint FROM trusted_schools WHERE id = ?",
                                 &q);
    if (st != CL_OK)
        return st;
    sqlite3_bind_int64(q, 1, id);
    memset(out, 0, sizeof *out);
    if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_bytes(q, 1) == 32) {
        snprintf(out->name, sizeof out->name, "%s", (const char *)sqlite3_column_text(q, 0));
        memcpy(out->x25519, sqlite3_column_blob(q, 1), 32);
        snprintf(out->fingerprint, sizeof out->fingerprint, "%s", (const char *)sqlite3_column_text(q, 2));
    } else {
        st = cl_fail(CL_EDATA, _("the school of a received referral is missing"));
    }
    sqlite3_finalize(q);
    return st;
}

static cl_status record_sent(cl_vault *v, long long id, const char *receipt_id, const char *status, const char *note,
                             const char *at, const char *file)
{
    sqlite3 *db = cl_vault_db(v);
    sqlite3_stmt *q;
    cl_status st = cl_db_prepare(db, "INSERT INTO receipts_sent(receipt_id, bundle_id, status, note, at, actor, file)"
                                     " VALUES (?, ?, ?, ?, ?, ?, ?)", &q);
    if (st != CL_OK)
        return st;
    sqlite3_bind_text(q, 1, receipt_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, id);
    sqlite3_bind_text(q, 3, status, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 4, note, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 5, at, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 6, cl_vault_user(v), -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 7, file, -1, SQLITE_STATIC);
    if (sqlite3_step(q) != SQLITE_DONE)
        st = cl_db_fail(db, "recording the receipt");
    sqlite3_finalize(q);
    if (st == CL_OK)
        st = cl_db_prepare(db, "UPDATE received_bundles SET state = ?, state_at = ? WHERE id = ?", &q);
    if (st == CL_OK) {
        sqlite3_bind_text(q, 1, status, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 2, at, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 3, id);
        if (sqlite3_step(q) != SQLITE_DONE)
            st = cl_db_fail(db, "updating the received referral");
        sqlite3_finalize(q);
    }
    return st;
}

typedef struct sent_receipt {
    long long id;
    const char *receipt_id, *status, *note, *at, *file;
} sent_receipt;

static cl_status record_sent_receipt(cl_vault *v, void *ctx)
{
    const sent_receipt *s = ctx;
    return record_sent(v, s->id, s->receipt_id, s->status, s->note, s->at, s->file);
}

cl_status cl_receipt_write(cl_vault *v, long long id, const char *status, const char *note, const char *file,
                           json_t **result)
{
    cl_status st = cl_vault_require_role(v, true, "office receipt");
    if (st == CL_OK && receipt_rank(status) < 1)
        st = cl_fail(CL_EUSAGE, _("--status is one of acknowledged, handling, support, closed"));
    if (st == CL_OK)
        st = cl_referral_check_move(status, note);
    received r;
    cl_party school, own;
    if (st == CL_OK)
        st = get_received(v, id, &r);
    if (st == CL_OK && receipt_rank(status) <= receipt_rank(r.state))
        st = cl_fail(CL_EUSAGE, _("received referral %lld is already %s; a receipt only moves it forward (to a "
                                  "later status than %s)"), id, r.state, r.state);
    if (st == CL_OK)
        st = school_by_id(v, r.school_id, &school);
    if (st == CL_OK)
        st = cl_party_of_vault(v, &own);
    if (st != CL_OK)
        return st;
    char receipt_id[33], at[32];
    party_new_id(receipt_id, at);
    json_t *body = json_pack("{s:s, s:i, s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:s}", "format", "carelog-receipt",
                             "version", 1, "receipt_id", receipt_id, "export_id", r.export_id, "referral_id",
                             (json_int_t)r.referral_id, "school_fingerprint", school.fingerprint, "office", own.name,
                             "office_fingerprint", own.fingerprint, "status", status, "note", note, "at", at);
    char *text = body ? json_dumps(body, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(body);
    if (!text)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    char comment[CL_MINISIGN_COMMENT_MAX + 1], sha[65];
    snprintf(comment, sizeof comment, "carelog-receipt v1 receipt=%s export=%s referral=%lld status=%s to=%s at=%s",
             receipt_id, r.export_id, r.referral_id, status, school.fingerprint, at);
    st = envelope_seal(v, school.x25519, (const unsigned char *)text, strlen(text), comment,
                       "carelog receipt signed by a protection office", file, sha);
    sodium_memzero(text, strlen(text));
    free(text);
    if (st != CL_OK)
        return st;
    sent_receipt sent = {id, receipt_id, status, note, at, file};
    char target[32], detail[200];
    snprintf(target, sizeof target, "bundle:%lld", id);
    snprintf(detail, sizeof detail, "receipt %s %s", receipt_id, status);
    st = envelope_commit(v, file, record_sent_receipt, &sent, "receipt.write", target, detail);
    if (st != CL_OK)
        return st;
    char sig[1100];
    snprintf(sig, sizeof sig, "%s.minisig", file);
    *result = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "receipt_id", receipt_id, "export_id", r.export_id,
                        "status", status, "file", file, "signature", sig, "at", at);
    return CL_OK;
}

/* --- School side. */

/* The receipt's JSON says what its signed comment says, and is for us
 * from the signer. */
static bool receipt_matches(const json_t *b, const char *comment, const char *office_fp, const char *own_fp)
{
    static const char *const pairs[][2] = {
        {"receipt_id", "receipt"}, {"export_id", "export"}, {"status", "status"}, {"at", "at"}};
    const char *format = json_string_value(json_object_get(b, "format"));
    bool ok = json_is_object(b) && format && strcmp(format, "carelog-receipt") == 0 &&
              json_integer_value(json_object_get(b, "version")) == 1;
    for (size_t i = 0; ok && i < sizeof pairs / sizeof *pairs; i++) {
        char *want = comment_value(comment, pairs[i][1]);
        const char *got = json_string_value(json_object_get(b, pairs[i][0]));
        ok = want && got && strcmp(want, got) == 0;
        free(want);
    }
    char *ref = comment_value(comment, "referral");
    char ref_text[32];
    snprintf(ref_text, sizeof ref_text, "%lld", (long long)json_integer_value(json_object_get(b, "referral_id")));
    ok = ok && ref && strcmp(ref, ref_text) == 0;
    free(ref);
    const char *ofp = json_string_value(json_object_get(b, "office_fingerprint"));
    const char *sfp = json_string_value(json_object_get(b, "school_fingerprint"));
    const char *note = json_string_value(json_object_get(b, "note"));
    return ok && ofp && strcmp(ofp, office_fp) == 0 && sfp && strcmp(sfp, own_fp) == 0 && note;
}

cl_status receipt_read(const unsigned char *plain, size_t len, const char *comment, const char *office_fp,
                       const char *own_fp, json_t **out)
{
    json_t *b = json_loadb((const char *)plain, len, JSON_REJECT_DUPLICATES, NULL);
    if (!receipt_matches(b, comment, office_fp, own_fp)) {
        json_decref(b);
        return cl_fail(CL_EDATA, _("refused: the receipt's content does not match its signature; nothing changed"));
    }
    *out = b;
    return CL_OK;
}

/* The export the receipt answers: sent from this vault to that office. */
static cl_status find_export(cl_vault *v, const char *export_id, long long office_id, long long referral_id,
                             const char *office_name)
{
    sqlite3_stmt *q;
    cl_status st = cl_db_prepare(cl_vault_db(v), "SELECT 1 FROM bundle_exports WHERE export_id = ? AND office_id = ?"
                                                 " AND record_id = ?", &q);
    if (st != CL_OK)
        return st;
    sqlite3_bind_text(q, 1, export_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, office_id);
    sqlite3_bind_int64(q, 3, referral_id);
    if (sqlite3_step(q) != SQLITE_ROW)
        st = cl_fail(CL_ENOTFOUND, _("refused: the receipt is for referral %lld, bundle %s, which this vault never "
                                     "sent to %s; nothing changed"), referral_id, export_id, office_name);
    sqlite3_finalize(q);
    return st;
}

/* A receipt id is unique only for its export: another office reusing an id
 * it saw in a .minisig must not make the real receipt look like a replay. */
static cl_status receipt_seen(cl_vault *v, const char *receipt_id, const char *export_id)
{
    sqlite3_stmt *q;
    cl_status st = cl_db_prepare(cl_vault_db(v), "SELECT imported_at FROM receipts_imported WHERE receipt_id = ?"
                                                 " AND export_id = ?", &q);
    if (st != CL_OK)
        return st;
    sqlite3_bind_text(q, 1, receipt_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, export_id ? export_id : "", -1, SQLITE_STATIC);
    if (sqlite3_step(q) == SQLITE_ROW)
        st = cl_fail(CL_ECANTCREATE, _("refused: receipt %s was already imported on %s (a replay); nothing "
                                       "changed"), receipt_id, (const char *)sqlite3_column_text(q, 0));
    sqlite3_finalize(q);
    return st;
}

/* The history note for a receipt: who said what, and which receipt, cut
 * (with "…") so that it fits a referral move's note. */
static void office_note(const char *office, const char *text, const char *receipt_id, char *out, size_t size)
{
    char tail[128];
    snprintf(tail, sizeof tail, _(" (receipt %s)"), receipt_id);
    size_t room = CL_REFERRAL_NOTE_MAX - cl_utf8_length(office) - cl_utf8_length(tail) - 3;
    snprintf(out, size, "%s: ", office);
    size_t n = strlen(out), chars = 0;
    const char *p = text, *end = text + strlen(text);
    while (p < end && n + 8 < size) {
        uint32_t cp;
        size_t len = cl_utf8_decode(p, end, &cp);
        if (chars + 1 == room && p + len < end) {
            n += (size_t)snprintf(out + n, size - n, "…");
            break;
        }
        memcpy(out + n, p, len);
        n += len;
        p += len;
        chars++;
    }
    out[n] = '\0';
    snprintf(out + n, size - n, "%s", tail);
}

/* Moves the referral through every state up to the receipt's, then
 * records the receipt. */
static cl_status apply_receipt(cl_vault *v, const json_t *b, const cl_party *office, const envelope *e, char from[32])
{
    long long referral_id = json_integer_value(json_object_get(b, "referral_id"));
    const char *status = json_string_value(json_object_get(b, "status"));
    const char *receipt_id = json_string_value(json_object_get(b, "receipt_id"));
    json_t *h;
    cl_status st = cl_referral_history(v, referral_id, &h);
    if (st != CL_OK)
        return st;
    snprintf(from, 32, "%s", json_string_value(json_object_get(h, "state")));
    json_decref(h);
    int cur = referral_rank(from), want = referral_rank(status), withdrawn = referral_rank("withdrawn");
    if (cur == withdrawn || want < 0 || want == withdrawn)
        return cl_fail(CL_EDATA, _("refused: referral %lld is %s; a receipt saying %s cannot move it; nothing "
                                   "changed"), referral_id, from, status ? status : "?");
    if (want <= cur)
        return cl_fail(CL_EDATA, _("refused: referral %lld is already %s; a receipt saying %s would move it "
                                   "backwards; nothing changed"), referral_id, from, status);
    char note[CL_REFERRAL_NOTE_MAX * 4 + 1];
    office_note(office->name, json_string_value(json_object_get(b, "note")), receipt_id, note, sizeof note);
    for (int s = cur + 1; s <= want && st == CL_OK; s++)
        st = cl_referral_move(v, referral_id, cl_referral_states[s].name, note);
    char now[32];
    cl_time_iso(cl_now(), now, sizeof now);
    sqlite3_stmt *q;
    if (st == CL_OK)
        st = cl_db_prepare(cl_vault_db(v), "INSERT INTO receipts_imported(receipt_id, export_id, status, note,"
                                           " office_at, imported_at, actor, signature_hash)"
                                           " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", &q);
    if (st == CL_OK) {
        sqlite3_bind_text(q, 1, receipt_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 2, json_string_value(json_object_get(b, "export_id")), -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 3, status, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 4, json_string_value(json_object_get(b, "note")), -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 5, json_string_value(json_object_get(b, "at")), -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 6, now, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 7, cl_vault_user(v), -1, SQLITE_STATIC);
        sqlite3_bind_blob(q, 8, e->sig_hash, sizeof e->sig_hash, SQLITE_STATIC);
        if (sqlite3_step(q) != SQLITE_DONE)
            st = cl_db_fail(cl_vault_db(v), "recording the receipt");
        sqlite3_finalize(q);
    }
    if (st == CL_OK) {
        char target[32], detail[200];
        snprintf(target, sizeof target, "record:%lld", referral_id);
        snprintf(detail, sizeof detail, "receipt %s from %s: %s", receipt_id, office->fingerprint, status);
        st = cl_vault_audit(v, "receipt.import", target, detail);
    }
    return st;
}

cl_status cl_receipt_import(cl_vault *v, const char *file, json_t **result)
{
    envelope e;
    cl_status st = envelope_open(v, false, "import receipt", file, &e);
    if (st != CL_OK)
        return st;
    long long office_id = 0;
    cl_party office, own;
    st = party_signer(v, "offices", &e.sig, &office_id, &office);
    if (st == CL_OK && party_verify(&office, &e) != CL_OK)
        st = cl_fail(CL_EPERM, _("refused: the receipt does not match %s's signature — it was altered or truncated "
                                 "on the way; nothing changed"), office.name);
    if (st == CL_OK)
        st = cl_party_of_vault(v, &own);
    const char *comment = e.sig.trusted_comment;
    char *to = NULL, *receipt_id = NULL;
    if (st == CL_OK && strncmp(comment, "carelog-receipt v1 ", 19) != 0)
        st = cl_fail(CL_EDATA, _("refused: this is not a carelog receipt (its signature's trusted comment says "
                                 "otherwise)"));
    if (st == CL_OK) {
        to = comment_value(comment, "to");
        receipt_id = comment_value(comment, "receipt");
        if (!to || strcmp(to, own.fingerprint) != 0)
            st = cl_fail(CL_EPERM, _("refused: this receipt is addressed to the vault with fingerprint %s, not to "
                                     "this one (%s); nothing changed"), to ? to : "?", own.fingerprint);
        else if (!receipt_id)
            st = cl_fail(CL_EDATA, _("refused: the receipt's signature names no receipt id"));
    }
    char *export_id = st == CL_OK ? comment_value(comment, "export") : NULL;
    char what[300];
    snprintf(what, sizeof what, _("refused: receipt %s was already imported, with this very signature (a replay); "
                                  "nothing changed"), receipt_id ? receipt_id : "");
    if (st == CL_OK)
        st = envelope_seen(v, "receipts_imported", &e, what);
    if (st == CL_OK)
        st = receipt_seen(v, receipt_id, export_id);
    free(export_id);
    cl_age_buf plain = {0};
    if (st == CL_OK)
        st = envelope_decrypt(v, &e, RECEIPT_MAX, &plain);
    json_t *b = NULL;
    if (st == CL_OK)
        st = receipt_read(plain.data, plain.len, comment, office.fingerprint, own.fingerprint, &b);
    if (st == CL_OK)
        st = find_export(v, json_string_value(json_object_get(b, "export_id")), office_id,
                         json_integer_value(json_object_get(b, "referral_id")), office.name);
    char from[32] = "";
    bool sp = false;
    if (st == CL_OK && (st = party_tx_begin(v, &sp)) == CL_OK) {
        st = apply_receipt(v, b, &office, &e, from);
        st = party_tx_end(v, sp, st);
    }
    if (st == CL_OK)
        *result = json_pack("{s:s, s:O, s:s, s:s, s:O, s:O}", "receipt_id", receipt_id, "referral_id",
                            json_object_get(b, "referral_id"), "office", office.name, "from", from, "status",
                            json_object_get(b, "status"), "note", json_object_get(b, "note"));
    json_decref(b);
    cl_age_buf_wipe(&plain);
    free(to);
    free(receipt_id);
    envelope_free(&e);
    return st;
}
