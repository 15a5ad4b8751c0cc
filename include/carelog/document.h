/* Documents: what carelog prints for people outside the vault — a
 * referral summary for the protection office, a student's chronology, the
 * intervention ledger. A document is a small model (a title, meta lines,
 * sections, label/value pairs, paragraphs, tables, and the text every page
 * carries in its header and footer), built once and rendered into memory as
 * PDF (pango over cairo, A4, a CJK font embedded as a subset), Markdown or
 * JSON. Nothing is ever written to a file here: the caller decides where
 * the bytes go (a file made with cl_file_create_private, or a bundle).
 *
 *   cl_doc *d = cl_doc_new("转介摘要 / Referral summary");
 *   cl_doc_meta(d, "学校 / School", school);
 *   cl_doc_section(d, "学生 / Student");
 *   cl_doc_pair(d, "姓名 / Name", name);
 *   cl_doc_render(d, CL_DOC_PDF, &bytes, &len);
 *
 * Every string is copied; NULL or "" values are kept as "—". */
#ifndef CARELOG_DOCUMENT_H
#define CARELOG_DOCUMENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "carelog/status.h"

typedef struct cl_doc cl_doc;

typedef enum cl_doc_format {
    CL_DOC_PDF,
    CL_DOC_MARKDOWN,
    CL_DOC_JSON
} cl_doc_format;

/* "pdf", "md" (or "markdown"), "json" → the format; false when unknown. */
bool cl_doc_format_parse(const char *name, cl_doc_format *out);

/* NULL only when out of memory. */
cl_doc *cl_doc_new(const char *title);
/* Frees the document, wiping the text it held. NULL is fine. */
void cl_doc_free(cl_doc *d);

/* The header line on every page (default "机密 / Confidential") and the
 * footer's left part (e.g. the school and the vault fingerprint); the
 * footer's right part is the page number, "第 N 页 / 共 M 页" or "page N of
 * M" as set by cl_doc_set_page_format (printf with two %d: N then M). */
void cl_doc_set_header(cl_doc *d, const char *text);
void cl_doc_set_footer(cl_doc *d, const char *text);
void cl_doc_set_page_format(cl_doc *d, const char *format);
/* A4 landscape instead of portrait (wide tables such as the ledger). */
void cl_doc_set_landscape(cl_doc *d, bool landscape);

/* A line under the title ("学校 / School: 测试中学"). */
void cl_doc_meta(cl_doc *d, const char *label, const char *value);
/* A heading; level 1 for a section, 2 for a part of one (a record in a
 * timeline). A heading is never left alone at the foot of a page. */
void cl_doc_heading(cl_doc *d, int level, const char *text);
static inline void cl_doc_section(cl_doc *d, const char *text)
{
    cl_doc_heading(d, 1, text);
}
/* A label with its value; a long value wraps under itself and may break
 * across pages, but the label always stands beside the value's first line.
 * Marked confidential, the pair is flagged in every format (the reporter's
 * name, which the reporting rules keep confidential). */
void cl_doc_pair(cl_doc *d, const char *label, const char *value);
void cl_doc_pair_confidential(cl_doc *d, const char *label, const char *value);
/* A paragraph of free text (newlines kept). */
void cl_doc_paragraph(cl_doc *d, const char *text);
/* A table: cl_doc_table starts one with its column headings and relative
 * widths (NULL: equal), each cl_doc_row adds a row of ncols cells. A row
 * may break across pages; the headings are repeated on each new page. */
void cl_doc_table(cl_doc *d, size_t ncols, const char *const *headings, const double *widths);
void cl_doc_row(cl_doc *d, const char *const *cells);

/* A horizontal bar chart of n labelled counts: drawn bars in the PDF,
 * Unicode block bars (chart.h) in Markdown, the numbers in JSON. */
void cl_doc_bars(cl_doc *d, size_t n, const char *const *labels, const long long *values);

/* False once any addition failed for want of memory (rendering then
 * fails with CL_ESOFTWARE). */
bool cl_doc_ok(const cl_doc *d);

/* The document as JSON: {title, header, footer, landscape, meta:[{label,
 * value}], blocks:[{type:"heading", level, text} | {type:"pair", label,
 * value, confidential} | {type:"paragraph", text} | {type:"table",
 * columns:[…], rows:[[…]…]} | {type:"bars", bars:[{label, value}…]}]}. New
 * reference. */
json_t *cl_doc_to_json(const cl_doc *d);

/* Renders into a malloc'd buffer (*out, *len; the caller wipes and frees
 * it with cl_doc_bytes_free). JSON here is cl_doc_to_json pretty-printed;
 * a summary with its own data adds it itself. */
cl_status cl_doc_render(const cl_doc *d, cl_doc_format format, unsigned char **out, size_t *len);
/* The PDF alone (src/core/document_pdf.c), telling how many pages it has
 * (pages may be NULL). */
cl_status cl_doc_render_pdf(const cl_doc *d, unsigned char **out, size_t *len, int *pages);
cl_status cl_doc_render_markdown(const cl_doc *d, unsigned char **out, size_t *len);

/* Wipes and frees bytes from a renderer. NULL is fine. */
void cl_doc_bytes_free(unsigned char *bytes, size_t len);

#endif
