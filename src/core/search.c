/* Running a search: the MATCH expression from search_query.c, the filters
 * as bound parameters, results streamed newest first (or by bm25), and the
 * search written to the audit log before anything is shown. */
#include <stdlib.h>
#include <string.h>

#include "carelog/i18n.h"
#include "carelog/identifier.h"
#include "carelog/search.h"
#include "carelog/storage.h"
#include "carelog/text.h"
#include "record_internal.h"
#include "search_internal.h"

#define AUDIT_QUERY_MAX 200 /* bytes of the query kept in the audit log */

struct cl_search {
    sqlite3_stmt *q;
    sqlite3_stmt *body; /* the indexed text of one row, read only for the rows shown (cached) */
    cl_search_words words;
    char *snippet;
};

/* The WHERE clause shared by the count and the results. */
static void put_where(cl_buf *sql, const cl_search_query *qq, bool match, bool excluded)
{
    cl_buf_puts(sql, " WHERE 1");
    if (match)
        cl_buf_puts(sql, " AND search_fts MATCH :match");
    if (excluded)
        cl_buf_puts(sql, " AND r.id NOT IN (SELECT " CL_SEARCH_RECORD_OF("rowid") " FROM search_fts"
                         " WHERE search_fts MATCH :excluded)");
    if (qq->kind)
        cl_buf_puts(sql, " AND r.kind = :kind");
    if (qq->student)
        cl_buf_puts(sql, " AND (s.number = :student_number OR s.name = :student_name OR s.id = :student_id)");
    if (qq->klass)
        cl_buf_puts(sql, " AND s.class = :class");
    if (qq->author)
        cl_buf_puts(sql, " AND r.author = :author");
    if (*qq->since)
        cl_buf_puts(sql, " AND r.occurred_at >= :since");
    if (*qq->until)
        cl_buf_puts(sql, " AND substr(r.occurred_at, 1, 10) <= :until");
    /* The dates once more as the index's own order, which FTS5 seeks to
     * instead of walking every match outside them. */
    if (match && *qq->since)
        cl_buf_puts(sql, " AND search_fts.rowid <= :since_key");
    if (match && *qq->until)
        cl_buf_puts(sql, " AND search_fts.rowid >= :until_key");
}

static void bind_name(sqlite3_stmt *q, const char *name, const char *value)
{
    int i = sqlite3_bind_parameter_index(q, name);
    if (i && value)
        sqlite3_bind_text(q, i, value, -1, SQLITE_TRANSIENT);
}

/* The filters by student and class as numbers, names and classes are
 * stored (identifier.h): student:２０２５０００３ is 20250003, class:初二（3）班
 * is 初二(3)班, and a zero-width space copied with a name is no part of it. */
typedef struct identifiers {
    char *student_number, *student_name, *klass;
    long long student_id; /* student:#12 or student:12; else 0, which no student has */
} identifiers;

static cl_status identifiers_of(const cl_search_query *qq, identifiers *id)
{
    *id = (identifiers){NULL, NULL, NULL, 0};
    cl_status st = CL_OK;
    if (qq->student)
        st = cl_identifier_normalise(CL_IDENTIFIER_NUMBER, qq->student, "student:", &id->student_number);
    if (st == CL_OK && qq->student)
        st = cl_identifier_normalise(CL_IDENTIFIER_NAME, qq->student, "student:", &id->student_name);
    if (st == CL_OK && qq->klass)
        st = cl_identifier_normalise(CL_IDENTIFIER_CLASS, qq->klass, "class:", &id->klass);
    if (st == CL_OK && id->student_number) {
        const char *digits = id->student_number + (id->student_number[0] == '#');
        char *end;
        long long n = *digits >= '0' && *digits <= '9' ? strtoll(digits, &end, 10) : 0;
        id->student_id = n > 0 && *end == '\0' ? n : 0;
    }
    return st;
}

static void identifiers_free(identifiers *id)
{
    free(id->student_number);
    free(id->student_name);
    free(id->klass);
}

static void bind_all(sqlite3_stmt *q, const cl_search_query *qq, const identifiers *id, const char *match,
                     const char *excluded)
{
    bind_name(q, ":match", match);
    bind_name(q, ":excluded", excluded);
    bind_name(q, ":kind", qq->kind);
    bind_name(q, ":student_number", id->student_number);
    bind_name(q, ":student_name", id->student_name);
    int sid = sqlite3_bind_parameter_index(q, ":student_id");
    if (sid)
        sqlite3_bind_int64(q, sid, id->student_id);
    bind_name(q, ":class", id->klass);
    bind_name(q, ":author", qq->author);
    bind_name(q, ":since", qq->since);
    bind_name(q, ":until", qq->until);
    int i = sqlite3_bind_parameter_index(q, ":since_key");
    if (i)
        sqlite3_bind_int64(q, i, cl_search_key(qq->since, 0)); /* the day's first minute, its last record */
    if ((i = sqlite3_bind_parameter_index(q, ":until_key"))) {
        char last[17];
        snprintf(last, sizeof last, "%.10sT23:59", qq->until);
        sqlite3_bind_int64(q, i, cl_search_key(last, CL_SEARCH_KEY_ID_MASK));
    }
}

/* With a student named, the search starts from that student's records
 * and asks the index about each (a seek), rather than walking every match
 * of a common word for the few that are the student's. */
static const char *from_clause(bool match, bool student)
{
    if (match && student)
        return " FROM students s CROSS JOIN records r ON r.student_id = s.id"
               " CROSS JOIN search_fts ON search_fts.rowid = carelog_search_key(r.occurred_at, r.id)";
    return match ? " FROM search_fts JOIN records r ON r.id = " CL_SEARCH_RECORD_OF("search_fts.rowid")
                   " JOIN students s ON s.id = r.student_id"
                 : " FROM records r JOIN students s ON s.id = r.student_id";
}

/* How many match, counted up to CL_SEARCH_COUNT_MAX + 1: counting every
 * match of a common word costs more than finding the page shown. */
static cl_status count_hits(sqlite3 *db, const cl_search_query *qq, const identifiers *id, const char *match,
                            const char *excluded, long long *total)
{
    cl_buf sql = {0};
    bool filtered = qq->kind || qq->student || qq->klass || qq->author;
    /* Every row of the index is a record's, under a key that holds its
     * date: without other filters the index counts alone. */
    if (match && !filtered && !excluded) {
        cl_buf_puts(&sql, "SELECT count(*) FROM (SELECT 1 FROM search_fts WHERE search_fts MATCH :match");
        if (*qq->since)
            cl_buf_puts(&sql, " AND search_fts.rowid <= :since_key");
        if (*qq->until)
            cl_buf_puts(&sql, " AND search_fts.rowid >= :until_key");
    } else {
        cl_buf_printf(&sql, "SELECT count(*) FROM (SELECT 1%s", from_clause(match != NULL, qq->student != NULL));
        put_where(&sql, qq, match != NULL, excluded != NULL);
    }
    cl_buf_printf(&sql, " LIMIT %d)", CL_SEARCH_COUNT_MAX + 1);
    sqlite3_stmt *q = NULL;
    cl_status st = sql.data ? cl_search_statement(db, sql.data, &q) : cl_fail(CL_ESOFTWARE, _("out of memory"));
    cl_buf_free(&sql);
    if (st != CL_OK)
        return st;
    bind_all(q, qq, id, match, excluded);
    if (sqlite3_step(q) == SQLITE_ROW)
        *total = sqlite3_column_int64(q, 0);
    else
        st = cl_db_fail(db, _("searching"));
    cl_search_statement_done(q);
    return st;
}

/* Who searched for what, with how many matches: the query can name a child,
 * and the log must answer "who looked for this child" — so it is kept as
 * typed (cut at AUDIT_QUERY_MAX bytes), inside the encrypted vault like
 * the records themselves. */
static cl_status audit_search(cl_vault *v, const char *text, long long total)
{
    size_t n = strlen(text);
    if (n > AUDIT_QUERY_MAX) {
        n = AUDIT_QUERY_MAX;
        while (n > 0 && ((unsigned char)text[n] & 0xC0) == 0x80)
            n--;
    }
    char *detail = cl_strdup_printf("%s%lld %s for \"%.*s\"%s", total > CL_SEARCH_COUNT_MAX ? "more than " : "",
                                    total > CL_SEARCH_COUNT_MAX ? (long long)CL_SEARCH_COUNT_MAX : total,
                                    total == 1 ? "match" : "matches", (int)n, text, n < strlen(text) ? "…" : "");
    if (!detail)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    sqlite3 *db = cl_vault_db(v);
    cl_tx tx;
    cl_status st = cl_tx_begin(db, &tx);
    if (st == CL_OK)
        st = cl_tx_end(&tx, cl_vault_audit(v, "search", "records", detail));
    free(detail);
    return st;
}

cl_status cl_search_open(cl_vault *v, const char *text, const cl_search_options *opt, long long *total,
                         cl_search **out)
{
    static const cl_search_options defaults = {CL_SEARCH_NEWEST, 0, 0, false, 0, NULL};
    if (!opt)
        opt = &defaults;
    cl_search_query qq;
    cl_status st = cl_search_query_parse(text, &qq);
    if (st != CL_OK)
        return st;
    char *match = NULL, *excluded = NULL;
    identifiers id;
    st = identifiers_of(&qq, &id);
    if (st == CL_OK)
        st = cl_search_query_match(&qq, &match, &excluded);
    bool filtered = qq.kind || qq.student || qq.klass || qq.author || *qq.since || *qq.until;
    if (st == CL_OK && !match && !excluded && !filtered)
        st = cl_fail(CL_EUSAGE, "%s", _("nothing to search for: type a word, a \"phrase\" or a filter such as "
                                        "kind:session"));
    sqlite3 *db = cl_vault_db(v);
    long long count = 0;
    if (st == CL_OK && (total || opt->audit))
        st = count_hits(db, &qq, &id, match, excluded, &count);
    if (st == CL_OK && opt->audit)
        st = audit_search(v, text, count);
    cl_buf sql = {0};
    bool keyset = opt->order == CL_SEARCH_NEWEST && opt->after_record > 0 && opt->after_occurred_at;
    if (st == CL_OK) {
        /* No snippet here: SQLite would make one for every match before
         * sorting, where only a page of them is shown. */
        cl_buf_printf(&sql, "SELECT r.id, r.student_id, r.kind, r.occurred_at, r.author, s.name, s.number, %s%s",
                      match ? "search_fts.rowid" : "carelog_search_key(r.occurred_at, r.id)",
                      from_clause(match != NULL, qq.student != NULL));
        put_where(&sql, &qq, match != NULL, excluded != NULL);
        if (keyset)
            cl_buf_puts(&sql, match ? " AND search_fts.rowid > :after_key"
                                    : " AND (r.occurred_at, r.id) < (:after_at, :after_id)");
        /* Newest first is the index's own order: FTS5 walks it forwards
         * and stops at the page's end, however many records match. */
        const char *key = match ? "search_fts.rowid" : "carelog_search_key(r.occurred_at, r.id)";
        if (opt->order == CL_SEARCH_RELEVANCE && match)
            cl_buf_puts(&sql, " ORDER BY rank, r.id DESC");
        else if (opt->order == CL_SEARCH_BY_STUDENT) /* sorts every match: only when asked */
            cl_buf_printf(&sql, " ORDER BY min(%s) OVER (PARTITION BY r.student_id), r.student_id, %s", key, key);
        else if (match)
            cl_buf_puts(&sql, " ORDER BY search_fts.rowid");
        else
            cl_buf_puts(&sql, " ORDER BY r.occurred_at DESC, r.id DESC");
        cl_buf_puts(&sql, " LIMIT :limit OFFSET :offset");
    }
    cl_search *s = NULL;
    if (st == CL_OK)
        st = (s = calloc(1, sizeof *s)) && sql.data ? CL_OK : cl_fail(CL_ESOFTWARE, _("out of memory"));
    if (st == CL_OK)
        st = cl_search_statement(db, sql.data, &s->q);
    if (st == CL_OK)
        st = cl_db_cached(db, "SELECT body FROM search_fts WHERE rowid = ?", &s->body);
    for (size_t i = 0; st == CL_OK && i < qq.n_terms; i++)
        cl_search_words_add(&s->words, qq.terms[i]);
    if (st == CL_OK) {
        bind_all(s->q, &qq, &id, match, excluded);
        sqlite3_bind_int64(s->q, sqlite3_bind_parameter_index(s->q, ":limit"), opt->limit > 0 ? opt->limit : -1);
        sqlite3_bind_int64(s->q, sqlite3_bind_parameter_index(s->q, ":offset"), opt->offset > 0 ? opt->offset : 0);
        if (keyset) {
            int i = sqlite3_bind_parameter_index(s->q, ":after_key");
            if (i)
                sqlite3_bind_int64(s->q, i, cl_search_key(opt->after_occurred_at, opt->after_record));
            bind_name(s->q, ":after_at", opt->after_occurred_at);
            if ((i = sqlite3_bind_parameter_index(s->q, ":after_id")))
                sqlite3_bind_int64(s->q, i, opt->after_record);
        }
    }
    cl_buf_free(&sql);
    free(match);
    free(excluded);
    identifiers_free(&id);
    cl_search_query_free(&qq);
    if (st != CL_OK) {
        cl_search_close(s);
        return st;
    }
    if (total)
        *total = count;
    *out = s;
    return CL_OK;
}

static const char *col_text(sqlite3_stmt *q, int i)
{
    const char *t = (const char *)sqlite3_column_text(q, i);
    return t ? t : "";
}

cl_status cl_search_next(cl_search *s, cl_search_hit *hit, bool *done)
{
    int rc = sqlite3_step(s->q);
    if (rc == SQLITE_DONE) {
        *done = true;
        return CL_OK;
    }
    if (rc != SQLITE_ROW)
        return cl_db_fail(sqlite3_db_handle(s->q), _("searching"));
    *done = false;
    free(s->snippet);
    sqlite3_bind_int64(s->body, 1, sqlite3_column_int64(s->q, 7));
    rc = sqlite3_step(s->body);
    s->snippet = cl_search_snippet(rc == SQLITE_ROW ? col_text(s->body, 0) : "", &s->words);
    sqlite3_reset(s->body);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return cl_db_fail(sqlite3_db_handle(s->q), _("searching"));
    if (!s->snippet)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    *hit = (cl_search_hit){
        .record_id = sqlite3_column_int64(s->q, 0),
        .student_id = sqlite3_column_int64(s->q, 1),
        .kind = col_text(s->q, 2),
        .occurred_at = col_text(s->q, 3),
        .author = col_text(s->q, 4),
        .student_name = col_text(s->q, 5),
        .student_number = col_text(s->q, 6),
        .snippet = s->snippet,
    };
    return CL_OK;
}

const char *cl_search_sql(const cl_search *s)
{
    return sqlite3_sql(s->q);
}

void cl_search_close(cl_search *s)
{
    if (!s)
        return;
    cl_search_statement_done(s->q);
    if (s->body)
        sqlite3_reset(s->body); /* kept by cl_db_cached */
    free(s->snippet);
    free(s);
}

json_t *cl_search_hit_json(const cl_search_hit *h)
{
    return json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:s}", "record_id", (json_int_t)h->record_id, "student_id",
                     (json_int_t)h->student_id, "student_name", h->student_name, "student_number", h->student_number,
                     "kind", h->kind, "occurred_at", h->occurred_at, "author", h->author, "snippet", h->snippet);
}

cl_status cl_search_each(cl_search *s, cl_search_hit_fn *fn, void *ctx)
{
    for (;;) {
        cl_search_hit h;
        bool done;
        cl_status st = cl_search_next(s, &h, &done);
        if (st != CL_OK || done)
            return st;
        if ((st = fn(&h, ctx)) != CL_OK)
            return st;
    }
}

static cl_status append_hit(const cl_search_hit *h, void *hits)
{
    return json_array_append_new(hits, cl_search_hit_json(h)) == 0 ? CL_OK : cl_fail(CL_ESOFTWARE, _("out of memory"));
}

cl_status cl_search_json(cl_vault *v, const char *text, const cl_search_options *opt, json_t **out,
                         long long *total)
{
    cl_search *s;
    cl_status st = cl_search_open(v, text, opt, total, &s);
    if (st != CL_OK)
        return st;
    json_t *hits = json_array();
    st = hits ? cl_search_each(s, append_hit, hits) : cl_fail(CL_ESOFTWARE, _("out of memory"));
    cl_search_close(s);
    if (st != CL_OK) {
        json_decref(hits);
        return st;
    }
    *out = hits;
    return CL_OK;
}
