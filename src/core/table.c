/* Command-line tables aligned by display cells. */
#include "carelog/table.h"
#include "carelog/i18n.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "carelog/text.h"

struct cl_table {
    size_t ncols;
    bool has_header;
    bool *right;
    size_t below; /* the column moved under its row when narrow, or ncols */
    bool wrap_last; /* the last column wraps instead of being cut */
    /* Row 0 is the header when has_header. Cells are stored already inert
     * so that width and printing see exactly the same text. */
    char **cells; /* nrows * ncols */
    int *widths;  /* natural width of each stored cell */
    size_t nrows, cap;
    /* Widest cell of each column among those measured or flushed
     * (cl_table_measure, cl_table_flush); NULL until then. */
    int *seen;
};

static cl_status oom(void)
{
    return cl_fail(CL_ESOFTWARE, _("out of memory"));
}

static cl_status append_row(cl_table *t, const char *const *cells)
{
    if (t->nrows == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        if (cap > SIZE_MAX / t->ncols / sizeof(char *))
            return oom();
        char **c = realloc(t->cells, cap * t->ncols * sizeof *c);
        if (!c)
            return oom();
        t->cells = c;
        int *w = realloc(t->widths, cap * t->ncols * sizeof *w);
        if (!w)
            return oom();
        t->widths = w;
        t->cap = cap;
    }
    char **row = t->cells + t->nrows * t->ncols;
    int *wrow = t->widths + t->nrows * t->ncols;
    for (size_t c = 0; c < t->ncols; c++) {
        row[c] = cl_text_inert(cells && cells[c] ? cells[c] : "", false);
        if (!row[c]) {
            while (c-- > 0)
                free(row[c]);
            return oom();
        }
        wrow[c] = cl_text_width(row[c]);
    }
    t->nrows++;
    return CL_OK;
}

cl_table *cl_table_new(size_t ncols, const char *const *headers)
{
    if (ncols == 0)
        return NULL;
    cl_table *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->ncols = ncols;
    t->below = ncols;
    t->right = calloc(ncols, sizeof *t->right);
    /* Headers are given untranslated (N_()) and shown in the interface
     * language. */
    const char *shown[64];
    if (headers && ncols <= sizeof shown / sizeof *shown)
        for (size_t c = 0; c < ncols; c++)
            shown[c] = headers[c] && *headers[c] ? _(headers[c]) : "";
    if (!t->right || (headers && append_row(t, ncols <= 64 ? shown : headers) != CL_OK)) {
        cl_table_free(t);
        return NULL;
    }
    t->has_header = headers != NULL;
    return t;
}

void cl_table_align_right(cl_table *t, size_t col)
{
    if (t && col < t->ncols)
        t->right[col] = true;
}

void cl_table_below_when_narrow(cl_table *t, size_t col)
{
    if (t && col < t->ncols)
        t->below = col;
}

void cl_table_wrap_last(cl_table *t)
{
    if (t)
        t->wrap_last = true;
}

cl_status cl_table_add_row(cl_table *t, const char *const *cells)
{
    return append_row(t, cells);
}

static cl_status need_seen(cl_table *t)
{
    if (!t->seen && !(t->seen = calloc(t->ncols, sizeof *t->seen)))
        return oom();
    return CL_OK;
}

cl_status cl_table_measure(cl_table *t, const char *const *cells)
{
    cl_status st = need_seen(t);
    for (size_t c = 0; st == CL_OK && c < t->ncols; c++) {
        char *cell = cl_text_inert(cells && cells[c] ? cells[c] : "", false);
        if (!cell)
            return oom();
        int w = cl_text_width(cell);
        free(cell);
        if (w > t->seen[c])
            t->seen[c] = w;
    }
    return st;
}

cl_status cl_table_flush(cl_table *t, FILE *out, int max_width)
{
    cl_status st = need_seen(t);
    if (st == CL_OK && t->nrows > 0)
        st = cl_table_print(t, out, max_width);
    for (size_t i = 0; i < t->nrows * t->ncols; i++) {
        if (t->widths[i] > t->seen[i % t->ncols])
            t->seen[i % t->ncols] = t->widths[i];
        free(t->cells[i]);
    }
    /* The header stands over the first block only; its widths stay. */
    t->nrows = 0;
    t->has_header = false;
    return st;
}

size_t cl_table_row_count(const cl_table *t)
{
    return t->nrows - (t->has_header ? 1 : 0);
}

/* The width of the columns laid out (all but `skip`, which may be ncols
 * for none), with two cells between them. */
static long total_width(const int *w, size_t ncols, size_t skip)
{
    long total = -2;
    for (size_t c = 0; c < ncols; c++)
        if (c != skip)
            total += w[c] + 2;
    return total < 0 ? 0 : total;
}

/* Narrows the widest column one cell at a time until the table fits, so
 * short columns (numbers, dates, classes) keep their full text and the long
 * free-text ones give way. Stops at one cell a column. Column `skip` is
 * not laid out. */
static void shrink_to(int *w, size_t ncols, size_t skip, int max_width)
{
    long total = total_width(w, ncols, skip);
    while (total > max_width) {
        size_t widest = skip == 0 ? 1 : 0;
        for (size_t c = widest + 1; c < ncols; c++)
            if (c != skip && w[c] > w[widest])
                widest = c;
        if (widest >= ncols || w[widest] <= 1)
            break;
        w[widest]--;
        total--;
    }
}

static cl_status put_line(cl_buf *line, FILE *out)
{
    while (line->len > 0 && line->data[line->len - 1] == ' ')
        line->len--;
    if (cl_buf_append(line, "\n", 1) != CL_OK)
        return CL_ESOFTWARE;
    if (fwrite(line->data, 1, line->len, out) != line->len)
        return cl_fail(CL_EIO, _("writing the table failed"));
    line->len = 0;
    return CL_OK;
}

static cl_status format_cell(cl_buf *line, const char *cell, int natural,
                             int width, bool right, bool last)
{
    if (right && natural < width) {
        for (int i = natural; i < width; i++)
            if (cl_buf_append(line, " ", 1) != CL_OK)
                return CL_ESOFTWARE;
        return cl_buf_puts(line, cell);
    }
    char *fitted = cl_text_fit(cell, width, !last);
    if (!fitted)
        return oom();
    cl_status st = cl_buf_puts(line, fitted);
    free(fitted);
    return st;
}

/* Ends the line with cell wrapped to `room` cells (at a space when the
 * line has one): the first piece follows what the line holds, each further
 * piece goes on a line of its own after `indent` spaces. The cell is
 * already inert. */
static cl_status put_wrapped(cl_buf *line, const char *cell, int indent, int room, FILE *out)
{
    if (room < 8)
        room = 8;
    const char *p = cell, *end = cell + strlen(cell);
    cl_status st = CL_OK;
    do {
        const char *stop = p + cl_text_wrap_piece(p, (size_t)(end - p), room);
        if (p > cell)
            st = cl_buf_printf(line, "%*s", indent, "");
        if (st == CL_OK)
            st = cl_buf_append(line, p, (size_t)(stop - p));
        if (st == CL_OK)
            st = put_line(line, out);
        for (p = stop; p < end && *p == ' '; p++)
            ;
    } while (p < end && st == CL_OK);
    return st;
}

/* One line of the laid-out columns of row r (its rule when rule). */
static cl_status put_row(const cl_table *t, size_t r, const int *w, size_t skip, bool rule, cl_buf *line, FILE *out)
{
    size_t n = t->ncols, last = n;
    for (size_t c = 0; c < n; c++)
        if (c != skip)
            last = c;
    cl_status st = CL_OK;
    bool first = true;
    for (size_t c = 0; c < n && st == CL_OK; c++) {
        if (c == skip)
            continue;
        if (!first)
            st = cl_buf_append(line, "  ", 2);
        first = false;
        for (int i = 0; rule && i < w[c] && st == CL_OK; i++)
            st = cl_buf_append(line, "-", 1);
        if (st == CL_OK && !rule && c == last && t->wrap_last && t->widths[r * n + c] > w[c])
            return put_wrapped(line, t->cells[r * n + c], line->len ? cl_text_width(line->data) : 0, w[c], out);
        if (st == CL_OK && !rule)
            st = format_cell(line, t->cells[r * n + c], t->widths[r * n + c], w[c], t->right[c], c == last);
    }
    return st == CL_OK ? put_line(line, out) : st;
}

cl_status cl_table_print(const cl_table *t, FILE *out, int max_width)
{
    size_t n = t->ncols;
    int *w = calloc(n, sizeof *w);
    if (!w)
        return oom();
    for (size_t r = 0; r < t->nrows; r++)
        for (size_t c = 0; c < n; c++)
            if (t->widths[r * n + c] > w[c])
                w[c] = t->widths[r * n + c];
    for (size_t c = 0; t->seen && c < n; c++)
        if (t->seen[c] > w[c])
            w[c] = t->seen[c];
    /* The column kept for narrow terminals goes under its rows. */
    size_t skip = max_width > 0 && t->below < n && total_width(w, n, n) > max_width && n > 1 ? t->below : n;
    if (max_width > 0)
        shrink_to(w, n, skip, max_width);

    cl_buf line = {0};
    cl_status st = CL_OK;
    for (size_t r = 0; r < t->nrows && st == CL_OK; r++) {
        st = put_row(t, r, w, skip, false, &line, out);
        if (st == CL_OK && r == 0 && t->has_header)
            st = put_row(t, r, w, skip, true, &line, out);
        else if (st == CL_OK && skip < n && *t->cells[r * n + skip]) {
            st = cl_buf_puts(&line, "    ");
            if (st == CL_OK)
                st = put_wrapped(&line, t->cells[r * n + skip], 4, max_width - 4, out);
        }
    }
    if (st == CL_OK && fflush(out) != 0)
        st = cl_fail(CL_EIO, _("writing the table failed"));
    cl_buf_free(&line);
    free(w);
    return st;
}

void cl_table_free(cl_table *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->nrows * t->ncols; i++)
        free(t->cells[i]);
    free(t->cells);
    free(t->widths);
    free(t->right);
    free(t->seen);
    free(t);
}
