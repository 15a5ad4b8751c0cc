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

static int cmd_due(cl_cli *c)
{
    static const struct option options[] = {
        {"days", required_argument, NULL, 'd'},
        {"today", required_argument, NULL, 't'},
        CL_CLI_PAGE_OPTIONS,
        {0, 0, 0, 0},
    };
    due_opts o = {DUE_DEFAULT_DAYS, NULL, {0, NULL}};
    int first;
    int rc = cl_cli_options(
        c, options, _("[--days N] [--today DATE] [--limit N [--after CURSOR]] [--json]"),
        _("Lists follow-ups that are overdue or due within N days (default 7), most overdue first, each\n"
        "with its reason: a follow-up date set by a record and not yet met by a later contact, or a\n"
        "policy's minimum frequency by risk level or circumstance (see `carelog policy list`).\n"
        "  --days N       how far ahead to look (default 7; 0 = due today or overdue)\n"
        "  --today DATE   count from another day than today\n"
        "  --limit N      a page of at most N rows\n"
        "  --after CURSOR the page after the one that printed this cursor\n"
        "  --json         for programs; with --limit {rows, total, next}: next is the cursor\n"
        "                 of the next page, or null after the last one\n"),
        due_option, &o, &first);
    if (rc != 0)
        return cl_cli_exit(rc);
    if (first != c->argc)
        return cl_cli_fail(cl_fail(CL_EUSAGE, _("due takes no operands")));
    if (o.page.after && o.page.limit == 0)
        return cl_cli_fail(cl_fail(CL_EUSAGE, _("--after goes with --limit N (the size of the page)")));
    json_t *list = NULL, *page = NULL;
    char *next = NULL;
    cl_status st = cl_cli_unlock(c);
    if (st == CL_OK)
        st = due_list(c, &o, &list, &next);
    if (st == CL_OK)
        st = cl_cli_audit_listing(c, &list);
    if (st != CL_OK) {
        free(next);
        return cl_cli_fail(st);
    }
    if (c->json) {
        free(next);
        return cl_cli_print_json(list);
    }
    if (o.page.limit > 0) { /* the table shows the page's rows */
        page = list;
        list = json_incref(json_object_get(page, "rows"));
        json_decref(page);
    }
    if (json_array_size(list) == 0 && o.page.after) {
        printf("%s\n", _("Nothing more is due after that cursor."));
        json_decref(list);
        return 0;
    }
    if (json_array_size(list) == 0) {
        printf(ngettext("Nothing is due within %ld day.\n", "Nothing is due within %ld days.\n", (unsigned long)o.days), o.days);
        json_decref(list);
        return 0;
    }
    static const char *const headers[] = {N_("Due"), N_("When"), N_("Number"), N_("Name"),
                                          N_("Class"), N_("Risk"), N_("Reason")};
    cl_table *t = cl_table_new(7, headers);
    if (!t) {
        json_decref(list);
        return cl_cli_fail(cl_fail(CL_ESOFTWARE, _("out of memory")));
    }
    cl_table_align_right(t, 5);
    cl_table_below_when_narrow(t, 6);
    size_t i;
    json_t *r;
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
    json_decref(list);
    if (st == CL_OK)
        cl_cli_print_next(c, &o.page, next);
    free(next);
    return cl_cli_fail(st);
}

static int cmd_policy_list(cl_cli *c)
{
    int first;
    int rc = cl_cli_operands(c, _("[--json]"),
                      _("Lists the follow-up policies: the most days that may pass between counsellor contacts\n"
                      "for a risk level or a circumstance. Where several apply, the fewest days win.\n"),
                      0, &first);
    if (rc != 0)
        return cl_cli_exit(rc);
    json_t *list;
    cl_status st = cl_cli_unlock(c);
    if (st == CL_OK)
        st = cl_followup_policy_list(c->vault, &list);
    if (st != CL_OK)
        return cl_cli_fail(st);
    if (c->json)
        return cl_cli_print_json(list);
    static const char *const headers[] = {N_("Basis"), N_("Value"), N_("Days"), N_("Meaning")};
    cl_table *t = cl_table_new(4, headers);
    if (!t) {
        json_decref(list);
        return cl_cli_fail(cl_fail(CL_ESOFTWARE, _("out of memory")));
    }
    cl_table_align_right(t, 2);
    size_t i;
    json_t *p;
    json_array_foreach(list, i, p) {
        char days[16];
        snprintf(days, sizeof days, "%d", (int)json_integer_value(json_object_get(p, "days")));
        const char *cells[4] = {cl_json_str_or(p, "basis"), cl_json_str_or(p, "value"), days, cl_i18n_text(p, "label")};
        st = cl_table_add_row(t, cells);
    }
    if (st == CL_OK)
        st = cl_table_print(t, stdout, cl_cli_width());
    cl_table_free(t);
    json_decref(list);
    return cl_cli_fail(st);
}

/* After a change, --json prints the policies as they now stand. */
static int print_policies_json(cl_cli *c)
{
    json_t *list;
    cl_status st = cl_followup_policy_list(c->vault, &list);
    return st == CL_OK ? cl_cli_print_json(list) : cl_cli_fail(st);
}

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

static int cmd_policy_set(cl_cli *c)
{
    int first;
    char help[512];
    snprintf(help, sizeof help, _("Sets how many days may pass at most between counsellor contacts.\n%s"
                                "  DAYS    1-%d\n"), _(policy_help), CL_FOLLOWUP_POLICY_MAX_DAYS);
    int rc = cl_cli_operands(c, _("BASIS VALUE DAYS"), help, 3, &first);
    if (rc != 0)
        return cl_cli_exit(rc);
    long days;
    cl_status st = parse_int("DAYS", c->argv[first + 2], 1, CL_FOLLOWUP_POLICY_MAX_DAYS, &days);
    if (st == CL_OK)
        st = cl_cli_unlock(c);
    if (st == CL_OK)
        st = cl_followup_policy_set(c->vault, c->argv[first], c->argv[first + 1], (int)days);
    if (st != CL_OK)
        return cl_cli_fail(st);
    if (c->json)
        return print_policies_json(c);
    printf(_("Policy set: %s "), basis_label(c->argv[first]));
    cl_cli_print_text(stdout, c->argv[first + 1]);
    printf(ngettext(" at least every %ld day.\n", " at least every %ld days.\n", (unsigned long)days), days);
    return 0;
}

static int cmd_policy_remove(cl_cli *c)
{
    int first;
    char help[512];
    snprintf(help, sizeof help, _("Removes a follow-up policy.\n%s"), _(policy_help));
    int rc = cl_cli_operands(c, _("BASIS VALUE"), help, 2, &first);
    if (rc != 0)
        return cl_cli_exit(rc);
    cl_status st = cl_cli_unlock(c);
    if (st == CL_OK)
        st = cl_followup_policy_remove(c->vault, c->argv[first], c->argv[first + 1]);
    if (st != CL_OK)
        return cl_cli_fail(st);
    if (c->json)
        return print_policies_json(c);
    printf(_("Policy removed: %s "), basis_label(c->argv[first]));
    cl_cli_print_text(stdout, c->argv[first + 1]);
    printf("%s", _(".\n"));
    return 0;
}

static int close_option(cl_cli *c, int opt, const char *arg, void *ctx)
{
    (void)c;
    if (opt == 'r')
        *(const char **)ctx = arg;
    return 0;
}

static int cmd_followup_close(cl_cli *c)
{
    static const struct option options[] = {
        {"reason", required_argument, NULL, 'r'},
        {0, 0, 0, 0},
    };
    const char *reason = NULL;
    int first;
    int rc = cl_cli_options(c, options, _("RECORD_ID --reason TEXT"),
                            _("Closes the follow-up that a record set (`carelog due` names the record), saying why,\n"
                              "so it is no longer due. Written to the audit log. A new date on that record opens it\n"
                              "again.\n"),
                            close_option, &reason, &first);
    if (rc != 0)
        return cl_cli_exit(rc);
    if (first + 1 != c->argc)
        return cl_cli_fail(cl_fail(CL_EUSAGE, _("followup close takes one RECORD_ID")));
    long long id;
    cl_status st = cl_parse_id(c->argv[first], _("the record id"), &id);
    if (st == CL_OK && !reason)
        st = cl_fail(CL_EUSAGE, _("say why the follow-up is closed: --reason TEXT"));
    if (st == CL_OK)
        st = cl_cli_unlock(c);
    if (st == CL_OK)
        st = cl_followup_close(c->vault, id, reason);
    if (st != CL_OK)
        return cl_cli_fail(st);
    if (c->json)
        return cl_cli_print_json(json_pack("{s:I, s:b}", "record_id", (json_int_t)id, "closed", 1));
    printf(_("Closed the follow-up set by record #%lld.\n"), id);
    return 0;
}

static int repair_option(cl_cli *c, int opt, const char *arg, void *ctx)
{
    (void)c, (void)arg;
    if (opt == 'R')
        *(bool *)ctx = true;
    return 0;
}

static int cmd_verify_derived(cl_cli *c)
{
    static const struct option options[] = {
        {"repair", no_argument, NULL, 'R'},
        {0, 0, 0, 0},
    };
    bool repair = false;
    int first;
    int rc = cl_cli_options(c, options, _("[--repair] [--json]"),
                            _("Recomputes every follow-up obligation and each student's state (next due date, last\n"
                              "direct contact, open flags, risk) from the records and compares them with what the\n"
                              "vault keeps; exit 65 when they differ. --repair rebuilds them first (audited).\n"),
                            repair_option, &repair, &first);
    if (rc != 0)
        return cl_cli_exit(rc);
    if (first != c->argc)
        return cl_cli_fail(cl_fail(CL_EUSAGE, _("verify-derived takes no operands")));
    cl_status st = cl_cli_unlock(c);
    if (st == CL_OK)
        st = cl_followup_recompute_check(c->vault, repair);
    if (st != CL_OK)
        return cl_cli_fail(st);
    if (c->json)
        return cl_cli_print_json(json_pack("{s:b}", "equal", 1));
    printf("%s\n", _("The derived state equals a recomputation from the records."));
    return 0;
}

const cl_command cl_followup_commands[] = {
    {"due", "[--days N]", N_("follow-ups due and overdue, with the reason"), cmd_due, NULL},
    {"followup close", "RECORD_ID --reason TEXT", N_("close a follow-up with a reason"), cmd_followup_close, NULL},
    {"verify-derived", "[--repair]", N_("recompute the derived state and compare"), cmd_verify_derived, NULL},
    {"policy list", "", N_("minimum follow-up frequencies by risk and circumstance"), cmd_policy_list, NULL},
    {"policy set", "BASIS VALUE DAYS", N_("set a minimum follow-up frequency"), cmd_policy_set, NULL},
    {"policy remove", "BASIS VALUE", N_("remove a follow-up policy"), cmd_policy_remove, NULL},
    {NULL, NULL, NULL, NULL, NULL},
};
