/* The document model's insides, shared by its renderers (document.c for
 * Markdown and JSON, document_pdf.c for PDF). */
#ifndef CARELOG_DOCUMENT_INTERNAL_H
#define CARELOG_DOCUMENT_INTERNAL_H

#include "carelog/document.h"

typedef enum doc_block_type {
    DOC_HEADING,
    DOC_PAIR,
    DOC_PARAGRAPH,
    DOC_TABLE, /* the headings; its rows follow as DOC_ROW blocks */
    DOC_ROW,
    DOC_BARS   /* a bar chart: text holds the labels, values the lengths */
} doc_block_type;

typedef struct doc_block {
    doc_block_type type;
    int level;          /* DOC_HEADING */
    bool confidential;  /* DOC_PAIR */
    char **text;        /* heading: [text]; pair: [label, value]; paragraph: [text]; table, row: cells */
    size_t n;
    double *widths;     /* DOC_TABLE: relative widths, summing to 1 */
    size_t table;       /* DOC_ROW: index of its DOC_TABLE block */
    long long *values;  /* DOC_BARS */
} doc_block;

typedef struct doc_meta {
    char *label, *value;
} doc_meta;

struct cl_doc {
    char *title, *header, *footer, *page_format;
    bool landscape;
    doc_meta *meta;
    size_t n_meta;
    doc_block *blocks;
    size_t n_blocks, cap_blocks;
    size_t current_table; /* index of the last DOC_TABLE, or (size_t)-1 */
    bool failed;
};

/* "—" for a value that was not given. */
#define CL_DOC_EMPTY "\xe2\x80\x94"

#endif
