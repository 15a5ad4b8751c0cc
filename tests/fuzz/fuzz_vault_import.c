/* A vault export is outside input: it may come from another school's
 * carelog or be edited by hand. Any document must either import whole or be
 * refused with nothing changed. Each input gets a fresh vault (minimum
 * passphrase cost), so this target is slow; it exists to replay its corpus
 * under the sanitizers and for long runs when the importer changes. */
#include <ftw.h>
#include <jansson.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "carelog/secret.h"
#include "carelog/storage.h"
#include "carelog/transfer.h"
#include "carelog/vault.h"

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

static long long count(cl_vault *v, const char *sql)
{
    sqlite3_stmt *q;
    long long n = -1;
    if (sqlite3_prepare_v2(cl_vault_db(v), sql, -1, &q, NULL) == SQLITE_OK) {
        if (sqlite3_step(q) == SQLITE_ROW)
            n = sqlite3_column_int64(q, 0);
        sqlite3_finalize(q);
    }
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *doc = json_loadb((const char *)data, size, 0, NULL);
    if (!doc)
        return 0;
    static int ready;
    if (!ready) {
        if (sodium_init() < 0)
            abort();
        setenv("CARELOG_TEST_FAST_KDF", "1", 1);
        ready = 1;
    }
    char dir[] = "/tmp/carelog-fuzz-XXXXXX";
    if (!mkdtemp(dir)) {
        json_decref(doc);
        return 0;
    }
    char vault_dir[64];
    snprintf(vault_dir, sizeof vault_dir, "%s/v", dir);
    cl_secret *pass = NULL, *recovery = NULL;
    cl_vault *v = NULL;
    if (cl_secret_copy((const unsigned char *)"fuzz passphrase", 15, &pass) == CL_OK &&
        cl_vault_init(vault_dir, "fuzz", "fuzzer", pass, &recovery, &v) == CL_OK) {
        long long audit_before = count(v, "SELECT count(*) FROM audit");
        json_t *summary = NULL;
        if (cl_transfer_import(v, doc, &summary) != CL_OK) {
            /* Refused: nothing may have changed. */
            if (count(v, "SELECT count(*) FROM students") != 0 || count(v, "SELECT count(*) FROM records") != 0 ||
                count(v, "SELECT count(*) FROM audit") != audit_before)
                abort();
        }
        json_decref(summary);
    }
    cl_vault_close(v);
    cl_secret_free(pass);
    cl_secret_free(recovery);
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    json_decref(doc);
    return 0;
}
