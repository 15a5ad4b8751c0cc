#include "carelog/lineedit.h"

#include <stdlib.h>
#include <string.h>

#include "carelog/i18n.h"
#include "carelog/text.h"

static uint32_t cp_at(const cl_line *l, size_t pos, size_t *bytes)
{
    uint32_t cp = 0;
    size_t n = cl_utf8_decode(l->text + pos, l->text + l->len, &cp);
    if (bytes)
        *bytes = n;
    return cp;
}

static bool zero_width(uint32_t cp)
{
    return cp != '\n' && cl_codepoint_width(cp) == 0;
}

/* The end of the cluster starting at pos. */
static size_t next_cluster(const cl_line *l, size_t pos)
{
    if (pos >= l->len)
        return l->len;
    size_t n;
    cp_at(l, pos, &n);
    pos += n;
    while (pos < l->len && zero_width(cp_at(l, pos, &n)))
        pos += n;
    return pos;
}

static size_t prev_codepoint(const cl_line *l, size_t pos)
{
    do
        pos--;
    while (pos > 0 && ((unsigned char)l->text[pos] & 0xC0) == 0x80);
    return pos;
}

/* The start of the cluster ending at pos. */
static size_t prev_cluster(const cl_line *l, size_t pos)
{
    if (pos == 0)
        return 0;
    pos = prev_codepoint(l, pos);
    while (pos > 0 && zero_width(cp_at(l, pos, NULL)))
        pos = prev_codepoint(l, pos);
    return pos;
}

static int cluster_width(const cl_line *l, size_t pos)
{
    return cl_codepoint_width(cp_at(l, pos, NULL));
}

static cl_status reserve(cl_line *l, size_t need)
{
    if (need + 1 <= l->cap)
        return CL_OK;
    size_t cap = l->cap ? l->cap : 64;
    while (cap < need + 1)
        cap *= 2;
    char *t = realloc(l->text, cap);
    if (!t)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    l->text = t;
    l->cap = cap;
    return CL_OK;
}

static void remember(cl_line *l)
{
    free(l->undo_text);
    l->undo_text = strdup(l->text);
    l->undo_cursor = l->cursor;
    l->changed = true;
}

/* What may stand in the text: no controls (a newline only in a multi-line
 * field), no invisible or bidirectional format characters. */
static cl_status clean(const cl_line *l, const char *in, cl_buf *out, size_t *chars)
{
    const char *p = in, *end = in + strlen(in);
    *chars = 0;
    cl_status st = CL_OK;
    while (p < end && st == CL_OK) {
        uint32_t cp;
        size_t n = cl_utf8_decode(p, end, &cp);
        if (cp == '\r' || cp == '\n') {
            if (cp == '\r' && p + 1 < end && p[1] == '\n')
                n++;
            st = cl_buf_puts(out, l->multiline ? "\n" : " ");
            ++*chars;
        } else if (cp == '\t') {
            st = cl_buf_puts(out, " ");
            ++*chars;
        } else if (cp == 0xFFFD || !cl_codepoint_unsafe(cp)) {
            st = cp == 0xFFFD ? cl_buf_puts(out, "\xEF\xBF\xBD") : cl_buf_append(out, p, n);
            ++*chars;
        }
        p += n;
    }
    if (st == CL_OK && !out->data)
        st = cl_buf_puts(out, "");
    return st;
}

cl_status cl_line_init(cl_line *l, const char *text, bool multiline, size_t max_chars)
{
    memset(l, 0, sizeof *l);
    l->multiline = multiline;
    l->max_chars = max_chars;
    cl_status st = reserve(l, 0);
    if (st != CL_OK)
        return st;
    l->text[0] = '\0';
    l->max_chars = 0;
    st = cl_line_insert(l, text ? text : "");
    l->max_chars = max_chars;
    free(l->undo_text);
    l->undo_text = NULL;
    l->changed = false;
    return st;
}

void cl_line_free(cl_line *l)
{
    free(l->text);
    free(l->undo_text);
    memset(l, 0, sizeof *l);
}

cl_status cl_line_set(cl_line *l, const char *text)
{
    cl_buf b = {0};
    size_t chars;
    cl_status st = clean(l, text ? text : "", &b, &chars);
    if (st == CL_OK && l->max_chars && chars > l->max_chars)
        st = cl_fail(CL_EDATA, _("at most %zu characters fit here"), l->max_chars);
    if (st == CL_OK)
        st = reserve(l, b.len);
    if (st == CL_OK) {
        remember(l);
        memcpy(l->text, b.data, b.len + 1);
        l->len = b.len;
        l->cursor = l->len;
    }
    cl_buf_free(&b);
    return st;
}

size_t cl_line_chars(const cl_line *l)
{
    return cl_utf8_length(l->text);
}

cl_status cl_line_insert(cl_line *l, const char *utf8)
{
    cl_buf b = {0};
    size_t chars;
    cl_status st = clean(l, utf8, &b, &chars);
    if (st == CL_OK && l->max_chars && cl_line_chars(l) + chars > l->max_chars)
        st = cl_fail(CL_EDATA, _("at most %zu characters fit here"), l->max_chars);
    if (st == CL_OK)
        st = reserve(l, l->len + b.len);
    if (st == CL_OK && b.len) {
        remember(l);
        memmove(l->text + l->cursor + b.len, l->text + l->cursor, l->len - l->cursor + 1);
        memcpy(l->text + l->cursor, b.data, b.len);
        l->len += b.len;
        l->cursor += b.len;
    }
    cl_buf_free(&b);
    return st;
}

static bool cut(cl_line *l, size_t from, size_t to)
{
    if (from >= to)
        return false;
    remember(l);
    memmove(l->text + from, l->text + to, l->len - to + 1);
    l->len -= to - from;
    l->cursor = from;
    return true;
}

bool cl_line_backspace(cl_line *l)
{
    return cut(l, prev_cluster(l, l->cursor), l->cursor);
}

bool cl_line_delete(cl_line *l)
{
    return cut(l, l->cursor, next_cluster(l, l->cursor));
}

bool cl_line_left(cl_line *l)
{
    size_t p = prev_cluster(l, l->cursor);
    bool moved = p != l->cursor;
    l->cursor = p;
    return moved;
}

bool cl_line_right(cl_line *l)
{
    size_t p = next_cluster(l, l->cursor);
    bool moved = p != l->cursor;
    l->cursor = p;
    return moved;
}

static bool is_wide_punctuation(uint32_t cp)
{
    if (cp >= 0x3000 && cp <= 0x303F)
        return true;
    return cp >= 0xFF01 && cp <= 0xFF65 && !(cp >= 0xFF10 && cp <= 0xFF19) && !(cp >= 0xFF21 && cp <= 0xFF3A) &&
           !(cp >= 0xFF41 && cp <= 0xFF5A);
}

/* Words: a run of letters and digits, or of double-width characters (a
 * Chinese phrase), between spaces and punctuation. */
static int word_class(const cl_line *l, size_t pos)
{
    uint32_t cp = cp_at(l, pos, NULL);
    if (cp == ' ' || cp == '\n' || cp == 0x3000)
        return 0;
    if (cl_codepoint_width(cp) == 2)
        return is_wide_punctuation(cp) ? 3 : 2;
    if (cp < 0x80 && !((cp | 0x20) >= 'a' && (cp | 0x20) <= 'z') && !(cp >= '0' && cp <= '9') && cp != '_')
        return 3;
    return 1;
}

static size_t word_start(const cl_line *l, size_t pos)
{
    while (pos > 0 && word_class(l, prev_cluster(l, pos)) == 0)
        pos = prev_cluster(l, pos);
    if (pos == 0)
        return 0;
    int cls = word_class(l, prev_cluster(l, pos));
    while (pos > 0 && word_class(l, prev_cluster(l, pos)) == cls)
        pos = prev_cluster(l, pos);
    return pos;
}

bool cl_line_word_left(cl_line *l)
{
    size_t p = word_start(l, l->cursor);
    bool moved = p != l->cursor;
    l->cursor = p;
    return moved;
}

bool cl_line_word_right(cl_line *l)
{
    size_t pos = l->cursor;
    if (pos < l->len) {
        int cls = word_class(l, pos);
        while (pos < l->len && cls != 0 && word_class(l, pos) == cls)
            pos = next_cluster(l, pos);
        while (pos < l->len && word_class(l, pos) == 0)
            pos = next_cluster(l, pos);
    }
    bool moved = pos != l->cursor;
    l->cursor = pos;
    return moved;
}

bool cl_line_delete_word(cl_line *l)
{
    return cut(l, word_start(l, l->cursor), l->cursor);
}

static size_t line_start(const cl_line *l, size_t pos)
{
    while (pos > 0 && l->text[pos - 1] != '\n')
        pos--;
    return pos;
}

static size_t line_end(const cl_line *l, size_t pos)
{
    while (pos < l->len && l->text[pos] != '\n')
        pos++;
    return pos;
}

bool cl_line_kill_to_end(cl_line *l)
{
    size_t to = line_end(l, l->cursor);
    if (to == l->cursor && to < l->len)
        to++; /* at a line's end, Ctrl-K joins the next line */
    return cut(l, l->cursor, to);
}

bool cl_line_home(cl_line *l)
{
    size_t p = line_start(l, l->cursor);
    bool moved = p != l->cursor;
    l->cursor = p;
    return moved;
}

bool cl_line_end(cl_line *l)
{
    size_t p = line_end(l, l->cursor);
    bool moved = p != l->cursor;
    l->cursor = p;
    return moved;
}

bool cl_line_undo(cl_line *l)
{
    if (!l->undo_text)
        return false;
    size_t n = strlen(l->undo_text);
    if (reserve(l, n) != CL_OK)
        return false;
    memcpy(l->text, l->undo_text, n + 1);
    l->len = n;
    l->cursor = l->undo_cursor <= n ? l->undo_cursor : n;
    free(l->undo_text);
    l->undo_text = NULL;
    return true;
}

int cl_line_column(const cl_line *l)
{
    int col = 0;
    for (size_t p = line_start(l, l->cursor); p < l->cursor; p = next_cluster(l, p))
        col += cluster_width(l, p);
    return col;
}

size_t cl_line_layout(const cl_line *l, int width, cl_line_row *rows, size_t max_rows, size_t *cursor_row,
                      int *cursor_col)
{
    if (width < 2)
        width = 2;
    size_t n = 0, start = 0, pos = 0;
    int cells = 0;
#define PUSH(s, e, c)                                                                    \
    do {                                                                                 \
        if (n < max_rows)                                                                \
            rows[n] = (cl_line_row){(s), (e), (c)};                                      \
        n++;                                                                             \
    } while (0)
    while (pos < l->len) {
        if (l->text[pos] == '\n') {
            if (pos == l->cursor) {
                if (cursor_row)
                    *cursor_row = n;
                if (cursor_col)
                    *cursor_col = cells;
            }
            PUSH(start, pos, cells);
            start = ++pos;
            cells = 0;
            continue;
        }
        int w = cluster_width(l, pos);
        if (cells + w > width && cells > 0) {
            PUSH(start, pos, cells);
            start = pos;
            cells = 0;
        }
        if (pos == l->cursor) {
            if (cursor_row)
                *cursor_row = n;
            if (cursor_col)
                *cursor_col = cells;
        }
        cells += w;
        pos = next_cluster(l, pos);
    }
    if (l->cursor == l->len && cells >= width) {
        PUSH(start, pos, cells);
        start = pos;
        cells = 0;
    }
    if (l->cursor == l->len) {
        if (cursor_row)
            *cursor_row = n;
        if (cursor_col)
            *cursor_col = cells;
    }
    PUSH(start, pos, cells);
#undef PUSH
    return n;
}

static bool move_row(cl_line *l, int width, int delta)
{
    size_t count = cl_line_layout(l, width, NULL, 0, NULL, NULL);
    cl_line_row *rows = malloc(count * sizeof *rows);
    if (!rows)
        return false;
    size_t row = 0;
    int col = 0;
    cl_line_layout(l, width, rows, count, &row, &col);
    bool moved = false;
    if ((delta < 0 && row > 0) || (delta > 0 && row + 1 < count)) {
        const cl_line_row *r = &rows[delta < 0 ? row - 1 : row + 1];
        size_t pos = r->start;
        int cells = 0;
        while (pos < r->end && cells + cluster_width(l, pos) <= col) {
            cells += cluster_width(l, pos);
            pos = next_cluster(l, pos);
        }
        l->cursor = pos;
        moved = true;
    }
    free(rows);
    return moved;
}

bool cl_line_up(cl_line *l, int width)
{
    return move_row(l, width, -1);
}

bool cl_line_down(cl_line *l, int width)
{
    return move_row(l, width, 1);
}
