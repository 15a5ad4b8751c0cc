#include "carelog/cli.h"

#include <errno.h>
#include <getopt.h>
#include <locale.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "carelog/audit.h"
#include "carelog/catalog.h"
#include "carelog/i18n.h"
#include "carelog/referral.h"
#include "carelog/search.h"
#include "carelog/secret.h"
#include "carelog/settings.h"
#include "carelog/storage.h"
#include "carelog/text.h"

#define VERSION "0.1.0"

static const cl_command *const command_tables[] = {
    cl_vault_commands,
    cl_agenda_commands,
    cl_student_commands,
    cl_record_commands,
    cl_form_commands,
    cl_referral_commands,
    cl_followup_commands,
    cl_audit_commands,
    cl_transfer_commands,
    cl_config_commands,
    cl_office_commands,
    cl_bundle_commands,
    cl_teacher_commands,
    cl_observe_commands,
    cl_inbox_commands,
    cl_export_commands,
    cl_report_commands,
    cl_search_commands,
    NULL,
};

/* Set by --json: a form's problems are then also printed as a list. */
static bool json_output;

int cl_cli_fail(cl_status st)
{
    if (st == CL_OK)
        return 0;
    const char *msg = cl_error_message();
    const json_t *problems = json_output ? cl_form_last_problems() : NULL;
    if (problems)
        cl_cli_print_json(json_pack("{s:s, s:i, s:O}", "error", msg, "status", (int)st, "problems", problems));
    fputs(_("carelog: "), stderr);
    cl_cli_print_text(stderr, *msg ? msg : "failed");
    fputc('\n', stderr);
    return (int)st;
}

void cl_cli_print_text(FILE *out, const char *text)
{
    char *safe = cl_text_inert(text ? text : "", true);
    fputs(safe ? safe : "", out);
    free(safe);
}

static void put_json_inert_n(const char *text, size_t len, FILE *out, bool newline)
{
    cl_text_put_json(text, len, out);
    if (newline)
        fputc('\n', out);
}

static void put_json_inert(const char *text, FILE *out, bool newline)
{
    put_json_inert_n(text, strlen(text), out, newline);
}

cl_status cl_cli_write_json(const char *text, size_t len, void *ctx)
{
    (void)ctx;
    put_json_inert_n(text, len, stdout, false);
    return CL_OK;
}

cl_status cl_cli_put_json(json_t *value)
{
    if (!value)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    char *text = json_dumps(value, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(value);
    if (!text)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    put_json_inert(text, stdout, true);
    free(text);
    return CL_OK;
}

int cl_cli_print_json(json_t *value)
{
    return cl_cli_fail(cl_cli_put_json(value));
}

cl_status cl_cli_json_row(cl_cli_json_rows *a, const json_t *row)
{
    char *text = json_dumps(row, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (!text)
        return cl_fail(CL_ESOFTWARE, _("out of memory"));
    fputc(a->n++ ? ',' : '[', stdout);
    put_json_inert(text, stdout, false);
    free(text);
    return CL_OK;
}

cl_status cl_cli_json_row_text(cl_cli_json_rows *a, const char *text, size_t len)
{
    fputc(a->n++ ? ',' : '[', stdout);
    put_json_inert_n(text, len, stdout, false);
    return CL_OK;
}

cl_status cl_cli_json_rows_close(cl_cli_json_rows *a, cl_status st)
{
    if (st != CL_OK) {
        /* What was printed is cut short: end the line; the caller says why. */
        if (a->n)
            fputc('\n', stdout);
        return st;
    }
    fputs(a->n ? "]\n" : "[]\n", stdout);
    return CL_OK;
}

int cl_cli_json_rows_end(cl_cli_json_rows *a, cl_status st)
{
    return cl_cli_fail(cl_cli_json_rows_close(a, st));
}

cl_status cl_cli_audit_rows(const cl_cli *c, long long rows)
{
    cl_buf filter = {0};
    for (int i = 1; i < c->argc; i++)
        cl_buf_printf(&filter, "%s%s", i > 1 ? " " : "", c->argv[i]);
    cl_status st = cl_audit_listing(c->vault, c->argv[0], filter.data, rows);
    cl_buf_free(&filter);
    return st;
}

cl_status cl_cli_audit_listing(const cl_cli *c, json_t **list)
{
    long long rows = 0;
    if (json_is_array(*list)) {
        rows = (long long)json_array_size(*list);
    } else {
        const char *key;
        json_t *member;
        json_object_foreach(*list, key, member)
            rows += json_is_array(member) ? (long long)json_array_size(member) : 0;
    }
    cl_status st = cl_cli_audit_rows(c, rows);
    if (st != CL_OK) {
        json_decref(*list);
        *list = NULL;
    }
    return st;
}

int cl_cli_width(void)
{
    const char *cols = getenv("COLUMNS");
    if (cols && atoi(cols) > 0)
        return atoi(cols);
    struct winsize ws;
    if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    return 0;
}

cl_status cl_cli_confirm(const cl_cli *c, const char *question)
{
    if (c->yes)
        return CL_OK;
    FILE *tty = fopen("/dev/tty", "r+");
    if (!tty)
        return cl_fail(CL_EUSAGE, _("%s — there is no terminal to confirm on; add --yes to confirm in a script"), question);
    fprintf(tty, "%s [y/N] ", question);
    fflush(tty);
    char answer[16] = "";
    bool yes = fgets(answer, sizeof answer, tty) && (answer[0] == 'y' || answer[0] == 'Y');
    fclose(tty);
    return yes ? CL_OK : cl_fail(CL_EUSAGE, _("not confirmed; nothing was written"));
}

cl_status cl_parse_id(const char *text, const char *what, long long *out)
{
    const char *s = text && text[0] == '#' ? text + 1 : text;
    char *end;
    errno = 0;
    long long n = s && *s ? strtoll(s, &end, 10) : 0;
    if (!s || !*s || *end || errno || n <= 0)
        return cl_fail(CL_EUSAGE, _("%s must be a number such as 12, not \"%s\""), what, text ? text : "");
    *out = n;
    return CL_OK;
}

const char *cl_cli_lang(void)
{
    return cl_i18n_language();
}

const char *cl_cli_choice_label(const cl_form *form, const char *field, const char *id)
{
    if (!id)
        return "";
    char top[64];
    const char *dot = strchr(field, '.');
    snprintf(top, sizeof top, "%.*s", dot ? (int)(dot - field) : (int)strlen(field), field);
    const cl_field *fld = form ? cl_form_field(form, top) : NULL;
    if (fld && dot)
        fld = cl_field_subfield(fld, dot + 1);
    const char *label = fld ? cl_field_choice_label(fld, id, cl_cli_lang()) : NULL;
    return label ? label : id;
}

const char *cl_cli_kind_label(cl_cli *c, const char *kind)
{
    /* English tables have always shown the kind as typed on the command line. */
    if (strcmp(cl_cli_lang(), "en") == 0 || !c->vault)
        return kind;
    return cl_catalog_kind_label(c->vault, kind, cl_cli_lang());
}

void cl_cli_record_state(const json_t *rec, char *buf, size_t size)
{
    bool en = strcmp(cl_cli_lang(), "en") == 0;
    const char *state = cl_json_str_or(rec, "state");
    const cl_referral_state *s = *state ? cl_referral_state_find(state) : NULL;
    const char *label = s ? (en ? s->label_en : s->label_zh) : state;
    bool sig = json_is_true(json_object_get(rec, "signed"));
    snprintf(buf, size, "%s%s%s", label, *label && sig ? " · " : "", sig ? (en ? "signed" : "已签") : "");
}

cl_status cl_cli_put_table(cl_table *t)
{
    cl_status st = t ? cl_table_print(t, stdout, cl_cli_width()) : cl_fail(CL_ESOFTWARE, _("out of memory"));
    cl_table_free(t);
    return st;
}

int cl_cli_table_done(cl_table *t)
{
    return cl_cli_fail(cl_cli_put_table(t));
}

const char *cl_json_str_or(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

void cl_cli_say(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cl_buf b = {0};
    cl_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    cl_cli_print_text(stdout, b.data ? b.data : "");
    cl_buf_free(&b);
}

void cl_cli_print_saved(const char *what, long long id, long long read_version, long long new_version)
{
    if (new_version == read_version)
        printf(_("Nothing changed; %s #%lld stays at version %lld.\n"), what, id, new_version);
    else
        printf(_("Saved %s #%lld, now version %lld.\n"), what, id, new_version);
}

void cl_cli_table_pair(cl_table *t, const char *key, const char *value)
{
    const char *cells[2] = {key, value};
    cl_table_add_row(t, cells);
}

static cl_status read_recovery_reset(cl_cli *c)
{
    const char *name = c->user;
    json_t *list = NULL;
    cl_status st = CL_OK;
    if (!name) {
        st = cl_vault_counsellor_list(c->vault, &list);
        if (st == CL_OK && json_array_size(list) == 1)
            name = json_string_value(json_object_get(json_array_get(list, 0), "name"));
        else if (st == CL_OK)
            st = cl_fail(CL_EUSAGE, _("the recovery key opened the vault; say whose passphrase to replace with --user NAME "
                                    "(`carelog counsellor list` names them)"));
    }
    cl_secret *pass = NULL;
    if (st == CL_OK) {
        fprintf(stderr, _("carelog: the recovery key opened the vault. Set a new passphrase for "));
        cl_cli_print_text(stderr, name);
        fprintf(stderr, ".\n");
        st = cl_passphrase_read(_("New passphrase: "), true, &pass);
    }
    if (st == CL_OK)
        st = cl_vault_set_passphrase(c->vault, name, pass);
    if (st == CL_OK)
        c->passphrase_was_reset = true;
    cl_secret_free(pass);
    json_decref(list);
    return st;
}

/* Opening a vault from before search indexes every record once. */
static void show_index_progress(long long indexed, void *ctx)
{
    *(bool *)ctx = true;
    fputc('\r', stderr);
    fprintf(stderr, _("Indexing the records for search: %lld…"), indexed);
}

/* The upgrade of an older vault at unlock, on one line of stderr. */
static void show_upgrade_progress(cl_upgrade_phase phase, int schema, unsigned long steps, void *ctx)
{
    (void)ctx;
    static const char spin[] = "|/-\\";
    if (phase == CL_UPGRADE_GOING) {
        fputc('\r', stderr);
        fprintf(stderr, _("Upgrading the vault to schema %d %c"), schema, spin[steps % 4]);
    } else {
        fprintf(stderr, "\r%s\n",
                phase == CL_UPGRADE_DONE ? _("Upgrading the vault: done.")
                                         : _("Upgrading the vault: stopped; nothing was changed."));
    }
}

/* One line on stderr: how many failed unlocks since the last one, and
 * when the first and the last were. */
static void tell_failed_unlocks(const json_t *failures)
{
    size_t n = json_array_size(failures);
    if (n == 0)
        return;
    const char *first = cl_json_str_or(json_array_get(failures, 0), "at");
    const char *last = cl_json_str_or(json_array_get(failures, n - 1), "at");
    cl_buf b = {0};
    cl_buf_printf(&b, ngettext("carelog: %zu failed unlock attempt since the last unlock, at %s",
                               "carelog: %zu failed unlock attempts since the last unlock, from %s to %s", n),
                  n, first, last);
    cl_cli_print_text(stderr, b.data ? b.data : "");
    fputc('\n', stderr);
    cl_buf_free(&b);
}

cl_status cl_cli_unlock(cl_cli *c)
{
    if (c->vault)
        return CL_OK;
    if (!cl_vault_exists(c->vault_dir))
        return cl_fail(CL_ENOTFOUND, _("there is no vault at %s; create one with `carelog init` or name another with "
                                     "--vault DIR"), c->vault_dir);
    cl_secret *secret;
    cl_status st = cl_passphrase_read(c->recovery ? _("Recovery key: ") : _("Passphrase: "), false, &secret);
    if (st != CL_OK)
        return st;
    bool progress_shown = false;
    if (isatty(STDERR_FILENO)) {
        cl_search_on_progress(show_index_progress, &progress_shown);
        cl_db_on_upgrade(show_upgrade_progress, NULL);
    }
    st = cl_vault_open(c->vault_dir, secret, c->recovery, &c->vault);
    cl_search_on_progress(NULL, NULL);
    cl_db_on_upgrade(NULL, NULL);
    if (progress_shown)
        fputc('\n', stderr);
    cl_secret_free(secret);
    if (st == CL_OK)
        st = cl_settings_apply_language(c->vault, c->lang_chosen);
    if (st == CL_OK)
        tell_failed_unlocks(cl_vault_failed_unlocks(c->vault));
    if (st == CL_OK && c->recovery)
        st = read_recovery_reset(c);
    if (st == CL_OK)
        cl_cli_inbox_on_unlock(c);
    return st;
}

static const cl_command *find_command(int argc, char **argv, int *words)
{
    for (const cl_command *const *t = command_tables; *t; t++) {
        for (const cl_command *cmd = *t; cmd->name; cmd++) {
            /* A name of one or two words: "status", "counsellor add". */
            const char *space = strchr(cmd->name, ' ');
            if (!space) {
                if (argc >= 1 && strcmp(argv[0], cmd->name) == 0) {
                    *words = 1;
                    return cmd;
                }
            } else if (argc >= 2 && strncmp(argv[0], cmd->name, (size_t)(space - cmd->name)) == 0 &&
                       argv[0][space - cmd->name] == '\0' && strcmp(argv[1], space + 1) == 0) {
                *words = 2;
                return cmd;
            }
        }
    }
    return NULL;
}

/* The second word of a two-word command ("add" of "student add") when its
 * first word is `group`, else NULL. */
static const char *subcommand_of(const cl_command *cmd, const char *group)
{
    size_t n = strlen(group);
    return strncmp(cmd->name, group, n) == 0 && cmd->name[n] == ' ' ? cmd->name + n + 1 : NULL;
}

/* Whether word is the first word of two-word commands ("student"). */
static bool is_group(const char *word)
{
    for (const cl_command *const *t = command_tables; *t; t++)
        for (const cl_command *cmd = *t; cmd->name; cmd++)
            if (subcommand_of(cmd, word))
                return true;
    return false;
}

/* "add, edit, list, …": the subcommands of a group, from the tables. */
static void print_subcommands(FILE *out, const char *group)
{
    int n = 0;
    for (const cl_command *const *t = command_tables; *t; t++)
        for (const cl_command *cmd = *t; cmd->name; cmd++)
            if (subcommand_of(cmd, group))
                fprintf(out, "%s%s", n++ ? ", " : "", subcommand_of(cmd, group));
}

/* "  name args   summary"; a long left part puts the summary on the next
 * line, in the same column, so the two never run together. */
static void print_command(FILE *out, const cl_command *cmd)
{
    enum { LEFT = 34 };
    char left[96];
    snprintf(left, sizeof left, "%s %s", cmd->name, cmd->args);
    int w = cl_text_width(left);
    if (w > LEFT)
        fprintf(out, "  %s\n  %*s %s\n", left, LEFT, "", _(cmd->summary));
    else
        fprintf(out, "  %s%*s %s\n", left, LEFT - w, "", _(cmd->summary));
}

/* `carelog student --help`: the group's commands with a line each. */
static void print_group(FILE *out, const char *group)
{
    fprintf(out, _("usage: carelog %s SUBCOMMAND [options]   (`carelog %s SUBCOMMAND --help` for each)\n\n"
                 "commands:\n"), group, group);
    for (const cl_command *const *t = command_tables; *t; t++)
        for (const cl_command *cmd = *t; cmd->name; cmd++)
            if (subcommand_of(cmd, group))
                print_command(out, cmd);
}

void cl_cli_print_commands(FILE *out)
{
    fprintf(out, _("commands:\n"));
    for (const cl_command *const *t = command_tables; *t; t++)
        for (const cl_command *cmd = *t; cmd->name; cmd++)
            print_command(out, cmd);
}

static void print_help(void)
{
    printf(_("carelog %s — an encrypted log of students in distress, for school counsellors\n\n"
           "usage: carelog [global options] COMMAND [options]\n"
           "       carelog                 (opens the vault and shows its status)\n\n"
           "global options:\n"
           "  --vault DIR          the vault folder (default $XDG_DATA_HOME/carelog)\n"
           "  --passphrase-fd N    read passphrases, one per line, from descriptor N\n"
           "  --recovery           unlock with the recovery key, then set a new passphrase\n"
           "  --user NAME          with --recovery: whose passphrase to replace\n"
           "  --lang zh|en|auto    the interface language for this command\n"
           "  --json               output JSON for programs\n"
           "  --yes                confirm plaintext exports without asking\n"
           "  --help, --version\n\n"), VERSION);
    cl_cli_print_commands(stdout);
    printf(_("\nEvery command takes --help. Exit codes follow sysexits.h: 64 usage, 65 bad data,\n"
           "66 not found, 73 cannot create, 74 I/O, 75 changed meanwhile, 77 wrong passphrase.\n"));
}

/* Takes the global options out of argv wherever they stand (before "--"),
 * leaving the command and its own options. */
static cl_status take_globals(cl_cli *c, int *argc, char **argv, bool *help, bool *version)
{
    int out = 1;
    bool rest = false;
    for (int i = 1; i < *argc; i++) {
        const char *a = argv[i];
        const char *val = NULL;
        if (rest || a[0] != '-') {
            argv[out++] = argv[i];
            continue;
        }
        if (strcmp(a, "--") == 0) {
            rest = true;
            argv[out++] = argv[i];
            continue;
        }
#define WITH_VALUE(opt)                                                                  \
    (strcmp(a, opt) == 0 ? (i + 1 < *argc ? (val = argv[++i], 1)                          \
                                          : (val = NULL, 1))                               \
                         : (strncmp(a, opt "=", sizeof opt) == 0 ? (val = a + sizeof opt, 1) : 0))
        if (WITH_VALUE("--vault")) {
            if (!val || !*val)
                return cl_fail(CL_EUSAGE, _("--vault needs a folder"));
            free(c->vault_dir);
            c->vault_dir = strdup(val);
        } else if (WITH_VALUE("--passphrase-fd")) {
            char *end;
            long fd = val ? strtol(val, &end, 10) : -1;
            if (!val || *end || fd < 0 || fd > 1024)
                return cl_fail(CL_EUSAGE, _("--passphrase-fd needs a descriptor number"));
            cl_passphrase_source_fd((int)fd);
        } else if (WITH_VALUE("--lang")) {
            cl_status st = cl_i18n_set_language(val ? val : "");
            if (st != CL_OK)
                return st;
            c->lang_chosen = true;
        } else if (WITH_VALUE("--user")) {
            if (!val)
                return cl_fail(CL_EUSAGE, _("--user needs a name"));
            c->user = val;
        } else if (strcmp(a, "--recovery") == 0) {
            c->recovery = true;
        } else if (strcmp(a, "--json") == 0) {
            c->json = json_output = true;
        } else if (strcmp(a, "--yes") == 0) {
            c->yes = true;
        } else if (out == 1 && (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)) {
            *help = true;
        } else if (out == 1 && strcmp(a, "--version") == 0) {
            *version = true;
        } else {
            argv[out++] = argv[i];
        }
#undef WITH_VALUE
    }
    argv[out] = NULL;
    *argc = out;
    return CL_OK;
}

/* What the core tells while it works (the wait after failed unlocks): the
 * command line's is a line on stderr; the screens set their own. */
static void print_notice(const char *message, void *ctx)
{
    (void)ctx;
    fprintf(stderr, _("carelog: %s\n"), message);
}

int cl_cli_main(int argc, char **argv)
{
    cl_i18n_init(argv[0]);
    cl_vault_set_notice(print_notice, NULL);
    cl_status st = cl_secret_init_process();
    if (st != CL_OK)
        return cl_cli_fail(st);
    cl_cli c = {0};
    bool help = false, version = false;
    st = take_globals(&c, &argc, argv, &help, &version);
    if (st == CL_OK && !c.vault_dir)
        st = cl_vault_default_dir(&c.vault_dir);
    if (st != CL_OK) {
        free(c.vault_dir);
        return cl_cli_fail(st);
    }
    int rc;
    if (version) {
        printf(_("carelog %s\n"), VERSION);
        rc = 0;
    } else if (help) {
        print_help();
        rc = 0;
    } else if (argc == 1) {
        static char home[] = "home";
        char *home_argv[] = {home, NULL};
        c.argc = 1;
        c.argv = home_argv;
        rc = cl_cli_home(&c);
    } else {
        int words = 0;
        const cl_command *cmd = find_command(argc - 1, argv + 1, &words);
        if (!cmd && argc >= 3 && is_group(argv[1]) && (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0)) {
            print_group(stdout, argv[1]);
            rc = 0;
        } else if (!cmd && is_group(argv[1])) {
            fprintf(stderr, _("carelog %s: "), argv[1]);
            if (argc >= 3) {
                fprintf(stderr, _("there is no subcommand \""));
                cl_cli_print_text(stderr, argv[2]);
                fprintf(stderr, "\"; ");
            }
            fprintf(stderr, _("choose one of "));
            print_subcommands(stderr, argv[1]);
            fprintf(stderr, _("\n(`carelog %s --help` says what each does)\n"), argv[1]);
            rc = CL_EUSAGE;
        } else if (!cmd) {
            fprintf(stderr, _("carelog: unknown command \""));
            cl_cli_print_text(stderr, argv[1]);
            fprintf(stderr, "\"\n");
            cl_cli_print_commands(stderr);
            rc = CL_EUSAGE;
        } else {
            /* The command sees its own words as one argv[0]. */
            c.argc = argc - words;
            c.argv = argv + words;
            c.argv[0] = (char *)cmd->name;
            optind = 0;
            rc = cmd->run ? cmd->run(&c) : cl_cli_run(&c, cmd->spec);
        }
    }
    cl_vault_close(c.vault);
    free(c.vault_dir);
    return rc;
}
