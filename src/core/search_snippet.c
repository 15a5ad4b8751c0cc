/* A result's snippet: the words of the query marked in the record's
 * indexed text, around the first of them. Made here rather than by FTS5's
 * snippet(), which evaluates the whole query again for every row shown. */
#include <stdlib.h>
#include <string.h>

#include "carelog/i18n.h"
#include "carelog/search.h"
#include "carelog/text.h"
#include "search_internal.h"

#define BEFORE_CHARS 16 /* characters shown before the first match */
#define WINDOW_CHARS 72 /* characters shown in all */

static int add_query_token(void *ctx, const cl_token *t)
{
    cl_search_words *w = ctx;
    if (w->n == CL_SEARCH_WORDS_MAX || t->len >= sizeof w->v[0].text)
        return 0;
    memcpy(w->v[w->n].text, t->text, t->len);
    w->v[w->n].len = t->len;
    w->v[w->n].prefix = false;
    w->v[w->n].single = t->kind == CL_TOKEN_CJK_SINGLE;
    w->n++;
    return 0;
}

void cl_search_words_add(cl_search_words *w, const char *term)
{
    size_t before = w->n;
    cl_search_tokenize(term, strlen(term), true, add_query_token, w);
    /* A lone character ending a term is looked up as a prefix. */
    if (w->n > before && w->v[w->n - 1].single)
        w->v[w->n - 1].prefix = true;
}

typedef struct marker {
    const char *body;
    const cl_search_words *words;
    size_t (*ranges)[2];
    size_t n, cap;
} marker;

/* 0: not a word of the query; 1: one; 2: a pair found only by a lone
 * character's prefix (only that character is marked). */
static int wanted(const cl_search_words *w, const cl_token *t)
{
    int found = 0;
    for (size_t i = 0; i < w->n && found != 1; i++) {
        if (t->len == w->v[i].len && memcmp(t->text, w->v[i].text, t->len) == 0)
            found = 1;
        else if (w->v[i].prefix && t->len > w->v[i].len && memcmp(t->text, w->v[i].text, w->v[i].len) == 0)
            found = 2;
    }
    return found;
}

static int mark_token(void *ctx, const cl_token *t)
{
    marker *m = ctx;
    int how = wanted(m->words, t);
    if (!how)
        return 0;
    size_t end = t->end;
    if (how == 2) {
        uint32_t cp;
        end = t->start + cl_utf8_decode(m->body + t->start, m->body + t->end, &cp);
    }
    if (m->n && t->start <= m->ranges[m->n - 1][1]) { /* overlapping pairs join */
        if (end > m->ranges[m->n - 1][1])
            m->ranges[m->n - 1][1] = end;
        return 0;
    }
    if (m->n == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 16;
        void *grown = realloc(m->ranges, cap * sizeof *m->ranges);
        if (!grown)
            return 1;
        m->ranges = grown;
        m->cap = cap;
    }
    m->ranges[m->n][0] = t->start;
    m->ranges[m->n][1] = end;
    m->n++;
    return 0;
}

/* Steps back or forward `chars` characters from at, within [0, len]. */
static size_t step_chars(const char *s, size_t len, size_t at, long chars)
{
    while (chars < 0 && at > 0) {
        at--;
        while (at > 0 && ((unsigned char)s[at] & 0xC0) == 0x80)
            at--;
        chars++;
    }
    while (chars > 0 && at < len) {
        at++;
        while (at < len && ((unsigned char)s[at] & 0xC0) == 0x80)
            at++;
        chars--;
    }
    return at;
}

char *cl_search_snippet(const char *body, const cl_search_words *words)
{
    if (!body)
        body = "";
    size_t len = strlen(body);
    marker m = {body, words, NULL, 0, 0};
    if (words && words->n)
        cl_search_tokenize(body, len, false, mark_token, &m);
    size_t from = m.n ? step_chars(body, len, m.ranges[0][0], -BEFORE_CHARS) : 0;
    size_t to = step_chars(body, len, from, WINDOW_CHARS);
    cl_buf b = {0};
    cl_buf_puts(&b, from > 0 ? "…" : "");
    size_t r = 0;
    for (size_t at = from; at < to;) {
        while (r < m.n && m.ranges[r][1] <= at)
            r++;
        bool inside = r < m.n && m.ranges[r][0] <= at;
        size_t next = inside ? m.ranges[r][1] : r < m.n ? m.ranges[r][0] : to;
        if (next > to)
            next = to;
        if (inside)
            cl_buf_puts(&b, CL_SEARCH_MARK_START);
        size_t start = b.len;
        cl_buf_append(&b, body + at, next - at);
        for (size_t i = start; i < b.len; i++)
            if (b.data[i] == '\n')
                b.data[i] = ' ';
        if (inside)
            cl_buf_puts(&b, CL_SEARCH_MARK_END);
        at = next;
    }
    if (to < len)
        cl_buf_puts(&b, "…");
    free(m.ranges);
    return cl_buf_take(&b);
}
