/* Commands about the vault itself: init, status, counsellors, passphrases,
 * the recovery key, backup and restore. */
#include <pwd.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "carelog/catalog.h"
#include "carelog/agenda.h"
#include "carelog/cli.h"
#include "carelog/i18n.h"
#include "carelog/clock.h"
#include "carelog/screens.h"
#include "carelog/secret.h"
#include "carelog/storage.h"
#include "carelog/table.h"
#include "carelog/text.h"
#include "carelog/verify.h"

/* Shows a new recovery key, the once it is shown: for people with how to
 * keep it; with --json as the member "recovery_key" added to out, which is
 * printed (and freed either way). */
static cl_status show_recovery_key(const cl_cli *c, const cl_secret *key, json_t *out)
{
    char grouped[64];
    cl_recovery_key_format(key, grouped, sizeof grouped);
    cl_status st = CL_OK;
    if (c->json) {
        json_object_set_new(out, "recovery_key", json_string(grouped));
        st = cl_cli_put_json(out);
    } else {
        json_decref(out);
        printf(_("\nRecovery key — shown this once:\n\n    %s\n\n"
               "Print it or write it down and keep it locked away from this computer.\n"
               "It opens the vault if every passphrase is forgotten; anyone holding it can read everything.\n"),
               grouped);
    }
    sodium_memzero(grouped, sizeof grouped);
    return st;
}

typedef struct init_opts {
    const char *school;
} init_opts;
static const init_opts no_school = {NULL};

static int init_option(cl_cli *c, int opt, const char *arg, void *ctx)
{
    (void)c;
    if (opt == 's')
        ((init_opts *)ctx)->school = arg;
    return 0;
}

const char *cl_cli_login_name(void)
{
    const char *u = getenv("USER");
    if (u && *u)
        return u;
    struct passwd *pw = getpwuid(getuid());
    return pw ? pw->pw_name : "counsellor";
}

/* Creates the vault and shows the recovery key once: `init`, and `carelog`
 * on first use. */
cl_status cl_cli_create_vault(cl_cli *c, const char *school, const char *user)
{
    if (!school || !*school)
        school = _("unnamed school");
    if (cl_vault_exists(c->vault_dir))
        return cl_fail(CL_ECANTCREATE, _("%s already holds a vault; it was left untouched (choose another "
                                         "folder with --vault DIR)"), c->vault_dir);
    cl_secret *pass, *recovery;
    cl_status st = cl_passphrase_read(_("New passphrase for this vault: "), true, &pass);
    if (st != CL_OK)
        return st;
    if (!cl_passphrase_from_fd())
        fprintf(stderr, _("Measuring this machine to choose the passphrase cost…\n"));
    st = cl_vault_init(c->vault_dir, school, user, pass, &recovery, &c->vault);
    cl_secret_free(pass);
    if (st != CL_OK)
        return st;
    /* init copies the forms into the vault; should that fail, the recovery
     * key is still shown (the vault exists) and the failure reported after. */
    cl_status forms = cl_catalog_install_builtin(c->vault);
    if (!c->json)
        printf(_("Created the vault at %s\nFingerprint: %s\n"), c->vault_dir, cl_vault_fingerprint(c->vault));
    st = show_recovery_key(c, recovery, json_pack("{s:s, s:s, s:s}", "vault", c->vault_dir, "fingerprint",
                                                  cl_vault_fingerprint(c->vault), "user", user));
    cl_secret_free(recovery);
    return forms != CL_OK ? forms : st;
}

static cl_status init(cl_cli *c, void *opts, json_t **result)
{
    (void)result;
    return cl_cli_create_vault(c, ((const init_opts *)opts)->school, c->user ? c->user : cl_cli_login_name());
}

static const struct option init_options[] = {
    {"school", required_argument, NULL, 's'},
    {0, 0, 0, 0},
};

static const cl_command_spec init_spec = {
    .usage = N_("[--school NAME] [--user NAME]"),
    .help = N_("Creates a new vault (mode 0700) and prints its recovery key once.\n"
               "  --school NAME   the school's name, shown on exports\n"
               "  --user NAME     your name as a counsellor (default: your login name)\n"),
    .options = init_options,
    .on_option = init_option,
    CL_CLI_OPTS(no_school),
    .operands_error = N_("init takes no operands; name the folder with --vault DIR"),
    .call = init,
};

/* What each counted table holds, as a person calls it. */
static const char *count_label(const char *table)
{
    static const char *const labels[][2] = {
        {"amendments", N_("Amendments")},   {"audit", N_("Audit log entries")},
        {"counsellors", N_("Counsellors")}, {"drafts", N_("Drafts")},
        {"flags", N_("Screening flags")},   {"followups", N_("Follow-ups")},
        {"forms", N_("Form versions")},     {"inbox", N_("Teachers' observations")},
        {"offices", N_("Offices")},         {"quarantine", N_("Quarantined files")},
        {"records", N_("Records")},         {"students", N_("Students")},
        {"teachers", N_("Teachers")},
    };
    for (size_t i = 0; i < sizeof labels / sizeof *labels; i++)
        if (strcmp(labels[i][0], table) == 0)
            return _(labels[i][1]);
    return table;
}

static cl_status print_status(cl_cli *c, const void *opts, const json_t *s)
{
    (void)c, (void)opts;
    cl_table *t = cl_table_new(2, NULL);
    cl_table_wrap_last(t);
    char buf[1024];
    cl_cli_table_pair(t, _("Vault"), json_string_value(json_object_get(s, "path")));
    cl_cli_table_pair(t, _("School"), json_string_value(json_object_get(s, "school")));
    cl_cli_table_pair(t, _("Fingerprint"), json_string_value(json_object_get(s, "fingerprint")));
    cl_cli_table_pair(t, _("You"), json_string_value(json_object_get(s, "user")));
    cl_buf names = {0};
    size_t i;
    const json_t *item;
    json_array_foreach(json_object_get(s, "counsellors"), i, item)
        cl_buf_printf(&names, "%s%s", i ? ", " : "", json_string_value(json_object_get(item, "name")));
    cl_cli_table_pair(t, _("Counsellors"), names.data ? names.data : "");
    cl_buf_free(&names);
    snprintf(buf, sizeof buf, "%d", (int)json_integer_value(json_object_get(s, "schema")));
    cl_cli_table_pair(t, _("Schema"), buf);
    const char *table;
    json_t *count;
    json_object_foreach(json_object_get(s, "counts"), table, count) {
        snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(count));
        cl_cli_table_pair(t, count_label(table), buf);
    }
    cl_status st = cl_table_print(t, stdout, cl_cli_width());
    cl_table_free(t);
    return st;
}

static cl_status vault_status(cl_cli *c, void *opts, json_t **s)
{
    (void)opts;
    return cl_vault_status(c->vault, s);
}

static const cl_command_spec status_spec = {
    .usage = N_("[--json]"),
    .help = N_("Shows the vault: where it is, its school, counsellors, fingerprint and counts.\n"),
    .needs = CL_CLI_UNLOCKED,
    .call = vault_status,
    .show = print_status,
};

static void ask_line(const char *prompt, char *buf, size_t size)
{
    fputs(prompt, stdout);
    fflush(stdout);
    if (!fgets(buf, (int)size, stdin))
        buf[0] = '\0';
    buf[strcspn(buf, "\r\n")] = '\0';
}

int cl_cli_home(cl_cli *c)
{
    /* On a terminal, carelog with no command is the screens; in a script
     * (a passphrase from a descriptor, output to a pipe, --json) it stays
     * the status and agenda as text. */
    if (!c->json && !cl_passphrase_from_fd() && cl_screens_available())
        return cl_screens_main(c->vault_dir, c->lang_chosen);
    if (!cl_vault_exists(c->vault_dir)) {
        if (cl_passphrase_from_fd() || !isatty(STDIN_FILENO))
            return cl_cli_fail(cl_fail(CL_ENOTFOUND, _("there is no vault at %s yet; create one with `carelog init`"),
                                       c->vault_dir));
        printf(_("There is no vault at %s yet; creating one.\n"), c->vault_dir);
        char school[256], user[256];
        ask_line(_("School name: "), school, sizeof school);
        ask_line(_("Your name as a counsellor: "), user, sizeof user);
        cl_status made = cl_cli_create_vault(c, school, *user ? user : cl_cli_login_name());
        if (made != CL_OK)
            return cl_cli_fail(made);
    }
    cl_status st = cl_cli_unlock(c);
    json_t *s = NULL, *agenda = NULL;
    if (st == CL_OK)
        st = cl_vault_status(c->vault, &s);
    if (st == CL_OK)
        st = cl_agenda_attention(c->vault, &agenda);
    if (st != CL_OK) {
        json_decref(s);
        return cl_cli_fail(st);
    }
    if (c->json) {
        json_object_set_new(s, "attention", agenda);
        return cl_cli_print_json(s);
    }
    int rc = cl_cli_fail(print_status(c, NULL, s));
    json_decref(s);
    cl_cli_print_agenda(agenda);
    json_decref(agenda);
    printf(_("\nRun carelog with no command on a terminal to open the screens; everything\n"
             "also works from the command line (`carelog COMMAND --help` explains each one):\n\n"));
    cl_cli_print_commands(stdout);
    return rc;
}

static cl_status counsellor_add(cl_cli *c, void *opts, json_t **added)
{
    (void)opts;
    const char *name = c->operand[0];
    cl_secret *pass = NULL;
    if (!cl_passphrase_from_fd()) {
        fprintf(stderr, _("Now "));
        cl_cli_print_text(stderr, name);
        fprintf(stderr, _(" chooses a passphrase.\n"));
    }
    cl_status st = cl_passphrase_read(_("New counsellor's passphrase: "), true, &pass);
    if (st == CL_OK)
        st = cl_vault_counsellor_add(c->vault, name, pass);
    cl_secret_free(pass);
    return st == CL_OK ? cl_cli_result(added, json_pack("{s:s}", "added", name)) : st;
}

static cl_status show_counsellor_added(cl_cli *c, const void *opts, const json_t *added)
{
    (void)opts, (void)added;
    char *shown = cl_text_inert(c->operand[0], false);
    printf(_("Added counsellor %s.\n"), shown ? shown : "");
    free(shown);
    return CL_OK;
}

static const cl_command_spec counsellor_add_spec = {
    .usage = N_("NAME"),
    .help = N_("Adds a counsellor with a passphrase of their own (asked for after yours).\n"),
    .operands = 1,
    .needs = CL_CLI_UNLOCKED,
    .call = counsellor_add,
    .show = show_counsellor_added,
};

static cl_status counsellor_list(cl_cli *c, void *opts, json_t **list)
{
    (void)opts;
    return cl_vault_counsellor_list(c->vault, list);
}

static cl_status show_counsellors(cl_cli *c, const void *opts, const json_t *list)
{
    (void)c, (void)opts;
    static const char *const headers[] = {N_("Name"), N_("Since")};
    cl_table *t = cl_table_new(2, headers);
    size_t i;
    const json_t *item;
    json_array_foreach(list, i, item) {
        char *name = cl_strdup_printf("%s%s", cl_json_str_or(item, "name"),
                                      json_is_true(json_object_get(item, "current")) ? _(" (you)") : "");
        char since[32];
        cl_time_local(cl_json_str_or(item, "since"), false, since, sizeof since);
        const char *cells[2] = {name, since};
        cl_table_add_row(t, cells);
        free(name);
    }
    return cl_cli_put_table(t);
}

static const cl_command_spec counsellor_list_spec = {
    .usage = N_("[--json]"),
    .help = N_("Lists the counsellors who can open the vault.\n"),
    .needs = CL_CLI_UNLOCKED,
    .call = counsellor_list,
    .show = show_counsellors,
};

static cl_status counsellor_remove(cl_cli *c, void *opts, json_t **removed)
{
    (void)opts;
    cl_status st = cl_vault_counsellor_remove(c->vault, c->operand[0]);
    return st == CL_OK ? cl_cli_result(removed, json_pack("{s:s}", "removed", c->operand[0])) : st;
}

static cl_status show_counsellor_removed(cl_cli *c, const void *opts, const json_t *removed)
{
    (void)opts, (void)removed;
    printf(_("Removed counsellor "));
    cl_cli_print_text(stdout, c->operand[0]);
    printf(_("; the database key was rotated.\n"));
    return CL_OK;
}

static const cl_command_spec counsellor_remove_spec = {
    .usage = N_("NAME"),
    .help = N_("Removes a counsellor and rotates the database key, so their copy of the old key\n"
               "opens nothing new. The last counsellor cannot be removed.\n"),
    .operands = 1,
    .needs = CL_CLI_UNLOCKED,
    .call = counsellor_remove,
    .show = show_counsellor_removed,
};

typedef struct passwd_opts {
    bool rotate;
} passwd_opts;
static const passwd_opts no_rotation = {false};

static int passwd_option(cl_cli *c, int opt, const char *arg, void *ctx)
{
    (void)c, (void)arg;
    if (opt == 'r')
        ((passwd_opts *)ctx)->rotate = true;
    return 0;
}

/* On a terminal, a counsellor who fears the old passphrase was seen says
 * so, and the key is rotated. */
static bool old_passphrase_exposed(void)
{
    if (cl_passphrase_from_fd())
        return false;
    FILE *tty = fopen("/dev/tty", "r+");
    if (!tty)
        return false;
    fprintf(tty, "%s [y/N] ", _("Might someone else know the old passphrase (可能已泄露)?"));
    fflush(tty);
    char answer[16] = "";
    bool yes = fgets(answer, sizeof answer, tty) && (answer[0] == 'y' || answer[0] == 'Y');
    fclose(tty);
    return yes;
}

static cl_status passwd(cl_cli *c, void *opts, json_t **changed)
{
    passwd_opts *o = opts;
    cl_secret *pass = NULL;
    cl_status st = CL_OK;
    /* A recovery unlock has just set the new passphrase. */
    if (!c->passphrase_was_reset) {
        st = cl_passphrase_read(_("New passphrase: "), true, &pass);
        if (st == CL_OK && !o->rotate)
            o->rotate = old_passphrase_exposed();
        if (st == CL_OK)
            st = cl_vault_change_passphrase(c->vault, NULL, pass, o->rotate);
    }
    cl_secret_free(pass);
    return st == CL_OK ? cl_cli_result(changed, json_pack("{s:s}", "passphrase_changed", cl_vault_user(c->vault))) : st;
}

static cl_status show_changed(cl_cli *c, const void *opts, const json_t *changed)
{
    (void)c, (void)changed;
    printf("%s\n", ((const passwd_opts *)opts)->rotate ? _("The passphrase was changed and the database key rotated.")
                                                       : _("The passphrase was changed."));
    return CL_OK;
}

static const struct option passwd_options[] = {
    {"rotate", no_argument, NULL, 'r'},
    {"exposed", no_argument, NULL, 'r'},
    {0, 0, 0, 0},
};

static const cl_command_spec passwd_spec = {
    .usage = N_("[--rotate]"),
    .help = N_("Changes your passphrase. With --recovery [--user NAME], replaces a forgotten one.\n"
               "  --rotate, --exposed   also rotate the database key (when the old passphrase may\n"
               "                        be known to someone), so an old keyslots file opens nothing\n"
               "                        new; needs the vault closed in every other carelog\n"),
    .options = passwd_options,
    .on_option = passwd_option,
    CL_CLI_OPTS(no_rotation),
    .operands_error = N_("passwd takes no operands"),
    .needs = CL_CLI_UNLOCKED,
    .call = passwd,
    .show = show_changed,
};

/* The key is printed here, once, and never kept in a result. */
static cl_status recovery_key(cl_cli *c, void *opts, json_t **result)
{
    (void)opts, (void)result;
    cl_secret *key = NULL;
    cl_status st = cl_vault_new_recovery_key(c->vault, &key);
    if (st == CL_OK)
        st = show_recovery_key(c, key, json_pack("{s:s}", "fingerprint", cl_vault_fingerprint(c->vault)));
    cl_secret_free(key);
    return st;
}

static const cl_command_spec recovery_key_spec = {
    .usage = N_("[--json]"),
    .help = N_("Makes a new recovery key; the old one stops working, and the database key is\n"
               "rotated so an old keyslots file with the old key opens nothing new. Shown once.\n"
               "--json: {fingerprint, recovery_key}\n"),
    .needs = CL_CLI_UNLOCKED,
    .call = recovery_key,
};

static cl_status backup(cl_cli *c, void *opts, json_t **done)
{
    (void)opts;
    cl_status st = cl_vault_backup(c->vault, c->operand[0]);
    return st == CL_OK ? cl_cli_result(done, json_pack("{s:s}", "backup", c->operand[0])) : st;
}

static cl_status show_backed_up(cl_cli *c, const void *opts, const json_t *done)
{
    (void)opts, (void)done;
    printf(_("Backed up the vault to "));
    cl_cli_print_text(stdout, c->operand[0]);
    printf(_(" (encrypted).\n"));
    return CL_OK;
}

static const cl_command_spec backup_spec = {
    .usage = N_("FILE"),
    .help = N_("Writes an encrypted copy of the whole vault (database and keyslots) to FILE,\n"
               "while the vault may be in use. It opens with the same passphrases and recovery key.\n"),
    .operands = 1,
    .needs = CL_CLI_UNLOCKED,
    .call = backup,
    .show = show_backed_up,
};

/* The backup is opened with the passphrase asked here; no vault is open. */
static cl_status restore(cl_cli *c, void *opts, json_t **done)
{
    (void)opts;
    cl_secret *secret;
    cl_status st = cl_passphrase_read(c->recovery ? _("Recovery key: ") : _("Passphrase: "), false, &secret);
    if (st == CL_OK) {
        st = cl_vault_restore(c->operand[0], c->vault_dir, secret, c->recovery);
        cl_secret_free(secret);
    }
    return st == CL_OK ? cl_cli_result(done, json_pack("{s:s}", "restored", c->vault_dir)) : st;
}

static cl_status show_restored(cl_cli *c, const void *opts, const json_t *done)
{
    (void)opts, (void)done;
    printf(_("Restored the backup into %s; it passed the integrity checks.\n"), c->vault_dir);
    return CL_OK;
}

static const cl_command_spec restore_spec = {
    .usage = N_("FILE [--vault DIR]"),
    .help = N_("Restores a backup into a new vault folder, after checking that it opens with your\n"
               "passphrase (or --recovery) and passes the integrity checks.\n"),
    .operands = 1,
    .call = restore,
    .show = show_restored,
};

/* With --json the report is printed whether the vault is sound or not. */
static cl_status verify(cl_cli *c, void *opts, json_t **result)
{
    (void)opts, (void)result;
    json_t *report = NULL;
    cl_status st = cl_vault_verify(c->vault, &report);
    if (c->json) {
        cl_cli_print_json(report);
        return st;
    }
    size_t i;
    json_t *check;
    json_array_foreach(json_object_get(report, "checks"), i, check) {
        bool ok = json_is_true(json_object_get(check, "ok"));
        cl_cli_say("%s  %s%s%s\n", ok ? _("ok     ") : _("DAMAGE "), cl_json_str_or(check, "label"),
                   ok ? "" : ": ", ok ? "" : cl_json_str_or(check, "detail"));
    }
    json_decref(report);
    if (st == CL_OK)
        printf("%s\n", _("The vault is sound."));
    return st;
}

static const cl_command_spec verify_spec = {
    .usage = N_("[--json]"),
    .help = N_("Checks the whole vault: every page's authentication, the database structure,\n"
               "foreign keys and the audit chain. Exit 0 when sound, 65 on damage.\n"
               "--json: {intact, checks:[{name, label, ok, detail}]}\n"),
    .needs = CL_CLI_UNLOCKED,
    .call = verify,
};

const cl_command cl_vault_commands[] = {
    {"init", "[--school NAME] [--user NAME]", N_("create a new vault and print its recovery key"), NULL, &init_spec},
    {"status", "", N_("show the vault, its counsellors and counts"), NULL, &status_spec},
    {"counsellor add", "NAME", N_("add a counsellor with their own passphrase"), NULL, &counsellor_add_spec},
    {"counsellor list", "", N_("list the counsellors"), NULL, &counsellor_list_spec},
    {"counsellor remove", "NAME", N_("remove a counsellor and rotate the key"), NULL, &counsellor_remove_spec},
    {"passwd", "[--rotate]", N_("change your passphrase (--rotate: and the key)"), NULL, &passwd_spec},
    {"recovery-key", "", N_("replace the recovery key"), NULL, &recovery_key_spec},
    {"verify", "", N_("check the whole vault for damage"), NULL, &verify_spec},
    {"backup", "FILE", N_("write an encrypted backup"), NULL, &backup_spec},
    {"restore", "FILE", N_("restore a backup into a new vault"), NULL, &restore_spec},
    {NULL, NULL, NULL, NULL, NULL},
};
