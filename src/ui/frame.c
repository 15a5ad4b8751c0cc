/* The frame: curses set up and torn down, the stack of views, keys to
 * actions, the top and bottom bars, resize, idle auto-lock. */
#define _XOPEN_SOURCE_EXTENDED 1
#include "carelog/screens.h"

#include <curses.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "carelog/file.h"
#include "carelog/i18n.h"
#include "carelog/settings.h"
#include "carelog/text.h"
#include "carelog/vault.h"
#include "ui.h"

/* A closed terminal (SIGHUP) or a kill (SIGTERM): the loop keeps the drafts
 * and leaves. The handler only sets the flag; curses is never called from
 * a signal handler. */
static volatile sig_atomic_t hangup;

static ui_result act_help(ui *u, view *v)
{
    ui_open_help(u, v);
    return UI_STAY;
}

static ui_result act_lock(ui *u, view *v)
{
    (void)v;
    ui_lock(u);
    return UI_STAY;
}

/* For this session only: the vault's privacy_mode says how the next
 * unlock starts. */
static ui_result act_privacy(ui *u, view *v)
{
    (void)v;
    u->privacy = !u->privacy;
    ui_say(u, false, "%s", u->privacy ? _("Privacy mode: students shown as surname and initials in lists.")
                                      : _("Privacy mode off: names shown whole."));
    return UI_STAY;
}

static ui_result act_redraw(ui *u, view *v)
{
    (void)v;
    clearok(curscr, TRUE);
    (void)u;
    return UI_STAY;
}

ui_result ui_act_back(ui *u, view *v)
{
    (void)u;
    (void)v;
    return UI_BACK;
}

/* Keys every view has; shown in every help. */
const ui_action ui_global_actions[] = {
    {'?', UI_FN(KEY_F(1)), "?/F1", N_("Help: the keys of this screen"), true, act_help},
    {UI_CTRL('x'), 0, "^X", N_("Lock now"), true, act_lock},
    {UI_CTRL('p'), 0, "^P", N_("Privacy mode on or off (names as surname and initials)"), false, act_privacy},
    {UI_CTRL('l'), 0, "^L", N_("Redraw"), false, act_redraw},
    {0, 0, NULL, NULL, false, NULL},
};

/* On the teacher's screen ^X leaves: there is no vault to lock, and what
 * was typed is not kept (ui_lock). */
static const ui_action teacher_global_actions[] = {
    {'?', UI_FN(KEY_F(1)), "?/F1", N_("Help: the keys of this screen"), true, act_help},
    {UI_CTRL('x'), 0, "^X", N_("Leave now: nothing typed is kept"), true, act_lock},
    {UI_CTRL('l'), 0, "^L", N_("Redraw"), false, act_redraw},
    {0, 0, NULL, NULL, false, NULL},
};

const ui_action *ui_globals(const ui *u)
{
    return u->teacher ? teacher_global_actions : ui_global_actions;
}

view *ui_push(ui *u, const view_ops *ops, void *data)
{
    view *v = calloc(1, sizeof *v);
    if (!v) {
        if (ops->close) {
            view tmp = {ops, data, NULL};
            ops->close(&tmp);
        }
        return NULL;
    }
    v->ops = ops;
    v->data = data;
    v->below = u->top;
    u->top = v;
    return v;
}

void ui_pop(ui *u)
{
    view *v = u->top;
    if (!v)
        return;
    u->top = v->below;
    if (v->ops->close)
        v->ops->close(v);
    free(v);
}

void ui_say(ui *u, bool error, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(u->message, sizeof u->message, fmt, ap);
    va_end(ap);
    u->message_error = error;
}

void ui_fail(ui *u, cl_status st)
{
    const char *m = cl_error_message();
    ui_say(u, true, "%s", st != CL_OK && *m ? m : _("that did not work"));
}

double ui_clock(ui *u)
{
    if (u->script)
        return ui_script_clock(u->script);
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static bool too_small(const ui *u)
{
    return u->rows < 24 || u->cols < 80;
}

static void draw_bars(ui *u)
{
    int bar = u->color ? COLOR_PAIR(UI_PAIR_BAR) : A_REVERSE;
    move(0, 0);
    clrtoeol();
    char left[300];
    if (u->vault)
        snprintf(left, sizeof left, " carelog · %s · %s%s", cl_vault_school(u->vault), cl_vault_user(u->vault),
                 u->privacy ? _(" · privacy mode") : "");
    else
        snprintf(left, sizeof left, " carelog%s%s", u->title ? " · " : "", u->title ? u->title : "");
    ui_text_pad(u, 0, 0, u->cols, left, bar);
    if (u->vault && u->autolock_seconds > 0) {
        int left_s = u->autolock_seconds - (int)(ui_clock(u) - u->last_input);
        if (left_s < 0)
            left_s = 0;
        char lock[64];
        snprintf(lock, sizeof lock, _("locks in %d:%02d "), left_s / 60, left_s % 60);
        int w = cl_text_width(lock);
        ui_text(u, 0, u->cols - w, w, lock, bar);
    }
    /* The bottom bar: the view's own keys, then the ones every view has. */
    move(u->rows - 1, 0);
    clrtoeol();
    int x = 0;
    const ui_action *tables[] = {u->top ? u->top->ops->actions : NULL, ui_globals(u)};
    for (size_t t = 0; t < 2; t++)
        for (const ui_action *a = tables[t]; a && a->key; a++) {
            if (!a->bar)
                continue;
            /* The bar shows a label up to its colon: "Help: the keys…" → "Help". */
            char label[64];
            snprintf(label, sizeof label, "%s", _(a->label));
            label[strcspn(label, ":")] = '\0';
            char *wide_colon = strstr(label, "：");
            if (wide_colon)
                *wide_colon = '\0';
            int need = cl_text_width(a->keyname) + 1 + cl_text_width(label) + 2;
            if (x + need > u->cols)
                break;
            x += ui_text(u, u->rows - 1, x, u->cols - x, a->keyname, A_REVERSE);
            x += ui_text(u, u->rows - 1, x, u->cols - x, " ", 0);
            x += ui_text(u, u->rows - 1, x, u->cols - x, label, 0);
            x += ui_text(u, u->rows - 1, x, u->cols - x, "  ", 0);
        }
    move(u->rows - 2, 0);
    clrtoeol();
    if (u->message[0])
        ui_text(u, u->rows - 2, 0, u->cols, u->message,
                u->message_error ? (u->color ? COLOR_PAIR(UI_PAIR_ERROR) | A_BOLD : A_BOLD) : 0);
}

void ui_redraw(ui *u)
{
    erase();
    if (too_small(u)) {
        ui_text(u, 0, 0, u->cols, _("Make the window larger: carelog needs 80×24."), A_BOLD);
        ui_text(u, 1, 0, u->cols, _("q leaves."), 0);
        refresh();
        return;
    }
    if (u->top && u->top->ops->draw)
        u->top->ops->draw(u, u->top);
    draw_bars(u);
    refresh();
}

static int modal_depth;

int ui_getkey(ui *u)
{
    for (;;) {
        int key;
        if (hangup)
            return UI_EOF;
        if (u->script) {
            key = ui_script_key(u);
        } else {
            wint_t wc;
            int rc = get_wch(&wc);
            if (rc == ERR)
                key = UI_TICK;
            else if (rc == KEY_CODE_YES)
                key = wc == KEY_RESIZE ? UI_RESIZE : UI_FN((int)wc);
            else
                key = (int)wc;
        }
        if (key == UI_RESIZE) {
            getmaxyx(stdscr, u->rows, u->cols);
            return key; /* every loop that reads keys draws again */
        }
        if (key == UI_TICK) {
            bool idle = (u->vault || u->teacher) && u->autolock_seconds > 0 &&
                        ui_clock(u) - u->last_input >= u->autolock_seconds;
            if (modal_depth && idle)
                return UI_ESC; /* the prompt gives way; the frame locks next */
            if (modal_depth)
                continue;
            return key;
        }
        if (key != UI_EOF)
            u->last_input = ui_clock(u);
        return key;
    }
}

/* For prompts: while one is open, the frame does not lock underneath it. */
void ui_modal_enter(void)
{
    modal_depth++;
}
void ui_modal_leave(void)
{
    modal_depth--;
}

void ui_lock(ui *u)
{
    /* The teacher's screen holds no vault: locking leaves, and what was
     * typed goes with it (a teacher's draft is kept nowhere). */
    if (u->teacher) {
        while (u->top)
            ui_pop(u);
        u->quit = true;
        return;
    }
    for (view *v = u->top; v; v = v->below)
        if (v->ops->keep && u->vault)
            v->ops->keep(u, v);
    while (u->top)
        ui_pop(u);
    cl_vault_close(u->vault); /* the key is wiped here */
    u->vault = NULL;
    u->session++;
    u->locked_now = true;
    erase();
    clearok(curscr, TRUE);
    refresh();
    ui_push(u, &ui_unlock_view, NULL);
}

/* Each unlock starts as the vault's settings say — what the school chose
 * for everyone (`carelog config set`, or the settings screen): privacy
 * mode, the idle time before locking, and the language unless it is auto
 * (then the locale, or this user's last choice in screens.conf). */
static void settings_from_vault(ui *u)
{
    char *mode = NULL, *minutes = NULL, *lang = NULL;
    if (cl_settings_get(u->vault, "privacy_mode", &mode) == CL_OK)
        u->privacy = strcmp(mode, "on") == 0;
    if (cl_settings_get(u->vault, "autolock_minutes", &minutes) == CL_OK)
        u->autolock_seconds = atoi(minutes) * 60;
    if (!u->language_given && cl_settings_get(u->vault, "language", &lang) == CL_OK && strcmp(lang, "auto") != 0 &&
        cl_i18n_set_language(lang) == CL_OK)
        snprintf(u->lang, sizeof u->lang, "%s", cl_i18n_language());
    cl_error_clear();
    free(mode);
    free(minutes);
    free(lang);
}

void ui_unlocked(ui *u)
{
    u->session++;
    settings_from_vault(u);
    while (u->top)
        ui_pop(u);
    u->last_input = ui_clock(u);
    u->message[0] = '\0';
    ui_push(u, &ui_home_view, NULL);
}

static ui_result dispatch(ui *u, int key)
{
    view *v = u->top;
    if (!v)
        return UI_QUIT;
    if (too_small(u))
        return key == 'q' ? UI_QUIT : UI_STAY;
    for (const ui_action *a = v->ops->actions; a && a->key; a++)
        if ((key == a->key || (a->key2 && key == a->key2)) && a->run)
            return a->run(u, v);
    bool typing = v->ops->typing;
    for (const ui_action *a = ui_globals(u); a->key; a++)
        if ((key == a->key || (a->key2 && key == a->key2)) && !(typing && a->key >= ' '))
            return a->run(u, v);
    if (v->ops->key)
        return v->ops->key(u, v, key);
    return UI_STAY;
}

/* ---- settings ---- */

static char *settings_path(void)
{
    const char *cfg = getenv("XDG_CONFIG_HOME");
    const char *home = getenv("HOME");
    if (cfg && *cfg)
        return cl_strdup_printf("%s/carelog/screens.conf", cfg);
    return home ? cl_strdup_printf("%s/.config/carelog/screens.conf", home) : NULL;
}

static void settings_load(ui *u)
{
    u->autolock_seconds = 300;
    snprintf(u->lang, sizeof u->lang, "%s", cl_i18n_language());
    char *path = settings_path();
    unsigned char *text = NULL;
    size_t len = 0;
    if (path && cl_file_read(path, 4096, &text, &len) == CL_OK) {
        char lang[8] = "";
        int secs;
        for (char *line = strtok((char *)text, "\n"); line; line = strtok(NULL, "\n")) {
            if (sscanf(line, "autolock=%d", &secs) == 1 && secs >= 0 && secs <= 86400)
                u->autolock_seconds = secs;
            else if (!u->language_given && sscanf(line, "lang=%7s", lang) == 1 && cl_i18n_set_language(lang) == CL_OK)
                snprintf(u->lang, sizeof u->lang, "%s", cl_i18n_language());
        }
    }
    cl_error_clear();
    free(text);
    free(path);
}

void ui_settings_save(ui *u)
{
    char *path = settings_path();
    char text[64];
    int n = snprintf(text, sizeof text, "lang=%s\nautolock=%d\n", u->lang, u->autolock_seconds);
    cl_status st = path ? CL_OK : cl_fail(CL_ENOTFOUND, _("there is no home folder to keep settings in"));
    if (st == CL_OK) {
        char *dir = strdup(path);
        char *slash = dir ? strrchr(dir, '/') : NULL;
        if (slash) {
            *slash = '\0';
            char *parent = strrchr(dir, '/');
            if (parent) {
                *parent = '\0';
                mkdir(dir, 0700);
                *parent = '/';
            }
            mkdir(dir, 0700);
        }
        free(dir);
        st = cl_file_write_atomic(path, text, (size_t)n);
    }
    if (st == CL_OK)
        ui_say(u, false, _("Settings saved."));
    else
        ui_fail(u, st);
    free(path);
}

/* ---- start and end ---- */


static void on_hangup(int sig)
{
    (void)sig;
    hangup = 1;
}

static void on_notice(const char *message, void *ctx)
{
    ui *u = ctx;
    ui_say(u, true, "%s", message);
    ui_redraw(u);
}

bool cl_screens_available(void)
{
#ifdef CARELOG_TEST_HOOKS
    if (getenv("CARELOG_SCREEN_SCRIPT"))
        return true;
#endif
    return isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
}

/* Wide characters need a UTF-8 character type even when the Chinese
 * locale the user asked for is not installed. */
static void utf8_ctype(void)
{
    if (strcmp(nl_langinfo(CODESET), "UTF-8") != 0)
        setlocale(LC_CTYPE, "C.UTF-8");
}

int cl_screens_main(const char *vault_dir, bool language_given)
{
    return ui_main(vault_dir, cl_vault_exists(vault_dir) ? &ui_unlock_view : &ui_firstrun_view, NULL, NULL,
                   language_given);
}

int ui_main(const char *vault_dir, const view_ops *first, void *first_data, const char *teacher_title,
            bool language_given)
{
    ui u = {0};
    u.language_given = language_given;
    u.teacher = teacher_title != NULL;
    u.title = teacher_title;
    u.vault_dir = strdup(vault_dir);
    if (!u.vault_dir)
        return CL_ESOFTWARE;
    utf8_ctype();
    settings_load(&u);
    u.script = ui_script_open();
    FILE *null_out = NULL, *null_in = NULL;
    if (u.script) {
        null_out = fopen("/dev/null", "w");
        null_in = fopen("/dev/null", "r");
        if (!null_out || !null_in || !newterm("xterm", null_out, null_in)) {
            fprintf(stderr, _("carelog: the screen script needs the xterm terminal description\n"));
            return CL_ESOFTWARE;
        }
        resize_term(24, 80);
    } else {
        initscr();
        timeout(1000);
        /* Bracketed paste: a pasted paragraph arrives marked, never as keys. */
        fputs("\033[?2004h", stdout);
        fflush(stdout);
        define_key("\033[200~", 0x7ff0);
        define_key("\033[201~", 0x7ff1);
    }
    raw();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    set_escdelay(25);
    u.color = !getenv("NO_COLOR") && has_colors();
    if (u.color) {
        start_color();
        use_default_colors();
        init_pair(UI_PAIR_RISK1, COLOR_YELLOW, -1);
        init_pair(UI_PAIR_RISK2, COLOR_MAGENTA, -1);
        init_pair(UI_PAIR_RISK3, COLOR_RED, -1);
        init_pair(UI_PAIR_BAR, COLOR_BLACK, COLOR_CYAN);
        init_pair(UI_PAIR_ERROR, COLOR_RED, -1);
        init_pair(UI_PAIR_TITLE, COLOR_CYAN, -1);
    }
    getmaxyx(stdscr, u.rows, u.cols);
    cl_vault_set_notice(on_notice, &u);
    struct sigaction sa = {0};
    sa.sa_handler = on_hangup;
    sigaction(SIGHUP, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    u.last_input = ui_clock(&u);
    ui_push(&u, first, first_data);
    while (!u.quit && u.top && !hangup) {
        ui_redraw(&u);
        int key = ui_getkey(&u);
        if (key == UI_EOF || hangup)
            break;
        if (key == UI_TICK || key == UI_RESIZE) {
            if ((u.vault || u.teacher) && u.autolock_seconds > 0 && ui_clock(&u) - u.last_input >= u.autolock_seconds)
                ui_lock(&u);
            continue;
        }
        /* A key from the unlock screen must not lose a message the lock
         * left; elsewhere the message line lasts until the next key. */
        if (u.vault || u.teacher)
            u.message[0] = '\0';
        ui_result r = dispatch(&u, key);
        if (r == UI_BACK)
            ui_pop(&u);
        else if (r == UI_QUIT)
            u.quit = true;
        if ((u.vault || u.teacher) && u.autolock_seconds > 0 && ui_clock(&u) - u.last_input >= u.autolock_seconds)
            ui_lock(&u);
    }
    for (view *v = u.top; v; v = v->below)
        if (v->ops->keep && u.vault)
            v->ops->keep(&u, v);
    while (u.top)
        ui_pop(&u);
    cl_vault_set_notice(NULL, NULL);
    cl_vault_close(u.vault);
    erase();
    refresh();
    endwin();
    if (!u.script) {
        fputs("\033[?2004l", stdout);
        fflush(stdout);
    }
    ui_script_close(u.script);
    if (null_out)
        fclose(null_out);
    if (null_in)
        fclose(null_in);
    free(u.vault_dir);
    return 0;
}
