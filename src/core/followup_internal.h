/* What the follow-up files share: the student form the policies name
 * circumstances from, and the words for a policy's value. */
#ifndef CARELOG_FOLLOWUP_INTERNAL_H
#define CARELOG_FOLLOWUP_INTERNAL_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>

#include "carelog/form.h"
#include "carelog/text.h"
#include "carelog/vault.h"

/* The newest student form in the vault, parsed (the catalog's, not to be
 * freed); NULL when there is none (or it does not parse). */
const cl_form *cl_followup_student_form(cl_vault *v);

/* "crisis (risk 3)" or "Left-behind child (left_behind)"; in Chinese with
 * zh ("风险 3（危机）", "留守儿童"). */
void cl_followup_policy_label(const cl_form *form, const char *basis, const char *value, bool zh, char *out,
                              size_t size);

/* ---- the due list's texts and reasons (followup_reason.c) ---- */

/* Days since 1970-01-01 to "YYYY-MM-DD". */
void due_date_of_days(long days, char out[11]);

/* Texts put together piece by piece, cut at the end of their buffer: a
 * list of thousands of rows says each row's reason and cursor without a
 * printf apiece. */
typedef struct text_cat {
    char *at, *end; /* end: the last byte, kept for the NUL */
} text_cat;
text_cat due_cat_into(char *buf, size_t size);
void due_cat_n(text_cat *c, const char *s, size_t n);
void due_cat_s(text_cat *c, const char *s);
void due_cat_i(text_cat *c, long long n);
/* The date part of a stored date or date-time (its first 10 bytes). */
void due_cat_date(text_cat *c, const char *s);

/* The words a reason names, worked out once per list for each kind that
 * set a follow-up (its id made inert, its Chinese title) and each policy
 * (its label in both languages, inert): a list of thousands of rows names
 * a handful of them. */
#define DUE_REASON_WORDS 16
typedef struct due_reason_words {
    char key[64];
    char en[300], zh[300]; /* as long as a whole reason may be */
    /* Each as the inside of a JSON string, when it fits (else SIZE_MAX). */
    char en_json[600], zh_json[600];
    size_t en_json_len, zh_json_len;
} due_reason_words;

/* The words a list has worked out, and what they come from; start from
 * {.v = v, .db = db}. */
typedef struct due_reasons {
    cl_vault *v;
    sqlite3 *db;
    const cl_form *form; /* the student form, read at the first policy row */
    bool form_read;
    due_reason_words words[DUE_REASON_WORDS];
    int n_words;
    /* The words of a reason whose key the cache cannot keep: a reason's
     * pieces point into them, so they live until the next reason. */
    due_reason_words scratch;
} due_reasons;

/* A reason as the pieces it is put together from, each with the inside
 * of its JSON string when that is at hand: it is said as text cut to
 * DUE_REASON_MAX bytes (as snprintf would, before a character), and written
 * out, a reason short enough not to be cut is its pieces' JSON one after
 * the other, never escaped again. */
#define DUE_REASON_MAX 299
typedef struct due_reason_piece {
    const char *text, *json; /* json NULL: to be escaped */
    size_t len, json_len;
} due_reason_piece;
typedef struct due_reason {
    due_reason_piece pieces[8];
    int n;
    char digits[24];
    char since[64];
} due_reason;

/* "follow-up set by contact #17 on 2026-11-03" and "2026-11-03 的家校沟通
 * #17 约定的跟进": the follow-up of kind set by record set_by on set_on. */
void due_followup_reason(due_reasons *d, const char *kind, long long set_by, const char *set_on, due_reason *en,
                         due_reason *zh);
/* The policy with the fewest days (basis, value), due on day due, from
 * the last direct contact (NULL: none yet; then from the day the student
 * was added), as student_state keeps it. */
void due_policy_reason(due_reasons *d, const char *basis, const char *value, int days, const char *last_contact,
                       long due, due_reason *en, due_reason *zh);
/* The reason r under key: its pieces' JSON when o writes text and r fits
 * uncut, else its text. */
void due_reason_put(cl_json_row *o, const char *key, size_t key_len, const due_reason *r);

#endif
