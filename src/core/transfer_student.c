/* A student's whole file sent to another school's vault, by the bundle
 * mechanism (envelope.c): age to the receiving school, minisign by the
 * sending vault, a ustar archive of manifest.json and student.json (the
 * student's part of the vault export, transfer.h's document). */
#include "carelog/transfer.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle_internal.h"
#include "carelog/bundle.h"
#include "carelog/clock.h"
#include "carelog/form.h"
#include "carelog/i18n.h"
#include "carelog/office.h"
#include "carelog/record.h"
#include "carelog/referral.h"
#include "carelog/storage.h"
#include "carelog/student.h"
#include "carelog/text.h"
#include "record_internal.h"

#define COMMENT_PREFIX "carelog-transfer v1 "

static long long int_of(const json_t *o, const char *key)
{
    return (long long)json_integer_value(json_object_get(o, key));
}

/* ---- the student's part of the vault export --------------------------- */

static json_t *rows_where(const json_t *rows, const char *key, long long id)
{
    json_t *out = json_array();
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
        if (int_of(row, key) == id)
            json_array_append(out, row);
    return out;
}

static bool form_used(const json_t *records, long long form_id)
{
    size_t i, k;
    json_t *r, *ver;
    json_array_foreach(records, i, r) {
        if (int_of(r, "form_id") == form_id)
            return true;
        json_array_foreach(json_object_get(r, "versions"), k, ver)
            if (int_of(ver, "form_id") == form_id)
                return true;
    }
    return false;
}

cl_status cl_transfer_student_document(cl_vault *v, long long student_id, json_t **out)
{
    json_t *full;
    cl_status st = cl_transfer_export(v, &full);
    if (st != CL_OK)
        return st;
    json_t *students = rows_where(json_object_get(full, "students"), "id", student_id);
    if (json_array_size(students) != 1) {
        json_decref(students);
        json_decref(full);
        return cl_fail(CL_ENOTFOUND, _("there is no student #%lld"), student_id);
    }
    json_t *records = rows_where(json_object_get(full, "records"), "student_id", student_id);
    json_t *forms = json_array();
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(full, "forms"), i, f)
        if (form_used(records, int_of(f, "id")))
            json_array_append(forms, f);
    json_t *followups =
        rows_where(json_object_get(json_object_get(full, "other_tables"), "followups"), "student_id", student_id);
    json_t *doc = json_pack("{s:O, s:O, s:O, s:O, s:o, s:o, s:o, s:o, s:{s:o}}", "format",
                            json_object_get(full, "format"), "version", json_object_get(full, "version"), "schema",
                            json_object_get(full, "schema"), "vault", json_object_get(full, "vault"), "forms", forms,
                            "students", students, "records", records, "flags",
                            rows_where(json_object_get(full, "flags"), "student_id", student_id), "other_tables",
                            "followups", followups);
    json_decref(full);
    if (!doc)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    *out = doc;
    return CL_OK;
}

/* ---- sending ------------------------------------------------------------ */

static cl_status school_find(cl_vault *v, const char *name, long long *id, cl_party *out)
{
    sqlite3_stmt *q;
    cl_status st = cl_db_prepare(cl_vault_db(v), "SELECT id, name, vault_id, x25519, ed25519, fingerprint FROM "
                                                 "trusted_schools WHERE name = ?", &q);
    if (st != CL_OK)
        return st;
    sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
    if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_bytes(q, 3) == 32 && sqlite3_column_bytes(q, 4) == 32)
        party_from_row(q, "school", id, out);
    else
        st = cl_fail(CL_ENOTFOUND, _("no school named \"%s\" is known to this vault: add it with `carelog school add "
                                     "NAME vault.pub` after comparing its fingerprint by phone"), name);
    sqlite3_finalize(q);
    return st;
}

typedef struct sent_student {
    long long student_id, school_id, records;
    const char *transfer_id, *file, *sha, *at;
    const cl_party *to;
} sent_student;

/* The transfer, and the student marked transferred (with the reason in
 * the details record's amendments, as closing a case does). */
static cl_status record_sent_student(cl_vault *v, void *ctx)
{
    const sent_student *s = ctx;
    sqlite3_stmt *q;
    cl_status st = cl_db_prepare(cl_vault_db(v), "INSERT INTO transfers_out(transfer_id, student_id, school_id, file,"
                                                 " sha256, records, at, actor) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", &q);
    if (st != CL_OK)
        return st;
    sqlite3_bind_text(q, 1, s->transfer_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, s->student_id);
    sqlite3_bind_int64(q, 3, s->school_id);
    sqlite3_bind_text(q, 4, s->file, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 5, s->sha, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 6, s->records);
    sqlite3_bind_text(q, 7, s->at, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 8, cl_vault_user(v), -1, SQLITE_STATIC);
    if (sqlite3_step(q) != SQLITE_DONE)
        st = cl_db_fail(cl_vault_db(v), "recording the transfer");
    sqlite3_finalize(q);
    char reason[400];
    snprintf(reason, sizeof reason, _("sent to %s (%s) as transfer %s"), s->to->name, s->to->fingerprint,
             s->transfer_id);
    if (st == CL_OK)
        st = cl_student_close(v, s->student_id, "transferred", reason);
    return st;
}

static cl_status check_sendable(cl_vault *v, long long student_id)
{
    json_t *s;
    cl_status st = cl_student_get(v, student_id, &s);
    if (st != CL_OK)
        return st;
    const char *status = cl_json_str(s, "status");
    status = status ? status : "";
    if (strcmp(status, "transferred") == 0 || strcmp(status, "merged") == 0)
        st = cl_fail(CL_EUSAGE, _("student #%lld is %s; only a student still on this school's roll is sent to "
                                  "another school"), student_id, status);
    json_decref(s);
    return st;
}

cl_status cl_transfer_student_send(cl_vault *v, long long student_id, const char *school, const char *file,
                                   json_t **result)
{
    cl_status st = cl_vault_require_role(v, false, "export student --bundle");
    if (st == CL_OK)
        st = bundle_check_file_name(file);
    if (st == CL_OK)
        st = check_sendable(v, student_id);
    long long school_id = 0;
    cl_party to, own;
    if (st == CL_OK)
        st = school_find(v, school, &school_id, &to);
    if (st == CL_OK)
        st = cl_party_of_vault(v, &own);
    json_t *doc = NULL;
    if (st == CL_OK)
        st = cl_transfer_student_document(v, student_id, &doc);
    if (st != CL_OK)
        return st;
    char transfer_id[33], at[32];
    party_new_id(transfer_id, at);
    json_t *head = json_pack("{s:s, s:i, s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "format",
                             bundle_transfer.format, "version", 1, "transfer_id", transfer_id, "student_id",
                             (json_int_t)student_id, "school", own.name, "school_vault_id", own.vault_id,
                             "school_fingerprint", own.fingerprint, "recipient", to.name, "recipient_fingerprint",
                             to.fingerprint, "created_at", at, "file_name", bundle_base_name(file));
    json_object_set_new(head, "audit_head", bundle_audit_head(v));
    long long n_records = (long long)json_array_size(json_object_get(doc, "records"));
    char *text = cl_transfer_dumps(doc);
    json_decref(doc);
    cl_bundle_file body = {"student.json", (unsigned char *)text, text ? strlen(text) : 0};
    cl_age_buf tar = {0};
    st = text ? bundle_build_archive(head, &body, 1, &tar) : cl_fail(CL_ESOFTWARE, _("out of memory"));
    if (text) {
        sodium_memzero(text, body.len);
        free(text);
    }
    json_decref(head);
    char comment[CL_MINISIGN_COMMENT_MAX + 1], sha[65] = "";
    snprintf(comment, sizeof comment, COMMENT_PREFIX "transfer=%s student=%lld school=%s to=%s at=%s file=%s",
             transfer_id, student_id, own.fingerprint, to.fingerprint, at, bundle_base_name(file));
    if (st == CL_OK)
        st = envelope_seal(v, to.x25519, tar.data, tar.len, comment, "carelog student transfer signed by a school",
                           file, sha);
    cl_age_buf_wipe(&tar);
    if (st != CL_OK)
        return st;
    sent_student sent = {student_id, school_id, n_records, transfer_id, file, sha, at, &to};
    char target[32], detail[400];
    snprintf(target, sizeof target, "student:%lld", student_id);
    snprintf(detail, sizeof detail, "transfer %s to %s sha256 %s records %lld", transfer_id, to.fingerprint, sha,
             n_records);
    st = envelope_commit(v, file, record_sent_student, &sent, "transfer.export", target, detail);
    if (st != CL_OK)
        return st;
    char sig[1100];
    snprintf(sig, sizeof sig, "%s.minisig", file);
    *result = json_pack("{s:s, s:I, s:s, s:s, s:I, s:s, s:s, s:s, s:s}", "transfer_id", transfer_id, "student_id",
                        (json_int_t)student_id, "school", to.name, "school_fingerprint", to.fingerprint, "records",
                        (json_int_t)n_records, "file", file, "signature", sig, "sha256", sha, "at", at);
    return CL_OK;
}
