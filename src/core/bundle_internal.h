/* What the office, bundle and receipt sources share; not a public face. */
#ifndef CARELOG_BUNDLE_INTERNAL_H
#define CARELOG_BUNDLE_INTERNAL_H

#include <jansson.h>
#include <sqlite3.h>
#include <stddef.h>

#include "carelog/age.h"
#include "carelog/minisign.h"
#include "carelog/office.h"
#include "carelog/secret.h"
#include "carelog/vault.h"

/* One of the vault's own keys from its database: "x25519_secret" (32
 * bytes) or "ed25519_secret" (64), into protected memory. */
cl_status party_secret(cl_vault *v, const char *which, size_t len, cl_secret **out);

/* A party from a row whose first columns are id, name, vault_id,
 * x25519, ed25519, fingerprint (offices, trusted_schools). */
void party_from_row(sqlite3_stmt *q, const char *kind, long long *id, cl_party *out);

/* A new random id (32 hex digits) and the time now (UTC ISO). */
void party_new_id(char id[33], char at[32]);

/* One transaction, or a savepoint inside the caller's. */
cl_status party_tx_begin(cl_vault *v, bool *savepoint);
cl_status party_tx_end(cl_vault *v, bool savepoint, cl_status st);

/* A minisign signature by this vault's Ed25519 key over data (the
 * .minisig file's text, malloc'd). */
cl_status envelope_sign(cl_vault *v, const unsigned char *data, size_t len, const char *trusted_comment,
                        const char *untrusted_comment, char **sig);

/* A signed, encrypted file pair: FILE (age, to the recipients) and
 * FILE.minisig (minisign by this vault over FILE), both 0600, neither
 * replacing anything. The plaintext stays in memory. *sha256_hex receives
 * the hash of FILE as written (65 bytes). */
cl_status envelope_seal(cl_vault *v, const unsigned char *recipient_x25519, const unsigned char *plain,
                        size_t plain_len, const char *trusted_comment, const char *untrusted_comment,
                        const char *file, char sha256_hex[65]);

/* After envelope_seal has written the pair: record what was sent
 * (record(v, ctx)) and audit it (action, target, detail) in one
 * transaction, or a savepoint inside the caller's; when that fails, FILE
 * and FILE.minisig are removed, so nothing stays out that the vault does
 * not know it sent. */
typedef cl_status (*envelope_record_fn)(cl_vault *v, void *ctx);
cl_status envelope_commit(cl_vault *v, const char *file, envelope_record_fn record, void *ctx, const char *action,
                          const char *target, const char *detail);

/* An arriving pair, read and its signature parsed (not yet verified).
 * sig_hash identifies the signature (BLAKE2b-256 of its key id, signature
 * and global signature): a replay is the same signature again, whatever
 * ids the plaintext .minisig shows, so a file from another sender that
 * reuses a legitimate id cannot block the legitimate one. */
typedef struct envelope {
    unsigned char *cipher;
    size_t cipher_len;
    cl_minisign_sig sig;
    char sha256[65];
    unsigned char sig_hash[32];
} envelope;
cl_status envelope_read(const char *file, envelope *out);
/* The same, in a vault of the role that takes such files in (office true:
 * an office vault), for doing (the command, named in the refusal). */
cl_status envelope_open(cl_vault *v, bool office, const char *doing, const char *file, envelope *out);
void envelope_free(envelope *e);
/* Decrypts with this vault's X25519 key into memory (at most max bytes). */
cl_status envelope_decrypt(cl_vault *v, const envelope *e, size_t max, cl_age_buf *out);

/* The trusted party (a school on the office side, from trusted_schools;
 * an office on the school side, from offices) whose minisign key made sig;
 * CL_EPERM naming the key id and the way out when none did. */
cl_status party_signer(cl_vault *v, const char *table, const cl_minisign_sig *sig, long long *id, cl_party *out);
/* The envelope's signature verifies under signer's key. */
cl_status party_verify(const cl_party *signer, const envelope *e);

/* The value of "key=" in a trusted comment of space-separated key=value
 * words ("file=" runs to the end); NULL when absent. malloc'd. */
char *comment_value(const char *comment, const char *key);

/* A small ustar archive in memory: add files, then the end. */
cl_status tar_add(cl_age_buf *tar, const char *name, const unsigned char *data, size_t len);
cl_status tar_end(cl_age_buf *tar);
/* Walks an archive: each regular file's name and content (pointing into
 * data). Anything but plain files with simple names is refused. */
typedef cl_status (*tar_entry_fn)(void *ctx, const char *name, const unsigned char *data, size_t len);
cl_status tar_walk(const unsigned char *data, size_t len, tar_entry_fn fn, void *ctx);

/* What kind of archive a bundle is: the manifest's "format", its field
 * for what is sent ("referral_id") and the trusted comment's word for it
 * ("referral"), and the same for the bundle's own id ("export_id",
 * "export"). */
typedef struct bundle_kind {
    const char *format, *id_key, *comment_key, *export_key, *comment_export_key;
} bundle_kind;
extern const bundle_kind bundle_referral, bundle_transfer;

/* A decrypted bundle's archive, checked: the manifest agrees with the
 * trusted comment and the fingerprints, and lists exactly the other files
 * with their hashes. data points into the plaintext given. */
#define BUNDLE_MAX_FILES 16
typedef struct bundle_archive {
    char names[BUNDLE_MAX_FILES][100];
    const unsigned char *data[BUNDLE_MAX_FILES];
    size_t len[BUNDLE_MAX_FILES];
    size_t n, manifest_at;
    json_t *manifest; /* owned; json_decref when done */
} bundle_archive;
cl_status bundle_read_archive(const bundle_kind *kind, const unsigned char *plain, size_t len, const char *comment,
                              const char *school_fp, const char *own_fp, bundle_archive *a);
/* The archive's file by name, or NULL. */
const unsigned char *bundle_archive_file(const bundle_archive *a, const char *name, size_t *len);

/* The archive of a bundle: manifest.json (manifest_head with "files"
 * added: each file's name, size, SHA-256 and BLAKE2b-256) first, then the
 * files. */
typedef struct cl_bundle_file cl_bundle_file;
cl_status bundle_build_archive(const json_t *manifest_head, const cl_bundle_file *files, size_t n, cl_age_buf *tar);
/* The audit log's newest entry {entry, hash} (JSON null for none). */
json_t *bundle_audit_head(cl_vault *v);
/* -o FILE's last part is a name a trusted comment can carry. */
cl_status bundle_check_file_name(const char *file);
const char *bundle_base_name(const char *path);

/* Is sig_hash in table's signature_hash column already? CL_ECANTCREATE
 * with the refusal message given when it is. */
cl_status envelope_seen(cl_vault *v, const char *table, const envelope *e, const char *refusal);

/* A decrypted receipt, checked against its trusted comment and the two
 * fingerprints; *out is the receipt's JSON. */
cl_status receipt_read(const unsigned char *plain, size_t len, const char *comment, const char *office_fp,
                       const char *own_fp, json_t **out);

/* Lower-case hex SHA-256 and BLAKE2b-256 of data. */
void hash_sha256_hex(const unsigned char *data, size_t len, char out[65]);
void hash_blake2b_hex(const unsigned char *data, size_t len, char out[65]);

#endif
