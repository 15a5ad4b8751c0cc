/* What a due row's reason says, in English and Chinese, and the texts
 * the due list puts together (followup_internal.h): a list of thousands
 * of rows says each row's reason and cursor without a printf apiece, and
 * writes a reason as JSON from pieces whose JSON is known. */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "carelog/catalog.h"
#include "carelog/text.h"
#include "followup_internal.h"

/* Days since 1970-01-01 to "YYYY-MM-DD". */
void due_date_of_days(long days, char out[11])
{
    time_t t = (time_t)days * 86400;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

/* The length of s[0..n) without a character cut at its end. A row
 * whose text is not UTF-8 is left out of the list, so a text cut to fit
 * is cut before a character, never inside one. */
static size_t whole_characters(const char *s, size_t n)
{
    size_t start = n;
    while (start > 0 && ((unsigned char)s[start - 1] & 0xC0) == 0x80 && n - start < 3)
        start--;
    if (start == 0)
        return n;
    unsigned char lead = (unsigned char)s[start - 1];
    size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    return n - (start - 1) < need ? start - 1 : n;
}


text_cat due_cat_into(char *buf, size_t size)
{
    text_cat c = {buf, buf + size - 1};
    *buf = '\0';
    return c;
}

void due_cat_n(text_cat *c, const char *s, size_t n)
{
    size_t room = (size_t)(c->end - c->at);
    bool full = n > room;
    if (full)
        n = whole_characters(s, room);
    memcpy(c->at, s, n);
    c->at += n;
    *c->at = '\0';
    if (full)
        c->end = c->at; /* cut at the end, as snprintf would */
}

void due_cat_s(text_cat *c, const char *s)
{
    due_cat_n(c, s, strlen(s));
}

void due_cat_i(text_cat *c, long long n)
{
    char digits[24], *d = digits + sizeof digits;
    unsigned long long u = n < 0 ? 0 - (unsigned long long)n : (unsigned long long)n;
    do
        *--d = (char)('0' + u % 10);
    while (u /= 10);
    if (n < 0)
        *--d = '-';
    due_cat_n(c, d, (size_t)(digits + sizeof digits - d));
}

/* The date part of a stored date or date-time (its first 10 bytes). */
void due_cat_date(text_cat *c, const char *s)
{
    due_cat_n(c, s, strnlen(s, 10));
}



/* text into out[size], cut before a character if it must be. */
static void copy_whole(const char *text, char *out, size_t size)
{
    size_t n = strlen(text);
    if (n >= size)
        n = whole_characters(text, size - 1);
    memcpy(out, text, n);
    out[n] = '\0';
}

static void copy_inert(const char *text, char *out, size_t size)
{
    char *safe = cl_text_inert(text, false);
    copy_whole(safe ? safe : "", out, size);
    free(safe);
}

/* text as the inside of a JSON string into out[size]: its length, or
 * SIZE_MAX when it does not fit or is not UTF-8. */
static size_t inside_json(const char *text, char *out, size_t size)
{
    cl_buf b = {0};
    size_t n = SIZE_MAX;
    if (cl_buf_json_string(&b, text, strlen(text)) == CL_OK && b.len - 2 <= size) {
        n = b.len - 2;
        memcpy(out, b.data + 1, n);
    }
    cl_buf_free(&b);
    cl_error_clear();
    return n;
}


/* A literal and its length, for put_plain. */
#define PLAIN(literal) literal, sizeof literal - 1

static void put_piece(due_reason *r, const char *text, size_t len, const char *json, size_t json_len)
{
    r->pieces[r->n++] = (due_reason_piece){text, json, len, json_len};
}

/* Text that a JSON string holds as it is (none of ", \\ or a control). */
static void put_plain(due_reason *r, const char *text, size_t len)
{
    put_piece(r, text, len, text, len);
}

static bool plain_ascii(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7F || s[i] == '"' || s[i] == '\\')
            return false;
    return true;
}

static void put_text(due_reason *r, const char *text)
{
    size_t n = strlen(text);
    put_piece(r, text, n, plain_ascii(text, n) ? text : NULL, n);
}

/* The date part of a stored date or date-time (its first 10 bytes). */
static void put_date(due_reason *r, const char *s)
{
    size_t n = strnlen(s, 10);
    put_piece(r, s, n, plain_ascii(s, n) ? s : NULL, n);
}

static void put_words(due_reason *r, const char *text, const char *json, size_t json_len)
{
    put_piece(r, text, strlen(text), json_len == SIZE_MAX ? NULL : json, json_len);
}

static void put_integer(due_reason *r, long long n)
{
    text_cat c = due_cat_into(r->digits, sizeof r->digits);
    due_cat_i(&c, n);
    put_plain(r, r->digits, (size_t)(c.at - r->digits));
}

/* The reason under key: its pieces' JSON when it is written out and fits
 * uncut, else its text. */
void due_reason_put(cl_json_row *o, const char *key, size_t key_len, const due_reason *r)
{
    size_t len = 0, json_len = 2;
    bool written = o->text != NULL;
    for (int i = 0; i < r->n; i++) {
        len += r->pieces[i].len;
        json_len += r->pieces[i].json_len;
        written = written && r->pieces[i].json;
    }
    if (written && len <= DUE_REASON_MAX && json_len <= 2048) {
        char json[2048], *at = json;
        *at++ = '"';
        for (int i = 0; i < r->n; i++) {
            memcpy(at, r->pieces[i].json, r->pieces[i].json_len);
            at += r->pieces[i].json_len;
        }
        *at++ = '"';
        cl_json_row_text_written(o, key, key_len, NULL, 0, json, (size_t)(at - json));
        return;
    }
    char text[DUE_REASON_MAX + 1];
    text_cat c = due_cat_into(text, sizeof text);
    for (int i = 0; i < r->n; i++)
        due_cat_n(&c, r->pieces[i].text, r->pieces[i].len);
    cl_json_row_text_k(o, key, key_len, text, (size_t)(c.at - text));
}

/* The words of key, made by make when the list has not met key before
 * (into d->scratch when the cache is full). */
static const due_reason_words *words_of(due_reasons *d, const char *key,
                                        void (*make)(due_reasons *d, const char *a, const char *b, due_reason_words *w),
                                        const char *a, const char *b)
{
    for (int i = 0; i < d->n_words; i++)
        if (strcmp(d->words[i].key, key) == 0)
            return &d->words[i];
    bool kept = d->n_words < DUE_REASON_WORDS && strlen(key) < sizeof d->words[0].key;
    due_reason_words *w = kept ? &d->words[d->n_words++] : &d->scratch;
    snprintf(w->key, sizeof w->key, "%s", key);
    make(d, a, b, w);
    w->en_json_len = inside_json(w->en, w->en_json, sizeof w->en_json);
    w->zh_json_len = inside_json(w->zh, w->zh_json, sizeof w->zh_json);
    return w;
}

static void kind_words(due_reasons *d, const char *kind, const char *unused, due_reason_words *w)
{
    (void)unused;
    copy_inert(kind, w->en, sizeof w->en);
    copy_whole(cl_catalog_kind_label(d->v, kind, "zh"), w->zh, sizeof w->zh);
}

/* "crisis (risk 3)", "风险 3（危机）": the policy's value named. */
static void policy_words(due_reasons *d, const char *basis, const char *value, due_reason_words *w)
{
    if (!d->form_read) {
        d->form = cl_followup_student_form(d->v);
        d->form_read = true;
    }
    char label[160];
    cl_followup_policy_label(d->form, basis, value, false, label, sizeof label);
    copy_inert(label, w->en, sizeof w->en);
    cl_followup_policy_label(d->form, basis, value, true, label, sizeof label);
    copy_inert(label, w->zh, sizeof w->zh);
}

/* reason and reason_zh say the same for people, in English and Chinese
 * (the fronts show the one of the interface language). */
void due_followup_reason(due_reasons *d, const char *kind, long long set_by, const char *set_on, due_reason *en,
                         due_reason *zh)
{
    const due_reason_words *w = words_of(d, kind, kind_words, kind, NULL);
    /* "follow-up set by %s #%lld on %.10s" */
    put_plain(en, PLAIN("follow-up set by "));
    put_words(en, w->en, w->en_json, w->en_json_len);
    put_plain(en, PLAIN(" #"));
    put_integer(en, set_by);
    put_plain(en, PLAIN(" on "));
    put_date(en, set_on);
    /* "%.10s 的%s #%lld 约定的跟进" */
    put_date(zh, set_on);
    put_plain(zh, PLAIN(" 的"));
    put_words(zh, w->zh, w->zh_json, w->zh_json_len);
    put_plain(zh, PLAIN(" #"));
    put_integer(zh, set_by);
    put_plain(zh, PLAIN(" 约定的跟进"));
}

/* The policy with the fewest days, from the last direct contact (or from
 * the day the student was added), as student_state keeps it. */
void due_policy_reason(due_reasons *d, const char *basis, const char *value, int days, const char *last_contact,
                       long due, due_reason *en, due_reason *zh)
{
    /* Longer than a cached key can be, so that a key too long to keep is
     * worked out afresh (words_of) rather than cut to one another policy
     * shares. */
    char key[4 * sizeof d->words[0].key];
    snprintf(key, sizeof key, "%s\x1f%s", basis, value);
    const due_reason_words *w = words_of(d, key, policy_words, basis, value);
    char *since = en->since, *since_zh = zh->since;
    if (last_contact) {
        snprintf(since, sizeof en->since, "last contact %.10s", last_contact);
        snprintf(since_zh, sizeof zh->since, "上次接触 %.10s", last_contact);
    } else {
        char date[11];
        due_date_of_days(due - days, date);
        snprintf(since, sizeof en->since, "no contact yet (on file since %s)", date);
        snprintf(since_zh, sizeof zh->since, "尚未接触（%s 建档）", date);
    }
    /* "%s: at least every %d day%s; %s" and "%s：至少每 %d 天一次；%s". */
    put_words(en, w->en, w->en_json, w->en_json_len);
    put_plain(en, PLAIN(": at least every "));
    put_integer(en, days);
    if (days == 1)
        put_plain(en, PLAIN(" day; "));
    else
        put_plain(en, PLAIN(" days; "));
    put_text(en, since);
    put_words(zh, w->zh, w->zh_json, w->zh_json_len);
    put_plain(zh, PLAIN("：至少每 "));
    put_integer(zh, days);
    put_plain(zh, PLAIN(" 天一次；"));
    put_text(zh, since_zh);
}
