/* The query language people type, turned into an FTS5 expression in which
 * every term is a quoted string: quotes, NEAR, column names, parentheses and
 * operators typed by a person are only ever words to look for. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "carelog/i18n.h"
#include "carelog/identifier.h"
#include "carelog/search.h"
#include "carelog/text.h"
#include "search_internal.h"

#define MAX_PARTS 64 /* terms and exclusions each: more is not a search a person types */

static bool starts(const char *p, const char *end, const char *s)
{
    size_t n = strlen(s);
    return (size_t)(end - p) >= n && memcmp(p, s, n) == 0;
}

/* Spaces, including the ideographic space a Chinese keyboard types. */
static size_t space_at(const char *p, const char *end)
{
    if (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        return 1;
    return starts(p, end, "\u3000") ? 3 : 0;
}

static size_t open_quote_at(const char *p, const char *end)
{
    if (p < end && *p == '"')
        return 1;
    return starts(p, end, "\u201c") ? 3 : 0; /* “ */
}

static size_t close_quote_at(const char *p, const char *end)
{
    if (p < end && *p == '"')
        return 1;
    return starts(p, end, "\u201d") ? 3 : 0; /* ” */
}

/* Reads one part at *pp: a quoted phrase or a run up to a space. A quote
 * inside a bare run starts a phrase that belongs to it (student:"王 芳",
 * -"a phrase"); *quoted is whether the part began with one. */
static char *read_part(const char **pp, const char *end, bool *quoted)
{
    const char *p = *pp;
    cl_buf b = {0};
    *quoted = false;
    while (p < end && !space_at(p, end)) {
        size_t q = open_quote_at(p, end);
        if (q) {
            *quoted |= p == *pp;
            p += q;
            while (p < end && !close_quote_at(p, end)) {
                cl_buf_append(&b, p, 1);
                p++;
            }
            p += close_quote_at(p, end);
            continue;
        }
        cl_buf_append(&b, p, 1);
        p++;
    }
    *pp = p;
    return cl_buf_take(&b);
}

static const char *const filters[] = {"kind", "student", "class", "author"};

/* Where the value of filters[i] goes. */
static char **filter_slot(cl_search_query *q, size_t i)
{
    switch (i) {
    case 0: return &q->kind;
    case 1: return &q->student;
    case 2: return &q->klass;
    default: return &q->author;
    }
}

/* "kind:" or "kind：" at the start of part: the length of the prefix. */
static size_t filter_prefix(const char *part, const char *name)
{
    size_t n = strlen(name);
    if (strncmp(part, name, n) != 0)
        return 0;
    if (part[n] == ':')
        return n + 1;
    return strncmp(part + n, "\uff1a", 3) == 0 ? n + 3 : 0; /* full-width colon */
}

static cl_status add_to(char ***list, size_t *n, char *part)
{
    if (*n == MAX_PARTS) {
        free(part);
        return cl_fail(CL_EUSAGE, _("a search takes at most %d words"), MAX_PARTS);
    }
    char **grown = realloc(*list, (*n + 1) * sizeof **list);
    if (!grown) {
        free(part);
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    }
    *list = grown;
    (*list)[(*n)++] = part;
    return CL_OK;
}

static cl_status take_part(cl_search_query *q, char *part, bool quoted)
{
    if (!quoted && (part[0] == '-' || strncmp(part, "\uff0d", 3) == 0)) {
        size_t skip = part[0] == '-' ? 1 : 3;
        if (!part[skip]) {
            free(part);
            return CL_OK;
        }
        memmove(part, part + skip, strlen(part + skip) + 1);
        return add_to(&q->excluded, &q->n_excluded, part);
    }
    for (size_t i = 0; i < sizeof filters / sizeof filters[0]; i++) {
        size_t n = filter_prefix(part, filters[i]);
        if (!n)
            continue;
        if (!part[n]) {
            cl_status st = cl_fail(CL_EUSAGE, _("%s: needs a value, as in %s:VALUE"), filters[i],
                                   filters[i]);
            free(part);
            return st;
        }
        char **slot = filter_slot(q, i);
        free(*slot);
        *slot = strdup(part + n);
        free(part);
        return *slot ? CL_OK : cl_fail(CL_ESOFTWARE, _("out of memory"));
    }
    static const char *const dates[] = {"since", "until"};
    for (size_t i = 0; i < 2; i++) {
        size_t n = filter_prefix(part, dates[i]);
        if (!n)
            continue;
        char *day = i == 0 ? q->since : q->until;
        if (!cl_date_parse(part + n, day)) {
            char *shown = cl_text_inert(part + n, false);
            cl_status st = cl_fail(CL_EUSAGE, _("%s: needs a date (YYYY-MM-DD), not \"%s\""), dates[i],
                                   shown ? shown : "");
            free(shown);
            free(part);
            return st;
        }
        free(part);
        return CL_OK;
    }
    if (!*part) {
        free(part);
        return CL_OK;
    }
    return add_to(&q->terms, &q->n_terms, part);
}

cl_status cl_search_query_parse(const char *text, cl_search_query *q)
{
    memset(q, 0, sizeof *q);
    if (!text)
        text = "";
    if (!cl_utf8_valid(text, strlen(text)))
        return cl_fail(CL_EUSAGE, "%s", _("the search is not valid UTF-8 text"));
    const char *p = text, *end = text + strlen(text);
    cl_status st = CL_OK;
    while (p < end && st == CL_OK) {
        size_t s = space_at(p, end);
        if (s) {
            p += s;
            continue;
        }
        bool quoted;
        char *part = read_part(&p, end, &quoted);
        st = part ? take_part(q, part, quoted) : cl_fail(CL_ESOFTWARE, _("out of memory"));
    }
    if (st != CL_OK)
        cl_search_query_free(q);
    return st;
}

void cl_search_query_free(cl_search_query *q)
{
    for (size_t i = 0; i < q->n_terms; i++)
        free(q->terms[i]);
    for (size_t i = 0; i < q->n_excluded; i++)
        free(q->excluded[i]);
    free(q->terms);
    free(q->excluded);
    free(q->kind);
    free(q->student);
    free(q->klass);
    free(q->author);
    memset(q, 0, sizeof *q);
}

typedef struct term_shape {
    size_t tokens;
    cl_token_kind last;
} term_shape;

static int shape_token(void *ctx, const cl_token *t)
{
    term_shape *s = ctx;
    s->tokens++;
    s->last = t->kind;
    return 0;
}

static bool ascii_letters(const char *s)
{
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
            return false;
    return true;
}

/* `body : "te""rm"` — with * when the term ends in a lone Han character,
 * which the index holds only as the start of a pair or a run's last, and
 * for pinyin, whose keys (every mix of full syllables and initials) are
 * found by their beginnings as a name is typed. */
static void put_phrase(cl_buf *b, const char *column, const char *term, bool prefix)
{
    cl_buf_printf(b, "%s : \"", column);
    for (const char *p = term; *p; p++) {
        if (*p == '"')
            cl_buf_puts(b, "\"\"");
        else
            cl_buf_append(b, p, 1);
    }
    cl_buf_puts(b, prefix ? "\"*" : "\"");
}

/* One term as an expression; false when it yields no token at all. */
static bool put_term(cl_buf *b, const char *term, bool with_pinyin)
{
    term_shape s = {0, CL_TOKEN_WORD};
    cl_search_tokenize(term, strlen(term), true, shape_token, &s);
    if (!s.tokens)
        return false;
    bool pinyin = with_pinyin && ascii_letters(term);
    cl_buf_puts(b, "(");
    put_phrase(b, "body", term, s.last == CL_TOKEN_CJK_SINGLE);
    if (pinyin) {
        cl_buf_puts(b, " OR ");
        put_phrase(b, "pinyin", term, true); /* zh, zhao, zhaox: found while still typing */
    }
    cl_buf_puts(b, ")");
    return true;
}

cl_status cl_search_query_match(const cl_search_query *q, char **match, char **excluded)
{
    *match = *excluded = NULL;
    cl_buf pos = {0}, neg = {0};
    size_t npos = 0, nneg = 0;
    for (size_t i = 0; i < q->n_terms; i++) {
        size_t before = pos.len;
        if (npos)
            cl_buf_puts(&pos, " AND ");
        if (put_term(&pos, q->terms[i], true))
            npos++;
        else if (pos.data)
            pos.data[pos.len = before] = '\0';
    }
    for (size_t i = 0; i < q->n_excluded; i++) {
        size_t before = neg.len;
        if (nneg)
            cl_buf_puts(&neg, " OR ");
        if (put_term(&neg, q->excluded[i], false))
            nneg++;
        else if (neg.data)
            neg.data[neg.len = before] = '\0';
    }
    /* The filters as the index's own words (search_internal.h): FTS5 then
     * walks only the records that say the words and have the filter. */
    const char *filter_values[3] = {q->kind, q->author, NULL};
    char *klass = NULL;
    cl_status st = CL_OK;
    if (npos && q->klass)
        st = cl_identifier_normalise(CL_IDENTIFIER_CLASS, q->klass, "class:", &klass);
    filter_values[2] = klass;
    for (size_t i = 0; npos && st == CL_OK && i < 3; i++) {
        if (!filter_values[i] || !*filter_values[i])
            continue;
        char key[CL_SEARCH_FILTER_KEY_LEN];
        cl_search_filter_key("kac"[i], filter_values[i], key);
        st = cl_buf_printf(&pos, " AND pinyin : \"%s\"", key);
    }
    free(klass);
    if (st != CL_OK) {
        cl_buf_free(&pos);
        cl_buf_free(&neg);
        return st;
    }
    if (npos && nneg) {
        cl_buf all = {0};
        cl_buf_printf(&all, "(%s) NOT (%s)", pos.data, neg.data);
        *match = cl_buf_take(&all);
        st = *match ? CL_OK : cl_fail(CL_ESOFTWARE, _("out of memory"));
    } else if (npos) {
        *match = cl_buf_take(&pos);
        st = *match ? CL_OK : cl_fail(CL_ESOFTWARE, _("out of memory"));
    } else if (nneg) {
        *excluded = cl_buf_take(&neg);
        st = *excluded ? CL_OK : cl_fail(CL_ESOFTWARE, _("out of memory"));
    }
    cl_buf_free(&pos);
    cl_buf_free(&neg);
    return st;
}
