/* Terminal charts: horizontal bars of Unicode block characters, aligned by
 * display cells (Chinese labels are two cells a character), for the CLI's
 * reports and the reports screen. Plain text with no colour or escape
 * sequence, so it reads the same under NO_COLOR and in a file. */
#ifndef CARELOG_CHART_H
#define CARELOG_CHART_H

#include <stddef.h>

/* One line per bar, "LABEL  ████▍ VALUE\n", every line at most width cells
 * (width below 20 is taken as 20); labels are cut to fit (with "…") and
 * padded so the bars start in one column; the longest bar fills the room
 * left, in eighths of a cell. Returns malloc'd UTF-8, NULL when out of
 * memory; n = 0 gives "". */
char *cl_chart_bars(const char *const *labels, const long long *values, size_t n, int width);

/* The same with the labels given at most label_cells cells (cl_chart_bars
 * gives them a third of the width), for a narrow chart whose labels
 * matter more than the length of its bars. */
char *cl_chart_bars_labelled(const char *const *labels, const long long *values, size_t n, int width,
                             int label_cells);

/* A count in at most `cells` characters (cells >= 3), for a column too
 * narrow for every digit: as it is while it fits, else in thousands or
 * millions, rounded down ("19k", "1M"), so a number is never cut. */
void cl_chart_count_fit(long long n, int cells, char *out, size_t size);

#endif
