/* Drawing: text made inert and measured with the program's one width
 * table, risk colours and symbols, small bar charts. */
#define _XOPEN_SOURCE_EXTENDED 1
#include <curses.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "carelog/catalog.h"
#include "carelog/chart.h"
#include "carelog/i18n.h"
#include "carelog/student.h"
#include "carelog/text.h"
#include "ui.h"

static void put_cell(int y, int x, const wchar_t *w, int attr)
{
    cchar_t cc;
    setcchar(&cc, w, (attr_t)(attr & ~A_COLOR), (short)PAIR_NUMBER(attr), NULL);
    mvadd_wch(y, x, &cc);
}

int ui_text(ui *u, int y, int x, int cells, const char *text, int attr)
{
    (void)u;
    char *safe = cl_text_inert(text ? text : "", false);
    if (!safe)
        return 0;
    const char *p = safe, *end = safe + strlen(safe);
    int used = 0;
    while (p < end) {
        uint32_t cp;
        p += cl_utf8_decode(p, end, &cp);
        int w = cl_codepoint_width(cp);
        wchar_t cluster[CCHARW_MAX + 1] = {(wchar_t)cp};
        size_t n = 1;
        while (p < end) {
            uint32_t mark;
            size_t len = cl_utf8_decode(p, end, &mark);
            if (cl_codepoint_width(mark) != 0)
                break;
            if (n < CCHARW_MAX)
                cluster[n++] = (wchar_t)mark;
            p += len;
        }
        cluster[n] = 0;
        if (w == 0)
            continue; /* a mark with nothing to sit on */
        if (used + w > cells)
            break;
        /* Where the C library's width disagrees with ours, a visible
         * replacement keeps every column where we measured it. */
        if (wcwidth((wchar_t)cp) != w) {
            put_cell(y, x + used, L"\xFFFD", attr);
            if (w == 2)
                put_cell(y, x + used + 1, L" ", attr);
        } else {
            put_cell(y, x + used, cluster, attr);
        }
        used += w;
    }
    free(safe);
    return used;
}

void ui_text_pad(ui *u, int y, int x, int cells, const char *text, int attr)
{
    /* A cut cell keeps a blank at its end so that columns never touch. */
    int fit = cells > 1 && cl_text_width(text ? text : "") > cells ? cells - 1 : cells;
    int used = ui_text(u, y, x, fit, text, attr);
    for (; used < cells; used++)
        put_cell(y, x + used, L" ", attr);
}

int ui_textf(ui *u, int y, int x, int cells, int attr, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return ui_text(u, y, x, cells, buf, attr);
}

int ui_risk_attr(ui *u, long long risk)
{
    if (!u->color)
        return risk >= 3 ? A_BOLD : 0;
    switch (risk) {
    case 1:
        return COLOR_PAIR(UI_PAIR_RISK1);
    case 2:
        return COLOR_PAIR(UI_PAIR_RISK2) | A_BOLD;
    case 3:
        return COLOR_PAIR(UI_PAIR_RISK3) | A_BOLD;
    default:
        return 0;
    }
}

const char *ui_student_name(ui *u, const char *name)
{
    if (!u->privacy)
        return name ? name : "";
    char *out = u->private_names[u->next_private++ % 4];
    cl_student_private_name(name, out, sizeof u->private_names[0]);
    return out;
}

const char *ui_risk_label(int risk)
{
    static const char *const labels[] = {N_("0 none"), N_("1 attention"), N_("2 elevated"), N_("3 crisis")};
    return risk >= 0 && risk <= 3 ? _(labels[risk]) : "?";
}

/* Readable without colour (NO_COLOR) and on any terminal: plain ASCII. */
const char *ui_risk_symbol(long long risk)
{
    static const char *const symbols[] = {"  .", "  !", " !!", "!!!"};
    return risk >= 0 && risk <= 3 ? symbols[risk] : "  ?";
}

/* The command line's chart (cl_chart_bars: Unicode eighths, labels
 * aligned by cells), a line a bar, so a screen and `report stats` draw
 * bars the same way. */
void ui_chart(ui *u, int y, int x, int w, const char *title, const char *const *labels, const long long *values,
              size_t n)
{
    ui_text(u, y, x, w, title, A_BOLD);
    /* Labels whole where they fit in half the width: a bar's length says less. */
    char *chart = cl_chart_bars_labelled(labels, values, n, w, w / 2);
    int row = y + 1;
    for (char *line = chart; line && *line && row <= y + (int)n; row++) {
        char *end = strchr(line, '\n');
        if (end)
            *end = '\0';
        ui_text(u, row, x, w, line, 0);
        line = end ? end + 1 : NULL;
    }
    free(chart);
}

void ui_columns(ui *u, int y, int x, int h, int colw, const char *title, const long long *values, size_t n)
{
    ui_text(u, y, x, (int)n * colw, title, A_BOLD);
    long long max = 1;
    for (size_t i = 0; i < n; i++)
        if (values[i] > max)
            max = values[i];
    int bars = h - 2; /* one row for the numbers on top, one for the base */
    for (size_t i = 0; i < n; i++) {
        int height = (int)((values[i] * bars + max - 1) / max);
        int cx = x + (int)i * colw;
        for (int r = 0; r < height; r++)
            for (int c = 0; c < colw - 1; c++)
                put_cell(y + h - 1 - r, cx + c, L"\u2588", 0); /* █, as the bars */
        char count[24];
        cl_chart_count_fit(values[i], colw > 3 ? colw : 3, count, sizeof count);
        ui_textf(u, y + h - 1 - height, cx, colw, 0, "%s", count);
    }
}

int ui_body_top(void)
{
    return 1;
}

int ui_body_rows(ui *u)
{
    return u->rows - 3;
}

const char *ui_str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

long long ui_int(const json_t *o, const char *key)
{
    return (long long)json_integer_value(json_object_get(o, key));
}

/* The current form of each kind, asked of the catalogue once per unlock:
 * labels are drawn on every row of every frame, and the catalogue answers
 * from the database. Forms owned by the vault's catalogue stay valid until
 * the vault is closed, so the cache lasts one opening (ui.session). */
static const cl_form *current_form(ui *u, const char *kind)
{
    static unsigned long owner = (unsigned long)-1;
    static struct {
        char kind[32];
        const cl_form *form;
    } cache[32];
    static size_t n;
    if (owner != u->session) {
        owner = u->session;
        n = 0;
    }
    if (!u->vault || !kind)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (strcmp(cache[i].kind, kind) == 0)
            return cache[i].form;
    const cl_form *form = NULL;
    long long form_id;
    if (cl_catalog_current(u->vault, kind, &form, &form_id) != CL_OK) {
        cl_error_clear();
        form = NULL;
    }
    if (n < sizeof cache / sizeof *cache && strlen(kind) < sizeof cache[0].kind) {
        snprintf(cache[n].kind, sizeof cache[n].kind, "%s", kind);
        cache[n++].form = form;
    }
    return form;
}

const char *ui_choice_label(ui *u, const char *kind, const char *field, const char *id)
{
    const cl_form *form = id && *id ? current_form(u, kind) : NULL;
    if (!form)
        return id ? id : "";
    /* "guardians.relation": a subfield of a group. */
    char top[64];
    snprintf(top, sizeof top, "%s", field);
    char *dot = strchr(top, '.');
    if (dot)
        *dot = '\0';
    const cl_field *f = cl_form_field(form, top);
    if (f && dot)
        f = cl_field_subfield(f, dot + 1);
    const char *label = f ? cl_field_choice_label(f, id, u->lang) : NULL;
    return label ? label : id;
}

const char *ui_kind_label(ui *u, const char *kind)
{
    const cl_form *form = current_form(u, kind);
    return form ? cl_form_title(form, u->lang) : (kind ? kind : "");
}

const char *ui_kind_short(ui *u, const char *kind)
{
    const cl_form *form = current_form(u, kind);
    return form ? cl_form_short_title(form, u->lang) : (kind ? kind : "");
}
