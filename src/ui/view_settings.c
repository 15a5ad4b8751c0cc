/* Settings (language, auto-lock, privacy mode at unlock, the counsellors'
 * slots, passphrase and recovery key, each through the core function the
 * command line uses; follow-up policies, teachers and offices are lists of
 * their own, view_settings_lists.c)
 * and the help screen generated from the action table of the screen it
 * was asked on. */
#define _XOPEN_SOURCE_EXTENDED 1
#include <curses.h>
#include <stdlib.h>
#include <string.h>

#include "carelog/clock.h"
#include "carelog/i18n.h"
#include "carelog/secret.h"
#include "carelog/settings.h"
#include "carelog/text.h"
#include "ui.h"

typedef struct settings {
    json_t *counsellors; /* [{name, since, current}] */
    bool privacy_default; /* the vault's privacy_mode */
    unsigned long seen;
} settings;

static settings *settings_of(ui *u, view *v)
{
    settings *s = v->data;
    if (!s && !(s = v->data = calloc(1, sizeof *s)))
        return NULL;
    if (!s->counsellors || s->seen != u->changes) {
        json_decref(s->counsellors);
        s->counsellors = NULL;
        cl_status st = cl_vault_counsellor_list(u->vault, &s->counsellors);
        if (st != CL_OK) {
            ui_fail(u, st);
            s->counsellors = json_array();
        }
        char *mode = NULL;
        st = cl_settings_get(u->vault, "privacy_mode", &mode);
        if (st == CL_OK)
            s->privacy_default = strcmp(mode, "on") == 0;
        else
            ui_fail(u, st);
        free(mode);
        s->seen = u->changes;
    }
    return s;
}

static void settings_draw(ui *u, view *v)
{
    settings *s = settings_of(u, v);
    int y = ui_body_top();
    ui_text(u, y, 0, u->cols, _("Settings"), A_BOLD);
    ui_textf(u, y + 2, 2, u->cols - 2, 0, "%s %s", _("Interface language (l):"), strcmp(u->lang, "zh") == 0 ? "中文" : "English");
    if (u->autolock_seconds > 0)
        ui_textf(u, y + 3, 2, u->cols - 2, 0, _("Lock after idle (a): %d minutes"), u->autolock_seconds / 60);
    else
        ui_text(u, y + 3, 2, u->cols - 2, _("Lock after idle (a): never"), 0);
    ui_textf(u, y + 4, 2, u->cols - 2, 0, "%s %s", _("Privacy mode when the vault opens (v):"),
             s && s->privacy_default ? _("on") : _("off"));
    ui_text(u, y + 6, 0, u->cols, _("Counsellors who can open this vault"), A_BOLD);
    int row = y + 7;
    size_t i;
    json_t *c;
    json_array_foreach(s ? s->counsellors : NULL, i, c) {
        if (row >= u->rows - 8)
            break;
        char since[32];
        cl_time_local(ui_str(c, "since"), true, since, sizeof since);
        ui_text(u, row, 2, 20, ui_str(c, "name"), json_is_true(json_object_get(c, "current")) ? A_BOLD : 0);
        ui_textf(u, row++, 22, u->cols - 22, 0, _("since %s%s"), since,
                 json_is_true(json_object_get(c, "current")) ? _(" (you)") : "");
    }
    row++;
    ui_text(u, row++, 2, u->cols - 2, _("c adds a counsellor · d removes one · p changes your passphrase"), A_DIM);
    ui_text(u, row++, 2, u->cols - 2, _("k replaces the recovery key · t teachers · f protection offices"), A_DIM);
    ui_text(u, row++, 2, u->cols - 2, _("o follow-up policies · ^P privacy mode for this session only"), A_DIM);
}

/* The vault's language, as `carelog config set language` sets it (audited,
 * for everyone who opens it); screens.conf keeps it too, for the unlock
 * screen before the vault is open. */
static ui_result settings_lang(ui *u, view *v)
{
    (void)v;
    const char *next = strcmp(u->lang, "zh") == 0 ? "en" : "zh";
    cl_status st = cl_settings_set(u->vault, "language", next);
    if (st == CL_OK)
        st = cl_i18n_set_language(next);
    if (st != CL_OK) {
        ui_fail(u, st);
        return UI_STAY;
    }
    snprintf(u->lang, sizeof u->lang, "%s", next);
    ui_settings_save(u);
    u->changes++; /* labels from the forms follow the language */
    return UI_STAY;
}

/* The vault's setting, for every counsellor's next unlock; this session
 * follows it at once (^P still switches it until the vault locks). */
static ui_result settings_privacy(ui *u, view *v)
{
    settings *s = settings_of(u, v);
    if (!s)
        return UI_STAY;
    bool on = !s->privacy_default;
    cl_status st = cl_settings_set(u->vault, "privacy_mode", on ? "on" : "off");
    if (st != CL_OK) {
        ui_fail(u, st);
        return UI_STAY;
    }
    u->privacy = on;
    u->changes++;
    ui_say(u, false, "%s", on ? _("The screens now open in privacy mode, for every counsellor.")
                              : _("The screens now open showing names whole."));
    return UI_STAY;
}

/* The vault's autolock_minutes, for everyone who opens it (audited), as
 * `carelog config set autolock_minutes` sets it. */
static ui_result settings_autolock(ui *u, view *v)
{
    (void)v;
    char initial[16], *answer;
    snprintf(initial, sizeof initial, "%d", u->autolock_seconds / 60);
    if (!ui_ask(u, _("Lock after how many idle minutes (1–240)?"), initial, &answer))
        return UI_STAY;
    cl_status st = cl_settings_set(u->vault, "autolock_minutes", answer);
    if (st == CL_OK) {
        u->autolock_seconds = atoi(answer) * 60;
        ui_say(u, false, _("The screens lock after %d idle minutes, for everyone who opens this vault."),
               u->autolock_seconds / 60);
    } else {
        ui_say(u, true, "%s", _("Give a whole number of minutes from 1 to 240; nothing was changed."));
    }
    free(answer);
    return UI_STAY;
}

/* A second counsellor's slot: their name and their own passphrase, typed
 * by them at this keyboard. */
static ui_result settings_add_counsellor(ui *u, view *v)
{
    (void)v;
    char *name;
    if (!ui_ask(u, _("The new counsellor's name:"), "", &name))
        return UI_STAY;
    cl_secret *pass = NULL;
    if (*name && ui_new_passphrase(u, _("Their passphrase (they type it; not shown):"), &pass)) {
        ui_say(u, false, "%s", _("Deriving the key…"));
        ui_redraw(u);
        cl_status st = cl_vault_counsellor_add(u->vault, name, pass);
        if (st == CL_OK) {
            u->changes++;
            ui_say(u, false, _("Added counsellor %s; they unlock with their own passphrase."), name);
        } else {
            ui_fail(u, st);
        }
    }
    cl_secret_free(pass);
    free(name);
    return UI_STAY;
}

static ui_result settings_remove_counsellor(ui *u, view *v)
{
    settings *s = settings_of(u, v);
    size_t n = s ? json_array_size(s->counsellors) : 0;
    if (n == 0)
        return UI_STAY;
    const char **names = calloc(n, sizeof *names);
    if (!names)
        return UI_STAY;
    for (size_t i = 0; i < n; i++)
        names[i] = ui_str(json_array_get(s->counsellors, i), "name");
    int choice = ui_menu(u, _("Remove which counsellor?"), names, n);
    char *name = choice >= 0 ? strdup(names[choice]) : NULL;
    free(names);
    if (!name)
        return UI_STAY;
    char question[400];
    snprintf(question, sizeof question, _("Remove %s? The key is rotated: their copy opens nothing new."),
             name);
    if (ui_confirm(u, question)) {
        cl_status st = cl_vault_counsellor_remove(u->vault, name);
        if (st == CL_OK) {
            u->changes++;
            ui_say(u, false, _("Removed counsellor %s and rotated the database key."), name);
        } else {
            ui_fail(u, st);
        }
    }
    free(name);
    return UI_STAY;
}

static ui_result settings_passphrase(ui *u, view *v)
{
    (void)v;
    cl_secret *pass = NULL;
    if (!ui_new_passphrase(u, _("Your new passphrase (not shown):"), &pass))
        return UI_STAY;
    bool rotate = ui_confirm(u, _("Could someone know the old one? Then the database key is rotated too."));
    ui_say(u, false, "%s", _("Deriving the key…"));
    ui_redraw(u);
    cl_status st = cl_vault_change_passphrase(u->vault, NULL, pass, rotate);
    cl_secret_free(pass);
    if (st != CL_OK)
        ui_fail(u, st);
    else
        ui_say(u, false, "%s", rotate ? _("The passphrase was changed and the database key rotated.")
                                      : _("The passphrase was changed."));
    return UI_STAY;
}

static ui_result settings_recovery(ui *u, view *v)
{
    (void)v;
    if (!ui_confirm(u, _("Make a new recovery key? The old one stops working at once.")))
        return UI_STAY;
    cl_secret *key = NULL;
    cl_status st = cl_vault_new_recovery_key(u->vault, &key);
    if (st != CL_OK) {
        ui_fail(u, st);
        return UI_STAY;
    }
    ui_show_recovery_key(u, key);
    cl_secret_free(key);
    return UI_STAY;
}

static ui_result settings_teachers(ui *u, view *v)
{
    (void)v;
    ui_push(u, &ui_teachers_view, NULL);
    return UI_STAY;
}

static ui_result settings_policies(ui *u, view *v)
{
    (void)v;
    ui_push(u, &ui_policies_view, NULL);
    return UI_STAY;
}

static ui_result settings_offices(ui *u, view *v)
{
    (void)v;
    ui_push(u, &ui_offices_view, NULL);
    return UI_STAY;
}

static void settings_close(view *v)
{
    settings *s = v->data;
    if (s)
        json_decref(s->counsellors);
    free(s);
}

static const ui_action settings_actions[] = {
    {'l', 0, "l", N_("Language"), true, settings_lang},
    {'a', 0, "a", N_("Auto-lock"), true, settings_autolock},
    {'v', 0, "v", N_("Privacy mode when the vault opens (on/off)"), false, settings_privacy},
    {'o', 0, "o", N_("Follow-up policies"), false, settings_policies},
    {'c', 0, "c", N_("Add a counsellor"), false, settings_add_counsellor},
    {'d', 0, "d", N_("Remove a counsellor (the key is rotated)"), false, settings_remove_counsellor},
    {'p', 0, "p", N_("Change my passphrase"), false, settings_passphrase},
    {'k', 0, "k", N_("Replace the recovery key (shown once)"), false, settings_recovery},
    {'t', 0, "t", N_("Teachers"), true, settings_teachers},
    {'f', 0, "f", N_("Protection offices"), true, settings_offices},
    {'q', UI_ESC, "q", N_("Back"), true, ui_act_back},
    {0, 0, NULL, NULL, false, NULL},
};

const view_ops ui_settings_view = {"settings", settings_actions, settings_draw, NULL, false, NULL, settings_close};

/* ---- help ---- */

static void help_draw(ui *u, view *v)
{
    const view *of = v->data;
    int y = ui_body_top();
    ui_text(u, y++, 0, u->cols, _("Keys of this screen"), A_BOLD);
    const ui_action *tables[] = {of ? of->ops->actions : NULL, ui_globals(u)};
    for (size_t t = 0; t < 2; t++) {
        for (const ui_action *a = tables[t]; a && a->key && y < u->rows - 3; a++) {
            ui_text(u, ++y, 2, 10, a->keyname, A_BOLD);
            ui_text(u, y, 12, u->cols - 12, _(a->label), 0);
        }
        y++;
    }
    if (y < u->rows - 3)
        ui_text(u, ++y, 2, u->cols - 2, _("Arrows or j/k move, PgUp/PgDn page, g/G first/last; Esc or q goes back."), 0);
}

static ui_result help_back(ui *u, view *v)
{
    (void)u;
    (void)v;
    return UI_BACK;
}

static ui_result help_key(ui *u, view *v, int key)
{
    (void)u;
    (void)v;
    (void)key;
    return UI_BACK;
}

static const ui_action help_actions[] = {
    {'q', UI_ESC, "q", N_("Back"), true, help_back},
    {0, 0, NULL, NULL, false, NULL},
};

const view_ops ui_help_view = {"help", help_actions, help_draw, help_key, false, NULL, NULL};

void ui_open_help(ui *u, const view *of)
{
    if (of && of->ops == &ui_help_view)
        return;
    ui_push(u, &ui_help_view, (void *)of);
}
