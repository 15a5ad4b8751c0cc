/* Commands that move data in and out of the vault: the roster import, the
 * whole-vault JSON export and import ("no lock-in"), and the synthetic data
 * generator. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "carelog/cli.h"
#include "carelog/i18n.h"
#include "carelog/file.h"
#include "carelog/roster.h"
#include "carelog/synth.h"
#include "carelog/text.h"
#include "carelog/transfer.h"

#define MAX_ROSTER_BYTES ((size_t)64 << 20)

/* ---- import roster ---------------------------------------------------- */

typedef struct roster_opts {
    const char *encoding;
    bool dry_run, update, skip_existing;
} roster_opts;

static int roster_option(cl_cli *c, int opt, const char *arg, void *ctx)
{
    (void)c;
    roster_opts *o = ctx;
    if (opt == 'e') {
        if (strcmp(arg, "auto") != 0 && strcmp(arg, "utf-8") != 0 && strcmp(arg, "utf8") != 0 &&
            strcmp(arg, "gb18030") != 0 && strcmp(arg, "gbk") != 0)
            return cl_cli_fail(cl_fail(CL_EUSAGE, _("--encoding takes auto, utf-8 or gb18030")));
        o->encoding = strcmp(arg, "utf8") == 0 ? "utf-8" : strcmp(arg, "gbk") == 0 ? "gb18030" : arg;
    } else if (opt == 'n') {
        o->dry_run = true;
    } else if (opt == 'u') {
        o->update = true;
    } else if (opt == 's') {
        o->skip_existing = true;
    }
    return 0;
}

static void print_roster_problems(const json_t *report)
{
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(report, "problems"), i, p) {
        fprintf(stderr, _("  line %lld: "), (long long)json_integer_value(json_object_get(p, "line")));
        cl_cli_print_text(stderr, json_string_value(json_object_get(p, "message")));
        fputc('\n', stderr);
    }
}

static void print_ignored(const json_t *report)
{
    const json_t *ignored = json_object_get(report, "ignored_columns");
    if (json_array_size(ignored) == 0)
        return;
    fprintf(stderr,
            ngettext("carelog: ignored %zu column that matches no student field: ",
                     "carelog: ignored %zu columns that match no student field: ", json_array_size(ignored)),
            json_array_size(ignored));
    size_t i;
    json_t *col;
    json_array_foreach(ignored, i, col) {
        fputs(i ? ", \"" : "\"", stderr);
        cl_cli_print_text(stderr, json_string_value(col));
        fputc('"', stderr);
    }
    fputc('\n', stderr);
}

static int cmd_import_roster(cl_cli *c)
{
    static const struct option options[] = {
        {"encoding", required_argument, NULL, 'e'},
        {"dry-run", no_argument, NULL, 'n'},
        {"update", no_argument, NULL, 'u'},
        {"skip-existing", no_argument, NULL, 's'},
        {0, 0, 0, 0},
    };
    roster_opts o = {"auto", false, false, false};
    int first;
    int rc = cl_cli_parse(
        c, options, _("FILE.csv [--encoding auto|utf-8|gb18030] [--update|--skip-existing] [--dry-run] [--json]"),
        _("Imports students from a roster exported by a school system (Excel or WPS CSV,\n"
        "UTF-8 with or without BOM, or GB18030). The header row names the columns in\n"
        "Chinese or English: 学号/number, 姓名/name, 班级/class, 性别/gender,\n"
        "出生日期/birth_date, 监护人/guardian, 与学生关系/relation, 联系电话/phone,\n"
        "困境类型 or 特殊情况/circumstances, 住校/boarding, 状态/status, 负责老师/counsellor,\n"
        "备注/school_notes, or any field of the student form; other columns are ignored\n"
        "and named. Values are checked as `student add` checks them.\n"
        "All or nothing: every rejected row is listed with its line and reason, and if\n"
        "any row is rejected nothing is imported (exit 65). A student number twice in the\n"
        "file or already in the vault is rejected, never merged, unless:\n"
        "  --update         students already in the vault (by number) get their class and\n"
        "                   details from the file, as `student edit` would (the earlier\n"
        "                   version is kept); empty cells change nothing, the status only\n"
        "                   with a status column (next term's roster)\n"
        "  --skip-existing  students already in the vault are left as they are\n"
        "Numbers and classes are compared as typed in either width (２０２６０００１, 初二（3）班);\n"
        "20120305 is a date; a phone's leading apostrophe and spaces are dropped.\n"
        "  --encoding E     auto (default: UTF-8 if valid, else GB18030), utf-8, gb18030\n"
        "  --dry-run        check everything, write nothing\n"
        "  --json           print the report as JSON\n"),
        roster_option, &o, 1, &first);
    if (rc != 0)
        return cl_cli_exit(rc);
    if (o.update && o.skip_existing)
        return cl_cli_fail(cl_fail(CL_EUSAGE, _("choose --update or --skip-existing, not both")));
    const char *path = c->argv[first];
    unsigned char *data;
    size_t len;
    cl_status st = cl_file_read(path, MAX_ROSTER_BYTES, &data, &len);
    if (st != CL_OK)
        return cl_cli_fail(st);
    st = cl_cli_unlock(c);
    json_t *report = NULL;
    cl_roster_options ro = {o.encoding, o.dry_run,
                            o.update ? CL_ROSTER_UPDATE : o.skip_existing ? CL_ROSTER_SKIP : CL_ROSTER_REJECT};
    if (st == CL_OK)
        st = cl_roster_import_with(c->vault, (const char *)data, len, &ro, &report);
    free(data);
    if (!report)
        return cl_cli_fail(st);
    if (c->json) {
        json_t *copy = json_incref(report);
        cl_cli_print_json(copy);
    } else {
        print_ignored(report);
    }
    int exit_code = 0;
    if (st != CL_OK) {
        exit_code = cl_cli_fail(st);
        if (!c->json)
            print_roster_problems(report);
    } else if (!c->json) {
        long long n = (long long)json_array_size(json_object_get(report, "students"));
        if (o.dry_run)
            printf(ngettext("Checked %lld student: all rows are good. Nothing was written (--dry-run).\n",
                            "Checked %lld students: all rows are good. Nothing was written (--dry-run).\n",
                            (unsigned long)n), n);
        else if (!o.update && !o.skip_existing)
            printf(ngettext("Imported %lld student from %s.\n", "Imported %lld students from %s.\n", (unsigned long)n), n, path);
        else
            printf(_("From %s: %lld new, %lld updated, %lld unchanged, %lld skipped.\n"), path,
                   (long long)json_integer_value(json_object_get(report, "imported")),
                   (long long)json_integer_value(json_object_get(report, "updated")),
                   (long long)json_integer_value(json_object_get(report, "unchanged")),
                   (long long)json_integer_value(json_object_get(report, "skipped")));
    }
    json_decref(report);
    return exit_code;
}

/* ---- export vault ----------------------------------------------------- */

typedef struct export_opts {
    const char *path;
} export_opts;
static const export_opts no_output = {NULL};

static int out_option(cl_cli *c, int opt, const char *arg, void *ctx)
{
    (void)c;
    if (opt == 'o')
        ((export_opts *)ctx)->path = arg;
    return 0;
}

static cl_status export_check(cl_cli *c, void *opts)
{
    const char *path = ((const export_opts *)opts)->path;
    if (!path || c->operands != 0)
        return cl_fail(CL_EUSAGE, _("usage: carelog export vault --json -o FILE"));
    if (access(path, F_OK) == 0)
        return cl_fail(CL_ECANTCREATE, _("%s already exists; it was left untouched (choose another name)"), path);
    return CL_OK;
}

static cl_status export_vault(cl_cli *c, void *opts, json_t **summary)
{
    const char *path = ((const export_opts *)opts)->path;
    char *question = cl_strdup_printf(_("Write the whole vault UNENCRYPTED to %s?"), path);
    cl_status st = question ? cl_cli_confirm(c, question) : cl_fail(CL_ESOFTWARE, _("out of memory"));
    free(question);
    return st == CL_OK ? cl_transfer_export_file(c->vault, path, summary) : st;
}

static cl_status show_exported(cl_cli *c, const void *opts, const json_t *summary)
{
    (void)c;
    printf(_("Exported %lld students and %lld records to %s (mode 0600, not encrypted: keep it safe and delete it "
             "when done).\n"),
           (long long)json_integer_value(json_object_get(summary, "students")),
           (long long)json_integer_value(json_object_get(summary, "records")), ((const export_opts *)opts)->path);
    return CL_OK;
}

static const struct option export_options[] = {
    {"output", required_argument, NULL, 'o'},
    {0, 0, 0, 0},
};

static const cl_command_spec export_spec = {
    .usage = N_("--json -o FILE"),
    .help = N_("Writes the whole vault as one JSON document: every student and record with\n"
               "every field, earlier versions, amendments, signatures, referral transitions,\n"
               "flags, follow-up policies, forms, counsellors' names (never keys) and the audit\n"
               "log (format \"carelog-vault-export\" version 1, described in transfer.h).\n"
               "`carelog import vault` reads it back into an empty vault with nothing lost.\n"
               "The file is NOT encrypted: you are asked to confirm (--yes for scripts); it is\n"
               "written with mode 0600, never over an existing file, and the export is logged.\n"
               "  -o, --output FILE   where to write it (required)\n"),
    .options = export_options,
    .on_option = out_option,
    CL_CLI_OPTS(no_output),
    .operands = CL_CLI_ANY_OPERANDS,
    .needs = CL_CLI_UNLOCKED,
    .check = export_check,
    .call = export_vault,
    .show = show_exported,
};

/* ---- import vault ----------------------------------------------------- */

static cl_status import_vault(cl_cli *c, void *opts, json_t **summary)
{
    (void)opts;
    return cl_transfer_import_file(c->vault, c->operand[0], summary);
}

static cl_status show_imported(cl_cli *c, const void *opts, const json_t *summary)
{
    (void)c, (void)opts;
    printf(_("Imported %lld students and %lld records (%lld earlier versions, %lld amendments, %lld referral moves) "
             "from the vault of "),
           (long long)json_integer_value(json_object_get(summary, "students")),
           (long long)json_integer_value(json_object_get(summary, "records")),
           (long long)json_integer_value(json_object_get(summary, "versions")),
           (long long)json_integer_value(json_object_get(summary, "amendments")),
           (long long)json_integer_value(json_object_get(summary, "moves")));
    cl_cli_print_text(stdout, json_string_value(json_object_get(json_object_get(summary, "source"), "school")));
    printf(".\n");
    return CL_OK;
}

static const cl_command_spec import_spec = {
    .usage = N_("FILE"),
    .help = N_("Reads a `carelog export vault` document into this vault, which must be empty\n"
               "(no students, no records; exit 73 otherwise). Ids, versions, history, times,\n"
               "authors, states and signatures are kept. The document is checked strictly; any\n"
               "problem is exit 65 with nothing changed. Logged as import.vault.\n"),
    .operands = 1,
    .needs = CL_CLI_UNLOCKED,
    .call = import_vault,
    .show = show_imported,
};

/* ---- generate --------------------------------------------------------- */

static int number_arg(const char *name, const char *arg, long long min, long long max, long long *out)
{
    char *end;
    errno = 0;
    long long n = strtoll(arg, &end, 10);
    if (errno || end == arg || *end || n < min || n > max)
        return cl_cli_fail(cl_fail(CL_EUSAGE, _("--%s takes a whole number from %lld to %lld"), name, min, max));
    *out = n;
    return 0;
}

static int generate_option(cl_cli *c, int opt, const char *arg, void *ctx)
{
    (void)c;
    cl_synth_options *o = ctx;
    long long n;
    int rc = 0;
    if (opt == 'n' && (rc = number_arg("students", arg, 1, CL_SYNTH_MAX_STUDENTS, &n)) == 0)
        o->students = (int)n;
    else if (opt == 'm' && (rc = number_arg("months", arg, 1, CL_SYNTH_MAX_MONTHS, &n)) == 0)
        o->months = (int)n;
    else if (opt == 'r' &&
             (rc = number_arg("records-per-student", arg, 1, CL_SYNTH_MAX_RECORDS_PER_STUDENT, &n)) == 0)
        o->records_per_student = (int)n;
    else if (opt == 's') {
        char *end;
        errno = 0;
        unsigned long long s = strtoull(arg, &end, 10);
        if (errno || end == arg || *end || arg[0] == '-')
            return cl_cli_fail(cl_fail(CL_EUSAGE, _("--seed takes a whole number (0 to 2^64-1)")));
        o->seed = (uint64_t)s;
    }
    return rc;
}

/* A bar on a terminal's stderr, redrawn after each batch. */
static void generate_progress(long long done, long long total, long long records, void *ctx)
{
    (void)ctx;
    int width = 30, filled = total ? (int)(done * width / total) : width;
    fprintf(stderr, "\r[%.*s%*s] ", filled, "==============================", width - filled, "");
    fprintf(stderr, _("%lld of %lld students, %lld records"), done, total, records);
    if (done == total)
        fputc('\n', stderr);
}

/* The merge of the search index that follows, on the same kind of line. */
static void generate_merge_progress(int percent, void *ctx)
{
    (void)ctx;
    fprintf(stderr, "\r");
    fprintf(stderr, _("Tidying the search index so that searches are fast: %d%%"), percent);
    if (percent >= 100)
        fputc('\n', stderr);
}

static cl_status generate(cl_cli *c, void *opts, json_t **report)
{
    cl_synth_options *o = opts;
    cl_synth_report r = {0};
    if (isatty(STDERR_FILENO))
        o->progress = generate_progress, o->merge_progress = generate_merge_progress;
    cl_status st = cl_synth_fill(c->vault, o, &r);
    if (st != CL_OK)
        return st;
    return cl_cli_result(report, json_pack(
        "{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "seed", (json_int_t)o->seed,
        "students", (json_int_t)r.students, "records", (json_int_t)r.records, "observations",
        (json_int_t)r.observations, "sessions", (json_int_t)r.sessions, "assessments", (json_int_t)r.assessments,
        "plans", (json_int_t)r.plans, "reviews", (json_int_t)r.reviews, "contacts", (json_int_t)r.contacts,
        "referrals", (json_int_t)r.referrals, "screenings", (json_int_t)r.screenings, "transitions",
        (json_int_t)r.transitions, "amendments", (json_int_t)r.amendments));
}

static cl_status show_generated(cl_cli *c, const void *opts, const json_t *report)
{
    (void)c;
    const cl_synth_options *o = opts;
#define N(key) (long long)json_integer_value(json_object_get(report, key))
    printf(_("Generated %lld synthetic students with %lld records (seed %" PRIu64 ", %d months):\n"
             "  %lld observations, %lld sessions, %lld assessments, %lld plans, %lld reviews,\n"
             "  %lld contacts, %lld screenings, %lld referrals (%lld moves), %lld amendments.\n"),
           N("students"), N("records"), o->seed, o->months, N("observations"), N("sessions"), N("assessments"),
           N("plans"), N("reviews"), N("contacts"), N("screenings"), N("referrals"), N("transitions"),
           N("amendments"));
#undef N
    return CL_OK;
}

static const struct option generate_options[] = {
    {"students", required_argument, NULL, 'n'},
    {"seed", required_argument, NULL, 's'},
    {"months", required_argument, NULL, 'm'},
    {"records-per-student", required_argument, NULL, 'r'},
    {0, 0, 0, 0},
};
static const cl_synth_options generate_defaults = {.students = 40, .seed = 1, .months = 6};

static const cl_command_spec generate_spec = {
    .usage = N_("[--students N] [--records-per-student R] [--seed S] [--months M]"),
    .help = N_("Fills an EMPTY vault with SYNTHETIC students and records, for demos, tests and\n"
               "benchmarks; a vault that already holds students is refused (exit 73). Invented\n"
               "Chinese names, classes, guardians (phones in the unused 100 block),\n"
               "circumstances, teachers' observations, sessions, assessments, plans with\n"
               "reviews, home contacts, PHQ-9/GAD-7 screenings and referrals along the loop.\n"
               "The same seed gives the same data (dates count back from today).\n"
               "  --students N   how many students (default 40)\n"
               "  --seed S       the seed (default 1)\n"
               "  --months M     how many months of history (default 6)\n"
               "  --records-per-student R\n"
               "                 R records for each student, the student's own included\n"
               "                 (default: the usual history, about 8 each); e.g. 10,000\n"
               "                 students with 100 each make a vault of a million records\n"),
    .options = generate_options,
    .on_option = generate_option,
    CL_CLI_OPTS(generate_defaults),
    .operands_error = N_("generate takes no operands"),
    .needs = CL_CLI_UNLOCKED,
    .call = generate,
    .show = show_generated,
};

const cl_command cl_transfer_commands[] = {
    {"import roster", "FILE.csv", N_("import students from a school roster (CSV, all or nothing)"), cmd_import_roster, NULL},
    {"export vault", "--json -o FILE", N_("export the whole vault as JSON (plaintext; asks first)"), NULL, &export_spec},
    {"import vault", "FILE", N_("read a vault export into an empty vault"), NULL, &import_spec},
    {"generate", "[--students N]", N_("fill an empty vault with synthetic data (demos, tests)"), NULL, &generate_spec},
    {NULL, NULL, NULL, NULL, NULL},
};
