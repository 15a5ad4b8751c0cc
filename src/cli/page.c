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
