/* A student's file: the header over one timeline of every record, newest
 * first. */
#define _XOPEN_SOURCE_EXTENDED 1
#include <curses.h>
#include <stdlib.h>
#include <string.h>

#include "carelog/catalog.h"
#include "carelog/clock.h"
#include "carelog/i18n.h"
#include "carelog/record.h"
#include "carelog/student.h"
#include "carelog/text.h"
#include "ui.h"

#define HEADER_ROWS 5

typedef struct student_file {
    long long id;
    json_t *student;
    row_source *timeline;
    list_pos pos;
    unsigned long seen;
} student_file;

/* The timeline a page at a time: a file of any length opens with one page,
 * and the next comes (records older than the last one loaded) when the
 * cursor reaches it, each twice the one before (up to TIMELINE_PAGE_MAX). */
#define TIMELINE_PAGE 100
#define TIMELINE_PAGE_MAX 1600

typedef struct timeline_pages {
    ui *u;
    long long student_id, limit;
} timeline_pages;

static bool timeline_fetch(void *ctx, json_t *rows)
{
    timeline_pages *t = ctx;
    const json_t *last = json_array_get(rows, json_array_size(rows) - 1);
    cl_record_filter rf = {.student_id = t->student_id, .limit = t->limit, .before_id = last ? ui_int(last, "id") : 0};
    json_t *page = NULL;
    cl_status st = cl_record_list(t->u->vault, &rf, &page);
    if (st != CL_OK) {
        ui_fail(t->u, st);
        return false;
    }
    json_array_extend(rows, page);
    json_decref(page);
    if (t->limit < TIMELINE_PAGE_MAX)
        t->limit *= 2;
    return true;
}

static void load(ui *u, student_file *f)
{
    json_decref(f->student);
    f->student = NULL;
    rows_free(f->timeline);
    f->timeline = NULL;
    cl_status st = cl_student_get(u->vault, f->id, &f->student);
    long long count = 0;
    cl_record_filter rf = {.student_id = f->id};
    if (st == CL_OK)
        st = cl_record_count(u->vault, &rf, &count);
    timeline_pages *t = st == CL_OK ? calloc(1, sizeof *t) : NULL;
    if (st != CL_OK)
        ui_fail(u, st);
    if (t) {
        *t = (timeline_pages){u, f->id, TIMELINE_PAGE};
        f->timeline = rows_appended(NULL, (size_t)count, timeline_fetch, t, free);
    }
    if (!f->timeline)
        f->timeline = rows_from_array(NULL);
    f->seen = u->changes;
}

static student_file *file_of(ui *u, view *v)
{
    student_file *f = v->data;
    if (f && (f->seen != u->changes || !f->timeline))
        load(u, f);
    return f;
}

void ui_open_student(ui *u, long long id)
{
    student_file *f = calloc(1, sizeof *f);
    if (!f)
        return;
    f->id = id;
    load(u, f);
    if (!f->student) {
        rows_free(f->timeline);
        free(f);
        return;
    }
    cl_status st = cl_student_audit_view(u->vault, id);
    if (st != CL_OK)
        ui_fail(u, st);
    ui_push(u, &ui_student_view, f);
}

static void joined_labels(ui *u, const json_t *array, const char *field, cl_buf *b)
{
    size_t i;
    json_t *item;
    json_array_foreach(array, i, item)
        cl_buf_printf(b, "%s%s", i ? "、" : "", ui_choice_label(u, "student", field, json_string_value(item)));
}

static void student_draw(ui *u, view *v)
{
    student_file *f = file_of(u, v);
    if (!f || !f->student)
        return;
    const json_t *s = f->student;
    int y = ui_body_top();
    long long risk = ui_int(s, "risk_level");
    ui_textf(u, y, 0, u->cols, A_BOLD | ui_risk_attr(u, risk), "%s  %s  %s · %s · %s %lld %s · %s", ui_str(s, "name"),
             ui_str(s, "number"), ui_str(s, "class"), ui_choice_label(u, "student", "status", ui_str(s, "status")),
             _("risk"), risk, ui_risk_symbol(risk),
             ui_choice_label(u, "assessment", "misconduct_tier", ui_str(s, "misconduct_tier")));
    cl_buf b = {0};
    cl_buf_printf(&b, "%s ", _("Circumstances:"));
    joined_labels(u, json_object_get(s, "circumstances"), "circumstances", &b);
    cl_buf_printf(&b, "   %s %s", _("Counsellor:"), ui_str(s, "counsellor"));
    ui_text(u, y + 1, 0, u->cols, b.data ? b.data : "", 0);
    cl_buf_free(&b);
    cl_buf_printf(&b, "%s ", _("Guardians:"));
    size_t i;
    json_t *g;
    json_array_foreach(json_object_get(s, "guardians"), i, g)
        cl_buf_printf(&b, "%s%s (%s) %s", i ? "; " : "", ui_str(g, "name"),
                      ui_choice_label(u, "student", "guardians.relation", ui_str(g, "relation")), ui_str(g, "phone"));
    ui_text(u, y + 2, 0, u->cols, b.data ? b.data : "", 0);
    cl_buf_free(&b);
    json_t *history = json_array_get(json_object_get(s, "risk_history"), 0);
    cl_buf_printf(&b, "%s %s", _("Risk last set:"), history ? ui_str(history, "at") : _("never"));
    json_t *flag;
    json_array_foreach(json_object_get(s, "flags"), i, flag)
        cl_buf_printf(&b, "   %s %s", _("Flag:"), ui_str(flag, strcmp(u->lang, "zh") == 0 ? "label_zh" : "label_en"));
    ui_text(u, y + 3, 0, u->cols, b.data ? b.data : "", json_array_size(json_object_get(s, "flags")) ? A_BOLD : 0);
    cl_buf_free(&b);
    size_t n = f->timeline->count(f->timeline);
    ui_text_pad(u, y + 4, 0, u->cols, _("#     Date        Kind      Author    Summary"), A_UNDERLINE);
    char count[64];
    snprintf(count, sizeof count, _("%zu records, newest first"), n);
    ui_text(u, y + 4, u->cols - cl_text_width(count), cl_text_width(count), count, A_UNDERLINE);
    int page = ui_body_rows(u) - HEADER_ROWS;
    list_clamp(&f->pos, n, page);
    for (int r = 0; r < page && f->pos.top + (size_t)r < n; r++) {
        size_t k = f->pos.top + (size_t)r;
        const json_t *rec = f->timeline->at(f->timeline, k);
        int attr = k == f->pos.sel ? A_REVERSE : 0, row = y + HEADER_ROWS + r;
        ui_text_pad(u, row, 0, u->cols, "", attr);
        ui_textf(u, row, 0, 6, attr, "#%lld", ui_int(rec, "id"));
        char day[32];
        cl_time_local(ui_str(rec, "occurred_at"), true, day, sizeof day);
        ui_text_pad(u, row, 6, 11, day, attr);
        ui_text_pad(u, row, 18, 10, ui_kind_short(u, ui_str(rec, "kind")), attr);
        ui_text_pad(u, row, 28, 10, ui_str(rec, "author"), attr);
        ui_text(u, row, 38, u->cols - 38, cl_i18n_text(rec, "summary"), attr);
    }
    if (n == 0)
        ui_text(u, y + HEADER_ROWS, 2, u->cols - 2, _("No records yet. n writes the first one."), 0);
}

static ui_result student_open(ui *u, view *v)
{
    student_file *f = file_of(u, v);
    if (f && f->timeline->count(f->timeline))
        ui_open_record(u, ui_int(f->timeline->at(f->timeline, f->pos.sel), "id"));
    return UI_STAY;
}

static ui_result student_new(ui *u, view *v)
{
    student_file *f = file_of(u, v);
    json_t *kinds = NULL;
    if (!f || cl_catalog_list(u->vault, &kinds) != CL_OK)
        return UI_STAY;
    const char *labels[64], *ids[64];
    size_t n = 0, i;
    json_t *k;
    json_array_foreach(kinds, i, k) {
        const char *kind = ui_str(k, "kind");
        if (strcmp(kind, "student") == 0 || strcmp(kind, "review") == 0 || n == 64)
            continue;
        ids[n] = kind;
        labels[n++] = ui_str(k, strcmp(u->lang, "zh") == 0 ? "title_zh" : "title_en");
    }
    int choice = ui_menu(u, _("New record of which kind?"), labels, n);
    if (choice >= 0)
        ui_open_editor(u, ids[choice], f->id, 0, NULL);
    json_decref(kinds);
    return UI_STAY;
}

static ui_result student_edit(ui *u, view *v)
{
    student_file *f = file_of(u, v);
    if (f && f->student)
        ui_open_editor(u, NULL, f->id, ui_int(f->student, "record_id"), NULL);
    return UI_STAY;
}

static ui_result student_back(ui *u, view *v)
{
    (void)u;
    (void)v;
    return UI_BACK;
}

static ui_result student_key(ui *u, view *v, int key)
{
    student_file *f = file_of(u, v);
    if (f)
        list_key(&f->pos, f->timeline->count(f->timeline), ui_body_rows(u) - HEADER_ROWS, key);
    return UI_STAY;
}

static void student_close(view *v)
{
    student_file *f = v->data;
    if (!f)
        return;
    json_decref(f->student);
    rows_free(f->timeline);
    free(f);
}

static const ui_action student_actions[] = {
    {UI_ENTER, 13, "Enter", N_("Open record"), true, student_open},
    {'n', 0, "n", N_("New record"), true, student_new},
    {'e', 0, "e", N_("Edit details"), true, student_edit},
    {'q', UI_ESC, "q", N_("Back"), true, student_back},
    {0, 0, NULL, NULL, false, NULL},
};

const view_ops ui_student_view = {"student", student_actions, student_draw, student_key, false, NULL, student_close};
