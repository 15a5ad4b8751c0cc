/* A document as PDF: A4, laid out by pango over cairo, written by cairo's
 * PDF surface into a growing memory buffer (never a file). cairo embeds
 * only the glyphs used, as font subsets.
 *
 * Every block is a row of cells (a pair is a label cell and a value cell, a
 * paragraph one cell, a table row one cell per column); a row is placed line
 * by line, so long text continues on the next page at a line boundary, and
 * a row never starts on a page where not even the first line of each of its
 * cells fits (so a label stays with its value). Two passes: the first
 * counts the pages, so every page can say "page N of M". */
#include "document_internal.h"

#include <cairo-pdf.h>
#include <pango/pangocairo.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "carelog/i18n.h"
#include "carelog/text.h"

#define A4_SHORT 595.276
#define A4_LONG 841.89
#define MARGIN_X 48.0
#define MARGIN_TOP 58.0
#define MARGIN_BOTTOM 56.0
#define CELL_PAD 3.0
#define FONT_FAMILIES "WenQuanYi Micro Hei,Noto Sans CJK SC,Noto Sans CJK,Droid Sans Fallback,Sans"

typedef struct cell {
    PangoLayout *layout;
    double x, width; /* from the content's left edge, in points */
    int n_lines;
    int next;        /* first line not yet placed */
    double *top;     /* each line's logical top and height, points */
    double *height;
    double *baseline;
} cell;

typedef struct pdf_ctx {
    cairo_t *cr;
    bool draw;         /* false in the counting pass */
    double page_w, page_h, content_w;
    double y;          /* where the next row starts */
    int page, pages;   /* current page (from 1); total (known in the drawing pass) */
    const cl_doc *doc;
    const doc_block *table; /* the table whose rows are being placed, to repeat its headings */
    bool at_top;       /* nothing placed on this page yet (besides repeated headings) */
} pdf_ctx;

typedef enum font_kind { F_BODY, F_BOLD, F_TITLE, F_H1, F_H2, F_SMALL, F_TABLE, F_TABLE_BOLD } font_kind;

static PangoFontDescription *font(font_kind k, bool landscape)
{
    static const struct {
        double size;
        bool bold;
    } fonts[] = {{10, false}, {10, true}, {16, true}, {12.5, true}, {11, true}, {8, false}, {8, false}, {8, true}};
    PangoFontDescription *f = pango_font_description_from_string(FONT_FAMILIES);
    double size = fonts[k].size;
    if (landscape && (k == F_TABLE || k == F_TABLE_BOLD))
        size = 7.5;
    pango_font_description_set_size(f, (int)(size * PANGO_SCALE));
    if (fonts[k].bold)
        pango_font_description_set_weight(f, PANGO_WEIGHT_BOLD);
    return f;
}

static cl_status cell_init(pdf_ctx *c, cell *ce, const char *text, font_kind k, double x, double width)
{
    memset(ce, 0, sizeof *ce);
    ce->x = x;
    ce->width = width;
    ce->layout = pango_cairo_create_layout(c->cr);
    if (!ce->layout)
        return cl_fail(CL_ESOFTWARE, _("out of memory while laying out the PDF"));
    PangoFontDescription *f = font(k, c->doc->landscape);
    pango_layout_set_font_description(ce->layout, f);
    pango_font_description_free(f);
    pango_layout_set_width(ce->layout, (int)((width - 2 * CELL_PAD) * PANGO_SCALE));
    pango_layout_set_wrap(ce->layout, PANGO_WRAP_WORD_CHAR);
    pango_layout_set_text(ce->layout, text, -1);
    ce->n_lines = pango_layout_get_line_count(ce->layout);
    ce->top = calloc((size_t)ce->n_lines + 1, sizeof *ce->top);
    ce->height = calloc((size_t)ce->n_lines + 1, sizeof *ce->height);
    ce->baseline = calloc((size_t)ce->n_lines + 1, sizeof *ce->baseline);
    if (!ce->top || !ce->height || !ce->baseline)
        return cl_fail(CL_ESOFTWARE, _("out of memory while laying out the PDF"));
    PangoLayoutIter *it = pango_layout_get_iter(ce->layout);
    int i = 0;
    do {
        PangoRectangle logical;
        pango_layout_iter_get_line_extents(it, NULL, &logical);
        ce->top[i] = (double)logical.y / PANGO_SCALE;
        ce->height[i] = (double)logical.height / PANGO_SCALE;
        ce->baseline[i] = (double)pango_layout_iter_get_baseline(it) / PANGO_SCALE;
        i++;
    } while (i < ce->n_lines && pango_layout_iter_next_line(it));
    pango_layout_iter_free(it);
    return CL_OK;
}

static void cell_free(cell *ce)
{
    if (ce->layout)
        g_object_unref(ce->layout);
    free(ce->top);
    free(ce->height);
    free(ce->baseline);
}

static double bottom(const pdf_ctx *c)
{
    return c->page_h - MARGIN_BOTTOM;
}

/* One line of text at (x, y) (top-left), in a font, clipped to width. */
static void draw_text(pdf_ctx *c, const char *text, font_kind k, double x, double y, double width,
                      PangoAlignment align)
{
    PangoLayout *l = pango_cairo_create_layout(c->cr);
    PangoFontDescription *f = font(k, false);
    pango_layout_set_font_description(l, f);
    pango_font_description_free(f);
    pango_layout_set_width(l, (int)(width * PANGO_SCALE));
    pango_layout_set_ellipsize(l, PANGO_ELLIPSIZE_END);
    pango_layout_set_alignment(l, align);
    pango_layout_set_text(l, text, -1);
    cairo_move_to(c->cr, x, y);
    pango_cairo_show_layout(c->cr, l);
    g_object_unref(l);
}

/* "page %d of %d" with the two numbers put in by hand: the pattern comes
 * from a translation, so it is never handed to printf. */
static void page_label(const char *pattern, int page, int pages, char *out, size_t size)
{
    cl_buf b = {0};
    int k = 0;
    for (const char *p = pattern; *p; p++) {
        if (p[0] == '%' && p[1] == 'd' && k < 2) {
            cl_buf_printf(&b, "%d", k++ == 0 ? page : pages);
            p++;
        } else {
            cl_buf_append(&b, p, 1);
        }
    }
    snprintf(out, size, "%s", b.data ? b.data : "");
    cl_buf_free(&b);
}

static void draw_page_frame(pdf_ctx *c)
{
    if (!c->draw)
        return;
    cairo_t *cr = c->cr;
    double w = c->page_w - 2 * MARGIN_X;
    cairo_set_source_rgb(cr, 0.6, 0.0, 0.0);
    draw_text(c, c->doc->header, F_BOLD, MARGIN_X, 24, w, PANGO_ALIGN_CENTER);
    cairo_set_source_rgb(cr, 0.35, 0.35, 0.35);
    cairo_set_line_width(cr, 0.5);
    cairo_move_to(cr, MARGIN_X, 42);
    cairo_line_to(cr, c->page_w - MARGIN_X, 42);
    cairo_move_to(cr, MARGIN_X, c->page_h - 40);
    cairo_line_to(cr, c->page_w - MARGIN_X, c->page_h - 40);
    cairo_stroke(cr);
    char page[128];
    page_label(c->doc->page_format, c->page, c->pages, page, sizeof page);
    draw_text(c, c->doc->footer, F_SMALL, MARGIN_X, c->page_h - 34, w * 0.72, PANGO_ALIGN_LEFT);
    draw_text(c, page, F_SMALL, MARGIN_X + w * 0.72, c->page_h - 34, w * 0.28, PANGO_ALIGN_RIGHT);
    cairo_set_source_rgb(cr, 0, 0, 0);
}

static cl_status place_row(pdf_ctx *c, cell *cells, size_t n, bool boxed, bool shaded);

static cl_status table_headings(pdf_ctx *c, const doc_block *table);

static cl_status new_page(pdf_ctx *c)
{
    if (c->draw && c->page > 0)
        cairo_show_page(c->cr);
    c->page++;
    c->y = MARGIN_TOP;
    draw_page_frame(c);
    c->at_top = true;
    if (c->table)
        return table_headings(c, c->table);
    return CL_OK;
}

static cl_status place_row(pdf_ctx *c, cell *cells, size_t n, bool boxed, bool shaded)
{
    double pad = boxed ? CELL_PAD : 0;
    for (;;) {
        double avail = bottom(c) - c->y - 2 * pad;
        double slice = 0;
        bool starved = false, done = true;
        int *end = calloc(n ? n : 1, sizeof *end);
        if (!end)
            return cl_fail(CL_ESOFTWARE, _("out of memory while laying out the PDF"));
        for (size_t i = 0; i < n; i++) {
            cell *ce = &cells[i];
            int k = ce->next;
            double h = 0;
            while (k < ce->n_lines && h + ce->height[k] <= avail)
                h += ce->height[k++];
            if (k == ce->next && ce->next < ce->n_lines) {
                if (c->at_top) { /* a line taller than a page: place it anyway */
                    h = ce->height[k++];
                } else {
                    starved = true;
                }
            }
            end[i] = k;
            if (k < ce->n_lines)
                done = false;
            if (h > slice)
                slice = h;
        }
        /* Nothing of a cell fits here: the whole row starts on the next page. */
        if (starved) {
            free(end);
            cl_status st = new_page(c);
            if (st != CL_OK)
                return st;
            continue;
        }
        if (c->draw) {
            cairo_t *cr = c->cr;
            if (shaded) {
                cairo_set_source_rgb(cr, 0.9, 0.9, 0.9);
                cairo_rectangle(cr, MARGIN_X, c->y, c->content_w, slice + 2 * pad);
                cairo_fill(cr);
                cairo_set_source_rgb(cr, 0, 0, 0);
            }
            for (size_t i = 0; i < n; i++) {
                cell *ce = &cells[i];
                for (int k = ce->next; k < end[i]; k++) {
                    PangoLayoutLine *line = pango_layout_get_line_readonly(ce->layout, k);
                    cairo_move_to(cr, MARGIN_X + ce->x + CELL_PAD,
                                  c->y + pad + ce->baseline[k] - ce->top[ce->next]);
                    pango_cairo_show_layout_line(cr, line);
                }
                if (boxed) {
                    cairo_set_line_width(cr, 0.4);
                    cairo_rectangle(cr, MARGIN_X + ce->x, c->y, ce->width, slice + 2 * pad);
                    cairo_stroke(cr);
                }
            }
        }
        for (size_t i = 0; i < n; i++)
            cells[i].next = end[i];
        free(end);
        c->y += slice + 2 * pad;
        c->at_top = false;
        if (done)
            return CL_OK;
        cl_status st = new_page(c);
        if (st != CL_OK)
            return st;
    }
}

static cl_status place_cells(pdf_ctx *c, const char *const *text, const font_kind *fonts, const double *widths,
                             size_t n, bool boxed, bool shaded)
{
    cell stack[32];
    cell *cells = n <= 32 ? stack : calloc(n, sizeof *cells);
    if (!cells)
        return cl_fail(CL_ESOFTWARE, _("out of memory while laying out the PDF"));
    cl_status st = CL_OK;
    double x = 0;
    size_t made = 0;
    for (size_t i = 0; i < n && st == CL_OK; i++, made++) {
        double w = widths[i] * c->content_w;
        st = cell_init(c, &cells[i], text[i], fonts[i], x, w);
        x += w;
    }
    if (st == CL_OK)
        st = place_row(c, cells, n, boxed, shaded);
    for (size_t i = 0; i < made; i++)
        cell_free(&cells[i]);
    if (cells != stack)
        free(cells);
    return st;
}

static cl_status table_headings(pdf_ctx *c, const doc_block *table)
{
    font_kind fonts[64];
    size_t n = table->n > 64 ? 64 : table->n;
    for (size_t i = 0; i < n; i++)
        fonts[i] = F_TABLE_BOLD;
    /* The headings are placed while no table is active, so a page break
     * inside them does not repeat them again. */
    const doc_block *active = c->table;
    c->table = NULL;
    bool top = c->at_top;
    cl_status st = place_cells(c, (const char *const *)table->text, fonts, table->widths, n, true, true);
    c->table = active;
    c->at_top = top; /* repeated headings leave the page "empty" for a row that must go somewhere */
    return st;
}

static cl_status space(pdf_ctx *c, double points)
{
    if (!c->at_top)
        c->y += points;
    return CL_OK;
}

static cl_status place_bars(pdf_ctx *c, const doc_block *b);

static cl_status place_block(pdf_ctx *c, const doc_block *b)
{
    static const double full[1] = {1.0};
    static const double pair_w[2] = {0.27, 0.73};
    if (b->type != DOC_ROW)
        c->table = NULL;
    switch (b->type) {
    case DOC_HEADING: {
        space(c, b->level == 1 ? 10 : 6);
        /* Never the last thing on a page: room for it and a few lines. */
        if (!c->at_top && bottom(c) - c->y < 60) {
            cl_status st = new_page(c);
            if (st != CL_OK)
                return st;
        }
        font_kind f = b->level == 1 ? F_H1 : F_H2;
        cl_status st = place_cells(c, (const char *const *)b->text, &f, full, 1, false, false);
        if (st == CL_OK && b->level == 1 && c->draw) {
            cairo_set_line_width(c->cr, 0.6);
            cairo_move_to(c->cr, MARGIN_X, c->y + 1);
            cairo_line_to(c->cr, MARGIN_X + c->content_w, c->y + 1);
            cairo_stroke(c->cr);
        }
        c->y += 4;
        return st;
    }
    case DOC_PAIR: {
        char *label = b->confidential ? cl_strdup_printf("%s %s", b->text[0], _("(confidential)")) : NULL;
        const char *text[2] = {label ? label : b->text[0], b->text[1]};
        const font_kind fonts[2] = {F_BOLD, F_BODY};
        cl_status st = place_cells(c, text, fonts, pair_w, 2, false, false);
        free(label);
        c->y += 2;
        return st;
    }
    case DOC_PARAGRAPH: {
        const font_kind f = F_BODY;
        cl_status st = place_cells(c, (const char *const *)b->text, &f, full, 1, false, false);
        c->y += 4;
        return st;
    }
    case DOC_TABLE:
        space(c, 4);
        if (!c->at_top && bottom(c) - c->y < 50) {
            cl_status st = new_page(c);
            if (st != CL_OK)
                return st;
        }
        {
            cl_status st = table_headings(c, b);
            c->table = b;
            return st;
        }
    case DOC_ROW: {
        const doc_block *t = &c->doc->blocks[b->table];
        font_kind fonts[64];
        size_t n = b->n > 64 ? 64 : b->n;
        for (size_t i = 0; i < n; i++)
            fonts[i] = F_TABLE;
        c->table = t;
        return place_cells(c, (const char *const *)b->text, fonts, t->widths, n, true, false);
    }
    case DOC_BARS:
        return place_bars(c, b);
    }
    return CL_OK;
}

/* A bar chart: a row per bar (label, bar, count); a bar never breaks
 * across pages. */
static cl_status place_bars(pdf_ctx *c, const doc_block *b)
{
    static const double widths[3] = {0.26, 0.62, 0.12};
    long long max = 0;
    for (size_t i = 0; i < b->n; i++)
        if (b->values[i] > max)
            max = b->values[i];
    space(c, 4);
    for (size_t i = 0; i < b->n; i++) {
        char value[32];
        snprintf(value, sizeof value, "%lld", b->values[i]);
        const char *text[3] = {b->text[i], "", value};
        const font_kind fonts[3] = {F_SMALL, F_SMALL, F_SMALL};
        int page = c->page;
        double top = c->y;
        cl_status st = place_cells(c, text, fonts, widths, 3, false, false);
        if (st != CL_OK)
            return st;
        if (c->page != page)
            top = MARGIN_TOP;
        if (c->draw && max > 0 && b->values[i] > 0) {
            double x = MARGIN_X + widths[0] * c->content_w + CELL_PAD;
            double room = widths[1] * c->content_w - 2 * CELL_PAD;
            double w = room * (double)b->values[i] / (double)max;
            cairo_set_source_rgb(c->cr, 0.33, 0.47, 0.68);
            cairo_rectangle(c->cr, x, top + 2, w < 1 ? 1 : w, c->y - top - 4);
            cairo_fill(c->cr);
            cairo_set_source_rgb(c->cr, 0, 0, 0);
        }
        c->y += 1;
    }
    c->y += 4;
    return CL_OK;
}

static cl_status lay_out(pdf_ctx *c)
{
    static const double full[1] = {1.0};
    static const double meta_w[2] = {0.22, 0.78};
    c->page = 0;
    c->table = NULL;
    cl_status st = new_page(c);
    const font_kind title = F_TITLE;
    if (st == CL_OK)
        st = place_cells(c, (const char *const *)&c->doc->title, &title, full, 1, false, false);
    c->y += 6;
    for (size_t i = 0; st == CL_OK && i < c->doc->n_meta; i++) {
        const char *text[2] = {c->doc->meta[i].label, c->doc->meta[i].value};
        const font_kind fonts[2] = {F_SMALL, F_SMALL};
        st = place_cells(c, text, fonts, meta_w, 2, false, false);
    }
    for (size_t i = 0; st == CL_OK && i < c->doc->n_blocks; i++)
        st = place_block(c, &c->doc->blocks[i]);
    return st;
}

static cairo_status_t to_buffer(void *closure, const unsigned char *data, unsigned int length)
{
    cl_buf *b = closure;
    return cl_buf_append(b, (const char *)data, length) == CL_OK ? CAIRO_STATUS_SUCCESS : CAIRO_STATUS_WRITE_ERROR;
}

static void wipe_buf(cl_buf *b)
{
    if (b->data)
        sodium_memzero(b->data, b->cap);
    cl_buf_free(b);
}

cl_status cl_doc_render_pdf(const cl_doc *d, unsigned char **out, size_t *len, int *pages)
{
    *out = NULL;
    *len = 0;
    if (d->failed)
        return cl_fail(CL_ESOFTWARE, _("out of memory while building the document"));
    cl_buf buf = {0};
    pdf_ctx c = {0};
    c.doc = d;
    c.page_w = d->landscape ? A4_LONG : A4_SHORT;
    c.page_h = d->landscape ? A4_SHORT : A4_LONG;
    c.content_w = c.page_w - 2 * MARGIN_X;
    cairo_surface_t *s = cairo_pdf_surface_create_for_stream(to_buffer, &buf, c.page_w, c.page_h);
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_TITLE, d->title);
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATOR, "carelog");
    c.cr = cairo_create(s);
    c.draw = false;
    cl_status st = lay_out(&c);
    if (st == CL_OK) {
        c.pages = c.page;
        c.draw = true;
        st = lay_out(&c);
    }
    cairo_destroy(c.cr);
    cairo_surface_finish(s);
    cairo_status_t cs = cairo_surface_status(s);
    cairo_surface_destroy(s);
    if (st == CL_OK && cs != CAIRO_STATUS_SUCCESS)
        st = cl_fail(CL_ESOFTWARE, _("the PDF could not be made: %s"), cairo_status_to_string(cs));
    if (st != CL_OK) {
        wipe_buf(&buf);
        return st;
    }
    if (pages)
        *pages = c.pages;
    *len = buf.len;
    *out = (unsigned char *)cl_buf_take(&buf);
    return CL_OK;
}
