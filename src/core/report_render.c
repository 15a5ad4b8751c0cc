/* A report as CSV, Markdown, PDF or JSON (the xlsx is in report_xlsx.c). */
#include "carelog/report.h"

#include <iconv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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

/* RFC 4180 quoting; a cell that Excel would run as a formula (=, +, -, @
 * first) is prefixed with ' so a name can never become a formula. */
static void csv_cell(cl_buf *b, const char *s)
{
    bool formula = s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@';
    bool quote = formula || strpbrk(s, ",\"\r\n") != NULL;
    if (quote)
        cl_buf_puts(b, "\"");
    if (formula)
        cl_buf_puts(b, "'");
    for (; *s; s++) {
        if (*s == '"')
            cl_buf_puts(b, "\"");
        cl_buf_append(b, s, 1);
    }
    if (quote)
        cl_buf_puts(b, "\"");
}

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
        csv_cell(&b, str(c, "label"));
    }
    cl_buf_puts(&b, "\r\n");
    json_t *row;
    json_array_foreach(json_object_get(report, "rows"), i, row) {
        size_t k;
        json_array_foreach(json_object_get(row, "cells"), k, c) {
            if (k)
                cl_buf_puts(&b, ",");
            char *text = cell_text(c);
            csv_cell(&b, text ? text : "");
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

static cl_doc *report_doc(const json_t *report)
{
    cl_doc *d = cl_doc_new(str(report, "title"));
    if (!d)
        return NULL;
    cl_doc_set_landscape(d, true);
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

cl_status cl_report_render(const json_t *report, const char *format, const cl_report_render_options *opt,
                           unsigned char **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    cl_report_render_options none = {NULL, false};
    if (!opt)
        opt = &none;
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
    cl_doc *d = report_doc(report);
    if (!d)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    cl_status st = cl_doc_render(d, f, out, len);
    cl_doc_free(d);
    return st;
}
