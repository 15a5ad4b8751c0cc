/* Settings (language, auto-lock) and the help screen generated from the
 * action table of the screen it was asked on. */
#define _XOPEN_SOURCE_EXTENDED 1
#include <curses.h>
#include <stdlib.h>
#include <string.h>

#include "carelog/i18n.h"
#include "carelog/text.h"
#include "ui.h"

static void settings_draw(ui *u, view *v)
{
    (void)v;
    int y = ui_body_top();
    ui_text(u, y, 0, u->cols, _("Settings"), A_BOLD);
    ui_textf(u, y + 2, 2, u->cols - 2, 0, "%s %s", _("Interface language (l):"), strcmp(u->lang, "zh") == 0 ? "中文" : "English");
    if (u->autolock_seconds > 0)
        ui_textf(u, y + 3, 2, u->cols - 2, 0, _("Lock after idle (a): %d minutes"), u->autolock_seconds / 60);
    else
        ui_text(u, y + 3, 2, u->cols - 2, _("Lock after idle (a): never"), 0);
    ui_text(u, y + 5, 2, u->cols - 2, _("Counsellors, passphrases, the recovery key and follow-up policies are"), A_DIM);
    ui_text(u, y + 6, 2, u->cols - 2, _("changed from the command line for now: carelog counsellor, passwd, recovery, policy."), A_DIM);
}

static ui_result settings_lang(ui *u, view *v)
{
    (void)v;
    const char *next = strcmp(u->lang, "zh") == 0 ? "en" : "zh";
    if (cl_i18n_set_language(next) == CL_OK)
        snprintf(u->lang, sizeof u->lang, "%s", next);
    ui_settings_save(u);
    u->changes++; /* labels from the forms follow the language */
    return UI_STAY;
}

static ui_result settings_autolock(ui *u, view *v)
{
    (void)v;
    char initial[16], *answer;
    snprintf(initial, sizeof initial, "%d", u->autolock_seconds / 60);
    if (!ui_ask(u, _("Lock after how many idle minutes (1–240, 0 never)?"), initial, &answer))
        return UI_STAY;
    char *end;
    long minutes = strtol(answer, &end, 10);
    bool ok = *answer && *end == '\0' && minutes >= 0 && minutes <= 240;
    free(answer);
    if (!ok) {
        ui_say(u, true, "%s", _("Give a whole number of minutes from 0 to 240; nothing was changed."));
        return UI_STAY;
    }
    u->autolock_seconds = (int)minutes * 60;
    ui_settings_save(u);
    return UI_STAY;
}

static ui_result settings_back(ui *u, view *v)
{
    (void)u;
    (void)v;
    return UI_BACK;
}

static const ui_action settings_actions[] = {
    {'l', 0, "l", N_("Language"), true, settings_lang},
    {'a', 0, "a", N_("Auto-lock"), true, settings_autolock},
    {'q', UI_ESC, "q", N_("Back"), true, settings_back},
    {0, 0, NULL, NULL, false, NULL},
};

const view_ops ui_settings_view = {"settings", settings_actions, settings_draw, NULL, false, NULL, NULL};

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
