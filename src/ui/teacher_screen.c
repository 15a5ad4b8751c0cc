/* The teacher's screen: unlock the teacher's identity, pick the student
 * (from the teachers' roster with incremental search, or typed), fill in
 * the observation form in the record editor, confirm and send, and see
 * what was sent. No vault is opened; nothing typed is kept on disk. */
#define _XOPEN_SOURCE_EXTENDED 1
#include <curses.h>
#include <stdlib.h>
#include <string.h>

#include "carelog/clock.h"
#include "carelog/i18n.h"
#include "carelog/observation.h"
#include "carelog/screens.h"
#include "carelog/teacher_roster.h"
#include "carelog/text.h"
#include "ui.h"

#define MAX_MATCHES 2000

typedef struct teacher_screen {
    const cl_teacher_screen_args *args;
    cl_secret *seed;
    cl_teacher_roster *roster;
    cl_form *own_form;
    const cl_form *form;
    char digest[65];
    char number[128], name[256], klass[128];
    ui_secret_input pass;
    char error[512];
    cl_line query;
    size_t matches[MAX_MATCHES], n_matches, total;
    list_pos pos;
    bool pasting;
    json_t *values;          /* being confirmed */
    char sent_where[4096], sent_id[33];
    json_t *sent;            /* the sent list, while shown */
    list_pos sent_pos;
} teacher_screen;

extern const view_ops teacher_unlock_view, teacher_pick_view, teacher_confirm_view, teacher_done_view,
    teacher_sent_view;

static teacher_screen *ts(view *v)
{
    return v->data;
}

static int error_attr(const ui *u)
{
    return u->color ? COLOR_PAIR(UI_PAIR_ERROR) | A_BOLD : A_BOLD;
}

/* ---- unlock ---- */

static void unlock_draw(ui *u, view *v)
{
    teacher_screen *s = ts(v);
    const cl_teacher_identity *t = s->args->identity;
    const cl_vault_pub *p = cl_teacher_vault(t);
    int y = ui_body_top() + 1, w = u->cols - 8;
    ui_text(u, y, 4, w, _("Write an observation for the counsellor"), A_BOLD);
    ui_textf(u, y + 2, 4, w, 0, _("Teacher: %s"), cl_teacher_name(t));
    ui_textf(u, y + 3, 4, w, 0, _("School: %s (vault %s)"), p ? p->school : "", p ? p->fingerprint : "");
    if (s->args->roster_path) {
        ui_text(u, y + 4, 4, w, _("Students from the roster (its signature checked):"), 0);
        ui_text(u, y + 5, 6, w - 2, s->args->roster_path, 0);
    } else
        ui_text(u, y + 4, 4, w, _("No roster published: you type the student's number or name."), 0);
    ui_text(u, y + 7, 4, w, _("Your teacher passphrase (not shown as you type):"), 0);
    if (s->error[0])
        ui_text(u, y + 9, 4, w, s->error, error_attr(u));
    ui_text(u, y + 11, 4, w, _("Enter unlocks · Esc clears · q or Ctrl-C leaves"), A_DIM);
    move(y + 8, 4);
    curs_set(1);
}

static void refresh_matches(teacher_screen *s)
{
    s->total = cl_teacher_roster_search(s->roster, s->query.text, s->matches, MAX_MATCHES);
    s->n_matches = s->total < MAX_MATCHES ? s->total : MAX_MATCHES;
    s->pos.sel = s->pos.top = 0;
}

static void open_form(ui *u, teacher_screen *s);

/* Without a roster the student is typed: a number, else name and class. */
static bool ask_student(ui *u, teacher_screen *s)
{
    char *number = NULL, *name = NULL, *klass = NULL;
    if (!ui_ask(u, _("Student number (学号; Enter if you do not know it):"), "", &number))
        return false;
    bool ok = true;
    if (!*number)
        ok = ui_ask(u, _("Student name (姓名):"), "", &name) && *name && ui_ask(u, _("Class (班级):"), "", &klass);
    if (ok) {
        snprintf(s->number, sizeof s->number, "%s", number);
        snprintf(s->name, sizeof s->name, "%s", name ? name : "");
        snprintf(s->klass, sizeof s->klass, "%s", klass ? klass : "");
    }
    free(number), free(name), free(klass);
    return ok;
}

static ui_result unlock_key(ui *u, view *v, int key)
{
    teacher_screen *s = ts(v);
    if (key == UI_CTRL('c') || (key == 'q' && s->pass.len == 0))
        return UI_QUIT;
    if (key == UI_ESC) {
        ui_secret_clear(&s->pass);
        return UI_STAY;
    }
    if (key != UI_ENTER && key != 13) {
        ui_secret_key(&s->pass, key);
        return UI_STAY;
    }
    if (s->pass.len == 0 || s->seed)
        return UI_STAY;
    cl_secret *pass = ui_secret_take(&s->pass);
    if (!pass)
        return UI_QUIT;
    ui_say(u, false, "%s", _("Deriving the key…"));
    ui_redraw(u);
    cl_status st = cl_teacher_unlock(s->args->identity, pass, &s->seed);
    cl_secret_free(pass);
    u->message[0] = '\0';
    s->error[0] = '\0';
    if (st == CL_EPERM) {
        snprintf(s->error, sizeof s->error, "%s", _("That is not your teacher passphrase. Try again."));
        return UI_STAY;
    }
    if (st == CL_OK && s->args->roster) {
        st = cl_teacher_roster_open(s->args->roster, s->args->roster_len, s->args->roster_path,
                                    cl_teacher_vault(s->args->identity), cl_teacher_roster_seen(s->args->identity),
                                    s->seed, &s->roster);
        if (st == CL_OK)
            st = cl_teacher_roster_note_seen(s->args->identity, cl_teacher_roster_counter(s->roster));
        if (st == CL_OK) {
            s->form = cl_teacher_roster_form(s->roster);
            snprintf(s->digest, sizeof s->digest, "%s", cl_teacher_roster_form_digest(s->roster));
        }
    } else if (st == CL_OK) {
        st = cl_observation_form(&s->own_form, s->digest);
        s->form = s->own_form;
    }
    if (st != CL_OK) {
        /* A roster refused stays refused: nothing of it is shown, and the
         * passphrase is forgotten again. */
        snprintf(s->error, sizeof s->error, "%s", cl_error_message());
        cl_secret_free(s->seed);
        s->seed = NULL;
        return UI_STAY;
    }
    curs_set(0);
    ui_pop(u); /* this view; the screen's state lives on */
    if (s->roster) {
        refresh_matches(s);
        ui_push(u, &teacher_pick_view, s);
    } else {
        ui_push(u, &teacher_pick_view, s);
        if (ask_student(u, s))
            open_form(u, s);
    }
    return UI_STAY;
}

/* ---- the student ---- */

static void pick_draw(ui *u, view *v)
{
    teacher_screen *s = ts(v);
    int y = ui_body_top(), page = ui_body_rows(u) - 3;
    if (!s->roster) {
        ui_text(u, y, 0, u->cols, _("No roster: n writes an observation (you type the student), s lists what you sent."),
                A_BOLD);
        return;
    }
    ui_textf(u, y, 0, u->cols, A_BOLD, _("Which student? Type a number, name, class or pinyin initials (%zu of %zu)"),
             s->total, cl_teacher_roster_count(s->roster));
    ui_text(u, y + 1, 0, 2, "/ ", A_BOLD);
    list_clamp(&s->pos, s->n_matches, page);
    for (int r = 0; r < page && s->pos.top + (size_t)r < s->n_matches; r++) {
        size_t i = s->pos.top + (size_t)r;
        const cl_roster_student *st = cl_teacher_roster_at(s->roster, s->matches[i]);
        bool sel = i == s->pos.sel;
        ui_text_pad(u, y + 2 + r, 0, u->cols, "", sel ? A_REVERSE : 0);
        ui_text(u, y + 2 + r, 2, 16, st->number, sel ? A_REVERSE : 0);
        ui_text(u, y + 2 + r, 20, 24, st->name, sel ? A_REVERSE | A_BOLD : A_BOLD);
        ui_text(u, y + 2 + r, 46, u->cols - 46, st->klass, sel ? A_REVERSE : 0);
    }
    if (s->total == 0)
        ui_text(u, y + 2, 2, u->cols - 2, _("No student on the roster matches. Check the spelling, or ask the counsellor."),
                A_DIM);
    ui_line_draw(u, &s->query, y + 1, 2, 1, u->cols - 3, true, A_UNDERLINE);
}

static ui_result pick_choose(ui *u, view *v)
{
    teacher_screen *s = ts(v);
    if (!s->roster) {
        if (ask_student(u, s))
            open_form(u, s);
        return UI_STAY;
    }
    if (s->n_matches == 0)
        return UI_STAY;
    const cl_roster_student *st = cl_teacher_roster_at(s->roster, s->matches[s->pos.sel]);
    snprintf(s->number, sizeof s->number, "%s", st->number);
    snprintf(s->name, sizeof s->name, "%s", st->name);
    snprintf(s->klass, sizeof s->klass, "%s", st->klass);
    open_form(u, s);
    return UI_STAY;
}

static ui_result pick_sent(ui *u, view *v)
{
    teacher_screen *s = ts(v);
    json_decref(s->sent);
    s->sent = NULL;
    cl_status st = cl_teacher_sent(s->args->identity, s->seed, &s->sent);
    if (st != CL_OK) {
        ui_fail(u, st);
        return UI_STAY;
    }
    s->sent_pos.sel = json_array_size(s->sent) ? json_array_size(s->sent) - 1 : 0;
    s->sent_pos.top = 0;
    ui_push(u, &teacher_sent_view, s);
    return UI_STAY;
}

static ui_result pick_leave(ui *u, view *v)
{
    (void)u, (void)v;
    return UI_QUIT;
}

static ui_result pick_key(ui *u, view *v, int key)
{
    teacher_screen *s = ts(v);
    if (!s->roster) {
        if (key == 'n')
            return pick_choose(u, v);
        if (key == 's')
            return pick_sent(u, v);
        if (key == 'q')
            return UI_QUIT;
        return UI_STAY;
    }
    if (key == UI_FN(KEY_UP) || key == UI_FN(KEY_DOWN) || key == UI_FN(KEY_PPAGE) || key == UI_FN(KEY_NPAGE)) {
        list_key(&s->pos, s->n_matches, ui_body_rows(u) - 3, key);
        return UI_STAY;
    }
    if (ui_line_key(&s->query, key, u->cols - 3, &s->pasting, u))
        refresh_matches(s);
    return UI_STAY;
}

/* ---- the form, confirming, sending ---- */

static ui_result form_done(ui *u, json_t *values, void *ctx)
{
    teacher_screen *s = ctx;
    cl_status st = cl_observation_check(s->form, values, s->number, s->name);
    if (st != CL_OK) {
        ui_fail(u, st);
        json_decref(values);
        return UI_STAY;
    }
    json_decref(s->values);
    s->values = values;
    ui_push(u, &teacher_confirm_view, s);
    return UI_STAY;
}

static void open_form(ui *u, teacher_screen *s)
{
    char heading[600];
    snprintf(heading, sizeof heading, "%s%s%s%s%s", s->name, *s->name && *s->number ? " " : "", s->number,
             *s->klass ? " · " : "", s->klass);
    ui_open_form_editor(u, s->form, heading, form_done, s);
}

static void confirm_draw(ui *u, view *v)
{
    teacher_screen *s = ts(v);
    int y = ui_body_top(), w = u->cols - 4;
    ui_text(u, y, 0, u->cols, _("Send this observation? You cannot read it back once it is sealed."), A_BOLD);
    ui_textf(u, y + 1, 2, w, 0, _("Student: %s %s %s"), s->number, s->name, s->klass);
    ui_text(u, y + 2, 2, w, _("It goes to:"), 0);
    ui_text(u, y + 3, 4, w - 2, s->args->output ? s->args->output : s->args->inbox_dir, 0);
    char *text = cl_form_render(s->form, s->values, u->lang);
    int row = y + 5, last = ui_body_top() + ui_body_rows(u) - 1;
    for (char *line = text, *next; line && *line && row < last; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        else
            next = line + strlen(line);
        ui_text(u, row++, 2, w, line, 0);
    }
    free(text);
    ui_text(u, last, 0, u->cols, _("Enter seals and sends · Esc goes back to the form"), A_DIM);
}

static ui_result confirm_send(ui *u, view *v)
{
    teacher_screen *s = ts(v);
    cl_teacher_sending send = {s->number, s->name, s->klass, s->values, s->digest, s->args->inbox_dir,
                               s->args->output};
    unsigned char id[CL_OBSERVATION_ID_BYTES];
    char *where = NULL;
    cl_status st = cl_teacher_send(s->args->identity, s->seed, &send, id, &where);
    if (st != CL_OK) {
        ui_fail(u, st);
        return UI_STAY;
    }
    snprintf(s->sent_where, sizeof s->sent_where, "%s", where);
    free(where);
    cl_observation_id_hex(id, s->sent_id);
    json_decref(s->values);
    s->values = NULL;
    ui_pop(u); /* this view */
    ui_pop(u); /* the form, and the typing in it */
    ui_push(u, &teacher_done_view, s);
    return UI_STAY;
}

static void done_draw(ui *u, view *v)
{
    teacher_screen *s = ts(v);
    int y = ui_body_top() + 1, w = u->cols - 4;
    ui_textf(u, y, 2, w, A_BOLD, _("Sent: observation %s"), s->sent_id);
    ui_textf(u, y + 1, 2, w, 0, _("sealed for the vault %s."), cl_teacher_vault(s->args->identity)->fingerprint);
    ui_text(u, y + 3, 2, w, _("Written to:"), 0);
    ui_text(u, y + 4, 4, w - 2, s->sent_where, 0);
    ui_text(u, y + 5, 2, w, _("Only the counsellor's vault can open it; nothing you wrote is kept here."), 0);
    ui_text(u, y + 7, 2, w, _("Enter or n: another observation · s: what you sent · q: leave"), A_DIM);
}

static ui_result done_key(ui *u, view *v, int key)
{
    if (key == 'q' || key == UI_CTRL('c'))
        return UI_QUIT;
    if (key == 's') {
        ui_pop(u);
        return pick_sent(u, u->top);
    }
    if (key == 'n' || key == UI_ENTER || key == 13 || key == UI_ESC)
        return UI_BACK;
    (void)v;
    return UI_STAY;
}

/* ---- what was sent ---- */

static void sent_draw(ui *u, view *v)
{
    teacher_screen *s = ts(v);
    int y = ui_body_top(), page = ui_body_rows(u) - 2;
    size_t n = json_array_size(s->sent);
    ui_textf(u, y, 0, u->cols, A_BOLD, _("What you sent (%zu): when, whom about, and a hash of the sealed file"), n);
    list_clamp(&s->sent_pos, n, page);
    for (int r = 0; r < page && s->sent_pos.top + (size_t)r < n; r++) {
        size_t i = s->sent_pos.top + (size_t)r;
        const json_t *row = json_array_get(s->sent, i);
        char at[64];
        cl_time_local(ui_str(row, "sent_at"), false, at, sizeof at);
        int attr = i == s->sent_pos.sel ? A_REVERSE : 0;
        ui_text_pad(u, y + 1 + r, 0, u->cols, "", attr);
        ui_text(u, y + 1 + r, 1, 17, at, attr);
        ui_text(u, y + 1 + r, 19, 28, ui_str(row, "student"), attr);
        ui_text(u, y + 1 + r, 48, u->cols - 48, ui_str(row, "hash"), attr);
    }
    if (n == 0)
        ui_text(u, y + 1, 1, u->cols - 2, _("Nothing sent yet."), A_DIM);
}

static ui_result sent_key(ui *u, view *v, int key)
{
    teacher_screen *s = ts(v);
    if (key == 'q' || key == UI_ESC)
        return UI_BACK;
    list_key(&s->sent_pos, json_array_size(s->sent), ui_body_rows(u) - 2, key);
    return UI_STAY;
}

static const ui_action no_actions[] = {{0, 0, NULL, NULL, false, NULL}};
static const ui_action pick_actions[] = {
    {UI_ENTER, 13, "Enter", N_("Write about this student"), true, pick_choose},
    {UI_FN(KEY_F(3)), 0, "F3", N_("Sent: what you sent"), true, pick_sent},
    {UI_ESC, 0, "Esc", N_("Leave"), true, pick_leave},
    {0, 0, NULL, NULL, false, NULL},
};
static const ui_action confirm_actions[] = {
    {UI_ENTER, 13, "Enter", N_("Seal and send"), true, confirm_send},
    {UI_ESC, 0, "Esc", N_("Back to the form"), true, NULL},
    {0, 0, NULL, NULL, false, NULL},
};

static ui_result confirm_key(ui *u, view *v, int key)
{
    (void)u, (void)v;
    return key == UI_ESC ? UI_BACK : UI_STAY;
}

const view_ops teacher_unlock_view = {"teacher-unlock", no_actions, unlock_draw, unlock_key, true, NULL, NULL};
const view_ops teacher_pick_view = {"teacher-pick", pick_actions, pick_draw, pick_key, true, NULL, NULL};
const view_ops teacher_confirm_view = {"teacher-confirm", confirm_actions, confirm_draw, confirm_key, false, NULL, NULL};
const view_ops teacher_done_view = {"teacher-sent-one", no_actions, done_draw, done_key, false, NULL, NULL};
const view_ops teacher_sent_view = {"teacher-sent", no_actions, sent_draw, sent_key, false, NULL, NULL};

int cl_teacher_screens_main(const cl_teacher_screen_args *a)
{
    teacher_screen *s = calloc(1, sizeof *s);
    if (!s || cl_line_init(&s->query, "", false, 100) != CL_OK) {
        free(s);
        return CL_ESOFTWARE;
    }
    s->args = a;
    char *title = cl_strdup_printf(_("teacher · %s"), cl_teacher_name(a->identity));
    int rc = ui_main(a->inbox_dir ? a->inbox_dir : ".", &teacher_unlock_view, s, title ? title : "teacher",
                     a->language_given);
    free(title);
    ui_secret_free(&s->pass);
    cl_line_free(&s->query);
    cl_secret_free(s->seed);
    cl_teacher_roster_free(s->roster);
    cl_form_free(s->own_form);
    json_decref(s->values);
    json_decref(s->sent);
    free(s);
    return rc;
}
