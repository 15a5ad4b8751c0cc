/* The command front: options parsed the one way for every command, and
 * the shape most commands share — parse, check, unlock, call, report —
 * carried by cl_cli_run from a command's cl_command_spec. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "carelog/cli.h"
#include "carelog/i18n.h"

/* Whether the option argument a (not "--") takes the next argument as its
 * value, as getopt_long will read it: a long option (or an unambiguous
 * prefix of one) that requires a value and has no "=value", or a cluster
 * of short options ending in one that requires a value. */
static bool takes_next(const char *a, const struct option *options)
{
    if (a[1] == '-') {
        const char *name = a + 2;
        if (strchr(name, '='))
            return false;
        size_t len = strlen(name);
        const struct option *match = NULL;
        int prefixes = 0;
        for (const struct option *o = options; o->name; o++) {
            if (strcmp(o->name, name) == 0)
                return o->has_arg == required_argument;
            if (strncmp(o->name, name, len) == 0) {
                match = o;
                prefixes++;
            }
        }
        return prefixes == 1 && match->has_arg == required_argument;
    }
    for (const char *p = a + 1; *p; p++)
        for (const struct option *o = options; o->name; o++)
            if (o->flag == NULL && o->val == *p && o->has_arg == required_argument)
                return p[1] == '\0';
    return false;
}

/* Moves the options (with their values) before the operands, keeping the
 * order of each, so that options may stand anywhere: "record edit 12
 * --version 3" reads as "record edit --version 3 12", and "backup FILE
 * --help" shows the help. An argument starting with '-' (other than "-"
 * alone) is an option unless it follows "--". */
static void permute(cl_cli *c, const struct option *options)
{
    char **opts = calloc((size_t)c->argc + 1, sizeof *opts), **ops = calloc((size_t)c->argc + 1, sizeof *ops);
    if (!opts || !ops) {
        free(opts);
        free(ops);
        return;
    }
    int no = 0, nx = 0;
    bool dashdash = false;
    for (int i = 1; i < c->argc; i++) {
        char *a = c->argv[i];
        if (strcmp(a, "--") == 0) {
            dashdash = true;
            for (i++; i < c->argc; i++)
                ops[nx++] = c->argv[i];
            break;
        }
        if (a[0] != '-' || a[1] == '\0') {
            ops[nx++] = a;
            continue;
        }
        opts[no++] = a;
        if (takes_next(a, options) && i + 1 < c->argc)
            opts[no++] = c->argv[++i];
    }
    int k = 1;
    for (int i = 0; i < no; i++)
        c->argv[k++] = opts[i];
    if (dashdash)
        c->argv[k++] = (char *)"--";
    for (int i = 0; i < nx; i++)
        c->argv[k++] = ops[i];
    c->argc = k;
    c->argv[k] = NULL;
    free(opts);
    free(ops);
}

int cl_cli_options(cl_cli *c, const struct option *options, const char *usage, const char *help,
                   cl_option_fn on_option, void *ctx, int *first_arg)
{
    /* Every command takes --help; it is added here so no table forgets it. */
    struct option all[32];
    size_t n = 0;
    for (; options && options[n].name && n < 30; n++)
        all[n] = options[n];
    all[n++] = (struct option){"help", no_argument, NULL, 'h'};
    all[n] = (struct option){0, 0, 0, 0};
    char shorts[64] = "+";
    for (size_t i = 0; i < n; i++)
        if (all[i].flag == NULL && all[i].val > 0 && all[i].val < 128 && strlen(shorts) < sizeof shorts - 3) {
            size_t k = strlen(shorts);
            shorts[k++] = (char)all[i].val;
            if (all[i].has_arg == required_argument)
                shorts[k++] = ':';
            shorts[k] = '\0';
        }
    permute(c, all);
    optind = 0;
    opterr = 0;
    int opt;
    while ((opt = getopt_long(c->argc, c->argv, shorts, all, NULL)) != -1) {
        if (opt == 'h') {
            printf(_("usage: carelog %s %s\n%s"), c->argv[0], usage, help ? help : "");
            return -1;
        }
        if (opt == '?' || opt == ':') {
            fprintf(stderr, _("carelog %s: unknown option or missing value: "), c->argv[0]);
            cl_cli_print_text(stderr, c->argv[optind - 1]);
            fprintf(stderr, _("\nusage: carelog %s %s\n"), c->argv[0], usage);
            return CL_EUSAGE;
        }
        int rc = on_option ? on_option(c, opt, optarg, ctx) : CL_EUSAGE;
        if (rc != 0)
            return rc;
    }
    *first_arg = optind;
    return 0;
}

int cl_cli_parse(cl_cli *c, const struct option *options, const char *usage, const char *help,
                 cl_option_fn on_option, void *ctx, int want, int *first_arg)
{
    int rc = cl_cli_options(c, options, usage, help, on_option, ctx, first_arg);
    if (rc != 0)
        return rc;
    if (c->argc - *first_arg != want) {
        fprintf(stderr, _("usage: carelog %s %s\n"), c->argv[0], usage);
        return CL_EUSAGE;
    }
    return 0;
}

int cl_cli_operands(cl_cli *c, const char *usage, const char *help, int want, int *first_arg)
{
    return cl_cli_parse(c, NULL, usage, help, NULL, NULL, want, first_arg);
}

cl_status cl_cli_result(json_t **result, json_t *value)
{
    *result = value;
    return value ? CL_OK : cl_fail(CL_ESOFTWARE, _("out of memory"));
}

int cl_cli_run(cl_cli *c, const cl_command_spec *spec)
{
    void *opts = NULL;
    if (spec->opts_size) {
        opts = calloc(1, spec->opts_size);
        if (!opts)
            return cl_cli_fail(cl_fail(CL_ESOFTWARE, _("out of memory")));
        if (spec->opts_defaults)
            memcpy(opts, spec->opts_defaults, spec->opts_size);
    }
    /* The usage goes through the catalogue as the help does; one not
     * marked N_() (option syntax only) is not in it and shows as written. */
    const char *usage = spec->usage ? _(spec->usage) : "";
    char *built = spec->help_of ? spec->help_of() : NULL;
    const char *help = built ? built : spec->help ? _(spec->help) : "";
    int first = 0;
    int rc = spec->operands == CL_CLI_ANY_OPERANDS || spec->operands_error
                 ? cl_cli_options(c, spec->options, usage, help, spec->on_option, opts, &first)
                 : cl_cli_parse(c, spec->options, usage, help, spec->on_option, opts, spec->operands, &first);
    free(built);
    if (rc == 0) {
        c->operand = c->argv + first;
        c->operands = c->argc - first;
        cl_status st = CL_OK;
        if (spec->operands_error && c->operands != spec->operands)
            st = cl_fail(CL_EUSAGE, "%s", _(spec->operands_error));
        if (st == CL_OK && spec->check)
            st = spec->check(c, opts);
        if (st == CL_OK && spec->needs == CL_CLI_UNLOCKED)
            st = cl_cli_unlock(c);
        json_t *result = NULL;
        if (st == CL_OK)
            st = spec->call(c, opts, &result);
        if (st == CL_OK && c->json && result) {
            st = cl_cli_put_json(result);
            result = NULL;
        } else if (st == CL_OK && !c->json && spec->show) {
            st = spec->show(c, opts, result);
        }
        json_decref(result);
        rc = cl_cli_fail(st);
    }
    if (opts && spec->release)
        spec->release(opts);
    free(opts);
    return cl_cli_exit(rc);
}
