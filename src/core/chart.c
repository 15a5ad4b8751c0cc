#include "carelog/chart.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "carelog/text.h"

char *cl_chart_bars(const char *const *labels, const long long *values, size_t n, int width)
{
    return cl_chart_bars_labelled(labels, values, n, width, (width < 20 ? 20 : width) / 3);
}

char *cl_chart_bars_labelled(const char *const *labels, const long long *values, size_t n, int width,
                             int label_cells)
{
    /* Eighths of a cell, from one eighth to a whole block. */
    static const char *const parts[8] = {"▏", "▎", "▍", "▌", "▋", "▊", "▉", "█"};
    if (width < 20)
        width = 20;
    int label_w = 0, value_w = 1;
    long long max = 0;
    for (size_t i = 0; i < n; i++) {
        int w = cl_text_width(labels[i]);
        if (w > label_w)
            label_w = w;
        char num[32];
        int k = snprintf(num, sizeof num, "%lld", values[i]);
        if (k > value_w)
            value_w = k;
        if (values[i] > max)
            max = values[i];
    }
    if (label_w > label_cells)
        label_w = label_cells > 1 ? label_cells : 1;
    int bar_w = width - label_w - value_w - 3; /* two spaces after the label, one before the value */
    cl_buf b = {0};
    cl_buf_puts(&b, "");
    for (size_t i = 0; i < n; i++) {
        char *label = cl_text_fit(labels[i], label_w, true);
        cl_buf_puts(&b, label ? label : "");
        free(label);
        cl_buf_puts(&b, "  ");
        long long eighths = max > 0 && values[i] > 0 ? values[i] * bar_w * 8 / max : 0;
        if (values[i] > 0 && eighths == 0)
            eighths = 1; /* a count that is not zero always shows */
        for (long long k = 0; k < eighths / 8; k++)
            cl_buf_puts(&b, parts[7]);
        if (eighths % 8)
            cl_buf_puts(&b, parts[eighths % 8 - 1]);
        cl_buf_printf(&b, " %lld\n", values[i]);
    }
    return cl_buf_take(&b);
}

void cl_chart_count_fit(long long n, int cells, char *out, size_t size)
{
    static const struct {
        long long unit;
        const char *suffix;
    } scales[] = {{1, ""}, {1000, "k"}, {1000000, "M"}, {1000000000, "G"}};
    for (size_t i = 0; i < sizeof scales / sizeof *scales; i++)
        if (snprintf(out, size, "%lld%s", n / scales[i].unit, scales[i].suffix) <= cells)
            return;
}
