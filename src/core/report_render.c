/* A report as CSV, Markdown, PDF or JSON (the xlsx is in report_xlsx.c). */
#include "carelog/report.h"

#include <iconv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "carelog/csv.h"
#include "carelog/document.h"
#include "carelog/i18n.h"
#include "carelog/text.h"

static const char *str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

/* A cell as text: numbers in decimal, null as "". malloc'd. */
static char *cell_text(const json_t *cell)
{
    if (json_is_integer(cell))
        return cl_strdup_printf("%lld", (long long)json_integer_value(cell));
    return strdup(json_is_string(cell) ? json_string_value(cell) : "");
}

static char *period_text(const json_t *report)
{
    const json_t *p = json_object_get(report, "period");
    const char *from = str(p, "from"), *to = str(p, "to");
    return cl_strdup_printf("%s – %s", *from ? from : "…", *to ? to : "…");
}

/* ---- CSV ---------------------------------------------------------------- */

static cl_status to_gb18030(cl_buf *utf8, unsigned char **out, size_t *len)
{
    iconv_t cd = iconv_open("GB18030", "UTF-8");
    if (cd == (iconv_t)-1)
        return cl_fail(CL_ESOFTWARE, _("this system cannot convert to GB18030 (iconv)"));
    size_t cap = utf8->len * 2 + 16;
    char *dst = malloc(cap);
    if (!dst) {
        iconv_close(cd);
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    }
    char *ip = utf8->data ? utf8->data : (char *)(uintptr_t) "";
    size_t ileft = utf8->len, oleft = cap;
    char *op = dst;
    size_t rc = iconv(cd, &ip, &ileft, &op, &oleft);
    iconv_close(cd);
    if (rc == (size_t)-1) {
        free(dst);
        return cl_fail(CL_EDATA, _("a cell cannot be written in GB18030; use --encoding utf-8"));
    }
    *out = (unsigned char *)dst;
    *len = cap - oleft;
    return CL_OK;
}

static cl_status render_csv(const json_t *report, const char *encoding, unsigned char **out, size_t *len)
{
    bool gb = encoding && (strcmp(encoding, "gb18030") == 0 || strcmp(encoding, "gbk") == 0);
    if (encoding && !gb && strcmp(encoding, "utf-8") != 0 && strcmp(encoding, "utf8") != 0)
        return cl_fail(CL_EUSAGE, _("--encoding takes utf-8 or gb18030"));
    cl_buf b = {0};
    if (!gb)
        cl_buf_puts(&b, "\xef\xbb\xbf"); /* the BOM by which Excel knows UTF-8 */
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(report, "columns"), i, c) {
        if (i)
            cl_buf_puts(&b, ",");
        cl_csv_write_field_safe(&b, str(c, "label"));
    }
    cl_buf_puts(&b, "\r\n");
    json_t *row;
    json_array_foreach(json_object_get(report, "rows"), i, row) {
        size_t k;
        json_array_foreach(json_object_get(row, "cells"), k, c) {
            if (k)
                cl_buf_puts(&b, ",");
            char *text = cell_text(c);
            cl_csv_write_field_safe(&b, text ? text : "");
            free(text);
        }
        cl_buf_puts(&b, "\r\n");
    }
    cl_status st = CL_OK;
    if (!b.data)
        st = cl_fail(CL_ESOFTWARE, _("out of memory"));
    else if (gb)
        st = to_gb18030(&b, out, len);
    else {
        *len = b.len;
        *out = (unsigned char *)cl_buf_take(&b);
    }
    if (b.data) {
        memset(b.data, 0, b.cap);
        cl_buf_free(&b);
    }
    return st;
}

/* ---- PDF and Markdown ------------------------------------------------ */

/* A document with a report's title, page footer (school and fingerprint)
 * and meta lines. */
static cl_doc *doc_begin(const json_t *report, const char *title, bool landscape)
{
    cl_doc *d = cl_doc_new(title);
    if (!d)
        return NULL;
    cl_doc_set_landscape(d, landscape);
    char *footer = cl_strdup_printf("%s · %s %s", str(report, "school"), _("vault fingerprint"),
                                    str(report, "fingerprint"));
    cl_doc_set_footer(d, footer);
    free(footer);
    cl_doc_set_page_format(d, _("page %d of %d"));
    cl_doc_meta(d, _("School"), str(report, "school"));
    char *period = period_text(report);
    cl_doc_meta(d, _("Period"), period);
    free(period);
    cl_doc_meta(d, _("Vault fingerprint"), str(report, "fingerprint"));
    return d;
}

static cl_doc *report_doc(const json_t *report)
{
    cl_doc *d = doc_begin(report, str(report, "title"), true);
    if (!d)
        return NULL;
    const json_t *cols = json_object_get(report, "columns");
    size_t n = json_array_size(cols);
    const char **heads = calloc(n ? n : 1, sizeof *heads);
    double *widths = calloc(n ? n : 1, sizeof *widths);
    char **cells = calloc(n ? n : 1, sizeof *cells);
    if (!heads || !widths || !cells) {
        free(heads);
        free(widths);
        free(cells);
        cl_doc_free(d);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        heads[i] = str(json_array_get(cols, i), "label");
        widths[i] = json_number_value(json_object_get(json_array_get(cols, i), "width"));
    }
    cl_doc_table(d, n, heads, widths);
    size_t r;
    json_t *row;
    json_array_foreach(json_object_get(report, "rows"), r, row) {
        const json_t *rc = json_object_get(row, "cells");
        for (size_t i = 0; i < n; i++)
            cells[i] = cell_text(json_array_get(rc, i));
        cl_doc_row(d, (const char *const *)cells);
        for (size_t i = 0; i < n; i++)
            free(cells[i]);
    }
    if (json_array_size(json_object_get(report, "rows")) == 0)
        cl_doc_paragraph(d, _("No students match."));
    free(heads);
    free(widths);
    free(cells);
    return d;
}

/* A section heading from a label that ends with a colon (shared with the
 * terminal output): the colon goes. */
static void section_from_label(cl_doc *d, const char *label)
{
    char text[256];
    snprintf(text, sizeof text, "%s", label);
    size_t n = strlen(text);
    while (n && (text[n - 1] == '\n' || text[n - 1] == ' '))
        text[--n] = '\0';
    if (n && text[n - 1] == ':')
        text[--n] = '\0';
    else if (n >= 3 && strcmp(text + n - 3, "：") == 0)
        text[n -= 3] = '\0';
    cl_doc_section(d, text);
}

/* The statistics as a document: bar charts of the totals, of students by
 * the chosen dimension and of referrals by state, and the tables. */
static cl_doc *stats_doc(const json_t *r)
{
    cl_doc *d = doc_begin(r, _("Statistics"), false);
    if (!d)
        return NULL;
    const char *labels[16];
    long long values[16];
    size_t n = 0;
    const json_t *totals = json_object_get(r, "totals");
    for (const char *const *m = cl_report_measures; *m && n < 16; m++, n++) {
        labels[n] = cl_report_measure_label(*m);
        values[n] = (long long)json_integer_value(json_object_get(totals, *m));
    }
    cl_doc_section(d, _("Totals"));
    cl_doc_bars(d, n, labels, values);

    const json_t *groups = json_object_get(r, "groups");
    size_t ng = json_array_size(groups);
    if (ng) {
        const char *by = cl_report_dimension_label(str(r, "by"));
        char *title = cl_strdup_printf(_("Students by %s:\n"), by);
        section_from_label(d, title ? title : by);
        free(title);
        const char **gl = calloc(ng, sizeof *gl);
        long long *gv = calloc(ng, sizeof *gv);
        for (size_t i = 0; gl && gv && i < ng; i++) {
            gl[i] = str(json_array_get(groups, i), "key");
            gv[i] = (long long)json_integer_value(json_object_get(json_array_get(groups, i), "students"));
        }
        if (gl && gv)
            cl_doc_bars(d, ng, gl, gv);
        free(gl);
        free(gv);
        const char *heads[10] = {by};
        for (size_t k = 0; cl_report_measures[k] && k < 9; k++)
            heads[k + 1] = cl_report_measure_label(cl_report_measures[k]);
        cl_doc_table(d, 10, heads, NULL);
        size_t i;
        json_t *g;
        json_array_foreach(groups, i, g) {
            char nums[9][24];
            const char *cells[10] = {str(g, "key")};
            for (size_t k = 0; cl_report_measures[k] && k < 9; k++) {
                snprintf(nums[k], sizeof nums[k], "%lld",
                         (long long)json_integer_value(json_object_get(g, cl_report_measures[k])));
                cells[k + 1] = nums[k];
            }
            cl_doc_row(d, cells);
        }
    }

    const json_t *states = json_object_get(r, "referral_states");
    n = 0;
    size_t i;
    json_t *s;
    json_array_foreach(states, i, s) {
        if (n == 16)
            break;
        labels[n] = str(s, "label");
        values[n++] = (long long)json_integer_value(json_object_get(s, "count"));
    }
    section_from_label(d, _("Referrals by state:"));
    cl_doc_bars(d, n, labels, values);
    char *line = cl_report_feedback_text(r);
    cl_doc_paragraph(d, line);
    free(line);

    const json_t *bands = json_object_get(r, "screening_bands");
    if (json_array_size(bands)) {
        section_from_label(d, _("Screenings by band:"));
        const char *heads[3] = {_("Screening"), _("Band"), _("Count")};
        cl_doc_table(d, 3, heads, NULL);
        json_array_foreach(bands, i, s) {
            char count[24];
            snprintf(count, sizeof count, "%lld", (long long)json_integer_value(json_object_get(s, "count")));
            const char *cells[3] = {str(s, "kind"), str(s, "band"), count};
            cl_doc_row(d, cells);
        }
    }
    return d;
}

cl_status cl_report_render(const json_t *report, const char *format, const cl_report_render_options *opt,
                           unsigned char **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    cl_report_render_options none = {NULL, false};
    if (!opt)
        opt = &none;
    if (strcmp(str(report, "kind"), "stats") == 0 && (strcmp(format, "csv") == 0 || strcmp(format, "xlsx") == 0))
        return cl_fail(CL_EUSAGE, _("statistics are written as pdf, md or json"));
    if (strcmp(format, "csv") == 0)
        return render_csv(report, opt->encoding, out, len);
    if (strcmp(format, "xlsx") == 0)
        return cl_report_render_xlsx(report, opt->sheet_per_class, out, len);
    if (strcmp(format, "json") == 0) {
        char *text = json_dumps(report, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        if (!text)
            return cl_fail(CL_ESOFTWARE, _("out of memory"));
        *len = strlen(text);
        *out = (unsigned char *)text;
        return CL_OK;
    }
    cl_doc_format f;
    if (strcmp(format, "json") == 0 || !cl_doc_format_parse(format, &f))
        return cl_fail(CL_EUSAGE, _("unknown format %s; use xlsx, csv, pdf, md or json"), format);
    bool stats = strcmp(str(report, "kind"), "stats") == 0;
    if (stats && f == CL_DOC_JSON)
        return cl_fail(CL_EUSAGE, _("unknown format %s; use xlsx, csv, pdf, md or json"), format);
    cl_doc *d = stats ? stats_doc(report) : report_doc(report);
    if (!d)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    cl_status st = cl_doc_render(d, f, out, len);
    cl_doc_free(d);
    return st;
}
