/* Settings kept in the vault: `config list`, `config get KEY`,
 * `config set KEY VALUE`. */
#include <stdlib.h>

#include "carelog/cli.h"
#include "carelog/i18n.h"
#include "carelog/settings.h"

static int cmd_config_list(cl_cli *c)
{
    int first;
    int rc = cl_cli_operands(c, _("[--json]"), _("Lists the vault's settings with their values.\n"), 0, &first);
    if (rc != 0)
        return cl_cli_exit(rc);
    json_t *list;
    cl_status st = cl_cli_unlock(c);
    if (st == CL_OK)
        st = cl_settings_list(c->vault, &list);
    if (st != CL_OK)
        return cl_cli_fail(st);
    if (c->json)
        return cl_cli_print_json(list);
    static const char *const headers[] = {N_("Setting"), N_("Value"), N_("Allowed"), N_("Meaning")};
    cl_table *t = cl_table_new(4, headers);
    size_t i;
    json_t *item;
    json_array_foreach(list, i, item) {
        const char *row[] = {cl_json_str_or(item, "key"), cl_json_str_or(item, "value"), cl_json_str_or(item, "allowed"),
                             cl_json_str_or(item, "summary")};
        cl_table_add_row(t, row);
    }
    json_decref(list);
    return cl_cli_table_done(t);
}

static int cmd_config_get(cl_cli *c)
{
    int first;
    int rc = cl_cli_operands(c, _("KEY"), _("Prints one setting's value.\n"), 1, &first);
    if (rc != 0)
        return cl_cli_exit(rc);
    char *value = NULL;
    cl_status st = cl_cli_unlock(c);
    if (st == CL_OK)
        st = cl_settings_get(c->vault, c->argv[first], &value);
    if (st != CL_OK)
        return cl_cli_fail(st);
    if (c->json)
        rc = cl_cli_print_json(json_pack("{s:s, s:s}", "key", c->argv[first], "value", value));
    else
        cl_cli_say("%s\n", value);
    free(value);
    return rc;
}

static int cmd_config_set(cl_cli *c)
{
    int first;
    int rc = cl_cli_operands(c, _("KEY VALUE"),
                             _("Changes a setting for everyone who opens this vault (audited).\n"
                               "  language zh|en|auto     the interface language; auto follows the locale,\n"
                               "                          and --lang still chooses for one command\n"
                               "  autolock_minutes 1-240  idle minutes before the screens lock\n"
                               "  privacy_mode on|off     whether the screens open showing students as surname\n"
                               "                          and initials (^P still switches it for a session)\n"),
                             2, &first);
    if (rc != 0)
        return cl_cli_exit(rc);
    cl_status st = cl_cli_unlock(c);
    if (st == CL_OK)
        st = cl_settings_set(c->vault, c->argv[first], c->argv[first + 1]);
    if (st == CL_OK && !c->json)
        st = cl_settings_apply_language(c->vault, c->lang_chosen);
    if (st != CL_OK)
        return cl_cli_fail(st);
    if (c->json)
        return cl_cli_print_json(json_pack("{s:s, s:s}", "key", c->argv[first], "value", c->argv[first + 1]));
    cl_cli_say(_("%s is now %s.\n"), c->argv[first], c->argv[first + 1]);
    return 0;
}

const cl_command cl_config_commands[] = {
    {"config list", "", N_("the vault's settings"), cmd_config_list},
    {"config get", "KEY", N_("one setting's value"), cmd_config_get},
    {"config set", "KEY VALUE", N_("change a setting (see `config list`)"), cmd_config_set},
    {NULL, NULL, NULL, NULL},
};
