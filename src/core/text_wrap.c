/* Wrapping text to the terminal's width (text.h): one rule for where a line
 * breaks, shared by tables and by label/value text such as a rendered
 * record. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "carelog/text.h"

size_t cl_text_wrap_piece(const char *s, size_t len, int room)
{
    const char *p = s, *end = s + len, *q = s, *space = NULL;
    int used = 0;
    while (q < end) {
        uint32_t cp;
        size_t n = cl_utf8_decode(q, end, &cp);
        int w = cl_codepoint_width(cp);
        if (used + w > room)
            break;
        /* At the last space, unless that leaves the line less than half
         * full (Chinese text has no spaces and breaks anywhere). */
        if (cp == ' ' && q > p)
            space = used >= room / 2 ? q : NULL;
        used += w;
        q += n;
    }
    /* A line that ends just before a space breaks there. */
    const char *stop = q < end && *q != ' ' && space ? space : q;
    if (stop == p && p < end) /* a character wider than the room */
        stop = p + cl_utf8_decode(p, end, &(uint32_t){0});
    return (size_t)(stop - p);
}

/* Display cells of s[0..len). */
static int width_of(const char *s, size_t len)
{
    int w = 0;
    const char *end = s + len;
    while (s < end) {
        uint32_t cp;
        s += cl_utf8_decode(s, end, &cp);
        w += cl_codepoint_width(cp);
    }
    return w;
}

/* Where the rest of a long line stands: under the value after the line's
 * "label: " when the label takes at most half the width, else under the
 * line's own indentation (plus two cells for a list item "- "). */
static int hanging_indent(const char *line, size_t len, int width)
{
    size_t lead = 0;
    while (lead < len && line[lead] == ' ')
        lead++;
    const char *colon = NULL;
    for (const char *p = line + lead; p + 1 < line + len; p++)
        if (p[0] == ':' && p[1] == ' ') {
            colon = p;
            break;
        }
    if (colon) {
        int at = width_of(line, (size_t)(colon - line)) + 2;
        if (at <= width / 2)
            return at;
    }
    int indent = (int)lead;
    if (lead + 1 < len && line[lead] == '-' && line[lead + 1] == ' ')
        indent += 2;
    return indent <= width / 2 ? indent : 0;
}

char *cl_text_wrap(const char *text, int width)
{
    if (!text)
        return NULL;
    if (width <= 0)
        return strdup(text);
    cl_buf b = {0};
    cl_status st = cl_buf_puts(&b, "");
    const char *p = text, *end = text + strlen(text);
    while (p < end && st == CL_OK) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        size_t len = (size_t)(le - p);
        if (width_of(p, len) <= width) {
            st = cl_buf_append(&b, p, len);
        } else {
            int indent = hanging_indent(p, len, width);
            const char *q = p;
            bool first = true;
            while (q < le && st == CL_OK) {
                int room = first ? width : width - indent;
                size_t n = cl_text_wrap_piece(q, (size_t)(le - q), room < 8 ? 8 : room);
                if (!first)
                    st = cl_buf_printf(&b, "\n%*s", indent, "");
                size_t keep = n;
                while (keep > 0 && q[keep - 1] == ' ')
                    keep--;
                if (st == CL_OK)
                    st = cl_buf_append(&b, q, keep);
                for (q += n; q < le && *q == ' '; q++)
                    ;
                first = false;
            }
        }
        if (st == CL_OK && nl)
            st = cl_buf_append(&b, "\n", 1);
        p = nl ? nl + 1 : end;
    }
    if (st != CL_OK) {
        cl_buf_free(&b);
        return NULL;
    }
    return cl_buf_take(&b);
}
