/* The receiving school's side of a student transfer: who sent it, whether
 * it is for this vault and new, whether the archive is what the manifest
 * and signature say, whether every record is valid by its form; then the
 * student and everything about them is added under new ids, each record
 * remembering its id at the sending school (transferred_records), which
 * its signature names. */
#include "carelog/transfer.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle_internal.h"
#include "carelog/clock.h"
#include "carelog/form.h"
#include "carelog/i18n.h"
#include "carelog/office.h"
#include "carelog/record.h"
#include "carelog/referral.h"
#include "carelog/search.h"
#include "carelog/storage.h"
#include "carelog/text.h"
#include "record_internal.h"

#define TRANSFER_PLAIN_MAX (256u << 20)
#define MAX_FORMS 64

static long long int_of(const json_t *o, const char *key)
{
    return (long long)json_integer_value(json_object_get(o, key));
}

static const char *str_of(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* ---- the document, checked ---------------------------------------------- */

typedef struct form_map {
    long long from[MAX_FORMS], to[MAX_FORMS];
    cl_form *parsed[MAX_FORMS];
    size_t n;
} form_map;

static void form_map_free(form_map *m)
{
    for (size_t i = 0; i < m->n; i++)
        cl_form_free(m->parsed[i]);
    m->n = 0;
}

static const cl_form *form_of(const form_map *m, long long from, long long *to)
{
    for (size_t i = 0; i < m->n; i++)
        if (m->from[i] == from) {
            if (to)
                *to = m->to[i];
            return m->parsed[i];
        }
    return NULL;
}

/* Each form the records were written with: the same form (kind and
 * digest) of this vault, or else added below this vault's own versions
 * (version 0, −1, …), so that the records render as written while this
 * school's current form stays its own. */
static cl_status map_forms(sqlite3 *db, const json_t *forms, form_map *m)
{
    if (!json_is_array(forms) || json_array_size(forms) > MAX_FORMS)
        return cl_fail(CL_EDATA, _("refused: the transfer's forms are malformed; nothing was imported"));
    size_t i;
    json_t *f;
    json_array_foreach(forms, i, f) {
        const char *source = str_of(f, "source"), *digest = str_of(f, "digest"), *kind = str_of(f, "kind");
        if (!json_is_integer(json_object_get(f, "id")) || !source || !digest || !kind)
            return cl_fail(CL_EDATA, _("refused: forms[%zu] of the transfer needs id, kind, source and digest"), i);
        size_t len = json_string_length(json_object_get(f, "source"));
        char want[65];
        cl_form_digest(source, len, want);
        if (strcmp(want, digest) != 0)
            return cl_fail(CL_EDATA, _("refused: forms[%zu] (%s) of the transfer does not match its digest"), i, kind);
        cl_form *parsed;
        if (cl_form_parse(source, len, kind, &parsed) != CL_OK)
            return cl_fail_context(CL_EDATA, _("refused: a form of the transfer"));
        if (strcmp(cl_form_kind(parsed), kind) != 0 || form_of(m, int_of(f, "id"), NULL)) {
            cl_form_free(parsed);
            return cl_fail(CL_EDATA, _("refused: forms[%zu] of the transfer is not the kind it says or comes twice"),
                           i);
        }
        m->parsed[m->n] = parsed;
        m->from[m->n] = int_of(f, "id");
        m->n++;
        sqlite3_stmt *q;
        cl_status st = cl_db_prepare(db, "SELECT id FROM forms WHERE kind = ? AND digest = ?", &q);
        if (st != CL_OK)
            return st;
        sqlite3_bind_text(q, 1, kind, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 2, digest, -1, SQLITE_STATIC);
        bool have = sqlite3_step(q) == SQLITE_ROW;
        m->to[m->n - 1] = have ? sqlite3_column_int64(q, 0) : 0;
        sqlite3_finalize(q);
        if (have)
            continue;
        char now[32];
        cl_time_iso(cl_now(), now, sizeof now);
        st = cl_db_prepare(db, "INSERT INTO forms(kind, version, source, digest, imported_at) VALUES (?1,"
                               " (SELECT MIN(0, COALESCE(MIN(version), 1) - 1) FROM forms WHERE kind = ?1), ?2, ?3, ?4)",
                           &q);
        if (st != CL_OK)
            return st;
        sqlite3_bind_text(q, 1, kind, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 2, source, (int)len, SQLITE_STATIC);
        sqlite3_bind_text(q, 3, digest, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 4, now, -1, SQLITE_STATIC);
        if (sqlite3_step(q) != SQLITE_DONE)
            st = cl_db_fail(db, "adding a form of the transfer");
        sqlite3_finalize(q);
        m->to[m->n - 1] = sqlite3_last_insert_rowid(db);
        if (st != CL_OK)
            return st;
    }
    return CL_OK;
}

static bool when_valid(const json_t *v)
{
    const char *s = json_string_value(v);
    char canon[17];
    return s && ((cl_date_parse(s, canon) && strcmp(canon, s) == 0) ||
                 (cl_datetime_parse(s, canon) && strcmp(canon, s) == 0));
}

static bool text_ok(const json_t *v, size_t max)
{
    return json_is_string(v) && json_string_length(v) > 0 && cl_utf8_length(json_string_value(v)) <= max;
}

/* One record of the document: of this student, valid by its form, with
 * the columns carelog derives from it as carelog writes them. */
static cl_status check_record(const form_map *m, const json_t *r, long long student_id, size_t i)
{
    const cl_form *form = form_of(m, int_of(r, "form_id"), NULL);
    const json_t *fields = json_object_get(r, "fields");
    const char *kind = str_of(r, "kind");
    if (!json_is_object(r) || int_of(r, "id") <= 0 || int_of(r, "student_id") != student_id || !form || !kind ||
        strcmp(kind, cl_form_kind(form)) != 0 || !json_is_object(fields) || int_of(r, "version") < 1 ||
        !when_valid(json_object_get(r, "occurred_at")) || !text_ok(json_object_get(r, "author"), 200) ||
        !text_ok(json_object_get(r, "updated_by"), 200) || !json_is_string(json_object_get(r, "created_at")) ||
        !json_is_string(json_object_get(r, "updated_at")))
        return cl_fail(CL_EDATA, _("refused: records[%zu] of the transfer is malformed; nothing was imported"), i);
    if (cl_form_validate(form, fields) != CL_OK)
        return cl_fail_context(CL_EDATA, _("refused: records[%zu] of the transfer"), i);
    const json_t *state = json_object_get(r, "state");
    if (strcmp(kind, "referral") == 0 ? !cl_referral_state_find(json_string_value(state))
                                      : (state && !json_is_null(state)))
        return cl_fail(CL_EDATA, _("refused: records[%zu] of the transfer has a wrong state"), i);
    size_t k;
    json_t *item;
    json_array_foreach(json_object_get(r, "versions"), k, item) {
        const cl_form *vf = form_of(m, int_of(item, "form_id"), NULL);
        if (!vf || !json_is_object(json_object_get(item, "fields")) ||
            cl_form_validate(vf, json_object_get(item, "fields")) != CL_OK ||
            !when_valid(json_object_get(item, "occurred_at")) || int_of(item, "version") < 1 ||
            int_of(item, "version") >= int_of(r, "version"))
            return cl_fail(CL_EDATA, _("refused: records[%zu].versions[%zu] of the transfer is malformed"), i, k);
    }
    json_array_foreach(json_object_get(r, "amendments"), k, item)
        if (!text_ok(json_object_get(item, "text"), CL_RECORD_AMENDMENT_MAX) ||
            !text_ok(json_object_get(item, "author"), 200))
            return cl_fail(CL_EDATA, _("refused: records[%zu].amendments[%zu] of the transfer is malformed"), i, k);
    json_array_foreach(json_object_get(r, "transitions"), k, item) {
        const json_t *from = json_object_get(item, "from_state"), *note = json_object_get(item, "note");
        if (!cl_referral_state_find(str_of(item, "to_state")) ||
            (from && !json_is_null(from) && !cl_referral_state_find(json_string_value(from))) ||
            !json_is_string(note) || cl_utf8_length(json_string_value(note)) > CL_REFERRAL_NOTE_MAX)
            return cl_fail(CL_EDATA, _("refused: records[%zu].transitions[%zu] of the transfer is malformed"), i, k);
    }
    return CL_OK;
}

/* ---- inserting ------------------------------------------------------------ */

typedef struct id_map {
    long long *from, *to;
    size_t n;
} id_map;

static long long mapped(const id_map *m, long long from)
{
    for (size_t i = 0; i < m->n; i++)
        if (m->from[i] == from)
            return m->to[i];
    return 0;
}

static void bind_text_or_null(sqlite3_stmt *q, int col, const json_t *v)
{
    if (json_is_string(v))
        sqlite3_bind_text(q, col, json_string_value(v), (int)json_string_length(v), SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(q, col);
}

static void bind_json(sqlite3_stmt *q, int col, const json_t *v)
{
    if (!v || json_is_null(v)) {
        sqlite3_bind_null(q, col);
        return;
    }
    char *text = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
    sqlite3_bind_text(q, col, text ? text : "{}", -1, SQLITE_TRANSIENT);
    free(text);
}

static cl_status step_done(sqlite3 *db, sqlite3_stmt *q, const char *what)
{
    cl_status st = sqlite3_step(q) == SQLITE_DONE ? CL_OK : cl_db_fail(db, what);
    sqlite3_finalize(q);
    return st;
}

static cl_status insert_student(sqlite3 *db, const json_t *s, long long *id)
{
    sqlite3_stmt *q;
    cl_status st = cl_db_prepare(db, "INSERT INTO students(number, name, class, birth_date, status, risk_level,"
                                     " misconduct_tier, counsellor, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", &q);
    if (st != CL_OK)
        return st;
    static const char *const cols[] = {"number", "name", "class", "birth_date", "status"};
    for (int i = 0; i < 5; i++)
        bind_text_or_null(q, i + 1, json_object_get(s, cols[i]));
    sqlite3_bind_int64(q, 6, int_of(s, "risk_level"));
    bind_text_or_null(q, 7, json_object_get(s, "misconduct_tier"));
    bind_text_or_null(q, 8, json_object_get(s, "counsellor"));
    bind_text_or_null(q, 9, json_object_get(s, "created_at"));
    st = step_done(db, q, "adding the transferred student");
    *id = sqlite3_last_insert_rowid(db);
    return st;
}

static cl_status insert_record(sqlite3 *db, const json_t *r, long long student_id, long long form_id, long long *id)
{
    sqlite3_stmt *q;
    cl_status st = cl_db_prepare(db, "INSERT INTO records(student_id, kind, author, occurred_at, created_at,"
                                     " updated_at, updated_by, form_id, version, fields, follow_up, state, signed_at,"
                                     " signed_by, signature, signed_payload, score)"
                                     " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", &q);
    if (st != CL_OK)
        return st;
    sqlite3_bind_int64(q, 1, student_id);
    static const char *const texts[] = {"kind", "author", "occurred_at", "created_at", "updated_at", "updated_by"};
    for (int i = 0; i < 6; i++)
        bind_text_or_null(q, i + 2, json_object_get(r, texts[i]));
    sqlite3_bind_int64(q, 8, form_id);
    sqlite3_bind_int64(q, 9, int_of(r, "version"));
    bind_json(q, 10, json_object_get(r, "fields"));
    bind_text_or_null(q, 11, json_object_get(r, "follow_up"));
    bind_text_or_null(q, 12, json_object_get(r, "state"));
    bind_text_or_null(q, 13, json_object_get(r, "signed_at"));
    bind_text_or_null(q, 14, json_object_get(r, "signed_by"));
    const char *hex = str_of(r, "signature");
    unsigned char sig[crypto_sign_BYTES];
    size_t got = 0;
    if (hex && sodium_hex2bin(sig, sizeof sig, hex, strlen(hex), NULL, &got, NULL) == 0 && got == sizeof sig)
        sqlite3_bind_blob(q, 15, sig, sizeof sig, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(q, 15);
    bind_text_or_null(q, 16, json_object_get(r, "signed_payload"));
    bind_json(q, 17, json_object_get(r, "score"));
    st = step_done(db, q, "adding a transferred record");
    *id = sqlite3_last_insert_rowid(db);
    return st;
}

static cl_status insert_nested(sqlite3 *db, const json_t *r, long long id, const form_map *forms)
{
    cl_status st = CL_OK;
    size_t k;
    json_t *it;
    sqlite3_stmt *q;
    json_array_foreach(json_object_get(r, "versions"), k, it) {
        long long fid = 0;
        form_of(forms, int_of(it, "form_id"), &fid);
        if ((st = cl_db_prepare(db, "INSERT INTO record_versions(record_id, version, form_id, fields, occurred_at,"
                                    " updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?)", &q)) != CL_OK)
            return st;
        sqlite3_bind_int64(q, 1, id);
        sqlite3_bind_int64(q, 2, int_of(it, "version"));
        sqlite3_bind_int64(q, 3, fid);
        bind_json(q, 4, json_object_get(it, "fields"));
        bind_text_or_null(q, 5, json_object_get(it, "occurred_at"));
        bind_text_or_null(q, 6, json_object_get(it, "updated_at"));
        bind_text_or_null(q, 7, json_object_get(it, "updated_by"));
        if ((st = step_done(db, q, "adding a record's earlier version")) != CL_OK)
            return st;
    }
    json_array_foreach(json_object_get(r, "amendments"), k, it) {
        if ((st = cl_db_prepare(db, "INSERT INTO amendments(record_id, author, at, text) VALUES (?, ?, ?, ?)", &q)) !=
            CL_OK)
            return st;
        sqlite3_bind_int64(q, 1, id);
        bind_text_or_null(q, 2, json_object_get(it, "author"));
        bind_text_or_null(q, 3, json_object_get(it, "at"));
        bind_text_or_null(q, 4, json_object_get(it, "text"));
        if ((st = step_done(db, q, "adding an amendment")) != CL_OK)
            return st;
    }
    json_array_foreach(json_object_get(r, "transitions"), k, it) {
        if ((st = cl_db_prepare(db, "INSERT INTO referral_transitions(record_id, from_state, to_state, at, actor, note)"
                                    " VALUES (?, ?, ?, ?, ?, ?)", &q)) != CL_OK)
            return st;
        sqlite3_bind_int64(q, 1, id);
        bind_text_or_null(q, 2, json_object_get(it, "from_state"));
        bind_text_or_null(q, 3, json_object_get(it, "to_state"));
        bind_text_or_null(q, 4, json_object_get(it, "at"));
        bind_text_or_null(q, 5, json_object_get(it, "actor"));
        bind_text_or_null(q, 6, json_object_get(it, "note"));
        if ((st = step_done(db, q, "adding a referral's history")) != CL_OK)
            return st;
    }
    return st;
}

static cl_status exec_ids(sqlite3 *db, const char *sql, long long a, long long b, const char *what)
{
    sqlite3_stmt *q;
    cl_status st = cl_db_prepare(db, sql, &q);
    if (st != CL_OK)
        return st;
    sqlite3_bind_int64(q, 1, a);
    sqlite3_bind_int64(q, 2, b);
    return step_done(db, q, what);
}

/* Flags and the counsellors' closures of follow-ups, on the new ids. */
static cl_status insert_flags_and_closures(sqlite3 *db, const json_t *doc, long long student_id, const id_map *ids)
{
    cl_status st = CL_OK;
    size_t i;
    json_t *f;
    sqlite3_stmt *q;
    json_array_foreach(json_object_get(doc, "flags"), i, f) {
        if ((st = cl_db_prepare(db, "INSERT INTO flags(student_id, record_id, flag, label_zh, label_en, raised_at,"
                                    " cleared_at, cleared_by, cleared_reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                &q)) != CL_OK)
            return st;
        sqlite3_bind_int64(q, 1, student_id);
        sqlite3_bind_int64(q, 2, mapped(ids, int_of(f, "record_id")));
        static const char *const cols[] = {"flag", "label_zh", "label_en", "raised_at", "cleared_at", "cleared_by",
                                           "cleared_reason"};
        for (int c = 0; c < 7; c++)
            bind_text_or_null(q, c + 3, json_object_get(f, cols[c]));
        if ((st = step_done(db, q, "adding a flag")) != CL_OK)
            return st;
    }
    json_array_foreach(json_object_get(json_object_get(doc, "other_tables"), "followups"), i, f) {
        if (!json_is_string(json_object_get(f, "closed_at")))
            continue;
        if ((st = cl_db_prepare(db, "UPDATE followups SET closed_at = ?, closed_by = ?, closed_reason = ?, open = 0"
                                    " WHERE record_id = ?", &q)) != CL_OK)
            return st;
        bind_text_or_null(q, 1, json_object_get(f, "closed_at"));
        bind_text_or_null(q, 2, json_object_get(f, "closed_by"));
        bind_text_or_null(q, 3, json_object_get(f, "closed_reason"));
        sqlite3_bind_int64(q, 4, mapped(ids, int_of(f, "record_id")));
        if ((st = step_done(db, q, "keeping a closed follow-up")) != CL_OK)
            return st;
    }
    return st;
}

typedef struct arrival {
    const json_t *doc, *manifest;
    const envelope *e;
    const cl_party *school;
    const char *user;
    long long school_id, student_id, transfer_in_id;
    id_map ids;
} arrival;

static cl_status record_arrival(sqlite3 *db, arrival *a, const char *transfer_id)
{
    sqlite3_stmt *q;
    char now[32];
    cl_time_iso(cl_now(), now, sizeof now);
    char *manifest = json_dumps(a->manifest, JSON_COMPACT | JSON_PRESERVE_ORDER);
    cl_status st = cl_db_prepare(db, "INSERT INTO transfers_in(transfer_id, school_id, signature_hash,"
                                     " source_student_id, student_id, sha256, sent_at, received_at, received_by,"
                                     " manifest) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", &q);
    if (st == CL_OK) {
        sqlite3_bind_text(q, 1, transfer_id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 2, a->school_id);
        sqlite3_bind_blob(q, 3, a->e->sig_hash, sizeof a->e->sig_hash, SQLITE_STATIC);
        sqlite3_bind_int64(q, 4, int_of(a->manifest, "student_id"));
        sqlite3_bind_int64(q, 5, a->student_id);
        sqlite3_bind_text(q, 6, a->e->sha256, -1, SQLITE_STATIC);
        bind_text_or_null(q, 7, json_object_get(a->manifest, "created_at"));
        sqlite3_bind_text(q, 8, now, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 9, a->user, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 10, manifest ? manifest : "{}", -1, SQLITE_TRANSIENT);
        st = step_done(db, q, "recording the transfer");
    }
    free(manifest);
    a->transfer_in_id = sqlite3_last_insert_rowid(db);
    for (size_t i = 0; i < a->ids.n && st == CL_OK; i++) {
        if ((st = cl_db_prepare(db, "INSERT INTO transferred_records(record_id, transfer_in_id, source_record_id)"
                                    " VALUES (?, ?, ?)", &q)) != CL_OK)
            break;
        sqlite3_bind_int64(q, 1, a->ids.to[i]);
        sqlite3_bind_int64(q, 2, a->transfer_in_id);
        sqlite3_bind_int64(q, 3, a->ids.from[i]);
        st = step_done(db, q, "recording a transferred record");
    }
    return st;
}

static cl_status add_everything(cl_vault *v, arrival *a, const char *transfer_id)
{
    sqlite3 *db = cl_vault_db(v);
    const json_t *records = json_object_get(a->doc, "records");
    size_t n = json_array_size(records);
    a->ids.from = calloc(n ? n : 1, sizeof *a->ids.from);
    a->ids.to = calloc(n ? n : 1, sizeof *a->ids.to);
    if (!a->ids.from || !a->ids.to)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    form_map forms = {0};
    cl_status st = map_forms(db, json_object_get(a->doc, "forms"), &forms);
    const json_t *student = json_array_get(json_object_get(a->doc, "students"), 0);
    long long source_student = int_of(student, "id");
    size_t i;
    json_t *r;
    json_array_foreach(records, i, r) {
        if (st != CL_OK)
            break;
        st = check_record(&forms, r, source_student, i);
        if (st == CL_OK && mapped(&a->ids, int_of(r, "id")))
            st = cl_fail(CL_EDATA, _("refused: records[%zu] of the transfer comes twice"), i);
    }
    if (st == CL_OK)
        st = insert_student(db, student, &a->student_id);
    json_array_foreach(records, i, r) {
        if (st != CL_OK)
            break;
        long long fid = 0, id = 0;
        form_of(&forms, int_of(r, "form_id"), &fid);
        st = insert_record(db, r, a->student_id, fid, &id);
        if (st == CL_OK)
            st = insert_nested(db, r, id, &forms);
        a->ids.from[a->ids.n] = int_of(r, "id");
        a->ids.to[a->ids.n++] = id;
    }
    /* References between records, once every record has its new id. */
    json_array_foreach(records, i, r) {
        if (st != CL_OK || !json_is_integer(json_object_get(r, "parent_id")))
            continue;
        long long parent = mapped(&a->ids, int_of(r, "parent_id"));
        st = parent ? exec_ids(db, "UPDATE records SET parent_id = ?2 WHERE id = ?1", a->ids.to[i], parent,
                               "linking a plan review")
                    : cl_fail(CL_EDATA, _("refused: records[%zu] of the transfer refers to a record it lacks"), i);
    }
    long long details = mapped(&a->ids, int_of(student, "record_id"));
    if (st == CL_OK && !details)
        st = cl_fail(CL_EDATA, _("refused: the transfer lacks the student's details record; nothing was imported"));
    if (st == CL_OK)
        st = exec_ids(db, "UPDATE students SET record_id = ?2 WHERE id = ?1", a->student_id, details,
                      "linking the student's details");
    if (st == CL_OK)
        st = cl_followup_refresh_tx(db, a->student_id);
    if (st == CL_OK)
        st = insert_flags_and_closures(db, a->doc, a->student_id, &a->ids);
    if (st == CL_OK)
        st = cl_followup_refresh_tx(db, a->student_id);
    if (st == CL_OK)
        st = record_arrival(db, a, transfer_id);
    form_map_free(&forms);
    return st;
}

/* The document is the sending vault's, for the student the manifest
 * names, and its number is not already on this school's roll. */
static cl_status check_doc(cl_vault *v, const json_t *doc, const json_t *manifest, const cl_party *school)
{
    const json_t *vault = json_object_get(doc, "vault"), *students = json_object_get(doc, "students");
    char ed_hex[65];
    sodium_bin2hex(ed_hex, sizeof ed_hex, school->ed25519, sizeof school->ed25519);
    const char *format = str_of(doc, "format");
    if (!json_is_object(doc) || !format || strcmp(format, CL_TRANSFER_FORMAT) != 0 ||
        int_of(doc, "version") != CL_TRANSFER_VERSION || !json_is_array(json_object_get(doc, "records")) ||
        !json_is_array(students) || json_array_size(students) != 1)
        return cl_fail(CL_EDATA, _("refused: student.json in the transfer is not one student's carelog file; nothing "
                                   "was imported"));
    const char *pk = str_of(vault, "ed25519_public");
    const json_t *student = json_array_get(students, 0);
    if (!pk || strcmp(pk, ed_hex) != 0 || int_of(student, "id") != int_of(manifest, "student_id"))
        return cl_fail(CL_EDATA, _("refused: the student file in the transfer is not from the school that signed it; "
                                   "nothing was imported"));
    const char *number = str_of(student, "number"), *name = str_of(student, "name");
    if (!number || !*number || !name || !*name)
        return cl_fail(CL_EDATA, _("refused: the transferred student has no number or name"));
    sqlite3_stmt *q;
    cl_status st = cl_db_prepare(cl_vault_db(v), "SELECT id, name FROM students WHERE number = ? AND merged_into IS "
                                                 "NULL", &q);
    if (st != CL_OK)
        return st;
    sqlite3_bind_text(q, 1, number, -1, SQLITE_STATIC);
    if (sqlite3_step(q) == SQLITE_ROW)
        st = cl_fail(CL_ECANTCREATE, _("refused: student number %s is already on this school's roll (#%lld); change "
                                       "that student's number first if they are two people; nothing was imported"),
                     number, (long long)sqlite3_column_int64(q, 0));
    sqlite3_finalize(q);
    return st;
}

static cl_status already_in(cl_vault *v, long long school_id, const char *transfer_id)
{
    sqlite3_stmt *q;
    cl_status st = cl_db_prepare(cl_vault_db(v), "SELECT received_at FROM transfers_in WHERE school_id = ? AND "
                                                 "transfer_id = ?", &q);
    if (st != CL_OK)
        return st;
    sqlite3_bind_int64(q, 1, school_id);
    sqlite3_bind_text(q, 2, transfer_id, -1, SQLITE_STATIC);
    if (sqlite3_step(q) == SQLITE_ROW)
        st = cl_fail(CL_ECANTCREATE, _("refused: transfer %s was already imported on %s (a replay); nothing was "
                                       "imported"), transfer_id, (const char *)sqlite3_column_text(q, 0));
    sqlite3_finalize(q);
    return st;
}

/* Who signed it, and for whom: before anything is decrypted. */
static cl_status check_envelope(cl_vault *v, const envelope *e, long long *school_id, cl_party *school, char **id)
{
    cl_party own;
    cl_status st = party_signer(v, "trusted_schools", &e->sig, school_id, school);
    if (st == CL_OK && party_verify(school, e) != CL_OK)
        st = cl_fail(CL_EPERM, _("refused: the transfer does not match %s's signature — it was altered or truncated "
                                 "on the way; ask the school to send it again. Nothing was imported"), school->name);
    if (st == CL_OK)
        st = cl_party_of_vault(v, &own);
    const char *comment = e->sig.trusted_comment;
    if (st == CL_OK && strncmp(comment, "carelog-transfer v1 ", 20) != 0)
        st = cl_fail(CL_EDATA, _("refused: this is not a carelog student transfer (its signature's trusted comment "
                                 "says otherwise)"));
    char *to = st == CL_OK ? comment_value(comment, "to") : NULL;
    if (st == CL_OK && (!to || strcmp(to, own.fingerprint) != 0))
        st = cl_fail(CL_EPERM, _("refused: this transfer is addressed to the vault with fingerprint %s, not to this "
                                 "one (%s); nothing was imported"), to ? to : "?", own.fingerprint);
    free(to);
    *id = st == CL_OK ? comment_value(comment, "transfer") : NULL;
    if (st == CL_OK && !*id)
        st = cl_fail(CL_EDATA, _("refused: the transfer's signature names no transfer id"));
    char what[300];
    snprintf(what, sizeof what, _("refused: transfer %s was already imported, with this very signature (a replay); "
                                  "nothing was imported"), *id ? *id : "");
    if (st == CL_OK)
        st = envelope_seen(v, "transfers_in", e, what);
    if (st == CL_OK)
        st = already_in(v, *school_id, *id);
    return st;
}

cl_status cl_transfer_student_receive(cl_vault *v, const char *file, json_t **result)
{
    envelope e;
    cl_status st = envelope_open(v, false, "import transfer", file, &e);
    if (st != CL_OK)
        return st;
    long long school_id = 0;
    cl_party school, own;
    char *transfer_id = NULL;
    st = check_envelope(v, &e, &school_id, &school, &transfer_id);
    if (st == CL_OK)
        st = cl_party_of_vault(v, &own);
    cl_age_buf plain = {0};
    if (st == CL_OK)
        st = envelope_decrypt(v, &e, TRANSFER_PLAIN_MAX, &plain);
    bundle_archive a;
    memset(&a, 0, sizeof a);
    if (st == CL_OK)
        st = bundle_read_archive(&bundle_transfer, plain.data, plain.len, e.sig.trusted_comment, school.fingerprint,
                                 own.fingerprint, &a);
    size_t len = 0;
    const unsigned char *body = st == CL_OK ? bundle_archive_file(&a, "student.json", &len) : NULL;
    if (st == CL_OK && !body)
        st = cl_fail(CL_EDATA, _("refused: the transfer holds no student.json; nothing was imported"));
    json_t *doc = body ? json_loadb((const char *)body, len, JSON_REJECT_DUPLICATES, NULL) : NULL;
    if (st == CL_OK)
        st = check_doc(v, doc, a.manifest, &school);
    arrival in = {doc, a.manifest, &e, &school, cl_vault_user(v), school_id, 0, 0, {NULL, NULL, 0}};
    bool sp = false;
    if (st == CL_OK && (st = party_tx_begin(v, &sp)) == CL_OK) {
        st = add_everything(v, &in, transfer_id);
        if (st == CL_OK) {
            char target[32], detail[300];
            snprintf(target, sizeof target, "student:%lld", in.student_id);
            snprintf(detail, sizeof detail, "transfer %s from %s sha256 %s records %zu", transfer_id,
                     school.fingerprint, e.sha256, in.ids.n);
            st = cl_vault_audit(v, "transfer.import", target, detail);
        }
        st = party_tx_end(v, sp, st);
    }
    if (st == CL_OK)
        cl_search_merge_after(v, (long long)in.ids.n);
    if (st == CL_OK) {
        const json_t *s = json_array_get(json_object_get(doc, "students"), 0);
        *result = json_pack("{s:s, s:I, s:I, s:s, s:s, s:s, s:s, s:I, s:O}", "transfer_id", transfer_id,
                            "student_id", (json_int_t)in.student_id, "source_student_id",
                            (json_int_t)int_of(s, "id"), "number", str_of(s, "number"), "name", str_of(s, "name"),
                            "school", school.name, "school_fingerprint", school.fingerprint, "records",
                            (json_int_t)in.ids.n, "sent_at", json_object_get(a.manifest, "created_at"));
    }
    free(in.ids.from);
    free(in.ids.to);
    json_decref(doc);
    json_decref(a.manifest);
    cl_age_buf_wipe(&plain);
    free(transfer_id);
    envelope_free(&e);
    return st;
}
