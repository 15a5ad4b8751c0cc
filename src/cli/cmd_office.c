/* Office commands: making an office vault, the school's offices, the
 * office's trusted schools, and printing this vault's public keys. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "carelog/cli.h"
#include "carelog/clock.h"
#include "carelog/file.h"
#include "carelog/i18n.h"
#include "carelog/minisign.h"
#include "carelog/office.h"
#include "carelog/table.h"

typedef struct office_opts {
    const char *name, *age, *minisign;
} office_opts;

static int office_option(cl_cli *c, int opt, const char *arg, void *ctx)
{
    (void)c;
    office_opts *o = ctx;
    if (opt == 'n')
        o->name = arg;
    else if (opt == 'a')
        o->age = arg;
    else if (opt == 'm')
        o->minisign = arg;
    return 0;
}

static void print_party(const cl_party *p, const char *path)
{
    json_t *j = cl_party_json(p);
    cl_table *t = cl_table_new(2, NULL);
    cl_table_wrap_last(t);
    cl_cli_table_pair(t, _("Name"), p->name);
    cl_cli_table_pair(t, _("Fingerprint"), p->fingerprint);
    cl_cli_table_pair(t, _("age recipient"), cl_json_str_or(j, "age_recipient"));
    cl_cli_table_pair(t, _("minisign public key"), cl_json_str_or(j, "minisign_public_key"));
    if (path)
        cl_cli_table_pair(t, _("Public file"), path);
    cl_cli_table_done(t);
    json_decref(j);
}

static int cmd_office_init(cl_cli *c)
{
    static const struct option options[] = {{"name", required_argument, NULL, 'n'}, {0, 0, 0, 0}};
    office_opts o = {0};
    int first;
    int rc = cl_cli_parse(c, options, _("--name NAME [--user NAME]"),
                          _("Creates an office vault (the same encrypted vault as a school's) for a protection\n"
                            "office, and its office.pub for the schools to add. Prints the recovery key once.\n"
                            "  --name NAME   the office's name, as schools will see it\n"),
                          office_option, &o, 0, &first);
    if (rc != 0)
        return cl_cli_exit(rc);
    if (!o.name)
        return cl_cli_fail(cl_fail(CL_EUSAGE, _("name the office with --name NAME")));
    rc = cl_cli_create_vault(c, o.name, c->user ? c->user : cl_cli_login_name());
    if (rc != 0 || !c->vault)
        return rc ? rc : 70;
    cl_status st = cl_office_init(c->vault, o.name);
    if (st != CL_OK)
        return cl_cli_fail(st);
    cl_party p;
    st = cl_party_of_vault(c->vault, &p);
    if (st != CL_OK)
        return cl_cli_fail(st);
    if (!c->json) {
        printf(_("\nThis is an office vault. Give office.pub to the schools; they compare the fingerprint with you "
                 "by phone.\n"));
        char path[4200];
        snprintf(path, sizeof path, "%s/office.pub", c->vault_dir);
        print_party(&p, path);
    }
    return 0;
}

static int read_pub(const char *path, cl_party *p)
{
    unsigned char *text;
    size_t len;
    cl_status st = cl_file_read(path, 8192, &text, &len);
    if (st == CL_OK) {
        st = cl_party_parse_pub((const char *)text, p);
        free(text);
    }
    return st == CL_OK ? 0 : cl_cli_fail(cl_fail_context(st, "%s: ", path));
}

static int cmd_office_add(cl_cli *c)
{
    static const struct option options[] = {
        {"age", required_argument, NULL, 'a'}, {"minisign", required_argument, NULL, 'm'}, {0, 0, 0, 0}};
    office_opts o = {0};
    int first;
    int rc = cl_cli_options(c, options, _("NAME office.pub | NAME --age age1… --minisign PUBLIC_KEY"),
                            _("Adds a protection office that referral bundles can be sent to: by its office.pub,\n"
                              "or, for an office without carelog, by its age recipient (from `age-keygen`) and its\n"
                              "minisign public key (from `minisign -G`). Compare the fingerprint shown with the\n"
                              "office by phone before sending anything.\n"
                              "  --age RECIPIENT      the office's age1… public key\n"
                              "  --minisign KEY       the office's minisign public key (RWQ…) or its file\n"),
                            office_option, &o, &first);
    if (rc != 0)
        return cl_cli_exit(rc);
    int operands = c->argc - first;
    bool by_keys = o.age || o.minisign;
    if ((by_keys && (operands != 1 || !o.age || !o.minisign)) || (!by_keys && operands != 2))
        return cl_cli_fail(cl_fail(CL_EUSAGE, _("usage: carelog office add NAME office.pub, or carelog office add "
                                                "NAME --age age1… --minisign PUBLIC_KEY")));
    const char *name = c->argv[first];
    cl_party p;
    cl_status st = CL_OK;
    if (by_keys) {
        char *key_text = NULL;
        if (strncmp(o.minisign, "RW", 2) != 0) {
            /* A minisign.pub file rather than the key itself. */
            unsigned char *data;
            size_t len;
            st = cl_file_read(o.minisign, 4096, &data, &len);
            key_text = (char *)data;
        }
        if (st == CL_OK)
            st = cl_party_from_keys(name, o.age, key_text ? key_text : o.minisign, &p);
        free(key_text);
        if (st != CL_OK)
            return cl_cli_fail(st);
    } else if ((rc = read_pub(c->argv[first + 1], &p)) != 0) {
        return rc;
    }
    snprintf(p.name, sizeof p.name, "%s", name);
    st = cl_cli_unlock(c);
    if (st == CL_OK)
        st = cl_office_add(c->vault, &p);
    if (st != CL_OK)
        return cl_cli_fail(st);
    if (c->json)
        return cl_cli_print_json(cl_party_json(&p));
    cl_cli_say(_("Added the office %s. Compare this fingerprint with the office by phone: %s\n"), p.name,
               p.fingerprint);
    return 0;
}

static int print_parties(cl_cli *c, json_t *list, const char *none);

static int trust_school(cl_cli *c, const char *help)
{
    int first;
    int rc = cl_cli_operands(c, _("NAME vault.pub"), help, 2, &first);
    if (rc != 0)
        return cl_cli_exit(rc);
    cl_party p;
    if ((rc = read_pub(c->argv[first + 1], &p)) != 0)
        return rc;
    cl_status st = cl_cli_unlock(c);
    if (st == CL_OK)
        st = cl_school_trust(c->vault, c->argv[first], &p);
    if (st != CL_OK)
        return cl_cli_fail(st);
    snprintf(p.name, sizeof p.name, "%s", c->argv[first]);
    if (c->json)
        return cl_cli_print_json(cl_party_json(&p));
    cl_cli_say(_("Trusted the school %s. Compare this fingerprint with the school by phone: %s\n"), p.name,
               p.fingerprint);
    return 0;
}

static int cmd_office_trust(cl_cli *c)
{
    return trust_school(c, _("In an office vault: trusts a school by its vault.pub, so that its bundles open\n"
                             "here. Compare the fingerprint shown with the school by phone.\n"));
}

static int cmd_school_add(cl_cli *c)
{
    return trust_school(c, _("In a school vault: adds another school by its vault.pub, so that students can be\n"
                             "sent to it (`export student ID --bundle --to NAME`) and taken from it (`import\n"
                             "transfer FILE`). Both schools add each other. Compare the fingerprint shown\n"
                             "with the other school by phone.\n"));
}

static int cmd_school_list(cl_cli *c)
{
    int first;
    int rc = cl_cli_operands(c, _("[--json]"), _("Lists the other schools this vault knows, with their fingerprints.\n"),
                             0, &first);
    if (rc != 0)
        return cl_cli_exit(rc);
    cl_status st = cl_cli_unlock(c);
    json_t *list = NULL;
    if (st == CL_OK)
        st = cl_school_list(c->vault, &list);
    if (st != CL_OK)
        return cl_cli_fail(st);
    return print_parties(c, list, _("No other schools yet: `carelog school add NAME vault.pub` adds one."));
}

/* `office list`: the offices in a school's vault, the trusted schools in an
 * office vault. */
static int cmd_office_list(cl_cli *c)
{
    int first;
    int rc = cl_cli_operands(c, _("[--json]"),
                             _("Lists the offices this school's vault sends bundles to (in an office vault: the\n"
                               "schools it trusts), with their fingerprints.\n"),
                             0, &first);
    if (rc != 0)
        return cl_cli_exit(rc);
    cl_status st = cl_cli_unlock(c);
    json_t *list = NULL;
    bool office = st == CL_OK && cl_vault_is_office(c->vault);
    if (st == CL_OK)
        st = office ? cl_school_list(c->vault, &list) : cl_office_list(c->vault, &list);
    if (st != CL_OK)
        return cl_cli_fail(st);
    return print_parties(c, list, office ? _("No trusted schools yet: `carelog office trust NAME vault.pub` adds one.")
                                         : _("No offices yet: `carelog office add NAME office.pub` adds one."));
}

/* A list of offices or schools as a table (or JSON); takes list. */
static int print_parties(cl_cli *c, json_t *list, const char *none)
{
    if (c->json)
        return cl_cli_print_json(list);
    if (json_array_size(list) == 0) {
        puts(none);
        json_decref(list);
        return 0;
    }
    static const char *const heads[] = {N_("Name"), N_("Fingerprint"), N_("Added"), N_("Source")};
    const char *h[4];
    for (int i = 0; i < 4; i++)
        h[i] = _(heads[i]);
    cl_table *t = cl_table_new(4, h);
    size_t i;
    json_t *item;
    json_array_foreach(list, i, item) {
        char added[32];
        cl_time_local(cl_json_str_or(item, "added_at"), false, added, sizeof added);
        const char *cells[4] = {cl_json_str_or(item, "name"), cl_json_str_or(item, "fingerprint"), added,
                                cl_json_str_or(item, "source")};
        cl_table_add_row(t, cells);
    }
    json_decref(list);
    return cl_cli_table_done(t);
}

static int cmd_office_remove(cl_cli *c)
{
    int first;
    int rc = cl_cli_operands(c, _("NAME"),
                             _("Removes an office added by mistake or no longer used. Refused once a bundle was\n"
                               "sent to it: its keys stay so that its receipts can still be checked.\n"),
                             1, &first);
    if (rc != 0)
        return cl_cli_exit(rc);
    cl_status st = cl_cli_unlock(c);
    if (st == CL_OK)
        st = cl_office_remove(c->vault, c->argv[first]);
    if (st != CL_OK)
        return cl_cli_fail(st);
    if (c->json)
        return cl_cli_print_json(json_pack("{s:s}", "removed", c->argv[first]));
    cl_cli_say(_("Removed the office %s.\n"), c->argv[first]);
    return 0;
}

static int cmd_pubkey(cl_cli *c)
{
    int first;
    int rc = cl_cli_operands(c, _("[--json]"),
                             _("Prints this vault's public keys, for an office without carelog to keep: the age\n"
                               "recipient (receipts are encrypted to it) and the minisign public key (bundles are\n"
                               "signed with it; `minisign -V -P KEY -m FILE` checks them), with the fingerprint.\n"
                               "Reads only the public file; no passphrase is needed.\n"),
                             0, &first);
    if (rc != 0)
        return cl_cli_exit(rc);
    cl_party p;
    cl_status st = cl_party_read_own(c->vault_dir, &p);
    if (st != CL_OK)
        return cl_cli_fail(st);
    if (c->json)
        return cl_cli_print_json(cl_party_json(&p));
    print_party(&p, NULL);
    return 0;
}

const cl_command cl_office_commands[] = {
    {"office init", "--name NAME", N_("create an office vault for a protection office"), cmd_office_init, NULL},
    {"office add", "NAME office.pub|--age A --minisign K", N_("add an office that bundles go to"), cmd_office_add, NULL},
    {"office list", "", N_("list the offices (in an office vault: the trusted schools)"), cmd_office_list, NULL},
    {"office remove", "NAME", N_("remove an office no bundle was sent to"), cmd_office_remove, NULL},
    {"office trust", "NAME vault.pub", N_("office vault: trust a school's bundles"), cmd_office_trust, NULL},
    {"school add", "NAME vault.pub", N_("school vault: add a school that students transfer to and from"),
     cmd_school_add, NULL},
    {"school list", "", N_("list the other schools this vault knows"), cmd_school_list, NULL},
    {"pubkey", "", N_("print this vault's age recipient and minisign public key"), cmd_pubkey, NULL},
    {NULL, NULL, NULL, NULL, NULL},
};
