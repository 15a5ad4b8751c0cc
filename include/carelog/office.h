/* Offices and schools: the parties a referral travels between.
 *
 * A protection office (未保站 / 检察院 / 民政) keeps an office vault: the same
 * vault mechanism as a school's (key slots, encrypted database), marked as
 * an office, whose X25519 and Ed25519 keys it receives and signs with. Its
 * public side is office.pub. A school adds an office by its office.pub, or,
 * for an office without carelog, by its age recipient and minisign public
 * key; an office trusts a school by the school's vault.pub. Either way a
 * party is known by its two public keys and their fingerprint, which two
 * people compare over the phone. */
#ifndef CARELOG_OFFICE_H
#define CARELOG_OFFICE_H

#include <jansson.h>
#include <stdbool.h>

#include "carelog/secret.h"
#include "carelog/status.h"
#include "carelog/vault.h"

#define CL_PARTY_NAME_MAX 200

typedef struct cl_party {
    char kind[8];                    /* "school" or "office" */
    char name[CL_PARTY_NAME_MAX + 1];
    char vault_id[33];               /* hex; "" for an office without carelog */
    unsigned char x25519[32];        /* age recipient */
    unsigned char ed25519[32];       /* minisign key */
    char fingerprint[24];
} cl_party;

/* Reads a vault.pub or office.pub text. The fingerprint line must match
 * the keys (a damaged or edited file is refused, CL_EDATA). */
cl_status cl_party_parse_pub(const char *text, cl_party *out);
/* Reads dir's office.pub if it has one, else its vault.pub (no unlock). */
cl_status cl_party_read_own(const char *dir, cl_party *out);
/* This vault as a party (its kind by its role). */
cl_status cl_party_of_vault(cl_vault *v, cl_party *out);
/* A party from an age recipient ("age1…") and a minisign public key
 * ("RWQ…" or a minisign.pub text): an office without carelog. */
cl_status cl_party_from_keys(const char *name, const char *age_recipient, const char *minisign_key, cl_party *out);
/* {kind, name, vault_id, fingerprint, age_recipient, minisign_public_key,
 *  minisign_key_id} */
json_t *cl_party_json(const cl_party *p);

/* True when the vault is an office vault. */
bool cl_vault_is_office(cl_vault *v);
/* CL_EUSAGE naming what cannot be done unless the vault's role is the one
 * wanted (office true: an office vault). */
cl_status cl_vault_require_role(cl_vault *v, bool office, const char *doing);

/* Turns a newly made vault into an office vault named name and writes its
 * office.pub (mode 0644). Audited (office.init). */
cl_status cl_office_init(cl_vault *v, const char *name);

/* School side: adds an office (a name used nowhere else, and keys no other
 * office has). Audited (office.add). CL_ECANTCREATE for a name or keys
 * already added. */
cl_status cl_office_add(cl_vault *v, const cl_party *office);
/* [{id, name, fingerprint, age_recipient, minisign_public_key, source
 *   ("office.pub" or "keys"), added_at, added_by}] by name. Audited. */
cl_status cl_office_list(cl_vault *v, json_t **out);
/* School side: removes an office added by mistake or no longer used.
 * Refused (CL_ECONFLICT, naming why) once a bundle was sent to it: its
 * keys stay so that its receipts and status updates can still be
 * verified. Audited (office.remove). CL_ENOTFOUND. */
cl_status cl_office_remove(cl_vault *v, const char *name);
/* An office by name: its row id and keys. CL_ENOTFOUND naming `office add`. */
cl_status cl_office_find(cl_vault *v, const char *name, long long *id, cl_party *out);

/* Trusts a school by its vault.pub under a name: in an office vault, a
 * school whose referral bundles it opens (audited school.trust); in a
 * school vault, a school it sends students to and takes them from
 * (transfer.h; audited school.add). */
cl_status cl_school_trust(cl_vault *v, const char *name, const cl_party *school);
/* [{id, name, fingerprint, vault_id, minisign_key_id, added_at, added_by}]. Audited. */
cl_status cl_school_list(cl_vault *v, json_t **out);

#endif
