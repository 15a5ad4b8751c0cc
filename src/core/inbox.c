/* Taking teachers' sealed files into the vault. Triage is in
 * inbox_triage.c. */
#include "carelog/inbox.h"

#include <dirent.h>
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "carelog/catalog.h"
#include "carelog/file.h"
#include "carelog/i18n.h"
#include "carelog/observation.h"
#include "carelog/storage.h"
#include "carelog/teacher.h"
#include "record_internal.h"
#include "vault_internal.h"

#define HASH_BYTES 32
#define SUFFIX ".clobs"

cl_status cl_inbox_dir(cl_vault *v, char **out)
{
    char *dir = vault_path_in(cl_vault_dir(v), "inbox");
    if (!dir)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        cl_status st = cl_fail(CL_ECANTCREATE, "%s: %s", dir, strerror(errno));
        free(dir);
        return st;
    }
    *out = dir;
    return CL_OK;
}

/* The vault's key pair that teachers seal to. */
typedef struct vault_keys {
    unsigned char vault_id[CL_VAULT_ID_BYTES];
    unsigned char x_pk[CL_X25519_PUBLIC_BYTES];
    cl_secret *x_sk;
} vault_keys;

static cl_status load_keys(cl_vault *v, vault_keys *k)
{
    sqlite3 *db = cl_vault_db(v);
    cl_status st = cl_meta_get_blob(db, "vault_id", k->vault_id, sizeof k->vault_id);
    if (st == CL_OK)
        st = cl_meta_get_blob(db, "x25519_public", k->x_pk, sizeof k->x_pk);
    if (st == CL_OK)
        st = cl_secret_new(crypto_box_SECRETKEYBYTES, &k->x_sk);
    if (st == CL_OK)
        st = cl_meta_get_blob(db, "x25519_secret", k->x_sk->bytes, k->x_sk->len);
    return st;
}

/* One file's fate, filled step by step. */
typedef struct intake {
    const char *source;      /* the file's name as it arrived */
    unsigned char hash[HASH_BYTES];
    const unsigned char *data;
    size_t len;
    const char *reason;      /* set when quarantined */
    char detail[512];
    long long teacher_id;    /* 0 when unknown */
    long long form_id;
    long long row_id;        /* inbox or quarantine row */
} intake;

static bool already_taken(sqlite3 *db, const unsigned char hash[HASH_BYTES], cl_status *st)
{
    sqlite3_stmt *q;
    *st = cl_db_prepare(db, "SELECT 1 FROM inbox WHERE file_hash = ?1 UNION ALL SELECT 1 FROM quarantine WHERE file_hash = ?1",
                        &q);
    if (*st != CL_OK)
        return false;
    sqlite3_bind_blob(q, 1, hash, HASH_BYTES, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        *st = cl_db_fail(db, "reading the inbox");
    sqlite3_finalize(q);
    return rc == SQLITE_ROW;
}

static void quarantine_because(intake *in, const char *reason, const char *detail)
{
    in->reason = reason;
    snprintf(in->detail, sizeof in->detail, "%s", detail);
}

/* The enrolled teacher who signed; quarantines an unknown or revoked one. */
static cl_status find_teacher(sqlite3 *db, const cl_observation *o, intake *in)
{
    sqlite3_stmt *q;
    cl_status st = cl_db_prepare(db, "SELECT id, name, revoked_at FROM teachers WHERE public_key = ?", &q);
    if (st != CL_OK)
        return st;
    sqlite3_bind_blob(q, 1, o->teacher_key, CL_ED25519_PUBLIC_BYTES, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        in->teacher_id = sqlite3_column_int64(q, 0);
        if (sqlite3_column_type(q, 2) != SQLITE_NULL) {
            char d[400];
            snprintf(d, sizeof d, _("signed by %s, whose enrolment was revoked at %s"),
                     (const char *)sqlite3_column_text(q, 1), (const char *)sqlite3_column_text(q, 2));
            quarantine_because(in, CL_OBS_REVOKED_TEACHER, d);
        }
    } else if (rc == SQLITE_DONE) {
        char fp[24], d[400];
        cl_teacher_key_fingerprint(o->teacher_key, fp);
        snprintf(d, sizeof d, _("signed by a key no enrolled teacher holds (fingerprint %s, calling themself \"%.100s\")"),
                 fp, o->teacher_name);
        quarantine_because(in, CL_OBS_UNKNOWN_TEACHER, d);
    } else {
        st = cl_db_fail(db, "reading the teachers");
    }
    sqlite3_finalize(q);
    return st;
}

static cl_status check_replay(sqlite3 *db, const cl_observation *o, intake *in)
{
    sqlite3_stmt *q;
    cl_status st = cl_db_prepare(db, "SELECT id FROM inbox WHERE observation_id = ? OR (teacher_id = ? AND counter = ?)",
                                 &q);
    if (st != CL_OK)
        return st;
    sqlite3_bind_blob(q, 1, o->id, CL_OBSERVATION_ID_BYTES, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, in->teacher_id);
    sqlite3_bind_int64(q, 3, o->counter);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        char d[200];
        snprintf(d, sizeof d, _("the same observation (or the teacher's number %lld) already arrived as inbox #%lld"),
                 o->counter, (long long)sqlite3_column_int64(q, 0));
        quarantine_because(in, CL_OBS_REPLAYED, d);
    } else if (rc != SQLITE_DONE) {
        st = cl_db_fail(db, "reading the inbox");
    }
    sqlite3_finalize(q);
    return st;
}

/* The form version the teacher wrote with must be one the vault holds,
 * and the answers must be valid by it. */
static cl_status check_form(cl_vault *v, const cl_observation *o, intake *in)
{
    sqlite3 *db = cl_vault_db(v);
    sqlite3_stmt *q;
    cl_status st = cl_db_prepare(db, "SELECT id FROM forms WHERE kind = 'observation' AND digest = ?", &q);
    if (st != CL_OK)
        return st;
    sqlite3_bind_text(q, 1, o->form_digest, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    in->form_id = rc == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        st = cl_db_fail(db, "reading the forms");
    sqlite3_finalize(q);
    if (st != CL_OK)
        return st;
    if (!in->form_id) {
        quarantine_because(in, CL_OBS_UNKNOWN_FORM, _("written with an observation form this vault does not hold"));
        return CL_OK;
    }
    const cl_form *form;
    int version;
    st = cl_catalog_get(v, in->form_id, &form, &version);
    if (st == CL_OK && cl_form_validate(form, o->fields) != CL_OK) {
        quarantine_because(in, CL_OBS_MALFORMED, cl_error_message());
        cl_error_clear();
    }
    return st;
}

static cl_status insert_queued(cl_vault *v, const cl_observation *o, intake *in)
{
    sqlite3 *db = cl_vault_db(v);
    char now[32];
    cl_now_iso(now);
    const char *severity = cl_json_str(o->fields, "severity");
    sqlite3_stmt *q;
    cl_status st = cl_db_prepare(db, "INSERT INTO inbox(observation_id, teacher_id, counter, file_hash, received_at, "
                                     "written_at, student_number, student_name, student_class, severity, form_id, "
                                     "payload, signature) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", &q);
    if (st != CL_OK)
        return st;
    sqlite3_bind_blob(q, 1, o->id, CL_OBSERVATION_ID_BYTES, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, in->teacher_id);
    sqlite3_bind_int64(q, 3, o->counter);
    sqlite3_bind_blob(q, 4, in->hash, HASH_BYTES, SQLITE_STATIC);
    sqlite3_bind_text(q, 5, now, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 6, o->written_at, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 7, o->student_number, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 8, o->student_name, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 9, o->student_class, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 10, severity ? severity : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 11, in->form_id);
    sqlite3_bind_text(q, 12, o->payload, -1, SQLITE_STATIC);
    sqlite3_bind_blob(q, 13, o->signature, sizeof o->signature, SQLITE_STATIC);
    if (sqlite3_step(q) != SQLITE_DONE)
        st = cl_db_fail(db, "queueing the observation");
    sqlite3_finalize(q);
    if (st != CL_OK)
        return st;
    in->row_id = sqlite3_last_insert_rowid(db);
    char target[48], detail[96];
    snprintf(target, sizeof target, "inbox %lld", in->row_id);
    snprintf(detail, sizeof detail, "from teacher #%lld, severity %.16s", in->teacher_id, severity ? severity : "-");
    return cl_vault_audit(v, "inbox.receive", target, detail);
}

static cl_status insert_quarantined(cl_vault *v, intake *in)
{
    sqlite3 *db = cl_vault_db(v);
    char now[32];
    cl_now_iso(now);
    sqlite3_stmt *q;
    cl_status st = cl_db_prepare(db, "INSERT INTO quarantine(received_at, source, reason, detail, teacher_id, file_hash, "
                                     "content) VALUES (?,?,?,?,?,?,?)", &q);
    if (st != CL_OK)
        return st;
    sqlite3_bind_text(q, 1, now, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, in->source, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, in->reason, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 4, in->detail, -1, SQLITE_STATIC);
    if (in->teacher_id)
        sqlite3_bind_int64(q, 5, in->teacher_id);
    sqlite3_bind_blob(q, 6, in->hash, HASH_BYTES, SQLITE_STATIC);
    if (in->data)
        sqlite3_bind_blob(q, 7, in->data, (int)in->len, SQLITE_STATIC);
    if (sqlite3_step(q) != SQLITE_DONE)
        st = cl_db_fail(db, "quarantining the file");
    sqlite3_finalize(q);
    if (st != CL_OK)
        return st;
    in->row_id = sqlite3_last_insert_rowid(db);
    char target[48];
    snprintf(target, sizeof target, "quarantine %lld", in->row_id);
    return cl_vault_audit(v, "inbox.quarantine", target, in->reason);
}

/* Decides and writes, inside the caller's transaction. */
static cl_status take_in(cl_vault *v, const vault_keys *k, intake *in)
{
    sqlite3 *db = cl_vault_db(v);
    cl_observation *o = NULL;
    if (in->data) {
        const char *reason = CL_OBS_MALFORMED;
        if (cl_observation_open(in->data, in->len, k->vault_id, k->x_pk, k->x_sk, &o, &reason) != CL_OK) {
            quarantine_because(in, reason, cl_error_message());
            cl_error_clear();
        }
    }
    cl_status st = CL_OK;
    if (o && !in->reason)
        st = find_teacher(db, o, in);
    if (st == CL_OK && o && !in->reason)
        st = check_replay(db, o, in);
    if (st == CL_OK && o && !in->reason)
        st = check_form(v, o, in);
    if (st == CL_OK)
        st = in->reason ? insert_quarantined(v, in) : insert_queued(v, o, in);
    cl_observation_free(o);
    return st;
}

/* Whether path names a file directly inside dir, however it is spelled. */
static bool in_folder(const char *path, const char *dir)
{
    char *real_path = realpath(path, NULL), *real_dir = realpath(dir, NULL);
    size_t n = real_dir ? strlen(real_dir) : 0;
    bool yes = real_path && real_dir && strncmp(real_path, real_dir, n) == 0 && real_path[n] == '/' &&
               !strchr(real_path + n + 1, '/');
    free(real_path);
    free(real_dir);
    return yes;
}

static json_t *one_file(cl_vault *v, const vault_keys *k, const char *path, const char *inbox, cl_status *fatal)
{
    intake in = {.source = strrchr(path, '/') ? strrchr(path, '/') + 1 : path};
    unsigned char *data = NULL;
    cl_status st = cl_file_read_regular(path, CL_OBSERVATION_MAX_FILE, &data, &in.len);
    if (st == CL_EDATA) { /* larger than any observation can be */
        char mark[300];
        int n = snprintf(mark, sizeof mark, "too-large:%s", in.source);
        crypto_generichash(in.hash, HASH_BYTES, (const unsigned char *)mark, (size_t)n, NULL, 0);
        quarantine_because(&in, CL_OBS_TOO_LARGE, cl_error_message());
        cl_error_clear();
        st = CL_OK;
    } else if (st != CL_OK) {
        json_t *r = json_pack("{s:s, s:s, s:s}", "file", path, "result", "unreadable", "detail", cl_error_message());
        cl_error_clear();
        return r;
    } else {
        in.data = data;
        crypto_generichash(in.hash, HASH_BYTES, data, in.len, NULL, 0);
    }
    sqlite3 *db = cl_vault_db(v);
    const char *result = "already";
    cl_tx tx;
    st = cl_tx_begin(db, &tx);
    if (st == CL_OK) {
        bool seen = already_taken(db, in.hash, &st);
        if (st == CL_OK && !seen) {
            st = take_in(v, k, &in);
            result = in.reason ? "quarantined" : "new";
            cl_crash_point("inbox-before-commit");
        }
        st = cl_tx_end(&tx, st);
    }
    free(data);
    if (st != CL_OK) {
        *fatal = st;
        return NULL;
    }
    if (strcmp(result, "already") != 0)
        cl_crash_point("inbox-after-commit");
    /* Only now, with the content committed, may the dropped file go. */
    if (inbox && in_folder(path, inbox) && unlink(path) == 0 && cl_dir_sync(inbox) != CL_OK)
        cl_error_clear(); /* the removal is done; a failed sync only risks seeing the file again */
    json_t *r = json_pack("{s:s, s:s}", "file", path, "result", result);
    if (in.row_id)
        json_object_set_new(r, "id", json_integer(in.row_id));
    if (in.reason) {
        json_object_set_new(r, "reason", json_string(in.reason));
        json_object_set_new(r, "detail", json_string(in.detail));
    }
    return r;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Every *.clobs in inbox/, sorted so imports are repeatable. */
static cl_status dropped_files(const char *inbox, json_t **out)
{
    DIR *d = opendir(inbox);
    if (!d)
        return cl_fail(CL_EIO, "%s: %s", inbox, strerror(errno));
    size_t n = 0, cap = 16;
    char **names = malloc(cap * sizeof *names);
    struct dirent *e;
    while (names && (e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (e->d_name[0] == '.' || len <= strlen(SUFFIX) || strcmp(e->d_name + len - strlen(SUFFIX), SUFFIX) != 0)
            continue;
        if (n == cap) {
            char **grown = realloc(names, (cap *= 2) * sizeof *names);
            if (!grown)
                break;
            names = grown;
        }
        names[n++] = vault_path_in(inbox, e->d_name);
    }
    closedir(d);
    if (!names)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    qsort(names, n, sizeof *names, by_name);
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++) {
        if (names[i])
            json_array_append_new(list, json_string(names[i]));
        free(names[i]);
    }
    free(names);
    *out = list;
    return CL_OK;
}

cl_status cl_inbox_import(cl_vault *v, const char *const *paths, size_t n, json_t **report)
{
    char *inbox = NULL;
    json_t *files = NULL, *results = json_array();
    vault_keys k = {0};
    cl_status st = cl_inbox_dir(v, &inbox);
    if (st == CL_OK && n == 0)
        st = dropped_files(inbox, &files);
    if (st == CL_OK && n > 0) {
        files = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(files, json_string(paths[i]));
    }
    if (st == CL_OK && json_array_size(files) > 0)
        st = load_keys(v, &k);
    size_t i;
    json_t *f;
    json_array_foreach(files, i, f) {
        if (st != CL_OK)
            break;
        json_t *r = one_file(v, &k, json_string_value(f), inbox, &st);
        if (r)
            json_array_append_new(results, r);
    }
    cl_secret_free(k.x_sk);
    json_decref(files);
    free(inbox);
    if (st != CL_OK || !report)
        json_decref(results);
    else
        *report = results;
    return st;
}

cl_status cl_inbox_import_waiting(cl_vault *v, size_t *fresh, size_t *quarantined)
{
    *fresh = *quarantined = 0;
    char *inbox = vault_path_in(cl_vault_dir(v), "inbox");
    struct stat sb;
    bool there = inbox && stat(inbox, &sb) == 0 && S_ISDIR(sb.st_mode);
    free(inbox);
    if (!there)
        return CL_OK;
    json_t *report = NULL;
    cl_status st = cl_inbox_import(v, NULL, 0, &report);
    size_t i;
    json_t *r;
    json_array_foreach(report, i, r) {
        const char *result = json_string_value(json_object_get(r, "result"));
        *fresh += result && strcmp(result, "new") == 0;
        *quarantined += result && strcmp(result, "quarantined") == 0;
    }
    json_decref(report);
    return st;
}
