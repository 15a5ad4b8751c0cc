/* The inbox: teachers' observations waiting for triage (inbox.h), urgent
 * first. Enter shows one (audited as a view by the core); a accepts it
 * onto the student it names (or one typed), d dismisses it with a reason,
 * i takes in the files waiting in inbox/. */
#define _XOPEN_SOURCE_EXTENDED 1
#include <curses.h>
#include <stdlib.h>
#include <string.h>

#include "carelog/audit.h"
#include "carelog/catalog.h"
#include "carelog/clock.h"
#include "carelog/i18n.h"
#include "carelog/inbox.h"
#include "carelog/student.h"
#include "carelog/text.h"
#include "ui.h"

typedef struct inbox_view {
    row_source *list;
    list_pos pos;
    unsigned long seen;
} inbox_view;

static void load(ui *u, inbox_view *b)
{
    json_t *list = NULL;
    cl_status st = cl_inbox_list(u->vault, false, &list);
    /* A list shown is a view in bulk, audited as the command line's is. */
    if (st == CL_OK)
        st = cl_audit_listing(u->vault, "inbox list", "", (long long)json_array_size(list));
    if (st != CL_OK)
        ui_fail(u, st);
    rows_free(b->list);
    b->list = rows_from_array(list);
    b->seen = u->changes;
}

static inbox_view *inbox_of(ui *u, view *v)
{
    inbox_view *b = v->data;
    if (!b && (b = v->data = calloc(1, sizeof *b)))
        load(u, b);
    else if (b && b->seen != u->changes)
        load(u, b);
    return b;
}

static const json_t *chosen(ui *u, view *v)
{
    inbox_view *b = inbox_of(u, v);
    return b && b->list->count(b->list) ? b->list->at(b->list, b->pos.sel) : NULL;
}

/* Who the teacher wrote about, as far as the teacher said: name (else
 * number), then class. */
static const char *named(ui *listing, const json_t *o, char *buf, size_t size)
{
    /* A list follows privacy mode; the observation opened shows the name whole. */
    const char *name = listing ? ui_student_name(listing, ui_str(o, "student_name")) : ui_str(o, "student_name");
    const char *klass = ui_str(o, "student_class");
    snprintf(buf, size, "%s%s%s", *name ? name : ui_str(o, "student_number"), *klass ? " " : "", klass);
    return buf;
}

static void inbox_draw(ui *u, view *v)
{
    inbox_view *b = inbox_of(u, v);
    if (!b)
        return;
    int y = ui_body_top();
    size_t n = b->list->count(b->list);
    ui_textf(u, y, 0, u->cols, A_BOLD, _("Teachers' observations to triage (%zu)"), n);
    static const struct {
        int x, w;
        const char *head;
    } cols[] = {{0, 11, N_("Received")}, {11, 9, N_("Severity")}, {20, 9, N_("Teacher")},
                {29, 16, N_("Student")}, {45, 35, N_("What was seen")}};
    ui_text_pad(u, y + 1, 0, u->cols, "", A_UNDERLINE);
    for (size_t c = 0; c < sizeof cols / sizeof *cols; c++)
        ui_text(u, y + 1, cols[c].x, cols[c].w - 1, _(cols[c].head), A_UNDERLINE);
    int page = ui_body_rows(u) - 2;
    list_clamp(&b->pos, n, page);
    for (int r = 0; r < page && b->pos.top + (size_t)r < n; r++) {
        size_t i = b->pos.top + (size_t)r;
        const json_t *o = b->list->at(b->list, i);
        int attr = i == b->pos.sel ? A_REVERSE : 0, row = y + 2 + r;
        char day[32], who[160];
        cl_time_local(ui_str(o, "received_at"), true, day, sizeof day);
        named(u, o, who, sizeof who);
        const char *severity = ui_str(o, "severity");
        bool urgent = strcmp(severity, "urgent") == 0;
        ui_text_pad(u, row, 0, u->cols, "", attr);
        ui_text(u, row, 0, 10, day, attr);
        /* "紧急：有现实危险" → "紧急": the label up to its colon. */
        char level[64];
        snprintf(level, sizeof level, "%s", ui_choice_label(u, "observation", "severity", severity));
        char *colon = strstr(level, "：");
        if (colon || (colon = strchr(level, ':')))
            *colon = '\0';
        ui_text(u, row, 11, 8, level, attr | (urgent ? ui_risk_attr(u, 3) : 0));
        ui_text(u, row, 20, 8, ui_str(o, "teacher"), attr);
        ui_text(u, row, 29, 15, who, attr);
        ui_text(u, row, 45, u->cols - 45, ui_str(o, "summary"), attr);
    }
    if (n == 0)
        ui_text(u, y + 2, 2, u->cols - 2, _("Nothing to triage. i takes in new files from the inbox folder."), 0);
}

static ui_result inbox_import(ui *u, view *v)
{
    (void)v;
    size_t fresh = 0, quarantined = 0;
    cl_status st = cl_inbox_import_waiting(u->vault, &fresh, &quarantined);
    if (st != CL_OK) {
        ui_fail(u, st);
        return UI_STAY;
    }
    u->changes++;
    if (quarantined)
        ui_say(u, true, _("%zu new observations taken in; %zu files quarantined (`carelog inbox quarantine` lists why)."),
               fresh, quarantined);
    else
        ui_say(u, false, ngettext("%zu new observation taken in.", "%zu new observations taken in.",
                                  (unsigned long)fresh), fresh);
    return UI_STAY;
}

/* Accepts the observation with this id: onto the student it names, or,
 * when it names none the vault knows, onto one the counsellor types. */
static void accept(ui *u, long long id, long long named_student, const char *named)
{
    long long student = named_student;
    if (!student) {
        char *answer;
        if (!ui_ask(u, _("No student in the vault matches it. Student number to accept it onto:"), "", &answer))
            return;
        cl_status st = cl_student_find(u->vault, answer, &student);
        free(answer);
        if (st != CL_OK) {
            ui_fail(u, st);
            return;
        }
    }
    json_t *s = NULL;
    char question[400];
    if (cl_student_get(u->vault, student, &s) == CL_OK)
        snprintf(question, sizeof question, _("Accept it as an observation of %s (%s, %s)?"), ui_str(s, "name"),
                 ui_str(s, "number"), ui_str(s, "class"));
    else
        snprintf(question, sizeof question, _("Accept it as an observation of %s?"), named);
    json_decref(s);
    cl_error_clear();
    if (!ui_confirm(u, question))
        return;
    long long record = 0;
    cl_status st = cl_inbox_accept(u->vault, id, student, &record);
    if (st != CL_OK) {
        ui_fail(u, st);
        return;
    }
    u->changes++;
    ui_say(u, false, _("Accepted as record #%lld in the student's file."), record);
}

static void dismiss(ui *u, long long id)
{
    char *reason;
    if (!ui_ask(u, _("Why is it dismissed (kept with it)?"), "", &reason))
        return;
    cl_status st = cl_inbox_dismiss(u->vault, id, reason);
    free(reason);
    if (st != CL_OK) {
        ui_fail(u, st);
        return;
    }
    u->changes++;
    ui_say(u, false, "%s", _("Dismissed; the reason is kept with it."));
}

static ui_result inbox_accept(ui *u, view *v)
{
    const json_t *o = chosen(u, v);
    if (o)
        accept(u, ui_int(o, "id"), ui_int(o, "student_id"), ui_str(o, "student_number"));
    return UI_STAY;
}

static ui_result inbox_dismiss(ui *u, view *v)
{
    const json_t *o = chosen(u, v);
    if (o)
        dismiss(u, ui_int(o, "id"));
    return UI_STAY;
}

static ui_result inbox_show(ui *u, view *v)
{
    const json_t *o = chosen(u, v);
    if (o)
        ui_open_inbox_item(u, ui_int(o, "id"));
    return UI_STAY;
}

static ui_result inbox_key(ui *u, view *v, int key)
{
    inbox_view *b = inbox_of(u, v);
    if (b)
        list_key(&b->pos, b->list->count(b->list), ui_body_rows(u) - 2, key);
    return UI_STAY;
}

static void inbox_close(view *v)
{
    inbox_view *b = v->data;
    if (b)
        rows_free(b->list);
    free(b);
}

static const ui_action inbox_actions[] = {
    {UI_ENTER, 13, "Enter", N_("Show"), true, inbox_show},
    {'a', 0, "a", N_("Accept onto the student"), true, inbox_accept},
    {'d', 0, "d", N_("Dismiss with a reason"), true, inbox_dismiss},
    {'i', 0, "i", N_("Take in new files"), true, inbox_import},
    {'q', UI_ESC, "q", N_("Back"), true, ui_act_back},
    {0, 0, NULL, NULL, false, NULL},
};

const view_ops ui_inbox_view = {"inbox", inbox_actions, inbox_draw, inbox_key, false, NULL, inbox_close};

/* ---- one observation ---- */

typedef struct inbox_item {
    long long id;
    json_t *item;
    char **lines;
    size_t n_lines, top;
} inbox_item;

static void item_free_lines(inbox_item *it)
{
    for (size_t i = 0; i < it->n_lines; i++)
        free(it->lines[i]);
    free(it->lines);
    it->lines = NULL;
    it->n_lines = 0;
}

static void item_render(ui *u, inbox_item *it)
{
    item_free_lines(it);
    const cl_form *form = NULL;
    int version;
    char *text = cl_catalog_get(u->vault, ui_int(it->item, "form_id"), &form, &version) == CL_OK
                     ? cl_form_render(form, json_object_get(it->item, "fields"), u->lang)
                     : NULL;
    cl_error_clear();
    for (char *line = text, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        size_t len = next ? (size_t)(next - line) : strlen(line);
        char **grown = realloc(it->lines, (it->n_lines + 1) * sizeof *grown);
        if (!grown)
            break;
        it->lines = grown;
        it->lines[it->n_lines++] = strndup(line, len);
        next = next ? next + 1 : line + len;
    }
    free(text);
}

static void item_draw(ui *u, view *v)
{
    inbox_item *it = v->data;
    int y = ui_body_top();
    const json_t *o = it->item;
    char written[32], received[32];
    cl_time_local(ui_str(o, "written_at"), false, written, sizeof written);
    cl_time_local(ui_str(o, "received_at"), false, received, sizeof received);
    char who[200];
    ui_textf(u, y, 0, u->cols, A_BOLD, _("Observation from %s about %s"), ui_str(o, "teacher"),
             named(NULL, o, who, sizeof who));
    ui_textf(u, y + 1, 0, u->cols, 0, _("Written %s · received %s · key %s"), written, received,
             ui_str(o, "teacher_fingerprint"));
    int rows = ui_body_rows(u) - 3;
    if (it->top + (size_t)rows > it->n_lines)
        it->top = it->n_lines > (size_t)rows ? it->n_lines - (size_t)rows : 0;
    for (int r = 0; r < rows && it->top + (size_t)r < it->n_lines; r++)
        ui_text(u, y + 3 + r, 0, u->cols, it->lines[it->top + (size_t)r], 0);
}

static ui_result item_accept(ui *u, view *v)
{
    inbox_item *it = v->data;
    unsigned long before = u->changes;
    accept(u, it->id, ui_int(it->item, "student_id"), ui_str(it->item, "student_number"));
    return u->changes != before ? UI_BACK : UI_STAY;
}

static ui_result item_dismiss(ui *u, view *v)
{
    inbox_item *it = v->data;
    unsigned long before = u->changes;
    dismiss(u, it->id);
    return u->changes != before ? UI_BACK : UI_STAY;
}

static ui_result item_key(ui *u, view *v, int key)
{
    inbox_item *it = v->data;
    list_pos p = {it->top, it->top};
    if (list_key(&p, it->n_lines, ui_body_rows(u) - 3, key))
        it->top = p.sel;
    return UI_STAY;
}

static void item_close(view *v)
{
    inbox_item *it = v->data;
    if (!it)
        return;
    item_free_lines(it);
    json_decref(it->item);
    free(it);
}

static const ui_action item_actions[] = {
    {'a', 0, "a", N_("Accept onto the student"), true, item_accept},
    {'d', 0, "d", N_("Dismiss with a reason"), true, item_dismiss},
    {'q', UI_ESC, "q", N_("Back"), true, ui_act_back},
    {0, 0, NULL, NULL, false, NULL},
};

const view_ops ui_inbox_item_view = {"inbox item", item_actions, item_draw, item_key, false, NULL, item_close};

void ui_open_inbox_item(ui *u, long long id)
{
    inbox_item *it = calloc(1, sizeof *it);
    if (!it)
        return;
    it->id = id;
    cl_status st = cl_inbox_get(u->vault, id, &it->item);
    if (st != CL_OK) {
        ui_fail(u, st);
        free(it);
        return;
    }
    item_render(u, it);
    ui_push(u, &ui_inbox_item_view, it);
}
