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
static const list_opts whole_log = {"", false, 0};

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

static cl_status audit_list(cl_cli *c, void *opts, json_t **list)
{
    const list_opts *o = opts;
    return cl_audit_list(cl_vault_db(c->vault), o->has_since ? o->since : NULL, o->limit, list);
}

static cl_status show_log(cl_cli *c, const void *opts, const json_t *list)
{
    (void)c, (void)opts;
    static const char *const headers[] = {"ID", N_("At"), N_("Actor"), N_("Action"), N_("Target"),
                                          N_("Detail")};
    cl_table *t = cl_table_new(6, headers);
    if (!t)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    cl_table_align_right(t, 0);
    cl_table_below_when_narrow(t, 5);
    cl_status st = CL_OK;
    size_t i;
    const json_t *e;
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
    if (st != CL_OK) {
        cl_table_free(t);
        return st;
    }
    return cl_cli_put_table(t);
}

static const struct option list_options[] = {
    {"since", required_argument, NULL, 's'},
    {"limit", required_argument, NULL, 'l'},
    {0, 0, 0, 0},
};

static const cl_command_spec list_spec = {
    .usage = N_("[--since DATE] [--limit N] [--json]"),
    .help = N_("Lists the audit log, oldest first: who did what to what, and when (UTC).\n"
               "  --since DATE   entries on or after DATE\n"
               "  --limit N      only the newest N entries\n"
               "  --json         for programs\n"),
    .options = list_options,
    .on_option = list_option,
    CL_CLI_OPTS(whole_log),
    .operands_error = N_("audit list takes no operands"),
    .needs = CL_CLI_UNLOCKED,
    .call = audit_list,
    .show = show_log,
};

/* --anchor FILE, read before the passphrase is asked for. */
typedef struct verify_opts {
    const char *anchor_file;
    unsigned char *anchor;
    size_t anchor_len;
} verify_opts;
static const verify_opts no_anchor = {NULL, NULL, 0};

static int anchor_option(cl_cli *c, int opt, const char *arg, void *ctx)
{
    (void)c;
    if (opt == 'a')
        ((verify_opts *)ctx)->anchor_file = arg;
    return 0;
}

static cl_status verify_check(cl_cli *c, void *opts)
{
    (void)c;
    verify_opts *o = opts;
    return o->anchor_file ? cl_file_read(o->anchor_file, (size_t)8 << 30, &o->anchor, &o->anchor_len) : CL_OK;
}

static void verify_release(void *opts)
{
    free(((verify_opts *)opts)->anchor);
}

/* With --json the answer is printed whether the chain holds or not. */
static cl_status audit_verify(cl_cli *c, void *opts, json_t **result)
{
    (void)result;
    const verify_opts *o = opts;
    long long entries = 0, anchored = -1;
    cl_status st = cl_audit_verify(cl_vault_db(c->vault), &entries);
    if (st == CL_OK && o->anchor)
        st = cl_audit_verify_anchor(cl_vault_db(c->vault), (const char *)o->anchor, o->anchor_len, o->anchor_file,
                                    &anchored);
    if (c->json) {
        json_t *out = st == CL_OK ? json_pack("{s:b, s:I}", "intact", 1, "entries", (json_int_t)entries)
                                  : json_pack("{s:b, s:s}", "intact", 0, "error", cl_error_message());
        if (st == CL_OK && anchored >= 0)
            json_object_set_new(out, "anchored", json_integer(anchored));
        cl_cli_print_json(out);
        return st;
    }
    if (st != CL_OK)
        return st;
    printf(ngettext("audit log intact: %lld entry\n", "audit log intact: %lld entries\n", (unsigned long)entries), entries);
    if (anchored >= 0)
        printf(_("and its first %lld match the anchor in %s\n"), anchored, o->anchor_file);
    return CL_OK;
}

static const struct option verify_options[] = {
    {"anchor", required_argument, NULL, 'a'},
    {0, 0, 0, 0},
};

static const cl_command_spec verify_spec = {
    .usage = N_("[--anchor FILE] [--json]"),
    .help = N_("Walks the audit log's hash chain. Exit 0 when it is intact; exit 65 naming the first\n"
               "entry that was changed or removed behind carelog's back.\n"
               "  --anchor FILE   also check the log against a signed head kept elsewhere: a file\n"
               "                  from `carelog audit anchor`, a backup or a vault export; any\n"
               "                  change to the entries it covers is found, even with the stored\n"
               "                  head set back\n"),
    .options = verify_options,
    .on_option = anchor_option,
    CL_CLI_OPTS(no_anchor),
    .operands_error = N_("audit verify takes no operands"),
    .needs = CL_CLI_UNLOCKED,
    .check = verify_check,
    .release = verify_release,
    .call = audit_verify,
};

static cl_status audit_anchor(cl_cli *c, void *opts, json_t **result)
{
    (void)opts;
    char *anchor = NULL;
    cl_status st = cl_audit_anchor(cl_vault_db(c->vault), &anchor);
    if (st == CL_OK)
        st = cl_cli_result(result, json_pack("{s:s}", "anchor", anchor));
    free(anchor);
    return st;
}

static cl_status show_anchor(cl_cli *c, const void *opts, const json_t *result)
{
    (void)c, (void)opts;
    cl_cli_print_text(stdout, cl_json_str_or(result, "anchor"));
    return CL_OK;
}

static const cl_command_spec anchor_spec = {
    .usage = N_("[--json]"),
    .help = N_("Prints the audit log's head signed with the vault's key: keep it away from this\n"
               "computer (print it, mail it); `carelog audit verify --anchor FILE` then finds any\n"
               "change to the log before it. Every backup and vault export carries one too.\n"
               "--json: {anchor}\n"),
    .needs = CL_CLI_UNLOCKED,
    .call = audit_anchor,
    .show = show_anchor,
};

const cl_command cl_audit_commands[] = {
    {"audit list", "[--since DATE] [--limit N]", N_("the audit log: who did what, when"), NULL, &list_spec},
    {"audit verify", "[--anchor FILE]", N_("check the audit log's hash chain"), NULL, &verify_spec},
    {"audit anchor", "", N_("print the audit head signed by the vault"), NULL, &anchor_spec},
    {NULL, NULL, NULL, NULL, NULL},
};
