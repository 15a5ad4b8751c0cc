/* Counsellors, passphrases and the recovery key: who can open the vault. */
#include "carelog/vault.h"
#include "carelog/i18n.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "carelog/audit.h"
#include "carelog/clock.h"
#include "carelog/file.h"
#include "carelog/keyslot.h"
#include "carelog/storage.h"
#include "vault_internal.h"

cl_status vault_load_slots(const cl_vault *v, cl_keyslots **ks, char **ks_path)
{
    *ks_path = vault_path_in(v->dir, "keyslots");
    if (!*ks_path)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    cl_status st = cl_keyslots_load(*ks_path, ks);
    if (st == CL_OK && memcmp(cl_keyslots_vault_id(*ks), v->vault_id, CL_VAULT_ID_BYTES) != 0) {
        cl_keyslots_free(*ks);
        st = cl_fail(CL_EDATA, _("the keyslots file was replaced by another vault's while open"));
    }
    if (st != CL_OK)
        free(*ks_path);
    return st;
}

cl_status vault_counsellor_slot(cl_vault *v, const char *name, unsigned char slot_id[CL_SLOT_ID_BYTES])
{
    sqlite3_stmt *q;
    cl_status st = cl_db_prepare(v->db, "SELECT slot_id FROM counsellors WHERE name = ? AND removed_at IS NULL", &q);
    if (st != CL_OK)
        return st;
    sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
    if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_bytes(q, 0) == CL_SLOT_ID_BYTES)
        memcpy(slot_id, sqlite3_column_blob(q, 0), CL_SLOT_ID_BYTES);
    else
        st = cl_fail(CL_ENOTFOUND, _("there is no counsellor named \"%s\"; `carelog counsellor list` shows them"), name);
    sqlite3_finalize(q);
    return st;
}

/* The rekey of a counsellor's removal needs the only connection: find out
 * before changing anything (switching journal modes needs it too). */
cl_status vault_require_exclusive(sqlite3 *db)
{
    sqlite3_stmt *q;
    bool alone = false;
    cl_db_checkpoints_stop(db); /* this process's second connection */
    if (sqlite3_prepare_v2(db, "PRAGMA journal_mode = DELETE", -1, &q, NULL) == SQLITE_OK) {
        const char *mode = sqlite3_step(q) == SQLITE_ROW ? (const char *)sqlite3_column_text(q, 0) : NULL;
        alone = mode && strcmp(mode, "delete") == 0;
        sqlite3_finalize(q);
    }
    cl_status st = cl_db_exec(db, "PRAGMA journal_mode = WAL");
    if (!alone)
        return cl_fail(CL_ECONFLICT, _("the vault is open in another carelog; close it there, then try again "
                                     "(nothing was changed)"));
    return st;
}

cl_status vault_require_counsellor(const cl_vault *v, const char *doing)
{
    if (v->recovery)
        return cl_fail(CL_EPERM, _("%s needs a counsellor's passphrase; after a recovery unlock, set a new "
                                 "passphrase first (`carelog --recovery passwd --user NAME`)"), doing);
    return CL_OK;
}

/* Every change to the keyslots file happens under the database's write lock
 * (BEGIN IMMEDIATE): two carelogs changing slots at once would otherwise
 * each save their own copy, and one slot would be lost. The file is read
 * once the lock is held, changed, and saved; the transaction — the audit
 * entry and any counsellor row — commits only after the save, so a crash
 * leaves at worst a slot no name points to, never a name without a slot. */
typedef cl_status (*slots_change)(cl_vault *v, cl_keyslots *ks, void *ctx);

static cl_status change_slots(cl_vault *v, slots_change change, void *ctx)
{
    cl_status st = cl_db_begin(v->db);
    if (st != CL_OK)
        return st;
    cl_keyslots *ks = NULL;
    char *ks_path = NULL;
    st = vault_load_slots(v, &ks, &ks_path);
    cl_test_pause("keyslots-loaded");
    if (st == CL_OK)
        st = change(v, ks, ctx);
    if (st == CL_OK)
        st = cl_keyslots_save(ks, ks_path);
    if (st == CL_OK)
        st = cl_db_commit(v->db);
    else
        cl_db_rollback(v->db);
    cl_keyslots_free(ks);
    free(ks_path);
    return st;
}

typedef struct new_counsellor {
    const char *name;
    const cl_secret *pass;
} new_counsellor;

static cl_status add_slot(cl_vault *v, cl_keyslots *ks, void *ctx)
{
    const new_counsellor *c = ctx;
    cl_kdf kdf;
    unsigned char slot_id[CL_SLOT_ID_BYTES];
    char now[32];
    cl_time_iso(cl_now(), now, sizeof now);
    cl_status st = cl_kdf_calibrate(&kdf);
    if (st == CL_OK)
        st = cl_keyslots_add(ks, CL_SLOT_PASSPHRASE, c->pass, &kdf, v->key, slot_id);
    sqlite3_stmt *q;
    if (st == CL_OK)
        st = cl_db_prepare(v->db, "INSERT INTO counsellors(name, slot_id, created_at) VALUES (?, ?, ?)"
                                  " ON CONFLICT(name) DO UPDATE SET slot_id = excluded.slot_id,"
                                  " created_at = excluded.created_at, removed_at = NULL WHERE removed_at IS NOT NULL", &q);
    if (st == CL_OK) {
        sqlite3_bind_text(q, 1, c->name, -1, SQLITE_STATIC);
        sqlite3_bind_blob(q, 2, slot_id, CL_SLOT_ID_BYTES, SQLITE_STATIC);
        sqlite3_bind_text(q, 3, now, -1, SQLITE_STATIC);
        if (sqlite3_step(q) != SQLITE_DONE)
            st = cl_db_fail(v->db, "adding the counsellor");
        else if (sqlite3_changes(v->db) == 0)
            st = cl_fail(CL_ECANTCREATE, _("there is already a counsellor named \"%s\""), c->name);
        sqlite3_finalize(q);
    }
    return st == CL_OK ? cl_vault_audit(v, "counsellor.add", c->name, NULL) : st;
}

cl_status cl_vault_counsellor_add(cl_vault *v, const char *name, const cl_secret *pass)
{
    cl_status st = vault_check_name("counsellor name", name);
    if (st == CL_OK)
        st = vault_require_counsellor(v, "adding a counsellor");
    new_counsellor c = {name, pass};
    return st == CL_OK ? change_slots(v, add_slot, &c) : st;
}

typedef struct removal {
    const char *name;
} removal;

/* The last counsellor stays: CL_EUSAGE. */
static cl_status not_the_last(cl_vault *v, const char *name)
{
    sqlite3_stmt *q;
    cl_status st = cl_db_prepare(v->db, "SELECT count(*) FROM counsellors WHERE removed_at IS NULL", &q);
    if (st != CL_OK)
        return st;
    int active = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int(q, 0) : 0;
    sqlite3_finalize(q);
    return active <= 1 ? cl_fail(CL_EUSAGE, _("\"%s\" is the last counsellor; add another before removing this one"), name)
                       : CL_OK;
}

/* Step 1 of a removal: the name is marked removed and the slot goes (the
 * next key is then sealed to every remaining slot). */
static cl_status remove_slot(cl_vault *v, cl_keyslots *ks, void *ctx)
{
    removal *r = ctx;
    unsigned char slot_id[CL_SLOT_ID_BYTES];
    cl_status st = vault_counsellor_slot(v, r->name, slot_id);
    sqlite3_stmt *q;
    /* Again under the write lock: another carelog may have removed one. */
    if (st == CL_OK)
        st = not_the_last(v, r->name);
    char now[32];
    cl_time_iso(cl_now(), now, sizeof now);
    if (st == CL_OK)
        st = cl_db_prepare(v->db, "UPDATE counsellors SET removed_at = ?, slot_id = NULL WHERE name = ?", &q);
    if (st == CL_OK) {
        sqlite3_bind_text(q, 1, now, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 2, r->name, -1, SQLITE_STATIC);
        if (sqlite3_step(q) != SQLITE_DONE)
            st = cl_db_fail(v->db, "removing the counsellor");
        sqlite3_finalize(q);
    }
    if (st == CL_OK)
        st = cl_vault_audit(v, "counsellor.remove", r->name, "database key rotated");
    /* The slot may be gone already: a removal that crashed after saving
     * the keyslots file and is now run again. */
    if (st == CL_OK && cl_keyslots_has(ks, slot_id))
        st = cl_keyslots_remove(ks, slot_id);
    return st;
}

/* A change of the slots that also rotates the database key: the change,
 * then the next key sealed to every slot (committed only after keyslots
 * are saved); then the rekey; then the next key becomes the current one.
 * A crash before the save changes nothing; one after it leaves the
 * rotation pending, which cl_vault_open finishes. */
typedef struct rotation {
    slots_change change;
    void *ctx;
    cl_secret *next; /* the key the database moves to */
} rotation;

static cl_status change_and_seal_next(cl_vault *v, cl_keyslots *ks, void *ctx)
{
    rotation *r = ctx;
    cl_status st = r->change(v, ks, r->ctx);
    if (st == CL_OK)
        st = cl_secret_random(CL_DB_KEY_BYTES, &r->next);
    if (st == CL_OK)
        st = cl_keyslots_seal_next(ks, r->next);
    return st;
}

static cl_status change_slots_rotating(cl_vault *v, slots_change change, void *ctx)
{
    /* A refusal before vault_require_exclusive, whose switch of journal
     * modes rewrites the database header, leaves the files as they were. */
    cl_status st = vault_require_exclusive(v->db);
    if (st != CL_OK)
        return st;
    rotation r = {change, ctx, NULL};
    st = change_slots(v, change_and_seal_next, &r);
    cl_crash_point("rotate-after-seal");
    if (st != CL_OK) {
        cl_secret_free(r.next);
        return st;
    }
    cl_keyslots *ks;
    char *ks_path;
    st = vault_load_slots(v, &ks, &ks_path);
    if (st == CL_OK) {
        st = vault_finish_rotation(v, ks, ks_path, r.next, false);
        cl_keyslots_free(ks);
        free(ks_path);
    } else {
        cl_secret_free(r.next);
    }
    return st;
}

cl_status cl_vault_counsellor_remove(cl_vault *v, const char *name)
{
    cl_status st = vault_require_counsellor(v, "removing a counsellor");
    unsigned char slot_id[CL_SLOT_ID_BYTES];
    if (st == CL_OK)
        st = vault_counsellor_slot(v, name, slot_id);
    if (st == CL_OK)
        st = not_the_last(v, name);
    if (st != CL_OK)
        return st;
    removal r = {name};
    return change_slots_rotating(v, remove_slot, &r);
}

cl_status cl_vault_counsellor_list(cl_vault *v, json_t **out)
{
    sqlite3_stmt *q;
    cl_status st = cl_db_prepare(v->db, "SELECT name, created_at FROM counsellors WHERE removed_at IS NULL ORDER BY id", &q);
    if (st != CL_OK)
        return st;
    json_t *list = json_array();
    while (sqlite3_step(q) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(q, 0);
        json_array_append_new(list, json_pack("{s:s, s:s, s:b}", "name", name, "since",
                                              (const char *)sqlite3_column_text(q, 1), "current",
                                              !v->recovery && strcmp(name, v->user) == 0));
    }
    sqlite3_finalize(q);
    *out = list;
    return CL_OK;
}

typedef struct passphrase_change {
    const char *name;
    const cl_secret *pass;
    bool rotate;
    unsigned char slot_id[CL_SLOT_ID_BYTES];
} passphrase_change;

static cl_status reset_slot(cl_vault *v, cl_keyslots *ks, void *ctx)
{
    passphrase_change *c = ctx;
    cl_kdf kdf;
    cl_status st = vault_counsellor_slot(v, c->name, c->slot_id);
    if (st == CL_OK)
        st = cl_kdf_calibrate(&kdf);
    if (st == CL_OK)
        st = cl_keyslots_reset(ks, c->slot_id, c->pass, &kdf, v->key);
    if (st == CL_OK)
        st = cl_vault_audit(v, "counsellor.passphrase", c->name,
                            v->recovery ? "replaced with the recovery key"
                                        : c->rotate ? "database key rotated" : NULL);
    cl_crash_point("passwd-before-save");
    return st;
}

cl_status cl_vault_set_passphrase(cl_vault *v, const char *name, const cl_secret *pass)
{
    return cl_vault_change_passphrase(v, name, pass, false);
}

cl_status cl_vault_change_passphrase(cl_vault *v, const char *name, const cl_secret *pass, bool rotate)
{
    if (!name) {
        if (v->recovery)
            return cl_fail(CL_EUSAGE, _("name the counsellor whose passphrase to set (--user NAME)"));
        name = v->user;
    } else if (!v->recovery && strcmp(name, v->user) != 0) {
        return cl_fail(CL_EPERM, _("only %s can change that passphrase (or anyone holding the recovery key)"), name);
    }
    passphrase_change c = {.name = name, .pass = pass, .rotate = rotate};
    cl_status st = rotate ? change_slots_rotating(v, reset_slot, &c) : change_slots(v, reset_slot, &c);
    if (st == CL_OK && v->recovery) {
        /* From now on the vault acts as that counsellor. */
        char *user = strdup(name);
        if (!user)
            return cl_fail(CL_ESOFTWARE, _("out of memory"));
        free(v->user);
        v->user = user;
        v->recovery = false;
        memcpy(v->slot_id, c.slot_id, CL_SLOT_ID_BYTES);
    }
    return st;
}

static cl_status replace_recovery_slot(cl_vault *v, cl_keyslots *ks, void *ctx)
{
    cl_secret **recovery = ctx;
    cl_kdf kdf;
    cl_status st = cl_kdf_calibrate(&kdf);
    if (st == CL_OK)
        st = vault_new_recovery_key(recovery);
    /* Only the new recovery slot remains: an old printed key stops working. */
    while (st == CL_OK && cl_keyslots_count(ks, CL_SLOT_RECOVERY) > 0) {
        unsigned char id[CL_SLOT_ID_BYTES];
        st = cl_keyslots_first(ks, CL_SLOT_RECOVERY, id);
        if (st == CL_OK)
            st = cl_keyslots_remove(ks, id);
    }
    if (st == CL_OK)
        st = cl_keyslots_add(ks, CL_SLOT_RECOVERY, *recovery, &kdf, v->key, NULL);
    if (st == CL_OK)
        st = cl_vault_audit(v, "vault.recovery-key", "vault",
                            "new recovery key; the old one no longer opens; database key rotated");
    return st;
}

cl_status cl_vault_new_recovery_key(cl_vault *v, cl_secret **recovery_key)
{
    cl_secret *recovery = NULL;
    /* Rotated too: an old keyslots file (every backup holds one) with the
     * old recovery key must not open what is written from now on. */
    cl_status st = change_slots_rotating(v, replace_recovery_slot, &recovery);
    if (st != CL_OK) {
        cl_secret_free(recovery);
        return st;
    }
    *recovery_key = recovery;
    return CL_OK;
}
