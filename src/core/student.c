/* Students: the students table kept in step with each student's own record
 * (kind "student"), finding, listing, closing, duplicates and merging. */
#include "carelog/student.h"
#include "carelog/i18n.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "carelog/catalog.h"
#include "carelog/identifier.h"
#include "carelog/record.h"
#include "carelog/storage.h"
#include "carelog/text.h"
#include "record_internal.h"

#define CLOSE_REASON_MAX 2000
#define FLAG_REASON_MAX 2000

/* Another student (not merged, not `self`) holding this number. */
static cl_status number_taken(sqlite3 *db, const char *number, long long self, long long *other, char **other_name)
{
    sqlite3_stmt *q;
    cl_status st = cl_db_cached(db, "SELECT id, name FROM students WHERE number = ? AND id != ? AND merged_into IS NULL "
                                     "ORDER BY id LIMIT 1", &q);
    if (st != CL_OK)
        return st;
    sqlite3_bind_text(q, 1, number, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, self);
    *other = 0;
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        *other = sqlite3_column_int64(q, 0);
        *other_name = strdup((const char *)sqlite3_column_text(q, 1));
    } else if (rc != SQLITE_DONE) {
        st = cl_db_fail(db, "reading the students");
    }
    sqlite3_reset(q);
    return st;
}

cl_status cl_student_sync_tx(cl_vault *v, long long student_id, const json_t *fields, bool number_changed)
{
    sqlite3 *db = cl_vault_db(v);
    const char *number = cl_json_str(fields, "number");
    if (number_changed && number) {
        long long other;
        char *name = NULL;
        cl_status st = number_taken(db, number, student_id, &other, &name);
        if (st == CL_OK && other)
            st = cl_fail(CL_EDATA, _("field number: %s is already the number of %s (#%lld); nothing was saved"),
                         number, name ? name : "?", other);
        free(name);
        if (st != CL_OK)
            return st;
    }
    const char *status = cl_json_str(fields, "status");
    if (!status || !*status)
        status = "active";
    /* A changed status opens or shuts every obligation of the student;
     * otherwise only its state follows its details (circumstances). */
    sqlite3_stmt *q;
    cl_status st = cl_db_cached(db, "SELECT status IS NOT ? FROM students WHERE id = ?", &q);
    if (st != CL_OK)
        return st;
    sqlite3_bind_text(q, 1, status, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, student_id);
    bool status_changed = sqlite3_step(q) != SQLITE_ROW || sqlite3_column_int(q, 0);
    sqlite3_reset(q);
    st = cl_db_cached(db, "UPDATE students SET number = ?, name = ?, class = ?, birth_date = ?, status = ?, "
                          "counsellor = ? WHERE id = ?", &q);
    if (st != CL_OK)
        return st;
    sqlite3_bind_text(q, 1, number ? number : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, cl_json_str(fields, "name") ? cl_json_str(fields, "name") : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, cl_json_str(fields, "class") ? cl_json_str(fields, "class") : "", -1, SQLITE_STATIC);
    if (cl_json_str(fields, "birth_date") && *cl_json_str(fields, "birth_date"))
        sqlite3_bind_text(q, 4, cl_json_str(fields, "birth_date"), -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 5, status, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 6, cl_json_str(fields, "counsellor") ? cl_json_str(fields, "counsellor") : "", -1,
                      SQLITE_STATIC);
    sqlite3_bind_int64(q, 7, student_id);
    if (sqlite3_step(q) != SQLITE_DONE)
        st = cl_db_fail(db, "saving the student");
    sqlite3_reset(q);
    if (st == CL_OK)
        st = status_changed ? cl_followup_touch_tx(db, student_id) : cl_followup_touch_state_tx(db, student_id);
    return st;
}

cl_status cl_student_add(cl_vault *v, const json_t *fields, bool allow_duplicate, long long *id_out)
{
    if (!json_is_object(fields))
        return cl_fail(CL_EDATA, _("a student's fields must be a JSON object"));
    json_t *f = json_deep_copy(fields);
    if (!f)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    if (!json_object_get(f, "status") || json_is_null(json_object_get(f, "status")))
        json_object_set_new(f, "status", json_string("active"));
    const char *cur = cl_json_str(f, "counsellor");
    if ((!cur || !*cur) && strcmp(cl_vault_user(v), "recovery") != 0)
        json_object_set_new(f, "counsellor", json_string(cl_vault_user(v)));
    const cl_form *form;
    sqlite3 *db = cl_vault_db(v);
    cl_status st = cl_catalog_current(v, "student", &form, NULL);
    json_t *problems = json_array();
    if (st == CL_OK && !problems)
        st = cl_fail(CL_ESOFTWARE, _("out of memory"));
    if (st == CL_OK)
        st = cl_identifier_normalise_student(f, problems);
    if (st == CL_OK)
        st = cl_form_validate_into(form, f, problems);
    json_decref(problems);
    cl_tx tx;
    if (st == CL_OK)
        st = cl_tx_begin(db, &tx);
    if (st != CL_OK) {
        json_decref(f);
        return st;
    }
    const char *number = cl_json_str(f, "number");
    if (!allow_duplicate) {
        long long other;
        char *name = NULL;
        st = number_taken(db, number, 0, &other, &name);
        if (st == CL_OK && other)
            st = cl_fail(CL_ECANTCREATE, _("student number %s is already used by %s (#%lld); nothing was added. Look "
                                         "at `carelog student show #%lld`; if they are two people, add again with "
                                         "--allow-duplicate"), number, name ? name : "?", other, other);
        free(name);
    }
    sqlite3_stmt *q;
    char now[32];
    cl_now_iso(now);
    long long sid = 0, rid = 0;
    if (st == CL_OK)
        st = cl_db_cached(db, "INSERT INTO students(number, name, created_at) VALUES (?, ?, ?)", &q);
    if (st == CL_OK) {
        sqlite3_bind_text(q, 1, number, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 2, cl_json_str(f, "name"), -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 3, now, -1, SQLITE_STATIC);
        if (sqlite3_step(q) != SQLITE_DONE)
            st = cl_db_fail(db, "saving the student");
        sqlite3_reset(q);
        sid = sqlite3_last_insert_rowid(db);
    }
    if (st == CL_OK)
        st = cl_record_insert_tx(v, "student", sid, f, 0, &rid);
    if (st == CL_OK)
        st = cl_db_cached(db, "UPDATE students SET record_id = ? WHERE id = ?", &q);
    if (st == CL_OK) {
        sqlite3_bind_int64(q, 1, rid);
        sqlite3_bind_int64(q, 2, sid);
        if (sqlite3_step(q) != SQLITE_DONE)
            st = cl_db_fail(db, "saving the student");
        sqlite3_reset(q);
    }
    if (st == CL_OK)
        st = cl_student_sync_tx(v, sid, f, false);
    if (st == CL_OK) {
        char target[48], detail[48];
        snprintf(target, sizeof target, "student %lld", sid);
        snprintf(detail, sizeof detail, "record %lld", rid);
        st = cl_vault_audit(v, "student.create", target, detail);
    }
    st = cl_tx_end(&tx, st);
    json_decref(f);
    if (st == CL_OK && id_out)
        *id_out = sid;
    return st;
}

/* Follows merged_into to the student kept. */
static cl_status resolve_merged(sqlite3 *db, long long id, long long *out)
{
    for (int hops = 0; hops < 64; hops++) {
        sqlite3_stmt *q;
        cl_status st = cl_db_prepare(db, "SELECT merged_into FROM students WHERE id = ?", &q);
        if (st != CL_OK)
            return st;
        sqlite3_bind_int64(q, 1, id);
        int rc = sqlite3_step(q);
        long long next = rc == SQLITE_ROW && sqlite3_column_type(q, 0) != SQLITE_NULL ? sqlite3_column_int64(q, 0) : 0;
        sqlite3_finalize(q);
        if (rc == SQLITE_DONE)
            return cl_fail(CL_ENOTFOUND, _("there is no student #%lld (`carelog student list` shows them)"), id);
        if (rc != SQLITE_ROW)
            return cl_db_fail(db, "reading the students");
        if (!next) {
            *out = id;
            return CL_OK;
        }
        id = next;
    }
    return cl_fail(CL_EDATA, _("student #%lld is in a loop of merges; the vault is damaged"), id);
}

static bool all_digits(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!isdigit((unsigned char)*s))
            return false;
    return true;
}

cl_status cl_student_find(cl_vault *v, const char *text, long long *id_out)
{
    sqlite3 *db = cl_vault_db(v);
    if (!text || !*text)
        return cl_fail(CL_EUSAGE, _("name a student by number or by #ID"));
    if (text[0] == '#') {
        if (!all_digits(text + 1) || strlen(text) > 18)
            return cl_fail(CL_EUSAGE, _("\"%s\" is not a student id; write #12 for the student with id 12"), text);
        /* "#ID" is exactly that student, merged or not (to look at it). */
        long long id = atoll(text + 1), merged;
        cl_status st = resolve_merged(db, id, &merged);
        if (st == CL_OK)
            *id_out = id;
        return st;
    }
    /* The number as it is stored: ２０２６０００１ finds 20260001. */
    char *number = NULL;
    cl_status st = cl_identifier_normalise(CL_IDENTIFIER_NUMBER, text, "number (学号)", &number);
    if (st != CL_OK)
        return st;
    if (!*number) {
        free(number);
        return cl_fail(CL_EUSAGE, _("name a student by number or by #ID"));
    }
    text = number;
    sqlite3_stmt *q;
    st = cl_db_prepare(db, "SELECT id, merged_into IS NULL FROM students WHERE number = ? "
                           "ORDER BY merged_into IS NULL DESC, id", &q);
    if (st != CL_OK) {
        free(number);
        return st;
    }
    sqlite3_bind_text(q, 1, text, -1, SQLITE_STATIC);
    long long first = 0, second = 0;
    bool first_active = false;
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        bool active = sqlite3_column_int(q, 1);
        if (!first) {
            first = sqlite3_column_int64(q, 0);
            first_active = active;
        } else if (active && first_active && !second) {
            second = sqlite3_column_int64(q, 0);
        }
    }
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE)
        st = cl_db_fail(db, "reading the students");
    else if (second)
        st = cl_fail(CL_EDATA, _("student number %s is shared by #%lld and #%lld (possible duplicates: "
                                 "`carelog student duplicates`); name one by #ID"), text, first, second);
    else if (first)
        st = resolve_merged(db, first, id_out);
    else if (all_digits(text) && strlen(text) <= 18)
        st = resolve_merged(db, atoll(text), id_out);
    else
        st = cl_fail(CL_ENOTFOUND, _("there is no student with number %s (`carelog student list --search TEXT` finds "
                                     "one by name)"), text);
    free(number);
    return st;
}

static cl_status student_record(sqlite3 *db, long long id, long long *record_id, long long *version)
{
    sqlite3_stmt *q;
    cl_status st = cl_db_prepare(db, "SELECT s.record_id, r.version, s.merged_into FROM students s "
                                     "JOIN records r ON r.id = s.record_id WHERE s.id = ?", &q);
    if (st != CL_OK)
        return st;
    sqlite3_bind_int64(q, 1, id);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW && sqlite3_column_type(q, 2) != SQLITE_NULL)
        st = cl_fail(CL_EDATA, _("student #%lld was merged into #%lld; change #%lld instead"), id,
                     (long long)sqlite3_column_int64(q, 2), (long long)sqlite3_column_int64(q, 2));
    else if (rc == SQLITE_ROW) {
        *record_id = sqlite3_column_int64(q, 0);
        if (version)
            *version = sqlite3_column_int64(q, 1);
    } else if (rc == SQLITE_DONE)
        st = cl_fail(CL_ENOTFOUND, _("there is no student #%lld (`carelog student list` shows them)"), id);
    else
        st = cl_db_fail(db, "reading the student");
    sqlite3_finalize(q);
    return st;
}

cl_status cl_student_edit(cl_vault *v, long long id, long long expected_version, const json_t *changes,
                          long long *new_version)
{
    sqlite3 *db = cl_vault_db(v);
    cl_tx tx;
    cl_status st = cl_tx_begin(db, &tx);
    if (st != CL_OK)
        return st;
    long long rid = 0;
    st = student_record(db, id, &rid, NULL);
    if (st == CL_OK)
        st = cl_record_edit_tx(v, rid, expected_version, changes, "student.edit", new_version);
    return cl_tx_end(&tx, st);
}

/* Pairs that look like one person: same number, or same name and birth
 * date; a pair a counsellor declared two people is left out. */
#define PAIR_COLUMNS                                                                                             \
    "SELECT a.id, a.number, a.name, b.id, b.number, b.name,"                                                     \
    " CASE WHEN a.number = b.number THEN 'same number' ELSE 'same name and birth date' END"
#define NOT_DECLARED                                                                                             \
    " AND NOT EXISTS (SELECT 1 FROM not_duplicates n WHERE (n.a = a.id AND n.b = b.id) OR (n.a = b.id AND n.b = a.id))"
#define DUPLICATE_PAIRS                                                                                          \
    PAIR_COLUMNS " FROM students a JOIN students b ON a.id < b.id AND (a.number = b.number OR (a.name = b.name AND"  \
    " a.birth_date IS NOT NULL AND a.birth_date = b.birth_date))"                                                \
    " WHERE a.merged_into IS NULL AND b.merged_into IS NULL" NOT_DECLARED " ORDER BY a.id, b.id"
/* Those of one student (?1), found through the number and name indexes
 * rather than by comparing every pair, so a student's file opens at once. */
#define DUPLICATES_OF                                                                                            \
    "WITH x AS (SELECT id, number, name, birth_date FROM students WHERE id = ?1 AND merged_into IS NULL),"        \
    " o AS (SELECT s.id FROM x, students s WHERE s.number = x.number AND s.id <> x.id AND s.merged_into IS NULL"  \
    "  UNION SELECT s.id FROM x, students s WHERE x.birth_date IS NOT NULL AND s.name = x.name"                  \
    "   AND s.birth_date = x.birth_date AND s.id <> x.id AND s.merged_into IS NULL)"                              \
    PAIR_COLUMNS " FROM x, o, students a, students b WHERE a.id = min(x.id, o.id) AND b.id = max(x.id, o.id)"    \
    NOT_DECLARED " ORDER BY a.id, b.id"

static cl_status duplicate_pairs(sqlite3 *db, long long id, json_t **out)
{
    sqlite3_stmt *q;
    cl_status st = cl_db_prepare(db, id ? DUPLICATES_OF : DUPLICATE_PAIRS, &q);
    if (st != CL_OK)
        return st;
    if (id)
        sqlite3_bind_int64(q, 1, id);
    json_t *arr = json_array();
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW)
        json_array_append_new(arr, json_pack("{s:{s:I, s:o, s:o}, s:{s:I, s:o, s:o}, s:o}", "a", "id",
                                             (json_int_t)sqlite3_column_int64(q, 0), "number", cl_column_string(q, 1), "name",
                                             cl_column_string(q, 2), "b", "id", (json_int_t)sqlite3_column_int64(q, 3),
                                             "number", cl_column_string(q, 4), "name", cl_column_string(q, 5), "reason",
                                             cl_column_string(q, 6)));
    if (rc != SQLITE_DONE)
        st = cl_db_fail(db, "looking for duplicates");
    sqlite3_finalize(q);
    if (st != CL_OK)
        json_decref(arr);
    else
        *out = arr;
    return st;
}

cl_status cl_student_duplicates(cl_vault *v, json_t **out)
{
    return duplicate_pairs(cl_vault_db(v), 0, out);
}

static json_t *array_or_empty(json_t *fields, const char *key)
{
    json_t *a = json_object_get(fields, key);
    return json_is_array(a) ? json_deep_copy(a) : json_array();
}


cl_status cl_student_get(cl_vault *v, long long id, json_t **out)
{
    sqlite3 *db = cl_vault_db(v);
    sqlite3_stmt *q;
    cl_status st = cl_db_prepare(db, "SELECT s.id, s.number, s.name, s.class, s.birth_date, " CL_STUDENT_STATUS_OF_S ", s.risk_level,"
                                     " s.misconduct_tier, s.counsellor, s.merged_into, s.record_id, s.created_at,"
                                     " r.version, r.fields, r.updated_at, r.updated_by,"
                                     " (SELECT COUNT(*) FROM records x WHERE x.student_id = s.id AND x.kind != 'student')"
                                     " FROM students s LEFT JOIN records r ON r.id = s.record_id WHERE s.id = ?", &q);
    if (st != CL_OK)
        return st;
    sqlite3_bind_int64(q, 1, id);
    int rc = sqlite3_step(q);
    if (rc != SQLITE_ROW) {
        sqlite3_finalize(q);
        return rc == SQLITE_DONE ? cl_fail(CL_ENOTFOUND, _("there is no student #%lld (`carelog student list` shows them)"), id)
                                 : cl_db_fail(db, "reading the student");
    }
    json_t *fields = cl_json_column(q, 13);
    if (!json_is_object(fields)) {
        json_decref(fields);
        fields = json_object();
    }
    json_t *s = json_object();
    json_object_set_new(s, "id", json_integer(id));
    json_object_set_new(s, "number", cl_column_string(q, 1));
    json_object_set_new(s, "name", cl_column_string(q, 2));
    json_object_set_new(s, "class", cl_column_string(q, 3));
    json_object_set_new(s, "gender", json_is_string(json_object_get(fields, "gender"))
                                         ? json_deep_copy(json_object_get(fields, "gender"))
                                         : json_null());
    json_object_set_new(s, "birth_date", cl_column_string(q, 4));
    json_object_set_new(s, "status", cl_column_string(q, 5));
    json_object_set_new(s, "risk_level", json_integer(sqlite3_column_int64(q, 6)));
    json_object_set_new(s, "misconduct_tier", cl_column_string(q, 7));
    json_object_set_new(s, "counsellor", cl_column_string(q, 8));
    json_object_set_new(s, "merged_into", sqlite3_column_type(q, 9) == SQLITE_NULL
                                              ? json_null()
                                              : json_integer(sqlite3_column_int64(q, 9)));
    json_object_set_new(s, "record_id", json_integer(sqlite3_column_int64(q, 10)));
    json_object_set_new(s, "created_at", cl_column_string(q, 11));
    json_object_set_new(s, "version", json_integer(sqlite3_column_int64(q, 12)));
    json_object_set_new(s, "updated_at", cl_column_string(q, 14));
    json_object_set_new(s, "updated_by", cl_column_string(q, 15));
    json_object_set_new(s, "record_count", json_integer(sqlite3_column_int64(q, 16)));
    json_object_set_new(s, "circumstances", array_or_empty(fields, "circumstances"));
    json_object_set_new(s, "guardians", array_or_empty(fields, "guardians"));
    json_object_set_new(s, "fields", fields);
    sqlite3_finalize(q);

    static const char *const flag_keys[] = {"I:id", "flag", "label_zh", "label_en", "raised_at", "I:record_id", NULL};
    static const char *const risk_keys[] = {"at", "I:risk_level", "misconduct_tier", "I:record_id", NULL};
    static const char *const from_keys[] = {"I:id", "number", "name", NULL};
    static const char *const note_keys[] = {"I:id", "author", "at", "text", NULL};
    json_t *part;
    st = cl_rows_json(db, "SELECT id, flag, label_zh, label_en, raised_at, record_id FROM flags "
                          "WHERE student_id = ? AND cleared_at IS NULL ORDER BY id", id, flag_keys,
                      "reading the student", &part);
    if (st == CL_OK)
        json_object_set_new(s, "flags", part);
    /* Cleared flags stay in the file: who cleared them, when and why. */
    static const char *const cleared_keys[] = {"I:id", "flag", "label_zh", "label_en", "raised_at", "I:record_id",
                                               "cleared_at", "cleared_by", "cleared_reason", NULL};
    if (st == CL_OK)
        st = cl_rows_json(db, "SELECT id, flag, label_zh, label_en, raised_at, record_id, cleared_at, cleared_by,"
                              " cleared_reason FROM flags WHERE student_id = ? AND cleared_at IS NOT NULL ORDER BY id",
                          id, cleared_keys, "reading the student", &part);
    if (st == CL_OK)
        json_object_set_new(s, "cleared_flags", part);
    if (st == CL_OK)
        st = duplicate_pairs(db, id, &part);
    if (st == CL_OK) {
        /* Each pair as the other student, with the reason. */
        json_t *dups = json_array();
        size_t i;
        json_t *pair;
        json_array_foreach(part, i, pair) {
            json_t *a = json_object_get(pair, "a"), *b = json_object_get(pair, "b");
            json_t *other = json_integer_value(json_object_get(a, "id")) == id ? b : a;
            json_t *o = json_deep_copy(other);
            json_object_set(o, "reason", json_object_get(pair, "reason"));
            json_array_append_new(dups, o);
        }
        json_decref(part);
        json_object_set_new(s, "possible_duplicates", dups);
    }
    if (st == CL_OK)
        st = cl_rows_json(db, "SELECT occurred_at, json_extract(fields, '$.risk_level'), json_extract(fields, '$.misconduct_tier'), id "
                              "FROM records WHERE student_id = ? AND kind = 'assessment' ORDER BY occurred_at DESC, id DESC",
                          id, risk_keys, "reading the student", &part);
    if (st == CL_OK)
        json_object_set_new(s, "risk_history", part);
    if (st == CL_OK)
        st = cl_rows_json(db, "SELECT id, number, name FROM students WHERE merged_into = ? ORDER BY id", id, from_keys,
                          "reading the student", &part);
    if (st == CL_OK)
        json_object_set_new(s, "merged_from", part);
    /* Amendments to the details record: the reasons a case was closed or
     * transferred, and any other note added beside the details. */
    if (st == CL_OK)
        st = cl_rows_json(db, "SELECT a.id, a.author, a.at, a.text FROM amendments a JOIN students s"
                              " ON a.record_id = s.record_id WHERE s.id = ? ORDER BY a.at, a.id", id, note_keys,
                          "reading the student", &part);
    if (st == CL_OK)
        json_object_set_new(s, "notes", part);
    if (st != CL_OK) {
        json_decref(s);
        return st;
    }
    *out = s;
    return CL_OK;
}

cl_status cl_reason_check(const char *reason, const char *what, size_t max)
{
    if (!reason || !*reason)
        return cl_fail(CL_EUSAGE, _("%s needs a reason (--reason TEXT)"), what);
    if (!cl_utf8_valid(reason, strlen(reason)))
        return cl_fail(CL_EDATA, _("the reason is not valid UTF-8; nothing was changed"));
    if (cl_utf8_length(reason) > max)
        return cl_fail(CL_EDATA, _("the reason is %zu characters long; at most %zu fit"), cl_utf8_length(reason), max);
    return CL_OK;
}

cl_status cl_student_close(cl_vault *v, long long id, const char *status, const char *reason)
{
    if (!status || (strcmp(status, "closed") != 0 && strcmp(status, "transferred") != 0))
        return cl_fail(CL_EUSAGE, _("a case closes as \"closed\" or \"transferred\" (--status), not \"%s\""),
                       status ? status : "");
    cl_status st = cl_reason_check(reason, "closing a case", CLOSE_REASON_MAX);
    if (st != CL_OK)
        return st;
    sqlite3 *db = cl_vault_db(v);
    cl_tx tx;
    st = cl_tx_begin(db, &tx);
    if (st != CL_OK)
        return st;
    long long rid = 0, version = 0;
    st = student_record(db, id, &rid, &version);
    json_t *changes = json_pack("{s:s}", "status", status);
    if (st == CL_OK)
        st = cl_record_edit_tx(v, rid, version, changes, NULL, NULL);
    json_decref(changes);
    char *text = NULL;
    if (st == CL_OK) {
        text = cl_strdup_printf("%s: %s", strcmp(status, "closed") == 0 ? "结案 Closed" : "转出 Transferred", reason);
        st = text ? CL_OK : cl_fail(CL_ESOFTWARE, _("out of memory"));
    }
    sqlite3_stmt *q;
    char now[32];
    cl_now_iso(now);
    if (st == CL_OK)
        st = cl_db_prepare(db, "INSERT INTO amendments(record_id, author, at, text) VALUES (?, ?, ?, ?)", &q);
    if (st == CL_OK) {
        sqlite3_bind_int64(q, 1, rid);
        sqlite3_bind_text(q, 2, cl_vault_user(v), -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 3, now, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 4, text, -1, SQLITE_STATIC);
        if (sqlite3_step(q) != SQLITE_DONE)
            st = cl_db_fail(db, "saving the reason");
        sqlite3_finalize(q);
    }
    free(text);
    if (st == CL_OK) {
        char target[48];
        snprintf(target, sizeof target, "student %lld", id);
        st = cl_vault_audit(v, "student.close", target, status);
    }
    return cl_tx_end(&tx, st);
}

/* Number and name of a student that is not merged, for the merge. */
static cl_status live_student(sqlite3 *db, long long id, char **number)
{
    sqlite3_stmt *q;
    cl_status st = cl_db_prepare(db, "SELECT number, merged_into FROM students WHERE id = ?", &q);
    if (st != CL_OK)
        return st;
    sqlite3_bind_int64(q, 1, id);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_DONE)
        st = cl_fail(CL_ENOTFOUND, _("there is no student #%lld (`carelog student list` shows them)"), id);
    else if (rc != SQLITE_ROW)
        st = cl_db_fail(db, "reading the student");
    else if (sqlite3_column_type(q, 1) != SQLITE_NULL)
        st = cl_fail(CL_EDATA, _("student #%lld was already merged into #%lld"), id, (long long)sqlite3_column_int64(q, 1));
    else if (!(*number = strdup((const char *)sqlite3_column_text(q, 0))))
        st = cl_fail(CL_ESOFTWARE, _("out of memory"));
    sqlite3_finalize(q);
    return st;
}

static cl_status exec_ids(sqlite3 *db, const char *sql, long long a, long long b, const char *what, int *changes)
{
    sqlite3_stmt *q;
    cl_status st = cl_db_prepare(db, sql, &q);
    if (st != CL_OK)
        return st;
    sqlite3_bind_int64(q, 1, a);
    sqlite3_bind_int64(q, 2, b);
    if (sqlite3_step(q) != SQLITE_DONE)
        st = cl_db_fail(db, what);
    else if (changes)
        *changes = sqlite3_changes(db);
    sqlite3_finalize(q);
    return st;
}

cl_status cl_student_merge(cl_vault *v, long long keep, long long from)
{
    if (keep == from)
        return cl_fail(CL_EUSAGE, _("a student cannot be merged into itself (#%lld)"), keep);
    sqlite3 *db = cl_vault_db(v);
    cl_tx tx;
    cl_status st = cl_tx_begin(db, &tx);
    if (st != CL_OK)
        return st;
    char *keep_no = NULL, *from_no = NULL;
    int moved = 0, flags = 0;
    st = live_student(db, keep, &keep_no);
    if (st == CL_OK)
        st = live_student(db, from, &from_no);
    if (st == CL_OK)
        st = exec_ids(db, "UPDATE records SET student_id = ?1 WHERE student_id = ?2 AND kind != 'student'", keep, from,
                      "moving the records", &moved);
    if (st == CL_OK)
        st = exec_ids(db, "UPDATE flags SET student_id = ?1 WHERE student_id = ?2", keep, from, "moving the flags",
                      &flags);
    if (st == CL_OK)
        st = exec_ids(db, "UPDATE students SET merged_into = ?1 WHERE id = ?2", keep, from, "marking the merge", NULL);
    if (st == CL_OK)
        st = cl_student_refresh_risk_tx(db, keep);
    /* keep first: the obligations of the moved records go with them. */
    if (st == CL_OK)
        st = cl_followup_touch_tx(db, keep);
    if (st == CL_OK)
        st = cl_followup_touch_tx(db, from);
    if (st == CL_OK) {
        char target[48];
        snprintf(target, sizeof target, "student %lld", keep);
        char *detail = cl_strdup_printf("student #%lld (number %s) merged into #%lld (number %s): %d records and %d "
                                        "flags moved; #%lld and its own details kept, marked merged; nothing deleted",
                                        from, from_no, keep, keep_no, moved, flags, from);
        st = detail ? cl_vault_audit(v, "student.merge", target, detail) : cl_fail(CL_ESOFTWARE, _("out of memory"));
        free(detail);
    }
    free(keep_no);
    free(from_no);
    return cl_tx_end(&tx, st);
}

cl_status cl_student_not_duplicate(cl_vault *v, long long a, long long b)
{
    if (a == b)
        return cl_fail(CL_EUSAGE, _("name two different students"));
    sqlite3 *db = cl_vault_db(v);
    cl_tx tx;
    cl_status st = cl_tx_begin(db, &tx);
    if (st != CL_OK)
        return st;
    char *na = NULL, *nb = NULL;
    st = live_student(db, a, &na);
    if (st == CL_OK)
        st = live_student(db, b, &nb);
    free(na);
    free(nb);
    if (st == CL_OK)
        st = exec_ids(db, "INSERT OR IGNORE INTO not_duplicates(a, b) VALUES (min(?1, ?2), max(?1, ?2))", a, b,
                      "saving the pair", NULL);
    if (st == CL_OK) {
        char target[64];
        snprintf(target, sizeof target, "students %lld %lld", a < b ? a : b, a < b ? b : a);
        st = cl_vault_audit(v, "student.not-duplicate", target, NULL);
    }
    return cl_tx_end(&tx, st);
}

cl_status cl_student_clear_flag(cl_vault *v, long long flag_id, const char *reason)
{
    cl_status st = cl_reason_check(reason, "clearing a flag", FLAG_REASON_MAX);
    if (st != CL_OK)
        return st;
    sqlite3 *db = cl_vault_db(v);
    cl_tx tx;
    st = cl_tx_begin(db, &tx);
    if (st != CL_OK)
        return st;
    sqlite3_stmt *q;
    st = cl_db_prepare(db, "SELECT student_id, flag, cleared_at, cleared_by FROM flags WHERE id = ?", &q);
    long long student = 0;
    char *flag = NULL;
    if (st == CL_OK) {
        sqlite3_bind_int64(q, 1, flag_id);
        int rc = sqlite3_step(q);
        if (rc == SQLITE_DONE)
            st = cl_fail(CL_ENOTFOUND, _("there is no flag #%lld (`carelog student show` lists a student's flags)"),
                         flag_id);
        else if (rc != SQLITE_ROW)
            st = cl_db_fail(db, "reading the flag");
        else if (sqlite3_column_type(q, 2) != SQLITE_NULL)
            st = cl_fail(CL_EDATA, _("flag #%lld was already cleared at %s by %s"), flag_id,
                         (const char *)sqlite3_column_text(q, 2), (const char *)sqlite3_column_text(q, 3));
        else {
            student = sqlite3_column_int64(q, 0);
            flag = strdup((const char *)sqlite3_column_text(q, 1));
        }
        sqlite3_finalize(q);
    }
    char now[32];
    cl_now_iso(now);
    if (st == CL_OK)
        st = cl_db_prepare(db, "UPDATE flags SET cleared_at = ?, cleared_by = ?, cleared_reason = ? WHERE id = ?", &q);
    if (st == CL_OK) {
        sqlite3_bind_text(q, 1, now, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 2, cl_vault_user(v), -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 3, reason, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 4, flag_id);
        if (sqlite3_step(q) != SQLITE_DONE)
            st = cl_db_fail(db, "clearing the flag");
        sqlite3_finalize(q);
    }
    if (st == CL_OK)
        st = cl_followup_touch_state_tx(db, student);
    if (st == CL_OK) {
        char target[48];
        snprintf(target, sizeof target, "flag %lld", flag_id);
        char *detail = cl_strdup_printf("student #%lld: %s", student, flag ? flag : "");
        st = detail ? cl_vault_audit(v, "flag.clear", target, detail) : cl_fail(CL_ESOFTWARE, _("out of memory"));
        free(detail);
    }
    free(flag);
    return cl_tx_end(&tx, st);
}

cl_status cl_student_audit_view(cl_vault *v, long long id)
{
    return cl_audit_view_tx(v, "student.view", "student", id);
}
