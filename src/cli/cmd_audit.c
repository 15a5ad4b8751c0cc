/* Audit commands: read the hash-chained audit log and check the chain. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "carelog/audit.h"
#include "carelog/cli.h"
#include "carelog/clock.h"
#include "carelog/file.h"
#include "carelog/i18n.h"
#include "carelog/table.h"
#include "carelog/text.h"

typedef struct list_opts {
    char since[11];
    bool has_since;
    long long limit;
} list_opts;

static int list_option(cl_cli *c, int opt, const char *arg, void *ctx)
{
    (void)c;
    list_opts *o = ctx;
    if (opt == 's') {
        if (!cl_date_parse(arg, o->since)) {
            char *shown = cl_text_inert(arg, false);
            int rc = cl_cli_fail(cl_fail(CL_EUSAGE, _("--since needs a date (YYYY-MM-DD), not \"%s\""),
                                         shown ? shown : ""));
            free(shown);
            return rc;
        }
        o->has_since = true;
    } else if (opt == 'l') {
        char *end;
        long long n = *arg ? strtoll(arg, &end, 10) : -1;
        if (n <= 0 || *end)
            return cl_cli_fail(cl_fail(CL_EUSAGE, _("--limit needs a whole number above 0")));
        o->limit = n;
    }
    return 0;
}

static int cmd_audit_list(cl_cli *c)
{
    static const struct option options[] = {
        {"since", required_argument, NULL, 's'},
        {"limit", required_argument, NULL, 'l'},
        {0, 0, 0, 0},
    };
    list_opts o = {"", false, 0};
    int first;
    int rc = cl_cli_options(c, options, _("[--since DATE] [--limit N] [--json]"),
                            _("Lists the audit log, oldest first: who did what to what, and when (UTC).\n"
                            "  --since DATE   entries on or after DATE\n"
                            "  --limit N      only the newest N entries\n"
                            "  --json         for programs\n"),
                            list_option, &o, &first);
    if (rc != 0)
        return cl_cli_exit(rc);
    if (first != c->argc)
        return cl_cli_fail(cl_fail(CL_EUSAGE, _("audit list takes no operands")));
    json_t *list;
    cl_status st = cl_cli_unlock(c);
    if (st == CL_OK)
        st = cl_audit_list(cl_vault_db(c->vault), o.has_since ? o.since : NULL, o.limit, &list);
    if (st != CL_OK)
        return cl_cli_fail(st);
    if (c->json)
        return cl_cli_print_json(list);
    static const char *const headers[] = {"ID", N_("At"), N_("Actor"), N_("Action"), N_("Target"),
                                          N_("Detail")};
    cl_table *t = cl_table_new(6, headers);
    if (!t) {
        json_decref(list);
        return cl_cli_fail(cl_fail(CL_ESOFTWARE, _("out of memory")));
    }
    cl_table_align_right(t, 0);
    cl_table_below_when_narrow(t, 5);
    size_t i;
    json_t *e;
    json_array_foreach(list, i, e) {
        char id[24], at[32];
        snprintf(id, sizeof id, "%lld", (long long)json_integer_value(json_object_get(e, "id")));
        cl_time_local(cl_json_str_or(e, "at"), false, at, sizeof at);
        /* Said in the interface language from the stored English; the
         * table makes every cell inert and one line. */
        const char *action = cl_json_str_or(e, "action");
        char *what = cl_audit_action_text(action), *target = cl_audit_target_text(action, cl_json_str_or(e, "target")),
             *detail = cl_audit_detail_text(action, cl_json_str_or(e, "detail"));
        if (what && target && detail) {
            const char *cells[6] = {id, at, cl_json_str_or(e, "actor"), what, target, detail};
            st = cl_table_add_row(t, cells);
        } else {
            st = cl_fail(CL_ESOFTWARE, _("out of memory"));
        }
        free(what);
        free(target);
        free(detail);
        if (st != CL_OK)
            break;
    }
    if (st == CL_OK)
        st = cl_table_print(t, stdout, cl_cli_width());
    cl_table_free(t);
    json_decref(list);
    return cl_cli_fail(st);
}

static int anchor_option(cl_cli *c, int opt, const char *arg, void *ctx)
{
    (void)c;
    if (opt == 'a')
        *(const char **)ctx = arg;
    return 0;
}

static int cmd_audit_verify(cl_cli *c)
{
    static const struct option options[] = {
        {"anchor", required_argument, NULL, 'a'},
        {0, 0, 0, 0},
    };
    const char *anchor_file = NULL;
    int first;
    int rc = cl_cli_options(c, options, _("[--anchor FILE] [--json]"),
                            _("Walks the audit log's hash chain. Exit 0 when it is intact; exit 65 naming the first\n"
                              "entry that was changed or removed behind carelog's back.\n"
                              "  --anchor FILE   also check the log against a signed head kept elsewhere: a file\n"
                              "                  from `carelog audit anchor`, a backup or a vault export; any\n"
                              "                  change to the entries it covers is found, even with the stored\n"
                              "                  head set back\n"),
                            anchor_option, &anchor_file, &first);
    if (rc != 0)
        return cl_cli_exit(rc);
    if (first != c->argc)
        return cl_cli_fail(cl_fail(CL_EUSAGE, _("audit verify takes no operands")));
    unsigned char *anchor = NULL;
    size_t anchor_len = 0;
    cl_status st = anchor_file ? cl_file_read(anchor_file, (size_t)8 << 30, &anchor, &anchor_len) : CL_OK;
    if (st == CL_OK)
        st = cl_cli_unlock(c);
    if (st != CL_OK) {
        free(anchor);
        return cl_cli_fail(st);
    }
    long long entries = 0, anchored = -1;
    st = cl_audit_verify(cl_vault_db(c->vault), &entries);
    if (st == CL_OK && anchor)
        st = cl_audit_verify_anchor(cl_vault_db(c->vault), (const char *)anchor, anchor_len, anchor_file, &anchored);
    free(anchor);
    if (c->json) {
        json_t *out = st == CL_OK ? json_pack("{s:b, s:I}", "intact", 1, "entries", (json_int_t)entries)
                                  : json_pack("{s:b, s:s}", "intact", 0, "error", cl_error_message());
        if (st == CL_OK && anchored >= 0)
            json_object_set_new(out, "anchored", json_integer(anchored));
        cl_cli_print_json(out);
        return st == CL_OK ? 0 : cl_cli_fail(st);
    }
    if (st != CL_OK)
        return cl_cli_fail(st);
    printf(ngettext("audit log intact: %lld entry\n", "audit log intact: %lld entries\n", (unsigned long)entries), entries);
    if (anchored >= 0)
        printf(_("and its first %lld match the anchor in %s\n"), anchored, anchor_file);
    return 0;
}

static int cmd_audit_anchor(cl_cli *c)
{
    int first;
    int rc = cl_cli_operands(c, _("[--json]"),
                             _("Prints the audit log's head signed with the vault's key: keep it away from this\n"
                               "computer (print it, mail it); `carelog audit verify --anchor FILE` then finds any\n"
                               "change to the log before it. Every backup and vault export carries one too.\n"
                               "--json: {anchor}\n"),
                             0, &first);
    if (rc != 0)
        return cl_cli_exit(rc);
    char *anchor = NULL;
    cl_status st = cl_cli_unlock(c);
    if (st == CL_OK)
        st = cl_audit_anchor(cl_vault_db(c->vault), &anchor);
    if (st != CL_OK)
        return cl_cli_fail(st);
    if (c->json)
        rc = cl_cli_print_json(json_pack("{s:s}", "anchor", anchor));
    else
        cl_cli_print_text(stdout, anchor);
    free(anchor);
    return rc;
}

const cl_command cl_audit_commands[] = {
    {"audit list", "[--since DATE] [--limit N]", N_("the audit log: who did what, when"), cmd_audit_list, NULL},
    {"audit verify", "[--anchor FILE]", N_("check the audit log's hash chain"), cmd_audit_verify, NULL},
    {"audit anchor", "", N_("print the audit head signed by the vault"), cmd_audit_anchor, NULL},
    {NULL, NULL, NULL, NULL, NULL},
};
