/* The document model, and its Markdown and JSON renderings. */
#include "document_internal.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "carelog/chart.h"
#include "carelog/i18n.h"
#include "carelog/text.h"

static char *wipe_free(char *s)
{
    if (s) {
        sodium_memzero(s, strlen(s));
        free(s);
    }
    return NULL;
}

static char *copy_text(cl_doc *d, const char *s)
{
    char *c = strdup(s && *s ? s : CL_DOC_EMPTY);
    if (!c)
        d->failed = true;
    return c;
}

bool cl_doc_format_parse(const char *name, cl_doc_format *out)
{
    if (strcmp(name, "pdf") == 0)
        *out = CL_DOC_PDF;
    else if (strcmp(name, "md") == 0 || strcmp(name, "markdown") == 0)
        *out = CL_DOC_MARKDOWN;
    else if (strcmp(name, "json") == 0)
        *out = CL_DOC_JSON;
    else
        return false;
    return true;
}

cl_doc *cl_doc_new(const char *title)
{
    cl_doc *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->current_table = (size_t)-1;
    d->title = copy_text(d, title);
    d->header = copy_text(d, "机密 / Confidential");
    d->footer = copy_text(d, "");
    d->page_format = copy_text(d, _("page %d of %d"));
    if (d->failed) {
        cl_doc_free(d);
        return NULL;
    }
    return d;
}

void cl_doc_free(cl_doc *d)
{
    if (!d)
        return;
    wipe_free(d->title);
    wipe_free(d->header);
    wipe_free(d->footer);
    wipe_free(d->page_format);
    for (size_t i = 0; i < d->n_meta; i++) {
        wipe_free(d->meta[i].label);
        wipe_free(d->meta[i].value);
    }
    free(d->meta);
    for (size_t i = 0; i < d->n_blocks; i++) {
        for (size_t k = 0; k < d->blocks[i].n; k++)
            wipe_free(d->blocks[i].text[k]);
        free(d->blocks[i].text);
        free(d->blocks[i].widths);
        free(d->blocks[i].values);
    }
    free(d->blocks);
    free(d);
}

bool cl_doc_ok(const cl_doc *d)
{
    return d && !d->failed;
}

static void replace(cl_doc *d, char **slot, const char *text)
{
    char *c = strdup(text ? text : "");
    if (!c) {
        d->failed = true;
        return;
    }
    wipe_free(*slot);
    *slot = c;
}

void cl_doc_set_header(cl_doc *d, const char *text)
{
    replace(d, &d->header, text);
}

void cl_doc_set_footer(cl_doc *d, const char *text)
{
    replace(d, &d->footer, text);
}

void cl_doc_set_page_format(cl_doc *d, const char *format)
{
    replace(d, &d->page_format, format);
}

void cl_doc_set_landscape(cl_doc *d, bool landscape)
{
    d->landscape = landscape;
}

void cl_doc_meta(cl_doc *d, const char *label, const char *value)
{
    doc_meta *m = realloc(d->meta, (d->n_meta + 1) * sizeof *m);
    if (!m) {
        d->failed = true;
        return;
    }
    d->meta = m;
    m[d->n_meta].label = copy_text(d, label);
    m[d->n_meta].value = copy_text(d, value);
    d->n_meta++;
}

/* A new block holding copies of n strings; NULL when out of memory. */
static doc_block *add_block(cl_doc *d, doc_block_type type, size_t n, const char *const *text)
{
    if (d->n_blocks == d->cap_blocks) {
        size_t cap = d->cap_blocks ? d->cap_blocks * 2 : 32;
        doc_block *b = realloc(d->blocks, cap * sizeof *b);
        if (!b) {
            d->failed = true;
            return NULL;
        }
        d->blocks = b;
        d->cap_blocks = cap;
    }
    char **copies = calloc(n ? n : 1, sizeof *copies);
    if (!copies) {
        d->failed = true;
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        copies[i] = copy_text(d, text[i]);
    doc_block *b = &d->blocks[d->n_blocks++];
    memset(b, 0, sizeof *b);
    b->type = type;
    b->text = copies;
    b->n = n;
    return b;
}

void cl_doc_heading(cl_doc *d, int level, const char *text)
{
    doc_block *b = add_block(d, DOC_HEADING, 1, &text);
    if (b)
        b->level = level < 1 ? 1 : level > 2 ? 2 : level;
}

static void pair(cl_doc *d, const char *label, const char *value, bool confidential)
{
    const char *text[2] = {label, value};
    doc_block *b = add_block(d, DOC_PAIR, 2, text);
    if (b)
        b->confidential = confidential;
}

void cl_doc_pair(cl_doc *d, const char *label, const char *value)
{
    pair(d, label, value, false);
}

void cl_doc_pair_confidential(cl_doc *d, const char *label, const char *value)
{
    pair(d, label, value, true);
}

void cl_doc_paragraph(cl_doc *d, const char *text)
{
    add_block(d, DOC_PARAGRAPH, 1, &text);
}

void cl_doc_table(cl_doc *d, size_t ncols, const char *const *headings, const double *widths)
{
    if (ncols == 0) {
        d->failed = true;
        return;
    }
    doc_block *b = add_block(d, DOC_TABLE, ncols, headings);
    if (!b)
        return;
    b->widths = calloc(ncols, sizeof *b->widths);
    if (!b->widths) {
        d->failed = true;
        return;
    }
    double sum = 0;
    for (size_t i = 0; i < ncols; i++)
        sum += widths && widths[i] > 0 ? widths[i] : 1;
    for (size_t i = 0; i < ncols; i++)
        b->widths[i] = (widths && widths[i] > 0 ? widths[i] : 1) / sum;
    d->current_table = d->n_blocks - 1;
}

void cl_doc_row(cl_doc *d, const char *const *cells)
{
    if (d->current_table == (size_t)-1) {
        d->failed = true;
        return;
    }
    size_t t = d->current_table;
    doc_block *b = add_block(d, DOC_ROW, d->blocks[t].n, cells);
    if (b)
        b->table = t;
}

void cl_doc_bars(cl_doc *d, size_t n, const char *const *labels, const long long *values)
{
    doc_block *b = add_block(d, DOC_BARS, n, labels);
    if (!b)
        return;
    b->values = calloc(n ? n : 1, sizeof *b->values);
    if (!b->values) {
        d->failed = true;
        return;
    }
    memcpy(b->values, values, n * sizeof *values);
}

void cl_doc_bytes_free(unsigned char *bytes, size_t len)
{
    if (bytes) {
        sodium_memzero(bytes, len);
        free(bytes);
    }
}

/* ---- JSON ------------------------------------------------------------- */

static json_t *string_array(char **text, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        json_array_append_new(a, json_string(text[i]));
    return a;
}

json_t *cl_doc_to_json(const cl_doc *d)
{
    json_t *meta = json_array();
    for (size_t i = 0; meta && i < d->n_meta; i++)
        json_array_append_new(meta, json_pack("{s:s, s:s}", "label", d->meta[i].label, "value", d->meta[i].value));
    json_t *blocks = json_array();
    json_t *rows = NULL;
    for (size_t i = 0; blocks && i < d->n_blocks; i++) {
        const doc_block *b = &d->blocks[i];
        switch (b->type) {
        case DOC_HEADING:
            json_array_append_new(blocks, json_pack("{s:s, s:i, s:s}", "type", "heading", "level", b->level, "text",
                                                    b->text[0]));
            break;
        case DOC_PAIR:
            json_array_append_new(blocks, json_pack("{s:s, s:s, s:s, s:b}", "type", "pair", "label", b->text[0],
                                                    "value", b->text[1], "confidential", b->confidential));
            break;
        case DOC_PARAGRAPH:
            json_array_append_new(blocks, json_pack("{s:s, s:s}", "type", "paragraph", "text", b->text[0]));
            break;
        case DOC_TABLE:
            rows = json_array();
            json_array_append_new(blocks, json_pack("{s:s, s:o, s:o}", "type", "table", "columns",
                                                    string_array(b->text, b->n), "rows", rows));
            break;
        case DOC_ROW:
            if (rows)
                json_array_append_new(rows, string_array(b->text, b->n));
            break;
        case DOC_BARS: {
            json_t *bars = json_array();
            for (size_t k = 0; k < b->n; k++)
                json_array_append_new(bars, json_pack("{s:s, s:I}", "label", b->text[k], "value",
                                                      (json_int_t)b->values[k]));
            json_array_append_new(blocks, json_pack("{s:s, s:o}", "type", "bars", "bars", bars));
            break;
        }
        }
    }
    return json_pack("{s:s, s:s, s:s, s:b, s:o, s:o}", "title", d->title, "header", d->header, "footer", d->footer,
                     "landscape", d->landscape, "meta", meta ? meta : json_array(), "blocks",
                     blocks ? blocks : json_array());
}

/* ---- Markdown ----------------------------------------------------------- */

/* Stored text is data, never markup: every character Markdown could read
 * as syntax is escaped, so a note cannot make a heading, a link or HTML. */
static void md_escaped(cl_buf *b, const char *s, bool in_table)
{
    bool line_start = true;
    for (; *s; s++) {
        if (*s == '\n') {
            cl_buf_puts(b, in_table ? "<br>" : "  \n");
            line_start = true;
            continue;
        }
        if (*s == '\r')
            continue;
        /* Indentation keeps a line's start: "   # x" is a heading too. */
        if (line_start && (*s == ' ' || *s == '\t')) {
            cl_buf_append(b, s, 1);
            continue;
        }
        if (line_start && *s >= '0' && *s <= '9') {
            const char *digits = s;
            while (s[1] >= '0' && s[1] <= '9')
                s++;
            cl_buf_append(b, digits, (size_t)(s - digits) + 1);
            if (s[1] == '.' || s[1] == ')') /* an ordered list's marker */
                cl_buf_append(b, "\\", 1);
            line_start = false;
            continue;
        }
        if (strchr("\\`*_[]<>|~&", *s) || (line_start && strchr("#+-=", *s)))
            cl_buf_append(b, "\\", 1);
        cl_buf_append(b, s, 1);
        line_start = false;
    }
}

static void md_table_rule(cl_buf *b, size_t n)
{
    cl_buf_puts(b, "|");
    for (size_t i = 0; i < n; i++)
        cl_buf_puts(b, " --- |");
    cl_buf_puts(b, "\n");
}

static void md_cells(cl_buf *b, char **cells, size_t n)
{
    cl_buf_puts(b, "|");
    for (size_t i = 0; i < n; i++) {
        cl_buf_puts(b, " ");
        md_escaped(b, cells[i], true);
        cl_buf_puts(b, " |");
    }
    cl_buf_puts(b, "\n");
}

cl_status cl_doc_render_markdown(const cl_doc *d, unsigned char **out, size_t *len)
{
    cl_buf b = {0};
    cl_buf_puts(&b, "**");
    md_escaped(&b, d->header, false);
    cl_buf_puts(&b, "**\n\n# ");
    md_escaped(&b, d->title, false);
    cl_buf_puts(&b, "\n\n");
    for (size_t i = 0; i < d->n_meta; i++) {
        cl_buf_puts(&b, "**");
        md_escaped(&b, d->meta[i].label, false);
        cl_buf_puts(&b, "**: ");
        md_escaped(&b, d->meta[i].value, false);
        cl_buf_puts(&b, "  \n");
    }
    cl_buf_puts(&b, "\n");
    doc_block_type last = DOC_HEADING;
    for (size_t i = 0; i < d->n_blocks; i++) {
        const doc_block *blk = &d->blocks[i];
        /* A list or a table ends with a blank line before anything else. */
        if (i > 0 && blk->type != last && (last == DOC_PAIR || last == DOC_ROW || last == DOC_TABLE) &&
            !(last == DOC_TABLE && blk->type == DOC_ROW))
            cl_buf_puts(&b, "\n");
        switch (blk->type) {
        case DOC_HEADING:
            cl_buf_puts(&b, blk->level == 1 ? "\n## " : "\n### ");
            md_escaped(&b, blk->text[0], false);
            cl_buf_puts(&b, "\n\n");
            break;
        case DOC_PAIR:
            cl_buf_puts(&b, "- **");
            md_escaped(&b, blk->text[0], false);
            cl_buf_puts(&b, "**");
            if (blk->confidential) {
                cl_buf_puts(&b, " ");
                md_escaped(&b, _("(confidential)"), false);
            }
            cl_buf_puts(&b, ": ");
            md_escaped(&b, blk->text[1], false);
            cl_buf_puts(&b, "\n");
            break;
        case DOC_PARAGRAPH:
            md_escaped(&b, blk->text[0], false);
            cl_buf_puts(&b, "\n\n");
            break;
        case DOC_TABLE:
            md_cells(&b, blk->text, blk->n);
            md_table_rule(&b, blk->n);
            break;
        case DOC_ROW:
            md_cells(&b, blk->text, blk->n);
            break;
        case DOC_BARS: {
            /* In a code block, so the bars line up in any Markdown viewer. */
            char *chart = cl_chart_bars((const char *const *)blk->text, blk->values, blk->n, 72);
            cl_buf_puts(&b, "```\n");
            for (const char *p = chart ? chart : ""; *p; p++)
                if (*p != '`')
                    cl_buf_append(&b, p, 1);
            cl_buf_puts(&b, "```\n\n");
            free(chart);
            break;
        }
        }
        last = blk->type;
    }
    cl_buf_puts(&b, "\n---\n\n");
    md_escaped(&b, d->footer, false);
    cl_buf_puts(&b, "\n");
    if (d->failed || !b.data) {
        if (b.data)
            sodium_memzero(b.data, b.len);
        cl_buf_free(&b);
        return cl_fail(CL_ESOFTWARE, _("out of memory while writing the document"));
    }
    *len = b.len;
    *out = (unsigned char *)cl_buf_take(&b);
    return CL_OK;
}

cl_status cl_doc_render(const cl_doc *d, cl_doc_format format, unsigned char **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    if (d->failed)
        return cl_fail(CL_ESOFTWARE, _("out of memory while building the document"));
    if (format == CL_DOC_PDF)
        return cl_doc_render_pdf(d, out, len, NULL);
    if (format == CL_DOC_MARKDOWN)
        return cl_doc_render_markdown(d, out, len);
    json_t *j = cl_doc_to_json(d);
    char *text = j ? json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(j);
    if (!text)
        return cl_fail(CL_ESOFTWARE, _("out of memory while writing the document"));
    *len = strlen(text);
    *out = (unsigned char *)text;
    return CL_OK;
}
