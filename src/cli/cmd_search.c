/* carelog search: full text across every record (search.h). */
#include <stdlib.h>
#include <string.h>

#include "carelog/cli.h"
#include "carelog/i18n.h"
#include "carelog/search.h"
#include "carelog/table.h"
#include "carelog/text.h"

#define DEFAULT_LIMIT 50

typedef struct search_opts {
    cl_buf filters; /* --kind K etc., as the query language writes them */
    long long limit, offset;
    bool rank, by_student, rebuild, check;
} search_opts;

static int add_filter(search_opts *o, const char *name, const char *value)
{
    if (strchr(value, '"'))
        return cl_cli_fail(cl_fail(CL_EUSAGE, _("--%s cannot hold a double quote"), name));
    cl_buf_printf(&o->filters, " %s:\"%s\"", name, value);
    return 0;
}

static int search_option(cl_cli *c, int opt, const char *arg, void *ctx)
{
    (void)c;
    search_opts *o = ctx;
    cl_status st = CL_OK;
    switch (opt) {
    case 's': return add_filter(o, "student", arg);
    case 'k': return add_filter(o, "kind", arg);
    case 'c': return add_filter(o, "class", arg);
    case 'a': return add_filter(o, "author", arg);
    case 'S': return add_filter(o, "since", arg);
    case 'U': return add_filter(o, "until", arg);
    case 'l': st = cl_parse_id(arg, "--limit", &o->limit); break;
    case 'o': {
        char *end;
        o->offset = *arg ? strtoll(arg, &end, 10) : -1;
        if (o->offset < 0 || *end)
            st = cl_fail(CL_EUSAGE, _("--offset needs a whole number (0 or more)"));
        break;
    }
    case 'r': o->rank = true; break;
    case 'g': o->by_student = true; break;
    case 'R': o->rebuild = true; break;
    case 'C': o->check = true; break;
    default: return CL_EUSAGE;
    }
    return st == CL_OK ? 0 : cl_cli_fail(st);
}

/* The snippet for a terminal: the marks become « », the rest is inert. */
static char *visible_snippet(const char *snippet)
{
    cl_buf b = {0};
    for (const char *p = snippet; *p; p++) {
        if (*p == CL_SEARCH_MARK_START[0])
            cl_buf_puts(&b, "«");
        else if (*p == CL_SEARCH_MARK_END[0])
            cl_buf_puts(&b, "»");
        else
            cl_buf_append(&b, p, 1);
    }
    return cl_buf_take(&b);
}

/* --rebuild and --check; with --json the answer is printed either way. */
static cl_status maintain(cl_cli *c, const search_opts *o)
{
    cl_status st = CL_OK;
    long long n = 0;
    if (o->rebuild)
        st = cl_search_rebuild(c->vault, &n);
    if (st == CL_OK && o->check)
        st = cl_search_check_text(c->vault);
    if (c->json) {
        json_t *out = json_pack("{s:b}", "ok", st == CL_OK);
        if (o->rebuild && st == CL_OK)
            json_object_set_new(out, "records", json_integer(n));
        if (st != CL_OK)
            json_object_set_new(out, "error", json_string(cl_error_message()));
        cl_cli_print_json(out);
        return st;
    }
    if (st != CL_OK)
        return st;
    if (o->rebuild)
        printf(ngettext("Rebuilt the search index: %lld record.\n", "Rebuilt the search index: %lld records.\n",
                        (unsigned long)n), n);
    if (o->check)
        printf("%s\n", _("The search index is intact and in step with every record."));
    return CL_OK;
}

/* One hit as the table's row: added (kept), or measured only. */
static cl_status hit_row(cl_cli *c, cl_table *t, const cl_search_hit *h, bool keep)
{
    char id[24], *who = cl_strdup_printf("%s %s", h->student_name, h->student_number),
                 *snip = visible_snippet(h->snippet);
    snprintf(id, sizeof id, "#%lld", h->record_id);
    const char *cells[6] = {id, h->occurred_at, who ? who : "", cl_cli_kind_label(c, h->kind), h->author,
                            snip ? snip : ""};
    cl_status st = keep ? cl_table_add_row(t, cells) : cl_table_measure(t, cells);
    free(who);
    free(snip);
    return st;
}

/* A reading of the page's hits into the table; n counts them. */
typedef struct hit_rows {
    cl_cli *c;
    cl_table *t;
    long long n;
} hit_rows;

/* The first reading: the first block kept, the rest measured. */
static cl_status keep_first_block(const cl_search_hit *h, void *ctx)
{
    hit_rows *r = ctx;
    return hit_row(r->c, r->t, h, r->n++ < CL_CLI_BLOCK_ROWS);
}

/* The second: each added, and printed at its block's end. */
static cl_status add_in_blocks(const cl_search_hit *h, void *ctx)
{
    hit_rows *r = ctx;
    cl_status st = hit_row(r->c, r->t, h, true);
    if (st == CL_OK && ++r->n % CL_CLI_BLOCK_ROWS == 0)
        st = cl_table_flush(r->t, stdout, cl_cli_width());
    return st;
}

/* The hits after the first block, read again (the same query in the same
 * read transaction, from the block's end) and printed a block at a time
 * with the widths the first reading measured. */
static cl_status print_rest(cl_cli *c, cl_table *t, const char *query, const cl_search_options *first,
                            long long shown)
{
    cl_search_options again = *first;
    again.audit = false;
    again.offset = first->offset + CL_CLI_BLOCK_ROWS;
    again.limit = shown - CL_CLI_BLOCK_ROWS;
    cl_search *s = NULL;
    cl_status st = cl_table_flush(t, stdout, cl_cli_width());
    if (st == CL_OK)
        st = cl_search_open(c->vault, query, &again, NULL, &s);
    hit_rows rest = {c, t, 0};
    if (st == CL_OK)
        st = cl_search_each(s, add_in_blocks, &rest);
    cl_search_close(s);
    return st == CL_OK ? cl_table_flush(t, stdout, cl_cli_width()) : st;
}

/* A page of hits as a table. Up to a block of them is kept and printed
 * whole; a longer page (a large --limit) keeps only its first block, then
 * reads the rest again a block at a time, so memory stays flat. */
static cl_status print_hits(cl_cli *c, cl_search *s, const char *query, const cl_search_options *opt,
                            long long total, const search_opts *o)
{
    static const char *headers[6];
    headers[0] = _("Record");
    headers[1] = _("Date");
    headers[2] = _("Student");
    headers[3] = _("Kind");
    headers[4] = _("Author");
    headers[5] = _("Where it says it");
    cl_table *t = cl_table_new(6, headers);
    if (!t)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    cl_table_align_right(t, 0);
    cl_table_below_when_narrow(t, 5);
    hit_rows first = {c, t, 0};
    cl_status st = cl_search_each(s, keep_first_block, &first);
    long long shown = first.n;
    if (st == CL_OK && shown > CL_CLI_BLOCK_ROWS)
        st = print_rest(c, t, query, opt, shown);
    else if (st == CL_OK && shown)
        st = cl_table_print(t, stdout, cl_cli_width());
    cl_table_free(t);
    if (st != CL_OK)
        return st;
    if (shown == 0)
        printf("%s\n", _("No record says that."));
    else if (total > CL_SEARCH_COUNT_MAX)
        printf(_("Showing %lld–%lld of more than %d; the next page: --offset %lld\n"), o->offset + 1,
               o->offset + shown, CL_SEARCH_COUNT_MAX, o->offset + shown);
    else if (o->offset + shown < total)
        printf(_("Showing %lld–%lld of %lld; the next page: --offset %lld\n"), o->offset + 1, o->offset + shown,
               total, o->offset + shown);
    else
        printf(ngettext("%lld record.\n", "%lld records.\n", (unsigned long)total), total);
    return CL_OK;
}

static cl_status search_check(cl_cli *c, void *opts)
{
    const search_opts *o = opts;
    if ((o->rebuild || o->check) && c->operands != 0)
        return cl_fail(CL_EUSAGE, "%s", _("--rebuild and --check take no query"));
    if (!o->rebuild && !o->check && o->rank && o->by_student)
        return cl_fail(CL_EUSAGE, "%s", _("--rank and --by-student are two orders: choose one"));
    return CL_OK;
}

static void search_release(void *opts)
{
    cl_buf_free(&((search_opts *)opts)->filters);
}

static cl_status print_json_hit(const cl_search_hit *h, void *rows)
{
    json_t *hit = cl_search_hit_json(h);
    cl_status st = hit ? cl_cli_json_row(rows, hit) : cl_fail(CL_ESOFTWARE, _("out of memory"));
    json_decref(hit);
    return st;
}

/* The page as one JSON document, {total, total_exact, offset, results},
 * byte for byte as the whole document would print, each hit written as it
 * comes (a page of every hit of a common word is hundreds of MiB as one
 * document). Takes query. */
static cl_status print_json_hits(cl_cli *c, char *query, const cl_search_options *opt, long long offset)
{
    cl_search *s = NULL;
    long long total = 0;
    cl_status st = cl_search_open(c->vault, query, opt, &total, &s);
    free(query);
    if (st != CL_OK)
        return st;
    /* total_exact false: more than total match (search.h). */
    bool exact = total <= CL_SEARCH_COUNT_MAX;
    printf("{\"total\":%lld,\"total_exact\":%s,\"offset\":%lld,\"results\":",
           exact ? total : (long long)CL_SEARCH_COUNT_MAX, exact ? "true" : "false", offset);
    cl_cli_json_rows rows = {0};
    st = cl_search_each(s, print_json_hit, &rows);
    cl_search_close(s);
    if (st == CL_OK)
        fputs(rows.n ? "]}\n" : "[]}\n", stdout);
    else
        fputc('\n', stdout);
    return st;
}

/* The hits are streamed, to the table for people or as one JSON document
 * for programs, so the call prints them and gives no result. */
static cl_status search(cl_cli *c, void *opts, json_t **page)
{
    (void)page;
    const search_opts *o = opts;
    if (o->rebuild || o->check)
        return maintain(c, o);
    cl_buf text = {0};
    for (int i = 0; i < c->operands; i++)
        cl_buf_printf(&text, "%s%s", i ? " " : "", c->operand[i]);
    if (o->filters.data)
        cl_buf_puts(&text, o->filters.data);
    char *query = cl_buf_take(&text);
    if (!query)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    cl_search_options opt = {.order = o->rank ? CL_SEARCH_RELEVANCE : o->by_student ? CL_SEARCH_BY_STUDENT : CL_SEARCH_NEWEST,
                             .limit = o->limit, .offset = o->offset, .audit = true};
    long long total = 0;
    cl_status st;
    if (c->json)
        return print_json_hits(c, query, &opt, o->offset);
    /* Audited and counted first (a write of its own); then the hits are
     * read in one read transaction, twice for a page longer than a block. */
    cl_search *s = NULL;
    bool opened = false;
    st = cl_search_open(c->vault, query, &opt, &total, &s);
    if (st == CL_OK)
        st = cl_vault_read_begin(c->vault, &opened);
    if (st == CL_OK)
        st = print_hits(c, s, query, &opt, total, o);
    cl_search_close(s);
    cl_vault_read_end(c->vault, opened);
    free(query);
    return st;
}

static const struct option search_options[] = {
    {"student", required_argument, NULL, 's'}, {"kind", required_argument, NULL, 'k'},
    {"class", required_argument, NULL, 'c'},   {"author", required_argument, NULL, 'a'},
    {"since", required_argument, NULL, 'S'},   {"until", required_argument, NULL, 'U'},
    {"limit", required_argument, NULL, 'l'},   {"offset", required_argument, NULL, 'o'},
    {"rank", no_argument, NULL, 'r'},          {"by-student", no_argument, NULL, 'g'},
    {"rebuild", no_argument, NULL, 'R'},       {"check", no_argument, NULL, 'C'},
    {0, 0, 0, 0},
};
static const search_opts search_defaults = {{0}, DEFAULT_LIMIT, 0, false, false, false, false};

static const cl_command_spec search_spec = {
    .usage = N_("QUERY… [--student S] [--kind K] [--class C] [--author A] [--since D] [--until D]\n"
                "                      [--limit N] [--offset N] [--rank | --by-student] [--json] | --rebuild | --check"),
    .help = N_("Finds every record whose text says all the words, newest first (audited).\n"
               "  words      all must appear; Chinese is matched inside words (网贷 finds 网贷平台)\n"
               "  \"a phrase\" the words together, in order\n"
               "  -word      records that do not say it\n"
               "  kind:K student:S class:C author:A since:DATE until:DATE   filters, also as options\n"
               "  students are found by pinyin too, also while it is typed: zhaoxm, zxm, zhao → 赵小明\n"
               "  --limit N  at most N results (50); --offset N skips N, for the next page\n"
               "  --rank     best matches first instead of newest\n"
               "  --by-student  each student's matches together, the student with the newest first\n"
               "  --rebuild  rebuild the index from the records; --check  check it\n"),
    .options = search_options,
    .on_option = search_option,
    CL_CLI_OPTS(search_defaults),
    .operands = CL_CLI_ANY_OPERANDS,
    .needs = CL_CLI_UNLOCKED,
    .check = search_check,
    .release = search_release,
    .call = search,
};

const cl_command cl_search_commands[] = {
    {"search", "QUERY… [--kind K] [--student S] [--since D]", N_("find records by the words they say (audited)"),
     NULL, &search_spec},
    {NULL, NULL, NULL, NULL, NULL},
};
