/* Lists shown a page at a time: --limit N and --after CURSOR. */
#include <stdio.h>

#include "carelog/cli.h"
#include "carelog/i18n.h"

int cl_cli_page_option(cl_cli_page *p, int opt, const char *arg)
{
    if (opt == 'A') {
        p->after = arg;
        return 0;
    }
    if (opt != 'L')
        return 1;
    cl_status st = cl_parse_id(arg, "--limit", &p->limit);
    return st == CL_OK ? 0 : cl_cli_fail(st);
}

void cl_cli_print_next(const cl_cli *c, const cl_cli_page *p, const char *next)
{
    if (!next || !*next)
        return;
    /* The cursor holds dates, ids and names of sections only (no text a
     * person wrote), so it is printed as it is. */
    printf(_("\nMore: carelog %s --limit %lld --after %s\n"), c->argv[0], p->limit, next);
}

cl_status cl_cli_blocks_start(cl_cli_blocks *b, size_t ncols, const char *const *headers, void (*setup)(cl_table *t))
{
    b->rows = 0;
    b->measuring = true;
    b->t = cl_table_new(ncols, headers);
    if (!b->t)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    if (setup)
        setup(b->t);
    return CL_OK;
}

cl_status cl_cli_blocks_row(cl_cli_blocks *b, const char *const *cells)
{
    if (b->measuring)
        return cl_table_measure(b->t, cells);
    cl_status st = cl_table_add_row(b->t, cells);
    if (st == CL_OK && ++b->rows % CL_CLI_BLOCK_ROWS == 0)
        st = cl_table_flush(b->t, stdout, cl_cli_width());
    return st;
}

void cl_cli_blocks_second(cl_cli_blocks *b)
{
    b->measuring = false;
}

cl_status cl_cli_blocks_end(cl_cli_blocks *b, cl_status st)
{
    if (st == CL_OK && b->rows % CL_CLI_BLOCK_ROWS != 0)
        st = cl_table_flush(b->t, stdout, cl_cli_width());
    cl_table_free(b->t);
    b->t = NULL;
    return st;
}

cl_status cl_cli_page_check(const cl_cli_page *p)
{
    if (p->after && p->limit == 0)
        return cl_fail(CL_EUSAGE, _("--after goes with --limit N (the size of the page)"));
    return CL_OK;
}

static cl_status json_row_of_list(json_t *row, void *ctx)
{
    return cl_cli_json_row(ctx, row);
}

typedef struct stream_table {
    cl_cli_blocks b;
    const cl_cli_list_table *table;
    void *ctx;
} stream_table;

static cl_status table_row_of_list(json_t *row, void *ctx)
{
    stream_table *s = ctx;
    return s->table->row(&s->b, row, s->ctx);
}

cl_status cl_cli_stream_list(cl_cli *c, cl_cli_walk_fn walk, const void *filter, const cl_cli_list_table *table,
                             void *ctx)
{
    if (c->json) {
        cl_cli_json_rows a = {0};
        return cl_cli_json_rows_close(&a, walk(c, filter, json_row_of_list, &a));
    }
    stream_table s = {{0, true, NULL}, table, ctx};
    bool opened = false;
    cl_status st = cl_cli_blocks_start(&s.b, table->ncols, table->headers, table->setup);
    if (st == CL_OK)
        st = cl_vault_read_begin(c->vault, &opened);
    if (st == CL_OK)
        st = walk(c, filter, table_row_of_list, &s);
    cl_cli_blocks_second(&s.b);
    if (st == CL_OK)
        st = walk(c, filter, table_row_of_list, &s);
    cl_vault_read_end(c->vault, opened);
    st = cl_cli_blocks_end(&s.b, st);
    if (st == CL_OK && s.b.rows == 0)
        fputs(_(table->none), stdout);
    return st;
}
