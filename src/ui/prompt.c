/* Prompts on the message line, menus, and passphrases typed with echo off. */
#define _XOPEN_SOURCE_EXTENDED 1
#include <curses.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "carelog/i18n.h"
#include "carelog/secret.h"
#include "carelog/text.h"
#include "ui.h"

static size_t utf8_encode(uint32_t cp, char out[5])
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

bool ui_line_key(cl_line *l, int key, int width, bool *pasting, ui *u)
{
    bool paste = pasting && *pasting;
    switch (key) {
    case UI_PASTE_START:
        if (pasting)
            *pasting = true;
        return true;
    case UI_PASTE_END:
        if (pasting)
            *pasting = false;
        return true;
    case UI_FN(KEY_LEFT):
    case UI_CTRL('b'):
        cl_line_left(l);
        return true;
    case UI_FN(KEY_RIGHT):
    case UI_CTRL('f'):
        cl_line_right(l);
        return true;
    case UI_FN(KEY_HOME):
    case UI_CTRL('a'):
        cl_line_home(l);
        return true;
    case UI_FN(KEY_END):
    case UI_CTRL('e'):
        cl_line_end(l);
        return true;
    case UI_FN(KEY_SLEFT):
    case UI_FN(0x221): /* Ctrl-Left in xterm */
        cl_line_word_left(l);
        return true;
    case UI_FN(KEY_SRIGHT):
    case UI_FN(0x230):
        cl_line_word_right(l);
        return true;
    case UI_FN(KEY_BACKSPACE):
    case 127:
    case 8:
        cl_line_backspace(l);
        return true;
    case UI_FN(KEY_DC):
    case UI_CTRL('d'):
        cl_line_delete(l);
        return true;
    case UI_CTRL('w'):
        cl_line_delete_word(l);
        return true;
    case UI_CTRL('k'):
        cl_line_kill_to_end(l);
        return true;
    case UI_CTRL('z'):
    case UI_CTRL('_'):
        cl_line_undo(l);
        return true;
    case UI_FN(KEY_UP):
        return l->multiline && cl_line_up(l, width);
    case UI_FN(KEY_DOWN):
        return l->multiline && cl_line_down(l, width);
    default:
        break;
    }
    if ((key == 13 || key == UI_ENTER) && !(paste || (l->multiline && key == UI_ENTER)))
        return false;
    if (key == 13 || key == UI_ENTER)
        key = '\n';
    if (key == UI_TAB && !paste)
        return false;
    if (key & 0x1000000 || (key < ' ' && key != '\n' && key != UI_TAB) || key == 127)
        return false;
    char buf[5] = {0};
    buf[utf8_encode((uint32_t)key, buf)] = '\0';
    cl_status st = cl_line_insert(l, buf);
    if (st != CL_OK && u)
        ui_fail(u, st);
    return true;
}

void ui_line_draw(ui *u, const cl_line *l, int y, int x, int h, int w, bool focus, int attr)
{
    size_t count = cl_line_layout(l, w, NULL, 0, NULL, NULL);
    cl_line_row *rows = malloc(count * sizeof *rows);
    if (!rows)
        return;
    size_t crow = 0;
    int ccol = 0;
    cl_line_layout(l, w, rows, count, &crow, &ccol);
    size_t first = crow >= (size_t)h ? crow - (size_t)h + 1 : 0;
    for (int r = 0; r < h; r++) {
        size_t i = first + (size_t)r;
        char *piece = NULL;
        if (i < count) {
            size_t n = rows[i].end - rows[i].start;
            piece = malloc(n + 1);
            if (piece) {
                memcpy(piece, l->text + rows[i].start, n);
                piece[n] = '\0';
            }
        }
        ui_text_pad(u, y + r, x, w, piece ? piece : "", attr);
        free(piece);
    }
    if (focus) {
        move(y + (int)(crow - first), x + ccol);
        curs_set(1);
    }
    free(rows);
}

void ui_ask_live(ui *u, const char *question, cl_line *l, ui_typed_fn *changed, void *ctx)
{
    ui_modal_enter();
    for (;;) {
        ui_redraw(u);
        move(u->rows - 2, 0);
        clrtoeol();
        int qw = ui_text(u, u->rows - 2, 0, 40, question, A_BOLD) + 1;
        ui_line_draw(u, l, u->rows - 2, qw, 1, u->cols - qw - 1, true, 0);
        refresh();
        int key = ui_getkey(u);
        if (key == UI_EOF || key == UI_ENTER || key == 13 || key == UI_ESC || key == UI_CTRL('c'))
            break;
        char *before = strdup(l->text);
        ui_line_key(l, key, u->cols, NULL, u);
        if (before && strcmp(before, l->text) != 0)
            changed(u, l->text, ctx);
        free(before);
    }
    ui_modal_leave();
    curs_set(0);
}

bool ui_ask(ui *u, const char *question, const char *initial, char **answer)
{
    cl_line l;
    if (cl_line_init(&l, initial, false, 4000) != CL_OK)
        return false;
    bool pasting = false, ok = false, done = false;
    ui_modal_enter();
    while (!done) {
        ui_redraw(u);
        int y = u->rows - 2;
        move(y, 0);
        clrtoeol();
        int qw = ui_text(u, y, 0, u->cols / 2, question, A_BOLD);
        ui_text(u, y, qw, 1, " ", 0);
        ui_line_draw(u, &l, y, qw + 1, 1, u->cols - qw - 2, true, 0);
        refresh();
        int key = ui_getkey(u);
        if (key == UI_EOF || key == UI_ESC || key == UI_CTRL('c'))
            done = true;
        else if ((key == 13 || key == UI_ENTER) && !pasting)
            done = ok = true;
        else
            ui_line_key(&l, key, u->cols, &pasting, u);
    }
    ui_modal_leave();
    curs_set(0);
    if (ok) {
        *answer = strdup(l.text);
        ok = *answer != NULL;
    }
    cl_line_free(&l);
    return ok;
}

bool ui_confirm(ui *u, const char *question)
{
    ui_modal_enter();
    bool yes = false;
    for (;;) {
        ui_redraw(u);
        move(u->rows - 2, 0);
        clrtoeol();
        ui_textf(u, u->rows - 2, 0, u->cols, A_BOLD, "%s %s", question, _("[y/n]"));
        refresh();
        int key = ui_getkey(u);
        if (key == 'y' || key == 'Y') {
            yes = true;
            break;
        }
        if (key == 'n' || key == 'N' || key == UI_ESC || key == UI_EOF || key == UI_CTRL('c'))
            break;
    }
    ui_modal_leave();
    return yes;
}

int ui_menu(ui *u, const char *title, const char *const *labels, size_t n)
{
    list_pos pos = {0, 0};
    int w = cl_text_width(title) + 4;
    for (size_t i = 0; i < n; i++)
        if (cl_text_width(labels[i]) + 8 > w)
            w = cl_text_width(labels[i]) + 8;
    if (w > u->cols - 4)
        w = u->cols - 4;
    int choice = -1;
    ui_modal_enter();
    for (;;) {
        ui_redraw(u);
        int h = (int)n < u->rows - 8 ? (int)n : u->rows - 8;
        int y = (u->rows - h) / 2 - 1, x = (u->cols - w) / 2;
        ui_text_pad(u, y, x, w, title, A_REVERSE | A_BOLD);
        list_clamp(&pos, n, h);
        for (int r = 0; r < h; r++) {
            size_t i = pos.top + (size_t)r;
            char line[512];
            snprintf(line, sizeof line, " %zu %s", i + 1, labels[i]);
            ui_text_pad(u, y + 1 + r, x, w, line, i == pos.sel ? A_REVERSE : 0);
        }
        ui_text_pad(u, y + 1 + h, x, w, "", A_REVERSE);
        refresh();
        int key = ui_getkey(u);
        if (key == UI_ESC || key == 'q' || key == UI_EOF || key == UI_CTRL('c'))
            break;
        if (key == UI_ENTER || key == 13) {
            choice = n ? (int)pos.sel : -1;
            break;
        }
        if (key >= '1' && key <= '9' && (size_t)(key - '1') < n) {
            choice = key - '1';
            break;
        }
        list_key(&pos, n, h, key);
    }
    ui_modal_leave();
    return choice;
}

#define SECRET_MAX 1024

bool ui_secret_key(ui_secret_input *in, int key)
{
    if (!in->buf && cl_secret_new(SECRET_MAX, &in->buf) != CL_OK)
        return false;
    if (key == UI_FN(KEY_BACKSPACE) || key == 127 || key == 8) {
        while (in->len > 0 && (in->buf->bytes[--in->len] & 0xC0) == 0x80)
            in->buf->bytes[in->len] = 0;
        in->buf->bytes[in->len] = 0;
        return true;
    }
    if (key & 0x1000000 || key < ' ' || key == 127)
        return false;
    char enc[5];
    size_t n = utf8_encode((uint32_t)key, enc);
    if (in->len + n < SECRET_MAX) {
        memcpy(in->buf->bytes + in->len, enc, n);
        in->len += n;
    }
    sodium_memzero(enc, sizeof enc);
    return true;
}

cl_secret *ui_secret_take(ui_secret_input *in)
{
    cl_secret *out = NULL;
    if (in->buf && cl_secret_copy(in->buf->bytes, in->len, &out) != CL_OK)
        out = NULL;
    ui_secret_clear(in);
    return out;
}

void ui_secret_clear(ui_secret_input *in)
{
    if (in->buf)
        sodium_memzero(in->buf->bytes, SECRET_MAX);
    in->len = 0;
}

void ui_secret_free(ui_secret_input *in)
{
    cl_secret_free(in->buf);
    in->buf = NULL;
    in->len = 0;
}

bool ui_ask_secret(ui *u, const char *question, cl_secret **out)
{
    ui_secret_input in = {0};
    bool ok = false, done = false;
    ui_modal_enter();
    while (!done) {
        ui_redraw(u);
        int y = u->rows - 2;
        move(y, 0);
        clrtoeol();
        int qw = ui_text(u, y, 0, u->cols - 1, question, A_BOLD);
        move(y, qw < u->cols - 1 ? qw + 1 : qw);
        curs_set(1);
        refresh();
        int key = ui_getkey(u);
        if (key == UI_EOF || key == UI_ESC || key == UI_CTRL('c'))
            done = true;
        else if (key == 13 || key == UI_ENTER)
            done = ok = in.len > 0;
        else
            ui_secret_key(&in, key);
    }
    ui_modal_leave();
    curs_set(0);
    *out = ok ? ui_secret_take(&in) : NULL;
    ui_secret_free(&in);
    return *out != NULL;
}

bool ui_new_passphrase(ui *u, const char *first, cl_secret **out)
{
    cl_secret *pass = NULL, *again = NULL;
    *out = NULL;
    if (!ui_ask_secret(u, first, &pass))
        return false;
    if (cl_utf8_length((const char *)pass->bytes) < 8) {
        cl_secret_free(pass);
        ui_say(u, true, "%s", _("A passphrase needs at least 8 characters; nothing was changed."));
        return false;
    }
    if (!ui_ask_secret(u, _("Type it again (not shown):"), &again)) {
        cl_secret_free(pass);
        return false;
    }
    bool same = pass->len == again->len && sodium_memcmp(pass->bytes, again->bytes, pass->len) == 0;
    cl_secret_free(again);
    if (!same) {
        cl_secret_free(pass);
        ui_say(u, true, "%s", _("The two passphrases differ; nothing was changed."));
        return false;
    }
    *out = pass;
    return true;
}
