/* Tables for the command line: columns aligned by display width, so
 * Chinese text (two cells a character) lines up with ASCII.
 *
 * Every cell is printed inert and on one line (cl_text_fit), so control
 * characters, escape sequences and bidi controls in stored text never reach
 * the terminal. */
#ifndef CARELOG_TABLE_H
#define CARELOG_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "carelog/status.h"

typedef struct cl_table cl_table;

/* A table of ncols columns (at least one). headers holds ncols strings, or
 * is NULL for a table without a header line. The strings are copied. NULL on
 * allocation failure or ncols == 0. */
cl_table *cl_table_new(size_t ncols, const char *const *headers);

/* Right-aligns a column (counts, ages); columns are left-aligned by
 * default. Ignored for a column that does not exist. */
void cl_table_align_right(cl_table *t, size_t col);

/* Marks a column of free text (a reason, a label) that moves under its row
 * when the table is wider than max_width: the other columns are laid out
 * without it (its header is left out) and each row's cell follows on
 * lines of its own, indented by four spaces and wrapped to max_width, so a
 * narrow terminal shows the whole text rather than a few cells of it. At
 * most one column; ignored for a column that does not exist. */
void cl_table_below_when_narrow(cl_table *t, size_t col);

/* Makes the last column wrap rather than cut when the table is narrowed:
 * a longer cell goes on over further lines, starting in its column (for
 * tables of a key and its value, such as a student's file). */
void cl_table_wrap_last(cl_table *t);

/* Appends a row of ncols cells, copied; a NULL cell is empty.
 * CL_ESOFTWARE when out of memory. */
cl_status cl_table_add_row(cl_table *t, const char *const *cells);

size_t cl_table_row_count(const cl_table *t);

/* Prints the header, a rule of '-', then the rows. Columns are as wide as
 * their widest cell, with two spaces between them. When max_width > 0 (the
 * terminal's width) and the table is wider, the widest columns are narrowed
 * in turn and their cells cut with "…". Lines carry no trailing spaces.
 * CL_EIO when writing fails. */
cl_status cl_table_print(const cl_table *t, FILE *out, int max_width);

/* A table too long to hold, printed a block at a time with the columns of
 * the whole: first every row is measured (the widths it would need, the
 * cells not kept), then the rows are added again and flushed every so
 * many. The blocks together print exactly what the whole table would. */
cl_status cl_table_measure(cl_table *t, const char *const *cells);

/* Prints the rows added since the last flush (the header with the first
 * block only) as wide as every row measured or flushed, and lets them go. */
cl_status cl_table_flush(cl_table *t, FILE *out, int max_width);

void cl_table_free(cl_table *t);

#endif
