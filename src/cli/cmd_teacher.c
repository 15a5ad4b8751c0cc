/* Teacher commands. On the teacher's side: teacher init, show, join, sent
 * and observe — none of them opens the vault or asks for its passphrase;
 * they need only the teacher's identity and the school's vault.pub. On the
 * counsellor's side: teacher add, list, revoke. */
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "carelog/cli.h"
#include "carelog/file.h"
#include "carelog/i18n.h"
#include "carelog/observation.h"
#include "carelog/teacher.h"

typedef struct teacher_opts {
    const char *identity, *name, *student, *student_name, *student_class, *output;
    json_t *classes;
    cl_field_args fields;
} teacher_opts;

static int teacher_option(cl_cli *c, int opt, const char *arg, void *ctx)
{
    (void)c;
    teacher_opts *o = ctx;
    switch (opt) {
    case 'I': o->identity = arg; break;
    case 'n': o->name = arg; break;
    case 's': o->student = arg; break;
    case 'N': o->student_name = arg; break;
    case 'C': o->student_class = arg; break;
    case 'o': o->output = arg; break;
    case 'f': return cl_field_args_add(&o->fields, arg);
    case 'c':
        if (!o->classes)
            o->classes = json_array();
        json_array_append_new(o->classes, json_string(arg));
        break;
    default: return CL_EUSAGE;
    }
    return 0;
}

static int parse(cl_cli *c, const struct option *options, const char *usage, const char *help, teacher_opts *o,
                 int want, int *first)
{
    return cl_cli_parse(c, options, usage, help, teacher_option, o, want, first);
}

static cl_status load_identity(const teacher_opts *o, cl_teacher_identity **t)
{
    char *dir = NULL;
    cl_status st = o->identity ? CL_OK : cl_teacher_default_dir(&dir);
    if (st == CL_OK)
        st = cl_teacher_load(o->identity ? o->identity : dir, t);
    free(dir);
    return st;
}

static const char *login_name(void)
{
    const struct passwd *pw = getpwuid(getuid());
    return pw && pw->pw_name ? pw->pw_name : "teacher";
}

static void print_identity(const cl_teacher_identity *t)
{
    cl_cli_say(_("Teacher:     %s\n"), cl_teacher_name(t));
    printf(_("Public key:  %s\n"), cl_teacher_public_text(t));
    printf(_("Fingerprint: %s\n"), cl_teacher_fingerprint(t));
    const cl_vault_pub *p = cl_teacher_vault(t);
    if (p) {
        cl_cli_say(_("School:      %s\n"), p->school);
        printf(_("Vault:       %s\n"), p->fingerprint);
    } else {
        printf(_("School:      not joined yet (`carelog teacher join vault.pub`)\n"));
    }
}

static json_t *identity_json(const cl_teacher_identity *t)
{
    const cl_vault_pub *p = cl_teacher_vault(t);
    return json_pack("{s:s, s:s, s:s, s:o}", "name", cl_teacher_name(t), "public_key", cl_teacher_public_text(t),
                     "fingerprint", cl_teacher_fingerprint(t), "vault",
                     p ? json_pack("{s:s, s:s}", "school", p->school, "fingerprint", p->fingerprint) : json_null());
}

#define IDENTITY_OPTION {"identity", required_argument, NULL, 'I'}

static int cmd_init(cl_cli *c)
{
    static const struct option options[] = {IDENTITY_OPTION, {"name", required_argument, NULL, 'n'}, {0, 0, 0, 0}};
    teacher_opts o = {0};
    int first;
    int rc = parse(c, options, "[--name NAME] [--identity DIR]",
                   _("On a teacher's machine: creates the teacher's identity, a key pair whose secret is locked by\n"
                     "the teacher's own passphrase. Give the public key it prints to the counsellor, and compare\n"
                     "the fingerprint with them by phone.\n"
                     "  --identity DIR  the teacher's identity folder (default $XDG_DATA_HOME/carelog-teacher)\n"
                     "  --name NAME     your name as the counsellor knows you (default: your login name)\n"),
                   &o, 0, &first);
    if (rc != 0)
        return cl_cli_exit(rc);
    char *dir = NULL;
    cl_secret *pass = NULL;
    cl_teacher_identity *t = NULL;
    cl_status st = o.identity ? CL_OK : cl_teacher_default_dir(&dir);
    if (st == CL_OK)
        st = cl_passphrase_read(_("New teacher passphrase (教师密码): "), true, &pass);
    if (st == CL_OK)
        st = cl_teacher_init(o.identity ? o.identity : dir, o.name ? o.name : login_name(), pass, &t);
    cl_secret_free(pass);
    free(dir);
    if (st != CL_OK)
        return cl_cli_fail(st);
    if (c->json) {
        json_t *j = identity_json(t);
        cl_teacher_free(t);
        return cl_cli_print_json(j);
    }
    printf(_("Created your teacher identity.\n"));
    print_identity(t);
    printf(_("\nGive the public key to the counsellor; they enrol you with it. Next: `carelog teacher join vault.pub`\n"
             "with the school's vault.pub, then `carelog observe` to write an observation.\n"));
    cl_teacher_free(t);
    return 0;
}

static int cmd_show(cl_cli *c)
{
    static const struct option options[] = {IDENTITY_OPTION, {0, 0, 0, 0}};
    teacher_opts o = {0};
    int first;
    int rc = parse(c, options, "[--identity DIR] [--json]",
                   _("Prints the teacher's public key, its fingerprint and the school joined. Needs no passphrase.\n"
                     "  --identity DIR  the teacher's identity folder (default $XDG_DATA_HOME/carelog-teacher)\n"), &o, 0, &first);
    if (rc != 0)
        return cl_cli_exit(rc);
    cl_teacher_identity *t;
    cl_status st = load_identity(&o, &t);
    if (st != CL_OK)
        return cl_cli_fail(st);
    if (c->json) {
        json_t *j = identity_json(t);
        cl_teacher_free(t);
        return cl_cli_print_json(j);
    }
    print_identity(t);
    cl_teacher_free(t);
    return 0;
}

static int cmd_join(cl_cli *c)
{
    static const struct option options[] = {IDENTITY_OPTION, {0, 0, 0, 0}};
    teacher_opts o = {0};
    int first;
    int rc = parse(c, options, "VAULT_PUB [--identity DIR]",
                   _("Binds your identity to your school's vault (its vault.pub file, given by the counsellor).\n"
                     "Compare the fingerprint it prints with the counsellor by phone. From then on a vault.pub\n"
                     "that changed is refused before anything is sealed.\n" "  --identity DIR  the teacher's identity folder (default $XDG_DATA_HOME/carelog-teacher)\n"),
                   &o, 1, &first);
    if (rc != 0)
        return cl_cli_exit(rc);
    cl_teacher_identity *t;
    cl_status st = load_identity(&o, &t);
    if (st == CL_OK)
        st = cl_teacher_join(t, c->argv[first]);
    if (st != CL_OK) {
        cl_teacher_free(t);
        return cl_cli_fail(st);
    }
    const cl_vault_pub *p = cl_teacher_vault(t);
    if (c->json) {
        json_t *j = json_pack("{s:s, s:s}", "school", p->school, "fingerprint", p->fingerprint);
        cl_teacher_free(t);
        return cl_cli_print_json(j);
    }
    cl_cli_say(_("Joined the vault of %s.\n"), p->school);
    printf(_("Vault fingerprint: %s — compare it with the counsellor by phone.\n"), p->fingerprint);
    cl_teacher_free(t);
    return 0;
}

static int cmd_sent(cl_cli *c)
{
    static const struct option options[] = {IDENTITY_OPTION, {0, 0, 0, 0}};
    teacher_opts o = {0};
    int first;
    int rc = parse(c, options, "[--identity DIR] [--json]",
                   _("Lists the observations you sent: when, their id, your number for it, and a hash of the\n"
                     "sealed file. What you wrote is not kept on your side, and the sealed file opens only in the\n"
                     "counsellor's vault.\n" "  --identity DIR  the teacher's identity folder (default $XDG_DATA_HOME/carelog-teacher)\n"), &o, 0, &first);
    if (rc != 0)
        return cl_cli_exit(rc);
    cl_teacher_identity *t;
    json_t *list = NULL;
    cl_status st = load_identity(&o, &t);
    if (st == CL_OK)
        st = cl_teacher_sent(t, &list);
    cl_teacher_free(t);
    if (st != CL_OK)
        return cl_cli_fail(st);
    if (c->json)
        return cl_cli_print_json(list);
    const char *headers[] = {_("Sent"), _("Observation"), _("No."), _("Hash")};
    cl_table *tab = cl_table_new(4, headers);
    size_t i;
    json_t *row;
    json_array_foreach(list, i, row) {
        char n[24];
        snprintf(n, sizeof n, "%lld", (long long)json_integer_value(json_object_get(row, "counter")));
        const char *cells[] = {cl_json_str_or(row, "sent_at"), cl_json_str_or(row, "id"), n, cl_json_str_or(row, "hash")};
        cl_table_add_row(tab, cells);
    }
    json_decref(list);
    return cl_cli_table_done(tab);
}

/* ---- observe ------------------------------------------------------------ */

/* One line from the terminal, without its newline; false at end of input. */
static bool ask(FILE *tty, const char *prompt, char *buf, size_t size)
{
    fputs(prompt, tty);
    fflush(tty);
    if (!fgets(buf, (int)size, tty))
        return false;
    buf[strcspn(buf, "\r\n")] = '\0';
    return true;
}

static void show_field(FILE *tty, const cl_field *f, bool required)
{
    const char *lang = cl_cli_lang();
    fprintf(tty, "\n");
    cl_cli_print_text(tty, cl_field_label(f, lang));
    fprintf(tty, "%s\n", required ? _(" (required)") : "");
    const char *help = strcmp(lang, "en") == 0 ? f->help_en : f->help_zh;
    if (help) {
        fprintf(tty, "  ");
        cl_cli_print_text(tty, help);
        fprintf(tty, "\n");
    }
    for (size_t i = 0; i < f->n_choices; i++) {
        fprintf(tty, "  %-18s ", f->choices[i].id);
        cl_cli_print_text(tty, strcmp(lang, "en") == 0 ? f->choices[i].label_en : f->choices[i].label_zh);
        fprintf(tty, "\n");
    }
    if (f->type == CL_FIELD_MULTI)
        fprintf(tty, _("  (several: separate them with commas)\n"));
}

/* Walks the teacher through the form on the terminal, one field at a time
 * (cl_observation_next_field decides which); an answer the form refuses is
 * asked again with the reason. */
static cl_status prompt_fields(const cl_form *form, json_t *fields, teacher_opts *o, char *number, char *name,
                               char *klass, size_t size)
{
    FILE *tty = fopen("/dev/tty", "r+");
    if (!tty)
        return cl_fail(CL_EUSAGE, _("there is no terminal to ask on; give the answers with --field id=value"));
    char line[4096];
    cl_status st = CL_OK;
    if (!o->student && !o->student_name) {
        if (!ask(tty, _("Student number (学号; Enter if you do not know it): "), number, size))
            st = cl_fail(CL_EUSAGE, _("stopped; nothing was sealed"));
        if (st == CL_OK && !*number && (!ask(tty, _("Student name (姓名): "), name, size) ||
                                        !ask(tty, _("Class (班级): "), klass, size)))
            st = cl_fail(CL_EUSAGE, _("stopped; nothing was sealed"));
    }
    size_t pos = 0;
    const cl_field *f;
    while (st == CL_OK && (f = cl_observation_next_field(form, fields, &pos))) {
        bool required = cl_field_required(f, fields);
        show_field(tty, f, required);
        for (;;) {
            if (!ask(tty, "> ", line, sizeof line)) {
                st = cl_fail(CL_EUSAGE, _("stopped; nothing was sealed"));
                break;
            }
            cl_status a = cl_observation_answer(form, fields, f->id, line);
            if (a == CL_OK && !(required && !*line))
                break;
            fprintf(tty, "  ");
            cl_cli_print_text(tty, a == CL_OK ? _("this one is required") : cl_error_message());
            fprintf(tty, "\n");
        }
    }
    sodium_memzero(line, sizeof line);
    fclose(tty);
    return st;
}

static cl_status deliver(cl_cli *c, const teacher_opts *o, const unsigned char *id,
                         const unsigned char *file, size_t len, char **where)
{
    if (o->output) {
        *where = strdup(o->output);
        return cl_file_create_atomic(o->output, file, len);
    }
    char inbox[4096];
    snprintf(inbox, sizeof inbox, "%s/inbox", c->vault_dir);
    return cl_teacher_drop(inbox, id, file, len, where);
}

static int cmd_observe(cl_cli *c)
{
    static const struct option options[] = {
        IDENTITY_OPTION,
        {"student", required_argument, NULL, 's'},
        {"name", required_argument, NULL, 'N'},
        {"class", required_argument, NULL, 'C'},
        {"field", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},
        {0, 0, 0, 0},
    };
    teacher_opts o = {0};
    int first;
    int rc = parse(c, options, "[--student NUMBER | --name NAME --class C] [--field id=value …] [-o FILE]",
                   _("Writes an observation about a student, signs it and seals it so that only your school's\n"
                     "vault can open it — you cannot read it back. Without --field, asks each field of the\n"
                     "observation form on the terminal. It goes into the vault folder's inbox/ (--vault DIR,\n"
                     "whose vault.pub must be the one you joined), or into FILE with -o to hand over.\n"
                    
                     "  --identity DIR  the teacher's identity folder (default $XDG_DATA_HOME/carelog-teacher)\n"
                     "  --student NUMBER  the student's number; or --name NAME with --class CLASS\n"
                     "  --field id=value  one answer (`carelog form show observation` on the counsellor's side\n"
                     "                    lists the fields): occurred_at, categories, description, severity …\n"
                     "  -o, --output FILE write the sealed file here instead of the inbox\n"),
                   &o, 0, &first);
    if (rc != 0)
        return cl_cli_exit(rc);
    cl_teacher_identity *t = NULL;
    cl_form *form = NULL;
    char digest[65], number[128] = "", name[256] = "", klass[128] = "", vault_pub[4096];
    json_t *fields = NULL;
    cl_secret *pass = NULL;
    unsigned char *file = NULL, id[CL_OBSERVATION_ID_BYTES];
    size_t len = 0;
    char *where = NULL;
    cl_status st = load_identity(&o, &t);
    /* The keys are checked first: nothing is written for a vault that is
     * not the one joined. */
    if (st == CL_OK && !o.output) {
        snprintf(vault_pub, sizeof vault_pub, "%s/vault.pub", c->vault_dir);
        st = cl_teacher_check_vault_pub(t, vault_pub);
    }
    if (st == CL_OK)
        st = cl_observation_form(&form, digest);
    if (st == CL_OK)
        st = cl_field_args_build(form, &o.fields, &fields);
    if (st == CL_OK && o.fields.n == 0 && !o.fields.input)
        st = prompt_fields(form, fields, &o, number, name, klass, sizeof number);
    const char *num = o.student ? o.student : number, *nm = o.student_name ? o.student_name : name;
    const char *cls = o.student_class ? o.student_class : klass;
    if (st == CL_OK)
        st = cl_observation_check(form, fields, num, nm);
    if (st == CL_OK)
        st = cl_passphrase_read(_("Teacher passphrase (教师密码): "), false, &pass);
    if (st == CL_OK)
        st = cl_teacher_seal(t, pass, num, nm, cls, fields, digest, id, &file, &len);
    cl_secret_free(pass);
    if (st == CL_OK)
        st = deliver(c, &o, id, file, len, &where);
    if (st == CL_OK)
        st = cl_teacher_note_sent(t, id, file, len);
    sodium_memzero(number, sizeof number);
    sodium_memzero(name, sizeof name);
    json_decref(fields);
    cl_form_free(form);
    free(file);
    if (st != CL_OK) {
        cl_teacher_free(t);
        free(where);
        return cl_cli_fail(st);
    }
    char id_hex[33];
    cl_observation_id_hex(id, id_hex);
    if (c->json) {
        json_t *j = json_pack("{s:s, s:s, s:s}", "id", id_hex, "file", where, "vault", cl_teacher_vault(t)->fingerprint);
        cl_teacher_free(t);
        free(where);
        return cl_cli_print_json(j);
    }
    printf(_("Sealed observation %s for the vault %s.\n"), id_hex, cl_teacher_vault(t)->fingerprint);
    cl_cli_say(_("Written to %s. Only the counsellor's vault can open it; nothing you wrote is kept here.\n"), where);
    cl_teacher_free(t);
    free(where);
    return 0;
}

/* ---- the counsellor's side ---------------------------------------------- */

static int cmd_add(cl_cli *c)
{
    static const struct option options[] = {{"class", required_argument, NULL, 'c'}, {0, 0, 0, 0}};
    teacher_opts o = {0};
    int first;
    int rc = parse(c, options, "NAME PUBLIC_KEY [--class C …]",
                   _("Enrols a teacher by the public key `carelog teacher show` printed on their side. Compare\n"
                     "the fingerprint printed here with the teacher by phone before trusting what they send.\n"
                     "  --class C   a class the teacher teaches (repeatable)\n"), &o, 2, &first);
    if (rc != 0) {
        json_decref(o.classes);
        return cl_cli_exit(rc);
    }
    char fp[24];
    cl_status st = cl_cli_unlock(c);
    if (st == CL_OK)
        st = cl_teacher_add(c->vault, c->argv[first], c->argv[first + 1], o.classes, fp);
    json_decref(o.classes);
    if (st != CL_OK)
        return cl_cli_fail(st);
    if (c->json)
        return cl_cli_print_json(json_pack("{s:s, s:s}", "name", c->argv[first], "fingerprint", fp));
    cl_cli_say(_("Enrolled teacher %s.\n"), c->argv[first]);
    printf(_("Fingerprint: %s — it must be the one the teacher reads to you from `carelog teacher show`.\n"), fp);
    return 0;
}

static int cmd_list(cl_cli *c)
{
    int first;
    int rc = cl_cli_operands(c, _("[--json]"), _("Lists the enrolled teachers, revoked ones too.\n"), 0, &first);
    if (rc != 0)
        return cl_cli_exit(rc);
    json_t *list;
    cl_status st = cl_cli_unlock(c);
    if (st == CL_OK)
        st = cl_teacher_list(c->vault, &list);
    if (st == CL_OK)
        st = cl_cli_audit_listing(c, &list);
    if (st != CL_OK)
        return cl_cli_fail(st);
    if (c->json)
        return cl_cli_print_json(list);
    const char *headers[] = {_("Teacher"), _("Fingerprint"), _("Classes"), _("Since"), _("Revoked"), _("Sent")};
    cl_table *tab = cl_table_new(6, headers);
    size_t i, k;
    json_t *row, *cls;
    json_array_foreach(list, i, row) {
        char classes[512] = "", sent[24];
        json_array_foreach(json_object_get(row, "classes"), k, cls) {
            size_t n = strlen(classes);
            snprintf(classes + n, sizeof classes - n, "%s%s", n ? ", " : "", json_string_value(cls));
        }
        snprintf(sent, sizeof sent, "%lld", (long long)json_integer_value(json_object_get(row, "observations")));
        const char *cells[] = {cl_json_str_or(row, "name"), cl_json_str_or(row, "fingerprint"), classes,
                               cl_json_str_or(row, "added_at"), cl_json_str_or(row, "revoked_at"), sent};
        cl_table_add_row(tab, cells);
    }
    json_decref(list);
    return cl_cli_table_done(tab);
}

static int cmd_revoke(cl_cli *c)
{
    int first;
    int rc = cl_cli_operands(c, _("NAME"),
                             _("Revokes a teacher: files signed by their key from now on are quarantined, never\n"
                               "merged. What they sent before stays.\n"), 1, &first);
    if (rc != 0)
        return cl_cli_exit(rc);
    cl_status st = cl_cli_unlock(c);
    if (st == CL_OK)
        st = cl_teacher_revoke(c->vault, c->argv[first]);
    if (st != CL_OK)
        return cl_cli_fail(st);
    if (c->json)
        return cl_cli_print_json(json_pack("{s:s, s:b}", "name", c->argv[first], "revoked", 1));
    cl_cli_say(_("Revoked teacher %s; files from their key are quarantined from now on.\n"), c->argv[first]);
    return 0;
}

const cl_command cl_teacher_commands[] = {
    {"teacher init", "[--name NAME]", N_("teacher's side: create your identity"), cmd_init},
    {"teacher show", "", N_("teacher's side: your public key and fingerprint"), cmd_show},
    {"teacher join", "VAULT_PUB", N_("teacher's side: bind to your school's vault"), cmd_join},
    {"teacher sent", "", N_("teacher's side: what you sent (no content)"), cmd_sent},
    {"observe", "[--student N] [--field id=value …]", N_("teacher's side: write and seal an observation"), cmd_observe},
    {"teacher add", "NAME PUBLIC_KEY [--class C]", N_("enrol a teacher (compare the fingerprint)"), cmd_add},
    {"teacher list", "[--json]", N_("the enrolled teachers"), cmd_list},
    {"teacher revoke", "NAME", N_("quarantine a teacher's files from now on"), cmd_revoke},
    {NULL, NULL, NULL, NULL},
};
