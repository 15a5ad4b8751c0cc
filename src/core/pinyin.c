#include "carelog/pinyin.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "carelog/i18n.h"
#include "carelog/text.h"

size_t cl_pinyin_readings(uint32_t cp, const char *out[CL_PINYIN_MAX_READINGS])
{
    size_t lo = 0, hi = cl_pinyin_table_len;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cl_pinyin_table[mid].cp < cp)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == cl_pinyin_table_len || cl_pinyin_table[lo].cp != cp)
        return 0;
    size_t n = 0;
    out[n++] = cl_pinyin_syllables[cl_pinyin_table[lo].first];
    if (cl_pinyin_table[lo].second)
        out[n++] = cl_pinyin_syllables[cl_pinyin_table[lo].second];
    if (cl_pinyin_table[lo].third)
        out[n++] = cl_pinyin_syllables[cl_pinyin_table[lo].third];
    return n;
}

uint32_t cl_han_fold(uint32_t cp)
{
    if (cp < 0x3400)
        return cp;
    size_t lo = 0, hi = cl_han_fold_table_len;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cl_han_fold_table[mid].from < cp)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < cl_han_fold_table_len && cl_han_fold_table[lo].from == cp ? cl_han_fold_table[lo].to : cp;
}

#define MAX_SYLLABLES 8 /* longer names are typed by their first characters */

/* One character of a name as typed: its readings, or a Latin letter run. */
typedef struct syllable {
    const char *reading[CL_PINYIN_MAX_READINGS];
    size_t n;
} syllable;

/* The readings of each Han character of name, in order (others are
 * passed over); returns how many. */
static size_t syllables_of(const char *name, syllable syl[MAX_SYLLABLES])
{
    size_t n = 0;
    const char *p = name ? name : "", *end = p + strlen(p);
    while (p < end && n < MAX_SYLLABLES) {
        uint32_t cp;
        p += cl_utf8_decode(p, end, &cp);
        syllable s = {{NULL, NULL, NULL}, 0};
        s.n = cl_pinyin_readings(cl_han_fold(cp), s.reading);
        if (s.n == 0)
            s.n = cl_pinyin_readings(cp, s.reading);
        if (s.n)
            syl[n++] = s;
    }
    return n;
}

/* Appends every mix of full syllable and initial for syl[from..n). Each
 * choice is a digit in a mixed-radix counter: reading × (full, initial). */
static cl_status add_mixes(cl_buf *b, const syllable *syl, size_t from, size_t n, size_t max_keys)
{
    size_t keys = 0;
    size_t total = 1;
    for (size_t i = from; i < n; i++)
        total *= syl[i].n * 2;
    for (size_t k = 0; k < total && keys < max_keys; k++) {
        size_t rest = k;
        if (b->len)
            cl_buf_puts(b, " ");
        for (size_t i = from; i < n; i++) {
            size_t radix = syl[i].n * 2, choice = rest % radix;
            rest /= radix;
            const char *r = syl[i].reading[choice / 2];
            cl_status st = choice % 2 ? cl_buf_append(b, r, 1) : cl_buf_puts(b, r);
            if (st != CL_OK)
                return st;
        }
        keys++;
    }
    return CL_OK;
}

cl_status cl_pinyin_keys(const char *name, char **out)
{
    syllable syl[MAX_SYLLABLES];
    size_t n = syllables_of(name, syl);
    cl_buf b = {0};
    cl_status st = CL_OK;
    /* The counter of add_mixes turns the surname fastest, so its readings
     * (曾 zeng, 单 shan) all come before the limit cuts anything. */
    if (n)
        st = add_mixes(&b, syl, 0, n, CL_PINYIN_MAX_KEYS);
    if (st == CL_OK && n >= 2) /* the given name alone: a surname is one character */
        st = add_mixes(&b, syl, 1, n, CL_PINYIN_MAX_KEYS / 4);
    if (st != CL_OK) {
        cl_buf_free(&b);
        return st;
    }
    *out = cl_buf_take(&b);
    return *out ? CL_OK : cl_fail(CL_ESOFTWARE, _("out of memory"));
}

#define TYPED_MAX 64 /* letters of a name typed as pinyin; more is not a name */

typedef struct typed_match {
    const syllable *syl;
    size_t n;
    const char *typed;
    size_t len;
    uint64_t failed[MAX_SYLLABLES + 1]; /* bit pos set: typed[pos..] cannot follow syllable i */
} typed_match;

/* Whether typed[pos..] is spelled by syllables i, i+1, … each giving a
 * first part (one letter at least) of one of its readings. */
static bool spells(typed_match *m, size_t i, size_t pos)
{
    if (pos == m->len)
        return true;
    if (i == m->n || (m->failed[i] >> pos & 1))
        return false;
    for (size_t r = 0; r < m->syl[i].n; r++) {
        const char *reading = m->syl[i].reading[r];
        for (size_t l = 0; reading[l] && pos + l < m->len && reading[l] == m->typed[pos + l];)
            if (spells(m, i + 1, pos + ++l))
                return true;
    }
    m->failed[i] |= (uint64_t)1 << pos;
    return false;
}

bool cl_pinyin_matches(const char *name, const char *typed)
{
    char low[TYPED_MAX];
    size_t len = 0;
    for (const char *t = typed ? typed : ""; *t; t++) {
        char c = *t >= 'A' && *t <= 'Z' ? (char)(*t - 'A' + 'a') : *t;
        if (c < 'a' || c > 'z' || len == TYPED_MAX)
            return false;
        low[len++] = c;
    }
    if (len == 0)
        return false;
    syllable syl[MAX_SYLLABLES];
    size_t n = syllables_of(name, syl);
    typed_match m = {syl, n, low, len, {0}};
    /* From the surname, or from the given name alone. */
    return spells(&m, 0, 0) || (n >= 2 && spells(&m, 1, 0));
}
