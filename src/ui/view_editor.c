/* The record editor, driven by the vault's form definitions: every field a
 * line editor holding text, turned into the form's values through the core
 * (cl_form_value_from_text) and validated by it (cl_form_validate), so the
 * screens, the command line and the exports agree on what is valid. */
#define _XOPEN_SOURCE_EXTENDED 1
#include <curses.h>
#include <stdlib.h>
#include <string.h>

#include "carelog/catalog.h"
#include "carelog/clock.h"
#include "carelog/draft.h"
#include "carelog/i18n.h"
#include "carelog/record.h"
#include "carelog/student.h"
#include "carelog/text.h"
#include "editor.h"
#include "ui.h"

#define LABEL_W 22

static bool zh(const ui *u)
{
    return strcmp(u->lang, "zh") == 0;
}

static bool changed(const editor *e)
{
    for (size_t i = 0; i < e->n; i++)
        if (e->fields[i].line.changed)
            return true;
    return e->draft_id != 0 || e->rows_changed;
}

static void editor_free(editor *e)
{
    if (!e)
        return;
    editor_free_entries(e);
    free(e->fields);
    free(e);
}

void ui_open_form_editor(ui *u, const cl_form *form, const char *heading, ui_form_done done, void *ctx)
{
    editor *e = calloc(1, sizeof *e);
    cl_status st = e ? CL_OK : cl_fail(CL_ESOFTWARE, _("out of memory"));
    if (st == CL_OK) {
        snprintf(e->kind, sizeof e->kind, "%s", cl_form_kind(form));
        snprintf(e->student_name, sizeof e->student_name, "%s", heading);
        e->form = form;
        e->done = done;
        e->done_ctx = ctx;
        st = editor_build(u, e, NULL, NULL);
    }
    if (st != CL_OK) {
        ui_fail(u, st);
        editor_free(e);
        return;
    }
    ui_push(u, &ui_editor_view, e);
}

void ui_open_editor(ui *u, const char *kind, long long student_id, long long record_id, const json_t *draft)
{
    editor *e = calloc(1, sizeof *e);
    json_t *record = NULL, *initial = NULL;
    cl_status st = e ? CL_OK : cl_fail(CL_ESOFTWARE, _("out of memory"));
    if (draft) {
        kind = ui_str(draft, "kind");
        student_id = ui_int(draft, "student_id");
        record_id = ui_int(draft, "record_id");
        e->base_version = ui_int(draft, "base_version");
        e->draft_id = ui_int(draft, "id");
    } else if (st == CL_OK && record_id) {
        st = cl_record_get(u->vault, record_id, false, &record);
        if (st == CL_OK) {
            kind = ui_str(record, "kind");
            e->base_version = ui_int(record, "version");
            initial = json_object_get(record, "fields");
        }
    }
    long long form_id;
    if (st == CL_OK) {
        snprintf(e->kind, sizeof e->kind, "%s", kind);
        e->student_id = student_id;
        e->record_id = record_id;
        st = cl_catalog_current(u->vault, e->kind, &e->form, &form_id);
    }
    if (st == CL_OK)
        st = editor_build(u, e, initial, draft ? json_object_get(draft, "fields") : NULL);
    if (st == CL_OK && student_id) {
        json_t *s = NULL;
        if (cl_student_get(u->vault, student_id, &s) == CL_OK)
            snprintf(e->student_name, sizeof e->student_name, "%s (%s)", ui_str(s, "name"), ui_str(s, "number"));
        json_decref(s);
        cl_error_clear();
    }
    json_decref(record);
    if (st != CL_OK) {
        ui_fail(u, st);
        editor_free(e);
        return;
    }
    ui_push(u, &ui_editor_view, e);
}

static bool shown(const editor *e, size_t i, const json_t *values)
{
    return editor_shown(e, i, values);
}

static int field_height(const editor *e, size_t i, int w)
{
    /* A one-line field wraps too when its text is longer than the window
     * is wide, so the whole of it can be seen while it is typed. */
    if (e->fields[i].header)
        return 1 + (i == e->cur);
    bool one_line = e->fields[i].fld->type != CL_FIELD_LONGTEXT;
    int rows = (int)cl_line_layout(&e->fields[i].line, w, NULL, 0, NULL, NULL);
    int max = i == e->cur ? (one_line ? 3 : 6) : (one_line ? 1 : 2);
    return (rows < 1 ? 1 : rows > max ? max : rows) + (i == e->cur);
}

static void editor_draw(ui *u, view *v)
{
    editor *e = v->data;
    int y = ui_body_top(), w = u->cols - LABEL_W - 1;
    long bad;
    json_t *values = editor_values(e, false, &bad);
    json_t *score = NULL;
    char scoring[160] = "";
    if (cl_form_score(e->form, values, &score) == CL_OK && score && json_object_get(score, "score"))
        snprintf(scoring, sizeof scoring, "  %s %lld/%lld %s", _("Score"), ui_int(score, "score"), ui_int(score, "max"),
                 ui_str(score, zh(u) ? "band_zh" : "band_en"));
    json_decref(score);
    cl_error_clear();
    ui_textf(u, y, 0, u->cols, A_BOLD, "%s%s · %s%s", e->record_id ? _("Editing ") : _("New "),
             cl_form_title(e->form, u->lang), e->student_name[0] ? e->student_name : _("new student"), scoring);
    if (!shown(e, e->cur, values))
        for (size_t i = 0; i < e->n; i++)
            if (shown(e, i, values)) {
                e->cur = i;
                break;
            }
    /* Scroll so the field being edited shows whole. */
    int body = ui_body_rows(u) - 1 - e->stale;
    if (e->stale)
        ui_text(u, y + 1 + body, 0, u->cols, _("^R loads the saved version (yours becomes a draft) · Esc keeps yours as a draft"), A_BOLD);
    if (e->cur < e->top)
        e->top = e->cur;
    for (;;) {
        int used = 0;
        for (size_t i = e->top; i <= e->cur; i++)
            if (shown(e, i, values))
                used += field_height(e, i, w);
        if (used <= body || e->top == e->cur)
            break;
        e->top++;
    }
    int row = y + 1;
    int cur_y = -1;
    for (size_t i = e->top; i < e->n && row < y + 1 + body; i++) {
        if (!shown(e, i, values))
            continue;
        field_edit *f = &e->fields[i];
        bool focus = i == e->cur;
        int h = field_height(e, i, w) - focus;
        if (row + h > y + 1 + body)
            h = y + 1 + body - row;
        char label[200];
        if (f->group) /* a row's subfields: the row's number, indented */
            snprintf(label, sizeof label, " %zu. %s%s", f->item + 1, cl_field_label(f->fld, u->lang),
                     editor_required(e, i, values) ? " *" : "");
        else
            snprintf(label, sizeof label, "%s%s", cl_field_label(f->fld, u->lang),
                     cl_field_required(f->fld, values) ? " *" : "");
        ui_text_pad(u, row, 0, LABEL_W, label, focus ? A_BOLD : 0);
        if (f->header) {
            size_t rows = editor_rows_of(e, i);
            ui_textf(u, row, LABEL_W, w, focus ? A_BOLD : A_DIM, ngettext("%zu row · ^N adds a row", "%zu rows · ^N adds a row",
                                                                     (unsigned long)rows), rows);
        } else if (h > 0 && !focus) {
            ui_line_draw(u, &f->line, row, LABEL_W, h, w, false, 0);
        }
        if (focus)
            cur_y = row;
        row += h;
        if (focus && row < y + 1 + body) {
            const char *help = zh(u) ? f->fld->help_zh : f->fld->help_en;
            if (f->error[0])
                ui_text(u, row, 2, u->cols - 2, f->error, u->color ? COLOR_PAIR(UI_PAIR_ERROR) | A_BOLD : A_BOLD);
            else if (f->group)
                ui_text(u, row, 2, u->cols - 2, _("^N adds a row · ^G deletes this row · PgDn/PgUp next or previous row"),
                        A_DIM);
            else if (f->fld->type == CL_FIELD_CHOICE || f->fld->type == CL_FIELD_BOOL)
                ui_textf(u, row, 2, u->cols - 2, A_DIM, "%s%s%s", _("Space chooses the next answer"), help ? " · " : "",
                         help ? help : "");
            else if (help)
                ui_text(u, row, 2, u->cols - 2, help, A_DIM);
            row++;
        }
    }
    json_decref(values);
    /* The focused field last, so the cursor stays in it. */
    if (cur_y >= 0 && !e->fields[e->cur].header) {
        int h = field_height(e, e->cur, w) - 1;
        ui_line_draw(u, &e->fields[e->cur].line, cur_y, LABEL_W, h, w, true, A_UNDERLINE);
    }
}

static void move_field(ui *u, editor *e, int delta)
{
    long bad;
    json_t *values = editor_values(e, false, &bad);
    size_t i = e->cur;
    for (;;) {
        if (delta > 0 && i + 1 >= e->n)
            break;
        if (delta < 0 && i == 0)
            break;
        i = delta > 0 ? i + 1 : i - 1;
        if (shown(e, i, values)) {
            e->cur = i;
            break;
        }
    }
    json_decref(values);
    (void)u;
}

/* Space on a choice or yes/no field: the next answer, in the form's order. */
static void next_choice(ui *u, field_edit *f)
{
    const cl_field *fld = f->fld;
    size_t n = fld->type == CL_FIELD_BOOL ? 2 : fld->n_choices;
    if (n == 0)
        return;
    size_t next = 0;
    for (size_t i = 0; i < n; i++) {
        const char *label = fld->type == CL_FIELD_BOOL ? (i == 0 ? (zh(u) ? "是" : "yes") : (zh(u) ? "否" : "no"))
                                                       : (zh(u) ? fld->choices[i].label_zh : fld->choices[i].label_en);
        if (strcmp(label, f->line.text) == 0)
            next = (i + 1) % n;
    }
    const char *label = fld->type == CL_FIELD_BOOL ? (next == 0 ? (zh(u) ? "是" : "yes") : (zh(u) ? "否" : "no"))
                                                   : (zh(u) ? fld->choices[next].label_zh : fld->choices[next].label_en);
    cl_line_set(&f->line, label);
}

/* Points at the field a core message names first ("field notes (记录): …",
 * "字段 notes（记录）：…"): the earliest field id standing as a word. */
static void point_at_field(editor *e, const char *msg)
{
    const char *best = NULL;
    size_t best_i = 0, best_len = 0;
    for (size_t i = 0; i < e->n; i++) {
        char path[160];
        editor_entry_path(e, i, path, sizeof path);
        size_t len = strlen(path);
        for (const char *at = strstr(msg, path); at; at = strstr(at + 1, path)) {
            bool start = at == msg || at[-1] == ' ';
            const char *end = at + len;
            bool stop = *end == ' ' || *end == '[' || *end == ':' || *end == '(' || strncmp(end, "（", 3) == 0 ||
                        strncmp(end, "：", 3) == 0;
            if (start && stop) {
                /* The earliest name; at one place the longest ("guardians[2].phone"
                 * rather than its group "guardians"). */
                if (!best || at < best || (at == best && len > best_len)) {
                    best = at;
                    best_i = i;
                    best_len = len;
                }
                break;
            }
        }
    }
    if (best) {
        snprintf(e->fields[best_i].error, sizeof e->fields[best_i].error, "%s", msg);
        e->cur = best_i;
    }
}

/* A save refused because the record changed meanwhile (another terminal,
 * the command line): who saved it and when, and the ways out on this
 * screen, with the typed text still in the form. */
static void say_stale(ui *u, editor *e)
{
    json_t *now = NULL;
    e->stale = true;
    if (cl_record_get(u->vault, e->record_id, false, &now) != CL_OK) {
        cl_error_clear();
        ui_say(u, true, "%s", _("Not saved: this record changed since you opened it."));
        return;
    }
    char when[32];
    cl_time_local(ui_str(now, "updated_at"), false, when, sizeof when);
    ui_say(u, true, _("Not saved: %s changed it at %s (version %lld; yours began at %lld)."),
           ui_str(now, "updated_by"), when, ui_int(now, "version"), e->base_version);
    json_decref(now);
}

static ui_result editor_save(ui *u, view *v)
{
    editor *e = v->data;
    long bad;
    json_t *values = editor_values(e, e->record_id != 0, &bad);
    if (bad >= 0) {
        e->cur = (size_t)bad;
        ui_say(u, true, "%s", e->fields[bad].error);
        json_decref(values);
        return UI_STAY;
    }
    if (e->done)
        return e->done(u, values, e->done_ctx);
    cl_status st;
    long long id = 0, version = 0;
    if (e->record_id && strcmp(e->kind, "student") == 0)
        st = cl_student_edit(u->vault, e->student_id, e->base_version, values, &version);
    else if (e->record_id)
        st = cl_record_edit(u->vault, e->record_id, e->base_version, values, &version);
    else if (strcmp(e->kind, "student") == 0)
        st = cl_student_add(u->vault, values, false, &id);
    else
        st = cl_record_add(u->vault, e->kind, e->student_id, values, 0, &id);
    json_decref(values);
    if (st != CL_OK) {
        /* Nothing typed is lost: the form stays as it is. */
        char msg[512];
        snprintf(msg, sizeof msg, "%s", cl_error_message());
        if (st == CL_ECONFLICT) {
            say_stale(u, e);
        } else {
            point_at_field(e, msg);
            ui_say(u, true, "%s", msg);
        }
        return UI_STAY;
    }
    if (e->draft_id && cl_draft_delete(u->vault, e->draft_id) != CL_OK)
        cl_error_clear();
    u->changes++;
    if (e->record_id)
        ui_say(u, false, _("Saved #%lld (version %lld)."), e->record_id, version);
    else
        ui_say(u, false, _("Saved #%lld."), id);
    bool new_student = !e->record_id && strcmp(e->kind, "student") == 0;
    ui_pop(u);
    if (new_student)
        ui_open_student(u, id);
    return UI_STAY;
}

static void editor_keep(ui *u, view *v)
{
    editor *e = v->data;
    if (!changed(e) || e->done)
        return;
    json_t *texts = editor_texts(e);
    cl_status st = cl_draft_save(u->vault, e->kind, e->student_id, e->record_id, e->base_version, texts, &e->draft_id);
    json_decref(texts);
    if (st != CL_OK)
        ui_fail(u, st);
    else
        ui_say(u, false, "%s", _("Your unsaved record was kept as a draft; home lists it."));
    for (size_t i = 0; i < e->n; i++)
        e->fields[i].line.changed = false;
    e->rows_changed = false;
}

static ui_result editor_escape(ui *u, view *v)
{
    editor *e = v->data;
    if (!changed(e))
        return UI_BACK;
    if (e->done)
        return ui_confirm(u, _("Leave without sending? What you typed is not kept.")) ? UI_BACK : UI_STAY;
    const char *choices[] = {_("Keep editing"), _("Keep it as a draft and leave"), _("Throw the changes away")};
    int c = ui_menu(u, _("This record is not saved."), choices, 3);
    if (c == 1) {
        editor_keep(u, v);
        u->changes++;
        return UI_BACK;
    }
    if (c == 2) {
        if (e->draft_id && cl_draft_delete(u->vault, e->draft_id) != CL_OK)
            cl_error_clear();
        u->changes++;
        return UI_BACK;
    }
    return UI_STAY;
}

/* ^R on an edit: what is typed is kept as a draft (home lists it, to
 * copy from), then the form shows the record as it is saved now and
 * edits that version. */
static ui_result editor_reload(ui *u, view *v)
{
    editor *e = v->data;
    if (!e->record_id) {
        ui_say(u, false, "%s", _("A new record has no saved version to load."));
        return UI_STAY;
    }
    json_t *record = NULL;
    cl_status st = cl_record_get(u->vault, e->record_id, false, &record);
    if (st != CL_OK) {
        ui_fail(u, st);
        return UI_STAY;
    }
    bool kept = changed(e);
    if (kept) {
        editor_keep(u, v);
        e->draft_id = 0; /* that draft stays for the counsellor; this form is the saved version now */
    }
    st = editor_build(u, e, json_object_get(record, "fields"), NULL);
    if (st != CL_OK) {
        json_decref(record);
        ui_fail(u, st);
        return UI_STAY;
    }
    e->rows_changed = false;
    e->base_version = ui_int(record, "version");
    e->stale = false;
    json_decref(record);
    u->changes++;
    if (kept)
        ui_say(u, false, _("Loaded version %lld. What you typed is kept as a draft; home lists it."), e->base_version);
    else
        ui_say(u, false, _("Loaded version %lld."), e->base_version);
    return UI_STAY;
}

static ui_result editor_next(ui *u, view *v)
{
    move_field(u, v->data, 1);
    return UI_STAY;
}

static ui_result editor_prev(ui *u, view *v)
{
    move_field(u, v->data, -1);
    return UI_STAY;
}

/* PgDn/PgUp in a list: the first field of the next or previous row. */
static void move_row(editor *e, int delta)
{
    long h = editor_group_header(e, e->cur);
    const cl_field *g = e->fields[h].fld;
    const field_edit *f = &e->fields[e->cur];
    size_t want = f->header ? 0 : delta > 0 ? f->item + 1 : f->item > 0 ? f->item - 1 : 0;
    if (f->header && delta < 0)
        return;
    for (size_t i = (size_t)h + 1; i < e->n && e->fields[i].group == g; i++)
        if (e->fields[i].item == want) {
            e->cur = i;
            return;
        }
}

static ui_result editor_key(ui *u, view *v, int key)
{
    editor *e = v->data;
    field_edit *f = &e->fields[e->cur];
    int w = u->cols - LABEL_W - 1;
    if (!e->pasting && key == ' ' && (f->fld->type == CL_FIELD_CHOICE || f->fld->type == CL_FIELD_BOOL)) {
        next_choice(u, f);
        return UI_STAY;
    }
    if (!e->pasting && (key == UI_ENTER || key == 13) && f->fld->type != CL_FIELD_LONGTEXT) {
        move_field(u, e, 1);
        return UI_STAY;
    }
    if (!e->pasting && (key == UI_FN(KEY_NPAGE) || key == UI_FN(KEY_PPAGE)) && (f->group || f->header)) {
        move_row(e, key == UI_FN(KEY_NPAGE) ? 1 : -1);
        return UI_STAY;
    }
    if (!f->header && ui_line_key(&f->line, key, w, &e->pasting, u)) {
        f->error[0] = '\0';
        return UI_STAY;
    }
    if (key == UI_FN(KEY_DOWN))
        move_field(u, e, 1);
    else if (key == UI_FN(KEY_UP))
        move_field(u, e, -1);
    return UI_STAY;
}

static void editor_close(view *v)
{
    editor_free(v->data);
}

/* ^N: a new row in the list the cursor is in (or after its header). */
static ui_result editor_row_add(ui *u, view *v)
{
    editor *e = v->data;
    size_t first;
    cl_status st = editor_add_row(e, e->cur, &first);
    if (st == CL_EUSAGE)
        ui_say(u, false, "%s", _("^N adds a row in a list such as guardians; move into one first."));
    else if (st != CL_OK)
        ui_fail(u, st);
    else
        e->cur = first;
    return UI_STAY;
}

static ui_result editor_row_delete(ui *u, view *v)
{
    editor *e = v->data;
    field_edit *f = &e->fields[e->cur];
    if (!f->group) {
        ui_say(u, false, "%s", _("^G deletes a row of a list such as guardians; move into the row first."));
        return UI_STAY;
    }
    char question[256];
    snprintf(question, sizeof question, _("Delete row %zu of %s?"), f->item + 1, cl_field_label(f->group, u->lang));
    if (!ui_confirm(u, question))
        return UI_STAY;
    long h = editor_group_header(e, e->cur);
    editor_delete_row(e, e->cur);
    /* The cursor goes to the row that moved up, else the header. */
    if (e->cur >= e->n || e->fields[e->cur].group != e->fields[h].fld)
        e->cur = (size_t)h;
    return UI_STAY;
}

static const ui_action editor_actions[] = {
    {UI_CTRL('s'), UI_FN(KEY_F(2)), "^S", N_("Save"), true, editor_save},
    {UI_TAB, 0, "Tab", N_("Next field"), true, editor_next},
    {UI_FN(KEY_BTAB), 0, "S-Tab", N_("Previous field"), false, editor_prev},
    {UI_CTRL('r'), 0, "^R", N_("Load the saved version (your text kept as a draft)"), false, editor_reload},
    {UI_CTRL('n'), 0, "^N", N_("Add a row to a list (guardians, actions…)"), false, editor_row_add},
    {UI_CTRL('g'), 0, "^G", N_("Delete this row of the list"), false, editor_row_delete},
    {UI_ESC, 0, "Esc", N_("Leave (asks if unsaved)"), true, editor_escape},
    {UI_CTRL('z'), 0, "^Z", N_("Undo the last edit of the field"), false, NULL},
    {0, 0, NULL, NULL, false, NULL},
};

const view_ops ui_editor_view = {"editor", editor_actions, editor_draw, editor_key, true, editor_keep, editor_close};
