/* The "carelog" FTS5 tokenizer: overlapping bigrams for Han, kana and hangul
 * (Chinese has no spaces and most words are two characters), words for the
 * rest, all normalised the same way for the index and the query. */
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "carelog/i18n.h"
#include "carelog/pinyin.h"
#include "carelog/search.h"
#include "carelog/storage.h"
#include "carelog/text.h"
#include "search_internal.h"

#define WORD_MAX 255 /* bytes of a folded word; longer ones are cut the same way in text and query */
#define UNIT_MAX 64  /* bytes of one folded character with its marks */

typedef enum unit_class { U_SEP, U_WORD, U_MARK, U_CJK, U_SYMBOL } unit_class;

static bool is_cjk(uint32_t c)
{
    return (c >= 0x1100 && c <= 0x11FF) ||  /* hangul jamo */
           (c >= 0x2E80 && c <= 0x2FDF) ||  /* CJK and Kangxi radicals */
           c == 0x3005 || c == 0x3007 ||    /* 々 〇 */
           (c >= 0x3021 && c <= 0x3029) ||  /* Hangzhou numerals */
           (c >= 0x3040 && c <= 0x30FF) ||  /* hiragana, katakana */
           (c >= 0x3130 && c <= 0x318F) ||  /* hangul compatibility jamo */
           (c >= 0x31F0 && c <= 0x31FF) ||  /* katakana extensions */
           (c >= 0x3400 && c <= 0x4DBF) ||  /* extension A */
           (c >= 0x4E00 && c <= 0x9FFF) ||  /* unified ideographs */
           (c >= 0xA960 && c <= 0xA97F) ||  /* hangul jamo extended-A */
           (c >= 0xAC00 && c <= 0xD7FF) ||  /* hangul syllables, jamo extended-B */
           (c >= 0xF900 && c <= 0xFAFF) ||  /* compatibility ideographs */
           (c >= 0xFF66 && c <= 0xFF9F) ||  /* half-width katakana */
           (c >= 0xFFA0 && c <= 0xFFDC) ||  /* half-width hangul */
           (c >= 0x1B000 && c <= 0x1B16F) || /* kana supplement and extensions */
           (c >= 0x20000 && c <= 0x3FFFF);  /* extensions B… and compatibility supplement */
}

static unit_class classify(uint32_t cp)
{
    if (cp < 0x80) {
        if ((cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z'))
            return U_WORD;
        return U_SEP;
    }
    if (is_cjk(cp))
        return U_CJK;
    if (cp == 0xFFFD) /* what a malformed byte decodes to */
        return U_SEP;
    switch (utf8proc_category((utf8proc_int32_t)cp)) {
    case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL: case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM: case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_ND: case UTF8PROC_CATEGORY_NL: case UTF8PROC_CATEGORY_NO:
        return U_WORD;
    case UTF8PROC_CATEGORY_MN: case UTF8PROC_CATEGORY_MC: case UTF8PROC_CATEGORY_ME:
    case UTF8PROC_CATEGORY_CF: /* joiners, variation and soft hyphens belong to what they follow */
        return U_MARK;
    case UTF8PROC_CATEGORY_SO:
        return U_SYMBOL;
    default:
        return U_SEP;
    }
}

typedef struct unit {
    unit_class cls;
    size_t start, end; /* the base character and its marks */
    uint32_t first;    /* the base character */
} unit;

static size_t decode(const char *text, size_t len, size_t at, uint32_t *cp)
{
    return cl_utf8_decode(text + at, text + len, cp);
}

/* The unit at `at`: one character with the marks that follow it. */
static unit next_unit(const char *text, size_t len, size_t at)
{
    uint32_t cp;
    size_t n = decode(text, len, at, &cp);
    unit u = {classify(cp), at, at + n, cp};
    if (u.cls == U_MARK) /* a mark that follows nothing */
        u.cls = U_SEP;
    if (u.cls == U_SEP)
        return u;
    while (u.end < len) {
        n = decode(text, len, u.end, &cp);
        if (cp == 0xFFFD || classify(cp) != U_MARK)
            break;
        u.end += n;
    }
    return u;
}

static size_t put_utf8(char *out, uint32_t cp)
{
    return (size_t)utf8proc_encode_char((utf8proc_int32_t)cp, (utf8proc_uint8_t *)out);
}

/* NFKC with case folding, default-ignorables dropped, Han folded to
 * simplified, into out[0..cap); returns the length, or (size_t)-1 when out
 * of memory. Longer results are cut at a character boundary. */
static size_t fold(const char *s, size_t n, char *out, size_t cap)
{
    bool ascii = true;
    for (size_t i = 0; i < n && ascii; i++)
        ascii = (unsigned char)s[i] < 0x80;
    if (ascii) {
        size_t m = n < cap ? n : cap;
        for (size_t i = 0; i < m; i++)
            out[i] = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] - 'A' + 'a') : s[i];
        return m;
    }
    utf8proc_uint8_t *mapped = NULL;
    utf8proc_ssize_t m = utf8proc_map((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)n, &mapped,
                                      UTF8PROC_STABLE | UTF8PROC_COMPAT | UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD |
                                          UTF8PROC_IGNORE);
    if (m < 0) {
        free(mapped);
        return m == UTF8PROC_ERROR_NOMEM ? (size_t)-1 : 0;
    }
    size_t o = 0;
    for (utf8proc_ssize_t i = 0; i < m;) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t k = utf8proc_iterate(mapped + i, m - i, &cp);
        if (k <= 0)
            break;
        i += k;
        char enc[4];
        size_t e = put_utf8(enc, cl_han_fold((uint32_t)cp));
        if (o + e > cap)
            break;
        memcpy(out + o, enc, e);
        o += e;
    }
    free(mapped);
    return o;
}

/* A CJK character folded; unified ideographs (nearly all Chinese text) need
 * no normalisation, only the traditional → simplified fold. */
static size_t fold_unit(const char *text, const unit *u, char *out)
{
    bool plain = u->end - u->start == (size_t)(u->first < 0x10000 ? 3 : 4) &&
                 ((u->first >= 0x4E00 && u->first <= 0x9FFF) || (u->first >= 0x3400 && u->first <= 0x4DBF) ||
                  (u->first >= 0x20000 && u->first <= 0x2F7FF));
    if (plain)
        return put_utf8(out, cl_han_fold(u->first));
    return fold(text + u->start, u->end - u->start, out, UNIT_MAX);
}

/* A run of Han, kana or hangul characters being cut into pairs. A run's
 * last character is also a token of its own, at its own position, so that
 * a query for one character finds it as a prefix of a pair or as that
 * token, and pairs of neighbouring runs never read as one phrase. */
typedef struct run {
    char prev[UNIT_MAX];
    size_t prev_len, prev_start, prev_end, length;
} run;

typedef struct sink {
    cl_token_fn fn;
    void *ctx;
    bool for_query;
    /* In a query a run's last character is needed only when more follows
     * in the same term ("割腕qq"); a term that ends in a run ends in its
     * last pair. */
    bool pending;
    cl_token held;
    char held_text[UNIT_MAX];
} sink;

static int emit(sink *k, const char *t, size_t n, size_t s, size_t e, cl_token_kind kind)
{
    if (n == 0)
        return 0;
    if (k->pending) {
        k->pending = false;
        int rc = k->fn(k->ctx, &k->held);
        if (rc)
            return rc;
    }
    cl_token tok = {t, n, s, e, kind};
    return k->fn(k->ctx, &tok);
}

static int end_run(run *r, sink *k)
{
    int rc = 0;
    if (r->length == 1 || (r->length > 1 && !k->for_query)) {
        rc = emit(k, r->prev, r->prev_len, r->prev_start, r->prev_end, CL_TOKEN_CJK_SINGLE);
    } else if (r->length > 1) {
        memcpy(k->held_text, r->prev, r->prev_len);
        k->held = (cl_token){k->held_text, r->prev_len, r->prev_start, r->prev_end, CL_TOKEN_CJK_SINGLE};
        k->pending = true;
    }
    r->length = 0;
    return rc;
}

int cl_search_tokenize(const char *text, size_t len, bool for_query, cl_token_fn fn, void *ctx)
{
    run r = {.length = 0};
    sink k = {.fn = fn, .ctx = ctx, .for_query = for_query};
    size_t word_start = 0, word_end = 0;
    bool in_word = false;
    int rc = 0;
    for (size_t at = 0; at <= len && rc == 0;) {
        unit u = at < len ? next_unit(text, len, at) : (unit){U_SEP, len, len, 0};
        if (u.cls == U_WORD) {
            if (!in_word)
                word_start = u.start;
            in_word = true;
            word_end = u.end;
        } else if (in_word) {
            char w[WORD_MAX];
            size_t n = fold(text + word_start, word_end - word_start, w, sizeof w);
            if (n == (size_t)-1)
                return SQLITE_NOMEM;
            rc = emit(&k, w, n, word_start, word_end, CL_TOKEN_WORD);
            in_word = false;
        }
        if (rc == 0 && u.cls == U_CJK) {
            char cur[UNIT_MAX];
            size_t n = fold_unit(text, &u, cur);
            if (n == (size_t)-1)
                return SQLITE_NOMEM;
            if (r.length > 0) {
                char pair[2 * UNIT_MAX];
                memcpy(pair, r.prev, r.prev_len);
                memcpy(pair + r.prev_len, cur, n);
                rc = emit(&k, pair, r.prev_len + n, r.prev_start, u.end, CL_TOKEN_CJK_PAIR);
            }
            memcpy(r.prev, cur, n);
            r.prev_len = n, r.prev_start = u.start, r.prev_end = u.end;
            r.length++;
        } else if (rc == 0 && r.length > 0) {
            rc = end_run(&r, &k);
        }
        if (rc == 0 && u.cls == U_SYMBOL) {
            char sym[UNIT_MAX];
            size_t n = fold(text + u.start, u.end - u.start, sym, sizeof sym);
            if (n == (size_t)-1)
                return SQLITE_NOMEM;
            rc = emit(&k, sym, n, u.start, u.end, CL_TOKEN_SYMBOL);
        }
        at = u.end > at ? u.end : at + 1;
    }
    return rc;
}

/* ---- FTS5 ------------------------------------------------------------ */

typedef struct fts_sink {
    void *ctx;
    int (*token)(void *, int, const char *, int, int, int);
} fts_sink;

static int to_fts(void *ctx, const cl_token *t)
{
    fts_sink *s = ctx;
    return s->token(s->ctx, 0, t->text, (int)t->len, (int)t->start, (int)t->end);
}

static int tok_create(void *ctx, const char **args, int nargs, Fts5Tokenizer **out)
{
    (void)args;
    (void)nargs;
    *out = (Fts5Tokenizer *)ctx; /* stateless: any non-NULL handle */
    return SQLITE_OK;
}

static void tok_delete(Fts5Tokenizer *t)
{
    (void)t;
}

static int tok_tokenize(Fts5Tokenizer *t, void *ctx, int flags, const char *text, int len,
                        int (*token)(void *, int, const char *, int, int, int))
{
    (void)t;
    fts_sink s = {ctx, token};
    return cl_search_tokenize(text, len > 0 ? (size_t)len : 0, (flags & FTS5_TOKENIZE_QUERY) != 0, to_fts, &s);
}

static fts5_api *fts5_api_of(sqlite3 *db)
{
    fts5_api *api = NULL;
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &q, NULL) == SQLITE_OK) {
        sqlite3_bind_pointer(q, 1, (void *)&api, "fts5_api_ptr", NULL);
        sqlite3_step(q);
    }
    sqlite3_finalize(q);
    return api;
}

cl_status cl_search_register_tokenizer(sqlite3 *db)
{
    static int handle; /* the address is the tokenizer instance */
    fts5_api *api = fts5_api_of(db);
    if (!api || api->iVersion < 2)
        return cl_fail(CL_ESOFTWARE, _("this SQLCipher has no FTS5, which carelog's search needs; install "
                                        "SQLCipher 4 with tools/install-deps"));
    fts5_tokenizer tok = {tok_create, tok_delete, tok_tokenize};
    if (api->xCreateTokenizer(api, "carelog", &handle, &tok, NULL) != SQLITE_OK)
        return cl_db_fail(db, "registering the search tokenizer");
    return CL_OK;
}
