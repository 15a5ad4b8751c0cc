/* The record viewer: a record read-only (audited as a view), scrolled;
 * from here e edits, s signs, a amends, m moves a referral, h shows the
 * earlier versions. */
#define _XOPEN_SOURCE_EXTENDED 1
#include <curses.h>
#include <stdlib.h>
#include <string.h>

#include "carelog/catalog.h"
#include "carelog/clock.h"
#include "carelog/i18n.h"
#include "carelog/record.h"
#include "carelog/referral.h"
#include "carelog/text.h"
#include "ui.h"

typedef struct record_view {
    long long id;
    bool history;
    json_t *record;
    cl_line text; /* the rendering, laid out by the line editor's rows */
    size_t top;
    bool loaded;
    unsigned long seen;
} record_view;

static char *render_history(ui *u, long long id)
{
    json_t *versions = NULL;
    cl_status st = cl_record_history(u->vault, id, &versions);
    if (st != CL_OK) {
        ui_fail(u, st);
        return NULL;
    }
    cl_buf b = {0};
    size_t i;
    json_t *ver;
    json_array_foreach(versions, i, ver) {
        cl_buf_printf(&b, _("— version %lld, %s by %s —\n"), ui_int(ver, "version"), ui_str(ver, "updated_at"),
                      ui_str(ver, "updated_by"));
        const cl_form *form = NULL;
        int version;
        char *text = cl_catalog_get(u->vault, ui_int(ver, "form_id"), &form, &version) == CL_OK
                         ? cl_form_render(form, json_object_get(ver, "fields"), u->lang)
                         : NULL;
        cl_buf_printf(&b, "%s\n", text ? text : "");
        free(text);
    }
    json_decref(versions);
    cl_error_clear();
    return cl_buf_take(&b);
}

static void load(ui *u, record_view *r)
{
    json_decref(r->record);
    r->record = NULL;
    cl_status st = cl_record_get(u->vault, r->id, !r->history && !r->loaded, &r->record);
    char *text = NULL;
    if (st == CL_OK && r->history)
        text = render_history(u, r->id);
    else if (st == CL_OK)
        st = cl_record_render(u->vault, r->record, u->lang, &text);
    if (st != CL_OK)
        ui_fail(u, st);
    /* Made inert first, so what cannot be shown stays visible as U+FFFD. */
    char *safe = cl_text_inert(text ? text : "", true);
    cl_line_free(&r->text);
    cl_line_init(&r->text, safe ? safe : "", true, 0);
    free(safe);
    free(text);
    r->loaded = true;
    r->seen = u->changes;
}

static record_view *record_of(ui *u, view *v)
{
    record_view *r = v->data;
    if (r && r->seen != u->changes)
        load(u, r);
    return r;
}

static void push_record(ui *u, long long id, bool history)
{
    record_view *r = calloc(1, sizeof *r);
    if (!r)
        return;
    r->id = id;
    r->history = history;
    load(u, r);
    if (!r->record) {
        cl_line_free(&r->text);
        free(r);
        return;
    }
    ui_push(u, &ui_record_view, r);
}

void ui_open_record(ui *u, long long id)
{
    push_record(u, id, false);
}

static void record_draw(ui *u, view *v)
{
    record_view *r = record_of(u, v);
    if (!r || !r->record)
        return;
    const json_t *rec = r->record;
    int y = ui_body_top();
    char state[128] = "";
    if (json_is_string(json_object_get(rec, "state"))) {
        const cl_referral_state *s = cl_referral_state_find(ui_str(rec, "state"));
        snprintf(state, sizeof state, " · %s", s ? (strcmp(u->lang, "zh") == 0 ? s->label_zh : s->label_en) : "");
    }
    char when[32];
    cl_time_local(ui_str(rec, "occurred_at"), false, when, sizeof when);
    ui_textf(u, y, 0, u->cols, A_BOLD, "%s%s #%lld · %s (%s) · %s · %s%s%s", r->history ? _("History of ") : "",
             ui_kind_label(u, ui_str(rec, "kind")), r->id, ui_str(rec, "student_name"), ui_str(rec, "student_number"),
             when, ui_str(rec, "author"), state,
             json_is_string(json_object_get(rec, "signed_at")) ? _(" · signed") : "");
    int h = ui_body_rows(u) - 1, w = u->cols - 1;
    size_t count = cl_line_layout(&r->text, w, NULL, 0, NULL, NULL);
    cl_line_row *rows = malloc(count * sizeof *rows);
    if (!rows)
        return;
    cl_line_layout(&r->text, w, rows, count, NULL, NULL);
    if (r->top + (size_t)h > count)
        r->top = count > (size_t)h ? count - (size_t)h : 0;
    for (int i = 0; i < h && r->top + (size_t)i < count; i++) {
        const cl_line_row *row = &rows[r->top + (size_t)i];
        char *piece = strndup(r->text.text + row->start, row->end - row->start);
        ui_text(u, y + 1 + i, 0, w, piece ? piece : "", 0);
        free(piece);
    }
    free(rows);
}

static ui_result record_key(ui *u, view *v, int key)
{
    record_view *r = record_of(u, v);
    if (!r)
        return UI_STAY;
    size_t page = (size_t)ui_body_rows(u) - 2;
    if (key == 'j' || key == UI_FN(KEY_DOWN))
        r->top++;
    else if ((key == 'k' || key == UI_FN(KEY_UP)) && r->top > 0)
        r->top--;
    else if (key == ' ' || key == UI_FN(KEY_NPAGE))
        r->top += page;
    else if (key == UI_FN(KEY_PPAGE))
        r->top = r->top > page ? r->top - page : 0;
    else if (key == 'g')
        r->top = 0;
    return UI_STAY;
}

static ui_result record_edit(ui *u, view *v)
{
    record_view *r = record_of(u, v);
    if (r && r->record && !r->history) {
        if (json_is_string(json_object_get(r->record, "signed_at")))
            ui_say(u, true, "%s", _("This record is signed; add an amendment (a) instead."));
        else
            ui_open_editor(u, NULL, ui_int(r->record, "student_id"), r->id, NULL);
    }
    return UI_STAY;
}

static ui_result record_sign(ui *u, view *v)
{
    record_view *r = record_of(u, v);
    if (!r || !r->record || r->history)
        return UI_STAY;
    if (!ui_confirm(u, _("Sign this record? A signed record can only be amended.")))
        return UI_STAY;
    cl_status st = cl_record_sign(u->vault, r->id, ui_int(r->record, "version"));
    if (st != CL_OK) {
        ui_fail(u, st);
        return UI_STAY;
    }
    u->changes++;
    ui_say(u, false, _("Signed record #%lld."), r->id);
    return UI_STAY;
}

static ui_result record_amend(ui *u, view *v)
{
    record_view *r = record_of(u, v);
    char *text;
    if (!r || r->history || !ui_ask(u, _("Amendment:"), "", &text))
        return UI_STAY;
    cl_status st = *text ? cl_record_amend(u->vault, r->id, text) : CL_OK;
    free(text);
    if (st != CL_OK) {
        ui_fail(u, st);
        return UI_STAY;
    }
    u->changes++;
    ui_say(u, false, _("Amendment added to record #%lld."), r->id);
    return UI_STAY;
}

static ui_result record_move(ui *u, view *v)
{
    record_view *r = record_of(u, v);
    if (!r || r->history || strcmp(ui_str(r->record, "kind"), "referral") != 0) {
        ui_say(u, true, "%s", _("Only a referral moves along the reporting loop."));
        return UI_STAY;
    }
    const cl_referral_state *from = cl_referral_state_find(ui_str(r->record, "state"));
    if (!from || !*from->next) {
        ui_say(u, true, "%s", _("This referral is in a final state."));
        return UI_STAY;
    }
    const char *labels[16], *names[16];
    size_t n = 0;
    for (const cl_referral_state *s = cl_referral_states; s->name && n < 16; s++)
        if (cl_referral_can_move(from->name, s->name)) {
            names[n] = s->name;
            labels[n++] = strcmp(u->lang, "zh") == 0 ? s->label_zh : s->label_en;
        }
    int choice = ui_menu(u, _("Move the referral to"), labels, n);
    char *note;
    if (choice < 0 || !ui_ask(u, _("Why (the note is kept with the move):"), "", &note))
        return UI_STAY;
    cl_status st = cl_referral_move(u->vault, r->id, names[choice], note);
    free(note);
    if (st != CL_OK) {
        ui_fail(u, st);
        return UI_STAY;
    }
    u->changes++;
    ui_say(u, false, _("Referral #%lld is now %s."), r->id, labels[choice]);
    return UI_STAY;
}

static ui_result record_history(ui *u, view *v)
{
    record_view *r = record_of(u, v);
    if (r && !r->history)
        push_record(u, r->id, true);
    return UI_STAY;
}

static ui_result record_back(ui *u, view *v)
{
    (void)u;
    (void)v;
    return UI_BACK;
}

static void record_close(view *v)
{
    record_view *r = v->data;
    if (!r)
        return;
    json_decref(r->record);
    cl_line_free(&r->text);
    free(r);
}

static const ui_action record_actions[] = {
    {'e', 0, "e", N_("Edit"), true, record_edit},
    {'s', 0, "s", N_("Sign"), true, record_sign},
    {'a', 0, "a", N_("Amend"), true, record_amend},
    {'m', 0, "m", N_("Move referral"), true, record_move},
    {'h', 0, "h", N_("History"), true, record_history},
    {'q', UI_ESC, "q", N_("Back"), true, record_back},
    {0, 0, NULL, NULL, false, NULL},
};

const view_ops ui_record_view = {"record", record_actions, record_draw, record_key, false, NULL, record_close};
