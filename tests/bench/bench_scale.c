/* The core at scale (issue 9): a vault of N students made by the generator
 * (the same core `carelog generate` uses; cached under build/bench-vault-N-rM-sV
 * so a second run reuses it), and a plaintext SQLite copy of the same data
 * (sqlcipher_export, synthetic data only) queried in the same run with the
 * same query shape. Each question: p95 over repeated runs, time beyond
 * unlock, and the ratio to plain SQLite; the whole agenda and due lists
 * also with the vault (and the copy) opened afresh before every run, the
 * list a counsellor meets first. The paged and streamed questions
 * (and export and backup) each run in a process of their own, started by
 * exec so that its peak RSS (VmHWM) is that question's alone: the vault
 * opened as a command opens it, the question, beside the RSS after unlock.
 * Last, the release binary runs the commands a user types on the same
 * vault, each with its own peak RSS (issue 9 sets 64 MiB for `record list`
 * and `export vault`).
 * Usage: bench_scale [STUDENTS [RECORDS_PER_STUDENT [WORD]]] (default
 * 10000 and the generator's usual history, about 8.5 each; `10000 100` is
 * issue 9's million-record vault; `make check` runs 50); with WORD only
 * the questions and commands whose name holds it ("agenda", "due"), with
 * =WORD only the one named so. For looking closer (never in `make
 * bench`'s figures): BENCH_EACH=1 prints every run's time, BENCH_RUNS=N
 * repeats each read question N times, BENCH_NO_PLAIN=1 skips the plain
 * copy (a profile of carelog's side alone), BENCH_COLD=1 closes and opens
 * the vault (and the plain copy) before every run, outside its time, so
 * that each run is a first one after unlock. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "carelog/agenda.h"
#include "carelog/audit.h"
#include "carelog/catalog.h"
#include "carelog/followup.h"
#include "carelog/record.h"
#include "carelog/search.h"
#include "carelog/secret.h"
#include "carelog/storage.h"
#include "carelog/student.h"
#include "carelog/synth.h"
#include "carelog/text.h"
#include "carelog/transfer.h"
#include "carelog/vault.h"

#include "bench_process.h"
#include "bench_support.h"

#define RUNS 15
/* A write's slow tail (the save a WAL restart or a checkpoint falls on)
 * is a few in a hundred: its p95 and p99 need a couple of hundred saves. */
#define WRITE_RUNS 200
#define CL_STRINGIFY_(x) #x
#define CL_STRINGIFY(x) CL_STRINGIFY_(x)

static double p95(double *t, int n)
{
    qsort(t, (size_t)n, sizeof *t, cmp_double);
    return t[(n * 95 + 99) / 100 - 1];
}

/* ---- the questions, through the core and as plain SQL ------------------ */

static cl_vault *vault;
static sqlite3 *plain;
static long long a_student;

/* What `carelog agenda --json` and `due --json` print, written as the CLI
 * writes it (made inert on the way) to /dev/null: the whole answer. */
static FILE *json_sink;
static long long json_bytes; /* of the last answer */

static cl_status sink_text(const char *text, size_t len, void *ctx)
{
    (void)ctx;
    json_bytes += (long long)len;
    cl_text_put_json(text, len, json_sink);
    return CL_OK;
}

static void q_agenda(void)
{
    json_bytes = 0;
    must(cl_agenda_attention_write(vault, sink_text, NULL), "agenda");
    fputc('\n', json_sink);
}

static long long due_rows;
static cl_status sink_due_row(const char *json, size_t len, const char *cursor, void *ctx)
{
    (void)cursor, (void)ctx;
    fputc(due_rows++ ? ',' : '[', json_sink);
    json_bytes += (long long)len + 1;
    cl_text_put_json(json, len, json_sink);
    return CL_OK;
}

static void q_due(void)
{
    cl_due_page p = {.horizon_days = 7};
    due_rows = json_bytes = 0;
    must(cl_followup_due_text_each(vault, &p, sink_due_row, NULL, NULL), "due");
    fputs(due_rows ? "]\n" : "[]\n", json_sink);
}

/* The same lists as one JSON object each, as a front that keeps the whole
 * list gets them. */
static void q_agenda_tree(void)
{
    json_t *o;
    must(cl_agenda_attention(vault, &o), "agenda");
    json_decref(o);
}

static void q_due_tree(void)
{
    json_t *o;
    must(cl_followup_due(vault, NULL, 7, &o), "due");
    json_decref(o);
}

static void q_status(void)
{
    json_t *o;
    must(cl_vault_status(vault, &o), "status");
    json_decref(o);
}

static void q_students(void)
{
    json_t *o;
    cl_student_filter f = {.class_name = "七年级(1)班", .risk = -1, .status = "active"};
    must(cl_student_list(vault, &f, &o), "students");
    json_decref(o);
}

static void q_file(void)
{
    json_t *o;
    cl_record_filter f = {.student_id = a_student};
    must(cl_record_list(vault, &f, &o), "file");
    json_decref(o);
}

static void q_page(void)
{
    json_t *o;
    cl_record_filter f = {.limit = 50};
    must(cl_record_list(vault, &f, &o), "page");
    json_decref(o);
}

static long long streamed;
static cl_status count_row(json_t *row, void *ctx)
{
    (void)row, (void)ctx;
    streamed++;
    return CL_OK;
}

static void q_stream(void)
{
    streamed = 0;
    cl_record_filter f = {0};
    must(cl_record_each(vault, &f, count_row, NULL), "stream");
}

/* The students with the largest files, the first a_student: each save
 * goes to the next, as a counsellor's day of saves goes through a
 * caseload (hundreds of sessions of one student on one day would make
 * every later one an obligation for the earlier ones to check). */
#define WRITTEN_STUDENTS WRITE_RUNS
static long long written[WRITTEN_STUDENTS];
static int n_written, next_written;

static long long last_added, last_version = 1;
static void q_add(void)
{
    json_t *f = json_pack("{s:s, s:s, s:b, s:s}", "occurred_at", "2026-11-19", "session_type", "individual",
                          "risk_noted", 0, "follow_up", "2026-11-26");
    long long student = n_written ? written[next_written++ % n_written] : a_student;
    must(cl_record_add(vault, "session", student, f, 0, &last_added), "add");
    last_version = 1;
    json_decref(f);
}

/* The session just added planned for another day: a new version, its
 * obligation moved. */
static void q_edit(void)
{
    json_t *f = json_pack("{s:s}", "follow_up", last_version % 2 ? "2026-11-27" : "2026-11-26");
    long long version;
    must(cl_record_edit(vault, last_added, last_version, f, &version), "edit");
    last_version = version;
    json_decref(f);
}

/* The same write without its fsync (synchronous OFF for the one call):
 * record add minus this is what the disk's flush costs. */
static void q_add_nosync(void)
{
    must(cl_db_exec(cl_vault_db(vault), "PRAGMA synchronous = OFF"), "sync off");
    q_add();
    must(cl_db_exec(cl_vault_db(vault), "PRAGMA synchronous = FULL"), "sync on");
}

static void q_audit(void)
{
    long long n;
    must(cl_audit_verify(cl_vault_db(vault), &n), "audit verify");
}

static const char *plain_sql;
static void q_plain(void)
{
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(plain, plain_sql, -1, &q, NULL) != SQLITE_OK) {
        fprintf(stderr, "bench: plain: %s\n", sqlite3_errmsg(plain));
        exit(1);
    }
    sqlite3_bind_int64(q, 1, a_student);
    long long n = 0;
    while (sqlite3_step(q) == SQLITE_ROW)
        for (int c = 0; c < sqlite3_column_count(q); c++)
            n += sqlite3_column_bytes(q, c) >= 0;
    sqlite3_finalize(q);
}

/* Each statement of a NULL-ended list in turn, every column of every row
 * read (?1 = a student). */
static const char *const *plain_statements;
static void q_plain_each(void)
{
    for (const char *const *sql = plain_statements; *sql; sql++) {
        plain_sql = *sql;
        q_plain();
    }
}

static void plain_exec(sqlite3 *db, const char *sql)
{
    if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK) {
        fprintf(stderr, "bench: plain: %s\n", sqlite3_errmsg(db));
        exit(1);
    }
}

static void q_plain_add(void);
static void q_plain_add_nosync(void)
{
    plain_exec(plain, "PRAGMA synchronous = OFF");
    q_plain_add();
    plain_exec(plain, "PRAGMA synchronous = FULL");
}

/* A record write with the same durability on the plain copy: one
 * transaction, WAL, synchronous FULL, the same triggers (carelog's search
 * functions are registered on the plain connection too). */
static void q_plain_add(void)
{
    plain_exec(plain, "BEGIN IMMEDIATE; INSERT INTO records(student_id, kind, author, occurred_at, created_at,"
                        " updated_at, updated_by, form_id, fields, follow_up) SELECT student_id, kind, author,"
                        " occurred_at, created_at, updated_at, updated_by, form_id, fields, follow_up FROM records"
                        " WHERE id = (SELECT max(id) FROM records); COMMIT");
}

/* The same edit's shape on the plain copy: the earlier version kept, the
 * record rewritten, in one transaction. */
static void q_plain_edit(void)
{
    plain_exec(plain, "BEGIN IMMEDIATE;"
                        " INSERT INTO record_versions(record_id, version, form_id, fields, occurred_at, updated_at,"
                        " updated_by) SELECT id, version, form_id, fields, occurred_at, updated_at, updated_by FROM records"
                        " WHERE id = (SELECT max(id) FROM records);"
                        " UPDATE records SET version = version + 1, follow_up = CASE follow_up WHEN '2026-11-26'"
                        " THEN '2026-11-27' ELSE '2026-11-26' END, fields = json_set(fields, '$.follow_up', follow_up)"
                        " WHERE id = (SELECT max(id) FROM records); COMMIT");
}

/* The walk audit verify makes, on the plain copy: every column of every
 * entry read in order (the hashing is carelog's own work). */
static void q_plain_audit(void)
{
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(plain, "SELECT id, at, actor, action, target, detail, prev_hash, hash FROM audit ORDER BY id",
                           -1, &q, NULL) != SQLITE_OK)
        exit(1);
    long long bytes = 0;
    while (sqlite3_step(q) == SQLITE_ROW)
        for (int c = 1; c < 8; c++)
            bytes += sqlite3_column_bytes(q, c) + (sqlite3_column_blob(q, c) != NULL);
    sqlite3_finalize(q);
}

/* The median and p99 of the last measure(), and its CPU time's median and
 * p95. */
static double last_p50, last_p99, last_cpu_p50, last_cpu_p95;
/* Run between two timed runs, outside the time (NULL: none). */
static void (*between_runs)(void);

static void reopen(void);

/* This process's CPU time: on a machine others load, what a question
 * costs beside how long it waited for a core. */
static double measure(void (*fn)(void), int runs)
{
    double *t = malloc(2 * (size_t)runs * sizeof *t);
    if (!t)
        exit(1);
    double *c = t + runs;
    for (int i = 0; i < runs; i++) {
        /* A reopen comes before the first run too: each is a first one. */
        if (between_runs && (i > 0 || between_runs == reopen))
            between_runs();
        int missed = 0, ignored;
        sqlite3_db_status(cl_vault_db(vault), SQLITE_DBSTATUS_CACHE_MISS, &missed, &ignored, 1);
        double t0 = now_s(), c0 = cpu_s();
        fn();
        t[i] = now_s() - t0;
        c[i] = cpu_s() - c0;
        sqlite3_db_status(cl_vault_db(vault), SQLITE_DBSTATUS_CACHE_MISS, &missed, &ignored, 0);
        if (getenv("BENCH_EACH"))
            fprintf(stderr, "    run %d: %.2f ms (CPU %.2f ms; %d pages read into the vault's cache)\n", i + 1,
                    t[i] * 1e3, c[i] * 1e3, missed);
    }
    double at95 = p95(t, runs);
    last_p50 = t[runs / 2];
    last_p99 = t[(runs * 99 + 99) / 100 - 1];
    last_cpu_p95 = p95(c, runs);
    last_cpu_p50 = c[runs / 2];
    free(t);
    return at95;
}

/* A counsellor's saves come seconds apart: the checkpoint a save asked for
 * has run by the next one. */
static void checkpoint_done(void)
{
    cl_db_checkpoints_wait(cl_vault_db(vault));
}

/* The statements the core runs for the agenda and the due list, on the
 * plain copy (the bench's today is 2026-11-20): the same columns, joins,
 * indexes and order, without carelog's work on each row. */
#define DUE_PLAIN(first, last)                                                                                    \
    "SELECT f.due_date, s.number, s.id, 'follow_up', f.record_id, s.name, s.class, s.risk_level, f.kind, f.set_on," \
    " NULL, NULL, NULL, NULL FROM followups f JOIN students s ON s.id = f.student_id WHERE f.open"                \
    " AND f.due_date >= '" first "' AND f.due_date <= '" last "' UNION ALL"                                          \
    " SELECT t.policy_due, s.number, s.id, 'policy', 0, s.name, s.class, s.risk_level, NULL, NULL, t.policy_basis," \
    " t.policy_value, t.policy_days, t.last_contact FROM student_state t JOIN students s ON s.id = t.student_id"   \
    " WHERE t.policy_due IS NOT NULL AND t.policy_due >= '" first "' AND t.policy_due <= '" last "'"                \
    " ORDER BY 1, 2, 3, 4, 5"
#define LATE_PLAIN(state, cutoff)                                                                                 \
    "SELECT w.record_id, w.student_id, s.number, s.name, s.class, w.state, w.occurred_at, w.urgency, w.agency,"     \
    " w.agency_name, w.since FROM referral_waits w JOIN students s ON s.id = w.student_id"                        \
    " WHERE w.state = '" state "' AND w.since <= '" cutoff "' ORDER BY w.since, w.record_id"
static const char *const agenda_plain[] = {
    "SELECT f.id, f.flag, f.label_zh, f.label_en, f.raised_at, f.record_id, s.id, s.number, s.name, s.class,"
    " s.risk_level FROM flags f JOIN students s ON s.id = f.student_id WHERE f.cleared_at IS NULL"
    " AND s.merged_into IS NULL AND s.status NOT IN ('closed', 'transferred') ORDER BY f.raised_at, f.id",
    DUE_PLAIN("", "2026-11-19"),
    LATE_PLAIN("draft", "2026-11-19T08:00:00Z"),
    LATE_PLAIN("reported", "2026-11-17T08:00:00Z"),
    LATE_PLAIN("acknowledged", "2026-11-13T08:00:00Z"),
    "SELECT t.student_id, s.number, s.name, s.class, t.risk_level, t.last_session FROM student_state t"
    " JOIN students s ON s.id = t.student_id WHERE t.followed AND t.risk_level = 3"
    " AND coalesce(t.last_session, '') < '2026-11-13' ORDER BY coalesce(t.last_session, ''), t.student_id",
    DUE_PLAIN("2026-11-20", "2026-11-20"),
    NULL,
};
static const char *const due_plain[] = {DUE_PLAIN("", "2026-11-27"), NULL};

static void q_plain_agenda(void)
{
    plain_statements = agenda_plain;
    q_plain_each();
}

static void q_plain_due(void)
{
    plain_statements = due_plain;
    q_plain_each();
}

static const struct question {
    const char *name;
    void (*core)(void);
    const char *plain; /* the same shape on the plain copy (?1 = a student) */
    int runs;
    void (*plain_fn)(void); /* instead of plain */
    void (*between)(void);  /* between two runs, untimed (both copies) */
} questions[] = {
    {"home / agenda (all attention rows)", q_agenda, NULL, RUNS, q_plain_agenda, NULL},
    {"due", q_due, NULL, RUNS, q_plain_due, NULL},
    /* What a counsellor meets first: the vault opened afresh before every
     * run (outside its time), both copies, so each run reads every page
     * it needs and builds the students' directory. */
    {"agenda, every run the first after unlock", q_agenda, NULL, RUNS, q_plain_agenda, reopen},
    {"due, every run the first after unlock", q_due, NULL, RUNS, q_plain_due, reopen},
    {"agenda, all rows as one JSON object", q_agenda_tree, NULL, RUNS, q_plain_agenda, NULL},
    {"due, all rows as one JSON object", q_due_tree, NULL, RUNS, q_plain_due, NULL},
    {"status", q_status, "SELECT name, n FROM row_counts", RUNS, NULL, NULL},
    {"students, a class filtered and sorted", q_students,
     "SELECT id, number, name FROM students WHERE class = '七年级(1)班' AND status = 'active' ORDER BY class, number",
     RUNS, NULL, NULL},
    {"one student's file (timeline)", q_file,
     "SELECT id, occurred_at, fields FROM records WHERE student_id = ?1 ORDER BY occurred_at DESC, id DESC", RUNS, NULL,
     NULL},
    {"record list, first page of 50", q_page,
     "SELECT id, occurred_at, fields FROM records ORDER BY occurred_at DESC, id DESC LIMIT 50", RUNS, NULL, NULL},
    {"record list of everything, streamed", q_stream,
     "SELECT id, occurred_at, fields FROM records ORDER BY occurred_at DESC, id DESC", 3, NULL, NULL},
    {"record add (session with follow-up)", q_add, NULL, WRITE_RUNS, q_plain_add, NULL},
    {"record add, saves apart", q_add, NULL, WRITE_RUNS, q_plain_add, checkpoint_done},
    {"record add, without its fsync", q_add_nosync, NULL, WRITE_RUNS, q_plain_add_nosync, NULL},
    {"record edit (its follow-up moved)", q_edit, NULL, WRITE_RUNS, q_plain_edit, NULL},
    {"audit verify", q_audit, NULL, 3, q_plain_audit, NULL},
};

/* The plain copy is made when the vault is generated; a later schema
 * entry's indexes are brought to it here (and the ones it dropped
 * dropped), so each question meets the same indexes on both. */
static void same_indexes_on_plain(void)
{
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(cl_vault_db(vault), "SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL",
                           -1, &q, NULL) != SQLITE_OK)
        exit(1);
    plain_exec(plain, "CREATE TEMP TABLE vault_indexes(name TEXT PRIMARY KEY)");
    while (sqlite3_step(q) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(q, 0), *sql = (const char *)sqlite3_column_text(q, 1);
        char *add = sqlite3_mprintf("INSERT INTO vault_indexes VALUES (%Q)", name);
        plain_exec(plain, add);
        sqlite3_free(add);
        sqlite3_stmt *has;
        char *probe = sqlite3_mprintf("SELECT 1 FROM sqlite_schema WHERE type = 'index' AND name = %Q", name);
        sqlite3_prepare_v2(plain, probe, -1, &has, NULL);
        bool there = sqlite3_step(has) == SQLITE_ROW;
        sqlite3_finalize(has);
        sqlite3_free(probe);
        if (!there)
            plain_exec(plain, sql);
    }
    sqlite3_finalize(q);
    if (sqlite3_prepare_v2(plain, "SELECT name FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL"
                                  " AND name NOT IN (SELECT name FROM vault_indexes)", -1, &q, NULL) != SQLITE_OK)
        exit(1);
    while (sqlite3_step(q) == SQLITE_ROW) {
        char *drop = sqlite3_mprintf("DROP INDEX %Q", (const char *)sqlite3_column_text(q, 0));
        sqlite3_reset(q); /* the statement reads the schema it changes */
        plain_exec(plain, drop);
        sqlite3_free(drop);
    }
    sqlite3_finalize(q);
    plain_exec(plain, "DROP TABLE vault_indexes");
}

/* Generates the vault and its plain copy in a child process, so that the
 * generator's page cache does not count in the questions' peak RSS; the
 * child reports how long the generation took (wall and CPU). */
static void make_vault(const char *dir, const char *vdir, const char *plain_path, int students, int per_student,
                       double *wall, double *cpu, long long *records)
{
    int fds[2];
    if (pipe(fds) != 0)
        exit(1);
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        exit(1);
    if (pid == 0) {
        close(fds[0]);
        mkdir(dir, 0700);
        cl_secret *pass, *recovery;
        must(cl_secret_copy((const unsigned char *)"bench passphrase", 16, &pass), "secret");
        must(cl_vault_init(vdir, "bench", "bench", pass, &recovery, &vault), "vault");
        cl_secret_free(recovery);
        cl_secret_free(pass);
        must(cl_catalog_install_builtin(vault), "forms");
        cl_synth_options o = {.students = students, .seed = 1, .months = 12, .records_per_student = per_student};
        cl_synth_report r;
        struct rusage before, after;
        getrusage(RUSAGE_SELF, &before);
        double t0 = now_s();
        must(cl_synth_fill(vault, &o, &r), "generate");
        double made = now_s() - t0;
        getrusage(RUSAGE_SELF, &after);
        double used = (double)(after.ru_utime.tv_sec - before.ru_utime.tv_sec + after.ru_stime.tv_sec -
                               before.ru_stime.tv_sec) +
                      (double)(after.ru_utime.tv_usec - before.ru_utime.tv_usec + after.ru_stime.tv_usec -
                               before.ru_stime.tv_usec) / 1e6;
        char *sql = sqlite3_mprintf("ATTACH DATABASE %Q AS plain KEY ''; SELECT sqlcipher_export('plain');"
                                    " DETACH DATABASE plain;", plain_path);
        must(cl_db_exec(cl_vault_db(vault), sql), "plain copy");
        sqlite3_free(sql);
        cl_vault_close(vault);
        char line[128];
        int n = snprintf(line, sizeof line, "%f %f %lld\n", made, used, r.records);
        _exit(write(fds[1], line, (size_t)n) == n ? 0 : 1);
    }
    close(fds[1]);
    char line[128] = "";
    ssize_t n = read(fds[0], line, sizeof line - 1);
    close(fds[0]);
    int status;
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0 || n <= 0 ||
        sscanf(line, "%lf %lf %lld", wall, cpu, records) != 3) {
        fprintf(stderr, "bench: generating the vault failed\n");
        exit(1);
    }
}

/* ---- lists a page at a time, and streamed whole (paging and streaming) --- */

#define PAGE 30 /* a screenful */
static const char *bench_dir;
static const char *only; /* the questions whose name holds it (=NAME: the one so named); NULL: all */

static bool chosen(const char *name)
{
    return !only || (only[0] == '=' ? strcmp(name, only + 1) == 0 : strstr(name, only) != NULL);
}
static long long rows_seen;

static double peak_rss_mib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_maxrss / 1024;
}

static void q_agenda_page(void)
{
    json_t *o;
    must(cl_agenda_attention_page(vault, PAGE, NULL, &o), "agenda page");
    json_decref(o);
}

static cl_status count_due(json_t *row, const char *cursor, void *ctx)
{
    (void)row, (void)cursor, (void)ctx;
    rows_seen++;
    return CL_OK;
}

/* As `due --limit 30 --json` asks: the page and the whole list's count. */
static void q_due_page(void)
{
    cl_due_page p = {.horizon_days = 7, .limit = PAGE};
    char *next = NULL;
    long long total;
    must(cl_followup_due_each(vault, &p, count_due, NULL, &next), "due page");
    must(cl_followup_due_count(vault, &p, &total), "due count");
    free(next);
}

static cl_status count_student(json_t *row, void *ctx)
{
    (void)row, (void)ctx;
    rows_seen++;
    return CL_OK;
}

static void q_students_page(void)
{
    cl_student_filter f = {.class_name = "七年级(1)班", .risk = -1, .status = "active"};
    cl_student_page p = {PAGE, 0};
    rows_seen = 0;
    must(cl_student_each(vault, &f, &p, count_student, NULL), "students page");
}

static void q_students_all(void)
{
    rows_seen = 0;
    must(cl_student_each(vault, NULL, NULL, count_student, NULL), "students");
}

/* `record list --json` of everything as the CLI streams it: counted for
 * the audit, then each row dumped and written. */
static FILE *sink;
static cl_status dump_row(json_t *row, void *ctx)
{
    (void)ctx;
    char *text = json_dumps(row, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (text)
        fputs(text, sink);
    free(text);
    rows_seen++;
    return CL_OK;
}

static void q_record_list_json(void)
{
    cl_record_filter f = {0};
    long long n;
    rows_seen = 0;
    must(cl_record_count(vault, &f, &n), "record count");
    must(cl_record_each(vault, &f, dump_row, NULL), "record list");
}

static char out_path[400];
static long long out_bytes;

static void q_export(void)
{
    snprintf(out_path, sizeof out_path, "%s/bench-export.json", bench_dir);
    unlink(out_path);
    json_t *summary;
    must(cl_transfer_export_file(vault, out_path, &summary), "export vault");
    rows_seen = (long long)json_integer_value(json_object_get(summary, "records"));
    json_decref(summary);
    unlink(out_path);
}

static void q_backup(void)
{
    snprintf(out_path, sizeof out_path, "%s/bench-backup.clb", bench_dir);
    unlink(out_path);
    must(cl_vault_backup(vault, out_path), "backup");
    struct stat sb;
    out_bytes = stat(out_path, &sb) == 0 ? (long long)sb.st_size : 0;
    unlink(out_path);
}

/* The plain copy's whole-file copy, as SQLite's backup API makes it. */
static void q_plain_backup(void)
{
    char path[420];
    snprintf(path, sizeof path, "%s/plain-backup.db", bench_dir);
    unlink(path);
    sqlite3 *dest;
    int rc = sqlite3_open(path, &dest);
    sqlite3_backup *b = rc == SQLITE_OK ? sqlite3_backup_init(dest, "main", plain, "main") : NULL;
    rc = b ? sqlite3_backup_step(b, -1) : SQLITE_ERROR;
    if (b)
        sqlite3_backup_finish(b);
    if (rc != SQLITE_DONE) {
        fprintf(stderr, "bench: plain backup: %s\n", sqlite3_errmsg(dest));
        exit(1);
    }
    sqlite3_close(dest);
    unlink(path);
}

#define DUE_PAGE_PLAIN                                                                                            \
    "SELECT f.due_date, s.number, s.id, 'follow_up', f.record_id, s.name FROM followups f JOIN students s"       \
    " ON s.id = f.student_id WHERE f.open AND f.due_date <= '2026-11-27' UNION ALL"                               \
    " SELECT t.policy_due, s.number, s.id, 'policy', 0, s.name FROM student_state t JOIN students s"             \
    " ON s.id = t.student_id WHERE t.policy_due IS NOT NULL AND t.policy_due <= '2026-11-27'"                     \
    " ORDER BY 1, 2, 3, 4, 5 LIMIT 31"
#define STUDENT_ROW_PLAIN                                                                                         \
    "SELECT s.id, s.number, s.name, s.class, s.status, s.risk_level, (SELECT json_group_array(flag) FROM flags f" \
    " WHERE f.student_id = s.id AND f.cleared_at IS NULL) FROM students s"

static const struct stream_question {
    const char *name;
    void (*core)(void);
    const char *plain;
    void (*plain_fn)(void);
    int runs;
    const char *unit; /* "rows/s", "MB/s" or NULL */
} stream_questions[] = {
    {"agenda, first page of 30", q_agenda_page, DUE_PAGE_PLAIN, NULL, RUNS, NULL},
    {"due, first page of 30 and the count", q_due_page, DUE_PAGE_PLAIN, NULL, RUNS, NULL},
    {"students, first screenful (class, sort)", q_students_page,
     STUDENT_ROW_PLAIN " WHERE s.class = '七年级(1)班' AND s.status = 'active' AND s.merged_into IS NULL"
     " ORDER BY s.class, s.number, s.id LIMIT 30", NULL, RUNS, NULL},
    {"students, whole list streamed", q_students_all,
     STUDENT_ROW_PLAIN " WHERE s.merged_into IS NULL ORDER BY s.class, s.number, s.id", NULL, 5, "rows/s"},
    {"record list --json of everything", q_record_list_json,
     "SELECT r.id, s.name, r.fields FROM records r JOIN students s ON s.id = r.student_id"
     " WHERE r.kind != 'student' ORDER BY r.occurred_at DESC, r.id DESC", NULL, 3, "rows/s"},
    {"export vault (streamed to a file)", q_export, "SELECT * FROM records ORDER BY id", NULL, 3, "records/s"},
    {"backup", q_backup, NULL, q_plain_backup, 3, "MB/s"},
};

/* ---- each streamed question in a process of its own ------------------- */

static void open_bench(const char *dir);
static const char *opened_dir;

/* BENCH_COLD's step between runs: every run a first after unlock. */
static void reopen(void)
{
    sqlite3_close(plain);
    cl_vault_close(vault);
    fclose(json_sink);
    open_bench(opened_dir);
}

/* The child's side: the vault opened as a command would, the question
 * measured, its own peak RSS taken before the plain copy's run, one line
 * of results written to fd. */
static int stream_question_child(size_t i, int fd, const char *dir)
{
    const struct stream_question *qn = &stream_questions[i];
    bench_dir = dir;
    open_bench(dir);
    long unlocked = status_kib("VmHWM");
    sink = fopen("/dev/null", "w");
    double core = measure(qn->core, qn->runs), base = 0;
    long peak = status_kib("VmHWM");
    if (qn->plain) {
        plain_sql = qn->plain;
        base = measure(q_plain, qn->runs);
    } else if (qn->plain_fn) {
        base = measure(qn->plain_fn, qn->runs);
    }
    fclose(sink);
    sqlite3_close(plain);
    cl_vault_close(vault);
    dprintf(fd, "%f %f %lld %lld %ld %ld\n", core, base, rows_seen, out_bytes, unlocked, peak);
    return 0;
}

static void run_stream_questions(const char *dir)
{
    printf("  %-40s %10s %10s %7s\n", "paged and streamed (p95)", "carelog", "plain", "ratio");
    for (size_t i = 0; i < sizeof stream_questions / sizeof *stream_questions; i++) {
        const struct stream_question *qn = &stream_questions[i];
        if (!chosen(qn->name))
            continue;
        char which[16], line[256];
        snprintf(which, sizeof which, "%zu", i);
        const char *args[] = {which, dir, NULL};
        double core, base;
        long long rows, bytes;
        long unlocked, peak;
        if (!bench_run_self("--stream-question", args, line, sizeof line) ||
            sscanf(line, "%lf %lf %lld %lld %ld %ld", &core, &base, &rows, &bytes, &unlocked, &peak) != 6) {
            fprintf(stderr, "bench: %s: its process failed\n", qn->name);
            exit(1);
        }
        char extra[128] = "", rss[64];
        snprintf(rss, sizeof rss, "RSS %.1f MiB, %.1f after unlock", (double)peak / 1024, (double)unlocked / 1024);
        if (qn->unit && strcmp(qn->unit, "MB/s") == 0)
            snprintf(extra, sizeof extra, "  (%.0f MB/s, %s)", (double)bytes / 1e6 / core, rss);
        else if (qn->unit)
            snprintf(extra, sizeof extra, "  (%.0f %s, %s)", (double)rows / core, qn->unit, rss);
        else
            snprintf(extra, sizeof extra, "  (%s)", rss);
        printf("  %-40s %8.2fms %8.2fms %6.1fx%s\n", qn->name, core * 1e3, base * 1e3, base > 0 ? core / base : 0,
               extra);
    }
}

/* Opens the bench vault in dir and its plain copy. */
static void open_bench(const char *dir)
{
    char vdir[300], plain_path[300];
    snprintf(vdir, sizeof vdir, "%s/v", dir);
    snprintf(plain_path, sizeof plain_path, "%s/plain.db", dir);
    opened_dir = dir;
    cl_secret *pass;
    must(cl_secret_copy((const unsigned char *)"bench passphrase", 16, &pass), "secret");
    must(cl_vault_open(vdir, pass, false, &vault), "open");
    cl_secret_free(pass);
    if (sqlite3_open(plain_path, &plain) != SQLITE_OK)
        exit(1);
    plain_exec(plain, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL");
    must(cl_search_register(plain), "plain search functions");
    json_sink = fopen("/dev/null", "w");
    if (!json_sink)
        exit(1);
}

/* The vault's record count; picks the student with the longest history
 * (a scan of every record, so not in the streamed questions' processes). */
static long long pick_student(void)
{
    sqlite3_stmt *q;
    long long records = 0;
    sqlite3_prepare_v2(cl_vault_db(vault), "SELECT (SELECT n FROM row_counts WHERE name = 'records')", -1, &q, NULL);
    if (sqlite3_step(q) == SQLITE_ROW)
        records = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    sqlite3_prepare_v2(cl_vault_db(vault), "SELECT student_id FROM records GROUP BY student_id ORDER BY count(*) DESC,"
                       " student_id LIMIT " CL_STRINGIFY(WRITTEN_STUDENTS), -1, &q, NULL);
    n_written = 0;
    while (sqlite3_step(q) == SQLITE_ROW && n_written < WRITTEN_STUDENTS)
        written[n_written++] = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    a_student = n_written ? written[0] : 0;
    return records;
}

int main(int argc, char **argv)
{
    must(cl_secret_init_process(), "init");
    /* The processes this benchmark starts itself (see run_self). */
    if (argc >= 5 && strcmp(argv[1], "--stream-question") == 0)
        return stream_question_child((size_t)atoi(argv[3]), atoi(argv[2]), argv[4]);
    if (argc >= 4 && strcmp(argv[1], "--spawn") == 0)
        return bench_spawn_child(atoi(argv[2]), argv + 3);
    int students = argc > 1 ? atoi(argv[1]) : 10000;
    int per_student = argc > 2 ? atoi(argv[2]) : 0;
    only = argc > 3 ? argv[3] : NULL;
    setenv("CARELOG_TEST_FAST_KDF", "1", 1); /* the unlock is not measured */
    setenv("CARELOG_TEST_NOW", "2026-11-20T08:00:00Z", 1);
    const char *build = getenv("BUILD") ? getenv("BUILD") : "build";
    char dir[256], vdir[300], plain_path[300];
    /* By schema version too: a vault cached by another schema is not reused. */
    snprintf(dir, sizeof dir, "%s/bench-vault-%d-r%d-s%d", build, students, per_student, cl_db_schema_version());
    snprintf(vdir, sizeof vdir, "%s/v", dir);
    snprintf(plain_path, sizeof plain_path, "%s/plain.db", dir);
    struct stat sb;
    double made = 0, made_cpu = 0;
    long long records = 0;
    if (stat(vdir, &sb) != 0)
        make_vault(dir, vdir, plain_path, students, per_student, &made, &made_cpu, &records);
    open_bench(dir);
    same_indexes_on_plain();
    records = pick_student();
    printf("scale benchmark: %d students, %lld records (vault in %s)\n", students, records, dir);
    if (made > 0)
        printf("  generated in %.1f s (%.1f s CPU): %.0f records/s through the core (%.0f per CPU second)\n", made,
               made_cpu, (double)records / made, made_cpu > 0 ? (double)records / made_cpu : 0);
    printf("  %-40s %10s %10s %7s\n", "question (p95)", "carelog", "plain", "ratio");
    for (size_t i = 0; i < sizeof questions / sizeof *questions; i++) {
        const struct question *qn = &questions[i];
        if (!chosen(qn->name))
            continue;
        between_runs = getenv("BENCH_COLD") && !qn->between ? reopen : qn->between;
        int runs = getenv("BENCH_RUNS") && qn->runs == RUNS ? atoi(getenv("BENCH_RUNS")) : qn->runs;
        double core = measure(qn->core, runs), base = 0, core_p50 = last_p50, core_p99 = last_p99;
        double cpu_p50 = last_cpu_p50, cpu_p95 = last_cpu_p95;
        /* the plain copy has no checkpointer to wait for */
        between_runs = between_runs == reopen ? reopen : NULL;
        if (getenv("BENCH_NO_PLAIN")) {
        } else if (qn->plain) {
            plain_sql = qn->plain;
            base = measure(q_plain, runs);
        } else if (qn->plain_fn) {
            base = measure(qn->plain_fn, runs);
        }
        double base_p50 = last_p50, base_p99 = last_p99, base_cpu_p50 = last_cpu_p50;
        char extra[128] = "";
        if (qn->core == q_stream)
            snprintf(extra, sizeof extra, "  (%.0f rows/s)", (double)streamed / core);
        else if (qn->runs == WRITE_RUNS)
            snprintf(extra, sizeof extra, "  (p50 %.2f p99 %.2fms, plain %.2f %.2fms; %d runs)", core_p50 * 1e3,
                     core_p99 * 1e3, base_p50 * 1e3, base_p99 * 1e3, qn->runs);
        else if (qn->plain_fn)
            snprintf(extra, sizeof extra, "  (p50 %.2fms, plain %.2fms)", core_p50 * 1e3, base_p50 * 1e3);
        if (qn->core == q_agenda || qn->core == q_due)
            snprintf(extra, sizeof extra, "  (p50 %.2fms; CPU p95 %.2fms, p50 %.2fms, plain %.2fms; %.2f MB of JSON)",
                     core_p50 * 1e3, cpu_p95 * 1e3, cpu_p50 * 1e3, base_cpu_p50 * 1e3, (double)json_bytes / 1e6);
        if (base > 0)
            printf("  %-40s %8.2fms %8.2fms %6.1fx%s\n", qn->name, core * 1e3, base * 1e3, core / base, extra);
        else
            printf("  %-40s %8.2fms %10s %7s\n", qn->name, core * 1e3, "-", "-");
    }
    printf("  peak RSS of the questions above (one process) %.1f MiB\n", peak_rss_mib());
    sqlite3_close(plain);
    cl_vault_close(vault);
    run_stream_questions(dir);
    bench_run_commands(build, dir, vdir, only);
    return 0;
}
