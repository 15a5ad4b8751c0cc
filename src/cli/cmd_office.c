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
    cl_party party; /* the office or school to add, read before the passphrase */
} office_opts;
static const office_opts no_options = {0};

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

/* A party as cl_party_json has it, for people; path: its public file. */
static cl_status print_party(const json_t *party, const char *path)
{
    cl_table *t = cl_table_new(2, NULL);
    cl_table_wrap_last(t);
    cl_cli_table_pair(t, _("Name"), cl_json_str_or(party, "name"));
    cl_cli_table_pair(t, _("Fingerprint"), cl_json_str_or(party, "fingerprint"));
    cl_cli_table_pair(t, _("age recipient"), cl_json_str_or(party, "age_recipient"));
    cl_cli_table_pair(t, _("minisign public key"), cl_json_str_or(party, "minisign_public_key"));
    if (path)
        cl_cli_table_pair(t, _("Public file"), path);
    return cl_cli_put_table(t);
}

static cl_status office_init_check(cl_cli *c, void *opts)
{
    (void)c;
    return ((const office_opts *)opts)->name ? CL_OK : cl_fail(CL_EUSAGE, _("name the office with --name NAME"));
}

static cl_status office_init(cl_cli *c, void *opts, json_t **result)
{
    (void)result;
    const office_opts *o = opts;
    cl_status st = cl_cli_create_vault(c, o->name, c->user ? c->user : cl_cli_login_name());
    if (st == CL_OK)
        st = cl_office_init(c->vault, o->name);
    cl_party p;
    if (st == CL_OK)
        st = cl_party_of_vault(c->vault, &p);
    if (st == CL_OK && !c->json) {
        printf(_("\nThis is an office vault. Give office.pub to the schools; they compare the fingerprint with you "
                 "by phone.\n"));
        char path[4200];
        snprintf(path, sizeof path, "%s/office.pub", c->vault_dir);
        json_t *party = cl_party_json(&p);
        print_party(party, path);
        json_decref(party);
    }
    return st;
}

static const struct option init_options[] = {{"name", required_argument, NULL, 'n'}, {0, 0, 0, 0}};

static const cl_command_spec init_spec = {
    .usage = N_("--name NAME [--user NAME]"),
    .help = N_("Creates an office vault (the same encrypted vault as a school's) for a protection\n"
               "office, and its office.pub for the schools to add. Prints the recovery key once.\n"
               "  --name NAME   the office's name, as schools will see it\n"),
    .options = init_options,
    .on_option = office_option,
    CL_CLI_OPTS(no_options),
    .check = office_init_check,
    .call = office_init,
};

static cl_status read_pub(const char *path, cl_party *p)
{
    unsigned char *text;
    size_t len;
    cl_status st = cl_file_read(path, 8192, &text, &len);
    if (st != CL_OK)
        return st; /* the message names the file already */
    st = cl_party_parse_pub((const char *)text, p);
    free(text);
    return st == CL_OK ? CL_OK : cl_fail_context(st, "%s", path);
}

/* The office's keys, from office.pub or from --age and --minisign, before
 * the passphrase is asked for. */
static cl_status add_check(cl_cli *c, void *opts)
{
    office_opts *o = opts;
    bool by_keys = o->age || o->minisign;
    if ((by_keys && (c->operands != 1 || !o->age || !o->minisign)) || (!by_keys && c->operands != 2))
        return cl_fail(CL_EUSAGE, _("usage: carelog office add NAME office.pub, or carelog office add "
                                    "NAME --age age1… --minisign PUBLIC_KEY"));
    const char *name = c->operand[0];
    cl_party *p = &o->party;
    cl_status st = CL_OK;
    if (by_keys) {
        char *key_text = NULL;
        if (strncmp(o->minisign, "RW", 2) != 0) {
            /* A minisign.pub file rather than the key itself. */
            unsigned char *data;
            size_t len;
            st = cl_file_read(o->minisign, 4096, &data, &len);
            key_text = (char *)data;
        }
        if (st == CL_OK)
            st = cl_party_from_keys(name, o->age, key_text ? key_text : o->minisign, p);
        free(key_text);
    } else {
        st = read_pub(c->operand[1], p);
    }
    if (st == CL_OK)
        snprintf(p->name, sizeof p->name, "%s", name);
    return st;
}

static cl_status office_add(cl_cli *c, void *opts, json_t **party)
{
    const office_opts *o = opts;
    cl_status st = cl_office_add(c->vault, &o->party);
    return st == CL_OK ? cl_cli_result(party, cl_party_json(&o->party)) : st;
}

static cl_status show_office_added(cl_cli *c, const void *opts, const json_t *party)
{
    (void)c, (void)opts;
    cl_cli_say(_("Added the office %s. Compare this fingerprint with the office by phone: %s\n"),
               cl_json_str_or(party, "name"), cl_json_str_or(party, "fingerprint"));
    return CL_OK;
}

static const struct option add_options[] = {
    {"age", required_argument, NULL, 'a'}, {"minisign", required_argument, NULL, 'm'}, {0, 0, 0, 0}};

static const cl_command_spec add_spec = {
    .usage = N_("NAME office.pub | NAME --age age1… --minisign PUBLIC_KEY"),
    .help = N_("Adds a protection office that referral bundles can be sent to: by its office.pub,\n"
               "or, for an office without carelog, by its age recipient (from `age-keygen`) and its\n"
               "minisign public key (from `minisign -G`). Compare the fingerprint shown with the\n"
               "office by phone before sending anything.\n"
               "  --age RECIPIENT      the office's age1… public key\n"
               "  --minisign KEY       the office's minisign public key (RWQ…) or its file\n"),
    .options = add_options,
    .on_option = office_option,
    CL_CLI_OPTS(no_options),
    .operands = CL_CLI_ANY_OPERANDS,
    .needs = CL_CLI_UNLOCKED,
    .check = add_check,
    .call = office_add,
    .show = show_office_added,
};

/* office trust and school add: another school, by its vault.pub. */
static cl_status trust_check(cl_cli *c, void *opts)
{
    return read_pub(c->operand[1], &((office_opts *)opts)->party);
}

static cl_status trust_school(cl_cli *c, void *opts, json_t **party)
{
    office_opts *o = opts;
    cl_status st = cl_school_trust(c->vault, c->operand[0], &o->party);
    if (st != CL_OK)
        return st;
    snprintf(o->party.name, sizeof o->party.name, "%s", c->operand[0]);
    return cl_cli_result(party, cl_party_json(&o->party));
}

static cl_status show_trusted(cl_cli *c, const void *opts, const json_t *party)
{
    (void)c, (void)opts;
    cl_cli_say(_("Trusted the school %s. Compare this fingerprint with the school by phone: %s\n"),
               cl_json_str_or(party, "name"), cl_json_str_or(party, "fingerprint"));
    return CL_OK;
}

static const cl_command_spec trust_spec = {
    .usage = N_("NAME vault.pub"),
    .help = N_("In an office vault: trusts a school by its vault.pub, so that its bundles open\n"
               "here. Compare the fingerprint shown with the school by phone.\n"),
    CL_CLI_OPTS(no_options),
    .operands = 2,
    .needs = CL_CLI_UNLOCKED,
    .check = trust_check,
    .call = trust_school,
    .show = show_trusted,
};

static const cl_command_spec school_add_spec = {
    .usage = N_("NAME vault.pub"),
    .help = N_("In a school vault: adds another school by its vault.pub, so that students can be\n"
               "sent to it (`export student ID --bundle --to NAME`) and taken from it (`import\n"
               "transfer FILE`). Both schools add each other. Compare the fingerprint shown\n"
               "with the other school by phone.\n"),
    CL_CLI_OPTS(no_options),
    .operands = 2,
    .needs = CL_CLI_UNLOCKED,
    .check = trust_check,
    .call = trust_school,
    .show = show_trusted,
};

/* A list of offices or schools as a table; none when it is empty. */
static cl_status print_parties(const json_t *list, const char *none)
{
    if (json_array_size(list) == 0) {
        puts(none);
        return CL_OK;
    }
    static const char *const heads[] = {N_("Name"), N_("Fingerprint"), N_("Added"), N_("Source")};
    const char *h[4];
    for (int i = 0; i < 4; i++)
        h[i] = _(heads[i]);
    cl_table *t = cl_table_new(4, h);
    size_t i;
    const json_t *item;
    json_array_foreach(list, i, item) {
        char added[32];
        cl_time_local(cl_json_str_or(item, "added_at"), false, added, sizeof added);
        const char *cells[4] = {cl_json_str_or(item, "name"), cl_json_str_or(item, "fingerprint"), added,
                                cl_json_str_or(item, "source")};
        cl_table_add_row(t, cells);
    }
    return cl_cli_put_table(t);
}

static cl_status school_list(cl_cli *c, void *opts, json_t **list)
{
    (void)opts;
    return cl_school_list(c->vault, list);
}

static cl_status show_schools(cl_cli *c, const void *opts, const json_t *list)
{
    (void)c, (void)opts;
    return print_parties(list, _("No other schools yet: `carelog school add NAME vault.pub` adds one."));
}

static const cl_command_spec school_list_spec = {
    .usage = N_("[--json]"),
    .help = N_("Lists the other schools this vault knows, with their fingerprints.\n"),
    .needs = CL_CLI_UNLOCKED,
    .call = school_list,
    .show = show_schools,
};

/* `office list`: the offices in a school's vault, the trusted schools in an
 * office vault. */
static cl_status office_list(cl_cli *c, void *opts, json_t **list)
{
    (void)opts;
    return cl_vault_is_office(c->vault) ? cl_school_list(c->vault, list) : cl_office_list(c->vault, list);
}

static cl_status show_offices(cl_cli *c, const void *opts, const json_t *list)
{
    (void)opts;
    return print_parties(list, cl_vault_is_office(c->vault)
                                   ? _("No trusted schools yet: `carelog office trust NAME vault.pub` adds one.")
                                   : _("No offices yet: `carelog office add NAME office.pub` adds one."));
}

static const cl_command_spec office_list_spec = {
    .usage = N_("[--json]"),
    .help = N_("Lists the offices this school's vault sends bundles to (in an office vault: the\n"
               "schools it trusts), with their fingerprints.\n"),
    .needs = CL_CLI_UNLOCKED,
    .call = office_list,
    .show = show_offices,
};

static cl_status office_remove(cl_cli *c, void *opts, json_t **removed)
{
    (void)opts;
    cl_status st = cl_office_remove(c->vault, c->operand[0]);
    return st == CL_OK ? cl_cli_result(removed, json_pack("{s:s}", "removed", c->operand[0])) : st;
}

static cl_status show_removed(cl_cli *c, const void *opts, const json_t *removed)
{
    (void)opts, (void)removed;
    cl_cli_say(_("Removed the office %s.\n"), c->operand[0]);
    return CL_OK;
}

static const cl_command_spec remove_spec = {
    .usage = N_("NAME"),
    .help = N_("Removes an office added by mistake or no longer used. Refused once a bundle was\n"
               "sent to it: its keys stay so that its receipts can still be checked.\n"),
    .operands = 1,
    .needs = CL_CLI_UNLOCKED,
    .call = office_remove,
    .show = show_removed,
};

static cl_status pubkey(cl_cli *c, void *opts, json_t **party)
{
    (void)opts;
    cl_party p;
    cl_status st = cl_party_read_own(c->vault_dir, &p);
    return st == CL_OK ? cl_cli_result(party, cl_party_json(&p)) : st;
}

static cl_status show_pubkey(cl_cli *c, const void *opts, const json_t *party)
{
    (void)c, (void)opts;
    return print_party(party, NULL);
}

static const cl_command_spec pubkey_spec = {
    .usage = N_("[--json]"),
    .help = N_("Prints this vault's public keys, for an office without carelog to keep: the age\n"
               "recipient (receipts are encrypted to it) and the minisign public key (bundles are\n"
               "signed with it; `minisign -V -P KEY -m FILE` checks them), with the fingerprint.\n"
               "Reads only the public file; no passphrase is needed.\n"),
    .call = pubkey,
    .show = show_pubkey,
};

const cl_command cl_office_commands[] = {
    {"office init", "--name NAME", N_("create an office vault for a protection office"), NULL, &init_spec},
    {"office add", "NAME office.pub|--age A --minisign K", N_("add an office that bundles go to"), NULL, &add_spec},
    {"office list", "", N_("list the offices (in an office vault: the trusted schools)"), NULL, &office_list_spec},
    {"office remove", "NAME", N_("remove an office no bundle was sent to"), NULL, &remove_spec},
    {"office trust", "NAME vault.pub", N_("office vault: trust a school's bundles"), NULL, &trust_spec},
    {"school add", "NAME vault.pub", N_("school vault: add a school that students transfer to and from"), NULL,
     &school_add_spec},
    {"school list", "", N_("list the other schools this vault knows"), NULL, &school_list_spec},
    {"pubkey", "", N_("print this vault's age recipient and minisign public key"), NULL, &pubkey_spec},
    {NULL, NULL, NULL, NULL, NULL},
};
