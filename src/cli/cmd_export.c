/* Printable exports of one case: `export referral` (the summary for the
 * protection office) and `export student` (a student's chronology). The
 * whole-vault `export vault` lives in cmd_transfer.c. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "carelog/bundle.h"
#include "carelog/cli.h"
#include "carelog/export.h"
#include "carelog/i18n.h"
#include "carelog/student.h"
#include "carelog/summary.h"
#include "carelog/text.h"

#define MAX_PICKED 1000

typedef struct export_opts {
    cl_export_args args;
    cl_summary_options summary;
    long long id; /* the referral (or received referral) operand */
    long long picked[MAX_PICKED];
} export_opts;

/* "12,13,#14" → ids; 64 on anything else. */
static int parse_records(const char *arg, export_opts *o)
{
    char *copy = strdup(arg);
    if (!copy)
        return cl_cli_fail(cl_fail(CL_ESOFTWARE, _("out of memory")));
    int rc = 0;
    o->summary.n_records = 0;
    char *save = NULL;
    for (char *t = strtok_r(copy, ",， ", &save); t && rc == 0; t = strtok_r(NULL, ",， ", &save)) {
        long long id;
        if (o->summary.n_records == MAX_PICKED)
            rc = cl_cli_fail(cl_fail(CL_EUSAGE, _("--records takes at most %d records"), MAX_PICKED));
        else if (cl_parse_id(t, "record", &id) != CL_OK)
            rc = cl_cli_fail(CL_EUSAGE);
        else
            o->picked[o->summary.n_records++] = id;
    }
    free(copy);
    if (rc == 0 && o->summary.n_records == 0)
        rc = cl_cli_fail(cl_fail(CL_EUSAGE, _("--records takes record ids separated by commas, e.g. 12,15,20")));
    o->summary.records = o->picked;
    return rc;
}

bool cl_export_args_option(cl_export_args *a, int opt, const char *arg)
{
    switch (opt) {
    case 'o':
        a->path = arg;
        return true;
    case 'f':
        a->format = arg;
        return true;
    case 'F':
        a->from = arg;
        return true;
    case 'T':
        a->to = arg;
        return true;
    default:
        return false;
    }
}

static int export_option(cl_cli *c, int opt, const char *arg, void *ctx)
{
    (void)c;
    export_opts *o = ctx;
    if (cl_export_args_option(&o->args, opt, arg))
        return 0;
    return opt == 'r' ? parse_records(arg, o) : 0;
}

static const struct option export_options[] = {
    {"output", required_argument, NULL, 'o'}, {"format", required_argument, NULL, 'f'},
    {"from", required_argument, NULL, 'F'},   {"to", required_argument, NULL, 'T'},
    {"records", required_argument, NULL, 'r'}, {0, 0, 0, 0},
};

typedef enum export_kind { EXPORT_REFERRAL, EXPORT_STUDENT } export_kind;

/* The format and the file checked before the passphrase is asked for. */
static cl_status check_output(const cl_export_args *a, bool json_too)
{
    if (!a->path || !a->format)
        return cl_fail(CL_EUSAGE, _("both --format and -o are needed (see --help)"));
    if (strcmp(a->format, "pdf") != 0 && strcmp(a->format, "md") != 0 && (!json_too || strcmp(a->format, "json") != 0))
        return json_too ? cl_fail(CL_EUSAGE, _("--format takes pdf, md or json"))
                        : cl_fail(CL_EUSAGE, _("--format takes pdf or md"));
    if (access(a->path, F_OK) == 0)
        return cl_fail(CL_ECANTCREATE, _("%s already exists; it was left untouched (choose another name)"), a->path);
    return CL_OK;
}

static cl_status referral_check(cl_cli *c, void *opts)
{
    export_opts *o = opts;
    cl_status st = check_output(&o->args, true);
    return st == CL_OK ? cl_parse_id(c->operand[0], "referral", &o->id) : st;
}

static cl_status student_check(cl_cli *c, void *opts)
{
    (void)c;
    return check_output(&((export_opts *)opts)->args, true);
}

/* Renders, asks, writes and audits; the common part of both commands. */
static cl_status run_export(cl_cli *c, export_opts *o, export_kind kind, json_t **written)
{
    o->summary.from = o->args.from;
    o->summary.to = o->args.to;
    const char *path = o->args.path, *format = o->args.format;
    long long id = o->id;
    cl_status st = kind == EXPORT_STUDENT ? cl_student_find(c->vault, c->operand[0], &id) : CL_OK;
    unsigned char *bytes = NULL;
    size_t len = 0;
    if (st == CL_OK)
        st = kind == EXPORT_REFERRAL ? cl_summary_referral(c->vault, id, &o->summary, format, &bytes, &len)
                                     : cl_summary_student(c->vault, id, &o->summary, format, &bytes, &len);
    char target[64];
    snprintf(target, sizeof target, "%s %lld", kind == EXPORT_REFERRAL ? "referral" : "student", id);
    char *question = NULL;
    if (st == CL_OK) {
        question = cl_strdup_printf(kind == EXPORT_REFERRAL ? _("Write the summary of referral #%lld UNENCRYPTED to %s?")
                                                            : _("Write the report on student #%lld UNENCRYPTED to %s?"),
                                    id, path);
        if (!question)
            st = cl_fail(CL_ESOFTWARE, _("out of memory"));
    }
    if (st == CL_OK)
        st = cl_cli_export_file(c, question, kind == EXPORT_REFERRAL ? "export.referral" : "export.student", target,
                                path, format, bytes, len, written);
    else
        cl_doc_bytes_free(bytes, len);
    free(question);
    return st;
}

static cl_status export_referral(cl_cli *c, void *opts, json_t **written)
{
    return run_export(c, opts, EXPORT_REFERRAL, written);
}

static cl_status export_student(cl_cli *c, void *opts, json_t **written)
{
    return run_export(c, opts, EXPORT_STUDENT, written);
}

cl_status cl_cli_export_file(cl_cli *c, const char *question, const char *action, const char *target, const char *path,
                             const char *format, unsigned char *bytes, size_t len, json_t **written)
{
    cl_status st = cl_cli_confirm(c, question);
    if (st == CL_OK)
        st = cl_export_write(c->vault, action, target, path, format, bytes, len);
    cl_doc_bytes_free(bytes, len);
    if (st != CL_OK)
        return st;
    return cl_cli_result(written, json_pack("{s:s, s:s, s:s, s:I}", "path", path, "format", format, "target", target,
                                            "bytes", (json_int_t)len));
}

cl_status cl_cli_show_written(cl_cli *c, const void *opts, const json_t *written)
{
    (void)c, (void)opts;
    if (!written)
        return CL_OK;
    printf(_("Wrote %s (%s, %zu bytes, mode 0600). It is NOT encrypted: keep it safe and delete it when done.\n"),
           cl_json_str_or(written, "path"), cl_json_str_or(written, "format"),
           (size_t)json_integer_value(json_object_get(written, "bytes")));
    return CL_OK;
}

int cl_cli_write_export(cl_cli *c, const char *question, const char *action, const char *target, const char *path,
                        const char *format, unsigned char *bytes, size_t len)
{
    json_t *written = NULL;
    cl_status st = cl_cli_export_file(c, question, action, target, path, format, bytes, len, &written);
    if (st == CL_OK && c->json) {
        st = cl_cli_put_json(written);
        written = NULL;
    } else if (st == CL_OK) {
        st = cl_cli_show_written(c, NULL, written);
    }
    json_decref(written);
    return cl_cli_fail(st);
}

static const export_opts no_options = {{NULL, NULL, NULL, NULL}, {0}, 0, {0}};

static const cl_command_spec referral_spec = {
    .usage = "ID --format pdf|md|json -o FILE [--from DATE] [--to DATE] [--records ID,…]",
    .help = N_("Writes the summary of a referral for the protection office: the referral form\n"
               "with its labels, the reporter (marked confidential), the state history with\n"
               "who, when and why, the student's details and guardians, and the timeline that\n"
               "led to it (observations, assessments, screenings, sessions, contacts, plans).\n"
               "The PDF is A4 with \"机密 / Confidential\", the school, the vault fingerprint and\n"
               "page numbers on every page; Markdown and JSON carry the same content.\n"
               "The file is NOT encrypted: you are asked to confirm (--yes for scripts); it is\n"
               "written with mode 0600, never over an existing file, and the export is logged.\n"
               "  --format F        pdf, md or json (required)\n"
               "  -o, --output FILE where to write it (required)\n"
               "  --from DATE       the timeline from this day (default: a year before the referral)\n"
               "  --to DATE         the timeline up to this day (default: today)\n"
               "  --records IDS     exactly these records instead of a period (12,15,20)\n"
               "With --bundle --to OFFICE, writes the signed, encrypted bundle for the office\n"
               "instead (see `carelog export referral --bundle --help`).\n"),
    .options = export_options,
    .on_option = export_option,
    CL_CLI_OPTS(no_options),
    .operands = 1,
    .needs = CL_CLI_UNLOCKED,
    .check = referral_check,
    .call = export_referral,
    .show = cl_cli_show_written,
};

static const cl_command_spec student_spec = {
    .usage = "STUDENT --format pdf|md|json -o FILE [--from DATE] [--to DATE] [--records ID,…]",
    .help = N_("Writes one student's chronology for a case conference or a transfer: details,\n"
               "guardians and every record in the period with its fields, amendments and\n"
               "(for referrals) state history, laid out as the referral summary is.\n"
               "STUDENT is a student number or #id. Plaintext: asks first (--yes), mode 0600,\n"
               "never over an existing file, logged.\n"
               "  --format F        pdf, md or json (required)\n"
               "  -o, --output FILE where to write it (required)\n"
               "  --from DATE       records from this day (default: all)\n"
               "  --to DATE         records up to this day (default: all)\n"
               "  --records IDS     exactly these records instead of a period\n"
               "With --bundle --to SCHOOL, sends the whole file to another school's vault instead\n"
               "(see `carelog export student --bundle --help`).\n"),
    .options = export_options,
    .on_option = export_option,
    CL_CLI_OPTS(no_options),
    .operands = 1,
    .needs = CL_CLI_UNLOCKED,
    .check = student_check,
    .call = export_student,
    .show = cl_cli_show_written,
};

/* Whether the command's own arguments ask for --bundle (before "--"). */
static bool wants_bundle(const cl_cli *c)
{
    for (int i = 1; i < c->argc && strcmp(c->argv[i], "--") != 0; i++)
        if (strcmp(c->argv[i], "--bundle") == 0)
            return true;
    return false;
}

/* One `export referral` (and `export student`) command: a printable file,
 * or with --bundle the signed, encrypted bundle (cmd_bundle.c). */
static int cmd_export_referral(cl_cli *c)
{
    return cl_cli_run(c, wants_bundle(c) ? &cl_cli_referral_bundle_spec : &referral_spec);
}

static int cmd_export_student(cl_cli *c)
{
    return cl_cli_run(c, wants_bundle(c) ? &cl_cli_student_bundle_spec : &student_spec);
}

/* Office side: the summary a school sent, printed as it came. */
static cl_status office_export_check(cl_cli *c, void *opts)
{
    export_opts *o = opts;
    cl_status st = check_output(&o->args, false);
    return st == CL_OK ? cl_parse_id(c->operand[0], "received referral", &o->id) : st;
}

static cl_status office_export(cl_cli *c, void *opts, json_t **written)
{
    const export_opts *o = opts;
    const cl_export_args *a = &o->args;
    unsigned char *bytes = NULL;
    size_t len = 0;
    cl_status st = cl_office_received_file(c->vault, o->id, strcmp(a->format, "pdf") == 0 ? "referral.pdf" : "referral.md",
                                           &bytes, &len);
    if (st != CL_OK)
        return st;
    char target[64];
    snprintf(target, sizeof target, "bundle:%lld", o->id);
    char *question = cl_strdup_printf(_("Write the summary of received referral %lld UNENCRYPTED to %s?"), o->id, a->path);
    st = cl_cli_export_file(c, question ? question : "", "office.export", target, a->path, a->format, bytes, len,
                            written);
    free(question);
    return st;
}

static int export_args_option(cl_cli *c, int opt, const char *arg, void *ctx)
{
    (void)c;
    cl_export_args_option(&((export_opts *)ctx)->args, opt, arg);
    return 0;
}

static const cl_command_spec office_export_spec = {
    .usage = N_("ID --format pdf|md -o FILE"),
    .help = N_("Office vault: writes the printable summary a school sent with a referral\n"
               "(referral.pdf or referral.md of its bundle, byte for byte as the school made it),\n"
               "to print and file. Plaintext: asks first (--yes), mode 0600, never over an\n"
               "existing file, logged.\n"
               "  --format F   pdf or md (required)\n"
               "  -o FILE      where to write it (required)\n"),
    .options = export_options,
    .on_option = export_args_option,
    CL_CLI_OPTS(no_options),
    .operands = 1,
    .needs = CL_CLI_UNLOCKED,
    .check = office_export_check,
    .call = office_export,
    .show = cl_cli_show_written,
};

const cl_command cl_export_commands[] = {
    {"export referral", "ID --format F|--bundle --to OFFICE -o FILE",
     N_("print a referral summary (PDF, Markdown, JSON), or send it as a bundle"),
     cmd_export_referral, NULL},
    {"export student", "STUDENT --format F|--bundle --to SCHOOL -o FILE",
     N_("print a student's chronology, or send the whole file to another school"),
     cmd_export_student, NULL},
    {"office export", "ID --format pdf|md -o FILE", N_("office vault: print the summary a school sent"), NULL,
     &office_export_spec},
    {NULL, NULL, NULL, NULL, NULL},
};
