/* An audit anchor is outside input (`audit verify --anchor FILE` reads any
 * file: an anchor, a backup, a vault export): any bytes must be refused
 * cleanly or checked against the log. The log here is a plain in-memory
 * database holding the tables the check reads, with a fixed key pair. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <sqlite3.h>

#include "carelog/audit.h"
#include "carelog/storage.h"

static sqlite3 *db;

static void setup(void)
{
    if (sodium_init() < 0 || sqlite3_open(":memory:", &db) != SQLITE_OK)
        abort();
    unsigned char seed[crypto_sign_SEEDBYTES] = {1}, pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
    unsigned char id[16] = {0xca, 0xfe};
    crypto_sign_seed_keypair(pk, sk, seed);
    if (cl_db_exec(db, "CREATE TABLE meta(key TEXT PRIMARY KEY, value);"
                       "CREATE TABLE audit(id INTEGER PRIMARY KEY, at TEXT, actor TEXT, action TEXT, target TEXT,"
                       " detail TEXT, prev_hash BLOB, hash BLOB)") != CL_OK ||
        cl_meta_set_blob(db, "vault_id", id, sizeof id) != CL_OK ||
        cl_meta_set_blob(db, "ed25519_public", pk, sizeof pk) != CL_OK ||
        cl_meta_set_blob(db, "ed25519_secret", sk, sizeof sk) != CL_OK)
        abort();
    for (int i = 0; i < 3; i++)
        if (cl_audit_append(db, "fuzz", "record.view", "record 1", NULL) != CL_OK)
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!db)
        setup();
    long long anchored;
    cl_status st = cl_audit_verify_anchor(db, (const char *)data, size, "fuzz input", &anchored);
    if (st == CL_OK && (anchored < 0 || anchored > 3))
        abort();
    /* The vault's own anchor always verifies. */
    char *own;
    if (cl_audit_anchor(db, &own) != CL_OK || cl_audit_verify_anchor(db, own, strlen(own), "own", &anchored) != CL_OK ||
        anchored != 3)
        abort();
    free(own);
    return 0;
}
