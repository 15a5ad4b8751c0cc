/* Unlock, and the first-run walk-through that creates a vault. */
#define _XOPEN_SOURCE_EXTENDED 1
#include <curses.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "carelog/catalog.h"
#include "carelog/i18n.h"
#include "carelog/search.h"
#include "carelog/secret.h"
#include "carelog/storage.h"
#include "carelog/text.h"
#include "ui.h"

typedef struct unlock {
    ui_secret_input pass;
    char error[256];
} unlock;

static unlock *unlock_of(view *v)
{
    if (!v->data)
        v->data = calloc(1, sizeof(unlock));
    return v->data;
}

static void unlock_draw(ui *u, view *v)
{
    unlock *s = unlock_of(v);
    int y = u->rows / 2 - 3;
    ui_text(u, y, 4, u->cols - 8, _("The vault is locked."), A_BOLD);
    char *dir = cl_strdup_printf(_("Vault: %s"), u->vault_dir);
    ui_text(u, y + 1, 4, u->cols - 8, dir ? dir : "", 0);
    free(dir);
    ui_text(u, y + 3, 4, u->cols - 8, _("Passphrase (not shown as you type):"), 0);
    if (s && s->error[0])
        ui_text(u, y + 5, 4, u->cols - 8, s->error, u->color ? COLOR_PAIR(UI_PAIR_ERROR) | A_BOLD : A_BOLD);
    ui_text(u, y + 7, 4, u->cols - 8, _("Enter unlocks · Esc clears · q or Ctrl-C leaves"), A_DIM);
    move(y + 4, 4);
    curs_set(1);
}

/* An older vault is upgraded at its first unlock, which can take minutes
 * on a large one: the message line says so and keeps moving. */
static void upgrade_shown(cl_upgrade_phase phase, int schema, unsigned long steps, void *ctx)
{
    ui *u = ctx;
    static const char spin[] = "|/-\\";
    if (phase == CL_UPGRADE_GOING)
        ui_say(u, false, _("Upgrading the vault to schema %d %c"), schema, spin[steps % 4]);
    else
        ui_say(u, phase == CL_UPGRADE_STOPPED, "%s",
               phase == CL_UPGRADE_DONE ? _("Upgrading the vault: done.")
                                        : _("Upgrading the vault: stopped; nothing was changed."));
    ui_redraw(u);
}

static void indexing_shown(long long indexed, void *ctx)
{
    ui *u = ctx;
    ui_say(u, false, _("Indexing the records for search: %lld…"), indexed);
    ui_redraw(u);
}

static ui_result unlock_key(ui *u, view *v, int key)
{
    unlock *s = unlock_of(v);
    if (!s)
        return UI_QUIT;
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
    if (s->pass.len == 0)
        return UI_STAY;
    cl_secret *secret = ui_secret_take(&s->pass);
    if (!secret)
        return UI_QUIT;
    s->error[0] = '\0';
    ui_say(u, false, "%s", _("Deriving the key…"));
    ui_redraw(u);
    cl_vault *vault = NULL;
    cl_db_on_upgrade(upgrade_shown, u);
    cl_search_on_progress(indexing_shown, u);
    cl_status st = cl_vault_open(u->vault_dir, secret, false, &vault);
    cl_db_on_upgrade(NULL, NULL);
    cl_search_on_progress(NULL, NULL);
    cl_secret_free(secret);
    u->message[0] = '\0';
    if (st == CL_EPERM) {
        snprintf(s->error, sizeof s->error, "%s", _("That passphrase does not open this vault. Try again."));
        return UI_STAY;
    }
    if (st != CL_OK) {
        snprintf(s->error, sizeof s->error, "%s", cl_error_message());
        return UI_STAY;
    }
    u->vault = vault;
    curs_set(0);
    ui_unlocked(u); /* closes this view */
    return UI_STAY;
}

static void unlock_close(view *v)
{
    unlock *s = v->data;
    if (s)
        ui_secret_free(&s->pass);
    free(s);
}

static const ui_action unlock_actions[] = {{0, 0, NULL, NULL, false, NULL}};

const view_ops ui_unlock_view = {"unlock", unlock_actions, unlock_draw, unlock_key, true, NULL, unlock_close};

/* ---- first run ---- */

enum step { ASK_SCHOOL, ASK_NAME, ASK_PASS, ASK_REPEAT, SHOW_KEY };

typedef struct firstrun {
    enum step step;
    cl_line school, name;
    ui_secret_input pass, repeat;
    char error[256];
    char key[96]; /* the recovery key, shown once; wiped when confirmed */
} firstrun;

/* The recovery key, shown once, with the plain warning (first run, and
 * when a counsellor replaces it in the settings). */
static void draw_recovery_key(ui *u, int y, int w, const char *key)
{
    ui_text(u, y, 4, w, _("Recovery key — shown this once:"), A_BOLD);
    ui_text(u, y + 2, 8, w - 4, key, A_BOLD);
    ui_text(u, y + 4, 4, w, _("Write it down or print it, and keep it locked away from this computer."), 0);
    ui_text(u, y + 5, 4, w, _("It opens the vault if every passphrase is forgotten;"), 0);
    ui_text(u, y + 6, 4, w, _("anyone holding it can read everything."), A_BOLD);
    ui_text(u, y + 8, 4, w, _("Press y once it is written down."), 0);
    curs_set(0);
}

static firstrun *firstrun_of(view *v)
{
    if (!v->data) {
        firstrun *f = calloc(1, sizeof *f);
        if (f && (cl_line_init(&f->school, "", false, 200) != CL_OK || cl_line_init(&f->name, "", false, 100) != CL_OK)) {
            free(f);
            f = NULL;
        }
        v->data = f;
    }
    return v->data;
}

static void firstrun_draw(ui *u, view *v)
{
    firstrun *f = firstrun_of(v);
    if (!f)
        return;
    int y = 2, w = u->cols - 8;
    ui_text(u, y, 4, w, _("Welcome to carelog. There is no vault here yet; let us create one."), A_BOLD);
    char *dir = cl_strdup_printf(_("It will be kept at %s"), u->vault_dir);
    ui_text(u, y + 1, 4, w, dir ? dir : "", 0);
    free(dir);
    if (f->step == SHOW_KEY) {
        draw_recovery_key(u, y + 3, w, f->key);
        return;
    }
    ui_text(u, y + 3, 4, 30, _("School name:"), 0);
    ui_line_draw(u, &f->school, y + 3, 34, 1, w - 30, f->step == ASK_SCHOOL, A_UNDERLINE);
    if (f->step >= ASK_NAME) {
        ui_text(u, y + 4, 4, 30, _("Your name as a counsellor:"), 0);
        ui_line_draw(u, &f->name, y + 4, 34, 1, w - 30, f->step == ASK_NAME, A_UNDERLINE);
    }
    if (f->step >= ASK_PASS)
        ui_text(u, y + 6, 4, w, _("Choose a passphrase (at least 8 characters, not shown):"), 0);
    if (f->step >= ASK_REPEAT)
        ui_text(u, y + 7, 4, w, _("Type it again:"), 0);
    if (f->error[0])
        ui_text(u, y + 9, 4, w, f->error, u->color ? COLOR_PAIR(UI_PAIR_ERROR) | A_BOLD : A_BOLD);
    ui_text(u, y + 11, 4, w, _("Enter goes on · Ctrl-C leaves and creates nothing"), A_DIM);
    if (f->step == ASK_PASS || f->step == ASK_REPEAT) {
        move(y + (f->step == ASK_PASS ? 6 : 7), 4 + cl_text_width(f->step == ASK_PASS ? _("Choose a passphrase (at least 8 characters, not shown):") : _("Type it again:")) + 1);
        curs_set(1);
    }
}

static ui_result create(ui *u, firstrun *f)
{
    cl_secret *pass = ui_secret_take(&f->pass), *again = ui_secret_take(&f->repeat), *recovery = NULL;
    bool same = pass && again && pass->len == again->len && sodium_memcmp(pass->bytes, again->bytes, pass->len) == 0;
    cl_secret_free(again);
    if (!same) {
        cl_secret_free(pass);
        snprintf(f->error, sizeof f->error, "%s", _("The two passphrases differ; choose one again."));
        f->step = ASK_PASS;
        return UI_STAY;
    }
    ui_say(u, false, "%s", _("Measuring this machine to choose the passphrase cost…"));
    ui_redraw(u);
    const char *user = *f->name.text ? f->name.text : (getenv("USER") ? getenv("USER") : "counsellor");
    const char *school = *f->school.text ? f->school.text : "未命名学校 (unnamed school)";
    cl_vault *vault = NULL;
    cl_status st = cl_vault_init(u->vault_dir, school, user, pass, &recovery, &vault);
    cl_secret_free(pass);
    u->message[0] = '\0';
    if (st == CL_OK)
        st = cl_catalog_install_builtin(vault);
    if (st != CL_OK && !vault) {
        snprintf(f->error, sizeof f->error, "%s", cl_error_message());
        f->step = ASK_PASS;
        return UI_STAY;
    }
    if (st != CL_OK)
        ui_fail(u, st);
    cl_recovery_key_format(recovery, f->key, sizeof f->key);
    cl_secret_free(recovery);
    u->vault = vault;
    u->last_input = ui_clock(u);
    f->step = SHOW_KEY;
    return UI_STAY;
}

static ui_result firstrun_key(ui *u, view *v, int key)
{
    firstrun *f = firstrun_of(v);
    if (!f || key == UI_CTRL('c'))
        return UI_QUIT;
    bool enter = key == UI_ENTER || key == 13;
    switch (f->step) {
    case ASK_SCHOOL:
    case ASK_NAME:
        if (enter)
            f->step++;
        else
            ui_line_key(f->step == ASK_SCHOOL ? &f->school : &f->name, key, u->cols, NULL, u);
        break;
    case ASK_PASS:
        if (!enter) {
            ui_secret_key(&f->pass, key);
        } else if (!f->pass.buf || cl_utf8_length((const char *)f->pass.buf->bytes) < 8) {
            snprintf(f->error, sizeof f->error, "%s", _("A passphrase needs at least 8 characters."));
            ui_secret_clear(&f->pass);
        } else {
            f->error[0] = '\0';
            f->step = ASK_REPEAT;
        }
        break;
    case ASK_REPEAT:
        if (!enter)
            ui_secret_key(&f->repeat, key);
        else
            return create(u, f);
        break;
    case SHOW_KEY:
        if (key == 'y' || key == 'Y') {
            sodium_memzero(f->key, sizeof f->key);
            ui_unlocked(u);
        }
        break;
    }
    return UI_STAY;
}

static void firstrun_close(view *v)
{
    firstrun *f = v->data;
    if (!f)
        return;
    cl_line_free(&f->school);
    cl_line_free(&f->name);
    ui_secret_free(&f->pass);
    ui_secret_free(&f->repeat);
    sodium_memzero(f->key, sizeof f->key);
    free(f);
}

const view_ops ui_firstrun_view = {"first run", unlock_actions, firstrun_draw, firstrun_key, true, NULL, firstrun_close};

/* ---- a new recovery key (settings) ---- */

typedef struct shown_key {
    char key[96];
} shown_key;

static void shown_key_draw(ui *u, view *v)
{
    shown_key *k = v->data;
    ui_text(u, ui_body_top(), 0, u->cols, _("The old recovery key no longer opens the vault."), A_BOLD);
    draw_recovery_key(u, ui_body_top() + 2, u->cols - 8, k->key);
}

static ui_result shown_key_key(ui *u, view *v, int key)
{
    (void)u;
    (void)v;
    return key == 'y' || key == 'Y' ? UI_BACK : UI_STAY;
}

static void shown_key_close(view *v)
{
    shown_key *k = v->data;
    if (k)
        sodium_memzero(k->key, sizeof k->key);
    free(k);
}

static const ui_action shown_key_actions[] = {{'y', 'Y', "y", N_("It is written down"), true, ui_act_back},
                                              {0, 0, NULL, NULL, false, NULL}};

static const view_ops shown_key_view = {"recovery key", shown_key_actions, shown_key_draw, shown_key_key, true, NULL,
                                        shown_key_close};

void ui_show_recovery_key(ui *u, const cl_secret *key)
{
    shown_key *k = calloc(1, sizeof *k);
    if (!k)
        return;
    cl_recovery_key_format(key, k->key, sizeof k->key);
    ui_push(u, &shown_key_view, k);
}
