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

/* shown of total: the section's rows printed, of the whole list's. */
static void section_title(const char *title, size_t shown, json_int_t total)
{
    if ((json_int_t)shown < total)
        printf(_("\n%s (%zu of %lld)\n"), _(title), shown, (long long)total);
    else
        printf("\n%s (%zu)\n", _(title), shown);
}

/* One row through the section's table: measured in the first pass, added
 * (and a block at a time printed) in the second. */
static cl_status section_row(cl_cli_blocks *b, json_t *row, fill_fn fill)
{
    char cells[AGENDA_COLS][CELL];
    fill(row, strcmp(cl_cli_lang(), "en") == 0, cells);
    const char *ptrs[AGENDA_COLS] = {cells[0], cells[1], cells[2], cells[3], cells[4]};
    return cl_cli_blocks_row(b, ptrs);
}

/* total: the section's rows in the whole list, more than these on a page.
 * The rows are measured, then printed a block at a time, so the table does
 * not hold each row a second time. */
static void section(const char *title, json_t *rows, json_int_t total, const char *const headers[AGENDA_COLS],
                    fill_fn fill)
{
    if (json_array_size(rows) == 0)
        return;
    section_title(title, json_array_size(rows), total);
    cl_cli_blocks b;
    cl_status st = cl_cli_blocks_start(&b, AGENDA_COLS, headers, reason_below_when_narrow);
    for (int pass = 0; pass < 2 && st == CL_OK; pass++) {
        size_t i;
        json_t *row;
        json_array_foreach(rows, i, row) {
            if ((st = section_row(&b, row, fill)) != CL_OK)
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

static const char *const flag_headers[AGENDA_COLS] = {N_("Student"), N_("Raised"), N_("Record"), N_("Flag"),
                                                      N_("Why")};
static const char *const due_headers[AGENDA_COLS] = {N_("Student"), N_("Due"), N_("Late"), N_("Record"), N_("Why")};
static const char *const ref_headers[AGENDA_COLS] = {N_("Student"), N_("Referral"), N_("State"), N_("In state"),
                                                     N_("Why")};
static const char *const crisis_headers[AGENDA_COLS] = {N_("Student"), N_("Risk"), N_("Last session"),
                                                        N_("Days since"), N_("Why")};

/* The sections in the order they are printed (and paged). */
#define SECTIONS 5
static const struct agenda_section {
    const char *key, *title;
    const char *const *headers;
    fill_fn fill;
} sections[SECTIONS] = {
    {"flags", N_("Screening flags"), flag_headers, fill_flag},
    {"overdue", N_("Overdue follow-ups"), due_headers, fill_due},
    {"late_referrals", N_("Referrals late in the loop"), ref_headers, fill_referral},
    {"crisis", N_("Crisis level, no recent session"), crisis_headers, fill_crisis},
    {"due_today", N_("Due today"), due_headers, fill_due},
};

static json_int_t section_count(const json_t *agenda, size_t k)
{
    return json_integer_value(json_object_get(json_object_get(agenda, "counts"), sections[k].key));
}

/* The lines above the sections: teachers' observations to triage first
 * (an urgent one may be a child in danger today), or that nothing needs
 * attention; false when nothing does. */
static bool print_head(const json_t *agenda)
{
    json_int_t total = 0;
    for (size_t k = 0; k < SECTIONS; k++)
        total += section_count(agenda, k);
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
        return false;
    }
    return true;
}

void cl_cli_print_agenda(const json_t *agenda)
{
    if (!print_head(agenda))
        return;
    for (size_t k = 0; k < SECTIONS; k++)
        section(sections[k].title, json_object_get(agenda, sections[k].key), section_count(agenda, k),
                sections[k].headers, sections[k].fill);
}

/* ---- the whole agenda, a page at a time ------------------------------- */

/* Pages of the agenda as the core gives them; on a large vault the whole
 * agenda is tens of thousands of rows, tens of MiB as one document. */
#define AGENDA_PAGE 1000

/* Both passes over the pages: measuring every section's rows, then
 * printing them under their titles. */
typedef struct agenda_pages {
    cl_cli_blocks b[SECTIONS];
    json_t *first;  /* the first page, for the head and the counts */
    bool printing;  /* the second pass */
    size_t section; /* the section being printed (SECTIONS: none yet) */
} agenda_pages;

static cl_status page_row(agenda_pages *p, size_t k, json_t *row)
{
    cl_status st = CL_OK;
    if (p->printing && p->section != k) {
        if (p->section < SECTIONS)
            st = cl_cli_blocks_end(&p->b[p->section], CL_OK);
        p->section = k;
        section_title(sections[k].title, (size_t)section_count(p->first, k), section_count(p->first, k));
    }
    return st == CL_OK ? section_row(&p->b[k], row, sections[k].fill) : st;
}

static cl_status walk_pages(cl_cli *c, agenda_pages *p)
{
    char *after = NULL;
    cl_status st = CL_OK;
    while (st == CL_OK) {
        json_t *page = NULL;
        st = cl_agenda_attention_page(c->vault, AGENDA_PAGE, after, &page);
        free(after);
        after = NULL;
        if (st == CL_OK && !p->first)
            p->first = json_incref(page);
        for (size_t k = 0; st == CL_OK && k < SECTIONS; k++) {
            size_t i;
            json_t *row;
            json_array_foreach(json_object_get(page, sections[k].key), i, row) {
                if ((st = page_row(p, k, row)) != CL_OK)
                    break;
            }
        }
        const char *next = json_string_value(json_object_get(page, "next"));
        if (st == CL_OK && next && !(after = strdup(next)))
            st = cl_fail(CL_ESOFTWARE, _("out of memory"));
        json_decref(page);
        if (!after)
            break;
    }
    free(after);
    return st;
}

/* The whole agenda as tables, a page of rows at a time: audited with its
 * rows counted first, as `record list` is, then read twice in one read
 * transaction (measured, printed). Prints exactly what the whole document
 * would. */
static cl_status print_agenda_pages(cl_cli *c)
{
    long long rows = 0;
    cl_status st = cl_agenda_attention_count(c->vault, &rows);
    if (st == CL_OK)
        st = cl_cli_audit_rows(c, rows);
    agenda_pages p = {.section = SECTIONS};
    size_t started = 0;
    for (; st == CL_OK && started < SECTIONS; started++)
        st = cl_cli_blocks_start(&p.b[started], AGENDA_COLS, sections[started].headers, reason_below_when_narrow);
    bool opened = false;
    if (st == CL_OK)
        st = cl_vault_read_begin(c->vault, &opened);
    if (st == CL_OK)
        st = walk_pages(c, &p);
    if (st == CL_OK && print_head(p.first)) {
        for (size_t k = 0; k < SECTIONS; k++)
            cl_cli_blocks_second(&p.b[k]);
        p.printing = true;
        st = walk_pages(c, &p);
    }
    cl_vault_read_end(c->vault, opened);
    for (size_t k = 0; k < started; k++)
        if (p.b[k].t) /* not ended already, when the next section began */
            st = cl_cli_blocks_end(&p.b[k], st);
    json_decref(p.first);
    return st;
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
    if (!c->json && page->limit == 0)
        return print_agenda_pages(c);
    cl_status st = cl_agenda_attention_page(c->vault, page->limit, page->after, agenda);
    return st == CL_OK ? cl_cli_audit_listing(c, agenda) : st;
}

static cl_status show_agenda(cl_cli *c, const void *opts, const json_t *agenda)
{
    if (!agenda)
        return CL_OK; /* the whole agenda, printed a page at a time already */
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
