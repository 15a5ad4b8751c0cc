/* `carelog agenda`: what needs attention now; also the top of `carelog`
 * with no command. */
#include <stdlib.h>
#include <string.h>

#include "carelog/agenda.h"
#include "carelog/cli.h"
#include "carelog/clock.h"
#include "carelog/followup.h"
#include "carelog/i18n.h"
#include "carelog/table.h"

/* Each section is a table of short columns (who, when, which record)
 * ending in the text that says why; on a narrow terminal that text goes on
 * a line of its own under its row (cl_table_below_when_narrow), so neither
 * the record id nor the start of the reason is cut. */
#define AGENDA_COLS 5
#define CELL 512

typedef void (*fill_fn)(json_t *row, bool en, char cells[AGENDA_COLS][CELL]);

static void student_cell(json_t *row, char *buf)
{
    snprintf(buf, CELL, "%s (%s, %s)", cl_json_str_or(row, "name"), cl_json_str_or(row, "number"),
             cl_json_str_or(row, "class"));
}

/* "#12", or "" when there is no record (a policy's due date). */
static void record_cell(json_t *row, const char *key, char *buf)
{
    long long id = (long long)json_integer_value(json_object_get(row, key));
    if (id > 0)
        snprintf(buf, CELL, "#%lld", id);
    else
        buf[0] = '\0';
}

static void reason_below_when_narrow(cl_table *t)
{
    cl_table_below_when_narrow(t, AGENDA_COLS - 1);
}

/* total: the section's rows in the whole list, more than these on a page.
 * The rows are measured, then printed a block at a time: the agenda of a
 * large vault holds tens of thousands, and a whole table of them would
 * hold each row a second time. */
static void section(const char *title, json_t *rows, json_int_t total, const char *const headers[AGENDA_COLS],
                    fill_fn fill)
{
    if (json_array_size(rows) == 0)
        return;
    if ((json_int_t)json_array_size(rows) < total)
        printf(_("\n%s (%zu of %lld)\n"), _(title), json_array_size(rows), (long long)total);
    else
        printf("\n%s (%zu)\n", _(title), json_array_size(rows));
    bool en = strcmp(cl_cli_lang(), "en") == 0;
    cl_cli_blocks b;
    cl_status st = cl_cli_blocks_start(&b, AGENDA_COLS, headers, reason_below_when_narrow);
    for (int pass = 0; pass < 2 && st == CL_OK; pass++) {
        size_t i;
        json_t *row;
        json_array_foreach(rows, i, row) {
            char cells[AGENDA_COLS][CELL];
            fill(row, en, cells);
            const char *ptrs[AGENDA_COLS] = {cells[0], cells[1], cells[2], cells[3], cells[4]};
            if ((st = cl_cli_blocks_row(&b, ptrs)) != CL_OK)
                break;
        }
        cl_cli_blocks_second(&b);
    }
    cl_cli_fail(b.t ? cl_cli_blocks_end(&b, st) : st);
}

static void fill_flag(json_t *row, bool en, char cells[AGENDA_COLS][CELL])
{
    student_cell(row, cells[0]);
    cl_time_local(cl_json_str_or(row, "raised_at"), true, cells[1], CELL);
    record_cell(row, "record_id", cells[2]);
    snprintf(cells[3], CELL, "#%lld", (long long)json_integer_value(json_object_get(row, "flag_id")));
    snprintf(cells[4], CELL, "%s", cl_json_str_or(row, en ? "label_en" : "label_zh"));
}

static void fill_due(json_t *row, bool en, char cells[AGENDA_COLS][CELL])
{
    (void)en;
    student_cell(row, cells[0]);
    long long days = (long long)json_integer_value(json_object_get(row, "days_overdue"));
    cl_date_with_weekday(cl_json_str_or(row, "due_date"), cells[1], CELL);
    if (days > 0)
        snprintf(cells[2], CELL, ngettext("%lld day", "%lld days", (unsigned long)days), days);
    else
        snprintf(cells[2], CELL, "%s", _("today"));
    record_cell(row, "record_id", cells[3]);
    snprintf(cells[4], CELL, "%s", cl_i18n_text(row, "reason"));
}

static void fill_referral(json_t *row, bool en, char cells[AGENDA_COLS][CELL])
{
    student_cell(row, cells[0]);
    record_cell(row, "id", cells[1]);
    snprintf(cells[2], CELL, "%s", cl_json_str_or(row, en ? "state_en" : "state_zh"));
    long long age = (long long)json_integer_value(json_object_get(row, "age_days"));
    snprintf(cells[3], CELL, ngettext("%lld day", "%lld days", (unsigned long)age), age);
    snprintf(cells[4], CELL, "%s", cl_i18n_text(row, "late"));
}

static void fill_crisis(json_t *row, bool en, char cells[AGENDA_COLS][CELL])
{
    (void)en;
    student_cell(row, cells[0]);
    snprintf(cells[1], CELL, _("risk %lld"), (long long)json_integer_value(json_object_get(row, "risk_level")));
    const char *last = cl_json_str_or(row, "last_session");
    snprintf(cells[2], CELL, "%s", *last ? last : _("never"));
    long long days = (long long)json_integer_value(json_object_get(row, "days_since"));
    if (*last)
        snprintf(cells[3], CELL, ngettext("%lld day", "%lld days", (unsigned long)days), days);
    else
        cells[3][0] = '\0';
    snprintf(cells[4], CELL, ngettext("crisis level, no session in the last %d day",
                                      "crisis level, no session in the last %d days", CL_FOLLOWUP_CRISIS_DAYS),
             CL_FOLLOWUP_CRISIS_DAYS);
}

void cl_cli_print_agenda(const json_t *agenda)
{
    static const char *const flag_headers[AGENDA_COLS] = {N_("Student"), N_("Raised"), N_("Record"), N_("Flag"),
                                                          N_("Why")};
    static const char *const due_headers[AGENDA_COLS] = {N_("Student"), N_("Due"), N_("Late"), N_("Record"),
                                                         N_("Why")};
    static const char *const ref_headers[AGENDA_COLS] = {N_("Student"), N_("Referral"), N_("State"),
                                                         N_("In state"), N_("Why")};
    static const char *const crisis_headers[AGENDA_COLS] = {N_("Student"), N_("Risk"), N_("Last session"),
                                                            N_("Days since"), N_("Why")};
    json_t *counts = json_object_get(agenda, "counts");
    json_int_t total = json_integer_value(json_object_get(counts, "flags")) +
                       json_integer_value(json_object_get(counts, "overdue")) +
                       json_integer_value(json_object_get(counts, "late_referrals")) +
                       json_integer_value(json_object_get(counts, "crisis")) +
                       json_integer_value(json_object_get(counts, "due_today"));
    /* Teachers' observations to triage stand first: an urgent one may be
     * a child in danger today. */
    json_t *obs = json_object_get(agenda, "new_observations");
    json_int_t obs_n = json_integer_value(json_object_get(obs, "count"));
    if (obs_n > 0) {
        printf(ngettext("\n%lld new observation from teachers to triage", "\n%lld new observations from teachers to triage",
                        (unsigned long)obs_n), (long long)obs_n);
        json_int_t urgent = json_integer_value(json_object_get(obs, "urgent"));
        if (urgent > 0)
            printf(ngettext(", %lld URGENT", ", %lld URGENT", (unsigned long)urgent), (long long)urgent);
        printf(_(" — `carelog inbox list`\n"));
        total += obs_n;
    }
    if (total == 0) {
        printf(_("\nNothing needs attention now.\n"));
        return;
    }
#define COUNT(key) json_integer_value(json_object_get(counts, key))
    section(N_("Screening flags"), json_object_get(agenda, "flags"), COUNT("flags"), flag_headers, fill_flag);
    section(N_("Overdue follow-ups"), json_object_get(agenda, "overdue"), COUNT("overdue"), due_headers, fill_due);
    section(N_("Referrals late in the loop"), json_object_get(agenda, "late_referrals"), COUNT("late_referrals"),
            ref_headers, fill_referral);
    section(N_("Crisis level, no recent session"), json_object_get(agenda, "crisis"), COUNT("crisis"), crisis_headers,
            fill_crisis);
    section(N_("Due today"), json_object_get(agenda, "due_today"), COUNT("due_today"), due_headers, fill_due);
#undef COUNT
}

static int agenda_option(cl_cli *c, int opt, const char *arg, void *ctx)
{
    (void)c;
    return cl_cli_page_option(ctx, opt, arg);
}

static cl_status agenda_check(cl_cli *c, void *opts)
{
    (void)c;
    return cl_cli_page_check(opts);
}

static cl_status agenda(cl_cli *c, void *opts, json_t **agenda)
{
    const cl_cli_page *page = opts;
    if (c->json && page->limit == 0) {
        /* The whole list for a program: written as the core walks it,
         * counted first for the audit log. */
        long long rows = 0;
        cl_status st = cl_agenda_attention_count(c->vault, &rows);
        if (st == CL_OK)
            st = cl_cli_audit_rows(c, rows);
        if (st == CL_OK) {
            st = cl_agenda_attention_write(c->vault, cl_cli_write_json, NULL);
            fputc('\n', stdout);
        }
        return st;
    }
    cl_status st = cl_agenda_attention_page(c->vault, page->limit, page->after, agenda);
    return st == CL_OK ? cl_cli_audit_listing(c, agenda) : st;
}

static cl_status show_agenda(cl_cli *c, const void *opts, const json_t *agenda)
{
    cl_cli_print_agenda(agenda);
    cl_cli_print_next(c, opts, json_string_value(json_object_get(agenda, "next")));
    return CL_OK;
}

static const struct option agenda_options[] = {CL_CLI_PAGE_OPTIONS, {0, 0, 0, 0}};
static const cl_cli_page whole_agenda = {0, NULL};

static const cl_command_spec agenda_spec = {
    .usage = N_("[--limit N [--after CURSOR]] [--json]"),
    .help = N_("What needs attention now: open screening flags, overdue follow-ups,\n"
               "referrals late in the loop, crisis-level students with no session in the\n"
               "last 7 days, and what is due today, each with the record it comes from\n"
               "and why. On a narrow terminal the reason is printed on its own line under\n"
               "each row.\n"
               "  --limit N        a page of at most N rows (the counts stay those of the whole list)\n"
               "  --after CURSOR   the page after the one that printed this cursor\n"
               "  --json           for programs; with --limit it ends with \"next\": the\n"
               "                   cursor of the next page, or null after the last one\n"),
    .options = agenda_options,
    .on_option = agenda_option,
    CL_CLI_OPTS(whole_agenda),
    .needs = CL_CLI_UNLOCKED,
    .check = agenda_check,
    .call = agenda,
    .show = show_agenda,
};

const cl_command cl_agenda_commands[] = {
    {"agenda", "", N_("what needs attention now: flags, overdue, late referrals"), NULL, &agenda_spec},
    {NULL, NULL, NULL, NULL, NULL},
};
