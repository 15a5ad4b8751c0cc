/* The line editor: the text of one field being typed, as a pure model with
 * no terminal in it, so the screens only draw it and tests drive it.
 *
 * The text is UTF-8; the cursor is a byte offset that always stands on the
 * start of a character cluster (a code point with the zero-width marks that
 * follow it, so "é" written e + U+0301 moves and deletes as one). Widths
 * are display cells by the program's one width table (cl_codepoint_width):
 * a CJK character is two cells and is never split across rows. */
#ifndef CARELOG_LINEEDIT_H
#define CARELOG_LINEEDIT_H

#include <stdbool.h>
#include <stddef.h>

#include "carelog/status.h"

typedef struct cl_line {
    char *text;        /* NUL-terminated UTF-8, owned */
    size_t len, cap;
    size_t cursor;     /* byte offset into text */
    size_t max_chars;  /* code points allowed; 0 = no limit */
    bool multiline;    /* newlines kept (long text); else they become spaces */
    char *undo_text;   /* the text before the last edit, NULL when none */
    size_t undo_cursor;
    bool changed;      /* edited since cl_line_init / cl_line_mark_saved */
} cl_line;

/* One row of the text laid out in `width` cells: bytes [start, end), and
 * whether the row ends at a newline in the text. */
typedef struct cl_line_row {
    size_t start, end;
    int cells;
} cl_line_row;

/* Starts with a copy of text (NULL = empty), the cursor at its end. Invalid
 * UTF-8 bytes are kept out (each becomes U+FFFD). */
cl_status cl_line_init(cl_line *l, const char *text, bool multiline, size_t max_chars);
void cl_line_free(cl_line *l);
/* Replaces the whole text (undoable). */
cl_status cl_line_set(cl_line *l, const char *text);

/* Inserts typed or pasted text at the cursor. Control characters are
 * dropped, a tab becomes a space, a newline (or \r\n, or a lone \r) stays
 * only in a multi-line field; invalid UTF-8 becomes U+FFFD. Text beyond
 * max_chars is refused whole: CL_EDATA and nothing changes. */
cl_status cl_line_insert(cl_line *l, const char *utf8);

/* Editing and movement; each returns false when there was nothing to do. */
bool cl_line_backspace(cl_line *l);   /* the cluster before the cursor */
bool cl_line_delete(cl_line *l);      /* the cluster at the cursor */
bool cl_line_delete_word(cl_line *l); /* back to the start of the word (Ctrl-W) */
bool cl_line_kill_to_end(cl_line *l); /* to the end of the line (Ctrl-K) */
bool cl_line_left(cl_line *l);
bool cl_line_right(cl_line *l);
bool cl_line_word_left(cl_line *l);
bool cl_line_word_right(cl_line *l);
bool cl_line_home(cl_line *l);        /* start of the current line */
bool cl_line_end(cl_line *l);         /* end of the current line */
/* Moves to the row above or below as laid out in width cells, keeping the
 * display column as near as the text allows. */
bool cl_line_up(cl_line *l, int width);
bool cl_line_down(cl_line *l, int width);
/* Undoes the last edit (one level); false when there is none. */
bool cl_line_undo(cl_line *l);

/* Code points in the text. */
size_t cl_line_chars(const cl_line *l);
/* Display column of the cursor within its line of text (not wrapped). */
int cl_line_column(const cl_line *l);

/* Lays the text out in rows of at most width cells (width >= 2): breaks at
 * newlines, and before a character that would not fit, so a double-width
 * character at the end of a row moves whole to the next. Fills at most
 * max_rows rows and returns how many the whole text needs; *cursor_row and
 * *cursor_col (either may be NULL) tell where the cursor is drawn. A one-line
 * text is laid out the same way (the window may show one row of it). */
size_t cl_line_layout(const cl_line *l, int width, cl_line_row *rows, size_t max_rows, size_t *cursor_row,
                      int *cursor_col);

#endif
