/* Follow-up commands: what is due, and the minimum-frequency policies. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "carelog/cli.h"
#include "carelog/clock.h"
#include "carelog/i18n.h"
#include "carelog/followup.h"
#include "carelog/table.h"
#include "carelog/text.h"

#define DUE_DEFAULT_DAYS 7

static cl_status parse_int(const char *what, const char *text, long min, long max, long *out)
{
    char *end;
    long v = text && *text ? strtol(text, &end, 10) : LONG_MIN;
    if (v == LONG_MIN || *end || v < min || v > max) {
        char *shown = cl_text_inert(text ? text : "", false);
        cl_status st = cl_fail(CL_EUSAGE, _("%s must be a whole number from %ld to %ld, not \"%s\""), what, min, max,
                               shown ? shown : "");
        free(shown);
        return st;
    }
    *out = v;
    return CL_OK;
}

typedef struct due_opts {
    long days;
    const char *today;
    cl_cli_page page;
} due_opts;

static int due_option(cl_cli *c, int opt, const char *arg, void *ctx)
{
    (void)c;
    due_opts *o = ctx;
    if (opt == 'd') {
        cl_status st = parse_int("--days", arg, 0, 3650, &o->days);
        if (st != CL_OK)
            return cl_cli_fail(st);
    } else if (opt == 't') {
        o->today = arg;
    } else {
        return cl_cli_page_option(&o->page, opt, arg);
    }
    return 0;
}

/* followup close and verify-derived. */
typedef struct followup_opts {
    const char *reason;
    long long record_id;
    bool repair;
} followup_opts;
static const followup_opts no_followup = {NULL, 0, false};

typedef struct due_rows {
    json_t *rows;
    char *next;
} due_rows;

static cl_status keep_due(json_t *row, const char *cursor, void *ctx)
{
    (void)cursor;
    return json_array_append(ctx, row) == 0 ? CL_OK : cl_fail(CL_ESOFTWARE, _("out of memory"));
}

/* The list, or with --limit a page of it: {rows, total, next}. */
static cl_status due_list(cl_cli *c, const due_opts *o, json_t **list, char **next)
{
    *next = NULL;
    if (o->page.limit == 0)
        return cl_followup_due(c->vault, o->today, (int)o->days, list);
    cl_due_page p = {.today = o->today, .horizon_days = (int)o->days, .limit = o->page.limit, .after = o->page.after};
    json_t *rows = json_array();
    long long total = 0;
    cl_status st = rows ? cl_followup_due_each(c->vault, &p, keep_due, rows, next)
                        : cl_fail(CL_ESOFTWARE, _("out of memory"));
    if (st == CL_OK)
        st = cl_followup_due_count(c->vault, &p, &total);
    if (st == CL_OK)
        *list = json_pack("{s:O, s:I, s:s?}", "rows", rows, "total", (json_int_t)total, "next", *next);
    json_decref(rows);
    if (st == CL_OK && !*list)
        st = cl_fail(CL_ESOFTWARE, _("out of memory"));
    return st;
}

static cl_status due_check(cl_cli *c, void *opts)
{
    (void)c;
    return cl_cli_page_check(&((const due_opts *)opts)->page);
}

static cl_status put_due(const char *text, size_t len, const char *cursor, void *ctx)
{
    (void)cursor;
    return cl_cli_json_row_text(ctx, text, len);
}

/* The whole list for a program: written as the core walks it, counted
 * first for the audit log. */
static cl_status due_json(cl_cli *c, const due_opts *o)
{
    cl_due_page p = {.today = o->today, .horizon_days = (int)o->days};
    long long rows = 0;
    cl_status st = cl_followup_due_count(c->vault, &p, &rows);
    if (st == CL_OK)
        st = cl_cli_audit_rows(c, rows);
    if (st != CL_OK)
        return st;
    cl_cli_json_rows a = {0};
    return cl_cli_json_rows_close(&a, cl_followup_due_text_each(c->vault, &p, put_due, &a, NULL));
}

static cl_status due(cl_cli *c, void *opts, json_t **list)
{
    const due_opts *o = opts;
    if (c->json && o->page.limit == 0)
        return due_json(c, o);
    char *next = NULL;
    cl_status st = due_list(c, o, list, &next);
    if (st == CL_OK)
        st = cl_cli_audit_listing(c, list);
    free(next);
    return st;
}

static cl_status show_due(cl_cli *c, const void *opts, const json_t *list)
{
    const due_opts *o = opts;
    const char *next = NULL;
    if (o->page.limit > 0) { /* the table shows the page's rows */
        next = json_string_value(json_object_get(list, "next"));
        list = json_object_get(list, "rows");
    }
    if (json_array_size(list) == 0 && o->page.after) {
        printf("%s\n", _("Nothing more is due after that cursor."));
        return CL_OK;
    }
    if (json_array_size(list) == 0) {
        printf(ngettext("Nothing is due within %ld day.\n", "Nothing is due within %ld days.\n", (unsigned long)o->days),
               o->days);
        return CL_OK;
    }
    static const char *const headers[] = {N_("Due"), N_("When"), N_("Number"), N_("Name"),
                                          N_("Class"), N_("Risk"), N_("Reason")};
    cl_table *t = cl_table_new(7, headers);
    if (!t)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    cl_table_align_right(t, 5);
    cl_table_below_when_narrow(t, 6);
    cl_status st = CL_OK;
    size_t i;
    const json_t *r;
    json_array_foreach(list, i, r) {
        long long late = (long long)json_integer_value(json_object_get(r, "days_overdue"));
        char when[48], risk[8], due[32];
        cl_date_with_weekday(cl_json_str_or(r, "due_date"), due, sizeof due);
        if (late > 0)
            snprintf(when, sizeof when, ngettext("%lld day overdue", "%lld days overdue", (unsigned long)late), late);
        else if (late == 0)
            snprintf(when, sizeof when, "%s", _("due today"));
        else
            snprintf(when, sizeof when, ngettext("in %lld day", "in %lld days", (unsigned long)-late), -late);
        snprintf(risk, sizeof risk, "%d", (int)json_integer_value(json_object_get(r, "risk_level")));
        const char *cells[7] = {due, when, cl_json_str_or(r, "number"),
                                cl_json_str_or(r, "name"), cl_json_str_or(r, "class"), risk,
                                cl_i18n_text(r, "reason")};
        st = cl_table_add_row(t, cells);
    }
    if (st == CL_OK)
        st = cl_table_print(t, stdout, cl_cli_width());
    cl_table_free(t);
    if (st == CL_OK)
        cl_cli_print_next(c, &o->page, next);
    return st;
}

static const struct option due_options[] = {
    {"days", required_argument, NULL, 'd'},
    {"today", required_argument, NULL, 't'},
    CL_CLI_PAGE_OPTIONS,
    {0, 0, 0, 0},
};
static const due_opts due_defaults = {DUE_DEFAULT_DAYS, NULL, {0, NULL}};

static const cl_command_spec due_spec = {
    .usage = N_("[--days N] [--today DATE] [--limit N [--after CURSOR]] [--json]"),
    .help = N_("Lists follow-ups that are overdue or due within N days (default 7), most overdue first, each\n"
               "with its reason: a follow-up date set by a record and not yet met by a later contact, or a\n"
               "policy's minimum frequency by risk level or circumstance (see `carelog policy list`).\n"
               "  --days N       how far ahead to look (default 7; 0 = due today or overdue)\n"
               "  --today DATE   count from another day than today\n"
               "  --limit N      a page of at most N rows\n"
               "  --after CURSOR the page after the one that printed this cursor\n"
               "  --json         for programs; with --limit {rows, total, next}: next is the cursor\n"
               "                 of the next page, or null after the last one\n"),
    .options = due_options,
    .on_option = due_option,
    CL_CLI_OPTS(due_defaults),
    .operands_error = N_("due takes no operands"),
    .needs = CL_CLI_UNLOCKED,
    .check = due_check,
    .call = due,
    .show = show_due,
};

static cl_status policy_list(cl_cli *c, void *opts, json_t **list)
{
    (void)opts;
    return cl_followup_policy_list(c->vault, list);
}

static cl_status show_policies(cl_cli *c, const void *opts, const json_t *list)
{
    (void)c, (void)opts;
    static const char *const headers[] = {N_("Basis"), N_("Value"), N_("Days"), N_("Meaning")};
    cl_table *t = cl_table_new(4, headers);
    if (!t)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    cl_table_align_right(t, 2);
    cl_status st = CL_OK;
    size_t i;
    const json_t *p;
    json_array_foreach(list, i, p) {
        char days[16];
        snprintf(days, sizeof days, "%d", (int)json_integer_value(json_object_get(p, "days")));
        const char *cells[4] = {cl_json_str_or(p, "basis"), cl_json_str_or(p, "value"), days, cl_i18n_text(p, "label")};
        st = cl_table_add_row(t, cells);
    }
    if (st == CL_OK)
        st = cl_table_print(t, stdout, cl_cli_width());
    cl_table_free(t);
    return st;
}

static const cl_command_spec policy_list_spec = {
    .usage = N_("[--json]"),
    .help = N_("Lists the follow-up policies: the most days that may pass between counsellor contacts\n"
               "for a risk level or a circumstance. Where several apply, the fewest days win.\n"),
    .needs = CL_CLI_UNLOCKED,
    .call = policy_list,
    .show = show_policies,
};

static const char *const policy_help = N_(
    "  BASIS   risk (VALUE 0-3, or none/attention/elevated/crisis)\n"
    "          or circumstance (VALUE a choice of the student form, e.g. left_behind)\n");

/* A policy's basis as people call it (the value after it stays as typed). */
static const char *basis_label(const char *basis)
{
    if (strcmp(basis, "risk") == 0)
        return _("risk level");
    return strcmp(basis, "circumstance") == 0 ? _("circumstance") : basis;
}

static char *policy_set_help(void)
{
    return cl_strdup_printf(_("Sets how many days may pass at most between counsellor contacts.\n%s"
                              "  DAYS    1-%d\n"), _(policy_help), CL_FOLLOWUP_POLICY_MAX_DAYS);
}

typedef struct policy_opts {
    long days;
} policy_opts;
static const policy_opts no_policy = {0};

static cl_status policy_set_check(cl_cli *c, void *opts)
{
    return parse_int("DAYS", c->operand[2], 1, CL_FOLLOWUP_POLICY_MAX_DAYS, &((policy_opts *)opts)->days);
}

/* After a change, --json prints the policies as they now stand. */
static cl_status policy_set(cl_cli *c, void *opts, json_t **list)
{
    const policy_opts *o = opts;
    cl_status st = cl_followup_policy_set(c->vault, c->operand[0], c->operand[1], (int)o->days);
    return st == CL_OK && c->json ? cl_followup_policy_list(c->vault, list) : st;
}

static cl_status show_policy_set(cl_cli *c, const void *opts, const json_t *list)
{
    (void)list;
    long days = ((const policy_opts *)opts)->days;
    printf(_("Policy set: %s "), basis_label(c->operand[0]));
    cl_cli_print_text(stdout, c->operand[1]);
    printf(ngettext(" at least every %ld day.\n", " at least every %ld days.\n", (unsigned long)days), days);
    return CL_OK;
}

static const cl_command_spec policy_set_spec = {
    .usage = N_("BASIS VALUE DAYS"),
    .help_of = policy_set_help,
    CL_CLI_OPTS(no_policy),
    .operands = 3,
    .needs = CL_CLI_UNLOCKED,
    .check = policy_set_check,
    .call = policy_set,
    .show = show_policy_set,
};

static char *policy_remove_help(void)
{
    return cl_strdup_printf(_("Removes a follow-up policy.\n%s"), _(policy_help));
}

static cl_status policy_remove(cl_cli *c, void *opts, json_t **list)
{
    (void)opts;
    cl_status st = cl_followup_policy_remove(c->vault, c->operand[0], c->operand[1]);
    return st == CL_OK && c->json ? cl_followup_policy_list(c->vault, list) : st;
}

static cl_status show_policy_removed(cl_cli *c, const void *opts, const json_t *list)
{
    (void)opts, (void)list;
    printf(_("Policy removed: %s "), basis_label(c->operand[0]));
    cl_cli_print_text(stdout, c->operand[1]);
    printf("%s", _(".\n"));
    return CL_OK;
}

static const cl_command_spec policy_remove_spec = {
    .usage = N_("BASIS VALUE"),
    .help_of = policy_remove_help,
    .operands = 2,
    .needs = CL_CLI_UNLOCKED,
    .call = policy_remove,
    .show = show_policy_removed,
};

static int close_option(cl_cli *c, int opt, const char *arg, void *ctx)
{
    (void)c;
    if (opt == 'r')
        ((followup_opts *)ctx)->reason = arg;
    return 0;
}

static cl_status close_check(cl_cli *c, void *opts)
{
    followup_opts *o = opts;
    cl_status st = cl_parse_id(c->operand[0], _("the record id"), &o->record_id);
    if (st == CL_OK && !o->reason)
        st = cl_fail(CL_EUSAGE, _("say why the follow-up is closed: --reason TEXT"));
    return st;
}

static cl_status followup_close(cl_cli *c, void *opts, json_t **closed)
{
    const followup_opts *o = opts;
    cl_status st = cl_followup_close(c->vault, o->record_id, o->reason);
    return st == CL_OK ? cl_cli_result(closed, json_pack("{s:I, s:b}", "record_id", (json_int_t)o->record_id, "closed", 1))
                       : st;
}

static cl_status show_closed(cl_cli *c, const void *opts, const json_t *closed)
{
    (void)c, (void)closed;
    printf(_("Closed the follow-up set by record #%lld.\n"), ((const followup_opts *)opts)->record_id);
    return CL_OK;
}

static const struct option close_options[] = {
    {"reason", required_argument, NULL, 'r'},
    {0, 0, 0, 0},
};

static const cl_command_spec close_spec = {
    .usage = N_("RECORD_ID --reason TEXT"),
    .help = N_("Closes the follow-up that a record set (`carelog due` names the record), saying why,\n"
               "so it is no longer due. Written to the audit log. A new date on that record opens it\n"
               "again.\n"),
    .options = close_options,
    .on_option = close_option,
    CL_CLI_OPTS(no_followup),
    .operands = 1,
    .operands_error = N_("followup close takes one RECORD_ID"),
    .needs = CL_CLI_UNLOCKED,
    .check = close_check,
    .call = followup_close,
    .show = show_closed,
};

static int repair_option(cl_cli *c, int opt, const char *arg, void *ctx)
{
    (void)c, (void)arg;
    if (opt == 'R')
        ((followup_opts *)ctx)->repair = true;
    return 0;
}

static cl_status verify_derived(cl_cli *c, void *opts, json_t **equal)
{
    cl_status st = cl_followup_recompute_check(c->vault, ((const followup_opts *)opts)->repair);
    return st == CL_OK ? cl_cli_result(equal, json_pack("{s:b}", "equal", 1)) : st;
}

static cl_status show_equal(cl_cli *c, const void *opts, const json_t *equal)
{
    (void)c, (void)opts, (void)equal;
    printf("%s\n", _("The derived state equals a recomputation from the records."));
    return CL_OK;
}

static const struct option verify_options[] = {
    {"repair", no_argument, NULL, 'R'},
    {0, 0, 0, 0},
};

static const cl_command_spec verify_spec = {
    .usage = N_("[--repair] [--json]"),
    .help = N_("Recomputes every follow-up obligation and each student's state (next due date, last\n"
               "direct contact, open flags, risk) from the records and compares them with what the\n"
               "vault keeps; exit 65 when they differ. --repair rebuilds them first (audited).\n"),
    .options = verify_options,
    .on_option = repair_option,
    CL_CLI_OPTS(no_followup),
    .operands_error = N_("verify-derived takes no operands"),
    .needs = CL_CLI_UNLOCKED,
    .call = verify_derived,
    .show = show_equal,
};

const cl_command cl_followup_commands[] = {
    {"due", "[--days N]", N_("follow-ups due and overdue, with the reason"), NULL, &due_spec},
    {"followup close", "RECORD_ID --reason TEXT", N_("close a follow-up with a reason"), NULL, &close_spec},
    {"verify-derived", "[--repair]", N_("recompute the derived state and compare"), NULL, &verify_spec},
    {"policy list", "", N_("minimum follow-up frequencies by risk and circumstance"), NULL, &policy_list_spec},
    {"policy set", "BASIS VALUE DAYS", N_("set a minimum follow-up frequency"), NULL, &policy_set_spec},
    {"policy remove", "BASIS VALUE", N_("remove a follow-up policy"), NULL, &policy_remove_spec},
    {NULL, NULL, NULL, NULL, NULL},
};
