/* The vault's side: which teachers the counsellor has enrolled. */
#include "carelog/teacher.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "carelog/i18n.h"
#include "carelog/inbox.h"
#include "carelog/storage.h"
#include "record_internal.h"
#include "teacher_internal.h"
#include "vault_internal.h"

cl_status cl_teacher_key_parse(const char *text, unsigned char key[CL_ED25519_PUBLIC_BYTES])
{
    size_t got = 0;
    if (!text || sodium_base642bin(key, CL_ED25519_PUBLIC_BYTES, text, strlen(text), " \n", &got, NULL,
                                   sodium_base64_VARIANT_ORIGINAL) != 0 || got != CL_ED25519_PUBLIC_BYTES)
        return cl_fail(CL_EUSAGE, _("that is not a teacher's public key: give the 44 characters `carelog teacher show` "
                                    "prints on the teacher's side"));
    return CL_OK;
}

cl_status teacher_check_classes(const json_t *classes, size_t max)
{
    size_t i;
    const json_t *c;
    if (!classes)
        return CL_OK;
    if (!json_is_array(classes) || json_array_size(classes) > max)
        return cl_fail(CL_EUSAGE, _("give at most %zu classes"), max);
    json_array_foreach(classes, i, c) {
        cl_status st = json_is_string(c) ? vault_check_name(_("class"), json_string_value(c))
                                         : cl_fail(CL_EUSAGE, _("a class must be text"));
        if (st != CL_OK)
            return st;
    }
    return CL_OK;
}

/* A name that is already a counsellor's would make records' authors
 * ambiguous: an accepted observation shows its teacher as author. */
static cl_status name_free(sqlite3 *db, const char *name, const unsigned char key[CL_ED25519_PUBLIC_BYTES])
{
    sqlite3_stmt *q;
    cl_status st = cl_db_prepare(db, "SELECT (SELECT count(*) FROM counsellors WHERE name = ?1),"
                                     " (SELECT name FROM teachers WHERE name = ?1 OR public_key = ?2)", &q);
    if (st != CL_OK)
        return st;
    sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_blob(q, 2, key, CL_ED25519_PUBLIC_BYTES, SQLITE_STATIC);
    if (sqlite3_step(q) != SQLITE_ROW)
        st = cl_db_fail(db, "reading the teachers");
    else if (sqlite3_column_int(q, 0) > 0)
        st = cl_fail(CL_ECANTCREATE, _("%s is a counsellor's name; enrol the teacher under another name"), name);
    else if (sqlite3_column_type(q, 1) != SQLITE_NULL)
        st = cl_fail(CL_ECANTCREATE, _("that name or key is already enrolled, as teacher %s; nothing was changed"),
                     (const char *)sqlite3_column_text(q, 1));
    sqlite3_finalize(q);
    return st;
}

cl_status cl_teacher_add(cl_vault *v, const char *name, const char *public_text, const json_t *classes,
                         char fingerprint_out[24])
{
    unsigned char key[CL_ED25519_PUBLIC_BYTES];
    char fp[24];
    cl_status st = vault_check_name(_("teacher's name"), name);
    if (st == CL_OK)
        st = cl_teacher_key_parse(public_text, key);
    if (st == CL_OK)
        st = teacher_check_classes(classes, TEACHER_MAX_CLASSES);
    if (st == CL_OK)
        st = vault_require_counsellor(v, _("enrolling a teacher"));
    if (st != CL_OK)
        return st;
    cl_teacher_key_fingerprint(key, fp);
    sqlite3 *db = cl_vault_db(v);
    char now[32], *class_text = classes ? json_dumps(classes, JSON_COMPACT) : strdup("[]");
    cl_now_iso(now);
    cl_tx tx;
    st = class_text ? cl_tx_begin(db, &tx) : cl_fail(CL_ESOFTWARE, _("out of memory"));
    if (st != CL_OK) {
        free(class_text);
        return st;
    }
    st = name_free(db, name, key);
    sqlite3_stmt *q;
    if (st == CL_OK)
        st = cl_db_prepare(db, "INSERT INTO teachers(name, public_key, fingerprint, classes, added_at, added_by) "
                               "VALUES (?, ?, ?, ?, ?, ?)", &q);
    if (st == CL_OK) {
        sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
        sqlite3_bind_blob(q, 2, key, sizeof key, SQLITE_STATIC);
        sqlite3_bind_text(q, 3, fp, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 4, class_text, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 5, now, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 6, cl_vault_user(v), -1, SQLITE_STATIC);
        if (sqlite3_step(q) != SQLITE_DONE)
            st = cl_db_fail(db, "enrolling the teacher");
        sqlite3_finalize(q);
    }
    if (st == CL_OK)
        st = cl_vault_audit(v, "teacher.add", name, fp);
    st = cl_tx_end(&tx, st);
    free(class_text);
    /* Where the teacher's files will be dropped. */
    char *inbox = NULL;
    if (st == CL_OK && cl_inbox_dir(v, &inbox) != CL_OK)
        cl_error_clear();
    free(inbox);
    if (st == CL_OK && fingerprint_out)
        memcpy(fingerprint_out, fp, sizeof fp);
    return st;
}

cl_status cl_teacher_revoke(cl_vault *v, const char *name)
{
    cl_status st = vault_require_counsellor(v, _("revoking a teacher"));
    if (st != CL_OK)
        return st;
    sqlite3 *db = cl_vault_db(v);
    char now[32];
    cl_now_iso(now);
    cl_tx tx;
    st = cl_tx_begin(db, &tx);
    if (st != CL_OK)
        return st;
    sqlite3_stmt *q;
    st = cl_db_prepare(db, "UPDATE teachers SET revoked_at = ?, revoked_by = ? WHERE name = ? AND revoked_at IS NULL",
                       &q);
    if (st == CL_OK) {
        sqlite3_bind_text(q, 1, now, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 2, cl_vault_user(v), -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 3, name, -1, SQLITE_STATIC);
        if (sqlite3_step(q) != SQLITE_DONE)
            st = cl_db_fail(db, "revoking the teacher");
        else if (sqlite3_changes(db) == 0)
            st = cl_fail(CL_ENOTFOUND, _("no enrolled teacher is called %s (`carelog teacher list` names them)"), name);
        sqlite3_finalize(q);
    }
    if (st == CL_OK)
        st = cl_vault_audit(v, "teacher.revoke", name, "later observations from this key are quarantined");
    return cl_tx_end(&tx, st);
}

cl_status cl_teacher_list(cl_vault *v, json_t **out)
{
    sqlite3 *db = cl_vault_db(v);
    sqlite3_stmt *q;
    cl_status st = cl_db_prepare(db, "SELECT t.id, t.name, t.fingerprint, t.public_key, t.classes, t.added_at, "
                                     "t.added_by, t.revoked_at, t.revoked_by, "
                                     "(SELECT count(*) FROM inbox i WHERE i.teacher_id = t.id) "
                                     "FROM teachers t ORDER BY t.name", &q);
    if (st != CL_OK)
        return st;
    json_t *list = json_array();
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        char key64[64] = "";
        if (sqlite3_column_bytes(q, 3) == CL_ED25519_PUBLIC_BYTES)
            sodium_bin2base64(key64, sizeof key64, sqlite3_column_blob(q, 3), CL_ED25519_PUBLIC_BYTES,
                              sodium_base64_VARIANT_ORIGINAL);
        json_t *classes = cl_json_column(q, 4);
        json_array_append_new(list, json_pack("{s:I, s:s, s:s, s:s, s:o, s:s, s:s, s:o, s:o, s:I}", "id",
                                              (json_int_t)sqlite3_column_int64(q, 0), "name",
                                              (const char *)sqlite3_column_text(q, 1), "fingerprint",
                                              (const char *)sqlite3_column_text(q, 2), "public_key", key64,
                                              "classes", classes ? classes : json_array(), "added_at",
                                              (const char *)sqlite3_column_text(q, 5), "added_by",
                                              (const char *)sqlite3_column_text(q, 6), "revoked_at",
                                              cl_column_string(q, 7), "revoked_by", cl_column_string(q, 8),
                                              "observations", (json_int_t)sqlite3_column_int64(q, 9)));
    }
    if (rc != SQLITE_DONE)
        st = cl_db_fail(db, "listing the teachers");
    sqlite3_finalize(q);
    if (st != CL_OK) {
        json_decref(list);
        return st;
    }
    *out = list;
    return CL_OK;
}
