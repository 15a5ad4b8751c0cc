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
#include "carelog/secret.h"
#include "carelog/storage.h"
#include "carelog/table.h"
#include "carelog/text.h"

/* Shows a new recovery key, the once it is shown: for people with how to
 * keep it; with --json as the member "recovery_key" added to out, which is
 * printed (and freed either way). */
static int show_recovery_key(const cl_cli *c, const cl_secret *key, json_t *out)
{
    char grouped[64];
    cl_recovery_key_format(key, grouped, sizeof grouped);
    int rc = 0;
    if (c->json) {
        json_object_set_new(out, "recovery_key", json_string(grouped));
        rc = cl_cli_print_json(out);
    } else {
        json_decref(out);
        printf("\nRecovery key (恢复密钥) — shown this once:\n\n    %s\n\n"
               "Print it or write it down and keep it locked away from this computer.\n"
               "It opens the vault if every passphrase is forgotten; anyone holding it can read everything.\n"
               "请打印或抄写并妥善保管，远离本电脑。忘记所有密码时可用它打开档案库；持有者可读取全部内容。\n",
               grouped);
    }
    sodium_memzero(grouped, sizeof grouped);
    return rc;
}

static int init_option(cl_cli *c, int opt, const char *arg, void *ctx)
{
    (void)c;
    if (opt == 's')
        *(const char **)ctx = arg;
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
int cl_cli_create_vault(cl_cli *c, const char *school, const char *user)
{
    if (!school || !*school)
        school = "未命名学校 (unnamed school)";
    if (cl_vault_exists(c->vault_dir))
        return cl_cli_fail(cl_fail(CL_ECANTCREATE, "%s already holds a vault; it was left untouched (choose another "
                                                   "folder with --vault DIR)", c->vault_dir));
    cl_secret *pass, *recovery;
    cl_status st = cl_passphrase_read("New passphrase for this vault (新密码): ", true, &pass);
    if (st != CL_OK)
        return cl_cli_fail(st);
    if (!cl_passphrase_from_fd())
        fprintf(stderr, "Measuring this machine to choose the passphrase cost…\n");
    st = cl_vault_init(c->vault_dir, school, user, pass, &recovery, &c->vault);
    cl_secret_free(pass);
    if (st != CL_OK)
        return cl_cli_fail(st);
    /* init copies the forms into the vault; should that fail, the recovery
     * key is still shown (the vault exists) and the failure reported after. */
    cl_status forms = cl_catalog_install_builtin(c->vault);
    if (!c->json)
        printf("Created the vault at %s\nFingerprint (指纹): %s\n", c->vault_dir, cl_vault_fingerprint(c->vault));
    int rc = show_recovery_key(c, recovery, json_pack("{s:s, s:s, s:s}", "vault", c->vault_dir, "fingerprint",
                                                      cl_vault_fingerprint(c->vault), "user", user));
    cl_secret_free(recovery);
    return forms != CL_OK ? cl_cli_fail(forms) : rc;
}

static int cmd_init(cl_cli *c)
{
    static const struct option options[] = {
        {"school", required_argument, NULL, 's'},
        {0, 0, 0, 0},
    };
    const char *school = NULL;
    int first;
    int rc = cl_cli_options(c, options, "[--school NAME] [--user NAME]",
                            "Creates a new vault (mode 0700) and prints its recovery key once.\n"
                            "  --school NAME   the school's name, shown on exports\n"
                            "  --user NAME     your name as a counsellor (default: your login name)\n",
                            init_option, &school, &first);
    if (rc != 0)
        return cl_cli_exit(rc);
    if (first != c->argc)
        return cl_cli_fail(cl_fail(CL_EUSAGE, "init takes no operands; name the folder with --vault DIR"));
    return cl_cli_create_vault(c, school, c->user ? c->user : cl_cli_login_name());
}

static int print_status(cl_cli *c, json_t *s)
{
    cl_table *t = cl_table_new(2, NULL);
    cl_table_wrap_last(t);
    char buf[1024];
    cl_cli_table_pair(t, "Vault 档案库", json_string_value(json_object_get(s, "path")));
    cl_cli_table_pair(t, "School 学校", json_string_value(json_object_get(s, "school")));
    cl_cli_table_pair(t, "Fingerprint 指纹", json_string_value(json_object_get(s, "fingerprint")));
    cl_cli_table_pair(t, "You 当前用户", json_string_value(json_object_get(s, "user")));
    cl_buf names = {0};
    size_t i;
    json_t *item;
    json_array_foreach(json_object_get(s, "counsellors"), i, item)
        cl_buf_printf(&names, "%s%s", i ? ", " : "", json_string_value(json_object_get(item, "name")));
    cl_cli_table_pair(t, "Counsellors 心理老师", names.data ? names.data : "");
    cl_buf_free(&names);
    snprintf(buf, sizeof buf, "%d", (int)json_integer_value(json_object_get(s, "schema")));
    cl_cli_table_pair(t, "Schema 数据版本", buf);
    const char *table;
    json_t *count;
    json_object_foreach(json_object_get(s, "counts"), table, count) {
        snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(count));
        char label[64];
        snprintf(label, sizeof label, "Rows: %s", table);
        cl_cli_table_pair(t, label, buf);
    }
    cl_status st = cl_table_print(t, stdout, cl_cli_width());
    cl_table_free(t);
    json_decref(s);
    (void)c;
    return cl_cli_fail(st);
}

static int cmd_status(cl_cli *c)
{
    int first;
    int rc = cl_cli_operands(c, "[--json]", "Shows the vault: where it is, its school, counsellors, fingerprint and counts.\n",
                      0, &first);
    if (rc != 0)
        return cl_cli_exit(rc);
    json_t *s;
    cl_status st = cl_cli_unlock(c);
    if (st == CL_OK)
        st = cl_vault_status(c->vault, &s);
    if (st != CL_OK)
        return cl_cli_fail(st);
    return c->json ? cl_cli_print_json(s) : print_status(c, s);
}

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
    if (!cl_vault_exists(c->vault_dir)) {
        if (cl_passphrase_from_fd() || !isatty(STDIN_FILENO))
            return cl_cli_fail(cl_fail(CL_ENOTFOUND, "there is no vault at %s yet; create one with `carelog init`",
                                       c->vault_dir));
        printf("There is no vault at %s yet; creating one (新建档案库).\n", c->vault_dir);
        char school[256], user[256];
        ask_line("School name (学校名称): ", school, sizeof school);
        ask_line("Your name as a counsellor (您的姓名): ", user, sizeof user);
        int rc = cl_cli_create_vault(c, school, *user ? user : cl_cli_login_name());
        if (rc != 0)
            return rc;
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
    int rc = print_status(c, s);
    cl_cli_print_agenda(agenda);
    json_decref(agenda);
    printf("\nThe screens are not built yet; everything works from the command line\n"
           "(`carelog COMMAND --help` explains each one):\n\n");
    cl_cli_print_commands(stdout);
    return rc;
}

static int cmd_counsellor_add(cl_cli *c)
{
    int first;
    int rc = cl_cli_operands(c, "NAME", "Adds a counsellor with a passphrase of their own (asked for after yours).\n", 1, &first);
    if (rc != 0)
        return cl_cli_exit(rc);
    const char *name = c->argv[first];
    cl_secret *pass = NULL;
    cl_status st = cl_cli_unlock(c);
    if (st == CL_OK) {
        if (!cl_passphrase_from_fd()) {
            fprintf(stderr, "Now ");
            cl_cli_print_text(stderr, name);
            fprintf(stderr, " chooses a passphrase.\n");
        }
        st = cl_passphrase_read("New counsellor's passphrase (新老师的密码): ", true, &pass);
    }
    if (st == CL_OK)
        st = cl_vault_counsellor_add(c->vault, name, pass);
    cl_secret_free(pass);
    if (st != CL_OK)
        return cl_cli_fail(st);
    if (!c->json) {
        printf("Added counsellor ");
        cl_cli_print_text(stdout, name);
        printf(".\n");
    }
    return c->json ? cl_cli_print_json(json_pack("{s:s}", "added", name)) : 0;
}

static int cmd_counsellor_list(cl_cli *c)
{
    int first;
    int rc = cl_cli_operands(c, "[--json]", "Lists the counsellors who can open the vault.\n", 0, &first);
    if (rc != 0)
        return cl_cli_exit(rc);
    json_t *list;
    cl_status st = cl_cli_unlock(c);
    if (st == CL_OK)
        st = cl_vault_counsellor_list(c->vault, &list);
    if (st != CL_OK)
        return cl_cli_fail(st);
    if (c->json)
        return cl_cli_print_json(list);
    static const char *const headers[] = {"Name 姓名", "Since 加入时间"};
    cl_table *t = cl_table_new(2, headers);
    size_t i;
    json_t *item;
    json_array_foreach(list, i, item) {
        char *name = cl_strdup_printf("%s%s", cl_json_str_or(item, "name"),
                                      json_is_true(json_object_get(item, "current")) ? " (you 本人)" : "");
        const char *cells[2] = {name, cl_json_str_or(item, "since")};
        cl_table_add_row(t, cells);
        free(name);
    }
    st = cl_table_print(t, stdout, cl_cli_width());
    cl_table_free(t);
    json_decref(list);
    return cl_cli_fail(st);
}

static int cmd_counsellor_remove(cl_cli *c)
{
    int first;
    int rc = cl_cli_operands(c, "NAME",
                      "Removes a counsellor and rotates the database key, so their copy of the old key\n"
                      "opens nothing new. The last counsellor cannot be removed.\n", 1, &first);
    if (rc != 0)
        return cl_cli_exit(rc);
    cl_status st = cl_cli_unlock(c);
    if (st == CL_OK)
        st = cl_vault_counsellor_remove(c->vault, c->argv[first]);
    if (st != CL_OK)
        return cl_cli_fail(st);
    if (c->json)
        return cl_cli_print_json(json_pack("{s:s}", "removed", c->argv[first]));
    printf("Removed counsellor ");
    cl_cli_print_text(stdout, c->argv[first]);
    printf("; the database key was rotated.\n");
    return 0;
}

static int cmd_passwd(cl_cli *c)
{
    int first;
    int rc = cl_cli_operands(c, "", "Changes your passphrase. With --recovery [--user NAME], replaces a forgotten one.\n", 0,
                      &first);
    if (rc != 0)
        return cl_cli_exit(rc);
    cl_status st = cl_cli_unlock(c);
    cl_secret *pass = NULL;
    if (st == CL_OK && !c->passphrase_was_reset) {
        st = cl_passphrase_read("New passphrase (新密码): ", true, &pass);
        if (st == CL_OK)
            st = cl_vault_set_passphrase(c->vault, NULL, pass);
    }
    cl_secret_free(pass);
    if (st != CL_OK)
        return cl_cli_fail(st);
    if (c->json)
        return cl_cli_print_json(json_pack("{s:s}", "passphrase_changed", cl_vault_user(c->vault)));
    printf("The passphrase was changed.\n");
    return 0;
}

static int cmd_recovery_key(cl_cli *c)
{
    int first;
    int rc = cl_cli_operands(c, "[--json]",
                             "Makes a new recovery key; the old one stops working. Shown once.\n"
                             "--json: {fingerprint, recovery_key}\n",
                             0, &first);
    if (rc != 0)
        return cl_cli_exit(rc);
    cl_secret *key = NULL;
    cl_status st = cl_cli_unlock(c);
    if (st == CL_OK)
        st = cl_vault_new_recovery_key(c->vault, &key);
    if (st != CL_OK)
        return cl_cli_fail(st);
    rc = show_recovery_key(c, key, json_pack("{s:s}", "fingerprint", cl_vault_fingerprint(c->vault)));
    cl_secret_free(key);
    return rc;
}

static int cmd_backup(cl_cli *c)
{
    int first;
    int rc = cl_cli_operands(c, "FILE",
                      "Writes an encrypted copy of the whole vault (database and keyslots) to FILE,\n"
                      "while the vault may be in use. It opens with the same passphrases and recovery key.\n",
                      1, &first);
    if (rc != 0)
        return cl_cli_exit(rc);
    cl_status st = cl_cli_unlock(c);
    if (st == CL_OK)
        st = cl_vault_backup(c->vault, c->argv[first]);
    if (st != CL_OK)
        return cl_cli_fail(st);
    if (c->json)
        return cl_cli_print_json(json_pack("{s:s}", "backup", c->argv[first]));
    printf("Backed up the vault to ");
    cl_cli_print_text(stdout, c->argv[first]);
    printf(" (encrypted).\n");
    return 0;
}

static int cmd_restore(cl_cli *c)
{
    int first;
    int rc = cl_cli_operands(c, "FILE [--vault DIR]",
                      "Restores a backup into a new vault folder, after checking that it opens with your\n"
                      "passphrase (or --recovery) and passes the integrity checks.\n", 1, &first);
    if (rc != 0)
        return cl_cli_exit(rc);
    cl_secret *secret;
    cl_status st = cl_passphrase_read(c->recovery ? "Recovery key (恢复密钥): " : "Passphrase (密码): ", false, &secret);
    if (st == CL_OK) {
        st = cl_vault_restore(c->argv[first], c->vault_dir, secret, c->recovery);
        cl_secret_free(secret);
    }
    if (st != CL_OK)
        return cl_cli_fail(st);
    if (c->json)
        return cl_cli_print_json(json_pack("{s:s}", "restored", c->vault_dir));
    printf("Restored the backup into %s; it passed the integrity checks.\n", c->vault_dir);
    return 0;
}

const cl_command cl_vault_commands[] = {
    {"init", "[--school NAME] [--user NAME]", "create a new vault and print its recovery key", cmd_init},
    {"status", "", "show the vault, its counsellors and counts", cmd_status},
    {"counsellor add", "NAME", "add a counsellor with their own passphrase", cmd_counsellor_add},
    {"counsellor list", "", "list the counsellors", cmd_counsellor_list},
    {"counsellor remove", "NAME", "remove a counsellor and rotate the key", cmd_counsellor_remove},
    {"passwd", "", "change your passphrase", cmd_passwd},
    {"recovery-key", "", "replace the recovery key", cmd_recovery_key},
    {"backup", "FILE", "write an encrypted backup", cmd_backup},
    {"restore", "FILE", "restore a backup into a new vault", cmd_restore},
    {NULL, NULL, NULL, NULL},
};
