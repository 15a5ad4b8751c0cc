/* Settings kept in the vault: `config list`, `config get KEY`,
 * `config set KEY VALUE`. */
#include <stdlib.h>

#include "carelog/cli.h"
#include "carelog/i18n.h"
#include "carelog/settings.h"

static cl_status config_list(cl_cli *c, void *opts, json_t **list)
{
    (void)opts;
    return cl_settings_list(c->vault, list);
}

static cl_status show_list(cl_cli *c, const void *opts, const json_t *list)
{
    (void)c, (void)opts;
    static const char *const headers[] = {N_("Setting"), N_("Value"), N_("Allowed"), N_("Meaning")};
    cl_table *t = cl_table_new(4, headers);
    size_t i;
    const json_t *item;
    json_array_foreach(list, i, item) {
        const char *row[] = {cl_json_str_or(item, "key"), cl_json_str_or(item, "value"), cl_json_str_or(item, "allowed"),
                             cl_json_str_or(item, "summary")};
        cl_table_add_row(t, row);
    }
    return cl_cli_put_table(t);
}

static const cl_command_spec config_list_spec = {
    .usage = N_("[--json]"),
    .help = N_("Lists the vault's settings with their values.\n"),
    .needs = CL_CLI_UNLOCKED,
    .call = config_list,
    .show = show_list,
};

static cl_status config_get(cl_cli *c, void *opts, json_t **setting)
{
    (void)opts;
    const char *key = c->operand[0];
    char *value = NULL;
    cl_status st = cl_settings_get(c->vault, key, &value);
    if (st == CL_OK)
        st = cl_cli_result(setting, json_pack("{s:s, s:s}", "key", key, "value", value));
    free(value);
    return st;
}

static cl_status show_value(cl_cli *c, const void *opts, const json_t *setting)
{
    (void)c, (void)opts;
    cl_cli_say("%s\n", cl_json_str_or(setting, "value"));
    return CL_OK;
}

static const cl_command_spec config_get_spec = {
    .usage = N_("KEY"),
    .help = N_("Prints one setting's value.\n"),
    .operands = 1,
    .needs = CL_CLI_UNLOCKED,
    .call = config_get,
    .show = show_value,
};

static cl_status config_set(cl_cli *c, void *opts, json_t **setting)
{
    (void)opts;
    const char *key = c->operand[0], *value = c->operand[1];
    cl_status st = cl_settings_set(c->vault, key, value);
    /* This command's own words already follow a new language. */
    if (st == CL_OK && !c->json)
        st = cl_settings_apply_language(c->vault, c->lang_chosen);
    return st == CL_OK ? cl_cli_result(setting, json_pack("{s:s, s:s}", "key", key, "value", value)) : st;
}

static cl_status show_set(cl_cli *c, const void *opts, const json_t *setting)
{
    (void)c, (void)opts;
    cl_cli_say(_("%s is now %s.\n"), cl_json_str_or(setting, "key"), cl_json_str_or(setting, "value"));
    return CL_OK;
}

static const cl_command_spec config_set_spec = {
    .usage = N_("KEY VALUE"),
    .help = N_("Changes a setting for everyone who opens this vault (audited).\n"
               "  language zh|en|auto     the interface language; auto follows the locale,\n"
               "                          and --lang still chooses for one command\n"
               "  autolock_minutes 1-240  idle minutes before the screens lock\n"
               "  privacy_mode on|off     whether the screens open showing students as surname\n"
               "                          and initials (^P still switches it for a session)\n"),
    .operands = 2,
    .needs = CL_CLI_UNLOCKED,
    .call = config_set,
    .show = show_set,
};

const cl_command cl_config_commands[] = {
    {"config list", "", N_("the vault's settings"), NULL, &config_list_spec},
    {"config get", "KEY", N_("one setting's value"), NULL, &config_get_spec},
    {"config set", "KEY VALUE", N_("change a setting (see `config list`)"), NULL, &config_set_spec},
    {NULL, NULL, NULL, NULL, NULL},
};
