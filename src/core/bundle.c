/* Referral bundles: the summary files, the export from a school vault and
 * the opening in an office vault. The envelope (age + minisign + ustar)
 * is in envelope.c. */
#include "carelog/bundle.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bundle_internal.h"
#include "carelog/clock.h"
#include "carelog/i18n.h"
#include "carelog/office.h"
#include "carelog/record.h"
#include "carelog/referral.h"
#include "carelog/storage.h"
#include "carelog/student.h"
#include "carelog/summary.h"

#define PLAIN_MAX (64u << 20)
#define TIMELINE_MAX 2000

void cl_bundle_files_free(cl_bundle_file *files, size_t n)
{
    for (size_t i = 0; files && i < n; i++) {
        if (files[i].data) {
            sodium_memzero(files[i].data, files[i].len);
            free(files[i].data);
        }
    }
    free(files);
}

/* The referral, its student and the student's records, as JSON. */
static cl_status summary_json(cl_vault *v, long long referral_id, json_t **out)
{
    json_t *history = NULL, *referral = NULL, *student = NULL, *list = NULL;
    cl_status st = cl_referral_history(v, referral_id, &history);
    if (st == CL_OK)
        st = cl_record_get(v, referral_id, false, &referral);
    long long student_id = history ? json_integer_value(json_object_get(history, "student_id")) : 0;
    if (st == CL_OK)
        st = cl_student_get(v, student_id, &student);
    cl_record_filter filter = {.student_id = student_id, .limit = TIMELINE_MAX};
    if (st == CL_OK)
        st = cl_record_list(v, &filter, &list);
    json_t *timeline = json_array();
    size_t i;
    json_t *item;
    if (st == CL_OK)
        json_array_foreach(list, i, item) {
            json_t *rec;
            long long id = json_integer_value(json_object_get(item, "id"));
            if (id == referral_id)
                continue;
            if ((st = cl_record_get(v, id, false, &rec)) != CL_OK)
                break;
            json_array_append_new(timeline, rec);
        }
    json_decref(list);
    if (st != CL_OK) {
        json_decref(history), json_decref(referral), json_decref(student), json_decref(timeline);
        return st;
    }
    char now[32];
    cl_time_iso(cl_now(), now, sizeof now);
    *out = json_pack("{s:s, s:i, s:s, s:s, s:s, s:o, s:o, s:o, s:o}", "format", "carelog-referral-summary",
                     "version", 1, "school", cl_vault_school(v), "vault_fingerprint", cl_vault_fingerprint(v),
                     "generated_at", now, "referral", referral, "state_history",
                     json_incref(json_object_get(history, "transitions")), "student", student, "timeline", timeline);
    json_decref(history);
    return *out ? CL_OK : cl_fail(CL_ESOFTWARE, _("out of memory"));
}

/* referral.json for programs (the office files it), and the printable
 * summary the office prints and files: summary.pdf, with summary.md for
 * reading anywhere (summary.h). */
cl_status cl_bundle_summary_files(cl_vault *v, long long referral_id, cl_bundle_file **files, size_t *n)
{
    *files = NULL;
    *n = 0;
    json_t *summary;
    cl_status st = summary_json(v, referral_id, &summary);
    if (st != CL_OK)
        return st;
    char *text = json_dumps(summary, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(summary);
    cl_bundle_file *f = calloc(3, sizeof *f);
    if (!text || !f) {
        free(text), free(f);
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    }
    snprintf(f[0].name, sizeof f[0].name, "referral.json");
    f[0].data = (unsigned char *)text;
    f[0].len = strlen(text);
    snprintf(f[1].name, sizeof f[1].name, "summary.pdf");
    st = cl_summary_referral(v, referral_id, NULL, "pdf", &f[1].data, &f[1].len);
    snprintf(f[2].name, sizeof f[2].name, "summary.md");
    if (st == CL_OK)
        st = cl_summary_referral(v, referral_id, NULL, "md", &f[2].data, &f[2].len);
    if (st != CL_OK) {
        cl_bundle_files_free(f, 3);
        return st;
    }
    *files = f;
    *n = 3;
    return CL_OK;
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static cl_status check_file_name(const char *file)
{
    const char *base = base_name(file);
    if (!*base || strlen(base) > 200)
        return cl_fail(CL_EUSAGE, _("name the bundle's file with -o FILE (at most 200 bytes)"));
    for (const char *p = base; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            return cl_fail(CL_EUSAGE, _("the bundle's file name may not hold control characters"));
    return CL_OK;
}

static json_t *file_entry(const char *name, const unsigned char *data, size_t len)
{
    char sha[65], b2[65];
    hash_sha256_hex(data, len, sha);
    hash_blake2b_hex(data, len, b2);
    return json_pack("{s:s, s:I, s:s, s:s}", "name", name, "size", (json_int_t)len, "sha256", sha, "blake2b", b2);
}

/* Builds the archive (manifest first) for the bundle. */
static cl_status build_archive(const json_t *manifest_head, const cl_bundle_file *files, size_t n, cl_age_buf *tar)
{
    json_t *manifest = json_deep_copy(manifest_head), *list = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, file_entry(files[i].name, files[i].data, files[i].len));
    json_object_set_new(manifest, "files", list);
    char *text = json_dumps(manifest, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(manifest);
    if (!text)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    cl_status st = tar_add(tar, "manifest.json", (const unsigned char *)text, strlen(text));
    free(text);
    for (size_t i = 0; i < n && st == CL_OK; i++)
        st = tar_add(tar, files[i].name, files[i].data, files[i].len);
    return st == CL_OK ? tar_end(tar) : st;
}

static cl_status record_export(cl_vault *v, long long referral_id, long long office_id, const char *export_id,
                               const char *file, const char *sha, const char *at)
{
    sqlite3_stmt *q;
    cl_status st = cl_db_prepare(cl_vault_db(v), "INSERT INTO bundle_exports(export_id, record_id, office_id, file,"
                                                 " sha256, at, actor) VALUES (?, ?, ?, ?, ?, ?, ?)", &q);
    if (st != CL_OK)
        return st;
    sqlite3_bind_text(q, 1, export_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, referral_id);
    sqlite3_bind_int64(q, 3, office_id);
    sqlite3_bind_text(q, 4, file, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 5, sha, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 6, at, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 7, cl_vault_user(v), -1, SQLITE_STATIC);
    if (sqlite3_step(q) != SQLITE_DONE)
        st = cl_db_fail(cl_vault_db(v), "recording the bundle");
    sqlite3_finalize(q);
    return st;
}

cl_status cl_bundle_export_referral(cl_vault *v, long long referral_id, const char *office, const char *file,
                                    json_t **result)
{
    cl_status st = cl_vault_require_role(v, false, "export referral --bundle");
    if (st == CL_OK)
        st = check_file_name(file);
    json_t *history = NULL;
    if (st == CL_OK)
        st = cl_referral_history(v, referral_id, &history);
    if (st != CL_OK)
        return st;
    char state[32];
    snprintf(state, sizeof state, "%s", json_string_value(json_object_get(history, "state")));
    json_decref(history);
    const cl_referral_state *def = cl_referral_state_find(state);
    if (!def || !def->open)
        return cl_fail(CL_EUSAGE, _("referral %lld is %s; a closed or withdrawn referral is not sent again"),
                       referral_id, state);
    long long office_id;
    cl_party to, own;
    st = cl_office_find(v, office, &office_id, &to);
    if (st == CL_OK)
        st = cl_party_of_vault(v, &own);
    if (st != CL_OK)
        return st;
    char export_id[33], at[32];
    party_new_id(export_id, at);
    json_t *head = json_pack("{s:s, s:i, s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "format",
                             "carelog-referral-bundle", "version", 1, "export_id", export_id, "referral_id",
                             (json_int_t)referral_id, "school", own.name, "school_vault_id", own.vault_id,
                             "school_fingerprint", own.fingerprint, "recipient", to.name, "recipient_fingerprint",
                             to.fingerprint, "created_at", at, "file_name", base_name(file));
    cl_bundle_file *files = NULL;
    size_t n = 0;
    cl_age_buf tar = {0};
    st = cl_bundle_summary_files(v, referral_id, &files, &n);
    if (st == CL_OK)
        st = build_archive(head, files, n, &tar);
    cl_bundle_files_free(files, n);
    json_decref(head);
    char comment[CL_MINISIGN_COMMENT_MAX + 1], sha[65] = "";
    snprintf(comment, sizeof comment, "carelog-bundle v1 export=%s referral=%lld school=%s to=%s at=%s file=%s",
             export_id, referral_id, own.fingerprint, to.fingerprint, at, base_name(file));
    if (st == CL_OK)
        st = envelope_seal(v, to.x25519, tar.data, tar.len, comment, "carelog referral bundle signed by a school",
                           file, sha);
    cl_age_buf_wipe(&tar);
    if (st != CL_OK)
        return st;
    bool sp;
    st = party_tx_begin(v, &sp);
    if (st == CL_OK)
        st = record_export(v, referral_id, office_id, export_id, file, sha, at);
    if (st == CL_OK && strcmp(state, "draft") == 0) {
        char note[600];
        snprintf(note, sizeof note, _("sent to %s (%s) as bundle %s, SHA-256 %s"), to.name, to.fingerprint,
                 export_id, sha);
        st = cl_referral_move(v, referral_id, "reported", note);
        if (st == CL_OK)
            snprintf(state, sizeof state, "reported");
    }
    if (st == CL_OK) {
        char target[32], detail[400];
        snprintf(target, sizeof target, "record:%lld", referral_id);
        snprintf(detail, sizeof detail, "bundle %s to %s sha256 %s", export_id, to.fingerprint, sha);
        st = cl_vault_audit(v, "bundle.export", target, detail);
    }
    st = party_tx_end(v, sp, st);
    char sig[1100];
    snprintf(sig, sizeof sig, "%s.minisig", file);
    if (st != CL_OK) {
        unlink(file);
        unlink(sig);
        return st;
    }
    *result = json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "export_id", export_id, "referral_id",
                        (json_int_t)referral_id, "office", to.name, "office_fingerprint", to.fingerprint, "file", file,
                        "signature", sig, "sha256", sha, "at", at, "state", state);
    return CL_OK;
}
