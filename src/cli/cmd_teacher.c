/* Teacher commands. On the teacher's side: teacher init, show, join —
 * none of them opens the vault or asks for its passphrase;
 * they need only the teacher's identity and the school's vault.pub. On the
 * counsellor's side: teacher add, list, revoke, publish-roster. observe
 * and sent are in cmd_observe.c. */
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "carelog/cli.h"
#include "carelog/clock.h"
#include "carelog/file.h"
#include "carelog/i18n.h"
#include "carelog/observation.h"
#include "carelog/teacher.h"
#include "carelog/teacher_roster.h"

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

static const teacher_opts no_options = {0};

static void teacher_release(void *opts)
{
    json_decref(((teacher_opts *)opts)->classes);
}

static const char *login_name(void)
{
    const struct passwd *pw = getpwuid(getuid());
    return pw && pw->pw_name ? pw->pw_name : "teacher";
}

static json_t *identity_json(const cl_teacher_identity *t)
{
    const cl_vault_pub *p = cl_teacher_vault(t);
    return json_pack("{s:s, s:s, s:s, s:o}", "name", cl_teacher_name(t), "public_key", cl_teacher_public_text(t),
                     "fingerprint", cl_teacher_fingerprint(t), "vault",
                     p ? json_pack("{s:s, s:s}", "school", p->school, "fingerprint", p->fingerprint) : json_null());
}

/* The identity as identity_json has it, for people. */
static void print_identity(const json_t *id)
{
    cl_cli_say(_("Teacher:     %s\n"), cl_json_str_or(id, "name"));
    printf(_("Public key:  %s\n"), cl_json_str_or(id, "public_key"));
    printf(_("Fingerprint: %s\n"), cl_json_str_or(id, "fingerprint"));
    const json_t *p = json_object_get(id, "vault");
    if (json_is_object(p)) {
        cl_cli_say(_("School:      %s\n"), cl_json_str_or(p, "school"));
        printf(_("Vault:       %s\n"), cl_json_str_or(p, "fingerprint"));
    } else {
        printf(_("School:      not joined yet (`carelog teacher join vault.pub`)\n"));
    }
}

#define IDENTITY_OPTION {"identity", required_argument, NULL, 'I'}

static cl_status teacher_init(cl_cli *c, void *opts, json_t **identity)
{
    (void)c;
    const teacher_opts *o = opts;
    char *dir = NULL;
    cl_secret *pass = NULL;
    cl_teacher_identity *t = NULL;
    cl_status st = cl_teacher_dir(o->identity, &dir);
    if (st == CL_OK)
        st = cl_passphrase_read(_("New teacher passphrase (教师密码): "), true, &pass);
    if (st == CL_OK)
        st = cl_teacher_init(dir, o->name ? o->name : login_name(), pass, &t);
    cl_secret_free(pass);
    free(dir);
    if (st == CL_OK)
        st = cl_cli_result(identity, identity_json(t));
    cl_teacher_free(t);
    return st;
}

static cl_status show_created(cl_cli *c, const void *opts, const json_t *identity)
{
    (void)c, (void)opts;
    printf(_("Created your teacher identity.\n"));
    print_identity(identity);
    printf(_("\nGive the public key to the counsellor; they enrol you with it. Next: `carelog teacher join vault.pub`\n"
             "with the school's vault.pub, then `carelog observe` to write an observation.\n"));
    return CL_OK;
}

static const struct option init_options[] = {IDENTITY_OPTION, {"name", required_argument, NULL, 'n'}, {0, 0, 0, 0}};

static const cl_command_spec init_spec = {
    .usage = "[--name NAME] [--identity DIR]",
    .help = N_("On a teacher's machine: creates the teacher's identity, a key pair whose secret is locked by\n"
               "the teacher's own passphrase. Give the public key it prints to the counsellor, and compare\n"
               "the fingerprint with them by phone.\n"
               "  --identity DIR  the teacher's identity folder (default $XDG_DATA_HOME/carelog-teacher)\n"
               "  --name NAME     your name as the counsellor knows you (default: your login name)\n"),
    .options = init_options,
    .on_option = teacher_option,
    CL_CLI_OPTS(no_options),
    .release = teacher_release,
    .call = teacher_init,
    .show = show_created,
};

static cl_status teacher_show(cl_cli *c, void *opts, json_t **identity)
{
    (void)c;
    cl_teacher_identity *t = NULL;
    cl_status st = cl_teacher_load(((const teacher_opts *)opts)->identity, &t);
    if (st == CL_OK)
        st = cl_cli_result(identity, identity_json(t));
    cl_teacher_free(t);
    return st;
}

static cl_status show_identity(cl_cli *c, const void *opts, const json_t *identity)
{
    (void)c, (void)opts;
    print_identity(identity);
    return CL_OK;
}

static const struct option identity_options[] = {IDENTITY_OPTION, {0, 0, 0, 0}};

static const cl_command_spec show_spec = {
    .usage = "[--identity DIR] [--json]",
    .help = N_("Prints the teacher's public key, its fingerprint and the school joined. Needs no passphrase.\n"
               "  --identity DIR  the teacher's identity folder (default $XDG_DATA_HOME/carelog-teacher)\n"),
    .options = identity_options,
    .on_option = teacher_option,
    CL_CLI_OPTS(no_options),
    .release = teacher_release,
    .call = teacher_show,
    .show = show_identity,
};

static cl_status teacher_join(cl_cli *c, void *opts, json_t **joined)
{
    cl_teacher_identity *t = NULL;
    cl_status st = cl_teacher_load(((const teacher_opts *)opts)->identity, &t);
    if (st == CL_OK)
        st = cl_teacher_join(t, c->operand[0]);
    const cl_vault_pub *p = st == CL_OK ? cl_teacher_vault(t) : NULL;
    if (p)
        st = cl_cli_result(joined, json_pack("{s:s, s:s}", "school", p->school, "fingerprint", p->fingerprint));
    cl_teacher_free(t);
    return st;
}

static cl_status show_joined(cl_cli *c, const void *opts, const json_t *joined)
{
    (void)c, (void)opts;
    cl_cli_say(_("Joined the vault of %s.\n"), cl_json_str_or(joined, "school"));
    printf(_("Vault fingerprint: %s — compare it with the counsellor by phone.\n"), cl_json_str_or(joined, "fingerprint"));
    return CL_OK;
}

static const cl_command_spec join_spec = {
    .usage = "VAULT_PUB [--identity DIR]",
    .help = N_("Binds your identity to your school's vault (its vault.pub file, given by the counsellor).\n"
               "Compare the fingerprint it prints with the counsellor by phone. From then on a vault.pub\n"
               "that changed is refused before anything is sealed.\n"
               "  --identity DIR  the teacher's identity folder (default $XDG_DATA_HOME/carelog-teacher)\n"),
    .options = identity_options,
    .on_option = teacher_option,
    CL_CLI_OPTS(no_options),
    .operands = 1,
    .release = teacher_release,
    .call = teacher_join,
    .show = show_joined,
};

/* ---- the counsellor's side ---------------------------------------------- */

static cl_status teacher_add(cl_cli *c, void *opts, json_t **enrolled)
{
    char fp[24];
    cl_status st = cl_teacher_add(c->vault, c->operand[0], c->operand[1], ((const teacher_opts *)opts)->classes, fp);
    return st == CL_OK ? cl_cli_result(enrolled, json_pack("{s:s, s:s}", "name", c->operand[0], "fingerprint", fp)) : st;
}

static cl_status show_enrolled(cl_cli *c, const void *opts, const json_t *enrolled)
{
    (void)opts;
    cl_cli_say(_("Enrolled teacher %s.\n"), c->operand[0]);
    printf(_("Fingerprint: %s — it must be the one the teacher reads to you from `carelog teacher show`.\n"),
           cl_json_str_or(enrolled, "fingerprint"));
    return CL_OK;
}

static const struct option add_options[] = {{"class", required_argument, NULL, 'c'}, {0, 0, 0, 0}};

static const cl_command_spec add_spec = {
    .usage = "NAME PUBLIC_KEY [--class C …]",
    .help = N_("Enrols a teacher by the public key `carelog teacher show` printed on their side. Compare\n"
               "the fingerprint printed here with the teacher by phone before trusting what they send.\n"
               "  --class C   a class the teacher teaches (repeatable)\n"),
    .options = add_options,
    .on_option = teacher_option,
    CL_CLI_OPTS(no_options),
    .operands = 2,
    .needs = CL_CLI_UNLOCKED,
    .release = teacher_release,
    .call = teacher_add,
    .show = show_enrolled,
};

static cl_status teacher_list(cl_cli *c, void *opts, json_t **list)
{
    (void)opts;
    cl_status st = cl_teacher_list(c->vault, list);
    return st == CL_OK ? cl_cli_audit_listing(c, list) : st;
}

static cl_status show_teachers(cl_cli *c, const void *opts, const json_t *list)
{
    (void)c, (void)opts;
    const char *headers[] = {_("Teacher"), _("Fingerprint"), _("Classes"), _("Since"), _("Revoked"), _("Sent")};
    cl_table *tab = cl_table_new(6, headers);
    size_t i, k;
    const json_t *row, *cls;
    json_array_foreach(list, i, row) {
        char classes[512] = "", sent[24];
        json_array_foreach(json_object_get(row, "classes"), k, cls) {
            size_t n = strlen(classes);
            snprintf(classes + n, sizeof classes - n, "%s%s", n ? ", " : "", json_string_value(cls));
        }
        snprintf(sent, sizeof sent, "%lld", (long long)json_integer_value(json_object_get(row, "observations")));
        char added[32], revoked[32];
        cl_time_local(cl_json_str_or(row, "added_at"), false, added, sizeof added);
        cl_time_local(cl_json_str_or(row, "revoked_at"), false, revoked, sizeof revoked);
        const char *cells[] = {cl_json_str_or(row, "name"), cl_json_str_or(row, "fingerprint"), classes, added, revoked,
                               sent};
        cl_table_add_row(tab, cells);
    }
    return cl_cli_put_table(tab);
}

static const cl_command_spec list_spec = {
    .usage = N_("[--json]"),
    .help = N_("Lists the enrolled teachers, revoked ones too.\n"),
    .needs = CL_CLI_UNLOCKED,
    .call = teacher_list,
    .show = show_teachers,
};

static cl_status teacher_revoke(cl_cli *c, void *opts, json_t **revoked)
{
    (void)opts;
    cl_status st = cl_teacher_revoke(c->vault, c->operand[0]);
    return st == CL_OK ? cl_cli_result(revoked, json_pack("{s:s, s:b}", "name", c->operand[0], "revoked", 1)) : st;
}

static cl_status show_revoked(cl_cli *c, const void *opts, const json_t *revoked)
{
    (void)opts, (void)revoked;
    cl_cli_say(_("Revoked teacher %s; files from their key are quarantined from now on.\n"), c->operand[0]);
    return CL_OK;
}

static const cl_command_spec revoke_spec = {
    .usage = N_("NAME"),
    .help = N_("Revokes a teacher: files signed by their key from now on are quarantined, never\n"
               "merged. What they sent before stays.\n"),
    .operands = 1,
    .needs = CL_CLI_UNLOCKED,
    .call = teacher_revoke,
    .show = show_revoked,
};

static cl_status publish_roster(cl_cli *c, void *opts, json_t **report)
{
    const teacher_opts *o = opts;
    return cl_teacher_roster_publish(c->vault, o->classes, o->output, report);
}

static cl_status show_published(cl_cli *c, const void *opts, const json_t *report)
{
    (void)c, (void)opts;
    long long students = (long long)json_integer_value(json_object_get(report, "students"));
    long long teachers = (long long)json_integer_value(json_object_get(report, "teachers"));
    cl_cli_say(_("Published the teachers' roster (number %lld) to %s.\n"),
               (long long)json_integer_value(json_object_get(report, "counter")), cl_json_str_or(report, "path"));
    printf(ngettext("  %lld student on it.\n", "  %lld students on it.\n", (unsigned long)students), students);
    printf(ngettext("  %lld enrolled teacher can read it.\n", "  %lld enrolled teachers can read it.\n",
                    (unsigned long)teachers), teachers);
    return CL_OK;
}

static const struct option publish_options[] = {
    {"class", required_argument, NULL, 'c'}, {"output", required_argument, NULL, 'o'}, {0, 0, 0, 0}};

static const cl_command_spec publish_spec = {
    .usage = "[--class C …] [-o FILE]",
    .help = N_("Publishes the teachers' roster: the numbers, names and classes of the students (nothing\n"
               "else about them) and the vault's observation form, encrypted so that only the enrolled\n"
               "teachers who are not revoked can read it, and signed by the vault. Teachers' `carelog\n"
               "observe` picks students from it. Publish again after enrolling or revoking a teacher: a\n"
               "revoked teacher cannot read the new one, and teachers refuse an older one.\n"
               "  --class C        only the students of class C (repeatable; default: every class)\n"
               "  -o, --output FILE  write it here (default: teacher.roster in the vault folder, readable\n"
               "                   by teachers on this machine)\n"),
    .options = publish_options,
    .on_option = teacher_option,
    CL_CLI_OPTS(no_options),
    .needs = CL_CLI_UNLOCKED,
    .release = teacher_release,
    .call = publish_roster,
    .show = show_published,
};

const cl_command cl_teacher_commands[] = {
    {"teacher init", "[--name NAME]", N_("teacher's side: create your identity"), NULL, &init_spec},
    {"teacher show", "", N_("teacher's side: your public key and fingerprint"), NULL, &show_spec},
    {"teacher join", "VAULT_PUB", N_("teacher's side: bind to your school's vault"), NULL, &join_spec},
    {"teacher add", "NAME PUBLIC_KEY [--class C]", N_("enrol a teacher (compare the fingerprint)"), NULL, &add_spec},
    {"teacher list", "[--json]", N_("the enrolled teachers"), NULL, &list_spec},
    {"teacher revoke", "NAME", N_("quarantine a teacher's files from now on"), NULL, &revoke_spec},
    {"teacher publish-roster", "[--class C …] [-o FILE]", N_("the students' list and form for enrolled teachers"),
     NULL, &publish_spec},
    {NULL, NULL, NULL, NULL, NULL},
};
