/* Whole-vault export and import: a round trip that loses nothing (A →
 * fresh B → export of B equals export of A but for vault and audit), the
 * empty-vault rule, strict checking that changes nothing, and the file
 * (mode 0600, no overwrite, audited). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "carelog/audit.h"
#include "carelog/catalog.h"
#include "carelog/file.h"
#include "carelog/record.h"
#include "carelog/secret.h"
#include "carelog/storage.h"
#include "carelog/synth.h"
#include "carelog/text.h"
#include "carelog/transfer.h"
#include "carelog/vault.h"

#include "unit_support.h"

typedef struct fixture {
    char dir[64];
    cl_vault *a, *b;
} fixture;

static cl_vault *new_vault(const char *dir, const char *name, const char *school)
{
    char vdir[128];
    snprintf(vdir, sizeof vdir, "%s/%s", dir, name);
    cl_secret *pass, *rk = NULL;
    const char pw[] = "correct horse battery";
    cl_vault *v;
    OK(cl_secret_copy((const unsigned char *)pw, sizeof pw - 1, &pass));
    OK(cl_vault_init(vdir, school, "王老师", pass, &rk, &v));
    cl_secret_free(pass);
    cl_secret_free(rk);
    OK(cl_catalog_install_builtin(v));
    return v;
}

static long long count(cl_vault *v, const char *sql)
{
    sqlite3_stmt *q;
    OK(cl_db_prepare(cl_vault_db(v), sql, &q));
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    long long n = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return n;
}

static long long first_id(cl_vault *v, const char *sql)
{
    return count(v, sql);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    setenv("CARELOG_TEST_FAST_KDF", "1", 1);
    setenv("CARELOG_TEST_NOW", "2026-11-01T08:00:00Z", 1);
    setenv("TZ", "UTC", 1);
    tzset();
    snprintf(f->dir, sizeof f->dir, "/tmp/carelog-transfer.XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    f->a = new_vault(f->dir, "a", "甲中学");
    f->b = new_vault(f->dir, "b", "乙中学");
    /* A lived-in vault: generated data, a signed note with an amendment,
     * an edited record with history, an imported newer form version. */
    cl_synth_options o = {.students = 12, .seed = 7, .months = 4};
    cl_synth_report r;
    OK(cl_synth_fill(f->a, &o, &r));
    assert_int_equal(r.students, 12);
    long long session = first_id(f->a, "SELECT min(id) FROM records WHERE kind = 'session'");
    assert_true(session > 0);
    OK(cl_record_sign(f->a, session, count(f->a, "SELECT version FROM records WHERE id = (SELECT min(id) FROM "
                                                 "records WHERE kind = 'session')")));
    OK(cl_record_amend(f->a, session, "补充：家长当天回电确认。"));
    long long contact = first_id(f->a, "SELECT min(id) FROM records WHERE kind = 'contact'");
    json_t *changes = json_pack("{s:s}", "agreements", "约定下周再联系。");
    long long nv;
    OK(cl_record_edit(f->a, contact, 1, changes, &nv));
    json_decref(changes);
    assert_int_equal(nv, 2);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    cl_vault_close(f->a);
    cl_vault_close(f->b);
    remove_tree(f->dir);
    free(f);
    return 0;
}

/* The document without the sections that name the vault itself. */
static char *comparable(const json_t *doc)
{
    json_t *copy = json_deep_copy(doc);
    json_object_del(copy, "vault");
    json_object_del(copy, "audit");
    char *text = cl_transfer_dumps(copy);
    json_decref(copy);
    return text;
}

static void round_trip_loses_nothing(void **state)
{
    fixture *f = *state;
    json_t *doc_a, *doc_b, *summary;
    OK(cl_transfer_export(f->a, &doc_a));
    assert_string_equal(json_string_value(json_object_get(doc_a, "format")), "carelog-vault-export");
    assert_int_equal(json_integer_value(json_object_get(doc_a, "version")), 1);
    /* a signature, an amendment, an earlier version, referral moves and a flag are in it */
    const json_t *records = json_object_get(doc_a, "records");
    size_t i;
    json_t *rec;
    bool signature = false, amendment = false, version = false, transition = false;
    json_array_foreach(records, i, rec) {
        signature |= json_is_string(json_object_get(rec, "signature"));
        amendment |= json_array_size(json_object_get(rec, "amendments")) > 0;
        version |= json_array_size(json_object_get(rec, "versions")) > 0;
        transition |= json_array_size(json_object_get(rec, "transitions")) > 0;
    }
    assert_true(signature && amendment && version && transition);
    assert_true(json_array_size(json_object_get(json_object_get(doc_a, "audit"), "entries")) > 10);

    OK(cl_transfer_import(f->b, doc_a, &summary));
    assert_int_equal(json_integer_value(json_object_get(summary, "students")), 12);
    assert_int_equal(json_integer_value(json_object_get(summary, "records")), json_array_size(records));
    json_decref(summary);
    assert_int_equal(count(f->b, "SELECT count(*) FROM students"), 12);
    assert_int_equal(count(f->b, "SELECT count(*) FROM audit WHERE action = 'import.vault'"), 1);

    OK(cl_transfer_export(f->b, &doc_b));
    char *ta = comparable(doc_a), *tb = comparable(doc_b);
    assert_string_equal(ta, tb);
    free(ta);
    free(tb);
    /* B remembers where its data came from, with A's audit log */
    const json_t *from = json_object_get(json_object_get(doc_b, "vault"), "imported_from");
    assert_string_equal(json_string_value(json_object_get(from, "school")), "甲中学");
    assert_true(json_equal(json_object_get(json_object_get(doc_b, "audit"), "imported"),
                           json_object_get(doc_a, "audit")));
    long long entries;
    OK(cl_audit_verify(cl_vault_db(f->b), &entries));
    /* A note signed in A still verifies in B (by A's key, kept by the
     * import), and a tampered copy of it does not. */
    long long signed_id = first_id(f->b, "SELECT min(id) FROM records WHERE signature IS NOT NULL");
    json_t *shown;
    OK(cl_record_get(f->b, signed_id, false, &shown));
    assert_true(json_is_true(json_object_get(shown, "signature_valid")));
    json_decref(shown);
    char *err = NULL;
    assert_int_equal(sqlite3_exec(cl_vault_db(f->b), "UPDATE records SET fields = json_set(fields, '$.notes_data', "
                                  "'改过的') WHERE signature IS NOT NULL", NULL, NULL, &err), SQLITE_OK);
    OK(cl_record_get(f->b, signed_id, false, &shown));
    assert_false(json_is_true(json_object_get(shown, "signature_valid")));
    json_decref(shown);

    /* B is no longer empty: a second import is refused, nothing changes */
    long long before = count(f->b, "SELECT count(*) FROM records");
    assert_int_equal(cl_transfer_import(f->b, doc_a, NULL), CL_ECANTCREATE);
    assert_int_equal(count(f->b, "SELECT count(*) FROM records"), before);
    /* and so is an import into A itself */
    assert_int_equal(cl_transfer_import(f->a, doc_a, NULL), CL_ECANTCREATE);
    json_decref(doc_a);
    json_decref(doc_b);
}

/* Breaks a copy of the document with `mutate`, then expects CL_EDATA and an
 * untouched B, with a message containing `part`. */
static void refused(fixture *f, const json_t *doc, void (*mutate)(json_t *), const char *part)
{
    json_t *bad = json_deep_copy(doc);
    mutate(bad);
    long long forms = count(f->b, "SELECT count(*) FROM forms");
    long long audit = count(f->b, "SELECT count(*) FROM audit");
    cl_status st = cl_transfer_import(f->b, bad, NULL);
    if (st != CL_EDATA)
        fail_msg("wanted CL_EDATA for %s, got %d: %s", part, (int)st, cl_error_message());
    if (!strstr(cl_error_message(), part))
        fail_msg("message \"%s\" does not name \"%s\"", cl_error_message(), part);
    assert_int_equal(count(f->b, "SELECT count(*) FROM students"), 0);
    assert_int_equal(count(f->b, "SELECT count(*) FROM records"), 0);
    assert_int_equal(count(f->b, "SELECT count(*) FROM forms"), forms);
    assert_int_equal(count(f->b, "SELECT count(*) FROM audit"), audit);
    json_decref(bad);
}

static json_t *rec0(json_t *doc)
{
    return json_array_get(json_object_get(doc, "records"), 0);
}

static void m_format(json_t *d) { json_object_set_new(d, "format", json_string("something-else")); }
static void m_version(json_t *d) { json_object_set_new(d, "version", json_integer(2)); }
static void m_schema(json_t *d) { json_object_set_new(d, "schema", json_integer(999)); }
static void m_section(json_t *d) { json_object_del(d, "students"); }
static void m_extra(json_t *d) { json_object_set_new(d, "surprise", json_true()); }
static void m_column(json_t *d) { json_object_set_new(rec0(d), "colour", json_string("red")); }
static void m_type(json_t *d) { json_object_set_new(rec0(d), "version", json_string("1")); }
static void m_fields(json_t *d)
{
    json_object_set_new(json_object_get(rec0(d), "fields"), "name", json_string(""));
}
static void m_form_digest(json_t *d)
{
    json_t *form = json_array_get(json_object_get(d, "forms"), 0);
    json_object_set_new(form, "source", json_string("form student\ntitle x | x\n"));
}
static void m_dangling(json_t *d)
{
    json_object_set_new(rec0(d), "student_id", json_integer(999999));
}
static void m_hex(json_t *d)
{
    json_t *rec;
    size_t i;
    json_array_foreach(json_object_get(d, "records"), i, rec)
        if (json_is_string(json_object_get(rec, "signature")))
            json_object_set_new(rec, "signature", json_string("zz"));
}
/* Columns derived from a record's fields, and the students row kept in
 * step with the student's details, are checked like the fields are. */
static json_t *rec_where(json_t *d, const char *key)
{
    size_t i;
    json_t *rec;
    json_array_foreach(json_object_get(d, "records"), i, rec)
        if (json_is_string(json_object_get(rec, key)))
            return rec;
    return NULL;
}
static void m_occurred(json_t *d) { json_object_set_new(rec0(d), "occurred_at", json_string("2026-02-30")); }
static void m_occurred_differs(json_t *d)
{
    json_t *rec;
    size_t i;
    json_array_foreach(json_object_get(d, "records"), i, rec)
        if (json_is_string(json_object_get(json_object_get(rec, "fields"), "occurred_at"))) {
            json_object_set_new(rec, "occurred_at", json_string("2001-01-01"));
            return;
        }
}
static void m_follow_up(json_t *d) { json_object_set_new(rec_where(d, "follow_up"), "follow_up", json_string("2026-13-01")); }
static void m_kind(json_t *d) { json_object_set_new(rec0(d), "kind", json_string("observation")); }
static void m_version_zero(json_t *d) { json_object_set_new(rec0(d), "version", json_integer(0)); }
static void m_state(json_t *d) { json_object_set_new(rec_where(d, "state"), "state", json_string("forgotten")); }
static void m_birth_date(json_t *d)
{
    json_object_set_new(json_array_get(json_object_get(d, "students"), 0), "birth_date", json_string("2011-02-30"));
}
static void m_student_row(json_t *d)
{
    json_object_set_new(json_array_get(json_object_get(d, "students"), 0), "number", json_string("不是这个学号"));
}
static void m_amendment_long(json_t *d)
{
    json_t *rec = rec_where(d, "signature");
    cl_buf b = {0};
    for (int i = 0; i < 4001; i++)
        cl_buf_puts(&b, "长");
    json_array_append_new(json_object_get(rec, "amendments"),
                          json_pack("{s:I, s:s, s:s, s:s}", "id", (json_int_t)999999, "author", "王老师", "at",
                                    "2026-10-01T08:00:00Z", "text", b.data));
    cl_buf_free(&b);
}
static void m_policy_days(json_t *d)
{
    json_array_append_new(json_object_get(d, "followup_policies"),
                          json_pack("{s:s, s:s, s:i}", "basis", "risk", "value", "1", "days", 2000000000));
}
static void m_last_broken(json_t *d)
{
    /* everything fine until the very end: the last flag is malformed */
    json_t *flags = json_object_get(d, "flags");
    json_array_append_new(flags, json_pack("{s:s}", "flag", "x"));
}

static void strict_checks_change_nothing(void **state)
{
    fixture *f = *state;
    json_t *doc;
    OK(cl_transfer_export(f->a, &doc));
    refused(f, doc, m_format, "format");
    refused(f, doc, m_version, "version");
    refused(f, doc, m_schema, "newer");
    refused(f, doc, m_section, "students");
    refused(f, doc, m_extra, "surprise");
    refused(f, doc, m_column, "colour");
    refused(f, doc, m_type, "records[0].version");
    refused(f, doc, m_fields, "records[0].fields");
    refused(f, doc, m_form_digest, "digest");
    refused(f, doc, m_dangling, "records");
    refused(f, doc, m_hex, "signature");
    refused(f, doc, m_last_broken, "flags");
    refused(f, doc, m_occurred, "occurred_at");
    refused(f, doc, m_occurred_differs, "occurred_at");
    refused(f, doc, m_follow_up, "follow_up");
    refused(f, doc, m_kind, "kind");
    refused(f, doc, m_version_zero, "records[0].version");
    refused(f, doc, m_state, "state");
    refused(f, doc, m_birth_date, "birth_date");
    refused(f, doc, m_student_row, "number");
    refused(f, doc, m_amendment_long, "amendments");
    refused(f, doc, m_policy_days, "days");
    /* after all that, the real document still goes in */
    OK(cl_transfer_import(f->b, doc, NULL));
    json_decref(doc);
}

static void export_file_is_private_and_audited(void **state)
{
    fixture *f = *state;
    char path[128];
    snprintf(path, sizeof path, "%s/export.json", f->dir);
    json_t *summary;
    OK(cl_transfer_export_file(f->a, path, &summary));
    assert_int_equal(json_integer_value(json_object_get(summary, "students")), 12);
    json_decref(summary);
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    /* never over an existing file */
    assert_int_equal(cl_transfer_export_file(f->a, path, NULL), CL_ECANTCREATE);
    assert_int_equal(count(f->a, "SELECT count(*) FROM audit WHERE action = 'export.vault'"), 1);
    /* the file's own audit section names its export */
    OK(cl_transfer_import_file(f->b, path, NULL));
    json_t *doc_b;
    OK(cl_transfer_export(f->b, &doc_b));
    const json_t *entries = json_object_get(json_object_get(json_object_get(doc_b, "audit"), "imported"), "entries");
    const json_t *last = json_array_get(entries, json_array_size(entries) - 1);
    assert_string_equal(json_string_value(json_object_get(last, "action")), "export.vault");
    json_decref(doc_b);
    /* not JSON at all */
    char bad[128];
    snprintf(bad, sizeof bad, "%s/bad.json", f->dir);
    FILE *fp = fopen(bad, "w");
    fputs("{\"format\": \"carelog-vault-export\",", fp);
    fclose(fp);
    assert_int_equal(cl_transfer_import_file(f->b, bad, NULL), CL_EDATA);
}

/* The file streamed a row at a time is byte for byte what jansson writes
 * for the whole document (cl_transfer_dumps), for a vault of its own and
 * for one filled by an import (imported_from, audit.imported). */
static void same_as_dumped(cl_vault *v, const char *path)
{
    json_t *summary;
    OK(cl_transfer_export_file(v, path, &summary));
    unsigned char *bytes;
    size_t len;
    OK(cl_file_read(path, (size_t)1 << 30, &bytes, &len));
    assert_int_equal(json_integer_value(json_object_get(summary, "bytes")), (json_int_t)len);
    json_error_t err;
    json_t *doc = json_loadb((const char *)bytes, len, 0, &err);
    assert_non_null(doc);
    assert_int_equal(json_integer_value(json_object_get(summary, "records")),
                     (json_int_t)json_array_size(json_object_get(doc, "records")));
    assert_int_equal(json_integer_value(json_object_get(summary, "audit_entries")),
                     (json_int_t)json_array_size(json_object_get(json_object_get(doc, "audit"), "entries")));
    char *again = cl_transfer_dumps(doc);
    assert_non_null(again);
    assert_int_equal(strlen(again), len);
    assert_memory_equal(again, bytes, len);
    free(again);
    free(bytes);
    json_decref(doc);
    json_decref(summary);
}

static void streamed_export_is_the_dumped_document(void **state)
{
    fixture *f = *state;
    char path[128];
    snprintf(path, sizeof path, "%s/a.json", f->dir);
    same_as_dumped(f->a, path);
    OK(cl_transfer_import_file(f->b, path, NULL));
    snprintf(path, sizeof path, "%s/b.json", f->dir);
    same_as_dumped(f->b, path);
}

#define EXPORTED_CANARY "vault-exported-and-read-canary"

typedef struct export_run {
    fixture *f;
    int n;
} export_run;

/* Exporting the vault (to a file, and as the document dumped) and reading
 * that file into another vault leave none of a record's text in freed
 * memory. */
static void export_and_read(void *ctx)
{
    export_run *r = ctx;
    char path[128], name[16];
    snprintf(path, sizeof path, "%s/wiped-%d.json", r->f->dir, ++r->n);
    OK(cl_transfer_export_file(r->f->a, path, NULL));
    json_t *doc;
    OK(cl_transfer_export(r->f->a, &doc));
    char *text = cl_transfer_dumps(doc);
    assert_non_null(strstr(text, EXPORTED_CANARY));
    free(text);
    json_decref(doc);
    snprintf(name, sizeof name, "into-%d", r->n);
    cl_vault *into = new_vault(r->f->dir, name, "丙中学");
    json_t *summary;
    OK(cl_transfer_import_file(into, path, &summary));
    json_decref(summary);
    cl_vault_close(into);
}

static void exported_text_wiped(void **state)
{
    skip_without_malloc_heap();
    fixture *f = *state;
    long long student = first_id(f->a, "SELECT min(id) FROM students");
    json_t *fields = json_pack("{s:s, s:s, s:b, s:s}", "occurred_at", "2026-10-01", "session_type", "individual",
                               "risk_noted", 0, "data", "她说 " EXPORTED_CANARY);
    long long id;
    OK(cl_record_add(f->a, "session", student, fields, 0, &id));
    json_decref(fields);
    export_run r = {f, 0};
    expect_path_leaves_nothing(export_and_read, &r, EXPORTED_CANARY);
}

int main(void)
{
    cl_secret_init_process();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(round_trip_loses_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(strict_checks_change_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(export_file_is_private_and_audited, setup, teardown),
        cmocka_unit_test_setup_teardown(streamed_export_is_the_dumped_document, setup, teardown),
        cmocka_unit_test_setup_teardown(exported_text_wiped, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
