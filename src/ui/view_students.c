/* Students: every student, filtered by class, risk, circumstance and
 * status, searched incrementally by name or number; colour and a symbol
 * show the risk. */
#define _XOPEN_SOURCE_EXTENDED 1
#include <curses.h>
#include <stdlib.h>
#include <string.h>

#include "carelog/clock.h"
#include "carelog/i18n.h"
#include "carelog/student.h"
#include "carelog/text.h"
#include "ui.h"

typedef struct students {
    row_source *list;
    list_pos pos;
    char *class_name, *circumstance, *search;
    int risk;     /* -1 any */
    int status;   /* index into statuses; 0 any */
    cl_student_sort sort;
    unsigned long seen;
} students;

static const char *const statuses[] = {NULL, "active", "monitoring", "closed", "transferred", "merged"};
#define N_STATUSES (sizeof statuses / sizeof *statuses)
static const char *const sort_names[CL_STUDENT_SORTS] = {N_("class"), N_("name"), N_("risk"), N_("due date")};

/* The list as pages fetched when the cursor reaches them: a vault of
 * 10,000 students costs a count and one page, never the whole list. */
#define PAGE_ROWS 120

typedef struct paged_rows {
    row_source base;
    cl_vault *vault;
    cl_student_filter filter; /* its strings belong to the view */
    size_t count, first;      /* rows first.. are in page */
    json_t *page;
} paged_rows;

static size_t paged_count(row_source *r)
{
    return ((paged_rows *)r)->count;
}

static const json_t *paged_at(row_source *r, size_t i)
{
    paged_rows *p = (paged_rows *)r;
    if (i >= p->count)
        return NULL;
    if (!p->page || i < p->first || i >= p->first + json_array_size(p->page)) {
        /* The page starts a little above the row asked for, so moving up
         * from a page's top does not fetch again at once. */
        p->first = i > PAGE_ROWS / 4 ? i - PAGE_ROWS / 4 : 0;
        cl_student_filter f = p->filter;
        f.offset = (long long)p->first;
        f.limit = PAGE_ROWS;
        json_decref(p->page);
        p->page = NULL;
        if (cl_student_list(p->vault, &f, &p->page) != CL_OK) {
            cl_error_clear();
            p->page = json_array();
        }
    }
    return json_array_get(p->page, i - p->first);
}

static void paged_free(row_source *r)
{
    json_decref(((paged_rows *)r)->page);
    free(r);
}

static row_source *paged_open(cl_vault *v, const cl_student_filter *f)
{
    long long n = 0;
    cl_status st = cl_student_count(v, f, &n);
    if (st != CL_OK)
        return NULL;
    paged_rows *p = calloc(1, sizeof *p);
    if (!p) {
        cl_fail(CL_ESOFTWARE, _("out of memory"));
        return NULL;
    }
    p->base = (row_source){paged_count, paged_at, paged_free};
    p->vault = v;
    p->filter = *f;
    p->count = (size_t)n;
    return &p->base;
}

static void load(ui *u, students *s)
{
    cl_student_filter f = {s->class_name, s->risk, statuses[s->status], s->circumstance, s->search, s->sort, 0, 0};
    rows_free(s->list);
    s->list = paged_open(u->vault, &f);
    if (!s->list) {
        ui_fail(u, CL_EDATA);
        s->list = rows_from_array(json_array());
    }
    list_clamp(&s->pos, s->list->count(s->list), ui_body_rows(u) - 2);
    s->seen = u->changes;
}

static students *students_of(ui *u, view *v)
{
    students *s = v->data;
    if (!s) {
        s = v->data = calloc(1, sizeof *s);
        if (s) {
            s->risk = -1;
            load(u, s);
        }
    } else if (s->seen != u->changes) {
        load(u, s);
    }
    return s;
}

static void filter_line(ui *u, students *s, char *buf, size_t size)
{
    cl_buf b = {0};
    cl_buf_printf(&b, "%s", _("Filter:"));
    if (s->class_name)
        cl_buf_printf(&b, " %s=%s", _("class"), s->class_name);
    if (s->risk >= 0)
        cl_buf_printf(&b, " %s=%d", _("risk"), s->risk);
    if (s->circumstance)
        cl_buf_printf(&b, " %s=%s", _("circumstance"), s->circumstance);
    if (statuses[s->status])
        cl_buf_printf(&b, " %s=%s", _("status"), ui_choice_label(u, "student", "status", statuses[s->status]));
    if (s->search && *s->search)
        cl_buf_printf(&b, " %s=%s", _("search"), s->search);
    if (!s->class_name && s->risk < 0 && !s->circumstance && !statuses[s->status] && !(s->search && *s->search))
        cl_buf_printf(&b, " %s", _("none"));
    cl_buf_printf(&b, "  %s %s", _("Sorted by"), _(sort_names[s->sort]));
    snprintf(buf, size, "%s", b.data ? b.data : "");
    cl_buf_free(&b);
}

static void students_draw(ui *u, view *v)
{
    students *s = students_of(u, v);
    if (!s)
        return;
    int y = ui_body_top();
    size_t n = s->list->count(s->list);
    char filter[512];
    filter_line(u, s, filter, sizeof filter);
    ui_textf(u, y, 0, u->cols, A_BOLD, _("Students (%zu)  %s"), n, filter);
    /* Each column keeps its last cell blank, so a full one never runs into
     * the next. */
    static const struct {
        int x, w;
        const char *head;
    } cols[] = {{4, 9, N_("Number")}, {13, 9, N_("Name")},  {22, 12, N_("Class")},         {34, 9, N_("Status")},
                {43, 13, N_("Tier")},  {56, 11, N_("Last contact")}, {67, 11, N_("Next due")}};
    ui_text_pad(u, y + 1, 0, u->cols, "", A_UNDERLINE);
    for (size_t c = 0; c < sizeof cols / sizeof *cols; c++)
        ui_text(u, y + 1, cols[c].x, cols[c].w - 1, _(cols[c].head), A_UNDERLINE);
    char today[11];
    cl_time_date(cl_now(), today, sizeof today);
    int page = ui_body_rows(u) - 2;
    list_clamp(&s->pos, n, page);
    for (int r = 0; r < page && s->pos.top + (size_t)r < n; r++) {
        size_t i = s->pos.top + (size_t)r;
        const json_t *st = s->list->at(s->list, i);
        long long risk = ui_int(st, "risk_level");
        int attr = (i == s->pos.sel ? A_REVERSE : 0);
        int row = y + 2 + r;
        const char *due = ui_str(st, "next_due");
        bool late = *due && strcmp(due, today) < 0;
        ui_text_pad(u, row, 0, u->cols, "", attr);
        ui_text(u, row, 0, 3, ui_risk_symbol(risk), attr | ui_risk_attr(u, risk));
        ui_text(u, row, 4, 8, ui_str(st, "number"), attr);
        ui_text(u, row, 13, 8, ui_student_name(u, ui_str(st, "name")), attr | ui_risk_attr(u, risk));
        ui_text(u, row, 22, 11, ui_str(st, "class"), attr);
        ui_text(u, row, 34, 8, ui_choice_label(u, "student", "status", ui_str(st, "status")), attr);
        ui_text(u, row, 43, 12, ui_choice_label(u, "assessment", "misconduct_tier", ui_str(st, "misconduct_tier")),
                attr);
        ui_text(u, row, 56, 10, ui_str(st, "last_contact"), attr);
        /* A date already past reads as late without colour too: "!". */
        ui_textf(u, row, 67, u->cols - 67, attr | (late ? A_BOLD : 0), "%s%s", due, late ? "!" : "");
    }
    if (n == 0)
        ui_text(u, y + 2, 2, u->cols - 2, _("No student matches. x clears the filters."), 0);
}

static ui_result students_open(ui *u, view *v)
{
    students *s = students_of(u, v);
    if (s && s->list->count(s->list))
        ui_open_student(u, ui_int(s->list->at(s->list, s->pos.sel), "id"));
    return UI_STAY;
}

static void set_text(char **slot, char *answer)
{
    free(*slot);
    *slot = answer && *answer ? answer : NULL;
    if (answer && !*answer)
        free(answer);
}

static ui_result students_class(ui *u, view *v)
{
    students *s = students_of(u, v);
    char *answer;
    if (s && ui_ask(u, _("Class (empty: any):"), s->class_name ? s->class_name : "", &answer)) {
        set_text(&s->class_name, answer);
        load(u, s);
    }
    return UI_STAY;
}

static ui_result students_circumstance(ui *u, view *v)
{
    students *s = students_of(u, v);
    char *answer;
    if (s && ui_ask(u, _("Circumstance (e.g. 留守儿童; empty: any):"), s->circumstance ? s->circumstance : "",
                    &answer)) {
        set_text(&s->circumstance, answer);
        load(u, s);
    }
    return UI_STAY;
}

static ui_result students_risk(ui *u, view *v)
{
    students *s = students_of(u, v);
    if (s) {
        s->risk = s->risk >= CL_RISK_MAX ? -1 : s->risk + 1;
        load(u, s);
    }
    return UI_STAY;
}

static ui_result students_status(ui *u, view *v)
{
    students *s = students_of(u, v);
    if (s) {
        s->status = (s->status + 1) % (int)N_STATUSES;
        load(u, s);
    }
    return UI_STAY;
}

static ui_result students_sort(ui *u, view *v)
{
    students *s = students_of(u, v);
    if (s) {
        s->sort = (cl_student_sort)((s->sort + 1) % CL_STUDENT_SORTS);
        s->pos.sel = s->pos.top = 0;
        load(u, s);
    }
    return UI_STAY;
}

static ui_result students_clear(ui *u, view *v)
{
    students *s = students_of(u, v);
    if (s) {
        set_text(&s->class_name, NULL);
        set_text(&s->circumstance, NULL);
        set_text(&s->search, NULL);
        s->risk = -1;
        s->status = 0;
        load(u, s);
    }
    return UI_STAY;
}

static void student_typed(ui *u, const char *text, void *ctx)
{
    students *s = ctx;
    set_text(&s->search, strdup(text));
    s->pos.sel = s->pos.top = 0;
    load(u, s);
}

/* Incremental search: the list follows each key typed. */
static ui_result students_search(ui *u, view *v)
{
    students *s = students_of(u, v);
    cl_line l;
    if (!s || cl_line_init(&l, s->search, false, 100) != CL_OK)
        return UI_STAY;
    ui_ask_live(u, _("Search name or number:"), &l, student_typed, s);
    cl_line_free(&l);
    return UI_STAY;
}

static ui_result students_add(ui *u, view *v)
{
    (void)v;
    ui_open_editor(u, "student", 0, 0, NULL);
    return UI_STAY;
}

static ui_result students_back(ui *u, view *v)
{
    (void)u;
    (void)v;
    return UI_BACK;
}

static ui_result students_key(ui *u, view *v, int key)
{
    students *s = students_of(u, v);
    if (s)
        list_key(&s->pos, s->list->count(s->list), ui_body_rows(u) - 2, key);
    return UI_STAY;
}

static void students_close(view *v)
{
    students *s = v->data;
    if (!s)
        return;
    rows_free(s->list);
    free(s->class_name);
    free(s->circumstance);
    free(s->search);
    free(s);
}

static const ui_action students_actions[] = {
    {UI_ENTER, 13, "Enter", N_("Open"), true, students_open},
    {'/', 0, "/", N_("Search"), true, students_search},
    {'S', 0, "S", N_("Search every record, Chinese included"), false, ui_act_search},
    {'c', 0, "c", N_("Class"), true, students_class},
    {'r', 0, "r", N_("Risk"), true, students_risk},
    {'f', 0, "f", N_("Circumstance"), true, students_circumstance},
    {'t', 0, "t", N_("Status"), false, students_status},
    {'o', 0, "o", N_("Order: class, name, risk or due date"), true, students_sort},
    {'x', 0, "x", N_("Clear filters"), false, students_clear},
    {'n', 0, "n", N_("New student"), true, students_add},
    {'q', UI_ESC, "q", N_("Back"), true, students_back},
    {0, 0, NULL, NULL, false, NULL},
};

const view_ops ui_students_view = {"students", students_actions, students_draw, students_key, false, NULL,
                                   students_close};
