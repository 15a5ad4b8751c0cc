/* Reports for the county: `report ledger` (学生异常行为干预台账) and
 * `report difficulty` (困境儿童动态监管), as xlsx, CSV, PDF, Markdown or
 * JSON. Plaintext: asked, 0600, never over a file, audited. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "carelog/cli.h"
#include "carelog/county.h"
#include "carelog/file.h"
#include "carelog/document.h"
#include "carelog/i18n.h"
#include "carelog/report.h"
#include "carelog/text.h"

typedef struct report_opts {
    cl_export_args args;
    cl_report_filter filter;
    cl_report_render_options render;
    const char *by; /* report stats */
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
    case 'b':
        o->by = arg;
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
    {"sheet-per-class", no_argument, NULL, 's'},    {"by", required_argument, NULL, 'b'},
    {0, 0, 0, 0},
};

static bool known_format(const char *f)
{
    static const char *const formats[] = {"xlsx", "csv", "pdf", "md", "json", NULL};
    for (const char *const *k = formats; *k; k++)
        if (strcmp(f, *k) == 0)
            return true;
    return false;
}

static const report_opts no_options = {{NULL, NULL, NULL, NULL}, {NULL, NULL, NULL, -1, NULL}, {NULL, false}, NULL};

static cl_status report_check(cl_cli *c, void *opts)
{
    (void)c;
    const report_opts *o = opts;
    if (!o->args.path || !o->args.format)
        return cl_fail(CL_EUSAGE, _("both --format and -o are needed (see --help)"));
    if (!known_format(o->args.format))
        return cl_fail(CL_EUSAGE, _("--format takes xlsx, csv, pdf, md or json"));
    if (access(o->args.path, F_OK) == 0)
        return cl_fail(CL_ECANTCREATE, _("%s already exists; it was left untouched (choose another name)"),
                       o->args.path);
    return CL_OK;
}

typedef cl_status (*report_fn)(cl_vault *v, const cl_report_filter *f, json_t **out);

static cl_status run_report(cl_cli *c, report_opts *o, const char *name, report_fn build, json_t **written)
{
    o->filter.from = o->args.from;
    o->filter.to = o->args.to;
    json_t *report = NULL;
    cl_status st = build(c->vault, &o->filter, &report);
    unsigned char *bytes = NULL;
    size_t len = 0;
    if (st == CL_OK)
        st = cl_report_render(report, o->args.format, &o->render, &bytes, &len);
    size_t rows = json_array_size(json_object_get(report, "rows"));
    json_decref(report);
    if (st != CL_OK)
        return st;
    char *question = cl_strdup_printf(ngettext("Write the %s (%zu student) UNENCRYPTED to %s?",
                                               "Write the %s (%zu students) UNENCRYPTED to %s?", (unsigned long)rows),
                                      name, rows, o->args.path);
    char action[64], target[64];
    snprintf(action, sizeof action, "report.%s", c->argv[0] + strlen("report "));
    snprintf(target, sizeof target, "%zu students", rows);
    if (question)
        st = cl_cli_export_file(c, question, action, target, o->args.path, o->args.format, bytes, len, written);
    else
        st = (cl_doc_bytes_free(bytes, len), cl_fail(CL_ESOFTWARE, _("out of memory")));
    free(question);
    return st;
}

static cl_status report_ledger(cl_cli *c, void *opts, json_t **written)
{
    return run_report(c, opts, _("intervention ledger"), cl_report_ledger, written);
}

static const cl_command_spec ledger_spec = {
    .usage = "--format xlsx|csv|pdf|md|json -o FILE [--from DATE] [--to DATE] [--class C] [--risk N]",
    .help = N_("Writes the intervention ledger (学生异常行为干预台账): one row per student with\n"
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
               "Plaintext: asks first (--yes), mode 0600, never over an existing file, logged.\n"),
    .options = report_options,
    .on_option = report_option,
    CL_CLI_OPTS(no_options),
    .needs = CL_CLI_UNLOCKED,
    .check = report_check,
    .call = report_ledger,
    .show = cl_cli_show_written,
};

static cl_status report_difficulty(cl_cli *c, void *opts, json_t **written)
{
    return run_report(c, opts, _("children-in-difficulty list"), cl_report_difficulty, written);
}

static const cl_command_spec difficulty_spec = {
    .usage = "--format xlsx|csv|pdf|md|json -o FILE [--circumstance C] [--class C]",
    .help = N_("Writes the list of children in difficulty (困境儿童动态监管): every active or\n"
               "monitoring student with a circumstance (left-behind, single-parent,\n"
               "disability, …), their guardians and phones, the last home-school contact or\n"
               "visit, the next date due by the follow-up policies, and how overdue it is.\n"
               "  --circumstance C   one circumstance (left_behind, single_parent, disability…)\n"
               "  --format, -o, --class, --encoding, --sheet-per-class as for report ledger\n"
               "Plaintext: asks first (--yes), mode 0600, never over an existing file, logged.\n"),
    .options = report_options,
    .on_option = report_option,
    CL_CLI_OPTS(no_options),
    .needs = CL_CLI_UNLOCKED,
    .check = report_check,
    .call = report_difficulty,
    .show = cl_cli_show_written,
};

/* ---- report stats ------------------------------------------------------ */

static const char *const *const measures = cl_report_measures;

static char *stats_csv(const json_t *r)
{
    cl_buf b = {0};
    cl_buf_puts(&b, "\xef\xbb\xbf");
    cl_buf_puts(&b, json_string_value(json_object_get(r, "by")) ? json_string_value(json_object_get(r, "by")) : "group");
    for (const char *const *m = measures; *m; m++)
        cl_buf_printf(&b, ",%s", *m);
    cl_buf_puts(&b, "\r\n");
    size_t i;
    json_t *g;
    json_array_foreach(json_object_get(r, "groups"), i, g) {
        /* Quoted as RFC 4180 wants; a key Excel would run as a formula gets a '. */
        const char *key = cl_json_str_or(g, "key");
        cl_buf_puts(&b, strchr("=+-@", key[0]) && key[0] ? "\"'" : "\"");
        for (const char *p = key; *p; p++)
            cl_buf_puts(&b, *p == '"' ? "\"\"" : (char[2]){*p, '\0'});
        cl_buf_puts(&b, "\"");
        for (const char *const *m = measures; *m; m++)
            cl_buf_printf(&b, ",%lld", (long long)json_integer_value(json_object_get(g, *m)));
        cl_buf_puts(&b, "\r\n");
    }
    cl_buf_puts(&b, "total");
    for (const char *const *m = measures; *m; m++)
        cl_buf_printf(&b, ",%lld", (long long)json_integer_value(json_object_get(json_object_get(r, "totals"), *m)));
    cl_buf_puts(&b, "\r\n");
    return cl_buf_take(&b);
}

/* The charts and tables as the core composes them for every terminal
 * front; charts fit 80 columns, the table the terminal. */
static cl_status print_stats(cl_cli *c, const json_t *r)
{
    int width = cl_cli_width();
    if (width <= 0 || width > 80)
        width = 80;
    char *text = NULL;
    cl_status st = cl_report_stats_text(c->vault, r, width, cl_cli_width(), &text);
    if (st == CL_OK)
        cl_cli_print_text(stdout, text);
    free(text);
    return st;
}

/* The format asked for, or the default: a table, or JSON with --json. */
static const char *stats_format(const cl_cli *c, const report_opts *o)
{
    return o->args.format ? o->args.format : (c->json ? "json" : "table");
}

static bool is_document(const char *format)
{
    return strcmp(format, "pdf") == 0 || strcmp(format, "md") == 0;
}

static cl_status stats_check(cl_cli *c, void *opts)
{
    const report_opts *o = opts;
    const char *format = stats_format(c, o);
    bool document = is_document(format);
    if (strcmp(format, "table") != 0 && strcmp(format, "csv") != 0 && strcmp(format, "json") != 0 && !document)
        return cl_fail(CL_EUSAGE, _("--format takes table, csv, json, pdf or md"));
    if (o->args.path && strcmp(format, "table") == 0)
        return cl_fail(CL_EUSAGE, _("-o writes csv, json, pdf or md; add --format"));
    if (document && !o->args.path)
        return cl_fail(CL_EUSAGE, _("--format %s needs -o FILE"), format);
    if (o->args.path && access(o->args.path, F_OK) == 0)
        return cl_fail(CL_ECANTCREATE, _("%s already exists; it was left untouched (choose another name)"),
                       o->args.path);
    return CL_OK;
}

/* Printed here in every format but one: a file written is said by show. */
static cl_status report_stats(cl_cli *c, void *opts, json_t **written)
{
    report_opts *o = opts;
    const char *format = stats_format(c, o);
    o->filter.from = o->args.from;
    o->filter.to = o->args.to;
    json_t *r = NULL;
    cl_status st = cl_report_stats(c->vault, &o->filter, o->by, &r);
    if (st != CL_OK)
        return st;
    if (strcmp(format, "table") == 0) {
        st = print_stats(c, r);
        json_decref(r);
        return st;
    }
    if (strcmp(format, "json") == 0 && !o->args.path)
        return cl_cli_put_json(r); /* one line, as every --json */
    unsigned char *bytes = NULL;
    size_t len = 0;
    if (is_document(format)) {
        st = cl_report_render(r, format, NULL, &bytes, &len);
        json_decref(r);
    } else {
        char *text = strcmp(format, "csv") == 0 ? stats_csv(r) : json_dumps(r, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        json_decref(r);
        if (!text)
            return cl_fail(CL_ESOFTWARE, _("out of memory"));
        if (!o->args.path) {
            fputs(text, stdout);
            free(text);
            return CL_OK;
        }
        bytes = (unsigned char *)text;
        len = strlen(text);
    }
    if (st != CL_OK)
        return st;
    char *question = cl_strdup_printf(_("Write the statistics to %s?"), o->args.path);
    st = cl_cli_export_file(c, question ? question : "", "report.stats", "statistics", o->args.path, format, bytes, len,
                            written);
    free(question);
    return st;
}

static const cl_command_spec stats_spec = {
    .usage = N_("[--from DATE] [--to DATE] [--by DIMENSION] [--format table|csv|json] [-o FILE]"),
    .help = N_("Counts for a period: students, observations, sessions, assessments, screenings\n"
               "(by band), plans, reviews, contacts and referrals (by state, and how fast each\n"
               "was acknowledged against the three-day feedback time), as terminal bar charts\n"
               "(Unicode blocks, 80 columns, no colour) or CSV/JSON for programs.\n"
               "  --by D          month, week, class, grade, category, risk, tier,\n"
               "                  circumstance, counsellor or agency\n"
               "  --from/--to     the period (default: everything)\n"
               "  --class, --risk as for report ledger\n"
               "  --format F      table (default), csv, json, or pdf/md with charts;\n"
               "                  -o FILE writes it (asks first)\n"),
    .options = report_options,
    .on_option = report_option,
    CL_CLI_OPTS(no_options),
    .needs = CL_CLI_UNLOCKED,
    .check = stats_check,
    .call = report_stats,
    .show = cl_cli_show_written,
};

/* ---- county totals ------------------------------------------------------ */

typedef struct county_opts {
    cl_export_args args;
    const char *period;
    int threshold;
    const char *trust[64];
    size_t n_trust;
} county_opts;

static int county_option(cl_cli *c, int opt, const char *arg, void *ctx)
{
    (void)c;
    county_opts *o = ctx;
    if (cl_export_args_option(&o->args, opt, arg))
        return 0;
    if (opt == 'p') {
        o->period = arg;
    } else if (opt == 'H') {
        char *end;
        long n = strtol(arg, &end, 10);
        if (end == arg || *end || n < CL_COUNTY_MIN_THRESHOLD || n > 100)
            return cl_cli_fail(cl_fail(CL_EUSAGE, _("--threshold takes a number from %d to 100"), CL_COUNTY_MIN_THRESHOLD));
        o->threshold = (int)n;
    } else if (opt == 't') {
        if (o->n_trust == sizeof o->trust / sizeof *o->trust)
            return cl_cli_fail(cl_fail(CL_EUSAGE, _("too many --trust files")));
        o->trust[o->n_trust++] = arg;
    }
    return 0;
}

static const struct option county_options[] = {
    {"output", required_argument, NULL, 'o'}, {"format", required_argument, NULL, 'f'},
    {"from", required_argument, NULL, 'F'},   {"to", required_argument, NULL, 'T'},
    {"period", required_argument, NULL, 'p'}, {"threshold", required_argument, NULL, 'H'},
    {"trust", required_argument, NULL, 't'},  {0, 0, 0, 0},
};

static const county_opts no_county = {{NULL, NULL, NULL, NULL}, NULL, CL_COUNTY_THRESHOLD, {NULL}, 0};

/* FILE.minisig, beside the county file. */
static char *signature_path(const char *path)
{
    return cl_strdup_printf("%s.minisig", path);
}

static cl_status county_check(cl_cli *c, void *opts)
{
    (void)c;
    const county_opts *o = opts;
    if (!o->args.path || !o->period)
        return cl_fail(CL_EUSAGE, _("both --period and -o are needed (see --help)"));
    char *sig_path = signature_path(o->args.path);
    cl_status st = CL_OK;
    if (!sig_path)
        st = cl_fail(CL_ESOFTWARE, _("out of memory"));
    else if (access(o->args.path, F_OK) == 0 || access(sig_path, F_OK) == 0)
        st = cl_fail(CL_ECANTCREATE, _("%s or %s already exists; it was left untouched (choose another name)"),
                     o->args.path, sig_path);
    free(sig_path);
    return st;
}

static cl_status report_county(cl_cli *c, void *opts, json_t **written)
{
    const county_opts *o = opts;
    char *sig_path = signature_path(o->args.path);
    unsigned char *bytes = NULL;
    size_t len = 0;
    char *sig = NULL;
    const char *slash = strrchr(o->args.path, '/');
    cl_status st = sig_path ? cl_county_totals(c->vault, o->period, o->args.from, o->args.to, o->threshold,
                                               slash ? slash + 1 : o->args.path, &bytes, &len, &sig)
                            : cl_fail(CL_ESOFTWARE, _("out of memory"));
    if (st != CL_OK) {
        free(sig_path);
        return st;
    }
    /* The signature first: the file is then never out without it. */
    char *question = cl_strdup_printf(_("Write the anonymous county totals for %s to %s?"), o->period, o->args.path);
    st = cl_cli_confirm(c, question ? question : "");
    if (st == CL_OK)
        st = cl_file_create_private(sig_path, sig, strlen(sig));
    free(sig);
    if (st != CL_OK) {
        cl_doc_bytes_free(bytes, len);
    } else {
        c->yes = true; /* asked above, once for both files */
        st = cl_cli_export_file(c, question ? question : "", "report.county", o->period, o->args.path, "json", bytes,
                                len, written);
        if (st != CL_OK)
            unlink(sig_path);
    }
    free(sig_path);
    free(question);
    return st;
}

static cl_status show_county(cl_cli *c, const void *opts, const json_t *written)
{
    const county_opts *o = opts;
    cl_status st = cl_cli_show_written(c, opts, written);
    char *sig_path = signature_path(o->args.path);
    cl_cli_say(_("Signed with this vault's key: %s (check with `minisign -Vm %s -P KEY`, KEY from `carelog "
                 "pubkey`).\n"), sig_path ? sig_path : "", o->args.path);
    free(sig_path);
    return st;
}

static const cl_command_spec county_spec = {
    .usage = N_("--period NAME [--from DATE] [--to DATE] [--threshold N] -o FILE"),
    .help = N_("Writes the term's statistics for the county, anonymous and signed by this vault:\n"
               "totals, counts by grade, referrals by state and screenings by band, with no\n"
               "name, number, birth date or class, and every count from 1 to the threshold\n"
               "minus one shown as \"<5\" (and, where a total would give one away, one more\n"
               "cell as \"*\"). The county adds schools up with `report merge`.\n"
               "  --period NAME   the term, e.g. \"2026 秋季学期\" (required)\n"
               "  --from/--to     the term's first and last day\n"
               "  --threshold N   suppress counts below N (default 5, never below 3)\n"
               "  -o FILE         where to write it (required; asks first, logged)\n"),
    .options = county_options,
    .on_option = county_option,
    CL_CLI_OPTS(no_county),
    .needs = CL_CLI_UNLOCKED,
    .check = county_check,
    .call = report_county,
    .show = show_county,
};

static cl_status merge_check(cl_cli *c, void *opts)
{
    const county_opts *o = opts;
    if (c->operands == 0)
        return cl_fail(CL_EUSAGE, _("needs at least one county totals file"));
    if (o->args.path && !o->args.format)
        return cl_fail(CL_EUSAGE, _("-o needs --format csv, json, md, pdf or xlsx"));
    if (o->args.path && access(o->args.path, F_OK) == 0)
        return cl_fail(CL_ECANTCREATE, _("%s already exists; it was left untouched (choose another name)"),
                       o->args.path);
    return CL_OK;
}

/* The vault is opened only without --trust; a file written is said here. */
static cl_status report_merge(cl_cli *c, void *opts, json_t **merged)
{
    const county_opts *o = opts;
    json_t *trusted = json_array(), *files = json_array();
    cl_status st = CL_OK;
    /* Without --trust, the schools this vault trusts (`office trust`). */
    if (o->n_trust == 0) {
        json_decref(trusted);
        trusted = NULL;
        st = cl_cli_unlock(c);
        if (st == CL_OK)
            st = cl_county_trusted_schools(c->vault, &trusted);
        if (st == CL_OK && json_array_size(trusted) == 0)
            st = cl_fail(CL_EUSAGE, _("this vault trusts no school yet: `carelog office trust NAME vault.pub` adds "
                                      "one, or name the schools' vault.pub files with --trust"));
        if (!trusted)
            trusted = json_array();
    }
    for (size_t i = 0; st == CL_OK && i < o->n_trust; i++) {
        unsigned char *data;
        size_t len;
        json_t *t = NULL;
        /* A file that cannot be read names itself in its message. */
        st = cl_file_read(o->trust[i], 64 * 1024, &data, &len);
        if (st == CL_OK) {
            st = cl_county_trust_parse((const char *)data, len, &t);
            free(data);
            if (st != CL_OK)
                st = cl_fail_context(st, "%s", o->trust[i]);
        }
        if (st == CL_OK)
            json_array_append_new(trusted, t);
    }
    for (int i = 0; st == CL_OK && i < c->operands; i++) {
        unsigned char *data;
        size_t len;
        json_t *doc = NULL;
        st = cl_file_read(c->operand[i], CL_COUNTY_MAX_BYTES, &data, &len);
        char *sig_path = st == CL_OK ? cl_strdup_printf("%s.minisig", c->operand[i]) : NULL;
        unsigned char *sig = NULL;
        size_t sig_len = 0;
        if (st == CL_OK)
            st = sig_path ? cl_file_read(sig_path, 8192, &sig, &sig_len) : cl_fail(CL_ESOFTWARE, _("out of memory"));
        if (st == CL_ENOTFOUND)
            st = cl_fail(CL_ENOTFOUND, _("the signature %s is missing: county totals come as two files, FILE and "
                                         "FILE.minisig, side by side"), sig_path);
        if (st == CL_OK)
            st = cl_county_verify(data, len, (const char *)sig, sig_len, trusted, &doc);
        free(data);
        free(sig);
        free(sig_path);
        if (st == CL_OK)
            json_array_append_new(files, doc);
        else
            st = cl_fail_context(st, "%s", c->operand[i]);
    }
    json_t *report = NULL;
    if (st == CL_OK)
        st = cl_county_merge(files, o->threshold, &report);
    json_decref(trusted);
    json_decref(files);
    if (st != CL_OK) {
        json_decref(report);
        return st;
    }
    if (!o->args.path) {
        *merged = report;
        return CL_OK;
    }
    unsigned char *bytes = NULL;
    size_t len = 0;
    st = cl_report_render(report, o->args.format, NULL, &bytes, &len);
    json_decref(report);
    if (st == CL_OK)
        st = cl_file_create_private(o->args.path, bytes, len);
    cl_doc_bytes_free(bytes, len);
    if (st == CL_OK)
        printf(_("Wrote %s (%s, %zu bytes, mode 0600).\n"), o->args.path, o->args.format, len);
    return st;
}

static cl_status show_merged(cl_cli *c, const void *opts, const json_t *report)
{
    (void)c, (void)opts;
    if (!report)
        return CL_OK;
    const json_t *cols = json_object_get(report, "columns");
    const char *heads[16];
    size_t n = json_array_size(cols);
    for (size_t i = 0; i < n && i < 16; i++)
        heads[i] = cl_json_str_or(json_array_get(cols, i), "label");
    cl_table *t = cl_table_new(n, heads);
    size_t i;
    const json_t *row;
    json_array_foreach(json_object_get(report, "rows"), i, row) {
        char buf[16][48];
        const char *cells[16];
        for (size_t k = 0; k < n && k < 16; k++) {
            const json_t *v = json_array_get(json_object_get(row, "cells"), k);
            if (json_is_integer(v))
                snprintf(buf[k], sizeof buf[k], "%lld", (long long)json_integer_value(v));
            else
                snprintf(buf[k], sizeof buf[k], "%s", json_is_string(v) ? json_string_value(v) : "");
            cells[k] = buf[k];
        }
        if (t)
            cl_table_add_row(t, cells);
    }
    return cl_cli_put_table(t);
}

static const cl_command_spec merge_spec = {
    .usage = N_("FILE... [--trust VAULT.PUB...] [--format csv|json|md|pdf|xlsx -o FILE]"),
    .help = N_("Adds up the county totals of many schools: each file's signature is verified\n"
               "against the schools trusted by --trust (each school's vault.pub), or without\n"
               "--trust against those this vault trusts (`office trust`); a file\n"
               "changed after signing, from a school not trusted, or a second file of one\n"
               "school for one period is refused (exit 65 or 77) and nothing is written.\n"
               "One row per school, then the county's total, then the county's breakdowns\n"
               "(by grade, referrals by state, screenings by band). Counts below the threshold\n"
               "(the highest of --threshold and the files') stay suppressed; a sum over a\n"
               "suppressed count is shown as \"≥N\", and a cell that subtraction would give\n"
               "away is withheld as \"*\". Each FILE comes with FILE.minisig.\n"
               "  --trust FILE    a school's vault.pub (repeat for each school; then no vault\n"
               "                  is needed)\n"
               "  --format F      csv, json, md, pdf or xlsx with -o (default: a table)\n"),
    .options = county_options,
    .on_option = county_option,
    CL_CLI_OPTS(no_county),
    .operands = CL_CLI_ANY_OPERANDS,
    .check = merge_check,
    .call = report_merge,
    .show = show_merged,
};

const cl_command cl_report_commands[] = {
    {"report ledger", "--format F -o FILE", N_("the intervention ledger 干预台账 (xlsx, csv, pdf, md)"), NULL, &ledger_spec},
    {"report difficulty", "--format F -o FILE", N_("children in difficulty 困境儿童 (xlsx, csv, pdf, md)"), NULL,
     &difficulty_spec},
    {"report stats", "[--by D] [--format F]", N_("counts with terminal bar charts (table, csv, json)"), NULL, &stats_spec},
    {"report county", "--period NAME -o FILE", N_("anonymous, signed totals of a term for the county"), NULL, &county_spec},
    {"report merge", "FILE... [--trust VAULT.PUB...]", N_("verify and add up schools' county totals"), NULL, &merge_spec},
    {NULL, NULL, NULL, NULL, NULL},
};
