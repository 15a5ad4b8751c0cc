/* Search: full text across every record, Chinese included, inside vault.db.
 *
 * One FTS5 table (search_fts, migration in schema.c) holds, for each record
 * (rowid cl_search_key: ascending newest first),
 * the text a person wrote: text and long-text fields, choice labels in both
 * languages, amendments and referral transition notes (a student's own
 * record carries the name, number, class and guardians), plus the pinyin of
 * a student's name. Triggers on records, amendments and referral_transitions
 * keep it in step inside the transaction of every write, whichever code
 * path makes it, so a search never misses a saved record and never returns
 * one that no longer says it. FTS5's secure-delete is on.
 *
 * The tokenizer ("carelog", registered on every open by cl_search_register)
 * gives Han, kana and hangul runs overlapping bigrams (a run's last
 * character also on its own, so single characters are found by prefix) and
 * gives everything else words, NFKC-normalised and case-folded (utf8proc),
 * traditional characters folded onto simplified ones. */
#ifndef CARELOG_SEARCH_H
#define CARELOG_SEARCH_H

#include <jansson.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>

#include "carelog/status.h"
#include "carelog/vault.h"

/* ---- tokenizer ------------------------------------------------------- */

typedef enum cl_token_kind {
    CL_TOKEN_WORD,       /* letters, digits and marks: folded */
    CL_TOKEN_CJK_PAIR,   /* two neighbouring characters of a Han/kana/hangul run */
    CL_TOKEN_CJK_SINGLE, /* one character: a run of one, or a run's last */
    CL_TOKEN_SYMBOL      /* one symbol such as an emoji */
} cl_token_kind;

typedef struct cl_token {
    const char *text; /* normalised; not NUL-terminated */
    size_t len;
    size_t start, end; /* byte offsets in the input */
    cl_token_kind kind;
} cl_token;

/* Returns 0 to go on; anything else stops the tokenizing and is returned. */
typedef int (*cl_token_fn)(void *ctx, const cl_token *token);

/* Tokenizes text[0..len). for_query: as a query term is (a run's last
 * character is not repeated on its own when the term ends with the run).
 * Invalid UTF-8 separates tokens. Returns 0, fn's non-zero value, or
 * SQLITE_NOMEM. */
int cl_search_tokenize(const char *text, size_t len, bool for_query, cl_token_fn fn, void *ctx);

/* Registers the tokenizer and the functions the index triggers use on a
 * connection (storage.c calls it on every open), and
 * carelog_pinyin_matches(name, typed) (cl_pinyin_matches) for the lists
 * that find students as the user types. */
cl_status cl_search_register(sqlite3 *db);
/* The rowid of a record's row in search_fts, ascending newest first
 * (FTS5 walks a doclist forwards many times faster than backwards, and a
 * page of results stops early): the minutes from occurred_at
 * (YYYY-MM-DD[THH:MM]) to the end of year 9999 above the low 31 bits,
 * which hold CL_SEARCH_KEY_ID_MASK minus the record id (the newer record
 * first within a minute). SQL: carelog_search_key(occurred_at, id); the
 * record id of a rowid: CL_SEARCH_RECORD_OF(rowid). */
#define CL_SEARCH_KEY_ID_MASK 0x7fffffffLL
#define CL_SEARCH_RECORD_OF(rowid) "(2147483647 - ((" rowid ") & 2147483647))"
long long cl_search_key(const char *occurred_at, long long record_id);

/* Finalizes the statements searches keep on a connection (cl_db_close
 * calls it before closing). */
void cl_search_forget(sqlite3 *db);


/* ---- index ----------------------------------------------------------- */

/* For a writer of many records in one transaction (an import): while
 * on, the index triggers only queue each record they touch, and the
 * commit (cl_db_commit, in the same transaction) indexes each once in its
 * final state. FTS5 writes a segment of its index at every savepoint, so
 * indexing record by record inside a large transaction costs a segment per
 * record and the merges after. Searches inside that transaction do not see
 * its records yet. Turning it off drops what a rolled-back transaction had
 * queued; commit only through cl_db_commit while it is on. */
cl_status cl_search_defer(sqlite3 *db, bool on);

/* Fills search_fts anew from the records, for a rebuild and for a
 * migration that changes what the index holds. Deleting row by row with
 * secure-delete would rewrite the segments for every row; instead the old
 * rows are dropped plainly and 'optimize' merges everything into new
 * segments, leaving no old term in any page (freed pages are zeroed by
 * SQLite's secure_delete). Schema entries 13 and 20 run it too, and
 * test_schema_frozen pins their text: to change it, first give those two a
 * frozen copy of this one in schema.c. */
#define CL_SEARCH_REINDEX_SQL                                                                                     \
    "INSERT INTO search_fts(search_fts, rank) VALUES ('secure-delete', 0);"                                       \
    "DELETE FROM search_fts;"                                                                                      \
    "INSERT INTO search_fts(rowid, body, pinyin)"                                                                  \
    "  SELECT carelog_search_key(occurred_at, id), carelog_search_body(id), carelog_search_pinyin(id)"          \
    "  FROM records;"                                                                                              \
    "INSERT INTO search_fts(search_fts) VALUES ('optimize');"                                                     \
    "INSERT INTO search_fts(search_fts, rank) VALUES ('secure-delete', 1);"

/* Rebuilds the whole index from the records in one transaction (for a
 * damaged index; `carelog search --rebuild`). Audited. *records: how many. */
cl_status cl_search_rebuild(cl_vault *v, long long *records);

/* Called every CL_SEARCH_PROGRESS_EVERY records indexed in this process
 * (the migration that indexes an older vault at unlock, a rebuild, an
 * import), with how many so far, so a front can show progress. NULL: none. */
#define CL_SEARCH_PROGRESS_EVERY 1000
typedef void (*cl_search_progress_fn)(long long indexed, void *ctx);
void cl_search_on_progress(cl_search_progress_fn fn, void *ctx);

/* Merges the index's segments after a writer of many records (the
 * generator, the imports): `written` is how many records it wrote. When
 * they are a good part of the vault (at least 1/CL_SEARCH_MERGE_SHARE)
 * everything is merged into one segment, else only the levels FTS5 has
 * filled; CL_SEARCH_MERGE_PAGES pages a step, one transaction each.
 * progress (may be NULL) gets an estimate in percent after each step, 100
 * at the end. The writer's records are saved whatever this returns: a
 * failure leaves the index right, only slower to read. */
#define CL_SEARCH_MERGE_PAGES 1000
#define CL_SEARCH_MERGE_PAGES_STR "1000"
#define CL_SEARCH_MERGE_SHARE 4
typedef void (*cl_search_merge_fn)(int percent, void *ctx);
cl_status cl_search_merge(cl_vault *v, long long written, cl_search_merge_fn progress, void *ctx);
/* cl_search_merge for a writer whose records are saved and told so: a
 * failure (another terminal holding the write lock) is not the user's
 * problem and is not reported; inside a transaction it does nothing (the
 * outermost writer merges). */
void cl_search_merge_after(cl_vault *v, long long written);

/* For a writer of many records in many transactions (the generator): as
 * cl_search_defer, but the queue outlives each commit, and
 * cl_search_index_held indexes every record queued since, once, in its
 * state then and in ascending rowid, CL_SEARCH_HELD_CHUNK records a
 * transaction, then ends holding. In rowid order FTS5 appends to its
 * content and sizes tables and writes its pending terms out only when
 * they fill, where records indexed batch by batch, each batch's rowids
 * spread over the whole index, rewrote pages all over those tables at
 * every commit. Until then searches do not find the held records: for a
 * writer that fills a vault nobody searches yet. progress (may be NULL)
 * gets the percent done after each transaction. A failure leaves the
 * records saved and those not yet indexed unfindable (`carelog search
 * --rebuild` indexes them). */
#define CL_SEARCH_HELD_CHUNK 50000
cl_status cl_search_hold(sqlite3 *db);
cl_status cl_search_index_held(sqlite3 *db, cl_search_merge_fn progress, void *ctx);

/* FTS5's integrity-check (the index agrees with the text it stores), then
 * that every record has its row and nothing else has one. CL_EDATA naming
 * the way out on damage. Reads the whole index once: one of `carelog
 * verify`'s checks. */
cl_status cl_search_check(cl_vault *v);
/* cl_search_check, and also that each row holds the text its record says
 * now, rebuilt record by record as a rebuild would (`search --check`). */
cl_status cl_search_check_text(cl_vault *v);

/* The filters kind:, author: and class: as the index holds them: one
 * word per filter in the second column of every record's row beside a
 * student's pinyin keys, so that FTS5 intersects a common word with a
 * rare kind, an author or a class itself instead of carelog reading
 * every match of the word. A digit first: no pinyin query (ASCII letters
 * only) can match one. A value's 64-bit FNV-1a hash, so that any text is
 * one word; the SQL filters stay beside them, so a collision would only
 * cost time. type: 'k', 'a' or 'c'. */
#define CL_SEARCH_FILTER_KEY_LEN 19 /* "0" type, 16 hex digits, NUL */
void cl_search_filter_key(char type, const char *value, char out[CL_SEARCH_FILTER_KEY_LEN]);

/* ---- queries --------------------------------------------------------- */

/* A query as people type it: words (all must appear), "a phrase", -word
 * (excluded), and filters kind:K student:S (number, name or #id) class:C
 * author:A since:DATE until:DATE. */
typedef struct cl_search_query {
    char **terms;    /* words and phrases, as typed */
    size_t n_terms;
    char **excluded;
    size_t n_excluded;
    char *kind, *student, *klass, *author;
    char since[11], until[11]; /* "" when absent */
} cl_search_query;

/* Parses text into q (free with cl_search_query_free). CL_EUSAGE for a bad
 * date or an empty filter; anything else is taken as words. */
cl_status cl_search_query_parse(const char *text, cl_search_query *q);
void cl_search_query_free(cl_search_query *q);

/* The FTS5 MATCH expressions for q, every term quoted (nothing typed can be
 * read as FTS5 syntax): *match for the terms (with the exclusions folded in),
 * NULL when no term yields a token; *excluded, when there is no term to
 * fold them into, for the exclusions alone (else NULL). malloc'd. */
cl_status cl_search_query_match(const cl_search_query *q, char **match, char **excluded);

/* The marks around matched words in a snippet; stored text cannot hold
 * them (control characters are taken out of the indexed text). */
#define CL_SEARCH_MARK_START "\x02"
#define CL_SEARCH_MARK_END "\x03"

typedef enum cl_search_order {
    CL_SEARCH_NEWEST = 0, /* by occurred_at, newest first */
    CL_SEARCH_RELEVANCE,  /* bm25 */
    CL_SEARCH_BY_STUDENT  /* grouped by student: the student with the newest match first, each one's newest first */
} cl_search_order;

typedef struct cl_search_options {
    cl_search_order order;
    long long limit;  /* 0 = all */
    long long offset; /* results skipped, for paging */
    bool audit;       /* write the search to the audit log (people's searches) */
    /* Keyset paging, newest first: the results after this hit (the last
     * one shown), so a page deep in the results costs what the first does.
     * after_record 0: from the first. */
    long long after_record;
    const char *after_occurred_at;
} cl_search_options;

typedef struct cl_search_hit {
    long long record_id, student_id;
    const char *kind, *occurred_at, *author, *student_name, *student_number;
    const char *snippet; /* one line, matches between the marks above */
} cl_search_hit;

typedef struct cl_search cl_search;

/* Starts a search; results are streamed by cl_search_next. With audit the
 * query and the number of matches are written to the audit log first.
 * *total (may be NULL) receives the number of matches counted up to
 * CL_SEARCH_COUNT_MAX, or CL_SEARCH_COUNT_MAX + 1 for more than that
 * (shown "1000+": counting every record that says a common word costs
 * more than finding the newest of them; paging goes on past it). */
#define CL_SEARCH_COUNT_MAX 1000
cl_status cl_search_open(cl_vault *v, const char *text, const cl_search_options *opt, long long *total,
                         cl_search **out);
/* The next hit (valid until the next call), or *done. */
cl_status cl_search_next(cl_search *s, cl_search_hit *hit, bool *done);
/* fn with each hit left in turn (valid during the call); a status other
 * than CL_OK from fn stops the walk and is returned. */
typedef cl_status cl_search_hit_fn(const cl_search_hit *hit, void *ctx);
cl_status cl_search_each(cl_search *s, cl_search_hit_fn *fn, void *ctx);
void cl_search_close(cl_search *s);
/* The SQL of the results statement, for query-plan tests. */
const char *cl_search_sql(const cl_search *s);

/* One hit as JSON: {record_id, student_id, student_name, student_number,
 * kind, occurred_at, author, snippet} (snippet with the marks); NULL when
 * out of memory. For a front that prints the hits as they come. */
json_t *cl_search_hit_json(const cl_search_hit *h);

/* The hits as JSON: [cl_search_hit_json of each]. */
cl_status cl_search_json(cl_vault *v, const char *text, const cl_search_options *opt, json_t **out,
                         long long *total);

#endif
