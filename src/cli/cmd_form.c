/* Form commands: list, show, import. */
#include <stdlib.h>
#include <string.h>

#include "carelog/catalog.h"
#include "carelog/i18n.h"
#include "carelog/cli.h"
#include "carelog/clock.h"
#include "carelog/table.h"
#include "carelog/text.h"

static int version_option(cl_cli *c, int opt, const char *arg, void *ctx)
{
    (void)c;
    if (opt != 'v')
        return CL_EUSAGE;
    long long n;
    cl_status st = cl_parse_id(arg, "--version", &n);
    if (st == CL_OK && n > 1000000)
        st = cl_fail(CL_EUSAGE, _("--version %s is out of range"), arg);
    if (st != CL_OK)
        return cl_cli_fail(st);
    *(int *)ctx = (int)n;
    return 0;
}

static cl_status form_list(cl_cli *c, void *opts, json_t **list)
{
    (void)opts;
    return cl_catalog_list(c->vault, list);
}

static cl_status show_list(cl_cli *c, const void *opts, const json_t *list)
{
    (void)c, (void)opts;
    static const char *const headers[] = {N_("Kind"), N_("Version"), N_("Title"), N_("Fields"), N_("Imported")};
    cl_table *t = cl_table_new(5, headers);
    if (t) {
        cl_table_align_right(t, 1);
        cl_table_align_right(t, 3);
    }
    size_t i;
    const json_t *f;
    json_array_foreach(list, i, f) {
        char version[32], fields[32];
        snprintf(version, sizeof version, "%lld", (long long)json_integer_value(json_object_get(f, "version")));
        snprintf(fields, sizeof fields, "%lld", (long long)json_integer_value(json_object_get(f, "fields")));
        const char *title = cl_json_str_or(f, strcmp(cl_cli_lang(), "en") == 0 ? "title_en" : "title_zh");
        char imported[32];
        cl_time_local(cl_json_str_or(f, "imported_at"), false, imported, sizeof imported);
        const char *cells[5] = {cl_json_str_or(f, "kind"), version, title, fields, imported};
        if (t)
            cl_table_add_row(t, cells);
    }
    return cl_cli_put_table(t);
}

static const cl_command_spec form_list_spec = {
    .usage = "[--json]",
    .help = N_("Lists the forms in the vault (the newest version of each kind).\n"
               "--json: [{kind, version, title_zh, title_en, fields, versions, imported_at, signable}]\n"
               "(fields: how many top-level fields; versions: how many versions the vault holds)\n"),
    .needs = CL_CLI_UNLOCKED,
    .call = form_list,
    .show = show_list,
};

static cl_status form_show(cl_cli *c, void *opts, json_t **form)
{
    int version = *(int *)opts;
    const char *kind = c->operand[0];
    char *text = NULL;
    cl_status st = cl_catalog_source(c->vault, kind, version, &text);
    if (st == CL_OK && version == 0) {
        /* Name the version shown. */
        json_t *list = NULL;
        st = cl_catalog_list(c->vault, &list);
        size_t i;
        json_t *f;
        json_array_foreach(list, i, f) if (strcmp(cl_json_str_or(f, "kind"), kind) == 0) version =
            (int)json_integer_value(json_object_get(f, "version"));
        json_decref(list);
    }
    if (st == CL_OK)
        st = cl_cli_result(form, json_pack("{s:s, s:i, s:s}", "kind", kind, "version", version, "source", text));
    free(text);
    return st;
}

static cl_status show_source(cl_cli *c, const void *opts, const json_t *form)
{
    (void)c, (void)opts;
    const char *text = cl_json_str_or(form, "source");
    cl_cli_print_text(stdout, text);
    size_t n = strlen(text);
    if (n && text[n - 1] != '\n')
        putchar('\n');
    return CL_OK;
}

static const struct option show_options[] = {
    {"version", required_argument, NULL, 'v'},
    {0, 0, 0, 0},
};
static const int newest_version = 0;

static const cl_command_spec form_show_spec = {
    .usage = "KIND [--version N] [--json]",
    .help = N_("Prints a form's definition text (the newest version, or --version N), to read or to\n"
               "adapt and import again with `carelog form import FILE`.\n"
               "--json: {kind, version, source}\n"),
    .options = show_options,
    .on_option = version_option,
    CL_CLI_OPTS(newest_version),
    .operands = 1,
    .needs = CL_CLI_UNLOCKED,
    .call = form_show,
    .show = show_source,
};

static cl_status form_import(cl_cli *c, void *opts, json_t **imported)
{
    (void)opts;
    char *kind = NULL;
    int version = 0;
    bool added = false;
    cl_status st = cl_catalog_import_file(c->vault, c->operand[0], &kind, &version, &added);
    if (st == CL_OK)
        st = cl_cli_result(imported, json_pack("{s:s, s:i, s:b}", "kind", kind, "version", version, "added", added));
    free(kind);
    return st;
}

static cl_status show_imported(cl_cli *c, const void *opts, const json_t *imported)
{
    (void)c, (void)opts;
    const char *kind = cl_json_str_or(imported, "kind");
    int version = (int)json_integer_value(json_object_get(imported, "version"));
    if (json_is_true(json_object_get(imported, "added")))
        cl_cli_say(_("Imported form %s as version %d.\n"), kind, version);
    else
        cl_cli_say(_("Form %s is unchanged: it is already version %d.\n"), kind, version);
    return CL_OK;
}

static const cl_command_spec form_import_spec = {
    .usage = "FILE [--json]",
    .help = N_("Imports a form definition as the newest version of its kind. Records written with an\n"
               "older version keep it and still render. The same text again adds nothing. A form that\n"
               "does not parse is rejected with FILE:LINE:COLUMN and the reason.\n"
               "--json: {kind, version, added}\n"),
    .operands = 1,
    .needs = CL_CLI_UNLOCKED,
    .call = form_import,
    .show = show_imported,
};

const cl_command cl_form_commands[] = {
    {"form list", "", N_("the forms in the vault"), NULL, &form_list_spec},
    {"form show", "KIND [--version N]", N_("print a form's definition"), NULL, &form_show_spec},
    {"form import", "FILE", N_("import a changed form as a new version"), NULL, &form_import_spec},
    {NULL, NULL, NULL, NULL, NULL},
};
