/* What is due: the open follow-ups (followups) and each student's policy
 * date (student_state), both kept by every write, read as two ranges of
 * their indexes and put in the list's order here. */
#include "carelog/followup.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "carelog/catalog.h"
#include "carelog/clock.h"
#include "carelog/i18n.h"
#include "carelog/storage.h"
#include "carelog/text.h"
#include "followup_internal.h"
#include "student_directory.h"

/* Days since 1970-01-01 to "YYYY-MM-DD". */
static void date_of_days(long days, char out[11])
{
    time_t t = (time_t)days * 86400;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

/* The date part (first 10 bytes) of a stored date or date-time, as days;
 * LONG_MIN when it is not a date. */
static long days_of(const char *s)
{
    char d[11];
    if (!s || strlen(s) < 10)
        return LONG_MIN;
    memcpy(d, s, 10);
    d[10] = '\0';
    return cl_date_days(d);
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

/* Texts put together piece by piece, cut at the end of their buffer: a
 * list of thousands of rows says each row's reason and cursor without a
 * printf apiece. */
typedef struct text_cat {
    char *at, *end; /* end: the last byte, kept for the NUL */
} text_cat;

static text_cat cat_into(char *buf, size_t size)
{
    text_cat c = {buf, buf + size - 1};
    *buf = '\0';
    return c;
}

static void cat_n(text_cat *c, const char *s, size_t n)
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

static void cat_s(text_cat *c, const char *s)
{
    cat_n(c, s, strlen(s));
}

static void cat_i(text_cat *c, long long n)
{
    char digits[24], *d = digits + sizeof digits;
    unsigned long long u = n < 0 ? 0 - (unsigned long long)n : (unsigned long long)n;
    do
        *--d = (char)('0' + u % 10);
    while (u /= 10);
    if (n < 0)
        *--d = '-';
    cat_n(c, d, (size_t)(digits + sizeof digits - d));
}

/* The date part of a stored date or date-time (its first 10 bytes). */
static void cat_date(text_cat *c, const char *s)
{
    cat_n(c, s, strnlen(s, 10));
}

/* ---- the two sources ------------------------------------------------- */

/* Each source in due-date order from its index (followups_open_listed and
 * student_state_policy_listed, which hold every column read here),
 * with no sort: the list's order within a day (student number, student
 * id, source, record) is made here a day at a time, for a sort of the
 * whole list by SQLite was most of its cost. ?1..?2 bound the due date;
 * after a cursor, the rows up to its position (?3..?6, the student's
 * number looked up by id) are skipped; without one the statement has no
 * such test to make for every row. Columns: date, number, student id,
 * record (0 for a policy), name, class, risk, then a follow-up's kind and
 * day set, or a policy's basis, value, days and last contact. */
#define FOLLOW_UPS                                                                                           \
    "SELECT f.due_date, s.number, s.id, f.record_id, s.name, s.class, s.risk_level, f.kind, f.set_on"       \
    " FROM followups f JOIN students s ON s.id = f.student_id"                                               \
    " WHERE f.open AND f.due_date >= ?1 AND f.due_date <= ?2"
#define POLICIES                                                                                             \
    "SELECT t.policy_due, s.number, s.id, 0, s.name, s.class, s.risk_level, t.policy_basis, t.policy_value," \
    "  t.policy_days, t.last_contact"                                                                        \
    " FROM student_state t JOIN students s ON s.id = t.student_id"                                           \
    " WHERE t.policy_due IS NOT NULL AND t.policy_due >= ?1 AND t.policy_due <= ?2"
#define KEY_AFTER "(?3, coalesce((SELECT c.number FROM students c WHERE c.id = ?4), ''), ?4, ?5, ?6)"
/* The same rows without the join, for a list whose students come from
 * the directory (student_directory.h): the student's columns are NULL. */
#define FOLLOW_UPS_ALONE                                                                                     \
    "SELECT f.due_date, NULL, f.student_id, f.record_id, NULL, NULL, NULL, f.kind, f.set_on"                 \
    " FROM followups f WHERE f.open AND f.due_date >= ?1 AND f.due_date <= ?2 ORDER BY f.due_date"
#define POLICIES_ALONE                                                                                       \
    "SELECT t.policy_due, NULL, t.student_id, 0, NULL, NULL, NULL, t.policy_basis, t.policy_value,"          \
    "  t.policy_days, t.last_contact"                                                                        \
    " FROM student_state t WHERE t.policy_due IS NOT NULL AND t.policy_due >= ?1 AND t.policy_due <= ?2"     \
    " ORDER BY t.policy_due"
enum { FOLLOW_UP, POLICY };
enum { JOINED, JOINED_AFTER, ALONE };
static const char *const source_sql[2][3] = {
    {FOLLOW_UPS " ORDER BY f.due_date",
     FOLLOW_UPS " AND (f.due_date, s.number, s.id, 'follow_up', f.record_id) > " KEY_AFTER " ORDER BY f.due_date",
     FOLLOW_UPS_ALONE},
    {POLICIES " ORDER BY t.policy_due",
     POLICIES " AND (t.policy_due, s.number, s.id, 'policy', 0) > " KEY_AFTER " ORDER BY t.policy_due",
     POLICIES_ALONE},
};
static const char *const source_names[2] = {"follow_up", "policy"};
/* A word of the list's own, with its JSON string. */
typedef struct plain_word {
    const char *text, *json;
    size_t len;
} plain_word;
static const plain_word sources[2] = {{"follow_up", "\"follow_up\"", 9}, {"policy", "\"policy\"", 6}};
static const plain_word statuses[2] = {{"due", "\"due\"", 3}, {"overdue", "\"overdue\"", 7}};
enum { C_DATE, C_NUMBER, C_STUDENT, C_RECORD, C_NAME, C_CLASS, C_RISK, C_KIND, C_SET_ON };
enum { C_BASIS = C_KIND, C_VALUE = C_SET_ON, C_DAYS, C_LAST_CONTACT };

/* ---- one day's rows ---------------------------------------------------- */

/* A row read from a source, its texts copied into the day's arena (an
 * offset each, as the arena grows): the rows of a day are all read before
 * the first is given. */
enum { T_NUMBER, T_NAME, T_CLASS, T_KIND, T_SET_ON, T_BASIS = T_KIND, T_VALUE = T_SET_ON, T_LAST_CONTACT,
       N_TEXTS };
typedef struct due_item {
    int source;
    long long student, record;
    int risk, days;
    bool contacted; /* a policy's last contact is known */
    size_t text[N_TEXTS];
    const cl_student_entry *who; /* from the directory; NULL: number, name and class are in the texts */
    cl_student_text number, name, class_name; /* once the day is read; their JSON only from the directory */
} due_item;

typedef struct due_day {
    due_item *items;
    due_item **order; /* the items in the list's order */
    size_t n, cap, order_cap;
    cl_buf texts; /* wiped when freed: names are in it */
    const char *date; /* the due date of every row of the day, as written */
    long due;         /* as days (LONG_MIN: not a date) */
    const cl_student_directory *directory; /* NULL: the rows are joined to students */
} due_day;

static size_t keep_text(due_day *day, sqlite3_stmt *q, int column, bool *ok)
{
    size_t at = day->texts.len;
    const char *s = (const char *)sqlite3_column_text(q, column);
    *ok = *ok && cl_buf_append(&day->texts, s ? s : "", (size_t)sqlite3_column_bytes(q, column) + 1) == CL_OK;
    return at;
}

static cl_status day_add(due_day *day, sqlite3_stmt *q, int source)
{
    if (day->n == day->cap) {
        size_t cap = day->cap ? day->cap * 2 : 64;
        due_item *grown = realloc(day->items, cap * sizeof *grown);
        if (!grown)
            return cl_fail(CL_ESOFTWARE, _("out of memory"));
        day->items = grown;
        day->cap = cap;
    }
    due_item *it = &day->items[day->n];
    bool ok = true;
    *it = (due_item){.source = source, .student = sqlite3_column_int64(q, C_STUDENT),
                     .record = sqlite3_column_int64(q, C_RECORD), .risk = sqlite3_column_int(q, C_RISK)};
    if (day->directory) {
        /* Looked up once the day is read, by when it is in the cache. */
        cl_student_directory_prefetch(day->directory, it->student);
    } else {
        it->text[T_NUMBER] = keep_text(day, q, C_NUMBER, &ok);
        it->text[T_NAME] = keep_text(day, q, C_NAME, &ok);
        it->text[T_CLASS] = keep_text(day, q, C_CLASS, &ok);
    }
    it->text[T_KIND] = keep_text(day, q, C_KIND, &ok);
    it->text[T_SET_ON] = keep_text(day, q, C_SET_ON, &ok);
    if (source == POLICY) {
        it->days = sqlite3_column_int(q, C_DAYS);
        it->contacted = sqlite3_column_type(q, C_LAST_CONTACT) != SQLITE_NULL;
        it->text[T_LAST_CONTACT] = keep_text(day, q, C_LAST_CONTACT, &ok);
    }
    if (!ok)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    day->n++;
    return CL_OK;
}

static const char *item_text(const due_day *day, const due_item *it, int t)
{
    return day->texts.data + it->text[t];
}

/* The list's order within a day: student number (as SQLite compares text:
 * bytewise), student id, source, record. */
static int item_order(const void *a, const void *b)
{
    const due_item *x = *(due_item *const *)a, *y = *(due_item *const *)b;
    int c = strcmp(x->number.text, y->number.text);
    if (c)
        return c;
    if (x->student != y->student)
        return x->student < y->student ? -1 : 1;
    if (x->source != y->source)
        return x->source < y->source ? -1 : 1;
    return x->record < y->record ? -1 : x->record > y->record;
}

/* The same order for rows whose students are in the directory: a
 * student's rank stands for (number, id). */
static int item_rank_order(const void *a, const void *b)
{
    const due_item *x = *(due_item *const *)a, *y = *(due_item *const *)b;
    if (x->who->rank != y->who->rank)
        return x->who->rank < y->who->rank ? -1 : 1;
    if (x->source != y->source)
        return x->source < y->source ? -1 : 1;
    return x->record < y->record ? -1 : x->record > y->record;
}

/* A row's place in the list: "DUE_DATE/STUDENT_ID/SOURCE/RECORD_ID"
 * ("2026-11-10/123/follow_up/17"; record 0 for a policy). The student's
 * number, which orders rows of one day, is looked up from the id, so the
 * cursor holds nothing a person wrote. */
typedef struct due_key {
    char date[11];
    long long student, record;
    char source[10];
} due_key;

static bool due_key_parse(const char *text, due_key *k)
{
    char date[11], source[10];
    int end = -1;
    if (!text || sscanf(text, "%10[0-9-]/%lld/%9[a-z_]/%lld%n", date, &k->student, source, &k->record, &end) != 4 ||
        end < 0 || text[end] != '\0' || !cl_date_parse(date, k->date) || strcmp(date, k->date) != 0 ||
        k->student < 1 || k->record < 0 ||
        (strcmp(source, "follow_up") != 0 && strcmp(source, "policy") != 0))
        return false;
    snprintf(k->source, sizeof k->source, "%s", source);
    /* Only the form the list prints ("+5", " 5" or "05" are not it). */
    char canonical[64];
    snprintf(canonical, sizeof canonical, "%s/%lld/%s/%lld", k->date, k->student, k->source, k->record);
    return strcmp(canonical, text) == 0;
}

cl_status cl_followup_cursor_check(const char *cursor)
{
    due_key k;
    if (due_key_parse(cursor, &k))
        return CL_OK;
    char *shown = cl_text_inert(cursor ? cursor : "", false);
    cl_status st = cl_fail(CL_EUSAGE, _("\"%s\" is not a cursor of the follow-up list (it looks like "
                                        "2026-11-10/123/follow_up/17: give the \"next\" that the last page printed)"),
                           shown ? shown : "");
    free(shown);
    return st;
}

/* The words a reason names, worked out once per list for each kind that
 * set a follow-up (its id made inert, its Chinese title) and each policy
 * (its label in both languages, inert): a list of thousands of rows names
 * a handful of them. */
#define REASON_WORDS 16
typedef struct reason_words {
    char key[64];
    char en[300], zh[300]; /* as long as a whole reason may be */
    /* Each as the inside of a JSON string, when it fits (else SIZE_MAX). */
    char en_json[600], zh_json[600];
    size_t en_json_len, zh_json_len;
} reason_words;

typedef struct due_ctx {
    cl_vault *v;
    sqlite3 *db;
    long today;
    cl_form *form; /* the student form, read at the first policy row */
    bool form_read;
    reason_words words[REASON_WORDS];
    int n_words;
} due_ctx;

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

/* A reason as the pieces it is put together from, each with the inside
 * of its JSON string when that is at hand: it is said as text cut to
 * REASON_MAX bytes (as snprintf would, before a character), and written
 * out, a reason short enough not to be cut is its pieces' JSON one after
 * the other, never escaped again. */
#define REASON_MAX 299
typedef struct reason_piece {
    const char *text, *json; /* json NULL: to be escaped */
    size_t len, json_len;
} reason_piece;
typedef struct reason_text {
    reason_piece pieces[8];
    int n;
    char digits[24];
    char since[64];
} reason_text;

/* A literal and its length, for put_plain. */
#define PLAIN(literal) literal, sizeof literal - 1

static void put_piece(reason_text *r, const char *text, size_t len, const char *json, size_t json_len)
{
    r->pieces[r->n++] = (reason_piece){text, json, len, json_len};
}

/* Text that a JSON string holds as it is (none of ", \\ or a control). */
static void put_plain(reason_text *r, const char *text, size_t len)
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

static void put_text(reason_text *r, const char *text)
{
    size_t n = strlen(text);
    put_piece(r, text, n, plain_ascii(text, n) ? text : NULL, n);
}

/* The date part of a stored date or date-time (its first 10 bytes). */
static void put_date(reason_text *r, const char *s)
{
    size_t n = strnlen(s, 10);
    put_piece(r, s, n, plain_ascii(s, n) ? s : NULL, n);
}

static void put_words(reason_text *r, const char *text, const char *json, size_t json_len)
{
    put_piece(r, text, strlen(text), json_len == SIZE_MAX ? NULL : json, json_len);
}

static void put_integer(reason_text *r, long long n)
{
    text_cat c = cat_into(r->digits, sizeof r->digits);
    cat_i(&c, n);
    put_plain(r, r->digits, (size_t)(c.at - r->digits));
}

/* The reason under key: its pieces' JSON when it is written out and fits
 * uncut, else its text. */
static void reason_put(cl_json_row *o, const char *key, size_t key_len, const reason_text *r)
{
    size_t len = 0, json_len = 2;
    bool written = o->text != NULL;
    for (int i = 0; i < r->n; i++) {
        len += r->pieces[i].len;
        json_len += r->pieces[i].json_len;
        written = written && r->pieces[i].json;
    }
    if (written && len <= REASON_MAX && json_len <= 2048) {
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
    char text[REASON_MAX + 1];
    text_cat c = cat_into(text, sizeof text);
    for (int i = 0; i < r->n; i++)
        cat_n(&c, r->pieces[i].text, r->pieces[i].len);
    cl_json_row_text_k(o, key, key_len, text, (size_t)(c.at - text));
}

/* The words of key, made by make when the list has not met key before
 * (into scratch when the cache is full). */
static const reason_words *words_of(due_ctx *d, const char *key, reason_words *scratch,
                                    void (*make)(due_ctx *d, const due_day *day, const due_item *it, reason_words *w),
                                    const due_day *day, const due_item *it)
{
    for (int i = 0; i < d->n_words; i++)
        if (strcmp(d->words[i].key, key) == 0)
            return &d->words[i];
    reason_words *w = d->n_words < REASON_WORDS && strlen(key) < sizeof w->key ? &d->words[d->n_words++] : scratch;
    snprintf(w->key, sizeof w->key, "%s", key);
    make(d, day, it, w);
    w->en_json_len = inside_json(w->en, w->en_json, sizeof w->en_json);
    w->zh_json_len = inside_json(w->zh, w->zh_json, sizeof w->zh_json);
    return w;
}

static void kind_words(due_ctx *d, const due_day *day, const due_item *it, reason_words *w)
{
    const char *kind = item_text(day, it, T_KIND);
    copy_inert(kind, w->en, sizeof w->en);
    copy_whole(cl_catalog_kind_label(d->v, kind, "zh"), w->zh, sizeof w->zh);
}

/* "crisis (risk 3)", "风险 3（危机）": the policy's value named. */
static void policy_words(due_ctx *d, const due_day *day, const due_item *it, reason_words *w)
{
    if (!d->form_read) {
        d->form = cl_followup_student_form(d->db);
        d->form_read = true;
    }
    char label[160];
    cl_followup_policy_label(d->form, item_text(day, it, T_BASIS), item_text(day, it, T_VALUE), false, label, sizeof label);
    copy_inert(label, w->en, sizeof w->en);
    cl_followup_policy_label(d->form, item_text(day, it, T_BASIS), item_text(day, it, T_VALUE), true, label, sizeof label);
    copy_inert(label, w->zh, sizeof w->zh);
}

/* reason and reason_zh say the same for people, in English and Chinese
 * (the fronts show the one of the interface language). */
static void followup_reason(due_ctx *d, const due_day *day, const due_item *it, reason_text *en, reason_text *zh)
{
    reason_words scratch;
    const reason_words *w = words_of(d, item_text(day, it, T_KIND), &scratch, kind_words, day, it);
    long long set_by = it->record;
    const char *set_on = item_text(day, it, T_SET_ON);
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
static void policy_reason(due_ctx *d, const due_day *day, const due_item *it, long due, reason_text *en,
                          reason_text *zh)
{
    /* Longer than a cached key can be, so that a key too long to keep is
     * worked out afresh (words_of) rather than cut to one another policy
     * shares. */
    char key[4 * sizeof d->words[0].key];
    snprintf(key, sizeof key, "%s\x1f%s", item_text(day, it, T_BASIS), item_text(day, it, T_VALUE));
    reason_words scratch;
    const reason_words *w = words_of(d, key, &scratch, policy_words, day, it);
    int days = it->days;
    char *since = en->since, *since_zh = zh->since;
    if (it->contacted) {
        snprintf(since, sizeof en->since, "last contact %.10s", item_text(day, it, T_LAST_CONTACT));
        snprintf(since_zh, sizeof zh->since, "上次接触 %.10s", item_text(day, it, T_LAST_CONTACT));
    } else {
        char date[11];
        date_of_days(due - days, date);
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

/* A key and its length, for cl_json_row_*_k. */
#define KEY(literal) literal, sizeof literal - 1

/* A student's text, its JSON at hand when it comes from the directory. */
static void student_text(cl_json_row *o, const char *key, size_t key_len, const due_item *it, const cl_student_text *t)
{
    if (it->who)
        cl_json_row_text_written(o, key, key_len, t->text, t->len, t->json, t->json_len);
    else
        cl_json_row_text_k(o, key, key_len, t->text, t->len);
}

/* The row of it as cl_followup_due describes it, into o (an object for
 * cl_followup_due_each, its text for cl_followup_due_text_each); false when its
 * date is not a date (the form would not have let it in), a text is not
 * UTF-8, or out of memory. */
static bool due_row(due_ctx *d, const due_day *day, const due_item *it, cl_json_row *o)
{
    long due = day->due;
    if (due == LONG_MIN)
        return false;
    bool policy = it->source == POLICY;
    reason_text en = {.n = 0}, zh = {.n = 0};
    if (policy)
        policy_reason(d, day, it, due, &en, &zh);
    else
        followup_reason(d, day, it, &en, &zh);
    long overdue = d->today - due;
    /* days_of took it as YYYY-MM-DD: digits and dashes, as written. */
    char due_date[13] = {'"'};
    memcpy(due_date + 1, day->date, 10);
    due_date[11] = '"';
    cl_json_row_integer(o, "student_id", (json_int_t)it->student);
    student_text(o, KEY("number"), it, &it->number);
    student_text(o, KEY("name"), it, &it->name);
    student_text(o, KEY("class"), it, &it->class_name);
    cl_json_row_integer(o, "risk_level", it->risk);
    cl_json_row_text_written(o, KEY("due_date"), due_date + 1, 10, due_date, 12);
    cl_json_row_integer(o, "days_overdue", (json_int_t)overdue);
    const plain_word *status = &statuses[overdue > 0], *source = &sources[it->source];
    cl_json_row_text_written(o, KEY("status"), status->text, status->len, status->json, status->len + 2);
    cl_json_row_text_written(o, KEY("source"), source->text, source->len, source->json, source->len + 2);
    reason_put(o, KEY("reason"), &en);
    if (!policy && it->record > 0)
        cl_json_row_integer(o, "record_id", (json_int_t)it->record);
    else
        cl_json_row_null(o, "record_id");
    reason_put(o, KEY("reason_zh"), &zh);
    return cl_json_row_close(o);
}

/* "%.10s/%lld/%s/%lld": date, student, source, record. */
static void key_of_item(const due_day *day, const due_item *it, char *out, size_t size)
{
    text_cat c = cat_into(out, size);
    cat_date(&c, day->date);
    cat_s(&c, "/");
    cat_i(&c, it->student);
    cat_s(&c, "/");
    cat_s(&c, source_names[it->source]);
    cat_s(&c, "/");
    cat_i(&c, it->source == POLICY ? 0 : it->record);
}

/* The page's bounds as dates: today, the first and the last due date. */
static cl_status due_bounds(const cl_due_page *p, long *today, char first[11], char last[11])
{
    char date[11];
    if (p->today) {
        if (!cl_date_parse(p->today, date)) {
            char *shown = cl_text_inert(p->today, false);
            cl_status st = cl_fail(CL_EUSAGE, _("\"%s\" is not a date (YYYY-MM-DD)"), shown ? shown : "");
            free(shown);
            return st;
        }
    } else {
        cl_time_date(cl_now(), date, sizeof date);
    }
    *today = cl_date_days(date);
    if (p->not_overdue)
        snprintf(first, 11, "%s", date);
    else
        first[0] = '\0';
    date_of_days(*today + p->horizon_days, last);
    return CL_OK;
}

/* ---- the walk ----------------------------------------------------------- */

typedef struct due_walker {
    due_ctx d;
    const cl_due_page *page;
    cl_due_row_fn *row;
    cl_due_text_fn *text;
    void *ctx;
    long long given;
    char key[64];   /* the cursor of the last row given */
    bool full;      /* the page is given and another row follows it */
    cl_buf out;
} due_walker;

static cl_student_text joined_text(const char *text)
{
    return (cl_student_text){.text = text, .len = (uint32_t)strlen(text)};
}

/* Gives the day's rows in the list's order, until the page is full. */
static cl_status give_day(due_walker *w, due_day *day)
{
    if (day->order_cap < day->n) {
        due_item **grown = realloc(day->order, day->cap * sizeof *grown);
        if (!grown)
            return cl_fail(CL_ESOFTWARE, _("out of memory"));
        day->order = grown;
        day->order_cap = day->cap;
    }
    size_t n = 0;
    for (size_t i = 0; i < day->n; i++) {
        due_item *it = &day->items[i];
        if (day->directory) {
            it->who = cl_student_directory_find(day->directory, it->student);
            if (!it->who) /* as the join leaves out a row with no student */
                continue;
            it->risk = it->who->risk_level;
            it->number = it->who->number;
            it->name = it->who->name;
            it->class_name = it->who->class_name;
            cl_student_directory_prefetch_texts(it->who);
        } else {
            it->number = joined_text(item_text(day, it, T_NUMBER));
            it->name = joined_text(item_text(day, it, T_NAME));
            it->class_name = joined_text(item_text(day, it, T_CLASS));
        }
        day->order[n++] = it;
    }
    qsort(day->order, n, sizeof *day->order, day->directory ? item_rank_order : item_order);
    cl_status st = CL_OK;
    for (size_t i = 0; st == CL_OK && i < n; i++) {
        if (w->page->limit > 0 && w->given == w->page->limit) {
            w->full = true;
            break;
        }
        cl_json_row o = {w->text ? NULL : json_object(), w->text ? &w->out : NULL, true};
        w->out.len = 0;
        if (!w->text && !o.object)
            return cl_fail(CL_ESOFTWARE, _("out of memory"));
        if (!due_row(&w->d, day, day->order[i], &o)) { /* as json_pack's NULL skipped it before */
            json_decref(o.object);
            cl_error_clear();
            continue;
        }
        key_of_item(day, day->order[i], w->key, sizeof w->key);
        st = w->text ? w->text(w->out.data, w->out.len, w->key, w->ctx) : w->row(o.object, w->key, w->ctx);
        json_decref(o.object);
        w->given++;
    }
    return st;
}

/* A row's due date ("" for none: never, as both sources filter on it). */
static const char *date_at(sqlite3_stmt *q)
{
    const char *s = (const char *)sqlite3_column_text(q, C_DATE);
    return s ? s : "";
}

static cl_status source_step(sqlite3 *db, sqlite3_stmt *q, bool *has)
{
    int rc = sqlite3_step(q);
    *has = rc == SQLITE_ROW;
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? CL_OK : cl_db_fail(db, "finding what is due");
}

/* Reads both sources a day at a time (the earlier due date of the two
 * rows at hand) and gives each day. */
static cl_status walk_sources(due_walker *w, sqlite3_stmt *q[2], const cl_student_directory *directory)
{
    bool has[2];
    cl_status st = source_step(w->d.db, q[FOLLOW_UP], &has[FOLLOW_UP]);
    if (st == CL_OK)
        st = source_step(w->d.db, q[POLICY], &has[POLICY]);
    due_day day = {.directory = directory};
    while (st == CL_OK && !w->full && (has[FOLLOW_UP] || has[POLICY])) {
        day.n = 0;
        day.texts.len = 0;
        const char *first = NULL;
        for (int s = 0; s < 2; s++) {
            const char *date = has[s] ? date_at(q[s]) : NULL;
            if (date && (!first || strcmp(date, first) < 0))
                first = date;
        }
        char *date = strdup(first ? first : "");
        if (!date)
            st = cl_fail(CL_ESOFTWARE, _("out of memory"));
        for (int s = 0; st == CL_OK && s < 2; s++)
            while (st == CL_OK && has[s] && strcmp(date_at(q[s]), date) == 0) {
                st = day_add(&day, q[s], s);
                if (st == CL_OK)
                    st = source_step(w->d.db, q[s], &has[s]);
            }
        day.date = date;
        day.due = date ? days_of(date) : LONG_MIN;
        if (st == CL_OK)
            st = give_day(w, &day);
        free(date);
    }
    free(day.items);
    free(day.order);
    cl_buf_free(&day.texts);
    return st;
}

/* Streams the page's rows to row (as objects) or to text (as their JSON
 * text), one of them set, inside a read transaction. The students come
 * from the directory for a whole list (its scan of students costs less
 * than a seek per row), or for a first page when the directory is already
 * at hand; else (a short page, a page after a cursor) from the join. */
static cl_status walk_read(cl_vault *v, const cl_due_page *page, cl_due_row_fn *row, cl_due_text_fn *text, void *ctx,
                           char **next)
{
    due_key after = {"", 0, 0, ""};
    if (page->after && !due_key_parse(page->after, &after))
        return cl_followup_cursor_check(page->after);
    due_walker w = {.d = {.v = v, .db = cl_vault_db(v)}, .page = page, .row = row, .text = text, .ctx = ctx};
    char first[11], last[11];
    cl_status st = due_bounds(page, &w.d.today, first, last);
    const cl_student_directory *directory = NULL;
    if (st == CL_OK && !page->after)
        st = cl_student_directory_current(v, page->limit == 0, &directory);
    int shape = page->after ? JOINED_AFTER : directory ? ALONE : JOINED;
    sqlite3_stmt *q[2] = {NULL, NULL};
    for (int s = 0; st == CL_OK && s < 2; s++) {
        st = cl_db_cached(w.d.db, source_sql[s][shape], &q[s]);
        if (st != CL_OK)
            break;
        /* The rows before the cursor's day are not even read. */
        sqlite3_bind_text(q[s], 1, strcmp(after.date, first) > 0 ? after.date : first, -1, SQLITE_STATIC);
        sqlite3_bind_text(q[s], 2, last, -1, SQLITE_STATIC);
        if (page->after) {
            sqlite3_bind_text(q[s], 3, after.date, -1, SQLITE_STATIC);
            sqlite3_bind_int64(q[s], 4, after.student);
            sqlite3_bind_text(q[s], 5, after.source, -1, SQLITE_STATIC);
            sqlite3_bind_int64(q[s], 6, after.record);
        }
    }
    if (st == CL_OK)
        st = walk_sources(&w, q, directory);
    for (int s = 0; s < 2; s++)
        if (q[s])
            sqlite3_reset(q[s]);
    cl_buf_free(&w.out);
    cl_form_free(w.d.form);
    if (st == CL_OK && w.full && next && !(*next = strdup(w.key)))
        st = cl_fail(CL_ESOFTWARE, _("out of memory"));
    return st;
}

static cl_status due_walk(cl_vault *v, const cl_due_page *page, cl_due_row_fn *row, cl_due_text_fn *text, void *ctx,
                          char **next)
{
    if (next)
        *next = NULL;
    /* One snapshot for the directory and both sources. */
    sqlite3 *db = cl_vault_db(v);
    bool own = sqlite3_get_autocommit(db);
    cl_status st = own ? cl_db_exec(db, "BEGIN") : CL_OK;
    if (st == CL_OK)
        st = walk_read(v, page, row, text, ctx, next);
    if (own)
        cl_db_rollback(db);
    return st;
}

cl_status cl_followup_due_each(cl_vault *v, const cl_due_page *page, cl_due_row_fn *row, void *ctx, char **next)
{
    return due_walk(v, page, row, NULL, ctx, next);
}

cl_status cl_followup_due_text_each(cl_vault *v, const cl_due_page *page, cl_due_text_fn *text, void *ctx, char **next)
{
    return due_walk(v, page, NULL, text, ctx, next);
}

cl_status cl_followup_due_count(cl_vault *v, const cl_due_page *page, long long *count)
{
    static const char sql[] =
        "SELECT (SELECT count(*) FROM followups f WHERE f.open AND f.due_date >= ?1 AND f.due_date <= ?2)"
        " + (SELECT count(*) FROM student_state t WHERE t.policy_due IS NOT NULL"
        "    AND t.policy_due >= ?1 AND t.policy_due <= ?2)";
    long today;
    char first[11], last[11];
    cl_status st = due_bounds(page, &today, first, last);
    sqlite3 *db = cl_vault_db(v);
    sqlite3_stmt *q;
    if (st == CL_OK)
        st = cl_db_cached(db, sql, &q);
    if (st != CL_OK)
        return st;
    sqlite3_bind_text(q, 1, first, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, last, -1, SQLITE_STATIC);
    if (sqlite3_step(q) == SQLITE_ROW)
        *count = sqlite3_column_int64(q, 0);
    else
        st = cl_db_fail(db, "counting what is due");
    sqlite3_reset(q);
    return st;
}

static cl_status append_due(json_t *row, const char *cursor, void *ctx)
{
    (void)cursor;
    return json_array_append(ctx, row) == 0 ? CL_OK : cl_fail(CL_ESOFTWARE, _("out of memory"));
}

cl_status cl_followup_due(cl_vault *v, const char *today, int horizon_days, json_t **out)
{
    if (horizon_days < 0)
        return cl_fail(CL_EUSAGE, _("the horizon cannot be negative"));
    json_t *rows = json_array();
    if (!rows)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    cl_due_page page = {.today = today, .horizon_days = horizon_days};
    cl_status st = cl_followup_due_each(v, &page, append_due, rows, NULL);
    if (st != CL_OK) {
        json_decref(rows);
        return st;
    }
    *out = rows;
    return CL_OK;
}
