/* Reports for the county: `report ledger` (学生异常行为干预台账) and
 * `report difficulty` (困境儿童动态监管), as xlsx, CSV, PDF, Markdown or
 * JSON. Plaintext: asked, 0600, never over a file, audited. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "carelog/cli.h"
#include "carelog/document.h"
#include "carelog/i18n.h"
#include "carelog/report.h"
#include "carelog/text.h"

typedef struct report_opts {
    cl_export_args args;
    cl_report_filter filter;
    cl_report_render_options render;
} report_opts;

static int report_option(cl_cli *c, int opt, const char *arg, void *ctx)
{
    (void)c;
    report_opts *o = ctx;
    if (cl_export_args_option(&o->args, opt, arg))
        return 0;
    switch (opt) {
    case 'c':
        o->filter.class_name = arg;
        break;
    case 'C':
        o->filter.circumstance = arg;
        break;
    case 'e':
        o->render.encoding = strcmp(arg, "utf8") == 0 ? "utf-8" : strcmp(arg, "gbk") == 0 ? "gb18030" : arg;
        if (strcmp(o->render.encoding, "utf-8") != 0 && strcmp(o->render.encoding, "gb18030") != 0)
            return cl_cli_fail(cl_fail(CL_EUSAGE, _("--encoding takes utf-8 or gb18030")));
        break;
    case 's':
        o->render.sheet_per_class = true;
        break;
    case 'r': {
        char *end;
        long n = strtol(arg, &end, 10);
        if (end == arg || *end || n < 0 || n > 3)
            return cl_cli_fail(cl_fail(CL_EUSAGE, _("--risk takes a level from 0 to %d"), 3));
        o->filter.risk = (int)n;
        break;
    }
    default:
        break;
    }
    return 0;
}

static const struct option report_options[] = {
    {"output", required_argument, NULL, 'o'},       {"format", required_argument, NULL, 'f'},
    {"from", required_argument, NULL, 'F'},         {"to", required_argument, NULL, 'T'},
    {"class", required_argument, NULL, 'c'},        {"risk", required_argument, NULL, 'r'},
    {"circumstance", required_argument, NULL, 'C'}, {"encoding", required_argument, NULL, 'e'},
    {"sheet-per-class", no_argument, NULL, 's'},    {0, 0, 0, 0},
};

static bool known_format(const char *f)
{
    static const char *const formats[] = {"xlsx", "csv", "pdf", "md", "json", NULL};
    for (const char *const *k = formats; *k; k++)
        if (strcmp(f, *k) == 0)
            return true;
    return false;
}

typedef cl_status (*report_fn)(cl_vault *v, const cl_report_filter *f, json_t **out);

static int run_report(cl_cli *c, const char *name, report_fn build, const char *usage, const char *help)
{
    report_opts o = {{NULL, NULL, NULL, NULL}, {NULL, NULL, NULL, -1, NULL}, {NULL, false}};
    int first;
    int rc = cl_cli_parse(c, report_options, usage, help, report_option, &o, 0, &first);
    if (rc != 0)
        return cl_cli_exit(rc);
    o.filter.from = o.args.from;
    o.filter.to = o.args.to;
    cl_status st = CL_OK;
    if (!o.args.path || !o.args.format)
        st = cl_fail(CL_EUSAGE, _("usage: carelog %s (both --format and -o are needed)"), usage);
    else if (!known_format(o.args.format))
        st = cl_fail(CL_EUSAGE, _("--format takes xlsx, csv, pdf, md or json"));
    else if (access(o.args.path, F_OK) == 0)
        st = cl_fail(CL_ECANTCREATE, _("%s already exists; it was left untouched (choose another name)"), o.args.path);
    if (st == CL_OK)
        st = cl_cli_unlock(c);
    json_t *report = NULL;
    if (st == CL_OK)
        st = build(c->vault, &o.filter, &report);
    unsigned char *bytes = NULL;
    size_t len = 0;
    if (st == CL_OK)
        st = cl_report_render(report, o.args.format, &o.render, &bytes, &len);
    size_t rows = json_array_size(json_object_get(report, "rows"));
    json_decref(report);
    if (st != CL_OK)
        return cl_cli_fail(st);
    char *question = cl_strdup_printf(ngettext("Write the %s (%zu student) UNENCRYPTED to %s?",
                                               "Write the %s (%zu students) UNENCRYPTED to %s?", (unsigned long)rows),
                                      name, rows, o.args.path);
    char action[64], target[64];
    snprintf(action, sizeof action, "report.%s", c->argv[0] + strlen("report "));
    snprintf(target, sizeof target, "%zu students", rows);
    rc = question ? cl_cli_write_export(c, question, action, target, o.args.path, o.args.format, bytes, len)
                  : (cl_doc_bytes_free(bytes, len), cl_cli_fail(cl_fail(CL_ESOFTWARE, "out of memory")));
    free(question);
    return rc;
}

static int cmd_report_ledger(cl_cli *c)
{
    return run_report(
        c, _("intervention ledger"), cl_report_ledger,
        "report ledger --format xlsx|csv|pdf|md|json -o FILE [--from DATE] [--to DATE] [--class C] [--risk N]",
        _("Writes the intervention ledger (学生异常行为干预台账): one row per student with\n"
          "any record in the period, with the columns county offices ask for: No., name,\n"
          "gender, class, first noticed, noticed by, concerns, risk level, misconduct tier,\n"
          "interventions, home-school contact, referral, current status, responsible,\n"
          "follow-up. Headings and text in the interface language (--lang).\n"
          "  --format F         xlsx (frozen headings, dates as dates, title row), csv,\n"
          "                     pdf (A4 landscape), md or json (required)\n"
          "  -o, --output FILE  where to write it (required)\n"
          "  --from/--to DATE   the period (default: everything)\n"
          "  --class C          one class only\n"
          "  --risk N           students at this risk level now (0-3)\n"
          "  --encoding E       csv: utf-8 (with BOM, the default) or gb18030\n"
          "  --sheet-per-class  xlsx: also one worksheet per class\n"
          "Plaintext: asks first (--yes), mode 0600, never over an existing file, logged.\n"));
}

static int cmd_report_difficulty(cl_cli *c)
{
    return run_report(c, _("children-in-difficulty list"), cl_report_difficulty,
                      "report difficulty --format xlsx|csv|pdf|md|json -o FILE [--circumstance C] [--class C]",
                      _("Writes the list of children in difficulty (困境儿童动态监管): every active or\n"
                        "monitoring student with a circumstance (left-behind, single-parent,\n"
                        "disability, …), their guardians and phones, the last home-school contact or\n"
                        "visit, the next date due by the follow-up policies, and how overdue it is.\n"
                        "  --circumstance C   one circumstance (left_behind, single_parent, disability…)\n"
                        "  --format, -o, --class, --encoding, --sheet-per-class as for report ledger\n"
                        "Plaintext: asks first (--yes), mode 0600, never over an existing file, logged.\n"));
}

const cl_command cl_report_commands[] = {
    {"report ledger", "--format F -o FILE", "the intervention ledger 干预台账 (xlsx, csv, pdf, md)", cmd_report_ledger},
    {"report difficulty", "--format F -o FILE", "children in difficulty 困境儿童 (xlsx, csv, pdf, md)",
     cmd_report_difficulty},
    {NULL, NULL, NULL, NULL},
};
