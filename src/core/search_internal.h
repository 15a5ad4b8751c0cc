/* Shared by the search_*.c files; not public. */
#ifndef CARELOG_SEARCH_INTERNAL_H
#define CARELOG_SEARCH_INTERNAL_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>

#include "carelog/status.h"

/* Registers the "carelog" FTS5 tokenizer (search_token.c). */
cl_status cl_search_register_tokenizer(sqlite3 *db);
/* Registers carelog_search_defer, the triggers' queue (search_defer.c). */
cl_status cl_search_register_defer(sqlite3 *db);

/* A search's statement for sql, prepared or kept from an earlier search
 * of the same shape (search_statements.c); give it back with
 * cl_search_statement_done (which resets or finalizes it). */
cl_status cl_search_statement(sqlite3 *db, const char *sql, sqlite3_stmt **out);
void cl_search_statement_done(sqlite3_stmt *q);

/* The words of a query as the index holds them, for marking snippets. */
#define CL_SEARCH_WORDS_MAX 64
typedef struct cl_search_words {
    struct {
        char text[128];
        size_t len;
        bool prefix, single;
    } v[CL_SEARCH_WORDS_MAX];
    size_t n;
} cl_search_words;

/* Adds a term's tokens (search_snippet.c). */
void cl_search_words_add(cl_search_words *w, const char *term);

/* The indexed text around the first word of the query, the words between
 * CL_SEARCH_MARK_START and _END, on one line, "…" where cut; malloc'd. */
char *cl_search_snippet(const char *body, const cl_search_words *words);

#endif
