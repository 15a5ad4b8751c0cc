/* Referral commands: move a referral through the reporting loop, list
 * referrals by state and age, show one with its history. The states, their
 * moves and when they are late all come from cl_referral_states. */
#include <stdlib.h>
#include <string.h>

#include "carelog/catalog.h"
#include "carelog/i18n.h"
#include "carelog/cli.h"
#include "carelog/clock.h"
#include "carelog/i18n.h"
#include "carelog/clock.h"
#include "carelog/record.h"
#include "carelog/referral.h"
#include "carelog/table.h"
#include "carelog/text.h"

/* A record id as typed: "12" or "#12". */
static cl_status parse_id(const char *text, long long *id)
{
    const char *p = text && text[0] == '#' ? text + 1 : text;
    char *end;
    long long v = p && *p >= '0' && *p <= '9' ? strtoll(p, &end, 10) : 0;
    if (v <= 0 || *end) {
        char *shown = cl_text_inert(text ? text : "", false);
        cl_status st = cl_fail(CL_EUSAGE, _("\"%s\" is not a record id"), shown ? shown : "");
        free(shown);
        return st;
    }
    *id = v;
    return CL_OK;
}

/* The states and their moves, for --help; from the one table. */
/* A state as the interface language names it. */
static const char *state_label(const char *name)
{
    const cl_referral_state *s = cl_referral_state_find(name);
    if (!s)
        return name ? name : "";
    return strcmp(cl_i18n_language(), "en") == 0 ? s->label_en : s->label_zh;
}

static char *states_help(const char *intro)
{
    bool en = strcmp(cl_i18n_language(), "en") == 0;
    cl_buf b = {0};
    cl_buf_puts(&b, intro);
    cl_buf_puts(&b, _("\nstates (in the order of the loop):\n"));
    for (const cl_referral_state *s = cl_referral_states; s->name; s++) {
        cl_buf_printf(&b, _("  %-13s %s: %s"), s->name, en ? s->label_en : s->label_zh, _(s->help));
        if (*s->next) {
            /* The states to type, each with its name. */
            cl_buf next = {0};
            char *list = cl_strdup_printf("%s", s->next), *save = NULL;
            for (char *w = list ? strtok_r(list, " ", &save) : NULL; w; w = strtok_r(NULL, " ", &save))
                cl_buf_printf(&next, _("%s%s (%s)"), next.data ? _(", ") : "", w, state_label(w));
            free(list);
            cl_buf_printf(&b, _("; next: %s"), next.data ? next.data : "");
            cl_buf_free(&next);
        }
        else
            cl_buf_puts(&b, _("; final"));
        if (s->late_after_days > 0)
            cl_buf_printf(&b, ngettext("; late after %d day (\"%s\")", "; late after %d days (\"%s\")",
                                       (unsigned long)s->late_after_days),
                          s->late_after_days, _(s->late_reason));
        cl_buf_puts(&b, "\n");
    }
    return cl_buf_take(&b);
}

typedef struct referral_opts {
    const char *note, *at;
    bool all;
    long long id;
    time_t when;
} referral_opts;
static const referral_opts no_options = {NULL, NULL, false, 0, 0};

static int move_option(cl_cli *c, int opt, const char *arg, void *ctx)
{
    (void)c;
    referral_opts *o = ctx;
    if (opt == 'n')
        o->note = arg;
    else if (opt == 'a')
        o->at = arg;
    return 0;
}

static int list_option(cl_cli *c, int opt, const char *arg, void *ctx)
{
    (void)c, (void)arg;
    if (opt == 'a')
        ((referral_opts *)ctx)->all = true;
    return 0;
}

static char *move_help(void)
{
    return states_help(_("Moves a referral to its next state. The note says why (required); who and when are\n"
                         "recorded with it.\n  --note TEXT        why the referral moves\n"
                         "  --at DATE-TIME     when it happened, in local time (\"2026-11-30 15:20\"), for a move\n"
                         "                     made earlier, such as a report phoned in yesterday: not in the\n"
                         "                     future, not before the previous move (default: now)\n"));
}

/* Refuses a bad id, time or state or a missing note before asking for the
 * passphrase. */
static cl_status move_check(cl_cli *c, void *opts)
{
    referral_opts *o = opts;
    cl_status st = parse_id(c->operand[0], &o->id);
    if (st == CL_OK && o->at && !cl_time_parse_local(o->at, &o->when)) {
        char *shown = cl_text_inert(o->at, false);
        st = cl_fail(CL_EDATA, _("--at: \"%s\" is not a real date and time; write YYYY-MM-DD HH:MM (local time)"),
                     shown ? shown : "");
        free(shown);
    }
    return st == CL_OK ? cl_referral_check_move(c->operand[1], o->note) : st;
}

static cl_status referral_move(cl_cli *c, void *opts, json_t **history)
{
    const referral_opts *o = opts;
    cl_status st = cl_referral_move_at(c->vault, o->id, c->operand[1], o->note, o->when);
    return st == CL_OK && c->json ? cl_referral_history(c->vault, o->id, history) : st;
}

static cl_status show_moved(cl_cli *c, const void *opts, const json_t *history)
{
    (void)history;
    const cl_referral_state *s = cl_referral_state_find(c->operand[1]);
    printf(_("Referral #%lld is now %s (%s).\n"), ((const referral_opts *)opts)->id, s->name, state_label(s->name));
    return CL_OK;
}

static const struct option move_options[] = {
    {"note", required_argument, NULL, 'n'},
    {"at", required_argument, NULL, 'a'},
    {0, 0, 0, 0},
};

static const cl_command_spec move_spec = {
    .usage = N_("ID STATE --note TEXT [--at DATE-TIME]"),
    .help_of = move_help,
    .options = move_options,
    .on_option = move_option,
    CL_CLI_OPTS(no_options),
    .operands = 2,
    .needs = CL_CLI_UNLOCKED,
    .check = move_check,
    .call = referral_move,
    .show = show_moved,
};

static char *list_help(void)
{
    return states_help(_("Lists open referrals by state, oldest in each state first, with how many days each\n"
                         "has waited in its state and whether it is late.\n"
                         "  --all    closed and withdrawn referrals too\n  --json   for programs\n"));
}

static cl_status referral_list(cl_cli *c, void *opts, json_t **list)
{
    cl_status st = cl_referral_list(c->vault, !((const referral_opts *)opts)->all, list);
    return st == CL_OK ? cl_cli_audit_listing(c, list) : st;
}

static cl_status show_list(cl_cli *c, const void *opts, const json_t *list)
{
    if (json_array_size(list) == 0) {
        printf("%s", ((const referral_opts *)opts)->all ? _("No referrals.\n") : _("No open referrals.\n"));
        return CL_OK;
    }
    /* The student by name and class (`referral show` gives the number);
     * why a referral is late goes under its row on a narrow terminal. */
    static const char *const headers[] = {"ID", N_("Name"), N_("Class"), N_("State"), N_("Days"),
                                          N_("Urgency"), N_("Agency"), N_("Late")};
    cl_table *t = cl_table_new(8, headers);
    if (!t)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    cl_table_align_right(t, 0);
    cl_table_align_right(t, 4);
    cl_table_below_when_narrow(t, 7);
    const cl_form *form = NULL;
    if (cl_catalog_current(c->vault, "referral", &form, NULL) != CL_OK)
        cl_error_clear();
    bool en = strcmp(cl_cli_lang(), "en") == 0;
    cl_status st = CL_OK;
    size_t i;
    const json_t *r;
    json_array_foreach(list, i, r) {
        char id[24], days[24];
        snprintf(id, sizeof id, "%lld", (long long)json_integer_value(json_object_get(r, "id")));
        snprintf(days, sizeof days, "%lld", (long long)json_integer_value(json_object_get(r, "age_days")));
        const char *agency = *cl_json_str_or(r, "agency_name")
                                 ? cl_json_str_or(r, "agency_name")
                                 : cl_cli_choice_label(form, "agency", cl_json_str_or(r, "agency"));
        const char *cells[8] = {id, cl_json_str_or(r, "name"), cl_json_str_or(r, "class"),
                                cl_json_str_or(r, en ? "state_en" : "state_zh"), days,
                                cl_cli_choice_label(form, "urgency", cl_json_str_or(r, "urgency")), agency,
                                cl_i18n_text(r, "late")};
        st = cl_table_add_row(t, cells);
    }
    if (st == CL_OK)
        st = cl_table_print(t, stdout, cl_cli_width());
    cl_table_free(t);
    return st;
}

static const struct option list_options[] = {
    {"all", no_argument, NULL, 'a'},
    {0, 0, 0, 0},
};

static const cl_command_spec list_spec = {
    .usage = N_("[--all] [--json]"),
    .help_of = list_help,
    .options = list_options,
    .on_option = list_option,
    CL_CLI_OPTS(no_options),
    .operands_error = N_("referral list takes no operands"),
    .needs = CL_CLI_UNLOCKED,
    .call = referral_list,
    .show = show_list,
};

static cl_status show_check(cl_cli *c, void *opts)
{
    return parse_id(c->operand[0], &((referral_opts *)opts)->id);
}

static cl_status referral_show(cl_cli *c, void *opts, json_t **r)
{
    long long id = ((const referral_opts *)opts)->id;
    cl_status st = cl_referral_history(c->vault, id, r);
    return st == CL_OK ? cl_record_audit_view(c->vault, id) : st; /* the notes are as confidential as the record */
}

static cl_status show_referral(cl_cli *c, const void *opts, const json_t *r)
{
    (void)c;
    printf(_("Referral #%lld for "), ((const referral_opts *)opts)->id);
    cl_cli_print_text(stdout, cl_json_str_or(r, "name"));
    printf(" (");
    cl_cli_print_text(stdout, cl_json_str_or(r, "number"));
    printf(", ");
    cl_cli_print_text(stdout, cl_json_str_or(r, "class"));
    long long age = (long long)json_integer_value(json_object_get(r, "age_days"));
    printf(ngettext(")\nState: %s, %lld day", ")\nState: %s, %lld days", (unsigned long)age),
           state_label(cl_json_str_or(r, "state")), age);
    if (*cl_json_str_or(r, "late"))
        printf(_(" — late: %s"), cl_i18n_text(r, "late"));
    printf(_("\nNext: "));
    size_t i;
    const json_t *item;
    json_array_foreach(json_object_get(r, "next"), i, item)
        printf(_("%s%s (%s)"), i ? _(", ") : "", json_string_value(item), state_label(json_string_value(item)));
    if (json_array_size(json_object_get(r, "next")) == 0)
        printf(_("(final)"));
    printf("\n\n");
    static const char *const headers[] = {N_("At"), N_("From"), N_("To"), N_("By"), N_("Note")};
    cl_table *t = cl_table_new(5, headers);
    if (!t)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    cl_status st = CL_OK;
    json_array_foreach(json_object_get(r, "transitions"), i, item) {
        char at[32];
        cl_time_local(cl_json_str_or(item, "at"), false, at, sizeof at);
        /* The first move's note is carelog's own word. */
        const char *note = cl_json_str_or(item, "note");
        const char *cells[5] = {at, json_is_string(json_object_get(item, "from")) ? state_label(cl_json_str_or(item, "from"))
                                                                                  : "—",
                                state_label(cl_json_str_or(item, "to")), cl_json_str_or(item, "actor"),
                                strcmp(note, "created") == 0 ? _("created") : note};
        st = cl_table_add_row(t, cells);
    }
    if (st == CL_OK)
        st = cl_table_print(t, stdout, cl_cli_width());
    cl_table_free(t);
    return st;
}

static const cl_command_spec show_spec = {
    .usage = N_("ID [--json]"),
    .help = N_("Shows a referral's state and every move it made: when, from, to, who and why.\n"),
    CL_CLI_OPTS(no_options),
    .operands = 1,
    .needs = CL_CLI_UNLOCKED,
    .check = show_check,
    .call = referral_show,
    .show = show_referral,
};

const cl_command cl_referral_commands[] = {
    {"referral move", "ID STATE --note TEXT [--at T]", N_("move a referral on in the reporting loop"), NULL, &move_spec},
    {"referral list", "[--all]", N_("open referrals by state and age, late ones marked"), NULL, &list_spec},
    {"referral show", "ID", N_("a referral's state and history"), NULL, &show_spec},
    {NULL, NULL, NULL, NULL, NULL},
};
