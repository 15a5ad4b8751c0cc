/* Reports: the intervention ledger, the children-in-difficulty list, the
 * statistics and the county's anonymous totals — chosen, their options
 * set, then built and written by the core exactly as `carelog report`
 * does (asked first, mode 0600, never over a file, audited), and the
 * screen says where the file went. The statistics are also drawn here as
 * the same bar charts and tables the command line prints. */
#define _XOPEN_SOURCE_EXTENDED 1
#include <curses.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "carelog/clock.h"
#include "carelog/county.h"
#include "carelog/document.h"
#include "carelog/export.h"
#include "carelog/file.h"
#include "carelog/i18n.h"
#include "carelog/report.h"
#include "carelog/text.h"
#include "ui.h"

enum { LEDGER, DIFFICULTY, STATS, COUNTY, N_KINDS };

static const struct {
    const char *id;       /* audit action report.ID, file name */
    const char *title;    /* N_() */
    const char *name;     /* N_(), in "Write the NAME …?" */
    const char *formats[6];
} kinds[N_KINDS] = {
    {"ledger", N_("Intervention ledger (学生异常行为干预台账)"), N_("intervention ledger"),
     {"xlsx", "csv", "pdf", "md", "json", NULL}},
    {"difficulty", N_("Children in difficulty (困境儿童动态监管)"), N_("children-in-difficulty list"),
     {"xlsx", "csv", "pdf", "md", "json", NULL}},
    {"stats", N_("Statistics"), NULL, {"pdf", "md", "json", NULL}},
    {"county", N_("Anonymous totals for the county, signed"), NULL, {"json", NULL}},
};

/* The file's own name: the whole path is on the screen's File line. */
static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static const char *const groupings[] = {NULL, "month", "week", "class", "grade", "category", "risk", "tier",
                                        "circumstance", "counsellor", "agency"};
#define N_GROUPINGS (sizeof groupings / sizeof *groupings)

typedef struct reports_view {
    list_pos pos;            /* the kind chosen */
    int format[N_KINDS];     /* index into the kind's formats */
    size_t by;               /* stats: index into groupings */
    char *from, *to, *class_name, *period, *path; /* NULL: not set */
} reports_view;

static const char *format_of(const reports_view *r)
{
    return kinds[r->pos.sel].formats[r->format[r->pos.sel]];
}

/* Where the file goes unless the counsellor names a place: the folder
 * carelog was started in, named by the report and the day. */
static char *default_path(const reports_view *r)
{
    char today[11], cwd[4096];
    cl_time_date(cl_now(), today, sizeof today);
    if (!getcwd(cwd, sizeof cwd))
        snprintf(cwd, sizeof cwd, ".");
    return cl_strdup_printf("%s/%s-%s.%s", cwd, kinds[r->pos.sel].id, today, format_of(r));
}

static void option_line(ui *u, int y, const char *key, const char *label, const char *value, bool applies)
{
    if (!applies)
        return;
    ui_text(u, y, 2, 3, key, A_BOLD);
    ui_text(u, y, 5, 24, label, 0);
    ui_text(u, y, 29, u->cols - 29, value, 0);
}

static void reports_draw(ui *u, view *v)
{
    reports_view *r = v->data;
    int y = ui_body_top();
    ui_text(u, y, 0, u->cols, _("Reports: choose one (j/k), set its options, w writes it"), A_BOLD);
    for (size_t k = 0; k < N_KINDS; k++)
        ui_text_pad(u, y + 2 + (int)k, 2, u->cols - 4, _(kinds[k].title), k == r->pos.sel ? A_REVERSE : 0);
    size_t kind = r->pos.sel;
    int oy = y + 3 + N_KINDS;
    char *path = r->path ? NULL : default_path(r);
    const char *any = _("(any)");
    option_line(u, oy++, "f", _("From"), r->from ? r->from : any, true);
    option_line(u, oy++, "t", _("To"), r->to ? r->to : any, true);
    option_line(u, oy++, "c", _("Class"), r->class_name ? r->class_name : _("(every class)"), kind != COUNTY);
    option_line(u, oy++, "b", _("Grouped by"), groupings[r->by] ? cl_report_dimension_label(groupings[r->by])
                                                                 : _("(totals only)"), kind == STATS);
    option_line(u, oy++, "p", _("Term"), r->period ? r->period : _("(required, e.g. 2026 秋季学期)"), kind == COUNTY);
    option_line(u, oy++, "m", _("Format"), format_of(r), true);
    option_line(u, oy++, "o", _("File"), r->path ? r->path : path ? path : "", true);
    free(path);
    oy++;
    ui_text(u, oy, 2, u->cols - 4,
            kind == COUNTY ? _("No names, numbers or classes leave; small counts are suppressed.")
                           : _("The file is NOT encrypted: you are asked first, and the export is logged."),
            A_DIM);
}

static void set_option(ui *u, char **slot, const char *question)
{
    char *answer;
    if (!ui_ask(u, question, *slot ? *slot : "", &answer))
        return;
    free(*slot);
    *slot = *answer ? answer : NULL;
    if (!*answer)
        free(answer);
}

static ui_result reports_from(ui *u, view *v)
{
    set_option(u, &((reports_view *)v->data)->from, _("From which day (YYYY-MM-DD; empty: from the start)?"));
    return UI_STAY;
}

static ui_result reports_to(ui *u, view *v)
{
    set_option(u, &((reports_view *)v->data)->to, _("To which day (YYYY-MM-DD; empty: up to today)?"));
    return UI_STAY;
}

static ui_result reports_class(ui *u, view *v)
{
    set_option(u, &((reports_view *)v->data)->class_name, _("Class (empty: every class):"));
    return UI_STAY;
}

static ui_result reports_period(ui *u, view *v)
{
    set_option(u, &((reports_view *)v->data)->period, _("The term's name (as the county knows it):"));
    return UI_STAY;
}

static ui_result reports_path(ui *u, view *v)
{
    reports_view *r = v->data;
    char *suggested = r->path ? NULL : default_path(r);
    char *answer;
    if (ui_ask(u, _("Write to which file?"), r->path ? r->path : suggested ? suggested : "", &answer)) {
        free(r->path);
        r->path = *answer ? answer : NULL;
        if (!*answer)
            free(answer);
    }
    free(suggested);
    return UI_STAY;
}

static ui_result reports_format(ui *u, view *v)
{
    (void)u;
    reports_view *r = v->data;
    size_t k = r->pos.sel;
    r->format[k]++;
    if (!kinds[k].formats[r->format[k]])
        r->format[k] = 0;
    return UI_STAY;
}

static ui_result reports_by(ui *u, view *v)
{
    (void)u;
    reports_view *r = v->data;
    r->by = (r->by + 1) % N_GROUPINGS;
    return UI_STAY;
}

/* The report's bytes in memory, and the question to ask before writing. */
static cl_status build(ui *u, const reports_view *r, const char *path, unsigned char **bytes, size_t *len,
                       char **question, char **signature)
{
    size_t kind = r->pos.sel;
    if (kind == COUNTY) {
        if (!r->period)
            return cl_fail(CL_EUSAGE, _("the county totals need the term's name: p sets it"));
        cl_status st = cl_county_totals(u->vault, r->period, r->from, r->to, CL_COUNTY_THRESHOLD, base_name(path), bytes,
                                        len, signature);
        if (st == CL_OK)
            *question = cl_strdup_printf(_("Write the anonymous county totals for %s to %s?"), r->period,
                                         base_name(path));
        return st;
    }
    cl_report_filter f = {r->from, r->to, r->class_name, -1, NULL};
    json_t *report = NULL;
    cl_status st = kind == LEDGER ? cl_report_ledger(u->vault, &f, &report)
                   : kind == DIFFICULTY ? cl_report_difficulty(u->vault, &f, &report)
                                        : cl_report_stats(u->vault, &f, groupings[r->by], &report);
    if (st == CL_OK)
        st = cl_report_render(report, format_of(r), NULL, bytes, len);
    size_t rows = json_array_size(json_object_get(report, "rows"));
    json_decref(report);
    if (st == CL_OK && kind == STATS)
        *question = cl_strdup_printf(_("Write the statistics to %s?"), base_name(path));
    else if (st == CL_OK)
        *question = cl_strdup_printf(ngettext("Write the %s (%zu student) UNENCRYPTED to %s?",
                                              "Write the %s (%zu students) UNENCRYPTED to %s?", (unsigned long)rows),
                                     _(kinds[kind].name), rows, base_name(path));
    return st;
}

static ui_result reports_write(ui *u, view *v)
{
    reports_view *r = v->data;
    char *path = r->path ? strdup(r->path) : default_path(r);
    /* The county file travels with its signature beside it, as `report
     * county` writes them. */
    char *sig_path = path && r->pos.sel == COUNTY ? cl_strdup_printf("%s.minisig", path) : NULL;
    unsigned char *bytes = NULL;
    size_t len = 0;
    char *question = NULL, *signature = NULL;
    cl_status st = path ? CL_OK : cl_fail(CL_ESOFTWARE, _("out of memory"));
    /* Refused before anything is built, as the command line does. */
    if (st == CL_OK && access(path, F_OK) == 0)
        st = cl_fail(CL_ECANTCREATE, _("%s already exists; it was left untouched (choose another name)"), path);
    if (st == CL_OK && sig_path && access(sig_path, F_OK) == 0)
        st = cl_fail(CL_ECANTCREATE, _("%s already exists; it was left untouched (choose another name)"), sig_path);
    if (st == CL_OK)
        st = build(u, r, path, &bytes, &len, &question, &signature);
    if (st == CL_OK && ui_confirm(u, question ? question : path)) {
        char action[32];
        snprintf(action, sizeof action, "report.%s", kinds[r->pos.sel].id);
        const char *target = r->pos.sel == COUNTY ? r->period : r->pos.sel == STATS ? "statistics" : "report";
        /* The signature first: the file is then never out without it. */
        if (sig_path && signature)
            st = cl_file_create_private(sig_path, signature, strlen(signature));
        if (st == CL_OK)
            st = cl_export_write(u->vault, action, target, path, format_of(r), bytes, len);
        if (st != CL_OK && sig_path && signature)
            unlink(sig_path);
        if (st == CL_OK)
            ui_say(u, false, _("Wrote %s (%zu bytes, mode 0600), NOT encrypted: keep it safe."), base_name(path), len);
    } else if (st == CL_OK) {
        ui_say(u, false, "%s", _("Nothing was written."));
    }
    if (st != CL_OK)
        ui_fail(u, st);
    if (bytes)
        cl_doc_bytes_free(bytes, len);
    free(signature);
    free(question);
    free(sig_path);
    free(path);
    return UI_STAY;
}

/* ---- the statistics drawn on screen ---- */

/* The charts and tables `carelog report stats` prints, composed by the
 * core for this width, a screenful at a time. */
typedef struct stats_view {
    json_t *stats;
    char *text;   /* the lines, each ended by '\0' in place of '\n' */
    char **lines;
    size_t n_lines, top;
    int cols;     /* the width the text was composed for */
} stats_view;

static void stats_layout(ui *u, stats_view *s)
{
    free(s->text);
    free(s->lines);
    s->text = NULL;
    s->lines = NULL;
    s->n_lines = 0;
    s->cols = u->cols;
    /* The charts as at the command line: 80 columns at most. */
    cl_status st = cl_report_stats_text(u->vault, s->stats, u->cols < 80 ? u->cols : 80, u->cols, &s->text);
    if (st != CL_OK) {
        ui_fail(u, st);
        return;
    }
    size_t n = 1;
    for (const char *p = s->text; *p; p++)
        n += *p == '\n';
    if (!(s->lines = calloc(n, sizeof *s->lines)))
        return;
    for (char *line = s->text; line && *line;) {
        char *end = strchr(line, '\n');
        if (end)
            *end = '\0';
        s->lines[s->n_lines++] = line;
        line = end ? end + 1 : NULL;
    }
}

static void stats_draw(ui *u, view *v)
{
    stats_view *s = v->data;
    if (s->cols != u->cols)
        stats_layout(u, s);
    int y = ui_body_top(), rows = ui_body_rows(u);
    if (s->top + (size_t)rows > s->n_lines)
        s->top = s->n_lines > (size_t)rows ? s->n_lines - (size_t)rows : 0;
    for (int r = 0; r < rows && s->top + (size_t)r < s->n_lines; r++)
        ui_text(u, y + r, 0, u->cols, s->lines[s->top + (size_t)r], s->top + (size_t)r == 0 ? A_BOLD : 0);
}

static ui_result stats_key(ui *u, view *v, int key)
{
    stats_view *s = v->data;
    list_pos p = {s->top, s->top};
    if (list_key(&p, s->n_lines, ui_body_rows(u), key))
        s->top = p.sel;
    return UI_STAY;
}

static void stats_close(view *v)
{
    stats_view *s = v->data;
    if (!s)
        return;
    json_decref(s->stats);
    free(s->text);
    free(s->lines);
    free(s);
}

static const ui_action stats_actions[] = {
    {'q', UI_ESC, "q", N_("Back"), true, ui_act_back},
    {0, 0, NULL, NULL, false, NULL},
};

static const view_ops stats_view_ops = {"statistics", stats_actions, stats_draw, stats_key, false, NULL, stats_close};

/* The statistics for the options set (period, class, grouping) drawn
 * here, nothing written. */
static ui_result reports_show(ui *u, view *v)
{
    reports_view *r = v->data;
    cl_report_filter f = {r->from, r->to, r->class_name, -1, NULL};
    stats_view *s = calloc(1, sizeof *s);
    cl_status st = s ? cl_report_stats(u->vault, &f, groupings[r->by], &s->stats)
                     : cl_fail(CL_ESOFTWARE, _("out of memory"));
    if (st != CL_OK) {
        ui_fail(u, st);
        free(s);
        return UI_STAY;
    }
    stats_layout(u, s);
    ui_push(u, &stats_view_ops, s);
    return UI_STAY;
}

static ui_result reports_key(ui *u, view *v, int key)
{
    reports_view *r = v->data;
    (void)u;
    size_t before = r->pos.sel;
    list_key(&r->pos, N_KINDS, N_KINDS, key);
    /* A file named for one report is not the place for another. */
    if (r->pos.sel != before) {
        free(r->path);
        r->path = NULL;
    }
    return UI_STAY;
}

static void reports_close(view *v)
{
    reports_view *r = v->data;
    if (!r)
        return;
    free(r->from);
    free(r->to);
    free(r->class_name);
    free(r->period);
    free(r->path);
    free(r);
}

static const ui_action reports_actions[] = {
    {'s', 0, "s", N_("Charts: the statistics drawn on screen"), true, reports_show},
    {'w', 0, "w", N_("Write the file"), true, reports_write},
    {'f', 0, "f", N_("From"), false, reports_from},
    {'t', 0, "t", N_("To"), false, reports_to},
    {'c', 0, "c", N_("Class"), false, reports_class},
    {'b', 0, "b", N_("Grouped by (statistics)"), false, reports_by},
    {'p', 0, "p", N_("Term (county totals)"), false, reports_period},
    {'m', 0, "m", N_("Format"), true, reports_format},
    {'o', 0, "o", N_("File"), true, reports_path},
    {'q', UI_ESC, "q", N_("Back"), true, ui_act_back},
    {0, 0, NULL, NULL, false, NULL},
};

const view_ops ui_reports_view = {"reports", reports_actions, reports_draw, reports_key, false, NULL, reports_close};

void ui_open_reports(ui *u)
{
    reports_view *r = calloc(1, sizeof *r);
    if (r)
        ui_push(u, &ui_reports_view, r);
}
