/* The screens' own pieces (src/ui), shared by the frame and the views.
 *
 * Each view is a small table of operations (open data, draw, handle a key,
 * close) and a table of actions; the key bindings, the bottom bar and the
 * `?` help are all generated from that one table, so help never drifts
 * from the code. A new screen (search, reports, the teachers' inbox) is one
 * more view_ops with its own actions. */
#ifndef CARELOG_UI_H
#define CARELOG_UI_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "carelog/form.h"
#include "carelog/lineedit.h"
#include "carelog/vault.h"

/* Keys: characters are their code point; curses function keys are marked
 * so that they never meet a typed character (KEY_* overlaps Latin letters
 * such as ā). */
#define UI_FN(k) ((k) | 0x1000000)
#define UI_CTRL(c) ((c) & 0x1f)
#define UI_ESC 27
#define UI_ENTER 10
#define UI_TAB 9
#define UI_PASTE_START UI_FN(0x7ff0)
#define UI_PASTE_END UI_FN(0x7ff1)
#define UI_TICK UI_FN(0x7ff2)   /* no key within a second (idle check) */
#define UI_RESIZE UI_FN(0x7ff3)
#define UI_EOF UI_FN(0x7ff4)    /* the script ended */

typedef struct ui ui;
typedef struct view view;

/* What a key handler asks of the frame. */
typedef enum ui_result { UI_STAY, UI_BACK, UI_QUIT } ui_result;

typedef struct ui_action {
    int key, key2;         /* key2: another key for the same (vi keys), 0 = none */
    const char *keyname;   /* as shown: "Enter", "/", "n" */
    const char *label;     /* N_(): what it does */
    bool bar;              /* shown on the bottom bar */
    ui_result (*run)(ui *u, view *v);
} ui_action;

typedef struct view_ops {
    const char *name;              /* "home" */
    const ui_action *actions;      /* ends with {0} */
    void (*draw)(ui *u, view *v);
    /* A key no action took (typing into a field); may be NULL. */
    ui_result (*key)(ui *u, view *v, int key);
    bool typing; /* keys are text: the global keys that are characters (?) stay out */
    /* Before the vault locks: keep unsaved work (drafts). May be NULL. */
    void (*keep)(ui *u, view *v);
    void (*close)(view *v);
} view_ops;

struct view {
    const view_ops *ops;
    void *data;
    view *below;
};

/* A list a view shows, behind one small interface so that paged core calls
 * can replace the whole-array ones without touching any view. */
typedef struct row_source row_source;
struct row_source {
    size_t (*count)(row_source *r);
    const json_t *(*at)(row_source *r, size_t i); /* borrowed; valid until the next call or free */
    void (*free)(row_source *r);
};
row_source *rows_from_array(json_t *array); /* takes the reference */
/* Rows that come a page at a time, in order, for a list too long to read
 * whole: first (taken; NULL = none yet) are there at once, and a row past
 * the loaded ones makes fetch append the next page to rows (false, or
 * nothing appended: the list ends there). Moving among loaded rows asks
 * the core nothing. count is the whole list's as the core counted it (the
 * list ends where the pages end). ctx_free (may be NULL) frees ctx with the
 * rows. */
typedef bool rows_fetch_fn(void *ctx, json_t *rows);
row_source *rows_appended(json_t *first, size_t count, rows_fetch_fn *fetch, void *ctx, void (*ctx_free)(void *));
void rows_free(row_source *r);

/* A cursor over rows: which one is chosen and which is drawn first. */
typedef struct list_pos {
    size_t sel, top;
} list_pos;
/* Moves by a key (arrows, j/k, PgUp/PgDn, g/G, Home/End); true if taken. */
bool list_key(list_pos *p, size_t count, int page, int key);
void list_clamp(list_pos *p, size_t count, int page);

struct ui {
    cl_vault *vault;        /* NULL while locked */
    char *vault_dir;
    view *top;
    int rows, cols;
    bool color;
    char message[512];      /* one line above the bar */
    bool message_error;
    int autolock_seconds;
    char lang[8];           /* "zh" or "en" for form labels */
    bool language_given;    /* --lang: neither screens.conf nor the vault changes it */
    double last_input;      /* ui_clock() of the last key */
    bool quit;
    unsigned long changes;  /* counts saves; a view whose data is older reloads */
    unsigned long session;  /* counts unlocks and locks; caches of one vault opening follow it */
    bool locked_now;        /* set by ui_lock, for views that must stop */
    bool privacy;           /* lists show students as surname + initials (^P; the vault's privacy_mode at unlock) */
    char private_names[4][64]; /* ui_student_name's answers, a few alive at once */
    unsigned next_private;
    struct ui_script *script;
    bool teacher;           /* the teacher's screen: no vault; locking (^X, idle) leaves */
    const char *title;      /* the top bar's words when no vault is open */
};

/* ---- frame.c ---- */
/* Sets up the terminal, runs views from first until the last one closes,
 * and restores the terminal; teacher_title (NULL for the counsellor's
 * screens) makes it the teacher's screen. Returns the exit code. */
/* language_given: the command line named the language (--lang), which then
 * holds over screens.conf and the vault's setting. */
int ui_main(const char *vault_dir, const view_ops *first, void *first_data, const char *teacher_title,
            bool language_given);
extern const ui_action ui_global_actions[]; /* ?, lock, redraw: in every view */
/* The global keys of this screen (the teacher's leave instead of locking). */
const ui_action *ui_globals(const ui *u);
view *ui_push(ui *u, const view_ops *ops, void *data);
void ui_pop(ui *u);
void ui_say(ui *u, bool error, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The failing core call's message on the message line. */
void ui_fail(ui *u, cl_status st);
/* Reads the next key (the script's in test mode), handling resize. */
int ui_getkey(ui *u);
/* Redraws every visible piece: the top view, bars and message. */
void ui_redraw(ui *u);
double ui_clock(ui *u);
/* Saves drafts, wipes the key, clears the screen, back to unlock. */
void ui_lock(ui *u);
/* Opens the view for the vault just unlocked. */
void ui_unlocked(ui *u);
/* The language (and the teacher's screen's auto-lock) in
 * $XDG_CONFIG_HOME/carelog/screens.conf; a vault's screens take their
 * auto-lock and privacy mode from the vault at each unlock. */
void ui_settings_save(ui *u);

/* ---- draw.c ---- */
enum { UI_PAIR_RISK1 = 1, UI_PAIR_RISK2, UI_PAIR_RISK3, UI_PAIR_BAR, UI_PAIR_ERROR, UI_PAIR_TITLE };
/* Draws text (made inert, on one line) at y,x in at most cells cells;
 * returns the cells used. Widths by cl_codepoint_width. */
int ui_text(ui *u, int y, int x, int cells, const char *text, int attr);
/* ui_text padded with spaces to exactly cells. */
void ui_text_pad(ui *u, int y, int x, int cells, const char *text, int attr);
int ui_textf(ui *u, int y, int x, int cells, int attr, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
int ui_risk_attr(ui *u, long long risk);
const char *ui_risk_symbol(long long risk);
/* "3 crisis" ("3 危机"): a risk level with its name, in the interface language. */
const char *ui_risk_label(int risk);
/* A student's name as a list shows it: whole, or in privacy mode the
 * surname and initials (cl_student_private_name). The answer lives until
 * the fourth call after. A file the counsellor opened shows the name whole. */
const char *ui_student_name(ui *u, const char *name);
/* A horizontal bar chart: label and value per bar, at y, h rows tall. */
void ui_chart(ui *u, int y, int x, int w, const char *title, const char *const *labels, const long long *values,
              size_t n);
/* Columns for a count per period (weeks): h rows tall, colw cells each. */
void ui_columns(ui *u, int y, int x, int h, int colw, const char *title, const long long *values, size_t n);
/* The area between the top bar and the message line. */
int ui_body_top(void);
int ui_body_rows(ui *u);
/* The label of a choice of a form's field ("guardians.relation" for a
 * group's subfield) in the interface language (the id itself when there is
 * none); a record kind by its form's title. */
const char *ui_choice_label(ui *u, const char *kind, const char *field, const char *id);
const char *ui_kind_label(ui *u, const char *kind);
/* The same where a column is narrow: the form's short name ("辅导"). */
const char *ui_kind_short(ui *u, const char *kind);
/* The field of a JSON object as display text ("" for null). */
const char *ui_str(const json_t *o, const char *key);
long long ui_int(const json_t *o, const char *key);

/* ---- prompt.c ---- */
/* Asks for one line at the bottom (text kept; Esc: false). */
bool ui_ask(ui *u, const char *question, const char *initial, char **answer);
/* Asks for one line at the bottom in l (set up by the caller), calling
 * changed(u, text, ctx) after each key that changes it, so the view behind
 * follows the typing; ends at Enter, Esc or Ctrl-C (the text is kept). */
typedef void ui_typed_fn(ui *u, const char *text, void *ctx);
void ui_ask_live(ui *u, const char *question, cl_line *l, ui_typed_fn *changed, void *ctx);
/* y/n question; true for yes. */
bool ui_confirm(ui *u, const char *question);
/* Chooses one of n labels; -1 for Esc. */
int ui_menu(ui *u, const char *title, const char *const *labels, size_t n);
/* A key for a line being edited (movement, deletion, undo, typing); true
 * when taken. width: the cells its rows are laid out in. */
bool ui_line_key(cl_line *l, int key, int width, bool *pasting, ui *u);
/* Draws a line editor's text in a box of h rows × w cells at y,x, scrolled
 * so the cursor shows; places the cursor when focus. */
void ui_line_draw(ui *u, const cl_line *l, int y, int x, int h, int w, bool focus, int attr);

/* A passphrase typed with echo off, straight into protected memory. */
typedef struct ui_secret_input {
    struct cl_secret *buf; /* 1 KiB, sodium_malloc'd */
    size_t len;
} ui_secret_input;
/* Typing and Backspace; true when taken. */
bool ui_secret_key(ui_secret_input *in, int key);
/* The typed secret as its own cl_secret (NULL on failure); the input is wiped. */
struct cl_secret *ui_secret_take(ui_secret_input *in);
void ui_secret_clear(ui_secret_input *in);
void ui_secret_free(ui_secret_input *in);
/* A passphrase typed with echo off on the message line (Esc: false). */
bool ui_ask_secret(ui *u, const char *question, struct cl_secret **out);
/* A new passphrase: at least 8 characters, typed twice the same; false
 * (saying why) otherwise. */
bool ui_new_passphrase(ui *u, const char *first, struct cl_secret **out);
void ui_modal_enter(void);
void ui_modal_leave(void);

/* ---- views (view_*.c) ---- */
extern const view_ops ui_unlock_view, ui_firstrun_view, ui_home_view, ui_students_view, ui_student_view,
    ui_record_view, ui_editor_view, ui_referrals_view, ui_settings_view, ui_help_view, ui_search_view,
    ui_inbox_view, ui_inbox_item_view, ui_reports_view, ui_teachers_view, ui_offices_view, ui_policies_view;
/* Shows a recovery key once, with the warning, until y. */
void ui_show_recovery_key(ui *u, const struct cl_secret *key);
/* An action for "q"/Esc: back to the view below. */
ui_result ui_act_back(ui *u, view *v);
/* An action opening the search of every record, which asks for the words
 * at once (home's / and the students list's S). Inbox item: one observation. */
ui_result ui_act_search(ui *u, view *v);
void ui_open_inbox_item(ui *u, long long id);
void ui_open_reports(ui *u);
void ui_open_student(ui *u, long long id);
void ui_open_record(ui *u, long long id);
/* A new record of kind for the student, an edit of record_id (kind and
 * student from the record), or a draft to resume (draft: its object). */
void ui_open_editor(ui *u, const char *kind, long long student_id, long long record_id, const json_t *draft);
void ui_open_help(ui *u, const view *of);
/* The record editor over a form that is no vault's (the teacher's
 * observation): no drafts; ^S hands the values to done (which owns them
 * and says what the editor does next), Esc asks before throwing the
 * typing away. heading: who it is about. */
typedef ui_result (*ui_form_done)(ui *u, json_t *values, void *ctx);
void ui_open_form_editor(ui *u, const cl_form *form, const char *heading, ui_form_done done, void *ctx);

/* ---- script.c (only in a build with CARELOG_TEST_HOOKS) ---- */
struct ui_script *ui_script_open(void);
/* The next key from the script, acting on its commands (size, dump,
 * advance) on the way; UI_EOF at its end. */
int ui_script_key(ui *u);
double ui_script_clock(const struct ui_script *s);
void ui_script_close(struct ui_script *s);

#endif
