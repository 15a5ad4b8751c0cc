/* The statistics as terminal text: what `report stats` prints and the
 * reports screen draws, composed once so the two never differ. */
#include "carelog/report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "carelog/catalog.h"
#include "carelog/chart.h"
#include "carelog/i18n.h"
#include "carelog/table.h"
#include "carelog/text.h"

static const char *str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

static long long count_of(const json_t *o, const char *key)
{
    return (long long)json_integer_value(json_object_get(o, key));
}

/* English has always shown a screening's kind as typed on the command line
 * (phq9); Chinese, as its form names it. */
static const char *kind_label(cl_vault *v, const char *kind)
{
    const char *lang = cl_i18n_language();
    return strcmp(lang, "en") == 0 || !v ? kind : cl_catalog_kind_label(v, kind, lang);
}

static void put_chart(cl_buf *b, const char *const *labels, const long long *values, size_t n, int width)
{
    char *chart = cl_chart_bars(labels, values, n, width);
    cl_buf_puts(b, chart ? chart : "");
    free(chart);
}

/* The table of the groups, one row per key and a column per measure. */
static cl_status put_groups_table(cl_buf *b, const json_t *groups, const char *by, int table_width)
{
    const char *heads[16] = {by};
    size_t ncols = 1;
    for (const char *const *m = cl_report_measures; *m && ncols < 16; m++)
        heads[ncols++] = cl_report_measure_label(*m);
    cl_table *t = cl_table_new(ncols, heads);
    if (!t)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    for (size_t k = 1; k < ncols; k++)
        cl_table_align_right(t, k);
    cl_status st = CL_OK;
    size_t i;
    json_t *g;
    json_array_foreach(groups, i, g) {
        char nums[16][24];
        const char *cells[16] = {str(g, "key")};
        for (size_t k = 1; k < ncols; k++) {
            snprintf(nums[k], sizeof nums[k], "%lld", count_of(g, cl_report_measures[k - 1]));
            cells[k] = nums[k];
        }
        if (st == CL_OK)
            st = cl_table_add_row(t, cells);
    }
    /* The table prints to a stream; this one is memory only. */
    char *text = NULL;
    size_t len = 0;
    FILE *out = st == CL_OK ? open_memstream(&text, &len) : NULL;
    if (st == CL_OK && !out)
        st = cl_fail(CL_ESOFTWARE, _("out of memory"));
    if (out) {
        st = cl_table_print(t, out, table_width);
        if (fclose(out) != 0 && st == CL_OK)
            st = cl_fail(CL_ESOFTWARE, _("out of memory"));
    }
    if (st == CL_OK)
        st = cl_buf_append(b, text, len);
    free(text);
    cl_table_free(t);
    return st;
}

cl_status cl_report_stats_text(cl_vault *v, const json_t *stats, int chart_width, int table_width, char **out)
{
    *out = NULL;
    cl_buf b = {0};
    const json_t *period = json_object_get(stats, "period");
    cl_buf_printf(&b, "%s · %s – %s\n\n", str(stats, "school"), *str(period, "from") ? str(period, "from") : "…",
                  *str(period, "to") ? str(period, "to") : "…");
    const json_t *totals = json_object_get(stats, "totals");
    const char *labels[16];
    long long values[16];
    size_t n = 0;
    for (const char *const *m = cl_report_measures; *m && n < 16; m++, n++) {
        labels[n] = cl_report_measure_label(*m);
        values[n] = count_of(totals, *m);
    }
    put_chart(&b, labels, values, n, chart_width);

    cl_status st = CL_OK;
    const json_t *groups = json_object_get(stats, "groups");
    size_t ng = json_array_size(groups);
    if (ng) {
        const char *by = cl_report_dimension_label(str(stats, "by"));
        const char **gl = calloc(ng, sizeof *gl);
        long long *gv = calloc(ng, sizeof *gv);
        for (size_t i = 0; gl && gv && i < ng; i++) {
            gl[i] = str(json_array_get(groups, i), "key");
            gv[i] = count_of(json_array_get(groups, i), "students");
        }
        cl_buf_puts(&b, "\n");
        cl_buf_printf(&b, _("Students by %s:\n"), by);
        if (gl && gv)
            put_chart(&b, gl, gv, ng, chart_width);
        else
            st = cl_fail(CL_ESOFTWARE, _("out of memory"));
        free(gl);
        free(gv);
        cl_buf_puts(&b, "\n");
        if (st == CL_OK)
            st = put_groups_table(&b, groups, by, table_width);
    }
    cl_buf_puts(&b, "\n");
    cl_buf_puts(&b, _("Referrals by state:"));
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(stats, "referral_states"), i, s)
        cl_buf_printf(&b, " %s %lld", str(s, "label"), count_of(s, "count"));
    cl_buf_puts(&b, "\n");
    char *line = cl_report_feedback_text(stats);
    cl_buf_puts(&b, line ? line : "");
    free(line);
    json_array_foreach(json_object_get(stats, "screening_bands"), i, s) {
        /* One band a line: a row of them runs past 80 columns. */
        if (i == 0)
            cl_buf_printf(&b, "%s\n", _("Screenings by band:"));
        cl_buf_printf(&b, "  %s %s %lld\n", kind_label(v, str(s, "kind")), str(s, "band"), count_of(s, "count"));
    }
    char *text = cl_buf_take(&b);
    if (st == CL_OK && !text)
        st = cl_fail(CL_ESOFTWARE, _("out of memory"));
    if (st != CL_OK) {
        free(text);
        return st;
    }
    *out = text;
    return CL_OK;
}
