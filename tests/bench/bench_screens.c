/* What the screens cost at scale, two ways.
 *
 * 1. What they ask the core for on each key: the students list's count
 *    and first page in each order, a page deep in the list, the home
 *    charts.
 * 2. The screens themselves, in their scripted mode (src/ui/script.c): the
 *    test build of carelog runs a script of keys on the vault, and each
 *    key's time, from the key to the screen drawn after it, is written out
 *    ("time LABEL"): home, the students list with a filter in each order,
 *    a search, a student's file of 200 records, opening a record, the
 *    editor, saving, and moving the cursor; with the peak RSS of that
 *    process (its VmHWM; the KDF at test cost, so it is not in it).
 * Each beside the plain SQLite of the same shape on the same machine (the
 *    writes on a plain database in WAL with synchronous = FULL beside the
 *    vault, so the disk's fsync is in both), as a ratio. p95 over repeated
 *    runs. The vault (N students, 20 records each, one student with a file
 *    of 200 sessions) is made once and kept under build/bench-screens-N-sV
 *    (V the schema version).
 * Usage: bench_screens [STUDENTS] (default 10000). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "carelog/catalog.h"
#include "carelog/clock.h"
#include "carelog/record.h"
#include "carelog/secret.h"
#include "carelog/storage.h"
#include "carelog/student.h"
#include "carelog/synth.h"
#include "carelog/vault.h"

#include "bench_support.h"

#define RUNS 15
#define SCREEN_RUNS 20 /* even: the edit typed in one run is taken back in the next */
#define LONG_FILE 200  /* records in the file of the student BENCH_NUMBER */
#define BENCH_NUMBER "99990001"
#define PAGE 120 /* the screens' page (view_students.c) */

static double p95(double *t, int n)
{
    qsort(t, (size_t)n, sizeof *t, cmp_double);
    return t[(n * 95 + 99) / 100 - 1];
}

static cl_vault *vault;

static void list_page(cl_student_sort sort, long long offset, const char *search)
{
    cl_student_filter f = {.risk = -1, .sort = sort, .offset = offset, .limit = PAGE, .search = search};
    long long n;
    must(cl_student_count(vault, &f, &n), "count");
    json_t *page;
    must(cl_student_list(vault, &f, &page), "list");
    json_decref(page);
}

static void plain_sql(const char *sql)
{
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(cl_vault_db(vault), sql, -1, &q, NULL) != SQLITE_OK) {
        fprintf(stderr, "bench: %s\n", sqlite3_errmsg(cl_vault_db(vault)));
        exit(1);
    }
    while (sqlite3_step(q) == SQLITE_ROW)
        (void)sqlite3_column_text(q, 0);
    sqlite3_finalize(q);
}

static void report(const char *what, double core, double sql)
{
    printf("  %-42s %8.2f ms %8.2f ms %6.1fx\n", what, core * 1e3, sql * 1e3, sql > 0 ? core / sql : 0);
}

/* One screen: p95 of its wall and CPU times beside plain SQLite's (both
 * 0: a key that should ask the database nothing), and the most SQL
 * statements one of its runs ran. */
typedef struct figures {
    double wall, cpu, plain_wall, plain_cpu;
    long statements;
} figures;

static void report_screen(const char *what, const figures *f)
{
    printf("  %-42s %7.2f %7.2f ms", what, f->wall * 1e3, f->cpu * 1e3);
    if (f->plain_wall > 0)
        printf(" %7.2f %7.2f ms %5.1fx %5.1fx\n", f->plain_wall * 1e3, f->plain_cpu * 1e3, f->wall / f->plain_wall,
               f->plain_cpu > 0 ? f->cpu / f->plain_cpu : 0);
    else if (f->statements == 0)
        printf("   no query\n");
    else
        printf("   %ld SQL statements in a run\n", f->statements);
}

/* ---- the vault: generated, plus one student with a long file ---- */

static long long long_file_student(void)
{
    sqlite3_stmt *q;
    long long id = 0;
    if (sqlite3_prepare_v2(cl_vault_db(vault), "SELECT id FROM students WHERE number = '" BENCH_NUMBER "'", -1, &q,
                           NULL) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW)
        id = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return id;
}

/* The student whose file holds LONG_FILE sessions, one a day back from
 * today, made the first time. */
static long long ensure_long_file(void)
{
    long long id = long_file_student();
    if (id)
        return id;
    json_t *fields = json_pack("{s:s, s:s, s:s, s:s}", "number", BENCH_NUMBER, "name", "基准学生", "class",
                               "九年级(9)班", "status", "active");
    must(cl_student_add(vault, fields, true, &id), "the student of the long file");
    json_decref(fields);
    for (int i = LONG_FILE; i > 0; i--) {
        char day[11];
        cl_time_date(cl_now() - (time_t)i * 86400, day, sizeof day);
        fields = json_pack("{s:s, s:s, s:b, s:s, s:s}", "occurred_at", day, "session_type", "individual",
                           "risk_noted", 0, "presenting_issue", "学习压力大，睡眠不好", "data",
                           "本次谈话围绕考试焦虑展开，学生能说出担心的具体内容。");
        must(cl_record_add(vault, "session", id, fields, 0, NULL), "a session of the long file");
        json_decref(fields);
    }
    return id;
}

/* ---- the screens in the scripted mode ---- */

/* The keys of SCREEN_RUNS rounds through the screens, each key worth a
 * figure marked with "time LABEL" (the labels are those of `measured`). */
static void write_script(const char *path)
{
    FILE *out = fopen(path, "w");
    if (!out) {
        perror(path);
        exit(1);
    }
    fputs("keys bench passphrase\nkey Enter\n", out);
    for (int r = 0; r < SCREEN_RUNS; r++) {
        fputs("time home (reload)\nkey R\n"
              "time students, first page\nkey s\n"
              "time students, risk filter\nkey r\n" /* risk 0 */
              "time students, risk filter\nkey r\n" /* 1 */
              "time students, risk filter\nkey r\n" /* 2 */
              "time students by name, risk filter\nkey o\n"
              "time students by risk, risk filter\nkey o\n"
              "time students by due date, risk filter\nkey o\n"
              "time students by class, risk filter\nkey o\n"
              "time cursor down, students\nkey Down\n"
              "time cursor up, students\nkey Up\n"
              "key r\nkey r\n" /* risk 3, then any */
              "key c\nkeys 九年级(3)班\ntime students, a class filter\nkey Enter\n"
              "time students by name, class filter\nkey o\nkey o\nkey o\nkey o\nkey x\n"
              "key f\nkeys left_behind\ntime students, a circumstance filter\nkey Enter\n"
              "time students by due date, circumstance filter\nkey o\nkey o\nkey o\nkey o\nkey x\n"
              "key /\nkeys " BENCH_NUMBER "\nkey Enter\n"
              "time student file, 200 records\nkey Enter\n"
              "time cursor down, student file\nkey Down\n"
              "key Up\n"
              "time record opened\nkey Enter\n"
              "time editor opened\nkey e\n"
              "key Tab 4\n", out);
        /* presenting_issue: a character typed, or taken back */
        fputs(r % 2 == 0 ? "keys 。\n" : "key Backspace\n", out);
        fputs("time record saved\nkey Ctrl-S\n"
              "key q\nkey q\nkey x\nkey q\n", out);
    }
    fputs("key q\n", out);
    fclose(out);
}

/* Runs the test build's screens on dir with the script. */
static void run_screens(const char *carelog, const char *dir, const char *script, const char *times)
{
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        exit(1);
    }
    if (pid == 0) {
        setenv("CARELOG_SCREEN_SCRIPT", script, 1);
        setenv("CARELOG_SCREEN_TIMES", times, 1);
        setenv("CARELOG_TEST_FAST_KDF", "1", 1);
        execl(carelog, "carelog", "--vault", dir, (char *)NULL);
        perror(carelog);
        _exit(127);
    }
    int status;
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "bench: the screens (%s) failed\n", carelog);
        exit(1);
    }
}

/* The screens' peak RSS in KiB, as the process said at its end (its
 * VmHWM: a child's getrusage would count this forked parent's pages). */
static long peak_rss_of(const char *path)
{
    FILE *in = fopen(path, "r");
    char line[256];
    long kib = -1;
    while (in && fgets(line, sizeof line, in))
        if (sscanf(line, "# VmHWM %ld", &kib) == 1)
            break;
    if (in)
        fclose(in);
    if (kib < 0) {
        fprintf(stderr, "bench: the screens did not say their peak RSS\n");
        exit(1);
    }
    return kib;
}

/* The figures of one label from the times file, in seconds, and the most
 * statements one of them ran. */
static int times_of(const char *path, const char *label, double *t, double *cpu, int max, long *statements)
{
    *statements = 0;
    FILE *in = fopen(path, "r");
    if (!in) {
        perror(path);
        exit(1);
    }
    char line[256];
    int n = 0;
    while (n < max && fgets(line, sizeof line, in)) {
        double seconds, cpu_seconds;
        long ran;
        int at = 0;
        if (sscanf(line, "%lf %lf %ld %n", &seconds, &cpu_seconds, &ran, &at) != 3 || at == 0)
            continue;
        line[strcspn(line, "\n")] = '\0';
        if (strcmp(line + at, label) == 0) {
            cpu[n] = cpu_seconds;
            t[n++] = seconds;
            if (ran > *statements)
                *statements = ran;
        }
    }
    fclose(in);
    return n;
}

/* The plain SQLite database the writes are compared with: WAL and
 * synchronous = FULL as the vault, on the same disk. */
static sqlite3 *plain;

static void plain_exec(sqlite3 *db, const char *sql)
{
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
        fprintf(stderr, "bench: %s\n", err ? err : sqlite3_errmsg(db));
        exit(1);
    }
}

static void open_plain(const char *path)
{
    if (sqlite3_open(path, &plain) != SQLITE_OK) {
        fprintf(stderr, "bench: %s: %s\n", path, sqlite3_errmsg(plain));
        exit(1);
    }
    plain_exec(plain, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
                      "CREATE TABLE IF NOT EXISTS log (id INTEGER PRIMARY KEY, at TEXT, what TEXT);"
                      "CREATE TABLE IF NOT EXISTS recs (id INTEGER PRIMARY KEY, fields TEXT, version INTEGER);"
                      "CREATE TABLE IF NOT EXISTS versions (id INTEGER PRIMARY KEY, rec INTEGER, fields TEXT);"
                      "INSERT OR IGNORE INTO recs VALUES (1, '{}', 1);");
}

/* The plain counterpart of each screen, on the vault's own connection
 * (reads) and the plain database (writes). */
typedef struct measured {
    const char *label;
    const char *sql;  /* reads on the vault; NULL: none (a cursor move) */
    const char *write; /* on the plain database, after the reads; NULL: none */
} measured;

#define PLAIN_PAGE(where, order)                                                                                  \
    "SELECT count(*) FROM students s WHERE s.merged_into IS NULL " where ";"                                        \
    "SELECT s.id, s.number, s.name, s.class, s.status, s.risk_level, t.last_contact, t.next_due FROM students s" \
    " LEFT JOIN student_state t ON t.student_id = s.id WHERE s.merged_into IS NULL " where " ORDER BY " order     \
    " LIMIT 120;"
#define PLAIN_RECORD "SELECT * FROM records WHERE id = (SELECT max(id) FROM records WHERE student_id = ?1);"
#define PLAIN_LOG "INSERT INTO log(at, what) VALUES (datetime('now'), 'viewed');"

static const measured screens[] = {
    {"home (reload)",
     "SELECT f.id, s.name FROM flags f JOIN students s ON s.id = f.student_id WHERE f.cleared_at IS NULL"
     " ORDER BY f.raised_at, f.id LIMIT 24;"
     "SELECT count(*) FROM flags WHERE cleared_at IS NULL;"
     "SELECT f.due_date, s.name FROM followups f JOIN students s ON s.id = f.student_id WHERE f.open"
     " AND f.due_date < date('now') ORDER BY f.due_date, s.number LIMIT 24;"
     "SELECT count(*) FROM followups WHERE open AND due_date <= date('now');"
     "SELECT count(*) FROM student_state WHERE policy_due <= date('now');"
     "SELECT count(*) FROM inbox WHERE status = 'new';"
     "SELECT day, n FROM record_days WHERE day >= date('now', '-83 days');"
     "SELECT risk_level, count(*) FROM students WHERE merged_into IS NULL GROUP BY risk_level;",
     NULL},
    {"students, first page", PLAIN_PAGE("", "s.class, s.number, s.id"), NULL},
    {"students, risk filter", PLAIN_PAGE("AND s.risk_level = 1", "s.class, s.number, s.id"), NULL},
    {"students by name, risk filter", PLAIN_PAGE("AND s.risk_level = 2", "s.name, s.number, s.id"), NULL},
    {"students by risk, risk filter", PLAIN_PAGE("AND s.risk_level = 2", "s.risk_level DESC, s.class, s.number"), NULL},
    {"students by due date, risk filter",
     PLAIN_PAGE("AND s.risk_level = 2", "coalesce(t.next_due, '9999-12-31'), s.id"), NULL},
    {"students by class, risk filter", PLAIN_PAGE("AND s.risk_level = 2", "s.class, s.number, s.id"), NULL},
    {"students, a class filter", PLAIN_PAGE("AND s.class = '九年级(3)班'", "s.class, s.number, s.id"), NULL},
    {"students by name, class filter", PLAIN_PAGE("AND s.class = '九年级(3)班'", "s.name, s.number, s.id"), NULL},
    {"students, a circumstance filter",
     PLAIN_PAGE("AND EXISTS (SELECT 1 FROM records r, json_each(r.fields, '$.circumstances') j WHERE r.id = s.record_id"
                " AND j.value = 'left_behind')", "s.class, s.number, s.id"), NULL},
    {"students by due date, circumstance filter",
     PLAIN_PAGE("AND EXISTS (SELECT 1 FROM records r, json_each(r.fields, '$.circumstances') j WHERE r.id = s.record_id"
                " AND j.value = 'left_behind')", "coalesce(t.next_due, '9999-12-31'), s.id"), NULL},
    {"cursor down, students", NULL, NULL},
    {"cursor up, students", NULL, NULL},
    {"student file, 200 records",
     "SELECT * FROM students WHERE id = ?1; SELECT * FROM records WHERE id = (SELECT record_id FROM students"
     " WHERE id = ?1);"
     "SELECT id, kind, occurred_at, author, fields FROM records WHERE student_id = ?1 AND kind <> 'student'"
     " ORDER BY occurred_at DESC, id DESC;",
     PLAIN_LOG},
    {"cursor down, student file", NULL, NULL},
    {"record opened", PLAIN_RECORD, PLAIN_LOG},
    {"editor opened", PLAIN_RECORD "SELECT source FROM forms WHERE kind = 'session' ORDER BY version DESC LIMIT 1;",
     NULL},
    {"record saved", PLAIN_RECORD,
     "BEGIN IMMEDIATE; INSERT INTO versions(rec, fields) SELECT id, fields FROM recs WHERE id = 1;"
     " UPDATE recs SET fields = json_set(fields, '$.n', version), version = version + 1 WHERE id = 1;"
     PLAIN_LOG " COMMIT;"},
};

/* Runs each statement of sql (several, ;-separated) on db with ?1 bound. */
static void plain_run(sqlite3 *db, const char *sql, long long arg)
{
    const char *tail = sql;
    while (tail && *tail) {
        sqlite3_stmt *q = NULL;
        if (sqlite3_prepare_v2(db, tail, -1, &q, &tail) != SQLITE_OK) {
            fprintf(stderr, "bench: %s\n", sqlite3_errmsg(db));
            exit(1);
        }
        if (!q)
            break;
        if (sqlite3_bind_parameter_count(q) > 0)
            sqlite3_bind_int64(q, 1, arg);
        while (sqlite3_step(q) == SQLITE_ROW)
            for (int c = 0; c < sqlite3_column_count(q); c++)
                (void)sqlite3_column_text(q, c);
        sqlite3_finalize(q);
    }
}

static void bench_scripted(const char *build, const char *dir, long long student)
{
    char carelog[300], script[300], times[300], plain_path[300];
    snprintf(carelog, sizeof carelog, "%s/test/carelog", build);
    snprintf(script, sizeof script, "%s.keys", dir);
    snprintf(times, sizeof times, "%s.times", dir);
    snprintf(plain_path, sizeof plain_path, "%s-plain.db", dir);
    write_script(script);
    remove(times);
    run_screens(carelog, dir, script, times);
    long rss = peak_rss_of(times);
    open_plain(plain_path);
    printf("the screens in the scripted mode (%s), p95 of %d runs:\n"
           "  %-42s %7s %7s    %7s %7s    %5s  %5s\n", carelog, SCREEN_RUNS, "screen (key to the screen drawn)", "wall",
           "CPU", "plain", "CPU", "ratio", "CPU");
    for (size_t i = 0; i < sizeof screens / sizeof *screens; i++) {
        double wall[SCREEN_RUNS * 3], cpu[SCREEN_RUNS * 3], sql[RUNS], sql_cpu[RUNS];
        figures f = {0};
        int n = times_of(times, screens[i].label, wall, cpu, SCREEN_RUNS * 3, &f.statements);
        if (n == 0) {
            fprintf(stderr, "bench: no time for \"%s\"\n", screens[i].label);
            exit(1);
        }
        f.wall = p95(wall, n);
        f.cpu = p95(cpu, n);
        for (int r = 0; screens[i].sql && r < RUNS; r++) {
            double t0 = now_s(), c0 = cpu_s();
            plain_run(cl_vault_db(vault), screens[i].sql, student);
            if (screens[i].write)
                plain_run(plain, screens[i].write, 0);
            sql[r] = now_s() - t0;
            sql_cpu[r] = cpu_s() - c0;
        }
        if (screens[i].sql) {
            f.plain_wall = p95(sql, RUNS);
            f.plain_cpu = p95(sql_cpu, RUNS);
        }
        report_screen(screens[i].label, &f);
    }
    printf("  peak RSS of the screens' process: %.1f MiB (KDF at test cost)\n", (double)rss / 1024.0);
    sqlite3_close(plain);
    remove(script);
    remove(times);
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 10000;
    must(cl_secret_init_process(), "init");
    setenv("CARELOG_TEST_FAST_KDF", "1", 1);
    const char *build = getenv("BUILD") ? getenv("BUILD") : "build";
    char dir[256];
    /* Keyed by the schema version too: a vault made by an older build
     * would be migrated on opening, not made as this build makes it. */
    snprintf(dir, sizeof dir, "%s/bench-screens-%d-s%d", build, n, cl_db_schema_version());
    cl_secret *pass;
    must(cl_secret_copy((const unsigned char *)"bench passphrase", 16, &pass), "secret");
    struct stat sb;
    if (stat(dir, &sb) != 0) {
        cl_secret *recovery = NULL;
        must(cl_vault_init(dir, "基准中学", "王老师", pass, &recovery, &vault), "vault init");
        cl_secret_free(recovery);
        must(cl_catalog_install_builtin(vault), "forms");
        cl_synth_options opt = {.students = n, .seed = 1, .months = 6, .records_per_student = 20};
        must(cl_synth_fill(vault, &opt, NULL), "generate");
    } else {
        must(cl_vault_open(dir, pass, false, &vault), "open");
    }
    cl_secret_free(pass);
    long long student = ensure_long_file();
    long long records = 0;
    cl_record_filter all = {0};
    must(cl_record_count(vault, &all, &records), "count");
    static const char *const sorts[CL_STUDENT_SORTS] = {"class", "name", "risk", "due date"};
    static const char *const orders[CL_STUDENT_SORTS] = {
        "s.class, s.number, s.id", "s.name, s.number, s.id", "s.risk_level DESC, s.class, s.number, s.id",
        "coalesce(t.next_due, '9999-12-31'), s.id"};
    printf("bench_screens: %d students, %lld records (and the students' own); what the screens ask the core, p95 of"
           " %d runs: core, plain SQL, ratio\n", n, records, RUNS);
    double core[RUNS], sql[RUNS];
    for (int s = 0; s < CL_STUDENT_SORTS; s++) {
        char *q = sqlite3_mprintf("SELECT (SELECT count(*) FROM students WHERE merged_into IS NULL),"
                                  " s.id, s.number, s.name, s.class, t.last_contact, t.next_due FROM students s"
                                  " LEFT JOIN student_state t ON t.student_id = s.id WHERE s.merged_into IS NULL"
                                  " ORDER BY %s LIMIT %d", orders[s], PAGE);
        for (int r = 0; r < RUNS; r++) {
            double t0 = now_s();
            list_page((cl_student_sort)s, 0, NULL);
            core[r] = now_s() - t0;
            t0 = now_s();
            plain_sql(q);
            sql[r] = now_s() - t0;
        }
        sqlite3_free(q);
        char what[64];
        snprintf(what, sizeof what, "students by %s, first page", sorts[s]);
        report(what, p95(core, RUNS), p95(sql, RUNS));
    }
    char *deep = sqlite3_mprintf("SELECT s.id, s.number, s.name FROM students s WHERE s.merged_into IS NULL"
                                 " ORDER BY s.class, s.number, s.id LIMIT %d OFFSET %d", PAGE, n / 2);
    for (int r = 0; r < RUNS; r++) {
        double t0 = now_s();
        list_page(CL_STUDENT_BY_CLASS, n / 2, NULL);
        core[r] = now_s() - t0;
        t0 = now_s();
        plain_sql(deep);
        sql[r] = now_s() - t0;
    }
    sqlite3_free(deep);
    report("students, the page half-way down", p95(core, RUNS), p95(sql, RUNS));
    for (int r = 0; r < RUNS; r++) {
        double t0 = now_s();
        list_page(CL_STUDENT_BY_CLASS, 0, "王");
        core[r] = now_s() - t0;
        t0 = now_s();
        plain_sql("SELECT s.id FROM students s WHERE s.merged_into IS NULL AND instr(s.name, '王') > 0"
                  " ORDER BY s.class, s.number LIMIT 120");
        sql[r] = now_s() - t0;
    }
    report("students searched by a name", p95(core, RUNS), p95(sql, RUNS));
    char today[11];
    cl_time_date(cl_now(), today, sizeof today);
    char *weeks_sql = sqlite3_mprintf("SELECT CAST((julianday('%s') - julianday(substr(occurred_at, 1, 10))) / 7 AS"
                                      " INTEGER), count(*) FROM records WHERE occurred_at >= date('%s', '-83 days')"
                                      " AND kind <> 'student' GROUP BY 1", today, today);
    for (int r = 0; r < RUNS; r++) {
        long long weeks[12], risk[CL_RISK_MAX + 1];
        double t0 = now_s();
        must(cl_record_count_by_week(vault, today, 12, weeks), "weeks");
        must(cl_student_count_by_risk(vault, risk), "risk");
        core[r] = now_s() - t0;
        t0 = now_s();
        plain_sql(weeks_sql);
        plain_sql("SELECT risk_level, count(*) FROM students WHERE merged_into IS NULL GROUP BY risk_level");
        sql[r] = now_s() - t0;
    }
    sqlite3_free(weeks_sql);
    report("home charts (12 weeks, by risk)", p95(core, RUNS), p95(sql, RUNS));
    bench_scripted(build, dir, student);
    cl_vault_close(vault);
    return 0;
}
