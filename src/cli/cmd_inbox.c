/* Inbox commands: take in teachers' sealed observations, triage them. */
#include <stdlib.h>
#include <string.h>

#include "carelog/catalog.h"
#include "carelog/cli.h"
#include "carelog/i18n.h"
#include "carelog/clock.h"
#include "carelog/inbox.h"
#include "carelog/observation.h"
#include "carelog/student.h"

typedef struct inbox_opts {
    const char *student, *reason;
    bool all;
    long long id; /* the operand, for the commands on one observation */
} inbox_opts;

static int inbox_option(cl_cli *c, int opt, const char *arg, void *ctx)
{
    (void)c;
    inbox_opts *o = ctx;
    switch (opt) {
    case 's': o->student = arg; break;
    case 'r': o->reason = arg; break;
    case 'a': o->all = true; break;
    default: return CL_EUSAGE;
    }
    return 0;
}

static void print_import(const json_t *report)
{
    size_t i;
    const json_t *r;
    size_t fresh = 0, bad = 0;
    json_array_foreach(report, i, r) {
        const char *result = cl_json_str_or(r, "result");
        if (strcmp(result, "new") == 0) {
            fresh++;
        } else if (strcmp(result, "quarantined") == 0) {
            bad++;
            const char *reason = cl_observation_refusal_label(cl_json_str_or(r, "reason"));
            cl_cli_say(_("Quarantined %s (%s): %s\n"), cl_json_str_or(r, "file"),
                       reason ? reason : cl_json_str_or(r, "reason"),
                       cl_json_str_or(r, "detail"));
        } else if (strcmp(result, "unreadable") == 0) {
            cl_cli_say(_("Could not read %s, left it where it is: %s\n"), cl_json_str_or(r, "file"),
                       cl_json_str_or(r, "detail"));
        }
    }
    printf(ngettext("%zu new observation to triage", "%zu new observations to triage", fresh), fresh);
    printf(ngettext(", %zu file quarantined.\n", ", %zu files quarantined.\n", bad), bad);
}

/* Set while an inbox command unlocks: it imports itself, and reports. */
static bool importing_now;

void cl_cli_inbox_on_unlock(cl_cli *c)
{
    size_t fresh = 0, bad = 0;
    if (importing_now)
        return;
    if (cl_inbox_import_waiting(c->vault, &fresh, &bad) != CL_OK) {
        fputs(_("carelog: the teachers' inbox could not be taken in now: "), stderr);
        cl_cli_print_text(stderr, cl_error_message());
        fputs(_(" (`carelog inbox import` tries again)\n"), stderr);
        cl_error_clear();
        return;
    }
    if (fresh)
        fprintf(stderr, ngettext("carelog: %zu new observation from teachers (`carelog inbox list`)\n",
                                 "carelog: %zu new observations from teachers (`carelog inbox list`)\n", fresh), fresh);
    if (bad)
        fprintf(stderr, ngettext("carelog: %zu file quarantined (`carelog inbox quarantine`)\n",
                                 "carelog: %zu files quarantined (`carelog inbox quarantine`)\n", bad), bad);
}

/* Unlocked here rather than by the front: the import reports what it took
 * in itself, not as a side note of the unlock. */
static cl_status run_import(cl_cli *c, const char *const *paths, size_t n, json_t **report)
{
    importing_now = true;
    cl_status st = cl_cli_unlock(c);
    importing_now = false;
    return st == CL_OK ? cl_inbox_import(c->vault, paths, n, report) : st;
}

static cl_status inbox_import(cl_cli *c, void *opts, json_t **report)
{
    (void)opts;
    return run_import(c, (const char *const *)c->operand, (size_t)c->operands, report);
}

static cl_status show_import(cl_cli *c, const void *opts, const json_t *report)
{
    (void)c, (void)opts;
    print_import(report);
    return CL_OK;
}

static const cl_command_spec import_spec = {
    .usage = N_("[FILE …]"),
    .help = N_("Takes in the teachers' sealed observation files: those named, or every file in the\n"
               "vault's inbox/ folder. Good ones wait for triage (`carelog inbox list`); a file from an\n"
               "unknown or revoked teacher, changed, cut short, for another vault, or sent twice is\n"
               "quarantined with the reason and never merged. Files in inbox/ are removed once taken\n"
               "in; files elsewhere (a USB stick) are left as they are.\n"),
    .operands = CL_CLI_ANY_OPERANDS,
    .call = inbox_import,
    .show = show_import,
};

/* An observation's severity or triage status for people (English: the
 * value itself, as typed and as --json has it). */
static const char *word(const char *value)
{
    static const char *const words[][2] = {
        {"low", N_("low")},         {"medium", N_("medium")},     {"high", N_("high")},
        {"urgent", N_("urgent")},   {"new", N_("new")},           {"accepted", N_("accepted")},
        {"dismissed", N_("dismissed")},
    };
    if (strcmp(cl_cli_lang(), "en") != 0)
        for (size_t i = 0; i < sizeof words / sizeof *words; i++)
            if (strcmp(words[i][0], value) == 0)
                return _(words[i][1]);
    return value;
}

static const inbox_opts no_options = {NULL, NULL, false, 0};

/* The operand as an inbox id (into the options' id). */
static cl_status inbox_id_check(cl_cli *c, void *opts)
{
    return cl_parse_id(c->operand[0], _("the inbox id"), &((inbox_opts *)opts)->id);
}

static cl_status inbox_list(cl_cli *c, void *opts, json_t **list)
{
    cl_status st = cl_inbox_list(c->vault, ((const inbox_opts *)opts)->all, list);
    return st == CL_OK ? cl_cli_audit_listing(c, list) : st;
}

static cl_status show_list(cl_cli *c, const void *opts, const json_t *list)
{
    (void)c, (void)opts;
    if (json_array_size(list) == 0) {
        printf(_("No observations wait for triage.\n"));
        return CL_OK;
    }
    const char *headers[] = {"#", _("Severity"), _("Student"), _("Teacher"), _("Received"), _("What was seen")};
    cl_table *t = cl_table_new(6, headers);
    size_t i;
    const json_t *row;
    json_array_foreach(list, i, row) {
        char id[24], student[400];
        snprintf(id, sizeof id, "%lld", (long long)json_integer_value(json_object_get(row, "id")));
        snprintf(student, sizeof student, "%s %s %s", cl_json_str_or(row, "student_number"),
                 cl_json_str_or(row, "student_name"), cl_json_str_or(row, "student_class"));
        const char *status = cl_json_str_or(row, "status");
        char received[32];
        cl_time_local(cl_json_str_or(row, "received_at"), false, received, sizeof received);
        const char *cells[] = {id,
                               word(strcmp(status, "new") == 0 ? cl_json_str_or(row, "severity") : status),
                               student, cl_json_str_or(row, "teacher"), received,
                               cl_json_str_or(row, "summary")};
        cl_table_add_row(t, cells);
    }
    return cl_cli_put_table(t);
}

static const struct option list_options[] = {{"all", no_argument, NULL, 'a'}, {0, 0, 0, 0}};

static const cl_command_spec list_spec = {
    .usage = N_("[--all] [--json]"),
    .help = N_("The teachers' observations waiting for triage, urgent first. --all shows the accepted\n"
               "and dismissed ones too.\n"),
    .options = list_options,
    .on_option = inbox_option,
    CL_CLI_OPTS(no_options),
    .needs = CL_CLI_UNLOCKED,
    .call = inbox_list,
    .show = show_list,
};

static cl_status inbox_show(cl_cli *c, void *opts, json_t **o)
{
    return cl_inbox_get(c->vault, ((const inbox_opts *)opts)->id, o);
}

static cl_status show_observation(cl_cli *c, const void *opts, const json_t *o)
{
    const cl_form *form = NULL;
    int version;
    cl_status st = cl_catalog_get(c->vault, json_integer_value(json_object_get(o, "form_id")), &form, &version);
    char *text = st == CL_OK ? cl_form_render(form, json_object_get(o, "fields"), cl_cli_lang()) : NULL;
    char written[32], received[32];
    cl_time_local(cl_json_str_or(o, "written_at"), false, written, sizeof written);
    cl_time_local(cl_json_str_or(o, "received_at"), false, received, sizeof received);
    cl_cli_say(_("Inbox #%lld · %s\nTeacher:  %s (%s)\nStudent:  %s %s %s\nWritten:  %s · received %s\n\n"),
               ((const inbox_opts *)opts)->id, word(cl_json_str_or(o, "status")), cl_json_str_or(o, "teacher"),
               cl_json_str_or(o, "teacher_fingerprint"), cl_json_str_or(o, "student_number"),
               cl_json_str_or(o, "student_name"), cl_json_str_or(o, "student_class"), written, received);
    cl_cli_print_text(stdout, text ? text : "");
    if (*cl_json_str_or(o, "dismiss_reason"))
        cl_cli_say(_("\nDismissed by %s: %s\n"), cl_json_str_or(o, "triaged_by"), cl_json_str_or(o, "dismiss_reason"));
    free(text);
    return st;
}

static const cl_command_spec show_spec = {
    .usage = N_("ID"),
    .help = N_("Shows one observation a teacher sent, with all its answers (audited).\n"),
    CL_CLI_OPTS(no_options),
    .operands = 1,
    .needs = CL_CLI_UNLOCKED,
    .check = inbox_id_check,
    .call = inbox_show,
    .show = show_observation,
};

static cl_status inbox_accept(cl_cli *c, void *opts, json_t **accepted)
{
    const inbox_opts *o = opts;
    long long student = 0, record = 0;
    cl_status st = o->student ? cl_student_find(c->vault, o->student, &student) : CL_OK;
    if (st == CL_OK)
        st = cl_inbox_accept(c->vault, o->id, student, &record);
    return st == CL_OK ? cl_cli_result(accepted, json_pack("{s:I, s:I}", "id", (json_int_t)o->id, "record_id",
                                                           (json_int_t)record))
                       : st;
}

static cl_status show_accepted(cl_cli *c, const void *opts, const json_t *accepted)
{
    (void)c, (void)opts;
    printf(_("Accepted inbox #%lld as observation record #%lld.\n"),
           (long long)json_integer_value(json_object_get(accepted, "id")),
           (long long)json_integer_value(json_object_get(accepted, "record_id")));
    return CL_OK;
}

static const struct option accept_options[] = {{"student", required_argument, NULL, 's'}, {0, 0, 0, 0}};

static const cl_command_spec accept_spec = {
    .usage = N_("ID [--student S]"),
    .help = N_("Accepts an observation onto the student it names (or --student S): it becomes an\n"
               "observation record in the student's file, authored by the teacher.\n"),
    .options = accept_options,
    .on_option = inbox_option,
    CL_CLI_OPTS(no_options),
    .operands = 1,
    .needs = CL_CLI_UNLOCKED,
    .check = inbox_id_check,
    .call = inbox_accept,
    .show = show_accepted,
};

static cl_status dismiss_check(cl_cli *c, void *opts)
{
    cl_status st = inbox_id_check(c, opts);
    if (st == CL_OK && !((const inbox_opts *)opts)->reason)
        st = cl_fail(CL_EUSAGE, _("say why the observation is dismissed: --reason TEXT"));
    return st;
}

static cl_status inbox_dismiss(cl_cli *c, void *opts, json_t **dismissed)
{
    const inbox_opts *o = opts;
    cl_status st = cl_inbox_dismiss(c->vault, o->id, o->reason);
    return st == CL_OK ? cl_cli_result(dismissed, json_pack("{s:I, s:b}", "id", (json_int_t)o->id, "dismissed", 1)) : st;
}

static cl_status show_dismissed(cl_cli *c, const void *opts, const json_t *dismissed)
{
    (void)c, (void)dismissed;
    printf(_("Dismissed inbox #%lld.\n"), ((const inbox_opts *)opts)->id);
    return CL_OK;
}

static const struct option dismiss_options[] = {{"reason", required_argument, NULL, 'r'}, {0, 0, 0, 0}};

static const cl_command_spec dismiss_spec = {
    .usage = N_("ID --reason TEXT"),
    .help = N_("Dismisses an observation with the reason (kept, and audited).\n"),
    .options = dismiss_options,
    .on_option = inbox_option,
    CL_CLI_OPTS(no_options),
    .operands = 1,
    .needs = CL_CLI_UNLOCKED,
    .check = dismiss_check,
    .call = inbox_dismiss,
    .show = show_dismissed,
};

static cl_status inbox_quarantine(cl_cli *c, void *opts, json_t **list)
{
    (void)opts;
    cl_status st = cl_inbox_quarantine(c->vault, list);
    return st == CL_OK ? cl_cli_audit_listing(c, list) : st;
}

static cl_status show_quarantine(cl_cli *c, const void *opts, const json_t *list)
{
    (void)c, (void)opts;
    const char *headers[] = {"#", _("Received"), _("File"), _("Reason"), _("Detail")};
    cl_table *t = cl_table_new(5, headers);
    size_t i;
    const json_t *row;
    json_array_foreach(list, i, row) {
        char id[24];
        snprintf(id, sizeof id, "%lld", (long long)json_integer_value(json_object_get(row, "id")));
        char at[32];
        cl_time_local(cl_json_str_or(row, "received_at"), false, at, sizeof at);
        const char *reason = cl_observation_refusal_label(cl_json_str_or(row, "reason"));
        const char *cells[] = {id, at, cl_json_str_or(row, "source"),
                               reason ? reason : cl_json_str_or(row, "reason"), cl_json_str_or(row, "detail")};
        cl_table_add_row(t, cells);
    }
    return cl_cli_put_table(t);
}

static const cl_command_spec quarantine_spec = {
    .usage = N_("[--json]"),
    .help = N_("The files refused on import, newest first, with the reason. They stay inside the\n"
               "vault, still sealed, and are never merged.\n"),
    .needs = CL_CLI_UNLOCKED,
    .call = inbox_quarantine,
    .show = show_quarantine,
};

/* `carelog inbox`: take in what was dropped, then show what waits — two
 * commands in one, so of its own shape. */
static int cmd_inbox(cl_cli *c)
{
    int first;
    int rc = cl_cli_operands(c, "",
                             _("Takes in the files in the vault's inbox/ and lists what waits for triage. Also:\n"
                               "inbox import, list, show, accept, dismiss, quarantine (each takes --help).\n"), 0,
                             &first);
    if (rc != 0)
        return cl_cli_exit(rc);
    /* What was taken in is said for people even with --json; the list
     * after it is the JSON. */
    json_t *report = NULL;
    cl_status st = run_import(c, NULL, 0, &report);
    if (st == CL_OK)
        print_import(report);
    json_decref(report);
    if (st != CL_OK)
        return cl_cli_fail(st);
    static char list[] = "inbox list";
    char *argv[] = {list, NULL};
    c->argc = 1;
    c->argv = argv;
    return cl_cli_run(c, &list_spec);
}

const cl_command cl_inbox_commands[] = {
    {"inbox import", "[FILE …]", N_("take in teachers' sealed observations"), NULL, &import_spec},
    {"inbox list", "[--all] [--json]", N_("observations waiting for triage, urgent first"), NULL, &list_spec},
    {"inbox show", "ID", N_("one observation a teacher sent (audited)"), NULL, &show_spec},
    {"inbox accept", "ID [--student S]", N_("make it an observation record of the student"), NULL, &accept_spec},
    {"inbox dismiss", "ID --reason TEXT", N_("dismiss it, saying why"), NULL, &dismiss_spec},
    {"inbox quarantine", "[--json]", N_("files refused on import, with the reason"), NULL, &quarantine_spec},
    {"inbox", "", N_("import, then list what waits for triage"), cmd_inbox, NULL},
    {NULL, NULL, NULL, NULL, NULL},
};
