/* Offices and schools as parties: their public files, the school's list of
 * offices and the office's list of trusted schools. */
#include "carelog/office.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bundle_internal.h"
#include "carelog/age.h"
#include "carelog/clock.h"
#include "carelog/file.h"
#include "carelog/i18n.h"
#include "carelog/keyslot.h"
#include "carelog/minisign.h"
#include "carelog/storage.h"
#include "carelog/text.h"

cl_status party_secret(cl_vault *v, const char *which, size_t len, cl_secret **out)
{
    cl_status st = cl_secret_new(len, out);
    if (st == CL_OK && (st = cl_meta_get_blob(cl_vault_db(v), which, (*out)->bytes, len)) != CL_OK) {
        cl_secret_free(*out);
        *out = NULL;
    }
    return st;
}

cl_status party_tx_begin(cl_vault *v, bool *savepoint)
{
    sqlite3 *db = cl_vault_db(v);
    *savepoint = !sqlite3_get_autocommit(db);
    return *savepoint ? cl_db_exec(db, "SAVEPOINT cl_party") : cl_db_begin(db);
}

cl_status party_tx_end(cl_vault *v, bool savepoint, cl_status st)
{
    sqlite3 *db = cl_vault_db(v);
    if (!savepoint) {
        if (st == CL_OK)
            return cl_db_commit(db);
        cl_db_rollback(db);
        return st;
    }
    if (st == CL_OK)
        return cl_db_exec(db, "RELEASE cl_party");
    sqlite3_exec(db, "ROLLBACK TO cl_party; RELEASE cl_party", NULL, NULL, NULL);
    return st;
}

/* "key: value" lines; copies value (up to the line's end) into out. */
static bool pub_field(const char *text, const char *key, char *out, size_t size)
{
    size_t kn = strlen(key);
    for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
        if (strncmp(p, key, kn) == 0 && p[kn] == ':' && p[kn + 1] == ' ') {
            const char *v = p + kn + 2, *end = strchr(v, '\n');
            size_t n = end ? (size_t)(end - v) : strlen(v);
            if (n > 0 && v[n - 1] == '\r')
                n--;
            if (n >= size)
                return false;
            memcpy(out, v, n);
            out[n] = '\0';
            return true;
        }
    }
    return false;
}

static bool b64_key(const char *text, unsigned char out[32])
{
    return cl_base64_decode_exact(text, strlen(text), out, 32);
}

cl_status cl_party_parse_pub(const char *text, cl_party *out)
{
    memset(out, 0, sizeof *out);
    const char *name_key;
    if (strncmp(text, "carelog-vault-public 1\n", 23) == 0) {
        snprintf(out->kind, sizeof out->kind, "school");
        name_key = "school";
    } else if (strncmp(text, "carelog-office-public 1\n", 24) == 0) {
        snprintf(out->kind, sizeof out->kind, "office");
        name_key = "office";
    } else {
        return cl_fail(CL_EDATA, _("this is not a carelog vault.pub or office.pub file"));
    }
    char x64[64], ed64[64], fp[32];
    if (!pub_field(text, name_key, out->name, sizeof out->name) || !pub_field(text, "x25519", x64, sizeof x64) ||
        !pub_field(text, "ed25519", ed64, sizeof ed64) || !pub_field(text, "fingerprint", fp, sizeof fp) ||
        !b64_key(x64, out->x25519) || !b64_key(ed64, out->ed25519))
        return cl_fail(CL_EDATA, _("the public file is incomplete or damaged (it needs its name, x25519, ed25519 "
                                   "and fingerprint lines); ask for a fresh copy"));
    if (!pub_field(text, "vault-id", out->vault_id, sizeof out->vault_id))
        out->vault_id[0] = '\0';
    cl_vault_fingerprint_of(out->x25519, out->ed25519, out->fingerprint);
    if (strcmp(fp, out->fingerprint) != 0)
        return cl_fail(CL_EDATA, _("the public file's fingerprint line (%s) does not match its keys (%s): the file "
                                   "was changed; ask for a fresh copy and compare the fingerprint by phone"),
                       fp, out->fingerprint);
    return CL_OK;
}

cl_status cl_party_read_own(const char *dir, cl_party *out)
{
    static const char *const names[] = {"office.pub", "vault.pub"};
    for (int i = 0; i < 2; i++) {
        size_t n = strlen(dir) + 16;
        char *path = malloc(n);
        if (!path)
            return cl_fail(CL_ESOFTWARE, _("out of memory"));
        snprintf(path, n, "%s/%s", dir, names[i]);
        struct stat sb;
        if (i == 0 && stat(path, &sb) != 0) {
            free(path);
            continue;
        }
        unsigned char *text;
        size_t len;
        cl_status st = cl_file_read(path, 8192, &text, &len);
        free(path);
        if (st != CL_OK)
            return st == CL_ENOTFOUND ? cl_fail(CL_ENOTFOUND, _("there is no vault at %s (no vault.pub); name it with "
                                                                "--vault DIR"), dir)
                                      : st;
        st = cl_party_parse_pub((const char *)text, out);
        free(text);
        return st;
    }
    return CL_ESOFTWARE;
}

void party_from_row(sqlite3_stmt *q, const char *kind, long long *id, cl_party *out)
{
    memset(out, 0, sizeof *out);
    *id = sqlite3_column_int64(q, 0);
    snprintf(out->kind, sizeof out->kind, "%s", kind);
    snprintf(out->name, sizeof out->name, "%s", (const char *)sqlite3_column_text(q, 1));
    snprintf(out->vault_id, sizeof out->vault_id, "%s", (const char *)sqlite3_column_text(q, 2));
    if (sqlite3_column_bytes(q, 3) == 32 && sqlite3_column_bytes(q, 4) == 32) {
        memcpy(out->x25519, sqlite3_column_blob(q, 3), 32);
        memcpy(out->ed25519, sqlite3_column_blob(q, 4), 32);
    }
    snprintf(out->fingerprint, sizeof out->fingerprint, "%s", (const char *)sqlite3_column_text(q, 5));
}

static cl_status vault_public_keys(cl_vault *v, unsigned char x[32], unsigned char ed[32])
{
    cl_status st = cl_meta_get_blob(cl_vault_db(v), "x25519_public", x, 32);
    return st == CL_OK ? cl_meta_get_blob(cl_vault_db(v), "ed25519_public", ed, 32) : st;
}

bool cl_vault_is_office(cl_vault *v)
{
    char *role = NULL;
    bool office = cl_meta_get_text(cl_vault_db(v), "role", &role) == CL_OK && role && strcmp(role, "office") == 0;
    free(role);
    cl_error_clear();
    return office;
}

cl_status cl_vault_require_role(cl_vault *v, bool office, const char *doing)
{
    if (cl_vault_is_office(v) == office)
        return CL_OK;
    return office ? cl_fail(CL_EUSAGE, _("%s needs an office vault; this is a school's vault (name the office's "
                                         "with --vault DIR)"), doing)
                  : cl_fail(CL_EUSAGE, _("%s needs a school's vault; this is an office vault (name the school's "
                                         "with --vault DIR)"), doing);
}

cl_status cl_party_of_vault(cl_vault *v, cl_party *out)
{
    memset(out, 0, sizeof *out);
    snprintf(out->kind, sizeof out->kind, "%s", cl_vault_is_office(v) ? "office" : "school");
    snprintf(out->name, sizeof out->name, "%s", cl_vault_school(v));
    unsigned char id[CL_VAULT_ID_BYTES];
    cl_status st = cl_meta_get_blob(cl_vault_db(v), "vault_id", id, sizeof id);
    if (st == CL_OK)
        st = vault_public_keys(v, out->x25519, out->ed25519);
    if (st != CL_OK)
        return st;
    sodium_bin2hex(out->vault_id, sizeof out->vault_id, id, sizeof id);
    snprintf(out->fingerprint, sizeof out->fingerprint, "%s", cl_vault_fingerprint(v));
    return CL_OK;
}

cl_status cl_party_from_keys(const char *name, const char *age_recipient, const char *minisign_key, cl_party *out)
{
    memset(out, 0, sizeof *out);
    snprintf(out->kind, sizeof out->kind, "office");
    snprintf(out->name, sizeof out->name, "%s", name);
    cl_status st = cl_age_recipient_parse(age_recipient, out->x25519);
    cl_minisign_key k;
    if (st == CL_OK)
        st = cl_minisign_key_parse(minisign_key, &k);
    if (st != CL_OK)
        return st;
    memcpy(out->ed25519, k.pk, 32);
    cl_vault_fingerprint_of(out->x25519, out->ed25519, out->fingerprint);
    return CL_OK;
}

json_t *cl_party_json(const cl_party *p)
{
    char age[CL_AGE_RECIPIENT_MAX], mk[CL_MINISIGN_KEY_TEXT_MAX], id[17];
    cl_minisign_key k;
    cl_age_recipient_format(p->x25519, age);
    cl_minisign_key_of(p->ed25519, &k);
    cl_minisign_key_base64(&k, mk);
    cl_minisign_key_id_hex(k.id, id);
    return json_pack("{s:s, s:s, s:s?, s:s, s:s, s:s, s:s}", "kind", p->kind, "name", p->name, "vault_id",
                     p->vault_id[0] ? p->vault_id : NULL, "fingerprint", p->fingerprint, "age_recipient", age,
                     "minisign_public_key", mk, "minisign_key_id", id);
}

static cl_status write_office_pub(cl_vault *v, const cl_party *p)
{
    char x64[64], ed64[64], text[1024];
    sodium_bin2base64(x64, sizeof x64, p->x25519, 32, sodium_base64_VARIANT_ORIGINAL);
    sodium_bin2base64(ed64, sizeof ed64, p->ed25519, 32, sodium_base64_VARIANT_ORIGINAL);
    int len = snprintf(text, sizeof text,
                       "carelog-office-public 1\nvault-id: %s\noffice: %s\nx25519: %s\ned25519: %s\nfingerprint: %s\n",
                       p->vault_id, p->name, x64, ed64, p->fingerprint);
    size_t n = strlen(cl_vault_dir(v)) + 16;
    char *path = malloc(n);
    if (!path)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    snprintf(path, n, "%s/office.pub", cl_vault_dir(v));
    cl_status st = cl_file_write_atomic(path, text, (size_t)len);
    if (st == CL_OK)
        chmod(path, 0644);
    free(path);
    return st;
}

static cl_status check_name(const char *what, const char *name)
{
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n > CL_PARTY_NAME_MAX || !cl_utf8_valid(name, n))
        return cl_fail(CL_EUSAGE, _("the %s must be 1 to %d bytes of valid UTF-8"), what, CL_PARTY_NAME_MAX);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
            return cl_fail(CL_EUSAGE, _("the %s may not hold control characters"), what);
    return CL_OK;
}

cl_status cl_office_init(cl_vault *v, const char *name)
{
    cl_status st = check_name(_("office name"), name);
    if (st != CL_OK)
        return st;
    bool sp;
    st = party_tx_begin(v, &sp);
    if (st == CL_OK)
        st = cl_meta_set_text(cl_vault_db(v), "role", "office");
    if (st == CL_OK)
        st = cl_vault_audit(v, "office.init", "office", name);
    st = party_tx_end(v, sp, st);
    cl_party p;
    if (st == CL_OK)
        st = cl_party_of_vault(v, &p);
    if (st == CL_OK) {
        snprintf(p.name, sizeof p.name, "%s", name);
        st = write_office_pub(v, &p);
    }
    return st;
}

/* Inserts a party row; CL_ECANTCREATE naming the clash. */
static cl_status insert_party(cl_vault *v, const char *table, const char *name, const cl_party *p,
                              const char *source)
{
    sqlite3 *db = cl_vault_db(v);
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT name FROM %s WHERE name = ? OR fingerprint = ?", table);
    sqlite3_stmt *q;
    cl_status st = cl_db_prepare(db, sql, &q);
    if (st != CL_OK)
        return st;
    sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, p->fingerprint, -1, SQLITE_STATIC);
    if (sqlite3_step(q) == SQLITE_ROW) {
        st = cl_fail(CL_ECANTCREATE, _("\"%s\" is already added (same name or same keys as \"%s\"); nothing changed"),
                     name, (const char *)sqlite3_column_text(q, 0));
        sqlite3_finalize(q);
        return st;
    }
    sqlite3_finalize(q);
    char at[32];
    cl_time_iso(cl_now(), at, sizeof at);
    snprintf(sql, sizeof sql,
             "INSERT INTO %s(name, vault_id, x25519, ed25519, fingerprint, source, added_at, added_by)"
             " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", table);
    st = cl_db_prepare(db, sql, &q);
    if (st != CL_OK)
        return st;
    sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, p->vault_id, -1, SQLITE_STATIC);
    sqlite3_bind_blob(q, 3, p->x25519, 32, SQLITE_STATIC);
    sqlite3_bind_blob(q, 4, p->ed25519, 32, SQLITE_STATIC);
    sqlite3_bind_text(q, 5, p->fingerprint, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 6, source, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 7, at, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 8, cl_vault_user(v), -1, SQLITE_STATIC);
    if (sqlite3_step(q) != SQLITE_DONE)
        st = cl_db_fail(db, "adding the party");
    sqlite3_finalize(q);
    return st;
}

static cl_status add_party(cl_vault *v, bool office_vault, const char *table, const char *action,
                           const cl_party *p, const char *source)
{
    cl_status st = cl_vault_require_role(v, office_vault, action);
    if (st == CL_OK)
        st = check_name(_("name"), p->name);
    if (st != CL_OK)
        return st;
    cl_party own;
    st = cl_party_of_vault(v, &own);
    if (st == CL_OK && strcmp(own.fingerprint, p->fingerprint) == 0)
        return cl_fail(CL_EUSAGE, _("these are this vault's own keys; add the other side's public file"));
    bool sp;
    st = party_tx_begin(v, &sp);
    if (st == CL_OK)
        st = insert_party(v, table, p->name, p, source);
    if (st == CL_OK) {
        char detail[300];
        snprintf(detail, sizeof detail, "%s %s", p->fingerprint, source);
        st = cl_vault_audit(v, action, p->name, detail);
    }
    return party_tx_end(v, sp, st);
}

cl_status cl_office_add(cl_vault *v, const cl_party *office)
{
    if (strcmp(office->kind, "office") != 0)
        return cl_fail(CL_EUSAGE, _("this is a school's vault.pub, not an office's office.pub"));
    return add_party(v, false, "offices", "office.add", office, office->vault_id[0] ? "office.pub" : "keys");
}

cl_status cl_school_trust(cl_vault *v, const char *name, const cl_party *school)
{
    if (strcmp(school->kind, "school") != 0)
        return cl_fail(CL_EUSAGE, _("this is an office's office.pub, not a school's vault.pub"));
    cl_party named = *school;
    snprintf(named.name, sizeof named.name, "%s", name);
    /* An office trusts the schools that send it bundles; a school, the
     * schools it sends students to and receives them from. */
    bool office = cl_vault_is_office(v);
    return add_party(v, office, "trusted_schools", office ? "school.trust" : "school.add", &named, "vault.pub");
}

static cl_status list_parties(cl_vault *v, const char *table, const char *action, json_t **out)
{
    sqlite3 *db = cl_vault_db(v);
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT id, name, vault_id, x25519, ed25519, fingerprint, source, added_at, added_by FROM %s "
             "ORDER BY name", table);
    sqlite3_stmt *q;
    cl_status st = cl_db_prepare(db, sql, &q);
    if (st != CL_OK)
        return st;
    json_t *list = json_array();
    while (sqlite3_step(q) == SQLITE_ROW) {
        cl_party p;
        long long id;
        party_from_row(q, strcmp(table, "offices") == 0 ? "office" : "school", &id, &p);
        json_t *o = cl_party_json(&p);
        json_object_set_new(o, "id", json_integer(id));
        json_object_set_new(o, "source", json_string((const char *)sqlite3_column_text(q, 6)));
        json_object_set_new(o, "added_at", json_string((const char *)sqlite3_column_text(q, 7)));
        json_object_set_new(o, "added_by", json_string((const char *)sqlite3_column_text(q, 8)));
        json_array_append_new(list, o);
    }
    sqlite3_finalize(q);
    bool sp;
    st = party_tx_begin(v, &sp);
    if (st == CL_OK)
        st = cl_vault_audit(v, action, table, "");
    st = party_tx_end(v, sp, st);
    if (st != CL_OK) {
        json_decref(list);
        return st;
    }
    *out = list;
    return CL_OK;
}

cl_status cl_office_list(cl_vault *v, json_t **out)
{
    cl_status st = cl_vault_require_role(v, false, "office list");
    return st == CL_OK ? list_parties(v, "offices", "office.list", out) : st;
}

cl_status cl_school_list(cl_vault *v, json_t **out)
{
    return list_parties(v, "trusted_schools", "school.list", out);
}

cl_status cl_office_find(cl_vault *v, const char *name, long long *id, cl_party *out)
{
    sqlite3_stmt *q;
    cl_status st = cl_db_prepare(cl_vault_db(v),
                                 "SELECT id, name, vault_id, x25519, ed25519, fingerprint FROM offices WHERE name = ?",
                                 &q);
    if (st != CL_OK)
        return st;
    sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
    if (sqlite3_step(q) != SQLITE_ROW || sqlite3_column_bytes(q, 3) != 32 || sqlite3_column_bytes(q, 4) != 32) {
        sqlite3_finalize(q);
        return cl_fail(CL_ENOTFOUND, _("there is no office \"%s\" in this vault; add it with `carelog office add "
                                       "NAME office.pub` (`carelog office list` shows those added)"), name);
    }
    party_from_row(q, "office", id, out);
    sqlite3_finalize(q);
    return CL_OK;
}

cl_status cl_office_remove(cl_vault *v, const char *name)
{
    cl_status st = cl_vault_require_role(v, false, "office.remove");
    long long id = 0;
    cl_party p;
    if (st == CL_OK)
        st = cl_office_find(v, name, &id, &p);
    if (st != CL_OK)
        return st;
    sqlite3 *db = cl_vault_db(v);
    bool sp;
    st = party_tx_begin(v, &sp);
    sqlite3_stmt *q = NULL;
    if (st == CL_OK)
        st = cl_db_prepare(db, "SELECT count(*) FROM bundle_exports WHERE office_id = ?", &q);
    long long sent = 0;
    if (st == CL_OK) {
        sqlite3_bind_int64(q, 1, id);
        if (sqlite3_step(q) == SQLITE_ROW)
            sent = sqlite3_column_int64(q, 0);
        else
            st = cl_db_fail(db, "reading the bundles sent");
    }
    sqlite3_finalize(q);
    if (st == CL_OK && sent > 0)
        st = cl_fail(CL_ECONFLICT,
                     ngettext("%lld bundle was sent to the office %s, so it stays: its receipts and status updates "
                              "are checked against its keys",
                              "%lld bundles were sent to the office %s, so it stays: its receipts and status updates "
                              "are checked against its keys",
                              (unsigned long)sent),
                     sent, p.name);
    if (st == CL_OK)
        st = cl_db_prepare(db, "DELETE FROM offices WHERE id = ?", &q);
    if (st == CL_OK) {
        sqlite3_bind_int64(q, 1, id);
        if (sqlite3_step(q) != SQLITE_DONE)
            st = cl_db_fail(db, "removing the office");
        sqlite3_finalize(q);
    }
    if (st == CL_OK)
        st = cl_vault_audit(v, "office.remove", p.name, p.fingerprint);
    return party_tx_end(v, sp, st);
}
