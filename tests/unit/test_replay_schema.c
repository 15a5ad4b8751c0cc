/* The schema entry that keys replays on the signature's hash rebuilds the
 * office's tables and the school's receipts (SQLite cannot drop a UNIQUE).
 * On a vault that already holds bundles, files, receipts sent and
 * receipts imported, with foreign keys enforced as carelog opens a vault:
 * every row survives with its references intact, the ids become unique per
 * sender only, and the signature's hash is unique. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "carelog/search.h"
#include "carelog/storage.h"
#include "unit_support.h"

static int replay_entry(void)
{
    for (int i = 0; cl_schema_migrations[i]; i++)
        if (strstr(cl_schema_migrations[i], "CREATE TABLE received_bundles_rebuilt"))
            return i;
    fail_msg("no schema entry rebuilds received_bundles");
    return -1;
}

static void test_rebuild_keeps_rows(void **state)
{
    (void)state;
    sqlite3 *db;
    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    OK(cl_search_register(db));
    OK(cl_db_exec(db, "PRAGMA foreign_keys = ON"));
    int entry = replay_entry();
    for (int i = 0; i < entry; i++)
        OK(cl_db_exec(db, cl_schema_migrations[i]));
    OK(cl_db_exec(db,
                  "INSERT INTO forms(id, kind, version, source, digest, imported_at) VALUES (1, 'referral', 1, 's', 'd', 'x');"
                  "INSERT INTO students(id, number, name, created_at) VALUES (1, '1', '张小明', 'x');"
                  "INSERT INTO records(id, student_id, kind, author, occurred_at, created_at, updated_at, updated_by,"
                  " form_id, fields) VALUES (1, 1, 'referral', 'w', '2026-11-01', 'x', 'x', 'w', 1, '{}');"
                  "INSERT INTO offices(id, name, x25519, ed25519, fingerprint, source, added_at, added_by)"
                  " VALUES (1, '站', x'00', x'00', 'F1', 'keys', 'x', 'w');"
                  "INSERT INTO bundle_exports VALUES ('E1', 1, 1, 'f', 'h', 'x', 'w');"
                  "INSERT INTO receipts_imported VALUES ('R1', 'E1', 'acknowledged', 'n', 'x', 'x', 'w');"
                  "INSERT INTO trusted_schools(id, name, x25519, ed25519, fingerprint, source, added_at, added_by)"
                  " VALUES (1, '一中', x'00', x'00', 'S1', 'vault.pub', 'x', 'w'),"
                  " (2, '二中', x'01', x'01', 'S2', 'vault.pub', 'x', 'w');"
                  "INSERT INTO received_bundles(id, export_id, school_id, referral_id, sha256, sent_at, received_at,"
                  " received_by, state, state_at, manifest) VALUES (7, 'E1', 1, 1, 'h', 'x', 'x', 'w', 'handling', 'x', '{}');"
                  "INSERT INTO received_files VALUES (7, 'referral.json', x'7b7d');"
                  "INSERT INTO receipts_sent VALUES ('R1', 7, 'acknowledged', 'n', 'x', 'w', 'f');"));
    /* As cl_db_migrate runs it: one transaction, foreign keys on. */
    OK(cl_db_exec(db, "BEGIN"));
    OK(cl_db_exec(db, cl_schema_migrations[entry]));
    OK(cl_db_exec(db, "COMMIT"));
    assert_int_equal(query_int(db, "SELECT count(*) FROM pragma_foreign_key_check"), 0);
    assert_int_equal(query_int(db, "SELECT count(*) FROM received_bundles WHERE id = 7 AND state = 'handling'"), 1);
    assert_int_equal(query_int(db, "SELECT count(*) FROM received_files WHERE bundle_id = 7"), 1);
    assert_int_equal(query_int(db, "SELECT count(*) FROM receipts_sent WHERE bundle_id = 7"), 1);
    assert_int_equal(query_int(db, "SELECT count(*) FROM receipts_imported WHERE receipt_id = 'R1'"), 1);
    /* The children still point at the rebuilt parents. */
    assert_int_equal(sqlite3_exec(db, "INSERT INTO received_files VALUES (99, 'x', x'00')", NULL, NULL, NULL),
                     SQLITE_CONSTRAINT);
    /* The same export id from another school is another bundle; from the
     * same school it is refused; a signature's hash only once. */
    OK(cl_db_exec(db, "INSERT INTO received_bundles(export_id, school_id, referral_id, sha256, sent_at, received_at,"
                      " received_by, state_at, manifest, signature_hash) VALUES ('E1', 2, 1, 'h', 'x', 'x', 'w', 'x',"
                      " '{}', x'aa')"));
    assert_int_equal(sqlite3_exec(db, "INSERT INTO received_bundles(export_id, school_id, referral_id, sha256, sent_at,"
                                      " received_at, received_by, state_at, manifest) VALUES ('E1', 1, 1, 'h', 'x',"
                                      " 'x', 'w', 'x', '{}')", NULL, NULL, NULL),
                     SQLITE_CONSTRAINT);
    assert_int_equal(sqlite3_exec(db, "INSERT INTO received_bundles(export_id, school_id, referral_id, sha256, sent_at,"
                                      " received_at, received_by, state_at, manifest, signature_hash) VALUES ('E2', 1,"
                                      " 1, 'h', 'x', 'x', 'w', 'x', '{}', x'aa')", NULL, NULL, NULL),
                     SQLITE_CONSTRAINT);
    /* At school: a receipt id is unique per export only. */
    OK(cl_db_exec(db, "INSERT INTO bundle_exports VALUES ('E2', 1, 1, 'f', 'h', 'x', 'w');"
                      "INSERT INTO receipts_imported(receipt_id, export_id, status, note, office_at, imported_at, actor)"
                      " VALUES ('R1', 'E2', 'acknowledged', 'n', 'x', 'x', 'w')"));
    cl_db_close(db); /* with its cached statements */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rebuild_keeps_rows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
