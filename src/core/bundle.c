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
#include "carelog/referral.h"
#include "carelog/storage.h"
#include "carelog/summary.h"

#define PLAIN_MAX (64u << 20)

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

cl_status cl_bundle_summary_files(cl_vault *v, long long referral_id, cl_bundle_file **files, size_t *n)
{
    /* The summary the office prints and files, the same as Markdown, and
     * the same as data (the office lists referrals from its JSON). */
    static const char *const formats[][2] = {{"pdf", "referral.pdf"}, {"md", "referral.md"}, {"json", "referral.json"}};
    size_t count = sizeof formats / sizeof *formats;
    cl_bundle_file *f = calloc(count, sizeof *f);
    if (!f)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    cl_status st = CL_OK;
    for (size_t i = 0; i < count && st == CL_OK; i++) {
        unsigned char *bytes = NULL;
        size_t len = 0;
        st = cl_summary_referral(v, referral_id, NULL, formats[i][0], &bytes, &len);
        if (st != CL_OK)
            break;
        f[i].data = malloc(len ? len : 1);
        if (f[i].data) {
            memcpy(f[i].data, bytes, len);
            f[i].len = len;
            snprintf(f[i].name, sizeof f[i].name, "%s", formats[i][1]);
        } else {
            st = cl_fail(CL_ESOFTWARE, _("out of memory"));
        }
        cl_doc_bytes_free(bytes, len);
    }
    if (st != CL_OK) {
        cl_bundle_files_free(f, count);
        return st;
    }
    *files = f;
    *n = count;
    return CL_OK;
}

const char *bundle_base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

cl_status bundle_check_file_name(const char *file)
{
    const char *base = bundle_base_name(file);
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

cl_status bundle_build_archive(const json_t *manifest_head, const cl_bundle_file *files, size_t n, cl_age_buf *tar)
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

/* The audit log's newest entry ({entry, hash}), which the bundle's
 * signature then carries out of the school: a later rewrite of the log
 * before that point no longer matches what the office holds. */
json_t *bundle_audit_head(cl_vault *v)
{
    sqlite3_stmt *q;
    json_t *head = json_null();
    if (cl_db_prepare(cl_vault_db(v), "SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1", &q) != CL_OK)
        return head;
    if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_bytes(q, 1) > 0 && sqlite3_column_bytes(q, 1) <= 64) {
        char hex[129];
        sodium_bin2hex(hex, sizeof hex, sqlite3_column_blob(q, 1), (size_t)sqlite3_column_bytes(q, 1));
        head = json_pack("{s:I, s:s}", "entry", (json_int_t)sqlite3_column_int64(q, 0), "hash", hex);
    }
    sqlite3_finalize(q);
    return head;
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

typedef struct sent_referral {
    long long referral_id, office_id;
    const char *export_id, *file, *sha, *at;
    char *state; /* 32 bytes, the referral's state after sending */
    const cl_party *to;
} sent_referral;

/* The export, and a draft referral moved to "reported" with the bundle's
 * hash in its history. */
static cl_status record_sent_referral(cl_vault *v, void *ctx)
{
    sent_referral *s = ctx;
    cl_status st = record_export(v, s->referral_id, s->office_id, s->export_id, s->file, s->sha, s->at);
    if (st == CL_OK && strcmp(s->state, "draft") == 0) {
        char note[600];
        snprintf(note, sizeof note, _("sent to %s (%s) as bundle %s, SHA-256 %s"), s->to->name, s->to->fingerprint,
                 s->export_id, s->sha);
        st = cl_referral_move(v, s->referral_id, "reported", note);
        if (st == CL_OK)
            snprintf(s->state, 32, "reported");
    }
    return st;
}

cl_status cl_bundle_export_referral(cl_vault *v, long long referral_id, const char *office, const char *file,
                                    json_t **result)
{
    cl_status st = cl_vault_require_role(v, false, "export referral --bundle");
    if (st == CL_OK)
        st = bundle_check_file_name(file);
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
                       referral_id, def && strcmp(cl_i18n_language(), "en") != 0 ? def->label_zh : state);
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
                             to.fingerprint, "created_at", at, "file_name", bundle_base_name(file));
    json_object_set_new(head, "audit_head", bundle_audit_head(v));
    cl_bundle_file *files = NULL;
    size_t n = 0;
    cl_age_buf tar = {0};
    st = cl_bundle_summary_files(v, referral_id, &files, &n);
    if (st == CL_OK)
        st = bundle_build_archive(head, files, n, &tar);
    cl_bundle_files_free(files, n);
    json_decref(head);
    char comment[CL_MINISIGN_COMMENT_MAX + 1], sha[65] = "";
    snprintf(comment, sizeof comment, "carelog-bundle v1 export=%s referral=%lld school=%s to=%s at=%s file=%s",
             export_id, referral_id, own.fingerprint, to.fingerprint, at, bundle_base_name(file));
    if (st == CL_OK)
        st = envelope_seal(v, to.x25519, tar.data, tar.len, comment, "carelog referral bundle signed by a school",
                           file, sha);
    cl_age_buf_wipe(&tar);
    if (st != CL_OK)
        return st;
    sent_referral sent = {referral_id, office_id, export_id, file, sha, at, state, &to};
    char target[32], detail[400];
    snprintf(target, sizeof target, "record:%lld", referral_id);
    snprintf(detail, sizeof detail, "bundle %s to %s sha256 %s", export_id, to.fingerprint, sha);
    st = envelope_commit(v, file, record_sent_referral, &sent, "bundle.export", target, detail);
    if (st != CL_OK)
        return st;
    char sig[1100];
    snprintf(sig, sizeof sig, "%s.minisig", file);
    *result = json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "export_id", export_id, "referral_id",
                        (json_int_t)referral_id, "office", to.name, "office_fingerprint", to.fingerprint, "file", file,
                        "signature", sig, "sha256", sha, "at", at, "state", state);
    return CL_OK;
}
