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

typedef struct move_opts {
    const char *note, *at;
} move_opts;

static int move_option(cl_cli *c, int opt, const char *arg, void *ctx)
{
    (void)c;
    move_opts *o = ctx;
    if (opt == 'n')
        o->note = arg;
    else if (opt == 'a')
        o->at = arg;
    return 0;
}

static int cmd_referral_move(cl_cli *c)
{
    static const struct option options[] = {
        {"note", required_argument, NULL, 'n'},
        {"at", required_argument, NULL, 'a'},
        {0, 0, 0, 0},
    };
    move_opts o = {NULL, NULL};
    char *help = states_help(_("Moves a referral to its next state. The note says why (required); who and when are\n"
                               "recorded with it.\n  --note TEXT        why the referral moves\n"
                               "  --at DATE-TIME     when it happened, in local time (\"2026-11-30 15:20\"), for a move\n"
                               "                     made earlier, such as a report phoned in yesterday: not in the\n"
                               "                     future, not before the previous move (default: now)\n"));
    int first;
    int rc = cl_cli_parse(c, options, _("ID STATE --note TEXT [--at DATE-TIME]"), help, move_option, &o, 2, &first);
    free(help);
    if (rc != 0)
        return cl_cli_exit(rc);
    long long id;
    cl_status st = parse_id(c->argv[first], &id);
    const char *to = c->argv[first + 1];
    time_t at = 0;
    if (st == CL_OK && o.at && !cl_time_parse_local(o.at, &at)) {
        char *shown = cl_text_inert(o.at, false);
        st = cl_fail(CL_EDATA, _("--at: \"%s\" is not a real date and time; write YYYY-MM-DD HH:MM (local time)"),
                     shown ? shown : "");
        free(shown);
    }
    /* Refuse a bad state or a missing note before asking for the passphrase. */
    if (st == CL_OK)
        st = cl_referral_check_move(to, o.note);
    if (st == CL_OK)
        st = cl_cli_unlock(c);
    if (st == CL_OK)
        st = cl_referral_move_at(c->vault, id, to, o.note, at);
    json_t *r = NULL;
    if (st == CL_OK && c->json)
        st = cl_referral_history(c->vault, id, &r);
    if (st != CL_OK)
        return cl_cli_fail(st);
    if (c->json)
        return cl_cli_print_json(r);
    const cl_referral_state *s = cl_referral_state_find(to);
    printf(_("Referral #%lld is now %s (%s).\n"), id, s->name, state_label(s->name));
    return 0;
}

static int list_option(cl_cli *c, int opt, const char *arg, void *ctx)
{
    (void)c;
    (void)arg;
    if (opt == 'a')
        *(bool *)ctx = true;
    return 0;
}

static int cmd_referral_list(cl_cli *c)
{
    static const struct option options[] = {
        {"all", no_argument, NULL, 'a'},
        {0, 0, 0, 0},
    };
    bool all = false;
    char *help = states_help(_("Lists open referrals by state, oldest in each state first, with how many days each\n"
                             "has waited in its state and whether it is late.\n"
                             "  --all    closed and withdrawn referrals too\n  --json   for programs\n"));
    int first;
    int rc = cl_cli_options(c, options, _("[--all] [--json]"), help, list_option, &all, &first);
    free(help);
    if (rc != 0)
        return cl_cli_exit(rc);
    if (first != c->argc)
        return cl_cli_fail(cl_fail(CL_EUSAGE, _("referral list takes no operands")));
    json_t *list;
    cl_status st = cl_cli_unlock(c);
    if (st == CL_OK)
        st = cl_referral_list(c->vault, !all, &list);
    if (st == CL_OK)
        st = cl_cli_audit_listing(c, &list);
    if (st != CL_OK)
        return cl_cli_fail(st);
    if (c->json)
        return cl_cli_print_json(list);
    if (json_array_size(list) == 0) {
        printf("%s", all ? _("No referrals.\n") : _("No open referrals.\n"));
        json_decref(list);
        return 0;
    }
    /* The student by name and class (`referral show` gives the number);
     * why a referral is late goes under its row on a narrow terminal. */
    static const char *const headers[] = {"ID", N_("Name"), N_("Class"), N_("State"), N_("Days"),
                                          N_("Urgency"), N_("Agency"), N_("Late")};
    cl_table *t = cl_table_new(8, headers);
    if (!t) {
        json_decref(list);
        return cl_cli_fail(cl_fail(CL_ESOFTWARE, _("out of memory")));
    }
    cl_table_align_right(t, 0);
    cl_table_align_right(t, 4);
    cl_table_below_when_narrow(t, 7);
    const cl_form *form = NULL;
    if (cl_catalog_current(c->vault, "referral", &form, NULL) != CL_OK)
        cl_error_clear();
    bool en = strcmp(cl_cli_lang(), "en") == 0;
    size_t i;
    json_t *r;
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
    json_decref(list);
    return cl_cli_fail(st);
}

static int cmd_referral_show(cl_cli *c)
{
    int first;
    int rc = cl_cli_operands(c, _("ID [--json]"),
                             _("Shows a referral's state and every move it made: when, from, to, who and why.\n"), 1,
                             &first);
    if (rc != 0)
        return cl_cli_exit(rc);
    long long id;
    json_t *r = NULL;
    cl_status st = parse_id(c->argv[first], &id);
    if (st == CL_OK)
        st = cl_cli_unlock(c);
    if (st == CL_OK)
        st = cl_referral_history(c->vault, id, &r);
    if (st == CL_OK)
        st = cl_record_audit_view(c->vault, id); /* the notes are as confidential as the record */
    if (st != CL_OK) {
        json_decref(r);
        return cl_cli_fail(st);
    }
    if (c->json)
        return cl_cli_print_json(r);
    printf(_("Referral #%lld for "), id);
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
    json_t *item;
    json_array_foreach(json_object_get(r, "next"), i, item)
        printf(_("%s%s (%s)"), i ? _(", ") : "", json_string_value(item), state_label(json_string_value(item)));
    if (json_array_size(json_object_get(r, "next")) == 0)
        printf(_("(final)"));
    printf("\n\n");
    static const char *const headers[] = {N_("At"), N_("From"), N_("To"), N_("By"), N_("Note")};
    cl_table *t = cl_table_new(5, headers);
    if (!t) {
        json_decref(r);
        return cl_cli_fail(cl_fail(CL_ESOFTWARE, _("out of memory")));
    }
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
    json_decref(r);
    return cl_cli_fail(st);
}

const cl_command cl_referral_commands[] = {
    {"referral move", "ID STATE --note TEXT [--at T]", N_("move a referral on in the reporting loop"), cmd_referral_move, NULL},
    {"referral list", "[--all]", N_("open referrals by state and age, late ones marked"), cmd_referral_list, NULL},
    {"referral show", "ID", N_("a referral's state and history"), cmd_referral_show, NULL},
    {NULL, NULL, NULL, NULL, NULL},
};
