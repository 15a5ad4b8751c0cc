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

static int parse(cl_cli *c, const struct option *options, const char *usage, const char *help, teacher_opts *o,
                 int want, int *first)
{
    return cl_cli_parse(c, options, usage, help, teacher_option, o, want, first);
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
    cl_status st = cl_teacher_dir(o.identity, &dir);
    if (st == CL_OK)
        st = cl_passphrase_read(_("New teacher passphrase (教师密码): "), true, &pass);
    if (st == CL_OK)
        st = cl_teacher_init(dir, o.name ? o.name : login_name(), pass, &t);
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
    cl_status st = cl_teacher_load(o.identity, &t);
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
    cl_status st = cl_teacher_load(o.identity, &t);
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
        char added[32], revoked[32];
        cl_time_local(cl_json_str_or(row, "added_at"), false, added, sizeof added);
        cl_time_local(cl_json_str_or(row, "revoked_at"), false, revoked, sizeof revoked);
        const char *cells[] = {cl_json_str_or(row, "name"), cl_json_str_or(row, "fingerprint"), classes, added, revoked,
                               sent};
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

static int cmd_publish_roster(cl_cli *c)
{
    static const struct option options[] = {
        {"class", required_argument, NULL, 'c'}, {"output", required_argument, NULL, 'o'}, {0, 0, 0, 0}};
    teacher_opts o = {0};
    int first;
    int rc = parse(c, options, "[--class C …] [-o FILE]",
                   _("Publishes the teachers' roster: the numbers, names and classes of the students (nothing\n"
                     "else about them) and the vault's observation form, encrypted so that only the enrolled\n"
                     "teachers who are not revoked can read it, and signed by the vault. Teachers' `carelog\n"
                     "observe` picks students from it. Publish again after enrolling or revoking a teacher: a\n"
                     "revoked teacher cannot read the new one, and teachers refuse an older one.\n"
                     "  --class C        only the students of class C (repeatable; default: every class)\n"
                     "  -o, --output FILE  write it here (default: teacher.roster in the vault folder, readable\n"
                     "                   by teachers on this machine)\n"), &o, 0, &first);
    if (rc != 0) {
        json_decref(o.classes);
        return cl_cli_exit(rc);
    }
    json_t *report = NULL;
    cl_status st = cl_cli_unlock(c);
    if (st == CL_OK)
        st = cl_teacher_roster_publish(c->vault, o.classes, o.output, &report);
    json_decref(o.classes);
    if (st != CL_OK)
        return cl_cli_fail(st);
    if (c->json)
        return cl_cli_print_json(report);
    long long students = (long long)json_integer_value(json_object_get(report, "students"));
    long long teachers = (long long)json_integer_value(json_object_get(report, "teachers"));
    cl_cli_say(_("Published the teachers' roster (number %lld) to %s.\n"),
               (long long)json_integer_value(json_object_get(report, "counter")), cl_json_str_or(report, "path"));
    printf(ngettext("  %lld student on it.\n", "  %lld students on it.\n", (unsigned long)students), students);
    printf(ngettext("  %lld enrolled teacher can read it.\n", "  %lld enrolled teachers can read it.\n",
                    (unsigned long)teachers), teachers);
    json_decref(report);
    return 0;
}

const cl_command cl_teacher_commands[] = {
    {"teacher init", "[--name NAME]", N_("teacher's side: create your identity"), cmd_init, NULL},
    {"teacher show", "", N_("teacher's side: your public key and fingerprint"), cmd_show, NULL},
    {"teacher join", "VAULT_PUB", N_("teacher's side: bind to your school's vault"), cmd_join, NULL},
    {"teacher add", "NAME PUBLIC_KEY [--class C]", N_("enrol a teacher (compare the fingerprint)"), cmd_add, NULL},
    {"teacher list", "[--json]", N_("the enrolled teachers"), cmd_list, NULL},
    {"teacher revoke", "NAME", N_("quarantine a teacher's files from now on"), cmd_revoke, NULL},
    {"teacher publish-roster", "[--class C …] [-o FILE]", N_("the students' list and form for enrolled teachers"),
     cmd_publish_roster, NULL},
    {NULL, NULL, NULL, NULL, NULL},
};
