/* Home: what needs attention now, then the charts. */
#define _XOPEN_SOURCE_EXTENDED 1
#include <curses.h>
#include <stdlib.h>
#include <string.h>

#include "carelog/agenda.h"
#include "carelog/clock.h"
#include "carelog/draft.h"
#include "carelog/i18n.h"
#include "carelog/record.h"
#include "carelog/student.h"
#include "carelog/text.h"
#include "ui.h"

#define WEEKS 12

typedef struct home {
    row_source *items; /* [{what, text, student_id, record_id, draft}] */
    list_pos pos;
    long long weeks[WEEKS]; /* [0] the oldest */
    char first_week[11];
    long long by_risk[4];
    unsigned long seen;
    bool privacy; /* the names in the texts were shortened */
} home;

static void add_item(json_t *items, const char *what, const char *text, long long student, long long record,
                     json_t *draft)
{
    json_t *o = json_pack("{s:s, s:s, s:I, s:I}", "what", what, "text", text, "student_id", (json_int_t)student,
                          "record_id", (json_int_t)record);
    if (o && draft)
        json_object_set(o, "draft", draft);
    json_array_append_new(items, o);
}

static const char *who(ui *u, const json_t *row, char *buf, size_t size)
{
    snprintf(buf, size, "%s (%s, %s)", ui_student_name(u, ui_str(row, "name")), ui_str(row, "number"),
             ui_str(row, "class"));
    return buf;
}

/* The attention list a page at a time: drafts and the agenda's first page
 * when home is drawn, each next page of the agenda (by its cursor) when
 * the cursor reaches it. Each page is twice the one before (up to
 * ATTENTION_PAGE_MAX), so End on a list of 10,000 rows takes a few pages,
 * not two hundred. */
#define ATTENTION_PAGE 50
#define ATTENTION_PAGE_MAX 3200

typedef struct attention_pages {
    ui *u;
    long long limit;     /* of the next page */
    char *next;          /* the agenda's cursor of the next page; NULL after the last */
    json_int_t inbox, urgent; /* teachers' observations waiting */
    bool inbox_shown;
} attention_pages;

static void attention_free(void *ctx)
{
    attention_pages *a = ctx;
    if (a)
        free(a->next);
    free(a);
}

/* The rows of one page of the agenda, in the order of the list: the
 * inbox's row goes where the referrals end. */
static void add_page(attention_pages *a, json_t *items, json_t *agenda)
{
    ui *u = a->u;
    char w[300], text[600];
    size_t i;
    json_t *row;
    bool zh = strcmp(u->lang, "zh") == 0;
    json_array_foreach(json_object_get(agenda, "flags"), i, row) {
        snprintf(text, sizeof text, _("%s: %s"), who(u, row, w, sizeof w), ui_str(row, zh ? "label_zh" : "label_en"));
        add_item(items, _("Flag"), text, ui_int(row, "student_id"), 0, NULL);
    }
    json_array_foreach(json_object_get(agenda, "overdue"), i, row) {
        char due[32];
        cl_date_with_weekday(ui_str(row, "due_date"), due, sizeof due);
        snprintf(text, sizeof text, ngettext("%s: due %s, %lld day overdue — %s", "%s: due %s, %lld days overdue — %s",
                                             (unsigned long)ui_int(row, "days_overdue")),
                 who(u, row, w, sizeof w), due, ui_int(row, "days_overdue"), cl_i18n_text(row, "reason"));
        add_item(items, _("Overdue"), text, ui_int(row, "student_id"), 0, NULL);
    }
    json_array_foreach(json_object_get(agenda, "late_referrals"), i, row) {
        snprintf(text, sizeof text, _("%s: %s — %s"), who(u, row, w, sizeof w), ui_str(row, zh ? "state_zh" : "state_en"),
                 cl_i18n_text(row, "late"));
        add_item(items, _("Referral"), text, ui_int(row, "student_id"), ui_int(row, "id"), NULL);
    }
    bool past_referrals = json_array_size(json_object_get(agenda, "crisis")) > 0 ||
                          json_array_size(json_object_get(agenda, "due_today")) > 0 || !a->next;
    if (a->inbox > 0 && !a->inbox_shown && past_referrals) {
        snprintf(text, sizeof text,
                 ngettext("%lld new observation from teachers to triage (%lld urgent): Enter or i",
                          "%lld new observations from teachers to triage (%lld urgent): Enter or i",
                          (unsigned long)a->inbox),
                 (long long)a->inbox, (long long)a->urgent);
        add_item(items, _("Inbox"), text, 0, 0, NULL);
        a->inbox_shown = true;
    }
    json_array_foreach(json_object_get(agenda, "crisis"), i, row) {
        snprintf(text, sizeof text, _("%s: crisis level, no session in 7 days"), who(u, row, w, sizeof w));
        add_item(items, _("Crisis"), text, ui_int(row, "student_id"), 0, NULL);
    }
    json_array_foreach(json_object_get(agenda, "due_today"), i, row) {
        snprintf(text, sizeof text, _("%s: %s"), who(u, row, w, sizeof w), cl_i18n_text(row, "reason"));
        add_item(items, _("Today"), text, ui_int(row, "student_id"), 0, NULL);
    }
}

/* One page of the agenda after a->next (the first when there is none
 * yet): its rows appended to items; the whole list's count in *count. */
static bool attention_page(attention_pages *a, json_t *items, size_t *count)
{
    json_t *agenda = NULL;
    cl_status st = cl_agenda_attention_page(a->u->vault, a->limit, a->next, &agenda);
    if (st != CL_OK) {
        ui_fail(a->u, st);
        return false;
    }
    if (a->limit < ATTENTION_PAGE_MAX)
        a->limit *= 2;
    json_t *obs = json_object_get(agenda, "new_observations");
    a->inbox = ui_int(obs, "count");
    a->urgent = ui_int(obs, "urgent");
    free(a->next);
    const char *next = json_string_value(json_object_get(agenda, "next"));
    a->next = next ? strdup(next) : NULL;
    add_page(a, items, agenda);
    if (count) {
        static const char *const sections[] = {"flags", "overdue", "late_referrals", "crisis", "due_today"};
        json_t *counts = json_object_get(agenda, "counts");
        *count = a->inbox > 0;
        for (size_t i = 0; i < sizeof sections / sizeof *sections; i++)
            *count += (size_t)json_integer_value(json_object_get(counts, sections[i]));
    }
    json_decref(agenda);
    return true;
}

static bool attention_fetch(void *ctx, json_t *rows)
{
    attention_pages *a = ctx;
    return a->next && attention_page(a, rows, NULL);
}

static void load(ui *u, home *h)
{
    rows_free(h->items);
    h->items = NULL;
    json_t *items = json_array(), *drafts = NULL;
    char text[600];
    size_t i;
    json_t *row;
    if (cl_draft_list(u->vault, &drafts) == CL_OK)
        json_array_foreach(drafts, i, row) {
            char kept[32];
            cl_time_local(ui_str(row, "saved_at"), false, kept, sizeof kept);
            snprintf(text, sizeof text, _("%s for %s (%s), kept %s"), ui_kind_label(u, ui_str(row, "kind")),
                     ui_student_name(u, ui_str(row, "name")),
                     ui_str(row, "number"), kept);
            add_item(items, _("Draft"), text, ui_int(row, "student_id"), ui_int(row, "record_id"), row);
        }
    size_t count = json_array_size(items), agenda_count = 0;
    json_decref(drafts);
    attention_pages *a = calloc(1, sizeof *a);
    if (a) {
        a->u = u;
        a->limit = ATTENTION_PAGE;
    }
    if (a && attention_page(a, items, &agenda_count)) {
        h->items = rows_appended(items, count + agenda_count, attention_fetch, a, attention_free); /* takes both */
        items = NULL;
    } else {
        attention_free(a);
    }
    if (!h->items)
        h->items = rows_from_array(items);
    char today[11], since[11];
    cl_time_date(cl_now(), today, sizeof today);
    cl_time_date(cl_now() - (WEEKS * 7 - 1) * 86400L, since, sizeof since);
    /* Charts: records per week (the last 12) and students by risk, each
     * one indexed count in the core. */
    snprintf(h->first_week, sizeof h->first_week, "%s", since);
    if (cl_record_count_by_week(u->vault, today, WEEKS, h->weeks) != CL_OK)
        memset(h->weeks, 0, sizeof h->weeks);
    if (cl_student_count_by_risk(u->vault, h->by_risk) != CL_OK)
        memset(h->by_risk, 0, sizeof h->by_risk);
    h->seen = u->changes;
    h->privacy = u->privacy;
    cl_error_clear();
}

static home *home_of(ui *u, view *v)
{
    home *h = v->data;
    if (!h) {
        h = v->data = calloc(1, sizeof *h);
        if (h)
            load(u, h);
    } else if (h->seen != u->changes || h->privacy != u->privacy) {
        load(u, h);
    }
    return h;
}

static int list_rows(ui *u)
{
    return ui_body_rows(u) - 10;
}

/* The two charts side by side under the list, 9 rows tall: records per
 * week as columns on the left, students by risk as bars on the right. */
static void draw_charts(ui *u, const home *h, int y)
{
    enum { COLUMN_CELLS = 4, RISK_X = WEEKS * COLUMN_CELLS + 4 };
    char title[128];
    snprintf(title, sizeof title, _("Records per week since %s"), h->first_week);
    ui_columns(u, y, 0, 9, COLUMN_CELLS, title, h->weeks, WEEKS);
    const char *labels[4];
    for (int i = 0; i < 4; i++)
        labels[i] = ui_risk_label(i);
    ui_chart(u, y, RISK_X, u->cols - RISK_X, _("Students by risk"), labels, h->by_risk, 4);
}

static void home_draw(ui *u, view *v)
{
    home *h = home_of(u, v);
    if (!h)
        return;
    int y = ui_body_top();
    size_t n = h->items->count(h->items);
    ui_textf(u, y, 0, u->cols, A_BOLD, _("Needs attention now (%zu)"), n);
    int page = list_rows(u);
    list_clamp(&h->pos, n, page);
    if (n == 0)
        ui_text(u, y + 1, 2, u->cols - 2, _("Nothing is due or late. Students (s) lists everyone."), 0);
    for (int r = 0; r < page && h->pos.top + (size_t)r < n; r++) {
        size_t i = h->pos.top + (size_t)r;
        const json_t *it = h->items->at(h->items, i);
        int attr = i == h->pos.sel ? A_REVERSE : 0;
        ui_text_pad(u, y + 1 + r, 0, u->cols, "", attr);
        ui_text_pad(u, y + 1 + r, 1, 10, ui_str(it, "what"), attr | A_BOLD);
        ui_text(u, y + 1 + r, 12, u->cols - 12, ui_str(it, "text"), attr);
    }
    draw_charts(u, h, y + 1 + page);
}

static ui_result home_open(ui *u, view *v)
{
    home *h = home_of(u, v);
    if (!h || h->items->count(h->items) == 0)
        return UI_STAY;
    const json_t *it = h->items->at(h->items, h->pos.sel);
    const json_t *draft = json_object_get(it, "draft");
    if (draft)
        ui_open_editor(u, NULL, 0, 0, draft);
    else if (!ui_int(it, "student_id") && !ui_int(it, "record_id"))
        ui_push(u, &ui_inbox_view, NULL);
    else if (ui_int(it, "record_id"))
        ui_open_record(u, ui_int(it, "record_id"));
    else
        ui_open_student(u, ui_int(it, "student_id"));
    return UI_STAY;
}

static ui_result home_students(ui *u, view *v)
{
    (void)v;
    ui_push(u, &ui_students_view, NULL);
    return UI_STAY;
}

static ui_result home_referrals(ui *u, view *v)
{
    (void)v;
    ui_push(u, &ui_referrals_view, NULL);
    return UI_STAY;
}

static ui_result home_inbox(ui *u, view *v)
{
    (void)v;
    ui_push(u, &ui_inbox_view, NULL);
    return UI_STAY;
}

static ui_result home_reports(ui *u, view *v)
{
    (void)v;
    ui_open_reports(u);
    return UI_STAY;
}

static ui_result home_settings(ui *u, view *v)
{
    (void)v;
    ui_push(u, &ui_settings_view, NULL);
    return UI_STAY;
}

static ui_result home_reload(ui *u, view *v)
{
    u->changes++;
    (void)v;
    return UI_STAY;
}

static ui_result home_quit(ui *u, view *v)
{
    (void)u;
    (void)v;
    return UI_QUIT;
}

static ui_result home_key(ui *u, view *v, int key)
{
    home *h = home_of(u, v);
    if (h)
        list_key(&h->pos, h->items->count(h->items), list_rows(u), key);
    return UI_STAY;
}

static void home_close(view *v)
{
    home *h = v->data;
    if (h)
        rows_free(h->items);
    free(h);
}

static const ui_action home_actions[] = {
    {UI_ENTER, 13, "Enter", N_("Open"), false, home_open},
    {'s', 0, "s", N_("Students"), true, home_students},
    {'r', 0, "r", N_("Referrals"), true, home_referrals},
    {'/', 0, "/", N_("Search: every record, Chinese included"), true, ui_act_search},
    {'i', 0, "i", N_("Inbox: teachers' observations"), true, home_inbox},
    {'e', 0, "e", N_("Reports: ledger, statistics, county totals"), true, home_reports},
    {'o', 0, "o", N_("Settings"), false, home_settings},
    {'R', UI_FN(KEY_F(5)), "R", N_("Reload"), false, home_reload},
    {'q', 0, "q", N_("Quit"), true, home_quit},
    {0, 0, NULL, NULL, false, NULL},
};

const view_ops ui_home_view = {"home", home_actions, home_draw, home_key, false, NULL, home_close};
