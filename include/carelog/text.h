/* Text: UTF-8 checks, display width, making stored text inert for the
 * terminal, dates, and encoding conversion.
 *
 * One width table serves the whole program (screens, tables, forms):
 * cl_text_width() and friends. Double-width (CJK) characters count two
 * cells. */
#ifndef CARELOG_TEXT_H
#define CARELOG_TEXT_H

#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "carelog/status.h"

/* True if s[0..len) is well-formed UTF-8 (no overlongs, no surrogates, no
 * code points above U+10FFFF). */
bool cl_utf8_valid(const char *s, size_t len);

/* Decodes one code point at s (which must hold at least one byte before
 * end); returns the number of bytes consumed (>= 1), storing U+FFFD for a
 * malformed sequence. */
size_t cl_utf8_decode(const char *s, const char *end, uint32_t *cp);

/* Number of code points in a valid UTF-8 string. */
size_t cl_utf8_length(const char *s);

/* True for a code point that must never reach the terminal raw: C0/C1
 * controls (including ESC, but not \n and \t, which callers handle), DEL,
 * Unicode bidirectional controls (U+202A–U+202E, U+2066–U+2069, U+200E,
 * U+200F, U+061C), invisible format characters (U+200B–U+200D, U+2060–U+2064,
 * U+FEFF, U+00AD, U+180E, U+FFF9–U+FFFB, U+206A–U+206F), the line and
 * paragraph separators U+2028/U+2029, noncharacters (U+FDD0–U+FDEF and every
 * U+xxFFFE/U+xxFFFF), tags (U+E0000–U+E007F), and anything that is not a
 * Unicode scalar value (surrogates, above U+10FFFF). Private use characters
 * are allowed: GB18030 maps some rare characters there. */
bool cl_codepoint_unsafe(uint32_t cp);

/* Display cells of one code point: 0 for combining marks, 2 for East Asian
 * wide and fullwidth characters (CJK, Hangul, fullwidth forms, most emoji),
 * 1 otherwise. An unsafe code point counts as the width of its visible
 * replacement. */
int cl_codepoint_width(uint32_t cp);

/* Display cells of s as it will be shown (after cl_text_inert). */
int cl_text_width(const char *s);

/* Returns a malloc'd copy of s that is safe to print: every unsafe code
 * point and every malformed byte becomes U+FFFD; a \t always becomes a
 * space (tab stops would break any layout); with keep_newlines false, \n
 * becomes a space too (for one-line cells). NULL on allocation
 * failure. */
char *cl_text_inert(const char *s, bool keep_newlines);

/* Returns a malloc'd copy of s, made inert on one line, cut to at most
 * `cells` display cells (ending with "…" when cut) and padded with spaces to
 * exactly `cells` cells when pad is true. */
char *cl_text_fit(const char *s, int cells, bool pad);

/* Wrapping to a width. cl_text_wrap_piece: how many bytes of s[0..len)
 * make the next line of at most `room` cells — up to the last space that
 * leaves the line at least half full, else as many characters as fit
 * (Chinese text breaks anywhere), and at least one character.
 * cl_text_wrap: a malloc'd copy of (already inert) text in which every line
 * wider than `width` cells goes on over further lines, indented to stand
 * under its value: after the line's "label: " when the label takes at most
 * half the width, else under the line's own indentation. Lines that fit are
 * unchanged; width <= 0 copies the text. NULL when out of memory. */
size_t cl_text_wrap_piece(const char *s, size_t len, int room);
char *cl_text_wrap(const char *text, int width);

/* Dates. cl_date_parse accepts YYYY-MM-DD (also YYYY/MM/DD and YYYY.MM.DD,
 * as Chinese school systems export them, YYYYMMDD as spreadsheets keep
 * them, and YYYY年M月D日) and writes the
 * canonical YYYY-MM-DD into out[11]. False for anything that is not a real
 * calendar date between 1900 and 2200. Month and day may have one or two
 * digits in every form (spreadsheets export 2026/3/1); the year has four; the
 * two separators must match; nothing may precede or follow (no spaces). */
bool cl_date_parse(const char *s, char out[11]);

/* Date-times: "YYYY-MM-DD HH:MM", "YYYY-MM-DDTHH:MM[:SS]"; canonical output
 * "YYYY-MM-DDTHH:MM" into out[17]. The date part takes any form
 * cl_date_parse accepts; the hour may have one digit; seconds, when given,
 * are checked (00-59) and dropped. */
bool cl_datetime_parse(const char *s, char out[17]);

/* Days from 1970-01-01 to a canonical date (for due-date arithmetic);
 * negative before 1970. LONG_MIN if the argument is not a valid canonical
 * date. */
long cl_date_days(const char out_or_canonical[11]);

/* Converts len bytes in `encoding` ("utf-8", "gb18030", or "auto") to a
 * malloc'd NUL-terminated UTF-8 string. A leading UTF-8 BOM is removed.
 * "auto" takes valid UTF-8 as UTF-8 and anything else as GB18030. Invalid
 * input in the chosen encoding is CL_EDATA naming the line ("line 3: not valid UTF-8 …"). */
cl_status cl_text_to_utf8(const char *in, size_t len, const char *encoding,
                          char **out, size_t *out_len);

/* Returns a malloc'd formatted string, or NULL on allocation failure. */
char *cl_strdup_printf(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

/* A growable byte buffer, always NUL-terminated once anything was appended.
 * Start from `cl_buf b = {0};`. On failure (CL_ESOFTWARE "out of memory") the
 * contents so far are kept; cl_buf_free releases them either way. Its text
 * is often a record's: a buffer outgrown and the one freed are wiped, as
 * everything freed is (memory.h), so a taken text is freed with free(). */
typedef struct cl_buf {
    char *data;
    size_t len, cap;
} cl_buf;

cl_status cl_buf_append(cl_buf *b, const char *bytes, size_t n);
cl_status cl_buf_puts(cl_buf *b, const char *s);
cl_status cl_buf_printf(cl_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
cl_status cl_buf_vprintf(cl_buf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/* Hands over the data (NUL-terminated, "" if empty; NULL only when out of
 * memory) and leaves the buffer empty. */
char *cl_buf_take(cl_buf *b);
void cl_buf_free(cl_buf *b);

/* Appends s[0..n) as a JSON string, byte for byte as Jansson's compact
 * dump writes it (UTF-8 kept; ", \\ and C0 controls escaped, \\b \\f \\n
 * \\r \\t by name, the others as \\u00XX): a list written straight to
 * text reads the same as its json_dumps. CL_EDATA when s is not UTF-8
 * (nothing appended). */
cl_status cl_buf_json_string(cl_buf *b, const char *s, size_t n);
/* The same string written at out, which has room for CL_JSON_STRING_MAX(n)
 * bytes (no NUL after it): the bytes written, or SIZE_MAX when s is not
 * UTF-8. For texts kept in memory of the caller's own. */
#define CL_JSON_STRING_MAX(n) ((n) * 6 + 2)
size_t cl_json_string_write(char *out, const char *s, size_t n);

/* A JSON object made key by key, either as a Jansson object or straight
 * as its compact text (what json_dumps of that object with JSON_COMPACT |
 * JSON_PRESERVE_ORDER writes), so that one description of a row serves a
 * list kept whole and a list written out, which then builds no object per
 * row. Start from {json_object(), NULL, true}, or {NULL, &text, true}
 * with text empty (len 0); ok turns false when a text is not UTF-8 (as
 * json_pack refuses it) or memory runs out, and the calls after it do
 * nothing. Keys are carelog's own (ASCII, nothing to escape). */
typedef struct cl_json_row {
    json_t *object;
    cl_buf *text;
    bool ok;
} cl_json_row;
/* Each with its key's length, which the short forms below take from a
 * literal at compile time; a text with its length (up to its first NUL). */
void cl_json_row_integer_k(cl_json_row *r, const char *key, size_t key_len, long long n);
void cl_json_row_text_k(cl_json_row *r, const char *key, size_t key_len, const char *text, size_t len);
void cl_json_row_null_k(cl_json_row *r, const char *key, size_t key_len);
/* text[0..len) whose JSON string (quotes included, as cl_buf_json_string
 * writes it) is already at hand in json[0..json_len), NULL when text is
 * not UTF-8: a text that stands in many rows is escaped once. text may
 * be NULL when r writes text (it is what an object is given). */
void cl_json_row_text_written(cl_json_row *r, const char *key, size_t key_len, const char *text, size_t len,
                              const char *json, size_t json_len);
static inline void cl_json_row_integer(cl_json_row *r, const char *key, long long n)
{
    cl_json_row_integer_k(r, key, strlen(key), n);
}
static inline void cl_json_row_text(cl_json_row *r, const char *key, const char *text)
{
    cl_json_row_text_k(r, key, strlen(key), text, strlen(text));
}
static inline void cl_json_row_null(cl_json_row *r, const char *key)
{
    cl_json_row_null_k(r, key, strlen(key));
}
/* Ends the text's object; returns ok. */
bool cl_json_row_close(cl_json_row *r);

/* Writes len bytes of JSON text to out with the characters a terminal must
 * not see raw (DEL, C1 controls, bidirectional and invisible format
 * characters, which JSON allows raw inside strings) as \\uXXXX escapes:
 * the same data, inert. What the CLI prints for --json. */
void cl_text_put_json(const char *text, size_t len, FILE *out);

#endif
